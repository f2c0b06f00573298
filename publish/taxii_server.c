/*
 * The TAXII 2.1 HTTP layer of `ctiflow serve` (taxii.h): routing, content
 * negotiation, authentication, paging and the watcher that keeps the
 * snapshot (publish/taxii_snapshot.c) in step with the store.
 *
 * DESIGN
 * libmicrohttpd calls tx_handle() on its worker threads. A request is
 * routed by its path segments: /taxii2/ (discovery), /<root>/ (API root),
 * /<root>/collections/[<id>/[objects/[<oid>/[versions/]]|manifest/]] and
 * /<root>/status/<sid>/. Every answer, errors included, is TAXII JSON with
 * the TAXII media type; a request whose Accept header does not take that
 * media type gets 406. Collection endpoints check the collection's
 * credentials (compared in constant time) before anything else. Pages are
 * cut from the snapshot under its read lock; `next` is the (date added, id)
 * of the last object returned, so it stays valid across reloads.
 */
#include "ctiflow/taxii.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "ctiflow/buf.h"
#include "taxii_int.h"

#define TX_DEFAULT_LISTEN "127.0.0.1:9400"
#define TX_DEFAULT_ROOT "ctiflow"
#define TX_MAX_SEGMENTS 8
#define TX_MAX_MATCH 64
#define TX_MAX_CONTENT_LENGTH 104857600

/* Expanded credentials of one collection. */
typedef struct tx_cred {
    cf_auth_type type;
    char *user;
    char *secret;   /* password, token or key */
    char *header;   /* API key header */
} tx_cred;

struct cf_taxii_server {
    const cf_config *cfg;
    const char *root;
    tx_cred *creds;
    struct MHD_Daemon *mhd;
    unsigned port;
    bool tls;
    char *tls_cert, *tls_key;

    pthread_rwlock_t lock;      /* guards snap */
    tx_snap *snap;

    pthread_t watcher;
    bool watcher_started;
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cv;
    bool stopping;
    int64_t reload_ms;
    char stamp[256];            /* sizes and mtimes of the store files */
    cf_taxii_log_fn log;
    void *log_ctx;
};

/* One request's parsed view. */
typedef struct tx_req {
    struct MHD_Connection *conn;
    cf_taxii_server *srv;
    const char *seg[TX_MAX_SEGMENTS];
    size_t n_seg;
    char path[1024];
} tx_req;

void cf_taxii_opts_init(cf_taxii_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->threads = 2;
    o->reload_ms = 1000;
}

