/* texts — the SMS provider's inbound webhook (issue 13 item 21). */
#ifndef KNEAD_WEB_TEXTS_H
#define KNEAD_WEB_TEXTS_H

struct req;

/* POST /sms/inbound/{secret}: a client's reply to a text, as a Twilio-style
 * provider posts it (form fields From and Body).  The path's secret must
 * equal [sms] inbound_secret (else 404, as for no such page; also when that
 * key is empty).  STOP and the carriers' other opt-out words mark the number
 * opted out, START lets it receive texts again, anything else is ignored;
 * 200 with an empty TwiML <Response/>, so the provider sends no answer of its
 * own.  A From that is no phone number: 422. */
void texts_inbound(struct req *r);

#endif
