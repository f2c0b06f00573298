/*
 * The STIX 2.1 writer: one bundle holding the producer identity, one
 * indicator per IOC and per compound indicator, the malware families and
 * intrusion sets they indicate, and a report or grouping per source event.
 *
 * DESIGN
 * Objects are written by hand (no JSON DOM) into one reused buffer that is
 * handed to the stream every 256 KiB, so memory does not grow with the
 * output. Each bundle member sits on a line of its own. Everything written
 * is also fed to a SHA-1 digest, and the bundle's id, UUIDv5 in CF_NS of
 * that digest, is written last ({"type":"bundle","objects":[...],"id":...}):
 * the same set and the same `now` give the same bytes and the same id.
 *
 * Ids are deterministic (stix.h): indicators from their pattern, SCOs per
 * STIX 2.1 section 2.9, and everything else as UUIDv5 in CF_NS of a name
 * "<type>:<key>": identity:<lower-case name>, malware:<lower-case family>,
 * intrusion-set:<lower-case actor>, vulnerability:<CVE id>,
 * report:<event uuid> (a MISP event uuid is used as it is),
 * relationship:<source id>:indicates:<target id>. Objects whose content is
 * only their name (identities, malware, intrusion sets, relationships) are
 * created at the fixed instant 2020-01-01T00:00:00.000Z, so they are the
 * same object in every bundle; indicators take created/valid_from from the
 * IOC's first_seen and modified from its last_seen, or `now`.
 *
 * Per IOC: an indicator (a cve becomes a vulnerability object instead, as
 * a CVE is not observable), with labels = IOC labels + malware families,
 * external_references naming each source feed (with the source's element
 * id as external_id when it had one, else the description "source feed",
 * as a reference needs one of external_id, description or url), exactly
 * one TLP marking when the IOC or one of its source events is marked,
 * x_ctiflow_original when normalisation changed the value, and with_scos
 * its SCO (an endpoint contributes its address's SCO). A malware or
 * intrusion-set object is written the first time a name is met, then an
 * `indicates` relationship.
 * Source events are remembered per IOC as 17-byte references (kind + UUID)
 * and written at the end as reports (published events) or groupings. An
 * event keeps its latest SW_REFS_KEPT references in memory and appends
 * older blocks to a temporary file, read back in order when its report is
 * written, so a bundle of millions of indicators needs no array of them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ctiflow/limits.h"
#include "ctiflow/stix.h"
#include "ctiflow/writer.h"
#include "wr_util.h"

#define SW_FLUSH_BYTES (1u << 18)
#define SW_FIXED_TIME "2020-01-01T00:00:00.000Z"
#define SW_TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

enum { SW_REF_INDICATOR = 0, SW_REF_VULNERABILITY = 1, SW_REF_BYTES = 17 };
enum { SW_REFS_KEPT = 65536 }; /* references of one event held in memory */

/* One source event and the objects that came from it. */
typedef struct sw_event {
    const cf_event *ev;
    unsigned char *refs; /* SW_REF_BYTES each: kind, 16-byte UUID; the latest ones */
    size_t n_refs, cap_refs;
    FILE *spill;      /* the earlier ones, in order, or NULL */
    size_t n_spilled; /* references in spill */
    size_t last_ioc;  /* index + 1 of the last IOC added, to skip repeats */
} sw_event;

/* Ids of named objects already written: an open-addressing set of UUIDs. */
typedef struct sw_idset {
    unsigned char *keys; /* 16 bytes each; all-zero marks a free slot */
    size_t n, cap;
} sw_idset;

/* A named object already written: its kind, name and id (a repeat costs no digest). */
typedef struct sw_named_memo {
    const char *kind; /* "malware", "intrusion-set" or "actor"; NULL when unused */
    char name[232];
    char id[128];
} sw_named_memo;

enum { SW_MEMO_N = 8 };

typedef struct stix_w {
    FILE *out;
    const cf_write_opts *o;
    cf_buf b;   /* output not yet handed to the stream */
    cf_buf pat; /* pattern of the current indicator */
    cf_buf tmp; /* scratch: names, ids */
    cf_status st;
    int err_no; /* errno of the failed write, when st is CF_EIO */
    EVP_MD_CTX *digest;
    bool first;
    bool amber_strict;
    char identity[64];
    cf_time tcache[4];
    char tcache_s[4][32];
    unsigned tnext;
    wr_clock clock;
    sw_event *events; /* sorted by event pointer */
    size_t n_events;
    sw_idset named;
    const char **feeds; /* scratch: distinct feeds of one IOC */
    size_t cap_feeds;
    sw_named_memo memo[SW_MEMO_N]; /* recently met names (IOCs of an event share them) */
    unsigned memo_next;
    bool (*revoked)(void *ctx, const cf_ioc *ioc); /* of the set being written, or NULL */
    void *revoked_ctx;
    wr_ids ids; /* the events' report ids, and whose (wr_util.h) */
} stix_w;

/* ---------------------------------------------------------------- output */

/* Appends copy in place while the buffer has room (it nearly always has: it is reused). */
static inline void sw_put(stix_w *w, const char *s, size_t n)
{
    if (w->st == CF_OK && w->b.len + n + 1 <= w->b.cap) {
        memcpy(w->b.data + w->b.len, s, n);
        w->b.len += n;
        w->b.data[w->b.len] = '\0';
        return;
    }
    if (w->st == CF_OK && cf_buf_append(&w->b, s, n) != CF_OK) {
        w->st = CF_ENOMEM;
    }
}

#define SW_LIT(w, s) sw_put((w), (s), sizeof(s) - 1)

static void sw_puts(stix_w *w, const char *s)
{
    sw_put(w, s, strlen(s));
}

/* A quoted JSON string of n bytes. */
static void sw_strn(stix_w *w, const char *s, size_t n)
{
    if (w->st != CF_OK) {
        return;
    }
    size_t plain = 0;
    while (plain < n && (unsigned char)s[plain] >= 0x20 && s[plain] != '"' && s[plain] != '\\') {
        plain++;
    }
    if (plain == n && w->b.len + n + 3 <= w->b.cap) {
        char *d = w->b.data + w->b.len;
        d[0] = '"';
        memcpy(d + 1, s, n);
        d[n + 1] = '"';
        d[n + 2] = '\0';
        w->b.len += n + 2;
        return;
    }
    if (cf_buf_putc(&w->b, '"') != CF_OK || cf_buf_json_str(&w->b, s, n) != CF_OK ||
        cf_buf_putc(&w->b, '"') != CF_OK) {
        w->st = CF_ENOMEM;
    }
}

static void sw_str(stix_w *w, const char *s)
{
    sw_strn(w, s, strlen(s));
}

