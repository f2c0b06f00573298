/*
 * Threat-actor galaxy: loading the real cluster file and resolving names
 * from every kind of source to one cluster (or to an ambiguity).
 */
#include "ctiflow/galaxy.h"
#include "testlib.h"

#define APT28 "5b4ee3ea-eee3-4c8e-8323-85ae32658754"
#define APT29 "b2056ff0-00b9-482e-b11c-c771daa5f28a"

static const char *uuid_of(const cf_galaxy *g, const char *uuid, const char *name)
{
    cf_actor_res r;
    cf_galaxy_resolve(g, uuid, name, &r);
    return r.actor ? r.actor->uuid : "(none)";
}

static void test_keys(void)
{
    char k[64];
    CHECK_INT(cf_galaxy_name_key(k, sizeof k, "APT 29", 6), 5);
    CHECK_STR(k, "apt29");
    cf_galaxy_name_key(k, sizeof k, "apt-29", 6);
    CHECK_STR(k, "apt29");
    cf_galaxy_name_key(k, sizeof k, "Tsar Team", 9);
    CHECK_STR(k, "tsarteam");
    CHECK(cf_galaxy_same_name("Russian Federation", "russian  federation"));
    CHECK(!cf_galaxy_same_name("Russian Federation", "Russia"));
}

static void test_inline(void)
{
    static const char doc[] =
        "{\"uuid\":\"7cdff317-a673-4474-84ec-4f1754947823\",\"values\":["
        "{\"value\":\"Alpha\",\"uuid\":\"11111111-1111-4111-8111-111111111111\","
        " \"meta\":{\"synonyms\":[\"Shared Name\",\"A-1\"],\"country\":\"XX\"}},"
        "{\"value\":\"Beta\",\"uuid\":\"22222222-2222-4222-8222-222222222222\","
        " \"meta\":{\"synonyms\":[\"shared-name\",\"Alpha\"],"
        "  \"cfr-suspected-state-sponsor\":\"Nowhere\",\"attribution-confidence\":\"70\"}},"
        "{\"uuid\":\"33333333-3333-4333-8333-333333333333\"}]}";
    cf_galaxy *g = NULL;
    cf_error err = {0};
    cf_actor_res r;

    CHECK_INT(cf_galaxy_load_mem(&g, "inline", doc, sizeof doc - 1, &err), CF_OK);
    if (!g) {
        return;
    }
    CHECK_INT(cf_galaxy_count(g), 2); /* the cluster without a value is skipped */
    CHECK_STR(cf_galaxy_uuid(g), "7cdff317-a673-4474-84ec-4f1754947823");
    /* A value beats another cluster's synonym. */
    CHECK_INT(cf_galaxy_resolve(g, NULL, "alpha", &r), CF_ACTOR_BY_VALUE);
    CHECK_STR(r.actor->value, "Alpha");
    CHECK_INT(cf_galaxy_resolve(g, NULL, "a 1", &r), CF_ACTOR_BY_SYNONYM);
    CHECK_STR(r.actor->value, "Alpha");
    CHECK_INT(cf_galaxy_resolve(g, NULL, "Shared Name", &r), CF_ACTOR_AMBIGUOUS);
    CHECK_INT(r.n_candidates, 2);
    CHECK(r.actor == NULL);
    CHECK_INT(cf_galaxy_resolve(g, "22222222-2222-4222-8222-222222222222", "Alpha", &r),
              CF_ACTOR_BY_UUID);
    CHECK_STR(r.actor->sponsor, "Nowhere");
    CHECK_INT(r.actor->attribution_confidence, 70);
    CHECK_INT(cf_galaxy_resolve(g, NULL, "Gamma", &r), CF_ACTOR_UNKNOWN);
    cf_galaxy *bad = NULL;
    CHECK_INT(cf_galaxy_load_mem(&bad, "bad", "{\"values\":3}", 12, &err), CF_EMALFORMED);
    CHECK(bad == NULL);
    cf_galaxy_free(g);
}

