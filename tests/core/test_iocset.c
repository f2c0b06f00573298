/*
 * The IOC set: de-duplication by (type, value) and the documented merge
 * rules, with normalised values filled in by hand; a spilling set's budget
 * and its reads from two threads at once; an event read twice; a value
 * repeated many times.
 */
#include <dirent.h>
#include <pthread.h>
#include <unistd.h>

#include "ctiflow/iocset.h"
#include "testlib.h"

/* Keeps the domains "h<N>.example" with N not a multiple of 3, and every other IOC. */
static bool keep_not_third(void *ctx, cf_ioc *ioc)
{
    (void)ctx;
    int k = 0;
    return ioc->type != CF_IOC_DOMAIN || sscanf(ioc->value, "h%d.", &k) != 1 || k % 3 != 0;
}

static void norm_set(cf_norm *n, cf_ioc_type type, const char *value)
{
    cf_buf_reset(&n->value);
    cf_buf_puts(&n->value, value);
    n->type = type;
    n->changed = false;
}

/* Observation j of the spill test: one of 60,000 domains, in a scattered order. */
static void spill_obs(cf_obs *o, cf_norm *n, char *ref, size_t refsz, int j)
{
    static const char *const tags[] = {"even", "odd"};
    char v[64];
    snprintf(v, sizeof v, "h%d.example", (int)((j * 7919L) % 60000));
    snprintf(ref, refsz, "r%d", j);
    cf_obs_init(o);
    o->text = v;
    o->len = strlen(v);
    o->feed = "spill";
    o->line = (uint64_t)j + 1;
    o->ref = ref;
    o->labels = &tags[j % 2];
    o->n_labels = 1;
    norm_set(n, CF_IOC_DOMAIN, v);
}

/* True when dir holds no entry but . and .. (the spill file is unlinked). */
static bool dir_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL) {
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    if (d) {
        closedir(d);
    }
    return d && n == 0;
}

/*
 * A set spilling to a file from its first record holds the same IOCs, in
 * the same order, with the same merged sightings and labels, as one in
 * memory; a retain works on it; a spill file that cannot be made fails the
 * merge with CF_ENOMEM.
 */
static void test_spill(void)
{
    char dir[] = "/tmp/ctiflow-test-spill-XXXXXX";
    cf_iocset *mem = cf_iocset_new(), *disk = cf_iocset_new(), *bad = cf_iocset_new();
    cf_norm n = CF_NORM_INIT;
    cf_obs o;
    char ref[32];
    cf_ioc *ioc = NULL;

    CHECK(mkdtemp(dir) != NULL);
    CHECK_INT(cf_iocset_spill(disk, dir, 0), CF_OK);
    CHECK_INT(cf_iocset_spill(disk, dir, 0), CF_EINVAL);
    for (int j = 0; j < 200000; j++) {
        spill_obs(&o, &n, ref, sizeof ref, j);
        CHECK_INT(cf_iocset_merge(mem, &o, &n, NULL), CF_OK);
        CHECK_INT(cf_iocset_merge(disk, &o, &n, NULL), CF_OK);
    }
    CHECK(dir_empty(dir));

    CHECK_INT(cf_iocset_count(disk), 60000);
    ioc = cf_iocset_find(disk, CF_IOC_DOMAIN, "h0.example");
    CHECK(ioc != NULL && ioc->index == 0 && ioc->n_sightings == 4);
    if (ioc && ioc->n_sightings == 4) {
        CHECK_INT(ioc->sightings[3].line, 180001);
        CHECK_STR(ioc->sightings[3].ref, "r180000");
        CHECK_STR(ioc->sightings[3].feed, "spill");
        CHECK_INT(ioc->n_labels, 1);
        CHECK_STR(ioc->labels[0], "even");
    }
    int same = 0;
    for (size_t i = 0; i < cf_iocset_count(mem); i++) {
        const cf_ioc *a = cf_iocset_at(mem, i), *b = cf_iocset_at(disk, i);
        const char *ra = a ? a->sightings[a->n_sightings - 1].ref : NULL;
        const char *rb = b ? b->sightings[b->n_sightings - 1].ref : NULL;
        bool eq = a && b && strcmp(a->value, b->value) == 0 && a->n_sightings == b->n_sightings &&
                  a->n_labels == b->n_labels && strcmp(ra, rb) == 0;
        same += eq;
    }
    CHECK_INT(same, 60000);

    CHECK_INT(cf_iocset_retain(disk, keep_not_third, NULL), 20000);
    CHECK_INT(cf_iocset_count(disk), 40000);
    CHECK(cf_iocset_find(disk, CF_IOC_DOMAIN, "h3.example") == NULL);
    ioc = cf_iocset_find(disk, CF_IOC_DOMAIN, "h7919.example");
    CHECK(ioc != NULL && cf_iocset_at(disk, ioc->index) == ioc && ioc->n_sightings == 4);

    CHECK_INT(cf_iocset_spill(bad, "/nonexistent/ctiflow-spill", 0), CF_OK);
    spill_obs(&o, &n, ref, sizeof ref, 0);
    CHECK_INT(cf_iocset_merge(bad, &o, &n, NULL), CF_ENOMEM);
    CHECK_INT(cf_iocset_spill(mem, dir, 0), CF_EINVAL);

    cf_norm_free(&n);
    cf_iocset_free(mem);
    cf_iocset_free(disk);
    cf_iocset_free(bad);
    CHECK_INT(rmdir(dir), 0);
}

