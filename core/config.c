/*
 * Loading and validating the run configuration (config.h).
 *
 * DESIGN
 * Each YAML file is loaded whole with yaml_parser_load() into a node tree;
 * the tree is walked with a table of known keys per mapping (main file,
 * output, feed, expiry). Every check reports "FILE:LINE: message" through the
 * caller's callback and counts a problem; walking goes on after a problem so
 * one `ctiflow check` lists them all. Paths are resolved against the
 * directory of the main file. Nothing here reads the environment except
 * cf_config_expand(), called by the fetcher at the moment of use.
 */
#include "ctiflow/config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ctiflow/profile.h"

#define CFG_DEFAULT_INTERVAL_MS (3600LL * 1000)
#define CFG_DEFAULT_TIMEOUT_MS (120LL * 1000)
#define CFG_DEFAULT_RETRIES 3
#define CFG_DEFAULT_KEEP_DELTAS 30
#define CFG_DEFAULT_WORKERS 4
#define CFG_MAX_FEED_FILES 10000
#define CFG_DEFAULT_SOURCE_INTERVAL_MS (24LL * 3600 * 1000)
#define CFG_MAX_SOURCE_ID 128

/* State of one load: where problems go and how many there were. */
typedef struct cfg_ctx {
    cf_config *cfg;
    cf_config_report_fn report;
    void *report_ctx;
    cf_error *err;
    size_t problems;
    const char *file; /* file being walked */
    yaml_document_t *doc;
} cfg_ctx;

static const char *const cfg_main_keys[] = {
    "state_dir", "cache_dir", "feeds_dir", "outputs", "feeds", "workers", "taxii",
    "warninglists", "galaxy", NULL};
static const char *const cfg_feed_keys[] = {
    "name", "url", "profile", "format", "type", "interval", "timeout", "retries", "headers",
    "proxy", "tls_verify", "confidence", "tlp", "labels", "actor", "expiry", "enabled",
    "allow_empty", NULL};
static const char *const cfg_output_keys[] = {
    "name", "type", "path", "formats", "keep_deltas", "max_tlp",
    "url", "headers", "auth", "timeout", "exclude_lists", NULL};
static const char *const cfg_list_keys[] = {
    "url", "id", "format", "interval", "timeout", "retries", "headers", "proxy", "tls_verify",
    NULL};
static const char *const cfg_galaxy_keys[] = {
    "url", "interval", "timeout", "retries", "headers", "proxy", "tls_verify", NULL};
static const char *const cfg_expiry_keys[] = {"days", "gone", NULL};
static const char *const cfg_formats[] = {"stix2", "misp-feed", "text", "csv", "jsonl", NULL};
static const char *const cfg_input_formats[] = {
    "csv", "text", "misp", "misp-feed", "stix1", "stix2", "jsonl", NULL};

static void cfg_feed_free(cf_feed_cfg *f);
static void cfg_problem(cfg_ctx *c, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cfg_problem(cfg_ctx *c, const yaml_node_t *node, const char *fmt, ...)
{
    char msg[600];
    char line[900];
    va_list ap;
    uint64_t lineno = node ? (uint64_t)node->start_mark.line + 1 : 0;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (lineno) {
        snprintf(line, sizeof(line), "%s:%llu: %s", c->file, (unsigned long long)lineno, msg);
    } else {
        snprintf(line, sizeof(line), "%s: %s", c->file, msg);
    }
    c->problems++;
    cf_error_set(c->err, CF_EINVAL, c->file, lineno, "%s", msg);
    if (c->report) {
        c->report(c->report_ctx, line);
    }
}

size_t cf_config_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t d[64][64];

    if (lb >= 63 || la >= 63) {
        return la > lb ? la : lb;
    }
    /* optimal string alignment: insert, delete, substitute, swap neighbours */
    for (size_t i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (d[i - 1][j] + 1 < best) {
                best = d[i - 1][j] + 1;
            }
            if (d[i][j - 1] + 1 < best) {
                best = d[i][j - 1] + 1;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* The closest word of list to s when it is close enough to suggest, else NULL. */
static const char *cfg_suggest(const char *s, const char *const *list)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    size_t limit = strlen(s) <= 4 ? 1 : (strlen(s) <= 8 ? 2 : 3);

    for (size_t i = 0; list[i]; i++) {
        size_t d = cf_config_edit_distance(s, list[i]);
        if (d < best_d) {
            best_d = d;
            best = list[i];
        }
    }
    if (best_d <= limit) {
        return best;
    }
    /* A word cut short at a '-' ('misp' for 'misp-feed') is suggested too. */
    size_t n = strlen(s);
    for (size_t i = 0; n && list[i]; i++) {
        if (strncmp(list[i], s, n) == 0 && list[i][n] == '-') {
            return list[i];
        }
    }
    return NULL;
}

static const char *cfg_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *cfg_kind(const yaml_node_t *n)
{
    if (n->type == YAML_MAPPING_NODE) {
        return "a mapping";
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        return "a list";
    }
    return "a scalar";
}

/* A scalar string value, or a problem. Returns NULL on a problem. */
static const char *cfg_want_str(cfg_ctx *c, const yaml_node_t *v, const char *key)
{
    const char *s = cfg_scalar(v);

    if (!s) {
        cfg_problem(c, v, "'%s' must be a string, not %s", key, cfg_kind(v));
        return NULL;
    }
    if (!*s) {
        cfg_problem(c, v, "'%s' must not be empty", key);
        return NULL;
    }
    return s;
}

static bool cfg_want_int(cfg_ctx *c, const yaml_node_t *v, const char *key, long lo, long hi,
                         int *out)
{
    const char *s = cfg_scalar(v);
    char *end = NULL;
    long x;

    if (!s) {
        cfg_problem(c, v, "'%s' must be an integer, not %s", key, cfg_kind(v));
        return false;
    }
    errno = 0;
    x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi) {
        cfg_problem(c, v, "'%s' must be an integer from %ld to %ld, not '%s'", key, lo, hi, s);
        return false;
    }
    *out = (int)x;
    return true;
}

static bool cfg_want_bool(cfg_ctx *c, const yaml_node_t *v, const char *key, bool *out)
{
    const char *s = cfg_scalar(v);

    if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))) {
        *out = true;
        return true;
    }
    if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))) {
        *out = false;
        return true;
    }
    cfg_problem(c, v, "'%s' must be true or false, not '%s'", key, s ? s : cfg_kind(v));
    return false;
}

