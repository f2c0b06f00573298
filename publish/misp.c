/*
 * MISP writers: MISP event JSON and MISP feed directories.
 *
 * DESIGN
 * IOCs are grouped once: each source event of the set (cf_iocset_event_at)
 * becomes one MISP event holding the IOCs sighted in it; IOCs sighted
 * outside any event (CSV, text) form one event per feed. Every event is
 * rendered with the canonical values, the MISP type and describeTypes'
 * default category per IOC type (filename|hash and ip|port stay
 * composites), TLP tags (on an attribute only when it differs from the
 * event's), galaxy tags for actors and malware, and labels. Event uuids are
 * the source's, or UUIDv5 of the feed; attribute uuids are UUIDv5 of event
 * uuid, type and value, so the same content always gets the same uuids.
 * Timestamps are strings of whole seconds. A render goes to its drain (the
 * output stream, an event file, a comparison) every MW_DRAIN_BYTES, so no
 * event document is held whole.
 *
 * A feed directory holds manifest.json (keyed by event uuid), one
 * <uuid>.json per event and hashes.csv (md5 of each value and each part of
 * a composite, with the event uuid). The writer (cf_misp_feed) takes either
 * a whole set, whose groups index it, or one set after another (a store
 * read in chunks): each chunk is grouped, and each group's attributes are
 * appended as compact records to the event they belong to, in segments of
 * an unlinked temporary file, while the event's TLP (the one all its IOCs
 * share) is followed. On close every event is rendered from its records in
 * turn, on two threads: each renders alternate segments (64 KiB of records,
 * their attributes and hashes.csv lines) into buffers of its own, and hands
 * them on in segment order, so one renders while the other writes; the
 * output is the bytes a single render gives. An event whose file already
 * exists is first rendered with the old file's timestamp and compared with
 * the file as it goes: when all bytes match the content did not change and
 * the old timestamp (and file) stay; at the first difference it is rendered
 * again with the new timestamp into a temporary file. hashes.csv lines are
 * written during the first render that reaches an attribute (a segment's,
 * when its turn comes). Event files are synced and renamed together
 * after all are written, then hashes.csv and the manifest (held in memory,
 * one entry per event) last: a crash never leaves a partial file, and the
 * manifest is replaced only once every file it lists is in place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

/* A feed name, by its address, and its group: a table in front of the search by name. */
typedef struct mw_feedref {
    const char *feed;
    size_t group;
} mw_feedref;

