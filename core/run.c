/*
 * The run driver (run.h): due feeds through fetch, parse and store, then
 * every output published.
 *
 * DESIGN
 * Stage threads joined by bounded queues (queue.h). The calling thread
 * fills the job queue with the due feeds; `workers` threads pop a job,
 * fetch the body (fetch.h), decode and parse it with the feed's profile into
 * a per-feed IOC set through the ready-made collector sink, and push the
 * finished job onto the result queue, whose small capacity holds back the
 * workers when the writer is slower (so at most workers + capacity feed
 * sets are in memory). The calling thread is the one store writer: per
 * result it runs one store transaction, writes the feed state, promotes or
 * discards the fetched body, and logs the feed's summary. A failure in one
 * feed is recorded in its state and never stops the others. Before the
 * store takes a set, the set also goes through a small queue to the
 * correlation thread, which loads it into the correlation database (a file
 * of its own) while the store ingests it, so the two SQLite loads run on
 * two cores; the correlation thread commits only once the store kept the
 * set (it waits for the store's verdict and rolls back when the store
 * failed), and whichever of the two finishes last frees the set. The
 * writer goes on with the next feed and then publishing; the run waits for
 * the correlation thread before it ends. The store's WAL is checkpointed on a thread of its own
 * while publishing (cf_store_checkpoint_async), not at every feed's commit.
 * Before the first feed, the feeds the store knows and the configuration no
 * longer has are retired (run_retire): their IOCs stop being listed by
 * them, and the correlation database forgets them before its thread starts.
 * Warning lists (config "warninglists") and the galaxy are loaded once
 * before the workers start, the http(s) ones fetched first when due
 * (sources.h); each worker labels its feed's set with the lists it matches, so the
 * store keeps the labels, and every directory output matches again against
 * the current lists when it publishes and withholds what its policy says.
 */
#include "ctiflow/run.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"
#include "ctiflow/correlate.h"
#include "ctiflow/fetch.h"
#include "ctiflow/input.h"
#include "ctiflow/outbox.h"
#include "ctiflow/iocset.h"
#include "ctiflow/profile.h"
#include "ctiflow/queue.h"
#include "ctiflow/reader.h"
#include "ctiflow/sources.h"

#define RUN_RESULT_QUEUE 2
/* Stored sets waiting for the correlation thread. */
#define RUN_CORR_QUEUE 2
#define RUN_STORE_FILE "ctiflow.db"

/* One feed on its way through the stages. */
typedef struct run_job {
    const cf_feed_cfg *feed;
    cf_feed_state state;    /* as read before the run; validators for the fetch */
    cf_fetch_req req;
    cf_fetch_result fetched;
    cf_iocset *set;         /* NULL when unchanged or failed */
    const cf_ioc **order;   /* set in the store's key order, sorted by the worker, or NULL */
    cf_status st;
    cf_error err;
    const char *stage;      /* where it failed */
    cf_log_level level;     /* of the failure's log line: error, or warning when data is kept */
    double parse_seconds;
    cf_buf definition;      /* the feed settings its body is read with (run_definition) */
    uint64_t lost;          /* parts of the body that could not be read (CF_DIAG_ERROR) */
    char lost_reason[160];  /* the first of them */
    const char *state_dir;
    cf_buf rejects_path;    /* state_dir/rejects/<feed>.jsonl once a parse reported */
    FILE *rejects;          /* its temporary file while the parse runs, or NULL */
    uint64_t diags;         /* diagnostics of the parse; the first CF_MAX_RUN_REJECTS kept */
    char first_diag[160];   /* the first of them: "line N: reason" */
    cf_buf line;
    bool shared;            /* set went to the correlation thread too (set_users counts) */
    atomic_int set_users;   /* threads not yet done with a shared set */
    int stored;             /* RUN_STORE_*: the store's verdict on a shared set */
} run_job;

/* What the correlation thread waits for before it commits a shared set. */
enum { RUN_STORE_PENDING, RUN_STORE_KEPT, RUN_STORE_FAILED };
static pthread_mutex_t run_stored_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t run_stored_cv = PTHREAD_COND_INITIALIZER;

typedef struct run_ctx {
    const cf_config *cfg;
    const cf_run_opts *opts;
    cf_queue *jobs;
    cf_queue *results;
} run_ctx;

static pthread_mutex_t run_log_mu = PTHREAD_MUTEX_INITIALIZER;

/*
 * The correlation database of the run in progress (state_dir/correlation.db),
 * fed on a thread of its own (run_corr_main) with each feed's set once the
 * store has taken it. NULL when it could not be opened: correlation is then
 * skipped with a warning, and the run goes on.
 */
static cf_corr *run_corr;

/*
 * The correlation thread of the run in progress: it pops jobs the store
 * writer is done with, loads their sets into run_corr and frees them. The
 * queue is small, so a slow correlation load holds back the store writer
 * instead of piling up sets. corr_q is NULL when no thread runs (the writer
 * then loads each set itself).
 */
static cf_queue *run_corr_q;
static pthread_t run_corr_thread;

/* The warning lists of the run in progress (read-only once loaded), or NULL. */
static cf_wlset *run_wl;

/* The threat-actor clusters of config "galaxy", for the writers, or NULL. */
static cf_galaxy *run_gal;

void cf_run_opts_init(cf_run_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->log_level = CF_LOG_INFO;
}

static const char *const run_level_names[] = {"error", "warning", "info", "debug"};

static double run_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cf_run_log(const cf_run_opts *o, cf_log_level level, const char *stage, const char *feed,
                const char *fmt, ...)
{
    FILE *out = o && o->log ? o->log : stderr;
    char msg[1024];
    va_list ap;

    if (o && level > o->log_level) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&run_log_mu);
    if (o && o->log_format == CF_LOG_JSON) {
        cf_buf line = CF_BUF_INIT;
        char ts[40];
        cf_time_format_rfc3339(ts, sizeof(ts), cf_time_now());
        cf_buf_printf(&line, "{\"time\":\"%s\",\"level\":\"%s\",\"stage\":", ts,
                      run_level_names[level]);
        cf_buf_json_quoted(&line, stage);
        cf_buf_puts(&line, ",\"feed\":");
        cf_buf_json_quoted(&line, feed);
        cf_buf_puts(&line, ",\"msg\":");
        cf_buf_json_quoted(&line, msg);
        cf_buf_puts(&line, "}\n");
        fputs(cf_buf_str(&line), out);
        cf_buf_free(&line);
    } else if (feed) {
        fprintf(out, "ctiflow: %s: feed '%s': %s\n", run_level_names[level], feed, msg);
    } else {
        fprintf(out, "ctiflow: %s: %s\n", run_level_names[level], msg);
    }
    fflush(out);
    pthread_mutex_unlock(&run_log_mu);
}

