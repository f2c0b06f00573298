/*
 * Warning-list policy: which lists an output withholds, the counts of what
 * each list withheld, the pass that labels and filters an IOC set, and the
 * sink that does the same while a set is collected.
 *
 * DESIGN
 * A policy is a bit per list of the set it was made for plus a counter per
 * list. Deciding is a walk over an IOC's matches (or over its
 * "warninglist:<id>" labels, for store rows), so the same policy serves
 * convert, which matches in memory, and the run driver, which publishes
 * from the store. cf_wl_apply matches each IOC once, adds its labels and
 * decides, all inside the one cf_iocset_retain pass that removes the
 * withheld IOCs, so every IOC record is visited once.
 *
 * The screen (cf_wl_screen) takes the collector's place in front of the
 * set: it normalises an observation, matches the canonical value and then
 * merges it, so the labels are written while the record is in memory and
 * a withheld IOC never enters the set (a spilling set would otherwise read
 * every record back for the pass). A withheld observation only has its
 * key's 64-bit hash put in a table of its own, which counts each IOC once
 * however often it is seen (two IOCs of one hash, a chance of about n^2 in
 * 2^65 for n withheld IOCs, would count as one); its record is never
 * built. A later observation that brings labels of its own to a matched IOC
 * has the list labels moved back behind them, so the labels come out in
 * the order cf_wl_apply gives.
 */
#include <stdlib.h>
#include <string.h>

#include "ctiflow/limits.h"
#include "warninglist_int.h"

const char *const cf_wl_never_block[] = {
    "rfc1918", "rfc5735", "rfc6598", "rfc3849", "rfc6761", "multicast",
    "ipv6-linklocal", "public-dns-v4", "public-dns-v6", "empty-hashes", NULL,
};

const char *const *cf_wl_default_exclude(bool block_list)
{
    return block_list ? cf_wl_never_block : NULL;
}

struct cf_wl_policy {
    const cf_wlset *set;
    size_t n_lists;
    bool *excluded;
    uint64_t *withheld;
    uint64_t total;
    size_t n_excluded;
};

static void pol_exclude(cf_wl_policy *pol, int i)
{
    if (i >= 0 && !pol->excluded[i]) {
        pol->excluded[i] = true;
        pol->n_excluded++;
    }
}

cf_status cf_wl_policy_new(cf_wl_policy **out, const cf_wlset *set, const char *const *names,
                           size_t n, cf_error *err)
{
    cf_status st = CF_ENOMEM;
    cf_wl_policy *pol = calloc(1, sizeof *pol);

    *out = NULL;
    if (!pol) {
        goto out;
    }
    pol->set = set;
    pol->n_lists = cf_wl_count(set);
    pol->excluded = calloc(pol->n_lists + 1, sizeof *pol->excluded);
    pol->withheld = calloc(pol->n_lists + 1, sizeof *pol->withheld);
    if (!pol->excluded || !pol->withheld) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], "default") == 0) {
            for (size_t k = 0; cf_wl_never_block[k]; k++) {
                pol_exclude(pol, cf_wl_find(set, cf_wl_never_block[k]));
            }
            continue;
        }
        int idx = cf_wl_find(set, names[i]);
        if (idx < 0) {
            st = cf_error_set(err, CF_ENOTFOUND, NULL, 0, "no warning list named '%s'", names[i]);
            goto out;
        }
        pol_exclude(pol, idx);
    }
    *out = pol;
    pol = NULL;
    st = CF_OK;

out:
    cf_wl_policy_free(pol);
    return st;
}

void cf_wl_policy_free(cf_wl_policy *pol)
{
    if (!pol) {
        return;
    }
    free(pol->excluded);
    free(pol->withheld);
    free(pol);
}

bool cf_wl_policy_empty(const cf_wl_policy *pol)
{
    return !pol || pol->n_excluded == 0;
}

bool cf_wl_policy_withholds(cf_wl_policy *pol, const cf_wl_matches *m)
{
    bool withheld = false;

    if (cf_wl_policy_empty(pol)) {
        return false;
    }
    for (size_t i = 0; i < m->n; i++) {
        uint16_t l = m->lists[i];
        if (l < pol->n_lists && pol->excluded[l]) {
            pol->withheld[l]++;
            withheld = true;
        }
    }
    pol->total += withheld;
    return withheld;
}

