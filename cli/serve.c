/*
 * `ctiflow serve -c CONFIG [--listen HOST:PORT] [--threads N] [--reload SECONDS]`:
 * serve the store's IOCs as the TAXII 2.1 collections of the configuration's
 * "taxii:" section until SIGINT or SIGTERM. With --listen HOST:0 the system
 * picks a free port; the "listening" line on stderr names it.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ctiflow/config.h"
#include "ctiflow/taxii.h"

static void serve_usage(FILE *out)
{
    fprintf(out,
            "usage: ctiflow serve -c CONFIG [--listen HOST:PORT] [--threads N]\n"
            "                     [--reload SECONDS]\n"
            "Serve the store as a read-only TAXII 2.1 server (collections from the\n"
            "configuration's 'taxii:' section) until interrupted.\n"
            "exit: 0 stopped by a signal, 1 configuration, store or listen error, 2 usage\n");
}

static pthread_mutex_t serve_log_mu = PTHREAD_MUTEX_INITIALIZER;

static void serve_log(void *ctx, const char *msg)
{
    (void)ctx;
    pthread_mutex_lock(&serve_log_mu);
    fprintf(stderr, "ctiflow: info: serve: %s\n", msg);
    fflush(stderr);
    pthread_mutex_unlock(&serve_log_mu);
}

static int serve_int_arg(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);

    if (end == s || *end || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}

int cf_cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'}, {"reload", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    cf_config *cfg = NULL;
    cf_taxii_server *srv = NULL;
    cf_taxii_opts o;
    cf_error err;
    sigset_t set;
    long v;
    int c, sig = 0;

    cf_taxii_opts_init(&o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:l:h", longopts, NULL)) != -1) {
        if (c == 'c') {
            config = optarg;
        } else if (c == 'l') {
            o.listen = optarg;
        } else if (c == 't' && serve_int_arg(optarg, 1, 64, &v) == 0) {
            o.threads = (int)v;
        } else if (c == 'r' && serve_int_arg(optarg, 1, 86400, &v) == 0) {
            o.reload_ms = v * 1000;
        } else if (c == 'h') {
            serve_usage(stdout);
            return 0;
        } else {
            serve_usage(stderr);
            return 2;
        }
    }
    if (!config || optind != argc) {
        serve_usage(stderr);
        return 2;
    }
    cfg = cf_cli_load_config(config);
    if (!cfg) {
        return 1;
    }
    if (cfg->taxii.n_collections == 0) {
        fprintf(stderr, "ctiflow: error: %s: no 'taxii: collections:' to serve\n", config);
        cf_config_free(cfg);
        return 1;
    }

    /* block the stop signals in every thread; this one waits for them */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    o.log = serve_log;
    cf_error_clear(&err);
    if (cf_taxii_server_start(&srv, cfg, &o, &err) != CF_OK) {
        char msg[1100];
        cf_error_format(msg, sizeof(msg), &err);
        fprintf(stderr, "ctiflow: error: serve: %s\n", msg);
        cf_config_free(cfg);
        return 1;
    }
    for (size_t i = 0; i < cfg->taxii.n_collections; i++) {
        fprintf(stderr, "ctiflow: info: serve: collection '%s': %zu objects\n",
                cfg->taxii.collections[i].id, cf_taxii_server_objects(srv, i));
    }
    fprintf(stderr, "ctiflow: info: serve: listening on port %u\n", cf_taxii_server_port(srv));
    fflush(stderr);
    sigwait(&set, &sig);
    fprintf(stderr, "ctiflow: info: serve: stopping on signal %d\n", sig);
    cf_taxii_server_stop(srv);
    cf_config_free(cfg);
    return 0;
}
