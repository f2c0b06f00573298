/*
 * Warning lists and allow-lists: known-good values (public DNS resolvers,
 * private and documentation ranges, top sites, empty-file hashes) that must
 * never reach a block list, and the policy that withholds them per output.
 *
 * DESIGN
 * A cf_wlset holds any number of lists in MISP's warning-list format (one
 * JSON object: name, description, version, type, matching_attributes, list)
 * or plain-text allow-lists, each known by a short id (the directory name of
 * a MISP "<id>/list.json", else the file name without its extension). Every
 * loader rebuilds the indexes before it returns, so a set is always ready to
 * match; matching never changes the set and may run on several threads.
 *
 * One index per kind of entry, shared by all lists:
 *  - networks (type cidr) become disjoint, sorted address intervals per
 *    family, each carrying the ids of the lists that cover it; a lookup is a
 *    binary search, a published network walks the intervals it overlaps;
 *  - host names (type hostname: the name and every name under it) and exact
 *    strings (type string, compared ASCII case-insensitively) share one hash
 *    table; a string entry that starts with '.' matches every name under it
 *    but not the name itself;
 *  - substrings are one Aho-Corasick automaton over case-folded bytes;
 *  - regular expressions are POSIX extended expressions, converted from the
 *    "/.../flags" form MISP uses; one that cannot be converted or compiled
 *    is reported and skipped.
 * matching_attributes (MISP attribute types) select the IOC types a list
 * applies to: ip-src/ip-dst give ip and cidr, "|port" forms give endpoint,
 * domain/hostname give domain, url/uri give url, the e-mail types give
 * email, md5/sha1/... give the hash and the matching file IOC. A list
 * without matching_attributes, and every plain-text allow-list, applies to
 * every type. URLs match by their host (and whole value for string,
 * substring and regex lists), e-mail addresses by their domain.
 */
#ifndef CTIFLOW_WARNINGLIST_H
#define CTIFLOW_WARNINGLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctiflow/ioc.h"
#include "ctiflow/iocset.h"
#include "ctiflow/status.h"

#define CF_WL_MAX_LISTS 4096     /* lists in one set */
#define CF_WL_MAX_MATCHES 64     /* list ids one match reports */
#define CF_WL_MAX_ENTRY_BYTES 4096 /* one list entry; longer ones are skipped */
#define CF_WL_MAX_FILE_BYTES (256u << 20) /* one list file */

/* Prefix of the label an IOC gets for each list it matches. */
#define CF_WL_LABEL_PREFIX "warninglist:"

typedef enum cf_wl_kind {
    CF_WL_CIDR = 0,
    CF_WL_HOSTNAME,
    CF_WL_STRING,
    CF_WL_SUBSTRING,
    CF_WL_REGEX,
} cf_wl_kind;

/* "cidr", "hostname", "string", "substring", "regex". */
const char *cf_wl_kind_name(cf_wl_kind k);

/* What a loaded list is. Strings live as long as the set. */
typedef struct cf_wl_info {
    const char *id;          /* short name: "public-dns-v4" */
    const char *title;       /* the list's "name", or the id */
    const char *description; /* may be "" */
    const char *version;     /* as written ("20240615"), may be "" */
    const char *source;      /* file it came from */
    cf_wl_kind kind;         /* plain-text allow-lists report CF_WL_STRING */
    bool allowlist;          /* a plain-text allow-list */
    size_t entries;          /* entries indexed */
    size_t skipped;          /* entries that could not be used */
} cf_wl_info;

typedef struct cf_wlset cf_wlset;

/* Receives one line per problem found while loading ("FILE: message"). */
typedef void (*cf_wl_report_fn)(void *ctx, const char *msg);

cf_wlset *cf_wl_new(void);
void cf_wl_free(cf_wlset *set);

/*
 * Load one MISP warning list from path. id may be NULL (derived from the
 * path). An entry that cannot be used is counted as skipped and reported;
 * a list whose id is already loaded is reported and ignored. CF_EIO when
 * the file cannot be read, CF_EMALFORMED when it is not a warning list.
 */
cf_status cf_wl_load_file(cf_wlset *set, const char *path, const char *id,
                          cf_wl_report_fn report, void *report_ctx, cf_error *err);

/*
 * Load a plain-text allow-list: one value per line (an address, a network,
 * a host name that covers the names under it, or any other value matched
 * exactly), '#' starts a comment. id may be NULL.
 */
cf_status cf_wl_load_allowlist(cf_wlset *set, const char *path, const char *id,
                               cf_wl_report_fn report, void *report_ctx, cf_error *err);

/*
 * Load every "<dir>/<id>/list.json" and "<dir>/<id>.json" (MISP lists) and
 * "<dir>/<id>.txt" (allow-lists), in name order. A list that fails to load
 * is reported and the others still load; the status is that of the first
 * failure (CF_OK when all loaded). CF_ENOTFOUND when dir cannot be opened.
 */
cf_status cf_wl_load_dir(cf_wlset *set, const char *dir, cf_wl_report_fn report,
                         void *report_ctx, cf_error *err);

/* A directory, a ".json" list or a plain-text allow-list, by what path is. */
cf_status cf_wl_load_path(cf_wlset *set, const char *path, cf_wl_report_fn report,
                          void *report_ctx, cf_error *err);

size_t cf_wl_count(const cf_wlset *set);
/* List number i (0-based, in load order). Borrowed. */
const cf_wl_info *cf_wl_info_at(const cf_wlset *set, size_t i);
/* Index of the list with this id, or -1. */
int cf_wl_find(const cf_wlset *set, const char *id);
/* "warninglist:<id>" of list i, interned in the set. */
const char *cf_wl_label(const cf_wlset *set, size_t i);

