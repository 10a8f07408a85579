/* admin_rules — /admin/rules: the clinic's booking rules (minimum notice,
 * horizon, grid, late-cancellation window).  Each field shows the rule in
 * force and whether it comes from the config file's [booking] section; an
 * empty field means "use the config file's value".  The stored values live
 * in clinic_rules (migration 0006) and reach bookings through the cached
 * clinic set-up (sched_rules / sched_load in web/sched.c).
 *
 * Routes: GET is ROUTE_ADMIN; POST is ROUTE_ADMIN | ROUTE_FORM | ROUTE_CSRF.
 * A save checks all four fields (the ranges of src/config.c); if any is
 * wrong it answers 422 with a message next to the field and stores nothing;
 * otherwise it stores all four in one transaction and answers 303. */
#ifndef KNEAD_WEB_ADMIN_RULES_H
#define KNEAD_WEB_ADMIN_RULES_H

#include "http/request.h"

void admin_rules(struct req *r);      /* GET /admin/rules */
void admin_rules_save(struct req *r); /* POST /admin/rules */

#endif
