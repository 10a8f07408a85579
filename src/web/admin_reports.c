/* admin_reports — see admin_reports.h.  Each report is computed by
 * svc/reports.c for the period asked and the one before it, then laid out
 * once as tables (struct rt) that serve both the page (beside its SVG
 * charts, view/chart.c) and the CSV (view/csv.c), so the download holds
 * the same figures as the page.  Parses, calls, presents; no rule lives
 * here. */
#include "web/admin_reports.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/appt.h"
#include "core/money.h"
#include "core/report.h"
#include "store/store.h"
#include "svc/reports.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/blobcache.h"
#include "util/num.h"
#include "view/chart.h"
#include "view/csv.h"
#include "view/tpl.h"
#include "web/audit.h"
#include "web/chrome.h"
#include "web/page.h"

#define MAX_TABLES 8
#define MAX_CHARTS 4
#define CSV_MAX (8u << 20) /* a year of the largest report is far below this */

/* ---- parameters ------------------------------------------------------------ */

static const char *const range_params[] = {"from", "to", "format", "location", NULL};

/* A day typed into a form: YYYY-MM-DD in the years a report can cover. */
static int read_day(struct req *r, const char *name, const char *v, struct dt_date *out)
{
    if (dt_parse_date(v, out) != 0 || out->year < 1970 || out->year > 9000) {
        web_error(r, 400, "bad_request",
                  arena_printf(r->arena, "The date '%s' must look like 2026-11-24.", name));
        return -1;
    }
    return 0;
}

struct asked {
    struct report_range rg;
    struct reports_period cur, prev;
    struct dt_date today;
    int64_t now;
    int csv;
    /* ?location=: one location (its zone), or every location (0, the
     * config file's zone) */
    int64_t loc;
    const struct tz *tz;
    struct location *locs;
    size_t nlocs;
    /* the kept copy's key (kept_answer), or NULL: a report not kept */
    const char *key;
};

/* Reads ?location= into q (every location when none).  Returns 0, or -1
 * with a 400 (not a number) or 404 (no such location) sent. */
