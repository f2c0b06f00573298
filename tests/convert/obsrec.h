/*
 * A recording sink for the reader tests: keeps every observation (type,
 * text, line, times, labels, malware) and every diagnostic, so a test can
 * assert exact values.
 */
#ifndef CTIFLOW_TESTS_OBSREC_H
#define CTIFLOW_TESTS_OBSREC_H

#include <stdlib.h>
#include <string.h>

#include "ctiflow/reader.h"

typedef struct rec_obs {
    cf_ioc_type type;
    char *text;
    uint64_t line;
    cf_time first_seen, last_seen;
    int confidence;
    char *labels;  /* joined with ';' */
    char *malware; /* joined with ';' */
    char *comment;
} rec_obs;

typedef struct rec_diag {
    cf_diag_level level;
    uint64_t line, offset;
    char *reason;
    char *value; /* "" when the diagnostic has none */
} rec_diag;

typedef struct obsrec {
    rec_obs *obs;
    size_t n, cap;
    rec_diag *diags;
    size_t n_diags, cap_diags;
    bool keep_text; /* false: count only (large files) */
    size_t with_cr;  /* values holding CR or LF */
} obsrec;

static char *rec_join(const char *const *v, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        len += strlen(v[i]) + 1;
    }
    char *s = calloc(1, len);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            s[at++] = ';';
        }
        size_t k = strlen(v[i]);
        memcpy(s + at, v[i], k);
        at += k;
    }
    s[at] = '\0';
    return s;
}

static cf_status rec_obs_cb(void *ctx, const cf_obs *o)
{
    obsrec *r = ctx;
    if (memchr(o->text, '\r', o->len) || memchr(o->text, '\n', o->len)) {
        r->with_cr++;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->obs = realloc(r->obs, r->cap * sizeof *r->obs);
    }
    rec_obs *x = &r->obs[r->n++];
    memset(x, 0, sizeof *x);
    x->type = o->type;
    x->line = o->line;
    x->first_seen = o->first_seen;
    x->last_seen = o->last_seen;
    x->confidence = o->confidence;
    if (r->keep_text || r->n <= 8) {
        x->text = strndup(o->text, o->len);
        x->labels = rec_join(o->labels, o->n_labels);
        x->malware = rec_join(o->malware, o->n_malware);
        x->comment = o->comment ? strdup(o->comment) : NULL;
    }
    return CF_OK;
}

static void rec_diag_cb(void *ctx, const cf_diag *d)
{
    obsrec *r = ctx;
    if (r->n_diags == r->cap_diags) {
        r->cap_diags = r->cap_diags ? 2 * r->cap_diags : 16;
        r->diags = realloc(r->diags, r->cap_diags * sizeof *r->diags);
    }
    rec_diag *x = &r->diags[r->n_diags++];
    x->level = d->level;
    x->line = d->line;
    x->offset = d->byte_offset;
    x->reason = strdup(d->reason ? d->reason : "");
    x->value = d->value ? strndup(d->value, d->value_len) : strdup("");
}

static void rec_free(obsrec *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->obs[i].text);
        free(r->obs[i].labels);
        free(r->obs[i].malware);
        free(r->obs[i].comment);
    }
    for (size_t i = 0; i < r->n_diags; i++) {
        free(r->diags[i].reason);
        free(r->diags[i].value);
    }
    free(r->obs);
    free(r->diags);
    memset(r, 0, sizeof *r);
}

static cf_sink rec_sink(obsrec *r)
{
    cf_sink s = {rec_obs_cb, rec_diag_cb, NULL, NULL, r};
    return s;
}

/* Read in-memory text with a reader (fmt) and profile name (or NULL). */
static inline cf_status rec_read_mem(obsrec *r, cf_format fmt, const char *profile, const char *data,
                              size_t len, cf_error *err)
{
    cf_input *in = NULL;
    cf_read_opts o;
    cf_read_opts_init(&o);
    o.profile = profile ? cf_profile_find(profile) : NULL;
    if (profile && !o.profile) {
        return CF_ENOTFOUND;
    }
    cf_error_clear(err);
    cf_status st = cf_input_open_mem(&in, "mem", data, len, err);
    if (st != CF_OK) {
        return st;
    }
    cf_sink s = rec_sink(r);
    st = cf_read_any(in, fmt, &o, &s, err);
    cf_input_close(in);
    return st;
}

static inline cf_status rec_read_file(obsrec *r, cf_format fmt, const char *profile, const char *path,
                               cf_error *err)
{
    cf_input *in = NULL;
    cf_read_opts o;
    cf_read_opts_init(&o);
    o.profile = profile ? cf_profile_find(profile) : NULL;
    if (profile && !o.profile) {
        return CF_ENOTFOUND;
    }
    cf_error_clear(err);
    cf_status st = cf_input_open_file(&in, path, err);
    if (st != CF_OK) {
        return st;
    }
    cf_sink s = rec_sink(r);
    st = cf_read_any(in, fmt, &o, &s, err);
    cf_input_close(in);
    return st;
}

#endif
