/*
 * Every file of the shared CSV/text corpus read with its built-in profile:
 * the number of observations the reader yields (before normalisation and
 * de-duplication) and the exact first and last values with their lines.
 * Skips (77) when the corpus is absent.
 */
#include <dirent.h>

#include "ctiflow/reader.h"
#include "obsrec.h"
#include "testlib.h"

typedef struct corpus_case {
    const char *file;
    const char *profile; /* NULL: no profile (detection) */
    size_t count;
    uint64_t first_line;
    const char *first;
    uint64_t last_line;
    const char *last;
    cf_ioc_type type;    /* of the first observation */
} corpus_case;

static const corpus_case corpus_cases[] = {
    {"feodotracker/ipblocklist.csv", "feodotracker", 28, 10, "192.9.135.73:1194", 37,
     "172.233.221.61:5938", CF_IOC_ENDPOINT},
    {"feodotracker/intelmq_ipblocklist_2021.csv", "feodotracker", 2, 10, "10.213.75.205:443",
     11, "192.16.238.101:443", CF_IOC_ENDPOINT},
    {"sslbl/sslblacklist.csv", "sslbl", 5522, 10, "2e3519b7cb61a3cd6167f727df993f68311085ea",
     5531, "b08a4939fb88f375a2757eaddc47b1fb8b554439", CF_IOC_X509_SHA1},
    {"sslbl/ja3_fingerprints.csv", "sslbl-ja3", 98, 11, "b386946a5a44d1ddcc843bc75336dfce", 108,
     "ffefafdb86336d057eda5fdf02b3d5ce", CF_IOC_JA3},
    {"threatfox/threatfox_full_urls.csv", "threatfox", 12351, 10,
     "http://195.133.9.204/skare.odd", 12360, "http://alphastand.top/alien/fre.php",
     CF_IOC_URL},
    {"threatfox/threatfox_full_sha256.csv", "threatfox", 7202, 10,
     "4ac33e95d7d1bf205c8bd021886a8edc5d405d65389edb3b0c65d62c12ace47d", 7211,
     "4b1162aeca52ca5bd8c5b16460ec74e82d69c55712490a840e9c8a6a09f51f77", CF_IOC_SHA256},
    {"urlhaus/urlhaus_online_noheader.csv", "urlhaus", 11125, 2,
     "http://117.209.87.242:60905/bin.sh", 11126,
     "http://p3.zbjimg.com/task/2009-06/06/98428/07c9mfhe.zip", CF_IOC_URL},
    {"phishtank/verified_online.csv", "phishtank", 11330, 2,
     "https://www.viptbslook.tonohost.com/", 11331,
     "http://aijcs.blogspot.com/2005/03/colourful-life-of-aij.html", CF_IOC_URL},
    {"openphish/feed.txt", "openphish", 300, 1, "https://api.msuto.com/", 300,
     "http://gleeful-mousse-699032.netlify.app/", CF_IOC_URL},
    {"openphish/feed_2025-01-02.txt", "openphish", 500, 1,
     "http://oauth---wallet--treazor.webflow.io/", 0, NULL, CF_IOC_URL},
    {"openphish/intelmq_feed.txt", "openphish", 2, 1, "http://www..example.com/phishing", 2,
     "http://www..example.invalid/phishing", CF_IOC_URL},
    {"openphish/intelmq_feed_commercial.txt", "openphish", 2, 1,
     "http://example.com/glossy/zip/secure/d553c33636b465c21554b757e48bcf04/", 0, NULL,
     CF_IOC_URL},
    {"tor/tor-exit-nodes.lst", "tor-exit", 1746, 1, "101.99.92.179", 1746, "96.66.15.152",
     CF_IOC_IP},
    {"spamhaus/drop_2025-01-17.txt", "spamhaus-drop", 1385, 5, "1.10.16.0/20", 1389,
     "223.254.0.0/16", CF_IOC_CIDR},
    {"spamhaus/drop_2023-12-01.txt", "spamhaus-drop", 963, 5, "1.10.16.0/20", 967,
     "223.254.0.0/16", CF_IOC_CIDR},
    {"spamhaus/edrop_2023-12-01.txt", "spamhaus-edrop", 289, 5, "2.56.247.0/24", 293,
     "221.227.188.0/22", CF_IOC_CIDR},
    {"spamhaus/dropv6_2025-01-15.txt", "spamhaus-dropv6", 78, 5, "2001:678:6c4::/48", 82,
     "2c0f:6c0::/28", CF_IOC_CIDR},
    {"spamhaus/drop_v4.json", "spamhaus-drop-json", 1406, 1, "1.10.16.0/20", 1406,
     "223.254.0.0/16", CF_IOC_CIDR},
    {"spamhaus/intelmq_drop.txt", "spamhaus-drop", 2, 5, "1.4.0.0/17", 6, "2a06:e480::/29",
     CF_IOC_CIDR},
    {"spamhaus/intelmq_asndrop.txt", "spamhaus-asndrop", 2, 5, "AS260", 6, "AS10516",
     CF_IOC_ASN},
    {"emergingthreats/compromised-ips.txt", "emergingthreats-compromised", 539, 1,
     "101.100.216.61", 539, "97.74.93.167", CF_IOC_IP},
    {"dshield/sans_isc_intelfeed_ips.txt", NULL, 106404, 1, "1.0.0.1", 106404, "240.0.0.1",
     CF_IOC_NONE},
    {"dshield/block_2019-01.txt", "dshield-block", 20, 30, "176.119.4.0/24", 49,
     "125.64.94.0/24", CF_IOC_CIDR},
    {"dshield/intelmq_block.txt", "dshield-block", 2, 32, "43.229.53.0/24", 33,
     "194.63.140.0/24", CF_IOC_CIDR},
    {"dshield/suspiciousdomains_Low_2019-01.txt", "dshield-suspicious-domains", 18988, 1,
     "0000mps.webpreview.dsl.net", 18988, "zztxdown.com", CF_IOC_DOMAIN},
    {"dshield/intelmq_suspiciousdomains_High.txt", "dshield-suspicious-domains", 2, 18,
     "example.com", 19, "example.org", CF_IOC_DOMAIN},
    {"blocklist.de/bruteforcelogin_2018-01-24.txt", "blocklistde", 828, 1, "1.190.175.66", 828,
     "97.79.238.97", CF_IOC_IP},
    {"blocklist.de/intelmq_imap.txt", "blocklistde", 6, 1, "192.0.2.4", 6, "203.0.113.254",
     CF_IOC_IP},
    {"bambenek/c2-ipmasterlist_2019-01-25.txt", "bambenek-c2-ip", 502, 17, "5.79.79.210", 518,
     "219.118.71.95", CF_IOC_IP},
    {"bambenek/intelmq_c2-ipmasterlist.txt", "bambenek-c2-ip", 1, 17, "213.247.47.190", 17,
     "213.247.47.190", CF_IOC_IP},
    {"bambenek/intelmq_c2-dommasterlist.txt", "bambenek-c2-domain", 1, 17, "sfkh21okrrnlu.com",
     17, "sfkh21okrrnlu.com", CF_IOC_DOMAIN},
    {"bambenek/intelmq_dga-feed.txt", "bambenek-dga", 1, 15, "xqmclnusaswvof.com", 15,
     "xqmclnusaswvof.com", CF_IOC_DOMAIN},
    {"ipsum/ipsum.txt", "ipsum", 120430, 8, "77.90.185.20", 120437, "162.251.62.103",
     CF_IOC_IP},
    {"firehol/firehol_level1_2019-01.netset", "firehol", 4684, 35, "0.0.0.0/8", 4718,
     "224.0.0.0/3", CF_IOC_IP},
    {"malwaredomains/dns-bh_malware_domains_2019-01.txt", "dns-bh-malware-domains", 26864, 1,
     "0000mps.webpreview.dsl.net", 26864, "zzzpooeaz-france.com", CF_IOC_DOMAIN},
    {"ransomwaretracker/RW_DOMBL_2019-01.txt", "ransomwaretracker-domains", 1903, 1,
     "25z5g623wpqpdwis.onion.to", 1903, "zutzt67dcxr6mxcn.onion.to", CF_IOC_DOMAIN},
    {"ransomwaretracker/intelmq_ransomwaretracker.csv", NULL, 6, 10, "motefugue.com", 12,
     "http://ojmekzw4mujvqeju.minitili.at/", CF_IOC_DOMAIN},
    {"dataplane/intelmq_sshpwauth.txt", "dataplane", 3, 71, "170.239.104.183", 73, "1.2.3.4",
     CF_IOC_IP},
    /* Header-less generic rows: only the first field holding an IOC. */
    {"generic-csv/intelmq_sample_report.csv", NULL, 2, 11,
     "www.cennoworld.com/Payment_Confirmation/Payment_Confirmation.zip", 12,
     "www.cennoworld.com/Payment_Confirmation/Payment_Confirmation.zip", CF_IOC_NONE},
    /* The same feeds read without a profile (format and columns detected). */
    {"bambenek/c2-ipmasterlist_2019-01-25.txt", NULL, 502, 17, "5.79.79.210", 518,
     "219.118.71.95", CF_IOC_NONE},
    {"bambenek/intelmq_dga-feed.txt", NULL, 1, 15, "xqmclnusaswvof.com", 15,
     "xqmclnusaswvof.com", CF_IOC_NONE},
    {"dshield/block_2019-01.txt", NULL, 20, 30, "176.119.4.0/24", 49, "125.64.94.0/24",
     CF_IOC_CIDR},
    {"dshield/intelmq_block.txt", NULL, 2, 32, "43.229.53.0/24", 33, "194.63.140.0/24",
     CF_IOC_CIDR},
    {"spamhaus/drop_v4.json", NULL, 1406, 1, "1.10.16.0/20", 1406, "223.254.0.0/16",
     CF_IOC_NONE},
    {"dataplane/intelmq_sshpwauth.txt", NULL, 3, 71, "170.239.104.183", 73, "1.2.3.4",
     CF_IOC_NONE},
    {"misp/misp_event_export.csv", "misp-csv", 36, 3, "744c07e886497f7b68f6f7fe57b7ab54", 38,
     "HKLM\\System\\CurrentControlSet\\Control\\", CF_IOC_MD5},
};