static cf_status run_mkdirs(const char *path, cf_error *err)
{
    char tmp[4096];
    size_t n = strlen(path);

    if (n >= sizeof(tmp)) {
        return cf_error_set(err, CF_ELIMIT, path, 0, "path too long");
    }
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
    /* The state, cache and outbox directories are private to the user. */
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
        return cf_error_set(err, CF_EIO, path, 0, "cannot create directory: %s", strerror(errno));
    }
    if (chmod(tmp, 0700) != 0) {
        return cf_error_set(err, CF_EIO, path, 0, "cannot make directory private: %s",
                            strerror(errno));
    }
    return CF_OK;
}

cf_status cf_run_open_store(const cf_config *cfg, cf_store **out, cf_error *err)
{
    cf_buf path = CF_BUF_INIT;
    cf_status st = run_mkdirs(cfg->state_dir, err);

    if (st == CF_OK) {
        st = cf_buf_printf(&path, "%s/%s", cfg->state_dir, RUN_STORE_FILE);
    }
    if (st == CF_OK) {
        st = cf_store_open(out, path.data, err);
    }
    cf_buf_free(&path);
    return st;
}

cf_time cf_run_next_due(const cf_feed_cfg *feed, const cf_feed_state *st)
{
    if (st->last_attempt == CF_TIME_NONE) {
        return CF_TIME_NONE;
    }
    return st->last_attempt + feed->interval_ms;
}

/*
 * A feed's diagnostics of its last parse go to state_dir/rejects/<feed>.jsonl,
 * one JSON line each as `convert --rejects` writes them: written to a
 * temporary name during the parse and renamed over the last one when it
 * ends, so the file always describes one whole parse.
 */
static void run_reject_line(run_job *job, const cf_diag *d)
{
    if (!job->rejects) {
        cf_buf dir = CF_BUF_INIT;
        cf_error err;
        cf_buf_printf(&dir, "%s/rejects", job->state_dir);
        if (dir.data && run_mkdirs(dir.data, &err) == CF_OK) {
            cf_buf_reset(&job->rejects_path);
            cf_buf_printf(&job->rejects_path, "%s/%s.jsonl", dir.data, job->feed->name);
            cf_buf_reset(&job->line);
            cf_buf_printf(&job->line, "%s.tmp.%ld", cf_buf_str(&job->rejects_path),
                          (long)getpid());
            job->rejects = job->line.data ? fopen(job->line.data, "w") : NULL;
        }
        cf_buf_free(&dir);
        if (!job->rejects) {
            job->diags = CF_MAX_RUN_REJECTS; /* no file: count the rest only */
            return;
        }
    }
    cf_buf_reset(&job->line);
    if (cf_diag_json(&job->line, d) == CF_OK) {
        fwrite(job->line.data, 1, job->line.len, job->rejects);
    }
}

/* "feed 'x': 3 rejected or reported records listed in state/rejects/x.jsonl" */
static void run_log_rejects(const cf_run_opts *o, const run_job *job)
{
    if (job->diags == 0 || !job->rejects_path.len) {
        return;
    }
    cf_run_log(o, CF_LOG_INFO, "parse", job->feed->name,
               "%llu rejected or reported records listed in %s%s",
               (unsigned long long)job->diags, cf_buf_str(&job->rejects_path),
               job->diags > CF_MAX_RUN_REJECTS ? " (the first 10000)" : "");
}

/* The parse ended: its rejects file replaces the last one, or the last one goes. */
static void run_rejects_done(run_job *job)
{
    cf_buf tmp = CF_BUF_INIT;

    cf_buf_printf(&tmp, "%s.tmp.%ld", cf_buf_str(&job->rejects_path), (long)getpid());
    if (job->rejects) {
        bool ok = fclose(job->rejects) == 0;
        job->rejects = NULL;
        if (!ok || rename(cf_buf_str(&tmp), cf_buf_str(&job->rejects_path)) != 0) {
            unlink(cf_buf_str(&tmp));
        }
    } else {
        cf_buf_reset(&job->rejects_path);
        cf_buf_printf(&job->rejects_path, "%s/rejects/%s.jsonl", job->state_dir,
                      job->feed->name);
        unlink(cf_buf_str(&job->rejects_path));
        cf_buf_reset(&job->rejects_path);
    }
    cf_buf_free(&tmp);
}

/*
 * Diagnostics of a feed's parse: the records rejected are counted by the
 * collector; a part of the body lost whole (a MISP feed's event file that
 * is missing or corrupt, attributes past a limit) makes the read
 * incomplete, so the store expires nothing of the feed as gone.
 */
static void run_diag(void *ctx, const cf_diag *d)
{
    run_job *job = ctx;

    if (job->diags == 0) {
        if (d->line) {
            snprintf(job->first_diag, sizeof job->first_diag, "line %llu: %s",
                     (unsigned long long)d->line, d->reason ? d->reason : "rejected");
        } else {
            snprintf(job->first_diag, sizeof job->first_diag, "%s%s%s", d->ref ? d->ref : "",
                     d->ref ? ": " : "", d->reason ? d->reason : "rejected");
        }
    }
    if (job->diags++ < CF_MAX_RUN_REJECTS) {
        run_reject_line(job, d);
    }
    if (d->level != CF_DIAG_ERROR) {
        return;
    }
    if (job->lost++ == 0) {
        snprintf(job->lost_reason, sizeof job->lost_reason, "%s%s%s", d->ref ? d->ref : "",
                 d->ref ? ": " : "", d->reason ? d->reason : "unreadable");
    }
}

