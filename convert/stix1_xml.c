/*
 * Element trees for the STIX 1.x reader: the one Indicator, Observable,
 * TTP, Threat_Actor, Campaign or STIX_Header being read, built from SAX2
 * events, and the helpers that query them.
 *
 * DESIGN
 * libxml2 parses; this file only keeps what the reader looks at. A subtree
 * lives in chunks of one arena: elements, text nodes and attribute values
 * are carved from it and the whole tree is forgotten at once when the
 * reader is done with it, so reading a package costs no allocation per
 * element once the first chunk is warm. Names and namespace URIs are the
 * parser dictionary's strings, valid for the whole pass.
 * Namespace declarations are kept in a stack while the document streams
 * (every element's, expanded or not), so an xsi:type prefix is resolved
 * when its element is opened, by the declarations in scope there.
 * Attribute values come from the SAX2 callback, where libxml2 leaves a '&'
 * written as "&#38;" (it substitutes no entities); the copy turns it back
 * into '&', as libxml2's own tree builder does.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ctiflow/buf.h"
#include "stix1_xml.h"

#define S1_CHUNK_BYTES (64u * 1024)

struct s1_chunk {
    struct s1_chunk *next;
    size_t used, size;
    char data[];
};

void s1_xml_init(s1_xml *x)
{
    memset(x, 0, sizeof *x);
}

static void xml_free_chunks(s1_chunk *c)
{
    while (c) {
        s1_chunk *next = c->next;
        free(c);
        c = next;
    }
}

void s1_xml_free(s1_xml *x)
{
    xml_free_chunks(x->chunks);
    free(x->ns);
    memset(x, 0, sizeof *x);
}

/* n bytes from the arena, aligned for any field; NULL when out of memory. */
static void *xml_alloc(s1_xml *x, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    s1_chunk *c = x->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > S1_CHUNK_BYTES ? n : S1_CHUNK_BYTES;
        s1_chunk *fresh = malloc(sizeof *fresh + size);
        if (!fresh) {
            return NULL;
        }
        fresh->size = size;
        fresh->used = 0;
        fresh->next = c;
        x->chunks = fresh;
        c = fresh;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

void s1_xml_clear(s1_xml *x)
{
    s1_chunk *keep = x->chunks;
    /* The last chunk of a chain is the first one made: keep it, warm. */
    while (keep && keep->next) {
        s1_chunk *next = keep->next;
        free(keep);
        keep = next;
    }
    if (keep) {
        keep->used = 0;
    }
    x->chunks = keep;
    x->cur = NULL;
}

/* ---- namespaces in scope ---- */

cf_status s1_xml_scope(s1_xml *x, int depth, int nb_ns, const xmlChar **ns)
{
    x->ns_mark[depth] = x->n_ns;
    if (nb_ns <= 0) {
        return CF_OK;
    }
    if (x->n_ns + (size_t)nb_ns > CF_MAX_XML_NAMESPACES) {
        return CF_ELIMIT;
    }
    if (x->n_ns + (size_t)nb_ns > x->cap_ns) {
        size_t cap = x->cap_ns ? x->cap_ns : 32;
        while (cap < x->n_ns + (size_t)nb_ns) {
            cap *= 2;
        }
        s1_nsdecl *p = realloc(x->ns, cap * sizeof *p);
        if (!p) {
            return CF_ENOMEM;
        }
        x->ns = p;
        x->cap_ns = cap;
    }
    for (int i = 0; i < nb_ns; i++) {
        x->ns[x->n_ns].prefix = (const char *)ns[2 * i];
        x->ns[x->n_ns].uri = (const char *)ns[2 * i + 1];
        x->n_ns++;
    }
    return CF_OK;
}

void s1_xml_unscope(s1_xml *x, int depth)
{
    x->n_ns = x->ns_mark[depth];
}

/* The URI bound to prefix (n bytes; NULL for the default namespace), innermost first. */
static const char *xml_ns_lookup(const s1_xml *x, const char *prefix, size_t n)
{
    for (size_t i = x->n_ns; i-- > 0;) {
        const char *p = x->ns[i].prefix;
        bool hit = prefix ? p && strlen(p) == n && memcmp(p, prefix, n) == 0 : !p;
        if (hit) {
            return x->ns[i].uri;
        }
    }
    return NULL;
}

/* ---- building ---- */

/* Copy an attribute value, turning libxml2's "&#38;" back into '&'. */
static const char *xml_copy_value(s1_xml *x, const char *v, size_t n)
{
    char *out = xml_alloc(x, n + 1);
    size_t k = 0;
    if (!out) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '&' && n - i >= 5 && memcmp(v + i, "&#38;", 5) == 0) {
            out[k++] = '&';
            i += 4;
        } else {
            out[k++] = v[i];
        }
    }
    out[k] = '\0';
    return out;
}

/* Resolve the element's xsi:type against the declarations in scope. */
static void xml_xsi_type(s1_xml *x, s1_el *el, const char *value)
{
    const char *colon = strchr(value, ':');
    el->xsi_type = colon ? colon + 1 : value;
    el->xsi_ns =
        colon ? xml_ns_lookup(x, value, (size_t)(colon - value)) : xml_ns_lookup(x, NULL, 0);
}

