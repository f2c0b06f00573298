/*
 * CybOX 2.x objects as STIX 2.1 comparison expressions and observations.
 *
 * DESIGN
 * s1_cybox_object() reads the Properties of one cybox:Object element
 * (an expanded subtree the reader hands in) and builds a leaf: the
 * comparison expression of the object, in the order the OASIS elevator
 * writes it, and the list of observations (type hint + raw text) the
 * equality comparisons stand for. A property is one term; several values
 * (apply_condition with "##comma##" lists) and a file's hashes make a term
 * of several comparisons joined by OR (ANY) or AND (ALL), put in
 * parentheses when the object has other terms. Values of IOC properties are
 * normalised for the pattern text, so a pattern matches what the IOC
 * writers print; other values are written as found, escaped. Every list
 * element is one comparison and one observation, checked on its own; the
 * path of an address or untyped URI element follows its value (IPv4/IPv6,
 * and a URI without a scheme is observed untyped, so it is detected).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctiflow/buf.h"
#include "ctiflow/ioc.h"
#include "ctiflow/limits.h"
#include "ctiflow/normalize.h"
#include "ctiflow/stix.h"
#include "stix1_cybox.h"

#define S1_NS_OBJ "http://cybox.mitre.org/objects#"
#define S1_NS_ANY_CYBOX "http://cybox.mitre.org/"
#define S1_MAX_TERMS 64

enum { LIT_STR, LIT_INT };

/* A leaf being built: its terms and observations. */
typedef struct s1_leaf {
    cf_buf terms[S1_MAX_TERMS];
    bool term_multi[S1_MAX_TERMS];
    int n_terms;
    int n_cmp;
    bool last_eq_ioc;
    bool obs_untyped; /* observe without a type hint (detection) */
    cf_buf vals;
    cf_norm norm;
} s1_leaf;

/*
 * How a CybOX condition becomes a STIX 2.1 operator and literal. A literal
 * condition (contains, starts with, ...) compares text, so its value is
 * written into the MATCHES expression with every regex metacharacter
 * escaped; FitsPattern's value is an expression already.
 */
typedef struct s1_op {
    const char *cond;
    const char *op;
    const char *pre, *post;
    bool literal;
} s1_op;

static const s1_op cybox_ops[] = {
    {"equals", "=", "", "", false},
    {"doesnotequal", "!=", "", "", false},
    {"greaterthan", ">", "", "", false},
    {"greaterthanorequal", ">=", "", "", false},
    {"lessthan", "<", "", "", false},
    {"lessthanorequal", "<=", "", "", false},
    {"contains", "MATCHES", "", "", true},
    {"doesnotcontain", "NOT MATCHES", "", "", true},
    {"startswith", "MATCHES", "^", "", true},
    {"endswith", "MATCHES", "", "$", true},
    {"fitspattern", "MATCHES", "", "", false},
};

/* v with a backslash before every character a regular expression gives a meaning. */
static cf_status regex_quote(cf_buf *out, const char *v, size_t n)
{
    cf_status st = CF_OK;
    for (size_t i = 0; i < n && st == CF_OK; i++) {
        if (v[i] != '\0' && strchr("\\^$.|?*+()[]{}", v[i])) {
            st = cf_buf_putc(out, '\\');
        }
        if (st == CF_OK) {
            st = cf_buf_putc(out, v[i]);
        }
    }
    return st;
}

/* ---- nodes ---- */

s1_node *s1_node_new(uint8_t kind)
{
    s1_node *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
    }
    return n;
}

void s1_node_free(s1_node *n)
{
    if (!n) {
        return;
    }
    for (size_t i = 0; i < n->n_kids; i++) {
        s1_node_free(n->kids[i]);
    }
    free(n->kids);
    free(n->ref);
    free(n->expr);
    free(n->vals);
    free(n);
}

cf_status s1_node_add_kid(s1_node *parent, s1_node *kid)
{
    s1_node **k = realloc(parent->kids, (parent->n_kids + 1) * sizeof *k);
    if (!k) {
        s1_node_free(kid);
        return CF_ENOMEM;
    }
    parent->kids = k;
    parent->kids[parent->n_kids++] = kid;
    return CF_OK;
}

/* ---- terms ---- */

