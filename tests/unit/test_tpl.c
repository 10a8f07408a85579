/* Unit tests for view/tpl: tables of templates, context and expected HTML,
 * tables of broken templates and the message they must produce, loading
 * from a directory, and rendering from two threads at once. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <sys/stat.h>

#include "util/sb.h"
#include "view/tpl.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))
#define MAXTPL 12

struct named {
    const char *name, *text;
};

/* Adds the non-NULL entries of tpls and finishes.  Returns 0 or -1. */
static int build(struct tpl_engine *e, const struct named *tpls, char *err, size_t errlen)
{
    for (size_t i = 0; i < MAXTPL && tpls[i].name; i++) {
        if (tpl_engine_add(e, tpls[i].name, tpls[i].text, strlen(tpls[i].text), err, errlen) < 0)
            return -1;
    }
    return tpl_engine_finish(e, err, errlen);
}

static json_t *parse_ctx(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text ? text : "{}", 0, &jerr);

    if (!j)
        fail_msg("bad JSON in test row: %s: %s", text, jerr.text);
    return j;
}

/* ---- rendering ------------------------------------------------------------ */

struct render_row {
    const char *what;
    struct named tpls[MAXTPL]; /* the first one is rendered */
    const char *ctx;           /* JSON */
    const char *layout;        /* non-NULL: tpl_render_page(first, layout) */
    const char *want;
};

