/* admin_outbox — /admin/outbox: the messages the server queued (e-mail and
 * text), by status, with the last reply of the server that refused them,
 * and a retry for a failed or waiting one (the rule of `knead outbox
 * retry`: never for one sent or being sent). */
#ifndef KNEAD_WEB_ADMIN_OUTBOX_H
#define KNEAD_WEB_ADMIN_OUTBOX_H

#include "http/request.h"

void admin_outbox(struct req *r);       /* GET /admin/outbox[?status=...] */
void admin_outbox_retry(struct req *r); /* POST /admin/outbox/{id}/retry */

#endif
