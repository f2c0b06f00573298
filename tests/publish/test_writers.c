/*
 * The writers on a hand-built IOC set (values filled in directly, without
 * the normaliser): exact bytes of the jsonl, csv and text output, and the
 * structure of the STIX 2.1 bundle (ids, markings, relationships, reports);
 * the JSONL of a large set, written on two threads, against that of its parts.
 *
 * With "--stix FILE [--scos]" or "--jsonl FILE" the program only writes the
 * bundle or the JSONL of the same set to FILE, for test_stix2_valid.sh and
 * test_jsonl_schema.sh to run the validators on it.
 */
#include <jansson.h>
#include <unistd.h>

#include "ctiflow/iocset.h"
#include "ctiflow/stix.h"
#include "ctiflow/writer.h"
#include "testlib.h"

#define T_NOW 1767225600000LL   /* 2026-01-01T00:00:00.000Z */
#define T_FIRST 1767323045678LL /* 2026-01-02T03:04:05.678Z */
#define T_JAN5 1767571200000LL  /* 2026-01-05T00:00:00.000Z */
#define T_MAR1 1772323200000LL  /* 2026-03-01T00:00:00.000Z */
#define T_DEC24 1766570400000LL /* 2025-12-24T10:00:00.000Z */

#define SHA256_DD "dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1"
#define E1_UUID "5f3c1e2a-0b1c-4d2e-9f00-123456789abc"

/* Merge one observation of an already canonical value. */
static void add(cf_iocset *set, cf_obs *obs, cf_ioc_type type, const char *value,
                cf_ioc_type hash_type, int port, const char *display)
{
    cf_norm n = CF_NORM_INIT;
    n.type = type;
    n.hash_type = hash_type;
    n.port = port;
    cf_buf_puts(&n.value, value);
    if (display) {
        cf_buf_puts(&n.display_name, display);
    }
    n.changed = obs->text && strcmp(obs->text, value) != 0;
    if (!obs->text) {
        obs->text = value;
        obs->len = strlen(value);
    }
    CHECK_INT(cf_iocset_merge(set, obs, &n, NULL), CF_OK);
    cf_buf_free(&n.value);
    cf_buf_free(&n.display_name);
}

