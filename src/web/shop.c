/* shop — the pages of packages and gift cards; see shop.h.  Amounts
 * are parsed by core/money, ids by util/num; every change is one call of
 * svc/prepaid.  A form that sells carries a one-time token ("once"): its
 * hash keys the sale, so a double click sells once.  A gift card's code is
 * rendered in the answer to the sale and nowhere else, ever again. */
#include "web/shop.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/auth.h"
#include "core/datetime.h"
#include "core/money.h"
#include "core/tz.h"
#include "store/store.h"
#include "svc/audit.h"
#include "svc/prepaid.h"
#include "svc/shop.h"
#include "svc/token.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/num.h"
#include "util/log.h"
#include "web/account.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"
#include "web/pay.h"
#include "web/proof.h"
#include "web/throttle.h"

static const char *amount(struct req *r, int64_t cents)
{
    char buf[48];
    return arena_strdup(r->arena, money_format(cents, r->app->cfg.currency, buf, sizeof buf));
}

static const char *once_new(struct req *r)
{
    char t[TOKEN_LEN];
    token_new(t, NULL);
    return arena_strdup(r->arena, t);
}

/* The local date of t, "Tuesday, November 24, 2026"; "" for 0. */
static const char *day(struct req *r, int64_t t)
{
    return t ? when_date_long(r->arena, when_local_date(r->app->tz, t)) : "";
}

static struct money_by staff_by(struct req *r, struct actor *who)
{
    *who = proof_actor(r, PROOF_STAFF);
    struct money_by by = {who, r->user && *r->user->name ? r->user->name : who->email,
                          r->app->hooks.webhooks};
    return by;
}

/* The sale's payment fields: method (cash or card), tendered, reference,
 * and the form's one-time token.  Returns NULL, or the sentence to show. */
static const char *pay_fields(struct req *r, struct prepaid_pay_in *pay)
{
    const char *t = form_value(r, "once");
    if (!token_valid(t))
        return "The form is out of date; open the page again and sell again.";
    token_hash(t, pay->key);
    pay->currency = r->app->cfg.currency;
    pay->reference = form_value(r, "reference");
    int m = money_method_parse(form_value(r, "method"));
    if (m != MONEY_CASH && m != MONEY_CARD)
        return "Choose how the buyer pays: cash or card (terminal).";
    pay->method = (enum money_method)m;
    if (m == MONEY_CASH &&
        money_parse(form_value(r, "tendered"), MONEY_MAX, &pay->tendered) < 0)
        return "Enter the cash handed over, such as 100 or 100.00.";
    return NULL;
}

static json_t *client_package_json(struct req *r, const struct client_package *p, int64_t now)
{
    int expired = p->expires_at && p->expires_at <= now;
    return json_pack("{s:s, s:I, s:i, s:s, s:s, s:b, s:s, s:s}", "name", p->name, "left",
                     (json_int_t)(p->left > 0 ? p->left : 0), "credits", p->credits, "expires",
                     p->expires_at ? day(r, p->expires_at) : "never", "sold", day(r, p->sold_at),
                     "expired", expired, "price", amount(r, p->price), "invoice_url",
                     p->invoice_id ? arena_printf(r->arena, "/staff/invoices/%" PRId64,
                                                  p->invoice_id)
                                   : "");
}

/* ---- /admin/packages ---- */

