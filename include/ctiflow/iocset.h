/*
 * The in-memory IOC set: dedup by (type, canonical value) with merged
 * context, in insertion order.
 *
 * DESIGN
 * An open-addressing hash table of cf_ioc pointers keyed by (type, value);
 * IOCs live in an array in insertion order so writers emit deterministic
 * output. Repeated strings (feed names, labels, families, actors) are
 * interned in one pool owned by the set; sighting refs are copies it owns.
 * Merge rules when the same key is added again: sightings appended,
 * first_seen earliest, last_seen latest, valid_until latest, confidence
 * highest, TLP most restrictive, labels, families and actors united,
 * original/display name/comment kept from the first source that had one.
 */
#ifndef CTIFLOW_IOCSET_H
#define CTIFLOW_IOCSET_H

#include <stddef.h>

#include "ctiflow/ioc.h"
#include "ctiflow/normalize.h"

typedef struct cf_iocset cf_iocset;

/* Counters of one set, for summaries. */
typedef struct cf_iocset_stats {
    uint64_t observations; /* obs handed to cf_iocset_add */
    uint64_t rejected;     /* obs whose value failed normalisation */
    uint64_t warnings;
    uint64_t unique;       /* IOCs in the set */
    uint64_t released;     /* times a spilling set handed its file's pages back */
} cf_iocset_stats;

cf_iocset *cf_iocset_new(void);
void cf_iocset_free(cf_iocset *set);

/*
 * Let set keep its records (IOCs, values, sightings, strings), past the
 * first `resident` bytes, in an unlinked temporary file in dir (NULL:
 * $TMPDIR, else /tmp) mapped into memory, and give the file's pages back
 * to the kernel whenever more than its budget of them is mapped: resident
 * bytes, plus 4 KB for each merge into an IOC already in the set, up to
 * 256 bytes per IOC and 256 MB in all. The memory of a set of millions of
 * IOCs is then its key table, its order array, its first resident bytes
 * and about its budget of file pages (passed by up to half of a small
 * budget, 16 MB of a large one). Records keep their addresses and every
 * function works as before. Call it before anything is added (CF_EINVAL
 * otherwise). The file is made when first needed; when it cannot be made
 * or grown (disk full), the call that needed the space fails with
 * CF_ENOMEM.
 */
cf_status cf_iocset_spill(cf_iocset *set, const char *dir, size_t resident);

/* Intern s (n bytes); the pointer lives as long as the set. NULL on OOM. */
const char *cf_iocset_intern(cf_iocset *set, const char *s, size_t n);

/* Copy proto (strings and arrays deep-copied) into an event the set owns. */
cf_event *cf_iocset_event(cf_iocset *set, const cf_event *proto);
size_t cf_iocset_event_count(const cf_iocset *set);
const cf_event *cf_iocset_event_at(const cf_iocset *set, size_t i);

/*
 * Merge one normalised observation. obs supplies the context and norm the
 * canonical value. *out (may be NULL) gets the merged IOC.
 */
cf_status cf_iocset_merge(cf_iocset *set, const cf_obs *obs, const cf_norm *norm, cf_ioc **out);

/*
 * The same merge with the key's hash h computed beforehand by
 * cf_iocset_hash (on another thread, say), and a hint to fetch what a
 * merge of hash h reads into the cache a few merges ahead: its key-table
 * slot, or, when record is true (a later call, once the slot is cached),
 * the IOC of a matching slot.
 */
uint32_t cf_iocset_hash(cf_ioc_type type, const char *value, size_t n);
cf_status cf_iocset_merge_hashed(cf_iocset *set, const cf_obs *obs, const cf_norm *norm,
                                 uint32_t h, cf_ioc **out);
void cf_iocset_prefetch(const cf_iocset *set, uint32_t h, bool record);

/* Look up by key; NULL when absent. */
cf_ioc *cf_iocset_find(const cf_iocset *set, cf_ioc_type type, const char *value);

size_t cf_iocset_count(const cf_iocset *set);
/* IOC number i in insertion order (0-based). Borrowed. */
cf_ioc *cf_iocset_at(const cf_iocset *set, size_t i);

/*
 * Reads of IOCs by position for one thread: what cf_iocset_at does, but a
 * cursor keeps its own read-ahead state (a spilling set maps the records
 * of a read in order ahead of it and hands back what the read passed), so
 * several threads may each read one set through a cursor of their own at
 * once, as long as nothing adds to the set, retains or calls cf_iocset_at
 * meanwhile. The fields are the cursor's own; fini hands back its window.
 */
typedef struct cf_iocset_cursor {
    const cf_iocset *set;
    size_t next_at;   /* the position a read in order asks for next */
    char *from, *to;  /* the records mapped ahead of the read, or NULL */
    size_t debt;      /* bytes its reads may have mapped since the last count */
} cf_iocset_cursor;

