/*
 * Tests of the STIX 2.x bundle reader: pattern reduction, attribution
 * through relationships (direct, through campaigns, reports and groupings,
 * intrusion-sets attributed to threat-actors, malware), TLP, unreducible
 * patterns reported and counted by reason, the Unit 42 Sofacy and CozyDuke
 * bundles attributed to their intrusion-sets, and every STIX 2.x corpus
 * file read without a crash.
 */
#include <dirent.h>

#include "ctiflow/input.h"
#include "ctiflow/iocset.h"
#include "ctiflow/reader.h"
#include "testlib.h"

static int n_rejects, n_warnings;
static char last_reason[256], warnings[2048];

static void diag(void *ctx, const cf_diag *d)
{
    if (d->level == CF_DIAG_REJECT) {
        n_rejects++;
        snprintf(last_reason, sizeof last_reason, "%s", d->reason);
    } else if (d->level == CF_DIAG_WARNING) {
        size_t n = strlen(warnings);
        n_warnings++;
        snprintf(warnings + n, sizeof warnings - n, "%s\n", d->reason);
    }
}

static void diag_reset(void)
{
    n_rejects = n_warnings = 0;
    last_reason[0] = warnings[0] = '\0';
}

/* True when list (n names) holds name. */
static bool has(const char **list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], name) == 0) {
            return true;
        }
    }
    return false;
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

#define REL(id, type, src, dst)                                                              \
    "{\"type\":\"relationship\",\"id\":\"relationship--" id "\",\"relationship_type\":\"" type \
    "\",\"source_ref\":\"" src "\",\"target_ref\":\"" dst "\"},"
#define IND(id, pattern)                                                                      \
    "{\"type\":\"indicator\",\"id\":\"indicator--" id "\",\"pattern\":\"" pattern         \
    "\",\"valid_from\":\"2020-01-01T00:00:00Z\"},"

