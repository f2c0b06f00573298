/*
 * The in-memory IOC set: de-duplication by (type, canonical value) and the
 * merge of context from every source that listed an IOC.
 *
 * DESIGN
 * Everything the set holds lives in an arena of 1 MiB chunks that is freed
 * at once: IOC structs, their values, sighting arrays, interned strings and
 * label arrays. Nothing is ever removed, so the arena never fragments and an
 * IOC costs its struct, its value and one table slot.
 *
 * The key table is open addressing with linear probing over (hash, index)
 * pairs kept at most 70 % full; the hash mixes the type byte and the
 * value in eight bytes a step. IOCs are also kept in an array in insertion order, which is
 * the order every writer emits. Interned strings (feed names, labels,
 * families, actors) use a second table of the same shape, so context
 * strings are compared by pointer during merges. Sighting refs, nearly all
 * distinct, are plain copies in the arena.
 *
 * A retain (the only removal: warning-list policies) compacts the order
 * array and renumbers the key table in place: the slot of a removed IOC
 * becomes a tombstone that lookups step over and the next growth drops, so
 * no slot moves and no table is allocated.
 *
 * A set told to spill (cf_iocset_spill) takes its arena chunks, once the
 * chunks on the heap pass the resident budget, from an unlinked temporary
 * file mapped shared into memory. Records keep their addresses, so every
 * caller reads them as before, and the records live in the page cache and
 * on disk. The set hands the file's pages back to the kernel
 * (MADV_DONTNEED, which keeps a shared file's data) only when more than
 * its budget of them is mapped. Each look-up, merge or read by position
 * adds what it may map (a read fault maps up to 16 pages around its own,
 * a write fault one page); once that reaches half the budget (at least
 * SPILL_LOOK, at most SPILL_LOOK_MAX), and when a chunk fills, the set
 * reads how many file pages the process has mapped (/proc/self/statm,
 * less those mapped before the file was) and, past the budget, releases
 * all of them but the current chunk's free space and the window of a read
 * in order; without /proc it releases at each look.
 *
 * The budget is the resident bytes plus what repeats earn: each merge into
 * an IOC already in the set adds SPILL_REPEAT, up to SPILL_PER_IOC bytes
 * per IOC of the set and SPILL_EARNED_MAX in all. A set of distinct IOCs
 * writes its file once and reads it in order, so it gains nothing from
 * keeping old pages and keeps few; the repeats of a feed land on IOCs
 * anywhere in the file, and with a small budget nearly each one would
 * fault its page back in. The memory of a huge set is then its key table,
 * its order array, its heap chunks and about its budget of file pages
 * (one and a half of a small budget, 16 MB more than a large one),
 * however often its records are touched.
 *
 * Pages come back in as few faults as the access allows. A read in order
 * (cf_iocset_at of the next position, a retain) maps SPILL_AHEAD bytes of
 * records at once (MADV_POPULATE_READ) and hands back the window it
 * passed. A merge writes the record of a matching hash before reading it,
 * so a page handed back returns with one write fault instead of a read
 * fault and a write fault. The chunk being filled maps SPILL_FILL bytes
 * ahead for writing.
 *
 * The file's blocks are reserved before they are mapped (posix_fallocate),
 * so a full disk is a failed allocation, not a fault. A spilling set never
 * frees into its arena: sighting arrays also come from it, so nothing has
 * to walk the records when the set is freed.
 */
#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctiflow/buf.h"
#include "ctiflow/iocset.h"
#include "ctiflow/limits.h"
#include "ctiflow/queue.h"

#define ARENA_CHUNK (1u << 20)
#define SET_HUGE_PAGE ((size_t)2 << 20)
#define SPILL_CHUNK (8u << 20)  /* one mapping of the spill file */
#define SPILL_LOOK (1u << 20)   /* least bytes accesses may map between two looks at them */
#define SPILL_LOOK_MAX (16u << 20) /* most bytes accesses may map between two looks */
#define SPILL_FAULT (64u << 10) /* what a read fault may map: its page and those around it */
#define SPILL_MERGE (8u << 10)  /* what a merge may map: its record's page and one more */
#define SPILL_NEXT (1u << 10)   /* what a read in order may map beside its window */
#define SPILL_AHEAD (1u << 20)  /* pages mapped at once ahead of a read in order */
#define SPILL_FILL (256u << 10) /* fresh pages of the current chunk mapped at once */
#define SPILL_FILL_AHEAD (512u << 10) /* pages the filler maps ahead of the writes */
#define SPILL_FILLS 8           /* pieces waiting for the filler, at most */
#define SPILL_REPEAT (4u << 10) /* mapped bytes a merge into an IOC already there earns */
#define SPILL_PER_IOC 256u      /* most mapped bytes earned per IOC of the set */
#define SPILL_EARNED_MAX ((size_t)256 << 20) /* most mapped bytes earned at all */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    size_t mapped; /* length of the chunk's mapping in the spill file, 0 on the heap */
    size_t filled; /* bytes of data mapped for writing so far (all of a heap chunk) */
    size_t asked;  /* bytes of the chunk's mapping handed to the filler so far */
    char data[];
} arena_chunk;

/* A mapping of the spill file. */
typedef struct spill_map {
    char *addr;
    size_t len;
} spill_map;

/* Pages mapped for a read in order: [from, to), or both NULL. */
typedef struct spill_window {
    char *from, *to;
} spill_window;

/* The spill file, the budget of memory its records may take and the state of the reads. */
typedef struct set_spill {
    char *dir;
    size_t resident;   /* arena bytes on the heap, then bytes of file pages kept mapped */
    size_t heap_bytes; /* arena bytes on the heap so far */
    int fd;            /* -1 until the first chunk is mapped */
    off_t file_size;
    spill_map *maps;
    size_t n_maps, cap_maps;
    size_t page;
    size_t debt;       /* bytes accesses may have mapped since the last look */
    size_t earned;     /* bytes of file pages repeats allow mapped beyond resident */
    int statm;         /* /proc/self/statm, -1 when it cannot be read */
    size_t base_pages; /* file-backed pages the process had mapped before the first chunk */
    spill_window ahead; /* pages mapped for a read in order by cf_iocset_at */
    size_t next_at;    /* the position a read in order asks for next */
    uint64_t released; /* releases so far */
    pthread_mutex_t lock; /* taken by cursors to count and release pages */
    cf_queue *fills;   /* chunks for the filler to map ahead, or NULL */
    pthread_t filler;
    bool filling;      /* the filler thread runs */
} set_spill;

typedef struct slot {
    uint32_t hash;
    uint32_t index; /* position + 1; 0 marks an empty slot */
} slot;

/* The index of a key slot whose IOC a retain removed (a tombstone). */
#define SLOT_GONE UINT32_MAX

typedef struct table {
    slot *slots;
    size_t mask;  /* capacity - 1, capacity a power of two */
    size_t count;
} table;

struct cf_iocset {
    arena_chunk *arena;
    cf_ioc **iocs;
    size_t n_iocs, cap_iocs;
    table keys;

    const char **strings; /* interned strings in order, indexed by slot.index */
    size_t n_strings, cap_strings;
    table interned;
    const char *last_found; /* last string found interned (a feed name, mostly), or NULL */
    size_t last_found_len;
    const char *last_ref; /* copy of the last sighting's ref, or NULL */
    size_t last_ref_len;

    const char ***lists; /* shared name lists, indexed by slot.index */
    size_t n_lists, cap_lists;
    table shared;

