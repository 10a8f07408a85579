/* admin_webhooks — see admin_webhooks.h.  Parses and presents; the
 * endpoints' rules, secrets and queueing are svc/webhook's.  A secret is in
 * a page only in the answer to the POST that made it (never stored by a
 * cache); delivery times are real time, as the worker keeps them. */
#include "web/admin_webhooks.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "mail/whsend.h"
#include "store/store.h"
#include "svc/webhook.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/num.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"

#define LOG_PAGE 50

static const struct {
    const char *status, *label;
} statuses[] = {
    {"", "All"},
    {"failed", "Failed"},
    {"pending", "Waiting"},
    {"delivered", "Delivered"},
};

static const char *when_text(struct req *r, int64_t t)
{
    return t ? when_datetime(r->app->tz, r->arena, t) : "";
}

static const char *id_text(struct req *r, int64_t id)
{
    return arena_printf(r->arena, "%" PRId64, id);
}

/* The event checkboxes, checked by mask. */
static json_t *event_list(int64_t mask)
{
    json_t *list = json_array();
    for (int i = 0; i < WH_NEVENTS; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:b}", "name", wh_event_name(i),
                                              "about", wh_event_about(i), "index", i, "checked",
                                              (mask & WH_EV(i)) != 0));
    return list;
}

static const char *event_names(struct req *r, int64_t mask)
{
    const char *s = "";
    for (int i = 0; i < WH_NEVENTS; i++)
        if (mask & WH_EV(i))
            s = arena_printf(r->arena, "%s%s%s", s, *s ? ", " : "", wh_event_name(i));
    return s;
}

/* Reads the endpoint form into ep (the strings live on the request); the
 * errors by field, empty when it may be saved. */
static json_t *read_form(struct req *r, struct wh_endpoint *ep)
{
    struct err e = {0};
    json_t *errors = web_keep(r, json_object());
    memset(ep, 0, sizeof *ep);
    ep->url = form_value(r, "url");
    ep->description = form_text(r, errors, "description", "description", 0, 200);
    ep->enabled = strcmp(form_value(r, "enabled"), "1") == 0;
    for (int i = 0; i < WH_NEVENTS; i++)
        if (strcmp(form_value(r, arena_printf(r->arena, "event_%s", wh_event_name(i))), "1") == 0)
            ep->events |= WH_EV(i);
    if (wh_url_check(ep->url, &e) != E_OK)
        form_error(errors, "url", e.msg);
    if (!ep->events)
        form_error(errors, "events", "Choose at least one event to send.");
    return errors;
}

static json_t *form_of(const struct wh_endpoint *ep)
{
    return json_pack("{s:s, s:s, s:b}", "url", ep->url ? ep->url : "", "description",
                     ep->description ? ep->description : "", "enabled", ep->enabled);
}

/* The list of endpoints with the add form (form and errors: a refused add,
 * else NULL). */
static void list_page(struct req *r, int status, const struct wh_endpoint *typed, json_t *errors)
{
    struct err e = {0};
    struct wh_endpoint *eps = NULL;
    size_t n = 0;
    if (db_wh_endpoints(web_db(r), r->arena, &eps, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:s}", "id", id_text(r, eps[i].id),
                      "url", eps[i].url, "description", eps[i].description, "events",
                      event_names(r, eps[i].events), "enabled", eps[i].enabled, "pending",
                      (json_int_t)eps[i].pending, "failed", (json_int_t)eps[i].failed, "delivered",
                      (json_int_t)eps[i].delivered, "last", when_text(r, eps[i].last_attempt_at)));
    json_t *ctx = chrome_context(r, "Webhooks", "admin");
    json_object_set_new(ctx, "endpoints", list);
    json_object_set_new(ctx, "has_endpoints", json_boolean(n > 0));
    struct wh_endpoint blank = {.enabled = 1, .events = WH_EV_ALL};
    const struct wh_endpoint *f = typed ? typed : &blank;
    json_object_set_new(ctx, "form", form_of(f));
    json_object_set_new(ctx, "events", event_list(f->events));
    if (errors)
        json_object_set(ctx, "errors", errors);
    json_object_set_new(ctx, "allow_private", json_boolean(r->app->cfg.webhooks_allow_private));
    form_render(r, status, "admin/webhooks", ctx);
}

