/*
 * The threaded collector (cf_merger, iocset.h): the thread that reads an
 * input normalises its observations, a thread of its own merges them into
 * the set, so the two halves of collecting run on two cores.
 *
 * DESIGN
 * A batch holds up to MERGE_BATCH_ITEMS observations, or about
 * MERGE_BATCH_BYTES of their strings: per observation the fields of the
 * cf_obs and the cf_norm that a merge reads, every string copied into the
 * batch's byte buffer and named by its offset (the buffer may move while
 * it grows; the merge thread turns offsets into pointers). The text as
 * found is copied only when normalising changed it, the only case where a
 * merge keeps it. The reading thread computes the key's hash too, the
 * address the normaliser parsed goes along (a screen's matching then need
 * not parse it again), and the merge thread fetches the key-table slots
 * and IOCs of the merges a few steps ahead, since nearly every look-up
 * misses the cache.
 *
 * MERGE_BATCHES batches go round between two queues: the reading thread
 * fills one and pushes it on `full`, the merge thread pops it, merges its
 * observations in order and pushes it back on `empty`, where the reading
 * thread takes its next one. Memory is those batches, and the reader
 * waits when the merges fall behind.
 *
 * A screen (warning lists) takes the place of the set's merge on the merge
 * thread: it matches each observation, then withholds it or merges and
 * labels it. The merge thread has time to spare while the reading thread
 * reads and normalises, so that is where the matching goes.
 *
 * A sync hands over the batch being filled and takes every batch back
 * from `empty`: once the reading thread holds them all, every observation
 * is merged and the merge thread waits on `full`, so the reading thread
 * may touch the set itself (an event, a compound indicator) until it hands
 * a batch over again. The queues' mutex orders what either thread wrote
 * before a hand-over before what the other reads after it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ctiflow/buf.h"
#include "ctiflow/iocset.h"
#include "ctiflow/queue.h"

#define MERGE_BATCHES 4
#define MERGE_BATCH_ITEMS 2048
#define MERGE_BATCH_BYTES (512u << 10)
#define MERGE_NONE SIZE_MAX /* the offset of a NULL string */
#define MERGE_AHEAD_SLOT 8  /* merges ahead whose key-table slot is fetched */
#define MERGE_AHEAD_IOC 4   /* merges ahead whose IOC is fetched */

/* One observation and its canonical value, strings as offsets into the batch's bytes. */
typedef struct merge_item {
    cf_obs obs; /* text, feed, ref, comment and the name lists are not set here */
    size_t text, feed, ref, comment;
    size_t labels, malware, actors; /* first index into the batch's names */
    size_t value, value_len, display, display_len;
    uint32_t hash; /* cf_iocset_hash of the canonical value */
    cf_ioc_type type, hash_type;
    int port;
    bool changed, host_bits_cleared;
    uint8_t addr_family, addr_prefix; /* the normaliser's address, for matching */
    unsigned char addr[16];
} merge_item;

typedef struct merge_batch {
    merge_item *items;
    size_t n_items;
    cf_buf bytes;
    size_t *names; /* offsets of the names of every list, in order */
    size_t n_names, cap_names;
    const char **name_ptrs; /* names as pointers, filled by the merge thread */
    size_t cap_ptrs;
} merge_batch;

struct cf_merger {
    cf_collector *coll;
    cf_merge_screen screen; /* merge NULL: none */
    cf_queue *full, *empty;
    pthread_t thread;
    bool started;
    cf_status st; /* first merge failure; atomic loads and stores */

    /* State of the reading thread. */
    merge_batch *all[MERGE_BATCHES];
    merge_batch *own[MERGE_BATCHES]; /* empty batches the reading thread holds */
    size_t n_own;
    merge_batch *cur; /* the batch being filled, or NULL */
};

/* ---- batches, on the reading thread ------------------------------------ */

static void batch_free(merge_batch *b)
{
    if (!b) {
        return;
    }
    free(b->items);
    cf_buf_free(&b->bytes);
    free(b->names);
    free(b->name_ptrs);
    free(b);
}

