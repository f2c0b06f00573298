/*
 * The threaded collector (cf_merger): the same observations fed through it
 * and through the collector's own sink give the same set, IOC by IOC with
 * every merged field, the same diagnostics in the same order and the same
 * counters, for a set in memory and for one spilling to a file from its
 * first record. With warning lists screening the observations (one list
 * withheld, one only labelling), the merger's screen gives the set, labels
 * and counts of the screen's own sink.
 */
#include <unistd.h>

#include "ctiflow/iocset.h"
#include "ctiflow/warninglist.h"
#include "testlib.h"

#define OBS_COUNT 30000

typedef struct diag_log {
    cf_buf text; /* one "level line reason" line per diagnostic */
} diag_log;

static void log_diag(void *ctx, const cf_diag *d)
{
    diag_log *l = ctx;
    cf_buf_printf(&l->text, "%d %llu %s\n", (int)d->level, (unsigned long long)d->line,
                  d->reason ? d->reason : "");
}

/*
 * Feed the observations of the test to sink: URLs, domains and addresses
 * in a scattered order with repeats, defanged and upper-case forms (kept
 * as the original), rejects, labels, families, actors and comments, two
 * events and a compound indicator half-way.
 */
static cf_status feed(const cf_sink *sink)
{
    static const char *const tags[] = {"phishing", "", "c2", "phishing", NULL, "botnet"};
    static const char *const fams[] = {"emotet", "qakbot"};
    static const char *const actors[] = {"APT28"};
    const cf_event *ev = NULL;
    char text[128], ref[32];

    for (int j = 0; j < OBS_COUNT; j++) {
        int k = (int)((j * 7919L) % 12000);
        cf_obs o;
        cf_obs_init(&o);
        if (k % 3 == 0) {
            snprintf(text, sizeof text, "hxxp://H%d.Example[.]com/p?q=%d", k, j % 5);
            o.type = CF_IOC_URL;
        } else if (k % 3 == 1) {
            snprintf(text, sizeof text, "%s%d.example.org", k % 7 ? "d" : "D", k);
            o.type = CF_IOC_DOMAIN;
        } else {
            snprintf(text, sizeof text, "10.%d.%d.%d", k / 256 % 256, k % 256,
                     k % 11 ? j % 4 : 300);
            o.type = CF_IOC_IP;
        }
        snprintf(ref, sizeof ref, "r%d", j % 9 ? j : j - 1);
        o.text = text;
        o.len = strlen(text);
        o.feed = j % 2 ? "feed-a" : "feed-b";
        o.line = (uint64_t)j + 1;
        o.ref = j % 4 ? ref : NULL;
        o.first_seen = 1700000000000LL + (j % 13) * 86400000LL;
        o.last_seen = j % 5 ? o.first_seen + j : CF_TIME_NONE;
        o.confidence = j % 6 ? (j * 13) % 101 : -1;
        o.tlp = (cf_tlp)(j % 4);
        o.comment = j % 10 == 3 ? "seen in a campaign" : NULL;
        o.labels = &tags[j % 4];
        o.n_labels = (size_t)(j % 3);
        o.malware = j % 7 == 0 ? fams : NULL;
        o.n_malware = j % 7 == 0 ? 2 : 0;
        o.actors = j % 11 == 0 ? actors : NULL;
        o.n_actors = j % 11 == 0 ? 1 : 0;
        o.event = j % 3 == 0 ? ev : NULL;

        if (j == OBS_COUNT / 3 || j == 2 * OBS_COUNT / 3) {
            const char *ev_actors[] = {"Sofacy"};
            cf_event proto = {.uuid = j == OBS_COUNT / 3 ? "ev-one" : "ev-two",
                              .info = "test event",
                              .actors = ev_actors,
                              .n_actors = 1,
                              .date = CF_TIME_NONE};
            ev = sink->event(sink->ctx, &proto);
            if (!ev) {
                return CF_ENOMEM;
            }
        }
        if (j == OBS_COUNT / 2) {
            cf_compound c = {.id = "c1",
                             .pattern = "[ipv4-addr:value = '10.0.0.1']",
                             .feed = "feed-a",
                             .tlp = CF_TLP_GREEN,
                             .valid_from = CF_TIME_NONE,
                             .labels = tags,
                             .n_labels = 1};
            if (sink->compound(sink->ctx, &c) != CF_OK) {
                return CF_ENOMEM;
            }
        }
        if (j % 1000 == 17) {
            cf_sink_diag(sink, CF_DIAG_WARNING, o.feed, o.line, NULL, "reader warning", NULL, 0);
        }
        cf_status st = sink->obs(sink->ctx, &o);
        if (st != CF_OK) {
            return st;
        }
    }
    return CF_OK;
}

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool names_eq(const char **a, uint16_t na, const char **b, uint16_t nb)
{
    bool eq = na == nb;
    for (uint16_t i = 0; eq && i < na; i++) {
        eq = strcmp(a[i], b[i]) == 0;
    }
    return eq;
}

