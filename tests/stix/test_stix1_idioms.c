/*
 * Match rate against the OASIS stix2-elevator idioms: for every idiom whose
 * expected STIX 2.1 output (the "-ignore" policy) validates and whose
 * patterns only use properties this reader maps, the set of our indicator
 * patterns must equal the elevator's after white space is normalised.
 * Prints each idiom's verdict and the rate; docs/stix1.md explains every
 * mismatch. Needs the corpus and ../shared/tools/validate-stix21.
 */
#include <dirent.h>
#include <jansson.h>

#include "ctiflow/buf.h"
#include "ctiflow/input.h"
#include "ctiflow/reader.h"
#include "testlib.h"
#include "../../convert/stix1_priv.h"

static const char *const supported[] = {
    "ipv4-addr:value", "ipv6-addr:value", "domain-name:value", "url:value", "email-addr:value",
    "autonomous-system:number", "file:name", "file:size", "file:hashes.MD5",
    "file:hashes.'SHA-1'", "file:hashes.'SHA-256'", "file:hashes.'SHA-512'", "file:hashes.SSDEEP",
    "email-message:from_ref.value", "email-message:sender_ref.value",
    "email-message:to_refs[*].value", "email-message:subject",
    "email-message:body_multipart[*].body_raw_ref.name",
    "email-message:body_multipart[*].body_raw_ref.hashes.MD5", "mutex:name",
    "windows-registry-key:key", "windows-registry-key:values[*].name",
    "windows-registry-key:values[*].data", "network-traffic:src_ref.value",
    "network-traffic:dst_ref.value", "network-traffic:src_port", "network-traffic:dst_port",
    "network-traffic:protocols[*]",
    "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
};

static void squeeze(char *s)
{
    char *w = s;
    bool space = true;
    for (char *r = s; *r; r++) {
        bool sp = *r == ' ' || *r == '\t' || *r == '\n' || *r == '\r';
        if (!sp) {
            *w++ = *r;
        } else if (!space) {
            *w++ = ' ';
        }
        space = sp;
    }
    if (w > s && w[-1] == ' ') {
        w--;
    }
    *w = '\0';
}

/* True when every object path in the pattern is one we map. */
static bool pattern_supported(const char *p)
{
    const char *s = p;
    bool in_quote = false;
    for (; *s; s++) {
        if (*s == '\'' && (s == p || s[-1] != '\\')) {
            in_quote = !in_quote;
        }
        if (in_quote || !(s == p || s[-1] == '[' || s[-1] == '(' || s[-1] == ' ')) {
            continue;
        }
        const char *e = s;
        while ((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') || *e == '-') {
            e++;
        }
        if (e == s || *e != ':') {
            continue;
        }
        const char *end = strchr(e, ' ');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        bool ok = false;
        for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++) {
            ok = ok || (strlen(supported[i]) == n && strncmp(supported[i], s, n) == 0);
        }
        if (!ok) {
            return false;
        }
        s = e;
    }
    return true;
}

static cf_status rec_compound(void *ctx, const cf_compound *c)
{
    char *p = cf_strdup(c->pattern);
    squeeze(p);
    json_object_set_new(ctx, p, json_true());
    free(p);
    return CF_OK;
}

static cf_status rec_obs(void *ctx, const cf_obs *o)
{
    return CF_OK;
}

static json_t *our_patterns(const char *path)
{
    json_t *set = json_object();
    cf_sink sink = {rec_obs, NULL, rec_compound, NULL, set};
    cf_input *in = NULL;
    cf_error err;
    cf_error_clear(&err);
    if (cf_input_open_file(&in, path, &err) == CF_OK) {
        cf_stix1_read_ex(in, NULL, &sink, true, &err);
    }
    cf_input_close(in);
    return set;
}

static json_t *expected_patterns(const char *path, bool *in_scope)
{
    json_t *doc = json_load_file(path, 0, NULL), *set = json_object(), *o;
    size_t i;
    *in_scope = false;
    json_array_foreach(json_object_get(doc, "objects"), i, o) {
        const char *type = json_string_value(json_object_get(o, "type"));
        const char *pt = json_string_value(json_object_get(o, "pattern_type"));
        const char *pat = json_string_value(json_object_get(o, "pattern"));
        if (!type || strcmp(type, "indicator") != 0 || !pat || (pt && strcmp(pt, "stix") != 0)) {
            continue;
        }
        char *p = cf_strdup(pat);
        squeeze(p);
        *in_scope = set && json_object_size(set) == 0 ? true : *in_scope;
        if (!pattern_supported(p)) {
            *in_scope = false;
            free(p);
            break;
        }
        json_object_set_new(set, p, json_true());
        free(p);
    }
    *in_scope = *in_scope && json_object_size(set) > 0;
    json_decref(doc);
    return set;
}

