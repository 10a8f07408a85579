/* desk — the front desk's pages: one appointment (status, notes for the
 * therapist, moving it), booking for a client on the phone or at the desk,
 * and the clients (search, details, merging duplicates).  Route rules live
 * in web/routes.c; the status rules in core/appt. */
#ifndef KNEAD_WEB_DESK_H
#define KNEAD_WEB_DESK_H

#include "http/request.h"

/* GET /staff/appointments/{id}[?date=YYYY-MM-DD]: details, the client's other
 * appointments, status buttons, notes for the therapist, times to move it to
 * (on ?date, default its own day).  A therapist sees only their own
 * appointments (404 for others). */
void desk_appointment(struct req *r);
/* POST .../status: status=checked_in|completed|no_show|cancelled, reason
 * (needed to cancel).  409 for a change the status machine refuses. */
void desk_status(struct req *r);
/* POST /staff/appointments/{id}/undo: back to the status before the desk's
 * last change, the same local day, with a reason (core/appt). */
void desk_undo(struct req *r);
/* POST .../notes: notes (at most 4,000 characters). */
void desk_notes(struct req *r);
/* POST .../move: start (RFC 3339), therapist ("any" or an id).  Staff may
 * move inside the notice window, never onto a taken time. */
void desk_move(struct req *r);
/* GET /staff/book[?client=ID][&q=..][&service=..][&therapist=..][&date=..]:
 * pick or enter a client, a service, a therapist, a day and a time. */
void desk_book_form(struct req *r);
/* POST /staff/book: client (an id) or name/email/phone; service, therapist,
 * start, note.  303 to the appointment's page. */
void desk_book(struct req *r);
/* GET /staff/clients[?q=]: clients whose name, email or phone contains q. */
void desk_clients(struct req *r);
/* GET /staff/clients/{id}: details, all their appointments, duplicates. */
void desk_client(struct req *r);
/* POST /staff/clients/{id}: name, email, phone. */
void desk_client_save(struct req *r);
/* POST /staff/clients/{id}/merge: other=ID with the same email; moves the
 * other's appointments here and deletes it, in one transaction. */
void desk_client_merge(struct req *r);
/* POST /staff/clients/{id}/texts: texts=stop marks the client's number
 * opted out of text messages, texts=allow lets it receive them again. */
void desk_client_texts(struct req *r);

#endif
