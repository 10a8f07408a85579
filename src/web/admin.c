/* admin — the clinic's set-up, edited in forms: services, therapists, rooms,
 * opening hours and closed dates (accounts: web/admin_users.c).
 *
 * Each save reads the whole form, checks every field and collects one
 * message per wrong field (errors.<field>); if any, the form comes back with
 * 422 and what was typed, and nothing is written.  Otherwise everything is
 * written in one transaction.  Changing the set-up bumps clinic_version (SQL
 * triggers), so the availability cache reloads by itself.  This module must
 * not hold booking rules; it only checks the shape of what an admin types. */
#include "web/admin.h"
#include "web/admin_int.h"

#include <ctype.h>
#include <stdint.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/auth.h"
#include "core/booking.h"
#include "core/datetime.h"
#include "core/money.h"
#include "store/store.h"
#include "svc/guard.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/num.h"
#include "web/account.h"
#include "web/admin_locations.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"

static const char *const weekday_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                             "Thursday", "Friday", "Saturday"};

/* ---- small helpers ---- */

static int checked(struct req *r, const char *key)
{
    return kv_get(&r->form, key) != NULL;
}

/* Every value of a repeated field (checkboxes), on the arena. */
static const char **values(struct req *r, const char *key, size_t *n)
{
    size_t cnt = kv_count(&r->form, key), k = 0;
    const char **out = arena_array(r->arena, cnt ? cnt : 1, sizeof *out);
    for (size_t i = 0; i < r->form.n; i++)
        if (strcmp(r->form.items[i].key, key) == 0)
            out[k++] = r->form.items[i].val;
    *n = k;
    return out;
}

static int in_list(const char *const *list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], id) == 0)
            return 1;
    return 0;
}

/* An id for a new service or therapist: lowercase letters, digits, hyphens. */
static const char *slug(struct req *r, json_t *errors, const char *key)
{
    const char *v = form_value(r, key);
    size_t n = strlen(v);
    if (n == 0)
        form_error(errors, key, "Enter an id, e.g. deep-tissue-60.");
    else if (n > 64 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != n || v[0] == '-')
        form_error(errors, key, "Use 1 to 64 lowercase letters, digits and hyphens, starting with a "
                         "letter or digit.");
    return v;
}

/* A whole number in [min, max]. */
static int whole(struct req *r, json_t *errors, const char *key, const char *label, int min,
                 int max)
{
    int v = 0;
    if (num_parse_int(form_value(r, key), min, max, &v) < 0)
        form_error(errors, key, arena_printf(r->arena, "The %s must be a whole number from %d to %d.",
                                      label, min, max));
    return v;
}

/* A whole number in [min, max], or empty for "the clinic's default" (-1). */
static int optional(struct req *r, json_t *errors, const char *key, const char *label, int min,
                    int max)
{
    if (form_blank(form_value(r, key)))
        return -1;
    return whole(r, errors, key, label, min, max);
}

/* "125", "125.5", "125.50" or "$125.50" → cents; -1 when malformed. */
static int parse_price(const char *s)
{
    long dollars = 0, cents = 0;
    int nd = 0, nc = 0;
    if (*s == '$')
        s++;
    for (; *s >= '0' && *s <= '9'; s++, nd++) {
        if (nd >= 6)
            return -1;
        dollars = dollars * 10 + (*s - '0');
    }
    if (nd == 0)
        return -1;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, nc++) {
            if (nc >= 2)
                return -1;
            cents = cents * 10 + (*s - '0');
        }
        if (nc == 0)
            return -1;
        if (nc == 1)
            cents *= 10;
    }
    return *s ? -1 : (int)(dollars * 100 + cents);
}

static const char *price_text(struct req *r, int cents)
{
    return arena_printf(r->arena, "%d.%02d", cents / 100, cents % 100);
}

static const char *opt_text(struct req *r, int v)
{
    return v < 0 ? "" : arena_printf(r->arena, "%d", v);
}

/* "HH:MM" (24-hour, "24:00" allowed as the end of a day) → minutes; -1 if malformed. */
static int parse_hhmm(const char *s)
{
    int h, m;
    if (strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
        !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
        !isdigit((unsigned char)s[4]))
        return -1;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

static const char *hhmm(struct req *r, int min)
{
    return arena_printf(r->arena, "%02d:%02d", min / 60, min % 60);
}

/* A photo address: a path on this site or an https URL, nothing that could
 * break out of an attribute or run script. */
static int photo_ok(const char *s)
{
    if (!((s[0] == '/' && s[1] != '/') || strncmp(s, "https://", 8) == 0))
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || strchr("\"'<>\\`", *s))
            return 0;
    return 1;
}

/* The current form's fields as typed, for re-showing a refused form. */
json_t *admin_typed(struct req *r)
{
    json_t *o = json_object();
    for (size_t i = 0; i < r->form.n; i++) {
        const char *k = r->form.items[i].key;
        if (strcmp(k, "csrf") == 0 || strstr(k, "password") || json_object_get(o, k))
            continue;
        json_object_set_new(o, k, json_string(r->form.items[i].val));
    }
    return o;
}

int admin_fail_db(struct req *r, struct db *db, struct err *e)
{
    db_rollback(db);
    web_fail(r, e);
    return -1;
}

/* ---- /admin ---- */

void admin_index(struct req *r)
{
    json_t *ctx = chrome_context(r, "Clinic set-up", "admin");
    form_render(r, 200, "admin/index", ctx);
}

/* ---- services ---- */

/* Why service_id would have no openings with the therapists tids (NULL:
 * those who offer it now) and the stored rooms, or NULL when it would have
 * some (core/booking).  th: every therapist; rooms: every room. */
static const char *no_openings(const char *service_id, const struct therapist *th, size_t nth,
                               const char **tids, size_t nt, const struct room *rooms,
                               size_t nrooms)
{
    size_t active = 0, suited = 0;
    for (size_t i = 0; i < nth; i++)
        if (th[i].active && (tids ? in_list(tids, nt, th[i].id)
                                  : in_list(th[i].service_ids, th[i].nservices, service_id)))
            active++;
    for (size_t i = 0; i < nrooms; i++)
        suited += in_list(rooms[i].service_ids, rooms[i].nservices, service_id) != 0;
    return booking_service_no_openings(active, suited);
}

