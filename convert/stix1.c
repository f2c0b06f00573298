/*
 * STIX 1.x XML reader (STIX 1.0, 1.1.1 and 1.2 with CybOX 2.x): indicators
 * and observables to observations and STIX 2.1 patterns, with the TLP,
 * threat actors, campaigns and malware the package attributes them to.
 *
 * DESIGN
 * The package is streamed twice with libxml2's SAX2 parser, never built
 * as a whole tree. Elements are recognised in the start callback by
 * comparing interned local names and namespace URIs by pointer; only the
 * one Indicator, Observable, TTP, Threat_Actor, Campaign or STIX_Header
 * subtree being expanded is kept, as a light element tree (stix1_xml.c)
 * forgotten as soon as its end tag has been handled; namespace
 * declarations are tracked so its xsi:type prefixes resolve. Text outside
 * an expanded subtree is dropped unread, so the memory of a pass does not
 * grow with the package.
 *  - Pass 1 collects what later elements need: every idref that points
 *    at an Observable, Object or Indicator, the header (title, TLP) and
 *    the TTPs, threat actors and campaigns with their relations, which
 *    STIX puts after the indicators.
 *  - Pass 2 turns each top-level Observable and each Indicator into a
 *    tree of s1_node (objects, AND/OR compositions, references). Elements
 *    whose id pass 1 saw referenced are kept in a table by id. A tree is
 *    emitted as soon as all its references resolve; one that waits for an
 *    element defined further down is kept until the end of the package,
 *    then resolved or dropped with a diagnostic naming the indicator and
 *    the idref. Both tables are bounded by CF_MAX_IDREFS.
 * A file input is opened again by path for pass 2; other inputs are read
 * into memory first. Parsing is safe: no network, no DTD loading, no
 * entity substitution; a document type declaration (the vehicle of XXE and
 * entity-expansion attacks) is refused, and depth is capped by
 * CF_MAX_XML_DEPTH.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "ctiflow/buf.h"
#include "ctiflow/limits.h"
#include "ctiflow/reader.h"
#include "ctiflow/stix.h"
#include "stix1_cybox.h"
#include "stix1_priv.h"
#include "stix1_util.h"

#define S1_NS_TTP "http://stix.mitre.org/TTP-1"
#define S1_NS_TA "http://stix.mitre.org/ThreatActor-1"
#define S1_NS_CAMP "http://stix.mitre.org/Campaign-1"

enum { CTX_TTP, CTX_ACTOR, CTX_CAMPAIGN, S1_HEADER };

/* A TTP, threat actor or campaign from pass 1. */
typedef struct s1_ctxobj {
    int kind;
    char *name;
    s1_list aliases;   /* actor: other names */
    s1_list malware;   /* TTP: malware instance names */
    s1_list phases;    /* TTP: kill-chain phase labels */
    s1_list refs_ttp;  /* actor: observed TTPs; campaign: related TTPs */
    s1_list refs_rel;  /* actor: campaigns; campaign: attributed actors */
    s1_list actors;    /* derived: actor names behind a TTP or campaign */
    s1_list campaigns; /* derived: campaign labels of a TTP */
} s1_ctxobj;

/* One Indicator or top-level Observable waiting to be emitted. */
typedef struct s1_unit {
    char *id;
    char *title;
    bool indicator;
    uint64_t line;
    cf_time time;
    cf_tlp tlp;
    int confidence;
    s1_list labels, malware, actors;
    s1_node *root;
} s1_unit;

/* Result of walking a tree: its pattern and observations. */
typedef struct s1_walk {
    cf_buf pattern;
    cf_buf vals;
    size_t leaves;
    bool simple;
    bool incomplete;
    const char *missing;
    bool cycle;
} s1_walk;

/* Interned names the SAX handlers compare by pointer. */
typedef struct s1_names {
    const xmlChar *stix, *common, *observable, *indicator, *object, *package, *ttp, *actor;
    const xmlChar *campaign, *header, *indicators, *observables, *cybox, *idref, *id;
} s1_names;

struct s1_ctx;
typedef cf_status (*s1_on_start)(struct s1_ctx *c, const xmlChar *local, const xmlChar *uri,
                                 int nb_attrs, const xmlChar **attrs, int depth, int *kind);
typedef cf_status (*s1_on_end)(struct s1_ctx *c, s1_el *n, int kind);

/* State of one SAX pass: which elements have a node and what is expanded. */
typedef struct s1_sax {
    s1_on_start on_start;
    s1_on_end on_end;
    s1_names nm;
    int depth;
    int expand_depth;
    int expand_kind;
    uint8_t built[CF_MAX_XML_DEPTH + 2];
    uint8_t tag[CF_MAX_XML_DEPTH + 2];
} s1_sax;

typedef struct s1_ctx {
    const cf_read_opts *opts;
    const cf_sink *sink;
    cf_error *err;
    const char *feed;
    bool every_pattern;
    xmlParserCtxtPtr pctxt;
    s1_sax sax;
    s1_xml xml;
    cf_status sax_st;
    char xml_msg[256];
    int xml_line;
    int xml_code;
    /* pass 1 */
    s1_map wanted;
    s1_map ctxobjs;
    char *package_id;
    char *package_title;
    cf_tlp package_tlp;
    unsigned anon;
    /* pass 2 */
    s1_map defs;
    s1_unit **deferred;
    size_t n_deferred, cap_deferred;
    s1_map unsupported;
    uint64_t no_observable;
    const cf_event *event;
    bool final;
} s1_ctx;

/* ---- context objects (pass 1) ---- */

static void ctxobj_free(void *p)
{
    s1_ctxobj *o = p;
    free(o->name);
    s1_list_free(&o->aliases);
    s1_list_free(&o->malware);
    s1_list_free(&o->phases);
    s1_list_free(&o->refs_ttp);
    s1_list_free(&o->refs_rel);
    s1_list_free(&o->actors);
    s1_list_free(&o->campaigns);
    free(o);
}

static void node_free_v(void *p)
{
    s1_node_free(p);
}

/* Every element below n with this local name in a namespace starting with ns. */
typedef cf_status (*s1_visit)(s1_ctx *c, s1_ctxobj *o, s1_el *n);

static cf_status each_desc(s1_ctx *c, s1_ctxobj *o, s1_el *n, const char *ns, const char *local,
                           s1_visit fn, int depth)
{
    cf_status st = CF_OK;
    for (s1_el *k = n ? n->children : NULL; k && st == CF_OK; k = k->next) {
        if (s1_is_in(k, ns, local)) {
            st = fn(c, o, k);
        } else if (depth < CF_MAX_XML_DEPTH) {
            st = each_desc(c, o, k, ns, local, fn, depth + 1);
        }
    }
    return st;
}

static cf_status add_text(s1_list *l, const s1_el *n)
{
    char *t = s1_text(n);
    cf_status st = s1_list_adds(l, t);
    free(t);
    return st;
}

static cf_status visit_malware(s1_ctx *c, s1_ctxobj *o, s1_el *n)
{
    cf_status st = CF_OK;
    for (s1_el *k = n->children; k && st == CF_OK; k = k->next) {
        if (s1_is(k, S1_NS_TTP, "Name")) {
            st = add_text(&o->malware, k);
        }
    }
    return st;
}

