/* chrome — the frame every back-office page shares: the signed-in user, the
 * CSRF token and the staff navigation with its counts (pending insurance
 * checks, active waitlist entries). A leaf: it includes web/page.h and the
 * store, and no other handler, so any back-office file can use it without
 * closing a circle of includes. */
#ifndef KNEAD_WEB_CHROME_H
#define KNEAD_WEB_CHROME_H

#include <jansson.h>

#include "http/request.h"

/* The context every back-office page starts from: page_context plus user
 * {name, email, role}, csrf, the staff navigation (staff_nav_<nav> = true for
 * the current section; is_desk / is_admin / is_therapist for what the
 * navigation offers; insurance_pending and waitlist_active for the front
 * desk, 0 (logged) when the store fails).  Render with page_render as usual;
 * templates include {{> partials/staff_nav}} at the top.  Owned by the
 * caller (as page_context). */
json_t *chrome_context(struct req *r, const char *title, const char *nav);

#endif
