/* Unit tests for http/metrics.c: bucket edges, cumulative buckets, the
 * "none" row, label escaping, and nothing printed for an idle route. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/metrics.h"

static void h(struct req *r) { (void)r; }

static const struct route table[] = {
    {ROUTE_GET, "/a", h, ROUTE_PUBLIC, 0},
    {ROUTE_POST, "/b/{id}", h, ROUTE_PUBLIC, 0},
    {ROUTE_GET | ROUTE_POST, "/q\"x", h, ROUTE_PUBLIC, 0},
};

static int has(const struct sb *b, const char *line)
{
    return strstr(b->buf, line) != NULL;
}

static void test_counts_and_buckets(void **state)
{
    (void)state;
    struct http_metrics *m = http_metrics_new(table, 3);
    struct sb b = SB_INIT;
    http_metrics_record(m, 0, 200, 500);     /* on the 0.5 ms edge: in it */
    http_metrics_record(m, 0, 200, 501);     /* just past: the 1 ms bucket */
    http_metrics_record(m, 0, 404, 9000000); /* past 5 s: +Inf only */
    http_metrics_record(m, -1, 404, 10);
    http_metrics_record(m, 99, 400, 10); /* out of the table: "none" */
    http_metrics_record(NULL, 0, 200, 1); /* no counters: nothing happens */
    http_metrics_render(m, &b);
    assert_true(has(&b, "knead_http_requests_total{route=\"/a\",method=\"GET\",status=\"200\"} 2\n"));
    assert_true(has(&b, "knead_http_requests_total{route=\"/a\",method=\"GET\",status=\"404\"} 1\n"));
    assert_true(has(&b, "knead_http_requests_total{route=\"none\",method=\"none\",status=\"404\"} 1\n"));
    assert_true(has(&b, "knead_http_requests_total{route=\"none\",method=\"none\",status=\"400\"} 1\n"));
    assert_true(has(&b, "knead_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"0.0005\"} 1\n"));
    assert_true(has(&b, "knead_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"0.001\"} 2\n"));
    assert_true(has(&b, "knead_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"5\"} 2\n"));
    assert_true(has(&b, "knead_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"+Inf\"} 3\n"));
    assert_true(has(&b, "knead_http_request_duration_seconds_sum{route=\"/a\",method=\"GET\"} 9.001001\n"));
    assert_true(has(&b, "knead_http_request_duration_seconds_count{route=\"/a\",method=\"GET\"} 3\n"));
    assert_false(has(&b, "route=\"/b/{id}\"")); /* never asked: no lines */
    sb_release(&b);
    http_metrics_free(m);
}

static void test_labels(void **state)
{
    (void)state;
    struct http_metrics *m = http_metrics_new(table, 3);
    struct sb b = SB_INIT;
    http_metrics_record(m, 2, 200, 1);
    http_metrics_render(m, &b);
    assert_true(has(&b, "{route=\"/q\\\"x\",method=\"GET|POST\",status=\"200\"} 1\n"));
    sb_reset(&b);
    http_metrics_label(&b, "a\\b\nc");
    assert_string_equal(b.buf, "a\\\\b\\nc");
    sb_release(&b);
    http_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_buckets),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
