/*
 * The IOC store: what every run learned, deduplicated across feeds and runs,
 * plus feed state, runs and what each output published.
 *
 * DESIGN
 * A small interface so another database can replace the embedded one: the
 * run driver opens a store, ingests one feed's finished IOC set per call (one
 * transaction per feed), keeps feed state, and reads IOCs back row by row
 * for publishing. The SQLite implementation (core/store.c) runs in WAL mode
 * with synchronous=NORMAL; its tables come from the versioned migrations in
 * schemas/store/, embedded in the program. One thread writes at a time; the
 * caller serialises (the run driver has one writer thread).
 *
 * Merge rules of an upsert on (type, value), documented in docs/store.md:
 * sources united, first_seen earliest, last_seen latest, valid_until latest,
 * confidence highest, TLP most restrictive, labels / malware / actors
 * united, comment kept from the first source. An IOC counts as modified in a
 * run (and goes into that run's delta) when it is new, when any merged field
 * other than last_seen changed, when it expired, or when it came back.
 */
#ifndef CTIFLOW_STORE_H
#define CTIFLOW_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "ctiflow/config.h"
#include "ctiflow/iocset.h"
#include "ctiflow/status.h"
#include "ctiflow/timeutil.h"

typedef struct cf_store cf_store;

/*
 * SQLite's process-wide settings, made once before the first database is
 * opened (the store and the correlation database call it; a later call, or
 * one after SQLite started, changes nothing).
 */
void cf_store_sqlite_init(void);
/* Open (creating and migrating) the store at path. */
cf_status cf_store_open(cf_store **out, const char *path, cf_error *err);
/* Close s, after waiting for a checkpoint cf_store_checkpoint_async started. */
void cf_store_close(cf_store *s);
/*
 * Checkpoints of a run's writes. cf_store_defer_checkpoint stops the
 * automatic checkpoint of the WAL at every large commit, which copies the
 * pages written into the database file on the writer's thread;
 * cf_store_checkpoint_async copies them on a thread of its own, over a
 * second connection, while the caller goes on with s (reading and
 * writing). What is left is checkpointed when the store is closed. Neither
 * changes what a commit guarantees.
 */
cf_status cf_store_defer_checkpoint(cf_store *s, cf_error *err);
void cf_store_checkpoint_async(cf_store *s);
/* Schema version after migrations. */
int cf_store_schema_version(cf_store *s);

/* A run: its id orders changes ("modified in run N"). */
cf_status cf_store_run_begin(cf_store *s, cf_time now, int64_t *out, cf_error *err);
cf_status cf_store_run_end(cf_store *s, int64_t run, cf_time now, int feeds_ok, int feeds_failed,
                           cf_error *err);

/* What one ingest call should do besides the upserts. */
typedef struct cf_store_ingest_opts {
    const char *feed;
    int64_t run;
    cf_time now;        /* sighting time; last_seen when the feed gives none */
    cf_expiry expiry;   /* the feed's expiry policy */
    int expiry_days;
    /* the set's IOCs in key order (cf_store_key_order; borrowed), or NULL: sorted here */
    const cf_ioc *const *order;
} cf_store_ingest_opts;

typedef struct cf_store_counts {
    uint64_t upserted; /* IOCs written */
    uint64_t created;  /* new to the store */
    uint64_t modified; /* existing and changed */
    uint64_t expired;  /* expired by this call */
} cf_store_counts;

/*
 * Merge every IOC of set (one feed's successful fetch, in full) in one
 * transaction, then apply the feed's expiry policy: "gone" expires the
 * feed's sightings the set no longer lists, "days" those older than N days.
 * An IOC expires when no feed lists it any more. Counts go to *out.
 */
cf_status cf_store_ingest(cf_store *s, const cf_store_ingest_opts *o, const cf_iocset *set,
                          cf_store_counts *out, cf_error *err);

/*
 * The IOCs of set in the order cf_store_ingest writes them (its key: type
 * name, then value bytes), into *out (owned by the caller, free(); NULL for
 * an empty set). Sorting a large feed's set takes a while: a caller with
 * other threads can have it done there and pass it in cf_store_ingest_opts.
 */
cf_status cf_store_key_order(const cf_ioc ***out, const cf_iocset *set);

/* Apply only the "days" expiry of a feed (a run where the feed was unchanged). */
cf_status cf_store_expire_days(cf_store *s, const cf_store_ingest_opts *o, cf_store_counts *out,
                               cf_error *err);

/* A feed cf_store_retire took out: its name and the IOCs it listed until then. */
typedef void (*cf_store_retired_fn)(void *ctx, const char *feed, int64_t listed);

