/*
 * Reference sources (sources.h): warning lists and the threat-actor galaxy
 * from local paths, or fetched like feeds into the state directory.
 *
 * DESIGN
 * Local entries go straight to their loaders. An http(s) entry becomes a
 * src_job: its cache root (what the feed fetcher calls cache_dir), its
 * cached body and its state.json. src_refresh() decides from the options
 * and the state whether to fetch; a fetched body goes through a check (the
 * entry's own loader on a scratch object) before cf_fetch_commit() renames
 * it over the cached body. Whatever goes wrong on the way (the transfer,
 * the check, the rename) ends in src_fallback(): the cached body when there
 * is one, with a warning, else an error. The state records every attempt,
 * so a failing server is asked again only after the source's interval.
 */
#include "ctiflow/sources.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctiflow/buf.h"
#include "ctiflow/fetch.h"

#define SRC_DIR "sources"
#define SRC_STATE_FILE "state.json"
#define SRC_TEXT_PROBE 4096 /* bytes of a text list looked at for HTML */

/* What state.json keeps of one http(s) source. */
typedef struct src_state {
    char *url;  /* the URL the cached body came from */
    char *etag; /* validators of the cached body */
    char *last_modified;
    char *last_error;     /* the last attempt's error, or NULL */
    cf_time last_attempt; /* CF_TIME_NONE: never */
    cf_time fetched;      /* when the cached body was fetched */
} src_state;

/* One http(s) source being loaded. */
typedef struct src_job {
    const cf_source_cfg *src;
    const cf_sources_opts *o;
    char *root;     /* cache root given to the fetcher */
    char *dir;      /* <root>/<id>: the body and state.json */
    char *good;     /* <dir>/body: the last good body */
    char what[192]; /* "warning list 'rfc1918'" or "galaxy", for messages */
    src_state state;
} src_job;

/* Checks a fresh body (at path) before it replaces the cached one. */
typedef cf_status (*src_check_fn)(const cf_source_cfg *src, const char *path, cf_error *err);

static void src_log(const cf_sources_opts *o, cf_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void src_log(const cf_sources_opts *o, cf_log_level level, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;

    if (!o->log) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    o->log(o->log_ctx, level, msg);
}

/* ---- state.json ------------------------------------------------------ */

static char *src_json_dup(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? cf_strdup(s) : NULL;
}

static cf_time src_json_time(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    cf_time t;

    if (!s || cf_time_parse(&t, s, strlen(s)) != CF_OK) {
        return CF_TIME_NONE;
    }
    return t;
}

/* Read <dir>/state.json; a missing or unreadable file is an empty state. */
static void src_state_read(src_state *st, const char *dir)
{
    cf_buf path = CF_BUF_INIT;
    json_t *j = NULL;

    memset(st, 0, sizeof(*st));
    st->last_attempt = CF_TIME_NONE;
    st->fetched = CF_TIME_NONE;
    if (cf_buf_printf(&path, "%s/%s", dir, SRC_STATE_FILE) == CF_OK) {
        j = json_load_file(path.data, 0, NULL);
    }
    if (json_is_object(j)) {
        st->url = src_json_dup(j, "url");
        st->etag = src_json_dup(j, "etag");
        st->last_modified = src_json_dup(j, "last_modified");
        st->last_error = src_json_dup(j, "last_error");
        st->last_attempt = src_json_time(j, "last_attempt");
        st->fetched = src_json_time(j, "fetched");
    }
    json_decref(j);
    cf_buf_free(&path);
}

static void src_state_fini(src_state *st)
{
    free(st->url);
    free(st->etag);
    free(st->last_modified);
    free(st->last_error);
    memset(st, 0, sizeof(*st));
}

static void src_json_set(json_t *obj, const char *key, const char *s)
{
    if (s) {
        json_object_set_new(obj, key, json_string(s));
    }
}

static void src_json_set_time(json_t *obj, const char *key, cf_time t)
{
    char ts[40];

    if (t != CF_TIME_NONE) {
        cf_time_format_rfc3339(ts, sizeof(ts), t);
        json_object_set_new(obj, key, json_string(ts));
    }
}

/* Save the job's state; a failure only costs a full fetch next time. */
static void src_state_write(src_job *j)
{
    json_t *obj = json_object();
    cf_buf path = CF_BUF_INIT;
    char *text = NULL;

    if (!obj) {
        return;
    }
    src_json_set(obj, "url", j->state.url);
    src_json_set(obj, "etag", j->state.etag);
    src_json_set(obj, "last_modified", j->state.last_modified);
    src_json_set(obj, "last_error", j->state.last_error);
    src_json_set_time(obj, "last_attempt", j->state.last_attempt);
    src_json_set_time(obj, "fetched", j->state.fetched);
    text = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text && cf_buf_printf(&path, "%s/%s", j->dir, SRC_STATE_FILE) == CF_OK &&
        cf_fetch_write_file(path.data, text) != CF_OK) {
        src_log(j->o, CF_LOG_WARNING, "%s: cannot save '%s': %s", j->what, path.data,
                strerror(errno));
    }
    free(text);
    cf_buf_free(&path);
    json_decref(obj);
}