/* A quoted string known to need no escaping (ids, timestamps, names we own). */
static void sw_qraw(stix_w *w, const char *s)
{
    SW_LIT(w, "\"");
    sw_puts(w, s);
    SW_LIT(w, "\"");
}

static void sw_flush(stix_w *w, bool force)
{
    if (w->st != CF_OK || w->b.len == 0 || (!force && w->b.len < SW_FLUSH_BYTES)) {
        return;
    }
    if (!EVP_DigestUpdate(w->digest, w->b.data, w->b.len)) {
        w->st = CF_ENOMEM;
        return;
    }
    if (fwrite(w->b.data, 1, w->b.len, w->out) != w->b.len) {
        w->st = CF_EIO;
        w->err_no = errno;
    }
    cf_buf_reset(&w->b);
}

/* Start a bundle member: the separator and the common head of an SDO/SRO. */
static void sw_begin(stix_w *w, const char *type, const char *id)
{
    sw_flush(w, false);
    if (!w->first) {
        SW_LIT(w, ",\n");
    }
    w->first = false;
    SW_LIT(w, "{\"type\":\"");
    sw_puts(w, type);
    SW_LIT(w, "\",\"spec_version\":\"2.1\",\"id\":");
    sw_qraw(w, id);
}

/* ,"created_by_ref":...,"created":...,"modified":... */
static void sw_times(stix_w *w, const char *created, const char *modified)
{
    SW_LIT(w, ",\"created_by_ref\":");
    sw_qraw(w, w->identity);
    SW_LIT(w, ",\"created\":");
    sw_qraw(w, created);
    SW_LIT(w, ",\"modified\":");
    sw_qraw(w, modified);
}

static void sw_marking(stix_w *w, cf_tlp tlp)
{
    const char *id = cf_stix_tlp_marking_id(tlp);
    if (!id) {
        return;
    }
    if (tlp == CF_TLP_AMBER_STRICT) {
        w->amber_strict = true;
    }
    SW_LIT(w, ",\"object_marking_refs\":[");
    sw_qraw(w, id);
    SW_LIT(w, "]");
}

/* Formatted time, from a small cache of recent instants. Borrowed. */
static const char *sw_time(stix_w *w, cf_time t)
{
    for (unsigned i = 0; i < 4; i++) {
        if (w->tcache[i] == t) {
            return w->tcache_s[i];
        }
    }
    unsigned k = w->tnext;
    w->tnext = (k + 1) % 4;
    w->tcache[k] = t;
    memcpy(w->tcache_s[k], wr_clock_format(&w->clock, t), 25);
    return w->tcache_s[k];
}

/* ------------------------------------------------------------------- ids */

static int sw_hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : (c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1);
}

/* Value + 1 of each digit and lower-case hex letter; 0 for every other byte. */
static const unsigned char sw_lowhex1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/* 36-character UUID text to 16 bytes; false when malformed. */
static bool sw_uuid_bytes(unsigned char out[16], const char *s)
{
    /* Canonical lower-case text, the usual case, is converted without branches per digit. */
    static const size_t pos[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    bool plain = strnlen(s, 37) >= 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' &&
                 s[23] == '-';
    unsigned bad = 0;
    for (size_t j = 0; plain && j < 16; j++) {
        unsigned ha = sw_lowhex1[(unsigned char)s[pos[j]]];
        unsigned hb = sw_lowhex1[(unsigned char)s[pos[j] + 1]];
        bad |= (ha == 0) | (hb == 0);
        out[j] = (unsigned char)((ha - 1) << 4 | ((hb - 1) & 15));
    }
    if (plain && !bad) {
        return true;
    }
    size_t k = 0;
    for (size_t i = 0; s[i] && k < 16; i++) {
        if (s[i] == '-') {
            continue;
        }
        int hi = sw_hexval(s[i]);
        int lo = s[i + 1] ? sw_hexval(s[i + 1]) : -1;
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[k++] = (unsigned char)(hi << 4 | lo);
        i++;
    }
    return k == 16;
}

static void sw_uuid_text(char out[37], const unsigned char u[16])
{
    static const char hex[] = "0123456789abcdef";
    size_t p = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[p++] = '-';
        }
        out[p++] = hex[u[i] >> 4];
        out[p++] = hex[u[i] & 15];
    }
    out[p] = '\0';
}

/* True for a 36-character RFC 4122 UUID text of version 1 to 5 (what STIX ids need). */
static bool sw_is_uuid(const char *s)
{
    unsigned char u[16];
    return s && strlen(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' &&
           s[14] >= '1' && s[14] <= '5' && strchr("89abAB", s[19]) && sw_uuid_bytes(u, s);
}

/* "<type>--<uuid>" into out; truncated to "" when it does not fit. */
static void sw_join_id(char *out, size_t outsz, const char *type, const char *uuid)
{
    size_t tl = strlen(type);
    if (tl + 2 + 36 + 1 > outsz) {
        out[0] = '\0';
        return;
    }
    memcpy(out, type, tl);
    memcpy(out + tl, "--", 2);
    memcpy(out + tl + 2, uuid, 37);
}

/* "<type>--<uuid5 in CF_NS of '<type>:<lower-case key>'>" into out (128 bytes). */
static void sw_named_id(stix_w *w, char *out, size_t outsz, const char *type, const char *key)
{
    char u[37];
    cf_buf_reset(&w->tmp);
    if (cf_buf_puts(&w->tmp, type) != CF_OK || cf_buf_putc(&w->tmp, ':') != CF_OK ||
        cf_buf_puts(&w->tmp, key) != CF_OK) {
        w->st = CF_ENOMEM;
        out[0] = '\0';
        return;
    }
    for (size_t i = strlen(type) + 1; i < w->tmp.len; i++) {
        w->tmp.data[i] = (char)tolower((unsigned char)w->tmp.data[i]);
    }
    cf_uuid5(u, CF_NS, w->tmp.data, w->tmp.len);
    sw_join_id(out, outsz, type, u);
}

/* Insert the UUID of id ("type--uuid"); false when it was already there. */
static bool sw_idset_add(stix_w *w, sw_idset *s, const char *id)
{
    unsigned char k[16];
    const char *dash = strstr(id, "--");
    if (!dash || !sw_uuid_bytes(k, dash + 2)) {
        return true;
    }
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        unsigned char *keys = calloc(cap, 16);
        if (!keys) {
            w->st = CF_ENOMEM;
            return false;
        }
        for (size_t i = 0; i < s->cap; i++) {
            static const unsigned char zero[16];
            const unsigned char *old = s->keys + i * 16;
            if (memcmp(old, zero, 16) == 0) {
                continue;
            }
            size_t h = (((size_t)old[0] << 8 | old[1]) ^ ((size_t)old[9] << 16)) & (cap - 1);
            while (memcmp(keys + h * 16, zero, 16) != 0) {
                h = (h + 1) & (cap - 1);
            }
            memcpy(keys + h * 16, old, 16);
        }
        free(s->keys);
        s->keys = keys;
        s->cap = cap;
    }

    static const unsigned char zero[16];
    size_t h = (((size_t)k[0] << 8 | k[1]) ^ ((size_t)k[9] << 16)) & (s->cap - 1);
    while (memcmp(s->keys + h * 16, zero, 16) != 0) {
        if (memcmp(s->keys + h * 16, k, 16) == 0) {
            return false;
        }
        h = (h + 1) & (s->cap - 1);
    }
    memcpy(s->keys + h * 16, k, 16);
    s->n++;
    return true;
}

