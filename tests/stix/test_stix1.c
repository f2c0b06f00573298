/*
 * Tests of the STIX 1.x reader: cases 15 and 16 written inline, "##comma##"
 * lists of every property and untyped URIs, refusal of
 * XXE and entity-expansion documents, counts on the real-world packages
 * and the match rate against the OASIS elevator's idiom outputs.
 */
#include <dirent.h>
#include <jansson.h>

#include "ctiflow/input.h"
#include "ctiflow/iocset.h"
#include "ctiflow/reader.h"
#include "testlib.h"
#include "../../convert/stix1_priv.h"

/* What one read produced: the IOC set, patterns and diagnostics. */
typedef struct rec {
    cf_iocset *set;
    cf_collector col;
    cf_sink inner;
    json_t *patterns; /* indicator id -> pattern */
    char diags[8192];
} rec;

static cf_status rec_compound(void *ctx, const cf_compound *c)
{
    rec *r = ctx;
    json_object_set_new(r->patterns, c->id ? c->id : "", json_string(c->pattern));
    return cf_iocset_add_compound(r->set, c);
}

static cf_status rec_obs(void *ctx, const cf_obs *o)
{
    rec *r = ctx;
    return r->inner.obs(r->inner.ctx, o);
}

static cf_event *rec_event(void *ctx, const cf_event *e)
{
    rec *r = ctx;
    return r->inner.event(r->inner.ctx, e);
}

static void rec_diag(void *ctx, const cf_diag *d)
{
    rec *r = ctx;
    size_t n = strlen(r->diags);
    snprintf(r->diags + n, sizeof r->diags - n, "%s: %s: '%.*s'\n", d->ref ? d->ref : "",
             d->reason, (int)d->value_len, d->value ? d->value : "");
}

static cf_status read_doc(rec *r, const char *name, const char *xml, size_t len, const char *path,
                          bool every, cf_error *err)
{
    memset(r, 0, sizeof *r);
    r->set = cf_iocset_new();
    r->patterns = json_object();
    cf_collector_init(&r->col, r->set, rec_diag, r);
    r->inner = cf_collector_sink(&r->col);
    cf_sink sink = {rec_obs, rec_diag, rec_compound, rec_event, r};
    cf_input *in = NULL;
    cf_error_clear(err);
    cf_status st = path ? cf_input_open_file(&in, path, err)
                        : cf_input_open_mem(&in, name, xml, len, err);
    if (st == CF_OK) {
        st = cf_stix1_read_ex(in, NULL, &sink, every, err);
    }
    cf_input_close(in);
    return st;
}

static void rec_free(rec *r)
{
    cf_collector_fini(&r->col);
    cf_iocset_free(r->set);
    json_decref(r->patterns);
}

static size_t count_type(const cf_iocset *set, cf_ioc_type t)
{
    size_t n = 0;
    for (size_t i = 0; i < cf_iocset_count(set); i++) {
        n += cf_iocset_at(set, i)->type == t;
    }
    return n;
}

#define NS                                                                                        \
    "xmlns:stix=\"http://stix.mitre.org/stix-1\" "                                                \
    "xmlns:indicator=\"http://stix.mitre.org/Indicator-2\" "                                      \
    "xmlns:cybox=\"http://cybox.mitre.org/cybox-2\" "                                             \
    "xmlns:DomainNameObj=\"http://cybox.mitre.org/objects#DomainNameObject-1\" "                  \
    "xmlns:URIObj=\"http://cybox.mitre.org/objects#URIObject-2\" "                                \
    "xmlns:marking=\"http://data-marking.mitre.org/Marking-1\" "                                  \
    "xmlns:tlpMarking=\"http://data-marking.mitre.org/extensions/MarkingStructure#TLP-1\" "       \
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:example=\"http://example.com\" "

#define DOMAIN_OBS(id, value)                                                                     \
    "<cybox:Object><cybox:Properties xsi:type=\"DomainNameObj:DomainNameObjectType\">"            \
    "<DomainNameObj:Value condition=\"Equals\">" value "</DomainNameObj:Value>"                   \
    "</cybox:Properties></cybox:Object>"

/* Case 15: a package-level TLP AMBER marking reaches the indicator. */
static void test_case15(void)
{
    static const char xml[] =
        "<?xml version=\"1.0\"?><stix:STIX_Package " NS "id=\"example:Package-1\" version=\"1.2\">"
        "<stix:STIX_Header><stix:Title>Phishing wave</stix:Title><stix:Handling><marking:Marking>"
        "<marking:Controlled_Structure>//node() | //@*</marking:Controlled_Structure>"
        "<marking:Marking_Structure xsi:type=\"tlpMarking:TLPMarkingStructureType\" "
        "color=\"AMBER\"/></marking:Marking></stix:Handling></stix:STIX_Header>"
        "<stix:Indicators><stix:Indicator id=\"example:indicator-1\" "
        "xsi:type=\"indicator:IndicatorType\"><indicator:Observable id=\"example:Observable-1\">"
        DOMAIN_OBS("x", "amber-tlp.example") "</indicator:Observable></stix:Indicator>"
        "</stix:Indicators></stix:STIX_Package>";
    rec r;
    cf_error err;
    CHECK_INT(read_doc(&r, "case15.xml", xml, sizeof xml - 1, NULL, false, &err), CF_OK);
    cf_ioc *ioc = cf_iocset_find(r.set, CF_IOC_DOMAIN, "amber-tlp.example");
    CHECK(ioc != NULL);
    CHECK_INT(ioc ? ioc->tlp : -1, CF_TLP_AMBER);
    CHECK_INT(cf_iocset_count(r.set), 1);
    CHECK_INT(cf_iocset_event_count(r.set), 1);
    rec_free(&r);
}

