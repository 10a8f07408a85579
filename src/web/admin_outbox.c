/* admin_outbox — see admin_outbox.h.  Times of delivery are real time, as
 * the worker keeps them (mail/outbox.h), not the pinned clock. */
#include "web/admin_outbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "store/store.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/num.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"

#define OUTBOX_PAGE 100

static const struct {
    const char *status, *label;
} statuses[] = {
    {"failed", "Failed"},
    {"pending", "Waiting"},
    {"sending", "Sending"},
    {"sent", "Sent"},
};

static const char *when_text(struct req *r, int64_t t)
{
    return t ? when_datetime(r->app->tz, r->arena, t) : "";
}

void admin_outbox(struct req *r)
{
    struct err e = {0};
    struct outbox_tally t;
    struct outbox_msg *rows = NULL;
    size_t n = 0;
    const char *want = kv_get(&r->query, "status");
    const char *status = NULL;
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
        if (want && strcmp(want, statuses[i].status) == 0)
            status = statuses[i].status;
    if (want && *want && !status) {
        web_error(r, 400, "bad_request",
                  "The status is not valid: it must be failed, pending, sending or sent.");
        return;
    }
    if (db_outbox_tally(web_db(r), &t, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (!status)
        status = t.failed ? "failed" : "pending";
    if (db_outbox_list(web_db(r), r->arena, status, OUTBOX_PAGE + 1, &rows, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    int more = n > OUTBOX_PAGE;
    if (more)
        n = OUTBOX_PAGE;
    const int64_t counts[] = {t.failed, t.pending, t.sending, t.sent};
    json_t *tabs = json_array();
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
        json_array_append_new(
            tabs, json_pack("{s:s, s:s, s:I, s:b}", "status", statuses[i].status, "label",
                            statuses[i].label, "count", (json_int_t)counts[i], "current",
                            strcmp(status, statuses[i].status) == 0));
    int retryable = strcmp(status, "failed") == 0 || strcmp(status, "pending") == 0;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct outbox_msg *m = &rows[i];
        json_t *row = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:b}", "id",
            arena_printf(r->arena, "%" PRId64, m->id), "kind", m->kind ? m->kind : "",
            "channel", m->channel && strcmp(m->channel, "sms") == 0 ? "text" : "e-mail",
            "recipient", m->recipient ? m->recipient : "", "subject",
            m->subject ? m->subject : "", "attempts", m->attempts, "created",
            when_text(r, m->created_at), "next", when_text(r, m->next_attempt_at), "sent",
            when_text(r, m->sent_at), "reply", m->last_error ? m->last_error : "", "retry",
            retryable);
        json_array_append_new(list, row);
    }
    json_t *ctx = chrome_context(r, "Outbox", "admin");
    struct wh_tally wt;
    if (db_wh_tally(web_db(r), &wt, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (wt.failed) {
        json_object_set_new(ctx, "webhooks_failed", json_integer((json_int_t)wt.failed));
        json_object_set_new(ctx, "webhooks_one", json_boolean(wt.failed == 1));
    }
    json_object_set_new(ctx, "webhooks_pending",
                        json_integer((json_int_t)(wt.pending + wt.sending)));
    json_object_set_new(ctx, "webhooks_failed_n", json_integer((json_int_t)wt.failed));
    json_object_set_new(ctx, "webhooks_delivered", json_integer((json_int_t)wt.delivered));
    json_object_set_new(ctx, "tabs", tabs);
    json_object_set_new(ctx, "messages", list);
    json_object_set_new(ctx, "has_messages", json_boolean(n > 0));
    json_object_set_new(ctx, "more", json_boolean(more));
    json_object_set_new(ctx, "status_failed", json_boolean(strcmp(status, "failed") == 0));
    json_object_set_new(ctx, "status_pending", json_boolean(strcmp(status, "pending") == 0));
    json_object_set_new(ctx, "status_sent", json_boolean(strcmp(status, "sent") == 0));
    const char *retried = kv_get(&r->query, "retried");
    int64_t rid;
    if (retried && num_parse_i64(retried, 1, INT64_MAX, &rid) == 0)
        json_object_set_new(ctx, "retried",
                            json_string(arena_printf(r->arena, "%" PRId64, rid)));
    page_render(r, 200, "admin/outbox", ctx);
}

void admin_outbox_retry(struct req *r)
{
    struct err e = {0};
    int64_t id;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) != 0) {
        web_error(r, 404, NULL, "There is no such message in the outbox.");
        return;
    }
    /* real time, as `knead outbox retry` and the worker (mail/outbox.h) */
    enum err_code rc = db_outbox_retry(web_db(r), id, clock_real_now(), &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such message in the outbox.");
        return;
    }
    if (rc == E_CONFLICT) {
        web_error(r, 409, "not_retryable",
                  "Only a failed or waiting message can be sent again; this one is sent or "
                  "being sent.");
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    log_info("outbox: message %" PRId64 " queued again by account %" PRId64, id, r->user->id);
    if (r->app->hooks.committed) /* wakes the delivery worker */
        r->app->hooks.committed(r->app->hooks.ctx);
    form_see_other(r, arena_printf(r->arena, "/admin/outbox?status=pending&retried=%" PRId64, id));
}
