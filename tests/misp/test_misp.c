/*
 * Tests of the MISP reader and writers: every MISP file of the shared corpus
 * with its counts, the corpus README's edge cases, the bug-report cases 13,
 * 15 and 24 with inline inputs, limits (nesting, manifest paths), the MISP
 * writer's composites, tags and stable uuids, and feed directories whose
 * event timestamps move only when the content changes.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctiflow/iocset.h"
#include "ctiflow/reader.h"
#include "ctiflow/stix.h"
#include "ctiflow/writer.h"
#include "../../convert/misp_types.h"
#include "testlib.h"

/* ---- a recording sink in front of a collector ---- */

typedef struct rec {
    cf_collector col;
    cf_iocset *set;
    size_t obs, by_type[CF_IOC_TYPE_COUNT];
    size_t events, warnings, rejects, errors;
    char diags[4096];
} rec;

static cf_status rec_obs(void *ctx, const cf_obs *o)
{
    rec *r = ctx;
    r->obs++;
    r->by_type[o->type]++;
    cf_sink s = cf_collector_sink(&r->col);
    return s.obs(s.ctx, o);
}

static void rec_diag(void *ctx, const cf_diag *d)
{
    rec *r = ctx;
    size_t n = strlen(r->diags);
    if (d->level == CF_DIAG_WARNING) {
        r->warnings++;
    } else if (d->level == CF_DIAG_REJECT) {
        r->rejects++;
    } else {
        r->errors++;
    }
    snprintf(r->diags + n, sizeof r->diags - n, "%d|%s|%s|%.*s\n", (int)d->level,
             d->ref ? d->ref : "", d->reason, (int)(d->value ? d->value_len : 0),
             d->value ? d->value : "");
}

static cf_event *rec_event(void *ctx, const cf_event *proto)
{
    rec *r = ctx;
    r->events++;
    return cf_iocset_event(r->set, proto);
}

static void rec_init(rec *r)
{
    memset(r, 0, sizeof *r);
    r->set = cf_iocset_new();
    cf_collector_init(&r->col, r->set, NULL, NULL);
}

static void rec_fini(rec *r)
{
    cf_collector_fini(&r->col);
    cf_iocset_free(r->set);
}

static cf_sink rec_sink(rec *r)
{
    cf_sink s = {rec_obs, rec_diag, NULL, rec_event, r};
    return s;
}

static cf_status read_mem(rec *r, const char *name, const char *json)
{
    cf_input *in = NULL;
    cf_error err;
    cf_read_opts o;
    cf_sink s = rec_sink(r);

    cf_error_clear(&err);
    cf_read_opts_init(&o);
    cf_status st = cf_input_open_mem(&in, name, json, strlen(json), &err);
    if (st == CF_OK) {
        st = cf_read_misp(in, &o, &s, &err);
    }
    cf_input_close(in);
    return st;
}

static cf_status read_path(rec *r, const char *path)
{
    cf_input *in = NULL;
    cf_error err;
    cf_read_opts o;
    cf_sink s = rec_sink(r);

    cf_error_clear(&err);
    cf_read_opts_init(&o);
    cf_status st = cf_input_open_file(&in, path, &err);
    if (st == CF_OK) {
        st = cf_read_misp(in, &o, &s, &err);
    }
    cf_input_close(in);
    return st;
}

static const cf_ioc *find(const rec *r, cf_ioc_type t, const char *v)
{
    return cf_iocset_find(r->set, t, v);
}

static const char *pattern_of(const cf_ioc *ioc, cf_buf *b)
{
    cf_buf_reset(b);
    if (!ioc || cf_stix_pattern(b, ioc) != CF_OK) {
        return "(none)";
    }
    return cf_buf_str(b);
}

/* ---- every MISP file of the corpus ---- */

typedef struct corpus_file {
    const char *path;
    size_t events, obs;
} corpus_file;

