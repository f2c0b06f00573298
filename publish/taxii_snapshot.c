/*
 * The TAXII server's snapshot: every configured collection's STIX 2.1
 * objects, serialised and sorted by date added.
 *
 * DESIGN
 * For each collection the store is read once (expired IOCs included, IOCs
 * above max_tlp left out by the store) through the collection's feed, label
 * and actor filter into an IOC set; the stix2 writer renders the set as one
 * bundle, which is parsed back and cut into objects. Each indicator gets the
 * date its IOC was first stored; a relationship gets its source indicator's;
 * every other object the earliest date of the indicators that refer to it
 * (named objects) or of the whole collection (identity, markings). Indicators
 * of expired IOCs are marked revoked, modified at expiry. The objects are
 * sorted by (date added, id) so a (date, id) cursor pages stably.
 */
#include "taxii_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctiflow/iocset.h"
#include "ctiflow/normalize.h"
#include "ctiflow/run.h"
#include "ctiflow/stix.h"
#include "ctiflow/store.h"
#include "ctiflow/writer.h"

#define TX_MAX_LIST_ITEMS 64

/* Does the '\n'-separated list hold one of names? */
static bool tx_list_has_any(const char *list, char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        const char *p = list;
        while (p && *p) {
            const char *nl = strchr(p, '\n');
            size_t pl = nl ? (size_t)(nl - p) : strlen(p);
            if (pl == l && strncasecmp(p, names[i], l) == 0) {
                return true;
            }
            p = nl ? nl + 1 : NULL;
        }
    }
    return false;
}

static bool tx_row_wanted(const cf_taxii_collection_cfg *col, const cf_store_row *r)
{
    if (!col) {
        return true;
    }
    if (col->n_feeds && !tx_list_has_any(r->sources, col->feeds, col->n_feeds)) {
        return false;
    }
    if (col->n_labels && !tx_list_has_any(r->labels, col->labels, col->n_labels)) {
        return false;
    }
    if (col->n_actors && !tx_list_has_any(r->actors, col->actors, col->n_actors)) {
        return false;
    }
    return true;
}

/* Split a '\n' list into up to max pointers into a scratch copy. */
static size_t tx_split(char *scratch, const char **items, size_t max)
{
    size_t n = 0;
    char *p = scratch;

    while (p && *p && n < max) {
        char *nl = strchr(p, '\n');
        items[n++] = p;
        if (nl) {
            *nl = '\0';
            p = nl + 1;
        } else {
            p = NULL;
        }
    }
    return n;
}

/* Remember the indicator id of ioc with its row's dates. */
static cf_status tx_add_ind(tx_loader *l, const cf_ioc *ioc, const cf_store_row *r)
{
    cf_buf pattern = CF_BUF_INIT;
    cf_status st = cf_stix_pattern(&pattern, ioc);

    if (st != CF_OK) {
        cf_buf_free(&pattern);
        return st == CF_ENOMEM ? st : CF_OK;
    }
    if (l->n_inds == l->cap_inds) {
        size_t cap = l->cap_inds ? l->cap_inds * 2 : 256;
        tx_ind *grown = realloc(l->inds, cap * sizeof(*grown));
        if (!grown) {
            cf_buf_free(&pattern);
            return CF_ENOMEM;
        }
        l->inds = grown;
        l->cap_inds = cap;
    }
    cf_stix_indicator_id(l->inds[l->n_inds].id, pattern.data);
    l->inds[l->n_inds].added = r->created;
    l->inds[l->n_inds].expired = r->expired_at;
    l->n_inds++;
    if (l->first == CF_TIME_NONE || r->created < l->first) {
        l->first = r->created;
    }
    cf_buf_free(&pattern);
    return CF_OK;
}