static const s1_op *cybox_op(const char *cond)
{
    if (!cond) {
        return &cybox_ops[0];
    }
    for (size_t i = 0; i < sizeof cybox_ops / sizeof cybox_ops[0]; i++) {
        if (strcasecmp(cond, cybox_ops[i].cond) == 0) {
            return &cybox_ops[i];
        }
    }
    return NULL;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* Record one observation: a type byte then the text and a NUL. */
static cf_status leaf_obs(s1_leaf *lb, cf_ioc_type type, const char *v, size_t n)
{
    cf_status st = cf_buf_putc(&lb->vals, (char)type);
    if (st == CF_OK) {
        st = cf_buf_append(&lb->vals, v, n);
    }
    if (st == CF_OK) {
        st = cf_buf_putc(&lb->vals, '\0');
    }
    return st;
}

/* Append the literal of v; IOC values are written in canonical form. */
static cf_status leaf_literal(s1_leaf *lb, cf_buf *t, const s1_op *op, const char *v, size_t n,
                              int kind, cf_ioc_type ioc)
{
    if (kind == LIT_INT && op->pre[0] == '\0' && op->post[0] == '\0' && all_digits(v, n)) {
        return cf_buf_append(t, v, n);
    }
    if (ioc != CF_IOC_NONE && !cf_ioc_type_is_hash(ioc) && strcmp(op->op, "=") == 0 &&
        cf_normalize(&lb->norm, ioc, v, n) == CF_OK) {
        v = cf_buf_str(&lb->norm.value);
        n = lb->norm.value.len;
    }
    cf_buf quoted = CF_BUF_INIT;
    cf_status st = CF_OK;
    if (op->literal) {
        st = regex_quote(&quoted, v, n);
        v = cf_buf_str(&quoted);
        n = quoted.len;
    }
    if (st == CF_OK) {
        st = cf_buf_putc(t, '\'');
    }
    if (st == CF_OK) {
        st = cf_buf_puts(t, op->pre);
    }
    if (st == CF_OK) {
        st = cf_stix_escape(t, v, n);
    }
    if (st == CF_OK) {
        st = cf_buf_puts(t, op->post);
    }
    if (st == CF_OK) {
        st = cf_buf_putc(t, '\'');
    }
    cf_buf_free(&quoted);
    return st;
}

/* Append one comparison "path op literal" to term t. */
static cf_status leaf_cmp(s1_leaf *lb, cf_buf *t, const char *join, const char *path,
                          const s1_op *op, const char *v, size_t n, int kind, cf_ioc_type ioc)
{
    cf_status st = CF_OK;
    if (t->len) {
        st = cf_buf_puts(t, join);
    }
    if (st == CF_OK) {
        st = cf_buf_puts(t, path);
    }
    if (st == CF_OK) {
        st = cf_buf_putc(t, ' ');
    }
    if (st == CF_OK) {
        st = cf_buf_puts(t, op->op);
    }
    if (st == CF_OK) {
        st = cf_buf_putc(t, ' ');
    }
    if (st == CF_OK) {
        st = leaf_literal(lb, t, op, v, n, kind, ioc);
    }
    lb->n_cmp++;
    lb->last_eq_ioc = ioc != CF_IOC_NONE && strcmp(op->op, "=") == 0;
    if (st == CF_OK && lb->last_eq_ioc) {
        st = leaf_obs(lb, lb->obs_untyped ? CF_IOC_NONE : ioc, v, n);
    }
    return st;
}

/* Close the current term: it becomes part of the leaf when not empty. */
static void leaf_term_done(s1_leaf *lb, int n_cmp_in_term)
{
    if (lb->terms[lb->n_terms].len == 0) {
        return;
    }
    lb->term_multi[lb->n_terms] = n_cmp_in_term > 1;
    lb->n_terms++;
}

/*
 * Next element of a "##comma##" list from *p, trimmed; empty elements are
 * skipped. False at the end of the list.
 */
static bool list_next(const char **p, const char **v, size_t *n)
{
    while (*p) {
        const char *s = *p, *sep = strstr(s, "##comma##");
        size_t len = sep ? (size_t)(sep - s) : strlen(s);
        *p = sep ? sep + 9 : NULL;
        while (len && isspace((unsigned char)*s)) {
            s++;
            len--;
        }
        while (len && isspace((unsigned char)s[len - 1])) {
            len--;
        }
        if (len) {
            *v = s;
            *n = len;
            return true;
        }
    }
    return false;
}

static bool is_list(const char *s)
{
    return s && strstr(s, "##comma##") != NULL;
}

/*
 * The path and type of one element of a property whose object type depends
 * on the value: an address is IPv4 or IPv6; a URI without a scheme is
 * detected (a bare domain or address is not a URL) and observed untyped.
 */
typedef const char *(*s1_pick)(const char *v, size_t n, cf_ioc_type *ioc, bool *untyped);

static const char *pick_ip(const char *v, size_t n, cf_ioc_type *ioc, bool *untyped)
{
    *ioc = CF_IOC_IP;
    *untyped = false;
    return memchr(v, ':', n) ? "ipv6-addr:value" : "ipv4-addr:value";
}

/* An RFC 3986 scheme ("http:", "mailto:"), not a "host:port" prefix. */
static bool has_scheme(const char *v, size_t n)
{
    size_t i = 0;
    if (!n || !isalpha((unsigned char)v[0])) {
        return false;
    }
    bool dot = false;
    while (i < n && (isalnum((unsigned char)v[i]) || v[i] == '+' || v[i] == '-' || v[i] == '.')) {
        dot = dot || v[i] == '.';
        i++;
    }
    if (i >= n || v[i] != ':') {
        return false;
    }
    return !dot || (i + 2 < n && v[i + 1] == '/' && v[i + 2] == '/');
}

static const char *pick_uri(const char *v, size_t n, cf_ioc_type *ioc, bool *untyped)
{
    *untyped = false;
    *ioc = CF_IOC_URL;
    if (has_scheme(v, n)) {
        return "url:value";
    }
    *untyped = true;
    cf_ioc_type t = cf_detect_type(v, n);
    if (t == CF_IOC_DOMAIN) {
        *ioc = t;
        return "domain-name:value";
    }
    if (t == CF_IOC_IP) {
        *ioc = t;
        return memchr(v, ':', n) ? "ipv6-addr:value" : "ipv4-addr:value";
    }
    return "url:value";
}

/*
 * One property element: its condition, apply_condition and value list make
 * one term, each element of the list one comparison (and one observation
 * when the property is an IOC). pick, when given, chooses the path and type
 * per element. Returns CF_EUNSUPPORTED for a condition we cannot express.
 */
static cf_status leaf_prop_pick(s1_leaf *lb, const char *path, const s1_el *el, int kind,
                                cf_ioc_type ioc, s1_pick pick)
{
    if (!el || lb->n_terms >= S1_MAX_TERMS) {
        return CF_OK;
    }
    char *text = s1_text(el);
    const char *cond = s1_attr_ref(el, "condition");
    const char *apply = s1_attr_ref(el, "apply_condition");
    const s1_op *op = cybox_op(cond);
    cf_status st = CF_OK;
    if (!text) {
        goto out;
    }
    if (!op) {
        st = CF_EUNSUPPORTED;
        goto out;
    }
    const char *join = apply && strcasecmp(apply, "ALL") == 0 ? " AND " : " OR ";
    cf_buf *t = &lb->terms[lb->n_terms];
    int count = 0;
    const char *p = text, *v;
    size_t n;
    while (st == CF_OK && list_next(&p, &v, &n)) {
        const char *epath = path;
        cf_ioc_type eioc = ioc;
        bool untyped = false;
        if (pick) {
            epath = pick(v, n, &eioc, &untyped);
        }
        lb->obs_untyped = untyped;
        st = leaf_cmp(lb, t, join, epath, op, v, n, kind, eioc);
        lb->obs_untyped = false;
        count++;
    }
    if (count > 1) {
        lb->last_eq_ioc = false;
    }
    leaf_term_done(lb, count);
out:
    free(text);
    return st;
}

static cf_status leaf_prop(s1_leaf *lb, const char *path, const s1_el *el, int kind,
                           cf_ioc_type ioc)
{
    return leaf_prop_pick(lb, path, el, kind, ioc, NULL);
}

/* ---- objects ---- */

static cf_status obj_address(s1_leaf *lb, const s1_el *props)
{
    const char *cat = s1_attr_ref(props, "category");
    const s1_el *v = s1_child_in(props, S1_NS_OBJ, "Address_Value");
    char *text = s1_text(v);
    cf_status st = CF_OK;
    if (!cat || strcasecmp(cat, "ipv4-addr") == 0 || strcasecmp(cat, "ipv4-net") == 0 ||
        strcasecmp(cat, "cidr") == 0 || strcasecmp(cat, "ipv6-addr") == 0 ||
        strcasecmp(cat, "ipv6-net") == 0) {
        st = leaf_prop_pick(lb, NULL, v, LIT_STR, CF_IOC_IP, pick_ip);
    } else if (strcasecmp(cat, "e-mail") == 0) {
        st = leaf_prop(lb, "email-addr:value", v, LIT_STR, CF_IOC_EMAIL);
    } else if (strcasecmp(cat, "asn") == 0) {
        st = leaf_prop(lb, "autonomous-system:number", v, LIT_INT, CF_IOC_NONE);
        const char *p = text, *e;
        size_t n;
        while (st == CF_OK && list_next(&p, &e, &n)) {
            if (all_digits(e, n) && n < 32) {
                char as[40];
                snprintf(as, sizeof as, "AS%.*s", (int)n, e);
                st = leaf_obs(lb, CF_IOC_ASN, as, strlen(as));
            }
        }
    } else if (strcasecmp(cat, "mac") == 0) {
        st = leaf_prop(lb, "mac-addr:value", v, LIT_STR, CF_IOC_NONE);
    } else {
        st = CF_EUNSUPPORTED;
    }
    free(text);
    return st;
}

/* STIX 2.1 hash name and IOC type of a CybOX hash; by length when unnamed. */
static const char *hash_name(const char *type, size_t vlen, cf_ioc_type *ioc)
{
    static const struct {
        const char *cybox, *stix;
        cf_ioc_type ioc;
        size_t len;
    } hashes[] = {
        {"MD5", "MD5", CF_IOC_MD5, 32},
        {"SHA1", "'SHA-1'", CF_IOC_SHA1, 40},
        {"SHA256", "'SHA-256'", CF_IOC_SHA256, 64},
        {"SHA512", "'SHA-512'", CF_IOC_SHA512, 128},
        {"SSDEEP", "SSDEEP", CF_IOC_SSDEEP, 0},
    };
    char norm[32];
    size_t j = 0;
    for (size_t i = 0; type && type[i] && j + 1 < sizeof norm; i++) {
        if (type[i] != '-' && type[i] != '_' && type[i] != ' ') {
            norm[j++] = (char)toupper((unsigned char)type[i]);
        }
    }
    norm[j] = '\0';
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
        if ((j && strcmp(norm, hashes[i].cybox) == 0) || (!j && vlen == hashes[i].len)) {
            *ioc = hashes[i].ioc;
            return hashes[i].stix;
        }
    }
    *ioc = CF_IOC_NONE;
    return NULL;
}

