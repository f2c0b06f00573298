/*
 * MISP's attribute type table (describeTypes) as ctiflow sees it: for every
 * MISP type, the IOC type it carries, how a composite value splits, and the
 * default category and to_ids flag MISP gives it. Shared by the MISP reader
 * (convert/misp.c) and the MISP writer (publish/misp.c); internal to them.
 */
#ifndef CTIFLOW_MISP_TYPES_H
#define CTIFLOW_MISP_TYPES_H

#include <stdbool.h>

#include "ctiflow/ioc.h"

/* How a MISP value maps onto IOCs. */
typedef enum misp_shape {
    MS_PLAIN = 0,     /* one value of type ioc (CF_IOC_NONE: not carried) */
    MS_FILE_HASH,     /* "name|hash": one CF_IOC_FILE whose hash is of type ioc */
    MS_FILE_SPLIT,    /* "name|x": a filename and an x of type ioc, separately */
    MS_DOMAIN_IP,     /* "domain|ip": a domain and an ip */
    MS_IP_PORT,       /* "ip|port": one endpoint */
    MS_HOST_PORT,     /* "host|port": the host as a domain (the port alone is no IOC) */
    MS_REGKEY_VALUE,  /* "key|data": the key */
} misp_shape;

typedef struct misp_type {
    const char *name;     /* MISP attribute type */
    cf_ioc_type ioc;      /* IOC type carried, CF_IOC_NONE when not carried */
    misp_shape shape;
    const char *category; /* describeTypes sane default category */
    bool to_ids;          /* describeTypes sane default to_ids */
} misp_type;

/* The entry for a MISP type name (n bytes), or NULL when MISP has no such type. */
const misp_type *cf_misp_type_find(const char *name, size_t n);

/* Number of entries (MISP's 194 types) and entry i, sorted by name. */
size_t cf_misp_type_count(void);
const misp_type *cf_misp_type_at(size_t i);

/*
 * The MISP type ctiflow writes for an IOC type; file uses the hash type,
 * e.g. "filename|sha256". NULL when no MISP type carries it.
 */
const char *cf_misp_type_for_ioc(cf_ioc_type type, cf_ioc_type hash_type);

#endif
