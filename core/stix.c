/*
 * STIX 2.1 building blocks: UUIDv5 ids, pattern text for every IOC type,
 * pattern string escaping, deterministic SCO ids and the TLP markings.
 *
 * DESIGN
 * Ids. cf_uuid5() hashes namespace || name with SHA-1 through libcrypto's
 * EVP interface; the digest is fetched once per process and each thread
 * keeps one reusable EVP_MD_CTX (freed by a thread-key destructor), so an id
 * costs one digest and no allocation (and a name of up to 240 bytes, copied
 * behind the namespace, one update). SCO ids follow STIX 2.1 section 2.9:
 * UUIDv5 in the SCO namespace over the RFC 8785 (JCS) serialisation of the
 * type's ID contributing properties, e.g. {"value":"example.com"} or
 * {"hashes":{"SHA-256":"..."},"name":"a.exe"}; the JCS text is built here
 * directly because every such object has fixed, already sorted keys.
 * ctiflow's own namespace CF_NS is the UUIDv5 of the DNS name
 * "ctiflow.invalid" in the RFC 4122 DNS namespace
 * (c9bcebc2-08e1-5aec-a073-78094cccb814); indicator ids are UUIDv5 in CF_NS
 * of the complete pattern text, so the same IOC always gets the same id.
 *
 * Patterns. One observation expression per IOC, the value written as a
 * string constant with ' and \ escaped (STIX 2.1 section 9.2). Types STIX
 * has no object for use these documented forms:
 *   ja3         [network-traffic:extensions.'x-ja3-ext'.ja3_hash = '<md5>']
 *   user-agent  [network-traffic:extensions.'http-request-ext'
 *                .request_header.'User-Agent' = '...']
 *   endpoint    [network-traffic:dst_ref.type = 'ipv4-addr' AND
 *                network-traffic:dst_ref.value = '...' AND
 *                network-traffic:dst_port = 443]
 * A cve has no pattern (a vulnerability is not observable): writers emit a
 * vulnerability object for it instead of an indicator. A registry key
 * written with an abbreviated hive (HKLM\...) gets the full hive name in
 * its pattern and SCO, as STIX 2.1 section 6.13 requires.
 *
 * TLP. Clear, green, amber and red map to the four TLP 1.0 marking
 * definitions that STIX 2.1 section 7.2.1.4 fixes (white stands for clear);
 * amber+strict, which TLP 1.0 lacks, maps to the TLP 2.0 marking object of
 * the OASIS TLP 2.0 extension. The inverse accepts the 1.0 and 2.0 ids.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ctiflow/limits.h"
#include "ctiflow/stix.h"

const char CF_STIX_SCO_NS[] = "00abedb4-aa42-466c-9c01-fed23315a9b7";
const char CF_NS[] = "c9bcebc2-08e1-5aec-a073-78094cccb814";

/* ------------------------------------------------------------------ UUIDv5 */

static pthread_once_t stix_once = PTHREAD_ONCE_INIT;
static pthread_key_t stix_ctx_key;
static EVP_MD *stix_sha1;

static void stix_ctx_destroy(void *p)
{
    EVP_MD_CTX_free(p);
}

static void stix_init(void)
{
    stix_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    pthread_key_create(&stix_ctx_key, stix_ctx_destroy);
}

/* This thread's digest context, created on first use; NULL on failure. */
static EVP_MD_CTX *stix_ctx(void)
{
    pthread_once(&stix_once, stix_init);
    EVP_MD_CTX *ctx = pthread_getspecific(stix_ctx_key);
    if (!ctx) {
        ctx = EVP_MD_CTX_new();
        if (ctx && pthread_setspecific(stix_ctx_key, ctx) != 0) {
            EVP_MD_CTX_free(ctx);
            ctx = NULL;
        }
    }
    return ctx;
}

static int stix_hexval(char c)
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

