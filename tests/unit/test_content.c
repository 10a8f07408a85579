/* Unit tests for web/content.c: front matter, and the demo articles in
 * content/ rendered with md4c (run from the source root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "store/store.h"
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
    assert_string_equal(a.body_md, "## Heading\n\nSome *text* and <script>x()</script>.\n");
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
    assert_non_null(strstr(back->body_md, "## "));
    content_free(c);
}

/* The demo seeds the articles into the store, published, in order, with
 * their HTML; put, publish and a slug change round-trip. */
static void test_demo_articles_in_store(void **state)
{
    char path[64] = "/tmp/knead-test-content-XXXXXX", p[80];
    struct store *s = NULL;
    struct err e = {0};
    struct arena *a = arena_new();
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    assert_int_equal(store_open(path, 1, &s, &e), E_OK);
    assert_int_equal(store_migrate(s, NULL, &e), E_OK);
    assert_int_equal(demo_seed_from(s, "content", 0, &e), E_OK);
    struct db *db = db_acquire(s);
    struct article_row *arts, one;
    size_t n;
    assert_int_equal(db_articles(db, a, 1, &arts, &n, &e), E_OK);
    assert_int_equal(n, 2);
    assert_string_equal(arts[0].slug, "deep-tissue-massage-for-lower-back-pain");
    assert_string_equal(arts[1].slug, "massage-for-rheumatoid-arthritis");
    assert_non_null(strstr(arts[0].body_html, "<h2"));
    assert_non_null(strstr(arts[0].body_md, "## "));
    assert_true(arts[0].published && arts[0].position < arts[1].position);

    struct article_row draft = {"a-draft", "A draft", "", "", "", "x", "<p>x</p>\n", 0, 0, 1};
    assert_int_equal(db_put_article(db, NULL, &draft, &e), E_OK);
    assert_int_equal(db_put_article(db, NULL, &draft, &e), E_UNPROCESSABLE); /* taken */
    assert_int_equal(db_articles(db, a, 1, &arts, &n, &e), E_OK);
    assert_int_equal(n, 2);
    assert_int_equal(db_articles(db, a, 0, &arts, &n, &e), E_OK);
    assert_int_equal(n, 3);
    assert_string_equal(arts[0].slug, "a-draft");
    assert_int_equal(db_set_article_published(db, "a-draft", 1, 2, &e), E_OK);
    assert_int_equal(db_articles(db, a, 1, &arts, &n, &e), E_OK);
    assert_int_equal(n, 3);
    draft.slug = "renamed";
    assert_int_equal(db_put_article(db, "a-draft", &draft, &e), E_OK);
    assert_int_equal(db_article(db, a, "a-draft", &one, &e), E_NOTFOUND);
    assert_int_equal(db_article(db, a, "renamed", &one, &e), E_OK);
    assert_int_equal(one.published, 0);
    assert_int_equal(db_put_article(db, "nope", &draft, &e), E_NOTFOUND);
    assert_int_equal(db_set_article_published(db, "nope", 1, 2, &e), E_NOTFOUND);
    /* an image without alt text is refused by the database too */
    struct article_row noalt = {"no-alt", "T", "", "/a.svg", "", "x", "", 0, 0, 1};
    assert_int_equal(db_put_article(db, NULL, &noalt, &e), E_UNPROCESSABLE);
    db_release(db);
    /* --force replaces them with the demo's two */
    assert_int_equal(demo_seed_from(s, "content", 1, &e), E_OK);
    db = db_acquire(s);
    assert_int_equal(db_articles(db, a, 0, &arts, &n, &e), E_OK);
    assert_int_equal(n, 2);
    db_release(db);
    store_close(s);
    arena_free(a);
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_demo_articles),
        cmocka_unit_test(test_demo_articles_in_store),
    };
    return cmocka_run_group_tests_name("content", tests, NULL, NULL);
}
