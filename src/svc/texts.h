/* texts (prefix texts_) — who may get a text message (issue 13 item 21):
 * the numbers that said STOP, marked by the client's reply to the SMS
 * provider (its inbound webhook) or by the front desk on the client's page,
 * and let through again by START or by the desk.  Each change is one
 * writing transaction; the desk's is logged with who made it.  It knows no HTTP. */
#ifndef KNEAD_SVC_TEXTS_H
#define KNEAD_SVC_TEXTS_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"
#include "svc/audit.h"

/* What a reply to a text asks for: the carriers' opt-out words (STOP,
 * STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE), their opt-in words
 * (START, UNSTOP, YES), or nothing (any other text: ignored).  Case and
 * surrounding spaces and punctuation do not matter.  Can't fail. */
enum texts_word { TEXTS_OTHER = 0, TEXTS_STOP, TEXTS_START };
enum texts_word texts_word(const char *body);

/* A reply from `from` (as the provider wrote the number) saying `body`:
 * STOP marks the number opted out (source "reply"), START lets it receive
 * texts again, anything else changes nothing.  *word says which it was.
 * A number that is not a phone number a text could have gone to is
 * E_UNPROCESSABLE and changes nothing. */
enum err_code texts_reply(struct db *db, const char *from, const char *body, int64_t now,
                          enum texts_word *word, struct err *e);

/* The front desk marks the client's phone number opted out (stop = 1) or
 * lets it receive texts again (stop = 0), as who: a change is written to
 * the audit table (action "opt_out"/"opt_in", record "texts", the client,
 * the number in the reason) in the same transaction.  E_UNPROCESSABLE
 * when the client has no phone number a text can go to; E_NOTFOUND when
 * there is no such client.  On error nothing is stored. */
enum err_code texts_desk_mark(struct db *db, struct arena *a, const struct actor *who,
                              int64_t client_id, int stop, int64_t now, struct err *e);

#endif
