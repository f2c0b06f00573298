/*
 * Threat-actor clusters of the MISP galaxy and the resolution of actor
 * names met in feeds to one cluster.
 *
 * DESIGN
 * The cluster file is read whole and parsed with jansson; every string we
 * keep is copied into one allocation list owned by the galaxy, so the
 * jansson tree is dropped at the end of the load. Three arrays of
 * (key, cluster) pairs, sorted with qsort, are the indices: uuids (lower
 * case), value keys and synonym keys (see cf_galaxy_name_key). A lookup is
 * a binary search to the first equal key and a walk over the equal run,
 * which is how several clusters sharing one synonym are found.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctiflow/buf.h"
#include "ctiflow/galaxy.h"
#include "ctiflow/limits.h"

#define GX_KEY_MAX 256

typedef struct gx_entry {
    const char *key;
    size_t cluster;
} gx_entry;

typedef struct gx_index {
    gx_entry *v;
    size_t n, cap;
} gx_index;

struct cf_galaxy {
    char uuid[37];
    cf_actor *actors;
    size_t n_actors;
    gx_index by_uuid, by_value, by_synonym;
    char **owned; /* every string and string array we allocated */
    size_t n_owned, cap_owned;
};

const char *cf_actor_match_name(cf_actor_match m)
{
    switch (m) {
    case CF_ACTOR_BY_UUID:
        return "uuid";
    case CF_ACTOR_BY_VALUE:
        return "value";
    case CF_ACTOR_BY_SYNONYM:
        return "synonym";
    case CF_ACTOR_AMBIGUOUS:
        return "ambiguous";
    default:
        return "unknown";
    }
}

size_t cf_galaxy_name_key(char *out, size_t outsz, const char *name, size_t len)
{
    size_t n = 0;

    if (outsz == 0) {
        return 0;
    }
    for (size_t i = 0; i < len && n + 1 < outsz; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c >= 0x80 || isalnum(c)) {
            out[n++] = (char)(c < 0x80 ? tolower(c) : c);
        }
    }
    out[n] = '\0';
    return n;
}

bool cf_galaxy_same_name(const char *a, const char *b)
{
    char ka[GX_KEY_MAX], kb[GX_KEY_MAX];

    if (!a || !b) {
        return false;
    }
    cf_galaxy_name_key(ka, sizeof ka, a, strlen(a));
    cf_galaxy_name_key(kb, sizeof kb, b, strlen(b));
    return ka[0] != '\0' && strcmp(ka, kb) == 0;
}

/* Keep p so cf_galaxy_free releases it; frees p and fails on no memory. */
static void *gx_own(cf_galaxy *g, void *p)
{
    if (!p) {
        return NULL;
    }
    if (g->n_owned == g->cap_owned) {
        size_t cap = g->cap_owned ? g->cap_owned * 2 : 1024;
        char **o = realloc(g->owned, cap * sizeof *o);
        if (!o) {
            free(p);
            return NULL;
        }
        g->owned = o;
        g->cap_owned = cap;
    }
    g->owned[g->n_owned++] = p;
    return p;
}

static const char *gx_strdup(cf_galaxy *g, const char *s)
{
    return s ? gx_own(g, cf_strdup(s)) : NULL;
}

static cf_status gx_index_add(cf_galaxy *g, gx_index *ix, const char *key, size_t cluster)
{
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 1024;
        gx_entry *v = realloc(ix->v, cap * sizeof *v);
        if (!v) {
            return CF_ENOMEM;
        }
        ix->v = v;
        ix->cap = cap;
    }
    ix->v[ix->n].key = key;
    ix->v[ix->n].cluster = cluster;
    ix->n++;
    return CF_OK;
}

/* Add the name key of text to ix (names that reduce to nothing are skipped). */
static cf_status gx_index_name(cf_galaxy *g, gx_index *ix, const char *text, size_t cluster)
{
    char key[GX_KEY_MAX];

    if (cf_galaxy_name_key(key, sizeof key, text, strlen(text)) == 0) {
        return CF_OK;
    }
    const char *k = gx_strdup(g, key);
    if (!k) {
        return CF_ENOMEM;
    }
    return gx_index_add(g, ix, k, cluster);
}

