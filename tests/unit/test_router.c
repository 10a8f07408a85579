/* Unit tests for http/router.c and a walk over the real route table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/router.h"
#include "web/routes.h"

static void h_a(struct req *r) { (void)r; }
static void h_b(struct req *r) { (void)r; }

static const struct route table[] = {
    {ROUTE_GET, "/", h_a, ROUTE_PUBLIC, 0},
    {ROUTE_GET, "/articles/{slug}", h_a, ROUTE_PUBLIC, 0},
    {ROUTE_POST, "/articles/{slug}", h_b, ROUTE_FORM | ROUTE_DESK, 1024},
    {ROUTE_GET | ROUTE_DELETE, "/a/{x}/b/{y}", h_a, ROUTE_PUBLIC, 0},
    {ROUTE_GET, "/static/{*}", h_b, ROUTE_PUBLIC, 0},
};
#define N (sizeof table / sizeof table[0])

static void test_match(void **state)
{
    static const struct {
        const char *method, *path;
        int want; /* route index, -1 = 404, -2 = 405 */
        const char *p0, *p1;
        unsigned allowed;
    } rows[] = {
        {"GET", "/", 0, NULL, NULL, 0},
        {"HEAD", "/", 0, NULL, NULL, 0},
        {"GET", "/articles/back-pain", 1, "back-pain", NULL, 0},
        {"POST", "/articles/back-pain", 2, "back-pain", NULL, 0},
        {"PUT", "/articles/back-pain", -2, NULL, NULL, ROUTE_GET | ROUTE_POST},
        {"GET", "/articles/", -1, NULL, NULL, 0},
        {"GET", "/articles", -1, NULL, NULL, 0},
        {"GET", "/articles/x/y", -1, NULL, NULL, 0},
        {"DELETE", "/a/1/b/2", 3, "1", "2", 0},
        {"POST", "/a/1/b/2", -2, NULL, NULL, ROUTE_GET | ROUTE_DELETE},
        {"GET", "/static/css/site.css", 4, "css/site.css", NULL, 0},
        {"GET", "/static/", -1, NULL, NULL, 0},
        {"POST", "/", -2, NULL, NULL, ROUTE_GET},
        {"GET", "//", -1, NULL, NULL, 0},
        {"GET", "/nope", -1, NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct arena *a = arena_new();
        const char *params[REQ_MAX_PARAMS] = {0};
        size_t np = 0;
        unsigned allowed = 0;
        int got = route_match(table, N, a, route_method_bit(rows[i].method), rows[i].path, params,
                              &np, &allowed);
        assert_int_equal(got, rows[i].want);
        if (rows[i].p0)
            assert_string_equal(params[0], rows[i].p0);
        if (rows[i].p1)
            assert_string_equal(params[1], rows[i].p1);
        if (got == -2)
            assert_int_equal(allowed, rows[i].allowed);
        arena_free(a);
    }
}

static void test_allow_header(void **state)
{
    char buf[64];
    route_allow_header(ROUTE_GET | ROUTE_POST, buf, sizeof buf);
    assert_string_equal(buf, "GET, HEAD, POST");
    route_allow_header(ROUTE_DELETE, buf, sizeof buf);
    assert_string_equal(buf, "DELETE");
}

static void test_check_table_catches_mistakes(void **state)
{
    char err[128];
    const struct route dup[] = {{ROUTE_GET, "/x", h_a, ROUTE_PUBLIC, 0},
                                {ROUTE_GET, "/x", h_b, ROUTE_PUBLIC, 0}};
    const struct route unclosed[] = {{ROUTE_GET, "/x/{id", h_a, ROUTE_PUBLIC, 0}};
    const struct route relative[] = {{ROUTE_GET, "x", h_a, ROUTE_PUBLIC, 0}};
    const struct route no_rule[] = {{ROUTE_GET, "/x", h_a, 0, 0}};
    const struct route two_rules[] = {{ROUTE_GET, "/x", h_a, ROUTE_PUBLIC | ROUTE_ADMIN, 0}};
    assert_int_equal(route_check_table(table, N, err, sizeof err), 0);
    assert_int_equal(route_check_table(dup, 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "twice"));
    assert_int_equal(route_check_table(unclosed, 1, err, sizeof err), -1);
    assert_int_equal(route_check_table(relative, 1, err, sizeof err), -1);
    assert_int_equal(route_check_table(no_rule, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "access rule"));
    assert_int_equal(route_check_table(two_rules, 1, err, sizeof err), -1);
    const struct route local[] = {{ROUTE_GET, "/m", h_a, ROUTE_LOCAL, 0}};
    const struct route local_public[] = {{ROUTE_GET, "/m", h_a, ROUTE_LOCAL | ROUTE_PUBLIC, 0}};
    const struct route local_admin[] = {{ROUTE_GET, "/m", h_a, ROUTE_LOCAL | ROUTE_ADMIN, 0}};
    assert_int_equal(route_check_table(local, 1, err, sizeof err), 0);
    assert_int_equal(route_check_table(local_public, 1, err, sizeof err), -1);
    assert_int_equal(route_check_table(local_admin, 1, err, sizeof err), -1);
}

/* The real table: valid, and every public page answers GET. */
static void test_real_table(void **state)
{
    char err[128];
    static const char *const pages[] = {"/",         "/services",        "/therapists",
                                         "/articles", "/therapists/x",    "/articles/y",
                                         "/healthz",  "/static/css/a.css"};
    assert_int_equal(route_check_table(web_routes, web_nroutes, err, sizeof err), 0);
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        struct arena *a = arena_new();
        const char *params[REQ_MAX_PARAMS];
        size_t np;
        unsigned allowed;
        assert_true(route_match(web_routes, web_nroutes, a, ROUTE_GET, pages[i], params, &np,
                                &allowed) >= 0);
        arena_free(a);
    }
    for (size_t i = 0; i < web_nroutes; i++) {
        unsigned f = web_routes[i].flags;
        if (f & (ROUTE_FORM | ROUTE_JSON))
            assert_true(web_routes[i].body_max > 0); /* a body route declares its limit */
        /* every form POST carries a CSRF token, but the SMS provider's
         * inbound webhook: no browser and no cookie, its path secret is its
         * proof (web/texts.c) */
        if ((f & ROUTE_FORM) && strcmp(web_routes[i].pattern, "/sms/inbound/{secret}") != 0)
            assert_true(f & ROUTE_CSRF);
        /* the back office is never public */
        if (strncmp(web_routes[i].pattern, "/staff", 6) == 0 ||
            strncmp(web_routes[i].pattern, "/admin", 6) == 0)
            assert_false(f & ROUTE_PUBLIC);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_allow_header),
        cmocka_unit_test(test_check_table_catches_mistakes),
        cmocka_unit_test(test_real_table),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
