/*
 * MISP JSON reader: events, event collections and MISP feed directories.
 *
 * DESIGN
 * A document is read whole (bounded by CF_MAX_JSON_DOC_BYTES), checked
 * (syntax, UTF-8, depth against CF_MAX_JSON_DEPTH, manifest size) and laid
 * out as a flat node array with strings decoded in place (misp_json.c), then
 * walked once; jansson only words the error of a refused document.
 * Accepted shapes: {"Event": {...}}, a bare event object,
 * {"response": [...]} or a top-level array of events, attributes or objects,
 * and a feed manifest.json (an object keyed by event uuid) whose event files
 * <uuid>.json are read from the manifest's directory; a manifest key that is
 * not a uuid is refused, so no entry can name a path outside the directory.
 * Each event is handed to sink->event once; each attribute becomes one or
 * more observations (composites such as domain|ip are split, filename|hash
 * stays one file observation) carrying the event's and the attribute's tags
 * resolved to TLP, actors, malware families and labels. Attributes of MISP
 * types ctiflow does not carry are counted per type and reported once per
 * document through the sink's diag callback.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"
#include "ctiflow/normalize.h"
#include "ctiflow/reader.h"
#include "ctiflow/timeutil.h"
#include "misp_json.h"
#include "misp_types.h"

#define MR_MAX_TAGS CF_MAX_LABELS_PER_IOC
#define MR_MAX_UNSUPPORTED 64

/* Tags resolved to what the IOC model carries. Strings are borrowed from
 * the JSON document or owned (galaxy values cut out of a tag name). */
typedef struct mr_tags {
    cf_tlp tlp;
    const char *labels[MR_MAX_TAGS];
    const char *actors[MR_MAX_TAGS];
    const char *malware[MR_MAX_TAGS];
    size_t n_labels, n_actors, n_malware;
    char *owned[3 * MR_MAX_TAGS];
    size_t n_owned;
} mr_tags;

/* Per-type count of attributes that were not turned into IOCs. */
typedef struct mr_skip {
    char type[64];
    bool known; /* a MISP type (describeTypes), as opposed to an unknown name */
    uint64_t count;
} mr_skip;

typedef struct mr_ctx {
    const cf_read_opts *o;
    const cf_sink *sink;
    const char *feed;
    cf_error *err;
    mr_skip skips[MR_MAX_UNSUPPORTED];
    size_t n_skips;
    uint64_t skips_other;
    uint64_t n_attrs; /* attributes seen in the current event */
    cf_buf value;     /* composite parts put back together */
    mj_doc doc;       /* the document read */
    mj_doc evdoc;     /* an event file of a manifest, reused from file to file */
} mr_ctx;

static cf_status mr_document(mr_ctx *c, const mj_node *root, const char *base_dir, bool top);

/* ---- small JSON helpers ---- */

/* Text of a scalar: a string, or a number printed into tmp. */
static const char *mr_scalar(const mj_node *v, char *tmp, size_t tmpsz, size_t *len)
{
    if (mj_is(v, MJ_STRING)) {
        *len = v->len;
        return v->u.s;
    }
    if (mj_is(v, MJ_INT)) {
        int n = snprintf(tmp, tmpsz, "%" PRId64, v->u.i);
        *len = n > 0 ? (size_t)n : 0;
        return tmp;
    }
    if (mj_is(v, MJ_REAL)) {
        int n = snprintf(tmp, tmpsz, "%.17g", v->u.d);
        *len = n > 0 ? (size_t)n : 0;
        return tmp;
    }
    *len = 0;
    return NULL;
}

static const char *mr_str(const mj_node *obj, const char *key)
{
    const mj_node *v = cf_mj_get(obj, key);
    return mj_is(v, MJ_STRING) ? v->u.s : NULL;
}

/* MISP booleans: true/false, "1"/"0", 1/0, "true"/"false". */
static bool mr_bool(const mj_node *v, bool dflt)
{
    if ((mj_is(v, MJ_TRUE) || mj_is(v, MJ_FALSE))) {
        return mj_is(v, MJ_TRUE);
    }
    if (mj_is(v, MJ_INT)) {
        return v->u.i != 0;
    }
    if (mj_is(v, MJ_STRING)) {
        const char *s = v->u.s;
        if (strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0) {
            return true;
        }
        if (strcmp(s, "0") == 0 || strcasecmp(s, "false") == 0 || *s == '\0') {
            return false;
        }
    }
    return dflt;
}

static int mr_int(const mj_node *v, int dflt)
{
    if (mj_is(v, MJ_INT)) {
        int64_t i = v->u.i;
        return i >= -1000000 && i <= 1000000 ? (int)i : dflt;
    }
    if (mj_is(v, MJ_STRING)) {
        char *end = NULL;
        long l = strtol(v->u.s, &end, 10);
        if (end && *end == '\0' && end != v->u.s && l >= -1000000 &&
            l <= 1000000) {
            return (int)l;
        }
    }
    return dflt;
}

