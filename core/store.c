/*
 * The SQLite implementation of the IOC store (store.h).
 *
 * DESIGN
 * One connection in WAL mode with synchronous=NORMAL, opened without
 * SQLite's own mutexes (the caller serialises, store.h); every statement used
 * per IOC is prepared once. cf_store_ingest() runs one transaction per feed,
 * IOCs in (type, value) order so the key index is written front to back,
 * STORE_BATCH IOCs of one type at a time: each statement costs more than
 * the rows it writes, so a batch is one lookup (a range scan of the key
 * index from its first value to its last, with the feed's sighting of each
 * row), one multi-row insert of its new IOCs (each power of two of rows has
 * its prepared statement) and one multi-row upsert of its sightings. A new
 * IOC gets the id SQLite would give it (the next one), so ids follow key
 * order as with one insert per IOC, and its iocs_mod_run entry (this run,
 * the largest id) lands at the index's right edge, as do a new feed's
 * sightings_feed entries. An IOC already stored is merged in C
 * (store_merge) on the row the lookup read: written back by id only when
 * something moved, and rewritten with this run's mod_run only when the
 * merge is a modification; a row that merely gets a later last_seen costs
 * a small update, an identical one none. The sighting upsert moves line,
 * last_time and last_run, none of them in sightings_feed (feed_id, gone),
 * so a feed listed again leaves that index as it is; the few gone
 * sightings listed again are made live one by one.
 * Every row written in a run carries the run id; "modified in run N" is how
 * publishing finds its delta. Expiry marks sightings gone (after a full
 * fetch, only when the feed has more live sightings than it just listed),
 * then expires the
 * IOCs no feed still lists; a feed no longer configured (cf_store_retire)
 * has all its sightings marked gone the same way, and leaves the sources of
 * the IOCs other feeds still list. The schema comes from the embedded
 * migrations, applied in order and recorded in PRAGMA user_version.
 */
#include "ctiflow/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"
#include "ctiflow/strsort.h"

struct cf_store_migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct cf_store_migration cf_store_migrations[];
extern const size_t cf_store_migration_count;

#define STORE_DAY_MS (86400LL * 1000)

/* The page cache (KiB, negative), and the one of a feed of STORE_BIG_FEED IOCs or more. */
#define STORE_CACHE "-65536"
#define STORE_BIG_CACHE "-262144"
#define STORE_BIG_FEED 100000

enum {
    ST_FEED_ID,
    ST_FEED_INSERT,
    ST_GONE_FULL,
    ST_GONE_DAYS,
    ST_EXPIRE,
    ST_IS_CURRENT,
    ST_LIVE,
    ST_REVIVE,
    ST_TOUCH_IOC,
    ST_CHANGE_IOC,
    ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
    [ST_FEED_ID] = "SELECT id FROM feeds WHERE name = ?1",
    [ST_FEED_INSERT] = "INSERT INTO feeds (name) VALUES (?1)",
    [ST_GONE_FULL] = "UPDATE sightings SET gone = 1"
                     " WHERE feed_id = ?1 AND gone = 0 AND last_run < ?2",
    [ST_GONE_DAYS] = "UPDATE sightings SET gone = 1"
                     " WHERE feed_id = ?1 AND gone = 0 AND last_time < ?2",
    [ST_EXPIRE] = "UPDATE iocs SET expired_at = ?2, modified = ?2, mod_run = ?3"
                  " WHERE expired_at IS NULL AND id IN"
                  " (SELECT ioc_id FROM sightings WHERE feed_id = ?1 AND gone = 1)"
                  " AND NOT EXISTS (SELECT 1 FROM sightings s"
                  "  WHERE s.ioc_id = iocs.id AND s.gone = 0)",
    [ST_LIVE] = "SELECT count(*) FROM sightings WHERE feed_id = ?1 AND gone = 0",
    /* a gone sighting listed again (the upsert leaves gone as it is, see store_batch_sql) */
    [ST_REVIVE] = "UPDATE sightings SET gone = 0 WHERE ioc_id = ?1 AND feed_id = ?2",
    /* not a modification: only last_seen, valid_until and a first comment move */
    [ST_TOUCH_IOC] = "UPDATE iocs SET last_seen = ?2, valid_until = ?3,"
                     " comment = coalesce(comment, ?4) WHERE id = ?1",
    [ST_CHANGE_IOC] = "UPDATE iocs SET first_seen = ?2, last_seen = ?3, valid_until = ?4,"
                      " confidence = ?5, tlp = ?6, labels = ?7, malware = ?8, actors = ?9,"
                      " sources = ?10, comment = coalesce(comment, ?11), expired_at = NULL,"
                      " modified = ?12, mod_run = ?13 WHERE id = ?1",
    [ST_IS_CURRENT] = "SELECT 1 FROM iocs WHERE type = ?1 AND value = ?2 AND expired_at IS NULL"
                      " AND (?3 = 0 OR tlp <= ?3)",
};

/*
 * IOCs are looked up, inserted and their sightings upserted a batch at a
 * time: one statement per batch instead of one per IOC, as each statement
 * costs more than the rows it writes. The multi-row statements come in every
 * power of two up to STORE_BATCH rows.
 */
#define STORE_BATCH 64
#define STORE_BATCH_SIZES 7
#define STORE_IOC_COLS 17
#define STORE_SIGHT_COLS 5

/* Rows a batch's range lookup reads at most; the values past them are looked up as a list. */
#define STORE_RANGE_ROWS (4 * STORE_BATCH)

struct cf_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    sqlite3_stmt *find;                      /* the stored rows of a batch's values */
    sqlite3_stmt *range;                     /* the stored rows of a batch's key range */
    sqlite3_stmt *insert[STORE_BATCH_SIZES]; /* new IOCs, 2^k rows with explicit ids */
    sqlite3_stmt *sight[STORE_BATCH_SIZES];  /* sightings upserted, 2^k rows */
    int version;
    char *path;
    pthread_t ckpt; /* the checkpoint of cf_store_checkpoint_async, when running */
    bool ckpt_running;
};

static cf_status store_fail(cf_store *s, cf_error *err, const char *what)
{
    return cf_error_set(err, CF_EIO, "store", 0, "%s: %s", what, sqlite3_errmsg(s->db));
}

/*
 * The sorted union of two sorted '\n'-separated lists a and b into out;
 * *added tells whether b brought an item that a lacks (out is then not a).
 */
static cf_status store_union(cf_buf *out, const char *a, const char *b, bool *added)
{
    cf_buf_reset(out);
    *added = false;
    if (!*b) {
        return cf_buf_puts(out, a);
    }
    if (!*a) {
        *added = true;
        return cf_buf_puts(out, b);
    }
    while (*a || *b) {
        const char *ea = strchr(a, '\n');
        const char *eb = strchr(b, '\n');
        size_t la = *a ? (ea ? (size_t)(ea - a) : strlen(a)) : 0;
        size_t lb = *b ? (eb ? (size_t)(eb - b) : strlen(b)) : 0;
        int cmp;

        if (!*a) {
            cmp = 1;
        } else if (!*b) {
            cmp = -1;
        } else {
            size_t m = la < lb ? la : lb;
            cmp = memcmp(a, b, m);
            if (cmp == 0) {
                cmp = la < lb ? -1 : (la > lb ? 1 : 0);
            }
        }
        if (cmp > 0) {
            *added = true;
        }
        if ((out->len && cf_buf_putc(out, '\n') != CF_OK) ||
            cf_buf_append(out, cmp <= 0 ? a : b, cmp <= 0 ? la : lb) != CF_OK) {
            return CF_ENOMEM;
        }
        if (cmp <= 0) {
            a += la + (ea ? 1 : 0);
        }
        if (cmp >= 0) {
            b += lb + (eb ? 1 : 0);
        }
    }
    return CF_OK;
}

