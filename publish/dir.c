/*
 * Publishing the store to a directory (cf_publish_dir in run.h).
 *
 * DESIGN
 * The output's cursor in the store says which run it last published. The
 * IOCs modified since then (new, changed, expired) make the delta bundle,
 * the IOCs not expired every other file. Rows are read from the store in
 * (type, value) order a chunk at a time (DIR_CHUNK IOCs in a set) and each
 * chunk is appended to every file open for the pass, so memory is bounded
 * by a chunk, not by the store; the STIX bundles are written through
 * cf_stix2_stream (expired IOCs' indicators come out revoked), CSV writes
 * its header once, and a block list asks the store whether a file IOC's
 * digest is listed on its own in another chunk. A full chunk is taken from
 * the loader: its STIX bundles, and its MISP feed and JSONL, are written on
 * two threads of their own while its block lists and CSV are written here
 * and the loader reads the next chunk (every writer only reads the chunk's
 * set; the store is only asked from this thread); the next chunk, or the
 * end of the pass, waits for them, so at most two chunks are held. Every
 * file's writeback is started each 8 MiB (wr_writeback), so the disk works
 * while the rest renders and the final fsync waits for little. The MISP
 * feed writer (cf_misp_feed) groups each chunk into one event per feed and
 * keeps the attributes in a temporary file until the pass ends, when it
 * writes the event files (on two threads), hashes.csv and the manifest.
 * Each file is written under a hidden temporary name in its final
 * directory, fsynced and renamed when complete, so a reader (or a crash)
 * never sees a partial file; each directory is synced once, after its
 * files and before index.json. Layout:
 *   stix2/deltas/delta-<run>.json  what changed in that run (revoked ones
 *                                  carry "revoked": true)
 *   stix2/snapshot.json            every current IOC
 *   misp/                          MISP feed directory
 *   lists/<type>.txt               plain block lists, one per IOC type
 *   iocs.csv, iocs.jsonl           when configured
 *   index.json                     what was written, written last
 * The first publish of an output with nothing expired reads the store once:
 * its delta is every current IOC, so one pass writes the delta and every
 * current file, and the snapshot is a hard link to the delta bundle (same
 * bytes, rendered once; copied where links are not possible).
 * Old delta bundles beyond keep_deltas are removed; temporary files left by
 * an interrupted run are removed on the next publish, and so are delta
 * bundles no completed publish recorded (neither the store's published rows
 * of the output nor the current index.json name them): a run killed between
 * renaming its delta into place and writing index.json leaves one.
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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctiflow/buf.h"
#include "ctiflow/normalize.h"
#include "ctiflow/stix.h"
#include "ctiflow/writer.h"
#include "wr_util.h"

#define DIR_MAX_LIST_ITEMS 64

/* Which IOC types get a block list of their own. */
static const cf_ioc_type dir_list_types[] = {
    CF_IOC_IP,     CF_IOC_CIDR,   CF_IOC_DOMAIN, CF_IOC_URL,       CF_IOC_EMAIL,
    CF_IOC_MD5,    CF_IOC_SHA1,   CF_IOC_SHA256, CF_IOC_SHA512,    CF_IOC_ENDPOINT,
    CF_IOC_ASN,    CF_IOC_JA3,    CF_IOC_X509_SHA1,
};

/* An expired IOC of the chunk being read: its indicator is written revoked. */
typedef struct dir_key {
    cf_ioc_type type;
    char *value;
} dir_key;

struct dir_loader;

/* Takes a chunk of rows read into l->set; the loader then starts a new set. */
typedef cf_status (*dir_chunk_fn)(void *ctx, struct dir_loader *l);

/* Reading store rows into an IOC set, a chunk at a time. */
typedef struct dir_loader {
    cf_iocset *set;
    cf_norm norm;
    dir_key *revoked;     /* expired IOCs of the chunk */
    size_t n_revoked, cap_revoked;
    uint64_t rows;        /* rows read, all chunks */
    uint64_t expired;     /* rows of expired IOCs, all chunks */
    bool strip_wl;        /* drop stored warninglist labels (matched again) */
    size_t limit;         /* IOCs per chunk; 0 = one chunk */
    dir_chunk_fn chunk;
    void *chunk_ctx;
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

static cf_status dir_add_revoked(dir_loader *l, const cf_store_row *r)
{
    if (l->n_revoked == l->cap_revoked) {
        size_t cap = l->cap_revoked ? l->cap_revoked * 2 : 64;
        dir_key *grown = realloc(l->revoked, cap * sizeof(*grown));
        if (!grown) {
            return CF_ENOMEM;
        }
        l->revoked = grown;
        l->cap_revoked = cap;
    }
    l->revoked[l->n_revoked].type = r->type;
    l->revoked[l->n_revoked].value = cf_strdup(r->value);
    if (!l->revoked[l->n_revoked].value) {
        return CF_ENOMEM;
    }
    l->n_revoked++;
    return CF_OK;
}

static int dir_key_cmp(const void *a, const void *b)
{
    const dir_key *x = a, *y = b;

    if (x->type != y->type) {
        return x->type < y->type ? -1 : 1;
    }
    return strcmp(x->value, y->value);
}

/* A chunk taken from the loader: its set and its expired IOCs (sorted), owned. */
typedef struct dir_chunkref {
    cf_iocset *set;
    dir_key *revoked;
    size_t n_revoked;
} dir_chunkref;

/* For the STIX writer: is ioc one of the chunk's expired IOCs? */
static bool dir_is_revoked(void *ctx, const cf_ioc *ioc)
{
    const dir_chunkref *c = ctx;
    dir_key key = {ioc->type, ioc->value};

    return c->n_revoked &&
           bsearch(&key, c->revoked, c->n_revoked, sizeof(*c->revoked), dir_key_cmp);
}

static void dir_free_keys(dir_key *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(keys[i].value);
    }
}

