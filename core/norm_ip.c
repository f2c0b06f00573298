/*
 * IP addresses and networks: strict parsers and the canonical text forms.
 *
 * DESIGN
 * IPv4 is four decimal octets 0-255 without leading zeros; the permissive
 * forms that inet_aton and friends accept (octal, hex, fewer parts) are
 * rejected, because a feed that writes "198.051.100.7" means something we
 * cannot know. IPv6 follows RFC 4291 text (one "::", 1-4 hex digits a
 * group, an optional dotted IPv4 tail) and is written back in RFC 5952
 * form: lower case, no leading zeros, the first longest run of two or more
 * zero groups compressed, and IPv4-mapped addresses as "::ffff:a.b.c.d".
 * A zone id ("%eth0") is dropped. Networks get their host bits cleared;
 * a /32 or /128 network is a single address and becomes an ip. Nothing
 * here allocates except the append to the caller's buffer.
 */
#include <string.h>

#include "norm_internal.h"

#define R_IP4 "invalid IPv4 address"
#define R_IP4_ZERO "invalid IPv4 address: octet with a leading zero"
#define R_IP4_BIG "invalid IPv4 address: octet greater than 255"
#define R_IP4_UNSPEC "invalid IPv4 address: 0.0.0.0 is not a host address"
#define R_IP6 "invalid IPv6 address"
#define R_IP6_DOUBLE "invalid IPv6 address: more than one '::'"
#define R_IP6_GROUP "invalid IPv6 address: group longer than 4 hex digits"
#define R_IP6_COUNT "invalid IPv6 address: wrong number of groups"
#define R_IP6_ZONE "invalid IPv6 address: empty zone id"
#define R_IP6_UNSPEC "invalid IPv6 address: :: is not a host address"
#define R_PREFIX "invalid CIDR prefix length"
#define R_PREFIX4 "invalid CIDR prefix length: greater than 32"
#define R_PREFIX6 "invalid CIDR prefix length: greater than 128"
#define W_HOST_BITS "host bits set, network address used"

/* Parse exactly four strict decimal octets filling the whole text. */
static bool ip4_parse(unsigned char b[4], const char *s, size_t len, const char **reason)
{
    size_t i = 0;

    for (int octet = 0; octet < 4; octet++) {
        if (octet > 0) {
            if (i >= len || s[i] != '.') {
                *reason = R_IP4;
                return false;
            }
            i++;
        }
        size_t start = i;
        unsigned value = 0;
        while (i < len && norm_is_digit(s[i]) && i - start < 4) {
            value = value * 10 + (unsigned)(s[i] - '0');
            i++;
        }
        size_t n = i - start;
        if (n == 0) {
            *reason = R_IP4;
            return false;
        }
        if (n > 1 && s[start] == '0') {
            *reason = R_IP4_ZERO;
            return false;
        }
        if (n > 3 || value > 255) {
            *reason = R_IP4_BIG;
            return false;
        }
        b[octet] = (unsigned char)value;
    }
    if (i != len) {
        *reason = R_IP4;
        return false;
    }
    return true;
}

static int hex_value(char c)
{
    if (norm_is_digit(c)) {
        return c - '0';
    }
    return norm_lower(c) - 'a' + 10;
}

/* Store groups[0..n) around the "::" at index dc (-1: none) into b. */
static bool ip6_expand(unsigned char b[16], const unsigned groups[8], int n, int dc,
                       const char **reason)
{
    unsigned full[8] = {0};

    if (dc < 0) {
        if (n != 8) {
            *reason = R_IP6_COUNT;
            return false;
        }
        memcpy(full, groups, sizeof full);
    } else {
        if (n > 7) {
            *reason = R_IP6_COUNT;
            return false;
        }
        int tail = n - dc;
        for (int k = 0; k < dc; k++) {
            full[k] = groups[k];
        }
        for (int k = 0; k < tail; k++) {
            full[8 - tail + k] = groups[dc + k];
        }
    }
    for (int k = 0; k < 8; k++) {
        b[2 * k] = (unsigned char)(full[k] >> 8);
        b[2 * k + 1] = (unsigned char)(full[k] & 0xff);
    }
    return true;
}