/* Each way a bundle attributes an indicator, one small bundle. */
static void test_attribution_paths(void)
{
    static const char doc[] =
        "{\"type\":\"bundle\",\"id\":\"bundle--2\",\"objects\":["
        /* indicator -> campaign -> intrusion-set */
        IND("1", "[domain-name:value = 'camp.example']")
        "{\"type\":\"campaign\",\"id\":\"campaign--1\",\"name\":\"Op Snow\"},"
        "{\"type\":\"intrusion-set\",\"id\":\"intrusion-set--1\",\"name\":\"Snowy\"},"
        REL("1", "indicates", "indicator--1", "campaign--1")
        REL("2", "attributed-to", "campaign--1", "intrusion-set--1")
        /* report attributed-to threat-actor: its indicator and observable */
        "{\"type\":\"report\",\"id\":\"report--1\",\"name\":\"R1\","
        "\"published\":\"2020-01-02T00:00:00Z\","
        "\"object_refs\":[\"indicator--2\",\"ipv4-addr--1\"]},"
        "{\"type\":\"threat-actor\",\"id\":\"threat-actor--1\",\"name\":\"Ursa\"},"
        REL("3", "attributed-to", "report--1", "threat-actor--1")
        IND("2", "[url:value = 'http://rep.example/a']")
        "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"198.51.100.7\"},"
        /* grouping listing an intrusion-set and a campaign that indicator 3 indicates */
        "{\"type\":\"grouping\",\"id\":\"grouping--1\",\"context\":\"x\","
        "\"object_refs\":[\"intrusion-set--2\",\"campaign--2\"]},"
        "{\"type\":\"intrusion-set\",\"id\":\"intrusion-set--2\",\"name\":\"Kitten\"},"
        "{\"type\":\"campaign\",\"id\":\"campaign--2\",\"name\":\"Op Purr\"},"
        IND("3", "[ipv4-addr:value = '198.51.100.8']")
        REL("4", "indicates", "indicator--3", "campaign--2")
        /* intrusion-set attributed to a threat-actor: both names */
        "{\"type\":\"intrusion-set\",\"id\":\"intrusion-set--3\",\"name\":\"Set3\"},"
        "{\"type\":\"threat-actor\",\"id\":\"threat-actor--3\",\"name\":\"Actor3\"},"
        REL("5", "attributed-to", "intrusion-set--3", "threat-actor--3")
        IND("4", "[email-addr:value = 'a@set3.example']")
        REL("6", "indicates", "indicator--4", "intrusion-set--3")
        /* malware used by two actors: family only; malware attributed-to: actor */
        "{\"type\":\"malware\",\"id\":\"malware--1\",\"name\":\"Shared\"},"
        REL("7", "uses", "intrusion-set--1", "malware--1")
        REL("8", "uses", "intrusion-set--2", "malware--1")
        IND("5", "[file:hashes.MD5 = '0123456789abcdef0123456789abcdef']")
        REL("9", "indicates", "indicator--5", "malware--1")
        "{\"type\":\"malware\",\"id\":\"malware--2\",\"name\":\"Own\"},"
        REL("10", "attributed-to", "malware--2", "threat-actor--1")
        IND("6", "[mutex:name = 'own-mutex']")
        REL("11", "indicates", "indicator--6", "malware--2")
        /* attack-pattern via uses: a label */
        "{\"type\":\"attack-pattern\",\"id\":\"attack-pattern--1\",\"name\":\"T1064\"},"
        REL("12", "uses", "indicator--6", "attack-pattern--1")
        /* a directory with a file name: the name, the directory as comment */
        "{\"type\":\"indicator\",\"id\":\"indicator--7\",\"name\":\"dropper\","
        "\"pattern\":\"[directory:path = '%APPDATA%' AND file:name = 'drop.bat']\","
        "\"valid_from\":\"2020-01-01T00:00:00Z\"},"
        IND("8", "[directory:path = '/tmp']")
        IND("9", "[process:command_line = 'whoami']")
        IND("10", "[process:command_line = 'id']")
        REL("13", "uses", "intrusion-set--9", "malware--9")
        "{\"type\":\"identity\",\"id\":\"identity--1\",\"name\":\"end\"}]}";
    cf_iocset *set = cf_iocset_new();
    diag_reset();
    CHECK_INT(read_into(set, "paths.json", doc, NULL), CF_OK);
    CHECK_INT(cf_iocset_count(set), 8);

    cf_ioc *i = cf_iocset_find(set, CF_IOC_DOMAIN, "camp.example");
    CHECK(i && i->n_actors == 1 && has(i->actors, i->n_actors, "Snowy"));
    CHECK(i && has(i->labels, i->n_labels, "campaign:Op Snow"));

    i = cf_iocset_find(set, CF_IOC_URL, "http://rep.example/a");
    CHECK(i && i->n_actors == 1 && has(i->actors, i->n_actors, "Ursa"));
    i = cf_iocset_find(set, CF_IOC_IP, "198.51.100.7");
    CHECK(i && i->n_actors == 1 && has(i->actors, i->n_actors, "Ursa"));

    i = cf_iocset_find(set, CF_IOC_IP, "198.51.100.8");
    CHECK(i && i->n_actors == 1 && has(i->actors, i->n_actors, "Kitten"));
    CHECK(i && has(i->labels, i->n_labels, "campaign:Op Purr"));

    i = cf_iocset_find(set, CF_IOC_EMAIL, "a@set3.example");
    CHECK_INT(i ? i->n_actors : -1, 2);
    CHECK(i && has(i->actors, i->n_actors, "Set3") && has(i->actors, i->n_actors, "Actor3"));

    i = cf_iocset_find(set, CF_IOC_MD5, "0123456789abcdef0123456789abcdef");
    CHECK_INT(i ? i->n_actors : -1, 0);
    CHECK(i && i->n_malware == 1 && has(i->malware, i->n_malware, "Shared"));

    i = cf_iocset_find(set, CF_IOC_MUTEX, "own-mutex");
    CHECK(i && i->n_actors == 1 && has(i->actors, i->n_actors, "Ursa"));
    CHECK(i && i->n_malware == 1 && has(i->malware, i->n_malware, "Own"));
    CHECK(i && has(i->labels, i->n_labels, "attack-pattern:T1064"));

    i = cf_iocset_find(set, CF_IOC_FILENAME, "drop.bat");
    CHECK_STR(i ? i->comment : NULL, "dropper; directory: %APPDATA%");
    CHECK_INT(i ? i->n_actors : -1, 0);

    CHECK_INT(n_rejects, 3);
    CHECK_INT(n_warnings, 2);
    CHECK_STR(warnings,
              "1 indicator(s) not reduced: directory path without a file name: directory:path\n"
              "2 indicator(s) not reduced: pattern compares a property we do not map: "
              "process:command_line\n");
    cf_iocset_free(set);
}

