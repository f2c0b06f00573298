/*
 * CSV reader, input decoding and line reader tests with inline inputs:
 * the CSV parts of cases 10, 19, 21, 22 and 26, feed quirks (ThreatFox's
 * `", "`, padded dataplane columns, headers in comments, type columns,
 * fallback chains, quoted line breaks) and the error paths (damaged
 * archives, binary data, invalid UTF-8, over-long lines).
 */
#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"
#include "ctiflow/reader.h"
#include "obsrec.h"
#include "testlib.h"

#define S(x) x, sizeof(x) - 1

static cf_profile *parse_profile(const char *json)
{
    cf_profile *p = NULL;
    cf_error err;
    cf_error_clear(&err);
    if (cf_profile_parse(&p, json, strlen(json), "test", &err) != CF_OK) {
        fprintf(stderr, "profile: %s\n", err.msg);
    }
    return p;
}

static cf_status read_with(obsrec *r, const cf_profile *p, const char *data, size_t len,
                           cf_error *err)
{
    cf_input *in = NULL;
    cf_read_opts o;
    cf_read_opts_init(&o);
    o.profile = p;
    cf_error_clear(err);
    cf_status st = cf_input_open_mem(&in, "t.csv", data, len, err);
    if (st != CF_OK) {
        return st;
    }
    cf_sink s = rec_sink(r);
    st = cf_read_csv(in, &o, &s, err);
    cf_input_close(in);
    return st;
}

/* Case 21: CRLF, one bare LF line, header in a comment; no CR in values. */
static void test_case21_crlf(void)
{
    static const char data[] =
        "################################################################\r\n"
        "# abuse.ch SSLBL Botnet C2 IP Blacklist (CSV)                  #\r\n"
        "################################################################\r\n"
        "#\r\n"
        "# Firstseen,DstIP,DstPort\r\n"
        "2021-12-28 10:00:00,198.51.100.81,443\r\n"
        "2021-12-28 11:00:00,203.0.113.82,8443\n"
        "2021-12-28 12:00:00,192.0.2.83,447\r\n"
        "# END 3 entries\r\n";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_CSV, NULL, S(data), &err), CF_OK);
    CHECK_INT(r.n, 3);
    CHECK_INT(r.with_cr, 0);
    CHECK_INT(r.n_diags, 0);
    if (r.n == 3) {
        CHECK_STR(r.obs[0].text, "198.51.100.81:443");
        CHECK_INT(r.obs[0].type, CF_IOC_ENDPOINT);
        CHECK_INT(r.obs[0].line, 6);
        CHECK_STR(r.obs[1].text, "203.0.113.82:8443");
        CHECK_INT(r.obs[1].line, 7);
        CHECK_STR(r.obs[2].text, "192.0.2.83:447");
        CHECK_INT(r.obs[2].line, 8);
        CHECK_INT(r.obs[0].first_seen, 1640685600000LL);
    }
    rec_free(&r);
}

/* Case 22: a BOM before the quoted header; first_seen_utc still matches. */
static void test_case22_bom(void)
{
    static const char data[] =
        "\xEF\xBB\xBF\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\","
        "\"malware\"\n"
        "\"2025-11-01 08:00:00\",\"198.51.100.91\",\"443\",\"online\",\"2025-11-09\",\"QakBot\"\n";
    const char *profiles[] = {NULL, "feodotracker"};
    for (int i = 0; i < 2; i++) {
        obsrec r = {.keep_text = true};
        cf_error err;
        CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, profiles[i], S(data), &err), CF_OK);
        CHECK_INT(r.n, 1);
        CHECK_INT(r.n_diags, 0);
        if (r.n == 1) {
            CHECK_STR(r.obs[0].text, "198.51.100.91:443");
            CHECK_INT(r.obs[0].type, CF_IOC_ENDPOINT);
            CHECK_INT(r.obs[0].line, 2);
            CHECK_INT(r.obs[0].first_seen, 1761984000000LL); /* 2025-11-01T08:00:00Z */
            CHECK_STR(r.obs[0].malware, "QakBot");
        }
        rec_free(&r);
    }
}

/* Case 26 (CSV part): "" inside quotes, a quoted comma, unquoted spaces. */
static void test_case26_quoting(void)
{
    static const char data[] =
        "first_seen,sender,subject\n"
        "2024-02-01 09:00:00,\"\"\"Payroll Team\"\" <payroll@bad-sender.example>\",Salary update\n"
        "2024-02-01 09:05:00,Jane Example <jane.example@bad-sender.example>,\"Invoice, overdue\"\n"
        "2024-02-01 09:10:00,<NoReply@Bad-Sender.EXAMPLE>,Reset\n"
        "2024-02-01 09:15:00,plain@bad-sender.example,Hello\n"
        "2024-02-01 09:20:00,Not An Address <nobody>,Broken\n";
    cf_profile *p = parse_profile(
        "{\"name\":\"senders\",\"header\":\"row\",\"columns\":["
        "{\"name\":\"first_seen\",\"role\":\"first_seen\"},"
        "{\"name\":\"sender\",\"role\":\"value\",\"types\":[\"email\"]},"
        "{\"name\":\"subject\",\"role\":\"comment\"}]}");
    CHECK(p != NULL);
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(read_with(&r, p, S(data), &err), CF_OK);
    CHECK_INT(r.n, 5);
    if (r.n == 5) {
        CHECK_STR(r.obs[0].text, "\"Payroll Team\" <payroll@bad-sender.example>");
        CHECK_STR(r.obs[0].comment, "Salary update");
        CHECK_STR(r.obs[1].text, "Jane Example <jane.example@bad-sender.example>");
        CHECK_STR(r.obs[1].comment, "Invoice, overdue");
        CHECK_STR(r.obs[2].text, "<NoReply@Bad-Sender.EXAMPLE>");
        CHECK_STR(r.obs[4].text, "Not An Address <nobody>");
        CHECK_INT(r.obs[4].line, 6);
        CHECK_INT(r.obs[0].type, CF_IOC_EMAIL);
    }
    rec_free(&r);

    /* Without a profile the "sender" column is found by name. */
    obsrec g = {.keep_text = true};
    CHECK_INT(rec_read_mem(&g, CF_FMT_UNKNOWN, NULL, S(data), &err), CF_OK);
    CHECK_INT(g.n, 5);
    if (g.n == 5) {
        CHECK_STR(g.obs[0].text, "\"Payroll Team\" <payroll@bad-sender.example>");
        CHECK_INT(g.obs[0].type, CF_IOC_EMAIL);
    }
    rec_free(&g);
    cf_profile_free(p);
}

