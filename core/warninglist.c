/*
 * Warning lists: loading MISP lists and plain-text allow-lists into one
 * set, and matching canonical IOC values against it.
 *
 * DESIGN
 * A loader reads its file whole (jansson for MISP JSON, lines for text),
 * registers the list with the IOC types its matching_attributes name, and
 * puts every entry into the index of its kind (warninglist_index.c). Bad
 * entries are counted and the first few reported; the list still loads.
 * Every public loader ends by rebuilding the network intervals and the
 * substring automaton, so the set can be matched at once.
 *
 * A match takes the IOC's type to the keys worth looking up: the address
 * of an ip, endpoint or URL host; the network of a cidr; the name and each
 * parent name of a domain, URL host or e-mail domain; the whole value for
 * exact strings, substrings and expressions; the hash of a file IOC. Hits
 * are kept only for lists that apply to the IOC's type, de-duplicated, and
 * returned in list order.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctiflow/limits.h"
#include "warninglist_int.h"

#define WL_REPORT_SKIPS 3 /* skipped entries reported one by one per list */

#define TBIT(t) (1u << (unsigned)(t))

/*
 * Types whose canonical values hold only hexadecimal digits, '.', ':' and
 * '/': no substring made of other bytes can occur in them.
 */
#define WL_HEX_TYPES                                                                          \
    (TBIT(CF_IOC_IP) | TBIT(CF_IOC_CIDR) | TBIT(CF_IOC_MD5) | TBIT(CF_IOC_SHA1) |               \
     TBIT(CF_IOC_SHA256) | TBIT(CF_IOC_SHA512))

/* Entry kinds a name matches itself, and a parent name of it. */
#define WL_KINDS_SELF ((1u << WL_K_EXACT) | (1u << WL_K_UNDER))
#define WL_KINDS_PARENT ((1u << WL_K_UNDER) | (1u << WL_K_BELOW))

static const char *const wl_kind_names[] = {"cidr", "hostname", "string", "substring", "regex"};

const char *cf_wl_kind_name(cf_wl_kind k)
{
    return (unsigned)k < 5 ? wl_kind_names[k] : "unknown";
}

/* ---- MISP attribute types to IOC types ------------------------------ */

typedef struct wl_attr_map {
    const char *attr;
    uint32_t types;
    cf_ioc_type file_hash; /* CF_IOC_FILE with this hash, or NONE */
} wl_attr_map;

static const wl_attr_map wl_attrs[] = {
    {"ip-src", TBIT(CF_IOC_IP) | TBIT(CF_IOC_CIDR), CF_IOC_NONE},
    {"ip-dst", TBIT(CF_IOC_IP) | TBIT(CF_IOC_CIDR), CF_IOC_NONE},
    {"ip-src|port", TBIT(CF_IOC_ENDPOINT), CF_IOC_NONE},
    {"ip-dst|port", TBIT(CF_IOC_ENDPOINT), CF_IOC_NONE},
    {"domain|ip", TBIT(CF_IOC_DOMAIN) | TBIT(CF_IOC_IP) | TBIT(CF_IOC_CIDR), CF_IOC_NONE},
    {"domain", TBIT(CF_IOC_DOMAIN), CF_IOC_NONE},
    {"hostname", TBIT(CF_IOC_DOMAIN), CF_IOC_NONE},
    {"url", TBIT(CF_IOC_URL), CF_IOC_NONE},
    {"uri", TBIT(CF_IOC_URL), CF_IOC_NONE},
    {"link", TBIT(CF_IOC_URL), CF_IOC_NONE},
    {"email", TBIT(CF_IOC_EMAIL), CF_IOC_NONE},
    {"email-src", TBIT(CF_IOC_EMAIL), CF_IOC_NONE},
    {"email-dst", TBIT(CF_IOC_EMAIL), CF_IOC_NONE},
    {"target-email", TBIT(CF_IOC_EMAIL), CF_IOC_NONE},
    {"email-reply-to", TBIT(CF_IOC_EMAIL), CF_IOC_NONE},
    {"whois-registrant-email", TBIT(CF_IOC_EMAIL), CF_IOC_NONE},
    {"md5", TBIT(CF_IOC_MD5), CF_IOC_NONE},
    {"sha1", TBIT(CF_IOC_SHA1), CF_IOC_NONE},
    {"sha256", TBIT(CF_IOC_SHA256), CF_IOC_NONE},
    {"sha512", TBIT(CF_IOC_SHA512), CF_IOC_NONE},
    {"filename|md5", TBIT(CF_IOC_FILE), CF_IOC_MD5},
    {"filename|sha1", TBIT(CF_IOC_FILE), CF_IOC_SHA1},
    {"filename|sha256", TBIT(CF_IOC_FILE), CF_IOC_SHA256},
    {"filename|sha512", TBIT(CF_IOC_FILE), CF_IOC_SHA512},
    {"ssdeep", TBIT(CF_IOC_SSDEEP), CF_IOC_NONE},
    {"tlsh", TBIT(CF_IOC_TLSH), CF_IOC_NONE},
    {"filename", TBIT(CF_IOC_FILENAME), CF_IOC_NONE},
    {"AS", TBIT(CF_IOC_ASN), CF_IOC_NONE},
    {"ja3-fingerprint-md5", TBIT(CF_IOC_JA3), CF_IOC_NONE},
    {"x509-fingerprint-sha1", TBIT(CF_IOC_X509_SHA1), CF_IOC_NONE},
    {"regkey", TBIT(CF_IOC_REGKEY), CF_IOC_NONE},
    {"mutex", TBIT(CF_IOC_MUTEX), CF_IOC_NONE},
    {"user-agent", TBIT(CF_IOC_USER_AGENT), CF_IOC_NONE},
    {"vulnerability", TBIT(CF_IOC_CVE), CF_IOC_NONE},
};