static merge_batch *batch_new(void)
{
    merge_batch *b = calloc(1, sizeof *b);
    if (b) {
        b->items = malloc(MERGE_BATCH_ITEMS * sizeof *b->items);
    }
    if (b && (!b->items || cf_buf_reserve(&b->bytes, MERGE_BATCH_BYTES) != CF_OK)) {
        batch_free(b);
        return NULL;
    }
    return b;
}

/*
 * Copy n bytes of s (and a NUL) into the batch; *off gets where, MERGE_NONE
 * for NULL. The bytes have room nearly always (they are reserved at
 * MERGE_BATCH_BYTES), so the copy is inline.
 */
static inline cf_status batch_put(merge_batch *b, const char *s, size_t n, size_t *off)
{
    cf_buf *buf = &b->bytes;
    if (!s) {
        *off = MERGE_NONE;
        return CF_OK;
    }
    if (buf->len + n + 2 > buf->cap && cf_buf_reserve(buf, n + 1) != CF_OK) {
        return CF_ENOMEM;
    }
    *off = buf->len;
    memcpy(buf->data + buf->len, s, n);
    buf->len += n + 1;
    buf->data[buf->len - 1] = '\0';
    buf->data[buf->len] = '\0';
    return CF_OK;
}

static cf_status batch_put_str(merge_batch *b, const char *s, size_t *off)
{
    return batch_put(b, s, s ? strlen(s) : 0, off);
}

/* Copy a list of n names; *first gets the index of its first name. */
static cf_status batch_put_names(merge_batch *b, const char *const *names, size_t n, size_t *first)
{
    *first = b->n_names;
    if (b->n_names + n > b->cap_names) {
        size_t cap = b->cap_names ? b->cap_names : 256;
        while (cap < b->n_names + n) {
            cap *= 2;
        }
        size_t *p = realloc(b->names, cap * sizeof *p);
        if (!p) {
            return CF_ENOMEM;
        }
        b->names = p;
        b->cap_names = cap;
    }
    for (size_t i = 0; i < n; i++) {
        if (batch_put_str(b, names[i], &b->names[b->n_names++]) != CF_OK) {
            return CF_ENOMEM;
        }
    }
    return CF_OK;
}

static cf_status batch_add(merge_batch *b, const cf_obs *obs, const cf_norm *norm)
{
    merge_item *it = &b->items[b->n_items];
    cf_status st = CF_OK;

    it->obs = *obs;
    it->type = norm->type;
    it->hash_type = norm->hash_type;
    it->port = norm->port;
    it->changed = norm->changed;
    it->host_bits_cleared = norm->host_bits_cleared;
    it->display_len = norm->display_name.len;
    it->value_len = norm->value.len;
    it->hash = cf_iocset_hash(norm->type, norm->value.data, norm->value.len);
    it->addr_family = (uint8_t)norm->addr_family;
    it->addr_prefix = (uint8_t)norm->addr_prefix;
    if (norm->addr_family) {
        memcpy(it->addr, norm->addr, sizeof it->addr);
    }

    /* The text as found is kept by a merge only when normalising changed it. */
    st = batch_put(b, norm->changed ? obs->text : NULL, obs->len, &it->text);
    if (st == CF_OK) {
        st = batch_put(b, norm->value.data, norm->value.len, &it->value);
    }
    if (st == CF_OK) {
        st = batch_put(b, norm->display_name.len ? norm->display_name.data : NULL,
                       norm->display_name.len, &it->display);
    }
    if (st == CF_OK) {
        st = batch_put_str(b, obs->feed, &it->feed);
    }
    if (st == CF_OK) {
        st = batch_put_str(b, obs->ref, &it->ref);
    }
    if (st == CF_OK) {
        st = batch_put_str(b, obs->comment, &it->comment);
    }
    if (st == CF_OK) {
        st = batch_put_names(b, obs->labels, obs->n_labels, &it->labels);
    }
    if (st == CF_OK) {
        st = batch_put_names(b, obs->malware, obs->n_malware, &it->malware);
    }
    if (st == CF_OK) {
        st = batch_put_names(b, obs->actors, obs->n_actors, &it->actors);
    }
    if (st == CF_OK) {
        b->n_items++;
    }
    return st;
}