/* MISP's feed definitions: JSON metadata, not feed data. */
static const char *const corpus_not_feeds[] = {"misp/misp_default_feeds.json", NULL};

static bool corpus_listed(const char *rel)
{
    for (size_t i = 0; i < sizeof corpus_cases / sizeof corpus_cases[0]; i++) {
        if (strcmp(corpus_cases[i].file, rel) == 0) {
            return true;
        }
    }
    for (size_t i = 0; corpus_not_feeds[i]; i++) {
        if (strcmp(corpus_not_feeds[i], rel) == 0) {
            return true;
        }
    }
    return false;
}

/* Every file of csv/<dir>/ must have a row above. */
static void check_all_listed(const char *root)
{
    DIR *d = opendir(root);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char sub[1024 + 256 + 2]; /* root, "/", a name */
        snprintf(sub, sizeof sub, "%s/%s", root, e->d_name);
        DIR *sd = opendir(sub);
        struct dirent *f;
        while (sd && (f = readdir(sd)) != NULL) {
            if (f->d_name[0] == '.') {
                continue;
            }
            char rel[600];
            snprintf(rel, sizeof rel, "%s/%s", e->d_name, f->d_name);
            if (!corpus_listed(rel)) {
                fprintf(stderr, "corpus file %s has no expectation\n", rel);
            }
            CHECK(corpus_listed(rel));
        }
        if (sd) {
            closedir(sd);
        }
    }
    if (d) {
        closedir(d);
    }
}

