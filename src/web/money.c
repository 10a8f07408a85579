/* money — the desk's checkout, receipts, close-out and superbills; see
 * money.h.  Handlers parse strictly (amounts through core/money_parse,
 * ids and dates through util/num and core/datetime), call svc/money for
 * every change and render.  No money rule lives here: the sums are
 * core/money's, the ledger's transactions svc/money's.
 *
 * A form that changes money carries a one-time token ("once", made by
 * svc/token when the page is drawn); its hash is the change's idempotency
 * key, so a double click or a resent form records one change and lands on
 * the same page. */
#include "web/money.h"

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
#include "svc/money.h"
#include "svc/notice.h"
#include "svc/token.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/num.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"
#include "web/pay.h"
#include "web/proof.h"
#include "web/throttle.h"

#define ADDONS 3          /* add-on rows on the checkout form */
#define DESC_MAX 120      /* an add-on's description */
#define REASON_MAX 200    /* a discount's reason */
#define BILL_TO_MAX 200   /* the third party who pays */
#define REF_MAX 100       /* a terminal's or insurer's reference */
#define WHY_MAX 500       /* a refund's or credit note's reason */
#define SPAN_DAYS_MAX 366 /* a superbill covers at most a year */

/* ---- small helpers ---- */

static const char *amount(struct req *r, int64_t cents)
{
    char buf[48];
    return arena_strdup(r->arena, money_format(cents, r->app->cfg.currency, buf, sizeof buf));
}

/* An amount field as typed back into the form: "45.50". */
static const char *plain(struct req *r, int64_t cents)
{
    return arena_printf(r->arena, "%lld.%02lld", (long long)(cents / 100),
                        (long long)(cents % 100));
}

/* The {id} capture as a positive id; 0 (after a 404 page) when malformed. */
static int64_t path_id(struct req *r, const char *what)
{
    int64_t id;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) < 0) {
        web_error(r, 404, NULL, arena_printf(r->arena, "There is no such %s.", what));
        return 0;
    }
    return id;
}

static struct money_by staff_by(struct req *r, struct actor *who)
{
    *who = proof_actor(r, PROOF_STAFF);
    struct money_by by = {who, r->user && *r->user->name ? r->user->name : who->email,
                          r->app->hooks.webhooks};
    return by;
}

/* A fresh one-time token for a form. */
static const char *once_new(struct req *r)
{
    char t[TOKEN_LEN];
    token_new(t, NULL);
    return arena_strdup(r->arena, t);
}

/* The submitted one-time token's hash, and as text ("desk:<hex>") for the
 * ledger's idempotency keys.  Returns 0, or -1 (no valid token). */
static int once_key(struct req *r, unsigned char hash[STORE_TOKEN_HASH], const char **text)
{
    const char *t = form_value(r, "once");
    if (!token_valid(t))
        return -1;
    token_hash(t, hash);
    char hex[2 * STORE_TOKEN_HASH + 1];
    for (size_t i = 0; i < STORE_TOKEN_HASH; i++)
        snprintf(hex + 2 * i, 3, "%02x", hash[i]);
    *text = arena_printf(r->arena, "desk:%s", hex);
    return 0;
}

static const char *day_label(struct req *r, int64_t t)
{
    return when_date_medium(r->arena, when_local_date(r->app->tz, t));
}

static const char *clock_label(struct req *r, int64_t t)
{
    return when_clock(r->app->tz, r->arena, t, 0);
}

/* The visit's day and time in its location's zone. */
static const char *visit_day(struct req *r, const struct appointment *ap)
{
    return when_date_medium(r->arena, when_local_date(web_zone(r, ap->location_id), ap->start));
}

static const char *visit_clock(struct req *r, const struct appointment *ap)
{
    return when_clock(web_zone(r, ap->location_id), r->arena, ap->start, 0);
}

static int checked_in(const struct appointment *ap)
{
    return strcmp(ap->status, "checked_in") == 0 || strcmp(ap->status, "completed") == 0;
}

/* ---- an invoice as the pages and the e-mail show it ---- */

struct ledger {
    struct invoice inv;
    struct invoice_line *lines;
    struct payment *pays;
    struct refund *refunds;
    struct credit_note *credits;
    size_t nlines, npays, nrefunds, ncredits;
};

static enum err_code ledger_load(struct req *r, int64_t id, struct ledger *l, struct err *e)
{
    struct db *db = web_db(r);
    enum err_code rc;
    memset(l, 0, sizeof *l);
    if ((rc = db_invoice(db, r->arena, id, &l->inv, e)) != E_OK ||
        (rc = db_invoice_lines(db, r->arena, id, &l->lines, &l->nlines, e)) != E_OK ||
        (rc = db_payments_of_invoice(db, r->arena, id, &l->pays, &l->npays, e)) != E_OK ||
        (rc = db_refunds_of_invoice(db, r->arena, id, &l->refunds, &l->nrefunds, e)) != E_OK ||
        (rc = db_credits_of_invoice(db, r->arena, id, &l->credits, &l->ncredits, e)) != E_OK)
        return rc;
    return E_OK;
}

static const char *method_label(const char *name)
{
    int m = money_method_parse(name);
    return m < 0 ? name : money_method_label((enum money_method)m);
}

static int64_t balance_of(const struct invoice *i)
{
    return money_balance(i->total, i->credited, i->paid, i->refunded);
}

