/*
 * Matching what the normaliser gave (cf_wl_match_norm) against matching the
 * canonical text (cf_wl_match_value): the address the normaliser parsed and
 * the names it wrote must find exactly the lists the text finds. Small
 * inline lists cover IPv4 and IPv6 networks that overlap, endpoints, URL
 * hosts, e-mail domains and host names at label boundaries; the corpus
 * lists, when present, are matched both ways on generated values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctiflow/normalize.h"
#include "ctiflow/warninglist.h"
#include "testlib.h"

/* The ids of the lists in m, joined by ',' into out. */
static const char *ids(const cf_wlset *wl, const cf_wl_matches *m, char *out, size_t cap)
{
    size_t pos = 0;

    out[0] = '\0';
    for (size_t i = 0; i < m->n; i++) {
        int k = snprintf(out + pos, cap - pos, "%s%s", i ? "," : "",
                         cf_wl_info_at(wl, m->lists[i])->id);
        pos += k > 0 ? (size_t)k : 0;
        if (pos >= cap) {
            break;
        }
    }
    return out;
}

/*
 * Normalise text with hint and match it both ways; the lists of the text
 * path go to out (as ids). Counts a difference between the two as a failure.
 */
static const char *both_ways(const cf_wlset *wl, cf_ioc_type hint, const char *text, char *out,
                             size_t cap)
{
    cf_norm norm = CF_NORM_INIT;
    cf_wl_matches by_norm, by_text;
    char a[1024];

    out[0] = '\0';
    if (cf_normalize(&norm, hint, text, strlen(text)) != CF_OK) {
        fprintf(stderr, "not normalised: '%s'\n", text);
        CHECK(false);
        cf_norm_free(&norm);
        return out;
    }
    cf_wl_match_norm(wl, &norm, &by_norm);
    cf_wl_match_value(wl, norm.type, norm.hash_type, cf_buf_str(&norm.value), &by_text);
    ids(wl, &by_text, out, cap);
    bool same = strcmp(ids(wl, &by_norm, a, sizeof a), out) == 0;
    if (!same) {
        fprintf(stderr, "'%s': by norm '%s', by text '%s'\n", text, a, out);
    }
    CHECK(same);
    cf_norm_free(&norm);
    return out;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static const char *const inline_files[][2] = {
    {"nets.json",
     "{\"name\":\"nets\",\"type\":\"cidr\",\"matching_attributes\":[\"ip-src\","
     "\"ip-dst|port\"],\"list\":[\"10.0.0.0/8\",\"10.1.0.0/16\",\"192.0.2.7\","
     "\"2001:db8::/32\",\"2001:db8:5::/48\",\"fe80::1\",\"::ffff:198.51.100.0/120\"]}"},
    {"urlnets.json", "{\"name\":\"urlnets\",\"type\":\"cidr\",\"matching_attributes\":[\"url\"],"
                     "\"list\":[\"203.0.113.0/24\",\"2001:db8:77::/48\"]}"},
    {"hosts.json", "{\"name\":\"hosts\",\"type\":\"hostname\",\"matching_attributes\":[\"domain\","
                   "\"url\",\"email-src\"],\"list\":[\"google.com\",\"Example.ORG\",\"10\"]}"},
    {"strs.json", "{\"name\":\"strs\",\"type\":\"string\",\"list\":[\"example.com\","
                  "\".below.test\",\"http://exact.example/x\",\"198.51.100.9\"]}"},
    {"allow.txt", "# ours\n192.0.2.0/25\n2001:db8:aa::1\nintranet.example.net\n"
                  "d41d8cd98f00b204e9800998ecf8427e\n"},
};

static const struct {
    cf_ioc_type hint;
    const char *text, *want;
} cases[] = {
    {CF_IOC_NONE, "10.1.2.3", "nets"},
    {CF_IOC_NONE, "10.2.0.1", "nets"},
    {CF_IOC_NONE, "11.0.0.1", ""},
    {CF_IOC_NONE, "192.0.2.7", "allow,nets"},
    {CF_IOC_NONE, "192.0.2.200", ""},
    {CF_IOC_NONE, "198.51.100.9", "strs"},
    {CF_IOC_NONE, "10.0.0.0/7", "nets"},
    {CF_IOC_NONE, "10.1.128.0/17", "nets"},
    {CF_IOC_NONE, "12.0.0.0/7", ""},
    {CF_IOC_NONE, "192.0.2.0/24", "allow,nets"},
    {CF_IOC_CIDR, "192.0.2.130/25", ""},
    {CF_IOC_NONE, "2001:db8:5::1", "nets"},
    {CF_IOC_NONE, "2001:DB8:0005:0::0001", "nets"},
    {CF_IOC_NONE, "2001:db8:aa::1", "allow,nets"},
    {CF_IOC_NONE, "2001:db9::1", ""},
    {CF_IOC_NONE, "2001:db8:4000::/34", "nets"},
    {CF_IOC_NONE, "2001:d00::/24", "allow,nets"},
    {CF_IOC_NONE, "2001:db8:aa::/64", "allow,nets"},
    {CF_IOC_NONE, "fe80::1%eth0", "nets"},
    {CF_IOC_NONE, "::ffff:198.51.100.4", "nets"},
    {CF_IOC_NONE, "::ffff:198.51.101.4", ""},
    {CF_IOC_IP, "10.9.9.9/32", "nets"},
    {CF_IOC_NONE, "10.1.2.3:443", "nets"},
    {CF_IOC_NONE, "[2001:db8:5::9]:53", "nets"},
    {CF_IOC_NONE, "[2002::1]:53", ""},
    {CF_IOC_NONE, "192.0.2.7:80", "allow,nets"},
    {CF_IOC_NONE, "http://203.0.113.5/a", "urlnets"},
    {CF_IOC_NONE, "http://user@203.0.113.5:8080/a", "urlnets"},
    {CF_IOC_NONE, "http://[2001:db8:77::5]/a", "urlnets"},
    {CF_IOC_NONE, "http://10.1.2.3/a", ""},
    {CF_IOC_NONE, "https://www.google.com/search?q=1", "hosts"},
    {CF_IOC_NONE, "https://evil-google.com/x", ""},
    {CF_IOC_NONE, "https://google.com.evil.example/x", ""},
    {CF_IOC_NONE, "http://exact.example/x", "strs"},
    {CF_IOC_NONE, "http://a.b.below.test/", "strs"},
    {CF_IOC_NONE, "google.com", "hosts"},
    {CF_IOC_NONE, "mail.google.com", "hosts"},
    {CF_IOC_NONE, "evil-google.com", ""},
    {CF_IOC_NONE, "google.com.evil.example", ""},
    {CF_IOC_NONE, "xgoogle.com", ""},
    {CF_IOC_NONE, "deep.sub.example.org", "hosts"},
    {CF_IOC_NONE, "example.com", "strs"},
    {CF_IOC_NONE, "www.example.com", ""},
    {CF_IOC_NONE, "10.example", ""},
    {CF_IOC_NONE, "below.test", ""},
    {CF_IOC_NONE, "x.below.test", "strs"},
    {CF_IOC_NONE, "a.intranet.example.net", "allow"},
    {CF_IOC_NONE, "intranet.example.net.evil", ""},
    {CF_IOC_NONE, "someone@mail.google.com", "hosts"},
    {CF_IOC_NONE, "someone@evil-google.com", ""},
    {CF_IOC_NONE, "someone@intranet.example.net", "allow"},
    {CF_IOC_NONE, "d41d8cd98f00b204e9800998ecf8427e", "allow"},
    {CF_IOC_NONE, "d41d8cd98f00b204e9800998ecf8427f", ""},
};

static void test_inline(void)
{
    char dir[] = "/tmp/wlnormXXXXXX";
    char path[512], got[1024];
    cf_error err;
    CHECK(mkdtemp(dir) != NULL);

    for (size_t i = 0; i < sizeof inline_files / sizeof inline_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, inline_files[i][0]);
        write_file(path, inline_files[i][1]);
    }
    cf_wlset *wl = cf_wl_new();
    cf_error_clear(&err);
    CHECK_INT(cf_wl_load_dir(wl, dir, NULL, NULL, &err), CF_OK);
    CHECK_INT(cf_wl_count(wl), 5);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_STR(both_ways(wl, cases[i].hint, cases[i].text, got, sizeof got), cases[i].want);
    }

    /* Text not in canonical case still matches, ASCII case-insensitively. */
    cf_wl_matches cm;
    cf_wl_match_value(wl, CF_IOC_DOMAIN, CF_IOC_NONE, "Mail.GOOGLE.Com", &cm);
    CHECK_STR(ids(wl, &cm, got, sizeof got), "hosts");
    cf_wl_match_value(wl, CF_IOC_URL, CF_IOC_NONE, "HTTP://EXACT.EXAMPLE/X", &cm);
    CHECK_STR(ids(wl, &cm, got, sizeof got), "strs");
    cf_wl_match_value(wl, CF_IOC_DOMAIN, CF_IOC_NONE, "Evil-Google.COM", &cm);
    CHECK_STR(ids(wl, &cm, got, sizeof got), "");

    /* A trailing dot starts no parent; the shortest names hash as well. */
    cf_wl_match_value(wl, CF_IOC_DOMAIN, CF_IOC_NONE, "mail.google.com.", &cm);
    CHECK_STR(ids(wl, &cm, got, sizeof got), "");
    cf_wl_match_value(wl, CF_IOC_DOMAIN, CF_IOC_NONE, "a.10", &cm);
    CHECK_STR(ids(wl, &cm, got, sizeof got), "hosts");
    cf_wl_match_value(wl, CF_IOC_DOMAIN, CF_IOC_NONE, ".10", &cm);
    CHECK_STR(ids(wl, &cm, got, sizeof got), "hosts");
    cf_wl_match_value(wl, CF_IOC_DOMAIN, CF_IOC_NONE, "10.", &cm);
    CHECK_STR(ids(wl, &cm, got, sizeof got), "");
    cf_wl_match_value(wl, CF_IOC_DOMAIN, CF_IOC_NONE, ".", &cm);
    CHECK_STR(ids(wl, &cm, got, sizeof got), "");
    cf_wl_match_value(wl, CF_IOC_DOMAIN, CF_IOC_NONE, "", &cm);
    CHECK_STR(ids(wl, &cm, got, sizeof got), "");

    /* A value whose address was not recorded is matched by its text. */
    cf_norm norm = CF_NORM_INIT;
    cf_wl_matches m;
    norm.type = CF_IOC_IP;
    CHECK_INT(cf_buf_puts(&norm.value, "10.1.2.3"), CF_OK);
    CHECK_INT(cf_wl_match_norm(wl, &norm, &m), 1);
    CHECK_STR(ids(wl, &m, got, sizeof got), "nets");
    cf_norm_free(&norm);

    cf_wl_free(wl);
    for (size_t i = 0; i < sizeof inline_files / sizeof inline_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, inline_files[i][0]);
        remove(path);
    }
    remove(dir);
}

