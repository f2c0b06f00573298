/*
 * URLs: lower-case scheme and host, host as A-labels, the rest untouched.
 *
 * DESIGN
 * libcurl's URL parser (one reusable CURLU handle per thread) decides
 * whether the text is a URL at all, except for the plain shape that it
 * always accepts (http or https, no user info, an LDH host, a decimal
 * port, printable ASCII after the host), which is checked here without
 * it because the parse costs more than the rest of the normalisation
 * together; the fuzz target holds the two to agreement. The canonical
 * text is then built from the original bytes, not from curl's
 * re-encoding, so that the path, query, fragment, port, user info and
 * even backslashes stay byte for byte what the feed wrote (RFC 3986 section 6.2.2.1 lets only scheme and
 * host be folded). The host is located by our own split of the authority
 * (user info up to the last '@', a bracketed IPv6 literal, or everything
 * up to the port) and canonicalised by the address and domain rules: IPv4
 * strictly, IPv6 in RFC 5952 form inside brackets, names as lower-case
 * A-labels; a single-label host such as "intranet" is allowed here.
 *
 * A text without "scheme://" that still has a host followed by a path
 * ("example.com/path", "198.51.100.7:8080/x.sh", as URL columns often
 * hold) gets "http://" put in front and is marked changed; one without a
 * path is rejected as not a URL. "mailto:" and other schemes without an
 * authority are rejected: the URL has no host.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <string.h>

#include "ctiflow/limits.h"
#include "norm_internal.h"

#define R_URL "invalid URL"
#define R_URL_LONG "invalid URL: longer than 8192 bytes"
#define R_URL_CTRL "invalid URL: control character"
#define R_NO_SCHEME "not a URL: no scheme and no path"
#define R_NO_HOST "invalid URL: no host"
#define R_HOST_SPACE "invalid URL: space in host"
#define R_BAD_SCHEME "invalid URL: bad scheme"
#define R_SCHEME_LONG "invalid URL: scheme longer than 40 characters"
#define R_BAD_IPV6 "invalid URL: bad IPv6 host"
#define R_BAD_PORT "invalid URL: port is not a number from 0 to 65535"
#define R_BAD_HOST "invalid URL: bad host name"
#define R_BAD_USER "invalid URL: bad user info"

/* libcurl does not treat a longer scheme as one. */
#define URL_SCHEME_MAX 40

static pthread_key_t url_key;
static pthread_once_t url_once = PTHREAD_ONCE_INIT;
static bool url_key_ok;

static void url_handle_free(void *h)
{
    curl_url_cleanup(h);
}

static void url_key_init(void)
{
    url_key_ok = pthread_key_create(&url_key, url_handle_free) == 0;
}

/* This thread's parser handle, created on first use; NULL on no memory. */
static CURLU *url_handle(void)
{
    CURLU *h;

    pthread_once(&url_once, url_key_init);
    if (!url_key_ok) {
        return NULL;
    }
    h = pthread_getspecific(url_key);
    if (!h) {
        h = curl_url();
        if (h && pthread_setspecific(url_key, h) != 0) {
            curl_url_cleanup(h);
            h = NULL;
        }
    }
    return h;
}

/* Length of an RFC 3986 scheme at the start of text (0 when none). */
static size_t url_scheme_len(const char *text, size_t len)
{
    size_t i = 0;

    if (len == 0 || !norm_is_alpha(text[0])) {
        return 0;
    }
    while (i < len && (norm_is_alpha(text[i]) || norm_is_digit(text[i]) || text[i] == '+' ||
                       text[i] == '-' || text[i] == '.')) {
        i++;
    }
    return (i < len && text[i] == ':') ? i : 0;
}

/* Length of "scheme" when text starts with "scheme://", else 0. */
static size_t url_authority_scheme(const char *text, size_t len)
{
    size_t n = url_scheme_len(text, len);

    if (n && len - n >= 3 && text[n + 1] == '/' && text[n + 2] == '/') {
        return n;
    }
    return 0;
}

bool norm_has_url_scheme(const char *text, size_t len)
{
    return url_authority_scheme(text, len) != 0;
}