void cf_iocset_cursor_init(cf_iocset_cursor *c, const cf_iocset *set);
/* IOC number i (NULL past the end). Borrowed. */
cf_ioc *cf_iocset_cursor_at(cf_iocset_cursor *c, size_t i);
void cf_iocset_cursor_fini(cf_iocset_cursor *c);

/* Compound indicators (cf_compound), deep-copied and kept in order. */
cf_status cf_iocset_add_compound(cf_iocset *set, const cf_compound *c);
size_t cf_iocset_compound_count(const cf_iocset *set);
const cf_compound *cf_iocset_compound_at(const cf_iocset *set, size_t i);

cf_iocset_stats *cf_iocset_stats_of(cf_iocset *set);

/*
 * A ready-made sink: normalises every observation, merges it into set,
 * and forwards diagnostics (rejects with their reason, warnings) to the
 * callback given. Used by convert and by the run driver.
 */
typedef struct cf_collector {
    cf_iocset *set;
    cf_norm norm;
    void (*diag)(void *ctx, const cf_diag *d);
    void *diag_ctx;
} cf_collector;

void cf_collector_init(cf_collector *c, cf_iocset *set, void (*diag)(void *, const cf_diag *),
                       void *diag_ctx);
void cf_collector_fini(cf_collector *c);
/* A sink whose callbacks feed c; valid while c lives. */
cf_sink cf_collector_sink(cf_collector *c);
/*
 * The first step of the sink's observation callback: normalise obs into
 * c->norm, count it and report a reject or a warning through the callback.
 * CF_OK: c->norm holds the IOC to merge; CF_EMALFORMED: rejected (reported,
 * nothing to merge); CF_ENOMEM.
 */
cf_status cf_collector_normalize(cf_collector *c, const cf_obs *obs);

/*
 * A collector whose merges run on a thread of their own, so that reading
 * and normalising an input overlap with merging it into the set. The sink
 * of cf_merger_sink is used on the thread that started the merger: it
 * normalises each observation there (diagnostics go out there, in order,
 * through the collector's callback, and the collector's counters count
 * them) and hands the observation and its canonical value, copied, to the
 * merge thread in batches through a bounded queue. The set gets the IOCs,
 * context and order the collector's own sink gives. Events and compound
 * indicators wait until every observation before them is merged and then
 * go into the set from the reading thread. Until cf_merger_finish the set
 * belongs to the merge thread: only the sink may touch it (and what it is
 * read or fed by). A failed merge (out of memory, a full disk) makes the
 * sink return that status from a later observation on.
 */
typedef struct cf_merger cf_merger;

/* Start the merge thread of collector c (which must outlive the merger). */
cf_status cf_merger_start(cf_merger **out, cf_collector *c);

/*
 * A screen between normalising and merging (warning lists): merge runs on
 * the merge thread, in order, for every observation, in place of the set's
 * merge (hash is the key's cf_iocset_hash). What it touches belongs to the
 * merge thread until cf_merger_sync returns.
 */
typedef struct cf_merge_screen {
    cf_status (*merge)(void *ctx, const cf_obs *obs, const cf_norm *norm, uint32_t hash);
    void *ctx;
} cf_merge_screen;

/* cf_merger_start with a screen (copied; its ctx must outlive the merger). */
cf_status cf_merger_start_screened(cf_merger **out, cf_collector *c, const cf_merge_screen *sc);
/* The sink feeding the merger; valid until cf_merger_finish. */
cf_sink cf_merger_sink(cf_merger *m);
/* Wait until every observation handed over is merged; the first merge failure, or CF_OK. */
cf_status cf_merger_sync(cf_merger *m);
/* Sync, stop the thread and free the merger (NULL is a no-op); as cf_merger_sync. */
cf_status cf_merger_finish(cf_merger *m);

/*
 * Unite labels (n of them, interned in the set) into ioc's labels, by the
 * same rule as a merge. ioc must belong to set.
 */
cf_status cf_iocset_add_labels(cf_iocset *set, cf_ioc *ioc, const char *const *labels, size_t n);

/*
 * Keep only the IOCs for which keep returns true, in their order; the others
 * leave the set (their memory stays with the set until it is freed), and
 * the kept ones are renumbered. keep is called once per IOC, in order, and
 * may change the IOC it is given (cf_iocset_add_labels on it, say) but not
 * look up, add or reach other IOCs of the set. Returns how many were removed.
 */
size_t cf_iocset_retain(cf_iocset *set, bool (*keep)(void *ctx, cf_ioc *ioc), void *ctx);

#endif