/* ---- one http(s) source ---------------------------------------------- */

static cf_status src_job_init(src_job *j, const cf_config *cfg, const cf_source_cfg *src,
                              const cf_sources_opts *o, const char *sub)
{
    cf_buf root = CF_BUF_INIT, dir = CF_BUF_INIT;

    memset(j, 0, sizeof(*j));
    j->src = src;
    j->o = o;
    if (sub) {
        snprintf(j->what, sizeof(j->what), "warning list '%s'", src->fetch.name);
    } else {
        snprintf(j->what, sizeof(j->what), "galaxy");
    }
    if (cf_buf_printf(&root, "%s/%s%s%s", cfg->state_dir, SRC_DIR, sub ? "/" : "",
                      sub ? sub : "") != CF_OK ||
        cf_buf_printf(&dir, "%s/%s", root.data, src->fetch.name) != CF_OK) {
        cf_buf_free(&root);
        cf_buf_free(&dir);
        return CF_ENOMEM;
    }
    j->root = root.data;
    j->dir = dir.data;
    j->good = cf_fetch_cached_path(j->root, &src->fetch);
    if (!j->good) {
        return CF_ENOMEM;
    }
    src_state_read(&j->state, j->dir);
    return CF_OK;
}

static void src_job_fini(src_job *j)
{
    free(j->root);
    free(j->dir);
    free(j->good);
    src_state_fini(&j->state);
}

/* "2026-01-01T00:00:00Z": when the cached body was fetched (else its mtime). */
static void src_cached_when(const src_job *j, char *out, size_t outsz)
{
    struct stat sb;
    cf_time t = j->state.fetched;

    if (t == CF_TIME_NONE && stat(j->good, &sb) == 0) {
        t = (cf_time)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
    }
    if (t == CF_TIME_NONE) {
        snprintf(out, outsz, "unknown date");
        return;
    }
    cf_time_format_rfc3339(out, outsz, t);
}

static bool src_due(const src_job *j)
{
    const cf_feed_cfg *f = &j->src->fetch;

    if (j->state.last_attempt == CF_TIME_NONE || !j->state.url || strcmp(j->state.url, f->url)) {
        return true;
    }
    return j->state.last_attempt + f->interval_ms <= j->o->now;
}

/* Without fetching: the cached body, or why there is none. */
static cf_status src_cached(src_job *j, bool have, char **out, cf_error *err)
{
    char when[40];

    if (have) {
        if (j->o->offline) {
            src_cached_when(j, when, sizeof(when));
            src_log(j->o, CF_LOG_INFO, "%s: offline, using the cached copy of %s", j->what, when);
        }
        *out = cf_strdup(j->good);
        return *out ? CF_OK : CF_ENOMEM;
    }
    if (j->o->offline) {
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0,
                            "%s: no cached copy to use offline (it was never fetched)", j->what);
    }
    src_log(j->o, CF_LOG_WARNING, "%s: not fetched yet (ctiflow run fetches it); left out",
            j->what);
    return CF_OK;
}

