/*
 * Normalisation: raw text from a feed to a typed, canonical IOC value, or a
 * reject with a reason.
 *
 * DESIGN
 * cf_normalize() first refangs the text (hxxp, [.], (.), [dot], [:], [://],
 * [@], [at]), trims surrounding white space, strips a UTF-8 BOM, then either
 * detects the type (hint CF_IOC_NONE) or checks the text against the hinted
 * type, and writes the canonical form into out->value. One normaliser per
 * type; each is pure and thread-safe. No allocation happens when out's
 * buffers already have room, so a reader can reuse one cf_norm per record.
 */
#ifndef CTIFLOW_NORMALIZE_H
#define CTIFLOW_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "ctiflow/buf.h"
#include "ctiflow/ioc.h"
#include "ctiflow/status.h"

typedef struct cf_norm {
    cf_ioc_type type;       /* type of the canonical value */
    cf_ioc_type hash_type;  /* CF_IOC_FILE: md5/sha1/sha256/sha512 */
    int port;               /* CF_IOC_ENDPOINT: 0..65535; -1 otherwise */
    cf_buf value;           /* canonical value */
    cf_buf display_name;    /* CF_IOC_EMAIL: display name, empty when none */
    bool changed;           /* value differs from the trimmed input text */
    bool host_bits_cleared; /* CF_IOC_CIDR: input had host bits set */
    const char *warning;    /* static text of a warning on success, or NULL */
    const char *reason;     /* static text of the reject reason on failure */
    /*
     * The address of an ip, cidr or endpoint as the normaliser parsed it, so
     * that matching (cf_wl_match_norm) need not parse the value again:
     * addr_family 4 or 6 (0: not recorded), the bits in network order (IPv4
     * in the first four bytes, host bits of a cidr cleared) and the prefix
     * length (32 or 128 for an ip or an endpoint).
     */
    int addr_family;
    int addr_prefix;
    unsigned char addr[16];
} cf_norm;

#define CF_NORM_INIT                                                                               \
    {                                                                                              \
        CF_IOC_NONE, CF_IOC_NONE, -1, CF_BUF_INIT, CF_BUF_INIT, false, false, NULL, NULL, 0, 0,    \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

void cf_norm_free(cf_norm *n);

/*
 * Normalise text (len bytes, need not be NUL-terminated) of type hint.
 * CF_OK: out describes the IOC (out->warning may be set).
 * CF_EMALFORMED / CF_ELIMIT / CF_EUNSUPPORTED: rejected, out->reason says
 * why ("invalid IPv4 address", "label longer than 63 octets", ...).
 * CF_ENOMEM: out of memory.
 *
 * Hints are taken as the column's meaning, with the conversions feeds need:
 * an ip hint accepts a network (becomes cidr, "/32" and "/128" become ip),
 * a domain hint accepts a URL-less host, a hash hint of the wrong length is
 * a reject, CF_IOC_FILE takes "name|hash" split at the last '|', and
 * CF_IOC_ENDPOINT takes "a.b.c.d:port" and "[v6]:port".
 * A url hint without "scheme://" but with a host and a path
 * ("example.com/x") gets "http://" in front and changed set; a domain hint
 * holding an IP address gives an ip. The types kept as given (filename,
 * file, regkey, mutex, user-agent, ssdeep, tlsh) are not refanged.
 */
cf_status cf_normalize(cf_norm *out, cf_ioc_type hint, const char *text, size_t len);

/* The per-type normalisers behind cf_normalize; text is already refanged. */
cf_status cf_norm_ip(cf_norm *out, const char *text, size_t len);
cf_status cf_norm_cidr(cf_norm *out, const char *text, size_t len);
cf_status cf_norm_domain(cf_norm *out, const char *text, size_t len);
cf_status cf_norm_url(cf_norm *out, const char *text, size_t len);
cf_status cf_norm_email(cf_norm *out, const char *text, size_t len);
cf_status cf_norm_hash(cf_norm *out, cf_ioc_type type, const char *text, size_t len);
cf_status cf_norm_file(cf_norm *out, cf_ioc_type hash_type, const char *text, size_t len);
cf_status cf_norm_endpoint(cf_norm *out, const char *text, size_t len);

/* Refang text into out; returns true when anything was replaced. */
bool cf_refang(cf_buf *out, const char *text, size_t len);

/* Guess the type of untyped text (already refanged and trimmed). */
cf_ioc_type cf_detect_type(const char *text, size_t len);

/*
 * Parse canonical addresses for correlation and warning lists.
 * family 4 or 6; addr holds 4 or 16 bytes in network order.
 */
bool cf_parse_ip(const char *text, size_t len, int *family, unsigned char addr[16]);
bool cf_parse_cidr(const char *text, size_t len, int *family, unsigned char addr[16],
                   int *prefix);

#endif
