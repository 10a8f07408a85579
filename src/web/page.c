/* page — rendering and the response helpers shared by every handler. */
#include "web/page.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/datetime.h"
#include "core/phone.h"
#include "core/tz.h"
#include "http/router.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/token.h"
#include "svc/when.h"
#include "util/blobcache.h"
#include "util/clock.h"
#include "util/gz.h"
#include "util/log.h"
#include "util/sb.h"
#include "view/tpl.h"
#include "web/static.h"

#define MAX_PAGE (4 * 1024 * 1024)

static void release_db(void *p)
{
    db_release(p);
}

struct db *web_db(struct req *r)
{
    if (!r->db) {
        r->db = db_acquire(r->app->store);
        db_hold_versions(r->db); /* one version read a request (store.h) */
        arena_defer(r->arena, release_db, r->db);
    }
    return r->db;
}

static void decref(void *p)
{
    json_decref(p);
}

json_t *web_keep(struct req *r, json_t *v)
{
    if (v)
        arena_defer(r->arena, decref, v);
    return v;
}

const char *web_time(struct req *r, int64_t t)
{
    char buf[32];
    if (dt_format_rfc3339(t, tz_offset_at(r->app->tz, t), buf, sizeof buf) == 0)
        return arena_printf(r->arena, "%lld", (long long)t);
    return arena_strdup(r->arena, buf);
}

const char *web_time_in(struct req *r, const struct tz *tz, int64_t t)
{
    char buf[32];
    if (dt_format_rfc3339(t, tz_offset_at(tz, t), buf, sizeof buf) == 0)
        return arena_printf(r->arena, "%lld", (long long)t);
    return arena_strdup(r->arena, buf);
}

const struct tz *web_zone(struct req *r, int64_t location_id)
{
    return sched_zone(web_db(r), r->arena, r->app->sched, location_id, r->app->tz);
}

const char *web_location_address(struct req *r, const struct location *l)
{
    return l->address && l->address[0] ? l->address : r->app->cfg.address;
}

const char *web_location_timezone(struct req *r, const struct location *l)
{
    return l->timezone && l->timezone[0] ? l->timezone : r->app->cfg.timezone;
}

json_t *web_location_json(struct req *r, const struct location *l)
{
    return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)l->id, "name", l->name, "address",
                     web_location_address(r, l), "timezone", web_location_timezone(r, l));
}

void web_problem(struct req *r, const struct err *e)
{
    int status = err_http_status(e->code);
    if (status >= 500) {
        web_fail(r, e);
        return;
    }
    web_error(r, status, e->problem, e->msg);
}

const char *web_price(struct req *r, int cents)
{
    if (cents % 100 == 0)
        return arena_printf(r->arena, "$%d", cents / 100);
    return arena_printf(r->arena, "$%d.%02d", cents / 100, cents % 100);
}

/* "tel:+19075550142" from "(907) 555-0142" (core/phone's E.164), or NULL
 * for what it cannot read ("ext 12", a local number without its area code,
 * words): shown as written with no link rather than a tel: that dials
 * someone else. */
static const char *tel_href(struct req *r, const char *phone)
{
    char e164[PHONE_E164_MAX];
    if (phone_e164(phone, e164) != 0)
        return NULL;
    return arena_printf(r->arena, "tel:%s", e164);
}

/* "8 AM", "8:30 PM", "12 PM" for minutes after midnight. */
static const char *hour_label(struct req *r, int min)
{
    int h = (min / 60) % 24, m = min % 60;
    int h12 = h % 12 == 0 ? 12 : h % 12;
    const char *ampm = h < 12 ? "AM" : "PM";
    return m ? arena_printf(r->arena, "%d:%02d %s", h12, m, ampm)
             : arena_printf(r->arena, "%d %s", h12, ampm);
}

static const char *const day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};

