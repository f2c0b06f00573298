/*
 * The CSV reader: delimited feeds (abuse.ch, PhishTank, Bambenek, MISP CSV
 * exports, dataplane, generic files) to raw observations.
 *
 * DESIGN
 * Physical lines come from cf_lines (large block reads, CRLF or LF, a last
 * line without newline). A record is one line, or several when a quoted
 * field holds a line break (at most CF_MAX_RECORD_LINES). A closing quote
 * followed by text other than padding and the delimiter (`"a"x"`) makes a
 * one-line record a reject. A quote left open that does not close into a
 * well-formed record (within the line and byte bounds, no text after a
 * closing quote, with as many fields as the first row) is a stray quote:
 * its line alone is rejected and the lines after it are read again as
 * records of their own, so one bad quote loses one row. The tokenizer
 * writes unescaped fields into one reused buffer, NUL-terminated, and keeps
 * an array of field slices: nothing is allocated per field or per record
 * once the buffers reached their size. Quoting follows RFC 4180 and what
 * feeds really do: spaces after a closing quote are skipped before the
 * delimiter (ThreatFox's `", "`), a quote inside an unquoted field is
 * data (`ab"c`), spaces around unquoted fields are
 * trimmed (padded dataplane columns), the delimiter may be several bytes.
 *
 * Columns are mapped once, from the header when there is one: a plain
 * first row (Feodo, PhishTank), the last `#` comment before the data
 * (URLhaus, ThreatFox, SSLBL), or by position. "auto" takes a first row in
 * which nothing looks like an IOC as the header, else the last comment.
 * Without a profile, a header naming every column of one built-in CSV
 * profile selects that profile. Otherwise (or with a profile that lists no
 * columns, such as "generic") the header names
 * are matched against a table of common names (ip, url, dst_port, tags,
 * first_seen ...); a "Start End Netblock" header (DShield) gives start/prefix
 * networks. When nothing matches, a row yields the first field that holds an
 * IOC (a bare number does not), so links and contacts after it stay
 * context. A row too short for the profile's value columns is a reject.
 * Each value column yields one observation per value; the
 * rest of the row becomes its context. The reader never normalises: a
 * fallback chain (url|domain|ip) is decided by asking cf_normalize which
 * type accepts the text, and the winner is only passed on as the hint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"
#include "ctiflow/normalize.h"
#include "ctiflow/reader.h"
#include "readutil.h"

/* Named columns a built-in profile needs before a header alone picks it. */
#define CSV_MIN_SIGNATURE 3

typedef struct csv_field {
    const char *s; /* NUL-terminated inside the field buffer */
    size_t len;
} csv_field;

typedef enum csv_tok {
    CSV_TOK_OK,
    CSV_TOK_OPEN_QUOTE,  /* the record goes on on the next line */
    CSV_TOK_STRAY_QUOTE, /* text after a closing quote: bad_at, bad_end */
    CSV_TOK_TOO_MANY,
} csv_tok;

/* Row context gathered from the non-value columns. */
typedef struct csv_row {
    cf_time first_seen, last_seen, valid_until;
    int confidence;
    cf_tlp tlp;
    const char *comment;
    const char *type_text; /* CF_COL_TYPE */
    size_t type_len;
    const char *port;      /* CF_COL_PORT */
    size_t port_len;
    size_t n_lab, n_mal, n_act;
    size_t lab_off[CF_MAX_LABELS_PER_IOC], mal_off[CF_MAX_LABELS_PER_IOC];
    size_t act_off[CF_MAX_LABELS_PER_IOC];
} csv_row;

typedef struct csv_reader {
    const cf_read_opts *o;
    const cf_profile *p; /* NULL in generic mode */
    const cf_sink *sink;
    const char *feed;
    char delim[16];
    size_t dlen;
    char quote;
    const char *comment_chars;
    int header;

    cf_buf fbuf;
    csv_field fields[CF_MAX_FIELDS];
    int nf;
    size_t bad_at, bad_end; /* raw field of the last CSV_TOK_STRAY_QUOTE */

    cf_buf rec;          /* a record over several lines */
    bool accum;
    int accum_lines;
    uint64_t rec_line;
    int width;           /* fields of the first one-line row (header or data), 0 before */

    cf_buf last_comment; /* text of the last comment before the data */
    bool have_comment;
    bool first_line;

    bool mapped;
    bool detect_each;    /* generic file without usable header */
    const cf_col *cols;
    size_t n_cols;
    cf_col gen_cols[CF_MAX_FIELDS];
    int map[CF_MAX_FIELDS]; /* field index -> column, -1 none */
    int need;            /* profile mode: fields a row needs to reach its value columns */
    int range_start;     /* generic "Start End Netblock" header: field indexes, else -1 */
    int range_prefix;
    char reason[96];     /* formatted diagnostic reason */

    cf_buf val;          /* composed values (endpoints) */
    cf_buf lbuf;         /* labels, families, actors of the row */
    cf_norm norm;        /* fallback-chain probe */
    const char *lab[3 * CF_MAX_LABELS_PER_IOC];
    const char *mal[CF_MAX_LABELS_PER_IOC + 1];
    const char *act[CF_MAX_LABELS_PER_IOC + 1];
    size_t n_lab, n_mal, n_act;
    csv_row row;
} csv_reader;

/* The tokenizer. */

static bool csv_delim_at(const csv_reader *r, const char *s, size_t n, size_t i)
{
    return i + r->dlen <= n && memcmp(s + i, r->delim, r->dlen) == 0;
}

static size_t csv_find_delim(const csv_reader *r, const char *s, size_t n, size_t i)
{
    const char *d;
    if (r->dlen == 1) {
        d = memchr(s + i, r->delim[0], n - i);
    } else {
        d = memmem(s + i, n - i, r->delim, r->dlen);
    }
    return d ? (size_t)(d - s) : n;
}

static bool csv_is_pad(const csv_reader *r, char c)
{
    return (c == ' ' && r->delim[0] != ' ') || (c == '\t' && r->delim[0] != '\t');
}

/* What may follow a closing quote before the delimiter: padding, CR, LF. */
static bool csv_is_close_pad(const csv_reader *r, char c)
{
    return csv_is_pad(r, c) || c == '\r' || c == '\n';
}

/*
 * A quoted field from s[i] (just after the opening quote); *o advances.
 * The closing quote must be followed by the delimiter or the end of the
 * record (padding allowed): any other text is CSV_TOK_STRAY_QUOTE, *i on it.
 */
