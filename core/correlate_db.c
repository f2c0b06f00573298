/*
 * The correlation database: every IOC's sightings with their events,
 * records and actor names, and the bit-level keys that make containment
 * and domain questions index probes (correlate.h).
 *
 * DESIGN
 * A SQLite file of its own (WAL, synchronous=OFF: derived data, rebuilt by
 * ingesting the feeds again), written one feed at a time by cf_corr_ingest in
 * one transaction with prepared statements, CORR_BATCH IOCs at a time in
 * the set's order: one lookup of the batch's values per type (an IOC
 * already recorded gets its first/last times updated by id only when they
 * move), one multi-row insert of the new IOCs with the ids SQLite would
 * give them, multi-row upserts of the sightings per
 * (IOC, feed, event, record ref), and the keys: for a network its number
 * (host bits cleared) under (family, prefix), with a count per prefix
 * length in net_lengths; for an address its bytes; for a host its labels
 * reversed ("com.example.www."), so the names under a domain form one
 * index range. An address key is the bytes of an address, of a URL's
 * address host or of an endpoint's address, so the IOCs on one address are
 * one index probe. A feed larger than the database (a first load) drops the
 * secondary indexes and builds them again before its commit: one sort
 * instead of a random index insert per row. PRAGMA user_version records
 * which keys the file holds (CORR_VERSION); opening an older file adds the
 * keys it lacks (version 1: the endpoints' address keys).
 *
 * A lookup asks, for an address, one probe per prefix length that is
 * listed (the "sorted prefix arrays per length" idea, held in a B-tree);
 * for a host, one probe per label boundary; for a network, a range over
 * address bytes; for a domain, a range over reversed hosts; for an address
 * its endpoints, and for an endpoint its address, one probe of the address
 * key. A lookup's statements run in one read transaction. Attribution
 * through links follows the factors of correlate.h; each actor keeps its
 * best path.
 */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "ctiflow/buf.h"
#include "ctiflow/correlate.h"
#include "ctiflow/limits.h"
#include "ctiflow/normalize.h"
#include "ctiflow/store.h"

