/*
 * Store tests of a feed no longer configured (cf_store_retire), with exact
 * values: its sightings gone, the IOCs only it listed expired in that run
 * (sources kept for the revocation), the others left with the feeds that
 * still list them, its state reset so that it is fetched in full if it
 * comes back; a second call retires nothing; an expired IOC listed again
 * by another feed starts its sources over.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctiflow/normalize.h"
#include "ctiflow/store.h"
#include "testlib.h"

#define T(s) ((cf_time)(s) * 1000)

/* Add an IP address listed by feed to set. */
static void add(cf_iocset *set, const char *feed, const char *value)
{
    cf_obs o;
    cf_norm n = CF_NORM_INIT;

    cf_obs_init(&o);
    o.text = value;
    o.len = strlen(value);
    o.feed = feed;
    o.line = 1;
    n.type = CF_IOC_IP;
    CHECK_INT(cf_buf_puts(&n.value, value), CF_OK);
    CHECK_INT(cf_iocset_merge(set, &o, &n, NULL), CF_OK);
    cf_norm_free(&n);
}

/* Ingest values[0..n) as feed's whole list in run at now ("expiry: gone"). */
static void ingest(cf_store *s, const char *feed, int64_t run, cf_time now,
                   const char *const *values, size_t n)
{
    cf_store_ingest_opts o = {feed, run, now, CF_EXPIRY_GONE, 0, NULL};
    cf_iocset *set = cf_iocset_new();
    cf_store_counts c;
    cf_error err;

    for (size_t i = 0; i < n; i++) {
        add(set, feed, values[i]);
    }
    cf_error_clear(&err);
    CHECK_INT(cf_store_ingest(s, &o, set, &c, &err), CF_OK);
    cf_iocset_free(set);
}

/* The IOC rows read back, in key order. */
typedef struct rows {
    int n;
    char text[8][160]; /* "value sources(,-joined) expired? mod_run" */
} rows;

static cf_status collect(void *ctx, const cf_store_row *r)
{
    rows *x = ctx;

    if (x->n < 8) {
        char src[64];
        snprintf(src, sizeof(src), "%s", r->sources);
        for (char *p = src; *p; p++) {
            *p = *p == '\n' ? ',' : *p;
        }
        snprintf(x->text[x->n], sizeof(x->text[0]), "%s [%s] %s run %lld", r->value, src,
                 r->expired_at == CF_TIME_NONE ? "current" : "expired", (long long)r->mod_run);
    }
    x->n++;
    return CF_OK;
}

/* The feeds a cf_store_retire call reported, "name:listed" joined by spaces. */
typedef struct retired {
    char text[256];
} retired;

static void on_retired(void *ctx, const char *feed, int64_t listed)
{
    retired *r = ctx;
    size_t len = strlen(r->text);

    snprintf(r->text + len, sizeof(r->text) - len, "%s%s:%lld", len ? " " : "", feed,
             (long long)listed);
}