    cf_event **events;
    size_t n_events, cap_events;
    /* events by uuid: index + 1 of the event (0 empty), open addressing */
    uint32_t *event_slots;
    size_t event_mask;

    cf_compound *compounds;
    size_t n_compounds, cap_compounds;

    cf_iocset_stats stats;
    set_spill *spill; /* NULL unless cf_iocset_spill was called */
};

/* ---- spill file ----------------------------------------------------- */

/*
 * File-backed pages the process has mapped (the third field of
 * /proc/self/statm), or SIZE_MAX when that cannot be read.
 */
static size_t spill_file_pages(const set_spill *sp)
{
    char buf[256];
    ssize_t n = sp->statm >= 0 ? pread(sp->statm, buf, sizeof buf - 1, 0) : -1;
    if (n <= 0) {
        return SIZE_MAX;
    }
    buf[n] = '\0';

    const char *p = buf;
    unsigned long long v = 0;
    for (int field = 0; field < 3; field++) {
        char *end = NULL;
        v = strtoull(p, &end, 10);
        if (end == p) {
            return SIZE_MAX;
        }
        p = end;
    }
    return (size_t)v;
}

/* Bytes of the spill file's pages mapped now; SIZE_MAX when unknown. */
static size_t spill_mapped(const set_spill *sp)
{
    size_t pages = spill_file_pages(sp);
    if (pages == SIZE_MAX || sp->base_pages == SIZE_MAX) {
        return SIZE_MAX;
    }
    return pages > sp->base_pages ? (pages - sp->base_pages) * sp->page : 0;
}

/*
 * Map [from, from + len) ahead of its use, for writing or for reading, in
 * one call; without MADV_POPULATE_* (older headers or kernel) faults do it.
 */
static void spill_populate(char *from, size_t len, bool write)
{
#if defined(MADV_POPULATE_READ) && defined(MADV_POPULATE_WRITE)
    madvise(from, len, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
#else
    (void)from;
    (void)len;
    (void)write;
#endif
}

/* Hand the pages of [from, to) back to the kernel, but those of the window keep. */
static void spill_drop(const spill_window *keep, char *from, char *to)
{
    char *a = keep->from, *b = keep->to;
    if (a && a < to && b > from) {
        if (a > from) {
            madvise(from, (size_t)(a - from), MADV_DONTNEED);
        }
        if (b < to) {
            madvise(b, (size_t)(to - b), MADV_DONTNEED);
        }
        return;
    }
    if (to > from) {
        madvise(from, (size_t)(to - from), MADV_DONTNEED);
    }
}

/*
 * Hand the pages of the spill file back to the kernel: every mapping but
 * the pages of the current chunk from its free space on, the newest
 * mapping when it is another (a chunk just made, whose first pages the
 * filler may be mapping), and the window of a read in order. The data stays in the
 * file; a later access faults it back in.
 */
static void spill_release(set_spill *sp, const arena_chunk *current)
{
    for (size_t i = 0; i < sp->n_maps; i++) {
        char *addr = sp->maps[i].addr;
        size_t len = sp->maps[i].len;
        if (addr == (const char *)current) {
            len = (sizeof *current + current->used) / sp->page * sp->page;
        } else if (i + 1 == sp->n_maps && sp->filling) {
            continue;
        }
        spill_drop(&sp->ahead, addr, addr + len);
    }
    sp->released++;
}

/* Count the mapped pages; release them when they pass the budget. */
static void spill_check(set_spill *sp, const arena_chunk *current)
{
    sp->debt = 0;
    if (sp->n_maps && spill_mapped(sp) > sp->resident + sp->earned) {
        spill_release(sp, current);
    }
}

/*
 * An access of a spilling set that may map up to cost bytes of its file:
 * the mapped pages are counted once accesses may have mapped half the
 * budget (at least SPILL_LOOK, at most SPILL_LOOK_MAX) since the last count.
 */
static inline void spill_tick(const cf_iocset *set, size_t cost)
{
    set_spill *sp = set->spill;
    if (!sp) {
        return;
    }
    sp->debt += cost;
    size_t look = (sp->resident + sp->earned) / 2;
    if (sp->debt >= SPILL_LOOK && (sp->debt >= look || sp->debt >= SPILL_LOOK_MAX)) {
        spill_check(sp, set->arena);
    }
}

/*
 * A merge came back to an IOC already in the set: repeats land anywhere
 * in the file, so the set may keep more of it mapped, up to SPILL_PER_IOC
 * bytes an IOC and SPILL_EARNED_MAX in all.
 */
static void spill_repeat(const cf_iocset *set)
{
    set_spill *sp = set->spill;
    size_t most = set->n_iocs * SPILL_PER_IOC;
    if (most > SPILL_EARNED_MAX) {
        most = SPILL_EARNED_MAX;
    }
    sp->earned = sp->earned + SPILL_REPEAT < most ? sp->earned + SPILL_REPEAT : most;
}

/*
 * A read in order has reached p, outside its window w: map the next
 * SPILL_AHEAD bytes of p's mapping in one call instead of a fault a page,
 * and hand back the window it has passed. False when p is not in the file.
 */
static bool spill_ahead(const set_spill *sp, spill_window *w, const char *p)
{
    for (size_t i = 0; i < sp->n_maps; i++) {
        char *a = sp->maps[i].addr, *end = a + sp->maps[i].len;
        if (p < a || p >= end) {
            continue;
        }
        char *from = a + (size_t)(p - a) / sp->page * sp->page;
        char *to = (size_t)(end - from) > SPILL_AHEAD ? from + SPILL_AHEAD : end;
        spill_window old = *w;
        w->from = from;
        w->to = to;
        if (old.from) {
            spill_drop(w, old.from, old.to);
        }
        spill_populate(from, (size_t)(to - from), false);
        return true;
    }
    return false;
}

/* Record i, at p, is read: a read in order maps its pages ahead of it. */
static void spill_read(const cf_iocset *set, size_t i, const cf_ioc *p)
{
    set_spill *sp = set->spill;
    const char *c = (const char *)p;
    size_t cost = SPILL_FAULT;

    if (i == sp->next_at) {
        bool window =
            (c < sp->ahead.from || c >= sp->ahead.to) && spill_ahead(sp, &sp->ahead, c);
        cost = window ? SPILL_AHEAD + SPILL_NEXT : SPILL_NEXT;
    }
    sp->next_at = i + 1;
    spill_tick(set, cost);
}

/*
 * A record about to be merged into is first written (an atomic add of 0
 * changes nothing): a page handed back then comes in with one write
 * fault, where a first read would map it read-only, with 15 pages around
 * it, and the merge's write would fault again.
 */
static inline void spill_touch(cf_ioc *ioc)
{
    __atomic_fetch_add(&ioc->index, 0u, __ATOMIC_RELAXED);
}

/*
 * The current chunk c has used pages not mapped yet: map the next
 * SPILL_FILL bytes, or, with a filler, have it map the pages up to
 * SPILL_FILL_AHEAD bytes past the chunk's used bytes, SPILL_FILL at a time
 * (a last piece shorter than that is mapped here), and come back once the
 * writes have used up the distance.
 */
static void spill_fill(const set_spill *sp, arena_chunk *c)
{
    char *base = (char *)c;
    if (sp->filling) {
        size_t want = sizeof *c + c->used + SPILL_FILL_AHEAD;
        while (c->asked < c->mapped && c->asked < want) {
            size_t len = c->mapped - c->asked < SPILL_FILL ? c->mapped - c->asked : SPILL_FILL;
            if (len < SPILL_FILL || !cf_queue_push(sp->fills, base + c->asked)) {
                spill_populate(base + c->asked, len, true);
            }
            c->asked += len;
        }
        c->filled = c->asked >= c->mapped ? c->size : c->asked - sizeof *c - SPILL_FILL_AHEAD;
        return;
    }
    size_t from = (sizeof *c + c->filled) / sp->page * sp->page;
    size_t to = from + SPILL_FILL;
    if (to > c->mapped) {
        to = c->mapped;
    }
    spill_populate(base + from, to - from, true);
    c->filled = to - sizeof *c;
}

static int spill_open(set_spill *sp)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/ctiflow-iocset-XXXXXX", sp->dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        return -1;
    }
    int fd = mkstemp(path);
    if (fd >= 0) {
        unlink(path);
    }
    return fd;
}