/* File-backed pages the process has mapped (the third field of /proc/self/statm); -1 unknown. */
static long file_pages(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0, shared = -1;
    if (f && fscanf(f, "%ld %ld %ld", &size, &resident, &shared) != 3) {
        shared = -1;
    }
    if (f) {
        fclose(f);
    }
    return shared;
}

/* Value number k of the budget tests: "b<k>.example", then pad bytes of 'p'. */
static void budget_value(char *v, size_t size, int k, int pad)
{
    int n = snprintf(v, size, "b%d.example", k);
    for (int i = 0; i < pad && (size_t)(n + i) + 1 < size; i++) {
        v[n + i] = 'p';
        v[n + i + 1] = '\0';
    }
}

/* Observation j of the budget tests: one of count values, scattered, with pad bytes each. */
static void budget_obs(cf_obs *o, cf_norm *n, char *ref, size_t refsz, int j, int count, int pad)
{
    static const char *const tags[] = {"even", "odd"};
    char v[1024];
    budget_value(v, sizeof v, (int)((j * 7919L) % count), pad);
    snprintf(ref, refsz, "r%d", j);
    cf_obs_init(o);
    o->text = v;
    o->len = strlen(v);
    o->feed = "budget";
    o->line = (uint64_t)j + 1;
    o->ref = ref;
    o->labels = &tags[j % 2];
    o->n_labels = 1;
    norm_set(n, CF_IOC_DOMAIN, v);
}

/*
 * Record i of a set fed budget_obs(0 .. count + repeats - 1): its value,
 * its sightings (the first `repeats` records were seen twice) and its
 * label read back as merged.
 */
static bool budget_record_ok(const cf_ioc *ioc, int i, int count, int repeats, int pad)
{
    char v[1024], ref[32];
    int last = i < repeats ? count + i : i;
    budget_value(v, sizeof v, (int)((i * 7919L) % count), pad);
    snprintf(ref, sizeof ref, "r%d", last);
    return ioc && ioc->index == (uint32_t)i && strcmp(ioc->value, v) == 0 &&
           ioc->n_sightings == (i < repeats ? 2u : 1u) &&
           ioc->sightings[ioc->n_sightings - 1].line == (uint64_t)last + 1 &&
           strcmp(ioc->sightings[ioc->n_sightings - 1].ref, ref) == 0 && ioc->n_labels == 1 &&
           strcmp(ioc->labels[0], i % 2 ? "odd" : "even") == 0;
}

/* Raise *peak to the bytes of file pages mapped now above base pages. */
static void budget_sample(long base, long *peak)
{
    long now = file_pages();
    long bytes = (now - base) * sysconf(_SC_PAGESIZE);
    if (now >= 0 && bytes > *peak) {
        *peak = bytes;
    }
}

/*
 * A spilling set of budget `resident` fed count values of pad bytes and
 * `repeats` repeats, then read in order and looked up at random: every
 * record reads back as merged; the most file pages seen mapped go to
 * *peak (sampled every 64 calls, above base), the releases are returned.
 */