static const struct render_row render_rows[] = {
    { "plain text", { { "t", "Hello, world\n" } }, NULL, NULL, "Hello, world\n" },
    { "empty template", { { "t", "" } }, NULL, NULL, "" },
    { "variable", { { "t", "Hi {{name}}!" } }, "{\"name\":\"Ann\"}", NULL, "Hi Ann!" },
    { "spaces inside tags", { { "t", "{{ name }}{{#  l  }}x{{/ l }}" } },
      "{\"name\":\"Ann\",\"l\":[1]}", NULL, "Annx" },
    { "escaped in text",
      { { "t", "<p>{{x}}</p>" } },
      "{\"x\":\"<script>alert(\\\"x\\\")</script> & 'q'\"}", NULL,
      "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</p>" },
    { "escaped in attributes",
      { { "t", "<a href=\"{{x}}\" title='{{y}}'>" } },
      "{\"x\":\"\\\"><script>alert(1)</script>\",\"y\":\"' onclick='z\"}", NULL,
      "<a href=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\" title='&#39; onclick=&#39;z'>" },
    { "raw is not escaped, plain is",
      { { "t", "{{raw html}}|{{html}}" } },
      "{\"html\":\"<b>bold</b> &amp;\"}", NULL,
      "<b>bold</b> &amp;|&lt;b&gt;bold&lt;/b&gt; &amp;amp;" },
    { "missing keys render empty",
      { { "t", "[{{nope}}][{{a.b.c}}][{{raw nope}}][{{#nope}}x{{/nope}}][{{.}}]" } }, "{}", NULL,
      "[][][][][]" },
    { "path through a non-object is empty", { { "t", "[{{name.first}}][{{l.x}}]" } },
      "{\"name\":\"Ann\",\"l\":[1]}", NULL, "[][]" },
    { "dotted path", { { "t", "{{clinic.address.city}}" } },
      "{\"clinic\":{\"address\":{\"city\":\"Anchorage\"}}}", NULL, "Anchorage" },
    { "numbers",
      { { "t", "{{i}} {{neg}} {{r}} {{big}} {{zero}} {{tenth}} {{third}} {{e}} {{min}} {{nr}}" } },
      "{\"i\":42,\"neg\":-7,\"r\":1.5,\"big\":9007199254740993,\"zero\":0,\"tenth\":0.1,"
      "\"third\":0.3333333333333333,\"e\":1e300,\"min\":-9223372036854775808,\"nr\":-2.25}",
      NULL,
      "42 -7 1.5 9007199254740993 0 0.1 0.3333333333333333 1e+300 -9223372036854775808 -2.25" },
    { "true, false, null, objects and arrays", { { "t", "[{{t}}][{{f}}][{{n}}][{{o}}][{{a}}]" } },
      "{\"t\":true,\"f\":false,\"n\":null,\"o\":{\"k\":1},\"a\":[1,2]}", NULL, "[true][][][][]" },
    { "list of objects", { { "t", "<ul>{{#items}}<li>{{name}}</li>{{/items}}</ul>" } },
      "{\"items\":[{\"name\":\"a\"},{\"name\":\"<b>\"}]}", NULL,
      "<ul><li>a</li><li>&lt;b&gt;</li></ul>" },
    { "list of scalars with {{.}}", { { "t", "{{#tags}}[{{.}}]{{/tags}}{{#tags}}{{raw .}}{{/tags}}" } },
      "{\"tags\":[\"a\",\"<b>\",3,true,null]}", NULL, "[a][&lt;b&gt;][3][true][]a<b>3true" },
    { "@index @first @last",
      { { "t",
          "{{#l}}{{@index}}:{{.}}{{#@first}}(first){{/@first}}{{#@last}}(last){{/@last}}"
          "{{^@last}}, {{/@last}}{{/l}}" } },
      "{\"l\":[\"a\",\"b\",\"c\"]}", NULL, "1:a(first), 2:b, 3:c(last)" },
    { "one element is first and last", { { "t", "{{#l}}{{@first}}/{{@last}}/{{@index}}{{/l}}" } },
      "{\"l\":[\"x\"]}", NULL, "true/true/1" },
    { "@ names outside a list are missing",
      { { "t", "[{{@index}}{{@first}}{{#@first}}x{{/@first}}{{^@last}}y{{/@last}}]" } }, "{}",
      NULL, "[y]" },
    { "nested lists resolve outer names",
      { { "t",
          "{{#therapists}}{{name}}@{{clinic.name}}:{{#days}}{{.}}/{{name}}/{{@index}} "
          "{{/days}};{{/therapists}}" } },
      "{\"clinic\":{\"name\":\"Knead\"},\"therapists\":[{\"name\":\"Ann\",\"days\":[\"Mon\","
      "\"Tue\"]},{\"name\":\"Bo\",\"days\":[\"Sat\"]}]}",
      NULL, "Ann@Knead:Mon/Ann/1 Tue/Ann/2 ;Bo@Knead:Sat/Bo/1 ;" },
    { "inner key shadows outer", { { "t", "{{name}}{{#l}}{{name}}{{/l}}{{name}}" } },
      "{\"name\":\"out\",\"l\":[{\"name\":\"in\"},{}]}", NULL, "outinoutout" },
    { "found null does not fall through to outer",
      { { "t", "{{#l}}[{{name}}]{{/l}}" } }, "{\"name\":\"out\",\"l\":[{\"name\":null}]}", NULL,
      "[]" },
    { "@index through an object section", { { "t", "{{#l}}{{#o}}{{@index}}{{k}}{{/o}}{{/l}}" } },
      "{\"l\":[{\"o\":{}},{\"o\":{\"k\":\"x\"}}]}", NULL, "12x" },
    { "object section pushes", { { "t", "{{#clinic}}{{name}} in {{city}}{{/clinic}}" } },
      "{\"clinic\":{\"name\":\"Knead\",\"city\":\"Anchorage\"}}", NULL, "Knead in Anchorage" },
    { "empty object is truthy", { { "t", "{{#o}}yes{{/o}}{{^o}}no{{/o}}" } }, "{\"o\":{}}",
      NULL, "yes" },
    { "truthy scalars render once without pushing",
      { { "t", "{{#t}}T{{/t}}{{#s}}[{{s}}]{{/s}}{{#n}}N{{/n}}{{#r}}R{{/r}}{{#neg}}-{{/neg}}" } },
      "{\"t\":true,\"s\":\"x\",\"n\":5,\"r\":0.5,\"neg\":-1}", NULL, "T[x]NR-" },
    { "falsy values render nothing",
      { { "t",
          "{{#f}}a{{/f}}{{#z}}b{{/z}}{{#e}}c{{/e}}{{#zero}}d{{/zero}}{{#zr}}e{{/zr}}"
          "{{#arr}}f{{/arr}}{{#miss}}g{{/miss}}" } },
      "{\"f\":false,\"z\":null,\"e\":\"\",\"zero\":0,\"zr\":0.0,\"arr\":[]}", NULL, "" },
    { "inverted sections",
      { { "t",
          "{{^f}}a{{/f}}{{^z}}b{{/z}}{{^e}}c{{/e}}{{^zero}}d{{/zero}}{{^zr}}e{{/zr}}"
          "{{^arr}}f{{/arr}}{{^miss}}g{{/miss}}|{{^t}}x{{/t}}{{^o}}y{{/o}}{{^l}}z{{/l}}" } },
      "{\"f\":false,\"z\":null,\"e\":\"\",\"zero\":0,\"zr\":0.0,\"arr\":[],\"t\":true,"
      "\"o\":{},\"l\":[1]}",
      NULL, "abcdefg|" },
    { "inverted inside a list", { { "t", "{{#l}}{{^done}}{{name}} {{/done}}{{/l}}" } },
      "{\"l\":[{\"name\":\"a\",\"done\":true},{\"name\":\"b\"}]}", NULL, "b " },
    { "section over a path", { { "t", "{{#clinic.rooms}}{{.}};{{/clinic.rooms}}" } },
      "{\"clinic\":{\"rooms\":[\"A\",\"B\"]}}", NULL, "A;B;" },
    { "same name nested", { { "t", "{{#a}}{{#a}}{{x}}{{/a}}{{/a}}" } },
      "{\"a\":{\"a\":{\"x\":\"deep\"}}}", NULL, "deep" },
    { "comments", { { "t", "a{{! a comment with {braces} }}b{{!\nmulti\nline\n}}c" } }, "{}",
      NULL, "abc" },
    { "lone braces are text", { { "t", "a { b } {c} }} {" } }, "{}", NULL, "a { b } {c} }} {" },
    { "whitespace is kept", { { "t", "a\n  {{#t}}\n  x\n  {{/t}}\n" } }, "{\"t\":true}", NULL,
      "a\n  \n  x\n  \n" },
    { "unicode passes through", { { "t", "Grüße {{n}} ✓" } }, "{\"n\":\"Zoë – 東京\"}", NULL,
      "Grüße Zoë – 東京 ✓" },
    { "partial from partials/",
      { { "home", "<h1>{{> header}}</h1>" }, { "partials/header", "{{title}}" } },
      "{\"title\":\"A&B\"}", NULL, "<h1>A&amp;B</h1>" },
    { "partial in a list sees the item and outer names",
      { { "home", "<ul>{{#items}}{{> item}}{{/items}}</ul>" },
        { "partials/item", "<li>{{name}} ({{clinic}}{{#@last}}, last{{/@last}})</li>" } },
      "{\"clinic\":\"K\",\"items\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", NULL,
      "<ul><li>a (K)</li><li>b (K, last)</li></ul>" },
    { "partial by full name and top-level name",
      { { "home", "{{> partials/x}}+{{> other}}" }, { "partials/x", "X" }, { "other", "O" } },
      "{}", NULL, "X+O" },
    { "partials/ wins over a top-level template of the same name",
      { { "home", "{{> x}}" }, { "partials/x", "partial" }, { "x", "page" } }, "{}", NULL,
      "partial" },
    { "partials nested 8 deep",
      { { "p0", "0{{> p1}}" }, { "p1", "1{{> p2}}" }, { "p2", "2{{> p3}}" },
        { "p3", "3{{> p4}}" }, { "p4", "4{{> p5}}" }, { "p5", "5{{> p6}}" },
        { "p6", "6{{> p7}}" }, { "p7", "7{{> p8}}" }, { "p8", "8" } },
      "{}", NULL, "012345678" },
    { "layout",
      { { "home", "<p>{{msg}}</p>" },
        { "layout", "<html><title>{{title}}</title>{{raw body}}</html>" } },
      "{\"title\":\"T<\",\"msg\":\"M&\"}", "layout",
      "<html><title>T&lt;</title><p>M&amp;</p></html>" },
    { "layout body shadows ctx body, page sees ctx body",
      { { "page", "[{{body}}]" }, { "layout", "{{raw body}}|{{#body}}has body{{/body}}" } },
      "{\"body\":\"<e>\"}", "layout", "[&lt;e&gt;]|has body" },
    { "layout escaping body by mistake shows tags",
      { { "page", "<b>x</b>" }, { "layout", "{{body}}" } }, "{}", "layout",
      "&lt;b&gt;x&lt;/b&gt;" },
    { "layout partials see body",
      { { "page", "P" }, { "layout", "<main>{{> main}}</main>" }, { "partials/main", "{{raw body}}" } },
      "{}", "layout", "<main>P</main>" },
    { "empty page in layout", { { "page", "" }, { "layout", "[{{raw body}}]{{^body}}empty{{/body}}" } },
      "{}", "layout", "[]empty" },
};

