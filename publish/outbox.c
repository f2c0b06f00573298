/*
 * The outbox of an HTTP output (outbox.h): queueing a run's delta as items
 * on disk, then delivering the pending items in order.
 *
 * DESIGN
 * <state_dir>/outbox/<output>/ holds pending/<run>-<n>.json (one item: the
 * output kind, the run, the event uuid for MISP, the IOC count and the
 * request body as a string), rejected/ (items a server refused, each with
 * a .answer file holding the status and the server's answer) and "state"
 * (consecutive failures and the time of the next attempt). Items are written
 * to a temporary name and renamed, so a crash leaves whole items only. The
 * store cursor moves once the run's items are on disk; delivery is then the
 * outbox's business. A webhook item is one STIX 2.1 bundle, a TAXII item one
 * envelope of the same objects, a MISP item one event (edited by uuid, added
 * when the instance does not know it).
 */
#include "ctiflow/outbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctiflow/buf.h"
#include "ctiflow/taxii.h"
#include "ctiflow/writer.h"
#include "taxii_int.h"

#define OB_MAX_ITEMS 100000
#define OB_STATUS_POLL_MS 250

/* Where one output's outbox lives. */
typedef struct ob_box {
    const cf_output_cfg *out;
    char dir[4400];
    char pending[4500];
    char rejected[4500];
} ob_box;

/* ---- files ---- */

static cf_status ob_mkdir(const char *path, cf_error *err)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        return cf_error_set(err, CF_EIO, path, 0, "cannot create directory: %s", strerror(errno));
    }
    chmod(path, 0700);
    return CF_OK;
}

static cf_status ob_open(ob_box *b, const cf_config *cfg, const cf_output_cfg *out,
                         cf_error *err)
{
    char root[4096];
    cf_status st;

    b->out = out;
    snprintf(root, sizeof(root), "%s/outbox", cfg->state_dir);
    snprintf(b->dir, sizeof(b->dir), "%s/%s", root, out->name);
    snprintf(b->pending, sizeof(b->pending), "%s/pending", b->dir);
    snprintf(b->rejected, sizeof(b->rejected), "%s/rejected", b->dir);
    st = ob_mkdir(cfg->state_dir, err);
    if (st == CF_OK) {
        st = ob_mkdir(root, err);
    }
    if (st == CF_OK) {
        st = ob_mkdir(b->dir, err);
    }
    if (st == CF_OK) {
        st = ob_mkdir(b->pending, err);
    }
    if (st == CF_OK) {
        st = ob_mkdir(b->rejected, err);
    }
    return st;
}

/* Write data to dir/name through a temporary file, mode 0600. */
static cf_status ob_write(const char *dir, const char *name, const char *data, size_t len,
                          cf_error *err)
{
    char tmp[4900], dst[4900];
    int fd;
    ssize_t n;

    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
    snprintf(dst, sizeof(dst), "%s/%s", dir, name);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return cf_error_set(err, CF_EIO, dst, 0, "cannot write: %s", strerror(errno));
    }
    n = write(fd, data, len);
    if (n < 0 || (size_t)n != len || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return cf_error_set(err, CF_EIO, dst, 0, "cannot write: %s", strerror(errno));
    }
    close(fd);
    if (rename(tmp, dst) != 0) {
        unlink(tmp);
        return cf_error_set(err, CF_EIO, dst, 0, "cannot rename: %s", strerror(errno));
    }
    return CF_OK;
}

static int ob_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the pending items, sorted (oldest first). */
static char **ob_list(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;

    *n = 0;
    if (!d) {
        return NULL;
    }
    for (e = readdir(d); e && *n < OB_MAX_ITEMS; e = readdir(d)) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".json")) {
            continue;
        }
        if (*n == cap) {
            char **g = realloc(names, (cap ? cap * 2 : 16) * sizeof(*g));
            if (!g) {
                break;
            }
            names = g;
            cap = cap ? cap * 2 : 16;
        }
        names[(*n)++] = cf_strdup(e->d_name);
    }
    closedir(d);
    if (names) {
        cf_sort(names, *n, sizeof(*names), ob_name_cmp);
    }
    return names;
}

static void ob_free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

