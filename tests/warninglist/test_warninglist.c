/*
 * Warning lists: loading MISP's own lists from the corpus, matching every
 * kind of entry, the policy that withholds IOCs from a block-list output,
 * and the labels that STIX output carries. Small inline lists cover the
 * rules the corpus lists do not reach (allow-lists, expressions, overlaps).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctiflow/iocset.h"
#include "ctiflow/warninglist.h"
#include "ctiflow/writer.h"
#include "testlib.h"

static int n_reports;

static void count_report(void *ctx, const char *msg)
{
    (void)ctx;
    n_reports++;
    if (getenv("WL_VERBOSE")) {
        fprintf(stderr, "report: %s\n", msg);
    }
}

/* The ids of the lists value matches, joined by ',' (static buffer). */
static const char *matches(const cf_wlset *wl, cf_ioc_type type, const char *value)
{
    static char out[1024];
    cf_wl_matches m;
    size_t pos = 0;

    out[0] = '\0';
    cf_wl_match_value(wl, type, CF_IOC_NONE, value, &m);
    for (size_t i = 0; i < m.n; i++) {
        int k = snprintf(out + pos, sizeof out - pos, "%s%s", i ? "," : "",
                         cf_wl_info_at(wl, m.lists[i])->id);
        pos += k > 0 ? (size_t)k : 0;
    }
    return out;
}

/* Sorted ids make the expected strings independent of load order. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *sorted_matches(const cf_wlset *wl, cf_ioc_type type, const char *value)
{
    static char out[1024];
    char tmp[1024];
    char *ids[64];
    size_t n = 0;

    snprintf(tmp, sizeof tmp, "%s", matches(wl, type, value));
    for (char *p = tmp; *p && n < 64;) {
        ids[n++] = p;
        char *c = strchr(p, ',');
        if (!c) {
            break;
        }
        *c = '\0';
        p = c + 1;
    }
    qsort(ids, n, sizeof *ids, cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strncat(out, i ? "," : "", sizeof out - strlen(out) - 1);
        strncat(out, ids[i], sizeof out - strlen(out) - 1);
    }
    return out;
}

static void test_corpus_load(const cf_wlset *wl)
{
    CHECK_INT(cf_wl_count(wl), 22);
    int dns = cf_wl_find(wl, "public-dns-v4");
    CHECK(dns >= 0);
    if (dns >= 0) {
        const cf_wl_info *in = cf_wl_info_at(wl, (size_t)dns);
        CHECK_INT(in->entries, 62745);
        CHECK_INT(in->skipped, 0);
        CHECK_INT(in->kind, CF_WL_CIDR);
        CHECK_STR(in->version, "20240615");
        CHECK_STR(in->title, "List of known IPv4 public DNS resolvers");
    }
    int ddns = cf_wl_find(wl, "dynamic-dns");
    CHECK(ddns >= 0 && cf_wl_info_at(wl, (size_t)ddns)->entries == 35467);
    int cce = cf_wl_find(wl, "common-contact-emails");
    CHECK(cce >= 0 && cf_wl_info_at(wl, (size_t)cce)->entries == 1);
    CHECK(cce >= 0 && cf_wl_info_at(wl, (size_t)cce)->kind == CF_WL_REGEX);
    CHECK_INT(cf_wl_find(wl, "no-such-list"), -1);
    CHECK_STR(cf_wl_label(wl, (size_t)dns), "warninglist:public-dns-v4");
}

static void test_corpus_match(const cf_wlset *wl)
{
    /* The values of the issue. */
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "8.8.8.8"), "public-dns-v4");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "10.1.2.3"), "rfc1918,rfc5735");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "2001:db8::5"), "rfc3849");
    CHECK_STR(sorted_matches(wl, CF_IOC_DOMAIN, "www.google.com"), "google,tranco10k");
    CHECK_STR(sorted_matches(wl, CF_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"),
              "common-ioc-false-positive,empty-hashes");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "evil-google.com"), "");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "google.com.evil.example"), "");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "10.example"), "");

    /* Networks: addresses inside, published networks overlapping. */
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "fe80::1"), "ipv6-linklocal");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "127.0.0.1"), "rfc5735");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "9.9.9.9"), "public-dns-v4");
    CHECK_STR(matches(wl, CF_IOC_IP, "45.33.32.156"), "");
    CHECK_STR(matches(wl, CF_IOC_IP, "8.8.8.7"), "");
    CHECK_STR(sorted_matches(wl, CF_IOC_CIDR, "8.8.8.0/24"), "public-dns-v4");
    CHECK_STR(sorted_matches(wl, CF_IOC_CIDR, "10.0.0.0/7"), "rfc1918,rfc5735");
    CHECK_STR(sorted_matches(wl, CF_IOC_CIDR, "2001:db8:1::/48"), "rfc3849");
    CHECK_STR(sorted_matches(wl, CF_IOC_ENDPOINT, "8.8.8.8:53"), "public-dns-v4");
    CHECK_STR(sorted_matches(wl, CF_IOC_ENDPOINT, "[2001:db8::5]:443"), "rfc3849");

    /* Names by label boundary, URLs by host, substrings, strings with a leading dot. */
    CHECK_STR(sorted_matches(wl, CF_IOC_DOMAIN, "bit.ly"), "tranco10k,url-shortener");
    CHECK_STR(sorted_matches(wl, CF_IOC_DOMAIN, "www.virustotal.com"),
              "automated-malware-analysis,security-provider-blogpost,tranco10k");
    CHECK_STR(sorted_matches(wl, CF_IOC_URL, "https://www.google.com/search?q=x"),
              "google,tranco10k");
    CHECK_STR(sorted_matches(wl, CF_IOC_URL, "http://user@bit.ly:8080/abc"),
              "tranco10k,url-shortener");
    CHECK_STR(matches(wl, CF_IOC_URL, "http://evil-google.com/www.google.com"), "");
    CHECK_STR(sorted_matches(wl, CF_IOC_DOMAIN, "x.google.ad"), "google,tranco10k");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "google.ad.evil.example"), "");

    /* Lists apply only to the types their matching_attributes name. */
    CHECK_STR(matches(wl, CF_IOC_URL, "http://10.1.2.3/x"), "");
    CHECK_STR(sorted_matches(wl, CF_IOC_EMAIL, "abuse@evil.example"), "common-contact-emails");
    CHECK_STR(sorted_matches(wl, CF_IOC_EMAIL, "Abuse@evil.example"), "common-contact-emails");
    CHECK_STR(matches(wl, CF_IOC_EMAIL, "billing@evil.example"), "");
    CHECK_STR(matches(wl, CF_IOC_FILENAME, "d41d8cd98f00b204e9800998ecf8427e"), "");
    CHECK_STR(sorted_matches(wl, CF_IOC_SSDEEP, "3::"), "empty-hashes");

    cf_wl_matches m;
    cf_wl_match_value(wl, CF_IOC_FILE, CF_IOC_MD5, "empty.txt|d41d8cd98f00b204e9800998ecf8427e",
                      &m);
    CHECK_INT(m.n, 2);
}

