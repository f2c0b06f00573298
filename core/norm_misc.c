/*
 * The small normalisers: hashes, file name|hash pairs, endpoints, AS
 * numbers, CVE ids and the free-text types kept as given.
 *
 * DESIGN
 * Digests are lower-case hex of the exact length of their algorithm; an
 * untyped digest is typed by its length (32 md5, 40 sha1, 64 sha256, 128
 * sha512; ja3 and x509-sha1 share those lengths and are only taken when
 * hinted). ssdeep and TLSH are validated by grammar and kept as given. A
 * file value splits at the last '|', because the name may contain one and
 * the hash never does. Endpoints are an IP address and a decimal port,
 * IPv6 in brackets. Every function writes out->value from scratch.
 */
#include <stdio.h>
#include <string.h>

#include "norm_internal.h"

#define R_HASH_ANY "invalid hash: not 32, 40, 64 or 128 hexadecimal digits"
#define R_HASH_TYPE "unsupported hash type"
#define R_SSDEEP "invalid ssdeep hash: expected blocksize:hash:hash"
#define R_TLSH "invalid TLSH hash: expected 70 or 72 hexadecimal digits, optionally after 'T1'"
#define R_FILE_BAR "invalid file value: no '|' between file name and hash"
#define R_FILE_NAME "invalid file value: empty file name"
#define R_FILE_CTRL "invalid file value: control character in the file name"
#define R_EP_PORT "invalid endpoint: port is not a number from 0 to 65535"
#define R_EP_NO_PORT "invalid endpoint: no port"
#define R_EP_V6 "invalid endpoint: IPv6 address must be written [address]:port"
#define R_EP_HOST "invalid endpoint: host is not an IP address"
#define R_EP_UNSPEC "invalid endpoint: unspecified address"
#define R_ASN "invalid AS number: expected AS followed by 0 to 4294967295"
#define R_CVE "invalid CVE id: expected CVE-YYYY-NNNN"
#define R_CTRL "invalid value: control character"
#define R_UTF8 "invalid UTF-8"

#define SSDEEP_PART_MAX 64
#define CVE_SEQ_MAX 19

typedef struct hash_spec {
    cf_ioc_type type;
    size_t len;
    const char *reason;
} hash_spec;

static const hash_spec hash_specs[] = {
    {CF_IOC_MD5, 32, "invalid md5 hash: not 32 hexadecimal digits"},
    {CF_IOC_SHA1, 40, "invalid sha1 hash: not 40 hexadecimal digits"},
    {CF_IOC_SHA256, 64, "invalid sha256 hash: not 64 hexadecimal digits"},
    {CF_IOC_SHA512, 128, "invalid sha512 hash: not 128 hexadecimal digits"},
    {CF_IOC_JA3, 32, "invalid ja3 fingerprint: not 32 hexadecimal digits"},
    {CF_IOC_X509_SHA1, 40, "invalid x509-sha1 fingerprint: not 40 hexadecimal digits"},
};

/* Each hex digit's lower-case form; 0 for every other byte. */
static const char hex_lower[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5',
    ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['a'] = 'a', ['b'] = 'b',
    ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['A'] = 'a', ['B'] = 'b',
    ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f',
};

/* Digests are random digits and letters: a branch per byte mispredicted half the time. */
static bool all_hex(const char *text, size_t len)
{
    unsigned bad = 0;
    for (size_t i = 0; i < len; i++) {
        bad |= hex_lower[(unsigned char)text[i]] == 0;
    }
    return bad == 0;
}

static bool all_digits(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!norm_is_digit(text[i])) {
            return false;
        }
    }
    return len > 0;
}

/* Plain digest type of an untyped hex text by its length, or NONE. */
static cf_ioc_type hash_type_by_length(const char *text, size_t len)
{
    cf_ioc_type type = CF_IOC_NONE;

    switch (len) {
    case 32:
        type = CF_IOC_MD5;
        break;
    case 40:
        type = CF_IOC_SHA1;
        break;
    case 64:
        type = CF_IOC_SHA256;
        break;
    case 128:
        type = CF_IOC_SHA512;
        break;
    default:
        return CF_IOC_NONE;
    }
    return all_hex(text, len) ? type : CF_IOC_NONE;
}

static bool ssdeep_b64(char c)
{
    return norm_is_alpha(c) || norm_is_digit(c) || c == '+' || c == '/';
}

