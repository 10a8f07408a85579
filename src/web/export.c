/* export — serves svc/export's CSV files and the page that links them; see
 * export.h.  Parses the day range strictly; must not build a cell itself. */
#include "web/export.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/datetime.h"
#include "svc/export.h"
#include "svc/when.h"
#include "util/clock.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"
#include "web/proof.h"

#define CSV_TYPE "text/csv; charset=utf-8; header=present"
#define EXPORT_MAX_DAYS 731 /* two years of a busy clinic: ~40,000 rows, ~12 MB */

static const char *day_text(struct req *r, struct dt_date d)
{
    char buf[16];
    dt_format_date(d, buf, sizeof buf);
    return arena_strdup(r->arena, buf);
}

void admin_export(struct req *r)
{
    struct dt_date today = when_local_date(r->app->tz, clock_now());
    json_t *ctx = chrome_context(r, "Export data", "admin");
    json_object_set_new(ctx, "from", json_string(day_text(r, (struct dt_date){today.year, 1, 1})));
    json_object_set_new(ctx, "to", json_string(day_text(r, (struct dt_date){today.year, 12, 31})));
    json_object_set_new(ctx, "max_days", json_integer(EXPORT_MAX_DAYS));
    form_render(r, 200, "admin/export", ctx);
}

/* The file's headers; the body is written by svc/export straight into the
 * response (a year of a busy clinic is some 27 MB: not copied once more). */
static void csv_headers(struct req *r, const char *filename)
{
    resp_header(r, "Content-Disposition",
                arena_printf(r->arena, "attachment; filename=\"%s\"", filename));
    web_private(r); /* personal data: not kept by caches */
}

void admin_export_clients(struct req *r)
{
    static const char *const allowed[] = {NULL};
    struct err e = {0};
    size_t rows = 0;
    int64_t now = clock_now();
    if (web_only_params(r, allowed) < 0)
        return;
    struct actor who = proof_actor(r, PROOF_STAFF);
    resp_start(r, 200, CSV_TYPE);
    if (export_clients(web_db(r), r->arena, r->app->tz, &who, now, &r->resp.body, &rows, &e) !=
        E_OK) {
        web_fail(r, &e);
        return;
    }
    csv_headers(
        r, arena_printf(r->arena, "clients-%s.csv", day_text(r, when_local_date(r->app->tz, now))));
}

typedef enum err_code (*range_fn)(struct db *db, struct arena *a, const struct tz *tz,
                                  struct dt_date from, struct dt_date to,
                                  const struct actor *who, int64_t now, struct sb *out,
                                  size_t *rows, struct err *e);

/* A file of one kind over a range of days ?from=&to=. */
static void range_export(struct req *r, const char *kind, range_fn fn)
{
    static const char *const allowed[] = {"from", "to", NULL};
    struct err e = {0};
    struct dt_date from, to;
    size_t rows = 0;
    const char *fs = kv_get(&r->query, "from"), *ts = kv_get(&r->query, "to");
    if (web_only_params(r, allowed) < 0)
        return;
    /* without a range: this year (the page's default); without `to`: to
     * the end of from's year */
    struct dt_date today = when_local_date(r->app->tz, clock_now());
    from = (struct dt_date){today.year, 1, 1};
    if (fs && dt_parse_date(fs, &from) < 0) {
        web_error(r, 400, "bad_request", "Parameter 'from' must be a date as YYYY-MM-DD.");
        return;
    }
    to = (struct dt_date){from.year, 12, 31};
    if (ts && dt_parse_date(ts, &to) < 0) {
        web_error(r, 400, "bad_request", "Parameter 'to' must be a date as YYYY-MM-DD.");
        return;
    }
    int64_t span = dt_date_to_days(to) - dt_date_to_days(from) + 1;
    if (span < 1 || span > EXPORT_MAX_DAYS) {
        web_error(r, 400, "bad_request",
                  arena_printf(r->arena,
                               "Parameter 'to' must be on or after 'from', and the range at most "
                               "%d days; export a longer time in parts.",
                               EXPORT_MAX_DAYS));
        return;
    }
    struct actor who = proof_actor(r, PROOF_STAFF);
    resp_start(r, 200, CSV_TYPE);
    if (fn(web_db(r), r->arena, r->app->tz, from, to, &who, clock_now(), &r->resp.body, &rows,
           &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    csv_headers(r, arena_printf(r->arena, "%s-%s-to-%s.csv", kind, day_text(r, from),
                                day_text(r, to)));
}

void admin_export_appointments(struct req *r)
{
    range_export(r, "appointments", export_appointments);
}

void admin_export_invoices(struct req *r)
{
    range_export(r, "invoices", export_invoices);
}

void admin_export_payments(struct req *r)
{
    range_export(r, "payments", export_payments);
}
