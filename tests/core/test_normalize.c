/*
 * Tests of the IOC normalisers: refanging, every type's canonical form and
 * reject reasons, type detection, and the inputs and expected values of
 * the bug-report cases 01, 05, 07, 10, 13, 22, 26 and 28 written inline.
 */
#include <stdint.h>

#include "ctiflow/limits.h"
#include "ctiflow/normalize.h"
#include "testlib.h"

static cf_norm N = CF_NORM_INIT;

static cf_status run(cf_ioc_type hint, const char *in)
{
    return cf_normalize(&N, hint, in, strlen(in));
}

/* Normalise in with hint: expect success, type and canonical value. */
static void expect_ok(int line, cf_ioc_type hint, const char *in, cf_ioc_type type,
                      const char *value)
{
    int before = tl_failed;
    cf_status st = run(hint, in);

    CHECK_INT(st, CF_OK);
    CHECK_INT(N.type, type);
    CHECK_STR(cf_buf_str(&N.value), value);
    if (tl_failed != before) {
        fprintf(stderr, "  (test line %d, input '%s', reason '%s')\n", line, in,
                N.reason ? N.reason : "-");
    }
}

/* Normalise in with hint: expect a reject with this status and reason. */
static void expect_reject(int line, cf_ioc_type hint, const char *in, cf_status want,
                          const char *reason)
{
    int before = tl_failed;
    cf_status st = run(hint, in);

    CHECK_INT(st, want);
    CHECK_STR(N.reason, reason);
    CHECK_INT(N.value.len, 0);
    if (tl_failed != before) {
        fprintf(stderr, "  (test line %d, input '%s', value '%s')\n", line, in,
                cf_buf_str(&N.value));
    }
}

#define OK(hint, in, type, value) expect_ok(__LINE__, hint, in, type, value)
#define REJECT(hint, in, reason) expect_reject(__LINE__, hint, in, CF_EMALFORMED, reason)

static void test_refang_case01(void)
{
    /* /work/shared/cases/01-defanged-refang/feed.txt, lines 2-14, untyped. */
    OK(CF_IOC_NONE, "hxxp://www.bad-one.example/path/index.php", CF_IOC_URL,
       "http://www.bad-one.example/path/index.php");
    OK(CF_IOC_NONE, "hXXps://bad-two[.]example/login", CF_IOC_URL,
       "https://bad-two.example/login");
    OK(CF_IOC_NONE, "http://www[.]bad-three[.]example/", CF_IOC_URL,
       "http://www.bad-three.example/");
    OK(CF_IOC_NONE, "https://bad-four.example[.]com/dl/file[.]exe", CF_IOC_URL,
       "https://bad-four.example.com/dl/file.exe");
    OK(CF_IOC_NONE, "bad-five[.]example", CF_IOC_DOMAIN, "bad-five.example");
    OK(CF_IOC_NONE, "bad-six[dot]example", CF_IOC_DOMAIN, "bad-six.example");
    OK(CF_IOC_NONE, "bad-seven(.)example", CF_IOC_DOMAIN, "bad-seven.example");
    OK(CF_IOC_NONE, "198.51.100[.]23", CF_IOC_IP, "198.51.100.23");
    CHECK(N.changed);
    OK(CF_IOC_NONE, "203[.]0[.]113[.]9", CF_IOC_IP, "203.0.113.9");
    OK(CF_IOC_NONE, "http[:]//bad-eight.example/", CF_IOC_URL, "http://bad-eight.example/");
    OK(CF_IOC_NONE, "https[://]bad-nine.example/a", CF_IOC_URL, "https://bad-nine.example/a");
    OK(CF_IOC_NONE, "alerts[@]bad-ten.example", CF_IOC_EMAIL, "alerts@bad-ten.example");
    OK(CF_IOC_NONE, "billing[at]bad-eleven.example", CF_IOC_EMAIL,
       "billing@bad-eleven.example");
    CHECK(N.changed);
}

static void test_refang_more(void)
{
    cf_buf b = CF_BUF_INIT;

    CHECK(cf_refang(&b, "hxxps://a[.]b(dot)c{.}d", 23));
    CHECK_STR(cf_buf_str(&b), "https://a.b.c.d");
    CHECK(!cf_refang(&b, "http://plain.example/", 21));
    CHECK_STR(cf_buf_str(&b), "http://plain.example/");
    CHECK(cf_refang(&b, "HXXP[://]x[DOT]y", 16));
    CHECK_STR(cf_buf_str(&b), "http://x.y");
    CHECK(cf_refang(&b, "h[tt]p://x(.)y[/]z", 18));
    CHECK_STR(cf_buf_str(&b), "http://x.y/z");
    CHECK(cf_refang(&b, "user [at] mail [dot] example", 28));
    CHECK_STR(cf_buf_str(&b), "user@mail.example");
    /* "hxxp" inside a word or path is not a scheme. */
    CHECK(!cf_refang(&b, "http://x.example/ahxxp:1", 24));
    CHECK_STR(cf_buf_str(&b), "http://x.example/ahxxp:1");
    cf_buf_free(&b);

    OK(CF_IOC_URL, "hxxps://x(.)example/a", CF_IOC_URL, "https://x.example/a");
    OK(CF_IOC_URL, "HxXp://x{.}example/a", CF_IOC_URL, "http://x.example/a");
    OK(CF_IOC_URL, "fxp://files[.]example/a", CF_IOC_URL, "ftp://files.example/a");
    OK(CF_IOC_EMAIL, "a(at)x(dot)example", CF_IOC_EMAIL, "a@x.example");
    OK(CF_IOC_EMAIL, "a{@}x[.]example", CF_IOC_EMAIL, "a@x.example");
    OK(CF_IOC_DOMAIN, "a[[.]]example", CF_IOC_DOMAIN, "a.example");
    OK(CF_IOC_URL, "http://x.example/a\\.b", CF_IOC_URL, "http://x.example/a\\.b");
    OK(CF_IOC_IP, "2001:db8[:]:1", CF_IOC_IP, "2001:db8::1");
    /* Types kept as given are not refanged. */
    OK(CF_IOC_USER_AGENT, "Mozilla/5.0 (compatible; x[.]y (at) z)", CF_IOC_USER_AGENT,
       "Mozilla/5.0 (compatible; x[.]y (at) z)");
    OK(CF_IOC_FILENAME, "report[.]pdf", CF_IOC_FILENAME, "report[.]pdf");
}

