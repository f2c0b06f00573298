/*
 * Tests of the STIX 2.x bundle reader: pattern reduction, attribution
 * through relationships, TLP, unreducible patterns reported, and every
 * STIX 2.x corpus file read without a crash.
 */
#include <dirent.h>

#include "ctiflow/input.h"
#include "ctiflow/iocset.h"
#include "ctiflow/reader.h"
#include "testlib.h"

static int n_rejects;
static char last_reason[256];

static void diag(void *ctx, const cf_diag *d)
{
    if (d->level == CF_DIAG_REJECT) {
        n_rejects++;
        snprintf(last_reason, sizeof last_reason, "%s", d->reason);
    }
}

static cf_status read_into(cf_iocset *set, const char *name, const char *doc, const char *path)
{
    cf_collector col;
    cf_input *in = NULL;
    cf_error err;
    cf_error_clear(&err);
    cf_collector_init(&col, set, diag, NULL);
    cf_sink sink = cf_collector_sink(&col);
    cf_status st = path ? cf_input_open_file(&in, path, &err)
                        : cf_input_open_mem(&in, name, doc, strlen(doc), &err);
    if (st == CF_OK) {
        st = cf_read_stix2(in, NULL, &sink, &err);
    }
    cf_input_close(in);
    cf_collector_fini(&col);
    return st;
}

static void test_bundle(void)
{
    static const char doc[] =
        "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["
        "{\"type\":\"indicator\",\"id\":\"indicator--a\",\"pattern_type\":\"stix\","
        "\"pattern\":\"[file:name = 'a\\\\'b.exe' AND file:hashes.'SHA-256' = "
        "'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855'] OR "
        "[domain-name:value = 'Evil.Example']\",\"valid_from\":\"2020-01-01T00:00:00Z\","
        "\"object_marking_refs\":[\"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82\"]},"
        "{\"type\":\"indicator\",\"id\":\"indicator--b\",\"pattern_type\":\"stix\","
        "\"pattern\":\"[url:value LIKE 'http://%']\",\"valid_from\":\"2020-01-01T00:00:00Z\"},"
        "{\"type\":\"intrusion-set\",\"id\":\"intrusion-set--c\",\"name\":\"APT28\"},"
        "{\"type\":\"malware\",\"id\":\"malware--d\",\"name\":\"X-Agent\",\"is_family\":true},"
        "{\"type\":\"relationship\",\"id\":\"relationship--e\",\"relationship_type\":\"indicates\","
        "\"source_ref\":\"indicator--a\",\"target_ref\":\"malware--d\"},"
        "{\"type\":\"relationship\",\"id\":\"relationship--f\",\"relationship_type\":\"uses\","
        "\"source_ref\":\"intrusion-set--c\",\"target_ref\":\"malware--d\"},"
        "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--g\",\"value\":\"203.0.113.9\"}]}";
    cf_iocset *set = cf_iocset_new();
    n_rejects = 0;
    CHECK_INT(read_into(set, "b.json", doc, NULL), CF_OK);
    CHECK_INT(cf_iocset_count(set), 3);
    cf_ioc *f = cf_iocset_find(set, CF_IOC_FILE,
                               "a'b.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(f != NULL);
    CHECK_INT(f ? f->tlp : -1, CF_TLP_AMBER);
    CHECK_STR(f && f->n_actors ? f->actors[0] : NULL, "APT28");
    CHECK_STR(f && f->n_malware ? f->malware[0] : NULL, "X-Agent");
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "evil.example") != NULL);
    CHECK(cf_iocset_find(set, CF_IOC_IP, "203.0.113.9") != NULL);
    CHECK_INT(cf_iocset_compound_count(set), 1);
    CHECK_INT(n_rejects, 1);
    CHECK_STR(last_reason, "comparison operator other than '='");
    cf_iocset_free(set);

    set = cf_iocset_new();
    CHECK_INT(read_into(set, "bad.json", "{\"objects\": 3}", NULL), CF_EMALFORMED);
    cf_iocset_free(set);
}

static void test_corpus_files(void)
{
    char p[1024];
    if (!test_corpus(p, sizeof p, "stix2/own-examples/valid-bundle.json")) {
        printf("skipped corpus: absent\n");
        return;
    }
    cf_iocset *set = cf_iocset_new();
    CHECK_INT(read_into(set, NULL, NULL, p), CF_OK);
    CHECK(cf_iocset_count(set) > 0);
    cf_iocset_free(set);

    const char *dirs[] = {"stix2/oasis-cti-documentation", "stix2/own-examples", "stix2/tlp2",
                          "stix2/unit42-playbooks-stix20", "stix1/misp-stix-tests"};
    int files = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (!test_corpus(p, sizeof p, dirs[i])) {
            continue;
        }
        DIR *d = opendir(p);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            size_t n = strlen(e->d_name);
            if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0) {
                continue;
            }
            char f[2048];
            snprintf(f, sizeof f, "%s/%s", p, e->d_name);
            set = cf_iocset_new();
            cf_status st = read_into(set, NULL, NULL, f);
            CHECK(st == CF_OK || st == CF_EMALFORMED);
            files++;
            cf_iocset_free(set);
        }
        if (d) {
            closedir(d);
        }
    }
    CHECK(files >= 20);
    printf("read %d STIX 2.x corpus files\n", files);
}

int main(void)
{
    test_bundle();
    test_corpus_files();
    TEST_MAIN_END();
}
