/*
 * Reference sources: the warning lists and the threat-actor galaxy of the
 * configuration, from local paths or fetched like feeds.
 *
 * DESIGN
 * A local entry (a path or file:// URL) is read in place every time. An
 * http(s) entry is fetched with the feed fetcher (fetch.h: conditional GET,
 * size cap, timeout, retries, headers with ${VAR}, proxy, tls_verify) into
 * "<state_dir>/sources/warninglists/<id>/body" or
 * "<state_dir>/sources/galaxy/body", next to a "state.json" that keeps its
 * URL, validators and the times of the last attempt and of the body. A
 * source is fetched when it is due (its interval has passed since the last
 * attempt), when it has no cached body, or when its URL changed. A fresh
 * body is parsed before it replaces the cached one (a rename), so a failed
 * fetch or a corrupt body leaves the last good copy in place; it is then
 * used with a warning naming the source and the cause. Only a source that
 * has never been fetched successfully fails the load: a block list is
 * never published without its exclusions. Offline, and for the read-only
 * commands, the cached copies are used as they are.
 */
#ifndef CTIFLOW_SOURCES_H
#define CTIFLOW_SOURCES_H

#include <stdbool.h>

#include "ctiflow/config.h"
#include "ctiflow/galaxy.h"
#include "ctiflow/run.h"
#include "ctiflow/status.h"
#include "ctiflow/timeutil.h"
#include "ctiflow/warninglist.h"

/* Receives one message per event worth a log line (no trailing newline). */
typedef void (*cf_sources_log_fn)(void *ctx, cf_log_level level, const char *msg);

typedef struct cf_sources_opts {
    bool fetch;   /* fetch the due http(s) sources (run, daemon); false: cached copies only */
    bool force;   /* fetch every http(s) source in full, due or not, without validators */
    bool offline; /* no network: the cached copies, said so; one never fetched fails */
    cf_time now;
    cf_sources_log_fn log; /* may be NULL */
    void *log_ctx;
} cf_sources_opts;

/*
 * Load every entry of cfg->warninglists into a new set (*out, NULL when
 * there is none). With fetch false, an http(s) list never fetched is
 * reported and left out; otherwise it fails the load. A local list that
 * cannot be read fails the load.
 */
cf_status cf_sources_warninglists(cf_wlset **out, const cf_config *cfg, const cf_sources_opts *o,
                                  cf_error *err);

/* Load cfg->galaxy (*out NULL when there is none), on the same terms. */
cf_status cf_sources_galaxy(cf_galaxy **out, const cf_config *cfg, const cf_sources_opts *o,
                            cf_error *err);

/*
 * When the earliest http(s) source is next due: 0 when one is due now (or
 * never fetched), CF_TIME_NONE when the configuration has none.
 */
cf_time cf_sources_next_due(const cf_config *cfg);

#endif
