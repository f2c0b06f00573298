/*
 * Correlation database tests of endpoints and their addresses: a lookup of
 * an address lists the endpoints recorded on it (by port) with their feeds
 * and the actors reached through them; a lookup of an endpoint lists its
 * listed address and the networks containing it, for IPv4 and IPv6; a
 * network contains the endpoints inside it; and a file of version 0, whose
 * endpoints have no address keys, gets them when it is opened.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctiflow/correlate.h"
#include "ctiflow/normalize.h"
#include "testlib.h"

#define NOW ((cf_time)1700000000000LL)

static void add(cf_iocset *set, const char *feed, cf_ioc_type type, const char *value)
{
    cf_obs o;
    cf_norm n = CF_NORM_INIT;

    cf_obs_init(&o);
    o.text = value;
    o.len = strlen(value);
    o.feed = feed;
    CHECK_INT(cf_normalize(&n, type, value, strlen(value)), CF_OK);
    CHECK_STR(cf_buf_str(&n.value), value);
    CHECK_INT(cf_iocset_merge(set, &o, &n, NULL), CF_OK);
    cf_norm_free(&n);
}

/* Record one feed listing the values of types (NULL-terminated). */
static void feed(cf_corr *c, const char *name, const char *actor, const cf_ioc_type *types,
                 const char *const *values)
{
    cf_iocset *set = cf_iocset_new();
    cf_error err;

    cf_error_clear(&err);
    for (size_t i = 0; values[i]; i++) {
        add(set, name, types[i], values[i]);
    }
    CHECK_INT(cf_corr_ingest(c, name, actor, set, NOW, &err), CF_OK);
    cf_iocset_free(set);
}

static void lookup(cf_corr *c, cf_ioc_type type, const char *value, cf_corr_result *r)
{
    cf_error err;

    cf_error_clear(&err);
    memset(r, 0, sizeof(*r));
    CHECK_INT(cf_corr_lookup(c, NULL, type, value, r, &err), CF_OK);
}

/* The links of r as "kind type value (detail)" lines, in order. */
static const char *links(const cf_corr_result *r)
{
    static char buf[4096];
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < r->n_links && n < sizeof(buf); i++) {
        const cf_corr_link *l = &r->links[i];
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %s %s (%s)\n", l->kind,
                              cf_ioc_type_name(l->type), l->value,
                              l->detail ? l->detail : "-");
    }
    return buf;
}

/* Run sql on the file at path outside the library; returns the rows changed. */
static int raw_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int changed = -1;

    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK) {
        changed = sqlite3_changes(db);
    }
    sqlite3_close(db);
    return changed;
}

/* Remove the address keys of the endpoints, as a file of version 0 lacks them. */
static int drop_endpoint_keys(const char *path)
{
    char sql[200];

    snprintf(sql, sizeof(sql),
             "DELETE FROM addrs WHERE ioc_id IN (SELECT id FROM iocs WHERE type = %d)",
             (int)CF_IOC_ENDPOINT);
    return raw_sql(path, sql);
}

