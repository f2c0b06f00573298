/*
 * The run configuration: a main YAML file plus one YAML file per feed in a
 * feeds.d/ directory.
 *
 * DESIGN
 * cf_config_load() reads the main file and every *.yaml / *.yml file of the
 * feeds directory (sorted by name) with libyaml's document loader, walks the
 * node trees and fills a cf_config. Validation is strict and complete before
 * anything runs: every unknown key (with the closest known key suggested),
 * wrong type, unknown profile, format or TLP, and duplicate feed name is
 * reported through the report callback as "FILE:LINE: message", and the load
 * fails with CF_EINVAL when any was found. Secrets are never expanded here:
 * "${VAR}" stays in the stored text and cf_config_expand() substitutes the
 * environment at the moment of use, so a configuration dump or a log line
 * never holds a credential.
 */
#ifndef CTIFLOW_CONFIG_H
#define CTIFLOW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctiflow/buf.h"
#include "ctiflow/input.h"
#include "ctiflow/ioc.h"
#include "ctiflow/status.h"

/* When a feed's IOCs expire. */
typedef enum cf_expiry {
    CF_EXPIRY_NEVER = 0,
    CF_EXPIRY_DAYS, /* N days after the feed last listed the IOC */
    CF_EXPIRY_GONE, /* when a successful full fetch no longer lists it */
} cf_expiry;

/* Output formats of a directory output, as a bit set. */
enum {
    CF_OUTFMT_STIX2 = 1u << 0,     /* delta bundle per run plus a snapshot */
    CF_OUTFMT_MISP_FEED = 1u << 1, /* MISP feed directory */
    CF_OUTFMT_TEXT = 1u << 2,      /* plain block list per IOC type */
    CF_OUTFMT_CSV = 1u << 3,       /* one CSV of every current IOC */
    CF_OUTFMT_JSONL = 1u << 4,     /* one JSON line per current IOC */
};

typedef struct cf_header_cfg {
    char *name;
    char *value; /* may hold ${VAR}; expand with cf_config_expand() */
} cf_header_cfg;

typedef struct cf_feed_cfg {
    char *name;
    char *url;           /* as written; http(s):// URLs may hold ${VAR} */
    char *path;          /* local file or directory for file:// and paths; else NULL */
    char *profile;       /* built-in profile name, or NULL */
    cf_format format;    /* CF_FMT_UNKNOWN: the profile's or detected */
    bool misp_feed_dir;  /* format "misp-feed": path is a MISP feed directory */
    cf_ioc_type value_type; /* "type:" for generic lists, NONE = detect */
    int64_t interval_ms; /* how often the feed is due */
    int64_t timeout_ms;  /* whole transfer */
    int retries;         /* extra attempts on timeouts, 429 and 5xx */
    cf_header_cfg *headers;
    size_t n_headers;
    char *proxy;         /* may hold ${VAR} */
    bool tls_verify;
    int confidence;      /* -1 unset */
    cf_tlp tlp;
    char **labels;
    size_t n_labels;
    char *actor;
    cf_expiry expiry;
    int expiry_days;
    bool enabled;
    bool allow_empty;    /* a body with no IOC may expire the feed's IOCs */
    char *source;        /* file the feed was defined in */
    uint64_t line;       /* line of its definition */
} cf_feed_cfg;

/*
 * A reference source: one entry of "warninglists", or the "galaxy". A path
 * or a file:// URL is read in place (fetch.path set). An http(s) URL is
 * fetched like a feed (sources.h): fetch.name is then its id, which names
 * its cache directory, and fetch holds the url and the fetch options
 * (interval, timeout, retries, headers, proxy, tls_verify).
 */
typedef struct cf_source_cfg {
    cf_feed_cfg fetch;
    bool allowlist; /* a warning list in plain text ("format: text"), not MISP JSON */
} cf_source_cfg;

/* --- HTTP outputs and the TAXII server (publish/http_out.c, publish/taxii_server.c) --- */

/* How a client authenticates to an endpoint, or a TAXII collection to us. */
typedef enum cf_auth_type {
    CF_AUTH_NONE = 0,
    CF_AUTH_BASIC,   /* username and password */
    CF_AUTH_BEARER,  /* Authorization: Bearer <token> */
    CF_AUTH_API_KEY, /* <header>: <key> (MISP: Authorization: <key>) */
} cf_auth_type;