static void test_prepare(void)
{
    char big[CF_MAX_VALUE_BYTES + 2];

    /* Case 22: a BOM before the first value is not content. */
    OK(CF_IOC_NONE, "\xEF\xBB\xBF" "bom-first.example", CF_IOC_DOMAIN, "bom-first.example");
    CHECK(!N.changed);
    OK(CF_IOC_DOMAIN, " \t\xEF\xBB\xBF second.example\r\n", CF_IOC_DOMAIN, "second.example");
    CHECK(!N.changed);
    OK(CF_IOC_IP, "  198.51.100.7\t", CF_IOC_IP, "198.51.100.7");
    CHECK(!N.changed);
    CHECK_INT(N.port, -1);

    REJECT(CF_IOC_DOMAIN, "b\xff" "cher.example", "invalid UTF-8");
    REJECT(CF_IOC_DOMAIN, "b\xc3\x28.example", "invalid UTF-8");
    REJECT(CF_IOC_FILENAME, "over\xc0\xaflong", "invalid UTF-8");
    REJECT(CF_IOC_DOMAIN, "\xed\xa0\x80.example", "invalid UTF-8");
    REJECT(CF_IOC_DOMAIN, "   ", "empty value");
    REJECT(CF_IOC_NONE, "hello world", "cannot determine the type of the value");
    REJECT(CF_IOC_NONE, "64496", "cannot determine the type of the value");

    CHECK_INT(cf_normalize(&N, CF_IOC_DOMAIN, "a\0b.example", 11), CF_EMALFORMED);
    CHECK_STR(N.reason, "value contains a NUL byte");

    memset(big, 'a', sizeof big);
    CHECK_INT(cf_normalize(&N, CF_IOC_FILENAME, big, CF_MAX_VALUE_BYTES + 1), CF_ELIMIT);
    CHECK_STR(N.reason, "value longer than 8192 bytes");
    CHECK_INT(cf_normalize(&N, CF_IOC_FILENAME, big, CF_MAX_VALUE_BYTES), CF_OK);
    CHECK_INT(N.value.len, CF_MAX_VALUE_BYTES);

    /* A reused cf_norm keeps its buffer when it has room. */
    OK(CF_IOC_DOMAIN, "first-value.example", CF_IOC_DOMAIN, "first-value.example");
    const char *data = N.value.data;
    OK(CF_IOC_IP, "192.0.2.1", CF_IOC_IP, "192.0.2.1");
    CHECK(N.value.data == data);
}

static void test_ipv4(void)
{
    OK(CF_IOC_IP, "198.51.100.7", CF_IOC_IP, "198.51.100.7");
    CHECK(!N.changed);
    OK(CF_IOC_IP, "255.255.255.255", CF_IOC_IP, "255.255.255.255");
    OK(CF_IOC_IP, "0.0.0.1", CF_IOC_IP, "0.0.0.1");
    REJECT(CF_IOC_IP, "198.051.100.7", "invalid IPv4 address: octet with a leading zero");
    REJECT(CF_IOC_IP, "00.1.2.3", "invalid IPv4 address: octet with a leading zero");
    REJECT(CF_IOC_IP, "256.1.1.1", "invalid IPv4 address: octet greater than 255");
    REJECT(CF_IOC_IP, "1.2.3.1000", "invalid IPv4 address: octet greater than 255");
    REJECT(CF_IOC_IP, "0.0.0.0", "invalid IPv4 address: 0.0.0.0 is not a host address");
    REJECT(CF_IOC_IP, "1.2.3", "invalid IPv4 address");
    REJECT(CF_IOC_IP, "1.2.3.4.5", "invalid IPv4 address");
    REJECT(CF_IOC_IP, "1.2..4", "invalid IPv4 address");
    REJECT(CF_IOC_IP, "0x7f.0.0.1", "invalid IPv4 address");
    REJECT(CF_IOC_IP, "+1.2.3.4", "invalid IPv4 address");
    REJECT(CF_IOC_IP, "1.2.3.4 5", "invalid IPv4 address");
    REJECT(CF_IOC_NONE, "198.051.100.7", "invalid IPv4 address: octet with a leading zero");
    REJECT(CF_IOC_NONE, "198.51.100.300", "invalid IPv4 address: octet greater than 255");
}

static void test_ipv6_case07(void)
{
    /* /work/shared/cases/07-ipv6-canonical-form/ips.txt, lines 2-9. */
    OK(CF_IOC_NONE, "2001:db8:0000:0000:0000:0000:0000:0001", CF_IOC_IP, "2001:db8::1");
    CHECK(N.changed);
    OK(CF_IOC_NONE, "2001:DB8::1", CF_IOC_IP, "2001:db8::1");
    OK(CF_IOC_NONE, "2001:db8:0:0:0:0:0:1", CF_IOC_IP, "2001:db8::1");
    OK(CF_IOC_NONE, "2001:db8::0001", CF_IOC_IP, "2001:db8::1");
    OK(CF_IOC_NONE, "2001:0db8:0000:0000:0001:0000:0000:0001", CF_IOC_IP, "2001:db8::1:0:0:1");
    OK(CF_IOC_NONE, "::ffff:192.0.2.10", CF_IOC_IP, "::ffff:192.0.2.10");
    CHECK(!N.changed);
    OK(CF_IOC_NONE, "::FFFF:C000:020A", CF_IOC_IP, "::ffff:192.0.2.10");
    REJECT(CF_IOC_NONE, "2001:db8::1::2", "invalid IPv6 address: more than one '::'");
    REJECT(CF_IOC_IP, "2001:db8::1::2", "invalid IPv6 address: more than one '::'");
}

