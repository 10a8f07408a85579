/* pay — the web side of money online: the provider's webhook, the
 * booking's deposit and the appointment page's deposit state.  Every
 * change is svc/pay's; this parses and answers. */
#include "web/pay.h"

#include <string.h>

#include "app.h"
#include "svc/prepaid.h"
#include "svc/shop.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "web/form.h"
#include "svc/token.h"
#include "web/page.h"

struct pay_provider web_pay_provider(struct req *r)
{
    const struct cfg *c = &r->app->cfg;
    struct pay_provider p = {c->payments_base_url,
                             c->payments_key,
                             c->payments_webhook_secret,
                             c->currency,
                             c->payments_hold_minutes,
                             c->payments_timeout_seconds < 5 ? c->payments_timeout_seconds : 5,
                             c->payments_timeout_seconds,
                             r->app->hooks.webhooks,
                             c->name};
    return p;
}

void pay_webhook_post(struct req *r)
{
    struct pay_provider p = web_pay_provider(r);
    struct err e = {0};
    struct pay_event ev;
    if (!pay_enabled(&p)) {
        web_error(r, 404, "not_found", "Online payments are not configured here.");
        return;
    }
    /* a gift card or package bought online is sold here (svc/prepaid) */
    const struct cfg *c = &r->app->cfg;
    struct shop_online shop = {c->currency, c->name, web_origin(r), c->gift_card_expiry_months,
                               web_zone(r, 0), r->app->hooks.webhooks, r->app->code_seal};
    struct pay_handlers h = {shop_package_paid, shop_gift_paid, &shop};
    if (pay_webhook(web_db(r), r->arena, &p, &h, req_header(r, "Stripe-Signature"),
                    r->body.buf ? r->body.buf : "", r->body.len, clock_now(), &ev, &e) != E_OK) {
        web_problem(r, &e);
        return;
    }
    /* a paid hold's confirmation was waiting for this: the render worker
     * queues it now (and this waits for that pass, bounded) */
    if (ev.checkout_id && !ev.again && r->app->hooks.committed)
        r->app->hooks.committed(r->app->hooks.ctx);
    json_t *o = json_pack("{s:b, s:b}", "received", 1, "duplicate", ev.again);
    web_json(r, 200, o);
}

int pay_booking_deposit(struct req *r, const char *service_id, int64_t *cents, int *card)
{
    struct pay_provider p = web_pay_provider(r);
    struct service_deposit d;
    struct err e = {0};
    *cents = 0;
    *card = 0;
    if (!pay_enabled(&p))
        return 0;
    enum err_code rc = db_service_deposit(web_db(r), r->arena, service_id, &d, &e);
    if (rc == E_NOTFOUND)
        return 0; /* the booking itself says the service is unknown */
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    pay_deposit_cents(&d, cents, card);
    return 0;
}

void pay_send_to_checkout(struct req *r, int64_t checkout_id, const char *token, const char *email)
{
    struct pay_provider p = web_pay_provider(r);
    struct err e = {0};
    const char *url = NULL, *origin = web_origin(r);
    const char *back = arena_printf(r->arena, "%s/a/%s?paid=1", origin, token);
    const char *cancel = arena_printf(r->arena, "%s/a/%s", origin, token);
    web_private(r);
    if (pay_checkout_start(web_db(r), r->arena, &p, checkout_id, email, back, cancel, &url, &e) !=
        E_OK) {
        log_warn("payments: booking's checkout %lld not opened: %s", (long long)checkout_id, e.msg);
        form_see_other(r, arena_printf(r->arena, "/a/%s?deposit_error=1", token));
        return;
    }
    form_see_other(r, url);
}

