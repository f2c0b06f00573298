/*
 * CybOX objects of a STIX 1.x package as pattern pieces and observations
 * (see stix1_cybox.c), and the namespaces the STIX 1.x reader matches.
 */
#ifndef CTIFLOW_CONVERT_STIX1_CYBOX_H
#define CTIFLOW_CONVERT_STIX1_CYBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "ctiflow/status.h"
#include "stix1_util.h"
#include "stix1_xml.h"

#define S1_NS_STIX "http://stix.mitre.org/stix-1"
#define S1_NS_IND "http://stix.mitre.org/Indicator-2"
#define S1_NS_CYBOX "http://cybox.mitre.org/cybox-2"
#define S1_NS_COMMON "http://stix.mitre.org/common-1"
#define S1_NS_MARKING "http://data-marking.mitre.org/Marking-1"
#define S1_NS_TLP "http://data-marking.mitre.org/extensions/MarkingStructure#TLP-1"
#define S1_NS_AIS "http://www.us-cert.gov/STIXMarkingStructure#AISConsentMarking-2"

enum { S1_LEAF, S1_COMP, S1_REF };
enum { S1_AND, S1_OR };

/*
 * One node of an observable tree: a CybOX object (leaf), an AND/OR
 * composition, or a reference by idref resolved at the end of the package.
 */
typedef struct s1_node {
    uint8_t kind;
    uint8_t op;
    bool unsupported; /* leaf: an object we cannot express */
    bool simple;      /* leaf: one equality on an IOC property, one value */
    bool multi;       /* leaf: expression needs parentheses in a composition */
    bool visiting;    /* set while resolution walks through it (cycles) */
    char *ref;        /* S1_REF: the idref */
    char *expr;       /* S1_LEAF: comparison expression, NULL when none */
    char *vals;       /* S1_LEAF: observations, each a type byte + text + NUL */
    size_t vals_len;
    struct s1_node **kids;
    size_t n_kids;
} s1_node;

void s1_node_free(s1_node *n);
s1_node *s1_node_new(uint8_t kind);
cf_status s1_node_add_kid(s1_node *parent, s1_node *kid);

/*
 * Turn one cybox:Object element into a leaf (*out, caller frees). An
 * object of a type we do not handle becomes an unsupported leaf and its
 * xsi:type is counted in unsupported (values are counts cast to pointers).
 */
cf_status s1_cybox_object(s1_node **out, s1_el *object, s1_map *unsupported);

/*
 * True when the e-mail message object lists the related object id among its
 * attachments (whose files its own expression carries already).
 */
bool s1_cybox_email_attaches(const s1_el *object, const char *id);

#endif
