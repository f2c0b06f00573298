/*
 * Host-name matching at label boundaries, against a plain reference: for
 * generated names of 1 to 40 labels (every length of label from 1 to 19,
 * mixed case) a hostname list holds
 * one parent of each name, or the name itself, in lower case, and a string
 * list some whole names. A name must match the hostname list exactly when
 * one of its parents (the text after one of its dots) or the name itself
 * is an entry, and the string list exactly
 * when the name itself is one, whatever its case. The parents' hashes come
 * from one pass over the name's words, so dots at every place of a word
 * and names of more parents than one pass keeps are both covered.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctiflow/warninglist.h"
#include "testlib.h"

#define N_NAMES 3000
#define MAX_NAME 512

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static char names[N_NAMES][MAX_NAME];
static char *entries[N_NAMES];  /* hostname list: lower case */
static char *strings[N_NAMES];  /* string list: lower case, or NULL */

static void lower(char *dst, const char *src)
{
    size_t i = 0;
    for (; src[i]; i++) {
        dst[i] = (char)tolower((unsigned char)src[i]);
    }
    dst[i] = '\0';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True when the lower-case form of key is in the sorted array of n strings. */
static bool listed(char **sorted, size_t n, const char *key)
{
    char low[MAX_NAME];
    const char *p = low;
    lower(low, key);
    return n && bsearch(&p, sorted, n, sizeof *sorted, cmp_str) != NULL;
}

static void gen_name(char *out)
{
    size_t labels = 1 + rnd(rnd(4) == 0 ? 40 : 6);
    size_t pos = 0;
    for (size_t l = 0; l < labels && pos < MAX_NAME - 24; l++) {
        if (l) {
            out[pos++] = '.';
        }
        size_t len = 1 + rnd(rnd(3) == 0 ? 19 : 8);
        for (size_t k = 0; k < len; k++) {
            unsigned c = rnd(38);
            out[pos++] = c < 26 ? (char)((rnd(4) ? 'a' : 'A') + c) : c < 36 ? (char)('0' + c - 26)
                                                                           : '-';
        }
    }
    out[pos] = '\0';
}

static void write_list(const char *path, const char *name, const char *type, char **vals,
                       size_t n)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) {
        return;
    }
    fprintf(f, "{\"name\":\"%s\",\"type\":\"%s\",\"matching_attributes\":[\"domain\"],\"list\":[",
            name, type);
    for (size_t i = 0, k = 0; i < n; i++) {
        if (vals[i]) {
            fprintf(f, "%s\"%s\"", k++ ? "," : "", vals[i]);
        }
    }
    fputs("]}\n", f);
    fclose(f);
}

