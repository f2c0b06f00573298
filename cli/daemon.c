/*
 * `ctiflow daemon -c CONFIG`: keep running each feed on its interval.
 *
 * DESIGN
 * A loop around cf_run_once(): each round runs the feeds that are due (the
 * driver compares the store's last attempt with the interval), then sleeps
 * until the earliest next due time plus a random jitter of up to a tenth of
 * that feed's interval (at most a minute), so feeds with equal intervals do
 * not all hit their servers in the same second. Warning lists and the
 * galaxy fetched by URL count too: a round wakes when one is due, and the
 * run driver fetches it. SIGHUP reloads the
 * configuration (a configuration that no longer validates is reported and
 * the old one kept); SIGTERM and SIGINT let the current round finish, then
 * the daemon exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ctiflow/config.h"
#include "ctiflow/fetch.h"
#include "ctiflow/run.h"
#include "ctiflow/sources.h"

#define DAEMON_MAX_SLEEP_MS (60LL * 1000)
#define DAEMON_MAX_JITTER_MS (60LL * 1000)

static volatile sig_atomic_t daemon_stop;
static volatile sig_atomic_t daemon_reload;

static void daemon_on_signal(int sig)
{
    if (sig == SIGHUP) {
        daemon_reload = 1;
    } else {
        daemon_stop = 1;
    }
}

/* best, or less when a warning list or the galaxy fetched by URL is due sooner. */
static int64_t daemon_sources_wait_ms(const cf_config *cfg, cf_time now, int64_t best)
{
    cf_time due = cf_sources_next_due(cfg);
    int64_t wait;

    if (due == CF_TIME_NONE) {
        return best;
    }
    wait = due - now;
    if (wait < best) {
        best = wait < 0 ? 0 : wait;
    }
    return best;
}

/* Milliseconds until the next feed or source is due (plus jitter), capped. */
static int64_t daemon_wait_ms(const cf_config *cfg, unsigned *seed)
{
    cf_store *store = NULL;
    cf_error err;
    cf_time now = cf_time_now();
    int64_t best = DAEMON_MAX_SLEEP_MS;

    cf_error_clear(&err);
    if (cf_run_open_store(cfg, &store, &err) != CF_OK) {
        return best;
    }
    for (size_t i = 0; i < cfg->n_feeds; i++) {
        const cf_feed_cfg *f = &cfg->feeds[i];
        cf_feed_state st;
        cf_time due;
        int64_t jitter_cap = f->interval_ms / 10;
        int64_t wait;

        if (!f->enabled || cf_store_feed_get(store, f->name, &st, &err) != CF_OK) {
            continue;
        }
        due = cf_run_next_due(f, &st);
        cf_feed_state_fini(&st);
        if (jitter_cap > DAEMON_MAX_JITTER_MS) {
            jitter_cap = DAEMON_MAX_JITTER_MS;
        }
        wait = due == CF_TIME_NONE ? 0 : due - now;
        if (jitter_cap > 0) {
            wait += (int64_t)(rand_r(seed) % (unsigned)jitter_cap);
        }
        if (wait < best) {
            best = wait < 0 ? 0 : wait;
        }
    }
    cf_store_close(store);
    return daemon_sources_wait_ms(cfg, now, best);
}

/* Sleep up to ms, waking early on a signal. */
static void daemon_sleep(int64_t ms)
{
    while (ms > 0 && !daemon_stop && !daemon_reload) {
        int64_t step = ms > 200 ? 200 : ms;
        struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

int cf_cmd_daemon(int argc, char **argv)
{
    const char *config = NULL;
    const char **feeds = NULL;
    cf_config *cfg = NULL;
    struct sigaction sa;
    cf_run_opts o;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    int rc;

    cf_run_opts_init(&o);
    rc = cf_cli_run_options(argc, argv, &config, &o, &feeds, false);
    free(feeds);
    o.feeds = NULL;
    if (rc != 0) {
        fprintf(rc < 0 ? stdout : stderr,
                "usage: ctiflow daemon -c CONFIG [--log-format text|json] [--quiet|--verbose]\n"
                "Run every feed on its interval; SIGHUP reloads, SIGTERM stops.\n");
        return rc < 0 ? 0 : rc;
    }
    cfg = cf_cli_load_config(config);
    if (!cfg) {
        return CF_EXIT_CONFIG;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = daemon_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    cf_fetch_global_init();
    cf_run_log(&o, CF_LOG_INFO, "daemon", NULL, "started with %zu feeds", cfg->n_feeds);
    while (!daemon_stop) {
        cf_run_summary sum;
        cf_error err;

        if (daemon_reload) {
            cf_config *fresh = cf_cli_load_config(config);
            daemon_reload = 0;
            if (fresh) {
                cf_config_free(cfg);
                cfg = fresh;
                cf_run_log(&o, CF_LOG_INFO, "daemon", NULL, "configuration reloaded, %zu feeds",
                           cfg->n_feeds);
            } else {
                cf_run_log(&o, CF_LOG_ERROR, "daemon", NULL,
                           "new configuration is invalid, keeping the old one");
            }
        }
        cf_error_clear(&err);
        if (cf_run_once(cfg, &o, &sum, &err) != CF_OK && !sum.logged) {
            char msg[1100];
            cf_error_format(msg, sizeof(msg), &err);
            cf_run_log(&o, CF_LOG_ERROR, "daemon", NULL, "%s", msg);
        }
        if (!daemon_stop) {
            daemon_sleep(daemon_wait_ms(cfg, &seed));
        }
    }
    cf_run_log(&o, CF_LOG_INFO, "daemon", NULL, "stopping");
    cf_config_free(cfg);
    return 0;
}