static bool mr_is_uuid(const char *s)
{
    static const char pat[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

    if (!s || strlen(s) != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        if (pat[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/*
 * Refuse documents nested deeper than CF_MAX_JSON_DEPTH before parsing, and
 * count the members of a top-level object (a manifest's events) on the way,
 * so an over-long manifest is refused before jansson builds it in memory.
 * Used only to word the error of a document the fast check refused.
 */
static bool mr_depth_ok(const char *s, size_t n, size_t *top_members)
{
    size_t depth = 0;
    bool in_str = false;
    bool top_object = false;

    *top_members = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\') {
                i++;
            } else if (ch == '"') {
                in_str = false;
            }
        } else if (ch == '"') {
            in_str = true;
            if (depth == 1 && top_object && *top_members == 0) {
                *top_members = 1;
            }
        } else if (ch == '[' || ch == '{') {
            if (depth == 0) {
                top_object = ch == '{';
            }
            if (++depth > CF_MAX_JSON_DEPTH) {
                return false;
            }
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        } else if (ch == ',' && depth == 1 && top_object) {
            (*top_members)++;
        }
    }
    return true;
}

/* ---- timestamps ---- */

/*
 * An epoch timestamp as MISP writes it: a string of whole seconds. Strings
 * with a fraction, JSON integers and JSON reals are read too, with a
 * warning; a real is printed to the millisecond and its digits parsed, so
 * 1558612345.678 gives ...345678 ms exactly. 0 and null mean "none".
 */
static cf_time mr_epoch(mr_ctx *c, const mj_node *v, const char *ref)
{
    char tmp[64];
    const char *s = NULL;
    size_t n = 0;
    bool conforming = false;
    cf_time t = CF_TIME_NONE;

    if (!v || mj_is(v, MJ_NULL)) {
        return CF_TIME_NONE;
    }
    if (mj_is(v, MJ_STRING)) {
        s = v->u.s;
        n = v->len;
        conforming = n > 0 && strspn(s, "0123456789") == n;
    } else if (mj_is(v, MJ_INT)) {
        s = mr_scalar(v, tmp, sizeof tmp, &n);
    } else if (mj_is(v, MJ_REAL)) {
        double d = v->u.d;
        if (d >= 0 && d < 1e13) {
            int k = snprintf(tmp, sizeof tmp, "%.3f", d);
            s = tmp;
            n = k > 0 ? (size_t)k : 0;
        }
    }

    if (!s || cf_time_parse_epoch(&t, s, n) != CF_OK) {
        cf_sink_diag(c->sink, CF_DIAG_WARNING, c->feed, 0, ref, "invalid MISP timestamp ignored",
                     s, s ? n : 0);
        return CF_TIME_NONE;
    }
    if (!conforming) {
        cf_sink_diag(c->sink, CF_DIAG_WARNING, c->feed, 0, ref,
                     "timestamp is not a string of whole seconds (MISP core format)", s, n);
    }
    return t == 0 ? CF_TIME_NONE : t;
}

/* An ISO 8601 / RFC 3339 time (first_seen, last_seen, date) or null. */
static cf_time mr_iso(mr_ctx *c, const mj_node *v, const char *ref)
{
    cf_time t = CF_TIME_NONE;

    if (!mj_is(v, MJ_STRING) || v->len == 0) {
        return CF_TIME_NONE;
    }
    if (cf_time_parse(&t, v->u.s, v->len) != CF_OK) {
        cf_sink_diag(c->sink, CF_DIAG_WARNING, c->feed, 0, ref, "invalid time ignored",
                     v->u.s, v->len);
        return CF_TIME_NONE;
    }
    return t;
}

/* ---- tags and galaxies ---- */

static void mr_tags_free(mr_tags *t)
{
    for (size_t i = 0; i < t->n_owned; i++) {
        free(t->owned[i]);
    }
    t->n_owned = 0;
}

static bool mr_add_name(const char **arr, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(arr[i], s) == 0) {
            return true;
        }
    }
    if (*n >= MR_MAX_TAGS) {
        return false;
    }
    arr[(*n)++] = s;
    return true;
}

static bool mr_galaxy_is_actor(const char *g, size_t n)
{
    static const char *const actor[] = {
        "threat-actor", "mitre-intrusion-set", "mitre-enterprise-attack-intrusion-set",
        "mitre-mobile-attack-intrusion-set", "mitre-ics-groups"};
    for (size_t i = 0; i < sizeof actor / sizeof actor[0]; i++) {
        if (strlen(actor[i]) == n && memcmp(actor[i], g, n) == 0) {
            return true;
        }
    }
    return false;
}

static bool mr_galaxy_is_malware(const char *g, size_t n)
{
    static const char *const malware[] = {
        "malpedia", "mitre-malware", "mitre-tool", "tool", "ransomware", "rat", "banker",
        "botnet", "android", "backdoor", "stealer", "mitre-enterprise-attack-malware",
        "mitre-enterprise-attack-tool", "mitre-mobile-attack-malware",
        "mitre-mobile-attack-tool", "mitre-ics-software"};
    for (size_t i = 0; i < sizeof malware / sizeof malware[0]; i++) {
        if (strlen(malware[i]) == n && memcmp(malware[i], g, n) == 0) {
            return true;
        }
    }
    return false;
}

/* Length of a cluster value without MITRE's " - G0007" / " - S0001" suffix. */
static size_t mr_cluster_len(const char *v, size_t n)
{
    if (n > 8 && memcmp(v + n - 8, " - ", 3) == 0 && isupper((unsigned char)v[n - 5]) &&
        strspn(v + n - 4, "0123456789") >= 4) {
        return n - 8;
    }
    return n;
}

/* Record an actor or malware cluster value (copied). */
static void mr_cluster(mr_tags *t, bool actor, const char *v, size_t n)
{
    n = mr_cluster_len(v, n);
    if (n == 0 || t->n_owned >= sizeof t->owned / sizeof t->owned[0]) {
        return;
    }
    char *s = cf_strndup(v, n);
    if (!s) {
        return;
    }
    t->owned[t->n_owned++] = s;
    if (actor) {
        mr_add_name(t->actors, &t->n_actors, s);
    } else {
        mr_add_name(t->malware, &t->n_malware, s);
    }
}