/*
 * Retire every feed the store knows that is not one of names[0..n) (the
 * configured feeds, enabled or not), in one transaction: its sightings are
 * marked gone, the IOCs no other feed lists expire (mod_run = run, expired_at
 * = now), the others lose the feed from their sources (a modification), and
 * the feed's state is reset (no validators or times, last_error "no longer
 * configured") so that a feed added again is fetched in full. fn (or NULL)
 * is called for each feed retired, before the commit. A retired feed has
 * nothing left to retire: a run where no feed was removed reads only the
 * feeds table. Counts (modified, expired) are added to *out.
 */
cf_status cf_store_retire(cf_store *s, const char *const *names, size_t n, int64_t run,
                          cf_time now, cf_store_retired_fn fn, void *ctx, cf_store_counts *out,
                          cf_error *err);

/* Persistent state of one feed. Strings are owned; cf_feed_state_fini frees them. */
typedef struct cf_feed_state {
    char *name;
    cf_time last_attempt; /* CF_TIME_NONE when never */
    cf_time last_success;
    cf_time last_change;  /* last fetch that brought a new body */
    char *last_error;     /* NULL when the last attempt succeeded */
    char *etag;
    char *last_modified;
    int64_t iocs;         /* unique IOCs of the last successful parse */
    int64_t rejected;     /* rejected records of that parse */
    int64_t active;       /* IOCs the feed lists that have not expired */
    int64_t failures;     /* consecutive failed attempts */
} cf_feed_state;

void cf_feed_state_fini(cf_feed_state *st);
/* Read the state of feed; a feed never seen gets times NONE and zero counts. */
cf_status cf_store_feed_get(cf_store *s, const char *feed, cf_feed_state *out, cf_error *err);
/* Write st (keyed by st->name). */
cf_status cf_store_feed_put(cf_store *s, const cf_feed_state *st, cf_error *err);

/* One IOC row as read back. Pointers are borrowed for the callback only. */
typedef struct cf_store_row {
    int64_t id;
    cf_ioc_type type;
    cf_ioc_type hash_type;
    int port;
    const char *value;
    cf_time first_seen, last_seen, valid_until, created, modified, expired_at;
    int confidence;
    cf_tlp tlp;
    const char *labels;  /* '\n'-separated, sorted; "" when none */
    const char *malware;
    const char *actors;
    const char *sources;
    const char *comment; /* may be NULL */
    int64_t mod_run;
} cf_store_row;

typedef cf_status (*cf_store_row_fn)(void *ctx, const cf_store_row *row);

/*
 * Call fn for IOCs in (type, value) order: since_run < 0 gives every IOC
 * that has not expired; otherwise every IOC modified in a run after
 * since_run, expired ones included. IOCs above max_tlp (unless NONE) are
 * left out.
 */
cf_status cf_store_each(cf_store *s, int64_t since_run, cf_tlp max_tlp, cf_store_row_fn fn,
                        void *ctx, cf_error *err);

/*
 * Of the IOCs cf_store_each(since_run >= 0) would give: how many, and how
 * many of them are expired.
 */
cf_status cf_store_count_since(cf_store *s, int64_t since_run, cf_tlp max_tlp, int64_t *rows,
                               int64_t *expired, cf_error *err);

/* True when (type, value) is stored, not expired and not above max_tlp (unless NONE). */
bool cf_store_is_current(cf_store *s, cf_ioc_type type, const char *value, cf_tlp max_tlp);

/* Number of IOCs not expired, and all of them. */
cf_status cf_store_count(cf_store *s, int64_t *active, int64_t *total, cf_error *err);

/* The last run an output published (0 when never). */
cf_status cf_store_output_last_run(cf_store *s, const char *output, int64_t *out, cf_error *err);
/* Record that output published kind (a file name) with count IOCs in run. */
cf_status cf_store_published(cf_store *s, const char *output, int64_t run, cf_time now,
                             const char *kind, const char *path, int64_t count, cf_error *err);
/* Whether output recorded path as published in run (*out; false when not). */
cf_status cf_store_published_has(cf_store *s, const char *output, int64_t run, const char *path,
                                 bool *out, cf_error *err);
/* When run started (*out; CF_TIME_NONE when the store has no such run). */
cf_status cf_store_run_started(cf_store *s, int64_t run, cf_time *out, cf_error *err);
/* Move the output's cursor to run. */
cf_status cf_store_output_done(cf_store *s, const char *output, int64_t run, cf_time now,
                               cf_error *err);

/* Run "PRAGMA integrity_check"; CF_OK when it answers "ok". */
cf_status cf_store_check(cf_store *s, cf_error *err);

#endif