static void wl_map_attr(wl_list *l, const char *attr)
{
    for (size_t i = 0; i < sizeof wl_attrs / sizeof wl_attrs[0]; i++) {
        if (strcmp(wl_attrs[i].attr, attr) == 0) {
            l->types |= wl_attrs[i].types;
            if (wl_attrs[i].file_hash != CF_IOC_NONE) {
                l->file_hashes |= (uint8_t)(1u << (wl_attrs[i].file_hash - CF_IOC_MD5));
            }
            return;
        }
    }
}

static bool wl_applies(const wl_list *l, cf_ioc_type type, cf_ioc_type hash_type)
{
    if (!(l->types & TBIT(type))) {
        return false;
    }
    if (type != CF_IOC_FILE) {
        return true;
    }
    if (hash_type < CF_IOC_MD5 || hash_type > CF_IOC_SHA512) {
        return false;
    }
    return (l->file_hashes & (1u << (hash_type - CF_IOC_MD5))) != 0;
}

/* ---- set lifetime --------------------------------------------------- */

cf_wlset *cf_wl_new(void)
{
    return calloc(1, sizeof(cf_wlset));
}

static void wl_list_free(wl_list *l)
{
    free(l->id);
    free(l->title);
    free(l->description);
    free(l->version);
    free(l->source);
    free(l->label);
}

void cf_wl_free(cf_wlset *set)
{
    if (!set) {
        return;
    }
    for (size_t i = 0; i < set->n_lists; i++) {
        wl_list_free(&set->lists[i]);
    }
    for (size_t i = 0; i < set->n_res; i++) {
        regfree(&set->res[i].re);
    }
    free(set->lists);
    free(set->res);
    wl_iv_free(&set->v4);
    wl_iv_free(&set->v6);
    wl_ht_free(&set->names);
    wl_ac_free(&set->ac);
    free(set);
}

size_t cf_wl_count(const cf_wlset *set)
{
    return set->n_lists;
}

const cf_wl_info *cf_wl_info_at(const cf_wlset *set, size_t i)
{
    return i < set->n_lists ? &set->lists[i].info : NULL;
}

int cf_wl_find(const cf_wlset *set, const char *id)
{
    for (size_t i = 0; i < set->n_lists; i++) {
        if (strcmp(set->lists[i].id, id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *cf_wl_label(const cf_wlset *set, size_t i)
{
    return i < set->n_lists ? set->lists[i].label : NULL;
}

/* Rebuild the structures that are built from staged entries. */
/* What matching a value of each IOC type involves, from the lists loaded (WL_P_*). */
static void wl_plan(cf_wlset *set)
{
    for (unsigned t = 0; t < 32; t++) {
        uint32_t bit = TBIT(t);
        uint8_t p = 0;
        p |= (set->kind_types[CF_WL_CIDR] & bit) ? WL_P_ADDR : 0;
        p |= (set->name_types & bit) ? WL_P_NAMES : 0;
        if ((set->kind_types[CF_WL_SUBSTRING] & bit) &&
            (set->ac.hex_pats || !(bit & WL_HEX_TYPES))) {
            p |= WL_P_SUB;
        }
        p |= (set->kind_types[CF_WL_REGEX] & bit) ? WL_P_RE : 0;
        set->plan[t] = p;
    }
}

static cf_status wl_build(cf_wlset *set)
{
    cf_status st = wl_iv_build(&set->v4, set->n_lists, true);
    if (st == CF_OK) {
        st = wl_iv_build(&set->v6, set->n_lists, false);
    }
    if (st == CF_OK) {
        st = wl_ht_build(&set->names);
    }
    if (st == CF_OK) {
        st = wl_ac_build(&set->ac);
    }
    wl_plan(set);
    return st;
}

/* ---- loading helpers ------------------------------------------------ */

/* A loading run over one file: where to report and what it holds so far. */
typedef struct wl_load {
    cf_wlset *set;
    const char *path;
    cf_wl_report_fn report;
    void *report_ctx;
    uint16_t list;
} wl_load;

static void wl_report(const wl_load *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void wl_report(const wl_load *ld, const char *fmt, ...)
{
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "%s: ", ld->path);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof msg) {
        vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    }
    va_end(ap);
    if (ld->report) {
        ld->report(ld->report_ctx, msg);
    }
}

/* "<dir>/<id>/list.json" gives id; "<dir>/<id>.<ext>" gives id. */
static char *wl_id_from_path(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(base, "list.json") == 0 && base > path + 1) {
        const char *end = base - 1;
        const char *start = end;
        while (start > path && start[-1] != '/') {
            start--;
        }
        if (end > start) {
            return cf_strndup(start, (size_t)(end - start));
        }
    }
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot > base ? (size_t)(dot - base) : strlen(base);
    return cf_strndup(base, n);
}

/* Register a list; CF_EINVAL (reported) when the id is taken. */
static cf_status wl_list_add(wl_load *ld, const char *id, cf_wl_kind kind, bool allowlist,
                             cf_error *err)
{
    cf_wlset *set = ld->set;

    if (cf_wl_find(set, id) >= 0) {
        wl_report(ld, "warning list '%s' is already loaded; this one is ignored", id);
        return cf_error_set(err, CF_EINVAL, ld->path, 0, "duplicate warning list '%s'", id);
    }
    if (set->n_lists >= CF_WL_MAX_LISTS) {
        return cf_error_set(err, CF_ELIMIT, ld->path, 0, "more than %d warning lists",
                            CF_WL_MAX_LISTS);
    }
    if (set->n_lists == set->cap_lists) {
        size_t cap = set->cap_lists ? set->cap_lists * 2 : 32;
        wl_list *p = realloc(set->lists, cap * sizeof *p);
        if (!p) {
            return CF_ENOMEM;
        }
        set->lists = p;
        set->cap_lists = cap;
    }
    wl_list *l = &set->lists[set->n_lists];
    memset(l, 0, sizeof *l);
    l->id = cf_strdup(id);
    l->source = cf_strdup(ld->path);
    size_t lablen = strlen(CF_WL_LABEL_PREFIX) + strlen(id) + 1;
    l->label = malloc(lablen);
    if (!l->id || !l->source || !l->label) {
        wl_list_free(l);
        return CF_ENOMEM;
    }
    snprintf(l->label, lablen, "%s%s", CF_WL_LABEL_PREFIX, id);
    l->info.kind = kind;
    l->info.allowlist = allowlist;
    ld->list = (uint16_t)set->n_lists++;
    return CF_OK;
}

/* Point the info's strings at the owned copies (after every field is set). */
static void wl_list_sync(wl_list *l)
{
    l->info.id = l->id;
    l->info.title = l->title ? l->title : l->id;
    l->info.description = l->description ? l->description : "";
    l->info.version = l->version ? l->version : "";
    l->info.source = l->source;
}

static void wl_skip(wl_load *ld, const char *entry, const char *why)
{
    wl_list *l = &ld->set->lists[ld->list];
    if (l->info.skipped < WL_REPORT_SKIPS) {
        wl_report(ld, "list '%s': entry '%.200s' skipped: %s", l->id, entry, why);
    }
    l->info.skipped++;
}

/* An entry over the length limit or holding a NUL: its start is named, then why. */
static void wl_skip_long(wl_load *ld, const char *s, size_t n)
{
    wl_list *l = &ld->set->lists[ld->list];
    const char *nul = memchr(s, '\0', n);
    size_t shown = nul ? (size_t)(nul - s) : n;

    if (l->info.skipped < WL_REPORT_SKIPS) {
        if (nul) {
            wl_report(ld, "list '%s': entry '%.*s' skipped: holds a NUL byte after %zu bytes",
                      l->id, (int)(shown < 60 ? shown : 60), s, shown);
        } else {
            wl_report(ld, "list '%s': entry '%.60s...' skipped: %zu bytes, over the limit of %d",
                      l->id, s, n, CF_WL_MAX_ENTRY_BYTES);
        }
    }
    l->info.skipped++;
}

static inline bool wl_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trim surrounding white space. */
static void wl_trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' ||
                  (*s)[*n - 1] == '\n')) {
        (*n)--;
    }
}

