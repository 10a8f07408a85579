/* email — the one rule for an e-mail address we accept: at booking, on the
 * waitlist, for accounts, in the config, and in the mailer (mail/mime) that
 * puts it in a header and an SMTP envelope.  Whatever a form accepts, the
 * mailer can send to. */
#ifndef KNEAD_CORE_EMAIL_H
#define KNEAD_CORE_EMAIL_H

/* 1 when a is a plain address local@domain: at most 254 characters (the
 * local part at most 64), printable ASCII without spaces, quotes, brackets
 * or any of <>()[]",;:\ ; exactly one '@'; no empty, leading, trailing or
 * doubled dot in either part; and a dot in the domain.  Else 0.  Pure. */
int email_addr_ok(const char *a);

#endif
