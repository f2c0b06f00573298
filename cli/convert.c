/*
 * ctiflow convert: read feed files in any supported format, normalise and
 * de-duplicate their IOCs, write them in one output format.
 *
 * DESIGN
 * Every input goes through one cf_collector into one cf_iocset, so values
 * repeated within or across the inputs become one IOC with merged context.
 * Past CF_RESIDENT_BYTES of records the set spills them to a
 * temporary file (cf_iocset_spill), so memory stays bounded on huge inputs.
 * The inputs are read and normalised on this thread while a thread of the
 * collector's (cf_merger) merges their IOCs into the set, so both halves
 * run on two cores; the set, its order and the output bytes are those of
 * one thread, and an input counts as read once its IOCs are merged.
 * Warning lists are loaded first and screen every observation on its way
 * into the set (cf_wl_screen, as the merger's screen): on the merge thread
 * each is matched, a match becomes labels at once and a withheld IOC never
 * enters the set, so no pass reads the spilled records back.
 * Diagnostics stream to stderr as they happen (`FILE:LINE: reason: 'value'`)
 * and, with --rejects, as JSON lines. The output is written once all inputs
 * are read, to stdout or atomically to -o FILE, and only when at least one
 * input was read: when every input fails, an existing output (a file or a
 * MISP feed directory) is left untouched.
 *
 * Exit codes: 0 every input was read (rejected records included), 1 an input
 * could not be read or parsed at all (what the other inputs gave is still
 * written), 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "ctiflow/buf.h"
#include "ctiflow/iocset.h"
#include "ctiflow/limits.h"
#include "ctiflow/profile.h"
#include "ctiflow/reader.h"
#include "ctiflow/warninglist.h"
#include "ctiflow/writer.h"

#define CONVERT_MAX_LABELS 32
#define CONVERT_MAX_WL 64 /* --warninglists and --exclude-list options */

typedef struct convert_opts {
    cf_format from;
    cf_out_format to;
    const char *output;
    const char *rejects_path;
    const char *profile;
    const char *feed;
    const char *actor;
    const char *labels[CONVERT_MAX_LABELS];
    size_t n_labels;
    cf_ioc_type value_type;
    cf_tlp tlp;
    int confidence;
    bool scos;
    bool quiet;
    bool misp_feed; /* --to misp-feed: -o names a MISP feed directory */
    /* Warning lists: paths to load and the lists whose matches are withheld. */
    const char *wl_paths[CONVERT_MAX_WL];
    size_t n_wl_paths;
    const char *wl_exclude[CONVERT_MAX_WL];
    size_t n_wl_exclude;
} convert_opts;

typedef struct convert_diag_ctx {
    FILE *rejects;  /* JSON lines, or NULL */
    bool quiet;
    uint64_t printed;
    cf_buf line;
} convert_diag_ctx;

static void convert_usage(FILE *out)
{
    fprintf(out,
            "usage: ctiflow convert [--from FMT] [--to FMT] [options] [FILE...]\n"
            "\n"
            "Reads FILEs (or standard input), writes one output to stdout or -o FILE.\n"
            "A directory argument is read as a MISP feed directory.\n"
            "\n"
            "  --from FMT        csv, text, misp, stix1, stix2, jsonl (default: detect)\n"
            "  --to FMT          jsonl (default), stix2, misp, csv, text, or misp-feed\n"
            "                    (a MISP feed directory written to -o DIR)\n"
            "  -o, --output FILE write here instead of stdout (atomically; left as it\n"
            "                    was when no input can be read)\n"
            "  --profile NAME    built-in feed profile (see `ctiflow profiles`)\n"
            "  --type TYPE       type of every value of a text list (default: detect)\n"
            "  --feed NAME       source name in sightings (default: the file name)\n"
            "  --tlp NAME        TLP for IOCs whose source gives none\n"
            "  --confidence N    confidence 0-100 for IOCs whose source gives none\n"
            "  --label TEXT      add a label to every IOC (repeatable)\n"
            "  --actor NAME      attribute every IOC to this threat actor\n"
            "  --scos            stix2: also write cyber observables (SCOs)\n"
            "  --rejects FILE    also write rejected records as JSON lines (bytes that\n"
            "                    are not UTF-8 as \\u00XX, the byte's value)\n"
            "  -q, --quiet       do not print rejected records on stderr\n"
            "  --warninglists PATH  load MISP warning lists (a directory, a .json list or\n"
            "                    a text allow-list; repeatable) and label matching IOCs\n"
            "  --exclude-list NAME  withhold IOCs matching this list (repeatable; 'default'\n"
            "                    is the never-block set); counts go to stderr\n");
}