static int in_ids(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

/* The rooms the service form chose ("room" values), each an existing room
 * once; a bad value sets errors["rooms"].  Lives on the arena. */
static int64_t *chosen_rooms(struct req *r, json_t *errors, const struct room *rooms,
                             size_t nrooms, size_t *n)
{
    size_t nv;
    const char **v = values(r, "room", &nv);
    int64_t *ids = arena_array(r->arena, nv + 1, sizeof *ids);
    *n = 0;
    for (size_t i = 0; i < nv; i++) {
        int64_t id;
        int known = 0;
        if (num_parse_i64(v[i], 1, INT64_MAX, &id) == 0)
            for (size_t k = 0; k < nrooms; k++)
                known |= rooms[k].id == id;
        if (!known)
            form_error(errors, "rooms", "Choose rooms from the list.");
        else if (in_ids(ids, *n, id))
            form_error(errors, "rooms", "Each room can be chosen once.");
        else
            ids[(*n)++] = id;
    }
    return ids;
}

/* The form's fields from a stored service and its billing. */
static json_t *service_form(struct req *r, const struct service *s, const struct service_billing *b,
                            const struct service_deposit *d, const struct service_fees *fe)
{
    char pct[16];
    json_t *f =
        json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:b, s:s, s:s, s:s}", "id", s->id, "name",
                  s->name, "description", s->description, "duration", s->duration_min, "price",
                  price_text(r, s->price_cents), "buffer", s->buffer_min, "active", s->active,
                  "min_notice", opt_text(r, s->min_notice_minutes), "horizon",
                  opt_text(r, s->horizon_days), "late_cancel", opt_text(r, s->late_cancel_hours));
    json_object_set_new(f, "tax_rate",
                        json_string(money_format_percent(b->tax_bp, pct, sizeof pct)));
    json_object_set_new(f, "procedure_code", json_string(b->procedure_code));
    json_object_set_new(f, "unit_minutes", json_integer(b->unit_minutes));
    json_object_set_new(f, "deposit_kind", json_string(d->kind));
    json_object_set_new(f, "dk_" "none", json_boolean(strcmp(d->kind, "none") == 0));
    json_object_set_new(f, "dk_card", json_boolean(strcmp(d->kind, "card") == 0));
    json_object_set_new(f, "dk_amount", json_boolean(strcmp(d->kind, "amount") == 0));
    json_object_set_new(f, "dk_percent", json_boolean(strcmp(d->kind, "percent") == 0));
    if (strcmp(d->kind, "amount") == 0)
        json_object_set_new(f, "deposit_value", json_string(price_text(r, (int)d->value)));
    else if (strcmp(d->kind, "percent") == 0)
        json_object_set_new(f, "deposit_value",
                            json_string(money_format_percent((int)d->value, pct, sizeof pct)));
    else
        json_object_set_new(f, "deposit_value", json_string(""));
    const char *kinds[2] = {fe->late_kind, fe->noshow_kind};
    const int64_t vals[2] = {fe->late_value, fe->noshow_value};
    const char *names[2] = {"late_fee", "noshow_fee"};
    for (int i = 0; i < 2; i++) {
        json_object_set_new(f, arena_printf(r->arena, "%s_%s", names[i], kinds[i]), json_true());
        if (strcmp(kinds[i], "amount") == 0)
            json_object_set_new(f, arena_printf(r->arena, "%s_value", names[i]),
                                json_string(price_text(r, (int)vals[i])));
        else if (strcmp(kinds[i], "percent") == 0)
            json_object_set_new(f, arena_printf(r->arena, "%s_value", names[i]),
                                json_string(money_format_percent((int)vals[i], pct, sizeof pct)));
    }
    return f;
}

void admin_services(struct req *r)
{
    struct err e = {0};
    struct service *sv;
    struct therapist *th;
    struct room *rooms;
    size_t ns, nt, nrooms;
    struct db *db = web_db(r);
    if (db_services(db, r->arena, 0, &sv, &ns, &e) != E_OK ||
        db_therapists(db, r->arena, 0, &th, &nt, &e) != E_OK ||
        db_rooms(db, r->arena, &rooms, &nrooms, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < ns; i++) {
        int offered = 0;
        for (size_t t = 0; t < nt; t++)
            offered += in_list(th[t].service_ids, th[t].nservices, sv[i].id);
        json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:b, s:i, s:s}", "id", sv[i].id, "name",
                              sv[i].name, "duration", sv[i].duration_min, "price",
                              web_price(r, sv[i].price_cents), "active", sv[i].active,
                              "therapists", offered, "url",
                              arena_printf(r->arena, "/admin/services/%s", sv[i].id));
        /* An active service can still lose its last room or therapist on
         * their own pages: say why it has no openings. */
        const char *why = sv[i].active ? no_openings(sv[i].id, th, nt, NULL, 0, rooms, nrooms)
                                       : NULL;
        if (why)
            json_object_set_new(o, "no_openings", json_string(why));
        json_array_append_new(list, o);
    }
    json_t *ctx = chrome_context(r, "Services", "admin");
    json_object_set_new(ctx, "services", list);
    form_render(r, 200, "admin/services", ctx);
}

/* The service form page: new (id NULL) or an existing service; form and
 * errors may be NULL (then taken from s). */
