/*
 * cf_normalize: from the text a feed wrote to a typed, canonical IOC.
 *
 * DESIGN
 * One pass of preparation, then one normaliser. The text is bounded
 * (CF_MAX_VALUE_BYTES), stripped of surrounding ASCII white space and of a
 * UTF-8 byte order mark, and must be valid UTF-8 without NUL bytes. It is
 * then refanged into a stack buffer (refanging never makes text longer, so
 * no allocation is needed): "hxxp"/"hxxps"/"hxtp"/"h[tt]p"/"fxp" at the
 * start of a word and before "://" or '[', and the bracketed forms of '.',
 * ':', "://", '/', and '@' ("[.]", "(.)", "{.}", "[dot]", "(dot)", "[:]",
 * "[://]", "[@]", "[at]", "(at)", ...), any case; " [dot] " and " [at] "
 * swallow the spaces around them. Refanging repeats until nothing
 * changes. The types kept as given (filename, file, regkey, mutex,
 * user-agent, ssdeep, TLSH) are not refanged, since their text may
 * legitimately hold such sequences.
 *
 * With hint CF_IOC_NONE the type is detected (cf_detect_type); otherwise
 * the hint is the column's meaning, with the conversions feeds need: an ip
 * hint takes networks, a cidr hint takes single addresses, and a domain
 * hint holding an IP address gives an ip. out->changed compares the
 * canonical value with the trimmed input, so trimming and a BOM alone do
 * not count as a change, refanging does.
 */
#include <stdint.h>
#include <string.h>

#include "ctiflow/limits.h"
#include "ctiflow/normalize.h"
#include "norm_internal.h"

#define R_LONG "value longer than 8192 bytes"
#define R_EMPTY "empty value"
#define R_NUL "value contains a NUL byte"
#define R_UTF8 "invalid UTF-8"
#define R_UNKNOWN "cannot determine the type of the value"

/* Refanging shrinks the text, so a few passes reach a fixed point. */
#define REFANG_MAX_PASSES 16

typedef struct refang_rule {
    const char *from;
    const char *to;
    unsigned char from_len;
    unsigned char to_len;
    bool word; /* swallow one space on each side when both are there */
} refang_rule;

static const refang_rule refang_brackets[] = {
    {"[://]", "://", 5, 3, false}, {"[:]", ":", 3, 1, false},  {"[.]", ".", 3, 1, false},
    {"(.)", ".", 3, 1, false},     {"{.}", ".", 3, 1, false},  {"[dot]", ".", 5, 1, true},
    {"(dot)", ".", 5, 1, true},    {"{dot}", ".", 5, 1, true}, {"[@]", "@", 3, 1, false},
    {"(@)", "@", 3, 1, false},     {"{@}", "@", 3, 1, false},  {"[at]", "@", 4, 1, true},
    {"(at)", "@", 4, 1, true},     {"{at}", "@", 4, 1, true},  {"[/]", "/", 3, 1, false},
};

static const refang_rule refang_schemes[] = {
    {"hxxps", "https", 5, 5, false}, {"hxxp", "http", 4, 4, false},
    {"hxtps", "https", 5, 5, false}, {"hxtp", "http", 4, 4, false},
    {"h[tt]ps", "https", 7, 5, false}, {"h[tt]p", "http", 6, 4, false},
    {"fxp", "ftp", 3, 3, false},
};

#define N_BRACKETS (sizeof refang_brackets / sizeof refang_brackets[0])
#define N_SCHEMES (sizeof refang_schemes / sizeof refang_schemes[0])

static bool refang_match(const char *s, size_t len, size_t i, const refang_rule *r)
{
    return len - i >= r->from_len && norm_ieq(s + i, r->from_len, r->from, r->from_len);
}