static const corpus_file corpus_files[] = {
    {"feed-infoblox/indicators/misp/0472809b-1582-4dde-88a9-d82848e9e660.json", 1, 175},
    {"feed-infoblox/indicators/misp/0985427f-ab14-4acb-b62f-d56529114048.json", 1, 237},
    {"feed-infoblox/indicators/misp/0dbb179a-1c8c-4e7c-a264-2440414dbac8.json", 1, 23},
    {"feed-infoblox/indicators/misp/1733d613-f09f-43ec-8e6a-3926f75e5fa4.json", 1, 210},
    {"feed-infoblox/indicators/misp/249c67e1-3587-4981-b400-c37de2b6938a.json", 1, 1596},
    {"feed-infoblox/indicators/misp/24e799ca-aad8-4244-8005-90b3ceb44540.json", 1, 9},
    {"feed-infoblox/indicators/misp/27dceb7d-92bd-4848-bfbd-8570e86de7de.json", 1, 121},
    {"feed-infoblox/indicators/misp/2dc45085-7f6b-48ee-b726-400a326ad9b5.json", 1, 42},
    {"feed-infoblox/indicators/misp/2e259cec-4fdb-4f25-88de-c51c4c18c854.json", 1, 27},
    {"feed-infoblox/indicators/misp/339f715f-cce7-4769-99f9-9e76157f403f.json", 1, 458},
    {"feed-infoblox/indicators/misp/5e9c35b9-5e5c-4221-9e27-313127fc1f02.json", 1, 205},
    {"feed-infoblox/indicators/misp/68f58844-4aa6-4e1c-8ee5-cfb58eb6665e.json", 1, 28},
    {"feed-infoblox/indicators/misp/6981d484-d332-48ab-a6b6-38a89c65a6ee.json", 1, 208},
    {"feed-infoblox/indicators/misp/6c1c6c4f-5cde-474f-bb69-8e5b8b041f81.json", 1, 17},
    {"feed-infoblox/indicators/misp/7706424f-51dd-4873-a103-af5dbcf42fbd.json", 1, 268},
    {"feed-infoblox/indicators/misp/8c8ec60d-d6f4-461a-9427-dbe1b5d504ac.json", 1, 41},
    {"feed-infoblox/indicators/misp/8fdc25b2-be01-4f81-86fd-90342f78c4cf.json", 1, 186},
    {"feed-infoblox/indicators/misp/97269275-4abd-4bfd-80e3-2685e23e0160.json", 1, 519},
    {"feed-infoblox/indicators/misp/987842c3-0a53-4404-8e8c-05929b7e4f21.json", 1, 29},
    {"feed-infoblox/indicators/misp/a8a516f1-613c-4f74-abc0-1f9abb615af7.json", 1, 82},
    {"feed-infoblox/indicators/misp/aacc7574-34ba-40fa-b39c-b682cea1387b.json", 1, 28},
    {"feed-infoblox/indicators/misp/ad8cbc0d-a3ae-4040-a12c-0562afbf6d1b.json", 1, 88},
    {"feed-infoblox/indicators/misp/afcd2e24-0a22-47f4-9e82-890cc4f85899.json", 1, 375},
    {"feed-infoblox/indicators/misp/bf89f592-eaf5-4e0e-b4dc-b0003f3e437d.json", 1, 56},
    {"feed-infoblox/indicators/misp/c166c077-13fc-4265-86c4-731dee06ad8a.json", 1, 24},
    {"feed-infoblox/indicators/misp/cc33bdf4-9b17-47a7-8269-31ff51976275.json", 1, 48},
    {"feed-infoblox/indicators/misp/d83c5966-efe8-45c2-92e4-e9eb1b9fb8fd.json", 1, 22},
    {"feed-infoblox/indicators/misp/d8db83b5-2153-43c3-9b31-74e0977186b4.json", 1, 283},
    {"feed-infoblox/indicators/misp/dad88707-beb8-4a14-94e2-5ffecf5a5f85.json", 1, 6},
    {"feed-infoblox/indicators/misp/f02183b6-33a0-4a69-bc22-7a0d5b034ab6.json", 1, 15},
    {"misp-core/tests/event.json", 1, 37},
    {"misp-stix/tests/test_attributes_collection_1.json", 1, 2},
    {"misp-stix/tests/test_attributes_collection_2.json", 1, 3},
    {"misp-stix/tests/test_events_collection_1.json", 2, 2},
    {"misp-stix/tests/test_events_collection_2.json", 2, 3},
    {"misp-stix/tests/test_objects_collection_1.json", 0, 6},
    {"misp-stix/tests/test_objects_collection_2.json", 0, 2},
    {"pymisp/tests/57c4445b-c548-4654-af0b-4be3950d210f.json", 1, 7},
    {"pymisp/tests/misp_event.json", 1, 1},
    {"pymisp/tests/mispevent_testfiles/attribute.json", 1, 1},
    {"pymisp/tests/mispevent_testfiles/attribute_del.json", 1, 0},
    {"pymisp/tests/mispevent_testfiles/def_param.json", 1, 3},
    {"pymisp/tests/mispevent_testfiles/event.json", 1, 0},
    {"pymisp/tests/mispevent_testfiles/event_obj_attr_tag.json", 1, 2},
    {"pymisp/tests/mispevent_testfiles/event_obj_def_param.json", 1, 2},
    {"pymisp/tests/mispevent_testfiles/event_obj_tag.json", 1, 1},
    {"pymisp/tests/mispevent_testfiles/event_tags.json", 1, 0},
    {"pymisp/tests/mispevent_testfiles/existing_event.json", 1, 84},
    {"pymisp/tests/mispevent_testfiles/existing_event_edited.json", 1, 84},
    {"pymisp/tests/mispevent_testfiles/galaxy.json", 0, 0},
    {"pymisp/tests/mispevent_testfiles/malware.json", 1, 0},
    {"pymisp/tests/mispevent_testfiles/malware_exist.json", 1, 5},
    {"pymisp/tests/mispevent_testfiles/misp_custom_obj.json", 1, 0},
    {"pymisp/tests/mispevent_testfiles/proposals.json", 1, 1},
    {"pymisp/tests/mispevent_testfiles/shadow.json", 1, 2},
    {"pymisp/tests/mispevent_testfiles/sighting.json", 0, 0},
    {"pymisp/tests/mispevent_testfiles/simple.json", 0, 0},
    {"pymisp/tests/new_misp_event.json", 1, 0},
    {"pymisp/tests/reportlab_testfiles/galaxy_1.json", 1, 6},
    {"pymisp/tests/reportlab_testfiles/japanese_test.json", 1, 0},
    {"pymisp/tests/reportlab_testfiles/sighting_1.json", 1, 5},
    {"pymisp/tests/search_index_result.json", 1, 0},
};

static void test_corpus_files(void)
{
    char path[4096];
    size_t n = sizeof corpus_files / sizeof corpus_files[0];

    for (size_t i = 0; i < n; i++) {
        rec r;
        char rel[512];
        snprintf(rel, sizeof rel, "misp/%s", corpus_files[i].path);
        if (!test_corpus(path, sizeof path, rel)) {
            test_skip("MISP corpus not found (set CORPUS)");
        }
        rec_init(&r);
        cf_status st = read_path(&r, path);
        if (st != CF_OK || r.events != corpus_files[i].events || r.obs != corpus_files[i].obs) {
            fprintf(stderr, "%s: status %d events %zu obs %zu\n", corpus_files[i].path, st,
                    r.events, r.obs);
        }
        CHECK_INT(st, CF_OK);
        CHECK_INT(r.events, corpus_files[i].events);
        CHECK_INT(r.obs, corpus_files[i].obs);
        rec_fini(&r);
    }
    printf("read %zu MISP corpus files\n", n);
}

/* The Infoblox "ukraine_russia" event, counted by type after normalisation. */
static void test_infoblox_ukraine(void)
{
    char path[4096];
    rec r;
    size_t by_type[CF_IOC_TYPE_COUNT] = {0};

    if (!test_corpus(path, sizeof path,
                     "misp/feed-infoblox/indicators/misp/249c67e1-3587-4981-b400-c37de2b6938a.json")) {
        test_skip("MISP corpus not found (set CORPUS)");
    }
    rec_init(&r);
    CHECK_INT(read_path(&r, path), CF_OK);
    CHECK_INT(r.obs, 1596);
    CHECK_INT(r.by_type[CF_IOC_DOMAIN], 1392);
    CHECK_INT(r.by_type[CF_IOC_URL], 136);
    CHECK_INT(r.by_type[CF_IOC_EMAIL], 31);
    CHECK_INT(r.by_type[CF_IOC_IP], 25);
    CHECK_INT(r.by_type[CF_IOC_SHA256], 12);
    for (size_t i = 0; i < cf_iocset_count(r.set); i++) {
        by_type[cf_iocset_at(r.set, i)->type]++;
    }
    printf("ukraine_russia: %zu unique IOCs, %zu rejected: domain %zu url %zu email %zu ip %zu "
           "sha256 %zu\n", cf_iocset_count(r.set), (size_t)cf_iocset_stats_of(r.set)->rejected,
           by_type[CF_IOC_DOMAIN], by_type[CF_IOC_URL], by_type[CF_IOC_EMAIL], by_type[CF_IOC_IP],
           by_type[CF_IOC_SHA256]);
    CHECK_INT(r.events, 1);
    const cf_event *e = cf_iocset_event_at(r.set, 0);
    CHECK_STR(e->info, "ukraine_russia_malicous_suspicious_iocs");
    CHECK_STR(e->orgc, "Infoblox");
    CHECK_INT(e->tlp, CF_TLP_CLEAR);
    CHECK_INT(e->published, 1);
    rec_fini(&r);
}