/* Consecutive failures and the next attempt, from dir/state. */
static void ob_state_read(const ob_box *b, long *failures, cf_time *next)
{
    char path[4500];
    FILE *fp;
    long long t = 0;

    *failures = 0;
    *next = 0;
    snprintf(path, sizeof(path), "%s/state", b->dir);
    fp = fopen(path, "r");
    if (!fp) {
        return;
    }
    if (fscanf(fp, "%ld %lld", failures, &t) == 2) {
        *next = (cf_time)t;
    } else {
        *failures = 0;
    }
    fclose(fp);
}

static void ob_state_write(const ob_box *b, long failures, cf_time next)
{
    char text[64];
    int n = snprintf(text, sizeof(text), "%ld %lld\n", failures, (long long)next);

    ob_write(b->dir, "state", text, (size_t)n, NULL);
}

/* ---- queueing a run's delta ---- */

typedef struct ob_count {
    cf_tlp max_tlp;
    uint64_t withheld;
} ob_count;

static cf_status ob_count_row(void *ctx, const cf_store_row *r)
{
    ob_count *c = ctx;

    if (r->tlp > c->max_tlp) {
        c->withheld++;
    }
    return CF_OK;
}

/* Add one item {kind, run, uuid, count, body} to pending/. */
static cf_status ob_queue(const ob_box *b, int64_t run, int k, const char *uuid, uint64_t count,
                          const char *body, cf_error *err)
{
    json_t *item = json_pack("{s:s, s:I, s:s?, s:I, s:s}", "kind", b->out->type, "run",
                             (json_int_t)run, "uuid", uuid, "count", (json_int_t)count, "body",
                             body);
    char *text = item ? json_dumps(item, JSON_COMPACT) : NULL;
    char name[64];
    cf_status st;

    json_decref(item);
    if (!text) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    snprintf(name, sizeof(name), "%012lld-%04d.json", (long long)run, k);
    st = ob_write(b->pending, name, text, strlen(text), err);
    free(text);
    return st;
}

/* Webhook: the bundle; TAXII: an envelope of its objects. */
static cf_status ob_queue_stix(const ob_box *b, json_t *bundle, int64_t run, uint64_t count,
                               cf_error *err)
{
    json_t *objects = json_object_get(bundle, "objects");
    json_t *doc = bundle;
    char *text;
    cf_status st;

    if (!strcmp(b->out->type, "taxii")) {
        doc = json_pack("{s:O}", "objects", objects);
    }
    text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (doc != bundle) {
        json_decref(doc);
    }
    if (!text) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    st = ob_queue(b, run, 0, NULL, count, text, err);
    free(text);
    return st;
}

/* MISP: one item per event of the delta. */
static cf_status ob_queue_misp(const ob_box *b, const tx_loader *l, int64_t run, cf_time now,
                               cf_error *err)
{
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    cf_write_opts wo;
    json_t *root = NULL, *list;
    cf_status st;

    if (!mem) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    cf_write_opts_init(&wo);
    wo.now = now;
    wo.feed_name = b->out->name;
    st = cf_write_misp(mem, l->set, &wo, err);
    fclose(mem);
    root = st == CF_OK ? json_loadb(data, len, 0, NULL) : NULL;
    free(data);
    if (st == CF_OK && !root) {
        st = cf_error_set(err, CF_EMALFORMED, b->out->name, 0, "MISP event did not parse");
    }
    list = json_object_get(root, "response");
    if (st == CF_OK && !list) {
        list = json_pack("[O]", root);
    } else {
        json_incref(list);
    }
    for (size_t i = 0; st == CF_OK && i < json_array_size(list); i++) {
        json_t *ev = json_array_get(list, i);
        json_t *event = json_object_get(ev, "Event");
        const char *uuid = json_string_value(json_object_get(event, "uuid"));
        char *text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
        size_t n = json_array_size(json_object_get(event, "Attribute")) +
                   json_array_size(json_object_get(event, "Object"));
        st = text ? ob_queue(b, run, (int)i, uuid, n, text, err)
                  : cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
        free(text);
    }
    json_decref(list);
    json_decref(root);
    return st;
}

