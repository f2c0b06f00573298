/*
 * The JSON Lines writer: one IOC per line, the model of DESIGN.md with its
 * context. schemas/ioc.schema.json describes one line.
 *
 * DESIGN
 * Lines are written by hand into one reused buffer (no JSON DOM) and handed
 * to the stream in large chunks. Keys come in a fixed order and a key is
 * left out when the IOC has no value for it:
 *   type, value, original, display_name, hash_type, port, first_seen,
 *   last_seen, valid_until, confidence, tlp, labels, malware, actors,
 *   comment, sources [{feed, line, ref, event, time}], count
 * Times are RFC 3339 UTC with milliseconds; count is the number of
 * sightings.
 *
 * A set of more than JSONL_BLOCK IOCs is formatted on two threads: a
 * helper formats every second block of IOCs into a buffer of its own
 * while the calling thread formats the block before it, and the calling
 * thread writes both in order, so the bytes are those of one thread. Each
 * reads the set through its own cursor (cf_iocset_cursor), which a
 * spilling set allows from several threads at once.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "ctiflow/queue.h"
#include "ctiflow/writer.h"
#include "wr_util.h"

#define JSONL_FLUSH_BYTES (1u << 18)
#define JSONL_BLOCK 4096 /* IOCs one thread formats at a time */

typedef struct jsonl_w {
    FILE *out;
    cf_buf b;
    cf_status st;
    wr_clock clock;
    int err_no; /* errno of the failed write, when st is CF_EIO */
} jsonl_w;

/*
 * Append n bytes. The buffer has room nearly always: the copy is inline
 * (a literal's length is known, so the copy is a few moves) and the
 * buffer grows through cf_buf_append only when it is full.
 */
static inline void jsonl_put(jsonl_w *w, const char *s, size_t n)
{
    cf_buf *b = &w->b;
    if (b->len + n < b->cap) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    if (w->st == CF_OK && cf_buf_append(b, s, n) != CF_OK) {
        w->st = CF_ENOMEM;
    }
}

#define JSONL_LIT(w, s) jsonl_put((w), (s), sizeof(s) - 1)

/* A quoted JSON string. */
static void jsonl_str(jsonl_w *w, const char *s)
{
    JSONL_LIT(w, "\"");
    if (w->st == CF_OK && cf_buf_json_str(&w->b, s, strlen(s)) != CF_OK) {
        w->st = CF_ENOMEM;
    }
    JSONL_LIT(w, "\"");
}

/* ,"key":"value" when value is not NULL; key is a literal with its comma. */
static void jsonl_opt_str(jsonl_w *w, const char *key, size_t klen, const char *v)
{
    if (v) {
        jsonl_put(w, key, klen);
        jsonl_str(w, v);
    }
}

static void jsonl_time(jsonl_w *w, cf_time t)
{
    JSONL_LIT(w, "\"");
    jsonl_put(w, wr_clock_format(&w->clock, t), 24);
    JSONL_LIT(w, "\"");
}

static void jsonl_opt_time(jsonl_w *w, const char *key, size_t klen, cf_time t)
{
    if (t != CF_TIME_NONE) {
        jsonl_put(w, key, klen);
        jsonl_time(w, t);
    }
}

static void jsonl_list(jsonl_w *w, const char *key, size_t klen, const char **v, uint16_t n)
{
    if (n == 0) {
        return;
    }
    jsonl_put(w, key, klen);
    for (uint16_t i = 0; i < n; i++) {
        jsonl_put(w, i ? ",\"" : "[\"", 2);
        if (w->st == CF_OK && cf_buf_json_str(&w->b, v[i], strlen(v[i])) != CF_OK) {
            w->st = CF_ENOMEM;
        }
        JSONL_LIT(w, "\"");
    }
    JSONL_LIT(w, "]");
}

static void jsonl_int(jsonl_w *w, long long v)
{
    char num[24];
    jsonl_put(w, num, cf_int64_text(num, v));
}

