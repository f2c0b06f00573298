/*
 * Text list reader tests with inline inputs: the text parts of cases 21
 * and 22 (CRLF, a last line without newline, BOMs, hosts files), trailing
 * comments, white-space columns (IPsum, DShield block), Spamhaus NDJSON
 * and the error paths.
 */
#include "ctiflow/reader.h"
#include "obsrec.h"
#include "testlib.h"

#define S(x) x, sizeof(x) - 1

static void check_texts(const obsrec *r, const char *const *want, const uint64_t *lines,
                        size_t n)
{
    CHECK_INT(r->n, n);
    for (size_t i = 0; i < n && i < r->n; i++) {
        CHECK_STR(r->obs[i].text, want[i]);
        CHECK_INT(r->obs[i].line, lines[i]);
    }
}

/* Case 21: CRLF everywhere, the last value without a terminator. */
static void test_case21_crlf(void)
{
    static const char data[] = "#\r\n"
                               "# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (recommended)\r\n"
                               "# Last updated: 2021-12-29 10:00:00 UTC\r\n"
                               "#\r\n"
                               "198.51.100.71\r\n"
                               "203.0.113.72\r\n"
                               "192.0.2.73";
    static const char *const want[] = {"198.51.100.71", "203.0.113.72", "192.0.2.73"};
    static const uint64_t lines[] = {5, 6, 7};
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, NULL, S(data), &err), CF_OK);
    check_texts(&r, want, lines, 3);
    CHECK_INT(r.with_cr, 0);
    CHECK_INT(r.n_diags, 0);
    rec_free(&r);
}

/* Case 22: BOM before a comment, before a value; hosts format. */
static void test_case22_bom_hosts(void)
{
    static const char hosts[] = "\xEF\xBB\xBF# Title: Example anti-malware hosts list\n"
                                "# Expires: 1 day\n"
                                "0.0.0.0 bad-one.example\n"
                                "0.0.0.0 bad-two.example # reported twice\n"
                                "0.0.0.0\tbad-three.example\n"
                                "127.0.0.1 localhost\n";
    static const char *const want[] = {"bad-one.example", "bad-two.example", "bad-three.example"};
    static const uint64_t lines[] = {3, 4, 5};
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, NULL, S(hosts), &err), CF_OK);
    check_texts(&r, want, lines, 3);
    for (size_t i = 0; i < r.n; i++) {
        CHECK_INT(r.obs[i].type, CF_IOC_DOMAIN);
    }
    if (r.n == 3) {
        CHECK_STR(r.obs[1].comment, "reported twice");
    }
    CHECK_INT(r.n_diags, 0);
    rec_free(&r);

    static const char doms[] = "\xEF\xBB\xBF" "bom-first.example\nsecond.example\n";
    static const char *const want2[] = {"bom-first.example", "second.example"};
    static const uint64_t lines2[] = {1, 2};
    obsrec d = {.keep_text = true};
    CHECK_INT(rec_read_mem(&d, CF_FMT_TEXT, NULL, S(doms), &err), CF_OK);
    check_texts(&d, want2, lines2, 2);
    rec_free(&d);
}

/* Spamhaus DROP: `;` comments, `CIDR ; SBL` with the SBL id as comment. */
static void test_spamhaus(void)
{
    static const char data[] = "; Spamhaus DROP List 2025/01/17\n"
                               "; https://www.spamhaus.org/drop/drop.txt\n"
                               "1.10.16.0/20 ; SBL256894\n"
                               "2a06:e480::/29 ; SBL301771\n"
                               "; EOF\n";
    static const char *const want[] = {"1.10.16.0/20", "2a06:e480::/29"};
    static const uint64_t lines[] = {3, 4};
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, "spamhaus-drop", S(data), &err), CF_OK);
    check_texts(&r, want, lines, 2);
    if (r.n == 2) {
        CHECK_STR(r.obs[0].comment, "SBL256894");
        CHECK_INT(r.obs[0].type, CF_IOC_CIDR);
        CHECK_INT(r.obs[0].confidence, 95);
        CHECK_STR(r.obs[0].labels, "spamhaus-drop");
    }
    rec_free(&r);

    static const char asn[] = "AS260 ; AE | XCONNECT24 - Xconnect24 Inc., US\n";
    obsrec a = {.keep_text = true};
    CHECK_INT(rec_read_mem(&a, CF_FMT_UNKNOWN, "spamhaus-asndrop", S(asn), &err), CF_OK);
    CHECK_INT(a.n, 1);
    if (a.n == 1) {
        CHECK_STR(a.obs[0].text, "AS260");
        CHECK_INT(a.obs[0].type, CF_IOC_ASN);
    }
    rec_free(&a);
}