static cf_status wl_add_net(wl_load *ld, const char *s, size_t n)
{
    int family = 0;
    wl_u128 first, last;

    if (!wl_parse_net(s, n, &family, &first, &last)) {
        return CF_EMALFORMED;
    }
    return wl_iv_add(family == 4 ? &ld->set->v4 : &ld->set->v6, first, last, ld->list);
}

/* A host name entry: leading "*." or "." and a trailing "." dropped. */
static cf_status wl_add_host(wl_load *ld, uint8_t kind, const char *s, size_t n)
{
    if (n >= 2 && s[0] == '*' && s[1] == '.') {
        s += 2;
        n -= 2;
    } else if (n && s[0] == '.') {
        s++;
        n--;
    }
    if (n && s[n - 1] == '.') {
        n--;
    }
    if (n == 0) {
        return CF_EMALFORMED;
    }
    return wl_ht_add(&ld->set->names, kind, s, n, ld->list);
}

/* A string-list entry: exact, or every name under it when it starts with '.'. */
static cf_status wl_add_string(wl_load *ld, const char *s, size_t n)
{
    if (n > 1 && s[0] == '.') {
        return wl_add_host(ld, WL_K_BELOW, s, n);
    }
    return wl_ht_add(&ld->set->names, WL_K_EXACT, s, n, ld->list);
}

static cf_status wl_add_regex(wl_load *ld, const char *s)
{
    cf_wlset *set = ld->set;
    cf_buf ere = CF_BUF_INIT;
    bool icase = false;
    const char *reason = NULL;
    cf_status st = CF_EMALFORMED;

    if (!wl_regex_convert(&ere, s, &icase, &reason)) {
        wl_skip(ld, s, reason ? reason : "cannot convert expression");
        goto out;
    }
    if (set->n_res == set->cap_res) {
        size_t cap = set->cap_res ? set->cap_res * 2 : 16;
        wl_regex *p = realloc(set->res, cap * sizeof *p);
        if (!p) {
            st = CF_ENOMEM;
            goto out;
        }
        set->res = p;
        set->cap_res = cap;
    }
    int flags = REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0);
    int rc = regcomp(&set->res[set->n_res].re, cf_buf_str(&ere), flags);
    if (rc != 0) {
        char why[256];
        regerror(rc, &set->res[set->n_res].re, why, sizeof why);
        wl_skip(ld, s, why);
        goto out;
    }
    set->res[set->n_res++].list = ld->list;
    st = CF_OK;

out:
    cf_buf_free(&ere);
    return st;
}

/*
 * One entry of a MISP list by the list's kind; skipped entries are counted.
 * nul_free: the entry is known to hold no NUL.
 */