static cf_status tx_load_row(void *ctx, const cf_store_row *r)
{
    tx_loader *l = ctx;
    char *lab = NULL, *mal = NULL, *act = NULL, *src = NULL;
    const char *labels[TX_MAX_LIST_ITEMS], *malware[TX_MAX_LIST_ITEMS];
    const char *actors[TX_MAX_LIST_ITEMS], *sources[TX_MAX_LIST_ITEMS];
    size_t n_src;
    cf_ioc *ioc = NULL;
    cf_status st = CF_OK;
    cf_obs o;

    if (!tx_row_wanted(l->col, r)) {
        return CF_OK;
    }
    lab = cf_strdup(r->labels);
    mal = cf_strdup(r->malware);
    act = cf_strdup(r->actors);
    src = cf_strdup(r->sources);
    if (!lab || !mal || !act || !src) {
        st = CF_ENOMEM;
        goto out;
    }
    cf_obs_init(&o);
    o.type = r->type;
    o.text = r->value;
    o.len = strlen(r->value);
    /* an IOC without a source time is created when the store first saw it */
    o.first_seen = r->first_seen != CF_TIME_NONE ? r->first_seen : r->created;
    o.last_seen = r->last_seen;
    o.valid_until = r->valid_until;
    o.confidence = r->confidence;
    o.tlp = r->tlp;
    o.comment = r->comment;
    o.labels = labels;
    o.n_labels = tx_split(lab, labels, TX_MAX_LIST_ITEMS);
    o.malware = malware;
    o.n_malware = tx_split(mal, malware, TX_MAX_LIST_ITEMS);
    o.actors = actors;
    o.n_actors = tx_split(act, actors, TX_MAX_LIST_ITEMS);
    n_src = tx_split(src, sources, TX_MAX_LIST_ITEMS);

    cf_buf_reset(&l->norm.value);
    l->norm.type = r->type;
    l->norm.hash_type = r->hash_type;
    l->norm.port = r->port;
    st = cf_buf_puts(&l->norm.value, r->value);
    for (size_t i = 0; st == CF_OK && i < (n_src ? n_src : 1); i++) {
        o.feed = n_src ? sources[i] : "ctiflow";
        st = cf_iocset_merge(l->set, &o, &l->norm, &ioc);
    }
    if (st == CF_OK && ioc) {
        st = tx_add_ind(l, ioc, r);
    }

out:
    free(lab);
    free(mal);
    free(act);
    free(src);
    return st;
}

static int tx_ind_cmp(const void *a, const void *b)
{
    return strcmp(((const tx_ind *)a)->id, ((const tx_ind *)b)->id);
}

static const tx_ind *tx_ind_find(const tx_loader *l, const char *id)
{
    tx_ind key;

    if (!id || strlen(id) >= sizeof(key.id)) {
        return NULL;
    }
    memcpy(key.id, id, strlen(id) + 1);
    return bsearch(&key, l->inds, l->n_inds, sizeof(*l->inds), tx_ind_cmp);
}

