/*
 * Correlation against the store, end to end: one million addresses (IPv4
 * and IPv6) and 100,000 listed networks are normalised into IOC sets, then
 * loaded into a fresh store (cf_store_ingest) and, separately, recorded in a
 * fresh correlation database (cf_corr_ingest). Prints both times and their
 * ratio (target: correlation within 2x of loading), then the latency of
 * cf_corr_lookup for addresses inside a listed network beside the same
 * lookup of addresses listed exactly (the plain exact-match baseline).
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

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
        snprintf(out, n, "2001:db8:%x:%x::%x", (i >> 4) & 0xffffu, (i >> 12) & 0xffu, 1 + i % 4000u);
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
    double t0 = now_s();
    for (unsigned i = 0; i < N_NETS; i++) {
        net_text(text, sizeof text, i);
        add(&sn, "networks", text);
    }
    for (unsigned i = 0; i < N_IOCS; i++) {
        addr_text(text, sizeof text, i);
        add(&si, "addresses", text);
    }
    double t_norm = now_s() - t0;

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
    cf_store_ingest_opts so = {"networks", run, 0, CF_EXPIRY_NEVER, 0};
    t0 = now_s();
    cf_store_ingest(store, &so, nets, &counts, &err);
    so.feed = "addresses";
    cf_store_ingest(store, &so, iocs, &counts, &err);
    double t_store = now_s() - t0;
    cf_store_close(store);

    /* Record the same sets in a fresh correlation database. */
    cf_corr *corr = NULL;
    snprintf(path, sizeof path, "%s/bench-correlation.db", dir);
    remove(path);
    if (cf_corr_open(&corr, path, &err) != CF_OK) {
        fprintf(stderr, "correlation: %s\n", err.msg);
        return 1;
    }
    t0 = now_s();
    cf_corr_ingest(corr, "networks", NULL, nets, 0, &err);
    cf_corr_ingest(corr, "addresses", NULL, iocs, 0, &err);
    double t_corr = now_s() - t0;
    printf("IOCs: %zu addresses, %zu networks (normalised in %.2f s)\n", cf_iocset_count(iocs),
           cf_iocset_count(nets), t_norm);
    printf("%-44s %8.2f s\n", "load into the store (cf_store_ingest)", t_store);
    printf("%-44s %8.2f s  (%.2fx of loading; target <= 2x)\n",
           "correlate (cf_corr_ingest)", t_corr, t_corr / t_store);
    fflush(stdout);

    /* Lookups: inside a listed network vs listed exactly. */
    double t_in = 0, t_exact = 0;
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
        double a = now_s();
        cf_corr_lookup(corr, NULL, CF_IOC_IP, canon, &r, &err);
        t_in += now_s() - a;
        linked += r.n_links > 0;
        cf_corr_result_fini(&r);

        addr_text(text, sizeof text, (k * 40503u) % N_IOCS);
        cf_normalize(&nm, CF_IOC_IP, text, strlen(text));
        snprintf(canon, sizeof canon, "%s", cf_buf_str(&nm.value));
        cf_norm_free(&nm);
        memset(&r, 0, sizeof r);
        a = now_s();
        cf_corr_lookup(corr, NULL, CF_IOC_IP, canon, &r, &err);
        t_exact += now_s() - a;
        cf_corr_result_fini(&r);
    }
    cf_corr_close(corr);

    printf("%-44s %8.1f us  (%u of %u linked to a network)\n",
           "lookup, address inside a listed network", t_in / N_LOOKUPS * 1e6, linked, N_LOOKUPS);
    printf("%-44s %8.1f us  (baseline; target < 1 ms)\n", "lookup, address listed exactly",
           t_exact / N_LOOKUPS * 1e6);

    cf_collector_fini(&cn);
    cf_collector_fini(&ci);
    cf_iocset_free(nets);
    cf_iocset_free(iocs);
    return 0;
}
