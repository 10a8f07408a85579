/* export — the admin's CSV downloads (svc/export writes and audits them).
 *
 *   GET /admin/export                                the page with the links
 *   GET /admin/export/clients.csv                    every client
 *   GET /admin/export/appointments.csv?from=&to=     appointments on those days
 *                                                    (default: this year; to: from's year's end)
 *   GET /admin/export/invoices.csv?from=&to=         invoices issued on those days
 *   GET /admin/export/payments.csv?from=&to=         payments taken on those days
 *
 * ROUTE_ADMIN: a bulk copy of every client's details is the owner's to take. */
#ifndef KNEAD_WEB_EXPORT_H
#define KNEAD_WEB_EXPORT_H

#include "http/request.h"

void admin_export(struct req *r);              /* GET /admin/export */
void admin_export_clients(struct req *r);      /* GET /admin/export/clients.csv */
void admin_export_appointments(struct req *r); /* GET /admin/export/appointments.csv */
void admin_export_invoices(struct req *r);     /* GET /admin/export/invoices.csv */
void admin_export_payments(struct req *r);     /* GET /admin/export/payments.csv */

#endif
