/*
 * MISP writers: MISP event JSON and MISP feed directories.
 *
 * DESIGN
 * IOCs are grouped once: each source event of the set (cf_iocset_event_at)
 * becomes one MISP event holding the IOCs sighted in it; IOCs sighted
 * outside any event (CSV, text) form one event per feed. Every event is
 * rendered into one buffer with the canonical values, the MISP type and
 * describeTypes' default category per IOC type (filename|hash and ip|port
 * stay composites), TLP tags (on an attribute only when it differs from the
 * event's), galaxy tags for actors and malware, and labels. Event uuids are
 * the source's, or UUIDv5 of the feed; attribute uuids are UUIDv5 of event
 * uuid, type and value, so the same content always gets the same uuids.
 * Timestamps are strings of whole seconds.
 *
 * A feed directory holds manifest.json (keyed by event uuid), one
 * <uuid>.json per event and hashes.csv (md5 of each value and each part of
 * a composite, with the event uuid). Every file is written to a temporary
 * name, synced and renamed; event files are synced and renamed together
 * after all are written, then hashes.csv and the manifest last. An event
 * whose file already exists is rendered again with the old file's
 * timestamp: when that gives the same bytes the content did not change and
 * the old timestamp (and file) stay.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ctiflow/buf.h"
#include "ctiflow/iocset.h"
#include "ctiflow/stix.h"
#include "ctiflow/timeutil.h"
#include "ctiflow/writer.h"
#include "../convert/misp_types.h"
#include "wr_util.h"

/* One MISP event to write: a source event or the IOCs of one feed. */
typedef struct mw_group {
    const cf_event *event; /* NULL for a feed group */
    const char *feed;      /* feed group: the feed name */
    uint32_t *iocs;        /* indices into the set, in set order */
    size_t n, cap;
    char uuid[37];
    cf_tlp tlp;            /* event-level TLP written */
    cf_time timestamp;     /* source timestamp, or CF_TIME_NONE */
} mw_group;

/* An event pointer and its group, sorted by pointer for lookup. */
typedef struct mw_evref {
    uintptr_t ptr;
    size_t group;
} mw_evref;

typedef struct mw_groups {
    mw_group *g;
    size_t n, cap;
    mw_evref *sorted;
    size_t n_events;
} mw_groups;

/* ---- grouping ---- */

static cf_status mw_group_add(mw_group *g, uint32_t idx)
{
    if (g->n > 0 && g->iocs[g->n - 1] == idx) {
        return CF_OK;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        uint32_t *p = realloc(g->iocs, cap * sizeof *p);
        if (!p) {
            return CF_ENOMEM;
        }
        g->iocs = p;
        g->cap = cap;
    }
    g->iocs[g->n++] = idx;
    return CF_OK;
}

static mw_group *mw_group_new(mw_groups *gs)
{
    if (gs->n == gs->cap) {
        size_t cap = gs->cap ? gs->cap * 2 : 16;
        mw_group *p = realloc(gs->g, cap * sizeof *p);
        if (!p) {
            return NULL;
        }
        gs->g = p;
        gs->cap = cap;
    }
    mw_group *g = &gs->g[gs->n++];
    memset(g, 0, sizeof *g);
    g->timestamp = CF_TIME_NONE;
    return g;
}

static void mw_groups_free(mw_groups *gs)
{
    for (size_t i = 0; i < gs->n; i++) {
        free(gs->g[i].iocs);
    }
    free(gs->g);
    free(gs->sorted);
    memset(gs, 0, sizeof *gs);
}

