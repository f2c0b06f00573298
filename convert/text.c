/*
 * The text reader: block lists with one value per line (Spamhaus DROP,
 * FireHOL, IPsum, OpenPhish, DShield, hosts files, Spamhaus's NDJSON).
 *
 * DESIGN
 * Each physical line from cf_lines is trimmed; empty lines and lines that
 * start with a comment character are skipped, and a trailing comment that
 * follows white space (`1.2.3.0/24 ; SBL123`, `value # note`) is cut off
 * and kept as the observation's comment. What remains is split on white
 * space: the profile's column is the value (IPsum's count and similar
 * columns are ignored), a prefix column turns a DShield start address into
 * `start/prefix`, and a hosts-file line (`0.0.0.0 name ...`) yields its
 * names, never the sink address. A line that is a JSON object yields the
 * value under the profile's key or a common one; a metadata object is
 * skipped. The reader keeps no per-line allocation beyond the line buffer.
 */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"
#include "ctiflow/normalize.h"
#include "ctiflow/reader.h"
#include "readutil.h"

#define TXT_MAX_COLS 32

typedef struct txt_col {
    const char *s;
    size_t len;
} txt_col;

typedef struct txt_reader {
    const cf_read_opts *o;
    const cf_profile *p;
    const cf_sink *sink;
    const char *feed;
    const char *comment_chars;
    cf_ioc_type type;
    int column, prefix_column;
    bool header_pending; /* the first data line may be a column header */
    bool first_line;
    cf_buf val;
    const char *lab[2 * CF_MAX_LABELS_PER_IOC];
    size_t n_lab;
    const char *act[1];
    size_t n_act;
} txt_reader;

static cf_status txt_emit(txt_reader *r, cf_ioc_type type, const char *s, size_t n,
                          const char *comment, uint64_t line)
{
    cf_obs ob;
    cf_obs_init(&ob);
    ob.type = type;
    ob.text = s;
    ob.len = n;
    ob.feed = r->feed;
    ob.line = line;
    ob.comment = comment;
    ob.confidence = r->o->confidence >= 0 ? r->o->confidence : r->p ? r->p->confidence : -1;
    ob.tlp = r->o->tlp != CF_TLP_NONE ? r->o->tlp : r->p ? r->p->tlp : CF_TLP_NONE;
    ob.labels = r->lab;
    ob.n_labels = r->n_lab;
    ob.actors = r->act;
    ob.n_actors = r->n_act;
    return r->sink->obs(r->sink->ctx, &ob);
}

static bool txt_is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Cut a comment that follows white space; returns its text (or NULL). */
static const char *txt_cut_comment(const txt_reader *r, const char *s, size_t *n,
                                   size_t *clen)
{
    for (size_t i = 1; i < *n; i++) {
        if (strchr(r->comment_chars, s[i]) && txt_is_space(s[i - 1])) {
            const char *c = s + i + 1;
            size_t cl = *n - i - 1;
            rd_trim(&c, &cl);
            *n = i;
            rd_trim(&s, n);
            *clen = cl;
            return c;
        }
    }
    *clen = 0;
    return NULL;
}

static int txt_split(const char *s, size_t n, txt_col *cols)
{
    int nc = 0;
    size_t i = 0;
    while (i < n && nc < TXT_MAX_COLS) {
        while (i < n && txt_is_space(s[i])) {
            i++;
        }
        if (i >= n) {
            break;
        }
        size_t start = i;
        while (i < n && !txt_is_space(s[i])) {
            i++;
        }
        cols[nc].s = s + start;
        cols[nc].len = i - start;
        nc++;
    }
    return nc;
}

static bool txt_is_local_name(const char *s, size_t n)
{
    static const char *const names[] = {"localhost", "localhost.localdomain", "local",
                                        "broadcasthost", "ip6-localhost", "ip6-loopback",
                                        "0.0.0.0", NULL};
    for (size_t i = 0; names[i]; i++) {
        if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0) {
            return true;
        }
    }
    return false;
}

/* A JSON-object line: the value under the profile's key or a common one. */
static cf_status txt_json_line(txt_reader *r, const char *s, size_t n, uint64_t line)
{
    static const char *const keys[] = {"cidr", "ip", "url", "domain", "indicator", "value",
                                       "ioc", NULL};
    cf_status st = CF_OK;
    json_error_t jerr;
    json_t *root = json_loadb(s, n, 0, &jerr);
    if (!json_is_object(root)) {
        rd_diag(r->sink, CF_DIAG_REJECT, r->feed, line, (uint64_t)jerr.position,
                "invalid JSON line", s, n > 64 ? 64 : n);
        goto out;
    }
    json_t *v = NULL;
    if (r->p && r->p->json_key) {
        v = json_object_get(root, r->p->json_key);
    } else if (r->type != CF_IOC_NONE) {
        v = json_object_get(root, cf_ioc_type_name(r->type));
    }
    for (size_t i = 0; !v && keys[i] && !(r->p && r->p->json_key); i++) {
        v = json_object_get(root, keys[i]);
    }
    if (!json_is_string(v)) {
        goto out; /* a metadata or summary object */
    }
    json_t *ref = json_object_get(root, "sblid");
    st = txt_emit(r, r->type, json_string_value(v), json_string_length(v),
                  json_is_string(ref) ? json_string_value(ref) : NULL, line);
out:
    json_decref(root);
    return st;
}

