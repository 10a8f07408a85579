/* portal — the client portal (see portal.h): sign-in links by e-mail, the
 * client's own appointments and records.  The rules (who gets a link, a
 * link's state, what is upcoming) are in core/portal; sessions are
 * web/account's; the message is mail/notify's, reached through svc/notice
 * hook so that web/ does not depend on mail/.  Must not show a record
 * without its audit row, nor any appointment that is not the client's. */
#include "web/portal.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/auth.h"
#include "core/booking.h"
#include "core/portal.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/notice.h"
#include "svc/token.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/num.h"
#include "util/sb.h"
#include "view/esc.h"
#include "web/account.h"
#include "web/audit.h"
#include "web/book.h"
#include "web/form.h"
#include "web/insurance.h"
#include "web/notes.h"
#include "web/page.h"
#include "web/pay.h"
#include "web/shop.h"
#include "web/referrals.h"

#define MAX_REQUESTS 5    /* link requests per address, and per peer, ... */
#define WINDOW_MINUTES 15 /* ... within this window (as password sign-ins) */
#define PRUNE_AFTER (7 * 86400) /* seconds an expired link or a request is kept: a used or
                                 * expired link says so for a week, then "unknown" */

/* ---- asking for a link ---- */

static void signin_page(struct req *r, int status, const char *email, const char *error)
{
    json_t *ctx = page_context(r, "Your appointments: sign in",
                               "Sign in with a link by e-mail to see your appointments.",
                               "account");
    json_object_set_new(ctx, "email", json_string(email ? email : ""));
    json_object_set_new(ctx, "csrf", json_string(web_csrf(r)));
    json_object_set_new(ctx, "minutes", json_integer(r->app->cfg.signin_link_minutes));
    if (error)
        json_object_set_new(ctx, "error", json_string(error));
    const char *sent = kv_get(&r->query, "sent");
    if (status == 200 && sent && strcmp(sent, "1") == 0)
        json_object_set_new(ctx, "sent", json_true());
    web_private(r);
    page_render(r, status, "portal_signin", ctx);
}

void portal_signin_form(struct req *r)
{
    if (account_authorize(r, AUTH_CLIENT) == 0) { /* signed in already */
        form_see_other(r, "/portal");
        return;
    }
    signin_page(r, 200, NULL, NULL);
}

