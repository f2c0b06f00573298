/*
 * Input streams: a file, stdin or a memory block, decoded on the fly.
 *
 * DESIGN
 * A cf_input has three layers. The raw layer reads a file descriptor or a
 * memory block, after a few "sniff" bytes read at open time. The decode
 * layer looks at those bytes: gzip (1f 8b) is inflated in a stream through
 * zlib, a ZIP archive (PK 03 04) is read whole and its single data member
 * extracted and verified by libarchive (decode.c) before any byte is handed
 * out, anything else passes through. The peek layer keeps decoded bytes
 * that cf_input_peek() looked at until cf_input_read() consumes them. Every
 * decoded byte counts against CF_MAX_DECOMPRESSED_BYTES. The first error is
 * sticky: once a stream failed, every later read fails with the same error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ctiflow/buf.h"
#include "ctiflow/input.h"
#include "ctiflow/limits.h"
#include "decode.h"

#define IN_SNIFF 4
#define IN_ZBLOCK (256u * 1024u)

typedef enum in_codec {
    IN_PLAIN,
    IN_GZIP,
    IN_DECODED, /* whole decoded body in memory (ZIP member) */
} in_codec;

struct cf_input {
    char *name;
    char *path;
    int fd;            /* -1 for memory */
    bool own_fd;
    const unsigned char *mem;
    size_t mem_len, mem_pos;

    unsigned char sniff[IN_SNIFF];
    size_t sniff_len, sniff_pos;

    in_codec codec;
    z_stream zs;
    bool zs_init, z_eof_in, z_done;
    unsigned char *zin;
    char *dec;         /* IN_DECODED body */
    size_t dec_len, dec_pos;
    uint64_t out_total;

    char *pk;          /* peeked, not yet consumed */
    size_t pk_len, pk_pos, pk_cap;

    bool failed;
    cf_error saved;
};

static cf_status in_fail(cf_input *in, cf_error *err, cf_status st, const char *fmt,
                         const char *detail)
{
    if (!in->failed) {
        in->failed = true;
        cf_error_clear(&in->saved);
        cf_error_set(&in->saved, st, in->name, 0, fmt, detail ? detail : "");
    }
    if (err && err->status == CF_OK) {
        *err = in->saved;
    }
    return st;
}

/* Raw bytes: the sniffed head first, then the descriptor or memory. */
static ssize_t in_raw_read(cf_input *in, void *buf, size_t n, cf_error *err)
{
    if (in->sniff_pos < in->sniff_len) {
        size_t k = in->sniff_len - in->sniff_pos;
        k = k < n ? k : n;
        memcpy(buf, in->sniff + in->sniff_pos, k);
        in->sniff_pos += k;
        return (ssize_t)k;
    }
    if (in->fd < 0) {
        size_t k = in->mem_len - in->mem_pos;
        k = k < n ? k : n;
        memcpy(buf, in->mem + in->mem_pos, k);
        in->mem_pos += k;
        return (ssize_t)k;
    }
    for (;;) {
        ssize_t r = read(in->fd, buf, n);
        if (r >= 0) {
            return r;
        }
        if (errno != EINTR) {
            in_fail(in, err, CF_EIO, "read failed: %s", strerror(errno));
            return -1;
        }
    }
}

/* Fill the sniff buffer at open time (up to IN_SNIFF bytes). */
static cf_status in_sniff(cf_input *in, cf_error *err)
{
    unsigned char tmp[IN_SNIFF];
    size_t got = 0;
    while (got < IN_SNIFF) {
        ssize_t r = in_raw_read(in, tmp + got, IN_SNIFF - got, err);
        if (r < 0) {
            return in->saved.status;
        }
        if (r == 0) {
            break;
        }
        got += (size_t)r;
    }
    memcpy(in->sniff, tmp, got);
    in->sniff_len = got;
    in->sniff_pos = 0;
    return CF_OK;
}