static void test_render_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(render_rows); i++) {
        const struct render_row *r = &render_rows[i];
        struct tpl_engine *e = tpl_engine_new();
        struct sb out = SB_INIT;
        char err[256] = "";
        json_t *ctx = parse_ctx(r->ctx);
        json_t *orig = parse_ctx(r->ctx);
        int rc;

        if (build(e, r->tpls, err, sizeof err) < 0)
            fail_msg("row %zu (%s): build failed: %s", i, r->what, err);
        if (r->layout)
            rc = tpl_render_page(e, r->tpls[0].name, r->layout, ctx, &out, err, sizeof err);
        else
            rc = tpl_render(e, r->tpls[0].name, ctx, &out, err, sizeof err);
        if (rc != 0)
            fail_msg("row %zu (%s): render failed: %s", i, r->what, err);
        if (strcmp(out.buf, r->want) != 0)
            fail_msg("row %zu (%s):\n got: %s\nwant: %s", i, r->what, out.buf, r->want);
        if (!json_equal(ctx, orig))
            fail_msg("row %zu (%s): ctx was changed", i, r->what);
        json_decref(ctx);
        json_decref(orig);
        sb_release(&out);
        tpl_engine_free(e);
    }
}

/* ---- load-time errors ----------------------------------------------------- */

