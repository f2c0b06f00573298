/*
 * E-mail addresses: the addr-spec alone, its domain part canonical.
 *
 * DESIGN
 * Feeds write senders in mailbox syntax: `Name <addr>`, `"Quoted, Name"
 * <addr>`, `<addr>`, or a bare address, the address or the whole sometimes
 * behind "mailto:" (stripped in both places, so the value is stable). The
 * display name (unquoted, with backslash escapes resolved) goes to
 * out->display_name and never into the value (STIX 2.1 section 6.5). The
 * local part keeps its case (RFC 5321 section 2.4); the domain part gets
 * the domain rules: lower-case A-labels, at least one dot. Quoted local
 * parts, white space and angle brackets inside the address are rejected.
 */
#include <string.h>

#include "norm_internal.h"

#define R_EMPTY "invalid e-mail address: empty"
#define R_NO_DOMAIN "invalid e-mail address: no domain part"
#define R_NO_LOCAL "invalid e-mail address: empty local part"
#define R_LOCAL_LONG "invalid e-mail address: local part longer than 64 octets"
#define R_SPACE "invalid e-mail address: space or control character in the address"
#define R_CHAR "invalid e-mail address: character '<', '>', '\"', ',' or ';' in the address"
#define R_NO_OPEN "invalid e-mail address: '>' without '<'"

#define EMAIL_LOCAL_MAX 64

/* Position of the '<' that opens the address, skipping quoted text. */
static bool email_find_open(const char *text, size_t len, size_t *lt)
{
    bool quoted = false, found = false;

    for (size_t i = 0; i < len; i++) {
        if (quoted && text[i] == '\\') {
            i++;
        } else if (text[i] == '"') {
            quoted = !quoted;
        } else if (!quoted && text[i] == '<') {
            *lt = i;
            found = true;
        }
    }
    return found;
}

/* Copy the display name, removing surrounding quotes and escapes. */
static cf_status email_put_display(cf_buf *dst, const char *text, size_t len)
{
    size_t start = 0, end = len;

    norm_trim(text, &start, &end);
    if (end - start < 2 || text[start] != '"' || text[end - 1] != '"') {
        return cf_buf_append(dst, text + start, end - start);
    }
    if (cf_buf_reserve(dst, end - start) != CF_OK) {
        return CF_ENOMEM;
    }
    for (size_t i = start + 1; i < end - 1; i++) {
        if (text[i] == '\\' && i + 1 < end - 1) {
            i++;
        }
        dst->data[dst->len++] = text[i];
    }
    dst->data[dst->len] = '\0';
    return CF_OK;
}

/* Skip any "mailto:" prefixes at a, before the address or the mailbox. */
static void email_skip_mailto(const char *text, size_t *a, size_t b)
{
    while (b - *a >= 7 && norm_ieq(text + *a, 7, "mailto:", 7)) {
        *a += 7;
    }
}

static const char *email_check_addr(const char *addr, size_t len)
{
    /* U+FEFF, a zero-width no-break space, is invisible white space here. */
    if (memmem(addr, len, "\xef\xbb\xbf", 3)) {
        return R_SPACE;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)addr[i];
        if (c <= 0x20 || c == 0x7f) {
            return R_SPACE;
        }
        if (c == '<' || c == '>' || c == '"' || c == ',' || c == ';') {
            return R_CHAR;
        }
    }
    return NULL;
}

cf_status cf_norm_email(cf_norm *out, const char *text, size_t len)
{
    size_t a = 0, b = len, lt = 0;
    const char *reason = NULL;
    cf_status st;

    out->type = CF_IOC_EMAIL;
    cf_buf_reset(&out->value);
    cf_buf_reset(&out->display_name);
    email_skip_mailto(text, &a, b);

    /* Mailbox form: display name, then the address in angle brackets. */
    if (b > a && text[b - 1] == '>') {
        if (!email_find_open(text + a, b - a, &lt)) {
            return norm_reject(out, CF_EMALFORMED, R_NO_OPEN);
        }
        lt += a;
        if (email_put_display(&out->display_name, text + a, lt - a) != CF_OK) {
            return CF_ENOMEM;
        }
        a = lt + 1;
        b--;
        norm_trim(text, &a, &b);
        email_skip_mailto(text, &a, b); /* `Name <mailto:addr>` */
    }

    const char *addr = text + a;
    size_t alen = b - a;
    if (alen == 0) {
        return norm_reject(out, CF_EMALFORMED, R_EMPTY);
    }
    reason = email_check_addr(addr, alen);
    if (reason) {
        return norm_reject(out, CF_EMALFORMED, reason);
    }

    const char *at = NULL;
    for (size_t i = 0; i < alen; i++) {
        if (addr[i] == '@') {
            at = addr + i;
        }
    }
    if (!at || (size_t)(at - addr) + 1 == alen) {
        return norm_reject(out, CF_EMALFORMED, R_NO_DOMAIN);
    }
    size_t local = (size_t)(at - addr);
    if (local == 0) {
        return norm_reject(out, CF_EMALFORMED, R_NO_LOCAL);
    }
    if (local > EMAIL_LOCAL_MAX) {
        return norm_reject(out, CF_ELIMIT, R_LOCAL_LONG);
    }

    /* local part as written, '@', canonical domain */
    st = cf_buf_append(&out->value, addr, local + 1);
    if (st == CF_OK) {
        st = norm_domain_put(&out->value, at + 1, alen - local - 1, false, &reason);
    }
    if (st != CF_OK) {
        cf_buf_reset(&out->value);
        return st == CF_ENOMEM ? st : norm_reject(out, st, reason);
    }
    norm_mark_changed(out, text, len);
    return CF_OK;
}