void portal_signin_request(struct req *r)
{
    struct err e = {0};
    const char *email = kv_get(&r->form, "email"), *addr = req_address(r), *why;
    struct auth_limits l = {r->app->cfg.session_idle_minutes,
                            r->app->cfg.session_absolute_hours, MAX_REQUESTS, WINDOW_MINUTES};
    int64_t now = clock_now(), oldest_e = 0, oldest_a = 0;
    int by_email = 0, by_addr = 0, send;
    struct signin_who who;
    char token[TOKEN_LEN];
    unsigned char hash[STORE_TOKEN_HASH];
    struct db *db = web_db(r);

    if ((why = booking_check_email(email ? email : ""))) {
        signin_page(r, 422, email, why);
        return;
    }
    if (db_signin_requests(db, email, addr, now - (int64_t)l.window_minutes * 60, &by_email,
                           &oldest_e, &by_addr, &oldest_a, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    int64_t wait = auth_retry_after(&l, by_email, oldest_e, now);
    int64_t wait_a = auth_retry_after(&l, by_addr, oldest_a, now);
    if (wait_a > wait)
        wait = wait_a;
    if (wait > 0) {
        int64_t min = (wait + 59) / 60;
        signin_page(r, 429, email,
                    arena_printf(r->arena,
                                 "Too many sign-in links were asked for. Try again in %lld "
                                 "minute%s, or use the newest link you already have.",
                                 (long long)min, min == 1 ? "" : "s"));
        resp_header(r, "Retry-After", arena_printf(r->arena, "%lld", (long long)wait));
        return;
    }
    if (db_signin_who(db, r->arena, email, &who, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    send = portal_may_send(who.role, who.active, who.name);
    if (send && !notice_can_signin(&r->app->mailer)) {
        err_set(&e, E_UNAVAILABLE, "This server cannot send e-mail, so no sign-in link can be "
                                   "sent. Please call the clinic.");
        web_fail(r, &e);
        return;
    }
    token_new(token, hash);
    int minutes = r->app->cfg.signin_link_minutes;
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_signin_prune(db, now - PRUNE_AFTER, &e) != E_OK ||
        db_signin_request(db, email, addr, now, &e) != E_OK)
        goto fail;
    if (send) {
        char dedupe[48];
        snprintf(dedupe, sizeof dedupe, "signin/");
        sodium_bin2hex(dedupe + 7, sizeof dedupe - 7, hash, 16);
        if (db_signin_add(db, hash, email, now, now + (int64_t)minutes * 60, &e) != E_OK ||
            notice_signin(&r->app->mailer, db, email, who.name,
                          arena_printf(r->arena, "/account/link/%s", token), minutes, now, dedupe,
                          &e) != E_OK)
            goto fail;
    }
    if (db_commit(db, &e) != E_OK)
        goto fail;
    if (send)
        notice_committed(&r->app->mailer);
    /* no address in the log: it is personal data, and says who is a client */
    log_info("portal: sign-in link %s",
             send ? "queued" : "not sent (no booking or client account has the address)");
    web_private(r);
    form_see_other(r, "/account?sent=1");
    return;
fail:
    if (db_again(db, &tries, &e))
        goto again;
    web_fail(r, &e);
}

/* ---- using a link ---- */

/* The page for a link that does not sign in: unknown (404), used or expired
 * (410).  No session is made. */
static void link_problem(struct req *r, int status, const char *heading, const char *msg)
{
    json_t *ctx = page_context(r, heading, NULL, NULL);
    json_object_set_new(ctx, "problem", json_pack("{s:s, s:s}", "heading", heading, "message", msg));
    web_private(r);
    page_render(r, status, "portal_link", ctx);
}

/* Finds the link of the {token} capture.  Returns 0 with *l and hash, or
 * -1 with the response written (the same 404 for a malformed and an unknown
 * token; 410 for a used or expired one). */
static int find_link(struct req *r, struct signin_link *l, unsigned char hash[STORE_TOKEN_HASH])
{
    struct err e = {0};
    const char *t = req_param(r, 0);
    enum err_code rc = E_NOTFOUND;

    if (token_valid(t)) {
        token_hash(t, hash);
        rc = db_signin_get(web_db(r), r->arena, hash, l, &e);
    }
    if (rc == E_NOTFOUND) {
        link_problem(r, 404, "This sign-in link does not work",
                     "We do not know this link. Check that you opened the whole link from the "
                     "e-mail, or ask for a new one below.");
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    switch (portal_link_state(l->expires_at, l->used_at, clock_now())) {
    case PORTAL_LINK_USED:
        link_problem(r, 410, "This sign-in link was used already",
                     "Each link signs in once. If that was not you, nothing else can be done "
                     "with it. Ask for a new link below to sign in again.");
        return -1;
    case PORTAL_LINK_EXPIRED:
        link_problem(r, 410, "This sign-in link has expired",
                     arena_printf(r->arena,
                                  "A link works for %d minutes after it was sent. Ask for a new "
                                  "one below.",
                                  (int)((l->expires_at - l->created_at) / 60)));
        return -1;
    case PORTAL_LINK_OK:
        break;
    }
    return 0;
}

void portal_link_page(struct req *r)
{
    struct signin_link l;
    unsigned char hash[STORE_TOKEN_HASH];
    if (find_link(r, &l, hash) < 0)
        return;
    json_t *ctx = page_context(r, "Sign in", NULL, NULL);
    json_object_set_new(ctx, "email", json_string(l.email));
    json_object_set_new(ctx, "csrf", json_string(web_csrf(r)));
    json_object_set_new(ctx, "action", json_string(arena_printf(r->arena, "/account/link/%s",
                                                                req_param(r, 0))));
    web_private(r);
    page_render(r, 200, "portal_link", ctx);
}

void portal_link_use(struct req *r)
{
    struct err e = {0};
    struct signin_link l;
    unsigned char hash[STORE_TOKEN_HASH];
    struct user u;
    struct signin_who who;
    const char *pw_hash = NULL;
    char session[TOKEN_LEN], name[128];
    int64_t now = clock_now(), uid = 0;
    int linked = 0;
    struct db *db = web_db(r);
    enum err_code rc;

    if (find_link(r, &l, hash) < 0)
        return;
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK)
        goto fail;
    if ((rc = db_signin_use(db, hash, now, &e)) == E_CONFLICT) {
        db_rollback(db);
        link_problem(r, 410, "This sign-in link was used already",
                     "Each link signs in once. Ask for a new link below to sign in again.");
        return;
    }
    if (rc != E_OK)
        goto fail;
    rc = db_user_by_email(db, r->arena, l.email, &u, &pw_hash, &e);
    if (rc == E_OK && strcmp(u.role, "client") != 0) {
        /* the address became a staff account after the link was sent */
        db_rollback(db);
        link_problem(r, 403, "Staff sign in with their password",
                     "This address belongs to a staff account. Sign in on the sign-in page "
                     "with your password.");
        return;
    }
    if (rc == E_OK) {
        uid = u.id;
    } else if (rc == E_NOTFOUND) {
        /* the first proven sign-in makes the client account (no password) */
        if (db_signin_who(db, r->arena, l.email, &who, &e) != E_OK)
            goto fail;
        if (who.user_id) {
            db_rollback(db);
            link_problem(r, 403, "This account is switched off",
                         arena_printf(r->arena,
                                      "The clinic has deactivated the account of this address. "
                                      "Please call us at %s.",
                                      r->app->cfg.phone));
            return;
        }
        portal_account_name(who.name, l.email, name, sizeof name);
        struct user nu = {0, l.email, name, "client", "", 1};
        if (db_add_user(db, &nu, "", now, &uid, &e) != E_OK)
            goto fail;
    } else {
        goto fail;
    }
    if (db_portal_link_clients(db, uid, l.email, now, &linked, &e) != E_OK ||
        account_new_session(r, uid, now, session, &e) != E_OK || db_commit(db, &e) != E_OK)
        goto fail;
    log_info("portal: account %lld signed in with a link; %d client record%s linked",
             (long long)uid, linked, linked == 1 ? "" : "s");
    resp_start(r, 303, "text/plain; charset=utf-8");
    account_set_session_cookie(r, session);
    resp_header(r, "Location", "/portal?welcome=1");
    web_private(r);
    sb_adds(&r->resp.body, "Signed in.\n");
    return;
fail:
    if (db_again(db, &tries, &e))
        goto again;
    web_fail(r, &e);
}

/* ---- the portal ---- */

static const char *status_label(const struct appointment *ap)
{
    static const struct {
        const char *status, *label;
    } labels[] = {
        {"booked", "Booked"},       {"checked_in", "Checked in"},
        {"completed", "Completed"}, {"no_show", "Missed (no-show)"},
    };
    if (strcmp(ap->status, "cancelled") == 0)
        return ap->cancel_late ? "Cancelled (late cancellation)" : "Cancelled";
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(ap->status, labels[i].status) == 0)
            return labels[i].label;
    return ap->status;
}

/* The portal's rebook page of the client's visit ap. */
static const char *rebook_path(struct req *r, const struct appointment *ap)
{
    return arena_printf(r->arena, "/portal/appointments/%lld/rebook", (long long)ap->id);
}

static json_t *appt_json(struct req *r, const struct appointment *ap, int64_t now)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(ap->id));
    json_object_set_new(o, "url", json_string(arena_printf(r->arena, "/portal/appointments/%lld",
                                                           (long long)ap->id)));
    json_object_set_new(o, "manage_action",
                        json_string(arena_printf(r->arena, "/portal/appointments/%lld/manage",
                                                 (long long)ap->id)));
    json_object_set_new(o, "service", json_string(ap->service_name));
    json_object_set_new(o, "therapist", json_string(ap->therapist_name));
    json_object_set_new(o, "room", json_string(ap->room_name));
    /* on its location's clock, at its address */
    const struct tz *tz = web_zone(r, ap->location_id);
    json_object_set_new(o, "address",
                        json_string(ap->location_address && ap->location_address[0]
                                        ? ap->location_address
                                        : r->app->cfg.address));
    json_object_set_new(
        o, "date_label", json_string(when_date_long(r->arena, when_local_date(tz, ap->start))));
    json_object_set_new(o, "time_label", json_string(when_range(tz, r->arena, ap->start, ap->end)));
    json_object_set_new(o, "start", json_string(web_time_in(r, tz, ap->start)));
    json_object_set_new(o, "status", json_string(ap->status));
    json_object_set_new(o, "status_label", json_string(status_label(ap)));
    json_object_set_new(o, "upcoming", json_boolean(portal_upcoming(ap->status, ap->start, now)));
    json_object_set_new(o, "can_change",
                        json_boolean(strcmp(ap->status, "booked") == 0 && ap->start > now));
    return o;
}