static cf_status visit_phase(s1_ctx *c, s1_ctxobj *o, s1_el *n)
{
    char *name = s1_attr(n, "name");
    cf_status st = CF_OK;
    if (name) {
        cf_buf b = CF_BUF_INIT;
        st = cf_buf_printf(&b, "kill-chain:%s", name);
        if (st == CF_OK) {
            st = s1_list_adds(&o->phases, b.data);
        }
        cf_buf_free(&b);
    }
    free(name);
    return st;
}

static cf_status ctx_define(s1_ctx *c, s1_el *n, int kind, char **id_out);

/* A relation element (stixCommon:TTP, Threat_Actor, Campaign): idref or inline. */
static cf_status ctx_relation(s1_ctx *c, s1_list *refs, s1_el *n, int kind)
{
    char *id = s1_attr(n, "idref");
    cf_status st = CF_OK;
    if (!id) {
        st = ctx_define(c, n, kind, &id);
    }
    if (st == CF_OK && id) {
        st = s1_list_adds(refs, id);
    }
    free(id);
    return st;
}

static cf_status visit_rel_ttp(s1_ctx *c, s1_ctxobj *o, s1_el *n)
{
    return ctx_relation(c, &o->refs_ttp, n, CTX_TTP);
}

static cf_status visit_rel_actor(s1_ctx *c, s1_ctxobj *o, s1_el *n)
{
    return ctx_relation(c, &o->refs_rel, n, CTX_ACTOR);
}

static cf_status visit_rel_campaign(s1_ctx *c, s1_ctxobj *o, s1_el *n)
{
    return ctx_relation(c, &o->refs_rel, n, CTX_CAMPAIGN);
}

static cf_status visit_alias(s1_ctx *c, s1_ctxobj *o, s1_el *n)
{
    char *t = s1_text(n);
    cf_status st = CF_OK;
    if (t && (!o->name || strcmp(t, o->name) != 0)) {
        st = s1_list_adds(&o->aliases, t);
    }
    free(t);
    return st;
}

static cf_status ctx_fill(s1_ctx *c, s1_ctxobj *o, s1_el *n)
{
    const char *ns = o->kind == CTX_TTP ? S1_NS_TTP : o->kind == CTX_ACTOR ? S1_NS_TA : S1_NS_CAMP;
    char *title = s1_text(s1_child(n, ns, "Title"));
    cf_status st = CF_OK;
    if (o->kind == CTX_TTP) {
        o->name = title;
        title = NULL;
        st = each_desc(c, o, n, S1_NS_TTP, "Malware_Instance", visit_malware, 0);
        if (st == CF_OK) {
            st = each_desc(c, o, n, S1_NS_COMMON, "Kill_Chain_Phase", visit_phase, 0);
        }
    } else if (o->kind == CTX_ACTOR) {
        s1_el *ident = s1_child(n, S1_NS_TA, "Identity");
        o->name = s1_text(s1_child(ident, S1_NS_COMMON, "Name"));
        if (!o->name) {
            o->name = title;
            title = NULL;
        }
        st = s1_list_adds(&o->aliases, title);
        if (st == CF_OK) {
            st = each_desc(c, o, ident, "urn:oasis:names:tc:ciq:", "NameElement", visit_alias, 0);
        }
        if (st == CF_OK) {
            st = each_desc(c, o, s1_child(n, S1_NS_TA, "Observed_TTPs"), S1_NS_COMMON, "TTP",
                           visit_rel_ttp, 0);
        }
        if (st == CF_OK) {
            st = each_desc(c, o, s1_child(n, S1_NS_TA, "Associated_Campaigns"), S1_NS_COMMON,
                           "Campaign", visit_rel_campaign, 0);
        }
    } else {
        o->name = s1_text(s1_child(s1_child(n, S1_NS_CAMP, "Names"), S1_NS_CAMP, "Name"));
        if (!o->name) {
            o->name = title;
            title = NULL;
        }
        st = each_desc(c, o, s1_child(n, S1_NS_CAMP, "Attribution"), S1_NS_COMMON, "Threat_Actor",
                       visit_rel_actor, 0);
        if (st == CF_OK) {
            st = each_desc(c, o, s1_child(n, S1_NS_CAMP, "Related_TTPs"), S1_NS_COMMON, "TTP",
                           visit_rel_ttp, 0);
        }
    }
    free(title);
    return st;
}

/* Record a TTP, threat actor or campaign defined at n; *id_out gets its id. */
static cf_status ctx_define(s1_ctx *c, s1_el *n, int kind, char **id_out)
{
    char *id = s1_attr(n, "id");
    s1_ctxobj *o = calloc(1, sizeof *o);
    cf_status st = CF_ENOMEM;
    bool added = false;
    if (!o) {
        goto out;
    }
    o->kind = kind;
    if (!id) {
        char anon[32];
        snprintf(anon, sizeof anon, "#anonymous-%u", ++c->anon);
        id = cf_strdup(anon);
    }
    st = id ? ctx_fill(c, o, n) : CF_ENOMEM;
    if (st == CF_OK && c->ctxobjs.n >= CF_MAX_IDREFS) {
        st = cf_error_set(c->err, CF_ELIMIT, c->feed, 0, "more than %u TTPs, actors and campaigns",
                          CF_MAX_IDREFS);
    }
    if (st == CF_OK) {
        st = s1_map_put(&c->ctxobjs, id, o, &added);
    }
out:
    if (!added && o) {
        ctxobj_free(o);
    }
    if (id_out && st == CF_OK) {
        *id_out = id;
    } else {
        free(id);
    }
    return st;
}

/* Actor names: the name then the aliases. */
static cf_status actor_names(s1_list *into, const s1_ctxobj *a)
{
    cf_status st = s1_list_adds(into, a->name);
    if (st == CF_OK) {
        st = s1_list_merge(into, &a->aliases);
    }
    return st;
}

/* Carry actor names to the TTPs and campaigns they relate to. */
static cf_status ctx_derive(s1_ctx *c)
{
    cf_status st = CF_OK;
    for (int round = 0; round < 2 && st == CF_OK; round++) {
        for (size_t i = 0; i < c->ctxobjs.cap && st == CF_OK; i++) {
            s1_ctxobj *o = c->ctxobjs.keys[i] ? c->ctxobjs.vals[i] : NULL;
            if (!o || o->kind == CTX_TTP) {
                continue;
            }
            s1_list names = {0};
            st = o->kind == CTX_ACTOR ? actor_names(&names, o) : s1_list_merge(&names, &o->actors);
            for (size_t k = 0; k < o->refs_rel.n && st == CF_OK; k++) {
                s1_ctxobj *r = s1_map_get(&c->ctxobjs, o->refs_rel.v[k]);
                if (r && o->kind == CTX_ACTOR && r->kind == CTX_CAMPAIGN && round == 0) {
                    st = s1_list_merge(&r->actors, &names);
                } else if (r && o->kind == CTX_CAMPAIGN && r->kind == CTX_ACTOR) {
                    st = actor_names(&o->actors, r);
                }
            }
            for (size_t k = 0; k < o->refs_ttp.n && st == CF_OK && round == 1; k++) {
                s1_ctxobj *t = s1_map_get(&c->ctxobjs, o->refs_ttp.v[k]);
                if (t && t->kind == CTX_TTP) {
                    st = s1_list_merge(&t->actors, o->kind == CTX_ACTOR ? &names : &o->actors);
                }
                if (t && t->kind == CTX_TTP && o->kind == CTX_CAMPAIGN && o->name && st == CF_OK) {
                    st = s1_list_adds(&t->campaigns, o->name);
                }
            }
            s1_list_free(&names);
        }
    }
    return st;
}

