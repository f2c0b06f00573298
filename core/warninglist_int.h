/*
 * Internals of the warning-list set shared by core/warninglist*.c; not part
 * of the public interface.
 *
 * The indexes are built from staged entries: loaders add networks, names,
 * substrings and expressions, then wl_build() turns the staged networks,
 * names and substrings into their search structures. Expressions are
 * searchable as soon as they are added.
 */
#ifndef CTIFLOW_WARNINGLIST_INT_H
#define CTIFLOW_WARNINGLIST_INT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctiflow/buf.h"
#include "ctiflow/warninglist.h"

/* An address as a 128-bit number; IPv4 uses the low 32 bits. */
typedef struct wl_u128 {
    uint64_t hi, lo;
} wl_u128;

typedef struct wl_net {
    wl_u128 first, last;
    uint16_t list;
} wl_net;

#define WL_IV_PART24_BITS 20 /* 2^20 bits (128 KB) for the /24 filter */

/*
 * An IPv4 interval packed with its list ids' place (the list itself when
 * there is one): one cache line visit per probe.
 */
typedef struct wl_iv4 {
    uint32_t first, last, ids_off;
    uint16_t ids_n;
} wl_iv4;

/* Disjoint sorted intervals, each with the lists that cover all of it. */
typedef struct wl_ivtab {
    wl_net *staged;
    size_t n_staged, cap_staged;
    wl_u128 *first, *last;
    uint32_t *ids_off;
    uint16_t *ids_n;
    size_t n;
    uint16_t *ids;
    size_t n_ids;
    uint32_t *l1;      /* IPv4: l1[k] = intervals starting below k << 16 (65537 of them) */
    uint64_t *touched; /* IPv4: bit k set when an interval covers part of /16 number k */
    uint64_t *whole;   /* IPv4: bit k set when one interval covers all of /16 number k */
    uint64_t *part24;  /* IPv4: the /24s intervals cover in other /16s, hashed to bits */
    wl_iv4 *v4;        /* IPv4: the intervals again, packed */
} wl_ivtab;

/* Kinds of keys in the name table. */
enum {
    WL_K_EXACT = 1, /* the value itself */
    WL_K_UNDER = 2, /* the name and every name under it */
    WL_K_BELOW = 3, /* every name under it, not the name itself */
};

typedef struct wl_hentry {
    uint32_t hash;
    uint32_t off, len; /* key in the pool, lower-case */
    uint16_t list;
    uint8_t kind;
} wl_hentry;

/* A slot of the name table: the key's hash beside its entry number + 1 (0 is empty). */
typedef struct wl_hslot {
    uint32_t hash;
    uint32_t index;
} wl_hslot;

#define WL_HT_EXACT_BITS 65536

/*
 * A multimap from a key to (kind, list) entries, open addressing over entry
 * numbers; the hash in the slot spares a visit to the entry on a mismatch.
 */
typedef struct wl_htab {
    wl_hentry *e;
    size_t n, cap;
    wl_hslot *slots;
    size_t mask;
    uint64_t *filter; /* two bits per key in one word, 8 bits per slot: most misses end here */
    size_t fmask;
    uint64_t exact[WL_HT_EXACT_BITS / 64]; /* exact keys by length and three bytes */
    size_t n_built; /* entries the slots hold (wl_ht_build) */
    cf_buf pool;
} wl_htab;

typedef struct wl_pattern {
    uint32_t off, len;
    uint16_t list;
} wl_pattern;

/* Aho-Corasick automaton over byte classes, as a complete transition table. */
typedef struct wl_ac {
    wl_pattern *pats;
    size_t n_pats, cap_pats;
    cf_buf pool;
    uint8_t cls[256];
    uint32_t n_cls;
    uint32_t *delta;     /* n_states * n_cls */
    uint32_t *out_off;   /* per state: its own outputs in out_ids */
    uint16_t *out_n;
    uint32_t *out_link;  /* nearest state along the fail chain with outputs */
    uint32_t *depth;     /* per state: the length of the pattern prefix it stands for */
    uint16_t *out_ids;
    size_t n_states;
    uint32_t min_len;    /* shortest pattern */
    uint32_t q;          /* bytes per block of the skip filter: 2 or 3 */
    uint32_t cell_bits;  /* the filter has 2^cell_bits cells, blocks hashed to them */
    uint8_t *shift;      /* per cell: safe skip by the block ending a window, or NULL */
    /*
     * cell_mix[k][b]: the class of byte b in place k of a block (k bytes
     * before its end) times the cell hash's multiplier, so a block's cell
     * is the sum of q loads.
     */
    uint32_t cell_mix[3][256];
    bool hex_pats;       /* some pattern is made of hex digits, '.', ':' and '/' only */
} wl_ac;

