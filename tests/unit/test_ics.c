/* Unit tests for view/ics: the calendar parses back with libical's own
 * parser, instants survive the round trip (across both DST changes, in the
 * repeated hour too), and TEXT values with commas, semicolons, backslashes,
 * newlines and long UTF-8 come back as they went in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "core/datetime.h"
#include "core/tz.h"
#include "util/sb.h"
#include "util/tzload.h"
#include "view/ics.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))
#define MANY 3 /* events in test_many_events */

static struct tz *anchorage, *kolkata, *gmt5;

static int setup(void **state)
{
    char err[256];
    (void)state;
    if (tzload_load("America/Anchorage", &anchorage, err, sizeof err) != 0 ||
        tzload_load("Asia/Kolkata", &kolkata, err, sizeof err) != 0 ||
        tzload_load("Etc/GMT+5", &gmt5, err, sizeof err) != 0) {
        fprintf(stderr, "tzload: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tz_free(anchorage);
    tz_free(kolkata);
    tz_free(gmt5);
    return 0;
}

static int64_t at(const char *rfc3339)
{
    int64_t t;
    if (dt_parse_rfc3339(rfc3339, &t, NULL) != 0)
        fail_msg("bad test time %s", rfc3339);
    return t;
}

static struct ics_event event(int64_t start, int64_t end)
{
    struct ics_event ev = {0};
    ev.uid = "appt-42@knead";
    ev.stamp = at("2026-11-24T09:00:00-09:00");
    ev.start = start;
    ev.end = end;
    ev.summary = "Deep Tissue Massage (90 minutes) with Dev Okafor";
    ev.location = "1420 West Fireweed Lane, Anchorage, AK 99503";
    ev.description = "Manage or cancel: http://127.0.0.1:8080/a/abc";
    ev.url = "http://127.0.0.1:8080/a/abc";
    return ev;
}

/* Renders ev and parses it back; the caller frees the returned VCALENDAR. */
static icalcomponent *roundtrip(const struct tz *tz, const struct ics_event *ev, struct sb *text)
{
    char err[128] = "";
    if (ics_calendar(text, tz, ev, err, sizeof err) != 0)
        fail_msg("ics_calendar: %s", err);
    icalcomponent *cal = icalparser_parse_string(text->buf);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    return cal;
}

/* A DTSTART/DTEND as an instant: UTC as is, else through the file's own VTIMEZONE. */
static int64_t instant(icalcomponent *cal, icalproperty *p)
{
    struct icaltimetype t = icalvalue_get_datetime(icalproperty_get_value(p));
    icalparameter *tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    if (!tzid) {
        assert_true(icaltime_is_utc(t));
        return (int64_t)icaltime_as_timet(t);
    }
    icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
    assert_non_null(vtz);
    icalproperty *id = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
    assert_string_equal(icalproperty_get_tzid(id), icalparameter_get_tzid(tzid));
    icaltimezone *z = icaltimezone_new();
    assert_int_equal(icaltimezone_set_component(z, icalcomponent_new_clone(vtz)), 1);
    int64_t r = (int64_t)icaltime_as_timet_with_zone(t, z);
    icaltimezone_free(z, 1);
    return r;
}

static icalproperty *prop(icalcomponent *c, icalproperty_kind k)
{
    icalproperty *p = icalcomponent_get_first_property(c, k);
    if (!p)
        fail_msg("missing property %s", icalproperty_kind_to_string(k));
    return p;
}

static void test_structure(void **state)
{
    (void)state;
    struct sb text = SB_INIT;
    struct ics_event ev = event(at("2026-11-24T14:30:00-09:00"), at("2026-11-24T16:00:00-09:00"));
    icalcomponent *cal = roundtrip(anchorage, &ev, &text);

    assert_int_equal(icalcomponent_count_components(cal, ICAL_VTIMEZONE_COMPONENT), 1);
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 1);
    assert_string_equal(icalproperty_get_version(prop(cal, ICAL_VERSION_PROPERTY)), "2.0");
    assert_non_null(strstr(text.buf, "PRODID:"));
    icalcomponent *vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    assert_string_equal(icalproperty_get_uid(prop(vev, ICAL_UID_PROPERTY)), "appt-42@knead");
    assert_int_equal(icalproperty_get_status(prop(vev, ICAL_STATUS_PROPERTY)),
                     ICAL_STATUS_CONFIRMED);
    assert_int_equal(instant(cal, prop(vev, ICAL_DTSTART_PROPERTY)), ev.start);
    assert_int_equal(instant(cal, prop(vev, ICAL_DTEND_PROPERTY)), ev.end);
    struct icaltimetype st = icalproperty_get_dtstamp(prop(vev, ICAL_DTSTAMP_PROPERTY));
    assert_true(icaltime_is_utc(st));
    assert_int_equal((int64_t)icaltime_as_timet(st), ev.stamp);
    /* The exact text a simple line parser (or a person) sees. */
    assert_non_null(strstr(text.buf, "TZID:America/Anchorage\r\n"));
    assert_non_null(strstr(text.buf, "DTSTART;TZID=America/Anchorage:20261124T143000\r\n"));
    assert_non_null(strstr(text.buf, "DTEND;TZID=America/Anchorage:20261124T160000\r\n"));
    assert_non_null(strstr(text.buf, "DTSTAMP:20261124T180000Z\r\n"));
    assert_non_null(strstr(text.buf, "TZNAME:AKST\r\n"));
    assert_non_null(strstr(text.buf, "TZNAME:AKDT\r\n"));
    /* The observances of 2026 and the one in force on January 1st. */
    assert_non_null(strstr(text.buf, "DTSTART:20251102T020000\r\n"));
    assert_non_null(strstr(text.buf, "DTSTART:20260308T020000\r\n"));
    assert_non_null(strstr(text.buf, "DTSTART:20261101T020000\r\n"));
    assert_non_null(strstr(text.buf, "TZOFFSETFROM:-0800\r\nTZOFFSETTO:-0900\r\n"));
    /* Every line ends in CRLF and none is longer than 75 octets. */
    for (const char *p = text.buf; *p;) {
        const char *nl = strstr(p, "\r\n");
        assert_non_null(nl);
        assert_true(nl - p <= 75);
        assert_null(memchr(p, '\n', (size_t)(nl - p)));
        p = nl + 2;
    }
    icalcomponent_free(cal);
    sb_release(&text);
}

/* Instants around both 2026 changes in Anchorage, one that spans the new
 * year, and zones without DST. */
static const struct {
    const char *zone, *start, *end, *want_start_line;
} dst_rows[] = {
    /* 01:30 happens twice on 2026-11-01, first in AKDT, then in AKST; a TZID
     * time would be ambiguous (RFC 5545 says first, libical reads second),
     * so both are written in UTC. */
    {"America/Anchorage", "2026-11-01T01:30:00-08:00", "2026-11-01T03:00:00-09:00",
     "DTSTART:20261101T093000Z\r\n"},
    {"America/Anchorage", "2026-11-01T01:30:00-09:00", "2026-11-01T03:00:00-09:00",
     "DTSTART:20261101T103000Z\r\n"},
    /* the end of a session in the repeated hour */
    {"America/Anchorage", "2026-11-01T00:00:00-08:00", "2026-11-01T01:30:00-09:00",
     "DTSTART;TZID=America/Anchorage:20261101T000000\r\n"},
    {"America/Anchorage", "2026-11-01T00:30:00-08:00", "2026-11-01T01:15:00-09:00",
     "DTSTART;TZID=America/Anchorage:20261101T003000\r\n"},
    {"America/Anchorage", "2026-03-08T01:00:00-09:00", "2026-03-08T03:30:00-08:00",
     "DTSTART;TZID=America/Anchorage:20260308T010000\r\n"},
    {"America/Anchorage", "2026-03-08T03:00:00-08:00", "2026-03-08T04:00:00-08:00",
     "DTSTART;TZID=America/Anchorage:20260308T030000\r\n"},
    {"America/Anchorage", "2026-07-01T10:00:00-08:00", "2026-07-01T11:00:00-08:00",
     "DTSTART;TZID=America/Anchorage:20260701T100000\r\n"},
    {"America/Anchorage", "2026-12-31T23:30:00-09:00", "2027-01-01T01:00:00-09:00",
     "DTSTART;TZID=America/Anchorage:20261231T233000\r\n"},
    {"America/Anchorage", "2027-01-15T09:00:00-09:00", "2027-01-15T10:00:00-09:00",
     "DTSTART;TZID=America/Anchorage:20270115T090000\r\n"},
    {"Asia/Kolkata", "2026-11-01T10:00:00+05:30", "2026-11-01T11:30:00+05:30",
     "DTSTART;TZID=Asia/Kolkata:20261101T100000\r\n"},
    {"Etc/GMT+5", "2026-11-01T10:00:00-05:00", "2026-11-01T11:30:00-05:00",
     "DTSTART;TZID=Etc/GMT+5:20261101T100000\r\n"},
};

static const struct tz *zone(const char *name)
{
    return strcmp(name, "Asia/Kolkata") == 0 ? kolkata
           : strcmp(name, "Etc/GMT+5") == 0  ? gmt5
                                             : anchorage;
}

static void test_dst_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(dst_rows); i++) {
        struct sb text = SB_INIT;
        struct ics_event ev = event(at(dst_rows[i].start), at(dst_rows[i].end));
        icalcomponent *cal = roundtrip(zone(dst_rows[i].zone), &ev, &text);
        icalcomponent *vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
        if (!strstr(text.buf, dst_rows[i].want_start_line))
            fail_msg("row %zu: no line %s in\n%s", i, dst_rows[i].want_start_line, text.buf);
        int64_t s = instant(cal, prop(vev, ICAL_DTSTART_PROPERTY));
        int64_t e = instant(cal, prop(vev, ICAL_DTEND_PROPERTY));
        if (s != ev.start || e != ev.end)
            fail_msg("row %zu (%s): start %lld end %lld, want %lld %lld\n%s", i,
                     dst_rows[i].start, (long long)s, (long long)e, (long long)ev.start,
                     (long long)ev.end, text.buf);
        icalcomponent_free(cal);
        sb_release(&text);
    }
}