#define S1_MAX_PAIRS 16

/* The Hash elements under a Hashes element. */
static int count_hashes(const s1_el *hashes)
{
    int n = 0;
    for (s1_el *h = hashes ? hashes->children : NULL; h; h = h->next) {
        n += s1_is_in(h, S1_NS_ANY_CYBOX, "Hash");
    }
    return n;
}

/*
 * One Hash element: each value of its list a comparison, joined by its
 * apply_condition; the group goes into term t after " OR ", in parentheses
 * when it is an ALL list among other hashes. Equal hashes of a named file
 * are kept in hash_v for the "name|hash" observations.
 */
static cf_status file_hash(s1_leaf *lb, cf_buf *t, const char *prefix, const s1_el *h,
                           bool with_name, bool alone, char **hash_v, cf_ioc_type *hash_t,
                           int *n_hash, int *count)
{
    char *type = s1_text(s1_child_in(h, S1_NS_ANY_CYBOX, "Type"));
    s1_el *vel = s1_child_in(h, S1_NS_ANY_CYBOX, "Simple_Hash_Value");
    vel = vel ? vel : s1_child_in(h, S1_NS_ANY_CYBOX, "Fuzzy_Hash_Value");
    char *text = s1_text(vel);
    const char *cond = s1_attr_ref(vel, "condition");
    const char *apply = s1_attr_ref(vel, "apply_condition");
    const s1_op *op = cybox_op(cond);
    bool all = apply && strcasecmp(apply, "ALL") == 0;
    bool paren = all && !alone && is_list(text);
    cf_buf g = CF_BUF_INIT;
    cf_status st = CF_OK;
    const char *p = text, *v;
    size_t n;
    int in_group = 0;
    while (op && st == CF_OK && list_next(&p, &v, &n)) {
        cf_ioc_type ioc = CF_IOC_NONE;
        const char *name = hash_name(type, n, &ioc);
        if (!name) {
            continue;
        }
        char path[128];
        snprintf(path, sizeof path, "%shashes.%s", prefix, name);
        bool pair = with_name && cf_ioc_type_is_hash(ioc) && strcmp(op->op, "=") == 0;
        st = leaf_cmp(lb, &g, all ? " AND " : " OR ", path, op, v, n, LIT_STR,
                      pair ? CF_IOC_NONE : ioc);
        if (st == CF_OK && pair && *n_hash < S1_MAX_PAIRS) {
            hash_v[*n_hash] = cf_strndup(v, n);
            st = hash_v[*n_hash] ? CF_OK : CF_ENOMEM;
            hash_t[(*n_hash)++] = ioc;
        }
        in_group++;
    }
    if (st == CF_OK && g.len) {
        st = cf_buf_puts(t, t->len ? " OR " : "");
        if (st == CF_OK) {
            st = cf_buf_puts(t, paren && in_group > 1 ? "(" : "");
        }
        if (st == CF_OK) {
            st = cf_buf_append(t, g.data, g.len);
        }
        if (st == CF_OK) {
            st = cf_buf_puts(t, paren && in_group > 1 ? ")" : "");
        }
    }
    *count += in_group;
    cf_buf_free(&g);
    free(type);
    free(text);
    return st;
}

