/* calgrid — the back office's calendar grid, shared by the day view, the
 * week view and the printed day sheet: time runs down in rows of 15 real
 * minutes, columns (therapists, rooms or days) run across.  Each cell is an
 * appointment as tall as its length, a shaded span (not working, a break,
 * time off, the clinic closed, a time the clock change skipped) or a free
 * quarter hour that links to the desk's booking form.  Builds the template
 * context (templates/partials/calgrid.html) only: reads nothing, writes
 * nothing, keeps nothing. */
#ifndef KNEAD_WEB_CALGRID_H
#define KNEAD_WEB_CALGRID_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/datetime.h"
#include "http/request.h"
#include "store/store.h"

struct tz;

#define CALGRID_ROW_SEC 900 /* one row: a quarter of an hour of real time */

/* A span of real time; label: what a shaded span says ("Physio"), or NULL;
 * when: how its time is said ("All day"), or NULL for start – end. */
struct calgrid_span {
    int64_t start, end;
    const char *label, *when;
};

struct calgrid_col {
    const char *name;     /* the heading: "Maren Holt", "Room 1", "Thu, Nov 26" */
    const char *name_url; /* the heading links here, or NULL */
    const char *sub;      /* a line under the heading ("Hours: 8:00 AM – 4:00 PM"), or NULL */
    /* Free cells link to book_url + "&start=<RFC 3339>" and say "Book
     * <book_who>[ on <book_day>] at 2:15 PM"; book_url NULL: not links. */
    const char *book_url, *book_who, *book_day;
    const int64_t *rows; /* the start of each row in this column; -1: no such time that day */
    int today;           /* the now line may be drawn in this column */
    const char *closed;  /* the whole column is shaded with this label ("Clinic closed") */
    const struct calgrid_span *work, *hours, *breaks, *off; /* off: time off, label = reason */
    size_t nwork, nhours, nbreaks, noff;
    /* free = inside a work span and an hours span, clear of breaks, time off
     * and live appointments, and not yet begun at now */
    const struct appointment *const *appts; /* the column's, cancelled too, by start */
    size_t nappts;
};

/* The grid of ncols columns and nrows rows (labels[i]: the row's time as
 * people read it; hour[i]: 1 on the hour) as
 *   {head: [{name, name_url?, sub?}], rows: [{label, hour, now?, now_pos?,
 *    cells: [{appt|free|shade|none: true, span, ...}]}], ncols,
 *    aside: [{id, time, client, service, status, status_label, column}]}
 * aside: cancelled appointments (shown apart, quieter than live ones) and
 * any live one that overlaps another in its column.  by_room: appointment
 * cells name the therapist (else the room).  Can't fail; the result is the
 * caller's (json_decref). */
json_t *calgrid_build(struct req *r, const struct tz *tz, const struct calgrid_col *cols,
                      size_t ncols,
                      const char *const *labels, const int *hour, size_t nrows, int by_room,
                      int64_t now);

/* tz: the zone of the location the grid shows (web_zone).
 *
 * The instant local date d reads minute_of_day (0..1440) on tz's
 * wall clock: the earlier of two in the repeated hour, the first minute
 * after the gap when the clock skipped it.  Can't fail. */
int64_t calgrid_wall(const struct tz *tz, struct dt_date d, int minute_of_day);

/* The spans of s[0..ns) that fall on d's weekday, as real time on date d,
 * into *out (on the request's arena); returns how many.  Can't fail. */
size_t calgrid_week_spans(struct req *r, const struct tz *tz, struct dt_date d,
                          const struct week_span *s, size_t ns, struct calgrid_span **out);

#endif
