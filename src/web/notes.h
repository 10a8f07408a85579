/* notes — treatment notes (SOAP) and the recommendations a therapist gives
 * the client after a session.
 *
 * A note belongs to one appointment and can be written once the client has
 * checked in (checked_in or completed).  Drafts are saved and edited;
 * signing locks the note for good (the store refuses any change, in SQL
 * too); after that, corrections are addenda listed under it.
 *
 * Who (routes in web/routes.c carry the role; the row checks are here):
 *   GET  /staff/appointments/{id}/note          the treating therapist; a
 *        therapist who has treated the same client (read-only); admins
 *        (read-only).  Never the front desk (the route refuses it) and never
 *        clients.  Others get 404, as on the appointment page.
 *   POST /staff/appointments/{id}/note          save a draft or sign
 *                                               (action=save|sign); only
 *                                               the treating therapist
 *   POST /staff/appointments/{id}/note/addenda  add an addendum to a signed
 *                                               note; the treating therapist
 * The client sees the recommendations (never the SOAP note) on the manage
 * page once the note is signed (book.c calls notes_manage_context).  Every
 * read and write is written to the audit log (record "note"). */
#ifndef KNEAD_WEB_NOTES_H
#define KNEAD_WEB_NOTES_H

#include <jansson.h>

#include "http/request.h"

struct appointment;

void notes_page(struct req *r);     /* GET /staff/appointments/{id}/note */
void notes_save(struct req *r);     /* POST /staff/appointments/{id}/note */
void notes_addendum(struct req *r); /* POST /staff/appointments/{id}/note/addenda */

/* Adds "recommendations" to a manage page's ctx when the appointment's note
 * is signed and recommends something, after writing the client's read to
 * the audit log.  Returns 0, or -1 with an error page written. */
int notes_manage_context(struct req *r, const struct appointment *ap, json_t *ctx);

/* Adds "note_url" to an appointment page's ctx for those who may read the
 * appointment's note (the treating therapist and admins).  Can't fail. */
void notes_link(struct req *r, const struct appointment *ap, json_t *ctx);

#endif
