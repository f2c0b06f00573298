/*
 * ZIP decoding: the single data member of an archive, through libarchive.
 *
 * DESIGN
 * Feeds sometimes arrive zipped (URLhaus did without notice). The archive
 * is held in memory; libarchive checks its structure and every member's
 * CRC while we read. The member's bytes are only handed back once the
 * whole archive was read to its end without error, so a broken download
 * is reported as damaged and never turns into a partial feed.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctiflow/buf.h"
#include "decode.h"

#define DEC_BLOCK (64u * 1024u)

static cf_status dec_damaged(cf_error *err, struct archive *a)
{
    const char *why = archive_error_string(a);
    return cf_error_set(err, CF_EMALFORMED, NULL, 0,
                        "zip archive is damaged or incomplete: %s",
                        why ? why : "unexpected end of archive");
}

/* Append the current member's data to b; checks CRC at the end of data. */
static cf_status dec_read_member(cf_buf *b, struct archive *a, uint64_t limit, cf_error *err)
{
    for (;;) {
        if (cf_buf_reserve(b, DEC_BLOCK) != CF_OK) {
            return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
        }
        la_ssize_t r = archive_read_data(a, b->data + b->len, DEC_BLOCK);
        if (r < 0) {
            return dec_damaged(err, a);
        }
        if (r == 0) {
            return CF_OK;
        }
        b->len += (size_t)r;
        if (b->len > limit) {
            return cf_error_set(err, CF_ELIMIT, NULL, 0,
                                "zip member larger than the limit of %llu bytes",
                                (unsigned long long)limit);
        }
    }
}

cf_status cf_decode_zip(char **out, size_t *out_len, const char *raw, size_t len, uint64_t limit,
                        cf_error *err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e = NULL;
    cf_buf b = CF_BUF_INIT;
    cf_status st = CF_OK;
    int members = 0;

    *out = NULL;
    *out_len = 0;
    if (!a) {
        return cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
    }
    archive_read_support_format_zip(a);
    if (archive_read_open_memory(a, raw, len) != ARCHIVE_OK) {
        st = dec_damaged(err, a);
        goto out;
    }

    /* Walk every entry: exactly one regular file, all of it readable. */
    for (;;) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) {
            break;
        }
        if (r < ARCHIVE_WARN) {
            st = dec_damaged(err, a);
            goto out;
        }
        if (archive_entry_filetype(e) != AE_IFREG) {
            continue;
        }
        if (++members > 1) {
            st = cf_error_set(err, CF_EUNSUPPORTED, NULL, 0,
                              "zip archive holds more than one file ('%s' is the second)",
                              archive_entry_pathname(e) ? archive_entry_pathname(e) : "?");
            goto out;
        }
        /* A declared size over the limit is refused before inflating a byte. */
        if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
            (uint64_t)archive_entry_size(e) > limit) {
            st = cf_error_set(err, CF_ELIMIT, NULL, 0,
                              "zip member declares %lld bytes, over the limit of %llu bytes",
                              (long long)archive_entry_size(e), (unsigned long long)limit);
            goto out;
        }
        st = dec_read_member(&b, a, limit, err);
        if (st != CF_OK) {
            goto out;
        }
    }
    if (members == 0) {
        st = cf_error_set(err, CF_EMALFORMED, NULL, 0, "zip archive holds no file");
        goto out;
    }

    if (cf_buf_reserve(&b, 1) != CF_OK) {
        st = cf_error_set(err, CF_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    b.data[b.len] = '\0';
    *out = b.data;
    *out_len = b.len;
    b.data = NULL;
out:
    archive_read_free(a);
    cf_buf_free(&b);
    return st;
}