/* Feed the values through the collector as one text feed would. */
static cf_iocset *make_set(const char *const *values, size_t n)
{
    cf_iocset *set = cf_iocset_new();
    cf_collector coll;
    cf_collector_init(&coll, set, NULL, NULL);
    cf_sink sink = cf_collector_sink(&coll);
    for (size_t i = 0; i < n; i++) {
        cf_obs o;
        cf_obs_init(&o);
        o.text = values[i];
        o.len = strlen(values[i]);
        o.feed = "test-feed";
        o.line = i + 1;
        sink.obs(sink.ctx, &o);
    }
    cf_collector_fini(&coll);
    return set;
}

static char *write_to_string(cf_out_format f, const cf_iocset *set)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    cf_write_opts wo;
    cf_error err;
    cf_write_opts_init(&wo);
    cf_error_clear(&err);
    wo.now = 1767225600000LL;
    CHECK_INT(cf_write_any(mem, f, set, &wo, &err), CF_OK);
    fclose(mem);
    return buf;
}

static size_t count_occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p += strlen(needle)) {
        n++;
    }
    return n;
}

static const char *const issue_values[] = {
    "8.8.8.8", "10.1.2.3", "2001:db8::5", "www.google.com", "d41d8cd98f00b204e9800998ecf8427e",
    "evil-google.com", "google.com.evil.example", "10.example", "45.33.32.156",
};
#define N_ISSUE (sizeof issue_values / sizeof issue_values[0])

