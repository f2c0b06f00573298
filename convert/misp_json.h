/*
 * A compact JSON document for the MISP reader: the text is checked once
 * (RFC 8259 syntax, UTF-8, the escapes and numbers jansson accepts), then
 * laid out as one flat array of nodes in document order, with strings
 * decoded in place in the text and NUL-terminated there. Internal to
 * convert/misp.c; the text must stay alive as long as the nodes.
 */
#ifndef CTIFLOW_MISP_JSON_H
#define CTIFLOW_MISP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum mj_kind {
    MJ_NULL = 0,
    MJ_FALSE,
    MJ_TRUE,
    MJ_INT,
    MJ_REAL,
    MJ_STRING,
    MJ_ARRAY,
    MJ_OBJECT,
} mj_kind;

/*
 * One value, or one object key (an MJ_STRING). An array's elements and an
 * object's key/value pairs follow their container; skip is the number of
 * nodes of this value and all it holds, so the next sibling is node + skip.
 */
typedef struct mj_node {
    uint8_t kind;
    uint32_t len;  /* bytes of a string; elements of an array; members of an object */
    uint32_t skip; /* nodes of this value including itself */
    union {
        const char *s;
        int64_t i;
        double d;
    } u;
} mj_node;

typedef struct mj_doc {
    mj_node *nodes;
    size_t n, cap;
} mj_doc;

typedef enum mj_check {
    MJ_OK = 0,
    MJ_INVALID,  /* not JSON as jansson reads it (syntax, UTF-8, NUL, range) */
    MJ_TOO_DEEP, /* nested deeper than the depth given */
    MJ_TOO_WIDE, /* top-level object with more members than the limit given */
} mj_check;

/*
 * Check text (not modified) and count the nodes it needs. Stops at the
 * first problem found.
 */
mj_check cf_mj_check(const char *text, size_t len, size_t max_depth, size_t max_top_members,
                     size_t *n_nodes);

/*
 * Lay out text already accepted by cf_mj_check into doc (reused across
 * documents), decoding strings in place. Returns false when out of memory.
 */
bool cf_mj_build(mj_doc *doc, char *text, size_t len, size_t n_nodes);

void cf_mj_free(mj_doc *doc);

/* The value of the last member named key of obj, or NULL (obj may be NULL or no object). */
const mj_node *cf_mj_get(const mj_node *obj, const char *key);

static inline bool mj_is(const mj_node *v, mj_kind k)
{
    return v && v->kind == k;
}

static inline bool mj_is_object(const mj_node *v)
{
    return mj_is(v, MJ_OBJECT);
}

static inline bool mj_is_array(const mj_node *v)
{
    return mj_is(v, MJ_ARRAY);
}

static inline const mj_node *mj_next(const mj_node *v)
{
    return v + v->skip;
}

/* Each element v (index i) of arr; nothing when arr is NULL or no array. */
#define MJ_ARRAY_FOREACH(arr, i, v)                                             \
    for ((i) = 0, (v) = mj_is_array(arr) ? (arr) + 1 : NULL; (v) && (i) < (arr)->len; \
         (i)++, (v) = mj_next(v))

/* Each member of obj: key node k (a string), value v. */
#define MJ_OBJECT_FOREACH(obj, i, k, v)                                                 \
    for ((i) = 0, (k) = mj_is_object(obj) ? (obj) + 1 : NULL, (v) = (k) ? (k) + 1 : NULL; \
         (k) && (i) < (obj)->len; (i)++, (k) = mj_next(v), (v) = (k) + 1)

#endif