static uint64_t budget_run(const char *dir, size_t resident, int count, int repeats, int pad,
                           long *peak)
{
    cf_iocset *set = cf_iocset_new();
    cf_norm n = CF_NORM_INIT;
    cf_obs o;
    char ref[32], v[1024];
    int ok = 0, found = 0;

    CHECK_INT(cf_iocset_spill(set, dir, resident), CF_OK);
    long base = file_pages();
    CHECK(base > 0);
    *peak = 0;
    for (int j = 0; j < count + repeats; j++) {
        budget_obs(&o, &n, ref, sizeof ref, j, count, pad);
        CHECK_INT(cf_iocset_merge(set, &o, &n, NULL), CF_OK);
        if (j % 64 == 0) {
            budget_sample(base, peak);
        }
    }
    CHECK_INT(cf_iocset_count(set), count);

    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < count; i++) {
            ok += budget_record_ok(cf_iocset_at(set, (size_t)i), i, count, repeats, pad);
            if (i % 64 == 0) {
                budget_sample(base, peak);
            }
        }
    }
    CHECK_INT(ok, 2 * count);
    for (int k = 0; k < 20000; k++) {
        int i = (int)((k * 104729L) % count);
        budget_value(v, sizeof v, (int)((i * 7919L) % count), pad);
        found += budget_record_ok(cf_iocset_find(set, CF_IOC_DOMAIN, v), i, count, repeats, pad);
        if (k % 64 == 0) {
            budget_sample(base, peak);
        }
    }
    CHECK_INT(found, 20000);

    uint64_t released = cf_iocset_stats_of(set)->released;
    cf_norm_free(&n);
    cf_iocset_free(set);
    return released;
}

/*
 * The budget of a spilling set. 120,000 distinct IOCs (about 24 MB in the
 * file) with a budget of 1 MB: the file pages mapped stay within 4 MB (the
 * budget, half of it again between two looks, a read-ahead window and
 * slack), they are handed back many times, and every record reads back.
 * 40,000 IOCs of 600 bytes (about 30 MB) with as many repeats: the repeats
 * earn 256 bytes an IOC (10 MB), so more than 6 MB but at most 1 + 1.5 x
 * 10 MB and slack stay mapped. 30,000 IOCs whose 3 MB in the file fit in a
 * 4 MB budget: never handed back.
 */
static void test_spill_budget(void)
{
    char dir[] = "/tmp/ctiflow-test-budget-XXXXXX";
    long peak = 0;

    CHECK(mkdtemp(dir) != NULL);
    CHECK(budget_run(dir, 1u << 20, 120000, 0, 0, &peak) >= 10);
    CHECK(peak > 0 && peak <= (4l << 20));

    CHECK(budget_run(dir, 1u << 20, 40000, 40000, 600, &peak) >= 10);
    CHECK(peak > (6l << 20) && peak <= (19l << 20));

    CHECK_INT(budget_run(dir, 4u << 20, 30000, 0, 0, &peak), 0);
    CHECK(peak > 0); /* the last read-ahead window: records were read from the file */

    CHECK(dir_empty(dir));
    CHECK_INT(rmdir(dir), 0);
}

/* One of the two readers of test_spill_threads: every second block of records. */
typedef struct reader_arg {
    const cf_iocset *set;
    int first_block, count, repeats, pad;
    int ok;
} reader_arg;

#define READ_BLOCK 4096

static void *reader_main(void *p)
{
    reader_arg *a = p;
    cf_iocset_cursor c;
    cf_iocset_cursor_init(&c, a->set);
    for (int pass = 0; pass < 2; pass++) {
        for (int at = a->first_block * READ_BLOCK; at < a->count; at += 2 * READ_BLOCK) {
            for (int i = at; i < at + READ_BLOCK && i < a->count; i++) {
                const cf_ioc *ioc = cf_iocset_cursor_at(&c, (size_t)i);
                a->ok += budget_record_ok(ioc, i, a->count, a->repeats, a->pad);
            }
        }
    }
    cf_iocset_cursor_fini(&c);
    return NULL;
}