/* Read the whole raw stream into memory (for archives). */
cf_status cf_input_raw_slurp(cf_input *in, char **out, size_t *len, cf_error *err)
{
    cf_buf b = CF_BUF_INIT;
    cf_status st = CF_OK;
    for (;;) {
        if (cf_buf_reserve(&b, IN_ZBLOCK) != CF_OK) {
            st = in_fail(in, err, CF_ENOMEM, "out of memory reading '%s'", in->name);
            goto out;
        }
        ssize_t r = in_raw_read(in, b.data + b.len, IN_ZBLOCK, err);
        if (r < 0) {
            st = in->saved.status;
            goto out;
        }
        if (r == 0) {
            break;
        }
        b.len += (size_t)r;
        if (b.len > CF_MAX_FETCH_BYTES) {
            st = in_fail(in, err, CF_ELIMIT, "archive larger than the size limit%s", NULL);
            goto out;
        }
    }
    *out = b.data;
    *len = b.len;
    b.data = NULL;
out:
    cf_buf_free(&b);
    return st;
}

static cf_status in_setup_codec(cf_input *in, cf_error *err)
{
    cf_status st = in_sniff(in, err);
    if (st != CF_OK) {
        return st;
    }
    if (in->sniff_len >= 2 && in->sniff[0] == 0x1f && in->sniff[1] == 0x8b) {
        in->zin = malloc(IN_ZBLOCK);
        if (!in->zin) {
            return in_fail(in, err, CF_ENOMEM, "out of memory%s", NULL);
        }
        memset(&in->zs, 0, sizeof in->zs);
        if (inflateInit2(&in->zs, 15 + 16) != Z_OK) {
            return in_fail(in, err, CF_ENOMEM, "cannot start gzip decoder%s", NULL);
        }
        in->zs_init = true;
        in->codec = IN_GZIP;
        return CF_OK;
    }
    if (in->sniff_len == 4 && memcmp(in->sniff, "PK\x03\x04", 4) == 0) {
        char *raw = NULL;
        size_t raw_len = 0;
        cf_error local;
        cf_error_clear(&local);
        st = cf_input_raw_slurp(in, &raw, &raw_len, err);
        if (st != CF_OK) {
            return st;
        }
        st = cf_decode_zip(&in->dec, &in->dec_len, raw, raw_len, CF_MAX_DECOMPRESSED_BYTES,
                           &local);
        free(raw);
        if (st != CF_OK) {
            return in_fail(in, err, st, "%s", local.msg);
        }
        in->codec = IN_DECODED;
        return CF_OK;
    }
    in->codec = IN_PLAIN;
    return CF_OK;
}

static cf_input *in_new(const char *name, const char *path)
{
    cf_input *in = calloc(1, sizeof *in);
    if (!in) {
        return NULL;
    }
    in->fd = -1;
    in->name = cf_strdup(name ? name : "(input)");
    in->path = path ? cf_strdup(path) : NULL;
    if (!in->name || (path && !in->path)) {
        cf_input_close(in);
        return NULL;
    }
    return in;
}

cf_status cf_input_open_file(cf_input **out, const char *path, cf_error *err)
{
    *out = NULL;
    bool is_stdin = strcmp(path, "-") == 0;
    cf_input *in = in_new(is_stdin ? "<stdin>" : path, is_stdin ? NULL : path);
    if (!in) {
        return cf_error_set(err, CF_ENOMEM, path, 0, "out of memory");
    }
    if (is_stdin) {
        in->fd = STDIN_FILENO;
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0) {
            cf_status st = errno == ENOENT ? CF_ENOTFOUND : CF_EIO;
            cf_error_set(err, st, path, 0, "cannot open: %s", strerror(errno));
            cf_input_close(in);
            return st;
        }
        in->own_fd = true;
        struct stat sb;
        if (fstat(in->fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            cf_error_set(err, CF_EINVAL, path, 0,
                         "is a directory (a MISP feed directory is read as format misp-feed)");
            cf_input_close(in);
            return CF_EINVAL;
        }
    }
    cf_status st = in_setup_codec(in, err);
    if (st != CF_OK) {
        cf_input_close(in);
        return st;
    }
    *out = in;
    return CF_OK;
}