/* Case 16: an OR composition with a forward idref, and a dangling idref. */
static void test_case16(void)
{
    static const char xml[] =
        "<stix:STIX_Package " NS "id=\"example:Package-2\" version=\"1.2\"><stix:Indicators>"
        "<stix:Indicator id=\"example:indicator-8b9c\"><indicator:Observable id=\"example:o-9c\">"
        "<cybox:Observable_Composition operator=\"or\">"
        "<cybox:Observable idref=\"example:Observable-aa01\"/>"
        "<cybox:Observable id=\"example:Observable-aa02\"><cybox:Object>"
        "<cybox:Properties xsi:type=\"URIObj:URIObjectType\" type=\"URL\">"
        "<URIObj:Value condition=\"Equals\">http://192.0.2.149/mmtls/00004d8d</URIObj:Value>"
        "</cybox:Properties></cybox:Object></cybox:Observable></cybox:Observable_Composition>"
        "</indicator:Observable></stix:Indicator>"
        "<stix:Indicator id=\"example:indicator-0d1e\">"
        "<indicator:Observable id=\"example:Observable-aa01\">" DOMAIN_OBS("y", "c2.example.net")
        "</indicator:Observable></stix:Indicator>"
        "<stix:Indicator id=\"example:indicator-1e2f\">"
        "<indicator:Observable idref=\"example:Observable-dead\"/></stix:Indicator>"
        "</stix:Indicators></stix:STIX_Package>";
    rec r;
    cf_error err;
    CHECK_INT(read_doc(&r, "case16.xml", xml, sizeof xml - 1, NULL, true, &err), CF_OK);
    CHECK_STR(json_string_value(json_object_get(r.patterns, "example:indicator-8b9c")),
              "[domain-name:value = 'c2.example.net'] OR "
              "[url:value = 'http://192.0.2.149/mmtls/00004d8d']");
    CHECK_STR(json_string_value(json_object_get(r.patterns, "example:indicator-0d1e")),
              "[domain-name:value = 'c2.example.net']");
    CHECK(json_object_get(r.patterns, "example:indicator-1e2f") == NULL);
    CHECK_INT(json_object_size(r.patterns), 2);
    CHECK(strstr(r.diags, "example:indicator-1e2f: unresolved idref in indicator: "
                          "'example:Observable-dead'\n") != NULL);
    CHECK(strstr(r.diags, "example:Observable-dead' in") == NULL);
    CHECK_INT(cf_iocset_count(r.set), 2);
    cf_ioc *d = cf_iocset_find(r.set, CF_IOC_DOMAIN, "c2.example.net");
    CHECK_INT(d ? d->n_sightings : 0, 2);
    CHECK(cf_iocset_find(r.set, CF_IOC_URL, "http://192.0.2.149/mmtls/00004d8d") != NULL);
    rec_free(&r);

    /* Without every_pattern only the composition becomes a compound. */
    CHECK_INT(read_doc(&r, "case16.xml", xml, sizeof xml - 1, NULL, false, &err), CF_OK);
    CHECK_INT(cf_iocset_compound_count(r.set), 1);
    rec_free(&r);
}

/* A cycle of idrefs is reported, never followed forever. */
static void test_cycle(void)
{
    static const char xml[] =
        "<stix:STIX_Package " NS "version=\"1.2\"><stix:Indicators>"
        "<stix:Indicator id=\"example:indicator-c\"><indicator:Observable id=\"example:o-a\">"
        "<cybox:Observable_Composition operator=\"AND\"><cybox:Observable idref=\"example:o-a\"/>"
        "</cybox:Observable_Composition></indicator:Observable></stix:Indicator>"
        "</stix:Indicators></stix:STIX_Package>";
    rec r;
    cf_error err;
    CHECK_INT(read_doc(&r, "cycle.xml", xml, sizeof xml - 1, NULL, true, &err), CF_OK);
    CHECK(strstr(r.diags, "example:indicator-c: idref cycle in indicator: 'example:o-a'\n") !=
          NULL);
    CHECK_INT(json_object_size(r.patterns), 0);
    rec_free(&r);
}

