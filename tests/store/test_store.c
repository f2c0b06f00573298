/*
 * Store tests: the upsert merge rules with exact values, modification and
 * delta tracking by run, both expiry policies, feed state and output
 * cursors, on a fresh SQLite store in a temporary directory.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctiflow/normalize.h"
#include "ctiflow/store.h"
#include "testlib.h"

#define T(s) ((cf_time)(s) * 1000)

/* Add one observation of type/value with context to set. */
static void add(cf_iocset *set, const char *feed, const char *value, int conf, cf_tlp tlp,
                const char *const *labels, size_t n_labels, cf_time first, cf_time last)
{
    cf_obs o;
    cf_norm n = CF_NORM_INIT;

    cf_obs_init(&o);
    o.text = value;
    o.len = strlen(value);
    o.feed = feed;
    o.line = 7;
    o.confidence = conf;
    o.tlp = tlp;
    o.labels = labels;
    o.n_labels = n_labels;
    o.first_seen = first;
    o.last_seen = last;
    /* the canonical form is given: these tests are about the store, not normalisation */
    n.type = strchr(value, ':') || strspn(value, "0123456789.") == strlen(value) ? CF_IOC_IP
                                                                                : CF_IOC_DOMAIN;
    CHECK_INT(cf_buf_puts(&n.value, value), CF_OK);
    CHECK_INT(cf_iocset_merge(set, &o, &n, NULL), CF_OK);
    cf_norm_free(&n);
}

typedef struct rows {
    int n;
    char value[8][64];
    char labels[8][64];
    char sources[8][64];
    int confidence[8];
    int tlp[8];
    cf_time first[8], last[8], expired[8];
    int64_t mod_run[8];
} rows;

static cf_status collect(void *ctx, const cf_store_row *r)
{
    rows *x = ctx;
    if (x->n < 8) {
        snprintf(x->value[x->n], 64, "%s", r->value);
        snprintf(x->labels[x->n], 64, "%s", r->labels);
        snprintf(x->sources[x->n], 64, "%s", r->sources);
        x->confidence[x->n] = r->confidence;
        x->tlp[x->n] = r->tlp;
        x->first[x->n] = r->first_seen;
        x->last[x->n] = r->last_seen;
        x->expired[x->n] = r->expired_at;
        x->mod_run[x->n] = r->mod_run;
    }
    x->n++;
    return CF_OK;
}

static void ingest(cf_store *s, const char *feed, int64_t run, cf_time now, cf_expiry exp,
                   int days, cf_iocset *set, cf_store_counts *c)
{
    cf_store_ingest_opts o = {feed, run, now, exp, days, NULL};
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_store_ingest(s, &o, set, c, &err), CF_OK);
}

