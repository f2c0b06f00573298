/*
 * The writers, one per output format. Each takes a finished cf_iocset and
 * writes it to a stream in insertion order, deterministically: the same
 * set and the same `now` give the same bytes.
 */
#ifndef CTIFLOW_WRITER_H
#define CTIFLOW_WRITER_H

#include <stdio.h>

#include "ctiflow/galaxy.h"
#include "ctiflow/iocset.h"
#include "ctiflow/status.h"

typedef enum cf_out_format {
    CF_OUT_JSONL = 0,
    CF_OUT_STIX2,
    CF_OUT_MISP,
    CF_OUT_CSV,
    CF_OUT_TEXT,
} cf_out_format;

const char *cf_out_format_name(cf_out_format f);
/* -1 when the name is unknown. */
int cf_out_format_from_name(const char *name);

typedef struct cf_write_opts {
    cf_time now;              /* created/modified when a source gave no time */
    const char *producer;     /* identity name, default "ctiflow" */
    const char *feed_name;    /* MISP: event info for line-based input */
    cf_ioc_type only_type;    /* text: restrict to one type (NONE = all) */
    bool with_scos;           /* stix2: also emit SCOs */
    /* threat-actor clusters (may be NULL): an actor name that resolves to a
       cluster becomes the cluster's value in MISP galaxy tags and a STIX
       intrusion-set whose id is the cluster uuid, with its synonyms as aliases */
    const cf_galaxy *galaxy;
} cf_write_opts;

void cf_write_opts_init(cf_write_opts *o);

cf_status cf_write_jsonl(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err);
cf_status cf_write_stix2(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err);
cf_status cf_write_misp(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err);
cf_status cf_write_csv(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err);
cf_status cf_write_text(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err);

/* Dispatch on f. */
cf_status cf_write_any(FILE *out, cf_out_format f, const cf_iocset *set, const cf_write_opts *o,
                       cf_error *err);

/* A MISP feed directory (manifest.json, <uuid>.json, hashes.csv), atomically. */
cf_status cf_write_misp_feed_dir(const char *dir, const cf_iocset *set, const cf_write_opts *o,
                                 cf_error *err);

#endif