/* "/book?service=S&therapist=T": the booking flow with the appointment's
 * service and therapist chosen. */
static const char *book_again_url(struct req *r, const struct appointment *ap)
{
    struct sb u = SB_INIT;
    sb_init(&u, 1024);
    sb_adds(&u, "/book?service=");
    esc_url_component(&u, ap->service_id, strlen(ap->service_id));
    sb_adds(&u, "&therapist=");
    esc_url_component(&u, ap->therapist_id, strlen(ap->therapist_id));
    const char *out = u.err ? "/book" : arena_strdup(r->arena, u.buf);
    sb_release(&u);
    return out;
}

/* Adds the health form's status, the newest insurance check and the
 * referrals of client row client_id to ctx, each read audited with the
 * signed-in client as the actor.  Returns 0, or -1 with the response written. */
static int add_records(struct req *r, int64_t client_id, json_t *ctx)
{
    struct err e = {0};
    struct intake it;
    struct insurance_check c;
    enum err_code rc = db_intake(web_db(r), r->arena, client_id, &it, &e);
    if (rc == E_OK && (rc = audit_record(r, "read", "intake", it.id, client_id, &e)) == E_OK) {
        json_t *st = json_pack("{s:b, s:s}", "on_file", 1, "updated",
                               when_at(r->app->tz, r->arena, it.updated_at));
        if (it.confirmed_at)
            json_object_set_new(st, "confirmed",
                                json_string(when_at(r->app->tz, r->arena, it.confirmed_at)));
        json_object_set_new(ctx, "intake", st);
    } else if (rc == E_NOTFOUND) {
        json_object_set_new(ctx, "intake", json_pack("{s:b}", "on_file", 0));
    } else {
        web_fail(r, &e);
        return -1;
    }
    rc = db_insurance_latest(web_db(r), r->arena, client_id, &c, &e);
    if (rc == E_OK && (rc = audit_record(r, "read", "insurance", c.id, client_id, &e)) == E_OK)
        json_object_set_new(ctx, "insurance", insurance_check_json(r, &c));
    else if (rc != E_NOTFOUND) {
        web_fail(r, &e);
        return -1;
    }
    return referrals_context(r, client_id, NULL, 0, ctx);
}

