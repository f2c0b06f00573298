/*
 * The search structures behind warning lists: address intervals, the name
 * table, the substring automaton and the conversion of MISP expressions to
 * POSIX ones.
 *
 * DESIGN
 * Networks are staged as (first, last, list) and built by a sweep over
 * their sorted start and end points into disjoint intervals that each
 * carry the set of lists covering them; neighbours with equal sets merge.
 * A point is one binary search, a published network a binary search and a
 * walk over the intervals it overlaps; for IPv4 a table by the top 16 bits
 * narrows the search to the intervals starting in that /16. Names live in
 * one open-addressing multimap keyed by lower-case text (FNV-1a) whose
 * entries carry their kind, so one probe serves every kind; lookups fold
 * ASCII case so the caller never copies a value. Substrings become one
 * Aho-Corasick automaton: bytes map to classes (upper-case letters share the
 * class of their lower-case twin, every byte absent from the patterns shares
 * class 0), the goto function is completed into a full transition table, and
 * each state links to the nearest state on its fail chain that has outputs,
 * so a scan is one table step per byte.
 */
#include <stdlib.h>
#include <string.h>

#include "ctiflow/normalize.h"
#include "warninglist_int.h"

#define WL_AC_MAX_STATES (1u << 22)

/* ---- 128-bit addresses ---------------------------------------------- */

static int u128_cmp(wl_u128 a, wl_u128 b)
{
    if (a.hi != b.hi) {
        return a.hi < b.hi ? -1 : 1;
    }
    if (a.lo != b.lo) {
        return a.lo < b.lo ? -1 : 1;
    }
    return 0;
}

static wl_u128 u128_inc(wl_u128 a)
{
    a.lo++;
    if (a.lo == 0) {
        a.hi++;
    }
    return a;
}

static bool u128_is_max(wl_u128 a, bool v4)
{
    return v4 ? a.lo == 0xffffffffu : (a.hi == UINT64_MAX && a.lo == UINT64_MAX);
}

/* The value of decimal digit c, or 10 and more for any other byte. */
static inline unsigned net_digit(const char *p, const char *end)
{
    return p < end ? (unsigned)(unsigned char)*p - '0' : 10u;
}

/*
 * One decimal number of canonical form (no leading zero, at most three
 * digits) up to max, at *p.
 */
static inline bool net_num(const char **p, const char *end, uint32_t max, uint32_t *out)
{
    const char *q = *p;
    unsigned d = net_digit(q, end);

    if (d > 9) {
        return false;
    }
    uint32_t v = d;
    q++;
    if (v != 0) {
        d = net_digit(q, end);
        if (d <= 9) {
            v = v * 10 + d;
            q++;
            d = net_digit(q, end);
            if (d <= 9) {
                v = v * 10 + d;
                q++;
            }
        }
    }
    if (v > max || net_digit(q, end) <= 9) {
        return false;
    }
    *p = q;
    *out = v;
    return true;
}

/* An optional "/prefix" at p (canonical decimal up to max); false when malformed. */
static inline bool net_prefix(const char *p, const char *end, uint32_t max, int *prefix)
{
    uint32_t v = max;

    if (p != end) {
        if (*p != '/') {
            return false;
        }
        p++;
        if (!net_num(&p, end, max, &v) || p != end) {
            return false;
        }
    }
    *prefix = (int)v;
    return true;
}

/*
 * Canonical "a.b.c.d" or "a.b.c.d/p" straight to bits; false for anything
 * else, which then takes the general parser.
 */
/*
 * net_num of an octet at *p when at least four bytes are left, so its up to
 * three digits and the byte after them are read without a bound check each.
 */
static inline bool net_octet4(const char **p, uint32_t *out)
{
    const unsigned char *q = (const unsigned char *)*p;
    unsigned d0 = q[0] - (unsigned)'0', d1 = q[1] - (unsigned)'0';
    unsigned d2 = q[2] - (unsigned)'0', d3 = q[3] - (unsigned)'0';
    uint32_t v;
    int n;

    if (d0 > 9 || (d0 == 0 && d1 <= 9)) {
        return false;
    }
    if (d1 > 9) {
        v = d0;
        n = 1;
    } else if (d2 > 9) {
        v = d0 * 10 + d1;
        n = 2;
    } else {
        if (d3 <= 9) {
            return false;
        }
        v = d0 * 100 + d1 * 10 + d2;
        n = 3;
    }
    if (v > 255) {
        return false;
    }
    *p += n;
    *out = v;
    return true;
}

static bool net_fast_v4(const char *s, size_t len, uint32_t *addr, int *prefix)
{
    const char *p = s, *end = s + len;
    uint32_t a = 0, v = 0;

    for (int k = 0; k < 4; k++) {
        bool ok = end - p >= 4 ? net_octet4(&p, &v) : net_num(&p, end, 255, &v);
        if (!ok) {
            return false;
        }
        a = a << 8 | v;
        if (k < 3) {
            if (p == end || *p != '.') {
                return false;
            }
            p++;
        }
    }
    *addr = a;
    return net_prefix(p, end, 32, prefix);
}

static inline int net_hex(unsigned char c)
{
    if ((unsigned)(c - '0') <= 9u) {
        return c - '0';
    }
    c |= 0x20;
    return (unsigned)(c - 'a') <= 5u ? c - 'a' + 10 : -1;
}

/*
 * IPv6 of hexadecimal groups with at most one "::" and an optional
 * "/prefix", straight to bits, by the rules of the general parser; false
 * for anything else (a dotted IPv4 tail, a zone id), which then takes it.
 */
static bool net_fast_v6(const char *s, size_t len, wl_u128 *addr, int *prefix)
{
    const char *p = s, *end = s + len;
    uint32_t groups[8];
    int n = 0, dc = -1;

    if (end - p >= 2 && p[0] == ':' && p[1] == ':') {
        dc = 0;
        p += 2;
    }
    while (p < end && *p != '/') {
        uint32_t v = 0;
        int k = 0;
        for (; k < 5 && p < end; k++, p++) {
            int h = net_hex((unsigned char)*p);
            if (h < 0) {
                break;
            }
            v = v << 4 | (uint32_t)h;
        }
        if (k == 0 || k > 4 || n == 8) {
            return false;
        }
        groups[n++] = v;
        if (p == end || *p == '/') {
            break;
        }
        if (*p != ':' || p + 1 == end) {
            return false;
        }
        p++;
        if (*p == ':') {
            if (dc >= 0) {
                return false;
            }
            dc = n;
            p++;
        }
    }
    if (dc < 0 ? n != 8 : n > 7) {
        return false;
    }
    uint32_t full[8] = {0};
    int tail = dc < 0 ? 0 : n - dc;
    for (int k = 0; k < n - tail; k++) {
        full[k] = groups[k];
    }
    for (int k = 0; k < tail; k++) {
        full[8 - tail + k] = groups[dc + k];
    }
    addr->hi = (uint64_t)full[0] << 48 | (uint64_t)full[1] << 32 | full[2] << 16 | full[3];
    addr->lo = (uint64_t)full[4] << 48 | (uint64_t)full[5] << 32 | full[6] << 16 | full[7];
    return net_prefix(p, end, 128, prefix);
}

