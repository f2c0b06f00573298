/*
 * Correlation indices: network containment on the bits (IPv4 and IPv6),
 * domains by label boundary, and the host an IOC names.
 */
#include "ctiflow/correlate.h"
#include "ctiflow/normalize.h"
#include "testlib.h"

static void add_net(cf_netidx *ix, const char *cidr, uint32_t id)
{
    int fam, prefix;
    unsigned char a[16];
    CHECK(cf_parse_cidr(cidr, strlen(cidr), &fam, a, &prefix));
    CHECK_INT(cf_netidx_add(ix, fam, a, prefix, id), CF_OK);
}

/* Ids of the networks holding text (an address or a network), as "1,2,3". */
static const char *holding(const cf_netidx *ix, const char *text)
{
    static char buf[256];
    int fam, prefix;
    unsigned char a[16];
    uint32_t ids[8];
    size_t n;

    if (cf_parse_ip(text, strlen(text), &fam, a)) {
        prefix = fam == 4 ? 32 : 128;
    } else if (!cf_parse_cidr(text, strlen(text), &fam, a, &prefix)) {
        return "unparsable";
    }
    n = cf_netidx_containing(ix, fam, a, prefix, ids, 8);
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 8; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, sizeof buf - l, "%s%u", i ? "," : "", ids[i]);
    }
    return buf;
}

static void test_networks(void)
{
    cf_netidx *ix = cf_netidx_new();
    add_net(ix, "203.0.113.0/24", 1);
    add_net(ix, "203.0.113.128/25", 2);
    add_net(ix, "10.0.0.0/8", 3);
    add_net(ix, "0.0.0.0/0", 4);
    add_net(ix, "2001:db8::/32", 5);
    add_net(ix, "2001:db8:abcd::/48", 6);
    add_net(ix, "2001:db8:abcd:12::/64", 7);
    CHECK_INT(cf_netidx_count(ix), 7);

    CHECK_STR(holding(ix, "203.0.113.7"), "4,1");
    CHECK_STR(holding(ix, "203.0.113.200"), "4,1,2");
    CHECK_STR(holding(ix, "203.0.112.255"), "4");       /* one bit outside the /24 */
    CHECK_STR(holding(ix, "203.0.113.128/25"), "4,1,2");
    CHECK_STR(holding(ix, "203.0.112.0/23"), "4");      /* broader than the /24 */
    CHECK_STR(holding(ix, "10.255.255.255"), "4,3");
    CHECK_STR(holding(ix, "11.0.0.0"), "4");
    CHECK_STR(holding(ix, "2001:db8:abcd:12::1"), "5,6,7");
    CHECK_STR(holding(ix, "2001:db8:abcd:13::1"), "5,6");
    CHECK_STR(holding(ix, "2001:db9::1"), "");
    CHECK_STR(holding(ix, "2001:db8:abce::/48"), "5");
    /* IPv4 networks never hold IPv6 addresses. */
    CHECK_STR(holding(ix, "::ffff:203.0.113.7"), "");
    cf_netidx_free(ix);
}

static void test_domains(void)
{
    cf_domidx *ix = cf_domidx_new();
    uint32_t ids[4];
    char host[256];
    bool is_ip;

    CHECK_INT(cf_domidx_add(ix, "example.com", 1), CF_OK);
    CHECK_INT(cf_domidx_add(ix, "evil.example.com", 2), CF_OK);
    CHECK_INT(cf_domidx_add(ix, "example.com", 9), CF_OK); /* repeat keeps 1 */
    for (uint32_t i = 0; i < 5000; i++) {                   /* forces rehashes */
        char d[64];
        snprintf(d, sizeof d, "d%u.test", i);
        cf_domidx_add(ix, d, 100 + i);
    }
    CHECK_INT(cf_domidx_count(ix), 5002);
    CHECK_INT(cf_domidx_parents(ix, "a.evil.example.com", ids, 4), 2);
    CHECK_INT(ids[0], 2);
    CHECK_INT(ids[1], 1);
    CHECK_INT(cf_domidx_parents(ix, "example.com", ids, 4), 1);
    CHECK_INT(cf_domidx_parents(ix, "badexample.com", ids, 4), 0);
    CHECK_INT(cf_domidx_parents(ix, "com", ids, 4), 0);
    CHECK_INT(cf_domidx_parents(ix, "x.d4999.test", ids, 4), 1);
    CHECK_INT(ids[0], 5099);

    CHECK(cf_corr_host(host, sizeof host, CF_IOC_URL,
                       "http://user@a.evil.example.com:8080/x?y=1", &is_ip));
    CHECK_STR(host, "a.evil.example.com");
    CHECK(!is_ip);
    CHECK_INT(cf_domidx_parents(ix, host, ids, 4), 2);
    CHECK(cf_corr_host(host, sizeof host, CF_IOC_URL, "https://[2001:db8::1]:443/", &is_ip));
    CHECK_STR(host, "2001:db8::1");
    CHECK(is_ip);
    CHECK(cf_corr_host(host, sizeof host, CF_IOC_URL, "http://198.51.100.7/a", &is_ip));
    CHECK(is_ip);
    CHECK(cf_corr_host(host, sizeof host, CF_IOC_EMAIL, "Bob@mail.example.com", &is_ip));
    CHECK_STR(host, "mail.example.com");
    CHECK(!cf_corr_host(host, sizeof host, CF_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e",
                        &is_ip));
    cf_domidx_free(ix);
}

int main(void)
{
    test_networks();
    test_domains();
    TEST_MAIN_END();
}