int main(void)
{
    char dir[] = "/tmp/cf_store_XXXXXX";
    char path[256];
    cf_store *s = NULL;
    cf_error err;
    cf_store_counts c;
    int64_t run1, run2, run3, run4, run5;
    rows r;
    const char *la[] = {"b", "a"};
    const char *lb[] = {"c", "a"};
    cf_iocset *set;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/store.db", dir);
    cf_error_clear(&err);
    CHECK_INT(cf_store_open(&s, path, &err), CF_OK);
    if (!s) {
        TEST_MAIN_END();
    }
    CHECK_INT(cf_store_schema_version(s), 3);

    /* run 1: feed A lists the IP and a domain */
    CHECK_INT(cf_store_run_begin(s, T(1000), &run1, &err), CF_OK);
    set = cf_iocset_new();
    add(set, "A", "198.51.100.1", 50, CF_TLP_GREEN, la, 2, T(100), T(200));
    add(set, "A", "example.org", -1, CF_TLP_NONE, NULL, 0, CF_TIME_NONE, CF_TIME_NONE);
    ingest(s, "A", run1, T(1000), CF_EXPIRY_GONE, 0, set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.upserted, 2);
    CHECK_INT(c.created, 2);
    CHECK_INT(c.modified, 0);

    /* run 2: feed B lists the IP with other context: merge rules */
    CHECK_INT(cf_store_run_begin(s, T(2000), &run2, &err), CF_OK);
    set = cf_iocset_new();
    add(set, "B", "198.51.100.1", 80, CF_TLP_AMBER, lb, 2, T(50), T(300));
    ingest(s, "B", run2, T(2000), CF_EXPIRY_DAYS, 10, set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.created, 0);
    CHECK_INT(c.modified, 1);

    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, -1, CF_TLP_NONE, collect, &r, &err), CF_OK);
    CHECK_INT(r.n, 2);
    /* ordered by type name then value: domain before ip */
    CHECK_STR(r.value[0], "example.org");
    CHECK_INT(r.confidence[0], -1);
    CHECK_INT(r.first[0], T(1000));
    CHECK_INT(r.last[0], T(1000));
    CHECK_STR(r.value[1], "198.51.100.1");
    CHECK_INT(r.confidence[1], 80);
    CHECK_INT(r.tlp[1], CF_TLP_AMBER);
    CHECK_STR(r.labels[1], "a\nb\nc");
    CHECK_STR(r.sources[1], "A\nB");
    CHECK_INT(r.first[1], T(50));
    CHECK_INT(r.last[1], T(300));
    CHECK_INT(r.mod_run[1], run2);

    /* max_tlp green hides the amber IP */
    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, -1, CF_TLP_GREEN, collect, &r, &err), CF_OK);
    CHECK_INT(r.n, 1);

    /* run 3: B again with a lower confidence, later last_seen: not a modification */
    CHECK_INT(cf_store_run_begin(s, T(3000), &run3, &err), CF_OK);
    set = cf_iocset_new();
    add(set, "B", "198.51.100.1", 10, CF_TLP_GREEN, lb, 1, T(60), T(400));
    ingest(s, "B", run3, T(3000), CF_EXPIRY_DAYS, 10, set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.upserted, 1);
    CHECK_INT(c.modified, 0);
    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, run2, CF_TLP_NONE, collect, &r, &err), CF_OK);
    CHECK_INT(r.n, 0);
    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, -1, CF_TLP_NONE, collect, &r, &err), CF_OK);
    CHECK_INT(r.last[1], T(400));
    CHECK_INT(r.confidence[1], 80);
    CHECK_INT(r.tlp[1], CF_TLP_AMBER);

    /* run 4: A no longer lists anything (gone); the IP stays through B */
    CHECK_INT(cf_store_run_begin(s, T(4000), &run4, &err), CF_OK);
    set = cf_iocset_new();
    ingest(s, "A", run4, T(4000), CF_EXPIRY_GONE, 0, set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.expired, 1);
    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, run3, CF_TLP_NONE, collect, &r, &err), CF_OK);
    CHECK_INT(r.n, 1);
    CHECK_STR(r.value[0], "example.org");
    CHECK_INT(r.expired[0], T(4000));

    /* run 5, 11 days later: B's days policy expires the IP */
    CHECK_INT(cf_store_run_begin(s, T(3000) + 11LL * 86400000, &run5, &err), CF_OK);
    {
        cf_store_ingest_opts o = {"B", run5, T(3000) + 11LL * 86400000, CF_EXPIRY_DAYS, 10, NULL};
        memset(&c, 0, sizeof(c));
        CHECK_INT(cf_store_expire_days(s, &o, &c, &err), CF_OK);
        CHECK_INT(c.expired, 1);
    }
    {
        int64_t active = -1, total = -1;
        CHECK_INT(cf_store_count(s, &active, &total, &err), CF_OK);
        CHECK_INT(active, 0);
        CHECK_INT(total, 2);
    }

    /* an expired IOC listed again comes back, modified in that run */
    set = cf_iocset_new();
    add(set, "A", "example.org", -1, CF_TLP_NONE, NULL, 0, CF_TIME_NONE, CF_TIME_NONE);
    ingest(s, "A", run5, T(6000), CF_EXPIRY_GONE, 0, set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.modified, 1);
    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, -1, CF_TLP_NONE, collect, &r, &err), CF_OK);
    CHECK_INT(r.n, 1);
    CHECK_INT(r.expired[0], CF_TIME_NONE);
    CHECK_INT(r.mod_run[0], run5);

    /* feed state round trip */
    {
        cf_feed_state st, back;
        CHECK_INT(cf_store_feed_get(s, "new", &st, &err), CF_OK);
        CHECK_INT(st.last_success, CF_TIME_NONE);
        CHECK_INT(st.iocs, 0);
        st.last_attempt = T(7);
        st.last_success = T(6);
        st.etag = strdup("\"abc\"");
        st.last_error = strdup("HTTP 500");
        st.iocs = 42;
        st.failures = 2;
        CHECK_INT(cf_store_feed_put(s, &st, &err), CF_OK);
        CHECK_INT(cf_store_feed_get(s, "new", &back, &err), CF_OK);
        CHECK_STR(back.etag, "\"abc\"");
        CHECK_STR(back.last_error, "HTTP 500");
        CHECK_INT(back.iocs, 42);
        CHECK_INT(back.failures, 2);
        CHECK_INT(back.last_success, T(6));
        CHECK(back.last_modified == NULL);
        cf_feed_state_fini(&st);
        cf_feed_state_fini(&back);
        CHECK_INT(cf_store_feed_get(s, "A", &back, &err), CF_OK);
        CHECK_INT(back.active, 1);
        cf_feed_state_fini(&back);
    }

    /* output cursor */
    {
        int64_t last = -1;
        CHECK_INT(cf_store_output_last_run(s, "public", &last, &err), CF_OK);
        CHECK_INT(last, 0);
        CHECK_INT(cf_store_output_done(s, "public", run4, T(9), &err), CF_OK);
        CHECK_INT(cf_store_output_last_run(s, "public", &last, &err), CF_OK);
        CHECK_INT(last, run4);
    }
    CHECK_INT(cf_store_run_end(s, run5, T(9000), 2, 0, &err), CF_OK);
    CHECK_INT(cf_store_check(s, &err), CF_OK);
    cf_store_close(s);

    /* reopening does not migrate again */
    CHECK_INT(cf_store_open(&s, path, &err), CF_OK);
    CHECK_INT(cf_store_schema_version(s), 3);
    cf_store_close(s);

    /* a store from a newer ctiflow is refused, and left as it is */
    {
        sqlite3 *db = NULL;
        CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
        CHECK_INT(sqlite3_exec(db, "PRAGMA user_version = 9", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        cf_error_clear(&err);
        s = NULL;
        CHECK_INT(cf_store_open(&s, path, &err), CF_EINVAL);
        CHECK(s == NULL);
        CHECK(strstr(err.msg, "store schema version 9 is newer than this program's (3)") != NULL);
        CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
        sqlite3_stmt *q = NULL;
        CHECK_INT(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
        CHECK_INT(sqlite3_step(q), SQLITE_ROW);
        CHECK_INT(sqlite3_column_int(q, 0), 9);
        sqlite3_finalize(q);
        sqlite3_close(db);
    }
    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK_INT(system(cmd), 0);
    }
    TEST_MAIN_END();
}