static int read_location(struct req *r, struct asked *q)
{
    struct err e = {0};
    const char *v = kv_get(&r->query, "location");
    q->loc = 0;
    q->tz = r->app->tz;
    if (db_locations(web_db(r), r->arena, &q->locs, &q->nlocs, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    if (!v || !*v)
        return 0;
    if (num_parse_i64(v, 1, INT64_MAX, &q->loc) < 0) {
        web_error(r, 400, "bad_request",
                  "The location must be a location's number, as /admin/locations lists them.");
        return -1;
    }
    for (size_t i = 0; i < q->nlocs; i++)
        if (q->locs[i].id == q->loc) {
            q->tz = web_zone(r, q->loc);
            return 0;
        }
    web_error(r, 404, "not_found",
              arena_printf(r->arena, "There is no location %lld; /admin/locations lists them.",
                           (long long)q->loc));
    return -1;
}

/* Reads from, to and format.  Returns 0, or -1 with the error sent. */
static int read_range(struct req *r, struct asked *q)
{
    if (web_only_params(r, range_params) < 0 || read_location(r, q) < 0)
        return -1;
    q->now = clock_now();
    q->today = when_local_date(q->tz, q->now);
    q->rg = report_range_last(q->today, 28);
    const char *f = kv_get(&r->query, "from"), *t = kv_get(&r->query, "to");
    const char *fmt = kv_get(&r->query, "format");
    q->csv = 0;
    if (fmt && strcmp(fmt, "csv") == 0)
        q->csv = 1;
    else if (fmt && *fmt && strcmp(fmt, "html") != 0) {
        web_error(r, 400, "bad_request", "The format must be csv or html.");
        return -1;
    }
    struct dt_date from = q->rg.from, to = q->rg.to;
    if (f && *f && read_day(r, "from", f, &from) < 0)
        return -1;
    if (t && *t && read_day(r, "to", t, &to) < 0)
        return -1;
    /* one end given alone keeps the default length from it */
    if (f && *f && !(t && *t))
        to = dt_date_add(from, q->rg.days - 1);
    else if (t && *t && !(f && *f))
        from = dt_date_add(to, -(q->rg.days - 1));
    switch (report_range(from, to, &q->rg)) {
    case REPORT_RANGE_OK:
        break;
    case REPORT_RANGE_REVERSED:
        web_error(r, 422, "bad_range", "The 'to' date is before the 'from' date.");
        return -1;
    case REPORT_RANGE_TOO_LONG:
        web_error(r, 422, "bad_range",
                  arena_printf(r->arena,
                               "A report covers at most %d days; choose a shorter range.",
                               REPORT_MAX_DAYS));
        return -1;
    }
    q->cur = reports_period(q->tz, q->rg.from, q->rg.days);
    q->prev = reports_period(q->tz, q->rg.prev_from, q->rg.days);
    q->cur.location_id = q->prev.location_id = q->loc;
    q->key = NULL;
    return 0;
}

/* ---- figures as text ------------------------------------------------------- */

static const char *hours(struct req *r, int64_t secs)
{
    int64_t tenths = (secs * 10 + 1800) / 3600;
    return arena_printf(r->arena, "%" PRId64 ".%" PRId64, tenths / 10, tenths % 10);
}

static const char *num(struct req *r, int64_t v)
{
    return arena_printf(r->arena, "%" PRId64, v);
}

static const char *pct(struct req *r, int permille)
{
    char buf[24];
    return arena_strdup(r->arena, report_permille_text(permille, buf, sizeof buf));
}

/* For CSV: a rate as a plain number of percent ("33.3"), "" when none. */
static const char *pct_plain(struct req *r, int permille)
{
    if (permille < 0)
        return "";
    return arena_printf(r->arena, "%d.%d", permille / 10, permille % 10);
}

static const char *change(struct req *r, int64_t cur, int64_t prev)
{
    int has;
    if (cur < 0 || prev < 0) /* a rate with nothing to divide by */
        return "\xe2\x80\x94";
    int c = report_change_percent(cur, prev, &has);
    if (!has)
        return cur ? "new" : "no change";
    if (c == 0)
        return "no change";
    return arena_printf(r->arena, "%s%d%%", c > 0 ? "+" : "\xe2\x88\x92", c > 0 ? c : -c);
}

/* A span of seconds in words: "2 days 3 h", "5 h", "40 min". */
static const char *duration(struct req *r, int64_t s)
{
    if (s >= 86400)
        return arena_printf(r->arena, "%" PRId64 " d %" PRId64 " h", s / 86400,
                            (s % 86400) / 3600);
    if (s >= 3600)
        return arena_printf(r->arena, "%" PRId64 " h %" PRId64 " min", s / 3600, (s % 3600) / 60);
    return arena_printf(r->arena, "%" PRId64 " min", s / 60);
}

/* ---- tables: one layout for the page and the CSV --------------------------- */

struct rt {
    const char *section, *caption, *name_head;
    const char *const *heads, *const *keys; /* nm each */
    size_t nm, n, cap;
    const char **names, **cur, **prev, **chg; /* prev and chg may hold NULLs */
};

struct out {
    struct rt *t[MAX_TABLES];
    size_t nt;
    json_t *charts;
};

static struct rt *rt_new(struct req *r, struct out *o, const char *section, const char *caption,
                         const char *name_head, const char *const *heads,
                         const char *const *keys, size_t nm, size_t cap)
{
    struct rt *t = arena_array(r->arena, 1, sizeof *t);
    *t = (struct rt){section, caption, name_head, heads, keys, nm, 0, cap ? cap : 1,
                     NULL,    NULL,    NULL,      NULL};
    t->names = arena_array(r->arena, t->cap, sizeof *t->names);
    t->cur = arena_array(r->arena, t->cap * nm, sizeof *t->cur);
    t->prev = arena_array(r->arena, t->cap * nm, sizeof *t->prev);
    t->chg = arena_array(r->arena, t->cap * nm, sizeof *t->chg);
    if (o->nt < MAX_TABLES)
        o->t[o->nt++] = t;
    return t;
}

/* Adds a row; cur has nm texts, prev and chg nm texts or are NULL. */
static void rt_row(struct rt *t, const char *name, const char *const *cur,
                   const char *const *prev, const char *const *chg)
{
    if (t->n >= t->cap)
        return; /* sized by the caller; never met */
    t->names[t->n] = name;
    for (size_t j = 0; j < t->nm; j++) {
        t->cur[t->n * t->nm + j] = cur[j];
        t->prev[t->n * t->nm + j] = prev ? prev[j] : NULL;
        t->chg[t->n * t->nm + j] = chg ? chg[j] : NULL;
    }
    t->n++;
}

/* The summary: one figure a row, this period, the one before, the change. */
static const char *const summary_heads[] = {"This period"};
static struct rt *summary_new(struct req *r, struct out *o, size_t cap)
{
    static const char *const keys[] = {"value"};
    return rt_new(r, o, "summary", "Summary", "Figure", summary_heads, keys, 1, cap);
}

static void summary_row(struct req *r, struct rt *t, const char *label, const char *cur_text,
                        const char *prev_text, int64_t cur, int64_t prev)
{
    const char *c[] = {cur_text}, *p[] = {prev_text}, *d[] = {change(r, cur, prev)};
    rt_row(t, label, c, p, d);
}

static json_t *rt_json(const struct rt *t, int is_summary)
{
    json_t *heads = json_array(), *rows = json_array();
    for (size_t j = 0; j < t->nm; j++)
        json_array_append_new(heads, json_string(t->heads[j]));
    for (size_t i = 0; i < t->n; i++) {
        json_t *cells = json_array();
        for (size_t j = 0; j < t->nm; j++) { /* "" (no rate) reads as a dash on the page */
            const char *c = t->cur[i * t->nm + j];
            json_array_append_new(cells, json_string(c && *c ? c : "\xe2\x80\x94"));
        }
        json_t *row = json_pack("{s:s, s:o}", "name", t->names[i], "cells", cells);
        if (is_summary) {
            json_object_set_new(row, "prev", json_string(t->prev[i] ? t->prev[i] : ""));
            json_object_set_new(row, "change", json_string(t->chg[i] ? t->chg[i] : ""));
        }
        json_array_append_new(rows, row);
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:b}", "id", t->section, "caption", t->caption,
                     "name_head", t->name_head, "heads", heads, "rows", rows, "empty",
                     t->n == 0);
}

static const char *day_text(struct req *r, struct dt_date d)
{
    return when_date_medium(r->arena, d);
}

/* The CSV's file name. */
static void csv_named(struct req *r, const struct asked *q, const char *slug)
{
    const char *from = when_date_param(r->arena, q->rg.from);
    const char *to = when_date_param(r->arena, q->rg.to);
    resp_header(r, "Content-Disposition",
                q->loc ? arena_printf(r->arena,
                                      "attachment; filename=\"%s-location-%lld-%s-to-%s.csv\"",
                                      slug, (long long)q->loc, from, to)
                       : arena_printf(r->arena, "attachment; filename=\"%s-%s-to-%s.csv\"",
                                      slug, from, to));
}

/* A report's body, rendered or kept. */
struct bytes {
    const char *p;
    size_t n;
    const char *key; /* kept under it in app->fragments; NULL: not kept */
};

/* page_fill_fn: the report's body into the page (for gzip its compressed
 * form, kept beside it once per version; stored when it is not kept). */
static int fill_body(struct req *r, struct sb *body, size_t after, struct gz *gz, void *arg)
{
    const struct bytes *b = arg;
    page_kept_fragment(r, r->app->fragments, b->key, b->p, b->n, body, after, gz);
    return 0;
}

/* Sends the report: CSV for ?format=csv, else the page. */
static void finish(struct req *r, const struct asked *q, struct out *o, const char *slug,
                   const char *title, const char *intro)
{
    const char *from = when_date_param(r->arena, q->rg.from);
    const char *to = when_date_param(r->arena, q->rg.to);
    if (q->csv) {
        struct sb *b = &r->resp.body;
        json_decref(o->charts);
        o->charts = NULL;
        resp_start(r, 200, "text/csv; charset=utf-8");
        b->max = CSV_MAX;
        static const char *const head[] = {"section", "name", "measure", "this_period",
                                           "previous_period", "from", "to"};
        for (size_t j = 0; j < sizeof head / sizeof *head; j++)
            csv_text(b, head[j], j == 0);
        csv_end(b);
        for (size_t k = 0; k < o->nt; k++) {
            const struct rt *t = o->t[k];
            for (size_t i = 0; i < t->n; i++)
                for (size_t j = 0; j < t->nm; j++) {
                    csv_text(b, t->section, 1);
                    csv_text(b, t->names[i], 0);
                    csv_text(b, t->keys[j], 0);
                    csv_text(b, t->cur[i * t->nm + j], 0);
                    csv_text(b, t->prev[i * t->nm + j], 0);
                    csv_text(b, from, 0);
                    csv_text(b, to, 0);
                    csv_end(b);
                }
        }
        if (b->err) {
            web_error(r, 413, "too_large",
                      "This report is too large to download; choose a shorter range.");
            return;
        }
        if (q->key)
            blobcache_put(r->app->fragments, q->key, b->buf, b->len);
        csv_named(r, q, slug);
        return;
    }
    json_t *ctx = chrome_context(r, title, "admin");
    json_t *tables = json_array();
    json_t *summary = json_null();
    for (size_t k = 0; k < o->nt; k++) {
        if (strcmp(o->t[k]->section, "summary") == 0) {
            json_decref(summary);
            summary = rt_json(o->t[k], 1);
        } else
            json_array_append_new(tables, rt_json(o->t[k], 0));
    }
    json_object_set_new(ctx, "summary", summary);
    json_object_set_new(ctx, "tables", tables);
    json_object_set_new(ctx, "charts", o->charts);
    json_object_set_new(ctx, "heading", json_string(title));
    json_object_set_new(ctx, "intro", json_string(intro));
    json_object_set_new(ctx, "slug", json_string(slug));
    json_object_set_new(ctx, "from", json_string(from));
    json_object_set_new(ctx, "to", json_string(to));
    json_object_set_new(ctx, "range_text",
                        json_string(arena_printf(r->arena, "%s to %s (%d days)",
                                                 day_text(r, q->rg.from), day_text(r, q->rg.to),
                                                 q->rg.days)));
    json_object_set_new(ctx, "prev_text",
                        json_string(arena_printf(r->arena, "%s to %s",
                                                 day_text(r, q->rg.prev_from),
                                                 day_text(r, q->rg.prev_to))));
    const char *at = q->loc ? arena_printf(r->arena, "&location=%lld", (long long)q->loc) : "";
    json_object_set_new(ctx, "csv_url",
                        json_string(arena_printf(r->arena,
                                                 "/admin/reports/%s?from=%s&to=%s%s&format=csv",
                                                 slug, from, to, at)));
    /* several locations: one, or all of them (the default) */
    if (q->nlocs > 1) {
        json_t *ll = json_array();
        const char *name = "All locations";
        for (size_t i = 0; i < q->nlocs; i++) {
            const struct location *l = &q->locs[i];
            json_array_append_new(
                ll, json_pack("{s:I, s:s, s:b}", "id", (json_int_t)l->id, "name",
                              l->archived_at ? arena_printf(r->arena, "%s (archived)", l->name)
                                             : l->name,
                              "selected", l->id == q->loc));
            if (l->id == q->loc)
                name = l->name;
        }
        json_object_set_new(ctx, "locations", ll);
        json_object_set_new(ctx, "multi_location", json_true());
        json_object_set_new(ctx, "all_locations", json_boolean(q->loc == 0));
        json_object_set_new(ctx, "location_name", json_string(name));
    }
    /* the page below the navigation is the same for every admin: kept whole
     * when the report is (q->key), the navigation's counts rendered each time */
    char msg[256];
    struct sb kept;
    sb_init(&kept, CSV_MAX);
    if (tpl_render(r->app->tpl, "admin/report_body", ctx, &kept, msg, sizeof msg) < 0) {
        log_error("render admin/report_body: %s", msg);
        web_error(r, 500, NULL, "The report could not be shown; the error was logged.");
    } else {
        if (q->key)
            blobcache_put(r->app->fragments, q->key, kept.buf, kept.len);
        struct bytes b = {kept.buf, kept.len, q->key};
        page_render_slot(r, 200, "admin/report", ctx, "report_html", fill_body, &b);
    }
    sb_release(&kept);
}

/* The reports of appointments alone (utilisation, attendance) are kept per
 * data version: the key holds both versions (read before the report's
 * reads, so what is kept is never older than its key says), the report,
 * the format, the two periods' days and the location.  Answers from the
 * kept copy and returns 1; else sets q->key for finish and returns 0 (on a
 * store error too: the report's own reads meet it and say so). */
static int kept_answer(struct req *r, struct asked *q, const char *slug, const char *title)
{
    struct err e = {0};
    int64_t cv = 0, av = 0;
    void *v = NULL;
    size_t len = 0;
    if (db_versions(web_db(r), &cv, &av, &e) != E_OK)
        return 0;
    q->key = arena_printf(r->arena, "report|%s|%d|%s|%s|L%lld|%lld|%lld", slug, q->csv,
                          when_date_param(r->arena, q->rg.from),
                          when_date_param(r->arena, q->rg.to), (long long)q->loc,
                          (long long)cv, (long long)av);
    if (!blobcache_get(r->app->fragments, q->key, r->arena, &v, &len))
        return 0;
    if (q->csv) {
        resp_start(r, 200, "text/csv; charset=utf-8");
        r->resp.static_body = v; /* in r's arena, freed after the answer is sent */
        r->resp.static_len = len;
        csv_named(r, q, slug);
        return 1;
    }
    struct bytes b = {v, len, q->key};
    page_render_slot(r, 200, "admin/report", chrome_context(r, title, "admin"), "report_html",
                     fill_body, &b);
    return 1;
}

/* Adds a chart (svg text) to o->charts; sb released. */
static void add_chart(struct out *o, struct sb *svg)
{
    if (!svg->err)
        json_array_append_new(o->charts, json_pack("{s:s}", "svg", svg->buf));
    sb_release(svg);
}

/* A chart's description: the two periods it compares, then what it shows. */
static const char *described(struct req *r, const struct asked *q, const char *what)
{
    return arena_printf(r->arena, "This period: %s to %s; previous period: %s to %s. %s",
                        day_text(r, q->rg.from), day_text(r, q->rg.to),
                        day_text(r, q->rg.prev_from), day_text(r, q->rg.prev_to), what);
}

/* Bars of this period against the previous one. */
static void bars(struct req *r, const struct asked *q, struct out *o, const char *id,
                 const char *title, const char *desc, const char **labels, size_t n,
                 const int64_t *cur, const int64_t *prev, const char **cur_text,
                 const char **prev_text)
{
    struct chart_series s[2] = {{"This period", cur, cur_text},
                                {"Previous period", prev, prev_text}};
    struct chart c = {id, title, described(r, q, desc), labels, n, s, 2};
    struct sb svg = SB_INIT;
    svg.max = 1u << 20;
    chart_bars(&svg, &c);
    add_chart(o, &svg);
}

/* bars() of counts: each bar's text is its number. */
static void count_bars(struct req *r, const struct asked *q, struct out *o, const char *id,
                       const char *title, const char *desc, const char **labels, size_t n,
                       const int64_t *cur, const int64_t *prev)
{
    const char **ct = arena_array(r->arena, n + 1, sizeof *ct);
    const char **pt = arena_array(r->arena, n + 1, sizeof *pt);
    for (size_t i = 0; i < n; i++) {
        ct[i] = num(r, cur[i]);
        pt[i] = num(r, prev[i]);
    }
    bars(r, q, o, id, title, desc, labels, n, cur, prev, ct, pt);
}

static int fail(struct req *r, enum err_code rc, const struct err *e)
{
    if (rc != E_OK)
        web_fail(r, e);
    return rc != E_OK;
}

/* ---- the index --------------------------------------------------------------- */

void admin_reports(struct req *r)
{
    if (web_only_params(r, (const char *const[]){NULL}) < 0)
        return;
    json_t *ctx = chrome_context(r, "Reports", "admin");
    page_render(r, 200, "admin/reports", ctx);
}

/* ---- utilisation ------------------------------------------------------------- */

static void hours_table(struct req *r, struct out *o, const char *section, const char *caption,
                        const char *name_head, const struct reports_hours *cur,
                        const struct reports_hours *prev, size_t n)
{
    static const char *const heads[] = {"Hours to book", "Booked", "Worked", "Booked share"};
    static const char *const keys[] = {"available_hours", "booked_hours", "worked_hours",
                                       "utilisation_percent"};
    struct rt *t = rt_new(r, o, section, caption, name_head, heads, keys, 4, n);
    for (size_t i = 0; i < n; i++) {
        const char *c[] = {hours(r, cur[i].available), hours(r, cur[i].booked),
                           hours(r, cur[i].worked),
                           pct_plain(r, report_permille(cur[i].booked, cur[i].available))};
        const char *p[4] = {NULL, NULL, NULL, NULL};
        if (prev) {
            p[0] = hours(r, prev[i].available);
            p[1] = hours(r, prev[i].booked);
            p[2] = hours(r, prev[i].worked);
            p[3] = pct_plain(r, report_permille(prev[i].booked, prev[i].available));
        }
        rt_row(t, cur[i].name, c, p, NULL);
    }
}

/* The previous period's row of the same key, or a zero row. */
static struct reports_hours same_key(const struct reports_hours *v, size_t n,
                                     const struct reports_hours *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].key, want->key) == 0)
            return v[i];
    return (struct reports_hours){want->key, want->name, 0, 0, 0};
}

