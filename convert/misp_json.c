/*
 * Compact JSON documents for the MISP reader (see misp_json.h).
 *
 * DESIGN
 * MISP feeds are large arrays of small attribute objects; building a
 * jansson tree for them costs an allocation per string and per container
 * and dominated conversion time. Here a document is read in two passes
 * over the text the reader has in memory anyway: a check that accepts
 * exactly what jansson accepts (strict syntax, valid UTF-8 without
 * surrogates or overlong forms, no \u0000, integers that fit 64 bits, reals
 * that do not overflow) and counts nodes, then a layout pass into one flat
 * node array that is reused from document to document. Strings are
 * decoded in place (a decoded string is never longer than its JSON text)
 * and NUL-terminated over their closing quote, so no string is copied.
 * The check does not modify the text, so when it fails the caller can hand
 * the same text to jansson for its error message and line.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "misp_json.h"

/* Whether a string's plain run stops at ch: quote, backslash, control, non-ASCII. */
static inline bool mj_stop(unsigned char ch)
{
    return (unsigned char)(ch - 0x20) >= 0x60 || ch == '"' || ch == '\\';
}

/*
 * Strings are scanned eight bytes at a time: a word is skipped whole when
 * none of its bytes can end the plain run (the tests below are exact for
 * "some byte of the word", the byte loop then finds which one).
 */
#define MJ_ONES 0x0101010101010101ull
#define MJ_HIGHS 0x8080808080808080ull

static inline uint64_t mj_load8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* Non-zero when a byte of w is zero. */
static inline uint64_t mj_zero_byte(uint64_t w)
{
    return (w - MJ_ONES) & ~w & MJ_HIGHS;
}

/* Non-zero when a byte of w is a quote or a backslash. */
static inline uint64_t mj_quote8(uint64_t w)
{
    return mj_zero_byte(w ^ (MJ_ONES * '"')) | mj_zero_byte(w ^ (MJ_ONES * '\\'));
}

/* Non-zero when a byte of w stops a plain run (mj_stop). */
static inline uint64_t mj_stop8(uint64_t w)
{
    return mj_quote8(w) | ((w - MJ_ONES * 0x20) & ~w & MJ_HIGHS) | (w & MJ_HIGHS);
}

typedef struct mjc {
    const unsigned char *p, *end;
    size_t nodes;
    size_t depth, max_depth, max_top;
} mjc;

static void mj_ws(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;

    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
        p++;
    }
    *pp = p;
}

static int mj_hex(unsigned char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* Four hex digits at p (end bounds p) into *u. */
static bool mj_hex4(const unsigned char *p, const unsigned char *end, unsigned *u)
{
    unsigned v = 0;

    if (end - p < 4) {
        return false;
    }
    for (int i = 0; i < 4; i++) {
        int h = mj_hex(p[i]);
        if (h < 0) {
            return false;
        }
        v = v << 4 | (unsigned)h;
    }
    *u = v;
    return true;
}

/* One UTF-8 sequence of two or more bytes at c->p, as jansson accepts it. */
static bool mjc_utf8(mjc *c)
{
    const unsigned char *p = c->p;
    unsigned ch = *p, cp, n;

    if (ch >= 0xC2 && ch <= 0xDF) {
        n = 1;
        cp = ch & 0x1F;
    } else if (ch >= 0xE0 && ch <= 0xEF) {
        n = 2;
        cp = ch & 0x0F;
    } else if (ch >= 0xF0 && ch <= 0xF4) {
        n = 3;
        cp = ch & 0x07;
    } else {
        return false;
    }
    if ((size_t)(c->end - p) <= n) {
        return false;
    }
    for (unsigned i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return false;
        }
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
        return false;
    }
    c->p = p + n + 1;
    return true;
}