/*
 * The color of an AIS marking structure (US-CERT's AIS consent marking):
 * <AIS:Is_Proprietary> or <AIS:Not_Proprietary> holds <AIS:TLPMarking
 * color="AMBER"/>. Into a new string, or NULL.
 */
static char *ais_tlp_color(const s1_el *structure)
{
    for (const s1_el *p = structure->children; p; p = p->next) {
        for (const s1_el *t = p->name ? p->children : NULL; t; t = t->next) {
            if (t->name && t->uri && !strcmp(t->uri, S1_NS_AIS) && !strcmp(t->name, "TLPMarking")) {
                return s1_attr(t, "color");
            }
        }
    }
    return NULL;
}

/* Most restrictive TLP marking in a Handling element (TLP and AIS structures). */
static cf_tlp handling_tlp(const s1_el *handling)
{
    cf_tlp tlp = CF_TLP_NONE;
    for (s1_el *m = handling ? handling->children : NULL; m; m = m->next) {
        if (!s1_is(m, S1_NS_MARKING, "Marking")) {
            continue;
        }
        for (s1_el *s = m->children; s; s = s->next) {
            const char *ns = NULL;
            char *type = s1_is(s, S1_NS_MARKING, "Marking_Structure") ? s1_xsi_type(s, &ns) : NULL;
            char *color = NULL;
            if (type && ns && strcmp(ns, S1_NS_TLP) == 0) {
                color = s1_attr(s, "color");
            } else if (type && ns && strcmp(ns, S1_NS_AIS) == 0) {
                color = ais_tlp_color(s);
            }
            cf_tlp t = color ? cf_tlp_from_name(color) : CF_TLP_NONE;
            if (t > tlp) {
                tlp = t;
            }
            free(type);
            free(color);
        }
    }
    return tlp;
}

/* ---- reading ---- */

static void s1_xml_error(void *arg, xmlErrorPtr e)
{
    s1_ctx *c = arg;
    if (c->xml_msg[0] || !e || e->level < XML_ERR_ERROR || e->domain == XML_FROM_NAMESPACE) {
        return;
    }
    snprintf(c->xml_msg, sizeof c->xml_msg, "%s", e->message ? e->message : "XML error");
    size_t n = strlen(c->xml_msg);
    while (n && (c->xml_msg[n - 1] == '\n' || c->xml_msg[n - 1] == '.')) {
        c->xml_msg[--n] = '\0';
    }
    c->xml_line = e->line;
    c->xml_code = e->code;
}

/*
 * Where a pass reads from: an input stream or a document in memory. libxml2
 * asks for a few kilobytes at a time; a stream is read in larger blocks.
 */
#define S1_IO_BLOCK (256 * 1024)

typedef struct s1_io {
    cf_input *in;
    cf_error *err;
    const char *mem;
    size_t len, pos;
    char *block;
} s1_io;

static int s1_io_read(void *ctx, char *buf, int len)
{
    s1_io *io = ctx;
    if (io->in && io->pos == io->len) {
        ssize_t got = cf_input_read(io->in, io->block, S1_IO_BLOCK, io->err);
        if (got < 0) {
            return -1;
        }
        io->mem = io->block;
        io->len = (size_t)got;
        io->pos = 0;
    }
    size_t n = io->len - io->pos < (size_t)len ? io->len - io->pos : (size_t)len;
    if (n) {
        memcpy(buf, io->mem + io->pos, n);
    }
    io->pos += n;
    return (int)n;
}

static int s1_io_close(void *ctx)
{
    return 0;
}

/* No network, no DTD, no entity substitution, no XInclude. */
#define S1_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_COMPACT)

static s1_ctx *sax_ctx(void *ud)
{
    return ((xmlParserCtxtPtr)ud)->_private;
}

/* Stop the parse with st (already set in c->err). */
static void sax_fail(s1_ctx *c, cf_status st)
{
    if (c->sax_st == CF_OK) {
        c->sax_st = st;
    }
    xmlStopParser(c->pctxt);
}

static void sax_refuse(s1_ctx *c)
{
    int line = xmlSAX2GetLineNumber(c->pctxt);
    sax_fail(c, cf_error_set(c->err, CF_EUNSUPPORTED, c->feed, (uint64_t)line,
                             "document type declaration refused: DTDs and entities are not "
                             "allowed in STIX input (XXE or entity expansion)"));
}

static void sax_subset(void *ud, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
    sax_refuse(sax_ctx(ud));
}

static void sax_reference(void *ud, const xmlChar *name)
{
    sax_refuse(sax_ctx(ud));
}

static void sax_error(void *ud, xmlErrorPtr e)
{
    s1_xml_error(sax_ctx(ud), e);
}

/*
 * An element starts: its namespace declarations enter scope (so that
 * xsi:type prefixes resolve) and only the subtree being expanded gets an
 * element in the tree.
 */
static void sax_start(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                      int nb_ns, const xmlChar **ns, int nb_attrs, int nb_def,
                      const xmlChar **attrs)
{
    s1_ctx *c = sax_ctx(ud);
    s1_sax *s = &c->sax;
    int d = ++s->depth;
    if (c->sax_st != CF_OK) {
        return;
    }
    if (d > CF_MAX_XML_DEPTH) {
        int line = xmlSAX2GetLineNumber(c->pctxt);
        sax_fail(c, cf_error_set(c->err, CF_ELIMIT, c->feed, (uint64_t)line,
                                 "XML nesting deeper than %d elements", CF_MAX_XML_DEPTH));
        return;
    }
    cf_status sst = s1_xml_scope(&c->xml, d, nb_ns, ns);
    if (sst != CF_OK) {
        int line = xmlSAX2GetLineNumber(c->pctxt);
        sax_fail(c, sst == CF_ENOMEM ? CF_ENOMEM
                                     : cf_error_set(c->err, CF_ELIMIT, c->feed, (uint64_t)line,
                                                    "more than %d XML namespace declarations "
                                                    "in scope",
                                                    CF_MAX_XML_NAMESPACES));
        return;
    }
    bool build = s->expand_depth >= 0;
    s->tag[d] = 0;
    if (s->expand_depth < 0) {
        int kind = -1;
        cf_status st = s->on_start(c, local, uri, nb_attrs, attrs, d, &kind);
        if (st != CF_OK) {
            sax_fail(c, st);
            return;
        }
        if (kind >= 0) {
            s->expand_depth = d;
            s->expand_kind = kind;
            build = true;
        }
    }
    s->built[d] = build;
    if (build) {
        uint64_t line = (uint64_t)xmlSAX2GetLineNumber(c->pctxt);
        if (s1_xml_open(&c->xml, local, uri, nb_attrs, attrs, line) != CF_OK) {
            sax_fail(c, CF_ENOMEM);
        }
    }
}

/* An element ends: an expanded subtree is handed on, then forgotten. */
static void sax_end(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    s1_ctx *c = sax_ctx(ud);
    s1_sax *s = &c->sax;
    int d = s->depth--;
    if (d < 0 || d > CF_MAX_XML_DEPTH || c->sax_st != CF_OK) {
        return;
    }
    if (s->built[d]) {
        s1_el *n = s1_xml_close(&c->xml);
        if (d == s->expand_depth) {
            s->expand_depth = -1;
            cf_status st = n ? s->on_end(c, n, s->expand_kind) : CF_OK;
            s1_xml_clear(&c->xml);
            if (st != CF_OK) {
                sax_fail(c, st);
            }
        }
    }
    s1_xml_unscope(&c->xml, d);
}