static const char CORR_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS iocs (id INTEGER PRIMARY KEY, type INTEGER NOT NULL,"
    " value TEXT NOT NULL, hash_type INTEGER NOT NULL DEFAULT 0,"
    " port INTEGER NOT NULL DEFAULT -1, first_seen INTEGER, last_seen INTEGER,"
    " UNIQUE (type, value));"
    "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, feed TEXT NOT NULL,"
    " key TEXT NOT NULL, info TEXT, UNIQUE (feed, key));"
    "CREATE TABLE IF NOT EXISTS sightings (ioc_id INTEGER NOT NULL, feed TEXT NOT NULL,"
    " event_id INTEGER NOT NULL DEFAULT 0, ref TEXT NOT NULL DEFAULT '',"
    " actors TEXT NOT NULL DEFAULT '', first INTEGER, last INTEGER,"
    " PRIMARY KEY (ioc_id, feed, event_id, ref)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS sightings_event ON sightings (event_id) WHERE event_id != 0;"
    "CREATE INDEX IF NOT EXISTS sightings_ref ON sightings (feed, ref) WHERE ref != '';"
    "CREATE TABLE IF NOT EXISTS nets (ioc_id INTEGER PRIMARY KEY, family INTEGER NOT NULL,"
    " prefix INTEGER NOT NULL, net BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS nets_key ON nets (family, prefix, net);"
    "CREATE TABLE IF NOT EXISTS net_lengths (family INTEGER NOT NULL, prefix INTEGER NOT NULL,"
    " PRIMARY KEY (family, prefix)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS addrs (ioc_id INTEGER PRIMARY KEY, family INTEGER NOT NULL,"
    " addr BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS addrs_key ON addrs (family, addr);"
    "CREATE TABLE IF NOT EXISTS hosts (ioc_id INTEGER PRIMARY KEY, rhost TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS hosts_key ON hosts (rhost);";

/*
 * Derived data, rebuilt by ingesting the feeds again: WAL without fsync
 * (synchronous=OFF) survives a crash of the program, not always one of the
 * machine. A large page cache keeps the key indexes in memory during a load.
 */
static const char CORR_PRAGMAS[] =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -131072;"
    " PRAGMA temp_store = MEMORY;";

/* The secondary indexes a bulk load drops and builds again once loaded. */
static const char CORR_DROP_INDEXES[] =
    "DROP INDEX IF EXISTS sightings_event; DROP INDEX IF EXISTS sightings_ref;"
    " DROP INDEX IF EXISTS nets_key; DROP INDEX IF EXISTS addrs_key;"
    " DROP INDEX IF EXISTS hosts_key;";

/*
 * The keys a file holds, in PRAGMA user_version: 0 before endpoints had
 * address keys, 1 since.
 */
#define CORR_VERSION 1

/* A feed set at least this large, and larger than the database, is a bulk load. */
#define CORR_BULK_MIN 20000

enum {
    Q_TOUCH_IOC,
    Q_EVENT_INSERT,
    Q_EVENT_ID,
    Q_NET,
    Q_NET_LENGTH,
    Q_FIND,
    Q_SOURCES,
    Q_LENGTHS,
    Q_NET_PROBE,
    Q_ACTORS_OF,
    Q_PARTNERS,
    Q_EVENT_ACTORS,
    Q_ADDR_RANGE,
    Q_HOST_RANGE,
    Q_ADDR_PROBE,
    Q_FEEDS_OF,
    Q_BEGIN,
    Q_COMMIT,
    Q_COUNT
};

static const char *const corr_sql[Q_COUNT] = {
    /* an IOC already recorded: its times move by id (no upsert RETURNING its id) */
    [Q_TOUCH_IOC] = "UPDATE iocs SET first_seen = ?2, last_seen = ?3 WHERE id = ?1",
    [Q_EVENT_INSERT] = "INSERT OR IGNORE INTO events (feed, key, info) VALUES (?1, ?2, ?3)",
    [Q_EVENT_ID] = "SELECT id FROM events WHERE feed = ?1 AND key = ?2",
    [Q_NET] = "INSERT OR IGNORE INTO nets (ioc_id, family, prefix, net) VALUES (?1, ?2, ?3, ?4)",
    [Q_NET_LENGTH] = "INSERT OR IGNORE INTO net_lengths (family, prefix) VALUES (?1, ?2)",
    [Q_FIND] = "SELECT id, first_seen, last_seen FROM iocs WHERE type = ?1 AND value = ?2",
    [Q_SOURCES] = "SELECT s.feed, coalesce(e.info, e.key), s.actors, s.first, s.last"
                  " FROM sightings s LEFT JOIN events e ON e.id = s.event_id"
                  " WHERE s.ioc_id = ?1 ORDER BY s.feed, e.key, s.ref",
    [Q_LENGTHS] = "SELECT prefix FROM net_lengths WHERE family = ?1 AND prefix <= ?2"
                  " ORDER BY prefix",
    [Q_NET_PROBE] = "SELECT n.ioc_id, i.value FROM nets n JOIN iocs i ON i.id = n.ioc_id"
                    " WHERE n.family = ?1 AND n.prefix = ?2 AND n.net = ?3",
    [Q_ACTORS_OF] = "SELECT DISTINCT feed, actors FROM sightings WHERE ioc_id = ?1"
                    " AND actors != '' ORDER BY feed",
    [Q_PARTNERS] = "SELECT DISTINCT p.ioc_id, p.feed FROM sightings s JOIN sightings p"
                   " ON p.feed = s.feed AND p.ref = s.ref AND p.ref != ''"
                   " WHERE s.ioc_id = ?1 AND s.ref != '' AND p.ioc_id != ?1"
                   " ORDER BY p.ioc_id LIMIT 1000",
    [Q_EVENT_ACTORS] =
        "SELECT DISTINCT coalesce(e.info, e.key), i.type, i.value, o.feed, o.actors"
        " FROM sightings s JOIN sightings m ON m.event_id = s.event_id AND m.event_id != 0"
        " JOIN sightings o ON o.ioc_id = m.ioc_id AND o.actors != ''"
        " JOIN iocs i ON i.id = m.ioc_id JOIN events e ON e.id = s.event_id"
        " WHERE s.ioc_id = ?1 AND s.event_id != 0 AND m.ioc_id != ?1"
        " ORDER BY i.type, i.value, o.feed LIMIT 1000",
    [Q_ADDR_RANGE] = "SELECT a.ioc_id, i.type, i.value FROM addrs a JOIN iocs i ON i.id ="
                     " a.ioc_id WHERE a.family = ?1 AND a.addr BETWEEN ?2 AND ?3"
                     " ORDER BY a.addr LIMIT ?4",
    [Q_HOST_RANGE] = "SELECT h.ioc_id, i.type, i.value FROM hosts h JOIN iocs i ON i.id ="
                     " h.ioc_id WHERE h.rhost >= ?1 AND h.rhost < ?2 AND h.ioc_id != ?3"
                     " ORDER BY h.rhost, i.type, i.value LIMIT ?4",
    /* the IOCs of one type on one address (CROSS JOIN: the address key first; no sorter) */
    [Q_ADDR_PROBE] = "SELECT a.ioc_id, i.port, i.value FROM addrs a CROSS JOIN iocs i"
                     " ON i.id = a.ioc_id WHERE a.family = ?1 AND a.addr = ?2 AND i.type = ?3",
    [Q_FEEDS_OF] = "SELECT DISTINCT feed FROM sightings WHERE ioc_id = ?1 ORDER BY feed",
    /* a lookup's statements read one snapshot, in one read transaction */
    [Q_BEGIN] = "BEGIN",
    [Q_COMMIT] = "COMMIT",
};

#define CORR_BATCH 64
#define CORR_BATCH_SIZES 7

struct cf_corr {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    sqlite3_stmt *find;                    /* the stored rows of a batch's values of a type */
    sqlite3_stmt *ins[CORR_BATCH_SIZES];   /* new IOCs, 2^k rows with explicit ids */
    sqlite3_stmt *sight[CORR_BATCH_SIZES]; /* sightings upserted, 2^k rows */
    sqlite3_stmt *addr[CORR_BATCH_SIZES];  /* address keys, 2^k rows */
    sqlite3_stmt *host[CORR_BATCH_SIZES];  /* host keys, 2^k rows */
};

/* "prefix (?1, .., ?cols), (..) .. suffix": a multi-row statement of rows rows. */
static cf_status corr_rows_sql(cf_buf *sql, const char *prefix, size_t cols, size_t rows,
                               const char *suffix)
{
    cf_status st = cf_buf_puts(sql, prefix);

    for (size_t r = 0; st == CF_OK && r < rows; r++) {
        st = cf_buf_puts(sql, r ? ", (" : " (");
        for (size_t k = 1; st == CF_OK && k <= cols; k++) {
            st = cf_buf_printf(sql, "%s?%zu", k > 1 ? ", " : "", r * cols + k);
        }
        if (st == CF_OK) {
            st = cf_buf_putc(sql, ')');
        }
    }
    return st == CF_OK ? cf_buf_puts(sql, suffix) : st;
}

/* Prepare sql (freed) into *q; false on failure. */
static bool corr_prepare(cf_corr *c, cf_buf *sql, sqlite3_stmt **q)
{
    bool ok = sqlite3_prepare_v3(c->db, cf_buf_str(sql), -1, SQLITE_PREPARE_PERSISTENT, q, NULL) ==
              SQLITE_OK;
    cf_buf_reset(sql);
    return ok;
}

static void corr_finalize_batch(cf_corr *c)
{
    sqlite3_finalize(c->find);
    c->find = NULL;
    for (int k = 0; k < CORR_BATCH_SIZES; k++) {
        sqlite3_finalize(c->ins[k]);
        sqlite3_finalize(c->sight[k]);
        sqlite3_finalize(c->addr[k]);
        sqlite3_finalize(c->host[k]);
        c->ins[k] = c->sight[k] = c->addr[k] = c->host[k] = NULL;
    }
}

/*
 * The batched lookup and the multi-row statements of every size, prepared
 * by the first ingest (a run where nothing changed has none).
 */
static bool corr_prepare_batch(cf_corr *c)
{
    cf_buf sql = CF_BUF_INIT;
    bool ok;

    if (c->find) {
        return true;
    }
    ok = cf_buf_puts(&sql, "SELECT id, first_seen, last_seen, value FROM iocs"
                           " WHERE type = ?1 AND value IN (") == CF_OK;

    for (size_t i = 0; ok && i < CORR_BATCH; i++) {
        ok = cf_buf_printf(&sql, "%s?%zu", i ? ", " : "", i + 2) == CF_OK;
    }
    ok = ok && cf_buf_putc(&sql, ')') == CF_OK && corr_prepare(c, &sql, &c->find);
    /* a sighting recorded again is written back only when its actors or times move */
    for (int k = 0; ok && k < CORR_BATCH_SIZES; k++) {
        size_t rows = (size_t)1 << k;
        ok = corr_rows_sql(&sql,
                           "INSERT INTO iocs (id, type, value, hash_type, port,"
                           " first_seen, last_seen) VALUES",
                           7, rows, "") == CF_OK &&
             corr_prepare(c, &sql, &c->ins[k]) &&
             corr_rows_sql(&sql,
                           "INSERT INTO sightings (ioc_id, feed, event_id, ref, actors,"
                           " first, last) VALUES",
                           7, rows,
                           " ON CONFLICT DO UPDATE SET actors = excluded.actors,"
                           " first = min(first, excluded.first),"
                           " last = max(last, excluded.last)"
                           " WHERE actors != excluded.actors OR first > excluded.first"
                           " OR last < excluded.last") == CF_OK &&
             corr_prepare(c, &sql, &c->sight[k]) &&
             corr_rows_sql(&sql, "INSERT OR IGNORE INTO addrs (ioc_id, family, addr) VALUES", 3,
                           rows, "") == CF_OK &&
             corr_prepare(c, &sql, &c->addr[k]) &&
             corr_rows_sql(&sql, "INSERT OR IGNORE INTO hosts (ioc_id, rhost) VALUES", 2, rows,
                           "") == CF_OK &&
             corr_prepare(c, &sql, &c->host[k]);
    }
    if (!ok) {
        corr_finalize_batch(c);
    }
    cf_buf_free(&sql);
    return ok;
}

static cf_status corr_db_error(cf_corr *c, cf_error *err, const char *what)
{
    return cf_error_set(err, CF_EIO, "correlation", 0, "%s: %s", what, sqlite3_errmsg(c->db));
}

/*
 * The address of a canonical endpoint ("a.b.c.d:port", "[v6]:port"): the
 * text before the last colon, without brackets, parsed into fam and a.
 */
static bool corr_endpoint_addr(const char *value, int *fam, unsigned char a[16])
{
    const char *colon = strrchr(value, ':');
    const char *s = value[0] == '[' ? value + 1 : value;
    size_t len = colon && colon > s ? (size_t)(colon - s) : 0;

    if (len > 0 && s[len - 1] == ']') {
        len--;
    }
    return len > 0 && cf_parse_ip(s, len, fam, a);
}

/*
 * Bring a file written by an older version up to CORR_VERSION: the address
 * key of every recorded endpoint (version 1), in one transaction. A file
 * opened read-only is left as it is (its endpoints stay without keys).
 */
static cf_status corr_migrate(cf_corr *c, const char *path, cf_error *err)
{
    sqlite3_stmt *q = NULL, *ins = NULL;
    cf_status st = CF_OK;
    int version = 0, rc = SQLITE_DONE;
    char pragma[64];

    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot read the correlation version: %s",
                          sqlite3_errmsg(c->db));
        goto out;
    }
    version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (version >= CORR_VERSION || sqlite3_db_readonly(c->db, "main") == 1) {
        goto out;
    }

    if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db, "SELECT id, value FROM iocs WHERE type = ?1", -1, &q,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO addrs (ioc_id, family, addr)"
                                  " VALUES (?1, ?2, ?3)",
                           -1, &ins, NULL) != SQLITE_OK) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot update the correlation keys: %s",
                          sqlite3_errmsg(c->db));
        goto out;
    }
    sqlite3_bind_int(q, 1, CF_IOC_ENDPOINT);
    while (st == CF_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(q, 1);
        int fam;
        unsigned char a[16];
        if (!v || !corr_endpoint_addr((const char *)v, &fam, a)) {
            continue;
        }
        sqlite3_bind_int64(ins, 1, sqlite3_column_int64(q, 0));
        sqlite3_bind_int(ins, 2, fam);
        sqlite3_bind_blob(ins, 3, a, fam == 4 ? 4 : 16, SQLITE_TRANSIENT);
        rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc != SQLITE_DONE) {
            st = CF_EIO;
        }
    }
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", CORR_VERSION);
    if (st != CF_OK || rc != SQLITE_DONE ||
        sqlite3_exec(c->db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot update the correlation keys: %s",
                          sqlite3_errmsg(c->db));
    }
