/*
 * STIX 2.1 building blocks shared by writers and readers: deterministic
 * ids, pattern text for an IOC, string escaping and the TLP markings.
 */
#ifndef CTIFLOW_STIX_H
#define CTIFLOW_STIX_H

#include "ctiflow/buf.h"
#include "ctiflow/ioc.h"

/* RFC 4122 UUIDv5 of name under namespace ns (36-char text + NUL into out). */
void cf_uuid5(char out[37], const char *ns, const char *name, size_t len);

/* The STIX 2.1 SCO namespace 00abedb4-aa42-466c-9c01-fed23315a9b7. */
extern const char CF_STIX_SCO_NS[];
/* ctiflow's own namespace for indicator, report and identity ids. */
extern const char CF_NS[];

/*
 * Append the STIX 2.1 pattern for ioc to out:
 *   [domain-name:value = 'x'], [file:name = 'a' AND file:hashes.'SHA-256' = 'h'],
 *   [network-traffic:dst_ref.type = 'ipv4-addr' AND ... AND network-traffic:dst_port = 443]
 * Apostrophes and backslashes in values are escaped.
 */
cf_status cf_stix_pattern(cf_buf *out, const cf_ioc *ioc);

/* Append a pattern string constant's inside, escaping ' and \. */
cf_status cf_stix_escape(cf_buf *out, const char *s, size_t n);

/* "domain-name--<uuid5>" for IOCs that map to one SCO; CF_EUNSUPPORTED otherwise. */
cf_status cf_stix_sco_id(cf_buf *out, const cf_ioc *ioc);

/* "indicator--<uuid5 of the pattern>" */
void cf_stix_indicator_id(char out[64], const char *pattern);

/* The specification's TLP marking-definition id for t (1.0 for clear..red; 2.0 for amber+strict). */
const char *cf_stix_tlp_marking_id(cf_tlp t);
/* Inverse: a marking id (TLP 1.0 or 2.0) to its TLP; CF_TLP_NONE when not TLP. */
cf_tlp cf_stix_tlp_from_marking_id(const char *id);

/*
 * Registry keys: STIX wants the full hive name. For a key starting with an
 * abbreviated hive (HKLM, HKCU, HKCR, HKU, HKCC, any case, followed by '\'
 * or the end) returns the full name ("HKEY_LOCAL_MACHINE") and sets
 * *abbrev_len to the abbreviation's length; NULL otherwise. Patterns and
 * SCOs write the full name followed by key + *abbrev_len.
 */
const char *cf_stix_regkey_hive(const char *key, size_t *abbrev_len);

#endif
