/*
 * `ctiflow run -c CONFIG [--feed NAME]... [--force] [--offline]
 * [--log-format text|json] [--quiet|--verbose]`: one run of the due feeds
 * (or the named ones), then publish. Exit codes: 0 no feed failed, 1
 * configuration or store error, 2 usage, 3 some feeds failed, 4 all failed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "ctiflow/config.h"
#include "ctiflow/fetch.h"
#include "ctiflow/run.h"

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: ctiflow run -c CONFIG [--feed NAME]... [--force] [--offline]\n"
            "                   [--log-format text|json] [--quiet] [--verbose]\n"
            "Fetch the due feeds (or the named ones), store and publish.\n"
            "  --feed NAME     only this feed, due or not (repeatable)\n"
            "  --force         fetch every feed in full (no conditional request) and\n"
            "                  write every output anew\n"
            "  --offline       no network: read every feed's cached body again\n"
            "exit: 0 no feed failed, 1 configuration, store or output error, 2 usage,\n"
            "      3 some feeds failed, 4 all feeds failed\n");
}

int cf_cli_run_options(int argc, char **argv, const char **config, cf_run_opts *o,
                       const char ***feeds, bool allow_feeds)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},  {"feed", required_argument, NULL, 'f'},
        {"force", no_argument, NULL, 'F'},         {"offline", no_argument, NULL, 'O'},
        {"log-format", required_argument, NULL, 'L'}, {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 1;
    *feeds = calloc((size_t)argc + 1, sizeof(**feeds));
    if (!*feeds) {
        return CF_EXIT_CONFIG;
    }
    while ((c = getopt_long(argc, argv, "c:f:qvh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            *config = optarg;
            break;
        case 'f':
            if (!allow_feeds) {
                return CF_EXIT_USAGE;
            }
            (*feeds)[o->n_feeds++] = optarg;
            break;
        case 'F':
            o->force = true;
            break;
        case 'O':
            o->offline = true;
            break;
        case 'L':
            if (!strcmp(optarg, "json")) {
                o->log_format = CF_LOG_JSON;
            } else if (strcmp(optarg, "text")) {
                fprintf(stderr, "ctiflow: error: unknown log format '%s'\n", optarg);
                return CF_EXIT_USAGE;
            }
            break;
        case 'q':
            o->log_level = CF_LOG_WARNING;
            break;
        case 'v':
            o->log_level = CF_LOG_DEBUG;
            break;
        case 'h':
            return -1;
        default:
            return CF_EXIT_USAGE;
        }
    }
    o->feeds = *feeds;
    if (!*config || optind != argc) {
        return CF_EXIT_USAGE;
    }
    return 0;
}

int cf_cmd_run(int argc, char **argv)
{
    const char *config = NULL;
    const char **feeds = NULL;
    cf_config *cfg = NULL;
    cf_run_opts o;
    cf_run_summary sum;
    cf_error err;
    int rc;

    cf_run_opts_init(&o);
    rc = cf_cli_run_options(argc, argv, &config, &o, &feeds, true);
    if (rc != 0) {
        run_usage(rc < 0 ? stdout : stderr);
        free(feeds);
        return rc < 0 ? 0 : rc;
    }
    o.progress = isatty(fileno(stderr)) && o.log_level < CF_LOG_DEBUG;
    cfg = cf_cli_load_config(config);
    if (!cfg) {
        free(feeds);
        return CF_EXIT_CONFIG;
    }
    for (size_t i = 0; i < o.n_feeds; i++) {
        if (!cf_config_feed(cfg, feeds[i])) {
            fprintf(stderr, "ctiflow: error: no feed named '%s' in %s\n", feeds[i], config);
            cf_config_free(cfg);
            free(feeds);
            return CF_EXIT_USAGE;
        }
    }
    cf_fetch_global_init();
    cf_error_clear(&err);
    if (cf_run_once(cfg, &o, &sum, &err) != CF_OK) {
        char msg[1100];
        cf_error_format(msg, sizeof(msg), &err);
        if (!sum.logged) {
            fprintf(stderr, "ctiflow: error: %s\n", msg);
        }
        rc = CF_EXIT_CONFIG;
    } else {
        rc = cf_run_exit_code(&sum);
    }
    cf_config_free(cfg);
    free(feeds);
    return rc;
}