/* The network of an address and a prefix length of bits (32 or 128). */
static void net_range(wl_u128 a, int prefix, int bits, wl_u128 *first, wl_u128 *last)
{
    /* Host mask of (bits - prefix) low bits, in two halves. */
    int host = bits - prefix;
    wl_u128 m = {0, 0};
    if (host >= 64) {
        m.lo = UINT64_MAX;
        m.hi = host >= 128 ? UINT64_MAX : (host == 64 ? 0 : (UINT64_MAX >> (128 - host)));
    } else if (host > 0) {
        m.lo = UINT64_MAX >> (64 - host);
    }
    first->hi = a.hi & ~m.hi;
    first->lo = a.lo & ~m.lo;
    last->hi = first->hi | m.hi;
    last->lo = first->lo | m.lo;
}

bool wl_parse_net(const char *text, size_t len, int *family, wl_u128 *first, wl_u128 *last)
{
    unsigned char b[16];
    int prefix = 0;
    uint32_t a4;
    wl_u128 a = {0, 0};

    if (net_fast_v4(text, len, &a4, &prefix)) {
        uint32_t host = prefix == 0 ? UINT32_MAX : (prefix == 32 ? 0 : UINT32_MAX >> prefix);
        *family = 4;
        *first = (wl_u128){0, a4 & ~host};
        *last = (wl_u128){0, (a4 & ~host) | host};
        return true;
    }
    if (memchr(text, ':', len) && net_fast_v6(text, len, &a, &prefix)) {
        *family = 6;
        net_range(a, prefix, 128, first, last);
        return true;
    }
    if (!cf_parse_cidr(text, len, family, b, &prefix)) {
        return false;
    }
    wl_net_bytes(*family, b, prefix, first, last);
    return true;
}

void wl_net_bytes(int family, const unsigned char *b, int prefix, wl_u128 *first, wl_u128 *last)
{
    wl_u128 a = {0, 0};

    if (family == 4) {
        a.lo = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        net_range(a, prefix, 32, first, last);
        return;
    }
    for (int i = 0; i < 16; i++) {
        a.hi = (a.hi << 8) | (a.lo >> 56);
        a.lo = (a.lo << 8) | b[i];
    }
    net_range(a, prefix, 128, first, last);
}

/* ---- intervals ------------------------------------------------------ */

void wl_iv_free(wl_ivtab *t)
{
    free(t->staged);
    free(t->first);
    free(t->last);
    free(t->ids_off);
    free(t->ids_n);
    free(t->ids);
    free(t->l1);
    free(t->touched);
    free(t->whole);
    free(t->part24);
    free(t->v4);
    memset(t, 0, sizeof *t);
}

cf_status wl_iv_add(wl_ivtab *t, wl_u128 first, wl_u128 last, uint16_t list)
{
    if (t->n_staged == t->cap_staged) {
        size_t cap = t->cap_staged ? t->cap_staged * 2 : 256;
        wl_net *p = realloc(t->staged, cap * sizeof *p);
        if (!p) {
            return CF_ENOMEM;
        }
        t->staged = p;
        t->cap_staged = cap;
    }
    t->staged[t->n_staged++] = (wl_net){first, last, list};
    return CF_OK;
}

/* A sweep event: at pos, list starts (delta +1) or has ended (-1). */
typedef struct iv_event {
    wl_u128 pos;
    uint16_t list;
    int8_t delta;
} iv_event;

static int iv_event_cmp(const void *a, const void *b)
{
    const iv_event *x = a, *y = b;
    int c = u128_cmp(x->pos, y->pos);
    if (c == 0) {
        c = x->delta - y->delta;
    }
    return c;
}

/*
 * IPv4 sweep keys: the position (at most 2^32 - 1: no end event follows the
 * last address) above a bit set for a start, above the list (low 16 bits).
 * Ascending keys give the order of iv_event_cmp: by position, an end before
 * a start; the order of the lists at one position does not matter.
 */
#define IV_KEY_POS 17
#define IV_RADIX_BITS 11

static inline uint64_t iv_key4(uint32_t pos, bool start, uint16_t list)
{
    return (uint64_t)pos << IV_KEY_POS | (uint64_t)start << 16 | list;
}

/*
 * The n keys of a sorted by a stable radix sort of their 33 bits above the
 * list, three passes of 11 bits whose counts are taken in one read; b is
 * scratch of n keys. Returns the one of a and b that holds the result.
 */
static uint64_t *iv_sort_keys4(uint64_t *a, uint64_t *b, size_t n)
{
    static const unsigned shifts[3] = {16, 16 + IV_RADIX_BITS, 16 + 2 * IV_RADIX_BITS};
    const uint64_t digit = (1u << IV_RADIX_BITS) - 1;
    uint32_t count[3][1u << IV_RADIX_BITS];

    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = a[i];
        count[0][(k >> shifts[0]) & digit]++;
        count[1][(k >> shifts[1]) & digit]++;
        count[2][(k >> shifts[2]) & digit]++;
    }
    for (int p = 0; n > 0 && p < 3; p++) {
        uint32_t *c = count[p];
        if (c[(a[0] >> shifts[p]) & digit] == n) {
            continue;
        }
        uint32_t sum = 0;
        for (size_t d = 0; d <= digit; d++) {
            uint32_t x = c[d];
            c[d] = sum;
            sum += x;
        }
        for (size_t i = 0; i < n; i++) {
            b[c[(a[i] >> shifts[p]) & digit]++] = a[i];
        }
        uint64_t *t = a;
        a = b;
        b = t;
    }
    return a;
}

/* Space for n intervals and m list ids in the built arrays. */
static cf_status iv_alloc(wl_ivtab *t, size_t n, size_t m)
{
    t->first = malloc((n ? n : 1) * sizeof *t->first);
    t->last = malloc((n ? n : 1) * sizeof *t->last);
    t->ids_off = malloc((n ? n : 1) * sizeof *t->ids_off);
    t->ids_n = malloc((n ? n : 1) * sizeof *t->ids_n);
    t->ids = malloc((m ? m : 1) * sizeof *t->ids);
    if (!t->first || !t->last || !t->ids_off || !t->ids_n || !t->ids) {
        return CF_ENOMEM;
    }
    return CF_OK;
}

