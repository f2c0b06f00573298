/*
 * Correlation against the store, end to end: one million addresses (IPv4
 * and IPv6) and 100,000 listed networks are normalised into IOC sets, then
 * loaded into a fresh store (cf_store_ingest) and, separately, recorded in a
 * fresh correlation database (cf_corr_ingest). Prints both times and their
 * ratio (target: correlation within 2x of loading), then the latency of
 * cf_corr_lookup for addresses inside a listed network beside the same
 * lookup of addresses listed exactly (the plain exact-match baseline).
 * Times are CPU seconds of the process (user + system), with wall seconds
 * beside them; the ratio uses CPU time, since on a shared machine wall time
 * mostly measures the neighbours.
 *
 * usage: bench_correlate_store DIR   (DIR receives the two databases)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctiflow/correlate.h"
#include "ctiflow/iocset.h"
#include "ctiflow/store.h"

#define N_IOCS 1000000u
#define N_NETS 100000u
#define N_LOOKUPS 2000u

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A moment as CPU time of the process and wall time. */
typedef struct stamp {
    double cpu, wall;
} stamp;

static stamp now(void)
{
    return (stamp){clock_s(CLOCK_PROCESS_CPUTIME_ID), clock_s(CLOCK_MONOTONIC)};
}

/* Add the time since a to *sum. */
static void since(stamp *sum, stamp a)
{
    stamp b = now();
    sum->cpu += b.cpu - a.cpu;
    sum->wall += b.wall - a.wall;
}

static void add(cf_sink *sink, const char *feed, const char *text)
{
    cf_obs o;
    cf_obs_init(&o);
    o.text = text;
    o.len = strlen(text);
    o.feed = feed;
    o.line = 1;
    sink->obs(sink->ctx, &o);
}

/* Address number i: IPv4 for 4 of 5, IPv6 otherwise; spread over /8s. */
static void addr_text(char *out, size_t n, unsigned i)
{
    if (i % 5) {
        snprintf(out, n, "%u.%u.%u.%u", 1 + (i * 7u) % 223u, (i >> 3) & 255u, (i >> 11) & 255u,
                 1 + i % 254u);
    } else {
        snprintf(out, n, "2001:db8:%x:%x::%x", (i >> 4) & 0xffffu, (i >> 12) & 0xffu,
                 1 + i % 4000u);
    }
}

