/* shop — gift cards and packages bought online; see shop.h. */
#include "svc/shop.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/booking.h"
#include "svc/audit.h"
#include "svc/token.h"
#include "util/arena.h"

/* A description's length in characters (UTF-8). */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* ---- bought online ---- */

static const struct actor online_actor = {0, "online shop", "system", "", PROOF_STAFF};

struct order_ctx {
    const struct pay_provider *p;
    struct online_sale sale;
    int64_t user_id; /* a package: the signed-in account it is for */
    const char *user_name, *user_email;
    const char *description;
    int64_t now, checkout_id;
};

/* The order and its checkout, in one transaction (nothing sold yet). */
static enum err_code order_tx(struct db *db, void *vctx, struct err *e)
{
    struct order_ctx *c = vctx;
    int64_t sale_id = 0;
    int yes = 0;
    enum err_code rc;
    if (c->user_id) {
        /* the account's own client row, by its address, which it must have
         * proven: so nobody buys credits onto someone else's record */
        c->sale.client_id = 0;
        if ((rc = db_client_for_booking(db, c->user_name, c->user_email, "", 0, c->now,
                                        &c->sale.client_id, e)) != E_OK ||
            (rc = db_portal_owns_client(db, c->user_id, c->sale.client_id, &yes, e)) != E_OK)
            return rc;
        if (!yes)
            return err_set(e, E_FORBIDDEN,
                           "Sign in once with the link we e-mail you (Account, \"E-mail me a "
                           "sign-in link\"), so the credits belong to an address you have "
                           "proven; then buy the package.");
    }
    if ((rc = db_online_sale_add(db, &c->sale, &sale_id, e)) != E_OK)
        return rc;
    struct pay_checkout_in in = {.purpose = c->sale.kind,
                                 .client_id = c->sale.client_id,
                                 .ref_id = sale_id,
                                 .amount = c->sale.amount,
                                 .description = c->description,
                                 .hold_until = c->now + (int64_t)c->p->hold_minutes * 60};
    return pay_checkout_record(db, c->p, &in, c->now, &c->checkout_id, e);
}

enum err_code shop_gift_order(struct db *db, const struct pay_provider *p,
                                 const struct prepaid_gift_in *in, int64_t min, int64_t max,
                                 int64_t now, int64_t *checkout_id, struct err *e)
{
    char lo[48], hi[48];
    *checkout_id = 0;
    if (!pay_enabled(p))
        return err_set(e, E_UNAVAILABLE, "Gift cards are sold at the clinic, not online.");
    if (in->amount < min || in->amount > max)
        return err_set(e, E_UNPROCESSABLE, "A gift card bought online is for %s to %s.",
                       money_format(min, p->currency, lo, sizeof lo),
                       money_format(max, p->currency, hi, sizeof hi));
    const char *why = NULL;
    if ((why = booking_check_name(in->buyer_name)) || (why = booking_check_email(in->buyer_email)))
        return err_set(e, E_UNPROCESSABLE, "Your details: %s", why);
    if (!strchr(in->buyer_email, '@'))
        return err_set(e, E_UNPROCESSABLE, "Enter your e-mail address: the receipt goes there.");
    enum err_code rc = prepaid_gift_check(in, e);
    if (rc != E_OK)
        return rc;
    struct arena *a = arena_new();
    struct order_ctx c = {
        .p = p,
        .sale = {.kind = "gift_card",
                 .amount = in->amount,
                 .buyer_name = in->buyer_name,
                 .buyer_email = in->buyer_email,
                 .recipient_name = in->recipient_name,
                 .recipient_email = in->recipient_email,
                 .message = in->message,
                 .send_at = *in->recipient_email ? in->send_at : now,
                 .created_at = now},
        .description = arena_printf(a, "Gift card of %s, %.100s",
                                    money_format(in->amount, p->currency, lo, sizeof lo),
                                    in->clinic_name),
        .now = now};
    rc = db_tx(db, order_tx, &c, e);
    if (rc == E_OK)
        *checkout_id = c.checkout_id;
    arena_free(a);
    return rc;
}