/* Case 10: networks in a column named "ip" are passed on with the ip hint. */
static void test_case10_ip_column(void)
{
    static const char data[] =
        "\"timestamp\",\"ip\",\"asn\",\"geo\",\"region\",\"city\",\"source\",\"description\"\n"
        "\"2021-01-21 00:00:00\",\"198.51.100.88/29\",\"64500\",\"ZZ\",\"\",\"\",\"x\",\"n\"\n"
        "\"2021-01-21 00:00:00\",\"203.0.113.77/24\",\"64501\",\"ZZ\",\"\",\"\",\"x\",\"n\"\n"
        "\"2021-01-21 00:00:00\",\"192.0.2.5/32\",\"64502\",\"ZZ\",\"\",\"\",\"x\",\"h\"\n"
        "\"2021-01-21 00:00:00\",\"192.0.2.5\",\"64502\",\"ZZ\",\"\",\"\",\"x\",\"h\"\n"
        "\"2021-01-21 00:00:00\",\"2001:db8:1234::9/48\",\"64503\",\"ZZ\",\"\",\"\",\"x\",\"n\"\n"
        "\"2021-01-21 00:00:00\",\"198.51.100.300/24\",\"64504\",\"ZZ\",\"\",\"\",\"x\",\"b\"\n";
    static const char *const want[] = {"198.51.100.88/29", "203.0.113.77/24", "192.0.2.5/32",
                                       "192.0.2.5", "2001:db8:1234::9/48", "198.51.100.300/24"};
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, NULL, S(data), &err), CF_OK);
    CHECK_INT(r.n, 6);
    for (size_t i = 0; i < r.n && i < 6; i++) {
        CHECK_STR(r.obs[i].text, want[i]);
        CHECK_INT(r.obs[i].type, CF_IOC_IP);
        CHECK_INT(r.obs[i].line, i + 2);
        CHECK_INT(r.obs[i].first_seen, 1611187200000LL);
    }
    rec_free(&r);
}

/* Case 19's member: URLhaus layout, banner with a defanged address, tags. */
static const char case19_member[] =
    "################################################################\n"
    "# abuse.ch URLhaus Database Dump (CSV)                         #\n"
    "# Last updated: 2020-04-15 15:07:33 (UTC)                      #\n"
    "#                                                              #\n"
    "# Terms Of Use: https://feed.example/api/                       #\n"
    "# For questions please contact feeds [at] example.org          #\n"
    "################################################################\n"
    "#\n"
    "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
    "\"900003\",\"2020-04-15 15:07:33\",\"http://198.51.100.170:33935/Mozi.m\",\"online\","
    "\"2020-04-15 15:07:33\",\"malware_download\",\"elf,Mozi\","
    "\"https://feed.example/url/900003/\",\"reporter_x\"\n"
    "\"900002\",\"2020-04-15 15:07:30\",\"http://203.0.113.40:49688/Mozi.a\",\"online\",\"\","
    "\"malware_download\",\"elf,Mozi,32-bit,arm\",\"https://feed.example/url/900002/\","
    "\"reporter_x\"\n"
    "\"900001\",\"2020-04-15 15:07:26\",\"http://dl.example.org/bins/x86\",\"offline\","
    "\"2020-04-15 14:00:00\",\"malware_download\",\"\",\"https://feed.example/url/900001/\","
    "\"reporter_y\"\n";

static void check_case19(const obsrec *r)
{
    CHECK_INT(r->n, 3);
    if (r->n != 3) {
        return;
    }
    CHECK_STR(r->obs[0].text, "http://198.51.100.170:33935/Mozi.m");
    CHECK_INT(r->obs[0].line, 10);
    CHECK_STR(r->obs[0].labels, "urlhaus;malware-distribution;malware_download;elf;Mozi");
    CHECK_STR(r->obs[1].text, "http://203.0.113.40:49688/Mozi.a");
    CHECK_INT(r->obs[1].line, 11);
    CHECK_INT(r->obs[1].last_seen, CF_TIME_NONE);
    CHECK_STR(r->obs[1].labels,
              "urlhaus;malware-distribution;malware_download;elf;Mozi;32-bit;arm");
    CHECK_STR(r->obs[2].text, "http://dl.example.org/bins/x86");
    CHECK_INT(r->obs[2].line, 12);
    CHECK_STR(r->obs[2].labels, "urlhaus;malware-distribution;malware_download");
    CHECK_INT(r->obs[2].type, CF_IOC_URL);
}

/* A ZIP archive holding one member, written with libarchive into memory. */
static size_t make_zip(char *out, size_t cap, const char *name, const char *data, size_t len)
{
    size_t used = 0;
    struct archive *a = archive_write_new();
    archive_write_set_format_zip(a);
    archive_write_open_memory(a, out, cap, &used);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data, len);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return used;
}

static void test_case19_zip(void)
{
    static char zip[16384];
    size_t zlen = make_zip(zip, sizeof zip, "csv.txt", S(case19_member));
    CHECK(zlen > 4 && memcmp(zip, "PK\x03\x04", 4) == 0);

    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, "urlhaus", zip, zlen, &err), CF_OK);
    check_case19(&r);
    rec_free(&r);

    /* The first half of the archive: an error naming the damage, no data. */
    obsrec t = {.keep_text = true};
    cf_status st = rec_read_mem(&t, CF_FMT_UNKNOWN, "urlhaus", zip, zlen / 2, &err);
    CHECK_INT(st, CF_EMALFORMED);
    CHECK(strstr(err.msg, "damaged or incomplete") != NULL);
    CHECK_INT(t.n, 0);
    rec_free(&t);

    /* The case's own files when the shared cases are present. */
    const char *cases = getenv("CASES");
    char path[1024];
    snprintf(path, sizeof path, "%s/19-urlhaus-zip-archive/csv.zip",
             cases ? cases : "../shared/cases");
    if (access(path, R_OK) != 0) {
        printf("note: %s absent, case 19 files not read\n", path);
        return;
    }
    obsrec c = {.keep_text = true};
    CHECK_INT(rec_read_file(&c, CF_FMT_UNKNOWN, "urlhaus", path, &err), CF_OK);
    check_case19(&c);
    rec_free(&c);
    snprintf(path, sizeof path, "%s/19-urlhaus-zip-archive/csv_truncated.zip",
             cases ? cases : "../shared/cases");
    obsrec ct = {.keep_text = true};
    CHECK_INT(rec_read_file(&ct, CF_FMT_UNKNOWN, "urlhaus", path, &err), CF_EMALFORMED);
    CHECK(strstr(err.msg, "damaged or incomplete") != NULL);
    CHECK_INT(ct.n, 0);
    rec_free(&ct);
}

