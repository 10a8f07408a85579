/* admin_webhooks — /admin/webhooks: the endpoints an admin adds (address,
 * events, enabled), each with its signing secret shown once when made or
 * rotated, a test ping, and each endpoint's delivery log (status, attempts,
 * the receiver's HTTP status and reply, the payload) with "Send again". */
#ifndef KNEAD_WEB_ADMIN_WEBHOOKS_H
#define KNEAD_WEB_ADMIN_WEBHOOKS_H

#include "http/request.h"

void admin_webhooks(struct req *r);       /* GET /admin/webhooks */
void admin_webhooks_add(struct req *r);   /* POST /admin/webhooks */
void admin_webhook(struct req *r);        /* GET /admin/webhooks/{id}[?status=...] */
void admin_webhook_save(struct req *r);   /* POST /admin/webhooks/{id} */
void admin_webhook_rotate(struct req *r); /* POST /admin/webhooks/{id}/secret */
void admin_webhook_ping(struct req *r);   /* POST /admin/webhooks/{id}/ping */
void admin_webhook_retry(struct req *r);  /* POST /admin/webhooks/deliveries/{id}/retry */

#endif