/* Each weekday's hours in words ("8 AM – 8 PM"; NULL = closed). */
static void day_hours_of(struct req *r, const struct week_span *hours, size_t n,
                         const char *day_hours[7])
{
    for (int k = 0; k < 7; k++) {
        struct sb b = SB_INIT;
        for (size_t i = 0; i < n; i++) {
            if (hours[i].weekday != k)
                continue;
            if (b.len)
                sb_adds(&b, ", ");
            sb_adds(&b, hour_label(r, hours[i].start_min));
            sb_adds(&b, " – ");
            sb_adds(&b, hour_label(r, hours[i].end_min));
        }
        day_hours[k] = b.len ? arena_strdup(r->arena, b.buf) : NULL;
        sb_release(&b);
    }
}

/* [{days, hours, closed}] with days of the same hours grouped, Monday first. */
static json_t *group_days(struct req *r, const char *const day_hours[7])
{
    const char *const *names = day_names;
    json_t *list = json_array();
    for (int k = 1; k <= 7;) { /* Monday (1) to Sunday (7 = 0) */
        const char *hk = day_hours[k % 7];
        int j = k;
        while (j + 1 <= 7 && ((!hk && !day_hours[(j + 1) % 7]) ||
                              (hk && day_hours[(j + 1) % 7] &&
                               strcmp(hk, day_hours[(j + 1) % 7]) == 0)))
            j++;
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:b}", "days",
                            j == k ? names[k % 7]
                                   : arena_printf(r->arena, "%s – %s", names[k % 7], names[j % 7]),
                            "hours", hk ? hk : "Closed", "closed", hk == NULL));
        k = j + 1;
    }
    return list;
}

json_t *web_hours_json(struct req *r, const struct week_span *hours, size_t n)
{
    const char *day_hours[7];
    day_hours_of(r, hours, n, day_hours);
    for (int k = 0; k < 7; k++)
        if (day_hours[k])
            return group_days(r, day_hours);
    return NULL;
}

/* The clinic's opening hours from its settings (the cached set-up: one
 * version query), for the footer and the pages that name the open days:
 * ctx.hours = [{days, hours}] with days of the same hours grouped, Monday
 * first ("Monday – Friday", "8 AM – 8 PM"), and ctx.open_days ("Monday to
 * Saturday").  With several locations these are the first location's.  A
 * store failure is logged and leaves both out. */
static void add_hours(struct req *r, json_t *ctx)
{
    const char *const *names = day_names;
    struct sched_setup setup;
    struct err e = {0};
    if (sched_setup(web_db(r), r->arena, r->app->sched, &setup, &e) != E_OK) {
        log_warn("opening hours: %s", e.msg);
        return;
    }
    const char *day_hours[7];
    /* several locations: each with its address and hours */
    json_t *places = json_array();
    for (size_t l = 0; setup.nlocations > 1 && l < setup.nlocations; l++) {
        const struct location *loc = &setup.locations[l];
        struct week_span *mine = arena_array(r->arena, setup.nall_hours + 1, sizeof *mine);
        size_t n = 0;
        for (size_t i = 0; i < setup.nall_hours; i++)
            if (setup.all_hours[i].location_id == loc->id)
                mine[n++] = setup.all_hours[i];
        json_t *o = web_location_json(r, loc), *hours = web_hours_json(r, mine, n);
        if (hours)
            json_object_set_new(o, "hours", hours);
        json_array_append_new(places, o);
    }
    if (json_array_size(places))
        json_object_set_new(ctx, "footer_locations", places);
    else
        json_decref(places);
    day_hours_of(r, setup.hours, setup.nhours, day_hours);
    json_t *list = group_days(r, day_hours);
    int open[7], nopen = 0;
    for (int k = 1; k <= 7; k++)
        if (day_hours[k % 7])
            open[nopen++] = k;
    if (!nopen) { /* no hours set: the footer asks to call */
        json_decref(list);
        return;
    }
    json_object_set_new(ctx, "clinic_hours", list);
    json_object_set_new(ctx, "clinic_hours_set", json_true());
    int contiguous = open[nopen - 1] - open[0] == nopen - 1;
    struct sb b = SB_INIT;
    if (nopen == 7) {
        sb_adds(&b, "every day");
    } else if (contiguous && nopen > 2) {
        sb_adds(&b, names[open[0] % 7]);
        sb_adds(&b, " to ");
        sb_adds(&b, names[open[nopen - 1] % 7]);
    } else {
        for (int i = 0; i < nopen; i++) {
            if (i)
                sb_adds(&b, i == nopen - 1 ? " and " : ", ");
            sb_adds(&b, names[open[i] % 7]);
        }
    }
    json_object_set_new(ctx, "open_days", json_string(b.buf));
    sb_release(&b);
}