static void tx_log(cf_taxii_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tx_log(cf_taxii_server *s, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (!s->log) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->log(s->log_ctx, msg);
}

/* ---- responses ---- */

static enum MHD_Result tx_send_resp(tx_req *r, unsigned code, cf_buf *body,
                                    const char *const *headers)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t len = body->len;
    char *data = body->data;

    body->data = NULL;
    body->len = body->cap = 0;
    resp = MHD_create_response_from_buffer(len, data ? data : "", data ? MHD_RESPMEM_MUST_FREE
                                                                       : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", CF_TAXII_MEDIA_TYPE);
    for (size_t i = 0; headers && headers[i]; i += 2) {
        MHD_add_response_header(resp, headers[i], headers[i + 1]);
    }
    ret = MHD_queue_response(r->conn, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result tx_send(tx_req *r, unsigned code, cf_buf *body)
{
    return tx_send_resp(r, code, body, NULL);
}

/* A TAXII error message. */
static enum MHD_Result tx_error(tx_req *r, unsigned code, const char *title, const char *desc,
                                const char *const *headers)
{
    cf_buf b = CF_BUF_INIT;
    enum MHD_Result ret;

    cf_buf_puts(&b, "{\"title\":");
    cf_buf_json_quoted(&b, title);
    cf_buf_puts(&b, ",\"description\":");
    cf_buf_json_quoted(&b, desc);
    cf_buf_printf(&b, ",\"http_status\":\"%u\"}", code);
    ret = tx_send_resp(r, code, &b, headers);
    cf_buf_free(&b);
    return ret;
}

/* ---- request checks ---- */

/* Does the Accept header take the TAXII 2.1 media type? */
static bool tx_accepts(const char *accept)
{
    const char *p = accept;

    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char item[256];
        char *q;
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        if (n < sizeof(item)) {
            memcpy(item, p, n);
            item[n] = '\0';
            for (q = item; *q; q++) {
                *q = (char)(*q == ' ' || *q == '\t' ? ' ' : *q);
            }
            if (!strncasecmp(item, "application/taxii+json", 22)) {
                const char *params = item + 22;
                const char *ver = strcasestr(params, "version=");
                if (!ver || !strncmp(ver + 8, "2.1", 3)) {
                    return true;
                }
            }
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* Constant-time string comparison. */
static bool tx_secret_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);

    for (size_t i = 0; i < la; i++) {
        diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    }
    return diff == 0 && lb;
}

/* Check the collection's credentials; an answer was queued when false is returned. */
static bool tx_authorised(tx_req *r, size_t ci, enum MHD_Result *ret)
{
    const tx_cred *c = &r->srv->creds[ci];
    const char *id = r->srv->cfg->taxii.collections[ci].id;
    char desc[512];
    bool ok = false;

    if (c->type == CF_AUTH_NONE) {
        return true;
    }
    if (c->type == CF_AUTH_BASIC) {
        char *pass = NULL;
        char *user = MHD_basic_auth_get_username_password(r->conn, &pass);
        static const char *const hdr[] = {"WWW-Authenticate", "Basic realm=\"ctiflow\"", NULL};
        ok = user && pass && tx_secret_eq(user, c->user) && tx_secret_eq(pass, c->secret);
        snprintf(desc, sizeof(desc), "collection '%s' needs basic authentication; %s", id,
                 user ? "the username or password is wrong" : "no credentials were given");
        MHD_free(user);
        MHD_free(pass);
        if (!ok) {
            *ret = tx_error(r, 401, "unauthorized", desc, hdr);
        }
        return ok;
    }
    {
        const char *given = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, c->header);
        const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                        "Authorization");
        if (authz && !strncasecmp(authz, "Bearer ", 7)) {
            given = authz + 7;
        }
        ok = given && tx_secret_eq(given, c->secret);
        if (c->type == CF_AUTH_BEARER) {
            snprintf(desc, sizeof(desc), "collection '%s' needs a bearer token; %s", id,
                     given ? "the token given is not valid" : "no token was given");
        } else {
            snprintf(desc, sizeof(desc),
                     "collection '%s' needs an API key in header '%s' (or a bearer token); %s",
                     id, c->header, given ? "the key given is not valid" : "no key was given");
        }
    }
    if (!ok) {
        *ret = tx_error(r, 401, "unauthorized", desc, NULL);
    }
    return ok;
}

/* ---- discovery, API root, collections ---- */

static void tx_base_url(tx_req *r, cf_buf *b)
{
    const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");

    if (host && !strpbrk(host, "\"\\/ \t")) {
        cf_buf_printf(b, "%s://%s", r->srv->tls ? "https" : "http", host);
    } else {
        cf_buf_printf(b, "%s://127.0.0.1:%u", r->srv->tls ? "https" : "http", r->srv->port);
    }
}

static enum MHD_Result tx_discovery(tx_req *r)
{
    const cf_taxii_cfg *t = &r->srv->cfg->taxii;
    cf_buf b = CF_BUF_INIT, url = CF_BUF_INIT;
    enum MHD_Result ret;

    tx_base_url(r, &url);
    cf_buf_printf(&url, "/%s/", r->srv->root);
    cf_buf_puts(&b, "{\"title\":");
    cf_buf_json_quoted(&b, t->title ? t->title : "ctiflow TAXII 2.1 server");
    if (t->description) {
        cf_buf_puts(&b, ",\"description\":");
        cf_buf_json_quoted(&b, t->description);
    }
    cf_buf_puts(&b, ",\"default\":");
    cf_buf_json_quoted(&b, url.data);
    cf_buf_puts(&b, ",\"api_roots\":[");
    cf_buf_json_quoted(&b, url.data);
    cf_buf_puts(&b, "]}");
    ret = tx_send(r, 200, &b);
    cf_buf_free(&b);
    cf_buf_free(&url);
    return ret;
}

static enum MHD_Result tx_api_root(tx_req *r)
{
    const cf_taxii_cfg *t = &r->srv->cfg->taxii;
    cf_buf b = CF_BUF_INIT;
    enum MHD_Result ret;

    cf_buf_puts(&b, "{\"title\":");
    cf_buf_json_quoted(&b, t->title ? t->title : "ctiflow");
    cf_buf_puts(&b, ",\"versions\":[\"" CF_TAXII_MEDIA_TYPE "\"]");
    cf_buf_printf(&b, ",\"max_content_length\":%d}", TX_MAX_CONTENT_LENGTH);
    ret = tx_send(r, 200, &b);
    cf_buf_free(&b);
    return ret;
}

static void tx_collection_json(cf_buf *b, const cf_taxii_collection_cfg *c)
{
    cf_buf_puts(b, "{\"id\":");
    cf_buf_json_quoted(b, c->id);
    cf_buf_puts(b, ",\"title\":");
    cf_buf_json_quoted(b, c->title);
    if (c->description) {
        cf_buf_puts(b, ",\"description\":");
        cf_buf_json_quoted(b, c->description);
    }
    cf_buf_puts(b, ",\"can_read\":true,\"can_write\":false,\"media_types\":[\""
                   CF_STIX_MEDIA_TYPE "\"]}");
}

static enum MHD_Result tx_collections(tx_req *r)
{
    const cf_taxii_cfg *t = &r->srv->cfg->taxii;
    cf_buf b = CF_BUF_INIT;
    enum MHD_Result ret;

    cf_buf_puts(&b, "{");
    if (t->n_collections) {
        cf_buf_puts(&b, "\"collections\":[");
        for (size_t i = 0; i < t->n_collections; i++) {
            if (i) {
                cf_buf_putc(&b, ',');
            }
            tx_collection_json(&b, &t->collections[i]);
        }
        cf_buf_puts(&b, "]");
    }
    cf_buf_puts(&b, "}");
    ret = tx_send(r, 200, &b);
    cf_buf_free(&b);
    return ret;
}

/* ---- object selection ---- */

/* Filters of an objects or manifest request. */
typedef struct tx_filter {
    char types[TX_MAX_MATCH][64];
    size_t n_types;
    char ids[TX_MAX_MATCH][128];
    size_t n_ids;
    cf_time versions[TX_MAX_MATCH];
    size_t n_versions;
    bool all_versions;   /* first, last, all or absent */
    bool no_spec;        /* match[spec_version] excludes 2.1 */
    const char *only_id; /* objects/<id>/ */
    size_t start;
    size_t limit;
} tx_filter;

/* Split a comma list into fixed slots; false when too many or too long. */
static bool tx_split_list(const char *s, char *slots, size_t slot_len, size_t max, size_t *n)
{
    const char *p = s;

    *n = 0;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t l = end ? (size_t)(end - p) : strlen(p);
        if (*n == max || l >= slot_len) {
            return false;
        }
        memcpy(slots + *n * slot_len, p, l);
        slots[*n * slot_len + l] = '\0';
        (*n)++;
        p = end ? end + 1 : NULL;
    }
    return true;
}

