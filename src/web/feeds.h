/* feeds — calendar subscription feeds: a therapist's own appointments, and
 * the clinic's (every therapist's, for the front desk), as an iCalendar file
 * at a private address that a calendar app subscribes to, and the back-office
 * page that makes those addresses. */
#ifndef KNEAD_WEB_FEEDS_H
#define KNEAD_WEB_FEEDS_H

#include "http/request.h"

/* GET /feeds/{token}.ics (public; the token is the key): the feed's
 * appointments from 30 days back to the booking horizon in one VCALENDAR,
 * text/calendar, with an ETag (If-None-Match → 304) and private caching.
 * A malformed, unknown or replaced token gets the same 404 as an unknown
 * page. */
void feeds_ics(struct req *r);

/* GET /staff/calendar: whether the signed-in therapist's own feed (a
 * therapist) or the clinic's feed (front desk, admin) exists and when it was
 * made, with a button that makes a new address.  The address itself is
 * shown once, when it is made: only its hash is stored. */
void feeds_page(struct req *r);

/* POST /staff/calendar/mine (a therapist; form: csrf): a new address for
 * the therapist's own feed; the old one stops at once.  Answers the page
 * with the new address (200, not stored by caches).  403 if the account is
 * not linked to a therapist. */
void feeds_new_mine(struct req *r);

/* POST /staff/calendar/clinic (front desk, admin; form: csrf): the same for
 * the clinic's feed. */
void feeds_new_clinic(struct req *r);

#endif