/* Append the ids of the active lists (n_words words of bits) to t->ids; their count. */
static size_t iv_push_ids(wl_ivtab *t, const uint64_t *active, size_t n_words)
{
    size_t off = t->n_ids;
    for (size_t w = 0; w < n_words; w++) {
        for (uint64_t bits = active[w]; bits; bits &= bits - 1) {
            t->ids[t->n_ids++] = (uint16_t)(w * 64 + (size_t)__builtin_ctzll(bits));
        }
    }
    return t->n_ids - off;
}

/* Room in t->ids (of *cap) for one more interval's ids, of n_lists at most. */
static cf_status iv_reserve_ids(wl_ivtab *t, size_t *cap, size_t n_lists)
{
    if (t->n_ids + n_lists <= *cap) {
        return CF_OK;
    }
    size_t grown = *cap * 2 + n_lists;
    uint16_t *p = realloc(t->ids, grown * sizeof *p);
    if (!p) {
        return CF_ENOMEM;
    }
    t->ids = p;
    *cap = grown;
    return CF_OK;
}

/*
 * Emit [first, last] covered by the active lists (bit l of active for list
 * l, in n_words words); merge with an equal neighbour.
 */
static void iv_emit(wl_ivtab *t, wl_u128 first, wl_u128 last, const uint64_t *active,
                    size_t n_words)
{
    size_t off = t->n_ids, k = iv_push_ids(t, active, n_words);
    if (k == 0) {
        return;
    }
    if (t->n) {
        size_t p = t->n - 1;
        bool adjacent = u128_cmp(u128_inc(t->last[p]), first) == 0;
        if (adjacent && t->ids_n[p] == k &&
            memcmp(t->ids + t->ids_off[p], t->ids + off, k * sizeof *t->ids) == 0) {
            t->last[p] = last;
            t->n_ids = off;
            return;
        }
    }
    t->first[t->n] = first;
    t->last[t->n] = last;
    t->ids_off[t->n] = (uint32_t)off;
    t->ids_n[t->n] = (uint16_t)k;
    t->n++;
}

/* The bit of /24 number c in the /24 filter. */
static inline uint32_t iv_part24_bit(uint32_t c)
{
    return (c * 0x9E3779B1u) >> (32 - WL_IV_PART24_BITS);
}

/*
 * The IPv4 filters, in one walk over the packed intervals: where the
 * intervals of each /16 begin (l1), the /16s they touch, and the finer
 * filter: a /16 one interval covers whole is marked as such; in every other
 * /16, each /24 an interval covers part of sets its hashed bit. An address
 * of a touched /16 that is not whole and whose /24's bit is clear is in no
 * interval, which spares most misses the search through the intervals (the
 * intervals of one /16 are far apart in memory). Marking costs one step per
 * /16 an interval spans and at most 256 in the /16s it covers in part.
 */
static cf_status iv_build_filters4(wl_ivtab *t)
{
    t->l1 = malloc(65537 * sizeof *t->l1);
    t->touched = calloc(65536 / 64, sizeof *t->touched);
    t->whole = calloc(65536 / 64, sizeof *t->whole);
    t->part24 = calloc(((size_t)1 << WL_IV_PART24_BITS) / 64, sizeof *t->part24);
    if (!t->l1 || !t->touched || !t->whole || !t->part24) {
        return CF_ENOMEM;
    }
    uint32_t next = 0; /* the first /16 whose l1 is not set yet */
    for (size_t k = 0; k < t->n; k++) {
        uint32_t f = t->v4[k].first, l = t->v4[k].last;
        for (; next <= f >> 16; next++) {
            t->l1[next] = (uint32_t)k;
        }
        for (uint32_t b = f >> 16; b <= (l >> 16); b++) {
            uint32_t lo = f > b << 16 ? f : b << 16;
            uint32_t hi = l < (b << 16 | 0xffffu) ? l : (b << 16 | 0xffffu);
            t->touched[b / 64] |= 1ull << (b % 64);
            if (lo == b << 16 && hi == (b << 16 | 0xffffu)) {
                t->whole[b / 64] |= 1ull << (b % 64);
                continue;
            }
            for (uint32_t c = lo >> 8; c <= (hi >> 8); c++) {
                uint32_t bit = iv_part24_bit(c);
                t->part24[bit / 64] |= 1ull << (bit % 64);
            }
        }
    }
    for (; next <= 65536; next++) {
        t->l1[next] = (uint32_t)t->n;
    }
    return CF_OK;
}

/*
 * Emit the IPv4 interval [first, last] covered by the active lists into
 * the packed array (its ids at ids_off; the list itself is put there once
 * the sweep ends); merge with an equal neighbour.
 */
static void iv_emit4(wl_ivtab *t, uint32_t first, uint32_t last, const uint64_t *active,
                     size_t n_words)
{
    size_t off = t->n_ids, k = iv_push_ids(t, active, n_words);
    if (k == 0) {
        return;
    }
    if (t->n) {
        wl_iv4 *p = &t->v4[t->n - 1];
        if (p->last + 1 == first && p->ids_n == k &&
            memcmp(t->ids + p->ids_off, t->ids + off, k * sizeof *t->ids) == 0) {
            p->last = last;
            t->n_ids = off;
            return;
        }
    }
    t->v4[t->n++] = (wl_iv4){first, last, (uint32_t)off, (uint16_t)k};
}

/*
 * The IPv4 sweep over sorted keys: apply the events of one position, then
 * emit the interval up to the next position. count and active (n_words
 * words) start zero.
 */