static void net_text(char *out, size_t n, unsigned i)
{
    if (i % 5) {
        snprintf(out, n, "%u.%u.%u.0/24", 1 + (i * 13u) % 223u, i & 255u, (i >> 8) & 255u);
    } else {
        snprintf(out, n, "2001:db8:%x::/48", i & 0xffffu);
    }
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char path[4096], text[128];
    cf_error err;
    cf_error_clear(&err);

    /* Normalise both feeds into sets, as a run does. */
    cf_iocset *nets = cf_iocset_new(), *iocs = cf_iocset_new();
    cf_collector cn, ci;
    cf_collector_init(&cn, nets, NULL, NULL);
    cf_collector_init(&ci, iocs, NULL, NULL);
    cf_sink sn = cf_collector_sink(&cn), si = cf_collector_sink(&ci);
    stamp t_norm = {0, 0}, t_store = {0, 0}, t_corr = {0, 0}, t0 = now();
    for (unsigned i = 0; i < N_NETS; i++) {
        net_text(text, sizeof text, i);
        add(&sn, "networks", text);
    }
    for (unsigned i = 0; i < N_IOCS; i++) {
        addr_text(text, sizeof text, i);
        add(&si, "addresses", text);
    }
    since(&t_norm, t0);

    /* Load into a fresh store. */
    cf_store *store = NULL;
    snprintf(path, sizeof path, "%s/bench-store.db", dir);
    remove(path);
    if (cf_store_open(&store, path, &err) != CF_OK) {
        fprintf(stderr, "store: %s\n", err.msg);
        return 1;
    }
    int64_t run = 0;
    cf_store_run_begin(store, 0, &run, &err);
    cf_store_counts counts;
    cf_store_ingest_opts so = {"networks", run, 0, CF_EXPIRY_NEVER, 0, NULL};
    t0 = now();
    cf_store_ingest(store, &so, nets, &counts, &err);
    so.feed = "addresses";
    cf_store_ingest(store, &so, iocs, &counts, &err);
    since(&t_store, t0);
    cf_store_close(store);

    /* Record the same sets in a fresh correlation database. */
    cf_corr *corr = NULL;
    snprintf(path, sizeof path, "%s/bench-correlation.db", dir);
    remove(path);
    if (cf_corr_open(&corr, path, &err) != CF_OK) {
        fprintf(stderr, "correlation: %s\n", err.msg);
        return 1;
    }
    t0 = now();
    cf_corr_ingest(corr, "networks", NULL, nets, 0, &err);
    cf_corr_ingest(corr, "addresses", NULL, iocs, 0, &err);
    since(&t_corr, t0);
    printf("IOCs: %zu addresses, %zu networks (normalised in %.2f s CPU)\n",
           cf_iocset_count(iocs), cf_iocset_count(nets), t_norm.cpu);
    printf("%-40s %7.2f s CPU %7.2f s wall\n", "load into the store (cf_store_ingest)",
           t_store.cpu, t_store.wall);
    printf("%-40s %7.2f s CPU %7.2f s wall  (%.2fx of loading in CPU, %.2fx in wall; "
           "target <= 2x)\n", "correlate (cf_corr_ingest)", t_corr.cpu, t_corr.wall,
           t_corr.cpu / t_store.cpu, t_corr.wall / t_store.wall);
    fflush(stdout);

    /* Lookups: inside a listed network vs listed exactly. */
    stamp t_in = {0, 0}, t_exact = {0, 0};
    unsigned linked = 0;
    for (unsigned k = 0; k < N_LOOKUPS; k++) {
        cf_corr_result r;
        unsigned i = (k * 2654435761u) % N_NETS;
        net_text(text, sizeof text, i);
        /* an address inside network i */
        char *slash = strchr(text, '/');
        if (i % 5) {
            memcpy(slash - 1, "77", 3);
        } else {
            memcpy(slash - 1, "5:1", 4);
        }
        char canon[128];
        cf_norm nm = CF_NORM_INIT;
        cf_normalize(&nm, CF_IOC_IP, text, strlen(text));
        snprintf(canon, sizeof canon, "%s", cf_buf_str(&nm.value));
        cf_norm_free(&nm);
        memset(&r, 0, sizeof r);
        stamp a = now();
        cf_corr_lookup(corr, NULL, CF_IOC_IP, canon, &r, &err);
        since(&t_in, a);
        linked += r.n_links > 0;
        cf_corr_result_fini(&r);

        addr_text(text, sizeof text, (k * 40503u) % N_IOCS);
        cf_normalize(&nm, CF_IOC_IP, text, strlen(text));
        snprintf(canon, sizeof canon, "%s", cf_buf_str(&nm.value));
        cf_norm_free(&nm);
        memset(&r, 0, sizeof r);
        a = now();
        cf_corr_lookup(corr, NULL, CF_IOC_IP, canon, &r, &err);
        since(&t_exact, a);
        cf_corr_result_fini(&r);
    }
    cf_corr_close(corr);

    printf("%-40s %7.1f us CPU %6.1f us wall  (%u of %u linked to a network; target < 1 ms)\n",
           "lookup, address inside a listed network", t_in.cpu / N_LOOKUPS * 1e6,
           t_in.wall / N_LOOKUPS * 1e6, linked, N_LOOKUPS);
    printf("%-40s %7.1f us CPU %6.1f us wall  (exact-match baseline)\n",
           "lookup, address listed exactly", t_exact.cpu / N_LOOKUPS * 1e6,
           t_exact.wall / N_LOOKUPS * 1e6);

    cf_collector_fini(&cn);
    cf_collector_fini(&ci);
    cf_iocset_free(nets);
    cf_iocset_free(iocs);
    return 0;
}