/* Render the loaded set as a bundle and parse it back. */
cf_status tx_render(json_t **out, const tx_loader *l, cf_error *err)
{
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    cf_write_opts wo;
    cf_status st;

    *out = NULL;
    if (!mem) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    cf_write_opts_init(&wo);
    wo.now = l->first != CF_TIME_NONE ? l->first : 0;
    st = cf_write_stix2(mem, l->set, &wo, err);
    if (fclose(mem) != 0 && st == CF_OK) {
        st = cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    if (st == CF_OK) {
        *out = json_loadb(data, len, 0, NULL);
        if (!*out) {
            st = cf_error_set(err, CF_EMALFORMED, "taxii", 0, "rendered bundle did not parse");
        }
    }
    free(data);
    return st;
}

/* The earliest date of the indicators referring to each named object. */
typedef struct tx_ref {
    const char *target;
    cf_time added;
} tx_ref;

static int tx_ref_cmp(const void *a, const void *b)
{
    return strcmp(((const tx_ref *)a)->target, ((const tx_ref *)b)->target);
}

static cf_time tx_ref_min(const tx_ref *refs, size_t n, const char *id, cf_time dflt)
{
    tx_ref key = {id, 0};
    const tx_ref *hit = bsearch(&key, refs, n, sizeof(*refs), tx_ref_cmp);
    cf_time best = dflt;

    if (!hit) {
        return dflt;
    }
    while (hit > refs && !strcmp(hit[-1].target, id)) {
        hit--;
    }
    best = hit->added;
    for (; hit < refs + n && !strcmp(hit->target, id); hit++) {
        best = hit->added < best ? hit->added : best;
    }
    return best;
}

/* Date added of every object, by the rules in the file header. */
static cf_status tx_dates(cf_time *dates, json_t *objects, const tx_loader *l)
{
    size_t n = json_array_size(objects), n_refs = 0;
    tx_ref *refs = calloc(n ? n : 1, sizeof(*refs));
    cf_time first = l->first != CF_TIME_NONE ? l->first : 0;

    if (!refs) {
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(objects, i);
        const char *type = json_string_value(json_object_get(o, "type"));
        const tx_ind *ind = NULL;
        dates[i] = CF_TIME_NONE;
        if (type && !strcmp(type, "indicator")) {
            ind = tx_ind_find(l, json_string_value(json_object_get(o, "id")));
        } else if (type && !strcmp(type, "relationship")) {
            ind = tx_ind_find(l, json_string_value(json_object_get(o, "source_ref")));
            if (ind && json_string_value(json_object_get(o, "target_ref"))) {
                refs[n_refs].target = json_string_value(json_object_get(o, "target_ref"));
                refs[n_refs++].added = ind->added;
            }
        }
        if (ind) {
            dates[i] = ind->added;
        }
    }
    cf_sort(refs, n_refs, sizeof(*refs), tx_ref_cmp);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(objects, i);
        if (dates[i] == CF_TIME_NONE) {
            dates[i] = tx_ref_min(refs, n_refs, json_string_value(json_object_get(o, "id")),
                                  first);
        }
    }
    free(refs);
    return CF_OK;
}

/* Revoke the indicator of an expired IOC. */
void tx_revoke(json_t *o, const tx_loader *l)
{
    const char *type = json_string_value(json_object_get(o, "type"));
    const tx_ind *ind;
    const char *created;
    char ts[40];
    cf_time c = 0;

    if (!type || strcmp(type, "indicator")) {
        return;
    }
    ind = tx_ind_find(l, json_string_value(json_object_get(o, "id")));
    if (!ind || ind->expired == CF_TIME_NONE) {
        return;
    }
    created = json_string_value(json_object_get(o, "created"));
    if (created && cf_time_parse(&c, created, strlen(created)) == CF_OK && c > ind->expired) {
        return;
    }
    cf_time_format_rfc3339(ts, sizeof(ts), ind->expired);
    json_object_set_new(o, "revoked", json_true());
    json_object_set_new(o, "modified", json_string(ts));
}

/* Serialise one object into obj. */
static cf_status tx_obj_fill(tx_obj *obj, json_t *o, cf_time added)
{
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *ver = json_string_value(json_object_get(o, "modified"));
    const char *dash;

    if (!ver) {
        ver = json_string_value(json_object_get(o, "created"));
    }
    if (!ver) {
        ver = "2020-01-01T00:00:00.000Z";
    }
    obj->added = added;
    obj->id = cf_strdup(id ? id : "");
    obj->json = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!obj->id || !obj->json) {
        return CF_ENOMEM;
    }
    obj->len = strlen(obj->json);
    dash = strstr(obj->id, "--");
    obj->type_len = dash ? (size_t)(dash - obj->id) : strlen(obj->id);
    snprintf(obj->version, sizeof(obj->version), "%s", ver);
    obj->version_t = 0;
    cf_time_parse(&obj->version_t, ver, strlen(ver));
    return CF_OK;
}