/* ANY lists and conditions in any case; an unsupported object is counted. */
static void test_lists(void)
{
    static const char xml[] =
        "<stix:STIX_Package " NS
        "xmlns:A=\"http://cybox.mitre.org/objects#AddressObject-2\" "
        "xmlns:P=\"http://cybox.mitre.org/objects#ProcessObject-2\" version=\"1.1.1\">"
        "<stix:Indicators><stix:Indicator id=\"example:indicator-l\"><indicator:Observable>"
        "<cybox:Object><cybox:Properties xsi:type=\"A:AddressObjectType\" category=\"ipv4-addr\">"
        "<A:Address_Value condition=\"EQUALS\" apply_condition=\"ANY\">"
        "198.51.100.1##comma##198.51.100.2</A:Address_Value></cybox:Properties></cybox:Object>"
        "</indicator:Observable></stix:Indicator>"
        "<stix:Indicator id=\"example:indicator-p\"><indicator:Observable><cybox:Object>"
        "<cybox:Properties xsi:type=\"P:ProcessObjectType\"><P:Name>x</P:Name></cybox:Properties>"
        "</cybox:Object></indicator:Observable></stix:Indicator>"
        "</stix:Indicators></stix:STIX_Package>";
    rec r;
    cf_error err;
    CHECK_INT(read_doc(&r, "lists.xml", xml, sizeof xml - 1, NULL, true, &err), CF_OK);
    CHECK_STR(json_string_value(json_object_get(r.patterns, "example:indicator-l")),
              "[ipv4-addr:value = '198.51.100.1' OR ipv4-addr:value = '198.51.100.2']");
    CHECK_INT(cf_iocset_count(r.set), 2);
    CHECK(strstr(r.diags, "unsupported CybOX object, 1 skipped: 'ProcessObjectType'") != NULL);
    rec_free(&r);
}

#define OBJ_NS(prefix, object)                                                                    \
    "xmlns:" prefix "=\"http://cybox.mitre.org/objects#" object "\" "

/* One indicator holding one CybOX object of type "type" with body "props". */
#define LIST_IND(id, attrs, props)                                                                \
    "<stix:Indicator id=\"example:indicator-" id "\"><indicator:Observable><cybox:Object>"        \
    "<cybox:Properties " attrs ">" props "</cybox:Properties></cybox:Object>"                     \
    "</indicator:Observable></stix:Indicator>"

static const char *pattern_of(const rec *r, const char *id)
{
    return json_string_value(json_object_get(r->patterns, id));
}

/*
 * Contains, StartsWith and EndsWith compare text: the value goes into the
 * MATCHES expression with its regex metacharacters escaped (then the STIX
 * string escaping doubles each backslash); FitsPattern's value is an
 * expression and is kept as it is.
 */
static void test_literal_conditions(void)
{
    static const char xml[] =
        "<stix:STIX_Package " NS OBJ_NS("U", "URIObject-2") " version=\"1.1.1\">"
        "<stix:Indicators>"
        LIST_IND("s", "xsi:type=\"U:URIObjectType\"",
                 "<U:Value condition=\"StartsWith\">http://a.example/[x]?(1)</U:Value>")
        LIST_IND("e", "xsi:type=\"U:URIObjectType\"",
                 "<U:Value condition=\"EndsWith\">.php$*+|{}^\\</U:Value>")
        LIST_IND("c", "xsi:type=\"U:URIObjectType\"",
                 "<U:Value condition=\"Contains\">plain-text</U:Value>")
        LIST_IND("f", "xsi:type=\"U:URIObjectType\"",
                 "<U:Value condition=\"FitsPattern\">^http://[a-z]+\\.example/</U:Value>")
        "</stix:Indicators></stix:STIX_Package>";
    rec r;
    cf_error err;
    CHECK_INT(read_doc(&r, "literal.xml", xml, sizeof xml - 1, NULL, true, &err), CF_OK);
    CHECK_STR(pattern_of(&r, "example:indicator-s"),
              "[url:value MATCHES '^http://a\\\\.example/\\\\[x\\\\]\\\\?\\\\(1\\\\)']");
    CHECK_STR(pattern_of(&r, "example:indicator-e"),
              "[url:value MATCHES '\\\\.php\\\\$\\\\*\\\\+\\\\|\\\\{\\\\}\\\\^\\\\\\\\$']");
    CHECK_STR(pattern_of(&r, "example:indicator-c"), "[url:value MATCHES 'plain-text']");
    CHECK_STR(pattern_of(&r, "example:indicator-f"),
              "[url:value MATCHES '^http://[a-z]+\\\\.example/']");
    CHECK_INT(cf_iocset_count(r.set), 0);
    rec_free(&r);
}

/*
 * Objects that extend File (image, PDF, archive, Unix file) are read as
 * files; a related object of an e-mail that is not one of its attachments
 * joins the e-mail's expression with AND (an attachment is part of it).
 */