static cf_status wl_add_entry(wl_load *ld, cf_wl_kind kind, const char *s, size_t n, bool nul_free)
{
    cf_status st;

    /* Most entries have no space at either end: trimming them would change nothing. */
    if (n == 0 || wl_is_space(s[0]) || wl_is_space(s[n - 1])) {
        wl_trim(&s, &n);
    }
    if (n == 0) {
        wl_skip(ld, "", "empty entry");
        return CF_OK;
    }
    if (n > CF_WL_MAX_ENTRY_BYTES || (!nul_free && memchr(s, '\0', n))) {
        wl_skip_long(ld, s, n);
        return CF_OK;
    }
    switch (kind) {
    case CF_WL_CIDR: st = wl_add_net(ld, s, n); break;
    case CF_WL_HOSTNAME: st = wl_add_host(ld, WL_K_UNDER, s, n); break;
    case CF_WL_STRING: st = wl_add_string(ld, s, n); break;
    case CF_WL_SUBSTRING: st = wl_ac_add(&ld->set->ac, s, n, ld->list); break;
    default: st = wl_add_regex(ld, s); break;
    }
    if (st == CF_ENOMEM) {
        return st;
    }
    if (st == CF_OK) {
        ld->set->lists[ld->list].info.entries++;
    } else if (kind != CF_WL_REGEX) {
        wl_skip(ld, s, kind == CF_WL_CIDR ? "not an address or network" : "unusable entry");
    }
    return CF_OK;
}

/* Record which kinds cover which IOC types, for quick skips in matching. */
static void wl_note_kind(cf_wlset *set, const wl_list *l, cf_wl_kind kind)
{
    set->kind_types[kind] |= l->types;
    if (kind == CF_WL_HOSTNAME || kind == CF_WL_STRING) {
        set->name_types |= l->types;
    }
}

static cf_status wl_kind_from_name(const char *name, cf_wl_kind *out)
{
    for (int k = 0; k < 5; k++) {
        if (strcmp(name, wl_kind_names[k]) == 0) {
            *out = (cf_wl_kind)k;
            return CF_OK;
        }
    }
    return CF_EUNSUPPORTED;
}

static char *wl_json_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v)) {
        return cf_strdup(json_string_value(v));
    }
    if (json_is_integer(v)) {
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return cf_strdup(num);
    }
    return NULL;
}

/* ---- MISP lists ----------------------------------------------------- */

/* Register and fill one MISP list from its members. */
static cf_status wl_load_doc(wl_load *ld, const wl_doc *doc, const char *id, cf_error *err)
{
    cf_wl_kind kind = CF_WL_STRING;

    if (doc->type && wl_kind_from_name(doc->type, &kind) != CF_OK) {
        return cf_error_set(err, CF_EUNSUPPORTED, ld->path, 0,
                            "unsupported warning list type '%s'", doc->type);
    }
    cf_status st = wl_list_add(ld, id, kind, false, err);
    if (st != CF_OK) {
        return st;
    }

    wl_list *l = &ld->set->lists[ld->list];
    l->title = doc->name ? cf_strdup(doc->name) : NULL;
    l->description = doc->description ? cf_strdup(doc->description) : NULL;
    l->version = doc->version ? cf_strdup(doc->version) : NULL;
    wl_list_sync(l);
    if (doc->has_attrs && doc->n_attrs > 0) {
        for (size_t i = 0; i < doc->n_attrs; i++) {
            if (doc->attrs[i].s) {
                wl_map_attr(l, doc->attrs[i].s);
            }
        }
    } else {
        l->types = UINT32_MAX;
        l->file_hashes = 0xff;
    }
    wl_note_kind(ld->set, l, kind);

    for (size_t i = 0; i < doc->n_list; i++) {
        const wl_docval *v = &doc->list[i];
        if (!v->s) {
            wl_skip(ld, "", "not a string");
            continue;
        }
        st = wl_add_entry(ld, kind, v->s, v->len, doc->nul_free);
        if (st != CF_OK) {
            return st;
        }
    }
    if (l->info.skipped > WL_REPORT_SKIPS) {
        wl_report(ld, "list '%s': %zu entries skipped in all", l->id, l->info.skipped);
    }
    return CF_OK;
}

/* The values of a JSON array as wl_docval (strings borrowed from the tree). */
static cf_status wl_json_vals(json_t *arr, wl_docval **out, size_t *n)
{
    size_t i;
    json_t *v;

    *n = json_array_size(arr);
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out) {
        return CF_ENOMEM;
    }
    json_array_foreach(arr, i, v) {
        if (json_is_string(v)) {
            (*out)[i].s = (char *)json_string_value(v);
            (*out)[i].len = json_string_length(v);
        }
    }
    return CF_OK;
}

static cf_status wl_load_json(wl_load *ld, json_t *doc, const char *id, cf_error *err)
{
    json_t *type = json_object_get(doc, "type");
    json_t *list = json_object_get(doc, "list");
    json_t *attrs = json_object_get(doc, "matching_attributes");
    wl_doc d;
    char *name = NULL, *description = NULL, *version = NULL;
    cf_status st = CF_ENOMEM;

    memset(&d, 0, sizeof d);
    if (!json_is_object(doc) || !json_is_array(list)) {
        return cf_error_set(err, CF_EMALFORMED, ld->path, 0,
                            "not a warning list (no \"list\" array)");
    }
    d.type = json_is_string(type) ? json_string_value(type) : NULL;
    name = wl_json_str(doc, "name");
    description = wl_json_str(doc, "description");
    version = wl_json_str(doc, "version");
    d.name = name;
    d.description = description;
    d.version = version;
    d.has_list = true;
    if (wl_json_vals(list, &d.list, &d.n_list) != CF_OK) {
        goto out;
    }
    if (json_is_array(attrs)) {
        d.has_attrs = true;
        if (wl_json_vals(attrs, &d.attrs, &d.n_attrs) != CF_OK) {
            goto out;
        }
    }
    st = wl_load_doc(ld, &d, id, err);

out:
    wl_doc_free(&d);
    free(name);
    free(description);
    free(version);
    return st;
}

