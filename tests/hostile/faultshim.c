/*
 * Fault injection for tests: an LD_PRELOAD module that makes the Nth call
 * of write, fsync, rename, malloc or open/openat fail.
 *
 * DESIGN
 * FAULT_CALL names the function ("write", "fsync", "rename", "malloc",
 * "open"; "open" covers open and openat) and FAULT_NTH the 1-based call to
 * fail; FAULT_ERRNO overrides the errno (default ENOSPC for write and fsync,
 * EIO for rename, ENOMEM for malloc, EACCES for open). Only the one call
 * fails, so the program sees a single transient fault. FAULT_PATH, when set,
 * limits write/fsync counting to descriptors whose path contains it and
 * open/rename counting to paths containing it, so a fault lands in the
 * output or the store rather than in a log line. Counters are atomic; the
 * real functions come from dlsym(RTLD_NEXT). malloc is counted only after
 * the first FAULT_SKIP_MALLOC calls (default 1000) so start-up succeeds.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_long fs_count;
static atomic_int fs_inside;
static int fs_target = -1; /* 0 write, 1 fsync, 2 rename, 3 malloc, 4 open */
static long fs_nth;
static int fs_errno;
static const char *fs_path;
static long fs_skip_malloc = 1000;
static atomic_long fs_malloc_seen;

static void fs_init(void)
{
    static const char *names[] = {"write", "fsync", "rename", "malloc", "open"};
    static const int errs[] = {ENOSPC, ENOSPC, EIO, ENOMEM, EACCES};
    const char *call = getenv("FAULT_CALL");
    const char *nth = getenv("FAULT_NTH");
    const char *e = getenv("FAULT_ERRNO");
    const char *skip = getenv("FAULT_SKIP_MALLOC");

    if (!call || !nth) {
        return;
    }
    for (int i = 0; i < 5; i++) {
        if (!strcmp(call, names[i])) {
            fs_target = i;
            fs_errno = errs[i];
        }
    }
    fs_nth = strtol(nth, NULL, 10);
    if (e) {
        fs_errno = (int)strtol(e, NULL, 10);
    }
    if (skip) {
        fs_skip_malloc = strtol(skip, NULL, 10);
    }
    fs_path = getenv("FAULT_PATH");
}

/* True when this call is the one to fail. */
static int fs_hit(int which)
{
    static atomic_int ready;
    if (!atomic_load(&ready)) {
        atomic_store(&ready, 1);
        fs_init();
    }
    if (which != fs_target) {
        return 0;
    }
    return atomic_fetch_add(&fs_count, 1) + 1 == fs_nth;
}

/* Does descriptor fd name a path containing FAULT_PATH? */
static int fs_fd_matches(int fd)
{
    char link[64], target[4096];
    ssize_t n;

    if (!fs_path) {
        return 1;
    }
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, target, sizeof target - 1);
    if (n <= 0) {
        return 0;
    }
    target[n] = '\0';
    return strstr(target, fs_path) != NULL;
}

static int fs_path_matches(const char *p)
{
    return !fs_path || (p && strstr(p, fs_path));
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) {
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    }
    if (fd > 2 && fs_fd_matches(fd) && fs_hit(0)) {
        errno = fs_errno;
        return -1;
    }
    return real(fd, buf, n);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real) {
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    }
    if (fs_fd_matches(fd) && fs_hit(1)) {
        errno = fs_errno;
        return -1;
    }
    return real(fd);
}

int rename(const char *from, const char *to)
{
    static int (*real)(const char *, const char *);
    if (!real) {
        real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    }
    if (fs_path_matches(to) && fs_hit(2)) {
        errno = fs_errno;
        return -1;
    }
    return real(from, to);
}

int open(const char *path, int flags, ...)
{
    static int (*real)(const char *, int, ...);
    mode_t mode = 0;
    va_list ap;
    if (!real) {
        real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    }
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (fs_path_matches(path) && fs_hit(4)) {
        errno = fs_errno;
        return -1;
    }
    return real(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    static int (*real)(int, const char *, int, ...);
    mode_t mode = 0;
    va_list ap;
    if (!real) {
        real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
    }
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (fs_path_matches(path) && fs_hit(4)) {
        errno = fs_errno;
        return -1;
    }
    return real(dirfd, path, flags, mode);
}

/* malloc: the glibc entry point __libc_malloc avoids dlsym recursion. */
extern void *__libc_malloc(size_t n);

void *malloc(size_t n)
{
    if (atomic_load(&fs_inside)) {
        return __libc_malloc(n);
    }
    atomic_store(&fs_inside, 1);
    int hit = atomic_fetch_add(&fs_malloc_seen, 1) >= fs_skip_malloc && fs_hit(3);
    atomic_store(&fs_inside, 0);
    if (hit) {
        errno = fs_errno;
        return NULL;
    }
    return __libc_malloc(n);
}
