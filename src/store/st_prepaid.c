/* st_prepaid — packages and gift cards in the store: what the admin
 * offers, the packages sold and their credits, the gift cards and their
 * entries.  Written once for every driver: named queries through rows.h.
 * It decides nothing: the transactions are svc/package.c's and
 * svc/giftcard.c's, and that no balance goes below nothing is the schema's
 * (migration 0059). */
#include "store/st.h"

static const struct col package_cols[] = {
    COL_I64(struct package, id),          COL_TEXT(struct package, name),
    COL_TEXT(struct package, service_id), COL_INT(struct package, credits),
    COL_INT(struct package, discount_bp), COL_INT(struct package, valid_months),
    COL_INT(struct package, active),      COL_I64(struct package, price),
    COL_I64(struct package, created_at),  COL_TEXT(struct package, service_name),
};

enum err_code db_packages(struct db *db, struct arena *a, struct package **out, size_t *n,
                          struct err *e)
{
    return rows_list(db, a, Q_PACKAGES, "list the packages", NOARGS, COLS(package_cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_package(struct db *db, struct arena *a, int64_t id, struct package *out,
                         struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_PACKAGE, "read the package", ARGS(A_I64(id)),
                                COLS(package_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "There is no such package.");
    return rc;
}

enum err_code db_package_add(struct db *db, const struct package *p, int64_t *id, struct err *e)
{
    return rows_insert(db, Q_PACKAGE_ADD, "save the package",
                       ARGS(A_TEXT(p->name), A_TEXT(p->service_id), A_I64(p->credits),
                            A_I64(p->price), A_I64(p->discount_bp), A_I64(p->valid_months),
                            A_I64(p->active), A_I64(p->created_at)),
                       id, e);
}

enum err_code db_package_set_active(struct db *db, int64_t id, int active, int64_t *changed,
                                    struct err *e)
{
    return rows_exec(db, Q_PACKAGE_SET_ACTIVE, "save the package",
                     ARGS(A_I64(id), A_I64(active ? 1 : 0)), changed, e);
}

static const struct col client_package_cols[] = {
    COL_I64(struct client_package, id),
    COL_I64(struct client_package, client_id),
    COL_I64(struct client_package, package_id),
    COL_TEXT(struct client_package, name),
    COL_TEXT(struct client_package, service_id),
    COL_INT(struct client_package, credits),
    COL_I64(struct client_package, price),
    COL_I64(struct client_package, invoice_id),
    COL_I64(struct client_package, expires_at),
    COL_I64(struct client_package, sold_at),
    COL_TEXT(struct client_package, sold_by_name),
    COL_I64(struct client_package, left),
};

enum err_code db_client_package_add(struct db *db, const struct client_package *p, int64_t *id,
                                    struct err *e)
{
    return rows_insert(db, Q_CLIENT_PACKAGE_ADD, "sell the package",
                       ARGS(A_I64(p->client_id), A_I64(p->package_id), A_TEXT(p->name),
                            A_TEXT(p->service_id), A_I64(p->credits), A_I64(p->price),
                            p->invoice_id ? A_I64(p->invoice_id) : A_NULL, A_I64(p->expires_at),
                            A_I64(p->sold_at), A_TEXT(p->sold_by_name)),
                       id, e);
}

enum err_code db_client_packages(struct db *db, struct arena *a, int64_t client_id,
                                 struct client_package **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_CLIENT_PACKAGES, "list the client's packages",
                     ARGS(A_I64(client_id)), COLS(client_package_cols), sizeof **out,
                     (void **)out, n, e);
}

enum err_code db_portal_packages(struct db *db, struct arena *a, int64_t user_id,
                                 struct client_package **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_PORTAL_PACKAGES, "list your packages", ARGS(A_I64(user_id)),
                     COLS(client_package_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_client_package_usable(struct db *db, struct arena *a, int64_t client_id,
                                       const char *service_id, int64_t at,
                                       struct client_package *out, int *found, struct err *e)
{
    return rows_find(db, a, Q_CLIENT_PACKAGE_USABLE, "find a package credit",
                     ARGS(A_I64(client_id), A_TEXT(service_id), A_I64(at)),
                     COLS(client_package_cols), out, found, e);
}

enum err_code db_package_credit_add(struct db *db, const struct package_credit *c, struct err *e)
{
    return rows_exec(db, Q_PACKAGE_CREDIT_ADD, "write the package credit",
                     ARGS(A_I64(c->client_package_id), A_TEXT(c->kind), A_I64(c->delta),
                          c->appointment_id ? A_I64(c->appointment_id) : A_NULL,
                          A_TEXT(c->reason ? c->reason : ""), A_I64(c->at), A_TEXT(c->by_name)),
                     NULL, e);
}

struct credit_row {
    struct client_package p;
    int returned; /* the query's last column: credits given back, or taken back by refunds */
};
static const struct col credit_row_cols[] = {
    COL_I64(struct credit_row, p.id),
    COL_I64(struct credit_row, p.client_id),
    COL_I64(struct credit_row, p.package_id),
    COL_TEXT(struct credit_row, p.name),
    COL_TEXT(struct credit_row, p.service_id),
    COL_INT(struct credit_row, p.credits),
    COL_I64(struct credit_row, p.price),
    COL_I64(struct credit_row, p.invoice_id),
    COL_I64(struct credit_row, p.expires_at),
    COL_I64(struct credit_row, p.sold_at),
    COL_TEXT(struct credit_row, p.sold_by_name),
    COL_I64(struct credit_row, p.left),
    COL_INT(struct credit_row, returned),
};

enum err_code db_package_credit_of_appt(struct db *db, struct arena *a, int64_t appointment_id,
                                        struct client_package *out, int *returned, int *found,
                                        struct err *e)
{
    struct credit_row r = {0};
    enum err_code rc = rows_find(db, a, Q_PACKAGE_CREDIT_OF_APPT, "read the visit's credit",
                                 ARGS(A_I64(appointment_id)), COLS(credit_row_cols), &r, found, e);
    if (rc == E_OK && *found) {
        *out = r.p;
        *returned = r.returned > 0;
    }
    return rc;
}

enum err_code db_client_package_of_sale(struct db *db, struct arena *a, int64_t invoice_id,
                                        struct client_package *out, int *refunded, int *found,
                                        struct err *e)
{
    struct credit_row r = {0};
    enum err_code rc = rows_find(db, a, Q_CLIENT_PACKAGE_OF_SALE, "read the package sold",
                                 ARGS(A_I64(invoice_id)), COLS(credit_row_cols), &r, found, e);
    if (rc == E_OK && *found) {
        *out = r.p;
        *refunded = r.returned;
    }
    return rc;
}

enum err_code db_client_package_lock(struct db *db, int64_t id, struct err *e)
{
    int64_t got = 0;
    int found = 0;
    return rows_find_i64(db, Q_CLIENT_PACKAGE_LOCK, "read the package sold", ARGS(A_I64(id)),
                         &got, &found, e);
}

/* ---- gift cards ---- */

static const struct col gift_card_cols[] = {
    COL_I64(struct gift_card, id),
    COL_TEXT(struct gift_card, last4),
    COL_I64(struct gift_card, amount),
    COL_TEXT(struct gift_card, currency),
    COL_I64(struct gift_card, invoice_id),
    COL_I64(struct gift_card, buyer_client_id),
    COL_TEXT(struct gift_card, recipient_name),
    COL_TEXT(struct gift_card, recipient_email),
    COL_TEXT(struct gift_card, message),
    COL_I64(struct gift_card, send_at),
    COL_I64(struct gift_card, expires_at),
    COL_I64(struct gift_card, created_at),
    COL_TEXT(struct gift_card, created_by_name),
    COL_I64(struct gift_card, balance),
    COL_I64(struct gift_card, refunded),
};

enum err_code db_gift_card_add(struct db *db, const struct gift_card *g,
                               const unsigned char hash[STORE_TOKEN_HASH],
                               const unsigned char *form_key, int64_t *id, struct err *e)
{
    return rows_insert(
        db, Q_GIFT_CARD_ADD, "issue the gift card",
        ARGS(A_HASH(hash), A_TEXT(g->last4), A_I64(g->amount), A_TEXT(g->currency),
             g->invoice_id ? A_I64(g->invoice_id) : A_NULL,
             g->buyer_client_id ? A_I64(g->buyer_client_id) : A_NULL, A_TEXT(g->recipient_name),
             A_TEXT(g->recipient_email), A_TEXT(g->message), A_I64(g->send_at),
             A_I64(g->expires_at), form_key ? A_HASH(form_key) : A_NULL, A_I64(g->created_at),
             A_TEXT(g->created_by_name)),
        id, e);
}

enum err_code db_gift_card_by_key(struct db *db, const unsigned char key[STORE_TOKEN_HASH],
                                  int64_t *id, int *found, struct err *e)
{
    return rows_find_i64(db, Q_GIFT_CARD_BY_KEY, "find the gift card", ARGS(A_HASH(key)), id,
                         found, e);
}

enum err_code db_gift_card_by_hash(struct db *db, struct arena *a,
                                   const unsigned char hash[STORE_TOKEN_HASH],
                                   struct gift_card *out, int *found, struct err *e)
{
    return rows_find(db, a, Q_GIFT_CARD_BY_HASH, "find the gift card", ARGS(A_HASH(hash)),
                     COLS(gift_card_cols), out, found, e);
}

enum err_code db_gift_card(struct db *db, struct arena *a, int64_t id, struct gift_card *out,
                           struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_GIFT_CARD, "read the gift card", ARGS(A_I64(id)),
                                COLS(gift_card_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "There is no such gift card.");
    return rc;
}

enum err_code db_gift_cards(struct db *db, struct arena *a, struct gift_card **out, size_t *n,
                            struct err *e)
{
    return rows_list(db, a, Q_GIFT_CARDS, "list the gift cards", NOARGS, COLS(gift_card_cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_gift_card_touch(struct db *db, int64_t id, int64_t now, struct err *e)
{
    return rows_exec(db, Q_GIFT_CARD_TOUCH, "redeem the gift card", ARGS(A_I64(id), A_I64(now)),
                     NULL, e);
}

enum err_code db_gift_card_entry_add(struct db *db, int64_t card_id, const char *kind,
                                     int64_t delta, int64_t payment_id, int64_t at,
                                     const char *by_name, struct err *e)
{
    return rows_exec(db, Q_GIFT_CARD_ENTRY_ADD, "write the gift card's entry",
                     ARGS(A_I64(card_id), A_TEXT(kind), A_I64(delta),
                          payment_id ? A_I64(payment_id) : A_NULL, A_I64(at), A_TEXT(by_name)),
                     NULL, e);
}

enum err_code db_gift_card_of_payment(struct db *db, int64_t payment_id, int64_t *card_id,
                                      int *found, struct err *e)
{
    return rows_find_i64(db, Q_GIFT_CARD_OF_PAYMENT, "find the payment's gift card",
                         ARGS(A_I64(payment_id)), card_id, found, e);
}

enum err_code db_gift_card_of_sale(struct db *db, int64_t invoice_id, int64_t *card_id, int *found,
                                   struct err *e)
{
    return rows_find_i64(db, Q_GIFT_CARD_OF_SALE, "find the gift card sold",
                         ARGS(A_I64(invoice_id)), card_id, found, e);
}

static const struct col online_sale_cols[] = {
    COL_I64(struct online_sale, id),
    COL_TEXT(struct online_sale, kind),
    COL_I64(struct online_sale, package_id),
    COL_I64(struct online_sale, client_id),
    COL_I64(struct online_sale, amount),
    COL_TEXT(struct online_sale, buyer_name),
    COL_TEXT(struct online_sale, buyer_email),
    COL_TEXT(struct online_sale, recipient_name),
    COL_TEXT(struct online_sale, recipient_email),
    COL_TEXT(struct online_sale, message),
    COL_I64(struct online_sale, send_at),
    COL_I64(struct online_sale, created_at),
};

enum err_code db_online_sale_add(struct db *db, const struct online_sale *s, int64_t *id,
                                 struct err *e)
{
    return rows_insert(db, Q_ONLINE_SALE_ADD, "save the order",
                       ARGS(A_TEXT(s->kind), A_I64(s->package_id),
                            s->client_id ? A_I64(s->client_id) : A_NULL, A_I64(s->amount),
                            A_TEXT(s->buyer_name), A_TEXT(s->buyer_email),
                            A_TEXT(s->recipient_name), A_TEXT(s->recipient_email),
                            A_TEXT(s->message), A_I64(s->send_at), A_I64(s->created_at)),
                       id, e);
}

enum err_code db_online_sale(struct db *db, struct arena *a, int64_t id, struct online_sale *out,
                             struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_ONLINE_SALE, "read the order", ARGS(A_I64(id)),
                                COLS(online_sale_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "There is no such order.");
    return rc;
}
