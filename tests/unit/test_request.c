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

static void test_client_address(void **state)
{
    static const char trusted[][REQ_ADDR_MAX] = {"10.0.0.1", "10.0.0.2", "::1"};
    static const struct {
        const char *peer, *xff, *want;
    } rows[] = {
        /* a peer we do not trust: its own address, whatever it claims */
        {"203.0.113.9", "198.51.100.1", "203.0.113.9"},
        {"203.0.113.9", NULL, "203.0.113.9"},
        /* our proxy: the right-most address that is not one of ours */
        {"10.0.0.1", "198.51.100.7", "198.51.100.7"},
        {"10.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"}, /* client-sent entry ignored */
        {"10.0.0.1", "198.51.100.7, 10.0.0.2", "198.51.100.7"}, /* two proxies of ours */
        {"10.0.0.1", " 198.51.100.7 ,10.0.0.2 ", "198.51.100.7"},
        {"::1", "2001:db8:0:0::5", "2001:db8::5"},              /* canonical form */
        {"10.0.0.1", "unknown, 198.51.100.7", "198.51.100.7"},
        {"10.0.0.1", "198.51.100.7, garbage", "10.0.0.1"},      /* stop at a bad hop */
        {"10.0.0.1", "", "10.0.0.1"},
        {"10.0.0.1", NULL, "10.0.0.1"},
        {"10.0.0.1", "10.0.0.2", "10.0.0.2"},                   /* only proxies: the last */
    };
    struct arena *a = arena_new();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *got = req_client_address(a, rows[i].peer, rows[i].xff, trusted, 3);
        if (strcmp(got, rows[i].want) != 0)
            fail_msg("row %zu: got '%s', want '%s'", i, got, rows[i].want);
    }
    /* no trusted proxies: X-Forwarded-For is never believed */
    assert_string_equal(req_client_address(a, "10.0.0.1", "198.51.100.7", trusted, 0),
                        "10.0.0.1");
    arena_free(a);
}

static void test_json_unknown(void **state)
{
    static const struct json_member client[] = {{"name", NULL}, {"email", NULL}, {NULL, NULL}};
    static const struct json_member allowed[] = {
        {"service", NULL}, {"client", client}, {"notes", NULL}, {NULL, NULL}};
    static const struct {
        const char *json;
        size_t n;
        const char *names;
    } rows[] = {
        {"{}", 0, ""},
        {"{\"service\":\"x\",\"client\":{\"name\":\"a\"}}", 0, ""},
        {"{\"servce\":1}", 1, "'servce'"},
        {"{\"client\":{\"age\":3,\"name\":\"a\"},\"x\":[]}", 2, "'client.age', 'x'"},
        {"{\"client\":\"not an object\"}", 0, ""}, /* its type is the handler's to refuse */
        {"{\"notes\":{\"deep\":1}}", 0, ""},       /* notes is not looked into */
        {"{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1}", 7,
         "'a', 'b', 'c', 'd', 'e' and 2 more"},
        {"{\"it's\\n\":1}", 1, "'it?s?'"},
        {"{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1}", 1,
         "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'"},
        {"[1]", 0, ""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sb names = SB_INIT;
        json_t *j = json_loads(rows[i].json, 0, NULL);
        assert_non_null(j);
        assert_int_equal(req_json_unknown(j, allowed, &names), rows[i].n);
        assert_string_equal(names.buf, rows[i].names);
        json_decref(j);
        sb_release(&names);
    }
}

static void test_log_path(void **state)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"/services", "/services"},
        {"/a/AbCdEfGhIjKlMnOpQrStUv", "/a/[token]"},
        {"/a/AbCdEfGhIjKlMnOpQrStUv/cancel", "/a/[token]/cancel"},
        {"/feeds/AbCdEfGhIjKlMnOpQrStUv.ics", "/feeds/[token]"},
        {"/waitlist", "/waitlist"},
        {"/waitlist/offers", "/waitlist/offers"},
        {"/waitlist/offers/AbCdEfGhIjKlMnOpQrStUv", "/waitlist/offers/[token]"},
        {"/waitlist/AbCdEfGhIjKlMnOpQrStUv/leave", "/waitlist/[token]/leave"},
        {"/account/link/AbCdEfGhIjKlMnOpQrStUv", "/account/link/[token]"},
        {"/account/password", "/account/password"},
        {"/x\r\n2026-12-05T00:00:00.000Z info GET / 200", "/x\\x0d\\x0a2026-12-05T00:00:00.000Z info GET / 200"},
        {"/a\\b\x7f\xc3\xa9", "/a\\x5cb\\x7f\\xc3\\xa9"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sb out = SB_INIT;
        req_log_path(&out, rows[i].in);
        if (strcmp(out.buf, rows[i].want) != 0)
            fail_msg("row %zu: got '%s', want '%s'", i, out.buf, rows[i].want);
        sb_release(&out);
    }
    char longpath[600];
    memset(longpath, 'x', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    struct sb out = SB_INIT;
    req_log_path(&out, longpath);
    assert_int_equal(out.len, 203);
    assert_string_equal(out.buf + 200, "...");
    sb_release(&out);
}

/* Accept-Encoding: gzip when named with q above 0, or by * when gzip is
 * not named; never when absent, identity, or q=0. */
static void test_accepts_gzip(void **state)
{
    (void)state;
    static const struct {
        const char *h;
        int want;
    } cases[] = {
        {NULL, 0},
        {"", 0},
        {"gzip", 1},
        {"gzip, deflate, br, zstd", 1}, /* Chromium */
        {"GZIP", 1},
        {"x-gzip", 1},
        {"br;q=1.0, gzip;q=0.8, *;q=0.1", 1},
        {"identity", 0},
        {"deflate, br", 0},
        {"gzip;q=0", 0},
        {"gzip; q=0.000", 0},
        {"gzip;q=0.", 0},
        {"gzip;q=0.001", 1},
        {"gzip;q=1", 1},
        {"gzip;q=bad", 0},
        {"*", 1},
        {"*;q=0", 0},
        {"gzip;q=0, *", 0}, /* gzip named: its own q decides */
        {"*;q=0, gzip", 1},
        {"gzipper", 0},
        {" ,, gzip ,", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (req_accepts_gzip_header(cases[i].h) != cases[i].want)
            fail_msg("'%s': want %d", cases[i].h ? cases[i].h : "(absent)", cases[i].want);
    }
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
        cmocka_unit_test(test_client_address),
        cmocka_unit_test(test_log_path),
        cmocka_unit_test(test_json_unknown),
        cmocka_unit_test(test_accepts_gzip),
    };
    return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