/* File hashes: one term, several hashes joined by OR. */
static cf_status file_hashes(s1_leaf *lb, const char *prefix, const s1_el *hashes, bool with_name,
                             char **hash_v, cf_ioc_type *hash_t, int *n_hash)
{
    if (lb->n_terms >= S1_MAX_TERMS) {
        return CF_OK;
    }
    cf_buf *t = &lb->terms[lb->n_terms];
    int count = 0;
    bool alone = count_hashes(hashes) == 1;
    cf_status st = CF_OK;
    for (s1_el *h = hashes ? hashes->children : NULL; h && st == CF_OK; h = h->next) {
        if (s1_is_in(h, S1_NS_ANY_CYBOX, "Hash")) {
            st = file_hash(lb, t, prefix, h, with_name, alone, hash_v, hash_t, n_hash, &count);
        }
    }
    if (count > 1) {
        lb->last_eq_ioc = false;
    }
    leaf_term_done(lb, count);
    return st;
}

/*
 * A File object (also as an e-mail attachment, prefix gives the path):
 * hashes, name, size. A name with hashes is observed as "name|hash".
 */
static cf_status obj_file(s1_leaf *lb, const s1_el *props, const char *prefix)
{
    char path[160];
    s1_el *name_el = s1_child_in(props, S1_NS_OBJ, "File_Name");
    char *name = s1_text(name_el);
    const char *ncond = s1_attr_ref(name_el, "condition");
    bool name_eq = name && !is_list(name) && cybox_op(ncond) == &cybox_ops[0];
    char *hash_v[S1_MAX_PAIRS];
    cf_ioc_type hash_t[S1_MAX_PAIRS];
    int n_hash = 0;
    cf_status st = file_hashes(lb, prefix, s1_child_in(props, S1_NS_OBJ, "Hashes"), name_eq, hash_v,
                               hash_t, &n_hash);
    snprintf(path, sizeof path, "%sname", prefix);
    if (st == CF_OK) {
        st = leaf_prop(lb, path, name_el, LIT_STR, n_hash ? CF_IOC_NONE : CF_IOC_FILENAME);
    }
    snprintf(path, sizeof path, "%ssize", prefix);
    if (st == CF_OK) {
        st = leaf_prop(lb, path, s1_child_in(props, S1_NS_OBJ, "Size_In_Bytes"), LIT_INT,
                       CF_IOC_NONE);
    }
    for (int i = 0; i < n_hash; i++) {
        if (st == CF_OK) {
            cf_buf pair = CF_BUF_INIT;
            st = cf_buf_printf(&pair, "%s|%s", name, hash_v[i]);
            if (st == CF_OK) {
                st = leaf_obs(lb, CF_IOC_FILE, pair.data, pair.len);
            }
            cf_buf_free(&pair);
        }
        free(hash_v[i]);
    }
    free(name);
    return st;
}