static cf_status iv_sweep4(wl_ivtab *t, const uint64_t *key, size_t n, size_t n_lists,
                           uint32_t *count, uint64_t *active, size_t n_words)
{
    size_t ids_cap = n * (n_lists < 8 ? n_lists : 8) + n_lists;

    t->v4 = malloc((n ? n : 1) * sizeof *t->v4);
    t->ids = malloc(ids_cap * sizeof *t->ids);
    if (!t->v4 || !t->ids) {
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < n;) {
        uint64_t pos = key[i] >> IV_KEY_POS;
        do {
            uint16_t l = (uint16_t)(key[i] & 0xffff);
            if ((key[i] >> 16) & 1) {
                count[l]++;
                active[l / 64] |= 1ull << (l % 64);
            } else if (--count[l] == 0) {
                active[l / 64] &= ~(1ull << (l % 64));
            }
            i++;
        } while (i < n && key[i] >> IV_KEY_POS == pos);

        if (iv_reserve_ids(t, &ids_cap, n_lists) != CF_OK) {
            return CF_ENOMEM;
        }
        uint32_t last = i < n ? (uint32_t)((key[i] >> IV_KEY_POS) - 1) : UINT32_MAX;
        iv_emit4(t, (uint32_t)pos, last, active, n_words);
    }
    /* An interval of one list holds the list itself: a hit reads no second array. */
    for (size_t k = 0; k < t->n; k++) {
        if (t->v4[k].ids_n == 1) {
            t->v4[k].ids_off = t->ids[t->v4[k].ids_off];
        }
    }
    return CF_OK;
}

/*
 * The IPv4 table: a key per start and end of each staged network, sorted,
 * swept into packed intervals, then the filters. Only the packed intervals
 * are kept (no 128-bit arrays).
 */
static cf_status iv_build4(wl_ivtab *t, size_t n_lists)
{
    size_t n_words = n_lists / 64 + 1, n = 0;
    uint64_t *a = malloc((2 * t->n_staged + 1) * sizeof *a);
    uint64_t *b = malloc((2 * t->n_staged + 1) * sizeof *b);
    uint32_t *count = calloc(n_lists ? n_lists : 1, sizeof *count);
    uint64_t *active = calloc(n_words, sizeof *active);
    cf_status st = CF_ENOMEM;

    if (!a || !b || !count || !active) {
        goto out;
    }
    for (size_t i = 0; i < t->n_staged; i++) {
        const wl_net *w = &t->staged[i];
        a[n++] = iv_key4((uint32_t)w->first.lo, true, w->list);
        if (w->last.lo < UINT32_MAX) {
            a[n++] = iv_key4((uint32_t)w->last.lo + 1, false, w->list);
        }
    }
    const uint64_t *key = iv_sort_keys4(a, b, n);
    st = iv_sweep4(t, key, n, n_lists, count, active, n_words);
    if (st == CF_OK) {
        st = iv_build_filters4(t);
    }

out:
    free(a);
    free(b);
    free(count);
    free(active);
    return st;
}

cf_status wl_iv_build(wl_ivtab *t, size_t n_lists, bool v4)
{
    cf_status st = CF_ENOMEM;
    iv_event *ev = NULL;
    uint32_t *count = NULL;
    uint64_t *active = NULL; /* bit per list whose count is not zero */
    size_t n_ev = 0, n_words = n_lists / 64 + 1;

    free(t->first);
    free(t->last);
    free(t->ids_off);
    free(t->ids_n);
    free(t->ids);
    free(t->l1);
    free(t->touched);
    free(t->whole);
    free(t->part24);
    free(t->v4);
    t->l1 = NULL;
    t->touched = NULL;
    t->whole = t->part24 = NULL;
    t->v4 = NULL;
    t->first = t->last = NULL;
    t->ids_off = NULL;
    t->ids_n = t->ids = NULL;
    t->n = t->n_ids = 0;
    if (v4) {
        return iv_build4(t, n_lists);
    }

    /* Two events per network; the end event sits just past its last address. */
    ev = malloc((2 * t->n_staged + 1) * sizeof *ev);
    count = calloc(n_lists ? n_lists : 1, sizeof *count);
    active = calloc(n_words, sizeof *active);
    if (!ev || !count || !active) {
        goto out;
    }
    for (size_t i = 0; i < t->n_staged; i++) {
        const wl_net *w = &t->staged[i];
        ev[n_ev++] = (iv_event){w->first, w->list, 1};
    }
    for (size_t i = 0; i < t->n_staged; i++) {
        const wl_net *w = &t->staged[i];
        if (!u128_is_max(w->last, false)) {
            ev[n_ev++] = (iv_event){u128_inc(w->last), w->list, -1};
        }
    }
    qsort(ev, n_ev, sizeof *ev, iv_event_cmp);

    /* Every interval between two event points, ids of at most n_lists each. */
    if (iv_alloc(t, n_ev, n_ev * (n_lists < 8 ? n_lists : 8) + n_lists) != CF_OK) {
        goto out;
    }
    size_t ids_cap = n_ev * (n_lists < 8 ? n_lists : 8) + n_lists;
    for (size_t i = 0; i < n_ev;) {
        wl_u128 pos = ev[i].pos;
        while (i < n_ev && u128_cmp(ev[i].pos, pos) == 0) {
            uint16_t l = ev[i].list;
            count[l] += (uint32_t)(int32_t)ev[i].delta;
            if (count[l]) {
                active[l / 64] |= 1ull << (l % 64);
            } else {
                active[l / 64] &= ~(1ull << (l % 64));
            }
            i++;
        }
        if (iv_reserve_ids(t, &ids_cap, n_lists) != CF_OK) {
            goto out;
        }
        wl_u128 last = {UINT64_MAX, UINT64_MAX};
        if (i < n_ev) {
            last = ev[i].pos;
            last.lo--;
            if (last.lo == UINT64_MAX) {
                last.hi--;
            }
        }
        iv_emit(t, pos, last, active, n_words);
    }
    st = CF_OK;

out:
    free(ev);
    free(count);
    free(active);
    return st;
}

/* Index of the last interval whose first address is <= a, or SIZE_MAX. */
static size_t iv_floor(const wl_ivtab *t, wl_u128 a)
{
    size_t lo = 0, hi = t->n;
    if (t->l1 && a.hi == 0 && a.lo <= 0xffffffffu) {
        lo = t->l1[a.lo >> 16];
        hi = t->l1[(a.lo >> 16) + 1];
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u128_cmp(t->first[mid], a) <= 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo == 0 ? SIZE_MAX : lo - 1;
}

/* wl_iv_query over the packed IPv4 intervals. */
static void iv_query_v4(const wl_ivtab *t, uint32_t a, uint32_t b, wl_hits *h)
{
    size_t lo = t->l1[a >> 16], hi = t->l1[(a >> 16) + 1];
    const wl_iv4 *v = t->v4;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].first <= a) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    /* lo - 1 is the last interval starting at or before a, if any. */
    size_t i = lo;
    if (lo > 0 && v[lo - 1].last >= a) {
        i = lo - 1;
    }
    for (; i < t->n && v[i].first <= b; i++) {
        if (v[i].ids_n == 1) {
            wl_hit(h, (uint16_t)v[i].ids_off);
            continue;
        }
        for (uint16_t k = 0; k < v[i].ids_n; k++) {
            wl_hit(h, t->ids[v[i].ids_off + k]);
        }
    }
}