/*
 * The filler: a thread that maps pages of the current chunk for writing a
 * little ahead of the writes (spill_fill), so the thread filling the
 * chunk finds them mapped and the kernel's work for the file's fresh pages
 * (a good part of a merge's time) runs on another core. It is handed the
 * address of SPILL_FILL bytes at a time and reads nothing of the set.
 */
static void *spill_filler_main(void *arg)
{
    set_spill *sp = arg;
    void *p = NULL;
    while (cf_queue_pop(sp->fills, &p)) {
        spill_populate(p, SPILL_FILL, true);
    }
    return NULL;
}

/* Start the filler, at the first chunk of the file; without it chunks are mapped as used. */
static void spill_filler_start(set_spill *sp)
{
    if (!sp->fills) {
        sp->fills = cf_queue_new(SPILL_FILLS);
        sp->filling = sp->fills && pthread_create(&sp->filler, NULL, spill_filler_main, sp) == 0;
    }
}

/* A chunk of at least size bytes mapped from the spill file; NULL when it cannot grow. */
static arena_chunk *spill_chunk(set_spill *sp, size_t size)
{
    size_t want = sizeof(arena_chunk) + size;
    size_t len = want < SPILL_CHUNK ? SPILL_CHUNK : (want + sp->page - 1) / sp->page * sp->page;

    if (sp->fd < 0) {
        sp->fd = spill_open(sp);
        sp->base_pages = spill_file_pages(sp);
        spill_filler_start(sp);
    }
    if (sp->n_maps == sp->cap_maps) {
        size_t cap = sp->cap_maps ? sp->cap_maps * 2 : 64;
        spill_map *p = realloc(sp->maps, cap * sizeof *p);
        if (!p) {
            return NULL;
        }
        sp->maps = p;
        sp->cap_maps = cap;
    }
    if (sp->fd < 0 || posix_fallocate(sp->fd, sp->file_size, (off_t)len) != 0) {
        return NULL;
    }
    void *addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, sp->fd, sp->file_size);
    if (addr == MAP_FAILED) {
        return NULL;
    }
    sp->file_size += (off_t)len;
    sp->maps[sp->n_maps].addr = addr;
    sp->maps[sp->n_maps].len = len;
    sp->n_maps++;

    arena_chunk *c = addr;
    c->size = len - sizeof *c;
    c->mapped = len;
    c->filled = 0;
    c->used = 0;
    c->asked = sp->page; /* the page of the header is written here */
    if (sp->filling) {
        spill_fill(sp, c);
    }
    return c;
}

static void spill_free(set_spill *sp)
{
    if (!sp) {
        return;
    }
    if (sp->filling) {
        cf_queue_close(sp->fills);
        pthread_join(sp->filler, NULL);
    }
    cf_queue_free(sp->fills);
    for (size_t i = 0; i < sp->n_maps; i++) {
        munmap(sp->maps[i].addr, sp->maps[i].len);
    }
    if (sp->fd >= 0) {
        close(sp->fd);
    }
    if (sp->statm >= 0) {
        close(sp->statm);
    }
    pthread_mutex_destroy(&sp->lock);
    free(sp->maps);
    free(sp->dir);
    free(sp);
}

cf_status cf_iocset_spill(cf_iocset *set, const char *dir, size_t resident)
{
    if (set->arena || set->spill) {
        return CF_EINVAL;
    }
    const char *env = getenv("TMPDIR");
    set_spill *sp = calloc(1, sizeof *sp);
    if (!sp) {
        return CF_ENOMEM;
    }
    sp->dir = cf_strdup(dir ? dir : env && env[0] ? env : "/tmp");
    sp->resident = resident;
    sp->fd = -1;
    pthread_mutex_init(&sp->lock, NULL);
    sp->statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    long page = sysconf(_SC_PAGESIZE);
    sp->page = page > 0 ? (size_t)page : 4096;
    if (!sp->dir) {
        spill_free(sp);
        return CF_ENOMEM;
    }
    set->spill = sp;
    return CF_OK;
}

/* ---- arena ---------------------------------------------------------- */

/* A fresh chunk of at least size bytes: on the heap, or in the spill file past the budget. */
static arena_chunk *set_chunk(cf_iocset *set, size_t size)
{
    set_spill *sp = set->spill;
    arena_chunk *c;

    if (sp && sp->heap_bytes + size > sp->resident) {
        c = spill_chunk(sp, size);
        if (c) {
            /* A full chunk is not written again: its pages may go now. */
            spill_check(sp, set->arena);
        }
        return c;
    }
    c = malloc(sizeof(arena_chunk) + size);
    if (c) {
        c->size = size;
        c->mapped = 0;
        c->filled = size;
        c->asked = 0;
    }
    if (c && sp) {
        sp->heap_bytes += size;
    }
    return c;
}

static void *set_alloc(cf_iocset *set, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    arena_chunk *c = set->arena;
    if (!c || c->size - c->used < n) {
        bool large = n > ARENA_CHUNK / 4;
        arena_chunk *fresh = set_chunk(set, large ? n : ARENA_CHUNK - sizeof(arena_chunk));
        if (!fresh) {
            return NULL;
        }
        fresh->used = 0;
        if (c && large) {
            /* A large block goes behind the current chunk so it stays in use. */
            fresh->next = c->next;
            c->next = fresh;
            fresh->used = n;
            return fresh->data;
        }
        fresh->next = c;
        set->arena = fresh;
        c = fresh;
    }
    void *p = c->data + c->used;
    c->used += n;
    if (c->used > c->filled) {
        spill_fill(set->spill, c);
        spill_tick(set, SPILL_FILL);
    }
    return p;
}

