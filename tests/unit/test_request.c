/* Unit tests for http/request.c: percent-decoding of paths, query strings and
 * forms, and the Cookie header.  Table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/request.h"

static void test_urlencoded_good(void **state)
{
    static const struct {
        const char *in;
        size_t n;
        const char *k[4], *v[4];
    } rows[] = {
        {"a=1&b=2", 2, {"a", "b"}, {"1", "2"}},
        {"name=Ana+Mar%C3%ADa", 1, {"name"}, {"Ana María"}},
        {"a=1&&b=2&", 2, {"a", "b"}, {"1", "2"}},             /* empty pairs skipped */
        {"flag&x=", 2, {"flag", "x"}, {"", ""}},              /* empty values */
        {"t=a=b", 1, {"t"}, {"a=b"}},                         /* '=' inside a value */
        {"d=%2B%26%3D%25", 1, {"d"}, {"+&=%"}},
        {"k=1&k=2&k=3", 3, {"k", "k", "k"}, {"1", "2", "3"}}, /* repeats kept in order */
        {"", 0, {0}, {0}},
        {"s=%e2%9c%93", 1, {"s"}, {"\xe2\x9c\x93"}},          /* lowercase hex */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct arena *a = arena_new();
        struct kvlist l = {0};
        struct err e = {0};
        assert_int_equal(req_parse_urlencoded(a, rows[i].in, strlen(rows[i].in), &l, &e), E_OK);
        assert_int_equal(l.n, rows[i].n);
        for (size_t k = 0; k < rows[i].n; k++) {
            assert_string_equal(l.items[k].key, rows[i].k[k]);
            assert_string_equal(l.items[k].val, rows[i].v[k]);
        }
        arena_free(a);
    }
}

static void test_urlencoded_bad(void **state)
{
    static const struct {
        const char *in;
        const char *msg_part;
    } rows[] = {
        {"a=%", "'a' is malformed"},
        {"a=%4", "'a' is malformed"},
        {"a=%zz", "hexadecimal"},
        {"a=%00", "NUL"},
        {"a=x%00y", "NUL"},
        {"%zz=1", "parameter name"},
        {"=1", "empty name"},
        {"a=%ff", "UTF-8"},
        {"a=%c0%af", "UTF-8"},        /* overlong '/' */
        {"a=%ed%a0%80", "UTF-8"},     /* surrogate */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct arena *a = arena_new();
        struct kvlist l = {0};
        struct err e = {0};
        assert_int_equal(req_parse_urlencoded(a, rows[i].in, strlen(rows[i].in), &l, &e),
                         E_INVALID);
        assert_non_null(strstr(e.msg, rows[i].msg_part));
        assert_int_equal(l.n, 0);
        arena_free(a);
    }
}

static void test_urlencoded_literal_nul_and_limits(void **state)
{
    struct arena *a = arena_new();
    struct kvlist l = {0};
    struct err e = {0};
    static const char withnul[] = "a=b\0c";
    assert_int_equal(req_parse_urlencoded(a, withnul, sizeof withnul - 1, &l, &e), E_INVALID);

    /* More pairs than the limit is refused, at the limit is fine. */
    struct sb s = SB_INIT;
    for (int i = 0; i < REQ_MAX_PAIRS; i++)
        sb_addf(&s, "%sk%d=v", i ? "&" : "", i);
    assert_int_equal(req_parse_urlencoded(a, s.buf, s.len, &l, &e), E_OK);
    assert_int_equal(l.n, REQ_MAX_PAIRS);
    sb_adds(&s, "&one=more");
    assert_int_equal(req_parse_urlencoded(a, s.buf, s.len, &l, &e), E_INVALID);
    assert_non_null(strstr(e.msg, "too many"));

    /* A long value is fine: size limits are the dispatcher's job. */
    sb_reset(&s);
    sb_adds(&s, "long=");
    for (int i = 0; i < 100000; i++)
        sb_addc(&s, 'x');
    assert_int_equal(req_parse_urlencoded(a, s.buf, s.len, &l, &e), E_OK);
    assert_int_equal(l.items[0].vlen, 100000);
    sb_release(&s);
    arena_free(a);
}

static void test_kv_get_and_count(void **state)
{
    struct arena *a = arena_new();
    struct kvlist l = {0};
    struct err e = {0};
    assert_int_equal(req_parse_urlencoded(a, "x=1&y=2&x=3", 11, &l, &e), E_OK);
    assert_string_equal(kv_get(&l, "x"), "1");
    assert_int_equal(kv_count(&l, "x"), 2);
    assert_null(kv_get(&l, "z"));
    assert_int_equal(kv_count(&l, "z"), 0);
    arena_free(a);
}

static void test_decode_path(void **state)
{
    static const struct {
        const char *in, *out; /* out NULL = refused */
    } rows[] = {
        {"/", "/"},
        {"/articles/a-b", "/articles/a-b"},
        {"/a%20b", "/a b"},
        {"/a+b", "/a+b"},
        {"/caf%C3%A9", "/café"},
        {"/a/.well-known", "/a/.well-known"},
        {"/a/..b", "/a/..b"},
        {"", NULL},
        {"relative", NULL},
        {"/%", NULL},
        {"/%0", NULL},
        {"/%00", NULL},
        {"/%GG", NULL},
        {"/a/../b", NULL},
        {"/a/./b", NULL},
        {"/..", NULL},
        {"/a/%2e%2e/b", NULL},
        {"/%ff", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct arena *a = arena_new();
        struct err e = {0};
        char *out = NULL;
        enum err_code rc = req_decode_path(a, rows[i].in, strlen(rows[i].in), &out, &e);
        if (rows[i].out) {
            assert_int_equal(rc, E_OK);
            assert_string_equal(out, rows[i].out);
        } else {
            assert_int_equal(rc, E_INVALID);
            assert_true(e.msg[0] != '\0');
        }
        arena_free(a);
    }
}

static void test_cookies(void **state)
{
    struct arena *a = arena_new();
    struct kvlist l = {0};
    req_parse_cookies(a, "sid=abc; theme=\"dark\";  empty=; =novalue; junk; last=1", &l);
    assert_string_equal(kv_get(&l, "sid"), "abc");
    assert_string_equal(kv_get(&l, "theme"), "dark");
    assert_string_equal(kv_get(&l, "empty"), "");
    assert_string_equal(kv_get(&l, "last"), "1");
    assert_null(kv_get(&l, "junk"));
    assert_int_equal(l.n, 4);
    req_parse_cookies(a, NULL, &l);
    assert_int_equal(l.n, 0);
    req_parse_cookies(a, "", &l);
    assert_int_equal(l.n, 0);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urlencoded_good),
        cmocka_unit_test(test_urlencoded_bad),
        cmocka_unit_test(test_urlencoded_literal_nul_and_limits),
        cmocka_unit_test(test_kv_get_and_count),
        cmocka_unit_test(test_decode_path),
        cmocka_unit_test(test_cookies),
    };
    return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
