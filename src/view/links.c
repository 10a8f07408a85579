/* links — map and add-to-calendar links (see links.h). */
#include "view/links.h"

#include <string.h>

#include "core/datetime.h"
#include "view/esc.h"

static void param(struct sb *out, const char *key, const char *val)
{
    sb_adds(out, key);
    esc_url_component(out, val ? val : "", strlen(val ? val : ""));
}

void links_map(struct sb *out, const char *address)
{
    param(out, "https://www.google.com/maps/search/?api=1&query=", address);
}

/* t as UTC: "20261124T213000Z" (basic) or "2026-11-24T21:30:00Z". */
static void utc(struct sb *out, int64_t t, int basic)
{
    int64_t days = t / 86400, secs = t % 86400;
    int y, m, d;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    dt_civil_from_days(days, &y, &m, &d);
    int hh = (int)(secs / 3600), mm = (int)(secs / 60 % 60), ss = (int)(secs % 60);
    if (basic)
        sb_addf(out, "%04d%02d%02dT%02d%02d%02dZ", y, m, d, hh, mm, ss);
    else
        sb_addf(out, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, hh, mm, ss);
}

void links_google_calendar(struct sb *out, const struct links_event *ev)
{
    param(out, "https://calendar.google.com/calendar/render?action=TEMPLATE&text=", ev->title);
    sb_adds(out, "&dates=");
    utc(out, ev->start, 1);
    sb_adds(out, "%2F");
    utc(out, ev->end, 1);
    param(out, "&details=", ev->details);
    param(out, "&location=", ev->location);
}

void links_outlook_calendar(struct sb *out, const struct links_event *ev)
{
    param(out,
          "https://outlook.live.com/calendar/0/deeplink/compose?path=%2Fcalendar%2Faction%2F"
          "compose&rru=addevent&subject=",
          ev->title);
    sb_adds(out, "&startdt=");
    utc(out, ev->start, 0);
    sb_adds(out, "&enddt=");
    utc(out, ev->end, 0);
    param(out, "&body=", ev->details);
    param(out, "&location=", ev->location);
}