static void dir_clear_revoked(dir_loader *l)
{
    dir_free_keys(l->revoked, l->n_revoked);
    l->n_revoked = 0;
}

/* Free what c holds; c is then empty. */
static void dir_chunkref_free(dir_chunkref *c)
{
    cf_iocset_free(c->set);
    dir_free_keys(c->revoked, c->n_revoked);
    free(c->revoked);
    memset(c, 0, sizeof(*c));
}

/* Move the chunk read into l to c (empty): l keeps no set and no expired IOCs. */
static void dir_take_chunk(dir_chunkref *c, dir_loader *l)
{
    c->set = l->set;
    c->revoked = l->revoked;
    c->n_revoked = l->n_revoked;
    l->set = NULL;
    l->revoked = NULL;
    l->n_revoked = l->cap_revoked = 0;
}

/* Hand the chunk read so far to l->chunk (which may take it), then start an empty one. */
static cf_status dir_flush_chunk(dir_loader *l)
{
    cf_status st;

    if (l->n_revoked) {
        qsort(l->revoked, l->n_revoked, sizeof(*l->revoked), dir_key_cmp);
    }
    st = l->chunk(l->chunk_ctx, l);
    dir_clear_revoked(l);
    cf_iocset_free(l->set);
    l->set = st == CF_OK ? cf_iocset_new() : NULL;
    if (st == CF_OK && !l->set) {
        st = CF_ENOMEM;
    }
    return st;
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
        st = dir_add_revoked(l, r);
    }
    l->rows++;
    if (st == CF_OK && l->limit && cf_iocset_count(l->set) >= l->limit) {
        st = dir_flush_chunk(l);
    }

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
    dir_clear_revoked(l);
    free(l->revoked);
    memset(l, 0, sizeof(*l));
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

/*
 * Sync the directories the streamed files were renamed into, once each
 * after all of them, before index.json (whose own write syncs the output
 * directory); the MISP feed directory syncs itself.
 */
static void dir_sync_dirs(const char *root)
{
    static const char *const subs[] = {"stix2/deltas", "stix2", "lists"};
    cf_buf p = CF_BUF_INIT;

    for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++) {
        cf_buf_reset(&p);
        if (cf_buf_printf(&p, "%s/%s", root, subs[i]) == CF_OK) {
            dir_fsync_dir(cf_buf_str(&p));
        }
    }
    cf_buf_free(&p);
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

/* Counts the lines passing through a stream to the file, and starts their writeback. */
typedef struct dir_sink {
    FILE *fp;             /* unbuffered: what the sink is given reaches the file */
    uint64_t lines;
    uint64_t written;     /* bytes written */
    wr_wb wb;             /* their writeback */
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
    if (fwrite(data, 1, len, k->fp) != len) {
        return -1;
    }
    k->written += len;
    wr_writeback(fileno(k->fp), &k->wb, k->written);
    return (ssize_t)len;
}

/*
 * A file streamed into dir/name atomically: the writers' output passes
 * through a line-counting stream into a hidden temporary file, which is
 * fsynced and renamed when it is complete. Nothing is held in memory
 * whatever the size of the file.
 */
typedef struct dir_file {
    cf_buf dir, tmp, dst;
    dir_sink sink;
    FILE *out;
    uint64_t count;       /* IOCs written, as the index lists them */
} dir_file;