/* An address inside another object (e-mail header field, socket). */
static const s1_el *inner_address(const s1_el *parent)
{
    return s1_child_in(parent, S1_NS_ANY_CYBOX, "Address_Value");
}

/* The related object an e-mail attachment refers to, inside the same object. */
static const s1_el *related_object(const s1_el *object, const char *id)
{
    const s1_el *rel = s1_child(object, S1_NS_CYBOX, "Related_Objects");
    for (s1_el *r = rel ? rel->children : NULL; r; r = r->next) {
        const char *rid = s1_is(r, S1_NS_CYBOX, "Related_Object") ? s1_attr_ref(r, "id") : NULL;
        if (rid && strcmp(rid, id) == 0) {
            return s1_child(r, S1_NS_CYBOX, "Properties");
        }
    }
    return NULL;
}

bool s1_cybox_email_attaches(const s1_el *object, const char *id)
{
    const s1_el *props = s1_child(object, S1_NS_CYBOX, "Properties");
    const s1_el *att = props ? s1_child_in(props, S1_NS_OBJ, "Attachments") : NULL;
    for (const s1_el *f = att ? att->children : NULL; id && f; f = f->next) {
        const char *ref =
            s1_is_in(f, S1_NS_OBJ, "File") ? s1_attr_ref(f, "object_reference") : NULL;
        if (ref && strcmp(ref, id) == 0) {
            return true;
        }
    }
    return false;
}

