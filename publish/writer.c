/*
 * Output format names, default writer options and the dispatch to the
 * writer of each format.
 */
#include <string.h>
#include <strings.h>

#include "ctiflow/writer.h"

static const char *const writer_names[] = {
    [CF_OUT_JSONL] = "jsonl", [CF_OUT_STIX2] = "stix2", [CF_OUT_MISP] = "misp",
    [CF_OUT_CSV] = "csv",     [CF_OUT_TEXT] = "text",
};

#define WRITER_COUNT (sizeof(writer_names) / sizeof(writer_names[0]))

const char *cf_out_format_name(cf_out_format f)
{
    if ((unsigned)f >= WRITER_COUNT) {
        return NULL;
    }
    return writer_names[f];
}

int cf_out_format_from_name(const char *name)
{
    if (!name) {
        return -1;
    }
    for (size_t i = 0; i < WRITER_COUNT; i++) {
        if (strcasecmp(name, writer_names[i]) == 0) {
            return (int)i;
        }
    }
    /* Common spellings of the same formats. */
    if (strcasecmp(name, "stix") == 0 || strcasecmp(name, "stix21") == 0) {
        return CF_OUT_STIX2;
    }
    if (strcasecmp(name, "txt") == 0) {
        return CF_OUT_TEXT;
    }
    return -1;
}

void cf_write_opts_init(cf_write_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->now = cf_time_now();
    o->producer = "ctiflow";
    o->feed_name = NULL;
    o->only_type = CF_IOC_NONE;
    o->with_scos = false;
}

cf_status cf_write_any(FILE *out, cf_out_format f, const cf_iocset *set, const cf_write_opts *o,
                       cf_error *err)
{
    switch (f) {
    case CF_OUT_JSONL:
        return cf_write_jsonl(out, set, o, err);
    case CF_OUT_STIX2:
        return cf_write_stix2(out, set, o, err);
    case CF_OUT_MISP:
        return cf_write_misp(out, set, o, err);
    case CF_OUT_CSV:
        return cf_write_csv(out, set, o, err);
    case CF_OUT_TEXT:
        return cf_write_text(out, set, o, err);
    }
    return cf_error_set(err, CF_EINVAL, NULL, 0, "unknown output format %d", (int)f);
}
