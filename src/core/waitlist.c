/* waitlist — matching a freed time against what clients wait for, the
 * checks of a waitlist request and an offer's expiry.  Pure: callers pass
 * local dates and minutes; nothing here reads a clock, a zone or the store. */
#include "core/waitlist.h"

#include <stdio.h>
#include <string.h>

static int same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

int waitlist_matches(const struct waitlist_want *w, const struct waitlist_opening *o)
{
    int64_t day = dt_date_to_days(o->date);
    if (!same(w->service_id, o->service_id))
        return 0;
    if (w->therapist_id && w->therapist_id[0] && !same(w->therapist_id, o->therapist_id))
        return 0;
    if (day < dt_date_to_days(w->from) || day > dt_date_to_days(w->to))
        return 0;
    if (!(w->days & (1u << dt_weekday(day))))
        return 0;
    return o->start_min >= w->from_min && o->start_min + o->duration_min <= w->to_min;
}

const char *waitlist_check_window(int from_min, int to_min, int duration_min, char *buf,
                                  size_t size)
{
    if (from_min < 0 || from_min >= 1440 || to_min <= 0 || to_min > 1440) {
        snprintf(buf, size, "Enter the times of day as hours and minutes, like 16:00.");
        return buf;
    }
    /* The times are not repeated here: the form shows them as typed, and
     * every time a client reads is worded by svc/when (12-hour). */
    if (to_min <= from_min) {
        snprintf(buf, size, "The end of the window must be later than its start.");
        return buf;
    }
    if (to_min - from_min < duration_min) {
        snprintf(buf, size, "The window is shorter than the %d-minute session;"
                            " make it at least %d minutes long.",
                 duration_min, duration_min);
        return buf;
    }
    return NULL;
}

int waitlist_window_works(const struct shift_span *work, size_t nwork, unsigned days,
                          int from_min, int to_min, int duration_min)
{
    for (size_t i = 0; i < nwork; i++) {
        if (work[i].weekday < 0 || work[i].weekday > 6 || !(days >> work[i].weekday & 1))
            continue;
        int lo = work[i].start_min > from_min ? work[i].start_min : from_min;
        int hi = work[i].end_min < to_min ? work[i].end_min : to_min;
        if (hi - lo >= duration_min)
            return 1;
    }
    return 0;
}

const char *waitlist_check_dates(struct dt_date from, struct dt_date to, struct dt_date today,
                                 int horizon_days, const char **field, char *buf, size_t size)
{
    int64_t f = dt_date_to_days(from), t = dt_date_to_days(to), now = dt_date_to_days(today);
    struct dt_date last = dt_date_add(today, horizon_days);
    if (f < now) {
        *field = "date_from";
        snprintf(buf, size, "The first day has passed; choose today (%04d-%02d-%02d) or later.",
                 today.year, today.month, today.day);
        return buf;
    }
    if (t < f) {
        *field = "date_to";
        snprintf(buf, size, "The last day must be on or after the first day (%04d-%02d-%02d).",
                 from.year, from.month, from.day);
        return buf;
    }
    if (t > dt_date_to_days(last)) {
        *field = f > dt_date_to_days(last) ? "date_from" : "date_to";
        snprintf(buf, size, "Bookings open %d days ahead; choose days up to %04d-%02d-%02d.",
                 horizon_days, last.year, last.month, last.day);
        return buf;
    }
    return NULL;
}

const char *waitlist_check_days(unsigned days)
{
    if ((days & WAITLIST_ALL_DAYS) == 0)
        return "Tick at least one day of the week.";
    return NULL;
}

const char *waitlist_days_label(unsigned days, char *buf, size_t size)
{
    static const char *const names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};
    static const int order[7] = {1, 2, 3, 4, 5, 6, 0}; /* the week from Monday */
    size_t len = 0;
    int n = 0, k = 0;
    days &= WAITLIST_ALL_DAYS;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (days == WAITLIST_ALL_DAYS) {
        snprintf(buf, size, "every day");
        return buf;
    }
    if (days == WAITLIST_WEEKDAYS) {
        snprintf(buf, size, "Monday to Friday");
        return buf;
    }
    for (int i = 0; i < 7; i++)
        n += (days >> i) & 1;
    for (int i = 0; i < 7; i++) {
        int d = order[i];
        if (!((days >> d) & 1))
            continue;
        k++;
        int w = snprintf(buf + len, size - len, "%s%s", k == 1 ? "" : k == n ? " and " : ", ",
                         names[d]);
        if (w < 0 || (size_t)w >= size - len)
            break;
        len += (size_t)w;
    }
    return buf;
}

int64_t waitlist_offer_expiry(int64_t now, int64_t start, int notice_min, int ttl_min)
{
    int64_t by_ttl = now + (int64_t)ttl_min * 60;
    int64_t by_notice = start - (int64_t)notice_min * 60;
    return by_ttl < by_notice ? by_ttl : by_notice;
}