static void test_zone_without_dst(void **state)
{
    (void)state;
    struct sb text = SB_INIT;
    struct ics_event ev = event(at("2026-11-01T10:00:00+05:30"), at("2026-11-01T11:00:00+05:30"));
    icalcomponent *cal = roundtrip(kolkata, &ev, &text);
    icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
    assert_int_equal(icalcomponent_count_components(vtz, ICAL_XSTANDARD_COMPONENT), 1);
    assert_int_equal(icalcomponent_count_components(vtz, ICAL_XDAYLIGHT_COMPONENT), 0);
    assert_non_null(strstr(text.buf, "TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\n"));
    icalcomponent_free(cal);
    sb_release(&text);
}

static const char *const texts[] = {
    "plain",
    "Deep Tissue, 90 minutes; with Dev",
    "Line one\nLine two, with a comma; and a semicolon",
    "back\\slash \\n not a newline, \"quoted\"",
    ",;\\\n,;\\\n",
    "Ümlaut Ärger café – naïve résumé ✓ Ümlaut Ärger café – naïve résumé ✓ Ümlaut Ärger café – "
    "naïve résumé ✓ Ümlaut Ärger café – naïve résumé ✓",
    "A very long line of plain ASCII text that goes on and on well beyond seventy-five octets, "
    "so that libical has to fold it, more than once, into several physical lines.",
};

