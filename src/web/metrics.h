/* metrics — GET /metrics: the server's counters in the Prometheus text
 * format, for a scraper on this machine or one holding [metrics] token
 * (the route's ROUTE_LOCAL rule, enforced by http/server.c). */
#ifndef KNEAD_WEB_METRICS_H
#define KNEAD_WEB_METRICS_H

#include "http/request.h"

void metrics_page(struct req *r);

#endif
