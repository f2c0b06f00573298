/*
 * STIX 2.1 and 2.0 bundle reader: indicators, cyber-observable objects,
 * the actors and malware they are attributed to, TLP markings and reports.
 *
 * DESIGN
 * A bundle is read whole (bounded by CF_MAX_JSON_DOC_BYTES, nesting by
 * CF_MAX_JSON_DEPTH) because relationships may come before or after the
 * objects they join. Objects are indexed by id, relationships by source and
 * by target, reports and groupings by member. Attribution is read as an
 * analyst reads a bundle, at most two hops from the indicator: `indicates`
 * an intrusion-set or threat-actor (and what that is attributed to), a
 * malware (its family, the actors it is attributed to, the one actor that
 * uses it when only one does), or a campaign (label "campaign:<name>", its
 * `attributed-to` actors and those of the reports listing it); the reports
 * and groupings listing the indicator, and those listing them, give the
 * actors they are attributed to or list; `uses` or `indicates` an
 * attack-pattern gives "attack-pattern:<name>". What one object contributes
 * is worked out once and cached.
 *
 * An indicator's pattern is scanned by a small parser (observation expressions in
 * brackets, comparisons joined by AND/OR, string escapes \' and \\); each
 * equality on a supported SCO property becomes one observation, a file
 * name with a hash in the same brackets becomes a "name|hash" pair, an
 * address with a destination port an endpoint, and a directory:path ANDed
 * with a file:name is kept as the name's comment. A pattern with anything
 * else (other operators, qualifiers, FOLLOWEDBY, properties we do not map)
 * is reported and the indicator skipped: nothing is guessed; after the
 * bundle one warning per reason and property counts what was skipped. A
 * pattern of several observations is also passed on whole as a cf_compound.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"
#include "ctiflow/reader.h"
#include "ctiflow/stix.h"
#include "readutil.h"
#include "stix1_util.h"

#define S2_MAX_CMP 256

/* What one object contributes to the indicators that point at it. */
typedef struct s2_contrib {
    s1_list actors, malware, labels;
} s2_contrib;

static void contrib_free(void *p)
{
    s2_contrib *k = p;
    if (k) {
        s1_list_free(&k->actors);
        s1_list_free(&k->malware);
        s1_list_free(&k->labels);
        free(k);
    }
}

typedef struct s2_ctx {
    const cf_read_opts *opts;
    const cf_sink *sink;
    cf_error *err;
    const char *feed;
    json_t *index;    /* id -> object */
    json_t *rel_out;  /* source id -> array of relationships */
    json_t *rel_in;   /* target id -> array of relationships */
    json_t *containers; /* object id -> ids of the reports and groupings listing it */
    json_t *in_report;/* object id -> report id */
    json_t *events;   /* report id -> (pointer as integer) */
    json_t *tlp_defs; /* marking-definition id -> tlp (integer) */
    json_t *unreduced_by; /* reason -> count of indicators not reduced */
    s1_map contrib;   /* object id -> s2_contrib */
    uint64_t unreduced;
} s2_ctx;

/* One comparison of a pattern. */
typedef struct s2_cmp {
    char path[192];
    cf_buf value;
    bool eq;
    bool is_int;
    int group;
} s2_cmp;

typedef struct s2_pattern {
    s2_cmp cmp[S2_MAX_CMP];
    int n;
    int groups;
    bool group_or[S2_MAX_CMP];
    const char *why; /* reason it cannot be reduced, NULL when it can */
    char why_path[192]; /* the object path the reason is about, or "" */
} s2_pattern;

/* ---- pattern scanner ---- */

static void skip_ws(const char **p)
{
    while (isspace((unsigned char)**p)) {
        (*p)++;
    }
}

static bool keyword(const char **p, const char *kw)
{
    size_t n = strlen(kw);
    if (strncmp(*p, kw, n) == 0 && !isalnum((unsigned char)(*p)[n]) && (*p)[n] != '_') {
        *p += n;
        return true;
    }
    return false;
}

/* An object path: "type:prop.'quoted'[*].x". */
static bool scan_path(const char **p, char *out, size_t outsz)
{
    const char *s = *p;
    size_t n = 0;
    bool colon = false;
    while (*s) {
        if (*s == '\'') {
            const char *e = strchr(s + 1, '\'');
            if (!e) {
                return false;
            }
            size_t k = (size_t)(e - s) + 1;
            if (n + k >= outsz) {
                return false;
            }
            memcpy(out + n, s, k);
            n += k;
            s = e + 1;
            continue;
        }
        if (!(isalnum((unsigned char)*s) || strchr("_-.:[]*", *s))) {
            break;
        }
        colon = colon || *s == ':';
        if (n + 1 >= outsz) {
            return false;
        }
        out[n++] = *s++;
    }
    out[n] = '\0';
    *p = s;
    return colon && n > 2;
}

/* A string literal with \' and \\ escapes, or an integer. */
static bool scan_literal(const char **p, s2_cmp *c)
{
    const char *s = *p;
    if (*s == '\'') {
        for (s++; *s && *s != '\''; s++) {
            if (*s == '\\') {
                if (s[1] != '\'' && s[1] != '\\') {
                    return false;
                }
                s++;
            }
            if (cf_buf_putc(&c->value, *s) != CF_OK) {
                return false;
            }
        }
        if (*s != '\'') {
            return false;
        }
        *p = s + 1;
        if (!c->value.data) {
            cf_buf_puts(&c->value, "");
        }
        return true;
    }
    const char *start = s;
    if (*s == '-') {
        s++;
    }
    while (isdigit((unsigned char)*s)) {
        s++;
    }
    if (s == start || isalpha((unsigned char)*s) || *s == '.' || *s == '\'') {
        return false;
    }
    c->is_int = true;
    *p = s;
    return cf_buf_append(&c->value, start, (size_t)(s - start)) == CF_OK;
}

