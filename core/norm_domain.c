/*
 * Domain names: lower-case A-labels (IDNA 2008 with UTS #46 mapping).
 *
 * DESIGN
 * The name is handled label by label. A pure ASCII label takes the fast
 * path: it is lower-cased in place, with no libidn2 call, unless it is an
 * A-label ("xn--"), which libidn2 must confirm by decoding it and encoding
 * the result again (RFC 5891 section 5.4): "xn--ab-" and friends are not
 * A-labels. A label with non-ASCII bytes goes through idn2_to_ascii_8z with
 * non-transitional UTS #46 processing, which maps case and width and
 * produces the A-label. A final pass over the output checks what every
 * name must satisfy: letters, digits, '-' and '_' only (underscores are
 * common in real host names), no empty label, labels up to 63 octets,
 * names up to 253, at least one dot, and a top-level label that is not all
 * digits (such a name is a malformed address, not a domain). One trailing
 * dot is dropped. The only allocation is libidn2's result for non-ASCII or
 * "xn--" labels.
 */
#include <idn2.h>
#include <string.h>

#include "ctiflow/limits.h"
#include "norm_internal.h"

#define R_EMPTY "empty domain name"
#define R_LEADING_DOT "invalid domain name: starts with a dot"
#define R_EMPTY_LABEL "invalid domain name: empty label"
#define R_CHAR "invalid domain name: character other than letter, digit, '-' or '_'"
#define R_LABEL_LONG "invalid domain name: label longer than 63 octets"
#define R_NAME_LONG "invalid domain name: longer than 253 octets"
#define R_NO_DOT "not a domain name: no dot"
#define R_NUMERIC_TLD "not a domain name: numeric top-level label"
#define R_ALABEL "invalid A-label: does not decode to a valid U-label"
#define R_IDN "invalid internationalised domain name"
#define R_IDN_DISALLOWED "invalid internationalised domain name: disallowed character"
#define R_IDN_BIDI "invalid internationalised domain name: right-to-left rule violated"
#define R_IDN_LABEL "invalid internationalised domain name: label breaks IDNA rules"
#define R_UTF8 "invalid UTF-8"

/* Longest UTF-8 input we pass on: a 253-octet name needs far less. */
#define DOMAIN_INPUT_MAX 1024

static const char *domain_idn2_reason(int rc, cf_status *st)
{
    *st = CF_EMALFORMED;
    switch (rc) {
    case IDN2_MALLOC:
        *st = CF_ENOMEM;
        return "out of memory";
    case IDN2_TOO_BIG_LABEL:
        *st = CF_ELIMIT;
        return R_LABEL_LONG;
    case IDN2_TOO_BIG_DOMAIN:
        *st = CF_ELIMIT;
        return R_NAME_LONG;
    case IDN2_ENCODING_ERROR:
    case IDN2_ICONV_FAIL:
        return R_UTF8;
    case IDN2_DISALLOWED:
    case IDN2_UNASSIGNED:
    case IDN2_CONTEXTJ:
    case IDN2_CONTEXTO:
    case IDN2_CONTEXTO_NO_RULE:
    case IDN2_CONTEXTJ_NO_RULE:
        return R_IDN_DISALLOWED;
    case IDN2_BIDI:
        return R_IDN_BIDI;
    case IDN2_NOT_NFC:
    case IDN2_2HYPHEN:
    case IDN2_HYPHEN_STARTEND:
    case IDN2_LEADING_COMBINING:
    case IDN2_INVALID_TRANSITIONAL:
    case IDN2_INVALID_NONTRANSITIONAL:
        return R_IDN_LABEL;
    case IDN2_PUNYCODE_BAD_INPUT:
    case IDN2_PUNYCODE_BIG_OUTPUT:
    case IDN2_PUNYCODE_OVERFLOW:
    case IDN2_ALABEL_ROUNDTRIP_FAILED:
        return R_ALABEL;
    default:
        return R_IDN;
    }
}

/* An A-label is valid when libidn2 decodes and re-encodes it unchanged. */
static cf_status domain_check_alabel(const char *label, size_t n, const char **reason)
{
    char buf[CF_MAX_LABEL_BYTES + 1];
    char *ascii = NULL;
    cf_status st = CF_OK;

    memcpy(buf, label, n);
    buf[n] = '\0';
    int rc = idn2_to_ascii_8z(buf, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc == IDN2_MALLOC) {
        st = CF_ENOMEM;
        *reason = "out of memory";
        goto out;
    }
    if (rc != IDN2_OK || strcmp(ascii, buf) != 0) {
        st = CF_EMALFORMED;
        *reason = R_ALABEL;
    }

out:
    idn2_free(ascii);
    return st;
}