static cf_status obj_email(s1_leaf *lb, const s1_el *props, const s1_el *object)
{
    const s1_el *hdr = s1_child_in(props, S1_NS_OBJ, "Header");
    cf_status st = CF_OK;
    const s1_el *to = s1_child_in(hdr, S1_NS_OBJ, "To");
    for (s1_el *r = to ? to->children : NULL; r && st == CF_OK; r = r->next) {
        if (s1_is_in(r, S1_NS_OBJ, "Recipient")) {
            st = leaf_prop(lb, "email-message:to_refs[*].value", inner_address(r), LIT_STR,
                           CF_IOC_EMAIL);
        }
    }
    if (st == CF_OK) {
        st = leaf_prop(lb, "email-message:from_ref.value",
                       inner_address(s1_child_in(hdr, S1_NS_OBJ, "From")), LIT_STR, CF_IOC_EMAIL);
    }
    if (st == CF_OK) {
        st = leaf_prop(lb, "email-message:sender_ref.value",
                       inner_address(s1_child_in(hdr, S1_NS_OBJ, "Sender")), LIT_STR, CF_IOC_EMAIL);
    }
    if (st == CF_OK) {
        st = leaf_prop(lb, "email-message:subject", s1_child_in(hdr, S1_NS_OBJ, "Subject"), LIT_STR,
                       CF_IOC_NONE);
    }
    const s1_el *att = s1_child_in(props, S1_NS_OBJ, "Attachments");
    for (s1_el *f = att ? att->children : NULL; f && st == CF_OK; f = f->next) {
        const char *ref =
            s1_is_in(f, S1_NS_OBJ, "File") ? s1_attr_ref(f, "object_reference") : NULL;
        const s1_el *fp = ref ? related_object(object, ref) : NULL;
        if (fp) {
            st = obj_file(lb, fp, "email-message:body_multipart[*].body_raw_ref.");
        }
    }
    return st;
}

static cf_status obj_regkey(s1_leaf *lb, const s1_el *props)
{
    s1_el *key_el = s1_child_in(props, S1_NS_OBJ, "Key");
    char *hive = s1_text(s1_child_in(props, S1_NS_OBJ, "Hive"));
    cf_status st = CF_OK;
    if (hive && key_el) {
        /* The hive is written in front of each key, as one value. */
        char *key = s1_text(key_el);
        const char *cond = s1_attr_ref(key_el, "condition");
        const char *apply = s1_attr_ref(key_el, "apply_condition");
        const s1_op *op = cybox_op(cond);
        const char *join = apply && strcasecmp(apply, "ALL") == 0 ? " AND " : " OR ";
        cf_buf full = CF_BUF_INIT;
        const char *p = key, *v;
        size_t n;
        int count = 0;
        while (op && st == CF_OK && lb->n_terms < S1_MAX_TERMS && list_next(&p, &v, &n)) {
            cf_buf_reset(&full);
            st = cf_buf_printf(&full, "%s\\%.*s", hive, (int)n, v);
            if (st == CF_OK) {
                st = leaf_cmp(lb, &lb->terms[lb->n_terms], join, "windows-registry-key:key", op,
                              full.data, full.len, LIT_STR, CF_IOC_REGKEY);
            }
            count++;
        }
        if (count > 1) {
            lb->last_eq_ioc = false;
        }
        if (count) {
            leaf_term_done(lb, count);
        }
        cf_buf_free(&full);
        free(key);
    } else {
        st = leaf_prop(lb, "windows-registry-key:key", key_el, LIT_STR, CF_IOC_REGKEY);
    }
    free(hive);
    const s1_el *values = s1_child_in(props, S1_NS_OBJ, "Values");
    for (s1_el *v = values ? values->children : NULL; v && st == CF_OK; v = v->next) {
        if (s1_is_in(v, S1_NS_OBJ, "Value")) {
            st = leaf_prop(lb, "windows-registry-key:values[*].name",
                           s1_child_in(v, S1_NS_OBJ, "Name"), LIT_STR, CF_IOC_NONE);
            if (st == CF_OK) {
                st = leaf_prop(lb, "windows-registry-key:values[*].data",
                               s1_child_in(v, S1_NS_OBJ, "Data"), LIT_STR, CF_IOC_NONE);
            }
        }
    }
    return st;
}

/* Depth-first search for an element by local name in a cybox namespace. */
static const s1_el *find_desc(const s1_el *n, const char *local, int depth)
{
    for (s1_el *c = n ? n->children : NULL; c && depth < CF_MAX_XML_DEPTH; c = c->next) {
        if (s1_is_in(c, S1_NS_ANY_CYBOX, local)) {
            return c;
        }
        const s1_el *hit = find_desc(c, local, depth + 1);
        if (hit) {
            return hit;
        }
    }
    return NULL;
}