/* A confidence outside 0..100, however large, is no confidence at all. */
static void test_confidence_range(void)
{
    static const char doc[] =
        "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["
        "{\"type\":\"indicator\",\"id\":\"indicator--a\",\"confidence\":85,"
        "\"pattern\":\"[ipv4-addr:value = '192.0.2.1']\",\"valid_from\":\"2020-01-01T00:00:00Z\"},"
        "{\"type\":\"indicator\",\"id\":\"indicator--b\",\"confidence\":4294967346,"
        "\"pattern\":\"[ipv4-addr:value = '192.0.2.2']\",\"valid_from\":\"2020-01-01T00:00:00Z\"},"
        "{\"type\":\"indicator\",\"id\":\"indicator--c\",\"confidence\":-3,"
        "\"pattern\":\"[ipv4-addr:value = '192.0.2.3']\","
        "\"valid_from\":\"2020-01-01T00:00:00Z\"}]}";
    cf_iocset *set = cf_iocset_new();
    CHECK_INT(read_into(set, "c.json", doc, NULL), CF_OK);
    const cf_ioc *a = cf_iocset_find(set, CF_IOC_IP, "192.0.2.1");
    const cf_ioc *b = cf_iocset_find(set, CF_IOC_IP, "192.0.2.2");
    const cf_ioc *c = cf_iocset_find(set, CF_IOC_IP, "192.0.2.3");
    CHECK_INT(a ? a->confidence : -99, 85);
    CHECK_INT(b ? b->confidence : -99, -1);
    CHECK_INT(c ? c->confidence : -99, -1);
    cf_iocset_free(set);
}

/* The Unit 42 playbooks attribute through reports and campaigns only. */
static void test_unit42(void)
{
    char p[1024];
    if (!test_corpus(p, sizeof p, "stix2/unit42-playbooks-stix20/sofacy.json")) {
        printf("skipped Unit 42 bundles: absent\n");
        return;
    }
    cf_iocset *set = cf_iocset_new();
    diag_reset();
    CHECK_INT(read_into(set, NULL, NULL, p), CF_OK);
    CHECK_INT(cf_iocset_count(set), 48);
    int sofacy = 0;
    for (size_t k = 0; k < cf_iocset_count(set); k++) {
        const cf_ioc *i = cf_iocset_at(set, k);
        sofacy += i->n_actors == 1 && strcmp(i->actors[0], "Sofacy") == 0;
    }
    CHECK_INT(sofacy, 48);
    CHECK_INT(n_rejects, 7);
    CHECK_INT(n_warnings, 5);
    cf_ioc *i = cf_iocset_find(set, CF_IOC_FILENAME, "cdnver.bat");
    CHECK(i && i->comment && strstr(i->comment, "; directory: %LOCALAPPDATA%") != NULL);
    CHECK(i && has(i->labels, i->n_labels, "campaign:sofacy_play1"));
    i = cf_iocset_find(set, CF_IOC_DOMAIN, "cdnverify.net");
    CHECK(i && has(i->labels, i->n_labels, "campaign:sofacy_play1"));
    i = cf_iocset_find(set, CF_IOC_SHA256,
                       "12e6642cf6413bdf5388bee663080fa299591b2ba023d069286f3be9647547c8");
    CHECK(i && has(i->actors, i->n_actors, "Sofacy"));
    CHECK(i && has(i->labels, i->n_labels, "attack-pattern:T1085: Rundll32"));
    cf_iocset_free(set);

    if (!test_corpus(p, sizeof p, "stix2/unit42-playbooks-stix20/cozyduke.json")) {
        return;
    }
    set = cf_iocset_new();
    CHECK_INT(read_into(set, NULL, NULL, p), CF_OK);
    CHECK_INT(cf_iocset_count(set), 11);
    int cozy = 0;
    for (size_t k = 0; k < cf_iocset_count(set); k++) {
        const cf_ioc *c = cf_iocset_at(set, k);
        cozy += c->n_actors == 1 && strcmp(c->actors[0], "CozyDuke") == 0;
    }
    CHECK_INT(cozy, 11);
    i = cf_iocset_find(set, CF_IOC_DOMAIN, "kane-consulting.net");
    CHECK(i && has(i->labels, i->n_labels, "campaign:MiniDionis Campaign"));
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
    test_attribution_paths();
    test_confidence_range();
    test_unit42();
    test_corpus_files();
    TEST_MAIN_END();
}
