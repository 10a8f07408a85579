/* admin_reports — the admin's reports (svc/reports.c) as pages with SVG
 * charts and tables, and as CSV, over a range of the clinic's days compared
 * with the period of the same length before it; and the front desk's
 * figures of one day.
 *
 * Routes (web/routes.c): GET /admin/reports (the index) and
 * /admin/reports/{utilisation,attendance,clients,referrals,insurance,revenue}
 * (ROUTE_ADMIN), each with ?from=&to= (YYYY-MM-DD, both inclusive, at most
 * 366 days; by default the 28 days up to yesterday) and ?format=csv;
 * GET /staff/figures?date= (ROUTE_DESK): one day's figures.  Unknown or
 * repeated parameters are refused (400, named).  Reads only; the referrals
 * report records each referral it shows in the audit log. */
#ifndef KNEAD_WEB_ADMIN_REPORTS_H
#define KNEAD_WEB_ADMIN_REPORTS_H

#include "http/request.h"

void admin_reports(struct req *r);             /* GET /admin/reports */
void admin_reports_utilisation(struct req *r); /* GET /admin/reports/utilisation */
void admin_reports_attendance(struct req *r);  /* GET /admin/reports/attendance */
void admin_reports_clients(struct req *r);     /* GET /admin/reports/clients */
void admin_reports_referrals(struct req *r);   /* GET /admin/reports/referrals */
void admin_reports_insurance(struct req *r);   /* GET /admin/reports/insurance */
void admin_reports_revenue(struct req *r);     /* GET /admin/reports/revenue */
void admin_reports_day(struct req *r);         /* GET /staff/figures */

#endif
