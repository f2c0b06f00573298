/*
 * Correlation: which listed networks hold an address, which listed domains
 * a host is under, which IOCs came together in one record or event, and the
 * threat actors reached through these links.
 *
 * DESIGN
 * Two layers. The in-memory indices (core/correlate.c) answer containment
 * questions on the bits: cf_netidx is a binary trie per address family
 * whose nodes mark the listed prefixes, so "which networks contain this
 * address or network" walks at most 32 or 128 nodes, whatever the number
 * of networks; cf_domidx is a hash set of listed domains, and "which listed
 * domains is this host equal to or under" looks up the host and each
 * suffix that starts at a label boundary.
 *
 * The correlation database (core/correlate_db.c) is a SQLite file beside
 * the store that the run driver feeds, beside each feed's store ingest,
 * with the same finished IOC set (cf_corr_ingest). It keeps, per IOC, the sightings
 * with their feed, source event, record reference and the actor names each
 * source gave, plus bit-level keys (network number per prefix length,
 * address bytes of an address, of a URL's address host or of an endpoint,
 * reversed host) in indexed columns, so a lookup is a handful of index
 * probes and never a scan.
 *
 * Attribution. A source that names an actor on an IOC attributes it
 * directly. Attribution also flows one hop along a link, with a lower
 * confidence; the factors (percent of the direct confidence) are:
 *   same record (MISP domain|ip, STIX composition)   CF_CORR_VIA_RECORD
 *   same address (an endpoint and its address)        CF_CORR_VIA_ADDRESS
 *   host under a listed domain                        CF_CORR_VIA_DOMAIN
 *   address inside a listed network                   CF_CORR_VIA_NETWORK
 *   same source event                                 CF_CORR_VIA_EVENT
 * The direct confidence is CF_CORR_DIRECT for a name resolved by uuid or
 * value and CF_CORR_SYNONYM for one resolved by synonym. Every attribution
 * keeps the path that reached it, in words.
 */
#ifndef CTIFLOW_CORRELATE_H
#define CTIFLOW_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctiflow/galaxy.h"
#include "ctiflow/ioc.h"
#include "ctiflow/iocset.h"
#include "ctiflow/status.h"

#define CF_CORR_DIRECT 100
#define CF_CORR_SYNONYM 90
#define CF_CORR_VIA_RECORD 70
#define CF_CORR_VIA_ADDRESS 70
#define CF_CORR_VIA_DOMAIN 60
#define CF_CORR_VIA_NETWORK 50
#define CF_CORR_VIA_EVENT 30

/* ---- networks on the bits ------------------------------------------- */

typedef struct cf_netidx cf_netidx;

cf_netidx *cf_netidx_new(void);
void cf_netidx_free(cf_netidx *ix);
/* List network addr/prefix (family 4 or 6) under id; host bits are ignored. */
cf_status cf_netidx_add(cf_netidx *ix, int family, const unsigned char addr[16], int prefix,
                        uint32_t id);
/* Networks listed. */
size_t cf_netidx_count(const cf_netidx *ix);
/*
 * Ids of the listed networks that contain addr/prefix (an address is
 * prefix 32 or 128), broadest first. Writes at most max ids; returns how
 * many there are.
 */
size_t cf_netidx_containing(const cf_netidx *ix, int family, const unsigned char addr[16],
                            int prefix, uint32_t *out, size_t max);

/* ---- domains by label ----------------------------------------------- */

typedef struct cf_domidx cf_domidx;

cf_domidx *cf_domidx_new(void);
void cf_domidx_free(cf_domidx *ix);
/* List a canonical domain under id (one id per domain; a repeat keeps the first). */
cf_status cf_domidx_add(cf_domidx *ix, const char *domain, uint32_t id);
size_t cf_domidx_count(const cf_domidx *ix);
/*
 * Ids of the listed domains that host is equal to or under, by label
 * boundary ("a.example.com" is under "example.com", "badexample.com" is
 * not), most specific first. Returns how many there are.
 */
size_t cf_domidx_parents(const cf_domidx *ix, const char *host, uint32_t *out, size_t max);

/*
 * The host an IOC names: a domain itself, a URL's host, an e-mail's domain
 * part; an address host of a URL is written too (is_ip set). false when
 * the IOC has no host.
 */
bool cf_corr_host(char *out, size_t outsz, cf_ioc_type type, const char *value, bool *is_ip);

/* ---- the correlation database ---------------------------------------- */

typedef struct cf_corr cf_corr;

/* Open (creating) the correlation database at path. */
cf_status cf_corr_open(cf_corr **out, const char *path, cf_error *err);
void cf_corr_close(cf_corr *c);

/*
 * Record what one feed's finished set lists (one transaction): the IOCs
 * with first/last seen, each sighting with its event, record reference
 * and actor names, and the bit-level keys of networks, addresses and
 * hosts. The run driver calls it with the set cf_store_ingest takes;
 * now is the sighting time when the source gives none; feed_actor (the
 * feed's `actor:` setting, or NULL) is added to every IOC's actor names.
 */