static cf_status store_exec(cf_store *s, const char *sql, cf_error *err)
{
    char *msg = NULL;

    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        cf_error_set(err, CF_EIO, "store", 0, "%s", msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return CF_EIO;
    }
    return CF_OK;
}

/* End the open transaction: commit it when st is CF_OK, else roll it back. */
static cf_status store_end(cf_store *s, cf_status st, cf_error *err)
{
    if (st == CF_OK) {
        st = store_exec(s, "COMMIT", err);
    }
    if (st != CF_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return st;
}

static cf_status store_migrate(cf_store *s, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    char pragma[64];

    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return store_fail(s, err, "reading the schema version");
    }
    s->version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);

    /* a store a newer ctiflow migrated may hold what this one would break */
    int known = 0;
    for (size_t i = 0; i < cf_store_migration_count; i++) {
        known = cf_store_migrations[i].version > known ? cf_store_migrations[i].version : known;
    }
    if (s->version > known) {
        return cf_error_set(err, CF_EINVAL, s->path, 0,
                            "store schema version %d is newer than this program's (%d): "
                            "run the ctiflow that wrote it, or a newer one",
                            s->version, known);
    }

    for (size_t i = 0; i < cf_store_migration_count; i++) {
        const struct cf_store_migration *m = &cf_store_migrations[i];
        if (m->version <= s->version) {
            continue;
        }
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
        if (store_exec(s, "BEGIN IMMEDIATE", err) != CF_OK) {
            return CF_EIO;
        }
        if (store_exec(s, m->sql, err) != CF_OK || store_exec(s, pragma, err) != CF_OK ||
            store_exec(s, "COMMIT", err) != CF_OK) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return CF_EIO;
        }
        s->version = m->version;
    }
    return CF_OK;
}

/*
 * The SQL of the batched lookup by values (which 0), the multi-row insert (1)
 * or the multi-row upsert (2) of rows rows, or of the range lookup (3).
 */
static cf_status store_batch_sql(cf_buf *sql, int which, size_t rows)
{
    cf_status st = CF_OK;

    cf_buf_reset(sql);
    if (which == 0 || which == 3) {
        /* the feed's sighting of the IOC: gone (1), live (0) or none (NULL) */
        st = cf_buf_printf(sql,
                           "SELECT id, first_seen, last_seen, valid_until, confidence, tlp,"
                           " labels, malware, actors, sources, comment IS NOT NULL,"
                           " expired_at IS NOT NULL, created_run, mod_run, value, s.gone"
                           " FROM iocs LEFT JOIN sightings s ON s.ioc_id = iocs.id"
                           " AND s.feed_id = ?%zu WHERE type = ?1 AND value ",
                           which == 3 ? (size_t)5 : rows + 2);
        if (which == 3) {
            return st == CF_OK ? cf_buf_puts(sql, "BETWEEN ?2 AND ?3 ORDER BY value LIMIT ?4")
                               : st;
        }
        st = st == CF_OK ? cf_buf_puts(sql, "IN (") : st;
        for (size_t i = 0; st == CF_OK && i < rows; i++) {
            st = cf_buf_printf(sql, "%s?%zu", i ? ", " : "", i + 2);
        }
        return st == CF_OK ? cf_buf_puts(sql, ")") : st;
    }
    if (which == 1) {
        st = cf_buf_puts(sql, "INSERT INTO iocs (id, type, value, hash_type, port, first_seen,"
                              " last_seen, valid_until, confidence, tlp, labels, malware, actors,"
                              " sources, comment, created, created_run, modified, mod_run)"
                              " VALUES ");
        for (size_t r = 0; st == CF_OK && r < rows; r++) {
            size_t p = r * STORE_IOC_COLS;
            st = cf_buf_puts(sql, r ? ", (" : "(");
            for (size_t c = 1; st == CF_OK && c <= STORE_IOC_COLS; c++) {
                st = cf_buf_printf(sql, "%s?%zu", c > 1 ? ", " : "", p + c);
            }
            /* modified and mod_run: the created time and run */
            if (st == CF_OK) {
                st = cf_buf_printf(sql, ", ?%zu, ?%zu)", p + 16, p + 17);
            }
        }
        return st;
    }
    st = cf_buf_puts(sql, "INSERT INTO sightings (ioc_id, feed_id, line, first_time, last_time,"
                          " last_run, gone) VALUES ");
    for (size_t r = 0; st == CF_OK && r < rows; r++) {
        size_t p = r * STORE_SIGHT_COLS;
        st = cf_buf_printf(sql, "%s(?%zu, ?%zu, ?%zu, ?%zu, ?%zu, ?%zu, 0)", r ? ", " : "", p + 1,
                           p + 2, p + 3, p + 4, p + 4, p + 5);
    }
    /*
     * gone is not set: a column of the sightings_feed index, it would make
     * every update rewrite its index entry. A gone sighting (the lookup
     * reads it) comes back to life with ST_REVIVE.
     */
    if (st == CF_OK) {
        st = cf_buf_puts(sql, " ON CONFLICT (ioc_id, feed_id) DO UPDATE SET"
                              " line = excluded.line, last_time = excluded.last_time,"
                              " last_run = excluded.last_run");
    }
    return st;
}

static cf_status store_prepare_one(cf_store *s, const char *sql, sqlite3_stmt **out, cf_error *err)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK) {
        return store_fail(s, err, "preparing a statement");
    }
    return CF_OK;
}

static cf_status store_prepare(cf_store *s, cf_error *err)
{
    cf_status st = CF_OK;

    for (int i = 0; st == CF_OK && i < ST_COUNT; i++) {
        st = store_prepare_one(s, store_sql[i], &s->st[i], err);
    }
    return st;
}

static void store_finalize_batch(cf_store *s)
{
    sqlite3_finalize(s->find);
    sqlite3_finalize(s->range);
    s->find = s->range = NULL;
    for (int k = 0; k < STORE_BATCH_SIZES; k++) {
        sqlite3_finalize(s->insert[k]);
        sqlite3_finalize(s->sight[k]);
        s->insert[k] = s->sight[k] = NULL;
    }
}

/* The batch statements, prepared by the first ingest (a run where nothing changed has none). */
static cf_status store_prepare_batch(cf_store *s, cf_error *err)
{
    cf_buf sql = CF_BUF_INIT;
    cf_status st = CF_OK;

    if (s->find) {
        return CF_OK;
    }
    st = store_batch_sql(&sql, 0, STORE_BATCH);
    st = st == CF_OK ? store_prepare_one(s, cf_buf_str(&sql), &s->find, err) : st;
    st = st == CF_OK ? store_batch_sql(&sql, 3, 0) : st;
    st = st == CF_OK ? store_prepare_one(s, cf_buf_str(&sql), &s->range, err) : st;
    for (int k = 0; st == CF_OK && k < STORE_BATCH_SIZES; k++) {
        st = store_batch_sql(&sql, 1, (size_t)1 << k);
        st = st == CF_OK ? store_prepare_one(s, cf_buf_str(&sql), &s->insert[k], err) : st;
        if (st == CF_OK) {
            st = store_batch_sql(&sql, 2, (size_t)1 << k);
        }
        st = st == CF_OK ? store_prepare_one(s, cf_buf_str(&sql), &s->sight[k], err) : st;
    }
    if (st == CF_ENOMEM) {
        cf_error_set(err, CF_ENOMEM, "store", 0, "out of memory");
    }
    if (st != CF_OK) {
        store_finalize_batch(s);
    }
    cf_buf_free(&sql);
    return st;
}

static void store_sqlite_setup(void)
{
    /* no allocation statistics: they take a global mutex around every allocation */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void cf_store_sqlite_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, store_sqlite_setup);
}