static bool scan_comparison(const char **p, s2_pattern *pt, int group)
{
    if (pt->n >= S2_MAX_CMP) {
        pt->why = "pattern with too many comparisons";
        return false;
    }
    s2_cmp *c = &pt->cmp[pt->n];
    memset(c, 0, sizeof *c);
    c->group = group;
    if (!scan_path(p, c->path, sizeof c->path)) {
        return false;
    }
    skip_ws(p);
    if (**p == '=') {
        c->eq = true;
        (*p)++;
    } else {
        pt->why = "comparison operator other than '='";
        snprintf(pt->why_path, sizeof pt->why_path, "%s", c->path);
        return false;
    }
    skip_ws(p);
    if (!scan_literal(p, c)) {
        cf_buf_free(&c->value);
        pt->why = pt->why ? pt->why : "literal other than a string or an integer";
        return false;
    }
    pt->n++;
    return true;
}

/* Comparisons inside one pair of brackets, with parentheses. */
static bool scan_cmp_expr(const char **p, s2_pattern *pt, int group, int depth)
{
    if (depth > CF_MAX_JSON_DEPTH) {
        return false;
    }
    for (;;) {
        skip_ws(p);
        if (**p == '(') {
            (*p)++;
            if (!scan_cmp_expr(p, pt, group, depth + 1)) {
                return false;
            }
            skip_ws(p);
            if (**p != ')') {
                return false;
            }
            (*p)++;
        } else if (!scan_comparison(p, pt, group)) {
            return false;
        }
        skip_ws(p);
        if (keyword(p, "OR")) {
            pt->group_or[group] = true;
        } else if (!keyword(p, "AND")) {
            return true;
        }
    }
}

static bool scan_obs_expr(const char **p, s2_pattern *pt, int depth)
{
    if (depth > CF_MAX_JSON_DEPTH) {
        return false;
    }
    for (;;) {
        skip_ws(p);
        if (**p == '(') {
            (*p)++;
            if (!scan_obs_expr(p, pt, depth + 1)) {
                return false;
            }
            skip_ws(p);
            if (**p != ')') {
                return false;
            }
            (*p)++;
        } else if (**p == '[') {
            (*p)++;
            if (pt->groups >= S2_MAX_CMP || !scan_cmp_expr(p, pt, pt->groups++, depth + 1)) {
                return false;
            }
            skip_ws(p);
            if (**p != ']') {
                return false;
            }
            (*p)++;
        } else {
            return false;
        }
        skip_ws(p);
        if (keyword(p, "FOLLOWEDBY") || keyword(p, "WITHIN") || keyword(p, "REPEATS") ||
            keyword(p, "START")) {
            pt->why = "pattern with FOLLOWEDBY or a qualifier";
            return false;
        }
        if (!keyword(p, "AND") && !keyword(p, "OR")) {
            return true;
        }
    }
}

static void pattern_free(s2_pattern *pt)
{
    for (int i = 0; i < pt->n; i++) {
        cf_buf_free(&pt->cmp[i].value);
    }
    pt->n = 0;
}

static bool pattern_scan(const char *text, s2_pattern *pt)
{
    const char *p = text;
    memset(pt, 0, sizeof *pt);
    bool ok = strlen(text) <= CF_MAX_PATTERN_BYTES && scan_obs_expr(&p, pt, 0);
    skip_ws(&p);
    if (ok && *p) {
        ok = false;
    }
    if (!ok && !pt->why) {
        pt->why = "pattern syntax not understood";
    }
    return ok;
}

/* ---- property mapping ---- */

static cf_ioc_type hash_type(const char *name)
{
    static const struct {
        const char *name;
        cf_ioc_type type;
    } names[] = {
        {"MD5", CF_IOC_MD5},       {"'MD5'", CF_IOC_MD5},         {"'SHA-1'", CF_IOC_SHA1},
        {"SHA1", CF_IOC_SHA1},     {"'SHA1'", CF_IOC_SHA1},       {"'SHA-256'", CF_IOC_SHA256},
        {"SHA256", CF_IOC_SHA256}, {"'SHA256'", CF_IOC_SHA256},   {"'SHA-512'", CF_IOC_SHA512},
        {"SHA512", CF_IOC_SHA512}, {"SSDEEP", CF_IOC_SSDEEP},     {"'SSDEEP'", CF_IOC_SSDEEP},
        {"ssdeep", CF_IOC_SSDEEP}, {"TLSH", CF_IOC_TLSH},         {"'TLSH'", CF_IOC_TLSH},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            return names[i].type;
        }
    }
    return CF_IOC_NONE;
}

