/*
 * Fetching a feed's raw body into the cache.
 *
 * DESIGN
 * cf_fetch() brings one feed's body to a local file the parser reads. HTTP
 * and HTTPS go through libcurl with a conditional GET (If-None-Match,
 * If-Modified-Since from the feed state), compressed transfer, a redirect
 * limit restricted to http(s), a size cap (CF_MAX_FETCH_BYTES), the feed's
 * timeout, and retries with exponential backoff and jitter on timeouts,
 * connection failures, 429 and 5xx. The body is written to
 * "<cache>/<feed>/body.new" through a temporary file, fsync and rename, so
 * the previous good body ("body") is never touched by a failed or truncated
 * transfer; the run driver promotes body.new to body once it parsed
 * (cf_fetch_commit). A MISP feed directory over HTTP is fetched as its
 * manifest plus the event files whose timestamp changed, into
 * "<cache>/<feed>/misp/". Local files and directories (file:// and paths)
 * are read in place; their modification time and size stand in for an ETag.
 * Header values and the proxy may hold ${VAR}; they are expanded here, at
 * the moment of use, and never logged.
 */
#ifndef CTIFLOW_FETCH_H
#define CTIFLOW_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "ctiflow/config.h"
#include "ctiflow/status.h"

typedef struct cf_fetch_req {
    const cf_feed_cfg *feed;
    const char *cache_dir;     /* root of the cache; the feed gets a subdirectory */
    const char *etag;          /* from the feed state, or NULL */
    const char *last_modified; /* from the feed state, or NULL */
    bool force;                /* no conditional request */
    const char *definition;    /* the feed settings that shape what its body yields, or
                                  NULL; when they differ from those the last good body was
                                  read with, the body is fetched in full (as with force),
                                  and cf_fetch_commit records them */
    bool offline;              /* no network: use the last good cached body */
} cf_fetch_req;

typedef struct cf_fetch_result {
    bool changed;        /* a new body is ready at `path` */
    char *path;          /* file (or MISP feed directory) to parse; owned */
    char *etag;          /* validators to store on success; owned, may be NULL */
    char *last_modified;
    long http_status;    /* last HTTP status, 0 for local files */
    uint64_t bytes;      /* body size */
    int attempts;
    double seconds;
    size_t unseen;       /* MISP feed events that came back cut short (not one JSON
                            document): the cached copy is kept and asked for again */
    char unseen_ref[80]; /* the first of them */
} cf_fetch_result;

/* Once per process, before threads start. */
void cf_fetch_global_init(void);

/*
 * Fetch req->feed. CF_OK with changed false means "not modified" (304 or
 * the same local file); path then names the last good body, if any.
 * CF_ENETWORK, CF_ELIMIT, CF_EIO on failure (err says why, without secrets).
 */
cf_status cf_fetch(const cf_fetch_req *req, cf_fetch_result *out, cf_error *err);
void cf_fetch_result_fini(cf_fetch_result *r);

/* Promote a parsed new body to the feed's last good body (atomic rename). */
cf_status cf_fetch_commit(const cf_fetch_req *req, cf_fetch_result *r, cf_error *err);
/* Throw a new body away (it did not parse). */
void cf_fetch_discard(const cf_fetch_req *req, cf_fetch_result *r);

/* Write text to path atomically (temporary name, fsync, rename); CF_EIO, errno set. */
cf_status cf_fetch_write_file(const char *path, const char *text);

/*
 * Remove the "NAME.tmp.PID" files a killed run left in dir (not below it).
 * Only one run works on a state directory at a time, and a feed's cache
 * directory is used by one worker, so any such file there is stale.
 */
void cf_fetch_sweep_tmp(const char *dir);

/* "<cache>/<feed>/body" (or ".../misp" for a MISP feed directory) into a new string. */
char *cf_fetch_cached_path(const char *cache_dir, const cf_feed_cfg *feed);

#endif
