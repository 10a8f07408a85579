/* waitlist — the pages of the waitlist (issue 6): joining it (/waitlist,
 * linked from /book's day-and-time step), one entry by its private link
 * (/waitlist/{token}: see it, leave it), and an offer of a freed time by
 * its claim link (/waitlist/offers/{token}: book it, or be told it is gone
 * or expired).  Offers are made by mail/waitlist.c when an appointment is
 * cancelled or moved. */
#ifndef KNEAD_WEB_WAITLIST_H
#define KNEAD_WEB_WAITLIST_H

#include "http/request.h"

void waitlist_form(struct req *r);       /* GET /waitlist[?service=&therapist=&date=] */
void waitlist_join(struct req *r);       /* POST /waitlist */
void waitlist_entry_page(struct req *r); /* GET /waitlist/{token} */
void waitlist_leave(struct req *r);      /* POST /waitlist/{token}/leave */
void waitlist_offer_page(struct req *r); /* GET /waitlist/offers/{token} */
void waitlist_claim(struct req *r);      /* POST /waitlist/offers/{token} */

/* The front desk (desk and admin): the active entries of every client,
 * and removing one for a client who no longer waits (the same as the
 * client leaving by their link). */
void waitlist_desk_list(struct req *r);   /* GET /staff/waitlist[?service=] */
void waitlist_desk_remove(struct req *r); /* POST /staff/waitlist/{id}/remove */

#endif