cf_status cf_store_open(cf_store **out, const char *path, cf_error *err)
{
    cf_store *s = calloc(1, sizeof(*s));
    cf_status st = CF_OK;

    *out = NULL;
    if (!s) {
        return cf_error_set(err, CF_ENOMEM, path, 0, "out of memory");
    }
    cf_store_sqlite_init();
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                         SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot open the store: %s",
                          s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(s->db, 10000);
    s->path = cf_strdup(path);
    if (!s->path) {
        st = cf_error_set(err, CF_ENOMEM, path, 0, "out of memory");
        goto out;
    }
    st = store_exec(s,
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                    " PRAGMA foreign_keys = OFF; PRAGMA cache_size = " STORE_CACHE ";"
                    " PRAGMA temp_store = MEMORY",
                    err);
    if (st == CF_OK) {
        st = store_migrate(s, err);
    }
    if (st == CF_OK) {
        st = store_prepare(s, err);
    }

out:
    if (st != CF_OK) {
        cf_store_close(s);
        return st;
    }
    *out = s;
    return CF_OK;
}

void cf_store_close(cf_store *s)
{
    if (!s) {
        return;
    }
    if (s->ckpt_running) {
        pthread_join(s->ckpt, NULL);
    }
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(s->st[i]);
    }
    store_finalize_batch(s);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

cf_status cf_store_defer_checkpoint(cf_store *s, cf_error *err)
{
    if (sqlite3_wal_autocheckpoint(s->db, 0) != SQLITE_OK) {
        return store_fail(s, err, "deferring checkpoints");
    }
    return CF_OK;
}

/*
 * The checkpoint thread: a connection of its own copies the WAL into the
 * database file (PASSIVE: it waits for no reader or writer, and copies what
 * no reader still needs from the WAL). A failure leaves the frames in the
 * WAL, where the next checkpoint (at the latest the one of the last close)
 * finds them.
 */
static void *store_ckpt_main(void *arg)
{
    const char *path = arg;
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) ==
        SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    sqlite3_close(db);
    return NULL;
}

void cf_store_checkpoint_async(cf_store *s)
{
    if (s->ckpt_running) {
        return;
    }
    s->ckpt_running = pthread_create(&s->ckpt, NULL, store_ckpt_main, s->path) == 0;
}

int cf_store_schema_version(cf_store *s)
{
    return s->version;
}

cf_status cf_store_run_begin(cf_store *s, cf_time now, int64_t *out, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;

    if (sqlite3_prepare_v2(s->db, "INSERT INTO runs (started) VALUES (?1)", -1, &q, NULL) !=
        SQLITE_OK) {
        return store_fail(s, err, "starting a run");
    }
    sqlite3_bind_int64(q, 1, now);
    if (sqlite3_step(q) != SQLITE_DONE) {
        st = store_fail(s, err, "starting a run");
    }
    sqlite3_finalize(q);
    *out = sqlite3_last_insert_rowid(s->db);
    return st;
}

cf_status cf_store_run_end(cf_store *s, int64_t run, cf_time now, int feeds_ok, int feeds_failed,
                           cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;

    if (sqlite3_prepare_v2(s->db,
                           "UPDATE runs SET finished = ?2, feeds_ok = ?3, feeds_failed = ?4"
                           " WHERE id = ?1",
                           -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "finishing a run");
    }
    sqlite3_bind_int64(q, 1, run);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int(q, 3, feeds_ok);
    sqlite3_bind_int(q, 4, feeds_failed);
    if (sqlite3_step(q) != SQLITE_DONE) {
        st = store_fail(s, err, "finishing a run");
    }
    sqlite3_finalize(q);
    return st;
}

/* Id of feed in the feeds table, inserting it when new. */
static cf_status store_feed_id(cf_store *s, const char *feed, int64_t *out, cf_error *err)
{
    sqlite3_stmt *q = s->st[ST_FEED_ID];
    int rc;

    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, feed, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
        return CF_OK;
    }
    sqlite3_reset(q);
    q = s->st[ST_FEED_INSERT];
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, feed, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) {
        sqlite3_reset(q);
        return store_fail(s, err, "adding a feed");
    }
    sqlite3_reset(q);
    *out = sqlite3_last_insert_rowid(s->db);
    return CF_OK;
}

static int store_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A list as stored: sorted, unique, '\n'-separated, newlines inside items as spaces. */
static cf_status store_list(cf_buf *out, const char *const *items, size_t n)
{
    const char *sorted[CF_MAX_LABELS_PER_IOC];
    size_t k = 0;

    cf_buf_reset(out);
    if (n > CF_MAX_LABELS_PER_IOC) {
        n = CF_MAX_LABELS_PER_IOC;
    }
    for (size_t i = 0; i < n; i++) {
        if (items[i] && *items[i]) {
            sorted[k++] = items[i];
        }
    }
    if (k > 1) {
        qsort(sorted, k, sizeof(*sorted), store_str_cmp);
    }
    for (size_t i = 0; i < k; i++) {
        if (i > 0 && !strcmp(sorted[i], sorted[i - 1])) {
            continue;
        }
        if (out->len && cf_buf_putc(out, '\n') != CF_OK) {
            return CF_ENOMEM;
        }
        /* the item a span at a time, a newline inside it as a space */
        for (const char *p = sorted[i]; *p; p++) {
            size_t span = strcspn(p, "\r\n");
            if (cf_buf_append(out, p, span) != CF_OK) {
                return CF_ENOMEM;
            }
            p += span;
            if (!*p) {
                break;
            }
            if (cf_buf_putc(out, ' ') != CF_OK) {
                return CF_ENOMEM;
            }
        }
    }
    if (cf_buf_reserve(out, 1) != CF_OK) {
        return CF_ENOMEM;
    }
    out->data[out->len] = '\0'; /* terminated even when empty: store_merge reads it as text */
    return CF_OK;
}

static cf_time store_col_time(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? CF_TIME_NONE : sqlite3_column_int64(q, i);
}

static void store_bind_time(sqlite3_stmt *q, int i, cf_time t)
{
    if (t == CF_TIME_NONE) {
        sqlite3_bind_null(q, i);
    } else {
        sqlite3_bind_int64(q, i, t);
    }
}

static cf_time store_min_time(cf_time a, cf_time b)
{
    return a == CF_TIME_NONE ? b : (b == CF_TIME_NONE || a < b ? a : b);
}

static cf_time store_max_time(cf_time a, cf_time b)
{
    return a == CF_TIME_NONE ? b : (b == CF_TIME_NONE || a > b ? a : b);
}

/* One IOC of a batch: its lists as stored, and its stored row when there is one. */
typedef struct store_item {
    const cf_ioc *ioc;
    cf_time last_seen; /* the IOC's, or the ingest time */
    cf_buf lists[4];   /* labels, malware, actors, sources */
    bool found;
    int64_t id;
    cf_time ofirst, olast, ovalid;
    int oconf, otlp;
    bool has_comment, expired;
    bool revive; /* the feed's sighting of it is gone: listed again */
    int64_t created_run, mod_run;
    cf_buf old[4]; /* the stored lists */
} store_item;

/* The IOCs of one batch (one type, key order) and scratch reused across batches. */
typedef struct store_batch {
    store_item items[STORE_BATCH];
    size_t n;
    bool thin; /* a range of this type held more rows than a scan reads: look up by value */
    cf_buf merged[4];
} store_batch;

static void store_batch_free(store_batch *b)
{
    for (size_t i = 0; i < STORE_BATCH; i++) {
        for (int k = 0; k < 4; k++) {
            cf_buf_free(&b->items[i].lists[k]);
            cf_buf_free(&b->items[i].old[k]);
        }
    }
    for (int k = 0; k < 4; k++) {
        cf_buf_free(&b->merged[k]);
    }
}

