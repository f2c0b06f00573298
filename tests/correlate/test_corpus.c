/*
 * Correlation over real data: the Spamhaus DROP list, the MISP events with
 * APT28 / Sofacy tags, the GRIZZLY STEPPE STIX 1.1.1 package and the Unit 42
 * Sofacy and CozyDuke STIX 2.0 bundles are read by the readers, recorded
 * in a correlation database, then `ctiflow lookup` and `ctiflow report`
 * are run on it and their output checked.
 */
#include <sys/wait.h>

#include "ctiflow/correlate.h"
#include "ctiflow/profile.h"
#include "ctiflow/reader.h"
#include "testlib.h"

static char db[512], galaxy[4096], out[512];

/* Read one corpus file as feed (with a feed-level actor or NULL) into the db. */
static void load(cf_corr *c, const char *rel, const char *feed, const char *profile,
                 const char *actor)
{
    char path[4096];
    cf_iocset *set = cf_iocset_new();
    cf_collector col;
    cf_input *in = NULL;
    cf_error err = {0};
    cf_read_opts o;

    if (!test_corpus(path, sizeof path, rel)) {
        test_skip("corpus file missing");
    }
    cf_read_opts_init(&o);
    o.feed = feed;
    o.actor = actor;
    o.profile = profile ? cf_profile_find(profile) : NULL;
    cf_collector_init(&col, set, NULL, NULL);
    cf_sink sink = cf_collector_sink(&col);
    CHECK_INT(cf_input_open_file(&in, path, &err), CF_OK);
    cf_status st = cf_read_any(in, CF_FMT_UNKNOWN, &o, &sink, &err);
    if (st == CF_EUNSUPPORTED) {
        test_skip("reader for this corpus file not available yet");
    }
    CHECK_INT(st, CF_OK);
    CHECK_INT(cf_corr_ingest(c, feed, actor, set, 1700000000000LL, &err), CF_OK);
    cf_input_close(in);
    cf_collector_fini(&col);
    cf_iocset_free(set);
}

/* Run the program with args, output to out; returns the exit status. */
static int run(const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "\"%s\" %s --db %s --galaxy %s > %s", getenv("CTIFLOW"), args, db,
             galaxy, out);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(void)
{
    static char buf[1 << 20];
    FILE *f = fopen(out, "rb");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f) {
        fclose(f);
    }
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