/* --------------------------------------------------------- named objects */

static void sw_identity(stix_w *w, const char *id, const char *name, const char *cls)
{
    sw_begin(w, "identity", id);
    SW_LIT(w, ",\"created\":\"" SW_FIXED_TIME "\",\"modified\":\"" SW_FIXED_TIME "\",\"name\":");
    sw_str(w, name);
    SW_LIT(w, ",\"identity_class\":\"");
    sw_puts(w, cls);
    SW_LIT(w, "\"}");
}

/* The id of a named object of kind already written under name into out; false if unknown. */
static bool sw_memo_get(const stix_w *w, const char *kind, const char *name, char out[128])
{
    for (unsigned i = 0; i < SW_MEMO_N; i++) {
        const sw_named_memo *m = &w->memo[i];
        if (m->kind && strcmp(m->kind, kind) == 0 && strcmp(m->name, name) == 0) {
            memcpy(out, m->id, 128);
            return true;
        }
    }
    return false;
}

/* Remember that the object of kind and name is written with id (long names are not kept). */
static void sw_memo_put(stix_w *w, const char *kind, const char *name, const char id[128])
{
    size_t n = strlen(name);
    if (w->st != CF_OK || n >= sizeof(w->memo[0].name) || id[0] == '\0') {
        return;
    }
    sw_named_memo *m = &w->memo[w->memo_next];
    w->memo_next = (w->memo_next + 1) % SW_MEMO_N;
    m->kind = kind;
    memcpy(m->name, name, n + 1);
    memcpy(m->id, id, 128);
}

/* Write a malware (is_family) or intrusion-set object once; its id into out. */
static void sw_named_object(stix_w *w, char out[128], const char *type, const char *name)
{
    if (sw_memo_get(w, type, name, out)) {
        return;
    }
    sw_named_id(w, out, 128, type, name);
    sw_memo_put(w, type, name, out);
    if (w->st != CF_OK || !sw_idset_add(w, &w->named, out)) {
        return;
    }
    sw_begin(w, type, out);
    sw_times(w, SW_FIXED_TIME, SW_FIXED_TIME);
    SW_LIT(w, ",\"name\":");
    sw_str(w, name);
    if (strcmp(type, "malware") == 0) {
        SW_LIT(w, ",\"is_family\":true");
    }
    SW_LIT(w, "}");
}

/*
 * The intrusion-set of an actor name: with a galaxy that resolves the name,
 * the cluster's (id from its uuid, name its value, aliases its synonyms),
 * else one named after the name.
 */
static void sw_actor_object(stix_w *w, char out[128], const char *name)
{
    static const char memo_kind[] = "actor";
    cf_actor_res res;
    const cf_actor *a = NULL;

    if (sw_memo_get(w, memo_kind, name, out)) {
        return;
    }
    if (w->o->galaxy &&
        cf_galaxy_resolve(w->o->galaxy, NULL, name, &res) != CF_ACTOR_AMBIGUOUS) {
        a = res.actor;
    }
    if (!a) {
        sw_named_object(w, out, "intrusion-set", name);
        return;
    }
    sw_join_id(out, 128, "intrusion-set", a->uuid);
    sw_memo_put(w, memo_kind, name, out);
    if (w->st != CF_OK || !sw_idset_add(w, &w->named, out)) {
        return;
    }
    sw_begin(w, "intrusion-set", out);
    sw_times(w, SW_FIXED_TIME, SW_FIXED_TIME);
    SW_LIT(w, ",\"name\":");
    sw_str(w, a->value);
    for (size_t i = 0; i < a->n_synonyms; i++) {
        if (i == 0) {
            SW_LIT(w, ",\"aliases\":[");
        } else {
            SW_LIT(w, ",");
        }
        sw_str(w, a->synonyms[i]);
    }
    if (a->n_synonyms) {
        SW_LIT(w, "]");
    }
    SW_LIT(w, "}");
}

static void sw_relationship(stix_w *w, const char *src, const char *type, const char *tgt,
                            cf_tlp tlp)
{
    char u[37];
    char id[128];
    cf_buf_reset(&w->tmp);
    if (cf_buf_append(&w->tmp, "relationship:", 13) != CF_OK ||
        cf_buf_puts(&w->tmp, src) != CF_OK || cf_buf_putc(&w->tmp, ':') != CF_OK ||
        cf_buf_puts(&w->tmp, type) != CF_OK || cf_buf_putc(&w->tmp, ':') != CF_OK ||
        cf_buf_puts(&w->tmp, tgt) != CF_OK) {
        w->st = CF_ENOMEM;
        return;
    }
    cf_uuid5(u, CF_NS, w->tmp.data, w->tmp.len);
    sw_join_id(id, sizeof(id), "relationship", u);

    sw_begin(w, "relationship", id);
    sw_times(w, SW_FIXED_TIME, SW_FIXED_TIME);
    SW_LIT(w, ",\"relationship_type\":\"");
    sw_puts(w, type);
    SW_LIT(w, "\",\"source_ref\":");
    sw_qraw(w, src);
    SW_LIT(w, ",\"target_ref\":");
    sw_qraw(w, tgt);
    sw_marking(w, tlp);
    SW_LIT(w, "}");
}

/* Malware and intrusion-set objects for the names, each indicated by src. */
static void sw_indicates(stix_w *w, const char *src, const char *const *malware, size_t n_malware,
                         const char *const *actors, size_t n_actors, cf_tlp tlp)
{
    char id[128];
    for (size_t i = 0; i < n_malware; i++) {
        sw_named_object(w, id, "malware", malware[i]);
        sw_relationship(w, src, "indicates", id, tlp);
    }
    for (size_t i = 0; i < n_actors; i++) {
        sw_actor_object(w, id, actors[i]);
        sw_relationship(w, src, "indicates", id, tlp);
    }
}