/* The rule that applies at s[i], or NULL. */
static const refang_rule *refang_rule_at(const char *s, size_t len, size_t i)
{
    char c = s[i];

    if (c == '[' || c == '(' || c == '{') {
        for (size_t k = 0; k < N_BRACKETS; k++) {
            if (refang_match(s, len, i, &refang_brackets[k])) {
                return &refang_brackets[k];
            }
        }
        return NULL;
    }

    /* A scheme word: at a word start and followed by "://" or '['. */
    c = norm_lower(c);
    if ((c != 'h' && c != 'f') ||
        (i > 0 && (norm_is_alpha(s[i - 1]) || norm_is_digit(s[i - 1])))) {
        return NULL;
    }
    for (size_t k = 0; k < N_SCHEMES; k++) {
        const refang_rule *r = &refang_schemes[k];
        size_t e = i + r->from_len;
        if (refang_match(s, len, i, r) && e < len &&
            (s[e] == '[' || (len - e >= 3 && memcmp(s + e, "://", 3) == 0))) {
            return r;
        }
    }
    return NULL;
}

/*
 * Refang s into dst (room for len bytes); returns the new length. dst may
 * be s: the output never gets ahead of the input.
 */
static size_t refang_raw(char *dst, const char *s, size_t len, bool *replaced)
{
    size_t o = 0, i = 0;

    *replaced = false;
    while (i < len) {
        const refang_rule *r = refang_rule_at(s, len, i);
        if (!r) {
            dst[o++] = s[i++];
            continue;
        }
        size_t skip = r->from_len;
        if (r->word && o > 0 && dst[o - 1] == ' ' && i + skip < len && s[i + skip] == ' ') {
            o--;
            skip++;
        }
        memcpy(dst + o, r->to, r->to_len);
        o += r->to_len;
        i += skip;
        *replaced = true;
    }
    return o;
}

/* True when some rule applies somewhere in s: most values need no copy. */
static bool refang_needed(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '[':
        case '(':
        case '{':
        case 'h':
        case 'H':
        case 'f':
        case 'F':
            if (refang_rule_at(s, len, i)) {
                return true;
            }
            break;
        default:
            break;
        }
    }
    return false;
}

bool cf_refang(cf_buf *out, const char *text, size_t len)
{
    bool replaced = false;

    cf_buf_reset(out);
    if (cf_buf_reserve(out, len) != CF_OK) {
        return false;
    }
    out->len = refang_raw(out->data, text, len, &replaced);
    out->data[out->len] = '\0';
    return replaced;
}

