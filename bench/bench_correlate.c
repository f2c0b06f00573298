/*
 * Correlation benchmark: one million IOCs (addresses, IPv4 and IPv6)
 * against 100,000 listed networks. Prints the time to build the network
 * index and correlate every IOC, and the per-lookup latency, beside an
 * exact-match baseline (a hash set of the same values). Times are CPU
 * seconds of the process (one thread, so its wall time on an idle machine).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ctiflow/correlate.h"

#define N_IOCS 1000000u
#define N_NETS 100000u

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rand_addr(unsigned char a[16], int fam, unsigned *seed)
{
    for (int i = 0; i < (fam == 4 ? 4 : 16); i++) {
        a[i] = (unsigned char)(rand_r(seed) & 0xff);
    }
    if (fam == 6) {
        a[0] = 0x20;
        a[1] = 0x01;
    }
}

int main(void)
{
    unsigned seed = 42;
    unsigned char a[16];
    uint32_t ids[16];
    char name[64];
    cf_netidx *nets = cf_netidx_new();
    cf_domidx *exact = cf_domidx_new();
    uint64_t hits = 0, found = 0;

    double t0 = now_s();
    for (uint32_t i = 0; i < N_NETS; i++) {
        int fam = i % 4 == 0 ? 6 : 4;
        rand_addr(a, fam, &seed);
        cf_netidx_add(nets, fam, a, fam == 4 ? 16 + (int)(i % 9) : 32 + (int)(i % 33), i);
    }
    double t1 = now_s();
    for (uint32_t i = 0; i < N_IOCS; i++) {
        int fam = i % 4 == 0 ? 6 : 4;
        rand_addr(a, fam, &seed);
        hits += cf_netidx_containing(nets, fam, a, fam == 4 ? 32 : 128, ids, 16) > 0;
    }
    double t2 = now_s();
    for (uint32_t i = 0; i < N_IOCS; i++) {
        snprintf(name, sizeof name, "198.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        cf_domidx_add(exact, name, i);
    }
    double t3 = now_s();
    for (uint32_t i = 0; i < N_IOCS; i++) {
        snprintf(name, sizeof name, "198.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        found += cf_domidx_parents(exact, name, ids, 16) > 0;
    }
    double t4 = now_s();

    printf("networks indexed:        %u in %.3f s CPU\n", N_NETS, t1 - t0);
    printf("correlate %u IOCs:  %.3f s CPU (%llu inside a listed network)\n", N_IOCS, t2 - t1,
           (unsigned long long)hits);
    printf("containment lookup:      %.3f us each\n", (t2 - t1) / N_IOCS * 1e6);
    printf("exact-match baseline:    load %.3f s CPU, lookup %.3f us each (%llu found)\n", t3 - t2,
           (t4 - t3) / N_IOCS * 1e6, (unsigned long long)found);
    cf_netidx_free(nets);
    cf_domidx_free(exact);
    return 0;
}
