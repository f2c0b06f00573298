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

/* Decimal text of v into out (at least 21 bytes, NUL-terminated); returns its length. */
size_t cf_int64_text(char *out, int64_t v);

/*
 * Length of the UTF-8 sequence at s (at most n bytes): 1 for ASCII, 2-4 for
 * a well-formed sequence, 0 when the bytes are not valid UTF-8 (a stray or
 * truncated sequence, an overlong form, a surrogate U+D800-U+DFFF, a value
 * above U+10FFFF). n must be at least 1.
 */
size_t cf_utf8_seq_len(const char *s, size_t n);

/*
 * Append s as the inside of a JSON string (no surrounding quotes). A byte
 * that is not part of valid UTF-8 is written as \u00XX with the byte's
 * value (0xFF becomes \u00ff), so the output is always valid UTF-8 JSON and
 * the byte can still be read back.
 */
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
