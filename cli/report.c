/*
 * ctiflow report: attribution views over the correlation database.
 *
 *   --actor NAME      the actor's IOCs by type and source, the feeds that
 *                     contribute, IOCs reached through links (inside one of
 *                     its networks, under one of its domains), the overlap
 *                     with other actors; --to stix2 writes a STIX 2.1
 *                     bundle of the intrusion-set, its indicators and
 *                     `indicates` relationships
 *   --sponsor NAME    every actor whose suspected state sponsor (or
 *                     country code) is NAME, with its IOC count
 *   --overlap         IOCs shared by each pair of feeds
 *
 * DESIGN
 * Each view is one or two passes over cf_corr_each; actor names are
 * resolved through the galaxy per row (a binary search). Links are
 * followed with the in-memory indices of correlate.h built over the
 * actor's own networks and domains, so the second pass costs one trie walk
 * and a few hash probes per IOC.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "ctiflow/buf.h"
#include "ctiflow/correlate.h"
#include "ctiflow/galaxy.h"
#include "ctiflow/normalize.h"
#include "ctiflow/stix.h"

typedef struct rp_member {
    int64_t id;
    cf_ioc_type type, hash_type;
    int port;
    char *value;
    char *feeds;
    char *via;          /* NULL when attributed directly */
    cf_time first_seen;
} rp_member;

typedef struct rp_count {
    char *name;
    int64_t n;
} rp_count;

typedef struct rp_ctx {
    const cf_galaxy *g;
    const cf_actor *actor;   /* target cluster, or NULL for an unresolved name */
    const char *name;        /* target name as given */
    rp_member *m;
    size_t n_m, cap_m;
    rp_count *by_type, *by_feed, *overlap;
    size_t n_type, n_feed, n_overlap;
    int64_t *per_actor;      /* --sponsor: IOCs per galaxy cluster */
    cf_netidx *nets;
    cf_domidx *doms;
    bool oom;
} rp_ctx;

static void rp_count_add(rp_ctx *c, rp_count **arr, size_t *n, const char *name, size_t len)
{
    for (size_t i = 0; i < *n; i++) {
        if (strlen((*arr)[i].name) == len && memcmp((*arr)[i].name, name, len) == 0) {
            (*arr)[i].n++;
            return;
        }
    }
    rp_count *p = realloc(*arr, (*n + 1) * sizeof *p);
    if (!p) {
        c->oom = true;
        return;
    }
    *arr = p;
    p[*n].name = cf_strndup(name, len);
    p[*n].n = 1;
    (*n)++;
}

static int rp_count_cmp(const void *a, const void *b)
{
    const rp_count *x = a, *y = b;
    if (x->n != y->n) {
        return x->n < y->n ? 1 : -1;
    }
    return strcmp(x->name, y->name);
}

/* Does a resolved (or raw) actor name designate the target? */
static const cf_actor *rp_resolve(const rp_ctx *c, const char *name, size_t len)
{
    char raw[512];
    cf_actor_res r;

    if (len == 0 || len >= sizeof raw || !c->g) {
        return NULL;
    }
    memcpy(raw, name, len);
    raw[len] = '\0';
    cf_galaxy_resolve(c->g, NULL, raw, &r);
    return r.actor;
}

static bool rp_is_target(const rp_ctx *c, const char *name, size_t len, const cf_actor **res)
{
    *res = rp_resolve(c, name, len);
    if (c->actor) {
        return *res == c->actor;
    }
    char raw[512];
    if (len >= sizeof raw) {
        return false;
    }
    memcpy(raw, name, len);
    raw[len] = '\0';
    return cf_galaxy_same_name(raw, c->name);
}

