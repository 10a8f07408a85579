/* links — the plain https links a confirmation offers beside its .ics file:
 * a map search of an address, and an event to add in Google Calendar or
 * Outlook on the web.  Each is a link the client follows; no script, no
 * request from our side.  What goes in the query string is sent to that
 * company, so callers pass only what a calendar entry needs (never a
 * private manage link). */
#ifndef KNEAD_VIEW_LINKS_H
#define KNEAD_VIEW_LINKS_H

#include <stdint.h>

#include "util/sb.h"

/* https://www.google.com/maps/search/?api=1&query=ADDRESS */
void links_map(struct sb *out, const char *address);

/* An event: UTC seconds, start < end; text fields may be "" (details may
 * hold newlines). */
struct links_event {
    int64_t start, end;
    const char *title, *details, *location;
};

/* https://calendar.google.com/calendar/render?action=TEMPLATE&text=..&dates=
 * YYYYMMDDTHHMMSSZ/YYYYMMDDTHHMMSSZ&details=..&location=.. */
void links_google_calendar(struct sb *out, const struct links_event *ev);

/* https://outlook.live.com/calendar/0/deeplink/compose?path=/calendar/action/
 * compose&rru=addevent&subject=..&startdt=..Z&enddt=..Z&body=..&location=.. */
void links_outlook_calendar(struct sb *out, const struct links_event *ev);

#endif
