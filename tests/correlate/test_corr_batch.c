/*
 * Correlation database tests of the batched load: IOCs of three types mixed
 * in every batch, an IOC whose sightings outnumber a batch, ids in the
 * set's order, a second feed mixing recorded IOCs (whose times move) and
 * new ones, and the network, parent-domain and source answers of lookups
 * over what was loaded; a gate that refuses the commit leaves nothing
 * recorded.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctiflow/correlate.h"
#include "ctiflow/normalize.h"
#include "testlib.h"

#define T(s) ((cf_time)(s) * 1000)

/* The values in the order they were first added to any set, for the ids. */
static char order[200][32];
static int n_order;

static void add(cf_iocset *set, const char *feed, cf_ioc_type type, const char *value,
                const char *ref, cf_time first)
{
    cf_obs o;
    cf_norm n = CF_NORM_INIT;

    cf_obs_init(&o);
    o.text = value;
    o.len = strlen(value);
    o.feed = feed;
    o.ref = ref;
    o.first_seen = first;
    o.last_seen = first;
    n.type = type;
    CHECK_INT(cf_buf_puts(&n.value, value), CF_OK);
    bool seen = false;
    for (int i = 0; i < n_order && !seen; i++) {
        seen = !strcmp(order[i], value);
    }
    if (!seen && n_order < 200) {
        snprintf(order[n_order++], sizeof(order[0]), "%s", value);
    }
    CHECK_INT(cf_iocset_merge(set, &o, &n, NULL), CF_OK);
    cf_norm_free(&n);
}

/* Every row's id is its value's place in order (1-based); counts the rows checked. */
static cf_status check_id(void *ctx, const cf_corr_row *row)
{
    int *rows = ctx;
    int at = 0;

    for (int i = 0; i < n_order; i++) {
        if (!strcmp(order[i], row->value)) {
            at = i + 1;
        }
    }
    CHECK_INT(row->id, at);
    (*rows)++;
    return CF_OK;
}

/* A commit gate: counts its calls in *ctx's first int, answers its second. */
static bool gate(void *ctx)
{
    int *g = ctx;
    g[0]++;
    return g[1] != 0;
}

static void lookup(cf_corr *c, cf_ioc_type type, const char *value, cf_corr_result *r)
{
    cf_error err;

    cf_error_clear(&err);
    memset(r, 0, sizeof(*r));
    CHECK_INT(cf_corr_lookup(c, NULL, type, value, r, &err), CF_OK);
}

