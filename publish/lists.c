/*
 * The list writers: CSV (one IOC per record with its main context) and
 * plain text (one value per line, for firewalls and block lists).
 *
 * DESIGN
 * Both walk the set in insertion order and build records in one reused
 * buffer that is handed to the stream in large chunks. CSV follows RFC 4180
 * quoting (a field holding a comma, a double quote, CR or LF is enclosed in
 * double quotes and its quotes doubled); records end with LF so that line
 * tools work on the output, and readers of RFC 4180 accept that too. The
 * header is
 *   type,value,first_seen,last_seen,confidence,tlp,labels,sources
 * where times are RFC 3339 with milliseconds, confidence and tlp are empty
 * when unknown, labels is the IOC's labels joined by ';' and sources its
 * distinct feed names joined by ';'. The text writer writes the canonical
 * value; for a file IOC ("name|hash") it writes the hash, and skips it when
 * the same hash is also in the set as an IOC of its own, so a hash list has
 * no repeated line (listed_alone asks the other parts of a document written
 * in parts). only_type (both writers) selects one type; a file IOC
 * is selected by "file" and by the type of its hash.
 */
#include <errno.h>
#include <string.h>

#include "ctiflow/writer.h"
#include "wr_util.h"

#define LIST_FLUSH_BYTES (1u << 18)

typedef struct list_w {
    FILE *out;
    cf_buf b;
    cf_status st;
    wr_clock clock;
    int err_no; /* errno of the failed write, when st is CF_EIO */
} list_w;

static void list_put(list_w *w, const char *s, size_t n)
{
    if (w->st == CF_OK && cf_buf_append(&w->b, s, n) != CF_OK) {
        w->st = CF_ENOMEM;
    }
}

static void list_puts(list_w *w, const char *s)
{
    list_put(w, s, strlen(s));
}

/* Hand the buffer to the stream when it is large, or always when force. */
static void list_flush(list_w *w, bool force)
{
    if (w->st != CF_OK || (!force && w->b.len < LIST_FLUSH_BYTES) || w->b.len == 0) {
        return;
    }
    if (fwrite(w->b.data, 1, w->b.len, w->out) != w->b.len) {
        w->st = CF_EIO;
        w->err_no = errno;
    }
    cf_buf_reset(&w->b);
}

static cf_status list_finish(list_w *w, cf_error *err, const char *what)
{
    list_flush(w, true);
    if (w->st == CF_OK && fflush(w->out) != 0) {
        w->st = CF_EIO;
        w->err_no = errno;
    }
    cf_status st = w->st;
    cf_buf_free(&w->b);
    if (st == CF_EIO) {
        return cf_error_set(err, st, NULL, 0, "cannot write %s output: %s", what,
                            strerror(w->err_no ? w->err_no : EIO));
    }
    if (st != CF_OK) {
        return cf_error_set(err, st, NULL, 0, "out of memory writing %s output", what);
    }
    return CF_OK;
}

/* True when ioc is written under the only_type filter t. */
static bool list_selected(const cf_ioc *ioc, cf_ioc_type t)
{
    if (t == CF_IOC_NONE || ioc->type == t) {
        return true;
    }
    return ioc->type == CF_IOC_FILE && ioc->hash_type == t;
}

/* ------------------------------------------------------------------- CSV */

/* Append one field, quoted when it holds a comma, a quote, CR or LF. */
static void csv_field(list_w *w, const char *s, size_t n)
{
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\r', n) && !memchr(s, '\n', n)) {
        list_put(w, s, n);
        return;
    }
    list_put(w, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            list_put(w, s + start, i + 1 - start);
            start = i;
        }
    }
    list_put(w, s + start, n - start);
    list_put(w, "\"", 1);
}

static void csv_time(list_w *w, cf_time t)
{
    if (t != CF_TIME_NONE) {
        list_put(w, wr_clock_format(&w->clock, t), 24);
    }
}

/* The labels joined by ';' into tmp, then as one field. */
static void csv_labels(list_w *w, cf_buf *tmp, const cf_ioc *ioc)
{
    cf_buf_reset(tmp);
    for (uint16_t i = 0; i < ioc->n_labels; i++) {
        if ((i && cf_buf_putc(tmp, ';') != CF_OK) || cf_buf_puts(tmp, ioc->labels[i]) != CF_OK) {
            w->st = CF_ENOMEM;
        }
    }
    csv_field(w, cf_buf_str(tmp), tmp->len);
}