struct error_row {
    const char *what;
    struct named tpls[MAXTPL];
    const char *want1, *want2; /* both must appear in the message */
};

static const struct error_row error_rows[] = {
    { "unclosed section", { { "t", "a\n{{#items}}\nx\n" } }, "t:2:", "{{#items}} is never closed" },
    { "outer closed while inner inverted is open",
      { { "t", "{{#a}}\n{{^b}}\n{{/a}}" } }, "t:3:", "does not match {{^b}} opened at line 2" },
    { "unclosed inner section", { { "t", "{{#a}}\n{{#b}}\n" } }, "t:2:", "{{#b}} is never closed" },
    { "mismatched close", { { "t", "{{#a}}\n\n{{/b}}" } }, "t:3:",
      "{{/b}} does not match {{#a}} opened at line 1" },
    { "close without open", { { "t", "x\n{{/a}}" } }, "t:2:", "never opened" },
    { "unknown partial", { { "home", "a\n\n{{> nope}}" } }, "home:3:", "unknown partial {{> nope}}" },
    { "unterminated tag", { { "t", "ok\n{{name" } }, "t:2:", "unterminated" },
    { "unterminated tag at the end", { { "t", "{{" } }, "t:1:", "unterminated" },
    { "unterminated, single brace close", { { "t", "\n\n{{a}" } }, "t:3:", "unterminated" },
    { "line counted across multi-line tags",
      { { "t", "{{! multi\nline\n}}\n{{#x}}" } }, "t:4:", "never closed" },
    { "empty tag", { { "t", "{{ }}" } }, "t:1:", "empty tag" },
    { "space in a name", { { "t", "\n{{a b}}" } }, "t:2:", "bad name 'a b'" },
    { "double dot", { { "t", "{{a..b}}" } }, "t:1:", "bad name" },
    { "leading dot", { { "t", "{{.a}}" } }, "t:1:", "bad name" },
    { "trailing dot", { { "t", "{{a.}}" } }, "t:1:", "bad name" },
    { "unknown @ name", { { "t", "{{@count}}" } }, "t:1:", "bad name" },
    { "bad section name", { { "t", "{{#a<b}}{{/a<b}}" } }, "t:1:", "bad name" },
    { "empty section name", { { "t", "{{#}}{{/}}" } }, "t:1:", "bad name" },
    { "triple braces", { { "t", "{{{x}}}" } }, "t:1:", "{{raw name}}" },
    { "ampersand", { { "t", "{{&x}}" } }, "t:1:", "{{raw name}}" },
    { "delimiter change", { { "t", "{{=<% %>=}}" } }, "t:1:", "not supported" },
    { "raw without a name", { { "t", "{{raw}}" } }, "t:1:", "needs a name" },
    { "raw with a bad name", { { "t", "{{raw a b}}" } }, "t:1:", "bad name 'a b'" },
    { "bad partial name", { { "t", "{{> a b}}" } }, "t:1:", "bad partial name" },
    { "empty partial name", { { "t", "{{>}}" } }, "t:1:", "bad partial name" },
    { "partial includes itself", { { "x", "x\n{{> x}}" } }, "x:2:", "recursion" },
    { "partial recursion through two",
      { { "partials/a", "{{> b}}" }, { "partials/b", "\n{{> a}}" } }, "partials/b:2:", "recursion" },
    { "partials nested 9 deep",
      { { "p0", "{{> p1}}" }, { "p1", "{{> p2}}" }, { "p2", "{{> p3}}" }, { "p3", "{{> p4}}" },
        { "p4", "{{> p5}}" }, { "p5", "{{> p6}}" }, { "p6", "{{> p7}}" }, { "p7", "{{> p8}}" },
        { "p8", "\n{{> p9}}" }, { "p9", "9" } },
      ":1:", "deeper than 8" },
    { "duplicate names", { { "a", "1" }, { "a", "2" } }, "a:", "duplicate template name 'a'" },
};