static void test_text_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS(texts); i++) {
        struct sb text = SB_INIT;
        struct ics_event ev =
            event(at("2026-11-24T14:30:00-09:00"), at("2026-11-24T16:00:00-09:00"));
        ev.summary = texts[i];
        ev.description = texts[i];
        ev.location = texts[i];
        icalcomponent *cal = roundtrip(anchorage, &ev, &text);
        icalcomponent *vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
        const char *got[3] = {icalproperty_get_summary(prop(vev, ICAL_SUMMARY_PROPERTY)),
                              icalproperty_get_description(prop(vev, ICAL_DESCRIPTION_PROPERTY)),
                              icalproperty_get_location(prop(vev, ICAL_LOCATION_PROPERTY))};
        for (int k = 0; k < 3; k++)
            if (strcmp(got[k], texts[i]) != 0)
                fail_msg("row %zu field %d: got '%s', want '%s'\n%s", i, k, got[k], texts[i],
                         text.buf);
        icalcomponent_free(cal);
        sb_release(&text);
    }
}

static void test_cancelled_and_optional(void **state)
{
    (void)state;
    struct sb text = SB_INIT;
    struct ics_event ev = event(at("2026-11-24T14:30:00-09:00"), at("2026-11-24T16:00:00-09:00"));
    ev.cancelled = 1;
    ev.sequence = 2;
    ev.location = NULL;
    ev.description = "";
    ev.url = NULL;
    icalcomponent *cal = roundtrip(anchorage, &ev, &text);
    icalcomponent *vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    assert_int_equal(icalproperty_get_status(prop(vev, ICAL_STATUS_PROPERTY)),
                     ICAL_STATUS_CANCELLED);
    assert_int_equal(icalproperty_get_sequence(prop(vev, ICAL_SEQUENCE_PROPERTY)), 2);
    assert_null(icalcomponent_get_first_property(vev, ICAL_LOCATION_PROPERTY));
    assert_null(icalcomponent_get_first_property(vev, ICAL_DESCRIPTION_PROPERTY));
    assert_null(icalcomponent_get_first_property(vev, ICAL_URL_PROPERTY));
    icalcomponent_free(cal);
    sb_release(&text);
}

