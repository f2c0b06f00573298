/*
 * A minimal assertion library for the C test programs.
 *
 * CHECK* macros count passes and failures and print each failure with its
 * location; TEST_MAIN_END prints "N passed, N failed" and returns the exit
 * status. A test that needs data from ../shared and cannot find it calls
 * test_skip(), which exits 77 (ctest reports it as skipped).
 */
#ifndef CTIFLOW_TESTLIB_H
#define CTIFLOW_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tl_passed, tl_failed;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (cond) {                                                                        \
            tl_passed++;                                                                   \
        } else {                                                                           \
            tl_failed++;                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                                  \
    } while (0)

#define CHECK_INT(got, want)                                                               \
    do {                                                                                   \
        long long tl_g = (long long)(got), tl_w = (long long)(want);                       \
        if (tl_g == tl_w) {                                                                \
            tl_passed++;                                                                   \
        } else {                                                                           \
            tl_failed++;                                                                   \
            fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n", __FILE__, __LINE__, #got,  \
                    tl_g, tl_w);                                                           \
        }                                                                                  \
    } while (0)

#define CHECK_STR(got, want)                                                               \
    do {                                                                                   \
        const char *tl_g = (got), *tl_w = (want);                                          \
        if (tl_g && tl_w && strcmp(tl_g, tl_w) == 0) {                                     \
            tl_passed++;                                                                   \
        } else {                                                                           \
            tl_failed++;                                                                   \
            fprintf(stderr, "%s:%d: %s: got '%s', want '%s'\n", __FILE__, __LINE__, #got,  \
                    tl_g ? tl_g : "(null)", tl_w ? tl_w : "(null)");                       \
        }                                                                                  \
    } while (0)

#define TEST_MAIN_END()                                                                    \
    do {                                                                                   \
        printf("%d passed, %d failed\n", tl_passed, tl_failed);                            \
        return tl_failed ? 1 : 0;                                                          \
    } while (0)

/* Path under the shared corpus (CORPUS env or ../shared/corpus); NULL if absent. */
static inline const char *test_corpus(char *buf, size_t n, const char *rel)
{
    const char *root = getenv("CORPUS");
    snprintf(buf, n, "%s/%s", root ? root : "../shared/corpus", rel);
    return access(buf, R_OK) == 0 ? buf : NULL;
}

static inline void test_skip(const char *why)
{
    printf("skipped: %s\n", why);
    exit(77);
}

#endif