static int gx_entry_cmp(const void *a, const void *b)
{
    const gx_entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0) {
        return c;
    }
    return (x->cluster > y->cluster) - (x->cluster < y->cluster);
}

/* Copy a JSON array of strings (or one string) into an owned array. */
static cf_status gx_strings(cf_galaxy *g, json_t *v, const char *const **out, size_t *n)
{
    size_t count = json_is_array(v) ? json_array_size(v) : (json_is_string(v) ? 1 : 0);
    const char **arr = NULL;

    *out = NULL;
    *n = 0;
    if (count == 0) {
        return CF_OK;
    }
    arr = gx_own(g, calloc(count, sizeof *arr));
    if (!arr) {
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *s = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(s)) {
            continue;
        }
        arr[*n] = gx_strdup(g, json_string_value(s));
        if (!arr[*n]) {
            return CF_ENOMEM;
        }
        (*n)++;
    }
    *out = arr;
    return CF_OK;
}

/* The first string of a string or array of strings ("country" is both). */
static const char *gx_first_string(json_t *v)
{
    if (json_is_array(v)) {
        v = json_array_get(v, 0);
    }
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void gx_lower_uuid(char out[37], const char *s)
{
    size_t i = 0;

    for (; s && s[i] && i < 36; i++) {
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[i] = '\0';
}

/* Fill actor number i from one element of "values". */
static cf_status gx_cluster(cf_galaxy *g, json_t *c, size_t i)
{
    cf_actor *a = &g->actors[i];
    json_t *meta = json_object_get(c, "meta");
    const char *value = json_string_value(json_object_get(c, "value"));
    cf_status st;

    a->index = i;
    a->attribution_confidence = -1;
    gx_lower_uuid(a->uuid, json_string_value(json_object_get(c, "uuid")));
    a->value = gx_strdup(g, value ? value : "");
    if (!a->value) {
        return CF_ENOMEM;
    }
    if (json_is_object(meta)) {
        a->country = gx_strdup(g, gx_first_string(json_object_get(meta, "country")));
        a->sponsor =
            gx_strdup(g, gx_first_string(json_object_get(meta, "cfr-suspected-state-sponsor")));
        const char *conf = gx_first_string(json_object_get(meta, "attribution-confidence"));
        if (conf) {
            char *end = NULL;
            long v = strtol(conf, &end, 10);
            if (end != conf && v >= 0 && v <= 100) {
                a->attribution_confidence = (int)v;
            }
        }
        st = gx_strings(g, json_object_get(meta, "synonyms"), &a->synonyms, &a->n_synonyms);
        if (st == CF_OK) {
            st = gx_strings(g, json_object_get(meta, "cfr-suspected-victims"), &a->victims,
                            &a->n_victims);
        }
        if (st != CF_OK) {
            return st;
        }
    }

    /* Index the cluster under its uuid, its value and each synonym. */
    st = CF_OK;
    if (a->uuid[0]) {
        st = gx_index_add(g, &g->by_uuid, a->uuid, i);
    }
    if (st == CF_OK) {
        st = gx_index_name(g, &g->by_value, a->value, i);
    }
    for (size_t k = 0; st == CF_OK && k < a->n_synonyms; k++) {
        st = gx_index_name(g, &g->by_synonym, a->synonyms[k], i);
    }
    return st;
}

/* A synonym repeated inside one cluster under two spellings counts once. */
static void gx_index_dedup(gx_index *ix)
{
    size_t w = 0;

    for (size_t r = 0; r < ix->n; r++) {
        if (w > 0 && strcmp(ix->v[w - 1].key, ix->v[r].key) == 0 &&
            ix->v[w - 1].cluster == ix->v[r].cluster) {
            continue;
        }
        ix->v[w++] = ix->v[r];
    }
    ix->n = w;
}

static cf_status gx_build(cf_galaxy *g, json_t *root, const char *name, cf_error *err)
{
    json_t *values = json_object_get(root, "values");
    cf_status st = CF_OK;

    if (!json_is_array(values)) {
        return cf_error_set(err, CF_EMALFORMED, name, 0, "no 'values' array of clusters");
    }
    gx_lower_uuid(g->uuid, json_string_value(json_object_get(root, "uuid")));
    g->actors = calloc(json_array_size(values) + 1, sizeof *g->actors);
    if (!g->actors) {
        return cf_error_set(err, CF_ENOMEM, name, 0, "out of memory");
    }
    for (size_t i = 0; i < json_array_size(values) && st == CF_OK; i++) {
        json_t *c = json_array_get(values, i);
        if (!json_is_object(c) || !json_is_string(json_object_get(c, "value"))) {
            continue;
        }
        st = gx_cluster(g, c, g->n_actors);
        g->n_actors++;
    }
    if (st != CF_OK) {
        return cf_error_set(err, st, name, 0, "out of memory");
    }
    gx_index *ixs[] = {&g->by_uuid, &g->by_value, &g->by_synonym};
    for (size_t i = 0; i < 3; i++) {
        cf_sort(ixs[i]->v, ixs[i]->n, sizeof(gx_entry), gx_entry_cmp);
        gx_index_dedup(ixs[i]);
    }
    return CF_OK;
}

cf_status cf_galaxy_load_mem(cf_galaxy **out, const char *name, const char *json, size_t len,
                             cf_error *err)
{
    json_error_t jerr;
    json_t *root = NULL;
    cf_galaxy *g = NULL;
    cf_status st = CF_OK;

    *out = NULL;
    root = json_loadb(json, len, 0, &jerr);
    if (!root) {
        st = cf_error_set(err, CF_EMALFORMED, name, (uint64_t)jerr.line, "invalid JSON: %s",
                          jerr.text);
        goto out;
    }
    g = calloc(1, sizeof *g);
    if (!g) {
        st = cf_error_set(err, CF_ENOMEM, name, 0, "out of memory");
        goto out;
    }
    st = gx_build(g, root, name, err);
    if (st != CF_OK) {
        goto out;
    }
    *out = g;
    g = NULL;
out:
    cf_galaxy_free(g);
    json_decref(root);
    return st;
}

cf_status cf_galaxy_load(cf_galaxy **out, const char *path, cf_error *err)
{
    FILE *f = NULL;
    cf_buf body = CF_BUF_INIT;
    char chunk[65536];
    cf_status st = CF_OK;

    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        st = cf_error_set(err, errno == ENOENT ? CF_ENOTFOUND : CF_EIO, path, 0,
                          "cannot open the threat-actor galaxy: %s", strerror(errno));
        goto out;
    }
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, f);
        if (n == 0) {
            break;
        }
        if (body.len + n > CF_MAX_JSON_DOC_BYTES) {
            st = cf_error_set(err, CF_ELIMIT, path, 0, "galaxy file larger than the limit");
            goto out;
        }
        st = cf_buf_append(&body, chunk, n);
        if (st != CF_OK) {
            cf_error_set(err, st, path, 0, "out of memory");
            goto out;
        }
    }
    if (ferror(f)) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot read the threat-actor galaxy: %s",
                          strerror(errno));
        goto out;
    }
    st = cf_galaxy_load_mem(out, path, cf_buf_str(&body), body.len, err);