typedef struct mw_groups {
    mw_group *g;
    size_t n, cap;
    wr_ids ids;            /* the event uuids of this write, and whose (wr_util.h) */
    mw_evref *sorted;
    size_t n_events;
    mw_feedref *feeds;     /* open addressing, NULL feed = empty slot */
    size_t n_feeds, cap_feeds;
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
    free(gs->feeds);
    wr_ids_free(&gs->ids);
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

static size_t mw_feed_slot(const mw_feedref *t, size_t cap, const char *feed)
{
    size_t h = (size_t)((((uintptr_t)feed >> 3) * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);

    while (t[h].feed && t[h].feed != feed) {
        h = (h + 1) & (cap - 1);
    }
    return h;
}

/* Remember that the feed name at this address belongs to group. */
static cf_status mw_feed_remember(mw_groups *gs, const char *feed, size_t group)
{
    if ((gs->n_feeds + 1) * 2 > gs->cap_feeds) {
        size_t cap = gs->cap_feeds ? gs->cap_feeds * 2 : 16;
        mw_feedref *t = calloc(cap, sizeof(*t));
        if (!t) {
            return CF_ENOMEM;
        }
        for (size_t i = 0; i < gs->cap_feeds; i++) {
            if (gs->feeds[i].feed) {
                t[mw_feed_slot(t, cap, gs->feeds[i].feed)] = gs->feeds[i];
            }
        }
        free(gs->feeds);
        gs->feeds = t;
        gs->cap_feeds = cap;
    }
    size_t h = mw_feed_slot(gs->feeds, gs->cap_feeds, feed);
    gs->feeds[h].feed = feed;
    gs->feeds[h].group = group;
    gs->n_feeds++;
    return CF_OK;
}

/*
 * The group of a feed, new when the feed has none. Names are compared as
 * strings; an address met before (names are interned in a set) is found
 * in the table without comparing them.
 */
static mw_group *mw_feed_group(mw_groups *gs, const char *feed)
{
    mw_group *g = NULL;

    if (feed && gs->cap_feeds) {
        size_t h = mw_feed_slot(gs->feeds, gs->cap_feeds, feed);
        if (gs->feeds[h].feed) {
            return &gs->g[gs->feeds[h].group];
        }
    }
    for (size_t i = gs->n_events; i < gs->n && !g; i++) {
        const char *f = gs->g[i].feed;
        if (f == feed || (f && feed && strcmp(f, feed) == 0)) {
            g = &gs->g[i];
        }
    }
    if (!g) {
        g = mw_group_new(gs);
        if (!g) {
            return NULL;
        }
        g->feed = feed;
    }
    if (feed && mw_feed_remember(gs, feed, (size_t)(g - gs->g)) != CF_OK) {
        return NULL;
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

/* The source event's own uuid of g, lower case, into g->uuid; false when it has none. */
static bool mw_group_own_uuid(mw_group *g)
{
    const cf_event *e = g->event;

    if (!e || !mw_is_uuid(e->uuid)) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        char ch = e->uuid[i];
        g->uuid[i] = (ch >= 'A' && ch <= 'F') ? (char)(ch - 'A' + 'a') : ch;
    }
    g->uuid[36] = '\0';
    return true;
}

/* Record the source events' own uuids of gs first: a derived one must not take one. */
static void mw_own_uuids(mw_groups *gs, wr_ids *seen)
{
    for (size_t i = 0; i < gs->n; i++) {
        if (mw_group_own_uuid(&gs->g[i])) {
            wr_ids_take(seen, gs->g[i].uuid, gs->g[i].event, NULL);
        }
    }
}

/*
 * The event uuid of g: its source event's, or UUIDv5 of the event's info
 * (its id when that is not a uuid) or of the feed, the next name while
 * another event of this write (seen) has that one.
 */
static void mw_group_uuid(mw_group *g, const cf_write_opts *o, wr_ids *seen)
{
    const cf_event *e = g->event;
    char name[512];

    if (mw_group_own_uuid(g)) {
        wr_ids_take(seen, g->uuid, e, NULL);
        return;
    }
    const char *what = e ? (e->info ? e->info : "") : mw_feed_name(g, o);
    for (unsigned k = 1;; k++) {
        const char *id = e && e->uuid ? e->uuid : "";
        int n = k == 1 ? snprintf(name, sizeof name, "misp-event:%s:%s", what, id)
                       : snprintf(name, sizeof name, "misp-event:%s:%s:%u", what, id, k);
        cf_uuid5(g->uuid, CF_NS, name, n > 0 ? (size_t)n : 0);
        if (wr_ids_take(seen, g->uuid, e, e ? NULL : what)) {
            return;
        }
    }
}

static void mw_group_identity(mw_group *g, const cf_write_opts *o, const cf_iocset *set,
                              wr_ids *seen)
{
    const cf_event *e = g->event;

    mw_group_uuid(g, o, seen);
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

/* Append n bytes: in place while the buffer has room (it nearly always has: it is reused). */
static inline cf_status mw_put(cf_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 <= b->cap) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return CF_OK;
    }
    return cf_buf_append(b, s, n);
}

/* Appends the n-1 bytes of a string literal. */
#define MW_LIT(b, lit) mw_put((b), (lit), sizeof(lit) - 1)

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

/* Takes the bytes a render holds (to write or compare them); a status other than CF_OK stops it. */
typedef cf_status (*mw_drain_fn)(void *ctx, const char *data, size_t len);

/* Bytes an event render holds before they go to its drain. */
#define MW_DRAIN_BYTES (64u << 10)

typedef struct mw_render {
    cf_buf out;
    cf_buf val;
    cf_buf tmp;
    cf_buf name;
    const cf_galaxy *gal; /* actor names resolved to cluster values, or NULL */
    wr_clock clock;       /* first_seen/last_seen texts; set up on first use */
    bool clock_set;
    mw_drain_fn drain;    /* NULL: an event stays whole in out */
    void *drain_ctx;
} mw_render;

/* Hand out to the drain once it holds at least min bytes, then empty it. */
static cf_status mw_drain(mw_render *r, size_t min)
{
    cf_status st;

    if (!r->drain || r->out.len < min || r->out.len == 0) {
        return CF_OK;
    }
    st = r->drain(r->drain_ctx, r->out.data, r->out.len);
    cf_buf_reset(&r->out);
    return st;
}

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

/* One attribute of group g; t is the latest time its sightings give (mw_ioc_time). */
static cf_status mw_attribute(mw_render *r, const cf_ioc *ioc, cf_time t, const mw_group *g,
                              cf_time ev_ts, bool first)
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

/* The head of {"Event": {...}} of group g with timestamp ts, up to the attribute list. */
static cf_status mw_event_head(mw_render *r, const mw_group *g, const cf_write_opts *o,
                               cf_time ts)
{
    cf_buf *b = &r->out;
    const cf_event *e = g->event;
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
    return st;
}

/*
 * Render {"Event": {...}} of group g into r->out (appended); with a drain,
 * r->out goes to it every MW_DRAIN_BYTES, and what is left stays in r->out.
 */
static cf_status mw_event(mw_render *r, const cf_iocset *set, const mw_group *g,
                          const cf_write_opts *o, cf_time override)
{
    cf_time ts = mw_event_ts(g, o, override);
    cf_status st = mw_event_head(r, g, o, ts);

    for (size_t i = 0; st == CF_OK && i < g->n; i++) {
        const cf_ioc *ioc = cf_iocset_at(set, g->iocs[i]);
        st = mw_attribute(r, ioc, mw_ioc_time(ioc, g), g, ts, i == 0);
        if (st == CF_OK) {
            st = mw_drain(r, MW_DRAIN_BYTES);
        }
    }
    if (st == CF_OK) {
        st = cf_buf_puts(&r->out, "]}}");
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

/* A drain into a stream. */
static cf_status mw_drain_file(void *ctx, const char *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? CF_OK : CF_EIO;
}

cf_status cf_write_misp(FILE *out, const cf_iocset *set, const cf_write_opts *opts,
                        cf_error *err)
{
    cf_write_opts o;
    mw_groups gs;
    mw_render r = {CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT, CF_BUF_INIT,
                   opts ? opts->galaxy : NULL, {0, "", ""}, false, mw_drain_file, out};
    cf_status st;
    size_t written = 0;

    mw_opts(&o, opts);
    st = mw_group_all(&gs, set, mw_feed_name(&(mw_group){0}, &o));
    if (st != CF_OK) {
        goto out;
    }
    mw_own_uuids(&gs, &gs.ids);
    bool many = gs.n > 1;
    if (many && fputs("{\"response\": [\n", out) == EOF) {
        st = CF_EIO;
        goto out;
    }
    /* each event goes out as it is rendered, MW_DRAIN_BYTES at a time */
    for (size_t i = 0; i < gs.n; i++) {
        mw_group_identity(&gs.g[i], &o, set, &gs.ids);
        cf_buf_reset(&r.out);
        if (written > 0) {
            st = cf_buf_puts(&r.out, ",\n");
        }
        if (st == CF_OK) {
            st = mw_event(&r, set, &gs.g[i], &o, CF_TIME_NONE);
        }
        if (st == CF_OK) {
            st = mw_drain(&r, 0);
        }
        if (st != CF_OK) {
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
        mw_group_identity(g, &o, set, &gs.ids);
        cf_buf_reset(&r.out);
        st = mw_event(&r, set, g, &o, CF_TIME_NONE);
        if (st == CF_OK) {
            st = mw_drain(&r, 0);
        }
        if (st != CF_OK) {
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

/* Write all of data to fd; false with errno on failure. */
static bool mf_write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            if (w == 0) {
                errno = EIO;
            }
            return false;
        }
        data += w;
        len -= (size_t)w;
    }
    return true;
}

/* Read len bytes at off of fd into buf; false on failure or a short file. */
static bool mf_pread_all(int fd, char *buf, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pread(fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = EIO;
            }
            return false;
        }
        buf += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return true;
}

/* Write data to dir/name through a temporary file, synced and renamed into place. */
static cf_status mw_write_atomic(const char *dir, const char *name, const char *data, size_t len,
                                 cf_error *err)
{
    char tmp[4096], path[4096];
    cf_status st = CF_OK;

    mw_paths(dir, name, tmp, path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return cf_error_set(err, CF_EIO, path, 0, "cannot create: %s", strerror(errno));
    }
    if (!mf_write_all(fd, data, len)) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot write: %s", strerror(errno));
    }
    if (close(fd) != 0 && st == CF_OK) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot close: %s", strerror(errno));
    }
    if (st != CF_OK) {
        unlink(tmp);
        return st;
    }
    return mw_commit(dir, name, err);
}

/* Bytes after the timestamp key kept in view while its digits are read. */
#define MF_EPOCH_MAX 32

/*
 * The event timestamp of an existing event file we wrote (the first
 * "timestamp" key, the event's own), or CF_TIME_NONE; read a block at a
 * time from fd's current offset.
 */
static cf_time mf_old_timestamp(int fd)
{
    static const char pat[] = "\"timestamp\": \"";
    const size_t plen = sizeof(pat) - 1;
    char buf[65536];
    size_t have = 0;
    bool eof = false;

    for (;;) {
        ssize_t n = eof ? 0 : read(fd, buf + have, sizeof(buf) - have);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        eof = eof || n <= 0;
        have += n > 0 ? (size_t)n : 0;
        const char *p = memmem(buf, have, pat, plen);
        if (p && !eof && (size_t)(buf + have - p) < plen + MF_EPOCH_MAX) {
            /* the digits may go on in the next block */
            have -= (size_t)(p - buf);
            memmove(buf, p, have);
            continue;
        }
        if (p) {
            const char *d = p + plen, *end = buf + have;
            size_t k = 0;
            cf_time t;
            while (d + k < end && d[k] >= '0' && d[k] <= '9') {
                k++;
            }
            if (k == 0 || d + k >= end || d[k] != '"' || cf_time_parse_epoch(&t, d, k) != CF_OK) {
                return CF_TIME_NONE;
            }
            return t;
        }
        if (eof) {
            return CF_TIME_NONE;
        }
        if (have >= plen) {
            /* a key cut by the block's end is found with the next block */
            memmove(buf, buf + have - (plen - 1), plen - 1);
            have = plen - 1;
        }
    }
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

/* Attribute records of one event, whole, at off in the spill file. */
typedef struct mf_seg {
    uint64_t off, len;
} mf_seg;

/* The fixed part of one attribute record; the strings follow, each NUL-terminated. */
typedef struct mf_rec {
    int64_t t;            /* mw_ioc_time of the IOC in its event */
    int64_t first_seen, last_seen;
    uint32_t len;         /* of the whole record */
    uint16_t n_labels, n_actors, n_malware;
    uint8_t type, hash_type, tlp, to_ids, has_comment;
} mf_rec;

/* Records of an event are written to the spill file this many bytes at a time. */
#define MF_SEG_BYTES (1u << 16)

/* One event of a feed directory being written. */
typedef struct mf_event {
    mw_group g;           /* identity; iocs index the set given whole */
    char *feed;           /* owned copy of g.feed when sets come one by one */
    cf_tlp tlp_first;     /* feed events: the TLP of the first IOC */
    bool tlp_same;        /* and whether every IOC so far has it */
    mf_seg *segs;         /* where its attributes wait, in order */
    size_t n_segs, cap_segs;
    size_t hashed;        /* attributes whose hashes.csv lines are written (set given whole) */
    size_t hashed_segs;   /* segments whose hashes.csv lines are written (sets one by one) */
    cf_time ts;           /* timestamp written for it */
    bool pending;         /* its file waits under its temporary name */
} mf_event;

/*
 * One of the two renderers of a spilled event: it reads a segment of
 * records back and renders it whole (attributes, hashes.csv lines) into
 * buffers of its own; the segments are then handed on in order.
 */
typedef struct mf_part {
    struct cf_misp_feed *w;
    mf_event *ev;
    cf_time ts;           /* the event timestamp of the render */
    size_t first, step;   /* its segments: first, first + step, ... */
    mw_render r;          /* r.out: the segment's attributes */
    cf_buf rec;           /* the segment read back */
    const char **strs;    /* labels, actors and malware of a record */
    size_t cap_strs;
    cf_buf hval;          /* a value being hashed */
    cf_buf hashes;        /* the segment's hashes.csv lines */
    EVP_MD_CTX *md_ctx;
    cf_error err;         /* why its render failed, reported at its turn */
} mf_part;

/* Whose turn it is to hand a rendered segment on; stop after a failure or a difference. */
typedef struct mf_turns {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    size_t next;          /* the segment to hand on next */
    bool stop;
    cf_status st;         /* the first failure (CF_EINVAL: a comparison differed) */
} mf_turns;

struct cf_misp_feed {
    char *dir;
    cf_write_opts o;
    mw_render r;
    mf_event *ev;
    size_t n_ev, cap_ev;
    const cf_iocset *whole; /* the set given whole (cf_write_misp_feed_dir), or NULL */
    cf_iocset *events;      /* copies of the source events of sets given one by one */
    wr_ids ids;             /* the event uuids of the feed, and whose (wr_util.h) */
    int spill;              /* unlinked temporary file of attribute records, or -1 */
    uint64_t spill_len;     /* bytes written to it */
    cf_buf rec;             /* records being spilled */
    cf_buf hval;            /* a value being hashed */
    cf_buf hashes;          /* hashes.csv lines not yet written */
    int hashes_fd;
    cf_buf manifest;
    EVP_MD_CTX *md_ctx;
    EVP_MD *md5;
    int old_fd, out_fd;     /* the event file compared with, the one written */
    uint64_t out_len, hashes_len; /* bytes of out_fd and hashes_fd written */
    wr_wb out_wb, hashes_wb;      /* their writeback */
    const char *cur;        /* its path, for messages */
    bool differs;           /* the comparison found a difference */
    uint64_t compared;      /* bytes found equal */
    cf_error *err;
    mf_part part[2];        /* the renderers of spilled events */
    mf_turns *turns;        /* their turns while an event renders */
    char cmp[MW_DRAIN_BYTES];
};

/* ---- attribute records ---- */

static cf_status mf_put_str(cf_buf *b, const char *s)
{
    return cf_buf_append(b, s, strlen(s) + 1);
}

/* Append the record of ioc (t: its time in the event) to b. */
static cf_status mf_rec_add(cf_buf *b, const cf_ioc *ioc, cf_time t)
{
    size_t start = b->len;
    mf_rec h;
    cf_status st;

    memset(&h, 0, sizeof(h));
    h.t = t;
    h.first_seen = ioc->first_seen;
    h.last_seen = ioc->last_seen;
    h.n_labels = ioc->n_labels;
    h.n_actors = ioc->n_actors;
    h.n_malware = ioc->n_malware;
    h.type = (uint8_t)ioc->type;
    h.hash_type = (uint8_t)ioc->hash_type;
    h.tlp = ioc->tlp;
    h.to_ids = ioc->to_ids;
    h.has_comment = ioc->comment != NULL;
    st = cf_buf_append(b, (const char *)&h, sizeof(h));
    if (st == CF_OK) {
        st = mf_put_str(b, ioc->value);
    }
    if (st == CF_OK && ioc->comment) {
        st = mf_put_str(b, ioc->comment);
    }
    for (size_t i = 0; st == CF_OK && i < ioc->n_labels; i++) {
        st = mf_put_str(b, ioc->labels[i]);
    }
    for (size_t i = 0; st == CF_OK && i < ioc->n_actors; i++) {
        st = mf_put_str(b, ioc->actors[i]);
    }
    for (size_t i = 0; st == CF_OK && i < ioc->n_malware; i++) {
        st = mf_put_str(b, ioc->malware[i]);
    }
    if (st == CF_OK) {
        h.len = (uint32_t)(b->len - start);
        memcpy(b->data + start, &h, sizeof(h));
    }
    return st;
}

/* The next string of a record at *p. */
static const char *mf_rec_str(const char **p)
{
    const char *s = *p;
    *p += strlen(s) + 1;
    return s;
}

/*
 * Read the record at data into *ioc and *t; its strings stay in data, its
 * lists in *strs (grown as needed, *cap entries).
 */
static cf_status mf_rec_read(const char ***strs, size_t *cap, const char *data, cf_ioc *ioc,
                             cf_time *t, uint32_t *len)
{
    const char *p = data + sizeof(mf_rec);
    mf_rec h;
    size_t n;

    memcpy(&h, data, sizeof(h));
    n = (size_t)h.n_labels + h.n_actors + h.n_malware;
    if (n > *cap) {
        const char **grown = realloc(*strs, n * sizeof(*grown));
        if (!grown) {
            return CF_ENOMEM;
        }
        *strs = grown;
        *cap = n;
    }
    memset(ioc, 0, sizeof(*ioc));
    ioc->type = (cf_ioc_type)h.type;
    ioc->hash_type = (cf_ioc_type)h.hash_type;
    ioc->tlp = h.tlp;
    ioc->to_ids = h.to_ids;
    ioc->port = -1;
    ioc->first_seen = h.first_seen;
    ioc->last_seen = h.last_seen;
    ioc->valid_until = CF_TIME_NONE;
    ioc->value = (char *)mf_rec_str(&p);
    ioc->comment = h.has_comment ? (char *)mf_rec_str(&p) : NULL;
    for (size_t i = 0; i < n; i++) {
        (*strs)[i] = mf_rec_str(&p);
    }
    ioc->labels = *strs;
    ioc->n_labels = h.n_labels;
    ioc->actors = *strs + h.n_labels;
    ioc->n_actors = h.n_actors;
    ioc->malware = *strs + h.n_labels + h.n_actors;
    ioc->n_malware = h.n_malware;
    *t = h.t;
    *len = h.len;
    return CF_OK;
}

/*
 * Create the spill file in the feed directory (its disk has room for the
 * event files it turns into), under a temporary name unlinked at once.
 */
static cf_status mf_spill_open(cf_misp_feed *w, cf_error *err)
{
    char tmp[4096], path[4096];

    mw_paths(w->dir, "attributes", tmp, path);
    unlink(tmp);
    w->spill = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (w->spill < 0) {
        return cf_error_set(err, CF_EIO, path, 0, "cannot create temporary file: %s",
                            strerror(errno));
    }
    unlink(tmp);
    return CF_OK;
}

/* Move the records in w->rec to the end of the spill file, as a segment of ev. */
static cf_status mf_spill_seg(cf_misp_feed *w, mf_event *ev, cf_error *err)
{
    cf_status st = CF_OK;

    if (w->rec.len == 0) {
        return CF_OK;
    }
    if (w->spill < 0) {
        st = mf_spill_open(w, err);
    }
    if (st == CF_OK && ev->n_segs == ev->cap_segs) {
        size_t cap = ev->cap_segs ? ev->cap_segs * 2 : 8;
        mf_seg *grown = realloc(ev->segs, cap * sizeof(*grown));
        if (!grown) {
            return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
        }
        ev->segs = grown;
        ev->cap_segs = cap;
    }
    if (st == CF_OK && !mf_write_all(w->spill, w->rec.data, w->rec.len)) {
        st = cf_error_set(err, CF_EIO, w->dir, 0, "cannot write the temporary file: %s",
                          strerror(errno));
    }
    if (st == CF_OK) {
        ev->segs[ev->n_segs].off = w->spill_len;
        ev->segs[ev->n_segs].len = w->rec.len;
        ev->n_segs++;
        w->spill_len += w->rec.len;
    }
    cf_buf_reset(&w->rec);
    return st;
}

/* ---- the writer ---- */

static bool mf_same_feed(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The event of chunk group cg already met in an earlier set, or NULL. */
static mf_event *mf_find(cf_misp_feed *w, const mw_group *cg)
{
    for (size_t i = 0; i < w->n_ev; i++) {
        mf_event *ev = &w->ev[i];
        bool same = cg->event ? ev->g.event && strcmp(ev->g.uuid, cg->uuid) == 0
                              : !ev->g.event && mf_same_feed(ev->feed, cg->feed);
        if (same) {
            return ev;
        }
    }
    return NULL;
}

static mf_event *mf_event_new(cf_misp_feed *w)
{
    if (w->n_ev == w->cap_ev) {
        size_t cap = w->cap_ev ? w->cap_ev * 2 : 16;
        mf_event *grown = realloc(w->ev, cap * sizeof(*grown));
        if (!grown) {
            return NULL;
        }
        w->ev = grown;
        w->cap_ev = cap;
    }
    mf_event *ev = &w->ev[w->n_ev++];
    memset(ev, 0, sizeof(*ev));
    ev->g.timestamp = CF_TIME_NONE;
    ev->ts = CF_TIME_NONE;
    return ev;
}

/* A new event for chunk group cg, with copies of what its set owns. */
static mf_event *mf_event_from(cf_misp_feed *w, const mw_group *cg)
{
    mf_event *ev = mf_event_new(w);

    if (!ev) {
        return NULL;
    }
    memcpy(ev->g.uuid, cg->uuid, sizeof(ev->g.uuid));
    if (cg->event) {
        w->events = w->events ? w->events : cf_iocset_new();
        ev->g.event = w->events ? cf_iocset_event(w->events, cg->event) : NULL;
        if (!ev->g.event) {
            w->n_ev--;
            return NULL;
        }
    } else if (cg->feed) {
        ev->feed = cf_strdup(cg->feed);
        if (!ev->feed) {
            w->n_ev--;
            return NULL;
        }
        ev->g.feed = ev->feed;
    }
    return ev;
}

cf_status cf_misp_feed_open(cf_misp_feed **out, const char *dir, const cf_write_opts *opts,
                            cf_error *err)
{
    cf_misp_feed *w;

    *out = NULL;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        return cf_error_set(err, CF_EIO, dir, 0, "cannot create feed directory: %s",
                            strerror(errno));
    }
    w = calloc(1, sizeof(*w));
    if (!w) {
        return cf_error_set(err, CF_ENOMEM, dir, 0, "out of memory writing the MISP feed");
    }
    w->spill = w->hashes_fd = w->old_fd = w->out_fd = -1;
    mw_opts(&w->o, opts);
    w->r.gal = opts ? opts->galaxy : NULL;
    w->r.drain_ctx = w;
    w->dir = cf_strdup(dir);
    w->md_ctx = EVP_MD_CTX_new();
    w->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    for (size_t i = 0; i < 2; i++) {
        w->part[i].w = w;
        w->part[i].r.gal = w->r.gal;
        w->part[i].md_ctx = EVP_MD_CTX_new();
    }
    if (!w->dir || !w->md_ctx || !w->md5 || !w->part[0].md_ctx || !w->part[1].md_ctx ||
        cf_buf_puts(&w->manifest, "{") != CF_OK) {
        cf_misp_feed_free(w);
        return cf_error_set(err, CF_ENOMEM, dir, 0, "out of memory writing the MISP feed");
    }
    *out = w;
    return CF_OK;
}

/* Spill the attributes of chunk group cg into its event (found or new). */
static cf_status mf_add_group(cf_misp_feed *w, const cf_iocset *set, mw_group *cg,
                              cf_error *err)
{
    mf_event *ev;
    cf_status st = CF_OK;

    mw_group_uuid(cg, &w->o, &w->ids);
    ev = mf_find(w, cg);
    ev = ev ? ev : mf_event_from(w, cg);
    if (!ev) {
        return cf_error_set(err, CF_ENOMEM, w->dir, 0, "out of memory writing the MISP feed");
    }
    cf_buf_reset(&w->rec);
    for (size_t i = 0; st == CF_OK && i < cg->n; i++) {
        const cf_ioc *ioc = cf_iocset_at(set, cg->iocs[i]);
        if (ev->g.n == 0) {
            ev->tlp_first = (cf_tlp)ioc->tlp;
            ev->tlp_same = true;
        } else if ((cf_tlp)ioc->tlp != ev->tlp_first) {
            ev->tlp_same = false;
        }
        ev->g.n++;
        st = mf_rec_add(&w->rec, ioc, mw_ioc_time(ioc, cg));
        if (st != CF_OK) {
            st = cf_error_set(err, st, w->dir, 0, "out of memory writing the MISP feed");
        } else if (w->rec.len >= MF_SEG_BYTES) {
            st = mf_spill_seg(w, ev, err);
        }
    }
    if (st == CF_OK) {
        st = mf_spill_seg(w, ev, err);
    }
    return st;
}

cf_status cf_misp_feed_add(cf_misp_feed *w, const cf_iocset *set, cf_error *err)
{
    mw_groups gs;
    cf_status st;

    if (w->whole) {
        return cf_error_set(err, CF_EINVAL, w->dir, 0, "MISP feed already given whole");
    }
    st = mw_group_all(&gs, set, mw_feed_name(&(mw_group){0}, &w->o));
    if (st != CF_OK) {
        st = cf_error_set(err, st, w->dir, 0, "out of memory writing the MISP feed");
    }
    for (size_t i = 0; st == CF_OK && i < gs.n; i++) {
        st = mf_add_group(w, set, &gs.g[i], err);
    }
    mw_groups_free(&gs);
    return st;
}

/* Take the groups of the whole set, as cf_write_misp_feed_dir writes them. */
static cf_status mf_add_whole(cf_misp_feed *w, const cf_iocset *set)
{
    mw_groups gs;
    cf_status st = mw_group_all(&gs, set, mw_feed_name(&(mw_group){0}, &w->o));

    if (st == CF_OK) {
        mw_own_uuids(&gs, &w->ids);
    }
    for (size_t i = 0; st == CF_OK && i < gs.n; i++) {
        mf_event *ev = mf_event_new(w);
        if (!ev) {
            st = CF_ENOMEM;
            break;
        }
        mw_group_identity(&gs.g[i], &w->o, set, &w->ids);
        ev->g = gs.g[i];
        gs.g[i].iocs = NULL; /* the event owns them now */
    }
    mw_groups_free(&gs);
    w->whole = set;
    return st;
}

/* Events given one set at a time: source events first, then feeds, each in first-seen order. */
static cf_status mf_order(cf_misp_feed *w)
{
    mf_event *sorted;
    size_t k = 0;

    if (w->whole || w->n_ev < 2) {
        return CF_OK;
    }
    sorted = malloc(w->n_ev * sizeof(*sorted));
    if (!sorted) {
        return CF_ENOMEM;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < w->n_ev; i++) {
            if ((w->ev[i].g.event != NULL) == (pass == 0)) {
                sorted[k++] = w->ev[i];
            }
        }
    }
    free(w->ev);
    w->ev = sorted;
    w->cap_ev = w->n_ev;
    return CF_OK;
}

/* The event TLP and timestamp of an event whose IOCs came one set at a time. */
static void mf_identity(mf_event *ev)
{
    const cf_event *e = ev->g.event;

    ev->g.tlp = e ? e->tlp : (ev->tlp_same ? ev->tlp_first : CF_TLP_NONE);
    ev->g.timestamp = e ? e->timestamp : CF_TIME_NONE;
}

/* ---- rendering an event file ---- */

/* The attributes of one event of the set given whole, in order. */
typedef struct mf_iter {
    cf_misp_feed *w;
    const mf_event *ev;
    size_t i;          /* attributes given so far */
} mf_iter;

/* The next attribute into *ioc (NULL after the last) and its time into *t. */
static void mf_next(mf_iter *it, const cf_ioc **ioc, cf_time *t)
{
    const mf_event *ev = it->ev;

    *ioc = NULL;
    if (it->i < ev->g.n) {
        *ioc = cf_iocset_at(it->w->whole, ev->g.iocs[it->i++]);
        *t = mw_ioc_time(*ioc, &ev->g);
    }
}

/* Write len bytes of data to hashes.csv. */
static bool mf_hashes_write(cf_misp_feed *w, const char *data, size_t len)
{
    if (!mf_write_all(w->hashes_fd, data, len)) {
        return false;
    }
    w->hashes_len += len;
    wr_writeback(w->hashes_fd, &w->hashes_wb, w->hashes_len);
    return true;
}

static cf_status mf_flush_hashes(cf_misp_feed *w)
{
    bool ok = mf_hashes_write(w, w->hashes.data, w->hashes.len);

    cf_buf_reset(&w->hashes);
    if (!ok) {
        return cf_error_set(w->err, CF_EIO, w->dir, 0, "cannot write hashes.csv: %s",
                            strerror(errno));
    }
    return CF_OK;
}

/*
 * hashes.csv lines of one attribute, appended to hashes: its value and
 * every part of a composite (hval is scratch).
 */
static cf_status mw_hash_ioc(cf_buf *hashes, cf_buf *hval, EVP_MD_CTX *ctx, const EVP_MD *md5,
                             const cf_ioc *ioc, const char *uuid)
{
    cf_status st;

    const char *type = cf_misp_type_for_ioc(ioc->type, ioc->hash_type);
    if (!type) {
        return CF_OK;
    }
    st = mw_value(hval, ioc);
    if (st != CF_OK) {
        return st;
    }
    const char *v = cf_buf_str(hval);
    st = mw_hash_line(hashes, ctx, md5, v, hval->len, uuid);
    /* only a composite type's value ("filename|md5") has parts: a URL may hold a '|' too */
    const char *bar = strchr(type, '|') ? strrchr(v, '|') : NULL;
    if (st == CF_OK && bar) {
        st = mw_hash_line(hashes, ctx, md5, v, (size_t)(bar - v), uuid);
        if (st == CF_OK) {
            st = mw_hash_line(hashes, ctx, md5, bar + 1, strlen(bar + 1), uuid);
        }
    }
    return st;
}

/* The hashes.csv lines of one attribute of the set given whole, written out now and then. */
static cf_status mf_hash_ioc(cf_misp_feed *w, const cf_ioc *ioc, const char *uuid)
{
    cf_status st = mw_hash_ioc(&w->hashes, &w->hval, w->md_ctx, w->md5, ioc, uuid);

    if (st == CF_OK && w->hashes.len >= MW_DRAIN_BYTES) {
        st = mf_flush_hashes(w);
    }
    return st;
}

/* A drain into the event file being written. */
static cf_status mf_drain_write(void *ctx, const char *data, size_t len)
{
    cf_misp_feed *w = ctx;

    if (!mf_write_all(w->out_fd, data, len)) {
        return cf_error_set(w->err, CF_EIO, w->cur, 0, "cannot write: %s", strerror(errno));
    }
    w->out_len += len;
    wr_writeback(w->out_fd, &w->out_wb, w->out_len);
    return CF_OK;
}

/* A drain that compares with the existing event file; it stops the render at a difference. */
static cf_status mf_drain_compare(void *ctx, const char *data, size_t len)
{
    cf_misp_feed *w = ctx;

    while (len > 0 && !w->differs) {
        size_t want = len < sizeof(w->cmp) ? len : sizeof(w->cmp);
        ssize_t got = read(w->old_fd, w->cmp, want);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0 || memcmp(w->cmp, data, (size_t)got) != 0) {
            w->differs = true;
            break;
        }
        data += got;
        len -= (size_t)got;
        w->compared += (uint64_t)got;
    }
    return w->differs ? CF_EINVAL : CF_OK;
}

/* The attributes of an event of the set given whole, into w->r's drain (mf_render). */
static cf_status mf_render_whole(cf_misp_feed *w, mf_event *ev, cf_time ts)
{
    mw_render *r = &w->r;
    mf_iter it;
    const cf_ioc *ioc = NULL;
    cf_time t = CF_TIME_NONE;
    size_t i = 0;
    cf_status st = CF_OK;

    memset(&it, 0, sizeof(it));
    it.w = w;
    it.ev = ev;
    mf_next(&it, &ioc, &t);
    while (st == CF_OK && ioc) {
        st = mw_attribute(r, ioc, t, &ev->g, ts, i == 0);
        if (st == CF_OK && i >= ev->hashed) {
            st = mf_hash_ioc(w, ioc, ev->g.uuid);
            ev->hashed = i + 1;
        }
        if (st == CF_OK) {
            st = mw_drain(r, MW_DRAIN_BYTES);
        }
        i++;
        mf_next(&it, &ioc, &t);
    }
    return st;
}

/* Render segment seg of p's event into p->r.out and, unless hashed before, p->hashes. */
static cf_status mf_seg_render(mf_part *p, size_t seg)
{
    cf_misp_feed *w = p->w;
    const mf_event *ev = p->ev;
    const mf_seg *sg = &ev->segs[seg];
    bool hash = seg >= ev->hashed_segs;
    size_t pos = 0;
    cf_status st = CF_OK;

    cf_buf_reset(&p->r.out);
    cf_buf_reset(&p->hashes);
    cf_buf_reset(&p->rec);
    if (cf_buf_reserve(&p->rec, sg->len) != CF_OK) {
        return cf_error_set(&p->err, CF_ENOMEM, w->dir, 0, "out of memory");
    }
    if (!mf_pread_all(w->spill, p->rec.data, sg->len, sg->off)) {
        return cf_error_set(&p->err, CF_EIO, w->dir, 0, "cannot read the temporary file: %s",
                            strerror(errno));
    }
    p->rec.len = sg->len;
    p->rec.data[sg->len] = '\0';
    while (st == CF_OK && pos < p->rec.len) {
        cf_ioc ioc;
        cf_time t = CF_TIME_NONE;
        uint32_t len = 0;
        st = mf_rec_read(&p->strs, &p->cap_strs, p->rec.data + pos, &ioc, &t, &len);
        if (st == CF_OK) {
            st = mw_attribute(&p->r, &ioc, t, &ev->g, p->ts, seg == 0 && pos == 0);
        }
        if (st == CF_OK && hash) {
            st = mw_hash_ioc(&p->hashes, &p->hval, p->md_ctx, w->md5, &ioc, ev->g.uuid);
        }
        pos += len;
    }
    if (st != CF_OK) {
        cf_error_set(&p->err, st, w->dir, 0, "out of memory");
    }
    return st;
}

/* Hand the segment p rendered on: its hashes.csv lines, then its bytes to w->r's drain. */
static cf_status mf_seg_commit(mf_part *p, size_t seg)
{
    cf_misp_feed *w = p->w;
    cf_status st = CF_OK;

    if (seg >= p->ev->hashed_segs) {
        if (w->hashes.len) {
            st = mf_flush_hashes(w);
        }
        if (st == CF_OK && !mf_hashes_write(w, p->hashes.data, p->hashes.len)) {
            st = cf_error_set(w->err, CF_EIO, w->dir, 0, "cannot write hashes.csv: %s",
                              strerror(errno));
        }
        p->ev->hashed_segs = seg + 1;
    }
    if (st == CF_OK && p->r.out.len) {
        st = w->r.drain(w->r.drain_ctx, p->r.out.data, p->r.out.len);
    }
    return st;
}

/* Render p's segments, each handed on at its turn; stops at the first failure of either part. */
static void *mf_part_run(void *arg)
{
    mf_part *p = arg;
    mf_turns *tu = p->w->turns;

    for (size_t seg = p->first; seg < p->ev->n_segs; seg += p->step) {
        cf_status st = mf_seg_render(p, seg);

        pthread_mutex_lock(&tu->lock);
        while (tu->next != seg && !tu->stop) {
            pthread_cond_wait(&tu->cv, &tu->lock);
        }
        bool stop = tu->stop;
        pthread_mutex_unlock(&tu->lock);
        if (stop) {
            break;
        }
        /* its turn: the other part waits, so w is this part's alone */
        if (st != CF_OK && p->w->err) {
            *p->w->err = p->err;
        }
        if (st == CF_OK) {
            st = mf_seg_commit(p, seg);
        }
        pthread_mutex_lock(&tu->lock);
        if (st != CF_OK) {
            tu->st = st;
            tu->stop = true;
        } else {
            tu->next = seg + 1;
        }
        pthread_cond_broadcast(&tu->cv);
        pthread_mutex_unlock(&tu->lock);
        if (st != CF_OK) {
            break;
        }
    }
    return NULL;
}

/*
 * The attributes of a spilled event, into w->r's drain: the two parts render
 * alternate segments at once (a second thread, or this one alone when none
 * can be started) and hand them on in order.
 */
static cf_status mf_render_spilled(cf_misp_feed *w, mf_event *ev, cf_time ts)
{
    mf_turns tu;
    pthread_t helper;
    bool two = false;

    memset(&tu, 0, sizeof(tu));
    pthread_mutex_init(&tu.lock, NULL);
    pthread_cond_init(&tu.cv, NULL);
    w->turns = &tu;
    for (size_t i = 0; i < 2; i++) {
        w->part[i].ev = ev;
        w->part[i].ts = ts;
        w->part[i].first = i;
        w->part[i].step = 2;
        cf_error_clear(&w->part[i].err);
    }
    if (ev->n_segs > 1) {
        two = pthread_create(&helper, NULL, mf_part_run, &w->part[1]) == 0;
    }
    if (!two) {
        w->part[0].step = 1;
    }
    mf_part_run(&w->part[0]);
    if (two) {
        pthread_join(helper, NULL);
    }
    w->turns = NULL;
    pthread_cond_destroy(&tu.cv);
    pthread_mutex_destroy(&tu.lock);
    return tu.st;
}

/*
 * Render event ev, with timestamp override (CF_TIME_NONE: its own), into
 * w->r's drain, and write the hashes.csv lines of the attributes not hashed
 * by an earlier render.
 */
static cf_status mf_render(cf_misp_feed *w, mf_event *ev, cf_time override)
{
    mw_render *r = &w->r;
    cf_time ts = mw_event_ts(&ev->g, &w->o, override);
    cf_status st;

    cf_buf_reset(&r->out);
    st = mw_event_head(r, &ev->g, &w->o, ts);
    if (st == CF_OK && !w->whole) {
        /* the head goes first: the segments are handed on straight to the drain */
        st = mw_drain(r, 0);
    }
    if (st == CF_OK) {
        st = w->whole ? mf_render_whole(w, ev, ts) : mf_render_spilled(w, ev, ts);
    }
    if (st == CF_OK) {
        st = cf_buf_puts(&r->out, "]}}\n");
    }
    if (st == CF_OK) {
        st = mw_drain(r, 0);
    }
    return st;
}

/*
 * True when the existing file of ev (open as w->old_fd) holds what ev
 * renders with the file's own timestamp, which then goes to *ts.
 */
static cf_status mf_unchanged(cf_misp_feed *w, mf_event *ev, bool *same, cf_time *ts)
{
    struct stat sb;
    cf_time old_ts = CF_TIME_NONE;
    cf_status st;

    *same = false;
    if (fstat(w->old_fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size >= (1L << 30)) {
        return CF_OK;
    }
    old_ts = mf_old_timestamp(w->old_fd);
    if (old_ts == CF_TIME_NONE || lseek(w->old_fd, 0, SEEK_SET) != 0) {
        return CF_OK;
    }
    w->differs = false;
    w->compared = 0;
    w->r.drain = mf_drain_compare;
    st = mf_render(w, ev, old_ts);
    if (st != CF_OK && w->differs) {
        st = CF_OK; /* stopped at the first difference */
    }
    *same = st == CF_OK && !w->differs && w->compared == (uint64_t)sb.st_size;
    *ts = old_ts;
    return st;
}

/*
 * Write the file of ev unless an identical one is there (its timestamp is
 * then kept); ev->ts gets the timestamp. A written file waits under its
 * temporary name (ev->pending) for mw_commit(). Then the manifest entry.
 */
static cf_status mf_write_event(cf_misp_feed *w, mf_event *ev, bool first)
{
    char name[64], tmp[4096], path[4096];
    bool same = false;
    cf_time ts = CF_TIME_NONE;
    cf_status st = CF_OK;

    snprintf(name, sizeof name, "%s.json", ev->g.uuid);
    mw_paths(w->dir, name, tmp, path);
    w->cur = path;
    w->old_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (w->old_fd >= 0) {
        st = mf_unchanged(w, ev, &same, &ts);
        close(w->old_fd);
        w->old_fd = -1;
    }
    if (st == CF_OK && !same) {
        ts = mw_event_ts(&ev->g, &w->o, CF_TIME_NONE);
        w->out_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        w->out_len = 0;
        w->out_wb = (wr_wb){0, 0};
        if (w->out_fd < 0) {
            st = cf_error_set(w->err, CF_EIO, path, 0, "cannot create: %s", strerror(errno));
        }
    }
    if (st == CF_OK && !same) {
        w->r.drain = mf_drain_write;
        st = mf_render(w, ev, CF_TIME_NONE);
        if (close(w->out_fd) != 0 && st == CF_OK) {
            st = cf_error_set(w->err, CF_EIO, path, 0, "cannot close: %s", strerror(errno));
        }
        w->out_fd = -1;
        ev->pending = st == CF_OK;
        if (st != CF_OK) {
            unlink(tmp);
        }
    }
    ev->ts = ts;
    w->r.drain = NULL;
    w->cur = NULL;

    /* The manifest entry repeats the event metadata with the same timestamp. */
    cf_buf_reset(&w->r.out);
    if (st == CF_OK) {
        st = mw_meta(&w->r, &ev->g, &w->o, ts);
    }
    if (st == CF_OK) {
        st = cf_buf_printf(&w->manifest, "%s\n  \"%s\": {%s}", first ? "" : ",", ev->g.uuid,
                           cf_buf_str(&w->r.out));
    }
    return st;
}

/* Remove <uuid>.json files of events no longer in the manifest. */
static void mf_remove_stale(const cf_misp_feed *w)
{
    DIR *d = opendir(w->dir);
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
        for (size_t i = 0; i < w->n_ev && !listed; i++) {
            listed = strcmp(w->ev[i].g.uuid, uuid) == 0;
        }
        if (!listed) {
            snprintf(path, sizeof path, "%s/%s", w->dir, de->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

/* Sync and rename every event file written (with st CF_OK), else remove them. */
static cf_status mf_commit_events(cf_misp_feed *w, cf_status st)
{
    char name[64];

    for (size_t i = 0; i < w->n_ev; i++) {
        if (!w->ev[i].pending) {
            continue;
        }
        snprintf(name, sizeof name, "%s.json", w->ev[i].g.uuid);
        if (st == CF_OK) {
            st = mw_commit(w->dir, name, w->err);
        } else {
            mw_discard(w->dir, name);
        }
        w->ev[i].pending = false;
    }
    return st;
}

cf_status cf_misp_feed_close(cf_misp_feed *w, cf_error *err)
{
    char tmp[4096], path[4096];
    cf_status st;

    if (!w) {
        return CF_OK;
    }
    w->err = err;
    st = mf_order(w);
    if (st == CF_OK) {
        mw_paths(w->dir, "hashes.csv", tmp, path);
        w->hashes_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (w->hashes_fd < 0) {
            st = cf_error_set(err, CF_EIO, path, 0, "cannot create: %s", strerror(errno));
        }
    }
    for (size_t i = 0; st == CF_OK && i < w->n_ev; i++) {
        if (!w->whole) {
            mf_identity(&w->ev[i]);
        }
        st = mf_write_event(w, &w->ev[i], i == 0);
    }
    if (st == CF_OK) {
        st = cf_buf_puts(&w->manifest, "\n}\n");
    }
    if (st == CF_OK && w->hashes.len) {
        st = mf_flush_hashes(w);
    }
    if (w->hashes_fd >= 0 && close(w->hashes_fd) != 0 && st == CF_OK) {
        st = cf_error_set(err, CF_EIO, path, 0, "cannot close: %s", strerror(errno));
    }
    w->hashes_fd = -1;

    /* event files reach their names once durable, then hashes.csv, the manifest last */
    st = mf_commit_events(w, st);
    if (st == CF_OK) {
        st = mw_commit(w->dir, "hashes.csv", err);
    } else {
        mw_discard(w->dir, "hashes.csv");
    }
    if (st == CF_OK) {
        st = mw_write_atomic(w->dir, "manifest.json", w->manifest.data, w->manifest.len, err);
    }
    if (st == CF_OK) {
        mf_remove_stale(w);
        int dfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    if (st == CF_ENOMEM) {
        cf_error_set(err, CF_ENOMEM, w->dir, 0, "out of memory writing the MISP feed");
    }
    cf_misp_feed_free(w);
    return st;
}

void cf_misp_feed_free(cf_misp_feed *w)
{
    if (!w) {
        return;
    }
    if (w->hashes_fd >= 0) {
        close(w->hashes_fd);
        mw_discard(w->dir, "hashes.csv");
    }
    mf_commit_events(w, CF_EINVAL);
    for (size_t i = 0; i < w->n_ev; i++) {
        free(w->ev[i].g.iocs);
        free(w->ev[i].feed);
        free(w->ev[i].segs);
    }
    free(w->ev);
    wr_ids_free(&w->ids);
    cf_iocset_free(w->events);
    if (w->spill >= 0) {
        close(w->spill);
    }
    mw_render_free(&w->r);
    cf_buf_free(&w->rec);
    cf_buf_free(&w->hval);
    cf_buf_free(&w->hashes);
    cf_buf_free(&w->manifest);
    for (size_t i = 0; i < 2; i++) {
        mw_render_free(&w->part[i].r);
        cf_buf_free(&w->part[i].rec);
        cf_buf_free(&w->part[i].hval);
        cf_buf_free(&w->part[i].hashes);
        free(w->part[i].strs);
        EVP_MD_CTX_free(w->part[i].md_ctx);
    }
    EVP_MD_CTX_free(w->md_ctx);
    EVP_MD_free(w->md5);
    free(w->dir);
    free(w);
}

cf_status cf_write_misp_feed_dir(const char *dir, const cf_iocset *set,
                                 const cf_write_opts *opts, cf_error *err)
{
    cf_misp_feed *w = NULL;
    cf_status st = cf_misp_feed_open(&w, dir, opts, err);

    if (st == CF_OK) {
        st = mf_add_whole(w, set);
    }
    if (st == CF_OK) {
        return cf_misp_feed_close(w, err);
    }
    if (st == CF_ENOMEM) {
        cf_error_set(err, CF_ENOMEM, dir, 0, "out of memory writing the MISP feed");
    }
    cf_misp_feed_free(w);
    return st;
}