static void test_file_kinds_and_related(void)
{
    static const char xml[] =
        "<stix:STIX_Package " NS OBJ_NS("I", "ImageFileObject-1") OBJ_NS("F", "FileObject-2")
        OBJ_NS("E", "EmailMessageObject-2") "xmlns:common=\"http://cybox.mitre.org/common-2\" "
        "version=\"1.1.1\"><stix:Indicators>"
        LIST_IND("i", "xsi:type=\"I:ImageFileObjectType\"",
                 "<F:File_Name>logo.png</F:File_Name><F:Hashes><common:Hash>"
                 "<common:Type>SHA256</common:Type><common:Simple_Hash_Value>"
                 "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
                 "</common:Simple_Hash_Value></common:Hash></F:Hashes>")
        "<stix:Indicator id=\"example:indicator-m\"><indicator:Observable><cybox:Object>"
        "<cybox:Properties xsi:type=\"E:EmailMessageObjectType\"><E:Header>"
        "<E:Subject condition=\"Equals\">Plans</E:Subject></E:Header>"
        "<E:Attachments><E:File object_reference=\"example:file-att\"/></E:Attachments>"
        "</cybox:Properties><cybox:Related_Objects>"
        "<cybox:Related_Object id=\"example:file-att\"><cybox:Properties "
        "xsi:type=\"F:FileObjectType\"><F:File_Name condition=\"Equals\">a.doc</F:File_Name>"
        "</cybox:Properties></cybox:Related_Object>"
        "<cybox:Related_Object id=\"example:file-rel\"><cybox:Properties "
        "xsi:type=\"F:FileObjectType\"><F:File_Name condition=\"Equals\">b.pdf</F:File_Name>"
        "</cybox:Properties><cybox:Relationship>Contains</cybox:Relationship>"
        "</cybox:Related_Object></cybox:Related_Objects>"
        "</cybox:Object></indicator:Observable></stix:Indicator>"
        "</stix:Indicators></stix:STIX_Package>";
    rec r;
    cf_error err;
    CHECK_INT(read_doc(&r, "kinds.xml", xml, sizeof xml - 1, NULL, true, &err), CF_OK);
    CHECK_STR(pattern_of(&r, "example:indicator-i"),
              "[file:hashes.'SHA-256' = "
              "'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' AND "
              "file:name = 'logo.png']");
    static const char pair[] =
        "logo.png|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    CHECK(cf_iocset_find(r.set, CF_IOC_FILE, pair) != NULL);
    CHECK_STR(pattern_of(&r, "example:indicator-m"),
              "[file:name = 'b.pdf'] AND [(email-message:subject = 'Plans' AND "
              "email-message:body_multipart[*].body_raw_ref.name = 'a.doc')]");
    CHECK(cf_iocset_find(r.set, CF_IOC_FILENAME, "b.pdf") != NULL);
    CHECK(strstr(r.diags, "unsupported CybOX object") == NULL);
    rec_free(&r);
}