/* The IOC type of an object path; NONE when not mapped. */
static cf_ioc_type path_type(const char *path)
{
    static const struct {
        const char *path;
        cf_ioc_type type;
    } paths[] = {
        {"ipv4-addr:value", CF_IOC_IP},
        {"ipv6-addr:value", CF_IOC_IP},
        {"domain-name:value", CF_IOC_DOMAIN},
        {"url:value", CF_IOC_URL},
        {"email-addr:value", CF_IOC_EMAIL},
        {"email-message:from_ref.value", CF_IOC_EMAIL},
        {"email-message:sender_ref.value", CF_IOC_EMAIL},
        {"email-message:to_refs[*].value", CF_IOC_EMAIL},
        {"file:name", CF_IOC_FILENAME},
        {"autonomous-system:number", CF_IOC_ASN},
        {"mutex:name", CF_IOC_MUTEX},
        {"windows-registry-key:key", CF_IOC_REGKEY},
        {"network-traffic:dst_ref.value", CF_IOC_IP},
        {"network-traffic:src_ref.value", CF_IOC_IP},
        {"network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
         CF_IOC_USER_AGENT},
        {"x509-certificate:hashes.'SHA-1'", CF_IOC_X509_SHA1},
        {"vulnerability:name", CF_IOC_CVE},
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (strcmp(path, paths[i].path) == 0) {
            return paths[i].type;
        }
    }
    if (strncmp(path, "file:hashes.", 12) == 0) {
        return hash_type(path + 12);
    }
    return CF_IOC_NONE;
}

/* Comparisons that only qualify another one (the type of a reference, a port). */
static bool path_ancillary(const char *path)
{
    return strcmp(path, "network-traffic:dst_ref.type") == 0 ||
           strcmp(path, "network-traffic:src_ref.type") == 0 ||
           strcmp(path, "network-traffic:dst_port") == 0 ||
           strcmp(path, "network-traffic:protocols[*]") == 0;
}

/* ---- attribution ---- */

static const char *obj_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static cf_status list_add_json_strings(s1_list *l, const json_t *arr, const char *prefix)
{
    size_t i;
    json_t *v;
    cf_status st = CF_OK;
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        if (s && st == CF_OK) {
            cf_buf b = CF_BUF_INIT;
            st = cf_buf_printf(&b, "%s%s", prefix, s);
            if (st == CF_OK) {
                st = s1_list_adds(l, b.data);
            }
            cf_buf_free(&b);
        }
    }
    return st;
}

static cf_tlp marking_tlp(s2_ctx *c, const json_t *obj)
{
    cf_tlp tlp = CF_TLP_NONE;
    size_t i;
    json_t *ref;
    json_array_foreach(json_object_get(obj, "object_marking_refs"), i, ref) {
        const char *id = json_string_value(ref);
        cf_tlp t = id ? cf_stix_tlp_from_marking_id(id) : CF_TLP_NONE;
        if (t == CF_TLP_NONE && id) {
            t = (cf_tlp)json_integer_value(json_object_get(c->tlp_defs, id));
        }
        if (t > tlp) {
            tlp = t;
        }
    }
    return tlp;
}

/* ---- emission ---- */

typedef struct s2_obj_ctx {
    s2_contrib k;
    cf_obs obs;
    cf_buf comment;
} s2_obj_ctx;

static void objctx_free(s2_obj_ctx *x)
{
    s1_list_free(&x->k.labels);
    s1_list_free(&x->k.actors);
    s1_list_free(&x->k.malware);
    cf_buf_free(&x->comment);
}

/*
 * Attribution is read the way an analyst reads a bundle, in at most two
 * hops from the indicator or observable. Relationships are indexed once by
 * source (rel_out) and by target (rel_in), containers (reports, groupings)
 * by member; what one object contributes (actors, families, labels) is
 * worked out once and cached, so a bundle costs about the size of its
 * relationships and object_refs, whatever the number of indicators.
 */

static const json_t *s2_obj(const s2_ctx *c, const char *id)
{
    return id ? json_object_get(c->index, id) : NULL;
}

static bool s2_type_is(const json_t *o, const char *type)
{
    const char *t = obj_str(o, "type");
    return t && strcmp(t, type) == 0;
}

static bool s2_is_actor(const json_t *o)
{
    return s2_type_is(o, "intrusion-set") || s2_type_is(o, "threat-actor");
}

static bool s2_is_container(const json_t *o)
{
    return s2_type_is(o, "report") || s2_type_is(o, "grouping");
}

static bool s2_rel_is(const json_t *rel, const char *type)
{
    const char *rt = obj_str(rel, "relationship_type");
    return rt && strcmp(rt, type) == 0;
}

/* "prefix:name" of an object into l. */
static cf_status s2_add_prefixed(s1_list *l, const char *prefix, const json_t *o)
{
    const char *name = obj_str(o, "name");
    cf_buf b = CF_BUF_INIT;
    cf_status st = CF_OK;
    if (name) {
        st = cf_buf_printf(&b, "%s:%s", prefix, name);
        if (st == CF_OK) {
            st = s1_list_adds(l, b.data);
        }
    }
    cf_buf_free(&b);
    return st;
}

/* An intrusion-set or threat-actor, and the actors it is attributed to. */
static cf_status s2_add_actor(s2_ctx *c, const char *id, s1_list *actors)
{
    const json_t *o = s2_obj(c, id);
    const char *name = obj_str(o, "name");
    cf_status st = CF_OK;
    if (!s2_is_actor(o)) {
        return CF_OK;
    }
    if (name) {
        st = s1_list_adds(actors, name);
    }
    size_t i;
    json_t *rel;
    json_array_foreach(json_object_get(c->rel_out, id), i, rel) {
        const json_t *t = s2_obj(c, obj_str(rel, "target_ref"));
        const char *tn = obj_str(t, "name");
        if (st == CF_OK && tn && s2_rel_is(rel, "attributed-to") && s2_is_actor(t)) {
            st = s1_list_adds(actors, tn);
        }
    }
    return st;
}