/*
 * Print a value for a one-line message: at most 200 bytes; control bytes and
 * bytes that are not valid UTF-8 are escaped as \xNN, so a message never
 * carries raw binary to a terminal or a log. Validity is that of the JSON
 * writer (cf_utf8_seq_len): surrogates and overlong forms are escaped too.
 */
static void convert_quote_value(cf_buf *b, const char *v, size_t n)
{
    size_t shown = n > 200 ? 200 : n;
    const unsigned char *u = (const unsigned char *)v;
    for (size_t i = 0; i < shown;) {
        unsigned char c = u[i];
        size_t seq = cf_utf8_seq_len(v + i, shown - i);
        if (c < 0x20 || c == 0x7f || seq == 0) {
            cf_buf_printf(b, "\\x%02x", c);
            i++;
            continue;
        }
        cf_buf_append(b, v + i, seq);
        i += seq;
    }
    if (shown < n) {
        cf_buf_puts(b, "...");
    }
}

static void convert_diag(void *ctx, const cf_diag *d)
{
    convert_diag_ctx *c = ctx;
    const char *feed = d->feed ? d->feed : "-";

    if (!c->quiet || d->level == CF_DIAG_ERROR) {
        cf_buf *b = &c->line;
        cf_buf_reset(b);
        cf_buf_puts(b, feed);
        if (d->line) {
            cf_buf_printf(b, ":%llu", (unsigned long long)d->line);
        }
        if (d->ref) {
            cf_buf_printf(b, ": %s", d->ref);
        }
        cf_buf_puts(b, d->level == CF_DIAG_WARNING ? ": warning: " : ": ");
        cf_buf_puts(b, d->reason ? d->reason : "invalid record");
        if (d->value) {
            cf_buf_puts(b, ": '");
            convert_quote_value(b, d->value, d->value_len);
            cf_buf_putc(b, '\'');
        }
        fprintf(stderr, "%s\n", cf_buf_str(b));
        c->printed++;
    }

    if (c->rejects) {
        cf_buf *b = &c->line;
        cf_buf_reset(b);
        cf_diag_json(b, d);
        fwrite(b->data, 1, b->len, c->rejects);
    }
}