static csv_tok csv_quoted(csv_reader *r, const char *s, size_t n, size_t *i, char **o)
{
    for (;;) {
        const char *q = memchr(s + *i, r->quote, n - *i);
        if (!q) {
            return CSV_TOK_OPEN_QUOTE;
        }
        size_t k = (size_t)(q - (s + *i));
        memcpy(*o, s + *i, k);
        *o += k;
        *i += k + 1;
        if (*i < n && s[*i] == r->quote) {
            *(*o)++ = r->quote;
            (*i)++;
            continue;
        }
        break;
    }

    /* After the closing quote: padding, then the delimiter or the end. */
    while (*i < n && !csv_delim_at(r, s, n, *i)) {
        if (!csv_is_close_pad(r, s[*i])) {
            return CSV_TOK_STRAY_QUOTE;
        }
        (*i)++;
    }
    return CSV_TOK_OK;
}

static csv_tok csv_tokenize(csv_reader *r, const char *s, size_t n)
{
    if (cf_buf_reserve(&r->fbuf, n + CF_MAX_FIELDS + 1) != CF_OK) {
        return CSV_TOK_TOO_MANY;
    }
    char *o = r->fbuf.data;
    size_t i = 0;
    r->nf = 0;
    for (;;) {
        if (r->nf == CF_MAX_FIELDS) {
            return CSV_TOK_TOO_MANY;
        }
        char *start = o;
        size_t j = i;
        while (r->quote && j < n && csv_is_pad(r, s[j])) {
            j++;
        }
        if (r->quote && j < n && s[j] == r->quote) {
            i = j + 1;
            csv_tok t = csv_quoted(r, s, n, &i, &o);
            if (t == CSV_TOK_STRAY_QUOTE) {
                r->bad_at = j;
                r->bad_end = csv_find_delim(r, s, n, i);
            }
            if (t != CSV_TOK_OK) {
                return t;
            }
        } else {
            size_t e = csv_find_delim(r, s, n, i);
            const char *v = s + i;
            size_t vl = e - i;
            rd_trim(&v, &vl);
            memcpy(o, v, vl);
            o += vl;
            i = e;
        }
        r->fields[r->nf].s = start;
        r->fields[r->nf].len = (size_t)(o - start);
        r->nf++;
        *o++ = '\0';
        if (i >= n) {
            return CSV_TOK_OK;
        }
        i += r->dlen;
    }
}

/* Column mapping. */

typedef struct csv_gen_name {
    const char *name;
    cf_col_role role;
    cf_ioc_type type;
} csv_gen_name;

/* Header names of common feeds and exports, for files read without a profile. */
static const csv_gen_name csv_gen_names[] = {
    {"ip", CF_COL_VALUE, CF_IOC_IP},
    {"ip_address", CF_COL_VALUE, CF_IOC_IP},
    {"ipaddress", CF_COL_VALUE, CF_IOC_IP},
    {"ip address", CF_COL_VALUE, CF_IOC_IP},
    {"ipv4", CF_COL_VALUE, CF_IOC_IP},
    {"ipv6", CF_COL_VALUE, CF_IOC_IP},
    {"src_ip", CF_COL_VALUE, CF_IOC_IP},
    {"dst_ip", CF_COL_VALUE, CF_IOC_IP},
    {"dstip", CF_COL_VALUE, CF_IOC_IP},
    {"srcip", CF_COL_VALUE, CF_IOC_IP},
    {"source_ip", CF_COL_VALUE, CF_IOC_IP},
    {"destination_ip", CF_COL_VALUE, CF_IOC_IP},
    {"saddr", CF_COL_VALUE, CF_IOC_IP},
    {"cidr", CF_COL_VALUE, CF_IOC_CIDR},
    {"network", CF_COL_VALUE, CF_IOC_CIDR},
    {"netblock", CF_COL_VALUE, CF_IOC_CIDR},
    {"domain", CF_COL_VALUE, CF_IOC_DOMAIN},
    {"domain_name", CF_COL_VALUE, CF_IOC_DOMAIN},
    {"hostname", CF_COL_VALUE, CF_IOC_DOMAIN},
    {"host", CF_COL_VALUE, CF_IOC_DOMAIN},
    {"fqdn", CF_COL_VALUE, CF_IOC_DOMAIN},
    {"url", CF_COL_VALUE, CF_IOC_URL},
    {"uri", CF_COL_VALUE, CF_IOC_URL},
    {"md5", CF_COL_VALUE, CF_IOC_MD5},
    {"md5_hash", CF_COL_VALUE, CF_IOC_MD5},
    {"sha1", CF_COL_VALUE, CF_IOC_SHA1},
    {"sha1_hash", CF_COL_VALUE, CF_IOC_SHA1},
    {"sha256", CF_COL_VALUE, CF_IOC_SHA256},
    {"sha256_hash", CF_COL_VALUE, CF_IOC_SHA256},
    {"sha512", CF_COL_VALUE, CF_IOC_SHA512},
    {"hash", CF_COL_VALUE, CF_IOC_NONE},
    {"email", CF_COL_VALUE, CF_IOC_EMAIL},
    {"sender", CF_COL_VALUE, CF_IOC_EMAIL},
    {"ja3", CF_COL_VALUE, CF_IOC_JA3},
    {"ja3_md5", CF_COL_VALUE, CF_IOC_JA3},
    {"ioc", CF_COL_VALUE, CF_IOC_NONE},
    {"ioc_value", CF_COL_VALUE, CF_IOC_NONE},
    {"indicator", CF_COL_VALUE, CF_IOC_NONE},
    {"value", CF_COL_VALUE, CF_IOC_NONE},
    {"observable", CF_COL_VALUE, CF_IOC_NONE},
    {"port", CF_COL_PORT, CF_IOC_NONE},
    {"dst_port", CF_COL_PORT, CF_IOC_NONE},
    {"dstport", CF_COL_PORT, CF_IOC_NONE},
    {"destination_port", CF_COL_PORT, CF_IOC_NONE},
    {"first_seen", CF_COL_FIRST_SEEN, CF_IOC_NONE},
    {"first_seen_utc", CF_COL_FIRST_SEEN, CF_IOC_NONE},
    {"firstseen", CF_COL_FIRST_SEEN, CF_IOC_NONE},
    {"dateadded", CF_COL_FIRST_SEEN, CF_IOC_NONE},
    {"date_added", CF_COL_FIRST_SEEN, CF_IOC_NONE},
    {"listingdate", CF_COL_FIRST_SEEN, CF_IOC_NONE},
    {"timestamp", CF_COL_FIRST_SEEN, CF_IOC_NONE},
    {"date", CF_COL_FIRST_SEEN, CF_IOC_NONE},
    {"last_seen", CF_COL_LAST_SEEN, CF_IOC_NONE},
    {"last_seen_utc", CF_COL_LAST_SEEN, CF_IOC_NONE},
    {"lastseen", CF_COL_LAST_SEEN, CF_IOC_NONE},
    {"last_online", CF_COL_LAST_SEEN, CF_IOC_NONE},
    {"valid_until", CF_COL_VALID_UNTIL, CF_IOC_NONE},
    {"tags", CF_COL_LABELS, CF_IOC_NONE},
    {"labels", CF_COL_LABELS, CF_IOC_NONE},
    {"malware", CF_COL_MALWARE, CF_IOC_NONE},
    {"malware_family", CF_COL_MALWARE, CF_IOC_NONE},
    {"malware_printable", CF_COL_MALWARE, CF_IOC_NONE},
    {"family", CF_COL_MALWARE, CF_IOC_NONE},
    {"actor", CF_COL_ACTOR, CF_IOC_NONE},
    {"threat_actor", CF_COL_ACTOR, CF_IOC_NONE},
    {"confidence", CF_COL_CONFIDENCE, CF_IOC_NONE},
    {"confidence_level", CF_COL_CONFIDENCE, CF_IOC_NONE},
    {"comment", CF_COL_COMMENT, CF_IOC_NONE},
    {"description", CF_COL_COMMENT, CF_IOC_NONE},
    {"tlp", CF_COL_TLP, CF_IOC_NONE},
    {"type", CF_COL_TYPE, CF_IOC_NONE},
    {"ioc_type", CF_COL_TYPE, CF_IOC_NONE},
};