static bool tx_parse_versions(tx_filter *f, const char *s)
{
    char list[TX_MAX_MATCH][64];
    size_t n = 0;

    if (!tx_split_list(s, &list[0][0], sizeof(list[0]), TX_MAX_MATCH, &n)) {
        return false;
    }
    f->all_versions = false;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(list[i], "first") || !strcmp(list[i], "last") || !strcmp(list[i], "all")) {
            f->all_versions = true;
        } else if (cf_time_parse(&f->versions[f->n_versions], list[i], strlen(list[i])) ==
                   CF_OK) {
            f->n_versions++;
        } else {
            return false;
        }
    }
    return true;
}

static bool tx_parse_next(const tx_coll *c, const char *next, size_t *start)
{
    char *end = NULL;
    long long ms;

    errno = 0;
    ms = strtoll(next, &end, 10);
    if (errno || end == next || *end != '_' || !strstr(end + 1, "--")) {
        return false;
    }
    *start = tx_coll_seek(c, (cf_time)ms, end + 1);
    return true;
}

/* Read the query into f; a 400 was queued when false is returned. */
static bool tx_parse_filter(tx_req *r, const tx_coll *c, tx_filter *f, enum MHD_Result *ret)
{
    struct MHD_Connection *k = r->conn;
    const char *added = MHD_lookup_connection_value(k, MHD_GET_ARGUMENT_KIND, "added_after");
    const char *limit = MHD_lookup_connection_value(k, MHD_GET_ARGUMENT_KIND, "limit");
    const char *next = MHD_lookup_connection_value(k, MHD_GET_ARGUMENT_KIND, "next");
    const char *type = MHD_lookup_connection_value(k, MHD_GET_ARGUMENT_KIND, "match[type]");
    const char *id = MHD_lookup_connection_value(k, MHD_GET_ARGUMENT_KIND, "match[id]");
    const char *ver = MHD_lookup_connection_value(k, MHD_GET_ARGUMENT_KIND, "match[version]");
    const char *spec = MHD_lookup_connection_value(k, MHD_GET_ARGUMENT_KIND,
                                                   "match[spec_version]");
    const char *bad = NULL;
    cf_time t = 0;

    f->all_versions = true;
    f->limit = CF_TAXII_DEFAULT_PAGE;
    if (limit) {
        char *end = NULL;
        long v = strtol(limit, &end, 10);
        if (end == limit || *end || v < 1) {
            bad = "'limit' must be a positive integer";
        } else {
            f->limit = v > CF_TAXII_MAX_PAGE ? CF_TAXII_MAX_PAGE : (size_t)v;
        }
    }
    if (!bad && added) {
        if (cf_time_parse(&t, added, strlen(added)) != CF_OK) {
            bad = "'added_after' must be an RFC 3339 timestamp";
        } else {
            f->start = tx_coll_seek(c, t, NULL);
        }
    }
    if (!bad && next && !tx_parse_next(c, next, &f->start)) {
        bad = "'next' is not a token this server gave";
    }
    if (!bad && type &&
        !tx_split_list(type, &f->types[0][0], sizeof(f->types[0]), TX_MAX_MATCH, &f->n_types)) {
        bad = "'match[type]' has too many or too long types";
    }
    if (!bad && id &&
        !tx_split_list(id, &f->ids[0][0], sizeof(f->ids[0]), TX_MAX_MATCH, &f->n_ids)) {
        bad = "'match[id]' has too many or too long ids";
    }
    if (!bad && ver && !tx_parse_versions(f, ver)) {
        bad = "'match[version]' must be first, last, all or RFC 3339 timestamps";
    }
    if (!bad && spec) {
        f->no_spec = !strstr(spec, "2.1");
    }
    if (bad) {
        *ret = tx_error(r, 400, "bad request", bad, NULL);
        return false;
    }
    return true;
}