cf_status cf_input_open_mem(cf_input **out, const char *name, const void *data, size_t len,
                            cf_error *err)
{
    *out = NULL;
    cf_input *in = in_new(name ? name : "(memory)", NULL);
    if (!in) {
        return cf_error_set(err, CF_ENOMEM, name, 0, "out of memory");
    }
    in->mem = data;
    in->mem_len = data ? len : 0;
    cf_status st = in_setup_codec(in, err);
    if (st != CF_OK) {
        cf_input_close(in);
        return st;
    }
    *out = in;
    return CF_OK;
}

void cf_input_close(cf_input *in)
{
    if (!in) {
        return;
    }
    if (in->own_fd && in->fd >= 0) {
        close(in->fd);
    }
    if (in->zs_init) {
        inflateEnd(&in->zs);
    }
    free(in->zin);
    free(in->dec);
    free(in->pk);
    free(in->name);
    free(in->path);
    free(in);
}

const char *cf_input_name(const cf_input *in)
{
    return in->name;
}

const char *cf_input_path(const cf_input *in)
{
    return in->path;
}

/* Start the next gzip member, or end when only padding is left. */
static bool in_gzip_next_member(cf_input *in)
{
    if (in->zs.avail_in < 2 || in->zs.next_in[0] != 0x1f || in->zs.next_in[1] != 0x8b) {
        return false;
    }
    inflateReset(&in->zs);
    in->z_done = false;
    return true;
}

static ssize_t in_gzip_read(cf_input *in, void *buf, size_t n, cf_error *err)
{
    in->zs.next_out = buf;
    in->zs.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    uInt want = in->zs.avail_out;
    while (in->zs.avail_out == want) {
        if (in->zs.avail_in == 0 && !in->z_eof_in) {
            ssize_t r = in_raw_read(in, in->zin, IN_ZBLOCK, err);
            if (r < 0) {
                return -1;
            }
            in->z_eof_in = r == 0;
            in->zs.next_in = in->zin;
            in->zs.avail_in = (uInt)r;
        }
        if (in->z_done) {
            if (in->zs.avail_in == 0 && in->z_eof_in) {
                return 0;
            }
            if (in->zs.avail_in == 0 || !in_gzip_next_member(in)) {
                if (in->zs.avail_in == 0) {
                    continue;
                }
                in->zs.avail_in = 0;
                in->z_eof_in = true;
                return 0;
            }
        }
        int ret = inflate(&in->zs, Z_NO_FLUSH);
        if (ret == Z_STREAM_END) {
            in->z_done = true;
        } else if (ret == Z_BUF_ERROR || (ret == Z_OK && in->zs.avail_out == want)) {
            if (in->z_eof_in && in->zs.avail_in == 0) {
                in_fail(in, err, CF_EMALFORMED,
                        "gzip data is truncated: the download is incomplete%s", NULL);
                return -1;
            }
        } else if (ret != Z_OK) {
            in_fail(in, err, CF_EMALFORMED, "gzip data is damaged: %s",
                    in->zs.msg ? in->zs.msg : "inflate failed");
            return -1;
        }
    }
    return (ssize_t)(want - in->zs.avail_out);
}

/* Decoded bytes, below the peek layer. */
static ssize_t in_decoded_read(cf_input *in, void *buf, size_t n, cf_error *err)
{
    ssize_t r;
    if (in->failed) {
        if (err && err->status == CF_OK) {
            *err = in->saved;
        }
        return -1;
    }
    if (in->codec == IN_GZIP) {
        r = in_gzip_read(in, buf, n, err);
    } else if (in->codec == IN_DECODED) {
        size_t k = in->dec_len - in->dec_pos;
        k = k < n ? k : n;
        memcpy(buf, in->dec + in->dec_pos, k);
        in->dec_pos += k;
        r = (ssize_t)k;
    } else {
        r = in_raw_read(in, buf, n, err);
    }
    if (r > 0) {
        in->out_total += (uint64_t)r;
        if (in->out_total > CF_MAX_DECOMPRESSED_BYTES) {
            in_fail(in, err, CF_ELIMIT, "decoded data larger than the size limit%s", NULL);
            return -1;
        }
    }
    return r;
}