/* "##comma##" lists are split for every property we read, one IOC per element. */
static void test_lists_everywhere(void)
{
    static const char xml[] =
        "<stix:STIX_Package " NS "xmlns:cyboxCommon=\"http://cybox.mitre.org/common-2\" "
        OBJ_NS("F", "FileObject-2") OBJ_NS("A", "AddressObject-2") OBJ_NS("M", "MutexObject-2")
        OBJ_NS("R", "WinRegistryKeyObject-2") OBJ_NS("H", "HTTPSessionObject-2")
        OBJ_NS("PO", "PortObject-2") OBJ_NS("S", "SocketAddressObject-1")
        "version=\"1.2\"><stix:Indicators>"
        /* One hash list, the middle element invalid (34 digits). */
        LIST_IND("h", "xsi:type=\"F:FileObjectType\"",
                 "<F:Hashes><cyboxCommon:Hash><cyboxCommon:Type>MD5</cyboxCommon:Type>"
                 "<cyboxCommon:Simple_Hash_Value condition=\"Equals\" apply_condition=\"ANY\">"
                 "0123456789abcdef0123456789ABCDEF##comma##0123456789abcdef0123456789abcdef00"
                 "##comma##00112233445566778899aabbccddeeff</cyboxCommon:Simple_Hash_Value>"
                 "</cyboxCommon:Hash></F:Hashes>")
        /* An ALL list of unnamed hashes next to another hash: ANDed, in parentheses. */
        LIST_IND("h2", "xsi:type=\"F:FileObjectType\"",
                 "<F:Hashes><cyboxCommon:Hash><cyboxCommon:Simple_Hash_Value "
                 "apply_condition=\"ALL\">1111111111111111111111111111111111111111##comma##"
                 "2222222222222222222222222222222222222222222222222222222222222222"
                 "</cyboxCommon:Simple_Hash_Value></cyboxCommon:Hash><cyboxCommon:Hash>"
                 "<cyboxCommon:Type>MD5</cyboxCommon:Type><cyboxCommon:Simple_Hash_Value>"
                 "33333333333333333333333333333333</cyboxCommon:Simple_Hash_Value>"
                 "</cyboxCommon:Hash></F:Hashes>")
        LIST_IND("n", "xsi:type=\"F:FileObjectType\"",
                 "<F:File_Name condition=\"Equals\" apply_condition=\"ANY\">"
                 "dropper.exe##comma## payload.dll </F:File_Name>")
        LIST_IND("a", "xsi:type=\"A:AddressObjectType\"",
                 "<A:Address_Value condition=\"Equals\" apply_condition=\"ALL\">"
                 "198.51.100.7##comma##2001:db8::1##comma##not-an-address</A:Address_Value>")
        LIST_IND("e", "xsi:type=\"A:AddressObjectType\" category=\"e-mail\"",
                 "<A:Address_Value condition=\"Equals\">a@example.org##comma##b@example.org"
                 "</A:Address_Value>")
        LIST_IND("d", "xsi:type=\"DomainNameObj:DomainNameObjectType\"",
                 "<DomainNameObj:Value condition=\"Equals\" apply_condition=\"ANY\">"
                 "one.example##comma##two.example</DomainNameObj:Value>")
        LIST_IND("m", "xsi:type=\"M:MutexObjectType\"",
                 "<M:Name condition=\"Equals\" apply_condition=\"ANY\">Global\\mx1##comma##mx2"
                 "</M:Name>")
        LIST_IND("r", "xsi:type=\"R:WindowsRegistryKeyObjectType\"",
                 "<R:Key condition=\"Equals\" apply_condition=\"ANY\">Software\\Run1##comma##"
                 "Software\\Run2</R:Key><R:Hive>HKEY_LOCAL_MACHINE</R:Hive>")
        LIST_IND("u", "xsi:type=\"H:HTTPSessionObjectType\"",
                 "<H:HTTP_Request_Response><H:HTTP_Client_Request><H:HTTP_Request_Header>"
                 "<H:Parsed_Header><H:User_Agent condition=\"Equals\" apply_condition=\"ANY\">"
                 "EvilBot/1.0##comma##EvilBot/2.0</H:User_Agent></H:Parsed_Header>"
                 "</H:HTTP_Request_Header></H:HTTP_Client_Request></H:HTTP_Request_Response>")
        LIST_IND("p", "xsi:type=\"PO:PortObjectType\"",
                 "<PO:Port_Value condition=\"Equals\" apply_condition=\"ANY\">8080##comma##8443"
                 "</PO:Port_Value>")
        LIST_IND("s", "xsi:type=\"S:SocketAddressObjectType\"",
                 "<S:IP_Address xsi:type=\"A:AddressObjectType\" category=\"ipv4-addr\">"
                 "<A:Address_Value condition=\"Equals\" apply_condition=\"ANY\">"
                 "203.0.113.1##comma##203.0.113.2</A:Address_Value></S:IP_Address>"
                 "<S:Port><PO:Port_Value condition=\"Equals\">443</PO:Port_Value></S:Port>")
        "</stix:Indicators></stix:STIX_Package>";
    rec r;
    cf_error err;
    CHECK_INT(read_doc(&r, "lists2.xml", xml, sizeof xml - 1, NULL, true, &err), CF_OK);
    CHECK_STR(pattern_of(&r, "example:indicator-h"),
              "[file:hashes.MD5 = '0123456789abcdef0123456789ABCDEF' OR "
              "file:hashes.MD5 = '0123456789abcdef0123456789abcdef00' OR "
              "file:hashes.MD5 = '00112233445566778899aabbccddeeff']");
    CHECK_INT(count_type(r.set, CF_IOC_MD5), 3);
    CHECK(cf_iocset_find(r.set, CF_IOC_MD5, "0123456789abcdef0123456789abcdef") != NULL);
    CHECK(cf_iocset_find(r.set, CF_IOC_MD5, "00112233445566778899aabbccddeeff") != NULL);
    CHECK(cf_iocset_find(r.set, CF_IOC_MD5, "33333333333333333333333333333333") != NULL);
    CHECK(strstr(r.diags, "example:indicator-h: invalid md5 hash: not 32 hexadecimal digits: "
                          "'0123456789abcdef0123456789abcdef00'\n") != NULL);
    CHECK(strstr(r.diags, "##comma##") == NULL);
    CHECK_STR(pattern_of(&r, "example:indicator-h2"),
              "[(file:hashes.'SHA-1' = '1111111111111111111111111111111111111111' AND "
              "file:hashes.'SHA-256' = "
              "'2222222222222222222222222222222222222222222222222222222222222222') OR "
              "file:hashes.MD5 = '33333333333333333333333333333333']");
    CHECK_INT(count_type(r.set, CF_IOC_SHA1), 1);
    CHECK_INT(count_type(r.set, CF_IOC_SHA256), 1);
    CHECK_STR(pattern_of(&r, "example:indicator-n"),
              "[file:name = 'dropper.exe' OR file:name = 'payload.dll']");
    CHECK_INT(count_type(r.set, CF_IOC_FILENAME), 2);
    CHECK(cf_iocset_find(r.set, CF_IOC_FILENAME, "payload.dll") != NULL);
    CHECK_STR(pattern_of(&r, "example:indicator-a"),
              "[ipv4-addr:value = '198.51.100.7' AND ipv6-addr:value = '2001:db8::1' AND "
              "ipv4-addr:value = 'not-an-address']");
    CHECK(cf_iocset_find(r.set, CF_IOC_IP, "198.51.100.7") != NULL);
    CHECK(cf_iocset_find(r.set, CF_IOC_IP, "2001:db8::1") != NULL);
    CHECK(strstr(r.diags, "'not-an-address'\n") != NULL);
    CHECK_STR(pattern_of(&r, "example:indicator-e"),
              "[email-addr:value = 'a@example.org' OR email-addr:value = 'b@example.org']");
    CHECK_INT(count_type(r.set, CF_IOC_EMAIL), 2);
    CHECK_STR(pattern_of(&r, "example:indicator-d"),
              "[domain-name:value = 'one.example' OR domain-name:value = 'two.example']");
    CHECK_INT(count_type(r.set, CF_IOC_DOMAIN), 2);
    CHECK_STR(pattern_of(&r, "example:indicator-m"),
              "[mutex:name = 'Global\\\\mx1' OR mutex:name = 'mx2']");
    CHECK(cf_iocset_find(r.set, CF_IOC_MUTEX, "Global\\mx1") != NULL);
    CHECK_INT(count_type(r.set, CF_IOC_MUTEX), 2);
    CHECK_INT(count_type(r.set, CF_IOC_REGKEY), 2);
    CHECK(cf_iocset_find(r.set, CF_IOC_REGKEY, "HKEY_LOCAL_MACHINE\\Software\\Run2") != NULL);
    CHECK_INT(count_type(r.set, CF_IOC_USER_AGENT), 2);
    CHECK(cf_iocset_find(r.set, CF_IOC_USER_AGENT, "EvilBot/2.0") != NULL);
    CHECK_STR(pattern_of(&r, "example:indicator-p"),
              "[network-traffic:dst_port = 8080 OR network-traffic:dst_port = 8443]");
    CHECK_STR(pattern_of(&r, "example:indicator-s"),
              "[(network-traffic:src_ref.value = '203.0.113.1' OR "
              "network-traffic:src_ref.value = '203.0.113.2') AND network-traffic:src_port = 443]");
    CHECK(cf_iocset_find(r.set, CF_IOC_ENDPOINT, "203.0.113.1:443") != NULL);
    CHECK(cf_iocset_find(r.set, CF_IOC_ENDPOINT, "203.0.113.2:443") != NULL);
    CHECK_INT(count_type(r.set, CF_IOC_ENDPOINT), 2);
    CHECK_INT(count_type(r.set, CF_IOC_IP), 4);
    CHECK_INT(cf_iocset_count(r.set), 23);
    rec_free(&r);
}