/* After a failure: the cached body with a warning, or the error. */
static cf_status src_fallback(src_job *j, bool have, const char *what_failed, const cf_error *why,
                              char **out, cf_error *err)
{
    const char *cause = why->msg[0] ? why->msg : cf_status_str(why->status);
    char when[40];

    free(j->state.last_error);
    j->state.last_error = cf_strdup(cause);
    src_state_write(j);
    if (!have) {
        return cf_error_set(err, why->status != CF_OK ? why->status : CF_ENETWORK, NULL, 0,
                            "%s: %s (%s) and there is no cached copy", j->what, what_failed, cause);
    }
    src_cached_when(j, when, sizeof(when));
    src_log(j->o, CF_LOG_WARNING, "%s: %s (%s); using the cached copy of %s", j->what, what_failed,
            cause, when);
    *out = cf_strdup(j->good);
    return *out ? CF_OK : CF_ENOMEM;
}

/* A fresh body replaced the cached one: keep its validators. */
static void src_took(src_job *j, const cf_fetch_result *r)
{
    src_state *st = &j->state;

    free(st->url);
    free(st->etag);
    free(st->last_modified);
    free(st->last_error);
    st->url = cf_strdup(j->src->fetch.url);
    st->etag = r->etag ? cf_strdup(r->etag) : NULL;
    st->last_modified = r->last_modified ? cf_strdup(r->last_modified) : NULL;
    st->last_error = NULL;
    st->fetched = j->o->now;
    src_log(j->o, CF_LOG_INFO, "%s: fetched, %llu bytes, %.2fs", j->what,
            (unsigned long long)r->bytes, r->seconds);
}

/* Fetch the source (conditionally when cond), check and promote a new body. */
static cf_status src_fetch(src_job *j, bool have, bool cond, src_check_fn check, char **out,
                           cf_error *err)
{
    cf_fetch_req req = {
        .feed = &j->src->fetch,
        .cache_dir = j->root,
        .etag = cond ? j->state.etag : NULL,
        .last_modified = cond ? j->state.last_modified : NULL,
        .force = j->o->force,
    };
    cf_fetch_result r;
    const char *what_failed = "fetch failed";
    cf_error ferr;
    cf_status st;

    cf_error_clear(&ferr);
    st = cf_fetch(&req, &r, &ferr);
    j->state.last_attempt = j->o->now;
    if (st == CF_OK && r.changed) {
        st = check(j->src, r.path, &ferr);
        what_failed = "the fetched body is not usable";
    }
    if (st == CF_OK && r.changed) {
        what_failed = "cannot keep the fetched body";
        st = cf_fetch_commit(&req, &r, &ferr);
    }
    if (st == CF_OK && !r.changed && !have) {
        st = cf_error_set(&ferr, CF_ENETWORK, NULL, 0, "not modified, yet nothing is cached");
    }
    if (st != CF_OK) {
        /* a new body that was refused or not kept goes; the cached one stays */
        cf_fetch_discard(&req, &r);
        cf_fetch_result_fini(&r);
        return src_fallback(j, have, what_failed, &ferr, out, err);
    }
    if (r.changed) {
        src_took(j, &r);
    } else {
        free(j->state.last_error);
        j->state.last_error = NULL;
        src_log(j->o, CF_LOG_INFO, "%s: not modified (304), %.2fs", j->what, r.seconds);
    }
    src_state_write(j);
    cf_fetch_result_fini(&r);
    *out = cf_strdup(j->good);
    return *out ? CF_OK : CF_ENOMEM;
}

