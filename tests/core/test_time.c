/*
 * Time parsing and printing: every shape feeds use, the MISP float
 * timestamps of case 24, and the limits on what is accepted.
 */
#include "ctiflow/timeutil.h"
#include "testlib.h"

static const char *fmt(cf_time t)
{
    static char buf[40];
    cf_time_format_rfc3339(buf, sizeof buf, t);
    return buf;
}

static cf_time parse(const char *s)
{
    cf_time t = CF_TIME_NONE;
    if (cf_time_parse(&t, s, strlen(s)) != CF_OK) {
        return CF_TIME_NONE;
    }
    return t;
}

int main(void)
{
    /* RFC 3339 and the loose ISO forms feeds write. */
    CHECK_STR(fmt(parse("2024-03-01 11:00:00")), "2024-03-01T11:00:00.000Z");
    CHECK_STR(fmt(parse("2024-02-28T06:30:00Z")), "2024-02-28T06:30:00.000Z");
    CHECK_STR(fmt(parse("2024-02-28T08:30:00+02:00")), "2024-02-28T06:30:00.000Z");
    CHECK_STR(fmt(parse("2024-02-28T01:30:00.5-0500")), "2024-02-28T06:30:00.500Z");
    CHECK_STR(fmt(parse("2025-11-01 08:00:00 UTC")), "2025-11-01T08:00:00.000Z");
    CHECK_STR(fmt(parse("2019-01-25")), "2019-01-25T00:00:00.000Z");
    CHECK_STR(fmt(parse("2000-02-29T23:59:60Z")), "2000-02-29T23:59:59.000Z");

    /* Case 24: epoch seconds with a fraction are parsed from the digits. */
    CHECK_STR(fmt(parse("1558612345.678")), "2019-05-23T11:52:25.678Z");
    CHECK_STR(fmt(parse("1558612400")), "2019-05-23T11:53:20.000Z");
    CHECK_STR(fmt(parse("1558612300.25")), "2019-05-23T11:51:40.250Z");
    CHECK_STR(fmt(parse("1558612301")), "2019-05-23T11:51:41.000Z");
    CHECK_STR(fmt(parse("1558612345.6789")), "2019-05-23T11:52:25.679Z");

    /* Out of range or malformed values are refused, never wrapped. */
    CHECK_INT(parse("99999-01-01"), CF_TIME_NONE);
    CHECK_INT(parse("-5"), CF_TIME_NONE);
    CHECK_INT(parse("1e308"), CF_TIME_NONE);
    CHECK_INT(parse("99999999999999999999999"), CF_TIME_NONE);
    CHECK_INT(parse("2023-02-29"), CF_TIME_NONE);
    CHECK_INT(parse("2023-13-01"), CF_TIME_NONE);
    CHECK_INT(parse(""), CF_TIME_NONE);
    CHECK_INT(parse("yesterday"), CF_TIME_NONE);

    /* Profile formats. */
    cf_time t = 0;
    CHECK_INT(cf_time_parse_fmt(&t, "%d-%b-%Y %H:%M", "25-Jan-2019 13:05", 17), CF_OK);
    CHECK_STR(fmt(t), "2019-01-25T13:05:00.000Z");
    CHECK_INT(cf_time_parse_fmt(&t, "%Y/%m/%d", "2019/01/32", 10), CF_EMALFORMED);

    /* Printing. */
    char buf[32];
    cf_time_format_epoch(buf, sizeof buf, parse("1558612345.678"));
    CHECK_STR(buf, "1558612345");
    /* whole seconds toward minus infinity, digits printed by hand */
    cf_time_format_epoch(buf, sizeof buf, 0);
    CHECK_STR(buf, "0");
    cf_time_format_epoch(buf, sizeof buf, 999);
    CHECK_STR(buf, "0");
    cf_time_format_epoch(buf, sizeof buf, -1);
    CHECK_STR(buf, "-1");
    cf_time_format_epoch(buf, sizeof buf, -86400000);
    CHECK_STR(buf, "-86400");
    cf_time_format_epoch(buf, sizeof buf, 253402300799999LL);
    CHECK_STR(buf, "253402300799");
    cf_time_format_epoch(buf, 5, 1558612345678LL);
    CHECK_STR(buf, "1558");
    cf_time_format_date(buf, sizeof buf, parse("2019-05-23T23:59:59Z"));
    CHECK_STR(buf, "2019-05-23");

    /* CTIFLOW_NOW fixes the clock. */
    setenv("CTIFLOW_NOW", "2026-01-02T03:04:05Z", 1);
    CHECK_STR(fmt(cf_time_now()), "2026-01-02T03:04:05.000Z");
    TEST_MAIN_END();
}