/* The page's first keys: who is signed in, the CSRF token for its forms. */
static json_t *portal_context(struct req *r, const char *title)
{
    json_t *ctx = page_context(r, title, NULL, "account");
    json_object_set_new(ctx, "user", json_pack("{s:s, s:s}", "name", r->user->name, "email",
                                               r->user->email));
    json_object_set_new(ctx, "csrf", json_string(web_csrf(r)));
    return ctx;
}

void portal_home(struct req *r)
{
    struct err e = {0};
    struct appointment *aps = NULL;
    size_t n = 0;
    int64_t now = clock_now();

    if (db_portal_appointments(web_db(r), r->arena, r->user->id, &aps, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = portal_context(r, "Your appointments");
    if (shop_portal_context(r, ctx) < 0)
        return;
    json_t *up = json_array(), *past = json_array();
    json_object_set_new(ctx, "upcoming", up);
    json_object_set_new(ctx, "past", past);
    for (size_t i = n; i-- > 0;) { /* soonest first */
        if (!portal_upcoming(aps[i].status, aps[i].start, now))
            continue;
        json_t *o = appt_json(r, &aps[i], now);
        json_array_append_new(up, o);
        /* a slot held for its deposit is not booked yet: say so, and how to pay */
        if (pay_portal_context(r, &aps[i], o) < 0) {
            json_decref(ctx);
            return;
        }
    }
    for (size_t i = 0; i < n; i++) /* latest first */
        if (!portal_upcoming(aps[i].status, aps[i].start, now))
            json_array_append_new(past, appt_json(r, &aps[i], now));
    const char *welcome = kv_get(&r->query, "welcome");
    if (welcome && strcmp(welcome, "1") == 0)
        json_object_set_new(ctx, "welcome", json_true());
    if (n > 0) {
        json_object_set_new(ctx, "book_again",
                            json_pack("{s:s, s:s, s:s}", "url", book_again_url(r, &aps[0]),
                                      "service", aps[0].service_name, "therapist",
                                      aps[0].therapist_name));
        /* the records of each client row (one per name booked under) */
        json_t *records = json_array();
        json_object_set_new(ctx, "records", records);
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < i && aps[j].client_id != aps[i].client_id)
                j++;
            if (j < i)
                continue; /* this row's records are listed already */
            json_t *rec = json_pack("{s:I, s:s}", "client_id", (json_int_t)aps[i].client_id,
                                    "name", aps[i].client_name);
            json_array_append_new(records, rec);
            if (add_records(r, aps[i].client_id, rec) < 0)
                return;
        }
        if (json_array_size(records) > 1)
            json_object_set_new(ctx, "many_records", json_true());
        /* the recommendations of the latest session whose note is signed */
        for (size_t i = 0; i < n; i++) {
            if (portal_upcoming(aps[i].status, aps[i].start, now) ||
                strcmp(aps[i].status, "cancelled") == 0)
                continue;
            json_t *tmp = web_keep(r, json_object());
            if (notes_manage_context(r, &aps[i], PROOF_EMAIL, rebook_path(r, &aps[i]), tmp) < 0)
                return;
            json_t *rec = json_object_get(tmp, "recommendations");
            if (rec) {
                json_object_set(ctx, "recommendations", rec);
                json_object_set_new(ctx, "recommendations_from", appt_json(r, &aps[i], now));
                break;
            }
        }
    }
    web_private(r);
    page_render(r, 200, "portal", ctx);
}