static void test_block_list_output(const cf_wlset *wl)
{
    cf_iocset *set = make_set(issue_values, N_ISSUE);
    CHECK_INT(cf_iocset_count(set), 9);

    const char *names[] = {"default", "google", "tranco10k", "empty-hashes"};
    cf_wl_policy *pol = NULL;
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_wl_policy_new(&pol, wl, names, 4, &err), CF_OK);

    cf_wl_apply_stats stats;
    CHECK_INT(cf_wl_apply(wl, pol, set, &stats), CF_OK);
    CHECK_INT(stats.matched, 5);
    CHECK_INT(stats.withheld, 5);
    CHECK_INT(cf_wl_policy_total(pol), 5);
    CHECK_INT(cf_wl_policy_withheld(pol, (size_t)cf_wl_find(wl, "public-dns-v4")), 1);
    CHECK_INT(cf_wl_policy_withheld(pol, (size_t)cf_wl_find(wl, "rfc1918")), 1);
    CHECK_INT(cf_wl_policy_withheld(pol, (size_t)cf_wl_find(wl, "rfc5735")), 1);
    CHECK_INT(cf_wl_policy_withheld(pol, (size_t)cf_wl_find(wl, "rfc3849")), 1);
    CHECK_INT(cf_wl_policy_withheld(pol, (size_t)cf_wl_find(wl, "tranco10k")), 1);
    CHECK_INT(cf_wl_policy_withheld(pol, (size_t)cf_wl_find(wl, "google")), 1);
    CHECK_INT(cf_wl_policy_withheld(pol, (size_t)cf_wl_find(wl, "empty-hashes")), 1);
    /* Matched but not excluded: no count. */
    CHECK_INT(cf_wl_policy_withheld(pol, (size_t)cf_wl_find(wl, "common-ioc-false-positive")), 0);

    CHECK_INT(cf_iocset_count(set), 4);
    CHECK(cf_iocset_find(set, CF_IOC_IP, "8.8.8.8") == NULL);
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "evil-google.com") != NULL);
    CHECK(cf_iocset_find(set, CF_IOC_IP, "45.33.32.156") != NULL);
    char *text = write_to_string(CF_OUT_TEXT, set);
    CHECK_STR(text, "evil-google.com\ngoogle.com.evil.example\n10.example\n45.33.32.156\n");
    free(text);
    cf_wl_policy_free(pol);
    cf_iocset_free(set);

    /*
     * The default set alone withholds the addresses and the empty-file hash
     * and keeps the rest: a top site is labelled, not withheld.
     */
    set = make_set(issue_values, N_ISSUE);
    CHECK_INT(cf_wl_policy_new(&pol, wl, cf_wl_default_exclude(true), 10, &err), CF_OK);
    CHECK_INT(cf_wl_apply(wl, pol, set, &stats), CF_OK);
    CHECK_INT(stats.withheld, 4);
    CHECK_INT(cf_iocset_count(set), 5);
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "www.google.com") != NULL);
    CHECK(cf_iocset_find(set, CF_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e") == NULL);
    cf_wl_policy_free(pol);
    cf_iocset_free(set);
}

static void test_stix_output(const cf_wlset *wl)
{
    cf_iocset *set = make_set(issue_values, N_ISSUE);
    cf_wl_apply_stats stats;

    /* STIX defaults to no exclusion: everything stays, matches become labels. */
    CHECK(cf_wl_default_exclude(false) == NULL);
    CHECK_INT(cf_wl_apply(wl, NULL, set, &stats), CF_OK);
    CHECK_INT(stats.matched, 5);
    CHECK_INT(stats.withheld, 0);
    CHECK_INT(cf_iocset_count(set), 9);

    cf_ioc *g = cf_iocset_find(set, CF_IOC_DOMAIN, "www.google.com");
    CHECK(g && cf_wl_ioc_listed(g, "tranco10k") && cf_wl_ioc_listed(g, "google"));
    const char *ids[8];
    CHECK(g && cf_wl_ioc_lists(g, ids, 8) == 2);
    cf_ioc *e = cf_iocset_find(set, CF_IOC_DOMAIN, "evil-google.com");
    CHECK(e && e->n_labels == 0);

    char *json = write_to_string(CF_OUT_STIX2, set);
    CHECK(json != NULL);
    CHECK_INT(count_occurrences(json, "\"type\":\"indicator\""), 9);
    CHECK_INT(count_occurrences(json, "\"warninglist:public-dns-v4\""), 1);
    CHECK_INT(count_occurrences(json, "\"warninglist:rfc1918\""), 1);
    CHECK_INT(count_occurrences(json, "\"warninglist:rfc5735\""), 1);
    CHECK_INT(count_occurrences(json, "\"warninglist:rfc3849\""), 1);
    CHECK_INT(count_occurrences(json, "\"warninglist:tranco10k\""), 1);
    CHECK_INT(count_occurrences(json, "\"warninglist:empty-hashes\""), 1);
    CHECK_INT(count_occurrences(json, "\"warninglist:"), 8);
    CHECK(strstr(json, "[domain-name:value = 'evil-google.com']") != NULL);
    free(json);
    cf_iocset_free(set);
}

/* One observation of value with label (may be NULL) into a sink. */
static void feed_obs(const cf_sink *sink, const char *value, const char *label, uint64_t line)
{
    cf_obs o;
    const char *labels[1] = {label};
    cf_obs_init(&o);
    o.text = value;
    o.len = strlen(value);
    o.feed = "test-feed";
    o.line = line;
    o.labels = labels;
    o.n_labels = label ? 1 : 0;
    sink->obs(sink->ctx, &o);
}

/* The labels of an IOC joined by ',' (static buffer). */
static const char *labels_of(const cf_ioc *ioc)
{
    static char out[1024];
    out[0] = '\0';
    for (uint16_t i = 0; ioc && i < ioc->n_labels; i++) {
        strncat(out, i ? "," : "", sizeof out - strlen(out) - 1);
        strncat(out, ioc->labels[i], sizeof out - strlen(out) - 1);
    }
    return out;
}

/* The observations of the screen tests: repeats, labels that come late, a reject. */
static const struct {
    const char *value, *label;
} screen_obs_in[] = {
    {"8.8.8.8", NULL},        {"www.google.com", "a"},  {"10.1.2.3", NULL},
    {"8.8.8.8", "x"},         {"evil-google.com", NULL}, {"not a value", NULL},
    {"www.google.com", "b"},  {"2001:db8::5", NULL},    {"d41d8cd98f00b204e9800998ecf8427e", NULL},
    {"www.google.com", "a"},  {"45.33.32.156", "c"},    {"10.1.2.3", NULL},
};
#define N_SCREEN (sizeof screen_obs_in / sizeof screen_obs_in[0])

/* The set the screen fills, or (screen false) the collector alone followed by cf_wl_apply. */
static cf_iocset *screened_set(const cf_wlset *wl, cf_wl_policy *pol, bool screen,
                               cf_wl_apply_stats *stats)
{
    cf_iocset *set = cf_iocset_new();
    cf_collector coll;
    cf_wl_screen *scr = NULL;
    cf_collector_init(&coll, set, NULL, NULL);
    cf_sink sink = cf_collector_sink(&coll);
    if (screen) {
        CHECK_INT(cf_wl_screen_new(&scr, wl, pol, &coll), CF_OK);
        sink = cf_wl_screen_sink(scr);
    }
    for (size_t i = 0; i < N_SCREEN; i++) {
        feed_obs(&sink, screen_obs_in[i].value, screen_obs_in[i].label, i + 1);
    }
    if (screen) {
        CHECK_INT(cf_wl_screen_finish(scr, stats), CF_OK);
        cf_wl_screen_free(scr);
    } else {
        CHECK_INT(cf_wl_apply(wl, pol, set, stats), CF_OK);
    }
    cf_collector_fini(&coll);
    return set;
}

/*
 * Screening while collecting gives the set, labels (after every source
 * label, also when a later observation brings one), counts and output of
 * collecting first and applying the lists after.
 */
static void test_screen(const cf_wlset *wl)
{
    const char *names[] = {"default", "tranco10k", "empty-hashes"};
    cf_wl_policy *pa = NULL, *pb = NULL;
    cf_wl_apply_stats sa, sb;
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_wl_policy_new(&pa, wl, names, 3, &err), CF_OK);
    CHECK_INT(cf_wl_policy_new(&pb, wl, names, 3, &err), CF_OK);

    cf_iocset *a = screened_set(wl, pa, false, &sa);
    cf_iocset *b = screened_set(wl, pb, true, &sb);
    CHECK_INT(sb.matched, 5);
    CHECK_INT(sb.withheld, 5);
    CHECK_INT(sa.matched, sb.matched);
    CHECK_INT(sa.withheld, sb.withheld);
    CHECK_INT(cf_wl_policy_total(pb), 5);
    for (size_t i = 0; i < cf_wl_count(wl); i++) {
        CHECK_INT(cf_wl_policy_withheld(pb, i), cf_wl_policy_withheld(pa, i));
    }
    CHECK_INT(cf_wl_policy_withheld(pb, (size_t)cf_wl_find(wl, "public-dns-v4")), 1);
    CHECK_INT(cf_wl_policy_withheld(pb, (size_t)cf_wl_find(wl, "rfc1918")), 1);
    CHECK_INT(cf_wl_policy_withheld(pb, (size_t)cf_wl_find(wl, "tranco10k")), 1);
    CHECK_INT(cf_iocset_count(b), 2);
    CHECK_INT(cf_iocset_stats_of(b)->observations, N_SCREEN);
    CHECK_INT(cf_iocset_stats_of(b)->rejected, 1);
    CHECK_INT(cf_iocset_stats_of(b)->rejected, cf_iocset_stats_of(a)->rejected);
    char *ta = write_to_string(CF_OUT_JSONL, a);
    char *tb = write_to_string(CF_OUT_JSONL, b);
    CHECK(ta && tb && strcmp(ta, tb) == 0);
    free(ta);
    free(tb);
    cf_iocset_free(a);
    cf_iocset_free(b);
    cf_wl_policy_free(pa);
    cf_wl_policy_free(pb);

    /* Labels only: every IOC stays, the list labels come after the source labels. */
    a = screened_set(wl, NULL, false, &sa);
    b = screened_set(wl, NULL, true, &sb);
    CHECK_INT(sb.matched, 5);
    CHECK_INT(sb.withheld, 0);
    CHECK_INT(cf_iocset_count(b), 7);
    CHECK_STR(labels_of(cf_iocset_find(b, CF_IOC_DOMAIN, "www.google.com")),
              "a,b,warninglist:google,warninglist:tranco10k");
    CHECK_STR(labels_of(cf_iocset_find(b, CF_IOC_IP, "8.8.8.8")), "x,warninglist:public-dns-v4");
    CHECK_STR(labels_of(cf_iocset_find(b, CF_IOC_IP, "45.33.32.156")), "c");
    for (size_t i = 0; i < cf_iocset_count(a); i++) {
        const cf_ioc *x = cf_iocset_at(a, i);
        const cf_ioc *y = cf_iocset_find(b, x->type, x->value);
        char want[1024];
        snprintf(want, sizeof want, "%s", labels_of(x));
        CHECK(y != NULL);
        CHECK_STR(labels_of(y), want);
    }
    cf_iocset_free(a);
    cf_iocset_free(b);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Allow-lists, expressions and bad entries with small lists written here. */
static void test_inline_lists(void)
{
    char dir[] = "/tmp/wltestXXXXXX";
    char path[512];
    cf_error err;
    CHECK(mkdtemp(dir) != NULL);

    snprintf(path, sizeof path, "%s/mine.txt", dir);
    write_file(path, "# local allow-list\n192.0.2.0/24\n  intranet.example.com  # ours\n"
                     "2001:db8:77::1\ncafebabecafebabecafebabecafebabe\nhttp://exact.example/x\n");
    snprintf(path, sizeof path, "%s/rx.json", dir);
    write_file(path, "{\"name\":\"rx\",\"type\":\"regex\",\"matching_attributes\":[\"domain\"],"
                     "\"list\":[\"/^ns[0-9]+\\\\.corp\\\\.example$/i\",\"/(?=x)/\","
                     "\"/^a\\\\d{2,}?\\\\.test$/\",\"/[a-\\\\]/\",\"/^b[.]c\\\\.test$/\"]}");
    snprintf(path, sizeof path, "%s/nets.json", dir);
    write_file(path, "{\"name\":\"n\",\"type\":\"cidr\",\"list\":[\"10.0.0.0/8\",\"10.1.0.0/16\","
                     "\"not-a-net\",\"0.0.0.0/0\",\"::/0\",7]}");
    snprintf(path, sizeof path, "%s/str.json", dir);
    write_file(path, "{\"name\":\"str\",\"type\":\"string\",\"list\":[\".below.test\","
                     "\"Exact.Test\",\"\"]}");
    snprintf(path, sizeof path, "%s/sub.json", dir);
    write_file(path, "{\"name\":\"s\",\"type\":\"substring\",\"matching_attributes\":[\"url\"],"
                     "\"list\":[\"he\",\"she\",\"hers\",\"PASTE\"]}");

    cf_wlset *wl = cf_wl_new();
    cf_error_clear(&err);
    n_reports = 0;
    CHECK_INT(cf_wl_load_dir(wl, dir, count_report, NULL, &err), CF_OK);
    CHECK_INT(cf_wl_count(wl), 5);

    /* A string entry with a leading dot covers the names under it only. */
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "a.below.test"), "str");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "below.test"), "");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "exact.test"), "str");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "x.exact.test"), "");

    const cf_wl_info *mine = cf_wl_info_at(wl, (size_t)cf_wl_find(wl, "mine"));
    CHECK(mine && mine->allowlist && mine->entries == 5);
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "192.0.2.77"), "mine,nets");
    CHECK_STR(sorted_matches(wl, CF_IOC_CIDR, "192.0.2.128/25"), "mine,nets");
    CHECK_STR(sorted_matches(wl, CF_IOC_DOMAIN, "a.intranet.example.com"), "mine");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "example.com"), "");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "2001:db8:77::1"), "mine,nets");
    CHECK_STR(sorted_matches(wl, CF_IOC_MD5, "cafebabecafebabecafebabecafebabe"), "mine");
    CHECK_STR(sorted_matches(wl, CF_IOC_URL, "http://exact.example/x"), "mine");
    CHECK_STR(matches(wl, CF_IOC_URL, "http://exact.example/y"), "");

    /* Expressions: two unsupported or broken ones skipped and reported. */
    const cf_wl_info *rx = cf_wl_info_at(wl, (size_t)cf_wl_find(wl, "rx"));
    CHECK(rx && rx->entries == 3 && rx->skipped == 2);
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "NS12.corp.example"), "rx");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "ns.corp.example"), "");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "a123.test"), "rx");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "a1.test"), "");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "b.c.test"), "rx");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "bxc.test"), "");
    CHECK_STR(matches(wl, CF_IOC_URL, "http://ns1.corp.example/"), "");

    /* Networks nested and covering everything; bad entries counted. */
    const cf_wl_info *n = cf_wl_info_at(wl, (size_t)cf_wl_find(wl, "nets"));
    CHECK(n && n->entries == 4 && n->skipped == 2);
    CHECK_STR(matches(wl, CF_IOC_IP, "203.0.113.1"), "nets");
    CHECK_STR(matches(wl, CF_IOC_IP, "255.255.255.255"), "nets");
    CHECK_STR(matches(wl, CF_IOC_IP, "ffff::1"), "nets");

    /* Substrings overlap (Aho-Corasick outputs through fail links), case folded. */
    CHECK_STR(matches(wl, CF_IOC_URL, "http://ushers.example/"), "sub");
    CHECK_STR(matches(wl, CF_IOC_URL, "http://x.example/Paste"), "sub");
    CHECK_STR(matches(wl, CF_IOC_URL, "http://x.example/abc"), "");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "ushers.example"), "");
    CHECK_INT(n_reports, 5);

    /* A duplicate id is reported and ignored. */
    cf_error_clear(&err);
    snprintf(path, sizeof path, "%s/mine.txt", dir);
    CHECK_INT(cf_wl_load_allowlist(wl, path, NULL, count_report, NULL, &err), CF_EINVAL);
    CHECK_INT(cf_wl_count(wl), 5);

    /* Policies: unknown names fail, "default" tolerates absent lists, labels decide. */
    cf_wl_policy *pol = NULL;
    const char *bad[] = {"nope"};
    cf_error_clear(&err);
    CHECK_INT(cf_wl_policy_new(&pol, wl, bad, 1, &err), CF_ENOTFOUND);
    CHECK(strstr(err.msg, "'nope'") != NULL);
    const char *def[] = {"default"};
    CHECK_INT(cf_wl_policy_new(&pol, wl, def, 1, &err), CF_OK);
    CHECK(cf_wl_policy_empty(pol));
    cf_wl_policy_free(pol);
    const char *just_n[] = {"nets"};
    CHECK_INT(cf_wl_policy_new(&pol, wl, just_n, 1, &err), CF_OK);
    CHECK(cf_wl_policy_withholds_labels(pol, NULL, 0, "a\nwarninglist:nets\nz"));
    CHECK(!cf_wl_policy_withholds_labels(pol, NULL, 0, "warninglist:mine\nwarninglist:netsx"));
    const char *arr[] = {"x", "warninglist:nets"};
    CHECK(cf_wl_policy_withholds_labels(pol, arr, 2, NULL));
    CHECK_INT(cf_wl_policy_total(pol), 2);
    cf_wl_policy_reset(pol);
    CHECK_INT(cf_wl_policy_total(pol), 0);
    cf_wl_policy_free(pol);
    cf_wl_free(wl);

    const char *files[] = {"mine.txt", "rx.json", "nets.json", "str.json", "sub.json"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    remove(dir);
}