/* Parse the 36-character text form; false when malformed. */
static bool stix_uuid_parse(unsigned char out[16], const char *s)
{
    size_t k = 0;
    for (size_t i = 0; i < 36 && k < 16; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return false;
            }
            continue;
        }
        int hi = stix_hexval(s[i]);
        int lo = stix_hexval(s[i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[k++] = (unsigned char)(hi << 4 | lo);
        i++;
    }
    return k == 16;
}

static void stix_uuid_format(char out[37], const unsigned char u[16])
{
    static const char hex[] = "0123456789abcdef";
    size_t p = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[p++] = '-';
        }
        out[p++] = hex[u[i] >> 4];
        out[p++] = hex[u[i] & 15];
    }
    out[p] = '\0';
}

void cf_uuid5(char out[37], const char *ns, const char *name, size_t len)
{
    unsigned char msg[16 + 240];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    /* The namespace is nearly always the same one: its bytes are kept per thread. */
    static _Thread_local char last_ns[37];
    static _Thread_local unsigned char last_nsb[16];

    memset(md, 0, sizeof(md));
    if (last_ns[0] != '\0' && strncmp(ns, last_ns, sizeof(last_ns)) == 0) {
        memcpy(msg, last_nsb, 16);
    } else if (stix_uuid_parse(msg, ns)) {
        memcpy(last_ns, ns, 36);
        last_ns[36] = '\0';
        memcpy(last_nsb, msg, 16);
    } else {
        memset(msg, 0, 16);
    }

    /* A short name goes into one buffer behind the namespace: one update, not two. */
    EVP_MD_CTX *ctx = stix_ctx();
    bool one = len <= sizeof(msg) - 16;
    if (one) {
        memcpy(msg + 16, name, len);
    }
    if (!ctx || !stix_sha1 || !EVP_DigestInit_ex2(ctx, stix_sha1, NULL) ||
        !EVP_DigestUpdate(ctx, msg, one ? 16 + len : 16) ||
        (!one && !EVP_DigestUpdate(ctx, name, len)) || !EVP_DigestFinal_ex(ctx, md, &mdlen)) {
        /* Only reachable when libcrypto itself is broken; yield the nil-like id. */
        memset(md, 0, sizeof(md));
    }

    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    stix_uuid_format(out, md);
}

/* ---------------------------------------------------------------- patterns */

cf_status cf_stix_escape(cf_buf *out, const char *s, size_t n)
{
    if (cf_buf_reserve(out, n + 8) != CF_OK) {
        return CF_ENOMEM;
    }
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\'' && s[i] != '\\') {
            continue;
        }
        if (cf_buf_append(out, s + start, i - start) != CF_OK || cf_buf_putc(out, '\\') != CF_OK) {
            return CF_ENOMEM;
        }
        start = i;
    }
    return cf_buf_append(out, s + start, n - start);
}

/* The hash key of a file's hashes dictionary as a pattern path step. */
static const char *stix_hash_path(cf_ioc_type t)
{
    switch (t) {
    case CF_IOC_MD5:
        return "MD5";
    case CF_IOC_SHA1:
        return "'SHA-1'";
    case CF_IOC_SHA256:
        return "'SHA-256'";
    case CF_IOC_SHA512:
        return "'SHA-512'";
    case CF_IOC_SSDEEP:
        return "SSDEEP";
    case CF_IOC_TLSH:
        return "TLSH";
    default:
        return NULL;
    }
}

/* The hashing-algorithm-ov name of t, as a dictionary key. */
static const char *stix_hash_name(cf_ioc_type t)
{
    switch (t) {
    case CF_IOC_MD5:
        return "MD5";
    case CF_IOC_SHA1:
    case CF_IOC_X509_SHA1:
        return "SHA-1";
    case CF_IOC_SHA256:
        return "SHA-256";
    case CF_IOC_SHA512:
        return "SHA-512";
    case CF_IOC_SSDEEP:
        return "SSDEEP";
    case CF_IOC_TLSH:
        return "TLSH";
    default:
        return NULL;
    }
}

