/* routes — every address Knead answers: methods, pattern, handler, and its
 * policy — who may use it (ROUTE_PUBLIC or the roles), how its body is read
 * and how large it may be.  The dispatcher (http/server.c) enforces all of
 * it; route_check_table refuses a route without an access rule. */
#include "web/routes.h"

#include "web/account.h"
#include "web/api.h"
#include "web/book.h"
#include "web/site.h"
#include "web/staff.h"

#define JSON_BODY (16 * 1024)
#define BOOK_FORM (16 * 1024) /* the details form: a note of 2,000 characters, encoded */
#define SMALL_FORM (4 * 1024)
#define PUB ROUTE_PUBLIC
#define API (ROUTE_PUBLIC | ROUTE_API)
#define FORM (ROUTE_FORM | ROUTE_CSRF)
#define SIGNED_IN (ROUTE_CLIENT | ROUTE_STAFF)

const struct route web_routes[] = {
    /* methods    pattern                    handler             flags         body */
    {ROUTE_GET, "/", site_home, PUB, 0},
    {ROUTE_GET, "/services", site_services, PUB, 0},
    {ROUTE_GET, "/therapists", site_therapists, PUB, 0},
    {ROUTE_GET, "/therapists/{id}", site_therapist, PUB, 0},
    {ROUTE_GET, "/articles", site_articles, PUB, 0},
    {ROUTE_GET, "/articles/{slug}", site_article, PUB, 0},
    {ROUTE_GET, "/static/{*}", site_static, PUB, 0},
    {ROUTE_GET, "/favicon.ico", site_favicon, PUB, 0},
    {ROUTE_GET, "/healthz", site_healthz, API, 0},

    {ROUTE_GET, "/book", book_start, PUB, 0},
    {ROUTE_POST, "/book", book_submit, PUB | FORM, BOOK_FORM},
    {ROUTE_GET, "/a/{token}", book_manage, PUB, 0},
    {ROUTE_GET, "/a/{token}/calendar.ics", book_calendar, PUB, 0},
    {ROUTE_GET, "/a/{token}/cancel", book_cancel_page, PUB, 0},
    {ROUTE_POST, "/a/{token}/cancel", book_cancel, PUB | FORM, SMALL_FORM},
    {ROUTE_GET, "/a/{token}/move", book_move_page, PUB, 0},
    {ROUTE_POST, "/a/{token}/move", book_move, PUB | FORM, SMALL_FORM},

    {ROUTE_GET, "/login", account_login_form, PUB, 0},
    {ROUTE_POST, "/login", account_login, PUB | FORM, SMALL_FORM},
    {ROUTE_POST, "/logout", account_logout, SIGNED_IN | FORM, SMALL_FORM},
    {ROUTE_GET, "/account/password", account_password_form, SIGNED_IN, 0},
    {ROUTE_POST, "/account/password", account_password, SIGNED_IN | FORM, SMALL_FORM},
    {ROUTE_GET, "/staff", staff_day, ROUTE_STAFF, 0},

    {ROUTE_GET, "/api/v1/services", api_services, API, 0},
    {ROUTE_GET, "/api/v1/therapists", api_therapists, API, 0},
    {ROUTE_GET, "/api/v1/availability", api_availability, API, 0},
    {ROUTE_GET, "/api/v1/next-available", api_next_available, API, 0},
    {ROUTE_POST, "/api/v1/appointments", api_book, API | ROUTE_JSON, JSON_BODY},
    /* bearer manage token, checked by the handler (404 on any mismatch) */
    {ROUTE_GET, "/api/v1/appointments/{id}", api_appointment, API, 0},
    {ROUTE_DELETE, "/api/v1/appointments/{id}", api_cancel, API, 0},
    {ROUTE_POST, "/api/v1/appointments/{id}/reschedule", api_reschedule, API | ROUTE_JSON,
     JSON_BODY},
};

const size_t web_nroutes = sizeof web_routes / sizeof web_routes[0];
