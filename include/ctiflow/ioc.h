/*
 * The IOC model: one (type, canonical value) pair plus the context that
 * came with it.
 *
 * DESIGN
 * A reader never builds cf_ioc values itself. It hands raw observations
 * (cf_obs: a type hint, the text as found, where it was found and what the
 * source said about it) to a sink; the sink normalises the text
 * (normalize.h) and merges the result into a cf_iocset (iocset.h), which
 * owns every cf_ioc. Strings that repeat across IOCs (feed names, labels,
 * families, actors) are interned in the set's string pool and compared by
 * pointer.
 */
#ifndef CTIFLOW_IOC_H
#define CTIFLOW_IOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctiflow/status.h"
#include "ctiflow/timeutil.h"

typedef enum cf_ioc_type {
    CF_IOC_NONE = 0, /* untyped: detect from the value */
    CF_IOC_IP,
    CF_IOC_CIDR,
    CF_IOC_DOMAIN,
    CF_IOC_URL,
    CF_IOC_EMAIL,
    CF_IOC_MD5,
    CF_IOC_SHA1,
    CF_IOC_SHA256,
    CF_IOC_SHA512,
    CF_IOC_SSDEEP,
    CF_IOC_TLSH,
    CF_IOC_FILENAME,
    CF_IOC_FILE, /* "name|hash"; hash_type says which hash */
    CF_IOC_ENDPOINT,
    CF_IOC_ASN,
    CF_IOC_JA3,
    CF_IOC_X509_SHA1,
    CF_IOC_REGKEY,
    CF_IOC_MUTEX,
    CF_IOC_USER_AGENT,
    CF_IOC_CVE,
    CF_IOC_TYPE_COUNT
} cf_ioc_type;

/* "ip", "cidr", ... ; "auto" for CF_IOC_NONE. Static string. */
const char *cf_ioc_type_name(cf_ioc_type t);
/* Inverse of cf_ioc_type_name; "auto" and unknown names give CF_IOC_NONE. */
cf_ioc_type cf_ioc_type_from_name(const char *name);
/* True for md5, sha1, sha256, sha512 (plain digests). */
bool cf_ioc_type_is_hash(cf_ioc_type t);

/* TLP 2.0 names; TLP 1.0 WHITE reads as CLEAR. Ordered by restriction. */
typedef enum cf_tlp {
    CF_TLP_NONE = 0,
    CF_TLP_CLEAR,
    CF_TLP_GREEN,
    CF_TLP_AMBER,
    CF_TLP_AMBER_STRICT,
    CF_TLP_RED,
} cf_tlp;

/* "clear", "green", "amber", "amber+strict", "red"; NULL for NONE. */
const char *cf_tlp_name(cf_tlp t);
/* Accepts 2.0 and 1.0 names, any case, with or without "tlp:" prefix. */
cf_tlp cf_tlp_from_name(const char *name);

/*
 * A source event: a MISP event, a STIX 1.x package or STIX 2.x report. One
 * per source document; sightings point at it. Owned by the iocset.
 */
typedef struct cf_event {
    char *uuid;      /* MISP event uuid or package/report id; may be NULL */
    char *info;      /* MISP info / package title; may be NULL */
    char *orgc;      /* creator organisation name; may be NULL */
    cf_time date;    /* event date, CF_TIME_NONE if absent */
    cf_time timestamp;
    cf_time publish_timestamp;
    bool published;
    cf_tlp tlp;               /* event-level marking */
    const char **labels;      /* interned; other tags */
    uint16_t n_labels;
    const char **actors;      /* interned; threat-actor names */
    uint16_t n_actors;
    const char **malware;     /* interned; malware families */
    uint16_t n_malware;
    int threat_level;         /* MISP 1..4, 0 when absent */
    int analysis;             /* MISP 0..2, -1 when absent */
} cf_event;

/* Where and when one source listed an IOC. */
typedef struct cf_sighting {
    const char *feed;        /* interned feed or file name */
    uint64_t line;           /* 1-based physical line, 0 when not line-based */
    const char *ref;         /* attribute uuid / element id (owned by the set), or NULL */
    const cf_event *event;   /* source event, or NULL */
    cf_time time;            /* when the source says it saw it, or CF_TIME_NONE */
} cf_sighting;