static void test_error_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(error_rows); i++) {
        const struct error_row *r = &error_rows[i];
        struct tpl_engine *e = tpl_engine_new();
        char err[256] = "";

        if (build(e, r->tpls, err, sizeof err) == 0)
            fail_msg("row %zu (%s): loaded without error", i, r->what);
        if (!strstr(err, r->want1) || !strstr(err, r->want2))
            fail_msg("row %zu (%s): message '%s' lacks '%s' or '%s'", i, r->what, err, r->want1,
                     r->want2);
        tpl_engine_free(e);
    }
}

static void test_section_depth_limit(void **state)
{
    struct sb text = SB_INIT;
    char err[256] = "";
    struct tpl_engine *e;

    (void)state;
    for (int k = 0; k < TPL_MAX_SECTION_DEPTH; k++)
        sb_adds(&text, "{{#a}}");
    for (int k = 0; k < TPL_MAX_SECTION_DEPTH; k++)
        sb_adds(&text, "{{/a}}");
    e = tpl_engine_new();
    assert_int_equal(tpl_engine_add(e, "ok", text.buf, text.len, err, sizeof err), 0);
    tpl_engine_free(e);

    sb_reset(&text);
    for (int k = 0; k <= TPL_MAX_SECTION_DEPTH; k++)
        sb_adds(&text, "{{#a}}\n");
    e = tpl_engine_new();
    assert_int_equal(tpl_engine_add(e, "deep", text.buf, text.len, err, sizeof err), -1);
    assert_non_null(strstr(err, "deep:33: sections nested deeper than 32"));
    tpl_engine_free(e);
    sb_release(&text);
}