/* The batch item whose value is value (the items are in value order), or NULL. */
static store_item *store_batch_find(store_batch *b, const char *value)
{
    size_t lo = 0, hi = b->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(b->items[mid].ioc->value, value);
        if (c == 0) {
            return &b->items[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

/* Copy the stored row the batched lookup is on into its item. */
static cf_status store_item_read(store_item *it, sqlite3_stmt *q)
{
    it->found = true;
    it->id = sqlite3_column_int64(q, 0);
    it->ofirst = store_col_time(q, 1);
    it->olast = store_col_time(q, 2);
    it->ovalid = store_col_time(q, 3);
    it->oconf = sqlite3_column_int(q, 4);
    it->otlp = sqlite3_column_int(q, 5);
    it->has_comment = sqlite3_column_int(q, 10) != 0;
    it->expired = sqlite3_column_int(q, 11) != 0;
    it->created_run = sqlite3_column_int64(q, 12);
    it->mod_run = sqlite3_column_int64(q, 13);
    it->revive = sqlite3_column_type(q, 15) != SQLITE_NULL && sqlite3_column_int(q, 15) != 0;
    for (int k = 0; k < 4; k++) {
        const char *t = (const char *)sqlite3_column_text(q, 6 + k);
        cf_buf_reset(&it->old[k]);
        if (cf_buf_puts(&it->old[k], t ? t : "") != CF_OK ||
            cf_buf_reserve(&it->old[k], 1) != CF_OK) {
            return CF_ENOMEM;
        }
        it->old[k].data[it->old[k].len] = '\0';
    }
    return CF_OK;
}

/* Look up the stored rows of the batch's items from lo on, one statement for all their values. */
static cf_status store_batch_lookup_in(cf_store *s, store_batch *b, int64_t feed_id, size_t lo,
                                       cf_error *err)
{
    sqlite3_stmt *q = s->find;
    int rc;

    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, cf_ioc_type_name(b->items[0].ioc->type), -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, STORE_BATCH + 2, feed_id);
    for (size_t i = 0; i < STORE_BATCH; i++) {
        if (lo + i < b->n) {
            sqlite3_bind_text(q, (int)i + 2, b->items[lo + i].ioc->value, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(q, (int)i + 2);
        }
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        store_item *it = store_batch_find(b, (const char *)sqlite3_column_text(q, 14));
        if (it && store_item_read(it, q) != CF_OK) {
            sqlite3_reset(q);
            return cf_error_set(err, CF_ENOMEM, "store", 0, "out of memory");
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? CF_OK : store_fail(s, err, "reading IOCs");
}

/*
 * Look up the stored rows of the batch: one range scan of the key index from
 * its first value to its last, walked beside the items (both in key order),
 * which costs one index seek where a list of values costs one per value. The
 * scan reads at most STORE_RANGE_ROWS rows; when the range holds more (a
 * batch spread thin over many stored IOCs), the items past the last row read
 * are looked up by value, and so are the next batches of the type.
 */
static cf_status store_batch_lookup(cf_store *s, store_batch *b, int64_t feed_id, cf_error *err)
{
    sqlite3_stmt *q = s->range;
    size_t rows = 0, next = 0;
    int rc;

    if (b->thin) {
        return store_batch_lookup_in(s, b, feed_id, 0, err);
    }
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, cf_ioc_type_name(b->items[0].ioc->type), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, b->items[0].ioc->value, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, b->items[b->n - 1].ioc->value, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, STORE_RANGE_ROWS);
    sqlite3_bind_int64(q, 5, feed_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *value = (const char *)sqlite3_column_text(q, 14);
        int c = 1;

        rows++;
        while (value && next < b->n && (c = strcmp(b->items[next].ioc->value, value)) < 0) {
            next++;
        }
        if (value && next < b->n && c == 0) {
            if (store_item_read(&b->items[next], q) != CF_OK) {
                sqlite3_reset(q);
                return cf_error_set(err, CF_ENOMEM, "store", 0, "out of memory");
            }
            next++;
        }
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        return store_fail(s, err, "reading IOCs");
    }
    if (rows == STORE_RANGE_ROWS && next < b->n) {
        b->thin = true;
        return store_batch_lookup_in(s, b, feed_id, next, err);
    }
    return CF_OK;
}

/*
 * Merge an IOC into its stored row by the merge rules, in C: written back by
 * id only when something moved. A modification (docs/store.md) rewrites the
 * row with mod_run = this run; otherwise only last_seen, valid_until and a
 * first comment may move.
 */
static cf_status store_merge(cf_store *s, const cf_store_ingest_opts *o, store_item *it,
                             store_batch *b, cf_error *err)
{
    const cf_ioc *ioc = it->ioc;
    cf_time first = ioc->first_seen != CF_TIME_NONE ? ioc->first_seen : it->last_seen;
    cf_time mfirst, mlast, mvalid;
    bool changed, added = false;
    sqlite3_stmt *q;
    int rc;

    for (int k = 0; k < 4; k++) {
        /* an expired IOC listed again: no other feed lists it, its sources start over */
        const char *had = k == 3 && it->expired ? "" : cf_buf_str(&it->old[k]);
        bool more;
        if (store_union(&b->merged[k], had, cf_buf_str(&it->lists[k]), &more) != CF_OK) {
            return cf_error_set(err, CF_ENOMEM, "store", 0, "out of memory");
        }
        added = added || more;
    }
    mfirst = store_min_time(it->ofirst, first);
    mlast = store_max_time(it->olast, it->last_seen);
    mvalid = store_max_time(it->ovalid, ioc->valid_until);
    changed = it->expired || added || ioc->confidence > it->oconf || ioc->tlp > it->otlp ||
              (it->ofirst != CF_TIME_NONE && first < it->ofirst) ||
              (it->ovalid != CF_TIME_NONE && ioc->valid_until != CF_TIME_NONE &&
               ioc->valid_until > it->ovalid);
    if (changed) {
        q = s->st[ST_CHANGE_IOC];
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, it->id);
        store_bind_time(q, 2, mfirst);
        store_bind_time(q, 3, mlast);
        store_bind_time(q, 4, mvalid);
        sqlite3_bind_int(q, 5, ioc->confidence > it->oconf ? ioc->confidence : it->oconf);
        /* an expired IOC listed again takes the TLP of the feed that lists it now */
        sqlite3_bind_int(q, 6, ioc->tlp > it->otlp || it->expired ? ioc->tlp : it->otlp);
        for (int k = 0; k < 4; k++) {
            sqlite3_bind_text(q, 7 + k, cf_buf_str(&b->merged[k]), (int)b->merged[k].len,
                              SQLITE_STATIC);
        }
        if (ioc->comment) {
            sqlite3_bind_text(q, 11, ioc->comment, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(q, 11);
        }
        sqlite3_bind_int64(q, 12, o->now);
        sqlite3_bind_int64(q, 13, o->run);
        it->mod_run = o->run;
    } else if (mlast != it->olast || mvalid != it->ovalid || (ioc->comment && !it->has_comment)) {
        q = s->st[ST_TOUCH_IOC];
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, it->id);
        store_bind_time(q, 2, mlast);
        store_bind_time(q, 3, mvalid);
        if (ioc->comment) {
            sqlite3_bind_text(q, 4, ioc->comment, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(q, 4);
        }
    } else {
        return CF_OK;
    }
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? CF_OK : store_fail(s, err, "writing an IOC");
}

/* Bind the STORE_IOC_COLS parameters of row r of a multi-row insert for item it. */
static void store_bind_new(sqlite3_stmt *q, int r, const cf_store_ingest_opts *o,
                           const store_item *it)
{
    const cf_ioc *ioc = it->ioc;
    int p = r * STORE_IOC_COLS;

    sqlite3_bind_int64(q, p + 1, it->id);
    sqlite3_bind_text(q, p + 2, cf_ioc_type_name(ioc->type), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, p + 3, ioc->value, -1, SQLITE_STATIC);
    if (ioc->type == CF_IOC_FILE) {
        sqlite3_bind_text(q, p + 4, cf_ioc_type_name(ioc->hash_type), -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(q, p + 4);
    }
    sqlite3_bind_int(q, p + 5, ioc->port);
    store_bind_time(q, p + 6, ioc->first_seen != CF_TIME_NONE ? ioc->first_seen : it->last_seen);
    store_bind_time(q, p + 7, it->last_seen);
    store_bind_time(q, p + 8, ioc->valid_until);
    sqlite3_bind_int(q, p + 9, ioc->confidence);
    sqlite3_bind_int(q, p + 10, ioc->tlp);
    for (int k = 0; k < 4; k++) {
        sqlite3_bind_text(q, p + 11 + k, cf_buf_str(&it->lists[k]), (int)it->lists[k].len,
                          SQLITE_STATIC);
    }
    if (ioc->comment) {
        sqlite3_bind_text(q, p + 15, ioc->comment, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(q, p + 15);
    }
    sqlite3_bind_int64(q, p + 16, o->now);
    sqlite3_bind_int64(q, p + 17, o->run);
}

/* Bind the STORE_SIGHT_COLS parameters of row r of a multi-row sighting upsert. */
static void store_bind_sighting(sqlite3_stmt *q, int r, const cf_store_ingest_opts *o,
                                int64_t feed_id, const store_item *it)
{
    const cf_ioc *ioc = it->ioc;
    uint64_t line = ioc->n_sightings ? ioc->sightings[0].line : 0;
    int p = r * STORE_SIGHT_COLS;

    sqlite3_bind_int64(q, p + 1, it->id);
    sqlite3_bind_int64(q, p + 2, feed_id);
    sqlite3_bind_int64(q, p + 3, (sqlite3_int64)line);
    sqlite3_bind_int64(q, p + 4, o->now);
    sqlite3_bind_int64(q, p + 5, o->run);
}

/* The sighting of IOC id by feed_id, gone until now, is live again. */
static cf_status store_revive(cf_store *s, int64_t id, int64_t feed_id, cf_error *err)
{
    sqlite3_stmt *q = s->st[ST_REVIVE];
    int rc;

    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, feed_id);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? CF_OK : store_fail(s, err, "writing a sighting");
}

/*
 * Write rows[0..n) with the multi-row statements of stmts (one per power of
 * two up to STORE_BATCH rows, largest first), binding each row with bind.
 */
static cf_status store_write_rows(cf_store *s, sqlite3_stmt *const *stmts,
                                  const cf_store_ingest_opts *o, int64_t feed_id,
                                  store_item *const *rows, size_t n, bool sighting, cf_error *err)
{
    size_t done = 0;

    for (int k = STORE_BATCH_SIZES - 1; k >= 0; k--) {
        size_t size = (size_t)1 << k;
        while (n - done >= size) {
            sqlite3_stmt *q = stmts[k];
            sqlite3_reset(q);
            for (size_t r = 0; r < size; r++) {
                if (sighting) {
                    store_bind_sighting(q, (int)r, o, feed_id, rows[done + r]);
                } else {
                    store_bind_new(q, (int)r, o, rows[done + r]);
                }
            }
            int rc = sqlite3_step(q);
            sqlite3_reset(q);
            if (rc != SQLITE_DONE) {
                return store_fail(s, err, sighting ? "writing a sighting" : "writing an IOC");
            }
            done += size;
        }
    }
    return CF_OK;
}

/*
 * Ingest one batch: look its IOCs up in one statement, merge those stored,
 * insert the others in multi-row statements with the ids SQLite would have
 * given them (the next ones, in key order), then upsert every sighting.
 */
static cf_status store_ingest_batch(cf_store *s, const cf_store_ingest_opts *o, int64_t feed_id,
                                    store_batch *b, int64_t *next_id, cf_store_counts *counts,
                                    cf_error *err)
{
    store_item *fresh[STORE_BATCH], *all[STORE_BATCH];
    size_t n_fresh = 0;
    cf_status st = store_batch_lookup(s, b, feed_id, err);

    for (size_t i = 0; st == CF_OK && i < b->n; i++) {
        store_item *it = &b->items[i];
        all[i] = it;
        if (it->found) {
            st = store_merge(s, o, it, b, err);
        } else {
            it->id = (*next_id)++;
            it->created_run = it->mod_run = o->run;
            fresh[n_fresh++] = it;
        }
    }
    if (st == CF_OK) {
        st = store_write_rows(s, s->insert, o, feed_id, fresh, n_fresh, false, err);
    }
    if (st == CF_OK) {
        st = store_write_rows(s, s->sight, o, feed_id, all, b->n, true, err);
    }
    for (size_t i = 0; st == CF_OK && i < b->n; i++) {
        if (b->items[i].revive) {
            st = store_revive(s, b->items[i].id, feed_id, err);
        }
    }
    for (size_t i = 0; st == CF_OK && i < b->n; i++) {
        const store_item *it = &b->items[i];
        counts->upserted++;
        if (it->created_run == o->run) {
            counts->created++;
        } else if (it->mod_run == o->run) {
            counts->modified++;
        }
    }
    return st;
}

/* Add ioc to the batch: its lists as stored, its last_seen, no stored row yet. */
static cf_status store_batch_add(store_batch *b, const cf_store_ingest_opts *o, const cf_ioc *ioc)
{
    store_item *it = &b->items[b->n++];
    const char *srcs[1] = {o->feed};

    it->ioc = ioc;
    it->last_seen = ioc->last_seen != CF_TIME_NONE ? ioc->last_seen : o->now;
    it->found = it->revive = false;
    it->id = 0;
    if (store_list(&it->lists[0], ioc->labels, ioc->n_labels) != CF_OK ||
        store_list(&it->lists[1], ioc->malware, ioc->n_malware) != CF_OK ||
        store_list(&it->lists[2], ioc->actors, ioc->n_actors) != CF_OK ||
        store_list(&it->lists[3], srcs, 1) != CF_OK) {
        return CF_ENOMEM;
    }
    return CF_OK;
}

/* Mark sightings gone (statement which with its second parameter), then expire IOCs. */
static cf_status store_expire(cf_store *s, const cf_store_ingest_opts *o, int64_t feed_id,
                              int which, int64_t param, cf_store_counts *counts, cf_error *err)
{
    sqlite3_stmt *q = s->st[which];

    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, feed_id);
    sqlite3_bind_int64(q, 2, param);
    if (sqlite3_step(q) != SQLITE_DONE) {
        sqlite3_reset(q);
        return store_fail(s, err, "expiring sightings");
    }
    sqlite3_reset(q);
    if (sqlite3_changes(s->db) == 0) {
        return CF_OK;
    }
    q = s->st[ST_EXPIRE];
    sqlite3_bind_int64(q, 1, feed_id);
    sqlite3_bind_int64(q, 2, o->now);
    sqlite3_bind_int64(q, 3, o->run);
    if (sqlite3_step(q) != SQLITE_DONE) {
        sqlite3_reset(q);
        return store_fail(s, err, "expiring IOCs");
    }
    sqlite3_reset(q);
    counts->expired += (uint64_t)sqlite3_changes(s->db);
    return CF_OK;
}

/* The number of live sightings of feed_id into *out. */
static cf_status store_live(cf_store *s, int64_t feed_id, int64_t *out, cf_error *err)
{
    sqlite3_stmt *q = s->st[ST_LIVE];
    int rc;

    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, feed_id);
    rc = sqlite3_step(q);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? CF_OK : store_fail(s, err, "counting sightings");
}

/*
 * Expire by the feed's expiry rule. listed: the sightings this ingest wrote
 * (every one live, of this run), when full; a feed with no other live
 * sighting has none to mark gone, which a count over the index tells
 * without reading the rows.
 */
static cf_status store_apply_expiry(cf_store *s, const cf_store_ingest_opts *o, int64_t feed_id,
                                    bool full, size_t listed, cf_store_counts *counts,
                                    cf_error *err)
{
    if (o->expiry == CF_EXPIRY_GONE && full) {
        int64_t live = 0;
        cf_status st = store_live(s, feed_id, &live, err);
        if (st != CF_OK || live <= (int64_t)listed) {
            return st;
        }
        return store_expire(s, o, feed_id, ST_GONE_FULL, o->run, counts, err);
    }
    if (o->expiry == CF_EXPIRY_DAYS) {
        return store_expire(s, o, feed_id, ST_GONE_DAYS,
                            o->now - (int64_t)o->expiry_days * STORE_DAY_MS, counts, err);
    }
    return CF_OK;
}

/* The largest IOC id (0 when none): new IOCs take the ids after it, as SQLite gives them. */
static cf_status store_max_id(cf_store *s, int64_t *out, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;

    *out = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(id), 0) FROM iocs", -1, &q, NULL) !=
            SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        st = store_fail(s, err, "reading the IOC ids");
    } else {
        *out = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return st;
}

/*
 * The IOCs of set in the order of the (type, value) key, type name then
 * value bytes, into order[0..n): grouped by type in name order, then each
 * group sorted by value (strsort.h), so the key index is written front to
 * back. keys is scratch of n entries.
 */
static void store_key_order(const cf_ioc **order, cf_strkey *keys, const cf_iocset *set, size_t n)
{
    size_t count[CF_IOC_TYPE_COUNT] = {0}, start[CF_IOC_TYPE_COUNT];
    int by_name[CF_IOC_TYPE_COUNT];

    for (int t = 0; t < CF_IOC_TYPE_COUNT; t++) {
        int k = t;
        while (k > 0 && strcmp(cf_ioc_type_name((cf_ioc_type)by_name[k - 1]),
                               cf_ioc_type_name((cf_ioc_type)t)) > 0) {
            by_name[k] = by_name[k - 1];
            k--;
        }
        by_name[k] = t;
    }
    for (size_t i = 0; i < n; i++) {
        count[cf_iocset_at(set, i)->type]++;
    }
    size_t at = 0;
    for (int k = 0; k < CF_IOC_TYPE_COUNT; k++) {
        start[by_name[k]] = at;
        at += count[by_name[k]];
    }
    for (size_t i = 0; i < n; i++) {
        const cf_ioc *ioc = cf_iocset_at(set, i);
        keys[start[ioc->type]++] = (cf_strkey){ioc->value, ioc, 0};
    }

    /* start[t] is now the end of type t's group */
    at = 0;
    for (int k = 0; k < CF_IOC_TYPE_COUNT; k++) {
        size_t end = start[by_name[k]];
        cf_strkey_sort(keys + at, end - at);
        at = end;
    }
    for (size_t i = 0; i < n; i++) {
        order[i] = keys[i].item;
    }
}

cf_status cf_store_key_order(const cf_ioc ***out, const cf_iocset *set)
{
    size_t n = cf_iocset_count(set);
    const cf_ioc **order = NULL;
    cf_strkey *keys = NULL;

    *out = NULL;
    if (n == 0) {
        return CF_OK;
    }
    order = malloc(n * sizeof(*order));
    keys = malloc(n * sizeof(*keys));
    if (!order || !keys) {
        free(order);
        free(keys);
        return CF_ENOMEM;
    }
    store_key_order(order, keys, set, n);
    free(keys);
    *out = order;
    return CF_OK;
}

cf_status cf_store_ingest(cf_store *s, const cf_store_ingest_opts *o, const cf_iocset *set,
                          cf_store_counts *out, cf_error *err)
{
    store_batch *b = calloc(1, sizeof(*b));
    cf_store_counts counts = {0};
    int64_t feed_id = 0, max_id = 0, next_id;
    size_t n = cf_iocset_count(set);
    const cf_ioc **order = NULL;
    const cf_ioc *const *ordered = NULL;
    bool big;
    cf_status st;

    if (!b) {
        return cf_error_set(err, CF_ENOMEM, "store", 0, "out of memory");
    }
    /*
     * A large feed's transaction gets a page cache big enough to hold what it
     * changes: a full cache spills dirty pages to the WAL mid-transaction,
     * and they are written again. Given back after the commit.
     */
    big = n >= STORE_BIG_FEED;
    if (big) {
        sqlite3_exec(s->db, "PRAGMA cache_size = " STORE_BIG_CACHE, NULL, NULL, NULL);
    }
    st = store_prepare_batch(s, err);
    if (st == CF_OK) {
        st = store_exec(s, "BEGIN IMMEDIATE", err);
    }
    if (st != CF_OK) {
        goto out;
    }
    st = store_max_id(s, &max_id, err);
    next_id = max_id + 1;
    if (st == CF_OK) {
        st = store_feed_id(s, o->feed, &feed_id, err);
    }
    if (st == CF_OK && o->order) {
        ordered = o->order;
    } else if (st == CF_OK) {
        if (cf_store_key_order(&order, set) != CF_OK) {
            st = cf_error_set(err, CF_ENOMEM, "store", 0, "out of memory");
        }
        ordered = order;
    }
    /* batches of one type, in key order */
    for (size_t i = 0; st == CF_OK && i < n; i++) {
        if (i > 0 && ordered[i]->type != ordered[i - 1]->type) {
            b->thin = false;
        }
        if (store_batch_add(b, o, ordered[i]) != CF_OK) {
            st = cf_error_set(err, CF_ENOMEM, "store", 0, "out of memory");
        } else if (b->n == STORE_BATCH || i + 1 == n || ordered[i + 1]->type != ordered[i]->type) {
            st = store_ingest_batch(s, o, feed_id, b, &next_id, &counts, err);
            b->n = 0;
        }
    }
    free(order);
    if (st == CF_OK) {
        st = store_apply_expiry(s, o, feed_id, true, n, &counts, err);
    }
    st = store_end(s, st, err);
    if (st != CF_OK) {
        memset(&counts, 0, sizeof(counts));
    }

out:
    if (big) {
        sqlite3_exec(s->db, "PRAGMA cache_size = " STORE_CACHE, NULL, NULL, NULL);
        sqlite3_db_release_memory(s->db);
    }
    store_batch_free(b);
    free(b);
    if (out) {
        *out = counts;
    }
    return st;
}

cf_status cf_store_expire_days(cf_store *s, const cf_store_ingest_opts *o, cf_store_counts *out,
                               cf_error *err)
{
    cf_store_counts counts = {0};
    int64_t feed_id = 0;
    cf_status st;

    if (o->expiry != CF_EXPIRY_DAYS) {
        return CF_OK;
    }
    st = store_exec(s, "BEGIN IMMEDIATE", err);
    if (st != CF_OK) {
        return st;
    }
    st = store_feed_id(s, o->feed, &feed_id, err);
    if (st == CF_OK) {
        st = store_apply_expiry(s, o, feed_id, false, 0, &counts, err);
    }
    st = store_end(s, st, err);
    if (out) {
        out->expired += counts.expired;
    }
    return st;
}

/* One statement of cf_store_retire on feed id (?1), with ?2 = name, ?3 = now, ?4 = run. */
static cf_status store_retire_step(cf_store *s, const char *sql, int64_t id, const char *name,
                                   cf_time now, int64_t run, int64_t *changes, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;

    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "retiring a feed");
    }
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_bind_parameter_count(q) == 4) {
        sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, now);
        sqlite3_bind_int64(q, 4, run);
    }
    if (sqlite3_step(q) != SQLITE_DONE) {
        st = store_fail(s, err, "retiring a feed");
    } else if (changes) {
        *changes = sqlite3_changes(s->db);
    }
    sqlite3_finalize(q);
    return st;
}

