/* export — CSV exports of clients and appointments, audited; see export.h.
 * Must not write a cell except through esc_csv, nor hand out rows whose
 * audit row did not commit. */
#include "svc/export.h"

#include <string.h>

#include "core/tz.h"
#include "store/store.h"
#include "view/esc.h"

struct job {
    struct arena *a;
    const struct tz *tz;
    const struct actor *who;
    int64_t now, t0, t1;
    struct sb *out;
    size_t start, rows;
};

static void cell(struct sb *out, const char *s, int last)
{
    esc_csv(out, s);
    sb_adds(out, last ? "\r\n" : ",");
}

static void cell_i64(struct sb *out, int64_t v, int last)
{
    sb_addf(out, "%lld", (long long)v);
    sb_adds(out, last ? "\r\n" : ",");
}

static void cell_time(struct sb *out, const struct tz *tz, int64_t t, int last)
{
    char buf[40] = "";
    if (t)
        dt_format_rfc3339(t, tz_offset_at(tz, t), buf, sizeof buf);
    cell(out, buf, last);
}

static void header(struct sb *out, const char *cols)
{
    sb_adds(out, cols);
    sb_adds(out, "\r\n");
}

static enum err_code clients_tx(struct db *db, void *ctx, struct err *e)
{
    struct job *j = ctx;
    struct client *cs = NULL;
    size_t n = 0;
    enum err_code rc;
    sb_setlen(j->out, j->start); /* a retry starts over */
    if ((rc = db_clients_all(db, j->a, &cs, &n, e)) != E_OK ||
        (rc = audit_add(db, j->who, "export", "clients", 0, 0, j->now, e)) != E_OK)
        return rc;
    header(j->out, EXPORT_CLIENT_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        cell_i64(j->out, cs[i].id, 0);
        cell(j->out, cs[i].name, 0);
        cell(j->out, cs[i].email, 0);
        cell(j->out, cs[i].phone, 0);
        cell_time(j->out, j->tz, cs[i].created_at, 0);
        cell_i64(j->out, cs[i].nappointments, 1);
    }
    j->rows = n;
    return E_OK;
}

static enum err_code appts_tx(struct db *db, void *ctx, struct err *e)
{
    struct job *j = ctx;
    struct appointment *as = NULL;
    size_t n = 0;
    enum err_code rc;
    sb_setlen(j->out, j->start);
    if ((rc = db_appointments(db, j->a, j->t0, j->t1, &as, &n, e)) != E_OK ||
        (rc = audit_add(db, j->who, "export", "appointments", 0, 0, j->now, e)) != E_OK)
        return rc;
    header(j->out, EXPORT_APPT_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        const struct appointment *ap = &as[i];
        struct dt_civil c;
        int off;
        char day[16], hm[8];
        tz_to_local(j->tz, ap->start, &c, &off);
        dt_format_date((struct dt_date){c.year, c.month, c.day}, day, sizeof day);
        dt_format_hhmm(c.hour * 60 + c.min, hm, sizeof hm);
        cell_i64(j->out, ap->id, 0);
        cell(j->out, day, 0);
        cell(j->out, hm, 0);
        cell_time(j->out, j->tz, ap->start, 0);
        cell_time(j->out, j->tz, ap->end, 0);
        cell(j->out, ap->service_id, 0);
        cell(j->out, ap->service_name, 0);
        cell(j->out, ap->therapist_id, 0);
        cell(j->out, ap->therapist_name, 0);
        cell(j->out, ap->room_name, 0);
        cell_i64(j->out, ap->client_id, 0);
        cell(j->out, ap->client_name, 0);
        cell(j->out, ap->client_email, 0);
        cell(j->out, ap->client_phone ? ap->client_phone : "", 0);
        cell(j->out, ap->status, 0);
        cell(j->out, ap->source ? ap->source : "", 0);
        cell_time(j->out, j->tz, ap->cancelled_at, 0);
        cell(j->out, ap->cancelled_at ? (ap->cancel_late ? "yes" : "no") : "", 0);
        cell(j->out, ap->notes ? ap->notes : "", 0);
        cell_time(j->out, j->tz, ap->created_at, 1);
    }
    j->rows = n;
    return E_OK;
}

/* cents as a plain decimal a spreadsheet sums: "1245.50", "-5.00" */
static void cell_money(struct sb *out, int64_t cents, int last)
{
    uint64_t v = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    sb_addf(out, "%s%llu.%02llu", cents < 0 ? "-" : "", (unsigned long long)(v / 100),
            (unsigned long long)(v % 100));
    sb_adds(out, last ? "\r\n" : ",");
}

static void cell_day(struct sb *out, const struct tz *tz, int64_t t, int last)
{
    struct dt_civil c;
    int off;
    char day[16];
    tz_to_local(tz, t, &c, &off);
    dt_format_date((struct dt_date){c.year, c.month, c.day}, day, sizeof day);
    cell(out, day, last);
}

