/*
 * Fuzz target for the normalisers: one input is one value, normalised once
 * with every type hint. Besides memory errors it checks what every caller
 * relies on: a success leaves a NUL-free value whose length matches, with a
 * reason only on failure, and the canonical value normalises to itself
 * under the type it was given; a URL accepted without asking libcurl is
 * one libcurl accepts. A broken invariant aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ctiflow/normalize.h"

static cf_norm fz_first = CF_NORM_INIT;
static cf_norm fz_again = CF_NORM_INIT;
static CURLU *fz_url;

/* libcurl must accept every canonical URL, whichever path produced it. */
static void fz_check_url(const cf_norm *n)
{
    if (!fz_url) {
        fz_url = curl_url();
    }
    if (fz_url && curl_url_set(fz_url, CURLUPART_URL, cf_buf_str(&n->value),
                               CURLU_NON_SUPPORT_SCHEME | CURLU_ALLOW_SPACE) != CURLUE_OK) {
        abort();
    }
}

static void fz_check_result(cf_status st, const cf_norm *n)
{
    if (st != CF_OK) {
        if (st != CF_ENOMEM && n->reason == NULL) {
            abort();
        }
        return;
    }
    if (n->value.len == 0 || strlen(cf_buf_str(&n->value)) != n->value.len) {
        abort();
    }
    if (n->type == CF_IOC_NONE || n->type >= CF_IOC_TYPE_COUNT) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    for (int hint = 0; hint < CF_IOC_TYPE_COUNT; hint++) {
        cf_status st = cf_normalize(&fz_first, (cf_ioc_type)hint, text, size);
        fz_check_result(st, &fz_first);
        if (st != CF_OK) {
            continue;
        }

        /* The canonical value is a fixed point of its own type. */
        cf_ioc_type type = fz_first.type;
        if (type == CF_IOC_URL) {
            fz_check_url(&fz_first);
        }
        if (type == CF_IOC_FILE) {
            st = cf_norm_file(&fz_again, fz_first.hash_type, fz_first.value.data,
                              fz_first.value.len);
        } else {
            st = cf_normalize(&fz_again, type, fz_first.value.data, fz_first.value.len);
        }
        fz_check_result(st, &fz_again);
        if (st != CF_OK || fz_again.type != type || fz_again.changed ||
            strcmp(cf_buf_str(&fz_again.value), cf_buf_str(&fz_first.value)) != 0) {
            abort();
        }
    }
    return 0;
}