enum err_code shop_package_order(struct db *db, const struct pay_provider *p,
                                    int64_t package_id, int64_t user_id, const char *name,
                                    const char *email, int64_t now, int64_t *checkout_id,
                                    struct err *e)
{
    struct arena *a = arena_new();
    struct package pk;
    enum err_code rc;
    *checkout_id = 0;
    if (!pay_enabled(p)) {
        rc = err_set(e, E_UNAVAILABLE, "Packages are sold at the clinic, not online.");
        goto done;
    }
    if ((rc = db_package(db, a, package_id, &pk, e)) != E_OK)
        goto done;
    if (!pk.active) {
        rc = err_set(e, E_CONFLICT, "The package \"%s\" is no longer sold.", pk.name);
        goto done;
    }
    if (pk.price <= 0) {
        rc = err_set(e, E_CONFLICT, "The package \"%s\" is free: ask the clinic for it.",
                     pk.name);
        goto done;
    }
    const char *what = arena_printf(a, "Package: %s (%d x %s)", pk.name, pk.credits,
                                    pk.service_name);
    if (chars(what) > 200)
        what = arena_printf(a, "Package: %.100s", pk.name);
    struct order_ctx c = {.p = p,
                          .sale = {.kind = "package",
                                   .package_id = package_id,
                                   .amount = pk.price,
                                   .buyer_name = "",
                                   .buyer_email = "",
                                   .recipient_name = "",
                                   .recipient_email = "",
                                   .message = "",
                                   .created_at = now},
                          .user_id = user_id,
                          .user_name = name,
                          .user_email = email,
                          .description = what,
                          .now = now};
    rc = db_tx(db, order_tx, &c, e);
    if (rc == E_OK)
        *checkout_id = c.checkout_id;
done:
    arena_free(a);
    return rc;
}

/* The sale's key: the checkout's own, hashed, so one checkout sells once. */
static void online_pay(const struct shop_online *o, const struct checkout *c,
                       const char *payment_ref, struct arena *a, struct prepaid_pay_in *pay)
{
    *pay = (struct prepaid_pay_in){.method = MONEY_PROVIDER,
                                   .reference = payment_ref,
                                   .currency = c->currency && *c->currency ? c->currency
                                                                           : o->currency};
    token_hash(arena_printf(a, "online_sale:%s", c->idem_key), pay->key);
}

enum err_code shop_gift_paid(void *ctx, struct db *db, const struct checkout *c,
                                       const char *payment_ref, int64_t now, struct err *e)
{
    const struct shop_online *o = ctx;
    struct arena *a = arena_new();
    struct online_sale s;
    struct prepaid_pay_in pay;
    char code[TOKEN_CODE_LEN] = "";
    enum err_code rc = db_online_sale(db, a, c->ref_id, &s, e);
    if (rc != E_OK)
        goto done;
    if (strcmp(s.kind, "gift_card") != 0) {
        rc = err_set(e, E_INTERNAL, "checkout %lld names no gift card order", (long long)c->id);
        goto done;
    }
    online_pay(o, c, payment_ref, a, &pay);
    struct money_by by = {&online_actor, "Online purchase", o->webhooks};
    struct prepaid_gift_in in = {.amount = s.amount,
                                 .buyer_name = s.buyer_name,
                                 .buyer_email = s.buyer_email,
                                 .recipient_name = s.recipient_name,
                                 .recipient_email = s.recipient_email,
                                 .message = s.message,
                                 .send_at = s.send_at,
                                 .expiry_months = o->expiry_months,
                                 .clinic_name = o->clinic_name,
                                 .site_url = o->site_url,
                                 .tz = o->tz,
                                 .mail_buyer = 1,
                                 .seal = o->seal};
    struct prepaid_sold sold;
    rc = prepaid_gift_sell_in_tx(db, &by, &in, &pay, now, code, &sold, e);
done:
    sodium_memzero(code, sizeof code);
    arena_free(a);
    return rc;
}

enum err_code shop_package_paid(void *ctx, struct db *db, const struct checkout *c,
                                          const char *payment_ref, int64_t now, struct err *e)
{
    const struct shop_online *o = ctx;
    struct arena *a = arena_new();
    struct online_sale s;
    struct prepaid_pay_in pay;
    enum err_code rc = db_online_sale(db, a, c->ref_id, &s, e);
    if (rc != E_OK)
        goto done;
    if (strcmp(s.kind, "package") != 0 || !s.client_id) {
        rc = err_set(e, E_INTERNAL, "checkout %lld names no package order", (long long)c->id);
        goto done;
    }
    online_pay(o, c, payment_ref, a, &pay);
    struct money_by by = {&online_actor, "Online purchase", o->webhooks};
    struct prepaid_sold sold;
    rc = prepaid_package_sell_in_tx(db, &by, s.package_id, s.client_id, s.amount, &pay, now,
                                    &sold, e);
done:
    arena_free(a);
    return rc;
}
