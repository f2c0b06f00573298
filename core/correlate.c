/*
 * In-memory correlation indices: listed networks on the bits and listed
 * domains by label, plus the host an IOC names.
 *
 * DESIGN
 * cf_netidx is one binary trie per address family held in a node array
 * (node 0 is the IPv4 root, node 1 the IPv6 root); a child index of 0 means
 * "no child" since no node points back at a root. A listed network marks
 * the node at depth prefix with a chain of ids. A query walks the bits of
 * the address from the root and collects the ids met on the way, so the
 * cost is the prefix length, never the number of networks.
 *
 * cf_domidx is open addressing with linear probing over FNV-1a hashes,
 * at most half full; names live in one growing byte buffer and slots keep
 * offsets into it, so growing the buffer never invalidates a slot.
 */
#include <stdlib.h>
#include <string.h>

#include "ctiflow/buf.h"
#include "ctiflow/correlate.h"
#include "ctiflow/limits.h"
#include "ctiflow/normalize.h"

#define NET_NONE UINT32_MAX

typedef struct net_node {
    uint32_t child[2];
    uint32_t ids; /* head of the id chain, NET_NONE when no network ends here */
} net_node;

typedef struct net_id {
    uint32_t id;
    uint32_t next;
} net_id;

struct cf_netidx {
    net_node *nodes;
    size_t n_nodes, cap_nodes;
    net_id *ids;
    size_t n_ids, cap_ids;
};

static cf_status net_grow(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return CF_OK;
    }
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need) {
        cap2 *= 2;
    }
    void *p = realloc(*v, cap2 * elem);
    if (!p) {
        return CF_ENOMEM;
    }
    *v = p;
    *cap = cap2;
    return CF_OK;
}

static uint32_t net_new_node(cf_netidx *ix)
{
    if (net_grow((void **)&ix->nodes, &ix->cap_nodes, ix->n_nodes + 1, sizeof(net_node)) !=
        CF_OK) {
        return NET_NONE;
    }
    net_node *n = &ix->nodes[ix->n_nodes];
    n->child[0] = n->child[1] = 0;
    n->ids = NET_NONE;
    return (uint32_t)ix->n_nodes++;
}

cf_netidx *cf_netidx_new(void)
{
    cf_netidx *ix = calloc(1, sizeof *ix);

    if (!ix) {
        return NULL;
    }
    if (net_new_node(ix) == NET_NONE || net_new_node(ix) == NET_NONE) {
        cf_netidx_free(ix);
        return NULL;
    }
    return ix;
}

void cf_netidx_free(cf_netidx *ix)
{
    if (!ix) {
        return;
    }
    free(ix->nodes);
    free(ix->ids);
    free(ix);
}

static inline int net_bit(const unsigned char *addr, int i)
{
    return (addr[i >> 3] >> (7 - (i & 7))) & 1;
}

cf_status cf_netidx_add(cf_netidx *ix, int family, const unsigned char addr[16], int prefix,
                        uint32_t id)
{
    int bits = family == 6 ? 128 : 32;
    uint32_t at = family == 6 ? 1 : 0;

    if ((family != 4 && family != 6) || prefix < 0 || prefix > bits) {
        return CF_EINVAL;
    }
    for (int i = 0; i < prefix; i++) {
        int b = net_bit(addr, i);
        if (ix->nodes[at].child[b] == 0) {
            uint32_t n = net_new_node(ix);
            if (n == NET_NONE) {
                return CF_ENOMEM;
            }
            ix->nodes[at].child[b] = n;
        }
        at = ix->nodes[at].child[b];
    }
    if (net_grow((void **)&ix->ids, &ix->cap_ids, ix->n_ids + 1, sizeof(net_id)) != CF_OK) {
        return CF_ENOMEM;
    }
    ix->ids[ix->n_ids].id = id;
    ix->ids[ix->n_ids].next = ix->nodes[at].ids;
    ix->nodes[at].ids = (uint32_t)ix->n_ids++;
    return CF_OK;
}

size_t cf_netidx_count(const cf_netidx *ix)
{
    return ix->n_ids;
}

size_t cf_netidx_containing(const cf_netidx *ix, int family, const unsigned char addr[16],
                            int prefix, uint32_t *out, size_t max)
{
    int bits = family == 6 ? 128 : 32;
    uint32_t at = family == 6 ? 1 : 0;
    size_t n = 0;

    if ((family != 4 && family != 6) || prefix < 0 || prefix > bits) {
        return 0;
    }
    for (int i = 0;; i++) {
        for (uint32_t k = ix->nodes[at].ids; k != NET_NONE; k = ix->ids[k].next) {
            if (n < max) {
                out[n] = ix->ids[k].id;
            }
            n++;
        }
        if (i == prefix) {
            break;
        }
        uint32_t next = ix->nodes[at].child[net_bit(addr, i)];
        if (next == 0) {
            break;
        }
        at = next;
    }
    return n;
}

/* ---- domains ------------------------------------------------------- */

typedef struct dom_slot {
    uint32_t hash;
    uint32_t id;
    size_t off; /* offset + 1 into names; 0 marks an empty slot */
} dom_slot;