/* Read the delta since the output's cursor, queue it, move the cursor. */
static cf_status ob_enqueue(const ob_box *b, cf_store *store, int64_t run, cf_time now,
                            cf_outbox_result *res, cf_error *err)
{
    const cf_output_cfg *out = b->out;
    ob_count count = {out->max_tlp, 0};
    tx_loader l;
    json_t *bundle = NULL;
    int64_t last = 0;
    cf_status st = cf_store_output_last_run(store, out->name, &last, err);

    memset(&l, 0, sizeof(l));
    if (st == CF_OK) {
        st = cf_store_each(store, last, CF_TLP_NONE, ob_count_row, &count, err);
    }
    res->withheld = count.withheld;
    if (st == CF_OK) {
        st = tx_load(&l, store, last, out->max_tlp, NULL, err);
    }
    if (st == CF_OK && cf_iocset_count(l.set) > 0) {
        res->objects = cf_iocset_count(l.set);
        if (!strcmp(out->type, "misp")) {
            st = ob_queue_misp(b, &l, run, now, err);
        } else {
            size_t i;
            json_t *o;
            st = tx_render(&bundle, &l, err);
            json_array_foreach(st == CF_OK ? json_object_get(bundle, "objects") : NULL, i, o) {
                tx_revoke(o, &l);
            }
            if (st == CF_OK) {
                st = ob_queue_stix(b, bundle, run, res->objects, err);
            }
        }
    }
    if (st == CF_OK && res->objects) {
        size_t n = 0;
        char **names = ob_list(b->pending, &n);
        for (size_t i = 0; i < n; i++) {
            char prefix[32];
            snprintf(prefix, sizeof(prefix), "%012lld-", (long long)run);
            res->queued += strncmp(names[i], prefix, strlen(prefix)) == 0;
        }
        ob_free_list(names, n);
    }
    if (st == CF_OK) {
        st = cf_store_output_done(store, out->name, run, now, err);
    }
    json_decref(bundle);
    tx_loader_fini(&l);
    return st;
}

/* ---- delivering ---- */

typedef enum ob_outcome { OB_DELIVERED, OB_REJECTED, OB_RETRY } ob_outcome;

