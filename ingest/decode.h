/*
 * Archive decoding behind cf_input (private to ingest/).
 */
#ifndef CTIFLOW_INGEST_DECODE_H
#define CTIFLOW_INGEST_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "ctiflow/input.h"
#include "ctiflow/status.h"

/*
 * Extract the single data member of the ZIP archive in raw[0..len) into
 * *out (malloc'd, NUL-terminated). The member is read completely and the
 * archive checked to its end before CF_OK is returned, so a damaged or
 * truncated archive never yields partial data. At most limit bytes.
 */
cf_status cf_decode_zip(char **out, size_t *out_len, const char *raw, size_t len, uint64_t limit,
                        cf_error *err);

/* Read the rest of the raw (undecoded) stream into *out (malloc'd). */
cf_status cf_input_raw_slurp(cf_input *in, char **out, size_t *len, cf_error *err);

#endif
