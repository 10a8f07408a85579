/* staff — the back office's day view (/staff). */
#ifndef KNEAD_WEB_STAFF_H
#define KNEAD_WEB_STAFF_H

#include "http/request.h"

#include <jansson.h>

/* The context every back-office page starts from: page_context plus user
 * {name, email, role}, csrf, the staff navigation (staff_nav_<nav> = true for
 * the current section; is_desk / is_admin / is_therapist for what the
 * navigation offers).  Render with page_render as usual; templates include
 * {{> partials/staff_nav}} at the top. */
json_t *staff_context(struct req *r, const char *title, const char *nav);

/* GET /staff[?date=YYYY-MM-DD][&by=therapist|room]: the day's appointments
 * in a column per therapist (or per room).  A therapist sees their own
 * column; the front desk and admins see everyone. */
void staff_day(struct req *r);

#endif