struct cf_domidx {
    dom_slot *slots;
    size_t mask, count;
    cf_buf names;
};

static uint32_t dom_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

cf_domidx *cf_domidx_new(void)
{
    cf_domidx *ix = calloc(1, sizeof *ix);

    if (!ix) {
        return NULL;
    }
    ix->slots = calloc(1024, sizeof *ix->slots);
    if (!ix->slots) {
        free(ix);
        return NULL;
    }
    ix->mask = 1023;
    return ix;
}

void cf_domidx_free(cf_domidx *ix)
{
    if (!ix) {
        return;
    }
    free(ix->slots);
    cf_buf_free(&ix->names);
    free(ix);
}

size_t cf_domidx_count(const cf_domidx *ix)
{
    return ix->count;
}

/* The slot of name (n bytes): its own when listed, else the empty one to fill. */
static dom_slot *dom_probe(const cf_domidx *ix, const char *name, size_t n, uint32_t h)
{
    for (size_t i = h & ix->mask;; i = (i + 1) & ix->mask) {
        dom_slot *s = &ix->slots[i];
        if (s->off == 0) {
            return s;
        }
        const char *k = ix->names.data + s->off - 1;
        if (s->hash == h && strncmp(k, name, n) == 0 && k[n] == '\0') {
            return s;
        }
    }
}

static cf_status dom_rehash(cf_domidx *ix)
{
    size_t cap = (ix->mask + 1) * 2;
    dom_slot *old = ix->slots;
    size_t old_cap = ix->mask + 1;

    ix->slots = calloc(cap, sizeof *ix->slots);
    if (!ix->slots) {
        ix->slots = old;
        return CF_ENOMEM;
    }
    ix->mask = cap - 1;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].off == 0) {
            continue;
        }
        size_t j = old[i].hash & ix->mask;
        while (ix->slots[j].off != 0) {
            j = (j + 1) & ix->mask;
        }
        ix->slots[j] = old[i];
    }
    free(old);
    return CF_OK;
}

cf_status cf_domidx_add(cf_domidx *ix, const char *domain, uint32_t id)
{
    size_t n = strlen(domain);
    uint32_t h = dom_hash(domain, n);
    cf_status st;

    if ((ix->count + 1) * 2 > ix->mask + 1) {
        st = dom_rehash(ix);
        if (st != CF_OK) {
            return st;
        }
    }
    dom_slot *s = dom_probe(ix, domain, n, h);
    if (s->off != 0) {
        return CF_OK;
    }
    size_t off = ix->names.len;
    st = cf_buf_append(&ix->names, domain, n);
    if (st == CF_OK) {
        st = cf_buf_putc(&ix->names, '\0');
    }
    if (st != CF_OK) {
        return st;
    }
    s->hash = h;
    s->id = id;
    s->off = off + 1;
    ix->count++;
    return CF_OK;
}

size_t cf_domidx_parents(const cf_domidx *ix, const char *host, uint32_t *out, size_t max)
{
    size_t n = 0;

    if (ix->count == 0) {
        return 0;
    }
    /* The host itself, then every suffix that follows a dot. */
    for (const char *p = host; p && *p;) {
        size_t len = strlen(p);
        dom_slot *s = dom_probe(ix, p, len, dom_hash(p, len));
        if (s->off != 0) {
            if (n < max) {
                out[n] = s->id;
            }
            n++;
        }
        p = strchr(p, '.');
        if (p) {
            p++;
        }
    }
    return n;
}

/* ---- hosts ----------------------------------------------------------- */

static bool host_put(char *out, size_t outsz, const char *s, size_t n)
{
    if (n == 0 || n >= outsz) {
        return false;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/* Host of a canonical URL: after "://", without user info, port or brackets. */
static bool host_of_url(char *out, size_t outsz, const char *v, bool *is_ip)
{
    const char *p = strstr(v, "://");
    if (!p) {
        return false;
    }
    p += 3;
    size_t end = strcspn(p, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < end; i++) {
        if (p[i] == '@') {
            at = p + i;
        }
    }
    if (at) {
        end -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (end > 0 && p[0] == '[') {
        const char *close = memchr(p, ']', end);
        if (!close) {
            return false;
        }
        *is_ip = true;
        return host_put(out, outsz, p + 1, (size_t)(close - p - 1));
    }
    const char *colon = memchr(p, ':', end);
    if (colon) {
        end = (size_t)(colon - p);
    }
    if (!host_put(out, outsz, p, end)) {
        return false;
    }
    int fam;
    unsigned char addr[16];
    *is_ip = cf_parse_ip(out, end, &fam, addr);
    return true;
}

bool cf_corr_host(char *out, size_t outsz, cf_ioc_type type, const char *value, bool *is_ip)
{
    *is_ip = false;
    switch (type) {
    case CF_IOC_DOMAIN:
        return host_put(out, outsz, value, strlen(value));
    case CF_IOC_EMAIL: {
        const char *at = strrchr(value, '@');
        return at ? host_put(out, outsz, at + 1, strlen(at + 1)) : false;
    }
    case CF_IOC_URL:
        return host_of_url(out, outsz, value, is_ip);
    default:
        return false;
    }
}
