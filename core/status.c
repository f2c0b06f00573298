/*
 * Status names and the error context (see include/ctiflow/status.h).
 */
#include <stdio.h>
#include <string.h>

#include "ctiflow/status.h"

const char *cf_status_str(cf_status st)
{
    switch (st) {
    case CF_OK:
        return "ok";
    case CF_EMALFORMED:
        return "malformed input";
    case CF_ELIMIT:
        return "limit exceeded";
    case CF_EUNSUPPORTED:
        return "unsupported";
    case CF_EIO:
        return "i/o error";
    case CF_ENETWORK:
        return "network error";
    case CF_ENOMEM:
        return "out of memory";
    case CF_ENOTFOUND:
        return "not found";
    case CF_EINVAL:
        return "invalid argument";
    }
    return "unknown status";
}

/*
 * Empty strings, not zeroed buffers: readers clear an error per line, and
 * zeroing its 1,160 bytes cost more than reading the line.
 */
void cf_error_clear(cf_error *err)
{
    /* Every reader clears one per line: the strings are emptied, not zeroed. */
    if (err) {
        err->status = CF_OK;
        err->source[0] = '\0';
        err->line = 0;
        err->ref[0] = '\0';
        err->msg[0] = '\0';
    }
}

cf_status cf_error_set(cf_error *err, cf_status st, const char *source, uint64_t line,
                       const char *fmt, ...)
{
    if (!err || err->status != CF_OK) {
        return st;
    }
    err->status = st;
    snprintf(err->source, sizeof err->source, "%s", source ? source : "");
    err->line = line;

    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return st;
}

void cf_error_format(char *out, size_t outsz, const cf_error *err)
{
    const char *msg = err->msg[0] ? err->msg : cf_status_str(err->status);

    if (err->source[0] && err->line) {
        snprintf(out, outsz, "%s:%llu: %s", err->source, (unsigned long long)err->line, msg);
    } else if (err->source[0] && err->ref[0]) {
        snprintf(out, outsz, "%s: %s: %s", err->source, err->ref, msg);
    } else if (err->source[0]) {
        snprintf(out, outsz, "%s: %s", err->source, msg);
    } else {
        snprintf(out, outsz, "%s", msg);
    }
}