json_t *page_context(struct req *r, const char *title, const char *description, const char *nav)
{
    const struct cfg *c = &r->app->cfg;
    json_t *ctx = web_keep(r, json_object());
    json_t *clinic = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", c->name, "tagline",
                               c->tagline, "phone", c->phone, "email", c->email, "address",
                               c->address, "timezone", c->timezone);
    const char *href = tel_href(r, c->phone);
    if (href) /* none: the templates show the number without a link */
        json_object_set_new(clinic, "phone_href", json_string(href));
    json_object_set_new(ctx, "clinic", clinic);
    json_object_set_new(ctx, "title", json_string(title));
    json_object_set_new(ctx, "description", json_string(description ? description : c->tagline));
    if (nav) {
        char key[32];
        snprintf(key, sizeof key, "nav_%s", nav);
        json_object_set_new(ctx, key, json_true());
    }
    /* the header's account link: the client's appointments, or the sign-in
     * page; with who is signed in (the session of a public GET is resolved
     * by the server before the handler) */
    json_t *account = json_pack("{s:s}", "url", "/account");
    if (r->user) {
        const char *n = r->user->name ? r->user->name : "", *sp = strchr(n, ' ');
        json_object_set_new(account, "signed_in", json_true());
        json_object_set_new(account, "first_name",
                            json_string(sp ? arena_printf(r->arena, "%.*s", (int)(sp - n), n) : n));
        json_object_set_new(account, "url",
                            json_string(strcmp(r->user->role, "client") == 0 ? "/portal" : "/staff"));
    }
    json_object_set_new(ctx, "account", account);
    add_hours(r, ctx);
    json_object_set_new(ctx, "book_url", json_string("/book"));
    json_object_set_new(ctx, "book_label", json_string("Book online"));
    /* The minimum notice in force (set on /admin/rules, else the config
     * file's), from the cached set-up; one query only before it is loaded. */
    struct booking_rules cfg = app_booking_rules(r->app), rules;
    if (!sched_cached_rules(r->app->sched, &cfg, &rules)) {
        struct err e = {0};
        if (sched_rules(web_db(r), r->arena, r->app->sched, &cfg, &rules, &e) != E_OK)
            rules = cfg;
    }
    json_object_set_new(ctx, "same_day_hours", json_integer(rules.min_notice_min / 60));
    json_object_set_new(ctx, "asset_version", json_string(r->app->statics->version));
    /* the year where the clinic is (its first location's zone, as the
     * footer's hours are), not in UTC: 23:30 on New Year's Eve in Anchorage
     * is already January 1st in UTC */
    json_object_set_new(ctx, "year", json_integer(when_local_date(web_zone(r, 0), clock_now()).year));
    return ctx;
}

const char *web_csrf(struct req *r)
{
    char token[TOKEN_LEN];
    const char *name = req_cookie_name(r, REQ_CSRF_COOKIE);
    const char *have = kv_get(&r->cookies, name);
    if (r->csrf)
        return r->csrf;
    if (token_valid(have)) {
        r->csrf = have;
        return have;
    }
    token_new(token, NULL);
    r->csrf = arena_strdup(r->arena, token);
    resp_header(r, "Set-Cookie",
                arena_printf(r->arena, "%s=%s%s", name, token, req_cookie_attrs(r)));
    return r->csrf;
}