static void rp_add_member(rp_ctx *c, const cf_corr_row *row, const char *via)
{
    if (c->n_m == c->cap_m) {
        size_t cap = c->cap_m ? c->cap_m * 2 : 256;
        rp_member *m = realloc(c->m, cap * sizeof *m);
        if (!m) {
            c->oom = true;
            return;
        }
        c->m = m;
        c->cap_m = cap;
    }
    rp_member *m = &c->m[c->n_m++];
    m->id = row->id;
    m->type = row->type;
    m->hash_type = row->hash_type;
    m->port = row->port;
    m->value = cf_strdup(row->value);
    m->feeds = cf_strdup(row->feeds);
    m->via = via ? cf_strdup(via) : NULL;
    m->first_seen = row->first_seen;

    const char *tn = cf_ioc_type_name(row->type);
    rp_count_add(c, &c->by_type, &c->n_type, tn, strlen(tn));
    for (const char *f = row->feeds; *f;) {
        size_t l = strcspn(f, "\n");
        rp_count_add(c, &c->by_feed, &c->n_feed, f, l);
        f += l + (f[l] == '\n');
    }
}

/* First pass: IOCs whose sources name the actor. */
static cf_status rp_direct(void *ctx, const cf_corr_row *row)
{
    rp_ctx *c = ctx;
    bool hit = false;
    const cf_actor *others[16];
    size_t n_others = 0;

    for (const char *a = row->actors; *a;) {
        size_t l = strcspn(a, "\n");
        const cf_actor *res;
        if (rp_is_target(c, a, l, &res)) {
            hit = true;
        } else if (res && n_others < 16) {
            others[n_others++] = res;
        }
        a += l + (a[l] == '\n');
    }
    if (!hit) {
        return CF_OK;
    }
    rp_add_member(c, row, NULL);
    for (size_t i = 0; i < n_others; i++) {
        bool dup = false;
        for (size_t k = 0; k < i; k++) {
            dup = dup || others[k] == others[i];
        }
        if (!dup) {
            rp_count_add(c, &c->overlap, &c->n_overlap, others[i]->value,
                         strlen(others[i]->value));
        }
    }

    /* The actor's networks and domains carry attribution to what they hold. */
    int fam, prefix;
    unsigned char a[16];
    if (row->type == CF_IOC_CIDR &&
        cf_parse_cidr(row->value, strlen(row->value), &fam, a, &prefix)) {
        cf_netidx_add(c->nets, fam, a, prefix, (uint32_t)(c->n_m - 1));
    } else if (row->type == CF_IOC_DOMAIN) {
        cf_domidx_add(c->doms, row->value, (uint32_t)(c->n_m - 1));
    }
    return c->oom ? CF_ENOMEM : CF_OK;
}

typedef struct rp_pass2 {
    rp_ctx *c;
    size_t n_direct;
    size_t cursor; /* direct members are met in the same order */
} rp_pass2;

/* Second pass: IOCs inside the actor's networks or under its domains. */
static cf_status rp_linked(void *ctx, const cf_corr_row *row)
{
    rp_pass2 *p = ctx;
    rp_ctx *c = p->c;
    uint32_t ids[4];
    char host[512], via[1024];
    bool is_ip;
    int fam;
    unsigned char a[16];

    if (p->cursor < p->n_direct && c->m[p->cursor].id == row->id) {
        p->cursor++;
        return CF_OK;
    }
    bool have_host = cf_corr_host(host, sizeof host, row->type, row->value, &is_ip);
    const char *ip = row->type == CF_IOC_IP ? row->value : (have_host && is_ip ? host : NULL);
    if (ip && cf_netidx_count(c->nets) > 0 && cf_parse_ip(ip, strlen(ip), &fam, a) &&
        cf_netidx_containing(c->nets, fam, a, fam == 4 ? 32 : 128, ids, 4) > 0) {
        snprintf(via, sizeof via, "inside network %s", c->m[ids[0]].value);
        rp_add_member(c, row, via);
    } else if (have_host && !is_ip && cf_domidx_count(c->doms) > 0 &&
               cf_domidx_parents(c->doms, host, ids, 4) > 0 &&
               !(row->type == CF_IOC_DOMAIN && strcmp(c->m[ids[0]].value, host) == 0)) {
        snprintf(via, sizeof via, "under domain %s", c->m[ids[0]].value);
        rp_add_member(c, row, via);
    }
    return c->oom ? CF_ENOMEM : CF_OK;
}