/* Targets of id's `attributed-to` relationships that are actors. */
static cf_status s2_add_attributed(s2_ctx *c, const char *id, s1_list *actors)
{
    cf_status st = CF_OK;
    size_t i;
    json_t *rel;
    json_array_foreach(json_object_get(c->rel_out, id), i, rel) {
        if (st == CF_OK && s2_rel_is(rel, "attributed-to")) {
            st = s2_add_actor(c, obj_str(rel, "target_ref"), actors);
        }
    }
    return st;
}

static cf_status s2_merge(s2_contrib *to, const s2_contrib *from)
{
    cf_status st = s1_list_merge(&to->actors, &from->actors);
    if (st == CF_OK) {
        st = s1_list_merge(&to->malware, &from->malware);
    }
    if (st == CF_OK) {
        st = s1_list_merge(&to->labels, &from->labels);
    }
    return st;
}

static cf_status s2_contrib_of(s2_ctx *c, const char *id, const s2_contrib **out);

/* Into k: what the containers listing id say, and the containers listing those. */
static cf_status s2_container_actors(s2_ctx *c, const char *id, s2_contrib *k)
{
    cf_status st = CF_OK;
    size_t i, j;
    json_t *r, *p;
    json_array_foreach(json_object_get(c->containers, id), i, r) {
        const s2_contrib *own = NULL;
        const char *rid = json_string_value(r);
        if (st == CF_OK) {
            st = s2_contrib_of(c, rid, &own);
        }
        if (st == CF_OK && own) {
            st = s1_list_merge(&k->actors, &own->actors);
        }
        json_array_foreach(json_object_get(c->containers, rid), j, p) {
            own = NULL;
            if (st == CF_OK) {
                st = s2_contrib_of(c, json_string_value(p), &own);
            }
            if (st == CF_OK && own) {
                st = s1_list_merge(&k->actors, &own->actors);
            }
        }
    }
    return st;
}

/* The single actor using a malware; NULL when none or several do. */
static const char *s2_malware_user(s2_ctx *c, const char *id)
{
    const char *user = NULL;
    size_t i;
    json_t *rel;
    json_array_foreach(json_object_get(c->rel_in, id), i, rel) {
        const char *src = obj_str(rel, "source_ref");
        if (src && s2_rel_is(rel, "uses") && s2_is_actor(s2_obj(c, src))) {
            if (user && strcmp(user, src) != 0) {
                return NULL;
            }
            user = src;
        }
    }
    return user;
}

/* Work out what one object contributes to the indicators that point at it. */
static cf_status s2_contrib_build(s2_ctx *c, const char *id, s2_contrib *k)
{
    const json_t *o = s2_obj(c, id);
    cf_status st = CF_OK;
    if (s2_is_actor(o)) {
        st = s2_add_actor(c, id, &k->actors);
    } else if (s2_type_is(o, "malware")) {
        const char *name = obj_str(o, "name");
        const char *user = s2_malware_user(c, id);
        st = name ? s1_list_adds(&k->malware, name) : CF_OK;
        if (st == CF_OK) {
            st = s2_add_attributed(c, id, &k->actors);
        }
        if (st == CF_OK && user) {
            st = s2_add_actor(c, user, &k->actors);
        }
    } else if (s2_type_is(o, "campaign")) {
        st = s2_add_prefixed(&k->labels, "campaign", o);
        if (st == CF_OK) {
            st = s2_add_attributed(c, id, &k->actors);
        }
        if (st == CF_OK) {
            st = s2_container_actors(c, id, k);
        }
    } else if (s2_type_is(o, "attack-pattern")) {
        st = s2_add_prefixed(&k->labels, "attack-pattern", o);
    } else if (s2_is_container(o)) {
        st = s2_add_attributed(c, id, &k->actors);
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(o, "object_refs"), i, v) {
            const char *ref = json_string_value(v);
            if (st == CF_OK && ref &&
                (strncmp(ref, "intrusion-set--", 15) == 0 ||
                 strncmp(ref, "threat-actor--", 14) == 0)) {
                st = s2_add_actor(c, ref, &k->actors);
            }
        }
    }
    return st;
}

/* The cached contribution of id (NULL when id is not in the bundle). */
static cf_status s2_contrib_of(s2_ctx *c, const char *id, const s2_contrib **out)
{
    s2_contrib *k;
    bool added = false;
    cf_status st;
    *out = NULL;
    if (!id || !s2_obj(c, id)) {
        return CF_OK;
    }
    k = s1_map_get(&c->contrib, id);
    if (k) {
        *out = k;
        return CF_OK;
    }
    k = calloc(1, sizeof *k);
    if (!k) {
        return CF_ENOMEM;
    }
    st = s1_map_put(&c->contrib, id, k, &added);
    if (st != CF_OK || !added) {
        contrib_free(k);
        return st;
    }
    /* Cached before it is built: a cycle of containers sees an empty one. */
    st = s2_contrib_build(c, id, k);
    *out = k;
    return st;
}