/* Hash type of a file IOC: its hash_type, else guessed from the digest length. */
static cf_ioc_type stix_file_hash_type(const cf_ioc *ioc, size_t hash_len)
{
    if (cf_ioc_type_is_hash(ioc->hash_type)) {
        return ioc->hash_type;
    }
    switch (hash_len) {
    case 32:
        return CF_IOC_MD5;
    case 40:
        return CF_IOC_SHA1;
    case 64:
        return CF_IOC_SHA256;
    case 128:
        return CF_IOC_SHA512;
    default:
        return CF_IOC_NONE;
    }
}

/*
 * Split an endpoint value ("a.b.c.d:port" or "[v6]:port") into its address
 * and port; false when the value has neither shape.
 */
static bool stix_split_endpoint(const char *v, const char **addr, size_t *alen, long *port)
{
    const char *colon;
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (!close || close[1] != ':') {
            return false;
        }
        *addr = v + 1;
        *alen = (size_t)(close - v - 1);
        colon = close + 1;
    } else {
        colon = strrchr(v, ':');
        if (!colon) {
            return false;
        }
        *addr = v;
        *alen = (size_t)(colon - v);
    }

    char *end = NULL;
    *port = strtol(colon + 1, &end, 10);
    return end != colon + 1 && *end == '\0' && *port >= 0 && *port <= 65535;
}

static bool stix_is_v6(const char *s, size_t n)
{
    return memchr(s, ':', n) != NULL;
}

const char *cf_stix_regkey_hive(const char *key, size_t *abbrev_len)
{
    static const struct {
        const char *abbrev;
        const char *full;
    } hives[] = {
        {"HKLM", "HKEY_LOCAL_MACHINE"}, {"HKCU", "HKEY_CURRENT_USER"},
        {"HKCR", "HKEY_CLASSES_ROOT"},  {"HKCC", "HKEY_CURRENT_CONFIG"},
        {"HKU", "HKEY_USERS"},
    };
    for (size_t i = 0; i < sizeof(hives) / sizeof(hives[0]); i++) {
        size_t n = strlen(hives[i].abbrev);
        if (strncasecmp(key, hives[i].abbrev, n) == 0 && (key[n] == '\\' || key[n] == '\0')) {
            *abbrev_len = n;
            return hives[i].full;
        }
    }
    return NULL;
}

/* Append "[<prefix>'<escaped value>']". */
static cf_status stix_simple(cf_buf *out, const char *prefix, const char *v, size_t n)
{
    if (cf_buf_putc(out, '[') != CF_OK || cf_buf_puts(out, prefix) != CF_OK ||
        cf_buf_append(out, " = '", 4) != CF_OK || cf_stix_escape(out, v, n) != CF_OK ||
        cf_buf_append(out, "']", 2) != CF_OK) {
        return CF_ENOMEM;
    }
    return CF_OK;
}

/* [windows-registry-key:key = '<hive><escaped rest>'], hive NULL for none. */
static cf_status stix_pattern_regkey(cf_buf *out, const char *hive, const char *v, size_t n)
{
    if (cf_buf_puts(out, "[windows-registry-key:key = '") != CF_OK ||
        (hive && cf_buf_puts(out, hive) != CF_OK) || cf_stix_escape(out, v, n) != CF_OK ||
        cf_buf_append(out, "']", 2) != CF_OK) {
        return CF_ENOMEM;
    }
    return CF_OK;
}

static cf_status stix_pattern_file(cf_buf *out, const cf_ioc *ioc)
{
    const char *v = ioc->value;
    const char *bar = strrchr(v, '|');
    if (!bar) {
        return CF_EMALFORMED;
    }
    const char *hash = bar + 1;
    const char *path = stix_hash_path(stix_file_hash_type(ioc, strlen(hash)));
    if (!path) {
        return CF_EUNSUPPORTED;
    }

    if (cf_buf_append(out, "[file:name = '", 14) != CF_OK ||
        cf_stix_escape(out, v, (size_t)(bar - v)) != CF_OK ||
        cf_buf_puts(out, "' AND file:hashes.") != CF_OK || cf_buf_puts(out, path) != CF_OK ||
        cf_buf_append(out, " = '", 4) != CF_OK ||
        cf_stix_escape(out, hash, strlen(hash)) != CF_OK || cf_buf_append(out, "']", 2) != CF_OK) {
        return CF_ENOMEM;
    }
    return CF_OK;
}