cf_status cf_corr_ingest(cf_corr *c, const char *feed, const char *feed_actor,
                         const cf_iocset *set, cf_time now, cf_error *err);

/*
 * Asked once everything is written, before the commit: true commits, false
 * rolls the transaction back (the ingest then returns CF_OK, nothing
 * recorded). May wait: the run driver loads a set while the store takes
 * the same set on another thread, and commits only what the store kept.
 */
typedef bool (*cf_corr_gate_fn)(void *ctx);

/* cf_corr_ingest with a gate before the commit (gate NULL: always commit). */
cf_status cf_corr_ingest_gated(cf_corr *c, const char *feed, const char *feed_actor,
                               const cf_iocset *set, cf_time now, cf_corr_gate_fn gate,
                               void *gate_ctx, cf_error *err);

/*
 * Forget feed (one no longer configured): its sightings and events, and
 * the IOCs no other feed sighted with their keys, in one transaction.
 */
cf_status cf_corr_drop_feed(cf_corr *c, const char *feed, cf_error *err);

/* IOCs and sightings held. */
cf_status cf_corr_count(cf_corr *c, int64_t *iocs, int64_t *sightings, cf_error *err);

/* One source that listed an IOC. */
typedef struct cf_corr_source {
    char *feed;
    char *event;    /* event info or uuid, or NULL */
    char *actors;   /* actor names this source gave, '\n'-separated, or "" */
    cf_time first, last;
} cf_corr_source;

/* An actor reached from the IOC. */
typedef struct cf_corr_attr {
    char *name;              /* the cluster value, or the name as given when unresolved */
    const cf_actor *actor;   /* NULL when unresolved or ambiguous */
    cf_actor_match how;      /* how the name was resolved */
    int confidence;          /* 0..100, see the factors above */
    char *path;              /* how it was reached, in words */
} cf_corr_attr;

/* A correlated IOC and the link to it. */
typedef struct cf_corr_link {
    /*
     * "network" (containing the address), "domain" (the host is under),
     * "subdomain" (under the domain), "contains" (inside the network),
     * "endpoint" (on the address), "address" (of the endpoint), "record"
     */
    const char *kind;
    cf_ioc_type type;
    char *value;
    char *detail;       /* feed or event that makes the link */
} cf_corr_link;

typedef struct cf_corr_result {
    cf_ioc_type type;
    char *value;             /* canonical value looked up */
    bool listed;             /* some feed lists the value itself */
    cf_time first_seen, last_seen;
    cf_corr_source *sources;
    size_t n_sources;
    cf_corr_attr *attrs;     /* best path per actor, highest confidence first */
    size_t n_attrs;
    cf_corr_link *links;
    size_t n_links;
} cf_corr_result;

/* Links of one kind reported per lookup, at most. */
#define CF_CORR_MAX_LINKS 100

/*
 * Everything known about one canonical value: sources, actors (resolved
 * through g, which may be NULL) with their paths, correlated IOCs (for an
 * address its listed endpoints and containing networks; for an endpoint its
 * listed address and the networks containing it).
 * out must be zeroed; free it with cf_corr_result_fini.
 */
cf_status cf_corr_lookup(cf_corr *c, const cf_galaxy *g, cf_ioc_type type, const char *value,
                         cf_corr_result *out, cf_error *err);
void cf_corr_result_fini(cf_corr_result *r);

/* One IOC as handed to cf_corr_each. Borrowed for the callback. */
typedef struct cf_corr_row {
    int64_t id;
    cf_ioc_type type;
    cf_ioc_type hash_type;
    int port;
    const char *value;
    cf_time first_seen, last_seen;
    const char *feeds;   /* '\n'-separated, sorted */
    const char *actors;  /* every actor name any source gave, '\n'-separated, sorted */
} cf_corr_row;

typedef cf_status (*cf_corr_row_fn)(void *ctx, const cf_corr_row *row);

/* Every IOC in (type, value) order. */
cf_status cf_corr_each(cf_corr *c, cf_corr_row_fn fn, void *ctx, cf_error *err);

/* IOCs shared by each pair of feeds. */
typedef cf_status (*cf_corr_pair_fn)(void *ctx, const char *feed_a, const char *feed_b,
                                     int64_t shared);
cf_status cf_corr_feed_overlap(cf_corr *c, cf_corr_pair_fn fn, void *ctx, cf_error *err);

/* Same-record partners (MISP composite, STIX composition) of IOC id. */
typedef cf_status (*cf_corr_partner_fn)(void *ctx, int64_t partner_id, const char *feed);
cf_status cf_corr_record_partners(cf_corr *c, int64_t id, cf_corr_partner_fn fn, void *ctx,
                                  cf_error *err);

#endif