static cf_status dir_file_open(dir_file *f, const char *dir, const char *name, cf_error *err)
{
    static const cookie_io_functions_t io = {NULL, dir_sink_write, NULL, NULL};

    memset(f, 0, sizeof(*f));
    cf_buf_puts(&f->dir, dir);
    cf_buf_printf(&f->tmp, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
    if (cf_buf_printf(&f->dst, "%s/%s", dir, name) != CF_OK) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    f->sink.fp = fopen(cf_buf_str(&f->tmp), "wb");
    if (f->sink.fp) {
        setvbuf(f->sink.fp, NULL, _IONBF, 0);
    }
    f->out = f->sink.fp ? fopencookie(&f->sink, "w", io) : NULL;
    if (!f->out) {
        return cf_error_set(err, CF_EIO, cf_buf_str(&f->dst), 0, "cannot write: %s",
                            strerror(errno));
    }
    setvbuf(f->out, NULL, _IOFBF, 1 << 20);
    return CF_OK;
}

/*
 * Finish f: with st CF_OK, flush, fsync and rename it into place (its
 * directory is synced once for all its files, dir_sync_dirs); otherwise
 * remove the temporary file. Returns st, or the error of the commit.
 */
static cf_status dir_file_close(dir_file *f, cf_status st, cf_error *err)
{
    const char *dst = cf_buf_str(&f->dst);

    if (f->out && fclose(f->out) != 0 && st == CF_OK) {
        st = cf_error_set(err, CF_EIO, dst, 0, "cannot write: %s", strerror(errno));
    }
    f->out = NULL;
    if (f->sink.fp && st == CF_OK &&
        (fflush(f->sink.fp) != 0 || fsync(fileno(f->sink.fp)) != 0)) {
        st = cf_error_set(err, CF_EIO, dst, 0, "cannot write: %s", strerror(errno));
    }
    if (f->sink.fp && fclose(f->sink.fp) != 0 && st == CF_OK) {
        st = cf_error_set(err, CF_EIO, dst, 0, "cannot write: %s", strerror(errno));
    }
    if (f->sink.fp && st == CF_OK && rename(cf_buf_str(&f->tmp), dst) != 0) {
        st = cf_error_set(err, CF_EIO, dst, 0, "cannot rename: %s", strerror(errno));
    }
    if (!(f->sink.fp && st == CF_OK) && f->tmp.len) {
        unlink(cf_buf_str(&f->tmp));
    }
    f->sink.fp = NULL;
    cf_buf_free(&f->dir);
    cf_buf_free(&f->tmp);
    cf_buf_free(&f->dst);
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
    cf_buf_free(&tmp);
    cf_buf_free(&dst);
    return ok;
}

static int dir_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Copy the file src to dir/name atomically (when it cannot be linked). */
static cf_status dir_copy_atomic(const char *src, const char *dir, const char *name,
                                 cf_error *err)
{
    FILE *in = fopen(src, "rb");
    dir_file f;
    char block[65536];
    size_t n;
    cf_status st;

    if (!in) {
        return cf_error_set(err, CF_EIO, src, 0, "cannot read: %s", strerror(errno));
    }
    st = dir_file_open(&f, dir, name, err);
    while (st == CF_OK && (n = fread(block, 1, sizeof(block), in)) > 0) {
        if (fwrite(block, 1, n, f.out) != n) {
            st = cf_error_set(err, CF_EIO, name, 0, "cannot write: %s", strerror(errno));
        }
    }
    if (st == CF_OK && ferror(in)) {
        st = cf_error_set(err, CF_EIO, src, 0, "cannot read: %s", strerror(errno));
    }
    fclose(in);
    return dir_file_close(&f, st, err);
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

/*
 * Remove the temporary files an interrupted publish left in dir and in the
 * directories below it (stix2/, stix2/deltas/, misp/, ...): a run killed in
 * any writer leaves its ".NAME.tmp.PID" where that writer works, and the next
 * run may publish nothing there. Symbolic links are not followed; depth is the
 * number of levels still to enter.
 */
static void dir_sweep_tmp(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat sb;
    cf_buf p = CF_BUF_INIT;

    if (!d) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
            continue;
        }
        cf_buf_reset(&p);
        cf_buf_printf(&p, "%s/%s", dir, e->d_name);
        if (lstat(cf_buf_str(&p), &sb) != 0) {
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            if (depth > 0) {
                dir_sweep_tmp(cf_buf_str(&p), depth - 1);
            }
        } else if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp.")) {
            unlink(cf_buf_str(&p));
        }
    }
    closedir(d);
    cf_buf_free(&p);
}

/* Free names[0..n) and names. */
static void dir_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

/*
 * The delta bundles in dir (delta-*.json), sorted, into *out (owned:
 * dir_names_free); returns their number. A name that cannot be held is
 * left out, as is every bundle when dir cannot be read.
 */
static size_t dir_list_deltas(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;

    *out = NULL;
    if (!d) {
        return 0;
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
        names[n] = cf_strdup(e->d_name);
        if (names[n]) {
            n++;
        }
    }
    closedir(d);
    if (names) {
        qsort(names, n, sizeof(*names), dir_str_cmp);
    }
    *out = names;
    return n;
}

/* Keep the newest keep delta bundles; list the kept ones in the index. */
static void dir_prune_deltas(const char *dir, int keep, json_t *list)
{
    char **names = NULL;
    size_t n = dir_list_deltas(dir, &names);
    cf_buf p = CF_BUF_INIT;

    for (size_t i = 0; i < n; i++) {
        cf_buf_reset(&p);
        if (n - i > (size_t)keep) {
            cf_buf_printf(&p, "%s/%s", dir, names[i]);
            unlink(p.data);
        } else {
            cf_buf_printf(&p, "stix2/deltas/%s", names[i]);
            json_array_append_new(list, json_string(p.data));
        }
    }
    dir_names_free(names, n);
    cf_buf_free(&p);
}

/* The run id of a delta bundle named as a publish names it ("delta-%08lld.json"), or 0. */
static int64_t dir_delta_run(const char *name)
{
    const char *digits = name + 6;
    size_t n = strspn(digits, "0123456789");

    if (n < 8 || n > 18 || strcmp(digits + n, ".json") != 0) {
        return 0;
    }
    return strtoll(digits, NULL, 10);
}

/* True when the index ix lists path among its deltas or its files. */
static bool dir_index_lists(const json_t *ix, const char *path)
{
    const json_t *deltas = json_object_get(ix, "deltas");
    const json_t *files = json_object_get(ix, "files");

    for (size_t i = 0; i < json_array_size(deltas); i++) {
        const char *listed = json_string_value(json_array_get(deltas, i));
        if (listed && !strcmp(listed, path)) {
            return true;
        }
    }
    for (size_t i = 0; i < json_array_size(files); i++) {
        const char *listed = json_string_value(json_object_get(json_array_get(files, i), "path"));
        if (listed && !strcmp(listed, path)) {
            return true;
        }
    }
    return false;
}

