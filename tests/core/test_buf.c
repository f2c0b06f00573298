/*
 * Tests of the byte buffers' JSON string escaping: each byte that needs an
 * escape at every offset of an eight-byte word (plain runs are copied a
 * word at a time), valid UTF-8 passed through, bytes that are not UTF-8
 * (stray, surrogate, overlong, truncated) escaped as \u00XX, and NULL
 * written as null.
 */
#include "ctiflow/buf.h"
#include "testlib.h"

/* Escape 'a' x k, the byte c, 'b' x k; expect the same runs around esc. */
static void expect_escape(size_t k, char c, const char *esc)
{
    char in[64], want[96];
    cf_buf b = CF_BUF_INIT;

    memset(in, 'a', k);
    in[k] = c;
    memset(in + k + 1, 'b', k);
    memset(want, 'a', k);
    size_t el = strlen(esc);
    memcpy(want + k, esc, el);
    memset(want + k + el, 'b', k);
    want[2 * k + el] = '\0';

    CHECK_INT(cf_buf_json_str(&b, in, 2 * k + 1), CF_OK);
    CHECK_STR(cf_buf_str(&b), want);
    CHECK_INT(b.len, 2 * k + el);
    cf_buf_free(&b);
}

static void test_offsets(void)
{
    for (size_t k = 0; k < 20; k++) {
        expect_escape(k, '"', "\\\"");
        expect_escape(k, '\\', "\\\\");
        expect_escape(k, '\n', "\\n");
        expect_escape(k, '\t', "\\t");
        expect_escape(k, '\x01', "\\u0001");
        expect_escape(k, '\x1f', "\\u001f");
        expect_escape(k, '\0', "\\u0000");
        /* bytes that need no escape: the last below 0x80 and DEL */
        expect_escape(k, ' ', " ");
        expect_escape(k, '\x7f', "\x7f");
        /* a lead byte without its continuation, a byte never in UTF-8 */
        expect_escape(k, '\xc3', "\\u00c3");
        expect_escape(k, '\xff', "\\u00ff");
    }
}

static void test_quoted(void)
{
    cf_buf b = CF_BUF_INIT;

    CHECK_INT(cf_buf_json_quoted(&b, "r\xc3\xa9sum\xc3\xa9 \"x\" of 2024\\06"), CF_OK);
    CHECK_STR(cf_buf_str(&b), "\"r\xc3\xa9sum\xc3\xa9 \\\"x\\\" of 2024\\\\06\"");
    cf_buf_reset(&b);
    CHECK_INT(cf_buf_json_quoted(&b, NULL), CF_OK);
    CHECK_STR(cf_buf_str(&b), "null");
    cf_buf_free(&b);
}

/* Sequence lengths, and the escaping of whole invalid sequences. */
static void test_utf8(void)
{
    static const struct {
        const char *in;
        size_t len; /* cf_utf8_seq_len of in */
        const char *json;
    } cases[] = {
        {"a", 1, "a"},
        {"\xc3\xa9", 2, "\xc3\xa9"},
        {"\xe2\x82\xac", 3, "\xe2\x82\xac"},
        {"\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"},
        {"\xed\x9f\xbf", 3, "\xed\x9f\xbf"},                     /* U+D7FF, before the surrogates */
        {"\xed\xa0\x80", 0, "\\u00ed\\u00a0\\u0080"},            /* U+D800 */
        {"\xed\xbf\xbf", 0, "\\u00ed\\u00bf\\u00bf"},            /* U+DFFF */
        {"\xc0\xaf", 0, "\\u00c0\\u00af"},                       /* overlong '/' */
        {"\xe0\x80\xaf", 0, "\\u00e0\\u0080\\u00af"},            /* overlong '/' */
        {"\xf4\x90\x80\x80", 0, "\\u00f4\\u0090\\u0080\\u0080"}, /* above U+10FFFF */
        {"\xe2\x82", 0, "\\u00e2\\u0082"},                       /* truncated */
        {"\x80", 0, "\\u0080"},
    };
    cf_buf b = CF_BUF_INIT;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].in);
        CHECK_INT(cf_utf8_seq_len(cases[i].in, n), cases[i].len);
        cf_buf_reset(&b);
        CHECK_INT(cf_buf_json_str(&b, cases[i].in, n), CF_OK);
        CHECK_STR(cf_buf_str(&b), cases[i].json);
    }
    /* A valid character right after an invalid byte is kept whole. */
    cf_buf_reset(&b);
    CHECK_INT(cf_buf_json_quoted(&b, "0123456789\xff\xc3\xa9\"\xed\xa0\x80z"), CF_OK);
    CHECK_STR(cf_buf_str(&b), "\"0123456789\\u00ff\xc3\xa9\\\"\\u00ed\\u00a0\\u0080z\"");
    cf_buf_free(&b);
}

/* Decimal text of 64-bit integers, the extremes included. */
static void test_int64_text(void)
{
    char out[24];
    CHECK_INT(cf_int64_text(out, 0), 1);
    CHECK_STR(out, "0");
    CHECK_INT(cf_int64_text(out, -1), 2);
    CHECK_STR(out, "-1");
    CHECK_INT(cf_int64_text(out, 1733300000), 10);
    CHECK_STR(out, "1733300000");
    CHECK_INT(cf_int64_text(out, INT64_MAX), 19);
    CHECK_STR(out, "9223372036854775807");
    CHECK_INT(cf_int64_text(out, INT64_MIN), 20);
    CHECK_STR(out, "-9223372036854775808");
}

int main(void)
{
    test_int64_text();
    test_offsets();
    test_quoted();
    test_utf8();
    TEST_MAIN_END();
}