/* The invoice as JSON; forms (refund buttons) when desk is set. */
static json_t *ledger_json(struct req *r, const struct ledger *l, const struct appointment *ap,
                           int desk)
{
    const struct invoice *i = &l->inv;
    json_t *o = json_object(), *lines = json_array(), *pays = json_array(), *credits = json_array();
    int64_t bal = balance_of(i);
    /* where the visit was: its location's address and zone (the config
     * file's for an invoice with no appointment) */
    const struct tz *tz = ap && ap->id ? web_zone(r, ap->location_id) : r->app->tz;
    json_object_set_new(o, "address",
                        json_string(ap && ap->id && ap->location_address && *ap->location_address
                                        ? ap->location_address
                                        : r->app->cfg.address));
    json_object_set_new(o, "id", json_integer(i->id));
    json_object_set_new(o, "number", json_integer(i->number));
    json_object_set_new(o, "url",
                        json_string(arena_printf(r->arena, "/staff/invoices/%" PRId64, i->id)));
    json_object_set_new(
        o, "date",
        json_string(when_date_long(r->arena, when_local_date(tz, i->issued_at))));
    json_object_set_new(o, "issued_by", json_string(i->issued_by_name));
    json_object_set_new(o, "client", json_string(i->client_name));
    if (ap) {
        json_object_set_new(
            o, "visit",
            json_string(arena_printf(r->arena, "%s with %s, %s at %s", ap->service_name,
                                     ap->therapist_name, visit_day(r, ap),
                                     visit_clock(r, ap))));
        json_object_set_new(o, "checkout_url",
                            json_string(arena_printf(
                                r->arena, "/staff/appointments/%" PRId64 "/checkout", ap->id)));
    }
    for (size_t k = 0; k < l->nlines; k++) {
        const struct invoice_line *x = &l->lines[k];
        char pct[16];
        json_t *lj = json_pack("{s:s, s:i, s:b, s:s, s:s, s:s, s:s}", "description", x->description,
                               "qty", x->qty, "qty_many", x->qty > 1, "unit",
                               amount(r, x->unit_cents), "gross", amount(r, x->unit_cents * x->qty),
                               "amount", amount(r, x->amount_cents), "code", x->procedure_code);
        if (x->tax_bp)
            json_object_set_new(lj, "tax_rate",
                                json_string(money_format_percent(x->tax_bp, pct, sizeof pct)));
        json_array_append_new(lines, lj);
    }
    json_object_set_new(o, "lines", lines);
    json_object_set_new(o, "subtotal", json_string(amount(r, i->subtotal)));
    if (i->discount) {
        json_object_set_new(o, "discount", json_string(amount(r, i->discount)));
        json_object_set_new(o, "discount_reason", json_string(i->discount_reason));
    }
    json_object_set_new(o, "tax", json_string(amount(r, i->tax)));
    if (i->tip)
        json_object_set_new(o, "tip", json_string(amount(r, i->tip)));
    json_object_set_new(o, "total", json_string(amount(r, i->total)));
    for (size_t k = 0; k < l->ncredits; k++)
        json_array_append_new(credits, json_pack("{s:s, s:s, s:s, s:s}", "amount",
                                                 amount(r, l->credits[k].amount), "reason",
                                                 l->credits[k].reason, "date",
                                                 day_label(r, l->credits[k].created_at), "by",
                                                 l->credits[k].created_by_name));
    json_object_set_new(o, "credits", credits);
    for (size_t k = 0; k < l->npays; k++) {
        const struct payment *p = &l->pays[k];
        json_t *pj = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)p->id,
                               "method", method_label(p->method), "method_name", p->method,
                               "amount", amount(r, p->amount), "date",
                               arena_printf(r->arena, "%s, %s", day_label(r, p->created_at),
                                            clock_label(r, p->created_at)),
                               "reference", p->reference, "by", p->created_by_name);
        if (strcmp(p->status, "completed") != 0)
            json_object_set_new(pj, "status", json_string(p->status));
        if (p->tendered > p->amount) {
            json_object_set_new(pj, "tendered", json_string(amount(r, p->tendered)));
            json_object_set_new(pj, "change", json_string(amount(r, p->tendered - p->amount)));
        }
        json_t *rf = json_array();
        for (size_t q = 0; q < l->nrefunds; q++) {
            const struct refund *f = &l->refunds[q];
            if (f->payment_id != p->id)
                continue;
            json_t *fj = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)f->id,
                                   "amount", amount(r, f->amount), "reason", f->reason, "method",
                                   method_label(f->method), "date", day_label(r, f->created_at),
                                   "by", f->created_by_name, "status", f->status);
            /* a card refund waits for the provider, or it declined: the
             * ledger counts neither as money back */
            if (strcmp(f->status, "pending") == 0)
                json_object_set_new(fj, "pending", json_true());
            if (strcmp(f->status, "failed") == 0) {
                json_object_set_new(fj, "failed", json_true());
                json_object_set_new(fj, "failure", json_string(f->failure));
            }
            json_array_append_new(rf, fj);
        }
        json_object_set_new(pj, "refunds", rf);
        int64_t left = p->amount - p->refunded;
        if (desk && left > 0 && strcmp(p->status, "completed") == 0) {
            json_object_set_new(pj, "refundable", json_string(amount(r, left)));
            json_object_set_new(pj, "refundable_plain", json_string(plain(r, left)));
            json_object_set_new(pj, "once", json_string(once_new(r)));
            /* a card payment can also be paid back in cash (the card
             * refused it, or the client asks) */
            if (strcmp(p->method, "provider") == 0 || strcmp(p->method, "card") == 0)
                json_object_set_new(pj, "cash_choice", json_true());
            if (strcmp(p->method, "provider") == 0)
                json_object_set_new(pj, "online", json_true());
        }
        json_array_append_new(pays, pj);
    }
    json_object_set_new(o, "payments", pays);
    if (i->refund_pending)
        json_object_set_new(o, "refund_pending", json_string(amount(r, i->refund_pending)));
    json_object_set_new(o, "balance", json_string(amount(r, bal < 0 ? -bal : bal)));
    json_object_set_new(o, "balance_plain", json_string(plain(r, bal > 0 ? bal : 0)));
    json_object_set_new(o, "balance_label",
                        json_string(bal > 0   ? "Balance due"
                                    : bal < 0 ? "Owed to the client"
                                              : "Paid in full"));
    json_object_set_new(o, "open", json_boolean(bal > 0));
    json_object_set_new(o, "owed_back", json_boolean(bal < 0));
    json_object_set_new(o, "paid_in_full", json_boolean(bal == 0));
    if (*i->bill_to)
        json_object_set_new(o, "bill_to", json_string(i->bill_to));
    if (desk && i->total - i->credited > 0) {
        json_object_set_new(o, "creditable", json_string(amount(r, i->total - i->credited)));
        json_object_set_new(o, "credit_once", json_string(once_new(r)));
    }
    if (desk && bal > 0)
        json_object_set_new(o, "pay_once", json_string(once_new(r)));
    return o;
}

/* ---- the checkout page ---- */

