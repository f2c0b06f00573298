/*
 * Publishing the store to a directory (cf_publish_dir in run.h).
 *
 * DESIGN
 * The output's cursor in the store says which run it last published. The
 * IOCs modified since then (new, changed, expired) are read into a delta
 * set, the IOCs not expired into a snapshot set; each file is written
 * under a hidden temporary name in its final directory, fsynced and
 * renamed, so a reader (or a crash) never sees a partial file. Layout:
 *   stix2/deltas/delta-<run>.json  what changed in that run (revoked ones
 *                                  carry "revoked": true)
 *   stix2/snapshot.json            every current IOC
 *   misp/                          MISP feed directory
 *   lists/<type>.txt               plain block lists, one per IOC type
 *   iocs.csv, iocs.jsonl           when configured
 *   index.json                     what was written, written last
 * Files are streamed from the writer to disk, never built in memory (only a
 * delta bundle with revoked indicators is rendered in memory to mark them).
 * The first publish of an output with nothing expired reads the store once:
 * its delta is every current IOC, so the same set feeds every writer and the
 * snapshot is a hard link to the delta bundle (same bytes, rendered once).
 * Old delta bundles beyond keep_deltas are removed; temporary files left by
 * an interrupted run are removed on the next publish.
 * With warning lists (cf_publish_dir_wl), the warninglist labels a row had
 * in the store are replaced by matches against the current lists, and the
 * output's policy withholds IOCs from every file or, by default, only from
 * the text and CSV files, which are written last from the same set. The
 * lists' fingerprint is kept in index.json: a change publishes again.
 */
#include "ctiflow/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctiflow/buf.h"
#include "ctiflow/normalize.h"
#include "ctiflow/stix.h"
#include "ctiflow/writer.h"

#define DIR_MAX_LIST_ITEMS 64

/* Which IOC types get a block list of their own. */
static const cf_ioc_type dir_list_types[] = {
    CF_IOC_IP,     CF_IOC_CIDR,   CF_IOC_DOMAIN, CF_IOC_URL,       CF_IOC_EMAIL,
    CF_IOC_MD5,    CF_IOC_SHA1,   CF_IOC_SHA256, CF_IOC_SHA512,    CF_IOC_ENDPOINT,
    CF_IOC_ASN,    CF_IOC_JA3,    CF_IOC_X509_SHA1,
};

/* Reading store rows into an IOC set. */
typedef struct dir_loader {
    cf_iocset *set;
    cf_norm norm;
    char **revoked;       /* indicator ids of expired IOCs */
    size_t n_revoked, cap_revoked;
    uint64_t rows;
    uint64_t expired;     /* rows of expired IOCs */
    bool strip_wl;        /* drop stored warninglist labels (matched again) */
} dir_loader;

/* Drop the warninglist labels of items; returns how many are left. */
static size_t dir_strip_wl(const char **items, size_t n)
{
    size_t plen = strlen(CF_WL_LABEL_PREFIX), kept = 0;

    for (size_t i = 0; i < n; i++) {
        if (strncmp(items[i], CF_WL_LABEL_PREFIX, plen) != 0) {
            items[kept++] = items[i];
        }
    }
    return kept;
}

/* Split a '\n' list into up to max pointers into a scratch copy. */
static size_t dir_split(char *scratch, const char **items, size_t max)
{
    size_t n = 0;
    char *p = scratch;

    while (p && *p && n < max) {
        char *nl = strchr(p, '\n');
        items[n++] = p;
        if (nl) {
            *nl = '\0';
            p = nl + 1;
        } else {
            p = NULL;
        }
    }
    return n;
}

static cf_status dir_add_revoked(dir_loader *l, const cf_ioc *ioc)
{
    cf_buf pattern = CF_BUF_INIT;
    char id[64];
    cf_status st = cf_stix_pattern(&pattern, ioc);

    if (st != CF_OK) {
        cf_buf_free(&pattern);
        return st == CF_ENOMEM ? st : CF_OK;
    }
    cf_stix_indicator_id(id, pattern.data);
    cf_buf_free(&pattern);
    if (l->n_revoked == l->cap_revoked) {
        size_t cap = l->cap_revoked ? l->cap_revoked * 2 : 64;
        char **grown = realloc(l->revoked, cap * sizeof(*grown));
        if (!grown) {
            return CF_ENOMEM;
        }
        l->revoked = grown;
        l->cap_revoked = cap;
    }
    l->revoked[l->n_revoked] = cf_strdup(id);
    if (!l->revoked[l->n_revoked]) {
        return CF_ENOMEM;
    }
    l->n_revoked++;
    return CF_OK;
}