cf_status cf_config_parse_duration(int64_t *out, const char *s)
{
    int64_t total = 0;
    const char *p = s;

    if (!s || !*s) {
        return CF_EMALFORMED;
    }
    while (*p) {
        char *end = NULL;
        long long n;
        int64_t unit;

        if (!isdigit((unsigned char)*p)) {
            return CF_EMALFORMED;
        }
        errno = 0;
        n = strtoll(p, &end, 10);
        if (errno || n > 1000000000LL) {
            return CF_ELIMIT;
        }
        switch (*end) {
        case '\0':
            if (p != s) {
                return CF_EMALFORMED;
            }
            unit = 1000;
            break;
        case 's':
            unit = 1000;
            break;
        case 'm':
            unit = 60LL * 1000;
            break;
        case 'h':
            unit = 3600LL * 1000;
            break;
        case 'd':
            unit = 86400LL * 1000;
            break;
        default:
            return CF_EMALFORMED;
        }
        total += (int64_t)n * unit;
        p = *end ? end + 1 : end;
    }
    *out = total;
    return CF_OK;
}

static bool cfg_want_duration(cfg_ctx *c, const yaml_node_t *v, const char *key, int64_t *out)
{
    const char *s = cfg_scalar(v);

    if (!s || cf_config_parse_duration(out, s) != CF_OK || *out <= 0) {
        cfg_problem(c, v, "'%s' must be a duration such as 30s, 15m, 1h or 1d, not '%s'", key,
                    s ? s : cfg_kind(v));
        return false;
    }
    return true;
}

/* Check a mapping's keys against known; report unknown keys with a suggestion. */
static void cfg_check_keys(cfg_ctx *c, yaml_node_t *map, const char *const *known,
                           const char *what)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        const char *ks = cfg_scalar(k);
        const char *hint;
        bool found = false;

        if (!ks) {
            cfg_problem(c, k, "%s keys must be strings", what);
            continue;
        }
        for (size_t i = 0; known[i]; i++) {
            if (!strcmp(ks, known[i])) {
                found = true;
                break;
            }
        }
        if (found) {
            continue;
        }
        hint = cfg_suggest(ks, known);
        if (hint) {
            cfg_problem(c, k, "unknown %s key '%s' (did you mean '%s'?)", what, ks, hint);
        } else {
            cfg_problem(c, k, "unknown %s key '%s'", what, ks);
        }
    }
}

static yaml_node_t *cfg_get(cfg_ctx *c, yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *ks = cfg_scalar(yaml_document_get_node(c->doc, p->key));
        if (ks && !strcmp(ks, key)) {
            return yaml_document_get_node(c->doc, p->value);
        }
    }
    return NULL;
}

/* Join dir and a relative path; absolute paths are kept. Caller frees. */
static char *cfg_resolve(const char *dir, const char *path)
{
    cf_buf b = CF_BUF_INIT;

    if (path[0] == '/') {
        return cf_strdup(path);
    }
    if (cf_buf_printf(&b, "%s/%s", dir, path) != CF_OK) {
        cf_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static char **cfg_str_list(cfg_ctx *c, yaml_node_t *v, const char *key, size_t *n_out)
{
    char **list = NULL;
    size_t n = 0;

    *n_out = 0;
    if (cfg_scalar(v)) {
        list = calloc(1, sizeof(*list));
        if (list) {
            list[0] = cf_strdup(cfg_scalar(v));
            *n_out = 1;
        }
        return list;
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        cfg_problem(c, v, "'%s' must be a list of strings, not %s", key, cfg_kind(v));
        return NULL;
    }
    list = calloc((size_t)(v->data.sequence.items.top - v->data.sequence.items.start) + 1,
                  sizeof(*list));
    if (!list) {
        return NULL;
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        const char *s = cfg_want_str(c, e, key);
        if (s) {
            list[n++] = cf_strdup(s);
        }
    }
    *n_out = n;
    return list;
}

static void cfg_feed_expiry(cfg_ctx *c, cf_feed_cfg *f, yaml_node_t *v)
{
    const char *s = cfg_scalar(v);

    if (s) {
        if (!strcmp(s, "gone")) {
            f->expiry = CF_EXPIRY_GONE;
        } else if (!strcmp(s, "never")) {
            f->expiry = CF_EXPIRY_NEVER;
        } else {
            cfg_problem(c, v, "'expiry' must be 'gone', 'never' or a mapping with 'days', not '%s'",
                        s);
        }
        return;
    }
    if (v->type != YAML_MAPPING_NODE) {
        cfg_problem(c, v, "'expiry' must be 'gone', 'never' or a mapping with 'days'");
        return;
    }
    cfg_check_keys(c, v, cfg_expiry_keys, "expiry");
    yaml_node_t *d = cfg_get(c, v, "days");
    yaml_node_t *g = cfg_get(c, v, "gone");
    bool gone = false;
    if (d && cfg_want_int(c, d, "days", 1, 36500, &f->expiry_days)) {
        f->expiry = CF_EXPIRY_DAYS;
    }
    if (g && cfg_want_bool(c, g, "gone", &gone) && gone) {
        f->expiry = CF_EXPIRY_GONE;
    }
}

static void cfg_feed_headers(cfg_ctx *c, cf_feed_cfg *f, yaml_node_t *v)
{
    size_t n;

    if (v->type != YAML_MAPPING_NODE) {
        cfg_problem(c, v, "'headers' must be a mapping of header names to values, not %s",
                    cfg_kind(v));
        return;
    }
    n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    f->headers = calloc(n + 1, sizeof(*f->headers));
    if (!f->headers) {
        return;
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *val = yaml_document_get_node(c->doc, p->value);
        const char *ks = cfg_scalar(k);
        const char *vs = cfg_scalar(val);
        if (!ks || !vs || strpbrk(ks, ": \r\n") || strpbrk(vs, "\r\n")) {
            cfg_problem(c, k, "header '%s' must be a name without ':' and a one-line value",
                        ks ? ks : "?");
            continue;
        }
        f->headers[f->n_headers].name = cf_strdup(ks);
        f->headers[f->n_headers].value = cf_strdup(vs);
        f->n_headers++;
    }
}

static bool cfg_in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++) {
        if (!strcmp(s, list[i])) {
            return true;
        }
    }
    return false;
}