out:
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    if (st != CF_OK && !sqlite3_get_autocommit(c->db)) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return st;
}

cf_status cf_corr_open(cf_corr **out, const char *path, cf_error *err)
{
    cf_corr *c = calloc(1, sizeof *c);
    cf_status st = CF_OK;

    *out = NULL;
    if (!c) {
        return cf_error_set(err, CF_ENOMEM, path, 0, "out of memory");
    }
    /* one thread at a time uses a cf_corr: no SQLite mutexes */
    cf_store_sqlite_init();
    if (sqlite3_open_v2(path, &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot open the correlation database: %s",
                          c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(c->db, 10000);
    if (sqlite3_exec(c->db, CORR_PRAGMAS, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, CORR_SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot create the correlation tables: %s",
                          sqlite3_errmsg(c->db));
        goto out;
    }
    st = corr_migrate(c, path, err);
    if (st != CF_OK) {
        goto out;
    }
    for (int i = 0; i < Q_COUNT; i++) {
        if (sqlite3_prepare_v3(c->db, corr_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->q[i],
                               NULL) != SQLITE_OK) {
            st = cf_error_set(err, CF_EIO, path, 0, "cannot prepare query %d: %s", i,
                              sqlite3_errmsg(c->db));
            goto out;
        }
    }
    *out = c;
    c = NULL;
out:
    cf_corr_close(c);
    return st;
}

void cf_corr_close(cf_corr *c)
{
    if (!c) {
        return;
    }
    for (int i = 0; i < Q_COUNT; i++) {
        sqlite3_finalize(c->q[i]);
    }
    corr_finalize_batch(c);
    sqlite3_close(c->db);
    free(c);
}

/* Step a statement that returns no rows we need, then reset it. */
static bool corr_run(sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

static void corr_bind_time(sqlite3_stmt *q, int i, cf_time t)
{
    if (t == CF_TIME_NONE) {
        sqlite3_bind_null(q, i);
    } else {
        sqlite3_bind_int64(q, i, t);
    }
}

static cf_time corr_col_time(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? CF_TIME_NONE : sqlite3_column_int64(q, i);
}

static const char *corr_col_text(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? (const char *)t : "";
}

/* Reversed labels with a final dot: "www.example.com" gives "com.example.www.". */
static cf_status corr_rhost(cf_buf *out, const char *host)
{
    size_t n = strlen(host);
    cf_status st = CF_OK;

    cf_buf_reset(out);
    while (n > 0 && st == CF_OK) {
        size_t start = n;
        while (start > 0 && host[start - 1] != '.') {
            start--;
        }
        st = cf_buf_append(out, host + start, n - start);
        if (st == CF_OK) {
            st = cf_buf_putc(out, '.');
        }
        n = start > 0 ? start - 1 : 0;
    }
    return st;
}

/* The event row id of ev for feed (inserted when new); 0 for no event. */
static int64_t corr_event_id(cf_corr *c, const char *feed, const cf_event *ev)
{
    const char *key = ev ? (ev->uuid ? ev->uuid : ev->info) : NULL;
    int64_t id = 0;

    if (!key) {
        return 0;
    }
    sqlite3_stmt *q = c->q[Q_EVENT_INSERT];
    sqlite3_bind_text(q, 1, feed, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, ev->info, -1, SQLITE_STATIC);
    corr_run(q);
    q = c->q[Q_EVENT_ID];
    sqlite3_bind_text(q, 1, feed, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        id = sqlite3_column_int64(q, 0);
    }
    sqlite3_reset(q);
    return id;
}

/* Event ids of a set, looked up by pointer (events are few; sorted pairs). */
typedef struct corr_evmap {
    const cf_event *ev;
    int64_t id;
} corr_evmap;

static int corr_evmap_cmp(const void *a, const void *b)
{
    const corr_evmap *x = a, *y = b;
    return (x->ev > y->ev) - (x->ev < y->ev);
}

static int64_t corr_evmap_find(const corr_evmap *m, size_t n, const cf_event *ev)
{
    corr_evmap key = {ev, 0};
    const corr_evmap *hit = ev ? bsearch(&key, m, n, sizeof *m, corr_evmap_cmp) : NULL;
    return hit ? hit->id : 0;
}

/*
 * A feed's IOCs are recorded a batch at a time, in the set's order: their
 * stored rows looked up with one statement per type, the new ones inserted
 * with the ids SQLite would have given them (the next ones, in set order),
 * their sightings and address and host keys written with multi-row
 * statements (one per power of two up to CORR_BATCH rows), as each
 * statement costs more than the rows it writes.
 */
enum { CORR_KEY_NONE, CORR_KEY_NET, CORR_KEY_ADDR, CORR_KEY_HOST };

typedef struct corr_item {
    const cf_ioc *ioc;
    cf_time first, last;
    bool found;
    bool moved; /* found, and its first or last time moves */
    int64_t id;
    cf_buf actors; /* the actor names this feed gave, sorted, '\n'-separated */
    int key;       /* CORR_KEY_* */
    int fam, prefix;
    unsigned char a[16];
    cf_buf rhost;
} corr_item;

/* A sighting row of the batch: item, and its sighting (-1: the IOC has none). */
typedef struct corr_srow {
    corr_item *it;
    int64_t k;
} corr_srow;

typedef struct corr_batch {
    corr_item items[CORR_BATCH];
    size_t n;
    corr_item *by_key[CORR_BATCH]; /* the items in (type, value) order */
    const char *feed;
    const corr_evmap *evm;
    size_t n_ev;
    cf_time now;
} corr_batch;

static void corr_batch_free(corr_batch *b)
{
    for (size_t i = 0; i < CORR_BATCH; i++) {
        cf_buf_free(&b->items[i].actors);
        cf_buf_free(&b->items[i].rhost);
    }
}

static int corr_item_cmp(const void *x, const void *y)
{
    const corr_item *a = *(corr_item *const *)x, *b = *(corr_item *const *)y;

    if (a->ioc->type != b->ioc->type) {
        return a->ioc->type < b->ioc->type ? -1 : 1;
    }
    return strcmp(a->ioc->value, b->ioc->value);
}

/* The item of by_key[lo..hi) (one type, value order) whose value is value, or NULL. */
static corr_item *corr_batch_find(corr_item *const *by_key, size_t lo, size_t hi, const char *value)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(by_key[mid]->ioc->value, value);
        if (c == 0) {
            return by_key[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

/* The stored rows of by_key[lo..hi), IOCs of one type: found, id and times moved. */
static bool corr_lookup_type(cf_corr *c, corr_batch *b, size_t lo, size_t hi)
{
    sqlite3_stmt *q = c->find;
    int rc;

    sqlite3_reset(q);
    sqlite3_bind_int(q, 1, b->by_key[lo]->ioc->type);
    for (size_t i = 0; i < CORR_BATCH; i++) {
        if (lo + i < hi) {
            sqlite3_bind_text(q, (int)i + 2, b->by_key[lo + i]->ioc->value, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(q, (int)i + 2);
        }
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        corr_item *it = corr_batch_find(b->by_key, lo, hi, corr_col_text(q, 3));
        if (!it) {
            continue;
        }
        it->found = true;
        it->id = sqlite3_column_int64(q, 0);
        /* first_seen earliest, last_seen latest: kept in first and last to write back */
        cf_time ofirst = corr_col_time(q, 1), olast = corr_col_time(q, 2);
        it->moved = false;
        if (ofirst == CF_TIME_NONE || it->first < ofirst) {
            it->moved = true;
        } else {
            it->first = ofirst;
        }
        if (olast == CF_TIME_NONE || it->last > olast) {
            it->moved = true;
        } else {
            it->last = olast;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE;
}

/* Write back the times of the items found whose times moved. */
static bool corr_touch_found(cf_corr *c, corr_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        corr_item *it = &b->items[i];
        if (!it->found || !it->moved) {
            continue;
        }
        sqlite3_stmt *q = c->q[Q_TOUCH_IOC];
        sqlite3_bind_int64(q, 1, it->id);
        corr_bind_time(q, 2, it->first);
        corr_bind_time(q, 3, it->last);
        if (!corr_run(q)) {
            return false;
        }
    }
    return true;
}

/* The sorted actor names of the item's sightings, with the feed's actor. */
static cf_status corr_item_actors(corr_item *it, const char *feed_actor)
{
    const cf_ioc *ioc = it->ioc;
    const char *sorted[CF_MAX_LABELS_PER_IOC];
    size_t na = ioc->n_actors < CF_MAX_LABELS_PER_IOC ? ioc->n_actors : CF_MAX_LABELS_PER_IOC;
    bool have_feed_actor = feed_actor == NULL || feed_actor[0] == '\0';
    cf_status st = CF_OK;

    cf_buf_reset(&it->actors);
    for (size_t i = 0; i < na; i++) {
        size_t j = i;
        while (j > 0 && strcmp(sorted[j - 1], ioc->actors[i]) > 0) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = ioc->actors[i];
    }
    for (size_t i = 0; st == CF_OK && i < na; i++) {
        st = cf_buf_printf(&it->actors, "%s%s", i ? "\n" : "", sorted[i]);
        have_feed_actor = have_feed_actor || strcmp(sorted[i], feed_actor) == 0;
    }
    if (st == CF_OK && !have_feed_actor) {
        st = cf_buf_printf(&it->actors, "%s%s", na ? "\n" : "", feed_actor);
    }
    if (st == CF_OK) {
        st = cf_buf_reserve(&it->actors, 1);
    }
    if (st == CF_OK) {
        it->actors.data[it->actors.len] = '\0';
    }
    return st;
}

/*
 * Which key the IOC gets (a network; an address, a URL's address host or an
 * endpoint's address; a host) and its bytes.
 */
static cf_status corr_item_key(corr_item *it)
{
    const cf_ioc *ioc = it->ioc;
    const char *v = ioc->value;
    char host[CF_MAX_DOMAIN_BYTES + 64];
    bool is_ip;

    it->key = CORR_KEY_NONE;
    if (ioc->type == CF_IOC_CIDR && cf_parse_cidr(v, strlen(v), &it->fam, it->a, &it->prefix)) {
        it->key = CORR_KEY_NET;
        return CF_OK;
    }
    if (ioc->type == CF_IOC_ENDPOINT) {
        it->key = corr_endpoint_addr(v, &it->fam, it->a) ? CORR_KEY_ADDR : CORR_KEY_NONE;
        return CF_OK;
    }
    bool have_host = cf_corr_host(host, sizeof host, ioc->type, v, &is_ip);
    const char *ip = ioc->type == CF_IOC_IP ? v : (have_host && is_ip ? host : NULL);
    if (ip && cf_parse_ip(ip, strlen(ip), &it->fam, it->a)) {
        it->key = CORR_KEY_ADDR;
        return CF_OK;
    }
    if (have_host && !is_ip) {
        if (corr_rhost(&it->rhost, host) != CF_OK || cf_buf_reserve(&it->rhost, 1) != CF_OK) {
            return CF_ENOMEM;
        }
        it->rhost.data[it->rhost.len] = '\0';
        it->key = CORR_KEY_HOST;
    }
    return CF_OK;
}

/* Add ioc to the batch with its times, actor names and key. */
static cf_status corr_batch_add(corr_batch *b, const cf_ioc *ioc, const char *feed_actor,
                                cf_time now)
{
    corr_item *it = &b->items[b->n];
    cf_status st;

    it->ioc = ioc;
    it->first = ioc->first_seen != CF_TIME_NONE ? ioc->first_seen : now;
    it->last = ioc->last_seen != CF_TIME_NONE ? ioc->last_seen : now;
    it->found = it->moved = false;
    it->id = 0;
    st = corr_item_actors(it, feed_actor);
    if (st == CF_OK) {
        st = corr_item_key(it);
    }
    if (st == CF_OK) {
        b->by_key[b->n] = it;
        b->n++;
    }
    return st;
}

/* Binds row r of a multi-row statement from rows[i]. */
typedef void (*corr_bind_fn)(sqlite3_stmt *q, int r, const corr_batch *b, const void *row);

static void corr_bind_ioc(sqlite3_stmt *q, int r, const corr_batch *b, const void *row)
{
    const corr_item *it = *(corr_item *const *)row;
    int p = r * 7;

    (void)b;
    sqlite3_bind_int64(q, p + 1, it->id);
    sqlite3_bind_int(q, p + 2, it->ioc->type);
    sqlite3_bind_text(q, p + 3, it->ioc->value, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, p + 4, it->ioc->hash_type);
    sqlite3_bind_int(q, p + 5, it->ioc->port);
    corr_bind_time(q, p + 6, it->first);
    corr_bind_time(q, p + 7, it->last);
}

static void corr_bind_sighting(sqlite3_stmt *q, int r, const corr_batch *b, const void *row)
{
    const corr_srow *sr = row;
    const corr_item *it = sr->it;
    const cf_sighting *s = sr->k >= 0 ? &it->ioc->sightings[sr->k] : NULL;
    cf_time last = it->ioc->last_seen != CF_TIME_NONE ? it->ioc->last_seen : b->now;
    cf_time first = it->ioc->first_seen != CF_TIME_NONE ? it->ioc->first_seen : b->now;
    cf_time t = s && s->time != CF_TIME_NONE ? s->time : last;
    int p = r * 7;

    sqlite3_bind_int64(q, p + 1, it->id);
    sqlite3_bind_text(q, p + 2, b->feed, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, p + 3, s ? corr_evmap_find(b->evm, b->n_ev, s->event) : 0);
    sqlite3_bind_text(q, p + 4, s && s->ref ? s->ref : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, p + 5, cf_buf_str(&it->actors), (int)it->actors.len, SQLITE_STATIC);
    sqlite3_bind_int64(q, p + 6, s && s->time != CF_TIME_NONE ? t : first);
    sqlite3_bind_int64(q, p + 7, t);
}

static void corr_bind_addr(sqlite3_stmt *q, int r, const corr_batch *b, const void *row)
{
    const corr_item *it = *(corr_item *const *)row;
    int p = r * 3;

    (void)b;
    sqlite3_bind_int64(q, p + 1, it->id);
    sqlite3_bind_int(q, p + 2, it->fam);
    sqlite3_bind_blob(q, p + 3, it->a, it->fam == 4 ? 4 : 16, SQLITE_STATIC);
}

static void corr_bind_host(sqlite3_stmt *q, int r, const corr_batch *b, const void *row)
{
    const corr_item *it = *(corr_item *const *)row;
    int p = r * 2;

    (void)b;
    sqlite3_bind_int64(q, p + 1, it->id);
    sqlite3_bind_text(q, p + 2, cf_buf_str(&it->rhost), (int)it->rhost.len, SQLITE_STATIC);
}

/* Write n rows (elements of size elem) with the multi-row statements stmts, largest first. */
static bool corr_write_rows(sqlite3_stmt *const *stmts, const corr_batch *b, const void *rows,
                            size_t elem, size_t n, corr_bind_fn bind)
{
    size_t done = 0;

    for (int k = CORR_BATCH_SIZES - 1; k >= 0; k--) {
        size_t size = (size_t)1 << k;
        while (n - done >= size) {
            sqlite3_stmt *q = stmts[k];
            for (size_t r = 0; r < size; r++) {
                bind(q, (int)r, b, (const char *)rows + (done + r) * elem);
            }
            if (!corr_run(q)) {
                return false;
            }
            done += size;
        }
    }
    return true;
}

/* A network's key, one row at a time (networks are few). */
static bool corr_write_net(cf_corr *c, const corr_item *it)
{
    sqlite3_stmt *q = c->q[Q_NET];

    sqlite3_bind_int64(q, 1, it->id);
    sqlite3_bind_int(q, 2, it->fam);
    sqlite3_bind_int(q, 3, it->prefix);
    sqlite3_bind_blob(q, 4, it->a, it->fam == 4 ? 4 : 16, SQLITE_STATIC);
    if (!corr_run(q)) {
        return false;
    }
    q = c->q[Q_NET_LENGTH];
    sqlite3_bind_int(q, 1, it->fam);
    sqlite3_bind_int(q, 2, it->prefix);
    return corr_run(q);
}

/* Record the batch: look up, insert the new IOCs, then sightings and keys. */
static bool corr_ingest_batch(cf_corr *c, corr_batch *b, int64_t *next_id)
{
    corr_item *fresh[CORR_BATCH], *addrs[CORR_BATCH], *hosts[CORR_BATCH];
    size_t n_fresh = 0, n_addrs = 0, n_hosts = 0;
    corr_srow srows[CORR_BATCH];
    size_t n_srows = 0;

    /* stored rows, one lookup per type */
    cf_sort(b->by_key, b->n, sizeof(*b->by_key), corr_item_cmp);
    for (size_t lo = 0, hi; lo < b->n; lo = hi) {
        for (hi = lo + 1; hi < b->n && b->by_key[hi]->ioc->type == b->by_key[lo]->ioc->type; hi++) {
        }
        if (!corr_lookup_type(c, b, lo, hi)) {
            return false;
        }
    }
    if (!corr_touch_found(c, b)) {
        return false;
    }
    for (size_t i = 0; i < b->n; i++) {
        corr_item *it = &b->items[i];
        if (!it->found) {
            it->id = (*next_id)++;
            fresh[n_fresh++] = it;
        }
    }
    if (!corr_write_rows(c->ins, b, fresh, sizeof(*fresh), n_fresh, corr_bind_ioc)) {
        return false;
    }

    /* sightings, in chunks of CORR_BATCH rows */
    for (size_t i = 0; i < b->n; i++) {
        corr_item *it = &b->items[i];
        for (uint32_t k = 0; k < it->ioc->n_sightings || k == 0; k++) {
            srows[n_srows].it = it;
            srows[n_srows].k = it->ioc->n_sightings ? (int64_t)k : -1;
            n_srows++;
            if (n_srows == CORR_BATCH) {
                if (!corr_write_rows(c->sight, b, srows, sizeof(*srows), n_srows,
                                     corr_bind_sighting)) {
                    return false;
                }
                n_srows = 0;
            }
        }
    }
    if (!corr_write_rows(c->sight, b, srows, sizeof(*srows), n_srows, corr_bind_sighting)) {
        return false;
    }

    /* keys */
    for (size_t i = 0; i < b->n; i++) {
        corr_item *it = &b->items[i];
        if (it->key == CORR_KEY_NET && !corr_write_net(c, it)) {
            return false;
        }
        if (it->key == CORR_KEY_ADDR) {
            addrs[n_addrs++] = it;
        } else if (it->key == CORR_KEY_HOST) {
            hosts[n_hosts++] = it;
        }
    }
    return corr_write_rows(c->addr, b, addrs, sizeof(*addrs), n_addrs, corr_bind_addr) &&
           corr_write_rows(c->host, b, hosts, sizeof(*hosts), n_hosts, corr_bind_host);
}

/*
 * True when n IOCs are a bulk load: many, and more than the database holds
 * (the largest IOC id bounds its size). Maintaining the secondary indexes
 * row by row then costs more than building them once at the end.
 */
static bool corr_is_bulk(size_t n, int64_t have)
{
    return n >= CORR_BULK_MIN && (int64_t)n > have;
}

/* The largest IOC id, 0 when none (new IOCs take the ids after it); -1 on an error. */
static int64_t corr_max_id(cf_corr *c)
{
    sqlite3_stmt *q = NULL;
    int64_t have = -1;

    if (sqlite3_prepare_v2(c->db, "SELECT coalesce(max(id), 0) FROM iocs", -1, &q, NULL) ==
            SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
        have = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return have;
}

cf_status cf_corr_ingest(cf_corr *c, const char *feed, const char *feed_actor,
                         const cf_iocset *set, cf_time now, cf_error *err)
{
    return cf_corr_ingest_gated(c, feed, feed_actor, set, now, NULL, NULL, err);
}

cf_status cf_corr_ingest_gated(cf_corr *c, const char *feed, const char *feed_actor,
                               const cf_iocset *set, cf_time now, cf_corr_gate_fn gate,
                               void *gate_ctx, cf_error *err)
{
    size_t n_ev = cf_iocset_event_count(set);
    corr_evmap *evm = calloc(n_ev + 1, sizeof *evm);
    corr_batch *b = calloc(1, sizeof *b);
    cf_status st = CF_OK;
    int64_t have, next_id;
    bool bulk;

    if (!evm || !b) {
        free(evm);
        free(b);
        return cf_error_set(err, CF_ENOMEM, feed, 0, "out of memory");
    }
    if (!corr_prepare_batch(c)) {
        st = corr_db_error(c, err, "cannot prepare the batch statements");
        goto out;
    }
    if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        st = corr_db_error(c, err, "cannot begin a transaction");
        goto out;
    }
    have = corr_max_id(c);
    if (have < 0) {
        st = corr_db_error(c, err, "cannot read the IOC ids");
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    next_id = have + 1;
    bulk = corr_is_bulk(cf_iocset_count(set), have);
    if (bulk && sqlite3_exec(c->db, CORR_DROP_INDEXES, NULL, NULL, NULL) != SQLITE_OK) {
        st = corr_db_error(c, err, "cannot prepare a bulk load");
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    for (size_t i = 0; i < n_ev; i++) {
        evm[i].ev = cf_iocset_event_at(set, i);
        evm[i].id = corr_event_id(c, feed, evm[i].ev);
    }
    cf_sort(evm, n_ev, sizeof *evm, corr_evmap_cmp);
    b->feed = feed;
    b->evm = evm;
    b->n_ev = n_ev;
    b->now = now;
    for (size_t i = 0, n = cf_iocset_count(set); i < n; i++) {
        if (corr_batch_add(b, cf_iocset_at(set, i), feed_actor, now) != CF_OK) {
            st = cf_error_set(err, CF_ENOMEM, feed, 0, "out of memory");
        } else if ((b->n == CORR_BATCH || i + 1 == n) && !corr_ingest_batch(c, b, &next_id)) {
            st = corr_db_error(c, err, "cannot record an IOC");
        }
        if (st != CF_OK) {
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            goto out;
        }
        if (b->n == CORR_BATCH) {
            b->n = 0;
        }
    }
    /* a bulk load builds the dropped indexes again in the same transaction */
    if (bulk && sqlite3_exec(c->db, CORR_SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
        st = corr_db_error(c, err, "cannot build the indexes");
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    } else if (gate && !gate(gate_ctx)) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    } else if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        st = corr_db_error(c, err, "cannot commit");
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
out:
    free(evm);
    corr_batch_free(b);
    free(b);
    return st;
}

/*
 * What cf_corr_drop_feed runs, in order, ?1 the feed: the IOCs it sighted
 * are noted, its sightings and events deleted, and the noted IOCs no other
 * feed sighted deleted with their keys (a prefix length no network has any
 * more goes too).
 */
static const char *const corr_drop_sql[] = {
    "CREATE TEMP TABLE IF NOT EXISTS corr_dropped (id INTEGER PRIMARY KEY)",
    "INSERT OR IGNORE INTO corr_dropped SELECT ioc_id FROM sightings WHERE feed = ?1",
    "DELETE FROM sightings WHERE feed = ?1",
    "DELETE FROM events WHERE feed = ?1",
    "DELETE FROM corr_dropped WHERE EXISTS"
    " (SELECT 1 FROM sightings WHERE ioc_id = corr_dropped.id)",
    "DELETE FROM iocs WHERE id IN (SELECT id FROM corr_dropped)",
    "DELETE FROM nets WHERE ioc_id IN (SELECT id FROM corr_dropped)",
    "DELETE FROM addrs WHERE ioc_id IN (SELECT id FROM corr_dropped)",
    "DELETE FROM hosts WHERE ioc_id IN (SELECT id FROM corr_dropped)",
    "DELETE FROM net_lengths WHERE NOT EXISTS (SELECT 1 FROM nets"
    " WHERE nets.family = net_lengths.family AND nets.prefix = net_lengths.prefix)",
    "DROP TABLE corr_dropped",
};

cf_status cf_corr_drop_feed(cf_corr *c, const char *feed, cf_error *err)
{
    size_t n = sizeof(corr_drop_sql) / sizeof(corr_drop_sql[0]);
    bool ok = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;

    for (size_t i = 0; ok && i < n; i++) {
        sqlite3_stmt *q = NULL;
        ok = sqlite3_prepare_v2(c->db, corr_drop_sql[i], -1, &q, NULL) == SQLITE_OK;
        if (ok && sqlite3_bind_parameter_count(q) > 0) {
            sqlite3_bind_text(q, 1, feed, -1, SQLITE_STATIC);
        }
        ok = ok && sqlite3_step(q) == SQLITE_DONE;
        sqlite3_finalize(q);
    }
    if (ok && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
        return CF_OK;
    }
    cf_status st = corr_db_error(c, err, "cannot drop a feed");
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

cf_status cf_corr_count(cf_corr *c, int64_t *iocs, int64_t *sightings, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;

    if (sqlite3_prepare_v2(c->db,
                           "SELECT (SELECT count(*) FROM iocs), (SELECT count(*) FROM sightings)",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        st = corr_db_error(c, err, "cannot count");
    } else {
        *iocs = sqlite3_column_int64(q, 0);
        *sightings = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    return st;
}

/* ---- lookup -------------------------------------------------------- */

typedef struct corr_lk {
    cf_corr *c;
    const cf_galaxy *g;
    cf_corr_result *r;
    int64_t id;
    cf_buf path;
    bool oom;
} corr_lk;

static void *corr_push(corr_lk *lk, void **arr, size_t *n, size_t elem)
{
    void *p = realloc(*arr, (*n + 1) * elem);
    if (!p) {
        lk->oom = true;
        return NULL;
    }
    *arr = p;
    memset((char *)p + *n * elem, 0, elem);
    return (char *)p + (*n)++ * elem;
}

/*
 * Offer one actor name reached with confidence factor (percent) and a path
 * prefix; the actor keeps its best path.
 */
static void corr_offer(corr_lk *lk, const char *name, size_t len, int factor, const char *via,
                       const char *feed)
{
    char raw[512];
    cf_actor_res res;

    if (len == 0 || len >= sizeof raw) {
        return;
    }
    memcpy(raw, name, len);
    raw[len] = '\0';
    if (lk->g) {
        cf_galaxy_resolve(lk->g, NULL, raw, &res);
    } else {
        memset(&res, 0, sizeof res);
    }
    int base = res.how == CF_ACTOR_BY_SYNONYM ? CF_CORR_SYNONYM : CF_CORR_DIRECT;
    int conf = res.actor ? base * factor / 100 : 0;

    cf_buf_reset(&lk->path);
    cf_buf_printf(&lk->path, "%s%snamed '%s' by feed '%s'", via ? via : "", via ? ", " : "",
                  raw, feed);
    if (res.how == CF_ACTOR_AMBIGUOUS) {
        cf_buf_puts(&lk->path, "; ambiguous synonym of");
        for (size_t i = 0; i < res.n_candidates && i < CF_ACTOR_MAX_CANDIDATES; i++) {
            cf_buf_printf(&lk->path, "%s '%s'", i ? "," : "", res.candidates[i]->value);
        }
        cf_buf_puts(&lk->path, ", not attributed");
    } else if (res.actor) {
        cf_buf_printf(&lk->path, " (galaxy %s)", cf_actor_match_name(res.how));
    }

    /* Same actor (cluster, or unresolved name) already reached? */
    const char *shown = res.actor ? res.actor->value : raw;
    for (size_t i = 0; i < lk->r->n_attrs; i++) {
        cf_corr_attr *a = &lk->r->attrs[i];
        bool same = res.actor ? a->actor == res.actor
                              : (!a->actor && cf_galaxy_same_name(a->name, raw));
        if (!same) {
            continue;
        }
        if (conf > a->confidence) {
            char *p = cf_strdup(cf_buf_str(&lk->path));
            if (p) {
                free(a->path);
                a->path = p;
                a->confidence = conf;
                a->how = res.how;
            }
        }
        return;
    }
    cf_corr_attr *a =
        corr_push(lk, (void **)&lk->r->attrs, &lk->r->n_attrs, sizeof(cf_corr_attr));
    if (!a) {
        return;
    }
    a->name = cf_strdup(shown);
    a->path = cf_strdup(cf_buf_str(&lk->path));
    a->actor = res.actor;
    a->how = res.how;
    a->confidence = conf;
    if (!a->name || !a->path) {
        lk->oom = true;
    }
}

/* Offer every name of a '\n'-separated list. */
static void corr_offer_list(corr_lk *lk, const char *names, int factor, const char *via,
                            const char *feed)
{
    while (names && *names) {
        size_t len = strcspn(names, "\n");
        corr_offer(lk, names, len, factor, via, feed);
        names += len;
        if (*names == '\n') {
            names++;
        }
    }
}

/* The actors the sources of IOC id gave, offered through via. */
static void corr_offer_ioc(corr_lk *lk, int64_t id, int factor, const char *via)
{
    sqlite3_stmt *q = lk->c->q[Q_ACTORS_OF];
    cf_buf feeds = CF_BUF_INIT, actors = CF_BUF_INIT;

    /* Copy the rows first, then resolve: resolution may run other statements. */
    sqlite3_bind_int64(q, 1, id);
    while (sqlite3_step(q) == SQLITE_ROW) {
        cf_buf_puts(&feeds, corr_col_text(q, 0));
        cf_buf_putc(&feeds, '\0');
        cf_buf_puts(&actors, corr_col_text(q, 1));
        cf_buf_putc(&actors, '\0');
    }
    sqlite3_reset(q);
    const char *f = feeds.data, *a = actors.data;
    while (f && f < feeds.data + feeds.len) {
        corr_offer_list(lk, a, factor, via, f);
        f += strlen(f) + 1;
        a += strlen(a) + 1;
    }
    cf_buf_free(&feeds);
    cf_buf_free(&actors);
}

static void corr_link(corr_lk *lk, const char *kind, cf_ioc_type type, const char *value,
                      const char *detail)
{
    size_t same_kind = 0;
    for (size_t i = 0; i < lk->r->n_links; i++) {
        same_kind += strcmp(lk->r->links[i].kind, kind) == 0;
    }
    if (same_kind >= CF_CORR_MAX_LINKS) {
        return;
    }
    cf_corr_link *l =
        corr_push(lk, (void **)&lk->r->links, &lk->r->n_links, sizeof(cf_corr_link));
    if (!l) {
        return;
    }
    l->kind = kind;
    l->type = type;
    l->value = cf_strdup(value);
    l->detail = detail ? cf_strdup(detail) : NULL;
    if (!l->value || (detail && !l->detail)) {
        lk->oom = true;
    }
}

/* Feeds listing IOC id, as "a, b". */
static void corr_feeds_of(corr_lk *lk, int64_t id, cf_buf *out)
{
    sqlite3_stmt *s = lk->c->q[Q_FEEDS_OF];

    cf_buf_reset(out);
    sqlite3_bind_int64(s, 1, id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        cf_buf_printf(out, "%s%s", out->len ? ", " : "", corr_col_text(s, 0));
    }
    sqlite3_reset(s);
}

/* Networks that contain addr/prefix: one probe per listed prefix length. */
static void corr_networks(corr_lk *lk, int fam, const unsigned char addr[16], int prefix)
{
    sqlite3_stmt *ql = lk->c->q[Q_LENGTHS];
    int lens[129], n_lens = 0;
    cf_buf feeds = CF_BUF_INIT, via = CF_BUF_INIT;

    sqlite3_bind_int(ql, 1, fam);
    sqlite3_bind_int(ql, 2, prefix);
    while (sqlite3_step(ql) == SQLITE_ROW && n_lens < 129) {
        lens[n_lens++] = sqlite3_column_int(ql, 0);
    }
    sqlite3_reset(ql);

    for (int i = 0; i < n_lens; i++) {
        unsigned char net[16] = {0};
        int len = lens[i];
        memcpy(net, addr, (size_t)(len / 8));
        if (len % 8) {
            net[len / 8] = (unsigned char)(addr[len / 8] & (0xff << (8 - len % 8)));
        }
        sqlite3_stmt *q = lk->c->q[Q_NET_PROBE];
        sqlite3_bind_int(q, 1, fam);
        sqlite3_bind_int(q, 2, len);
        sqlite3_bind_blob(q, 3, net, fam == 4 ? 4 : 16, SQLITE_TRANSIENT);
        int64_t id = 0;
        char value[64] = "";
        if (sqlite3_step(q) == SQLITE_ROW) {
            id = sqlite3_column_int64(q, 0);
            snprintf(value, sizeof value, "%s", corr_col_text(q, 1));
        }
        sqlite3_reset(q);
        if (id == 0 || id == lk->id) {
            continue;
        }
        corr_feeds_of(lk, id, &feeds);
        corr_link(lk, "network", CF_IOC_CIDR, value, cf_buf_str(&feeds));
        cf_buf_reset(&via);
        cf_buf_printf(&via, "via network %s listed by %s", value, cf_buf_str(&feeds));
        corr_offer_ioc(lk, id, CF_CORR_VIA_NETWORK, cf_buf_str(&via));
    }
    cf_buf_free(&feeds);
    cf_buf_free(&via);
}

/*
 * The listed IOCs of type want whose address key is fam/a: the endpoints on
 * an address (want CF_IOC_ENDPOINT), the address of an endpoint (CF_IOC_IP).
 * One probe of the address key; the actors flow at CF_CORR_VIA_ADDRESS.
 */
typedef struct corr_onaddr {
    int64_t id;
    int port;
    char value[64];
} corr_onaddr;

static int corr_onaddr_cmp(const void *x, const void *y)
{
    const corr_onaddr *a = x, *b = y;

    if (a->port != b->port) {
        return a->port < b->port ? -1 : 1;
    }
    return strcmp(a->value, b->value);
}

static void corr_same_address(corr_lk *lk, int fam, const unsigned char a[16],
                              cf_ioc_type want)
{
    sqlite3_stmt *q = lk->c->q[Q_ADDR_PROBE];
    const char *kind = want == CF_IOC_IP ? "address" : "endpoint";
    corr_onaddr rows[CF_CORR_MAX_LINKS];
    size_t n = 0;
    cf_buf feeds = CF_BUF_INIT, via = CF_BUF_INIT;

    /* Gather first (offering runs other statements), then by port in C. */
    sqlite3_bind_int(q, 1, fam);
    sqlite3_bind_blob(q, 2, a, fam == 4 ? 4 : 16, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, want);
    while (n < CF_CORR_MAX_LINKS && sqlite3_step(q) == SQLITE_ROW) {
        rows[n].id = sqlite3_column_int64(q, 0);
        rows[n].port = sqlite3_column_int(q, 1);
        snprintf(rows[n].value, sizeof rows[n].value, "%s", corr_col_text(q, 2));
        n++;
    }
    sqlite3_reset(q);
    if (n > 1) {
        cf_sort(rows, n, sizeof *rows, corr_onaddr_cmp);
    }

    for (size_t i = 0; i < n; i++) {
        corr_feeds_of(lk, rows[i].id, &feeds);
        corr_link(lk, kind, want, rows[i].value, cf_buf_str(&feeds));
        cf_buf_reset(&via);
        cf_buf_printf(&via, "via %s %s listed by %s", kind, rows[i].value, cf_buf_str(&feeds));
        corr_offer_ioc(lk, rows[i].id, CF_CORR_VIA_ADDRESS, cf_buf_str(&via));
    }
    cf_buf_free(&feeds);
    cf_buf_free(&via);
}

/* Listed domains the host is equal to (unless it is the IOC itself) or under. */
static void corr_parents(corr_lk *lk, const char *host)
{
    cf_buf feeds = CF_BUF_INIT, via = CF_BUF_INIT;

    for (const char *p = host; p && *p;) {
        sqlite3_stmt *q = lk->c->q[Q_FIND];
        int64_t id = 0;
        sqlite3_bind_int(q, 1, CF_IOC_DOMAIN);
        sqlite3_bind_text(q, 2, p, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW) {
            id = sqlite3_column_int64(q, 0);
        }
        sqlite3_reset(q);
        if (id != 0 && id != lk->id) {
            corr_feeds_of(lk, id, &feeds);
            corr_link(lk, "domain", CF_IOC_DOMAIN, p, cf_buf_str(&feeds));
            cf_buf_reset(&via);
            cf_buf_printf(&via, "via domain %s listed by %s", p, cf_buf_str(&feeds));
            corr_offer_ioc(lk, id, CF_CORR_VIA_DOMAIN, cf_buf_str(&via));
        }
        p = strchr(p, '.');
        if (p) {
            p++;
        }
    }
    cf_buf_free(&feeds);
    cf_buf_free(&via);
}

/* Listed addresses inside a network; listed names under a domain. */
static void corr_contained(corr_lk *lk, int fam, const unsigned char *net, int prefix,
                           const char *domain)
{
    sqlite3_stmt *q;

    if (domain) {
        cf_buf lo = CF_BUF_INIT, hi = CF_BUF_INIT;
        corr_rhost(&lo, domain);
        cf_buf_puts(&hi, cf_buf_str(&lo));
        if (hi.len > 0) {
            hi.data[hi.len - 1] = '/'; /* the character after '.' */
        }
        q = lk->c->q[Q_HOST_RANGE];
        sqlite3_bind_text(q, 1, cf_buf_str(&lo), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, cf_buf_str(&hi), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, lk->id);
        cf_buf_free(&lo);
        cf_buf_free(&hi);
    } else {
        unsigned char lo[16] = {0}, hi[16];
        int bytes = fam == 4 ? 4 : 16;
        memcpy(lo, net, (size_t)bytes);
        memcpy(hi, net, (size_t)bytes);
        for (int i = prefix; i < bytes * 8; i++) {
            hi[i / 8] |= (unsigned char)(0x80 >> (i % 8));
        }
        q = lk->c->q[Q_ADDR_RANGE];
        sqlite3_bind_int(q, 1, fam);
        sqlite3_bind_blob(q, 2, lo, bytes, SQLITE_TRANSIENT);
        sqlite3_bind_blob(q, 3, hi, bytes, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int(q, 4, CF_CORR_MAX_LINKS);
    while (sqlite3_step(q) == SQLITE_ROW) {
        corr_link(lk, domain ? "subdomain" : "contains", (cf_ioc_type)sqlite3_column_int(q, 1),
                  corr_col_text(q, 2), NULL);
    }
    sqlite3_reset(q);
}

/* IOCs of the same record (composite attribute, STIX composition). */
static void corr_record(corr_lk *lk)
{
    sqlite3_stmt *q = lk->c->q[Q_PARTNERS];
    int64_t ids[CF_CORR_MAX_LINKS];
    char feeds[CF_CORR_MAX_LINKS][128];
    size_t n = 0;
    cf_buf via = CF_BUF_INIT;

    sqlite3_bind_int64(q, 1, lk->id);
    while (sqlite3_step(q) == SQLITE_ROW && n < CF_CORR_MAX_LINKS) {
        ids[n] = sqlite3_column_int64(q, 0);
        snprintf(feeds[n], sizeof feeds[n], "%s", corr_col_text(q, 1));
        n++;
    }
    sqlite3_reset(q);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(lk->c->db, "SELECT type, value FROM iocs WHERE id = ?1", -1, &s,
                               NULL) != SQLITE_OK) {
            continue;
        }
        sqlite3_bind_int64(s, 1, ids[i]);
        if (sqlite3_step(s) == SQLITE_ROW) {
            cf_ioc_type t = (cf_ioc_type)sqlite3_column_int(s, 0);
            corr_link(lk, "record", t, corr_col_text(s, 1), feeds[i]);
            cf_buf_reset(&via);
            cf_buf_printf(&via, "via the same record of feed '%s' as %s %s", feeds[i],
                          cf_ioc_type_name(t), corr_col_text(s, 1));
            corr_offer_ioc(lk, ids[i], CF_CORR_VIA_RECORD, cf_buf_str(&via));
        }
        sqlite3_finalize(s);
    }
    cf_buf_free(&via);
}

/* Actors of the IOCs that share a source event with this one. */
static void corr_event(corr_lk *lk)
{
    sqlite3_stmt *q = lk->c->q[Q_EVENT_ACTORS];
    cf_buf rows = CF_BUF_INIT, via = CF_BUF_INIT;

    /* Gather first: offering runs other statements. */
    sqlite3_bind_int64(lk->c->q[Q_EVENT_ACTORS], 1, lk->id);
    while (sqlite3_step(q) == SQLITE_ROW) {
        cf_buf_printf(&rows, "%s%c%s%c%s%c%s%c%s%c", corr_col_text(q, 0), 0,
                      cf_ioc_type_name((cf_ioc_type)sqlite3_column_int(q, 1)), 0,
                      corr_col_text(q, 2), 0, corr_col_text(q, 3), 0, corr_col_text(q, 4), 0);
    }
    sqlite3_reset(q);
    for (const char *p = rows.data; p && p < rows.data + rows.len;) {
        const char *f[5];
        for (int i = 0; i < 5; i++) {
            f[i] = p;
            p += strlen(p) + 1;
        }
        cf_buf_reset(&via);
        cf_buf_printf(&via, "via event '%s' shared with %s %s", f[0], f[1], f[2]);
        corr_offer_list(lk, f[4], CF_CORR_VIA_EVENT, cf_buf_str(&via), f[3]);
    }
    cf_buf_free(&rows);
    cf_buf_free(&via);
}

static int corr_attr_cmp(const void *a, const void *b)
{
    const cf_corr_attr *x = a, *y = b;
    if (x->confidence != y->confidence) {
        return y->confidence - x->confidence;
    }
    return strcmp(x->name, y->name);
}

/* The sources of the value itself and its direct actors. */
static void corr_sources(corr_lk *lk)
{
    sqlite3_stmt *q = lk->c->q[Q_SOURCES];

    sqlite3_bind_int64(q, 1, lk->id);
    while (sqlite3_step(q) == SQLITE_ROW) {
        cf_corr_source *s = corr_push(lk, (void **)&lk->r->sources, &lk->r->n_sources,
                                      sizeof(cf_corr_source));
        if (!s) {
            break;
        }
        s->feed = cf_strdup(corr_col_text(q, 0));
        s->event = sqlite3_column_type(q, 1) == SQLITE_NULL ? NULL
                                                            : cf_strdup(corr_col_text(q, 1));
        s->actors = cf_strdup(corr_col_text(q, 2));
        s->first = corr_col_time(q, 3);
        s->last = corr_col_time(q, 4);
    }
    sqlite3_reset(q);
    for (size_t i = 0; i < lk->r->n_sources; i++) {
        corr_offer_list(lk, lk->r->sources[i].actors, 100, NULL, lk->r->sources[i].feed);
    }
}

cf_status cf_corr_lookup(cf_corr *c, const cf_galaxy *g, cf_ioc_type type, const char *value,
                         cf_corr_result *out, cf_error *err)
{
    corr_lk lk = {c, g, out, 0, CF_BUF_INIT, false};
    sqlite3_stmt *q = c->q[Q_FIND];
    int fam, prefix;
    unsigned char a[16];
    char host[CF_MAX_DOMAIN_BYTES + 64];
    bool is_ip = false;

    out->type = type;
    out->value = cf_strdup(value);
    out->first_seen = out->last_seen = CF_TIME_NONE;
    bool own_tx = sqlite3_get_autocommit(c->db) && corr_run(c->q[Q_BEGIN]);
    sqlite3_bind_int(q, 1, type);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        lk.id = sqlite3_column_int64(q, 0);
        out->listed = true;
        out->first_seen = corr_col_time(q, 1);
        out->last_seen = corr_col_time(q, 2);
    }
    sqlite3_reset(q);

    if (lk.id) {
        corr_sources(&lk);
        corr_record(&lk);
        corr_event(&lk);
    }

    /* The same address, containing networks, parent domains, what the value holds. */
    bool have_host = cf_corr_host(host, sizeof host, type, value, &is_ip);
    const char *ip = type == CF_IOC_IP ? value : (have_host && is_ip ? host : NULL);
    if (type == CF_IOC_ENDPOINT && corr_endpoint_addr(value, &fam, a)) {
        corr_same_address(&lk, fam, a, CF_IOC_IP);
        corr_networks(&lk, fam, a, fam == 4 ? 32 : 128);
    } else if (ip && cf_parse_ip(ip, strlen(ip), &fam, a)) {
        if (type == CF_IOC_IP) {
            corr_same_address(&lk, fam, a, CF_IOC_ENDPOINT);
        }
        corr_networks(&lk, fam, a, fam == 4 ? 32 : 128);
    } else if (type == CF_IOC_CIDR && cf_parse_cidr(value, strlen(value), &fam, a, &prefix)) {
        corr_networks(&lk, fam, a, prefix);
        corr_contained(&lk, fam, a, prefix, NULL);
    } else if (have_host && !is_ip) {
        corr_parents(&lk, host);
        if (type == CF_IOC_DOMAIN) {
            corr_contained(&lk, 0, NULL, 0, value);
        }
    }

    if (own_tx) {
        corr_run(c->q[Q_COMMIT]);
    }
    if (out->n_attrs > 1) {
        cf_sort(out->attrs, out->n_attrs, sizeof *out->attrs, corr_attr_cmp);
    }
    cf_buf_free(&lk.path);
    if (lk.oom || !out->value) {
        return cf_error_set(err, CF_ENOMEM, "correlation", 0, "out of memory");
    }
    return CF_OK;
}

void cf_corr_result_fini(cf_corr_result *r)
{
    if (!r) {
        return;
    }
    free(r->value);
    for (size_t i = 0; i < r->n_sources; i++) {
        free(r->sources[i].feed);
        free(r->sources[i].event);
        free(r->sources[i].actors);
    }
    free(r->sources);
    for (size_t i = 0; i < r->n_attrs; i++) {
        free(r->attrs[i].name);
        free(r->attrs[i].path);
    }
    free(r->attrs);
    for (size_t i = 0; i < r->n_links; i++) {
        free(r->links[i].value);
        free(r->links[i].detail);
    }
    free(r->links);
    memset(r, 0, sizeof *r);
}

/* ---- whole-database passes ----------------------------------------- */

/* Append name to a sorted '\n' list held in b unless present. */
static void corr_list_add(cf_buf *b, const char *name, size_t len)
{
    const char *p = cf_buf_str(b);
    while (*p) {
        size_t l = strcspn(p, "\n");
        if (l == len && memcmp(p, name, len) == 0) {
            return;
        }
        p += l + (p[l] == '\n');
    }
    if (b->len) {
        cf_buf_putc(b, '\n');
    }
    cf_buf_append(b, name, len);
}

cf_status cf_corr_each(cf_corr *c, cf_corr_row_fn fn, void *ctx, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_buf value = CF_BUF_INIT, feeds = CF_BUF_INIT, actors = CF_BUF_INIT;
    cf_corr_row row = {0};
    cf_status st = CF_OK;
    int rc;

    if (sqlite3_prepare_v2(c->db,
                           "SELECT i.id, i.type, i.hash_type, i.port, i.value, i.first_seen,"
                           " i.last_seen, s.feed, s.actors FROM iocs i JOIN sightings s"
                           " ON s.ioc_id = i.id ORDER BY i.type, i.value, s.feed",
                           -1, &q, NULL) != SQLITE_OK) {
        return corr_db_error(c, err, "cannot read IOCs");
    }
    row.id = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (id != row.id && row.id != 0) {
            row.value = cf_buf_str(&value);
            row.feeds = cf_buf_str(&feeds);
            row.actors = cf_buf_str(&actors);
            st = fn(ctx, &row);
            if (st != CF_OK) {
                goto out;
            }
        }
        if (id != row.id) {
            row.id = id;
            row.type = (cf_ioc_type)sqlite3_column_int(q, 1);
            row.hash_type = (cf_ioc_type)sqlite3_column_int(q, 2);
            row.port = sqlite3_column_int(q, 3);
            cf_buf_reset(&value);
            cf_buf_puts(&value, corr_col_text(q, 4));
            row.first_seen = corr_col_time(q, 5);
            row.last_seen = corr_col_time(q, 6);
            cf_buf_reset(&feeds);
            cf_buf_reset(&actors);
        }
        const char *f = corr_col_text(q, 7);
        corr_list_add(&feeds, f, strlen(f));
        for (const char *a = corr_col_text(q, 8); *a;) {
            size_t l = strcspn(a, "\n");
            corr_list_add(&actors, a, l);
            a += l + (a[l] == '\n');
        }
    }
    if (rc != SQLITE_DONE) {
        st = corr_db_error(c, err, "cannot read IOCs");
    } else if (row.id != 0) {
        row.value = cf_buf_str(&value);
        row.feeds = cf_buf_str(&feeds);
        row.actors = cf_buf_str(&actors);
        st = fn(ctx, &row);
    }
out:
    sqlite3_finalize(q);
    cf_buf_free(&value);
    cf_buf_free(&feeds);
    cf_buf_free(&actors);
    return st;
}

cf_status cf_corr_feed_overlap(cf_corr *c, cf_corr_pair_fn fn, void *ctx, cf_error *err)
{
    sqlite3_stmt *q = NULL;
    cf_status st = CF_OK;
    int rc;

    if (sqlite3_prepare_v2(c->db,
                           "WITH f AS (SELECT DISTINCT ioc_id, feed FROM sightings)"
                           " SELECT a.feed, b.feed, count(*) FROM f a JOIN f b"
                           " ON a.ioc_id = b.ioc_id AND a.feed < b.feed"
                           " GROUP BY a.feed, b.feed ORDER BY a.feed, b.feed",
                           -1, &q, NULL) != SQLITE_OK) {
        return corr_db_error(c, err, "cannot compute the overlap");
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && st == CF_OK) {
        st = fn(ctx, corr_col_text(q, 0), corr_col_text(q, 1), sqlite3_column_int64(q, 2));
    }
    if (st == CF_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        st = corr_db_error(c, err, "cannot compute the overlap");
    }
    sqlite3_finalize(q);
    return st;
}

cf_status cf_corr_record_partners(cf_corr *c, int64_t id, cf_corr_partner_fn fn, void *ctx,
                                  cf_error *err)
{
    sqlite3_stmt *q = c->q[Q_PARTNERS];
    cf_status st = CF_OK;

    sqlite3_bind_int64(q, 1, id);
    while (st == CF_OK && sqlite3_step(q) == SQLITE_ROW) {
        st = fn(ctx, sqlite3_column_int64(q, 0), corr_col_text(q, 1));
    }
    sqlite3_reset(q);
    (void)err;
    return st;
}