static void service_page(struct req *r, int status, const char *id, const struct service *s,
                         const char **tids, size_t nt, const int64_t *rids, size_t nr,
                         json_t *form, json_t *errors)
{
    struct err e = {0};
    web_keep(r, form);
    web_keep(r, errors);
    struct therapist *th;
    struct room *rooms;
    size_t n, nrooms;
    struct service_billing b = {0, "", 15};
    struct service_deposit d = {"none", 0, 0};
    struct service_fees fe = {"none", 0, "none", 0, 0};
    if (db_therapists(web_db(r), r->arena, 0, &th, &n, &e) != E_OK ||
        db_rooms(web_db(r), r->arena, &rooms, &nrooms, &e) != E_OK ||
        (id && !form && db_service_billing(web_db(r), r->arena, id, &b, &e) != E_OK) ||
        (id && !form && db_service_deposit(web_db(r), r->arena, id, &d, &e) != E_OK) ||
        (id && !form && db_service_fees(web_db(r), r->arena, id, &fe, &e) != E_OK)) {
        web_fail(r, &e);
        return;
    }
    json_t *room_choices = json_array();
    for (size_t i = 0; i < nrooms; i++)
        json_array_append_new(room_choices,
                              json_pack("{s:I, s:s, s:b}", "id", (json_int_t)rooms[i].id, "name",
                                        rooms[i].name, "checked", in_ids(rids, nr, rooms[i].id)));
    json_t *choices = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(choices, json_pack("{s:s, s:s, s:b, s:b}", "id", th[i].id, "name",
                                                 th[i].name, "checked",
                                                 in_list(tids, nt, th[i].id), "inactive",
                                                 !th[i].active));
    json_t *ctx =
        chrome_context(r, id ? arena_printf(r->arena, "Edit %s", s->name) : "New service", "admin");
    json_object_set_new(ctx, "is_new", json_boolean(!id));
    json_object_set_new(ctx, "action", json_string(id ? arena_printf(r->arena,
                                                                     "/admin/services/%s", id)
                                                      : "/admin/services"));
    if (form)
        json_object_set(ctx, "form", form);
    else
        json_object_set_new(ctx, "form", service_form(r, s, &b, &d, &fe));
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    json_object_set_new(ctx, "therapists", choices);
    json_object_set_new(ctx, "rooms", room_choices);
    form_render(r, status, "admin/service", ctx);
}

void admin_service_new(struct req *r)
{
    struct service s = {"", "", "", 60, 0, 0, 1, 0, -1, -1, -1};
    service_page(r, 200, NULL, &s, NULL, 0, NULL, 0, NULL, NULL);
}