/* Parse the fetched body of job into a new IOC set. */
static cf_status run_parse(run_job *job)
{
    const cf_feed_cfg *f = job->feed;
    const cf_profile *profile = f->profile ? cf_profile_find(f->profile) : NULL;
    const char *actor = f->actor;
    cf_read_opts ro;
    cf_collector col;
    cf_sink sink;
    cf_input *in = NULL;
    cf_format fmt = f->format;
    cf_status st;
    double t0 = run_clock();

    job->set = cf_iocset_new();
    if (!job->set) {
        return cf_error_set(&job->err, CF_ENOMEM, f->name, 0, "out of memory");
    }
    cf_read_opts_init(&ro);
    ro.feed = f->name;
    ro.profile = profile;
    ro.value_type = f->value_type;
    ro.tlp = f->tlp;
    ro.confidence = f->confidence;
    ro.labels = (const char *const *)f->labels;
    ro.n_labels = f->n_labels;
    ro.actor = actor;
    if (fmt == CF_FMT_UNKNOWN && profile) {
        fmt = profile->format;
    }
    cf_collector_init(&col, job->set, run_diag, job);
    sink = cf_collector_sink(&col);
    /*
     * Merging into the set on a second thread while this one reads and
     * normalises; with warning lists, each IOC is matched and labelled on
     * its way into the set (a screen without a policy withholds nothing),
     * not in a pass over the set afterwards.
     */
    cf_wl_screen *screen = NULL;
    cf_merge_screen msc = {0};
    if (run_wl) {
        st = cf_wl_screen_new(&screen, run_wl, NULL, &col);
        if (st != CF_OK) {
            cf_collector_fini(&col);
            return cf_error_set(&job->err, st, f->name, 0, "out of memory");
        }
        msc = cf_wl_screen_merging(screen);
        sink = cf_wl_screen_sink(screen);
    }
    cf_merger *merger = NULL;
    if (cf_merger_start_screened(&merger, &col, screen ? &msc : NULL) == CF_OK) {
        sink = cf_merger_sink(merger);
    }
    if (f->misp_feed_dir) {
        ro.base_dir = job->fetched.path;
        st = cf_read_misp_feed_dir(job->fetched.path, &ro, &sink, &job->err);
    } else {
        st = cf_input_open_file(&in, job->fetched.path, &job->err);
        if (st == CF_OK) {
            st = cf_read_any(in, fmt, &ro, &sink, &job->err);
        }
        cf_input_close(in);
    }
    cf_status mst = cf_merger_finish(merger);
    if (st == CF_OK && mst != CF_OK) {
        st = cf_error_set(&job->err, mst, f->name, 0, "%s", cf_status_str(mst));
    }
    cf_wl_screen_free(screen);
    cf_collector_fini(&col);
    run_rejects_done(job);
    job->parse_seconds = run_clock() - t0;
    if (st == CF_OK && cf_iocset_count(job->set) == 0 &&
        cf_iocset_stats_of(job->set)->rejected > 0) {
        st = cf_error_set(&job->err, CF_EMALFORMED, f->name, 0,
                          "no valid IOC in the body (%llu records rejected; first: %s)",
                          (unsigned long long)cf_iocset_stats_of(job->set)->rejected,
                          job->first_diag[0] ? job->first_diag : "no reason given");
    }

    /* an empty body is how many upstream failures look: it expires nothing unless allowed */
    if (st == CF_OK && cf_iocset_count(job->set) == 0 && job->state.iocs > 0 &&
        !f->allow_empty) {
        job->level = CF_LOG_WARNING;
        st = cf_error_set(&job->err, CF_EMALFORMED, f->name, 0,
                          "no indicators in the new data; keeping the %lld IOCs of the last "
                          "good fetch (set allow_empty if the feed may be empty)",
                          (long long)job->state.iocs);
    }
    return st;
}

/*
 * The settings of a feed that shape what its body yields, one per line: a
 * change of any of them (a new TLP, profile or actor in the feed file) makes
 * the next run fetch and read the body in full instead of taking a 304.
 */
static void run_definition(cf_buf *b, const cf_feed_cfg *f)
{
    cf_buf_reset(b);
    cf_buf_printf(b, "url %s\nformat %s%s\nprofile %s\ntype %s\ntlp %s\nconfidence %d\n",
                  f->url ? f->url : "", cf_format_name(f->format),
                  f->misp_feed_dir ? " feed" : "", f->profile ? f->profile : "",
                  cf_ioc_type_name(f->value_type), cf_tlp_name(f->tlp), f->confidence);
    cf_buf_printf(b, "actor %s\n", f->actor ? f->actor : "");
    for (size_t i = 0; i < f->n_labels; i++) {
        cf_buf_printf(b, "label %s\n", f->labels[i]);
    }
}

static void run_work(run_ctx *c, run_job *job)
{
    cf_error_clear(&job->err);
    run_definition(&job->definition, job->feed);
    job->req.definition = job->definition.data;
    job->req.feed = job->feed;
    job->req.cache_dir = c->cfg->cache_dir;
    job->state_dir = c->cfg->state_dir;
    job->req.etag = job->state.etag;
    job->req.last_modified = job->state.last_modified;
    job->req.force = c->opts->force;
    job->req.offline = c->opts->offline;
    job->stage = "fetch";
    job->st = cf_fetch(&job->req, &job->fetched, &job->err);
    if (job->st != CF_OK || !job->fetched.changed) {
        return;
    }
    job->stage = "parse";
    job->st = run_parse(job);

    /*
     * Sorted for the store here, on the worker, beside the other feeds'
     * work: the main thread's stores are one after another. Without memory
     * for it the store sorts the set itself.
     */
    if (job->st == CF_OK && job->set) {
        cf_store_key_order(&job->order, job->set);
    }
}

static void *run_worker(void *arg)
{
    run_ctx *c = arg;
    void *item;

    while (cf_queue_pop(c->jobs, &item)) {
        run_job *job = item;
        run_work(c, job);
        if (!cf_queue_push(c->results, job)) {
            break;
        }
    }
    return NULL;
}

static bool run_wanted(const cf_run_opts *o, const char *name)
{
    for (size_t i = 0; i < o->n_feeds; i++) {
        if (!strcmp(o->feeds[i], name)) {
            return true;
        }
    }
    return false;
}

