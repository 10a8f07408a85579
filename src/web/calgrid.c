/* calgrid — the calendar grid of the back office (see calgrid.h).  Works
 * in real instants, never in wall minutes, so that the 23- and 25-hour days
 * of a clock change come out right: a row is 15 real minutes, the repeated
 * hour shows twice (its labels say which), the skipped one not at all. */
#include "web/calgrid.h"

#include <string.h>

#include "app.h"
#include "core/appt.h"
#include "core/tz.h"
#include "util/arena.h"
#include "util/sb.h"
#include "view/esc.h"
#include "svc/when.h"

int64_t calgrid_wall(const struct tz *tz, struct dt_date d, int minute_of_day)
{
    int64_t t[2];
    /* a time the clock skipped: the first minute after the gap (at most a
     * few hours in any zone's data) */
    for (int m = minute_of_day; m <= 1440; m++)
        if (tz_wall_to_utc(tz, d, m, t) > 0)
            return t[0];
    return tz_day_start(tz, dt_date_add(d, 1));
}

size_t calgrid_week_spans(struct req *r, const struct tz *tz, struct dt_date d,
                          const struct week_span *s, size_t ns, struct calgrid_span **out)
{
    int wd = dt_weekday(dt_date_to_days(d));
    size_t n = 0;
    *out = arena_array(r->arena, ns + 1, sizeof **out);
    for (size_t i = 0; i < ns; i++) {
        if (s[i].weekday != wd)
            continue;
        (*out)[n].start = calgrid_wall(tz, d, s[i].start_min);
        (*out)[n].end = calgrid_wall(tz, d, s[i].end_min);
        (*out)[n].label = NULL;
        (*out)[n].when = NULL;
        n++;
    }
    return n;
}

/* The span of s[0..n) that [t0, t1) overlaps, or NULL. */
static const struct calgrid_span *overlaps(const struct calgrid_span *s, size_t n, int64_t t0,
                                           int64_t t1)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].start < t1 && s[i].end > t0)
            return &s[i];
    return NULL;
}

static int inside(const struct calgrid_span *s, size_t n, int64_t t0, int64_t t1)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].start <= t0 && s[i].end >= t1)
            return 1;
    return 0;
}

static int is_live(const struct appointment *a)
{
    return strcmp(a->status, "cancelled") != 0;
}

static const char *label_of(const struct appointment *a)
{
    int st = appt_status_parse(a->status);
    if (st == APPT_CANCELLED && a->cancel_late)
        return "Cancelled late";
    return st >= 0 ? appt_status_label((enum appt_status)st) : a->status;
}

static json_t *appt_json(struct req *r, const struct tz *tz, const struct appointment *a,
                         int by_room)
{
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)a->id, "time",
                  when_range(tz, r->arena, a->start, a->end), "client", a->client_name,
                  "service", a->service_name, "status", a->status, "status_label", label_of(a),
                  "with", by_room ? a->therapist_name : a->room_name);
    if (a->client_phone && a->client_phone[0])
        json_object_set_new(o, "phone", json_string(a->client_phone));
    if (a->notes && a->notes[0])
        json_object_set_new(o, "notes", json_string(a->notes));
    return o;
}

/* What a cell that holds no appointment is, and says. */
enum kind { K_NONE, K_CLOSED, K_OFF, K_BREAK, K_NOTWORKING, K_PAST, K_FREE };

static const char *const kind_class[] = {"none",       "closed", "timeoff", "break",
                                         "notworking", "past",   "free"};