/* One tag name: TLP, a galaxy cluster, or a label. */
static void mr_tag(mr_tags *t, const char *name)
{
    if (strncasecmp(name, "tlp:", 4) == 0) {
        cf_tlp tlp = cf_tlp_from_name(name);
        if (tlp != CF_TLP_NONE) {
            t->tlp = tlp > t->tlp ? tlp : t->tlp;
            return;
        }
    }
    if (strncmp(name, "misp-galaxy:", 12) == 0) {
        const char *g = name + 12;
        const char *eq = strchr(g, '=');
        if (eq && eq[1] == '"') {
            const char *v = eq + 2;
            size_t vn = strlen(v);
            if (vn > 0 && v[vn - 1] == '"') {
                vn--;
            }
            size_t gn = (size_t)(eq - g);
            if (mr_galaxy_is_actor(g, gn)) {
                mr_cluster(t, true, v, vn);
                return;
            }
            if (mr_galaxy_is_malware(g, gn)) {
                mr_cluster(t, false, v, vn);
                return;
            }
        }
    }
    mr_add_name(t->labels, &t->n_labels, name);
}

/* One array of tags: [{"name": ...}] or [{"Tag": {"name": ...}}]. */
static void mr_tag_array(mr_tags *t, const mj_node *arr)
{
    size_t i;
    const mj_node *tag;

    MJ_ARRAY_FOREACH(arr, i, tag) {
        const mj_node *inner = cf_mj_get(tag, "Tag");
        const char *name = mr_str(mj_is_object(inner) ? inner : tag, "name");
        if (name && *name) {
            mr_tag(t, name);
        }
    }
}

/* The "Tag" array of an event or attribute, and "EventTag"/"AttributeTag". */
static void mr_tags_read(mr_tags *t, const mj_node *obj)
{
    static const char *const keys[] = {"Tag", "EventTag", "AttributeTag"};

    for (size_t k = 0; k < 3; k++) {
        mr_tag_array(t, cf_mj_get(obj, keys[k]));
    }
}

/* "Galaxy": [{"type": "threat-actor", "GalaxyCluster": [{"value": ...}]}] */
static void mr_galaxy_array(mr_tags *t, const mj_node *arr)
{
    size_t i, j;
    const mj_node *g, *cl;

    MJ_ARRAY_FOREACH(arr, i, g) {
        const char *type = mr_str(g, "type");
        if (!type) {
            continue;
        }
        bool actor = mr_galaxy_is_actor(type, strlen(type));
        if (!actor && !mr_galaxy_is_malware(type, strlen(type))) {
            continue;
        }
        const mj_node *clusters = cf_mj_get(g, "GalaxyCluster");
        MJ_ARRAY_FOREACH(clusters, j, cl) {
            const mj_node *v = cf_mj_get(cl, "value");
            if (mj_is(v, MJ_STRING)) {
                mr_cluster(t, actor, v->u.s, v->len);
            }
        }
    }
}

static void mr_galaxies_read(mr_tags *t, const mj_node *obj)
{
    mr_galaxy_array(t, cf_mj_get(obj, "Galaxy"));
}

/* ---- unsupported types ---- */

static void mr_skip_count(mr_ctx *c, const char *type, size_t n, bool known)
{
    if (n >= sizeof c->skips[0].type) {
        n = sizeof c->skips[0].type - 1;
    }
    for (size_t i = 0; i < c->n_skips; i++) {
        if (strlen(c->skips[i].type) == n && memcmp(c->skips[i].type, type, n) == 0) {
            c->skips[i].count++;
            return;
        }
    }
    if (c->n_skips >= MR_MAX_UNSUPPORTED) {
        c->skips_other++;
        return;
    }
    mr_skip *s = &c->skips[c->n_skips++];
    memcpy(s->type, type, n);
    s->type[n] = '\0';
    s->known = known;
    s->count = 1;
}

/* One warning per skipped type for the document just read. */
static void mr_skip_report(mr_ctx *c)
{
    char reason[160];

    for (size_t i = 0; i < c->n_skips; i++) {
        const mr_skip *s = &c->skips[i];
        snprintf(reason, sizeof reason, "%llu attribute%s of %s MISP type skipped",
                 (unsigned long long)s->count, s->count == 1 ? "" : "s",
                 s->known ? "a not carried" : "an unknown");
        cf_sink_diag(c->sink, CF_DIAG_WARNING, c->feed, 0, NULL, reason, s->type,
                     strlen(s->type));
    }
    if (c->skips_other > 0) {
        snprintf(reason, sizeof reason, "%llu attributes of further unsupported types skipped",
                 (unsigned long long)c->skips_other);
        cf_sink_diag(c->sink, CF_DIAG_WARNING, c->feed, 0, NULL, reason, NULL, 0);
    }
    c->n_skips = 0;
    c->skips_other = 0;
}

/* ---- attributes ---- */

static cf_status mr_emit(mr_ctx *c, cf_obs *obs, cf_ioc_type type, const char *text, size_t len)
{
    obs->type = type;
    obs->text = text;
    obs->len = len;
    return c->sink->obs(c->sink->ctx, obs);
}

static size_t mr_hash_len(cf_ioc_type t)
{
    switch (t) {
    case CF_IOC_MD5:
        return 32;
    case CF_IOC_SHA1:
        return 40;
    case CF_IOC_SHA256:
        return 64;
    case CF_IOC_SHA512:
        return 128;
    default:
        return 0;
    }
}

static const char *mr_last_bar(const char *s, size_t n)
{
    for (size_t i = n; i > 0; i--) {
        if (s[i - 1] == '|') {
            return s + i - 1;
        }
    }
    return NULL;
}