/*
 * Record a failed feed: state keeps its validators and counts, gets the error;
 * logged at job->level.
 */
static void run_failed(cf_store *store, const cf_run_opts *o, run_job *job, cf_time now,
                       cf_run_summary *sum)
{
    char msg[1100], where[160] = "";
    cf_error serr;

    /* the position in the body, as convert gives it */
    if (job->err.line) {
        snprintf(where, sizeof where, "line %llu: ", (unsigned long long)job->err.line);
    } else if (job->err.ref[0]) {
        snprintf(where, sizeof where, "%.140s: ", job->err.ref);
    }
    snprintf(msg, sizeof(msg), "%s: %s%s", job->stage, where,
             job->err.msg[0] ? job->err.msg : cf_status_str(job->st));
    sum->failed++;
    cf_run_log(o, job->level, job->stage, job->feed->name, "%s", msg);
    run_log_rejects(o, job);
    free(job->state.last_error);
    job->state.last_error = cf_strdup(msg);
    job->state.last_attempt = now;
    job->state.failures++;
    cf_error_clear(&serr);
    cf_store_feed_put(store, &job->state, &serr);
    cf_fetch_discard(&job->req, &job->fetched);
}

/* The correlation gate of a shared set: waits for the store's verdict, true when it kept it. */
static bool run_store_kept(void *ctx)
{
    run_job *job = ctx;
    bool kept;

    pthread_mutex_lock(&run_stored_mu);
    while (job->stored == RUN_STORE_PENDING) {
        pthread_cond_wait(&run_stored_cv, &run_stored_mu);
    }
    kept = job->stored == RUN_STORE_KEPT;
    pthread_mutex_unlock(&run_stored_mu);
    return kept;
}

/* The store's verdict on a shared set, for the correlation thread. */
static void run_store_verdict(run_job *job, bool kept)
{
    pthread_mutex_lock(&run_stored_mu);
    job->stored = kept ? RUN_STORE_KEPT : RUN_STORE_FAILED;
    pthread_cond_broadcast(&run_stored_cv);
    pthread_mutex_unlock(&run_stored_mu);
}

/* One thread done with a shared set: the last one frees it. */
static void run_set_release(run_job *job)
{
    if (atomic_fetch_sub_explicit(&job->set_users, 1, memory_order_acq_rel) == 1) {
        cf_iocset_free(job->set);
        job->set = NULL;
    }
}

/*
 * Load the set of job into the correlation database: a shared set is
 * committed once the store kept it, any other was stored already.
 */
static void run_correlate(const cf_run_opts *o, run_job *job, cf_time now)
{
    cf_error cerr;

    cf_error_clear(&cerr);
    if (cf_corr_ingest_gated(run_corr, job->feed->name, job->feed->actor, job->set, now,
                             job->shared ? run_store_kept : NULL, job, &cerr) != CF_OK) {
        cf_run_log(o, CF_LOG_WARNING, "correlate", job->feed->name, "correlation skipped: %s",
                   cerr.msg[0] ? cerr.msg : cf_status_str(cerr.status));
    }
}

/* What the correlation thread needs besides its queue. */
typedef struct run_corr_ctx {
    const cf_run_opts *o;
    cf_time now;
} run_corr_ctx;

static run_corr_ctx run_corr_args;

/* The correlation thread: every job popped is loaded, then its set released. */
static void *run_corr_main(void *arg)
{
    const run_corr_ctx *c = arg;
    void *item;

    while (cf_queue_pop(run_corr_q, &item)) {
        run_job *job = item;
        run_correlate(c->o, job, c->now);
        run_set_release(job);
    }
    return NULL;
}

/*
 * Start the correlation thread when the database is open. Without a thread
 * (none could be started) the store writer loads each set itself.
 */
static void run_corr_start(const cf_run_opts *o, cf_time now)
{
    if (!run_corr) {
        return;
    }
    run_corr_args.o = o;
    run_corr_args.now = now;
    run_corr_q = cf_queue_new(RUN_CORR_QUEUE);
    if (run_corr_q && pthread_create(&run_corr_thread, NULL, run_corr_main, &run_corr_args) != 0) {
        cf_queue_free(run_corr_q);
        run_corr_q = NULL;
    }
}

/* No more sets: the thread drains its queue and ends; then the database is closed. */
static void run_corr_finish(void)
{
    if (run_corr_q) {
        cf_queue_close(run_corr_q);
        pthread_join(run_corr_thread, NULL);
        cf_queue_free(run_corr_q);
        run_corr_q = NULL;
    }
    cf_corr_close(run_corr);
    run_corr = NULL;
}

/*
 * Give the set of job, about to be stored, to the correlation thread as
 * well: from then on both read it, neither changes it, and each releases
 * it (run_set_release). False when no thread runs.
 */
static bool run_corr_share(run_job *job)
{
    if (!run_corr_q) {
        return false;
    }
    job->shared = true;
    job->stored = RUN_STORE_PENDING;
    atomic_init(&job->set_users, 2);
    if (!cf_queue_push(run_corr_q, job)) {
        job->shared = false;
    }
    return job->shared;
}

/*
 * Done storing the set of job (kept says whether the store kept it): a
 * shared set gets the verdict and is released; any other set the store
 * kept is loaded here (no correlation thread runs) and freed. Either way
 * job->set is no longer the caller's.
 */
static void run_corr_handoff(const cf_run_opts *o, run_job *job, cf_time now, bool kept)
{
    if (job->shared) {
        run_store_verdict(job, kept);
        run_set_release(job);
        return;
    }
    if (run_corr && kept) {
        run_correlate(o, job, now);
    }
    cf_iocset_free(job->set);
    job->set = NULL;
}