/* url: http(s):// kept as written; file:// and plain paths resolved to f->path. */
static void cfg_feed_url(cfg_ctx *c, cf_feed_cfg *f, yaml_node_t *v)
{
    const char *s = cfg_want_str(c, v, "url");

    if (!s) {
        return;
    }
    f->url = cf_strdup(s);
    if (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8)) {
        return;
    }
    if (!strncmp(s, "file://", 7)) {
        s += 7;
    } else if (strstr(s, "://")) {
        cfg_problem(c, v, "'url' must use http://, https:// or file://, or be a path, not '%s'",
                    s);
        return;
    }
    f->path = cfg_resolve(c->cfg->dir, s);
}

static void cfg_feed_format(cfg_ctx *c, cf_feed_cfg *f, yaml_node_t *v)
{
    const char *s = cfg_want_str(c, v, "format");
    const char *hint;

    if (!s) {
        return;
    }
    if (!cfg_in_list(s, cfg_input_formats)) {
        hint = cfg_suggest(s, cfg_input_formats);
        cfg_problem(c, v, "unknown format '%s'%s%s%s", s, hint ? " (did you mean '" : "",
                    hint ? hint : "", hint ? "'?)" : "");
        return;
    }
    if (!strcmp(s, "misp-feed")) {
        f->misp_feed_dir = true;
        f->format = CF_FMT_MISP;
    } else {
        f->format = cf_format_from_name(s);
    }
}

static void cfg_feed_profile(cfg_ctx *c, cf_feed_cfg *f, yaml_node_t *v)
{
    const char *s = cfg_want_str(c, v, "profile");
    const char *hint;

    if (!s) {
        return;
    }
    if (!cf_profile_find(s)) {
        hint = cf_profile_suggest(s);
        cfg_problem(c, v, "unknown profile '%s'%s%s%s", s, hint ? " (did you mean '" : "",
                    hint ? hint : "", hint ? "'?)" : "");
        return;
    }
    f->profile = cf_strdup(s);
}

static void cfg_feed_tlp(cfg_ctx *c, cf_tlp *out, yaml_node_t *v, const char *key)
{
    const char *s = cfg_want_str(c, v, key);

    if (!s) {
        return;
    }
    *out = cf_tlp_from_name(s);
    if (*out == CF_TLP_NONE) {
        cfg_problem(c, v, "'%s' must be clear, green, amber, amber+strict or red, not '%s'", key,
                    s);
    }
}

/* One scalar or list key of a feed. */
static void cfg_feed_key(cfg_ctx *c, cf_feed_cfg *f, const char *k, yaml_node_t *v)
{
    const char *s;

    if (!strcmp(k, "name")) {
        s = cfg_want_str(c, v, k);
        if (s && strpbrk(s, "/\\\n\r\t ")) {
            cfg_problem(c, v, "feed name '%s' must not contain '/', '\\' or white space", s);
        } else if (s) {
            f->name = cf_strdup(s);
        }
    } else if (!strcmp(k, "url")) {
        cfg_feed_url(c, f, v);
    } else if (!strcmp(k, "profile")) {
        cfg_feed_profile(c, f, v);
    } else if (!strcmp(k, "format")) {
        cfg_feed_format(c, f, v);
    } else if (!strcmp(k, "type")) {
        s = cfg_want_str(c, v, k);
        if (s && strcmp(s, "auto") && cf_ioc_type_from_name(s) == CF_IOC_NONE) {
            cfg_problem(c, v, "unknown IOC type '%s'", s);
        } else if (s) {
            f->value_type = cf_ioc_type_from_name(s);
        }
    } else if (!strcmp(k, "interval")) {
        cfg_want_duration(c, v, k, &f->interval_ms);
    } else if (!strcmp(k, "timeout")) {
        cfg_want_duration(c, v, k, &f->timeout_ms);
    } else if (!strcmp(k, "retries")) {
        cfg_want_int(c, v, k, 0, 10, &f->retries);
    } else if (!strcmp(k, "headers")) {
        cfg_feed_headers(c, f, v);
    } else if (!strcmp(k, "proxy")) {
        s = cfg_want_str(c, v, k);
        f->proxy = s ? cf_strdup(s) : NULL;
    } else if (!strcmp(k, "tls_verify")) {
        cfg_want_bool(c, v, k, &f->tls_verify);
    } else if (!strcmp(k, "confidence")) {
        cfg_want_int(c, v, k, 0, 100, &f->confidence);
    } else if (!strcmp(k, "tlp")) {
        cfg_feed_tlp(c, &f->tlp, v, k);
    } else if (!strcmp(k, "labels")) {
        f->labels = cfg_str_list(c, v, k, &f->n_labels);
    } else if (!strcmp(k, "actor")) {
        s = cfg_want_str(c, v, k);
        f->actor = s ? cf_strdup(s) : NULL;
    } else if (!strcmp(k, "expiry")) {
        cfg_feed_expiry(c, f, v);
    } else if (!strcmp(k, "enabled")) {
        cfg_want_bool(c, v, k, &f->enabled);
    } else if (!strcmp(k, "allow_empty")) {
        cfg_want_bool(c, v, k, &f->allow_empty);
    }
}

static void cfg_feed_defaults(cf_feed_cfg *f)
{
    memset(f, 0, sizeof(*f));
    f->interval_ms = CFG_DEFAULT_INTERVAL_MS;
    f->timeout_ms = CFG_DEFAULT_TIMEOUT_MS;
    f->retries = CFG_DEFAULT_RETRIES;
    f->tls_verify = true;
    f->confidence = -1;
    f->enabled = true;
}

