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
 */
#include <errno.h>
#include <string.h>

#include "ctiflow/writer.h"
#include "wr_util.h"

#define JSONL_FLUSH_BYTES (1u << 18)

typedef struct jsonl_w {
    FILE *out;
    cf_buf b;
    cf_status st;
    wr_clock clock;
    int err_no; /* errno of the failed write, when st is CF_EIO */
} jsonl_w;

static void jsonl_put(jsonl_w *w, const char *s, size_t n)
{
    if (w->st == CF_OK && cf_buf_append(&w->b, s, n) != CF_OK) {
        w->st = CF_ENOMEM;
    }
}

#define JSONL_LIT(w, s) jsonl_put((w), (s), sizeof(s) - 1)

/* A quoted JSON string. */
static void jsonl_str(jsonl_w *w, const char *s)
{
    if (w->st != CF_OK) {
        return;
    }
    if (cf_buf_putc(&w->b, '"') != CF_OK || cf_buf_json_str(&w->b, s, strlen(s)) != CF_OK ||
        cf_buf_putc(&w->b, '"') != CF_OK) {
        w->st = CF_ENOMEM;
    }
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
    jsonl_put(w, num, wr_itoa(num, v));
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
    jsonl_int(w, ioc->n_sightings);
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

cf_status cf_write_jsonl(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err)
{
    jsonl_w w;
    memset(&w, 0, sizeof(w));
    w.out = out;
    wr_clock_init(&w.clock);

    size_t n = cf_iocset_count(set);
    for (size_t i = 0; i < n && w.st == CF_OK; i++) {
        jsonl_line(&w, cf_iocset_at(set, i));
        jsonl_flush(&w, false);
    }
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
