/*
 * STIX 2.1 building blocks: UUIDv5 vectors, the pattern of every IOC type
 * (bug-report cases 01, 03, 13 and 21 among them), pattern escaping,
 * deterministic SCO ids (case 05 and 07 values) and the TLP marking ids
 * (case 15).
 */
#include "ctiflow/stix.h"
#include "testlib.h"

static cf_ioc mk(cf_ioc_type type, const char *value)
{
    cf_ioc ioc;
    memset(&ioc, 0, sizeof(ioc));
    ioc.type = type;
    ioc.value = (char *)value;
    ioc.port = -1;
    ioc.confidence = -1;
    return ioc;
}

/* Pattern of (type, value) as a static string; "" on failure. */
static const char *pat(cf_ioc_type type, const char *value)
{
    static cf_buf b = CF_BUF_INIT;
    cf_ioc ioc = mk(type, value);
    cf_buf_reset(&b);
    if (cf_stix_pattern(&b, &ioc) != CF_OK) {
        return "";
    }
    return cf_buf_str(&b);
}

static const char *pat_file(const char *value, cf_ioc_type hash_type)
{
    static cf_buf b = CF_BUF_INIT;
    cf_ioc ioc = mk(CF_IOC_FILE, value);
    ioc.hash_type = hash_type;
    cf_buf_reset(&b);
    return cf_stix_pattern(&b, &ioc) == CF_OK ? cf_buf_str(&b) : "";
}

static const char *pat_endpoint(const char *value, int port)
{
    static cf_buf b = CF_BUF_INIT;
    cf_ioc ioc = mk(CF_IOC_ENDPOINT, value);
    ioc.port = port;
    cf_buf_reset(&b);
    return cf_stix_pattern(&b, &ioc) == CF_OK ? cf_buf_str(&b) : "";
}

static const char *sco(cf_ioc_type type, const char *value, cf_ioc_type hash_type)
{
    static cf_buf b = CF_BUF_INIT;
    cf_ioc ioc = mk(type, value);
    ioc.hash_type = hash_type;
    cf_buf_reset(&b);
    return cf_stix_sco_id(&b, &ioc) == CF_OK ? cf_buf_str(&b) : "(unsupported)";
}