static void test_refuses_incomplete(void **state)
{
    (void)state;
    char err[128];
    struct sb text = SB_INIT;
    int64_t s = at("2026-11-24T14:30:00-09:00");
    struct ics_event rows[6];
    rows[0] = event(s, s + 3600);
    rows[0].uid = NULL;
    rows[1] = event(s, s + 3600);
    rows[1].summary = "";
    rows[2] = event(s, s);
    rows[3] = event(INT64_C(-9000000000), s);
    rows[4] = event(s, s + 3600); /* a request needs both addresses */
    rows[4].method = ICS_REQUEST;
    rows[4].organizer_email = "desk@clinic.example";
    rows[5] = event(s, s + 3600);
    rows[5].method = ICS_CANCEL;
    rows[5].attendee_email = "ana@example.com";
    for (size_t i = 0; i < NROWS(rows); i++) {
        err[0] = '\0';
        assert_int_equal(ics_calendar(&text, anchorage, &rows[i], err, sizeof err), -1);
        assert_int_equal(text.len, 0);
        assert_true(err[0] != '\0');
    }
    sb_release(&text);
}

/* REQUEST and CANCEL: the calendar's METHOD, ORGANIZER and ATTENDEE as
 * mailto: addresses, and a cancellation is STATUS:CANCELLED even when the
 * caller did not say so. */