static size_t make_gzip(unsigned char *out, size_t cap, const char *data, size_t len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (unsigned char *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    return n;
}

static void test_gzip(void)
{
    static unsigned char gz[8192];
    size_t n = make_gzip(gz, sizeof gz, S(case19_member));
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, "urlhaus", (char *)gz, n, &err), CF_OK);
    check_case19(&r);
    rec_free(&r);

    obsrec t = {.keep_text = true};
    CHECK_INT(rec_read_mem(&t, CF_FMT_UNKNOWN, "urlhaus", (char *)gz, n - 12, &err),
              CF_EMALFORMED);
    CHECK(strstr(err.msg, "truncated") != NULL);
    rec_free(&t);
}

/* ThreatFox: `", "` between quoted fields, header in the last comment, ioc_type. */
static void test_threatfox(void)
{
    static const char data[] =
        "# ThreatFox IOCs\n"
        "#\n"
        "# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\",\"fk_malware\","
        "\"malware_alias\",\"malware_printable\",\"last_seen_utc\",\"confidence_level\","
        "\"reference\",\"tags\",\"anonymous\",\"reporter\"\n"
        "\"2025-12-07 13:05:49\", \"1\", \"192.0.2.10:8080\", \"ip:port\", \"botnet_cc\", "
        "\"win.x\", \"None\", \"XWorm\", \"\", \"75\", \"\", \"c2,xworm\", \"0\", \"a\"\n"
        "\"2025-12-07 13:05:50\", \"2\", \"bad.example\", \"domain\", \"botnet_cc\", "
        "\"win.x\", \"None\", \"XWorm\", \"2025-12-08 00:00:00\", \"50\", \"\", \"None\", \"0\", "
        "\"a\"\n"
        "\"2025-12-07 13:05:51\", \"3\", \"44d88612fea8a8f36de82e1278abb02f\", \"md5_hash\", "
        "\"payload\", \"win.x\", \"None\", \"XWorm\", \"\", \"100\", \"\", \"\", \"0\", \"a\"\n"
        "\"2025-12-07 13:05:52\", \"4\", \"x\", \"weird_type\", \"payload\", \"win.x\", \"None\", "
        "\"XWorm\", \"\", \"100\", \"\", \"\", \"0\", \"a\"\n"
        "# Number of entries: 4";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, "threatfox", S(data), &err), CF_OK);
    CHECK_INT(r.n, 3);
    if (r.n == 3) {
        CHECK_STR(r.obs[0].text, "192.0.2.10:8080");
        CHECK_INT(r.obs[0].type, CF_IOC_ENDPOINT);
        CHECK_INT(r.obs[0].confidence, 75);
        CHECK_STR(r.obs[0].labels, "threatfox;botnet_cc;c2;xworm");
        CHECK_STR(r.obs[0].malware, "XWorm");
        CHECK_INT(r.obs[0].line, 4);
        CHECK_STR(r.obs[1].text, "bad.example");
        CHECK_INT(r.obs[1].type, CF_IOC_DOMAIN);
        CHECK_STR(r.obs[1].labels, "threatfox;botnet_cc");
        CHECK_INT(r.obs[1].last_seen, 1765152000000LL);
        CHECK_INT(r.obs[2].type, CF_IOC_MD5);
        CHECK_INT(r.obs[2].confidence, 100);
    }
    CHECK_INT(r.n_diags, 1);
    if (r.n_diags == 1) {
        CHECK_INT(r.diags[0].line, 7);
        CHECK_STR(r.diags[0].reason, "unsupported IOC type");
    }
    rec_free(&r);
}

/* dataplane: `|` padded with spaces, a name holding single-spaced pipes. */
static void test_dataplane(void)
{
    static const char data[] =
        "# ASN  |  ASname  |  saddr  |  utc  |  category\n"
        "NA           |  NA                              |  170.239.104.183  |  "
        "2016-12-01 04:26:48  |  sshpwauth\n"
        "1            |  TEST-AS company | With | pipe   |  1.2.3.4          |  "
        "2024-04-02 12:00:00  |  sshpwauth\n";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, "dataplane", S(data), &err), CF_OK);
    CHECK_INT(r.n, 2);
    if (r.n == 2) {
        CHECK_STR(r.obs[0].text, "170.239.104.183");
        CHECK_STR(r.obs[1].text, "1.2.3.4");
        CHECK_INT(r.obs[1].line, 3);
        CHECK_STR(r.obs[1].labels, "dataplane;sshpwauth");
        CHECK_INT(r.obs[1].last_seen, 1712059200000LL);
    }
    rec_free(&r);
}

/* Delimiters from the profile, positions, a time format, a fallback chain. */
static void test_delimiters_and_fallback(void)
{
    static const char *const delims[] = {"\\t", ";", "|"};
    static const char *const raw[] = {"\t", ";", "|"};
    for (int d = 0; d < 3; d++) {
        char json[512], data[512];
        snprintf(json, sizeof json,
                 "{\"name\":\"t\",\"delimiter\":\"%s\",\"header\":\"none\","
                 "\"time_format\":\"%%d/%%m/%%Y\",\"columns\":["
                 "{\"index\":0,\"role\":\"value\",\"types\":[\"url\",\"domain\",\"ip\"]},"
                 "{\"index\":1,\"role\":\"first_seen\"}]}",
                 delims[d]);
        snprintf(data, sizeof data,
                 "http://a.example/x%s02/01/2024\n"
                 "b.example%s03/01/2024\n"
                 "192.0.2.1%s04/01/2024\n"
                 "\"q%sx\"%s05/01/2024\n",
                 raw[d], raw[d], raw[d], raw[d], raw[d]);
        cf_profile *p = parse_profile(json);
        CHECK(p != NULL);
        obsrec r = {.keep_text = true};
        cf_error err;
        CHECK_INT(read_with(&r, p, data, strlen(data), &err), CF_OK);
        CHECK_INT(r.n, 4);
        if (r.n == 4) {
            CHECK_INT(r.obs[0].type, CF_IOC_URL);
            CHECK_INT(r.obs[1].type, CF_IOC_DOMAIN);
            CHECK_STR(r.obs[1].text, "b.example");
            CHECK_INT(r.obs[2].type, CF_IOC_IP);
            CHECK_INT(r.obs[0].first_seen, 1704153600000LL); /* 2024-01-02 */
            CHECK_INT(r.obs[2].first_seen, 1704326400000LL);
            char want[8];
            snprintf(want, sizeof want, "q%sx", raw[d]);
            CHECK_STR(r.obs[3].text, want);
            CHECK_INT(r.obs[3].type, CF_IOC_URL); /* nothing accepts it: the first type */
        }
        rec_free(&r);
        cf_profile_free(p);
    }
}

