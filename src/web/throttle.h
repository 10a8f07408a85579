/* throttle — how often one address, or one e-mail address, may book online
 * or join the waitlist without signing in ([limits] bookings_per_hour and
 * waitlist_per_hour; 0 = no limit).  Staff bookings are not throttled.
 * Counted in the database, so every app server on it sees the same. */
#ifndef KNEAD_WEB_THROTTLE_H
#define KNEAD_WEB_THROTTLE_H

#include "http/request.h"

/* THROTTLE_GIFT_CODE counts wrong gift-card codes per address only
 * ([limits] gift_codes_per_hour), noted after each refusal, so guessing
 * codes is paused while typing a right one is never counted. */
enum throttle_kind { THROTTLE_BOOK, THROTTLE_WAITLIST, THROTTLE_GIFT_CODE };

/* Before any write: 0 when the request may go on; 1 when the address or
 * email (may be NULL: only the address is checked) had its share this last
 * hour, and r was answered 429 with Retry-After and a sentence that says
 * when to try again and that the clinic can be called.  A store error is
 * answered too (1). */
int throttle_refuse(struct req *r, enum throttle_kind kind, const char *email);

/* After a booking or sign-up was stored: counts it for the address and the
 * e-mail.  A failure is logged, never shown (the booking stands). */
void throttle_note(struct req *r, enum throttle_kind kind, const char *email);

#endif
