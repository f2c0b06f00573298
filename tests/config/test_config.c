/*
 * Configuration tests: a valid main file plus feeds.d/, then every kind of
 * validation problem reported as FILE:LINE: message with its suggestion.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctiflow/config.h"
#include "testlib.h"

static char msgs[4096];

static void collect(void *ctx, const char *msg)
{
    (void)ctx;
    strncat(msgs, msg, sizeof(msgs) - strlen(msgs) - 2);
    strncat(msgs, "\n", sizeof(msgs) - strlen(msgs) - 1);
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *fp;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static bool has(const char *needle)
{
    bool ok = strstr(msgs, needle) != NULL;
    if (!ok) {
        fprintf(stderr, "missing message: %s\nmessages were:\n%s", needle, msgs);
    }
    return ok;
}

/* Warning lists and the galaxy: paths, URLs with fetch options, and their problems. */
static void test_sources(const char *top)
{
    char dir[600], path[700], want[900];
    cf_config *cfg = NULL;
    cf_error err;

    snprintf(dir, sizeof(dir), "%s/sources", top);
    CHECK_INT(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/config.yaml", dir);
    put(dir, "config.yaml",
        "warninglists:\n"
        "  - lists\n"
        "  - https://lists.example/misp/lists/public-dns-v4/list.json\n"
        "  - url: http://intranet.example/allow.txt?x=1\n"
        "    interval: 6h\n"
        "    headers: {Authorization: \"Bearer ${LIST_TOKEN}\"}\n"
        "  - {url: \"https://h.example/export\", id: partner, format: text, retries: 0}\n"
        "galaxy: {url: \"https://g.example/clusters/threat-actor.json\", tls_verify: no}\n");
    cf_error_clear(&err);
    msgs[0] = '\0';
    CHECK_INT(cf_config_load(&cfg, path, collect, NULL, &err), CF_OK);
    CHECK_STR(msgs, "");
    if (cfg) {
        const cf_source_cfg *w = cfg->warninglists;
        CHECK_INT(cfg->n_warninglists, 4);
        CHECK(w[0].fetch.path && strstr(w[0].fetch.path, "/sources/lists"));
        CHECK(w[0].fetch.name == NULL);
        CHECK_STR(w[1].fetch.name, "public-dns-v4");
        CHECK(w[1].fetch.path == NULL && !w[1].allowlist);
        CHECK_INT(w[1].fetch.interval_ms, 24LL * 3600 * 1000);
        CHECK_INT(w[1].fetch.retries, 3);
        CHECK_STR(w[2].fetch.name, "allow");
        CHECK(w[2].allowlist);
        CHECK_INT(w[2].fetch.interval_ms, 6LL * 3600 * 1000);
        CHECK_STR(w[2].fetch.headers[0].value, "Bearer ${LIST_TOKEN}");
        CHECK_STR(w[3].fetch.name, "partner");
        CHECK(w[3].allowlist);
        CHECK_INT(w[3].fetch.retries, 0);
        CHECK_STR(cfg->galaxy->fetch.name, "galaxy");
        CHECK_STR(cfg->galaxy->fetch.url, "https://g.example/clusters/threat-actor.json");
        CHECK(!cfg->galaxy->fetch.tls_verify);
    }
    cf_config_free(cfg);

    put(dir, "config.yaml",
        "warninglists:\n"
        "  - https://h.example/lists/\n"
        "  - {url: \"https://a.example/rfc1918/list.json\", intervall: 1h}\n"
        "  - {url: \"https://b.example/rfc1918.json\"}\n"
        "  - {url: local.json, id: mine}\n"
        "  - {url: \"https://c.example/x.json\", format: yaml, id: .hidden}\n"
        "  - {interval: 1h}\n"
        "  - [a, b]\n"
        "galaxy: {url: \"ftp://g.example/t.json\", actor: x}\n");
    cf_error_clear(&err);
    msgs[0] = '\0';
    cfg = NULL;
    CHECK_INT(cf_config_load(&cfg, path, collect, NULL, &err), CF_EINVAL);
    CHECK(cfg == NULL);
#define WANT_SRC(fmt)                                                                       \
    do {                                                                                    \
        snprintf(want, sizeof(want), "%s" fmt, path);                                       \
        CHECK(has(want));                                                                   \
    } while (0)
    WANT_SRC(":2: cannot name the warning list at 'https://h.example/lists/' from its URL: "
             "give it an 'id'");
    WANT_SRC(":3: unknown warninglists key 'intervall' (did you mean 'interval'?)");
    WANT_SRC(":4: duplicate warning list id 'rfc1918' (first at ");
    WANT_SRC(":5: 'id' and 'format' apply to http:// and https:// warning lists");
    WANT_SRC(":6: 'format' of a warning list must be 'misp' or 'text', not 'yaml'");
    WANT_SRC(":6: warning list id '.hidden' must be 1 to 128 letters, digits");
    WANT_SRC(":7: a 'warninglists' entry has no 'url'");
    WANT_SRC(":8: a 'warninglists' entry must be a path, a URL or a mapping with 'url', "
             "not a list");
    WANT_SRC(":9: unknown galaxy key 'actor'");
    WANT_SRC(":9: 'url' must use http://, https:// or file://, or be a path, not "
             "'ftp://g.example/t.json'");
#undef WANT_SRC
}

/* A main file that is not a mapping: one problem, no crash, no configuration. */
static void test_not_mapping(const char *top)
{
    static const char *const docs[] = {"", "# only a comment\n", "---\n", "null\n",
                                       "[1, 2]\n", "foo\n"};
    char dir[600], path[700];

    snprintf(dir, sizeof(dir), "%s/notmap", top);
    CHECK_INT(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/config.yaml", dir);
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        cf_config *cfg = NULL;
        cf_error err;
        put(dir, "config.yaml", docs[i]);
        cf_error_clear(&err);
        msgs[0] = '\0';
        CHECK_INT(cf_config_load(&cfg, path, collect, NULL, &err), CF_EINVAL);
        CHECK(cfg == NULL);
        CHECK(has("the configuration must be a mapping"));
        CHECK_INT(err.status, CF_EINVAL);
        cf_config_free(cfg);
    }
}

int main(void)
{
    char dir[] = "/tmp/cf_config_XXXXXX";
    char feeds[600], main_path[600], want[900];
    cf_config *cfg = NULL;
    cf_error err;
    int64_t ms = 0;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(feeds, sizeof(feeds), "%s/feeds.d", dir);
    mkdir(feeds, 0755);
    snprintf(main_path, sizeof(main_path), "%s/config.yaml", dir);

    /* durations and distance */
    CHECK_INT(cf_config_parse_duration(&ms, "1h"), CF_OK);
    CHECK_INT(ms, 3600000);
    CHECK_INT(cf_config_parse_duration(&ms, "1h30m"), CF_OK);
    CHECK_INT(ms, 5400000);
    CHECK_INT(cf_config_parse_duration(&ms, "90"), CF_OK);
    CHECK_INT(ms, 90000);
    CHECK(cf_config_parse_duration(&ms, "1x") != CF_OK);
    CHECK_INT(cf_config_edit_distance("intervall", "interval"), 1);
    CHECK_INT(cf_config_edit_distance("tpl", "tlp"), 1);
    CHECK_INT(cf_config_edit_distance("kitten", "sitting"), 3);

    /* a valid configuration */
    put(dir, "config.yaml",
        "state_dir: st\noutputs:\n  - type: directory\n    path: out\n"
        "    formats: [stix2, text]\n    keep_deltas: 3\n    max_tlp: amber\n"
        "  - path: out2\n");
    put(feeds, "a.yaml",
        "name: a\nurl: https://example.com/a.csv\nformat: csv\ninterval: 30m\n"
        "headers:\n  Authorization: \"${CF_TEST_KEY}\"\ntls_verify: false\n"
        "confidence: 80\ntlp: green\nlabels: [x, y]\nexpiry:\n  days: 7\n");
    put(feeds, "b.yml", "name: b\nurl: lists/b.txt\nexpiry: gone\nenabled: no\n"
                     "allow_empty: yes\n");
    put(feeds, "README", "not a feed");
    cf_error_clear(&err);
    msgs[0] = '\0';
    CHECK_INT(cf_config_load(&cfg, main_path, collect, NULL, &err), CF_OK);
    CHECK_STR(msgs, "");
    if (cfg) {
        char p[700];
        CHECK_INT(cfg->n_feeds, 2);
        CHECK_INT(cfg->n_outputs, 2);
        CHECK_STR(cfg->feeds[0].name, "a");
        CHECK_INT(cfg->feeds[0].interval_ms, 1800000);
        CHECK_INT(cfg->feeds[0].confidence, 80);
        CHECK_INT(cfg->feeds[0].tlp, CF_TLP_GREEN);
        CHECK_INT(cfg->feeds[0].n_labels, 2);
        CHECK_INT(cfg->feeds[0].expiry, CF_EXPIRY_DAYS);
        CHECK_INT(cfg->feeds[0].expiry_days, 7);
        CHECK(!cfg->feeds[0].tls_verify);
        CHECK(cfg->feeds[0].path == NULL);
        CHECK_STR(cfg->feeds[0].headers[0].value, "${CF_TEST_KEY}");
        CHECK_INT(cfg->feeds[1].expiry, CF_EXPIRY_GONE);
        CHECK(!cfg->feeds[1].enabled);
        CHECK(!cfg->feeds[0].allow_empty);
        CHECK(cfg->feeds[1].allow_empty);
        CHECK(cfg->feeds[1].tls_verify);
        snprintf(p, sizeof(p), "%s/lists/b.txt", dir);
        CHECK(cfg->feeds[1].path && strstr(cfg->feeds[1].path, "/lists/b.txt"));
        CHECK_INT(cfg->outputs[0].formats, CF_OUTFMT_STIX2 | CF_OUTFMT_TEXT);
        CHECK_INT(cfg->outputs[0].keep_deltas, 3);
        CHECK_INT(cfg->outputs[0].max_tlp, CF_TLP_AMBER);
        CHECK_STR(cfg->outputs[0].name, "out");
        /* a directory output publishes nothing above green unless told */
        CHECK_INT(cfg->outputs[1].max_tlp, CF_TLP_GREEN);
        CHECK_STR(cfg->outputs[1].name, "out2");
        /* secrets are expanded only on use */
        {
            cf_buf b = CF_BUF_INIT;
            unsetenv("CF_TEST_KEY");
            CHECK_INT(cf_config_expand(&b, cfg->feeds[0].headers[0].value, &err),
                      CF_ENOTFOUND);
            CHECK(strstr(err.msg, "CF_TEST_KEY") != NULL);
            setenv("CF_TEST_KEY", "Bearer s3cret", 1);
            cf_buf_reset(&b);
            CHECK_INT(cf_config_expand(&b, "x-${CF_TEST_KEY}-y", &err), CF_OK);
            CHECK_STR(cf_buf_str(&b), "x-Bearer s3cret-y");
            cf_buf_free(&b);
        }
    }
    cf_config_free(cfg);

    /* every problem, each at its file and line */
    put(dir, "config.yaml", "state_dir: st\nfeeds_dri: x\noutputs:\n  - path: out\n"
                            "    formats: [stix, text]\n    keep_deltas: many\n");
    put(feeds, "a.yaml", "name: a\nurl: https://example.com/a\nintervall: 1h\ntpl: green\n");
    put(feeds, "b.yml", "name: a\nurl: ftp://example.com/b\nconfidence: 101\ntls_verify: maybe\n");
    put(feeds, "c.yaml", "name: c\nurl: c.txt\nformat: cvs\ninterval: soon\nlabels: {a: 1}\n");
    put(feeds, "d.yaml", "name: d\nurl: d.txt\nprofile: urlhuas\n");
    put(feeds, "e.yaml", "name: e\nurl: [1\n");
    cf_error_clear(&err);
    msgs[0] = '\0';
    cfg = NULL;
    CHECK_INT(cf_config_load(&cfg, main_path, collect, NULL, &err), CF_EINVAL);
    CHECK(cfg == NULL);
#define WANT(file, fmt)                                                                     \
    do {                                                                                    \
        snprintf(want, sizeof(want), "%s/%s" fmt, file[0] == 'c' && file[1] == 'o' ? dir    \
                                                                                   : feeds, \
                 file);                                                                     \
        CHECK(has(want));                                                                   \
    } while (0)
    WANT("config.yaml", ":2: unknown configuration key 'feeds_dri' (did you mean 'feeds_dir'?)");
    WANT("config.yaml", ":5: unknown output format 'stix' (did you mean 'stix2'?)");
    WANT("config.yaml", ":6: 'keep_deltas' must be an integer from 1 to 100000, not 'many'");
    WANT("a.yaml", ":3: unknown feed key 'intervall' (did you mean 'interval'?)");
    WANT("a.yaml", ":4: unknown feed key 'tpl' (did you mean 'tlp'?)");
    WANT("b.yml", ":1: duplicate feed name 'a' (first defined at ");
    WANT("b.yml", ":2: 'url' must use http://, https:// or file://, or be a path");
    WANT("b.yml", ":3: 'confidence' must be an integer from 0 to 100, not '101'");
    WANT("b.yml", ":4: 'tls_verify' must be true or false, not 'maybe'");
    WANT("c.yaml", ":3: unknown format 'cvs' (did you mean 'csv'?)");
    WANT("c.yaml", ":4: 'interval' must be a duration such as 30s, 15m, 1h or 1d, not 'soon'");
    WANT("c.yaml", ":5: 'labels' must be a list of strings, not a mapping");
    WANT("e.yaml", ":3: YAML syntax error: ");
    /* profile suggestions need the built-in profiles */
    WANT("d.yaml", ":3: unknown profile 'urlhuas' (did you mean 'urlhaus'?)");

    test_sources(dir);
    test_not_mapping(dir);

    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK_INT(system(cmd), 0);
    }
    TEST_MAIN_END();
}