int main(void)
{
    char root[1024];
    if (!test_corpus(root, sizeof root, "csv/README.md")) {
        test_skip("corpus csv/ not found (set CORPUS)");
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%.*s", (int)(strlen(root) - strlen("/README.md")), root);
    check_all_listed(dir);
    size_t total = 0;
    for (size_t i = 0; i < sizeof corpus_cases / sizeof corpus_cases[0]; i++) {
        const corpus_case *c = &corpus_cases[i];
        char path[1024];
        char rel[512];
        snprintf(rel, sizeof rel, "csv/%s", c->file);
        if (!test_corpus(path, sizeof path, rel)) {
            fprintf(stderr, "missing corpus file %s\n", rel);
            tl_failed++;
            continue;
        }
        obsrec r = {.keep_text = false};
        cf_error err;
        cf_status st = rec_read_file(&r, CF_FMT_UNKNOWN, c->profile, path, &err);
        if (st != CF_OK || r.n != c->count) {
            fprintf(stderr, "%s: status %d (%s), %zu observations\n", c->file, st, err.msg, r.n);
        }
        CHECK_INT(st, CF_OK);
        CHECK_INT(r.n, c->count);
        CHECK_INT(r.with_cr, 0);
        CHECK_INT(r.n_diags, 0);
        if (r.n > 0) {
            CHECK_STR(r.obs[0].text, c->first);
            CHECK_INT(r.obs[0].line, c->first_line);
            CHECK_INT(r.obs[0].type, c->type);
            if (c->last) {
                /* The last observation's text is kept only for small files. */
                obsrec l = {.keep_text = true};
                if (r.n <= 8) {
                    CHECK_STR(r.obs[r.n - 1].text, c->last);
                } else {
                    CHECK_INT(rec_read_file(&l, CF_FMT_UNKNOWN, c->profile, path, &err), CF_OK);
                    CHECK_STR(l.obs[l.n - 1].text, c->last);
                }
                CHECK_INT(r.obs[r.n - 1].line, c->last_line);
                rec_free(&l);
            }
        }
        total += r.n;
        rec_free(&r);
    }
    printf("%zu observations from %zu files\n", total,
           sizeof corpus_cases / sizeof corpus_cases[0]);
    TEST_MAIN_END();
}