/* The signed-in client's appointment of the {id} capture.  Returns 0, or
 * -1 with a 404 written: an id that is not theirs reads as no such id. */
static int own_appointment(struct req *r, struct appointment *out)
{
    struct err e = {0};
    struct appointment *aps = NULL;
    size_t n = 0;
    int64_t id;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) == 0) {
        if (db_portal_appointments(web_db(r), r->arena, r->user->id, &aps, &n, &e) != E_OK) {
            web_fail(r, &e);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (aps[i].id == id) {
                *out = aps[i];
                return 0;
            }
        }
    }
    web_private(r);
    web_error(r, 404, "not_found",
              "You have no appointment with this number. Your appointments are listed on "
              "/portal.");
    return -1;
}

void portal_appointment(struct req *r)
{
    struct appointment ap;
    if (own_appointment(r, &ap) < 0)
        return;
    json_t *ctx = portal_context(
        r, arena_printf(r->arena, "%s, %s", ap.service_name,
                        when_date_long(r->arena,
                                       when_local_date(web_zone(r, ap.location_id), ap.start))));
    json_object_set_new(ctx, "appt", appt_json(r, &ap, clock_now()));
    json_object_set_new(ctx, "book_again", json_pack("{s:s}", "url", book_again_url(r, &ap)));
    json_t *rec = json_pack("{s:I, s:s}", "client_id", (json_int_t)ap.client_id, "name",
                            ap.client_name);
    json_object_set_new(ctx, "records", rec);
    if (add_records(r, ap.client_id, rec) < 0 ||
        notes_manage_context(r, &ap, PROOF_EMAIL, rebook_path(r, &ap), ctx) < 0)
        return;
    web_private(r);
    page_render(r, 200, "portal_appointment", ctx);
}

/* The portal's rebook page of the client's visit: the same page as through
 * the visit's manage link (web/manage.c), proven by the signed-in account. */
void portal_rebook_page(struct req *r)
{
    struct appointment ap;
    if (own_appointment(r, &ap) < 0)
        return;
    book_rebook_show(r, &ap, rebook_path(r, &ap),
                     arena_printf(r->arena, "/portal/appointments/%lld", (long long)ap.id),
                     PROOF_EMAIL);
}

void portal_rebook(struct req *r)
{
    struct appointment ap;
    if (own_appointment(r, &ap) < 0)
        return;
    book_rebook_submit(r, &ap, rebook_path(r, &ap),
                       arena_printf(r->arena, "/portal/appointments/%lld", (long long)ap.id),
                       PROOF_EMAIL);
}

void portal_manage(struct req *r)
{
    struct err e = {0};
    struct appointment ap;
    char token[TOKEN_LEN];
    unsigned char hash[STORE_TOKEN_HASH];
    struct db *db = web_db(r);
    if (own_appointment(r, &ap) < 0)
        return;
    token_new(token, hash);
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK ||
        db_portal_manage_link(db, ap.id, r->user->id, hash, clock_now(), &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    web_private(r);
    /* go=deposit: straight to the provider's page of a deposit still waiting */
    const char *go = kv_get(&r->form, "go");
    int64_t held = 0;
    if (go && strcmp(go, "deposit") == 0) {
        if (pay_held_checkout(r, &ap, &held) < 0)
            return;
        if (held) {
            pay_send_to_checkout(r, held, token, ap.client_email);
            return;
        }
    }
    /* go=intake: straight to the health form, one click from the portal */
    int intake = go && strcmp(go, "intake") == 0 && portal_upcoming(ap.status, ap.start, clock_now());
    form_see_other(r, arena_printf(r->arena, "/a/%s%s", token, intake ? "/intake" : ""));
}
