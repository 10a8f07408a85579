/* Unit tests for view/csv.c and view/chart.c: RFC 4180 quoting, a cell a
 * spreadsheet would run as a formula prefixed with an apostrophe (esc_csv), CRLF
 * record ends; a chart's accessible name and description wired through
 * aria-labelledby, every text escaped, bars scaled to the largest value,
 * the series' key, and a line chart's points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/sb.h"
#include "view/chart.h"
#include "view/csv.h"

static void test_csv(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rhere", "\"cr\rhere\""},
        {"=1+2", "'=1+2"},
        {"+1 907 555 0123", "'+1 907 555 0123"},
        {"-5", "'-5"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\tTAB", "'\tTAB"},
        {"=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""},
        {"a=b", "a=b"}, /* only a leading sign counts */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sb b = SB_INIT;
        csv_text(&b, rows[i].in, 1);
        if (strcmp(b.buf, rows[i].out) != 0)
            fail_msg("row %zu: %s, want %s", i, b.buf, rows[i].out);
        sb_release(&b);
    }
    struct sb b = SB_INIT;
    csv_text(&b, "name", 1);
    csv_i64(&b, -5, 0); /* a number the program computed is never prefixed */
    csv_text(&b, NULL, 0);
    csv_end(&b);
    assert_string_equal(b.buf, "name,-5,\r\n");
    sb_release(&b);
}

static void test_bars(void **state)
{
    (void)state;
    const char *labels[] = {"Maren <Holt>", "Dev & co"};
    const int64_t cur[] = {50, 100}, prev[] = {25, 0};
    const char *ct[] = {"50%", "100%"}, *pt[] = {"25%", "0%"};
    struct chart_series s[] = {{"This period", cur, ct}, {"Previous \"period\"", prev, pt}};
    struct chart c = {"c1", "Share <by> therapist", "What & why", labels, 2, s, 2};
    struct sb b = SB_INIT;
    chart_bars(&b, &c);
    const char *svg = b.buf;
    assert_non_null(strstr(svg, "role=\"img\""));
    assert_non_null(strstr(svg, "aria-labelledby=\"c1-title c1-desc\""));
    assert_non_null(strstr(svg, "<title id=\"c1-title\">Share &lt;by&gt; therapist</title>"));
    assert_non_null(strstr(svg, "<desc id=\"c1-desc\">What &amp; why</desc>"));
    assert_non_null(strstr(svg, "Maren &lt;Holt&gt;"));
    assert_non_null(strstr(svg, "Previous &quot;period&quot;") ||
                    strstr(svg, "Previous &#34;period&#34;"));
    assert_null(strstr(svg, "<Holt>"));
    assert_null(strstr(svg, "<script"));
    /* the largest value gets the longest bar (320 units), half of it half */
    assert_non_null(strstr(svg, "width=\"320\""));
    assert_non_null(strstr(svg, "width=\"160\""));
    assert_non_null(strstr(svg, "width=\"0\""));
    assert_true(strncmp(svg + strlen(svg) - 6, "</svg>", 6) == 0);
    sb_release(&b);
}

static void test_lines(void **state)
{
    (void)state;
    const char *labels[] = {"1 Mar", "2 Mar", "3 Mar"};
    const int64_t cur[] = {0, 10, 5};
    struct chart_series s[] = {{"This period", cur, NULL}};
    struct chart c = {"c2", "Hours", "Per day", labels, 3, s, 1};
    struct sb b = SB_INIT;
    chart_lines(&b, &c, "10 h");
    assert_non_null(strstr(b.buf, "<polyline class=\"chart-line chart-line0\" points=\"4,208 "
                                  "200,36 396,122\"/>"));
    assert_non_null(strstr(b.buf, ">1 Mar</text>"));
    assert_non_null(strstr(b.buf, ">3 Mar</text>"));
    assert_non_null(strstr(b.buf, ">10 h</text>"));
    sb_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_bars),
        cmocka_unit_test(test_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