static void sax_text(void *ud, const xmlChar *ch, int len)
{
    s1_ctx *c = sax_ctx(ud);
    if (c->sax.expand_depth >= 0 && c->sax_st == CF_OK &&
        s1_xml_text(&c->xml, (const char *)ch, (size_t)len) != CF_OK) {
        sax_fail(c, CF_ENOMEM);
    }
}

static void sax_cdata(void *ud, const xmlChar *ch, int len)
{
    s1_ctx *c = sax_ctx(ud);
    if (c->sax.expand_depth >= 0 && c->sax_st == CF_OK &&
        s1_xml_text(&c->xml, (const char *)ch, (size_t)len) != CF_OK) {
        sax_fail(c, CF_ENOMEM);
    }
}

static void sax_ignore_text(void *ud, const xmlChar *ch, int len)
{
}

static void sax_ignore_pi(void *ud, const xmlChar *target, const xmlChar *data)
{
}

static void sax_ignore_comment(void *ud, const xmlChar *value)
{
}

/* Errors libxml2 raises on an entity reference or declaration (not on any message). */
static bool s1_entity_error(int code)
{
    switch (code) {
    case XML_ERR_UNDECLARED_ENTITY:
    case XML_WAR_UNDECLARED_ENTITY:
    case XML_ERR_UNPARSED_ENTITY:
    case XML_ERR_ENTITY_IS_EXTERNAL:
    case XML_ERR_ENTITY_IS_PARAMETER:
    case XML_ERR_ENTITY_LOOP:
    case XML_ERR_ENTITY_BOUNDARY:
    case XML_ERR_ENTITY_PE_INTERNAL:
    case XML_ERR_ENTITYREF_IN_PROLOG:
    case XML_ERR_ENTITYREF_IN_EPILOG:
    case XML_ERR_ENTITYREF_IN_DTD:
    case XML_ERR_ENTITY_NOT_STARTED:
    case XML_ERR_ENTITY_NOT_FINISHED:
    case XML_ERR_ENTITY_CHAR_ERROR:
        return true;
    default:
        return false;
    }
}

static cf_status s1_read_error(s1_ctx *c)
{
    if (s1_entity_error(c->xml_code)) {
        /* libxml2 stopped an entity expansion before the DTD reached us. */
        return cf_error_set(c->err, CF_EUNSUPPORTED, c->feed, (uint64_t)c->xml_line,
                            "document refused: %s (entity expansion)", c->xml_msg);
    }
    return cf_error_set(c->err, CF_EMALFORMED, c->feed, (uint64_t)c->xml_line, "malformed XML: %s",
                        c->xml_msg[0] ? c->xml_msg : "parse error");
}

static const xmlChar *attr_of(const s1_sax *s, int nb_attrs, const xmlChar **attrs,
                              const xmlChar *name, size_t *len)
{
    for (int i = 0; i < nb_attrs; i++) {
        const xmlChar **a = attrs + 5 * i;
        if (a[0] == name && !a[2]) {
            *len = (size_t)(a[4] - a[3]);
            return a[3];
        }
    }
    return NULL;
}

/* Pass 1 on one element start: idrefs, the package id, what to expand. */
static cf_status pass1_start(s1_ctx *c, const xmlChar *l, const xmlChar *u, int nb_attrs,
                             const xmlChar **attrs, int depth, int *kind)
{
    const s1_names *nm = &c->sax.nm;
    size_t len = 0;
    if (!u) {
        return CF_OK;
    }
    if (l == nm->observable || l == nm->indicator || l == nm->object) {
        const xmlChar *idref = attr_of(&c->sax, nb_attrs, attrs, nm->idref, &len);
        bool added;
        if (idref && c->wanted.n < CF_MAX_IDREFS) {
            char *key = cf_strndup((const char *)idref, len);
            cf_status st = key ? s1_map_put(&c->wanted, key, NULL, &added) : CF_ENOMEM;
            free(key);
            return st;
        }
        return CF_OK;
    }
    bool top = u == nm->stix, common = u == nm->common;
    if (top && l == nm->package && !c->package_id) {
        const xmlChar *id = attr_of(&c->sax, nb_attrs, attrs, nm->id, &len);
        if (id) {
            c->package_id = cf_strndup((const char *)id, len);
            return c->package_id ? CF_OK : CF_ENOMEM;
        }
        return CF_OK;
    }
    int k = -1;
    if ((top || common) && l == nm->ttp) {
        k = CTX_TTP;
    } else if ((top || common) && l == nm->actor) {
        k = CTX_ACTOR;
    } else if ((top || common) && l == nm->campaign) {
        k = CTX_CAMPAIGN;
    } else if (top && l == nm->header && depth == 1) {
        k = S1_HEADER;
    }
    if (k >= 0 && !attr_of(&c->sax, nb_attrs, attrs, nm->idref, &len)) {
        *kind = k;
    }
    return CF_OK;
}

static cf_status pass1_end(s1_ctx *c, s1_el *n, int kind)
{
    if (kind == S1_HEADER) {
        free(c->package_title);
        c->package_title = s1_text(s1_child(n, S1_NS_STIX, "Title"));
        c->package_tlp = handling_tlp(s1_child(n, S1_NS_STIX, "Handling"));
        return CF_OK;
    }
    return ctx_define(c, n, kind, NULL);
}

/* ---- observable trees (pass 2) ---- */

static cf_status tree_observable(s1_ctx *c, s1_node **out, s1_el *obs, int depth);

/* Keep a node by id when pass 1 saw a reference to it; *out becomes a REF. */
static cf_status tree_keep(s1_ctx *c, s1_node **out, const char *id)
{
    if (!id || !s1_map_has(&c->wanted, id) || s1_map_has(&c->defs, id)) {
        return CF_OK;
    }
    s1_node *ref = s1_node_new(S1_REF);
    bool added = false;
    if (!ref || !(ref->ref = cf_strdup(id))) {
        s1_node_free(ref);
        return CF_ENOMEM;
    }
    cf_status st = s1_map_put(&c->defs, id, *out, &added);
    if (st != CF_OK || !added) {
        s1_node_free(ref);
        return st;
    }
    *out = ref;
    return CF_OK;
}

static cf_status tree_ref(s1_node **out, const char *idref)
{
    s1_node *n = s1_node_new(S1_REF);
    if (!n || !(n->ref = cf_strdup(idref))) {
        s1_node_free(n);
        return CF_ENOMEM;
    }
    *out = n;
    return CF_OK;
}

/*
 * Related objects of an object are further observations the object comes
 * with: they are joined to it with AND. The attachments of an e-mail are
 * part of its own expression already (body_multipart), so they are left out.
 */
static cf_status tree_related(s1_ctx *c, s1_node **out, s1_el *obj)
{
    s1_el *rel = s1_child(obj, S1_NS_CYBOX, "Related_Objects");
    if (!rel) {
        return CF_OK;
    }
    bool email = (*out)->expr && strstr((*out)->expr, "email-message:");
    s1_node *comp = s1_node_new(S1_COMP);
    cf_status st = comp ? CF_OK : CF_ENOMEM;
    for (s1_el *r = rel->children; r && st == CF_OK; r = r->next) {
        s1_node *kid = NULL;
        if (s1_is(r, S1_NS_CYBOX, "Related_Object") && s1_child(r, S1_NS_CYBOX, "Properties") &&
            !(email && s1_cybox_email_attaches(obj, s1_attr_ref(r, "id")))) {
            st = s1_cybox_object(&kid, r, &c->unsupported);
        }
        if (st == CF_OK && kid) {
            st = s1_node_add_kid(comp, kid);
        }
    }
    if (st == CF_OK && comp->n_kids) {
        st = s1_node_add_kid(comp, *out);
        if (st == CF_OK) {
            *out = comp;
            comp = NULL;
        } else {
            *out = NULL;
        }
    }
    s1_node_free(comp);
    return st;
}