/* Parse IPv6 text without zone id. */
static bool ip6_parse(unsigned char b[16], const char *s, size_t len, const char **reason)
{
    unsigned groups[8];
    int n = 0, dc = -1;
    size_t i = 0;

    *reason = R_IP6;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        dc = 0;
        i = 2;
    } else if (len == 0 || s[0] == ':') {
        return false;
    }

    while (i < len) {
        size_t start = i;
        unsigned value = 0;
        while (i < len && norm_is_hex(s[i])) {
            value = (value << 4) | (unsigned)hex_value(s[i]);
            i++;
            if (i - start > 4) {
                break;
            }
        }

        /* A dotted IPv4 tail ends the address. */
        if (i < len && s[i] == '.' && i - start <= 3) {
            unsigned char v4[4];
            if (n > 6 || !ip4_parse(v4, s + start, len - start, reason)) {
                if (n > 6) {
                    *reason = R_IP6_COUNT;
                }
                return false;
            }
            groups[n++] = ((unsigned)v4[0] << 8) | v4[1];
            groups[n++] = ((unsigned)v4[2] << 8) | v4[3];
            i = len;
            break;
        }
        if (i == start) {
            return false;
        }
        if (i - start > 4) {
            *reason = R_IP6_GROUP;
            return false;
        }
        if (n == 8) {
            *reason = R_IP6_COUNT;
            return false;
        }
        groups[n++] = value;
        if (i == len) {
            break;
        }

        if (s[i] != ':') {
            return false;
        }
        i++;
        if (i < len && s[i] == ':') {
            if (dc >= 0) {
                *reason = R_IP6_DOUBLE;
                return false;
            }
            dc = n;
            i++;
        } else if (i == len) {
            return false;
        }
    }
    return ip6_expand(b, groups, n, dc, reason);
}

bool norm_addr_parse(norm_addr *out, const char *text, size_t len, const char **reason)
{
    const char *pct = memchr(text, '%', len);
    const char *colon = memchr(text, ':', len);

    memset(out, 0, sizeof *out);
    if (!colon) {
        out->family = 4;
        return ip4_parse(out->b, text, len, reason);
    }

    /* The zone id names an interface on the observer's host: drop it. */
    if (pct) {
        if ((size_t)(pct - text) + 1 == len) {
            *reason = R_IP6_ZONE;
            return false;
        }
        len = (size_t)(pct - text);
    }
    out->family = 6;
    return ip6_parse(out->b, text, len, reason);
}

bool norm_looks_dotted_decimal(const char *text, size_t len)
{
    bool dot = false;

    for (size_t i = 0; i < len; i++) {
        if (text[i] == '.') {
            dot = true;
        } else if (!norm_is_digit(text[i])) {
            return false;
        }
    }
    return dot;
}

static char *put_dec(char *p, unsigned v)
{
    char tmp[10];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        *p++ = tmp[--n];
    }
    return p;
}

static char *put_ip4(char *p, const unsigned char *b)
{
    for (int k = 0; k < 4; k++) {
        if (k) {
            *p++ = '.';
        }
        p = put_dec(p, b[k]);
    }
    return p;
}

static char *put_hex_group(char *p, unsigned v)
{
    static const char digits[] = "0123456789abcdef";
    bool started = false;

    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 0xf;
        if (d || started || shift == 0) {
            *p++ = digits[d];
            started = true;
        }
    }
    return p;
}

/* First longest run of two or more zero groups: start index or -1. */
static int ip6_best_run(const unsigned g[8], int *run_len)
{
    int best = -1, best_len = 0;

    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0) {
            j++;
        }
        if (j - i >= 2 && j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    *run_len = best_len;
    return best;
}

size_t norm_addr_format(const norm_addr *a, char *dst)
{
    char *p = dst;
    unsigned g[8];

    if (a->family == 4) {
        p = put_ip4(p, a->b);
        *p = '\0';
        return (size_t)(p - dst);
    }
    for (int k = 0; k < 8; k++) {
        g[k] = ((unsigned)a->b[2 * k] << 8) | a->b[2 * k + 1];
    }

    /* RFC 5952 section 5: IPv4-mapped addresses keep the dotted tail. */
    if (!g[0] && !g[1] && !g[2] && !g[3] && !g[4] && g[5] == 0xffff) {
        memcpy(p, "::ffff:", 7);
        p = put_ip4(p + 7, a->b + 12);
        *p = '\0';
        return (size_t)(p - dst);
    }

    int run_len;
    int run = ip6_best_run(g, &run_len);
    bool need_colon = false;
    for (int k = 0; k < 8;) {
        if (k == run) {
            *p++ = ':';
            *p++ = ':';
            need_colon = false;
            k += run_len;
            continue;
        }
        if (need_colon) {
            *p++ = ':';
        }
        p = put_hex_group(p, g[k]);
        need_colon = true;
        k++;
    }
    *p = '\0';
    return (size_t)(p - dst);
}

static bool addr_is_unspecified(const norm_addr *a)
{
    size_t n = a->family == 4 ? 4 : 16;

    for (size_t k = 0; k < n; k++) {
        if (a->b[k]) {
            return false;
        }
    }
    return true;
}

void norm_note_addr(cf_norm *out, const norm_addr *a, int prefix)
{
    out->addr_family = a->family;
    out->addr_prefix = prefix;
    memcpy(out->addr, a->b, sizeof out->addr);
}

cf_status norm_put_ip_value(cf_norm *out, const norm_addr *a)
{
    char text[NORM_IP_TEXT_MAX];
    size_t n = norm_addr_format(a, text);

    out->type = CF_IOC_IP;
    norm_note_addr(out, a, a->family == 4 ? 32 : 128);
    cf_buf_reset(&out->value);
    return cf_buf_append(&out->value, text, n);
}

