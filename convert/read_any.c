/*
 * Reader dispatch: one entry point that picks the reader for a format, or
 * detects the format from the head of the decoded stream.
 */
#include <string.h>

#include "ctiflow/reader.h"

#define ANY_SNIFF_BYTES 65536

void cf_read_opts_init(cf_read_opts *o)
{
    memset(o, 0, sizeof *o);
    o->feed = NULL;
    o->profile = NULL;
    o->value_type = CF_IOC_NONE;
    o->tlp = CF_TLP_NONE;
    o->confidence = -1;
    o->labels = NULL;
    o->n_labels = 0;
    o->actor = NULL;
    o->base_dir = NULL;
}

cf_status cf_read_any(cf_input *in, cf_format fmt, const cf_read_opts *o, const cf_sink *sink,
                      cf_error *err)
{
    if (fmt == CF_FMT_UNKNOWN && o && o->profile) {
        fmt = o->profile->format;
    }
    if (fmt == CF_FMT_UNKNOWN) {
        const char *head = NULL;
        cf_error perr;
        cf_error_clear(&perr);
        size_t n = cf_input_peek(in, &head, ANY_SNIFF_BYTES, &perr);
        if (perr.status != CF_OK) {
            if (err && err->status == CF_OK) {
                *err = perr;
            }
            return perr.status;
        }
        fmt = cf_detect_format(head, n);
    }
    switch (fmt) {
    case CF_FMT_CSV:
        return cf_read_csv(in, o, sink, err);
    case CF_FMT_MISP:
        return cf_read_misp(in, o, sink, err);
    case CF_FMT_STIX1:
        return cf_read_stix1(in, o, sink, err);
    case CF_FMT_STIX2:
        return cf_read_stix2(in, o, sink, err);
    case CF_FMT_JSONL:
        return cf_read_jsonl(in, o, sink, err);
    case CF_FMT_TEXT:
    default:
        return cf_read_text(in, o, sink, err);
    }
}