static void test_ipv6(void)
{
    OK(CF_IOC_IP, "2001:db8:0:0:1:0:0:1", CF_IOC_IP, "2001:db8::1:0:0:1");
    OK(CF_IOC_IP, "1:0:0:2:0:0:0:3", CF_IOC_IP, "1:0:0:2::3");
    OK(CF_IOC_IP, "2001:db8:0:1:1:1:1:1", CF_IOC_IP, "2001:db8:0:1:1:1:1:1");
    OK(CF_IOC_IP, "1:2:3:4:5:6:7::", CF_IOC_IP, "1:2:3:4:5:6:7:0");
    OK(CF_IOC_IP, "0:0:0:0:0:0:0:1", CF_IOC_IP, "::1");
    OK(CF_IOC_IP, "1::", CF_IOC_IP, "1::");
    OK(CF_IOC_IP, "FE80::ABCD%eth0", CF_IOC_IP, "fe80::abcd");
    CHECK(N.changed);
    OK(CF_IOC_IP, "::ffff:0:0", CF_IOC_IP, "::ffff:0.0.0.0");
    OK(CF_IOC_IP, "64:ff9b::192.0.2.33", CF_IOC_IP, "64:ff9b::c000:221");
    OK(CF_IOC_IP, "1:2:3:4:5:6:1.2.3.4", CF_IOC_IP, "1:2:3:4:5:6:102:304");
    REJECT(CF_IOC_IP, "::", "invalid IPv6 address: :: is not a host address");
    REJECT(CF_IOC_IP, "12345::1", "invalid IPv6 address: group longer than 4 hex digits");
    REJECT(CF_IOC_IP, "1:2:3:4:5:6:7:8:9", "invalid IPv6 address: wrong number of groups");
    REJECT(CF_IOC_IP, "1:2:3:4:5:6:7", "invalid IPv6 address: wrong number of groups");
    REJECT(CF_IOC_IP, "1:2:3:4:5:6:7:8::", "invalid IPv6 address: wrong number of groups");
    REJECT(CF_IOC_IP, ":1::2", "invalid IPv6 address");
    REJECT(CF_IOC_IP, "1::2:", "invalid IPv6 address");
    REJECT(CF_IOC_IP, "1:::2", "invalid IPv6 address");
    REJECT(CF_IOC_IP, "g::1", "invalid IPv6 address");
    REJECT(CF_IOC_IP, "fe80::1%", "invalid IPv6 address: empty zone id");
    REJECT(CF_IOC_IP, "::ffff:192.0.2.300", "invalid IPv4 address: octet greater than 255");
}

static void test_cidr_case10(void)
{
    /* /work/shared/cases/10-cidr-host-bits-in-ip-column, "ip" column. */
    OK(CF_IOC_IP, "198.51.100.88/29", CF_IOC_CIDR, "198.51.100.88/29");
    CHECK(!N.host_bits_cleared);
    CHECK(N.warning == NULL);
    CHECK(!N.changed);
    OK(CF_IOC_IP, "203.0.113.77/24", CF_IOC_CIDR, "203.0.113.0/24");
    CHECK(N.host_bits_cleared);
    CHECK_STR(N.warning, "host bits set, network address used");
    CHECK(N.changed);
    OK(CF_IOC_IP, "192.0.2.5/32", CF_IOC_IP, "192.0.2.5");
    CHECK(N.changed);
    CHECK(!N.host_bits_cleared);
    OK(CF_IOC_IP, "192.0.2.5", CF_IOC_IP, "192.0.2.5");
    OK(CF_IOC_IP, "2001:db8:1234::9/48", CF_IOC_CIDR, "2001:db8:1234::/48");
    CHECK(N.host_bits_cleared);
    CHECK_STR(N.warning, "host bits set, network address used");
    REJECT(CF_IOC_IP, "198.51.100.300/24", "invalid IPv4 address: octet greater than 255");
}

static void test_cidr(void)
{
    int family = 0, prefix = -1;
    unsigned char addr[16];

    OK(CF_IOC_CIDR, "10.1.2.3/8", CF_IOC_CIDR, "10.0.0.0/8");
    OK(CF_IOC_CIDR, "10.1.2.3/31", CF_IOC_CIDR, "10.1.2.2/31");
    OK(CF_IOC_CIDR, "0.0.0.0/0", CF_IOC_CIDR, "0.0.0.0/0");
    OK(CF_IOC_CIDR, "1.2.3.4/0", CF_IOC_CIDR, "0.0.0.0/0");
    OK(CF_IOC_CIDR, "2001:DB8::/32", CF_IOC_CIDR, "2001:db8::/32");
    OK(CF_IOC_CIDR, "2001:db8::1/128", CF_IOC_IP, "2001:db8::1");
    OK(CF_IOC_CIDR, "2001:db8::ff/121", CF_IOC_CIDR, "2001:db8::80/121");
    OK(CF_IOC_CIDR, "192.0.2.9", CF_IOC_IP, "192.0.2.9");
    OK(CF_IOC_NONE, "198.51.100.0/24", CF_IOC_CIDR, "198.51.100.0/24");
    OK(CF_IOC_NONE, "203.0.113.77/24", CF_IOC_CIDR, "203.0.113.0/24");
    REJECT(CF_IOC_CIDR, "10.0.0.0/33", "invalid CIDR prefix length: greater than 32");
    REJECT(CF_IOC_CIDR, "::/129", "invalid CIDR prefix length: greater than 128");
    REJECT(CF_IOC_CIDR, "10.0.0.0/08", "invalid CIDR prefix length");
    REJECT(CF_IOC_CIDR, "10.0.0.0/", "invalid CIDR prefix length");
    REJECT(CF_IOC_CIDR, "10.0.0.0/8/8", "invalid CIDR prefix length");
    REJECT(CF_IOC_CIDR, "10.0.0.0/-1", "invalid CIDR prefix length");
    REJECT(CF_IOC_CIDR, "0.0.0.0/32", "invalid IPv4 address: 0.0.0.0 is not a host address");

    CHECK(cf_parse_cidr("198.51.100.0/24", 15, &family, addr, &prefix));
    CHECK_INT(family, 4);
    CHECK_INT(prefix, 24);
    CHECK_INT(addr[0], 198);
    CHECK_INT(addr[2], 100);
    CHECK_INT(addr[3], 0);
    CHECK(cf_parse_cidr("2001:db8::/32", 13, &family, addr, &prefix));
    CHECK_INT(family, 6);
    CHECK_INT(prefix, 32);
    CHECK_INT(addr[1], 0x01);
    CHECK_INT(addr[3], 0xb8);
    CHECK(cf_parse_cidr("192.0.2.1", 9, &family, addr, &prefix));
    CHECK_INT(prefix, 32);
    CHECK(!cf_parse_cidr("192.0.2.1/40", 12, &family, addr, &prefix));
    CHECK(cf_parse_ip("::ffff:192.0.2.10", 17, &family, addr));
    CHECK_INT(family, 6);
    CHECK_INT(addr[10], 0xff);
    CHECK_INT(addr[15], 10);
    CHECK(cf_parse_ip("192.0.2.10", 10, &family, addr));
    CHECK_INT(family, 4);
    CHECK_INT(addr[3], 10);
    CHECK(!cf_parse_ip("192.0.2.010", 11, &family, addr));
    CHECK(!cf_parse_ip("example.com", 11, &family, addr));
}

