/*
 * A quick reader for the common shape of a MISP warning list: one JSON
 * object of plain ASCII text whose "list" is an array, read in place.
 *
 * DESIGN
 * The large lists (tens of thousands of addresses and names) spend most of
 * their loading time building and freeing a general JSON tree. This reader
 * makes one pass over the file's bytes, decodes strings in place (a decoded
 * string is never longer than its escaped form, so it ends with a NUL
 * where its text was) and keeps only the members a warning list uses;
 * other members are checked and skipped. It is strict JSON. Whenever the
 * file is anything but the simple case (not ASCII, a \u escape outside
 * ASCII or of NUL, a number where a title is expected, a repeated member,
 * deep nesting, any syntax error) it gives up and the caller uses the
 * general parser, which also words the errors, so both paths load a list
 * the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warninglist_int.h"

#define WJ_MAX_DEPTH 64

typedef struct wj {
    char *p, *end;
    wl_doc *doc;
} wj;

/* Space, tab, line feed and carriage return, as bits by byte value. */
#define WJ_WS_BITS ((1ull << ' ') | (1ull << '\t') | (1ull << '\n') | (1ull << '\r'))

static void wj_ws(wj *j)
{
    char *p = j->p;
    while (p < j->end && (unsigned char)*p <= ' ' && ((WJ_WS_BITS >> (unsigned char)*p) & 1)) {
        p++;
    }
    j->p = p;
}

static int wj_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

#define WJ_ONES 0x0101010101010101ull
#define WJ_HIGHS 0x8080808080808080ull

/*
 * The first byte at or after r and before end that is a quote or needs the
 * slow path (a control character, a byte of 0x80 or above, a backslash), or
 * end. Eight bytes a step: a byte below 0x20 borrows when 0x20 is taken from
 * it, a quote or a backslash is a zero byte once XORed with itself; the
 * lowest flagged byte of a word is exact (a borrow only runs upwards).
 */
static char *wj_stop(char *r, char *end)
{
    for (; end - r >= 8; r += 8) {
        uint64_t w;
        memcpy(&w, r, 8);
        uint64_t bs = w ^ (WJ_ONES * '\\'), qu = w ^ (WJ_ONES * '"');
        uint64_t hit = (w | ((w - WJ_ONES * 0x20) & ~w) | ((bs - WJ_ONES) & ~bs) |
                        ((qu - WJ_ONES) & ~qu)) & WJ_HIGHS;
        if (hit) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            break; /* the flags above a true one may be false: the byte loop finds it */
#else
            return r + (__builtin_ctzll(hit) >> 3);
#endif
        }
    }
    for (; r < end; r++) {
        unsigned char c = (unsigned char)*r;
        if (c < 0x20 || c >= 0x80 || c == '\\' || c == '"') {
            return r;
        }
    }
    return end;
}

/*
 * wj_ws after a list's comma. The usual separator of a pretty-printed list
 * is a line feed and a run of spaces: the spaces are stepped over eight
 * bytes at a time, the rest by wj_ws.
 */
static void wj_ws_item(wj *j)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
    char *p = j->p;
    if (j->end - p > 8 && *p == '\n') {
        uint64_t w;
        memcpy(&w, p + 1, 8);
        uint64_t other = w ^ (WJ_ONES * ' '); /* a byte that is not a space */
        j->p = p + 1 + (other ? (size_t)(__builtin_ctzll(other) >> 3) : 8);
    }
#endif
    wj_ws(j);
}

/* A string at j->p (the opening quote), decoded in place and NUL-ended. */
static bool wj_string(wj *j, char **out, size_t *len)
{
    if (j->p >= j->end || *j->p != '"') {
        return false;
    }
    char *r = ++j->p, *w = r, *start = r;

    /* The usual string has no escape: its first stop is its closing quote. */
    char *q = wj_stop(r, j->end);
    if (q < j->end && *q == '"') {
        j->p = q + 1;
        *q = '\0';
        *out = start;
        *len = (size_t)(q - start);
        return true;
    }
    r = w = q;
    for (;;) {
        if (r >= j->end) {
            return false;
        }
        unsigned char c = (unsigned char)*r;
        if (c == '"') {
            break;
        }
        if (c < 0x20 || c >= 0x80) {
            return false;
        }
        if (c != '\\') {
            *w++ = *r++;
            continue;
        }
        if (r + 1 >= j->end) {
            return false;
        }
        char e = r[1];
        r += 2;
        switch (e) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            if (j->end - r < 4) {
                return false;
            }
            int v = 0;
            for (int k = 0; k < 4; k++) {
                int h = wj_hex(r[k]);
                if (h < 0) {
                    return false;
                }
                v = v * 16 + h;
            }
            if (v == 0 || v >= 0x80) {
                return false;
            }
            *w++ = (char)v;
            r += 4;
            break;
        }
        default:
            return false;
        }
    }
    j->p = r + 1;
    *w = '\0';
    *out = start;
    *len = (size_t)(w - start);
    return true;
}

