/*
 * Helpers shared by the CSV and text readers: UTF-8 checking, diagnostics
 * with byte offsets, BOM and white-space handling, feed time parsing.
 */
#include <string.h>

#include "readutil.h"

long rd_utf8_check(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* Fast path over ASCII, eight bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull) {
                break;
            }
            i += 8;
        }
        if (i >= n) {
            break;
        }
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return (long)i;
        }
        if (i + need >= n) {
            return (long)i;
        }
        if (p[i + 1] < lo || p[i + 1] > hi) {
            return (long)i;
        }
        for (size_t k = 2; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return (long)i;
            }
        }
        i += need + 1;
    }
    return -1;
}

void rd_diag(const cf_sink *sink, cf_diag_level level, const char *feed, uint64_t line,
             uint64_t offset, const char *reason, const char *value, size_t len)
{
    if (!sink || !sink->diag) {
        return;
    }
    cf_diag d;
    memset(&d, 0, sizeof d);
    d.level = level;
    d.feed = feed;
    d.line = line;
    d.byte_offset = offset;
    d.reason = reason;
    d.value = value;
    d.value_len = len;
    sink->diag(sink->ctx, &d);
}

bool rd_strip_bom(const char **s, size_t *n)
{
    if (*n >= 3 && memcmp(*s, "\xEF\xBB\xBF", 3) == 0) {
        *s += 3;
        *n -= 3;
        return true;
    }
    return false;
}

void rd_trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t k = *n;
    while (k > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        k--;
    }
    while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '\r')) {
        k--;
    }
    *s = p;
    *n = k;
}

bool rd_starts_markup(cf_input *in)
{
    const char *p;
    size_t n = cf_input_peek(in, &p, 512, NULL);
    size_t i = n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
        i++;
    }
    return i < n && p[i] == '<';
}

bool rd_is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
            return false;
        }
    }
    return true;
}

cf_status rd_time(cf_time *out, const cf_profile *p, const char *s, size_t n)
{
    if (p && p->time_format && cf_time_parse_fmt(out, p->time_format, s, n) == CF_OK) {
        return CF_OK;
    }
    return cf_time_parse(out, s, n);
}

int rd_confidence(long long v)
{
    return v >= 0 && v <= 100 ? (int)v : -1;
}

bool rd_is_sink_address(const char *s, size_t n)
{
    static const char *const sinks[] = {"0.0.0.0", "127.0.0.1", "::", "::1", "0:0:0:0:0:0:0:0",
                                        "0:0:0:0:0:0:0:1", NULL};
    for (size_t i = 0; sinks[i]; i++) {
        if (strlen(sinks[i]) == n && memcmp(sinks[i], s, n) == 0) {
            return true;
        }
    }
    return false;
}