/* A socket: side is "src" or "dst"; the address and port give ip/endpoint. */
static cf_status socket_side(s1_leaf *lb, const s1_el *sock, const char *side)
{
    char path[64];
    const s1_el *ip = inner_address(s1_child_in(sock, S1_NS_OBJ, "IP_Address"));
    const s1_el *host =
        s1_child_in(s1_child_in(sock, S1_NS_OBJ, "Hostname"), S1_NS_ANY_CYBOX, "Hostname_Value");
    const s1_el *port =
        s1_child_in(s1_child_in(sock, S1_NS_OBJ, "Port"), S1_NS_ANY_CYBOX, "Port_Value");
    snprintf(path, sizeof path, "network-traffic:%s_ref.value", side);
    cf_status st = leaf_prop(lb, path, ip, LIT_STR, CF_IOC_IP);
    if (st == CF_OK) {
        st = leaf_prop(lb, path, host, LIT_STR, CF_IOC_DOMAIN);
    }
    snprintf(path, sizeof path, "network-traffic:%s_port", side);
    if (st == CF_OK) {
        st = leaf_prop(lb, path, port, LIT_INT, CF_IOC_NONE);
    }
    /* Each address with each port of the lists is an endpoint. */
    char *ipv = s1_text(ip), *pv = s1_text(port);
    const char *pi = ipv, *a, *pp, *q;
    size_t an, qn;
    int pairs = 0;
    while (st == CF_OK && pv && list_next(&pi, &a, &an)) {
        pp = pv;
        while (st == CF_OK && pairs < S1_MAX_TERMS && list_next(&pp, &q, &qn)) {
            if (all_digits(q, qn) && an < 256 && qn < 16) {
                char ep[320];
                snprintf(ep, sizeof ep, memchr(a, ':', an) ? "[%.*s]:%.*s" : "%.*s:%.*s", (int)an,
                         a, (int)qn, q);
                st = leaf_obs(lb, CF_IOC_ENDPOINT, ep, strlen(ep));
                pairs++;
            }
        }
    }
    free(ipv);
    free(pv);
    return st;
}

static cf_status obj_netconn(s1_leaf *lb, const s1_el *props)
{
    cf_status st =
        leaf_prop(lb, "network-traffic:protocols[*]",
                  s1_child_in(props, S1_NS_OBJ, "Layer3_Protocol"), LIT_STR, CF_IOC_NONE);
    if (st == CF_OK) {
        st = leaf_prop(lb, "network-traffic:protocols[*]",
                       s1_child_in(props, S1_NS_OBJ, "Layer4_Protocol"), LIT_STR, CF_IOC_NONE);
    }
    const s1_el *src = s1_child_in(props, S1_NS_OBJ, "Source_Socket_Address");
    const s1_el *dst = s1_child_in(props, S1_NS_OBJ, "Destination_Socket_Address");
    if (st == CF_OK && src) {
        st = socket_side(lb, src, "src");
    }
    if (st == CF_OK && dst) {
        st = socket_side(lb, dst, "dst");
    }
    return st;
}

/* Dispatch on the CybOX object name taken from the xsi:type namespace. */
static cf_status leaf_props(s1_leaf *lb, const s1_el *props, const s1_el *object, const char *obj)
{
    if (strcmp(obj, "AddressObject") == 0) {
        return obj_address(lb, props);
    }
    if (strcmp(obj, "DomainNameObject") == 0) {
        return leaf_prop(lb, "domain-name:value", s1_child_in(props, S1_NS_OBJ, "Value"), LIT_STR,
                         CF_IOC_DOMAIN);
    }
    if (strcmp(obj, "HostnameObject") == 0) {
        return leaf_prop(lb, "domain-name:value", s1_child_in(props, S1_NS_OBJ, "Hostname_Value"),
                         LIT_STR, CF_IOC_DOMAIN);
    }
    if (strcmp(obj, "URIObject") == 0 || strcmp(obj, "LinkObject") == 0) {
        const char *type = s1_attr_ref(props, "type");
        bool domain = type && strcasecmp(type, "Domain Name") == 0;
        s1_pick pick = type ? NULL : pick_uri;
        return leaf_prop_pick(lb, domain ? "domain-name:value" : "url:value",
                              s1_child_in(props, S1_NS_OBJ, "Value"), LIT_STR,
                              domain ? CF_IOC_DOMAIN : CF_IOC_URL, pick);
    }
    /* The objects that extend File carry its File_Name and Hashes. */
    static const char *const files[] = {"FileObject",      "WinFileObject",
                                        "WinExecutableFileObject", "UnixFileObject",
                                        "ImageFileObject", "PDFFileObject",
                                        "ArchiveFileObject"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (strcmp(obj, files[i]) == 0) {
            return obj_file(lb, props, "file:");
        }
    }
    if (strcmp(obj, "EmailMessageObject") == 0) {
        return obj_email(lb, props, object);
    }
    if (strcmp(obj, "MutexObject") == 0 || strcmp(obj, "WinMutexObject") == 0) {
        return leaf_prop(lb, "mutex:name", s1_child_in(props, S1_NS_OBJ, "Name"), LIT_STR,
                         CF_IOC_MUTEX);
    }
    if (strcmp(obj, "WinRegistryKeyObject") == 0) {
        return obj_regkey(lb, props);
    }
    if (strcmp(obj, "HTTPSessionObject") == 0) {
        return leaf_prop(lb,
                         "network-traffic:extensions.'http-request-ext'.request_header."
                         "'User-Agent'",
                         find_desc(props, "User_Agent", 0), LIT_STR, CF_IOC_USER_AGENT);
    }
    if (strcmp(obj, "PortObject") == 0) {
        cf_status st = leaf_prop(lb, "network-traffic:dst_port",
                                 s1_child_in(props, S1_NS_OBJ, "Port_Value"), LIT_INT, CF_IOC_NONE);
        if (st == CF_OK) {
            st = leaf_prop(lb, "network-traffic:protocols[*]",
                           s1_child_in(props, S1_NS_OBJ, "Layer4_Protocol"), LIT_STR, CF_IOC_NONE);
        }
        return st;
    }
    if (strcmp(obj, "SocketAddressObject") == 0) {
        return socket_side(lb, props, "src");
    }
    if (strcmp(obj, "NetworkConnectionObject") == 0) {
        return obj_netconn(lb, props);
    }
    return CF_EUNSUPPORTED;
}

