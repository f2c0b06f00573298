/*
 * ctiflow lookup: what is known about one or more values: the feeds and
 * events that list them, first and last seen, the threat actors reached
 * (with their suspected sponsor and the path that reached them) and the
 * correlated IOCs (containing networks, parent domains, names under a
 * domain, addresses inside a network, the endpoints on an address and the
 * address of an endpoint, same-record partners).
 *
 * Values are normalised as on input (cf_normalize), so a defanged or
 * upper-case value finds its canonical IOC. The correlation database is
 * <state_dir>/correlation.db of the configuration (or --db); the galaxy is
 * --galaxy, else the configuration's "galaxy", else $CTIFLOW_GALAXY, else
 * <state_dir>/galaxy/threat-actor.json. With a configuration that names
 * warning lists, each value is matched against them and the directory
 * outputs that withhold it are named (the same policy as `ctiflow run`).
 * A galaxy or list given by URL is read from the copy the last run cached;
 * lookup never fetches.
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
#include "ctiflow/sources.h"
#include "ctiflow/store.h"
#include "ctiflow/warninglist.h"

/*
 * The configuration's warning lists and one policy per directory output,
 * and the store, which knows what max_tlp keeps out of each output.
 */
typedef struct lookup_wl {
    cf_config *cfg;
    cf_wlset *set;
    cf_wl_policy **pols;   /* per output; NULL for HTTP outputs */
    cf_store *store;       /* NULL before the first run */
} lookup_wl;

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

/* Messages of the configuration's sources (a list not fetched yet, ...). */
static void lookup_src_log(void *ctx, cf_log_level level, const char *msg)
{
    (void)ctx;
    if (level <= CF_LOG_WARNING) {
        fprintf(stderr, "ctiflow: %s: %s\n", level == CF_LOG_ERROR ? "error" : "warning", msg);
    }
}