static void test_real(void)
{
    char path[4096];
    cf_galaxy *g = NULL;
    cf_error err = {0};
    cf_actor_res r;

    if (!test_corpus(path, sizeof path, "galaxy/clusters/threat-actor.json")) {
        test_skip("corpus galaxy/clusters/threat-actor.json not found");
    }
    CHECK_INT(cf_galaxy_load(&g, path, &err), CF_OK);
    if (!g) {
        return;
    }
    CHECK_INT(cf_galaxy_count(g), 1041);
    CHECK_STR(cf_galaxy_uuid(g), "7cdff317-a673-4474-84ec-4f1754947823");

    /* APT28 under its value, its synonyms and its old name. */
    CHECK_INT(cf_galaxy_resolve(g, NULL, "APT28", &r), CF_ACTOR_BY_VALUE);
    CHECK_STR(r.actor->uuid, APT28);
    CHECK_STR(r.actor->sponsor, "Russian Federation");
    CHECK_STR(r.actor->country, "RU");
    CHECK_INT(r.actor->n_synonyms, 29);
    CHECK_STR(r.actor->synonyms[0], "Pawn Storm");
    CHECK_INT(r.actor->attribution_confidence, 50);
    CHECK_INT(cf_galaxy_resolve(g, NULL, "Fancy Bear", &r), CF_ACTOR_BY_SYNONYM);
    CHECK_STR(uuid_of(g, NULL, "Fancy Bear"), APT28);
    CHECK_STR(uuid_of(g, NULL, "FANCY-BEAR"), APT28);
    CHECK_STR(uuid_of(g, NULL, "Sofacy"), APT28);
    CHECK_STR(uuid_of(g, NULL, "misp-galaxy:threat-actor=\"APT28\""), APT28);
    CHECK_STR(uuid_of(g, NULL, "misp-galaxy:threat-actor=\"Sofacy\""), APT28);
    CHECK_STR(uuid_of(g, NULL, "misp-galaxy:mitre-intrusion-set=\"APT28 - G0007\""), APT28);
    CHECK_STR(uuid_of(g, NULL, "intrusion-set--5b4ee3ea-eee3-4c8e-8323-85ae32658754"), APT28);
    /* Old MISP export: the cluster uuid is the cluster file's own uuid. */
    CHECK_INT(cf_galaxy_resolve(g, "7cdff317-a673-4474-84ec-4f1754947823", "Sofacy", &r),
              CF_ACTOR_BY_SYNONYM);
    CHECK_STR(r.actor->uuid, APT28);

    /* APT29 under "APT 29" (the old value) and Cozy Bear. */
    CHECK_INT(cf_galaxy_resolve(g, NULL, "APT 29", &r), CF_ACTOR_BY_VALUE);
    CHECK_STR(r.actor->uuid, APT29);
    CHECK_STR(r.actor->sponsor, "Russian Federation");
    CHECK_INT(r.actor->n_synonyms, 19);
    CHECK_STR(uuid_of(g, NULL, "cozy bear"), APT29);
    CHECK_STR(uuid_of(g, APT29, NULL), APT29);

    /* Grizzly Steppe is a synonym of both: reported, not guessed. */
    CHECK_INT(cf_galaxy_resolve(g, NULL, "Grizzly Steppe", &r), CF_ACTOR_AMBIGUOUS);
    CHECK(r.actor == NULL);
    CHECK_INT(r.n_candidates, 2);
    if (r.n_candidates == 2) {
        CHECK_STR(r.candidates[0]->value, "APT28");
        CHECK_STR(r.candidates[1]->value, "APT29");
    }
    CHECK_INT(cf_galaxy_resolve(g, NULL, "Nobelium", &r), CF_ACTOR_AMBIGUOUS);
    CHECK_INT(cf_galaxy_resolve(g, NULL, "CozyDuke", &r), CF_ACTOR_UNKNOWN);
    cf_galaxy_free(g);
}

int main(void)
{
    test_keys();
    test_inline();
    test_real();
    TEST_MAIN_END();
}