ssize_t cf_input_read(cf_input *in, void *buf, size_t n, cf_error *err)
{
    if (n == 0) {
        return 0;
    }
    if (in->pk_pos < in->pk_len) {
        size_t k = in->pk_len - in->pk_pos;
        k = k < n ? k : n;
        memcpy(buf, in->pk + in->pk_pos, k);
        in->pk_pos += k;
        return (ssize_t)k;
    }
    return in_decoded_read(in, buf, n, err);
}

size_t cf_input_peek(cf_input *in, const char **head, size_t n, cf_error *err)
{
    /* Compact what was consumed, then grow to n bytes. */
    if (in->pk_pos > 0) {
        memmove(in->pk, in->pk + in->pk_pos, in->pk_len - in->pk_pos);
        in->pk_len -= in->pk_pos;
        in->pk_pos = 0;
    }
    if (n + 1 > in->pk_cap) {
        char *p = realloc(in->pk, n + 1);
        if (!p) {
            in_fail(in, err, CF_ENOMEM, "out of memory%s", NULL);
            *head = in->pk ? in->pk : "";
            return in->pk_len;
        }
        in->pk = p;
        in->pk_cap = n + 1;
    }
    while (in->pk_len < n) {
        ssize_t r = in_decoded_read(in, in->pk + in->pk_len, n - in->pk_len, err);
        if (r <= 0) {
            break;
        }
        in->pk_len += (size_t)r;
    }
    in->pk[in->pk_len] = '\0';
    *head = in->pk;
    return in->pk_len < n ? in->pk_len : n;
}

cf_status cf_input_slurp(cf_input *in, char **out, size_t *len, size_t limit, cf_error *err)
{
    cf_buf b = CF_BUF_INIT;
    cf_status st = CF_OK;
    *out = NULL;
    *len = 0;
    for (;;) {
        if (cf_buf_reserve(&b, IN_ZBLOCK) != CF_OK) {
            st = cf_error_set(err, CF_ENOMEM, in->name, 0, "out of memory");
            goto out;
        }
        ssize_t r = cf_input_read(in, b.data + b.len, IN_ZBLOCK, err);
        if (r < 0) {
            st = in->saved.status != CF_OK ? in->saved.status : CF_EIO;
            goto out;
        }
        if (r == 0) {
            break;
        }
        b.len += (size_t)r;
        if (limit && b.len > limit) {
            st = cf_error_set(err, CF_ELIMIT, in->name, 0,
                              "input larger than the limit of %zu bytes", limit);
            goto out;
        }
    }
    if (cf_buf_reserve(&b, 1) != CF_OK) {
        st = cf_error_set(err, CF_ENOMEM, in->name, 0, "out of memory");
        goto out;
    }
    b.data[b.len] = '\0';
    *out = b.data;
    *len = b.len;
    b.data = NULL;
out:
    cf_buf_free(&b);
    return st;
}

/*
 * The line reader. Lines are cut in a block buffer filled by large reads;
 * a line is returned as a pointer into that buffer, so no line is copied
 * unless it straddles two blocks (then the tail is moved to the front).
 */
#define LINES_BLOCK (256u * 1024u)

struct cf_lines {
    cf_input *in;
    char *buf;
    size_t cap, start, end, scan;
    uint64_t lineno;
    bool eof, skipping, failed;
    bool cut; /* the last line returned ended the input without a line feed */
};

cf_lines *cf_lines_new(cf_input *in)
{
    cf_lines *l = calloc(1, sizeof *l);
    if (!l) {
        return NULL;
    }
    l->in = in;
    l->cap = LINES_BLOCK;
    l->buf = malloc(l->cap);
    if (!l->buf) {
        free(l);
        return NULL;
    }
    return l;
}