static const char *url_curl_reason(CURLUcode rc, cf_status *st)
{
    *st = CF_EMALFORMED;
    switch (rc) {
    case CURLUE_OUT_OF_MEMORY:
        *st = CF_ENOMEM;
        return "out of memory";
    case CURLUE_BAD_PORT_NUMBER:
        return R_BAD_PORT;
    case CURLUE_NO_HOST:
        return R_NO_HOST;
    case CURLUE_BAD_HOSTNAME:
        return R_BAD_HOST;
    case CURLUE_BAD_IPV6:
        return R_BAD_IPV6;
    case CURLUE_BAD_LOGIN:
    case CURLUE_BAD_USER:
    case CURLUE_BAD_PASSWORD:
        return R_BAD_USER;
    default:
        return R_URL;
    }
}

/* Let libcurl judge whether s (NUL-terminated) is a URL. */
static cf_status url_curl_check(const char *s, const char **reason)
{
    cf_status st = CF_OK;
    CURLU *h = url_handle();

    if (!h) {
        *reason = "out of memory";
        return CF_ENOMEM;
    }
    curl_url_set(h, CURLUPART_URL, NULL, 0);
    CURLUcode rc =
        curl_url_set(h, CURLUPART_URL, s, CURLU_NON_SUPPORT_SCHEME | CURLU_ALLOW_SPACE);
    if (rc != CURLUE_OK) {
        *reason = url_curl_reason(rc, &st);
    }
    return st;
}

/* Where the host lies in s, which starts with "scheme://". */
typedef struct url_parts {
    size_t auth;       /* start of the authority */
    size_t host;       /* start of the host */
    size_t host_end;   /* end of the host (brackets included) */
} url_parts;

static cf_status url_split(url_parts *p, const char *s, size_t len, size_t scheme_len,
                           const char **reason)
{
    size_t end;

    p->auth = scheme_len + 3;
    end = p->auth;
    while (end < len && s[end] != '/' && s[end] != '?' && s[end] != '#') {
        end++;
    }
    p->host = p->auth;
    for (size_t i = p->auth; i < end; i++) {
        if (s[i] == '@') {
            p->host = i + 1;
        }
    }

    if (p->host < end && s[p->host] == '[') {
        const char *close = memchr(s + p->host, ']', end - p->host);
        if (!close) {
            *reason = R_BAD_IPV6;
            return CF_EMALFORMED;
        }
        p->host_end = (size_t)(close - s) + 1;
        if (p->host_end < end && s[p->host_end] != ':') {
            *reason = R_BAD_IPV6;
            return CF_EMALFORMED;
        }
    } else {
        const char *colon = memchr(s + p->host, ':', end - p->host);
        p->host_end = colon ? (size_t)(colon - s) : end;
    }

    if (p->host_end == p->host) {
        *reason = R_NO_HOST;
        return CF_EMALFORMED;
    }
    if (memchr(s + p->host, ' ', p->host_end - p->host)) {
        *reason = R_HOST_SPACE;
        return CF_EMALFORMED;
    }
    return CF_OK;
}

/*
 * The common shape that libcurl always accepts, checked without it: an
 * http or https URL without user info whose host is printable ASCII
 * without URL delimiters (the host rules check it further), whose port is
 * absent or 0..65535, and whose remaining bytes are printable ASCII or
 * spaces. Everything else is left to curl.
 */
