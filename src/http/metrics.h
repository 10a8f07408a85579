/* metrics — the server's request counters for /metrics: requests by route
 * and status, and a latency histogram per route.  Sized by the route table
 * at start; recorded by every thread with relaxed atomic adds (no lock on
 * the hot path), read by a scrape without stopping anyone (a scrape may see
 * a count before its latency, never a torn number). */
#ifndef KNEAD_HTTP_METRICS_H
#define KNEAD_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "http/router.h"
#include "util/sb.h"

struct http_metrics;

/* Counters for a table of n routes (plus one row for requests that matched
 * none).  Aborts on OOM. */
struct http_metrics *http_metrics_new(const struct route *routes, size_t n);
void http_metrics_free(struct http_metrics *m); /* accepts NULL */

/* One answered request: route index (-1 = no route), status, microseconds.
 * Accepts m == NULL (no counting). */
void http_metrics_record(struct http_metrics *m, int route, int status, int64_t us);

/* Appends the counters in the Prometheus text format (0.0.4):
 * knead_http_requests_total{route,method,status} and
 * knead_http_request_duration_seconds{route,method} (histogram). */
void http_metrics_render(const struct http_metrics *m, struct sb *out);

/* Appends a label value escaped for the text format (\\, \", \n). */
void http_metrics_label(struct sb *out, const char *v);

#endif