void wl_iv_query4(const wl_ivtab *t, uint32_t first, uint32_t last, wl_hits *h)
{
    if (t->n == 0) {
        return;
    }
    if (first >> 16 == last >> 16) {
        uint32_t b = first >> 16;
        if (!(t->touched[b / 64] & (1ull << (b % 64)))) {
            return;
        }
        /* The search starts from l1: ask for it while the filter is read. */
        __builtin_prefetch(&t->l1[b]);
        uint32_t c = first >> 8;
        if (!(t->whole[b / 64] & (1ull << (b % 64))) && c == last >> 8) {
            uint32_t bit = iv_part24_bit(c);
            if (!(t->part24[bit / 64] & (1ull << (bit % 64)))) {
                return;
            }
        }
    }
    iv_query_v4(t, first, last, h);
}

void wl_iv_query(const wl_ivtab *t, wl_u128 first, wl_u128 last, wl_hits *h)
{
    if (t->n == 0) {
        return;
    }
    if (t->v4) {
        /* The IPv4 table keeps its packed intervals alone. */
        if (first.hi == 0 && last.hi == 0 && last.lo <= 0xffffffffu) {
            wl_iv_query4(t, (uint32_t)first.lo, (uint32_t)last.lo, h);
        }
        return;
    }
    size_t i = iv_floor(t, first);
    if (i == SIZE_MAX || u128_cmp(t->last[i], first) < 0) {
        i = i == SIZE_MAX ? 0 : i + 1;
    }
    for (; i < t->n && u128_cmp(t->first[i], last) <= 0; i++) {
        for (uint16_t k = 0; k < t->ids_n[i]; k++) {
            wl_hit(h, t->ids[t->ids_off[i] + k]);
        }
    }
}

/* ---- name table ----------------------------------------------------- */

#define WL_FOLD(c) ((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))
#define WL_FOLD4(c) WL_FOLD(c), WL_FOLD((c) + 1), WL_FOLD((c) + 2), WL_FOLD((c) + 3)
#define WL_FOLD16(c) WL_FOLD4(c), WL_FOLD4((c) + 4), WL_FOLD4((c) + 8), WL_FOLD4((c) + 12)
#define WL_FOLD64(c) WL_FOLD16(c), WL_FOLD16((c) + 16), WL_FOLD16((c) + 32), WL_FOLD16((c) + 48)

const unsigned char wl_fold_tab[256] = {
    WL_FOLD64(0),
    WL_FOLD64(64),
    WL_FOLD64(128),
    WL_FOLD64(192),
};

static inline unsigned char ht_fold(unsigned char c)
{
    return wl_fold_tab[c];
}

/*
 * The exact-key filter bit: length, first, middle and last byte (folded).
 * Whole values (URLs, hashes, addresses) rarely share all four with a key,
 * so most exact lookups end before hashing the value.
 */
static inline size_t ht_exact_bit(const char *s, size_t len)
{
    uint32_t h = (uint32_t)len;
    if (len) {
        h = h * 257 + ht_fold((unsigned char)s[0]);
        h = h * 257 + ht_fold((unsigned char)s[len / 2]);
        h = h * 257 + ht_fold((unsigned char)s[len - 1]);
    }
    return (size_t)((h * 0x9E3779B1u) >> 16) & (WL_HT_EXACT_BITS - 1);
}

void wl_ht_free(wl_htab *t)
{
    free(t->e);
    free(t->slots);
    free(t->filter);
    cf_buf_free(&t->pool);
    memset(t, 0, sizeof *t);
}

cf_status wl_ht_add(wl_htab *t, uint8_t kind, const char *key, size_t len, uint16_t list)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        wl_hentry *p = realloc(t->e, cap * sizeof *p);
        if (!p) {
            return CF_ENOMEM;
        }
        t->e = p;
        t->cap = cap;
    }
    size_t off = t->pool.len;
    if (cf_buf_append(&t->pool, key, len) != CF_OK) {
        return CF_ENOMEM;
    }
    /* Fold the copy eight bytes a step, then hash it from its last byte (as ht_hash does). */
    unsigned char *k = (unsigned char *)t->pool.data + off;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, k + i, 8);
        memcpy(k + i, &(uint64_t){wl_fold8(w)}, 8);
    }
    for (; i < len; i++) {
        k[i] = ht_fold(k[i]);
    }
    /* The hash of the folded copy, as wl_ht_hash reads a key. */
    const char *f = (const char *)k;
    uint64_t h = WL_HT_SEED;
    for (i = len; i >= 8; i -= 8) {
        h = wl_ht_mix(h, wl_ht_load(f + i - 8));
    }
    if (i > 0) {
        h = wl_ht_mix(h, wl_ht_head(f, i));
    }
    if (kind == WL_K_EXACT) {
        size_t b = ht_exact_bit(key, len);
        t->exact[b / 64] |= 1ull << (b % 64);
    }
    t->e[t->n++] = (wl_hentry){wl_ht_final(h, len), (uint32_t)off, (uint32_t)len, list, kind};
    return CF_OK;
}

/*
 * Place the entry of slot x (hash and entry number + 1) in its probe
 * sequence unless an entry of the same key, kind and list is there
 * already; sets its filter bits. Entries are read only to compare keys of
 * equal hash.
 */
static void ht_place(wl_htab *t, wl_hslot x)
{
    size_t j = x.hash & t->mask;

    for (; t->slots[j].index; j = (j + 1) & t->mask) {
        if (t->slots[j].hash != x.hash) {
            continue;
        }
        const wl_hentry *e = &t->e[t->slots[j].index - 1];
        const wl_hentry *y = &t->e[x.index - 1];
        if (e->kind == y->kind && e->list == y->list && e->len == y->len &&
            memcmp(t->pool.data + e->off, t->pool.data + y->off, y->len) == 0) {
            return;
        }
    }
    t->slots[j] = x;
    size_t b = wl_ht_fbit(x.hash, t->fmask);
    t->filter[b / 64] |= wl_ht_fmask2(x.hash, b);
}

