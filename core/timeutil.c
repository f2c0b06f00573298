/*
 * Time parsing and printing for every format a feed or writer uses.
 *
 * All arithmetic is on the proleptic Gregorian calendar in UTC with integer
 * milliseconds; no call depends on the process time zone or locale.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctiflow/buf.h"
#include "ctiflow/timeutil.h"

/* Days since 1970-01-01 of a civil date (month 1..12). */
static int64_t time_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void time_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int time_days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Read exactly n digits at *p; false when any is missing. */
static bool time_digits(const char **p, const char *end, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (*p >= end || !isdigit((unsigned char)**p)) {
            return false;
        }
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return true;
}

static cf_status time_compose(cf_time *out, int64_t y, int mo, int d, int h, int mi, int s,
                              int ms, int offset_min)
{
    if (mo < 1 || mo > 12 || d < 1 || d > time_days_in_month(y, mo) || h > 23 || mi > 59 ||
        s > 60) {
        return CF_EMALFORMED;
    }
    if (s == 60) {
        s = 59; /* a leap second reads as the second before it */
    }
    int64_t secs = time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    secs -= (int64_t)offset_min * 60;
    cf_time t = secs * 1000 + ms;
    if (t < CF_TIME_MIN || t > CF_TIME_MAX) {
        return CF_ELIMIT;
    }
    *out = t;
    return CF_OK;
}

/* Fraction digits after '.' or ',' as milliseconds, rounded to nearest. */
static int time_fraction_ms(const char **p, const char *end)
{
    int ms = 0, digits = 0;
    bool round_up = false;
    while (*p < end && isdigit((unsigned char)**p)) {
        if (digits < 3) {
            ms = ms * 10 + (**p - '0');
        } else if (digits == 3) {
            round_up = **p >= '5';
        }
        digits++;
        (*p)++;
    }
    while (digits < 3) {
        ms *= 10;
        digits++;
    }
    return ms + (round_up ? 1 : 0);
}

cf_status cf_time_parse_epoch(cf_time *out, const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    bool neg = false;

    while (p < end && isspace((unsigned char)*p)) {
        p++;
    }
    while (end > p && isspace((unsigned char)end[-1])) {
        end--;
    }
    if (p < end && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    if (p >= end || !isdigit((unsigned char)*p)) {
        return CF_EMALFORMED;
    }

    int64_t secs = 0;
    while (p < end && isdigit((unsigned char)*p)) {
        if (secs > CF_TIME_MAX / 1000) {
            return CF_ELIMIT;
        }
        secs = secs * 10 + (*p - '0');
        p++;
    }
    int ms = 0;
    if (p < end && *p == '.') {
        p++;
        ms = time_fraction_ms(&p, end);
    }
    if (p != end) {
        return CF_EMALFORMED; /* exponents and junk are not epoch times */
    }
    if (neg) {
        return CF_ELIMIT;
    }

    cf_time t = secs * 1000 + ms;
    if (t > CF_TIME_MAX) {
        return CF_ELIMIT;
    }
    *out = t;
    return CF_OK;
}

/* ISO 8601 / RFC 3339 / "YYYY-MM-DD HH:MM:SS" / date only. */
static cf_status time_parse_iso(cf_time *out, const char *p, const char *end)
{
    int y, mo, d, h = 0, mi = 0, s = 0, ms = 0, off = 0;

    if (!time_digits(&p, end, 4, &y) || p >= end || *p != '-' ||
        !(p++, time_digits(&p, end, 2, &mo)) || p >= end || *p != '-' ||
        !(p++, time_digits(&p, end, 2, &d))) {
        return CF_EMALFORMED;
    }
    if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
        p++;
        if (!time_digits(&p, end, 2, &h) || p >= end || *p != ':' ||
            !(p++, time_digits(&p, end, 2, &mi))) {
            return CF_EMALFORMED;
        }
        if (p < end && *p == ':') {
            p++;
            if (!time_digits(&p, end, 2, &s)) {
                return CF_EMALFORMED;
            }
        }
        if (p < end && (*p == '.' || *p == ',')) {
            p++;
            ms = time_fraction_ms(&p, end);
        }
        while (p < end && *p == ' ') {
            p++;
        }
        if (p < end && (*p == 'Z' || *p == 'z')) {
            p++;
        } else if (p + 3 <= end && strncasecmp(p, "UTC", 3) == 0) {
            p += 3;
        } else if (p < end && (*p == '+' || *p == '-')) {
            int sign = *p == '-' ? -1 : 1, oh, om = 0;
            p++;
            if (!time_digits(&p, end, 2, &oh)) {
                return CF_EMALFORMED;
            }
            if (p < end && *p == ':') {
                p++;
            }
            if (p < end && !time_digits(&p, end, 2, &om)) {
                return CF_EMALFORMED;
            }
            if (oh > 23 || om > 59) {
                return CF_EMALFORMED;
            }
            off = sign * (oh * 60 + om);
        }
    }
    if (p != end) {
        return CF_EMALFORMED;
    }
    if (ms >= 1000) {
        ms = 999;
    }
    return time_compose(out, y, mo, d, h, mi, s, ms, off);
}