static cf_status dir_load_row(void *ctx, const cf_store_row *r)
{
    dir_loader *l = ctx;
    char *lab = cf_strdup(r->labels), *mal = cf_strdup(r->malware);
    char *act = cf_strdup(r->actors), *src = cf_strdup(r->sources);
    const char *labels[DIR_MAX_LIST_ITEMS], *malware[DIR_MAX_LIST_ITEMS];
    const char *actors[DIR_MAX_LIST_ITEMS], *sources[DIR_MAX_LIST_ITEMS];
    size_t n_src;
    cf_ioc *ioc = NULL;
    cf_status st = CF_OK;
    cf_obs o;

    if (!lab || !mal || !act || !src) {
        st = CF_ENOMEM;
        goto out;
    }
    cf_obs_init(&o);
    o.type = r->type;
    o.text = r->value;
    o.len = strlen(r->value);
    o.first_seen = r->first_seen;
    o.last_seen = r->last_seen;
    o.valid_until = r->valid_until;
    o.confidence = r->confidence;
    o.tlp = r->tlp;
    o.comment = r->comment;
    o.labels = labels;
    o.n_labels = dir_split(lab, labels, DIR_MAX_LIST_ITEMS);
    if (l->strip_wl) {
        o.n_labels = dir_strip_wl(labels, o.n_labels);
    }
    o.malware = malware;
    o.n_malware = dir_split(mal, malware, DIR_MAX_LIST_ITEMS);
    o.actors = actors;
    o.n_actors = dir_split(act, actors, DIR_MAX_LIST_ITEMS);
    n_src = dir_split(src, sources, DIR_MAX_LIST_ITEMS);

    cf_buf_reset(&l->norm.value);
    l->norm.type = r->type;
    l->norm.hash_type = r->hash_type;
    l->norm.port = r->port;
    st = cf_buf_puts(&l->norm.value, r->value);
    /* one merge per source, so every feed that listed the IOC is a sighting */
    for (size_t i = 0; st == CF_OK && i < (n_src ? n_src : 1); i++) {
        o.feed = n_src ? sources[i] : "ctiflow";
        st = cf_iocset_merge(l->set, &o, &l->norm, &ioc);
    }
    if (r->expired_at != CF_TIME_NONE) {
        l->expired++;
    }
    if (st == CF_OK && r->expired_at != CF_TIME_NONE && ioc) {
        st = dir_add_revoked(l, ioc);
    }
    l->rows++;

out:
    free(lab);
    free(mal);
    free(act);
    free(src);
    return st;
}

static void dir_loader_fini(dir_loader *l)
{
    cf_iocset_free(l->set);
    cf_norm_free(&l->norm);
    for (size_t i = 0; i < l->n_revoked; i++) {
        free(l->revoked[i]);
    }
    free(l->revoked);
}

/* Create path and any missing parents (an output may name a new tree). */
static cf_status dir_mkdir(const char *path, cf_error *err)
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
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
                return cf_error_set(err, CF_EIO, path, 0, "cannot create directory '%s': %s",
                                    tmp, strerror(errno));
            }
            *p = '/';
        }
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        return cf_error_set(err, CF_EIO, path, 0, "cannot create directory: %s", strerror(errno));
    }
    return CF_OK;
}

