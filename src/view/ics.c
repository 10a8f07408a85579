/* ics — iCalendar files with libical.  Decides what goes in the file; the
 * escaping and folding are libical's.  Must not know about the store or
 * HTTP: callers pass plain values.  All libical calls run under one mutex
 * (its time-zone tables are shared, lazily filled state). */
#include "view/ics.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/datetime.h"
#include "core/tz.h"
#include "util/errmsg.h"
#include "util/sb.h"

#define MAX_OBS 32                 /* observances in one VTIMEZONE */
#define SCAN_STEP (6 * 3600)       /* offset changes are searched for at this step */
#define YEAR_SECS (366 * 86400LL)

static pthread_mutex_t ical_lock = PTHREAD_MUTEX_INITIALIZER;

static struct icaltimetype utc_time(int64_t t)
{
    struct dt_civil c;
    struct icaltimetype it = icaltime_null_time();
    dt_civil_from_secs(t, &c);
    it.year = c.year;
    it.month = c.month;
    it.day = c.day;
    it.hour = c.hour;
    it.minute = c.min;
    it.second = c.sec;
    it.zone = icaltimezone_get_utc_timezone();
    return it;
}

/* A floating (zone-less) time from wall-clock fields. */
static struct icaltimetype wall_time(const struct dt_civil *c)
{
    struct icaltimetype it = icaltime_null_time();
    it.year = c->year;
    it.month = c->month;
    it.day = c->day;
    it.hour = c->hour;
    it.minute = c->min;
    it.second = c->sec;
    return it;
}

struct change {
    int64_t at; /* first instant of the new offset */
    int from, to;
};

/* The offset changes of tz in (lo, hi], plus the last one at or before lo
 * within a year (first element, if any; *had_before says whether it was
 * found).  Returns the number written to out (at most cap). */
static size_t find_changes(const struct tz *tz, int64_t lo, int64_t hi, struct change *out,
                           size_t cap, int *had_before)
{
    size_t n = 0;
    struct change before = {0, 0, 0};
    int64_t t = lo - YEAR_SECS;
    int off = tz_offset_at(tz, t);
    *had_before = 0;
    while (t < hi) {
        int64_t next = t + SCAN_STEP;
        int noff = tz_offset_at(tz, next);
        if (noff != off) {
            int64_t a = t, b = next; /* offset(a) = off, offset(b) = noff */
            while (b - a > 1) {
                int64_t mid = a + (b - a) / 2;
                if (tz_offset_at(tz, mid) == off)
                    a = mid;
                else
                    b = mid;
            }
            struct change c = {b, off, noff};
            if (b <= lo) {
                before = c;
                *had_before = 1;
            } else if (n < cap - 1) {
                out[1 + n++] = c;
            }
        }
        off = noff;
        t = next;
    }
    if (*had_before) {
        out[0] = before;
        return n + 1;
    }
    memmove(out, out + 1, n * sizeof *out);
    return n;
}

static void add_observance(icalcomponent *vtz, const struct tz *tz, int64_t at, int from,
                           int to, int synthetic)
{
    char name[16];
    struct dt_civil c;
    icalcomponent *obs =
        icalcomponent_new(to > from ? ICAL_XDAYLIGHT_COMPONENT : ICAL_XSTANDARD_COMPONENT);
    if (synthetic)
        c = (struct dt_civil){1970, 1, 1, 0, 0, 0};
    else
        dt_civil_from_secs(at + from, &c); /* the wall clock just before the change */
    icalcomponent_add_property(obs, icalproperty_new_dtstart(wall_time(&c)));
    icalcomponent_add_property(obs, icalproperty_new_tzoffsetfrom(from));
    icalcomponent_add_property(obs, icalproperty_new_tzoffsetto(to));
    tz_abbrev(tz, at, name, sizeof name);
    if (strncmp(name, "UTC", 3) != 0)
        icalcomponent_add_property(obs, icalproperty_new_tzname(name));
    icalcomponent_add_component(vtz, obs);
}