static bool tx_matches(const tx_filter *f, const tx_obj *o)
{
    bool hit;

    if (f->no_spec) {
        return false;
    }
    if (f->only_id && strcmp(o->id, f->only_id)) {
        return false;
    }
    hit = f->n_types == 0;
    for (size_t i = 0; !hit && i < f->n_types; i++) {
        hit = strlen(f->types[i]) == o->type_len && !strncmp(f->types[i], o->id, o->type_len);
    }
    for (size_t i = 0; hit && f->n_ids && i <= f->n_ids; i++) {
        if (i == f->n_ids) {
            hit = false;
        } else if (!strcmp(f->ids[i], o->id)) {
            break;
        }
    }
    if (!hit || f->all_versions) {
        return hit;
    }
    for (size_t i = 0; i < f->n_versions; i++) {
        if (f->versions[i] == o->version_t) {
            return true;
        }
    }
    return false;
}

/* Pick up to f->limit matching objects from f->start; *more when others follow. */
static size_t tx_select(const tx_coll *c, const tx_filter *f, size_t *picked, bool *more)
{
    size_t n = 0;

    *more = false;
    for (size_t i = f->start; i < c->n; i++) {
        if (!tx_matches(f, &c->objs[i])) {
            continue;
        }
        if (n == f->limit) {
            *more = true;
            break;
        }
        picked[n++] = i;
    }
    return n;
}

/* ---- objects, manifest, versions ---- */

typedef enum tx_view { TX_OBJECTS, TX_MANIFEST, TX_VERSIONS } tx_view;