/* Manifest with 46 entries of which 30 files are present. */
static void test_infoblox_feed_dir(void)
{
    char path[4096];
    rec r;
    cf_error err;

    if (!test_corpus(path, sizeof path, "misp/feed-infoblox/indicators/misp/manifest.json")) {
        test_skip("MISP corpus not found (set CORPUS)");
    }
    *strrchr(path, '/') = '\0';
    rec_init(&r);
    cf_sink s = rec_sink(&r);
    cf_error_clear(&err);
    CHECK_INT(cf_read_misp_feed_dir(path, NULL, &s, &err), CF_OK);
    CHECK_INT(r.events, 30);
    CHECK_INT(r.errors, 16);
    CHECK(strstr(r.diags, "event listed in the manifest has no readable file") != NULL);
    /* The value is the event's file name in the feed ("UUID.json"), not a path. */
    const char *v = strstr(r.diags, "has no readable file|");
    v = v ? v + strlen("has no readable file|") : "";
    size_t vlen = strcspn(v, "\n");
    CHECK_INT((long long)vlen, 41);
    CHECK(memchr(v, '/', vlen) == NULL && vlen > 5 && memcmp(v + vlen - 5, ".json", 5) == 0);
    size_t total = 0;
    for (size_t i = 0; i < 30; i++) {
        total += corpus_files[i].obs;
    }
    CHECK_INT(r.obs, total);
    rec_fini(&r);
}

/* Edge cases listed in the corpus README. */
static void test_corpus_edges(void)
{
    char path[4096];
    cf_buf b = CF_BUF_INIT;
    rec r;

    /* filename|sha256 without a separator (Infoblox 68f58844): rejected with a reason. */
    if (!test_corpus(path, sizeof path,
                     "misp/feed-infoblox/indicators/misp/68f58844-4aa6-4e1c-8ee5-cfb58eb6665e.json")) {
        test_skip("MISP corpus not found (set CORPUS)");
    }
    rec_init(&r);
    CHECK_INT(read_path(&r, path), CF_OK);
    CHECK_INT(r.rejects, 1);
    CHECK(strstr(r.diags, "e1763fb6-c003-48bf-b51e-a255340b4160|hash part does not match") !=
          NULL);
    rec_fini(&r);

    /* domain|ip split into its parts (misp-stix collection 2). */
    test_corpus(path, sizeof path, "misp/misp-stix/tests/test_attributes_collection_2.json");
    rec_init(&r);
    CHECK_INT(read_path(&r, path), CF_OK);
    CHECK(find(&r, CF_IOC_DOMAIN, "circl.lu") != NULL);
    CHECK(find(&r, CF_IOC_IP, "149.13.33.14") != NULL);
    CHECK(find(&r, CF_IOC_FILENAME, "test_file_name") != NULL);
    rec_fini(&r);

    /* Deleted attribute skipped. */
    test_corpus(path, sizeof path, "misp/pymisp/tests/mispevent_testfiles/attribute_del.json");
    rec_init(&r);
    CHECK_INT(read_path(&r, path), CF_OK);
    CHECK_INT(r.obs, 0);
    CHECK_INT(cf_iocset_count(r.set), 0);
    rec_fini(&r);

    /* Old galaxy data: Sofacy as actor, domain-ip objects, file objects. */
    test_corpus(path, sizeof path, "misp/pymisp/tests/mispevent_testfiles/existing_event.json");
    rec_init(&r);
    CHECK_INT(read_path(&r, path), CF_OK);
    const cf_event *e = cf_iocset_event_at(r.set, 0);
    CHECK(e != NULL && e->n_actors == 1 && strcmp(e->actors[0], "Sofacy") == 0);
    CHECK(e != NULL && e->n_malware == 11);
    CHECK_INT(r.by_type[CF_IOC_SHA1], 37);
    CHECK_INT(r.by_type[CF_IOC_FILENAME], 15);
    CHECK_INT(r.by_type[CF_IOC_IP], 12);
    CHECK_INT(r.by_type[CF_IOC_DOMAIN], 19);
    CHECK(strstr(r.diags, "|38 attributes of a not carried MISP type skipped|text") != NULL);
    const cf_ioc *ioc = find(&r, CF_IOC_SHA1, "68064fc152e23d56e541714af52651cb4ba81aaf");
    CHECK(ioc != NULL && ioc->n_actors == 1 && strcmp(ioc->actors[0], "Sofacy") == 0);
    CHECK(ioc != NULL && ioc->tlp == CF_TLP_CLEAR);
    rec_fini(&r);

    /* malware-sample inside a {"response": [...]} file object. */
    test_corpus(path, sizeof path, "misp/pymisp/tests/mispevent_testfiles/malware_exist.json");
    rec_init(&r);
    CHECK_INT(read_path(&r, path), CF_OK);
    CHECK_INT(r.by_type[CF_IOC_FILE], 1);
    rec_fini(&r);

    /* Non-ASCII text and CRLF inside a value read without errors. */
    test_corpus(path, sizeof path, "misp/pymisp/tests/reportlab_testfiles/japanese_test.json");
    rec_init(&r);
    CHECK_INT(read_path(&r, path), CF_OK);
    CHECK_INT(r.events, 1);
    rec_fini(&r);
    cf_buf_free(&b);
}

/* ---- cases with inline inputs ---- */

static const char case13[] =
    "{\"Event\": {\"uuid\": \"e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a8b9\", \"info\": \"Phishing\","
    " \"date\": \"2018-07-13\", \"timestamp\": \"1531440000\", \"published\": true,"
    " \"Attribute\": ["
    "{\"uuid\": \"9d3e4f50-4444-4e3a-9c03-000000000001\", \"type\": \"filename|sha256\","
    " \"to_ids\": true, \"timestamp\": \"1531440000\", \"value\":"
    " \"invoice_0424.exe|DD731AD77F95864FC8CC4A451B3208509E9FB5E4166F0AE2BC81A539D9B1ECA1\"},"
    "{\"uuid\": \"9d3e4f50-4444-4e3a-9c03-000000000002\", \"type\": \"filename|md5\","
    " \"to_ids\": true, \"timestamp\": \"1531440000\","
    " \"value\": \"report.pdf|640531c5ce99087040866f817a50e245\"},"
    "{\"uuid\": \"9d3e4f50-4444-4e3a-9c03-000000000003\", \"type\": \"filename|sha1\","
    " \"to_ids\": true, \"timestamp\": \"1531440000\","
    " \"value\": \"odd|name.sh|8da99503f3a6a34f1563068530f0872590079222\"},"
    "{\"uuid\": \"9d3e4f50-4444-4e3a-9c03-000000000004\", \"type\": \"sha256\","
    " \"to_ids\": true, \"timestamp\": \"1531440000\","
    " \"value\": \"dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1\"},"
    "{\"uuid\": \"9d3e4f50-4444-4e3a-9c03-000000000005\", \"type\": \"filename|sha1\","
    " \"to_ids\": true, \"timestamp\": \"1531440000\","
    " \"value\": \"wrong.bin|dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1\"}"
    "]}}";

