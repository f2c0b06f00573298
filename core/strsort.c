/*
 * Sorting by string key (strsort.h).
 *
 * DESIGN
 * A three-way radix quicksort over eight-byte words: each item holds the
 * word of its key's bytes from depth d on (big-endian, zero after the key's
 * end), so comparing two words orders the keys as strcmp orders those
 * bytes. A range is split into the items whose word is below, equal to and
 * above a pivot word; the equal ones share those eight bytes and go on at
 * depth d + 8 with their next words loaded, so a long shared prefix ("http://"
 * on every URL of a feed) costs one load per item per eight bytes instead
 * of a strcmp of it per comparison, and the key bytes, far apart in
 * memory, are read once per word. An equal word that holds the end of the
 * key means the keys are equal. Small ranges finish with an insertion sort.
 * The below and above parts recurse, the equal part loops; past a recursion
 * budget of about twice the bits of n (input that keeps choosing bad
 * pivots), a range is handed to qsort, which bounds the stack whatever the
 * keys.
 */
#include "ctiflow/strsort.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Ranges this small are finished by insertion. */
#define STRSORT_SMALL 12

/* The bytes of s from its start, up to eight, big-endian; zero past its end. */
static uint64_t strsort_word(const char *s)
{
    uint64_t w = 0;
    int i = 0;

    for (; i < 8 && s[i]; i++) {
        w = w << 8 | (unsigned char)s[i];
    }
    return i == 0 ? 0 : (i == 8 ? w : w << (8 * (8 - i)));
}

/* True when word w holds the end of its key (a zero byte). */
static bool strsort_ends(uint64_t w)
{
    return ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) != 0;
}

static void strsort_swap(cf_strkey *a, cf_strkey *b)
{
    cf_strkey t = *a;
    *a = *b;
    *b = t;
}

static int strsort_cmp(const void *a, const void *b)
{
    return strcmp(((const cf_strkey *)a)->key, ((const cf_strkey *)b)->key);
}

/* -1, 0 or 1 as x's key orders against y's; both agree on their first d bytes. */
static int strsort_cmp_at(const cf_strkey *x, const cf_strkey *y, size_t d)
{
    if (x->word != y->word) {
        return x->word < y->word ? -1 : 1;
    }
    if (strsort_ends(x->word)) {
        return 0;
    }
    return strcmp(x->key + d + 8, y->key + d + 8);
}

/* Insertion sort of keys that agree on their first d bytes, words loaded at d. */
static void strsort_insertion(cf_strkey *v, size_t n, size_t d)
{
    for (size_t i = 1; i < n; i++) {
        cf_strkey x = v[i];
        size_t j = i;
        while (j > 0 && strsort_cmp_at(&v[j - 1], &x, d) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* The median of the words of the first, middle and last items. */
static uint64_t strsort_pivot(const cf_strkey *v, size_t n)
{
    uint64_t a = v[0].word, b = v[n / 2].word, c = v[n - 1].word;

    if (a > b) {
        uint64_t t = a;
        a = b;
        b = t;
    }
    return c < a ? a : (c > b ? b : c);
}

static void strsort_load(cf_strkey *v, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++) {
        v[i].word = strsort_word(v[i].key + d);
    }
}

/* Sort v[0..n), keys that agree on their first d bytes, words loaded at d. */
static void strsort_range(cf_strkey *v, size_t n, size_t d, int budget)
{
    while (n > STRSORT_SMALL) {
        if (budget <= 0) {
            qsort(v, n, sizeof(*v), strsort_cmp);
            return;
        }
        uint64_t p = strsort_pivot(v, n);

        /* [0, lt) below p, [lt, i) equal, [gt, n) above */
        size_t lt = 0, i = 0, gt = n;
        while (i < gt) {
            uint64_t w = v[i].word;
            if (w < p) {
                strsort_swap(&v[lt++], &v[i++]);
            } else if (w > p) {
                strsort_swap(&v[i], &v[--gt]);
            } else {
                i++;
            }
        }
        strsort_range(v, lt, d, budget - 1);
        strsort_range(v + gt, n - gt, d, budget - 1);
        if (strsort_ends(p)) {
            return; /* the equal part is keys that end within the word: all equal */
        }
        v += lt;
        n = gt - lt;
        d += 8;
        strsort_load(v, n, d);
    }
    strsort_insertion(v, n, d);
}

void cf_strkey_sort(cf_strkey *v, size_t n)
{
    int budget = 4;

    for (size_t m = n; m > 1; m >>= 1) {
        budget += 2;
    }
    if (n > 1) {
        strsort_load(v, n, 0);
        strsort_range(v, n, 0, budget);
    }
}