/* A single host address, rejecting the unspecified address. */
static cf_status ip_put_host(cf_norm *out, const norm_addr *a)
{
    if (addr_is_unspecified(a)) {
        return norm_reject(out, CF_EMALFORMED, a->family == 4 ? R_IP4_UNSPEC : R_IP6_UNSPEC);
    }
    return norm_put_ip_value(out, a);
}

cf_status cf_norm_ip(cf_norm *out, const char *text, size_t len)
{
    norm_addr a;
    const char *reason = R_IP4;

    if (memchr(text, '/', len)) {
        return cf_norm_cidr(out, text, len);
    }
    out->type = CF_IOC_IP;
    out->addr_family = 0;
    if (!norm_addr_parse(&a, text, len, &reason)) {
        return norm_reject(out, CF_EMALFORMED, reason);
    }

    cf_status st = ip_put_host(out, &a);
    if (st == CF_OK) {
        norm_mark_changed(out, text, len);
    }
    return st;
}

/* Strict decimal prefix length: no sign, no leading zero, at most 3 digits. */
static bool prefix_parse(const char *s, size_t len, int family, int *prefix,
                         const char **reason)
{
    int v = 0;

    *reason = R_PREFIX;
    if (len == 0 || len > 3 || (len > 1 && s[0] == '0')) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!norm_is_digit(s[i])) {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (v > (family == 4 ? 32 : 128)) {
        *reason = family == 4 ? R_PREFIX4 : R_PREFIX6;
        return false;
    }
    *prefix = v;
    return true;
}

/* Clear the bits after prefix; true when any was set. */
static bool addr_mask(norm_addr *a, int prefix)
{
    int total = a->family == 4 ? 4 : 16;
    bool cleared = false;

    for (int k = 0; k < total; k++) {
        int keep = prefix - 8 * k;
        unsigned char mask;
        if (keep >= 8) {
            continue;
        }
        mask = keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
        if (a->b[k] & (unsigned char)~mask) {
            cleared = true;
        }
        a->b[k] &= mask;
    }
    return cleared;
}

/* Split "addr/prefix" and parse both halves. */
static bool cidr_parse(norm_addr *a, int *prefix, const char *text, size_t len,
                       const char **reason)
{
    const char *slash = memchr(text, '/', len);

    if (!slash) {
        if (!norm_addr_parse(a, text, len, reason)) {
            return false;
        }
        *prefix = a->family == 4 ? 32 : 128;
        return true;
    }
    size_t alen = (size_t)(slash - text);
    if (!norm_addr_parse(a, text, alen, reason)) {
        return false;
    }
    return prefix_parse(slash + 1, len - alen - 1, a->family, prefix, reason);
}

cf_status cf_norm_cidr(cf_norm *out, const char *text, size_t len)
{
    norm_addr a;
    int prefix = 0;
    const char *reason = R_PREFIX;
    cf_status st;

    out->type = CF_IOC_CIDR;
    out->addr_family = 0;
    if (!cidr_parse(&a, &prefix, text, len, &reason)) {
        return norm_reject(out, CF_EMALFORMED, reason);
    }

    /* One address: "/32" and "/128" (or no prefix at all) give an ip. */
    if (prefix == (a.family == 4 ? 32 : 128)) {
        st = ip_put_host(out, &a);
        if (st == CF_OK) {
            norm_mark_changed(out, text, len);
        }
        return st;
    }

    if (addr_mask(&a, prefix)) {
        out->host_bits_cleared = true;
        out->warning = W_HOST_BITS;
    }
    norm_note_addr(out, &a, prefix);
    char buf[NORM_IP_TEXT_MAX];
    size_t n = norm_addr_format(&a, buf);
    buf[n++] = '/';
    n = (size_t)(put_dec(buf + n, (unsigned)prefix) - buf);
    cf_buf_reset(&out->value);
    st = cf_buf_append(&out->value, buf, n);
    if (st == CF_OK) {
        norm_mark_changed(out, text, len);
    }
    return st;
}

bool cf_parse_ip(const char *text, size_t len, int *family, unsigned char addr[16])
{
    norm_addr a;
    const char *reason;

    if (!norm_addr_parse(&a, text, len, &reason)) {
        return false;
    }
    *family = a.family;
    memcpy(addr, a.b, a.family == 4 ? 4 : 16);
    return true;
}

bool cf_parse_cidr(const char *text, size_t len, int *family, unsigned char addr[16],
                   int *prefix)
{
    norm_addr a;
    const char *reason;

    if (!cidr_parse(&a, prefix, text, len, &reason)) {
        return false;
    }
    *family = a.family;
    memcpy(addr, a.b, a.family == 4 ? 4 : 16);
    return true;
}