/* Distinct feed names of the sightings, in order of first sighting. */
static void csv_sources(list_w *w, cf_buf *tmp, const cf_ioc *ioc)
{
    cf_buf_reset(tmp);
    for (uint32_t i = 0; i < ioc->n_sightings; i++) {
        const char *feed = ioc->sightings[i].feed;
        bool seen = !feed;
        for (uint32_t j = 0; j < i && !seen; j++) {
            const char *f = ioc->sightings[j].feed;
            seen = f == feed || (f && strcmp(f, feed) == 0);
        }
        if (seen) {
            continue;
        }
        if ((tmp->len && cf_buf_putc(tmp, ';') != CF_OK) || cf_buf_puts(tmp, feed) != CF_OK) {
            w->st = CF_ENOMEM;
        }
    }
    csv_field(w, cf_buf_str(tmp), tmp->len);
}

static void csv_record(list_w *w, cf_buf *tmp, const cf_ioc *ioc)
{
    char num[24];

    list_puts(w, cf_ioc_type_name(ioc->type));
    list_put(w, ",", 1);
    csv_field(w, ioc->value, strlen(ioc->value));
    list_put(w, ",", 1);
    csv_time(w, ioc->first_seen);
    list_put(w, ",", 1);
    csv_time(w, ioc->last_seen);
    list_put(w, ",", 1);
    if (ioc->confidence >= 0) {
        list_put(w, num, cf_int64_text(num, ioc->confidence));
    }
    list_put(w, ",", 1);
    const char *tlp = cf_tlp_name((cf_tlp)ioc->tlp);
    if (tlp) {
        csv_field(w, tlp, strlen(tlp));
    }
    list_put(w, ",", 1);
    csv_labels(w, tmp, ioc);
    list_put(w, ",", 1);
    csv_sources(w, tmp, ioc);
    list_put(w, "\n", 1);
}

cf_status cf_write_csv(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err)
{
    list_w w = {out, CF_BUF_INIT, CF_OK, {0, {0}, {0}}, 0};
    cf_buf tmp = CF_BUF_INIT;

    wr_clock_init(&w.clock);
    if (!o || !o->continued) {
        list_puts(&w, "type,value,first_seen,last_seen,confidence,tlp,labels,sources\n");
    }
    size_t n = cf_iocset_count(set);
    for (size_t i = 0; i < n && w.st == CF_OK; i++) {
        const cf_ioc *ioc = cf_iocset_at(set, i);
        if (o && !list_selected(ioc, o->only_type)) {
            continue;
        }
        csv_record(&w, &tmp, ioc);
        list_flush(&w, false);
    }

    cf_buf_free(&tmp);
    return list_finish(&w, err, "csv");
}

/* ------------------------------------------------------------------ text */

cf_status cf_write_text(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err)
{
    list_w w = {out, CF_BUF_INIT, CF_OK, {0, {0}, {0}}, 0};
    cf_ioc_type only = o ? o->only_type : CF_IOC_NONE;

    size_t n = cf_iocset_count(set);
    for (size_t i = 0; i < n && w.st == CF_OK; i++) {
        const cf_ioc *ioc = cf_iocset_at(set, i);
        if (!list_selected(ioc, only)) {
            continue;
        }

        const char *v = ioc->value;
        if (ioc->type == CF_IOC_FILE) {
            const char *bar = strrchr(v, '|');
            v = bar ? bar + 1 : v;
            /* The same digest listed on its own is written by that IOC. */
            const cf_ioc *alone = NULL;
            if (bar && cf_ioc_type_is_hash(ioc->hash_type)) {
                alone = cf_iocset_find(set, ioc->hash_type, v);
            }
            if (alone && list_selected(alone, only)) {
                continue;
            }
            /* or in another part of the document, when the set is one part */
            if (!alone && bar && cf_ioc_type_is_hash(ioc->hash_type) && o && o->listed_alone &&
                (only == CF_IOC_NONE || only == ioc->hash_type) &&
                o->listed_alone(o->listed_ctx, ioc->hash_type, v)) {
                continue;
            }
        }
        list_puts(&w, v);
        list_put(&w, "\n", 1);
        list_flush(&w, false);
    }

    return list_finish(&w, err, "text");
}