static cf_status run_store_job(cf_store *store, const cf_run_opts *o, run_job *job, int64_t run,
                               cf_time now, cf_run_summary *sum, cf_error *err)
{
    const cf_feed_cfg *f = job->feed;
    cf_store_ingest_opts io = {f->name, run, now, f->expiry, f->expiry_days, job->order};
    if (job->set && job->lost > 0 && io.expiry == CF_EXPIRY_GONE) {
        io.expiry = CF_EXPIRY_NEVER;
        cf_run_log(o, CF_LOG_WARNING, "parse", f->name,
                   "%llu part(s) of the data could not be read (first: %s); "
                   "nothing expires as gone in this run",
                   (unsigned long long)job->lost, job->lost_reason);
    }
    cf_store_counts counts = {0};
    cf_iocset_stats *stats = job->set ? cf_iocset_stats_of(job->set) : NULL;
    cf_status st;

    if (job->st != CF_OK) {
        run_failed(store, o, job, now, sum);
        return CF_OK;
    }
    if (job->set) {
        run_corr_share(job);
        st = cf_store_ingest(store, &io, job->set, &counts, err);
        free(job->order);
        job->order = NULL;
        if (st == CF_OK) {
            st = cf_fetch_commit(&job->req, &job->fetched, &job->err);
        }
        if (st != CF_OK) {
            job->st = st;
            job->stage = "store";
            if (!job->err.msg[0]) {
                job->err = *err;
            }
            run_failed(store, o, job, now, sum);
            run_corr_handoff(o, job, now, false);
            return CF_OK;
        }
        sum->ok++;
        job->state.iocs = (int64_t)cf_iocset_count(job->set);
        job->state.rejected = (int64_t)stats->rejected;
        job->state.last_change = now;
        sum->iocs += cf_iocset_count(job->set);
        sum->rejected += stats->rejected;
        free(job->state.etag);
        free(job->state.last_modified);
        job->state.etag = job->fetched.etag ? cf_strdup(job->fetched.etag) : NULL;
        job->state.last_modified =
            job->fetched.last_modified ? cf_strdup(job->fetched.last_modified) : NULL;
        cf_run_log(o, CF_LOG_INFO, "store", f->name,
                   "%zu iocs, %llu rejected, %llu new, %llu modified, %llu expired, %.2fs",
                   cf_iocset_count(job->set), (unsigned long long)stats->rejected,
                   (unsigned long long)counts.created, (unsigned long long)counts.modified,
                   (unsigned long long)counts.expired, job->fetched.seconds + job->parse_seconds);
        run_log_rejects(o, job);
        if (job->fetched.unseen > 0) {
            cf_run_log(o, CF_LOG_WARNING, "fetch", f->name,
                       "%zu event(s) could not be fetched whole (first: %s); the cached copy "
                       "is kept and asked for again on the next run",
                       job->fetched.unseen, job->fetched.unseen_ref);
        }
        run_corr_handoff(o, job, now, true);
    } else {
        sum->unchanged++;
        st = cf_store_expire_days(store, &io, &counts, err);
        if (st != CF_OK) {
            return st;
        }
        cf_run_log(o, CF_LOG_INFO, "fetch", f->name, "not modified%s, %.2fs",
                   job->fetched.http_status == 304 ? " (304)" : "", job->fetched.seconds);
    }
    sum->created += counts.created;
    sum->modified += counts.modified;
    sum->expired += counts.expired;
    free(job->state.last_error);
    job->state.last_error = NULL;
    job->state.last_attempt = now;
    job->state.last_success = now;
    job->state.failures = 0;
    return cf_store_feed_put(store, &job->state, err);
}

static void run_job_free(run_job *job)
{
    if (!job) {
        return;
    }
    cf_feed_state_fini(&job->state);
    cf_fetch_result_fini(&job->fetched);
    free(job->order);
    cf_iocset_free(job->set);
    cf_buf_free(&job->definition);
    cf_buf_free(&job->rejects_path);
    cf_buf_free(&job->line);
    if (job->rejects) {
        fclose(job->rejects);
    }
    free(job);
}

/* The due feeds of this run, with their state. */
static cf_status run_select(const cf_config *cfg, const cf_run_opts *o, cf_store *store,
                            cf_time now, run_job ***out, size_t *n_out, cf_error *err)
{
    run_job **jobs = calloc(cfg->n_feeds + 1, sizeof(*jobs));
    size_t n = 0;

    if (!jobs) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0; i < cfg->n_feeds; i++) {
        const cf_feed_cfg *f = &cfg->feeds[i];
        run_job *job;
        cf_time due;

        if (o->n_feeds ? !run_wanted(o, f->name) : !f->enabled) {
            continue;
        }
        job = calloc(1, sizeof(*job));
        if (!job || cf_store_feed_get(store, f->name, &job->state, err) != CF_OK) {
            run_job_free(job);
            continue;
        }
        job->feed = f;
        due = cf_run_next_due(f, &job->state);
        if (!o->n_feeds && !o->force && !o->offline && due != CF_TIME_NONE && due > now) {
            cf_run_log(o, CF_LOG_DEBUG, "schedule", f->name, "not due");
            run_job_free(job);
            continue;
        }
        jobs[n++] = job;
    }
    *out = jobs;
    *n_out = n;
    return CF_OK;
}

/* The feeds cf_store_retire took out in this run: logged, and their names kept. */
typedef struct run_retired {
    const cf_run_opts *o;
    cf_buf names; /* each name followed by a NUL */
    bool oom;
} run_retired;

static void run_retired_one(void *ctx, const char *feed, int64_t listed)
{
    run_retired *r = ctx;

    cf_run_log(r->o, CF_LOG_INFO, "store", NULL,
               "feed '%s' is no longer configured: %lld IOCs no longer listed by it", feed,
               (long long)listed);
    if (cf_buf_append(&r->names, feed, strlen(feed) + 1) != CF_OK) {
        r->oom = true;
    }
}

/*
 * Feeds the store knows that the configuration no longer has (a disabled
 * feed is still configured): their IOCs stop being listed by them, those no
 * other feed lists expire and go into this run's delta as revoked, and the
 * correlation database forgets them (before its thread starts).
 */
