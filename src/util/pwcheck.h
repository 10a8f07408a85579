/* pwcheck — a new password against Debian's libpwquality: the cracklib
 * dictionary (common words and passwords, reversed, with digits), the
 * account's own e-mail address, and too few kinds of character for its
 * length.  Offline: the dictionary is the one cracklib-runtime installs. */
#ifndef KNEAD_UTIL_PWCHECK_H
#define KNEAD_UTIL_PWCHECK_H

/* NULL when pw passes, else a sentence for a person ("This password is
 * based on a dictionary word ...").  user (the account's e-mail, may be
 * NULL) is checked too: a password made of it is refused.  Thread-safe
 * (cracklib is not: calls are serialised).  A missing dictionary is a
 * failure of the machine, not of the password: it is logged once and the
 * password is refused with a message that says so. */
const char *pwcheck(const char *pw, const char *user);

#endif