static void test_methods(void **state)
{
    (void)state;
    static const struct {
        enum ics_method m;
        icalproperty_method want;
        icalproperty_status status;
        const char *name;
    } rows[] = {
        {ICS_PUBLISH, ICAL_METHOD_PUBLISH, ICAL_STATUS_CONFIRMED, "PUBLISH"},
        {ICS_REQUEST, ICAL_METHOD_REQUEST, ICAL_STATUS_CONFIRMED, "REQUEST"},
        {ICS_CANCEL, ICAL_METHOD_CANCEL, ICAL_STATUS_CANCELLED, "CANCEL"},
    };
    int64_t s = at("2026-11-24T14:30:00-09:00");
    for (size_t i = 0; i < NROWS(rows); i++) {
        struct sb text = SB_INIT;
        struct ics_event ev = event(s, s + 3600);
        ev.method = rows[i].m;
        ev.sequence = 3;
        ev.organizer_name = "Chugach Bodywork";
        ev.organizer_email = "desk@clinic.example";
        ev.attendee_name = "Ana Lee";
        ev.attendee_email = "ana@example.com";
        icalcomponent *cal = roundtrip(anchorage, &ev, &text);
        assert_int_equal(icalcomponent_get_method(cal), rows[i].want);
        assert_string_equal(ics_method_name(rows[i].m), rows[i].name);
        icalcomponent *vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
        assert_int_equal(icalcomponent_get_status(vev), rows[i].status);
        assert_int_equal(icalcomponent_get_sequence(vev), 3);
        icalproperty *org = icalcomponent_get_first_property(vev, ICAL_ORGANIZER_PROPERTY);
        icalproperty *att = icalcomponent_get_first_property(vev, ICAL_ATTENDEE_PROPERTY);
        if (rows[i].m == ICS_PUBLISH) {
            assert_null(org);
            assert_null(att);
        } else {
            assert_non_null(org);
            assert_non_null(att);
            assert_string_equal(icalproperty_get_organizer(org), "mailto:desk@clinic.example");
            assert_string_equal(icalproperty_get_attendee(att), "mailto:ana@example.com");
        }
        icalcomponent_free(cal);
        sb_release(&text);
    }
}

static void test_abbrev(void **state)
{
    (void)state;
    static const struct {
        const char *zone, *when, *want;
    } rows[] = {
        {"America/Anchorage", "2026-11-01T01:30:00-08:00", "AKDT"},
        {"America/Anchorage", "2026-11-01T01:30:00-09:00", "AKST"},
        {"America/Anchorage", "2026-07-01T12:00:00-08:00", "AKDT"},
        {"America/Anchorage", "2026-11-24T14:30:00-09:00", "AKST"},
        {"Asia/Kolkata", "2026-11-24T14:30:00+05:30", "IST"},
        {"Etc/GMT+5", "2026-11-24T14:30:00-05:00", "UTC-05:00"}, /* "-05" is no name */
    };
    for (size_t i = 0; i < NROWS(rows); i++) {
        char buf[16];
        tz_abbrev(zone(rows[i].zone), at(rows[i].when), buf, sizeof buf);
        if (strcmp(buf, rows[i].want) != 0)
            fail_msg("row %zu: %s at %s: got '%s', want '%s'", i, rows[i].zone, rows[i].when,
                     buf, rows[i].want);
    }
    char tiny[3];
    tz_abbrev(anchorage, at("2026-11-24T14:30:00-09:00"), tiny, sizeof tiny);
    assert_true(strlen(tiny) < sizeof tiny);
}

/* Many events in one calendar: one VTIMEZONE covering all of them (from
 * before the March change to after the November one), each event as given,
 * the feed's name and refresh hints; an empty feed is still a valid file. */
