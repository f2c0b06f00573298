/*
 * Fuzz target for the STIX 2.x reader: one input is one document read from
 * memory into a collecting sink, so the reader, its pattern building and
 * the normalisers all see it.
 */
#include <stddef.h>
#include <stdint.h>

#include "ctiflow/iocset.h"
#include "ctiflow/reader.h"

static void fuzz_diag(void *ctx, const cf_diag *d)
{
    (void)ctx;
    (void)d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cf_iocset *set = cf_iocset_new();
    cf_collector col;
    cf_input *in = NULL;
    cf_error err;

    if (!set) {
        return 0;
    }
    cf_collector_init(&col, set, fuzz_diag, NULL);
    cf_sink sink = cf_collector_sink(&col);
    cf_error_clear(&err);
    if (cf_input_open_mem(&in, "fuzz", data, size, &err) == CF_OK) {
        cf_read_stix2(in, NULL, &sink, &err);
    }
    cf_input_close(in);
    cf_collector_fini(&col);
    cf_iocset_free(set);
    return 0;
}