/* MISP CSV export: the type column, composites and non-IOC types. */
static void test_misp_types(void)
{
    static const char data[] =
        "uuid,event_id,category,type,value,comment,to_ids,date\n"
        "\"u1\",1,\"Network activity\",\"ip-dst|port\",\"192.0.2.7|443\",\"\",1,1418217066\n"
        "\"u2\",1,\"Network activity\",\"domain|ip\",\"evil.example|192.0.2.8\",\"\",1,1418217066\n"
        "\"u3\",1,\"Payload delivery\",\"filename|sha256\",\"a.exe|"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\"x\",1,1418217066\n"
        "\"u4\",1,\"External analysis\",\"link\",\"https://ref.example/\",\"\",0,1418217066\n"
        "\"u5\",1,\"Network activity\",\"ip-src|port\",\"2001:db8::1|53\",\"\",1,1418217066\n";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, "misp-csv", S(data), &err), CF_OK);
    CHECK_INT(r.n, 5);
    if (r.n == 5) {
        CHECK_STR(r.obs[0].text, "192.0.2.7:443");
        CHECK_INT(r.obs[0].type, CF_IOC_ENDPOINT);
        CHECK_STR(r.obs[1].text, "evil.example");
        CHECK_INT(r.obs[1].type, CF_IOC_DOMAIN);
        CHECK_STR(r.obs[2].text, "192.0.2.8");
        CHECK_INT(r.obs[2].type, CF_IOC_IP);
        CHECK_INT(r.obs[3].type, CF_IOC_FILE);
        CHECK_STR(r.obs[3].comment, "x");
        CHECK_INT(r.obs[3].first_seen, 1418217066000LL);
        CHECK_STR(r.obs[4].text, "[2001:db8::1]:53");
        CHECK_INT(r.obs[4].line, 6);
    }
    rec_free(&r);
}

/* A quoted field over two lines is one record; its line is the first. */
static void test_multiline_record(void)
{
    static const char data[] = "ip,comment\n"
                               "192.0.2.1,\"first\nsecond\"\n"
                               "192.0.2.2,plain\n";
    cf_profile *p = parse_profile("{\"name\":\"m\",\"columns\":[{\"name\":\"ip\",\"role\":"
                                  "\"value\",\"types\":\"ip\"},{\"name\":\"comment\","
                                  "\"role\":\"comment\"}]}");
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(read_with(&r, p, S(data), &err), CF_OK);
    CHECK_INT(r.n, 2);
    if (r.n == 2) {
        CHECK_STR(r.obs[0].comment, "first\nsecond");
        CHECK_INT(r.obs[0].line, 2);
        CHECK_STR(r.obs[1].text, "192.0.2.2");
        CHECK_INT(r.obs[1].line, 4);
    }
    rec_free(&r);
    cf_profile_free(p);
}

/*
 * A stray quote that never closes: its line is the one reject and every
 * other line is read (it used to take the next CF_MAX_RECORD_LINES - 1
 * lines with it, uncounted).
 */
static void test_stray_quote_unclosed(void)
{
    cf_buf b = {0};
    for (int i = 1; i <= 199; i++) {
        char row[64];
        if (i == 11) {
            snprintf(row, sizeof row, "1.1.1.%d,\"bad quote here\n", i);
        } else {
            snprintf(row, sizeof row, "1.1.1.%d,x\n", i);
        }
        cf_buf_append(&b, row, strlen(row));
    }
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_CSV, NULL, b.data, b.len, &err), CF_OK);
    CHECK_INT(r.n, 198);
    CHECK_INT(r.n_diags, 1);
    if (r.n_diags == 1) {
        CHECK_INT(r.diags[0].line, 11);
        CHECK_STR(r.diags[0].reason, "unterminated quoted field");
        CHECK_INT(r.diags[0].level, CF_DIAG_REJECT);
    }
    if (r.n == 198) {
        CHECK_STR(r.obs[9].text, "1.1.1.10");
        CHECK_STR(r.obs[10].text, "1.1.1.12");
        CHECK_INT(r.obs[10].line, 12);
        CHECK_STR(r.obs[197].text, "1.1.1.199");
        CHECK_INT(r.obs[197].line, 199);
    }
    rec_free(&r);

    /* Open to the end of the file: the reject, then the lines after it. */
    static const char tail[] = "ip,c\n192.0.2.1,x\n192.0.2.2,\"open\n192.0.2.3,x\n192.0.2.4";
    obsrec e = {.keep_text = true};
    CHECK_INT(rec_read_mem(&e, CF_FMT_CSV, NULL, S(tail), &err), CF_OK);
    CHECK_INT(e.n, 3);
    CHECK_INT(e.n_diags, 1);
    if (e.n == 3 && e.n_diags == 1) {
        CHECK_INT(e.diags[0].line, 3);
        CHECK_STR(e.obs[1].text, "192.0.2.3");
        CHECK_INT(e.obs[1].line, 4);
        CHECK_STR(e.obs[2].text, "192.0.2.4");
        CHECK_INT(e.obs[2].line, 5);
    }
    rec_free(&e);
    cf_buf_free(&b);
}

/*
 * A stray quote that a later quote closes into a record with more fields
 * than the header: the stray line is the reject, the lines it had taken are
 * records again (the closing line too, with its own quoted comma).
 */
static void test_stray_quote_misclosed(void)
{
    static const char data[] = "ip,a,b\n"
                               "192.0.2.2,x,y\n"
                               "192.0.2.3,\"oops,y\n"
                               "192.0.2.4,x,y\n"
                               "192.0.2.5,x,y\n"
                               "192.0.2.6,\"a,b\",y\n"
                               "192.0.2.7,x,y\n";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_CSV, NULL, S(data), &err), CF_OK);
    CHECK_INT(r.n, 5);
    CHECK_INT(r.n_diags, 1);
    if (r.n_diags == 1) {
        CHECK_INT(r.diags[0].line, 3);
        CHECK_STR(r.diags[0].reason, "unterminated quoted field");
    }
    if (r.n == 5) {
        CHECK_STR(r.obs[1].text, "192.0.2.4");
        CHECK_INT(r.obs[1].line, 4);
        CHECK_STR(r.obs[3].text, "192.0.2.6");
        CHECK_INT(r.obs[3].line, 6);
        CHECK_STR(r.obs[4].text, "192.0.2.7");
        CHECK_INT(r.obs[4].line, 7);
    }
    rec_free(&r);
}