/* Retire feed id: sightings gone, IOCs expired or without it in their sources, state reset. */
static cf_status store_retire_feed(cf_store *s, int64_t id, const char *name, int64_t run,
                                   cf_time now, int64_t *listed, cf_store_counts *counts,
                                   cf_error *err)
{
    int64_t expired = 0, pruned = 0;
    cf_status st;

    st = store_retire_step(s,
                           "UPDATE sightings SET gone = 1 WHERE feed_id = ?1 AND gone = 0", id,
                           name, now, run, listed, err);
    /* the IOCs no feed lists any more expire, as by an expiry */
    if (st == CF_OK && *listed > 0) {
        sqlite3_stmt *q = s->st[ST_EXPIRE];
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int64(q, 2, now);
        sqlite3_bind_int64(q, 3, run);
        if (sqlite3_step(q) != SQLITE_DONE) {
            st = store_fail(s, err, "expiring IOCs");
        }
        sqlite3_reset(q);
        expired = st == CF_OK ? sqlite3_changes(s->db) : 0;
    }
    /* the others are still listed, by other feeds only: the feed leaves their sources */
    if (st == CF_OK && *listed > 0) {
        st = store_retire_step(
            s,
            "UPDATE iocs SET sources = trim(replace(char(10) || sources || char(10),"
            " char(10) || ?2 || char(10), char(10)), char(10)), modified = ?3, mod_run = ?4"
            " WHERE expired_at IS NULL AND id IN (SELECT ioc_id FROM sightings WHERE feed_id = ?1)"
            " AND instr(char(10) || sources || char(10), char(10) || ?2 || char(10)) > 0",
            id, name, now, run, &pruned, err);
    }
    if (st == CF_OK) {
        st = store_retire_step(s,
                               "UPDATE feeds SET last_attempt = NULL, last_success = NULL,"
                               " last_change = NULL, last_error = 'no longer configured',"
                               " etag = NULL, last_modified = NULL, iocs = 0, rejected = 0,"
                               " failures = 0 WHERE id = ?1",
                               id, name, now, run, NULL, err);
    }
    counts->expired += (uint64_t)expired;
    counts->modified += (uint64_t)pruned;
    return st;
}