/* A number by the JSON grammar; it is only checked. */
static bool wj_number(wj *j)
{
    char *p = j->p;
    if (p < j->end && *p == '-') {
        p++;
    }
    if (p >= j->end || *p < '0' || *p > '9') {
        return false;
    }
    if (*p == '0') {
        p++;
    } else {
        while (p < j->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (p < j->end && *p == '.') {
        p++;
        if (p >= j->end || *p < '0' || *p > '9') {
            return false;
        }
        while (p < j->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < j->end && (*p == '+' || *p == '-')) {
            p++;
        }
        if (p >= j->end || *p < '0' || *p > '9') {
            return false;
        }
        while (p < j->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    j->p = p;
    return true;
}

static bool wj_word(wj *j, const char *w, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) {
        return false;
    }
    j->p += n;
    return true;
}

/* Any value, checked and skipped. */
static bool wj_skip(wj *j, int depth)
{
    char *s;
    size_t n;

    if (depth > WJ_MAX_DEPTH || j->p >= j->end) {
        return false;
    }
    switch (*j->p) {
    case '"': return wj_string(j, &s, &n);
    case 't': return wj_word(j, "true", 4);
    case 'f': return wj_word(j, "false", 5);
    case 'n': return wj_word(j, "null", 4);
    case '[':
    case '{': {
        bool obj = *j->p == '{';
        char close = obj ? '}' : ']';
        j->p++;
        wj_ws(j);
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return true;
        }
        for (;;) {
            if (obj) {
                if (!wj_string(j, &s, &n)) {
                    return false;
                }
                wj_ws(j);
                if (j->p >= j->end || *j->p != ':') {
                    return false;
                }
                j->p++;
                wj_ws(j);
            }
            if (!wj_skip(j, depth + 1)) {
                return false;
            }
            wj_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                wj_ws(j);
                continue;
            }
            if (j->p < j->end && *j->p == close) {
                j->p++;
                return true;
            }
            return false;
        }
    }
    default:
        return wj_number(j);
    }
}

/* An array whose strings go to vals (NULL for any other value). */
static bool wj_strings(wj *j, wl_docval **vals, size_t *n_vals)
{
    size_t cap = 0;

    if (j->p >= j->end || *j->p != '[') {
        return false;
    }
    j->p++;
    wj_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return true;
    }
    for (;;) {
        if (*n_vals == cap) {
            cap = cap ? cap * 2 : 64;
            wl_docval *v = realloc(*vals, cap * sizeof *v);
            if (!v) {
                return false;
            }
            *vals = v;
        }
        wl_docval *v = &(*vals)[*n_vals];
        if (j->p < j->end && *j->p == '"') {
            if (!wj_string(j, &v->s, &v->len)) {
                return false;
            }
        } else {
            v->s = NULL;
            v->len = 0;
            if (!wj_skip(j, 1)) {
                return false;
            }
        }
        (*n_vals)++;
        wj_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            wj_ws_item(j);
            continue;
        }
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return true;
        }
        return false;
    }
}

/*
 * A member the list uses, seen once: a string, or an integer (as MISP
 * writes versions) as its decimal text in num.
 */
static bool wj_member_str(wj *j, const char **slot, char num[WL_DOC_NUM])
{
    char *s;
    size_t n;

    if (*slot) {
        return false;
    }
    if (j->p < j->end && (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))) {
        char *start = j->p;
        if (!wj_number(j)) {
            return false;
        }
        size_t k = (size_t)(j->p - start);
        char digits[WL_DOC_NUM];
        if (k >= sizeof digits || memchr(start, '.', k) || memchr(start, 'e', k) ||
            memchr(start, 'E', k)) {
            return false;
        }
        memcpy(digits, start, k);
        digits[k] = '\0';
        errno = 0;
        long long v = strtoll(digits, NULL, 10);
        if (errno == ERANGE) {
            return false;
        }
        snprintf(num, WL_DOC_NUM, "%lld", v);
        *slot = num;
        return true;
    }
    if (!wj_string(j, &s, &n)) {
        return false;
    }
    *slot = s;
    return true;
}

static bool wj_member(wj *j, const char *key)
{
    wl_doc *d = j->doc;

    if (strcmp(key, "name") == 0) {
        return wj_member_str(j, &d->name, d->num[0]);
    }
    if (strcmp(key, "description") == 0) {
        return wj_member_str(j, &d->description, d->num[1]);
    }
    if (strcmp(key, "version") == 0) {
        return wj_member_str(j, &d->version, d->num[2]);
    }
    if (strcmp(key, "type") == 0) {
        /* A type that is not a string is ignored by the general path: leave it to that. */
        if (j->p >= j->end || *j->p != '"') {
            return false;
        }
        return wj_member_str(j, &d->type, d->num[3]);
    }
    if (strcmp(key, "list") == 0) {
        if (d->has_list) {
            return false;
        }
        d->has_list = true;
        return wj_strings(j, &d->list, &d->n_list);
    }
    if (strcmp(key, "matching_attributes") == 0) {
        if (d->has_attrs) {
            return false;
        }
        d->has_attrs = true;
        return wj_strings(j, &d->attrs, &d->n_attrs);
    }
    return wj_skip(j, 1);
}

bool wl_doc_parse(char *buf, size_t len, wl_doc *doc)
{
    wj j = {buf, buf + len, doc};
    char *key;
    size_t n;

    memset(doc, 0, sizeof *doc);
    wj_ws(&j);
    if (j.p >= j.end || *j.p != '{') {
        return false;
    }
    j.p++;
    wj_ws(&j);
    if (j.p < j.end && *j.p == '}') {
        return false;
    }
    for (;;) {
        if (!wj_string(&j, &key, &n) || memchr(key, '\0', n)) {
            return false;
        }
        wj_ws(&j);
        if (j.p >= j.end || *j.p != ':') {
            return false;
        }
        j.p++;
        wj_ws(&j);
        if (!wj_member(&j, key)) {
            return false;
        }
        wj_ws(&j);
        if (j.p < j.end && *j.p == ',') {
            j.p++;
            wj_ws(&j);
            continue;
        }
        if (j.p < j.end && *j.p == '}') {
            j.p++;
            break;
        }
        return false;
    }
    wj_ws(&j);
    doc->nul_free = true;
    return j.p == j.end && doc->has_list;
}

void wl_doc_free(wl_doc *doc)
{
    free(doc->list);
    free(doc->attrs);
    memset(doc, 0, sizeof *doc);
}
