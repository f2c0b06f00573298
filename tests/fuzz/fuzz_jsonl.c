/*
 * Fuzz target for the reader of ctiflow's own JSONL: one input is one file
 * of JSON lines read from memory into a sink that normalises and stores
 * every observation, so the per-source sightings, times and context of
 * each line reach the IOC set as in a real merge.
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
    if (cf_input_open_mem(&in, "fuzz.jsonl", data, size, &err) == CF_OK) {
        cf_read_jsonl(in, &o, &sink, &err);
    }
    cf_input_close(in);
    cf_collector_fini(&col);
    cf_iocset_free(set);
    return 0;
}