void admin_reports_utilisation(struct req *r)
{
    struct asked q;
    struct reports_util u, pu;
    struct err e = {0};
    if (read_range(r, &q) < 0 || kept_answer(r, &q, "utilisation", "Utilisation"))
        return;
    if (fail(r, reports_utilisation(web_db(r), r->arena, r->app->sched, q.tz, &q.cur, &u, &e),
             &e) ||
        fail(r, reports_utilisation(web_db(r), r->arena, r->app->sched, q.tz, &q.prev, &pu,
                                    &e),
             &e))
        return;
    struct out o = {.charts = json_array()};
    struct rt *s = summary_new(r, &o, 4);
    summary_row(r, s, "Hours to book", hours(r, u.total.available), hours(r, pu.total.available),
                u.total.available, pu.total.available);
    summary_row(r, s, "Hours booked", hours(r, u.total.booked), hours(r, pu.total.booked),
                u.total.booked, pu.total.booked);
    summary_row(r, s, "Hours worked", hours(r, u.total.worked), hours(r, pu.total.worked),
                u.total.worked, pu.total.worked);
    int cr = report_permille(u.total.booked, u.total.available);
    int pr = report_permille(pu.total.booked, pu.total.available);
    summary_row(r, s, "Booked share of the hours", pct(r, cr), pct(r, pr), cr, pr);

    /* the therapists' rows of the previous period, in this period's order */
    struct reports_hours *pt = arena_array(r->arena, u.ntherapists + 1, sizeof *pt);
    struct reports_hours *pr_rooms = arena_array(r->arena, u.nrooms + 1, sizeof *pr_rooms);
    for (size_t i = 0; i < u.ntherapists; i++)
        pt[i] = same_key(pu.therapists, pu.ntherapists, &u.therapists[i]);
    for (size_t i = 0; i < u.nrooms; i++)
        pr_rooms[i] = same_key(pu.rooms, pu.nrooms, &u.rooms[i]);

    /* chart: the booked share per therapist, this period and the previous */
    size_t n = u.ntherapists;
    const char **labels = arena_array(r->arena, n + 1, sizeof *labels);
    const char **ct = arena_array(r->arena, n + 1, sizeof *ct);
    const char **ptx = arena_array(r->arena, n + 1, sizeof *ptx);
    int64_t *cv = arena_array(r->arena, n + 1, sizeof *cv);
    int64_t *pv = arena_array(r->arena, n + 1, sizeof *pv);
    for (size_t i = 0; i < n; i++) {
        int a = report_permille(u.therapists[i].booked, u.therapists[i].available);
        int b = report_permille(pt[i].booked, pt[i].available);
        labels[i] = u.therapists[i].name;
        cv[i] = a < 0 ? 0 : a;
        pv[i] = b < 0 ? 0 : b;
        ct[i] = pct(r, a);
        ptx[i] = pct(r, b);
    }
    bars(r, &q, &o, "chart-share", "Booked share of the hours, by therapist",
         arena_printf(r->arena,
                      "Booked hours as a share of the hours each therapist could be booked, "
                      "this period against the previous one. All therapists: %s (previous %s).",
                      pct(r, cr), pct(r, pr)),
         labels, n, cv, pv, ct, ptx);

    /* chart: hours booked each day, this period and the previous */
    const char **days = arena_array(r->arena, (size_t)u.days + 1, sizeof *days);
    int64_t top = 0;
    for (int k = 0; k < u.days; k++) {
        days[k] = day_text(r, dt_date_add(q.rg.from, k));
        if (u.booked_by_day[k] > top)
            top = u.booked_by_day[k];
        if (pu.booked_by_day[k] > top)
            top = pu.booked_by_day[k];
    }
    struct chart_series ls[2] = {{"This period", u.booked_by_day, NULL},
                                 {"Previous period", pu.booked_by_day, NULL}};
    struct chart lc = {"chart-daily", "Hours booked each day",
                       described(r, &q,
                                 arena_printf(r->arena,
                                              "Hours booked on each day of the period, with the "
                                              "same day of the previous period; at most %s h on "
                                              "one day.",
                                              hours(r, top))),
                       days, (size_t)u.days, ls, 2};
    struct sb svg = SB_INIT;
    svg.max = 1u << 20;
    chart_lines(&svg, &lc, arena_printf(r->arena, "%s h", hours(r, top)));
    add_chart(&o, &svg);

    hours_table(r, &o, "therapist", "By therapist (hours)", "Therapist", u.therapists, pt,
                u.ntherapists);
    hours_table(r, &o, "room", "By room (hours; a room can be booked while the clinic is open)",
                "Room", u.rooms, pr_rooms, u.nrooms);
    hours_table(r, &o, "weekday", "By weekday (hours)", "Weekday", u.weekdays, pu.weekdays, 7);
    {
        static const char *const heads[] = {"Booked"};
        static const char *const keys[] = {"booked_hours"};
        struct rt *t = rt_new(r, &o, "day", "Hours booked each day", "Day", heads, keys, 1,
                              (size_t)u.days);
        for (int k = 0; k < u.days; k++) {
            const char *c[] = {hours(r, u.booked_by_day[k])}, *p[] = {hours(r, pu.booked_by_day[k])};
            rt_row(t, when_date_param(r->arena, dt_date_add(q.rg.from, k)), c, p, NULL);
        }
    }
    finish(r, &q, &o, "utilisation", "Utilisation",
           "Hours the therapists could be booked (their working hours inside opening hours, "
           "less breaks, time off and closed dates: the rule online booking uses), against "
           "the hours booked (every appointment not cancelled, no-shows included) and worked "
           "(completed or checked in).");
}