static char *set_strndup(cf_iocset *set, const char *s, size_t n)
{
    char *p = set_alloc(set, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* ---- hash tables ---------------------------------------------------- */

/*
 * The hash of the tag byte and n bytes of s, eight bytes a step: each word
 * is mixed in with a multiply and a shift, the length and the tail last,
 * and the result is finished so every bit of the key reaches the low bits
 * a table mask keeps.
 */
static uint32_t set_hash(unsigned char tag, const char *s, size_t n)
{
    const uint64_t k = 0x9e3779b97f4a7c15ull;
    uint64_t h = 0xcbf29ce484222325ull ^ tag;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    uint64_t tail = 0;
    memcpy(&tail, s + i, n - i);
    h = (h ^ tail ^ ((uint64_t)n << 56)) * k;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

/*
 * Zeroed slots for a table of cap entries. A large table is aligned to
 * huge pages and asks for them: its probes land anywhere, and with 4 KiB
 * pages nearly each one also missed the TLB.
 */
static slot *table_slots(size_t cap)
{
    size_t bytes = cap * sizeof(slot);
    if (bytes < SET_HUGE_PAGE) {
        return calloc(cap, sizeof(slot));
    }
    slot *slots = aligned_alloc(SET_HUGE_PAGE, bytes);
    if (!slots) {
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    madvise(slots, bytes, MADV_HUGEPAGE);
#endif
    memset(slots, 0, bytes);
    return slots;
}

static cf_status table_grow(table *t)
{
    size_t cap = t->slots ? (t->mask + 1) * 2 : 1024;
    slot *slots = table_slots(cap);
    if (!slots) {
        return CF_ENOMEM;
    }
    t->count = 0;
    for (size_t i = 0; t->slots && i <= t->mask; i++) {
        if (t->slots[i].index == 0 || t->slots[i].index == SLOT_GONE) {
            continue;
        }
        size_t j = t->slots[i].hash & (cap - 1);
        while (slots[j].index) {
            j = (j + 1) & (cap - 1);
        }
        slots[j] = t->slots[i];
        t->count++;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = cap - 1;
    return CF_OK;
}

static cf_status table_reserve(table *t)
{
    if (t->slots && (t->count + 1) * 10 < (t->mask + 1) * 7) {
        return CF_OK;
    }
    return table_grow(t);
}

/* ---- set lifetime --------------------------------------------------- */

cf_iocset *cf_iocset_new(void)
{
    return calloc(1, sizeof(cf_iocset));
}

/* Free what an event owns (not the event). */
static void set_event_fields_free(cf_event *e)
{
    free(e->uuid);
    free(e->info);
    free(e->orgc);
    free(e->labels);
    free(e->actors);
    free(e->malware);
}

static void set_free_event(cf_event *e)
{
    set_event_fields_free(e);
    free(e);
}

void cf_iocset_free(cf_iocset *set)
{
    if (!set) {
        return;
    }
    /* A spilling set keeps sighting arrays in its arena: no record is read again. */
    for (size_t i = 0; !set->spill && i < set->n_iocs; i++) {
        cf_ioc *ioc = set->iocs[i];
        if (ioc->cap_sightings > 1) {
            free(ioc->sightings);
        }
    }
    for (size_t i = 0; i < set->n_events; i++) {
        set_free_event(set->events[i]);
    }
    arena_chunk *c = set->arena;
    while (c) {
        arena_chunk *next = c->next;
        if (!c->mapped) {
            free(c);
        }
        c = next;
    }
    spill_free(set->spill);
    free(set->iocs);
    free(set->event_slots);
    free(set->keys.slots);
    free(set->strings);
    free(set->interned.slots);
    free(set->lists);
    free(set->shared.slots);
    free(set->events);
    free(set->compounds);
    free(set);
}

cf_iocset_stats *cf_iocset_stats_of(cf_iocset *set)
{
    set->stats.unique = set->n_iocs;
    set->stats.released = set->spill ? set->spill->released : 0;
    return &set->stats;
}

/* ---- interning ------------------------------------------------------ */

const char *cf_iocset_intern(cf_iocset *set, const char *s, size_t n)
{
    if (!s) {
        return NULL;
    }
    /* Observations of a feed repeat its name: the last string found answers without a probe. */
    if (set->last_found && set->last_found_len == n && memcmp(set->last_found, s, n) == 0) {
        return set->last_found;
    }
    uint32_t h = set_hash(0, s, n);
    if (set->interned.slots) {
        size_t j = h & set->interned.mask;
        while (set->interned.slots[j].index) {
            const slot *sl = &set->interned.slots[j];
            const char *cand = set->strings[sl->index - 1];
            if (sl->hash == h && strncmp(cand, s, n) == 0 && cand[n] == '\0') {
                set->last_found = cand;
                set->last_found_len = n;
                return cand;
            }
            j = (j + 1) & set->interned.mask;
        }
    }

    if (table_reserve(&set->interned) != CF_OK) {
        return NULL;
    }
    if (set->n_strings == set->cap_strings) {
        size_t cap = set->cap_strings ? set->cap_strings * 2 : 256;
        const char **p = realloc(set->strings, cap * sizeof *p);
        if (!p) {
            return NULL;
        }
        set->strings = p;
        set->cap_strings = cap;
    }
    char *copy = set_strndup(set, s, n);
    if (!copy) {
        return NULL;
    }
    set->strings[set->n_strings++] = copy;

    size_t j = h & set->interned.mask;
    while (set->interned.slots[j].index) {
        j = (j + 1) & set->interned.mask;
    }
    set->interned.slots[j].hash = h;
    set->interned.slots[j].index = (uint32_t)set->n_strings;
    set->interned.count++;
    return copy;
}

/* ---- events --------------------------------------------------------- */

static const char **set_copy_names(const char *const *src, uint16_t n)
{
    if (!n) {
        return NULL;
    }
    const char **p = malloc(n * sizeof *p);
    if (p) {
        memcpy(p, src, n * sizeof *p);
    }
    return p;
}

static void set_intern_names(cf_iocset *set, const char **names, uint16_t n)
{
    for (uint16_t i = 0; names && i < n; i++) {
        names[i] = cf_iocset_intern(set, names[i], strlen(names[i]));
    }
}

/* True when id is a uuid (8-4-4-4-12 hexadecimal digits): its case does not matter. */
static bool set_is_uuid(const char *id)
{
    for (int i = 0; i < 36; i++) {
        char c = id[i];
        bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
        if (hyphen ? c != '-' : !isxdigit((unsigned char)c)) {
            return false;
        }
    }
    return id[36] == '\0';
}

/*
 * The slot of the uuid index for an event id: the one holding it, or the
 * empty one where it goes. A uuid matches in either case (a MISP instance
 * writes lower case, some exports upper).
 */
static size_t set_event_slot(const cf_iocset *set, const char *uuid)
{
    bool fold = set_is_uuid(uuid);
    char low[37];
    const char *key = uuid;

    if (fold) {
        for (int i = 0; i < 37; i++) {
            low[i] = (char)tolower((unsigned char)uuid[i]);
        }
        key = low;
    }
    size_t j = set_hash(0xe7, key, strlen(key)) & set->event_mask;
    for (; set->event_slots[j]; j = (j + 1) & set->event_mask) {
        const cf_event *e = set->events[set->event_slots[j] - 1];
        if (fold ? strcasecmp(e->uuid, uuid) == 0 : strcmp(e->uuid, uuid) == 0) {
            break;
        }
    }
    return j;
}

/* Room in the uuid index for one more event. */
static cf_status set_event_reserve(cf_iocset *set)
{
    size_t cap = set->event_slots ? set->event_mask + 1 : 0;
    if ((set->n_events + 1) * 2 <= cap) {
        return CF_OK;
    }
    size_t ncap = cap ? cap * 2 : 64;
    uint32_t *slots = calloc(ncap, sizeof *slots);
    if (!slots) {
        return CF_ENOMEM;
    }
    free(set->event_slots);
    set->event_slots = slots;
    set->event_mask = ncap - 1;
    for (size_t i = 0; i < set->n_events; i++) {
        if (set->events[i]->uuid) {
            set->event_slots[set_event_slot(set, set->events[i]->uuid)] = (uint32_t)(i + 1);
        }
    }
    return CF_OK;
}

/* Copy proto's fields into e (strings and name lists owned, names interned). */
static bool set_event_fill(cf_iocset *set, cf_event *e, const cf_event *proto)
{
    *e = *proto;
    e->uuid = cf_strdup(proto->uuid);
    e->info = cf_strdup(proto->info);
    e->orgc = cf_strdup(proto->orgc);
    e->labels = set_copy_names(proto->labels, proto->n_labels);
    e->actors = set_copy_names(proto->actors, proto->n_actors);
    e->malware = set_copy_names(proto->malware, proto->n_malware);
    set_intern_names(set, e->labels, e->n_labels);
    set_intern_names(set, e->actors, e->n_actors);
    set_intern_names(set, e->malware, e->n_malware);
    return (!proto->uuid || e->uuid) && (!proto->info || e->info) && (!proto->orgc || e->orgc);
}

/*
 * A copy of an event that is neither newer nor older than the record
 * (equal timestamps, or none: a STIX 1.x package has none) fills in what
 * it lacks from the record, so a copy without a title, say, does not take
 * the title away, whichever of the two is read first. The record's fields
 * are moved into fresh; the record keeps the rest, to be freed.
 */
static void set_event_keep_given(cf_event *fresh, cf_event *e)
{
    if (!fresh->info) {
        fresh->info = e->info;
        e->info = NULL;
    }
    if (!fresh->orgc) {
        fresh->orgc = e->orgc;
        e->orgc = NULL;
    }
    if (!fresh->n_labels) {
        fresh->labels = e->labels;
        fresh->n_labels = e->n_labels;
        e->labels = NULL;
    }
    if (!fresh->n_actors) {
        fresh->actors = e->actors;
        fresh->n_actors = e->n_actors;
        e->actors = NULL;
    }
    if (!fresh->n_malware) {
        fresh->malware = e->malware;
        fresh->n_malware = e->n_malware;
        e->malware = NULL;
    }
    fresh->date = fresh->date != CF_TIME_NONE ? fresh->date : e->date;
    fresh->publish_timestamp = fresh->publish_timestamp != CF_TIME_NONE
                                   ? fresh->publish_timestamp
                                   : e->publish_timestamp;
    fresh->published = fresh->published || e->published;
    fresh->tlp = fresh->tlp != CF_TLP_NONE ? fresh->tlp : e->tlp;
    fresh->threat_level = fresh->threat_level ? fresh->threat_level : e->threat_level;
    fresh->analysis = fresh->analysis >= 0 ? fresh->analysis : e->analysis;
}

cf_event *cf_iocset_event(cf_iocset *set, const cf_event *proto)
{
    /*
     * An event read again (the same MISP event file given twice, or once on
     * its own and once through its feed's manifest, or a package given
     * twice) is the same event: its IOCs refer to the one record. A newer
     * copy (by timestamp) replaces the record's fields, an older one leaves
     * them, and one of the same age gives the fields it has.
     */
    size_t at = 0;
    if (proto->uuid) {
        if (set_event_reserve(set) != CF_OK) {
            return NULL;
        }
        at = set_event_slot(set, proto->uuid);
        if (set->event_slots[at]) {
            cf_event *e = set->events[set->event_slots[at] - 1];
            bool newer = proto->timestamp != CF_TIME_NONE &&
                         (e->timestamp == CF_TIME_NONE || proto->timestamp > e->timestamp);
            if (newer || proto->timestamp == e->timestamp) {
                cf_event fresh;
                if (!set_event_fill(set, &fresh, proto)) {
                    set_event_fields_free(&fresh);
                    return NULL;
                }
                if (!newer) {
                    set_event_keep_given(&fresh, e);
                }
                set_event_fields_free(e);
                *e = fresh;
            }
            return e;
        }
    }
    if (set->n_events == set->cap_events) {
        size_t cap = set->cap_events ? set->cap_events * 2 : 16;
        cf_event **p = realloc(set->events, cap * sizeof *p);
        if (!p) {
            return NULL;
        }
        set->events = p;
        set->cap_events = cap;
    }
    cf_event *e = calloc(1, sizeof *e);
    if (!e) {
        return NULL;
    }
    if (!set_event_fill(set, e, proto)) {
        set_free_event(e);
        return NULL;
    }
    if (proto->uuid) {
        set->event_slots[at] = (uint32_t)(set->n_events + 1);
    }
    set->events[set->n_events++] = e;
    return e;
}

size_t cf_iocset_event_count(const cf_iocset *set)
{
    return set->n_events;
}

const cf_event *cf_iocset_event_at(const cf_iocset *set, size_t i)
{
    return i < set->n_events ? set->events[i] : NULL;
}

/* ---- lookup and merge ----------------------------------------------- */

/*
 * The IOC of key (type, value) with hash h, or NULL. For a merge (write),
 * a spilling set touches the record of a matching hash for writing first.
 */
static cf_ioc *set_lookup(const cf_iocset *set, cf_ioc_type type, const char *value, size_t n,
                          uint32_t h, bool write)
{
    if (!set->keys.slots) {
        return NULL;
    }
    for (size_t j = h & set->keys.mask; set->keys.slots[j].index; j = (j + 1) & set->keys.mask) {
        const slot *sl = &set->keys.slots[j];
        if (sl->hash != h || sl->index == SLOT_GONE) {
            continue;
        }
        cf_ioc *ioc = set->iocs[sl->index - 1];
        if (write && set->spill) {
            spill_touch(ioc);
        }
        if (ioc->type == type && strncmp(ioc->value, value, n) == 0 &&
            ioc->value[n] == '\0') {
            return ioc;
        }
    }
    return NULL;
}

cf_ioc *cf_iocset_find(const cf_iocset *set, cf_ioc_type type, const char *value)
{
    size_t n = strlen(value);
    spill_tick(set, SPILL_FAULT);
    return set_lookup(set, type, value, n, set_hash((unsigned char)type, value, n), false);
}

size_t cf_iocset_count(const cf_iocset *set)
{
    return set->n_iocs;
}

cf_ioc *cf_iocset_at(const cf_iocset *set, size_t i)
{
    if (i >= set->n_iocs) {
        return NULL;
    }
    if (set->spill) {
        spill_read(set, i, set->iocs[i]);
    }
    return set->iocs[i];
}

void cf_iocset_cursor_init(cf_iocset_cursor *c, const cf_iocset *set)
{
    memset(c, 0, sizeof *c);
    c->set = set;
}

/*
 * The read of cf_iocset_at with the cursor's own window and count of what
 * its reads may have mapped; the count and release of the file's pages,
 * shared by every cursor, is done under the spill's lock.
 */
cf_ioc *cf_iocset_cursor_at(cf_iocset_cursor *c, size_t i)
{
    const cf_iocset *set = c->set;
    set_spill *sp = set->spill;
    if (i >= set->n_iocs) {
        return NULL;
    }
    cf_ioc *ioc = set->iocs[i];
    if (!sp) {
        return ioc;
    }

    const char *p = (const char *)ioc;
    spill_window w = {c->from, c->to};
    size_t cost = SPILL_FAULT;
    if (i == c->next_at) {
        bool window = (p < w.from || p >= w.to) && spill_ahead(sp, &w, p);
        cost = window ? SPILL_AHEAD + SPILL_NEXT : SPILL_NEXT;
        c->from = w.from;
        c->to = w.to;
    }
    c->next_at = i + 1;
    c->debt += cost;
    size_t look = (sp->resident + sp->earned) / 2;
    if (c->debt >= SPILL_LOOK && (c->debt >= look || c->debt >= SPILL_LOOK_MAX)) {
        pthread_mutex_lock(&sp->lock);
        spill_check(sp, set->arena);
        pthread_mutex_unlock(&sp->lock);
        c->debt = 0;
    }
    return ioc;
}

void cf_iocset_cursor_fini(cf_iocset_cursor *c)
{
    if (c->from) {
        spill_window none = {NULL, NULL};
        spill_drop(&none, c->from, c->to);
    }
    c->from = c->to = NULL;
}

/*
 * The shared copy of a name list: lists are interned like strings, so the
 * many IOCs of one feed that carry the same labels point at one array.
 * A stored list is preceded by its length; lists are never changed in
 * place (a union builds a new one), which makes sharing safe.
 */
static const char **set_share_list(cf_iocset *set, const char *const *names, uint16_t n)
{
    uint32_t h = set_hash(1, (const char *)names, n * sizeof *names);

    if (set->shared.slots) {
        size_t j = h & set->shared.mask;
        while (set->shared.slots[j].index) {
            const slot *sl = &set->shared.slots[j];
            const char **cand = set->lists[sl->index - 1];
            if (sl->hash == h && (uintptr_t)cand[-1] == n &&
                memcmp(cand, names, n * sizeof *names) == 0) {
                return cand;
            }
            j = (j + 1) & set->shared.mask;
        }
    }

    if (table_reserve(&set->shared) != CF_OK) {
        return NULL;
    }
    if (set->n_lists == set->cap_lists) {
        size_t cap = set->cap_lists ? set->cap_lists * 2 : 256;
        const char ***p = realloc(set->lists, cap * sizeof *p);
        if (!p) {
            return NULL;
        }
        set->lists = p;
        set->cap_lists = cap;
    }
    const char **block = set_alloc(set, (n + 1u) * sizeof *block);
    if (!block) {
        return NULL;
    }
    block[0] = (const char *)(uintptr_t)n;
    memcpy(block + 1, names, n * sizeof *names);
    set->lists[set->n_lists++] = block + 1;

    size_t j = h & set->shared.mask;
    while (set->shared.slots[j].index) {
        j = (j + 1) & set->shared.mask;
    }
    set->shared.slots[j].hash = h;
    set->shared.slots[j].index = (uint32_t)set->n_lists;
    set->shared.count++;
    return block + 1;
}

/*
 * Unite names into *arr (interned pointers, first-seen order); at most
 * CF_MAX_LABELS_PER_IOC are kept. The result is a shared list. The names
 * added are interned first unless interned says they are already.
 */
static cf_status set_unite_names(cf_iocset *set, const char ***arr, uint16_t *n,
                                 const char *const *add, size_t n_add, bool interned)
{
    const char *merged[CF_MAX_LABELS_PER_IOC];
    uint16_t m = *n;
    bool grew = false;

    if (m) {
        memcpy(merged, *arr, m * sizeof *merged);
    }
    for (size_t i = 0; i < n_add && m < CF_MAX_LABELS_PER_IOC; i++) {
        if (!add[i] || !add[i][0]) {
            continue;
        }
        const char *s = interned ? add[i] : cf_iocset_intern(set, add[i], strlen(add[i]));
        if (!s) {
            return CF_ENOMEM;
        }
        bool present = false;
        for (uint16_t k = 0; k < m && !present; k++) {
            present = merged[k] == s;
        }
        if (!present) {
            merged[m++] = s;
            grew = true;
        }
    }
    if (!grew) {
        return CF_OK;
    }

    const char **shared = set_share_list(set, merged, m);
    if (!shared) {
        return CF_ENOMEM;
    }
    *arr = shared;
    *n = m;
    return CF_OK;
}

static cf_status set_unite(cf_iocset *set, const char ***arr, uint16_t *n,
                           const char *const *add, size_t n_add)
{
    return set_unite_names(set, arr, n, add, n_add, false);
}

/*
 * The set's copy of a sighting's ref. Refs are nearly all distinct (a MISP
 * attribute uuid, an element id), so they are copied rather than interned,
 * which would cost a table slot and a cache miss each; only the repeat of
 * the previous ref (the parts of a composite, the values of one element)
 * shares its copy.
 */
static const char *set_ref(cf_iocset *set, const char *ref)
{
    size_t n = strlen(ref);
    if (set->last_ref && set->last_ref_len == n && memcmp(set->last_ref, ref, n) == 0) {
        return set->last_ref;
    }
    const char *copy = set_strndup(set, ref, n);
    if (copy) {
        set->last_ref = copy;
        set->last_ref_len = n;
    }
    return copy;
}

/*
 * True when a sighting of feed (interned; no ref, no event) would follow
 * CF_MAX_REPEAT_SIGHTINGS such sightings of the same feed in a row: a feed
 * that lists a value a million times gives its first lines and a count,
 * not a million sightings (memory, and every output that lists them, grew
 * with each).
 */
static bool set_sighting_repeats(const cf_ioc *ioc, const char *feed, const cf_obs *obs)
{
    if (obs->ref || obs->event || ioc->n_sightings < CF_MAX_REPEAT_SIGHTINGS) {
        return false;
    }
    for (uint32_t i = ioc->n_sightings - CF_MAX_REPEAT_SIGHTINGS; i < ioc->n_sightings; i++) {
        const cf_sighting *s = &ioc->sightings[i];
        if (s->ref || s->event || s->feed != feed) {
            return false;
        }
    }
    return true;
}

static cf_status set_add_sighting(cf_iocset *set, cf_ioc *ioc, const cf_obs *obs)
{
    const char *feed = obs->feed ? cf_iocset_intern(set, obs->feed, strlen(obs->feed)) : NULL;
    if (obs->feed && !feed) {
        return CF_ENOMEM;
    }
    if (set_sighting_repeats(ioc, feed, obs)) {
        /* the last sighting kept becomes this one when this one is later */
        cf_sighting *last = &ioc->sightings[ioc->n_sightings - 1];
        cf_time t = obs->time != CF_TIME_NONE ? obs->time : obs->first_seen;
        if (t != CF_TIME_NONE && (last->time == CF_TIME_NONE || t > last->time)) {
            last->line = obs->line;
            last->time = t;
        }
        ioc->n_repeats += ioc->n_repeats < UINT32_MAX;
        return CF_OK;
    }
    if (ioc->n_sightings == ioc->cap_sightings) {
        uint32_t cap = ioc->cap_sightings ? ioc->cap_sightings * 2 : 1;
        cf_sighting *p;
        if (cap == 1 || set->spill) {
            /* A spilling set's old array stays in the arena, unused. */
            p = set_alloc(set, cap * sizeof *p);
            if (p && ioc->n_sightings) {
                memcpy(p, ioc->sightings, ioc->n_sightings * sizeof *p);
            }
        } else {
            p = malloc(cap * sizeof *p);
            if (p && ioc->n_sightings) {
                memcpy(p, ioc->sightings, ioc->n_sightings * sizeof *p);
            }
            if (p && ioc->cap_sightings > 1) {
                free(ioc->sightings);
            }
        }
        if (!p) {
            return CF_ENOMEM;
        }
        ioc->sightings = p;
        ioc->cap_sightings = cap;
    }

    cf_sighting *s = &ioc->sightings[ioc->n_sightings++];
    s->feed = feed;
    s->line = obs->line;
    s->ref = obs->ref ? set_ref(set, obs->ref) : NULL;
    if (obs->ref && !s->ref) {
        return CF_ENOMEM;
    }
    s->event = obs->event;
    s->time = obs->time != CF_TIME_NONE ? obs->time : obs->first_seen;
    return CF_OK;
}

static void set_merge_times(cf_ioc *ioc, const cf_obs *obs)
{
    cf_time first = obs->first_seen != CF_TIME_NONE ? obs->first_seen : obs->time;
    cf_time last = obs->last_seen != CF_TIME_NONE ? obs->last_seen : first;

    /*
     * A record last seen before it was first seen is taken as seen once:
     * Feodo Tracker's date-only last_online is midnight of a day whose
     * first_seen came later, ThreatFox lists rows whose last_seen_utc is
     * hours before first_seen_utc. No IOC leaves with last_seen before
     * first_seen (MISP refuses such attributes).
     */
    if (first != CF_TIME_NONE && last != CF_TIME_NONE && last < first) {
        last = first;
    }
    if (first != CF_TIME_NONE && (ioc->first_seen == CF_TIME_NONE || first < ioc->first_seen)) {
        ioc->first_seen = first;
    }
    if (last != CF_TIME_NONE && (ioc->last_seen == CF_TIME_NONE || last > ioc->last_seen)) {
        ioc->last_seen = last;
    }
    if (obs->valid_until != CF_TIME_NONE &&
        (ioc->valid_until == CF_TIME_NONE || obs->valid_until > ioc->valid_until)) {
        ioc->valid_until = obs->valid_until;
    }
}

static cf_ioc *set_insert(cf_iocset *set, const cf_norm *norm, uint32_t h)
{
    if (table_reserve(&set->keys) != CF_OK) {
        return NULL;
    }
    if (set->n_iocs == set->cap_iocs) {
        size_t cap = set->cap_iocs ? set->cap_iocs * 2 : 1024;
        cf_ioc **p = realloc(set->iocs, cap * sizeof *p);
        if (!p) {
            return NULL;
        }
        set->iocs = p;
        set->cap_iocs = cap;
    }
    cf_ioc *ioc = set_alloc(set, sizeof *ioc);
    if (!ioc) {
        return NULL;
    }
    memset(ioc, 0, sizeof *ioc);
    ioc->value = set_strndup(set, norm->value.data, norm->value.len);
    if (!ioc->value) {
        return NULL;
    }
    ioc->type = norm->type;
    ioc->hash_type = norm->hash_type;
    ioc->port = norm->type == CF_IOC_ENDPOINT ? norm->port : -1;
    ioc->confidence = -1;
    ioc->first_seen = CF_TIME_NONE;
    ioc->last_seen = CF_TIME_NONE;
    ioc->valid_until = CF_TIME_NONE;
    ioc->index = (uint32_t)set->n_iocs;
    set->iocs[set->n_iocs++] = ioc;

    size_t j = h & set->keys.mask;
    while (set->keys.slots[j].index) {
        j = (j + 1) & set->keys.mask;
    }
    set->keys.slots[j].hash = h;
    set->keys.slots[j].index = (uint32_t)set->n_iocs;
    set->keys.count++;
    return ioc;
}

uint32_t cf_iocset_hash(cf_ioc_type type, const char *value, size_t n)
{
    return set_hash((unsigned char)type, value, n);
}

void cf_iocset_prefetch(const cf_iocset *set, uint32_t h, bool record)
{
    if (!set->keys.slots) {
        return;
    }
    const slot *sl = &set->keys.slots[h & set->keys.mask];
    if (!record) {
        __builtin_prefetch(sl);
        return;
    }
    /* The first slot only: a repeat nearly always sits there. */
    if (sl->index && sl->index != SLOT_GONE && sl->hash == h) {
        __builtin_prefetch(set->iocs[sl->index - 1]);
    }
}

cf_status cf_iocset_merge(cf_iocset *set, const cf_obs *obs, const cf_norm *norm, cf_ioc **out)
{
    if (!norm->value.data || norm->type == CF_IOC_NONE) {
        return CF_EINVAL;
    }
    uint32_t h = set_hash((unsigned char)norm->type, norm->value.data, norm->value.len);
    return cf_iocset_merge_hashed(set, obs, norm, h, out);
}

cf_status cf_iocset_merge_hashed(cf_iocset *set, const cf_obs *obs, const cf_norm *norm,
                                 uint32_t h, cf_ioc **out)
{
    if (!norm->value.data || norm->type == CF_IOC_NONE) {
        return CF_EINVAL;
    }
    spill_tick(set, SPILL_MERGE);
    cf_ioc *ioc = set_lookup(set, norm->type, norm->value.data, norm->value.len, h, true);
    if (!ioc) {
        ioc = set_insert(set, norm, h);
        if (!ioc) {
            return CF_ENOMEM;
        }
    } else if (set->spill) {
        spill_repeat(set);
    }

    /* Context of this source, merged by the documented rules. */
    set_merge_times(ioc, obs);
    if (obs->confidence > ioc->confidence) {
        ioc->confidence = (int8_t)(obs->confidence > 100 ? 100 : obs->confidence);
    }
    if (obs->tlp > ioc->tlp) {
        ioc->tlp = (uint8_t)obs->tlp;
    }
    ioc->to_ids = ioc->to_ids || obs->to_ids;
    ioc->host_bits_cleared = ioc->host_bits_cleared || norm->host_bits_cleared;
    if (norm->changed && !ioc->original) {
        ioc->original = set_strndup(set, obs->text, obs->len);
    }
    if (norm->display_name.len && !ioc->display_name) {
        ioc->display_name = set_strndup(set, norm->display_name.data, norm->display_name.len);
    }
    if (obs->comment && obs->comment[0] && !ioc->comment) {
        ioc->comment = set_strndup(set, obs->comment, strlen(obs->comment));
    }

    cf_status st = set_unite(set, &ioc->labels, &ioc->n_labels, obs->labels, obs->n_labels);
    if (st == CF_OK) {
        st = set_unite(set, &ioc->malware, &ioc->n_malware, obs->malware, obs->n_malware);
    }
    if (st == CF_OK) {
        st = set_unite(set, &ioc->actors, &ioc->n_actors, obs->actors, obs->n_actors);
    }
    if (st == CF_OK && obs->event) {
        const cf_event *e = obs->event;
        st = set_unite(set, &ioc->actors, &ioc->n_actors, e->actors, e->n_actors);
        if (st == CF_OK) {
            st = set_unite(set, &ioc->malware, &ioc->n_malware, e->malware, e->n_malware);
        }
    }
    if (st == CF_OK) {
        st = set_add_sighting(set, ioc, obs);
    }
    if (out) {
        *out = ioc;
    }
    return st;
}

/* ---- compound indicators -------------------------------------------- */

static const char *const *set_copy_list(cf_iocset *set, const char *const *src, size_t n)
{
    if (!n) {
        return NULL;
    }
    const char **p = set_alloc(set, n * sizeof *p);
    for (size_t i = 0; p && i < n; i++) {
        p[i] = cf_iocset_intern(set, src[i], strlen(src[i]));
    }
    return p;
}

static const char *set_opt_strdup(cf_iocset *set, const char *s)
{
    return s ? set_strndup(set, s, strlen(s)) : NULL;
}

cf_status cf_iocset_add_compound(cf_iocset *set, const cf_compound *c)
{
    if (set->n_compounds == set->cap_compounds) {
        size_t cap = set->cap_compounds ? set->cap_compounds * 2 : 64;
        cf_compound *p = realloc(set->compounds, cap * sizeof *p);
        if (!p) {
            return CF_ENOMEM;
        }
        set->compounds = p;
        set->cap_compounds = cap;
    }
    cf_compound *dst = &set->compounds[set->n_compounds];
    *dst = *c;
    dst->id = set_opt_strdup(set, c->id);
    dst->name = set_opt_strdup(set, c->name);
    dst->pattern = set_opt_strdup(set, c->pattern);
    dst->feed = c->feed ? cf_iocset_intern(set, c->feed, strlen(c->feed)) : NULL;
    dst->labels = set_copy_list(set, c->labels, c->n_labels);
    dst->actors = set_copy_list(set, c->actors, c->n_actors);
    dst->malware = set_copy_list(set, c->malware, c->n_malware);
    if (!dst->pattern) {
        return CF_ENOMEM;
    }
    set->n_compounds++;
    return CF_OK;
}

size_t cf_iocset_compound_count(const cf_iocset *set)
{
    return set->n_compounds;
}

const cf_compound *cf_iocset_compound_at(const cf_iocset *set, size_t i)
{
    return i < set->n_compounds ? &set->compounds[i] : NULL;
}

/* ---- the collector sink --------------------------------------------- */

static void collector_forward(cf_collector *c, const cf_diag *d)
{
    if (c->diag) {
        c->diag(c->diag_ctx, d);
    }
}

cf_status cf_collector_normalize(cf_collector *c, const cf_obs *obs)
{
    cf_iocset_stats *stats = &c->set->stats;

    stats->observations++;
    cf_status st = cf_normalize(&c->norm, obs->type, obs->text, obs->len);
    if (st == CF_ENOMEM) {
        return st;
    }
    if (st != CF_OK) {
        stats->rejected++;
        cf_diag d = {CF_DIAG_REJECT, obs->feed, obs->line, 0, obs->ref,
                     c->norm.reason ? c->norm.reason : "invalid value", obs->text, obs->len};
        collector_forward(c, &d);
        return CF_EMALFORMED;
    }
    if (c->norm.warning) {
        stats->warnings++;
        cf_diag d = {CF_DIAG_WARNING, obs->feed, obs->line, 0, obs->ref, c->norm.warning,
                     obs->text, obs->len};
        collector_forward(c, &d);
    }
    return CF_OK;
}

static cf_status collector_obs(void *ctx, const cf_obs *obs)
{
    cf_collector *c = ctx;
    cf_status st = cf_collector_normalize(c, obs);
    if (st == CF_EMALFORMED) {
        return CF_OK;
    }
    return st == CF_OK ? cf_iocset_merge(c->set, obs, &c->norm, NULL) : st;
}

static void collector_diag(void *ctx, const cf_diag *d)
{
    cf_collector *c = ctx;
    if (d->level == CF_DIAG_WARNING) {
        c->set->stats.warnings++;
    } else {
        c->set->stats.rejected++;
    }
    collector_forward(c, d);
}

static cf_status collector_compound(void *ctx, const cf_compound *comp)
{
    cf_collector *c = ctx;
    return cf_iocset_add_compound(c->set, comp);
}

static cf_event *collector_event(void *ctx, const cf_event *proto)
{
    cf_collector *c = ctx;
    return cf_iocset_event(c->set, proto);
}

void cf_collector_init(cf_collector *c, cf_iocset *set, void (*diag)(void *, const cf_diag *),
                       void *diag_ctx)
{
    memset(c, 0, sizeof *c);
    c->set = set;
    c->diag = diag;
    c->diag_ctx = diag_ctx;
    c->norm = (cf_norm)CF_NORM_INIT;
}

void cf_collector_fini(cf_collector *c)
{
    cf_norm_free(&c->norm);
}

cf_sink cf_collector_sink(cf_collector *c)
{
    cf_sink s = {collector_obs, collector_diag, collector_compound, collector_event, c};
    return s;
}

/* ---- labels and removal after the merge ----------------------------- */

cf_status cf_iocset_add_labels(cf_iocset *set, cf_ioc *ioc, const char *const *labels, size_t n)
{
    return set_unite_names(set, &ioc->labels, &ioc->n_labels, labels, n, true);
}

/* Rehash every kept IOC's value into the cleared key table (the fallback). */
static void set_rekey(cf_iocset *set)
{
    memset(set->keys.slots, 0, (set->keys.mask + 1) * sizeof *set->keys.slots);
    set->keys.count = 0;
    for (size_t i = 0; i < set->n_iocs; i++) {
        const cf_ioc *ioc = set->iocs[i];
        uint32_t h = set_hash((unsigned char)ioc->type, ioc->value, strlen(ioc->value));
        size_t j = h & set->keys.mask;
        while (set->keys.slots[j].index) {
            j = (j + 1) & set->keys.mask;
        }
        set->keys.slots[j].hash = h;
        set->keys.slots[j].index = (uint32_t)(i + 1);
        set->keys.count++;
    }
}

/*
 * Which IOCs a retain keeps, by old position: bit i of kept, and before[w],
 * the kept IOCs of the words below w, so that the new position of a kept
 * IOC is a count of bits instead of a look-up in an array of the set's size.
 */
typedef struct set_kept {
    uint64_t *bits;
    uint32_t *before;
} set_kept;

static uint32_t set_popcount(uint64_t w)
{
    w -= (w >> 1) & 0x5555555555555555ull;
    w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
    w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (uint32_t)((w * 0x0101010101010101ull) >> 56);
}

/*
 * Renumber the key table in place: a kept IOC's slot gets its new position,
 * a removed one's becomes a tombstone that lookups step over and the next
 * growth drops. No slot moves, so no probe chain breaks.
 */
static void set_rekey_kept(cf_iocset *set, const set_kept *k)
{
    slot *s = set->keys.slots;

    for (size_t j = 0; j <= set->keys.mask; j++) {
        uint32_t old = s[j].index;
        if (old == 0 || old == SLOT_GONE) {
            continue;
        }
        old--;
        uint64_t w = k->bits[old / 64], bit = 1ull << (old % 64);
        s[j].index = (w & bit) ? k->before[old / 64] + set_popcount(w & (bit - 1)) + 1
                               : SLOT_GONE;
    }
}

size_t cf_iocset_retain(cf_iocset *set, bool (*keep)(void *ctx, cf_ioc *ioc), void *ctx)
{
    size_t kept = 0, n_old = set->n_iocs, n_words = n_old / 64 + 1;
    set_kept k = {calloc(n_words, sizeof *k.bits), malloc(n_words * sizeof *k.before)};

    /* Compact the order array; a removed IOC gives back its sighting array. */
    for (size_t i = 0; i < n_old; i++) {
        cf_ioc *ioc = set->iocs[i];
        /*
         * Records of a large set are far apart: fetch the record a few steps
         * ahead and the value of a nearer one, which keep reads first.
         */
        if (i + 16 < n_old) {
            __builtin_prefetch(set->iocs[i + 16]);
        }
        if (i + 8 < n_old) {
            __builtin_prefetch(set->iocs[i + 8]->value);
        }
        if (i % 64 == 0 && k.before) {
            k.before[i / 64] = (uint32_t)kept;
        }
        if (set->spill) {
            spill_read(set, i, ioc);
        }
        if (!keep(ctx, ioc)) {
            if (ioc->cap_sightings > 1 && !set->spill) {
                free(ioc->sightings);
            }
            ioc->sightings = NULL;
            ioc->n_sightings = ioc->cap_sightings = 0;
            continue;
        }
        if (k.bits) {
            k.bits[i / 64] |= 1ull << (i % 64);
        }
        /* Until the first removal nothing moves: leave the record clean. */
        if (kept != i) {
            ioc->index = (uint32_t)kept;
            set->iocs[kept] = ioc;
        }
        kept++;
    }
    size_t removed = n_old - kept;
    set->n_iocs = kept;
    if (removed && k.bits && k.before) {
        set_rekey_kept(set, &k);
    } else if (removed) {
        set_rekey(set);
    }
    free(k.bits);
    free(k.before);
    return removed;
}