/*
 * The body to load for an http(s) source: fetched when due (and usable),
 * else the cached one. *out is NULL with CF_OK when the source is left out.
 */
static cf_status src_refresh(src_job *j, src_check_fn check, char **out, cf_error *err)
{
    bool have = access(j->good, R_OK) == 0;
    bool same_url = j->state.url && !strcmp(j->state.url, j->src->fetch.url);

    *out = NULL;
    if (!j->o->fetch || j->o->offline) {
        return src_cached(j, have, out, err);
    }
    if (have && !j->o->force && !src_due(j)) {
        src_log(j->o, CF_LOG_DEBUG, "%s: not due, using the cached copy", j->what);
        *out = cf_strdup(j->good);
        return *out ? CF_OK : CF_ENOMEM;
    }
    return src_fetch(j, have, have && same_url, check, out, err);
}

/* ---- warning lists --------------------------------------------------- */

static void src_wl_report(void *ctx, const char *msg)
{
    src_log(ctx, CF_LOG_WARNING, "%s", msg);
}

/* True when the first character after white space and a BOM is '<'. */
static bool src_starts_html(const char *p, size_t n)
{
    size_t i = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0;

    while (i < n && i < SRC_TEXT_PROBE &&
           (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
        i++;
    }
    return i < n && p[i] == '<';
}

/* A text list must be text: no NUL byte, and not an HTML page. */
static cf_status src_text_ok(const char *path, cf_error *err)
{
    char block[65536];
    FILE *fp = fopen(path, "rb");
    size_t n, seen = 0;
    cf_status st = CF_OK;

    if (!fp) {
        return cf_error_set(err, CF_EIO, NULL, 0, "cannot read: %s", strerror(errno));
    }
    for (;;) {
        n = fread(block, 1, sizeof(block), fp);
        if (n == 0 || st != CF_OK) {
            break;
        }
        if (memchr(block, '\0', n)) {
            st = cf_error_set(err, CF_EMALFORMED, NULL, 0, "binary data in a text list");
        } else if (seen == 0 && src_starts_html(block, n)) {
            st = cf_error_set(err, CF_EMALFORMED, NULL, 0, "an HTML page, not a text list");
        }
        seen += n;
    }
    fclose(fp);
    return st;
}

static cf_status src_wl_load_one(cf_wlset *set, const cf_source_cfg *s, const char *path,
                                 const cf_sources_opts *o, cf_error *err)
{
    cf_wl_report_fn report = o ? src_wl_report : NULL;

    if (s->allowlist) {
        return cf_wl_load_allowlist(set, path, s->fetch.name, report, (void *)o, err);
    }
    return cf_wl_load_file(set, path, s->fetch.name, report, (void *)o, err);
}

/* A fresh list must load on its own (into a scratch set). */
static cf_status src_check_list(const cf_source_cfg *s, const char *path, cf_error *err)
{
    cf_wlset *scratch = NULL;
    cf_status st = s->allowlist ? src_text_ok(path, err) : CF_OK;

    if (st == CF_OK) {
        scratch = cf_wl_new();
        st = scratch ? src_wl_load_one(scratch, s, path, NULL, err) : CF_ENOMEM;
    }
    cf_wl_free(scratch);
    return st;
}

static cf_status src_load_list(cf_wlset *set, const cf_config *cfg, const cf_source_cfg *s,
                               const cf_sources_opts *o, cf_error *err)
{
    src_job j;
    char *path = NULL;
    cf_error one;
    cf_status st;

    if (s->fetch.path) {
        return cf_wl_load_path(set, s->fetch.path, src_wl_report, (void *)o, err);
    }
    st = src_job_init(&j, cfg, s, o, "warninglists");
    if (st == CF_OK) {
        st = src_refresh(&j, src_check_list, &path, err);
    }
    cf_error_clear(&one);
    if (st == CF_OK && path) {
        st = src_wl_load_one(set, s, path, o, &one);
        /* an id loaded already (from a directory) was reported and is ignored */
        if (st == CF_EINVAL) {
            st = CF_OK;
        } else if (st != CF_OK) {
            cf_error_set(err, st, one.source, one.line, "%s: %s", j.what, one.msg);
        }
    }
    if (st == CF_ENOMEM) {
        cf_error_set(err, st, NULL, 0, "out of memory");
    }
    free(path);
    src_job_fini(&j);
    return st;
}

cf_status cf_sources_warninglists(cf_wlset **out, const cf_config *cfg, const cf_sources_opts *o,
                                  cf_error *err)
{
    cf_wlset *set = NULL;
    cf_status st = CF_OK;

    *out = NULL;
    if (!cfg->n_warninglists) {
        return CF_OK;
    }
    set = cf_wl_new();
    if (!set) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0; st == CF_OK && i < cfg->n_warninglists; i++) {
        st = src_load_list(set, cfg, &cfg->warninglists[i], o, err);
    }
    if (st != CF_OK) {
        cf_wl_free(set);
        return st;
    }
    *out = set;
    return CF_OK;
}