static void cfg_add_feed(cfg_ctx *c, yaml_node_t *map)
{
    cf_config *cfg = c->cfg;
    cf_feed_cfg f;
    cf_feed_cfg *grown;

    if (map->type != YAML_MAPPING_NODE) {
        cfg_problem(c, map, "a feed must be a mapping with at least 'name' and 'url', not %s",
                    cfg_kind(map));
        return;
    }
    cfg_feed_defaults(&f);
    f.source = cf_strdup(c->file);
    f.line = (uint64_t)map->start_mark.line + 1;
    cfg_check_keys(c, map, cfg_feed_keys, "feed");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = cfg_scalar(yaml_document_get_node(c->doc, p->key));
        if (k) {
            cfg_feed_key(c, &f, k, yaml_document_get_node(c->doc, p->value));
        }
    }
    /* A key that is there but wrong was reported already; a missing one is reported here. */
    if (!f.name && !cfg_get(c, map, "name")) {
        cfg_problem(c, map, "feed has no 'name'");
    }
    if (!f.url && !cfg_get(c, map, "url")) {
        cfg_problem(c, map, "feed '%s' has no 'url'", f.name ? f.name : "?");
    }
    if (f.name) {
        const cf_feed_cfg *dup = cf_config_feed(cfg, f.name);
        if (dup) {
            cfg_problem(c, cfg_get(c, map, "name"),
                        "duplicate feed name '%s' (first defined at %s:%llu)", f.name,
                        dup->source, (unsigned long long)dup->line);
        }
    }
    grown = realloc(cfg->feeds, (cfg->n_feeds + 1) * sizeof(*grown));
    if (!grown) {
        return;
    }
    cfg->feeds = grown;
    cfg->feeds[cfg->n_feeds++] = f;
}

/* ---------------------------------------------------------------------------
 * HTTP outputs (webhook, misp, taxii) and the "taxii:" section of `ctiflow
 * serve`. Kept apart from the directory outputs above: an HTTP output has a
 * url, headers, auth and a timeout instead of a path and formats, and its
 * max_tlp defaults to green.
 */

#define CFG_DEFAULT_HTTP_TIMEOUT_MS (30LL * 1000)

static const char *const cfg_http_keys[] = {
    "name", "type", "url", "headers", "auth", "timeout", "max_tlp", NULL};
static const char *const cfg_auth_keys[] = {
    "type", "username", "password", "token", "key", "header", NULL};
static const char *const cfg_taxii_keys[] = {
    "listen", "title", "description", "api_root", "tls_cert", "tls_key", "collections", NULL};
static const char *const cfg_collection_keys[] = {
    "id", "title", "description", "feeds", "labels", "actors", "max_tlp", "auth", NULL};

static bool cfg_http_type(const char *s)
{
    return !strcmp(s, "webhook") || !strcmp(s, "misp") || !strcmp(s, "taxii");
}

static char *cfg_opt_str(cfg_ctx *c, yaml_node_t *map, const char *key)
{
    yaml_node_t *v = cfg_get(c, map, key);
    const char *s = v ? cfg_want_str(c, v, key) : NULL;

    return s ? cf_strdup(s) : NULL;
}

/* auth: {type: basic|bearer|api-key, username, password, token|key, header} */
static void cfg_auth(cfg_ctx *c, cf_auth_cfg *a, yaml_node_t *v)
{
    char *type;

    if (v->type != YAML_MAPPING_NODE) {
        cfg_problem(c, v, "'auth' must be a mapping with 'type', not %s", cfg_kind(v));
        return;
    }
    cfg_check_keys(c, v, cfg_auth_keys, "auth");
    type = cfg_opt_str(c, v, "type");
    a->username = cfg_opt_str(c, v, "username");
    a->password = cfg_opt_str(c, v, "password");
    a->token = cfg_opt_str(c, v, "token");
    if (!a->token) {
        a->token = cfg_opt_str(c, v, "key");
    }
    a->header = cfg_opt_str(c, v, "header");
    if (type && !strcmp(type, "basic")) {
        a->type = CF_AUTH_BASIC;
        if (!a->username || !a->password) {
            cfg_problem(c, v, "basic auth needs 'username' and 'password'");
        }
    } else if (type && (!strcmp(type, "bearer") || !strcmp(type, "api-key"))) {
        a->type = type[0] == 'b' ? CF_AUTH_BEARER : CF_AUTH_API_KEY;
        if (!a->token) {
            cfg_problem(c, v, "%s auth needs 'token' (or 'key')", type);
        }
    } else {
        cfg_problem(c, v, "auth 'type' must be basic, bearer or api-key, not '%s'",
                    type ? type : "(none)");
    }
    free(type);
}

static void cfg_output_http(cfg_ctx *c, cf_output_cfg *o, yaml_node_t *map, const char *type)
{
    yaml_node_t *v;

    o->type = cf_strdup(type);
    o->max_tlp = CF_TLP_GREEN;
    o->timeout_ms = CFG_DEFAULT_HTTP_TIMEOUT_MS;
    cfg_check_keys(c, map, cfg_http_keys, "output");
    o->url = cfg_opt_str(c, map, "url");
    if (!o->url) {
        cfg_problem(c, map, "%s output has no 'url'", type);
    } else if (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8)) {
        cfg_problem(c, map, "'url' of a %s output must be http:// or https://", type);
    }
    o->name = cfg_opt_str(c, map, "name");
    if (!o->name) {
        o->name = cf_strdup(type);
    }
    v = cfg_get(c, map, "headers");
    if (v) {
        cf_feed_cfg tmp;
        memset(&tmp, 0, sizeof(tmp));
        cfg_feed_headers(c, &tmp, v);
        o->headers = tmp.headers;
        o->n_headers = tmp.n_headers;
    }
    v = cfg_get(c, map, "auth");
    if (v) {
        cfg_auth(c, &o->auth, v);
    } else if (!strcmp(type, "misp")) {
        o->auth.type = CF_AUTH_API_KEY;
        o->auth.token = cf_strdup("${MISP_KEY}");
    }
    v = cfg_get(c, map, "timeout");
    if (v) {
        cfg_want_duration(c, v, "timeout", &o->timeout_ms);
    }
    v = cfg_get(c, map, "max_tlp");
    if (v) {
        cfg_feed_tlp(c, &o->max_tlp, v, "max_tlp");
    }
}

static void cfg_auth_free(cf_auth_cfg *a)
{
    free(a->username);
    free(a->password);
    free(a->token);
    free(a->header);
}

static void cfg_output_http_free(cf_output_cfg *o)
{
    free(o->url);
    for (size_t i = 0; i < o->n_headers; i++) {
        free(o->headers[i].name);
        free(o->headers[i].value);
    }
    free(o->headers);
    cfg_auth_free(&o->auth);
}