static int user_version(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int v = -1;

    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
        v = sqlite3_column_int(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void check_address_lookups(cf_corr *c)
{
    cf_corr_result r;

    /* an address: its endpoints by port, then its network; the URL on it is not one */
    lookup(c, CF_IOC_IP, "198.51.100.7", &r);
    CHECK(r.listed);
    CHECK_STR(links(&r), "endpoint endpoint 198.51.100.7:443 (c2)\n"
                         "endpoint endpoint 198.51.100.7:8080 (c2)\n"
                         "network cidr 198.51.100.0/24 (nets)\n");
    CHECK_INT(r.n_attrs, 2);
    if (r.n_attrs == 2) {
        CHECK_STR(r.attrs[0].name, "APT29");
        CHECK_STR(r.attrs[0].path, "named 'APT29' by feed 'addrs'");
        CHECK_STR(r.attrs[1].name, "Sofacy");
        CHECK_STR(r.attrs[1].path,
                  "via endpoint 198.51.100.7:443 listed by c2, named 'Sofacy' by feed 'c2'");
    }
    cf_corr_result_fini(&r);

    /* an address no feed lists itself, with an endpoint on it */
    lookup(c, CF_IOC_IP, "192.0.2.1", &r);
    CHECK(!r.listed);
    CHECK_INT(r.n_sources, 0);
    CHECK_STR(links(&r), "endpoint endpoint 192.0.2.1:22 (c2)\n");
    cf_corr_result_fini(&r);

    /* the address beside it: nothing */
    lookup(c, CF_IOC_IP, "192.0.2.2", &r);
    CHECK(!r.listed);
    CHECK_INT(r.n_links, 0);
    CHECK_INT(r.n_attrs, 0);
    cf_corr_result_fini(&r);

    lookup(c, CF_IOC_IP, "2001:db8::5", &r);
    CHECK_STR(links(&r), "endpoint endpoint [2001:db8::5]:53 (c2)\n"
                         "network cidr 2001:db8::/32 (nets)\n");
    cf_corr_result_fini(&r);
}

static void check_endpoint_lookups(cf_corr *c)
{
    cf_corr_result r;

    /* an endpoint: its address (with the address's actor), then the network */
    lookup(c, CF_IOC_ENDPOINT, "198.51.100.7:8080", &r);
    CHECK(r.listed);
    CHECK_INT(r.n_sources, 1);
    CHECK_STR(links(&r), "address ip 198.51.100.7 (addrs)\n"
                         "network cidr 198.51.100.0/24 (nets)\n");
    CHECK_INT(r.n_attrs, 2);
    if (r.n_attrs == 2) {
        CHECK_STR(r.attrs[0].name, "APT29");
        CHECK_STR(r.attrs[0].path,
                  "via address 198.51.100.7 listed by addrs, named 'APT29' by feed 'addrs'");
        CHECK_STR(r.attrs[1].name, "Sofacy");
        CHECK_STR(r.attrs[1].path, "named 'Sofacy' by feed 'c2'");
    }
    cf_corr_result_fini(&r);

    lookup(c, CF_IOC_ENDPOINT, "[2001:db8::5]:53", &r);
    CHECK_STR(links(&r), "address ip 2001:db8::5 (addrs)\n"
                         "network cidr 2001:db8::/32 (nets)\n");
    cf_corr_result_fini(&r);

    /* an endpoint whose address is not listed, in no listed network */
    lookup(c, CF_IOC_ENDPOINT, "192.0.2.1:22", &r);
    CHECK(r.listed);
    CHECK_INT(r.n_links, 0);
    cf_corr_result_fini(&r);

    /* a network contains the endpoints inside it, beside the address and the URL */
    lookup(c, CF_IOC_CIDR, "198.51.100.0/24", &r);
    CHECK_INT(r.n_links, 4);
    const char *l = links(&r);
    CHECK(strstr(l, "contains ip 198.51.100.7 (-)\n") != NULL);
    CHECK(strstr(l, "contains url http://198.51.100.7/x (-)\n") != NULL);
    CHECK(strstr(l, "contains endpoint 198.51.100.7:443 (-)\n") != NULL);
    CHECK(strstr(l, "contains endpoint 198.51.100.7:8080 (-)\n") != NULL);
    cf_corr_result_fini(&r);
}

int main(void)
{
    char dir[] = "/tmp/cf_corr_endpoint_XXXXXX";
    char path[256];
    cf_corr *c = NULL;
    cf_error err;
    static const cf_ioc_type c2_types[] = {CF_IOC_ENDPOINT, CF_IOC_ENDPOINT, CF_IOC_ENDPOINT,
                                           CF_IOC_ENDPOINT};
    static const char *const c2[] = {"198.51.100.7:8080", "198.51.100.7:443",
                                     "[2001:db8::5]:53", "192.0.2.1:22", NULL};
    static const cf_ioc_type addr_types[] = {CF_IOC_IP, CF_IOC_IP, CF_IOC_URL};
    static const char *const addrs[] = {"198.51.100.7", "2001:db8::5", "http://198.51.100.7/x",
                                        NULL};
    static const cf_ioc_type net_types[] = {CF_IOC_CIDR, CF_IOC_CIDR};
    static const char *const nets[] = {"198.51.100.0/24", "2001:db8::/32", NULL};

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/correlation.db", dir);
    cf_error_clear(&err);
    CHECK_INT(cf_corr_open(&c, path, &err), CF_OK);
    if (!c) {
        TEST_MAIN_END();
    }
    CHECK_INT(user_version(path), 1);
    feed(c, "c2", "Sofacy", c2_types, c2);
    feed(c, "addrs", "APT29", addr_types, addrs);
    feed(c, "nets", NULL, net_types, nets);
    check_address_lookups(c);
    check_endpoint_lookups(c);
    cf_corr_close(c);
    c = NULL;

    /* a file of version 0: its endpoints without address keys, added on open */
    CHECK_INT(drop_endpoint_keys(path), 4);
    CHECK_INT(raw_sql(path, "PRAGMA user_version = 0"), 0);
    CHECK_INT(user_version(path), 0);
    CHECK_INT(cf_corr_open(&c, path, &err), CF_OK);
    if (c) {
        CHECK_INT(user_version(path), 1);
        check_address_lookups(c);
        check_endpoint_lookups(c);
        cf_corr_close(c);
    }

    /* opened again at version 1: nothing to add */
    CHECK_INT(drop_endpoint_keys(path), 4);
    c = NULL;
    CHECK_INT(cf_corr_open(&c, path, &err), CF_OK);
    if (c) {
        cf_corr_result r;
        lookup(c, CF_IOC_IP, "192.0.2.1", &r);
        CHECK_INT(r.n_links, 0);
        cf_corr_result_fini(&r);
        cf_corr_close(c);
    }
    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK_INT(system(cmd), 0);
    }
    TEST_MAIN_END();
}