static cf_status txt_values(txt_reader *r, const char *s, size_t n, const char *comment,
                            uint64_t line)
{
    txt_col cols[TXT_MAX_COLS];
    int nc = txt_split(s, n, cols);

    /* A column header (DShield's "Start End Netblock", "Site") is no value. */
    if (r->header_pending) {
        r->header_pending = false;
        if (cf_detect_type(cols[0].s, cols[0].len) == CF_IOC_NONE) {
            return CF_OK;
        }
    }

    /* hosts(5): address, then names; the sink address is not an IOC. */
    if (nc >= 2 && rd_is_sink_address(cols[0].s, cols[0].len)) {
        for (int i = 1; i < nc; i++) {
            if (txt_is_local_name(cols[i].s, cols[i].len)) {
                continue;
            }
            cf_ioc_type t = r->type != CF_IOC_NONE ? r->type : CF_IOC_DOMAIN;
            cf_status st = txt_emit(r, t, cols[i].s, cols[i].len, comment, line);
            if (st != CF_OK) {
                return st;
            }
        }
        return CF_OK;
    }

    if (nc <= r->column) {
        rd_diag(r->sink, CF_DIAG_REJECT, r->feed, line, 0, "missing value column", s, n);
        return CF_OK;
    }
    const txt_col *v = &cols[r->column];
    if (r->prefix_column >= 0 && nc > r->prefix_column) {
        const txt_col *pc = &cols[r->prefix_column];
        cf_buf_reset(&r->val);
        cf_buf_append(&r->val, v->s, v->len);
        cf_buf_putc(&r->val, '/');
        cf_buf_append(&r->val, pc->s, pc->len);
        return txt_emit(r, CF_IOC_CIDR, cf_buf_str(&r->val), r->val.len, comment, line);
    }
    return txt_emit(r, r->type, v->s, v->len, comment, line);
}

static cf_status txt_line(txt_reader *r, const char *s, size_t n, uint64_t line, cf_error *err)
{
    if (r->first_line) {
        rd_strip_bom(&s, &n);
        r->first_line = false;
    }
    if (memchr(s, '\0', n)) {
        return cf_error_set(err, CF_EMALFORMED, r->feed, line, "binary data at line %llu",
                            (unsigned long long)line);
    }
    rd_trim(&s, &n);
    if (n == 0 || strchr(r->comment_chars, s[0])) {
        return CF_OK;
    }
    long bad = rd_utf8_check(s, n);
    if (bad >= 0) {
        rd_diag(r->sink, CF_DIAG_REJECT, r->feed, line, (uint64_t)bad, "invalid UTF-8", s, n);
        return CF_OK;
    }
    if (s[0] == '{') {
        return txt_json_line(r, s, n, line);
    }

    /* The trailing comment lives in a copy: the value may point at s. */
    size_t clen = 0;
    const char *c = txt_cut_comment(r, s, &n, &clen);
    char comment[256];
    if (c) {
        size_t k = clen < sizeof comment - 1 ? clen : sizeof comment - 1;
        memcpy(comment, c, k);
        comment[k] = '\0';
    }
    if (n == 0) {
        return CF_OK;
    }
    return txt_values(r, s, n, c && clen ? comment : NULL, line);
}

static void txt_init(txt_reader *r, cf_input *in, const cf_read_opts *o, const cf_sink *sink)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    r->p = o->profile;
    r->sink = sink;
    r->feed = o->feed ? o->feed : cf_input_name(in);
    r->first_line = true;
    r->comment_chars = r->p && r->p->comment_chars ? r->p->comment_chars : "#;";
    r->type = o->value_type != CF_IOC_NONE ? o->value_type : r->p ? r->p->text_type
                                                                   : CF_IOC_NONE;
    r->column = r->p ? r->p->text_column : 0;
    r->prefix_column = r->p ? r->p->text_prefix_column : -1;
    r->header_pending = r->p && r->p->header != 0;
    for (size_t i = 0; i < o->n_labels && r->n_lab < CF_MAX_LABELS_PER_IOC; i++) {
        r->lab[r->n_lab++] = o->labels[i];
    }
    for (size_t i = 0; r->p && i < r->p->n_labels && r->n_lab < 2 * CF_MAX_LABELS_PER_IOC;
         i++) {
        r->lab[r->n_lab++] = r->p->labels[i];
    }
    if (o->actor) {
        r->act[r->n_act++] = o->actor;
    }
}

cf_status cf_read_text(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err)
{
    txt_reader r;
    cf_read_opts defaults;
    cf_status st = CF_OK;
    cf_lines *lines = NULL;

    if (!o) {
        cf_read_opts_init(&defaults);
        o = &defaults;
    }
    txt_init(&r, in, o, sink);
    if (rd_starts_markup(in)) {
        /* A web server's error page is not a list: keep the feed's last good data. */
        st = cf_error_set(err, CF_EMALFORMED, r.feed, 1, "an HTML or XML page, not a text list");
        goto out;
    }
    lines = cf_lines_new(in);
    if (!lines) {
        st = cf_error_set(err, CF_ENOMEM, r.feed, 0, "out of memory");
        goto out;
    }
    for (;;) {
        const char *s;
        size_t n;
        uint64_t line = 0;
        cf_error lerr;
        cf_error_clear(&lerr);
        int rc = cf_lines_next(lines, &s, &n, &line, &lerr);
        if (rc == 0) {
            break;
        }
        if (rc < 0 && lerr.status == CF_ELIMIT && !cf_lines_failed(lines)) {
            rd_diag(sink, CF_DIAG_REJECT, r.feed, line, 0, "line too long", NULL, 0);
            continue;
        }
        if (rc < 0) {
            if (err && err->status == CF_OK) {
                *err = lerr;
            }
            st = lerr.status != CF_OK ? lerr.status : CF_EIO;
            goto out;
        }
        st = txt_line(&r, s, n, line, err);
        if (st != CF_OK) {
            goto out;
        }
    }
out:
    cf_lines_free(lines);
    cf_buf_free(&r.val);
    return st;
}