/* A URIObject without a type: a bare domain or address is detected, a URL stays a URL. */
static void test_uri_untyped(void)
{
    static const char xml[] =
        "<stix:STIX_Package " NS "version=\"1.2\"><stix:Indicators>"
        LIST_IND("u", "xsi:type=\"URIObj:URIObjectType\"",
                 "<URIObj:Value condition=\"Equals\" apply_condition=\"ANY\">"
                 "Malicious1.Example.com##comma##192.0.2.5##comma##http://x.example/a"
                 "##comma##example.net:8080/gate.php</URIObj:Value>")
        LIST_IND("t", "xsi:type=\"URIObj:URIObjectType\" type=\"URL\"",
                 "<URIObj:Value condition=\"Equals\">bare.example</URIObj:Value>")
        "</stix:Indicators></stix:STIX_Package>";
    rec r;
    cf_error err;
    CHECK_INT(read_doc(&r, "uri.xml", xml, sizeof xml - 1, NULL, true, &err), CF_OK);
    CHECK_STR(pattern_of(&r, "example:indicator-u"),
              "[domain-name:value = 'malicious1.example.com' OR "
              "ipv4-addr:value = '192.0.2.5' OR url:value = 'http://x.example/a' OR "
              "url:value = 'http://example.net:8080/gate.php']");
    CHECK(cf_iocset_find(r.set, CF_IOC_DOMAIN, "malicious1.example.com") != NULL);
    CHECK(cf_iocset_find(r.set, CF_IOC_IP, "192.0.2.5") != NULL);
    CHECK(cf_iocset_find(r.set, CF_IOC_URL, "http://x.example/a") != NULL);
    CHECK_INT(count_type(r.set, CF_IOC_URL), 2);
    /* A declared URL type is kept: the bare domain is no URL. */
    CHECK(strstr(r.diags, "example:indicator-t: not a URL: no scheme and no path: "
                          "'bare.example'\n") != NULL);
    CHECK_INT(cf_iocset_count(r.set), 4);
    rec_free(&r);
}