/* Everything an indicator or observable is attributed to. */
static cf_status s2_attribute(s2_ctx *c, const char *id, s2_contrib *x)
{
    cf_status st = s2_container_actors(c, id, x);
    size_t i;
    json_t *rel;
    json_array_foreach(json_object_get(c->rel_out, id), i, rel) {
        const char *tid = obj_str(rel, "target_ref");
        const json_t *t = s2_obj(c, tid);
        const s2_contrib *k = NULL;
        bool ind = s2_rel_is(rel, "indicates");
        bool take = (ind && (s2_is_actor(t) || s2_type_is(t, "malware") ||
                             s2_type_is(t, "campaign") || s2_type_is(t, "attack-pattern"))) ||
                    (s2_rel_is(rel, "uses") && s2_type_is(t, "attack-pattern"));
        if (st == CF_OK && take) {
            st = s2_contrib_of(c, tid, &k);
        }
        if (st == CF_OK && k) {
            st = s2_merge(x, k);
        }
    }
    return st;
}

static cf_status objctx_init(s2_ctx *c, s2_obj_ctx *x, const json_t *obj)
{
    cf_status st;
    memset(x, 0, sizeof *x);
    cf_obs_init(&x->obs);
    const char *id = obj_str(obj, "id");
    x->obs.feed = c->feed;
    x->obs.ref = id;
    x->obs.tlp = c->opts->tlp != CF_TLP_NONE ? c->opts->tlp : marking_tlp(c, obj);
    const char *rep = id ? json_string_value(json_object_get(c->in_report, id)) : NULL;
    if (rep) {
        x->obs.event = (const cf_event *)(uintptr_t)json_integer_value(
            json_object_get(c->events, rep));
    }
    json_t *conf = json_object_get(obj, "confidence");
    x->obs.confidence = c->opts->confidence >= 0 ? c->opts->confidence
                        : json_is_integer(conf)   ? rd_confidence(json_integer_value(conf))
                                                  : -1;
    const char *times[] = {"valid_from", "first_observed", "created"};
    for (size_t i = 0; i < 3; i++) {
        const char *t = obj_str(obj, times[i]);
        if (t && cf_time_parse(&x->obs.time, t, strlen(t)) == CF_OK) {
            break;
        }
        x->obs.time = CF_TIME_NONE;
    }
    x->obs.first_seen = x->obs.time;
    const char *vu = obj_str(obj, "valid_until");
    if (vu && cf_time_parse(&x->obs.valid_until, vu, strlen(vu)) != CF_OK) {
        x->obs.valid_until = CF_TIME_NONE;
    }
    x->obs.comment = obj_str(obj, "name");
    st = list_add_json_strings(&x->k.labels, json_object_get(obj, "labels"), "");
    if (st == CF_OK) {
        st = list_add_json_strings(&x->k.labels, json_object_get(obj, "indicator_types"), "");
    }
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(obj, "kill_chain_phases"), i, k) {
        const char *ph = obj_str(k, "phase_name");
        if (ph && st == CF_OK) {
            cf_buf b = CF_BUF_INIT;
            st = cf_buf_printf(&b, "kill-chain:%s", ph);
            if (st == CF_OK) {
                st = s1_list_adds(&x->k.labels, b.data);
            }
            cf_buf_free(&b);
        }
    }
    if (st == CF_OK && id) {
        st = s2_attribute(c, id, &x->k);
    }
    /* The feed's own labels and actor (configuration, --label, --actor) come last. */
    for (size_t j = 0; j < c->opts->n_labels && st == CF_OK; j++) {
        st = s1_list_adds(&x->k.labels, c->opts->labels[j]);
    }
    if (st == CF_OK) {
        st = s1_list_adds(&x->k.actors, c->opts->actor);
    }
    x->obs.labels = (const char *const *)x->k.labels.v;
    x->obs.n_labels = x->k.labels.n;
    x->obs.actors = (const char *const *)x->k.actors.v;
    x->obs.n_actors = x->k.actors.n;
    x->obs.malware = (const char *const *)x->k.malware.v;
    x->obs.n_malware = x->k.malware.n;
    return st;
}

static cf_status emit(s2_ctx *c, cf_obs *o, cf_ioc_type type, const char *text, size_t len)
{
    o->type = type;
    o->text = text;
    o->len = len;
    return c->sink->obs(c->sink->ctx, o);
}

