/*
 * Store tests of the batched ingest: IOCs of several types across batch
 * boundaries and every multi-row statement size, feeds mixing stored and
 * new IOCs in one batch, the key order (types by name, then value bytes;
 * worked out by the store or beforehand) and the ids new IOCs get (the
 * next ones, in key order), expiry after a batched ingest, a large first
 * load (secondary indexes kept) and expiry afterwards, gone sightings
 * listed again, a batch spread thin over many stored IOCs (its range
 * lookup gives way to a lookup by value), and a store of schema version 1
 * migrated with its rows kept.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctiflow/normalize.h"
#include "ctiflow/store.h"
#include "testlib.h"

#define T(s) ((cf_time)(s) * 1000)

/* Add value (of type) as listed by feed, with an optional label. */
static void add(cf_iocset *set, const char *feed, cf_ioc_type type, const char *value,
                const char *label)
{
    cf_obs o;
    cf_norm n = CF_NORM_INIT;
    const char *labels[1] = {label};

    cf_obs_init(&o);
    o.text = value;
    o.len = strlen(value);
    o.feed = feed;
    o.line = 3;
    o.labels = labels;
    o.n_labels = label ? 1 : 0;
    n.type = type;
    CHECK_INT(cf_buf_puts(&n.value, value), CF_OK);
    CHECK_INT(cf_iocset_merge(set, &o, &n, NULL), CF_OK);
    cf_norm_free(&n);
}

static void add_ips(cf_iocset *set, const char *feed, int first_octet, int from, int to)
{
    char v[32];
    for (int i = from; i < to; i++) {
        snprintf(v, sizeof(v), "%d.%d.%d.%d", first_octet, i / 65536, (i / 256) % 256, i % 256);
        add(set, feed, CF_IOC_IP, v, NULL);
    }
}

static void add_domains(cf_iocset *set, const char *feed, char prefix, int from, int to,
                        const char *label)
{
    char v[32];
    for (int i = from; i < to; i++) {
        snprintf(v, sizeof(v), "%c%03d.example", prefix, i);
        add(set, feed, CF_IOC_DOMAIN, v, label);
    }
}

/* The rows cf_store_each gives, in key order: ids, values, sources, mod_run. */
typedef struct rows {
    int n;
    int64_t id[400];
    char value[400][32];
    char sources[400][16];
    int64_t mod_run[400];
} rows;

static cf_status collect(void *ctx, const cf_store_row *r)
{
    rows *x = ctx;
    if (x->n < 400) {
        x->id[x->n] = r->id;
        snprintf(x->value[x->n], sizeof(x->value[0]), "%s", r->value);
        snprintf(x->sources[x->n], sizeof(x->sources[0]), "%s", r->sources);
        x->mod_run[x->n] = r->mod_run;
    }
    x->n++;
    return CF_OK;
}

static void ingest(cf_store *s, const char *feed, int64_t run, cf_time now, cf_iocset *set,
                   cf_store_counts *c)
{
    cf_store_ingest_opts o = {feed, run, now, CF_EXPIRY_GONE, 0, NULL};
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_store_ingest(s, &o, set, c, &err), CF_OK);
}

/* As ingest, with the set's key order worked out beforehand (as a run's worker does). */
static void ingest_ordered(cf_store *s, const char *feed, int64_t run, cf_time now,
                           cf_iocset *set, cf_store_counts *c)
{
    cf_store_ingest_opts o = {feed, run, now, CF_EXPIRY_GONE, 0, NULL};
    const cf_ioc **order = NULL;
    cf_error err;

    cf_error_clear(&err);
    CHECK_INT(cf_store_key_order(&order, set), CF_OK);
    o.order = order;
    CHECK_INT(cf_store_ingest(s, &o, set, c, &err), CF_OK);
    free(order);
}

/*
 * The store's key order: type names in byte order ("cidr" < "domain" < "ip"
 * < "md5" < "url"), then value bytes ("10.0.0.10" before "10.0.0.2", a key
 * before the keys it is a prefix of, bytes above 0x7f last).
 */