void admin_service(struct req *r)
{
    struct err e = {0};
    struct service s;
    struct therapist *th;
    struct room *rooms;
    size_t nt, nrooms;
    struct db *db = web_db(r);
    const char *id = req_param(r, 0);
    if (db_service(db, r->arena, id, &s, &e) != E_OK ||
        db_therapists(db, r->arena, 0, &th, &nt, &e) != E_OK ||
        db_rooms(db, r->arena, &rooms, &nrooms, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    int64_t *rids = arena_array(r->arena, nrooms + 1, sizeof *rids);
    size_t nr = 0;
    for (size_t i = 0; i < nrooms; i++)
        if (in_list(rooms[i].service_ids, rooms[i].nservices, id))
            rids[nr++] = rooms[i].id;
    const char **tids = arena_array(r->arena, nt ? nt : 1, sizeof *tids);
    size_t k = 0;
    for (size_t i = 0; i < nt; i++)
        if (in_list(th[i].service_ids, th[i].nservices, id))
            tids[k++] = th[i].id;
    service_page(r, 200, id, &s, tids, k, rids, nr, NULL, NULL);
}

/* The service form's billing fields (tax rate in percent, procedure code,
 * minutes per unit) into b; errors recorded.  Can't fail. */
static void billing(struct req *r, json_t *errors, struct service_billing *b)
{
    const char *tax = form_value(r, "tax_rate"), *code = form_value(r, "procedure_code");
    b->tax_bp = 0;
    if (!form_blank(tax) && money_parse_percent(tax, &b->tax_bp) < 0)
        form_error(errors, "tax_rate",
                   "Enter the tax rate in percent, from 0 to 100, e.g. 5 or 8.25.");
    if (strlen(code) > 10 || strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(code))
        form_error(errors, "procedure_code",
                   "A procedure code is up to 10 capital letters and digits, e.g. 97124.");
    b->procedure_code = code;
    const char *um = form_value(r, "unit_minutes");
    b->unit_minutes = 15;
    if (!form_blank(um) && num_parse_int(um, 0, 480, &b->unit_minutes) < 0)
        form_error(errors, "unit_minutes", "Enter the minutes of one billing unit, from 0 to 480.");
}

/* The service form's online payment at booking (none, a card on file, a
 * deposit in dollars or in percent of the price) into d; errors recorded.
 * A form without the field asks none.  Can't fail. */
static void deposit(struct req *r, json_t *errors, struct service_deposit *d)
{
    const char *kind = form_value(r, "deposit_kind"), *v = form_value(r, "deposit_value");
    d->kind = "none";
    d->value = 0;
    if (form_blank(kind) || strcmp(kind, "none") == 0 || strcmp(kind, "card") == 0) {
        d->kind = form_blank(kind) ? "none" : kind;
        return;
    }
    if (strcmp(kind, "amount") == 0) {
        int cents = parse_price(v);
        d->kind = kind;
        d->value = cents;
        if (cents <= 0)
            form_error(errors, "deposit_value",
                       "Enter the deposit in dollars, more than 0, e.g. 25 or 25.50.");
    } else if (strcmp(kind, "percent") == 0) {
        int bp = 0;
        d->kind = kind;
        if (money_parse_percent(v, &bp) < 0 || bp <= 0)
            form_error(errors, "deposit_value",
                       "Enter the deposit in percent of the price, more than 0 and at most "
                       "100, e.g. 20.");
        d->value = bp;
    } else {
        form_error(errors, "deposit_kind",
                   "Choose no payment, a card on file, or a deposit in dollars or percent.");
    }
}

/* One fee of the service form (name_kind: none, amount, percent; name_value:
 * dollars or percent) into *kind and *value; errors recorded.  A form
 * without the field has no fee.  Can't fail. */
static void fee(struct req *r, json_t *errors, const char *name, const char *what,
                const char **kind, int64_t *value)
{
    const char *k = form_value(r, arena_printf(r->arena, "%s_kind", name));
    const char *field = arena_printf(r->arena, "%s_value", name);
    const char *v = form_value(r, field);
    *kind = "none";
    *value = 0;
    if (form_blank(k) || strcmp(k, "none") == 0)
        return;
    if (strcmp(k, "amount") == 0) {
        int cents = parse_price(v);
        *kind = "amount";
        *value = cents;
        if (cents <= 0)
            form_error(errors, field,
                       arena_printf(r->arena, "Enter the %s in dollars, more than 0, e.g. 40.",
                                    what));
    } else if (strcmp(k, "percent") == 0) {
        int bp = 0;
        *kind = "percent";
        if (money_parse_percent(v, &bp) < 0 || bp <= 0)
            form_error(errors, field,
                       arena_printf(r->arena,
                                    "Enter the %s in percent of the price, more than 0 and at "
                                    "most 100, e.g. 50.",
                                    what));
        *value = bp;
    } else {
        form_error(errors, field,
                   arena_printf(r->arena, "Choose no %s, an amount or a percentage.", what));
    }
}

/* Validates and saves the service form; id NULL = a new service. */
static void service_submit(struct req *r, const char *id)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct service old = {0}, s = {0};
    struct therapist *th;
    struct room *rooms;
    size_t nth, nt, nrooms, nr;
    json_t *errors = web_keep(r, json_object());

    if (id && db_service(db, r->arena, id, &old, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (db_therapists(db, r->arena, 0, &th, &nth, &e) != E_OK ||
        db_rooms(db, r->arena, &rooms, &nrooms, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    s.id = id ? id : slug(r, errors, "id");
    if (!id && !json_object_get(errors, "id")) {
        struct service dup;
        enum err_code rc = db_service(db, r->arena, s.id, &dup, &e);
        if (rc == E_OK)
            form_error(errors, "id", "A service with this id already exists; choose another.");
        else if (rc != E_NOTFOUND) {
            web_fail(r, &e);
            return;
        }
    }
    s.name = form_text(r, errors, "name", "name", 1, 120);
    s.description = form_text(r, errors, "description", "description", 0, 2000);
    s.duration_min = whole(r, errors, "duration", "length in minutes", 5, 480);
    s.price_cents = parse_price(form_value(r, "price"));
    if (s.price_cents < 0)
        form_error(errors, "price", "Enter the price in dollars, e.g. 125 or 125.50.");
    s.buffer_min = whole(r, errors, "buffer", "buffer in minutes", 0, 240);
    s.active = checked(r, "active");
    s.position = id ? old.position : 0;
    s.min_notice_minutes = optional(r, errors, "min_notice", "minimum notice", 0, 10080);
    s.horizon_days = optional(r, errors, "horizon", "horizon", 1, 730);
    s.late_cancel_hours = optional(r, errors, "late_cancel", "late-cancellation window", 0, 336);
    struct service_billing bill;
    billing(r, errors, &bill);
    struct service_deposit dep;
    deposit(r, errors, &dep);
    struct service_fees fees = {0};
    fee(r, errors, "late_fee", "late-cancellation fee", &fees.late_kind, &fees.late_value);
    fee(r, errors, "noshow_fee", "no-show fee", &fees.noshow_kind, &fees.noshow_value);
    const char **tids = values(r, "therapist", &nt);
    for (size_t i = 0; i < nt; i++) {
        int known = 0;
        for (size_t k = 0; k < nth; k++)
            known |= strcmp(th[k].id, tids[i]) == 0;
        if (!known)
            form_error(errors, "therapists", "Choose therapists from the list.");
        for (size_t k = 0; k < i; k++)
            if (strcmp(tids[k], tids[i]) == 0)
                form_error(errors, "therapists", "Each therapist can be chosen once.");
    }
    int64_t *rids = chosen_rooms(r, errors, rooms, nrooms, &nr);
    if (!id && json_object_size(errors) == 0) {
        struct service *all;
        size_t na;
        if (db_services(db, r->arena, 0, &all, &na, &e) != E_OK) {
            web_fail(r, &e);
            return;
        }
        for (size_t i = 0; i < na; i++)
            if (all[i].position >= s.position)
                s.position = all[i].position + 1;
    }
    if (json_object_size(errors) == 0 && s.active) {
        /* Guard rail: an active service that no one can book is refused,
         * with what to do about it.  The rooms are counted as chosen here. */
        size_t active = 0;
        for (size_t i = 0; i < nth; i++)
            active += th[i].active && in_list(tids, nt, th[i].id);
        const char *why = booking_service_no_openings(active, nr);
        if (why)
            form_error(errors, "active",
                       arena_printf(r->arena,
                                    "It cannot be active: %s, so clients would find no "
                                    "openings. Tick %s below, or untick Active to save it as "
                                    "inactive.",
                                    why,
                                    active == 0 && nr == 0 ? "an active therapist and a room"
                                    : active == 0          ? "an active therapist"
                                                           : "a room"));
    }
    if (json_object_size(errors)) {
        json_t *t = admin_typed(r);
        json_object_set_new(t, arena_printf(r->arena, "dk_%s", dep.kind), json_true());
        json_object_set_new(t, arena_printf(r->arena, "late_fee_%s", fees.late_kind), json_true());
        json_object_set_new(t, arena_printf(r->arena, "noshow_fee_%s", fees.noshow_kind),
                            json_true());
        service_page(r, 422, id, id ? &old : &s, tids, nt, rids, nr, t, json_incref(errors));
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    /* after the bookings in flight, before the ones that follow (store.h) */
    if (db_begin(db, &e) != E_OK || db_lock_setup(db, &e) != E_OK ||
        db_put_service(db, &s, &e) != E_OK ||
        db_put_service_billing(db, s.id, &bill, &e) != E_OK ||
        db_put_service_deposit(db, s.id, dep.kind, dep.value, &e) != E_OK ||
        db_put_service_fees(db, s.id, &fees, &e) != E_OK ||
        db_set_service_therapists(db, s.id, tids, nt, &e) != E_OK ||
        db_set_service_rooms(db, s.id, rids, nr, &e) != E_OK || db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        admin_fail_db(r, db, &e);
        return;
    }
    form_see_other(r, "/admin/services?saved=1");
}

void admin_service_create(struct req *r)
{
    service_submit(r, NULL);
}

void admin_service_save(struct req *r)
{
    service_submit(r, req_param(r, 0));
}

/* ---- therapists ---- */

void admin_therapists(struct req *r)
{
    struct err e = {0};
    struct therapist *th;
    size_t nt;
    if (db_therapists(web_db(r), r->arena, 0, &th, &nt, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < nt; i++)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:b, s:i, s:s}", "id", th[i].id, "name", th[i].name,
                            "title", th[i].title, "active", th[i].active, "services",
                            (int)th[i].nservices, "url",
                            arena_printf(r->arena, "/admin/therapists/%s", th[i].id)));
    json_t *ctx = chrome_context(r, "Therapists", "admin");
    json_object_set_new(ctx, "therapists", list);
    form_render(r, 200, "admin/therapists", ctx);
}

static void therapist_page(struct req *r, int status, const char *id, const struct therapist *t,
                           const char **sids, size_t ns, json_t *form, json_t *errors)
{
    struct err e = {0};
    web_keep(r, form);
    web_keep(r, errors);
    struct service *sv;
    size_t n;
    if (db_services(web_db(r), r->arena, 0, &sv, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *choices = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(choices, json_pack("{s:s, s:s, s:b, s:b}", "id", sv[i].id, "name",
                                                 sv[i].name, "checked",
                                                 in_list(sids, ns, sv[i].id), "inactive",
                                                 !sv[i].active));
    json_t *ctx = chrome_context(
        r, id ? arena_printf(r->arena, "Edit %s", t->name) : "New therapist", "admin");
    json_object_set_new(ctx, "is_new", json_boolean(!id));
    json_object_set_new(ctx, "action",
                        json_string(id ? arena_printf(r->arena, "/admin/therapists/%s", id)
                                       : "/admin/therapists"));
    if (form)
        json_object_set(ctx, "form", form);
    else {
        struct therapist_ids ids = {"", ""};
        if (id && db_therapist_ids(web_db(r), r->arena, id, &ids, &e) != E_OK) {
            json_decref(ctx);
            web_fail(r, &e);
            return;
        }
        json_object_set_new(ctx, "form",
                            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "id",
                                      t->id, "name", t->name, "title", t->title, "bio", t->bio,
                                      "specialties", t->specialties ? t->specialties : "", "photo",
                                      t->photo, "photo_alt", t->photo_alt, "active", t->active,
                                      "npi", ids.npi, "licence", ids.licence));
    }
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    json_object_set_new(ctx, "services", choices);
    form_render(r, status, "admin/therapist", ctx);
}

void admin_therapist_new(struct req *r)
{
    struct therapist t = {"", "", "", "", "", "", 1, 0, NULL, 0, ""};
    therapist_page(r, 200, NULL, &t, NULL, 0, NULL, NULL);
}

void admin_therapist(struct req *r)
{
    struct err e = {0};
    struct therapist t;
    if (db_therapist(web_db(r), r->arena, req_param(r, 0), &t, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    therapist_page(r, 200, t.id, &t, t.service_ids, t.nservices, NULL, NULL);
}

static void therapist_submit(struct req *r, const char *id)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct therapist old = {0}, t = {0};
    struct service *sv;
    size_t nsv, ns;
    json_t *errors = web_keep(r, json_object());

    if (id && db_therapist(db, r->arena, id, &old, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (db_services(db, r->arena, 0, &sv, &nsv, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    t.id = id ? id : slug(r, errors, "id");
    if (!id && !json_object_get(errors, "id")) {
        struct therapist dup;
        enum err_code rc = db_therapist(db, r->arena, t.id, &dup, &e);
        if (rc == E_OK)
            form_error(errors, "id", "A therapist with this id already exists; choose another.");
        else if (rc != E_NOTFOUND) {
            web_fail(r, &e);
            return;
        }
    }
    t.name = form_text(r, errors, "name", "name", 1, 120);
    t.title = form_text(r, errors, "title", "title", 0, 120);
    t.bio = form_text(r, errors, "bio", "bio", 0, 4000);
    t.specialties = form_text(r, errors, "specialties", "specialties", 0, 300);
    t.photo = form_text(r, errors, "photo", "photo address", 0, 500);
    t.photo_alt = form_text(r, errors, "photo_alt", "photo description", 0, 300);
    if (*t.photo && !photo_ok(t.photo))
        form_error(errors, "photo", "The photo address must start with / (a file on this site) or "
                             "https://, without spaces or quotes.");
    if (*t.photo && form_blank(t.photo_alt))
        form_error(errors, "photo_alt", "Describe the photo for people who cannot see it.");
    struct therapist_ids ids = {form_value(r, "npi"),
                                form_text(r, errors, "licence", "licence number", 0, 40)};
    if (*ids.npi && !money_npi_ok(ids.npi))
        form_error(errors, "npi", "An NPI is 10 digits with a valid check digit, e.g. 1234567893.");
    t.active = checked(r, "active");
    t.position = id ? old.position : 0;
    t.service_ids = values(r, "service", &ns);
    t.nservices = ns;
    for (size_t i = 0; i < ns; i++) {
        int known = 0;
        for (size_t k = 0; k < nsv; k++)
            known |= strcmp(sv[k].id, t.service_ids[i]) == 0;
        if (!known)
            form_error(errors, "services", "Choose services from the list.");
        for (size_t k = 0; k < i; k++)
            if (strcmp(t.service_ids[k], t.service_ids[i]) == 0)
                form_error(errors, "services", "Each service can be chosen once.");
    }
    if (!id && json_object_size(errors) == 0) {
        struct therapist *all;
        size_t na;
        if (db_therapists(db, r->arena, 0, &all, &na, &e) != E_OK) {
            web_fail(r, &e);
            return;
        }
        for (size_t i = 0; i < na; i++)
            if (all[i].position >= t.position)
                t.position = all[i].position + 1;
    }
    if (json_object_size(errors)) {
        therapist_page(r, 422, id, id ? &old : &t, t.service_ids, ns, admin_typed(r),
                       json_incref(errors));
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    /* after the bookings in flight, before the ones that follow (store.h) */
    if (db_begin(db, &e) != E_OK || db_lock_setup(db, &e) != E_OK ||
        db_put_therapist(db, &t, &e) != E_OK ||
        db_put_therapist_ids(db, t.id, &ids, &e) != E_OK || db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        admin_fail_db(r, db, &e);
        return;
    }
    form_see_other(r, "/admin/therapists?saved=1");
}

void admin_therapist_create(struct req *r)
{
    therapist_submit(r, NULL);
}

void admin_therapist_save(struct req *r)
{
    therapist_submit(r, req_param(r, 0));
}

/* ---- rooms ---- */

static json_t *service_choices(struct req *r, const struct service *sv, size_t n,
                               const char **sids, size_t ns)
{
    json_t *choices = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(choices, json_pack("{s:s, s:s, s:b}", "id", sv[i].id, "name",
                                                 sv[i].name, "checked",
                                                 in_list(sids, ns, sv[i].id)));
    return choices;
}

/* The rooms page, with the add form (form/errors for a refused add). */
/* ctx.locations for a room's form: [{id, name, selected}], and
 * ctx.multi_location when there is a choice to make. */
static void room_locations(struct req *r, json_t *ctx, const struct location *l, size_t n,
                           int64_t selected)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:I, s:s, s:b}", "id", (json_int_t)l[i].id,
                                              "name", l[i].name, "selected",
                                              l[i].id == selected));
    json_object_set_new(ctx, "locations", list);
    json_object_set_new(ctx, "multi_location", json_boolean(n > 1));
}

static const char *location_name(const struct location *l, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (l[i].id == id)
            return l[i].name;
    return "";
}

static void rooms_page(struct req *r, int status, json_t *form, json_t *errors,
                       const char **sids, size_t ns)
{
    struct err e = {0};
    web_keep(r, form);
    web_keep(r, errors);
    struct room *rooms;
    struct service *sv;
    struct location *locs;
    size_t nr, nsv, nl;
    struct db *db = web_db(r);
    if (db_rooms(db, r->arena, &rooms, &nr, &e) != E_OK ||
        db_services(db, r->arena, 0, &sv, &nsv, &e) != E_OK ||
        db_locations(db, r->arena, &locs, &nl, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < nr; i++) {
        json_t *names = json_array();
        for (size_t k = 0; k < nsv; k++)
            if (in_list(rooms[i].service_ids, rooms[i].nservices, sv[k].id))
                json_array_append_new(names, json_string(sv[k].name));
        json_array_append_new(list, json_pack("{s:I, s:s, s:o, s:s, s:s}", "id",
                                              (json_int_t)rooms[i].id, "name", rooms[i].name,
                                              "services", names, "url",
                                              arena_printf(r->arena, "/admin/rooms/%lld",
                                                           (long long)rooms[i].id),
                                              "location",
                                              location_name(locs, nl, rooms[i].location_id)));
    }
    json_t *ctx = chrome_context(r, "Rooms", "admin");
    int64_t chosen = STORE_FIRST_LOCATION;
    if (form && num_parse_i64(form_value(r, "location"), 1, INT64_MAX, &chosen) < 0)
        chosen = STORE_FIRST_LOCATION;
    room_locations(r, ctx, locs, nl, chosen);
    json_object_set_new(ctx, "rooms", list);
    json_object_set_new(ctx, "form", form ? json_incref(form) : json_object());
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    json_object_set_new(ctx, "services", service_choices(r, sv, nsv, sids, ns));
    form_render(r, status, "admin/rooms", ctx);
}

void admin_rooms(struct req *r)
{
    rooms_page(r, 200, NULL, NULL, NULL, 0);
}

/* Reads and checks a room form into *out; id 0 = new.  Returns the errors. */
static json_t *room_form(struct req *r, int64_t id, struct room *out)
{
    struct err e = {0};
    struct room *rooms;
    struct service *sv;
    struct location *locs;
    size_t nr, nsv, ns, nl;
    json_t *errors = web_keep(r, json_object());
    struct db *db = web_db(r);
    memset(out, 0, sizeof *out);
    if (db_rooms(db, r->arena, &rooms, &nr, &e) != E_OK ||
        db_services(db, r->arena, 0, &sv, &nsv, &e) != E_OK ||
        db_locations(db, r->arena, &locs, &nl, &e) != E_OK) {
        form_error(errors, "name", e.msg);
        return errors;
    }
    /* the location: as chosen; without the field (one location, so the
     * form has none), a new room's is the first and a room keeps its own */
    const char *lv = form_value(r, "location");
    out->location_id = STORE_FIRST_LOCATION;
    for (size_t i = 0; id && i < nr; i++)
        if (rooms[i].id == id)
            out->location_id = rooms[i].location_id;
    if (!form_blank(lv) && (num_parse_i64(lv, 1, INT64_MAX, &out->location_id) < 0 ||
                            !location_name(locs, nl, out->location_id)[0]))
        form_error(errors, "location", "Choose the room's location from the list.");
    out->id = id;
    out->name = form_text(r, errors, "name", "room name", 1, 60);
    for (size_t i = 0; i < nr; i++)
        if (rooms[i].id != id && strcasecmp(rooms[i].name, out->name) == 0)
            form_error(errors, "name", "Another room already has this name.");
    out->service_ids = values(r, "service", &ns);
    out->nservices = ns;
    for (size_t i = 0; i < ns; i++) {
        int known = 0;
        for (size_t k = 0; k < nsv; k++)
            known |= strcmp(sv[k].id, out->service_ids[i]) == 0;
        if (!known)
            form_error(errors, "services", "Choose services from the list.");
        for (size_t k = 0; k < i; k++)
            if (strcmp(out->service_ids[k], out->service_ids[i]) == 0)
                form_error(errors, "services", "Each service can be chosen once.");
    }
    return errors;
}

void admin_room_create(struct req *r)
{
    struct err e = {0};
    struct room rm;
    struct db *db = web_db(r);
    json_t *errors = room_form(r, 0, &rm);
    if (json_object_size(errors)) {
        rooms_page(r, 422, admin_typed(r), json_incref(errors), rm.service_ids, rm.nservices);
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_add_room(db, &rm, NULL, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        admin_fail_db(r, db, &e);
        return;
    }
    form_see_other(r, "/admin/rooms?saved=1");
}

static int room_id(struct req *r, int64_t *id)
{
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, id) < 0) {
        web_error(r, 404, NULL, "There is no such room.");
        return -1;
    }
    return 0;
}

static void room_page(struct req *r, int status, const struct room *rm, json_t *form,
                      json_t *errors)
{
    struct err e = {0};
    struct service *sv;
    struct location *locs;
    web_keep(r, form);
    web_keep(r, errors);
    size_t nsv, nl;
    if (db_services(web_db(r), r->arena, 0, &sv, &nsv, &e) != E_OK ||
        db_locations(web_db(r), r->arena, &locs, &nl, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = chrome_context(r, arena_printf(r->arena, "Room: %s", rm->name), "admin");
    room_locations(r, ctx, locs, nl, rm->location_id);
    json_object_set_new(ctx, "action",
                        json_string(arena_printf(r->arena, "/admin/rooms/%lld", (long long)rm->id)));
    json_object_set_new(ctx, "form",
                        form ? json_incref(form) : json_pack("{s:s}", "name", rm->name));
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    json_object_set_new(ctx, "services",
                        service_choices(r, sv, nsv, rm->service_ids, rm->nservices));
    form_render(r, status, "admin/room", ctx);
}

/* Finds room id among all rooms; E_NOTFOUND if absent. */
static enum err_code find_room(struct req *r, int64_t id, struct room *out, struct err *e)
{
    struct room *rooms;
    size_t nr;
    enum err_code rc = db_rooms(web_db(r), r->arena, &rooms, &nr, e);
    if (rc != E_OK)
        return rc;
    for (size_t i = 0; i < nr; i++)
        if (rooms[i].id == id) {
            *out = rooms[i];
            return E_OK;
        }
    return err_set(e, E_NOTFOUND, "There is no such room.");
}

void admin_room(struct req *r)
{
    struct err e = {0};
    struct room rm;
    int64_t id;
    if (room_id(r, &id) < 0)
        return;
    if (find_room(r, id, &rm, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    room_page(r, 200, &rm, NULL, NULL);
}

void admin_room_save(struct req *r)
{
    struct err e = {0};
    struct room old, rm;
    int64_t id;
    struct db *db = web_db(r);
    if (room_id(r, &id) < 0)
        return;
    if (find_room(r, id, &old, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *errors = room_form(r, id, &rm);
    if (json_object_size(errors)) {
        old.service_ids = rm.service_ids;
        old.nservices = rm.nservices;
        room_page(r, 422, &old, admin_typed(r), json_incref(errors));
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    /* after the bookings in flight, before the ones that follow (store.h) */
    if (db_begin(db, &e) != E_OK || db_lock_setup(db, &e) != E_OK ||
        db_update_room(db, &rm, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        admin_fail_db(r, db, &e);
        return;
    }
    form_see_other(r, "/admin/rooms?saved=1");
}

/* ---- opening hours and closed dates ---- */

/* The appointments a change of hours would leave outside them, for the
 * page's list (svc/guard). */
static json_t *stranded_list(struct req *r, const struct appointment *ap, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)ap[i].id, "date",
                            when_date_medium(r->arena, when_local_date(r->app->tz, ap[i].start)),
                            "time", when_range(r->app->tz, r->arena, ap[i].start, ap[i].end),
                            "client", ap[i].client_name, "service", ap[i].service_name,
                            "therapist", ap[i].therapist_name));
    return list;
}

/* The hours page.  days: the weekly form (NULL = from the store); closed_form
 * and closed_errors for a refused closed date; stranded (may be NULL): the
 * booked appointments a change would leave outside the hours, for the form
 * `which` ("hours" or "closed") to confirm. */
/* The location the hours page works on: ?location= or the form's field. */
static const char *hours_location_arg(struct req *r)
{
    const char *v = kv_get(&r->query, "location");
    return v && *v ? v : form_value(r, "location");
}

static void hours_page_with(struct req *r, int status, json_t *days, json_t *hours_errors,
                            json_t *closed_form, json_t *closed_errors, json_t *stranded,
                            const char *which, const char *message)
{
    struct err e = {0};
    web_keep(r, stranded);
    web_keep(r, days);
    web_keep(r, hours_errors);
    web_keep(r, closed_form);
    web_keep(r, closed_errors);
    struct db *db = web_db(r);
    struct closed_day *cd;
    size_t ncd, nl;
    const struct location *all, *loc;
    if (admin_location_pick(r, hours_location_arg(r), &all, &nl, &loc) < 0)
        return;
    if (db_closed_days(db, r->arena, &cd, &ncd, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (!days) {
        struct week_span *sp;
        size_t n;
        if (db_clinic_hours(db, r->arena, &sp, &n, &e) != E_OK) {
            web_fail(r, &e);
            return;
        }
        days = web_keep(r, json_array());
        /* Monday first, as a clinic's week reads. */
        for (int k = 1; k <= 7; k++) {
            int wd = k % 7, open = -1, close = -1;
            for (size_t i = 0; i < n; i++)
                if (sp[i].weekday == wd && sp[i].location_id == loc->id) {
                    if (open < 0)
                        open = sp[i].start_min;
                    close = sp[i].end_min;
                }
            json_array_append_new(
                days, json_pack("{s:i, s:s, s:s, s:s, s:b}", "wd", wd, "name", weekday_names[wd],
                                "open", open < 0 ? "" : hhmm(r, open), "close",
                                close < 0 ? "" : hhmm(r, close), "closed", open < 0));
        }
    }
    json_t *closed = json_array();
    for (size_t i = 0; i < ncd; i++) {
        if (cd[i].location_id != loc->id)
            continue;
        json_array_append_new(closed, json_pack("{s:s, s:s}", "date", cd[i].date, "reason",
                                                cd[i].reason));
    }
    json_t *ctx = chrome_context(r, "Opening hours and closed dates", "admin");
    admin_location_context(r, ctx, all, nl, loc, "/admin/hours");
    json_object_set(ctx, "days", days);
    json_object_set_new(ctx, "errors", hours_errors ? json_incref(hours_errors) : json_object());
    json_object_set_new(ctx, "closed", closed);
    json_object_set_new(ctx, "closed_form", closed_form ? json_incref(closed_form) : json_object());
    json_object_set_new(ctx, "closed_errors",
                        closed_errors ? json_incref(closed_errors) : json_object());
    if (stranded) {
        json_object_set(ctx, "stranded", stranded);
        json_object_set_new(ctx, "stranded_message", json_string(message));
        json_object_set_new(ctx, which && strcmp(which, "closed") == 0 ? "confirm_closed"
                                                                        : "confirm_hours",
                            json_true());
    }
    form_render(r, status, "admin/hours", ctx);
}

static void hours_page(struct req *r, int status, json_t *days, json_t *hours_errors,
                       json_t *closed_form, json_t *closed_errors)
{
    hours_page_with(r, status, days, hours_errors, closed_form, closed_errors, NULL, NULL, NULL);
}

void admin_hours(struct req *r)
{
    hours_page(r, 200, NULL, NULL, NULL, NULL);
}

void admin_hours_save(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct week_span spans[7];
    size_t n = 0;
    json_t *errors = web_keep(r, json_object());
    json_t *days = json_array();
    char key[32];
    size_t nl;
    const struct location *all, *loc;
    if (admin_location_pick(r, hours_location_arg(r), &all, &nl, &loc) < 0) {
        json_decref(days);
        return;
    }

    for (int k = 1; k <= 7; k++) {
        int wd = k % 7;
        snprintf(key, sizeof key, "closed_%d", wd);
        int closed = checked(r, key);
        snprintf(key, sizeof key, "open_%d", wd);
        const char *os = form_value(r, key);
        snprintf(key, sizeof key, "close_%d", wd);
        const char *cs = form_value(r, key);
        json_t *day = json_pack("{s:i, s:s, s:s, s:s, s:b}", "wd", wd, "name", weekday_names[wd],
                                "open", os, "close", cs, "closed", closed);
        json_array_append_new(days, day);
        if (closed)
            continue;
        int o = parse_hhmm(os), c = parse_hhmm(cs);
        const char *msg = NULL;
        if (o < 0 || c < 0)
            msg = arena_printf(r->arena,
                               "Enter the opening and closing times for %s as HH:MM, or mark it closed.",
                               weekday_names[wd]);
        else if (o >= c)
            msg = arena_printf(r->arena, "On %s the clinic must open before it closes.",
                               weekday_names[wd]);
        else
            spans[n++] = (struct week_span){wd, o, c, loc->id};
        if (msg) {
            snprintf(key, sizeof key, "day_%d", wd);
            form_error(errors, key, msg);
            json_object_set_new(day, "error", json_string(msg));
        }
    }
    if (json_object_size(errors)) {
        hours_page(r, 422, days, json_incref(errors), NULL, NULL);
        return;
    }
    struct appointment *ap;
    size_t nap;
    if (guard_clinic_hours(db, r->arena, web_zone(r, loc->id), loc->id, spans, n, checked(r, "confirm"), clock_now(),
                           &ap, &nap, &e) != E_OK) {
        if (e.code == E_CONFLICT && e.problem &&
            strcmp(e.problem, "appointments_outside_hours") == 0) {
            hours_page_with(r, 409, days, NULL, NULL, NULL, stranded_list(r, ap, nap), "hours",
                            e.msg);
            return;
        }
        json_decref(days);
        web_fail(r, &e);
        return;
    }
    json_decref(days);
    form_see_other(r, arena_printf(r->arena, "/admin/hours?location=%lld&saved=1",
                                   (long long)loc->id));
}

void admin_closed_add(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct dt_date d;
    size_t nl;
    const struct location *all, *loc;
    if (admin_location_pick(r, hours_location_arg(r), &all, &nl, &loc) < 0)
        return;
    json_t *errors = web_keep(r, json_object());
    const char *date = form_value(r, "date");
    if (dt_parse_date(date, &d) < 0)
        form_error(errors, "date", "Enter the date as YYYY-MM-DD, e.g. 2026-12-25.");
    const char *reason = form_text(r, errors, "reason", "reason", 0, 200);
    if (json_object_size(errors)) {
        hours_page(r, 422, NULL, NULL, admin_typed(r), json_incref(errors));
        return;
    }
    struct appointment *ap;
    size_t nap;
    if (guard_closed_date(db, r->arena, web_zone(r, loc->id), loc->id, date, reason, checked(r, "confirm"),
                          clock_now(), &ap, &nap, &e) != E_OK) {
        if (e.code == E_CONFLICT && e.problem &&
            strcmp(e.problem, "appointments_outside_hours") == 0) {
            hours_page_with(r, 409, NULL, NULL, admin_typed(r), NULL, stranded_list(r, ap, nap),
                            "closed", e.msg);
            return;
        }
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/admin/hours?location=%lld&saved=1",
                                   (long long)loc->id));
}

void admin_closed_remove(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct dt_date d;
    size_t nl;
    const struct location *all, *loc;
    if (admin_location_pick(r, hours_location_arg(r), &all, &nl, &loc) < 0)
        return;
    const char *date = form_value(r, "date");
    if (dt_parse_date(date, &d) < 0) {
        json_t *errors = json_pack("{s:s}", "remove", "Choose a closed date to remove.");
        hours_page(r, 422, NULL, NULL, NULL, errors);
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_delete_closed_date(db, loc->id, date, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        if (e.code == E_NOTFOUND) {
            json_t *errors = json_pack("{s:s}", "remove",
                                       arena_printf(r->arena, "%s is not a closed date.", date));
            hours_page(r, 422, NULL, NULL, NULL, errors);
        } else
            web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/admin/hours?location=%lld&saved=1",
                                   (long long)loc->id));
}