static cf_status stix_pattern_endpoint(cf_buf *out, const cf_ioc *ioc)
{
    const char *addr;
    size_t alen;
    long port;
    if (!stix_split_endpoint(ioc->value, &addr, &alen, &port)) {
        return CF_EMALFORMED;
    }
    if (ioc->port >= 0) {
        port = ioc->port;
    }

    const char *type = stix_is_v6(addr, alen) ? "ipv6-addr" : "ipv4-addr";
    if (cf_buf_printf(out, "[network-traffic:dst_ref.type = '%s' AND ", type) != CF_OK ||
        cf_buf_puts(out, "network-traffic:dst_ref.value = '") != CF_OK ||
        cf_stix_escape(out, addr, alen) != CF_OK ||
        cf_buf_printf(out, "' AND network-traffic:dst_port = %ld]", port) != CF_OK) {
        return CF_ENOMEM;
    }
    return CF_OK;
}

/* The AS number of "AS64496" (or a bare number); -1 when malformed. */
static long long stix_asn_number(const char *v)
{
    if ((v[0] == 'A' || v[0] == 'a') && (v[1] == 'S' || v[1] == 's')) {
        v += 2;
    }
    if (*v < '0' || *v > '9') {
        return -1;
    }
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (*end != '\0' || n < 0 || n > 4294967295LL) {
        return -1;
    }
    return n;
}

/* The object path of a single-comparison pattern for t, or NULL. */
static const char *stix_simple_path(cf_ioc_type t, const char *v, size_t n)
{
    switch (t) {
    case CF_IOC_IP:
    case CF_IOC_CIDR:
        return stix_is_v6(v, n) ? "ipv6-addr:value" : "ipv4-addr:value";
    case CF_IOC_DOMAIN:
        return "domain-name:value";
    case CF_IOC_URL:
        return "url:value";
    case CF_IOC_EMAIL:
        return "email-addr:value";
    case CF_IOC_MD5:
        return "file:hashes.MD5";
    case CF_IOC_SHA1:
        return "file:hashes.'SHA-1'";
    case CF_IOC_SHA256:
        return "file:hashes.'SHA-256'";
    case CF_IOC_SHA512:
        return "file:hashes.'SHA-512'";
    case CF_IOC_SSDEEP:
        return "file:hashes.SSDEEP";
    case CF_IOC_TLSH:
        return "file:hashes.TLSH";
    case CF_IOC_FILENAME:
        return "file:name";
    case CF_IOC_JA3:
        return "network-traffic:extensions.'x-ja3-ext'.ja3_hash";
    case CF_IOC_X509_SHA1:
        return "x509-certificate:hashes.'SHA-1'";
    case CF_IOC_MUTEX:
        return "mutex:name";
    case CF_IOC_USER_AGENT:
        return "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'";
    default:
        return NULL;
    }
}

