/*
 * Publishing to HTTP endpoints (webhook, MISP REST API, TAXII 2.1
 * collection) through an on-disk outbox, so nothing is lost while an
 * endpoint is down.
 *
 * DESIGN
 * Each run, cf_outbox_publish() reads what changed in the store since the
 * output's cursor (IOCs above the output's max_tlp left out and counted),
 * renders it for the output type and writes it as one or more items into
 * <state_dir>/outbox/<output>/pending/ (directory 0700, files 0600) before
 * the cursor moves. Then every pending item is sent in order
 * (publish/http_out.c). A delivered item is removed. A transfer failure,
 * a timeout, a 5xx or a 429 stops the flush: the item and everything
 * after it stay, and the next attempt waits (backoff doubling from 30 s to
 * an hour, or the server's Retry-After). Any other 4xx moves the item to
 * rejected/ with the server's answer beside it and the flush goes on; it
 * is reported and never re-sent. Ids are deterministic, so re-sending an
 * item after a lost answer is idempotent on the receiving side.
 * Credentials are expanded from the environment at send time and never
 * written to the outbox.
 */
#ifndef CTIFLOW_OUTBOX_H
#define CTIFLOW_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "ctiflow/config.h"
#include "ctiflow/status.h"
#include "ctiflow/store.h"
#include "ctiflow/timeutil.h"

/* First and largest wait after a failed delivery. */
#define CF_OUTBOX_BACKOFF_MIN_MS (30LL * 1000)
#define CF_OUTBOX_BACKOFF_MAX_MS (3600LL * 1000)
/* How long a TAXII add is followed through its status resource. */
#define CF_OUTBOX_STATUS_WAIT_MS (30LL * 1000)

/* What one publish of an HTTP output did. */
typedef struct cf_outbox_result {
    uint64_t queued;      /* items added to the outbox this run */
    uint64_t objects;     /* IOCs in them */
    uint64_t withheld;    /* IOCs above max_tlp left out */
    uint64_t delivered;   /* items delivered this run */
    uint64_t rejected;    /* items set aside (4xx) this run */
    uint64_t failed_objects; /* TAXII objects the server reported as failed */
    uint64_t pending;     /* items still waiting */
    bool deferred;        /* pending items were not tried: backoff not over */
    cf_time next_attempt; /* when pending items are tried again */
    char problem[768];    /* "" or one line: the cause of a failure or rejection */
} cf_outbox_result;

/*
 * Queue what changed since the output's last publish and flush the outbox.
 * Returns CF_OK when the items were queued (delivery problems are in res);
 * an error only when the store or the outbox directory failed.
 */
cf_status cf_outbox_publish(cf_store *store, const cf_config *cfg, const cf_output_cfg *out,
                            int64_t run, cf_time now, cf_outbox_result *res, cf_error *err);

/* One HTTP request of an output, answered. */
typedef struct cf_http_answer {
    long status;          /* 0 when no answer came */
    char *body;           /* NUL-terminated, may be NULL */
    size_t len;
    int64_t retry_after_ms; /* Retry-After, -1 when absent */
    char error[512];      /* transfer error ("couldn't connect to server: ...") */
} cf_http_answer;

void cf_http_answer_fini(cf_http_answer *a);

/*
 * Send method (GET, POST, PUT) to url with the output's headers and auth.
 * content_type may be NULL (no body). CF_ENETWORK when no answer came
 * (a->error says why), CF_ENOTFOUND when a credential's variable is unset,
 * CF_OK with a->status otherwise.
 */
cf_status cf_http_send(const cf_output_cfg *out, const char *method, const char *url,
                       const char *content_type, const char *accept, const char *body,
                       size_t len, cf_http_answer *a, cf_error *err);

#endif
