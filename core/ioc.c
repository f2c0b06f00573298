/*
 * IOC type and TLP names, observation defaults and the diagnostic helper.
 */
#include <string.h>
#include <strings.h>

#include "ctiflow/ioc.h"

#include "ctiflow/buf.h"

static const char *const ioc_type_names[CF_IOC_TYPE_COUNT] = {
    [CF_IOC_NONE] = "auto",        [CF_IOC_IP] = "ip",
    [CF_IOC_CIDR] = "cidr",        [CF_IOC_DOMAIN] = "domain",
    [CF_IOC_URL] = "url",          [CF_IOC_EMAIL] = "email",
    [CF_IOC_MD5] = "md5",          [CF_IOC_SHA1] = "sha1",
    [CF_IOC_SHA256] = "sha256",    [CF_IOC_SHA512] = "sha512",
    [CF_IOC_SSDEEP] = "ssdeep",    [CF_IOC_TLSH] = "tlsh",
    [CF_IOC_FILENAME] = "filename", [CF_IOC_FILE] = "file",
    [CF_IOC_ENDPOINT] = "endpoint", [CF_IOC_ASN] = "asn",
    [CF_IOC_JA3] = "ja3",          [CF_IOC_X509_SHA1] = "x509-sha1",
    [CF_IOC_REGKEY] = "regkey",    [CF_IOC_MUTEX] = "mutex",
    [CF_IOC_USER_AGENT] = "user-agent", [CF_IOC_CVE] = "cve",
};

const char *cf_ioc_type_name(cf_ioc_type t)
{
    if ((unsigned)t >= CF_IOC_TYPE_COUNT) {
        return "auto";
    }
    return ioc_type_names[t];
}

cf_ioc_type cf_ioc_type_from_name(const char *name)
{
    if (!name || !*name) {
        return CF_IOC_NONE;
    }
    /* the canonical lower-case spelling (every stored row) first, by its first letter */
    for (int t = 1; t < CF_IOC_TYPE_COUNT; t++) {
        if (ioc_type_names[t][0] == name[0] && strcmp(name, ioc_type_names[t]) == 0) {
            return (cf_ioc_type)t;
        }
    }
    for (int t = 1; t < CF_IOC_TYPE_COUNT; t++) {
        if (strcasecmp(name, ioc_type_names[t]) == 0) {
            return (cf_ioc_type)t;
        }
    }
    return CF_IOC_NONE;
}

bool cf_ioc_type_is_hash(cf_ioc_type t)
{
    return t == CF_IOC_MD5 || t == CF_IOC_SHA1 || t == CF_IOC_SHA256 || t == CF_IOC_SHA512;
}

const char *cf_tlp_name(cf_tlp t)
{
    switch (t) {
    case CF_TLP_CLEAR:
        return "clear";
    case CF_TLP_GREEN:
        return "green";
    case CF_TLP_AMBER:
        return "amber";
    case CF_TLP_AMBER_STRICT:
        return "amber+strict";
    case CF_TLP_RED:
        return "red";
    case CF_TLP_NONE:
        break;
    }
    return NULL;
}

cf_tlp cf_tlp_from_name(const char *name)
{
    if (!name) {
        return CF_TLP_NONE;
    }
    if (strncasecmp(name, "tlp:", 4) == 0) {
        name += 4;
    }
    if (strcasecmp(name, "clear") == 0 || strcasecmp(name, "white") == 0) {
        return CF_TLP_CLEAR;
    }
    if (strcasecmp(name, "green") == 0) {
        return CF_TLP_GREEN;
    }
    if (strcasecmp(name, "amber") == 0) {
        return CF_TLP_AMBER;
    }
    if (strcasecmp(name, "amber+strict") == 0) {
        return CF_TLP_AMBER_STRICT;
    }
    if (strcasecmp(name, "red") == 0) {
        return CF_TLP_RED;
    }
    return CF_TLP_NONE;
}

void cf_obs_init(cf_obs *o)
{
    memset(o, 0, sizeof *o);
    o->first_seen = CF_TIME_NONE;
    o->last_seen = CF_TIME_NONE;
    o->valid_until = CF_TIME_NONE;
    o->time = CF_TIME_NONE;
    o->confidence = -1;
    o->to_ids = true;
}

void cf_sink_diag(const cf_sink *sink, cf_diag_level level, const char *feed, uint64_t line,
                  const char *ref, const char *reason, const char *value, size_t value_len)
{
    if (!sink || !sink->diag) {
        return;
    }
    cf_diag d = {
        .level = level,
        .feed = feed,
        .line = line,
        .ref = ref,
        .reason = reason,
        .value = value,
        .value_len = value_len,
    };
    sink->diag(sink->ctx, &d);
}

cf_status cf_diag_json(cf_buf *b, const cf_diag *d)
{
    const char *level = d->level == CF_DIAG_WARNING  ? "warning"
                        : d->level == CF_DIAG_REJECT ? "reject"
                                                     : "error";

    cf_buf_puts(b, "{\"feed\":");
    cf_buf_json_quoted(b, d->feed ? d->feed : "-");
    cf_buf_printf(b, ",\"line\":%llu,\"level\":\"%s\"", (unsigned long long)d->line, level);
    if (d->ref) {
        cf_buf_puts(b, ",\"ref\":");
        cf_buf_json_quoted(b, d->ref);
    }
    cf_buf_puts(b, ",\"reason\":");
    cf_buf_json_quoted(b, d->reason ? d->reason : "invalid record");
    if (d->value) {
        cf_buf_puts(b, ",\"value\":\"");
        cf_buf_json_str(b, d->value, d->value_len > 4096 ? 4096 : d->value_len);
        cf_buf_putc(b, '"');
    }
    return cf_buf_puts(b, "}\n");
}