static cf_status run_retire(const cf_config *cfg, const cf_run_opts *o, cf_store *store,
                            int64_t run, cf_time now, cf_run_summary *sum, cf_error *err)
{
    const char **names = calloc(cfg->n_feeds + 1, sizeof(*names));
    run_retired r = {o, CF_BUF_INIT, false};
    cf_store_counts counts = {0};
    cf_status st;

    if (!names) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0; i < cfg->n_feeds; i++) {
        names[i] = cfg->feeds[i].name;
    }
    st = cf_store_retire(store, names, cfg->n_feeds, run, now, run_retired_one, &r, &counts, err);
    free(names);
    sum->modified += counts.modified;
    sum->expired += counts.expired;
    for (size_t at = 0; st == CF_OK && run_corr && at < r.names.len;) {
        const char *feed = r.names.data + at;
        cf_error cerr;
        cf_error_clear(&cerr);
        if (cf_corr_drop_feed(run_corr, feed, &cerr) != CF_OK) {
            cf_run_log(o, CF_LOG_WARNING, "correlate", feed, "not dropped: %s",
                       cerr.msg[0] ? cerr.msg : cf_status_str(cerr.status));
        }
        at += strlen(feed) + 1;
    }
    if (st == CF_OK && r.oom) {
        cf_run_log(o, CF_LOG_WARNING, "correlate", NULL,
                   "out of memory: removed feeds stay in the correlation database");
    }
    cf_buf_free(&r.names);
    return st;
}

static void run_progress(const cf_run_opts *o, size_t done, size_t total)
{
    if (!o->progress || o->log_format == CF_LOG_JSON) {
        return;
    }
    pthread_mutex_lock(&run_log_mu);
    fprintf(o->log ? o->log : stderr, "\r\033[Kctiflow: %zu/%zu feeds%s", done, total,
            done == total ? "\n" : "");
    fflush(o->log ? o->log : stderr);
    pthread_mutex_unlock(&run_log_mu);
}

/* Fetch and parse on workers; store on this thread. */
static cf_status run_feeds(const cf_config *cfg, const cf_run_opts *o, cf_store *store,
                           run_job **jobs, size_t n, int64_t run, cf_time now,
                           cf_run_summary *sum, cf_error *err)
{
    run_ctx c = {cfg, o, NULL, NULL};
    pthread_t threads[64];
    size_t n_threads = 0;
    size_t want = (size_t)(cfg->workers > 0 ? cfg->workers : 1);
    cf_status st = CF_OK;
    void *item;

    c.jobs = cf_queue_new(n ? n : 1);
    c.results = cf_queue_new(RUN_RESULT_QUEUE);
    if (!c.jobs || !c.results) {
        st = cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        cf_queue_push(c.jobs, jobs[i]);
    }
    cf_queue_close(c.jobs);
    if (want > n) {
        want = n;
    }
    for (size_t i = 0; i < want && i < 64; i++) {
        if (pthread_create(&threads[n_threads], NULL, run_worker, &c) == 0) {
            n_threads++;
        }
    }
    if (n && !n_threads) {
        st = cf_error_set(err, CF_ENOMEM, NULL, 0, "cannot start worker threads");
        goto out;
    }
    for (size_t done = 0; done < n && cf_queue_pop(c.results, &item); done++) {
        run_job *job = item;
        cf_status sst = run_store_job(store, o, job, run, now, sum, err);
        if (sst != CF_OK && st == CF_OK) {
            st = sst;
        }
        /* a set of a failed feed the correlation thread did not take: freed now */
        if (job->st != CF_OK && !job->shared) {
            cf_iocset_free(job->set);
            job->set = NULL;
        }
        run_progress(o, done + 1, n);
    }
    cf_queue_close(c.results);
    for (size_t i = 0; i < n_threads; i++) {
        pthread_join(threads[i], NULL);
    }

out:
    cf_queue_free(c.jobs);
    cf_queue_free(c.results);
    return st;
}

/* An HTTP output (webhook, misp, taxii) through its outbox (outbox.h). */
static cf_status run_publish_http(const cf_config *cfg, const cf_run_opts *o, cf_store *store,
                                  const cf_output_cfg *out, int64_t run, cf_time now,
                                  cf_error *err)
{
    cf_outbox_result r;
    char when[40];
    cf_status st = cf_outbox_publish(store, cfg, out, run, now, &r, err);

    if (st != CF_OK) {
        char msg[1100];
        cf_error_format(msg, sizeof(msg), err);
        cf_run_log(o, CF_LOG_ERROR, "publish", NULL, "output '%s': %s", out->name, msg);
        return st;
    }
    cf_time_format_rfc3339(when, sizeof(when), r.next_attempt);
    if (r.problem[0]) {
        cf_run_log(o, CF_LOG_ERROR, "publish", NULL, "output '%s': %s", out->name, r.problem);
    }
    cf_run_log(o, CF_LOG_INFO, "publish", NULL,
               "output '%s': %llu IOCs queued, %llu withheld above TLP:%s, %llu items delivered, "
               "%llu set aside, %llu pending%s%s",
               out->name, (unsigned long long)r.objects, (unsigned long long)r.withheld,
               cf_tlp_name(out->max_tlp) ? cf_tlp_name(out->max_tlp) : "none",
               (unsigned long long)r.delivered, (unsigned long long)r.rejected,
               (unsigned long long)r.pending, r.pending ? ", next attempt after " : "",
               r.pending ? when : "");
    return CF_OK;
}

/* Where sources.h sends its messages: the run log, under a stage. */
typedef struct run_src_log_ctx {
    const cf_run_opts *o;
    const char *stage;
} run_src_log_ctx;

static void run_src_log(void *ctx, cf_log_level level, const char *msg)
{
    const run_src_log_ctx *c = ctx;
    cf_run_log(c->o, level, c->stage, NULL, "%s", msg);
}

/*
 * Load the configured warning lists into run_wl and the galaxy into run_gal,
 * fetching the http(s) ones that are due; one that can be neither fetched
 * nor found in the cache fails the run before any feed is fetched.
 */
static cf_status run_sources_load(const cf_config *cfg, const cf_run_opts *o, cf_time now,
                                  cf_error *err)
{
    run_src_log_ctx wl_ctx = {o, "warninglist"}, gal_ctx = {o, "galaxy"};
    cf_sources_opts so = {true, o->force, o->offline, now, run_src_log, &wl_ctx};
    const char *stage = wl_ctx.stage;
    cf_status st = cf_sources_warninglists(&run_wl, cfg, &so, err);

    if (st == CF_OK && run_wl) {
        cf_run_log(o, CF_LOG_DEBUG, stage, NULL, "%zu warning lists loaded", cf_wl_count(run_wl));
    }
    if (st == CF_OK) {
        stage = gal_ctx.stage;
        so.log_ctx = &gal_ctx;
        st = cf_sources_galaxy(&run_gal, cfg, &so, err);
    }
    if (st != CF_OK) {
        char msg[1100];
        cf_error_format(msg, sizeof(msg), err);
        cf_run_log(o, CF_LOG_ERROR, stage, NULL, "%s", msg);
    }
    return st;
}