cf_status wl_ht_build(wl_htab *t)
{
    if (t->n == t->n_built) {
        return CF_OK;
    }
    size_t cap = 1024;
    while (t->n * 10 >= cap * 7) {
        cap *= 2;
    }
    wl_hslot *slots = calloc(cap, sizeof *slots);
    uint64_t *filter = calloc(cap * 8 / 64, sizeof *filter);
    uint32_t *start = calloc(cap + 1, sizeof *start);
    wl_hslot *order = malloc((t->n ? t->n : 1) * sizeof *order);
    cf_status st = CF_ENOMEM;

    if (!slots || !filter || !start || !order) {
        free(slots);
        free(filter);
        goto out;
    }
    free(t->slots);
    free(t->filter);
    t->slots = slots;
    t->filter = filter;
    t->mask = cap - 1;
    t->fmask = cap * 8 - 1;

    /*
     * Entries by their first slot (a counting sort), each with its hash, so
     * placing them walks the table once and reads no entry in the way.
     */
    for (size_t i = 0; i < t->n; i++) {
        start[(t->e[i].hash & t->mask) + 1]++;
    }
    for (size_t k = 0; k < cap; k++) {
        start[k + 1] += start[k];
    }
    for (size_t i = 0; i < t->n; i++) {
        order[start[t->e[i].hash & t->mask]++] = (wl_hslot){t->e[i].hash, (uint32_t)(i + 1)};
    }
    for (size_t i = 0; i < t->n; i++) {
        ht_place(t, order[i]);
    }
    t->n_built = t->n;
    st = CF_OK;

out:
    free(start);
    free(order);
    return st;
}

static bool ht_key_eq(const wl_htab *t, const wl_hentry *e, const char *key, size_t len)
{
    if (e->len != len) {
        return false;
    }
    const char *k = t->pool.data + e->off;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)k[i] != ht_fold((unsigned char)key[i])) {
            return false;
        }
    }
    return true;
}

void wl_ht_query(const wl_htab *t, unsigned kinds, const char *key, size_t len, wl_hits *h)
{
    if (kinds == (1u << WL_K_EXACT)) {
        size_t b = ht_exact_bit(key, len);
        if (!(t->exact[b / 64] & (1ull << (b % 64)))) {
            return;
        }
    }
    if (t->slots) {
        wl_ht_query_hash(t, kinds, key, len, wl_ht_hash(key, len), h);
    }
}

void wl_ht_query_hash(const wl_htab *t, unsigned kinds, const char *key, size_t len,
                      uint32_t hv, wl_hits *h)
{
    if (!t->slots) {
        return;
    }
    size_t b = wl_ht_fbit(hv, t->fmask);
    uint64_t want = wl_ht_fmask2(hv, b);
    if ((t->filter[b / 64] & want) != want) {
        return;
    }
    for (size_t j = hv & t->mask; t->slots[j].index; j = (j + 1) & t->mask) {
        if (t->slots[j].hash != hv) {
            continue;
        }
        const wl_hentry *e = &t->e[t->slots[j].index - 1];
        if (((1u << e->kind) & kinds) && ht_key_eq(t, e, key, len)) {
            wl_hit(h, e->list);
        }
    }
}

/* ---- substrings ----------------------------------------------------- */

void wl_ac_free(wl_ac *a)
{
    free(a->pats);
    cf_buf_free(&a->pool);
    free(a->delta);
    free(a->out_off);
    free(a->out_n);
    free(a->out_link);
    free(a->out_ids);
    free(a->depth);
    free(a->shift);
    memset(a, 0, sizeof *a);
}

cf_status wl_ac_add(wl_ac *a, const char *pat, size_t len, uint16_t list)
{
    if (len == 0) {
        return CF_EINVAL;
    }
    if (a->pool.len + len >= WL_AC_MAX_STATES) {
        return CF_ELIMIT;
    }
    if (a->n_pats == a->cap_pats) {
        size_t cap = a->cap_pats ? a->cap_pats * 2 : 64;
        wl_pattern *p = realloc(a->pats, cap * sizeof *p);
        if (!p) {
            return CF_ENOMEM;
        }
        a->pats = p;
        a->cap_pats = cap;
    }
    size_t off = a->pool.len;
    for (size_t i = 0; i < len; i++) {
        if (cf_buf_putc(&a->pool, (char)ht_fold((unsigned char)pat[i])) != CF_OK) {
            return CF_ENOMEM;
        }
    }
    a->pats[a->n_pats++] = (wl_pattern){(uint32_t)off, (uint32_t)len, list};
    return CF_OK;
}

/* Byte classes: one per distinct pattern byte, upper case folded, 0 for the rest. */
static void ac_classes(wl_ac *a)
{
    memset(a->cls, 0, sizeof a->cls);
    a->n_cls = 1;
    for (size_t i = 0; i < a->pool.len; i++) {
        unsigned char c = (unsigned char)a->pool.data[i];
        if (a->cls[c] == 0) {
            a->cls[c] = (uint8_t)a->n_cls++;
        }
    }
    for (int c = 'A'; c <= 'Z'; c++) {
        a->cls[c] = a->cls[c + 32];
    }
}

/* Pattern ends as (state, list) pairs, sorted by state for the output arrays. */
typedef struct ac_end {
    uint32_t state;
    uint16_t list;
} ac_end;

static int ac_end_cmp(const void *x, const void *y)
{
    const ac_end *a = x, *b = y;
    if (a->state != b->state) {
        return a->state < b->state ? -1 : 1;
    }
    return (int)a->list - (int)b->list;
}

/* The trie of every pattern in a->delta (0 = no edge); ends[i] for pattern i. */
static size_t ac_trie(wl_ac *a, ac_end *ends)
{
    size_t n_states = 1;
    for (size_t p = 0; p < a->n_pats; p++) {
        const wl_pattern *pt = &a->pats[p];
        uint32_t s = 0;
        for (uint32_t i = 0; i < pt->len; i++) {
            uint32_t c = a->cls[(unsigned char)a->pool.data[pt->off + i]];
            uint32_t *next = &a->delta[(size_t)s * a->n_cls + c];
            if (*next == 0) {
                a->depth[n_states] = a->depth[s] + 1;
                *next = (uint32_t)n_states++;
            }
            s = *next;
        }
        ends[p] = (ac_end){s, pt->list};
    }
    return n_states;
}

/* Fail links by breadth-first order, completing delta into a full table. */
static cf_status ac_links(wl_ac *a)
{
    uint32_t *fail = calloc(a->n_states, sizeof *fail);
    uint32_t *queue = malloc(a->n_states * sizeof *queue);
    size_t head = 0, tail = 0;
    cf_status st = CF_ENOMEM;

    if (!fail || !queue) {
        goto out;
    }
    for (uint32_t c = 0; c < a->n_cls; c++) {
        if (a->delta[c]) {
            queue[tail++] = a->delta[c];
        }
    }
    while (head < tail) {
        uint32_t s = queue[head++];
        a->out_link[s] = a->out_n[fail[s]] ? fail[s] : a->out_link[fail[s]];
        for (uint32_t c = 0; c < a->n_cls; c++) {
            uint32_t *t = &a->delta[(size_t)s * a->n_cls + c];
            uint32_t via_fail = a->delta[(size_t)fail[s] * a->n_cls + c];
            if (*t) {
                fail[*t] = via_fail;
                queue[tail++] = *t;
            } else {
                *t = via_fail;
            }
        }
    }
    st = CF_OK;

out:
    free(fail);
    free(queue);
    return st;
}