/* Every field a writer reads, sightings included. */
static bool ioc_eq(const cf_ioc *a, const cf_ioc *b)
{
    bool eq = a && b && a->type == b->type && str_eq(a->value, b->value) &&
              str_eq(a->original, b->original) && str_eq(a->comment, b->comment) &&
              a->tlp == b->tlp && a->confidence == b->confidence && a->to_ids == b->to_ids &&
              a->first_seen == b->first_seen && a->last_seen == b->last_seen &&
              a->valid_until == b->valid_until && a->index == b->index &&
              names_eq(a->labels, a->n_labels, b->labels, b->n_labels) &&
              names_eq(a->malware, a->n_malware, b->malware, b->n_malware) &&
              names_eq(a->actors, a->n_actors, b->actors, b->n_actors) &&
              a->n_sightings == b->n_sightings;
    for (uint32_t i = 0; eq && i < a->n_sightings; i++) {
        const cf_sighting *x = &a->sightings[i], *y = &b->sightings[i];
        eq = str_eq(x->feed, y->feed) && x->line == y->line && str_eq(x->ref, y->ref) &&
             x->time == y->time && (x->event == NULL) == (y->event == NULL) &&
             (!x->event || str_eq(x->event->uuid, y->event->uuid));
    }
    return eq;
}

/* Collect the test's observations into set, through the merger when threaded. */
static void collect(cf_iocset *set, diag_log *log, bool threaded)
{
    cf_collector coll;
    cf_merger *m = NULL;

    cf_collector_init(&coll, set, log_diag, log);
    cf_sink sink = cf_collector_sink(&coll);
    if (threaded) {
        CHECK_INT(cf_merger_start(&m, &coll), CF_OK);
        sink = cf_merger_sink(m);
    }
    CHECK_INT(feed(&sink), CF_OK);
    CHECK_INT(cf_merger_finish(m), CF_OK);
    cf_collector_fini(&coll);
}

/* The set and diagnostics through the merger against those of the collector's own sink. */
static void compare(const cf_iocset *want, const diag_log *want_log, cf_iocset *got)
{
    diag_log log = {CF_BUF_INIT};
    collect(got, &log, true);

    CHECK_INT(cf_iocset_count(got), cf_iocset_count(want));
    size_t same = 0;
    for (size_t i = 0; i < cf_iocset_count(want); i++) {
        same += ioc_eq(cf_iocset_at(want, i), cf_iocset_at(got, i));
    }
    CHECK_INT(same, cf_iocset_count(want));
    CHECK_INT(cf_iocset_event_count(got), 2);
    CHECK_INT(cf_iocset_compound_count(got), 1);
    CHECK_STR(cf_iocset_compound_at(got, 0)->pattern, "[ipv4-addr:value = '10.0.0.1']");
    CHECK_STR(cf_buf_str(&log.text), cf_buf_str(&want_log->text));

    const cf_iocset_stats *a = cf_iocset_stats_of((cf_iocset *)want), *b = cf_iocset_stats_of(got);
    CHECK_INT(b->observations, a->observations);
    CHECK_INT(b->rejected, a->rejected);
    CHECK_INT(b->warnings, a->warnings);
    cf_buf_free(&log.text);
}

/* Collect through a warning-list screen withholding list "hold": its own sink or a merger's. */
static void collect_screened(cf_iocset *set, const cf_wlset *wl, bool threaded,
                             cf_wl_apply_stats *stats, uint64_t *held_by_list)
{
    static const char *const names[] = {"hold"};
    diag_log log = {CF_BUF_INIT};
    cf_collector coll;
    cf_wl_policy *pol = NULL;
    cf_wl_screen *scr = NULL;
    cf_merger *m = NULL;
    cf_error err;

    cf_error_clear(&err);
    cf_collector_init(&coll, set, log_diag, &log);
    CHECK_INT(cf_wl_policy_new(&pol, wl, names, 1, &err), CF_OK);
    CHECK_INT(cf_wl_screen_new(&scr, wl, pol, &coll), CF_OK);
    cf_sink sink = cf_wl_screen_sink(scr);
    cf_merge_screen sc = cf_wl_screen_merging(scr);
    if (threaded) {
        CHECK_INT(cf_merger_start_screened(&m, &coll, &sc), CF_OK);
        sink = cf_merger_sink(m);
    }
    CHECK_INT(feed(&sink), CF_OK);
    CHECK_INT(cf_merger_finish(m), CF_OK);
    CHECK_INT(cf_wl_screen_finish(scr, stats), CF_OK);
    *held_by_list = cf_wl_policy_withheld(pol, (size_t)cf_wl_find(wl, "hold"));
    cf_wl_screen_free(scr);
    cf_wl_policy_free(pol);
    cf_collector_fini(&coll);
    cf_buf_free(&log.text);
}