static void cfg_collection(cfg_ctx *c, cf_taxii_cfg *t, yaml_node_t *map)
{
    cf_taxii_collection_cfg col, *grown;
    yaml_node_t *v;

    if (map->type != YAML_MAPPING_NODE) {
        cfg_problem(c, map, "a collection must be a mapping with 'id' and 'title'");
        return;
    }
    memset(&col, 0, sizeof(col));
    col.max_tlp = CF_TLP_GREEN;
    col.line = (uint64_t)map->start_mark.line + 1;
    cfg_check_keys(c, map, cfg_collection_keys, "collection");
    col.id = cfg_opt_str(c, map, "id");
    if (!col.id || strpbrk(col.id, "/?#%& \t")) {
        cfg_problem(c, map,
                    "a collection needs an 'id' without '/', '?', '#', '%%', '&' or spaces");
    }
    for (size_t i = 0; col.id && i < t->n_collections; i++) {
        if (!strcmp(t->collections[i].id, col.id)) {
            cfg_problem(c, map, "duplicate collection id '%s'", col.id);
        }
    }
    col.title = cfg_opt_str(c, map, "title");
    col.description = cfg_opt_str(c, map, "description");
    v = cfg_get(c, map, "feeds");
    col.feeds = v ? cfg_str_list(c, v, "feeds", &col.n_feeds) : NULL;
    v = cfg_get(c, map, "labels");
    col.labels = v ? cfg_str_list(c, v, "labels", &col.n_labels) : NULL;
    v = cfg_get(c, map, "actors");
    col.actors = v ? cfg_str_list(c, v, "actors", &col.n_actors) : NULL;
    v = cfg_get(c, map, "max_tlp");
    if (v) {
        cfg_feed_tlp(c, &col.max_tlp, v, "max_tlp");
    }
    v = cfg_get(c, map, "auth");
    if (v) {
        cfg_auth(c, &col.auth, v);
    }
    if (!col.title) {
        col.title = cf_strdup(col.id ? col.id : "collection");
    }
    grown = realloc(t->collections, (t->n_collections + 1) * sizeof(*grown));
    if (!grown) {
        return;
    }
    t->collections = grown;
    t->collections[t->n_collections++] = col;
}

static void cfg_taxii(cfg_ctx *c, yaml_node_t *map)
{
    cf_taxii_cfg *t = &c->cfg->taxii;
    yaml_node_t *v;

    if (map->type != YAML_MAPPING_NODE) {
        cfg_problem(c, map, "'taxii' must be a mapping, not %s", cfg_kind(map));
        return;
    }
    cfg_check_keys(c, map, cfg_taxii_keys, "taxii");
    t->listen = cfg_opt_str(c, map, "listen");
    t->title = cfg_opt_str(c, map, "title");
    t->description = cfg_opt_str(c, map, "description");
    t->api_root = cfg_opt_str(c, map, "api_root");
    if (t->api_root && strpbrk(t->api_root, "/?#% ")) {
        cfg_problem(c, map, "'api_root' must be one path segment, not '%s'", t->api_root);
    }
    t->tls_cert = cfg_opt_str(c, map, "tls_cert");
    t->tls_key = cfg_opt_str(c, map, "tls_key");
    if (!t->tls_cert != !t->tls_key) {
        cfg_problem(c, map, "TLS needs both 'tls_cert' and 'tls_key'");
    }
    v = cfg_get(c, map, "collections");
    if (v && v->type != YAML_SEQUENCE_NODE) {
        cfg_problem(c, v, "'collections' must be a list, not %s", cfg_kind(v));
    } else if (v) {
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
            cfg_collection(c, t, yaml_document_get_node(c->doc, *it));
        }
    }
}

static void cfg_list_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i]);
    }
    free(list);
}

static void cfg_taxii_free(cf_taxii_cfg *t)
{
    for (size_t i = 0; i < t->n_collections; i++) {
        cf_taxii_collection_cfg *col = &t->collections[i];
        free(col->id);
        free(col->title);
        free(col->description);
        cfg_list_free(col->feeds, col->n_feeds);
        cfg_list_free(col->labels, col->n_labels);
        cfg_list_free(col->actors, col->n_actors);
        cfg_auth_free(&col->auth);
    }
    free(t->collections);
    free(t->listen);
    free(t->title);
    free(t->description);
    free(t->api_root);
    free(t->tls_cert);
    free(t->tls_key);
}

/* --- end of HTTP outputs and TAXII server configuration --- */