/* blocksize ":" part ":" part, blocksize a positive decimal number. */
static bool ssdeep_valid(const char *text, size_t len)
{
    size_t i = 0, part_start;

    while (i < len && norm_is_digit(text[i])) {
        i++;
    }
    if (i == 0 || i > 10 || text[0] == '0' || i == len || text[i] != ':') {
        return false;
    }
    for (int part = 0; part < 2; part++) {
        part_start = ++i;
        while (i < len && ssdeep_b64(text[i])) {
            i++;
        }
        if (i - part_start > SSDEEP_PART_MAX) {
            return false;
        }
        if (part == 0 && (i == len || text[i] != ':')) {
            return false;
        }
    }
    return i == len;
}

static bool tlsh_valid(const char *text, size_t len)
{
    if (len >= 2 && (text[0] == 'T' || text[0] == 't') && text[1] == '1') {
        text += 2;
        len -= 2;
    }
    return (len == 70 || len == 72) && all_hex(text, len);
}

/* Write a lower-case copy of text into out->value. */
/* The lower-case form of hex digits into out->value; marks it changed when it differs. */
static cf_status put_hex_lower(cf_norm *out, const char *text, size_t len)
{
    unsigned changed = 0;

    cf_buf_reset(&out->value);
    if (cf_buf_reserve(&out->value, len) != CF_OK) {
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < len; i++) {
        char c = hex_lower[(unsigned char)text[i]];
        changed |= c != text[i];
        out->value.data[i] = c;
    }
    out->value.len = len;
    out->value.data[len] = '\0';
    if (changed) {
        out->changed = true;
    }
    return CF_OK;
}

/* "AB:CD:..." certificate fingerprints: drop the colons into buf. */
static bool hash_strip_colons(char *buf, size_t cap, const char *text, size_t len, size_t *n)
{
    size_t k = 0;

    for (size_t i = 0; i < len; i++) {
        if (i % 3 == 2) {
            if (text[i] != ':') {
                return false;
            }
            continue;
        }
        if (k == cap) {
            return false;
        }
        buf[k++] = text[i];
    }
    *n = k;
    return true;
}

cf_status cf_norm_hash(cf_norm *out, cf_ioc_type type, const char *text, size_t len)
{
    char plain[40];
    size_t n = 0;

    cf_buf_reset(&out->value);
    if (type == CF_IOC_NONE) {
        type = hash_type_by_length(text, len);
        if (type == CF_IOC_NONE) {
            return norm_reject(out, CF_EMALFORMED, R_HASH_ANY);
        }
    }
    out->type = type;

    if (type == CF_IOC_SSDEEP || type == CF_IOC_TLSH) {
        bool ok = type == CF_IOC_SSDEEP ? ssdeep_valid(text, len) : tlsh_valid(text, len);
        if (!ok) {
            return norm_reject(out, CF_EMALFORMED, type == CF_IOC_SSDEEP ? R_SSDEEP : R_TLSH);
        }
        return cf_buf_append(&out->value, text, len);
    }
    if (type == CF_IOC_X509_SHA1 && len == 59 &&
        hash_strip_colons(plain, sizeof plain, text, len, &n)) {
        text = plain;
        len = n;
    }

    for (size_t k = 0; k < sizeof hash_specs / sizeof hash_specs[0]; k++) {
        if (hash_specs[k].type != type) {
            continue;
        }
        if (len != hash_specs[k].len || !all_hex(text, len)) {
            return norm_reject(out, CF_EMALFORMED, hash_specs[k].reason);
        }
        return put_hex_lower(out, text, len);
    }
    return norm_reject(out, CF_EUNSUPPORTED, R_HASH_TYPE);
}

static bool has_control(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            return true;
        }
    }
    return false;
}

cf_status cf_norm_file(cf_norm *out, cf_ioc_type hash_type, const char *text, size_t len)
{
    const char *bar = NULL;

    out->type = CF_IOC_FILE;
    cf_buf_reset(&out->value);
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '|') {
            bar = text + i;
        }
    }
    if (!bar) {
        return norm_reject(out, CF_EMALFORMED, R_FILE_BAR);
    }
    size_t name_len = (size_t)(bar - text);
    if (name_len == 0) {
        return norm_reject(out, CF_EMALFORMED, R_FILE_NAME);
    }
    if (has_control(text, name_len)) {
        return norm_reject(out, CF_EMALFORMED, R_FILE_CTRL);
    }

    /* The hash first, then the name and '|' moved in front of it. */
    size_t hs = name_len + 1, he = len;
    norm_trim(text, &hs, &he);
    cf_status st = cf_norm_hash(out, hash_type, text + hs, he - hs);
    out->hash_type = out->type;
    out->type = CF_IOC_FILE;
    if (st != CF_OK) {
        return st;
    }
    if (cf_buf_reserve(&out->value, name_len + 1) != CF_OK) {
        return CF_ENOMEM;
    }
    memmove(out->value.data + name_len + 1, out->value.data, out->value.len + 1);
    memcpy(out->value.data, text, name_len + 1);
    out->value.len += name_len + 1;
    out->changed = false;
    norm_mark_changed(out, text, len);
    return CF_OK;
}