static cf_status xml_attrs(s1_xml *x, s1_el *el, int nb_attrs, const xmlChar **attrs)
{
    el->attrs = xml_alloc(x, (size_t)nb_attrs * sizeof *el->attrs);
    if (!el->attrs) {
        return CF_ENOMEM;
    }
    for (int i = 0; i < nb_attrs; i++) {
        const xmlChar **a = attrs + 5 * i;
        s1_xattr *dst = &el->attrs[i];
        dst->name = (const char *)a[0];
        dst->uri = (const char *)a[2];
        dst->value = xml_copy_value(x, (const char *)a[3], (size_t)(a[4] - a[3]));
        if (!dst->value) {
            return CF_ENOMEM;
        }
        if (dst->uri && strcmp(dst->name, "type") == 0 && strcmp(dst->uri, S1_NS_XSI) == 0) {
            xml_xsi_type(x, el, dst->value);
        }
    }
    el->n_attrs = nb_attrs;
    return CF_OK;
}

/* Link n as the last child of the open element, when there is one. */
static void xml_link(s1_xml *x, s1_el *n)
{
    s1_el *parent = x->cur;
    n->parent = parent;
    if (!parent) {
        return;
    }
    if (parent->last) {
        parent->last->next = n;
    } else {
        parent->children = n;
    }
    parent->last = n;
}

cf_status s1_xml_open(s1_xml *x, const xmlChar *local, const xmlChar *uri, int nb_attrs,
                      const xmlChar **attrs, uint64_t line)
{
    s1_el *el = xml_alloc(x, sizeof *el);
    if (!el) {
        return CF_ENOMEM;
    }
    memset(el, 0, sizeof *el);
    el->name = (const char *)local;
    el->uri = (const char *)uri;
    el->line = line;
    if (nb_attrs > 0) {
        cf_status st = xml_attrs(x, el, nb_attrs, attrs);
        if (st != CF_OK) {
            return st;
        }
    }
    xml_link(x, el);
    x->cur = el;
    return CF_OK;
}

s1_el *s1_xml_close(s1_xml *x)
{
    s1_el *el = x->cur;
    if (el) {
        x->cur = el->parent;
    }
    return el;
}

cf_status s1_xml_text(s1_xml *x, const char *s, size_t n)
{
    if (!x->cur || n == 0) {
        return CF_OK;
    }
    s1_el *t = xml_alloc(x, sizeof *t);
    char *copy = t ? xml_alloc(x, n + 1) : NULL;
    if (!copy) {
        return CF_ENOMEM;
    }
    memset(t, 0, sizeof *t);
    memcpy(copy, s, n);
    copy[n] = '\0';
    t->text = copy;
    t->text_len = n;
    xml_link(x, t);
    return CF_OK;
}

/* ---- queries ---- */

bool s1_is(const s1_el *n, const char *ns, const char *local)
{
    return n && n->name && n->uri && strcmp(n->name, local) == 0 && strcmp(n->uri, ns) == 0;
}

bool s1_is_in(const s1_el *n, const char *ns_prefix, const char *local)
{
    return n && n->name && n->uri && strcmp(n->name, local) == 0 &&
           strncmp(n->uri, ns_prefix, strlen(ns_prefix)) == 0;
}

s1_el *s1_child(const s1_el *n, const char *ns, const char *local)
{
    for (s1_el *c = n ? n->children : NULL; c; c = c->next) {
        if (s1_is(c, ns, local)) {
            return c;
        }
    }
    return NULL;
}

s1_el *s1_child_in(const s1_el *n, const char *ns_prefix, const char *local)
{
    for (s1_el *c = n ? n->children : NULL; c; c = c->next) {
        if (s1_is_in(c, ns_prefix, local)) {
            return c;
        }
    }
    return NULL;
}

s1_el *s1_next(const s1_el *n, const char *ns, const char *local)
{
    for (s1_el *c = n ? n->next : NULL; c; c = c->next) {
        if (s1_is(c, ns, local)) {
            return c;
        }
    }
    return NULL;
}

/* Append the text of n's descendants in document order. */
static cf_status xml_gather(cf_buf *b, const s1_el *n, int depth)
{
    cf_status st = CF_OK;
    for (const s1_el *c = n->children; c && st == CF_OK; c = c->next) {
        if (!c->name) {
            st = cf_buf_append(b, c->text, c->text_len);
        } else if (depth < CF_MAX_XML_DEPTH) {
            st = xml_gather(b, c, depth + 1);
        }
    }
    return st;
}

static char *xml_trimmed(const char *s, size_t len)
{
    while (len && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    return len ? cf_strndup(s, len) : NULL;
}

char *s1_text(const s1_el *n)
{
    if (!n) {
        return NULL;
    }
    if (!n->name) {
        return xml_trimmed(n->text, n->text_len);
    }
    /* The common case, one text child, needs no gathering. */
    const s1_el *only = n->children;
    if (!only) {
        return NULL;
    }
    if (!only->name && !only->next) {
        return xml_trimmed(only->text, only->text_len);
    }
    cf_buf b = CF_BUF_INIT;
    char *out = NULL;
    if (xml_gather(&b, n, 0) == CF_OK && b.len) {
        out = xml_trimmed(b.data, b.len);
    }
    cf_buf_free(&b);
    return out;
}

const char *s1_attr_ref(const s1_el *n, const char *name)
{
    for (int i = 0; n && i < n->n_attrs; i++) {
        if (!n->attrs[i].uri && strcmp(n->attrs[i].name, name) == 0) {
            return n->attrs[i].value;
        }
    }
    return NULL;
}

char *s1_attr(const s1_el *n, const char *name)
{
    const char *v = s1_attr_ref(n, name);
    return v ? cf_strdup(v) : NULL;
}

char *s1_xsi_type(const s1_el *n, const char **ns)
{
    *ns = n ? n->xsi_ns : NULL;
    return n && n->xsi_type ? cf_strdup(n->xsi_type) : NULL;
}