bool norm_utf8_valid(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;

    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min, cp;
        uint64_t word;

        /* Eight ASCII bytes at a time. */
        if (len - i >= 8) {
            memcpy(&word, s + i, 8);
            if ((word & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        if (c < 0x80) {
            i++;
            continue;
        }

        /* Lead byte: number of continuation bytes and the smallest value. */
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            min = 0x10000;
        } else {
            return false;
        }
        cp = c & (0x3fu >> n);
        if (len - i <= n) {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

void cf_norm_free(cf_norm *n)
{
    if (!n) {
        return;
    }
    cf_buf_free(&n->value);
    cf_buf_free(&n->display_name);
}

static bool domain_like(const char *t, size_t n)
{
    bool dot = false;

    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c == '.') {
            dot = true;
        } else if (!norm_is_alpha(c) && !norm_is_digit(c) && c != '-' && c != '_' &&
                   (unsigned char)c < 0x80) {
            return false;
        }
    }
    return dot;
}

/* Hex groups, colons and perhaps a dotted tail: an IPv6 address, if any. */
static bool ipv6_like(const char *t, size_t n)
{
    int colons = 0;

    for (size_t i = 0; i < n; i++) {
        if (t[i] == ':') {
            colons++;
        } else if (t[i] == '%') {
            break;
        } else if (!norm_is_hex(t[i]) && t[i] != '.') {
            return false;
        }
    }
    return colons >= 2;
}

/* "a.b.c.d:port" or "[v6]:port" by shape. */
static bool endpoint_like(const char *t, size_t n)
{
    const char *colon = NULL;

    if (t[0] == '[') {
        const char *close = memchr(t, ']', n);
        return close && close + 1 < t + n && close[1] == ':';
    }
    for (size_t i = 0; i < n; i++) {
        if (t[i] == ':') {
            colon = t + i;
        }
    }
    if (!colon || colon + 1 == t + n) {
        return false;
    }
    for (const char *p = colon + 1; p < t + n; p++) {
        if (!norm_is_digit(*p)) {
            return false;
        }
    }
    return norm_looks_dotted_decimal(t, (size_t)(colon - t));
}

/* "addr/nn" where addr looks like an address. */
static bool cidr_like(const char *t, size_t n, const char *slash)
{
    norm_addr a;
    const char *reason;
    size_t alen = (size_t)(slash - t);

    if (slash + 1 == t + n) {
        return false;
    }
    for (const char *p = slash + 1; p < t + n; p++) {
        if (!norm_is_digit(*p)) {
            return false;
        }
    }
    return norm_looks_dotted_decimal(t, alen) || norm_addr_parse(&a, t, alen, &reason);
}

/* "host/path" or "host:port/path" without a scheme. */
static bool schemeless_url_like(const char *t, size_t n, const char *slash)
{
    size_t hlen = (size_t)(slash - t);
    const char *colon = memchr(t, ':', hlen);

    if (hlen == 0) {
        return false;
    }
    if (colon) {
        for (const char *p = colon + 1; p < slash; p++) {
            if (!norm_is_digit(*p)) {
                return false;
            }
        }
        hlen = (size_t)(colon - t);
    }
    return domain_like(t, hlen);
}

cf_ioc_type cf_detect_type(const char *text, size_t len)
{
    norm_addr a;
    const char *reason;
    cf_ioc_type type = CF_IOC_NONE;

    if (len == 0) {
        return CF_IOC_NONE;
    }
    if (norm_has_url_scheme(text, len)) {
        return CF_IOC_URL;
    }
    if (memchr(text, ' ', len) || memchr(text, '\t', len)) {
        bool mailbox = text[len - 1] == '>' && memchr(text, '@', len);
        return mailbox ? CF_IOC_EMAIL : CF_IOC_NONE;
    }

    /* Addresses first, by parsing the whole value, not by looking for '.'. */
    if (norm_addr_parse(&a, text, len, &reason) || norm_looks_dotted_decimal(text, len)) {
        return CF_IOC_IP;
    }
    const char *slash = memchr(text, '/', len);
    if (slash && cidr_like(text, len, slash)) {
        return CF_IOC_CIDR;
    }
    if (norm_detect_hashlike(text, len, &type) || norm_detect_asn_cve(text, len, &type)) {
        return type;
    }
    if (endpoint_like(text, len)) {
        return CF_IOC_ENDPOINT;
    }
    if (ipv6_like(text, len)) {
        return CF_IOC_IP;
    }
    if (memchr(text, '@', len)) {
        return CF_IOC_EMAIL;
    }
    if (slash && schemeless_url_like(text, len, slash)) {
        return CF_IOC_URL;
    }
    return domain_like(text, len) ? CF_IOC_DOMAIN : CF_IOC_NONE;
}

static bool type_kept_as_given(cf_ioc_type t)
{
    return t == CF_IOC_FILENAME || t == CF_IOC_FILE || t == CF_IOC_REGKEY ||
           t == CF_IOC_MUTEX || t == CF_IOC_USER_AGENT || t == CF_IOC_SSDEEP ||
           t == CF_IOC_TLSH;
}

static cf_status normalize_typed(cf_norm *out, cf_ioc_type type, const char *t, size_t n)
{
    norm_addr a;
    const char *reason;

    switch (type) {
    case CF_IOC_IP:
        return cf_norm_ip(out, t, n);
    case CF_IOC_CIDR:
        return cf_norm_cidr(out, t, n);
    case CF_IOC_DOMAIN:
        /* A host column holding an address: an ip, with the ip's reasons. */
        if (norm_looks_dotted_decimal(t, n) ||
            (memchr(t, ':', n) && norm_addr_parse(&a, t, n, &reason))) {
            return cf_norm_ip(out, t, n);
        }
        return cf_norm_domain(out, t, n);
    case CF_IOC_URL:
        return cf_norm_url(out, t, n);
    case CF_IOC_EMAIL:
        return cf_norm_email(out, t, n);
    case CF_IOC_MD5:
    case CF_IOC_SHA1:
    case CF_IOC_SHA256:
    case CF_IOC_SHA512:
    case CF_IOC_SSDEEP:
    case CF_IOC_TLSH:
    case CF_IOC_JA3:
    case CF_IOC_X509_SHA1:
        return cf_norm_hash(out, type, t, n);
    case CF_IOC_FILE:
        return cf_norm_file(out, CF_IOC_NONE, t, n);
    case CF_IOC_ENDPOINT:
        return cf_norm_endpoint(out, t, n);
    default:
        return norm_other(out, type, t, n);
    }
}

static void normalize_reset(cf_norm *out)
{
    out->type = CF_IOC_NONE;
    out->hash_type = CF_IOC_NONE;
    out->port = -1;
    cf_buf_reset(&out->value);
    cf_buf_reset(&out->display_name);
    out->changed = false;
    out->host_bits_cleared = false;
    out->warning = NULL;
    out->reason = NULL;
    out->addr_family = 0;
}

/* Narrow text[*a..*b) past white space and byte order marks on both ends. */
static void normalize_strip(const char *text, size_t *a, size_t *b)
{
    for (;;) {
        norm_trim(text, a, b);
        if (*b - *a >= 3 && memcmp(text + *a, "\xef\xbb\xbf", 3) == 0) {
            *a += 3;
            continue;
        }
        return;
    }
}

cf_status cf_normalize(cf_norm *out, cf_ioc_type hint, const char *text, size_t len)
{
    char work[CF_MAX_VALUE_BYTES];
    size_t a = 0, b = len, n;
    bool replaced = false;
    cf_status st;

    normalize_reset(out);
    if (len > CF_MAX_VALUE_BYTES) {
        return norm_reject(out, CF_ELIMIT, R_LONG);
    }
    normalize_strip(text, &a, &b);
    const char *t = text + a;
    n = b - a;
    if (n == 0) {
        return norm_reject(out, CF_EMALFORMED, R_EMPTY);
    }
    if (memchr(t, '\0', n)) {
        return norm_reject(out, CF_EMALFORMED, R_NUL);
    }
    if (!norm_utf8_valid(t, n)) {
        return norm_reject(out, CF_EMALFORMED, R_UTF8);
    }

    const char *p = t;
    size_t pn = n;
    if (!type_kept_as_given(hint) && refang_needed(t, n)) {
        size_t s = 0;
        pn = refang_raw(work, t, n, &replaced);

        /* "[[.]]" refangs to "[.]": go on until nothing changes, so that a
         * canonical value normalises to itself. Each pass works in place. */
        for (int pass = 0; replaced && pass < REFANG_MAX_PASSES; pass++) {
            pn = refang_raw(work, work, pn, &replaced);
        }
        norm_trim(work, &s, &pn);
        p = work + s;
        pn -= s;
    }

    if (hint == CF_IOC_NONE) {
        hint = cf_detect_type(p, pn);
        if (hint == CF_IOC_NONE) {
            return norm_reject(out, CF_EMALFORMED, R_UNKNOWN);
        }
    }
    st = normalize_typed(out, hint, p, pn);
    if (st != CF_OK) {
        cf_buf_reset(&out->value);
        return st;
    }
    out->changed = false;
    norm_mark_changed(out, t, n);
    return CF_OK;
}