/* ---- the galaxy ------------------------------------------------------ */

static cf_status src_check_galaxy(const cf_source_cfg *s, const char *path, cf_error *err)
{
    cf_galaxy *g = NULL;
    cf_status st = cf_galaxy_load(&g, path, err);

    (void)s;
    cf_galaxy_free(g);
    return st;
}

cf_status cf_sources_galaxy(cf_galaxy **out, const cf_config *cfg, const cf_sources_opts *o,
                            cf_error *err)
{
    const cf_source_cfg *s = cfg->galaxy;
    src_job j;
    char *path = NULL;
    cf_error one;
    cf_status st;

    *out = NULL;
    if (!s) {
        return CF_OK;
    }
    if (s->fetch.path) {
        return cf_galaxy_load(out, s->fetch.path, err);
    }
    st = src_job_init(&j, cfg, s, o, NULL);
    if (st == CF_OK) {
        st = src_refresh(&j, src_check_galaxy, &path, err);
    }
    cf_error_clear(&one);
    if (st == CF_OK && path) {
        st = cf_galaxy_load(out, path, &one);
        if (st != CF_OK) {
            cf_error_set(err, st, one.source, one.line, "galaxy: %s", one.msg);
        }
    }
    if (st == CF_ENOMEM) {
        cf_error_set(err, st, NULL, 0, "out of memory");
    }
    free(path);
    src_job_fini(&j);
    return st;
}

/* ---- scheduling ------------------------------------------------------ */

/*
 * When one http(s) source is next due: 0 when never tried, else an interval
 * after the last attempt, even a failed one (a run that finds no cached
 * copy, or a new URL, fetches anyway).
 */
static cf_time src_next_due(const cf_config *cfg, const cf_source_cfg *s, const char *sub)
{
    cf_sources_opts o = {0};
    src_job j;
    cf_time due = 0;

    if (src_job_init(&j, cfg, s, &o, sub) == CF_OK && j.state.last_attempt != CF_TIME_NONE) {
        due = j.state.last_attempt + s->fetch.interval_ms;
    }
    src_job_fini(&j);
    return due;
}

cf_time cf_sources_next_due(const cf_config *cfg)
{
    cf_time best = CF_TIME_NONE;

    for (size_t i = 0; i < cfg->n_warninglists; i++) {
        const cf_source_cfg *s = &cfg->warninglists[i];
        cf_time due;
        if (s->fetch.path || !s->fetch.name) {
            continue;
        }
        due = src_next_due(cfg, s, "warninglists");
        best = best == CF_TIME_NONE || due < best ? due : best;
    }
    if (cfg->galaxy && !cfg->galaxy->fetch.path) {
        cf_time due = src_next_due(cfg, cfg->galaxy, NULL);
        best = best == CF_TIME_NONE || due < best ? due : best;
    }
    return best;
}