static void test_uuid5(void)
{
    char u[37];
    const char *dns = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

    cf_uuid5(u, dns, "python.org", 10);
    CHECK_STR(u, "886313e1-3b8a-5372-9b90-0c9aee199e5d");

    /* CF_NS is documented as uuid5(DNS, "ctiflow.invalid"). */
    cf_uuid5(u, dns, "ctiflow.invalid", 15);
    CHECK_STR(u, CF_NS);
    CHECK_STR(CF_STIX_SCO_NS, "00abedb4-aa42-466c-9c01-fed23315a9b7");

    const char *name = "{\"value\":\"xn--bcher-kva.example\"}";
    cf_uuid5(u, CF_STIX_SCO_NS, name, strlen(name));
    CHECK_STR(u, "2756bcd2-4f67-5280-b058-56605b46834f");

    /* Version 5, RFC 4122 variant. */
    CHECK(u[14] == '5');
    CHECK(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');

    /* Names around the 240 bytes hashed in one update with the namespace (Python's uuid5). */
    char longname[501];
    memset(longname, 'x', 500);
    longname[500] = '\0';
    cf_uuid5(u, dns, longname, 240);
    CHECK_STR(u, "b1caeded-d115-5f12-b5ee-20d9944b06f7");
    cf_uuid5(u, dns, longname, 241);
    CHECK_STR(u, "79a60ce6-17ca-5a4f-9252-f9ce5bbd369a");
    cf_uuid5(u, dns, longname, 500);
    CHECK_STR(u, "03b4a837-b5ab-59de-989d-11515d6e79db");
}

static void test_patterns_simple(void)
{
    /* Case 01: refanged values in their patterns. */
    CHECK_STR(pat(CF_IOC_URL, "http://www.bad-one.example/path/index.php"),
              "[url:value = 'http://www.bad-one.example/path/index.php']");
    CHECK_STR(pat(CF_IOC_DOMAIN, "bad-five.example"), "[domain-name:value = 'bad-five.example']");
    CHECK_STR(pat(CF_IOC_IP, "198.51.100.23"), "[ipv4-addr:value = '198.51.100.23']");
    CHECK_STR(pat(CF_IOC_EMAIL, "alerts@bad-ten.example"),
              "[email-addr:value = 'alerts@bad-ten.example']");

    /* Case 07: IPv6, including the IPv4-mapped form with dots. */
    CHECK_STR(pat(CF_IOC_IP, "2001:db8::1"), "[ipv6-addr:value = '2001:db8::1']");
    CHECK_STR(pat(CF_IOC_IP, "::ffff:192.0.2.10"), "[ipv6-addr:value = '::ffff:192.0.2.10']");
    CHECK_STR(pat(CF_IOC_CIDR, "198.51.100.88/29"), "[ipv4-addr:value = '198.51.100.88/29']");
    CHECK_STR(pat(CF_IOC_CIDR, "2001:db8::/32"), "[ipv6-addr:value = '2001:db8::/32']");

    CHECK_STR(pat(CF_IOC_MD5, "640531c5ce99087040866f817a50e245"),
              "[file:hashes.MD5 = '640531c5ce99087040866f817a50e245']");
    CHECK_STR(pat(CF_IOC_SHA1, "8da99503f3a6a34f1563068530f0872590079222"),
              "[file:hashes.'SHA-1' = '8da99503f3a6a34f1563068530f0872590079222']");
    CHECK_STR(
        pat(CF_IOC_SHA256, "dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1"),
        "[file:hashes.'SHA-256' = "
        "'dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1']");
    CHECK_STR(pat(CF_IOC_SHA512, "ab"), "[file:hashes.'SHA-512' = 'ab']");
    CHECK_STR(pat(CF_IOC_SSDEEP, "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"),
              "[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']");
    CHECK_STR(pat(CF_IOC_TLSH, "T1A2B3"), "[file:hashes.TLSH = 'T1A2B3']");
    CHECK_STR(pat(CF_IOC_FILENAME, "invoice.exe"), "[file:name = 'invoice.exe']");
    CHECK_STR(pat(CF_IOC_ASN, "AS64496"), "[autonomous-system:number = 64496]");
    CHECK_STR(pat(CF_IOC_JA3, "e7d705a3286e19ea42f587b344ee6865"),
              "[network-traffic:extensions.'x-ja3-ext'.ja3_hash = "
              "'e7d705a3286e19ea42f587b344ee6865']");
    CHECK_STR(pat(CF_IOC_X509_SHA1, "8da99503f3a6a34f1563068530f0872590079222"),
              "[x509-certificate:hashes.'SHA-1' = '8da99503f3a6a34f1563068530f0872590079222']");
    CHECK_STR(pat(CF_IOC_REGKEY, "HKEY_LOCAL_MACHINE\\Software\\Run"),
              "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Run']");
    CHECK_STR(pat(CF_IOC_MUTEX, "Global\\evil"), "[mutex:name = 'Global\\\\evil']");
    /* Abbreviated hives get their full name (STIX 2.1 section 6.13). */
    CHECK_STR(pat(CF_IOC_REGKEY, "HKLM\\Software\\Run"),
              "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Run']");
    CHECK_STR(pat(CF_IOC_REGKEY, "hkcu\\x"),
              "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\x']");
    CHECK_STR(pat(CF_IOC_REGKEY, "HKU"), "[windows-registry-key:key = 'HKEY_USERS']");
    CHECK_STR(pat(CF_IOC_REGKEY, "HKUX\\y"), "[windows-registry-key:key = 'HKUX\\\\y']");
    CHECK_STR(pat(CF_IOC_USER_AGENT, "Mozilla/4.0 (compatible)"),
              "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = "
              "'Mozilla/4.0 (compatible)']");
}

static void test_patterns_escape(void)
{
    /* Case 03. */
    CHECK_STR(pat(CF_IOC_URL, "http://example.com/evil.txt')"),
              "[url:value = 'http://example.com/evil.txt\\')']");
    CHECK_STR(pat(CF_IOC_URL, "http://shop.example.org/item?name=o'brien&id=7"),
              "[url:value = 'http://shop.example.org/item?name=o\\'brien&id=7']");
    CHECK_STR(pat(CF_IOC_FILENAME, "quarterly report's draft.doc"),
              "[file:name = 'quarterly report\\'s draft.doc']");

    cf_buf b = CF_BUF_INIT;
    CHECK_INT(cf_stix_escape(&b, "a'b\\c''", 7), CF_OK);
    CHECK_STR(cf_buf_str(&b), "a\\'b\\\\c\\'\\'");
    cf_buf_reset(&b);
    CHECK_INT(cf_stix_escape(&b, "plain", 5), CF_OK);
    CHECK_STR(cf_buf_str(&b), "plain");
    cf_buf_free(&b);
}

static void test_patterns_file(void)
{
    /* Case 13: composites split at the last '|'. */
    CHECK_STR(pat_file("invoice_0424.exe|"
                       "dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1",
                       CF_IOC_SHA256),
              "[file:name = 'invoice_0424.exe' AND file:hashes.'SHA-256' = "
              "'dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1']");
    CHECK_STR(pat_file("report.pdf|640531c5ce99087040866f817a50e245", CF_IOC_MD5),
              "[file:name = 'report.pdf' AND file:hashes.MD5 = "
              "'640531c5ce99087040866f817a50e245']");
    CHECK_STR(pat_file("odd|name.sh|8da99503f3a6a34f1563068530f0872590079222", CF_IOC_SHA1),
              "[file:name = 'odd|name.sh' AND file:hashes.'SHA-1' = "
              "'8da99503f3a6a34f1563068530f0872590079222']");
    /* Without hash_type the digest length decides. */
    CHECK_STR(pat_file("a'b.exe|640531c5ce99087040866f817a50e245", CF_IOC_NONE),
              "[file:name = 'a\\'b.exe' AND file:hashes.MD5 = "
              "'640531c5ce99087040866f817a50e245']");
    CHECK_STR(pat_file("no-bar", CF_IOC_SHA256), "");
}

static void test_patterns_endpoint(void)
{
    /* Case 21. */
    CHECK_STR(pat_endpoint("198.51.100.81:443", 443),
              "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
              "'198.51.100.81' AND network-traffic:dst_port = 443]");
    CHECK_STR(pat_endpoint("203.0.113.82:8443", -1),
              "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
              "'203.0.113.82' AND network-traffic:dst_port = 8443]");
    CHECK_STR(pat_endpoint("[2001:db8::1]:443", 443),
              "[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = "
              "'2001:db8::1' AND network-traffic:dst_port = 443]");
    CHECK_STR(pat_endpoint("198.51.100.81", -1), "");
}

static void test_patterns_unsupported(void)
{
    cf_buf b = CF_BUF_INIT;
    cf_ioc cve = mk(CF_IOC_CVE, "CVE-2021-44228");
    CHECK_INT(cf_stix_pattern(&b, &cve), CF_EUNSUPPORTED);
    CHECK_INT(b.len, 0);
    cf_ioc asn = mk(CF_IOC_ASN, "ASX");
    CHECK_INT(cf_stix_pattern(&b, &asn), CF_EMALFORMED);

    /* Appends after what the buffer held. */
    cf_buf_puts(&b, "x");
    cf_ioc d = mk(CF_IOC_DOMAIN, "a.example");
    CHECK_INT(cf_stix_pattern(&b, &d), CF_OK);
    CHECK_STR(cf_buf_str(&b), "x[domain-name:value = 'a.example']");
    cf_buf_free(&b);
}

static void test_indicator_id(void)
{
    char id[64];
    cf_stix_indicator_id(id, "[domain-name:value = 'bad-five.example']");
    CHECK_STR(id, "indicator--a4745b2a-61f5-56da-bd87-016c08486ea3");
}

static void test_sco_ids(void)
{
    /* Cases 05 and 07. */
    CHECK_STR(sco(CF_IOC_DOMAIN, "xn--bcher-kva.example", 0),
              "domain-name--2756bcd2-4f67-5280-b058-56605b46834f");
    CHECK_STR(sco(CF_IOC_DOMAIN, "shop.xn--bcher-kva.example", 0),
              "domain-name--99baab55-a49d-5b46-9109-9a062fb512ff");
    CHECK_STR(sco(CF_IOC_DOMAIN, "xn--e1afmkfd.example", 0),
              "domain-name--ad19d18b-12a3-58b2-bc48-966563ea3c1c");
    CHECK_STR(sco(CF_IOC_IP, "2001:db8::1", 0), "ipv6-addr--6469e3a9-b053-5e34-a025-9396ae051d26");
    CHECK_STR(sco(CF_IOC_IP, "::ffff:192.0.2.10", 0),
              "ipv6-addr--c63af435-58e6-5d56-a442-a9d1bb2d0939");
    CHECK_STR(sco(CF_IOC_URL, "http://malware.example.net/bin.sh", 0),
              "url--1d32f9b7-040c-572e-9c3e-9a31c37c3685");
    CHECK_STR(sco(CF_IOC_IP, "198.51.100.23", 0),
              "ipv4-addr--cec0294c-86c8-52cc-8448-ba43593736df");
    CHECK_STR(sco(CF_IOC_EMAIL, "alerts@bad-ten.example", 0),
              "email-addr--05833088-cae0-5067-8712-d63f69869f0e");

    /* File SCOs: {"hashes":{...}} and then "name", in RFC 8785 key order. */
    CHECK_STR(
        sco(CF_IOC_SHA256, "dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1", 0),
        "file--df1508d1-4768-5e0e-95f1-da747470f6e8");
    CHECK_STR(sco(CF_IOC_FILE,
                  "invoice_0424.exe|"
                  "dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1",
                  CF_IOC_SHA256),
              "file--54e37458-90d9-5803-b1aa-8feff0475563");
    CHECK_STR(sco(CF_IOC_FILE, "odd|name.sh|640531c5ce99087040866f817a50e245", CF_IOC_MD5),
              "file--a3971bae-9071-5d5a-9090-bdc610b0956b");
    CHECK_STR(sco(CF_IOC_FILENAME, "quarterly report's draft.doc", 0),
              "file--92bbb91b-cd04-546b-956b-60279a9241bc");
    CHECK_STR(sco(CF_IOC_ASN, "AS64496", 0),
              "autonomous-system--9ad79ee3-2fde-5015-b0cc-7a96404effca");
    CHECK_STR(sco(CF_IOC_REGKEY, "HKEY_LOCAL_MACHINE\\Software\\Run", 0),
              "windows-registry-key--24f36866-8ff5-5ab0-b34a-dd64f23f023b");
    CHECK_STR(sco(CF_IOC_REGKEY, "HKLM\\Software\\Run", 0),
              "windows-registry-key--24f36866-8ff5-5ab0-b34a-dd64f23f023b");
    /* RFC 8785 escapes: quote, backslash, \b short form, other controls as \u00xx. */
    CHECK_STR(sco(CF_IOC_URL, "a\"b\\c\bd\x01", 0), "url--791619a6-457f-5e0f-9094-ab7b3f401aae");

    CHECK_STR(sco(CF_IOC_CVE, "CVE-2021-44228", 0), "(unsupported)");
    CHECK_STR(sco(CF_IOC_ENDPOINT, "198.51.100.81:443", 0), "(unsupported)");
    CHECK_STR(sco(CF_IOC_USER_AGENT, "curl/8", 0), "(unsupported)");
}

static void test_tlp(void)
{
    /* Case 15: TLP 1.0 ids for the four colours STIX 2.1 fixes. */
    CHECK_STR(cf_stix_tlp_marking_id(CF_TLP_CLEAR),
              "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9");
    CHECK_STR(cf_stix_tlp_marking_id(CF_TLP_GREEN),
              "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da");
    CHECK_STR(cf_stix_tlp_marking_id(CF_TLP_AMBER),
              "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82");
    CHECK_STR(cf_stix_tlp_marking_id(CF_TLP_RED),
              "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed");
    CHECK_STR(cf_stix_tlp_marking_id(CF_TLP_AMBER_STRICT),
              "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
    CHECK(cf_stix_tlp_marking_id(CF_TLP_NONE) == NULL);

    CHECK_INT(
        cf_stix_tlp_from_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
        CF_TLP_CLEAR);
    CHECK_INT(
        cf_stix_tlp_from_marking_id("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"),
        CF_TLP_RED);
    /* TLP 2.0 ids read back too. */
    CHECK_INT(
        cf_stix_tlp_from_marking_id("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
        CF_TLP_CLEAR);
    CHECK_INT(
        cf_stix_tlp_from_marking_id("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
        CF_TLP_GREEN);
    CHECK_INT(
        cf_stix_tlp_from_marking_id("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
        CF_TLP_AMBER);
    CHECK_INT(
        cf_stix_tlp_from_marking_id("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
        CF_TLP_AMBER_STRICT);
    CHECK_INT(
        cf_stix_tlp_from_marking_id("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
        CF_TLP_RED);
    CHECK_INT(
        cf_stix_tlp_from_marking_id("marking-definition--00000000-0000-4000-8000-000000000000"),
        CF_TLP_NONE);
    CHECK_INT(cf_stix_tlp_from_marking_id(NULL), CF_TLP_NONE);
}

int main(void)
{
    test_uuid5();
    test_patterns_simple();
    test_patterns_escape();
    test_patterns_file();
    test_patterns_endpoint();
    test_patterns_unsupported();
    test_indicator_id();
    test_sco_ids();
    test_tlp();
    TEST_MAIN_END();
}