/* A small deterministic generator for the corpus comparison. */
static uint32_t rnd_state = 20240615u;

static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1664525u + 1013904223u;
    return rnd_state >> 8;
}

static const char *const words[] = {"login", "google", "cdn", "mail",    "pay", "dns", "www",
                                    "com",   "net",    "org", "example", "ru",  "10",  "8"};
static const char *const tlds[] = {"com", "net", "org", "example", "ru"};
#define N_WORDS (sizeof words / sizeof words[0])
#define N_TLDS (sizeof tlds / sizeof tlds[0])

/* One generated value of kind k (address, network, endpoint, name, URL, e-mail). */
static void gen_value(int k, char *out, size_t cap)
{
    uint32_t a = rnd(), b = rnd();
    const char *w1 = words[a % N_WORDS], *w2 = words[b % N_WORDS], *w3 = tlds[rnd() % N_TLDS];
    /* Addresses near the resolvers and private ranges the corpus lists hold. */
    unsigned o1 = (a % 4 == 0) ? 8 : (a % 4 == 1) ? 10 : (a % 4 == 2) ? 1 : (b % 223) + 1;

    switch (k) {
    case 0:
        snprintf(out, cap, "%u.%u.%u.%u", o1, (a >> 8) % 256, b % 256, (b >> 8) % 254 + 1);
        break;
    case 1:
        snprintf(out, cap, "%u.%u.0.0/%u", o1, (a >> 8) % 256, 8 + b % 9);
        break;
    case 2:
        snprintf(out, cap, "2%03x:%x:%x::%x", a % 4096, b % 65536, a % 65536, b % 7);
        break;
    case 3:
        snprintf(out, cap, "[2001:4860:4860::%x]:%u", b % 0x9000, a % 65536);
        break;
    case 4:
        snprintf(out, cap, "%s.%s.%s", w1, w2, w3);
        break;
    case 5:
        snprintf(out, cap, "%s-%s.%s", w1, w2, w3);
        break;
    case 6:
        snprintf(out, cap, "http://%s.%s.%s/%s?x=%u", w1, w2, w3, w1, a);
        break;
    default:
        snprintf(out, cap, "%s@%s.%s", w1, w2, w3);
        break;
    }
}

