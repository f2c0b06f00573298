/*
 * Fuzz target for the text reader and format detection: the input is
 * sniffed, then read as a list without a profile and with the DShield
 * block profile (column joining) and the Spamhaus NDJSON profile.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const profiles[] = {NULL, "dshield-block", "spamhaus-drop-json"};
    (void)cf_detect_format((const char *)data, size);
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
        size_t count = 0;
        cf_sink sink = {fz_obs, NULL, NULL, NULL, &count};
        cf_read_opts o;
        cf_read_opts_init(&o);
        o.profile = profiles[i] ? cf_profile_find(profiles[i]) : NULL;
        cf_input *in = NULL;
        cf_error err;
        cf_error_clear(&err);
        if (cf_input_open_mem(&in, "fuzz", data, size, &err) != CF_OK) {
            return 0;
        }
        cf_read_text(in, &o, &sink, &err);
        cf_input_close(in);
    }
    return 0;
}