/* Append one ASCII label lower-cased, checking an "xn--" label. */
static cf_status domain_put_ascii_label(cf_buf *dst, const char *label, size_t n,
                                        const char **reason)
{
    if (n > CF_MAX_LABEL_BYTES) {
        *reason = R_LABEL_LONG;
        return CF_ELIMIT;
    }
    if (cf_buf_reserve(dst, n) != CF_OK) {
        return CF_ENOMEM;
    }

    char *p = dst->data + dst->len;
    for (size_t i = 0; i < n; i++) {
        p[i] = norm_lower(label[i]);
    }
    dst->len += n;
    dst->data[dst->len] = '\0';

    if (n >= 4 && memcmp(p, "xn--", 4) == 0) {
        return domain_check_alabel(p, n, reason);
    }
    return CF_OK;
}

/* Append the A-label of a label holding non-ASCII bytes. */
static cf_status domain_put_idn_label(cf_buf *dst, const char *label, size_t n,
                                      const char **reason)
{
    char buf[DOMAIN_INPUT_MAX + 1];
    char *ascii = NULL;
    cf_status st = CF_OK;

    memcpy(buf, label, n);
    buf[n] = '\0';
    int rc = idn2_to_ascii_8z(buf, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK) {
        *reason = domain_idn2_reason(rc, &st);
        goto out;
    }
    st = cf_buf_puts(dst, ascii);

out:
    idn2_free(ascii);
    return st;
}

static bool domain_label_char_ok(char c)
{
    return norm_is_alpha(c) || norm_is_digit(c) || c == '-' || c == '_';
}

/* Checks on the finished A-label name name[0..len). */
static cf_status domain_check_name(const char *name, size_t len, bool single_label,
                                   const char **reason)
{
    size_t label_start = 0;
    bool dot = false;

    if (len > CF_MAX_DOMAIN_BYTES) {
        *reason = R_NAME_LONG;
        return CF_ELIMIT;
    }
    for (size_t i = 0; i <= len; i++) {
        if (i < len && name[i] != '.') {
            if (!domain_label_char_ok(name[i])) {
                *reason = R_CHAR;
                return CF_EMALFORMED;
            }
            continue;
        }
        if (i == label_start) {
            *reason = R_EMPTY_LABEL;
            return CF_EMALFORMED;
        }
        if (i - label_start > CF_MAX_LABEL_BYTES) {
            *reason = R_LABEL_LONG;
            return CF_ELIMIT;
        }
        if (i < len) {
            dot = true;
            label_start = i + 1;
        }
    }
    if (!dot && !single_label) {
        *reason = R_NO_DOT;
        return CF_EMALFORMED;
    }

    /* "198.51.100.300" is a broken address, not a name under TLD "300". */
    bool numeric = true;
    for (size_t i = label_start; i < len; i++) {
        numeric = numeric && norm_is_digit(name[i]);
    }
    if (numeric) {
        *reason = R_NUMERIC_TLD;
        return CF_EMALFORMED;
    }
    return CF_OK;
}

cf_status norm_domain_put(cf_buf *dst, const char *text, size_t len, bool single_label,
                          const char **reason)
{
    size_t start = dst->len;
    cf_status st = CF_OK;

    if (len == 0) {
        *reason = R_EMPTY;
        return CF_EMALFORMED;
    }
    if (text[0] == '.') {
        *reason = R_LEADING_DOT;
        return CF_EMALFORMED;
    }
    if (text[len - 1] == '.') {
        len--;
    }
    if (len > DOMAIN_INPUT_MAX) {
        *reason = R_NAME_LONG;
        return CF_ELIMIT;
    }

    /* Label by label: ASCII ones stay on the fast path. */
    size_t i = 0;
    while (i <= len && st == CF_OK) {
        size_t j = i;
        bool ascii = true;
        while (j < len && text[j] != '.') {
            ascii = ascii && (unsigned char)text[j] < 0x80;
            j++;
        }
        if (j == i) {
            *reason = R_EMPTY_LABEL;
            st = CF_EMALFORMED;
            break;
        }
        if (i > 0) {
            st = cf_buf_putc(dst, '.');
        }
        if (st == CF_OK) {
            st = ascii ? domain_put_ascii_label(dst, text + i, j - i, reason)
                       : domain_put_idn_label(dst, text + i, j - i, reason);
        }
        i = j + 1;
    }
    if (st != CF_OK) {
        goto out;
    }

    /* UTS #46 maps ideographic full stops to '.', so one may now end the name. */
    if (dst->len > start && dst->data[dst->len - 1] == '.') {
        dst->len--;
        dst->data[dst->len] = '\0';
    }
    st = domain_check_name(dst->data + start, dst->len - start, single_label, reason);

out:
    if (st != CF_OK && dst->data) {
        dst->len = start;
        dst->data[start] = '\0';
    }
    return st;
}

cf_status cf_norm_domain(cf_norm *out, const char *text, size_t len)
{
    const char *reason = R_EMPTY;

    out->type = CF_IOC_DOMAIN;
    cf_buf_reset(&out->value);
    cf_status st = norm_domain_put(&out->value, text, len, false, &reason);
    if (st == CF_ENOMEM) {
        return st;
    }
    if (st != CF_OK) {
        return norm_reject(out, st, reason);
    }
    norm_mark_changed(out, text, len);
    return CF_OK;
}