void page_render(struct req *r, int status, const char *tpl, json_t *ctx)
{
    char err[256];
    resp_start(r, status, "text/html; charset=utf-8");
    r->resp.body.max = MAX_PAGE;
    if (tpl_render_page(r->app->tpl, tpl, "layout", ctx, &r->resp.body, err, sizeof err) < 0) {
        log_error("render %s: %s", tpl, err);
        resp_start(r, 500, "text/plain; charset=utf-8");
        sb_adds(&r->resp.body, "The page could not be shown; the error was logged.\n");
    }
}

/* No escaped value can hold '<', and the only raw text of a page around a
 * slot is the page itself: the marker is found exactly once or the page
 * is wrong. */
#define PAGE_SLOT_MARK "<!--knead:slot-->"

void page_render_slot(struct req *r, int status, const char *tpl, json_t *ctx, const char *slot,
                      page_fill_fn fill, void *arg)
{
    char err[256];
    struct sb around;
    const size_t mlen = sizeof PAGE_SLOT_MARK - 1;
    const char *at = NULL;
    size_t pre = 0, post = 0;
    int ok = 0;
    sb_init(&around, MAX_PAGE);
    json_object_set_new(ctx, slot, json_string(PAGE_SLOT_MARK));
    if (tpl_render_page(r->app->tpl, tpl, "layout", ctx, &around, err, sizeof err) < 0) {
        log_error("render %s: %s", tpl, err);
        goto done;
    }
    at = memmem(around.buf, around.len, PAGE_SLOT_MARK, mlen);
    if (at) {
        pre = (size_t)(at - around.buf);
        post = around.len - pre - mlen;
    }
    if (!at || memmem(at + mlen, post, PAGE_SLOT_MARK, mlen)) {
        log_error("render %s: {{raw %s}} is not in the page exactly once", tpl, slot);
        goto done;
    }
    ok = 1;
    resp_start(r, status, "text/html; charset=utf-8");
    r->resp.body.max = MAX_PAGE;
    resp_header(r, "Vary", "Accept-Encoding");
    if (req_accepts_gzip(r)) {
        /* the page around the slot holds the CSRF token and the user's
         * name: stored blocks only, never compressed (BREACH, util/gz.h) */
        struct gz g;
        gz_begin(&g, &r->resp.body);
        gz_plain(&g, around.buf, pre);
        if (fill(r, &r->resp.body, post + 64, &g, arg) == 0) {
            gz_plain(&g, at + mlen, post);
            gz_end(&g);
            resp_header(r, "Content-Encoding", "gzip");
        }
        goto done;
    }
    sb_add(&r->resp.body, around.buf, pre);
    if (fill(r, &r->resp.body, post, NULL, arg) == 0)
        sb_add(&r->resp.body, at + mlen, post);
done:
    if (!ok) {
        resp_start(r, 500, "text/plain; charset=utf-8");
        sb_adds(&r->resp.body, "The page could not be shown; the error was logged.\n");
    }
    sb_release(&around);
}

/* blobcache_use: a kept compressed fragment into the gzip stream. */
struct kept_use {
    struct gz *gz;
    int rc;
};

static void use_kept(const void *val, size_t len, void *arg)
{
    struct kept_use *u = arg;
    u->rc = gz_kept(u->gz, val, len);
}