cf_status cf_time_parse(cf_time *out, const char *s, size_t n)
{
    const char *p = s, *end = s + n;

    while (p < end && isspace((unsigned char)*p)) {
        p++;
    }
    while (end > p && isspace((unsigned char)end[-1])) {
        end--;
    }
    if (p == end) {
        return CF_EMALFORMED;
    }

    /* A date has '-' at position 4; anything else all-digit is epoch. */
    if (end - p >= 10 && p[4] == '-') {
        return time_parse_iso(out, p, end);
    }
    return cf_time_parse_epoch(out, p, (size_t)(end - p));
}

static int time_month_from_abbrev(const char *p, const char *end)
{
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    if (end - p < 3) {
        return 0;
    }
    for (int i = 0; i < 12; i++) {
        if (strncasecmp(p, months[i], 3) == 0) {
            return i + 1;
        }
    }
    return 0;
}

/* The two digits at s as a number, or -1 when either is not a digit. */
static int time_2digits(const char *s)
{
    unsigned a = (unsigned char)s[0] - '0', b = (unsigned char)s[1] - '0';
    return a < 10 && b < 10 ? (int)(a * 10 + b) : -1;
}

/*
 * "%Y-%m-%d %H:%M:%S" on exactly its 19 bytes, the layout of most CSV
 * feeds, read without walking the format: CF_OK, an error of
 * time_compose, or CF_EINVAL when s is not of that shape (then the
 * format is walked, which gives the same result for any other input).
 */
static cf_status time_parse_ymd_hms(cf_time *out, const char *s)
{
    int y1 = time_2digits(s), y2 = time_2digits(s + 2), mo = time_2digits(s + 5);
    int d = time_2digits(s + 8), h = time_2digits(s + 11), mi = time_2digits(s + 14);
    int sec = time_2digits(s + 17);
    if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || s[4] != '-' ||
        s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':') {
        return CF_EINVAL;
    }
    return time_compose(out, y1 * 100 + y2, mo, d, h, mi, sec, 0, 0);
}