static cf_iocset *build_set(void)
{
    cf_iocset *set = cf_iocset_new();
    cf_obs o;

    static const char *const e1_actors[] = {"Sofacy"};
    static const char *const e1_labels[] = {"type:OSINT"};
    cf_event proto;
    memset(&proto, 0, sizeof(proto));
    proto.uuid = E1_UUID;
    proto.info = "Test event";
    proto.orgc = "CIRCL";
    proto.date = T_DEC24;
    proto.timestamp = T_FIRST;
    proto.publish_timestamp = T_JAN5;
    proto.published = true;
    proto.tlp = CF_TLP_GREEN;
    proto.labels = (const char **)e1_labels;
    proto.n_labels = 1;
    proto.actors = (const char **)e1_actors;
    proto.n_actors = 1;
    proto.analysis = -1;
    const cf_event *e1 = cf_iocset_event(set, &proto);

    memset(&proto, 0, sizeof(proto));
    proto.info = "Unpublished";
    proto.date = T_JAN5;
    proto.timestamp = CF_TIME_NONE;
    proto.publish_timestamp = CF_TIME_NONE;
    proto.analysis = -1;
    const cf_event *e2 = cf_iocset_event(set, &proto);

    /* 1: a refanged domain with every kind of context. */
    static const char *const l1[] = {"phishing"}, *const m1[] = {"Emotet"}, *const a1[] = {"APT28"};
    cf_obs_init(&o);
    o.text = "bad-five[.]example";
    o.len = strlen(o.text);
    o.feed = "feedA";
    o.line = 6;
    o.first_seen = T_FIRST;
    o.last_seen = T_MAR1;
    o.confidence = 80;
    o.tlp = CF_TLP_GREEN;
    o.labels = l1;
    o.n_labels = 1;
    o.malware = m1;
    o.n_malware = 1;
    o.actors = a1;
    o.n_actors = 1;
    add(set, &o, CF_IOC_DOMAIN, "bad-five.example", CF_IOC_NONE, -1, NULL);

    /* 2: a URL with an apostrophe, seen by two feeds; a label needing CSV quotes. */
    cf_obs_init(&o);
    o.feed = "urls.txt";
    o.line = 1;
    add(set, &o, CF_IOC_URL, "http://example.com/evil.txt')", CF_IOC_NONE, -1, NULL);
    static const char *const l2[] = {"say \"hi\", ok"};
    cf_obs_init(&o);
    o.feed = "feedB";
    o.line = 9;
    o.ref = "ref-1";
    o.time = T_JAN5;
    o.labels = l2;
    o.n_labels = 1;
    add(set, &o, CF_IOC_URL, "http://example.com/evil.txt')", CF_IOC_NONE, -1, NULL);

    /* 3, 4: a filename|sha256 composite and the same digest alone, from event 1. */
    cf_obs_init(&o);
    o.feed = "event.json";
    o.ref = "00000000-0000-4000-8000-000000000001";
    o.event = e1;
    o.tlp = CF_TLP_AMBER_STRICT;
    add(set, &o, CF_IOC_FILE, "invoice_0424.exe|" SHA256_DD, CF_IOC_SHA256, -1, NULL);
    cf_obs_init(&o);
    o.feed = "event.json";
    o.ref = "00000000-0000-4000-8000-000000000004";
    o.event = e1;
    add(set, &o, CF_IOC_SHA256, SHA256_DD, CF_IOC_NONE, -1, NULL);

    /* 5: an endpoint. */
    cf_obs_init(&o);
    o.feed = "sslipblacklist.csv";
    o.line = 6;
    o.first_seen = T_DEC24;
    add(set, &o, CF_IOC_ENDPOINT, "198.51.100.81:443", CF_IOC_NONE, 443, NULL);

    /* 6: a CVE from event 1, marked red. */
    cf_obs_init(&o);
    o.feed = "event.json";
    o.event = e1;
    o.tlp = CF_TLP_RED;
    add(set, &o, CF_IOC_CVE, "CVE-2021-44228", CF_IOC_NONE, -1, NULL);

    /* 7: an e-mail address with a display name, from the unpublished event. */
    cf_obs_init(&o);
    o.text = "Payroll Team <payroll@bad-sender.example>";
    o.len = strlen(o.text);
    o.feed = "senders.csv";
    o.line = 2;
    o.event = e2;
    add(set, &o, CF_IOC_EMAIL, "payroll@bad-sender.example", CF_IOC_NONE, -1, "Payroll Team");

    /* 8: an IPv6 address listed twice by one feed, with an expiry and a comment. */
    cf_obs_init(&o);
    o.feed = "ips.txt";
    o.line = 2;
    o.valid_until = T_MAR1;
    o.comment = "C2 server";
    add(set, &o, CF_IOC_IP, "2001:db8::1", CF_IOC_NONE, -1, NULL);
    cf_obs_init(&o);
    o.feed = "ips.txt";
    o.line = 3;
    add(set, &o, CF_IOC_IP, "2001:db8::1", CF_IOC_NONE, -1, NULL);

    /* 9-11: values whose SCO STIX's formats reject, and an abbreviated hive. */
    cf_obs_init(&o);
    o.feed = "odd.txt";
    o.line = 1;
    add(set, &o, CF_IOC_DOMAIN, "konto_identity.example", CF_IOC_NONE, -1, NULL);
    o.text = NULL;
    o.line = 2;
    add(set, &o, CF_IOC_URL, "http://a.example/x?q=1|2", CF_IOC_NONE, -1, NULL);
    o.text = NULL;
    o.line = 3;
    add(set, &o, CF_IOC_REGKEY, "HKLM\\Software\\Run", CF_IOC_NONE, -1, NULL);

    /* A compound indicator of event 1. */
    cf_compound c;
    memset(&c, 0, sizeof(c));
    c.id = "example:indicator-1";
    c.name = "Two domains";
    c.pattern = "[domain-name:value = 'a.example'] OR [domain-name:value = 'b.example']";
    c.feed = "pkg.xml";
    c.event = e1;
    c.tlp = CF_TLP_AMBER;
    c.valid_from = CF_TIME_NONE;
    CHECK_INT(cf_iocset_add_compound(set, &c), CF_OK);
    return set;
}

/* Output of one writer as a malloc'd string. */
static char *render(cf_out_format f, const cf_iocset *set, const cf_write_opts *o)
{
    char *data = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&data, &size);
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_write_any(mem, f, set, o, &err), CF_OK);
    fclose(mem);
    return data;
}