typedef struct wl_regex {
    regex_t re;
    uint16_t list;
} wl_regex;

typedef struct wl_list {
    cf_wl_info info;
    char *id, *title, *description, *version, *source, *label;
    uint32_t types;      /* bit (1 << cf_ioc_type) per IOC type it applies to */
    uint8_t file_hashes; /* bit (1 << (hash - CF_IOC_MD5)) for CF_IOC_FILE */
} wl_list;

struct cf_wlset {
    wl_list *lists;
    size_t n_lists, cap_lists;
    wl_ivtab v4, v6;
    wl_htab names;
    wl_ac ac;
    wl_regex *res;
    size_t n_res, cap_res;
    uint32_t kind_types[5]; /* per cf_wl_kind: IOC types some list of it covers */
    uint32_t name_types;    /* IOC types some name-table list covers */
    uint8_t plan[32];       /* per IOC type: what matching it involves (WL_P_*), set by building */
};

/* Parts of matching a value of one type. */
enum {
    WL_P_ADDR = 1,  /* networks (of the value, a URL's host, an endpoint's address) */
    WL_P_NAMES = 2, /* the name table: host names, exact strings */
    WL_P_SUB = 4,   /* substrings */
    WL_P_RE = 8,    /* expressions */
};

/* Collects hits of one lookup, keeping lists that apply to the IOC. */
typedef struct wl_hits {
    const cf_wlset *set;
    cf_ioc_type type, hash_type;
    cf_wl_matches *out;
} wl_hits;

void wl_hit(wl_hits *h, uint16_t list);

/*
 * cf_wl_match_value of a value whose length the caller knows (value[len]
 * is its NUL), so the screen does not measure each collected value again.
 * norm, when not NULL, is the normaliser's result for the value: the
 * address it parsed (addr_family not 0) is used instead of the text.
 */
size_t wl_match_len(const cf_wlset *set, cf_ioc_type type, cf_ioc_type hash_type, const char *value,
                    size_t len, const cf_norm *norm, cf_wl_matches *out);

/* Intervals. */
void wl_iv_free(wl_ivtab *t);
cf_status wl_iv_add(wl_ivtab *t, wl_u128 first, wl_u128 last, uint16_t list);
cf_status wl_iv_build(wl_ivtab *t, size_t n_lists, bool v4);
void wl_iv_query(const wl_ivtab *t, wl_u128 first, wl_u128 last, wl_hits *h);
/* wl_iv_query of an IPv4 range on the IPv4 table (built with v4 set). */
void wl_iv_query4(const wl_ivtab *t, uint32_t first, uint32_t last, wl_hits *h);

/* Name table: entries are staged by wl_ht_add and searchable after wl_ht_build. */
void wl_ht_free(wl_htab *t);
cf_status wl_ht_add(wl_htab *t, uint8_t kind, const char *key, size_t len, uint16_t list);
/* Place every staged entry (the same key, kind and list twice is one entry). */
cf_status wl_ht_build(wl_htab *t);
/* Hits of every entry of key whose kind is in kinds (bits 1 << WL_K_*). */
void wl_ht_query(const wl_htab *t, unsigned kinds, const char *key, size_t len, wl_hits *h);
/* The same with the key's hash (wl_ht_hash). */
void wl_ht_query_hash(const wl_htab *t, unsigned kinds, const char *key, size_t len,
                      uint32_t hv, wl_hits *h);

/*
 * Name-table hashing runs from the end of a key to its start, eight bytes
 * (folded to ASCII lower case) a step. The words end at the key's end, so
 * a parent name's words are the name's own up to the word holding the dot
 * before it, whose bytes after the dot are the parent's first word: the
 * hashes of all the parents of a host come out of one pass over it. A
 * key's first word, when shorter than eight bytes, holds them in its high
 * bytes, as a parent's first word does.
 */
#define WL_HT_SEED 0x6a09e667f3bcc909ull
#define WL_HT_MUL 0x9E3779B97F4A7C15ull

/* ASCII lower case of every byte: one load instead of a test per byte. */
extern const unsigned char wl_fold_tab[256];

/*
 * wl_fold_tab of eight bytes at once: a byte below 0x80 whose low seven
 * bits lie in 'A'..'Z' gets bit 5 (no sum carries into the next byte).
 */
static inline uint64_t wl_fold8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t low7 = w & ~highs;
    uint64_t above_z = low7 + ones * (0x7f - 'Z');
    uint64_t from_a = low7 + ones * (0x80 - 'A');
    uint64_t upper = (from_a ^ above_z) & ~w & highs;
    return w | (upper >> 2);
}

