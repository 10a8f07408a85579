/* Unit tests for view/esc: tables of input and expected output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/sb.h"
#include "view/esc.h"

/* Lengths come from sizeof, so rows may hold NUL bytes. */
struct row {
    const char *in;
    size_t inlen;
    const char *want;
    size_t wantlen;
};
#define ROW(in, want) { in, sizeof(in) - 1, want, sizeof(want) - 1 }
#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

typedef void (*esc_fn)(struct sb *, const char *, size_t);

static void run_rows(esc_fn fn, const struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct sb out = SB_INIT;

        fn(&out, rows[i].in, rows[i].inlen);
        if (out.len != rows[i].wantlen || memcmp(out.buf, rows[i].want, out.len) != 0)
            fail_msg("row %zu: input '%s': got '%s', want '%s'", i, rows[i].in, out.buf,
                     rows[i].want);
        assert_int_equal(out.err, 0);
        sb_release(&out);
    }
}

static const struct row html_rows[] = {
    ROW("", ""),
    ROW("plain text", "plain text"),
    ROW("&", "&amp;"),
    ROW("<", "&lt;"),
    ROW(">", "&gt;"),
    ROW("\"", "&quot;"),
    ROW("'", "&#39;"),
    ROW("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
    ROW("\" onmouseover=\"alert(1)", "&quot; onmouseover=&quot;alert(1)"),
    ROW("' onclick='x", "&#39; onclick=&#39;x"),
    ROW("a&amp;b", "a&amp;amp;b"),
    ROW("Ümlaut – ünïcode ✓", "Ümlaut – ünïcode ✓"),
    ROW("tab\tnew\nline", "tab\tnew\nline"),
    ROW("<<>>", "&lt;&lt;&gt;&gt;"),
    ROW("x<", "x&lt;"),
    ROW("a\0<b", "a\0&lt;b"), /* length-driven: a NUL does not stop it */
};

static void test_html(void **state)
{
    (void)state;
    run_rows(esc_html, html_rows, NROWS(html_rows));
}

static void test_html_appends(void **state)
{
    struct sb out = SB_INIT;

    (void)state;
    sb_adds(&out, "<p>");
    esc_html(&out, "a<b", 3);
    esc_html(&out, NULL, 0);
    sb_adds(&out, "</p>");
    assert_string_equal(out.buf, "<p>a&lt;b</p>");
    sb_release(&out);
}

static void test_html_limit(void **state)
{
    struct sb out;

    (void)state;
    sb_init(&out, 8);
    esc_html(&out, "<<<", 3); /* 12 bytes needed */
    assert_int_equal(out.err, 1);
    sb_release(&out);
}

static const struct row url_rows[] = {
    ROW("", ""),
    ROW("AZaz09-._~", "AZaz09-._~"),
    ROW("a b", "a%20b"),
    ROW("a+b", "a%2Bb"),
    ROW("/?#[]@!$&'()*,;=", "%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2C%3B%3D"),
    ROW("50%", "50%25"),
    ROW("é", "%C3%A9"),
    ROW("\"<>", "%22%3C%3E"),
    ROW("\r\n", "%0D%0A"),
    ROW("\x7f\xff", "%7F%FF"),
    ROW("a\0b", "a%00b"),
    ROW("deep-tissue massage", "deep-tissue%20massage"),
};

static void test_url_component(void **state)
{
    (void)state;
    run_rows(esc_url_component, url_rows, NROWS(url_rows));
}

static const struct {
    const char *in;
    int ok;
} header_rows[] = {
    { "", 1 },
    { "text/html; charset=utf-8", 1 },
    { "with\ttab", 1 },
    { "Ümlaut", 1 },
    { "a\r\nSet-Cookie: x=1", 0 },
    { "a\rb", 0 },
    { "a\nb", 0 },
    { "bell\a", 0 },
    { "\x1f", 0 },
    { "del\x7f", 0 },
    { "\x01", 0 },
};

static void test_csv(void **state)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"", ""},
        {"Ana Lee", "Ana Lee"},
        {"Lee, Ana", "\"Lee, Ana\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""},
        {"=1+2", "'=1+2"},
        {"+1 907 555 0100", "'+1 907 555 0100"},
        {"-5", "'-5"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\tx", "'\tx"},
        {"\rx", "\"'\rx\""},
        {"a=b", "a=b"},             /* only the first character matters */
        {"Mar\xc3\xad" "a", "Mar\xc3\xad" "a"}, /* UTF-8 as it is */
    };
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sb b = SB_INIT;
        esc_csv(&b, rows[i].in);
        assert_string_equal(b.buf, rows[i].out);
        sb_release(&b);
    }
}

static void test_header_ok(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(header_rows); i++)
        assert_int_equal(esc_header_ok(header_rows[i].in), header_rows[i].ok);
    assert_int_equal(esc_header_ok(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_html_appends),
        cmocka_unit_test(test_html_limit),
        cmocka_unit_test(test_url_component),
        cmocka_unit_test(test_header_ok),
        cmocka_unit_test(test_csv),
    };
    return cmocka_run_group_tests_name("esc", tests, NULL, NULL);
}
