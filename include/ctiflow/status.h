/*
 * Status codes and the error context shared by every layer.
 *
 * A fallible function returns a cf_status; the details (what failed, in which
 * source, at which line or element) go into a cf_error owned by the caller.
 * The first error written into a context wins: lower layers' messages are
 * never overwritten on the way up (cf_error_set keeps an earlier message).
 */
#ifndef CTIFLOW_STATUS_H
#define CTIFLOW_STATUS_H

#include <stdarg.h>
#include <stdint.h>

typedef enum cf_status {
    CF_OK = 0,
    CF_EMALFORMED,   /* input does not follow its format */
    CF_ELIMIT,       /* a configured or built-in limit was exceeded */
    CF_EUNSUPPORTED, /* well-formed, but not something we handle */
    CF_EIO,          /* reading or writing a file failed */
    CF_ENETWORK,     /* a transfer failed */
    CF_ENOMEM,       /* out of memory */
    CF_ENOTFOUND,    /* a named thing (file, profile, feed) does not exist */
    CF_EINVAL,       /* a caller or configuration error */
} cf_status;

typedef struct cf_error {
    cf_status status;
    char source[256]; /* feed or file name, may be empty */
    uint64_t line;    /* 1-based physical line, 0 when not known */
    char ref[128];    /* element id, attribute uuid or JSON path, may be empty */
    char msg[768];    /* one line, lower-case start, no trailing period */
} cf_error;

/* Name of a status for messages ("malformed input", "limit exceeded", ...). */
const char *cf_status_str(cf_status st);

/* Clear a context so it can be reused. */
void cf_error_clear(cf_error *err);

/*
 * Record an error unless one is already recorded. Returns st so callers can
 * write `return cf_error_set(err, CF_EIO, ...)`. err may be NULL.
 */
cf_status cf_error_set(cf_error *err, cf_status st, const char *source, uint64_t line,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Format "source:line: msg" (or "source: msg") into out. */
void cf_error_format(char *out, size_t outsz, const cf_error *err);

#endif