/* "ip|port" as an endpoint "ip:port" or "[v6]:port". */
static cf_status mr_emit_ip_port(mr_ctx *c, cf_obs *obs, const char *v, size_t n)
{
    const char *bar = mr_last_bar(v, n);

    if (!bar) {
        return mr_emit(c, obs, CF_IOC_ENDPOINT, v, n);
    }
    size_t hn = (size_t)(bar - v);
    bool v6 = memchr(v, ':', hn) != NULL && v[0] != '[';
    cf_buf_reset(&c->value);
    cf_status st = cf_buf_printf(&c->value, "%s%.*s%s:%.*s", v6 ? "[" : "", (int)hn, v,
                                 v6 ? "]" : "", (int)(n - hn - 1), bar + 1);
    if (st != CF_OK) {
        return st;
    }
    return mr_emit(c, obs, CF_IOC_ENDPOINT, c->value.data, c->value.len);
}

/* Split a composite value as its MISP type says and emit the parts. */
static cf_status mr_emit_value(mr_ctx *c, cf_obs *obs, const misp_type *mt, const char *v,
                               size_t n)
{
    const char *bar = mr_last_bar(v, n);
    const char *first = memchr(v, '|', n);

    switch (mt->shape) {
    case MS_PLAIN:
        return mr_emit(c, obs, mt->ioc, v, n);
    case MS_FILE_HASH: {
        size_t hl = bar ? n - (size_t)(bar - v) - 1 : 0;
        if (!bar || bar == v || hl != mr_hash_len(mt->ioc) || strspn(bar + 1,
            "0123456789abcdefABCDEF") < hl) {
            cf_sink_diag(c->sink, CF_DIAG_REJECT, c->feed, 0, obs->ref,
                         "hash part does not match the MISP type", v, n);
            return CF_OK;
        }
        return mr_emit(c, obs, CF_IOC_FILE, v, n);
    }
    case MS_FILE_SPLIT: {
        if (!bar) {
            cf_sink_diag(c->sink, CF_DIAG_REJECT, c->feed, 0, obs->ref,
                         "composite value without '|'", v, n);
            return CF_OK;
        }
        cf_status st = mr_emit(c, obs, CF_IOC_FILENAME, v, (size_t)(bar - v));
        if (st != CF_OK) {
            return st;
        }
        return mr_emit(c, obs, mt->ioc, bar + 1, n - (size_t)(bar - v) - 1);
    }
    case MS_DOMAIN_IP: {
        if (!first) {
            cf_sink_diag(c->sink, CF_DIAG_REJECT, c->feed, 0, obs->ref,
                         "composite value without '|'", v, n);
            return CF_OK;
        }
        cf_status st = mr_emit(c, obs, CF_IOC_DOMAIN, v, (size_t)(first - v));
        if (st != CF_OK) {
            return st;
        }
        return mr_emit(c, obs, CF_IOC_IP, first + 1, n - (size_t)(first - v) - 1);
    }
    case MS_IP_PORT:
        return mr_emit_ip_port(c, obs, v, n);
    case MS_HOST_PORT: {
        size_t hn = bar ? (size_t)(bar - v) : n;
        int fam;
        unsigned char addr[16];
        if (bar && cf_parse_ip(v, hn, &fam, addr)) {
            return mr_emit_ip_port(c, obs, v, n);
        }
        return mr_emit(c, obs, CF_IOC_DOMAIN, v, hn);
    }
    case MS_REGKEY_VALUE:
        return mr_emit(c, obs, CF_IOC_REGKEY, v, first ? (size_t)(first - v) : n);
    }
    return CF_OK;
}

/* The MISP type an object attribute without "type" has, by object_relation. */
static const char *mr_relation_type(const char *rel)
{
    static const char *const map[][2] = {
        {"ip", "ip-dst"},        {"ip-dst", "ip-dst"},   {"ip-src", "ip-src"},
        {"domain", "domain"},    {"hostname", "hostname"}, {"url", "url"},
        {"filename", "filename"}, {"md5", "md5"},        {"sha1", "sha1"},
        {"sha256", "sha256"},    {"sha512", "sha512"},   {"ssdeep", "ssdeep"},
        {"tlsh", "tlsh"},        {"from", "email-src"},  {"to", "email-dst"},
        {"reply-to", "email-reply-to"}, {"user-agent", "user-agent"},
        {"dst-port", "port"},    {"src-port", "port"},
    };
    for (size_t i = 0; rel && i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(map[i][0], rel) == 0) {
            return map[i][1];
        }
    }
    return NULL;
}

static void mr_union(const char **dst, size_t *n, const char *const *src, size_t m)
{
    for (size_t i = 0; i < m; i++) {
        mr_add_name(dst, n, src[i]);
    }
}

/*
 * One attribute of an event or object. evt holds the event's resolved tags
 * (may be NULL); port_text, when set, joins the value into an endpoint
 * (ip-port objects).
 */
/* The members of an attribute that the reader uses, found in one pass (last wins). */
typedef struct mr_afields {
    const mj_node *deleted, *uuid, *type, *relation, *value, *timestamp;
    const mj_node *first_seen, *last_seen, *to_ids, *comment, *galaxy;
    const mj_node *tags[3]; /* Tag, EventTag, AttributeTag */
} mr_afields;

