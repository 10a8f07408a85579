/* admin_locations — see admin_locations.h.  Holds no rule of its own: it
 * checks the shape of what the admin types (lengths, an IANA zone the
 * system's tz database holds) and stores it through the store; the
 * locations' zones are loaded by the set-up cache (svc/booking.c). */
#include "web/admin_locations.h"

#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/tz.h"
#include "store/store.h"
#include "svc/locations.h"
#include "util/clock.h"
#include "util/num.h"
#include "util/tzload.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"

int admin_location_pick(struct req *r, const char *given, const struct location **all,
                        size_t *nall, const struct location **out)
{
    struct err e = {0};
    struct location *list;
    size_t n;
    int64_t id = 0;
    if (db_locations(web_db(r), r->arena, &list, &n, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    *all = list;
    *nall = n;
    if (!given || !*given) {
        *out = &list[0];
        return 0;
    }
    if (num_parse_i64(given, 1, INT64_MAX, &id) == 0)
        for (size_t i = 0; i < n; i++)
            if (list[i].id == id) {
                *out = &list[i];
                return 0;
            }
    web_error(r, 404, NULL, "There is no such location; /admin/locations lists them.");
    return -1;
}

void admin_location_context(struct req *r, json_t *ctx, const struct location *all, size_t n,
                            const struct location *chosen, const char *base)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:b, s:s}", "id", (json_int_t)all[i].id, "name",
                            all[i].name, "selected", all[i].id == chosen->id, "url",
                            arena_printf(r->arena, "%s?location=%lld", base,
                                         (long long)all[i].id)));
    json_object_set_new(ctx, "locations", list);
    json_object_set_new(ctx, "multi_location", json_boolean(n > 1));
    json_object_set_new(ctx, "location", json_pack("{s:I, s:s}", "id", (json_int_t)chosen->id,
                                                   "name", chosen->name));
}

/* ---- the list and the add form ---- */

