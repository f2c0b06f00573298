/*
 * Fetching feeds with libcurl into the body cache (fetch.h).
 *
 * DESIGN
 * One easy handle per transfer, so fetches run on several worker threads at
 * once (CURLOPT_NOSIGNAL, global init done once up front). The write
 * callback streams into a temporary file in the feed's cache directory and
 * stops at CF_MAX_FETCH_BYTES; the header callback keeps ETag and
 * Last-Modified. A complete 200 body is fsynced and renamed to body.new;
 * anything else removes the temporary file, so the last good body stays.
 * Retries back off exponentially (500 ms, 1 s, 2 s, ... plus random jitter
 * of up to the same again) on timeouts, connection failures, 429 and 5xx.
 * Cache directories (a MISP feed's events) are staged, copied, swapped and
 * removed with rename(2), nftw(3) and a plain read/write loop: no shell ever
 * sees a path.
 */
#include "ctiflow/fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"
#include "../convert/misp_json.h"

#define FETCH_BACKOFF_MS 500
#define FETCH_MAX_REDIRECTS 5
#define FETCH_CONNECT_TIMEOUT_MS 30000
#define FETCH_MAX_VALIDATOR 512

void cf_fetch_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static double fetch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *fetch_join(const char *a, const char *b)
{
    cf_buf p = CF_BUF_INIT;
    if (cf_buf_printf(&p, "%s/%s", a, b) != CF_OK) {
        cf_buf_free(&p);
        return NULL;
    }
    return p.data;
}

/* True for "NAME.tmp.PID", the temporary names the writers here use. */
static bool fetch_is_tmp_name(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    const char *last = t;

    while (t) {
        last = t;
        t = strstr(t + 1, ".tmp.");
    }
    if (!last || last == name || !last[5]) {
        return false;
    }
    return strspn(last + 5, "0123456789") == strlen(last + 5);
}

void cf_fetch_sweep_tmp(const char *feed_dir)
{
    DIR *d = opendir(feed_dir);
    struct dirent *e;
    cf_buf p = CF_BUF_INIT;

    if (!d) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_type != DT_DIR && fetch_is_tmp_name(e->d_name)) {
            cf_buf_reset(&p);
            if (cf_buf_printf(&p, "%s/%s", feed_dir, e->d_name) == CF_OK) {
                unlink(cf_buf_str(&p));
            }
        }
    }
    closedir(d);
    cf_buf_free(&p);
}

static cf_status fetch_mkdirs(const char *path, cf_error *err)
{
    char tmp[4096];
    size_t n = strlen(path);

    if (n >= sizeof(tmp)) {
        return cf_error_set(err, CF_ELIMIT, path, 0, "path too long");
    }
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
    /* The state, cache and outbox directories are private to the user. */
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
        return cf_error_set(err, CF_EIO, path, 0, "cannot create directory: %s", strerror(errno));
    }
    if (chmod(tmp, 0700) != 0) {
        return cf_error_set(err, CF_EIO, path, 0, "cannot make directory private: %s",
                            strerror(errno));
    }
    return CF_OK;
}

char *cf_fetch_cached_path(const char *cache_dir, const cf_feed_cfg *feed)
{
    cf_buf p = CF_BUF_INIT;

    if (cf_buf_printf(&p, "%s/%s/%s", cache_dir, feed->name,
                      feed->misp_feed_dir ? "misp" : "body") != CF_OK) {
        cf_buf_free(&p);
        return NULL;
    }
    return p.data;
}

/* A validator for a local file or directory: its mtime and size. */
static char *fetch_local_tag(const char *path)
{
    struct stat sb;
    char tag[96];
    char *manifest = NULL;
    int rc;

    rc = stat(path, &sb);
    if (rc == 0 && S_ISDIR(sb.st_mode)) {
        manifest = fetch_join(path, "manifest.json");
        rc = manifest ? stat(manifest, &sb) : -1;
        free(manifest);
    }
    if (rc != 0) {
        return NULL;
    }
    snprintf(tag, sizeof(tag), "local:%lld.%09ld:%lld", (long long)sb.st_mtim.tv_sec,
             (long)sb.st_mtim.tv_nsec, (long long)sb.st_size);
    return cf_strdup(tag);
}