cf_status cf_stix_pattern(cf_buf *out, const cf_ioc *ioc)
{
    const char *v = ioc->value;
    if (!v) {
        return CF_EINVAL;
    }
    size_t n = strlen(v);
    size_t start = out->len;
    cf_status st;

    switch (ioc->type) {
    case CF_IOC_FILE:
        st = stix_pattern_file(out, ioc);
        break;
    case CF_IOC_ENDPOINT:
        st = stix_pattern_endpoint(out, ioc);
        break;
    case CF_IOC_REGKEY: {
        size_t skip = 0;
        const char *hive = cf_stix_regkey_hive(v, &skip);
        st = stix_pattern_regkey(out, hive, v + skip, n - skip);
        break;
    }
    case CF_IOC_ASN: {
        long long num = stix_asn_number(v);
        st = num < 0 ? CF_EMALFORMED : cf_buf_printf(out, "[autonomous-system:number = %lld]", num);
        break;
    }
    default: {
        const char *path = stix_simple_path(ioc->type, v, n);
        st = path ? stix_simple(out, path, v, n) : CF_EUNSUPPORTED;
        break;
    }
    }

    if (st == CF_OK && out->len - start > CF_MAX_PATTERN_BYTES) {
        st = CF_ELIMIT;
    }
    if (st != CF_OK && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return st;
}

void cf_stix_indicator_id(char out[64], const char *pattern)
{
    char u[37];
    cf_uuid5(u, CF_NS, pattern, strlen(pattern));
    memcpy(out, "indicator--", 11);
    memcpy(out + 11, u, 37);
}

/* ----------------------------------------------------------------- SCO ids */

/* Append s as an RFC 8785 JSON string, quotes included. */
static cf_status stix_jcs_str(cf_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (cf_buf_putc(b, '"') != CF_OK) {
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
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
            if (c >= 0x20) {
                esc[0] = (char)c;
                elen = 1;
            } else {
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                elen = 6;
            }
        }
        if (cf_buf_append(b, esc, elen) != CF_OK) {
            return CF_ENOMEM;
        }
    }
    return cf_buf_putc(b, '"');
}

/* {"<key>":"<value>"} */
static cf_status stix_jcs_one(cf_buf *b, const char *key, const char *v, size_t n)
{
    if (cf_buf_printf(b, "{\"%s\":", key) != CF_OK || stix_jcs_str(b, v, n) != CF_OK) {
        return CF_ENOMEM;
    }
    return cf_buf_putc(b, '}');
}

/* {"hashes":{"<alg>":"<hash>"}} with an optional ,"name":"..." */
static cf_status stix_jcs_hashes(cf_buf *b, const char *alg, const char *h, size_t hn,
                                 const char *name, size_t nn)
{
    if (cf_buf_printf(b, "{\"hashes\":{\"%s\":", alg) != CF_OK || stix_jcs_str(b, h, hn) != CF_OK ||
        cf_buf_putc(b, '}') != CF_OK) {
        return CF_ENOMEM;
    }
    if (name &&
        (cf_buf_append(b, ",\"name\":", 8) != CF_OK || stix_jcs_str(b, name, nn) != CF_OK)) {
        return CF_ENOMEM;
    }
    return cf_buf_putc(b, '}');
}