/* ---------------------------------------------------------------- events */

static int sw_event_cmp(const void *a, const void *b)
{
    const cf_event *x = ((const sw_event *)a)->ev, *y = ((const sw_event *)b)->ev;
    return x < y ? -1 : (x > y ? 1 : 0);
}

static sw_event *sw_event_find(stix_w *w, const cf_event *ev)
{
    sw_event key = {.ev = ev};
    if (!ev || w->n_events == 0) {
        return NULL;
    }
    return bsearch(&key, w->events, w->n_events, sizeof(sw_event), sw_event_cmp);
}

/* Remember that the object id (of kind) came from event e, once per IOC. */
static void sw_event_ref(stix_w *w, sw_event *e, int kind, const char *id, size_t ioc_mark)
{
    if (ioc_mark && e->last_ioc == ioc_mark) {
        return;
    }
    e->last_ioc = ioc_mark;
    if (e->n_refs == SW_REFS_KEPT) {
        /* The block in memory is full: it goes to the event's file. */
        e->spill = e->spill ? e->spill : tmpfile();
        if (!e->spill || fwrite(e->refs, SW_REF_BYTES, e->n_refs, e->spill) != e->n_refs) {
            w->st = CF_EIO;
        w->err_no = errno;
            return;
        }
        e->n_spilled += e->n_refs;
        e->n_refs = 0;
    }
    if (e->n_refs == e->cap_refs) {
        size_t cap = e->cap_refs ? e->cap_refs * 2 : 16;
        unsigned char *p = realloc(e->refs, cap * SW_REF_BYTES);
        if (!p) {
            w->st = CF_ENOMEM;
            return;
        }
        e->refs = p;
        e->cap_refs = cap;
    }
    unsigned char *r = e->refs + e->n_refs * SW_REF_BYTES;
    r[0] = (unsigned char)kind;
    if (sw_uuid_bytes(r + 1, strstr(id, "--") + 2)) {
        e->n_refs++;
    }
}

/* Note id under every source event of the IOC; mark is the IOC's index + 1. */
static void sw_ioc_events(stix_w *w, const cf_ioc *ioc, int kind, const char *id, size_t mark)
{
    for (uint32_t i = 0; i < ioc->n_sightings; i++) {
        sw_event *e = sw_event_find(w, ioc->sightings[i].event);
        if (e) {
            sw_event_ref(w, e, kind, id, mark);
        }
    }
}

/* The IOC's TLP, or the most restrictive TLP of its source events. */
static cf_tlp sw_ioc_tlp(const cf_ioc *ioc)
{
    cf_tlp t = (cf_tlp)ioc->tlp;
    for (uint32_t i = 0; t == CF_TLP_NONE && i < ioc->n_sightings; i++) {
        const cf_event *ev = ioc->sightings[i].event;
        if (ev && ev->tlp > t) {
            t = ev->tlp;
        }
    }
    return t;
}

/* ------------------------------------------------------------ indicators */

/* ,"labels":[...] of labels then families, each name once. */
static void sw_labels(stix_w *w, const char *const *a, size_t na, const char *const *b, size_t nb)
{
    size_t written = 0;
    for (size_t i = 0; i < na + nb; i++) {
        const char *s = i < na ? a[i] : b[i - na];
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) {
            const char *p = j < na ? a[j] : b[j - na];
            dup = p == s || strcmp(p, s) == 0;
        }
        if (dup || !*s) {
            continue;
        }
        if (written++ == 0) {
            SW_LIT(w, ",\"labels\":[");
        } else {
            SW_LIT(w, ",");
        }
        sw_str(w, s);
    }
    if (written) {
        SW_LIT(w, "]");
    }
}

/* ,"external_references":[...]: each distinct feed, with the first ref seen. */
static void sw_external_refs(stix_w *w, const cf_ioc *ioc)
{
    size_t nf = 0;
    for (uint32_t i = 0; i < ioc->n_sightings; i++) {
        const cf_sighting *s = &ioc->sightings[i];
        bool seen = !s->feed || !*s->feed;
        for (size_t j = 0; j < nf && !seen; j++) {
            seen = w->feeds[j] == s->feed || strcmp(w->feeds[j], s->feed) == 0;
        }
        if (seen) {
            continue;
        }
        if (nf == w->cap_feeds) {
            size_t cap = w->cap_feeds ? w->cap_feeds * 2 : 16;
            const char **p = realloc(w->feeds, cap * sizeof(*p));
            if (!p) {
                w->st = CF_ENOMEM;
                return;
            }
            w->feeds = p;
            w->cap_feeds = cap;
        }
        w->feeds[nf++] = s->feed;

        sw_puts(w, nf == 1 ? ",\"external_references\":[{\"source_name\":" : ",{\"source_name\":");
        sw_str(w, s->feed);
        /* A reference needs more than its name: the element id, or what it is. */
        if (s->ref && *s->ref) {
            SW_LIT(w, ",\"external_id\":");
            sw_str(w, s->ref);
        } else {
            SW_LIT(w, ",\"description\":\"source feed\"");
        }
        SW_LIT(w, "}");
    }
    if (nf) {
        SW_LIT(w, "]");
    }
}

/* True for a host name of LDH labels (what domain-name.value must be). */
static bool sw_ldh_host(const char *v)
{
    size_t label = 0;
    for (const char *p = v; *p; p++) {
        if (*p == '.') {
            if (label == 0 || p[-1] == '-') {
                return false;
            }
            label = 0;
            continue;
        }
        bool ok = isalnum((unsigned char)*p) || (*p == '-' && label > 0);
        if (!ok || ++label > 63 || (unsigned char)*p >= 0x80) {
            return false;
        }
    }
    return label > 0 && v[strlen(v) - 1] != '-';
}

/*
 * True for an ASCII URI of RFC 3986 characters (what url.value must be):
 * '[' and ']' only around an IP-literal host, one '#', '%' before two hex
 * digits.
 */
static bool sw_uri_chars(const char *v)
{
    static const char allowed[] = "-._~:/?#@!$&'()*+,;=%";
    const char *lit_open = NULL, *lit_close = NULL;
    const char *auth = strstr(v, "://");
    if (auth && auth[3] == '[') {
        lit_open = auth + 3;
        lit_close = strchr(lit_open, ']');
    }

    int hashes = 0;
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (p == lit_open || p == lit_close) {
            continue;
        }
        if (c == '%' && !(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]))) {
            return false;
        }
        if (c == '#' && ++hashes > 1) {
            return false;
        }
        if (c >= 0x80 || (!isalnum(c) && !strchr(allowed, c))) {
            return false;
        }
    }
    return true;
}

