/*
 * Input streams and format detection.
 *
 * DESIGN
 * A cf_input is a pull stream of bytes. cf_input_open_file() opens a path
 * (or "-" for stdin) and looks at the first bytes: a gzip body is inflated
 * through zlib, a ZIP archive through libarchive (its single data member is
 * read; a damaged archive is an error, never partial data), both bounded by
 * CF_MAX_DECOMPRESSED_BYTES. A leading UTF-8 BOM is left in place for the
 * readers, which strip it. cf_detect_format() sniffs the decoded head.
 */
#ifndef CTIFLOW_INPUT_H
#define CTIFLOW_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctiflow/status.h"

typedef struct cf_input cf_input;

typedef enum cf_format {
    CF_FMT_UNKNOWN = 0,
    CF_FMT_CSV,
    CF_FMT_TEXT,
    CF_FMT_MISP,
    CF_FMT_STIX1,
    CF_FMT_STIX2,
    CF_FMT_JSONL,
} cf_format;

const char *cf_format_name(cf_format f);
cf_format cf_format_from_name(const char *name);

/* Open a file ("-" is stdin); name is used in messages. */
cf_status cf_input_open_file(cf_input **out, const char *path, cf_error *err);
/* A stream over memory the caller keeps alive (decoded like a file). */
cf_status cf_input_open_mem(cf_input **out, const char *name, const void *data, size_t len,
                            cf_error *err);
void cf_input_close(cf_input *in);

const char *cf_input_name(const cf_input *in);
/* Path of the underlying file, or NULL for stdin and memory. */
const char *cf_input_path(const cf_input *in);

/*
 * Read up to n bytes. Returns bytes read, 0 at end, -1 on error (err set:
 * a damaged archive, an I/O error, the decompressed size limit).
 */
ssize_t cf_input_read(cf_input *in, void *buf, size_t n, cf_error *err);

/* Up to n bytes from the start of the decoded stream without consuming them. */
size_t cf_input_peek(cf_input *in, const char **head, size_t n, cf_error *err);

/* Read the whole remaining stream into *out (malloc'd, NUL-terminated). */
cf_status cf_input_slurp(cf_input *in, char **out, size_t *len, size_t limit, cf_error *err);

/* Guess the format from the decoded head of a stream. */
cf_format cf_detect_format(const char *head, size_t n);

/*
 * Line reader over a cf_input: yields physical lines without their CR/LF,
 * counting 1-based line numbers; a line over CF_MAX_LINE_BYTES is reported
 * as CF_ELIMIT once and skipped. The returned line is borrowed until the
 * next call.
 */
typedef struct cf_lines cf_lines;
cf_lines *cf_lines_new(cf_input *in);
void cf_lines_free(cf_lines *l);
/* 1: a line in line and len; 0: end; -1: error (err set, CF_ELIMIT for a long line, go on). */
int cf_lines_next(cf_lines *l, const char **line, size_t *len, uint64_t *lineno, cf_error *err);
/* True once the underlying stream failed (I/O, damaged or over-size data):
 * a -1 from cf_lines_next is then final, even when its status is CF_ELIMIT. */
bool cf_lines_failed(const cf_lines *l);
/* True when the input ended without a line feed after its last line. */
bool cf_lines_cut(const cf_lines *l);

#endif