static mj_check mjc_string(mjc *c)
{
    const unsigned char *end = c->end;

    c->p++;
    for (;;) {
        const unsigned char *p = c->p;
        while (end - p >= 8 && !mj_stop8(mj_load8(p))) {
            p += 8;
        }
        while (p < end && !mj_stop(*p)) {
            p++;
        }
        c->p = p;
        if (p >= end) {
            return MJ_INVALID;
        }
        if (*p == '"') {
            c->p = p + 1;
            c->nodes++;
            return MJ_OK;
        }
        if (*p < 0x20) {
            return MJ_INVALID;
        }
        if (*p >= 0x80) {
            if (!mjc_utf8(c)) {
                return MJ_INVALID;
            }
            continue;
        }
        /* a backslash */
        if (p + 1 >= end) {
            return MJ_INVALID;
        }
        switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            c->p = p + 2;
            break;
        case 'u': {
            unsigned u, lo;
            if (!mj_hex4(p + 2, end, &u) || u == 0 || (u >= 0xDC00 && u <= 0xDFFF)) {
                return MJ_INVALID;
            }
            p += 6;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !mj_hex4(p + 2, end, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    return MJ_INVALID;
                }
                p += 6;
            }
            c->p = p;
            break;
        }
        default:
            return MJ_INVALID;
        }
    }
}

static bool mj_digit(const unsigned char *p, const unsigned char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* Whether the byte after a number may end it in valid JSON. */
static bool mj_delim(const unsigned char *p, const unsigned char *end)
{
    return p < end && (*p == ',' || *p == ']' || *p == '}' || *p == ' ' || *p == '\n' ||
                       *p == '\r' || *p == '\t');
}

/*
 * Number at p: its end in *out, whether it is a real, and for an integer
 * whether it fits int64 (value in *iv).
 */
static bool mj_number(const unsigned char *p, const unsigned char *end,
                      const unsigned char **out, bool *real, int64_t *iv)
{
    const unsigned char *s = p;
    bool neg = false;
    uint64_t acc = 0;
    bool over = false;

    *real = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (!mj_digit(p, end)) {
        return false;
    }
    if (*p == '0') {
        p++;
    } else {
        while (mj_digit(p, end)) {
            unsigned d = (unsigned)(*p - '0');
            if (acc > (UINT64_MAX - d) / 10) {
                over = true;
            } else {
                acc = acc * 10 + d;
            }
            p++;
        }
    }
    if (p < end && *p == '.') {
        *real = true;
        p++;
        if (!mj_digit(p, end)) {
            return false;
        }
        while (mj_digit(p, end)) {
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        *real = true;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        if (!mj_digit(p, end)) {
            return false;
        }
        while (mj_digit(p, end)) {
            p++;
        }
    }
    if (!mj_delim(p, end)) {
        return false; /* also keeps strtod from reading past the text */
    }
    *out = p;
    if (*real) {
        errno = 0;
        double d = strtod((const char *)s, NULL);
        if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE) {
            return false;
        }
        *iv = 0;
        return true;
    }
    if (over || (!neg && acc > (uint64_t)INT64_MAX) ||
        (neg && acc > (uint64_t)INT64_MAX + 1u)) {
        return false;
    }
    *iv = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return true;
}

static mj_check mjc_value(mjc *c);

static mj_check mjc_container(mjc *c, bool object)
{
    unsigned char close = object ? '}' : ']';
    size_t members = 0;
    mj_check r;

    if (++c->depth > c->max_depth) {
        return MJ_TOO_DEEP;
    }
    c->nodes++;
    c->p++;
    mj_ws(&c->p, c->end);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        c->depth--;
        return MJ_OK;
    }
    for (;;) {
        if (object) {
            mj_ws(&c->p, c->end);
            if (c->p >= c->end || *c->p != '"') {
                return MJ_INVALID;
            }
            r = mjc_string(c);
            if (r != MJ_OK) {
                return r;
            }
            mj_ws(&c->p, c->end);
            if (c->p >= c->end || *c->p != ':') {
                return MJ_INVALID;
            }
            c->p++;
        }
        r = mjc_value(c);
        if (r != MJ_OK) {
            return r;
        }
        members++;
        if (object && c->depth == 1 && members > c->max_top) {
            return MJ_TOO_WIDE;
        }
        mj_ws(&c->p, c->end);
        if (c->p >= c->end) {
            return MJ_INVALID;
        }
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p == close) {
            c->p++;
            c->depth--;
            return MJ_OK;
        }
        return MJ_INVALID;
    }
}