/* ---- attendance --------------------------------------------------------------- */

static const char *const attend_heads[] = {"Appointments", "Completed", "No-shows",
                                           "No-show rate", "Late cancellations",
                                           "Late-cancel rate", "Cancelled in time", "Still booked"};
static const char *const attend_keys[] = {"appointments", "completed", "no_shows",
                                          "no_show_rate_percent", "late_cancellations",
                                          "late_cancel_rate_percent", "cancelled_in_time",
                                          "booked"};

static void attend_cells(struct req *r, const struct reports_attend_row *x, const char **c)
{
    c[0] = num(r, x->total);
    c[1] = num(r, x->n[APPT_COMPLETED] + x->n[APPT_CHECKED_IN]);
    c[2] = num(r, x->n[APPT_NO_SHOW]);
    c[3] = pct_plain(r, reports_no_show_rate(x));
    c[4] = num(r, x->late);
    c[5] = pct_plain(r, reports_late_cancel_rate(x));
    c[6] = num(r, x->n[APPT_CANCELLED] - x->late);
    c[7] = num(r, x->n[APPT_BOOKED]);
}

static const struct reports_attend_row *attend_find(const struct reports_attend *a,
                                                    const char *key)
{
    for (size_t i = 0; i < a->nrows; i++)
        if (strcmp(a->rows[i].key, key) == 0)
            return &a->rows[i];
    return NULL;
}

