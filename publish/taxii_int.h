/*
 * Internal to the TAXII server: the snapshot of served collections
 * (publish/taxii_snapshot.c) that the HTTP layer (publish/taxii_server.c)
 * reads.
 */
#ifndef CTIFLOW_TAXII_INT_H
#define CTIFLOW_TAXII_INT_H

#include <jansson.h>
#include <stddef.h>

#include "ctiflow/config.h"
#include "ctiflow/iocset.h"
#include "ctiflow/normalize.h"
#include "ctiflow/store.h"
#include "ctiflow/status.h"
#include "ctiflow/timeutil.h"

/* One STIX object as served. */
typedef struct tx_obj {
    cf_time added;       /* date added */
    cf_time version_t;   /* modified (or created) as an instant */
    char *id;            /* "indicator--..." */
    size_t type_len;     /* length of the type prefix of id */
    char version[32];    /* modified (or created) as written in the object */
    char *json;          /* compact serialisation */
    size_t len;
} tx_obj;

/* One collection's objects, sorted by (added, id). */
typedef struct tx_coll {
    tx_obj *objs;
    size_t n;
} tx_coll;

/* Every collection of the configuration, in configuration order. */
typedef struct tx_snap {
    tx_coll *colls;
    size_t n;
} tx_snap;

/* ---- loading IOCs from the store, shared with the outbox ---- */

/* What the store said about one indicator. */
typedef struct tx_ind {
    char id[64];
    cf_time added;
    cf_time expired;
} tx_ind;

/* Reading store rows into an IOC set (col may be NULL: every row). */
typedef struct tx_loader {
    const cf_taxii_collection_cfg *col;
    cf_iocset *set;
    cf_norm norm;
    tx_ind *inds;
    size_t n_inds, cap_inds;
    cf_time first;  /* earliest date added */
} tx_loader;

/* Read the rows modified after since (0: all) at most max_tlp through col's filter. */
cf_status tx_load(tx_loader *l, cf_store *store, int64_t since, cf_tlp max_tlp,
                  const cf_taxii_collection_cfg *col, cf_error *err);
void tx_loader_fini(tx_loader *l);
/* Render the loaded set as a STIX 2.1 bundle, parsed. */
cf_status tx_render(json_t **out, const tx_loader *l, cf_error *err);
/* Mark o revoked (modified at expiry) when it is the indicator of an expired IOC. */
void tx_revoke(json_t *o, const tx_loader *l);

/* ---- the served snapshot ---- */

/* Build a snapshot of cfg's collections from its store. */
cf_status tx_snap_build(tx_snap **out, const cf_config *cfg, cf_error *err);
void tx_snap_free(tx_snap *s);

/* Index of the first object ordered after (added, id); id NULL = after added. */
size_t tx_coll_seek(const tx_coll *c, cf_time added, const char *id);
/* Index of an object by id, or c->n. */
size_t tx_coll_find(const tx_coll *c, const char *id);

#endif