/*
 * A spilling set read by two threads at once, each through its own
 * cursor, each every second block of 4,096 records, twice: 100,000 IOCs
 * of 200 bytes (about 30 MB in the file), 100 of them repeated, and a
 * budget of 256 KB (and the 400 KB the repeats earn), less than the two
 * readers' windows, so a reader hands the file's pages back while the
 * other reads. Every record reads back as merged, the pages were handed
 * back during the reads, and a cursor past the end gives NULL.
 */
static void test_spill_threads(void)
{
    char dir[] = "/tmp/ctiflow-test-threads-XXXXXX";
    cf_iocset *set = cf_iocset_new();
    cf_norm n = CF_NORM_INIT;
    cf_obs o;
    char ref[32];
    const int count = 100000, repeats = 100, pad = 200;

    CHECK(mkdtemp(dir) != NULL);
    CHECK_INT(cf_iocset_spill(set, dir, 1u << 18), CF_OK);
    for (int j = 0; j < count + repeats; j++) {
        budget_obs(&o, &n, ref, sizeof ref, j, count, pad);
        CHECK_INT(cf_iocset_merge(set, &o, &n, NULL), CF_OK);
    }
    uint64_t before = cf_iocset_stats_of(set)->released;

    reader_arg a[2] = {{set, 0, count, repeats, pad, 0}, {set, 1, count, repeats, pad, 0}};
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, reader_main, &a[1]), 0);
    reader_main(&a[0]);
    pthread_join(t, NULL);
    CHECK_INT(a[0].ok + a[1].ok, 2 * count);
    CHECK_INT(a[0].ok, 2 * (count - 12 * READ_BLOCK)); /* blocks 0, 2, ..., 24 */
    CHECK(cf_iocset_stats_of(set)->released >= before + 10);

    cf_iocset_cursor c;
    cf_iocset_cursor_init(&c, set);
    CHECK(cf_iocset_cursor_at(&c, (size_t)count) == NULL);
    CHECK(cf_iocset_cursor_at(&c, 0) == cf_iocset_at(set, 0));
    cf_iocset_cursor_fini(&c);

    cf_norm_free(&n);
    cf_iocset_free(set);
    CHECK(dir_empty(dir));
    CHECK_INT(rmdir(dir), 0);
}

/* What a collector was told: warnings, with line and reason. */
typedef struct diag_log {
    int n;
    uint64_t line[4];
    char reason[4][80];
} diag_log;

static void log_diag(void *ctx, const cf_diag *d)
{
    diag_log *l = ctx;
    if (d->level == CF_DIAG_WARNING && l->n < 4) {
        l->line[l->n] = d->line;
        snprintf(l->reason[l->n], sizeof l->reason[0], "%s", d->reason);
        l->n++;
    }
}

/*
 * A record last seen before it was first seen (URLhaus: last_online an
 * hour-rounded time before dateadded; Feodo Tracker: a date-only
 * last_online) has its last_seen taken as its first_seen, without a
 * warning (real feeds have many), so no IOC has last_seen < first_seen.
 */
static void test_times_reversed(void)
{
    cf_iocset *set = cf_iocset_new();
    cf_collector coll;
    diag_log log = {0};
    cf_obs o;

    CHECK(set != NULL);
    if (!set) {
        return;
    }
    cf_collector_init(&coll, set, log_diag, &log);
    cf_sink sink = cf_collector_sink(&coll);
    cf_obs_init(&o);
    o.type = CF_IOC_URL;
    o.text = "http://dl.example.org/bins/x86";
    o.len = strlen(o.text);
    o.feed = "urlhaus";
    o.line = 12;
    o.first_seen = 1586963246000LL; /* 2020-04-15T15:07:26Z */
    o.last_seen = 1586959200000LL;  /* 2020-04-15T14:00:00Z */
    CHECK_INT(sink.obs(sink.ctx, &o), CF_OK);
    o.text = "http://dl.example.org/bins/arm";
    o.len = strlen(o.text);
    o.line = 13;
    o.last_seen = 1586966400000LL; /* 16:00, after: no warning */
    CHECK_INT(sink.obs(sink.ctx, &o), CF_OK);
    cf_collector_fini(&coll);

    CHECK_INT(log.n, 0);
    const cf_ioc *a = cf_iocset_find(set, CF_IOC_URL, "http://dl.example.org/bins/x86");
    const cf_ioc *b = cf_iocset_find(set, CF_IOC_URL, "http://dl.example.org/bins/arm");
    CHECK(a != NULL && b != NULL);
    if (a && b) {
        CHECK_INT(a->first_seen, 1586963246000LL);
        CHECK_INT(a->last_seen, 1586963246000LL);
        CHECK_INT(b->first_seen, 1586963246000LL);
        CHECK_INT(b->last_seen, 1586966400000LL);
    }
    CHECK_INT(cf_iocset_stats_of(set)->warnings, 0);
    cf_iocset_free(set);
}