static int mw_evref_cmp(const void *a, const void *b)
{
    uintptr_t x = ((const mw_evref *)a)->ptr, y = ((const mw_evref *)b)->ptr;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Group index of event e, or -1. */
static long mw_event_group(const mw_groups *gs, const cf_event *e)
{
    size_t lo = 0, hi = gs->n_events;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uintptr_t m = gs->sorted[mid].ptr;
        if (m == (uintptr_t)e) {
            return (long)gs->sorted[mid].group;
        }
        if (m < (uintptr_t)e) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

static mw_group *mw_feed_group(mw_groups *gs, const char *feed)
{
    for (size_t i = gs->n_events; i < gs->n; i++) {
        const char *f = gs->g[i].feed;
        if (f == feed || (f && feed && strcmp(f, feed) == 0)) {
            return &gs->g[i];
        }
    }
    mw_group *g = mw_group_new(gs);
    if (g) {
        g->feed = feed;
    }
    return g;
}

static cf_status mw_group_all(mw_groups *gs, const cf_iocset *set, const char *dflt_feed)
{
    size_t ne = cf_iocset_event_count(set);

    memset(gs, 0, sizeof *gs);
    gs->n_events = ne;
    gs->sorted = calloc(ne ? ne : 1, sizeof *gs->sorted);
    if (!gs->sorted) {
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < ne; i++) {
        mw_group *g = mw_group_new(gs);
        if (!g) {
            return CF_ENOMEM;
        }
        g->event = cf_iocset_event_at(set, i);
        gs->sorted[i].ptr = (uintptr_t)g->event;
        gs->sorted[i].group = i;
    }
    cf_sort(gs->sorted, ne, sizeof *gs->sorted, mw_evref_cmp);

    size_t n = cf_iocset_count(set);
    for (size_t i = 0; i < n; i++) {
        const cf_ioc *ioc = cf_iocset_at(set, i);
        for (uint32_t s = 0; s < ioc->n_sightings || (s == 0 && ioc->n_sightings == 0); s++) {
            const cf_sighting *si = ioc->n_sightings ? &ioc->sightings[s] : NULL;
            long gi = si && si->event ? mw_event_group(gs, si->event) : -1;
            mw_group *g = gi >= 0 ? &gs->g[gi] : mw_feed_group(gs, si ? si->feed : dflt_feed);
            if (!g || mw_group_add(g, (uint32_t)i) != CF_OK) {
                return CF_ENOMEM;
            }
        }
    }
    return CF_OK;
}

/* ---- event identity and metadata ---- */

static bool mw_is_uuid(const char *s)
{
    static const char pat[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

    if (!s || strlen(s) != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                   (s[i] >= 'A' && s[i] <= 'F');
        if (pat[i] == '-' ? s[i] != '-' : !hex) {
            return false;
        }
    }
    return true;
}

static const char *mw_feed_name(const mw_group *g, const cf_write_opts *o)
{
    if (o->feed_name) {
        return o->feed_name;
    }
    return g->feed ? g->feed : "ctiflow";
}

static void mw_group_identity(mw_group *g, const cf_write_opts *o, const cf_iocset *set)
{
    const cf_event *e = g->event;
    char name[512];

    if (e && mw_is_uuid(e->uuid)) {
        for (size_t i = 0; i < 36; i++) {
            char ch = e->uuid[i];
            g->uuid[i] = (ch >= 'A' && ch <= 'F') ? (char)(ch - 'A' + 'a') : ch;
        }
        g->uuid[36] = '\0';
    } else {
        int n = snprintf(name, sizeof name, "misp-event:%s:%s",
                         e ? (e->info ? e->info : "") : mw_feed_name(g, o),
                         e && e->uuid ? e->uuid : "");
        cf_uuid5(g->uuid, CF_NS, name, n > 0 ? (size_t)n : 0);
    }

    /* Event TLP: the source's, or the one TLP all IOCs of a feed share. */
    g->tlp = e ? e->tlp : CF_TLP_NONE;
    if (!e && g->n > 0) {
        cf_tlp first = (cf_tlp)cf_iocset_at(set, g->iocs[0])->tlp;
        bool same = true;
        for (size_t i = 1; i < g->n && same; i++) {
            same = (cf_tlp)cf_iocset_at(set, g->iocs[i])->tlp == first;
        }
        g->tlp = same ? first : CF_TLP_NONE;
    }
    g->timestamp = e ? e->timestamp : CF_TIME_NONE;
}

/* ---- JSON output helpers ---- */

/* Appends the n-1 bytes of a string literal. */
#define MW_LIT(b, lit) cf_buf_append((b), (lit), sizeof(lit) - 1)

static cf_status mw_key_str(cf_buf *b, const char *key, const char *val)
{
    cf_status st = cf_buf_putc(b, '"');
    if (st == CF_OK) {
        st = cf_buf_puts(b, key);
    }
    if (st == CF_OK) {
        st = MW_LIT(b, "\": ");
    }
    if (st == CF_OK) {
        st = cf_buf_json_quoted(b, val ? val : "");
    }
    return st;
}

static cf_status mw_key_epoch(cf_buf *b, const char *key, cf_time t)
{
    char s[32];
    cf_time_format_epoch(s, sizeof s, t);
    cf_status st = cf_buf_putc(b, '"');
    if (st == CF_OK) {
        st = cf_buf_puts(b, key);
    }
    if (st == CF_OK) {
        st = MW_LIT(b, "\": \"");
    }
    if (st == CF_OK) {
        st = cf_buf_puts(b, s);
    }
    return st == CF_OK ? cf_buf_putc(b, '"') : st;
}

/* One {"name": ...} tag; prefix and suffix wrap the name (galaxy tags). */
static cf_status mw_tag(cf_buf *b, cf_buf *tmp, bool *first, const char *prefix,
                        const char *name, const char *suffix)
{
    /* escaping is byte by byte, so the parts are escaped one after the other */
    (void)tmp;
    cf_status st = cf_buf_puts(b, *first ? "{\"name\": \"" : ", {\"name\": \"");
    if (st == CF_OK) {
        st = cf_buf_json_str(b, prefix, strlen(prefix));
    }
    if (st == CF_OK) {
        st = cf_buf_json_str(b, name, strlen(name));
    }
    if (st == CF_OK) {
        st = cf_buf_json_str(b, suffix, strlen(suffix));
    }
    if (st == CF_OK) {
        st = MW_LIT(b, "\"}");
    }
    *first = false;
    return st;
}

static bool mw_in(const char *const *arr, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (arr[i] == s || strcmp(arr[i], s) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * "Tag": [...] for a TLP, labels, actors and malware; the names already on
 * the event (ev_*) are left out. Nothing is written when no tag remains.
 */
static cf_status mw_tags(cf_buf *b, cf_buf *tmp, cf_tlp tlp, const char *const *labels,
                         size_t nl, const char *const *actors, size_t na,
                         const char *const *malware, size_t nm, const cf_event *ev,
                         const cf_galaxy *gal)
{
    bool first = true;
    cf_status st = CF_OK;
    size_t start = b->len;

    st = MW_LIT(b, ", \"Tag\": [");
    if (st == CF_OK && tlp != CF_TLP_NONE) {
        st = mw_tag(b, tmp, &first, "tlp:", cf_tlp_name(tlp), "");
    }
    for (size_t i = 0; st == CF_OK && i < nl; i++) {
        if (!ev || !mw_in(ev->labels, ev->n_labels, labels[i])) {
            st = mw_tag(b, tmp, &first, "", labels[i], "");
        }
    }
    for (size_t i = 0; st == CF_OK && i < na; i++) {
        if (!ev || !mw_in(ev->actors, ev->n_actors, actors[i])) {
            cf_actor_res res;
            const char *name = actors[i];
            if (gal && cf_galaxy_resolve(gal, NULL, name, &res) != CF_ACTOR_AMBIGUOUS &&
                res.actor) {
                name = res.actor->value;
            }
            st = mw_tag(b, tmp, &first, "misp-galaxy:threat-actor=\"", name, "\"");
        }
    }
    for (size_t i = 0; st == CF_OK && i < nm; i++) {
        if (!ev || !mw_in(ev->malware, ev->n_malware, malware[i])) {
            st = mw_tag(b, tmp, &first, "misp-galaxy:malpedia=\"", malware[i], "\"");
        }
    }
    if (st == CF_OK && first) {
        b->len = start;
        b->data[start] = '\0';
        return CF_OK;
    }
    return st == CF_OK ? cf_buf_putc(b, ']') : st;
}

/* The MISP value of an IOC: an endpoint becomes "ip|port". */
static cf_status mw_value(cf_buf *out, const cf_ioc *ioc)
{
    cf_buf_reset(out);
    if (ioc->type != CF_IOC_ENDPOINT) {
        return cf_buf_puts(out, ioc->value);
    }
    const char *v = ioc->value;
    const char *colon = strrchr(v, ':');
    if (!colon) {
        return cf_buf_puts(out, v);
    }
    size_t hn = (size_t)(colon - v);
    cf_status st;
    if (hn >= 2 && v[0] == '[' && v[hn - 1] == ']') {
        st = cf_buf_append(out, v + 1, hn - 2);
    } else {
        st = cf_buf_append(out, v, hn);
    }
    if (st == CF_OK) {
        st = cf_buf_putc(out, '|');
    }
    return st == CF_OK ? cf_buf_puts(out, colon + 1) : st;
}

/* Latest time a sighting of ioc in group g gives, or CF_TIME_NONE. */
static cf_time mw_ioc_time(const cf_ioc *ioc, const mw_group *g)
{
    cf_time t = CF_TIME_NONE;

    for (uint32_t i = 0; i < ioc->n_sightings; i++) {
        const cf_sighting *s = &ioc->sightings[i];
        bool mine = g->event ? s->event == g->event : !s->event;
        if (mine && s->time != CF_TIME_NONE && s->time > t) {
            t = s->time;
        }
    }
    return t;
}

typedef struct mw_render {
    cf_buf out;
    cf_buf val;
    cf_buf tmp;
    cf_buf name;
    const cf_galaxy *gal; /* actor names resolved to cluster values, or NULL */
    wr_clock clock;       /* first_seen/last_seen texts; set up on first use */
    bool clock_set;
} mw_render;

/* RFC 3339 text of t: through the render's clock for years 0000 to 9999, its fast range. */
static const char *mw_rfc3339(mw_render *r, cf_time t, char out[40])
{
    if (t < 0 || t >= 253402300800000LL) {
        cf_time_format_rfc3339(out, 40, t);
        return out;
    }
    if (!r->clock_set) {
        wr_clock_init(&r->clock);
        r->clock_set = true;
    }
    return wr_clock_format(&r->clock, t);
}

static void mw_render_free(mw_render *r)
{
    cf_buf_free(&r->out);
    cf_buf_free(&r->val);
    cf_buf_free(&r->tmp);
    cf_buf_free(&r->name);
}

static cf_status mw_attribute(mw_render *r, const cf_ioc *ioc, const mw_group *g, cf_time ev_ts,
                              bool first)
{
    cf_buf *b = &r->out;
    const char *type = cf_misp_type_for_ioc(ioc->type, ioc->hash_type);
    char u[37], when[40];
    cf_status st;

    if (!type) {
        return CF_OK;
    }
    const misp_type *mt = cf_misp_type_find(type, strlen(type));
    st = mw_value(&r->val, ioc);
    if (st != CF_OK) {
        return st;
    }
    /* uuid5 over "<event uuid>/<type>/<value>" */
    cf_buf_reset(&r->name);
    st = cf_buf_puts(&r->name, g->uuid);
    if (st == CF_OK) {
        st = cf_buf_putc(&r->name, '/');
    }
    if (st == CF_OK) {
        st = cf_buf_puts(&r->name, type);
    }
    if (st == CF_OK) {
        st = cf_buf_putc(&r->name, '/');
    }
    if (st == CF_OK) {
        st = cf_buf_append(&r->name, cf_buf_str(&r->val), r->val.len);
    }
    if (st != CF_OK) {
        return st;
    }
    cf_uuid5(u, CF_NS, r->name.data, r->name.len);
    cf_time t = mw_ioc_time(ioc, g);

    st = first ? MW_LIT(b, "\n    {\"uuid\": \"") : MW_LIT(b, ",\n    {\"uuid\": \"");
    if (st == CF_OK) {
        st = cf_buf_append(b, u, 36);
    }
    if (st == CF_OK) {
        st = MW_LIT(b, "\", \"type\": \"");
    }
    if (st == CF_OK) {
        st = cf_buf_puts(b, type);
    }
    if (st == CF_OK) {
        st = MW_LIT(b, "\", \"category\": \"");
    }
    if (st == CF_OK) {
        st = cf_buf_puts(b, mt ? mt->category : "Other");
    }
    if (st == CF_OK) {
        st = ioc->to_ids ? MW_LIT(b, "\", \"to_ids\": true, \"distribution\": \"5\", ")
                         : MW_LIT(b, "\", \"to_ids\": false, \"distribution\": \"5\", ");
    }
    if (st == CF_OK) {
        st = mw_key_epoch(b, "timestamp", t != CF_TIME_NONE ? t : ev_ts);
    }
    if (st == CF_OK) {
        st = MW_LIT(b, ", ");
    }
    if (st == CF_OK) {
        st = mw_key_str(b, "comment", ioc->comment);
    }
    if (st == CF_OK) {
        st = MW_LIT(b, ", \"deleted\": false, \"disable_correlation\": false, ");
    }
    if (st == CF_OK) {
        st = mw_key_str(b, "value", cf_buf_str(&r->val));
    }
    if (st == CF_OK && ioc->first_seen != CF_TIME_NONE) {
        const char *text = mw_rfc3339(r, ioc->first_seen, when);
        st = MW_LIT(b, ", \"first_seen\": \"");
        if (st == CF_OK) {
            st = cf_buf_puts(b, text);
        }
        if (st == CF_OK) {
            st = cf_buf_putc(b, '"');
        }
    }
    if (st == CF_OK && ioc->last_seen != CF_TIME_NONE) {
        const char *text = mw_rfc3339(r, ioc->last_seen, when);
        st = MW_LIT(b, ", \"last_seen\": \"");
        if (st == CF_OK) {
            st = cf_buf_puts(b, text);
        }
        if (st == CF_OK) {
            st = cf_buf_putc(b, '"');
        }
    }
    if (st == CF_OK) {
        cf_tlp tlp = (cf_tlp)ioc->tlp != g->tlp ? (cf_tlp)ioc->tlp : CF_TLP_NONE;
        st = mw_tags(b, &r->tmp, tlp, ioc->labels, ioc->n_labels, ioc->actors, ioc->n_actors,
                     ioc->malware, ioc->n_malware, g->event, r->gal);
    }
    if (st == CF_OK) {
        st = cf_buf_putc(b, '}');
    }
    return st;
}

/* The event's timestamp: the override, the source's, or now. */
static cf_time mw_event_ts(const mw_group *g, const cf_write_opts *o, cf_time override)
{
    if (override != CF_TIME_NONE) {
        return override;
    }
    return g->timestamp != CF_TIME_NONE ? g->timestamp : o->now;
}

/* Orgc of the event: the source organisation or the producer. */
static cf_status mw_orgc(cf_buf *b, cf_buf *tmp, const mw_group *g, const cf_write_opts *o)
{
    const char *org = g->event && g->event->orgc ? g->event->orgc : o->producer;
    char u[37];

    if (!org) {
        org = "ctiflow";
    }
    cf_buf_reset(tmp);
    cf_status st = cf_buf_printf(tmp, "misp-org:%s", org);
    if (st != CF_OK) {
        return st;
    }
    cf_uuid5(u, CF_NS, tmp->data, tmp->len);
    st = cf_buf_puts(b, ", \"Orgc\": {");
    if (st == CF_OK) {
        st = mw_key_str(b, "name", org);
    }
    if (st == CF_OK) {
        st = cf_buf_printf(b, ", \"uuid\": \"%s\"}", u);
    }
    return st;
}

/* The event metadata shared by the event file and the manifest entry. */
static cf_status mw_meta(mw_render *r, const mw_group *g, const cf_write_opts *o, cf_time ts)
{
    cf_buf *b = &r->out;
    const cf_event *e = g->event;
    char date[16];
    cf_status st;

    cf_time_format_date(date, sizeof date, e && e->date != CF_TIME_NONE ? e->date : ts);
    st = mw_key_str(b, "info", e && e->info ? e->info : mw_feed_name(g, o));
    if (st == CF_OK) {
        st = cf_buf_printf(b, ", \"date\": \"%s\", \"analysis\": \"%d\", "
                              "\"threat_level_id\": \"%d\", ",
                           date, e && e->analysis >= 0 && e->analysis <= 2 ? e->analysis : 2,
                           e && e->threat_level >= 1 && e->threat_level <= 4 ? e->threat_level
                                                                             : 4);
    }
    if (st == CF_OK) {
        st = mw_key_epoch(b, "timestamp", ts);
    }
    if (st == CF_OK) {
        st = mw_orgc(b, &r->tmp, g, o);
    }
    if (st == CF_OK) {
        st = mw_tags(b, &r->tmp, g->tlp, e ? e->labels : NULL, e ? e->n_labels : 0,
                     e ? e->actors : NULL, e ? e->n_actors : 0, e ? e->malware : NULL,
                     e ? e->n_malware : 0, NULL, r->gal);
    }
    return st;
}

/* Render {"Event": {...}} of group g into r->out (appended). */
static cf_status mw_event(mw_render *r, const cf_iocset *set, const mw_group *g,
                          const cf_write_opts *o, cf_time override)
{
    cf_buf *b = &r->out;
    const cf_event *e = g->event;
    cf_time ts = mw_event_ts(g, o, override);
    cf_time pts = e && e->publish_timestamp != CF_TIME_NONE ? e->publish_timestamp : ts;
    cf_status st;

    st = cf_buf_printf(b, "{\"Event\": {\"uuid\": \"%s\", ", g->uuid);
    if (st == CF_OK) {
        st = mw_meta(r, g, o, ts);
    }
    if (st == CF_OK) {
        st = cf_buf_printf(b, ", \"published\": %s, ", !e || e->published ? "true" : "false");
    }
    if (st == CF_OK) {
        st = mw_key_epoch(b, "publish_timestamp", pts);
    }
    if (st == CF_OK) {
        st = cf_buf_puts(b, ",\n  \"Attribute\": [");
    }
    for (size_t i = 0; st == CF_OK && i < g->n; i++) {
        st = mw_attribute(r, cf_iocset_at(set, g->iocs[i]), g, ts, i == 0);
    }
    if (st == CF_OK) {
        st = cf_buf_puts(b, "]}}");
    }
    return st;
}

static void mw_opts(cf_write_opts *dst, const cf_write_opts *o)
{
    if (o) {
        *dst = *o;
    } else {
        cf_write_opts_init(dst);
    }
    if (dst->now == 0 || dst->now == CF_TIME_NONE) {
        dst->now = cf_time_now();
    }
}

cf_status cf_write_misp(FILE *out, const cf_iocset *set, const cf_write_opts *opts,
                        cf_error *err)
{
    cf_write_opts o;
    mw_groups gs;
    mw_render r = {CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT,
                   opts ? opts->galaxy : NULL, {0, "", ""}, false};
    cf_status st;
    size_t written = 0;

    mw_opts(&o, opts);
    st = mw_group_all(&gs, set, mw_feed_name(&(mw_group){0}, &o));
    if (st != CF_OK) {
        goto out;
    }
    bool many = gs.n > 1;
    if (many && fputs("{\"response\": [\n", out) == EOF) {
        st = CF_EIO;
        goto out;
    }
    for (size_t i = 0; i < gs.n; i++) {
        mw_group_identity(&gs.g[i], &o, set);
        cf_buf_reset(&r.out);
        if (written > 0) {
            st = cf_buf_puts(&r.out, ",\n");
        }
        if (st == CF_OK) {
            st = mw_event(&r, set, &gs.g[i], &o, CF_TIME_NONE);
        }
        if (st != CF_OK) {
            goto out;
        }
        if (fwrite(r.out.data, 1, r.out.len, out) != r.out.len) {
            st = CF_EIO;
            goto out;
        }
        written++;
    }
    if (written == 0) {
        /* An empty set still gives one valid (empty) event. */
        mw_group *g = mw_group_new(&gs);
        if (!g) {
            st = CF_ENOMEM;
            goto out;
        }
        mw_group_identity(g, &o, set);
        cf_buf_reset(&r.out);
        st = mw_event(&r, set, g, &o, CF_TIME_NONE);
        if (st != CF_OK || fwrite(r.out.data, 1, r.out.len, out) != r.out.len) {
            st = st != CF_OK ? st : CF_EIO;
            goto out;
        }
    }
    if (fputs(many ? "\n]}\n" : "\n", out) == EOF) {
        st = CF_EIO;
    }

out:
    if (st == CF_EIO) {
        cf_error_set(err, CF_EIO, "", 0, "cannot write MISP output: %s", strerror(errno));
    } else if (st == CF_ENOMEM) {
        cf_error_set(err, CF_ENOMEM, "", 0, "out of memory writing MISP output");
    }
    mw_render_free(&r);
    mw_groups_free(&gs);
    return st;
}

/* ---- feed directories ---- */

/* Temporary and final paths of dir/name. */
static void mw_paths(const char *dir, const char *name, char tmp[4096], char path[4096])
{
    snprintf(path, 4096, "%s/%s", dir, name);
    snprintf(tmp, 4096, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
}

/* Sync the temporary file of dir/name and rename it into place; it is removed on failure. */
static cf_status mw_commit(const char *dir, const char *name, cf_error *err)
{
    char tmp[4096], path[4096];
    cf_status st = CF_OK;

    mw_paths(dir, name, tmp, path);
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot reopen: %s", strerror(errno));
        goto out;
    }
    if (fsync(fd) != 0) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot sync: %s", strerror(errno));
    }
    close(fd);
    if (st == CF_OK && rename(tmp, path) != 0) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot rename into place: %s", strerror(errno));
    }

out:
    if (st != CF_OK) {
        unlink(tmp);
    }
    return st;
}

/* Remove the temporary file of dir/name left for a commit that will not come. */
static void mw_discard(const char *dir, const char *name)
{
    char tmp[4096], path[4096];
    mw_paths(dir, name, tmp, path);
    unlink(tmp);
}

/*
 * Write data to dir/name through a temporary file. With sync, the file is
 * synced and renamed into place at once; else it waits, unsynced, for
 * mw_commit(), so that a feed's event files are synced together at the end
 * (one journal commit covers them instead of one each) and still reach
 * their names only once durable, before the manifest.
 */
static cf_status mw_write_atomic(const char *dir, const char *name, const char *data, size_t len,
                                 bool sync, cf_error *err)
{
    char tmp[4096], path[4096];
    cf_status st = CF_OK;

    mw_paths(dir, name, tmp, path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return cf_error_set(err, CF_EIO, path, 0, "cannot create: %s", strerror(errno));
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            st = cf_error_set(err, CF_EIO, path, 0, "cannot write: %s", strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0 && st == CF_OK) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot close: %s", strerror(errno));
    }
    if (st != CF_OK) {
        unlink(tmp);
        return st;
    }
    return sync ? mw_commit(dir, name, err) : CF_OK;
}

/* Whole content of a small existing file, or NULL. */
static char *mw_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;

    *len = 0;
    if (!f) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && n < (1L << 30) && fseek(f, 0, SEEK_SET) == 0) {
            data = malloc((size_t)n + 1);
            if (data && fread(data, 1, (size_t)n, f) == (size_t)n) {
                data[n] = '\0';
                *len = (size_t)n;
            } else {
                free(data);
                data = NULL;
            }
        }
    }
    fclose(f);
    return data;
}