/* Add the list named by one label (s, n bytes) to m when it is a warning-list label. */
static void pol_label(const cf_wl_policy *pol, const char *s, size_t n, cf_wl_matches *m)
{
    size_t plen = strlen(CF_WL_LABEL_PREFIX);
    if (n <= plen || memcmp(s, CF_WL_LABEL_PREFIX, plen) != 0 || m->n >= CF_WL_MAX_MATCHES) {
        return;
    }
    for (size_t i = 0; i < pol->n_lists; i++) {
        const char *id = cf_wl_info_at(pol->set, i)->id;
        if (pol->excluded[i] && strlen(id) == n - plen && memcmp(id, s + plen, n - plen) == 0) {
            m->lists[m->n++] = (uint16_t)i;
            return;
        }
    }
}

bool cf_wl_policy_withholds_labels(cf_wl_policy *pol, const char *const *arr, size_t n,
                                   const char *joined)
{
    cf_wl_matches m;

    m.n = 0;
    if (cf_wl_policy_empty(pol)) {
        return false;
    }
    if (arr) {
        for (size_t i = 0; i < n; i++) {
            pol_label(pol, arr[i], strlen(arr[i]), &m);
        }
    } else {
        for (const char *p = joined; p && *p;) {
            size_t k = strcspn(p, "\n");
            pol_label(pol, p, k, &m);
            p += k + (p[k] == '\n');
        }
    }
    return cf_wl_policy_withholds(pol, &m);
}

uint64_t cf_wl_policy_withheld(const cf_wl_policy *pol, size_t list)
{
    return pol && list < pol->n_lists ? pol->withheld[list] : 0;
}

uint64_t cf_wl_policy_total(const cf_wl_policy *pol)
{
    return pol ? pol->total : 0;
}

void cf_wl_policy_reset(cf_wl_policy *pol)
{
    if (!pol) {
        return;
    }
    memset(pol->withheld, 0, pol->n_lists * sizeof *pol->withheld);
    pol->total = 0;
}

/* ---- IOC sets ------------------------------------------------------- */

/*
 * Most matched IOCs carry no labels before and match the same few lists,
 * so the label list one of them ends up with is kept and handed to the next
 * with the same labels and matches: the set's label lists are shared and
 * never changed in place, which makes this safe.
 */
typedef struct label_memo {
    cf_wl_matches last;          /* matches of the last labelled IOC */
    const char **last_from;      /* its labels before, and after */
    const char **last_to;
    uint16_t last_n_from, last_n_to;
} label_memo;

/*
 * Give ioc labels[0..n) (interned) after its other labels, moving them to
 * the end when it has them already. When the others leave no room
 * (CF_MAX_LABELS_PER_IOC), the last others give way: whether a list
 * withholds a published IOC is read from its labels, and a value a list
 * says never to block must not reach a block list because a feed tagged it
 * many times.
 */
static cf_status labels_last(cf_iocset *set, cf_ioc *ioc, const char *const *labels, size_t n)
{
    const char *others[CF_MAX_LABELS_PER_IOC];
    size_t n_others = 0;

    for (size_t i = 0; i < ioc->n_labels && n_others + n < CF_MAX_LABELS_PER_IOC; i++) {
        bool ours = false;
        for (size_t k = 0; k < n && !ours; k++) {
            ours = ioc->labels[i] == labels[k];
        }
        if (!ours) {
            others[n_others++] = ioc->labels[i];
        }
    }
    ioc->labels = NULL;
    ioc->n_labels = 0;
    cf_status st = cf_iocset_add_labels(set, ioc, others, n_others);
    return st == CF_OK ? cf_iocset_add_labels(set, ioc, labels, n) : st;
}

/* Unite labels[0..n) (interned) into ioc's labels; labels_last when they do not fit. */
static cf_status give_labels(cf_iocset *set, cf_ioc *ioc, const char *const *labels, size_t n)
{
    size_t missing = 0;
    for (size_t k = 0; k < n; k++) {
        bool has = false;
        for (size_t i = 0; i < ioc->n_labels && !has; i++) {
            has = ioc->labels[i] == labels[k];
        }
        missing += !has;
    }
    if (ioc->n_labels + missing <= CF_MAX_LABELS_PER_IOC) {
        return cf_iocset_add_labels(set, ioc, labels, n);
    }
    return labels_last(set, ioc, labels, n);
}

