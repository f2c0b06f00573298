/*
 * Small containers for the STIX 1.x reader: a de-duplicating string list
 * and a string-keyed hash map.
 *
 * DESIGN
 * The reader keeps a few tables while it streams a package: observables
 * and indicators referenced by idref, TTPs, threat actors and campaigns.
 * They are keyed by the element id; the map copies keys and leaves the
 * values to the caller (a free function is given to s1_map_free).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"
#include "stix1_util.h"

cf_status s1_list_add(s1_list *l, const char *s, size_t n)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strlen(l->v[i]) == n && memcmp(l->v[i], s, n) == 0) {
            return CF_OK;
        }
    }
    if (l->n >= CF_MAX_LABELS_PER_IOC) {
        return CF_OK;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            return CF_ENOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = cf_strndup(s, n);
    if (!l->v[l->n]) {
        return CF_ENOMEM;
    }
    l->n++;
    return CF_OK;
}

cf_status s1_list_adds(s1_list *l, const char *s)
{
    return s ? s1_list_add(l, s, strlen(s)) : CF_OK;
}

cf_status s1_list_merge(s1_list *l, const s1_list *from)
{
    for (size_t i = 0; i < from->n; i++) {
        cf_status st = s1_list_adds(l, from->v[i]);
        if (st != CF_OK) {
            return st;
        }
    }
    return CF_OK;
}

void s1_list_free(s1_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static uint64_t map_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    }
    return h;
}

static size_t map_find(const s1_map *m, const char *key)
{
    size_t i = map_hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0) {
        i = (i + 1) & (m->cap - 1);
    }
    return i;
}

static cf_status map_grow(s1_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    s1_map bigger = {calloc(cap, sizeof(char *)), calloc(cap, sizeof(void *)), cap, 0};
    if (!bigger.keys || !bigger.vals) {
        free(bigger.keys);
        free(bigger.vals);
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i]) {
            size_t j = map_find(&bigger, m->keys[i]);
            bigger.keys[j] = m->keys[i];
            bigger.vals[j] = m->vals[i];
            bigger.n++;
        }
    }
    free(m->keys);
    free(m->vals);
    *m = bigger;
    return CF_OK;
}

void *s1_map_get(const s1_map *m, const char *key)
{
    if (!m->cap || !key) {
        return NULL;
    }
    size_t i = map_find(m, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

bool s1_map_has(const s1_map *m, const char *key)
{
    if (!m->cap || !key) {
        return false;
    }
    return m->keys[map_find(m, key)] != NULL;
}

cf_status s1_map_put(s1_map *m, const char *key, void *val, bool *added)
{
    *added = false;
    if (m->n * 2 >= m->cap) {
        cf_status st = map_grow(m);
        if (st != CF_OK) {
            return st;
        }
    }
    size_t i = map_find(m, key);
    if (m->keys[i]) {
        return CF_OK;
    }
    m->keys[i] = cf_strdup(key);
    if (!m->keys[i]) {
        return CF_ENOMEM;
    }
    m->vals[i] = val;
    m->n++;
    *added = true;
    return CF_OK;
}

void s1_map_free(s1_map *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i]) {
            free(m->keys[i]);
            if (free_val && m->vals[i]) {
                free_val(m->vals[i]);
            }
        }
    }
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