static enum kind classify(struct req *r, const struct tz *tz, const struct calgrid_col *c, int64_t t0, int64_t now,
                          const char **label)
{
    const struct calgrid_span *s;
    int64_t t1 = t0 + CALGRID_ROW_SEC;
    *label = "";
    if (t0 < 0) {
        *label = "No such time: the clocks changed";
        return K_NONE;
    }
    if (c->closed) {
        *label = c->closed;
        return K_CLOSED;
    }
    if ((s = overlaps(c->off, c->noff, t0, t1))) {
        *label =
            arena_printf(r->arena, "Time off: %s%s%s",
                         s->when ? s->when : when_range(tz, r->arena, s->start, s->end),
                         s->label && s->label[0] ? " · " : "", s->label ? s->label : "");
        return K_OFF;
    }
    if ((s = overlaps(c->breaks, c->nbreaks, t0, t1))) {
        *label =
            arena_printf(r->arena, "Break: %s – %s", when_clock(tz, r->arena, s->start, 0),
                         when_clock(tz, r->arena, s->end, 0));
        return K_BREAK;
    }
    if (!inside(c->work, c->nwork, t0, t1) || !inside(c->hours, c->nhours, t0, t1)) {
        *label = "Not working";
        return K_NOTWORKING;
    }
    if (t0 < now) {
        *label = "Past";
        return K_PAST;
    }
    return K_FREE;
}

static const char *free_url(struct req *r, const struct tz *tz, const struct calgrid_col *c,
                            int64_t t0)
{
    char start[40];
    struct sb b = SB_INIT;
    dt_format_rfc3339(t0, tz_offset_at(tz, t0), start, sizeof start);
    sb_adds(&b, c->book_url);
    sb_adds(&b, "&start=");
    esc_url_component(&b, start, strlen(start));
    const char *out = arena_strdup(r->arena, b.buf);
    sb_release(&b);
    return out;
}