/* Unite labels (those of the matches m) into ioc's labels, through the memo. */
static cf_status memo_label(label_memo *lm, cf_iocset *set, cf_ioc *ioc, const cf_wl_matches *m,
                            const char *const *labels)
{
    if (lm->last_to && ioc->labels == lm->last_from && ioc->n_labels == lm->last_n_from &&
        m->n == lm->last.n && memcmp(m->lists, lm->last.lists, m->n * sizeof m->lists[0]) == 0) {
        ioc->labels = lm->last_to;
        ioc->n_labels = lm->last_n_to;
        return CF_OK;
    }
    const char **from = ioc->labels;
    uint16_t n_from = ioc->n_labels;
    cf_status st = give_labels(set, ioc, labels, m->n);
    if (st == CF_OK) {
        lm->last = *m;
        lm->last_from = from;
        lm->last_n_from = n_from;
        lm->last_to = ioc->labels;
        lm->last_n_to = ioc->n_labels;
    }
    return st;
}

/* One pass of cf_wl_apply. */
typedef struct apply_pass {
    const cf_wlset *set;
    cf_wl_policy *pol;
    cf_iocset *iocs;
    cf_wl_apply_stats stats;
    cf_status st;
    label_memo memo;
} apply_pass;

static void apply_label(apply_pass *p, cf_ioc *ioc, const cf_wl_matches *m)
{
    const char *labels[CF_WL_MAX_MATCHES];
    for (size_t k = 0; k < m->n; k++) {
        const char *label = cf_wl_label(p->set, m->lists[k]);
        labels[k] = cf_iocset_intern(p->iocs, label, strlen(label));
        if (!labels[k]) {
            p->st = CF_ENOMEM;
            return;
        }
    }
    p->st = memo_label(&p->memo, p->iocs, ioc, m, labels);
}

static bool apply_one(void *ctx, cf_ioc *ioc)
{
    apply_pass *p = ctx;
    cf_wl_matches m;

    if (p->st != CF_OK || cf_wl_match(p->set, ioc, &m) == 0) {
        return true;
    }
    p->stats.matched++;
    apply_label(p, ioc, &m);
    if (p->st != CF_OK || !cf_wl_policy_withholds(p->pol, &m)) {
        return true;
    }
    p->stats.withheld++;
    return false;
}

cf_status cf_wl_apply(const cf_wlset *set, cf_wl_policy *pol, cf_iocset *iocs,
                      cf_wl_apply_stats *out)
{
    apply_pass p = {.set = set, .pol = pol, .iocs = iocs, .st = CF_OK};

    /* Matching, labelling and removing the withheld IOCs in one pass. */
    cf_iocset_retain(iocs, apply_one, &p);
    if (out) {
        *out = p.stats;
    }
    return p.st;
}

size_t cf_wl_ioc_lists(const cf_ioc *ioc, const char **ids, size_t cap)
{
    size_t plen = strlen(CF_WL_LABEL_PREFIX), n = 0;

    for (uint16_t i = 0; i < ioc->n_labels && n < cap; i++) {
        const char *l = ioc->labels[i];
        if (strncmp(l, CF_WL_LABEL_PREFIX, plen) == 0 && l[plen]) {
            ids[n++] = l + plen;
        }
    }
    return n;
}

bool cf_wl_ioc_listed(const cf_ioc *ioc, const char *id)
{
    size_t plen = strlen(CF_WL_LABEL_PREFIX);

    for (uint16_t i = 0; i < ioc->n_labels; i++) {
        const char *l = ioc->labels[i];
        if (strncmp(l, CF_WL_LABEL_PREFIX, plen) == 0 && strcmp(l + plen, id) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- screening while collecting ------------------------------------- */

/* The keys of the IOCs withheld so far: 64-bit hashes, open addressing, 0 empty. */
typedef struct held_keys {
    uint64_t *slots;
    size_t mask, n;
} held_keys;

/* A 64-bit hash of an IOC's type and canonical value. */
static uint64_t held_key(cf_ioc_type type, const char *v, size_t len)
{
    uint64_t h = 0x243f6a8885a308d3ull ^ (uint64_t)type;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, v + i, 8);
        h = (((h << 29) | (h >> 35)) ^ w) * 0x9E3779B97F4A7C15ull;
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, v + i, len - i);
        h = (((h << 29) | (h >> 35)) ^ w) * 0x9E3779B97F4A7C15ull;
    }
    h ^= len;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h ? h : 1;
}