static void test_domain_case05(void)
{
    /* /work/shared/cases/05-idn-punycode-dedup/domains.txt, lines 2-8. */
    OK(CF_IOC_NONE, "b\xc3\xbc" "cher.example", CF_IOC_DOMAIN, "xn--bcher-kva.example");
    CHECK(N.changed);
    OK(CF_IOC_NONE, "xn--bcher-kva.example", CF_IOC_DOMAIN, "xn--bcher-kva.example");
    CHECK(!N.changed);
    OK(CF_IOC_NONE, "B\xc3\x9c" "CHER.EXAMPLE", CF_IOC_DOMAIN, "xn--bcher-kva.example");
    OK(CF_IOC_NONE, "XN--BCHER-KVA.example", CF_IOC_DOMAIN, "xn--bcher-kva.example");
    OK(CF_IOC_NONE, "shop.xn--bcher-kva.example", CF_IOC_DOMAIN, "shop.xn--bcher-kva.example");
    OK(CF_IOC_NONE, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.example", CF_IOC_DOMAIN,
       "xn--e1afmkfd.example");
    REJECT(CF_IOC_NONE, "xn--ab-.example", "invalid A-label: does not decode to a valid U-label");

    /* The same with a domain hint, and the upper-case form of the brief. */
    OK(CF_IOC_DOMAIN, "XN--BCHER-KVA.EXAMPLE", CF_IOC_DOMAIN, "xn--bcher-kva.example");
    OK(CF_IOC_DOMAIN, "B\xc3\x9c" "CHER.example", CF_IOC_DOMAIN, "xn--bcher-kva.example");
    REJECT(CF_IOC_DOMAIN, "xn--ab-.example", "invalid A-label: does not decode to a valid U-label");
    REJECT(CF_IOC_DOMAIN, "shop.xn--zz.example",
           "invalid A-label: does not decode to a valid U-label");
    /* An A-label of a name that is not a valid U-label (an emoji). */
    REJECT(CF_IOC_DOMAIN, "xn--ls8h.example",
           "invalid A-label: does not decode to a valid U-label");
}

static void test_domain(void)
{
    char label[80], name[300];

    /* Case 28: case folding and the trailing dot. */
    OK(CF_IOC_DOMAIN, "MALWARE.EXAMPLE.NET.", CF_IOC_DOMAIN, "malware.example.net");
    CHECK(N.changed);
    OK(CF_IOC_DOMAIN, "malware.example.net", CF_IOC_DOMAIN, "malware.example.net");
    CHECK(!N.changed);
    OK(CF_IOC_DOMAIN, "_dmarc.Example.com", CF_IOC_DOMAIN, "_dmarc.example.com");
    OK(CF_IOC_DOMAIN, "a-b.c-d.example", CF_IOC_DOMAIN, "a-b.c-d.example");
    OK(CF_IOC_DOMAIN, "123.example", CF_IOC_DOMAIN, "123.example");
    /* Full-width letters and an ideographic full stop map to ASCII. */
    OK(CF_IOC_DOMAIN, "\xef\xbd\x85\xef\xbd\x98\xe3\x80\x82" "example", CF_IOC_DOMAIN,
       "ex.example");
    OK(CF_IOC_DOMAIN, "mail.b\xc3\xbc" "cher.example", CF_IOC_DOMAIN,
       "mail.xn--bcher-kva.example");
    /* A host column holding an address gives an ip. */
    OK(CF_IOC_DOMAIN, "192.0.2.44", CF_IOC_IP, "192.0.2.44");
    OK(CF_IOC_DOMAIN, "2001:DB8::5", CF_IOC_IP, "2001:db8::5");

    REJECT(CF_IOC_DOMAIN, ".example.com", "invalid domain name: starts with a dot");
    REJECT(CF_IOC_DOMAIN, "a..example", "invalid domain name: empty label");
    REJECT(CF_IOC_DOMAIN, "example.com..", "invalid domain name: empty label");
    REJECT(CF_IOC_DOMAIN, "localhost", "not a domain name: no dot");
    REJECT(CF_IOC_DOMAIN, "foo.123", "not a domain name: numeric top-level label");
    REJECT(CF_IOC_DOMAIN, "198.51.100.300", "invalid IPv4 address: octet greater than 255");
    REJECT(CF_IOC_DOMAIN, "exa mple.com",
           "invalid domain name: character other than letter, digit, '-' or '_'");
    REJECT(CF_IOC_DOMAIN, "exa*mple.com",
           "invalid domain name: character other than letter, digit, '-' or '_'");
    REJECT(CF_IOC_DOMAIN, "example.com/x",
           "invalid domain name: character other than letter, digit, '-' or '_'");
    REJECT(CF_IOC_DOMAIN, "\xf0\x9f\x92\xa9.example",
           "invalid internationalised domain name: disallowed character");

    memset(label, 'a', 64);
    memcpy(label + 64, ".example", 9);
    CHECK_INT(run(CF_IOC_DOMAIN, label), CF_ELIMIT);
    CHECK_STR(N.reason, "invalid domain name: label longer than 63 octets");
    memcpy(label + 63, ".example", 9);
    CHECK_INT(run(CF_IOC_DOMAIN, label), CF_OK);

    /* 253 octets pass, 254 do not. */
    for (int i = 0; i < 250; i += 2) {
        name[i] = 'a';
        name[i + 1] = '.';
    }
    memcpy(name + 250, "com", 4);
    CHECK_INT(run(CF_IOC_DOMAIN, name), CF_OK);
    CHECK_INT(N.value.len, 253);
    name[0] = 'b';
    memmove(name + 1, name, 254);
    name[0] = 'a';
    CHECK_INT(run(CF_IOC_DOMAIN, name), CF_ELIMIT);
    CHECK_STR(N.reason, "invalid domain name: longer than 253 octets");
}