/* Join the terms into the leaf's expression. */
static cf_status leaf_finish(s1_leaf *lb, s1_node *n)
{
    cf_buf e = CF_BUF_INIT;
    cf_status st = CF_OK;
    bool one = lb->n_terms == 1;
    if (one) {
        /* The common case: the one term is the expression. */
        e = lb->terms[0];
        lb->terms[0] = (cf_buf)CF_BUF_INIT;
    }
    for (int i = 0; i < lb->n_terms && st == CF_OK && !one; i++) {
        bool paren = lb->term_multi[i] && lb->n_terms > 1;
        st = cf_buf_puts(&e, i ? " AND " : "");
        if (st == CF_OK) {
            st = cf_buf_puts(&e, paren ? "(" : "");
        }
        if (st == CF_OK) {
            st = cf_buf_append(&e, lb->terms[i].data, lb->terms[i].len);
        }
        if (st == CF_OK) {
            st = cf_buf_puts(&e, paren ? ")" : "");
        }
    }
    if (st != CF_OK || lb->n_terms == 0) {
        cf_buf_free(&e);
        n->unsupported = lb->n_terms == 0;
        return st;
    }
    n->expr = e.data;
    n->multi = lb->n_terms > 1 || lb->term_multi[0];
    n->simple = lb->n_cmp == 1 && lb->last_eq_ioc;
    if (lb->vals.len) {
        n->vals = lb->vals.data;
        n->vals_len = lb->vals.len;
        lb->vals.data = NULL;
    }
    return CF_OK;
}

/* Count an object type we do not handle, by its xsi:type local name. */
static cf_status count_unsupported(s1_map *unsupported, const char *type)
{
    const char *key = type ? type : "(no xsi:type)";
    uintptr_t count = (uintptr_t)s1_map_get(unsupported, key);
    bool added;
    cf_status st = s1_map_put(unsupported, key, (void *)(count + 1), &added);
    if (st == CF_OK && !added) {
        size_t i;
        for (i = 0; i < unsupported->cap; i++) {
            if (unsupported->keys[i] && strcmp(unsupported->keys[i], key) == 0) {
                unsupported->vals[i] = (void *)(count + 1);
                break;
            }
        }
    }
    return st;
}

cf_status s1_cybox_object(s1_node **out, s1_el *object, s1_map *unsupported)
{
    s1_leaf lb;
    memset(&lb, 0, sizeof lb);
    lb.norm = (cf_norm)CF_NORM_INIT;
    const char *ns = NULL;
    char *type = NULL;
    cf_status st = CF_OK;
    s1_node *n = s1_node_new(S1_LEAF);
    if (!n) {
        return CF_ENOMEM;
    }
    const s1_el *props = s1_child(object, S1_NS_CYBOX, "Properties");
    type = props ? s1_xsi_type(props, &ns) : NULL;
    size_t plen = strlen(S1_NS_OBJ);
    if (ns && strncmp(ns, S1_NS_OBJ, plen) == 0) {
        /* "http://cybox.mitre.org/objects#AddressObject-2" gives AddressObject */
        char obj[64];
        size_t k = 0;
        for (const char *p = ns + plen; *p && *p != '-' && k + 1 < sizeof obj; p++) {
            obj[k++] = *p;
        }
        obj[k] = '\0';
        st = leaf_props(&lb, props, object, obj);
    } else {
        st = CF_EUNSUPPORTED;
    }
    if (st == CF_EUNSUPPORTED) {
        n->unsupported = true;
        st = count_unsupported(unsupported, type);
    } else if (st == CF_OK) {
        st = leaf_finish(&lb, n);
    }
    for (int i = 0; i <= lb.n_terms && i < S1_MAX_TERMS; i++) {
        cf_buf_free(&lb.terms[i]);
    }
    cf_buf_free(&lb.vals);
    cf_norm_free(&lb.norm);
    free(type);
    if (st != CF_OK) {
        s1_node_free(n);
        return st;
    }
    *out = n;
    return CF_OK;
}