static void test_key_order(void)
{
    static const struct {
        cf_ioc_type type;
        const char *value;
    } want[] = {
        {CF_IOC_CIDR, "10.0.0.0/8"},
        {CF_IOC_DOMAIN, "a.example"},
        {CF_IOC_DOMAIN, "a.example.com"},
        {CF_IOC_DOMAIN, "b.example"},
        {CF_IOC_DOMAIN, "xn--bcher-kva.example"},
        {CF_IOC_IP, "10.0.0.10"},
        {CF_IOC_IP, "10.0.0.2"},
        {CF_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"},
        {CF_IOC_URL, "http://a.example/"},
        {CF_IOC_URL, "http://b.example/10"},
        {CF_IOC_URL, "http://b.example/2"},
        {CF_IOC_URL, "http://b.example/2\xc3\xa9"},
        {CF_IOC_URL, "https://a.example/"},
    };
    static const int added[] = {10, 6, 0, 12, 3, 8, 1, 5, 11, 2, 7, 4, 9};
    enum { N = sizeof(want) / sizeof(want[0]) };
    cf_iocset *set = cf_iocset_new();
    const cf_ioc **order = NULL;

    for (size_t i = 0; i < N; i++) {
        add(set, "k", want[added[i]].type, want[added[i]].value, NULL);
    }
    CHECK_INT(cf_iocset_count(set), N);
    CHECK_INT(cf_store_key_order(&order, set), CF_OK);
    for (size_t i = 0; order && i < N; i++) {
        CHECK_STR(cf_ioc_type_name(order[i]->type), cf_ioc_type_name(want[i].type));
        CHECK_STR(order[i]->value, want[i].value);
    }
    free(order);
    cf_iocset_free(set);

    set = cf_iocset_new();
    order = (const cf_ioc **)set;
    CHECK_INT(cf_store_key_order(&order, set), CF_OK);
    CHECK(order == NULL);
    cf_iocset_free(set);
}

static int64_t active(cf_store *s, const char *feed)
{
    cf_feed_state st;
    cf_error err;
    int64_t n;

    cf_error_clear(&err);
    CHECK_INT(cf_store_feed_get(s, feed, &st, &err), CF_OK);
    n = st.active;
    cf_feed_state_fini(&st);
    return n;
}

/*
 * A store of schema version 1 at path, made from its migration with one IOC
 * listed by one feed: opened, it is migrated to version 2 with the row kept,
 * and the feed lists the IOC again.
 */
static void migrated_v1(const char *path)
{
    char file[1024];
    char sql[8192];
    sqlite3 *db = NULL;
    cf_store *s = NULL;
    cf_store_counts c;
    cf_error err;
    cf_iocset *set;
    int64_t run;
    size_t n;
    FILE *f;

    snprintf(file, sizeof(file), "%s/schemas/store/001_initial.sql", CTIFLOW_SOURCE_DIR);
    f = fopen(file, "rb");
    CHECK(f != NULL);
    if (!f) {
        return;
    }
    n = fread(sql, 1, sizeof(sql) - 1, f);
    fclose(f);
    sql[n] = '\0';
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db,
                           "PRAGMA user_version = 1;"
                           " INSERT INTO feeds (id, name) VALUES (1, 'old');"
                           " INSERT INTO iocs (id, type, value, sources, created, created_run,"
                           " modified, mod_run) VALUES (7, 'ip', '192.0.2.7', 'old', 1000, 1,"
                           " 1000, 1);"
                           " INSERT INTO sightings (ioc_id, feed_id, first_time, last_time,"
                           " last_run) VALUES (7, 1, 1000, 1000, 1);"
                           " INSERT INTO runs (id, started) VALUES (1, 1000)",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);

    cf_error_clear(&err);
    CHECK_INT(cf_store_open(&s, path, &err), CF_OK);
    if (!s) {
        return;
    }
    CHECK_INT(cf_store_schema_version(s), 3);
    CHECK_INT(active(s, "old"), 1);
    CHECK_INT(cf_store_run_begin(s, T(2000), &run, &err), CF_OK);
    set = cf_iocset_new();
    add(set, "old", CF_IOC_IP, "192.0.2.7", NULL);
    add(set, "old", CF_IOC_IP, "192.0.2.8", NULL);
    ingest(s, "old", run, T(2000), set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.upserted, 2);
    CHECK_INT(c.created, 1);
    CHECK_INT(active(s, "old"), 2);
    CHECK_INT(cf_store_check(s, &err), CF_OK);
    cf_store_close(s);

    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    {
        sqlite3_stmt *q = NULL;
        CHECK_INT(sqlite3_prepare_v2(db,
                                     "SELECT sql FROM sqlite_schema WHERE name = 'sightings_feed'",
                                     -1, &q, NULL),
                  SQLITE_OK);
        CHECK_INT(sqlite3_step(q), SQLITE_ROW);
        CHECK_STR((const char *)sqlite3_column_text(q, 0),
                  "CREATE INDEX sightings_feed ON sightings (feed_id, gone)");
        sqlite3_finalize(q);
        /* version 3: what an output publishes is counted from iocs_mod_run alone */
        CHECK_INT(sqlite3_prepare_v2(db,
                                     "SELECT sql FROM sqlite_schema WHERE name = 'iocs_mod_run'",
                                     -1, &q, NULL),
                  SQLITE_OK);
        CHECK_INT(sqlite3_step(q), SQLITE_ROW);
        CHECK_STR((const char *)sqlite3_column_text(q, 0),
                  "CREATE INDEX iocs_mod_run ON iocs (mod_run, tlp, expired_at)");
        sqlite3_finalize(q);
        CHECK_INT(sqlite3_prepare_v2(db,
                                     "EXPLAIN QUERY PLAN SELECT count(*), count(expired_at)"
                                     " FROM iocs WHERE mod_run > 0 AND (2 = 0 OR tlp <= 2)",
                                     -1, &q, NULL),
                  SQLITE_OK);
        CHECK_INT(sqlite3_step(q), SQLITE_ROW);
        CHECK(strstr((const char *)sqlite3_column_text(q, 3), "COVERING INDEX iocs_mod_run") !=
              NULL);
        sqlite3_finalize(q);
        CHECK_INT(sqlite3_prepare_v2(db, "SELECT last_run, gone FROM sightings WHERE ioc_id = 7",
                                     -1, &q, NULL),
                  SQLITE_OK);
        CHECK_INT(sqlite3_step(q), SQLITE_ROW);
        CHECK_INT(sqlite3_column_int64(q, 0), run);
        CHECK_INT(sqlite3_column_int(q, 1), 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
}

/* How many of the store's secondary indexes are defined (2 when both are). */
static int indexes(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int n = -1;

    CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
                                 " AND name IN ('iocs_mod_run', 'sightings_feed')",
                                 -1, &q, NULL),
              SQLITE_OK);
    if (sqlite3_step(q) == SQLITE_ROW) {
        n = sqlite3_column_int(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

int main(void)
{
    char dir[] = "/tmp/cf_store_batch_XXXXXX";
    char path[256];
    cf_store *s = NULL;
    cf_error err;
    cf_store_counts c;
    int64_t run1, run2, run3, run4, run5, run6, run7;
    rows *r = calloc(1, sizeof(*r));
    cf_iocset *set;

    test_key_order();
    CHECK(r != NULL);
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/store.db", dir);
    cf_error_clear(&err);
    CHECK_INT(cf_store_open(&s, path, &err), CF_OK);
    if (!s || !r) {
        TEST_MAIN_END();
    }

    /* 70 domains (batches of 64 and 6) and 150 addresses (64, 64, 22): ids in key order */
    CHECK_INT(cf_store_run_begin(s, T(1000), &run1, &err), CF_OK);
    set = cf_iocset_new();
    add_ips(set, "a", 10, 0, 150);
    add_domains(set, "a", 'd', 0, 70, NULL);
    ingest(s, "a", run1, T(1000), set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.upserted, 220);
    CHECK_INT(c.created, 220);
    CHECK_INT(c.modified, 0);
    CHECK_INT(cf_store_each(s, -1, CF_TLP_NONE, collect, r, &err), CF_OK);
    CHECK_INT(r->n, 220);
    CHECK_STR(r->value[0], "d000.example");
    CHECK_INT(r->id[0], 1);
    CHECK_INT(r->id[69], 70);
    CHECK_STR(r->value[70], "10.0.0.0");
    CHECK_INT(r->id[70], 71);
    CHECK_STR(r->value[219], "10.0.0.99");
    CHECK_INT(r->id[219], 220);
    CHECK_INT(active(s, "a"), 220);

    /*
     * 35 stored domains with a new label (modified) beside 65 new ones in the
     * same batches, in an order worked out before the ingest
     */
    CHECK_INT(cf_store_run_begin(s, T(2000), &run2, &err), CF_OK);
    set = cf_iocset_new();
    add_domains(set, "b", 'd', 35, 70, "phishing");
    add_domains(set, "b", 'c', 0, 65, NULL);
    ingest_ordered(s, "b", run2, T(2000), set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.upserted, 100);
    CHECK_INT(c.created, 65);
    CHECK_INT(c.modified, 35);
    r->n = 0;
    CHECK_INT(cf_store_each(s, run1, CF_TLP_NONE, collect, r, &err), CF_OK);
    CHECK_INT(r->n, 100);
    /* "c..." sorts first: the new IOCs take ids 221.. in key order */
    CHECK_STR(r->value[0], "c000.example");
    CHECK_INT(r->id[0], 221);
    CHECK_INT(r->id[64], 285);
    CHECK_STR(r->value[65], "d035.example");
    CHECK_INT(r->id[65], 36);
    CHECK_STR(r->sources[65], "a\nb");
    CHECK_INT(r->mod_run[65], run2);
    CHECK_STR(r->sources[0], "b");
    CHECK_INT(active(s, "b"), 100);
    CHECK_INT(active(s, "a"), 220);

    /* feed a again without 20 of its addresses: they expire, the rest are only touched */
    CHECK_INT(cf_store_run_begin(s, T(3000), &run3, &err), CF_OK);
    set = cf_iocset_new();
    add_ips(set, "a", 10, 0, 130);
    add_domains(set, "a", 'd', 0, 70, NULL);
    ingest(s, "a", run3, T(3000), set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.upserted, 200);
    CHECK_INT(c.created, 0);
    CHECK_INT(c.modified, 0);
    CHECK_INT(c.expired, 20);
    CHECK_INT(active(s, "a"), 200);
    r->n = 0;
    CHECK_INT(cf_store_each(s, run2, CF_TLP_NONE, collect, r, &err), CF_OK);
    CHECK_INT(r->n, 20);

    /* a large first load: more IOCs than stored, its indexes kept */
    CHECK_INT(cf_store_run_begin(s, T(4000), &run4, &err), CF_OK);
    set = cf_iocset_new();
    add_ips(set, "big", 172, 0, 25000);
    ingest(s, "big", run4, T(4000), set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.created, 25000);
    CHECK_INT(indexes(path), 2);
    CHECK_INT(active(s, "big"), 25000);
    {
        int64_t n = 0, expired = 0;
        CHECK_INT(cf_store_count_since(s, run3, CF_TLP_NONE, &n, &expired, &err), CF_OK);
        CHECK_INT(n, 25000);
        CHECK_INT(expired, 0);
    }

    /* ... and expiry through them afterwards */
    CHECK_INT(cf_store_run_begin(s, T(5000), &run5, &err), CF_OK);
    set = cf_iocset_new();
    add_ips(set, "big", 172, 10, 25000);
    ingest(s, "big", run5, T(5000), set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.upserted, 24990);
    CHECK_INT(c.created, 0);
    CHECK_INT(c.expired, 10);
    CHECK_INT(active(s, "big"), 24990);
    CHECK_INT(indexes(path), 2);

    /* the 10 gone are listed again: their IOCs come back, their sightings are live */
    CHECK_INT(cf_store_run_begin(s, T(6000), &run6, &err), CF_OK);
    set = cf_iocset_new();
    add_ips(set, "big", 172, 0, 25000);
    ingest(s, "big", run6, T(6000), set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.upserted, 25000);
    CHECK_INT(c.created, 0);
    CHECK_INT(c.modified, 10);
    CHECK_INT(c.expired, 0);
    CHECK_INT(active(s, "big"), 25000);

    /*
     * 100 of big's addresses 250 apart and 14 new ones among them, two
     * batches whose key ranges hold thousands of stored IOCs (the first
     * gives up its range scan, the second looks up by value at once): the
     * stored 100 are found (a new source: modified), the 14 inserted
     */
    CHECK_INT(cf_store_run_begin(s, T(7000), &run7, &err), CF_OK);
    set = cf_iocset_new();
    for (int i = 0; i < 25000; i += 250) {
        add_ips(set, "thin", 172, i, i + 1);
    }
    add_ips(set, "thin", 172, 30000, 30014);
    ingest(s, "thin", run7, T(7000), set, &c);
    cf_iocset_free(set);
    CHECK_INT(c.upserted, 114);
    CHECK_INT(c.created, 14);
    CHECK_INT(c.modified, 100);
    CHECK_INT(active(s, "thin"), 114);
    CHECK_INT(active(s, "big"), 25000);
    CHECK_INT(cf_store_check(s, &err), CF_OK);
    cf_store_close(s);
    free(r);

    snprintf(path, sizeof(path), "%s/v1.db", dir);
    migrated_v1(path);
    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK_INT(system(cmd), 0);
    }
    TEST_MAIN_END();
}
