/* record — the client's whole record from the portal: the right of access.
 *
 *   GET /portal/record                the record as a printable page
 *   GET /portal/record?format=json    the same as a JSON file (attachment)
 *
 * Only for a signed-in client (ROUTE_CLIENT: a proven e-mail), and only the
 * client rows that account holds; a therapist, the desk or another client
 * cannot reach anyone's.  svc/record collects it and writes the audit rows
 * of the download in the same transaction. */
#ifndef KNEAD_WEB_RECORD_H
#define KNEAD_WEB_RECORD_H

#include "http/request.h"

void portal_record(struct req *r); /* GET /portal/record */

#endif
