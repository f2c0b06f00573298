/*
 * `ctiflow check -c CONFIG`: validate a configuration and report every
 * problem as FILE:LINE: message; also the configuration loader the other
 * run commands share.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ctiflow/config.h"
#include "ctiflow/run.h"

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