static void jsonl_sources(jsonl_w *w, const cf_ioc *ioc)
{
    JSONL_LIT(w, ",\"sources\":[");
    for (uint32_t i = 0; i < ioc->n_sightings; i++) {
        const cf_sighting *s = &ioc->sightings[i];
        JSONL_LIT(w, "{\"feed\":");
        jsonl_str(w, s->feed ? s->feed : "");
        if (s->line) {
            JSONL_LIT(w, ",\"line\":");
            jsonl_int(w, (long long)s->line);
        }
        jsonl_opt_str(w, ",\"ref\":", 7, s->ref);
        jsonl_opt_str(w, ",\"event\":", 9, s->event ? s->event->uuid : NULL);
        jsonl_opt_time(w, ",\"time\":", 8, s->time);
        jsonl_put(w, i + 1 < ioc->n_sightings ? "}," : "}", i + 1 < ioc->n_sightings ? 2 : 1);
    }
    JSONL_LIT(w, "]");
}

static void jsonl_line(jsonl_w *w, const cf_ioc *ioc)
{
    JSONL_LIT(w, "{\"type\":\"");
    jsonl_put(w, cf_ioc_type_name(ioc->type), strlen(cf_ioc_type_name(ioc->type)));
    JSONL_LIT(w, "\",\"value\":");
    jsonl_str(w, ioc->value);
    jsonl_opt_str(w, ",\"original\":", 12, ioc->original);
    jsonl_opt_str(w, ",\"display_name\":", 16, ioc->display_name);
    if (ioc->type == CF_IOC_FILE && ioc->hash_type != CF_IOC_NONE) {
        jsonl_opt_str(w, ",\"hash_type\":", 13, cf_ioc_type_name(ioc->hash_type));
    }
    if (ioc->type == CF_IOC_ENDPOINT && ioc->port >= 0) {
        JSONL_LIT(w, ",\"port\":");
        jsonl_int(w, ioc->port);
    }

    jsonl_opt_time(w, ",\"first_seen\":", 14, ioc->first_seen);
    jsonl_opt_time(w, ",\"last_seen\":", 13, ioc->last_seen);
    jsonl_opt_time(w, ",\"valid_until\":", 15, ioc->valid_until);
    if (ioc->confidence >= 0) {
        JSONL_LIT(w, ",\"confidence\":");
        jsonl_int(w, ioc->confidence);
    }
    jsonl_opt_str(w, ",\"tlp\":", 7, cf_tlp_name((cf_tlp)ioc->tlp));

    jsonl_list(w, ",\"labels\":", 10, ioc->labels, ioc->n_labels);
    jsonl_list(w, ",\"malware\":", 11, ioc->malware, ioc->n_malware);
    jsonl_list(w, ",\"actors\":", 10, ioc->actors, ioc->n_actors);
    jsonl_opt_str(w, ",\"comment\":", 11, ioc->comment);
    jsonl_sources(w, ioc);
    JSONL_LIT(w, ",\"count\":");
    jsonl_int(w, (long long)ioc->n_sightings + ioc->n_repeats);
    JSONL_LIT(w, "}\n");
}

/* Hand the buffer to the stream when it is large, or always when force. */
static void jsonl_flush(jsonl_w *w, bool force)
{
    if (w->st != CF_OK || w->b.len == 0 || (!force && w->b.len < JSONL_FLUSH_BYTES)) {
        return;
    }
    if (fwrite(w->b.data, 1, w->b.len, w->out) != w->b.len) {
        w->st = CF_EIO;
        w->err_no = errno;
    }
    cf_buf_reset(&w->b);
}

/* The lines of IOCs [from, to) into w's buffer. */
static void jsonl_lines(jsonl_w *w, cf_iocset_cursor *c, size_t from, size_t to)
{
    for (size_t i = from; i < to && w->st == CF_OK; i++) {
        jsonl_line(w, cf_iocset_cursor_at(c, i));
    }
}

/* The second thread: the blocks it is handed, each into its own buffer. */
typedef struct jsonl_helper {
    jsonl_w w;
    cf_iocset_cursor cursor;
    size_t from, to; /* the block to format */
    cf_queue *todo, *done;
    pthread_t thread;
} jsonl_helper;

