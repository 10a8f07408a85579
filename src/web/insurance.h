/* insurance — insurance-benefit checks: a client asks the clinic to check
 * their benefits (from the booking confirmation or the manage page), the
 * front desk works the queue of pending checks and records the outcome, and
 * the client reads it on the manage page.
 *
 *   GET  /a/{token}/insurance          the request form (a pending one can be corrected)
 *   POST /a/{token}/insurance          saves it; 303 to /a/{token}?insurance=1
 *   GET  /staff/insurance              pending checks, oldest first (ROUTE_DESK)
 *   GET  /staff/insurance/{id}         one check and the outcome form (ROUTE_DESK)
 *   POST /staff/insurance/{id}         records the outcome; who and when from the session
 *
 * Therapists never see insurance details (the routes are the desk's, and
 * the appointment page shows checks to the desk and admins only).  Every
 * read and write calls audit_record (record "insurance"). */
#ifndef KNEAD_WEB_INSURANCE_H
#define KNEAD_WEB_INSURANCE_H

#include <jansson.h>

#include "http/request.h"
#include "web/proof.h"

struct appointment;

void insurance_client_form(struct req *r);
void insurance_client_save(struct req *r);
void insurance_queue(struct req *r);
void insurance_check_page(struct req *r);
void insurance_check_save(struct req *r);

/* Adds a check to the manage page's context (ctx.insurance,
 * ctx.insurance_url), auditing the read: by the link alone (via
 * PROOF_MANAGE_LINK) the newest check asked for through ap, shown without
 * its details (carrier, member id, copay ...: only status and coverage);
 * with a proven address the client's newest check in full.  Returns 0, or
 * -1 with an error response written. */
int insurance_add_to_manage(struct req *r, const struct appointment *ap, const char *token,
                            enum proof via,
                            json_t *ctx);

/* For the desk and admins: adds the client's newest check to the staff
 * appointment page (ctx.health.insurance), auditing the read; adds nothing
 * for a therapist.  Returns 0, or -1 with an error response written. */
int insurance_add_to_appointment(struct req *r, const struct appointment *ap, json_t *ctx);

/* A check as the manage page's partials show it (pending, done, outcome,
 * visits, copay, ...).  The caller audits its read.  Can't fail. */
struct insurance_check;
json_t *insurance_check_json(struct req *r, const struct insurance_check *c);

#endif