static void dir_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Write data to dir/name atomically (hidden temp name, fsync, rename). */
static cf_status dir_write_atomic(const char *dir, const char *name, const char *data,
                                  size_t len, cf_error *err)
{
    cf_buf tmp = CF_BUF_INIT, dst = CF_BUF_INIT;
    FILE *fp = NULL;
    cf_status st = CF_OK;

    cf_buf_printf(&tmp, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
    cf_buf_printf(&dst, "%s/%s", dir, name);
    fp = fopen(cf_buf_str(&tmp), "wb");
    if (!fp) {
        st = cf_error_set(err, CF_EIO, cf_buf_str(&dst), 0, "cannot write: %s", strerror(errno));
        goto out;
    }
    if (fwrite(data, 1, len, fp) != len || fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
        st = cf_error_set(err, CF_EIO, cf_buf_str(&dst), 0, "cannot write: %s", strerror(errno));
    }
    if (fclose(fp) != 0 && st == CF_OK) {
        st = cf_error_set(err, CF_EIO, cf_buf_str(&dst), 0, "cannot write: %s", strerror(errno));
    }
    if (st == CF_OK && rename(tmp.data, dst.data) != 0) {
        st = cf_error_set(err, CF_EIO, cf_buf_str(&dst), 0, "cannot rename: %s", strerror(errno));
    }
    if (st != CF_OK) {
        unlink(cf_buf_str(&tmp));
    } else {
        dir_fsync_dir(dir);
    }

out:
    cf_buf_free(&tmp);
    cf_buf_free(&dst);
    return st;
}

/* Counts the lines passing through a stream on their way to the file. */
typedef struct dir_sink {
    FILE *fp;
    uint64_t lines;
} dir_sink;

static ssize_t dir_sink_write(void *cookie, const char *data, size_t len)
{
    dir_sink *k = cookie;
    const char *p = data;
    const char *end = data + len;

    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        k->lines++;
        p++;
    }
    return fwrite(data, 1, len, k->fp) == len ? (ssize_t)len : -1;
}

/*
 * Render set in format f straight into dir/name, atomically: the writer's
 * output streams through a line-counting stream into a hidden temporary
 * file, which is fsynced and renamed. Nothing is held in memory whatever
 * the set's size. *lines gets the number of lines written.
 */