static void tx_page_body(cf_buf *b, const tx_coll *c, const size_t *picked, size_t n, bool more,
                         tx_view view)
{
    char ts[40];

    cf_buf_printf(b, "{\"more\":%s", more ? "true" : "false");
    if (more && n) {
        const tx_obj *last = &c->objs[picked[n - 1]];
        cf_buf_printf(b, ",\"next\":\"%lld_%s\"", (long long)last->added, last->id);
    }
    if (n) {
        cf_buf_puts(b, view == TX_VERSIONS ? ",\"versions\":[" : ",\"objects\":[");
    }
    for (size_t i = 0; i < n; i++) {
        const tx_obj *o = &c->objs[picked[i]];
        if (i) {
            cf_buf_putc(b, ',');
        }
        if (view == TX_OBJECTS) {
            cf_buf_append(b, o->json, o->len);
        } else if (view == TX_VERSIONS) {
            cf_buf_json_quoted(b, o->version);
        } else {
            cf_time_format_rfc3339(ts, sizeof(ts), o->added);
            cf_buf_printf(b, "{\"id\":\"%s\",\"date_added\":\"%s\",\"version\":\"%s\","
                             "\"media_type\":\"" CF_STIX_MEDIA_TYPE "\"}",
                          o->id, ts, o->version);
        }
    }
    cf_buf_puts(b, n ? "]}" : "}");
}

static enum MHD_Result tx_objects(tx_req *r, size_t ci, const char *only_id, tx_view view)
{
    tx_filter *f = calloc(1, sizeof(*f));
    size_t *picked = NULL;
    cf_buf b = CF_BUF_INIT;
    char first[40] = "", last[40] = "";
    enum MHD_Result ret = MHD_NO;
    const tx_coll *c;
    size_t n = 0;
    bool more = false;

    if (!f) {
        return MHD_NO;
    }
    pthread_rwlock_rdlock(&r->srv->lock);
    c = &r->srv->snap->colls[ci];
    if (!tx_parse_filter(r, c, f, &ret)) {
        goto out;
    }
    f->only_id = only_id;
    picked = calloc(f->limit, sizeof(*picked));
    if (!picked) {
        goto out;
    }
    n = tx_select(c, f, picked, &more);
    if (only_id && n == 0) {
        char desc[300];
        snprintf(desc, sizeof(desc), "no object '%s' in collection '%s'", only_id,
                 r->srv->cfg->taxii.collections[ci].id);
        ret = tx_error(r, 404, "not found", desc, NULL);
        goto out;
    }
    tx_page_body(&b, c, picked, n, more, view);
    if (n) {
        cf_time_format_rfc3339(first, sizeof(first), c->objs[picked[0]].added);
        cf_time_format_rfc3339(last, sizeof(last), c->objs[picked[n - 1]].added);
    }
    pthread_rwlock_unlock(&r->srv->lock);
    {
        const char *hdr[] = {"X-TAXII-Date-Added-First", first, "X-TAXII-Date-Added-Last", last,
                             NULL};
        ret = tx_send_resp(r, 200, &b, n ? hdr : NULL);
    }
    free(picked);
    free(f);
    cf_buf_free(&b);
    return ret;

out:
    pthread_rwlock_unlock(&r->srv->lock);
    free(picked);
    free(f);
    cf_buf_free(&b);
    return ret;
}

/* ---- routing ---- */

static void tx_split_path(tx_req *r, const char *url)
{
    char *p;

    snprintf(r->path, sizeof(r->path), "%s", url);
    r->n_seg = 0;
    p = r->path;
    while (*p && r->n_seg < TX_MAX_SEGMENTS) {
        char *slash;
        while (*p == '/') {
            p++;
        }
        if (!*p) {
            break;
        }
        r->seg[r->n_seg++] = p;
        slash = strchr(p, '/');
        if (!slash) {
            break;
        }
        *slash = '\0';
        p = slash + 1;
    }
}

static enum MHD_Result tx_not_found(tx_req *r)
{
    return tx_error(r, 404, "not found", "no such TAXII endpoint on this server", NULL);
}

/* Everything below /<root>/collections/<id>/. */
static enum MHD_Result tx_route_collection(tx_req *r)
{
    const cf_taxii_cfg *t = &r->srv->cfg->taxii;
    enum MHD_Result ret = MHD_NO;
    size_t ci = t->n_collections;