static void test_url(void)
{
    /* Case 28: scheme and host fold, the path keeps its case. */
    OK(CF_IOC_URL, "HTTP://MALWARE.example.net/bin.sh", CF_IOC_URL,
       "http://malware.example.net/bin.sh");
    CHECK(N.changed);
    OK(CF_IOC_URL, "http://malware.example.net/bin.sh", CF_IOC_URL,
       "http://malware.example.net/bin.sh");
    CHECK(!N.changed);
    OK(CF_IOC_URL, "http://malware.example.net/Bin.sh", CF_IOC_URL,
       "http://malware.example.net/Bin.sh");

    OK(CF_IOC_URL, "http://B\xc3\xbc" "cher.Example/A?B=C#D", CF_IOC_URL,
       "http://xn--bcher-kva.example/A?B=C#D");
    OK(CF_IOC_URL, "HTTPS://User:Pw@EXAMPLE.com:8443/Path\\X?Q=%41%zz#Frag", CF_IOC_URL,
       "https://User:Pw@example.com:8443/Path\\X?Q=%41%zz#Frag");
    OK(CF_IOC_URL, "http://[2001:DB8:0::1]:8080/x", CF_IOC_URL, "http://[2001:db8::1]:8080/x");
    OK(CF_IOC_URL, "http://198.51.100.7/a b", CF_IOC_URL, "http://198.51.100.7/a b");
    OK(CF_IOC_URL, "tcp://198.51.100.7:4444", CF_IOC_URL, "tcp://198.51.100.7:4444");
    OK(CF_IOC_URL, "http://intranet/x", CF_IOC_URL, "http://intranet/x");
    OK(CF_IOC_URL, "http://example.com.:80/", CF_IOC_URL, "http://example.com:80/");
    OK(CF_IOC_URL, "http://example.com?q=1", CF_IOC_URL, "http://example.com?q=1");
    OK(CF_IOC_URL, "Svn+SSH://Example.com/x", CF_IOC_URL, "svn+ssh://example.com/x");

    /* No scheme: "http://" is put in front when a path follows the host. */
    OK(CF_IOC_URL, "example.com/path", CF_IOC_URL, "http://example.com/path");
    CHECK(N.changed);
    OK(CF_IOC_URL, "198.51.100.7:8080/x.sh", CF_IOC_URL, "http://198.51.100.7:8080/x.sh");
    OK(CF_IOC_URL, "Example.COM:8080/x.sh", CF_IOC_URL, "http://example.com:8080/x.sh");
    OK(CF_IOC_NONE, "bad[.]example/gate.php", CF_IOC_URL, "http://bad.example/gate.php");

    REJECT(CF_IOC_URL, "example.com", "not a URL: no scheme and no path");
    REJECT(CF_IOC_URL, "1http://example.com/", "invalid URL: bad scheme");
    REJECT(CF_IOC_URL, "http://example.com\\path", "invalid URL: bad host name");
    REJECT(CF_IOC_URL, "s\\\"@/x", "invalid URL: no host");
    REJECT(CF_IOC_URL, "5A::/25", "invalid URL: port is not a number from 0 to 65535");
    REJECT(CF_IOC_URL, "http://a.example:8a/", "invalid URL: port is not a number from 0 to 65535");
    REJECT(CF_IOC_URL, "hxx\xef\xbb\xbfp://example.com/", "invalid URL: bad scheme");
    OK(CF_IOC_URL, "http://hxxp:8080/x", CF_IOC_URL, "http://hxxp:8080/x");
    REJECT(CF_IOC_URL, "/just/a/path", "not a URL: no scheme and no path");
    REJECT(CF_IOC_URL, "http:///path", "invalid URL: no host");
    REJECT(CF_IOC_URL, "mailto:a@b.example", "invalid URL: no host");
    REJECT(CF_IOC_URL, "http://user@:80/", "invalid URL: no host");
    REJECT(CF_IOC_URL, "http://a b.example/", "invalid URL: space in host");
    REJECT(CF_IOC_URL, "http://example.com:99999/",
           "invalid URL: port is not a number from 0 to 65535");
    REJECT(CF_IOC_URL, "http://198.051.100.7/", "invalid IPv4 address: octet with a leading zero");
    REJECT(CF_IOC_URL, "http://[2001:db8::1/", "invalid URL: bad IPv6 host");
    REJECT(CF_IOC_URL, "http://[1.2.3.4]/", "invalid URL: bad IPv6 host");
    REJECT(CF_IOC_URL, "http://exa\tmple.com/", "invalid URL: control character");
    REJECT(CF_IOC_URL, "http://xn--ab-.example/",
           "invalid A-label: does not decode to a valid U-label");
    REJECT(CF_IOC_URL, "http://foo.123/", "not a domain name: numeric top-level label");
}

static void test_email_case26(void)
{
    /* /work/shared/cases/26-email-display-name, "sender" column after CSV
     * unquoting. */
    OK(CF_IOC_EMAIL, "\"Payroll Team\" <payroll@bad-sender.example>", CF_IOC_EMAIL,
       "payroll@bad-sender.example");
    CHECK_STR(cf_buf_str(&N.display_name), "Payroll Team");
    OK(CF_IOC_EMAIL, "Jane Example <jane.example@bad-sender.example>", CF_IOC_EMAIL,
       "jane.example@bad-sender.example");
    CHECK_STR(cf_buf_str(&N.display_name), "Jane Example");
    OK(CF_IOC_EMAIL, "<NoReply@Bad-Sender.EXAMPLE>", CF_IOC_EMAIL, "NoReply@bad-sender.example");
    CHECK_STR(cf_buf_str(&N.display_name), "");
    OK(CF_IOC_EMAIL, "plain@bad-sender.example", CF_IOC_EMAIL, "plain@bad-sender.example");
    CHECK_STR(cf_buf_str(&N.display_name), "");
    CHECK(!N.changed);
    REJECT(CF_IOC_EMAIL, "Not An Address <nobody>", "invalid e-mail address: no domain part");
}