/* True when name is one of names[0..n). */
static bool store_has_name(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            return true;
        }
    }
    return false;
}

cf_status cf_store_retire(cf_store *s, const char *const *names, size_t n, int64_t run,
                          cf_time now, cf_store_retired_fn fn, void *ctx, cf_store_counts *out,
                          cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_store_counts counts = {0};
    int64_t *ids = NULL;
    char **gone = NULL;
    size_t n_gone = 0, cap = 0;
    cf_status st = CF_OK;
    int rc = SQLITE_DONE;

    /* the feeds not retired yet: state kept, or IOCs still listed */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, name FROM feeds WHERE last_attempt IS NOT NULL"
                           " OR EXISTS (SELECT 1 FROM sightings WHERE feed_id = feeds.id"
                           " AND gone = 0) ORDER BY name",
                           -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "reading the feeds");
    }
    while (st == CF_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 1);
        if (!name || store_has_name(names, n, name)) {
            continue;
        }
        if (n_gone == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            int64_t *ni = realloc(ids, ncap * sizeof(*ids));
            char **ng = NULL;
            if (ni) {
                ids = ni;
                ng = realloc(gone, ncap * sizeof(*gone));
            }
            if (!ng) {
                st = cf_error_set(err, CF_ENOMEM, "store", 0, "out of memory");
                break;
            }
            gone = ng;
            cap = ncap;
        }
        ids[n_gone] = sqlite3_column_int64(q, 0);
        gone[n_gone] = cf_strdup(name);
        if (!gone[n_gone]) {
            st = cf_error_set(err, CF_ENOMEM, "store", 0, "out of memory");
            break;
        }
        n_gone++;
    }
    if (st == CF_OK && rc != SQLITE_DONE) {
        st = store_fail(s, err, "reading the feeds");
    }
    sqlite3_finalize(q);
    if (st != CF_OK || n_gone == 0) {
        goto out;
    }
    st = store_exec(s, "BEGIN IMMEDIATE", err);
    for (size_t i = 0; st == CF_OK && i < n_gone; i++) {
        int64_t listed = 0;
        st = store_retire_feed(s, ids[i], gone[i], run, now, &listed, &counts, err);
        if (st == CF_OK && fn) {
            fn(ctx, gone[i], listed);
        }
    }
    st = store_end(s, st, err);
    if (st != CF_OK) {
        memset(&counts, 0, sizeof(counts));
    }