#define AC_CELL_MUL 0x9E3779B1u

/*
 * The filter cell of the q-byte block ending at t[e]: the blocks' byte
 * classes, one byte each (class of t[e] lowest), times AC_CELL_MUL, top
 * bits. The product of the fields' sum is the sum of cell_mix's products.
 */
static inline size_t ac_cell(const wl_ac *a, const unsigned char *t, size_t e)
{
    uint32_t k = a->cell_mix[0][t[e]] + a->cell_mix[1][t[e - 1]];
    if (a->q == 3) {
        k += a->cell_mix[2][t[e - 2]];
    }
    return (size_t)(k >> (32 - a->cell_bits));
}

static void ac_cell_mix(wl_ac *a)
{
    for (unsigned b = 0; b < 256; b++) {
        for (unsigned k = 0; k < 3; k++) {
            uint32_t field = k < a->q ? (uint32_t)a->cls[b] << (8 * k) : 0;
            a->cell_mix[k][b] = field * AC_CELL_MUL;
        }
    }
}

/*
 * The skip filter over the first min_len bytes of every pattern (a
 * Wu-Manber shift table over blocks of q = 3 bytes, 2 when the shortest
 * pattern has 3): for the block ending a window, how far the window may
 * move without passing the end of such a prefix. Blocks are hashed to
 * about 32 cells per block of the patterns, at least 4096 (the table stays
 * in the first-level cache), and a cell keeps the least shift of the blocks
 * hashed to it. A block of no pattern mostly finds a full shift. Only a
 * shift of 0 can be a match, and then the automaton decides.
 */
static cf_status ac_skips(wl_ac *a)
{
    uint32_t m = UINT32_MAX;
    for (size_t p = 0; p < a->n_pats; p++) {
        m = a->pats[p].len < m ? a->pats[p].len : m;
    }
    a->min_len = m;
    a->q = m >= 4 ? 3 : 2;
    if (m < a->q + 1) {
        return CF_OK;
    }
    uint64_t blocks = (uint64_t)a->n_pats * (m - a->q + 1);
    a->cell_bits = 12;
    while (a->cell_bits < 16 && ((uint64_t)1 << a->cell_bits) < blocks * 32) {
        a->cell_bits++;
    }
    size_t cells = (size_t)1 << a->cell_bits;
    uint32_t top = m - a->q + 1 > 255 ? 255 : m - a->q + 1;
    ac_cell_mix(a);
    a->shift = malloc(cells);
    if (!a->shift) {
        return CF_ENOMEM;
    }
    memset(a->shift, (int)top, cells);
    for (size_t p = 0; p < a->n_pats; p++) {
        const unsigned char *pat = (const unsigned char *)a->pool.data + a->pats[p].off;
        for (uint32_t j = a->q - 1; j < m; j++) {
            size_t cell = ac_cell(a, pat, j);
            uint32_t sh = m - 1 - j;
            if (sh < a->shift[cell]) {
                a->shift[cell] = (uint8_t)sh;
            }
        }
    }
    return CF_OK;
}

/*
 * The first position at or after from where an occurrence may start in
 * text, or len when none can.
 */
static size_t ac_next(const wl_ac *a, const unsigned char *t, size_t len, size_t from)
{
    for (size_t e = from + a->min_len - 1; e < len;) {
        uint8_t sh = a->shift[ac_cell(a, t, e)];
        if (sh == 0) {
            return e + 1 - a->min_len;
        }
        e += sh;
    }
    return len;
}

cf_status wl_ac_build(wl_ac *a)
{
    cf_status st = CF_ENOMEM;
    ac_end *ends = NULL;

    free(a->delta);
    free(a->out_off);
    free(a->out_n);
    free(a->out_link);
    free(a->out_ids);
    free(a->depth);
    free(a->shift);
    a->shift = NULL;
    a->min_len = 0;
    a->delta = NULL;
    a->out_off = a->out_link = NULL;
    a->out_n = a->out_ids = NULL;
    a->n_states = 0;
    if (a->n_pats == 0) {
        return CF_OK;
    }

    ac_classes(a);
    a->hex_pats = false;
    for (size_t p = 0; p < a->n_pats && !a->hex_pats; p++) {
        const char *pat = a->pool.data + a->pats[p].off;
        bool hex = true;
        for (uint32_t i = 0; hex && i < a->pats[p].len; i++) {
            hex = pat[i] && strchr("0123456789abcdef.:/", pat[i]) != NULL;
        }
        a->hex_pats = hex;
    }
    size_t max_states = a->pool.len + 1;
    a->delta = calloc(max_states * a->n_cls, sizeof *a->delta);
    a->depth = calloc(max_states, sizeof *a->depth);
    ends = malloc(a->n_pats * sizeof *ends);
    if (!a->delta || !a->depth || !ends) {
        goto out;
    }
    a->n_states = ac_trie(a, ends);

    /* Outputs of each state, from the sorted pattern ends. */
    qsort(ends, a->n_pats, sizeof *ends, ac_end_cmp);
    a->out_off = calloc(a->n_states, sizeof *a->out_off);
    a->out_n = calloc(a->n_states, sizeof *a->out_n);
    a->out_link = calloc(a->n_states, sizeof *a->out_link);
    a->out_ids = malloc(a->n_pats * sizeof *a->out_ids);
    if (!a->out_off || !a->out_n || !a->out_link || !a->out_ids) {
        goto out;
    }
    for (size_t i = 0; i < a->n_pats; i++) {
        if (a->out_n[ends[i].state] == 0) {
            a->out_off[ends[i].state] = (uint32_t)i;
        }
        a->out_n[ends[i].state]++;
        a->out_ids[i] = ends[i].list;
    }
    st = ac_links(a);
    if (st == CF_OK) {
        st = ac_skips(a);
    }

out:
    free(ends);
    return st;
}

/* Report the outputs of state s (its own and along its output links). */
static inline void ac_report(const wl_ac *a, uint32_t s, wl_hits *h)
{
    for (uint32_t u = a->out_n[s] ? s : a->out_link[s]; u; u = a->out_link[u]) {
        for (uint16_t k = 0; k < a->out_n[u]; k++) {
            wl_hit(h, a->out_ids[a->out_off[u] + k]);
        }
    }
}