/* Rows 19-21 of the corpus's urlhaus_online_noheader.csv; the middle one is rewritten. */
#define URLHAUS_ROW19                                                                              \
    "\"3520635\",\"2025-04-21 12:01:04\",\"http://117.196.163.53:46905/i\",\"online\","            \
    "\"2025-04-21 12:25:52\",\"malware_download\",\"32-bit,elf,mips,Mozi\","                       \
    "\"https://urlhaus.abuse.ch/url/3520635/\",\"geenensp\"\n"
#define URLHAUS_ROW20_HEAD "\"3520634\",\"2025-04-21 12:00:06\",\"http://182.112.3.251:42410/bin.sh"
#define URLHAUS_ROW20_TAIL                                                                         \
    ",\"online\",\"2025-04-21 12:20:07\",\"malware_download\",\"32-bit,elf,mips,Mozi\","           \
    "\"https://urlhaus.abuse.ch/url/3520634/\",\"geenensp\"\n"
#define URLHAUS_ROW21                                                                              \
    "\"3520633\",\"2025-04-21 11:56:05\",\"http://106.56.139.227:47081/i\",\"online\","            \
    "\"2025-04-21 11:56:05\",\"malware_download\",\"32-bit,arm,elf,mirai,Mozi\","                  \
    "\"https://urlhaus.abuse.ch/url/3520633/\",\"geenensp\"\n"

/* The two rows around the rejected one, read as if nothing had happened. */
static void check_urlhaus_neighbours(const obsrec *r)
{
    CHECK_INT(r->n, 2);
    if (r->n != 2) {
        return;
    }
    CHECK_STR(r->obs[0].text, "http://117.196.163.53:46905/i");
    CHECK_INT(r->obs[0].line, 1);
    CHECK_STR(r->obs[0].labels,
              "urlhaus;malware-distribution;malware_download;32-bit;elf;mips;Mozi");
    CHECK_STR(r->obs[1].text, "http://106.56.139.227:47081/i");
    CHECK_INT(r->obs[1].line, 3);
    CHECK_STR(r->obs[1].labels,
              "urlhaus;malware-distribution;malware_download;32-bit;arm;elf;mirai;Mozi");
}

/*
 * The user review's inputs: a closing quote followed by `x"`, and the quote
 * after `bin.sh` removed (the next quote then closes the field before
 * `online"`). Each was published as a mangled URL; now its row is the one
 * reject, named by its raw field, and the rows around it are kept.
 */
static void test_stray_quote_urlhaus(void)
{
    static const char after[] =
        URLHAUS_ROW19 URLHAUS_ROW20_HEAD "\"x\"" URLHAUS_ROW20_TAIL URLHAUS_ROW21;
    static const char unclosed[] =
        URLHAUS_ROW19 URLHAUS_ROW20_HEAD URLHAUS_ROW20_TAIL URLHAUS_ROW21;
    static const char *const inputs[] = {after, unclosed};
    static const char *const values[] = {"\"http://182.112.3.251:42410/bin.sh\"x\"",
                                         "\"http://182.112.3.251:42410/bin.sh,\"online\""};
    for (size_t i = 0; i < 2; i++) {
        obsrec r = {.keep_text = true};
        cf_error err;
        CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, "urlhaus", inputs[i], strlen(inputs[i]), &err),
                  CF_OK);
        CHECK_INT(r.n_diags, 1);
        if (r.n_diags == 1) {
            CHECK_INT(r.diags[0].level, CF_DIAG_REJECT);
            CHECK_INT(r.diags[0].line, 2);
            CHECK_STR(r.diags[0].reason, "stray quote in quoted field");
            CHECK_STR(r.diags[0].value, values[i]);
        }
        check_urlhaus_neighbours(&r);
        rec_free(&r);
    }
}

/*
 * Every kind of quote: a quote inside an unquoted field is data, a doubled
 * quote is one quote, padding (and a CR) may follow a closing quote. Other
 * text after a closing quote rejects a one-line record; in a record over
 * several lines it makes the opening line the reject and the lines after it
 * are read again (line 12 used to be swallowed into line 11's comment).
 */
static void test_stray_quote_kinds(void)
{
    static const char data[] = "ip,comment,tags\n"
                               "192.0.2.1,ab\"c,t\n"
                               "192.0.2.2,\"a\"\"b\",t\n"
                               "\"192.0.2.3\"  ,\"x\" ,t\n"
                               "192.0.2.4,\"x\"y,t\n"
                               "\"192.0.2.5\"x\",n,t\n"
                               "192.0.2.6,\"x\"\r,t\n"
                               "192.0.2.7,\"open,t\n"
                               "192.0.2.8,\"x\"z,t\n"
                               "192.0.2.9,n,t\n"
                               "192.0.2.10,\"open,t\n"
                               "192.0.2.11,\"q\",t\n"
                               "192.0.2.12,\"two\n"
                               "lines\",t\n";
    static const struct {
        uint64_t line;
        const char *reason;
        const char *value;
    } rejects[] = {
        {5, "stray quote in quoted field", "\"x\"y"},
        {6, "stray quote in quoted field", "\"192.0.2.5\"x\""},
        {8, "unterminated quoted field", "192.0.2.7,\"open,t"},
        {9, "stray quote in quoted field", "\"x\"z"},
        {11, "unterminated quoted field", "192.0.2.10,\"open,t"},
    };
    static const struct {
        const char *ip;
        uint64_t line;
        const char *comment;
    } rows[] = {
        {"192.0.2.1", 2, "ab\"c"},
        {"192.0.2.2", 3, "a\"b"},
        {"192.0.2.3", 4, "x"},
        {"192.0.2.6", 7, "x"},
        {"192.0.2.9", 10, "n"},
        {"192.0.2.11", 12, "q"},
        {"192.0.2.12", 13, "two\nlines"},
    };
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_CSV, NULL, S(data), &err), CF_OK);
    CHECK_INT(r.n_diags, 5);
    for (size_t i = 0; i < 5 && i < r.n_diags; i++) {
        CHECK_INT(r.diags[i].line, rejects[i].line);
        CHECK_STR(r.diags[i].reason, rejects[i].reason);
        CHECK_STR(r.diags[i].value, rejects[i].value);
    }
    CHECK_INT(r.n, 7);
    for (size_t i = 0; i < 7 && i < r.n; i++) {
        CHECK_STR(r.obs[i].text, rows[i].ip);
        CHECK_INT(r.obs[i].line, rows[i].line);
        CHECK_STR(r.obs[i].comment, rows[i].comment);
    }
    rec_free(&r);
}