    for (size_t i = 0; i < t->n_collections; i++) {
        if (!strcmp(t->collections[i].id, r->seg[2])) {
            ci = i;
        }
    }
    if (ci == t->n_collections) {
        char desc[300];
        snprintf(desc, sizeof(desc), "no collection '%s' on this server", r->seg[2]);
        return tx_error(r, 404, "not found", desc, NULL);
    }
    if (!tx_authorised(r, ci, &ret)) {
        return ret;
    }
    if (r->n_seg == 3) {
        cf_buf b = CF_BUF_INIT;
        tx_collection_json(&b, &t->collections[ci]);
        ret = tx_send(r, 200, &b);
        cf_buf_free(&b);
        return ret;
    }
    if (!strcmp(r->seg[3], "manifest") && r->n_seg == 4) {
        return tx_objects(r, ci, NULL, TX_MANIFEST);
    }
    if (strcmp(r->seg[3], "objects")) {
        return tx_not_found(r);
    }
    if (r->n_seg == 4) {
        return tx_objects(r, ci, NULL, TX_OBJECTS);
    }
    if (r->n_seg == 5) {
        return tx_objects(r, ci, r->seg[4], TX_OBJECTS);
    }
    if (r->n_seg == 6 && !strcmp(r->seg[5], "versions")) {
        return tx_objects(r, ci, r->seg[4], TX_VERSIONS);
    }
    return tx_not_found(r);
}

static enum MHD_Result tx_route(tx_req *r, const char *method)
{
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        static const char *const hdr[] = {"Allow", "GET, HEAD", NULL};
        return tx_error(r, 405, "method not allowed",
                        "this TAXII server is read-only: only GET is supported", hdr);
    }
    if (r->n_seg == 1 && !strcmp(r->seg[0], "taxii2")) {
        return tx_discovery(r);
    }
    if (r->n_seg == 0 || strcmp(r->seg[0], r->srv->root)) {
        return tx_not_found(r);
    }
    if (r->n_seg == 1) {
        return tx_api_root(r);
    }
    if (!strcmp(r->seg[1], "status") && r->n_seg == 3) {
        return tx_error(r, 404, "not found", "this read-only server has no status resources",
                        NULL);
    }
    if (strcmp(r->seg[1], "collections")) {
        return tx_not_found(r);
    }
    if (r->n_seg == 2) {
        return tx_collections(r);
    }
    return tx_route_collection(r);
}

static enum MHD_Result tx_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size, void **state)
{
    tx_req *r;
    const char *accept;
    enum MHD_Result ret;

    /* the first call only announces the request; answer on the second */
    if (!*state) {
        *state = conn;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        return MHD_NO;
    }
    r->conn = conn;
    r->srv = cls;
    tx_split_path(r, url);
    accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
    if (!accept || !tx_accepts(accept)) {
        ret = tx_error(r, 406, "not acceptable",
                       "this server answers only 'Accept: " CF_TAXII_MEDIA_TYPE "'", NULL);
    } else {
        ret = tx_route(r, method);
    }
    free(r);
    return ret;
}

/* ---- the snapshot watcher ---- */

/* Sizes and modification times of the store's files. */
static void tx_store_stamp(const cf_config *cfg, char *out, size_t outsz)
{
    static const char *const suffixes[] = {"", "-wal"};
    size_t off = 0;

    out[0] = '\0';
    for (size_t i = 0; i < 2 && off < outsz; i++) {
        char path[4096];
        struct stat sb;
        int n;
        snprintf(path, sizeof(path), "%s/ctiflow.db%s", cfg->state_dir, suffixes[i]);
        if (stat(path, &sb) != 0) {
            continue;
        }
        n = snprintf(out + off, outsz - off, "%lld.%ld.%lld;", (long long)sb.st_mtim.tv_sec,
                     sb.st_mtim.tv_nsec, (long long)sb.st_size);
        off += n > 0 ? (size_t)n : 0;
    }
}