typedef struct cf_ioc {
    cf_ioc_type type;
    cf_ioc_type hash_type;   /* CF_IOC_FILE: the hash after the last '|' */
    uint8_t tlp;             /* cf_tlp, most restrictive seen */
    int8_t confidence;       /* 0..100, -1 when no source gave one */
    bool to_ids;             /* MISP to_ids of any source (true for feeds) */
    bool host_bits_cleared;  /* CIDR whose input had host bits set */
    int32_t port;            /* CF_IOC_ENDPOINT port, -1 otherwise */
    char *value;             /* canonical value */
    char *original;          /* first input text when it differed, or NULL */
    char *display_name;      /* e-mail display name, or NULL */
    char *comment;           /* MISP comment / description, or NULL */
    cf_time first_seen, last_seen, valid_until;
    const char **labels;     /* interned, united across sources */
    const char **malware;    /* interned */
    const char **actors;     /* interned */
    uint16_t n_labels, n_malware, n_actors;
    uint32_t n_sightings;
    uint32_t n_repeats;      /* observations that repeated a sighting, not stored again */
    cf_sighting *sightings;
    uint32_t cap_sightings;
    uint32_t index;          /* insertion order in the set */
} cf_ioc;

/*
 * One raw observation from a reader. Every pointer is borrowed for the
 * duration of the sink call only.
 */
typedef struct cf_obs {
    cf_ioc_type type;        /* hint; CF_IOC_NONE to detect */
    const char *text;        /* value as found (not NUL-terminated) */
    size_t len;
    const char *feed;        /* feed or file name */
    uint64_t line;           /* 1-based physical line, 0 when not line-based */
    const char *ref;         /* attribute uuid / element id, or NULL */
    const cf_event *event;   /* from cf_iocset_event(), or NULL */
    cf_time first_seen, last_seen, valid_until, time;
    int confidence;          /* -1 none */
    cf_tlp tlp;
    bool to_ids;
    const char *comment;
    const char *const *labels;
    size_t n_labels;
    const char *const *malware;
    size_t n_malware;
    const char *const *actors;
    size_t n_actors;
} cf_obs;

/* An observation with every field empty (times NONE, confidence -1, to_ids). */
void cf_obs_init(cf_obs *o);

/* Severity of a diagnostic a reader or normaliser reports. */
typedef enum cf_diag_level {
    CF_DIAG_WARNING, /* the record was kept, perhaps altered */
    CF_DIAG_REJECT,  /* the record was dropped */
    CF_DIAG_ERROR,   /* a structural problem beyond one record: part of the input (a
                        MISP feed's event file, events past a limit) was not read */
} cf_diag_level;

typedef struct cf_diag {
    cf_diag_level level;
    const char *feed;
    uint64_t line;
    uint64_t byte_offset;  /* within the line where useful, else 0 */
    const char *ref;       /* element id / uuid, or NULL */
    const char *reason;    /* "invalid IPv4 address" */
    const char *value;     /* offending text, or NULL */
    size_t value_len;
} cf_diag;

/*
 * A STIX-style indicator built from several observables (STIX 1.x
 * Observable_Composition, a STIX 2.x pattern with OR). The members are
 * observations that are also passed one by one to the obs callback;
 * `pattern` is the complete STIX 2.1 pattern text.
 */
typedef struct cf_compound {
    const char *id;          /* source indicator id, or NULL */
    const char *name;        /* title, or NULL */
    const char *pattern;     /* STIX 2.1 pattern */
    const char *feed;
    const cf_event *event;
    cf_tlp tlp;
    cf_time valid_from;
    const char *const *labels;
    size_t n_labels;
    const char *const *actors;
    size_t n_actors;
    const char *const *malware;
    size_t n_malware;
} cf_compound;

/*
 * Where readers send what they find. obs returns CF_OK to go on; any other
 * status stops the reader (out of memory, a limit on the whole run).
 * diag and compound may be NULL.
 */
typedef struct cf_sink {
    cf_status (*obs)(void *ctx, const cf_obs *obs);
    void (*diag)(void *ctx, const cf_diag *d);
    cf_status (*compound)(void *ctx, const cf_compound *c);
    /* Returns an event owned by the receiver for sightings to point at. */
    cf_event *(*event)(void *ctx, const cf_event *proto);
    void *ctx;
} cf_sink;

struct cf_buf;
/*
 * Append d to b as one JSON line (with its newline): feed, line, level
 * ("warning", "reject", "error"), ref, reason and value (at most 4 KiB of
 * it), every string valid UTF-8. The rejects files of convert and run.
 */
cf_status cf_diag_json(struct cf_buf *b, const cf_diag *d);

/* Report a diagnostic through a sink that may lack a diag callback. */
void cf_sink_diag(const cf_sink *sink, cf_diag_level level, const char *feed, uint64_t line,
                  const char *ref, const char *reason, const char *value, size_t value_len);

#endif
