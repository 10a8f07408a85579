/* portal — the client portal's rules, pure: whether an address gets a
 * sign-in link, what state a link is in, which appointments are upcoming,
 * and the name a new client account gets.  Tokens, e-mail and the store
 * are elsewhere (web/portal.c). */
#ifndef KNEAD_CORE_PORTAL_H
#define KNEAD_CORE_PORTAL_H

#include <stddef.h>
#include <stdint.h>

enum portal_link_state {
    PORTAL_LINK_OK = 0,  /* unused and not expired: signs in */
    PORTAL_LINK_USED,    /* used once already */
    PORTAL_LINK_EXPIRED, /* now is at or past expires_at */
};

/* The state of a link that expires at expires_at and was used at used_at
 * (0 = never) at now.  A used link reads as used even after it expired. */
enum portal_link_state portal_link_state(int64_t expires_at, int64_t used_at, int64_t now);

/* Whether a sign-in link is sent to an address: role and active are its
 * account's (role "" = no account), name what the clinic calls it ("" =
 * no booking and no account has the address).  Only client accounts and
 * addresses the clinic has a booking for get one; staff sign in with their
 * password.  1 = send, 0 = answer the same but send nothing. */
int portal_may_send(const char *role, int active, const char *name);

/* 1 when an appointment with this status starting at start is still ahead
 * (booked or checked in, not yet started) at now; else it is past. */
int portal_upcoming(const char *status, int64_t start, int64_t now);

/* The name for a new client account: `name` when it is 1..120 bytes, else
 * the part of `email` before the '@' (cut to 120 bytes, never empty).
 * Writes a NUL-terminated string to out (size >= 2).  Can't fail. */
void portal_account_name(const char *name, const char *email, char *out, size_t size);

#endif