static cf_status fetch_local(const cf_fetch_req *req, cf_fetch_result *out, cf_error *err)
{
    const cf_feed_cfg *f = req->feed;
    struct stat sb;

    if (stat(f->path, &sb) != 0) {
        return cf_error_set(err, CF_EIO, f->name, 0, "cannot read '%s': %s", f->path,
                            strerror(errno));
    }
    out->path = cf_strdup(f->path);
    out->etag = fetch_local_tag(f->path);
    out->bytes = (uint64_t)sb.st_size;
    out->attempts = 1;
    out->changed = req->force || req->offline || !req->etag || !out->etag ||
                   strcmp(req->etag, out->etag) != 0;
    return CF_OK;
}

/* One transfer into an open temporary file. */
typedef struct fetch_xfer {
    FILE *fp;
    uint64_t bytes;
    bool too_big;
    char etag[FETCH_MAX_VALIDATOR];
    char last_modified[FETCH_MAX_VALIDATOR];
} fetch_xfer;

static size_t fetch_write_cb(char *data, size_t size, size_t nmemb, void *ud)
{
    fetch_xfer *x = ud;
    size_t n = size * nmemb;

    if (x->bytes + n > CF_MAX_FETCH_BYTES) {
        x->too_big = true;
        return 0;
    }
    if (fwrite(data, 1, n, x->fp) != n) {
        return 0;
    }
    x->bytes += n;
    return n;
}

/* Keep "Name: value" header values, trimmed, when name matches. */
static void fetch_keep_header(const char *line, size_t n, const char *name, char *dst,
                              size_t dstsz)
{
    size_t ln = strlen(name);
    size_t start, end;

    if (n <= ln + 1 || strncasecmp(line, name, ln) != 0 || line[ln] != ':') {
        return;
    }
    start = ln + 1;
    end = n;
    while (start < end && (line[start] == ' ' || line[start] == '\t')) {
        start++;
    }
    while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n' ||
                           line[end - 1] == ' ')) {
        end--;
    }
    if (end - start < dstsz) {
        memcpy(dst, line + start, end - start);
        dst[end - start] = '\0';
    }
}

static size_t fetch_header_cb(char *data, size_t size, size_t nmemb, void *ud)
{
    fetch_xfer *x = ud;
    size_t n = size * nmemb;

    /* a new status line (after a redirect) starts a new set of headers */
    if (n > 5 && !strncmp(data, "HTTP/", 5)) {
        x->etag[0] = '\0';
        x->last_modified[0] = '\0';
    }
    fetch_keep_header(data, n, "ETag", x->etag, sizeof(x->etag));
    fetch_keep_header(data, n, "Last-Modified", x->last_modified, sizeof(x->last_modified));
    return n;
}

/* Request headers: the feed's own (expanded now) and the conditional ones. */
static cf_status fetch_headers(const cf_fetch_req *req, bool conditional, struct curl_slist **out,
                               cf_error *err)
{
    const cf_feed_cfg *f = req->feed;
    struct curl_slist *list = NULL;
    cf_buf line = CF_BUF_INIT;
    cf_status st = CF_OK;

    for (size_t i = 0; st == CF_OK && i < f->n_headers; i++) {
        cf_buf_reset(&line);
        st = cf_buf_printf(&line, "%s: ", f->headers[i].name);
        if (st == CF_OK) {
            st = cf_config_expand(&line, f->headers[i].value, err);
        }
        if (st == CF_OK) {
            list = curl_slist_append(list, line.data);
        }
    }
    if (st == CF_OK && conditional && req->etag && strncmp(req->etag, "local:", 6)) {
        cf_buf_reset(&line);
        cf_buf_printf(&line, "If-None-Match: %s", req->etag);
        list = curl_slist_append(list, line.data);
    }
    if (st == CF_OK && conditional && req->last_modified) {
        cf_buf_reset(&line);
        cf_buf_printf(&line, "If-Modified-Since: %s", req->last_modified);
        list = curl_slist_append(list, line.data);
    }
    cf_buf_free(&line);
    if (st != CF_OK) {
        cf_error_set(err, st, f->name, 0, "cannot build the request headers");
        curl_slist_free_all(list);
        return st;
    }
    *out = list;
    return CF_OK;
}