int pay_manage_context(struct req *r, const struct appointment *ap, const char *token, json_t *ctx)
{
    struct checkout c;
    struct err e = {0};
    int found = 0;
    if (db_checkout_of_appt(web_db(r), r->arena, ap->id, &c, &found, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    if (!found)
        return 0;
    json_t *d = json_object();
    int held = strcmp(c.status, "creating") == 0 || strcmp(c.status, "open") == 0;
    json_object_set_new(d, "amount", json_string(web_price(r, (int)c.amount)));
    json_object_set_new(d, "card_only", json_boolean(strcmp(c.purpose, "card") == 0));
    int mismatch = *c.mismatch != '\0';
    held = held && !mismatch; /* the worker releases it at its next look */
    json_object_set_new(d, "held", json_boolean(held && strcmp(ap->status, "booked") == 0));
    json_object_set_new(d, "mismatch", json_boolean(mismatch));
    json_object_set_new(d, "paid", json_boolean(strcmp(c.status, "paid") == 0));
    json_object_set_new(
        d, "released",
        json_boolean(!mismatch &&
                     (strcmp(c.status, "expired") == 0 || strcmp(c.status, "failed") == 0)));
    json_object_set_new(d, "until", json_string(when_clock(r->app->tz, r->arena, c.hold_until, 0)));
    const char *v = kv_get(&r->query, "deposit_error");
    json_object_set_new(d, "error", json_boolean(v && strcmp(v, "1") == 0 && held));
    json_object_set_new(d, "action", json_string(arena_printf(r->arena, "/a/%s/deposit", token)));
    json_object_set_new(d, "csrf", json_string(web_csrf(r)));
    json_object_set_new(ctx, "deposit", d);
    if (held || mismatch) /* not booked until the provider confirms */
        json_object_del(ctx, "just_booked");
    return 0;
}

int pay_held_checkout(struct req *r, const struct appointment *ap, int64_t *id)
{
    struct checkout c;
    struct err e = {0};
    int found = 0;
    *id = 0;
    if (strcmp(ap->status, "booked") != 0)
        return 0;
    if (db_checkout_of_appt(web_db(r), r->arena, ap->id, &c, &found, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    if (found && (strcmp(c.status, "creating") == 0 || strcmp(c.status, "open") == 0) &&
        !*c.mismatch)
        *id = c.id;
    return 0;
}

int pay_portal_context(struct req *r, const struct appointment *ap, json_t *o)
{
    struct checkout c;
    struct err e = {0};
    int64_t id = 0;
    if (pay_held_checkout(r, ap, &id) < 0)
        return -1;
    if (!id)
        return 0;
    if (db_checkout(web_db(r), r->arena, id, &c, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    int card = strcmp(c.purpose, "card") == 0;
    json_object_set_new(
        o, "held",
        json_pack("{s:b, s:s, s:s}", "card_only", card, "amount",
                  web_price(r, (int)c.amount), "until",
                  when_clock(web_zone(r, ap->location_id), r->arena, c.hold_until, 0)));
    json_object_set_new(o, "status_label",
                        json_string(card ? "Waiting for your card" : "Waiting for your deposit"));
    json_object_set_new(o, "status", json_string("held"));
    return 0;
}

int pay_staff_context(struct req *r, const struct appointment *ap, json_t *ctx)
{
    struct checkout c;
    struct err e = {0};
    int found = 0;
    if (db_checkout_of_appt(web_db(r), r->arena, ap->id, &c, &found, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    if (!found)
        return 0;
    const struct tz *tz = web_zone(r, ap->location_id);
    const char *state;
    if (*c.mismatch)
        state = "paid amount does not match";
    else if (strcmp(c.status, "paid") == 0)
        state = "paid online";
    else if (strcmp(c.status, "creating") == 0 || strcmp(c.status, "open") == 0)
        state = arena_printf(r->arena, "waiting: the time is held until %s",
                             when_clock(tz, r->arena, c.hold_until, 0));
    else if (strcmp(c.status, "expired") == 0)
        state = "not paid in time: the hold was released";
    else
        state = "failed at the provider";
    json_t *o = json_pack("{s:s, s:s, s:s}", "what",
                          strcmp(c.purpose, "card") == 0 ? "Card on file" : "Deposit", "amount",
                          web_price(r, (int)c.amount), "state", state);
    if (*c.mismatch)
        json_object_set_new(o, "mismatch", json_string(c.mismatch));
    json_object_set_new(ctx, "online_payment", o);
    return 0;
}

void pay_deposit_again(struct req *r)
{
    const char *token = r->params[0];
    unsigned char hash[STORE_TOKEN_HASH];
    struct appointment ap;
    struct checkout c;
    struct err e = {0};
    int found = 0;
    if (!token_valid(token)) {
        web_error(r, 404, "not_found", "We could not find this appointment.");
        return;
    }
    token_hash(token, hash);
    if (db_appointment_by_token(web_db(r), r->arena, hash, &ap, &e) != E_OK ||
        db_checkout_of_appt(web_db(r), r->arena, ap.id, &c, &found, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (!found || strcmp(ap.status, "booked") != 0 || *c.mismatch ||
        (strcmp(c.status, "creating") != 0 && strcmp(c.status, "open") != 0)) {
        web_error(r, 409, "deposit_closed",
                  "This appointment has no deposit waiting: it is paid, or its hold ran out.");
        return;
    }
    pay_send_to_checkout(r, c.id, token, ap.client_email);
}

void pay_web_fee(struct req *r, int64_t appt_id)
{
    struct pay_provider p = web_pay_provider(r);
    struct err e = {0};
    int64_t inv = 0;
    if (pay_fee(web_db(r), &p, appt_id, r->app->cfg.currency, clock_now(), &inv, &e) != E_OK)
        log_warn("payments: the fee of appointment %lld was not billed now (%s); the worker "
                 "bills it",
                 (long long)appt_id, e.msg);
}

void pay_web_fee_void(struct req *r, int64_t appt_id, const char *reason)
{
    struct pay_provider p = web_pay_provider(r);
    struct err e = {0};
    const char *why = arena_printf(r->arena, "The no-show was undone at the desk: %s", reason);
    if (pay_fee_void(web_db(r), &p, appt_id, why, clock_now(), &e) != E_OK)
        log_warn("payments: the fee of appointment %lld was not voided now (%s); the worker "
                 "voids it",
                 (long long)appt_id, e.msg);
}