/* Decimal port 0..65535 filling the text. */
static bool port_parse(const char *text, size_t len, int *port)
{
    long v = 0;

    if (len == 0 || len > 5 || !all_digits(text, len)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        v = v * 10 + (text[i] - '0');
    }
    if (v > 65535) {
        return false;
    }
    *port = (int)v;
    return true;
}

/* Split "[v6]:port" or "v4:port" into host text and port text. */
static const char *endpoint_split(const char *text, size_t len, const char **host,
                                  size_t *host_len, const char **port, size_t *port_len)
{
    const char *colon = NULL;

    if (len && text[0] == '[') {
        const char *close = memchr(text, ']', len);
        if (!close || (size_t)(close - text) + 1 >= len || close[1] != ':') {
            return close ? R_EP_NO_PORT : R_EP_V6;
        }
        *host = text + 1;
        *host_len = (size_t)(close - text) - 1;
        colon = close + 1;
    } else {
        for (size_t i = 0; i < len; i++) {
            if (text[i] == ':') {
                colon = text + i;
            }
        }
        if (!colon) {
            return R_EP_NO_PORT;
        }
        *host = text;
        *host_len = (size_t)(colon - text);
        if (memchr(text, ':', *host_len)) {
            return R_EP_V6;
        }
    }
    *port = colon + 1;
    *port_len = len - (size_t)(*port - text);
    return NULL;
}

cf_status cf_norm_endpoint(cf_norm *out, const char *text, size_t len)
{
    const char *host = NULL, *port = NULL, *reason;
    size_t host_len = 0, port_len = 0;
    norm_addr a;
    char buf[NORM_IP_TEXT_MAX + 16];

    out->type = CF_IOC_ENDPOINT;
    out->addr_family = 0;
    cf_buf_reset(&out->value);
    reason = endpoint_split(text, len, &host, &host_len, &port, &port_len);
    if (reason) {
        return norm_reject(out, CF_EMALFORMED, reason);
    }
    if (!norm_addr_parse(&a, host, host_len, &reason)) {
        bool ipish = text[0] == '[' || norm_looks_dotted_decimal(host, host_len);
        return norm_reject(out, CF_EMALFORMED, ipish ? reason : R_EP_HOST);
    }
    if ((text[0] == '[') != (a.family == 6)) {
        return norm_reject(out, CF_EMALFORMED, R_EP_V6);
    }
    bool unspecified = true;
    for (int k = 0; k < (a.family == 4 ? 4 : 16); k++) {
        unspecified = unspecified && a.b[k] == 0;
    }
    if (unspecified) {
        return norm_reject(out, CF_EMALFORMED, R_EP_UNSPEC);
    }
    if (!port_parse(port, port_len, &out->port)) {
        return norm_reject(out, CF_EMALFORMED, R_EP_PORT);
    }

    norm_note_addr(out, &a, a.family == 4 ? 32 : 128);
    size_t n = 0;
    if (a.family == 6) {
        buf[n++] = '[';
    }
    n += norm_addr_format(&a, buf + n);
    if (a.family == 6) {
        buf[n++] = ']';
    }
    n += (size_t)snprintf(buf + n, sizeof buf - n, ":%d", out->port);
    cf_status st = cf_buf_append(&out->value, buf, n);
    if (st == CF_OK) {
        norm_mark_changed(out, text, len);
    }
    return st;
}

/* Decimal number of up to max digits (leading zeros allowed) into *v. */
static bool dec_parse(const char *text, size_t len, unsigned long long max,
                      unsigned long long *v)
{
    *v = 0;
    if (!all_digits(text, len)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        *v = *v * 10 + (unsigned)(text[i] - '0');
        if (*v > max) {
            return false;
        }
    }
    return true;
}