/*
 * A value listed again and again by one feed keeps eight lines in a row as
 * sightings and counts the rest; another feed's line, and records with a
 * ref (a MISP attribute each), are sightings of their own.
 */
static void test_repeats(void)
{
    cf_iocset *set = cf_iocset_new();
    cf_norm n = CF_NORM_INIT;
    cf_obs o;
    cf_ioc *ioc = NULL;
    char ref[32];

    norm_set(&n, CF_IOC_IP, "198.51.100.1");
    for (int line = 1; line <= 100000; line++) {
        cf_obs_init(&o);
        o.text = "198.51.100.1";
        o.len = strlen(o.text);
        o.feed = line == 50 ? "other.txt" : "rep.txt";
        o.line = (uint64_t)line;
        CHECK_INT(cf_iocset_merge(set, &o, &n, &ioc), CF_OK);
    }
    CHECK(ioc != NULL);
    if (ioc) {
        /* 1-8, other.txt's 50, then rep.txt's 51-58 in a row again */
        CHECK_INT(ioc->n_sightings, 17);
        CHECK_INT(ioc->n_repeats, 99983);
        CHECK_INT(ioc->sightings[7].line, 8);
        CHECK_STR(ioc->sightings[8].feed, "other.txt");
        CHECK_INT(ioc->sightings[8].line, 50);
        CHECK_INT(ioc->sightings[9].line, 51);
        CHECK_INT(ioc->sightings[16].line, 58);
    }
    for (int k = 0; k < 20; k++) {
        snprintf(ref, sizeof ref, "attr-%d", k);
        cf_obs_init(&o);
        o.text = "198.51.100.1";
        o.len = strlen(o.text);
        o.feed = "event.json";
        o.ref = ref;
        CHECK_INT(cf_iocset_merge(set, &o, &n, &ioc), CF_OK);
    }
    CHECK_INT(ioc ? ioc->n_sightings : 0, 37);
    CHECK_STR(ioc ? ioc->sightings[36].ref : "", "attr-19");
    cf_iocset_free(set);

    /*
     * Dated rows: the last sighting kept is the latest row, so the time a
     * MISP attribute takes from its sightings is the latest one.
     */
    set = cf_iocset_new();
    for (int day = 1; day <= 12; day++) {
        cf_obs_init(&o);
        o.text = "198.51.100.1";
        o.len = strlen(o.text);
        o.feed = "urlhaus.csv";
        o.line = (uint64_t)day + 1;
        o.first_seen = 1735689600000LL + (day - 1) * 86400000LL; /* 2025-01-<day> */
        CHECK_INT(cf_iocset_merge(set, &o, &n, &ioc), CF_OK);
    }
    CHECK_INT(ioc ? ioc->n_sightings : 0, 8);
    CHECK_INT(ioc ? ioc->n_repeats : 0, 4);
    CHECK_INT(ioc ? ioc->sightings[7].line : 0, 13);
    CHECK_INT(ioc ? ioc->sightings[7].time : 0, 1735689600000LL + 11 * 86400000LL);
    CHECK_INT(ioc ? ioc->sightings[6].line : 0, 8);
    cf_norm_free(&n);
    cf_iocset_free(set);
}

/* Event "u" (no timestamp when ts is CF_TIME_NONE) read into set. */
static const cf_event *read_event(cf_iocset *set, const char *info, cf_time ts, cf_tlp tlp)
{
    cf_event proto;

    memset(&proto, 0, sizeof proto);
    proto.uuid = "TA FALLCHILL IOCs";
    proto.info = (char *)info;
    proto.date = CF_TIME_NONE;
    proto.timestamp = ts;
    proto.publish_timestamp = CF_TIME_NONE;
    proto.tlp = tlp;
    proto.analysis = -1;
    return cf_iocset_event(set, &proto);
}