static void tx_reload(cf_taxii_server *s)
{
    tx_snap *fresh = NULL, *old;
    cf_error err;
    char msg[1100];

    cf_error_clear(&err);
    if (tx_snap_build(&fresh, s->cfg, &err) != CF_OK) {
        cf_error_format(msg, sizeof(msg), &err);
        tx_log(s, "store reload failed, still serving the previous snapshot: %s", msg);
        return;
    }
    pthread_rwlock_wrlock(&s->lock);
    old = s->snap;
    s->snap = fresh;
    pthread_rwlock_unlock(&s->lock);
    tx_snap_free(old);
    for (size_t i = 0; i < fresh->n; i++) {
        tx_log(s, "collection '%s': %zu objects", s->cfg->taxii.collections[i].id,
               fresh->colls[i].n);
    }
}

static void *tx_watch(void *arg)
{
    cf_taxii_server *s = arg;

    pthread_mutex_lock(&s->stop_mu);
    while (!s->stopping) {
        struct timespec until;
        char stamp[256];
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->reload_ms / 1000;
        until.tv_nsec += (s->reload_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->stop_cv, &s->stop_mu, &until);
        if (s->stopping) {
            break;
        }
        pthread_mutex_unlock(&s->stop_mu);
        tx_store_stamp(s->cfg, stamp, sizeof(stamp));
        if (strcmp(stamp, s->stamp)) {
            memcpy(s->stamp, stamp, sizeof(stamp));
            tx_reload(s);
        }
        pthread_mutex_lock(&s->stop_mu);
    }
    pthread_mutex_unlock(&s->stop_mu);
    return NULL;
}

/* ---- start and stop ---- */

static cf_status tx_expand(char **out, const char *s, const char *what, cf_error *err)
{
    cf_buf b = CF_BUF_INIT;
    cf_status st;

    *out = NULL;
    if (!s) {
        return CF_OK;
    }
    st = cf_config_expand(&b, s, err);
    if (st != CF_OK) {
        cf_buf_free(&b);
        cf_error_set(err, st, what, 0, "cannot expand credentials");
        return st;
    }
    *out = b.data ? b.data : cf_strdup("");
    return *out ? CF_OK : CF_ENOMEM;
}

static cf_status tx_creds(cf_taxii_server *s, cf_error *err)
{
    const cf_taxii_cfg *t = &s->cfg->taxii;
    cf_status st = CF_OK;

    s->creds = calloc(t->n_collections ? t->n_collections : 1, sizeof(*s->creds));
    if (!s->creds) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0; st == CF_OK && i < t->n_collections; i++) {
        const cf_auth_cfg *a = &t->collections[i].auth;
        tx_cred *c = &s->creds[i];
        c->type = a->type;
        st = tx_expand(&c->user, a->username, t->collections[i].id, err);
        if (st == CF_OK) {
            st = tx_expand(&c->secret, a->type == CF_AUTH_BASIC ? a->password : a->token,
                           t->collections[i].id, err);
        }
        if (st == CF_OK) {
            c->header = cf_strdup(a->header ? a->header : "X-API-Key");
            st = c->header ? CF_OK : CF_ENOMEM;
        }
    }
    return st;
}

/* "HOST:PORT" into a sockaddr. */
static cf_status tx_parse_listen(struct sockaddr_in *sa, const char *listen, cf_error *err)
{
    const char *colon = strrchr(listen, ':');
    char host[64];
    char *end = NULL;
    long port;

    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    if (!colon || (size_t)(colon - listen) >= sizeof(host)) {
        return cf_error_set(err, CF_EINVAL, "listen", 0, "'%s' is not HOST:PORT", listen);
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || port < 0 || port > 65535) {
        return cf_error_set(err, CF_EINVAL, "listen", 0, "invalid port in '%s'", listen);
    }
    if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) != 1) {
        return cf_error_set(err, CF_EINVAL, "listen", 0, "'%s' is not an IPv4 address", host);
    }
    sa->sin_port = htons((uint16_t)port);
    return CF_OK;
}

static char *tx_read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *data = NULL;
    size_t len = 0;
    FILE *mem;
    char chunk[4096];
    size_t n;

    if (!fp) {
        return NULL;
    }
    mem = open_memstream(&data, &len);
    n = mem ? fread(chunk, 1, sizeof(chunk), fp) : 0;
    while (n > 0) {
        fwrite(chunk, 1, n, mem);
        n = fread(chunk, 1, sizeof(chunk), fp);
    }
    if (mem) {
        fclose(mem);
    }
    fclose(fp);
    return data;
}