static cf_status tree_object(s1_ctx *c, s1_node **out, s1_el *obj)
{
    char *idref = s1_attr(obj, "idref");
    cf_status st;
    if (idref) {
        st = tree_ref(out, idref);
        free(idref);
        return st;
    }
    st = s1_cybox_object(out, obj, &c->unsupported);
    if (st == CF_OK) {
        st = tree_related(c, out, obj);
    }
    char *id = st == CF_OK ? s1_attr(obj, "id") : NULL;
    if (id) {
        st = tree_keep(c, out, id);
    }
    free(id);
    return st;
}

static cf_status tree_composition(s1_ctx *c, s1_node **out, s1_el *comp, int depth)
{
    char *op = s1_attr(comp, "operator");
    s1_node *n = s1_node_new(S1_COMP);
    cf_status st = n ? CF_OK : CF_ENOMEM;
    if (n) {
        n->op = op && strcasecmp(op, "OR") == 0 ? S1_OR : S1_AND;
    }
    free(op);
    for (s1_el *k = comp->children; k && st == CF_OK; k = k->next) {
        if (s1_is(k, S1_NS_CYBOX, "Observable") || s1_is(k, S1_NS_IND, "Observable")) {
            s1_node *kid = NULL;
            st = tree_observable(c, &kid, k, depth + 1);
            if (st == CF_OK && kid) {
                st = s1_node_add_kid(n, kid);
            }
        }
    }
    if (st != CF_OK) {
        s1_node_free(n);
        return st;
    }
    *out = n;
    return CF_OK;
}

/* A cybox:Observable: idref, object, or composition; NULL when empty. */
static cf_status tree_observable(s1_ctx *c, s1_node **out, s1_el *obs, int depth)
{
    char *idref = s1_attr(obs, "idref");
    s1_el *k;
    cf_status st = CF_OK;
    *out = NULL;
    if (idref && (s1_child(obs, S1_NS_CYBOX, "Object") ||
                  s1_child(obs, S1_NS_CYBOX, "Observable_Composition"))) {
        /* Content given along with an idref: the content is what is meant. */
        free(idref);
        idref = NULL;
    }
    if (idref) {
        st = tree_ref(out, idref);
        free(idref);
        return st;
    }
    if (depth > CF_MAX_XML_DEPTH) {
        return CF_OK;
    }
    if ((k = s1_child(obs, S1_NS_CYBOX, "Object")) != NULL) {
        st = tree_object(c, out, k);
    } else if ((k = s1_child(obs, S1_NS_CYBOX, "Observable_Composition")) != NULL) {
        st = tree_composition(c, out, k, depth);
    } else {
        *out = s1_node_new(S1_LEAF);
        st = *out ? CF_OK : CF_ENOMEM;
        if (*out) {
            (*out)->unsupported = true;
        }
    }
    char *id = st == CF_OK && *out ? s1_attr(obs, "id") : NULL;
    if (id) {
        st = tree_keep(c, out, id);
    }
    free(id);
    return st;
}

static cf_status tree_indicator(s1_ctx *c, s1_node **out, s1_el *ind, int depth);

static cf_status tree_composite(s1_ctx *c, s1_node **out, s1_el *comp, int depth)
{
    char *op = s1_attr(comp, "operator");
    s1_node *n = s1_node_new(S1_COMP);
    cf_status st = n ? CF_OK : CF_ENOMEM;
    if (n) {
        n->op = op && strcasecmp(op, "OR") == 0 ? S1_OR : S1_AND;
    }
    free(op);
    for (s1_el *k = comp->children; k && st == CF_OK; k = k->next) {
        if (s1_is(k, S1_NS_IND, "Indicator")) {
            s1_node *kid = NULL;
            st = tree_indicator(c, &kid, k, depth + 1);
            if (st == CF_OK && kid) {
                st = s1_node_add_kid(n, kid);
            }
        }
    }
    if (st != CF_OK) {
        s1_node_free(n);
        return st;
    }
    *out = n;
    return CF_OK;
}

/* The tree of an indicator: its observable or its composite expression. */
static cf_status tree_indicator(s1_ctx *c, s1_node **out, s1_el *ind, int depth)
{
    char *idref = s1_attr(ind, "idref");
    cf_status st = CF_OK;
    *out = NULL;
    if (idref) {
        st = tree_ref(out, idref);
        free(idref);
        return st;
    }
    if (depth > CF_MAX_XML_DEPTH) {
        return CF_OK;
    }
    for (s1_el *k = ind->children; k && st == CF_OK && !*out; k = k->next) {
        if (s1_is(k, S1_NS_IND, "Observable") || s1_is(k, S1_NS_CYBOX, "Observable")) {
            st = tree_observable(c, out, k, depth + 1);
        } else if (s1_is(k, S1_NS_IND, "Composite_Indicator_Expression")) {
            st = tree_composite(c, out, k, depth + 1);
        }
    }
    char *id = st == CF_OK && *out ? s1_attr(ind, "id") : NULL;
    if (id) {
        st = tree_keep(c, out, id);
    }
    free(id);
    return st;
}

/* ---- resolution and emission ---- */

static cf_status walk(s1_ctx *c, s1_node *n, s1_walk *w, bool in_comp, int depth, size_t *exprs);

static cf_status walk_comp(s1_ctx *c, s1_node *n, s1_walk *w, int depth, size_t *exprs)
{
    cf_status st = CF_OK;
    *exprs = 0;
    for (size_t i = 0; i < n->n_kids && st == CF_OK; i++) {
        size_t mark = w->pattern.len, kid_exprs = 0;
        const char *sep = n->op == S1_OR ? " OR " : " AND ";
        st = *exprs ? cf_buf_puts(&w->pattern, sep) : CF_OK;
        size_t start = w->pattern.len;
        if (st == CF_OK) {
            st = walk(c, n->kids[i], w, true, depth + 1, &kid_exprs);
        }
        if (st != CF_OK || w->missing || w->cycle) {
            break;
        }
        if (kid_exprs == 0) {
            w->pattern.len = mark;
            if (w->pattern.data) {
                w->pattern.data[mark] = '\0';
            }
            continue;
        }
        if (kid_exprs > 1 && n->n_kids > 1) {
            /* A nested composition keeps its own grouping. */
            cf_buf inner = CF_BUF_INIT;
            st = cf_buf_printf(&inner, "(%s)", w->pattern.data + start);
            w->pattern.len = start;
            if (st == CF_OK) {
                st = cf_buf_append(&w->pattern, inner.data, inner.len);
            }
            cf_buf_free(&inner);
        }
        (*exprs)++;
    }
    return st;
}

/*
 * Render n into w->pattern and collect its observations. *exprs gets the
 * number of observation expressions joined at the top of what was written.
 */
