/*
 * `ctiflow feeds -c CONFIG [--json]`: every configured feed with its last
 * status from the store: last success, last error, IOCs, next due.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ctiflow/buf.h"
#include "ctiflow/config.h"
#include "ctiflow/run.h"
#include "ctiflow/store.h"

static void feeds_usage(FILE *out)
{
    fprintf(out, "usage: ctiflow feeds -c CONFIG [--json]\n"
                 "List the configured feeds with their last status.\n");
}

static void feeds_time(char *out, size_t n, cf_time t, const char *none)
{
    if (t == CF_TIME_NONE) {
        snprintf(out, n, "%s", none);
    } else {
        cf_time_format_rfc3339(out, n, t);
        /* whole seconds are enough in a table */
        char *dot = strchr(out, '.');
        if (dot) {
            dot[0] = 'Z';
            dot[1] = '\0';
        }
    }
}

static void feeds_json_line(cf_buf *b, const cf_feed_cfg *f, const cf_feed_state *st,
                            const char *succ, const char *due)
{
    cf_buf_puts(b, "{\"feed\":");
    cf_buf_json_quoted(b, f->name);
    cf_buf_printf(b, ",\"enabled\":%s,\"last_success\":", f->enabled ? "true" : "false");
    cf_buf_json_quoted(b, st->last_success == CF_TIME_NONE ? NULL : succ);
    cf_buf_puts(b, ",\"last_error\":");
    cf_buf_json_quoted(b, st->last_error);
    cf_buf_printf(b, ",\"iocs\":%lld,\"active\":%lld,\"rejected\":%lld,\"failures\":%lld,"
                     "\"next_due\":",
                  (long long)st->iocs, (long long)st->active, (long long)st->rejected,
                  (long long)st->failures);
    cf_buf_json_quoted(b, due);
    cf_buf_puts(b, "}\n");
}

int cf_cmd_feeds(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    bool json = false;
    cf_config *cfg;
    cf_store *store = NULL;
    cf_error err;
    cf_time now = cf_time_now();
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:jh", longopts, NULL)) != -1) {
        if (c == 'c') {
            path = optarg;
        } else if (c == 'j') {
            json = true;
        } else if (c == 'h') {
            feeds_usage(stdout);
            return 0;
        } else {
            feeds_usage(stderr);
            return CF_EXIT_USAGE;
        }
    }
    if (!path || optind != argc) {
        feeds_usage(stderr);
        return CF_EXIT_USAGE;
    }
    cfg = cf_cli_load_config(path);
    if (!cfg) {
        return CF_EXIT_CONFIG;
    }
    cf_error_clear(&err);
    if (cf_run_open_store(cfg, &store, &err) != CF_OK) {
        char msg[1100];
        cf_error_format(msg, sizeof(msg), &err);
        fprintf(stderr, "ctiflow: error: %s\n", msg);
        cf_config_free(cfg);
        return CF_EXIT_CONFIG;
    }
    if (!json) {
        printf("%-24s %-20s %-8s %-20s %s\n", "FEED", "LAST SUCCESS", "IOCS", "NEXT DUE",
               "LAST ERROR");
    }
    for (size_t i = 0; i < cfg->n_feeds; i++) {
        const cf_feed_cfg *f = &cfg->feeds[i];
        cf_feed_state st;
        char succ[40], due[40];
        cf_time next;

        if (cf_store_feed_get(store, f->name, &st, &err) != CF_OK) {
            continue;
        }
        next = cf_run_next_due(f, &st);
        feeds_time(succ, sizeof(succ), st.last_success, "never");
        if (!f->enabled) {
            snprintf(due, sizeof(due), "disabled");
        } else {
            feeds_time(due, sizeof(due), next == CF_TIME_NONE || next < now ? now : next, "now");
        }
        if (json) {
            cf_buf b = CF_BUF_INIT;
            feeds_json_line(&b, f, &st, succ, due);
            fputs(cf_buf_str(&b), stdout);
            cf_buf_free(&b);
        } else {
            printf("%-24s %-20s %-8lld %-20s %s\n", f->name, succ, (long long)st.active, due,
                   st.last_error ? st.last_error : "-");
        }
        cf_feed_state_fini(&st);
    }
    cf_store_close(store);
    cf_config_free(cfg);
    return 0;
}