/*
 * Substrings long enough for the skip filter: overlapping patterns, a
 * candidate that fails part-way with an occurrence starting inside it, and
 * random texts over a small alphabet checked against a plain search.
 */
static void test_substring_skips(void)
{
    char dir[] = "/tmp/wlsubXXXXXX";
    char path[512];
    cf_error err;
    const char *pats[] = {"aaaab", "ab.cab", "b.c.a", "cabcab", "aab.c.aa", "ccccc"};
    const size_t n_pats = sizeof pats / sizeof pats[0];
    CHECK(mkdtemp(dir) != NULL);

    /* One list per pattern (p0..p5), so a match names its pattern. */
    for (size_t i = 0; i < n_pats; i++) {
        snprintf(path, sizeof path, "%s/p%zu.json", dir, i);
        char body[256];
        snprintf(body, sizeof body, "{\"name\":\"p%zu\",\"type\":\"substring\","
                 "\"matching_attributes\":[\"url\"],\"list\":[\"%s\"]}", i, pats[i]);
        write_file(path, body);
    }
    cf_wlset *wl = cf_wl_new();
    cf_error_clear(&err);
    CHECK_INT(cf_wl_load_dir(wl, dir, NULL, NULL, &err), CF_OK);
    CHECK_INT(cf_wl_count(wl), 6);

    CHECK_STR(matches(wl, CF_IOC_URL, "xaaaaabx"), "p0");
    CHECK_STR(matches(wl, CF_IOC_URL, "AAAAB"), "p0");
    CHECK_STR(sorted_matches(wl, CF_IOC_URL, "aab.c.aab.cab"), "p1,p2,p4");
    CHECK_STR(sorted_matches(wl, CF_IOC_URL, "cabcabcab"), "p3");
    CHECK_STR(matches(wl, CF_IOC_URL, "aaab.c.a"), "p2");
    CHECK_STR(matches(wl, CF_IOC_URL, "aaa.b.ccccab.ca"), "");
    CHECK_STR(matches(wl, CF_IOC_URL, "cccc"), "");

    /* Random texts: the lists matched are exactly the patterns strstr finds. */
    uint32_t seed = 12345;
    const char alpha[] = "ab.cA";
    int wrong = 0;
    for (int t = 0; t < 20000; t++) {
        char text[48];
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % sizeof text;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alpha[(seed >> 16) % 5];
        }
        text[len] = '\0';
        char lower[48], want[128] = "";
        for (size_t i = 0; i <= len; i++) {
            lower[i] = text[i] == 'A' ? 'a' : text[i];
        }
        for (size_t i = 0; i < n_pats; i++) {
            if (strstr(lower, pats[i])) {
                char id[8];
                snprintf(id, sizeof id, "%sp%zu", want[0] ? "," : "", i);
                strncat(want, id, sizeof want - strlen(want) - 1);
            }
        }
        if (strcmp(sorted_matches(wl, CF_IOC_URL, text), want) != 0) {
            if (wrong++ < 3) {
                fprintf(stderr, "substring: '%s' gave '%s', want '%s'\n", text,
                        sorted_matches(wl, CF_IOC_URL, text), want);
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

/*
 * Addresses in every form the loader reads (IPv6 in upper case, with
 * leading zeros, mapped IPv4, a zone id), and IPv4 networks that cover
 * /16s whole and in part, which the lookup filters by /16 and /24.
 */
static void test_address_forms(void)
{
    char dir[] = "/tmp/wladdrXXXXXX";
    char path[512];
    cf_error err;
    CHECK(mkdtemp(dir) != NULL);

    snprintf(path, sizeof path, "%s/nets.txt", dir);
    write_file(path, "2001:0DB8:00AA::1\n2001:db8:bb:0:0:0:0:0/64\n2001:db8:cc::/48\n"
                     "::ffff:192.0.2.1\nfe80::7%eth0\n2001:db8::1::2\n12345::1\n"
                     "2001:db8::/129\n203.0.113.7\n203.0.0.0/20\n100.64.0.0/10\n");
    cf_wlset *wl = cf_wl_new();
    cf_error_clear(&err);
    CHECK_INT(cf_wl_load_allowlist(wl, path, NULL, NULL, NULL, &err), CF_OK);
    /* The three malformed addresses are names to the allow-list: exact strings. */
    CHECK_INT(cf_wl_info_at(wl, 0)->entries, 11);
    CHECK_STR(matches(wl, CF_IOC_IP, "2001:db8:aa::1"), "nets");
    CHECK_STR(matches(wl, CF_IOC_IP, "2001:db8:aa::2"), "");
    CHECK_STR(matches(wl, CF_IOC_IP, "2001:db8:bb::5"), "nets");
    CHECK_STR(matches(wl, CF_IOC_IP, "2001:db8:bb:1::5"), "");
    CHECK_STR(matches(wl, CF_IOC_IP, "2001:db8:cc:ffff::1"), "nets");
    CHECK_STR(matches(wl, CF_IOC_CIDR, "2001:db8:c0::/42"), "nets");
    CHECK_STR(matches(wl, CF_IOC_CIDR, "2001:db8:d0::/44"), "");
    CHECK_STR(matches(wl, CF_IOC_IP, "::ffff:192.0.2.1"), "nets");
    CHECK_STR(matches(wl, CF_IOC_IP, "fe80::7"), "nets");
    CHECK_STR(matches(wl, CF_IOC_IP, "2001:db8::1"), "");
    CHECK_STR(matches(wl, CF_IOC_IP, "203.0.113.7"), "nets");
    CHECK_STR(matches(wl, CF_IOC_IP, "203.0.113.8"), "");
    CHECK_STR(matches(wl, CF_IOC_IP, "203.0.15.255"), "nets");
    CHECK_STR(matches(wl, CF_IOC_IP, "203.0.16.0"), "");
    CHECK_STR(matches(wl, CF_IOC_IP, "100.100.1.1"), "nets");
    CHECK_STR(matches(wl, CF_IOC_IP, "100.128.0.0"), "");
    CHECK_STR(matches(wl, CF_IOC_CIDR, "203.0.113.0/24"), "nets");
    CHECK_STR(matches(wl, CF_IOC_CIDR, "203.0.112.0/24"), "");
    CHECK_STR(matches(wl, CF_IOC_CIDR, "203.0.112.0/23"), "nets");
    CHECK_STR(matches(wl, CF_IOC_CIDR, "203.0.0.0/8"), "nets");
    cf_wl_free(wl);
    remove(path);
    remove(dir);
}

/*
 * The name table is built once per load: an entry repeated in a list is
 * one entry, lists loaded one after another are all searchable, and a
 * name in two lists names both.
 */
static void test_name_table_loads(void)
{
    char dir[] = "/tmp/wlnamXXXXXX";
    char path[512];
    cf_error err;
    CHECK(mkdtemp(dir) != NULL);

    snprintf(path, sizeof path, "%s/one.json", dir);
    write_file(path, "{\"name\":\"one\",\"type\":\"hostname\",\"list\":[\"dup.example\","
                     "\"DUP.example\",\"dup.example\",\"only-one.example\"]}");
    snprintf(path, sizeof path, "%s/two.txt", dir);
    write_file(path, "dup.example\nonly-two.example\n");

    cf_wlset *wl = cf_wl_new();
    cf_error_clear(&err);
    snprintf(path, sizeof path, "%s/one.json", dir);
    CHECK_INT(cf_wl_load_file(wl, path, NULL, NULL, NULL, &err), CF_OK);
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "a.dup.example"), "one");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "only-two.example"), "");

    snprintf(path, sizeof path, "%s/two.txt", dir);
    CHECK_INT(cf_wl_load_allowlist(wl, path, NULL, NULL, NULL, &err), CF_OK);
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "a.dup.example"), "one,two");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "x.only-one.example"), "one");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "Only-Two.Example"), "two");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "only-three.example"), "");
    cf_wl_free(wl);

    snprintf(path, sizeof path, "%s/one.json", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/two.txt", dir);
    remove(path);
    remove(dir);
}