static void rp_print_counts(const char *title, rp_count *v, size_t n)
{
    cf_sort(v, n, sizeof *v, rp_count_cmp);
    printf("  %s:", title);
    for (size_t i = 0; i < n; i++) {
        printf("%s %s %lld", i ? "," : "", v[i].name, (long long)v[i].n);
    }
    printf("%s\n", n ? "" : " none");
}

static void rp_json_counts(cf_buf *b, const char *key, rp_count *v, size_t n)
{
    cf_sort(v, n, sizeof *v, rp_count_cmp);
    cf_buf_printf(b, ",\"%s\":{", key);
    for (size_t i = 0; i < n; i++) {
        cf_buf_puts(b, i ? "," : "");
        cf_buf_json_quoted(b, v[i].name);
        cf_buf_printf(b, ":%lld", (long long)v[i].n);
    }
    cf_buf_puts(b, "}");
}

static size_t rp_direct_count(const rp_ctx *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_m; i++) {
        n += c->m[i].via == NULL;
    }
    return n;
}

static void rp_actor_json_head(cf_buf *b, const rp_ctx *c)
{
    const cf_actor *a = c->actor;
    cf_buf_puts(b, "{\"actor\":{\"name\":");
    cf_buf_json_quoted(b, a ? a->value : c->name);
    cf_buf_puts(b, ",\"uuid\":");
    cf_buf_json_quoted(b, a ? a->uuid : NULL);
    cf_buf_puts(b, ",\"country\":");
    cf_buf_json_quoted(b, a ? a->country : NULL);
    cf_buf_puts(b, ",\"sponsor\":");
    cf_buf_json_quoted(b, a ? a->sponsor : NULL);
    cf_buf_puts(b, ",\"synonyms\":[");
    for (size_t i = 0; a && i < a->n_synonyms; i++) {
        cf_buf_puts(b, i ? "," : "");
        cf_buf_json_quoted(b, a->synonyms[i]);
    }
    cf_buf_puts(b, "]}");
}

static void rp_actor_json(const rp_ctx *c_in)
{
    rp_ctx *c = (rp_ctx *)c_in;
    cf_buf b = CF_BUF_INIT;

    rp_actor_json_head(&b, c);
    cf_buf_printf(&b, ",\"iocs\":%zu,\"direct\":%zu,\"linked\":%zu", c->n_m, rp_direct_count(c),
                  c->n_m - rp_direct_count(c));
    rp_json_counts(&b, "by_type", c->by_type, c->n_type);
    rp_json_counts(&b, "by_feed", c->by_feed, c->n_feed);
    rp_json_counts(&b, "overlap", c->overlap, c->n_overlap);
    cf_buf_puts(&b, ",\"indicators\":[");
    for (size_t i = 0; i < c->n_m; i++) {
        const rp_member *m = &c->m[i];
        cf_buf_printf(&b, "%s{\"type\":\"%s\",\"value\":", i ? "," : "",
                      cf_ioc_type_name(m->type));
        cf_buf_json_quoted(&b, m->value);
        cf_buf_puts(&b, ",\"feeds\":[");
        size_t k = 0;
        for (const char *f = m->feeds; *f; k++) {
            size_t l = strcspn(f, "\n");
            cf_buf_puts(&b, k ? ",\"" : "\"");
            cf_buf_json_str(&b, f, l);
            cf_buf_puts(&b, "\"");
            f += l + (f[l] == '\n');
        }
        cf_buf_puts(&b, "],\"via\":");
        cf_buf_json_quoted(&b, m->via);
        cf_buf_puts(&b, "}");
    }
    cf_buf_puts(&b, "]}");
    printf("%s\n", cf_buf_str(&b));
    cf_buf_free(&b);
}

