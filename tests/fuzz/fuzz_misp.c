/*
 * Fuzz target for the MISP reader: one input is one MISP JSON document read
 * from memory into a sink that normalises and stores every observation, so
 * the reader, the composite splitting and the normalisers all see it.
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
    cf_read_opts o;

    if (!set) {
        return 0;
    }
    cf_collector_init(&col, set, fuzz_diag, NULL);
    cf_sink sink = cf_collector_sink(&col);
    cf_error_clear(&err);
    cf_read_opts_init(&o);
    o.feed = "fuzz";
    if (cf_input_open_mem(&in, "fuzz.json", data, size, &err) == CF_OK) {
        cf_read_misp(in, &o, &sink, &err);
    }
    cf_input_close(in);
    cf_collector_fini(&col);
    cf_iocset_free(set);
    return 0;
}