/*
 * With a skip filter, the automaton runs from a position the filter lets
 * through for as long as the text read since is a pattern prefix; then the
 * filter resumes where the longest prefix still open begins. Every
 * occurrence starting in between has ended (and been reported), since a
 * longer open prefix would have kept the automaton deeper.
 */
void wl_ac_scan(const wl_ac *a, const char *text, size_t len, wl_hits *h)
{
    const unsigned char *t = (const unsigned char *)text;

    if (a->n_states == 0) {
        return;
    }
    if (!a->shift) {
        uint32_t s = 0;
        for (size_t i = 0; i < len; i++) {
            s = a->delta[(size_t)s * a->n_cls + a->cls[t[i]]];
            ac_report(a, s, h);
        }
        return;
    }
    for (size_t from = ac_next(a, t, len, 0); from < len;) {
        uint32_t s = 0;
        size_t i = from;
        do {
            s = a->delta[(size_t)s * a->n_cls + a->cls[t[i]]];
            ac_report(a, s, h);
            i++;
        } while (i < len && i - a->depth[s] <= from);
        if (i >= len) {
            break;
        }
        from = ac_next(a, t, len, i - a->depth[s]);
    }
}

/* ---- expressions ---------------------------------------------------- */

/* Append a Perl class escape (\d \w \s and their negations); false if unknown. */
static bool re_class_escape(cf_buf *out, char c, bool in_bracket, const char **reason)
{
    const char *body = NULL;
    switch (c) {
    case 'd': case 'D': body = "0-9"; break;
    case 'w': case 'W': body = "[:alnum:]_"; break;
    case 's': case 'S': body = "[:space:]"; break;
    default: return false;
    }
    bool negated = c == 'D' || c == 'W' || c == 'S';
    if (in_bracket) {
        if (negated) {
            *reason = "negated class escape inside a bracket expression";
            return false;
        }
        return cf_buf_puts(out, body) == CF_OK;
    }
    return cf_buf_printf(out, "[%s%s]", negated ? "^" : "", body) == CF_OK;
}

/* One escape "\c" outside or inside a bracket expression. */
static bool re_escape(cf_buf *out, char c, bool in_bracket, const char **reason)
{
    *reason = NULL;
    if (re_class_escape(out, c, in_bracket, reason)) {
        return true;
    }
    if (*reason) {
        return false;
    }
    if (c == 't' || c == 'n' || c == 'r') {
        return cf_buf_putc(out, c == 't' ? '\t' : c == 'n' ? '\n' : '\r') == CF_OK;
    }
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        *reason = "unsupported escape (anchor, back-reference or Perl class)";
        return false;
    }
    if (in_bracket) {
        /* A backslash is literal inside POSIX brackets; these need a place. */
        if (c == ']' || c == '^' || c == '-' || c == '\\') {
            *reason = "escaped bracket metacharacter";
            return false;
        }
        return cf_buf_putc(out, c) == CF_OK;
    }
    if (strchr(".[]()*+?{}|^$\\", c)) {
        return cf_buf_putc(out, '\\') == CF_OK && cf_buf_putc(out, c) == CF_OK;
    }
    return cf_buf_putc(out, c) == CF_OK;
}

/* Split "/body/flags" into body and flags; a bare expression is all body. */
static bool re_split(const char *src, size_t *body_off, size_t *body_len, bool *icase,
                     const char **reason)
{
    size_t n = strlen(src);
    const char *end = n ? strrchr(src, '/') : NULL;

    *icase = false;
    if (n < 2 || src[0] != '/' || end == src) {
        *body_off = 0;
        *body_len = n;
        return true;
    }
    for (const char *f = end + 1; *f; f++) {
        if (*f == 'i') {
            *icase = true;
        } else if (*f != 'u' && *f != 'm' && *f != 's') {
            *reason = "unsupported expression flag";
            return false;
        }
    }
    *body_off = 1;
    *body_len = (size_t)(end - src) - 1;
    return true;
}

bool wl_regex_convert(cf_buf *out, const char *src, bool *icase, const char **reason)
{
    size_t off = 0, n = 0;
    bool in_bracket = false;
    size_t bracket_start = 0;

    *reason = NULL;
    if (!re_split(src, &off, &n, icase, reason)) {
        return false;
    }
    const char *s = src + off;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = true;
        if (c == '\\') {
            if (i + 1 >= n) {
                *reason = "trailing backslash";
                return false;
            }
            ok = re_escape(out, s[++i], in_bracket, reason);
        } else if (in_bracket) {
            /* A ']' right after '[' or '[^' is literal; "[:x:]" passes through. */
            if (c == ']' && i > bracket_start) {
                in_bracket = false;
            } else if (c == '[' && i + 1 < n && s[i + 1] == ':') {
                const char *close = strstr(s + i + 2, ":]");
                if (!close || (size_t)(close - s) >= n) {
                    *reason = "unterminated character class";
                    return false;
                }
                size_t k = (size_t)(close - s) + 2 - i;
                ok = cf_buf_append(out, s + i, k) == CF_OK;
                i += k - 1;
                continue;
            }
            ok = cf_buf_putc(out, c) == CF_OK;
        } else if (c == '[') {
            in_bracket = true;
            bracket_start = i + 1 < n && s[i + 1] == '^' ? i + 2 : i + 1;
            ok = cf_buf_putc(out, c) == CF_OK;
            if (ok && bracket_start == i + 2) {
                ok = cf_buf_putc(out, '^') == CF_OK;
                i++;
            }
        } else if (c == '(' && i + 1 < n && s[i + 1] == '?') {
            if (i + 2 < n && s[i + 2] == ':') {
                ok = cf_buf_putc(out, '(') == CF_OK;
                i += 2;
            } else {
                *reason = "lookaround or inline flags";
                return false;
            }
        } else if (c == '?' && i > 0 && strchr("*+?}", s[i - 1]) && (i < 2 || s[i - 2] != '\\')) {
            /* Lazy quantifier: only whether it matches counts, so drop it. */
            continue;
        } else {
            ok = cf_buf_putc(out, c) == CF_OK;
        }
        if (!ok) {
            if (!*reason) {
                *reason = "out of memory";
            }
            return false;
        }
    }
    if (in_bracket) {
        *reason = "unterminated bracket expression";
        return false;
    }
    if (!out->data) {
        return cf_buf_puts(out, "") == CF_OK;
    }
    return true;
}