static bool url_is_plain(const char *s, size_t len, size_t scheme_len, const url_parts *p)
{
    if (!(scheme_len == 4 && norm_ieq(s, 4, "http", 4)) &&
        !(scheme_len == 5 && norm_ieq(s, 5, "https", 5))) {
        return false;
    }
    if (p->host != p->auth || s[p->host] == '[') {
        return false;
    }
    for (size_t i = p->host; i < p->host_end; i++) {
        if (!norm_is_alpha(s[i]) && !norm_is_digit(s[i]) && s[i] != '-' && s[i] != '.' &&
            s[i] != '_') {
            return false;
        }
    }

    size_t i = p->host_end;
    if (i < len && s[i] == ':') {
        size_t start = ++i;
        unsigned long port = 0;
        while (i < len && norm_is_digit(s[i]) && i - start < 6) {
            port = port * 10 + (unsigned long)(s[i] - '0');
            i++;
        }
        if (i - start > 5 || port > 65535) {
            return false;
        }
        if (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#') {
            return false;
        }
    }
    for (; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

/* Append the canonical host (brackets kept for IPv6). */
static cf_status url_put_host(cf_buf *dst, const char *host, size_t n, const char **reason)
{
    norm_addr a;
    char text[NORM_IP_TEXT_MAX];

    if (host[0] == '[') {
        if (n < 3 || !norm_addr_parse(&a, host + 1, n - 2, reason) || a.family != 6) {
            *reason = R_BAD_IPV6;
            return CF_EMALFORMED;
        }
        size_t tn = norm_addr_format(&a, text);
        if (cf_buf_putc(dst, '[') != CF_OK || cf_buf_append(dst, text, tn) != CF_OK) {
            return CF_ENOMEM;
        }
        return cf_buf_putc(dst, ']');
    }
    if (norm_looks_dotted_decimal(host, n)) {
        if (!norm_addr_parse(&a, host, n, reason)) {
            return CF_EMALFORMED;
        }
        size_t tn = norm_addr_format(&a, text);
        return cf_buf_append(dst, text, tn);
    }
    return norm_domain_put(dst, host, n, true, reason);
}

/* Decide the scheme: its length in s, or prepend "http://". */
static cf_status url_scheme(const char *text, size_t len, size_t *scheme_len, bool *prepend,
                            const char **reason)
{
    size_t n = url_authority_scheme(text, len);

    *prepend = false;
    if (n) {
        if (n > URL_SCHEME_MAX) {
            *reason = R_SCHEME_LONG;
            return CF_EMALFORMED;
        }
        *scheme_len = n;
        return CF_OK;
    }

    /* "mailto:x", "urn:y": a scheme without an authority has no host. */
    n = url_scheme_len(text, len);
    if (n && (n + 1 == len || !norm_is_digit(text[n + 1]))) {
        *reason = R_NO_HOST;
        return CF_EMALFORMED;
    }

    /* "://" behind something that is not a scheme ("hxx p://", "1http://"). */
    if (memmem(text, len, "://", 3)) {
        *reason = R_BAD_SCHEME;
        return CF_EMALFORMED;
    }
    const char *slash = memchr(text, '/', len);
    if (!slash || slash == text) {
        *reason = R_NO_SCHEME;
        return CF_EMALFORMED;
    }
    *prepend = true;
    *scheme_len = 4;
    return CF_OK;
}

cf_status cf_norm_url(cf_norm *out, const char *text, size_t len)
{
    char s[CF_MAX_URL_BYTES + 8];
    size_t slen = 0, scheme_len = 0;
    bool prepend = false;
    const char *reason = R_URL;
    url_parts parts;
    cf_status st;

    out->type = CF_IOC_URL;
    cf_buf_reset(&out->value);
    if (len > CF_MAX_URL_BYTES) {
        return norm_reject(out, CF_ELIMIT, R_URL_LONG);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            return norm_reject(out, CF_EMALFORMED, R_URL_CTRL);
        }
    }

    st = url_scheme(text, len, &scheme_len, &prepend, &reason);
    if (st != CF_OK) {
        return norm_reject(out, st, reason);
    }
    if (prepend) {
        memcpy(s, "http://", 7);
        slen = 7;
    }
    memcpy(s + slen, text, len);
    slen += len;
    s[slen] = '\0';

    /* Our own split gives the specific reasons; curl has the last word. */
    st = url_split(&parts, s, slen, scheme_len, &reason);
    if (st == CF_OK && !url_is_plain(s, slen, scheme_len, &parts)) {
        st = url_curl_check(s, &reason);
    }
    if (st != CF_OK) {
        return st == CF_ENOMEM ? st : norm_reject(out, st, reason);
    }

    /* scheme, "://", user info, host, and the rest as written. */
    if (cf_buf_reserve(&out->value, slen) != CF_OK) {
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < scheme_len; i++) {
        out->value.data[i] = norm_lower(s[i]);
    }
    out->value.len = scheme_len;
    st = cf_buf_append(&out->value, s + scheme_len, parts.host - scheme_len);
    if (st == CF_OK) {
        st = url_put_host(&out->value, s + parts.host, parts.host_end - parts.host, &reason);
    }
    if (st == CF_OK) {
        st = cf_buf_append(&out->value, s + parts.host_end, slen - parts.host_end);
    }
    if (st != CF_OK) {
        cf_buf_reset(&out->value);
        return st == CF_ENOMEM ? st : norm_reject(out, st, reason);
    }
    norm_mark_changed(out, text, len);
    return CF_OK;
}