static void test_case13(void)
{
    rec r;
    cf_buf b = CF_BUF_INIT;

    rec_init(&r);
    CHECK_INT(read_mem(&r, "case13.json", case13), CF_OK);
    const cf_ioc *f1 = find(&r, CF_IOC_FILE,
                            "invoice_0424.exe|dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1");
    const cf_ioc *f2 = find(&r, CF_IOC_FILE, "report.pdf|640531c5ce99087040866f817a50e245");
    const cf_ioc *f3 = find(&r, CF_IOC_FILE, "odd|name.sh|8da99503f3a6a34f1563068530f0872590079222");
    const cf_ioc *h = find(&r, CF_IOC_SHA256,
                           "dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1");
    CHECK(f1 && f2 && f3 && h);
    CHECK_STR(pattern_of(f1, &b), "[file:name = 'invoice_0424.exe' AND file:hashes.'SHA-256' = "
                                  "'dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1']");
    CHECK_STR(pattern_of(f2, &b),
              "[file:name = 'report.pdf' AND file:hashes.MD5 = '640531c5ce99087040866f817a50e245']");
    CHECK_STR(pattern_of(f3, &b), "[file:name = 'odd|name.sh' AND file:hashes.'SHA-1' = "
                                  "'8da99503f3a6a34f1563068530f0872590079222']");
    CHECK_STR(pattern_of(h, &b), "[file:hashes.'SHA-256' = "
                                 "'dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1']");
    /* A 64-hex hash under filename|sha1 is rejected, not taken as SHA-256. */
    CHECK_INT(r.rejects, 1);
    CHECK(strstr(r.diags, "9d3e4f50-4444-4e3a-9c03-000000000005|hash part does not match") !=
          NULL);
    CHECK_INT(cf_iocset_count(r.set), 4);

    /* MISP output keeps the composite with the lower-case hash. */
    char *text = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&text, &len);
    cf_write_opts wo;
    cf_write_opts_init(&wo);
    wo.now = 1700000000000LL;
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_write_misp(mf, r.set, &wo, &err), CF_OK);
    fclose(mf);
    CHECK(strstr(text, "\"type\": \"filename|sha256\"") != NULL);
    CHECK(strstr(text, "\"invoice_0424.exe|dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a5"
                       "39d9b1eca1\"") != NULL);
    CHECK(strstr(text, "\"odd|name.sh|8da99503f3a6a34f1563068530f0872590079222\"") != NULL);
    CHECK(strstr(text, "DD731AD7") == NULL);
    CHECK(strstr(text, "\"uuid\": \"e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a8b9\"") != NULL);
    free(text);
    cf_buf_free(&b);
    rec_fini(&r);
}

static const char case15[] =
    "{\"Event\": {\"uuid\": \"3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f\", \"info\": \"Mixed\","
    " \"date\": \"2018-12-30\", \"timestamp\": \"1546171200\", \"published\": true,"
    " \"Tag\": [{\"name\": \"tlp:green\"}], \"Attribute\": ["
    "{\"uuid\": \"bf506172-6666-4a5c-9e05-000000000001\", \"type\": \"domain\","
    " \"to_ids\": true, \"timestamp\": \"1546171200\", \"value\": \"green-tlp.example\"},"
    "{\"uuid\": \"bf506172-6666-4a5c-9e05-000000000002\", \"type\": \"domain\","
    " \"to_ids\": true, \"timestamp\": \"1546171200\", \"value\": \"red-tlp.example\","
    " \"Tag\": [{\"name\": \"tlp:red\"}]}]}}";

static void test_case15(void)
{
    rec r;

    rec_init(&r);
    CHECK_INT(read_mem(&r, "case15.json", case15), CF_OK);
    const cf_ioc *g = find(&r, CF_IOC_DOMAIN, "green-tlp.example");
    const cf_ioc *red = find(&r, CF_IOC_DOMAIN, "red-tlp.example");
    CHECK(g && red);
    CHECK_INT(g ? g->tlp : -1, CF_TLP_GREEN);
    CHECK_INT(red ? red->tlp : -1, CF_TLP_RED);
    CHECK_STR(cf_stix_tlp_marking_id(CF_TLP_GREEN),
              "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da");
    CHECK_STR(cf_stix_tlp_marking_id(CF_TLP_RED),
              "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed");

    /* MISP output: tlp:green on the event, tlp:red on the attribute only. */
    char *text = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&text, &len);
    cf_write_opts wo;
    cf_write_opts_init(&wo);
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_write_misp(mf, r.set, &wo, &err), CF_OK);
    fclose(mf);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    CHECK(root != NULL);
    json_t *ev = json_object_get(root, "Event");
    json_t *etags = json_object_get(ev, "Tag");
    CHECK_INT(json_array_size(etags), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(etags, 0), "name")), "tlp:green");
    json_t *attrs = json_object_get(ev, "Attribute");
    CHECK_INT(json_array_size(attrs), 2);
    for (size_t i = 0; i < json_array_size(attrs); i++) {
        json_t *a = json_array_get(attrs, i);
        const char *v = json_string_value(json_object_get(a, "value"));
        json_t *tags = json_object_get(a, "Tag");
        if (v && strcmp(v, "red-tlp.example") == 0) {
            CHECK_INT(json_array_size(tags), 1);
            CHECK_STR(json_string_value(json_object_get(json_array_get(tags, 0), "name")),
                      "tlp:red");
        } else {
            CHECK_INT(json_array_size(tags), 0);
        }
    }
    json_decref(root);
    free(text);
    rec_fini(&r);
}

static const char case24[] =
    "{\"Event\": {\"uuid\": \"5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e\", \"info\": \"OSINT\","
    " \"date\": \"2019-05-23\", \"timestamp\": 1558612345.678,"
    " \"publish_timestamp\": \"1558612400\", \"published\": true,"
    " \"Tag\": [{\"name\": \"tlp:white\", \"colour\": \"#ffffff\"}], \"Attribute\": ["
    "{\"uuid\": \"7f8091a2-b3c4-4d5e-8f6a-000000000001\", \"type\": \"domain\","
    " \"to_ids\": true, \"timestamp\": \"1558612300.25\", \"value\": \"float-ts.example\"},"
    "{\"uuid\": \"7f8091a2-b3c4-4d5e-8f6a-000000000002\", \"type\": \"ip-dst\","
    " \"to_ids\": true, \"timestamp\": 1558612301, \"value\": \"198.51.100.99\"},"
    "{\"uuid\": \"7f8091a2-b3c4-4d5e-8f6a-000000000003\", \"type\": \"url\","
    " \"to_ids\": true, \"timestamp\": \"1558612302\","
    " \"value\": \"http://float-ts.example/gate.php\"}]}}";