/*
 * Names hash from their end, every parent in the same pass: parents of
 * every length, in any case, and names of more labels than one pass keeps,
 * must all find their entries.
 */
static void test_name_hashing(void)
{
    char dir[] = "/tmp/wlhashXXXXXX";
    char path[512], name[600], entry[64];
    cf_error err;
    CHECK(mkdtemp(dir) != NULL);

    snprintf(path, sizeof path, "%s/names.txt", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (int len = 1; f && len <= 20; len++) {
        /* "b" repeated, a dot before the last three bytes when long enough */
        memset(entry, 'b', (size_t)len);
        entry[len] = '\0';
        entry[0] = (char)('a' + len % 26);
        if (len > 4) {
            entry[len - 4] = '.';
        }
        fprintf(f, "%s.example\n", entry);
    }
    fputs("l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.l13.l14.l15.l16.l17.l18.l19.l20.l21.l22."
          "l23.l24.l25.l26.l27.l28.l29.l30.l31.l32.l33.l34.l35.l36.l37.l38.l39.deep.example\n",
          f);
    if (f) {
        fclose(f);
    }
    cf_wlset *wl = cf_wl_new();
    cf_error_clear(&err);
    CHECK_INT(cf_wl_load_allowlist(wl, path, NULL, NULL, NULL, &err), CF_OK);
    int wrong = 0;
    for (int len = 1; len <= 20; len++) {
        memset(entry, 'b', (size_t)len);
        entry[len] = '\0';
        entry[0] = (char)('a' + len % 26);
        if (len > 4) {
            entry[len - 4] = '.';
        }
        for (int pre = 0; pre <= 17; pre++) {
            char prefix[32];
            memset(prefix, 'X', (size_t)pre);
            prefix[pre] = '\0';
            snprintf(name, sizeof name, "%s%s%s.EXAMPLE", prefix, pre ? "." : "", entry);
            wrong += strcmp(matches(wl, CF_IOC_DOMAIN, name), "names") != 0;
            /* One byte more in front of the entry is another name. */
            snprintf(name, sizeof name, "%s%sz%s.example", prefix, pre ? "." : "", entry);
            wrong += strcmp(matches(wl, CF_IOC_DOMAIN, name), "") != 0;
        }
    }
    CHECK_INT(wrong, 0);
    /* 41 parents: the listed one is the last found, past one pass. */
    snprintf(name, sizeof name, "l0.l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.l13.l14.l15.l16.l17."
                                "l18.l19.l20.l21.l22.l23.l24.l25.l26.l27.l28.l29.l30.l31.l32.l33."
                                "l34.l35.l36.l37.l38.l39.deep.example");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, name), "names");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, name + 3), "names");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, name + 6), "");
    cf_wl_free(wl);
    remove(path);
    remove(dir);
}