int page_kept_fragment(struct req *r, struct blobcache *c, const char *key, const void *plain,
                       size_t plen, struct sb *body, size_t after, struct gz *gz)
{
    void *v = NULL;
    size_t len = 0;
    if (!gz) {
        if (!plain)
            return blobcache_append(c, key, body, after);
        if (sb_grow(body, plen <= SIZE_MAX / 2 - after ? plen + after : SIZE_MAX / 2) == 0)
            sb_add(body, plain, plen);
        return 1;
    }
    struct kept_use u = {gz, -1};
    if (key && blobcache_use_alt(c, key, use_kept, &u) && u.rc == 0)
        return 1;
    if (!plain) {
        if (!key || !blobcache_get(c, key, r->arena, &v, &len))
            return 0;
        plain = v;
        plen = len;
    }
    struct sb kept;
    sb_init(&kept, 0);
    if (key && gz_keep(plain, plen, &kept) == 0) {
        /* beside its plain entry, in the same slot: none of its own */
        blobcache_put_alt(c, key, kept.buf, kept.len);
        gz_kept(gz, kept.buf, kept.len);
    } else {
        if (key)
            log_error("compress the kept %s: zlib failed; sent uncompressed", key);
        gz_plain(gz, plain, plen); /* stored: costs nothing to compress, leaks nothing */
    }
    sb_release(&kept);
    return 1;
}

int page_send_kept(struct req *r, struct blobcache *c, const char *type, const char *key,
                   const void *plain, size_t len)
{
    int gzip = req_accepts_gzip(r);
    struct gz g;
    if (!plain) {
        if (!gzip || !key)
            return 0;
        struct kept_use u = {&g, -1};
        struct sb *b = &r->resp.body;
        resp_start(r, 200, type);
        gz_begin(&g, b);
        if (!blobcache_use_alt(c, key, use_kept, &u) || u.rc != 0) {
            resp_start(r, 200, type);
            return 0;
        }
        gz_end(&g);
        resp_header(r, "Vary", "Accept-Encoding");
        resp_header(r, "Content-Encoding", "gzip");
        return 1;
    }
    resp_start(r, 200, type);
    if (!gz_worth(type, len) || !gzip) {
        page_vary_kept(r, type, len);
        r->resp.static_body = plain;
        r->resp.static_len = len;
        return 1;
    }
    resp_header(r, "Vary", "Accept-Encoding");
    gz_begin(&g, &r->resp.body);
    page_kept_fragment(r, c, key, plain, len, &r->resp.body, 16, &g);
    gz_end(&g);
    resp_header(r, "Content-Encoding", "gzip");
    return 1;
}

void page_send_fresh(struct req *r, struct blobcache *c, const char *key)
{
    const char *type = r->resp.content_type;
    size_t len = r->resp.body.len;
    if (!c || !key || !r->resp.body.buf || !req_accepts_gzip(r) || !gz_worth(type, len)) {
        page_vary_kept(r, type, len);
        return;
    }
    /* the body is reset by the answer below: the plain bytes on the arena */
    char *plain = arena_alloc(r->arena, len);
    memcpy(plain, r->resp.body.buf, len);
    page_send_kept(r, c, type, key, plain, len);
}

void page_vary_kept(struct req *r, const char *type, size_t len)
{
    if (gz_worth(type, len))
        resp_header(r, "Vary", "Accept-Encoding");
}

void web_private(struct req *r)
{
    resp_header(r, "Cache-Control", "no-store");
    resp_header(r, "Referrer-Policy", "no-referrer");
    resp_header(r, "X-Robots-Tag", "noindex, nofollow");
}

void web_json(struct req *r, int status, json_t *v)
{
    resp_start(r, status, "application/json");
    char *s = json_dumps(v, JSON_COMPACT);
    if (s) {
        sb_adds(&r->resp.body, s);
        free(s);
    }
    json_decref(v);
}

static const char *error_heading(int status)
{
    switch (status) {
    case 404: return "Page not found";
    case 405: return "That action is not available here";
    case 413: return "That was too much to send";
    case 400: return "The request could not be understood";
    case 503: return "We are briefly unavailable";
    default: return status >= 500 ? "Something went wrong on our side" : "The request was refused";
    }
}

