/*
 * Built-in feed profiles: the column layout, types and defaults of known
 * public feeds.
 *
 * Profiles are JSON data files in profiles/ of the source tree, embedded in
 * the program at build time (see cmake/embed.cmake), so a profile is added
 * by dropping a file, and the binary needs no data directory.
 */
#ifndef CTIFLOW_PROFILE_H
#define CTIFLOW_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "ctiflow/input.h"
#include "ctiflow/ioc.h"
#include "ctiflow/status.h"

/* What a CSV column means. */
typedef enum cf_col_role {
    CF_COL_IGNORE = 0,
    CF_COL_VALUE,      /* an IOC; types[] is the fallback chain */
    CF_COL_PORT,       /* joins the value column into an endpoint */
    CF_COL_FIRST_SEEN,
    CF_COL_LAST_SEEN,
    CF_COL_VALID_UNTIL,
    CF_COL_LABELS,     /* split on label_sep */
    CF_COL_MALWARE,
    CF_COL_ACTOR,
    CF_COL_CONFIDENCE,
    CF_COL_COMMENT,
    CF_COL_TLP,
    CF_COL_TYPE,       /* the row names its IOC type (ThreatFox ioc_type, MISP type) */
} cf_col_role;

#define CF_PROFILE_MAX_TYPES 4

typedef struct cf_col {
    char *name;           /* header name to match, or NULL */
    int index;            /* 0-based position, -1 when matched by name */
    cf_col_role role;
    cf_ioc_type types[CF_PROFILE_MAX_TYPES]; /* CF_COL_VALUE: tried in order */
    int n_types;
    char *label_sep;      /* CF_COL_LABELS / MALWARE: separator, NULL = one value */
    char *label_prefix;   /* prefix added to every label from this column */
} cf_col;

typedef struct cf_profile {
    char *name;           /* "urlhaus" */
    char *title;          /* "abuse.ch URLhaus recent URLs" */
    char *url;            /* the public download URL */
    char *terms;          /* terms-of-use URL */
    cf_format format;     /* CF_FMT_CSV or CF_FMT_TEXT */
    char *delimiter;      /* one or more bytes, e.g. "," or "\", \"" */
    char quote;           /* '"' or 0 for none */
    int header;           /* 0 none, 1 first non-comment row, 2 in the last '#' comment,
                             -1 auto (a first row without IOCs, else the last comment) */
    char *time_format;    /* NULL: cf_time_parse's generic forms */
    int confidence;       /* default confidence, -1 none */
    cf_tlp tlp;
    char **labels;        /* added to every IOC */
    size_t n_labels;
    char *comment_chars;  /* line starts that mark comments, e.g. "#;" */
    cf_col *cols;
    size_t n_cols;
    cf_ioc_type text_type; /* CF_FMT_TEXT: type of the list, NONE = detect */
    int text_column;      /* CF_FMT_TEXT: 0-based whitespace-separated column */
    int text_prefix_column; /* CF_FMT_TEXT: column of a prefix length, value becomes
                               "<value>/<prefix>" (DShield block list); -1 none */
    char *json_key;       /* CF_FMT_TEXT: key of the value in JSON-object lines,
                             NULL: the common keys */
} cf_profile;

/* Number of built-in profiles and each one, sorted by name. Borrowed. */
size_t cf_profile_count(void);
const cf_profile *cf_profile_at(size_t i);
const cf_profile *cf_profile_find(const char *name);
/* The profile whose name is closest to name (three edits at most), or NULL. */
const char *cf_profile_suggest(const char *name);

/* Parse a profile from JSON text (a built-in file or a user's file). */
cf_status cf_profile_parse(cf_profile **out, const char *json, size_t len, const char *source,
                           cf_error *err);
void cf_profile_free(cf_profile *p);

#endif
