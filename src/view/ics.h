/* ics — iCalendar (RFC 5545) files for one appointment or many (a calendar
 * feed), built with libical.
 *
 * Takes plain values (no store types), so the booking pages, the e-mail
 * notifications and the feeds can all use it.  libical does the escaping of
 * TEXT values (commas, semicolons, backslashes, newlines) and the line
 * folding; this module only decides what goes in:
 *
 *   VCALENDAR (VERSION 2.0, PRODID, CALSCALE, METHOD PUBLISH, REQUEST or CANCEL)
 *     VTIMEZONE  TZID = the zone's IANA name; one STANDARD/DAYLIGHT
 *                observance per UTC-offset change of the local years the
 *                event spans, plus the change in force when the first of
 *                those years begins.  Built from core/tz (the same tz
 *                database the rest of Knead uses), not libical's copy, so
 *                the TZID is the plain IANA name.
 *     VEVENT     UID, DTSTAMP, DTSTART/DTEND with TZID, SUMMARY, LOCATION,
 *                DESCRIPTION, URL, STATUS CONFIRMED or CANCELLED; with
 *                METHOD REQUEST or CANCEL also ORGANIZER and ATTENDEE.
 *
 * A local time that occurs twice (the hour repeated when DST ends) is
 * ambiguous with a TZID: RFC 5545 3.3.5 says it means the first occurrence,
 * libical reads the second.  Such instants, either occurrence, are written
 * in UTC instead ("DTSTART:20261101T103000Z"), which every client reads
 * alike.
 *
 * libical's time-zone tables are not safe to use from several threads at
 * once; every libical call of this module runs under one mutex. */
#ifndef KNEAD_VIEW_ICS_H
#define KNEAD_VIEW_ICS_H

#include <stddef.h>
#include <stdint.h>

struct sb;
struct tz;

/* What a single-event file asks of the calendar that reads it (RFC 5546):
 * PUBLISH a copy to keep; REQUEST the event (a booking, or a move: an
 * update of the same UID with a higher SEQUENCE, which Outlook, Gmail and
 * Apple Calendar apply in place); CANCEL it (same UID, higher SEQUENCE,
 * STATUS:CANCELLED: the calendar removes it).  REQUEST and CANCEL carry
 * ORGANIZER (the clinic) and ATTENDEE (the client), without which those
 * calendars treat the file as a copy to import.  A feed is always PUBLISH. */
enum ics_method { ICS_PUBLISH = 0, ICS_REQUEST, ICS_CANCEL };

struct ics_event {
    const char *uid;         /* e.g. "appt-42@knead"; required */
    int64_t stamp;           /* DTSTAMP: when this file was made (UTC seconds) */
    int64_t start, end;      /* UTC seconds; start < end */
    const char *summary;     /* required */
    const char *location;    /* NULL or "" = none */
    const char *description; /* NULL or "" = none; may hold newlines */
    const char *url;         /* NULL or "" = none */
    int cancelled;           /* 1: STATUS:CANCELLED, else CONFIRMED */
    int sequence;            /* SEQUENCE, >= 0 (bump when the event changes) */
    enum ics_method method;  /* ics_calendar only; ICS_CANCEL implies cancelled */
    /* REQUEST and CANCEL: the organiser (the clinic) and the attendee (the
     * client); both addresses required for those methods */
    const char *organizer_name, *organizer_email;
    const char *attendee_name, *attendee_email;
};

/* The MIME method parameter of a file made with that method: "PUBLISH",
 * "REQUEST" or "CANCEL".  Can't fail. */
const char *ics_method_name(enum ics_method m);

/* Appends a VCALENDAR (METHOD from ev->method) holding the VTIMEZONE of tz
 * and the event to out
 * (CRLF line ends, lines folded at 75 octets).  Returns 0, or -1 with a
 * message in err (when errlen > 0) if the event is incomplete (no uid or
 * summary, REQUEST or CANCEL without both addresses, end <= start, times outside years 1900..9999) or libical fails;
 * out is then unchanged.  A size limit on out sets out->err (see sb.h). */
int ics_calendar(struct sb *out, const struct tz *tz, const struct ics_event *ev, char *err,
                 size_t errlen);

/* What a calendar of many events (a subscription feed) says about itself. */
struct ics_meta {
    const char *name;    /* NAME and X-WR-CALNAME; NULL or "" = none */
    int refresh_minutes; /* REFRESH-INTERVAL and X-PUBLISHED-TTL; 0 = none */
    int64_t now;         /* the VTIMEZONE covers this instant too (an empty feed has
                            no event, but a VCALENDAR needs one component) */
};

/* Like ics_calendar, for n events (n may be 0) in one VCALENDAR with one
 * VTIMEZONE covering every event and meta->now.  Every event is checked
 * before anything is written: one incomplete event fails the whole call
 * (the message names its uid) and out is unchanged. */
int ics_calendar_events(struct sb *out, const struct tz *tz, const struct ics_meta *meta,
                        const struct ics_event *ev, size_t n, char *err, size_t errlen);

#endif
