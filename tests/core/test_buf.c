/*
 * Tests of the byte buffers' JSON string escaping: each byte that needs an
 * escape at every offset of an eight-byte word (plain runs are copied a
 * word at a time), non-ASCII passed through, and NULL written as null.
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
        /* bytes that need no escape: the last below 0x80, DEL and a UTF-8 lead byte */
        expect_escape(k, ' ', " ");
        expect_escape(k, '\x7f', "\x7f");
        expect_escape(k, '\xc3', "\xc3");
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

int main(void)
{
    test_offsets();
    test_quoted();
    TEST_MAIN_END();
}
