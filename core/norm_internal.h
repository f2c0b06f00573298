/*
 * Helpers shared by the normalisers in core/norm*.c; not part of the
 * public interface.
 *
 * The address parsers work on raw bytes and never allocate. The "put"
 * functions append a canonical form to a buffer so that the URL and e-mail
 * normalisers can reuse the host and domain rules; on a reject they leave
 * a static reason in *reason and return a failure status.
 */
#ifndef CTIFLOW_NORM_INTERNAL_H
#define CTIFLOW_NORM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "ctiflow/buf.h"
#include "ctiflow/normalize.h"

/* Longest text of an address: IPv6 with dotted tail and a "/128" prefix. */
#define NORM_IP_TEXT_MAX 64

/* A parsed address; family 4 or 6, bytes in network order. */
typedef struct norm_addr {
    int family;
    unsigned char b[16];
} norm_addr;

/*
 * Strict IPv4 (four decimal octets, no leading zeros) or IPv6 (RFC 4291
 * text, optional dotted tail, optional "%zone" which is dropped). On
 * failure *reason names the problem. 0.0.0.0 and :: are accepted here.
 */
bool norm_addr_parse(norm_addr *out, const char *text, size_t len, const char **reason);

/* Record the address of an ip, cidr or endpoint in out for matching (addr_family ...). */
void norm_note_addr(cf_norm *out, const norm_addr *a, int prefix);

/* Write the canonical text (dotted quad or RFC 5952) into dst[NORM_IP_TEXT_MAX]. */
size_t norm_addr_format(const norm_addr *a, char *dst);

/* True when every byte is a digit or '.', and there is at least one dot. */
bool norm_looks_dotted_decimal(const char *text, size_t len);

/*
 * Append the canonical (lower-case A-label) form of a host name to dst.
 * single_label allows a name without a dot (URL hosts such as "intranet").
 */
cf_status norm_domain_put(cf_buf *dst, const char *text, size_t len, bool single_label,
                          const char **reason);

/* True when text starts with "scheme://" (RFC 3986 scheme). */
bool norm_has_url_scheme(const char *text, size_t len);

/* asn, cve and the types kept as given (norm_misc.c). */
cf_status norm_other(cf_norm *out, cf_ioc_type type, const char *text, size_t len);

/* Detection helpers: digests, ssdeep, TLSH and "name|hash"; asn and cve. */
bool norm_detect_hashlike(const char *text, size_t len, cf_ioc_type *type);
bool norm_detect_asn_cve(const char *text, size_t len, cf_ioc_type *type);

/* Strict UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
bool norm_utf8_valid(const char *text, size_t len);

/* ASCII helpers that ignore the locale. */
static inline char norm_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

static inline bool norm_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool norm_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool norm_is_hex(char c)
{
    return norm_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline bool norm_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Narrow text[*start..*end) to drop surrounding ASCII white space. */
static inline void norm_trim(const char *text, size_t *start, size_t *end)
{
    while (*start < *end && norm_is_space(text[*start])) {
        (*start)++;
    }
    while (*end > *start && norm_is_space(text[*end - 1])) {
        (*end)--;
    }
}

/* Case-insensitive comparison of len bytes against a lower-case literal. */
static inline bool norm_ieq(const char *text, size_t len, const char *lit, size_t litlen)
{
    if (len != litlen) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (norm_lower(text[i]) != lit[i]) {
            return false;
        }
    }
    return true;
}

/* Reject with a reason: sets out->reason and returns st. */
static inline cf_status norm_reject(cf_norm *out, cf_status st, const char *reason)
{
    out->reason = reason;
    return st;
}

/* Set out->changed when out->value differs from the given input text. */
static inline void norm_mark_changed(cf_norm *out, const char *text, size_t len)
{
    if (out->value.len != len || (len && memcmp(out->value.data, text, len) != 0)) {
        out->changed = true;
    }
}

/* Put the canonical value of an address into out->value as type ip. */
cf_status norm_put_ip_value(cf_norm *out, const norm_addr *a);

#endif