/* Equalities of one bracket group: pairs first, then the rest one by one. */
static cf_status emit_group(s2_ctx *c, cf_obs *o, s2_pattern *pt, int g, int *n_obs)
{
    int name = -1, dst = -1, port = -1, dir = -1;
    cf_status st = CF_OK;
    bool paired[S2_MAX_CMP] = {false};
    const char *comment = o->comment;
    cf_buf note = CF_BUF_INIT;
    for (int i = 0; i < pt->n; i++) {
        if (pt->cmp[i].group != g || pt->group_or[g]) {
            continue;
        }
        name = strcmp(pt->cmp[i].path, "file:name") == 0 ? i : name;
        dir = strcmp(pt->cmp[i].path, "directory:path") == 0 ? i : dir;
        dst = strcmp(pt->cmp[i].path, "network-traffic:dst_ref.value") == 0 ? i : dst;
        port = strcmp(pt->cmp[i].path, "network-traffic:dst_port") == 0 ? i : port;
    }
    if (dir >= 0) {
        st = cf_buf_printf(&note, "%s%sdirectory: %s", comment ? comment : "",
                           comment ? "; " : "", cf_buf_str(&pt->cmp[dir].value));
        o->comment = note.data;
    }
    for (int i = 0; i < pt->n && st == CF_OK && name >= 0; i++) {
        cf_ioc_type t = path_type(pt->cmp[i].path);
        if (pt->cmp[i].group == g && cf_ioc_type_is_hash(t)) {
            cf_buf b = CF_BUF_INIT;
            st = cf_buf_printf(&b, "%s|%s", cf_buf_str(&pt->cmp[name].value),
                               cf_buf_str(&pt->cmp[i].value));
            if (st == CF_OK) {
                st = emit(c, o, CF_IOC_FILE, b.data, b.len);
            }
            cf_buf_free(&b);
            paired[i] = paired[name] = true;
            (*n_obs)++;
        }
    }
    if (dst >= 0 && port >= 0 && st == CF_OK) {
        cf_buf b = CF_BUF_INIT;
        const char *ip = cf_buf_str(&pt->cmp[dst].value);
        st = cf_buf_printf(&b, strchr(ip, ':') ? "[%s]:%s" : "%s:%s", ip,
                           cf_buf_str(&pt->cmp[port].value));
        if (st == CF_OK) {
            st = emit(c, o, CF_IOC_ENDPOINT, b.data, b.len);
        }
        cf_buf_free(&b);
        paired[dst] = true;
        (*n_obs)++;
    }
    for (int i = 0; i < pt->n && st == CF_OK; i++) {
        cf_ioc_type t = path_type(pt->cmp[i].path);
        if (pt->cmp[i].group != g || paired[i] || t == CF_IOC_NONE) {
            continue;
        }
        const char *v = cf_buf_str(&pt->cmp[i].value);
        char as[64];
        if (t == CF_IOC_ASN) {
            snprintf(as, sizeof as, "AS%s", v);
            v = as;
        }
        st = emit(c, o, t, v, strlen(v));
        (*n_obs)++;
    }
    o->comment = comment;
    cf_buf_free(&note);
    return st;
}

/* A directory:path ANDed with a file:name in the same brackets: context of the name. */
static bool s2_dir_of_file(const s2_pattern *pt, int dir)
{
    int g = pt->cmp[dir].group;
    if (pt->group_or[g]) {
        return false;
    }
    for (int i = 0; i < pt->n; i++) {
        if (pt->cmp[i].group == g && strcmp(pt->cmp[i].path, "file:name") == 0) {
            return true;
        }
    }
    return false;
}

/* Count an indicator not reduced under its reason and the object path concerned. */
static cf_status s2_count_unreduced(s2_ctx *c, const s2_pattern *pt)
{
    cf_buf key = CF_BUF_INIT;
    cf_status st = pt->why_path[0] ? cf_buf_printf(&key, "%s: %s", pt->why, pt->why_path)
                                   : cf_buf_puts(&key, pt->why);
    if (st == CF_OK) {
        json_int_t n = json_integer_value(json_object_get(c->unreduced_by, key.data));
        if (json_object_set_new(c->unreduced_by, key.data, json_integer(n + 1)) != 0) {
            st = CF_ENOMEM;
        }
    }
    cf_buf_free(&key);
    return st;
}

/* One warning per reason with the number of indicators it kept out, after the bundle. */
static void s2_report_unreduced(s2_ctx *c)
{
    const char *key;
    json_t *n;
    json_object_foreach(c->unreduced_by, key, n) {
        cf_buf reason = CF_BUF_INIT;
        if (cf_buf_printf(&reason, "%lld indicator(s) not reduced: %s",
                          (long long)json_integer_value(n), key) == CF_OK) {
            cf_sink_diag(c->sink, CF_DIAG_WARNING, c->feed, 0, NULL, reason.data, NULL, 0);
        }
        cf_buf_free(&reason);
    }
}

static cf_status read_indicator(s2_ctx *c, const json_t *obj)
{
    const char *pattern = obj_str(obj, "pattern");
    const char *ptype = obj_str(obj, "pattern_type");
    const char *id = obj_str(obj, "id");
    s2_pattern *pt = calloc(1, sizeof *pt);
    s2_obj_ctx x;
    cf_status st = CF_OK;
    if (!pt) {
        return CF_ENOMEM;
    }
    if (!pattern || (ptype && strcmp(ptype, "stix") != 0)) {
        pt->why = "indicator without a STIX pattern";
    } else if (pattern_scan(pattern, pt)) {
        for (int i = 0; i < pt->n && !pt->why; i++) {
            const char *path = pt->cmp[i].path;
            if (path_type(path) == CF_IOC_NONE && !path_ancillary(path) &&
                !(strcmp(path, "directory:path") == 0 && s2_dir_of_file(pt, i))) {
                pt->why = strcmp(path, "directory:path") == 0
                              ? "directory path without a file name"
                              : "pattern compares a property we do not map";
                snprintf(pt->why_path, sizeof pt->why_path, "%s", path);
            }
        }
    }
    if (pt->why) {
        c->unreduced++;
        st = s2_count_unreduced(c, pt);
        cf_sink_diag(c->sink, CF_DIAG_REJECT, c->feed, 0, id, pt->why, pattern,
                     pattern ? strlen(pattern) : 0);
        goto out;
    }
    st = objctx_init(c, &x, obj);
    int n_obs = 0;
    for (int g = 0; g < pt->groups && st == CF_OK; g++) {
        st = emit_group(c, &x.obs, pt, g, &n_obs);
    }
    if (st == CF_OK && n_obs > 1 && c->sink->compound) {
        cf_compound cp = {
            .id = id, .name = x.obs.comment, .pattern = pattern, .feed = c->feed,
            .event = x.obs.event, .tlp = x.obs.tlp, .valid_from = x.obs.time,
            .labels = x.obs.labels, .n_labels = x.obs.n_labels, .actors = x.obs.actors,
            .n_actors = x.obs.n_actors, .malware = x.obs.malware, .n_malware = x.obs.n_malware,
        };
        st = c->sink->compound(c->sink->ctx, &cp);
    }
    objctx_free(&x);
out:
    pattern_free(pt);
    free(pt);
    return st;
}