static void test_case24(void)
{
    rec r;
    cf_buf b = CF_BUF_INIT;

    rec_init(&r);
    CHECK_INT(read_mem(&r, "case24.json", case24), CF_OK);
    CHECK_INT(r.rejects, 0);
    CHECK_INT(r.warnings, 3);
    CHECK(strstr(r.diags, "5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e|timestamp is not") != NULL);
    CHECK(strstr(r.diags, "7f8091a2-b3c4-4d5e-8f6a-000000000001|timestamp is not") != NULL);
    CHECK(strstr(r.diags, "7f8091a2-b3c4-4d5e-8f6a-000000000002|timestamp is not") != NULL);
    CHECK(strstr(r.diags, "7f8091a2-b3c4-4d5e-8f6a-000000000003|") == NULL);

    const cf_event *e = cf_iocset_event_at(r.set, 0);
    CHECK_INT(e->timestamp, 1558612345678LL);
    CHECK_INT(e->publish_timestamp, 1558612400000LL);
    const cf_ioc *d = find(&r, CF_IOC_DOMAIN, "float-ts.example");
    const cf_ioc *ip = find(&r, CF_IOC_IP, "198.51.100.99");
    const cf_ioc *u = find(&r, CF_IOC_URL, "http://float-ts.example/gate.php");
    CHECK(d && ip && u);
    CHECK_INT(d ? d->sightings[0].time : 0, 1558612300250LL);
    CHECK_INT(ip ? ip->sightings[0].time : 0, 1558612301000LL);
    CHECK_INT(u ? u->sightings[0].time : 0, 1558612302000LL);
    CHECK_INT(d ? d->tlp : -1, CF_TLP_CLEAR);
    CHECK_STR(pattern_of(ip, &b), "[ipv4-addr:value = '198.51.100.99']");
    char when[40];
    cf_time_format_rfc3339(when, sizeof when, e->timestamp);
    CHECK_STR(when, "2019-05-23T11:52:25.678Z");

    /* MISP output: strings of whole seconds. */
    char *text = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&text, &len);
    cf_write_opts wo;
    cf_write_opts_init(&wo);
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_write_misp(mf, r.set, &wo, &err), CF_OK);
    fclose(mf);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    json_t *ev = json_object_get(root, "Event");
    CHECK_STR(json_string_value(json_object_get(ev, "timestamp")), "1558612345");
    CHECK_STR(json_string_value(json_object_get(ev, "publish_timestamp")), "1558612400");
    json_t *attrs = json_object_get(ev, "Attribute");
    CHECK_INT(json_array_size(attrs), 3);
    CHECK_STR(json_string_value(json_object_get(json_array_get(attrs, 0), "timestamp")),
              "1558612300");
    CHECK_STR(json_string_value(json_object_get(json_array_get(attrs, 1), "timestamp")),
              "1558612301");
    CHECK_STR(json_string_value(json_object_get(json_array_get(attrs, 2), "timestamp")),
              "1558612302");
    CHECK_STR(json_string_value(json_object_get(json_array_get(attrs, 1), "type")), "ip-dst");
    CHECK_STR(json_string_value(json_object_get(json_array_get(attrs, 1), "category")),
              "Network activity");
    json_decref(root);
    free(text);
    cf_buf_free(&b);
    rec_fini(&r);
}

/* ---- composites, scalars, tags ---- */

static const char composites[] =
    "{\"uuid\": \"11111111-2222-4333-8444-555555555555\", \"info\": \"composites\","
    " \"Tag\": [{\"name\": \"misp-galaxy:threat-actor=\\\"APT28\\\"\"},"
    " {\"name\": \"misp-galaxy:mitre-malware=\\\"Emotet - S0367\\\"\"}, {\"name\": \"osint\"}],"
    " \"Attribute\": ["
    "{\"type\": \"ip-dst|port\", \"value\": \"2001:DB8::1|443\", \"to_ids\": \"1\"},"
    "{\"type\": \"ip-src|port\", \"value\": \"198.51.100.7|8080\", \"to_ids\": 0},"
    "{\"type\": \"hostname|port\", \"value\": \"c2.example.net|8443\"},"
    "{\"type\": \"domain|ip\", \"value\": \"evil.example|203.0.113.5\"},"
    "{\"type\": \"filename|sha512\", \"value\": \"a.exe|" 
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e\"},"
    "{\"type\": \"AS\", \"value\": 64496},"
    "{\"type\": \"ip-dst\", \"value\": \"192.0.2.1\", \"first_seen\": \"2023-01-02T03:04:05+02:00\","
    " \"last_seen\": null},"
    "{\"type\": \"text\", \"value\": \"x\"}, {\"type\": \"text\", \"value\": \"y\"},"
    "{\"type\": \"no-such-type\", \"value\": \"z\"}],"
    " \"Object\": [{\"name\": \"ip-port\", \"Attribute\": ["
    "{\"object_relation\": \"ip\", \"type\": \"ip-dst\", \"value\": \"203.0.113.9\"},"
    "{\"object_relation\": \"dst-port\", \"type\": \"port\", \"value\": \"25\"}]},"
    "{\"name\": \"email\", \"Attribute\": [{\"object_relation\": \"from\","
    " \"value\": \"Bad@Example.COM\"}]}]}";