static cf_status dir_stream_atomic(const char *dir, const char *name, cf_out_format f,
                                   const cf_iocset *set, const cf_write_opts *wo,
                                   uint64_t *lines, cf_error *err)
{
    static const cookie_io_functions_t io = {NULL, dir_sink_write, NULL, NULL};
    cf_buf tmp = CF_BUF_INIT, dst = CF_BUF_INIT;
    dir_sink sink = {NULL, 0};
    FILE *out = NULL;
    cf_status st = CF_OK;

    cf_buf_printf(&tmp, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
    cf_buf_printf(&dst, "%s/%s", dir, name);
    sink.fp = fopen(cf_buf_str(&tmp), "wb");
    out = sink.fp ? fopencookie(&sink, "w", io) : NULL;
    if (!out) {
        st = cf_error_set(err, CF_EIO, cf_buf_str(&dst), 0, "cannot write: %s", strerror(errno));
        goto out;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 20);
    st = cf_write_any(out, f, set, wo, err);
    if (fclose(out) != 0 && st == CF_OK) {
        st = cf_error_set(err, CF_EIO, cf_buf_str(&dst), 0, "cannot write: %s", strerror(errno));
    }
    if (st == CF_OK && (fflush(sink.fp) != 0 || fsync(fileno(sink.fp)) != 0)) {
        st = cf_error_set(err, CF_EIO, cf_buf_str(&dst), 0, "cannot write: %s", strerror(errno));
    }
    if (fclose(sink.fp) != 0 && st == CF_OK) {
        st = cf_error_set(err, CF_EIO, cf_buf_str(&dst), 0, "cannot write: %s", strerror(errno));
    }
    sink.fp = NULL;
    if (st == CF_OK && rename(tmp.data, dst.data) != 0) {
        st = cf_error_set(err, CF_EIO, cf_buf_str(&dst), 0, "cannot rename: %s", strerror(errno));
    }
    if (st == CF_OK) {
        dir_fsync_dir(dir);
        *lines = sink.lines;
    }

out:
    if (sink.fp) {
        fclose(sink.fp);
    }
    if (st != CF_OK) {
        unlink(cf_buf_str(&tmp));
    }
    cf_buf_free(&tmp);
    cf_buf_free(&dst);
    return st;
}

/*
 * Give dir/name the bytes of the file src without writing them again: a
 * hard link under a hidden temporary name, renamed into place. Files are
 * only ever replaced by rename, never written in place, so the two names
 * never see each other's later versions. False when the file system cannot
 * link (the caller then renders the file).
 */
static bool dir_link_atomic(const char *src, const char *dir, const char *name)
{
    cf_buf tmp = CF_BUF_INIT, dst = CF_BUF_INIT;
    bool ok;

    cf_buf_printf(&tmp, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
    cf_buf_printf(&dst, "%s/%s", dir, name);
    unlink(cf_buf_str(&tmp));
    ok = link(src, cf_buf_str(&tmp)) == 0;
    if (ok && rename(cf_buf_str(&tmp), cf_buf_str(&dst)) != 0) {
        unlink(cf_buf_str(&tmp));
        ok = false;
    }
    if (ok) {
        dir_fsync_dir(dir);
    }
    cf_buf_free(&tmp);
    cf_buf_free(&dst);
    return ok;
}

/* Render set in format f into memory. */
static cf_status dir_render(char **out, size_t *len, cf_out_format f, const cf_iocset *set,
                            const cf_write_opts *wo, cf_error *err)
{
    FILE *mem = open_memstream(out, len);
    cf_status st;

    if (!mem) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    st = cf_write_any(mem, f, set, wo, err);
    if (fclose(mem) != 0 && st == CF_OK) {
        st = cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    return st;
}

static int dir_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Mark the indicators of expired IOCs revoked in a rendered bundle. */
static cf_status dir_revoke(char **bundle, size_t *len, dir_loader *l, cf_time now,
                            cf_error *err)
{
    json_t *root = json_loadb(*bundle, *len, 0, NULL);
    json_t *objects = root ? json_object_get(root, "objects") : NULL;
    char ts[40];
    char *dumped;
    size_t i;
    json_t *obj;

    if (!json_is_array(objects)) {
        json_decref(root);
        return cf_error_set(err, CF_EMALFORMED, "stix2", 0, "delta bundle did not parse");
    }
    qsort(l->revoked, l->n_revoked, sizeof(*l->revoked), dir_str_cmp);
    cf_time_format_rfc3339(ts, sizeof(ts), now);
    json_array_foreach(objects, i, obj) {
        const char *id = json_string_value(json_object_get(obj, "id"));
        const char *created = json_string_value(json_object_get(obj, "created"));
        if (!id || !bsearch(&id, l->revoked, l->n_revoked, sizeof(char *), dir_str_cmp)) {
            continue;
        }
        json_object_set_new(obj, "revoked", json_true());
        json_object_set_new(obj, "modified",
                            json_string(created && strcmp(created, ts) > 0 ? created : ts));
    }
    dumped = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!dumped) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    free(*bundle);
    *bundle = dumped;
    *len = strlen(dumped);
    return CF_OK;
}

/* Index entries are collected here. */
typedef struct dir_index {
    json_t *files;
    int written;
} dir_index;

static void dir_index_add(dir_index *ix, const char *path, const char *format, uint64_t count)
{
    json_t *e = json_pack("{s:s, s:s, s:I}", "path", path, "format", format, "count",
                          (json_int_t)count);
    if (e) {
        json_array_append_new(ix->files, e);
    }
    ix->written++;
}

/* Render and write one file. */
static cf_status dir_emit(const char *dir, const char *name, const char *rel, cf_out_format f,
                          const char *format_name, const cf_iocset *set, const cf_write_opts *wo,
                          dir_index *ix, cf_error *err)
{
    uint64_t lines = 0;
    cf_status st = dir_stream_atomic(dir, name, f, set, wo, &lines, err);

    if (st == CF_OK) {
        dir_index_add(ix, rel, format_name, cf_iocset_count(set));
    }
    return st;
}

static cf_status dir_block_lists(const char *root, const cf_iocset *set, const cf_write_opts *base,
                                 dir_index *ix, cf_error *err)
{
    cf_buf dir = CF_BUF_INIT, name = CF_BUF_INIT, rel = CF_BUF_INIT;
    cf_status st;

    cf_buf_printf(&dir, "%s/lists", root);
    st = dir_mkdir(dir.data, err);
    for (size_t i = 0; st == CF_OK && i < sizeof(dir_list_types) / sizeof(*dir_list_types); i++) {
        cf_write_opts wo = *base;
        uint64_t lines = 0;
        wo.only_type = dir_list_types[i];
        cf_buf_reset(&name);
        cf_buf_reset(&rel);
        cf_buf_printf(&name, "%s.txt", cf_ioc_type_name(dir_list_types[i]));
        cf_buf_printf(&rel, "lists/%s", name.data);
        st = dir_stream_atomic(dir.data, name.data, CF_OUT_TEXT, set, &wo, &lines, err);
        if (st == CF_OK) {
            dir_index_add(ix, rel.data, "text", lines);
        }
    }
    cf_buf_free(&dir);
    cf_buf_free(&name);
    cf_buf_free(&rel);
    return st;
}

/* Remove temporary files an interrupted publish left in dir. */
static void dir_sweep_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    cf_buf p = CF_BUF_INIT;

    if (!d) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp.")) {
            cf_buf_reset(&p);
            cf_buf_printf(&p, "%s/%s", dir, e->d_name);
            unlink(p.data);
        }
    }
    closedir(d);
    cf_buf_free(&p);
}