void admin_reports_attendance(struct req *r)
{
    struct asked q;
    struct reports_attend a, pa;
    struct err e = {0};
    if (read_range(r, &q) < 0 ||
        kept_answer(r, &q, "attendance", "No-shows and late cancellations"))
        return;
    if (fail(r, reports_attendance(web_db(r), r->arena, &q.cur, &a, &e), &e) ||
        fail(r, reports_attendance(web_db(r), r->arena, &q.prev, &pa, &e), &e))
        return;
    struct out o = {.charts = json_array()};
    struct rt *s = summary_new(r, &o, 4);
    summary_row(r, s, "Appointments", num(r, a.total.total), num(r, pa.total.total),
                a.total.total, pa.total.total);
    int an = reports_no_show_rate(&a.total), pn = reports_no_show_rate(&pa.total);
    int al = reports_late_cancel_rate(&a.total), pl = reports_late_cancel_rate(&pa.total);
    summary_row(r, s, "No-show rate", pct(r, an), pct(r, pn), an, pn);
    summary_row(r, s, "Late-cancellation rate", pct(r, al), pct(r, pl), al, pl);
    summary_row(r, s, "No-shows", num(r, a.total.n[APPT_NO_SHOW]),
                num(r, pa.total.n[APPT_NO_SHOW]), a.total.n[APPT_NO_SHOW],
                pa.total.n[APPT_NO_SHOW]);

    /* chart: the two rates, all therapists and each */
    size_t n = a.nrows + 1;
    const char **labels = arena_array(r->arena, 2 * n, sizeof *labels);
    const char **ct = arena_array(r->arena, 2 * n, sizeof *ct);
    const char **ptx = arena_array(r->arena, 2 * n, sizeof *ptx);
    int64_t *cv = arena_array(r->arena, 2 * n, sizeof *cv);
    int64_t *pv = arena_array(r->arena, 2 * n, sizeof *pv);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct reports_attend_row *x = i == 0 ? &a.total : &a.rows[i - 1];
        const struct reports_attend_row *y = i == 0 ? &pa.total : attend_find(&pa, x->key);
        struct reports_attend_row zero = {0};
        if (!y)
            y = &zero;
        int v[4] = {reports_no_show_rate(x), reports_no_show_rate(y),
                    reports_late_cancel_rate(x), reports_late_cancel_rate(y)};
        for (int m = 0; m < 2; m++, k++) {
            labels[k] = arena_printf(r->arena, "%s: %s", x->name,
                                     m == 0 ? "no-shows" : "late cancellations");
            cv[k] = v[2 * m] < 0 ? 0 : v[2 * m];
            pv[k] = v[2 * m + 1] < 0 ? 0 : v[2 * m + 1];
            ct[k] = pct(r, v[2 * m]);
            ptx[k] = pct(r, v[2 * m + 1]);
        }
    }
    bars(r, &q, &o, "chart-attendance", "No-show and late-cancellation rates",
         arena_printf(r->arena,
                      "No-shows as a share of the appointments that were due, and late "
                      "cancellations as a share of all appointments, this period against the "
                      "previous one. All therapists: %s no-shows (previous %s), %s late "
                      "cancellations (previous %s).",
                      pct(r, an), pct(r, pn), pct(r, al), pct(r, pl)),
         labels, k, cv, pv, ct, ptx);

    struct rt *t = rt_new(r, &o, "therapist", "By therapist", "Therapist", attend_heads,
                          attend_keys, 8, a.nrows + 1);
    const char *c[8], *p[8];
    for (size_t i = 0; i <= a.nrows; i++) {
        const struct reports_attend_row *x = i < a.nrows ? &a.rows[i] : &a.total;
        const struct reports_attend_row *y = i < a.nrows ? attend_find(&pa, x->key) : &pa.total;
        attend_cells(r, x, c);
        if (y)
            attend_cells(r, y, p);
        rt_row(t, x->name, c, y ? p : NULL, NULL);
    }
    finish(r, &q, &o, "attendance", "No-shows and late cancellations",
           "Appointments that started in the period, by what became of them. The no-show rate "
           "counts no-shows among the appointments that were due (completed, checked in or "
           "no-show); the late-cancellation rate counts cancellations inside the "
           "late-cancellation window among all appointments.");
}