/* Invalid UTF-8 is a reject with line and offset; binary data stops the read. */
static void test_bad_bytes(void)
{
    static const char data[] = "url\n"
                               "http://a.example/\n"
                               "http://b.ex\xC3\x28mple/\n"
                               "http://c.example/\xF0\x9F\x98\x80\n";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_CSV, NULL, S(data), &err), CF_OK);
    CHECK_INT(r.n, 2);
    CHECK_INT(r.n_diags, 1);
    if (r.n_diags == 1) {
        CHECK_INT(r.diags[0].line, 3);
        CHECK_INT(r.diags[0].offset, 11);
        CHECK_STR(r.diags[0].reason, "invalid UTF-8");
        CHECK_INT(r.diags[0].level, CF_DIAG_REJECT);
    }
    if (r.n == 2) {
        CHECK_STR(r.obs[1].text, "http://c.example/\xF0\x9F\x98\x80");
        CHECK_INT(r.obs[1].line, 4);
    }
    rec_free(&r);

    static const char bin[] = "url\nhttp://a.example/\nab\0cd,ef\n";
    obsrec b = {.keep_text = true};
    CHECK_INT(rec_read_mem(&b, CF_FMT_CSV, NULL, S(bin), &err), CF_EMALFORMED);
    CHECK_STR(err.msg, "binary data at line 3");
    rec_free(&b);
}

/* A header-only file, an empty file and a comment-only file give nothing. */
static void test_empty_inputs(void)
{
    static const char *const inputs[] = {
        "\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n",
        "", "# only\n# comments", "\n\n"};
    for (size_t i = 0; i < 4; i++) {
        obsrec r = {.keep_text = true};
        cf_error err;
        CHECK_INT(rec_read_mem(&r, CF_FMT_CSV, "feodotracker", inputs[i], strlen(inputs[i]),
                               &err),
                  CF_OK);
        CHECK_INT(r.n, 0);
        rec_free(&r);
    }
}

/* A line over CF_MAX_LINE_BYTES: one reject, the next line keeps its number. */
static void test_long_line(void)
{
    size_t big = CF_MAX_LINE_BYTES + 100;
    char *data = malloc(big + 64);
    size_t n = 0;
    memcpy(data, "url\nhttp://a.example/\n", 22);
    n = 22;
    memset(data + n, 'x', big);
    n += big;
    memcpy(data + n, "\nhttp://b.example/\n", 19);
    n += 19;
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_CSV, NULL, data, n, &err), CF_OK);
    CHECK_INT(r.n, 2);
    if (r.n == 2) {
        CHECK_STR(r.obs[1].text, "http://b.example/");
        CHECK_INT(r.obs[1].line, 4);
    }
    CHECK_INT(r.n_diags, 1);
    if (r.n_diags == 1) {
        CHECK_INT(r.diags[0].line, 3);
        CHECK_STR(r.diags[0].reason, "line too long");
    }
    rec_free(&r);
    free(data);
}

/* The line reader itself: CRLF, bare LF, a last line without newline. */
static void test_lines(void)
{
    static const char data[] = "a\r\nbb\n\r\nccc";
    cf_input *in = NULL;
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_input_open_mem(&in, "l", S(data), &err), CF_OK);
    cf_lines *l = cf_lines_new(in);
    const char *s;
    size_t n;
    uint64_t no;
    static const char *const want[] = {"a", "bb", "", "ccc"};
    for (int i = 0; i < 4; i++) {
        CHECK_INT(cf_lines_next(l, &s, &n, &no, &err), 1);
        CHECK_INT(no, i + 1);
        CHECK_INT(n, strlen(want[i]));
        CHECK(memcmp(s, want[i], n) == 0);
    }
    CHECK_INT(cf_lines_next(l, &s, &n, &no, &err), 0);
    cf_lines_free(l);
    cf_input_close(in);
}

static void test_peek_and_slurp(void)
{
    static const char data[] = "hello, world\n";
    cf_input *in = NULL;
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_input_open_mem(&in, "p", S(data), &err), CF_OK);
    const char *head = NULL;
    CHECK_INT(cf_input_peek(in, &head, 5, &err), 5);
    CHECK(memcmp(head, "hello", 5) == 0);
    char buf[3];
    CHECK_INT(cf_input_read(in, buf, 3, &err), 3);
    CHECK(memcmp(buf, "hel", 3) == 0);
    char *all = NULL;
    size_t len = 0;
    CHECK_INT(cf_input_slurp(in, &all, &len, 0, &err), CF_OK);
    CHECK_STR(all, "lo, world\n");
    CHECK_INT(len, 10);
    free(all);
    CHECK(cf_input_path(in) == NULL);
    CHECK_STR(cf_input_name(in), "p");
    cf_input_close(in);
}