static cf_status tx_listen(cf_taxii_server *s, const cf_taxii_opts *o, cf_error *err)
{
    const char *listen = o->listen ? o->listen
                         : s->cfg->taxii.listen ? s->cfg->taxii.listen : TX_DEFAULT_LISTEN;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;
    cf_status st = tx_parse_listen(&sa, listen, err);

    if (st != CF_OK) {
        return st;
    }
    if (s->cfg->taxii.tls_cert) {
        s->tls_cert = tx_read_file(s->cfg->taxii.tls_cert);
        s->tls_key = tx_read_file(s->cfg->taxii.tls_key);
        if (!s->tls_cert || !s->tls_key) {
            return cf_error_set(err, CF_EIO, s->tls_cert ? s->cfg->taxii.tls_key
                                                         : s->cfg->taxii.tls_cert,
                                0, "cannot read TLS certificate or key");
        }
        flags |= MHD_USE_TLS;
        s->tls = true;
    }
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, tx_handle, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads > 0 ? o->threads : 2),
        MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        s->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->tls_cert,
        MHD_OPTION_HTTPS_MEM_KEY, s->tls_key, MHD_OPTION_END);
    if (!s->mhd) {
        return cf_error_set(err, CF_ENETWORK, "listen", 0, "cannot listen on %s: %s", listen,
                            errno ? strerror(errno) : "address in use or TLS not available");
    }
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : ntohs(sa.sin_port);
    return CF_OK;
}

cf_status cf_taxii_server_start(cf_taxii_server **out, const cf_config *cfg,
                                const cf_taxii_opts *o, cf_error *err)
{
    cf_taxii_server *s = calloc(1, sizeof(*s));
    cf_status st;

    *out = NULL;
    if (!s) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    s->cfg = cfg;
    s->root = cfg->taxii.api_root ? cfg->taxii.api_root : TX_DEFAULT_ROOT;
    s->reload_ms = o->reload_ms > 0 ? o->reload_ms : 1000;
    s->log = o->log;
    s->log_ctx = o->log_ctx;
    pthread_rwlock_init(&s->lock, NULL);
    pthread_mutex_init(&s->stop_mu, NULL);
    pthread_cond_init(&s->stop_cv, NULL);
    tx_store_stamp(cfg, s->stamp, sizeof(s->stamp));
    st = tx_creds(s, err);
    if (st == CF_OK) {
        st = tx_snap_build(&s->snap, cfg, err);
    }
    if (st == CF_OK) {
        st = tx_listen(s, o, err);
    }
    if (st == CF_OK && pthread_create(&s->watcher, NULL, tx_watch, s) == 0) {
        s->watcher_started = true;
    }
    if (st != CF_OK) {
        cf_taxii_server_stop(s);
        return st;
    }
    *out = s;
    return CF_OK;
}

unsigned cf_taxii_server_port(const cf_taxii_server *s)
{
    return s->port;
}

size_t cf_taxii_server_objects(cf_taxii_server *s, size_t i)
{
    size_t n = 0;

    pthread_rwlock_rdlock(&s->lock);
    if (s->snap && i < s->snap->n) {
        n = s->snap->colls[i].n;
    }
    pthread_rwlock_unlock(&s->lock);
    return n;
}

void cf_taxii_server_stop(cf_taxii_server *s)
{
    if (!s) {
        return;
    }
    if (s->watcher_started) {
        pthread_mutex_lock(&s->stop_mu);
        s->stopping = true;
        pthread_cond_signal(&s->stop_cv);
        pthread_mutex_unlock(&s->stop_mu);
        pthread_join(s->watcher, NULL);
    }
    if (s->mhd) {
        MHD_stop_daemon(s->mhd);
    }
    for (size_t i = 0; s->creds && i < s->cfg->taxii.n_collections; i++) {
        free(s->creds[i].user);
        free(s->creds[i].secret);
        free(s->creds[i].header);
    }
    free(s->creds);
    tx_snap_free(s->snap);
    free(s->tls_cert);
    free(s->tls_key);
    pthread_rwlock_destroy(&s->lock);
    pthread_mutex_destroy(&s->stop_mu);
    pthread_cond_destroy(&s->stop_cv);
    free(s);
}