/* Add path to the names res reports removed. */
static cf_status dir_report_removed(cf_publish_result *res, const char *path)
{
    char **grown = realloc(res->removed, (res->n_removed + 1) * sizeof(*grown));

    if (!grown) {
        return CF_ENOMEM;
    }
    res->removed = grown;
    res->removed[res->n_removed] = cf_strdup(path);
    if (!res->removed[res->n_removed]) {
        return CF_ENOMEM;
    }
    res->n_removed++;
    return CF_OK;
}

/*
 * Remove the delta bundles of the output that no completed publish
 * recorded. A run killed after its delta was renamed into place, but
 * before index.json and the store's rows were written, leaves a bundle
 * whose changes the next run publishes again under its own run id; a
 * consumer mirroring the directory would apply them twice. A bundle is
 * kept when the store has it among the output's published files of its run
 * or the current index.json lists it (an output whose store was made anew
 * or renamed). Bundles not named as a publish names them are left to
 * dir_prune_deltas. Each one removed is reported in res.
 */
static cf_status dir_sweep_deltas(cf_store *store, const cf_output_cfg *out, const json_t *ix,
                                  cf_publish_result *res, cf_error *err)
{
    cf_buf dir = CF_BUF_INIT, p = CF_BUF_INIT, rel = CF_BUF_INIT;
    char **names = NULL;
    size_t n;
    bool removed = false;
    cf_status st = CF_OK;

    cf_buf_printf(&dir, "%s/stix2/deltas", out->path);
    n = dir_list_deltas(cf_buf_str(&dir), &names);

    for (size_t i = 0; st == CF_OK && i < n; i++) {
        int64_t run = dir_delta_run(names[i]);
        bool recorded = false;
        if (run <= 0) {
            continue;
        }
        cf_buf_reset(&rel);
        cf_buf_printf(&rel, "stix2/deltas/%s", names[i]);
        st = cf_store_published_has(store, out->name, run, cf_buf_str(&rel), &recorded, err);
        if (st != CF_OK || recorded || dir_index_lists(ix, cf_buf_str(&rel))) {
            continue;
        }
        cf_buf_reset(&p);
        cf_buf_printf(&p, "%s/%s", cf_buf_str(&dir), names[i]);
        if (unlink(cf_buf_str(&p)) != 0) {
            continue; /* left for the next publish */
        }
        removed = true;
        st = dir_report_removed(res, cf_buf_str(&rel));
        if (st != CF_OK) {
            cf_error_set(err, st, NULL, 0, "out of memory");
        }
    }
    if (removed) {
        dir_fsync_dir(cf_buf_str(&dir));
    }

    dir_names_free(names, n);
    cf_buf_free(&dir);
    cf_buf_free(&p);
    cf_buf_free(&rel);
    return st;
}

/*
 * A publish killed after index.json was renamed into place but before the
 * store recorded it left every file of its run complete: index.json names
 * that run and its time. When the store has that run, started at that
 * time, and the output's cursor (*last) is behind it, the publish is
 * recorded now (its files as index.json lists them, the cursor moved to
 * it), so this run's delta holds what changed after it instead of
 * repeating it. An index.json of another store (its run unknown here, or
 * started at another time) is left alone.
 */
static cf_status dir_settle_index(cf_store *store, const cf_output_cfg *out, const json_t *ix,
                                  int64_t run, int64_t *last, cf_error *err)
{
    cf_status st = CF_OK;
    json_t *jr = json_object_get(ix, "run"), *files = json_object_get(ix, "files");
    const char *gen = json_string_value(json_object_get(ix, "generated"));
    int64_t r = json_is_integer(jr) ? (int64_t)json_integer_value(jr) : 0;
    cf_time t = CF_TIME_NONE, started = CF_TIME_NONE;

    if (r <= *last || r >= run || !gen || !json_is_array(files) ||
        cf_time_parse(&t, gen, strlen(gen)) != CF_OK) {
        return CF_OK;
    }
    st = cf_store_run_started(store, r, &started, err);
    if (st == CF_OK && started == t) {
        for (size_t i = 0; st == CF_OK && i < json_array_size(files); i++) {
            json_t *e = json_array_get(files, i);
            const char *kind = json_string_value(json_object_get(e, "format"));
            const char *path = json_string_value(json_object_get(e, "path"));
            bool had = false;
            if (!kind || !path) {
                continue;
            }
            st = cf_store_published_has(store, out->name, r, path, &had, err);
            if (st == CF_OK && !had) {
                st = cf_store_published(store, out->name, r, t, kind, path,
                                        json_integer_value(json_object_get(e, "count")), err);
            }
        }
        if (st == CF_OK) {
            st = cf_store_output_done(store, out->name, r, t, err);
        }
        if (st == CF_OK) {
            *last = r;
        }
    }
    return st;
}

void cf_publish_result_free(cf_publish_result *res)
{
    if (!res) {
        return;
    }
    dir_names_free(res->removed, res->n_removed);
    res->removed = NULL;
    res->n_removed = 0;
}