static void test_email(void)
{
    OK(CF_IOC_EMAIL, "\"Quoted, \\\"Boss\\\"\" <b@x.example>", CF_IOC_EMAIL, "b@x.example");
    CHECK_STR(cf_buf_str(&N.display_name), "Quoted, \"Boss\"");
    OK(CF_IOC_EMAIL, "\"a <b>\" < c@X.Example >", CF_IOC_EMAIL, "c@x.example");
    CHECK_STR(cf_buf_str(&N.display_name), "a <b>");
    OK(CF_IOC_EMAIL, "MAILTO:Info@EXAMPLE.com", CF_IOC_EMAIL, "Info@example.com");
    OK(CF_IOC_EMAIL, "mailto:mailto:x@example.com", CF_IOC_EMAIL, "x@example.com");
    /* "mailto:" inside the angle brackets too (fuzz_normalize: the value
     * kept it, and normalising that value again dropped it) */
    OK(CF_IOC_EMAIL, "Jane <mailto:Jane@X.Example>", CF_IOC_EMAIL, "Jane@x.example");
    CHECK_STR(cf_buf_str(&N.display_name), "Jane");
    OK(CF_IOC_NONE, "@<\t\n mailto:a@b.example\n\t>", CF_IOC_EMAIL, "a@b.example");
    OK(CF_IOC_EMAIL, "mailto:<MAILTO:mailto:x@example.com>", CF_IOC_EMAIL, "x@example.com");
    OK(CF_IOC_EMAIL, "user@b\xc3\xbc" "cher.example", CF_IOC_EMAIL,
       "user@xn--bcher-kva.example");
    OK(CF_IOC_NONE, "Jane <jane@x.example>", CF_IOC_EMAIL, "jane@x.example");
    CHECK_STR(cf_buf_str(&N.display_name), "Jane");
    OK(CF_IOC_NONE, "a.b+tag@Mail.Example", CF_IOC_EMAIL, "a.b+tag@mail.example");

    REJECT(CF_IOC_EMAIL, "nobody", "invalid e-mail address: no domain part");
    REJECT(CF_IOC_EMAIL, "nobody@", "invalid e-mail address: no domain part");
    REJECT(CF_IOC_EMAIL, "@x.example", "invalid e-mail address: empty local part");
    REJECT(CF_IOC_EMAIL, "a b@x.example",
           "invalid e-mail address: space or control character in the address");
    REJECT(CF_IOC_EMAIL, "\"\" <\xef\xbb\xbf" "b@x.example>",
           "invalid e-mail address: space or control character in the address");
    REJECT(CF_IOC_EMAIL, "Name <>", "invalid e-mail address: empty");
    REJECT(CF_IOC_EMAIL, "Name a@x.example>", "invalid e-mail address: '>' without '<'");
    REJECT(CF_IOC_EMAIL, "a@localhost", "not a domain name: no dot");
    REJECT(CF_IOC_EMAIL, "\"x\"@x.example",
           "invalid e-mail address: character '<', '>', '\"', ',' or ';' in the address");
}

static void test_hashes(void)
{
    OK(CF_IOC_MD5, "640531C5CE99087040866F817A50E245", CF_IOC_MD5,
       "640531c5ce99087040866f817a50e245");
    CHECK(N.changed);
    OK(CF_IOC_SHA1, "8da99503f3a6a34f1563068530f0872590079222", CF_IOC_SHA1,
       "8da99503f3a6a34f1563068530f0872590079222");
    CHECK(!N.changed);
    OK(CF_IOC_NONE, "DD731AD77F95864FC8CC4A451B3208509E9FB5E4166F0AE2BC81A539D9B1ECA1",
       CF_IOC_SHA256, "dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1");
    OK(CF_IOC_NONE, "640531c5ce99087040866f817a50e245", CF_IOC_MD5,
       "640531c5ce99087040866f817a50e245");
    OK(CF_IOC_JA3, "E7D705A3286E19EA42F587B344EE6865", CF_IOC_JA3,
       "e7d705a3286e19ea42f587b344ee6865");
    OK(CF_IOC_X509_SHA1, "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
       CF_IOC_X509_SHA1, "abcdef0123456789abcdef0123456789abcdef01");
    REJECT(CF_IOC_MD5, "640531c5ce99087040866f817a50e24",
           "invalid md5 hash: not 32 hexadecimal digits");
    REJECT(CF_IOC_SHA256, "640531c5ce99087040866f817a50e245",
           "invalid sha256 hash: not 64 hexadecimal digits");
    REJECT(CF_IOC_SHA1, "8da99503f3a6a34f1563068530f087259007922g",
           "invalid sha1 hash: not 40 hexadecimal digits");
    REJECT(CF_IOC_JA3, "e7d705a3", "invalid ja3 fingerprint: not 32 hexadecimal digits");

    char sha512[129];
    memset(sha512, 'A', 128);
    sha512[128] = '\0';
    CHECK_INT(run(CF_IOC_NONE, sha512), CF_OK);
    CHECK_INT(N.type, CF_IOC_SHA512);
    CHECK_INT(N.value.data[127], 'a');
    CHECK_INT(cf_norm_hash(&N, CF_IOC_NONE, "abc", 3), CF_EMALFORMED);
    CHECK_STR(N.reason, "invalid hash: not 32, 40, 64 or 128 hexadecimal digits");

    OK(CF_IOC_SSDEEP, "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C", CF_IOC_SSDEEP,
       "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C");
    OK(CF_IOC_SSDEEP, "3::", CF_IOC_SSDEEP, "3::");
    OK(CF_IOC_NONE, "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrw",
       CF_IOC_SSDEEP, "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrw");
    REJECT(CF_IOC_SSDEEP, "abc", "invalid ssdeep hash: expected blocksize:hash:hash");
    REJECT(CF_IOC_SSDEEP, "0:ab:cd", "invalid ssdeep hash: expected blocksize:hash:hash");
    REJECT(CF_IOC_SSDEEP, "3:ab:cd:ef", "invalid ssdeep hash: expected blocksize:hash:hash");
    REJECT(CF_IOC_SSDEEP, "3:a-b:cd", "invalid ssdeep hash: expected blocksize:hash:hash");

    char tlsh[80] = "T1";
    memset(tlsh + 2, 'C', 70);
    tlsh[72] = '\0';
    CHECK_INT(run(CF_IOC_TLSH, tlsh), CF_OK);
    CHECK_STR(cf_buf_str(&N.value), tlsh);
    CHECK_INT(run(CF_IOC_NONE, tlsh), CF_OK);
    CHECK_INT(N.type, CF_IOC_TLSH);
    CHECK_INT(run(CF_IOC_TLSH, tlsh + 2), CF_OK);
    tlsh[71] = '\0';
    CHECK_INT(run(CF_IOC_TLSH, tlsh), CF_EMALFORMED);
    CHECK_STR(N.reason,
              "invalid TLSH hash: expected 70 or 72 hexadecimal digits, optionally after 'T1'");
}

