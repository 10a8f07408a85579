/* Unit tests for web/content.c: front matter, and the demo articles in
 * content/ rendered with md4c (run from the source root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "web/content.h"

static void test_parse_good(void **state)
{
    static const char text[] = "---\ntitle: A & B\nslug: a-b\norder: 2\nsummary: S\n---\n"
                               "## Heading\n\nSome *text* and <script>x()</script>.\n";
    struct article a;
    char err[256];
    assert_int_equal(content_parse_article(text, sizeof text - 1, &a, err, sizeof err), 0);
    assert_string_equal(a.title, "A & B");
    assert_string_equal(a.slug, "a-b");
    assert_int_equal(a.order, 2);
    assert_non_null(strstr(a.html, "<h2>Heading</h2>"));
    assert_non_null(strstr(a.html, "<em>text</em>"));
    assert_null(strstr(a.html, "<script>"));
    assert_int_equal(a.reading_minutes, 1);
    content_article_release(&a);
}

static void test_parse_bad(void **state)
{
    static const struct {
        const char *text, *msg;
    } rows[] = {
        {"no front matter", "front-matter"},
        {"---\ntitle: x\n", "not closed"},
        {"---\nslug: x\norder: 1\n---\n", "title"},
        {"---\ntitle: x\norder: 1\n---\n", "slug"},
        {"---\ntitle: x\nslug: Bad Slug\norder: 1\n---\n", "slug"},
        {"---\ntitle: x\nslug: x\n---\n", "order"},
        {"---\ntitle: x\nslug: x\norder: first\n---\n", "order"},
        {"---\ntitle: x\nslug: x\norder: 1\nauthor: me\n---\n", "unknown front matter key"},
        {"---\ntitle: x\nslug: x\norder: 1\nimage: /a.svg\n---\n", "image_alt"},
        {"---\njust text\n---\n", "key: value"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct article a;
        char err[256] = "";
        assert_int_equal(
            content_parse_article(rows[i].text, strlen(rows[i].text), &a, err, sizeof err), -1);
        if (!strstr(err, rows[i].msg))
            fail_msg("row %zu: '%s' lacks '%s'", i, err, rows[i].msg);
    }
}

/* The demo articles: both load, in order, rendered, with their subjects. */
static void test_demo_articles(void **state)
{
    struct content *c;
    char err[512];
    size_t i;
    if (content_load("content", &c, err, sizeof err) < 0)
        fail_msg("%s", err);
    assert_true(c->n >= 2);
    const struct article *back = content_find(c, "deep-tissue-massage-for-lower-back-pain", &i);
    assert_non_null(back);
    assert_true(i + 1 < c->n);
    assert_string_equal(c->articles[i + 1].slug, "massage-for-rheumatoid-arthritis");
    static const char *const topics[] = {"lumbar",   "sneeze",     "posture",      "endorphins",
                                         "scar tissue", "chiropractic", "injections", "referral",
                                         "insurance", "90-minute",  "three hours"};
    for (size_t k = 0; k < sizeof topics / sizeof topics[0]; k++)
        if (!strcasestr(back->html, topics[k]))
            fail_msg("the back-pain article does not mention '%s'", topics[k]);
    assert_non_null(strstr(back->html, "<h2"));
    assert_null(strstr(back->html, "## "));
    assert_true(back->image_alt[0] != '\0');
    assert_null(content_find(c, "nope", NULL));
    content_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_demo_articles),
    };
    return cmocka_run_group_tests_name("content", tests, NULL, NULL);
}
