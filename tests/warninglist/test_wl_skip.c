/*
 * The substring lists' skip filter hashes blocks of two bytes (when the
 * shortest pattern has three) or three: whichever it uses, the lists a
 * value matches must be exactly the patterns strstr finds in it, case
 * folded. Random texts over a small alphabet hit every block often.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctiflow/warninglist.h"
#include "testlib.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The ids of the lists value matches, joined by ',' into out. */
static const char *matched(const cf_wlset *wl, const char *value, char *out, size_t cap)
{
    cf_wl_matches m;
    size_t pos = 0;

    out[0] = '\0';
    cf_wl_match_value(wl, CF_IOC_URL, CF_IOC_NONE, value, &m);
    for (size_t i = 0; i < m.n && pos < cap; i++) {
        int k =
            snprintf(out + pos, cap - pos, "%s%s", i ? "," : "", cf_wl_info_at(wl, m.lists[i])->id);
        pos += k > 0 ? (size_t)k : 0;
    }
    return out;
}

/* One list per pattern (p0, p1, ...), random texts against strstr. */
static void check_patterns(const char *const *pats, size_t n_pats, uint32_t seed)
{
    char dir[] = "/tmp/wlskipXXXXXX";
    char path[512], body[256], got[256], want[256];
    cf_error err;
    CHECK(mkdtemp(dir) != NULL);

    for (size_t i = 0; i < n_pats; i++) {
        snprintf(path, sizeof path, "%s/p%zu.json", dir, i);
        snprintf(body, sizeof body,
                 "{\"name\":\"p%zu\",\"type\":\"substring\","
                 "\"matching_attributes\":[\"url\"],\"list\":[\"%s\"]}",
                 i, pats[i]);
        write_file(path, body);
    }
    cf_wlset *wl = cf_wl_new();
    cf_error_clear(&err);
    CHECK_INT(cf_wl_load_dir(wl, dir, NULL, NULL, &err), CF_OK);
    CHECK_INT(cf_wl_count(wl), n_pats);

    const char alpha[] = "ab.cA/";
    int wrong = 0;
    for (int t = 0; t < 20000; t++) {
        char text[64], lower[64];
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % sizeof text;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alpha[(seed >> 16) % 6];
            lower[i] = text[i] == 'A' ? 'a' : text[i];
        }
        text[len] = lower[len] = '\0';
        size_t pos = 0;
        want[0] = '\0';
        for (size_t i = 0; i < n_pats; i++) {
            if (strstr(lower, pats[i])) {
                int k = snprintf(want + pos, sizeof want - pos, "%sp%zu", pos ? "," : "", i);
                pos += k > 0 ? (size_t)k : 0;
            }
        }
        if (strcmp(matched(wl, text, got, sizeof got), want) != 0) {
            if (wrong++ < 5) {
                fprintf(stderr, "'%s': got '%s', want '%s'\n", text, got, want);
            }
        }
    }
    CHECK_INT(wrong, 0);
    cf_wl_free(wl);
    for (size_t i = 0; i < n_pats; i++) {
        snprintf(path, sizeof path, "%s/p%zu.json", dir, i);
        remove(path);
    }
    remove(dir);
}

int main(void)
{
    /* Shortest pattern of three bytes: blocks of two. */
    const char *const two[] = {"ab.", "c/a", "bcab", "a.a.b"};
    /* Shortest of four and more: blocks of three. */
    const char *const three[] = {"ab.c", "c/ab", "bcabc", "a.a.b/"};

    check_patterns(two, sizeof two / sizeof two[0], 777);
    check_patterns(three, sizeof three / sizeof three[0], 4242);
    TEST_MAIN_END();
}
