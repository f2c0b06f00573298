/*
 * `ctiflow check -c CONFIG`: validate a configuration and report every
 * problem as FILE:LINE: message; also the configuration loader the other
 * run commands share. Beyond the files themselves, check loads the local
 * warning lists and galaxy (and the cached copies of remote ones) and the
 * outputs' exclude_lists against them, so what `run` would refuse is
 * refused here first; it fetches nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "ctiflow/config.h"
#include "ctiflow/galaxy.h"
#include "ctiflow/run.h"
#include "ctiflow/sources.h"
#include "ctiflow/warninglist.h"

static void check_report(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "ctiflow: error: %s\n", msg);
}

cf_config *cf_cli_load_config(const char *path)
{
    cf_config *cfg = NULL;
    cf_error err;

    cf_error_clear(&err);
    if (cf_config_load(&cfg, path, check_report, NULL, &err) != CF_OK) {
        return NULL;
    }
    return cfg;
}

/* ", 3 warning-list entries (2 by URL), galaxy by URL": the reference sources. */
static void check_sources(const cf_config *cfg)
{
    size_t remote = 0;

    for (size_t i = 0; i < cfg->n_warninglists; i++) {
        remote += cfg->warninglists[i].fetch.path == NULL;
    }
    if (cfg->n_warninglists) {
        printf(", %zu warning-list entr%s (%zu by URL)", cfg->n_warninglists,
               cfg->n_warninglists == 1 ? "y" : "ies", remote);
    }
    if (cfg->galaxy) {
        printf(", galaxy %s", cfg->galaxy->fetch.path ? "from a file" : "by URL");
    }
}

/* Messages of the source loads; a remote source never fetched is only noted. */
static void check_src_log(void *ctx, cf_log_level level, const char *msg)
{
    size_t *unfetched = ctx;

    if (level > CF_LOG_WARNING) {
        return;
    }
    (*unfetched)++;
    fprintf(stderr, "ctiflow: %s: %s\n", level == CF_LOG_ERROR ? "error" : "warning", msg);
}

static int check_fail(const cf_error *err)
{
    char msg[1100];

    cf_error_format(msg, sizeof msg, err);
    fprintf(stderr, "ctiflow: error: %s\n", msg);
    return 1;
}

/*
 * An output's exclude_lists replaces the never-block default of its block
 * lists: naming one list to be stricter drops the resolvers and private
 * ranges unless "default" is named too. Say so.
 */
static void check_default_kept(const cf_config *cfg, const cf_output_cfg *out)
{
    if (!(out->formats & (CF_OUTFMT_TEXT | CF_OUTFMT_CSV))) {
        return;
    }
    for (size_t k = 0; k < out->n_exclude_lists; k++) {
        if (!strcmp(out->exclude_lists[k], "default")) {
            return;
        }
    }
    fprintf(stderr,
            "ctiflow: warning: %s: output '%s': exclude_lists replaces the never-block default "
            "(public resolvers, private and special-use ranges); add 'default' to keep it\n",
            cfg->path, out->name);
}

/* An exclude_lists name no loaded list has: where it is written, and the closest id. */
static void check_unknown_list(const cf_wlset *wl, const cf_output_cfg *out, const cf_error *err)
{
    const char *bad = NULL, *hint = NULL;
    size_t best = (size_t)-1;

    for (size_t i = 0; i < out->n_exclude_lists && !bad; i++) {
        const char *name = out->exclude_lists[i];
        if (strcmp(name, "default") != 0 && cf_wl_find(wl, name) < 0) {
            bad = name;
        }
    }
    for (size_t i = 0; bad && i < cf_wl_count(wl); i++) {
        const char *id = cf_wl_info_at(wl, i)->id;
        size_t d = cf_config_edit_distance(bad, id);
        if (d < best) {
            best = d;
            hint = id;
        }
    }
    if (!bad) {
        fprintf(stderr, "ctiflow: error: %s:%llu: output '%s': %s\n", out->source,
                (unsigned long long)out->line, out->name, err->msg);
        return;
    }
    fprintf(stderr, "ctiflow: error: %s:%llu: output '%s': no warning list named '%s'%s%s%s\n",
            out->source, (unsigned long long)out->line, out->name, bad,
            best <= 3 ? " (did you mean '" : "", best <= 3 ? hint : "", best <= 3 ? "'?)" : "");
}

/*
 * Load the warning lists and the galaxy as run would, without fetching, and
 * build every output's exclusion policy. Names are checked only when every
 * list is at hand: a remote list not fetched yet may hold the missing one.
 */