/* Keep the newest keep delta bundles; list the kept ones in the index. */
static void dir_prune_deltas(const char *dir, int keep, json_t *list)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    cf_buf p = CF_BUF_INIT;

    if (!d) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, "delta-", 6) || l < 6 || strcmp(e->d_name + l - 5, ".json")) {
            continue;
        }
        if (n == cap) {
            char **g = realloc(names, (cap ? cap * 2 : 32) * sizeof(*g));
            if (!g) {
                break;
            }
            names = g;
            cap = cap ? cap * 2 : 32;
        }
        names[n++] = cf_strdup(e->d_name);
    }
    closedir(d);
    if (names) {
        qsort(names, n, sizeof(*names), dir_str_cmp);
    }
    for (size_t i = 0; i < n; i++) {
        if (names[i] && n - i > (size_t)keep) {
            cf_buf_reset(&p);
            cf_buf_printf(&p, "%s/%s", dir, names[i]);
            unlink(p.data);
        } else if (names[i]) {
            cf_buf_reset(&p);
            cf_buf_printf(&p, "stix2/deltas/%s", names[i]);
            json_array_append_new(list, json_string(p.data));
        }
        free(names[i]);
    }
    free(names);
    cf_buf_free(&p);
}

static cf_status dir_load(cf_store *store, int64_t since, cf_tlp max_tlp,
                          const cf_publish_wl *wl, dir_loader *l, cf_error *err)
{
    cf_norm init = CF_NORM_INIT;
    cf_status st;

    memset(l, 0, sizeof(*l));
    l->norm = init;
    l->strip_wl = wl && wl->lists;
    l->set = cf_iocset_new();
    if (!l->set) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    st = cf_store_each(store, since, max_tlp, dir_load_row, l, err);
    if (st == CF_OK && l->strip_wl) {
        /* label with the current lists; withhold from every file unless block_only */
        st = cf_wl_apply(wl->lists, wl->block_only ? NULL : wl->policy, l->set, NULL);
        if (st != CF_OK) {
            st = cf_error_set(err, st, NULL, 0, "out of memory");
        }
    }
    return st;
}

static bool dir_wl_keep(void *ctx, cf_ioc *ioc)
{
    return !cf_wl_policy_withholds_labels(ctx, ioc->labels, ioc->n_labels, NULL);
}

static cf_status dir_write_delta(const cf_output_cfg *out, dir_loader *delta, int64_t run,
                                 cf_time now, const cf_write_opts *wo, dir_index *ix,
                                 cf_error *err)
{
    cf_buf dir = CF_BUF_INIT, name = CF_BUF_INIT, rel = CF_BUF_INIT;
    char *data = NULL;
    size_t len = 0;
    cf_status st;

    cf_buf_printf(&dir, "%s/stix2/deltas", out->path);
    cf_buf_printf(&name, "delta-%08lld.json", (long long)run);
    cf_buf_printf(&rel, "stix2/deltas/%s", name.data);
    st = dir_mkdir(dir.data, err);
    if (st == CF_OK) {
        dir_sweep_tmp(dir.data);
    }
    if (st == CF_OK && !delta->n_revoked) {
        /* nothing to mark revoked: stream the bundle straight to its file */
        uint64_t lines = 0;
        st = dir_stream_atomic(dir.data, name.data, CF_OUT_STIX2, delta->set, wo, &lines, err);
    } else if (st == CF_OK) {
        st = dir_render(&data, &len, CF_OUT_STIX2, delta->set, wo, err);
        if (st == CF_OK) {
            st = dir_revoke(&data, &len, delta, now, err);
        }
        if (st == CF_OK) {
            st = dir_write_atomic(dir.data, name.data, data, len, err);
        }
    }
    if (st == CF_OK) {
        dir_index_add(ix, rel.data, "stix2-delta", cf_iocset_count(delta->set));
    }
    free(data);
    cf_buf_free(&dir);
    cf_buf_free(&name);
    cf_buf_free(&rel);
    return st;
}