static cf_status walk(s1_ctx *c, s1_node *n, s1_walk *w, bool in_comp, int depth, size_t *exprs)
{
    *exprs = 0;
    if (depth > CF_MAX_XML_DEPTH) {
        w->cycle = true;
        return CF_OK;
    }
    if (n->kind == S1_REF) {
        s1_node *target = s1_map_get(&c->defs, n->ref);
        if (!target) {
            w->missing = n->ref;
            return CF_OK;
        }
        if (target->visiting) {
            w->cycle = true;
            w->missing = n->ref;
            return CF_OK;
        }
        target->visiting = true;
        cf_status st = walk(c, target, w, in_comp, depth + 1, exprs);
        target->visiting = false;
        return st;
    }
    if (n->kind == S1_COMP) {
        return walk_comp(c, n, w, depth, exprs);
    }
    cf_status st = CF_OK;
    if (n->vals_len) {
        st = cf_buf_append(&w->vals, n->vals, n->vals_len);
    }
    if (n->unsupported || !n->expr) {
        w->incomplete = true;
        return st;
    }
    bool paren = in_comp && n->multi;
    if (st == CF_OK) {
        st = cf_buf_printf(&w->pattern, "[%s%s%s]", paren ? "(" : "", n->expr, paren ? ")" : "");
    }
    w->leaves++;
    w->simple = n->simple;
    *exprs = 1;
    return st;
}

static void unit_free(s1_unit *u)
{
    if (!u) {
        return;
    }
    free(u->id);
    free(u->title);
    s1_list_free(&u->labels);
    s1_list_free(&u->malware);
    s1_list_free(&u->actors);
    s1_node_free(u->root);
    free(u);
}

static cf_status unit_defer(s1_ctx *c, s1_unit *u)
{
    if (c->n_deferred >= CF_MAX_IDREFS) {
        cf_sink_diag(c->sink, CF_DIAG_REJECT, c->feed, u->line, u->id,
                     "too many forward idrefs in one package", u->id, u->id ? strlen(u->id) : 0);
        unit_free(u);
        return CF_OK;
    }
    if (c->n_deferred == c->cap_deferred) {
        size_t cap = c->cap_deferred ? c->cap_deferred * 2 : 16;
        s1_unit **d = realloc(c->deferred, cap * sizeof *d);
        if (!d) {
            unit_free(u);
            return CF_ENOMEM;
        }
        c->deferred = d;
        c->cap_deferred = cap;
    }
    c->deferred[c->n_deferred++] = u;
    return CF_OK;
}

static void unit_obs(s1_ctx *c, const s1_unit *u, cf_obs *o)
{
    cf_obs_init(o);
    o->feed = c->feed;
    o->line = u->line;
    o->ref = u->id;
    o->event = c->event;
    o->time = u->time;
    o->first_seen = u->time;
    o->confidence = c->opts->confidence >= 0 ? c->opts->confidence : u->confidence;
    o->tlp = c->opts->tlp != CF_TLP_NONE ? c->opts->tlp : u->tlp;
    o->comment = u->title;
    o->labels = (const char *const *)u->labels.v;
    o->n_labels = u->labels.n;
    o->malware = (const char *const *)u->malware.v;
    o->n_malware = u->malware.n;
    o->actors = (const char *const *)u->actors.v;
    o->n_actors = u->actors.n;
}

static cf_status unit_emit(s1_ctx *c, const s1_unit *u, const s1_walk *w)
{
    cf_obs o;
    unit_obs(c, u, &o);
    cf_status st = CF_OK;
    for (size_t i = 0; i < w->vals.len && st == CF_OK;) {
        const char *text = w->vals.data + i + 1;
        size_t n = strlen(text);
        o.type = (cf_ioc_type)(unsigned char)w->vals.data[i];
        o.text = text;
        o.len = n;
        st = c->sink->obs(c->sink->ctx, &o);
        i += n + 2;
    }
    bool want = u->indicator && !w->incomplete && w->pattern.len &&
                (c->every_pattern || w->leaves != 1 || !w->simple);
    if (st != CF_OK || !want || !c->sink->compound) {
        return st;
    }
    cf_compound cp = {
        .id = u->id,
        .name = u->title,
        .pattern = w->pattern.data,
        .feed = c->feed,
        .event = c->event,
        .tlp = o.tlp,
        .valid_from = u->time,
        .labels = o.labels,
        .n_labels = o.n_labels,
        .actors = o.actors,
        .n_actors = o.n_actors,
        .malware = o.malware,
        .n_malware = o.n_malware,
    };
    return c->sink->compound(c->sink->ctx, &cp);
}

/* The feed's own labels and actor (configuration, --label, --actor) join the unit's. */
static cf_status unit_feed_names(s1_ctx *c, s1_unit *u)
{
    cf_status st = CF_OK;
    for (size_t i = 0; i < c->opts->n_labels && st == CF_OK; i++) {
        st = s1_list_adds(&u->labels, c->opts->labels[i]);
    }
    if (st == CF_OK) {
        st = s1_list_adds(&u->actors, c->opts->actor);
    }
    return st;
}

/* Emit u when its references resolve, keep it for later, or drop it. Takes u. */
static cf_status unit_process(s1_ctx *c, s1_unit *u)
{
    s1_walk w = {CF_BUF_INIT, CF_BUF_INIT, 0, false, false, NULL, false};
    size_t exprs = 0;
    cf_status st = u->root ? walk(c, u->root, &w, false, 0, &exprs) : CF_OK;
    if (st == CF_OK && w.missing && !w.cycle && !c->final) {
        cf_buf_free(&w.pattern);
        cf_buf_free(&w.vals);
        return unit_defer(c, u);
    }
    if (st == CF_OK && w.missing) {
        /* The diagnostic names the unit (its ref) and gives the idref as its value. */
        char reason[128];
        snprintf(reason, sizeof reason, "%s in %s",
                 w.cycle ? "idref cycle" : "unresolved idref",
                 u->indicator ? "indicator" : "observable");
        cf_sink_diag(c->sink, CF_DIAG_REJECT, c->feed, u->line, u->id, reason, w.missing,
                     strlen(w.missing));
    } else if (st == CF_OK && !w.vals.len && !(w.pattern.len && !w.incomplete)) {
        if (u->indicator) {
            c->no_observable++;
        }
    } else if (st == CF_OK) {
        st = unit_feed_names(c, u);
        if (st == CF_OK) {
            st = unit_emit(c, u, &w);
        }
    }
    cf_buf_free(&w.pattern);
    cf_buf_free(&w.vals);
    unit_free(u);
    return st;
}

/* Attribution through an Indicated_TTP or a Related_Campaign. */
static cf_status unit_attribute(s1_ctx *c, s1_unit *u, const char *id)
{
    s1_ctxobj *o = s1_map_get(&c->ctxobjs, id);
    cf_status st = CF_OK;
    if (!o) {
        return CF_OK;
    }
    st = s1_list_merge(&u->malware, &o->malware);
    if (st == CF_OK) {
        st = s1_list_merge(&u->labels, &o->phases);
    }
    if (st == CF_OK) {
        st = s1_list_merge(&u->actors, &o->actors);
    }
    const s1_list *camps = &o->campaigns;
    for (size_t i = 0; i < camps->n && st == CF_OK; i++) {
        cf_buf b = CF_BUF_INIT;
        st = cf_buf_printf(&b, "campaign:%s", camps->v[i]);
        if (st == CF_OK) {
            st = s1_list_adds(&u->labels, b.data);
        }
        cf_buf_free(&b);
    }
    if (st == CF_OK && o->kind == CTX_CAMPAIGN && o->name) {
        cf_buf b = CF_BUF_INIT;
        st = cf_buf_printf(&b, "campaign:%s", o->name);
        if (st == CF_OK) {
            st = s1_list_adds(&u->labels, b.data);
        }
        cf_buf_free(&b);
    }
    return st;
}