static void rp_actor_text(rp_ctx *c)
{
    const cf_actor *a = c->actor;

    printf("actor %s", a ? a->value : c->name);
    if (a) {
        printf(" (%s)", a->uuid);
        if (a->country) {
            printf(" country %s", a->country);
        }
        if (a->sponsor) {
            printf(", suspected sponsor %s", a->sponsor);
        }
    } else {
        printf(" (not in the galaxy)");
    }
    printf("\n  IOCs: %zu (%zu attributed directly, %zu through links)\n", c->n_m,
           rp_direct_count(c), c->n_m - rp_direct_count(c));
    rp_print_counts("by type", c->by_type, c->n_type);
    rp_print_counts("by feed", c->by_feed, c->n_feed);
    rp_print_counts("overlap with other actors", c->overlap, c->n_overlap);
}

/* A bundle with the intrusion-set, one indicator per IOC and `indicates`. */
static int rp_actor_stix(rp_ctx *c)
{
    cf_buf b = CF_BUF_INIT, pat = CF_BUF_INIT, rel = CF_BUF_INIT;
    char now[40], is_id[80], ind_id[64], u[37], valid[40];
    const cf_actor *a = c->actor;

    if (!a) {
        fprintf(stderr, "ctiflow: error: actor '%s' is not in the galaxy; no STIX id for it\n",
                c->name);
        return 1;
    }
    cf_time_format_rfc3339(now, sizeof now, cf_time_now());
    snprintf(is_id, sizeof is_id, "intrusion-set--%s", a->uuid);
    cf_uuid5(u, CF_NS, is_id, strlen(is_id));
    cf_buf_printf(&b, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", u);
    cf_buf_printf(&b,
                  "{\"type\":\"intrusion-set\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                  "\"created\":\"%s\",\"modified\":\"%s\",\"name\":",
                  is_id, now, now);
    cf_buf_json_quoted(&b, a->value);
    if (a->n_synonyms > 0) {
        cf_buf_puts(&b, ",\"aliases\":[");
        for (size_t i = 0; i < a->n_synonyms; i++) {
            cf_buf_puts(&b, i ? "," : "");
            cf_buf_json_quoted(&b, a->synonyms[i]);
        }
        cf_buf_puts(&b, "]");
    }
    cf_buf_puts(&b, "}");

    for (size_t i = 0; i < c->n_m; i++) {
        const rp_member *m = &c->m[i];
        cf_ioc ioc = {0};
        ioc.type = m->type;
        ioc.hash_type = m->hash_type;
        ioc.port = m->port;
        ioc.value = m->value;
        cf_buf_reset(&pat);
        if (cf_stix_pattern(&pat, &ioc) != CF_OK) {
            continue;
        }
        cf_stix_indicator_id(ind_id, cf_buf_str(&pat));
        if (m->first_seen != CF_TIME_NONE) {
            cf_time_format_rfc3339(valid, sizeof valid, m->first_seen);
        } else {
            snprintf(valid, sizeof valid, "%s", now);
        }
        cf_buf_printf(&b,
                      ",{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                      "\"created\":\"%s\",\"modified\":\"%s\",\"pattern\":",
                      ind_id, now, now);
        cf_buf_json_quoted(&b, cf_buf_str(&pat));
        cf_buf_printf(&b,
                      ",\"pattern_type\":\"stix\",\"valid_from\":\"%s\","
                      "\"indicator_types\":[\"malicious-activity\"]}",
                      valid);
        cf_buf_reset(&rel);
        cf_buf_printf(&rel, "%s|indicates|%s", ind_id, is_id);
        cf_uuid5(u, CF_NS, cf_buf_str(&rel), rel.len);
        cf_buf_printf(&b,
                      ",{\"type\":\"relationship\",\"spec_version\":\"2.1\","
                      "\"id\":\"relationship--%s\",\"created\":\"%s\",\"modified\":\"%s\","
                      "\"relationship_type\":\"indicates\",\"source_ref\":\"%s\","
                      "\"target_ref\":\"%s\"",
                      u, now, now, ind_id, is_id);
        if (m->via) {
            cf_buf_puts(&b, ",\"description\":");
            cf_buf_json_quoted(&b, m->via);
        }
        cf_buf_puts(&b, "}");
    }
    cf_buf_puts(&b, "]}");
    printf("%s\n", cf_buf_str(&b));
    cf_buf_free(&b);
    cf_buf_free(&pat);
    cf_buf_free(&rel);
    return 0;
}

static int rp_actor(cf_corr *corr, const cf_galaxy *g, const char *name, bool json, bool stix)
{
    rp_ctx c = {0};
    cf_error err = {0};
    int rc = 0;

    c.g = g;
    c.name = name;
    if (!g) {
        fprintf(stderr, "ctiflow: warning: no threat-actor galaxy (galaxy: in the configuration "
                        "or --galaxy): '%s' is matched by its exact name only\n", name);
    } else {
        cf_actor_res r;
        if (cf_galaxy_resolve(g, NULL, name, &r) == CF_ACTOR_AMBIGUOUS) {
            fprintf(stderr, "ctiflow: error: actor name '%s' is ambiguous:", name);
            for (size_t i = 0; i < r.n_candidates && i < CF_ACTOR_MAX_CANDIDATES; i++) {
                fprintf(stderr, "%s '%s'", i ? "," : "", r.candidates[i]->value);
            }
            fprintf(stderr, "\n");
            return 1;
        }
        c.actor = r.actor;
    }
    c.nets = cf_netidx_new();
    c.doms = cf_domidx_new();
    if (!c.nets || !c.doms || cf_corr_each(corr, rp_direct, &c, &err) != CF_OK) {
        fprintf(stderr, "ctiflow: error: %s\n", err.msg[0] ? err.msg : "out of memory");
        rc = 1;
        goto out;
    }
    rp_pass2 p2 = {&c, c.n_m, 0};
    if (c.n_m > 0 && cf_corr_each(corr, rp_linked, &p2, &err) != CF_OK) {
        fprintf(stderr, "ctiflow: error: %s\n", err.msg[0] ? err.msg : "out of memory");
        rc = 1;
        goto out;
    }
    if (stix) {
        rc = rp_actor_stix(&c);
    } else if (json) {
        rp_actor_json(&c);
    } else {
        rp_actor_text(&c);
    }
    if (c.n_m == 0 && rc == 0) {
        rc = 1;
    }
out:
    for (size_t i = 0; i < c.n_m; i++) {
        free(c.m[i].value);
        free(c.m[i].feeds);
        free(c.m[i].via);
    }
    free(c.m);
    rp_count *lists[] = {c.by_type, c.by_feed, c.overlap};
    size_t ns[] = {c.n_type, c.n_feed, c.n_overlap};
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < ns[k]; i++) {
            free(lists[k][i].name);
        }
        free(lists[k]);
    }
    cf_netidx_free(c.nets);
    cf_domidx_free(c.doms);
    return rc;
}