/* The event timestamp of an existing event file we wrote, or CF_TIME_NONE. */
static cf_time mw_old_timestamp(const char *data)
{
    const char *p = data ? strstr(data, "\"timestamp\": \"") : NULL;
    cf_time t;

    if (!p) {
        return CF_TIME_NONE;
    }
    p += strlen("\"timestamp\": \"");
    size_t n = strspn(p, "0123456789");
    if (n == 0 || p[n] != '"' || cf_time_parse_epoch(&t, p, n) != CF_OK) {
        return CF_TIME_NONE;
    }
    return t;
}

/* md5 of s in hex, then ",uuid\n", appended to b. */
static cf_status mw_hash_line(cf_buf *b, EVP_MD_CTX *ctx, const EVP_MD *md5, const char *s,
                              size_t n, const char *uuid)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];

    if (EVP_DigestInit_ex2(ctx, md5, NULL) != 1 || EVP_DigestUpdate(ctx, s, n) != 1 ||
        EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
        return CF_ENOMEM;
    }
    for (unsigned int i = 0; i < mdlen; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[2 * mdlen] = ',';
    cf_status st = cf_buf_append(b, hex, 2 * mdlen + 1);
    if (st == CF_OK) {
        st = cf_buf_puts(b, uuid);
    }
    return st == CF_OK ? cf_buf_putc(b, '\n') : st;
}

