/* st_money — the clinic's money in the store: a service's billing and a
 * therapist's identifiers, the ledger (invoices and their lines, payments,
 * refunds, credit notes) and the end-of-day counts.  Written once for every
 * driver: named queries through rows.h.  It decides nothing: the sums are
 * core/money's, the transactions svc/money's, and the immutability of the
 * ledger the schema's (migration 0039). */
#include "store/st.h"

/* ---- billing settings ---- */

static const struct col billing_cols[] = {
    COL_INT(struct service_billing, tax_bp),
    COL_TEXT(struct service_billing, procedure_code),
    COL_INT(struct service_billing, unit_minutes),
};

enum err_code db_service_billing(struct db *db, struct arena *a, const char *service_id,
                                 struct service_billing *out, struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_SERVICE_BILLING, "read the service's billing",
                                ARGS(A_TEXT(service_id)), COLS(billing_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no service '%s'", service_id);
    return rc;
}

enum err_code db_put_service_billing(struct db *db, const char *service_id,
                                     const struct service_billing *b, struct err *e)
{
    return rows_exec(db, Q_PUT_SERVICE_BILLING, "save the service's billing",
                     ARGS(A_TEXT(service_id), A_I64(b->tax_bp), A_TEXT(b->procedure_code),
                          A_I64(b->unit_minutes)),
                     NULL, e);
}

static const struct col ids_cols[] = {
    COL_TEXT(struct therapist_ids, npi),
    COL_TEXT(struct therapist_ids, licence),
};

enum err_code db_therapist_ids(struct db *db, struct arena *a, const char *therapist_id,
                               struct therapist_ids *out, struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_THERAPIST_IDS, "read the therapist's identifiers",
                                ARGS(A_TEXT(therapist_id)), COLS(ids_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no therapist '%s'", therapist_id);
    return rc;
}

enum err_code db_put_therapist_ids(struct db *db, const char *therapist_id,
                                   const struct therapist_ids *t, struct err *e)
{
    return rows_exec(db, Q_PUT_THERAPIST_IDS, "save the therapist's identifiers",
                     ARGS(A_TEXT(therapist_id), A_TEXT(t->npi), A_TEXT(t->licence)), NULL, e);
}

/* ---- invoices ---- */

enum err_code db_invoice_next_number(struct db *db, int64_t *number, struct err *e)
{
    return rows_i64_of(db, Q_INVOICE_NEXT_NUMBER, "number the invoice", NOARGS, number, e);
}

enum err_code db_invoice_add(struct db *db, const struct invoice *in, const unsigned char *form_key,
                             int64_t *id, struct err *e)
{
    return rows_insert(
        db, Q_INVOICE_ADD, "issue the invoice",
        ARGS(A_I64(in->number), in->appointment_id ? A_I64(in->appointment_id) : A_NULL,
             A_I64(in->client_id), A_TEXT(in->client_name), A_TEXT(in->therapist_id),
             A_TEXT(in->currency), A_I64(in->line_count), A_I64(in->subtotal), A_I64(in->discount),
             A_TEXT(in->discount_reason), A_I64(in->tax), A_I64(in->tip), A_I64(in->total),
             A_TEXT(in->bill_to), form_key ? A_HASH(form_key) : A_NULL, A_I64(in->issued_at),
             A_I64(in->issued_by), A_TEXT(in->issued_by_name)),
        id, e);
}

enum err_code db_invoice_line_add(struct db *db, const struct invoice_line *l, struct err *e)
{
    return rows_exec(db, Q_INVOICE_LINE_ADD, "write the invoice's lines",
                     ARGS(A_I64(l->invoice_id), A_I64(l->position), A_TEXT(l->kind),
                          A_TEXT(l->service_id), A_TEXT(l->description), A_TEXT(l->procedure_code),
                          A_I64(l->units), A_I64(l->qty), A_I64(l->unit_cents),
                          A_I64(l->discount_cents), A_I64(l->tax_bp), A_I64(l->tax_cents),
                          A_I64(l->amount_cents)),
                     NULL, e);
}

enum err_code db_invoice_by_key(struct db *db, const unsigned char key[STORE_TOKEN_HASH],
                                int64_t *id, int *found, struct err *e)
{
    return rows_find_i64(db, Q_INVOICE_BY_KEY, "find the invoice", ARGS(A_HASH(key)), id, found, e);
}

static const struct col invoice_cols[] = {
    COL_I64(struct invoice, id),
    COL_I64(struct invoice, number),
    COL_I64(struct invoice, appointment_id),
    COL_I64(struct invoice, client_id),
    COL_TEXT(struct invoice, client_name),
    COL_TEXT(struct invoice, therapist_id),
    COL_TEXT(struct invoice, currency),
    COL_INT(struct invoice, line_count),
    COL_I64(struct invoice, subtotal),
    COL_I64(struct invoice, discount),
    COL_TEXT(struct invoice, discount_reason),
    COL_I64(struct invoice, tax),
    COL_I64(struct invoice, tip),
    COL_I64(struct invoice, total),
    COL_TEXT(struct invoice, bill_to),
    COL_I64(struct invoice, issued_at),
    COL_I64(struct invoice, issued_by),
    COL_TEXT(struct invoice, issued_by_name),
    COL_I64(struct invoice, credited),
    COL_I64(struct invoice, paid),
    COL_I64(struct invoice, refunded),
    COL_I64(struct invoice, refund_pending),
};

enum err_code db_invoice(struct db *db, struct arena *a, int64_t id, struct invoice *out,
                         struct err *e)
{
    enum err_code rc =
        rows_one(db, a, Q_INVOICE, "read the invoice", ARGS(A_I64(id)), COLS(invoice_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "There is no invoice %lld.", (long long)id);
    return rc;
}

enum err_code db_invoices_of_appt(struct db *db, struct arena *a, int64_t appt_id,
                                  struct invoice **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_INVOICES_OF_APPT, "list the visit's invoices", ARGS(A_I64(appt_id)),
                     COLS(invoice_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_invoices_issued(struct db *db, struct arena *a, int64_t from, int64_t to,
                                 struct invoice **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_INVOICES_ISSUED, "list invoices", ARGS(A_I64(from), A_I64(to)),
                     COLS(invoice_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_invoices_of_client(struct db *db, struct arena *a, int64_t client_id, int64_t from,
                                    int64_t to, struct invoice **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_INVOICES_OF_CLIENT, "list the client's invoices",
                     ARGS(A_I64(client_id), A_I64(from), A_I64(to)), COLS(invoice_cols),
                     sizeof **out, (void **)out, n, e);
}

static const struct col line_cols[] = {
    COL_I64(struct invoice_line, id),
    COL_I64(struct invoice_line, invoice_id),
    COL_INT(struct invoice_line, position),
    COL_TEXT(struct invoice_line, kind),
    COL_TEXT(struct invoice_line, service_id),
    COL_TEXT(struct invoice_line, description),
    COL_TEXT(struct invoice_line, procedure_code),
    COL_INT(struct invoice_line, units),
    COL_INT(struct invoice_line, qty),
    COL_I64(struct invoice_line, unit_cents),
    COL_I64(struct invoice_line, discount_cents),
    COL_INT(struct invoice_line, tax_bp),
    COL_I64(struct invoice_line, tax_cents),
    COL_I64(struct invoice_line, amount_cents),
};

enum err_code db_invoice_lines(struct db *db, struct arena *a, int64_t invoice_id,
                               struct invoice_line **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_INVOICE_LINES, "read the invoice's lines", ARGS(A_I64(invoice_id)),
                     COLS(line_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_client_balance(struct db *db, int64_t client_id, int64_t *balance,
                                int64_t *invoices, struct err *e)
{
    int64_t pending;
    return db_client_balance_pending(db, client_id, balance, invoices, &pending, e);
}

enum err_code db_client_balance_pending(struct db *db, int64_t client_id, int64_t *balance,
                                        int64_t *invoices, int64_t *pending, struct err *e)
{
    struct rows r;
    enum err_code rc =
        rows_open(&r, db, Q_CLIENT_BALANCE, "read the client's balance", ARGS(A_I64(client_id)), e);
    if (rc != E_OK)
        return rc;
    int step = rows_next(&r, e);
    if (step < 0)
        return rows_code(e);
    *balance = step ? rows_i64(&r, 0) : 0;
    *invoices = step ? rows_i64(&r, 1) : 0;
    *pending = step ? rows_i64(&r, 2) : 0;
    rows_close(&r);
    return E_OK;
}

/* ---- payments, refunds, credit notes ---- */

enum err_code db_payment_add(struct db *db, const struct payment *p, int64_t *id, struct err *e)
{
    return rows_insert(db, Q_PAYMENT_ADD, "record the payment",
                       ARGS(p->invoice_id ? A_I64(p->invoice_id) : A_NULL,
                            p->appointment_id ? A_I64(p->appointment_id) : A_NULL,
                            A_TEXT(p->method), A_I64(p->amount), A_I64(p->tendered),
                            A_TEXT(p->reference), A_TEXT(p->status), A_TEXT(p->idem_key),
                            A_I64(p->created_at), A_I64(p->created_by), A_TEXT(p->created_by_name)),
                       id, e);
}

static const struct col payment_cols[] = {
    COL_I64(struct payment, id),
    COL_I64(struct payment, invoice_id),
    COL_I64(struct payment, appointment_id),
    COL_TEXT(struct payment, method),
    COL_I64(struct payment, amount),
    COL_I64(struct payment, tendered),
    COL_TEXT(struct payment, reference),
    COL_TEXT(struct payment, status),
    COL_I64(struct payment, created_at),
    COL_TEXT(struct payment, created_by_name),
    COL_I64(struct payment, refunded),
    COL_I64(struct payment, refund_pending),
};

enum err_code db_payments_taken(struct db *db, struct arena *a, int64_t from, int64_t to,
                                struct payment **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_PAYMENTS_TAKEN, "list payments", ARGS(A_I64(from), A_I64(to)),
                     COLS(payment_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_payment_by_key(struct db *db, struct arena *a, const char *key,
                                struct payment *out, int *found, struct err *e)
{
    return rows_find(db, a, Q_PAYMENT_BY_KEY, "find the payment", ARGS(A_TEXT(key)),
                     COLS(payment_cols), out, found, e);
}

enum err_code db_payment(struct db *db, struct arena *a, int64_t id, struct payment *out,
                         struct err *e)
{
    enum err_code rc =
        rows_one(db, a, Q_PAYMENT, "read the payment", ARGS(A_I64(id)), COLS(payment_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "There is no payment %lld.", (long long)id);
    return rc;
}

enum err_code db_payments_of_invoice(struct db *db, struct arena *a, int64_t invoice_id,
                                     struct payment **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_PAYMENTS_OF_INVOICE, "list the invoice's payments",
                     ARGS(A_I64(invoice_id)), COLS(payment_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_payments_pending(struct db *db, struct arena *a, struct payment **out, size_t *n,
                                  struct err *e)
{
    return rows_list(db, a, Q_PAYMENTS_PENDING, "list the card charges waiting", NOARGS,
                     COLS(payment_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_payments_of_appt_unbilled(struct db *db, struct arena *a, int64_t appt_id,
                                           struct payment **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_PAYMENTS_OF_APPT_UNBILLED, "list the visit's payments ahead",
                     ARGS(A_I64(appt_id)), COLS(payment_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_payments_attach(struct db *db, int64_t appt_id, int64_t invoice_id, struct err *e)
{
    return rows_exec(db, Q_PAYMENTS_ATTACH, "apply the visit's deposits",
                     ARGS(A_I64(appt_id), A_I64(invoice_id)), NULL, e);
}

enum err_code db_payments_credit_of_client(struct db *db, struct arena *a, int64_t client_id,
                                          int64_t except_appt, struct payment **out, size_t *n,
                                          struct err *e)
{
    return rows_list(db, a, Q_PAYMENTS_CREDIT_OF_CLIENT, "list the client's credit",
                     ARGS(A_I64(client_id), A_I64(except_appt)), COLS(payment_cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_payment_apply(struct db *db, int64_t payment_id, int64_t invoice_id,
                               int64_t *changed, struct err *e)
{
    return rows_exec(db, Q_PAYMENT_APPLY, "apply the client's credit",
                     ARGS(A_I64(payment_id), A_I64(invoice_id)), changed, e);
}

enum err_code db_payment_detach(struct db *db, int64_t payment_id, int64_t invoice_id,
                                int64_t *changed, struct err *e)
{
    return rows_exec(db, Q_PAYMENT_DETACH, "move the payment to the client's credit",
                     ARGS(A_I64(payment_id), A_I64(invoice_id)), changed, e);
}

enum err_code db_refund_add(struct db *db, const struct refund *f, const char *idem_key,
                            int64_t created_by, int64_t *id, struct err *e)
{
    return rows_insert(
        db, Q_REFUND_ADD, "record the refund",
        ARGS(A_I64(f->payment_id), A_I64(f->amount), A_TEXT(f->reason), A_TEXT(idem_key),
             A_I64(f->created_at), A_I64(created_by), A_TEXT(f->created_by_name),
             A_TEXT(f->status && *f->status ? f->status : "completed"),
             A_TEXT(f->method ? f->method : ""), A_TEXT(f->provider_key ? f->provider_key : "")),
        id, e);
}

enum err_code db_refund_by_key(struct db *db, const char *key, int64_t *id, int *found,
                               struct err *e)
{
    return rows_find_i64(db, Q_REFUND_BY_KEY, "find the refund", ARGS(A_TEXT(key)), id, found, e);
}

static const struct col refund_cols[] = {
    COL_I64(struct refund, id),
    COL_I64(struct refund, payment_id),
    COL_I64(struct refund, amount),
    COL_TEXT(struct refund, reason),
    COL_TEXT(struct refund, method),
    COL_I64(struct refund, created_at),
    COL_TEXT(struct refund, created_by_name),
    COL_TEXT(struct refund, status),
    COL_TEXT(struct refund, provider_key),
    COL_TEXT(struct refund, provider_ref),
    COL_TEXT(struct refund, failure),
    COL_TEXT(struct refund, card_last4),
    COL_I64(struct refund, settled_at),
    COL_I64(struct refund, invoice_id),
    COL_TEXT(struct refund, payment_ref),
    COL_TEXT(struct refund, payment_method),
};

enum err_code db_refunds_of_invoice(struct db *db, struct arena *a, int64_t invoice_id,
                                    struct refund **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_REFUNDS_OF_INVOICE, "list the invoice's refunds",
                     ARGS(A_I64(invoice_id)), COLS(refund_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_refund(struct db *db, struct arena *a, int64_t id, struct refund *out,
                        struct err *e)
{
    enum err_code rc =
        rows_one(db, a, Q_REFUND, "read the refund", ARGS(A_I64(id)), COLS(refund_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "There is no refund %lld.", (long long)id);
    return rc;
}

enum err_code db_refund_of_provider(struct db *db, struct arena *a, const char *key,
                                    const char *ref, struct refund *out, int *found, struct err *e)
{
    return rows_find(db, a, Q_REFUND_OF_PROVIDER, "find the provider's refund",
                     ARGS(A_TEXT(key ? key : ""), A_TEXT(ref ? ref : "")), COLS(refund_cols), out,
                     found, e);
}

enum err_code db_refunds_pending(struct db *db, struct arena *a, struct refund **out, size_t *n,
                                 struct err *e)
{
    return rows_list(db, a, Q_REFUNDS_PENDING, "list the refunds waiting for the provider", NOARGS,
                     COLS(refund_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_refund_settle(struct db *db, int64_t id, const char *status, const char *ref,
                               const char *failure, const char *last4, int64_t at, int64_t *changed,
                               struct err *e)
{
    return rows_exec(db, Q_REFUND_SETTLE, "record the provider's answer to the refund",
                     ARGS(A_I64(id), A_TEXT(status), A_TEXT(ref ? ref : ""),
                          A_TEXT(failure ? failure : ""), A_TEXT(last4 ? last4 : ""), A_I64(at)),
                     changed, e);
}

enum err_code db_credit_add(struct db *db, const struct credit_note *c, const char *idem_key,
                            int64_t created_by, int64_t *id, struct err *e)
{
    return rows_insert(db, Q_CREDIT_ADD, "issue the credit note",
                       ARGS(A_I64(c->invoice_id), A_I64(c->amount), A_TEXT(c->reason),
                            A_TEXT(idem_key), A_I64(c->created_at), A_I64(created_by),
                            A_TEXT(c->created_by_name)),
                       id, e);
}

enum err_code db_credit_by_key(struct db *db, const char *key, int64_t *id, int *found,
                               struct err *e)
{
    return rows_find_i64(db, Q_CREDIT_BY_KEY, "find the credit note", ARGS(A_TEXT(key)), id, found,
                         e);
}

static const struct col credit_cols[] = {
    COL_I64(struct credit_note, id),         COL_I64(struct credit_note, invoice_id),
    COL_I64(struct credit_note, amount),     COL_TEXT(struct credit_note, reason),
    COL_I64(struct credit_note, created_at), COL_TEXT(struct credit_note, created_by_name),
};

enum err_code db_credits_of_invoice(struct db *db, struct arena *a, int64_t invoice_id,
                                    struct credit_note **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_CREDITS_OF_INVOICE, "list the invoice's credit notes",
                     ARGS(A_I64(invoice_id)), COLS(credit_cols), sizeof **out, (void **)out, n, e);
}

/* ---- the day's takings and the drawer ---- */

static const struct col takings_cols[] = {
    COL_TEXT(struct takings_row, method),
    COL_I64(struct takings_row, count),
    COL_I64(struct takings_row, cents),
};

enum err_code db_takings(struct db *db, struct arena *a, int64_t location_id, int64_t from,
                         int64_t to, struct takings_row **paid, size_t *npaid, struct takings_row **refunded,
                         size_t *nrefunded, int64_t issued[4], struct err *e)
{
    struct rows r;
    enum err_code rc;
    if ((rc = rows_list(db, a, Q_TAKINGS_PAID, "sum the day's payments",
                        ARGS(A_I64(from), A_I64(to), A_I64(location_id)), COLS(takings_cols), sizeof **paid,
                        (void **)paid, npaid, e)) != E_OK ||
        (rc = rows_list(db, a, Q_TAKINGS_REFUNDED, "sum the day's refunds",
                        ARGS(A_I64(from), A_I64(to), A_I64(location_id)), COLS(takings_cols), sizeof **refunded,
                        (void **)refunded, nrefunded, e)) != E_OK ||
        (rc = rows_open(&r, db, Q_TAKINGS_ISSUED, "sum the day's invoices",
                        ARGS(A_I64(from), A_I64(to), A_I64(location_id)), e)) != E_OK)
        return rc;
    int step = rows_next(&r, e);
    if (step < 0)
        return rows_code(e);
    for (int i = 0; i < 4; i++)
        issued[i] = step ? rows_i64(&r, i) : 0;
    rows_close(&r);
    return E_OK;
}

enum err_code db_takings_refund_pending(struct db *db, struct arena *a, int64_t location_id,
                                        int64_t from, int64_t to, struct takings_row **out,
                                        size_t *n, struct err *e)
{
    return rows_list(db, a, Q_TAKINGS_REFUND_PENDING, "sum the day's refunds still pending",
                     ARGS(A_I64(from), A_I64(to), A_I64(location_id)), COLS(takings_cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_closeout_add(struct db *db, const struct closeout *c, int64_t created_by,
                              int64_t *id, struct err *e)
{
    return rows_insert(db, Q_CLOSEOUT_ADD, "record the cash count",
                       ARGS(A_TEXT(c->day), A_I64(c->float_cents), A_I64(c->counted),
                            A_I64(c->expected), A_TEXT(c->note), A_I64(c->created_at),
                            A_I64(created_by), A_TEXT(c->created_by_name), A_I64(c->location_id)),
                       id, e);
}

static const struct col closeout_cols[] = {
    COL_I64(struct closeout, id),          COL_TEXT(struct closeout, day),
    COL_I64(struct closeout, float_cents), COL_I64(struct closeout, counted),
    COL_I64(struct closeout, expected),    COL_TEXT(struct closeout, note),
    COL_I64(struct closeout, created_at),  COL_TEXT(struct closeout, created_by_name),
    COL_I64(struct closeout, location_id),
};

enum err_code db_closeouts_of_day(struct db *db, struct arena *a, const char *day,
                                  int64_t location_id, struct closeout **out, size_t *n,
                                  struct err *e)
{
    return rows_list(db, a, Q_CLOSEOUTS_OF_DAY, "read the day's cash counts",
                     ARGS(A_TEXT(day), A_I64(location_id)),
                     COLS(closeout_cols), sizeof **out, (void **)out, n, e);
}