/* "AS64496", "as64496", "ASN 64496", "64496", asdot "1.10" -> "AS64496". */
static cf_status norm_asn(cf_norm *out, const char *text, size_t len)
{
    unsigned long long v = 0, hi = 0, lo = 0;
    char buf[32];

    out->type = CF_IOC_ASN;
    if (len >= 3 && norm_ieq(text, 3, "asn", 3)) {
        text += 3;
        len -= 3;
    } else if (len >= 2 && norm_ieq(text, 2, "as", 2)) {
        text += 2;
        len -= 2;
    }
    if (len && text[0] == ' ') {
        text++;
        len--;
    }

    const char *dot = memchr(text, '.', len);
    if (dot) {
        size_t hl = (size_t)(dot - text);
        if (!dec_parse(text, hl, 65535, &hi) ||
            !dec_parse(dot + 1, len - hl - 1, 65535, &lo)) {
            return norm_reject(out, CF_EMALFORMED, R_ASN);
        }
        v = hi * 65536 + lo;
    } else if (!dec_parse(text, len, 4294967295ull, &v)) {
        return norm_reject(out, CF_EMALFORMED, R_ASN);
    }
    int n = snprintf(buf, sizeof buf, "AS%llu", v);
    cf_buf_reset(&out->value);
    return cf_buf_append(&out->value, buf, (size_t)n);
}

/* "cve-2024-3094" -> "CVE-2024-3094". */
static cf_status norm_cve(cf_norm *out, const char *text, size_t len)
{
    out->type = CF_IOC_CVE;
    if (len < 13 || !norm_ieq(text, 4, "cve-", 4) || !all_digits(text + 4, 4) ||
        text[8] != '-' || len - 9 > CVE_SEQ_MAX || !all_digits(text + 9, len - 9)) {
        return norm_reject(out, CF_EMALFORMED, R_CVE);
    }
    cf_buf_reset(&out->value);
    cf_status st = cf_buf_append(&out->value, text, len);
    if (st == CF_OK) {
        memcpy(out->value.data, "CVE", 3);
    }
    return st;
}

/* filename, regkey, mutex, user-agent: kept as given. */
static cf_status norm_text(cf_norm *out, cf_ioc_type type, const char *text, size_t len)
{
    out->type = type;
    if (has_control(text, len)) {
        return norm_reject(out, CF_EMALFORMED, R_CTRL);
    }
    if (!norm_utf8_valid(text, len)) {
        return norm_reject(out, CF_EMALFORMED, R_UTF8);
    }
    cf_buf_reset(&out->value);
    return cf_buf_append(&out->value, text, len);
}

cf_status norm_other(cf_norm *out, cf_ioc_type type, const char *text, size_t len)
{
    switch (type) {
    case CF_IOC_ASN:
        return norm_asn(out, text, len);
    case CF_IOC_CVE:
        return norm_cve(out, text, len);
    case CF_IOC_FILENAME:
    case CF_IOC_REGKEY:
    case CF_IOC_MUTEX:
    case CF_IOC_USER_AGENT:
        return norm_text(out, type, text, len);
    default:
        return norm_reject(out, CF_EUNSUPPORTED, "unsupported IOC type");
    }
}

bool norm_detect_hashlike(const char *text, size_t len, cf_ioc_type *type)
{
    const char *bar = NULL;

    *type = hash_type_by_length(text, len);
    if (*type != CF_IOC_NONE) {
        return true;
    }
    if (len >= 2 && (text[0] == 'T' || text[0] == 't') && tlsh_valid(text, len)) {
        *type = CF_IOC_TLSH;
        return true;
    }
    if (ssdeep_valid(text, len)) {
        *type = CF_IOC_SSDEEP;
        return true;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '|') {
            bar = text + i;
        }
    }
    if (bar && bar > text) {
        size_t hs = (size_t)(bar - text) + 1;
        if (hash_type_by_length(text + hs, len - hs) != CF_IOC_NONE) {
            *type = CF_IOC_FILE;
            return true;
        }
    }
    return false;
}

bool norm_detect_asn_cve(const char *text, size_t len, cf_ioc_type *type)
{
    if (len >= 5 && norm_ieq(text, 4, "cve-", 4) && norm_is_digit(text[4])) {
        *type = CF_IOC_CVE;
        return true;
    }
    size_t skip = (len >= 3 && norm_ieq(text, 3, "asn", 3)) ? 3
                  : (len >= 2 && norm_ieq(text, 2, "as", 2)) ? 2 : 0;
    if (skip && all_digits(text + skip, len - skip)) {
        *type = CF_IOC_ASN;
        return true;
    }
    return false;
}