static bool held_put(uint64_t *slots, size_t mask, uint64_t key)
{
    size_t j = (size_t)key & mask;
    for (; slots[j]; j = (j + 1) & mask) {
        if (slots[j] == key) {
            return false;
        }
    }
    slots[j] = key;
    return true;
}

/* Add key; *fresh tells whether it was new. */
static cf_status held_add(held_keys *hk, uint64_t key, bool *fresh)
{
    if ((hk->n + 1) * 4 > (hk->mask + 1) * 3) {
        size_t cap = hk->slots ? (hk->mask + 1) * 2 : 1024;
        uint64_t *slots = calloc(cap, sizeof *slots);
        if (!slots) {
            return CF_ENOMEM;
        }
        for (size_t j = 0; hk->slots && j <= hk->mask; j++) {
            if (hk->slots[j]) {
                held_put(slots, cap - 1, hk->slots[j]);
            }
        }
        free(hk->slots);
        hk->slots = slots;
        hk->mask = cap - 1;
    }
    *fresh = held_put(hk->slots, hk->mask, key);
    hk->n += *fresh;
    return CF_OK;
}

struct cf_wl_screen {
    const cf_wlset *set;
    cf_wl_policy *pol;
    cf_collector *coll;
    /*
     * The collector's set, read once: the merge thread reads it for every
     * observation, and the collector's line also holds the cf_norm the
     * reading thread writes for every observation.
     */
    cf_iocset *into;
    cf_sink inner;         /* the collector's own sink, for diagnostics, compounds, events */
    held_keys held;        /* withheld IOCs, one each, to count them once */
    const char **interned; /* per list: its label as interned in the collector's set */
    uint64_t matched;      /* IOCs of the collector's set that matched */
    label_memo memo;       /* labels of the last new IOC that matched */
};

/* True when the policy withholds an IOC with these matches (nothing counted). */
static bool pol_excludes(const cf_wl_policy *pol, const cf_wl_matches *m)
{
    if (cf_wl_policy_empty(pol)) {
        return false;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (m->lists[i] < pol->n_lists && pol->excluded[m->lists[i]]) {
            return true;
        }
    }
    return false;
}

cf_status cf_wl_screen_new(cf_wl_screen **out, const cf_wlset *set, cf_wl_policy *pol,
                           cf_collector *coll)
{
    cf_status st = CF_ENOMEM;
    cf_wl_screen *s = calloc(1, sizeof *s);

    *out = NULL;
    if (!s) {
        goto out;
    }
    s->set = set;
    s->pol = pol;
    s->coll = coll;
    s->into = coll->set;
    s->inner = cf_collector_sink(coll);
    s->interned = calloc(cf_wl_count(set) + 1, sizeof *s->interned);
    if (!s->interned) {
        goto out;
    }
    *out = s;
    s = NULL;
    st = CF_OK;

out:
    cf_wl_screen_free(s);
    return st;
}

void cf_wl_screen_free(cf_wl_screen *s)
{
    if (!s) {
        return;
    }
    free(s->held.slots);
    free(s->interned);
    free(s);
}

/* The labels of m as interned in the collector's set, in list order. */
static cf_status screen_labels(cf_wl_screen *s, const cf_wl_matches *m, const char **labels)
{
    for (size_t k = 0; k < m->n; k++) {
        uint16_t l = m->lists[k];
        if (!s->interned[l]) {
            const char *label = cf_wl_label(s->set, l);
            s->interned[l] = cf_iocset_intern(s->into, label, strlen(label));
            if (!s->interned[l]) {
                return CF_ENOMEM;
            }
        }
        labels[k] = s->interned[l];
    }
    return CF_OK;
}

/*
 * Give a matched IOC its labels after every source label, as cf_wl_apply
 * would: a new IOC gets them appended; an IOC a later observation gave new
 * labels has them moved back to the end.
 */