static unsigned cfg_output_formats(cfg_ctx *c, yaml_node_t *v)
{
    unsigned bits = 0;
    size_t n = 0;
    char **list = cfg_str_list(c, v, "formats", &n);

    for (size_t i = 0; i < n; i++) {
        static const unsigned values[] = {CF_OUTFMT_STIX2, CF_OUTFMT_MISP_FEED, CF_OUTFMT_TEXT,
                                          CF_OUTFMT_CSV, CF_OUTFMT_JSONL};
        bool found = false;
        for (size_t j = 0; cfg_formats[j]; j++) {
            if (!strcmp(list[i], cfg_formats[j])) {
                bits |= values[j];
                found = true;
            }
        }
        if (!found) {
            const char *hint = cfg_suggest(list[i], cfg_formats);
            cfg_problem(c, v, "unknown output format '%s'%s%s%s", list[i],
                        hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
        }
        free(list[i]);
    }
    free(list);
    return bits;
}

static void cfg_add_output(cfg_ctx *c, yaml_node_t *map)
{
    cf_config *cfg = c->cfg;
    cf_output_cfg o;
    cf_output_cfg *grown;
    yaml_node_t *v;
    const char *s;

    if (map->type != YAML_MAPPING_NODE) {
        cfg_problem(c, map, "an output must be a mapping with 'type' and 'path'");
        return;
    }
    memset(&o, 0, sizeof(o));
    o.keep_deltas = CFG_DEFAULT_KEEP_DELTAS;
    o.formats = CF_OUTFMT_STIX2 | CF_OUTFMT_MISP_FEED | CF_OUTFMT_TEXT;
    o.max_tlp = CF_TLP_GREEN; /* as for every output: nothing above green unless asked */
    o.source = cf_strdup(c->file);
    o.line = (uint64_t)map->start_mark.line + 1;
    cfg_check_keys(c, map, cfg_output_keys, "output");

    v = cfg_get(c, map, "type");
    s = v ? cfg_want_str(c, v, "type") : "directory";
    if (s && cfg_http_type(s)) {
        cfg_output_http(c, &o, map, s);
        goto add;
    }
    if (s && strcmp(s, "directory")) {
        cfg_problem(c, v, "unknown output type '%s' (supported: directory, webhook, misp, taxii)",
                    s);
    }
    o.type = cf_strdup("directory");
    v = cfg_get(c, map, "path");
    s = v ? cfg_want_str(c, v, "path") : NULL;
    if (!v) {
        cfg_problem(c, map, "output has no 'path'");
    }
    o.path = s ? cfg_resolve(cfg->dir, s) : NULL;
    v = cfg_get(c, map, "name");
    s = v ? cfg_want_str(c, v, "name") : NULL;
    if (s) {
        o.name = cf_strdup(s);
    } else if (o.path) {
        const char *slash = strrchr(o.path, '/');
        o.name = cf_strdup(slash ? slash + 1 : o.path);
    }
    v = cfg_get(c, map, "formats");
    if (v) {
        o.formats = cfg_output_formats(c, v);
    }
    v = cfg_get(c, map, "keep_deltas");
    if (v) {
        cfg_want_int(c, v, "keep_deltas", 1, 100000, &o.keep_deltas);
    }
    v = cfg_get(c, map, "max_tlp");
    if (v) {
        cfg_feed_tlp(c, &o.max_tlp, v, "max_tlp");
    }
    v = cfg_get(c, map, "exclude_lists");
    if (v) {
        o.exclude_lists = cfg_str_list(c, v, "exclude_lists", &o.n_exclude_lists);
        o.has_exclude_lists = true;
    }

add:
    grown = realloc(cfg->outputs, (cfg->n_outputs + 1) * sizeof(*grown));
    if (!grown) {
        return;
    }
    cfg->outputs = grown;
    cfg->outputs[cfg->n_outputs++] = o;
}

/* Load one YAML file into doc; a syntax error is a reported problem. */
static bool cfg_load_doc(cfg_ctx *c, const char *path, yaml_document_t *doc)
{
    FILE *fp = fopen(path, "rb");
    yaml_parser_t parser;
    bool ok;

    if (!fp) {
        cfg_problem(c, NULL, "cannot read: %s", strerror(errno));
        return false;
    }
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, fp);
    ok = yaml_parser_load(&parser, doc) != 0;
    if (!ok) {
        char msg[600];
        snprintf(msg, sizeof(msg), "%s:%lu: YAML syntax error: %s", path,
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "unknown");
        c->problems++;
        cf_error_set(c->err, CF_EINVAL, path, parser.problem_mark.line + 1, "YAML syntax error: %s",
                     parser.problem ? parser.problem : "unknown");
        if (c->report) {
            c->report(c->report_ctx, msg);
        }
    }

    /* One document per file: a second one would be silently ignored. */
    if (ok) {
        yaml_document_t extra;
        if (yaml_parser_load(&parser, &extra) != 0) {
            yaml_node_t *root = yaml_document_get_root_node(&extra);
            if (root) {
                cfg_problem(c, root, "a second YAML document ('---') would be ignored: "
                                     "a file holds one document (one feed per feeds.d file)");
                ok = false;
            }
            yaml_document_delete(&extra);
        }
        if (!ok) {
            yaml_document_delete(doc); /* the caller keeps only a loaded document */
        }
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    return ok;
}

/* ---------------------------------------------------------------------------
 * Reference sources: "warninglists" entries and the "galaxy". Each is a path
 * or URL, or a mapping with "url" and the fetch options of a feed; an
 * http(s) warning list is known by an id (given, or taken from its URL as
 * from a file name) that must be unique, since it names the cache directory.
 */

/* The path of an http(s) URL without query or fragment, into buf; "" if none. */
static void cfg_url_path(char *buf, size_t bufsz, const char *url)
{
    const char *host = strstr(url, "://");
    const char *path = host ? strchr(host + 3, '/') : NULL;
    size_t n = path ? strcspn(path, "?#") : 0;

    buf[0] = '\0';
    if (path && n < bufsz) {
        memcpy(buf, path, n);
        buf[n] = '\0';
    }
}

/* "<...>/<id>/list.json" gives id, "<...>/<id>.<ext>" gives id; NULL when neither. */
static char *cfg_url_list_id(const char *url)
{
    char path[1024];
    char *base;
    char *dot;

    cfg_url_path(path, sizeof(path), url);
    base = strrchr(path, '/');
    if (!base) {
        return NULL;
    }
    base++;
    if (!strcmp(base, "list.json") && base - 1 > path) {
        base[-1] = '\0';
        base = strrchr(path, '/') + 1;
    } else {
        dot = strrchr(base, '.');
        if (dot && dot > base) {
            *dot = '\0';
        }
    }
    return base[0] ? cf_strdup(base) : NULL;
}

static bool cfg_source_id_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= CFG_MAX_SOURCE_ID && s[0] != '.' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The url and fetch options of one source (a scalar, or a mapping with "url"). */
static bool cfg_source(cfg_ctx *c, cf_source_cfg *s, yaml_node_t *v, const char *key,
                       const char *const *known)
{
    cfg_feed_defaults(&s->fetch);
    s->fetch.interval_ms = CFG_DEFAULT_SOURCE_INTERVAL_MS;
    s->fetch.source = cf_strdup(c->file);
    s->fetch.line = (uint64_t)v->start_mark.line + 1;
    if (cfg_scalar(v)) {
        cfg_feed_url(c, &s->fetch, v);
        return s->fetch.url != NULL;
    }
    if (v->type != YAML_MAPPING_NODE) {
        cfg_problem(c, v, "a '%s' entry must be a path, a URL or a mapping with 'url', not %s",
                    key, cfg_kind(v));
        return false;
    }
    cfg_check_keys(c, v, known, key);
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        const char *k = cfg_scalar(yaml_document_get_node(c->doc, p->key));
        if (k && strcmp(k, "id") && strcmp(k, "format") && cfg_in_list(k, known)) {
            cfg_feed_key(c, &s->fetch, k, yaml_document_get_node(c->doc, p->value));
        }
    }
    if (!s->fetch.url) {
        cfg_problem(c, v, "a '%s' entry has no 'url'", key);
        return false;
    }
    return true;
}