/* --sponsor: count IOCs per cluster whose sponsor or country matches. */
typedef struct rp_sponsor {
    const cf_galaxy *g;
    const char *sponsor;
    int64_t *per_actor;
} rp_sponsor;

static bool rp_sponsor_match(const cf_actor *a, const char *s)
{
    return cf_galaxy_same_name(a->sponsor, s) || (a->country && strcasecmp(a->country, s) == 0);
}

static cf_status rp_sponsor_row(void *ctx, const cf_corr_row *row)
{
    rp_sponsor *sp = ctx;
    const cf_actor *seen[16];
    size_t n_seen = 0;
    char raw[512];
    cf_actor_res r;

    for (const char *a = row->actors; *a;) {
        size_t l = strcspn(a, "\n");
        if (l < sizeof raw) {
            memcpy(raw, a, l);
            raw[l] = '\0';
            cf_galaxy_resolve(sp->g, NULL, raw, &r);
            bool dup = false;
            for (size_t k = 0; k < n_seen; k++) {
                dup = dup || seen[k] == r.actor;
            }
            if (r.actor && !dup && n_seen < 16 && rp_sponsor_match(r.actor, sp->sponsor)) {
                seen[n_seen++] = r.actor;
                sp->per_actor[r.actor->index]++;
            }
        }
        a += l + (a[l] == '\n');
    }
    return CF_OK;
}