static void test_detect(void)
{
    CHECK_INT(cf_detect_format(S("{\"Event\": {\"info\": \"x\"}}")), CF_FMT_MISP);
    CHECK_INT(cf_detect_format(S("{\"response\": [{\"Event\": {}}]}")), CF_FMT_MISP);
    CHECK_INT(cf_detect_format(S("{\"type\": \"bundle\", \"id\": \"bundle--1\"}")),
              CF_FMT_STIX2);
    CHECK_INT(cf_detect_format(S("\xEF\xBB\xBF{\"spec_version\":\"2.1\"}")), CF_FMT_STIX2);
    CHECK_INT(cf_detect_format(S("<?xml version=\"1.0\"?>\n<stix:STIX_Package/>")),
              CF_FMT_STIX1);
    CHECK_INT(
        cf_detect_format(S("<stix:STIX_Package xmlns:stix=\"http://stix.mitre.org/stix-1\">")),
        CF_FMT_STIX1);
    /* NDJSON of another shape (Spamhaus DROP) is for the text reader. */
    CHECK_INT(cf_detect_format(S("{\"cidr\":\"192.0.2.0/24\"}\n{\"cidr\":\"198.51.100.0/24\"}\n")),
              CF_FMT_TEXT);
    CHECK_INT(cf_detect_format(S("{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\"}\n")),
              CF_FMT_TEXT);
    CHECK_INT(cf_detect_format(S("{\"type\":\"ip\",\"value\":\"192.0.2.1\"}\n")), CF_FMT_JSONL);
    CHECK_INT(cf_detect_format(S("{\"value\": \"x\", \"type\" : \"url\"}\n{}\n")), CF_FMT_JSONL);
    /* "type" only as a string value is not a key. */
    CHECK_INT(cf_detect_format(S("{\"kind\":\"type\",\"value\":\"192.0.2.1\"}\n")), CF_FMT_TEXT);
    CHECK_INT(cf_detect_format(S("# c\nip,port\n192.0.2.1,80\n192.0.2.2,81\n")), CF_FMT_CSV);
    CHECK_INT(cf_detect_format(S("\"a\",\"b,c\"\n\"d\",\"e\"\n")), CF_FMT_CSV);
    CHECK_INT(cf_detect_format(S("192.0.2.1\n192.0.2.2\n")), CF_FMT_TEXT);
    CHECK_INT(cf_detect_format(S("0.0.0.0 bad.example\n0.0.0.0 worse.example\n")),
              CF_FMT_TEXT);
    CHECK_INT(cf_detect_format(S("")), CF_FMT_TEXT);
    /* '|' inside values is not a table: one line, or two fields (file IOCs) */
    CHECK_INT(cf_detect_format(S("http://a.example/x?t=one|two|three\n")), CF_FMT_TEXT);
    CHECK_INT(cf_detect_format(S("a.exe|d41d8cd98f00b204e9800998ecf8427e\n"
                                 "b.exe|d41d8cd98f00b204e9800998ecf8427f\n")),
              CF_FMT_TEXT);
    CHECK_INT(cf_detect_format(S("a|192.0.2.1|80\nb|192.0.2.2|81\n")), CF_FMT_CSV);
    CHECK_INT(cf_detect_format(S("a,b\n")), CF_FMT_CSV);
    /* Two broken rows (a stray quote, a short row) among ten quoted ones: still CSV. */
    CHECK_INT(cf_detect_format(S("id,url,status\n\"1\",\"http://a.example/\",\"on\"\n"
                                 "\"2\",\"http://b.example/x\"y\",\"on\"\n"
                                 "\"3\",\"http://c.example/\",\"on\"\n\"4\",\"http://d.example/\"\n"
                                 "\"5\",\"http://e.example/\",\"on\"\n"
                                 "\"6\",\"http://f.example/\",\"on\"\n"
                                 "\"7\",\"http://g.example/\",\"on\"\n"
                                 "\"8\",\"http://h.example/\",\"on\"\n"
                                 "\"9\",\"http://i.example/\",\"on\"\n")),
              CF_FMT_CSV);
    /*
     * A list whose comments hold a comma now and then stays a list, and so
     * do URLs with a comma in most of their queries.
     */
    CHECK_INT(cf_detect_format(S("192.0.2.1\n192.0.2.2 seen, twice\n192.0.2.3\n192.0.2.4\n"
                                 "192.0.2.5\n192.0.2.6\n")),
              CF_FMT_TEXT);
    CHECK_INT(cf_detect_format(S("192.0.2.1 # brute force, ssh\n192.0.2.2 # brute force, ssh\n"
                                 "192.0.2.3 # brute force, ssh\n192.0.2.4 # brute force, ssh\n"
                                 "192.0.2.5 # brute force, ssh\n192.0.2.6\n")),
              CF_FMT_TEXT);
    CHECK_INT(cf_detect_format(S("http://a.example/?x=1,2\nhttp://b.example/?x=1,2\n"
                                 "http://c.example/?x=1,2\nhttp://d.example/?x=1,2\n"
                                 "http://e.example/?x=1,2\nhttp://f.example/\n")),
              CF_FMT_TEXT);
    /* Fewer than five lines must all agree. */
    CHECK_INT(cf_detect_format(S("a,b,c\nd,e\nf,g,h\ni,j,k\n")), CF_FMT_TEXT);
    CHECK_STR(cf_format_name(CF_FMT_STIX1), "stix1");
    CHECK_INT(cf_format_from_name("CSV"), CF_FMT_CSV);
    CHECK_INT(cf_format_from_name("nonsense"), CF_FMT_UNKNOWN);
}

static void test_profiles(void)
{
    CHECK_INT(cf_profile_count(), 27);
    for (size_t i = 1; i < cf_profile_count(); i++) {
        CHECK(strcmp(cf_profile_at(i - 1)->name, cf_profile_at(i)->name) < 0);
    }
    for (size_t i = 0; i < cf_profile_count(); i++) {
        const cf_profile *p = cf_profile_at(i);
        CHECK(p->title != NULL);
        if (strcmp(p->name, "generic") != 0 && strcmp(p->name, "misp-csv") != 0) {
            CHECK(p->url && strncmp(p->url, "http", 4) == 0);
            CHECK(p->terms && strncmp(p->terms, "http", 4) == 0);
        }
    }
    const cf_profile *tf = cf_profile_find("threatfox");
    CHECK(tf != NULL);
    if (tf) {
        CHECK_STR(tf->delimiter, "\", \"");
        CHECK_INT(tf->n_cols, 14);
        CHECK_INT(tf->cols[3].role, CF_COL_TYPE);
    }
    CHECK(cf_profile_find("nope") == NULL);

    cf_profile *p = NULL;
    cf_error err;
    cf_error_clear(&err);
    const char *bad = "{\"name\":\"x\",\"columns\":[{\"index\":0,\"role\":\"valeu\"}]}";
    CHECK_INT(cf_profile_parse(&p, bad, strlen(bad), "bad.json", &err), CF_EINVAL);
    CHECK_STR(err.msg, "profile key 'role': unknown column role");
    cf_error_clear(&err);
    const char *typo = "{\"name\":\"x\",\"delimeter\":\",\"}";
    CHECK_INT(cf_profile_parse(&p, typo, strlen(typo), "bad.json", &err), CF_EINVAL);
    CHECK_STR(err.msg, "profile key 'delimeter': unknown key");
    CHECK(p == NULL);
}