/*
 * The policy of a directory output: its exclude_lists for every file, or by
 * default the never-block set for the text and CSV files. fp gets the
 * fingerprint (list ids and versions, then the exclusions).
 */
static cf_status run_wl_policy(const cf_output_cfg *out, cf_publish_wl *wl, cf_buf *fp,
                               cf_error *err)
{
    const char *const *names = (const char *const *)out->exclude_lists;
    size_t n = out->n_exclude_lists;
    cf_status st;

    wl->lists = run_wl;
    wl->block_only = !out->has_exclude_lists;
    if (wl->block_only) {
        names = cf_wl_default_exclude(true);
        for (n = 0; names && names[n]; n++) {
        }
    }
    for (size_t i = 0; i < cf_wl_count(run_wl); i++) {
        const cf_wl_info *info = cf_wl_info_at(run_wl, i);
        cf_buf_printf(fp, "%s%s@%s", i ? "," : "", info->id, info->version);
    }
    cf_buf_puts(fp, wl->block_only ? ";block:" : ";all:");
    for (size_t i = 0; i < n; i++) {
        cf_buf_printf(fp, "%s%s", i ? "," : "", names[i]);
    }
    /* "default" leaves out the lists of the never-block set that are not loaded */
    if (wl->block_only) {
        static const char *const never_block[] = {"default"};
        names = never_block;
        n = 1;
    }
    st = cf_wl_policy_new(&wl->policy, run_wl, names, n, err);
    wl->fingerprint = cf_buf_str(fp);
    return st;
}

/*
 * Build every directory output's policy once before any feed is fetched, so
 * an exclude_lists name that no loaded list has fails the run up front.
 */
static cf_status run_wl_check(const cf_config *cfg, const cf_run_opts *o, cf_error *err)
{
    cf_status st = CF_OK;

    for (size_t i = 0; !run_wl && st == CF_OK && i < cfg->n_outputs; i++) {
        const char *name = cf_config_unloaded_exclusion(&cfg->outputs[i]);
        if (name) {
            st = cf_error_set(err, CF_ENOTFOUND, NULL, 0,
                              "no warning list named '%s' (no warninglists are configured)", name);
            cf_run_log(o, CF_LOG_ERROR, "publish", NULL, "output '%s': %s",
                       cfg->outputs[i].name, err->msg);
        }
    }
    for (size_t i = 0; run_wl && st == CF_OK && i < cfg->n_outputs; i++) {
        const cf_output_cfg *out = &cfg->outputs[i];
        cf_publish_wl wl = {NULL, NULL, false, NULL, NULL};
        cf_buf fp = CF_BUF_INIT;
        if (strcmp(out->type, "directory") != 0) {
            continue;
        }
        st = run_wl_policy(out, &wl, &fp, err);
        if (st != CF_OK) {
            char msg[1100];
            cf_error_format(msg, sizeof(msg), err);
            cf_run_log(o, CF_LOG_ERROR, "publish", NULL, "output '%s': %s", out->name, msg);
        }
        cf_wl_policy_free(wl.policy);
        cf_buf_free(&fp);
    }
    return st;
}

/* "output 'x': withheld 48 (public-dns-v4 45, rfc1918 3)", largest first. */
static void run_wl_summary(const cf_run_opts *o, const cf_output_cfg *out,
                           const cf_wl_policy *pol)
{
    size_t n = cf_wl_count(run_wl);
    bool *done = calloc(n + 1, sizeof(*done));
    cf_buf line = CF_BUF_INIT;

    cf_buf_printf(&line, "output '%s': withheld %llu", out->name,
                  (unsigned long long)cf_wl_policy_total(pol));
    for (size_t k = 0; done && k < n; k++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++) {
            if (!done[i] && cf_wl_policy_withheld(pol, i) &&
                (best == n || cf_wl_policy_withheld(pol, i) > cf_wl_policy_withheld(pol, best))) {
                best = i;
            }
        }
        if (best == n) {
            break;
        }
        done[best] = true;
        cf_buf_printf(&line, "%s%s %llu", k ? ", " : " (", cf_wl_info_at(run_wl, best)->id,
                      (unsigned long long)cf_wl_policy_withheld(pol, best));
    }
    if (cf_wl_policy_total(pol)) {
        cf_buf_puts(&line, ")");
    }
    cf_run_log(o, CF_LOG_INFO, "publish", NULL, "%s", cf_buf_str(&line));
    cf_buf_free(&line);
    free(done);
}

/*
 * Publish every output. One that fails is logged and the others still
 * publish; the first failure is what the run returns (in err).
 */
