/*
 * The readers, one per input format. Each streams its input and hands
 * observations and diagnostics to a cf_sink; none of them normalises or
 * stores values itself.
 *
 * A reader returns CF_OK when the input was read, even if records were
 * rejected (they went to sink->diag). It returns an error only when the
 * input could not be read or parsed at all (err names the position).
 */
#ifndef CTIFLOW_READER_H
#define CTIFLOW_READER_H

#include "ctiflow/input.h"
#include "ctiflow/ioc.h"
#include "ctiflow/profile.h"
#include "ctiflow/status.h"

typedef struct cf_read_opts {
    const char *feed;          /* name in messages and sightings; default input name */
    const cf_profile *profile; /* CSV/text layout; NULL for generic detection */
    cf_ioc_type value_type;    /* generic text/CSV: force a type (NONE = detect) */
    cf_tlp tlp;                /* feed-level TLP, NONE to take the source's */
    int confidence;            /* feed-level default, -1 none */
    const char *const *labels; /* feed-level labels */
    size_t n_labels;
    const char *actor;         /* feed-level actor, or NULL */
    const char *base_dir;      /* MISP feed directory: where event files live */
} cf_read_opts;

void cf_read_opts_init(cf_read_opts *o);

cf_status cf_read_csv(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err);
cf_status cf_read_text(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err);
cf_status cf_read_misp(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err);
cf_status cf_read_stix1(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err);
cf_status cf_read_stix2(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err);
cf_status cf_read_jsonl(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err);

/* Read a MISP feed directory (manifest.json and the event files in it). */
cf_status cf_read_misp_feed_dir(const char *dir, const cf_read_opts *o, const cf_sink *sink,
                                cf_error *err);

/* Dispatch on fmt; CF_FMT_UNKNOWN detects from the head of the stream. */
cf_status cf_read_any(cf_input *in, cf_format fmt, const cf_read_opts *o, const cf_sink *sink,
                      cf_error *err);

#endif