/* The VTIMEZONE covering the local years from that of t0 to that of t1. */
static icalcomponent *vtimezone(const struct tz *tz, int64_t t0, int64_t t1)
{
    struct dt_civil c0, c1;
    struct change ch[MAX_OBS];
    int had_before;
    tz_to_local(tz, t0, &c0, NULL);
    tz_to_local(tz, t1, &c1, NULL);
    int64_t lo = tz_day_start(tz, (struct dt_date){c0.year, 1, 1});
    int64_t hi = tz_day_start(tz, (struct dt_date){c1.year + 1, 1, 1});
    size_t n = find_changes(tz, lo, hi, ch, MAX_OBS, &had_before);

    icalcomponent *vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
    icalcomponent_add_property(vtz, icalproperty_new_tzid(tz_name(tz)));
    if (!had_before) {
        /* No change in the year before: the offset at lo has held "since 1970"
         * as far as this file is concerned. */
        int off = tz_offset_at(tz, lo);
        add_observance(vtz, tz, lo, off, off, 1);
    }
    for (size_t i = 0; i < n; i++)
        add_observance(vtz, tz, ch[i].at, ch[i].from, ch[i].to, 0);
    return vtz;
}

/* DTSTART/DTEND: local time with TZID, or UTC when that wall time occurs
 * twice (the hour repeated when DST ends).  RFC 5545 3.3.5 reads such a
 * TZID time as the first occurrence, but libical (and so Evolution and
 * others) reads it as the second; UTC is read one way by everyone. */
static icalproperty *zoned(const struct tz *tz, int64_t t, int is_end)
{
    struct dt_civil c;
    int64_t both[2];
    tz_to_local(tz, t, &c, NULL);
    int n = tz_from_local(tz, &c, both);
    struct icaltimetype it = n != 1 ? utc_time(t) : wall_time(&c);
    icalproperty *p = is_end ? icalproperty_new_dtend(it) : icalproperty_new_dtstart(it);
    if (!it.zone)
        icalproperty_add_parameter(p, icalparameter_new_tzid(tz_name(tz)));
    return p;
}

static int in_range(int64_t t)
{
    /* 1900-01-01 .. 9999-12-31 */
    return t >= INT64_C(-2208988800) && t <= INT64_C(253402300799) - 2 * YEAR_SECS;
}

/* Checks one event; 0, or -1 with a message naming it. */
static int check_event(const struct ics_event *ev, char *err, size_t errlen)
{
    if (!ev->uid || !*ev->uid || !ev->summary || !*ev->summary) {
        errmsg_set(err, errlen, "an iCalendar event needs a UID and a summary (event %s)",
                   ev->uid && *ev->uid ? ev->uid : "without a UID");
        return -1;
    }
    if (ev->method != ICS_PUBLISH &&
        (!ev->organizer_email || !*ev->organizer_email || !ev->attendee_email ||
         !*ev->attendee_email)) {
        errmsg_set(err, errlen,
                   "an iCalendar request or cancellation needs the organiser's and the"
                   " attendee's addresses (event %s)",
                   ev->uid);
        return -1;
    }
    if (ev->end <= ev->start || !in_range(ev->start) || !in_range(ev->end) ||
        !in_range(ev->stamp)) {
        errmsg_set(err, errlen,
                   "an iCalendar event needs start < end, within years 1900 to 9997 (event %s)",
                   ev->uid);
        return -1;
    }
    return 0;
}

const char *ics_method_name(enum ics_method m)
{
    return m == ICS_REQUEST ? "REQUEST" : m == ICS_CANCEL ? "CANCEL" : "PUBLISH";
}

/* ORGANIZER or ATTENDEE: mailto:address with CN (libical quotes it). */
static icalproperty *person(int attendee, const char *name, const char *email)
{
    char uri[512];
    snprintf(uri, sizeof uri, "mailto:%s", email);
    icalproperty *p = attendee ? icalproperty_new_attendee(uri) : icalproperty_new_organizer(uri);
    if (name && *name)
        icalproperty_add_parameter(p, icalparameter_new_cn(name));
    if (attendee) {
        /* the client booked it: accepted, no reply asked for */
        icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
        icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_ACCEPTED));
        icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
    }
    return p;
}