/* Why a sponsor report lists nothing: no such actor, or none with stored IOCs. */
static void rp_sponsor_none(const cf_galaxy *g, const char *sponsor)
{
    size_t actors = 0;

    for (size_t i = 0; i < cf_galaxy_count(g); i++) {
        actors += rp_sponsor_match(cf_galaxy_at(g, i), sponsor);
    }
    if (actors) {
        printf("  no stored IOC is attributed to its %zu actor%s\n", actors,
               actors == 1 ? "" : "s");
    } else {
        printf("  no actor of the galaxy has this suspected sponsor or country code "
               "(sponsors are named as in the galaxy, such as 'Russian Federation')\n");
    }
}

static int rp_sponsor_report(cf_corr *corr, const cf_galaxy *g, const char *sponsor, bool json)
{
    rp_sponsor sp = {g, sponsor, NULL};
    cf_error err = {0};
    cf_buf b = CF_BUF_INIT;
    size_t shown = 0;

    if (!g) {
        fprintf(stderr, "ctiflow: error: --sponsor needs the threat-actor galaxy (--galaxy)\n");
        return 2;
    }
    sp.per_actor = calloc(cf_galaxy_count(g) + 1, sizeof *sp.per_actor);
    if (!sp.per_actor || cf_corr_each(corr, rp_sponsor_row, &sp, &err) != CF_OK) {
        fprintf(stderr, "ctiflow: error: %s\n", err.msg[0] ? err.msg : "out of memory");
        free(sp.per_actor);
        return 1;
    }
    if (json) {
        cf_buf_puts(&b, "{\"sponsor\":");
        cf_buf_json_quoted(&b, sponsor);
        cf_buf_puts(&b, ",\"actors\":[");
    } else {
        printf("suspected state sponsor %s\n", sponsor);
    }
    for (size_t i = 0; i < cf_galaxy_count(g); i++) {
        const cf_actor *a = cf_galaxy_at(g, i);
        if (sp.per_actor[i] == 0) {
            continue;
        }
        if (json) {
            cf_buf_printf(&b, "%s{\"name\":", shown ? "," : "");
            cf_buf_json_quoted(&b, a->value);
            cf_buf_printf(&b, ",\"uuid\":\"%s\",\"country\":", a->uuid);
            cf_buf_json_quoted(&b, a->country);
            cf_buf_puts(&b, ",\"sponsor\":");
            cf_buf_json_quoted(&b, a->sponsor);
            cf_buf_printf(&b, ",\"iocs\":%lld}", (long long)sp.per_actor[i]);
        } else {
            printf("  %s (%s) %lld IOCs\n", a->value, a->uuid, (long long)sp.per_actor[i]);
        }
        shown++;
    }
    if (json) {
        cf_buf_puts(&b, "]}");
        printf("%s\n", cf_buf_str(&b));
    } else if (!shown) {
        rp_sponsor_none(g, sponsor);
    }
    cf_buf_free(&b);
    free(sp.per_actor);
    return shown ? 0 : 1;
}

typedef struct rp_overlap {
    bool json;
    size_t n;
    cf_buf b;
} rp_overlap;