static int check_loaded_sources(const cf_config *cfg)
{
    size_t unfetched = 0;
    cf_sources_opts so = {false, false, false, cf_time_now(), check_src_log, &unfetched};
    cf_wlset *wl = NULL;
    cf_galaxy *gal = NULL;
    cf_error err;
    int problems = 0;

    cf_error_clear(&err);
    if (cf_sources_warninglists(&wl, cfg, &so, &err) != CF_OK) {
        problems += check_fail(&err);
    }
    cf_error_clear(&err);
    if (cf_sources_galaxy(&gal, cfg, &so, &err) != CF_OK) {
        problems += check_fail(&err);
    }
    for (size_t i = 0; i < cfg->n_outputs; i++) {
        const char *name = wl ? NULL : cf_config_unloaded_exclusion(&cfg->outputs[i]);
        if (cfg->outputs[i].has_exclude_lists) {
            check_default_kept(cfg, &cfg->outputs[i]);
        }
        if (name && cfg->n_warninglists == 0) {
            fprintf(stderr, "ctiflow: error: %s:%llu: output '%s': no warning list named '%s' "
                    "(no warninglists are configured)\n", cfg->outputs[i].source,
                    (unsigned long long)cfg->outputs[i].line, cfg->outputs[i].name, name);
            problems++;
        }
    }
    for (size_t i = 0; wl && unfetched == 0 && i < cfg->n_outputs; i++) {
        const cf_output_cfg *out = &cfg->outputs[i];
        cf_wl_policy *pol = NULL;
        if (!out->has_exclude_lists) {
            continue;
        }
        cf_error_clear(&err);
        if (cf_wl_policy_new(&pol, wl, (const char *const *)out->exclude_lists,
                             out->n_exclude_lists, &err) != CF_OK) {
            check_unknown_list(wl, out, &err);
            problems++;
        }
        cf_wl_policy_free(pol);
    }
    cf_galaxy_free(gal);
    cf_wl_free(wl);
    return problems;
}

/*
 * A directory output's path must be creatable: every part of it that
 * exists is a directory (a part that is a file fails at publish time).
 * Returns the problems found, each reported.
 */
static int check_output_paths(const cf_config *cfg)
{
    int problems = 0;
    for (size_t i = 0; i < cfg->n_outputs; i++) {
        const cf_output_cfg *out = &cfg->outputs[i];
        if (strcmp(out->type, "directory") != 0 || !out->path) {
            continue;
        }
        char part[4096];
        size_t n = strlen(out->path);
        if (n >= sizeof part) {
            continue;
        }
        memcpy(part, out->path, n + 1);
        /* From the whole path up, the first part that exists decides. */
        for (;;) {
            struct stat sb;
            if (stat(part, &sb) == 0) {
                if (!S_ISDIR(sb.st_mode)) {
                    fprintf(stderr, "ctiflow: error: %s:%llu: output '%s': %s: %s\n",
                            out->source, (unsigned long long)out->line, out->name, part,
                            strerror(ENOTDIR));
                    problems++;
                }
                break;
            }
            char *slash = strrchr(part, '/');
            if (!slash || slash == part) {
                break;
            }
            *slash = '\0';
        }
    }
    return problems;
}

/*
 * A feed read from a local path that cannot be read now is reported as a
 * warning: it fails only that feed at run time, and the file may be made
 * before the run (by the job that downloads it). Returns the warnings.
 */
static int check_feed_paths(const cf_config *cfg)
{
    int warnings = 0;
    for (size_t i = 0; i < cfg->n_feeds; i++) {
        const cf_feed_cfg *f = &cfg->feeds[i];
        if (!f->enabled || !f->path || access(f->path, R_OK) == 0) {
            continue;
        }
        fprintf(stderr,
                "ctiflow: warning: %s:%llu: feed '%s': cannot read '%s': %s (a relative "
                "path is taken from the main file's directory)\n",
                f->source, (unsigned long long)f->line, f->name, f->path, strerror(errno));
        warnings++;
    }
    return warnings;
}

static void check_usage(FILE *out)
{
    fprintf(out, "usage: ctiflow check -c CONFIG\n"
                 "Validate the configuration (main file and feeds.d/) without running.\n");
}

int cf_cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    cf_config *cfg;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        if (c == 'c') {
            path = optarg;
        } else if (c == 'h') {
            check_usage(stdout);
            return 0;
        } else {
            check_usage(stderr);
            return CF_EXIT_USAGE;
        }
    }
    if (!path || optind != argc) {
        check_usage(stderr);
        return CF_EXIT_USAGE;
    }
    cfg = cf_cli_load_config(path);
    if (!cfg) {
        return CF_EXIT_CONFIG;
    }
    if (check_output_paths(cfg) + check_loaded_sources(cfg) > 0) {
        cf_config_free(cfg);
        return CF_EXIT_CONFIG;
    }
    check_feed_paths(cfg);
    size_t enabled = 0;
    for (size_t i = 0; i < cfg->n_feeds; i++) {
        enabled += cfg->feeds[i].enabled;
    }
    printf("%s: ok, %zu feeds (%zu enabled), %zu outputs", path, cfg->n_feeds, enabled,
           cfg->n_outputs);
    check_sources(cfg);
    printf("\n");
    cf_config_free(cfg);
    return 0;
}