/*
 * Whether the SCO of ioc would meet its schema. The indicator is written
 * either way; an SCO is left out when feeds deliver values that STIX's
 * stricter SCO formats reject (a host name with '_', a URL with '|').
 */
static bool sw_sco_value_ok(const cf_ioc *ioc)
{
    switch (ioc->type) {
    case CF_IOC_DOMAIN:
        return sw_ldh_host(ioc->value);
    case CF_IOC_URL:
        return sw_uri_chars(ioc->value);
    default:
        return true;
    }
}

/* Hash key of a file IOC's digest: its hash_type, else from the digest length. */
static const char *sw_file_hash_alg(cf_ioc_type hash_type, size_t len)
{
    if (hash_type == CF_IOC_MD5 || (hash_type == CF_IOC_NONE && len == 32)) {
        return "MD5";
    }
    if (hash_type == CF_IOC_SHA1 || (hash_type == CF_IOC_NONE && len == 40)) {
        return "SHA-1";
    }
    if (hash_type == CF_IOC_SHA512 || (hash_type == CF_IOC_NONE && len == 128)) {
        return "SHA-512";
    }
    return "SHA-256";
}

/* The SCO of ioc (an endpoint's address for an endpoint), when it has one. */
static void sw_sco(stix_w *w, const cf_iocset *set, const cf_ioc *ioc, cf_tlp tlp)
{
    cf_ioc addr;
    char host[64];
    const cf_ioc *src = ioc;

    if (ioc->type == CF_IOC_ENDPOINT) {
        const char *v = ioc->value;
        const char *end = v[0] == '[' ? strchr(v, ']') : strrchr(v, ':');
        const char *start = v[0] == '[' ? v + 1 : v;
        if (!end || (size_t)(end - start) >= sizeof(host)) {
            return;
        }
        memcpy(host, start, (size_t)(end - start));
        host[end - start] = '\0';
        /* The address listed on its own brings its SCO itself. */
        if (cf_iocset_find(set, CF_IOC_IP, host)) {
            return;
        }
        memset(&addr, 0, sizeof(addr));
        addr.type = CF_IOC_IP;
        addr.value = host;
        src = &addr;
    }

    if (!sw_sco_value_ok(src)) {
        return;
    }
    cf_buf_reset(&w->tmp);
    if (cf_stix_sco_id(&w->tmp, src) != CF_OK) {
        return;
    }
    const char *id = w->tmp.data;
    size_t tlen = (size_t)(strstr(id, "--") - id);
    char type[32];
    if (tlen >= sizeof(type)) {
        return;
    }
    memcpy(type, id, tlen);
    type[tlen] = '\0';

    sw_begin(w, type, id);
    const char *v = src->value;
    switch (src->type) {
    case CF_IOC_FILE: {
        const char *bar = strrchr(v, '|');
        SW_LIT(w, ",\"hashes\":{\"");
        sw_puts(w, sw_file_hash_alg(src->hash_type, strlen(bar + 1)));
        SW_LIT(w, "\":");
        sw_str(w, bar + 1);
        SW_LIT(w, "},\"name\":");
        sw_strn(w, v, (size_t)(bar - v));
        break;
    }
    case CF_IOC_MD5:
    case CF_IOC_SHA1:
    case CF_IOC_SHA256:
    case CF_IOC_SHA512:
    case CF_IOC_SSDEEP:
    case CF_IOC_TLSH:
    case CF_IOC_X509_SHA1: {
        static const char *const alg[CF_IOC_TYPE_COUNT] = {
            [CF_IOC_MD5] = "MD5",         [CF_IOC_SHA1] = "SHA-1",    [CF_IOC_SHA256] = "SHA-256",
            [CF_IOC_SHA512] = "SHA-512",  [CF_IOC_SSDEEP] = "SSDEEP", [CF_IOC_TLSH] = "TLSH",
            [CF_IOC_X509_SHA1] = "SHA-1",
        };
        SW_LIT(w, ",\"hashes\":{\"");
        sw_puts(w, alg[src->type]);
        SW_LIT(w, "\":");
        sw_str(w, v);
        SW_LIT(w, "}");
        break;
    }
    case CF_IOC_FILENAME:
    case CF_IOC_MUTEX:
        SW_LIT(w, ",\"name\":");
        sw_str(w, v);
        break;
    case CF_IOC_REGKEY: {
        size_t skip = 0;
        const char *hive = cf_stix_regkey_hive(v, &skip);
        cf_buf_reset(&w->pat);
        if ((hive && cf_buf_puts(&w->pat, hive) != CF_OK) ||
            cf_buf_puts(&w->pat, v + skip) != CF_OK) {
            w->st = CF_ENOMEM;
            return;
        }
        SW_LIT(w, ",\"key\":");
        sw_strn(w, w->pat.data, w->pat.len);
        break;
    }
    case CF_IOC_ASN:
        SW_LIT(w, ",\"number\":");
        sw_puts(w, v + ((v[0] == 'A' || v[0] == 'a') ? 2 : 0));
        break;
    default:
        SW_LIT(w, ",\"value\":");
        sw_str(w, v);
        if (src->type == CF_IOC_EMAIL && src->display_name) {
            SW_LIT(w, ",\"display_name\":");
            sw_str(w, src->display_name);
        }
        break;
    }
    sw_marking(w, tlp);
    SW_LIT(w, "}");
}

/* created, modified and valid_from of an IOC's indicator. */
static void sw_ioc_times(const stix_w *w, const cf_ioc *ioc, cf_time *created, cf_time *modified)
{
    *created = ioc->first_seen != CF_TIME_NONE ? ioc->first_seen : w->o->now;
    *modified = *created;
    if (ioc->last_seen != CF_TIME_NONE && ioc->last_seen > *created) {
        *modified = ioc->last_seen;
    }
}

static void sw_vulnerability(stix_w *w, const cf_ioc *ioc, size_t index)
{
    char id[128];
    char created[40];
    cf_time c, m;

    sw_named_id(w, id, sizeof(id), "vulnerability", ioc->value);
    sw_ioc_times(w, ioc, &c, &m);
    memcpy(created, sw_time(w, c), 25);

    sw_begin(w, "vulnerability", id);
    sw_times(w, created, sw_time(w, m));
    SW_LIT(w, ",\"name\":");
    sw_str(w, ioc->value);
    if (ioc->comment) {
        SW_LIT(w, ",\"description\":");
        sw_str(w, ioc->comment);
    }
    sw_labels(w, ioc->labels, ioc->n_labels, NULL, 0);
    SW_LIT(w, ",\"external_references\":[{\"source_name\":\"cve\",\"external_id\":");
    sw_str(w, ioc->value);
    SW_LIT(w, "}]");
    sw_marking(w, sw_ioc_tlp(ioc));
    SW_LIT(w, "}");
    sw_ioc_events(w, ioc, SW_REF_VULNERABILITY, id, index + 1);
}