static bool dir_wl_keep(void *ctx, cf_ioc *ioc)
{
    return !cf_wl_policy_withholds_labels(ctx, ioc->labels, ioc->n_labels, NULL);
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

/* The output's index.json as the last publish left it (NULL when there is none). */
static json_t *dir_load_index(const char *root)
{
    cf_buf p = CF_BUF_INIT;
    cf_buf_printf(&p, "%s/index.json", root);
    json_t *ix = json_load_file(cf_buf_str(&p), 0, NULL);
    cf_buf_free(&p);
    return ix;
}

/* True when ix (the output's index.json) was written with the same warning lists. */
static bool dir_has_index(const json_t *ix, const char *fingerprint)
{
    const char *had = json_string_value(json_object_get(ix, "warninglists"));
    return ix && (fingerprint ? had && !strcmp(had, fingerprint) : !had);
}

cf_status cf_publish_dir(cf_store *store, const cf_output_cfg *out, int64_t run, cf_time now,
                         bool force, cf_publish_result *res, cf_error *err)
{
    return cf_publish_dir_wl(store, out, run, now, force, NULL, res, err);
}

/* Rows read per chunk when streaming. */
#define DIR_CHUNK 100000
#define DIR_N_LISTS (sizeof(dir_list_types) / sizeof(*dir_list_types))

/*
 * A share of a chunk's files written on a thread of its own: the STIX
 * bundles, or the MISP feed and JSONL. Every writer only reads the set and
 * each has its own files, so the shares need no lock; each keeps its error
 * until it is joined.
 */
typedef struct dir_part {
    struct dir_pub *p;
    const dir_chunkref *c;
    size_t n;                  /* IOCs of the chunk */
    pthread_t thread;
    bool running;
    cf_status st;
    cf_error err;
} dir_part;

/* The files of one publish, open while the store's rows stream into them. */
typedef struct dir_pub {
    const cf_output_cfg *out;
    const cf_publish_wl *wl;
    cf_store *store;
    cf_write_opts wo;
    bool revoked;              /* the pass marks expired IOCs revoked */
    cf_stix2_stream *delta_s;  /* the delta bundle, when written in this pass */
    dir_file delta;
    bool link_snap;            /* the snapshot is to be a link to the delta bundle */
    cf_stix2_stream *snap_s;   /* the snapshot bundle, when written in this pass */
    dir_file snap;
    bool misp, jsonl_on, csv_on, lists_on;
    cf_misp_feed *misp_w;      /* the MISP feed directory, written when the pass ends */
    uint64_t misp_count;
    dir_file jsonl, csv;
    dir_file lists[DIR_N_LISTS];
    dir_chunkref cur;          /* the chunk in writing, taken from the loader */
    dir_part stix_part, feed_part; /* its shares on threads of their own */
    cf_error *err;
} dir_pub;

/* For the block lists of a chunk: is the digest of a file IOC current on its own? */
static bool dir_listed_alone(void *ctx, cf_ioc_type type, const char *value)
{
    const dir_pub *p = ctx;
    return cf_store_is_current(p->store, type, value, p->out->max_tlp);
}

/* A writer's error names no file: name the one of f it was writing. */
static cf_status dir_named(cf_status st, const dir_file *f, cf_error *err)
{
    if (st != CF_OK && err && !err->source[0]) {
        snprintf(err->source, sizeof err->source, "%s", cf_buf_str(&f->dst));
    }
    return st;
}

static void *dir_stix_write(void *arg)
{
    dir_part *w = arg;
    dir_pub *p = w->p;
    const dir_chunkref *c = w->c;

    w->st = CF_OK;
    if (p->delta_s) {
        w->st = cf_stix2_stream_add(p->delta_s, c->set, p->revoked ? dir_is_revoked : NULL,
                                    (void *)c, &w->err);
        w->st = dir_named(w->st, &p->delta, &w->err);
        p->delta.count += w->n;
    }
    if (w->st == CF_OK && p->snap_s) {
        w->st = cf_stix2_stream_add(p->snap_s, c->set, NULL, NULL, &w->err);
        w->st = dir_named(w->st, &p->snap, &w->err);
        p->snap.count += w->n;
    }
    return NULL;
}

static void *dir_feed_write(void *arg)
{
    dir_part *w = arg;
    dir_pub *p = w->p;

    w->st = CF_OK;
    if (p->misp) {
        w->st = cf_misp_feed_add(p->misp_w, w->c->set, &w->err);
        p->misp_count += w->n;
    }
    if (w->st == CF_OK && p->jsonl_on) {
        w->st = dir_named(cf_write_jsonl(p->jsonl.out, w->c->set, &p->wo, &w->err), &p->jsonl,
                          &w->err);
        p->jsonl.count += w->n;
    }
    return NULL;
}

/* Start a share of chunk c: on its thread, or here when none can be started. */
static void dir_part_start(dir_part *w, dir_pub *p, const dir_chunkref *c, size_t n,
                           void *(*write)(void *arg), bool any)
{
    memset(w, 0, sizeof(*w));
    w->p = p;
    w->c = c;
    w->n = n;
    cf_error_clear(&w->err);
    if (!any) {
        return;
    }
    w->running = pthread_create(&w->thread, NULL, write, w) == 0;
    if (!w->running) {
        write(w);
    }
}

/* Wait for a share; st, or the share's error when st is CF_OK (into p->err). */
static cf_status dir_part_join(dir_part *w, cf_status st)
{
    if (w->running) {
        pthread_join(w->thread, NULL);
        w->running = false;
    }
    if (st == CF_OK && w->st != CF_OK) {
        *w->p->err = w->err;
        st = w->st;
    }
    w->st = CF_OK;
    return st;
}

/* Wait for the shares of the chunk in writing and free it; st or their error. */
static cf_status dir_chunk_wait(dir_pub *p, cf_status st)
{
    st = dir_part_join(&p->stix_part, st);
    st = dir_part_join(&p->feed_part, st);
    dir_chunkref_free(&p->cur);
    return st;
}

/*
 * Write one chunk of rows into every file of the pass: the chunk before it
 * is waited for, this one is taken from the loader, its STIX bundles and
 * its MISP feed and JSONL start on threads of their own, and its block
 * lists and CSV are written here. The shares are left running: the loader
 * reads the next chunk meanwhile, and the next chunk (or the end of the
 * pass) waits for them.
 */
static cf_status dir_chunk(void *ctx, dir_loader *l)
{
    dir_pub *p = ctx;
    const cf_publish_wl *wl = p->wl;
    cf_status st = dir_chunk_wait(p, CF_OK);

    if (st != CF_OK) {
        return st;
    }
    dir_take_chunk(&p->cur, l);
    cf_iocset *set = p->cur.set;
    size_t n = cf_iocset_count(set);
    if (wl && wl->lists) {
        /* label with the current lists; withhold from every file unless block_only */
        st = cf_wl_apply(wl->lists, wl->block_only ? NULL : wl->policy, set, NULL);
        if (st != CF_OK) {
            return cf_error_set(p->err, st, NULL, 0, "out of memory");
        }
        n = cf_iocset_count(set);
    }
    dir_part_start(&p->stix_part, p, &p->cur, n, dir_stix_write, p->delta_s || p->snap_s);
    dir_part_start(&p->feed_part, p, &p->cur, n, dir_feed_write, p->misp || p->jsonl_on);
    /* block lists and CSV last: the policy of block_only outputs withholds from them alone */
    if ((p->lists_on || p->csv_on) && wl && wl->lists && wl->block_only && wl->policy) {
        /* the set changes: the other writers must be done with it */
        st = dir_part_join(&p->stix_part, st);
        st = dir_part_join(&p->feed_part, st);
        if (st == CF_OK) {
            cf_iocset_retain(set, dir_wl_keep, wl->policy);
        }
    }
    for (size_t i = 0; st == CF_OK && p->lists_on && i < DIR_N_LISTS; i++) {
        cf_write_opts wo = p->wo;
        wo.only_type = dir_list_types[i];
        wo.listed_alone = dir_listed_alone;
        wo.listed_ctx = p;
        st = dir_named(cf_write_text(p->lists[i].out, set, &wo, p->err), &p->lists[i], p->err);
    }
    if (st == CF_OK && p->csv_on) {
        cf_write_opts wo = p->wo;
        wo.continued = p->csv.sink.lines > 0; /* the header is written */
        st = dir_named(cf_write_csv(p->csv.out, set, &wo, p->err), &p->csv, p->err);
        p->csv.count += cf_iocset_count(set);
    }
    return st;
}

/* Open the snapshot bundle when snapshot, and when others the other current files. */
static cf_status dir_open_current(dir_pub *p, bool snapshot, bool others, cf_error *err)
{
    const cf_output_cfg *out = p->out;
    cf_buf sub = CF_BUF_INIT;
    cf_status st = CF_OK;

    if (snapshot) {
        cf_buf_printf(&sub, "%s/stix2", out->path);
        st = dir_file_open(&p->snap, cf_buf_str(&sub), "snapshot.json", err);
        if (st == CF_OK) {
            st = cf_stix2_stream_open(&p->snap_s, p->snap.out, &p->wo, err);
        }
    }
    if (!others) {
        cf_buf_free(&sub);
        return st;
    }
    p->misp = (out->formats & CF_OUTFMT_MISP_FEED) != 0;
    if (st == CF_OK && p->misp) {
        cf_buf_reset(&sub);
        cf_buf_printf(&sub, "%s/misp", out->path);
        st = cf_misp_feed_open(&p->misp_w, cf_buf_str(&sub), &p->wo, err);
    }
    if (st == CF_OK && (out->formats & CF_OUTFMT_JSONL)) {
        p->jsonl_on = true;
        st = dir_file_open(&p->jsonl, out->path, "iocs.jsonl", err);
    }
    if (st == CF_OK && (out->formats & CF_OUTFMT_TEXT)) {
        cf_buf_reset(&sub);
        cf_buf_printf(&sub, "%s/lists", out->path);
        p->lists_on = true;
        st = dir_mkdir(cf_buf_str(&sub), err);
        for (size_t i = 0; st == CF_OK && i < DIR_N_LISTS; i++) {
            char name[64];
            snprintf(name, sizeof(name), "%s.txt", cf_ioc_type_name(dir_list_types[i]));
            st = dir_file_open(&p->lists[i], cf_buf_str(&sub), name, err);
        }
    }
    if (st == CF_OK && (out->formats & CF_OUTFMT_CSV)) {
        p->csv_on = true;
        st = dir_file_open(&p->csv, out->path, "iocs.csv", err);
    }
    cf_buf_free(&sub);
    return st;
}

/*
 * Close every file of p: with st CF_OK their bundles are finished and they
 * are renamed into place, in the order of the index (delta, snapshot,
 * MISP feed, JSONL, block lists, CSV), each then listed in ix; otherwise
 * the temporary files are removed. Returns st or the first error.
 */
static cf_status dir_close_all(dir_pub *p, cf_status st, dir_index *ix, cf_error *err)
{
    char rel[128];

    if (p->delta_s) {
        /* close frees the stream whatever it returns */
        if (st == CF_OK) {
            st = dir_named(cf_stix2_stream_close(p->delta_s, err), &p->delta, err);
        } else {
            cf_stix2_stream_free(p->delta_s);
        }
        p->delta_s = NULL;
    }
    if (p->delta.dst.len) {
        const char *name = strrchr(cf_buf_str(&p->delta.dst), '/') + 1;
        uint64_t count = p->delta.count;
        snprintf(rel, sizeof(rel), "stix2/deltas/%s", name);
        cf_buf src = CF_BUF_INIT, dir = CF_BUF_INIT;
        cf_buf_puts(&src, cf_buf_str(&p->delta.dst));
        cf_buf_printf(&dir, "%s/stix2", p->out->path);
        st = dir_file_close(&p->delta, st, err);
        if (st == CF_OK) {
            dir_index_add(ix, rel, "stix2-delta", count);
        }
        if (st == CF_OK && p->link_snap) {
            if (dir_link_atomic(cf_buf_str(&src), cf_buf_str(&dir), "snapshot.json")) {
                dir_index_add(ix, "stix2/snapshot.json", "stix2", count);
            } else {
                /* no hard links here: the same bytes copied */
                st = dir_copy_atomic(cf_buf_str(&src), cf_buf_str(&dir), "snapshot.json", err);
                if (st == CF_OK) {
                    dir_index_add(ix, "stix2/snapshot.json", "stix2", count);
                }
            }
        }
        cf_buf_free(&src);
        cf_buf_free(&dir);
    }
    if (p->snap_s) {
        /* close frees the stream whatever it returns */
        if (st == CF_OK) {
            st = dir_named(cf_stix2_stream_close(p->snap_s, err), &p->snap, err);
        } else {
            cf_stix2_stream_free(p->snap_s);
        }
        p->snap_s = NULL;
    }
    if (p->snap.dst.len) {
        uint64_t count = p->snap.count;
        st = dir_file_close(&p->snap, st, err);
        if (st == CF_OK) {
            dir_index_add(ix, "stix2/snapshot.json", "stix2", count);
        }
    }
    if (p->misp_w) {
        if (st == CF_OK) {
            st = cf_misp_feed_close(p->misp_w, err);
        } else {
            cf_misp_feed_free(p->misp_w);
        }
        p->misp_w = NULL;
    }
    if (st == CF_OK && p->misp) {
        dir_index_add(ix, "misp/manifest.json", "misp-feed", p->misp_count);
    }
    if (p->jsonl_on) {
        uint64_t count = p->jsonl.count;
        st = dir_file_close(&p->jsonl, st, err);
        if (st == CF_OK) {
            dir_index_add(ix, "iocs.jsonl", "jsonl", count);
        }
    }
    for (size_t i = 0; p->lists_on && i < DIR_N_LISTS; i++) {
        uint64_t lines = p->lists[i].sink.lines;
        snprintf(rel, sizeof(rel), "lists/%s.txt", cf_ioc_type_name(dir_list_types[i]));
        st = dir_file_close(&p->lists[i], st, err);
        if (st == CF_OK) {
            dir_index_add(ix, rel, "text", lines);
        }
    }
    if (p->csv_on) {
        uint64_t count = p->csv.count;
        if (st == CF_OK && p->csv.sink.lines == 0) {
            /* no row: the header alone */
            cf_write_opts wo = p->wo;
            cf_iocset *none = cf_iocset_new();
            st = none ? cf_write_csv(p->csv.out, none, &wo, err) : CF_ENOMEM;
            cf_iocset_free(none);
        }
        st = dir_file_close(&p->csv, st, err);
        if (st == CF_OK) {
            dir_index_add(ix, "iocs.csv", "csv", count);
        }
    }
    p->lists_on = p->jsonl_on = p->csv_on = p->misp = false;
    return st;
}

/* IOCs per chunk: DIR_CHUNK, or CTIFLOW_PUBLISH_CHUNK when set (for tests). */
static size_t dir_chunk_size(void)
{
    const char *env = getenv("CTIFLOW_PUBLISH_CHUNK");
    long n = env ? strtol(env, NULL, 10) : 0;

    return n > 0 ? (size_t)n : DIR_CHUNK;
}

/*
 * One pass over the store's rows (cf_store_each since), a chunk at a time,
 * into the files open in p.
 */
static cf_status dir_pass(dir_pub *p, int64_t since, dir_loader *l, cf_error *err)
{
    cf_norm init = CF_NORM_INIT;
    cf_status st;

    memset(l, 0, sizeof(*l));
    l->norm = init;
    l->strip_wl = p->wl && p->wl->lists;
    l->limit = dir_chunk_size();
    l->chunk = dir_chunk;
    l->chunk_ctx = p;
    l->set = cf_iocset_new();
    if (!l->set) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    st = cf_store_each(p->store, since, p->out->max_tlp, dir_load_row, l, err);
    if (st == CF_OK) {
        st = dir_flush_chunk(l);
    }
    /* the last chunk's shares are still writing */
    st = dir_chunk_wait(p, st);
    if (st == CF_ENOMEM && !err->msg[0]) {
        cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    return st;
}

cf_status cf_publish_dir_wl(cf_store *store, const cf_output_cfg *out, int64_t run, cf_time now,
                            bool force, const cf_publish_wl *wl, cf_publish_result *res,
                            cf_error *err)
{
    const char *fingerprint = wl && wl->lists ? wl->fingerprint : NULL;
    bool stix = (out->formats & CF_OUTFMT_STIX2) != 0;
    dir_loader l;
    dir_index ix = {json_array(), 0};
    json_t *prev = NULL; /* index.json as the last publish left it */
    dir_pub p;
    int64_t last = 0, delta_rows = 0, delta_expired = 0;
    cf_buf sub = CF_BUF_INIT, delta_path = CF_BUF_INIT;
    bool same;
    cf_status st;

    memset(res, 0, sizeof(*res));
    memset(&l, 0, sizeof(l));
    memset(&p, 0, sizeof(p));
    p.out = out;
    p.wl = wl;
    p.store = store;
    p.err = err;
    cf_write_opts_init(&p.wo);
    p.wo.now = now;
    p.wo.galaxy = wl ? wl->galaxy : NULL;
    st = dir_mkdir(out->path, err);
    if (st == CF_OK) {
        dir_sweep_tmp(out->path, 3);
        prev = dir_load_index(out->path);
        st = dir_sweep_deltas(store, out, prev, res, err);
    }
    if (st == CF_OK) {
        st = cf_store_output_last_run(store, out->name, &last, err);
    }
    if (st == CF_OK) {
        st = dir_settle_index(store, out, prev, run, &last, err);
    }
    if (st == CF_OK) {
        st = cf_store_count_since(store, last, out->max_tlp, &delta_rows, &delta_expired, err);
    }
    if (st != CF_OK) {
        goto out;
    }
    res->delta = (uint64_t)delta_rows;
    res->revoked = (uint64_t)delta_expired;
    /* an IOC whose TLP rose past max_tlp changed too: it must leave the files */
    int64_t moved = delta_rows, moved_expired = 0;
    if (st == CF_OK && delta_rows == 0 && out->max_tlp < CF_TLP_RED) {
        st = cf_store_count_since(store, last, CF_TLP_RED, &moved, &moved_expired, err);
        if (st != CF_OK) {
            goto out;
        }
    }
    if (moved == 0 && !force && dir_has_index(prev, fingerprint)) {
        res->skipped = true;
        st = cf_store_output_done(store, out->name, run, now, err);
        goto out;
    }
    /*
     * A first publish with nothing expired: the delta is every current IOC
     * (same rows, same filters), so one pass writes it and every current
     * file, and the snapshot bundle is the delta bundle's bytes.
     */
    same = last == 0 && delta_expired == 0;
    cf_buf_printf(&sub, "%s/stix2", out->path);
    st = stix ? dir_mkdir(cf_buf_str(&sub), err) : CF_OK;
    if (st == CF_OK && stix && delta_rows) {
        char name[64];
        cf_buf_reset(&sub);
        cf_buf_printf(&sub, "%s/stix2/deltas", out->path);
        snprintf(name, sizeof(name), "delta-%08lld.json", (long long)run);
        cf_buf_printf(&delta_path, "%s/%s", cf_buf_str(&sub), name);
        st = dir_mkdir(cf_buf_str(&sub), err);
        if (st == CF_OK) {
            st = dir_file_open(&p.delta, cf_buf_str(&sub), name, err);
        }
        if (st == CF_OK) {
            st = cf_stix2_stream_open(&p.delta_s, p.delta.out, &p.wo, err);
        }
        if (st == CF_OK && !same) {
            /* the delta alone: expired IOCs come revoked */
            p.revoked = true;
            st = dir_pass(&p, last, &l, err);
            dir_loader_fini(&l);
            st = dir_close_all(&p, st, &ix, err);
            p.revoked = false;
            /* the withheld counts are those of the snapshot, not of the delta */
            if (wl) {
                cf_wl_policy_reset(wl->policy);
            }
        }
    }
    if (st == CF_OK) {
        p.link_snap = same && delta_path.len;
        st = dir_open_current(&p, stix && !p.link_snap, true, err);
        if (st == CF_OK) {
            st = dir_pass(&p, same ? last : -1, &l, err);
            res->current = l.rows;
        }
        dir_loader_fini(&l);
        st = dir_close_all(&p, st, &ix, err);
    }
    if (st == CF_OK) {
        dir_sync_dirs(out->path);
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
    dir_close_all(&p, st == CF_OK ? CF_EINVAL : st, &ix, err);
    dir_loader_fini(&l);
    json_decref(prev);
    json_decref(ix.files);
    cf_buf_free(&sub);
    cf_buf_free(&delta_path);
    return st;
}