/* ---- clients ------------------------------------------------------------------ */

void admin_reports_clients(struct req *r)
{
    struct asked q;
    struct report_clients_sum c, p;
    struct err e = {0};
    if (read_range(r, &q) < 0)
        return;
    if (fail(r, reports_clients(web_db(r), r->arena, r->app->fragments, &q.cur, q.now, &c, &e), &e) ||
        fail(r, reports_clients(web_db(r), r->arena, r->app->fragments, &q.prev, q.now, &p, &e), &e))
        return;
    struct out o = {.charts = json_array()};
    struct rt *s = summary_new(r, &o, 6);
    int64_t cret = c.seen - c.first_time, pret = p.seen - p.first_time;
    int64_t cdec = c.seen - c.waiting, pdec = p.seen - p.waiting; /* whose 6 weeks are over */
    int crr = report_permille(c.rebooked, cdec), prr = report_permille(p.rebooked, pdec);
    summary_row(r, s, "Clients seen", num(r, c.seen), num(r, p.seen), c.seen, p.seen);
    summary_row(r, s, "New clients", num(r, c.first_time), num(r, p.first_time), c.first_time,
                p.first_time);
    summary_row(r, s, "Returning clients", num(r, cret), num(r, pret), cret, pret);
    summary_row(r, s, "Rebooked within 6 weeks", num(r, c.rebooked), num(r, p.rebooked),
                c.rebooked, p.rebooked);
    summary_row(r, s, "Not yet rebooked, 6 weeks not over", num(r, c.waiting), num(r, p.waiting),
                c.waiting, p.waiting);
    summary_row(r, s, "Rebooking rate", pct(r, crr), pct(r, prr), crr, prr);
    const char *labels[] = {"Clients seen", "New", "Returning", "Rebooked within 6 weeks"};
    int64_t cv[] = {c.seen, c.first_time, cret, c.rebooked};
    int64_t pv[] = {p.seen, p.first_time, pret, p.rebooked};
    count_bars(r, &q, &o, "chart-clients", "New and returning clients",
         arena_printf(r->arena,
                      "Clients seen in the period: %" PRId64 " (previous %" PRId64 "), of whom "
                      "%" PRId64 " new and %" PRId64 " returning; %" PRId64
                      " rebooked within six weeks.",
                      c.seen, p.seen, c.first_time, cret, c.rebooked),
         labels, 4, cv, pv);
    finish(r, &q, &o, "clients", "New and returning clients",
           "Clients with an appointment completed or checked in during the period. New: their "
           "first visit ever was in the period. Rebooked: their next appointment (not "
           "cancelled) starts within six weeks of their last visit in the period; the "
           "rebooking rate counts only clients whose six weeks are over.");
}

/* ---- referrals ---------------------------------------------------------------- */

void admin_reports_referrals(struct req *r)
{
    struct asked q;
    struct reports_referrals f, pf;
    struct err e = {0};
    if (read_range(r, &q) < 0)
        return;
    if (fail(r, reports_referrals(web_db(r), r->arena, q.tz, &q.cur, q.today, &f, &e),
             &e) ||
        fail(r, reports_referrals(web_db(r), r->arena, q.tz, &q.prev, q.today, &pf, &e),
             &e))
        return;
    /* a referral is part of the clinical record: each one shown is logged */
    struct db *db = web_db(r);
    enum err_code rc;
    int tries = 0;
    int64_t *ids = arena_array(r->arena, f.n + 1, sizeof *ids);
    int64_t *whose = arena_array(r->arena, f.n + 1, sizeof *whose);
    size_t shown = 0;
    for (size_t i = 0; i < f.n; i++)
        if (f.rows[i].in_period || f.rows[i].expiring) {
            ids[shown] = f.rows[i].r.id;
            whose[shown++] = f.rows[i].r.client_id;
        }
    do { /* one statement, one commit: a row each */
        rc = audit_record_many(r, "read", "referral", ids, whose, shown, &e);
    } while (db_retry(db, &rc, &tries, &e)); /* a lost race runs again (store.h) */
    if (fail(r, rc, &e))
        return;
    struct out o = {.charts = json_array()};
    struct rt *s = summary_new(r, &o, 5);
    summary_row(r, s, "Referrals in force", num(r, f.active), num(r, pf.active), f.active,
                pf.active);
    summary_row(r, s, "Visits allowed on them", num(r, f.allowed), num(r, pf.allowed), f.allowed,
                pf.allowed);
    summary_row(r, s, "Visits used in the period", num(r, f.used_in_period),
                num(r, pf.used_in_period), f.used_in_period, pf.used_in_period);
    summary_row(r, s, "Visits used to date", num(r, f.used), num(r, pf.used), f.used, pf.used);
    const char *labels[] = {"Visits allowed", "Visits used to date", "Used in the period"};
    int64_t cv[] = {f.allowed, f.used, f.used_in_period};
    int64_t pv[] = {pf.allowed, pf.used, pf.used_in_period};
    count_bars(r, &q, &o, "chart-referrals", "Referral visits used against allowed",
         arena_printf(r->arena,
                      "%" PRId64 " referrals in force in the period allow %" PRId64
                      " visits; %" PRId64 " used to date, %" PRId64
                      " in the period. %" PRId64 " expire within two weeks with visits left.",
                      f.active, f.allowed, f.used, f.used_in_period, f.expiring),
         labels, 3, cv, pv);
    static const char *const heads[] = {"Doctor", "Valid", "Visits allowed", "Used",
                                        "Scheduled", "Left", "Expires soon"};
    static const char *const keys[] = {"doctor", "valid", "visits_allowed", "visits_used",
                                       "visits_scheduled", "visits_left", "expires_soon"};
    struct rt *t = rt_new(r, &o, "referral", "Referrals in force in the period or expiring soon",
                          "Client", heads, keys, 7, f.n);
    for (size_t i = 0; i < f.n; i++) {
        const struct reports_referral *x = &f.rows[i];
        if (!x->in_period && !x->expiring)
            continue;
        int left = x->r.visits - x->used;
        const char *c[] = {x->r.physician,
                           arena_printf(r->arena, "%s to %s", x->r.referred_on, x->r.valid_until),
                           num(r, x->r.visits), num(r, x->used), num(r, x->scheduled),
                           num(r, left > 0 ? left : 0), x->expiring ? "yes" : "no"};
        rt_row(t, x->r.client_name, c, NULL, NULL);
    }
    {
        const char *c[] = {num(r, f.expiring)}, *p[] = {num(r, pf.expiring)};
        static const char *const h[] = {"Referrals"};
        static const char *const k[] = {"referrals"};
        struct rt *x = rt_new(r, &o, "expiring",
                              "Expiring within two weeks of today with visits left",
                              "As of today", h, k, 1, 1);
        rt_row(x, when_date_param(r->arena, q.today), c, p, NULL);
    }
    finish(r, &q, &o, "referrals", "Referrals",
           "Doctors' referrals whose dates meet the period: the visits they allow, those used "
           "(completed inside the referral's dates) and those booked; and the referrals that "
           "expire within two weeks of today with visits left.");
}

