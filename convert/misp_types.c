/*
 * The MISP attribute type table, taken from MISP's describeTypes.json
 * (PyMISP data, 194 types): default category and to_ids per type, and the
 * IOC type ctiflow carries for the types it understands. Types mapped to
 * CF_IOC_NONE are known to MISP but not carried; readers count and report
 * them instead of dropping them silently.
 *
 * A name is looked up through an index built once: a hash table of 512
 * slots over the names (every attribute of a document looks its type up,
 * and a binary search cost eight string comparisons).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "misp_types.h"

/* Sorted by name in byte order (cf_misp_type_at lists them in that order). */
static const misp_type mt_table[] = {
    {"AS", CF_IOC_ASN, MS_PLAIN, "Network activity", false},
    {"aba-rtn", CF_IOC_NONE, MS_PLAIN, "Financial fraud", true},
    {"anonymised", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"attachment", CF_IOC_NONE, MS_PLAIN, "External analysis", false},
    {"authentihash", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"azure-application-id", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"bank-account-nr", CF_IOC_NONE, MS_PLAIN, "Financial fraud", true},
    {"bic", CF_IOC_NONE, MS_PLAIN, "Financial fraud", true},
    {"bin", CF_IOC_NONE, MS_PLAIN, "Financial fraud", true},
    {"boolean", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"bro", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"btc", CF_IOC_NONE, MS_PLAIN, "Financial fraud", true},
    {"campaign-id", CF_IOC_NONE, MS_PLAIN, "Attribution", false},
    {"campaign-name", CF_IOC_NONE, MS_PLAIN, "Attribution", false},
    {"cc-number", CF_IOC_NONE, MS_PLAIN, "Financial fraud", true},
    {"cdhash", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"chrome-extension-id", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"comment", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"community-id", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"cookie", CF_IOC_NONE, MS_PLAIN, "Network activity", false},
    {"cortex", CF_IOC_NONE, MS_PLAIN, "External analysis", false},
    {"counter", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"country-of-residence", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"cpe", CF_IOC_NONE, MS_PLAIN, "External analysis", false},
    {"dash", CF_IOC_NONE, MS_PLAIN, "Financial fraud", true},
    {"date-of-birth", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"datetime", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"dkim", CF_IOC_NONE, MS_PLAIN, "Network activity", false},
    {"dkim-signature", CF_IOC_NONE, MS_PLAIN, "Network activity", false},
    {"dns-soa-email", CF_IOC_EMAIL, MS_PLAIN, "Attribution", false},
    {"dom-hash", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"domain", CF_IOC_DOMAIN, MS_PLAIN, "Network activity", true},
    {"domain|ip", CF_IOC_DOMAIN, MS_DOMAIN_IP, "Network activity", true},
    {"edge-extension-id", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"email", CF_IOC_EMAIL, MS_PLAIN, "Social network", true},
    {"email-attachment", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"email-body", CF_IOC_NONE, MS_PLAIN, "Payload delivery", false},
    {"email-dst", CF_IOC_EMAIL, MS_PLAIN, "Network activity", true},
    {"email-dst-display-name", CF_IOC_NONE, MS_PLAIN, "Payload delivery", false},
    {"email-header", CF_IOC_NONE, MS_PLAIN, "Payload delivery", false},
    {"email-message-id", CF_IOC_NONE, MS_PLAIN, "Payload delivery", false},
    {"email-mime-boundary", CF_IOC_NONE, MS_PLAIN, "Payload delivery", false},
    {"email-reply-to", CF_IOC_EMAIL, MS_PLAIN, "Payload delivery", false},
    {"email-src", CF_IOC_EMAIL, MS_PLAIN, "Payload delivery", true},
    {"email-src-display-name", CF_IOC_NONE, MS_PLAIN, "Payload delivery", false},
    {"email-subject", CF_IOC_NONE, MS_PLAIN, "Payload delivery", false},
    {"email-thread-index", CF_IOC_NONE, MS_PLAIN, "Payload delivery", false},
    {"email-x-mailer", CF_IOC_NONE, MS_PLAIN, "Payload delivery", false},
    {"eppn", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"favicon-mmh3", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"filename", CF_IOC_FILENAME, MS_PLAIN, "Payload delivery", true},
    {"filename-pattern", CF_IOC_NONE, MS_PLAIN, "Payload installation", true},
    {"filename|authentihash", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|impfuzzy", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|imphash", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|md5", CF_IOC_MD5, MS_FILE_HASH, "Payload delivery", true},
    {"filename|pehash", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|sha1", CF_IOC_SHA1, MS_FILE_HASH, "Payload delivery", true},
    {"filename|sha224", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|sha256", CF_IOC_SHA256, MS_FILE_HASH, "Payload delivery", true},
    {"filename|sha3-224", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|sha3-256", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|sha3-384", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|sha3-512", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|sha384", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|sha512", CF_IOC_SHA512, MS_FILE_HASH, "Payload delivery", true},
    {"filename|sha512/224", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|sha512/256", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"filename|ssdeep", CF_IOC_SSDEEP, MS_FILE_SPLIT, "Payload delivery", true},
    {"filename|tlsh", CF_IOC_TLSH, MS_FILE_SPLIT, "Payload delivery", true},
    {"filename|vhash", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"first-name", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"float", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"frequent-flyer-number", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"full-name", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"gender", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"gene", CF_IOC_NONE, MS_PLAIN, "Artifacts dropped", false},
    {"git-commit-id", CF_IOC_NONE, MS_PLAIN, "Internal reference", false},
    {"github-organisation", CF_IOC_NONE, MS_PLAIN, "Social network", false},
    {"github-repository", CF_IOC_NONE, MS_PLAIN, "Social network", false},
    {"github-username", CF_IOC_NONE, MS_PLAIN, "Social network", false},
    {"hassh-md5", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"hasshserver-md5", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"hex", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"hostname", CF_IOC_DOMAIN, MS_PLAIN, "Network activity", true},
    {"hostname|port", CF_IOC_DOMAIN, MS_HOST_PORT, "Network activity", true},
    {"http-method", CF_IOC_NONE, MS_PLAIN, "Network activity", false},
    {"iban", CF_IOC_NONE, MS_PLAIN, "Financial fraud", true},
    {"identity-card-number", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"impfuzzy", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"imphash", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"integer", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"ip-dst", CF_IOC_IP, MS_PLAIN, "Network activity", true},
    {"ip-dst|port", CF_IOC_ENDPOINT, MS_IP_PORT, "Network activity", true},
    {"ip-src", CF_IOC_IP, MS_PLAIN, "Network activity", true},
    {"ip-src|port", CF_IOC_ENDPOINT, MS_IP_PORT, "Network activity", true},
    {"issue-date-of-the-visa", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"ja3-fingerprint-md5", CF_IOC_JA3, MS_PLAIN, "Network activity", true},
    {"jabber-id", CF_IOC_NONE, MS_PLAIN, "Social network", false},
    {"jarm-fingerprint", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"kusto-query", CF_IOC_NONE, MS_PLAIN, "Artifacts dropped", false},
    {"last-name", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"link", CF_IOC_URL, MS_PLAIN, "External analysis", false},
    {"mac-address", CF_IOC_NONE, MS_PLAIN, "Network activity", false},
    {"mac-eui-64", CF_IOC_NONE, MS_PLAIN, "Network activity", false},
    {"malware-sample", CF_IOC_MD5, MS_FILE_HASH, "Payload delivery", true},
    {"malware-type", CF_IOC_NONE, MS_PLAIN, "Payload delivery", false},
    {"md5", CF_IOC_MD5, MS_PLAIN, "Payload delivery", true},
    {"middle-name", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"mime-type", CF_IOC_NONE, MS_PLAIN, "Artifacts dropped", false},
    {"mobile-application-id", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"mutex", CF_IOC_MUTEX, MS_PLAIN, "Artifacts dropped", true},
    {"named pipe", CF_IOC_NONE, MS_PLAIN, "Artifacts dropped", false},
    {"nationality", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"onion-address", CF_IOC_DOMAIN, MS_PLAIN, "Network activity", true},
    {"other", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"passenger-name-record-locator-number", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"passport-country", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"passport-expiration", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"passport-number", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"pattern-in-file", CF_IOC_NONE, MS_PLAIN, "Payload installation", true},
    {"pattern-in-memory", CF_IOC_NONE, MS_PLAIN, "Payload installation", true},
    {"pattern-in-traffic", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"payment-details", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"pdb", CF_IOC_NONE, MS_PLAIN, "Artifacts dropped", false},
    {"pehash", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"pgp-private-key", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"pgp-public-key", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"phone-number", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"place-of-birth", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"place-port-of-clearance", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"place-port-of-onward-foreign-destination", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"place-port-of-original-embarkation", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"port", CF_IOC_NONE, MS_PLAIN, "Network activity", false},
    {"primary-residence", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"process-state", CF_IOC_NONE, MS_PLAIN, "Artifacts dropped", false},
    {"prtn", CF_IOC_NONE, MS_PLAIN, "Financial fraud", true},
    {"redress-number", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"regkey", CF_IOC_REGKEY, MS_PLAIN, "Persistence mechanism", true},
    {"regkey|value", CF_IOC_REGKEY, MS_REGKEY_VALUE, "Persistence mechanism", true},
    {"sha1", CF_IOC_SHA1, MS_PLAIN, "Payload delivery", true},
    {"sha224", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"sha256", CF_IOC_SHA256, MS_PLAIN, "Payload delivery", true},
    {"sha3-224", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"sha3-256", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"sha3-384", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"sha3-512", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"sha384", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"sha512", CF_IOC_SHA512, MS_PLAIN, "Payload delivery", true},
    {"sha512/224", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"sha512/256", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"sigma", CF_IOC_NONE, MS_PLAIN, "Payload installation", true},
    {"size-in-bytes", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"snort", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"special-service-request", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"ssdeep", CF_IOC_SSDEEP, MS_PLAIN, "Payload delivery", true},
    {"ssh-fingerprint", CF_IOC_NONE, MS_PLAIN, "Network activity", false},
    {"stix2-pattern", CF_IOC_NONE, MS_PLAIN, "Payload installation", true},
    {"suricata", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"target-email", CF_IOC_NONE, MS_PLAIN, "Targeting data", false},
    {"target-external", CF_IOC_NONE, MS_PLAIN, "Targeting data", false},
    {"target-location", CF_IOC_NONE, MS_PLAIN, "Targeting data", false},
    {"target-machine", CF_IOC_NONE, MS_PLAIN, "Targeting data", false},
    {"target-org", CF_IOC_NONE, MS_PLAIN, "Targeting data", false},
    {"target-user", CF_IOC_NONE, MS_PLAIN, "Targeting data", false},
    {"telfhash", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"text", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"threat-actor", CF_IOC_NONE, MS_PLAIN, "Attribution", false},
    {"tlsh", CF_IOC_TLSH, MS_PLAIN, "Payload delivery", true},
    {"travel-details", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"twitter-id", CF_IOC_NONE, MS_PLAIN, "Social network", false},
    {"uri", CF_IOC_URL, MS_PLAIN, "Network activity", true},
    {"url", CF_IOC_URL, MS_PLAIN, "Network activity", true},
    {"user-agent", CF_IOC_USER_AGENT, MS_PLAIN, "Network activity", false},
    {"uuid", CF_IOC_NONE, MS_PLAIN, "Other", false},
    {"vhash", CF_IOC_NONE, MS_PLAIN, "Payload delivery", true},
    {"visa-number", CF_IOC_NONE, MS_PLAIN, "Person", false},
    {"vulnerability", CF_IOC_CVE, MS_PLAIN, "External analysis", false},
    {"weakness", CF_IOC_NONE, MS_PLAIN, "External analysis", false},
    {"whois-creation-date", CF_IOC_NONE, MS_PLAIN, "Attribution", false},
    {"whois-registrant-email", CF_IOC_EMAIL, MS_PLAIN, "Attribution", false},
    {"whois-registrant-name", CF_IOC_NONE, MS_PLAIN, "Attribution", false},
    {"whois-registrant-org", CF_IOC_NONE, MS_PLAIN, "Attribution", false},
    {"whois-registrant-phone", CF_IOC_NONE, MS_PLAIN, "Attribution", false},
    {"whois-registrar", CF_IOC_NONE, MS_PLAIN, "Attribution", false},
    {"windows-scheduled-task", CF_IOC_NONE, MS_PLAIN, "Artifacts dropped", false},
    {"windows-service-displayname", CF_IOC_NONE, MS_PLAIN, "Artifacts dropped", false},
    {"windows-service-name", CF_IOC_NONE, MS_PLAIN, "Artifacts dropped", false},
    {"x509-fingerprint-md5", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"x509-fingerprint-sha1", CF_IOC_X509_SHA1, MS_PLAIN, "Network activity", true},
    {"x509-fingerprint-sha256", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
    {"xmr", CF_IOC_NONE, MS_PLAIN, "Financial fraud", true},
    {"yara", CF_IOC_NONE, MS_PLAIN, "Payload installation", true},
    {"zeek", CF_IOC_NONE, MS_PLAIN, "Network activity", true},
};

#define MT_COUNT (sizeof mt_table / sizeof mt_table[0])

enum { MT_SLOTS = 512 };

static pthread_once_t mt_once = PTHREAD_ONCE_INIT;
static uint16_t mt_slot[MT_SLOTS]; /* table index + 1; 0 marks a free slot */
static size_t mt_len[MT_COUNT];
_Static_assert(MT_COUNT < MT_SLOTS / 2, "the type index stays at most half full");

static size_t mt_hash(const char *name, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)name[i]) * 16777619u;
    }
    return (h ^ (h >> 15)) & (MT_SLOTS - 1);
}

static void mt_build(void)
{
    for (size_t i = 0; i < MT_COUNT; i++) {
        mt_len[i] = strlen(mt_table[i].name);
        size_t h = mt_hash(mt_table[i].name, mt_len[i]);
        while (mt_slot[h]) {
            h = (h + 1) & (MT_SLOTS - 1);
        }
        mt_slot[h] = (uint16_t)(i + 1);
    }
}

const misp_type *cf_misp_type_find(const char *name, size_t n)
{
    pthread_once(&mt_once, mt_build);
    for (size_t h = mt_hash(name, n); mt_slot[h]; h = (h + 1) & (MT_SLOTS - 1)) {
        size_t i = mt_slot[h] - 1u;
        if (mt_len[i] == n && memcmp(mt_table[i].name, name, n) == 0) {
            return &mt_table[i];
        }
    }
    return NULL;
}

size_t cf_misp_type_count(void)
{
    return MT_COUNT;
}

const misp_type *cf_misp_type_at(size_t i)
{
    return i < MT_COUNT ? &mt_table[i] : NULL;
}

const char *cf_misp_type_for_ioc(cf_ioc_type type, cf_ioc_type hash_type)
{
    switch (type) {
    case CF_IOC_IP:
    case CF_IOC_CIDR:
        return "ip-dst";
    case CF_IOC_DOMAIN:
        return "domain";
    case CF_IOC_URL:
        return "url";
    case CF_IOC_EMAIL:
        return "email-src";
    case CF_IOC_MD5:
        return "md5";
    case CF_IOC_SHA1:
        return "sha1";
    case CF_IOC_SHA256:
        return "sha256";
    case CF_IOC_SHA512:
        return "sha512";
    case CF_IOC_SSDEEP:
        return "ssdeep";
    case CF_IOC_TLSH:
        return "tlsh";
    case CF_IOC_FILENAME:
        return "filename";
    case CF_IOC_FILE:
        switch (hash_type) {
        case CF_IOC_MD5:
            return "filename|md5";
        case CF_IOC_SHA1:
            return "filename|sha1";
        case CF_IOC_SHA256:
            return "filename|sha256";
        case CF_IOC_SHA512:
            return "filename|sha512";
        default:
            return NULL;
        }
    case CF_IOC_ENDPOINT:
        return "ip-dst|port";
    case CF_IOC_ASN:
        return "AS";
    case CF_IOC_JA3:
        return "ja3-fingerprint-md5";
    case CF_IOC_X509_SHA1:
        return "x509-fingerprint-sha1";
    case CF_IOC_REGKEY:
        return "regkey";
    case CF_IOC_MUTEX:
        return "mutex";
    case CF_IOC_USER_AGENT:
        return "user-agent";
    case CF_IOC_CVE:
        return "vulnerability";
    default:
        return NULL;
    }
}