/* Actors, campaigns and malware reached through idrefs defined later. */
static void test_attribution(void)
{
    static const char xml[] =
        "<stix:STIX_Package " NS "xmlns:stixCommon=\"http://stix.mitre.org/common-1\" "
        "xmlns:ttp=\"http://stix.mitre.org/TTP-1\" "
        "xmlns:ta=\"http://stix.mitre.org/ThreatActor-1\" "
        "xmlns:campaign=\"http://stix.mitre.org/Campaign-1\" version=\"1.2\">"
        "<stix:Indicators><stix:Indicator id=\"example:indicator-a\"><indicator:Observable>"
        DOMAIN_OBS("z", "evil.example") "</indicator:Observable>"
        "<indicator:Indicated_TTP><stixCommon:TTP idref=\"example:ttp-1\"/>"
        "</indicator:Indicated_TTP>"
        "</stix:Indicator></stix:Indicators>"
        "<stix:TTPs><stix:TTP id=\"example:ttp-1\"><ttp:Title>Dropper</ttp:Title><ttp:Behavior>"
        "<ttp:Malware><ttp:Malware_Instance><ttp:Name>X-Agent</ttp:Name></ttp:Malware_Instance>"
        "</ttp:Malware></ttp:Behavior></stix:TTP></stix:TTPs>"
        "<stix:Campaigns><stix:Campaign id=\"example:camp-1\"><campaign:Title>Wave</campaign:Title>"
        "<campaign:Related_TTPs><campaign:Related_TTP><stixCommon:TTP idref=\"example:ttp-1\"/>"
        "</campaign:Related_TTP></campaign:Related_TTPs></stix:Campaign></stix:Campaigns>"
        "<stix:Threat_Actors><stix:Threat_Actor id=\"example:ta-1\"><ta:Title>APT28</ta:Title>"
        "<ta:Associated_Campaigns><ta:Associated_Campaign><stixCommon:Campaign "
        "idref=\"example:camp-1\"/></ta:Associated_Campaign></ta:Associated_Campaigns>"
        "</stix:Threat_Actor></stix:Threat_Actors></stix:STIX_Package>";
    rec r;
    cf_error err;
    CHECK_INT(read_doc(&r, "attr.xml", xml, sizeof xml - 1, NULL, false, &err), CF_OK);
    cf_ioc *ioc = cf_iocset_find(r.set, CF_IOC_DOMAIN, "evil.example");
    CHECK(ioc != NULL);
    CHECK_INT(ioc ? ioc->n_malware : 0, 1);
    CHECK_STR(ioc && ioc->n_malware ? ioc->malware[0] : NULL, "X-Agent");
    CHECK_INT(ioc ? ioc->n_actors : 0, 1);
    CHECK_STR(ioc && ioc->n_actors ? ioc->actors[0] : NULL, "APT28");
    bool camp = false;
    for (size_t i = 0; ioc && i < ioc->n_labels; i++) {
        camp = camp || strcmp(ioc->labels[i], "campaign:Wave") == 0;
    }
    CHECK(camp);
    rec_free(&r);
}

/* XXE and billion laughs are refused with a clear error. */
static void test_unsafe(void)
{
    static const char xxe[] =
        "<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
        "<stix:STIX_Package xmlns:stix=\"http://stix.mitre.org/stix-1\">"
        "<stix:STIX_Header><stix:Title>&xxe;</stix:Title></stix:STIX_Header></stix:STIX_Package>";
    static const char laughs[] =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
        "<stix:STIX_Package xmlns:stix=\"http://stix.mitre.org/stix-1\">&lol3;</stix:STIX_Package>";
    rec r;
    cf_error err;
    CHECK_INT(read_doc(&r, "xxe.xml", xxe, sizeof xxe - 1, NULL, false, &err), CF_EUNSUPPORTED);
    CHECK(strstr(err.msg, "document type declaration refused") != NULL);
    CHECK_INT(cf_iocset_count(r.set), 0);
    rec_free(&r);
    CHECK_INT(read_doc(&r, "lol.xml", laughs, sizeof laughs - 1, NULL, false, &err),
              CF_EUNSUPPORTED);
    CHECK(strstr(err.msg, "entity expansion") != NULL);
    rec_free(&r);

    /* Depth beyond the limit. */
    cf_buf deep = CF_BUF_INIT;
    for (int i = 0; i < 300; i++) {
        cf_buf_puts(&deep, "<a>");
    }
    for (int i = 0; i < 300; i++) {
        cf_buf_puts(&deep, "</a>");
    }
    CHECK(read_doc(&r, "deep.xml", deep.data, deep.len, NULL, false, &err) != CF_OK);
    rec_free(&r);
    cf_buf_free(&deep);
}

