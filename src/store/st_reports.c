/* st_reports — the sums the admin's reports read (svc/reports.c): the
 * appointments of a range, counts by status, clients seen and rebooked,
 * referrals and their visits, insurance checks.  Written once for every
 * driver: named queries through rows.h.  Reads only; it decides nothing
 * (the arithmetic is core/report.c's and svc/reports.c's). */
#include <string.h>

#include "store/rows.h"

enum err_code db_report_appts(struct db *db, int64_t lo, int64_t hi, int64_t loc, db_report_appt_fn fn,
                              void *ctx, struct err *e)
{
    struct rows r;
    int more;
    enum err_code rc = rows_open(&r, db, Q_REPORT_APPTS, "read the appointments of a report",
                                 ARGS(A_I64(lo), A_I64(hi), A_I64(loc)), e);
    if (rc != E_OK)
        return rc;
    while ((more = rows_next(&r, e)) == 1)
        fn(ctx, rows_peek_text(&r, 0), rows_i64(&r, 1), rows_i64(&r, 2), rows_i64(&r, 3),
           rows_peek_text(&r, 4), rows_int(&r, 5));
    return more == 0 ? E_OK : rows_code(e);
}

enum err_code db_report_clients(struct db *db, struct arena *a, int64_t lo, int64_t hi, int64_t loc,
                                struct report_client_row **out, size_t *n, struct err *e)
{
    static const struct col cols[] = {
        COL_I64(struct report_client_row, client_id),
        COL_I64(struct report_client_row, last_at),
        COL_I64(struct report_client_row, seen_before),
        COL_I64(struct report_client_row, next_at),
    };
    return rows_list(db, a, Q_REPORT_CLIENTS, "list clients seen", ARGS(A_I64(lo), A_I64(hi), A_I64(loc)),
                     COLS(cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_report_referrals(struct db *db, struct arena *a, const char *from,
                                  const char *to, struct report_referral **out, size_t *n,
                                  struct err *e)
{
    static const struct col cols[] = {
        COL_I64(struct report_referral, id),
        COL_I64(struct report_referral, client_id),
        COL_TEXT(struct report_referral, client_name),
        COL_TEXT(struct report_referral, physician),
        COL_TEXT(struct report_referral, referred_on),
        COL_TEXT(struct report_referral, valid_until),
        COL_INT(struct report_referral, visits),
    };
    return rows_list(db, a, Q_REPORT_REFERRALS, "list referrals of a report",
                     ARGS(A_TEXT(from), A_TEXT(to)), COLS(cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_report_referral_appts(struct db *db, struct arena *a, const char *from,
                                       const char *to, int64_t lo, int64_t hi,
                                       struct report_visit **out, size_t *n, struct err *e)
{
    static const struct col cols[] = {
        COL_I64(struct report_visit, client_id),
        COL_I64(struct report_visit, start),
        COL_TEXT(struct report_visit, status),
    };
    return rows_list(db, a, Q_REPORT_REFERRAL_APPTS, "read the visits of referrals",
                     ARGS(A_TEXT(from), A_TEXT(to), A_I64(lo), A_I64(hi)), COLS(cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_report_insurance(struct db *db, struct arena *a, int64_t lo, int64_t hi,
                                  struct report_check **out, size_t *n, struct err *e)
{
    static const struct col cols[] = {
        COL_TEXT(struct report_check, status),
        COL_TEXT(struct report_check, outcome),
        COL_I64(struct report_check, requested_at),
        COL_I64(struct report_check, verified_at),
    };
    return rows_list(db, a, Q_REPORT_INSURANCE, "list insurance checks of a report",
                     ARGS(A_I64(lo), A_I64(hi)), COLS(cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_report_revenue_lines(struct db *db, struct arena *a, int64_t lo, int64_t hi, int64_t loc,
                                      struct report_money_row **out, size_t *n, struct err *e)
{
    static const struct col cols[] = {
        COL_TEXT(struct report_money_row, id),    COL_TEXT(struct report_money_row, name),
        COL_TEXT(struct report_money_row, kind),  COL_I64(struct report_money_row, count),
        COL_I64(struct report_money_row, cents),
    };
    return rows_list(db, a, Q_REPORT_REVENUE_LINES, "sum invoice lines by service",
                     ARGS(A_I64(lo), A_I64(hi), A_I64(loc)), COLS(cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_report_revenue_therapists(struct db *db, struct arena *a, int64_t lo,
                                           int64_t hi, int64_t loc, struct report_money_row **out, size_t *n,
                                           struct err *e)
{
    static const struct col cols[] = {
        COL_TEXT(struct report_money_row, id),   COL_TEXT(struct report_money_row, name),
        COL_I64(struct report_money_row, count), COL_I64(struct report_money_row, cents),
        COL_I64(struct report_money_row, tips),
    };
    return rows_list(db, a, Q_REPORT_REVENUE_THERAPISTS, "sum invoices by therapist",
                     ARGS(A_I64(lo), A_I64(hi), A_I64(loc)), COLS(cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_report_revenue_credits(struct db *db, int64_t lo, int64_t hi, int64_t loc, int64_t *count,
                                        int64_t *cents, struct err *e)
{
    struct rows r;
    int more;
    *count = *cents = 0;
    enum err_code rc = rows_open(&r, db, Q_REPORT_REVENUE_CREDITS, "sum credit notes",
                                 ARGS(A_I64(lo), A_I64(hi), A_I64(loc)), e);
    if (rc != E_OK)
        return rc;
    if ((more = rows_next(&r, e)) == 1) {
        *count = rows_i64(&r, 0);
        *cents = rows_i64(&r, 1);
        rows_close(&r);
        return E_OK;
    }
    return more == 0 ? E_OK : rows_code(e);
}
