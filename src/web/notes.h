/* notes — treatment notes (SOAP) and the recommendations a therapist gives
 * the client after a session.
 *
 * A note belongs to one appointment and can be written once the client has
 * checked in (checked_in or completed).  Drafts are saved and edited;
 * signing locks the note for good (the store refuses any change, in SQL
 * too); after that, corrections are addenda listed under it.
 *
 * Who (routes in web/routes.c carry the role; the row checks are here):
 *   GET  /staff/appointments/{id}/note          a therapist inside a treating
 *        relationship with the client (an appointment with them that the
 *        front desk checked in, or that is completed: proof_treating) — on
 *        their own appointment to write, on another's read-only; admins
 *        (read-only).  Never the front desk (the route refuses it) and never
 *        clients.  Others get 404, as on the appointment page, and the
 *        refused attempt is written to the audit log (action "refused").
 *   POST /staff/appointments/{id}/note          save a draft or sign
 *                                               (action=save|sign); only
 *                                               the treating therapist
 *   POST /staff/appointments/{id}/note/addenda  add an addendum to a signed
 *                                               note; the treating therapist
 * The client sees the recommendations (never the SOAP note) on the manage
 * page once the note is signed (manage.c calls notes_manage_context).  Every
 * read and write is written to the audit log (record "note"). */
#ifndef KNEAD_WEB_NOTES_H
#define KNEAD_WEB_NOTES_H

#include <jansson.h>

#include "http/request.h"
#include "web/proof.h"

struct appointment;

void notes_page(struct req *r);     /* GET /staff/appointments/{id}/note */
void notes_save(struct req *r);     /* POST /staff/appointments/{id}/note */
void notes_addendum(struct req *r); /* POST /staff/appointments/{id}/note/addenda */

/* Adds "recommendations" to a manage page's ctx when the appointment's note
 * is signed and recommends something, after writing the client's read to
 * the audit log (identified as via says).  Only this appointment's note:
 * a manage link opens nothing of the client's other visits.  A next visit
 * links to rebook_url (the rebook page the caller's proof reaches).
 * Returns 0, or -1 with an error page written. */
int notes_manage_context(struct req *r, const struct appointment *ap, enum proof via,
                         const char *rebook_url, json_t *ctx);

/* *weeks: in how many weeks ap's signed note suggests the next visit, 0 when
 * it has no signed note or suggests none; a read of the note is written to
 * the audit log (as via says) when it has one.  Returns 0, or -1 with an
 * error page written. */
int notes_next_visit(struct req *r, const struct appointment *ap, enum proof via, int *weeks);

/* A signed note as the client's record download gives it: the SOAP parts,
 * areas, techniques and pressure by their labels, the recommendations, who
 * signed and when, and the addenda (ad, nad).  The caller read and audits
 * it.  Can't fail. */
struct treatment_note;
struct note_addendum;
json_t *notes_record_json(struct req *r, const struct treatment_note *n,
                          const struct note_addendum *ad, size_t nad);
/* Adds "note_url" to an appointment page's ctx for those who may read the
 * appointment's note: admins, and the appointment's therapist when treats
 * (proof_treating's answer).  Can't fail. */
void notes_link(struct req *r, const struct appointment *ap, int treats, json_t *ctx);

#endif