static void test_corpus_lists(void)
{
    char buf[4096], text[256], got[1024];
    cf_error err;
    const char *dir = test_corpus(buf, sizeof buf, "warninglists");

    if (!dir) {
        printf("corpus warning lists not found: generated values not compared\n");
        return;
    }
    cf_wlset *wl = cf_wl_new();
    cf_error_clear(&err);
    CHECK_INT(cf_wl_load_dir(wl, dir, NULL, NULL, &err), CF_OK);

    /* Listed values as well as random ones. */
    CHECK_STR(both_ways(wl, CF_IOC_NONE, "8.8.8.8", got, sizeof got), "public-dns-v4");
    CHECK_STR(both_ways(wl, CF_IOC_NONE, "2001:4860:4860::8888", got, sizeof got), "public-dns-v6");
    CHECK_STR(both_ways(wl, CF_IOC_NONE, "10.0.0.0/7", got, sizeof got), "rfc1918,rfc5735");
    CHECK_STR(both_ways(wl, CF_IOC_NONE, "www.google.com", got, sizeof got), "google,tranco10k");
    CHECK_STR(both_ways(wl, CF_IOC_NONE, "evil-google.com", got, sizeof got), "");
    CHECK_STR(both_ways(wl, CF_IOC_NONE, "10.example", got, sizeof got), "");
    size_t matched = 0;
    for (int i = 0; i < 20000; i++) {
        gen_value(i % 8, text, sizeof text);
        matched += both_ways(wl, CF_IOC_NONE, text, got, sizeof got)[0] != '\0';
    }
    /* Enough of them are listed for the comparison to mean something. */
    CHECK(matched > 2000);
    cf_wl_free(wl);
}

int main(void)
{
    test_inline();
    test_corpus_lists();
    TEST_MAIN_END();
}