static void test_jsonl(const cf_iocset *set, const cf_write_opts *o)
{
    char *got = render(CF_OUT_JSONL, set, o);
    const char *want =
        "{\"type\":\"domain\",\"value\":\"bad-five.example\",\"original\":\"bad-five[.]example\","
        "\"first_seen\":\"2026-01-02T03:04:05.678Z\",\"last_seen\":\"2026-03-01T00:00:00.000Z\","
        "\"confidence\":80,\"tlp\":\"green\",\"labels\":[\"phishing\"],\"malware\":[\"Emotet\"],"
        "\"actors\":[\"APT28\"],\"sources\":[{\"feed\":\"feedA\",\"line\":6,"
        "\"time\":\"2026-01-02T03:04:05.678Z\"}],\"count\":1}\n"
        "{\"type\":\"url\",\"value\":\"http://example.com/evil.txt')\","
        "\"first_seen\":\"2026-01-05T00:00:00.000Z\",\"last_seen\":\"2026-01-05T00:00:00.000Z\","
        "\"labels\":[\"say \\\"hi\\\", ok\"],\"sources\":[{\"feed\":\"urls.txt\",\"line\":1},"
        "{\"feed\":\"feedB\",\"line\":9,\"ref\":\"ref-1\",\"time\":\"2026-01-05T00:00:00.000Z\"}],"
        "\"count\":2}\n"
        "{\"type\":\"file\",\"value\":\"invoice_0424.exe|" SHA256_DD "\",\"hash_type\":\"sha256\","
        "\"tlp\":\"amber+strict\",\"actors\":[\"Sofacy\"],\"sources\":[{\"feed\":\"event.json\","
        "\"ref\":\"00000000-0000-4000-8000-000000000001\",\"event\":\"" E1_UUID "\"}],"
        "\"count\":1}\n"
        "{\"type\":\"sha256\",\"value\":\"" SHA256_DD "\",\"actors\":[\"Sofacy\"],"
        "\"sources\":[{\"feed\":\"event.json\",\"ref\":\"00000000-0000-4000-8000-000000000004\","
        "\"event\":\"" E1_UUID "\"}],\"count\":1}\n"
        "{\"type\":\"endpoint\",\"value\":\"198.51.100.81:443\",\"port\":443,"
        "\"first_seen\":\"2025-12-24T10:00:00.000Z\",\"last_seen\":\"2025-12-24T10:00:00.000Z\","
        "\"sources\":[{\"feed\":\"sslipblacklist.csv\",\"line\":6,"
        "\"time\":\"2025-12-24T10:00:00.000Z\"}],\"count\":1}\n"
        "{\"type\":\"cve\",\"value\":\"CVE-2021-44228\",\"tlp\":\"red\",\"actors\":[\"Sofacy\"],"
        "\"sources\":[{\"feed\":\"event.json\",\"event\":\"" E1_UUID "\"}],\"count\":1}\n"
        "{\"type\":\"email\",\"value\":\"payroll@bad-sender.example\","
        "\"original\":\"Payroll Team <payroll@bad-sender.example>\","
        "\"display_name\":\"Payroll Team\",\"sources\":[{\"feed\":\"senders.csv\",\"line\":2}],"
        "\"count\":1}\n"
        "{\"type\":\"ip\",\"value\":\"2001:db8::1\",\"valid_until\":\"2026-03-01T00:00:00.000Z\","
        "\"comment\":\"C2 server\",\"sources\":[{\"feed\":\"ips.txt\",\"line\":2},"
        "{\"feed\":\"ips.txt\",\"line\":3}],\"count\":2}\n"
        "{\"type\":\"domain\",\"value\":\"konto_identity.example\","
        "\"sources\":[{\"feed\":\"odd.txt\",\"line\":1}],\"count\":1}\n"
        "{\"type\":\"url\",\"value\":\"http://a.example/x?q=1|2\","
        "\"sources\":[{\"feed\":\"odd.txt\",\"line\":2}],\"count\":1}\n"
        "{\"type\":\"regkey\",\"value\":\"HKLM\\\\Software\\\\Run\","
        "\"sources\":[{\"feed\":\"odd.txt\",\"line\":3}],\"count\":1}\n";
    CHECK_STR(got, want);
    free(got);
}