/* ---- the merge thread ------------------------------------------------- */

static const char *batch_str(const merge_batch *b, size_t off)
{
    return off == MERGE_NONE ? NULL : b->bytes.data + off;
}

/* Merge the observations of b in order (through the screen when there is one). */
static cf_status batch_merge(cf_iocset *set, const cf_merge_screen *sc, merge_batch *b)
{
    if (b->n_names > b->cap_ptrs) {
        const char **p = realloc(b->name_ptrs, b->cap_names * sizeof *p);
        if (!p) {
            return CF_ENOMEM;
        }
        b->name_ptrs = p;
        b->cap_ptrs = b->cap_names;
    }
    for (size_t i = 0; i < b->n_names; i++) {
        b->name_ptrs[i] = batch_str(b, b->names[i]);
    }

    /* One cf_norm for the batch: each merge sets every field it reads. */
    cf_norm norm = CF_NORM_INIT;

    for (size_t i = 0; i < b->n_items; i++) {
        const merge_item *it = &b->items[i];
        /* Key-table slots are far apart: fetch the slot and then the IOC of merges ahead. */
        if (i + MERGE_AHEAD_SLOT < b->n_items) {
            cf_iocset_prefetch(set, b->items[i + MERGE_AHEAD_SLOT].hash, false);
        }
        if (i + MERGE_AHEAD_IOC < b->n_items) {
            cf_iocset_prefetch(set, b->items[i + MERGE_AHEAD_IOC].hash, true);
        }
        cf_obs obs = it->obs;
        obs.text = batch_str(b, it->text);
        obs.feed = batch_str(b, it->feed);
        obs.ref = batch_str(b, it->ref);
        obs.comment = batch_str(b, it->comment);
        obs.labels = obs.n_labels ? b->name_ptrs + it->labels : NULL;
        obs.malware = obs.n_malware ? b->name_ptrs + it->malware : NULL;
        obs.actors = obs.n_actors ? b->name_ptrs + it->actors : NULL;

        norm.type = it->type;
        norm.hash_type = it->hash_type;
        norm.port = it->port;
        norm.changed = it->changed;
        norm.host_bits_cleared = it->host_bits_cleared;
        norm.value.data = b->bytes.data + it->value;
        norm.value.len = it->value_len;
        norm.addr_family = it->addr_family;
        if (it->addr_family) {
            norm.addr_prefix = it->addr_prefix;
            memcpy(norm.addr, it->addr, sizeof norm.addr);
        }
        bool display = it->display != MERGE_NONE;
        norm.display_name.data = display ? b->bytes.data + it->display : NULL;
        norm.display_name.len = display ? it->display_len : 0;
        cf_status st = sc->merge ? sc->merge(sc->ctx, &obs, &norm, it->hash)
                                 : cf_iocset_merge_hashed(set, &obs, &norm, it->hash, NULL);
        if (st != CF_OK) {
            return st;
        }
    }
    return CF_OK;
}

static void *merger_main(void *arg)
{
    cf_merger *m = arg;
    void *p = NULL;

    while (cf_queue_pop(m->full, &p)) {
        merge_batch *b = p;
        /* After a failure the batches still go round, unmerged, until the end. */
        if (__atomic_load_n(&m->st, __ATOMIC_ACQUIRE) == CF_OK) {
            cf_status st = batch_merge(m->coll->set, &m->screen, b);
            if (st != CF_OK) {
                __atomic_store_n(&m->st, st, __ATOMIC_RELEASE);
            }
        }
        b->n_items = 0;
        b->n_names = 0;
        cf_buf_reset(&b->bytes);
        cf_queue_push(m->empty, b);
    }
    return NULL;
}

/* ---- the sink, on the reading thread ------------------------------------ */

/* Hand the batch being filled to the merge thread. */
static void merger_hand(cf_merger *m)
{
    if (m->cur && m->cur->n_items) {
        cf_queue_push(m->full, m->cur);
        m->cur = NULL;
    }
}

