/* when — date and time wording for pages and messages, in the clinic's
 * timezone. Results live on the caller's arena. It must not know a request
 * (mail/ and svc/ use it with no HTTP in sight). */
#include "svc/when.h"

#include "util/clock.h"

static const char *const wd_short[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const wd_long[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
static const char *const mon_short[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const mon_long[12] = {"January", "February", "March",     "April",
                                         "May",     "June",     "July",      "August",
                                         "September", "October", "November", "December"};

struct dt_date when_local_date(const struct tz *tz, int64_t t)
{
    struct dt_civil c;
    tz_to_local(tz, t, &c, NULL);
    return (struct dt_date){c.year, c.month, c.day};
}

const char *when_date_param(struct arena *a, struct dt_date d)
{
    char buf[16];
    dt_format_date(d, buf, sizeof buf);
    return arena_strdup(a, buf);
}

/* The one 12-hour wording: when_clock and when_minutes both come here. */
static const char *twelve_hour(struct arena *a, int hour, int min)
{
    int h = hour % 12 == 0 ? 12 : hour % 12;
    return arena_printf(a, "%d:%02d %s", h, min, hour % 24 < 12 ? "AM" : "PM");
}

const char *when_clock(const struct tz *tz, struct arena *a, int64_t t, int always_zone)
{
    struct dt_civil c;
    int64_t both[2];
    char ab[16];
    tz_to_local(tz, t, &c, NULL);
    const char *s = twelve_hour(a, c.hour, c.min);
    if (always_zone) {
        tz_abbrev(tz, t, ab, sizeof ab);
        return arena_printf(a, "%s %s", s, ab);
    }
    if (tz_from_local(tz, &c, both) == 2) {
        tz_abbrev(tz, t, ab, sizeof ab);
        return arena_printf(a, "%s (%s)", s, ab);
    }
    return s;
}

const char *when_minutes(struct arena *a, int minutes)
{
    if (minutes >= 1440)
        return "midnight"; /* the end of the day, not the start of the next */
    if (minutes < 0)
        minutes = 0;
    return twelve_hour(a, minutes / 60, minutes % 60);
}

const char *when_window(struct arena *a, int from, int to)
{
    return arena_printf(a, "%s – %s", when_minutes(a, from), when_minutes(a, to));
}

const char *when_date_long(struct arena *a, struct dt_date d)
{
    return arena_printf(a, "%s, %s %d, %d", wd_long[dt_weekday(dt_date_to_days(d))],
                        mon_long[d.month - 1], d.day, d.year);
}

const char *when_date_medium(struct arena *a, struct dt_date d)
{
    return arena_printf(a, "%s, %s %d", wd_long[dt_weekday(dt_date_to_days(d))],
                        mon_long[d.month - 1], d.day);
}

const char *when_datetime(const struct tz *tz, struct arena *a, int64_t t)
{
    return arena_printf(a, "%s, %s", when_date_medium(a, when_local_date(tz, t)),
                        when_clock(tz, a, t, 1));
}

const char *when_date_short(struct arena *a, struct dt_date d)
{
    return arena_printf(a, "%s, %s %d", wd_short[dt_weekday(dt_date_to_days(d))],
                        mon_short[d.month - 1], d.day);
}

const char *when_relative(const struct tz *tz, struct arena *a, int64_t t)
{
    struct dt_date d = when_local_date(tz, t);
    int64_t dd = dt_date_to_days(d) - dt_date_to_days(when_local_date(tz, clock_now()));
    const char *clock = when_clock(tz, a, t, 0);
    if (dd == 0)
        return arena_printf(a, "Today %s", clock);
    if (dd == 1)
        return arena_printf(a, "Tomorrow %s", clock);
    return arena_printf(a, "%s, %s", when_date_short(a, d), clock);
}

const char *when_at(const struct tz *tz, struct arena *a, int64_t t)
{
    return arena_printf(a, "%s at %s", when_date_long(a, when_local_date(tz, t)),
                        when_clock(tz, a, t, 1));
}

const char *when_range(const struct tz *tz, struct arena *a, int64_t start, int64_t end)
{
    return arena_printf(a, "%s – %s", when_clock(tz, a, start, 0), when_clock(tz, a, end, 1));
}