/*
 * The whole file in *buf; CF_OK with *buf NULL when it cannot be read this
 * way (the general parser then reports it).
 */
static cf_status wl_read_whole(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    cf_status st = CF_OK;

    *buf = NULL;
    *len = 0;
    if (!f) {
        return CF_OK;
    }
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size > CF_WL_MAX_FILE_BYTES) {
        goto out;
    }
    *buf = malloc((size_t)sb.st_size + 1);
    if (!*buf) {
        st = CF_ENOMEM;
        goto out;
    }
    *len = fread(*buf, 1, (size_t)sb.st_size, f);
    if (*len != (size_t)sb.st_size || ferror(f)) {
        free(*buf);
        *buf = NULL;
        *len = 0;
    }

out:
    fclose(f);
    return st;
}

/* Size check before a whole-file read. */
static cf_status wl_check_file(const char *path, cf_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        return cf_error_set(err, errno == ENOENT ? CF_ENOTFOUND : CF_EIO, path, 0,
                            "cannot read: %s", strerror(errno));
    }
    if ((uint64_t)sb.st_size > CF_WL_MAX_FILE_BYTES) {
        return cf_error_set(err, CF_ELIMIT, path, 0, "warning list larger than %u bytes",
                            CF_WL_MAX_FILE_BYTES);
    }
    return CF_OK;
}

static cf_status wl_load_file_nobuild(cf_wlset *set, const char *path, const char *id,
                                      cf_wl_report_fn report, void *report_ctx, cf_error *err)
{
    wl_load ld = {set, path, report, report_ctx, 0};
    char *own_id = NULL;
    json_t *doc = NULL;
    json_error_t jerr;
    wl_doc fast;
    char *buf = NULL;
    size_t len = 0;
    cf_status st = wl_check_file(path, err);

    memset(&fast, 0, sizeof fast);

    if (st != CF_OK) {
        goto out;
    }
    if (!id) {
        own_id = wl_id_from_path(path);
        if (!own_id) {
            st = CF_ENOMEM;
            goto out;
        }
        id = own_id;
    }
    st = wl_read_whole(path, &buf, &len);
    if (st != CF_OK) {
        goto out;
    }
    if (buf && wl_doc_parse(buf, len, &fast)) {
        st = wl_load_doc(&ld, &fast, id, err);
        goto out;
    }
    doc = json_load_file(path, 0, &jerr);
    if (!doc) {
        st = cf_error_set(err, CF_EMALFORMED, path, (uint64_t)(jerr.line > 0 ? jerr.line : 0),
                          "invalid JSON: %s", jerr.text);
        goto out;
    }
    st = wl_load_json(&ld, doc, id, err);

out:
    json_decref(doc);
    wl_doc_free(&fast);
    free(buf);
    free(own_id);
    return st;
}

cf_status cf_wl_load_file(cf_wlset *set, const char *path, const char *id,
                          cf_wl_report_fn report, void *report_ctx, cf_error *err)
{
    cf_status st = wl_load_file_nobuild(set, path, id, report, report_ctx, err);
    cf_status bst = wl_build(set);
    return st != CF_OK ? st : bst;
}

/* ---- plain-text allow-lists ----------------------------------------- */

/* True when s looks like a host name: letters, digits, '-', '_', '.', one dot at least. */
static bool wl_looks_host(const char *s, size_t n)
{
    bool dot = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '*' || (unsigned char)c >= 0x80;
        if (!ok) {
            return false;
        }
        dot = dot || (c == '.' && i > 0 && i + 1 < n);
    }
    return dot;
}

static cf_status wl_allow_entry(wl_load *ld, const char *s, size_t n)
{
    int family = 0;
    wl_u128 first, last;
    cf_status st;

    if (wl_parse_net(s, n, &family, &first, &last)) {
        st = wl_iv_add(family == 4 ? &ld->set->v4 : &ld->set->v6, first, last, ld->list);
    } else if (wl_looks_host(s, n)) {
        st = wl_add_host(ld, WL_K_UNDER, s, n);
    } else {
        st = wl_ht_add(&ld->set->names, WL_K_EXACT, s, n, ld->list);
    }
    if (st == CF_OK) {
        ld->set->lists[ld->list].info.entries++;
    }
    return st;
}

/* A line of a plain-text allow-list skipped, named by its number. */
static void wl_skip_line(wl_load *ld, size_t line_no, const char *why)
{
    wl_list *l = &ld->set->lists[ld->list];
    if (l->info.skipped < WL_REPORT_SKIPS) {
        wl_report(ld, "list '%s': line %zu skipped: %s", l->id, line_no, why);
    }
    l->info.skipped++;
}

/* True when s holds a byte below 0x20 other than a tab, or DEL. */
static bool wl_has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return true;
        }
    }
    return false;
}

