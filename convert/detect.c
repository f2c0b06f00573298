/*
 * Input format names and detection from the head of a decoded stream.
 *
 * DESIGN
 * Detection looks only at the first bytes a caller peeked (a BOM and
 * leading white space skipped). Markup goes to STIX 1.x; JSON is told apart
 * by its keys (MISP's "Event"/"response"/"Attribute", STIX 2's bundle type
 * or spec_version) or by being one object per line: ctiflow's JSON lines
 * when the first line has "type" and "value" keys, else NDJSON of another
 * shape (Spamhaus DROP) that the text reader handles; other text
 * is CSV when the first data lines split into the same number (two or more)
 * of fields on one delimiter (for '|', three or more fields on two or more
 * lines, or on two lines in three, as a padded name column may hold a '|'),
 * and a plain list otherwise.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "ctiflow/input.h"

static const char *const det_names[] = {
    [CF_FMT_UNKNOWN] = "auto", [CF_FMT_CSV] = "csv",     [CF_FMT_TEXT] = "text",
    [CF_FMT_MISP] = "misp",    [CF_FMT_STIX1] = "stix1", [CF_FMT_STIX2] = "stix2",
    [CF_FMT_JSONL] = "jsonl",
};

const char *cf_format_name(cf_format f)
{
    if ((size_t)f >= sizeof det_names / sizeof det_names[0]) {
        return "auto";
    }
    return det_names[f];
}

cf_format cf_format_from_name(const char *name)
{
    if (!name) {
        return CF_FMT_UNKNOWN;
    }
    for (size_t i = 1; i < sizeof det_names / sizeof det_names[0]; i++) {
        if (strcasecmp(name, det_names[i]) == 0) {
            return (cf_format)i;
        }
    }
    if (strcasecmp(name, "stix") == 0 || strcasecmp(name, "stix2.1") == 0) {
        return CF_FMT_STIX2;
    }
    if (strcasecmp(name, "freetext") == 0 || strcasecmp(name, "txt") == 0) {
        return CF_FMT_TEXT;
    }
    return CF_FMT_UNKNOWN;
}

static bool det_has(const char *h, size_t n, const char *needle)
{
    return memmem(h, n, needle, strlen(needle)) != NULL;
}

/* `"key"` followed by optional space, ':' and optional space, then val. */
static bool det_has_pair(const char *h, size_t n, const char *key, const char *val)
{
    size_t kl = strlen(key), vl = strlen(val);
    const char *p = h, *end = h + n;
    while (p < end) {
        const char *k = memmem(p, (size_t)(end - p), key, kl);
        if (!k) {
            return false;
        }
        const char *q = k + kl;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')) {
            q++;
        }
        if (q < end && *q == ':') {
            q++;
            while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')) {
                q++;
            }
            if ((size_t)(end - q) >= vl && memcmp(q, val, vl) == 0) {
                return true;
            }
        }
        p = k + 1;
    }
    return false;
}

/* `"key"` followed by optional space and ':' (a key, not a string value). */
static bool det_has_key(const char *h, size_t n, const char *key)
{
    size_t kl = strlen(key);
    const char *p = h, *end = h + n;
    while (p < end) {
        const char *k = memmem(p, (size_t)(end - p), key, kl);
        if (!k) {
            return false;
        }
        const char *q = k + kl;
        while (q < end && (*q == ' ' || *q == '\t')) {
            q++;
        }
        if (q < end && *q == ':') {
            return true;
        }
        p = k + 1;
    }
    return false;
}

static cf_format det_json(const char *h, size_t n)
{
    if (det_has_pair(h, n, "\"type\"", "\"bundle\"") || det_has(h, n, "\"spec_version\"")) {
        return CF_FMT_STIX2;
    }
    if (det_has_pair(h, n, "\"Event\"", "{") || det_has_pair(h, n, "\"response\"", "[") ||
        det_has_pair(h, n, "\"Attribute\"", "[") || det_has_pair(h, n, "\"Event\"", "[")) {
        return CF_FMT_MISP;
    }

    /* One object per line: the first line closes its object. */
    const char *nl = memchr(h, '\n', n);
    size_t first = nl ? (size_t)(nl - h) : n;
    while (first > 0 && (h[first - 1] == '\r' || h[first - 1] == ' ' || h[first - 1] == '\t')) {
        first--;
    }
    if (h[0] == '{' && first > 1 && h[first - 1] == '}') {
        /* ctiflow's own lines name "type" and "value"; other NDJSON is text. */
        if (det_has_key(h, first, "\"type\"") && det_has_key(h, first, "\"value\"")) {
            return CF_FMT_JSONL;
        }
        return CF_FMT_TEXT;
    }
    if (det_has(h, n, "\"type\"") && det_has(h, n, "\"id\"")) {
        return CF_FMT_STIX2;
    }
    return CF_FMT_MISP;
}