/* Rows too short for the profile's value column are rejects, not silence. */
static void test_short_rows(void)
{
    static const char data[] =
        "\"1\",\"2025-04-21 12:35:06\",\"http://192.0.2.7/bin.sh\",\"online\"\n"
        "\"999\",\"2025-04-21 08:26:05\"\n"
        "garbage\n"
        "\"2\",\"2025-04-21 12:36:06\",\"http://192.0.2.8/x\"\n";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, "urlhaus", S(data), &err), CF_OK);
    CHECK_INT(r.n, 2);
    if (r.n == 2) {
        CHECK_STR(r.obs[0].text, "http://192.0.2.7/bin.sh");
        CHECK_STR(r.obs[1].text, "http://192.0.2.8/x");
        CHECK_INT(r.obs[1].line, 4);
    }
    CHECK_INT(r.n_diags, 2);
    if (r.n_diags == 2) {
        CHECK_INT(r.diags[0].level, CF_DIAG_REJECT);
        CHECK_INT(r.diags[0].line, 2);
        CHECK_STR(r.diags[0].reason, "row has 2 fields, the profile needs at least 3");
        CHECK_INT(r.diags[1].level, CF_DIAG_REJECT);
        CHECK_INT(r.diags[1].line, 3);
        CHECK_STR(r.diags[1].reason, "row has 1 field, the profile needs at least 3");
    }
    rec_free(&r);

    /* A one-URL-per-line list read with the URLhaus profile: every line rejected. */
    obsrec l = {.keep_text = true};
    CHECK_INT(rec_read_mem(&l, CF_FMT_UNKNOWN, "urlhaus",
                           S("https://a.example/\nhttp://b.example/x\n"), &err),
              CF_OK);
    CHECK_INT(l.n, 0);
    CHECK_INT(l.n_diags, 2);
    rec_free(&l);
}

/* Header-less generic rows: the IOC is the first field that holds one. */
static void test_generic_first_field(void)
{
    static const char data[] =
        "5.79.79.210,IP used by banjori C&C,2019-01-25 08:03,"
        "http://osint.example.com/manual/banjori.txt\n"
        "23.105.99.15,IP used by banjori C&C,2019-01-25 08:03,"
        "http://osint.example.com/manual/banjori.txt\n";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, NULL, S(data), &err), CF_OK);
    CHECK_INT(r.n, 2);
    if (r.n == 2) {
        CHECK_STR(r.obs[0].text, "5.79.79.210");
        CHECK_STR(r.obs[1].text, "23.105.99.15");
        CHECK_INT(r.obs[1].line, 2);
    }
    CHECK_INT(r.n_diags, 0);
    rec_free(&r);

    /* A named header keeps its mapping: both value columns are read. */
    obsrec h = {.keep_text = true};
    CHECK_INT(rec_read_mem(&h, CF_FMT_UNKNOWN, NULL,
                           S("ip,url\n192.0.2.1,http://a.example/\n"), &err),
              CF_OK);
    CHECK_INT(h.n, 2);
    if (h.n == 2) {
        CHECK_STR(h.obs[0].text, "192.0.2.1");
        CHECK_STR(h.obs[1].text, "http://a.example/");
    }
    rec_free(&h);

    /* Padded '|' columns, an ASN number first, a name with a '|' of its own. */
    static const char pipes[] =
        "NA           |  NA                              |  170.239.104.183  |  "
        "2016-12-01 04:26:48  |  sshpwauth\n"
        "4134         |  CHINANET-BACKBONE No.31,Jin-ro  |   117.21.224.121  |  "
        "2016-12-06 02:35:38  |  sshpwauth\n"
        "1            |  TEST-AS company | With | pipe   |  1.2.3.4          |  "
        "2024-04-02 12:00:00  |  sshpwauth\n";
    CHECK_INT(cf_detect_format(S(pipes)), CF_FMT_CSV);
    obsrec p = {.keep_text = true};
    CHECK_INT(rec_read_mem(&p, CF_FMT_UNKNOWN, NULL, S(pipes), &err), CF_OK);
    CHECK_INT(p.n, 3);
    if (p.n == 3) {
        CHECK_STR(p.obs[0].text, "170.239.104.183");
        CHECK_STR(p.obs[1].text, "117.21.224.121");
        CHECK_STR(p.obs[2].text, "1.2.3.4");
        CHECK_INT(p.obs[2].line, 3);
    }
    CHECK_INT(p.n_diags, 0);
    rec_free(&p);

    /* A bare number alone is no IOC. */
    obsrec n = {.keep_text = true};
    CHECK_INT(rec_read_mem(&n, CF_FMT_CSV, NULL, S("24,788\n25,789\n"), &err), CF_OK);
    CHECK_INT(n.n, 0);
    rec_free(&n);
}

/* The DShield block header names a range: start/prefix, not the e-mail column. */
static void test_generic_range_header(void)
{
    static const char data[] =
        "# DShield block list\n"
        "Start\tEnd\tNetblock\tAttacks\tName\tCountry\temail\n"
        "43.229.53.0\t43.229.53.255\t24\t788\tJapan Inet\tJP\tadmin@v6nic.example\n"
        "194.63.140.0\t194.63.140.255\t24\t585\t\t\t\n";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, NULL, S(data), &err), CF_OK);
    CHECK_INT(r.n, 2);
    if (r.n == 2) {
        CHECK_STR(r.obs[0].text, "43.229.53.0/24");
        CHECK_INT(r.obs[0].type, CF_IOC_CIDR);
        CHECK_INT(r.obs[0].line, 3);
        CHECK_STR(r.obs[1].text, "194.63.140.0/24");
    }
    CHECK_INT(r.n_diags, 0);
    rec_free(&r);
}

/* Spamhaus NDJSON without a profile goes to the text reader. */
static void test_ndjson_detect(void)
{
    static const char data[] =
        "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\n"
        "{\"cidr\":\"1.19.0.0/16\",\"sblid\":\"SBL434604\",\"rir\":\"apnic\"}\n"
        "{\"type\":\"metadata\",\"timestamp\":1737000000,\"size\":2}\n";
    obsrec r = {.keep_text = true};
    cf_error err;
    CHECK_INT(rec_read_mem(&r, CF_FMT_UNKNOWN, NULL, S(data), &err), CF_OK);
    CHECK_INT(r.n, 2);
    if (r.n == 2) {
        CHECK_STR(r.obs[0].text, "1.10.16.0/20");
        CHECK_STR(r.obs[1].text, "1.19.0.0/16");
    }
    CHECK_INT(r.n_diags, 0);
    rec_free(&r);
}

int main(void)
{
    test_case21_crlf();
    test_case22_bom();
    test_case26_quoting();
    test_case10_ip_column();
    test_case19_zip();
    test_gzip();
    test_threatfox();
    test_dataplane();
    test_delimiters_and_fallback();
    test_misp_types();
    test_multiline_record();
    test_stray_quote_unclosed();
    test_stray_quote_misclosed();
    test_stray_quote_urlhaus();
    test_stray_quote_kinds();
    test_bad_bytes();
    test_empty_inputs();
    test_long_line();
    test_lines();
    test_peek_and_slurp();
    test_detect();
    test_profiles();
    test_short_rows();
    test_generic_first_field();
    test_generic_range_header();
    test_ndjson_detect();
    TEST_MAIN_END();
}
