/* metrics — see metrics.h. */
#include "http/metrics.h"

#include <inttypes.h>
#include <string.h>

#include "util/mem.h"

#define STATUS_MIN 100
#define STATUS_N 500 /* 100..599; anything else is counted as 500..599's "other" row below */

/* Upper bounds of the latency buckets, in microseconds (the last is +Inf). */
static const int64_t bucket_us[] = {500,    1000,   2500,   5000,    10000,   25000,  50000,
                                    100000, 250000, 500000, 1000000, 2500000, 5000000};
#define NBUCKETS (sizeof bucket_us / sizeof bucket_us[0] + 1)

struct row {
    uint64_t status[STATUS_N];
    uint64_t bucket[NBUCKETS]; /* not cumulative; the +Inf bucket last */
    uint64_t sum_us;
};

struct http_metrics {
    const struct route *routes;
    size_t n;
    struct row *rows; /* n + 1: the last one is "no route" */
};

struct http_metrics *http_metrics_new(const struct route *routes, size_t n)
{
    struct http_metrics *m = xcalloc(1, sizeof *m);
    m->routes = routes;
    m->n = n;
    m->rows = xcalloc(n + 1, sizeof *m->rows);
    return m;
}

void http_metrics_free(struct http_metrics *m)
{
    if (!m)
        return;
    free(m->rows);
    free(m);
}

void http_metrics_record(struct http_metrics *m, int route, int status, int64_t us)
{
    if (!m)
        return;
    struct row *r = &m->rows[route >= 0 && (size_t)route < m->n ? (size_t)route : m->n];
    if (status < STATUS_MIN || status >= STATUS_MIN + STATUS_N)
        status = 599; /* cannot happen with libmicrohttpd; kept in range */
    if (us < 0)
        us = 0;
    size_t b = 0;
    while (b < NBUCKETS - 1 && us > bucket_us[b])
        b++;
    __atomic_add_fetch(&r->status[status - STATUS_MIN], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->bucket[b], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->sum_us, (uint64_t)us, __ATOMIC_RELAXED);
}

void http_metrics_label(struct sb *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            sb_adds(out, "\\\\");
        else if (*v == '"')
            sb_adds(out, "\\\"");
        else if (*v == '\n')
            sb_adds(out, "\\n");
        else
            sb_add(out, v, 1);
    }
}

static void method_label(struct sb *out, unsigned methods)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{ROUTE_GET, "GET"},         {ROUTE_POST, "POST"},   {ROUTE_PUT, "PUT"},
                 {ROUTE_DELETE, "DELETE"},   {ROUTE_PATCH, "PATCH"}, {ROUTE_OPTIONS, "OPTIONS"}};
    int first = 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(methods & names[i].bit))
            continue;
        sb_addf(out, "%s%s", first ? "" : "|", names[i].name);
        first = 0;
    }
}

static void labels(struct sb *out, const struct http_metrics *m, size_t i)
{
    sb_adds(out, "route=\"");
    http_metrics_label(out, i < m->n ? m->routes[i].pattern : "none");
    sb_adds(out, "\",method=\"");
    if (i < m->n)
        method_label(out, m->routes[i].methods);
    else
        sb_adds(out, "none");
    sb_adds(out, "\"");
}

void http_metrics_render(const struct http_metrics *m, struct sb *out)
{
    sb_adds(out, "# HELP knead_http_requests_total HTTP requests answered, by route pattern, "
                 "method and status (route \"none\": no route matched).\n"
                 "# TYPE knead_http_requests_total counter\n");
    for (size_t i = 0; i <= m->n; i++) {
        const struct row *r = &m->rows[i];
        for (int s = 0; s < STATUS_N; s++) {
            uint64_t v = __atomic_load_n(&r->status[s], __ATOMIC_RELAXED);
            if (!v)
                continue;
            sb_adds(out, "knead_http_requests_total{");
            labels(out, m, i);
            sb_addf(out, ",status=\"%d\"} %" PRIu64 "\n", s + STATUS_MIN, v);
        }
    }
    sb_adds(out, "# HELP knead_http_request_duration_seconds Time from a request's first byte "
                 "to its answer being queued, by route pattern and method.\n"
                 "# TYPE knead_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= m->n; i++) {
        const struct row *r = &m->rows[i];
        uint64_t counts[NBUCKETS], total = 0;
        for (size_t b = 0; b < NBUCKETS; b++)
            total += counts[b] = __atomic_load_n(&r->bucket[b], __ATOMIC_RELAXED);
        if (!total)
            continue;
        uint64_t cum = 0;
        for (size_t b = 0; b < NBUCKETS; b++) {
            cum += counts[b];
            sb_adds(out, "knead_http_request_duration_seconds_bucket{");
            labels(out, m, i);
            if (b < NBUCKETS - 1)
                sb_addf(out, ",le=\"%g\"} %" PRIu64 "\n", (double)bucket_us[b] / 1e6, cum);
            else
                sb_addf(out, ",le=\"+Inf\"} %" PRIu64 "\n", cum);
        }
        uint64_t sum = __atomic_load_n(&r->sum_us, __ATOMIC_RELAXED);
        sb_adds(out, "knead_http_request_duration_seconds_sum{");
        labels(out, m, i);
        sb_addf(out, "} %" PRIu64 ".%06" PRIu64 "\n", sum / 1000000, sum % 1000000);
        sb_adds(out, "knead_http_request_duration_seconds_count{");
        labels(out, m, i);
        sb_addf(out, "} %" PRIu64 "\n", total);
    }
}
