/* portal — the client portal: a client signs in with a one-time link sent
 * to their e-mail address and sees their own appointments and records.
 *
 *   GET  /account                        asks for the e-mail address
 *   POST /account                        queues a link (or not) and always
 *                                        answers the same; 303 /account?sent=1
 *   GET  /account/link/{token}           the link from the e-mail: a button
 *                                        that signs in (mail scanners that
 *                                        open links do not use them up)
 *   POST /account/link/{token}           uses the link: the client account
 *                                        (made on first use), its bookings,
 *                                        a session; 303 /portal
 *   GET  /portal                         upcoming and past appointments,
 *                                        health form, insurance check,
 *                                        referral, recommendations, book again
 *   GET  /portal/appointments/{id}       one of the client's appointments
 *   POST /portal/appointments/{id}/manage   a manage link for it; 303 /a/{token}
 *
 * A link carries 128 random bits (only their hash is stored), works once and
 * for [auth] signin_link_minutes.  Links go only to client accounts and to
 * addresses the clinic has a booking for; unknown addresses, staff accounts
 * and deactivated ones get the same answer and no e-mail.  Requests are
 * throttled per address and per peer like password sign-ins.  The client
 * sees only appointments of client rows linked to their account (or, once
 * the address is proven, with their address): any other id is 404.  Every
 * read of a health form, insurance check, referral or note is audited with
 * the client's account as the actor. */
#ifndef KNEAD_WEB_PORTAL_H
#define KNEAD_WEB_PORTAL_H

#include <stdint.h>

#include "core/err.h"
#include "http/request.h"

void portal_signin_form(struct req *r);    /* GET /account */
void portal_signin_request(struct req *r); /* POST /account */
void portal_link_page(struct req *r);      /* GET /account/link/{token} */
void portal_link_use(struct req *r);       /* POST /account/link/{token} */
void portal_home(struct req *r);           /* GET /portal */
void portal_appointment(struct req *r);    /* GET /portal/appointments/{id} */
void portal_manage(struct req *r);         /* POST /portal/appointments/{id}/manage */
/* GET/POST /portal/appointments/{id}/rebook: the next visit the signed note
 * of the client's own visit suggests (book_rebook_show/_submit) */
void portal_rebook_page(struct req *r);
void portal_rebook(struct req *r);

#endif