static void sw_indicator(stix_w *w, const cf_iocset *set, const cf_ioc *ioc, size_t index)
{
    char id[64];
    char created[40];
    cf_time c, m;

    cf_buf_reset(&w->pat);
    if (cf_stix_pattern(&w->pat, ioc) != CF_OK) {
        return;
    }
    cf_stix_indicator_id(id, w->pat.data);
    sw_ioc_times(w, ioc, &c, &m);
    memcpy(created, sw_time(w, c), 25);
    cf_tlp tlp = sw_ioc_tlp(ioc);

    bool revoked = w->revoked && w->revoked(w->revoked_ctx, ioc);
    if (revoked && m < w->o->now) {
        m = w->o->now; /* revoked now, never before it was created */
    }

    sw_begin(w, "indicator", id);
    sw_times(w, created, sw_time(w, m));
    if (revoked) {
        SW_LIT(w, ",\"revoked\":true");
    }
    SW_LIT(w, ",\"name\":");
    sw_str(w, ioc->value);
    if (ioc->comment) {
        SW_LIT(w, ",\"description\":");
        sw_str(w, ioc->comment);
    }
    SW_LIT(w, ",\"indicator_types\":[\"malicious-activity\"],\"pattern\":");
    sw_strn(w, w->pat.data, w->pat.len);
    SW_LIT(w, ",\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\",\"valid_from\":");
    sw_qraw(w, created);
    if (ioc->valid_until != CF_TIME_NONE && ioc->valid_until > c) {
        SW_LIT(w, ",\"valid_until\":");
        sw_qraw(w, sw_time(w, ioc->valid_until));
    }
    sw_labels(w, ioc->labels, ioc->n_labels, ioc->malware, ioc->n_malware);
    if (ioc->confidence >= 0) {
        char num[24];
        SW_LIT(w, ",\"confidence\":");
        sw_put(w, num, cf_int64_text(num, ioc->confidence));
    }
    sw_external_refs(w, ioc);
    sw_marking(w, tlp);
    if (ioc->original) {
        SW_LIT(w, ",\"x_ctiflow_original\":");
        sw_str(w, ioc->original);
    }
    SW_LIT(w, "}");

    if (w->o->with_scos) {
        sw_sco(w, set, ioc, tlp);
    }
    sw_indicates(w, id, ioc->malware, ioc->n_malware, ioc->actors, ioc->n_actors, tlp);
    sw_ioc_events(w, ioc, SW_REF_INDICATOR, id, index + 1);
}

static void sw_compound(stix_w *w, const cf_compound *c)
{
    char id[64];
    if (!c->pattern || !*c->pattern || strlen(c->pattern) > CF_MAX_PATTERN_BYTES) {
        return;
    }
    cf_stix_indicator_id(id, c->pattern);
    const char *t = sw_time(w, c->valid_from != CF_TIME_NONE ? c->valid_from : w->o->now);
    char created[40];
    memcpy(created, t, 25);

    sw_begin(w, "indicator", id);
    sw_times(w, created, created);
    if (c->name) {
        SW_LIT(w, ",\"name\":");
        sw_str(w, c->name);
    }
    SW_LIT(w, ",\"indicator_types\":[\"malicious-activity\"],\"pattern\":");
    sw_str(w, c->pattern);
    SW_LIT(w, ",\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\",\"valid_from\":");
    sw_qraw(w, created);
    sw_labels(w, c->labels, c->n_labels, c->malware, c->n_malware);
    if (c->feed && *c->feed) {
        SW_LIT(w, ",\"external_references\":[{\"source_name\":");
        sw_str(w, c->feed);
        if (c->id && *c->id) {
            SW_LIT(w, ",\"external_id\":");
            sw_str(w, c->id);
        } else {
            SW_LIT(w, ",\"description\":\"source feed\"");
        }
        SW_LIT(w, "}]");
    }
    cf_tlp tlp = c->tlp != CF_TLP_NONE ? c->tlp : (c->event ? c->event->tlp : CF_TLP_NONE);
    sw_marking(w, tlp);
    SW_LIT(w, "}");

    sw_indicates(w, id, c->malware, c->n_malware, c->actors, c->n_actors, tlp);
    sw_event *e = sw_event_find(w, c->event);
    if (e) {
        sw_event_ref(w, e, SW_REF_INDICATOR, id, 0);
    }
}

/* ------------------------------------------------------- reports/groupings */

/* Write n references; *count says how many were written before. */
static void sw_refs_block(stix_w *w, const unsigned char *refs, size_t n, size_t *count)
{
    static const char *const kinds[] = {"indicator--", "vulnerability--"};
    char u[37];

    for (size_t i = 0; i < n; i++) {
        const unsigned char *r = refs + i * SW_REF_BYTES;
        sw_uuid_text(u, r + 1);
        sw_puts(w, (*count)++ ? ",\"" : "\"");
        sw_puts(w, kinds[r[0] & 1]);
        sw_put(w, u, 36);
        SW_LIT(w, "\"");
        sw_flush(w, false);
    }
}

/* The references an event sent to its file, read back block by block. */
static void sw_refs_spilled(stix_w *w, const sw_event *e, size_t *count)
{
    enum { BLOCK = 4096 };
    size_t left = e->n_spilled;

    if (!left || w->st != CF_OK) {
        return;
    }
    unsigned char *buf = malloc((size_t)BLOCK * SW_REF_BYTES);
    if (!buf || fflush(e->spill) != 0 || fseek(e->spill, 0, SEEK_SET) != 0) {
        w->st = buf ? CF_EIO : CF_ENOMEM;
    }
    while (left && w->st == CF_OK) {
        size_t n = left < BLOCK ? left : BLOCK;
        if (fread(buf, SW_REF_BYTES, n, e->spill) != n) {
            w->st = CF_EIO;
        w->err_no = errno;
            break;
        }
        sw_refs_block(w, buf, n, count);
        left -= n;
    }
    free(buf);
}

/* The object_refs of an event: its indicators, vulnerabilities, families, actors. */
static void sw_event_refs(stix_w *w, const sw_event *e, char (*named)[128], size_t n_named)
{
    size_t count = 0;

    SW_LIT(w, ",\"object_refs\":[");
    sw_refs_spilled(w, e, &count);
    sw_refs_block(w, e->refs, e->n_refs, &count);
    for (size_t i = 0; i < n_named; i++) {
        sw_puts(w, count++ ? ",\"" : "\"");
        sw_puts(w, named[i]);
        SW_LIT(w, "\"");
    }
    SW_LIT(w, "]");
}

