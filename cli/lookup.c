/*
 * ctiflow lookup: what is known about one or more values: the feeds and
 * events that list them, first and last seen, the threat actors reached
 * (with their suspected sponsor and the path that reached them) and the
 * correlated IOCs (containing networks, parent domains, names under a
 * domain, addresses inside a network, same-record partners).
 *
 * Values are normalised as on input (cf_normalize), so a defanged or
 * upper-case value finds its canonical IOC. The correlation database is
 * <state_dir>/correlation.db of the configuration (or --db); the galaxy is
 * --galaxy, else $CTIFLOW_GALAXY, else <state_dir>/galaxy/threat-actor.json.
 * Exit codes: 0 every value was listed or correlated, 1 some value is
 * unknown or could not be normalised, 2 usage or setup error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "ctiflow/buf.h"
#include "ctiflow/config.h"
#include "ctiflow/correlate.h"
#include "ctiflow/galaxy.h"
#include "ctiflow/normalize.h"

static void lookup_usage(FILE *out)
{
    fprintf(out, "usage: ctiflow lookup VALUE... [--json] [--type TYPE] -c CONFIG\n"
                 "\n"
                 "  -c, --config FILE  run configuration (its state directory holds the data)\n"
                 "  --db FILE          correlation database instead of the configuration's\n"
                 "  --galaxy FILE      threat-actor galaxy clusters (MISP galaxy JSON)\n"
                 "  --type TYPE        type of every VALUE (default: detect)\n"
                 "  --json             one JSON object per value, one per line\n");
}

/* Open the correlation database and the galaxy named by the options. */
int cf_cli_corr_setup(const char *config, const char *db, const char *galaxy, cf_corr **corr,
                      cf_galaxy **gal)
{
    cf_error err = {0};
    cf_config *cfg = NULL;
    char dbpath[4096], gpath[4096];
    char msg[1200];
    int rc = 2;

    gpath[0] = '\0';
    if (!db) {
        if (!config) {
            fprintf(stderr, "ctiflow: error: -c CONFIG or --db FILE is required\n");
            goto out;
        }
        if (cf_config_load(&cfg, config, NULL, NULL, &err) != CF_OK) {
            cf_error_format(msg, sizeof msg, &err);
            fprintf(stderr, "ctiflow: error: %s\n", msg);
            goto out;
        }
        snprintf(dbpath, sizeof dbpath, "%s/correlation.db", cfg->state_dir);
        snprintf(gpath, sizeof gpath, "%s/galaxy/threat-actor.json", cfg->state_dir);
        db = dbpath;
    }
    if (!galaxy) {
        galaxy = getenv("CTIFLOW_GALAXY");
    }
    if (!galaxy && gpath[0] && access(gpath, R_OK) == 0) {
        galaxy = gpath;
    }
    if (galaxy && cf_galaxy_load(gal, galaxy, &err) != CF_OK) {
        cf_error_format(msg, sizeof msg, &err);
        fprintf(stderr, "ctiflow: error: %s\n", msg);
        goto out;
    }
    if (cf_corr_open(corr, db, &err) != CF_OK) {
        cf_error_format(msg, sizeof msg, &err);
        fprintf(stderr, "ctiflow: error: %s\n", msg);
        goto out;
    }
    rc = 0;
out:
    cf_config_free(cfg);
    return rc;
}

static void lookup_time(char *out, size_t n, cf_time t)
{
    if (t == CF_TIME_NONE) {
        snprintf(out, n, "-");
    } else {
        cf_time_format_rfc3339(out, n, t);
    }
}

static void lookup_text(const cf_corr_result *r)
{
    char a[40], b[40];

    lookup_time(a, sizeof a, r->first_seen);
    lookup_time(b, sizeof b, r->last_seen);
    printf("%s %s\n", cf_ioc_type_name(r->type), r->value);
    if (r->listed) {
        printf("  first seen %s, last seen %s\n", a, b);
    } else {
        printf("  not listed by any feed\n");
    }
    for (size_t i = 0; i < r->n_sources; i++) {
        const cf_corr_source *s = &r->sources[i];
        const cf_corr_source *prev = i ? &r->sources[i - 1] : NULL;
        if (prev && strcmp(prev->feed, s->feed) == 0 &&
            ((!prev->event && !s->event) ||
             (prev->event && s->event && strcmp(prev->event, s->event) == 0))) {
            continue;
        }
        printf("  source: feed '%s'", s->feed);
        if (s->event) {
            printf(", event '%s'", s->event);
        }
        printf("\n");
    }
    for (size_t i = 0; i < r->n_attrs; i++) {
        const cf_corr_attr *at = &r->attrs[i];
        printf("  actor: %s", at->name);
        if (at->actor) {
            printf(" (%s", at->actor->uuid);
            if (at->actor->sponsor) {
                printf(", suspected sponsor %s", at->actor->sponsor);
            }
            if (at->actor->country) {
                printf(", country %s", at->actor->country);
            }
            printf(")");
        }
        printf(" confidence %d: %s\n", at->confidence, at->path);
    }
    for (size_t i = 0; i < r->n_links; i++) {
        const cf_corr_link *l = &r->links[i];
        printf("  %s: %s %s", l->kind, cf_ioc_type_name(l->type), l->value);
        if (l->detail) {
            printf(" (%s)", l->detail);
        }
        printf("\n");
    }
}