static bool csv_name_eq(const char *a, size_t alen, const char *b)
{
    return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

/*
 * The DShield block layout: "Start", "End" and "Netblock" (or "Netmask",
 * "Prefix") header fields. The range is emitted as start/prefix and no other
 * column is a value (the contact e-mail column is context).
 */
static bool csv_map_range(csv_reader *r)
{
    int start = -1, end = -1, prefix = -1;
    for (int f = 0; f < r->nf; f++) {
        const char *s = r->fields[f].s;
        size_t n = r->fields[f].len;
        if (start < 0 && csv_name_eq(s, n, "start")) {
            start = f;
        } else if (end < 0 && csv_name_eq(s, n, "end")) {
            end = f;
        } else if (prefix < 0 && (csv_name_eq(s, n, "netblock") || csv_name_eq(s, n, "netmask") ||
                                  csv_name_eq(s, n, "prefix"))) {
            prefix = f;
        }
    }
    if (start < 0 || end < 0 || prefix < 0) {
        return false;
    }
    for (int f = 0; f < r->nf; f++) {
        if (r->map[f] >= 0 && r->gen_cols[f].role == CF_COL_VALUE) {
            r->map[f] = -1;
        }
    }
    r->range_start = start;
    r->range_prefix = prefix;
    return true;
}

/* Generic mode: columns from header names; returns the value columns found. */
static int csv_map_generic(csv_reader *r)
{
    int values = 0;
    bool seen[CF_COL_TYPE + 1] = {false};
    for (int f = 0; f < r->nf; f++) {
        cf_col *c = &r->gen_cols[f];
        memset(c, 0, sizeof *c);
        c->index = f;
        r->map[f] = -1;
        for (size_t k = 0; k < sizeof csv_gen_names / sizeof csv_gen_names[0]; k++) {
            const csv_gen_name *g = &csv_gen_names[k];
            if (!csv_name_eq(r->fields[f].s, r->fields[f].len, g->name)) {
                continue;
            }
            /* One column per context role; every value column counts. */
            if (g->role != CF_COL_VALUE && seen[g->role]) {
                break;
            }
            seen[g->role] = true;
            c->role = g->role;
            c->types[0] = g->type;
            c->n_types = g->type != CF_IOC_NONE;
            c->label_sep = g->role == CF_COL_LABELS ? "," : NULL;
            r->map[f] = f;
            values += g->role == CF_COL_VALUE;
            break;
        }
    }
    r->cols = r->gen_cols;
    r->n_cols = (size_t)r->nf;
    if (csv_map_range(r)) {
        return 1;
    }
    return values;
}

/* Profile mode: named columns from the header fields (if any), then positions. */
static cf_status csv_map_profile(csv_reader *r, bool have_header, uint64_t line, cf_error *err)
{
    int values = 0;
    for (int f = 0; f < CF_MAX_FIELDS; f++) {
        r->map[f] = -1;
    }
    r->cols = r->p->cols;
    r->n_cols = r->p->n_cols;
    for (size_t c = 0; c < r->n_cols; c++) {
        const cf_col *col = &r->cols[c];
        int at = -1;
        for (int f = 0; have_header && col->name && f < r->nf; f++) {
            if (csv_name_eq(r->fields[f].s, r->fields[f].len, col->name)) {
                at = f;
                break;
            }
        }
        if (at < 0 && col->index >= 0 && (!have_header || !col->name)) {
            at = col->index;
        }
        if (at < 0 && col->role == CF_COL_VALUE) {
            return cf_error_set(err, CF_EMALFORMED, r->feed, line,
                                "column '%s' is not in the header", col->name ? col->name : "?");
        }
        if (at < 0) {
            rd_diag(r->sink, CF_DIAG_WARNING, r->feed, line, 0, "column not in the header",
                    col->name, col->name ? strlen(col->name) : 0);
            continue;
        }
        if (at < CF_MAX_FIELDS && r->map[at] < 0) {
            r->map[at] = (int)c;
            values += col->role == CF_COL_VALUE;
            if (col->role == CF_COL_VALUE && at + 1 > r->need) {
                r->need = at + 1;
            }
        }
    }
    if (values == 0) {
        return cf_error_set(err, CF_EINVAL, r->feed, line, "profile '%s' has no value column",
                            r->p->name);
    }
    return CF_OK;
}

/* True when no field of the record looks like an IOC (a header row). */
static bool csv_looks_like_header(const csv_reader *r)
{
    bool any = false;
    for (int f = 0; f < r->nf; f++) {
        if (r->fields[f].len == 0) {
            continue;
        }
        any = true;
        if (cf_detect_type(r->fields[f].s, r->fields[f].len) != CF_IOC_NONE) {
            return false;
        }
    }
    return any;
}

/* Tokenize the saved comment as a header; false if it is not one. */
static bool csv_tokenize_comment(csv_reader *r)
{
    if (!r->have_comment) {
        return false;
    }
    const char *s = cf_buf_str(&r->last_comment);
    size_t n = r->last_comment.len;
    while (n > 0 && (strchr(r->comment_chars, *s) || *s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    return n > 0 && csv_tokenize(r, s, n) == CSV_TOK_OK && r->nf >= 2;
}

/* True when every column of profile p is named and its name is in the header. */
static bool csv_header_fits(const csv_reader *r, const cf_profile *p)
{
    if (p->format != CF_FMT_CSV || p->n_cols < CSV_MIN_SIGNATURE) {
        return false;
    }
    for (size_t c = 0; c < p->n_cols; c++) {
        bool found = false;
        for (int f = 0; p->cols[c].name && f < r->nf && !found; f++) {
            found = csv_name_eq(r->fields[f].s, r->fields[f].len, p->cols[c].name);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/*
 * Without a profile, a header naming every column of one built-in CSV
 * profile (SSLBL's "Listingdate,SHA1,Listingreason", URLhaus, Feodo...) is
 * that feed: its profile gives the types (an SSLBL SHA1 is a certificate
 * fingerprint, not a file hash), time format and defaults. When several
 * profiles fit, the one naming the most columns wins; a tie keeps the
 * generic mapping.
 */
static const cf_profile *csv_profile_by_header(const csv_reader *r)
{
    const cf_profile *best = NULL;
    bool tie = false;
    for (size_t i = 0; i < cf_profile_count(); i++) {
        const cf_profile *p = cf_profile_at(i);
        if (!csv_header_fits(r, p)) {
            continue;
        }
        if (best && p->n_cols == best->n_cols) {
            tie = true;
        } else if (!best || p->n_cols > best->n_cols) {
            best = p;
            tie = false;
        }
    }
    return tie ? NULL : best;
}

static cf_status csv_map_from(csv_reader *r, bool have_header, uint64_t line, cf_error *err)
{
    if (!r->p && have_header) {
        r->p = csv_profile_by_header(r);
    }
    if (r->p && r->p->n_cols > 0) {
        return csv_map_profile(r, have_header, line, err);
    }
    if (!have_header || csv_map_generic(r) == 0) {
        r->detect_each = true;
    }
    return CF_OK;
}

/*
 * Decide the column mapping at the first record (s, n). *consumed is set
 * when that record was the header row. The record is tokenized on return.
 */
static cf_status csv_map(csv_reader *r, const char *s, size_t n, uint64_t line, bool *consumed,
                         cf_error *err)
{
    cf_status st = CF_OK;
    *consumed = false;
    r->mapped = true;

    if (r->header == 1 || (r->header == -1 && csv_looks_like_header(r))) {
        *consumed = true;
        return csv_map_from(r, true, line, err);
    }
    if (r->header == 0) {
        return csv_map_from(r, false, line, err);
    }

    /* Header in the last comment (or auto without a header row). */
    int data_nf = r->nf;
    bool from_comment = csv_tokenize_comment(r);
    if (from_comment && r->header == -1 && r->nf != data_nf) {
        from_comment = false;
    }
    if (r->header == 2 && !from_comment && r->p && r->p->n_cols > 0) {
        bool by_index = true;
        for (size_t c = 0; c < r->p->n_cols; c++) {
            by_index = by_index && r->p->cols[c].index >= 0;
        }
        if (!by_index) {
            return cf_error_set(err, CF_EMALFORMED, r->feed, line,
                                "no header comment before the first record");
        }
    }
    if (from_comment) {
        st = csv_map_from(r, true, line, err);
        if (st == CF_OK && r->detect_each && r->header == -1) {
            r->detect_each = false;
            st = csv_map_from(r, false, line, err);
        }
    } else {
        st = csv_map_from(r, false, line, err);
    }
    if (st == CF_OK && csv_tokenize(r, s, n) != CSV_TOK_OK) {
        st = cf_error_set(err, CF_EMALFORMED, r->feed, line, "record cannot be split");
    }
    return st;
}

/* The row context. */

static void csv_add_pieces(csv_reader *r, size_t *offs, size_t *count, const cf_col *col,
                           const char *s, size_t n)
{
    const char *sep = col->label_sep;
    size_t seplen = sep ? strlen(sep) : 0;
    while (n > 0 || seplen == 0) {
        const char *e = seplen ? memmem(s, n, sep, seplen) : NULL;
        size_t k = e ? (size_t)(e - s) : n;
        const char *v = s;
        size_t vl = k;
        rd_trim(&v, &vl);
        /* "None" is how Python-made exports (ThreatFox) write an empty list. */
        bool empty = vl == 0 || (vl == 4 && memcmp(v, "None", 4) == 0);
        if (!empty && *count < CF_MAX_LABELS_PER_IOC) {
            offs[(*count)++] = r->lbuf.len;
            if (col->label_prefix) {
                cf_buf_puts(&r->lbuf, col->label_prefix);
            }
            cf_buf_append(&r->lbuf, v, vl);
            cf_buf_putc(&r->lbuf, '\0');
        }
        if (!e) {
            break;
        }
        s = e + seplen;
        n -= k + seplen;
    }
}

static void csv_time_col(csv_reader *r, cf_time *out, const csv_field *f, uint64_t line)
{
    if (f->len == 0 || (f->len == 4 && memcmp(f->s, "None", 4) == 0)) {
        return;
    }
    if (rd_time(out, r->p, f->s, f->len) != CF_OK) {
        *out = CF_TIME_NONE;
        rd_diag(r->sink, CF_DIAG_WARNING, r->feed, line, 0, "invalid time", f->s, f->len);
    }
}

static void csv_context_col(csv_reader *r, const cf_col *col, const csv_field *f, uint64_t line)
{
    csv_row *w = &r->row;
    switch (col->role) {
    case CF_COL_FIRST_SEEN:
        csv_time_col(r, &w->first_seen, f, line);
        break;
    case CF_COL_LAST_SEEN:
        csv_time_col(r, &w->last_seen, f, line);
        break;
    case CF_COL_VALID_UNTIL:
        csv_time_col(r, &w->valid_until, f, line);
        break;
    case CF_COL_LABELS:
        csv_add_pieces(r, w->lab_off, &w->n_lab, col, f->s, f->len);
        break;
    case CF_COL_MALWARE:
        csv_add_pieces(r, w->mal_off, &w->n_mal, col, f->s, f->len);
        break;
    case CF_COL_ACTOR:
        csv_add_pieces(r, w->act_off, &w->n_act, col, f->s, f->len);
        break;
    case CF_COL_CONFIDENCE: {
        char *end = NULL;
        long v = f->len ? strtol(f->s, &end, 10) : -1;
        if (f->len && (end != f->s + f->len || v < 0 || v > 100)) {
            rd_diag(r->sink, CF_DIAG_WARNING, r->feed, line, 0, "invalid confidence", f->s,
                    f->len);
        } else if (f->len) {
            w->confidence = (int)v;
        }
        break;
    }
    case CF_COL_COMMENT:
        w->comment = f->len ? f->s : w->comment;
        break;
    case CF_COL_TLP:
        w->tlp = f->len ? cf_tlp_from_name(f->s) : w->tlp;
        break;
    case CF_COL_TYPE:
        w->type_text = f->s;
        w->type_len = f->len;
        break;
    case CF_COL_PORT:
        w->port = f->s;
        w->port_len = f->len;
        break;
    default:
        break;
    }
}

/* Gather the context of the current record and build the label arrays. */
static void csv_row_context(csv_reader *r, uint64_t line)
{
    csv_row *w = &r->row;
    memset(w, 0, sizeof *w);
    w->first_seen = w->last_seen = w->valid_until = CF_TIME_NONE;
    w->confidence = -1;
    cf_buf_reset(&r->lbuf);
    for (int f = 0; f < r->nf && !r->detect_each; f++) {
        if (r->map[f] >= 0 && r->cols[r->map[f]].role != CF_COL_VALUE) {
            csv_context_col(r, &r->cols[r->map[f]], &r->fields[f], line);
        }
    }

    /* Feed, profile, then row labels; pointers once lbuf stopped moving. */
    const char *base = cf_buf_str(&r->lbuf);
    r->n_lab = r->n_mal = r->n_act = 0;
    for (size_t i = 0; i < r->o->n_labels && r->n_lab < CF_MAX_LABELS_PER_IOC; i++) {
        r->lab[r->n_lab++] = r->o->labels[i];
    }
    for (size_t i = 0; r->p && i < r->p->n_labels && r->n_lab < 2 * CF_MAX_LABELS_PER_IOC; i++) {
        r->lab[r->n_lab++] = r->p->labels[i];
    }
    for (size_t i = 0; i < w->n_lab; i++) {
        r->lab[r->n_lab++] = base + w->lab_off[i];
    }
    for (size_t i = 0; i < w->n_mal; i++) {
        r->mal[r->n_mal++] = base + w->mal_off[i];
    }
    if (r->o->actor) {
        r->act[r->n_act++] = r->o->actor;
    }
    for (size_t i = 0; i < w->n_act && r->n_act < CF_MAX_LABELS_PER_IOC; i++) {
        r->act[r->n_act++] = base + w->act_off[i];
    }
}

/* Row type names (ThreatFox ioc_type, MISP attribute types). */

typedef enum csv_kind {
    CSV_KIND_PLAIN,
    CSV_KIND_PIPE_PORT,   /* MISP ip-dst|port: "addr|port" */
    CSV_KIND_DOMAIN_IP,   /* MISP domain|ip: two IOCs */
    CSV_KIND_SKIP,        /* not an IOC (link, text, comment ...) */
} csv_kind;

typedef struct csv_type_name {
    const char *name;
    cf_ioc_type type;
    csv_kind kind;
} csv_type_name;

static const csv_type_name csv_type_names[] = {
    {"ip:port", CF_IOC_ENDPOINT, CSV_KIND_PLAIN},
    {"md5_hash", CF_IOC_MD5, CSV_KIND_PLAIN},
    {"sha1_hash", CF_IOC_SHA1, CSV_KIND_PLAIN},
    {"sha256_hash", CF_IOC_SHA256, CSV_KIND_PLAIN},
    {"ip-src", CF_IOC_IP, CSV_KIND_PLAIN},
    {"ip-dst", CF_IOC_IP, CSV_KIND_PLAIN},
    {"ip-src|port", CF_IOC_ENDPOINT, CSV_KIND_PIPE_PORT},
    {"ip-dst|port", CF_IOC_ENDPOINT, CSV_KIND_PIPE_PORT},
    {"domain|ip", CF_IOC_DOMAIN, CSV_KIND_DOMAIN_IP},
    {"hostname", CF_IOC_DOMAIN, CSV_KIND_PLAIN},
    {"uri", CF_IOC_URL, CSV_KIND_PLAIN},
    {"email-src", CF_IOC_EMAIL, CSV_KIND_PLAIN},
    {"email-dst", CF_IOC_EMAIL, CSV_KIND_PLAIN},
    {"email-reply-to", CF_IOC_EMAIL, CSV_KIND_PLAIN},
    {"filename|md5", CF_IOC_FILE, CSV_KIND_PLAIN},
    {"filename|sha1", CF_IOC_FILE, CSV_KIND_PLAIN},
    {"filename|sha256", CF_IOC_FILE, CSV_KIND_PLAIN},
    {"filename|sha512", CF_IOC_FILE, CSV_KIND_PLAIN},
    {"as", CF_IOC_ASN, CSV_KIND_PLAIN},
    {"ja3-fingerprint-md5", CF_IOC_JA3, CSV_KIND_PLAIN},
    {"x509-fingerprint-sha1", CF_IOC_X509_SHA1, CSV_KIND_PLAIN},
    {"vulnerability", CF_IOC_CVE, CSV_KIND_PLAIN},
    {"link", CF_IOC_NONE, CSV_KIND_SKIP},
    {"text", CF_IOC_NONE, CSV_KIND_SKIP},
    {"comment", CF_IOC_NONE, CSV_KIND_SKIP},
    {"other", CF_IOC_NONE, CSV_KIND_SKIP},
    {"attachment", CF_IOC_NONE, CSV_KIND_SKIP},
    {"malware-sample", CF_IOC_NONE, CSV_KIND_SKIP},
    {"datetime", CF_IOC_NONE, CSV_KIND_SKIP},
    {"regkey|value", CF_IOC_NONE, CSV_KIND_SKIP},
    {"yara", CF_IOC_NONE, CSV_KIND_SKIP},
    {"snort", CF_IOC_NONE, CSV_KIND_SKIP},
};

/* The type a row names; false for an unknown name. */
static bool csv_row_type(const char *s, size_t n, cf_ioc_type *type, csv_kind *kind)
{
    for (size_t i = 0; i < sizeof csv_type_names / sizeof csv_type_names[0]; i++) {
        if (csv_name_eq(s, n, csv_type_names[i].name)) {
            *type = csv_type_names[i].type;
            *kind = csv_type_names[i].kind;
            return true;
        }
    }
    char name[32];
    if (n == 0 || n >= sizeof name) {
        return false;
    }
    memcpy(name, s, n);
    name[n] = '\0';
    *type = cf_ioc_type_from_name(name);
    *kind = CSV_KIND_PLAIN;
    return *type != CF_IOC_NONE;
}

/* Emitting observations. */

static cf_status csv_emit(csv_reader *r, cf_ioc_type type, const char *s, size_t n,
                          uint64_t line)
{
    const csv_row *w = &r->row;
    cf_obs ob;
    cf_obs_init(&ob);
    ob.type = type;
    ob.text = s;
    ob.len = n;
    ob.feed = r->feed;
    ob.line = line;
    ob.first_seen = w->first_seen;
    ob.last_seen = w->last_seen;
    ob.valid_until = w->valid_until;
    ob.time = w->first_seen != CF_TIME_NONE ? w->first_seen : w->last_seen;
    ob.confidence = w->confidence >= 0 ? w->confidence : r->o->confidence;
    if (ob.confidence < 0 && r->p) {
        ob.confidence = r->p->confidence;
    }
    ob.tlp = r->o->tlp != CF_TLP_NONE ? r->o->tlp : w->tlp;
    if (ob.tlp == CF_TLP_NONE && r->p) {
        ob.tlp = r->p->tlp;
    }
    ob.comment = w->comment;
    ob.labels = r->lab;
    ob.n_labels = r->n_lab;
    ob.malware = r->mal;
    ob.n_malware = r->n_mal;
    ob.actors = r->act;
    ob.n_actors = r->n_act;
    return r->sink->obs(r->sink->ctx, &ob);
}

/* "addr" + port into r->val as an endpoint ("[v6]:port" for IPv6). */
static const char *csv_endpoint(csv_reader *r, const char *a, size_t an, const char *port,
                                size_t pn, size_t *len)
{
    bool v6 = memchr(a, ':', an) != NULL && a[0] != '[';
    cf_buf_reset(&r->val);
    if (v6) {
        cf_buf_putc(&r->val, '[');
    }
    cf_buf_append(&r->val, a, an);
    if (v6) {
        cf_buf_putc(&r->val, ']');
    }
    cf_buf_putc(&r->val, ':');
    cf_buf_append(&r->val, port, pn);
    *len = r->val.len;
    return cf_buf_str(&r->val);
}

/* First type of the chain whose normaliser accepts the text. */
static cf_ioc_type csv_fallback(csv_reader *r, const cf_col *col, const char *s, size_t n)
{
    if (col->n_types == 0) {
        return CF_IOC_NONE;
    }
    if (col->n_types == 1) {
        return col->types[0];
    }
    for (int i = 0; i < col->n_types; i++) {
        cf_ioc_type t = col->types[i];
        if (cf_normalize(&r->norm, t, s, n) != CF_OK) {
            continue;
        }
        /* The hint the sink will agree with: a host column may hold an ip. */
        if (r->norm.type == CF_IOC_NONE || (t == CF_IOC_IP && r->norm.type == CF_IOC_CIDR)) {
            return t;
        }
        return r->norm.type;
    }
    return col->types[0];
}

static cf_status csv_emit_typed(csv_reader *r, const char *s, size_t n, uint64_t line)
{
    const csv_row *w = &r->row;
    cf_ioc_type type;
    csv_kind kind;
    if (!csv_row_type(w->type_text, w->type_len, &type, &kind)) {
        rd_diag(r->sink, CF_DIAG_REJECT, r->feed, line, 0, "unsupported IOC type", w->type_text,
                w->type_len);
        return CF_OK;
    }
    const char *bar = memchr(s, '|', n);
    switch (kind) {
    case CSV_KIND_SKIP:
        return CF_OK;
    case CSV_KIND_PIPE_PORT:
        if (bar) {
            size_t len;
            const char *ep = csv_endpoint(r, s, (size_t)(bar - s), bar + 1,
                                          n - (size_t)(bar - s) - 1, &len);
            return csv_emit(r, type, ep, len, line);
        }
        return csv_emit(r, CF_IOC_IP, s, n, line);
    case CSV_KIND_DOMAIN_IP:
        if (bar) {
            cf_status st = csv_emit(r, CF_IOC_DOMAIN, s, (size_t)(bar - s), line);
            if (st != CF_OK) {
                return st;
            }
            return csv_emit(r, CF_IOC_IP, bar + 1, n - (size_t)(bar - s) - 1, line);
        }
        return csv_emit(r, CF_IOC_DOMAIN, s, n, line);
    default:
        return csv_emit(r, type, s, n, line);
    }
}

static cf_status csv_emit_value(csv_reader *r, const cf_col *col, const char *s, size_t n,
                                uint64_t line)
{
    const csv_row *w = &r->row;
    rd_trim(&s, &n);
    if (n == 0) {
        return CF_OK;
    }
    if (w->type_text) {
        return csv_emit_typed(r, s, n, line);
    }
    cf_ioc_type type = csv_fallback(r, col, s, n);
    if (w->port_len > 0) {
        size_t len;
        const char *ep = csv_endpoint(r, s, n, w->port, w->port_len, &len);
        return csv_emit(r, CF_IOC_ENDPOINT, ep, len, line);
    }
    return csv_emit(r, type, s, n, line);
}

/* One value column: one observation per value (split on the separator). */
static cf_status csv_value_col(csv_reader *r, const cf_col *col, const csv_field *f,
                               uint64_t line)
{
    const char *sep = col->label_sep;
    if (!sep || !*sep) {
        return csv_emit_value(r, col, f->s, f->len, line);
    }
    size_t seplen = strlen(sep);
    const char *s = f->s;
    size_t n = f->len;
    for (;;) {
        const char *e = memmem(s, n, sep, seplen);
        size_t k = e ? (size_t)(e - s) : n;
        cf_status st = csv_emit_value(r, col, s, k, line);
        if (st != CF_OK || !e) {
            return st;
        }
        s = e + seplen;
        n -= k + seplen;
    }
}

/* A bare decimal number (an ASN or count column) is no IOC in generic mode. */
static bool csv_is_number(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return n > 0;
}

/*
 * A header-less generic row: the IOC is the first field that holds one
 * (detected and accepted by the normaliser), never a later field, so
 * reference links and contact columns after it stay context. When no field
 * is accepted, the first detected one is passed on for the sink to reject.
 */
static cf_status csv_record_detect(csv_reader *r, uint64_t line)
{
    int first = -1;
    for (int f = 0; f < r->nf; f++) {
        const char *s = r->fields[f].s;
        size_t n = r->fields[f].len;
        rd_trim(&s, &n);
        if (n == 0 || csv_is_number(s, n) || cf_detect_type(s, n) == CF_IOC_NONE) {
            continue;
        }
        if (cf_normalize(&r->norm, r->o->value_type, s, n) == CF_OK) {
            return csv_emit(r, r->o->value_type, s, n, line);
        }
        if (first < 0) {
            first = f;
        }
    }
    if (first < 0) {
        return CF_OK;
    }
    const char *s = r->fields[first].s;
    size_t n = r->fields[first].len;
    rd_trim(&s, &n);
    return csv_emit(r, r->o->value_type, s, n, line);
}

/* "start/prefix" of a generic range header row. */
static cf_status csv_record_range(csv_reader *r, uint64_t line)
{
    if (r->range_start >= r->nf || r->range_prefix >= r->nf) {
        return CF_OK;
    }
    const csv_field *a = &r->fields[r->range_start];
    const csv_field *p = &r->fields[r->range_prefix];
    if (a->len == 0) {
        return CF_OK;
    }
    cf_buf_reset(&r->val);
    cf_buf_append(&r->val, a->s, a->len);
    if (p->len > 0) {
        cf_buf_putc(&r->val, '/');
        cf_buf_append(&r->val, p->s, p->len);
    }
    return csv_emit(r, CF_IOC_CIDR, cf_buf_str(&r->val), r->val.len, line);
}

static cf_status csv_record(csv_reader *r, const char *s, size_t n, uint64_t line)
{
    cf_status st = CF_OK;
    if (r->p && r->nf < r->need) {
        snprintf(r->reason, sizeof r->reason, "row has %d field%s, the profile needs at least %d",
                 r->nf, r->nf == 1 ? "" : "s", r->need);
        rd_diag(r->sink, CF_DIAG_REJECT, r->feed, line, 0, r->reason, s, n);
        return CF_OK;
    }
    csv_row_context(r, line);
    if (r->detect_each) {
        return csv_record_detect(r, line);
    }
    if (r->range_start >= 0) {
        st = csv_record_range(r, line);
    }
    for (int f = 0; f < r->nf && st == CF_OK; f++) {
        if (r->map[f] >= 0 && r->cols[r->map[f]].role == CF_COL_VALUE) {
            st = csv_value_col(r, &r->cols[r->map[f]], &r->fields[f], line);
        }
    }
    return st;
}

/* Lines to records. */

static bool csv_is_comment(const csv_reader *r, const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    return n > 0 && strchr(r->comment_chars, *s) != NULL;
}

static cf_status csv_tokenized(csv_reader *r, const char *s, size_t n, uint64_t line,
                               cf_error *err)
{
    bool consumed = false;
    if (!r->mapped) {
        cf_status st = csv_map(r, s, n, line, &consumed, err);
        if (st != CF_OK || consumed) {
            return st;
        }
    }
    return csv_record(r, s, n, line);
}

static cf_status csv_line(csv_reader *r, const char *s, size_t n, uint64_t line, cf_error *err);

/* A one-line record with text after a closing quote: the reject names its field. */
static void csv_reject_stray(const csv_reader *r, const char *s, uint64_t line)
{
    size_t len = r->bad_end - r->bad_at;
    rd_diag(r->sink, CF_DIAG_REJECT, r->feed, line, 0, "stray quote in quoted field", s + r->bad_at,
            len > 64 ? 64 : len);
}

/*
 * The open quote of the record being gathered never closed into a
 * well-formed record: its first line is the reject and the lines gathered
 * after it are read again, each as the physical line it was (they hold no
 * line break, so the record splits back on '\n'). A line read again may
 * open a record of its own; it holds fewer lines than this one, so this
 * nests at most CF_MAX_RECORD_LINES deep.
 */
static cf_status csv_stray_quote(csv_reader *r, cf_error *err)
{
    cf_buf rec = r->rec;
    uint64_t line = r->rec_line;
    cf_status st = CF_OK;

    memset(&r->rec, 0, sizeof r->rec);
    r->accum = false;
    const char *nl = memchr(rec.data, '\n', rec.len);
    size_t first = nl ? (size_t)(nl - rec.data) : rec.len;
    rd_diag(r->sink, CF_DIAG_REJECT, r->feed, line, 0, "unterminated quoted field", rec.data,
            first > 64 ? 64 : first);
    size_t at = first;
    while (at < rec.len && st == CF_OK) {
        at++; /* the '\n' */
        line++;
        const char *e = memchr(rec.data + at, '\n', rec.len - at);
        size_t k = e ? (size_t)(e - (rec.data + at)) : rec.len - at;
        st = csv_line(r, rec.data + at, k, line, err);
        at += k;
    }
    cf_buf_free(&rec);
    return st;
}

static cf_status csv_line(csv_reader *r, const char *s, size_t n, uint64_t line, cf_error *err)
{
    if (r->first_line) {
        rd_strip_bom(&s, &n);
        r->first_line = false;
    }
    if (memchr(s, '\0', n)) {
        return cf_error_set(err, CF_EMALFORMED, r->feed, line, "binary data at line %llu",
                            (unsigned long long)line);
    }
    long bad = rd_utf8_check(s, n);
    if (bad >= 0) {
        if (r->accum) {
            cf_status st = csv_stray_quote(r, err);
            if (st != CF_OK) {
                return st;
            }
        }
        rd_diag(r->sink, CF_DIAG_REJECT, r->feed, line, (uint64_t)bad, "invalid UTF-8", s, n);
        return CF_OK;
    }

    /* The next line of a record with a quoted line break. */
    if (r->accum) {
        cf_buf_putc(&r->rec, '\n');
        cf_buf_append(&r->rec, s, n);
        csv_tok t = csv_tokenize(r, r->rec.data, r->rec.len);
        if (t == CSV_TOK_STRAY_QUOTE) {
            return csv_stray_quote(r, err);
        }
        if (t == CSV_TOK_OPEN_QUOTE) {
            if (++r->accum_lines >= CF_MAX_RECORD_LINES || r->rec.len > CF_MAX_LINE_BYTES) {
                return csv_stray_quote(r, err);
            }
            return CF_OK;
        }
        if (r->width > 0 && (t == CSV_TOK_TOO_MANY || r->nf != r->width)) {
            return csv_stray_quote(r, err);
        }
        r->accum = false;
        if (t == CSV_TOK_TOO_MANY) {
            rd_diag(r->sink, CF_DIAG_REJECT, r->feed, r->rec_line, 0, "too many fields", NULL, 0);
            return CF_OK;
        }
        return csv_tokenized(r, r->rec.data, r->rec.len, r->rec_line, err);
    }

    if (rd_is_blank(s, n)) {
        return CF_OK;
    }
    if (csv_is_comment(r, s, n)) {
        if (!r->mapped) {
            cf_buf_reset(&r->last_comment);
            cf_buf_append(&r->last_comment, s, n);
            r->have_comment = true;
        }
        return CF_OK;
    }
    csv_tok t = csv_tokenize(r, s, n);
    if (t == CSV_TOK_OPEN_QUOTE) {
        cf_buf_reset(&r->rec);
        cf_buf_append(&r->rec, s, n);
        r->accum = true;
        r->accum_lines = 1;
        r->rec_line = line;
        return CF_OK;
    }
    if (t == CSV_TOK_STRAY_QUOTE) {
        csv_reject_stray(r, s, line);
        return CF_OK;
    }
    if (t == CSV_TOK_TOO_MANY) {
        rd_diag(r->sink, CF_DIAG_REJECT, r->feed, line, 0, "too many fields", NULL, 0);
        return CF_OK;
    }
    if (r->width == 0) {
        r->width = r->nf;
    }
    return csv_tokenized(r, s, n, line, err);
}

/* `", "` style delimiters (quote, separator, quote) become the separator. */
static void csv_set_delim(csv_reader *r, const char *d, char quote)
{
    size_t n = strlen(d);
    if (quote && n >= 3 && d[0] == quote && d[n - 1] == quote) {
        d++;
        n -= 2;
        while (n > 1 && d[n - 1] == ' ') {
            n--;
        }
        while (n > 1 && d[0] == ' ') {
            d++;
            n--;
        }
    }
    if (n >= sizeof r->delim) {
        n = sizeof r->delim - 1;
    }
    memcpy(r->delim, d, n);
    r->delim[n] = '\0';
    r->dlen = n;
}

static void csv_init(csv_reader *r, cf_input *in, const cf_read_opts *o, const cf_sink *sink)
{
    cf_norm init = CF_NORM_INIT;
    memset(r, 0, sizeof *r);
    r->o = o;
    r->p = o->profile;
    r->sink = sink;
    r->feed = o->feed ? o->feed : cf_input_name(in);
    r->norm = init;
    r->first_line = true;
    r->range_start = -1;
    r->range_prefix = -1;
    r->quote = r->p ? r->p->quote : '"';
    r->comment_chars = r->p && r->p->comment_chars ? r->p->comment_chars : "#";
    r->header = r->p ? r->p->header : -1;
    if (r->p && r->p->n_cols == 0) {
        r->header = -1;
    }
    csv_set_delim(r, r->p && r->p->delimiter ? r->p->delimiter : ",", r->quote);
}

/* Without a profile the delimiter is the one that splits the head evenly. */
static void csv_sniff_delim(csv_reader *r, cf_input *in)
{
    static const char cands[] = {',', '\t', ';', '|'};
    const char *head = NULL;
    cf_error perr;
    cf_error_clear(&perr);
    size_t n = cf_input_peek(in, &head, 16384, &perr);
    size_t best = 0, best_count = 0;
    for (size_t i = 0; i < sizeof cands; i++) {
        size_t count = 0;
        bool comment = false, bol = true;
        for (size_t k = 0; k < n; k++) {
            if (bol) {
                comment = head[k] == '#' || head[k] == ';';
            }
            bol = head[k] == '\n';
            count += !comment && head[k] == cands[i];
        }
        if (count > best_count) {
            best = i;
            best_count = count;
        }
    }
    r->delim[0] = cands[best];
    r->delim[1] = '\0';
    r->dlen = 1;
}

cf_status cf_read_csv(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err)
{
    csv_reader r;
    cf_read_opts defaults;
    cf_status st = CF_OK;
    cf_lines *lines = NULL;

    if (!o) {
        cf_read_opts_init(&defaults);
        o = &defaults;
    }
    csv_init(&r, in, o, sink);
    if (rd_starts_markup(in)) {
        /* A web server's error page is not a feed: keep the feed's last good data. */
        st = cf_error_set(err, CF_EMALFORMED, r.feed, 1, "an HTML or XML page, not a CSV feed");
        goto out;
    }
    if (!r.p || r.p->n_cols == 0) {
        csv_sniff_delim(&r, in);
    }
    lines = cf_lines_new(in);
    if (!lines) {
        st = cf_error_set(err, CF_ENOMEM, r.feed, 0, "out of memory");
        goto out;
    }
    uint64_t last_line = 0;
    for (;;) {
        const char *s;
        size_t n;
        uint64_t line = 0;
        cf_error lerr;
        cf_error_clear(&lerr);
        int rc = cf_lines_next(lines, &s, &n, &line, &lerr);
        if (rc == 0) {
            break;
        }
        if (rc < 0 && lerr.status == CF_ELIMIT && !cf_lines_failed(lines)) {
            if (r.accum) {
                st = csv_stray_quote(&r, err);
                if (st != CF_OK) {
                    goto out;
                }
            }
            rd_diag(sink, CF_DIAG_REJECT, r.feed, line, 0, "line too long", NULL, 0);
            continue;
        }
        if (rc < 0) {
            if (err && err->status == CF_OK) {
                *err = lerr;
            }
            st = lerr.status != CF_OK ? lerr.status : CF_EIO;
            goto out;
        }
        last_line = line;
        st = csv_line(&r, s, n, line, err);
        if (st != CF_OK) {
            goto out;
        }
    }
    /*
     * A quoted field opened on the last line, where the input ends without
     * a line feed, is a body cut short (a transfer or a copy that stopped):
     * the records before it are read, but the feed is not whole, so nothing
     * of it may expire as gone. (A stray quote on an earlier line is a bad
     * record, reported as such.)
     */
    if (r.accum && st == CF_OK && cf_lines_cut(lines) && r.rec_line == last_line) {
        rd_diag(sink, CF_DIAG_ERROR, r.feed, r.rec_line, 0,
                "the input ends inside a quoted field: cut short", NULL, 0);
    }
    /* A replayed line may open a record again: until none is left open. */
    while (r.accum && st == CF_OK) {
        st = csv_stray_quote(&r, err);
    }
out:
    cf_lines_free(lines);
    cf_buf_free(&r.fbuf);
    cf_buf_free(&r.rec);
    cf_buf_free(&r.last_comment);
    cf_buf_free(&r.val);
    cf_buf_free(&r.lbuf);
    cf_norm_free(&r.norm);
    return st;
}