int main(void)
{
    char dir[] = "/tmp/cf_corr_batch_XXXXXX";
    char path[256], v[32], ref[16];
    cf_corr *c = NULL;
    cf_error err;
    cf_iocset *set;
    cf_corr_result r;
    int64_t iocs = 0, sightings = 0;
    int rows = 0;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/correlation.db", dir);
    cf_error_clear(&err);
    CHECK_INT(cf_corr_open(&c, path, &err), CF_OK);
    if (!c) {
        TEST_MAIN_END();
    }

    /* 100 hosts, an address after every fourth, a network after every twentieth: 130 IOCs */
    set = cf_iocset_new();
    for (int i = 0; i < 100; i++) {
        snprintf(v, sizeof(v), "h%03d.example", i);
        add(set, "a", CF_IOC_DOMAIN, v, NULL, T(1000));
        if (i % 4 == 3) {
            snprintf(v, sizeof(v), "192.0.%d.%d", i % 20 == 19 ? 2 : 3, i);
            add(set, "a", CF_IOC_IP, v, NULL, T(1000));
        }
        if (i % 20 == 19) {
            snprintf(v, sizeof(v), "192.0.%d.0/24", i == 19 ? 2 : 100 + i / 20);
            add(set, "a", CF_IOC_CIDR, v, NULL, T(1000));
        }
    }
    /* the first host seen in 70 records: more sighting rows than a batch */
    for (int k = 0; k < 70; k++) {
        snprintf(ref, sizeof(ref), "r%02d", k);
        add(set, "a", CF_IOC_DOMAIN, "h000.example", ref, T(1000));
    }
    CHECK_INT(cf_iocset_count(set), 130);
    CHECK_INT(cf_corr_ingest(c, "a", NULL, set, T(5000), &err), CF_OK);
    cf_iocset_free(set);
    CHECK_INT(cf_corr_count(c, &iocs, &sightings, &err), CF_OK);
    CHECK_INT(iocs, 130);
    CHECK_INT(sightings, 129 + 71);
    CHECK_INT(cf_corr_each(c, check_id, &rows, &err), CF_OK);
    CHECK_INT(rows, 130);

    /* an address inside the first network, listed there; a network probe per length */
    lookup(c, CF_IOC_IP, "192.0.2.19", &r);
    CHECK(r.listed);
    CHECK_INT(r.n_sources, 1);
    CHECK_INT(r.n_links, 1);
    if (r.n_links == 1) {
        CHECK_STR(r.links[0].kind, "network");
        CHECK_STR(r.links[0].value, "192.0.2.0/24");
    }
    cf_corr_result_fini(&r);

    /* feed b: 40 recorded hosts seen earlier (their first time moves), 30 new ones */
    set = cf_iocset_new();
    for (int i = 0; i < 70; i++) {
        if (i < 40) {
            snprintf(v, sizeof(v), "h%03d.example", i * 2);
            add(set, "b", CF_IOC_DOMAIN, v, NULL, T(100));
        } else {
            snprintf(v, sizeof(v), "www.h%03d.example", i);
            add(set, "b", CF_IOC_DOMAIN, v, NULL, T(2000));
        }
    }
    /* refused at the gate: rolled back, nothing of b recorded; then let through */
    int g[2] = {0, 0};
    CHECK_INT(cf_corr_ingest_gated(c, "b", NULL, set, T(6000), gate, g, &err), CF_OK);
    CHECK_INT(g[0], 1);
    CHECK_INT(cf_corr_count(c, &iocs, &sightings, &err), CF_OK);
    CHECK_INT(iocs, 130);
    CHECK_INT(sightings, 200);
    lookup(c, CF_IOC_DOMAIN, "www.h050.example", &r);
    CHECK(!r.listed);
    cf_corr_result_fini(&r);
    g[1] = 1;
    CHECK_INT(cf_corr_ingest_gated(c, "b", NULL, set, T(6000), gate, g, &err), CF_OK);
    CHECK_INT(g[0], 2);
    cf_iocset_free(set);
    CHECK_INT(cf_corr_count(c, &iocs, &sightings, &err), CF_OK);
    CHECK_INT(iocs, 160);
    CHECK_INT(sightings, 200 + 70);
    rows = 0;
    CHECK_INT(cf_corr_each(c, check_id, &rows, &err), CF_OK);
    CHECK_INT(rows, 160);

    lookup(c, CF_IOC_DOMAIN, "h010.example", &r);
    CHECK_INT(r.n_sources, 2);
    CHECK_INT(r.first_seen, T(100));
    CHECK_INT(r.last_seen, T(1000));
    cf_corr_result_fini(&r);
    lookup(c, CF_IOC_DOMAIN, "h011.example", &r);
    CHECK_INT(r.n_sources, 1);
    CHECK_INT(r.first_seen, T(1000));
    cf_corr_result_fini(&r);

    /* a new host under a recorded one: its parent domain is found through the host keys */
    lookup(c, CF_IOC_DOMAIN, "www.h050.example", &r);
    CHECK(r.listed);
    CHECK_INT(r.n_links, 1);
    if (r.n_links == 1) {
        CHECK_STR(r.links[0].kind, "domain");
        CHECK_STR(r.links[0].value, "h050.example");
    }
    cf_corr_result_fini(&r);

    cf_corr_close(c);
    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK_INT(system(cmd), 0);
    }
    TEST_MAIN_END();
}