/*
 * An event read twice is one record: a newer copy's fields replace the
 * record's whichever is read first; copies of one age (or of none, as STIX
 * 1.x packages are) give the fields they have, so the copy without a title
 * does not take it away in either order, and of two titles the later read's
 * stands.
 */
static void test_event_again(void)
{
    for (int order = 0; order < 2; order++) {
        cf_iocset *set = cf_iocset_new();
        const cf_event *e = NULL;
        for (int k = 0; k < 2; k++) {
            e = (k == order) ? read_event(set, NULL, CF_TIME_NONE, CF_TLP_NONE)
                             : read_event(set, "FALLCHILL", CF_TIME_NONE, CF_TLP_GREEN);
        }
        CHECK_INT(cf_iocset_event_count(set), 1);
        CHECK_STR(e->info, "FALLCHILL");
        CHECK_INT(e->tlp, CF_TLP_GREEN);
        cf_iocset_free(set);

        set = cf_iocset_new();
        for (int k = 0; k < 2; k++) {
            e = (k == order) ? read_event(set, "version 1", 1000, CF_TLP_AMBER)
                             : read_event(set, "version 2", 2000, CF_TLP_NONE);
        }
        CHECK_INT(cf_iocset_event_count(set), 1);
        CHECK_STR(e->info, "version 2");
        CHECK_INT(e->timestamp, 2000);
        CHECK_INT(e->tlp, CF_TLP_NONE);
        cf_iocset_free(set);
    }
    cf_iocset *set = cf_iocset_new();
    read_event(set, "first", 1000, CF_TLP_NONE);
    const cf_event *e = read_event(set, "second", 1000, CF_TLP_NONE);
    CHECK_INT(cf_iocset_event_count(set), 1);
    CHECK_STR(e->info, "second");
    cf_iocset_free(set);
}

