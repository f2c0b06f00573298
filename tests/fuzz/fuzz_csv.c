/*
 * Fuzz target for the CSV reader: the input is read once without a
 * profile (detection of delimiter, header and columns) and once with each
 * of three built-in profiles with different quoting and delimiters.
 */
#include <stddef.h>
#include <stdint.h>

#include "ctiflow/reader.h"

static cf_status fz_obs(void *ctx, const cf_obs *o)
{
    size_t *n = ctx;
    *n += o->len > 0;
    return CF_OK;
}

static void fz_diag(void *ctx, const cf_diag *d)
{
    (void)ctx;
    (void)d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const profiles[] = {NULL, "threatfox", "dataplane", "misp-csv"};
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
        size_t count = 0;
        cf_sink sink = {fz_obs, fz_diag, NULL, NULL, &count};
        cf_read_opts o;
        cf_read_opts_init(&o);
        o.profile = profiles[i] ? cf_profile_find(profiles[i]) : NULL;
        cf_input *in = NULL;
        cf_error err;
        cf_error_clear(&err);
        if (cf_input_open_mem(&in, "fuzz", data, size, &err) != CF_OK) {
            return 0;
        }
        cf_read_csv(in, &o, &sink, &err);
        cf_input_close(in);
    }
    return 0;
}