static void mr_afields_read(mr_afields *f, const mj_node *a)
{
    const mj_node *k, *v;
    size_t i;

    memset(f, 0, sizeof *f);
    MJ_OBJECT_FOREACH(a, i, k, v) {
        const char *s = k->u.s;
        const mj_node **slot = NULL;
        switch (k->len) {
        case 3:
            slot = memcmp(s, "Tag", 3) == 0 ? &f->tags[0] : NULL;
            break;
        case 4:
            slot = memcmp(s, "uuid", 4) == 0 ? &f->uuid
                   : memcmp(s, "type", 4) == 0 ? &f->type : NULL;
            break;
        case 5:
            slot = memcmp(s, "value", 5) == 0 ? &f->value : NULL;
            break;
        case 6:
            slot = memcmp(s, "to_ids", 6) == 0 ? &f->to_ids
                   : memcmp(s, "Galaxy", 6) == 0 ? &f->galaxy : NULL;
            break;
        case 7:
            slot = memcmp(s, "deleted", 7) == 0 ? &f->deleted
                   : memcmp(s, "comment", 7) == 0 ? &f->comment : NULL;
            break;
        case 8:
            slot = memcmp(s, "EventTag", 8) == 0 ? &f->tags[1] : NULL;
            break;
        case 9:
            slot = memcmp(s, "timestamp", 9) == 0 ? &f->timestamp
                   : memcmp(s, "last_seen", 9) == 0 ? &f->last_seen : NULL;
            break;
        case 10:
            slot = memcmp(s, "first_seen", 10) == 0 ? &f->first_seen : NULL;
            break;
        case 12:
            slot = memcmp(s, "AttributeTag", 12) == 0 ? &f->tags[2] : NULL;
            break;
        case 15:
            slot = memcmp(s, "object_relation", 15) == 0 ? &f->relation : NULL;
            break;
        default:
            break;
        }
        if (slot) {
            *slot = v;
        }
    }
}

static const char *mr_strv(const mj_node *v)
{
    return mj_is(v, MJ_STRING) ? v->u.s : NULL;
}

static cf_status mr_attribute(mr_ctx *c, const mj_node *a, const mr_tags *evt,
                              const cf_event *event, const char *port_text)
{
    char tmp[64];
    size_t n = 0;
    cf_status st = CF_OK;
    mr_tags at;
    mr_afields f;
    const char *labels[2 * MR_MAX_TAGS], *actors[2 * MR_MAX_TAGS], *malware[2 * MR_MAX_TAGS];
    size_t nl = 0, na = 0, nm = 0;

    if (!mj_is_object(a)) {
        return CF_OK;
    }
    mr_afields_read(&f, a);
    if (mr_bool(f.deleted, false)) {
        return CF_OK;
    }
    if (++c->n_attrs > CF_MAX_ATTRIBUTES_PER_EVENT) {
        return CF_ELIMIT;
    }
    const char *ref = mr_strv(f.uuid);
    const char *type = mr_strv(f.type);
    if (!type) {
        type = mr_relation_type(mr_strv(f.relation));
    }
    const char *v = mr_scalar(f.value, tmp, sizeof tmp, &n);
    if (!type || !v) {
        cf_sink_diag(c->sink, CF_DIAG_REJECT, c->feed, 0, ref, "attribute without type or value",
                     v, v ? n : 0);
        return CF_OK;
    }
    const misp_type *mt = cf_misp_type_find(type, strlen(type));
    if (!mt || mt->ioc == CF_IOC_NONE) {
        mr_skip_count(c, type, strlen(type), mt != NULL);
        return CF_OK;
    }
    if (n > CF_MAX_VALUE_BYTES) {
        cf_sink_diag(c->sink, CF_DIAG_REJECT, c->feed, 0, ref, "value longer than the limit", v,
                     64);
        return CF_OK;
    }

    /* Context: the attribute's own tags over the event's; feed options last. */
    at.tlp = CF_TLP_NONE;
    at.n_labels = at.n_actors = at.n_malware = at.n_owned = 0;
    for (size_t k = 0; k < 3; k++) {
        mr_tag_array(&at, f.tags[k]);
    }
    mr_galaxy_array(&at, f.galaxy);
    if (evt) {
        mr_union(labels, &nl, evt->labels, evt->n_labels);
        mr_union(actors, &na, evt->actors, evt->n_actors);
        mr_union(malware, &nm, evt->malware, evt->n_malware);
    }
    mr_union(labels, &nl, at.labels, at.n_labels);
    mr_union(actors, &na, at.actors, at.n_actors);
    mr_union(malware, &nm, at.malware, at.n_malware);
    if (c->o->labels) {
        mr_union(labels, &nl, c->o->labels, c->o->n_labels);
    }
    if (c->o->actor) {
        mr_union(actors, &na, &c->o->actor, 1);
    }

    cf_obs obs;
    cf_obs_init(&obs);
    obs.feed = c->feed;
    obs.ref = ref;
    obs.event = event;
    obs.time = mr_epoch(c, f.timestamp, ref);
    obs.first_seen = mr_iso(c, f.first_seen, ref);
    obs.last_seen = mr_iso(c, f.last_seen, ref);
    obs.to_ids = mr_bool(f.to_ids, mt->to_ids);
    obs.confidence = c->o->confidence;
    obs.tlp = at.tlp != CF_TLP_NONE ? at.tlp : (evt ? evt->tlp : CF_TLP_NONE);
    if (c->o->tlp != CF_TLP_NONE) {
        obs.tlp = c->o->tlp;
    }
    const char *comment = mr_strv(f.comment);
    obs.comment = comment && *comment ? comment : NULL;
    obs.labels = labels;
    obs.n_labels = nl;
    obs.actors = actors;
    obs.n_actors = na;
    obs.malware = malware;
    obs.n_malware = nm;

    if (port_text) {
        cf_buf_reset(&c->value);
        st = cf_buf_printf(&c->value, "%.*s|%s", (int)n, v, port_text);
        if (st == CF_OK) {
            char *joined = cf_strdup(c->value.data);
            st = joined ? mr_emit_ip_port(c, &obs, joined, strlen(joined)) : CF_ENOMEM;
            free(joined);
        }
    } else {
        st = mr_emit_value(c, &obs, mt, v, n);
    }
    mr_tags_free(&at);
    return st;
}