int main(void)
{
    char dir[] = "/tmp/cf_store_retire_XXXXXX";
    char path[256];
    cf_store *s = NULL;
    cf_error err;
    cf_store_counts c;
    int64_t run1, run2, run3, run4;
    const char *a_list[] = {"198.51.100.1", "198.51.100.2"};
    const char *b_list[] = {"198.51.100.2", "203.0.113.9"};
    const char *b_more[] = {"198.51.100.1", "198.51.100.2", "203.0.113.9"};
    const char *only_b[] = {"B"};
    rows r;
    retired gone;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/store.db", dir);
    cf_error_clear(&err);
    CHECK_INT(cf_store_open(&s, path, &err), CF_OK);
    if (!s) {
        TEST_MAIN_END();
    }

    /* run 1: A lists .1 and .2, B lists .2 and 203.0.113.9; F only ever failed */
    CHECK_INT(cf_store_run_begin(s, T(1000), &run1, &err), CF_OK);
    ingest(s, "A", run1, T(1000), a_list, 2);
    ingest(s, "B", run1, T(1000), b_list, 2);
    {
        cf_feed_state st;
        CHECK_INT(cf_store_feed_get(s, "A", &st, &err), CF_OK);
        st.last_attempt = st.last_success = st.last_change = T(1000);
        st.etag = strdup("\"v1\"");
        st.last_modified = strdup("Thu, 01 Jan 2026 00:00:00 GMT");
        st.iocs = 2;
        CHECK_INT(cf_store_feed_put(s, &st, &err), CF_OK);
        cf_feed_state_fini(&st);
        CHECK_INT(cf_store_feed_get(s, "F", &st, &err), CF_OK);
        st.last_attempt = T(1000);
        st.last_error = strdup("HTTP 500");
        st.failures = 3;
        CHECK_INT(cf_store_feed_put(s, &st, &err), CF_OK);
        cf_feed_state_fini(&st);
    }

    /* every feed configured: nothing retired, nothing written */
    {
        const char *all[] = {"A", "B", "F"};
        memset(&gone, 0, sizeof(gone));
        memset(&c, 0, sizeof(c));
        CHECK_INT(cf_store_retire(s, all, 3, run1, T(1500), on_retired, &gone, &c, &err), CF_OK);
        CHECK_STR(gone.text, "");
        CHECK_INT(c.modified, 0);
        CHECK_INT(c.expired, 0);
    }

    /* run 2: only B is configured */
    CHECK_INT(cf_store_run_begin(s, T(2000), &run2, &err), CF_OK);
    memset(&gone, 0, sizeof(gone));
    memset(&c, 0, sizeof(c));
    CHECK_INT(cf_store_retire(s, only_b, 1, run2, T(2000), on_retired, &gone, &c, &err), CF_OK);
    CHECK_STR(gone.text, "A:2 F:0");
    CHECK_INT(c.expired, 1);
    CHECK_INT(c.modified, 1);

    /* the delta of run 2: .1 revoked (A kept as its source), .2 with B only */
    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, run1, CF_TLP_NONE, collect, &r, &err), CF_OK);
    CHECK_INT(r.n, 2);
    CHECK_STR(r.text[0], "198.51.100.1 [A] expired run 2");
    CHECK_STR(r.text[1], "198.51.100.2 [B] current run 2");
    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, -1, CF_TLP_NONE, collect, &r, &err), CF_OK);
    CHECK_INT(r.n, 2);
    CHECK_STR(r.text[0], "198.51.100.2 [B] current run 2");
    CHECK_STR(r.text[1], "203.0.113.9 [B] current run 1");
    {
        int64_t rows_n = 0, expired = 0;
        CHECK_INT(cf_store_count_since(s, run1, CF_TLP_NONE, &rows_n, &expired, &err), CF_OK);
        CHECK_INT(rows_n, 2);
        CHECK_INT(expired, 1);
    }

    /* A's state: no validators or times, so a feed added again is fetched in full */
    {
        cf_feed_state st;
        CHECK_INT(cf_store_feed_get(s, "A", &st, &err), CF_OK);
        CHECK_INT(st.last_attempt, CF_TIME_NONE);
        CHECK_INT(st.last_success, CF_TIME_NONE);
        CHECK_INT(st.last_change, CF_TIME_NONE);
        CHECK(st.etag == NULL);
        CHECK(st.last_modified == NULL);
        CHECK_STR(st.last_error, "no longer configured");
        CHECK_INT(st.iocs, 0);
        CHECK_INT(st.active, 0);
        cf_feed_state_fini(&st);
        CHECK_INT(cf_store_feed_get(s, "F", &st, &err), CF_OK);
        CHECK_INT(st.last_attempt, CF_TIME_NONE);
        CHECK_INT(st.failures, 0);
        CHECK_STR(st.last_error, "no longer configured");
        cf_feed_state_fini(&st);
        CHECK_INT(cf_store_feed_get(s, "B", &st, &err), CF_OK);
        CHECK_INT(st.active, 2);
        cf_feed_state_fini(&st);
    }

    /* run 3: the same configuration retires nothing again */
    CHECK_INT(cf_store_run_begin(s, T(3000), &run3, &err), CF_OK);
    memset(&gone, 0, sizeof(gone));
    memset(&c, 0, sizeof(c));
    CHECK_INT(cf_store_retire(s, only_b, 1, run3, T(3000), on_retired, &gone, &c, &err), CF_OK);
    CHECK_STR(gone.text, "");
    CHECK_INT(c.expired, 0);
    CHECK_INT(c.modified, 0);
    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, run2, CF_TLP_NONE, collect, &r, &err), CF_OK);
    CHECK_INT(r.n, 0);

    /* run 4: B lists .1, which only A listed: it comes back with B alone */
    CHECK_INT(cf_store_run_begin(s, T(4000), &run4, &err), CF_OK);
    ingest(s, "B", run4, T(4000), b_more, 3);
    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, run3, CF_TLP_NONE, collect, &r, &err), CF_OK);
    CHECK_INT(r.n, 1);
    CHECK_STR(r.text[0], "198.51.100.1 [B] current run 4");
    /* A is added again: it lists its IOCs again beside B */
    ingest(s, "A", run4, T(4000), a_list, 2);
    memset(&r, 0, sizeof(r));
    CHECK_INT(cf_store_each(s, -1, CF_TLP_NONE, collect, &r, &err), CF_OK);
    CHECK_INT(r.n, 3);
    CHECK_STR(r.text[0], "198.51.100.1 [A,B] current run 4");
    CHECK_STR(r.text[1], "198.51.100.2 [A,B] current run 4");
    CHECK_STR(r.text[2], "203.0.113.9 [B] current run 1");
    {
        cf_feed_state st;
        CHECK_INT(cf_store_feed_get(s, "A", &st, &err), CF_OK);
        CHECK_INT(st.active, 2);
        cf_feed_state_fini(&st);
    }

    CHECK_INT(cf_store_check(s, &err), CF_OK);
    cf_store_close(s);
    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK_INT(system(cmd), 0);
    }
    TEST_MAIN_END();
}
