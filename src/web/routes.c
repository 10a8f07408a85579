/* routes — every address Knead answers, with its methods, handler and policy.
 * The dispatcher (http/server.c) enforces the flags and body limits. */
#include "web/routes.h"

#include "web/site.h"

const struct route web_routes[] = {
    /* methods    pattern              handler            flags  body */
    {ROUTE_GET, "/", site_home, 0, 0},
    {ROUTE_GET, "/services", site_services, 0, 0},
    {ROUTE_GET, "/therapists", site_therapists, 0, 0},
    {ROUTE_GET, "/therapists/{id}", site_therapist, 0, 0},
    {ROUTE_GET, "/articles", site_articles, 0, 0},
    {ROUTE_GET, "/articles/{slug}", site_article, 0, 0},
    {ROUTE_GET, "/static/{*}", site_static, 0, 0},
    {ROUTE_GET, "/favicon.ico", site_favicon, 0, 0},
    {ROUTE_GET, "/healthz", site_healthz, ROUTE_API, 0},
};

const size_t web_nroutes = sizeof web_routes / sizeof web_routes[0];