static int convert_parse_args(convert_opts *o, int argc, char **argv)
{
    enum { OPT_FROM = 256, OPT_TO, OPT_PROFILE, OPT_REJECTS, OPT_FEED, OPT_TLP, OPT_CONF,
           OPT_LABEL, OPT_ACTOR, OPT_TYPE, OPT_SCOS, OPT_WL, OPT_WL_EXCLUDE };
    static const struct option longopts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"output", required_argument, NULL, 'o'},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"rejects", required_argument, NULL, OPT_REJECTS},
        {"feed", required_argument, NULL, OPT_FEED},
        {"tlp", required_argument, NULL, OPT_TLP},
        {"confidence", required_argument, NULL, OPT_CONF},
        {"label", required_argument, NULL, OPT_LABEL},
        {"actor", required_argument, NULL, OPT_ACTOR},
        {"type", required_argument, NULL, OPT_TYPE},
        {"scos", no_argument, NULL, OPT_SCOS},
        {"warninglists", required_argument, NULL, OPT_WL},
        {"exclude-list", required_argument, NULL, OPT_WL_EXCLUDE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    memset(o, 0, sizeof *o);
    o->confidence = -1;
    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, "o:qh", longopts, NULL);
        if (c == -1) {
            break;
        }
        char *end = NULL;
        switch (c) {
        case OPT_FROM:
            o->from = cf_format_from_name(optarg);
            if (o->from == CF_FMT_UNKNOWN) {
                fprintf(stderr, "ctiflow: error: unknown input format '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_TO: {
            if (strcmp(optarg, "misp-feed") == 0) {
                o->misp_feed = true;
                o->to = CF_OUT_MISP;
                break;
            }
            int f = cf_out_format_from_name(optarg);
            if (f < 0) {
                fprintf(stderr, "ctiflow: error: unknown output format '%s'\n", optarg);
                return 2;
            }
            o->to = (cf_out_format)f;
            break;
        }
        case 'o':
            o->output = optarg;
            break;
        case OPT_PROFILE:
            o->profile = optarg;
            break;
        case OPT_REJECTS:
            o->rejects_path = optarg;
            break;
        case OPT_FEED:
            o->feed = optarg;
            break;
        case OPT_TLP:
            o->tlp = cf_tlp_from_name(optarg);
            if (o->tlp == CF_TLP_NONE) {
                fprintf(stderr, "ctiflow: error: unknown TLP '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_CONF:
            errno = 0;
            o->confidence = (int)strtol(optarg, &end, 10);
            if (errno || !end || *end || o->confidence < 0 || o->confidence > 100) {
                fprintf(stderr, "ctiflow: error: confidence must be 0-100, not '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_LABEL:
            if (o->n_labels == CONVERT_MAX_LABELS) {
                fprintf(stderr, "ctiflow: error: at most %d --label options\n",
                        CONVERT_MAX_LABELS);
                return 2;
            }
            o->labels[o->n_labels++] = optarg;
            break;
        case OPT_ACTOR:
            o->actor = optarg;
            break;
        case OPT_TYPE:
            o->value_type = cf_ioc_type_from_name(optarg);
            if (o->value_type == CF_IOC_NONE && strcmp(optarg, "auto") != 0) {
                fprintf(stderr, "ctiflow: error: unknown IOC type '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_SCOS:
            o->scos = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case OPT_WL:
        case OPT_WL_EXCLUDE: {
            bool load = c == OPT_WL;
            size_t *n = load ? &o->n_wl_paths : &o->n_wl_exclude;
            if (*n == CONVERT_MAX_WL) {
                fprintf(stderr, "ctiflow: error: at most %d --%s options\n", CONVERT_MAX_WL,
                        load ? "warninglists" : "exclude-list");
                return 2;
            }
            (load ? o->wl_paths : o->wl_exclude)[(*n)++] = optarg;
            break;
        }
        case 'h':
            convert_usage(stdout);
            return -1;
        default:
            convert_usage(stderr);
            return 2;
        }
    }
    if (o->n_wl_exclude && !o->n_wl_paths) {
        fprintf(stderr, "ctiflow: error: --exclude-list needs --warninglists\n");
        return 2;
    }
    if (o->misp_feed && (!o->output || strcmp(o->output, "-") == 0)) {
        fprintf(stderr, "ctiflow: error: --to misp-feed needs -o DIR\n");
        return 2;
    }
    if (o->profile && !cf_profile_find(o->profile)) {
        const char *hint = cf_profile_suggest(o->profile);
        fprintf(stderr, "ctiflow: error: unknown profile '%s' (%s%s%ssee `ctiflow profiles`)\n",
                o->profile, hint ? "did you mean '" : "", hint ? hint : "", hint ? "'? " : "");
        return 2;
    }
    return 0;
}

/*
 * Read one input path into the collector's sink (through merger when not
 * NULL: the input counts as read once its IOCs are merged). Returns 0, 1
 * (unreadable) or 3 (out of memory).
 */
static int convert_one(const convert_opts *o, const char *path, const cf_sink *sink,
                       cf_merger *merger)
{
    cf_read_opts ro;
    cf_read_opts_init(&ro);
    ro.profile = o->profile ? cf_profile_find(o->profile) : NULL;
    ro.value_type = o->value_type;
    ro.tlp = o->tlp;
    ro.confidence = o->confidence;
    ro.labels = o->labels;
    ro.n_labels = o->n_labels;
    ro.actor = o->actor;

    cf_error err;
    cf_error_clear(&err);
    cf_status st;
    struct stat sb;
    /* Sightings name the file, not where it lives: bundles are shared. */
    const char *base = strrchr(path, '/');
    base = base && base[1] ? base + 1 : path;
    const char *name = o->feed ? o->feed : (strcmp(path, "-") == 0 ? "<stdin>" : base);
    ro.feed = name;

    if (strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        st = cf_read_misp_feed_dir(path, &ro, sink, &err);
    } else {
        cf_input *in = NULL;
        st = cf_input_open_file(&in, path, &err);
        if (st == CF_OK) {
            st = cf_read_any(in, o->from, &ro, sink, &err);
        }
        cf_input_close(in);
    }
    if (st == CF_OK && merger) {
        st = cf_merger_sync(merger);
        if (st != CF_OK) {
            cf_error_set(&err, st, NULL, 0, "%s", cf_status_str(st));
        }
    }
    if (st == CF_OK) {
        return 0;
    }

    char msg[1200];
    if (!err.source[0]) {
        snprintf(err.source, sizeof err.source, "%s", name);
    }
    cf_error_format(msg, sizeof msg, &err);
    fprintf(stderr, "ctiflow: error: %s\n", msg);
    return st == CF_ENOMEM ? 3 : 1;
}

static void convert_wl_report(void *ctx, const char *msg)
{
    const convert_opts *o = ctx;
    if (!o->quiet) {
        fprintf(stderr, "ctiflow: warning: %s\n", msg);
    }
}

/* The warning lists of a convert: the lists, the policy and the screen feeding the set. */
typedef struct convert_wl {
    cf_wlset *lists;
    cf_wl_policy *pol;
    cf_wl_screen *screen;
    cf_wl_apply_stats stats;
} convert_wl;

static void convert_wl_free(convert_wl *w)
{
    cf_wl_screen_free(w->screen);
    cf_wl_policy_free(w->pol);
    cf_wl_free(w->lists);
}

/*
 * Warning lists, loaded before the inputs are read: every IOC is labelled
 * with the lists it matches as it is collected, and those matching an
 * --exclude-list never enter the set (cf_wl_screen). Returns 0, 1 when a
 * list cannot be loaded, 2 for an unknown list name.
 */
static int convert_wl_open(const convert_opts *o, cf_collector *coll, convert_wl *w)
{
    cf_error err;

    cf_error_clear(&err);
    w->lists = cf_wl_new();
    for (size_t i = 0; w->lists && i < o->n_wl_paths; i++) {
        if (cf_wl_load_path(w->lists, o->wl_paths[i], convert_wl_report, (void *)o, &err) !=
                CF_OK &&
            err.status != CF_EINVAL) {
            struct stat sb;
            if (err.status != CF_ENOTFOUND && stat(o->wl_paths[i], &sb) == 0 &&
                S_ISDIR(sb.st_mode)) {
                /* each list of a directory that failed was reported as it loaded */
                fprintf(stderr, "ctiflow: error: %s: a warning list in it could not be loaded\n",
                        o->wl_paths[i]);
                return 1;
            }
            char msg[1200];
            cf_error_format(msg, sizeof msg, &err);
            fprintf(stderr, "ctiflow: error: %s\n", msg);
            return 1;
        }
        cf_error_clear(&err);
    }
    if (!w->lists ||
        cf_wl_policy_new(&w->pol, w->lists, o->wl_exclude, o->n_wl_exclude, &err) != CF_OK) {
        fprintf(stderr, "ctiflow: error: %s\n", w->lists ? err.msg : "out of memory");
        return w->lists ? 2 : 1;
    }
    if (cf_wl_screen_new(&w->screen, w->lists, w->pol, coll) != CF_OK) {
        fprintf(stderr, "ctiflow: error: out of memory\n");
        return 1;
    }
    return 0;
}

/* After the inputs: what each list withheld and the totals, on stderr. */
static void convert_wl_counts(const convert_wl *w)
{
    for (size_t i = 0; i < cf_wl_count(w->lists); i++) {
        uint64_t n = cf_wl_policy_withheld(w->pol, i);
        if (n) {
            fprintf(stderr, "ctiflow: warning list '%s' withheld %llu IOCs\n",
                    cf_wl_info_at(w->lists, i)->id, (unsigned long long)n);
        }
    }
    fprintf(stderr, "ctiflow: warning lists: %zu loaded, %llu IOCs matched, %llu withheld\n",
            cf_wl_count(w->lists), (unsigned long long)w->stats.matched,
            (unsigned long long)w->stats.withheld);
}

/*
 * A file written through PATH.tmp.PID and renamed over PATH once complete,
 * so a failed convert leaves PATH as it was. An existing PATH that is not a
 * regular file (/dev/null, a FIFO) is written in place: renaming over it
 * would replace the device.
 */
typedef struct convert_file {
    FILE *fp;
    const char *path;
    char tmp[4096]; /* "" when written in place */
} convert_file;

static bool convert_file_open(convert_file *f, const char *path)
{
    struct stat sb;
    bool in_place = stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);

    f->path = path;
    f->tmp[0] = '\0';
    if (!in_place) {
        snprintf(f->tmp, sizeof f->tmp, "%s.tmp.%ld", path, (long)getpid());
    }
    f->fp = fopen(in_place ? path : f->tmp, "wb");
    if (!f->fp) {
        fprintf(stderr, "ctiflow: error: cannot write '%s': %s\n", path, strerror(errno));
        return false;
    }
    return true;
}

/* Finish f: with keep, flush, sync and rename it into place; else drop it. */
static cf_status convert_file_close(convert_file *f, bool keep, cf_error *err)
{
    cf_status st = CF_OK;

    if (!f->fp) {
        return CF_OK;
    }
    if (keep && (fflush(f->fp) != 0 || ferror(f->fp))) {
        st = cf_error_set(err, CF_EIO, f->path, 0, "write failed: %s", strerror(errno));
    }
    if (keep && st == CF_OK && f->tmp[0] && fsync(fileno(f->fp)) != 0) {
        st = cf_error_set(err, CF_EIO, f->path, 0, "fsync failed: %s", strerror(errno));
    }
    if (fclose(f->fp) != 0 && keep && st == CF_OK) {
        st = cf_error_set(err, CF_EIO, f->path, 0, "close failed: %s", strerror(errno));
    }
    f->fp = NULL;
    if (keep && st == CF_OK && f->tmp[0] && rename(f->tmp, f->path) != 0) {
        st = cf_error_set(err, CF_EIO, f->path, 0, "rename failed: %s", strerror(errno));
    }
    if ((!keep || st != CF_OK) && f->tmp[0]) {
        unlink(f->tmp);
    }
    return st;
}

/* Write the set to -o FILE (through convert_file) or stdout. */
static int convert_write(const convert_opts *o, cf_iocset *set)
{
    cf_write_opts wo;
    cf_write_opts_init(&wo);
    wo.now = cf_time_now();
    wo.with_scos = o->scos;
    wo.feed_name = o->feed;
    wo.only_type = o->to == CF_OUT_TEXT ? o->value_type : CF_IOC_NONE;

    cf_error err;
    cf_error_clear(&err);
    if (o->misp_feed) {
        if (cf_write_misp_feed_dir(o->output, set, &wo, &err) == CF_OK) {
            return 0;
        }
        char msg[1200];
        cf_error_format(msg, sizeof msg, &err);
        fprintf(stderr, "ctiflow: error: %s\n", msg);
        return 1;
    }

    convert_file file = {NULL, NULL, ""};
    FILE *out = stdout;
    if (o->output && strcmp(o->output, "-") != 0) {
        if (!convert_file_open(&file, o->output)) {
            return 1;
        }
        out = file.fp;
    }

    cf_status st = cf_write_any(out, o->to, set, &wo, &err);
    if (out == stdout && st == CF_OK && fflush(out) != 0) {
        st = cf_error_set(&err, CF_EIO, o->output, 0, "write failed: %s", strerror(errno));
    }
    cf_status cst = convert_file_close(&file, st == CF_OK, &err);
    st = st == CF_OK ? cst : st;
    if (st != CF_OK) {
        char msg[1200];
        cf_error_format(msg, sizeof msg, &err);
        fprintf(stderr, "ctiflow: error: %s\n", msg);
        return 1;
    }
    return 0;
}

int cf_cmd_convert(int argc, char **argv)
{
    convert_opts o;
    int rc = convert_parse_args(&o, argc, argv);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }

    /* Rejects go to a temporary file, renamed into place once an input was read. */
    convert_diag_ctx dctx = {.quiet = o.quiet, .line = CF_BUF_INIT};
    convert_file rejects = {NULL, NULL, ""};
    if (o.rejects_path) {
        if (!convert_file_open(&rejects, o.rejects_path)) {
            return 1;
        }
        dctx.rejects = rejects.fp;
    }

    /* A huge input keeps most of its IOC records in a temporary file. */
    cf_iocset *set = cf_iocset_new();
    cf_collector coll;
    if (!set || cf_iocset_spill(set, NULL, CF_RESIDENT_BYTES) != CF_OK) {
        cf_iocset_free(set);
        fprintf(stderr, "ctiflow: error: out of memory\n");
        return 1;
    }
    cf_collector_init(&coll, set, convert_diag, &dctx);
    cf_sink sink = cf_collector_sink(&coll);
    convert_wl wl = {NULL, NULL, NULL, {0, 0}};
    int wrc = o.n_wl_paths ? convert_wl_open(&o, &coll, &wl) : 0;
    cf_merger *merger = NULL;
    cf_merge_screen screen = wl.screen ? cf_wl_screen_merging(wl.screen) : (cf_merge_screen){0};
    if (cf_merger_start_screened(&merger, &coll, wl.screen ? &screen : NULL) == CF_OK) {
        sink = cf_merger_sink(merger);
    } else if (wl.screen) {
        sink = cf_wl_screen_sink(wl.screen);
    }

    /*
     * Read every input; one unreadable input does not stop the others. When
     * none could be read there is nothing to write: an existing output is
     * left as it was rather than replaced by an empty one.
     */
    int failed = 0;
    int n_read = 0;
    if (optind >= argc) {
        int r = convert_one(&o, "-", &sink, merger);
        failed |= r;
        n_read += r == 0;
    }
    for (int i = optind; i < argc; i++) {
        int r = convert_one(&o, argv[i], &sink, merger);
        failed |= r;
        n_read += r == 0;
    }
    cf_merger_finish(merger);

    if (wl.screen) {
        cf_wl_screen_finish(wl.screen, &wl.stats);
    }
    if (cf_iocset_count(set) + wl.stats.withheld == 0 && !failed && !o.quiet) {
        fprintf(stderr, "ctiflow: warning: no indicators found in the input\n");
    }
    if (wl.screen && n_read > 0) {
        convert_wl_counts(&wl);
    }
    if (n_read > 0 && wrc == 0) {
        wrc = convert_write(&o, set);
    }

    convert_wl_free(&wl);
    cf_collector_fini(&coll);
    cf_iocset_free(set);
    cf_buf_free(&dctx.line);
    cf_error rerr;
    cf_error_clear(&rerr);
    if (convert_file_close(&rejects, n_read > 0, &rerr) != CF_OK) {
        char msg[1200];
        cf_error_format(msg, sizeof msg, &rerr);
        fprintf(stderr, "ctiflow: error: %s (rejects)\n", msg);
        wrc = 1;
    }
    return failed ? 1 : wrc;
}

int cf_cmd_profiles(int argc, char **argv)
{
    bool verbose = argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--verbose") == 0);

    for (size_t i = 0; i < cf_profile_count(); i++) {
        const cf_profile *p = cf_profile_at(i);
        printf("%-30s %-5s %s\n", p->name, cf_format_name(p->format), p->title ? p->title : "");
        if (verbose) {
            printf("    url: %s\n    terms: %s\n", p->url ? p->url : "-",
                   p->terms ? p->terms : "-");
        }
    }
    return 0;
}