void admin_webhooks(struct req *r)
{
    list_page(r, 200, NULL, NULL);
}

/* The endpoint's page: the edit form (typed and errors after a refused
 * save), the secret just made (or NULL), and the delivery log. */
static void endpoint_page(struct req *r, int status, int64_t id, const struct wh_endpoint *typed,
                          json_t *errors, const char *secret)
{
    struct err e = {0};
    struct wh_endpoint ep;
    struct wh_delivery *ds = NULL;
    size_t n = 0;
    const char *want = kv_get(&r->query, "status");
    const char *filter = NULL;
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
        if (strcmp(want ? want : "", statuses[i].status) == 0)
            filter = statuses[i].status;
    if (!filter) {
        web_error(r, 400, "bad_request",
                  "The status is not valid: it must be failed, pending or delivered (or none "
                  "for all).");
        return;
    }
    enum err_code rc = db_wh_endpoint(web_db(r), r->arena, id, &ep, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such webhook endpoint.");
        return;
    }
    if (rc != E_OK ||
        db_wh_deliveries(web_db(r), r->arena, id, filter, LOG_PAGE + 1, &ds, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    int more = n > LOG_PAGE;
    if (more)
        n = LOG_PAGE;
    json_t *tabs = json_array();
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
        json_array_append_new(
            tabs, json_pack("{s:s, s:s, s:s, s:b}", "label", statuses[i].label, "href",
                            statuses[i].status[0]
                                ? arena_printf(r->arena, "/admin/webhooks/%" PRId64 "?status=%s",
                                               id, statuses[i].status)
                                : arena_printf(r->arena, "/admin/webhooks/%" PRId64, id),
                            "status", statuses[i].status, "current",
                            strcmp(filter, statuses[i].status) == 0));
    json_t *log = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct wh_delivery *d = &ds[i];
        const char *label = strcmp(d->status, "pending") == 0     ? "Waiting"
                            : strcmp(d->status, "sending") == 0   ? "Sending"
                            : strcmp(d->status, "delivered") == 0 ? "Delivered"
                                                                  : "Failed";
        json_array_append_new(
            log, json_pack(
                     "{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "id",
                     id_text(r, d->id), "type", d->type, "msg_id", d->msg_id, "status", d->status,
                     "label", label, "queued", when_text(r, d->created_at), "attempts", d->attempts,
                     "last", when_text(r, d->last_attempt_at), "next",
                     strcmp(d->status, "pending") == 0 && d->next_attempt_at > clock_real_now()
                         ? when_text(r, d->next_attempt_at)
                         : "",
                     "http", d->last_status ? id_text(r, d->last_status) : "", "reply",
                     d->last_reply, "payload", d->payload, "failed",
                     strcmp(d->status, "failed") == 0, "retry", strcmp(d->status, "sending") != 0));
    }
    const struct wh_endpoint *f = typed ? typed : &ep;
    json_t *ctx = chrome_context(r, "Webhook endpoint", "admin");
    json_object_set_new(ctx, "id", json_string(id_text(r, id)));
    json_object_set_new(ctx, "url", json_string(ep.url));
    json_object_set_new(ctx, "enabled", json_boolean(ep.enabled));
    json_object_set_new(ctx, "form", form_of(f));
    json_object_set_new(ctx, "events", event_list(f->events));
    json_object_set_new(ctx, "action",
                        json_string(arena_printf(r->arena, "/admin/webhooks/%" PRId64, id)));
    if (errors)
        json_object_set(ctx, "errors", errors);
    json_object_set_new(ctx, "tabs", tabs);
    json_object_set_new(ctx, "deliveries", log);
    json_object_set_new(ctx, "has_deliveries", json_boolean(n > 0));
    json_object_set_new(ctx, "allow_private", json_boolean(r->app->cfg.webhooks_allow_private));
    json_object_set_new(ctx, "more", json_boolean(more));
    if (secret && *secret) {
        json_object_set_new(ctx, "secret", json_string(secret));
        web_private(r); /* the secret: not stored by any cache, no Referer */
    }
    if (kv_get(&r->query, "pinged"))
        json_object_set_new(ctx, "pinged", json_true());
    const char *retried = kv_get(&r->query, "retried");
    int64_t rid;
    if (retried && num_parse_i64(retried, 1, INT64_MAX, &rid) == 0)
        json_object_set_new(ctx, "retried", json_string(id_text(r, rid)));
    form_render(r, status, "admin/webhook", ctx);
}

void admin_webhooks_add(struct req *r)
{
    struct err e = {0};
    struct wh_endpoint ep;
    char secret[WH_SECRET_TEXT];
    int64_t id = 0;
    json_t *errors = read_form(r, &ep);
    if (json_object_size(errors)) {
        list_page(r, 422, &ep, errors);
        return;
    }
    enum err_code rc =
        wh_endpoint_add(r->app->webhooks, web_db(r), &ep, clock_now(), &id, secret, &e);
    if (rc == E_UNPROCESSABLE) {
        form_error(errors, "url", e.msg);
        list_page(r, 422, &ep, errors);
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    log_info("webhooks: account %" PRId64 " added endpoint %" PRId64 " (%s)", r->user->id, id,
             ep.url);
    whsend_look(r->app->whsend); /* an endpoint: commits' kicks are worth a look again */
    endpoint_page(r, 201, id, NULL, NULL, secret);
}

static int endpoint_id(struct req *r, int64_t *id)
{
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, id) != 0) {
        web_error(r, 404, NULL, "There is no such webhook endpoint.");
        return -1;
    }
    return 0;
}