/* One word into the hash state. */
static inline uint64_t wl_ht_mix(uint64_t h, uint64_t w)
{
    return (((h << 29) | (h >> 35)) ^ w) * WL_HT_MUL;
}

/* The hash of a key of len bytes from its state after its last word. */
static inline uint32_t wl_ht_final(uint64_t h, size_t len)
{
    h ^= len;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

/* The 8-byte word that ends at s + 8 (bytes s[0..8), first byte lowest). */
static inline uint64_t wl_ht_load(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

/* The first r bytes of s (r 1 to 7) in the high r bytes of a word, the rest 0. */
static inline uint64_t wl_ht_head(const char *s, size_t r)
{
    const unsigned char *u = (const unsigned char *)s;
    uint64_t v;
    if (r >= 4) {
        uint32_t a, b;
        memcpy(&a, u, 4);
        memcpy(&b, u + r - 4, 4);
        v = (uint64_t)a | (uint64_t)b << (8 * (r - 4));
    } else {
        v = (uint64_t)u[0] | (uint64_t)u[r / 2] << (8 * (r / 2)) | (uint64_t)u[r - 1] << (8 * (r - 1));
    }
    return v << (8 * (8 - r));
}

/* The hash of the key s of n bytes, folded as it is read. */
static inline uint32_t wl_ht_hash(const char *s, size_t n)
{
    uint64_t h = WL_HT_SEED;
    size_t i = n;
    for (; i >= 8; i -= 8) {
        h = wl_ht_mix(h, wl_fold8(wl_ht_load(s + i - 8)));
    }
    if (i > 0) {
        h = wl_ht_mix(h, wl_fold8(wl_ht_head(s, i)));
    }
    return wl_ht_final(h, n);
}

/* The filter bit of a hash: its high bits, mixed, so they differ from the slot's. */
static inline size_t wl_ht_fbit(uint32_t h, size_t fmask)
{
    return (size_t)(((uint64_t)h * 0x9E3779B97F4A7C15ull) >> 40) & fmask;
}

/*
 * The two bits a key sets in its filter word (the word of wl_ht_fbit): a
 * second bit in the same word cuts false passes for the price of one load.
 */
static inline uint64_t wl_ht_fmask2(uint32_t h, size_t fbit)
{
    uint64_t second = ((uint64_t)h * 0xC2B2AE3D27D4EB4Full) >> 58;
    return (1ull << (fbit % 64)) | (1ull << second);
}

/* Start loading what a lookup of hash hv reads first. */
static inline void wl_ht_prefetch(const wl_htab *t, uint32_t hv)
{
    if (t->filter) {
        __builtin_prefetch(&t->filter[wl_ht_fbit(hv, t->fmask) / 64]);
    }
}

/* Substrings. */
void wl_ac_free(wl_ac *a);
cf_status wl_ac_add(wl_ac *a, const char *pat, size_t len, uint16_t list);
cf_status wl_ac_build(wl_ac *a);
void wl_ac_scan(const wl_ac *a, const char *text, size_t len, wl_hits *h);

/*
 * Convert a MISP "/body/flags" expression (or a bare body) to a POSIX
 * extended expression in out; *icase is set for the 'i' flag. False with a
 * static reason when it uses something POSIX cannot express.
 */
bool wl_regex_convert(cf_buf *out, const char *src, bool *icase, const char **reason);

#define WL_DOC_NUM 24

/* A value of a JSON array: a string (NUL-ended) or, with s NULL, anything else. */
typedef struct wl_docval {
    char *s;
    size_t len;
} wl_docval;

/* The members of a MISP warning list that loading uses; strings are borrowed. */
typedef struct wl_doc {
    const char *name, *description, *version, *type; /* NULL when absent */
    wl_docval *attrs; /* matching_attributes */
    size_t n_attrs;
    wl_docval *list;
    size_t n_list;
    bool has_attrs, has_list;
    bool nul_free;           /* no string holds a NUL (the quick reader refuses \u0000) */
    char num[4][WL_DOC_NUM]; /* integer members as text */
} wl_doc;

/*
 * Read a warning list of the simple kind (ASCII JSON, string members) from
 * buf, decoding in place. False when the general JSON parser must read it.
 */
bool wl_doc_parse(char *buf, size_t len, wl_doc *doc);
void wl_doc_free(wl_doc *doc);

/* Network from an address or "addr/prefix" text, host bits cleared. */
bool wl_parse_net(const char *text, size_t len, int *family, wl_u128 *first, wl_u128 *last);

/* Network of address bytes b (network order, 4 or 16 of them by family) and a prefix. */
void wl_net_bytes(int family, const unsigned char *b, int prefix, wl_u128 *first, wl_u128 *last);

#endif