/*
 * The report or grouping id of an event: its uuid, or one derived from its
 * id (when that is not a uuid) or its title and date, the next name while
 * another event of the bundle has that one (sw_own_ids records the events'
 * own uuids first).
 */
static void sw_event_id(stix_w *w, char out[128], const cf_event *ev, const char *type)
{
    char stamp[40];
    if (sw_is_uuid(ev->uuid)) {
        snprintf(out, 128, "%s--%s", type, ev->uuid);
        for (char *p = out; *p; p++) {
            *p = (char)tolower((unsigned char)*p);
        }
        return;
    }
    stamp[0] = '\0';
    if (ev->date != CF_TIME_NONE) {
        cf_time_format_rfc3339(stamp, sizeof(stamp), ev->date);
    }
    char u[37];
    for (unsigned k = 1;; k++) {
        /* the key: the event's id when it is not a uuid, else its info and date */
        cf_buf_reset(&w->pat);
        cf_status st = ev->uuid && *ev->uuid ? cf_buf_puts(&w->pat, ev->uuid)
                                             : cf_buf_printf(&w->pat, "%s@%s",
                                                             ev->info ? ev->info : "", stamp);
        if (st == CF_OK && k > 1) {
            st = cf_buf_printf(&w->pat, "#%u", k);
        }
        if (st != CF_OK) {
            w->st = CF_ENOMEM;
        }
        sw_named_id(w, out, 128, "report", cf_buf_str(&w->pat));
        /* Same UUID for either type; only the prefix follows the type. */
        const char *dash = strstr(out, "--");
        snprintf(u, sizeof(u), "%s", dash ? dash + 2 : "");
        if (w->st != CF_OK || wr_ids_take(&w->ids, u, ev, NULL)) {
            break;
        }
    }
    snprintf(out, 128, "%s--%s", type, u);
}

/* Record the events' own uuids (lower case) before any id is derived. */
static void sw_own_ids(stix_w *w, const cf_iocset *set)
{
    char u[37];

    for (size_t i = 0; i < cf_iocset_event_count(set); i++) {
        const cf_event *ev = cf_iocset_event_at(set, i);
        if (sw_is_uuid(ev->uuid)) {
            for (size_t k = 0; k < 37; k++) {
                u[k] = (char)tolower((unsigned char)ev->uuid[k]);
            }
            wr_ids_take(&w->ids, u, ev, NULL);
        }
    }
}

static void sw_event_object(stix_w *w, const sw_event *e)
{
    const cf_event *ev = e->ev;
    char(*named)[128] = NULL;
    size_t n_named = (size_t)ev->n_malware + ev->n_actors;
    char id[128];
    char by[128];

    if (e->n_spilled + e->n_refs + n_named == 0) {
        return;
    }
    named = calloc(n_named ? n_named : 1, sizeof(*named));
    if (!named) {
        w->st = CF_ENOMEM;
        return;
    }
    for (size_t i = 0; i < n_named; i++) {
        bool mw = i < ev->n_malware;
        const char *name = mw ? ev->malware[i] : ev->actors[i - ev->n_malware];
        if (mw) {
            sw_named_object(w, named[i], "malware", name);
        } else {
            sw_actor_object(w, named[i], name);
        }
    }
    by[0] = '\0';
    if (ev->orgc && *ev->orgc) {
        sw_named_id(w, by, sizeof(by), "identity", ev->orgc);
        if (w->st == CF_OK && sw_idset_add(w, &w->named, by)) {
            sw_identity(w, by, ev->orgc, "organization");
        }
    }

    cf_time c = ev->date != CF_TIME_NONE
                    ? ev->date
                    : (ev->timestamp != CF_TIME_NONE ? ev->timestamp : w->o->now);
    cf_time m = ev->timestamp != CF_TIME_NONE && ev->timestamp > c ? ev->timestamp : c;
    char created[40];
    memcpy(created, sw_time(w, c), 25);
    const char *type = ev->published ? "report" : "grouping";
    sw_event_id(w, id, ev, type);

    sw_begin(w, type, id);
    SW_LIT(w, ",\"created_by_ref\":");
    sw_qraw(w, by[0] ? by : w->identity);
    SW_LIT(w, ",\"created\":");
    sw_qraw(w, created);
    SW_LIT(w, ",\"modified\":");
    sw_qraw(w, sw_time(w, m));
    SW_LIT(w, ",\"name\":");
    sw_str(w, ev->info && *ev->info ? ev->info : (ev->uuid ? ev->uuid : "event"));
    if (ev->published) {
        cf_time p = ev->publish_timestamp != CF_TIME_NONE ? ev->publish_timestamp : m;
        SW_LIT(w, ",\"report_types\":[\"threat-report\"],\"published\":");
        sw_qraw(w, sw_time(w, p));
    } else {
        SW_LIT(w, ",\"context\":\"suspicious-activity\"");
    }
    sw_labels(w, ev->labels, ev->n_labels, NULL, 0);
    sw_event_refs(w, e, named, n_named);
    if (ev->uuid && *ev->uuid) {
        SW_LIT(w, ",\"external_references\":[{\"source_name\":\"");
        sw_puts(w, sw_is_uuid(ev->uuid) ? "misp" : "stix");
        SW_LIT(w, "\",\"external_id\":");
        sw_str(w, ev->uuid);
        SW_LIT(w, "}]");
    }
    sw_marking(w, ev->tlp);
    SW_LIT(w, "}");
    free(named);
}

/* ----------------------------------------------------------------- driver */

static void sw_amber_strict(stix_w *w)
{
    sw_begin(w, "marking-definition", cf_stix_tlp_marking_id(CF_TLP_AMBER_STRICT));
    SW_LIT(w, ",\"created\":\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:AMBER+STRICT\","
              "\"extensions\":{\"" SW_TLP2_EXT "\":{\"extension_type\":\"property-extension\","
              "\"tlp_2_0\":\"amber+strict\"}}}");
}

static cf_status sw_setup(stix_w *w, FILE *out, const cf_write_opts *o)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->o = o;
    w->first = true;
    for (unsigned i = 0; i < 4; i++) {
        w->tcache[i] = CF_TIME_NONE;
    }
    wr_clock_init(&w->clock);

    w->digest = EVP_MD_CTX_new();
    if (!w->digest || !EVP_DigestInit_ex2(w->digest, EVP_sha1(), NULL)) {
        return CF_ENOMEM;
    }
    return CF_OK;
}