static void test_many_events(void **state)
{
    (void)state;
    char err[128] = "";
    struct sb text = SB_INIT;
    struct ics_event evs[MANY];
    const char *uids[MANY] = {"appt-1@knead", "appt-2@knead", "appt-3@knead"};
    const char *starts[MANY] = {"2026-03-08T10:00:00-08:00", "2026-11-01T01:30:00-08:00",
                                         "2026-11-01T10:00:00-09:00"};
    for (size_t i = 0; i < MANY; i++) {
        evs[i] = event(at(starts[i]), at(starts[i]) + 3600);
        evs[i].uid = uids[i];
        evs[i].sequence = (int)i;
    }
    evs[2].cancelled = 1;
    struct ics_meta meta = {"Chugach Bodywork; all, therapists", 60,
                            at("2026-02-01T09:00:00-09:00")};
    assert_int_equal(ics_calendar_events(&text, anchorage, &meta, evs, MANY, err,
                                         sizeof err),
                     0);
    icalcomponent *cal = icalparser_parse_string(text.buf);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VTIMEZONE_COMPONENT), 1);
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 3);
    /* instant() moves cal's component iterator: collect the events first */
    icalcomponent *vevs[MANY];
    vevs[0] = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    for (size_t i = 1; i < MANY; i++)
        vevs[i] = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT);
    for (size_t i = 0; i < MANY; i++) {
        icalcomponent *vev = vevs[i];
        assert_non_null(vev);
        assert_string_equal(icalproperty_get_uid(prop(vev, ICAL_UID_PROPERTY)), uids[i]);
        assert_int_equal(instant(cal, prop(vev, ICAL_DTSTART_PROPERTY)), evs[i].start);
        assert_int_equal(instant(cal, prop(vev, ICAL_DTEND_PROPERTY)), evs[i].end);
        assert_int_equal(icalproperty_get_sequence(prop(vev, ICAL_SEQUENCE_PROPERTY)), (int)i);
        assert_int_equal(icalproperty_get_status(prop(vev, ICAL_STATUS_PROPERTY)),
                         i == 2 ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED);
    }
    assert_string_equal(icalproperty_get_name(prop(cal, ICAL_NAME_PROPERTY)),
                        "Chugach Bodywork; all, therapists");
    assert_non_null(strstr(text.buf, "X-WR-CALNAME:Chugach Bodywork  all  therapists\r\n"));
    assert_non_null(strstr(text.buf, "REFRESH-INTERVAL;VALUE=DURATION:PT60M\r\n"));
    assert_non_null(strstr(text.buf, "X-PUBLISHED-TTL:PT60M\r\n"));
    /* the observances of 2026 (both changes) and the one in force before */
    assert_non_null(strstr(text.buf, "DTSTART:20251102T020000\r\n"));
    assert_non_null(strstr(text.buf, "DTSTART:20260308T020000\r\n"));
    assert_non_null(strstr(text.buf, "DTSTART:20261101T020000\r\n"));
    icalcomponent_free(cal);

    /* No events: a VCALENDAR with just the VTIMEZONE of meta.now's year. */
    sb_release(&text);
    assert_int_equal(ics_calendar_events(&text, anchorage, &meta, NULL, 0, err, sizeof err), 0);
    cal = icalparser_parse_string(text.buf);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VTIMEZONE_COMPONENT), 1);
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 0);
    icalcomponent_free(cal);

    /* One bad event refuses the whole file, names it, and writes nothing. */
    sb_release(&text);
    evs[1].end = evs[1].start;
    assert_int_equal(ics_calendar_events(&text, anchorage, &meta, evs, MANY, err,
                                         sizeof err),
                     -1);
    assert_int_equal(text.len, 0);
    assert_non_null(strstr(err, "appt-2@knead"));
    /* Without meta there must be an event to take the time from. */
    assert_int_equal(ics_calendar_events(&text, anchorage, NULL, NULL, 0, err, sizeof err), -1);
    assert_int_equal(text.len, 0);
    sb_release(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_dst_roundtrip),
        cmocka_unit_test(test_zone_without_dst),
        cmocka_unit_test(test_text_roundtrip),
        cmocka_unit_test(test_cancelled_and_optional),
        cmocka_unit_test(test_refuses_incomplete),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_abbrev),
        cmocka_unit_test(test_many_events),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    icaltimezone_free_builtin_timezones();
    return rc;
}
