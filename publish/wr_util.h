/*
 * Small helpers private to the writers: fast RFC 3339 and integer
 * formatting for output loops that print millions of values.
 *
 * DESIGN
 * Writers print a timestamp or two per IOC, and snprintf dominated their
 * profiles. wr_clock keeps the date part of the last day it printed (most
 * times of one feed fall on few days), asks timeutil for a new day only,
 * and writes the time of day with digit arithmetic.
 *
 * wr_writeback starts the writeback of a file being written every
 * WR_WRITEBACK_BYTES: a publish writes gigabytes, far below the kernel's
 * own writeback threshold, so without it every byte would wait for the
 * fsync that ends its file, after all the rendering. It also drops the
 * pages written back from the page cache, one step behind: a file written
 * once and read later by its consumer gains nothing from gigabytes of
 * cached pages, while the kernel must find fresh memory for each new one
 * (on a virtual machine that hands free memory back to its host, a first
 * touch costs a host fault: 1 GB written without dropping took 2.7 to 2.9
 * s of system time there, with it 0.3 s). A file under two steps long is
 * never dropped.
 */
#ifndef CTIFLOW_WR_UTIL_H
#define CTIFLOW_WR_UTIL_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctiflow/timeutil.h"

#define WR_MS_PER_DAY 86400000LL

typedef struct wr_clock {
    int64_t day;   /* day number of date[], or INT64_MIN */
    char date[16]; /* "YYYY-MM-DDT" */
    char out[32];  /* last result */
} wr_clock;

static inline void wr_clock_init(wr_clock *c)
{
    c->day = INT64_MIN;
    c->date[0] = '\0';
    c->out[0] = '\0';
}

static inline void wr_2digits(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* "2026-01-02T03:04:05.678Z" (24 characters) for t. Borrowed until the next call. */
static inline const char *wr_clock_format(wr_clock *c, cf_time t)
{
    int64_t day = t / WR_MS_PER_DAY;
    int64_t ms = t % WR_MS_PER_DAY;
    if (ms < 0) {
        ms += WR_MS_PER_DAY;
        day--;
    }
    if (day != c->day) {
        char full[40];
        cf_time_format_rfc3339(full, sizeof(full), day * WR_MS_PER_DAY);
        memcpy(c->date, full, 11);
        c->date[11] = '\0';
        c->day = day;
    }

    char *p = c->out;
    memcpy(p, c->date, 11);
    int secs = (int)(ms / 1000);
    wr_2digits(p + 11, secs / 3600);
    p[13] = ':';
    wr_2digits(p + 14, secs / 60 % 60);
    p[16] = ':';
    wr_2digits(p + 17, secs % 60);
    p[19] = '.';
    int frac = (int)(ms % 1000);
    p[20] = (char)('0' + frac / 100);
    wr_2digits(p + 21, frac % 100);
    p[23] = 'Z';
    p[24] = '\0';
    return p;
}

/* Bytes a file may hold in the page cache before its writeback is started. */
#define WR_WRITEBACK_BYTES (8u << 20)

/* The writeback of one file: bytes whose writeback was started, bytes dropped from the cache. */
typedef struct wr_wb {
    uint64_t started, dropped;
} wr_wb;

/*
 * fd is written up to offset written: once WR_WRITEBACK_BYTES have come
 * since wb->started, start writing them to disk (asynchronous; the fsync
 * that ends the file still makes it durable) so the disk works while the
 * rest is rendered, and drop what the step before started once it is on
 * disk (mostly it is by then).
 */
static inline void wr_writeback(int fd, wr_wb *wb, uint64_t written)
{
    if (written - wb->started < WR_WRITEBACK_BYTES) {
        return;
    }
    sync_file_range(fd, (off_t)wb->started, (off_t)(written - wb->started), SYNC_FILE_RANGE_WRITE);
    if (wb->started > wb->dropped) {
        off_t from = (off_t)wb->dropped, len = (off_t)(wb->started - wb->dropped);
        sync_file_range(fd, from, len, SYNC_FILE_RANGE_WAIT_BEFORE);
        posix_fadvise(fd, from, len, POSIX_FADV_DONTNEED);
        wb->dropped = wb->started;
    }
    wb->started = written;
}

/*
 * The event ids of one write (the 36 characters of their uuid) and what
 * owns each: an event (owner), or a group known by name (owner NULL, name),
 * such as a feed's group, which is one across the chunks of a publish. An
 * id derived from a title that another owner has already takes the next
 * name instead, so two events never share one.
 */
typedef struct wr_id_owner {
    char uuid[37];
    const void *owner;
    char *name; /* owned; NULL for an owner */
} wr_id_owner;

typedef struct wr_ids {
    wr_id_owner *v;
    size_t n, cap;
} wr_ids;

/*
 * Take uuid for owner (or for name when owner is NULL) when nothing else of
 * this write has it, or it has it already (true); false when another owner
 * has it. Without memory to record it, the uuid is taken.
 */
bool wr_ids_take(wr_ids *ids, const char *uuid, const void *owner, const char *name);
void wr_ids_free(wr_ids *ids);

#endif