/* The lists one IOC matches: indexes into the set, ascending. */
typedef struct cf_wl_matches {
    size_t n;
    uint16_t lists[CF_WL_MAX_MATCHES];
} cf_wl_matches;

/* Match one IOC; returns out->n. */
size_t cf_wl_match(const cf_wlset *set, const cf_ioc *ioc, cf_wl_matches *out);

/*
 * Match a canonical value of type type (for store rows and other values
 * that are not cf_ioc); hash_type is the hash of a CF_IOC_FILE value.
 */
size_t cf_wl_match_value(const cf_wlset *set, cf_ioc_type type, cf_ioc_type hash_type,
                         const char *value, cf_wl_matches *out);

/*
 * Match what cf_normalize gave (norm->type, hash_type and value): the same
 * lists as cf_wl_match_value, with the address the normaliser parsed (an
 * ip, cidr or endpoint) used as it is instead of parsing the value again.
 */
size_t cf_wl_match_norm(const cf_wlset *set, const cf_norm *norm, cf_wl_matches *out);

/* ---- policy ---------------------------------------------------------- */

/*
 * The "never block" set, by list id: private, special-use and documentation
 * ranges, multicast, link-local, public DNS resolvers. NULL-terminated.
 */
extern const char *const cf_wl_never_block[];

/*
 * The default exclusions of an output: the never-block set for plain block
 * lists (text and CSV), none (NULL) for STIX, MISP and JSONL, which carry
 * the match as a label instead.
 */
const char *const *cf_wl_default_exclude(bool block_list);

/* Which lists an output withholds, and how many IOCs each withheld. */
typedef struct cf_wl_policy cf_wl_policy;

/*
 * Withhold IOCs matching any of names (n of them; "default" stands for the
 * never-block set, whose lists may be absent from set). An explicitly named
 * list that is not loaded gives CF_ENOTFOUND with its name in err.
 */
cf_status cf_wl_policy_new(cf_wl_policy **out, const cf_wlset *set, const char *const *names,
                           size_t n, cf_error *err);
void cf_wl_policy_free(cf_wl_policy *pol);

/* True when the policy withholds nothing. */
bool cf_wl_policy_empty(const cf_wl_policy *pol);

/*
 * True when an IOC with these matches is withheld; then the IOC is counted
 * once in the total and once for every excluded list it matched.
 */
bool cf_wl_policy_withholds(cf_wl_policy *pol, const cf_wl_matches *m);

/*
 * The same decision from an IOC's labels: either an array of n strings or,
 * when arr is NULL, one '\n'-separated string (a store row's labels).
 */
bool cf_wl_policy_withholds_labels(cf_wl_policy *pol, const char *const *arr, size_t n,
                                   const char *joined);

/* IOCs list i withheld so far (0 for a list the policy does not exclude). */
uint64_t cf_wl_policy_withheld(const cf_wl_policy *pol, size_t list);
/* IOCs withheld so far in all. */
uint64_t cf_wl_policy_total(const cf_wl_policy *pol);
void cf_wl_policy_reset(cf_wl_policy *pol);

/* ---- IOC sets -------------------------------------------------------- */

/* What cf_wl_apply did to a set. */
typedef struct cf_wl_apply_stats {
    uint64_t matched;  /* IOCs that matched at least one list */
    uint64_t withheld; /* IOCs removed by the policy */
} cf_wl_apply_stats;

/*
 * Label every IOC of iocs with "warninglist:<id>" for each list it matches;
 * with a policy (may be NULL), also remove the IOCs it withholds (counted
 * in the policy). *out (may be NULL) gets the totals.
 */
cf_status cf_wl_apply(const cf_wlset *set, cf_wl_policy *pol, cf_iocset *iocs,
                      cf_wl_apply_stats *out);

/*
 * cf_wl_apply done while a collector fills its set: a sink that normalises
 * each observation, matches it, and merges it with its labels, or, when the
 * policy (may be NULL) withholds it, keeps it out of the set. The set ends
 * as cf_wl_apply would leave it (labels after every source label), without
 * a second pass over its records, which a spilling set would read back from
 * its file. Withheld IOCs are counted in the policy once each, when first seen.
 */
typedef struct cf_wl_screen cf_wl_screen;

cf_status cf_wl_screen_new(cf_wl_screen **out, const cf_wlset *set, cf_wl_policy *pol,
                           cf_collector *coll);
/* A sink feeding the collector's set through the screen; valid while both live. */
cf_sink cf_wl_screen_sink(cf_wl_screen *s);
/*
 * The same screen for a merger (cf_merger_start_screened): lists are
 * matched, and IOCs withheld and labelled, on the merge thread.
 */
cf_merge_screen cf_wl_screen_merging(cf_wl_screen *s);
/* After the last input: *out gets the totals (the policy has counted each withheld IOC). */
cf_status cf_wl_screen_finish(cf_wl_screen *s, cf_wl_apply_stats *out);
void cf_wl_screen_free(cf_wl_screen *s);

/*
 * The list ids an IOC carries as labels (the text after the prefix), up to
 * cap of them; returns how many. Pointers are borrowed from the IOC.
 */
size_t cf_wl_ioc_lists(const cf_ioc *ioc, const char **ids, size_t cap);
/* True when the IOC carries the label of list id. */
bool cf_wl_ioc_listed(const cf_ioc *ioc, const char *id);

#endif