static void test_composites(void)
{
    rec r;

    rec_init(&r);
    CHECK_INT(read_mem(&r, "composites.json", composites), CF_OK);
    const cf_ioc *e6 = find(&r, CF_IOC_ENDPOINT, "[2001:db8::1]:443");
    CHECK(e6 != NULL && e6->port == 443 && e6->to_ids);
    const cf_ioc *e4 = find(&r, CF_IOC_ENDPOINT, "198.51.100.7:8080");
    CHECK(e4 != NULL && !e4->to_ids);
    CHECK(find(&r, CF_IOC_DOMAIN, "c2.example.net") != NULL);
    CHECK(find(&r, CF_IOC_DOMAIN, "evil.example") != NULL);
    CHECK(find(&r, CF_IOC_IP, "203.0.113.5") != NULL);
    CHECK(find(&r, CF_IOC_ENDPOINT, "203.0.113.9:25") != NULL);
    CHECK(find(&r, CF_IOC_EMAIL, "Bad@example.com") != NULL);
    CHECK(find(&r, CF_IOC_ASN, "AS64496") != NULL);
    const cf_ioc *f = find(&r, CF_IOC_FILE, "a.exe|cf83e1357eefb8bdf1542850d66d8007d620e4050b5715d"
                                            "c83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b9"
                                            "31bd47417a81a538327af927da3e");
    CHECK(f != NULL && f->hash_type == CF_IOC_SHA512);
    const cf_ioc *ip = find(&r, CF_IOC_IP, "192.0.2.1");
    CHECK(ip != NULL && ip->first_seen == 1672621445000LL);
    CHECK(ip != NULL && ip->n_actors == 1 && strcmp(ip->actors[0], "APT28") == 0);
    CHECK(ip != NULL && ip->n_malware == 1 && strcmp(ip->malware[0], "Emotet") == 0);
    CHECK(ip != NULL && ip->n_labels == 1 && strcmp(ip->labels[0], "osint") == 0);
    CHECK(strstr(r.diags, "|2 attributes of a not carried MISP type skipped|text") != NULL);
    CHECK(strstr(r.diags, "|1 attribute of an unknown MISP type skipped|no-such-type") != NULL);

    /* Writer: composites stay composites, galaxy tags come back. */
    char *text = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&text, &len);
    cf_write_opts wo;
    cf_write_opts_init(&wo);
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_write_misp(mf, r.set, &wo, &err), CF_OK);
    fclose(mf);
    CHECK(strstr(text, "\"type\": \"ip-dst|port\"") != NULL);
    CHECK(strstr(text, "\"value\": \"2001:db8::1|443\"") != NULL);
    CHECK(strstr(text, "\"value\": \"203.0.113.9|25\"") != NULL);
    CHECK(strstr(text, "\"type\": \"filename|sha512\"") != NULL);
    CHECK(strstr(text, "misp-galaxy:threat-actor=\\\"APT28\\\"") != NULL);
    CHECK(strstr(text, "misp-galaxy:malpedia=\\\"Emotet\\\"") != NULL);
    CHECK(strstr(text, "\"first_seen\": \"2023-01-02T01:04:05.000Z\"") != NULL);

    /* Read back: the same IOC set. */
    rec r2;
    rec_init(&r2);
    CHECK_INT(read_mem(&r2, "again.json", text), CF_OK);
    CHECK_INT(cf_iocset_count(r2.set), cf_iocset_count(r.set));
    for (size_t i = 0; i < cf_iocset_count(r.set); i++) {
        const cf_ioc *a = cf_iocset_at(r.set, i);
        const cf_ioc *b2 = find(&r2, a->type, a->value);
        if (!b2) {
            fprintf(stderr, "round trip lost %s '%s'\n", cf_ioc_type_name(a->type), a->value);
        }
        CHECK(b2 != NULL);
    }

    /* Same content, same uuids. */
    char *text2 = NULL;
    size_t len2 = 0;
    mf = open_memstream(&text2, &len2);
    CHECK_INT(cf_write_misp(mf, r.set, &wo, &err), CF_OK);
    fclose(mf);
    CHECK(len == len2 && memcmp(text, text2, len) == 0);
    free(text);
    free(text2);
    rec_fini(&r2);
    rec_fini(&r);
}

/* ---- limits and hostile input ---- */

static void test_limits(void)
{
    rec r;
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);

    for (size_t i = 0; i < n; i++) {
        deep[i] = '[';
        deep[n + i] = ']';
    }
    deep[2 * n] = '\0';
    rec_init(&r);
    CHECK_INT(read_mem(&r, "deep.json", deep), CF_ELIMIT);
    rec_fini(&r);
    free(deep);

    rec_init(&r);
    CHECK_INT(read_mem(&r, "bad.json", "{\"Event\": {\"info\": "), CF_EMALFORMED);
    CHECK_INT(read_mem(&r, "scalar.json", "42"), CF_EMALFORMED);
    rec_fini(&r);

    /* A manifest key naming a path outside the directory is refused. */
    char dir[] = "/tmp/cf_misp_mXXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"../../etc/passwd\": {\"info\": \"x\"},"
          " \"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\": {\"info\": \"y\"}}", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee.json", dir);
    f = fopen(path, "w");
    fputs("{\"Event\": {\"uuid\": \"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\", \"info\": \"y\","
          " \"Attribute\": [{\"type\": \"domain\", \"value\": \"ok.example\"}]}}", f);
    fclose(f);
    rec_init(&r);
    cf_sink s = rec_sink(&r);
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_read_misp_feed_dir(dir, NULL, &s, &err), CF_OK);
    CHECK_INT(r.events, 1);
    CHECK_INT(r.obs, 1);
    CHECK(strstr(r.diags, "manifest key is not an event uuid|../../etc/passwd") != NULL);
    rec_fini(&r);
    unlink(path);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    unlink(path);
    rmdir(dir);
}

/*
 * Strings with an escape, a non-ASCII character or a bad byte at every
 * offset of an eight-byte word: the reader scans plain runs a word at a
 * time, and must decode and refuse exactly as byte by byte.
 */
static void test_string_offsets(void)
{
    char json[512], plain[64], want[160];

    for (size_t k = 0; k < 20; k++) {
        rec r;
        memset(plain, 'a', k);
        plain[k] = '\0';

        /* an escaped quote, a \u escape and a two-byte UTF-8 character after k bytes */
        snprintf(json, sizeof json,
                 "{\"Event\": {\"uuid\": \"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\","
                 " \"Attribute\": [{\"type\": \"domain\", \"value\": \"%sb.example\","
                 " \"comment\": \"%s\\\"q\\u00e9\xc3\xa9%s\"}]}}",
                 plain, plain, plain);
        snprintf(want, sizeof want, "%s\"q\xc3\xa9\xc3\xa9%s", plain, plain);
        rec_init(&r);
        CHECK_INT(read_mem(&r, "offsets.json", json), CF_OK);
        snprintf(json, sizeof json, "%sb.example", plain);
        const cf_ioc *ioc = find(&r, CF_IOC_DOMAIN, json);
        CHECK(ioc != NULL);
        CHECK_STR(ioc && ioc->comment ? ioc->comment : "", want);
        rec_fini(&r);

        /* a raw control byte, then a byte that is no UTF-8, after k plain bytes */
        static const char *const bad[] = {"\x01", "\xff"};
        for (size_t i = 0; i < 2; i++) {
            snprintf(json, sizeof json,
                     "{\"Event\": {\"info\": \"%s%s%s\", \"Attribute\": []}}", plain,
                     bad[i], plain);
            rec_init(&r);
            CHECK_INT(read_mem(&r, "bad-byte.json", json), CF_EMALFORMED);
            rec_fini(&r);
        }
    }
}

/* Every type of the table is found by its name; near misses are not. */
static void test_type_lookup(void)
{
    CHECK_INT(cf_misp_type_count(), 194);
    for (size_t i = 0; i < cf_misp_type_count(); i++) {
        const misp_type *mt = cf_misp_type_at(i);
        CHECK(cf_misp_type_find(mt->name, strlen(mt->name)) == mt);
    }
    const misp_type *d = cf_misp_type_find("domain|ip", 9);
    CHECK(d != NULL && d->shape == MS_DOMAIN_IP);
    CHECK_STR(d ? d->category : "", "Network activity");
    CHECK(cf_misp_type_find("domain|ip", 6) == cf_misp_type_find("domain", 6));
    CHECK(cf_misp_type_find("Domain", 6) == NULL);
    CHECK(cf_misp_type_find("domainx", 7) == NULL);
    CHECK(cf_misp_type_find("", 0) == NULL);
}

