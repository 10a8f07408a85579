/* book — online booking pages (/book) and the manage pages of one
 * appointment (/a/{token}), server-rendered and complete without JavaScript.
 *
 *   GET  /book                              choose a service
 *   GET  /book?service=S                    choose a therapist (or any)
 *   GET  /book?service=S&therapist=T[&date=D]   14-day strip and the day's times
 *   GET  /book?service=S&therapist=T&start=X    the details form
 *   POST /book                              books; 303 to /a/{token}?booked=1
 *   GET  /a/{token}                         the appointment
 *   GET  /a/{token}/calendar.ics            the appointment as iCalendar
 *   GET  /a/{token}/cancel, POST            confirm, then cancel
 *   GET  /a/{token}/move[?therapist&date&start], POST   pick a new time, move
 *   GET  /a/{token}/rebook[?start], POST     the next visit the therapist's
 *        signed note suggests: that week's openings with the same therapist
 *        and service, one confirmation, the client's details as they are
 *
 * The booking pages are book.c, the manage pages manage.c.
 *
 * Form POST routes are flagged ROUTE_FORM | ROUTE_CSRF in the route table. */
#ifndef KNEAD_WEB_BOOK_H
#define KNEAD_WEB_BOOK_H

#include <jansson.h>

#include "http/request.h"
#include "web/proof.h"

void book_start(struct req *r);
void book_submit(struct req *r);
void book_manage(struct req *r);
void book_calendar(struct req *r);
void book_cancel_page(struct req *r);
void book_cancel(struct req *r);
void book_move_page(struct req *r);
void book_move(struct req *r);
void book_rebook_page(struct req *r);
void book_rebook(struct req *r);

struct appointment;

/* The rebook page of visit ap for a request proven as via (its manage link,
 * or the signed-in client whose visit it is; the caller checked which):
 * the openings of the week the signed note suggests (the suggested day and
 * three either side, from today once it has begun; the next seven days
 * once it has passed) with ap's therapist and service at its location, or
 * with ?start= the confirmation, showing the name, e-mail and phone the
 * booking will give.  base: this page's path (where the times link and the
 * form posts), back: the visit's page.  A visit whose note is unsigned or
 * suggests no next visit is a 404 page; reading the suggestion is audited
 * as a read of the note. */
void book_rebook_show(struct req *r, const struct appointment *ap, const char *base,
                      const char *back, enum proof via);
/* POST of the rebook page: books form field start (RFC 3339) with ap's
 * therapist and service for ap's client through the booking service
 * (notice, horizon, the slot and the client's overlap re-checked in its
 * transaction; the form's one-time token makes a second sending go to the
 * first booking), then 303 to the new appointment's page.  Refusals
 * re-render the page with the reason: 409 taken or overlapping, 422 no
 * longer bookable online; a 404 as book_rebook_show. */
void book_rebook_submit(struct req *r, const struct appointment *ap, const char *base,
                        const char *back, enum proof via);

struct therapist;

/* Adds what a client reads about therapist t to o: specialties (a list,
 * split at the commas of t->specialties), has_specialties, and monogram
 * (the initials shown when there is no photo). */
void book_add_person(struct req *r, const struct therapist *t, json_t *o);

/* Adds the next bookable time of each bookable service to a page's
 * context, for the "Next opening" blocks of the home, services and article
 * pages: ctx.openings = [{service_id, name, found, label, url, ...}], and
 * for every object of ctx.services whose id matches, its "opening".  One
 * sched_load and one sched_next per service (the days come from the day
 * cache, keyed by data version and minute).  A failure is
 * logged and leaves ctx without openings (the page still renders).  Can't
 * fail. */
void book_add_openings(struct req *r, json_t *ctx);

#endif