static int tx_obj_cmp(const void *a, const void *b)
{
    const tx_obj *x = a, *y = b;

    if (x->added != y->added) {
        return x->added < y->added ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

/* Cut the bundle into served objects. */
static cf_status tx_cut(tx_coll *c, json_t *bundle, const tx_loader *l, cf_error *err)
{
    json_t *objects = json_object_get(bundle, "objects");
    size_t n = json_array_size(objects);
    cf_time *dates = calloc(n ? n : 1, sizeof(*dates));
    cf_status st = CF_OK;

    c->objs = calloc(n ? n : 1, sizeof(*c->objs));
    if (!dates || !c->objs) {
        st = cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    st = tx_dates(dates, objects, l);
    for (size_t i = 0; st == CF_OK && i < n; i++) {
        json_t *o = json_array_get(objects, i);
        tx_revoke(o, l);
        st = tx_obj_fill(&c->objs[c->n++], o, dates[i]);
    }
    if (st != CF_OK) {
        st = cf_error_set(err, st, NULL, 0, "out of memory");
        goto out;
    }
    cf_sort(c->objs, c->n, sizeof(*c->objs), tx_obj_cmp);

out:
    free(dates);
    return st;
}

cf_status tx_load(tx_loader *l, cf_store *store, int64_t since, cf_tlp max_tlp,
                  const cf_taxii_collection_cfg *col, cf_error *err)
{
    cf_norm init = CF_NORM_INIT;
    cf_status st;

    memset(l, 0, sizeof(*l));
    l->col = col;
    l->norm = init;
    l->first = CF_TIME_NONE;
    l->set = cf_iocset_new();
    if (!l->set) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    st = cf_store_each(store, since, max_tlp, tx_load_row, l, err);
    cf_sort(l->inds, l->n_inds, sizeof(*l->inds), tx_ind_cmp);
    return st;
}

void tx_loader_fini(tx_loader *l)
{
    cf_iocset_free(l->set);
    cf_norm_free(&l->norm);
    free(l->inds);
    memset(l, 0, sizeof(*l));
}

static cf_status tx_coll_build(tx_coll *c, cf_store *store, const cf_taxii_collection_cfg *col,
                               cf_error *err)
{
    tx_loader l;
    json_t *bundle = NULL;
    cf_status st = tx_load(&l, store, 0, col->max_tlp, col, err);

    if (st == CF_OK && cf_iocset_count(l.set) > 0) {
        st = tx_render(&bundle, &l, err);
        if (st == CF_OK) {
            st = tx_cut(c, bundle, &l, err);
        }
    }
    json_decref(bundle);
    tx_loader_fini(&l);
    return st;
}

cf_status tx_snap_build(tx_snap **out, const cf_config *cfg, cf_error *err)
{
    tx_snap *s = calloc(1, sizeof(*s));
    cf_store *store = NULL;
    cf_status st;

    *out = NULL;
    if (!s) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    s->colls = calloc(cfg->taxii.n_collections ? cfg->taxii.n_collections : 1,
                      sizeof(*s->colls));
    if (!s->colls) {
        free(s);
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    s->n = cfg->taxii.n_collections;
    st = cf_run_open_store(cfg, &store, err);
    for (size_t i = 0; st == CF_OK && i < s->n; i++) {
        st = tx_coll_build(&s->colls[i], store, &cfg->taxii.collections[i], err);
    }
    cf_store_close(store);
    if (st != CF_OK) {
        tx_snap_free(s);
        return st;
    }
    *out = s;
    return CF_OK;
}

void tx_snap_free(tx_snap *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k < s->colls[i].n; k++) {
            free(s->colls[i].objs[k].id);
            free(s->colls[i].objs[k].json);
        }
        free(s->colls[i].objs);
    }
    free(s->colls);
    free(s);
}

size_t tx_coll_seek(const tx_coll *c, cf_time added, const char *id)
{
    size_t lo = 0, hi = c->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const tx_obj *o = &c->objs[mid];
        bool after = o->added > added || (o->added == added && id && strcmp(o->id, id) > 0);
        if (after) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

size_t tx_coll_find(const tx_coll *c, const char *id)
{
    for (size_t i = 0; i < c->n; i++) {
        if (!strcmp(c->objs[i].id, id)) {
            return i;
        }
    }
    return c->n;
}
