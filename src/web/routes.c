/* routes — every address Knead answers, with its methods, handler and policy.
 * The dispatcher (http/server.c) enforces the flags and body limits. */
#include "web/routes.h"

#include "web/api.h"
#include "web/site.h"

#define JSON_BODY (16 * 1024)

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
    {ROUTE_GET, "/api/v1/services", api_services, ROUTE_API, 0},
    {ROUTE_GET, "/api/v1/therapists", api_therapists, ROUTE_API, 0},
    {ROUTE_GET, "/api/v1/availability", api_availability, ROUTE_API, 0},
    {ROUTE_GET, "/api/v1/next-available", api_next_available, ROUTE_API, 0},
    {ROUTE_POST, "/api/v1/appointments", api_book, ROUTE_API | ROUTE_JSON, JSON_BODY},
    {ROUTE_GET, "/api/v1/appointments/{id}", api_appointment, ROUTE_API, 0},
    {ROUTE_DELETE, "/api/v1/appointments/{id}", api_cancel, ROUTE_API, 0},
    {ROUTE_POST, "/api/v1/appointments/{id}/reschedule", api_reschedule, ROUTE_API | ROUTE_JSON,
     JSON_BODY},
};

const size_t web_nroutes = sizeof web_routes / sizeof web_routes[0];