/*
 * hashes.csv lines of one event: every value and every part of a composite.
 * ctx and md5 are the caller's, fetched once for the whole feed (an implicit
 * fetch per digest took a lock and a provider lookup each time).
 */
static cf_status mw_hashes(cf_buf *b, cf_buf *val, const cf_iocset *set, const mw_group *g,
                           EVP_MD_CTX *ctx, const EVP_MD *md5)
{
    cf_status st = CF_OK;

    for (size_t i = 0; st == CF_OK && i < g->n; i++) {
        const cf_ioc *ioc = cf_iocset_at(set, g->iocs[i]);
        if (!cf_misp_type_for_ioc(ioc->type, ioc->hash_type)) {
            continue;
        }
        st = mw_value(val, ioc);
        if (st != CF_OK) {
            break;
        }
        const char *v = cf_buf_str(val);
        st = mw_hash_line(b, ctx, md5, v, val->len, g->uuid);
        const char *bar = strrchr(v, '|');
        if (st == CF_OK && bar) {
            st = mw_hash_line(b, ctx, md5, v, (size_t)(bar - v), g->uuid);
            if (st == CF_OK) {
                st = mw_hash_line(b, ctx, md5, bar + 1, strlen(bar + 1), g->uuid);
            }
        }
    }
    return st;
}