/* ---- feed directories ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int ch;

    while (f && (ch = fgetc(f)) != EOF) {
        fputc(ch, m);
    }
    if (f) {
        fclose(f);
    }
    fclose(m);
    return buf;
}

static void test_feed_dir(void)
{
    char dir[] = "/tmp/cf_misp_fXXXXXX";
    rec r;
    cf_write_opts wo;
    cf_error err;
    char path[4096];

    CHECK(mkdtemp(dir) != NULL);
    rec_init(&r);
    CHECK_INT(read_mem(&r, "case15.json", case15), CF_OK);
    cf_write_opts_init(&wo);
    wo.now = 1700000000000LL;
    cf_error_clear(&err);
    CHECK_INT(cf_write_misp_feed_dir(dir, r.set, &wo, &err), CF_OK);

    snprintf(path, sizeof path, "%s/3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f.json", dir);
    char *first = slurp(path);
    CHECK(strstr(first, "\"timestamp\": \"1546171200\"") != NULL);
    snprintf(path, sizeof path, "%s/hashes.csv", dir);
    char *hashes = slurp(path);
    /* md5("green-tlp.example") */
    CHECK(strstr(hashes, "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f") != NULL);
    CHECK_INT(strlen(hashes), 2 * (32 + 1 + 36 + 1));
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *man = slurp(path);
    json_t *mj = json_loads(man, 0, NULL);
    json_t *entry = json_object_get(mj, "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
    CHECK_STR(json_string_value(json_object_get(entry, "timestamp")), "1546171200");
    CHECK_STR(json_string_value(json_object_get(entry, "info")), "Mixed");
    json_decref(mj);

    /* The same content again: nothing moves. */
    wo.now = 1800000000000LL;
    CHECK_INT(cf_write_misp_feed_dir(dir, r.set, &wo, &err), CF_OK);
    snprintf(path, sizeof path, "%s/3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f.json", dir);
    char *second = slurp(path);
    CHECK_STR(second, first);
    rec_fini(&r);

    /* A line-based feed: the event timestamp is "now" at first and stays while
     * the content stays; it moves when the content changes. */
    rec_init(&r);
    cf_obs o;
    cf_obs_init(&o);
    o.feed = "blocklist";
    o.type = CF_IOC_DOMAIN;
    o.text = "one.example";
    o.len = strlen(o.text);
    cf_sink s = cf_collector_sink(&r.col);
    CHECK_INT(s.obs(s.ctx, &o), CF_OK);
    char dir2[] = "/tmp/cf_misp_gXXXXXX";
    CHECK(mkdtemp(dir2) != NULL);
    wo.now = 1700000000000LL;
    wo.feed_name = "blocklist";
    CHECK_INT(cf_write_misp_feed_dir(dir2, r.set, &wo, &err), CF_OK);
    wo.now = 1700000500000LL;
    CHECK_INT(cf_write_misp_feed_dir(dir2, r.set, &wo, &err), CF_OK);
    snprintf(path, sizeof path, "%s/manifest.json", dir2);
    char *m1 = slurp(path);
    CHECK(strstr(m1, "\"timestamp\": \"1700000000\"") != NULL);
    o.text = "two.example";
    o.len = strlen(o.text);
    CHECK_INT(s.obs(s.ctx, &o), CF_OK);
    wo.now = 1700000900000LL;
    CHECK_INT(cf_write_misp_feed_dir(dir2, r.set, &wo, &err), CF_OK);
    char *m2 = slurp(path);
    CHECK(strstr(m2, "\"timestamp\": \"1700000900\"") != NULL);
    free(m1);
    free(m2);
    rec_fini(&r);

    free(first);
    free(second);
    free(hashes);
    free(man);
    char cmd[8300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, dir2);
    CHECK_INT(system(cmd), 0);
}

/* Observation k of the parts test: a distinct value, listed by one to three feeds. */
static void parts_obs(rec *r, int k)
{
    static const char *const feeds[] = {"feed-a", "feed-b", "feed-c"};
    static const char *const labels[] = {"botnet", "c2"};
    cf_sink s = cf_collector_sink(&r->col);
    char value[160];
    cf_obs o;

    cf_obs_init(&o);
    switch (k % 4) {
    case 0:
        o.type = CF_IOC_IP;
        snprintf(value, sizeof value, "198.51.100.%d", k % 250);
        break;
    case 1:
        o.type = CF_IOC_DOMAIN;
        snprintf(value, sizeof value, "part%d.example", k);
        break;
    case 2:
        o.type = CF_IOC_FILE;
        snprintf(value, sizeof value, "f%d.exe|%064x", k, k + 1);
        break;
    default:
        o.type = CF_IOC_URL;
        snprintf(value, sizeof value, "http://part%d.example/x", k);
        break;
    }
    o.text = value;
    o.len = strlen(value);
    o.tlp = k % 6 == 0 ? CF_TLP_AMBER : CF_TLP_GREEN;
    o.labels = labels;
    o.n_labels = k % 5 == 0 ? 2 : 0;
    o.comment = k % 7 == 0 ? "noted" : NULL;
    for (int f = 0; f < 3; f++) {
        if (f == 0 || k % (f + 1) == 0) {
            o.feed = feeds[f];
            CHECK_INT(s.obs(s.ctx, &o), CF_OK);
        }
    }
}

/* Every file of directory a has the bytes of the same file in b, and b has no other. */
static void same_dir(const char *a, const char *b)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s' >/dev/null", a, b);
    CHECK_INT(system(cmd), 0);
}

/*
 * cf_misp_feed given the consecutive parts of a set writes what
 * cf_write_misp_feed_dir writes for the whole set: a source event in the
 * first part, feed events whose IOCs span every part (one of mixed TLPs),
 * composites. A writer freed before close leaves the directory as it was.
 */