static void fetch_setup(CURL *h, const cf_feed_cfg *f, const char *url, const char *proxy,
                        struct curl_slist *headers, fetch_xfer *x, char *errbuf)
{
    long connect_ms = f->timeout_ms < FETCH_CONNECT_TIMEOUT_MS ? (long)f->timeout_ms
                                                                : FETCH_CONNECT_TIMEOUT_MS;

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRECTS);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)f->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)CF_MAX_FETCH_BYTES);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ctiflow/" CTIFLOW_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fetch_write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, fetch_header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, f->tls_verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, f->tls_verify ? 2L : 0L);
    if (proxy) {
        curl_easy_setopt(h, CURLOPT_PROXY, proxy);
    }
}

static bool fetch_retryable(CURLcode rc, long status)
{
    if (rc == CURLE_OK) {
        return status == 429 || status >= 500;
    }
    return rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT ||
           rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE ||
           rc == CURLE_GOT_NOTHING || rc == CURLE_COULDNT_RESOLVE_HOST;
}

static void fetch_backoff(int attempt)
{
    long base = FETCH_BACKOFF_MS << (attempt < 8 ? attempt : 8);
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&base;
    long jitter = (long)(rand_r(&seed) % (unsigned)(base + 1));
    struct timespec ts = {(base + jitter) / 1000, ((base + jitter) % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Atomically put the finished temporary file at dst. */
static cf_status fetch_finish_file(FILE *fp, const char *tmp, const char *dst, cf_error *err,
                                   const char *feed)
{
    if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
        return cf_error_set(err, CF_EIO, feed, 0, "cannot write the cache: %s", strerror(errno));
    }
    if (rename(tmp, dst) != 0) {
        return cf_error_set(err, CF_EIO, feed, 0, "cannot rename into the cache: %s",
                            strerror(errno));
    }
    return CF_OK;
}

/*
 * GET url into dst (atomically), conditional when asked. *status gets the
 * final HTTP status; a 304 leaves dst alone.
 */
static cf_status fetch_url(const cf_fetch_req *req, const char *url, const char *dst,
                           bool conditional, cf_fetch_result *out, cf_error *err)
{
    const cf_feed_cfg *f = req->feed;
    struct curl_slist *headers = NULL;
    cf_buf proxy = CF_BUF_INIT;
    cf_buf tmp = CF_BUF_INIT;
    char errbuf[CURL_ERROR_SIZE];
    fetch_xfer x;
    CURL *h = NULL;
    cf_status st;
    CURLcode rc = CURLE_OK;
    long status = 0;

    st = fetch_headers(req, conditional, &headers, err);
    if (st == CF_OK && f->proxy) {
        st = cf_config_expand(&proxy, f->proxy, err);
    }
    if (st == CF_OK) {
        st = cf_buf_printf(&tmp, "%s.tmp.%ld", dst, (long)getpid());
    }
    h = st == CF_OK ? curl_easy_init() : NULL;
    if (!h) {
        st = st == CF_OK ? cf_error_set(err, CF_ENOMEM, f->name, 0, "out of memory") : st;
        goto out;
    }
    for (int attempt = 0; attempt <= f->retries; attempt++) {
        memset(&x, 0, sizeof(x));
        errbuf[0] = '\0';
        x.fp = fopen(tmp.data, "wb");
        if (!x.fp) {
            st = cf_error_set(err, CF_EIO, f->name, 0, "cannot write the cache: %s",
                              strerror(errno));
            goto out;
        }
        curl_easy_reset(h);
        fetch_setup(h, f, url, proxy.data, headers, &x, errbuf);
        rc = curl_easy_perform(h);
        status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        out->attempts++;
        if (rc == CURLE_OK && status == 200) {
            st = fetch_finish_file(x.fp, tmp.data, dst, err, f->name);
            fclose(x.fp);
            out->bytes += x.bytes;
            out->changed = st == CF_OK;
            free(out->etag);
            free(out->last_modified);
            out->etag = x.etag[0] ? cf_strdup(x.etag) : NULL;
            out->last_modified = x.last_modified[0] ? cf_strdup(x.last_modified) : NULL;
            goto out;
        }
        fclose(x.fp);
        unlink(tmp.data);
        if (!fetch_retryable(rc, status) || x.too_big || attempt == f->retries) {
            break;
        }
        fetch_backoff(attempt);
    }
    out->http_status = status;
    if (rc == CURLE_OK && status == 304) {
        goto out;
    }
    if (x.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        st = cf_error_set(err, CF_ELIMIT, f->name, 0, "body larger than %llu bytes",
                          (unsigned long long)CF_MAX_FETCH_BYTES);
    } else if (rc != CURLE_OK) {
        st = cf_error_set(err, CF_ENETWORK, f->name, 0, "%s",
                          errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else {
        st = cf_error_set(err, CF_ENETWORK, f->name, 0, "HTTP %ld", status);
    }

out:
    if (status) {
        out->http_status = status;
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    cf_buf_free(&proxy);
    cf_buf_free(&tmp);
    return st;
}

/* nftw callback: remove one entry, children before their directory. */
static int fetch_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP) {
        return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
    }
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Remove path and everything under it; a missing path is fine. */
static int fetch_rmtree(const char *path)
{
    struct stat sb;

    if (lstat(path, &sb) != 0) {
        return errno == ENOENT ? 0 : -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        return unlink(path);
    }
    return nftw(path, fetch_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Copy the regular file src to dst (created new), keeping mode and times. */
static int fetch_copy_file(int src_dir, int dst_dir, const char *name)
{
    char block[65536];
    struct stat sb;
    struct timespec times[2];
    int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int out = -1;
    int rc = -1;
    ssize_t n;

    if (in < 0 || fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        goto out;
    }
    out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 sb.st_mode & 0777);
    if (out < 0) {
        goto out;
    }
    for (;;) {
        n = read(in, block, sizeof(block));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, block + done, (size_t)(n - done));
            if (w < 0 && errno != EINTR) {
                goto out;
            }
            done += w > 0 ? w : 0;
        }
    }
    if (n < 0) {
        goto out;
    }
    times[0] = sb.st_atim;
    times[1] = sb.st_mtim;
    futimens(out, times);
    rc = 0;

out:
    if (in >= 0) {
        close(in);
    }
    if (out >= 0 && close(out) != 0) {
        rc = -1;
    }
    return rc;
}

/* Copy every "*.json" regular file of src (if it exists) into dst. */
static int fetch_copy_json(const char *src, const char *dst)
{
    DIR *d = opendir(src);
    int dst_fd = -1;
    int rc = 0;
    struct dirent *e;

    if (!d) {
        return errno == ENOENT ? 0 : -1;
    }
    dst_fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dst_fd < 0) {
        closedir(d);
        return -1;
    }
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) {
            continue;
        }
        rc = fetch_copy_file(dirfd(d), dst_fd, e->d_name);
    }
    close(dst_fd);
    closedir(d);
    return rc;
}