/*
 * Loading paths: IPv4 networks of two lists overlapping, nested and
 * touching (the sweep over packed keys), entries with white space around
 * them, and a list the quick reader leaves to the JSON library (a \u escape
 * outside ASCII) whose blank entry is still skipped and counted, and a list
 * whose items are separated by runs of spaces, tabs and line feeds.
 */
static void test_entry_paths(void)
{
    char dir[] = "/tmp/wltestXXXXXX";
    char path[512];
    cf_error err;
    CHECK(mkdtemp(dir) != NULL);

    snprintf(path, sizeof path, "%s/a.json", dir);
    write_file(path, "{\"name\":\"a\",\"type\":\"cidr\",\"list\":[\"8.8.8.8\",\" 10.0.0.0/8 \","
                     "\"10.1.2.0/24\",\"\\t192.0.2.1\\n\",\"2001:db8::/32\",\"10.1.2.300\"]}");
    snprintf(path, sizeof path, "%s/b.json", dir);
    write_file(path, "{\"name\":\"b\",\"type\":\"cidr\",\"list\":[\"10.1.0.0/16\",\"8.8.8.8/32\","
                     "\"8.8.8.9\",\"255.255.255.255\",\"8.8.8.10/31\"]}");
    snprintf(path, sizeof path, "%s/h.json", dir);
    write_file(path, "{\"name\":\"h\",\"type\":\"hostname\",\"list\":[\" www.google.com \","
                     "\"g\\u00f6\\u00f6d.example\",\"Google.COM\",\" \\r\\n\"]}");
    snprintf(path, sizeof path, "%s/e.json", dir);
    write_file(path, "{\"name\":\"e\",\"type\":\"string\",\"matching_attributes\":[\"md5\"],"
                     "\"list\":[\" d41d8cd98f00b204e9800998ecf8427e\"]}");
    snprintf(path, sizeof path, "%s/p.json", dir);
    write_file(path,
               "{\"name\":\"p\",\"type\":\"cidr\",\"list\":[\n  \"198.51.100.1\",\n"
               "            \"198.51.100.2\",\n\t \"198.51.100.3\",\n        \t\"198.51.100.4\""
               ",\n        \n    \"198.51.100.5\"  ,\n\"198.51.100.6\"\n]}");

    cf_wlset *wl = cf_wl_new();
    cf_error_clear(&err);
    n_reports = 0;
    CHECK_INT(cf_wl_load_dir(wl, dir, count_report, NULL, &err), CF_OK);
    CHECK_INT(cf_wl_count(wl), 5);
    CHECK_INT(n_reports, 2);

    const cf_wl_info *a = cf_wl_info_at(wl, (size_t)cf_wl_find(wl, "a"));
    CHECK(a && a->entries == 5 && a->skipped == 1);
    const cf_wl_info *h = cf_wl_info_at(wl, (size_t)cf_wl_find(wl, "h"));
    CHECK(h && h->entries == 3 && h->skipped == 1);
    const cf_wl_info *pp = cf_wl_info_at(wl, (size_t)cf_wl_find(wl, "p"));
    CHECK(pp && pp->entries == 6 && pp->skipped == 0);
    CHECK_STR(sorted_matches(wl, CF_IOC_CIDR, "198.51.100.0/29"), "p");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "198.51.100.6"), "p");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "198.51.100.7"), "");

    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "8.8.8.8"), "a,b");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "8.8.8.9"), "b");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "8.8.8.11"), "b");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "8.8.8.12"), "");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "8.8.8.7"), "");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "10.1.2.3"), "a,b");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "10.1.3.3"), "a,b");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "10.2.0.1"), "a");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "9.255.255.255"), "");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "11.0.0.0"), "");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "255.255.255.255"), "b");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "192.0.2.1"), "a");
    CHECK_STR(sorted_matches(wl, CF_IOC_CIDR, "10.1.2.0/25"), "a,b");
    CHECK_STR(sorted_matches(wl, CF_IOC_CIDR, "8.8.8.8/30"), "a,b");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "2001:db8::5"), "a");
    CHECK_STR(sorted_matches(wl, CF_IOC_IP, "2001:db9::5"), "");

    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "www.google.com"), "h");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "evil-google.com"), "");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "google.com.evil.example"), "");
    CHECK_STR(matches(wl, CF_IOC_DOMAIN, "10.example"), "");
    CHECK_STR(matches(wl, CF_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e"), "e");
    CHECK_STR(matches(wl, CF_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427f"), "");
    cf_wl_free(wl);

    const char *files[] = {"a.json", "b.json", "h.json", "e.json", "p.json"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    remove(dir);
}

/* The reports of a load, one per line (static buffer). */
static char reports[4096];

static void keep_report(void *ctx, const char *msg)
{
    (void)ctx;
    size_t n = strlen(reports);
    snprintf(reports + n, sizeof reports - n, "%s\n", msg);
}

/*
 * Entries skipped for their bytes say which and why: a plain allow-list's
 * line by number (a NUL or a control byte, as in a binary file, or over the
 * length limit), a MISP list's over-long entry by its first 60 bytes and its
 * length. The good entries around them load.
 */
static void test_skip_reports(void)
{
    char dir[] = "/tmp/wlskipXXXXXX";
    char path[512], text[6000];
    cf_error err;
    CHECK(mkdtemp(dir) != NULL);

    snprintf(path, sizeof path, "%s/allow.txt", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs("ok.example\r\n", f);
        fwrite("bad\0.example\n", 1, 13, f);
        fputs("\x01\x02\xff\n192.0.2.0/24\n", f);
        memset(text, 'a', 5000);
        text[5000] = '\0';
        fprintf(f, "%s\n", text);
        fclose(f);
    }
    cf_wlset *wl = cf_wl_new();
    reports[0] = '\0';
    cf_error_clear(&err);
    CHECK_INT(cf_wl_load_allowlist(wl, path, NULL, keep_report, NULL, &err), CF_OK);
    const cf_wl_info *in = cf_wl_info_at(wl, 0);
    CHECK(in && in->entries == 2 && in->skipped == 3);
    char want[2200];
    snprintf(want, sizeof want,
             "%s: list 'allow': line 2 skipped: holds a NUL or control byte (not a text file?)\n"
             "%s: list 'allow': line 3 skipped: holds a NUL or control byte (not a text file?)\n"
             "%s: list 'allow': line 5 skipped: over the length limit\n",
             path, path, path);
    CHECK_STR(reports, want);
    cf_wl_free(wl);

    snprintf(path, sizeof path, "%s/long.json", dir);
    f = fopen(path, "w");
    if (f) {
        fprintf(f, "{\"name\":\"long\",\"type\":\"string\",\"list\":[\"%s\",\"ok\"]}", text);
        fclose(f);
    }
    wl = cf_wl_new();
    reports[0] = '\0';
    cf_error_clear(&err);
    CHECK_INT(cf_wl_load_file(wl, path, NULL, keep_report, NULL, &err), CF_OK);
    snprintf(want, sizeof want,
             "%s: list 'long': entry '%.60s...' skipped: 5000 bytes, over the limit of 4096\n",
             path, text);
    CHECK_STR(reports, want);
    cf_wl_free(wl);
}

int main(void)
{
    char buf[4096];
    cf_error err;

    test_inline_lists();
    test_substring_skips();
    test_name_table_loads();
    test_address_forms();
    test_name_hashing();
    test_entry_paths();
    test_skip_reports();

    const char *dir = test_corpus(buf, sizeof buf, "warninglists");
    if (!dir) {
        printf("%d passed, %d failed\n", tl_passed, tl_failed);
        test_skip("corpus warning lists not found (set CORPUS)");
    }
    cf_wlset *wl = cf_wl_new();
    cf_error_clear(&err);
    n_reports = 0;
    CHECK_INT(cf_wl_load_dir(wl, dir, count_report, NULL, &err), CF_OK);
    CHECK_INT(n_reports, 0);
    test_corpus_load(wl);
    test_corpus_match(wl);
    test_block_list_output(wl);
    test_stix_output(wl);
    test_screen(wl);
    cf_wl_free(wl);
    TEST_MAIN_END();
}