int main(void)
{
    cf_corr *c = NULL;
    cf_error err = {0};
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

    if (!getenv("CTIFLOW") ||
        !test_corpus(galaxy, sizeof galaxy, "galaxy/clusters/threat-actor.json")) {
        test_skip("needs CTIFLOW and the corpus galaxy");
    }
    snprintf(db, sizeof db, "%s/cf-corr-%d.db", tmp, (int)getpid());
    snprintf(out, sizeof out, "%s/cf-corr-%d.out", tmp, (int)getpid());
    CHECK_INT(cf_corr_open(&c, db, &err), CF_OK);
    if (!c) {
        TEST_MAIN_END();
    }
    load(c, "csv/spamhaus/drop_2023-12-01.txt", "spamhaus-drop", "spamhaus-drop", NULL);
    load(c, "misp/pymisp/tests/mispevent_testfiles/existing_event.json", "misp-osint", NULL,
         NULL);
    load(c, "stix1/real-world/Samples/JAR-16-20296A.xml", "grizzly-steppe", NULL,
         "Grizzly Steppe");
    load(c, "stix2/unit42-playbooks-stix20/sofacy.json", "unit42-sofacy", NULL, NULL);
    load(c, "stix2/unit42-playbooks-stix20/cozyduke.json", "unit42-cozyduke", NULL, "APT29");
    int64_t n_iocs = 0, n_sight = 0;
    CHECK_INT(cf_corr_count(c, &n_iocs, &n_sight, &err), CF_OK);
    printf("correlation db: %lld IOCs, %lld sightings\n", (long long)n_iocs,
           (long long)n_sight);
    cf_corr_close(c);

    /* An address inside a DROP network names the network and the feed. */
    CHECK_INT(run("lookup 1.10.16.77"), 0);
    char *o = slurp();
    printf("%s", o);
    CHECK(strstr(o, "network: cidr 1.10.16.0/20 (spamhaus-drop)") != NULL);
    CHECK(strstr(o, "not listed by any feed") != NULL);

    /* APT28 and Fancy Bear are the same actor. */
    CHECK_INT(run("report --actor APT28 --json"), 0);
    o = slurp();
    char first[1 << 16];
    snprintf(first, sizeof first, "%s", o);
    printf("%.600s\n", o);
    CHECK(strstr(o, "\"uuid\":\"5b4ee3ea-eee3-4c8e-8323-85ae32658754\"") != NULL);
    CHECK(strstr(o, "\"sponsor\":\"Russian Federation\"") != NULL);
    CHECK(strstr(o, "\"iocs\":130,\"direct\":130,\"linked\":0") != NULL);
    CHECK(strstr(o, "\"by_feed\":{\"misp-osint\":82,\"unit42-sofacy\":48,"
                    "\"grizzly-steppe\":1}") != NULL);
    CHECK_INT(run("report --actor \"Fancy Bear\" --json"), 0);
    CHECK_STR(slurp(), first);

    /* --sponsor lists both. */
    CHECK_INT(run("report --sponsor \"Russian Federation\""), 0);
    o = slurp();
    printf("%s", o);
    CHECK_INT(count(o, "  APT28 (5b4ee3ea-eee3-4c8e-8323-85ae32658754) 130 IOCs"), 1);
    CHECK_INT(count(o, "  APT29 (b2056ff0-00b9-482e-b11c-c771daa5f28a) 11 IOCs"), 1);

    /* A sponsor no actor of the galaxy has is said to be unknown, with the usual name. */
    CHECK_INT(run("report --sponsor Russia"), 1);
    CHECK_STR(slurp(), "suspected state sponsor Russia\n"
                       "  no actor of the galaxy has this suspected sponsor or country code "
                       "(sponsors are named as in the galaxy, such as 'Russian Federation')\n");
    CHECK_INT(run("report --sponsor Atlantis"), 1);
    CHECK(strstr(slurp(), "  no actor of the galaxy has this suspected sponsor") != NULL);

    /* The ambiguous feed-level actor is reported, not attributed. */
    CHECK_INT(run("lookup 87.236.211.182"), 0);
    o = slurp();
    printf("%s", o);
    CHECK(strstr(o, "ambiguous synonym of 'APT28', 'APT29', not attributed") != NULL);

    CHECK_INT(run("report --overlap"), 0);
    printf("%s", slurp());
    CHECK_INT(run("report --actor APT28 --to stix2"), 0);
    o = slurp();
    CHECK(strstr(o, "\"id\":\"intrusion-set--5b4ee3ea-eee3-4c8e-8323-85ae32658754\"") != NULL);
    CHECK(strstr(o, "\"aliases\":[\"Pawn Storm\",\"FANCY BEAR\"") != NULL);
    CHECK_INT(count(o, "\"relationship_type\":\"indicates\""),
              count(o, "\"type\":\"indicator\""));
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "command -v node >/dev/null && \"%s/validate-stix21\" %s",
             getenv("TOOLS") ? getenv("TOOLS") : "../shared/tools", out);
    int vs = system(cmd);
    printf("validate-stix21: exit %d\n", WIFEXITED(vs) ? WEXITSTATUS(vs) : -1);
    CHECK_INT(WIFEXITED(vs) ? WEXITSTATUS(vs) : -1, 0);

    unlink(out);
    if (!getenv("CF_KEEP_DB")) {
        unlink(db);
    }
    TEST_MAIN_END();
}