static cf_status run_publish(const cf_config *cfg, const cf_run_opts *o, cf_store *store,
                             int64_t run, cf_time now, cf_run_summary *sum, cf_error *err)
{
    cf_status first = CF_OK;

    for (size_t i = 0; i < cfg->n_outputs; i++) {
        const cf_output_cfg *out = &cfg->outputs[i];
        cf_publish_result res;
        double t0 = run_clock();
        cf_error oerr;
        cf_status st;

        cf_error_clear(&oerr);
        memset(&res, 0, sizeof(res));
        if (strcmp(out->type, "directory") != 0) {
            st = run_publish_http(cfg, o, store, out, run, now, &oerr);
            if (st != CF_OK) {
                sum->logged = true;
                if (first == CF_OK) {
                    first = st;
                    *err = oerr;
                }
            }
            continue;
        }
        cf_publish_wl wl = {NULL, NULL, false, NULL, run_gal};
        cf_buf fp = CF_BUF_INIT;
        st = run_wl ? run_wl_policy(out, &wl, &fp, &oerr) : CF_OK;
        if (st == CF_OK) {
            st = cf_publish_dir_wl(store, out, run, now, o->force, &wl, &res, &oerr);
        }
        if (st == CF_OK && run_wl && !res.skipped) {
            run_wl_summary(o, out, wl.policy);
        }
        cf_wl_policy_free(wl.policy);
        cf_buf_free(&fp);
        for (size_t k = 0; k < res.n_removed; k++) {
            cf_run_log(o, CF_LOG_INFO, "publish", NULL,
                       "output '%s': removed '%s': no completed publish recorded it", out->name,
                       res.removed[k]);
        }
        cf_publish_result_free(&res);

        if (st != CF_OK) {
            char msg[1100];
            cf_error_format(msg, sizeof(msg), &oerr);
            cf_run_log(o, CF_LOG_ERROR, "publish", NULL, "output '%s': %s", out->name, msg);
            sum->logged = true;
            if (first == CF_OK) {
                first = st;
                *err = oerr;
            }
            continue;
        }
        sum->published += res.files;
        if (res.skipped) {
            cf_run_log(o, CF_LOG_INFO, "publish", NULL, "output '%s': nothing changed",
                       out->name);
        } else {
            cf_run_log(o, CF_LOG_INFO, "publish", NULL,
                       "output '%s': %d files, %llu in delta (%llu revoked), %llu current, "
                       "%.2fs",
                       out->name, res.files, (unsigned long long)res.delta,
                       (unsigned long long)res.revoked, (unsigned long long)res.current,
                       run_clock() - t0);
        }
    }
    return first;
}

/*
 * Take the run lock (state_dir/run.lock, flock): runs of one configuration
 * never publish into the same directories at once; a second run waits for
 * the first. Returns the descriptor to close, or -1 when it cannot be had.
 */
static int run_lock(const cf_config *cfg)
{
    cf_buf path = CF_BUF_INIT;
    int fd = -1;

    if (cf_buf_printf(&path, "%s/run.lock", cfg->state_dir) == CF_OK) {
        fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    }
    while (fd >= 0 && flock(fd, LOCK_EX) != 0 && errno == EINTR) {
        continue;
    }
    cf_buf_free(&path);
    return fd;
}

cf_status cf_run_once(const cf_config *cfg, const cf_run_opts *o, cf_run_summary *out,
                      cf_error *err)
{
    cf_store *store = NULL;
    run_job **jobs = NULL;
    size_t n = 0;
    cf_time now = cf_time_now();
    double t0 = run_clock();
    cf_run_summary sum;
    int lock_fd = -1;
    cf_status st;

    memset(&sum, 0, sizeof(sum));
    st = cf_run_open_store(cfg, &store, err);
    if (st == CF_OK) {
        /* the feeds' commits are checkpointed while publishing, on another thread */
        st = cf_store_defer_checkpoint(store, err);
    }
    if (st == CF_OK) {
        lock_fd = run_lock(cfg);
        st = run_mkdirs(cfg->cache_dir, err);
    }
    if (st == CF_OK) {
        cf_buf rejects = CF_BUF_INIT;
        if (cf_buf_printf(&rejects, "%s/rejects", cfg->state_dir) == CF_OK) {
            cf_fetch_sweep_tmp(rejects.data);
        }
        cf_buf_free(&rejects);
    }
    if (st == CF_OK) {
        st = run_sources_load(cfg, o, now, err);
        sum.logged = st != CF_OK;
    }
    if (st == CF_OK) {
        st = run_wl_check(cfg, o, err);
        sum.logged = st != CF_OK;
    }
    if (st == CF_OK) {
        st = run_select(cfg, o, store, now, &jobs, &n, err);
    }
    if (st == CF_OK) {
        cf_buf cpath = CF_BUF_INIT;
        cf_error cerr;
        cf_error_clear(&cerr);
        if (cf_buf_printf(&cpath, "%s/correlation.db", cfg->state_dir) != CF_OK ||
            cf_corr_open(&run_corr, cpath.data, &cerr) != CF_OK) {
            run_corr = NULL;
            cf_run_log(o, CF_LOG_WARNING, "correlate", NULL, "correlation disabled: %s",
                       cerr.msg[0] ? cerr.msg : "out of memory");
        }
        cf_buf_free(&cpath);
        st = cf_store_run_begin(store, now, &sum.run, err);
    }
    if (st == CF_OK) {
        st = run_retire(cfg, o, store, sum.run, now, &sum, err);
        run_corr_start(o, now);
    }
    if (st == CF_OK) {
        sum.due = (int)n;
        st = run_feeds(cfg, o, store, jobs, n, sum.run, now, &sum, err);
    }
    /* publishing does not use the correlation database: its load goes on meanwhile */
    /* An output that failed leaves the run unfinished; its summary is still logged. */
    cf_status pst = CF_OK;
    if (st == CF_OK) {
        cf_store_checkpoint_async(store);
        pst = run_publish(cfg, o, store, sum.run, now, &sum, err);
    }
    run_corr_finish();
    if (st == CF_OK && pst == CF_OK) {
        st = cf_store_run_end(store, sum.run, cf_time_now(), sum.ok + sum.unchanged, sum.failed,
                              err);
    }
    sum.seconds = run_clock() - t0;
    if (st == CF_OK) {
        cf_run_log(o, CF_LOG_INFO, "run", NULL,
                   "run %lld: %d feeds, %d updated, %d unchanged, %d failed, %llu iocs, %.2fs%s",
                   (long long)sum.run, sum.due, sum.ok, sum.unchanged, sum.failed,
                   (unsigned long long)sum.iocs, sum.seconds,
                   pst == CF_OK ? "" : " (an output failed)");
    }
    st = st == CF_OK ? pst : st;
    for (size_t i = 0; jobs && i < n; i++) {
        run_job_free(jobs[i]);
    }
    free(jobs);
    cf_wl_free(run_wl);
    run_wl = NULL;
    cf_galaxy_free(run_gal);
    run_gal = NULL;
    cf_store_close(store);
    if (lock_fd >= 0) {
        close(lock_fd);
    }
    if (out) {
        *out = sum;
    }
    return st;
}

int cf_run_exit_code(const cf_run_summary *s)
{
    if (s->failed == 0) {
        return CF_EXIT_OK;
    }
    return s->failed == s->due ? CF_EXIT_ALL_FAILED : CF_EXIT_SOME_FAILED;
}