int main(void)
{
    cf_iocset *set = cf_iocset_new();
    cf_norm n = CF_NORM_INIT;
    cf_obs o;
    cf_ioc *ioc = NULL;

    /* Case 28: the same URL from URLhaus and ThreatFox is one IOC. */
    const char *tags1[] = {"mirai", "sh"};
    cf_obs_init(&o);
    o.text = "http://malware.example.net/bin.sh";
    o.len = strlen(o.text);
    o.feed = "urlhaus";
    o.line = 10;
    o.first_seen = 1709290800000LL; /* 2024-03-01T11:00:00Z */
    o.labels = tags1;
    o.n_labels = 2;
    o.tlp = CF_TLP_GREEN;
    norm_set(&n, CF_IOC_URL, "http://malware.example.net/bin.sh");
    CHECK_INT(cf_iocset_merge(set, &o, &n, &ioc), CF_OK);

    const char *fam[] = {"Mirai"};
    const char *tags2[] = {"sh", "elf"};
    cf_obs_init(&o);
    o.text = "HTTP://MALWARE.example.net/bin.sh";
    o.len = strlen(o.text);
    o.feed = "threatfox";
    o.line = 3;
    o.first_seen = 1709101800000LL; /* 2024-02-28T06:30:00Z */
    o.last_seen = 1709400000000LL;
    o.confidence = 75;
    o.malware = fam;
    o.n_malware = 1;
    o.labels = tags2;
    o.n_labels = 2;
    o.tlp = CF_TLP_AMBER;
    norm_set(&n, CF_IOC_URL, "http://malware.example.net/bin.sh");
    n.changed = true;
    CHECK_INT(cf_iocset_merge(set, &o, &n, &ioc), CF_OK);

    /* A path differing in case is another IOC; a domain is another type. */
    norm_set(&n, CF_IOC_URL, "http://malware.example.net/Bin.sh");
    CHECK_INT(cf_iocset_merge(set, &o, &n, NULL), CF_OK);
    norm_set(&n, CF_IOC_DOMAIN, "malware.example.net");
    CHECK_INT(cf_iocset_merge(set, &o, &n, NULL), CF_OK);

    CHECK_INT(cf_iocset_count(set), 3);
    ioc = cf_iocset_find(set, CF_IOC_URL, "http://malware.example.net/bin.sh");
    CHECK(ioc != NULL);
    if (ioc) {
        CHECK_INT(ioc->index, 0);
        CHECK_INT(ioc->n_sightings, 2);
        CHECK_STR(ioc->sightings[0].feed, "urlhaus");
        CHECK_STR(ioc->sightings[1].feed, "threatfox");
        CHECK_INT(ioc->sightings[1].line, 3);
        CHECK_INT(ioc->first_seen, 1709101800000LL);
        CHECK_INT(ioc->last_seen, 1709400000000LL);
        CHECK_INT(ioc->confidence, 75);
        CHECK_INT(ioc->tlp, CF_TLP_AMBER);
        CHECK_INT(ioc->n_labels, 3);
        CHECK_STR(ioc->labels[0], "mirai");
        CHECK_STR(ioc->labels[1], "sh");
        CHECK_STR(ioc->labels[2], "elf");
        CHECK_INT(ioc->n_malware, 1);
        CHECK_STR(ioc->original, "HTTP://MALWARE.example.net/bin.sh");
        /* Interned strings are shared. */
        CHECK(ioc->labels[1] == cf_iocset_intern(set, "sh", 2));
    }
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "malware.example.net") != NULL);
    CHECK(cf_iocset_find(set, CF_IOC_URL, "malware.example.net") == NULL);

    /* Many distinct values: the table grows and every key stays findable. */
    char v[64];
    for (int i = 0; i < 50000; i++) {
        snprintf(v, sizeof v, "h%d.example", i);
        norm_set(&n, CF_IOC_DOMAIN, v);
        cf_iocset_merge(set, &o, &n, NULL);
    }
    CHECK_INT(cf_iocset_count(set), 50003);
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "h49999.example") != NULL);
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "h12345.example")->index == 3 + 12345);

    /*
     * A retain renumbers the kept IOCs in order; a removed value is no longer
     * found and comes back as a new IOC at the end; growing the table after
     * the removal keeps every kept key findable.
     */
    CHECK_INT(cf_iocset_retain(set, keep_not_third, NULL), 16667);
    CHECK_INT(cf_iocset_count(set), 50003 - 16667);
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "h12345.example") == NULL);
    ioc = cf_iocset_find(set, CF_IOC_DOMAIN, "h12346.example");
    CHECK(ioc != NULL && ioc->index == 3 + 12346 - 4116 && cf_iocset_at(set, ioc->index) == ioc);
    CHECK(cf_iocset_find(set, CF_IOC_URL, "http://malware.example.net/bin.sh")->index == 0);
    norm_set(&n, CF_IOC_DOMAIN, "h12345.example");
    CHECK_INT(cf_iocset_merge(set, &o, &n, &ioc), CF_OK);
    CHECK_INT(ioc->index, 50003 - 16667);
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "h12345.example") == ioc);
    for (int i = 50000; i < 120000; i++) {
        snprintf(v, sizeof v, "h%d.example", i);
        norm_set(&n, CF_IOC_DOMAIN, v);
        cf_iocset_merge(set, &o, &n, NULL);
    }
    CHECK_INT(cf_iocset_count(set), 50003 - 16667 + 1 + 70000);
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "h3.example") == NULL);
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "h49999.example")->index == 50003 - 16667 - 1);
    CHECK(cf_iocset_find(set, CF_IOC_DOMAIN, "h119999.example") != NULL);

    /* Events are deep-copied and their names interned. */
    const char *actors[] = {"APT28"};
    cf_event proto = {.uuid = "5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e", .info = "test",
                      .actors = actors, .n_actors = 1, .date = CF_TIME_NONE};
    cf_event *ev = cf_iocset_event(set, &proto);
    CHECK(ev != NULL && ev->uuid != proto.uuid);
    CHECK_STR(ev->actors[0], "APT28");
    CHECK_INT(cf_iocset_event_count(set), 1);

    cf_norm_free(&n);
    cf_iocset_free(set);
    test_spill();
    test_spill_budget();
    test_spill_threads();
    test_times_reversed();
    test_event_again();
    test_repeats();
    TEST_MAIN_END();
}