/* The source events of set (none when NULL), sorted for sw_event_find, replacing the previous. */
static cf_status sw_set_events(stix_w *w, const cf_iocset *set)
{
    for (size_t i = 0; i < w->n_events; i++) {
        free(w->events[i].refs);
    }
    free(w->events);
    w->events = NULL;
    w->n_events = set ? cf_iocset_event_count(set) : 0;
    if (w->n_events) {
        w->events = calloc(w->n_events, sizeof(sw_event));
        if (!w->events) {
            w->n_events = 0;
            return CF_ENOMEM;
        }
        for (size_t i = 0; i < w->n_events; i++) {
            w->events[i].ev = cf_iocset_event_at(set, i);
        }
        cf_sort(w->events, w->n_events, sizeof(sw_event), sw_event_cmp);
    }
    return CF_OK;
}

static void sw_teardown(stix_w *w)
{
    for (size_t i = 0; i < w->n_events; i++) {
        free(w->events[i].refs);
        if (w->events[i].spill) {
            fclose(w->events[i].spill);
        }
    }
    free(w->events);
    free(w->named.keys);
    free(w->feeds);
    wr_ids_free(&w->ids);
    EVP_MD_CTX_free(w->digest);
    cf_buf_free(&w->b);
    cf_buf_free(&w->pat);
    cf_buf_free(&w->tmp);
}

/* Open the bundle: its head and the producer identity. */
static void sw_head(stix_w *w)
{
    const char *producer = w->o->producer && *w->o->producer ? w->o->producer : "ctiflow";

    SW_LIT(w, "{\"type\":\"bundle\",\"objects\":[\n");
    sw_named_id(w, w->identity, sizeof(w->identity), "identity", producer);
    sw_idset_add(w, &w->named, w->identity);
    sw_identity(w, w->identity, producer, "system");
}

/* The members of one set: indicators, compound indicators, then its events. */
static void sw_members(stix_w *w, const cf_iocset *set)
{
    if (w->st == CF_OK) {
        w->st = sw_set_events(w, set);
    }
    size_t n = cf_iocset_count(set);
    for (size_t i = 0; i < n && w->st == CF_OK; i++) {
        const cf_ioc *ioc = cf_iocset_at(set, i);
        if (ioc->type == CF_IOC_CVE) {
            sw_vulnerability(w, ioc, i);
        } else {
            sw_indicator(w, set, ioc, i);
        }
    }
    size_t nc = cf_iocset_compound_count(set);
    for (size_t i = 0; i < nc && w->st == CF_OK; i++) {
        sw_compound(w, cf_iocset_compound_at(set, i));
    }
    sw_own_ids(w, set);
    for (size_t i = 0; i < cf_iocset_event_count(set) && w->st == CF_OK; i++) {
        sw_event_object(w, sw_event_find(w, cf_iocset_event_at(set, i)));
    }
}

/* Close the bundle with its content-derived id. */
static void sw_tail(stix_w *w)
{
    if (w->amber_strict) {
        sw_amber_strict(w);
    }
    SW_LIT(w, "\n]");
    sw_flush(w, true);

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    char u[37];
    if (w->st != CF_OK || !EVP_DigestFinal_ex(w->digest, md, &mdlen)) {
        w->st = w->st != CF_OK ? w->st : CF_ENOMEM;
        return;
    }
    for (unsigned i = 0; i < mdlen; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    cf_uuid5(u, CF_NS, hex, 2 * mdlen);
    SW_LIT(w, ",\"id\":\"bundle--");
    sw_put(w, u, 36);
    SW_LIT(w, "\"}\n");
    if (w->st == CF_OK && fwrite(w->b.data, 1, w->b.len, w->out) != w->b.len) {
        w->st = CF_EIO;
        w->err_no = errno;
    }
    if (w->st == CF_OK && fflush(w->out) != 0) {
        w->st = CF_EIO;
        w->err_no = errno;
    }
}

static cf_status sw_error(cf_status st, int err_no, cf_error *err)
{
    if (st == CF_EIO) {
        return cf_error_set(err, st, NULL, 0, "cannot write stix2 output: %s",
                            strerror(err_no ? err_no : EIO));
    }
    if (st != CF_OK) {
        return cf_error_set(err, st, NULL, 0, "out of memory writing stix2 output");
    }
    return CF_OK;
}

/* A bundle written one set after another (writer.h). */
struct cf_stix2_stream {
    stix_w w;
    cf_write_opts o;
};

cf_status cf_stix2_stream_open(cf_stix2_stream **out, FILE *fp, const cf_write_opts *o,
                               cf_error *err)
{
    cf_stix2_stream *s = calloc(1, sizeof(*s));
    cf_status st;

    *out = NULL;
    if (!s) {
        return sw_error(CF_ENOMEM, 0, err);
    }
    if (o) {
        s->o = *o;
    } else {
        cf_write_opts_init(&s->o);
    }
    st = sw_setup(&s->w, fp, &s->o);
    if (st == CF_OK) {
        sw_head(&s->w);
        st = s->w.st;
    }
    if (st != CF_OK) {
        int err_no = s->w.err_no;
        sw_teardown(&s->w);
        free(s);
        return sw_error(st, err_no, err);
    }
    *out = s;
    return CF_OK;
}

cf_status cf_stix2_stream_add(cf_stix2_stream *s, const cf_iocset *set,
                              bool (*revoked)(void *ctx, const cf_ioc *ioc), void *ctx,
                              cf_error *err)
{
    s->w.revoked = revoked;
    s->w.revoked_ctx = ctx;
    sw_members(&s->w, set);
    s->w.revoked = NULL;
    /* the events of set are written: nothing may point into it any more */
    if (sw_set_events(&s->w, NULL) != CF_OK && s->w.st == CF_OK) {
        s->w.st = CF_ENOMEM;
    }
    return sw_error(s->w.st, s->w.err_no, err);
}

cf_status cf_stix2_stream_close(cf_stix2_stream *s, cf_error *err)
{
    cf_status st;

    if (!s) {
        return CF_OK;
    }
    sw_tail(&s->w);
    st = s->w.st;
    int err_no = s->w.err_no;
    cf_stix2_stream_free(s);
    return sw_error(st, err_no, err);
}

void cf_stix2_stream_free(cf_stix2_stream *s)
{
    if (!s) {
        return;
    }
    sw_teardown(&s->w);
    free(s);
}

cf_status cf_write_stix2(FILE *out, const cf_iocset *set, const cf_write_opts *o, cf_error *err)
{
    cf_stix2_stream *s = NULL;
    cf_status st = cf_stix2_stream_open(&s, out, o, err);

    if (st == CF_OK) {
        st = cf_stix2_stream_add(s, set, NULL, NULL, err);
    }
    if (st == CF_OK) {
        return cf_stix2_stream_close(s, err);
    }
    cf_stix2_stream_free(s);
    return st;
}