static cf_status visit_unit_rel(s1_ctx *c, s1_unit *u, s1_el *n, int kind)
{
    char *id = s1_attr(n, "idref");
    cf_status st = CF_OK;
    if (!id) {
        st = ctx_define(c, n, kind, &id);
    }
    if (st == CF_OK && id) {
        st = unit_attribute(c, u, id);
    }
    free(id);
    return st;
}

static int confidence_of(const s1_el *conf)
{
    char *v = s1_text(s1_child(conf, S1_NS_COMMON, "Value"));
    int out = -1;
    if (v && strcasecmp(v, "high") == 0) {
        out = 85;
    } else if (v && strcasecmp(v, "medium") == 0) {
        out = 50;
    } else if (v && strcasecmp(v, "low") == 0) {
        out = 15;
    } else if (v && strcasecmp(v, "none") == 0) {
        out = 0;
    }
    free(v);
    return out;
}

/* Context of an indicator: title, type labels, kill chain, TTPs, campaigns. */
static cf_status unit_context(s1_ctx *c, s1_unit *u, s1_el *ind)
{
    cf_status st = CF_OK;
    cf_tlp tlp = CF_TLP_NONE;
    for (s1_el *k = ind->children; k && st == CF_OK; k = k->next) {
        if (s1_is(k, S1_NS_IND, "Title") && !u->title) {
            u->title = s1_text(k);
        } else if (s1_is(k, S1_NS_IND, "Type")) {
            st = add_text(&u->labels, k);
        } else if (s1_is(k, S1_NS_IND, "Handling")) {
            tlp = handling_tlp(k);
        } else if (s1_is(k, S1_NS_IND, "Confidence")) {
            u->confidence = confidence_of(k);
        } else if (s1_is(k, S1_NS_IND, "Kill_Chain_Phases")) {
            s1_ctxobj tmp = {0};
            st = each_desc(c, &tmp, k, S1_NS_COMMON, "Kill_Chain_Phase", visit_phase, 0);
            if (st == CF_OK) {
                st = s1_list_merge(&u->labels, &tmp.phases);
            }
            s1_list_free(&tmp.phases);
        } else if (s1_is(k, S1_NS_IND, "Indicated_TTP")) {
            s1_el *t = s1_child(k, S1_NS_COMMON, "TTP");
            st = t ? visit_unit_rel(c, u, t, CTX_TTP) : CF_OK;
        } else if (s1_is(k, S1_NS_IND, "Related_Campaigns")) {
            for (s1_el *r = k->children; r && st == CF_OK; r = r->next) {
                s1_el *camp = s1_child(r, S1_NS_COMMON, "Campaign");
                st = camp ? visit_unit_rel(c, u, camp, CTX_CAMPAIGN) : CF_OK;
            }
        }
    }
    u->tlp = tlp != CF_TLP_NONE ? tlp : c->package_tlp;
    return st;
}

static s1_unit *unit_new(s1_ctx *c, s1_el *n, bool indicator)
{
    s1_unit *u = calloc(1, sizeof *u);
    if (!u) {
        return NULL;
    }
    u->indicator = indicator;
    u->id = s1_attr(n, "id");
    u->line = n->line;
    u->time = CF_TIME_NONE;
    u->confidence = -1;
    u->tlp = c->package_tlp;
    char *ts = s1_attr(n, "timestamp");
    if (ts && cf_time_parse(&u->time, ts, strlen(ts)) != CF_OK) {
        u->time = CF_TIME_NONE;
    }
    free(ts);
    return u;
}

static cf_status pass2_indicator(s1_ctx *c, s1_el *n)
{
    char *idref = s1_attr(n, "idref");
    free(idref);
    if (idref) {
        return CF_OK;
    }
    s1_unit *u = unit_new(c, n, true);
    if (!u) {
        return CF_ENOMEM;
    }
    cf_status st = tree_indicator(c, &u->root, n, 0);
    if (st == CF_OK) {
        st = unit_context(c, u, n);
    }
    if (st != CF_OK) {
        unit_free(u);
        return st;
    }
    return unit_process(c, u);
}

static cf_status pass2_observable(s1_ctx *c, s1_el *n)
{
    char *idref = s1_attr(n, "idref");
    free(idref);
    if (idref) {
        return CF_OK;
    }
    s1_unit *u = unit_new(c, n, false);
    if (!u) {
        return CF_ENOMEM;
    }
    /* When referenced, the tree is kept by id and u->root refers to it. */
    cf_status st = tree_observable(c, &u->root, n, 0);
    if (st != CF_OK) {
        unit_free(u);
        return st;
    }
    return unit_process(c, u);
}

enum { S1_TAG_INDICATORS = 1, S1_TAG_OBSERVABLES = 2 };

/* Pass 2 on one element start: top-level Indicators and Observables are expanded. */
static cf_status pass2_start(s1_ctx *c, const xmlChar *l, const xmlChar *u, int nb_attrs,
                             const xmlChar **attrs, int depth, int *kind)
{
    const s1_names *nm = &c->sax.nm;
    uint8_t parent = depth > 0 ? c->sax.tag[depth - 1] : 0;
    if (u == nm->stix && l == nm->indicators) {
        c->sax.tag[depth] = S1_TAG_INDICATORS;
    } else if (u == nm->stix && l == nm->observables) {
        c->sax.tag[depth] = S1_TAG_OBSERVABLES;
    } else if (u == nm->stix && l == nm->indicator && parent == S1_TAG_INDICATORS) {
        *kind = S1_TAG_INDICATORS;
    } else if (u == nm->cybox && l == nm->observable && parent == S1_TAG_OBSERVABLES) {
        *kind = S1_TAG_OBSERVABLES;
    }
    return CF_OK;
}

static cf_status pass2_end(s1_ctx *c, s1_el *n, int kind)
{
    return kind == S1_TAG_INDICATORS ? pass2_indicator(c, n) : pass2_observable(c, n);
}

/* ---- driver ---- */

static void s1_names_init(s1_names *nm, xmlDictPtr d)
{
    nm->stix = xmlDictLookup(d, (const xmlChar *)S1_NS_STIX, -1);
    nm->common = xmlDictLookup(d, (const xmlChar *)S1_NS_COMMON, -1);
    nm->cybox = xmlDictLookup(d, (const xmlChar *)S1_NS_CYBOX, -1);
    nm->observable = xmlDictLookup(d, (const xmlChar *)"Observable", -1);
    nm->indicator = xmlDictLookup(d, (const xmlChar *)"Indicator", -1);
    nm->object = xmlDictLookup(d, (const xmlChar *)"Object", -1);
    nm->package = xmlDictLookup(d, (const xmlChar *)"STIX_Package", -1);
    nm->ttp = xmlDictLookup(d, (const xmlChar *)"TTP", -1);
    nm->actor = xmlDictLookup(d, (const xmlChar *)"Threat_Actor", -1);
    nm->campaign = xmlDictLookup(d, (const xmlChar *)"Campaign", -1);
    nm->header = xmlDictLookup(d, (const xmlChar *)"STIX_Header", -1);
    nm->indicators = xmlDictLookup(d, (const xmlChar *)"Indicators", -1);
    nm->observables = xmlDictLookup(d, (const xmlChar *)"Observables", -1);
    nm->idref = xmlDictLookup(d, (const xmlChar *)"idref", -1);
    nm->id = xmlDictLookup(d, (const xmlChar *)"id", -1);
}

