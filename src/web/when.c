/* when — date and time wording for pages, in the clinic's timezone.
 * Results live on the request arena. */
#include "web/when.h"

#include "app.h"
#include "core/tz.h"
#include "util/clock.h"

static const char *const wd_short[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const wd_long[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
static const char *const mon_short[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const mon_long[12] = {"January", "February", "March",     "April",
                                         "May",     "June",     "July",      "August",
                                         "September", "October", "November", "December"};

struct dt_date when_local_date(const struct req *r, int64_t t)
{
    struct dt_civil c;
    tz_to_local(r->app->tz, t, &c, NULL);
    return (struct dt_date){c.year, c.month, c.day};
}

const char *when_date_param(struct req *r, struct dt_date d)
{
    char buf[16];
    dt_format_date(d, buf, sizeof buf);
    return arena_strdup(r->arena, buf);
}

const char *when_clock(struct req *r, int64_t t, int always_zone)
{
    struct dt_civil c;
    int64_t both[2];
    char ab[16];
    const struct tz *tz = r->app->tz;
    tz_to_local(tz, t, &c, NULL);
    int h = c.hour % 12 == 0 ? 12 : c.hour % 12;
    const char *s = arena_printf(r->arena, "%d:%02d %s", h, c.min, c.hour < 12 ? "AM" : "PM");
    if (always_zone) {
        tz_abbrev(tz, t, ab, sizeof ab);
        return arena_printf(r->arena, "%s %s", s, ab);
    }
    if (tz_from_local(tz, &c, both) == 2) {
        tz_abbrev(tz, t, ab, sizeof ab);
        return arena_printf(r->arena, "%s (%s)", s, ab);
    }
    return s;
}

const char *when_date_long(struct req *r, struct dt_date d)
{
    return arena_printf(r->arena, "%s, %s %d, %d", wd_long[dt_weekday(dt_date_to_days(d))],
                        mon_long[d.month - 1], d.day, d.year);
}

const char *when_date_medium(struct req *r, struct dt_date d)
{
    return arena_printf(r->arena, "%s, %s %d", wd_long[dt_weekday(dt_date_to_days(d))],
                        mon_long[d.month - 1], d.day);
}

const char *when_date_short(struct req *r, struct dt_date d)
{
    return arena_printf(r->arena, "%s, %s %d", wd_short[dt_weekday(dt_date_to_days(d))],
                        mon_short[d.month - 1], d.day);
}

const char *when_relative(struct req *r, int64_t t)
{
    struct dt_date d = when_local_date(r, t);
    int64_t dd = dt_date_to_days(d) - dt_date_to_days(when_local_date(r, clock_now()));
    const char *clock = when_clock(r, t, 0);
    if (dd == 0)
        return arena_printf(r->arena, "Today %s", clock);
    if (dd == 1)
        return arena_printf(r->arena, "Tomorrow %s", clock);
    return arena_printf(r->arena, "%s, %s", when_date_short(r, d), clock);
}

const char *when_range(struct req *r, int64_t start, int64_t end)
{
    return arena_printf(r->arena, "%s – %s", when_clock(r, start, 0), when_clock(r, end, 1));
}
