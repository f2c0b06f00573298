/*
 * A read-only TAXII 2.1 server over the store (`ctiflow serve`).
 *
 * DESIGN
 * The server keeps an in-memory snapshot of every configured collection:
 * the STIX 2.1 objects the stix2 writer makes of the collection's IOCs
 * (indicators, the malware and intrusion sets they indicate, the
 * relationships, the producer identity and the TLP markings), each
 * serialised once and sorted by (date added, id). An object's date added is
 * when the store first recorded its IOC (for a relationship, its indicator's;
 * for a named object or marking, the earliest indicator that brings it in),
 * so pages and `next` tokens are stable. IOCs above the collection's max_tlp
 * are never loaded, so neither they nor any relationship to them can appear.
 * A watcher thread rebuilds the snapshot when the store's files change and
 * swaps it in under a read-write lock; requests (libmicrohttpd worker
 * threads) only read the current snapshot.
 */
#ifndef CTIFLOW_TAXII_H
#define CTIFLOW_TAXII_H

#include <stdint.h>

#include "ctiflow/config.h"
#include "ctiflow/status.h"

/* The TAXII 2.1 and STIX 2.1 media types. */
#define CF_TAXII_MEDIA_TYPE "application/taxii+json;version=2.1"
#define CF_STIX_MEDIA_TYPE "application/stix+json;version=2.1"

/* Largest page the server returns, whatever limit asks for. */
#define CF_TAXII_MAX_PAGE 1000
/* Page size when the request gives no limit. */
#define CF_TAXII_DEFAULT_PAGE 100

typedef struct cf_taxii_server cf_taxii_server;

/* Receives one log line (no newline) from the server's threads. */
typedef void (*cf_taxii_log_fn)(void *ctx, const char *msg);

typedef struct cf_taxii_opts {
    const char *listen;    /* "HOST:PORT" (port 0: any free port); NULL = config or default */
    int threads;           /* worker threads, default 2 */
    int64_t reload_ms;     /* how often the store is checked for changes, default 1000 */
    cf_taxii_log_fn log;   /* may be NULL */
    void *log_ctx;
} cf_taxii_opts;

void cf_taxii_opts_init(cf_taxii_opts *o);

/*
 * Build the first snapshot from cfg's store and start listening. Credentials
 * (${VAR}) are expanded here. *out belongs to the caller; stop it with
 * cf_taxii_server_stop().
 */
cf_status cf_taxii_server_start(cf_taxii_server **out, const cf_config *cfg,
                                const cf_taxii_opts *o, cf_error *err);

/* The port the server listens on. */
unsigned cf_taxii_server_port(const cf_taxii_server *s);

/* Objects in collection i of the current snapshot. */
size_t cf_taxii_server_objects(cf_taxii_server *s, size_t i);

/* Stop listening, join the threads and free everything. Accepts NULL. */
void cf_taxii_server_stop(cf_taxii_server *s);

#endif