int main(void)
{
    char dir[] = "/tmp/wlnamesXXXXXX";
    CHECK(mkdtemp(dir) != NULL);

    size_t n_str = 0;
    for (size_t i = 0; i < N_NAMES; i++) {
        gen_name(names[i]);
        const char *s = names[i];
        size_t n = strlen(s);
        /* The entry: the name itself or the text after a random dot (not a trailing one). */
        size_t dots[MAX_NAME], nd = 0;
        for (size_t k = 0; k + 1 < n; k++) {
            if (s[k] == '.') {
                dots[nd++] = k;
            }
        }
        size_t pick = rnd((unsigned)nd + 1);
        const char *from = pick == nd ? s : s + dots[pick] + 1;
        entries[i] = malloc(strlen(from) + 1);
        lower(entries[i], from);
        /* Every second entry lists a different name's parent: some names match nothing. */
        if (i % 2 == 1 && entries[i][0]) {
            entries[i][0] = entries[i][0] == 'z' ? 'y' : 'z';
        }
        if (rnd(4) == 0) {
            strings[i] = malloc(n + 1);
            lower(strings[i], s);
            n_str++;
        }
    }
    char path[256];
    snprintf(path, sizeof path, "%s/hosts.json", dir);
    write_list(path, "hosts", "hostname", entries, N_NAMES);
    snprintf(path, sizeof path, "%s/strs.json", dir);
    write_list(path, "strs", "string", strings, N_NAMES);

    cf_wlset *wl = cf_wl_new();
    cf_error err;
    cf_error_clear(&err);
    CHECK(wl && cf_wl_load_dir(wl, dir, NULL, NULL, &err) == CF_OK);
    int hosts = cf_wl_find(wl, "hosts"), strs = cf_wl_find(wl, "strs");
    CHECK(hosts >= 0 && strs >= 0);

    char **sorted_hosts = malloc(N_NAMES * sizeof *sorted_hosts);
    char **sorted_strs = malloc(N_NAMES * sizeof *sorted_strs);
    size_t nh = 0, ns = 0;
    for (size_t i = 0; i < N_NAMES; i++) {
        sorted_hosts[nh++] = entries[i];
        if (strings[i]) {
            sorted_strs[ns++] = strings[i];
        }
    }
    qsort(sorted_hosts, nh, sizeof *sorted_hosts, cmp_str);
    qsort(sorted_strs, ns, sizeof *sorted_strs, cmp_str);

    size_t host_hits = 0, str_hits = 0, wrong = 0;
    for (size_t i = 0; i < N_NAMES; i++) {
        const char *s = names[i];
        size_t n = strlen(s);
        bool want_host = listed(sorted_hosts, nh, s);
        for (size_t k = 0; k + 1 < n && !want_host; k++) {
            want_host = s[k] == '.' && listed(sorted_hosts, nh, s + k + 1);
        }
        bool want_str = listed(sorted_strs, ns, s);

        cf_wl_matches m;
        cf_wl_match_value(wl, CF_IOC_DOMAIN, CF_IOC_NONE, s, &m);
        bool got_host = false, got_str = false;
        for (size_t k = 0; k < m.n; k++) {
            got_host |= m.lists[k] == hosts;
            got_str |= m.lists[k] == strs;
        }
        if (got_host != want_host || got_str != want_str) {
            if (wrong++ < 10) {
                fprintf(stderr, "'%s': hosts %d (want %d), strings %d (want %d)\n", s, got_host,
                        want_host, got_str, want_str);
            }
        }
        host_hits += got_host;
        str_hits += got_str;
    }
    CHECK_INT(wrong, 0);
    /* The generated set has both outcomes in number. */
    CHECK(host_hits > N_NAMES / 3 && host_hits < N_NAMES * 9 / 10);
    CHECK_INT(str_hits >= n_str, 1);

    /* Fixed cases: label boundaries, case, a parent at a word's last byte. */
    static const struct {
        const char *name;
        bool match;
    } fixed[] = {
        {"WWW.Google.COM", true},   {"google.com", true},    {"evil-google.com", false},
        {"google.com.evil.example", false}, {"xn--d1acufc.google.com", true},
        {"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h.google.com", true},
        {"1234567.google.com", true}, {"12345678google.com", false},
    };
    cf_wlset *g = cf_wl_new();
    snprintf(path, sizeof path, "%s/g.json", dir);
    char *gl[] = {"google.com"};
    write_list(path, "g", "hostname", gl, 1);
    CHECK(g && cf_wl_load_file(g, path, NULL, NULL, NULL, &err) == CF_OK);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        cf_wl_matches m;
        size_t got = cf_wl_match_value(g, CF_IOC_DOMAIN, CF_IOC_NONE, fixed[i].name, &m);
        if ((got == 1) != fixed[i].match) {
            fprintf(stderr, "'%s': %zu lists\n", fixed[i].name, got);
        }
        CHECK((got == 1) == fixed[i].match);
    }

    cf_wl_free(g);
    cf_wl_free(wl);
    for (size_t i = 0; i < N_NAMES; i++) {
        free(entries[i]);
        free(strings[i]);
    }
    free(sorted_hosts);
    free(sorted_strs);
    snprintf(path, sizeof path, "%s/hosts.json", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/strs.json", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/g.json", dir);
    unlink(path);
    rmdir(dir);
    TEST_MAIN_END();
}