/* Every 503 says when to come back: soon when the database is busy. */
static void retry_after(struct req *r, const char *problem)
{
    for (size_t i = 0; i < r->resp.headers.n; i++)
        if (strcasecmp(r->resp.headers.items[i].key, "Retry-After") == 0)
            return;
    resp_header(r, "Retry-After", problem && strcmp(problem, "database_busy") == 0 ? "5" : "30");
}

void web_error(struct req *r, int status, const char *problem, const char *msg)
{
    if (status == 503)
        retry_after(r, problem);
    if (status == 503 && problem && r->app) {
        uint64_t *n = strcmp(problem, "database_busy") == 0   ? &r->app->db_busy_answers
                      : strcmp(problem, "database_full") == 0 ? &r->app->db_full_answers
                      : strcmp(problem, "database_unavailable") == 0
                          ? &r->app->db_unavailable_answers
                          : NULL;
        if (n)
            __atomic_add_fetch(n, 1, __ATOMIC_RELAXED);
    }
    int api = (r->route && (r->route->flags & ROUTE_API)) ||
              (r->path && strncmp(r->path, "/api/", 5) == 0);
    if (api) {
        json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank", "title",
                              err_http_reason(status), "status", status, "detail", msg, "code",
                              problem ? problem : err_status_problem(status));
        web_json(r, status, p);
        r->resp.content_type = "application/problem+json";
        return;
    }
    json_t *ctx = page_context(r, error_heading(status), NULL, NULL);
    json_object_set_new(ctx, "status", json_integer(status));
    json_object_set_new(ctx, "heading", json_string(error_heading(status)));
    json_object_set_new(ctx, "message", json_string(msg));
    page_render(r, status, "error", ctx);
}

void web_fail(struct req *r, const struct err *e)
{
    int status = err_http_status(e->code);
    if (status >= 500) {
        struct sb path = SB_INIT; /* without the private token a path may hold */
        req_log_path(&path, r->path ? r->path : "-");
        log_error("%s %s: %s", r->method, path.buf, e->msg);
        sb_release(&path);
    }
    web_error(r, status, e->problem,
              status >= 500 && status != 503 ? "Something went wrong; the error was logged."
                                              : e->msg);
}

int web_only_params(struct req *r, const char *const *allowed)
{
    for (size_t i = 0; i < r->query.n; i++) {
        const char *k = r->query.items[i].key;
        const char *const *a = allowed;
        while (*a && strcmp(*a, k) != 0)
            a++;
        if (!*a || kv_count(&r->query, k) > 1) {
            web_error(r, 400, "bad_request",
                      arena_printf(r->arena, *a ? "Parameter '%s' is given more than once."
                                                : "Unknown parameter '%s'.",
                                   k));
            return -1;
        }
    }
    return 0;
}

json_t *web_json_body(struct req *r, const struct json_member *allowed)
{
    struct sb names = SB_INIT;
    json_t *j = r->json;
    if (!json_is_object(j)) {
        web_error(r, 400, "bad_request", "The body must be a JSON object.");
        return NULL;
    }
    size_t n = req_json_unknown(j, allowed, &names);
    if (n > 0) {
        const char *msg = arena_printf(r->arena, "Unknown member%s %s.", n == 1 ? "" : "s",
                                       names.buf);
        web_error(r, 400, "unknown_member", msg);
        j = NULL;
    }
    sb_release(&names);
    return j;
}

const char *web_origin(struct req *r)
{
    if (r->app->cfg.public_url[0])
        return r->app->cfg.public_url;
    const char *host = req_header(r, "Host");
    const char *proto = req_header(r, "X-Forwarded-Proto");
    size_t n = host ? strlen(host) : 0;
    if (n == 0 || n > 255 ||
        strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:[]") != n)
        return "";
    int https = proto && strcmp(proto, "https") == 0;
    return arena_printf(r->arena, "%s://%s", https ? "https" : "http", host);
}