out:
    if (f) {
        fclose(f);
    }
    cf_buf_free(&body);
    return st;
}

void cf_galaxy_free(cf_galaxy *g)
{
    if (!g) {
        return;
    }
    for (size_t i = 0; i < g->n_owned; i++) {
        free(g->owned[i]);
    }
    free(g->owned);
    free(g->by_uuid.v);
    free(g->by_value.v);
    free(g->by_synonym.v);
    free(g->actors);
    free(g);
}

const char *cf_galaxy_uuid(const cf_galaxy *g)
{
    return g->uuid;
}

size_t cf_galaxy_count(const cf_galaxy *g)
{
    return g->n_actors;
}

const cf_actor *cf_galaxy_at(const cf_galaxy *g, size_t i)
{
    return i < g->n_actors ? &g->actors[i] : NULL;
}

/* First entry of ix whose key is key; *n gets the length of the equal run. */
static const gx_entry *gx_find(const gx_index *ix, const char *key, size_t *n)
{
    size_t lo = 0, hi = ix->n;

    *n = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->v[mid].key, key) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    while (lo + *n < ix->n && strcmp(ix->v[lo + *n].key, key) == 0) {
        (*n)++;
    }
    return *n ? &ix->v[lo] : NULL;
}

const cf_actor *cf_galaxy_by_uuid(const cf_galaxy *g, const char *uuid)
{
    char u[37];
    size_t n;

    if (!uuid || strlen(uuid) != 36) {
        return NULL;
    }
    gx_lower_uuid(u, uuid);
    const gx_entry *e = gx_find(&g->by_uuid, u, &n);
    return e ? &g->actors[e->cluster] : NULL;
}

