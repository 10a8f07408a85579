/* export — the back office's CSV exports of clients and appointments
 * (RFC 4180: CRLF line ends, UTF-8, a header row; every cell through
 * esc_csv, so a cell a spreadsheet would run as a formula opens as text).
 *
 * Each export reads its rows and writes its audit row (action "export",
 * record "clients" or "appointments": who, when, from where) in one
 * transaction, so nothing leaves without its row.  Times are RFC 3339 in
 * the clinic's offset, with the local date and clock beside them for a
 * spreadsheet.  It knows no HTTP: web/export.c serves the files. */
#ifndef KNEAD_SVC_EXPORT_H
#define KNEAD_SVC_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/datetime.h"
#include "core/err.h"
#include "svc/audit.h"
#include "util/sb.h"

struct tz;

/* The columns of each file, in order (also what knead import reads back). */
#define EXPORT_CLIENT_COLUMNS "id,name,email,phone,created_at,appointments"
#define EXPORT_APPT_COLUMNS                                                                        \
    "id,date,time,start,end,service_id,service,therapist_id,therapist,room,client_id,"             \
    "client_name,client_email,client_phone,status,source,cancelled_at,cancelled_late,notes,"       \
    "created_at"

#define EXPORT_INVOICE_COLUMNS                                                                 \
    "number,issued_at,date,client_id,client_name,appointment_id,therapist_id,currency,"        \
    "subtotal,discount,discount_reason,tax,tip,total,credited,paid,refunded,balance,bill_to,"   \
    "issued_by"
#define EXPORT_PAYMENT_COLUMNS                                                                 \
    "id,created_at,date,invoice_id,appointment_id,method,amount,tendered,reference,status,"     \
    "refunded,taken_by"

/* Appends every client to out as CSV and audits the export by who at now;
 * *rows gets how many.  On error out holds nothing new and nothing was
 * written. */
enum err_code export_clients(struct db *db, struct arena *a, const struct tz *tz,
                             const struct actor *who, int64_t now, struct sb *out, size_t *rows,
                             struct err *e);

/* The same for the appointments (any status) starting on the clinic's local
 * days from..to (inclusive), by start. */
enum err_code export_appointments(struct db *db, struct arena *a, const struct tz *tz,
                                  struct dt_date from, struct dt_date to, const struct actor *who,
                                  int64_t now, struct sb *out, size_t *rows, struct err *e);

/* Invoices issued, or payments (any status) taken, on the clinic's local
 * days from..to (inclusive), by time; amounts as decimals ("125.50"), the
 * invoice's currency beside them.  Audited as record "invoices" or
 * "payments". */
enum err_code export_invoices(struct db *db, struct arena *a, const struct tz *tz,
                              struct dt_date from, struct dt_date to, const struct actor *who,
                              int64_t now, struct sb *out, size_t *rows, struct err *e);
enum err_code export_payments(struct db *db, struct arena *a, const struct tz *tz,
                              struct dt_date from, struct dt_date to, const struct actor *who,
                              int64_t now, struct sb *out, size_t *rows, struct err *e);

#endif