/* ---- insurance ---------------------------------------------------------------- */

void admin_reports_insurance(struct req *r)
{
    struct asked q;
    struct reports_insurance c, p;
    struct err e = {0};
    if (read_range(r, &q) < 0)
        return;
    if (fail(r, reports_insurance(web_db(r), r->arena, &q.cur, &c, &e), &e) ||
        fail(r, reports_insurance(web_db(r), r->arena, &q.prev, &p, &e), &e))
        return;
    struct out o = {.charts = json_array()};
    struct rt *s = summary_new(r, &o, 4);
    summary_row(r, s, "Checks requested", num(r, c.requested), num(r, p.requested), c.requested,
                p.requested);
    summary_row(r, s, "Checks done", num(r, c.done), num(r, p.done), c.done, p.done);
    summary_row(r, s, "Still pending", num(r, c.pending), num(r, p.pending), c.pending,
                p.pending);
    summary_row(r, s, "Median time to an outcome", c.done ? duration(r, c.median_seconds) : "\xe2\x80\x94",
                p.done ? duration(r, p.median_seconds) : "\xe2\x80\x94", c.median_seconds,
                p.median_seconds);
    const char *labels[] = {"Requested", "Done", "Covered", "Partly covered", "Not covered",
                            "Pending"};
    int64_t cv[] = {c.requested, c.done, c.covered, c.partial, c.not_covered, c.pending};
    int64_t pv[] = {p.requested, p.done, p.covered, p.partial, p.not_covered, p.pending};
    count_bars(r, &q, &o, "chart-insurance", "Insurance checks and their outcomes",
         arena_printf(r->arena,
                      "%" PRId64 " checks requested in the period (previous %" PRId64
                      "), %" PRId64 " done; median time to an outcome %s.",
                      c.requested, p.requested, c.done,
                      c.done ? duration(r, c.median_seconds) : "not known yet"),
         labels, 6, cv, pv);
    static const char *const heads[] = {"Checks"};
    static const char *const keys[] = {"checks"};
    struct rt *t = rt_new(r, &o, "outcome", "Checks requested in the period, by outcome",
                          "Outcome", heads, keys, 1, 6);
    for (int i = 0; i < 6; i++) {
        const char *a[] = {num(r, cv[i])}, *b[] = {num(r, pv[i])};
        rt_row(t, labels[i], a, b, NULL);
    }
    finish(r, &q, &o, "insurance", "Insurance checks",
           "Benefit checks clients asked for during the period, what the front desk found, and "
           "the median time from the request to the outcome.");
}

/* ---- revenue ------------------------------------------------------------------- */

static const char *cash(struct req *r, int64_t cents)
{
    char buf[48];
    return arena_strdup(r->arena, money_format(cents, r->app->cfg.currency, buf, sizeof buf));
}

/* For the tables and CSV: "1234.50" ("-5.00"), the currency in the heading. */
static const char *cents_plain(struct req *r, int64_t c)
{
    int64_t a = c < 0 ? -c : c;
    return arena_printf(r->arena, "%s%" PRId64 ".%02" PRId64, c < 0 ? "-" : "", a / 100, a % 100);
}

static const char *line_name(const struct report_money_row *x)
{
    static const struct {
        const char *kind, *name;
    } kinds[] = {{"addon", "Add-ons"}, {"fee", "Fees"}, {"package", "Packages"},
                 {"gift_card", "Gift cards"}, {"service", "A service since removed"}};
    if (x->name && *x->name)
        return x->name;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (x->kind && strcmp(x->kind, kinds[i].kind) == 0)
            return kinds[i].name;
    return "Other";
}

static const struct report_money_row *same_id(const struct report_money_row *v, size_t n,
                                              const char *id, const char *kind)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].id, id) == 0 && (!kind || strcmp(v[i].kind, kind) == 0))
            return &v[i];
    return NULL;
}