/* Spamhaus NDJSON: one object per line, the metadata line skipped. */
static void test_ndjson(void)
{
    static const char data[] =
        "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\n"
        "{\"cidr\":\"1.19.0.0/16\",\"sblid\":\"SBL434604\",\"rir\":\"apnic\"}\n"
        "{\"type\":\"metadata\",\"timestamp\":1744682874,\"size\":85741,\"records\":2}";
    static const char *const want[] = {"1.10.16.0/20", "1.19.0.0/16"};
    static const uint64_t lines[] = {1, 2};
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, "spamhaus-drop-json", S(data), &err), CF_OK);
    check_texts(&r, want, lines, 2);
    if (r.n == 2) {
        CHECK_STR(r.obs[1].comment, "SBL434604");
    }
    CHECK_INT(r.n_diags, 0);
    rec_free(&r);
}

/* IPsum `IP<TAB>count` and DShield's `start end prefix ...` with a header row. */
static void test_columns(void)
{
    static const char ipsum[] = "# IP\tnumber of (black)lists\n"
                                "77.90.185.20\t10\n"
                                "2.57.122.53\t9\n";
    static const char *const want[] = {"77.90.185.20", "2.57.122.53"};
    static const uint64_t lines[] = {2, 3};
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, "ipsum", S(ipsum), &err), CF_OK);
    check_texts(&r, want, lines, 2);
    rec_free(&r);

    static const char block[] = "#   DShield.org Recommended Block List\n"
                                "Start\tEnd\tNetblock\tAttacks\tName\tCountry\temail\n"
                                "43.229.53.0\t43.229.53.255\t24\t788\tJapan Inet\tJP\ta@b.example\n"
                                "194.63.140.0\t194.63.140.255\t24\t585\t\t\t\n";
    static const char *const want2[] = {"43.229.53.0/24", "194.63.140.0/24"};
    static const uint64_t lines2[] = {3, 4};
    obsrec b = {.keep_text = true};
    CHECK_INT(rec_read_mem(&b, CF_FMT_UNKNOWN, "dshield-block", S(block), &err), CF_OK);
    check_texts(&b, want2, lines2, 2);
    if (b.n == 2) {
        CHECK_INT(b.obs[0].type, CF_IOC_CIDR);
    }
    CHECK_INT(b.n_diags, 0);
    rec_free(&b);

    static const char site[] = "#\n"
                               "Site\n"
                               "example.com\t\n"
                               "example.org\t\n";
    static const char *const want3[] = {"example.com", "example.org"};
    static const uint64_t lines3[] = {3, 4};
    obsrec s = {.keep_text = true};
    CHECK_INT(rec_read_mem(&s, CF_FMT_UNKNOWN, "dshield-suspicious-domains", S(site), &err),
              CF_OK);
    check_texts(&s, want3, lines3, 2);
    rec_free(&s);
}

/* Trailing `#` comments are cut only after white space (URL fragments stay). */
static void test_trailing_comments(void)
{
    static const char data[] = "http://a.example/page#frag\n"
                               "   http://b.example/   # note\n"
                               "\t# indented comment\n"
                               "\n"
                               "http://c.example/;x=1\n";
    static const char *const want[] = {"http://a.example/page#frag", "http://b.example/",
                                       "http://c.example/;x=1"};
    static const uint64_t lines[] = {1, 2, 5};
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_TEXT, "openphish", S(data), &err), CF_OK);
    check_texts(&r, want, lines, 3);
    if (r.n == 3) {
        CHECK_INT(r.obs[0].type, CF_IOC_URL);
        CHECK_STR(r.obs[1].comment, "note");
    }
    rec_free(&r);
}

static void test_errors(void)
{
    static const char bin[] = "192.0.2.1\n\x7f" "ELF\x02\x01\x01\0\0\0\n";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_TEXT, NULL, S(bin), &err), CF_EMALFORMED);
    CHECK_STR(err.msg, "binary data at line 2");
    CHECK_INT(r.n, 1);
    rec_free(&r);

    static const char utf[] = "good.example\nbad\xFF.example\nfine.example\n";
    obsrec u = {.keep_text = true};
    CHECK_INT(rec_read_mem(&u, CF_FMT_TEXT, NULL, S(utf), &err), CF_OK);
    CHECK_INT(u.n, 2);
    CHECK_INT(u.n_diags, 1);
    if (u.n_diags == 1) {
        CHECK_INT(u.diags[0].line, 2);
        CHECK_INT(u.diags[0].offset, 3);
    }
    rec_free(&u);

    obsrec e = {.keep_text = true};
    CHECK_INT(rec_read_mem(&e, CF_FMT_TEXT, NULL, "", 0, &err), CF_OK);
    CHECK_INT(e.n, 0);
    rec_free(&e);
}

int main(void)
{
    test_case21_crlf();
    test_case22_bom_hosts();
    test_spamhaus();
    test_ndjson();
    test_columns();
    test_trailing_comments();
    test_errors();
    TEST_MAIN_END();
}