static bool gx_is_uuid(const char *s, size_t n)
{
    if (n != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* Value, then synonym, of one spelling of a name. */
static cf_actor_match gx_resolve_name(const cf_galaxy *g, const char *name, size_t len,
                                      cf_actor_res *out)
{
    char key[GX_KEY_MAX];
    size_t n;

    if (cf_galaxy_name_key(key, sizeof key, name, len) == 0) {
        return CF_ACTOR_UNKNOWN;
    }
    const gx_entry *e = gx_find(&g->by_value, key, &n);
    if (e) {
        out->actor = &g->actors[e->cluster];
        out->how = CF_ACTOR_BY_VALUE;
        return out->how;
    }
    e = gx_find(&g->by_synonym, key, &n);
    if (!e) {
        return CF_ACTOR_UNKNOWN;
    }
    if (n == 1) {
        out->actor = &g->actors[e->cluster];
        out->how = CF_ACTOR_BY_SYNONYM;
        return out->how;
    }
    out->n_candidates = n;
    for (size_t i = 0; i < n && i < CF_ACTOR_MAX_CANDIDATES; i++) {
        out->candidates[i] = &g->actors[e[i].cluster];
    }
    out->how = CF_ACTOR_AMBIGUOUS;
    return out->how;
}

/* Strip a tag wrapper: misp-galaxy:threat-actor="X" gives X. */
static void gx_unwrap(const char **name, size_t *len)
{
    const char *s = *name;
    size_t n = *len;

    while (n > 0 && isspace((unsigned char)s[0])) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        n--;
    }
    const char *eq = n ? memchr(s, '=', n) : NULL;
    if (eq && (size_t)(eq - s) + 2 < n && eq[1] == '"' && s[n - 1] == '"' &&
        memchr(s, ':', (size_t)(eq - s))) {
        n = (size_t)(s + n - 1 - (eq + 2));
        s = eq + 2;
    }
    *name = s;
    *len = n;
}

cf_actor_match cf_galaxy_resolve(const cf_galaxy *g, const char *uuid, const char *name,
                                 cf_actor_res *out)
{
    const char *s = name;
    size_t len = name ? strlen(name) : 0;

    memset(out, 0, sizeof *out);
    out->how = CF_ACTOR_UNKNOWN;
    if (s) {
        gx_unwrap(&s, &len);
    }

    /* A STIX id or a bare uuid in the name counts as a uuid. */
    const char *dd = len > 38 ? strstr(s, "--") : NULL;
    if (dd && gx_is_uuid(dd + 2, len - (size_t)(dd + 2 - s)) && !uuid) {
        uuid = dd + 2;
        len = 0;
    } else if (gx_is_uuid(s, len) && !uuid) {
        uuid = s;
        len = 0;
    }
    out->actor = cf_galaxy_by_uuid(g, uuid);
    if (out->actor) {
        out->how = CF_ACTOR_BY_UUID;
        return out->how;
    }
    if (len == 0) {
        return out->how;
    }
    if (gx_resolve_name(g, s, len, out) != CF_ACTOR_UNKNOWN) {
        return out->how;
    }

    /* MITRE galaxy values read "APT28 - G0007": try each side. */
    for (size_t i = 0; i + 3 <= len; i++) {
        if (memcmp(s + i, " - ", 3) != 0) {
            continue;
        }
        if (gx_resolve_name(g, s, i, out) != CF_ACTOR_UNKNOWN) {
            return out->how;
        }
        return gx_resolve_name(g, s + i + 3, len - i - 3, out);
    }
    return out->how;
}