static void s1_close(s1_ctx *c)
{
    /* The tree's names belong to the parser's dictionary: it goes first. */
    s1_xml_clear(&c->xml);
    c->xml.n_ns = 0;
    if (c->pctxt) {
        xmlFreeDoc(c->pctxt->myDoc);
        c->pctxt->myDoc = NULL;
        xmlFreeParserCtxt(c->pctxt);
        c->pctxt = NULL;
    }
}

/*
 * One streaming pass with libxml2's SAX2 parser. Nothing is kept of the
 * document but the root element and the one subtree being expanded.
 */
static cf_status s1_pass(s1_ctx *c, cf_input *in, const char *mem, size_t len, s1_on_start on_start,
                         s1_on_end on_end)
{
    xmlSAXHandler h;
    s1_io io = {mem ? NULL : in, c->err, mem, mem ? len : 0, 0, NULL};
    cf_status st = CF_OK;
    if (io.in) {
        io.block = malloc(S1_IO_BLOCK);
        if (!io.block) {
            return cf_error_set(c->err, CF_ENOMEM, c->feed, 0, "out of memory reading STIX 1.x");
        }
    }
    memset(&h, 0, sizeof h);
    xmlSAXVersion(&h, 2);
    h.startElementNs = sax_start;
    h.endElementNs = sax_end;
    h.characters = sax_text;
    h.ignorableWhitespace = sax_ignore_text;
    h.cdataBlock = sax_cdata;
    h.comment = sax_ignore_comment;
    h.processingInstruction = sax_ignore_pi;
    h.internalSubset = sax_subset;
    h.externalSubset = sax_subset;
    h.reference = sax_reference;
    h.serror = sax_error;
    c->xml_msg[0] = '\0';
    c->sax_st = CF_OK;
    memset(&c->sax, 0, sizeof c->sax);
    c->sax.on_start = on_start;
    c->sax.on_end = on_end;
    c->sax.depth = -1;
    c->sax.expand_depth = -1;
    c->pctxt =
        xmlCreateIOParserCtxt(&h, NULL, s1_io_read, s1_io_close, &io, XML_CHAR_ENCODING_NONE);
    if (!c->pctxt) {
        free(io.block);
        return cf_error_set(c->err, CF_ENOMEM, c->feed, 0, "cannot create an XML parser");
    }
    xmlCtxtUseOptions(c->pctxt, S1_XML_OPTIONS);
    c->pctxt->_private = c;
    s1_names_init(&c->sax.nm, c->pctxt->dict);
    int rc = xmlParseDocument(c->pctxt);
    st = c->sax_st;
    if (st == CF_OK && (rc < 0 || c->xml_msg[0] || !c->pctxt->wellFormed)) {
        st = s1_read_error(c);
    }
    s1_close(c);
    free(io.block);
    return st;
}

static void s1_make_event(s1_ctx *c)
{
    if (!c->sink->event || (!c->package_id && !c->package_title)) {
        return;
    }
    cf_event proto;
    memset(&proto, 0, sizeof proto);
    proto.uuid = c->package_id;
    proto.info = c->package_title;
    proto.date = CF_TIME_NONE;
    proto.timestamp = CF_TIME_NONE;
    proto.publish_timestamp = CF_TIME_NONE;
    proto.tlp = c->opts->tlp != CF_TLP_NONE ? c->opts->tlp : c->package_tlp;
    proto.analysis = -1;
    c->event = c->sink->event(c->sink->ctx, &proto);
}

/* End of the package: resolve what waited, then report what was skipped. */
static cf_status s1_finish(s1_ctx *c)
{
    cf_status st = CF_OK;
    c->final = true;
    for (size_t i = 0; i < c->n_deferred; i++) {
        s1_unit *u = c->deferred[i];
        c->deferred[i] = NULL;
        if (st == CF_OK) {
            st = unit_process(c, u);
        } else {
            unit_free(u);
        }
    }
    c->n_deferred = 0;
    for (size_t i = 0; i < c->unsupported.cap && st == CF_OK; i++) {
        const char *type = c->unsupported.keys[i];
        if (type) {
            char reason[128];
            snprintf(reason, sizeof reason, "unsupported CybOX object, %zu skipped",
                     (size_t)(uintptr_t)c->unsupported.vals[i]);
            cf_sink_diag(c->sink, CF_DIAG_WARNING, c->feed, 0, NULL, reason, type, strlen(type));
        }
    }
    if (st == CF_OK && c->no_observable) {
        char reason[128];
        snprintf(reason, sizeof reason,
                 "%llu indicators without a supported observable were skipped",
                 (unsigned long long)c->no_observable);
        cf_sink_diag(c->sink, CF_DIAG_WARNING, c->feed, 0, NULL, reason, NULL, 0);
    }
    return st;
}

static void s1_free(s1_ctx *c)
{
    s1_close(c);
    s1_xml_free(&c->xml);
    s1_map_free(&c->wanted, NULL);
    s1_map_free(&c->ctxobjs, ctxobj_free);
    s1_map_free(&c->defs, node_free_v);
    s1_map_free(&c->unsupported, NULL);
    for (size_t i = 0; i < c->n_deferred; i++) {
        unit_free(c->deferred[i]);
    }
    free(c->deferred);
    free(c->package_id);
    free(c->package_title);
}

cf_status cf_stix1_read_ex(cf_input *in, const cf_read_opts *o, const cf_sink *sink,
                           bool every_pattern, cf_error *err)
{
    cf_read_opts defaults;
    if (!o) {
        cf_read_opts_init(&defaults);
        o = &defaults;
    }
    s1_ctx c;
    memset(&c, 0, sizeof c);
    c.opts = o;
    c.sink = sink;
    c.err = err;
    c.feed = o->feed ? o->feed : cf_input_name(in);
    c.every_pattern = every_pattern;
    char *mem = NULL;
    size_t len = 0;
    cf_input *again = NULL;
    cf_status st = CF_OK;
    const char *path = cf_input_path(in);

    /* Pass 1 streams the input; pass 2 reopens the file or rereads memory. */
    if (!path) {
        st = cf_input_slurp(in, &mem, &len, CF_MAX_JSON_DOC_BYTES, err);
        if (st == CF_OK && len > 0x7fffffffu) {
            st = cf_error_set(err, CF_ELIMIT, c.feed, 0, "STIX 1.x document too large");
        }
    }
    if (st == CF_OK) {
        st = s1_pass(&c, in, mem, len, pass1_start, pass1_end);
    }
    if (st == CF_OK) {
        st = ctx_derive(&c);
    }
    if (st == CF_OK && path) {
        st = cf_input_open_file(&again, path, err);
    }
    if (st == CF_OK) {
        s1_make_event(&c);
        st = s1_pass(&c, again, mem, len, pass2_start, pass2_end);
    }
    if (st == CF_OK) {
        st = s1_finish(&c);
    }
    if (st == CF_ENOMEM) {
        cf_error_set(err, CF_ENOMEM, c.feed, 0, "out of memory reading STIX 1.x");
    }
    cf_input_close(again);
    free(mem);
    s1_free(&c);
    return st;
}

cf_status cf_read_stix1(cf_input *in, const cf_read_opts *o, const cf_sink *sink, cf_error *err)
{
    return cf_stix1_read_ex(in, o, sink, false, err);
}