/* A batch to fill: one the reading thread holds, or the next the merge thread gives back. */
static merge_batch *merger_take(cf_merger *m)
{
    void *p = NULL;
    if (m->n_own) {
        return m->own[--m->n_own];
    }
    cf_queue_pop(m->empty, &p);
    return p;
}

static cf_status merger_obs(void *ctx, const cf_obs *obs)
{
    cf_merger *m = ctx;
    cf_status st = __atomic_load_n(&m->st, __ATOMIC_ACQUIRE);
    if (st != CF_OK) {
        return st;
    }

    st = cf_collector_normalize(m->coll, obs);
    if (st == CF_EMALFORMED) {
        return CF_OK;
    }
    if (st != CF_OK) {
        return st;
    }
    if (!m->cur) {
        m->cur = merger_take(m);
    }
    st = batch_add(m->cur, obs, &m->coll->norm);
    if (m->cur->n_items == MERGE_BATCH_ITEMS || m->cur->bytes.len >= MERGE_BATCH_BYTES) {
        merger_hand(m);
    }
    return st;
}

static void merger_diag(void *ctx, const cf_diag *d)
{
    cf_merger *m = ctx;
    cf_sink s = cf_collector_sink(m->coll);
    s.diag(s.ctx, d);
}

static cf_status merger_compound(void *ctx, const cf_compound *c)
{
    cf_merger *m = ctx;
    cf_status st = cf_merger_sync(m);
    if (st != CF_OK) {
        return st;
    }
    cf_sink s = cf_collector_sink(m->coll);
    return s.compound(s.ctx, c);
}

static cf_event *merger_event(void *ctx, const cf_event *proto)
{
    cf_merger *m = ctx;
    if (cf_merger_sync(m) != CF_OK) {
        return NULL;
    }
    cf_sink s = cf_collector_sink(m->coll);
    return s.event(s.ctx, proto);
}

/* ---- lifetime ----------------------------------------------------------- */

cf_status cf_merger_sync(cf_merger *m)
{
    merger_hand(m);
    size_t held = m->n_own + (m->cur ? 1 : 0);
    for (size_t i = held; i < MERGE_BATCHES; i++) {
        void *p = NULL;
        cf_queue_pop(m->empty, &p);
        m->own[m->n_own++] = p;
    }
    return __atomic_load_n(&m->st, __ATOMIC_ACQUIRE);
}

cf_sink cf_merger_sink(cf_merger *m)
{
    cf_sink s = {merger_obs, merger_diag, merger_compound, merger_event, m};
    return s;
}

cf_status cf_merger_start(cf_merger **out, cf_collector *c)
{
    return cf_merger_start_screened(out, c, NULL);
}

cf_status cf_merger_start_screened(cf_merger **out, cf_collector *c, const cf_merge_screen *sc)
{
    cf_merger *m = calloc(1, sizeof *m);
    cf_status st = CF_ENOMEM;

    *out = NULL;
    if (!m) {
        goto out;
    }
    m->coll = c;
    if (sc) {
        m->screen = *sc;
    }
    m->full = cf_queue_new(MERGE_BATCHES);
    m->empty = cf_queue_new(MERGE_BATCHES);
    if (!m->full || !m->empty) {
        goto out;
    }
    for (size_t i = 0; i < MERGE_BATCHES; i++) {
        m->all[i] = batch_new();
        if (!m->all[i]) {
            goto out;
        }
        m->own[m->n_own++] = m->all[i];
    }
    if (pthread_create(&m->thread, NULL, merger_main, m) != 0) {
        goto out;
    }
    m->started = true;
    *out = m;
    st = CF_OK;
out:
    if (st != CF_OK) {
        cf_merger_finish(m);
    }
    return st;
}

cf_status cf_merger_finish(cf_merger *m)
{
    if (!m) {
        return CF_OK;
    }
    cf_status st = CF_OK;
    if (m->started) {
        st = cf_merger_sync(m);
        cf_queue_close(m->full);
        pthread_join(m->thread, NULL);
    }
    for (size_t i = 0; i < MERGE_BATCHES; i++) {
        batch_free(m->all[i]);
    }
    cf_queue_free(m->full);
    cf_queue_free(m->empty);
    free(m);
    return st;
}
