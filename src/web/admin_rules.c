/* admin_rules — the booking-rules form; see admin_rules.h.  Holds no rule
 * of its own: it checks the shape of what the admin types (the same ranges
 * as the config file, src/config.c) and stores it; core/booking applies the
 * rules, web/sched.c merges stored values over the config file's. */
#include "web/admin_rules.h"

#include <ctype.h>
#include <string.h>

#include "app.h"
#include "core/booking.h"
#include "store/store.h"
#include "svc/booking.h"
#include "util/log.h"
#include "util/num.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"

/* One rule: its form field, label, unit and range (as in src/config.c). */
struct rule_field {
    const char *key, *label, *unit;
    int min, max;
};

static const struct rule_field fields[4] = {
    {"min_notice_minutes", "Minimum notice", "minutes", 0, 10080},
    {"horizon_days", "Booking horizon", "days", 1, 730},
    {"grid_minutes", "Start-time grid", "minutes", 5, 60},
    {"late_cancel_hours", "Late-cancellation window", "hours", 0, 336},
};

static int *stored_at(struct clinic_rules *c, int i)
{
    int *p[4] = {&c->min_notice_minutes, &c->horizon_days, &c->grid_minutes,
                 &c->late_cancel_hours};
    return p[i];
}

static int config_value(const struct booking_rules *b, int i)
{
    int v[4] = {b->min_notice_min, b->horizon_days, b->grid_min, b->late_cancel_hours};
    return v[i];
}

/* Renders the form.  stored: the stored values; typed = 1 shows what was
 * typed, with errors (after a refused save; else 0 and NULL). */
static void page(struct req *r, int status, const struct clinic_rules *stored, int typed,
                 json_t *errors)
{
    struct booking_rules cfg = app_booking_rules(r->app);
    struct clinic_rules st = *stored;
    json_t *list = json_array();
    for (int i = 0; i < 4; i++) {
        int v = *stored_at(&st, i), from_config = v < 0;
        const char *value;
        if (typed)
            value = form_value(r, fields[i].key);
        else
            value = from_config ? "" : arena_printf(r->arena, "%d", v);
        json_t *err = errors ? json_object_get(errors, fields[i].key) : NULL;
        json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:i, s:i, s:b}", "key",
                              fields[i].key, "label", fields[i].label, "unit", fields[i].unit,
                              "min", fields[i].min, "max", fields[i].max, "value", value,
                              "in_force", from_config ? config_value(&cfg, i) : v, "config",
                              config_value(&cfg, i), "from_config", from_config);
        if (err)
            json_object_set(o, "error", err);
        if (stored_at(&st, i) == &st.grid_minutes)
            json_object_set_new(o, "allowed", json_string(BOOKING_GRIDS_TEXT));
        json_array_append_new(list, o);
    }
    json_t *ctx = chrome_context(r, "Booking rules", "admin");
    json_object_set_new(ctx, "rules", list);
    if (status == 422)
        json_object_set_new(ctx, "invalid", json_true());
    if (kv_get(&r->query, "saved"))
        json_object_set_new(ctx, "saved", json_true());
    page_render(r, status, "admin/rules", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void admin_rules(struct req *r)
{
    struct err e = {0};
    struct clinic_rules st;
    if (db_rules_get(web_db(r), &st, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    page(r, 200, &st, 0, NULL);
}

void admin_rules_save(struct req *r)
{
    struct err e = {0};
    struct clinic_rules in, st;
    struct db *db = web_db(r);
    json_t *errors = web_keep(r, json_object());
    for (int i = 0; i < 4; i++) {
        const char *v = form_value(r, fields[i].key);
        int n = -1;
        if (!form_blank(v) && num_parse_int(v, fields[i].min, fields[i].max, &n) < 0)
            json_object_set_new(errors, fields[i].key,
                                json_string(arena_printf(
                                    r->arena,
                                    "The %s must be a whole number of %s from %d to %d, or "
                                    "empty to use the config file's value.",
                                    fields[i].label, fields[i].unit, fields[i].min,
                                    fields[i].max)));
        else if (n >= 0 && stored_at(&in, i) == &in.grid_minutes && !booking_grid_ok(n))
            json_object_set_new(
                errors, fields[i].key,
                json_string(arena_printf(r->arena,
                                         "The start-time grid must divide an hour, so that "
                                         "starts fall at the same minutes every hour: "
                                         "%s minutes (%d does not), or empty to use the config "
                                         "file's value.",
                                         BOOKING_GRIDS_TEXT, n)));
        *stored_at(&in, i) = n;
    }
    if (json_object_size(errors)) {
        if (db_rules_get(db, &st, &e) != E_OK) {
            web_fail(r, &e);
            return;
        }
        page(r, 422, &st, 1, errors);
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    /* after the bookings in flight, before the ones that follow (store.h) */
    if (db_begin(db, &e) != E_OK || db_lock_setup(db, &e) != E_OK ||
        db_rules_put(db, &in, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    /* Reload the cached set-up now, so text drawn from it (sched_cached_rules)
     * follows at once; a failure here only delays that to the next load. */
    struct booking_rules cfg = app_booking_rules(r->app), now;
    if (sched_rules(db, r->arena, r->app->sched, &cfg, &now, &e) != E_OK)
        log_warn("booking rules: reload: %s", e.msg);
    resp_start(r, 303, "text/plain; charset=utf-8");
    resp_header(r, "Location", "/admin/rules?saved=1");
    sb_adds(&r->resp.body, "Saved.\n");
}