/*
 * The files of every current IOC. same_stix2, when not NULL, is a bundle
 * already written from this very set (the delta of a first publish): the
 * snapshot gets its bytes by a link instead of a second rendering.
 */
static cf_status dir_write_current(const cf_output_cfg *out, cf_iocset *set,
                                   const cf_write_opts *wo, const cf_publish_wl *wl,
                                   const char *same_stix2, dir_index *ix, cf_error *err)
{
    cf_buf sub = CF_BUF_INIT;
    cf_status st = CF_OK;

    if (out->formats & CF_OUTFMT_STIX2) {
        cf_buf_printf(&sub, "%s/stix2", out->path);
        if (same_stix2 && dir_link_atomic(same_stix2, sub.data, "snapshot.json")) {
            dir_index_add(ix, "stix2/snapshot.json", "stix2", cf_iocset_count(set));
        } else {
            st = dir_emit(sub.data, "snapshot.json", "stix2/snapshot.json", CF_OUT_STIX2,
                          "stix2", set, wo, ix, err);
        }
    }
    if (st == CF_OK && (out->formats & CF_OUTFMT_MISP_FEED)) {
        cf_buf_reset(&sub);
        cf_buf_printf(&sub, "%s/misp", out->path);
        st = cf_write_misp_feed_dir(sub.data, set, wo, err);
        if (st == CF_OK) {
            dir_index_add(ix, "misp/manifest.json", "misp-feed", cf_iocset_count(set));
        }
    }
    if (st == CF_OK && (out->formats & CF_OUTFMT_JSONL)) {
        st = dir_emit(out->path, "iocs.jsonl", "iocs.jsonl", CF_OUT_JSONL, "jsonl", set, wo, ix,
                      err);
    }
    /* block lists last: the policy of block_only outputs withholds from them alone */
    if (st == CF_OK && wl && wl->lists && wl->block_only && wl->policy) {
        cf_iocset_retain(set, dir_wl_keep, wl->policy);
    }
    if (st == CF_OK && (out->formats & CF_OUTFMT_TEXT)) {
        st = dir_block_lists(out->path, set, wo, ix, err);
    }
    if (st == CF_OK && (out->formats & CF_OUTFMT_CSV)) {
        st = dir_emit(out->path, "iocs.csv", "iocs.csv", CF_OUT_CSV, "csv", set, wo, ix, err);
    }
    cf_buf_free(&sub);
    return st;
}

static cf_status dir_write_index(const cf_output_cfg *out, int64_t run, cf_time now,
                                 const char *fingerprint, dir_index *ix, cf_error *err)
{
    char ts[40];
    json_t *deltas = json_array();
    json_t *root;
    char *text;
    cf_buf dir = CF_BUF_INIT;
    cf_status st;

    cf_buf_printf(&dir, "%s/stix2/deltas", out->path);
    dir_prune_deltas(dir.data, out->keep_deltas, deltas);
    cf_time_format_rfc3339(ts, sizeof(ts), now);
    root = json_pack("{s:s, s:I, s:s, s:o, s:o}", "generated", ts, "run", (json_int_t)run,
                     "producer", "ctiflow", "files", json_incref(ix->files), "deltas", deltas);
    if (root && fingerprint) {
        json_object_set_new(root, "warninglists", json_string(fingerprint));
    }
    text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text) {
        cf_buf_free(&dir);
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    st = dir_write_atomic(out->path, "index.json", text, strlen(text), err);
    free(text);
    cf_buf_free(&dir);
    ix->written++;
    return st;
}

/* True when root has an index.json written with the same warning lists. */
static bool dir_has_index(const char *root, const char *fingerprint)
{
    cf_buf p = CF_BUF_INIT;
    json_t *ix;
    const char *had;
    bool ok;

    cf_buf_printf(&p, "%s/index.json", root);
    ix = json_load_file(cf_buf_str(&p), 0, NULL);
    had = json_string_value(json_object_get(ix, "warninglists"));
    ok = ix && (fingerprint ? had && !strcmp(had, fingerprint) : !had);
    json_decref(ix);
    cf_buf_free(&p);
    return ok;
}