static mj_check mjc_value(mjc *c)
{
    const unsigned char *p;
    bool real;
    int64_t iv;

    mj_ws(&c->p, c->end);
    if (c->p >= c->end) {
        return MJ_INVALID;
    }
    p = c->p;
    switch (*p) {
    case '{':
        return mjc_container(c, true);
    case '[':
        return mjc_container(c, false);
    case '"':
        return mjc_string(c);
    case 't':
        if (c->end - p >= 4 && memcmp(p, "true", 4) == 0) {
            c->p += 4;
            c->nodes++;
            return MJ_OK;
        }
        return MJ_INVALID;
    case 'f':
        if (c->end - p >= 5 && memcmp(p, "false", 5) == 0) {
            c->p += 5;
            c->nodes++;
            return MJ_OK;
        }
        return MJ_INVALID;
    case 'n':
        if (c->end - p >= 4 && memcmp(p, "null", 4) == 0) {
            c->p += 4;
            c->nodes++;
            return MJ_OK;
        }
        return MJ_INVALID;
    default:
        if (!mj_number(p, c->end, &c->p, &real, &iv)) {
            return MJ_INVALID;
        }
        c->nodes++;
        return MJ_OK;
    }
}

mj_check cf_mj_check(const char *text, size_t len, size_t max_depth, size_t max_top_members,
                     size_t *n_nodes)
{
    mjc c;
    mj_check r;

    *n_nodes = 0;
    c.p = (const unsigned char *)text;
    c.end = c.p + len;
    c.nodes = 0;
    c.depth = 0;
    c.max_depth = max_depth;
    c.max_top = max_top_members;
    mj_ws(&c.p, c.end);
    if (c.p >= c.end || (*c.p != '{' && *c.p != '[')) {
        return MJ_INVALID;
    }
    r = mjc_value(&c);
    if (r != MJ_OK) {
        return r;
    }
    mj_ws(&c.p, c.end);
    if (c.p != c.end || c.nodes > UINT32_MAX) {
        return MJ_INVALID;
    }
    *n_nodes = c.nodes;
    return MJ_OK;
}

/* ---- layout ---- */

typedef struct mjb {
    unsigned char *p;
    const unsigned char *end;
    mj_node *nodes;
    size_t n;
} mjb;