static void test_file_case13(void)
{
    /* /work/shared/cases/13-filename-sha256-composite values. */
    OK(CF_IOC_FILE,
       "invoice_0424.exe|DD731AD77F95864FC8CC4A451B3208509E9FB5E4166F0AE2BC81A539D9B1ECA1",
       CF_IOC_FILE,
       "invoice_0424.exe|dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1");
    CHECK_INT(N.hash_type, CF_IOC_SHA256);
    CHECK(N.changed);
    OK(CF_IOC_FILE, "report.pdf|640531c5ce99087040866f817a50e245", CF_IOC_FILE,
       "report.pdf|640531c5ce99087040866f817a50e245");
    CHECK_INT(N.hash_type, CF_IOC_MD5);
    CHECK(!N.changed);
    OK(CF_IOC_FILE, "odd|name.sh|8da99503f3a6a34f1563068530f0872590079222", CF_IOC_FILE,
       "odd|name.sh|8da99503f3a6a34f1563068530f0872590079222");
    CHECK_INT(N.hash_type, CF_IOC_SHA1);
    OK(CF_IOC_NONE, "Setup.EXE|640531C5CE99087040866F817A50E245", CF_IOC_FILE,
       "Setup.EXE|640531c5ce99087040866f817a50e245");

    const char *v = "x.exe|640531c5ce99087040866f817a50e245";
    CHECK_INT(cf_norm_file(&N, CF_IOC_SHA256, v, strlen(v)), CF_EMALFORMED);
    CHECK_STR(N.reason, "invalid sha256 hash: not 64 hexadecimal digits");
    CHECK_INT(cf_norm_file(&N, CF_IOC_MD5, v, strlen(v)), CF_OK);
    CHECK_STR(cf_buf_str(&N.value), v);
    CHECK_INT(N.type, CF_IOC_FILE);
    CHECK_INT(N.hash_type, CF_IOC_MD5);

    REJECT(CF_IOC_FILE, "report.pdf", "invalid file value: no '|' between file name and hash");
    REJECT(CF_IOC_FILE, "|640531c5ce99087040866f817a50e245", "invalid file value: empty file name");
    REJECT(CF_IOC_FILE, "a.exe|xyz", "invalid hash: not 32, 40, 64 or 128 hexadecimal digits");
}

static void test_endpoint(void)
{
    OK(CF_IOC_ENDPOINT, "198.51.100.7:443", CF_IOC_ENDPOINT, "198.51.100.7:443");
    CHECK_INT(N.port, 443);
    OK(CF_IOC_ENDPOINT, "[2001:DB8::1]:443", CF_IOC_ENDPOINT, "[2001:db8::1]:443");
    CHECK_INT(N.port, 443);
    OK(CF_IOC_ENDPOINT, "198.51.100.7:0443", CF_IOC_ENDPOINT, "198.51.100.7:443");
    OK(CF_IOC_ENDPOINT, "198.51.100.7:0", CF_IOC_ENDPOINT, "198.51.100.7:0");
    CHECK_INT(N.port, 0);
    OK(CF_IOC_ENDPOINT, "198.51.100.7:65535", CF_IOC_ENDPOINT, "198.51.100.7:65535");
    OK(CF_IOC_NONE, "198.51.100.91:443", CF_IOC_ENDPOINT, "198.51.100.91:443");
    OK(CF_IOC_NONE, "[::ffff:c000:20a]:8080", CF_IOC_ENDPOINT, "[::ffff:192.0.2.10]:8080");
    REJECT(CF_IOC_ENDPOINT, "198.51.100.7:65536",
           "invalid endpoint: port is not a number from 0 to 65535");
    REJECT(CF_IOC_ENDPOINT, "198.51.100.7:",
           "invalid endpoint: port is not a number from 0 to 65535");
    REJECT(CF_IOC_ENDPOINT, "198.51.100.7", "invalid endpoint: no port");
    REJECT(CF_IOC_ENDPOINT, "2001:db8::1:443",
           "invalid endpoint: IPv6 address must be written [address]:port");
    REJECT(CF_IOC_ENDPOINT, "[192.0.2.1]:80",
           "invalid endpoint: IPv6 address must be written [address]:port");
    REJECT(CF_IOC_ENDPOINT, "evil.example:443", "invalid endpoint: host is not an IP address");
    REJECT(CF_IOC_ENDPOINT, "198.51.100.300:80", "invalid IPv4 address: octet greater than 255");
    REJECT(CF_IOC_ENDPOINT, "0.0.0.0:80", "invalid endpoint: unspecified address");
}