static int find_appt(struct req *r, struct appointment *ap)
{
    struct err e = {0};
    int64_t id = path_id(r, "appointment");
    if (!id)
        return -1;
    enum err_code rc = db_appointment(web_db(r), r->arena, id, ap, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL,
                  "There is no such appointment. Find it on the day view or the client's page.");
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

/* What the checkout form asked for, parsed into in; errors per field. */
static void read_checkout(struct req *r, const struct appointment *ap, struct money_issue_in *in,
                          json_t *errors, json_t *form, struct err *e, enum err_code *rc)
{
    *rc = money_visit_line(web_db(r), r->arena, ap, &in->lines[0], e);
    if (*rc != E_OK)
        return;
    in->nlines = 1;
    in->appointment_id = ap->id;
    in->currency = r->app->cfg.currency;
    for (int k = 1; k <= ADDONS; k++) {
        const char *dk = arena_printf(r->arena, "addon_%d", k);
        const char *pk = arena_printf(r->arena, "addon_%d_price", k);
        const char *d = form_text(r, errors, dk, "add-on", 0, DESC_MAX);
        const char *p = form_value(r, pk);
        json_object_set_new(form, dk, json_string(d));
        json_object_set_new(form, pk, json_string(p));
        if (form_blank(d) && form_blank(p))
            continue;
        int64_t cents = 0;
        if (form_blank(d))
            form_error(errors, dk, "Name the add-on, or clear its price.");
        if (money_parse(p, MONEY_MAX, &cents) < 0)
            form_error(errors, pk, "Enter the add-on's price, such as 15 or 15.00.");
        in->lines[in->nlines++] = (struct money_line_in){
            .kind = "addon",
            .description = d,
            .qty = 1,
            .tax_bp = in->lines[0].tax_bp, /* taxed as the visit's service */
            .unit = cents,
        };
    }
    const char *kind = form_value(r, "discount_kind"), *dv = form_value(r, "discount");
    json_object_set_new(form, "discount", json_string(dv));
    json_object_set_new(form, "discount_kind", json_string(*kind ? kind : "none"));
    in->discount.kind = MONEY_DISCOUNT_NONE;
    if (strcmp(kind, "amount") == 0 || strcmp(kind, "percent") == 0) {
        int pct = strcmp(kind, "percent") == 0;
        if (pct) {
            int bp;
            if (money_parse_percent(dv, &bp) < 0)
                form_error(errors, "discount", "Enter a percentage from 0 to 100, such as 10.");
            else
                in->discount = (struct money_discount){MONEY_DISCOUNT_PERCENT, bp};
        } else {
            int64_t cents;
            if (money_parse(dv, MONEY_MAX, &cents) < 0)
                form_error(errors, "discount", "Enter the discount as an amount, such as 10.00.");
            else
                in->discount = (struct money_discount){MONEY_DISCOUNT_AMOUNT, cents};
        }
    } else if (*kind && strcmp(kind, "none") != 0) {
        form_error(errors, "discount", "Choose no discount, an amount or a percentage.");
    }
    in->discount_reason = form_text(r, errors, "discount_reason", "reason", 0, REASON_MAX);
    json_object_set_new(form, "discount_reason", json_string(in->discount_reason));
    if (in->discount.kind != MONEY_DISCOUNT_NONE && in->discount.value > 0 &&
        form_blank(in->discount_reason))
        form_error(errors, "discount_reason", "Give the reason for the discount.");
    const char *tip = form_value(r, "tip");
    json_object_set_new(form, "tip", json_string(tip));
    in->tip = 0;
    if (!form_blank(tip) && money_parse(tip, MONEY_MAX, &in->tip) < 0)
        form_error(errors, "tip", "Enter the tip as an amount, such as 20 or 20.00.");
    in->bill_to = form_text(r, errors, "bill_to", "third party", 0, BILL_TO_MAX);
    json_object_set_new(form, "bill_to", json_string(in->bill_to));
    *rc = E_OK;
}

/* The preview of lines priced by core/money, for the page. */
static json_t *preview_json(struct req *r, const struct money_issue_in *in,
                            const struct money_line *lines, const struct money_totals *t)
{
    json_t *o = json_object(), *ls = json_array();
    for (size_t k = 0; k < in->nlines; k++) {
        char pct[16];
        json_t *lj = json_pack("{s:s, s:s, s:s, s:s}", "description", in->lines[k].description,
                               "gross", amount(r, lines[k].gross), "tax", amount(r, lines[k].tax),
                               "amount", amount(r, lines[k].amount));
        if (lines[k].tax_bp)
            json_object_set_new(
                lj, "tax_rate",
                json_string(money_format_percent(lines[k].tax_bp, pct, sizeof pct)));
        if (lines[k].discount)
            json_object_set_new(lj, "discount", json_string(amount(r, lines[k].discount)));
        json_array_append_new(ls, lj);
    }
    json_object_set_new(o, "lines", ls);
    json_object_set_new(o, "subtotal", json_string(amount(r, t->subtotal)));
    if (t->discount)
        json_object_set_new(o, "discount", json_string(amount(r, t->discount)));
    json_object_set_new(o, "tax", json_string(amount(r, t->tax)));
    if (t->tip)
        json_object_set_new(o, "tip", json_string(amount(r, t->tip)));
    json_object_set_new(o, "total", json_string(amount(r, t->total)));
    return o;
}

/* Renders the checkout of ap: its invoices with their payments and the
 * form that takes the next one, or the form that builds the invoice.
 * msg/errors/form after a refused POST (status 4xx); preview after
 * "Preview". */
static void checkout_page(struct req *r, int status, const struct appointment *ap, const char *msg,
                          json_t *errors, json_t *form, json_t *preview)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct invoice *invs = NULL;
    size_t ninv = 0;
    int64_t bal = 0, count = 0;
    web_keep(r, errors);
    web_keep(r, form);
    web_keep(r, preview);
    if (db_invoices_of_appt(db, r->arena, ap->id, &invs, &ninv, &e) != E_OK ||
        db_client_balance(db, ap->client_id, &bal, &count, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx =
        chrome_context(r, arena_printf(r->arena, "Checkout: %s", ap->client_name), "appointment");
    json_object_set_new(
        ctx, "appt",
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "url",
                  arena_printf(r->arena, "/staff/appointments/%" PRId64, ap->id), "checkout_url",
                  arena_printf(r->arena, "/staff/appointments/%" PRId64 "/checkout", ap->id),
                  "client", ap->client_name, "client_url",
                  arena_printf(r->arena, "/staff/clients/%" PRId64, ap->client_id), "service",
                  ap->service_name, "therapist", ap->therapist_name, "date",
                  visit_day(r, ap), "time", visit_clock(r, ap)));
    struct client_package cp;
    int used = 0, returned = 0;
    if (db_package_credit_of_appt(db, r->arena, ap->id, &cp, &returned, &used, &e) != E_OK) {
        json_decref(ctx);
        web_fail(r, &e);
        return;
    }
    if (used && !returned)
        json_object_set_new(ctx, "package_credit",
                            json_pack("{s:s, s:I, s:i}", "name", cp.name, "left",
                                      (json_int_t)cp.left, "credits", cp.credits));
    int ready = checked_in(ap);
    json_object_set_new(ctx, "ready", json_boolean(ready));
    if (!ready)
        json_object_set_new(
            ctx, "not_ready",
            json_string(strcmp(ap->status, "booked") == 0
                            ? "The client is not checked in yet. Check them in on the "
                              "appointment's page first; the checkout opens then."
                            : "This appointment was not attended (no-show or cancelled), so "
                              "there is no visit to check out."));
    json_t *list = json_array();
    json_t *open = NULL;
    for (size_t k = 0; k < ninv; k++) {
        struct ledger l;
        if (ledger_load(r, invs[k].id, &l, &e) != E_OK) {
            json_decref(list);
            web_fail(r, &e);
            return;
        }
        json_t *ij = ledger_json(r, &l, ap, 1);
        if (!open && balance_of(&l.inv) > 0)
            open = ij;
        json_array_append_new(list, ij);
    }
    json_object_set_new(ctx, "invoices", list);
    if (open)
        json_object_set_new(ctx, "open_invoice", json_incref(open));
    /* the builder: until the visit's invoice is issued (a no-show's fee
     * voided when the no-show was undone is not the visit's) */
    size_t billed = 0;
    for (size_t k = 0; k < ninv; k++)
        billed += !(invs[k].issued_by == 0 && invs[k].total <= invs[k].credited);
    if (ready && billed == 0) {
        json_t *f = form ? json_incref(form) : json_object();
        if (!json_object_get(f, "once"))
            json_object_set_new(f, "once", json_string(once_new(r)));
        const char *kind = json_string_value(json_object_get(f, "discount_kind"));
        json_object_set_new(f, "kind_amount", json_boolean(kind && strcmp(kind, "amount") == 0));
        json_object_set_new(f, "kind_percent", json_boolean(kind && strcmp(kind, "percent") == 0));
        json_object_set_new(ctx, "build", f);
        struct money_line_in visit;
        if (money_visit_line(db, r->arena, ap, &visit, &e) != E_OK) {
            web_fail(r, &e);
            return;
        }
        char pct[16];
        json_object_set_new(
            ctx, "visit_line",
            json_pack("{s:s, s:s, s:s, s:s}", "description", visit.description, "price",
                      amount(r, visit.unit), "tax",
                      visit.tax_bp ? money_format_percent(visit.tax_bp, pct, sizeof pct) : "",
                      "code", visit.procedure_code));
        json_t *rows = json_array();
        for (int k = 1; k <= ADDONS; k++) {
            const char *dk = arena_printf(r->arena, "addon_%d", k);
            const char *pk = arena_printf(r->arena, "addon_%d_price", k);
            const char *dv = json_string_value(json_object_get(f, dk));
            const char *pv = json_string_value(json_object_get(f, pk));
            json_t *row = json_pack("{s:i, s:s, s:s, s:s, s:s}", "n", k, "name", dk, "price_name",
                                    pk, "value", dv ? dv : "", "price", pv ? pv : "");
            json_t *de = errors ? json_object_get(errors, dk) : NULL;
            json_t *pe = errors ? json_object_get(errors, pk) : NULL;
            if (de)
                json_object_set(row, "error", de);
            if (pe)
                json_object_set(row, "price_error", pe);
            json_array_append_new(rows, row);
        }
        json_object_set_new(ctx, "addons", rows);
    }
    if (preview)
        json_object_set_new(ctx, "preview", json_incref(preview));
    json_object_set_new(ctx, "client_balance",
                        json_pack("{s:s, s:b, s:b, s:I}", "amount", amount(r, bal < 0 ? -bal : bal),
                                  "owes", bal > 0, "owed", bal < 0, "invoices", (json_int_t)count));
    /* after a payment: what was taken and the change to hand back */
    const char *paid = kv_get(&r->query, "paid");
    int64_t pid;
    if (!msg && paid && num_parse_i64(paid, 1, INT64_MAX, &pid) == 0) {
        struct payment p;
        if (db_payment(db, r->arena, pid, &p, &e) == E_OK && p.appointment_id == ap->id) {
            json_t *pj = json_pack("{s:s, s:s}", "amount", amount(r, p.amount), "method",
                                   method_label(p.method));
            if (p.tendered > p.amount)
                json_object_set_new(pj, "change", json_string(amount(r, p.tendered - p.amount)));
            json_object_set_new(ctx, "paid", pj);
        }
    }
    if (kv_get(&r->query, "issued") && !msg)
        json_object_set_new(ctx, "issued", json_true());
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    json_object_set_new(ctx, "form", form ? json_incref(form) : json_object());
    form_render(r, status, "staff/checkout", ctx);
}

void money_checkout(struct req *r)
{
    struct appointment ap;
    if (find_appt(r, &ap) == 0)
        checkout_page(r, 200, &ap, NULL, NULL, NULL, NULL);
}

void money_checkout_issue(struct req *r)
{
    struct appointment ap;
    struct err e = {0};
    struct money_issue_in in;
    enum err_code rc;
    if (find_appt(r, &ap) < 0)
        return;
    memset(&in, 0, sizeof in);
    json_t *errors = json_object(), *form = json_object();
    json_object_set_new(form, "once", json_string(form_value(r, "once")));
    if (!checked_in(&ap)) {
        checkout_page(r, 409, &ap,
                      "Check the client in first: a visit is billed once the client is checked "
                      "in. Nothing was issued.",
                      errors, form, NULL);
        return;
    }
    const char *key_text;
    if (once_key(r, in.key, &key_text) < 0) {
        json_object_del(form, "once");
        checkout_page(r, 400, &ap, "The form is out of date; check the lines and issue again.",
                      errors, form, NULL);
        return;
    }
    read_checkout(r, &ap, &in, errors, form, &e, &rc);
    if (rc != E_OK) {
        json_decref(errors);
        json_decref(form);
        web_fail(r, &e);
        return;
    }
    if (json_object_size(errors) > 0) {
        checkout_page(r, 422, &ap, NULL, errors, form, NULL);
        return;
    }
    struct money_line lines[MONEY_MAX_LINES];
    struct money_totals t;
    if (money_preview(&in, lines, &t, &e) != E_OK) {
        form_error(errors, in.discount.kind != MONEY_DISCOUNT_NONE ? "discount" : "tip", e.msg);
        checkout_page(r, 422, &ap, e.msg, errors, form, NULL);
        return;
    }
    if (strcmp(form_value(r, "action"), "issue") != 0) {
        checkout_page(r, 200, &ap, NULL, errors, form, preview_json(r, &in, lines, &t));
        return;
    }
    struct actor who;
    struct money_by by = staff_by(r, &who);
    int64_t id;
    int again;
    if (money_issue(web_db(r), &by, &in, clock_now(), &id, &again, &e) != E_OK) {
        if (e.code == E_CONFLICT || e.code == E_UNPROCESSABLE) {
            checkout_page(r, e.code == E_CONFLICT ? 409 : 422, &ap, e.msg, errors, form, NULL);
            return;
        }
        json_decref(errors);
        json_decref(form);
        web_fail(r, &e);
        return;
    }
    json_decref(errors);
    json_decref(form);
    form_see_other(
        r, arena_printf(r->arena, "/staff/appointments/%" PRId64 "/checkout?issued=1", ap.id));
}

/* ---- payments, refunds, credit notes ---- */

/* The invoice of the path, with its appointment (ap->id 0 when none).
 * Returns 0, or -1 with an error response written. */
static int find_invoice(struct req *r, struct ledger *l, struct appointment *ap)
{
    struct err e = {0};
    int64_t id = path_id(r, "invoice");
    if (!id)
        return -1;
    enum err_code rc = ledger_load(r, id, l, &e);
    if (rc == E_OK && l->inv.appointment_id)
        rc = db_appointment(web_db(r), r->arena, l->inv.appointment_id, ap, &e);
    else
        memset(ap, 0, sizeof *ap);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such invoice.");
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

static void receipt_page(struct req *r, int status, const struct ledger *l,
                         const struct appointment *ap, const char *msg, json_t *form);

/* A refused change of an invoice: back on the checkout (payments) or the
 * receipt (refunds, credit notes) with the sentence. */
static void refused(struct req *r, int status, const struct ledger *l, const struct appointment *ap,
                    const char *msg, json_t *form, int checkout)
{
    if (checkout && ap->id)
        checkout_page(r, status, ap, msg, NULL, NULL, NULL);
    else
        receipt_page(r, status, l, ap->id ? ap : NULL, msg, form);
    json_decref(form);
}

void money_pay_form(struct req *r)
{
    struct ledger l;
    struct appointment ap;
    struct err e = {0};
    if (find_invoice(r, &l, &ap) < 0)
        return;
    unsigned char hash[STORE_TOKEN_HASH];
    const char *key;
    int checkout = strcmp(form_value(r, "from"), "receipt") != 0;
    if (once_key(r, hash, &key) < 0) {
        refused(r, 400, &l, &ap, "The form is out of date; enter the payment again.", NULL,
                checkout);
        return;
    }
    int m = money_method_parse(form_value(r, "method"));
    if (m != MONEY_CASH && m != MONEY_CARD && m != MONEY_INSURANCE && m != MONEY_GIFT_CARD &&
        m != MONEY_PACKAGE) {
        refused(r, 422, &l, &ap,
                "Choose how the client pays: cash, card (terminal), gift card, package credit or "
                "insurance / third party.",
                NULL, checkout);
        return;
    }
    struct money_pay_in in = {.invoice_id = l.inv.id,
                              .method = (enum money_method)m,
                              .reference = form_value(r, "reference"),
                              .key = key,
                              .code = form_value(r, "code")};
    /* guessing gift-card codes is paused per address (web/throttle.c) */
    if (m == MONEY_GIFT_CARD && throttle_refuse(r, THROTTLE_GIFT_CODE, NULL))
        return;
    const char *field = m == MONEY_CASH ? "tendered" : "amount";
    int64_t cents = 1;
    if (m != MONEY_PACKAGE &&
        (money_parse(form_value(r, field), MONEY_MAX, &cents) < 0 || cents == 0)) {
        refused(r, 422, &l, &ap,
                m == MONEY_CASH ? "Enter the cash handed over, such as 50 or 50.00."
                                : "Enter the amount paid, such as 45 or 45.00.",
                NULL, checkout);
        return;
    }
    if (m == MONEY_CASH)
        in.tendered = cents;
    else
        in.amount = cents;
    if (strlen(in.reference) > REF_MAX) {
        refused(r, 422, &l, &ap, "Keep the reference under 100 characters.", NULL, checkout);
        return;
    }
    struct actor who;
    struct money_by by = staff_by(r, &who);
    int64_t id, change;
    int again;
    if (money_pay(web_db(r), &by, &in, clock_now(), &id, &change, &again, &e) != E_OK) {
        if (e.problem && strcmp(e.problem, "gift_code_unknown") == 0)
            throttle_note(r, THROTTLE_GIFT_CODE, NULL);
        if (e.code == E_UNPROCESSABLE || e.code == E_CONFLICT || e.code == E_INVALID) {
            refused(r, err_http_status(e.code), &l, &ap, e.msg, NULL, checkout);
            return;
        }
        web_fail(r, &e);
        return;
    }
    if (checkout && ap.id)
        form_see_other(r, arena_printf(r->arena,
                                       "/staff/appointments/%" PRId64 "/checkout?paid=%" PRId64,
                                       ap.id, id));
    else
        form_see_other(
            r, arena_printf(r->arena, "/staff/invoices/%" PRId64 "?paid=%" PRId64, l.inv.id, id));
}

/* What differs between the refund and the credit-note forms of an invoice:
 * the names of the form's fields as the page re-shows them, and the words. */
struct fix_form {
    enum money_fix_kind kind;
    const char *amount_field, *reason_field; /* as the page re-shows them */
    const char *what;                        /* "refund", "credit note" */
    const char *verb;                        /* "refund", "credit" */
    const char *done;                        /* the receipt's flag */
};

static const struct fix_form fix_forms[] = {
    [MONEY_REFUND] = {MONEY_REFUND, "amount", "reason", "refund", "refund", "refunded"},
    [MONEY_CREDIT] = {MONEY_CREDIT, "credit_amount", "credit_reason", "credit note", "credit",
                      "credited"},
};

/* A refund of one of the invoice's payments, or a credit note on it. */
static void fix_form(struct req *r, const struct fix_form *ff)
{
    struct ledger l;
    struct appointment ap;
    struct err e = {0};
    if (find_invoice(r, &l, &ap) < 0)
        return;
    unsigned char hash[STORE_TOKEN_HASH];
    const char *key;
    const char *why = form_value(r, "reason");
    json_t *form = json_pack("{s:s, s:s}", ff->amount_field, form_value(r, "amount"),
                             ff->reason_field, why);
    if (ff->kind == MONEY_REFUND)
        json_object_set_new(form, "payment", json_string(form_value(r, "payment")));
    if (once_key(r, hash, &key) < 0) {
        refused(r, 400, &l, &ap,
                arena_printf(r->arena, "The form is out of date; enter the %s again.", ff->what),
                form, 0);
        return;
    }
    int64_t target = l.inv.id, cents;
    if (ff->kind == MONEY_REFUND) {
        size_t k = 0;
        if (num_parse_i64(form_value(r, "payment"), 1, INT64_MAX, &target) == 0)
            while (k < l.npays && l.pays[k].id != target)
                k++;
        if (k == l.npays || l.npays == 0) {
            refused(r, 422, &l, &ap, "Choose a payment of this invoice to refund.", form, 0);
            return;
        }
    }
    if (money_parse(form_value(r, "amount"), MONEY_MAX, &cents) < 0) {
        refused(r, 422, &l, &ap,
                arena_printf(r->arena, "Enter the amount to %s, such as 20 or 20.00.", ff->verb),
                form, 0);
        return;
    }
    if (form_blank(why) || form_chars(why) > WHY_MAX) {
        refused(r, 422, &l, &ap,
                form_blank(why) ? arena_printf(r->arena, "Give the reason for the %s.", ff->what)
                                : "Keep the reason under 500 characters.",
                form, 0);
        return;
    }
    struct actor who;
    struct money_by by = staff_by(r, &who);
    struct pay_provider prov = web_pay_provider(r);
    const char *to = form_value(r, "to");
    if (ff->kind == MONEY_REFUND) {
        json_object_set_new(form, "to", json_string(to));
        if (*to && strcmp(to, "same") != 0 && strcmp(to, "cash") != 0) {
            refused(r, 422, &l, &ap, "Choose where the refund goes: back to the card, or cash.",
                    form, 0);
            return;
        }
    }
    struct money_fix_in in = {ff->kind,
                              target,
                              cents,
                              why,
                              key,
                              r->app->cfg.currency,
                              strcmp(to, "cash") == 0 ? "cash" : "",
                              pay_enabled(&prov)};
    int64_t id;
    int again;
    if (money_fix(web_db(r), &by, &in, clock_now(), &id, &again, &e) != E_OK) {
        if (e.code == E_UNPROCESSABLE || e.code == E_CONFLICT || e.code == E_INVALID) {
            refused(r, err_http_status(e.code), &l, &ap, e.msg, form, 0);
            return;
        }
        json_decref(form);
        web_fail(r, &e);
        return;
    }
    json_decref(form);
    const char *done = ff->done;
    if (ff->kind == MONEY_REFUND) {
        /* a card refund: the provider is asked now, with no transaction
         * open; no answer leaves it pending for the worker */
        enum pay_refund_state st = PAY_REFUND_DONE;
        if (pay_refund_send(web_db(r), &prov, id, clock_now(), &st, &e) != E_OK)
            log_warn("payments: refund id %lld not sent now (%s); the worker sends it",
                     (long long)id, e.msg);
        done = st == PAY_REFUND_PENDING  ? "refund_pending"
               : st == PAY_REFUND_FAILED ? "refund_failed"
                                         : ff->done;
    }
    form_see_other(r, arena_printf(r->arena, "/staff/invoices/%" PRId64 "?%s=1", l.inv.id, done));
}

void money_refund_form(struct req *r)
{
    fix_form(r, &fix_forms[MONEY_REFUND]);
}

void money_credit_form(struct req *r)
{
    fix_form(r, &fix_forms[MONEY_CREDIT]);
}

/* ---- the receipt ---- */

static void receipt_page(struct req *r, int status, const struct ledger *l,
                         const struct appointment *ap, const char *msg, json_t *form)
{
    const struct cfg *c = &r->app->cfg;
    json_t *ctx =
        chrome_context(r, arena_printf(r->arena, "Invoice %" PRId64, l->inv.number), "clients");
    json_object_set_new(ctx, "inv", ledger_json(r, l, ap, 1));
    json_object_set_new(ctx, "clinic_info",
                        json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", c->name, "address",
                                  c->address, "phone", c->phone, "email", c->email, "tax_id",
                                  c->tax_id));
    json_object_set_new(
        ctx, "client_url",
        json_string(arena_printf(r->arena, "/staff/clients/%" PRId64, l->inv.client_id)));
    if (ap && ap->client_email && *ap->client_email)
        json_object_set_new(ctx, "client_email", json_string(ap->client_email));
    json_object_set_new(ctx, "send_once", json_string(once_new(r)));
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    else if (kv_get(&r->query, "sent"))
        json_object_set_new(ctx, "sent", json_true());
    else if (kv_get(&r->query, "refunded"))
        json_object_set_new(ctx, "done", json_string("The refund was recorded."));
    else if (kv_get(&r->query, "refund_pending"))
        json_object_set_new(ctx, "done",
                            json_string("The refund was sent to the payment provider, which has "
                                        "not confirmed it yet. It shows as pending until it "
                                        "does; nothing more needs doing."));
    else if (kv_get(&r->query, "refund_failed"))
        json_object_set_new(ctx, "error",
                            json_string("The payment provider did not refund the card (see why "
                                        "below). Nothing was refunded; refund it in cash "
                                        "instead if the client should have it back."));
    else if (kv_get(&r->query, "credited"))
        json_object_set_new(ctx, "done", json_string("The credit note was issued."));
    else if (kv_get(&r->query, "paid"))
        json_object_set_new(ctx, "done", json_string("The payment was recorded."));
    json_object_set_new(ctx, "form", form ? json_incref(form) : json_object());
    page_render(r, status, "staff/receipt", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void money_receipt(struct req *r)
{
    struct ledger l;
    struct appointment ap;
    if (find_invoice(r, &l, &ap) == 0)
        receipt_page(r, 200, &l, ap.id ? &ap : NULL, NULL, NULL);
}

struct send_ctx {
    const struct notice_mailer *m;
    const char *to, *name, *subject, *dedupe;
    json_t *vars;
    int64_t now;
};

static enum err_code send_tx(struct db *db, void *vctx, struct err *e)
{
    struct send_ctx *c = vctx;
    return notice_document(c->m, db, "receipt", c->to, c->name, c->subject, c->vars, c->dedupe,
                           c->now, e);
}

void money_send_receipt(struct req *r)
{
    struct ledger l;
    struct appointment ap;
    struct err e = {0};
    if (find_invoice(r, &l, &ap) < 0)
        return;
    const char *to = ap.id ? ap.client_email : "";
    if (!to || !*to) {
        receipt_page(r, 422, &l, ap.id ? &ap : NULL,
                     "The client has no e-mail address; print the receipt instead.", NULL);
        return;
    }
    /* the form's token names the message: sent twice, queued once */
    const char *t = form_value(r, "once");
    if (!token_valid(t)) {
        receipt_page(r, 400, &l, ap.id ? &ap : NULL, "The form is out of date; send it again.",
                     NULL);
        return;
    }
    json_t *vars = json_pack("{s:o}", "inv", ledger_json(r, &l, ap.id ? &ap : NULL, 0));
    struct send_ctx c = {
        .m = &r->app->mailer,
        .to = to,
        .name = ap.client_name,
        .subject = arena_printf(r->arena, "Your receipt from %s (invoice %" PRId64 ")",
                                r->app->cfg.name, l.inv.number),
        .dedupe = arena_printf(r->arena, "invoice-%" PRId64 "/receipt/%s", l.inv.id, t),
        .vars = vars,
        .now = clock_now(),
    };
    enum err_code rc = db_tx(web_db(r), send_tx, &c, &e);
    json_decref(vars);
    if (rc != E_OK) {
        if (e.code == E_UNAVAILABLE || e.code == E_UNPROCESSABLE) {
            receipt_page(r, err_http_status(e.code), &l, ap.id ? &ap : NULL, e.msg, NULL);
            return;
        }
        web_fail(r, &e);
        return;
    }
    notice_committed(&r->app->mailer);
    form_see_other(r, arena_printf(r->arena, "/staff/invoices/%" PRId64 "?sent=1", l.inv.id));
}

/* ---- the end of the day ---- */

/* The drawer of ?location= (or the form's "location"): one location's, or
 * the whole clinic's (0) when none is named.  Archived locations count too
 * (their history).  *locs / *nlocs: every location, for the page's switch.
 * Returns 0, or -1 with a 400/404 written. */
static int read_location(struct req *r, const char *s, int64_t *loc, struct location **locs,
                         size_t *nlocs)
{
    struct err e = {0};
    *loc = 0;
    if (db_locations(web_db(r), r->arena, locs, nlocs, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    if (!s || !*s)
        return 0;
    if (num_parse_i64(s, 1, INT64_MAX, loc) < 0) {
        web_error(r, 400, NULL, "The location must be a location's number, as in the list.");
        return -1;
    }
    for (size_t i = 0; i < *nlocs; i++)
        if ((*locs)[i].id == *loc)
            return 0;
    web_error(r, 404, NULL, "There is no such location; the close-out lists them.");
    return -1;
}

/* The day of ?date= (or the form's "date"), today by default, in the zone
 * of location loc (0: the config file's); [from, to) its instants.
 * Returns 0, or -1 with a 400 written. */
static int read_day(struct req *r, int64_t loc, const char *s, struct dt_date *d, int64_t *from,
                    int64_t *to)
{
    const struct tz *tz = loc ? web_zone(r, loc) : r->app->tz;
    *d = when_local_date(tz, clock_now());
    if (s && *s && dt_parse_date(s, d) < 0) {
        web_error(r, 400, NULL, "The date must look like 2026-11-24.");
        return -1;
    }
    *from = tz_day_start(tz, *d);
    *to = *from + tz_day_seconds(tz, *d);
    return 0;
}

struct drawer {
    int64_t loc; /* 0 = the whole clinic */
    const struct location *locs;
    size_t nlocs;
};

static void closeout_page(struct req *r, int status, const struct drawer *w, struct dt_date d,
                          int64_t from, int64_t to, const char *msg, json_t *form)
{
    struct err e = {0};
    struct money_day day;
    struct closeout *counts = NULL;
    size_t ncounts = 0;
    const char *ds = when_date_param(r->arena, d);
    web_keep(r, form);
    if (money_takings(web_db(r), r->arena, w->loc, from, to, &day, &e) != E_OK ||
        db_closeouts_of_day(web_db(r), r->arena, ds, w->loc, &counts, &ncounts, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = chrome_context(
        r, arena_printf(r->arena, "Close-out, %s", when_date_long(r->arena, d)), "closeout");
    /* several locations: each drawer on its own, or the whole clinic */
    if (w->nlocs > 1) {
        json_t *ll = json_array();
        const char *name = "All locations";
        for (size_t i = 0; i < w->nlocs; i++) {
            json_array_append_new(ll, json_pack("{s:I, s:s, s:b}", "id",
                                                (json_int_t)w->locs[i].id, "name",
                                                w->locs[i].name, "selected",
                                                w->locs[i].id == w->loc));
            if (w->locs[i].id == w->loc)
                name = w->locs[i].name;
        }
        json_object_set_new(ctx, "locations", ll);
        json_object_set_new(ctx, "multi_location", json_true());
        json_object_set_new(ctx, "location_name", json_string(name));
        json_object_set_new(ctx, "all_locations", json_boolean(w->loc == 0));
    }
    if (w->loc)
        json_object_set_new(ctx, "location",
                            json_string(arena_printf(r->arena, "%lld", (long long)w->loc)));
    json_object_set_new(ctx, "date", json_string(ds));
    json_object_set_new(ctx, "date_label", json_string(when_date_long(r->arena, d)));
    json_t *rows = json_array();
    int64_t in = 0, out = 0;
    for (int m = 0; m < MONEY__COUNT; m++) {
        const char *name = money_method_name((enum money_method)m);
        int64_t p = 0, f = 0, np = 0, nf = 0;
        for (size_t k = 0; k < day.npaid; k++)
            if (strcmp(day.paid[k].method, name) == 0) {
                p = day.paid[k].cents;
                np = day.paid[k].count;
            }
        for (size_t k = 0; k < day.nrefunded; k++)
            if (strcmp(day.refunded[k].method, name) == 0) {
                f = day.refunded[k].cents;
                nf = day.refunded[k].count;
            }
        if (!np && !nf)
            continue;
        in += p;
        out += f;
        json_array_append_new(rows, json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:s}", "method",
                                              money_method_label((enum money_method)m), "name",
                                              name, "count", (json_int_t)np, "paid", amount(r, p),
                                              "refunds", (json_int_t)nf, "refunded", amount(r, f),
                                              "net", amount(r, p - f)));
    }
    json_object_set_new(ctx, "methods", rows);
    int64_t pend = 0, npend = 0;
    for (size_t k = 0; k < day.npending; k++) {
        pend += day.pending[k].cents;
        npend += day.pending[k].count;
    }
    if (npend) /* asked of the provider, not confirmed: in no column above */
        json_object_set_new(
            ctx, "refund_pending",
            json_pack("{s:I, s:s}", "count", (json_int_t)npend, "amount", amount(r, pend)));
    json_object_set_new(ctx, "totals",
                        json_pack("{s:s, s:s, s:s}", "paid", amount(r, in), "refunded",
                                  amount(r, out), "net", amount(r, in - out)));
    json_object_set_new(ctx, "issued",
                        json_pack("{s:I, s:s, s:s, s:s}", "count", (json_int_t)day.invoices,
                                  "total", amount(r, day.invoiced), "tips", amount(r, day.tips),
                                  "tax", amount(r, day.tax)));
    json_object_set_new(
        ctx, "cash",
        json_pack("{s:s, s:s}", "in", amount(r, day.cash_in), "out", amount(r, day.cash_out)));
    if (ncounts > 0) {
        const struct closeout *c = &counts[0];
        int64_t diff = c->counted - c->expected;
        json_object_set_new(ctx, "count",
                            json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:s, s:s, s:I}",
                                      "float", amount(r, c->float_cents), "counted",
                                      amount(r, c->counted), "expected", amount(r, c->expected),
                                      "difference", amount(r, diff < 0 ? -diff : diff), "note",
                                      c->note, "over", diff > 0, "short", diff < 0, "even",
                                      diff == 0, "by", c->created_by_name, "at",
                                      arena_printf(r->arena, "%s, %s", day_label(r, c->created_at),
                                                   clock_label(r, c->created_at)),
                                      "recounts", (json_int_t)(ncounts - 1)));
    }
    json_t *f = form ? json_incref(form) : json_object();
    if (!json_object_get(f, "float"))
        json_object_set_new(f, "float",
                            json_string(ncounts ? plain(r, counts[0].float_cents) : "0.00"));
    json_object_set_new(ctx, "form", f);
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    else if (kv_get(&r->query, "counted"))
        json_object_set_new(ctx, "saved_count", json_true());
    form_render(r, status, "staff/closeout", ctx);
}

void money_closeout(struct req *r)
{
    struct dt_date d;
    int64_t from, to;
    struct location *locs;
    struct drawer w = {0};
    if (read_location(r, kv_get(&r->query, "location"), &w.loc, &locs, &w.nlocs) < 0)
        return;
    w.locs = locs;
    if (read_day(r, w.loc, kv_get(&r->query, "date"), &d, &from, &to) == 0)
        closeout_page(r, 200, &w, d, from, to, NULL, NULL);
}

void money_closeout_count(struct req *r)
{
    struct dt_date d;
    int64_t from, to, fl, counted, id, expected;
    struct err e = {0};
    struct location *locs;
    struct drawer w = {0};
    if (read_location(r, form_value(r, "location"), &w.loc, &locs, &w.nlocs) < 0)
        return;
    w.locs = locs;
    if (read_day(r, w.loc, form_value(r, "date"), &d, &from, &to) < 0)
        return;
    const char *note = form_value(r, "note");
    json_t *form = json_pack("{s:s, s:s, s:s}", "float", form_value(r, "float"), "counted",
                             form_value(r, "counted"), "note", note);
    if (money_parse(form_value(r, "float"), MONEY_MAX, &fl) < 0) {
        closeout_page(r, 422, &w, d, from, to,
                      "Enter the float the drawer started with, such as 100 or 100.00.", form);
        return;
    }
    if (money_parse(form_value(r, "counted"), MONEY_MAX, &counted) < 0) {
        closeout_page(r, 422, &w, d, from, to, "Enter the cash counted in the drawer, such as 245.50.",
                      form);
        return;
    }
    if (form_chars(note) > WHY_MAX) {
        closeout_page(r, 422, &w, d, from, to, "Keep the note under 500 characters.", form);
        return;
    }
    json_decref(form);
    struct actor who;
    struct money_by by = staff_by(r, &who);
    if (money_count(web_db(r), &by, w.loc, when_date_param(r->arena, d), from, to, fl, counted,
                    note,
                    clock_now(), &id, &expected, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    form_see_other(r, w.loc ? arena_printf(r->arena, "/staff/closeout?date=%s&location=%lld&counted=1",
                                           when_date_param(r->arena, d), (long long)w.loc)
                            : arena_printf(r->arena, "/staff/closeout?date=%s&counted=1",
                                           when_date_param(r->arena, d)));
}

/* ---- the superbill ---- */

/* ?from= and ?to= as local days (the year so far by default); [from, to)
 * their instants.  Returns 0, or -1 with a 400 written. */
static int read_span(struct req *r, struct dt_date *df, struct dt_date *dt, int64_t *from,
                     int64_t *to)
{
    const char *fs = kv_get(&r->query, "from"), *ts = kv_get(&r->query, "to");
    *dt = when_local_date(r->app->tz, clock_now());
    *df = (struct dt_date){dt->year, 1, 1};
    if (fs && *fs && dt_parse_date(fs, df) < 0) {
        web_error(r, 400, NULL, "from must be a date like 2026-11-01.");
        return -1;
    }
    if (ts && *ts && dt_parse_date(ts, dt) < 0) {
        web_error(r, 400, NULL, "to must be a date like 2026-11-30.");
        return -1;
    }
    *from = tz_day_start(r->app->tz, *df);
    int64_t last = tz_day_start(r->app->tz, *dt);
    *to = last + tz_day_seconds(r->app->tz, *dt);
    if (last < *from) {
        web_error(r, 400, NULL, "from must be on or before to.");
        return -1;
    }
    if ((*to - *from) / 86400 > SPAN_DAYS_MAX) {
        web_error(r, 400, NULL, "A superbill covers at most a year; choose a shorter span.");
        return -1;
    }
    return 0;
}

static void superbill_render(struct req *r, int64_t client_id, const char *client_name,
                             enum proof via, int portal)
{
    struct dt_date df, dt;
    int64_t from, to;
    struct err e = {0};
    struct superbill sb;
    const struct cfg *c = &r->app->cfg;
    if (read_span(r, &df, &dt, &from, &to) < 0)
        return;
    const char *fs = when_date_param(r->arena, df), *ts = when_date_param(r->arena, dt);
    struct actor who = proof_actor(r, via);
    if (money_superbill(web_db(r), r->arena, r->app->tz, &who, client_id, from, to,
                        arena_printf(r->arena, "visits from %s to %s", fs, ts), clock_now(), &sb,
                        &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx =
        portal ? page_context(r, "Superbill", NULL, "account")
               : chrome_context(r, arena_printf(r->arena, "Superbill: %s", client_name), "clients");
    if (portal)
        json_object_set_new(ctx, "portal", json_true());
    json_object_set_new(ctx, "from", json_string(fs));
    json_object_set_new(ctx, "to", json_string(ts));
    json_object_set_new(ctx, "span",
                        json_string(arena_printf(r->arena, "%s to %s", when_date_long(r->arena, df),
                                                 when_date_long(r->arena, dt))));
    /* the place of service: the visits' location when they share one, else
     * each visit names its own */
    const char *place = NULL;
    int places = 0;
    for (size_t k = 0; k < sb.nvisits; k++) {
        const char *a = sb.visits[k].appt.location_address;
        a = a && *a ? a : c->address;
        if (!place) {
            place = a;
            places = 1;
        } else if (strcmp(place, a) != 0) {
            places = 2;
        }
    }
    json_object_set_new(ctx, "provider",
                        json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", c->name, "address",
                                  places == 1 ? place : c->address, "phone", c->phone, "tax_id",
                                  c->tax_id, "npi", c->npi));
    json_object_set_new(
        ctx, "patient",
        json_pack("{s:s, s:s, s:s}", "name", client_name, "birth_date", sb.birth_date, "url",
                  portal ? "" : arena_printf(r->arena, "/staff/clients/%" PRId64, client_id)));
    json_t *visits = json_array(), *therapists = json_array(), *diagnoses = json_array(),
           *doctors = json_array();
    for (size_t k = 0; k < sb.nvisits; k++) {
        const struct superbill_visit *v = &sb.visits[k];
        json_t *codes = json_array();
        for (size_t q = 0; q < v->nlines; q++)
            if (*v->lines[q].procedure_code)
                json_array_append_new(codes,
                                      json_pack("{s:s, s:s, s:i, s:s}", "code",
                                                v->lines[q].procedure_code, "description",
                                                v->lines[q].description, "units", v->lines[q].units,
                                                "charge", amount(r, v->lines[q].amount_cents)));
        const char *icd = v->referral && *v->referral->icd10 ? v->referral->icd10 : "";
        json_t *vj = json_pack(
            "{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:I}", "date",
            when_date_param(r->arena,
                            when_local_date(web_zone(r, v->appt.location_id), v->appt.start)),
            "therapist",
            v->appt.therapist_name, "npi", v->therapist.npi, "licence", v->therapist.licence,
            "codes", codes, "icd10", icd, "charge", amount(r, v->charge), "paid",
            amount(r, v->paid), "balance", amount(r, v->charge - v->paid), "service",
            v->appt.service_name, "invoice", (json_int_t)v->inv->number);
        if (places > 1)
            json_object_set_new(vj, "place",
                                json_string(v->appt.location_address && *v->appt.location_address
                                                ? v->appt.location_address
                                                : c->address));
        json_array_append_new(visits, vj);
        /* the rendering providers and diagnoses, each once */
        int seen = 0;
        for (size_t q = 0; q < k && !seen; q++)
            seen = strcmp(sb.visits[q].appt.therapist_id, v->appt.therapist_id) == 0;
        if (!seen)
            json_array_append_new(
                therapists, json_pack("{s:s, s:s, s:s}", "name", v->appt.therapist_name, "npi",
                                      v->therapist.npi, "licence", v->therapist.licence));
        if (v->referral) {
            seen = 0;
            for (size_t q = 0; q < k && !seen; q++)
                seen = sb.visits[q].referral == v->referral;
            if (!seen) {
                json_array_append_new(diagnoses,
                                      json_pack("{s:s, s:s}", "icd10", v->referral->icd10,
                                                "diagnosis", v->referral->diagnosis));
                json_array_append_new(
                    doctors, json_pack("{s:s, s:s, s:s, s:s}", "name", v->referral->physician,
                                       "practice", v->referral->practice, "phone",
                                       v->referral->phone, "date", v->referral->referred_on));
            }
        }
    }
    json_object_set_new(ctx, "visits", visits);
    json_object_set_new(ctx, "has_visits", json_boolean(sb.nvisits > 0));
    json_object_set_new(ctx, "therapists", therapists);
    json_object_set_new(ctx, "diagnoses", diagnoses);
    json_object_set_new(ctx, "doctors", doctors);
    json_object_set_new(ctx, "charges", json_string(amount(r, sb.charges)));
    json_object_set_new(ctx, "paid", json_string(amount(r, sb.paid)));
    json_object_set_new(ctx, "balance", json_string(amount(r, sb.charges - sb.paid)));
    json_object_set_new(
        ctx, "action",
        json_string(
            portal ? "/portal/superbill"
                   : arena_printf(r->arena, "/staff/clients/%" PRId64 "/superbill", client_id)));
    if (portal)
        web_private(r);
    page_render(r, 200, "superbill", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void money_superbill_desk(struct req *r)
{
    struct err e = {0};
    struct client c;
    int64_t id = path_id(r, "client");
    if (!id)
        return;
    enum err_code rc = db_client(web_db(r), r->arena, id, &c, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such client.");
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    superbill_render(r, c.id, c.name, PROOF_STAFF, 0);
}

void money_superbill_portal(struct req *r)
{
    struct err e = {0};
    struct appointment *aps = NULL;
    size_t n = 0;
    if (db_portal_appointments(web_db(r), r->arena, r->user->id, &aps, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    /* the account's own client record: ?client= among its own, or the
     * latest one booked under; anyone else's reads as none */
    const char *want = kv_get(&r->query, "client");
    int64_t cid = 0;
    if (want && *want && num_parse_i64(want, 1, INT64_MAX, &cid) < 0) {
        web_error(r, 400, NULL, "client must be a whole number.");
        return;
    }
    size_t k = 0;
    while (k < n && cid && aps[k].client_id != cid)
        k++;
    if (n == 0 || k == n) {
        web_error(r, 404, NULL,
                  n == 0 ? "You have no visits with us yet, so there is no superbill."
                         : "There is no such client record in your account.");
        return;
    }
    superbill_render(r, aps[k].client_id, aps[k].client_name, PROOF_EMAIL, 1);
}

/* ---- the client page ---- */

int money_client_balance(struct req *r, int64_t client_id, json_t *ctx)
{
    struct err e = {0};
    int64_t bal, count, pending;
    if (db_client_balance_pending(web_db(r), client_id, &bal, &count, &pending, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    json_t *b = json_pack(
        "{s:s, s:b, s:b, s:b, s:I, s:s}", "amount", amount(r, bal < 0 ? -bal : bal), "owes",
        bal > 0, "owed", bal < 0, "square", bal == 0, "invoices", (json_int_t)count,
        "superbill_url", arena_printf(r->arena, "/staff/clients/%" PRId64 "/superbill", client_id));
    if (pending) /* refunds to the card the provider has not confirmed: not in the balance yet */
        json_object_set_new(b, "refund_pending", json_string(amount(r, pending)));
    json_object_set_new(ctx, "balance", b);
    return 0;
}
