/*
 * A growable byte buffer, always NUL-terminated.
 *
 * Used wherever a value is built piece by piece: normalised values, JSON
 * output, patterns. Appends report CF_ENOMEM instead of aborting.
 */
#ifndef CTIFLOW_BUF_H
#define CTIFLOW_BUF_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctiflow/status.h"

typedef struct cf_buf {
    char *data; /* NUL-terminated once anything was appended; may be NULL */
    size_t len;
    size_t cap;
} cf_buf;

#define CF_BUF_INIT {NULL, 0, 0}

void cf_buf_free(cf_buf *b);
static inline void cf_buf_reset(cf_buf *b)
{
    b->len = 0;
    if (b->data) {
        b->data[0] = '\0';
    }
}
/* Text of the buffer; "" when nothing was appended. Borrowed. */
static inline const char *cf_buf_str(const cf_buf *b)
{
    return b->data ? b->data : "";
}
cf_status cf_buf_reserve(cf_buf *b, size_t extra);
cf_status cf_buf_append(cf_buf *b, const char *s, size_t n);
cf_status cf_buf_puts(cf_buf *b, const char *s);
cf_status cf_buf_putc(cf_buf *b, char c);
cf_status cf_buf_printf(cf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append s as the inside of a JSON string (no surrounding quotes). */
cf_status cf_buf_json_str(cf_buf *b, const char *s, size_t n);
/* Append s as a complete JSON string with quotes; NULL becomes null. */
cf_status cf_buf_json_quoted(cf_buf *b, const char *s);

/*
 * qsort that accepts an empty array whose pointer is NULL (qsort itself
 * must not be given a NULL base, even for zero elements).
 */
static inline void cf_sort(void *base, size_t n, size_t size,
                           int (*cmp)(const void *, const void *))
{
    if (n > 1) {
        qsort(base, n, size, cmp);
    }
}

/* Duplicate n bytes into a new NUL-terminated string; NULL on no memory. */
char *cf_strndup(const char *s, size_t n);
char *cf_strdup(const char *s);

#endif