void admin_webhook(struct req *r)
{
    int64_t id;
    if (endpoint_id(r, &id) == 0)
        endpoint_page(r, 200, id, NULL, NULL, NULL);
}

void admin_webhook_save(struct req *r)
{
    struct err e = {0};
    struct wh_endpoint ep;
    int64_t id;
    if (endpoint_id(r, &id) < 0)
        return;
    json_t *errors = read_form(r, &ep);
    ep.id = id;
    if (json_object_size(errors)) {
        endpoint_page(r, 422, id, &ep, errors, NULL);
        return;
    }
    enum err_code rc = wh_endpoint_update(web_db(r), &ep, clock_now(), &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such webhook endpoint.");
        return;
    }
    if (rc == E_UNPROCESSABLE) {
        form_error(errors, "url", e.msg);
        endpoint_page(r, 422, id, &ep, errors, NULL);
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    log_info("webhooks: account %" PRId64 " saved endpoint %" PRId64 " (%s, %s)", r->user->id, id,
             ep.url, ep.enabled ? "enabled" : "disabled");
    whsend_look(r->app->whsend); /* enabled again: what waited is due */
    form_see_other(r, arena_printf(r->arena, "/admin/webhooks/%" PRId64 "?saved=1", id));
}

void admin_webhook_rotate(struct req *r)
{
    struct err e = {0};
    char secret[WH_SECRET_TEXT];
    int64_t id;
    if (endpoint_id(r, &id) < 0)
        return;
    enum err_code rc = wh_endpoint_rotate(r->app->webhooks, web_db(r), id, clock_now(), secret, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such webhook endpoint.");
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    log_info("webhooks: account %" PRId64 " gave endpoint %" PRId64 " a new secret", r->user->id,
             id);
    endpoint_page(r, 200, id, NULL, NULL, secret);
}

void admin_webhook_ping(struct req *r)
{
    struct err e = {0};
    int64_t id;
    if (endpoint_id(r, &id) < 0)
        return;
    enum err_code rc = wh_ping(r->app->webhooks, web_db(r), id, clock_now(), &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such webhook endpoint.");
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    whsend_look(r->app->whsend);
    form_see_other(r, arena_printf(r->arena, "/admin/webhooks/%" PRId64 "?pinged=1", id));
}

void admin_webhook_retry(struct req *r)
{
    struct err e = {0};
    int64_t id, endpoint = 0;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) != 0) {
        web_error(r, 404, NULL, "There is no such webhook delivery.");
        return;
    }
    /* real time, as the worker's (whsend.h) */
    enum err_code rc = wh_delivery_retry(web_db(r), id, clock_real_now(), &endpoint, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such webhook delivery.");
        return;
    }
    if (rc == E_CONFLICT) {
        web_error(r, 409, "not_retryable", e.msg);
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    log_info("webhooks: delivery %" PRId64 " queued again by account %" PRId64, id, r->user->id);
    whsend_look(r->app->whsend);
    form_see_other(
        r, arena_printf(r->arena, "/admin/webhooks/%" PRId64 "?retried=%" PRId64, endpoint, id));
}