json_t *calgrid_build(struct req *r, const struct tz *tz, const struct calgrid_col *cols,
                      size_t ncols,
                      const char *const *labels, const int *hour, size_t nrows, int by_room,
                      int64_t now)
{
    json_t *head = json_array(), *rows = json_array(), *aside = json_array();
    /* covered[c * nrows + i]: row i of column c belongs to a cell above it */
    unsigned char *covered = arena_array(r->arena, ncols * nrows + 1, 1);
    size_t *next = arena_array(r->arena, ncols + 1, sizeof *next); /* next appointment */
    unsigned char **placed = arena_array(r->arena, ncols + 1, sizeof *placed);
    int now_row = -1, now_pos = 0;

    for (size_t c = 0; c < ncols; c++) {
        json_t *h = json_pack("{s:s}", "name", cols[c].name);
        if (cols[c].name_url)
            json_object_set_new(h, "name_url", json_string(cols[c].name_url));
        if (cols[c].sub)
            json_object_set_new(h, "sub", json_string(cols[c].sub));
        json_array_append_new(head, h);
        placed[c] = arena_array(r->arena, cols[c].nappts + 1, 1);
        for (size_t i = 0; now_row < 0 && cols[c].today && i < nrows; i++)
            if (cols[c].rows[i] >= 0 && cols[c].rows[i] <= now &&
                now < cols[c].rows[i] + CALGRID_ROW_SEC) {
                now_row = (int)i;
                now_pos = (int)((now - cols[c].rows[i]) / (CALGRID_ROW_SEC / 3));
            }
    }
    for (size_t i = 0; i < nrows; i++) {
        json_t *cells = json_array();
        for (size_t c = 0; c < ncols; c++) {
            const struct calgrid_col *col = &cols[c];
            int64_t t0 = col->rows[i], t1 = t0 + CALGRID_ROW_SEC;
            if (covered[c * nrows + i])
                continue;
            /* the first live appointment not yet shown that this row holds */
            const struct appointment *a = NULL;
            while (next[c] < col->nappts && t0 >= 0 && col->appts[next[c]]->end <= t0)
                next[c]++;
            for (size_t k = next[c]; t0 >= 0 && k < col->nappts && col->appts[k]->start < t1; k++)
                if (!placed[c][k] && is_live(col->appts[k]) && col->appts[k]->end > t0) {
                    a = col->appts[k];
                    placed[c][k] = 1;
                    break;
                }
            if (a) {
                /* as tall as its length: every row that starts before it ends
                 * (rows the clock skipped inside it too) */
                size_t span = 1;
                for (size_t j = i + 1; j < nrows && !covered[c * nrows + j] &&
                                       (col->rows[j] < 0 || col->rows[j] < a->end);
                     j++)
                    span = j - i + 1;
                while (span > 1 && col->rows[i + span - 1] < 0)
                    span--;
                for (size_t j = i; j < i + span; j++)
                    covered[c * nrows + j] = 1;
                json_t *o = appt_json(r, tz, a, by_room);
                json_object_set_new(o, "appt", json_true());
                json_object_set_new(o, "span", json_integer((json_int_t)span));
                json_array_append_new(cells, o);
                continue;
            }
            const char *label;
            enum kind k = classify(r, tz, col, t0, now, &label);
            if (k == K_FREE) {
                json_t *o = json_pack("{s:b, s:i}", "free", 1, "span", 1);
                const char *at = when_clock(tz, r->arena, t0, 0);
                if (col->book_url) {
                    json_object_set_new(o, "url", json_string(free_url(r, tz, col, t0)));
                    json_object_set_new(
                        o, "link_label",
                        json_string(col->book_day ? arena_printf(r->arena, "Book %s on %s at %s",
                                                                 col->book_who, col->book_day, at)
                                                  : arena_printf(r->arena, "Book %s at %s",
                                                                 col->book_who, at)));
                } else {
                    json_object_set_new(o, "link_label",
                                        json_string(arena_printf(r->arena, "Free at %s", at)));
                }
                json_array_append_new(cells, o);
                continue;
            }
            /* shaded: one cell for the run of rows that say the same, up to
             * the next appointment */
            size_t span = 1;
            for (size_t j = i + 1; j < nrows && !covered[c * nrows + j]; j++) {
                const char *l2;
                int64_t u0 = col->rows[j];
                int busy = 0;
                for (size_t q = next[c];
                     u0 >= 0 && q < col->nappts && col->appts[q]->start < u0 + CALGRID_ROW_SEC; q++)
                    if (!placed[c][q] && is_live(col->appts[q]) && col->appts[q]->end > u0)
                        busy = 1;
                if (busy || classify(r, tz, col, u0, now, &l2) != k || strcmp(l2, label) != 0)
                    break;
                span = j - i + 1;
            }
            for (size_t j = i; j < i + span; j++)
                covered[c * nrows + j] = 1;
            json_array_append_new(cells,
                                  json_pack("{s:b, s:s, s:s, s:i}", "shade", 1, "kind",
                                            kind_class[k], "label", label, "span", (int)span));
        }
        json_t *row =
            json_pack("{s:s, s:b, s:o}", "label", labels[i], "hour", hour[i], "cells", cells);
        if ((int)i == now_row) {
            json_object_set_new(row, "now", json_true());
            json_object_set_new(row, "now_pos", json_integer(now_pos));
            json_object_set_new(row, "now_label",
                                json_string(arena_printf(
                                    r->arena, "now %s", when_clock(tz, r->arena, now, 0))));
        }
        json_array_append_new(rows, row);
    }
    /* cancelled ones, and live ones that found no room (an overlap) */
    for (size_t c = 0; c < ncols; c++)
        for (size_t k = 0; k < cols[c].nappts; k++)
            if (!placed[c][k]) {
                json_t *o = appt_json(r, tz, cols[c].appts[k], by_room);
                json_object_set_new(o, "column", json_string(cols[c].name));
                if (is_live(cols[c].appts[k]))
                    json_object_set_new(o, "overlap", json_true());
                json_array_append_new(aside, o);
            }
    return json_pack("{s:o, s:o, s:o, s:i, s:b}", "head", head, "rows", rows, "aside", aside,
                     "ncols", (int)ncols, "has_aside", json_array_size(aside) > 0);
}