static cf_status screen_label(cf_wl_screen *s, cf_ioc *ioc, const cf_wl_matches *m, bool fresh)
{
    cf_iocset *set = s->into;
    const char *labels[CF_WL_MAX_MATCHES];
    cf_status st = screen_labels(s, m, labels);

    if (st != CF_OK || fresh) {
        return st == CF_OK ? memo_label(&s->memo, set, ioc, m, labels) : st;
    }
    size_t n = ioc->n_labels;
    bool last = n >= m->n;
    for (size_t k = 0; last && k < m->n; k++) {
        last = ioc->labels[n - m->n + k] == labels[k];
    }
    return last ? CF_OK : labels_last(set, ioc, labels, m->n);
}

/*
 * After the match: an IOC the policy excludes goes to the held set (counted
 * once), any other into the collector's set, labelled when it matched.
 * hash is the key's cf_iocset_hash.
 */
static cf_status screen_merge(cf_wl_screen *s, const cf_obs *obs, const cf_norm *norm,
                              uint32_t hash, const cf_wl_matches *m)
{
    cf_iocset *set = s->into;
    cf_status st;

    if (m->n == 0) {
        return cf_iocset_merge_hashed(set, obs, norm, hash, NULL);
    }
    if (pol_excludes(s->pol, m)) {
        /* Counted in the policy when first seen, as cf_wl_apply counts each IOC once. */
        bool fresh = false;
        st = held_add(&s->held, held_key(norm->type, norm->value.data, norm->value.len), &fresh);
        if (st == CF_OK && fresh) {
            cf_wl_policy_withholds(s->pol, m);
        }
        return st;
    }
    size_t before = cf_iocset_count(set);
    cf_ioc *ioc = NULL;
    st = cf_iocset_merge_hashed(set, obs, norm, hash, &ioc);
    if (st != CF_OK || !ioc) {
        return st;
    }
    bool fresh = cf_iocset_count(set) > before;
    s->matched += fresh;
    return screen_label(s, ioc, m, fresh);
}

/* The collector's observation callback with the match decided before the merge. */
static cf_status screen_obs(void *ctx, const cf_obs *obs)
{
    cf_wl_screen *s = ctx;
    cf_collector *c = s->coll;
    cf_wl_matches m;

    cf_status st = cf_collector_normalize(c, obs);
    if (st != CF_OK) {
        return st == CF_EMALFORMED ? CF_OK : st;
    }
    wl_match_len(s->set, c->norm.type, c->norm.hash_type, cf_buf_str(&c->norm.value),
                 c->norm.value.len, &c->norm, &m);
    return screen_merge(s, obs, &c->norm,
                        cf_iocset_hash(c->norm.type, c->norm.value.data, c->norm.value.len), &m);
}

/*
 * A merger's screen: matched, withheld and labelled on the merge thread,
 * which has time to spare while the reading thread reads and normalises.
 */
static cf_status screen_merging(void *ctx, const cf_obs *obs, const cf_norm *norm, uint32_t hash)
{
    cf_wl_screen *s = ctx;
    cf_wl_matches m;
    wl_match_len(s->set, norm->type, norm->hash_type, norm->value.data, norm->value.len, norm, &m);
    return screen_merge(s, obs, norm, hash, &m);
}

cf_merge_screen cf_wl_screen_merging(cf_wl_screen *s)
{
    cf_merge_screen sc = {screen_merging, s};
    return sc;
}

static void screen_diag(void *ctx, const cf_diag *d)
{
    cf_wl_screen *s = ctx;
    s->inner.diag(s->inner.ctx, d);
}

static cf_status screen_compound(void *ctx, const cf_compound *comp)
{
    cf_wl_screen *s = ctx;
    return s->inner.compound(s->inner.ctx, comp);
}

static cf_event *screen_event(void *ctx, const cf_event *proto)
{
    cf_wl_screen *s = ctx;
    return s->inner.event(s->inner.ctx, proto);
}

cf_sink cf_wl_screen_sink(cf_wl_screen *s)
{
    cf_sink sink = {screen_obs, screen_diag, screen_compound, screen_event, s};
    return sink;
}

cf_status cf_wl_screen_finish(cf_wl_screen *s, cf_wl_apply_stats *out)
{
    size_t n = s->held.n;

    if (out) {
        out->matched = s->matched + n;
        out->withheld = n;
    }
    return CF_OK;
}