out:
    for (size_t i = 0; i < n_gone; i++) {
        free(gone[i]);
    }
    free(gone);
    free(ids);
    if (out) {
        out->modified += counts.modified;
        out->expired += counts.expired;
    }
    return st;
}

void cf_feed_state_fini(cf_feed_state *st)
{
    if (!st) {
        return;
    }
    free(st->name);
    free(st->last_error);
    free(st->etag);
    free(st->last_modified);
    memset(st, 0, sizeof(*st));
}

static char *store_col_str(sqlite3_stmt *q, int i)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    return s ? cf_strdup(s) : NULL;
}

cf_status cf_store_feed_get(cf_store *s, const char *feed, cf_feed_state *out, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    out->name = cf_strdup(feed);
    out->last_attempt = out->last_success = out->last_change = CF_TIME_NONE;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT last_attempt, last_success, last_change, last_error, etag,"
                           " last_modified, iocs, rejected, failures,"
                           " (SELECT count(*) FROM sightings WHERE feed_id = feeds.id"
                           "  AND gone = 0)"
                           " FROM feeds WHERE name = ?1",
                           -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "reading feed state");
    }
    sqlite3_bind_text(q, 1, feed, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        out->last_attempt = store_col_time(q, 0);
        out->last_success = store_col_time(q, 1);
        out->last_change = store_col_time(q, 2);
        out->last_error = store_col_str(q, 3);
        out->etag = store_col_str(q, 4);
        out->last_modified = store_col_str(q, 5);
        out->iocs = sqlite3_column_int64(q, 6);
        out->rejected = sqlite3_column_int64(q, 7);
        out->failures = sqlite3_column_int64(q, 8);
        out->active = sqlite3_column_int64(q, 9);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return store_fail(s, err, "reading feed state");
    }
    return CF_OK;
}

static void store_bind_str(sqlite3_stmt *q, int i, const char *v)
{
    if (v) {
        sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(q, i);
    }
}

cf_status cf_store_feed_put(cf_store *s, const cf_feed_state *st, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status rc = CF_OK;

    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO feeds (name, last_attempt, last_success, last_change,"
                           " last_error, etag, last_modified, iocs, rejected, failures)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                           " ON CONFLICT (name) DO UPDATE SET last_attempt = ?2,"
                           " last_success = ?3, last_change = ?4, last_error = ?5, etag = ?6,"
                           " last_modified = ?7, iocs = ?8, rejected = ?9, failures = ?10",
                           -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "writing feed state");
    }
    sqlite3_bind_text(q, 1, st->name, -1, SQLITE_STATIC);
    store_bind_time(q, 2, st->last_attempt);
    store_bind_time(q, 3, st->last_success);
    store_bind_time(q, 4, st->last_change);
    store_bind_str(q, 5, st->last_error);
    store_bind_str(q, 6, st->etag);
    store_bind_str(q, 7, st->last_modified);
    sqlite3_bind_int64(q, 8, st->iocs);
    sqlite3_bind_int64(q, 9, st->rejected);
    sqlite3_bind_int64(q, 10, st->failures);
    if (sqlite3_step(q) != SQLITE_DONE) {
        rc = store_fail(s, err, "writing feed state");
    }
    sqlite3_finalize(q);
    return rc;
}