static void lookup_json(const cf_corr_result *r)
{
    cf_buf b = CF_BUF_INIT;
    char t[40];

    cf_buf_printf(&b, "{\"type\":\"%s\",\"value\":", cf_ioc_type_name(r->type));
    cf_buf_json_quoted(&b, r->value);
    cf_buf_printf(&b, ",\"listed\":%s", r->listed ? "true" : "false");
    lookup_time(t, sizeof t, r->first_seen);
    cf_buf_puts(&b, ",\"first_seen\":");
    cf_buf_json_quoted(&b, r->listed ? t : NULL);
    lookup_time(t, sizeof t, r->last_seen);
    cf_buf_puts(&b, ",\"last_seen\":");
    cf_buf_json_quoted(&b, r->listed ? t : NULL);
    cf_buf_puts(&b, ",\"sources\":[");
    for (size_t i = 0; i < r->n_sources; i++) {
        cf_buf_printf(&b, "%s{\"feed\":", i ? "," : "");
        cf_buf_json_quoted(&b, r->sources[i].feed);
        cf_buf_puts(&b, ",\"event\":");
        cf_buf_json_quoted(&b, r->sources[i].event);
        cf_buf_puts(&b, "}");
    }
    cf_buf_puts(&b, "],\"actors\":[");
    for (size_t i = 0; i < r->n_attrs; i++) {
        const cf_corr_attr *at = &r->attrs[i];
        cf_buf_printf(&b, "%s{\"name\":", i ? "," : "");
        cf_buf_json_quoted(&b, at->name);
        cf_buf_puts(&b, ",\"uuid\":");
        cf_buf_json_quoted(&b, at->actor ? at->actor->uuid : NULL);
        cf_buf_puts(&b, ",\"sponsor\":");
        cf_buf_json_quoted(&b, at->actor ? at->actor->sponsor : NULL);
        cf_buf_puts(&b, ",\"country\":");
        cf_buf_json_quoted(&b, at->actor ? at->actor->country : NULL);
        cf_buf_printf(&b, ",\"resolved_by\":\"%s\",\"confidence\":%d,\"path\":",
                      cf_actor_match_name(at->how), at->confidence);
        cf_buf_json_quoted(&b, at->path);
        cf_buf_puts(&b, "}");
    }
    cf_buf_puts(&b, "],\"correlated\":[");
    for (size_t i = 0; i < r->n_links; i++) {
        const cf_corr_link *l = &r->links[i];
        cf_buf_printf(&b, "%s{\"link\":\"%s\",\"type\":\"%s\",\"value\":", i ? "," : "",
                      l->kind, cf_ioc_type_name(l->type));
        cf_buf_json_quoted(&b, l->value);
        cf_buf_puts(&b, ",\"via\":");
        cf_buf_json_quoted(&b, l->detail);
        cf_buf_puts(&b, "}");
    }
    cf_buf_puts(&b, "]}");
    printf("%s\n", cf_buf_str(&b));
    cf_buf_free(&b);
}

int cf_cmd_lookup(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"db", required_argument, NULL, 'd'},
        {"galaxy", required_argument, NULL, 'g'}, {"type", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *config = NULL, *db = NULL, *galaxy = NULL;
    cf_ioc_type hint = CF_IOC_NONE;
    bool json = false;
    cf_corr *corr = NULL;
    cf_galaxy *gal = NULL;
    cf_norm norm = CF_NORM_INIT;
    int opt, rc = 0;

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
        case 't':
            hint = cf_ioc_type_from_name(optarg);
            if (hint == CF_IOC_NONE && strcmp(optarg, "auto") != 0) {
                fprintf(stderr, "ctiflow: error: unknown IOC type '%s'\n", optarg);
                return 2;
            }
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            lookup_usage(stdout);
            return 0;
        default:
            lookup_usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        lookup_usage(stderr);
        return 2;
    }
    if (cf_cli_corr_setup(config, db, galaxy, &corr, &gal) != 0) {
        rc = 2;
        goto out;
    }

    for (int i = optind; i < argc; i++) {
        cf_corr_result r = {0};
        cf_error err = {0};
        if (cf_normalize(&norm, hint, argv[i], strlen(argv[i])) != CF_OK) {
            fprintf(stderr, "ctiflow: error: %s: '%s'\n",
                    norm.reason ? norm.reason : "invalid value", argv[i]);
            rc = 1;
            continue;
        }
        if (cf_corr_lookup(corr, gal, norm.type, cf_buf_str(&norm.value), &r, &err) != CF_OK) {
            fprintf(stderr, "ctiflow: error: %s\n", err.msg);
            rc = 1;
        } else {
            if (json) {
                lookup_json(&r);
            } else {
                lookup_text(&r);
            }
            if (!r.listed && r.n_links == 0) {
                rc = 1;
            }
        }
        cf_corr_result_fini(&r);
    }
out:
    cf_norm_free(&norm);
    cf_corr_close(corr);
    cf_galaxy_free(gal);
    return rc;
}