static void test_screened(const char *dir)
{
    char hold[512], tag[512];
    snprintf(hold, sizeof hold, "%s/hold.txt", dir);
    snprintf(tag, sizeof tag, "%s/tag.txt", dir);
    FILE *f = fopen(hold, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("10.0.0.0/16\nd4.example.org\n", f);
        fclose(f);
    }
    f = fopen(tag, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("example.com\n10.1.0.0/16\n", f);
        fclose(f);
    }
    cf_wlset *wl = cf_wl_new();
    cf_error err;
    cf_error_clear(&err);
    CHECK_INT(cf_wl_load_allowlist(wl, hold, "hold", NULL, NULL, &err), CF_OK);
    CHECK_INT(cf_wl_load_allowlist(wl, tag, "tag", NULL, NULL, &err), CF_OK);

    cf_iocset *want = cf_iocset_new(), *got = cf_iocset_new();
    cf_wl_apply_stats a = {0, 0}, b = {0, 0};
    uint64_t held_a = 0, held_b = 0;
    collect_screened(want, wl, false, &a, &held_a);
    CHECK_INT(cf_iocset_spill(got, dir, 0), CF_OK);
    collect_screened(got, wl, true, &b, &held_b);

    /*
     * Withheld: the 77 valid addresses in 10.0.0.0/16 and d4.example.org;
     * labelled: the 4,000 URLs (under example.com) and the 77 addresses in
     * 10.1.0.0/16.
     */
    CHECK_INT(a.withheld, 78);
    CHECK_INT(held_a, 78);
    CHECK_INT(a.matched, 78 + 4000 + 77);
    CHECK_INT(b.withheld, a.withheld);
    CHECK_INT(held_b, held_a);
    CHECK_INT(b.matched, a.matched);
    CHECK_INT(cf_iocset_count(got), cf_iocset_count(want));
    CHECK(cf_iocset_find(want, CF_IOC_DOMAIN, "d4.example.org") == NULL);
    CHECK(cf_iocset_find(want, CF_IOC_DOMAIN, "d7.example.org") != NULL);
    const cf_ioc *u = cf_iocset_find(want, CF_IOC_URL, "http://h0.example.com/p?q=0");
    CHECK(u != NULL && u->n_labels > 0);
    if (u && u->n_labels > 0) {
        CHECK_STR(u->labels[u->n_labels - 1], "warninglist:tag");
    }
    size_t same = 0;
    for (size_t i = 0; i < cf_iocset_count(want); i++) {
        same += ioc_eq(cf_iocset_at(want, i), cf_iocset_at(got, i));
    }
    CHECK_INT(same, cf_iocset_count(want));
    cf_iocset_free(want);
    cf_iocset_free(got);
    cf_wl_free(wl);
    CHECK_INT(unlink(hold), 0);
    CHECK_INT(unlink(tag), 0);
}

int main(void)
{
    char dir[] = "/tmp/ctiflow-test-merger-XXXXXX";
    cf_iocset *want = cf_iocset_new(), *mem = cf_iocset_new(), *disk = cf_iocset_new();
    diag_log log = {CF_BUF_INIT};

    CHECK(mkdtemp(dir) != NULL);
    collect(want, &log, false);

    /* The reference itself: what the observations must give. */
    /* 4,000 URLs, 4,000 domains and 3,636 addresses (364 are rejected 909 times). */
    CHECK_INT(cf_iocset_count(want), 11636);
    CHECK_INT(cf_iocset_stats_of(want)->observations, OBS_COUNT);
    CHECK_INT(cf_iocset_stats_of(want)->rejected, 909);
    const cf_ioc *url = cf_iocset_find(want, CF_IOC_URL, "http://h0.example.com/p?q=0");
    CHECK(url != NULL && url->original != NULL && url->n_sightings == 3);
    if (url) {
        CHECK_STR(url->original, "hxxp://H0.Example[.]com/p?q=0");
        CHECK_INT(url->n_malware, 2);
        CHECK_STR(url->actors[0], "APT28");
    }

    compare(want, &log, mem);
    CHECK_INT(cf_iocset_spill(disk, dir, 0), CF_OK);
    compare(want, &log, disk);
    test_screened(dir);

    cf_buf_free(&log.text);
    cf_iocset_free(want);
    cf_iocset_free(mem);
    cf_iocset_free(disk);
    CHECK_INT(rmdir(dir), 0);
    TEST_MAIN_END();
}