static void test_real_world(void)
{
    char p[1024];
    rec r;
    cf_error err;
    if (!test_corpus(p, sizeof p, "stix1/real-world/Samples/Mandiant APT1 Report/"
                                   "Appendix_D_FQDNs.xml")) {
        printf("skipped real-world: corpus absent\n");
        return;
    }
    CHECK_INT(read_doc(&r, NULL, NULL, 0, p, false, &err), CF_OK);
    CHECK_INT(count_type(r.set, CF_IOC_DOMAIN), 2046);
    CHECK_INT(cf_iocset_count(r.set), 2046);
    rec_free(&r);

    test_corpus(p, sizeof p, "stix1/real-world/Samples/Mandiant APT1 Report/Appendix_E_MD5s.xml");
    CHECK_INT(read_doc(&r, NULL, NULL, 0, p, false, &err), CF_OK);
    CHECK_INT(count_type(r.set, CF_IOC_MD5), 1007);
    rec_free(&r);

    test_corpus(p, sizeof p, "stix1/real-world/Samples/JAR-16-20296A.xml");
    CHECK_INT(read_doc(&r, NULL, NULL, 0, p, false, &err), CF_OK);
    CHECK_INT(count_type(r.set, CF_IOC_IP), 874);
    CHECK_INT(count_type(r.set, CF_IOC_DOMAIN), 10);
    CHECK_INT(count_type(r.set, CF_IOC_SHA256), 17);
    CHECK_INT(cf_iocset_count(r.set), 913);
    cf_ioc *u = cf_iocset_find(r.set, CF_IOC_URL, "http://efax.pfdregistry.net/eFax/37486.ZIP");
    CHECK(u != NULL);
    CHECK_INT(u ? u->tlp : -1, CF_TLP_CLEAR);
    rec_free(&r);

    /* A "##comma##" hash list whose first element has 34 digits. */
    test_corpus(p, sizeof p, "stix1/real-world/Samples/Mitre STIX Examples/"
                             "STIX_FileHash_Watchlist.xml");
    CHECK_INT(read_doc(&r, NULL, NULL, 0, p, false, &err), CF_OK);
    CHECK_INT(cf_iocset_count(r.set), 2);
    CHECK_INT(count_type(r.set, CF_IOC_MD5), 2);
    CHECK(cf_iocset_find(r.set, CF_IOC_MD5, "abcdef1234567890abcdef1234567890") != NULL);
    CHECK(cf_iocset_find(r.set, CF_IOC_MD5, "00112233445566778899aabbccddeeff") != NULL);
    CHECK(strstr(r.diags, "invalid md5 hash: not 32 hexadecimal digits: "
                          "'01234567890abcdef01234567890abcdef'\n") != NULL);
    rec_free(&r);

    /* Bare domains in an untyped URIObject list. */
    test_corpus(p, sizeof p, "stix1/real-world/Samples/Mitre STIX Examples/"
                             "STIX_Domain_Watchlist.xml");
    CHECK_INT(read_doc(&r, NULL, NULL, 0, p, false, &err), CF_OK);
    CHECK_INT(cf_iocset_count(r.set), 3);
    CHECK_INT(count_type(r.set, CF_IOC_DOMAIN), 3);
    CHECK(cf_iocset_find(r.set, CF_IOC_DOMAIN, "malicious1.example.com") != NULL);
    CHECK(cf_iocset_find(r.set, CF_IOC_DOMAIN, "malicious2.example.com") != NULL);
    CHECK(cf_iocset_find(r.set, CF_IOC_DOMAIN, "malicious3.example.com") != NULL);
    CHECK_STR(r.diags, "");
    rec_free(&r);
}

/* Every STIX 1.x file of the corpus is read without a crash. */
static int walk_corpus(const char *dir, int *files)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int bad = 0;
    while (d && (e = readdir(d)) != NULL) {
        char p[2048];
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        size_t n = strlen(p);
        if (e->d_type == DT_DIR) {
            bad += walk_corpus(p, files);
        } else if (n > 4 && strcasecmp(p + n - 4, ".xml") == 0) {
            rec r;
            cf_error err;
            cf_status st = read_doc(&r, NULL, NULL, 0, p, false, &err);
            bad += st != CF_OK && st != CF_EMALFORMED;
            (*files)++;
            rec_free(&r);
        }
    }
    if (d) {
        closedir(d);
    }
    return bad;
}

static void test_corpus_all(void)
{
    char p[1024];
    if (!test_corpus(p, sizeof p, "stix1")) {
        return;
    }
    int files = 0;
    CHECK_INT(walk_corpus(p, &files), 0);
    CHECK(files > 150);
    printf("read %d STIX 1.x corpus files\n", files);
}

int main(void)
{
    test_case15();
    test_case16();
    test_cycle();
    test_lists();
    test_lists_everywhere();
    test_literal_conditions();
    test_file_kinds_and_related();
    test_uri_untyped();
    test_attribution();
    test_unsafe();
    test_real_world();
    test_corpus_all();
    TEST_MAIN_END();
}