static void test_csv(const cf_iocset *set, const cf_write_opts *o)
{
    char *got = render(CF_OUT_CSV, set, o);
    const char *want =
        "type,value,first_seen,last_seen,confidence,tlp,labels,sources\n"
        "domain,bad-five.example,2026-01-02T03:04:05.678Z,2026-03-01T00:00:00.000Z,80,green,"
        "phishing,feedA\n"
        "url,http://example.com/evil.txt'),2026-01-05T00:00:00.000Z,2026-01-05T00:00:00.000Z,,,"
        "\"say \"\"hi\"\", ok\",urls.txt;feedB\n"
        "file,invoice_0424.exe|" SHA256_DD ",,,,amber+strict,,event.json\n"
        "sha256," SHA256_DD ",,,,,,event.json\n"
        "endpoint,198.51.100.81:443,2025-12-24T10:00:00.000Z,2025-12-24T10:00:00.000Z,,,,"
        "sslipblacklist.csv\n"
        "cve,CVE-2021-44228,,,,red,,event.json\n"
        "email,payroll@bad-sender.example,,,,,,senders.csv\n"
        "ip,2001:db8::1,,,,,,ips.txt\n"
        "domain,konto_identity.example,,,,,,odd.txt\n"
        "url,http://a.example/x?q=1|2,,,,,,odd.txt\n"
        "regkey,HKLM\\Software\\Run,,,,,,odd.txt\n";
    CHECK_STR(got, want);
    free(got);
}

static void test_text(const cf_iocset *set, cf_write_opts o)
{
    /* The file IOC's digest is also an IOC of its own: written once. */
    char *got = render(CF_OUT_TEXT, set, &o);
    CHECK_STR(got, "bad-five.example\nhttp://example.com/evil.txt')\n" SHA256_DD "\n"
                   "198.51.100.81:443\nCVE-2021-44228\npayroll@bad-sender.example\n2001:db8::1\n"
                   "konto_identity.example\nhttp://a.example/x?q=1|2\nHKLM\\Software\\Run\n");
    free(got);

    o.only_type = CF_IOC_SHA256;
    got = render(CF_OUT_TEXT, set, &o);
    CHECK_STR(got, SHA256_DD "\n");
    free(got);

    /* Only file IOCs: the digest now comes from the composite. */
    o.only_type = CF_IOC_FILE;
    got = render(CF_OUT_TEXT, set, &o);
    CHECK_STR(got, SHA256_DD "\n");
    free(got);

    o.only_type = CF_IOC_IP;
    got = render(CF_OUT_TEXT, set, &o);
    CHECK_STR(got, "2001:db8::1\n");
    free(got);
}

/* The object of the bundle with this id, or NULL. */
static json_t *by_id(json_t *objs, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(objs, i, v)
    {
        const char *s = json_string_value(json_object_get(v, "id"));
        if (s && strcmp(s, id) == 0) {
            return v;
        }
    }
    return NULL;
}

static size_t count_type(json_t *objs, const char *type)
{
    size_t i, n = 0;
    json_t *v;
    json_array_foreach(objs, i, v)
    {
        n += strcmp(json_string_value(json_object_get(v, "type")), type) == 0;
    }
    return n;
}

static const char *str_at(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(absent)";
}

/* The one marking ref of o, "(none)" or "(several)". */
static const char *marking_of(json_t *o)
{
    json_t *m = json_object_get(o, "object_marking_refs");
    if (!m) {
        return "(none)";
    }
    return json_array_size(m) == 1 ? json_string_value(json_array_get(m, 0)) : "(several)";
}