static void packages_page(struct req *r, int status, const char *msg)
{
    struct err e = {0};
    struct package *ps = NULL;
    struct service *ss = NULL;
    size_t n = 0, ns = 0;
    struct db *db = web_db(r);
    if (db_packages(db, r->arena, &ps, &n, &e) != E_OK ||
        db_services(db, r->arena, 0, &ss, &ns, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = chrome_context(r, "Packages", "admin");
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char pct[16];
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:s, s:b, s:s}", "id",
                            (json_int_t)ps[i].id, "name", ps[i].name, "service",
                            ps[i].service_name, "credits", ps[i].credits, "price",
                            amount(r, ps[i].price), "discount",
                            ps[i].discount_bp ? money_format_percent(ps[i].discount_bp, pct,
                                                                     sizeof pct)
                                              : "",
                            "valid",
                            ps[i].valid_months
                                ? arena_printf(r->arena, "%d month%s", ps[i].valid_months,
                                               ps[i].valid_months == 1 ? "" : "s")
                                : "no expiry",
                            "active", ps[i].active, "action_url",
                            arena_printf(r->arena, "/admin/packages/%" PRId64 "/active",
                                         ps[i].id)));
    }
    json_object_set_new(ctx, "packages", list);
    json_t *svc = json_array();
    const char *chosen = status == 200 ? "" : form_value(r, "service");
    for (size_t i = 0; i < ns; i++)
        json_array_append_new(svc, json_pack("{s:s, s:s, s:s, s:b}", "id", ss[i].id, "name",
                                             ss[i].name, "price", web_price(r, ss[i].price_cents),
                                             "selected", strcmp(chosen, ss[i].id) == 0));
    json_object_set_new(ctx, "services", svc);
    if (status != 200)
        json_object_set_new(
            ctx, "form",
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", form_value(r, "name"), "credits",
                      form_value(r, "credits"), "discount", form_value(r, "discount"), "price",
                      form_value(r, "price"), "valid_months", form_value(r, "valid_months")));
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    if (kv_get(&r->query, "saved"))
        json_object_set_new(ctx, "saved", json_true());
    page_render(r, status, "admin/packages", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void shop_packages(struct req *r)
{
    packages_page(r, 200, NULL);
}

void shop_package_add(struct req *r)
{
    struct err e = {0};
    struct prepaid_package_in in = {.name = form_value(r, "name"),
                                    .service_id = form_value(r, "service")};
    const char *price = form_value(r, "price"), *discount = form_value(r, "discount");
    if (num_parse_int(form_value(r, "credits"), 1, 100, &in.credits) < 0) {
        packages_page(r, 422, "Enter how many sessions the package holds: 1 to 100.");
        return;
    }
    if (num_parse_int(form_value(r, "valid_months"), 0, 120, &in.valid_months) < 0) {
        packages_page(r, 422, "Enter for how many months it is valid: 0 (no expiry) to 120.");
        return;
    }
    if (!form_blank(price)) {
        in.has_price = 1;
        if (!form_blank(discount) || money_parse(price, MONEY_MAX, &in.price) < 0) {
            packages_page(r, 422,
                          form_blank(discount)
                              ? "Enter the price such as 450 or 450.00."
                              : "Give a price or a discount, not both: the price is the "
                                "service's times the sessions less the discount.");
            return;
        }
    } else if (form_blank(discount) || money_parse_percent(discount, &in.discount_bp) < 0) {
        packages_page(r, 422,
                      "Give a price (such as 450.00) or a discount in percent (such as 10).");
        return;
    }
    int64_t id;
    if (prepaid_package_add(web_db(r), &in, clock_now(), &id, &e) != E_OK) {
        if (e.code == E_UNPROCESSABLE) {
            packages_page(r, 422, e.msg);
            return;
        }
        web_fail(r, &e);
        return;
    }
    form_see_other(r, "/admin/packages?saved=1");
}

void shop_package_active(struct req *r)
{
    struct err e = {0};
    int64_t id, changed = 0;
    int active;
    struct db *db = web_db(r);
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) < 0) {
        web_error(r, 404, NULL, "There is no such package.");
        return;
    }
    if (num_parse_int(form_value(r, "active"), 0, 1, &active) < 0) {
        packages_page(r, 422, "Archive (active=0) or offer again (active=1).");
        return;
    }
    if (db_begin(db, &e) != E_OK || db_package_set_active(db, id, active, &changed, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    if (changed == 0) {
        web_error(r, 404, NULL, "There is no such package.");
        return;
    }
    form_see_other(r, "/admin/packages?saved=1");
}

/* ---- selling a package from the client's page ---- */

int shop_client_context(struct req *r, int64_t client_id, json_t *ctx)
{
    struct err e = {0};
    struct client_package *cps = NULL;
    struct package *ps = NULL;
    size_t n = 0, np = 0;
    int64_t now = clock_now();
    struct db *db = web_db(r);
    if (db_client_packages(db, r->arena, client_id, &cps, &n, &e) != E_OK ||
        db_packages(db, r->arena, &ps, &np, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    json_t *o = json_object();
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, client_package_json(r, &cps[i], now));
    json_object_set_new(o, "held", list);
    json_t *offer = json_array();
    for (size_t i = 0; i < np; i++)
        if (ps[i].active)
            json_array_append_new(offer, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)ps[i].id,
                                                   "name", ps[i].name, "price",
                                                   amount(r, ps[i].price)));
    json_object_set_new(o, "can_sell", json_boolean(json_array_size(offer) > 0));
    json_object_set_new(o, "offer", offer);
    json_object_set_new(o, "sell_url",
                        json_string(arena_printf(r->arena, "/staff/clients/%" PRId64 "/packages",
                                                 client_id)));
    json_object_set_new(o, "once", json_string(once_new(r)));
    json_object_set_new(ctx, "packages", o);
    return 0;
}

