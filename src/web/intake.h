/* intake — the client's health form (intake), filled in by the client on
 * the private link of an appointment or by the front desk from the
 * appointment page, and shown to the desk, admins and the treating
 * therapist on the staff appointment page.
 *
 *   GET  /a/{token}/intake                     the form (the current one, if any)
 *   POST /a/{token}/intake                     saves it; 303 to /a/{token}?intake=1
 *   POST /a/{token}/intake/confirm             "still right": records the time
 *   GET  /staff/appointments/{id}/intake       the desk fills it in for the client
 *   POST /staff/appointments/{id}/intake       (ROUTE_DESK, admins too)
 *
 * One current form per client, with its earlier versions kept by the
 * store.  Every read and write calls audit_record (record "intake"): writes
 * inside their transaction, reads before the page is rendered, each with
 * how the actor was identified.  A manage link opens only the form entered
 * through its own appointment (the client's earlier form needs a proven
 * address: proof.h); a therapist reads a form only inside a treating
 * relationship. */
#ifndef KNEAD_WEB_INTAKE_H
#define KNEAD_WEB_INTAKE_H

#include <jansson.h>

#include "http/request.h"
#include "web/proof.h"

struct appointment;

void intake_client_form(struct req *r);
void intake_client_save(struct req *r);
void intake_client_confirm(struct req *r);
void intake_desk_form(struct req *r);
void intake_desk_save(struct req *r);

/* The appointment of the {token} capture, with the private headers set
 * (no caching, no referrer).  Returns 0, or -1 with the response written
 * (the same 404 for a malformed and an unknown token).  *token points at
 * the capture. */
int intake_find_by_token(struct req *r, struct appointment *ap, const char **token);

/* Adds the client's health form status to the manage page's context
 * (ctx.intake_status: on file with its dates, or a link to fill it in) and
 * the csrf for the confirm button; audits the read.  via: how the request
 * is identified (proof_of_manage): by the link alone only a form entered
 * through ap counts as on file.  Returns 0, or -1 with an error response
 * written. */
int intake_add_to_manage(struct req *r, const struct appointment *ap, const char *token,
                         enum proof via, json_t *ctx);

/* Adds the client's form to the staff appointment page (ctx.health.intake,
 * with its contraindications listed in ctx.health.warnings), auditing the
 * read.  A therapist without a treating relationship with the client gets
 * ctx.health.withheld instead, and nothing is read.  Returns 0, or -1 with
 * an error response written. */
int intake_add_to_appointment(struct req *r, const struct appointment *ap, json_t *ctx);

#endif
