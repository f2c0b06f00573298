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
    /* csv: the set continues a document begun by an earlier call (no header) */
    bool continued;
    /* text, for a set that is one part of a larger document: whether a digest
       is also listed on its own in another part (NULL: only the set is asked) */
    bool (*listed_alone)(void *ctx, cf_ioc_type type, const char *value);
    void *listed_ctx;
} cf_write_opts;

void cf_write_opts_init(cf_write_opts *o);

cf_status cf_write_jsonl(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err);
cf_status cf_write_stix2(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err);
cf_status cf_write_misp(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err);
cf_status cf_write_csv(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err);
cf_status cf_write_text(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err);

/*
 * A STIX 2.1 bundle written one set after another, for documents larger than
 * memory: open writes the head and the producer identity, each add the
 * members of one set (the named objects of earlier sets are not repeated),
 * close the tail with the bundle id; one add gives the bytes of
 * cf_write_stix2. revoked, when not NULL, is asked per IOC of the set: the
 * indicator of one it answers true for is written revoked, modified no
 * earlier than `now`.
 * free releases a stream that is not closed (after an error).
 */
typedef struct cf_stix2_stream cf_stix2_stream;

cf_status cf_stix2_stream_open(cf_stix2_stream **out, FILE *fp, const cf_write_opts *o,
                               cf_error *err);
cf_status cf_stix2_stream_add(cf_stix2_stream *s, const cf_iocset *set,
                              bool (*revoked)(void *ctx, const cf_ioc *ioc), void *ctx,
                              cf_error *err);
cf_status cf_stix2_stream_close(cf_stix2_stream *s, cf_error *err);
void cf_stix2_stream_free(cf_stix2_stream *s);

/* Dispatch on f. */
cf_status cf_write_any(FILE *out, cf_out_format f, const cf_iocset *set, const cf_write_opts *o,
                       cf_error *err);

/*
 * A MISP feed directory (manifest.json, <uuid>.json, hashes.csv), atomically.
 * Event files are rendered, compared with the existing ones and written a
 * block at a time, so no event document is held whole.
 */
cf_status cf_write_misp_feed_dir(const char *dir, const cf_iocset *set, const cf_write_opts *o,
                                 cf_error *err);

/*
 * A MISP feed directory written from one set after another, for IOCs that do
 * not fit in memory together: each add groups its set into events as
 * cf_write_misp_feed_dir does and keeps their attributes in a temporary
 * file in dir, unlinked at once; close writes every event file, then
 * hashes.csv and the manifest, and frees the writer. Given the consecutive
 * parts of one set in its order, the files are the bytes cf_write_misp_feed_dir
 * writes for the whole set when its source events are all in the first
 * part (events come first, then feeds, each in the order first met); an
 * event of a later set is matched to an earlier one by uuid, a feed by name.
 * Memory is one event block and one temporary-file segment (about 1 MB) plus
 * a few hundred bytes per event, whatever the number of IOCs.
 * free releases a writer that is not closed (after an error), removing
 * what it had begun to write.
 */
typedef struct cf_misp_feed cf_misp_feed;

cf_status cf_misp_feed_open(cf_misp_feed **out, const char *dir, const cf_write_opts *o,
                            cf_error *err);
cf_status cf_misp_feed_add(cf_misp_feed *w, const cf_iocset *set, cf_error *err);
cf_status cf_misp_feed_close(cf_misp_feed *w, cf_error *err);
void cf_misp_feed_free(cf_misp_feed *w);

#endif