static void test_asn_cve_text(void)
{
    OK(CF_IOC_ASN, "AS64496", CF_IOC_ASN, "AS64496");
    CHECK(!N.changed);
    OK(CF_IOC_ASN, "as64496", CF_IOC_ASN, "AS64496");
    CHECK(N.changed);
    OK(CF_IOC_ASN, "64496", CF_IOC_ASN, "AS64496");
    OK(CF_IOC_ASN, "ASN64496", CF_IOC_ASN, "AS64496");
    OK(CF_IOC_ASN, "AS 64496", CF_IOC_ASN, "AS64496");
    OK(CF_IOC_ASN, "AS0", CF_IOC_ASN, "AS0");
    OK(CF_IOC_ASN, "AS4294967295", CF_IOC_ASN, "AS4294967295");
    OK(CF_IOC_ASN, "AS1.10", CF_IOC_ASN, "AS65546");
    OK(CF_IOC_NONE, "asn64496", CF_IOC_ASN, "AS64496");
    REJECT(CF_IOC_ASN, "AS4294967296",
           "invalid AS number: expected AS followed by 0 to 4294967295");
    REJECT(CF_IOC_ASN, "AS", "invalid AS number: expected AS followed by 0 to 4294967295");
    REJECT(CF_IOC_ASN, "AS-1", "invalid AS number: expected AS followed by 0 to 4294967295");

    OK(CF_IOC_CVE, "cve-2024-3094", CF_IOC_CVE, "CVE-2024-3094");
    OK(CF_IOC_NONE, "CVE-2021-44228", CF_IOC_CVE, "CVE-2021-44228");
    REJECT(CF_IOC_CVE, "CVE-24-1", "invalid CVE id: expected CVE-YYYY-NNNN");
    REJECT(CF_IOC_CVE, "CVE-2024-123", "invalid CVE id: expected CVE-YYYY-NNNN");
    REJECT(CF_IOC_CVE, "CVE-2024-12a4", "invalid CVE id: expected CVE-YYYY-NNNN");

    OK(CF_IOC_REGKEY, " HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run ", CF_IOC_REGKEY,
       "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
    OK(CF_IOC_MUTEX, "Global\\{A1B2}", CF_IOC_MUTEX, "Global\\{A1B2}");
    OK(CF_IOC_FILENAME, "odd|name (1).exe", CF_IOC_FILENAME, "odd|name (1).exe");
    REJECT(CF_IOC_MUTEX, "bad\x01mutex", "invalid value: control character");
    REJECT(CF_IOC_USER_AGENT, "Mozilla\tx", "invalid value: control character");
}

static void test_detect(void)
{
    static const struct {
        const char *text;
        cf_ioc_type type;
    } cases[] = {
        {"http://x.example/", CF_IOC_URL},
        {"tcp://198.51.100.7:80", CF_IOC_URL},
        {"x.example/path", CF_IOC_URL},
        {"198.51.100.7", CF_IOC_IP},
        {"198.51.100.300", CF_IOC_IP},
        {"::ffff:192.0.2.10", CF_IOC_IP},
        {"2001:db8::1", CF_IOC_IP},
        {"2001:db8::1::2", CF_IOC_IP},
        {"fe80::1%eth0", CF_IOC_IP},
        {"198.51.100.0/24", CF_IOC_CIDR},
        {"2001:db8::/32", CF_IOC_CIDR},
        {"198.51.100.7:443", CF_IOC_ENDPOINT},
        {"[2001:db8::1]:443", CF_IOC_ENDPOINT},
        {"640531c5ce99087040866f817a50e245", CF_IOC_MD5},
        {"8da99503f3a6a34f1563068530f0872590079222", CF_IOC_SHA1},
        {"a.exe|640531c5ce99087040866f817a50e245", CF_IOC_FILE},
        {"3:abc:de", CF_IOC_SSDEEP},
        {"AS64496", CF_IOC_ASN},
        {"CVE-2024-3094", CF_IOC_CVE},
        {"a@x.example", CF_IOC_EMAIL},
        {"Name <a@x.example>", CF_IOC_EMAIL},
        {"x.example", CF_IOC_DOMAIN},
        {"b\xc3\xbc" "cher.example", CF_IOC_DOMAIN},
        {"evil.example:443", CF_IOC_NONE},
        {"hello world", CF_IOC_NONE},
        {"justaword", CF_IOC_NONE},
        {"", CF_IOC_NONE},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cf_ioc_type got = cf_detect_type(cases[i].text, strlen(cases[i].text));
        CHECK_INT(got, cases[i].type);
        if (got != cases[i].type) {
            fprintf(stderr, "  (detect '%s')\n", cases[i].text);
        }
    }
}

static void test_direct_calls(void)
{
    cf_norm m = CF_NORM_INIT;

    /* The per-type functions work on text already refanged and trimmed. */
    CHECK_INT(cf_norm_ip(&m, "192.0.2.1", 9), CF_OK);
    CHECK_STR(cf_buf_str(&m.value), "192.0.2.1");
    CHECK_INT(cf_norm_ip(&m, "10.0.0.1/8", 10), CF_OK);
    CHECK_INT(m.type, CF_IOC_CIDR);
    CHECK_STR(cf_buf_str(&m.value), "10.0.0.0/8");
    CHECK_INT(cf_norm_domain(&m, "Example.ORG", 11), CF_OK);
    CHECK_STR(cf_buf_str(&m.value), "example.org");
    CHECK(m.changed);
    CHECK_INT(cf_norm_url(&m, "HTTP://a.example/", 17), CF_OK);
    CHECK_STR(cf_buf_str(&m.value), "http://a.example/");
    CHECK_INT(cf_norm_email(&m, "A <b@C.example>", 15), CF_OK);
    CHECK_STR(cf_buf_str(&m.value), "b@c.example");
    CHECK_STR(cf_buf_str(&m.display_name), "A");
    CHECK_INT(cf_norm_endpoint(&m, "192.0.2.1:53", 12), CF_OK);
    CHECK_INT(m.port, 53);
    cf_norm_free(&m);
    cf_norm_free(&m);
    cf_norm_free(NULL);
}

int main(void)
{
    test_refang_case01();
    test_refang_more();
    test_prepare();
    test_ipv4();
    test_ipv6_case07();
    test_ipv6();
    test_cidr_case10();
    test_cidr();
    test_domain_case05();
    test_domain();
    test_url();
    test_email_case26();
    test_email();
    test_hashes();
    test_file_case13();
    test_endpoint();
    test_asn_cve_text();
    test_detect();
    test_direct_calls();
    cf_norm_free(&N);
    TEST_MAIN_END();
}