typedef struct cf_auth_cfg {
    cf_auth_type type;
    char *username; /* every string may hold ${VAR} */
    char *password;
    char *token;    /* bearer token or API key */
    char *header;   /* API key header; NULL = the type's default */
} cf_auth_cfg;

/* One collection served by `ctiflow serve`. */
typedef struct cf_taxii_collection_cfg {
    char *id;
    char *title;
    char *description;  /* may be NULL */
    char **feeds;       /* only IOCs listed by one of these feeds (none = any) */
    size_t n_feeds;
    char **labels;      /* only IOCs carrying one of these labels */
    size_t n_labels;
    char **actors;      /* only IOCs attributed to one of these actors */
    size_t n_actors;
    cf_tlp max_tlp;     /* default green */
    cf_auth_cfg auth;   /* NONE = open */
    uint64_t line;
} cf_taxii_collection_cfg;

/* The "taxii:" section of the main file. */
typedef struct cf_taxii_cfg {
    char *listen;       /* "127.0.0.1:9400" by default */
    char *title;
    char *description;
    char *api_root;     /* path segment of the one API root, default "ctiflow" */
    char *tls_cert;     /* PEM files; both set = HTTPS */
    char *tls_key;
    cf_taxii_collection_cfg *collections;
    size_t n_collections;
} cf_taxii_cfg;

typedef struct cf_output_cfg {
    char *name;          /* defaults to the path's last component */
    char *type;          /* "directory" */
    char *path;          /* absolute */
    unsigned formats;    /* CF_OUTFMT_* bits */
    int keep_deltas;     /* delta bundles kept, default 30 */
    cf_tlp max_tlp;      /* IOCs above this TLP are not published (default green) */
    char *source;
    uint64_t line;
    /* HTTP outputs (type webhook, misp or taxii); max_tlp defaults to green */
    char *url;           /* webhook URL, MISP base URL, or TAXII collection URL */
    cf_header_cfg *headers;
    size_t n_headers;
    cf_auth_cfg auth;
    int64_t timeout_ms;  /* per request, default 30 s */
    /* warning lists whose IOCs this output withholds ("default" = the
       never-block set); when has_exclude_lists is false the defaults apply:
       the never-block set for text and CSV files, none for STIX, MISP, JSONL */
    char **exclude_lists;
    size_t n_exclude_lists;
    bool has_exclude_lists;
} cf_output_cfg;

typedef struct cf_config {
    char *path;          /* main file as given */
    char *dir;           /* its directory, absolute */
    char *state_dir;     /* absolute; holds the store */
    char *cache_dir;     /* absolute; raw bodies */
    char *feeds_dir;     /* absolute */
    int workers;         /* fetch/parse threads, default 4 */
    cf_feed_cfg *feeds;
    size_t n_feeds;
    cf_output_cfg *outputs;
    size_t n_outputs;
    cf_taxii_cfg taxii;  /* what `ctiflow serve` serves */
    cf_source_cfg *warninglists; /* directories, .json lists, text allow-lists, URLs */
    size_t n_warninglists;
    cf_source_cfg *galaxy; /* the threat-actor cluster file (path or URL), or NULL */
} cf_config;

/* Receives one "FILE:LINE: message" per problem found. */
typedef void (*cf_config_report_fn)(void *ctx, const char *msg);

/*
 * Load and validate path. Every problem goes to report (may be NULL); the
 * result is CF_EINVAL when any was found (err holds the first), CF_EIO when
 * the main file cannot be read. *out belongs to the caller.
 */
cf_status cf_config_load(cf_config **out, const char *path, cf_config_report_fn report,
                         void *report_ctx, cf_error *err);
void cf_config_free(cf_config *cfg);

/* The feed named name, or NULL. Borrowed. */
/*
 * The first name of out's exclude_lists other than "default", or NULL: with
 * no warning list configured, such a name can name nothing. Borrowed.
 */
const char *cf_config_unloaded_exclusion(const cf_output_cfg *out);

const cf_feed_cfg *cf_config_feed(const cf_config *cfg, const char *name);

/*
 * Append s to out with every ${VAR} replaced by the environment's value.
 * CF_ENOTFOUND (err names the variable, never a value) when one is unset.
 */
cf_status cf_config_expand(cf_buf *out, const char *s, cf_error *err);

/* "1h", "30m", "90s", "1d12h", or plain seconds, into milliseconds. */
cf_status cf_config_parse_duration(int64_t *out, const char *s);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t cf_config_edit_distance(const char *a, const char *b);

#endif
