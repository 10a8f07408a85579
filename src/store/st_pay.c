/* st_pay — money online in the store: a service's deposit, the checkouts
 * at the payment provider, the provider's webhook events by id, and a
 * client's card on file (the provider's customer).  Written once for every
 * driver: named queries through rows.h.  It decides nothing: svc/pay does. */
#include "store/st.h"

static const struct col deposit_cols[] = {
    COL_TEXT(struct service_deposit, kind),
    COL_I64(struct service_deposit, value),
    COL_I64(struct service_deposit, price),
};

enum err_code db_service_deposit(struct db *db, struct arena *a, const char *service_id,
                                 struct service_deposit *out, struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_SERVICE_DEPOSIT, "read the service's deposit",
                                ARGS(A_TEXT(service_id)), COLS(deposit_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no service '%s'", service_id);
    return rc;
}

enum err_code db_put_service_deposit(struct db *db, const char *service_id, const char *kind,
                                     int64_t value, struct err *e)
{
    return rows_exec(db, Q_PUT_SERVICE_DEPOSIT, "save the service's deposit",
                     ARGS(A_TEXT(service_id), A_TEXT(kind), A_I64(value)), NULL, e);
}

static const struct col checkout_cols[] = {
    COL_I64(struct checkout, id),
    COL_TEXT(struct checkout, purpose),
    COL_I64(struct checkout, appointment_id),
    COL_I64(struct checkout, client_id),
    COL_I64(struct checkout, ref_id),
    COL_I64(struct checkout, amount),
    COL_TEXT(struct checkout, currency),
    COL_TEXT(struct checkout, description),
    COL_TEXT(struct checkout, idem_key),
    COL_TEXT(struct checkout, session_id),
    COL_TEXT(struct checkout, url),
    COL_TEXT(struct checkout, status),
    COL_I64(struct checkout, hold_until),
    COL_I64(struct checkout, created_at),
    COL_I64(struct checkout, settled_at),
    COL_TEXT(struct checkout, mismatch),
};

enum err_code db_checkout_add(struct db *db, const struct checkout *c, int64_t *id, struct err *e)
{
    return rows_insert(db, Q_CHECKOUT_ADD, "record the checkout",
                       ARGS(A_TEXT(c->purpose),
                            c->appointment_id ? A_I64(c->appointment_id) : A_NULL,
                            c->client_id ? A_I64(c->client_id) : A_NULL, A_I64(c->ref_id),
                            A_I64(c->amount), A_TEXT(c->currency), A_TEXT(c->description),
                            A_TEXT(c->idem_key), A_I64(c->hold_until), A_I64(c->created_at)),
                       id, e);
}

enum err_code db_checkout(struct db *db, struct arena *a, int64_t id, struct checkout *out,
                          struct err *e)
{
    return rows_one(db, a, Q_CHECKOUT, "read the checkout", ARGS(A_I64(id)), COLS(checkout_cols),
                    out, e);
}

enum err_code db_checkout_by_key(struct db *db, struct arena *a, const char *key,
                                 struct checkout *out, int *found, struct err *e)
{
    return rows_find(db, a, Q_CHECKOUT_BY_KEY, "find the checkout", ARGS(A_TEXT(key)),
                     COLS(checkout_cols), out, found, e);
}

enum err_code db_checkout_of_appt(struct db *db, struct arena *a, int64_t appt_id,
                                  struct checkout *out, int *found, struct err *e)
{
    return rows_find(db, a, Q_CHECKOUT_OF_APPT, "find the appointment's checkout",
                     ARGS(A_I64(appt_id)), COLS(checkout_cols), out, found, e);
}

enum err_code db_checkout_opened(struct db *db, int64_t id, const char *session_id, const char *url,
                                 int64_t *changed, struct err *e)
{
    return rows_exec(db, Q_CHECKOUT_OPENED, "record the provider's checkout",
                     ARGS(A_I64(id), A_TEXT(session_id), A_TEXT(url)), changed, e);
}

enum err_code db_checkout_give_up(struct db *db, int64_t id, int64_t at, struct err *e)
{
    return rows_exec(db, Q_CHECKOUT_GIVE_UP, "end the checkout's hold", ARGS(A_I64(id), A_I64(at)),
                     NULL, e);
}

enum err_code db_checkout_settle(struct db *db, int64_t id, const char *status, int64_t at,
                                 const char *session_id, int64_t *changed, struct err *e)
{
    return rows_exec(db, Q_CHECKOUT_SETTLE, "settle the checkout",
                     ARGS(A_I64(id), A_TEXT(status), A_I64(at),
                          session_id && *session_id ? A_TEXT(session_id) : A_NULL),
                     changed, e);
}

enum err_code db_checkout_mismatch(struct db *db, int64_t id, const char *what, int64_t until,
                                   int64_t *changed, struct err *e)
{
    return rows_exec(db, Q_CHECKOUT_MISMATCH, "record the checkout's paid amount",
                     ARGS(A_I64(id), A_TEXT(what), A_I64(until)), changed, e);
}

enum err_code db_checkouts_expired(struct db *db, struct arena *a, int64_t now,
                                   struct checkout **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_CHECKOUTS_EXPIRED, "list the holds that ran out", ARGS(A_I64(now)),
                     COLS(checkout_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_payment_event_add(struct db *db, const char *event_id, const char *type,
                                   int64_t at, int *added, struct err *e)
{
    int64_t changed = 0; /* a replay changes no row (ON CONFLICT DO NOTHING) */
    enum err_code rc = rows_exec(db, Q_PAYMENT_EVENT_ADD, "record the provider's event",
                                 ARGS(A_TEXT(event_id), A_TEXT(type), A_I64(at)), &changed, e);
    *added = rc == E_OK && changed > 0;
    return rc;
}

enum err_code db_client_customer_set(struct db *db, int64_t client_id, const char *customer,
                                     struct err *e)
{
    return rows_exec(db, Q_CLIENT_CUSTOMER_SET, "keep the card on file",
                     ARGS(A_I64(client_id), A_TEXT(customer)), NULL, e);
}

/* ---- late-cancel and no-show fees ---- */

static const struct col fees_cols[] = {
    COL_TEXT(struct service_fees, late_kind),   COL_I64(struct service_fees, late_value),
    COL_TEXT(struct service_fees, noshow_kind), COL_I64(struct service_fees, noshow_value),
    COL_I64(struct service_fees, price),
};

enum err_code db_service_fees(struct db *db, struct arena *a, const char *service_id,
                              struct service_fees *out, struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_SERVICE_FEES, "read the service's fees",
                                ARGS(A_TEXT(service_id)), COLS(fees_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no service '%s'", service_id);
    return rc;
}

enum err_code db_put_service_fees(struct db *db, const char *service_id,
                                  const struct service_fees *f, struct err *e)
{
    return rows_exec(db, Q_PUT_SERVICE_FEES, "save the service's fees",
                     ARGS(A_TEXT(service_id), A_TEXT(f->late_kind), A_I64(f->late_value),
                          A_TEXT(f->noshow_kind), A_I64(f->noshow_value)),
                     NULL, e);
}

static const struct col agreement_cols[] = {
    COL_I64(struct fee_agreement, late),
    COL_I64(struct fee_agreement, noshow),
    COL_TEXT(struct fee_agreement, wording),
    COL_I64(struct fee_agreement, agreed_at),
};

enum err_code db_fee_agreement_add(struct db *db, int64_t appt_id, const struct fee_agreement *f,
                                   struct err *e)
{
    return rows_exec(db, Q_FEE_AGREEMENT_ADD, "record the agreement to the fees",
                     ARGS(A_I64(appt_id), A_I64(f->late), A_I64(f->noshow), A_TEXT(f->wording),
                          A_I64(f->agreed_at)),
                     NULL, e);
}

enum err_code db_fee_agreement(struct db *db, struct arena *a, int64_t appt_id,
                               struct fee_agreement *out, int *found, struct err *e)
{
    return rows_find(db, a, Q_FEE_AGREEMENT, "read the agreement to the fees", ARGS(A_I64(appt_id)),
                     COLS(agreement_cols), out, found, e);
}

/* The ids a list query answers (50 at most: its LIMIT), into *ids on a. */
static enum err_code ids_of(struct db *db, struct arena *a, enum q_id q, const char *what,
                            int64_t **ids, size_t *n, struct err *e)
{
    struct rows rs;
    enum err_code rc = rows_open(&rs, db, q, what, NOARGS, e);
    size_t cap = 50;
    *n = 0;
    *ids = arena_array(a, cap, sizeof **ids);
    if (rc != E_OK)
        return rc;
    int got;
    while ((got = rows_next(&rs, e)) == 1)
        if (*n < cap)
            (*ids)[(*n)++] = rows_i64(&rs, 0);
    return got < 0 ? rows_code(e) : E_OK;
}

enum err_code db_fees_due(struct db *db, struct arena *a, int64_t **ids, size_t *n, struct err *e)
{
    return ids_of(db, a, Q_FEES_DUE, "list the fees due", ids, n, e);
}

enum err_code db_fees_to_void(struct db *db, struct arena *a, int64_t **ids, size_t *n,
                              struct err *e)
{
    return ids_of(db, a, Q_FEES_TO_VOID, "list the fees of visits no longer missed", ids, n, e);
}

enum err_code db_fee_invoice_of_appt(struct db *db, int64_t appt_id, int64_t *invoice_id,
                                     int64_t *count, struct err *e)
{
    struct rows rs;
    enum err_code rc = rows_open(&rs, db, Q_FEE_INVOICE_OF_APPT, "find the visit's fee invoice",
                                 ARGS(A_I64(appt_id)), e);
    *invoice_id = 0;
    *count = 0;
    if (rc != E_OK)
        return rc;
    int got = rows_next(&rs, e);
    if (got < 0)
        return rows_code(e);
    if (got) {
        *invoice_id = rows_i64(&rs, 0);
        *count = rows_i64(&rs, 1);
        rows_close(&rs);
    }
    return E_OK;
}

enum err_code db_payment_settle(struct db *db, int64_t id, const char *status,
                                const char *reference, int64_t *changed, struct err *e)
{
    return rows_exec(db, Q_PAYMENT_SETTLE, "record the provider's answer",
                     ARGS(A_I64(id), A_TEXT(status), A_TEXT(reference)), changed, e);
}

enum err_code db_client_customer(struct db *db, struct arena *a, int64_t client_id,
                                 const char **customer, struct err *e)
{
    int found = 0;
    struct rows rs;
    enum err_code rc =
        rows_open(&rs, db, Q_CLIENT_CUSTOMER, "read the card on file", ARGS(A_I64(client_id)), e);
    *customer = "";
    if (rc != E_OK)
        return rc;
    if ((found = rows_next(&rs, e)) < 0)
        return rows_code(e);
    if (found) {
        *customer = rows_text(&rs, a, 0);
        rows_close(&rs);
    }
    return E_OK;
}