/* ---- API contract ------------------------------------------------------- */

static void test_api_contract(void **state)
{
    struct tpl_engine *e = tpl_engine_new();
    struct sb out = SB_INIT;
    char err[256] = "";
    json_t *ctx = parse_ctx("{\"x\":\"<y>\"}");

    (void)state;
    assert_int_equal(tpl_engine_add(e, "a", "A{{x}}", 6, err, sizeof err), 0);
    /* not finished yet: rendering is refused */
    assert_int_equal(tpl_render(e, "a", ctx, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "not finished"));
    assert_int_equal(tpl_engine_finish(e, err, sizeof err), 0);
    /* finished: adding and finishing again are refused */
    assert_int_equal(tpl_engine_add(e, "b", "B", 1, err, sizeof err), -1);
    assert_int_equal(tpl_engine_finish(e, err, sizeof err), -1);
    assert_int_equal(tpl_engine_has(e, "a"), 1);
    assert_int_equal(tpl_engine_has(e, "b"), 0);

    /* unknown names: -1, message, out untouched */
    sb_adds(&out, "keep");
    assert_int_equal(tpl_render(e, "nope", ctx, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown template 'nope'"));
    assert_int_equal(tpl_render_page(e, "a", "nolayout", ctx, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown template 'nolayout'"));
    assert_int_equal(tpl_render_page(e, "nopage", "a", ctx, &out, NULL, 0), -1);
    assert_string_equal(out.buf, "keep");

    /* NULL ctx is an empty context; appends after what is there */
    assert_int_equal(tpl_render(e, "a", NULL, &out, err, sizeof err), 0);
    assert_string_equal(out.buf, "keepA");
    assert_int_equal(tpl_render(e, "a", ctx, &out, err, sizeof err), 0);
    assert_string_equal(out.buf, "keepAA&lt;y&gt;");

    /* the layout does not leave "body" in ctx */
    assert_int_equal(tpl_render_page(e, "a", "a", ctx, &out, err, sizeof err), 0);
    assert_null(json_object_get(ctx, "body"));
    assert_int_equal(json_object_size(ctx), 1);

    /* size limit: -1 and out->err */
    struct sb small;
    sb_init(&small, 3);
    assert_int_equal(tpl_render(e, "a", ctx, &small, err, sizeof err), -1);
    assert_int_equal(small.err, 1);
    sb_release(&small);
    sb_init(&small, 3);
    assert_int_equal(tpl_render_page(e, "a", "a", ctx, &small, err, sizeof err), -1);
    assert_int_equal(small.err, 1);
    sb_release(&small);

    tpl_engine_free(NULL);
    json_decref(ctx);
    sb_release(&out);
    tpl_engine_free(e);
}

/* ---- loading from files --------------------------------------------------- */

static void write_file(const char *dir, const char *rel, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, rel);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void remove_tree(const char *dir, const char *const *files, const char *const *subdirs)
{
    char path[512];

    for (size_t i = 0; files[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    for (size_t i = 0; subdirs[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, subdirs[i]);
        rmdir(path);
    }
    rmdir(dir);
}

static void test_load_dir(void **state)
{
    char dir[] = "/tmp/knead-tpl-XXXXXX";
    char sub[600];
    static const char *const files[] = { "home.html", "layout.html", "partials/header.html",
                                         "staff/day.html", "notes.txt", ".hidden.html", NULL };
    static const char *const subdirs[] = { "partials", "staff", NULL };
    struct tpl_engine *e = NULL;
    struct sb out = SB_INIT;
    char err[512] = "";
    json_t *ctx = parse_ctx("{\"clinic\":{\"name\":\"Knead & Co\"},\"who\":\"Ann\"}");

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/partials", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof sub, "%s/staff", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(dir, "home.html", "<p>Hello {{who}}</p>");
    write_file(dir, "layout.html", "{{> header}}<main>{{raw body}}</main>");
    write_file(dir, "partials/header.html", "<h1>{{clinic.name}}</h1>");
    write_file(dir, "staff/day.html", "day");
    write_file(dir, "notes.txt", "{{ not a template");
    write_file(dir, ".hidden.html", "{{ not loaded");

    assert_int_equal(tpl_engine_load(dir, &e, err, sizeof err), 0);
    assert_int_equal(tpl_engine_has(e, "home"), 1);
    assert_int_equal(tpl_engine_has(e, "layout"), 1);
    assert_int_equal(tpl_engine_has(e, "partials/header"), 1);
    assert_int_equal(tpl_engine_has(e, "staff/day"), 1);
    assert_int_equal(tpl_engine_has(e, "notes"), 0);
    assert_int_equal(tpl_engine_has(e, ".hidden"), 0);
    assert_int_equal(tpl_render_page(e, "home", "layout", ctx, &out, err, sizeof err), 0);
    assert_string_equal(out.buf, "<h1>Knead &amp; Co</h1><main><p>Hello Ann</p></main>");
    tpl_engine_free(e);
    e = NULL;

    /* a broken file: the message names the file and the line */
    write_file(dir, "staff/day.html", "ok\n{{#days}}\n");
    assert_int_equal(tpl_engine_load(dir, &e, err, sizeof err), -1);
    assert_null(e);
    snprintf(sub, sizeof sub, "%s/staff/day.html:2: section {{#days}} is never closed", dir);
    assert_string_equal(err, sub);

    write_file(dir, "staff/day.html", "{{> footer}}");
    assert_int_equal(tpl_engine_load(dir, &e, err, sizeof err), -1);
    snprintf(sub, sizeof sub, "%s/staff/day.html:1: unknown partial", dir);
    assert_non_null(strstr(err, sub));

    remove_tree(dir, files, subdirs);
    assert_int_equal(tpl_engine_load(dir, &e, err, sizeof err), -1);
    assert_null(e);
    assert_non_null(strstr(err, "No such file"));

    json_decref(ctx);
    sb_release(&out);
}

/* The mail workers' named files: dir/sub/NAME, each called NAME. */
static void test_load_files(void **state)
{
    char dir[] = "/tmp/knead-tpl-XXXXXX";
    char sub[600];
    static const char *const names[] = { "hello.txt", "hello.html" };
    static const char *const files[] = { "mail/hello.txt", "mail/hello.html", NULL };
    static const char *const subdirs[] = { "mail", NULL };
    struct tpl_engine *e = NULL;
    struct sb out = SB_INIT;
    char err[512] = "";
    json_t *ctx = parse_ctx("{\"who\":\"Ann & Bo\"}");

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/mail", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(dir, "mail/hello.txt", "Hi {{who}}");
    write_file(dir, "mail/hello.html", "<p>Hi {{who}}</p>");

    assert_int_equal(tpl_engine_load_files(dir, "mail", names, 2, "mail templates", &e, err,
                                           sizeof err), 0);
    assert_int_equal(tpl_engine_has(e, "hello.txt"), 1);
    assert_int_equal(tpl_engine_has(e, "hello.html"), 1);
    assert_int_equal(tpl_render_text(e, "hello.txt", ctx, &out, err, sizeof err), 0);
    assert_string_equal(out.buf, "Hi Ann & Bo");
    sb_reset(&out);
    assert_int_equal(tpl_render(e, "hello.html", ctx, &out, err, sizeof err), 0);
    assert_string_equal(out.buf, "<p>Hi Ann &amp; Bo</p>");
    tpl_engine_free(e);
    e = NULL;

    /* a broken file: the message names its path and line */
    write_file(dir, "mail/hello.html", "ok\n{{#days}}\n");
    assert_int_equal(tpl_engine_load_files(dir, "mail", names, 2, "mail templates", &e, err,
                                           sizeof err), -1);
    assert_null(e);
    snprintf(sub, sizeof sub, "%s/mail/hello.html: hello.html:2: section {{#days}} is never closed",
             dir);
    assert_string_equal(err, sub);

    /* an unknown partial: finish's message after WHAT */
    write_file(dir, "mail/hello.html", "{{> footer}}");
    assert_int_equal(tpl_engine_load_files(dir, "mail", names, 2, "mail templates", &e, err,
                                           sizeof err), -1);
    assert_null(e);
    assert_non_null(strstr(err, "mail templates: "));
    assert_non_null(strstr(err, "unknown partial"));

    /* a missing file: its path */
    remove_tree(dir, files, subdirs);
    assert_int_equal(tpl_engine_load_files(dir, "mail", names, 2, "mail templates", &e, err,
                                           sizeof err), -1);
    assert_null(e);
    snprintf(sub, sizeof sub, "%s/mail/hello.txt: cannot read the template", dir);
    assert_string_equal(err, sub);

    json_decref(ctx);
    sb_release(&out);
}

/* ---- two threads rendering one engine ------------------------------------- */

struct job {
    const struct tpl_engine *e;
    json_t *ctx;
    const char *want;
    int failures;
};

static void *render_loop(void *arg)
{
    struct job *j = arg;
    struct sb out = SB_INIT;

    for (int k = 0; k < 2000; k++) {
        sb_reset(&out);
        if (tpl_render_page(j->e, "home", "layout", j->ctx, &out, NULL, 0) != 0 ||
            strcmp(out.buf, j->want) != 0)
            j->failures++;
    }
    sb_release(&out);
    return NULL;
}

static void test_threads(void **state)
{
    static const struct named tpls[MAXTPL] = {
        { "home", "{{#items}}<li>{{@index}} {{name}} {{clinic}}</li>{{/items}}" },
        { "layout", "<title>{{clinic}}</title>{{> nav}}{{raw body}}" },
        { "partials/nav", "<nav>{{#user}}{{name}}{{/user}}{{^user}}guest{{/user}}</nav>" },
    };
    struct tpl_engine *e = tpl_engine_new();
    char err[256] = "";
    pthread_t t[2];
    struct job jobs[2] = {
        { e, parse_ctx("{\"clinic\":\"A\",\"items\":[{\"name\":\"x\"},{\"name\":\"<y>\"}]}"),
          "<title>A</title><nav>guest</nav><li>1 x A</li><li>2 &lt;y&gt; A</li>", 0 },
        { e, parse_ctx("{\"clinic\":\"B\",\"user\":{\"name\":\"Bo\"},\"items\":[{\"name\":\"z\"}]}"),
          "<title>B</title><nav>Bo</nav><li>1 z B</li>", 0 },
    };

    (void)state;
    assert_int_equal(build(e, tpls, err, sizeof err), 0);
    for (int k = 0; k < 2; k++)
        assert_int_equal(pthread_create(&t[k], NULL, render_loop, &jobs[k]), 0);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(pthread_join(t[k], NULL), 0);
        assert_int_equal(jobs[k].failures, 0);
        json_decref(jobs[k].ctx);
    }
    tpl_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_rows),
        cmocka_unit_test(test_error_rows),
        cmocka_unit_test(test_section_depth_limit),
        cmocka_unit_test(test_api_contract),
        cmocka_unit_test(test_load_dir),
        cmocka_unit_test(test_load_files),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("tpl", tests, NULL, NULL);
}
