/* audit — records a request's reads and writes of health records through
 * svc/audit (the writer), and shows the log; see audit.h. */
#include "web/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/auth.h"
#include "store/store.h"
#include "svc/audit.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/num.h"
#include "web/chrome.h"
#include "web/page.h"

#define AUDIT_PAGE 100

/* the health records, the money changes, then what leaves whole: a client's
 * download of their record, the back office's CSV exports */
static const char *const records[] = {"intake",       "insurance", "referral", "note",
                                      "invoice",      "payment",   "refund",   "credit_note",
                                      "closeout",     "superbill", "record",   "clients",
                                      "appointments", "invoices",  "payments", "texts",
                                      "package_credit", "checkout"};

enum err_code audit_record_as(struct req *r, enum proof via, const char *action,
                              const char *record, int64_t record_id, int64_t client_id,
                              struct err *e)
{
    struct actor who = proof_actor(r, via);
    return audit_add(web_db(r), &who, action, record, record_id, client_id, clock_now(), e);
}

/* How r's person was identified. */
static enum proof proof_of(struct req *r)
{
    return !r->user ? PROOF_MANAGE_LINK : r->role == AUTH_CLIENT ? PROOF_EMAIL : PROOF_STAFF;
}

enum err_code audit_record(struct req *r, const char *action, const char *record,
                           int64_t record_id, int64_t client_id, struct err *e)
{
    return audit_record_as(r, proof_of(r), action, record, record_id, client_id, e);
}

enum err_code audit_record_many(struct req *r, const char *action, const char *record,
                                const int64_t *record_ids, const int64_t *client_ids, size_t n,
                                struct err *e)
{
    struct actor who = proof_actor(r, proof_of(r));
    return audit_add_many(web_db(r), &who, action, record, record_ids, client_ids, n,
                          clock_now(), e);
}

/* How the log words each way of being identified. */
static const char *via_label(const char *via)
{
    if (strcmp(via, "manage_link") == 0)
        return "manage link";
    if (strcmp(via, "proven_email") == 0)
        return "proven e-mail";
    return "staff account";
}

/* The filter from the query: ?record=intake|insurance|referral|note,
 * ?client=ID, ?before=ID; 0 when absent; -1 when malformed. */
static int read_filter(struct req *r, struct audit_filter *f)
{
    const char *rec = kv_get(&r->query, "record"), *client = kv_get(&r->query, "client"),
               *before = kv_get(&r->query, "before");
    memset(f, 0, sizeof *f);
    f->limit = AUDIT_PAGE + 1; /* one more tells whether there is an older page */
    f->record = "";
    if (rec && *rec) {
        for (size_t i = 0; i < sizeof records / sizeof *records; i++)
            if (strcmp(rec, records[i]) == 0)
                f->record = records[i];
        if (!*f->record)
            return -1;
    }
    if (client && *client && num_parse_i64(client, 1, INT64_MAX, &f->client_id) != 0)
        return -1;
    if (before && *before && num_parse_i64(before, 1, INT64_MAX, &f->before_id) != 0)
        return -1;
    return 0;
}

static const char *fmt_id(struct req *r, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return arena_strdup(r->arena, buf);
}

void admin_audit(struct req *r)
{
    struct err e = {0};
    struct audit_filter f;
    struct audit_entry *rows = NULL;
    size_t n = 0;
    if (read_filter(r, &f) != 0) {
        web_error(r, 400, "bad_request",
                  "The filter is not valid: record must be intake, insurance, referral, "
                  "note, invoice, payment, refund, credit_note, closeout, superbill, "
                  "record, clients, appointments, invoices, payments, texts, package_credit or "
                  "checkout, and client and "
                  "before must be whole numbers.");
        return;
    }
    if (db_audit_list(web_db(r), r->arena, &f, &rows, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    int more = n > AUDIT_PAGE;
    if (more)
        n = AUDIT_PAGE;

    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct audit_entry *a = &rows[i];
        json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "date",
                                when_date_medium(r->arena, when_local_date(r->app->tz, a->at)),
                                "clock", when_clock(r->app->tz, r->arena, a->at, 1), "at",
                                web_time(r, a->at), "actor", a->actor, "role", a->role, "action",
                                a->action, "record", a->record, "address", a->address, "via",
                                via_label(a->via), "refused", strcmp(a->action, "refused") == 0);
        if (a->reason && *a->reason)
            json_object_set_new(row, "reason", json_string(a->reason));
        if (a->record_id)
            json_object_set_new(row, "record_id", json_string(fmt_id(r, a->record_id)));
        if (a->client_id) {
            json_object_set_new(row, "client_id", json_string(fmt_id(r, a->client_id)));
            json_object_set_new(
                row, "client_url",
                json_string(arena_printf(r->arena, "/staff/clients/%" PRId64, a->client_id)));
        }
        json_array_append_new(list, row);
    }

    json_t *kinds = json_array();
    for (size_t i = 0; i < sizeof records / sizeof *records; i++)
        json_array_append_new(kinds, json_pack("{s:s, s:b}", "value", records[i], "selected",
                                               strcmp(f.record, records[i]) == 0));
    json_t *ctx = chrome_context(r, "Audit log", "admin");
    json_object_set_new(ctx, "entries", list);
    json_object_set_new(ctx, "has_entries", json_boolean(n > 0));
    json_object_set_new(ctx, "records", kinds);
    json_object_set_new(ctx, "filtered", json_boolean(*f.record || f.client_id || f.before_id));
    if (f.client_id)
        json_object_set_new(ctx, "client", json_string(fmt_id(r, f.client_id)));
    if (more) {
        const char *older = arena_printf(r->arena, "/admin/audit?before=%" PRId64 "%s%s%s%s",
                                         rows[n - 1].id, *f.record ? "&record=" : "", f.record,
                                         f.client_id ? "&client=" : "",
                                         f.client_id ? fmt_id(r, f.client_id) : "");
        json_object_set_new(ctx, "older_url", json_string(older));
    }
    page_render(r, 200, "admin/audit", ctx);
}