/* Put the directory fresh at good, keeping the old one until fresh is in place. */
static int fetch_swap_dir(const char *fresh, const char *good)
{
    cf_buf old = CF_BUF_INIT;
    int rc = -1;

    if (cf_buf_printf(&old, "%s.old", good) != CF_OK || fetch_rmtree(old.data) != 0) {
        goto out;
    }
    if (rename(good, old.data) != 0 && errno != ENOENT) {
        goto out;
    }
    if (rename(fresh, good) != 0) {
        /* put the last good directory back */
        rename(old.data, good);
        goto out;
    }
    rc = 0;
    fetch_rmtree(old.data);

out:
    cf_buf_free(&old);
    return rc;
}

/* Event timestamps of a MISP manifest file, as a JSON object (or NULL). */
static json_t *fetch_manifest(const char *path)
{
    json_t *m = json_load_file(path, 0, NULL);
    if (m && !json_is_object(m)) {
        json_decref(m);
        return NULL;
    }
    return m;
}

/* The manifest's timestamp of an event (a string or an integer), or NULL. */
static json_t *fetch_event_ts(json_t *manifest, const char *uuid)
{
    json_t *ev = manifest ? json_object_get(manifest, uuid) : NULL;
    return ev ? json_object_get(ev, "timestamp") : NULL;
}

static bool fetch_uuid_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 8 && n <= 64 && strspn(s, "0123456789abcdefABCDEF-") == n;
}

