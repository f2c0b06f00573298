/*
 * Threat-actor reference data: the MISP galaxy threat-actor clusters, and
 * the resolution of an actor name from any source to one cluster.
 *
 * DESIGN
 * cf_galaxy_load() parses a cluster file (clusters/threat-actor.json of
 * misp-galaxy) with jansson and keeps, per cluster, its uuid, value,
 * synonyms, country, suspected state sponsor, suspected victims and
 * attribution confidence. Three sorted indices answer a name: by uuid, by
 * value and by synonym. Names are compared on a key that ignores case,
 * spacing and punctuation ("APT 29", "APT29" and "apt-29" share the key
 * "apt29"); bytes outside ASCII are kept as they are.
 *
 * Resolution order: uuid, then value, then synonym. A uuid that names no
 * cluster (old MISP exports put the cluster file's own uuid on every
 * cluster) falls back to the name. A synonym that several clusters carry
 * ("Grizzly Steppe" is listed under APT28 and APT29) is ambiguous: the
 * answer lists the candidates and names no actor.
 */
#ifndef CTIFLOW_GALAXY_H
#define CTIFLOW_GALAXY_H

#include <stdbool.h>
#include <stddef.h>

#include "ctiflow/status.h"

/* One threat-actor cluster. Strings are owned by the galaxy. */
typedef struct cf_actor {
    char uuid[37];            /* lower-case cluster uuid */
    const char *value;        /* cluster name: "APT28" */
    const char *country;      /* ISO 3166 alpha-2 from meta.country, or NULL */
    const char *sponsor;      /* meta.cfr-suspected-state-sponsor, or NULL */
    const char *const *synonyms;
    size_t n_synonyms;
    const char *const *victims; /* meta.cfr-suspected-victims */
    size_t n_victims;
    int attribution_confidence; /* meta.attribution-confidence 0..100, -1 absent */
    size_t index;             /* position in the cluster file */
} cf_actor;

typedef struct cf_galaxy cf_galaxy;

/* Load a threat-actor cluster file. *out belongs to the caller. */
cf_status cf_galaxy_load(cf_galaxy **out, const char *path, cf_error *err);
/* The same from memory (name is used in messages). */
cf_status cf_galaxy_load_mem(cf_galaxy **out, const char *name, const char *json, size_t len,
                             cf_error *err);
void cf_galaxy_free(cf_galaxy *g);

/* The uuid of the cluster file itself (header "uuid"). Borrowed. */
const char *cf_galaxy_uuid(const cf_galaxy *g);
size_t cf_galaxy_count(const cf_galaxy *g);
/* Cluster number i in file order. Borrowed. */
const cf_actor *cf_galaxy_at(const cf_galaxy *g, size_t i);

/* How a name was resolved. */
typedef enum cf_actor_match {
    CF_ACTOR_UNKNOWN = 0, /* no cluster has this uuid or name */
    CF_ACTOR_BY_UUID,
    CF_ACTOR_BY_VALUE,
    CF_ACTOR_BY_SYNONYM,
    CF_ACTOR_AMBIGUOUS,   /* a synonym of several clusters; not resolved */
} cf_actor_match;

/* "uuid", "value", "synonym", "ambiguous", "unknown". Static. */
const char *cf_actor_match_name(cf_actor_match m);

#define CF_ACTOR_MAX_CANDIDATES 8

typedef struct cf_actor_res {
    cf_actor_match how;
    const cf_actor *actor;    /* the cluster, NULL unless resolved */
    const cf_actor *candidates[CF_ACTOR_MAX_CANDIDATES]; /* when ambiguous */
    size_t n_candidates;      /* candidates found (may exceed the array) */
} cf_actor_res;

/*
 * Resolve an actor from a cluster uuid (may be NULL) and a name (may be
 * NULL). The name may be written as a MISP tag
 * (misp-galaxy:threat-actor="APT28"), a MITRE galaxy value ("APT28 -
 * G0007"), a STIX 2 id ("intrusion-set--<uuid>") or a bare uuid. Returns
 * out->how.
 */
cf_actor_match cf_galaxy_resolve(const cf_galaxy *g, const char *uuid, const char *name,
                                 cf_actor_res *out);

/* The cluster with this uuid, or NULL. */
const cf_actor *cf_galaxy_by_uuid(const cf_galaxy *g, const char *uuid);

/*
 * Write the comparison key of name into out (at most outsz bytes with the
 * NUL): ASCII letters lower-cased, ASCII characters other than letters and
 * digits dropped, other bytes kept. Returns the key length.
 */
size_t cf_galaxy_name_key(char *out, size_t outsz, const char *name, size_t len);

/* True when the two sponsor / country names mean the same (key compare). */
bool cf_galaxy_same_name(const char *a, const char *b);

#endif