void admin_reports_revenue(struct req *r)
{
    struct asked q;
    struct reports_revenue c, p;
    struct err e = {0};
    if (read_range(r, &q) < 0)
        return;
    if (fail(r, reports_revenue(web_db(r), r->arena, &q.cur, &c, &e), &e) ||
        fail(r, reports_revenue(web_db(r), r->arena, &q.prev, &p, &e), &e))
        return;
    struct out o = {.charts = json_array()};
    struct rt *s = summary_new(r, &o, 6);
    int64_t cnet = c.invoiced - c.tips, pnet = p.invoiced - p.tips;
    summary_row(r, s, "Invoices issued", num(r, c.invoices), num(r, p.invoices), c.invoices,
                p.invoices);
    summary_row(r, s, "Invoiced, without tips", cash(r, cnet), cash(r, pnet), cnet, pnet);
    summary_row(r, s, "Tips", cash(r, c.tips), cash(r, p.tips), c.tips, p.tips);
    summary_row(r, s, "Payments taken", cash(r, c.paid), cash(r, p.paid), c.paid, p.paid);
    summary_row(r, s, "Refunds given", cash(r, c.refunded), cash(r, p.refunded), c.refunded,
                p.refunded);
    summary_row(r, s, "Credit notes", cash(r, c.credited), cash(r, p.credited), c.credited,
                p.credited);

    /* chart: by service, this period against the previous */
    size_t n = c.nservices;
    const char **labels = arena_array(r->arena, n + 1, sizeof *labels);
    const char **ct = arena_array(r->arena, n + 1, sizeof *ct);
    const char **ptx = arena_array(r->arena, n + 1, sizeof *ptx);
    int64_t *cv = arena_array(r->arena, n + 1, sizeof *cv);
    int64_t *pv = arena_array(r->arena, n + 1, sizeof *pv);
    static const char *const heads_s[] = {"Sold", "Revenue"};
    static const char *const keys_s[] = {"quantity", "revenue"};
    struct rt *ts = rt_new(r, &o, "service",
                           arena_printf(r->arena, "By service (%s, with tax, without tips)",
                                        r->app->cfg.currency),
                           "Service", heads_s, keys_s, 2, n);
    for (size_t i = 0; i < n; i++) {
        const struct report_money_row *x = &c.services[i];
        const struct report_money_row *y =
            same_id(p.services, p.nservices, x->id, *x->id ? NULL : x->kind);
        labels[i] = line_name(x);
        cv[i] = x->cents;
        pv[i] = y ? y->cents : 0;
        ct[i] = cash(r, cv[i]);
        ptx[i] = cash(r, pv[i]);
        const char *a[] = {num(r, x->count), cents_plain(r, x->cents)};
        const char *b[] = {num(r, y ? y->count : 0), cents_plain(r, pv[i])};
        rt_row(ts, labels[i], a, b, NULL);
    }
    bars(r, &q, &o, "chart-revenue", "Revenue by service",
         arena_printf(r->arena,
                      "What the invoices issued in the period charged for each service, with "
                      "tax and without tips: %s in all (previous period %s).",
                      cash(r, cnet), cash(r, pnet)),
         labels, n, cv, pv, ct, ptx);

    static const char *const heads_t[] = {"Invoices", "Revenue", "Tips"};
    static const char *const keys_t[] = {"invoices", "revenue", "tips"};
    struct rt *tt = rt_new(r, &o, "therapist",
                           arena_printf(r->arena, "By therapist (%s)", r->app->cfg.currency),
                           "Therapist", heads_t, keys_t, 3, c.ntherapists);
    for (size_t i = 0; i < c.ntherapists; i++) {
        const struct report_money_row *x = &c.therapists[i];
        const struct report_money_row *y = same_id(p.therapists, p.ntherapists, x->id, NULL);
        const char *a[] = {num(r, x->count), cents_plain(r, x->cents), cents_plain(r, x->tips)};
        const char *b[] = {num(r, y ? y->count : 0), cents_plain(r, y ? y->cents : 0),
                           cents_plain(r, y ? y->tips : 0)};
        rt_row(tt, *x->name ? x->name : "No therapist", a, b, NULL);
    }
    static const char *const heads_m[] = {"Payments", "Taken", "Refunded", "Net"};
    static const char *const keys_m[] = {"payments", "taken", "refunded", "net"};
    struct rt *tm = rt_new(r, &o, "method",
                           arena_printf(r->arena, "By payment method (%s)", r->app->cfg.currency),
                           "Method", heads_m, keys_m, 4, MONEY__COUNT);
    for (int m = 0; m < MONEY__COUNT; m++) {
        const struct reports_method *x = &c.methods[m], *y = &p.methods[m];
        if (!x->count && !x->refunded && !y->count && !y->refunded)
            continue;
        const char *a[] = {num(r, x->count), cents_plain(r, x->paid), cents_plain(r, x->refunded),
                           cents_plain(r, x->paid - x->refunded)};
        const char *b[] = {num(r, y->count), cents_plain(r, y->paid), cents_plain(r, y->refunded),
                           cents_plain(r, y->paid - y->refunded)};
        rt_row(tm, money_method_label((enum money_method)m), a, b, NULL);
    }
    finish(r, &q, &o, "revenue", "Revenue",
           "What the invoices issued in the period charged, by service and by therapist, and "
           "the payments taken and refunds given in it by method. Amounts include tax; tips "
           "are shown apart.");
}

/* ---- the desk's day ----------------------------------------------------------- */

void admin_reports_day(struct req *r)
{
    struct reports_util u;
    struct reports_attend a;
    struct err e = {0};
    if (web_only_params(r, (const char *const[]){"date", NULL}) < 0)
        return;
    struct dt_date d = when_local_date(r->app->tz, clock_now());
    const char *ds = kv_get(&r->query, "date");
    if (ds && *ds && read_day(r, "date", ds, &d) < 0)
        return;
    struct reports_period p = reports_period(r->app->tz, d, 1);
    if (fail(r, reports_utilisation(web_db(r), r->arena, r->app->sched, r->app->tz, &p, &u, &e),
             &e) ||
        fail(r, reports_attendance(web_db(r), r->arena, &p, &a, &e), &e))
        return;
    json_t *ctx = chrome_context(r, "The day's figures", "figures");
    json_t *th = json_array();
    for (size_t i = 0; i < u.ntherapists; i++) {
        const struct reports_hours *h = &u.therapists[i];
        if (!h->available && !h->booked)
            continue;
        json_array_append_new(
            th, json_pack("{s:s, s:s, s:s, s:s}", "name", h->name, "available",
                          hours(r, h->available), "booked", hours(r, h->booked), "share",
                          pct(r, report_permille(h->booked, h->available))));
    }
    const struct reports_attend_row *t = &a.total;
    json_t *figures = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s}", "appointments", (json_int_t)t->total,
        "completed", (json_int_t)t->n[APPT_COMPLETED], "checked_in",
        (json_int_t)t->n[APPT_CHECKED_IN], "booked", (json_int_t)t->n[APPT_BOOKED], "no_shows",
        (json_int_t)t->n[APPT_NO_SHOW], "late", (json_int_t)t->late, "cancelled",
        num(r, t->n[APPT_CANCELLED] - t->late), "hours_available",
        hours(r, u.total.available), "hours_booked", hours(r, u.total.booked));
    json_object_set_new(ctx, "figures", figures);
    json_object_set_new(ctx, "therapists", th);
    json_object_set_new(ctx, "has_therapists", json_boolean(json_array_size(th) > 0));
    json_object_set_new(ctx, "date", json_string(when_date_param(r->arena, d)));
    json_object_set_new(ctx, "date_text", json_string(when_date_long(r->arena, d)));
    json_object_set_new(ctx, "prev_date",
                        json_string(when_date_param(r->arena, dt_date_add(d, -1))));
    json_object_set_new(ctx, "next_date", json_string(when_date_param(r->arena, dt_date_add(d, 1))));
    page_render(r, 200, "staff/figures", ctx);
}