/* True when path holds one well-formed JSON document (a fetched event file). */
static bool fetch_json_ok(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    void *map = MAP_FAILED;
    size_t nodes = 0;
    bool ok = false;

    if (fd >= 0 && fstat(fd, &sb) == 0 && sb.st_size > 0 &&
        (uint64_t)sb.st_size <= CF_MAX_JSON_DOC_BYTES) {
        map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    if (map != MAP_FAILED) {
        ok = cf_mj_check(map, (size_t)sb.st_size, CF_MAX_JSON_DEPTH, CF_MAX_MANIFEST_EVENTS,
                         &nodes) == MJ_OK;
        munmap(map, (size_t)sb.st_size);
    }
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

/*
 * An event that could not be fetched whole keeps, in the manifest to cache,
 * the timestamp of the copy the cache holds (none when it holds none), so
 * the next fetch sees it as changed and asks for it again.
 */
static void fetch_event_unseen(json_t *new_m, json_t *old_m, const char *uuid)
{
    json_t *entry = json_object_get(new_m, uuid);
    json_t *old_ts = fetch_event_ts(old_m, uuid);

    if (!json_is_object(entry)) {
        return;
    }
    if (old_ts) {
        json_object_set(entry, "timestamp", old_ts);
    } else {
        json_object_del(entry, "timestamp");
    }
}

/*
 * A MISP feed directory over HTTP: the manifest (conditional), then every
 * event whose manifest timestamp changed or whose file is missing, into a
 * staging directory "misp.new" built from a copy of the last good one.
 */
static cf_status fetch_misp_dir(const cf_fetch_req *req, const char *feed_dir,
                                cf_fetch_result *out, cf_error *err)
{
    const cf_feed_cfg *f = req->feed;
    char *good = fetch_join(feed_dir, "misp");
    char *stage = fetch_join(feed_dir, "misp.new");
    char *old_manifest_path = good ? fetch_join(good, "manifest.json") : NULL;
    char *manifest_tmp = stage ? fetch_join(feed_dir, "manifest.fetch") : NULL;
    json_t *old_m = NULL, *new_m = NULL;
    cf_buf url = CF_BUF_INIT, file = CF_BUF_INIT;
    const char *base = f->url;
    size_t blen = strlen(base);
    cf_status st;
    const char *uuid;
    json_t *ev;

    if (!manifest_tmp) {
        st = cf_error_set(err, CF_ENOMEM, f->name, 0, "out of memory");
        goto out;
    }
    while (blen && base[blen - 1] == '/') {
        blen--;
    }
    cf_buf_printf(&url, "%.*s/manifest.json", (int)blen, base);
    st = fetch_url(req, url.data, manifest_tmp, !req->force, out, err);
    if (st != CF_OK || !out->changed) {
        goto out;
    }
    out->changed = false;
    new_m = fetch_manifest(manifest_tmp);
    if (!new_m) {
        st = cf_error_set(err, CF_EMALFORMED, f->name, 0, "manifest.json is not a JSON object");
        goto out;
    }
    old_m = fetch_manifest(old_manifest_path);
    if (fetch_rmtree(stage) != 0 || mkdir(stage, 0700) != 0 ||
        fetch_copy_json(good, stage) != 0) {
        st = cf_error_set(err, CF_EIO, f->name, 0, "cannot prepare the cache directory");
        goto out;
    }
    size_t unseen = 0;
    json_object_foreach(new_m, uuid, ev) {
        json_t *ts_new = fetch_event_ts(new_m, uuid);
        json_t *ts_old = fetch_event_ts(old_m, uuid);
        char *dst;
        cf_fetch_result one = {0};
        cf_error one_err;

        if (!fetch_uuid_ok(uuid)) {
            continue;
        }
        if (ts_new && ts_old && json_equal(ts_new, ts_old)) {
            continue;
        }
        cf_error_clear(&one_err);
        cf_buf_reset(&url);
        cf_buf_printf(&url, "%.*s/%s.json", (int)blen, base, uuid);
        cf_buf_reset(&file);
        cf_buf_printf(&file, "%s/%s.json.fetch", stage, uuid);
        dst = file.data;
        st = fetch_url(req, url.data, dst, false, &one, &one_err);
        out->bytes += one.bytes;
        out->attempts += one.attempts;
        /*
         * A manifest may list an event its server no longer has (404): it
         * is skipped, as the server says it has none. One served cut short
         * (not one JSON document) is not cached: the cached copy stays and
         * keeps its timestamp in the cached manifest, so a later fetch
         * asks for the event again.
         */
        bool got = st == CF_OK && fetch_json_ok(dst);
        if (st != CF_OK && one.http_status == 404) {
            unlink(dst);
            st = CF_OK;
        } else if (st == CF_OK && !got) {
            unlink(dst);
            fetch_event_unseen(new_m, old_m, uuid);
            if (unseen++ == 0) {
                snprintf(out->unseen_ref, sizeof out->unseen_ref, "%s", uuid);
            }
            out->unseen = unseen;
            st = CF_OK;
        } else if (got) {
            /* "<uuid>.json.fetch" to "<uuid>.json" */
            cf_buf_reset(&url);
            cf_buf_append(&url, dst, strlen(dst) - strlen(".fetch"));
            if (rename(dst, cf_buf_str(&url)) != 0) {
                st = cf_error_set(err, CF_EIO, f->name, 0, "cannot write the cache: %s",
                                  strerror(errno));
            }
        }
        cf_fetch_result_fini(&one);
        if (st != CF_OK) {
            if (!err->msg[0]) {
                *err = one_err;
            }
            goto out;
        }
    }
    cf_buf_reset(&file);
    cf_buf_printf(&file, "%s/manifest.json", stage);
    if (unseen > 0) {
        /* what the cache holds, not what the server said; and no 304 next time */
        st = json_dump_file(new_m, file.data, JSON_COMPACT) == 0 ? CF_OK : CF_EIO;
        free(out->etag);
        free(out->last_modified);
        out->etag = NULL;
        out->last_modified = NULL;
    } else if (rename(manifest_tmp, file.data) != 0) {
        st = CF_EIO;
    }
    if (st != CF_OK) {
        st = cf_error_set(err, CF_EIO, f->name, 0, "cannot write the cache: %s", strerror(errno));
        goto out;
    }
    out->changed = true;

out:
    if (manifest_tmp) {
        unlink(manifest_tmp);
    }
    if (st == CF_OK && out->changed) {
        out->path = stage;
        stage = NULL;
    }
    json_decref(old_m);
    json_decref(new_m);
    cf_buf_free(&url);
    cf_buf_free(&file);
    free(good);
    free(stage);
    free(old_manifest_path);
    free(manifest_tmp);
    return st;
}

/* "<cache>/<feed>/definition", into a new string. */
static char *fetch_definition_path(const cf_fetch_req *req)
{
    cf_buf p = CF_BUF_INIT;

    if (cf_buf_printf(&p, "%s/%s/definition", req->cache_dir, req->feed->name) != CF_OK) {
        cf_buf_free(&p);
        return NULL;
    }
    return p.data;
}

/* True when req->definition is not the one the last good body was read with. */
static bool fetch_redefined(const cf_fetch_req *req)
{
    char *path = req->definition ? fetch_definition_path(req) : NULL;
    size_t want = req->definition ? strlen(req->definition) : 0;
    char *buf = path ? malloc(want + 1) : NULL;
    size_t got = 0;
    FILE *fp = buf ? fopen(path, "rb") : NULL;

    if (fp) {
        got = fread(buf, 1, want + 1, fp);
        fclose(fp);
    }
    bool same = fp && got == want && memcmp(buf, req->definition, want) == 0;
    bool known = buf != NULL; /* out of memory: fetch as usual */
    free(buf);
    free(path);
    return known && !same;
}

cf_status cf_fetch_write_file(const char *path, const char *text)
{
    cf_buf tmp = CF_BUF_INIT;
    FILE *fp = NULL;
    cf_status st = cf_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());

    if (st == CF_OK) {
        fp = fopen(tmp.data, "wb");
        st = fp ? CF_OK : CF_EIO;
    }
    if (st == CF_OK && (fputs(text, fp) == EOF || fflush(fp) != 0 || fsync(fileno(fp)) != 0)) {
        st = CF_EIO;
    }
    if (fp && fclose(fp) != 0) {
        st = CF_EIO;
    }
    if (st == CF_OK && rename(tmp.data, path) != 0) {
        st = CF_EIO;
    }
    if (st != CF_OK && tmp.data) {
        unlink(tmp.data);
    }
    cf_buf_free(&tmp);
    return st;
}

/* Record req->definition beside the feed's last good body. */
static cf_status fetch_save_definition(const cf_fetch_req *req, cf_error *err)
{
    char *path = fetch_definition_path(req);
    char *dir = fetch_join(req->cache_dir, req->feed->name);
    cf_status st = path && dir ? CF_OK : CF_ENOMEM;

    if (st == CF_OK) {
        st = fetch_mkdirs(dir, err);
    }
    if (st == CF_OK) {
        cf_fetch_sweep_tmp(dir); /* a local feed's directory is swept here alone */
        st = cf_fetch_write_file(path, req->definition);
        if (st != CF_OK) {
            cf_error_set(err, st, req->feed->name, 0, "cannot update the cache: %s",
                         strerror(errno));
        }
    } else if (st == CF_ENOMEM) {
        cf_error_set(err, st, req->feed->name, 0, "out of memory");
    }
    free(path);
    free(dir);
    return st;
}

cf_status cf_fetch(const cf_fetch_req *given, cf_fetch_result *out, cf_error *err)
{
    cf_fetch_req redo = *given;
    const cf_fetch_req *req = given;
    const cf_feed_cfg *f = given->feed;
    char *feed_dir = NULL;
    char *good = NULL;
    char *fresh = NULL;
    double t0 = fetch_now();
    cf_status st;

    memset(out, 0, sizeof(*out));
    /* new settings: the body is fetched and read again in full */
    if (!given->force && !given->offline && fetch_redefined(given)) {
        redo.force = true;
        req = &redo;
    }
    if (f->path) {
        st = fetch_local(req, out, err);
        goto out;
    }
    feed_dir = fetch_join(req->cache_dir, f->name);
    good = cf_fetch_cached_path(req->cache_dir, f);
    if (!feed_dir || !good) {
        st = cf_error_set(err, CF_ENOMEM, f->name, 0, "out of memory");
        goto out;
    }
    if (req->offline) {
        if (access(good, R_OK) != 0) {
            st = cf_error_set(err, CF_ENOTFOUND, f->name, 0, "no cached body to process offline");
            goto out;
        }
        out->path = good;
        good = NULL;
        out->changed = true;
        st = CF_OK;
        goto out;
    }
    st = fetch_mkdirs(feed_dir, err);
    if (st != CF_OK) {
        goto out;
    }
    cf_fetch_sweep_tmp(feed_dir);
    if (f->misp_feed_dir) {
        st = fetch_misp_dir(req, feed_dir, out, err);
    } else {
        fresh = fetch_join(feed_dir, "body.new");
        st = fresh ? fetch_url(req, f->url, fresh, !req->force, out, err) : CF_ENOMEM;
        if (st == CF_OK && out->changed) {
            out->path = fresh;
            fresh = NULL;
        }
    }
    if (st == CF_OK && !out->changed && access(good, R_OK) == 0) {
        out->path = good;
        good = NULL;
    }

out:
    out->seconds = fetch_now() - t0;
    free(feed_dir);
    free(good);
    free(fresh);
    return st;
}

void cf_fetch_result_fini(cf_fetch_result *r)
{
    if (!r) {
        return;
    }
    free(r->path);
    free(r->etag);
    free(r->last_modified);
    memset(r, 0, sizeof(*r));
}

/* True when path is a fresh download (body.new or misp.new) in the cache. */
static bool fetch_is_fresh(const cf_fetch_req *req, const cf_fetch_result *r)
{
    size_t n;

    if (!r->path || req->feed->path || req->offline) {
        return false;
    }
    n = strlen(r->path);
    return n > 4 && !strcmp(r->path + n - 4, ".new");
}

cf_status cf_fetch_commit(const cf_fetch_req *req, cf_fetch_result *r, cf_error *err)
{
    char *good = NULL;
    cf_status st = CF_OK;

    if (req->definition) {
        st = fetch_save_definition(req, err);
        if (st != CF_OK) {
            return st;
        }
    }
    if (!fetch_is_fresh(req, r)) {
        return CF_OK;
    }
    good = cf_fetch_cached_path(req->cache_dir, req->feed);
    if (!good) {
        return cf_error_set(err, CF_ENOMEM, req->feed->name, 0, "out of memory");
    }
    if (req->feed->misp_feed_dir) {
        /* a directory cannot replace another in one rename: swap through .old */
        if (fetch_swap_dir(r->path, good) != 0) {
            st = cf_error_set(err, CF_EIO, req->feed->name, 0, "cannot update the cache: %s",
                              strerror(errno));
        }
    } else if (rename(r->path, good) != 0) {
        st = cf_error_set(err, CF_EIO, req->feed->name, 0, "cannot update the cache: %s",
                          strerror(errno));
    }
    if (st == CF_OK) {
        free(r->path);
        r->path = good;
        good = NULL;
    }
    free(good);
    return st;
}

void cf_fetch_discard(const cf_fetch_req *req, cf_fetch_result *r)
{
    if (!fetch_is_fresh(req, r)) {
        return;
    }
    if (req->feed->misp_feed_dir) {
        fetch_rmtree(r->path);
    } else {
        unlink(r->path);
    }
}