static void *jsonl_helper_main(void *arg)
{
    jsonl_helper *h = arg;
    void *p = NULL;
    while (cf_queue_pop(h->todo, &p)) {
        jsonl_lines(&h->w, &h->cursor, h->from, h->to);
        cf_queue_push(h->done, h);
    }
    return NULL;
}

static bool jsonl_helper_start(jsonl_helper *h, const cf_iocset *set)
{
    memset(h, 0, sizeof *h);
    wr_clock_init(&h->w.clock);
    cf_iocset_cursor_init(&h->cursor, set);
    h->todo = cf_queue_new(1);
    h->done = cf_queue_new(1);
    if (h->todo && h->done && pthread_create(&h->thread, NULL, jsonl_helper_main, h) == 0) {
        return true;
    }
    cf_queue_free(h->todo);
    cf_queue_free(h->done);
    return false;
}

static void jsonl_helper_stop(jsonl_helper *h)
{
    cf_queue_close(h->todo);
    pthread_join(h->thread, NULL);
    cf_queue_free(h->todo);
    cf_queue_free(h->done);
    cf_iocset_cursor_fini(&h->cursor);
    cf_buf_free(&h->w.b);
}

/*
 * Blocks of JSONL_BLOCK IOCs in turn: the helper formats every second
 * block while this thread formats and writes the one before it, then
 * writes the helper's, so the bytes come in the set's order.
 */
static void jsonl_two_threads(jsonl_w *w, cf_iocset_cursor *c, jsonl_helper *h, size_t n)
{
    for (size_t at = 0; at < n && w->st == CF_OK; at += 2 * JSONL_BLOCK) {
        size_t mid = at + JSONL_BLOCK < n ? at + JSONL_BLOCK : n;
        size_t end = mid + JSONL_BLOCK < n ? mid + JSONL_BLOCK : n;
        void *p = NULL;
        h->from = mid;
        h->to = end;
        cf_queue_push(h->todo, h);
        jsonl_lines(w, c, at, mid);
        jsonl_flush(w, true);
        cf_queue_pop(h->done, &p);
        if (w->st == CF_OK && h->w.st != CF_OK) {
            w->st = h->w.st;
        }
        if (w->st == CF_OK && h->w.b.len &&
            fwrite(h->w.b.data, 1, h->w.b.len, w->out) != h->w.b.len) {
            w->st = CF_EIO;
            w->err_no = errno;
        }
        cf_buf_reset(&h->w.b);
    }
}

cf_status cf_write_jsonl(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err)
{
    jsonl_w w;
    jsonl_helper h;
    cf_iocset_cursor c;
    memset(&w, 0, sizeof(w));
    w.out = out;
    wr_clock_init(&w.clock);
    cf_iocset_cursor_init(&c, set);

    /* A set of more than one block is formatted on two threads. */
    size_t n = cf_iocset_count(set);
    if (n > JSONL_BLOCK && jsonl_helper_start(&h, set)) {
        jsonl_two_threads(&w, &c, &h, n);
        jsonl_helper_stop(&h);
    } else {
        for (size_t i = 0; i < n && w.st == CF_OK; i++) {
            jsonl_line(&w, cf_iocset_cursor_at(&c, i));
            jsonl_flush(&w, false);
        }
    }
    cf_iocset_cursor_fini(&c);
    jsonl_flush(&w, true);
    if (w.st == CF_OK && fflush(out) != 0) {
        w.st = CF_EIO;
        w.err_no = errno;
    }

    cf_status st = w.st;
    cf_buf_free(&w.b);
    if (st == CF_EIO) {
        return cf_error_set(err, st, NULL, 0, "cannot write jsonl output: %s",
                            strerror(w.err_no ? w.err_no : EIO));
    }
    if (st != CF_OK) {
        return cf_error_set(err, st, NULL, 0, "out of memory writing jsonl output");
    }
    return CF_OK;
}