/* UTF-8 of code point u at w; returns the byte count. */
static size_t mj_put_utf8(unsigned char *w, unsigned u)
{
    if (u < 0x80) {
        w[0] = (unsigned char)u;
        return 1;
    }
    if (u < 0x800) {
        w[0] = (unsigned char)(0xC0 | u >> 6);
        w[1] = (unsigned char)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        w[0] = (unsigned char)(0xE0 | u >> 12);
        w[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
        w[2] = (unsigned char)(0x80 | (u & 0x3F));
        return 3;
    }
    w[0] = (unsigned char)(0xF0 | u >> 18);
    w[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
    w[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
    w[3] = (unsigned char)(0x80 | (u & 0x3F));
    return 4;
}

static unsigned mj_hex4_ok(const unsigned char *p)
{
    return (unsigned)(mj_hex(p[0]) << 12 | mj_hex(p[1]) << 8 | mj_hex(p[2]) << 4 | mj_hex(p[3]));
}

static void mjb_string(mjb *b)
{
    unsigned char *s = b->p + 1;
    unsigned char *q = s;
    unsigned char *w;
    mj_node *nd = &b->nodes[b->n++];

    while (b->end - q >= 8 && !mj_quote8(mj_load8(q))) {
        q += 8;
    }
    while (*q != '"' && *q != '\\') {
        q++;
    }
    w = q;
    while (*q != '"') {
        if (*q != '\\') {
            *w++ = *q++;
            continue;
        }
        unsigned char e = q[1];
        q += 2;
        switch (e) {
        case 'b':
            *w++ = '\b';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'u': {
            unsigned u = mj_hex4_ok(q);
            q += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                unsigned lo = mj_hex4_ok(q + 2);
                q += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            w += mj_put_utf8(w, u);
            break;
        }
        default:
            *w++ = e;
            break;
        }
    }
    *w = '\0';
    nd->kind = MJ_STRING;
    nd->len = (uint32_t)(w - s);
    nd->skip = 1;
    nd->u.s = (const char *)s;
    b->p = q + 1;
}

static void mjb_skip_ws(mjb *b)
{
    while (*b->p == ' ' || *b->p == '\n' || *b->p == '\r' || *b->p == '\t') {
        b->p++;
    }
}

static void mjb_value(mjb *b)
{
    mj_node *nd;
    size_t at;

    mjb_skip_ws(b);
    switch (*b->p) {
    case '"':
        mjb_string(b);
        return;
    case '{':
    case '[': {
        bool object = *b->p == '{';
        unsigned char close = object ? '}' : ']';
        uint32_t members = 0;
        at = b->n++;
        b->p++;
        mjb_skip_ws(b);
        while (*b->p != close) {
            if (object) {
                mjb_skip_ws(b);
                mjb_string(b);
                mjb_skip_ws(b);
                b->p++; /* ':' */
            }
            mjb_value(b);
            members++;
            mjb_skip_ws(b);
            if (*b->p == ',') {
                b->p++;
            }
        }
        b->p++;
        nd = &b->nodes[at];
        nd->kind = object ? MJ_OBJECT : MJ_ARRAY;
        nd->len = members;
        nd->skip = (uint32_t)(b->n - at);
        nd->u.s = NULL;
        return;
    }
    case 't':
    case 'f':
    case 'n':
        nd = &b->nodes[b->n++];
        nd->kind = *b->p == 't' ? MJ_TRUE : *b->p == 'f' ? MJ_FALSE : MJ_NULL;
        nd->len = 0;
        nd->skip = 1;
        nd->u.i = 0;
        b->p += *b->p == 'f' ? 5 : 4;
        return;
    default: {
        const unsigned char *e;
        bool real = false;
        nd = &b->nodes[b->n++];
        nd->len = 0;
        nd->skip = 1;
        /* checked already: a well-formed number followed by a delimiter */
        e = b->p;
        while ((*e >= '0' && *e <= '9') || *e == '-' || *e == '+' || *e == '.' || *e == 'e' ||
               *e == 'E') {
            real = real || *e == '.' || *e == 'e' || *e == 'E';
            e++;
        }
        if (real) {
            nd->kind = MJ_REAL;
            nd->u.d = strtod((const char *)b->p, NULL);
        } else {
            const unsigned char *d = b->p + (*b->p == '-');
            uint64_t acc = 0;
            while (d < e) {
                acc = acc * 10 + (uint64_t)(*d++ - '0');
            }
            nd->kind = MJ_INT;
            nd->u.i = *b->p == '-' ? (int64_t)(0 - acc) : (int64_t)acc;
        }
        b->p = (unsigned char *)(uintptr_t)e;
        return;
    }
    }
}

bool cf_mj_build(mj_doc *doc, char *text, size_t len, size_t n_nodes)
{
    mjb b;

    /* two spare nodes keep the iteration macros' last step inside the array */
    if (n_nodes + 2 > doc->cap) {
        mj_node *nn = realloc(doc->nodes, (n_nodes + 2) * sizeof *nn);
        if (!nn) {
            return false;
        }
        doc->nodes = nn;
        doc->cap = n_nodes + 2;
    }
    b.p = (unsigned char *)text;
    b.end = (const unsigned char *)text + len;
    b.nodes = doc->nodes;
    b.n = 0;
    mjb_value(&b);
    doc->n = b.n;
    return true;
}

void cf_mj_free(mj_doc *doc)
{
    free(doc->nodes);
    doc->nodes = NULL;
    doc->n = doc->cap = 0;
}

const mj_node *cf_mj_get(const mj_node *obj, const char *key)
{
    const mj_node *found = NULL;

    if (!obj || obj->kind != MJ_OBJECT) {
        return NULL;
    }
    size_t kl = strlen(key);
    const mj_node *k = obj + 1;
    for (uint32_t i = 0; i < obj->len; i++) {
        const mj_node *v = k + 1;
        if (k->len == kl && memcmp(k->u.s, key, kl) == 0) {
            found = v;
        }
        k = v + v->skip;
    }
    return found;
}
