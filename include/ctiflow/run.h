/*
 * The run driver: fetch the due feeds, parse them, merge them into the
 * store and publish every output; and the directory publisher it calls.
 *
 * DESIGN
 * cf_run_once() is one run. Worker threads take feeds from a job queue and
 * fetch, decode, parse and normalise each into its own IOC set; finished
 * sets go through a bounded queue to the one writer (the calling thread),
 * which merges them into the store one transaction per feed, records feed
 * state and promotes the fetched body in the cache. A feed that fails is
 * reported and skipped: its earlier IOCs stay, nothing of it expires. Once
 * every feed is done the outputs are published (cf_publish_dir). Log lines
 * go to opts->log as text or JSON lines, each tagged with stage and feed.
 */
#ifndef CTIFLOW_RUN_H
#define CTIFLOW_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "ctiflow/config.h"
#include "ctiflow/galaxy.h"
#include "ctiflow/status.h"
#include "ctiflow/store.h"
#include "ctiflow/warninglist.h"

/* Exit codes of `ctiflow run` and `ctiflow daemon`. */
enum {
    CF_EXIT_OK = 0,           /* every feed attempted succeeded (or none was due) */
    CF_EXIT_CONFIG = 1,       /* configuration invalid, or the store/outputs failed */
    CF_EXIT_USAGE = 2,
    CF_EXIT_SOME_FAILED = 3,  /* at least one feed failed, others succeeded */
    CF_EXIT_ALL_FAILED = 4,   /* every feed attempted failed */
};

typedef enum cf_log_format { CF_LOG_TEXT = 0, CF_LOG_JSON } cf_log_format;
typedef enum cf_log_level {
    CF_LOG_ERROR = 0,
    CF_LOG_WARNING,
    CF_LOG_INFO,
    CF_LOG_DEBUG
} cf_log_level;

typedef struct cf_run_opts {
    const char *const *feeds; /* run only these (due or not); NULL/0 = every due feed */
    size_t n_feeds;
    bool force;               /* ignore intervals and validators */
    bool offline;             /* re-process cached bodies, no network */
    bool progress;            /* a progress line on the terminal */
    FILE *log;                /* where log lines go (stderr when NULL) */
    cf_log_format log_format;
    cf_log_level log_level;
} cf_run_opts;

void cf_run_opts_init(cf_run_opts *o);

typedef struct cf_run_summary {
    int due;          /* feeds attempted */
    int ok;           /* succeeded with a new body */
    int unchanged;    /* succeeded, not modified */
    int failed;
    uint64_t iocs;    /* unique IOCs parsed this run */
    uint64_t rejected;
    uint64_t created, modified, expired;
    int published;    /* files written by all outputs */
    int64_t run;      /* store run id */
    double seconds;
    bool logged;      /* the error cf_run_once returned is in the log already */
} cf_run_summary;

/* One run. CF_OK unless the store or an output failed (feed failures are counted). */
cf_status cf_run_once(const cf_config *cfg, const cf_run_opts *o, cf_run_summary *out,
                      cf_error *err);
/* CF_EXIT_* for a finished run. */
int cf_run_exit_code(const cf_run_summary *s);

/* Open the store of cfg (creating state_dir). */
cf_status cf_run_open_store(const cf_config *cfg, cf_store **out, cf_error *err);

/* When feed is next due, from its state (CF_TIME_NONE: now). */
cf_time cf_run_next_due(const cf_feed_cfg *feed, const cf_feed_state *st);

/* Write one log line "ctiflow: LEVEL: feed 'NAME': message" (or JSON). */
void cf_run_log(const cf_run_opts *o, cf_log_level level, const char *stage, const char *feed,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* What cf_publish_dir wrote. */
typedef struct cf_publish_result {
    int files;        /* files written */
    uint64_t delta;   /* IOCs in the delta (new, modified, revoked) */
    uint64_t revoked;
    uint64_t current; /* IOCs in the snapshot */
    bool skipped;     /* nothing changed since the last publish */
    char **removed;   /* delta bundles no completed publish recorded, removed before
                         publishing ("stix2/deltas/delta-N.json"); owned */
    size_t n_removed;
} cf_publish_result;

/* Free what res owns (its removed names); res then holds none. NULL is allowed. */
void cf_publish_result_free(cf_publish_result *res);

/*
 * Publish the store to a directory output, atomically file by file: a STIX
 * 2.1 delta bundle of what changed since the output's last publish, a
 * snapshot bundle, the MISP feed directory, block lists per type, CSV and
 * JSONL as configured, and index.json. Nothing is rewritten when nothing
 * changed (unless force). First, the delta bundles no completed publish of
 * the output recorded (a run killed before its index.json) are removed and
 * named in res->removed, also when the publish then fails: free res with
 * cf_publish_result_free.
 */
cf_status cf_publish_dir(cf_store *store, const cf_output_cfg *out, int64_t run, cf_time now,
                         bool force, cf_publish_result *res, cf_error *err);

/* The warning lists of a directory output (docs/warninglists.md). */
typedef struct cf_publish_wl {
    const cf_wlset *lists;   /* warninglist labels of store rows are replaced by matches
                                against these, so every file reflects the current lists */
    cf_wl_policy *policy;    /* what is withheld (counted in it); NULL = nothing */
    bool block_only;         /* the policy applies only to the text and CSV files */
    const char *fingerprint; /* lists and exclusions; a change publishes again */
    const cf_galaxy *galaxy; /* threat-actor clusters for the writers, or NULL */
} cf_publish_wl;

/* cf_publish_dir with warning lists and a galaxy; wl may be NULL. */
cf_status cf_publish_dir_wl(cf_store *store, const cf_output_cfg *out, int64_t run, cf_time now,
                            bool force, const cf_publish_wl *wl, cf_publish_result *res,
                            cf_error *err);

#endif