/*
 * An ip-port object with one address and one port becomes one endpoint;
 * its other attributes are read one by one.
 */
static cf_status mr_object(mr_ctx *c, const mj_node *obj, const mr_tags *evt, const cf_event *event)
{
    const mj_node *attrs = cf_mj_get(obj, "Attribute");
    const mj_node *a, *ip = NULL, *port = NULL;
    size_t i, n_ip = 0, n_port = 0;
    char tmp[64];

    if (!mj_is_object(obj) || mr_bool(cf_mj_get(obj, "deleted"), false)) {
        return CF_OK;
    }
    const char *name = mr_str(obj, "name");
    if (name && strcmp(name, "ip-port") == 0) {
        MJ_ARRAY_FOREACH(attrs, i, a) {
            const char *rel = mr_str(a, "object_relation");
            if (!rel || mr_bool(cf_mj_get(a, "deleted"), false)) {
                continue;
            }
            if (strcmp(rel, "ip") == 0 || strcmp(rel, "ip-dst") == 0 ||
                strcmp(rel, "ip-src") == 0) {
                ip = a;
                n_ip++;
            } else if (strcmp(rel, "dst-port") == 0 || strcmp(rel, "src-port") == 0) {
                port = a;
                n_port++;
            }
        }
    }
    bool pair = n_ip == 1 && n_port == 1;

    MJ_ARRAY_FOREACH(attrs, i, a) {
        cf_status st;
        if (pair && a == port) {
            continue;
        }
        if (pair && a == ip) {
            size_t pn = 0;
            const char *p = mr_scalar(cf_mj_get(port, "value"), tmp, sizeof tmp, &pn);
            char portbuf[16];
            snprintf(portbuf, sizeof portbuf, "%.*s", (int)(pn < 15 ? pn : 15), p ? p : "");
            st = mr_attribute(c, a, evt, event, portbuf);
        } else {
            st = mr_attribute(c, a, evt, event, NULL);
        }
        if (st != CF_OK) {
            return st;
        }
    }
    return CF_OK;
}

/* ---- events ---- */

static bool mr_looks_like_event(const mj_node *ev)
{
    static const char *const keys[] = {"Attribute", "Object", "info", "uuid", "date"};

    if (cf_mj_get(ev, "GalaxyCluster")) {
        return false; /* a bare galaxy */
    }
    for (size_t i = 0; i < 5; i++) {
        if (cf_mj_get(ev, keys[i])) {
            return true;
        }
    }
    return false;
}

static cf_status mr_event(mr_ctx *c, const mj_node *ev)
{
    mr_tags et = {0};
    cf_event proto;
    cf_event *event = NULL;
    cf_status st = CF_OK;
    size_t i;
    const mj_node *a;

    if (!mj_is_object(ev)) {
        return CF_OK;
    }
    if (!mr_looks_like_event(ev)) {
        cf_sink_diag(c->sink, CF_DIAG_WARNING, c->feed, 0, NULL, "object is not a MISP event",
                     NULL, 0);
        return CF_OK;
    }
    const char *uuid = mr_str(ev, "uuid");
    mr_tags_read(&et, ev);
    mr_galaxies_read(&et, ev);

    memset(&proto, 0, sizeof proto);
    proto.uuid = (char *)uuid;
    proto.info = (char *)mr_str(ev, "info");
    proto.orgc = (char *)mr_str(cf_mj_get(ev, "Orgc"), "name");
    if (!proto.orgc) {
        proto.orgc = (char *)mr_str(cf_mj_get(ev, "Org"), "name");
    }
    proto.date = mr_iso(c, cf_mj_get(ev, "date"), uuid);
    proto.timestamp = mr_epoch(c, cf_mj_get(ev, "timestamp"), uuid);
    proto.publish_timestamp = mr_epoch(c, cf_mj_get(ev, "publish_timestamp"), uuid);
    proto.published = mr_bool(cf_mj_get(ev, "published"), false);
    proto.tlp = c->o->tlp != CF_TLP_NONE ? c->o->tlp : et.tlp;
    proto.labels = et.labels;
    proto.n_labels = (uint16_t)et.n_labels;
    proto.actors = et.actors;
    proto.n_actors = (uint16_t)et.n_actors;
    proto.malware = et.malware;
    proto.n_malware = (uint16_t)et.n_malware;
    proto.threat_level = mr_int(cf_mj_get(ev, "threat_level_id"), 0);
    proto.analysis = mr_int(cf_mj_get(ev, "analysis"), -1);
    if (c->sink->event) {
        event = c->sink->event(c->sink->ctx, &proto);
    }

    c->n_attrs = 0;
    const mj_node *attrs = cf_mj_get(ev, "Attribute");
    MJ_ARRAY_FOREACH(attrs, i, a) {
        st = mr_attribute(c, a, &et, event, NULL);
        if (st != CF_OK) {
            goto out;
        }
    }
    const mj_node *objs = cf_mj_get(ev, "Object");
    MJ_ARRAY_FOREACH(objs, i, a) {
        st = mr_object(c, a, &et, event);
        if (st != CF_OK) {
            goto out;
        }
    }

out:
    if (st == CF_ELIMIT) {
        cf_sink_diag(c->sink, CF_DIAG_ERROR, c->feed, 0, uuid,
                     "event has more attributes than the limit; the rest was skipped", NULL, 0);
        st = CF_OK;
    }
    mr_tags_free(&et);
    return st;
}