/* A cyber-observable object with a value we map. */
static cf_status read_sco(s2_ctx *c, const json_t *obj, const char *type)
{
    static const struct {
        const char *type, *prop;
        cf_ioc_type ioc;
    } scos[] = {
        {"ipv4-addr", "value", CF_IOC_IP},    {"ipv6-addr", "value", CF_IOC_IP},
        {"domain-name", "value", CF_IOC_DOMAIN}, {"url", "value", CF_IOC_URL},
        {"email-addr", "value", CF_IOC_EMAIL}, {"mutex", "name", CF_IOC_MUTEX},
        {"windows-registry-key", "key", CF_IOC_REGKEY},
    };
    s2_obj_ctx x;
    cf_status st = objctx_init(c, &x, obj);
    for (size_t i = 0; i < sizeof scos / sizeof scos[0] && st == CF_OK; i++) {
        const char *v = strcmp(type, scos[i].type) == 0 ? obj_str(obj, scos[i].prop) : NULL;
        if (v) {
            st = emit(c, &x.obs, scos[i].ioc, v, strlen(v));
        }
    }
    json_t *num = json_object_get(obj, "number");
    if (st == CF_OK && strcmp(type, "autonomous-system") == 0 && json_is_integer(num)) {
        char as[32];
        snprintf(as, sizeof as, "AS%lld", (long long)json_integer_value(num));
        st = emit(c, &x.obs, CF_IOC_ASN, as, strlen(as));
    }
    if (st == CF_OK && strcmp(type, "file") == 0) {
        const char *name = obj_str(obj, "name"), *alg;
        json_t *h;
        bool any = false;
        json_object_foreach(json_object_get(obj, "hashes"), alg, h) {
            cf_buf q = CF_BUF_INIT;
            cf_status bs = cf_buf_printf(&q, "'%s'", alg);
            cf_ioc_type t = bs == CF_OK ? hash_type(q.data) : CF_IOC_NONE;
            t = t == CF_IOC_NONE ? hash_type(alg) : t;
            const char *hv = json_string_value(h);
            cf_buf_reset(&q);
            if (hv && t != CF_IOC_NONE && st == CF_OK) {
                bool pair = name && cf_ioc_type_is_hash(t);
                st = pair ? cf_buf_printf(&q, "%s|%s", name, hv) : cf_buf_puts(&q, hv);
                if (st == CF_OK) {
                    st = emit(c, &x.obs, pair ? CF_IOC_FILE : t, q.data, q.len);
                }
                any = true;
            }
            cf_buf_free(&q);
        }
        if (st == CF_OK && name && !any) {
            st = emit(c, &x.obs, CF_IOC_FILENAME, name, strlen(name));
        }
    }
    objctx_free(&x);
    return st;
}

/* ---- bundle ---- */

static int json_depth(const json_t *v, int depth)
{
    int max = depth;
    size_t i;
    const char *k;
    json_t *e;
    if (depth > CF_MAX_JSON_DEPTH) {
        return depth;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            int d = json_depth(e, depth + 1);
            max = d > max ? d : max;
        }
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, e) {
            int d = json_depth(e, depth + 1);
            max = d > max ? d : max;
        }
    }
    return max;
}

/* Append v to the array under key in map, creating it. */
static cf_status s2_push(json_t *map, const char *key, json_t *v)
{
    json_t *arr = json_object_get(map, key);
    if (!arr) {
        arr = json_array();
        if (!arr || json_object_set_new(map, key, arr) != 0) {
            json_decref(v);
            return CF_ENOMEM;
        }
    }
    return json_array_append_new(arr, v) == 0 ? CF_OK : CF_ENOMEM;
}

static cf_status index_objects(s2_ctx *c, json_t *objects)
{
    size_t i;
    json_t *o;
    cf_status st = CF_OK;
    json_array_foreach(objects, i, o) {
        const char *id = obj_str(o, "id"), *type = obj_str(o, "type");
        if (!id || !type || st != CF_OK) {
            continue;
        }
        json_object_set(c->index, id, o);
        if (strcmp(type, "relationship") == 0) {
            const char *src = obj_str(o, "source_ref"), *dst = obj_str(o, "target_ref");
            if (src) {
                st = s2_push(c->rel_out, src, json_incref(o));
            }
            if (dst && st == CF_OK) {
                st = s2_push(c->rel_in, dst, json_incref(o));
            }
        } else if (strcmp(type, "report") == 0 || strcmp(type, "grouping") == 0) {
            size_t k;
            json_t *ref;
            json_array_foreach(json_object_get(o, "object_refs"), k, ref) {
                const char *rid = json_string_value(ref);
                if (rid && st == CF_OK) {
                    st = s2_push(c->containers, rid, json_string(id));
                }
            }
        } else if (strcmp(type, "marking-definition") == 0) {
            const char *name = obj_str(o, "name");
            const char *t1 = obj_str(json_object_get(o, "definition"), "tlp");
            cf_tlp t = t1 ? cf_tlp_from_name(t1) : name ? cf_tlp_from_name(name) : CF_TLP_NONE;
            if (t != CF_TLP_NONE) {
                json_object_set_new(c->tlp_defs, id, json_integer(t));
            }
        }
    }
    return st;
}