static icalcomponent *vevent(const struct tz *tz, const struct ics_event *ev)
{
    icalcomponent *vev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_property(vev, icalproperty_new_uid(ev->uid));
    icalcomponent_add_property(vev, icalproperty_new_dtstamp(utc_time(ev->stamp)));
    icalcomponent_add_property(vev, zoned(tz, ev->start, 0));
    icalcomponent_add_property(vev, zoned(tz, ev->end, 1));
    icalcomponent_add_property(vev, icalproperty_new_sequence(ev->sequence > 0 ? ev->sequence : 0));
    icalcomponent_add_property(vev, icalproperty_new_summary(ev->summary));
    if (ev->location && *ev->location)
        icalcomponent_add_property(vev, icalproperty_new_location(ev->location));
    if (ev->description && *ev->description)
        icalcomponent_add_property(vev, icalproperty_new_description(ev->description));
    if (ev->url && *ev->url)
        icalcomponent_add_property(vev, icalproperty_new_url(ev->url));
    if (ev->method != ICS_PUBLISH) {
        icalcomponent_add_property(vev, person(0, ev->organizer_name, ev->organizer_email));
        icalcomponent_add_property(vev, person(1, ev->attendee_name, ev->attendee_email));
    }
    int cancelled = ev->cancelled || ev->method == ICS_CANCEL;
    icalcomponent_add_property(
        vev, icalproperty_new_status(cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    icalcomponent_add_property(vev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
    return vev;
}

/* An X- property with a plain-text value.  libical writes X- values
 * without the full TEXT escaping (3.0 escapes backslashes but not commas or
 * semicolons), so rather than depend on one version's half, the characters
 * that would need escaping (backslash, comma, semicolon) and control
 * characters become spaces: the value reads the same to a person and
 * parses one way everywhere. */
static icalproperty *x_plain(const char *name, const char *value)
{
    struct sb v = SB_INIT;
    for (const char *c = value; *c; c++)
        sb_addc(&v, (*c == '\\' || *c == ';' || *c == ',' || (unsigned char)*c < 0x20 ||
                     *c == 0x7f)
                        ? ' '
                        : *c);
    icalproperty *p = icalproperty_new_x(v.buf);
    icalproperty_set_x_name(p, name);
    sb_release(&v);
    return p;
}

int ics_calendar_events(struct sb *out, const struct tz *tz, const struct ics_meta *meta,
                        const struct ics_event *ev, size_t n, char *err, size_t errlen)
{
    int rc = -1;
    char *text = NULL;
    icalcomponent *cal = NULL;
    int64_t lo = meta ? meta->now : 0, hi = lo;

    if ((n == 0 && !meta) || (meta && !in_range(meta->now))) {
        errmsg_set(err, errlen, "an iCalendar file of many events needs the time it is made,"
                                " within years 1900 to 9997");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (check_event(&ev[i], err, errlen) != 0)
            return -1;
        if ((i == 0 && !meta) || ev[i].start < lo)
            lo = ev[i].start;
        if ((i == 0 && !meta) || ev[i].end > hi)
            hi = ev[i].end;
    }
    pthread_mutex_lock(&ical_lock);
    cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal,
                               icalproperty_new_prodid("-//Knead//Knead " KNEAD_VERSION "//EN"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    /* a file of many events is a feed: PUBLISH; one event says its own */
    enum ics_method m = (!meta && n == 1) ? ev[0].method : ICS_PUBLISH;
    icalcomponent_add_property(cal, icalproperty_new_method(m == ICS_REQUEST  ? ICAL_METHOD_REQUEST
                                                            : m == ICS_CANCEL ? ICAL_METHOD_CANCEL
                                                                              : ICAL_METHOD_PUBLISH));
    if (meta && meta->name && *meta->name) {
        icalcomponent_add_property(cal, icalproperty_new_name(meta->name));
        icalcomponent_add_property(cal, x_plain("X-WR-CALNAME", meta->name));
    }
    if (meta && meta->refresh_minutes > 0) {
        struct icaldurationtype d = icaldurationtype_null_duration();
        char ttl[32];
        d.minutes = (unsigned int)meta->refresh_minutes;
        icalproperty *p = icalproperty_new_refreshinterval(d);
        icalproperty_add_parameter(p, icalparameter_new_value(ICAL_VALUE_DURATION));
        icalcomponent_add_property(cal, p);
        snprintf(ttl, sizeof ttl, "PT%dM", meta->refresh_minutes);
        icalcomponent_add_property(cal, x_plain("X-PUBLISHED-TTL", ttl));
    }
    icalcomponent_add_component(cal, vtimezone(tz, lo, hi));
    for (size_t i = 0; i < n; i++)
        icalcomponent_add_component(cal, vevent(tz, &ev[i]));

    text = icalcomponent_as_ical_string_r(cal);
    if (!text) {
        errmsg_set(err, errlen, "libical could not write the calendar");
        goto done;
    }
    sb_adds(out, text);
    rc = 0;
done:
    icalmemory_free_buffer(text);
    icalcomponent_free(cal);
    pthread_mutex_unlock(&ical_lock);
    return rc;
}

int ics_calendar(struct sb *out, const struct tz *tz, const struct ics_event *ev, char *err,
                 size_t errlen)
{
    return ics_calendar_events(out, tz, NULL, ev, 1, err, errlen);
}
