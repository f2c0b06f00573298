/*
 * Sorting items by a NUL-terminated string key in byte order (the order of
 * strcmp, and of SQLite's BINARY collation), for arrays large enough that
 * qsort's comparisons of long shared prefixes (every URL of a feed starts
 * "http") dominate.
 */
#ifndef CTIFLOW_STRSORT_H
#define CTIFLOW_STRSORT_H

#include <stddef.h>
#include <stdint.h>

/* An item and the key it is sorted by; both borrowed. word is the sort's scratch. */
typedef struct cf_strkey {
    const char *key;
    const void *item;
    uint64_t word;
} cf_strkey;

/*
 * Sort v[0..n) by key, bytes compared as unsigned char. Not stable: items
 * of equal keys come out in any order. Needs no memory beyond the stack.
 */
void cf_strkey_sort(cf_strkey *v, size_t n);

#endif