/* Remove <uuid>.json files of events no longer in the manifest. */
static void mw_remove_stale(const char *dir, const mw_groups *gs)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[4096];

    if (!d) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        char uuid[37];
        bool listed = false;
        if (n != 41 || strcmp(de->d_name + 36, ".json") != 0) {
            continue;
        }
        memcpy(uuid, de->d_name, 36);
        uuid[36] = '\0';
        if (!mw_is_uuid(uuid)) {
            continue;
        }
        for (size_t i = 0; i < gs->n && !listed; i++) {
            listed = strcmp(gs->g[i].uuid, uuid) == 0;
        }
        if (!listed) {
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

/*
 * Write one event file unless an identical one is there; *ts gets its
 * timestamp. A written file waits under its temporary name (*pending set)
 * for mw_commit().
 */
static cf_status mw_feed_event(const char *dir, mw_render *r, const cf_iocset *set,
                               const mw_group *g, const cf_write_opts *o, cf_time *ts,
                               bool *pending, cf_error *err)
{
    char path[4096], name[64];
    size_t old_len = 0;
    cf_status st = CF_OK;

    snprintf(name, sizeof name, "%s.json", g->uuid);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *old = mw_read_file(path, &old_len);
    cf_time old_ts = mw_old_timestamp(old);

    if (old_ts != CF_TIME_NONE) {
        cf_buf_reset(&r->out);
        st = mw_event(r, set, g, o, old_ts);
        if (st == CF_OK && cf_buf_puts(&r->out, "\n") == CF_OK && r->out.len == old_len &&
            memcmp(r->out.data, old, old_len) == 0) {
            *ts = old_ts;
            goto out;
        }
    }
    *ts = mw_event_ts(g, o, CF_TIME_NONE);
    cf_buf_reset(&r->out);
    st = mw_event(r, set, g, o, CF_TIME_NONE);
    if (st == CF_OK) {
        st = cf_buf_puts(&r->out, "\n");
    }
    if (st == CF_OK) {
        st = mw_write_atomic(dir, name, r->out.data, r->out.len, false, err);
        *pending = st == CF_OK;
    }

out:
    free(old);
    return st;
}

cf_status cf_write_misp_feed_dir(const char *dir, const cf_iocset *set,
                                 const cf_write_opts *opts, cf_error *err)
{
    cf_write_opts o;
    mw_groups gs;
    mw_render r = {CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT,
                   opts ? opts->galaxy : NULL, {0, "", ""}, false};
    cf_buf manifest = CF_BUF_INIT, hashes = CF_BUF_INIT;
    EVP_MD_CTX *md_ctx = NULL;
    EVP_MD *md5 = NULL;
    bool *pending = NULL; /* per group: its event file waits for mw_commit() */
    char name[64];
    cf_status st;

    mw_opts(&o, opts);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        return cf_error_set(err, CF_EIO, dir, 0, "cannot create feed directory: %s",
                            strerror(errno));
    }
    st = mw_group_all(&gs, set, mw_feed_name(&(mw_group){0}, &o));
    if (st == CF_OK) {
        md_ctx = EVP_MD_CTX_new();
        md5 = EVP_MD_fetch(NULL, "MD5", NULL);
        pending = calloc(gs.n ? gs.n : 1, sizeof(*pending));
        st = md_ctx && md5 && pending ? CF_OK : CF_ENOMEM;
    }
    if (st == CF_OK) {
        st = cf_buf_puts(&manifest, "{");
    }
    for (size_t i = 0; st == CF_OK && i < gs.n; i++) {
        mw_group *g = &gs.g[i];
        cf_time ts = CF_TIME_NONE;
        mw_group_identity(g, &o, set);
        st = mw_feed_event(dir, &r, set, g, &o, &ts, &pending[i], err);
        if (st != CF_OK) {
            break;
        }

        /* The manifest entry repeats the event metadata with the same timestamp. */
        cf_buf_reset(&r.out);
        st = mw_meta(&r, g, &o, ts);
        if (st == CF_OK) {
            st = cf_buf_printf(&manifest, "%s\n  \"%s\": {%s}", i ? "," : "", g->uuid,
                               cf_buf_str(&r.out));
        }
        if (st == CF_OK) {
            st = mw_hashes(&hashes, &r.val, set, g, md_ctx, md5);
        }
    }
    if (st == CF_OK) {
        st = cf_buf_puts(&manifest, "\n}\n");
    }
    for (size_t i = 0; pending && i < gs.n; i++) {
        if (!pending[i]) {
            continue;
        }
        snprintf(name, sizeof name, "%s.json", gs.g[i].uuid);
        if (st == CF_OK) {
            st = mw_commit(dir, name, err);
        } else {
            mw_discard(dir, name);
        }
    }
    if (st == CF_OK) {
        st = mw_write_atomic(dir, "hashes.csv", cf_buf_str(&hashes), hashes.len, true, err);
    }
    if (st == CF_OK) {
        st = mw_write_atomic(dir, "manifest.json", manifest.data, manifest.len, true, err);
    }
    if (st == CF_OK) {
        mw_remove_stale(dir, &gs);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    if (st == CF_ENOMEM) {
        cf_error_set(err, CF_ENOMEM, dir, 0, "out of memory writing the MISP feed");
    }
    free(pending);
    EVP_MD_CTX_free(md_ctx);
    EVP_MD_free(md5);
    cf_buf_free(&manifest);
    cf_buf_free(&hashes);
    mw_render_free(&r);
    mw_groups_free(&gs);
    return st;
}