static enum err_code invoices_tx(struct db *db, void *ctx, struct err *e)
{
    struct job *j = ctx;
    struct invoice *iv = NULL;
    size_t n = 0;
    enum err_code rc;
    sb_setlen(j->out, j->start);
    if ((rc = db_invoices_issued(db, j->a, j->t0, j->t1, &iv, &n, e)) != E_OK ||
        (rc = audit_add(db, j->who, "export", "invoices", 0, 0, j->now, e)) != E_OK)
        return rc;
    header(j->out, EXPORT_INVOICE_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        const struct invoice *v = &iv[i];
        cell_i64(j->out, v->number, 0);
        cell_time(j->out, j->tz, v->issued_at, 0);
        cell_day(j->out, j->tz, v->issued_at, 0);
        cell_i64(j->out, v->client_id, 0);
        cell(j->out, v->client_name, 0);
        if (v->appointment_id)
            cell_i64(j->out, v->appointment_id, 0);
        else
            cell(j->out, "", 0);
        cell(j->out, v->therapist_id, 0);
        cell(j->out, v->currency, 0);
        cell_money(j->out, v->subtotal, 0);
        cell_money(j->out, v->discount, 0);
        cell(j->out, v->discount_reason, 0);
        cell_money(j->out, v->tax, 0);
        cell_money(j->out, v->tip, 0);
        cell_money(j->out, v->total, 0);
        cell_money(j->out, v->credited, 0);
        cell_money(j->out, v->paid, 0);
        cell_money(j->out, v->refunded, 0);
        cell_money(j->out, v->total - v->credited - v->paid + v->refunded, 0);
        cell(j->out, v->bill_to, 0);
        cell(j->out, v->issued_by_name, 1);
    }
    j->rows = n;
    return E_OK;
}

static enum err_code payments_tx(struct db *db, void *ctx, struct err *e)
{
    struct job *j = ctx;
    struct payment *ps = NULL;
    size_t n = 0;
    enum err_code rc;
    sb_setlen(j->out, j->start);
    if ((rc = db_payments_taken(db, j->a, j->t0, j->t1, &ps, &n, e)) != E_OK ||
        (rc = audit_add(db, j->who, "export", "payments", 0, 0, j->now, e)) != E_OK)
        return rc;
    header(j->out, EXPORT_PAYMENT_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        const struct payment *p = &ps[i];
        cell_i64(j->out, p->id, 0);
        cell_time(j->out, j->tz, p->created_at, 0);
        cell_day(j->out, j->tz, p->created_at, 0);
        if (p->invoice_id)
            cell_i64(j->out, p->invoice_id, 0);
        else
            cell(j->out, "", 0);
        if (p->appointment_id)
            cell_i64(j->out, p->appointment_id, 0);
        else
            cell(j->out, "", 0);
        cell(j->out, p->method, 0);
        cell_money(j->out, p->amount, 0);
        cell_money(j->out, p->tendered, 0);
        cell(j->out, p->reference, 0);
        cell(j->out, p->status, 0);
        cell_money(j->out, p->refunded, 0);
        cell(j->out, p->created_by_name, 1);
    }
    j->rows = n;
    return E_OK;
}

static enum err_code run(struct db *db, db_tx_fn fn, struct job *j, size_t *rows, struct err *e)
{
    j->start = j->out->len;
    enum err_code rc = db_tx(db, fn, j, e);
    if (rc != E_OK)
        sb_setlen(j->out, j->start);
    *rows = rc == E_OK ? j->rows : 0;
    return rc;
}

enum err_code export_clients(struct db *db, struct arena *a, const struct tz *tz,
                             const struct actor *who, int64_t now, struct sb *out, size_t *rows,
                             struct err *e)
{
    struct job j = {.a = a, .tz = tz, .who = who, .now = now, .out = out};
    return run(db, clients_tx, &j, rows, e);
}

enum err_code export_invoices(struct db *db, struct arena *a, const struct tz *tz,
                              struct dt_date from, struct dt_date to, const struct actor *who,
                              int64_t now, struct sb *out, size_t *rows, struct err *e)
{
    struct job j = {.a = a, .tz = tz, .who = who, .now = now, .out = out,
                    .t0 = tz_day_start(tz, from), .t1 = tz_day_start(tz, dt_date_add(to, 1))};
    return run(db, invoices_tx, &j, rows, e);
}

enum err_code export_payments(struct db *db, struct arena *a, const struct tz *tz,
                              struct dt_date from, struct dt_date to, const struct actor *who,
                              int64_t now, struct sb *out, size_t *rows, struct err *e)
{
    struct job j = {.a = a, .tz = tz, .who = who, .now = now, .out = out,
                    .t0 = tz_day_start(tz, from), .t1 = tz_day_start(tz, dt_date_add(to, 1))};
    return run(db, payments_tx, &j, rows, e);
}

enum err_code export_appointments(struct db *db, struct arena *a, const struct tz *tz,
                                  struct dt_date from, struct dt_date to, const struct actor *who,
                                  int64_t now, struct sb *out, size_t *rows, struct err *e)
{
    struct job j = {.a = a,
                    .tz = tz,
                    .who = who,
                    .now = now,
                    .out = out,
                    .t0 = tz_day_start(tz, from),
                    .t1 = tz_day_start(tz, dt_date_add(to, 1))};
    return run(db, appts_tx, &j, rows, e);
}