/* Fields of one line split on d, quotes respected. */
static int det_fields(const char *p, size_t n, char d)
{
    int count = 1;
    bool inq = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') {
            inq = !inq;
        } else if (p[i] == d && !inq) {
            count++;
        }
    }
    return count;
}

static bool det_is_comment(const char *p, size_t n)
{
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    return n == 0 || *p == '#' || *p == ';';
}

/* True when a line of the head is a comment that starts with "; " (or is ";" alone). */
static bool det_semicolon_comments(const char *h, size_t n)
{
    const char *p = h, *end = h + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        while (len > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        /* "; text" or a lone ';': a CSV row may start with ';' (an empty first field) */
        if (len > 0 && *p == ';' && (len == 1 || p[1] == ' ' || p[1] == '\t' || p[1] == '\r')) {
            return true;
        }
        p = nl ? nl + 1 : end;
    }
    return false;
}

/* Data lines of the head a delimiter is tried on. */
#define DET_LINES 20

/* The most common of counts[0..n), how many have it in *out_n. */
static int det_mode(const int *counts, int n, int *out_n)
{
    int best = 0, best_n = 0;
    for (int i = 0; i < n; i++) {
        int k = 0;
        for (int j = 0; j < n; j++) {
            k += counts[j] == counts[i];
        }
        if (k > best_n) {
            best = counts[i];
            best_n = k;
        }
    }
    *out_n = best_n;
    return best;
}

/*
 * A delimiter that splits every data line of the head into the same number
 * of fields (two or more) makes it CSV. Lines starting with ';' are the
 * comments of text lists (Spamhaus DROP, EDROP, ASN-DROP), where ';' inside
 * a line starts a trailing comment ("1.10.16.0/20 ; SBL256894", "AS260 ; AE
 * | name"): such a head is a text list whatever splits its lines.
 */
static cf_format det_delimited(const char *h, size_t n)
{
    static const char delims[] = {',', '\t', ';', '|'};
    if (det_semicolon_comments(h, n)) {
        return CF_FMT_TEXT;
    }
    for (size_t di = 0; di < sizeof delims; di++) {
        int want = -1, lines = 0, agree = 0, quoted = 0;
        int counts[DET_LINES];
        bool same = true, split = true;
        const char *p = h, *end = h + n;
        while (p < end && lines < DET_LINES) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl && lines > 0) {
                break; /* a cut last line says nothing */
            }
            size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (!det_is_comment(p, len)) {
                int f = det_fields(p, len, delims[di]);
                if (want < 0) {
                    want = f;
                } else if (f != want) {
                    same = false;
                }
                agree += f == want;
                split = split && f >= 2;
                quoted += p[0] == '"';
                counts[lines++] = f;
            }
            p = nl ? nl + 1 : end;
        }
        /*
         * A broken row near the top (a stray quote, a short row) must not
         * make a quoted CSV feed a text list of nothing: when four lines in
         * five start with a quote and as many agree on a field count of two
         * or more, among five lines or more, it is CSV, and the reader
         * reports the broken rows. Unquoted lines must all agree: a list's
         * comments and URLs hold commas now and then.
         */
        if (delims[di] != '|' && !same && lines >= 5 && 5 * quoted >= 4 * lines) {
            int in_mode = 0;
            int mode = det_mode(counts, lines, &in_mode);
            if (mode >= 2 && 5 * in_mode >= 4 * lines) {
                return CF_FMT_CSV;
            }
        }
        /*
         * A '|' table needs three fields and two lines: one line, or two
         * fields ("setup.exe|<md5>", a file IOC), is as likely a list of values
         * that hold a '|' (a URL's query, a composite value).
         */
        bool bar = delims[di] == '|';
        if (lines > 0 && same && want >= 2 && (!bar || (lines >= 2 && want >= 3))) {
            return CF_FMT_CSV;
        }
        /* Padded '|' columns: a name column may hold a '|' of its own. */
        if (delims[di] == '|' && lines >= 3 && split && want >= 3 && 3 * agree >= 2 * lines) {
            return CF_FMT_CSV;
        }
    }
    return CF_FMT_TEXT;
}

cf_format cf_detect_format(const char *head, size_t n)
{
    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) {
        head += 3;
        n -= 3;
    }
    while (n > 0 && (*head == ' ' || *head == '\t' || *head == '\r' || *head == '\n')) {
        head++;
        n--;
    }
    if (n == 0) {
        return CF_FMT_TEXT;
    }
    if (*head == '<') {
        if ((n >= 5 && memcmp(head, "<?xml", 5) == 0) || det_has(head, n, "STIX_Package") ||
            det_has(head, n, "stix.mitre.org")) {
            return CF_FMT_STIX1;
        }
        return CF_FMT_TEXT;
    }
    if (*head == '{' || *head == '[') {
        return det_json(head, n);
    }
    return det_delimited(head, n);
}