/* The SCO type of ioc and its JCS id-contributing object into jcs. */
static cf_status stix_sco_jcs(cf_buf *jcs, const char **type, const cf_ioc *ioc)
{
    const char *v = ioc->value;
    size_t n = strlen(v);

    switch (ioc->type) {
    case CF_IOC_IP:
    case CF_IOC_CIDR:
        *type = stix_is_v6(v, n) ? "ipv6-addr" : "ipv4-addr";
        return stix_jcs_one(jcs, "value", v, n);
    case CF_IOC_DOMAIN:
        *type = "domain-name";
        return stix_jcs_one(jcs, "value", v, n);
    case CF_IOC_URL:
        *type = "url";
        return stix_jcs_one(jcs, "value", v, n);
    case CF_IOC_EMAIL:
        *type = "email-addr";
        return stix_jcs_one(jcs, "value", v, n);
    case CF_IOC_FILENAME:
        *type = "file";
        return stix_jcs_one(jcs, "name", v, n);
    case CF_IOC_MUTEX:
        *type = "mutex";
        return stix_jcs_one(jcs, "name", v, n);
    case CF_IOC_REGKEY: {
        size_t skip = 0;
        const char *hive = cf_stix_regkey_hive(v, &skip);
        *type = "windows-registry-key";
        if (!hive) {
            return stix_jcs_one(jcs, "key", v, n);
        }
        cf_buf full = CF_BUF_INIT;
        cf_status st = CF_ENOMEM;
        if (cf_buf_puts(&full, hive) == CF_OK && cf_buf_puts(&full, v + skip) == CF_OK) {
            st = stix_jcs_one(jcs, "key", full.data, full.len);
        }
        cf_buf_free(&full);
        return st;
    }
    case CF_IOC_X509_SHA1:
        *type = "x509-certificate";
        return stix_jcs_hashes(jcs, "SHA-1", v, n, NULL, 0);
    case CF_IOC_ASN: {
        long long num = stix_asn_number(v);
        if (num < 0) {
            return CF_EMALFORMED;
        }
        *type = "autonomous-system";
        return cf_buf_printf(jcs, "{\"number\":%lld}", num);
    }
    case CF_IOC_FILE: {
        const char *bar = strrchr(v, '|');
        if (!bar) {
            return CF_EMALFORMED;
        }
        const char *alg = stix_hash_name(stix_file_hash_type(ioc, strlen(bar + 1)));
        if (!alg) {
            return CF_EUNSUPPORTED;
        }
        *type = "file";
        return stix_jcs_hashes(jcs, alg, bar + 1, strlen(bar + 1), v, (size_t)(bar - v));
    }
    default: {
        const char *alg = stix_hash_name(ioc->type);
        if (!alg) {
            return CF_EUNSUPPORTED;
        }
        *type = "file";
        return stix_jcs_hashes(jcs, alg, v, n, NULL, 0);
    }
    }
}

cf_status cf_stix_sco_id(cf_buf *out, const cf_ioc *ioc)
{
    cf_buf jcs = CF_BUF_INIT;
    const char *type = NULL;
    char u[37];

    if (!ioc->value) {
        return CF_EINVAL;
    }
    cf_status st = stix_sco_jcs(&jcs, &type, ioc);
    if (st != CF_OK) {
        goto out;
    }
    cf_uuid5(u, CF_STIX_SCO_NS, cf_buf_str(&jcs), jcs.len);
    if (cf_buf_puts(out, type) != CF_OK || cf_buf_append(out, "--", 2) != CF_OK ||
        cf_buf_append(out, u, 36) != CF_OK) {
        st = CF_ENOMEM;
    }

out:
    cf_buf_free(&jcs);
    return st;
}

/* -------------------------------------------------------------------- TLP */

static const struct {
    cf_tlp tlp;
    const char *id;
} stix_tlp_ids[] = {
    /* TLP 1.0, STIX 2.1 section 7.2.1.4; white reads as clear. */
    {CF_TLP_CLEAR, "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"},
    {CF_TLP_GREEN, "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
    {CF_TLP_AMBER, "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
    {CF_TLP_RED, "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"},
    /* TLP 2.0, OASIS extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d. */
    {CF_TLP_AMBER_STRICT, "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
    {CF_TLP_CLEAR, "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
    {CF_TLP_GREEN, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
    {CF_TLP_AMBER, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
    {CF_TLP_RED, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
};

const char *cf_stix_tlp_marking_id(cf_tlp t)
{
    /* The first entry of each TLP is the one written. */
    for (size_t i = 0; i < sizeof(stix_tlp_ids) / sizeof(stix_tlp_ids[0]); i++) {
        if (stix_tlp_ids[i].tlp == t) {
            return stix_tlp_ids[i].id;
        }
    }
    return NULL;
}

cf_tlp cf_stix_tlp_from_marking_id(const char *id)
{
    if (!id) {
        return CF_TLP_NONE;
    }
    for (size_t i = 0; i < sizeof(stix_tlp_ids) / sizeof(stix_tlp_ids[0]); i++) {
        if (strcasecmp(stix_tlp_ids[i].id, id) == 0) {
            return stix_tlp_ids[i].tlp;
        }
    }
    return CF_TLP_NONE;
}