static cf_status read_reports(s2_ctx *c, json_t *objects)
{
    size_t i;
    json_t *o;
    json_array_foreach(objects, i, o) {
        const char *type = obj_str(o, "type"), *id = obj_str(o, "id");
        if (!type || !id || strcmp(type, "report") != 0 || !c->sink->event) {
            continue;
        }
        cf_event proto;
        memset(&proto, 0, sizeof proto);
        proto.uuid = (char *)id;
        proto.info = (char *)obj_str(o, "name");
        proto.date = proto.timestamp = proto.publish_timestamp = CF_TIME_NONE;
        const char *pub = obj_str(o, "published");
        if (pub && cf_time_parse(&proto.date, pub, strlen(pub)) == CF_OK) {
            proto.published = true;
            proto.publish_timestamp = proto.date;
        }
        proto.tlp = marking_tlp(c, o);
        proto.analysis = -1;
        cf_event *ev = c->sink->event(c->sink->ctx, &proto);
        json_object_set_new(c->events, id, json_integer((json_int_t)(uintptr_t)ev));
        size_t k;
        json_t *ref;
        json_array_foreach(json_object_get(o, "object_refs"), k, ref) {
            const char *rid = json_string_value(ref);
            if (rid && !json_object_get(c->in_report, rid)) {
                json_object_set_new(c->in_report, rid, json_string(id));
            }
        }
    }
    return CF_OK;
}

static bool is_sco(const char *type)
{
    static const char *const t[] = {"ipv4-addr", "ipv6-addr", "domain-name", "url",
                                    "email-addr", "mutex", "windows-registry-key",
                                    "autonomous-system", "file"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcmp(type, t[i]) == 0) {
            return true;
        }
    }
    return false;
}

cf_status cf_read_stix2(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err)
{
    cf_read_opts defaults;
    if (!o) {
        cf_read_opts_init(&defaults);
        o = &defaults;
    }
    s2_ctx c = {.opts = o, .sink = sink, .err = err,
                .feed = o->feed ? o->feed : cf_input_name(in), .index = json_object(),
                .rel_out = json_object(), .rel_in = json_object(), .containers = json_object(),
                .in_report = json_object(), .events = json_object(), .tlp_defs = json_object(),
                .unreduced_by = json_object()};
    char *text = NULL;
    size_t len = 0;
    json_t *root = NULL;
    json_error_t jerr;
    cf_status st = cf_input_slurp(in, &text, &len, CF_MAX_JSON_DOC_BYTES, err);
    if (st != CF_OK) {
        goto out;
    }
    if (!c.index || !c.rel_out || !c.rel_in || !c.containers || !c.in_report || !c.events ||
        !c.tlp_defs || !c.unreduced_by) {
        st = cf_error_set(err, CF_ENOMEM, c.feed, 0, "out of memory");
        goto out;
    }
    root = json_loadb(text, len, JSON_ALLOW_NUL, &jerr);
    if (!root) {
        st = cf_error_set(err, CF_EMALFORMED, c.feed, (uint64_t)(jerr.line > 0 ? jerr.line : 0),
                          "invalid JSON: %s", jerr.text);
        goto out;
    }
    if (json_depth(root, 0) > CF_MAX_JSON_DEPTH) {
        st = cf_error_set(err, CF_ELIMIT, c.feed, 0, "JSON nesting deeper than %d",
                          CF_MAX_JSON_DEPTH);
        goto out;
    }

    /* A bundle, a TAXII envelope ({"objects": [...]}), an array or one object. */
    json_t *objects = json_is_array(root) ? root : json_object_get(root, "objects");
    json_t *single = NULL;
    if (!json_is_array(objects) && json_is_object(root) && obj_str(root, "type")) {
        single = json_array();
        json_array_append(single, root);
        objects = single;
    }
    if (!json_is_array(objects)) {
        st = cf_error_set(err, CF_EMALFORMED, c.feed, 0, "not a STIX bundle: no 'objects' array");
        goto out;
    }
    st = index_objects(&c, objects);
    if (st != CF_OK) {
        st = cf_error_set(err, st, c.feed, 0, "out of memory indexing the bundle");
        json_decref(single);
        goto out;
    }
    read_reports(&c, objects);
    size_t i;
    json_t *obj;
    json_array_foreach(objects, i, obj) {
        const char *type = obj_str(obj, "type");
        if (!type || st != CF_OK) {
            continue;
        }
        if (strcmp(type, "indicator") == 0) {
            st = read_indicator(&c, obj);
        } else if (is_sco(type)) {
            st = read_sco(&c, obj, type);
        }
    }
    json_decref(single);
    if (st == CF_OK) {
        s2_report_unreduced(&c);
    }
out:
    json_decref(root);
    json_decref(c.index);
    json_decref(c.rel_out);
    json_decref(c.rel_in);
    json_decref(c.containers);
    json_decref(c.unreduced_by);
    s1_map_free(&c.contrib, contrib_free);
    json_decref(c.in_report);
    json_decref(c.events);
    json_decref(c.tlp_defs);
    free(text);
    return st;
}