/* The id and format of an http(s) warning list; both refused for a local one. */
static void cfg_list_id_format(cfg_ctx *c, cf_source_cfg *s, yaml_node_t *v)
{
    bool map = v->type == YAML_MAPPING_NODE;
    yaml_node_t *idn = map ? cfg_get(c, v, "id") : NULL;
    yaml_node_t *fmtn = map ? cfg_get(c, v, "format") : NULL;
    const char *fmt = fmtn ? cfg_want_str(c, fmtn, "format") : NULL;
    const char *id = idn ? cfg_want_str(c, idn, "id") : NULL;
    char path[1024];

    if (s->fetch.path) {
        if (idn || fmtn) {
            cfg_problem(c, idn ? idn : fmtn, "'id' and 'format' apply to http:// and https:// "
                        "warning lists; a local list is named and typed by its file name");
        }
        return;
    }
    s->fetch.name = id ? cf_strdup(id) : cfg_url_list_id(s->fetch.url);
    if (!s->fetch.name) {
        cfg_problem(c, v, "cannot name the warning list at '%s' from its URL: give it an 'id'",
                    s->fetch.url);
    } else if (!cfg_source_id_ok(s->fetch.name)) {
        cfg_problem(c, idn ? idn : v, "warning list id '%s' must be 1 to %d letters, digits, "
                    "'.', '_' or '-', not starting with '.'%s", s->fetch.name, CFG_MAX_SOURCE_ID,
                    idn ? "" : " (give it an 'id')");
    }
    cfg_url_path(path, sizeof(path), s->fetch.url);
    s->allowlist = strlen(path) > 4 && !strcmp(path + strlen(path) - 4, ".txt");
    if (fmt && (!strcmp(fmt, "misp") || !strcmp(fmt, "text"))) {
        s->allowlist = !strcmp(fmt, "text");
    } else if (fmt) {
        cfg_problem(c, fmtn, "'format' of a warning list must be 'misp' or 'text', not '%s'", fmt);
    }
}

/* A second http(s) warning list with the id of an earlier one is a problem. */
static void cfg_list_unique(cfg_ctx *c, size_t i, yaml_node_t *v)
{
    const cf_source_cfg *s = &c->cfg->warninglists[i];

    for (size_t j = 0; s->fetch.name && j < i; j++) {
        const cf_source_cfg *t = &c->cfg->warninglists[j];
        if (t->fetch.name && !strcmp(t->fetch.name, s->fetch.name)) {
            cfg_problem(c, v, "duplicate warning list id '%s' (first at %s:%llu)",
                        s->fetch.name, t->fetch.source, (unsigned long long)t->fetch.line);
            return;
        }
    }
}

static void cfg_walk_warninglists(cfg_ctx *c, yaml_node_t *v)
{
    cf_config *cfg = c->cfg;
    size_t n = 1;

    if (v->type == YAML_SEQUENCE_NODE) {
        n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    }
    cfg->warninglists = calloc(n + 1, sizeof(*cfg->warninglists));
    if (!cfg->warninglists) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = v;
        if (v->type == YAML_SEQUENCE_NODE) {
            e = yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
        }
        cf_source_cfg *s = &cfg->warninglists[cfg->n_warninglists++];
        if (cfg_source(c, s, e, "warninglists", cfg_list_keys)) {
            cfg_list_id_format(c, s, e);
            cfg_list_unique(c, cfg->n_warninglists - 1, e);
        }
    }
}

/* warninglists: paths, URLs or mappings; galaxy: one path, URL or mapping. */
static void cfg_walk_lists(cfg_ctx *c, yaml_node_t *root)
{
    cf_config *cfg = c->cfg;
    yaml_node_t *v = cfg_get(c, root, "warninglists");

    if (v) {
        cfg_walk_warninglists(c, v);
    }
    v = cfg_get(c, root, "galaxy");
    if (!v) {
        return;
    }
    cfg->galaxy = calloc(1, sizeof(*cfg->galaxy));
    if (cfg->galaxy && cfg_source(c, cfg->galaxy, v, "galaxy", cfg_galaxy_keys) &&
        !cfg->galaxy->fetch.path) {
        cfg->galaxy->fetch.name = cf_strdup("galaxy");
    }
}

static void cfg_walk_main(cfg_ctx *c, yaml_node_t *root)
{
    cf_config *cfg = c->cfg;
    yaml_node_t *v;
    const char *s;

    if (!root || root->type != YAML_MAPPING_NODE) {
        cfg_problem(c, root, "the configuration must be a mapping");
        return;
    }
    cfg_check_keys(c, root, cfg_main_keys, "configuration");
    v = cfg_get(c, root, "state_dir");
    s = v ? cfg_want_str(c, v, "state_dir") : "state";
    cfg->state_dir = cfg_resolve(cfg->dir, s ? s : "state");
    v = cfg_get(c, root, "cache_dir");
    s = v ? cfg_want_str(c, v, "cache_dir") : NULL;
    cfg->cache_dir = s ? cfg_resolve(cfg->dir, s) : NULL;
    v = cfg_get(c, root, "feeds_dir");
    s = v ? cfg_want_str(c, v, "feeds_dir") : "feeds.d";
    cfg->feeds_dir = cfg_resolve(cfg->dir, s ? s : "feeds.d");
    v = cfg_get(c, root, "workers");
    if (v) {
        cfg_want_int(c, v, "workers", 1, 64, &cfg->workers);
    }
    v = cfg_get(c, root, "outputs");
    if (v && v->type != YAML_SEQUENCE_NODE) {
        cfg_problem(c, v, "'outputs' must be a list, not %s", cfg_kind(v));
    } else if (v) {
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
            cfg_add_output(c, yaml_document_get_node(c->doc, *it));
        }
    }
    v = cfg_get(c, root, "feeds");
    if (v && v->type != YAML_SEQUENCE_NODE) {
        cfg_problem(c, v, "'feeds' must be a list, not %s", cfg_kind(v));
    } else if (v) {
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
            cfg_add_feed(c, yaml_document_get_node(c->doc, *it));
        }
    }
    v = cfg_get(c, root, "taxii");
    if (v) {
        cfg_taxii(c, v);
    }
    cfg_walk_lists(c, root);
}

