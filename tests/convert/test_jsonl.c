/*
 * Tests of the reader of ctiflow's own JSONL: each listed source becomes a
 * sighting with its feed and line, the feed-level confidence fills in for a
 * missing one, and numbers out of range (a confidence past 100 or below 0,
 * one that only fits 64 bits, a negative source line) are never narrowed
 * into a plausible value.
 */
#include "ctiflow/input.h"
#include "ctiflow/iocset.h"
#include "ctiflow/reader.h"
#include "testlib.h"

static int n_rejects;

static void diag(void *ctx, const cf_diag *d)
{
    (void)ctx;
    n_rejects += d->level == CF_DIAG_REJECT;
}

static cf_status read_jsonl(cf_iocset *set, const char *doc, int confidence)
{
    cf_collector col;
    cf_input *in = NULL;
    cf_error err;
    cf_read_opts o;
    cf_error_clear(&err);
    cf_read_opts_init(&o);
    o.feed = "t.jsonl";
    o.confidence = confidence;
    cf_collector_init(&col, set, diag, NULL);
    cf_sink sink = cf_collector_sink(&col);
    cf_status st = cf_input_open_mem(&in, "t.jsonl", doc, strlen(doc), &err);
    if (st == CF_OK) {
        st = cf_read_jsonl(in, &o, &sink, &err);
    }
    cf_input_close(in);
    cf_collector_fini(&col);
    return st;
}

static int confidence_of(const cf_iocset *set, const char *ip)
{
    const cf_ioc *ioc = cf_iocset_find(set, CF_IOC_IP, ip);
    return ioc ? ioc->confidence : -99;
}

static void test_confidence_range(void)
{
    static const char doc[] =
        "{\"type\":\"ip\",\"value\":\"192.0.2.1\",\"confidence\":85}\n"
        "{\"type\":\"ip\",\"value\":\"192.0.2.2\",\"confidence\":4294967346}\n"
        "{\"type\":\"ip\",\"value\":\"192.0.2.3\",\"confidence\":-5}\n"
        "{\"type\":\"ip\",\"value\":\"192.0.2.4\",\"confidence\":101}\n"
        "{\"type\":\"ip\",\"value\":\"192.0.2.5\",\"confidence\":100}\n"
        "{\"type\":\"ip\",\"value\":\"192.0.2.6\"}\n";
    cf_iocset *set = cf_iocset_new();
    CHECK_INT(read_jsonl(set, doc, -1), CF_OK);
    CHECK_INT(cf_iocset_count(set), 6);
    CHECK_INT(confidence_of(set, "192.0.2.1"), 85);
    CHECK_INT(confidence_of(set, "192.0.2.2"), -1);
    CHECK_INT(confidence_of(set, "192.0.2.3"), -1);
    CHECK_INT(confidence_of(set, "192.0.2.4"), -1);
    CHECK_INT(confidence_of(set, "192.0.2.5"), 100);
    CHECK_INT(confidence_of(set, "192.0.2.6"), -1);
    cf_iocset_free(set);

    /* the feed's default stands in for a missing or out-of-range one */
    set = cf_iocset_new();
    CHECK_INT(read_jsonl(set, doc, 40), CF_OK);
    CHECK_INT(confidence_of(set, "192.0.2.1"), 85);
    CHECK_INT(confidence_of(set, "192.0.2.2"), 40);
    CHECK_INT(confidence_of(set, "192.0.2.3"), 40);
    CHECK_INT(confidence_of(set, "192.0.2.6"), 40);
    cf_iocset_free(set);
}

static void test_sources(void)
{
    static const char doc[] =
        "{\"type\":\"domain\",\"value\":\"a.example\",\"sources\":["
        "{\"feed\":\"one\",\"line\":7},{\"feed\":\"two\",\"line\":-1},{\"line\":3}]}\n"
        "[\"not\",\"an\",\"object\"]\n"
        "{\"type\":\"nope\",\"value\":\"x\"}\n";
    cf_iocset *set = cf_iocset_new();
    n_rejects = 0;
    CHECK_INT(read_jsonl(set, doc, -1), CF_OK);
    const cf_ioc *ioc = cf_iocset_find(set, CF_IOC_DOMAIN, "a.example");
    CHECK(ioc != NULL);
    CHECK_INT(ioc ? ioc->n_sightings : 0, 3);
    if (ioc && ioc->n_sightings == 3) {
        CHECK_STR(ioc->sightings[0].feed, "one");
        CHECK_INT(ioc->sightings[0].line, 7);
        CHECK_STR(ioc->sightings[1].feed, "two");
        CHECK_INT(ioc->sightings[1].line, 1); /* negative: the JSONL line itself */
        CHECK_STR(ioc->sightings[2].feed, "t.jsonl");
        CHECK_INT(ioc->sightings[2].line, 3);
    }
    CHECK_INT(n_rejects, 2);
    cf_iocset_free(set);
}

int main(void)
{
    test_confidence_range();
    test_sources();
    TEST_MAIN_END();
}