/* Names of the expected files that validate-stix21 accepts. */
static json_t *valid_outputs(const char *dir)
{
    const char *tools = getenv("TOOLS");
    char cmd[4096], line[4096];
    snprintf(cmd, sizeof cmd, "'%s/validate-stix21' --quiet '%s'/*.json 2>/dev/null",
             tools ? tools : "../shared/tools", dir);
    FILE *p = popen(cmd, "r");
    json_t *ok = json_object();
    while (p && fgets(line, sizeof line, p)) {
        if (strncmp(line, "OK ", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            const char *base = strrchr(line, '/');
            json_object_set_new(ok, base ? base + 1 : line + 3, json_true());
        }
    }
    if (p) {
        pclose(p);
    }
    return ok;
}

/*
 * Idioms where our pattern differs from the elevator's on purpose, with the
 * pattern we must give: a Contains or StartsWith value is text, so its
 * regex metacharacters are escaped in MATCHES (the elevator leaves
 * '[IMPORTANT]' a character class and '\\J' an escape).
 */
static const struct {
    const char *idiom, *pattern;
} by_design[] = {
    {"141-TLP-marking-structures.xml",
     "[email-message:subject MATCHES '^\\\\[IMPORTANT\\\\] Please Review Before']"},
    {"coa_ind_malicious_file.xml",
     "[mutex:name = 'To0o0o0o0o0o0o0o0ooLate'] AND [(windows-registry-key:key MATCHES "
     "'HKEY_CURRENT_CONFIG\\\\\\\\J@k3d' AND windows-registry-key:values[*].data = '0')] AND "
     "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"},
};

static const char *by_design_pattern(const char *idiom)
{
    for (size_t i = 0; i < sizeof by_design / sizeof by_design[0]; i++) {
        if (strcmp(by_design[i].idiom, idiom) == 0) {
            return by_design[i].pattern;
        }
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    char xml_dir[1024], json_dir[1024];
    if (!test_corpus(xml_dir, sizeof xml_dir, "stix1/elevator-idioms/idioms-xml") ||
        !test_corpus(json_dir, sizeof json_dir, "stix1/elevator-idioms/idioms-json-2.1-ignore")) {
        test_skip("elevator idioms not in the corpus");
    }
    json_t *valid = valid_outputs(json_dir);
    if (json_object_size(valid) == 0) {
        test_skip("validate-stix21 unavailable (needs node and npm)");
    }
    DIR *d = opendir(xml_dir);
    struct dirent *e;
    char *names[256];
    size_t n_names = 0;
    while ((e = readdir(d)) != NULL && n_names < 256) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".xml") == 0) {
            names[n_names++] = cf_strdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, n_names, sizeof names[0], cmp_str);

    int scope = 0, match = 0, designed = 0;
    for (size_t i = 0; i < n_names; i++) {
        char xml[2048], js[2048], base[512];
        snprintf(base, sizeof base, "%.*s.json", (int)(strlen(names[i]) - 4), names[i]);
        snprintf(xml, sizeof xml, "%s/%s", xml_dir, names[i]);
        snprintf(js, sizeof js, "%s/%s", json_dir, base);
        bool in_scope = false;
        json_t *want = json_object_get(valid, base) ? expected_patterns(js, &in_scope) : NULL;
        const char *mine = by_design_pattern(names[i]);
        if (in_scope && mine) {
            json_t *got = our_patterns(xml);
            CHECK(json_object_get(got, mine) != NULL);
            designed += json_object_get(got, mine) != NULL;
            printf("%-8s %s\n", "by design", names[i]);
            json_decref(got);
        } else if (in_scope) {
            json_t *got = our_patterns(xml);
            bool eq = json_equal(got, want);
            scope++;
            match += eq;
            printf("%-8s %s\n", eq ? "match" : "MISMATCH", names[i]);
            if (!eq) {
                char *g = json_dumps(got, JSON_SORT_KEYS), *w = json_dumps(want, JSON_SORT_KEYS);
                printf("    ours:     %s\n    elevator: %s\n", g, w);
                free(g);
                free(w);
            }
            json_decref(got);
        }
        json_decref(want);
        free(names[i]);
    }
    json_decref(valid);
    printf("elevator idioms: %d of %d in scope match (%.1f %%), %d differ by design\n", match,
           scope, scope ? 100.0 * match / scope : 0.0, designed);
    CHECK(scope >= 25);
    CHECK_INT(designed, (int)(sizeof by_design / sizeof by_design[0]));
    CHECK(match * 10 >= scope * 9);
    TEST_MAIN_END();
}