static int cfg_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool cfg_is_yaml_name(const char *n)
{
    size_t l = strlen(n);

    if (n[0] == '.') {
        return false;
    }
    return (l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml"));
}

/* Every *.yaml / *.yml file of the feeds directory, one feed each, sorted. */
static void cfg_walk_feeds_dir(cfg_ctx *c)
{
    DIR *d = opendir(c->cfg->feeds_dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;

    if (!d) {
        return;
    }
    names = calloc(CFG_MAX_FEED_FILES, sizeof(*names));
    while (names && n < CFG_MAX_FEED_FILES) {
        e = readdir(d);
        if (!e) {
            break;
        }
        if (cfg_is_yaml_name(e->d_name)) {
            names[n++] = cf_strdup(e->d_name);
        }
    }
    closedir(d);
    if (!names) {
        return;
    }
    cf_sort(names, n, sizeof(*names), cfg_name_cmp);
    for (size_t i = 0; i < n; i++) {
        yaml_document_t doc;
        char *path = cfg_resolve(c->cfg->feeds_dir, names[i]);
        const char *saved = c->file;
        c->file = path;
        if (path && cfg_load_doc(c, path, &doc)) {
            yaml_node_t *root = yaml_document_get_root_node(&doc);
            c->doc = &doc;
            if (root) {
                cfg_add_feed(c, root);
            }
            yaml_document_delete(&doc);
        }
        c->file = saved;
        free(path);
        free(names[i]);
    }
    free(names);
}

/* Directory of path, made absolute. */
static char *cfg_dir_of(const char *path)
{
    char buf[PATH_MAX];
    char *slash;
    char *dir = cf_strdup(path);

    if (!dir) {
        return NULL;
    }
    slash = strrchr(dir, '/');
    if (slash) {
        *(slash == dir ? slash + 1 : slash) = '\0';
    } else {
        free(dir);
        dir = cf_strdup(".");
    }
    if (dir && realpath(dir, buf)) {
        free(dir);
        dir = cf_strdup(buf);
    }
    return dir;
}

cf_status cf_config_load(cf_config **out, const char *path, cf_config_report_fn report,
                         void *report_ctx, cf_error *err)
{
    cfg_ctx c = {0};
    yaml_document_t doc;
    cf_config *cfg = calloc(1, sizeof(*cfg));
    cf_status st = CF_OK;

    *out = NULL;
    if (!cfg) {
        return cf_error_set(err, CF_ENOMEM, path, 0, "out of memory");
    }
    cfg->path = cf_strdup(path);
    cfg->dir = cfg_dir_of(path);
    cfg->workers = CFG_DEFAULT_WORKERS;
    c.cfg = cfg;
    c.report = report;
    c.report_ctx = report_ctx;
    c.err = err;
    c.file = path;
    if (!cfg_load_doc(&c, path, &doc)) {
        st = CF_EINVAL;
        goto out;
    }
    c.doc = &doc;
    cfg_walk_main(&c, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    if (!cfg->state_dir || !cfg->feeds_dir) {
        /* Not a mapping (reported), or out of memory. */
        st = c.problems ? CF_EINVAL : cf_error_set(err, CF_ENOMEM, path, 0, "out of memory");
        goto out;
    }
    cfg_walk_feeds_dir(&c);
    if (!cfg->cache_dir) {
        cfg->cache_dir = cfg_resolve(cfg->state_dir, "cache");
    }
    if (c.problems) {
        st = CF_EINVAL;
    }

out:
    if (st != CF_OK) {
        cf_config_free(cfg);
        return st;
    }
    *out = cfg;
    return CF_OK;
}

const char *cf_config_unloaded_exclusion(const cf_output_cfg *out)
{
    for (size_t k = 0; out->has_exclude_lists && k < out->n_exclude_lists; k++) {
        if (strcmp(out->exclude_lists[k], "default") != 0) {
            return out->exclude_lists[k];
        }
    }
    return NULL;
}

const cf_feed_cfg *cf_config_feed(const cf_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_feeds; i++) {
        if (cfg->feeds[i].name && !strcmp(cfg->feeds[i].name, name)) {
            return &cfg->feeds[i];
        }
    }
    return NULL;
}

static void cfg_feed_free(cf_feed_cfg *f)
{
    free(f->name);
    free(f->url);
    free(f->path);
    free(f->profile);
    for (size_t i = 0; i < f->n_headers; i++) {
        free(f->headers[i].name);
        free(f->headers[i].value);
    }
    free(f->headers);
    free(f->proxy);
    for (size_t i = 0; i < f->n_labels; i++) {
        free(f->labels[i]);
    }
    free(f->labels);
    free(f->actor);
    free(f->source);
}

void cf_config_free(cf_config *cfg)
{
    if (!cfg) {
        return;
    }
    for (size_t i = 0; i < cfg->n_feeds; i++) {
        cfg_feed_free(&cfg->feeds[i]);
    }
    free(cfg->feeds);
    for (size_t i = 0; i < cfg->n_outputs; i++) {
        free(cfg->outputs[i].name);
        free(cfg->outputs[i].type);
        free(cfg->outputs[i].path);
        free(cfg->outputs[i].source);
        cfg_list_free(cfg->outputs[i].exclude_lists, cfg->outputs[i].n_exclude_lists);
        cfg_output_http_free(&cfg->outputs[i]);
    }
    cfg_taxii_free(&cfg->taxii);
    free(cfg->outputs);
    free(cfg->path);
    free(cfg->dir);
    free(cfg->state_dir);
    free(cfg->cache_dir);
    free(cfg->feeds_dir);
    for (size_t i = 0; i < cfg->n_warninglists; i++) {
        cfg_feed_free(&cfg->warninglists[i].fetch);
    }
    free(cfg->warninglists);
    if (cfg->galaxy) {
        cfg_feed_free(&cfg->galaxy->fetch);
    }
    free(cfg->galaxy);
    free(cfg);
}

cf_status cf_config_expand(cf_buf *out, const char *s, cf_error *err)
{
    const char *p = s;

    while (*p) {
        const char *open = strstr(p, "${");
        const char *close;
        char name[128];
        const char *val;
        size_t n;

        if (!open) {
            return cf_buf_puts(out, p);
        }
        if (cf_buf_append(out, p, (size_t)(open - p)) != CF_OK) {
            return CF_ENOMEM;
        }
        close = strchr(open + 2, '}');
        n = close ? (size_t)(close - open - 2) : 0;
        if (!close || n == 0 || n >= sizeof(name)) {
            return cf_error_set(err, CF_EINVAL, NULL, 0, "malformed ${VAR} reference");
        }
        memcpy(name, open + 2, n);
        name[n] = '\0';
        val = getenv(name);
        if (!val) {
            return cf_error_set(err, CF_ENOTFOUND, NULL, 0,
                                "environment variable '%s' is not set", name);
        }
        if (cf_buf_puts(out, val) != CF_OK) {
            return CF_ENOMEM;
        }
        p = close + 1;
    }
    return CF_OK;
}