static void list_page(struct req *r, int status, json_t *form, json_t *errors)
{
    struct err e = {0};
    struct location *l;
    struct room *rooms;
    size_t n, nr;
    web_keep(r, form);
    web_keep(r, errors);
    if (db_locations(web_db(r), r->arena, &l, &n, &e) != E_OK ||
        db_rooms(web_db(r), r->arena, &rooms, &nr, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        int count = 0;
        for (size_t k = 0; k < nr; k++)
            count += rooms[k].location_id == l[i].id;
        json_t *o = web_location_json(r, &l[i]);
        json_object_set_new(o, "rooms", json_integer(count));
        json_object_set_new(o, "url", json_string(arena_printf(r->arena, "/admin/locations/%lld",
                                                               (long long)l[i].id)));
        json_object_set_new(o, "own_address", json_boolean(l[i].address[0] != '\0'));
        json_object_set_new(o, "own_zone", json_boolean(l[i].timezone[0] != '\0'));
        json_object_set_new(o, "archived", json_boolean(l[i].archived_at != 0));
        json_array_append_new(list, o);
    }
    json_t *ctx = chrome_context(r, "Locations", "admin");
    json_object_set_new(ctx, "list", list);
    json_object_set_new(ctx, "form", form ? json_incref(form) : json_object());
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    json_object_set_new(ctx, "config_zone", json_string(r->app->cfg.timezone));
    json_object_set_new(ctx, "archived_notice", json_boolean(kv_get(&r->query, "archived") != NULL));
    json_object_set_new(ctx, "restored_notice", json_boolean(kv_get(&r->query, "restored") != NULL));
    form_render(r, status, "admin/locations", ctx);
}

void admin_locations(struct req *r)
{
    list_page(r, 200, NULL, NULL);
}

static json_t *typed_form(struct req *r)
{
    return json_pack("{s:s, s:s, s:s}", "name", form_value(r, "name"), "address",
                     form_value(r, "address"), "timezone", form_value(r, "timezone"));
}

/* Reads and checks the form into *out (id and position are the caller's).
 * first: location 1, whose address and zone may be left empty (the config
 * file's).  Returns the errors (none: an empty object). */
static json_t *read_form(struct req *r, int first, struct location *out)
{
    struct err e = {0};
    struct location *all;
    size_t n;
    json_t *errors = web_keep(r, json_object());
    out->name = form_text(r, errors, "name", "location's name", 1, 80);
    out->address = form_text(r, errors, "address", "address", !first, 200);
    out->timezone = form_text(r, errors, "timezone", "timezone", !first, 64);
    if (form_blank(out->address))
        out->address = "";
    if (form_blank(out->timezone))
        out->timezone = "";
    if (out->timezone[0]) {
        struct tz *tz = NULL;
        char msg[160];
        if (!tzload_valid_name(out->timezone) || tzload_load(out->timezone, &tz, msg, sizeof msg) < 0)
            form_error(errors, "timezone",
                       "Enter the timezone as an IANA name this server knows, such as "
                       "America/Anchorage or America/Los_Angeles.");
        tz_free(tz);
    }
    if (db_locations(web_db(r), r->arena, &all, &n, &e) != E_OK) {
        form_error(errors, "name", e.msg);
        return errors;
    }
    for (size_t i = 0; i < n; i++)
        if (all[i].id != out->id && strcasecmp(all[i].name, out->name) == 0)
            form_error(errors, "name", "Another location already has this name.");
    return errors;
}

void admin_location_create(struct req *r)
{
    struct err e = {0};
    struct location l = {0}, *all;
    size_t n;
    struct db *db = web_db(r);
    json_t *errors = read_form(r, 0, &l);
    if (json_object_size(errors)) {
        list_page(r, 422, typed_form(r), json_incref(errors));
        return;
    }
    /* after the others */
    if (db_locations(db, r->arena, &all, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (all[i].position >= l.position)
            l.position = all[i].position + 1;
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_put_location(db, &l, NULL, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    form_see_other(r, "/admin/locations?saved=1");
}

/* ---- one location ---- */

static int find(struct req *r, struct location *out)
{
    struct err e = {0};
    struct location *all;
    size_t n;
    int64_t id;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) == 0) {
        if (db_locations(web_db(r), r->arena, &all, &n, &e) != E_OK) {
            web_fail(r, &e);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            if (all[i].id == id) {
                *out = all[i];
                return 0;
            }
    }
    web_error(r, 404, NULL, "There is no such location.");
    return -1;
}

/* A rule's value as the form shows it: "" for the clinic's (-1). */
static json_t *rule_text(struct req *r, int v)
{
    return json_string(v < 0 ? "" : arena_printf(r->arena, "%d", v));
}

/* The page of one location.  rules/rule_errors: the rules form as typed and
 * its errors (NULL: the stored values); notice: an error sentence above
 * the archiving form (NULL = none). */
static void one_page_with(struct req *r, int status, const struct location *l, json_t *form,
                          json_t *errors, json_t *rules, json_t *rule_errors, const char *notice)
{
    web_keep(r, form);
    web_keep(r, errors);
    web_keep(r, rules);
    web_keep(r, rule_errors);
    json_t *ctx = chrome_context(r, arena_printf(r->arena, "Location: %s", l->name), "admin");
    json_object_set_new(ctx, "action", json_string(arena_printf(r->arena, "/admin/locations/%lld",
                                                                (long long)l->id)));
    json_object_set_new(ctx, "form",
                        form ? json_incref(form)
                             : json_pack("{s:s, s:s, s:s}", "name", l->name, "address",
                                         l->address, "timezone", l->timezone));
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    json_object_set_new(ctx, "first", json_boolean(l->id == STORE_FIRST_LOCATION));
    json_object_set_new(ctx, "config_address", json_string(r->app->cfg.address));
    json_object_set_new(ctx, "config_zone", json_string(r->app->cfg.timezone));
    json_object_set_new(ctx, "hours_url", json_string(arena_printf(
                                              r->arena, "/admin/hours?location=%lld",
                                              (long long)l->id)));
    /* its own booking rules (0064) and whether it is archived (0063) */
    json_object_set_new(ctx, "rules_action",
                        json_string(arena_printf(r->arena, "/admin/locations/%lld/rules",
                                                 (long long)l->id)));
    json_object_set_new(ctx, "rules",
                        rules ? json_incref(rules)
                              : json_pack("{s:o, s:o, s:o}", "min_notice",
                                          rule_text(r, l->min_notice_minutes), "horizon",
                                          rule_text(r, l->horizon_days), "late_cancel",
                                          rule_text(r, l->late_cancel_hours)));
    json_object_set_new(ctx, "rule_errors", rule_errors ? json_incref(rule_errors) : json_object());
    json_object_set_new(ctx, "archive_action",
                        json_string(arena_printf(r->arena, "/admin/locations/%lld/archive",
                                                 (long long)l->id)));
    json_object_set_new(ctx, "archived", json_boolean(l->archived_at != 0));
    if (l->archived_at)
        json_object_set_new(ctx, "archived_on",
                            json_string(web_time_in(r, web_zone(r, l->id), l->archived_at)));
    if (notice)
        json_object_set_new(ctx, "archive_error", json_string(notice));
    form_render(r, status, "admin/location", ctx);
}

static void one_page(struct req *r, int status, const struct location *l, json_t *form,
                     json_t *errors)
{
    one_page_with(r, status, l, form, errors, NULL, NULL, NULL);
}

void admin_location(struct req *r)
{
    struct location l;
    if (find(r, &l) == 0)
        one_page(r, 200, &l, NULL, NULL);
}

void admin_location_save(struct req *r)
{
    struct err e = {0};
    struct location old, l;
    struct db *db = web_db(r);
    if (find(r, &old) < 0)
        return;
    l = old;
    json_t *errors = read_form(r, old.id == STORE_FIRST_LOCATION, &l);
    if (json_object_size(errors)) {
        one_page(r, 422, &old, typed_form(r), json_incref(errors));
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    /* its zone: after the bookings there in flight, before those after */
    if (db_begin(db, &e) != E_OK || db_lock_location(db, l.id, &e) != E_OK ||
        db_put_location(db, &l, NULL, &e) != E_OK || db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    form_see_other(r, "/admin/locations?saved=1");
}

/* ---- archiving and the location's own rules ---- */

void admin_location_archive(struct req *r)
{
    struct err e = {0};
    struct location l;
    int64_t live = 0;
    if (find(r, &l) < 0)
        return;
    const char *action = form_value(r, "action");
    int archive = strcmp(action, "archive") == 0;
    if (!archive && strcmp(action, "restore") != 0) {
        web_error(r, 400, NULL, "Send action=archive or action=restore.");
        return;
    }
    if (loc_archive(web_db(r), l.id, archive, clock_now(), &live, &e) != E_OK) {
        if (e.code == E_CONFLICT) {
            one_page_with(r, 409, &l, NULL, NULL, NULL, NULL, e.msg);
            return;
        }
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/admin/locations?%s=1",
                                   archive ? "archived" : "restored"));
}

/* One rule of the form: a whole number in [min, max], or blank for the
 * clinic's (-1). */
static int rule(struct req *r, json_t *errors, const char *key, const char *label, int min,
                int max)
{
    int v = -1;
    const char *s = form_value(r, key);
    if (form_blank(s))
        return -1;
    if (num_parse_int(s, min, max, &v) < 0)
        form_error(errors, key,
                   arena_printf(r->arena,
                                "The %s must be a whole number from %d to %d, or empty for the "
                                "clinic's.",
                                label, min, max));
    return v;
}

void admin_location_rules(struct req *r)
{
    struct err e = {0};
    struct location l;
    if (find(r, &l) < 0)
        return;
    json_t *errors = web_keep(r, json_object());
    int notice = rule(r, errors, "min_notice", "minimum notice", 0, 10080);
    int horizon = rule(r, errors, "horizon", "horizon", 1, 730);
    int late = rule(r, errors, "late_cancel", "late-cancellation window", 0, 336);
    if (json_object_size(errors)) {
        json_t *typed = json_pack("{s:s, s:s, s:s}", "min_notice", form_value(r, "min_notice"),
                                  "horizon", form_value(r, "horizon"), "late_cancel",
                                  form_value(r, "late_cancel"));
        one_page_with(r, 422, &l, NULL, NULL, typed, json_incref(errors), NULL);
        return;
    }
    if (loc_set_rules(web_db(r), l.id, notice, horizon, late, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/admin/locations/%lld?saved=1", (long long)l.id));
}