static cf_status rp_overlap_pair(void *ctx, const char *a, const char *b, int64_t shared)
{
    rp_overlap *o = ctx;
    if (o->json) {
        cf_buf_printf(&o->b, "%s{\"feeds\":[", o->n ? "," : "");
        cf_buf_json_quoted(&o->b, a);
        cf_buf_puts(&o->b, ",");
        cf_buf_json_quoted(&o->b, b);
        cf_buf_printf(&o->b, "],\"shared\":%lld}", (long long)shared);
    } else {
        printf("%s\t%s\t%lld\n", a, b, (long long)shared);
    }
    o->n++;
    return CF_OK;
}

static int rp_overlap_report(cf_corr *corr, bool json)
{
    rp_overlap o = {json, 0, CF_BUF_INIT};
    cf_error err = {0};
    int rc = 0;

    if (json) {
        cf_buf_puts(&o.b, "{\"overlap\":[");
    }
    if (cf_corr_feed_overlap(corr, rp_overlap_pair, &o, &err) != CF_OK) {
        fprintf(stderr, "ctiflow: error: %s\n", err.msg);
        rc = 1;
    } else if (json) {
        cf_buf_puts(&o.b, "]}");
        printf("%s\n", cf_buf_str(&o.b));
    } else if (o.n == 0) {
        printf("no two feeds share an IOC\n");
    }
    cf_buf_free(&o.b);
    return rc;
}

static void report_usage(FILE *out)
{
    fprintf(out,
            "usage: ctiflow report (--actor NAME | --sponsor COUNTRY | --overlap)\n"
            "                      [--json] [--to stix2] -c CONFIG\n"
            "\n"
            "  --actor NAME       an actor's IOCs by type and feed, links, overlap\n"
            "  --sponsor COUNTRY  actors with this suspected state sponsor or country code\n"
            "  --overlap          IOCs shared by each pair of feeds\n"
            "  --to stix2         --actor: a STIX 2.1 bundle (intrusion-set, indicators)\n"
            "  -c, --config FILE  run configuration; --db FILE instead of it\n"
            "  --galaxy FILE      threat-actor galaxy clusters (MISP galaxy JSON)\n");
}

int cf_cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"db", required_argument, NULL, 'd'},
        {"galaxy", required_argument, NULL, 'g'}, {"actor", required_argument, NULL, 'a'},
        {"sponsor", required_argument, NULL, 's'}, {"overlap", no_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},         {"to", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *config = NULL, *db = NULL, *galaxy = NULL, *actor = NULL, *sponsor = NULL;
    bool overlap = false, json = false, stix = false;
    cf_corr *corr = NULL;
    cf_galaxy *gal = NULL;
    int opt, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 'g':
            galaxy = optarg;
            break;
        case 'a':
            actor = optarg;
            break;
        case 's':
            sponsor = optarg;
            break;
        case 'o':
            overlap = true;
            break;
        case 'j':
            json = true;
            break;
        case 't':
            if (strcmp(optarg, "stix2") != 0) {
                fprintf(stderr, "ctiflow: error: report writes --to stix2 only\n");
                return 2;
            }
            stix = true;
            break;
        case 'h':
            report_usage(stdout);
            return 0;
        default:
            report_usage(stderr);
            return 2;
        }
    }
    if ((actor != NULL) + (sponsor != NULL) + overlap != 1 || (stix && !actor) ||
        optind < argc) {
        report_usage(stderr);
        return 2;
    }
    rc = cf_cli_corr_setup(config, db, galaxy, &corr, &gal);
    if (rc == 0) {
        if (actor) {
            rc = rp_actor(corr, gal, actor, json, stix);
        } else if (sponsor) {
            rc = rp_sponsor_report(corr, gal, sponsor, json);
        } else {
            rc = rp_overlap_report(corr, json);
        }
    }
    cf_corr_close(corr);
    cf_galaxy_free(gal);
    return rc;
}