cf_status cf_publish_dir(cf_store *store, const cf_output_cfg *out, int64_t run, cf_time now,
                         bool force, cf_publish_result *res, cf_error *err)
{
    return cf_publish_dir_wl(store, out, run, now, force, NULL, res, err);
}

cf_status cf_publish_dir_wl(cf_store *store, const cf_output_cfg *out, int64_t run, cf_time now,
                            bool force, const cf_publish_wl *wl, cf_publish_result *res,
                            cf_error *err)
{
    const char *fingerprint = wl && wl->lists ? wl->fingerprint : NULL;
    dir_loader delta, current;
    dir_index ix = {json_array(), 0};
    cf_write_opts wo;
    int64_t last = 0;
    cf_buf sub = CF_BUF_INIT, same_stix2 = CF_BUF_INIT;
    bool same;
    cf_status st;

    memset(res, 0, sizeof(*res));
    memset(&delta, 0, sizeof(delta));
    memset(&current, 0, sizeof(current));
    cf_write_opts_init(&wo);
    wo.now = now;
    wo.galaxy = wl ? wl->galaxy : NULL;
    st = dir_mkdir(out->path, err);
    if (st == CF_OK) {
        dir_sweep_tmp(out->path);
        st = cf_store_output_last_run(store, out->name, &last, err);
    }
    if (st == CF_OK) {
        st = dir_load(store, last, out->max_tlp, wl, &delta, err);
    }
    if (st != CF_OK) {
        goto out;
    }
    res->delta = delta.rows;
    res->revoked = delta.n_revoked;
    if (delta.rows == 0 && !force && dir_has_index(out->path, fingerprint)) {
        res->skipped = true;
        st = cf_store_output_done(store, out->name, run, now, err);
        goto out;
    }
    /*
     * A first publish with nothing expired: the delta holds every current IOC
     * (same rows, same filters), so it is the snapshot set too, read once,
     * and the snapshot bundle is the delta bundle's bytes.
     */
    same = last == 0 && delta.expired == 0;
    cf_buf_printf(&sub, "%s/stix2", out->path);
    st = (out->formats & CF_OUTFMT_STIX2) ? dir_mkdir(sub.data, err) : CF_OK;
    if (st == CF_OK && (out->formats & CF_OUTFMT_STIX2) && delta.rows) {
        st = dir_write_delta(out, &delta, run, now, &wo, &ix, err);
        if (st == CF_OK && same) {
            cf_buf_printf(&same_stix2, "%s/stix2/deltas/delta-%08lld.json", out->path,
                          (long long)run);
        }
    }
    if (same) {
        current = delta;
        memset(&delta, 0, sizeof(delta));
    } else {
        dir_loader_fini(&delta);
        memset(&delta, 0, sizeof(delta));
        /* the withheld counts are those of the snapshot, not of the delta */
        if (wl) {
            cf_wl_policy_reset(wl->policy);
        }
        if (st == CF_OK) {
            st = dir_load(store, -1, out->max_tlp, wl, &current, err);
        }
    }
    if (st == CF_OK) {
        res->current = current.rows;
        st = dir_write_current(out, current.set, &wo, wl,
                               same_stix2.len ? cf_buf_str(&same_stix2) : NULL, &ix, err);
    }
    if (st == CF_OK) {
        st = dir_write_index(out, run, now, fingerprint, &ix, err);
    }
    for (size_t i = 0; st == CF_OK && i < json_array_size(ix.files); i++) {
        json_t *e = json_array_get(ix.files, i);
        st = cf_store_published(store, out->name, run, now,
                                json_string_value(json_object_get(e, "format")),
                                json_string_value(json_object_get(e, "path")),
                                json_integer_value(json_object_get(e, "count")), err);
    }
    if (st == CF_OK) {
        st = cf_store_output_done(store, out->name, run, now, err);
    }
    res->files = ix.written;

out:
    dir_loader_fini(&delta);
    dir_loader_fini(&current);
    json_decref(ix.files);
    cf_buf_free(&sub);
    cf_buf_free(&same_stix2);
    return st;
}