static cf_status wl_allow_parse(wl_load *ld, FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    cf_status st = CF_OK;

    size_t line_no = 0;
    while (st == CF_OK && (got = getline(&line, &cap, f)) >= 0) {
        const char *s = line;
        size_t n = (size_t)got;
        line_no++;

        /* A '#' at the start or after white space begins a comment. */
        for (size_t i = 0; i < n; i++) {
            if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
                n = i;
                break;
            }
        }
        wl_trim(&s, &n);
        if (n == 0) {
            continue;
        }
        if (n > CF_WL_MAX_ENTRY_BYTES) {
            wl_skip_line(ld, line_no, "over the length limit");
            continue;
        }
        if (memchr(s, '\0', n) || wl_has_control(s, n)) {
            wl_skip_line(ld, line_no, "holds a NUL or control byte (not a text file?)");
            continue;
        }
        st = wl_allow_entry(ld, s, n);
        if (st == CF_EMALFORMED) {
            wl_skip(ld, s, "unusable entry");
            st = CF_OK;
        }
    }
    free(line);
    return st;
}

static cf_status wl_load_allow_nobuild(cf_wlset *set, const char *path, const char *id,
                                       cf_wl_report_fn report, void *report_ctx, cf_error *err)
{
    wl_load ld = {set, path, report, report_ctx, 0};
    char *own_id = NULL;
    FILE *f = NULL;
    cf_status st = wl_check_file(path, err);

    if (st != CF_OK) {
        goto out;
    }
    f = fopen(path, "r");
    if (!f) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot read: %s", strerror(errno));
        goto out;
    }
    own_id = id ? NULL : wl_id_from_path(path);
    if (!id && !own_id) {
        st = CF_ENOMEM;
        goto out;
    }
    st = wl_list_add(&ld, id ? id : own_id, CF_WL_STRING, true, err);
    if (st != CF_OK) {
        goto out;
    }
    wl_list *l = &set->lists[ld.list];
    l->types = UINT32_MAX;
    l->file_hashes = 0xff;
    l->title = cf_strdup("allow-list");
    wl_list_sync(l);
    wl_note_kind(set, l, CF_WL_CIDR);
    wl_note_kind(set, l, CF_WL_HOSTNAME);
    wl_note_kind(set, l, CF_WL_STRING);
    st = wl_allow_parse(&ld, f);
    if (st == CF_OK && ferror(f)) {
        st = cf_error_set(err, CF_EIO, path, 0, "read failed");
    }

out:
    if (f) {
        fclose(f);
    }
    free(own_id);
    return st;
}

cf_status cf_wl_load_allowlist(cf_wlset *set, const char *path, const char *id,
                               cf_wl_report_fn report, void *report_ctx, cf_error *err)
{
    cf_status st = wl_load_allow_nobuild(set, path, id, report, report_ctx, err);
    cf_status bst = wl_build(set);
    return st != CF_OK ? st : bst;
}

/* ---- directories ---------------------------------------------------- */

static int wl_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool wl_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* Load one directory entry if it is a list; CF_OK when it is not one. */
static cf_status wl_load_dir_entry(cf_wlset *set, const char *dir, const char *name,
                                   cf_wl_report_fn report, void *report_ctx, cf_error *err)
{
    char path[4096];
    struct stat sb;

    snprintf(path, sizeof path, "%s/%s/list.json", dir, name);
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
        return wl_load_file_nobuild(set, path, name, report, report_ctx, err);
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        return CF_OK;
    }
    if (wl_has_suffix(name, ".json")) {
        return wl_load_file_nobuild(set, path, NULL, report, report_ctx, err);
    }
    if (wl_has_suffix(name, ".txt")) {
        return wl_load_allow_nobuild(set, path, NULL, report, report_ctx, err);
    }
    return CF_OK;
}

/* The names in dir, sorted; *out and its strings belong to the caller. */
static cf_status wl_dir_names(const char *dir, char ***out, size_t *n_out, cf_error *err)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;

    if (!d) {
        return cf_error_set(err, CF_ENOTFOUND, dir, 0, "cannot open directory: %s",
                            strerror(errno));
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) {
                break;
            }
            names = p;
        }
        names[n] = cf_strdup(de->d_name);
        if (!names[n]) {
            break;
        }
        n++;
    }
    closedir(d);
    if (n) {
        qsort(names, n, sizeof *names, wl_name_cmp);
    }
    *out = names;
    *n_out = n;
    return CF_OK;
}