void cf_lines_free(cf_lines *l)
{
    if (!l) {
        return;
    }
    free(l->buf);
    free(l);
}

/* Make room and read one block; returns false at end or on error. */
static bool lines_fill(cf_lines *l, cf_error *err)
{
    if (l->start > 0) {
        memmove(l->buf, l->buf + l->start, l->end - l->start);
        l->end -= l->start;
        l->scan -= l->start;
        l->start = 0;
    }
    if (l->cap - l->end < LINES_BLOCK / 2) {
        size_t ncap = l->cap * 2;
        char *p = realloc(l->buf, ncap);
        if (!p) {
            cf_error_set(err, CF_ENOMEM, l->in->name, l->lineno + 1, "out of memory");
            l->failed = true;
            return false;
        }
        l->buf = p;
        l->cap = ncap;
    }
    ssize_t r = cf_input_read(l->in, l->buf + l->end, l->cap - l->end, err);
    if (r < 0) {
        l->failed = true;
        return false;
    }
    if (r == 0) {
        l->eof = true;
        return false;
    }
    l->end += (size_t)r;
    return true;
}

/* Drop the rest of an over-long line, up to and including its LF. */
static int lines_skip_long(cf_lines *l, cf_error *err)
{
    for (;;) {
        char *nl = memchr(l->buf + l->start, '\n', l->end - l->start);
        if (nl) {
            l->start = l->scan = (size_t)(nl - l->buf) + 1;
            l->skipping = false;
            return 0;
        }
        l->start = l->scan = l->end = 0;
        if (!lines_fill(l, err)) {
            l->skipping = false;
            return l->failed ? -1 : 0;
        }
    }
}

bool cf_lines_failed(const cf_lines *l)
{
    return l->failed;
}

bool cf_lines_cut(const cf_lines *l)
{
    return l->cut;
}

int cf_lines_next(cf_lines *l, const char **line, size_t *len, uint64_t *lineno, cf_error *err)
{
    if (l->failed) {
        /* Sticky: hand out the stream's first error again. */
        if (err && err->status == CF_OK) {
            *err = l->in->saved;
        }
        return -1;
    }
    if (l->skipping && lines_skip_long(l, err) < 0) {
        return -1;
    }
    for (;;) {
        char *nl = memchr(l->buf + l->scan, '\n', l->end - l->scan);
        size_t stop;
        if (nl) {
            stop = (size_t)(nl - l->buf);
        } else if (l->end - l->start > CF_MAX_LINE_BYTES + 1) {
            /* Too long: report it once, skip to its end on the next call. */
            l->lineno++;
            l->skipping = true;
            l->start = l->scan = l->end = 0;
            cf_error_set(err, CF_ELIMIT, l->in->name, l->lineno,
                         "line longer than %u bytes skipped", (unsigned)CF_MAX_LINE_BYTES);
            if (lineno) {
                *lineno = l->lineno;
            }
            return -1;
        } else if (!l->eof) {
            l->scan = l->end;
            if (!lines_fill(l, err)) {
                if (l->failed) {
                    return -1;
                }
            }
            continue;
        } else if (l->end > l->start) {
            stop = l->end;
            l->cut = true;
        } else {
            return 0;
        }

        /* A line in [start, stop); drop a CR before the LF. */
        size_t n = stop - l->start;
        const char *p = l->buf + l->start;
        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }
        l->start = l->scan = stop < l->end ? stop + 1 : stop;
        l->lineno++;
        if (lineno) {
            *lineno = l->lineno;
        }
        if (n > CF_MAX_LINE_BYTES) {
            cf_error_set(err, CF_ELIMIT, l->in->name, l->lineno,
                         "line longer than %u bytes skipped", (unsigned)CF_MAX_LINE_BYTES);
            return -1;
        }
        *line = p;
        *len = n;
        return 1;
    }
}
