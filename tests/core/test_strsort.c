/*
 * Tests of sorting by string key: generated key sets that share long
 * prefixes (URLs of one host, keys that are prefixes of others), repeat
 * keys, hold bytes above 0x7f and come presorted or reversed come out in
 * strcmp order, each item beside its own key; so do keys of every byte
 * value at the first position, laid out against median-of-three pivots.
 */
#include <stdint.h>

#include "ctiflow/strsort.h"
#include "testlib.h"

static uint64_t rng = 88172645463325252ull;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* Sort v[0..n) and check the order, and that every item still has its key. */
static void check_sorted(cf_strkey *v, size_t n)
{
    cf_strkey_sort(v, n);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].item != (const void *)v[i].key) {
            bad++;
        }
        if (i > 0 && strcmp(v[i - 1].key, v[i].key) > 0) {
            bad++;
        }
    }
    CHECK_INT(bad, 0);
}

/* n keys written into pool (each item is its key's address). */
static cf_strkey *make_keys(char *pool, size_t n, size_t width, int kind)
{
    static const char *const hosts[] = {"http://a.example/", "http://a.example/x/",
                                        "https://b.example:8443/", "http://"};
    cf_strkey *v = calloc(n, sizeof(*v));

    for (size_t i = 0; i < n; i++) {
        char *k = pool + i * width;
        switch (kind) {
        case 0: /* URLs under a few shared prefixes, some keys prefixes of others */
            snprintf(k, width, "%s%u", hosts[next_rand() % 4], next_rand() % 5000);
            break;
        case 1: /* bytes above 0x7f, which strcmp orders after ASCII */
            k[0] = (char)(0x60 + next_rand() % 0x40);
            k[1] = (char)(0x70 + next_rand() % 0x20);
            k[2] = (char)('a' + next_rand() % 3);
            k[3] = '\0';
            break;
        case 2: /* presorted: the same long prefix, then a counter */
            snprintf(k, width, "%0200d%08zu", 0, i);
            break;
        case 3: /* reversed */
            snprintf(k, width, "%08zu", n - i);
            break;
        default: /* empty keys and one-byte keys */
            k[0] = (char)(next_rand() % 2 ? 'z' : '\0');
            k[1] = '\0';
            break;
        }
        v[i].key = k;
        v[i].item = k;
    }
    return v;
}

static void test_kinds(void)
{
    const size_t width = 224;
    size_t sizes[] = {0, 1, 2, 11, 12, 13, 100, 5000, 40000};

    for (int kind = 0; kind < 5; kind++) {
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            size_t n = sizes[s];
            char *pool = calloc(n ? n : 1, width);
            cf_strkey *v = make_keys(pool, n, width, kind);
            check_sorted(v, n);
            if (kind == 0 && n == 5000) {
                /* a known key lands where strcmp puts it: the shortest one first */
                CHECK_STR(v[0].key, "http://0");
            }
            free(v);
            free(pool);
        }
    }
}

/* Keys of every byte value at depth 0, alternating low and high. */
static void test_budget(void)
{
    enum { N = 255 * 40 };
    static char pool[N][4];
    static cf_strkey v[N];

    for (size_t i = 0; i < N; i++) {
        unsigned b = 1 + (unsigned)(i % 255);
        pool[i][0] = (char)(i % 2 ? b : 256 - b);
        pool[i][1] = (char)('a' + i / 255 % 26);
        pool[i][2] = '\0';
        v[i].key = pool[i];
        v[i].item = pool[i];
    }
    check_sorted(v, N);
    CHECK_INT((unsigned char)v[0].key[0], 1);
    CHECK_INT((unsigned char)v[N - 1].key[0], 255);
}

int main(void)
{
    test_kinds();
    test_budget();
    TEST_MAIN_END();
}
