/*
 * Helpers shared by the line-based readers (CSV and text), private to
 * convert/.
 */
#ifndef CTIFLOW_CONVERT_READUTIL_H
#define CTIFLOW_CONVERT_READUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctiflow/ioc.h"
#include "ctiflow/profile.h"

/* Offset of the first byte that breaks UTF-8, or -1 when s is valid. */
long rd_utf8_check(const char *s, size_t n);

/* Report a diagnostic with a byte offset (the sink may lack diag). */
void rd_diag(const cf_sink *sink, cf_diag_level level, const char *feed, uint64_t line,
             uint64_t offset, const char *reason, const char *value, size_t len);

/* Drop a leading UTF-8 BOM; true when there was one. */
bool rd_strip_bom(const char **s, size_t *n);

/* Drop surrounding spaces and tabs. */
void rd_trim(const char **s, size_t *n);

/* True when the line is empty or only white space. */
bool rd_is_blank(const char *s, size_t n);

/* Parse a feed time with the profile's format (or the generic forms). */
cf_status rd_time(cf_time *out, const cf_profile *p, const char *s, size_t n);

/* A feed's confidence when it is an integer in 0..100, else -1: a larger
 * or negative number is never narrowed or wrapped into range. */
int rd_confidence(long long v);

/*
 * True when the stream starts (after a BOM and white space) with '<': an
 * HTML error page or an XML document where a text list or CSV was expected.
 */
bool rd_starts_markup(cf_input *in);

/* A hosts-file sink address (0.0.0.0, 127.0.0.1, ::, ::1). */
bool rd_is_sink_address(const char *s, size_t n);

#endif