static void test_stix_indicators(json_t *objs)
{
    char id[64];

    cf_stix_indicator_id(id, "[domain-name:value = 'bad-five.example']");
    json_t *d = by_id(objs, id);
    CHECK(d != NULL);
    CHECK_STR(str_at(d, "pattern"), "[domain-name:value = 'bad-five.example']");
    CHECK_STR(str_at(d, "created"), "2026-01-02T03:04:05.678Z");
    CHECK_STR(str_at(d, "modified"), "2026-03-01T00:00:00.000Z");
    CHECK_STR(str_at(d, "valid_from"), "2026-01-02T03:04:05.678Z");
    CHECK_STR(str_at(d, "x_ctiflow_original"), "bad-five[.]example");
    CHECK_STR(marking_of(d), "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da");
    CHECK_INT(json_integer_value(json_object_get(d, "confidence")), 80);
    json_t *labels = json_object_get(d, "labels");
    CHECK_INT(json_array_size(labels), 2);
    CHECK_STR(json_string_value(json_array_get(labels, 1)), "Emotet");
    CHECK_STR(str_at(json_array_get(json_object_get(d, "external_references"), 0), "source_name"),
              "feedA");

    /* Case 03's escape survives JSON: the decoded pattern has \' inside. */
    cf_stix_indicator_id(id, "[url:value = 'http://example.com/evil.txt\\')']");
    json_t *u = by_id(objs, id);
    CHECK(u != NULL);
    CHECK_STR(str_at(u, "pattern"), "[url:value = 'http://example.com/evil.txt\\')']");
    CHECK_INT(json_array_size(json_object_get(u, "external_references")), 2);
    CHECK_STR(str_at(json_array_get(json_object_get(u, "external_references"), 1), "external_id"),
              "ref-1");
    CHECK_STR(str_at(u, "created"), "2026-01-05T00:00:00.000Z");
    CHECK_STR(marking_of(u), "(none)");

    /* No times from the source: created and valid_from are `now`. */
    cf_stix_indicator_id(id, "[ipv6-addr:value = '2001:db8::1']");
    json_t *ip = by_id(objs, id);
    CHECK(ip != NULL);
    CHECK_STR(str_at(ip, "valid_from"), "2026-01-01T00:00:00.000Z");
    CHECK_STR(str_at(ip, "valid_until"), "2026-03-01T00:00:00.000Z");
    CHECK_STR(str_at(ip, "description"), "C2 server");
    CHECK_INT(json_array_size(json_object_get(ip, "external_references")), 1);

    /* The composite's own marking; the plain digest inherits the event's green. */
    cf_stix_indicator_id(
        id, "[file:name = 'invoice_0424.exe' AND file:hashes.'SHA-256' = '" SHA256_DD "']");
    CHECK_STR(marking_of(by_id(objs, id)),
              "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
    cf_stix_indicator_id(id, "[file:hashes.'SHA-256' = '" SHA256_DD "']");
    CHECK_STR(marking_of(by_id(objs, id)),
              "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da");

    cf_stix_indicator_id(id, "[network-traffic:dst_ref.type = 'ipv4-addr' AND "
                             "network-traffic:dst_ref.value = '198.51.100.81' AND "
                             "network-traffic:dst_port = 443]");
    CHECK(by_id(objs, id) != NULL);

    cf_stix_indicator_id(id,
                         "[domain-name:value = 'a.example'] OR [domain-name:value = 'b.example']");
    json_t *c = by_id(objs, id);
    CHECK(c != NULL);
    CHECK_STR(str_at(c, "name"), "Two domains");
    CHECK_STR(marking_of(c), "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82");
    CHECK_STR(str_at(json_array_get(json_object_get(c, "external_references"), 0), "external_id"),
              "example:indicator-1");
}

static void test_stix_others(json_t *objs)
{
    /* 11 IOCs: 10 indicators and a vulnerability; plus the compound's indicator. */
    CHECK_INT(count_type(objs, "indicator"), 11);
    CHECK_INT(count_type(objs, "vulnerability"), 1);
    CHECK_INT(count_type(objs, "malware"), 1);
    CHECK_INT(count_type(objs, "intrusion-set"), 2);
    CHECK_INT(count_type(objs, "identity"), 2);
    CHECK_INT(count_type(objs, "report"), 1);
    CHECK_INT(count_type(objs, "grouping"), 1);
    /* Emotet and APT28 from IOC 1; Sofacy (the event's actor) from IOCs 3 and 4. */
    CHECK_INT(count_type(objs, "relationship"), 4);
    /* Amber+strict is not built in, so its definition travels with the bundle. */
    CHECK_INT(count_type(objs, "marking-definition"), 1);
    CHECK(by_id(objs, "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003") != NULL);

    json_t *r = by_id(objs, "report--" E1_UUID);
    CHECK(r != NULL);
    CHECK_STR(str_at(r, "published"), "2026-01-05T00:00:00.000Z");
    CHECK_STR(str_at(r, "created"), "2025-12-24T10:00:00.000Z");
    CHECK_STR(str_at(r, "modified"), "2026-01-02T03:04:05.678Z");
    CHECK_STR(marking_of(r), "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da");
    /* Its file, sha256, vulnerability, compound and the Sofacy intrusion-set. */
    CHECK_INT(json_array_size(json_object_get(r, "object_refs")), 5);
    json_t *org = by_id(objs, str_at(r, "created_by_ref"));
    CHECK_STR(str_at(org, "name"), "CIRCL");

    size_t i;
    json_t *v;
    json_array_foreach(objs, i, v)
    {
        if (strcmp(str_at(v, "type"), "grouping") == 0) {
            CHECK_STR(str_at(v, "context"), "suspicious-activity");
            CHECK_STR(str_at(v, "name"), "Unpublished");
            CHECK_INT(json_array_size(json_object_get(v, "object_refs")), 1);
        }
        if (strcmp(str_at(v, "type"), "vulnerability") == 0) {
            CHECK_STR(str_at(v, "name"), "CVE-2021-44228");
            CHECK_STR(marking_of(v), "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed");
        }
        if (strcmp(str_at(v, "type"), "malware") == 0) {
            CHECK(json_is_true(json_object_get(v, "is_family")));
        }
    }
}

static void test_stix(const cf_iocset *set, cf_write_opts o)
{
    char *got = render(CF_OUT_STIX2, set, &o);
    json_error_t jerr;
    json_t *bundle = json_loads(got, 0, &jerr);
    CHECK(bundle != NULL);
    if (!bundle) {
        fprintf(stderr, "bundle does not parse: %s\n%s\n", jerr.text, got);
        free(got);
        return;
    }
    CHECK_STR(str_at(bundle, "type"), "bundle");
    CHECK(strncmp(str_at(bundle, "id"), "bundle--", 8) == 0);
    json_t *objs = json_object_get(bundle, "objects");
    CHECK_STR(str_at(json_array_get(objs, 0), "type"), "identity");
    CHECK_STR(str_at(json_array_get(objs, 0), "identity_class"), "system");
    test_stix_indicators(objs);
    test_stix_others(objs);
    CHECK_INT(count_type(objs, "domain-name"), 0);

    /* Same set, same now: same bytes. Another now: another bundle id. */
    char *again = render(CF_OUT_STIX2, set, &o);
    CHECK_STR(again, got);
    free(again);
    o.now += 1000;
    again = render(CF_OUT_STIX2, set, &o);
    json_t *b2 = json_loads(again, 0, NULL);
    CHECK(b2 && strcmp(str_at(b2, "id"), str_at(bundle, "id")) != 0);
    json_decref(b2);
    free(again);
    o.now -= 1000;

    /* With SCOs: deterministic ids, the display name, no defanged flag. */
    o.with_scos = true;
    char *scos = render(CF_OUT_STIX2, set, &o);
    json_t *b3 = json_loads(scos, 0, NULL);
    json_t *objs3 = json_object_get(b3, "objects");
    json_t *dn = by_id(objs3, "ipv6-addr--6469e3a9-b053-5e34-a025-9396ae051d26");
    CHECK(dn != NULL);
    CHECK_STR(str_at(dn, "value"), "2001:db8::1");
    CHECK(json_object_get(dn, "defanged") == NULL);
    CHECK_INT(count_type(objs3, "file"), 2);
    /* bad-five.example only: a host name with '_' is no valid domain-name value. */
    CHECK_INT(count_type(objs3, "domain-name"), 1);
    /* evil.txt') only: '|' is not allowed in a URI. */
    CHECK_INT(count_type(objs3, "url"), 1);
    json_t *rk = by_id(objs3, "windows-registry-key--24f36866-8ff5-5ab0-b34a-dd64f23f023b");
    CHECK_STR(str_at(rk, "key"), "HKEY_LOCAL_MACHINE\\Software\\Run");
    CHECK_INT(count_type(objs3, "ipv4-addr"), 1);
    CHECK_INT(count_type(objs3, "email-addr"), 1);
    size_t i;
    json_t *v;
    json_array_foreach(objs3, i, v)
    {
        if (strcmp(str_at(v, "type"), "email-addr") == 0) {
            CHECK_STR(str_at(v, "display_name"), "Payroll Team");
        }
    }
    json_decref(b3);
    free(scos);

    json_decref(bundle);
    free(got);
}

static void test_names(void)
{
    CHECK_STR(cf_out_format_name(CF_OUT_STIX2), "stix2");
    CHECK_STR(cf_out_format_name(CF_OUT_TEXT), "text");
    CHECK_INT(cf_out_format_from_name("jsonl"), CF_OUT_JSONL);
    CHECK_INT(cf_out_format_from_name("CSV"), CF_OUT_CSV);
    CHECK_INT(cf_out_format_from_name("misp"), CF_OUT_MISP);
    CHECK_INT(cf_out_format_from_name("yaml"), -1);
    CHECK(cf_out_format_name((cf_out_format)42) == NULL);

    cf_write_opts o;
    cf_write_opts_init(&o);
    CHECK_STR(o.producer, "ctiflow");
    CHECK_INT(o.only_type, CF_IOC_NONE);
    CHECK(!o.with_scos);
}

static void test_empty(void)
{
    cf_iocset *set = cf_iocset_new();
    cf_write_opts o;
    cf_write_opts_init(&o);
    o.now = T_NOW;
    char *got = render(CF_OUT_JSONL, set, &o);
    CHECK_STR(got, "");
    free(got);
    got = render(CF_OUT_CSV, set, &o);
    CHECK_STR(got, "type,value,first_seen,last_seen,confidence,tlp,labels,sources\n");
    free(got);
    got = render(CF_OUT_STIX2, set, &o);
    json_t *b = json_loads(got, 0, NULL);
    CHECK_INT(json_array_size(json_object_get(b, "objects")), 1);
    json_decref(b);
    free(got);
    cf_iocset_free(set);
}

/*
 * A report of more indicators than a writer keeps references in memory
 * (the older ones go to a temporary file): every one is referenced, in
 * the order of the indicators, across the block boundary.
 */
static void test_large_report(void)
{
    enum { N = 70000 };
    cf_iocset *set = cf_iocset_new();
    cf_event proto = {.uuid = E1_UUID,
                      .info = "large",
                      .published = true,
                      .date = CF_TIME_NONE,
                      .timestamp = CF_TIME_NONE,
                      .publish_timestamp = CF_TIME_NONE};
    const cf_event *ev = cf_iocset_event(set, &proto);
    cf_write_opts o;
    cf_write_opts_init(&o);
    o.now = T_NOW;
    char v[64];
    for (int i = 0; i < N; i++) {
        cf_obs obs;
        cf_obs_init(&obs);
        obs.feed = "large.json";
        obs.event = ev;
        snprintf(v, sizeof v, "h%d.example", i);
        add(set, &obs, CF_IOC_DOMAIN, v, CF_IOC_NONE, -1, NULL);
    }

    char *got = render(CF_OUT_STIX2, set, &o);
    json_t *b = json_loads(got, 0, NULL);
    json_t *objs = json_object_get(b, "objects"), *report = NULL, *ind[3] = {NULL, NULL, NULL};
    size_t n_ind = 0, k;
    json_t *obj;
    json_array_foreach(objs, k, obj)
    {
        const char *type = json_string_value(json_object_get(obj, "type"));
        if (type && strcmp(type, "report") == 0) {
            report = obj;
        } else if (type && strcmp(type, "indicator") == 0) {
            size_t at = n_ind++;
            int slot = at == 0 ? 0 : at == 65536 ? 1 : at == N - 1 ? 2 : -1;
            if (slot >= 0) {
                ind[slot] = json_object_get(obj, "id");
            }
        }
    }
    json_t *refs = json_object_get(report, "object_refs");
    CHECK_INT(n_ind, N);
    CHECK_INT(json_array_size(refs), N);
    CHECK(ind[0] && json_equal(json_array_get(refs, 0), ind[0]));
    CHECK(ind[1] && json_equal(json_array_get(refs, 65536), ind[1]));
    CHECK(ind[2] && json_equal(json_array_get(refs, N - 1), ind[2]));
    CHECK(!json_equal(json_array_get(refs, 65535), json_array_get(refs, 65536)));
    json_decref(b);
    free(got);
    cf_iocset_free(set);
}

/* Observation j of test_jsonl_threads into set: IOC j % n, repeated from j = n on. */
static void threads_add(cf_iocset *set, int j, int n)
{
    static const char *const tags[] = {"phishing", "c2", "botnet"};
    char value[64], text[64];
    int k = j % n;
    snprintf(value, sizeof value, "http://h%d.example/p\"%d", k, k % 7);
    snprintf(text, sizeof text, "hxxp://H%d.example/p\"%d", k, k % 7);
    cf_obs o;
    cf_obs_init(&o);
    o.text = k % 3 ? value : text;
    o.len = strlen(o.text);
    o.feed = j < n ? "feed-a" : "feed-b";
    o.line = (uint64_t)j + 1;
    o.first_seen = T_FIRST + (int64_t)(j % 5) * 86400000;
    o.confidence = j % 4 ? 50 + j % 50 : -1;
    o.labels = &tags[j % 2];
    o.n_labels = (size_t)(j % 3);
    add(set, &o, CF_IOC_URL, value, CF_IOC_NONE, -1, NULL);
}

/*
 * A set of more than one block of 4,096 IOCs is written on two threads:
 * its JSONL, from a set in memory and from one spilling to a file from its
 * first record, is the concatenation of the JSONL of sets of one block
 * each (written on one thread) holding the same IOCs, merged alike.
 */
static void test_jsonl_threads(const cf_write_opts *o)
{
    enum { N = 3 * 4096 + 123, REPEATS = 5000, SLICES = 4 };
    char dir[] = "/tmp/ctiflow-test-jsonl-XXXXXX";
    cf_iocset *mem = cf_iocset_new(), *disk = cf_iocset_new(), *slice[SLICES];

    CHECK(mkdtemp(dir) != NULL);
    CHECK_INT(cf_iocset_spill(disk, dir, 0), CF_OK);
    for (int i = 0; i < SLICES; i++) {
        slice[i] = cf_iocset_new();
    }
    for (int j = 0; j < N + REPEATS; j++) {
        threads_add(mem, j, N);
        threads_add(disk, j, N);
        threads_add(slice[j % N / 4096], j, N);
    }

    char *want = NULL;
    size_t want_len = 0;
    FILE *all = open_memstream(&want, &want_len);
    for (int i = 0; i < SLICES; i++) {
        char *part = render(CF_OUT_JSONL, slice[i], o);
        fputs(part ? part : "", all);
        free(part);
        cf_iocset_free(slice[i]);
    }
    fclose(all);

    char *got_mem = render(CF_OUT_JSONL, mem, o), *got_disk = render(CF_OUT_JSONL, disk, o);
    size_t lines = 0;
    for (const char *p = want; p && *p; p++) {
        lines += *p == '\n';
    }
    CHECK_INT(lines, N);
    CHECK(strstr(want, "\"value\":\"http://h4098.example/p\\\"3\",\"original\":") != NULL);
    CHECK_INT(strlen(got_mem), want_len);
    CHECK(got_mem && strcmp(got_mem, want) == 0);
    CHECK(got_disk && strcmp(got_disk, want) == 0);

    free(want);
    free(got_mem);
    free(got_disk);
    cf_iocset_free(mem);
    cf_iocset_free(disk);
    CHECK_INT(rmdir(dir), 0);
}

int main(int argc, char **argv)
{
    cf_iocset *set = build_set();
    cf_write_opts o;
    cf_write_opts_init(&o);
    o.now = T_NOW;

    if (argc >= 3 && (strcmp(argv[1], "--stix") == 0 || strcmp(argv[1], "--jsonl") == 0)) {
        cf_out_format f_out = strcmp(argv[1], "--stix") == 0 ? CF_OUT_STIX2 : CF_OUT_JSONL;
        o.with_scos = argc >= 4 && strcmp(argv[3], "--scos") == 0;
        FILE *f = fopen(argv[2], "w");
        cf_error err;
        cf_error_clear(&err);
        int rc = f && cf_write_any(f, f_out, set, &o, &err) == CF_OK ? 0 : 1;
        if (f) {
            fclose(f);
        }
        cf_iocset_free(set);
        return rc;
    }

    test_names();
    test_jsonl(set, &o);
    test_csv(set, &o);
    test_text(set, o);
    test_stix(set, o);
    test_empty();
    test_large_report();
    test_jsonl_threads(&o);
    cf_iocset_free(set);
    TEST_MAIN_END();
}