cf_status cf_wl_load_dir(cf_wlset *set, const char *dir, cf_wl_report_fn report,
                         void *report_ctx, cf_error *err)
{
    char **names = NULL;
    size_t n = 0;
    cf_status first = wl_dir_names(dir, &names, &n, err);

    for (size_t i = 0; first != CF_ENOTFOUND && i < n; i++) {
        cf_error one;
        cf_error_clear(&one);
        cf_status st = wl_load_dir_entry(set, dir, names[i], report, report_ctx, &one);
        if (st != CF_OK && st != CF_EINVAL && report) {
            char msg[1200];
            cf_error_format(msg, sizeof msg, &one);
            report(report_ctx, msg);
        }
        if (st != CF_OK && first == CF_OK) {
            first = st;
            if (err && err->status == CF_OK) {
                *err = one;
            }
        }
        if (st == CF_ENOMEM) {
            break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    cf_status bst = wl_build(set);
    return first != CF_OK ? first : bst;
}

cf_status cf_wl_load_path(cf_wlset *set, const char *path, cf_wl_report_fn report,
                          void *report_ctx, cf_error *err)
{
    struct stat sb;

    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        return cf_wl_load_dir(set, path, report, report_ctx, err);
    }
    if (wl_has_suffix(path, ".json")) {
        return cf_wl_load_file(set, path, NULL, report, report_ctx, err);
    }
    return cf_wl_load_allowlist(set, path, NULL, report, report_ctx, err);
}

/* ---- matching ------------------------------------------------------- */

void wl_hit(wl_hits *h, uint16_t list)
{
    cf_wl_matches *m = h->out;

    if (!wl_applies(&h->set->lists[list], h->type, h->hash_type)) {
        return;
    }
    /* Kept ascending: find the place, skip a duplicate, shift the rest up. */
    size_t i = m->n;
    while (i > 0 && m->lists[i - 1] > list) {
        i--;
    }
    if ((i > 0 && m->lists[i - 1] == list) || m->n >= CF_WL_MAX_MATCHES) {
        return;
    }
    memmove(&m->lists[i + 1], &m->lists[i], (m->n - i) * sizeof m->lists[0]);
    m->lists[i] = list;
    m->n++;
}

/* The address text s of n bytes, or the address the normaliser parsed when norm has one. */
static void wl_match_addr(const cf_wlset *set, const char *s, size_t n, const cf_norm *norm,
                          wl_hits *h)
{
    int family = 0;
    wl_u128 first, last;

    if (norm && norm->addr_family == 4) {
        /* The parsed IPv4 address as a 32-bit range, no 128-bit detour. */
        const unsigned char *b = norm->addr;
        uint32_t a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        int prefix = norm->addr_prefix;
        uint32_t host = prefix <= 0 ? UINT32_MAX : (prefix >= 32 ? 0 : UINT32_MAX >> prefix);
        wl_iv_query4(&set->v4, a & ~host, (a & ~host) | host, h);
        return;
    }
    if (norm && norm->addr_family) {
        family = norm->addr_family;
        wl_net_bytes(family, norm->addr, norm->addr_prefix, &first, &last);
    } else if (!wl_parse_net(s, n, &family, &first, &last)) {
        return;
    }
    wl_iv_query(family == 4 ? &set->v4 : &set->v6, first, last, h);
}

/*
 * Every parent name, then the name: exact strings and hostname entries. One
 * pass over the name's words from its end (wl_ht_hash) gives the hash of
 * each parent on the way: at a dot, the state so far plus the bytes after
 * the dot in that word. The probes are made after the pass, so those of
 * one name wait for memory once, not once per label.
 */
#define WL_NAME_LABELS 32 /* parent names looked up after one hashing pass */

typedef struct wl_parents {
    size_t at[WL_NAME_LABELS];
    uint32_t hv[WL_NAME_LABELS];
    size_t k;
} wl_parents;

/*
 * The parents starting after the dots of word w (bytes s[base..base+8),
 * those before s zero), given h, the state after the words behind it.
 */
static inline void wl_name_dots(const cf_wlset *set, const char *s, size_t n, ptrdiff_t base,
                                uint64_t w, uint64_t h, wl_parents *p, wl_hits *hits)
{
    const uint64_t lows = 0x7f7f7f7f7f7f7f7full;
    uint64_t x = w ^ 0x2e2e2e2e2e2e2e2eull; /* '.' bytes become 0 */
    uint64_t dots = ~(((x & lows) + lows) | x | lows);

    while (dots) {
        int bit = 63 - __builtin_clzll(dots);
        dots &= ~(1ull << bit);
        size_t j = (size_t)bit >> 3;
        size_t at = (size_t)(base + (ptrdiff_t)j) + 1; /* where the parent starts */
        if (at >= n) {
            continue; /* a trailing dot starts no parent */
        }
        size_t r = 7 - j; /* bytes of the parent in this word */
        uint64_t ph = r ? wl_ht_mix(h, w & (~0ull << (8 * (8 - r)))) : h;
        uint32_t hv = wl_ht_final(ph, n - at);
        if (p->k == WL_NAME_LABELS) {
            wl_ht_query_hash(&set->names, WL_KINDS_PARENT, s + at, n - at, hv, hits);
            continue;
        }
        p->at[p->k] = at;
        p->hv[p->k] = hv;
        wl_ht_prefetch(&set->names, hv);
        p->k++;
    }
}

static void wl_match_name(const cf_wlset *set, const char *s, size_t n, wl_hits *h)
{
    wl_parents p;
    uint64_t acc = WL_HT_SEED;
    size_t i = n;

    p.k = 0;
    for (; i >= 8; i -= 8) {
        uint64_t w = wl_fold8(wl_ht_load(s + i - 8));
        wl_name_dots(set, s, n, (ptrdiff_t)(i - 8), w, acc, &p, h);
        acc = wl_ht_mix(acc, w);
    }
    if (i > 0) {
        uint64_t w = wl_fold8(wl_ht_head(s, i));
        wl_name_dots(set, s, n, (ptrdiff_t)i - 8, w, acc, &p, h);
        acc = wl_ht_mix(acc, w);
    }
    uint32_t self = wl_ht_final(acc, n);
    wl_ht_prefetch(&set->names, self);
    for (size_t j = 0; j < p.k; j++) {
        wl_ht_query_hash(&set->names, WL_KINDS_PARENT, s + p.at[j], n - p.at[j], p.hv[j], h);
    }
    wl_ht_query_hash(&set->names, WL_KINDS_SELF, s, n, self, h);
}

/* Bytes that end a URL's authority (1: '/', '?', '#' and its NUL) or split it (2: '@', 3: ':'). */
static const uint8_t wl_auth_class[256] = {
    [0] = 1, ['/'] = 1, ['?'] = 1, ['#'] = 1, ['@'] = 2, [':'] = 3,
};

/*
 * The host of a canonical URL: after "://", before '/', '?' or '#', without
 * userinfo or port. One pass over the authority: the host starts after its
 * last '@' and ends at the first ':' after that. The pass steps over the
 * bytes of no class (nearly all of them) one table load each.
 */
static bool wl_url_host(const char *url, const char **host, size_t *n, bool *bracketed)
{
    const char *p = url;
    while (*p && *p != ':') {
        p++;
    }
    if (p[0] != ':' || p[1] != '/' || p[2] != '/') {
        const char *q = strstr(p, "://");
        if (!q) {
            return false;
        }
        p = q;
    }
    p += 3;
    const char *start = p, *colon = NULL;
    for (;; p++) {
        while (!wl_auth_class[(unsigned char)*p]) {
            p++;
        }
        uint8_t c = wl_auth_class[(unsigned char)*p];
        if (c == 1) {
            break;
        }
        if (c == 2) {
            start = p + 1;
            colon = NULL;
        } else if (!colon) {
            colon = p;
        }
    }
    size_t auth = (size_t)(p - start);
    *bracketed = auth && start[0] == '[';
    if (*bracketed) {
        const char *close = memchr(start, ']', auth);
        if (!close) {
            return false;
        }
        *host = start + 1;
        *n = (size_t)(close - start - 1);
        return true;
    }
    *host = start;
    *n = colon ? (size_t)(colon - start) : auth;
    return *n > 0;
}

static void wl_match_url(const cf_wlset *set, const char *value, unsigned plan, wl_hits *h)
{
    const char *host;
    size_t n;
    bool bracketed;

    if (!wl_url_host(value, &host, &n, &bracketed)) {
        return;
    }
    if (plan & WL_P_ADDR) {
        wl_match_addr(set, host, n, NULL, h);
    }
    if (!bracketed && (plan & WL_P_NAMES)) {
        wl_match_name(set, host, n, h);
    }
}

/* The keys of one type (plan: its WL_P_* bits), then the whole value as an exact string. */
static void wl_match_keys(const cf_wlset *set, const char *value, size_t len, const cf_norm *norm,
                          unsigned plan, wl_hits *h)
{
    bool names = (plan & WL_P_NAMES) != 0;

    switch (h->type) {
    case CF_IOC_IP:
    case CF_IOC_CIDR:
        if (plan & WL_P_ADDR) {
            wl_match_addr(set, value, len, norm, h);
        }
        break;
    case CF_IOC_ENDPOINT: {
        if (!(plan & WL_P_ADDR)) {
            break;
        }
        if (norm && norm->addr_family) {
            wl_match_addr(set, value, len, norm, h);
            break;
        }
        const char *colon = strrchr(value, ':');
        if (colon) {
            bool v6 = value[0] == '[';
            wl_match_addr(set, value + v6, (size_t)(colon - value) - 2 * v6, NULL, h);
        }
        break;
    }
    case CF_IOC_DOMAIN:
        if (names) {
            wl_match_name(set, value, len, h); /* the name itself is looked up there */
        }
        return;
    case CF_IOC_URL:
        wl_match_url(set, value, plan, h);
        break;
    case CF_IOC_EMAIL: {
        const char *at = strrchr(value, '@');
        if (names && at) {
            wl_match_name(set, at + 1, len - (size_t)(at + 1 - value), h);
        }
        break;
    }
    case CF_IOC_FILE: {
        const char *bar = strrchr(value, '|');
        if (names && bar) {
            wl_ht_query(&set->names, 1u << WL_K_EXACT, bar + 1,
                        len - (size_t)(bar + 1 - value), h);
        }
        break;
    }
    default:
        break;
    }
    if (names) {
        wl_ht_query(&set->names, 1u << WL_K_EXACT, value, len, h);
    }
}

size_t cf_wl_match_value(const cf_wlset *set, cf_ioc_type type, cf_ioc_type hash_type,
                         const char *value, cf_wl_matches *out)
{
    out->n = 0;
    if (!value) {
        return 0;
    }
    return wl_match_len(set, type, hash_type, value, strlen(value), NULL, out);
}

size_t cf_wl_match_norm(const cf_wlset *set, const cf_norm *norm, cf_wl_matches *out)
{
    return wl_match_len(set, norm->type, norm->hash_type, cf_buf_str(&norm->value), norm->value.len,
                        norm, out);
}

size_t wl_match_len(const cf_wlset *set, cf_ioc_type type, cf_ioc_type hash_type, const char *value,
                    size_t len, const cf_norm *norm, cf_wl_matches *out)
{
    out->n = 0;
    unsigned plan = (unsigned)type < 32 ? set->plan[type] : 0;
    if (plan == 0) {
        return 0;
    }
    wl_hits h = {set, type, hash_type, out};

    if (plan & (WL_P_ADDR | WL_P_NAMES)) {
        wl_match_keys(set, value, len, norm, plan, &h);
    }
    if (plan & WL_P_SUB) {
        wl_ac_scan(&set->ac, value, len, &h);
    }
    if (plan & WL_P_RE) {
        for (size_t i = 0; i < set->n_res; i++) {
            const wl_regex *r = &set->res[i];
            if (wl_applies(&set->lists[r->list], type, hash_type) &&
                regexec(&r->re, value, 0, NULL, 0) == 0) {
                wl_hit(&h, r->list);
            }
        }
    }
    return out->n;
}

size_t cf_wl_match(const cf_wlset *set, const cf_ioc *ioc, cf_wl_matches *out)
{
    return cf_wl_match_value(set, ioc->type, ioc->hash_type, ioc->value, out);
}