/* Open the correlation database and the galaxy named by the options. */
int cf_cli_corr_setup(const char *config, const char *db, const char *galaxy, cf_corr **corr,
                      cf_galaxy **gal)
{
    cf_error err = {0};
    cf_config *cfg = NULL;
    char dbpath[4096], gpath[4096];
    char msg[1200];
    bool from_config;
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
    from_config = !galaxy && cfg && cfg->galaxy;
    if (from_config) {
        cf_sources_opts so = {false, false, false, cf_time_now(), lookup_src_log, NULL};
        if (cf_sources_galaxy(gal, cfg, &so, &err) != CF_OK) {
            cf_error_format(msg, sizeof msg, &err);
            fprintf(stderr, "ctiflow: error: %s\n", msg);
            goto out;
        }
    }
    if (!galaxy && !from_config) {
        galaxy = getenv("CTIFLOW_GALAXY");
    }
    if (!galaxy && !from_config && gpath[0] && access(gpath, R_OK) == 0) {
        galaxy = gpath;
    }
    if (galaxy && cf_galaxy_load(gal, galaxy, &err) != CF_OK) {
        cf_error_format(msg, sizeof msg, &err);
        fprintf(stderr, "ctiflow: error: %s\n", msg);
        goto out;
    }
    if (cfg && access(db, F_OK) != 0) {
        /* Opening would create an empty database and report nothing. */
        fprintf(stderr, "ctiflow: error: %s: nothing stored yet (run 'ctiflow run -c %s' first)\n",
                db, config);
        rc = 1;
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

static void lookup_wl_fini(lookup_wl *w)
{
    for (size_t i = 0; w->cfg && w->pols && i < w->cfg->n_outputs; i++) {
        cf_wl_policy_free(w->pols[i]);
    }
    free(w->pols);
    cf_wl_free(w->set);
    cf_store_close(w->store);
    cf_config_free(w->cfg);
}

/* Load the warning lists of config and the policy of each directory output; 2 on failure. */
static int lookup_wl_setup(lookup_wl *w, const char *config)
{
    cf_error err = {0};
    char msg[1200];
    cf_status st;

    if (!config) {
        return 0;
    }
    st = cf_config_load(&w->cfg, config, NULL, NULL, &err);
    if (st == CF_OK) {
        cf_sources_opts so = {false, false, false, cf_time_now(), lookup_src_log, NULL};
        st = cf_sources_warninglists(&w->set, w->cfg, &so, &err);
    }
    if (st == CF_OK && w->set) {
        w->pols = calloc(w->cfg->n_outputs + 1, sizeof(*w->pols));
        st = w->pols ? CF_OK : cf_error_set(&err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0; st == CF_OK && w->set && i < w->cfg->n_outputs; i++) {
        const cf_output_cfg *o = &w->cfg->outputs[i];
        const char *const *names = (const char *const *)o->exclude_lists;
        size_t n = o->n_exclude_lists;
        if (strcmp(o->type, "directory") != 0) {
            continue;
        }
        if (!o->has_exclude_lists) {
            static const char *const never_block[] = {"default"};
            names = never_block;
            n = 1;
        }
        st = cf_wl_policy_new(&w->pols[i], w->set, names, n, &err);
    }
    if (st == CF_OK) {
        char path[4096];
        snprintf(path, sizeof path, "%s/ctiflow.db", w->cfg->state_dir);
        if (access(path, F_OK) == 0) {
            st = cf_store_open(&w->store, path, &err);
        }
    }
    if (st != CF_OK) {
        cf_error_format(msg, sizeof msg, &err);
        fprintf(stderr, "ctiflow: error: %s\n", msg);
        return 2;
    }
    return 0;
}

/*
 * Whether a listed value has expired, the lists it matches and the outputs
 * that withhold it, as a text block (text) or as JSON members to append to
 * the value's object (json).
 */
static void lookup_wl_value(lookup_wl *w, const cf_norm *norm, bool listed, cf_buf *text,
                            cf_buf *json)
{
    cf_wl_matches m = {0};
    size_t n_out = 0;
    const char *value = cf_buf_str(&norm->value);

    if (!w->set && !w->store) {
        return;
    }
    bool current = w->store && cf_store_is_current(w->store, norm->type, value, CF_TLP_RED);
    if (w->store && listed && !current) {
        cf_buf_puts(text, "  expired: no feed lists it any more (revoked in the outputs)\n");
    }
    if (w->store && listed) {
        cf_buf_printf(json, ",\"expired\":%s", current ? "false" : "true");
    }
    if (w->set) {
        cf_wl_match_value(w->set, norm->type, norm->hash_type, value, &m);
        cf_buf_puts(json, ",\"warninglists\":[");
        for (size_t k = 0; k < m.n; k++) {
            const cf_wl_info *info = cf_wl_info_at(w->set, m.lists[k]);
            cf_buf_printf(text, "  warning list: %s (%s)\n", info->id, info->title);
            cf_buf_printf(json, "%s", k ? "," : "");
            cf_buf_json_quoted(json, info->id);
        }
        cf_buf_puts(json, "]");
    }
    /* A current IOC above an output's max_tlp is in none of its files. */
    cf_buf_puts(json, ",\"withheld_by\":[");
    for (size_t i = 0; current && i < w->cfg->n_outputs; i++) {
        const cf_output_cfg *o = &w->cfg->outputs[i];
        if (cf_store_is_current(w->store, norm->type, value, o->max_tlp)) {
            continue;
        }
        cf_buf_printf(text, "  withheld by: output '%s' (TLP above its max_tlp %s)\n", o->name,
                      cf_tlp_name(o->max_tlp));
        cf_buf_printf(json, "%s{\"output\":", n_out++ ? "," : "");
        cf_buf_json_quoted(json, o->name);
        cf_buf_printf(json, ",\"files\":\"all\",\"max_tlp\":\"%s\"}", cf_tlp_name(o->max_tlp));
    }
    for (size_t i = 0; m.n && i < w->cfg->n_outputs; i++) {
        const cf_output_cfg *o = &w->cfg->outputs[i];
        bool block_only = !o->has_exclude_lists;
        unsigned block = o->formats & (CF_OUTFMT_TEXT | CF_OUTFMT_CSV);
        if (!w->pols[i] || !cf_wl_policy_withholds(w->pols[i], &m) || (block_only && !block)) {
            continue;
        }
        cf_buf_printf(text, "  withheld by: output '%s'%s\n", o->name,
                      !block_only ? "" : block == CF_OUTFMT_TEXT ? " (text lists)"
                                     : block == CF_OUTFMT_CSV  ? " (csv)"
                                                               : " (text lists and csv)");
        cf_buf_printf(json, "%s{\"output\":", n_out++ ? "," : "");
        cf_buf_json_quoted(json, o->name);
        cf_buf_printf(json, ",\"files\":\"%s\"}", block_only ? "block-lists" : "all");
    }
    cf_buf_puts(json, "]");
}

static void lookup_time(char *out, size_t n, cf_time t)
{
    if (t == CF_TIME_NONE) {
        snprintf(out, n, "-");
    } else {
        cf_time_format_rfc3339(out, n, t);
    }
}

static void lookup_text(const cf_corr_result *r, const char *extra, bool gal_loaded)
{
    char a[40], b[40];

    lookup_time(a, sizeof a, r->first_seen);
    lookup_time(b, sizeof b, r->last_seen);
    printf("%s %s\n", cf_ioc_type_name(r->type), r->value);
    if (r->listed) {
        printf("  first seen %s, last seen %s\n", a, b);
    } else if (r->n_links > 0) {
        printf("  not listed by any feed itself\n");
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
        } else {
            /* Confidence 0 says the name is not attributed to any cluster: say why. */
            printf(" (%s)", at->how == CF_ACTOR_AMBIGUOUS ? "a name of several galaxy actors"
                            : gal_loaded                ? "not in the galaxy"
                                                        : "no galaxy loaded");
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
    fputs(extra, stdout);
}

static void lookup_json(const cf_corr_result *r, const char *extra)
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
    cf_buf_printf(&b, "]%s}", extra);
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
    lookup_wl wl = {NULL, NULL, NULL, NULL};
    cf_buf wtext = CF_BUF_INIT, wjson = CF_BUF_INIT;
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
    rc = cf_cli_corr_setup(config, db, galaxy, &corr, &gal);
    if (rc != 0 || lookup_wl_setup(&wl, config) != 0) {
        rc = rc != 0 ? rc : 2;
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
            cf_buf_reset(&wtext);
            cf_buf_reset(&wjson);
            lookup_wl_value(&wl, &norm, r.listed, &wtext, &wjson);
            if (json) {
                lookup_json(&r, cf_buf_str(&wjson));
            } else {
                lookup_text(&r, cf_buf_str(&wtext), gal && cf_galaxy_count(gal) > 0);
            }
            if (!r.listed && r.n_links == 0) {
                rc = 1;
            }
        }
        cf_corr_result_fini(&r);
    }
out:
    lookup_wl_fini(&wl);
    cf_buf_free(&wtext);
    cf_buf_free(&wjson);
    cf_norm_free(&norm);
    cf_corr_close(corr);
    cf_galaxy_free(gal);
    return rc;
}