void shop_client_sell(struct req *r)
{
    struct err e = {0};
    struct prepaid_pay_in pay = {0};
    int64_t client_id, package_id;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &client_id) < 0) {
        web_error(r, 404, NULL, "There is no such client.");
        return;
    }
    const char *why = pay_fields(r, &pay);
    if (!why && num_parse_i64(form_value(r, "package"), 1, INT64_MAX, &package_id) < 0)
        why = "Choose the package to sell.";
    if (why) {
        web_error(r, 422, "invalid_sale", why);
        return;
    }
    struct actor who;
    struct money_by by = staff_by(r, &who);
    struct prepaid_sold sold;
    if (prepaid_package_sell(web_db(r), &by, package_id, client_id, &pay, clock_now(), &sold,
                             &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/staff/invoices/%" PRId64 "?sold=package",
                                   sold.invoice_id));
}

/* ---- the portal and the manage page ---- */

int shop_portal_context(struct req *r, json_t *ctx)
{
    struct err e = {0};
    struct client_package *cps = NULL;
    size_t n = 0;
    int64_t now = clock_now();
    if (db_portal_packages(web_db(r), r->arena, r->user->id, &cps, &n, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, client_package_json(r, &cps[i], now));
    json_object_set_new(ctx, "has_packages", json_boolean(n > 0));
    json_object_set_new(ctx, "packages", list);
    return 0;
}

int shop_manage_context(struct req *r, const struct appointment *ap, json_t *ctx)
{
    struct err e = {0};
    struct client_package cp;
    int found = 0, returned = 0;
    if (db_package_credit_of_appt(web_db(r), r->arena, ap->id, &cp, &returned, &found, &e) !=
        E_OK) {
        web_fail(r, &e);
        return -1;
    }
    struct payment *ps = NULL;
    size_t n = 0;
    if (db_payments_of_appt_unbilled(web_db(r), r->arena, ap->id, &ps, &n, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(ps[i].method, "gift_card") == 0)
            json_object_set_new(ctx, "gift_paid",
                                json_pack("{s:s, s:s, s:b}", "amount",
                                          amount(r, ps[i].amount), "reference", ps[i].reference,
                                          "returned", ps[i].refunded >= ps[i].amount));
    if (found)
        json_object_set_new(ctx, "package_credit",
                            json_pack("{s:s, s:I, s:i, s:b}", "name", cp.name, "left",
                                      (json_int_t)cp.left, "credits", cp.credits, "returned",
                                      returned));
    return 0;
}

/* ---- /admin/gift-cards ---- */

static void gift_page(struct req *r, int status, const char *msg, const char *code,
                      const struct prepaid_sold *sold)
{
    struct err e = {0};
    struct gift_card *gs = NULL;
    size_t n = 0;
    int64_t now = clock_now();
    if (db_gift_cards(web_db(r), r->arena, &gs, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = chrome_context(r, "Gift cards", "gift_cards");
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "last4", gs[i].last4,
                      "amount", amount(r, gs[i].amount), "balance", amount(r, gs[i].balance),
                      "recipient", gs[i].recipient_name, "send", day(r, gs[i].send_at), "expires",
                      day(r, gs[i].expires_at), "sold",
                      day(r, gs[i].created_at), "expired",
                      gs[i].expires_at && gs[i].expires_at <= now, "invoice_url",
                      gs[i].invoice_id ? arena_printf(r->arena, "/staff/invoices/%" PRId64,
                                                      gs[i].invoice_id)
                                       : ""));
    json_object_set_new(ctx, "cards", list);
    json_object_set_new(ctx, "once", json_string(once_new(r)));
    char today[16];
    dt_format_date(when_local_date(web_zone(r, 0), now), today, sizeof today);
    json_object_set_new(ctx, "today", json_string(today));
    json_object_set_new(ctx, "expiry_months", json_integer(r->app->cfg.gift_card_expiry_months));
    if (status != 200 && status != 201)
        json_object_set_new(
            ctx, "form",
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "buyer_name",
                      form_value(r, "buyer_name"), "buyer_email", form_value(r, "buyer_email"),
                      "amount", form_value(r, "amount"), "recipient_name",
                      form_value(r, "recipient_name"), "recipient_email",
                      form_value(r, "recipient_email"), "send_on", form_value(r, "send_on"),
                      "message", form_value(r, "message")));
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    if (sold) {
        json_t *s = json_pack("{s:s, s:b}", "invoice_url",
                              arena_printf(r->arena, "/staff/invoices/%" PRId64, sold->invoice_id),
                              "again", sold->again);
        if (code && *code)
            json_object_set_new(s, "code", json_string(code));
        if (sold->change)
            json_object_set_new(s, "change", json_string(amount(r, sold->change)));
        json_object_set_new(ctx, "sold", s);
    }
    page_render(r, status, "admin/gift_cards", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void shop_gift_cards(struct req *r)
{
    gift_page(r, 200, NULL, NULL, NULL);
}

/* The form's day to e-mail a card (YYYY-MM-DD, blank = now): *at gets
 * 09:00 that day in the clinic's zone (its first location's), or stays now
 * for today.  Returns NULL, or why the day is refused. */
static const char *send_day(struct req *r, const char *send_on, int64_t now, int64_t *at)
{
    struct dt_date on;
    if (form_blank(send_on))
        return NULL;
    const struct tz *tz = web_zone(r, 0);
    struct dt_date today = when_local_date(tz, now);
    if (dt_parse_date(send_on, &on) < 0 || dt_date_to_days(on) < dt_date_to_days(today) ||
        dt_date_to_days(on) > dt_date_to_days(today) + 366)
        return "Choose the day to e-mail the card: today or a day within a year (YYYY-MM-DD).";
    if (dt_date_to_days(on) > dt_date_to_days(today))
        *at = prepaid_gift_send_at(tz, on);
    return NULL;
}

void shop_gift_sell(struct req *r)
{
    struct err e = {0};
    struct prepaid_pay_in pay = {0};
    struct prepaid_gift_in in = {
        .buyer_name = form_value(r, "buyer_name"),
        .buyer_email = form_value(r, "buyer_email"),
        .recipient_name = form_value(r, "recipient_name"),
        .recipient_email = form_value(r, "recipient_email"),
        .message = form_value(r, "message"),
        .expiry_months = r->app->cfg.gift_card_expiry_months,
        .clinic_name = r->app->cfg.name,
        .site_url = web_origin(r),
        .seal = r->app->code_seal,
    };
    const char *why = pay_fields(r, &pay);
    int64_t now = clock_now();
    const char *send_on = form_value(r, "send_on");
    if (!why && money_parse(form_value(r, "amount"), MONEY_MAX, &in.amount) < 0)
        why = "Enter the card's amount, such as 50 or 50.00.";
    in.send_at = now;
    if (!why)
        why = send_day(r, send_on, now, &in.send_at);
    if (why) {
        gift_page(r, 422, why, NULL, NULL);
        return;
    }
    struct actor who;
    struct money_by by = staff_by(r, &who);
    struct prepaid_sold sold;
    char code[TOKEN_CODE_LEN];
    if (prepaid_gift_sell(web_db(r), &by, &in, &pay, now, code, &sold, &e) != E_OK) {
        if (e.code == E_UNPROCESSABLE) {
            gift_page(r, 422, e.msg, NULL, NULL);
            return;
        }
        web_fail(r, &e);
        return;
    }
    gift_page(r, sold.again ? 200 : 201, NULL, code, &sold);
}

/* ---- bought online (public pages) ---- */

/* The public gift card page: the form when [payments] is set up, else
 * where to buy one; msg, when given, is the reason the form was refused. */
static void gift_public_page(struct req *r, int status, const char *msg)
{
    struct pay_provider p = web_pay_provider(r);
    const struct cfg *c = &r->app->cfg;
    int64_t now = clock_now();
    json_t *ctx = page_context(r, "Gift cards",
                               "Give a massage: a gift card bought online, e-mailed on the day "
                               "you choose.",
                               "gift_cards");
    const char *v = kv_get(&r->query, "paid");
    json_object_set_new(ctx, "paid", json_boolean(status == 200 && v && strcmp(v, "1") == 0));
    v = kv_get(&r->query, "cancelled");
    json_object_set_new(ctx, "cancelled",
                        json_boolean(status == 200 && v && strcmp(v, "1") == 0));
    json_object_set_new(ctx, "online", json_boolean(pay_enabled(&p)));
    json_object_set_new(ctx, "currency", json_string(c->currency));
    json_object_set_new(ctx, "min", json_string(amount(r, (int64_t)c->gift_card_min * 100)));
    json_object_set_new(ctx, "max", json_string(amount(r, (int64_t)c->gift_card_max * 100)));
    json_object_set_new(ctx, "expiry_months", json_integer(c->gift_card_expiry_months));
    char today[16];
    dt_format_date(when_local_date(web_zone(r, 0), now), today, sizeof today);
    json_object_set_new(ctx, "today", json_string(today));
    json_object_set_new(ctx, "csrf", json_string(web_csrf(r)));
    if (status != 200)
        json_object_set_new(
            ctx, "form",
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "buyer_name",
                      form_value(r, "buyer_name"), "buyer_email", form_value(r, "buyer_email"),
                      "amount", form_value(r, "amount"), "recipient_name",
                      form_value(r, "recipient_name"), "recipient_email",
                      form_value(r, "recipient_email"), "send_on", form_value(r, "send_on"),
                      "message", form_value(r, "message")));
    else
        json_object_set_new(ctx, "form", json_pack("{s:s}", "send_on", today));
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    page_render(r, status, "gift_cards", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void shop_gift_public(struct req *r)
{
    gift_public_page(r, 200, NULL);
}

/* Sends the buyer to checkout id's page at the provider; back to back_path
 * after paying (?paid=1) or not (?cancelled=1).  A provider that refused
 * or did not answer: the form again with why (the order is left to expire;
 * nothing was charged). */
static void to_checkout(struct req *r, int64_t id, const char *email, const char *back_path,
                        void (*again)(struct req *, int, const char *))
{
    struct pay_provider p = web_pay_provider(r);
    struct err e = {0};
    const char *url = NULL, *origin = web_origin(r);
    if (pay_checkout_start(web_db(r), r->arena, &p, id, email,
                           arena_printf(r->arena, "%s%s?paid=1", origin, back_path),
                           arena_printf(r->arena, "%s%s?cancelled=1", origin, back_path), &url,
                           &e) != E_OK) {
        log_warn("shop: checkout %lld not opened: %s", (long long)id, e.msg);
        again(r, 503,
              "The payment page could not be opened just now, and nothing was charged. "
              "Please try again in a few minutes, or buy at the front desk.");
        return;
    }
    web_private(r);
    form_see_other(r, url);
}

void shop_gift_buy(struct req *r)
{
    struct pay_provider p = web_pay_provider(r);
    const struct cfg *c = &r->app->cfg;
    struct err e = {0};
    int64_t now = clock_now(), id = 0;
    const char *why = NULL, *send_on = form_value(r, "send_on");
    struct prepaid_gift_in in = {
        .buyer_name = form_value(r, "buyer_name"),
        .buyer_email = form_value(r, "buyer_email"),
        .recipient_name = form_value(r, "recipient_name"),
        .recipient_email = form_value(r, "recipient_email"),
        .message = form_value(r, "message"),
        .send_at = now,
        .clinic_name = c->name,
    };
    if (!pay_enabled(&p)) {
        gift_public_page(r, 200, NULL); /* it says where to buy one */
        return;
    }
    if (throttle_refuse(r, THROTTLE_BOOK, in.buyer_email))
        return;
    if (money_parse(form_value(r, "amount"), MONEY_MAX, &in.amount) < 0)
        why = "Enter the card's amount, such as 50 or 50.00.";
    if (!why)
        why = send_day(r, send_on, now, &in.send_at);
    if (why) {
        gift_public_page(r, 422, why);
        return;
    }
    if (shop_gift_order(web_db(r), &p, &in, (int64_t)c->gift_card_min * 100,
                           (int64_t)c->gift_card_max * 100, now, &id, &e) != E_OK) {
        if (e.code == E_UNPROCESSABLE) {
            gift_public_page(r, 422, e.msg);
            return;
        }
        web_fail(r, &e);
        return;
    }
    throttle_note(r, THROTTLE_BOOK, in.buyer_email);
    to_checkout(r, id, in.buyer_email, "/gift-cards", gift_public_page);
}

/* The active packages, each with a buy button for a signed-in client when
 * [payments] is set up. */
static void packages_public_page(struct req *r, int status, const char *msg)
{
    struct pay_provider p = web_pay_provider(r);
    struct err e = {0};
    struct package *ps = NULL;
    size_t n = 0;
    if (db_packages(web_db(r), r->arena, &ps, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    int online = pay_enabled(&p);
    int client = account_authorize(r, AUTH_CLIENT) == 0;
    const char *csrf = web_csrf(r);
    json_t *ctx = page_context(r, "Packages",
                               "Several sessions paid ahead, for less: buy a package online.",
                               "packages");
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!ps[i].active)
            continue;
        json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:i}", "name", ps[i].name, "credits",
                              ps[i].credits, "service", ps[i].service_name, "price",
                              amount(r, ps[i].price), "valid_months", ps[i].valid_months);
        if (online && client && ps[i].price > 0)
            json_object_set_new(
                o, "buy",
                json_pack("{s:s, s:s}", "csrf", csrf, "action",
                          arena_printf(r->arena, "/packages/%" PRId64 "/buy", ps[i].id)));
        json_array_append_new(list, o);
    }
    json_object_set_new(ctx, "packages", list);
    json_object_set_new(ctx, "online", json_boolean(online));
    json_object_set_new(ctx, "signed_in", json_boolean(client));
    const char *v = kv_get(&r->query, "paid");
    json_object_set_new(ctx, "paid", json_boolean(status == 200 && v && strcmp(v, "1") == 0));
    v = kv_get(&r->query, "cancelled");
    json_object_set_new(ctx, "cancelled",
                        json_boolean(status == 200 && v && strcmp(v, "1") == 0));
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    page_render(r, status, "packages", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void shop_packages_public(struct req *r)
{
    packages_public_page(r, 200, NULL);
}

void shop_package_buy(struct req *r)
{
    struct pay_provider p = web_pay_provider(r);
    struct err e = {0};
    int64_t pid = 0, id = 0;
    if (!pay_enabled(&p)) {
        packages_public_page(r, 200, NULL); /* it says where to buy one */
        return;
    }
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &pid) < 0) {
        packages_public_page(r, 404, "There is no such package.");
        return;
    }
    if (throttle_refuse(r, THROTTLE_BOOK, r->user->email))
        return;
    if (shop_package_order(web_db(r), &p, pid, r->user->id, r->user->name, r->user->email,
                              clock_now(), &id, &e) != E_OK) {
        if (e.code == E_NOTFOUND || e.code == E_CONFLICT || e.code == E_FORBIDDEN) {
            packages_public_page(r, err_http_status(e.code), e.msg);
            return;
        }
        web_fail(r, &e);
        return;
    }
    throttle_note(r, THROTTLE_BOOK, r->user->email);
    to_checkout(r, id, r->user->email, "/packages", packages_public_page);
}