cf_status cf_time_parse_fmt(cf_time *out, const char *fmt, const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    int y = 1970, mo = 1, d = 1, h = 0, mi = 0, sec = 0, ms = 0, off = 0;

    if (n == 19 && strcmp(fmt, "%Y-%m-%d %H:%M:%S") == 0) {
        cf_status st = time_parse_ymd_hms(out, s);
        if (st != CF_EINVAL) {
            return st;
        }
    }

    while (p < end && isspace((unsigned char)*p)) {
        p++;
    }
    while (end > p && isspace((unsigned char)end[-1])) {
        end--;
    }
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            if (p >= end || *p != *f) {
                return CF_EMALFORMED;
            }
            p++;
            continue;
        }
        f++;
        bool ok = true;
        switch (*f) {
        case 'Y':
            ok = time_digits(&p, end, 4, &y);
            break;
        case 'm':
            ok = time_digits(&p, end, 2, &mo);
            break;
        case 'd':
            ok = time_digits(&p, end, 2, &d);
            break;
        case 'H':
            ok = time_digits(&p, end, 2, &h);
            break;
        case 'M':
            ok = time_digits(&p, end, 2, &mi);
            break;
        case 'S':
            ok = time_digits(&p, end, 2, &sec);
            if (ok && p < end && *p == '.') {
                p++;
                ms = time_fraction_ms(&p, end);
            }
            break;
        case 'b':
            mo = time_month_from_abbrev(p, end);
            ok = mo != 0;
            p += ok ? 3 : 0;
            break;
        case 'z': {
            const char *rest = p;
            if (rest < end && (*rest == 'Z' || *rest == 'z')) {
                p++;
                break;
            }
            int sign = rest < end && *rest == '-' ? -1 : 1, oh = 0, om = 0;
            ok = rest < end && (*rest == '+' || *rest == '-');
            if (ok) {
                p++;
                ok = time_digits(&p, end, 2, &oh);
                if (ok && p < end && *p == ':') {
                    p++;
                }
                ok = ok && time_digits(&p, end, 2, &om);
                off = sign * (oh * 60 + om);
            }
            break;
        }
        case 's':
            return cf_time_parse_epoch(out, p, (size_t)(end - p));
        case '%':
            ok = p < end && *p++ == '%';
            break;
        default:
            return CF_EINVAL;
        }
        if (!ok) {
            return CF_EMALFORMED;
        }
    }
    if (p != end) {
        return CF_EMALFORMED;
    }
    return time_compose(out, y, mo, d, h, mi, sec, ms, off);
}

cf_time cf_time_now(void)
{
    const char *env = getenv("CTIFLOW_NOW");
    cf_time t;

    if (env && *env && cf_time_parse(&t, env, strlen(env)) == CF_OK) {
        return t;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (cf_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void time_split(cf_time t, int64_t *y, int *mo, int *d, int *h, int *mi, int *s, int *ms)
{
    int64_t secs = t / 1000;
    int64_t rem = t % 1000;
    if (rem < 0) {
        rem += 1000;
        secs--;
    }
    int64_t days = secs / 86400;
    int64_t sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    time_civil_from_days(days, y, mo, d);
    *h = (int)(sod / 3600);
    *mi = (int)(sod / 60 % 60);
    *s = (int)(sod % 60);
    *ms = (int)rem;
}

/* Write v as exactly n decimal digits at p. */
static char *time_put_digits(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

void cf_time_format_rfc3339(char *out, size_t outsz, cf_time t)
{
    int64_t y;
    int mo, d, h, mi, s, ms;
    time_split(t, &y, &mo, &d, &h, &mi, &s, &ms);
    if (outsz < 25 || y < 0 || y > 9999) {
        snprintf(out, outsz, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, mo, d, h,
                 mi, s, ms);
        return;
    }

    /* Printed by hand: writers format two or three instants per IOC. */
    char *p = time_put_digits(out, y, 4);
    *p++ = '-';
    p = time_put_digits(p, mo, 2);
    *p++ = '-';
    p = time_put_digits(p, d, 2);
    *p++ = 'T';
    p = time_put_digits(p, h, 2);
    *p++ = ':';
    p = time_put_digits(p, mi, 2);
    *p++ = ':';
    p = time_put_digits(p, s, 2);
    *p++ = '.';
    p = time_put_digits(p, ms, 3);
    *p++ = 'Z';
    *p = '\0';
}

void cf_time_format_date(char *out, size_t outsz, cf_time t)
{
    int64_t y;
    int mo, d, h, mi, s, ms;
    time_split(t, &y, &mo, &d, &h, &mi, &s, &ms);
    snprintf(out, outsz, "%04lld-%02d-%02d", (long long)y, mo, d);
}

void cf_time_format_epoch(char *out, size_t outsz, cf_time t)
{
    int64_t secs = t / 1000;
    if (t < 0 && t % 1000) {
        secs--;
    }

    if (outsz < 21) {
        snprintf(out, outsz, "%lld", (long long)secs);
        return;
    }
    cf_int64_text(out, secs);
}
