/* Unit tests for view/md: rows of Markdown with HTML that must appear in the
 * output and HTML that must not (raw HTML and dangerous link targets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/sb.h"
#include "view/md.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

struct row {
    const char *what;
    const char *md;
    const char *must[4];    /* substrings that must appear */
    const char *mustnt[4];  /* substrings that must not appear (case-insensitive) */
};

static const struct row rows[] = {
    { "headings", "# One\n\n## Two\n\n### Three *x*\n",
      { "<h1>One</h1>", "<h2>Two</h2>", "<h3>Three <em>x</em></h3>" }, { NULL } },
    { "setext heading", "Title\n=====\n", { "<h1>Title</h1>" }, { NULL } },
    { "paragraphs", "one\n\ntwo\n", { "<p>one</p>\n<p>two</p>" }, { NULL } },
    { "bullet list", "* one\n* two\n", { "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" }, { NULL } },
    { "ordered list", "1. a\n2. b\n", { "<ol>\n<li>a</li>\n<li>b</li>\n</ol>" }, { NULL } },
    { "emphasis", "*em* **strong** _u_ ~~gone~~",
      { "<em>em</em>", "<strong>strong</strong>", "<em>u</em>", "<del>gone</del>" }, { NULL } },
    { "links", "[site](https://example.com/a?b=1&c=2 \"T\") [rel](/articles/back-pain) [top](#top)",
      { "<a href=\"https://example.com/a?b=1&amp;c=2\" title=\"T\">site</a>",
        "<a href=\"/articles/back-pain\">rel</a>", "<a href=\"#top\">top</a>" },
      { NULL } },
    { "mailto and tel links", "[mail](mailto:desk@example.com) [call](tel:+19075550100)",
      { "href=\"mailto:desk@example.com\"", "href=\"tel:+19075550100\"" }, { NULL } },
    { "autolinks", "See https://example.com/x and www.example.org or desk@example.com.",
      { "<a href=\"https://example.com/x\">", "<a href=\"http://www.example.org\">",
        "<a href=\"mailto:desk@example.com\">" },
      { NULL } },
    { "image", "![Room 1](/static/room1.jpg)", { "<img src=\"/static/room1.jpg\" alt=\"Room 1\">" },
      { NULL } },
    { "table", "| a | b |\n|---|---|\n| 1 | 2 |\n", { "<table>", "<th>a</th>", "<td>2</td>" },
      { NULL } },
    { "code is escaped", "`<b>` and\n\n```\n<i>&\n```\n",
      { "<code>&lt;b&gt;</code>", "<pre><code>&lt;i&gt;&amp;\n</code></pre>" }, { "<b>", "<i>" } },
    { "text is escaped", "5 < 6 & \"q\"", { "5 &lt; 6 &amp; &quot;q&quot;" }, { NULL } },
    { "raw HTML block is not passed through", "<script>alert(1)</script>\n",
      { "&lt;script&gt;alert(1)&lt;/script&gt;" }, { "<script" } },
    { "raw HTML inline is not passed through",
      "x <img src=x onerror=alert(1)> <b onclick=\"y()\">b</b> <!-- c -->",
      { "&lt;img src=x onerror=alert(1)&gt;", "&lt;b onclick=&quot;y()&quot;&gt;" },
      { "<img", "<b", "<!--" } },
    { "raw HTML div block", "<div>\n*x*\n</div>\n", { "&lt;div&gt;" }, { "<div" } },
    { "javascript: link", "[x](javascript:alert(1))", { "<a href=\"#\">x</a>" }, { "javascript" } },
    { "javascript: in other case, entity colon, spaces",
      "[a](JaVaScRiPt:alert(1)) [b](javascript&#58;alert(1)) [c](<java\tscript:alert(1)>)",
      { "<a href=\"#\">a</a>", "<a href=\"#\">b</a>", "<a href=\"#\">c</a>" },
      { "javascript", "script:" } },
    { "reference link to javascript:", "[x][r]\n\n[r]: javascript:alert(1)\n",
      { "<a href=\"#\">x</a>" }, { "javascript" } },
    { "data: and vbscript: targets", "![i](data:text/html;base64,PHNjcmlwdD4=) [v](vbscript:x)",
      { "<img src=\"#\" alt=\"i\">", "<a href=\"#\">v</a>" }, { "data:", "vbscript" } },
    { "autolink with a bad scheme", "<javascript:alert(1)>", { NULL }, { "href=\"javascript" } },
    { "quote in a URL stays inside the attribute", "[q](/a\"onmouseover=\"x)",
      { "href=\"/a%22onmouseover=%22x\"" }, { "\"onmouseover" } },
};

static const char *find_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               (hay[i] | 0x20) == (needle[i] | 0x20) /* ASCII fold is enough here */)
            i++;
        if (i == n)
            return hay;
    }
    return NULL;
}

static void test_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(rows); i++) {
        const struct row *r = &rows[i];
        struct sb out = SB_INIT;

        if (md_render(r->md, strlen(r->md), &out) != 0)
            fail_msg("row %zu (%s): md_render failed", i, r->what);
        for (size_t k = 0; k < 4 && r->must[k]; k++) {
            if (!strstr(out.buf, r->must[k]))
                fail_msg("row %zu (%s): missing '%s' in:\n%s", i, r->what, r->must[k], out.buf);
        }
        for (size_t k = 0; k < 4 && r->mustnt[k]; k++) {
            if (find_nocase(out.buf, r->mustnt[k]))
                fail_msg("row %zu (%s): found '%s' in:\n%s", i, r->what, r->mustnt[k], out.buf);
        }
        sb_release(&out);
    }
}

static void test_exact_and_append(void **state)
{
    struct sb out = SB_INIT;

    (void)state;
    sb_adds(&out, "<article>");
    assert_int_equal(md_render("Hello *you*", 11, &out), 0);
    assert_string_equal(out.buf, "<article><p>Hello <em>you</em></p>\n");
    sb_release(&out);

    /* not NUL-terminated: only len bytes are read */
    assert_int_equal(md_render("# Hi# ignored", 4, &out), 0);
    assert_string_equal(out.buf, "<h1>Hi</h1>\n");
    sb_release(&out);

    /* empty input, NULL with 0 length, BOM skipped */
    assert_int_equal(md_render("", 0, &out), 0);
    assert_int_equal(md_render(NULL, 0, &out), 0);
    assert_string_equal(out.buf, "");
    assert_int_equal(md_render("\xEF\xBB\xBFx", 4, &out), 0);
    assert_string_equal(out.buf, "<p>x</p>\n");
    sb_release(&out);
}

static void test_limits(void **state)
{
    struct sb out;

    (void)state;
    sb_init(&out, 4);
    assert_int_equal(md_render("a long paragraph", 16, &out), -1);
    assert_int_equal(out.err, 1);
    sb_release(&out);

    sb_init(&out, 0);
    sb_adds(&out, "keep");
    assert_int_equal(md_render("x", (size_t)MD_MAX_INPUT + 1, &out), -1);
    assert_string_equal(out.buf, "keep");
    sb_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_exact_and_append),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests_name("md", tests, NULL, NULL);
}