static const char *store_text(sqlite3_stmt *q, int i)
{
    const char *t = (const char *)sqlite3_column_text(q, i);
    return t ? t : "";
}

cf_status cf_store_each(cf_store *s, int64_t since_run, cf_tlp max_tlp, cf_store_row_fn fn,
                        void *ctx, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;
    int rc;
    const char *sql =
        since_run < 0
            ? "SELECT id, type, hash_type, port, value, first_seen, last_seen, valid_until,"
              " created, modified, expired_at, confidence, tlp, labels, malware, actors,"
              " sources, comment, mod_run FROM iocs WHERE expired_at IS NULL"
              " AND (?1 = 0 OR tlp <= ?1) ORDER BY type, value"
            : "SELECT id, type, hash_type, port, value, first_seen, last_seen, valid_until,"
              " created, modified, expired_at, confidence, tlp, labels, malware, actors,"
              " sources, comment, mod_run FROM iocs WHERE mod_run > ?2"
              " AND (?1 = 0 OR tlp <= ?1) ORDER BY type, value";

    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "reading IOCs");
    }
    sqlite3_bind_int(q, 1, max_tlp);
    if (since_run >= 0) {
        sqlite3_bind_int64(q, 2, since_run);
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        cf_store_row r;
        r.id = sqlite3_column_int64(q, 0);
        r.type = cf_ioc_type_from_name(store_text(q, 1));
        r.hash_type = cf_ioc_type_from_name(store_text(q, 2));
        r.port = sqlite3_column_int(q, 3);
        r.value = store_text(q, 4);
        r.first_seen = store_col_time(q, 5);
        r.last_seen = store_col_time(q, 6);
        r.valid_until = store_col_time(q, 7);
        r.created = store_col_time(q, 8);
        r.modified = store_col_time(q, 9);
        r.expired_at = store_col_time(q, 10);
        r.confidence = sqlite3_column_int(q, 11);
        r.tlp = (cf_tlp)sqlite3_column_int(q, 12);
        r.labels = store_text(q, 13);
        r.malware = store_text(q, 14);
        r.actors = store_text(q, 15);
        r.sources = store_text(q, 16);
        r.comment = (const char *)sqlite3_column_text(q, 17);
        r.mod_run = sqlite3_column_int64(q, 18);
        st = fn(ctx, &r);
        if (st != CF_OK) {
            break;
        }
    }
    if (st == CF_OK && rc != SQLITE_DONE) {
        st = store_fail(s, err, "reading IOCs");
    }
    sqlite3_finalize(q);
    return st;
}

cf_status cf_store_count_since(cf_store *s, int64_t since_run, cf_tlp max_tlp, int64_t *rows,
                               int64_t *expired, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;

    *rows = *expired = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*), count(expired_at) FROM iocs WHERE mod_run > ?2"
                           " AND (?1 = 0 OR tlp <= ?1)",
                           -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "counting IOCs");
    }
    sqlite3_bind_int(q, 1, max_tlp);
    sqlite3_bind_int64(q, 2, since_run);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *rows = sqlite3_column_int64(q, 0);
        *expired = sqlite3_column_int64(q, 1);
    } else {
        st = store_fail(s, err, "counting IOCs");
    }
    sqlite3_finalize(q);
    return st;
}

bool cf_store_is_current(cf_store *s, cf_ioc_type type, const char *value, cf_tlp max_tlp)
{
    sqlite3_stmt *q = s->st[ST_IS_CURRENT];
    bool found;

    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, cf_ioc_type_name(type), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, max_tlp);
    found = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_reset(q);
    return found;
}

cf_status cf_store_count(cf_store *s, int64_t *active, int64_t *total, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*) FILTER (WHERE expired_at IS NULL), count(*)"
                           " FROM iocs",
                           -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "counting IOCs");
    }
    if (sqlite3_step(q) == SQLITE_ROW) {
        *active = sqlite3_column_int64(q, 0);
        *total = sqlite3_column_int64(q, 1);
    } else {
        st = store_fail(s, err, "counting IOCs");
    }
    sqlite3_finalize(q);
    return st;
}

cf_status cf_store_output_last_run(cf_store *s, const char *output, int64_t *out, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc;

    *out = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT last_run FROM outputs WHERE name = ?1", -1, &q,
                           NULL) != SQLITE_OK) {
        return store_fail(s, err, "reading output state");
    }
    sqlite3_bind_text(q, 1, output, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CF_OK : store_fail(s, err, "output state");
}

cf_status cf_store_run_started(cf_store *s, int64_t run, cf_time *out, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc;

    *out = CF_TIME_NONE;
    if (sqlite3_prepare_v2(s->db, "SELECT started FROM runs WHERE id = ?1", -1, &q, NULL) !=
        SQLITE_OK) {
        return store_fail(s, err, "reading a run");
    }
    sqlite3_bind_int64(q, 1, run);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CF_OK : store_fail(s, err, "reading a run");
}

cf_status cf_store_published(cf_store *s, const char *output, int64_t run, cf_time now,
                             const char *kind, const char *path, int64_t count, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;

    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO published (output, run_id, time, kind, path, count)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "recording a publication");
    }
    sqlite3_bind_text(q, 1, output, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, run);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_text(q, 4, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, count);
    if (sqlite3_step(q) != SQLITE_DONE) {
        st = store_fail(s, err, "recording a publication");
    }
    sqlite3_finalize(q);
    return st;
}

cf_status cf_store_published_has(cf_store *s, const char *output, int64_t run, const char *path,
                                 bool *out, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc;

    *out = false;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM published WHERE output = ?1 AND run_id = ?2"
                           " AND path = ?3 LIMIT 1",
                           -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "reading publications");
    }
    sqlite3_bind_text(q, 1, output, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, run);
    sqlite3_bind_text(q, 3, path, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    *out = rc == SQLITE_ROW;
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CF_OK
                                                 : store_fail(s, err, "reading publications");
}

cf_status cf_store_output_done(cf_store *s, const char *output, int64_t run, cf_time now,
                               cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;

    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO outputs (name, last_run, last_time) VALUES (?1, ?2, ?3)"
                           " ON CONFLICT (name) DO UPDATE SET last_run = ?2, last_time = ?3",
                           -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "writing output state");
    }
    sqlite3_bind_text(q, 1, output, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, run);
    sqlite3_bind_int64(q, 3, now);
    if (sqlite3_step(q) != SQLITE_DONE) {
        st = store_fail(s, err, "writing output state");
    }
    sqlite3_finalize(q);
    return st;
}

cf_status cf_store_check(cf_store *s, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;
    const char *r;

    if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &q, NULL) != SQLITE_OK) {
        return store_fail(s, err, "checking the store");
    }
    if (sqlite3_step(q) != SQLITE_ROW) {
        st = store_fail(s, err, "checking the store");
    } else {
        r = (const char *)sqlite3_column_text(q, 0);
        if (!r || strcmp(r, "ok")) {
            st = cf_error_set(err, CF_EIO, "store", 0, "integrity check: %s", r ? r : "?");
        }
    }
    sqlite3_finalize(q);
    return st;
}
