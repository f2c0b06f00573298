/*
 * Every bound on what a feed controls, in one place.
 *
 * Readers and fetchers check these before allocating; a record over a limit
 * is rejected with CF_ELIMIT and the feed goes on with the next one.
 */
#ifndef CTIFLOW_LIMITS_H
#define CTIFLOW_LIMITS_H

#define CF_MAX_LINE_BYTES (1u << 20)          /* one physical line of CSV or text */
#define CF_MAX_FIELDS 256                     /* fields in one CSV record */
#define CF_MAX_RECORD_LINES 64                /* physical lines of one quoted CSV record */
#define CF_MAX_VALUE_BYTES 8192               /* one IOC value before normalisation */
#define CF_MAX_URL_BYTES 8192                 /* one URL */
#define CF_MAX_DOMAIN_BYTES 253               /* RFC 1035 name length */
#define CF_MAX_LABEL_BYTES 63                 /* RFC 1035 label length */
#define CF_MAX_LABELS_PER_IOC 64              /* labels, families or actors on one IOC */
#define CF_MAX_REPEAT_SIGHTINGS 8             /* a feed's lines in a row kept for one IOC */
#define CF_MAX_JSON_DEPTH 64                  /* nesting of a MISP or STIX 2 document */
#define CF_MAX_XML_DEPTH 256                  /* nesting of a STIX 1.x document */
#define CF_MAX_XML_NAMESPACES 4096            /* namespace declarations in scope in it */
#define CF_MAX_JSON_DOC_BYTES (512ull << 20)  /* one JSON document read whole */
#define CF_MAX_ATTRIBUTES_PER_EVENT 2000000u  /* attributes in one MISP event */
#define CF_MAX_MANIFEST_EVENTS 1000000u       /* events listed by one MISP manifest */
#define CF_MAX_IDREFS 1000000u                /* idrefs kept while reading one package */
#define CF_MAX_DECOMPRESSED_BYTES (2ull << 30) /* inflated body of one feed */
#define CF_MAX_FETCH_BYTES (1ull << 30)       /* raw body of one feed */
#define CF_MAX_RUN_REJECTS 10000u             /* diagnostics of one feed kept in its rejects file */
#define CF_MAX_PATTERN_BYTES 65536            /* one STIX pattern we write or read */
#define CF_RESIDENT_BYTES (4u << 20)          /* IOC set records on the heap, file pages mapped */

#endif
