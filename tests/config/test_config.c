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
        "    formats: [stix2, text]\n    keep_deltas: 3\n    max_tlp: amber\n");
    put(feeds, "a.yaml",
        "name: a\nurl: https://example.com/a.csv\nformat: csv\ninterval: 30m\n"
        "headers:\n  Authorization: \"${CF_TEST_KEY}\"\ntls_verify: false\n"
        "confidence: 80\ntlp: green\nlabels: [x, y]\nexpiry:\n  days: 7\n");
    put(feeds, "b.yml", "name: b\nurl: lists/b.txt\nexpiry: gone\nenabled: no\n");
    put(feeds, "README", "not a feed");
    cf_error_clear(&err);
    msgs[0] = '\0';
    CHECK_INT(cf_config_load(&cfg, main_path, collect, NULL, &err), CF_OK);
    CHECK_STR(msgs, "");
    if (cfg) {
        char p[700];
        CHECK_INT(cfg->n_feeds, 2);
        CHECK_INT(cfg->n_outputs, 1);
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
        CHECK(cfg->feeds[1].tls_verify);
        snprintf(p, sizeof(p), "%s/lists/b.txt", dir);
        CHECK(cfg->feeds[1].path && strstr(cfg->feeds[1].path, "/lists/b.txt"));
        CHECK_INT(cfg->outputs[0].formats, CF_OUTFMT_STIX2 | CF_OUTFMT_TEXT);
        CHECK_INT(cfg->outputs[0].keep_deltas, 3);
        CHECK_INT(cfg->outputs[0].max_tlp, CF_TLP_AMBER);
        CHECK_STR(cfg->outputs[0].name, "out");
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

    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK_INT(system(cmd), 0);
    }
    TEST_MAIN_END();
}
