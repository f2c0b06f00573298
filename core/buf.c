/*
 * Growable NUL-terminated byte buffers and JSON string escaping.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctiflow/buf.h"

void cf_buf_free(cf_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

cf_status cf_buf_reserve(cf_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) {
        return CF_OK;
    }
    if (extra > ((size_t)-1) / 2 - b->len) {
        return CF_ENOMEM;
    }

    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        return CF_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return CF_OK;
}

cf_status cf_buf_append(cf_buf *b, const char *s, size_t n)
{
    if (cf_buf_reserve(b, n) != CF_OK) {
        return CF_ENOMEM;
    }
    if (n) {
        memcpy(b->data + b->len, s, n);
    }
    b->len += n;
    b->data[b->len] = '\0';
    return CF_OK;
}

cf_status cf_buf_puts(cf_buf *b, const char *s)
{
    return cf_buf_append(b, s, strlen(s));
}

cf_status cf_buf_putc(cf_buf *b, char c)
{
    if (b->len + 2 > b->cap && cf_buf_reserve(b, 1) != CF_OK) {
        return CF_ENOMEM;
    }
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return CF_OK;
}

cf_status cf_buf_printf(cf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || cf_buf_reserve(b, (size_t)n) != CF_OK) {
        return CF_ENOMEM;
    }

    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return CF_OK;
}

size_t cf_utf8_seq_len(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[0];
    size_t len;
    unsigned min, cp;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    cp = c & (0x7fu >> len);
    for (size_t k = 1; k < len; k++) {
        if ((u[k] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (u[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

/*
 * Length of the prefix of s[0..n) that JSON takes as it is (no quote,
 * backslash, control byte or byte of a multi-byte sequence, which must be
 * checked), eight bytes at a time while no byte of a word needs a look; the
 * tests are exact for "some byte of the word".
 */
static size_t buf_json_plain(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;

    for (; n - i >= 8; i += 8) {
        uint64_t w, q, bs;
        memcpy(&w, s + i, sizeof w);
        q = w ^ (ones * '"');
        bs = w ^ (ones * '\\');
        uint64_t stop = ((q - ones) & ~q) | ((bs - ones) & ~bs) | ((w - ones * 0x20) & ~w) | w;
        if (stop & highs) {
            break;
        }
    }
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
            break;
        }
        i++;
    }
    return i;
}

cf_status cf_buf_json_str(cf_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";

    size_t plain = buf_json_plain(s, n);
    if (plain == n) {
        return cf_buf_append(b, s, n);
    }
    if (cf_buf_reserve(b, n + 8) != CF_OK) {
        return CF_ENOMEM;
    }
    size_t start = 0;
    for (size_t i = plain; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t seq = cf_utf8_seq_len(s + i, n - i);
            if (seq) {
                i += seq - 1;
                continue;
            }
        } else if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        /* Flush the plain run, then the escape of this byte. */
        if (cf_buf_append(b, s + start, i - start) != CF_OK) {
            return CF_ENOMEM;
        }
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        if (cf_buf_append(b, esc, elen) != CF_OK) {
            return CF_ENOMEM;
        }
        start = i + 1;
    }
    return cf_buf_append(b, s + start, n - start);
}

cf_status cf_buf_json_quoted(cf_buf *b, const char *s)
{
    if (!s) {
        return cf_buf_append(b, "null", 4);
    }
    if (cf_buf_putc(b, '"') != CF_OK || cf_buf_json_str(b, s, strlen(s)) != CF_OK) {
        return CF_ENOMEM;
    }
    return cf_buf_putc(b, '"');
}

char *cf_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) {
        return NULL;
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *cf_strdup(const char *s)
{
    return s ? cf_strndup(s, strlen(s)) : NULL;
}

size_t cf_int64_text(char *out, int64_t v)
{
    char tmp[24];
    size_t n = 0, k = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    /* Printed by hand: the writers print one or more per IOC. */
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        out[k++] = '-';
    }
    while (n) {
        out[k++] = tmp[--n];
    }
    out[k] = '\0';
    return k;
}
