/*
 * Instants as milliseconds since the Unix epoch (UTC), parsing and printing.
 *
 * Feeds write times in many shapes; every reader turns them into cf_time
 * here, and every writer prints them back in the form its format wants.
 */
#ifndef CTIFLOW_TIMEUTIL_H
#define CTIFLOW_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctiflow/status.h"

typedef int64_t cf_time; /* milliseconds since 1970-01-01T00:00:00Z */
#define CF_TIME_NONE INT64_MIN

/* Smallest and largest instant accepted from input: years 1970..9999. */
#define CF_TIME_MIN 0
#define CF_TIME_MAX 253402300799999LL

/*
 * "Now": CTIFLOW_NOW (RFC 3339) when set and valid, the clock otherwise.
 * CF_EINVAL in err when CTIFLOW_NOW is set but unparsable (then the clock).
 */
cf_time cf_time_now(void);

/*
 * Parse a time as feeds write it: RFC 3339 / ISO 8601 with any offset or none
 * (UTC assumed), "YYYY-MM-DD HH:MM:SS", a date alone, or epoch seconds with
 * an optional decimal fraction (parsed from the digits, never through a
 * double). Returns CF_EMALFORMED or CF_ELIMIT (out of 1970..9999).
 * *fractional is set when an epoch value had a fraction or was not a plain
 * integer string (callers warn about non-conforming MISP timestamps).
 */
cf_status cf_time_parse(cf_time *out, const char *s, size_t n);

/* Epoch seconds with optional fraction ("1558612345.678"). */
cf_status cf_time_parse_epoch(cf_time *out, const char *s, size_t n);

/* strptime-like format with %Y %m %d %H %M %S %z %b; for profile time formats. */
cf_status cf_time_parse_fmt(cf_time *out, const char *fmt, const char *s, size_t n);

/* "2019-05-23T11:52:25.678Z" into out (at least 25 bytes). */
void cf_time_format_rfc3339(char *out, size_t outsz, cf_time t);
/* "2019-05-23" */
void cf_time_format_date(char *out, size_t outsz, cf_time t);
/* Whole seconds, as MISP wants them: "1558612345". */
void cf_time_format_epoch(char *out, size_t outsz, cf_time t);

#endif