static void ob_problem(cf_outbox_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Keep the first problem of the run, on one line. */
static void ob_problem(cf_outbox_result *res, const char *fmt, ...)
{
    va_list ap;

    if (res->problem[0]) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(res->problem, sizeof(res->problem), fmt, ap);
    va_end(ap);
    for (char *p = res->problem; *p; p++) {
        *p = (char)(*p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p);
    }
}

/* The start of an answer's body, for a message. */
static void ob_excerpt(char *out, size_t outsz, const cf_http_answer *a)
{
    size_t n = a->body ? a->len : 0;

    if (n > 200) {
        n = 200;
    }
    snprintf(out, outsz, "%.*s%s", (int)n, a->body ? a->body : "", a->len > 200 ? "..." : "");
}

static ob_outcome ob_classify(const cf_http_answer *a)
{
    if (a->status >= 200 && a->status < 300) {
        return OB_DELIVERED;
    }
    if (a->status == 429 || a->status == 408 || a->status >= 500 || a->status < 100) {
        return OB_RETRY;
    }
    return OB_REJECTED;
}

/* A string member's value, or dflt. */
static const char *ob_str(json_t *v, const char *dflt)
{
    const char *s = json_string_value(v);

    return s ? s : dflt;
}

/* Outcome of one request, with the problem recorded when it failed. */
static ob_outcome ob_judge(cf_status st, const cf_http_answer *a, const char *method,
                           const char *url, const cf_error *e, cf_outbox_result *res)
{
    char excerpt[256];
    ob_outcome oc;

    if (st == CF_ENETWORK) {
        ob_problem(res, "%s %s: %s", method, url, a->error);
        return OB_RETRY;
    }
    if (st != CF_OK) {
        ob_problem(res, "%s", e->msg);
        return OB_RETRY;
    }
    oc = ob_classify(a);
    if (oc != OB_DELIVERED) {
        ob_excerpt(excerpt, sizeof(excerpt), a);
        ob_problem(res, "%s %s: HTTP %ld%s: %s", method, url, a->status,
                   oc == OB_RETRY ? " (will retry)" : " (item set aside)", excerpt);
    }
    return oc;
}

static void ob_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Follow a TAXII status resource until complete; report refused objects. */
static void ob_taxii_status(const ob_box *b, const char *name, const cf_http_answer *first,
                            cf_outbox_result *res)
{
    const cf_output_cfg *out = b->out;
    json_t *status = first->body ? json_loadb(first->body, first->len, 0, NULL) : NULL;
    const char *coll = strstr(out->url, "/collections/");
    long waited = 0;

    while (status && coll && waited < CF_OUTBOX_STATUS_WAIT_MS &&
           strcmp(ob_str(json_object_get(status, "status"), ""), "complete")) {
        const char *id = json_string_value(json_object_get(status, "id"));
        cf_buf url = CF_BUF_INIT;
        cf_http_answer a;
        cf_error e;
        if (!id) {
            break;
        }
        ob_sleep_ms(OB_STATUS_POLL_MS);
        waited += OB_STATUS_POLL_MS;
        cf_buf_append(&url, out->url, (size_t)(coll - out->url));
        cf_buf_printf(&url, "/status/%s/", id);
        cf_error_clear(&e);
        if (cf_http_send(out, "GET", url.data, NULL, CF_TAXII_MEDIA_TYPE, NULL, 0, &a, &e) ==
                CF_OK &&
            a.status == 200) {
            json_t *next = json_loadb(a.body, a.len, 0, NULL);
            if (next) {
                json_decref(status);
                status = next;
            }
        }
        cf_http_answer_fini(&a);
        cf_buf_free(&url);
    }
    if (status && json_integer_value(json_object_get(status, "failure_count")) > 0) {
        json_t *f0 = json_array_get(json_object_get(status, "failures"), 0);
        char *text = json_dumps(status, JSON_INDENT(2));
        char aname[300];
        uint64_t n = (uint64_t)json_integer_value(json_object_get(status, "failure_count"));
        res->failed_objects += n;
        ob_problem(res, "%llu of %lld objects refused by the TAXII server: %s: %s",
                   (unsigned long long)n,
                   (long long)json_integer_value(json_object_get(status, "total_count")),
                   ob_str(json_object_get(f0, "id"), "?"),
                   ob_str(json_object_get(f0, "message"), "no message"));
        snprintf(aname, sizeof(aname), "%s.failures", name);
        if (text) {
            ob_write(b->rejected, aname, text, strlen(text), NULL);
        }
        free(text);
    } else if (status && strcmp(ob_str(json_object_get(status, "status"), ""),
                                "complete")) {
        ob_problem(res, "TAXII status still '%s' after %lld s; the server keeps the objects",
                   ob_str(json_object_get(status, "status"), "unknown"),
                   (long long)(CF_OUTBOX_STATUS_WAIT_MS / 1000));
    }
    json_decref(status);
}

/* Send one item. *answer keeps the last answer for a rejection record. */
static ob_outcome ob_send(const ob_box *b, const char *name, json_t *item, cf_http_answer *a,
                          cf_outbox_result *res)
{
    const cf_output_cfg *out = b->out;
    const char *body = json_string_value(json_object_get(item, "body"));
    const char *uuid = json_string_value(json_object_get(item, "uuid"));
    size_t len = body ? strlen(body) : 0;
    bool slash = out->url[strlen(out->url) - 1] == '/';
    cf_buf url = CF_BUF_INIT;
    ob_outcome oc;
    cf_status st;
    cf_error e;

    cf_error_clear(&e);
    if (!strcmp(out->type, "taxii")) {
        cf_buf_printf(&url, "%s%sobjects/", out->url, slash ? "" : "/");
        st = cf_http_send(out, "POST", url.data, CF_TAXII_MEDIA_TYPE, CF_TAXII_MEDIA_TYPE, body,
                          len, a, &e);
        oc = ob_judge(st, a, "POST", url.data, &e, res);
        if (oc == OB_DELIVERED) {
            ob_taxii_status(b, name, a, res);
        }
    } else if (!strcmp(out->type, "misp")) {
        cf_buf_printf(&url, "%.*s/events/edit/%s", (int)(strlen(out->url) - slash), out->url,
                      uuid ? uuid : "");
        st = cf_http_send(out, "POST", url.data, "application/json", "application/json", body,
                          len, a, &e);
        if (st == CF_OK && a->status == 404) {
            cf_http_answer_fini(a);
            cf_buf_reset(&url);
            cf_buf_printf(&url, "%.*s/events/add", (int)(strlen(out->url) - slash), out->url);
            st = cf_http_send(out, "POST", url.data, "application/json", "application/json",
                              body, len, a, &e);
        }
        oc = ob_judge(st, a, "POST", url.data, &e, res);
    } else {
        st = cf_http_send(out, "POST", out->url, "application/json", NULL, body, len, a, &e);
        oc = ob_judge(st, a, "POST", out->url, &e, res);
    }
    cf_buf_free(&url);
    return oc;
}

/* Move a refused item to rejected/ with the server's answer beside it. */
static void ob_reject(const ob_box *b, const char *name, const cf_http_answer *a)
{
    char from[4800], to[4800], aname[300];
    cf_buf text = CF_BUF_INIT;

    snprintf(from, sizeof(from), "%s/%s", b->pending, name);
    snprintf(to, sizeof(to), "%s/%s", b->rejected, name);
    rename(from, to);
    cf_buf_printf(&text, "HTTP %ld\n", a->status);
    cf_buf_append(&text, a->body ? a->body : "", a->body ? a->len : 0);
    snprintf(aname, sizeof(aname), "%s.answer", name);
    ob_write(b->rejected, aname, text.data, text.len, NULL);
    cf_buf_free(&text);
}

static cf_time ob_backoff(long failures, const cf_http_answer *a)
{
    cf_time wait = CF_OUTBOX_BACKOFF_MIN_MS;

    if (a->retry_after_ms >= 0) {
        return a->retry_after_ms;
    }
    for (long i = 1; i < failures && wait < CF_OUTBOX_BACKOFF_MAX_MS; i++) {
        wait *= 2;
    }
    return wait < CF_OUTBOX_BACKOFF_MAX_MS ? wait : CF_OUTBOX_BACKOFF_MAX_MS;
}

/* Send the pending items in order until one must wait. */
static void ob_flush(const ob_box *b, cf_time now, cf_outbox_result *res)
{
    size_t n = 0, i;
    char **names = ob_list(b->pending, &n);
    long failures;
    cf_time next;

    ob_state_read(b, &failures, &next);
    if (n && next > now) {
        res->deferred = true;
        res->next_attempt = next;
        res->pending = n;
        ob_free_list(names, n);
        return;
    }
    for (i = 0; i < n; i++) {
        char path[4800];
        json_t *item;
        cf_http_answer a;
        ob_outcome oc;
        snprintf(path, sizeof(path), "%s/%s", b->pending, names[i]);
        item = json_load_file(path, 0, NULL);
        if (!item) {
            memset(&a, 0, sizeof(a));
            ob_problem(res, "outbox item '%s' is unreadable; set aside", names[i]);
            ob_reject(b, names[i], &a);
            res->rejected++;
            continue;
        }
        oc = ob_send(b, names[i], item, &a, res);
        json_decref(item);
        if (oc == OB_DELIVERED) {
            unlink(path);
            res->delivered++;
        } else if (oc == OB_REJECTED) {
            ob_reject(b, names[i], &a);
            res->rejected++;
        } else {
            failures++;
            res->next_attempt = now + ob_backoff(failures, &a);
            ob_state_write(b, failures, res->next_attempt);
            cf_http_answer_fini(&a);
            break;
        }
        cf_http_answer_fini(&a);
    }
    res->pending = n - i;
    if (i == n) {
        ob_state_write(b, 0, 0);
    }
    ob_free_list(names, n);
}

cf_status cf_outbox_publish(cf_store *store, const cf_config *cfg, const cf_output_cfg *out,
                            int64_t run, cf_time now, cf_outbox_result *res, cf_error *err)
{
    ob_box b;
    cf_status st;

    memset(res, 0, sizeof(*res));
    st = ob_open(&b, cfg, out, err);
    if (st == CF_OK) {
        st = ob_enqueue(&b, store, run, now, res, err);
    }
    if (st == CF_OK) {
        ob_flush(&b, now, res);
    }
    return st;
}