/* ---- documents, collections and manifests ---- */

/*
 * A manifest: an object of objects with at least one event uuid as key and
 * no event fields. Keys that are not uuids are reported when it is read.
 */
static bool mr_is_manifest(const mj_node *root)
{
    const mj_node *k, *v;
    size_t i;
    bool any_uuid = false;

    if (!mj_is_object(root) || root->len == 0 || mr_looks_like_event(root)) {
        return false;
    }
    MJ_OBJECT_FOREACH(root, i, k, v) {
        if (!mj_is_object(v)) {
            return false;
        }
        any_uuid = any_uuid || mr_is_uuid(k->u.s);
    }
    return any_uuid;
}

/*
 * The error for a document the fast check refused, exactly as before the
 * check existed: depth, then the manifest member limit, then jansson's
 * own message and line.
 */
static cf_status mr_parse_error(mr_ctx *c, const char *data, size_t len)
{
    json_error_t jerr;
    size_t members = 0;

    if (!mr_depth_ok(data, len, &members)) {
        return cf_error_set(c->err, CF_ELIMIT, c->feed, 0,
                            "JSON nested deeper than %d levels", CF_MAX_JSON_DEPTH);
    }
    if (members > CF_MAX_MANIFEST_EVENTS) {
        return cf_error_set(c->err, CF_ELIMIT, c->feed, 0,
                            "object with more than %u members (the MISP manifest limit)",
                            CF_MAX_MANIFEST_EVENTS);
    }
    json_t *root = json_loadb(data, len, 0, &jerr);
    if (root) {
        json_decref(root);
        return cf_error_set(c->err, CF_EMALFORMED, c->feed, 0, "invalid JSON");
    }
    return cf_error_set(c->err, CF_EMALFORMED, c->feed, (uint64_t)(jerr.line > 0 ? jerr.line : 0),
                        "invalid JSON: %s", jerr.text);
}

/*
 * One document read from an event file or the input: checked, then laid
 * out in doc with its strings decoded in place in data.
 */
static cf_status mr_parse(mr_ctx *c, mj_doc *doc, char *data, size_t len, const mj_node **out)
{
    size_t n_nodes = 0;

    *out = NULL;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if (cf_mj_check(data, len, CF_MAX_JSON_DEPTH, CF_MAX_MANIFEST_EVENTS, &n_nodes) != MJ_OK) {
        return mr_parse_error(c, data, len);
    }
    if (!cf_mj_build(doc, data, len, n_nodes)) {
        return CF_ENOMEM;
    }
    *out = doc->nodes;
    return CF_OK;
}

static int mr_key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Read <dir>/<uuid>.json as one event document. */
static cf_status mr_event_file(mr_ctx *c, const char *dir, const char *uuid)
{
    char path[4096];
    cf_input *in = NULL;
    char *data = NULL;
    size_t len = 0;
    const mj_node *root = NULL;
    cf_error ferr;
    cf_status st;

    cf_error_clear(&ferr);
    snprintf(path, sizeof path, "%s/%s.json", dir, uuid);
    /* Named by the file of the feed, not where this copy of the feed happens to sit. */
    const char *name = strrchr(path, '/') + 1;
    st = cf_input_open_file(&in, path, &ferr);
    if (st != CF_OK) {
        cf_sink_diag(c->sink, CF_DIAG_ERROR, c->feed, 0, uuid,
                     "event listed in the manifest has no readable file", name, strlen(name));
        return CF_OK;
    }
    st = cf_input_slurp(in, &data, &len, CF_MAX_JSON_DOC_BYTES, &ferr);
    if (st == CF_OK) {
        cf_error *saved = c->err;
        c->err = &ferr;
        st = mr_parse(c, &c->evdoc, data, len, &root);
        c->err = saved;
    }
    if (st == CF_ENOMEM) {
        goto out;
    }
    if (st != CF_OK) {
        cf_sink_diag(c->sink, CF_DIAG_ERROR, c->feed, 0, uuid, ferr.msg, name, strlen(name));
        st = CF_OK;
        goto out;
    }
    const mj_node *ev = cf_mj_get(root, "Event");
    const char *inner = mr_str(mj_is_object(ev) ? ev : root, "uuid");
    if (inner && strcasecmp(inner, uuid) != 0) {
        cf_sink_diag(c->sink, CF_DIAG_WARNING, c->feed, 0, uuid,
                     "event file holds an event with another uuid", inner, strlen(inner));
    }
    st = mr_document(c, root, NULL, false);

out:
    free(data);
    cf_input_close(in);
    return st;
}

/* Every event a manifest lists, in uuid order; a missing file is reported. */
static cf_status mr_manifest(mr_ctx *c, const mj_node *root, const char *dir)
{
    const mj_node *k, *v;
    size_t n = 0, cap = root->len, m;
    const char **keys = NULL;
    cf_status st = CF_OK;

    if (!dir) {
        return cf_error_set(c->err, CF_EINVAL, c->feed, 0,
                            "MISP manifest read without its feed directory");
    }
    if (cap > CF_MAX_MANIFEST_EVENTS) {
        cf_sink_diag(c->sink, CF_DIAG_ERROR, c->feed, 0, NULL,
                     "manifest lists more events than the limit; the rest was skipped", NULL, 0);
        cap = CF_MAX_MANIFEST_EVENTS;
    }
    keys = calloc(cap ? cap : 1, sizeof *keys);
    if (!keys) {
        return CF_ENOMEM;
    }
    MJ_OBJECT_FOREACH(root, m, k, v) {
        if (n < cap) {
            keys[n++] = k->u.s;
        }
    }
    cf_sort(keys, n, sizeof *keys, mr_key_cmp);
    /* a key given twice names one event, as in a JSON object read whole */
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u == 0 || strcmp(keys[u - 1], keys[i]) != 0) {
            keys[u++] = keys[i];
        }
    }
    n = u;

    for (size_t i = 0; i < n && st == CF_OK; i++) {
        if (!mr_is_uuid(keys[i])) {
            cf_sink_diag(c->sink, CF_DIAG_ERROR, c->feed, 0, NULL,
                         "manifest key is not an event uuid", keys[i], strlen(keys[i]));
            continue;
        }
        st = mr_event_file(c, dir, keys[i]);
    }
    free(keys);
    return st;
}

