/*
 * Reader for ctiflow's own JSONL output (schemas/ioc.schema.json): one IOC
 * per line, so a converted file can be merged with other feeds or
 * converted again without losing its sources or context.
 *
 * Each source listed in an IOC's `sources` becomes one observation with
 * that source's feed and line, so sightings survive the round trip; an IOC
 * without sources is one observation of this file.
 */
#include <jansson.h>
#include <string.h>

#include "ctiflow/limits.h"
#include "ctiflow/reader.h"
#include "readutil.h"

#define JSONL_MAX_NAMES 64

typedef struct jsonl_names {
    const char *v[JSONL_MAX_NAMES];
    size_t n;
} jsonl_names;

static void jsonl_collect(jsonl_names *out, json_t *arr)
{
    out->n = 0;
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        if (json_is_string(it) && out->n < JSONL_MAX_NAMES) {
            out->v[out->n++] = json_string_value(it);
        }
    }
}

static cf_time jsonl_time(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    cf_time t;
    if (s && cf_time_parse(&t, s, strlen(s)) == CF_OK) {
        return t;
    }
    return CF_TIME_NONE;
}

/* Emit one IOC object: one observation per listed source. */
static cf_status jsonl_emit(json_t *o, const char *feed, uint64_t lineno,
                            const cf_read_opts *opts, const cf_sink *sink)
{
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *value = json_string_value(json_object_get(o, "value"));
    if (!type || !value) {
        cf_sink_diag(sink, CF_DIAG_REJECT, feed, lineno, NULL, "missing 'type' or 'value'",
                     NULL, 0);
        return CF_OK;
    }

    jsonl_names labels, malware, actors;
    jsonl_collect(&labels, json_object_get(o, "labels"));
    jsonl_collect(&malware, json_object_get(o, "malware"));
    jsonl_collect(&actors, json_object_get(o, "actors"));
    for (size_t i = 0; i < opts->n_labels && labels.n < JSONL_MAX_NAMES; i++) {
        labels.v[labels.n++] = opts->labels[i];
    }
    if (opts->actor && actors.n < JSONL_MAX_NAMES) {
        actors.v[actors.n++] = opts->actor;
    }

    cf_obs obs;
    cf_obs_init(&obs);
    obs.type = cf_ioc_type_from_name(type);
    obs.text = value;
    obs.len = strlen(value);
    obs.first_seen = jsonl_time(o, "first_seen");
    obs.last_seen = jsonl_time(o, "last_seen");
    obs.valid_until = jsonl_time(o, "valid_until");
    json_t *conf = json_object_get(o, "confidence");
    obs.confidence = json_is_integer(conf) ? rd_confidence(json_integer_value(conf)) : -1;
    obs.confidence = obs.confidence >= 0 ? obs.confidence : opts->confidence;
    cf_tlp tlp = cf_tlp_from_name(json_string_value(json_object_get(o, "tlp")));
    obs.tlp = tlp != CF_TLP_NONE ? tlp : opts->tlp;
    obs.comment = json_string_value(json_object_get(o, "comment"));
    obs.labels = labels.v;
    obs.n_labels = labels.n;
    obs.malware = malware.v;
    obs.n_malware = malware.n;
    obs.actors = actors.v;
    obs.n_actors = actors.n;
    if (obs.type == CF_IOC_NONE) {
        cf_sink_diag(sink, CF_DIAG_REJECT, feed, lineno, NULL, "unknown IOC type", type,
                     strlen(type));
        return CF_OK;
    }

    json_t *sources = json_object_get(o, "sources");
    if (!json_is_array(sources) || json_array_size(sources) == 0) {
        obs.feed = feed;
        obs.line = lineno;
        return sink->obs(sink->ctx, &obs);
    }

    size_t i;
    json_t *src;
    json_array_foreach(sources, i, src)
    {
        const char *sfeed = json_string_value(json_object_get(src, "feed"));
        json_t *sline = json_object_get(src, "line");
        obs.feed = sfeed ? sfeed : feed;
        obs.line = json_is_integer(sline) && json_integer_value(sline) >= 0
                       ? (uint64_t)json_integer_value(sline)
                       : lineno;
        obs.ref = json_string_value(json_object_get(src, "ref"));
        obs.time = jsonl_time(src, "time");
        cf_status st = sink->obs(sink->ctx, &obs);
        if (st != CF_OK) {
            return st;
        }
    }
    return CF_OK;
}

cf_status cf_read_jsonl(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err)
{
    const char *feed = o->feed ? o->feed : cf_input_name(in);
    cf_lines *lines = cf_lines_new(in);
    if (!lines) {
        return cf_error_set(err, CF_ENOMEM, feed, 0, "out of memory");
    }

    cf_status st = CF_OK;
    const char *line;
    size_t len;
    uint64_t lineno;
    for (;;) {
        cf_error lerr;
        cf_error_clear(&lerr);
        int r = cf_lines_next(lines, &line, &len, &lineno, &lerr);
        if (r == 0) {
            break;
        }
        if (r < 0) {
            if (lerr.status == CF_ELIMIT) {
                cf_sink_diag(sink, CF_DIAG_REJECT, feed, lineno, NULL, lerr.msg, NULL, 0);
                continue;
            }
            st = cf_error_set(err, lerr.status, feed, lineno, "%s", lerr.msg);
            break;
        }
        while (len && (line[len - 1] == ' ' || line[len - 1] == '\t')) {
            len--;
        }
        if (len == 0) {
            continue;
        }

        json_error_t jerr;
        json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(obj)) {
            cf_sink_diag(sink, CF_DIAG_REJECT, feed, lineno, NULL,
                         obj ? "not a JSON object" : "invalid JSON", line, len);
            json_decref(obj);
            continue;
        }
        st = jsonl_emit(obj, feed, lineno, o, sink);
        json_decref(obj);
        if (st != CF_OK) {
            cf_error_set(err, st, feed, lineno, "%s", cf_status_str(st));
            break;
        }
    }
    cf_lines_free(lines);
    return st;
}
