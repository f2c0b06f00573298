/*
 * Element trees of the STIX 1.x reader and the helpers that query them
 * (see stix1_xml.c).
 */
#ifndef CTIFLOW_CONVERT_STIX1_XML_H
#define CTIFLOW_CONVERT_STIX1_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/xmlstring.h>

#include "ctiflow/limits.h"
#include "ctiflow/status.h"

#define S1_NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

/* One attribute: names come from the parser's dictionary, the value is a copy. */
typedef struct s1_xattr {
    const char *name;  /* local name */
    const char *uri;   /* namespace URI, NULL when unqualified */
    const char *value; /* NUL-terminated */
} s1_xattr;

/*
 * An element or a text node of an expanded subtree. Children are linked
 * through children/next in document order; a text node has no name.
 */
typedef struct s1_el {
    struct s1_el *parent, *children, *last, *next;
    const char *name; /* local name, NULL for a text node */
    const char *uri;  /* namespace URI, NULL when none */
    const char *text; /* text node: its characters, NUL-terminated */
    size_t text_len;
    s1_xattr *attrs;
    int n_attrs;
    const char *xsi_ns;   /* xsi:type: the URI its prefix is bound to, or NULL */
    const char *xsi_type; /* xsi:type: the local part, or NULL */
    uint64_t line;        /* line of the start tag */
} s1_el;

typedef struct s1_chunk s1_chunk;

/* A namespace declaration in scope. */
typedef struct s1_nsdecl {
    const char *prefix; /* NULL for the default namespace */
    const char *uri;
} s1_nsdecl;

/* Builds one subtree at a time from SAX events; keeps the namespaces in scope. */
typedef struct s1_xml {
    s1_chunk *chunks;
    s1_el *cur; /* element whose content is being read, NULL outside a subtree */
    s1_nsdecl *ns;
    size_t n_ns, cap_ns;
    size_t ns_mark[CF_MAX_XML_DEPTH + 2];
} s1_xml;

void s1_xml_init(s1_xml *x);
void s1_xml_free(s1_xml *x);

/* Element at depth starts / ends: its namespace declarations enter / leave scope. */
cf_status s1_xml_scope(s1_xml *x, int depth, int nb_ns, const xmlChar **ns);
void s1_xml_unscope(s1_xml *x, int depth);

/*
 * Open an element (the root of a new subtree when none is open) with the
 * attributes of a SAX2 start callback; close it, getting the element back.
 */
cf_status s1_xml_open(s1_xml *x, const xmlChar *local, const xmlChar *uri, int nb_attrs,
                      const xmlChar **attrs, uint64_t line);
s1_el *s1_xml_close(s1_xml *x);
cf_status s1_xml_text(s1_xml *x, const char *s, size_t n);
/* Forget the subtree (its memory is reused by the next one). */
void s1_xml_clear(s1_xml *x);

/* Elements are matched by namespace URI and local name. */
bool s1_is(const s1_el *n, const char *ns, const char *local);
/* Namespace URI starts with prefix and local name matches. */
bool s1_is_in(const s1_el *n, const char *ns_prefix, const char *local);
s1_el *s1_child(const s1_el *n, const char *ns, const char *local);
s1_el *s1_child_in(const s1_el *n, const char *ns_prefix, const char *local);
s1_el *s1_next(const s1_el *n, const char *ns, const char *local);
/* Trimmed text content of n and its descendants (malloc'd), or NULL when empty. */
char *s1_text(const s1_el *n);
/* Attribute without namespace, borrowed for the life of the tree, or NULL. */
const char *s1_attr_ref(const s1_el *n, const char *name);
/* The same, malloc'd. */
char *s1_attr(const s1_el *n, const char *name);
/*
 * The element's xsi:type: *ns gets the namespace URI of its prefix
 * (borrowed) and the local type name is returned (malloc'd); NULL if none.
 */
char *s1_xsi_type(const s1_el *n, const char **ns);

#endif