/* An item of a collection: {"Event":...}, {"Object":...}, {"Attribute":...} or an event. */
static cf_status mr_item(mr_ctx *c, const mj_node *item)
{
    const mj_node *v;
    size_t i;
    const mj_node *x;

    v = cf_mj_get(item, "Event");
    if (mj_is_object(v)) {
        return mr_event(c, v);
    }
    v = cf_mj_get(item, "Object");
    if (mj_is_object(v)) {
        c->n_attrs = 0;
        return mr_object(c, v, NULL, NULL);
    }
    v = cf_mj_get(item, "Attribute");
    if (mj_is_object(v)) {
        c->n_attrs = 0;
        return mr_attribute(c, v, NULL, NULL, NULL);
    }
    if (mj_is_array(v) && !mr_looks_like_event(item)) {
        c->n_attrs = 0;
        MJ_ARRAY_FOREACH(v, i, x) {
            cf_status st = mr_attribute(c, x, NULL, NULL, NULL);
            if (st != CF_OK) {
                return st;
            }
        }
        return CF_OK;
    }
    return mr_event(c, item);
}

static cf_status mr_document(mr_ctx *c, const mj_node *root, const char *base_dir, bool top)
{
    const mj_node *v;
    size_t i;
    cf_status st = CF_OK;

    if (mj_is_array(root)) {
        MJ_ARRAY_FOREACH(root, i, v) {
            st = mr_item(c, v);
            if (st != CF_OK) {
                break;
            }
        }
        return st;
    }
    if (!mj_is_object(root)) {
        return cf_error_set(c->err, CF_EMALFORMED, c->feed, 0,
                            "MISP JSON must be an object or an array");
    }
    v = cf_mj_get(root, "Event");
    if (v) {
        if (mj_is_array(v)) {
            return mr_document(c, v, NULL, false);
        }
        return mr_event(c, v);
    }
    v = cf_mj_get(root, "response");
    if (mj_is_array(v)) {
        return mr_document(c, v, NULL, false);
    }
    if (mj_is_object(v)) {
        return mr_item(c, v);
    }
    if (top && mr_is_manifest(root)) {
        return mr_manifest(c, root, base_dir);
    }
    return mr_item(c, root);
}

static void mr_ctx_init(mr_ctx *c, const cf_read_opts *o, const cf_sink *sink, const char *feed,
                        cf_error *err)
{
    memset(c, 0, sizeof *c);
    c->o = o;
    c->sink = sink;
    c->feed = feed;
    c->err = err;
}

/* Directory part of path into out ("." when there is none). */
static void mr_dirname(char *out, size_t outsz, const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;

    if (!slash) {
        snprintf(out, outsz, ".");
    } else if (slash == path) {
        snprintf(out, outsz, "/");
    } else {
        snprintf(out, outsz, "%.*s", (int)(slash - path), path);
    }
}

cf_status cf_read_misp(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err)
{
    cf_read_opts dflt;
    mr_ctx c;
    char *data = NULL;
    size_t len = 0;
    const mj_node *root = NULL;
    char dir[4096];
    const char *base = NULL;
    cf_status st;

    if (!o) {
        cf_read_opts_init(&dflt);
        o = &dflt;
    }
    mr_ctx_init(&c, o, sink, o->feed ? o->feed : cf_input_name(in), err);
    st = cf_input_slurp(in, &data, &len, CF_MAX_JSON_DOC_BYTES, err);
    if (st != CF_OK) {
        goto out;
    }
    st = mr_parse(&c, &c.doc, data, len, &root);
    if (st != CF_OK) {
        goto out;
    }

    base = o->base_dir;
    if (!base && cf_input_path(in)) {
        mr_dirname(dir, sizeof dir, cf_input_path(in));
        base = dir;
    }
    st = mr_document(&c, root, base, true);
    mr_skip_report(&c);

out:
    free(data);
    cf_buf_free(&c.value);
    cf_mj_free(&c.doc);
    cf_mj_free(&c.evdoc);
    return st;
}

cf_status cf_read_misp_feed_dir(const char *dir, const cf_read_opts *o, const cf_sink *sink,
                                cf_error *err)
{
    cf_read_opts opts;
    char path[4096];
    cf_input *in = NULL;
    cf_status st;

    if (o) {
        opts = *o;
    } else {
        cf_read_opts_init(&opts);
    }
    opts.base_dir = dir;
    if (!opts.feed) {
        opts.feed = dir;
    }
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    st = cf_input_open_file(&in, path, err);
    if (st != CF_OK) {
        return st;
    }
    st = cf_read_misp(in, &opts, sink, err);
    cf_input_close(in);
    /* a position in the manifest is named against the manifest, not the directory */
    if (st != CF_OK && err && err->line && strcmp(err->source, opts.feed) == 0) {
        snprintf(err->source, sizeof err->source, "%.*s", (int)sizeof err->source - 1, path);
    }
    return st;
}