static void test_feed_parts(void)
{
    char whole_dir[] = "/tmp/cf_misp_wXXXXXX", parts_dir[] = "/tmp/cf_misp_pXXXXXX";
    rec whole, part[3];
    cf_write_opts wo;
    cf_misp_feed *w = NULL;
    cf_error err;
    char cmd[8400];

    CHECK(mkdtemp(whole_dir) != NULL);
    CHECK(mkdtemp(parts_dir) != NULL);
    rec_init(&whole);
    CHECK_INT(read_mem(&whole, "case15.json", case15), CF_OK);
    for (int p = 0; p < 3; p++) {
        rec_init(&part[p]);
    }
    CHECK_INT(read_mem(&part[0], "case15.json", case15), CF_OK);
    for (int k = 0; k < 300; k++) {
        parts_obs(&whole, k);
        parts_obs(&part[k / 100], k);
    }
    cf_write_opts_init(&wo);
    wo.now = 1700000000000LL;
    cf_error_clear(&err);
    CHECK_INT(cf_write_misp_feed_dir(whole_dir, whole.set, &wo, &err), CF_OK);

    CHECK_INT(cf_misp_feed_open(&w, parts_dir, &wo, &err), CF_OK);
    for (int p = 0; p < 3; p++) {
        CHECK_INT(cf_misp_feed_add(w, part[p].set, &err), CF_OK);
    }
    CHECK_INT(cf_misp_feed_close(w, &err), CF_OK);
    same_dir(whole_dir, parts_dir);
    snprintf(cmd, sizeof cmd, "test $(ls '%s' | wc -l) -eq 6", parts_dir);
    CHECK_INT(system(cmd), 0); /* four events, hashes.csv, manifest.json */

    /* an unfinished writer: nothing it began is left, the old files stay */
    wo.now = 1800000000000LL;
    w = NULL;
    CHECK_INT(cf_misp_feed_open(&w, parts_dir, &wo, &err), CF_OK);
    CHECK_INT(cf_misp_feed_add(w, part[2].set, &err), CF_OK);
    cf_misp_feed_free(w);
    same_dir(whole_dir, parts_dir);
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' | grep '^\\.')\"", parts_dir);
    CHECK_INT(system(cmd), 0);

    rec_fini(&whole);
    for (int p = 0; p < 3; p++) {
        rec_fini(&part[p]);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", whole_dir, parts_dir);
    CHECK_INT(system(cmd), 0);
}

/* ---- patterns against misp-stix's golden mapping ---- */

/* The indicator pattern misp-stix gives for one attribute, or NULL. */
static const char *golden_pattern(json_t *stix)
{
    size_t i;
    json_t *o;

    if (json_is_object(stix)) {
        return json_string_value(json_object_get(stix, "pattern"));
    }
    json_array_foreach(stix, i, o) {
        const char *t = json_string_value(json_object_get(o, "type"));
        if (t && strcmp(t, "indicator") == 0) {
            return json_string_value(json_object_get(o, "pattern"));
        }
    }
    return NULL;
}

static void test_misp_stix_patterns(void)
{
    char path[4096];
    const char *rel = "misp/misp-stix/documentation/mapping/misp_attributes_to_stix21.json";
    const char *key;
    json_t *entry;
    size_t compared = 0, matched = 0;
    cf_buf b = CF_BUF_INIT;
    char same[2048] = "";

    if (!test_corpus(path, sizeof path, rel)) {
        test_skip("misp-stix mapping not found (set CORPUS)");
    }
    json_t *map = json_load_file(path, 0, NULL);
    CHECK(map != NULL);
    json_object_foreach(map, key, entry) {
        json_t *attr = json_object_get(entry, "MISP");
        const char *want = golden_pattern(json_object_get(entry, "STIX"));
        if (json_is_array(attr)) {
            attr = json_array_get(attr, 0);
        }
        const char *type = json_string_value(json_object_get(attr, "type"));
        const misp_type *mt = type ? cf_misp_type_find(type, strlen(type)) : NULL;
        if (!mt || mt->ioc == CF_IOC_NONE || !want) {
            continue;
        }

        /* Read the attribute as a one-attribute event. */
        json_t *doc = json_pack("{s:[O]}", "Attribute", attr);
        char *text = json_dumps(doc, 0);
        rec r;
        rec_init(&r);
        CHECK_INT(read_mem(&r, key, text), CF_OK);
        compared++;
        const char *got = cf_iocset_count(r.set) == 1 ? pattern_of(cf_iocset_at(r.set, 0), &b)
                                                       : "(split into several IOCs)";
        if (strcmp(got, want) == 0) {
            matched++;
            size_t n = strlen(same);
            snprintf(same + n, sizeof same - n, "%s%s", n ? " " : "", key);
        } else {
            printf("pattern differs for %s:\n  misp-stix: %s\n  ctiflow:   %s\n", key, want, got);
        }
        rec_fini(&r);
        free(text);
        json_decref(doc);
    }
    printf("misp-stix patterns: %zu of %zu carried attribute types equal (%.0f%%): %s\n", matched,
           compared, compared ? 100.0 * (double)matched / (double)compared : 0.0, same);
    CHECK_INT(compared, 35);
    CHECK_INT(matched, 20);
    CHECK(strstr(same, "filename|sha256") != NULL);
    CHECK(strstr(same, "domain") != NULL);
    json_decref(map);
    cf_buf_free(&b);
}

/* ---- our output against the MISP core format schema ---- */

static void write_file(const char *path, const cf_iocset *set)
{
    FILE *f = fopen(path, "w");
    cf_write_opts wo;
    cf_error err;

    cf_write_opts_init(&wo);
    cf_error_clear(&err);
    CHECK(f != NULL);
    CHECK_INT(cf_write_misp(f, set, &wo, &err), CF_OK);
    fclose(f);
}

static void test_validate_misp(void)
{
    const char *tools = getenv("TOOLS");
    char dir[] = "/tmp/cf_misp_vXXXXXX";
    char path[4096], cmd[16384];
    cf_write_opts wo;
    cf_error err;
    rec r;

    if (!tools || system("command -v node >/dev/null 2>&1 && command -v npm >/dev/null") != 0) {
        printf("validate-misp not run: TOOLS unset or node/npm missing\n");
        return;
    }
    CHECK(mkdtemp(dir) != NULL);
    const char *inputs[] = {case13, case15, case24, composites};
    for (size_t i = 0; i < 4; i++) {
        rec_init(&r);
        CHECK_INT(read_mem(&r, "inline.json", inputs[i]), CF_OK);
        snprintf(path, sizeof path, "%s/event%zu.json", dir, i);
        write_file(path, r.set);
        rec_fini(&r);
    }

    /* A feed directory from the Infoblox feed and case 24 together. */
    rec_init(&r);
    CHECK_INT(read_mem(&r, "case24.json", case24), CF_OK);
    if (test_corpus(path, sizeof path, "misp/feed-infoblox/indicators/misp")) {
        cf_sink s = rec_sink(&r);
        cf_error_clear(&err);
        CHECK_INT(cf_read_misp_feed_dir(path, NULL, &s, &err), CF_OK);
    }
    cf_write_opts_init(&wo);
    cf_error_clear(&err);
    snprintf(path, sizeof path, "%s/feed", dir);
    CHECK_INT(cf_write_misp_feed_dir(path, r.set, &wo, &err), CF_OK);
    rec_fini(&r);

    snprintf(cmd, sizeof cmd,
             "'%s/validate-misp' '%s'/event0.json '%s'/event1.json '%s'/event2.json "
             "'%s'/event3.json '%s/feed'",
             tools, dir, dir, dir, dir, dir);
    CHECK_INT(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

int main(void)
{
    test_case13();
    test_case15();
    test_case24();
    test_composites();
    test_limits();
    test_string_offsets();
    test_type_lookup();
    test_feed_dir();
    test_feed_parts();
    test_corpus_files();
    test_infoblox_ukraine();
    test_infoblox_feed_dir();
    test_corpus_edges();
    test_misp_stix_patterns();
    test_validate_misp();
    TEST_MAIN_END();
}
