/* throttle — counts in throttle_hits (migration 0024), keyed "a:ADDRESS"
 * and "e:lower-case email".  The check reads; only throttle_note writes, in
 * its own short transaction after the booking committed, so a refused
 * flood writes nothing at all. */
#include "web/throttle.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "web/page.h"

#define WINDOW 3600 /* seconds: the limits are per hour */

static const char *kind_name(enum throttle_kind k)
{
    return k == THROTTLE_BOOK ? "book" : k == THROTTLE_WAITLIST ? "waitlist" : "gift_code";
}

static int per_hour(const struct req *r, enum throttle_kind k)
{
    return k == THROTTLE_BOOK       ? r->app->cfg.bookings_per_hour
           : k == THROTTLE_WAITLIST ? r->app->cfg.waitlist_per_hour
                                    : r->app->cfg.gift_codes_per_hour;
}

static const char *email_key(struct req *r, const char *email)
{
    char *k = arena_printf(r->arena, "e:%s", email);
    for (char *p = k; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return k;
}

int throttle_refuse(struct req *r, enum throttle_kind kind, const char *email)
{
    struct err e = {0};
    int limit = per_hour(r, kind);
    int64_t now = clock_now(), wait = 0;
    const char *keys[2] = {arena_printf(r->arena, "a:%s", req_address(r)),
                           email && *email ? email_key(r, email) : NULL};
    if (limit == 0)
        return 0;
    int n[2];
    int64_t oldest[2];
    if (db_throttle_count(web_db(r), r->arena, kind_name(kind), keys, now - WINDOW, n, oldest,
                          &e) != E_OK) {
        web_fail(r, &e);
        return 1;
    }
    for (size_t i = 0; i < 2 && keys[i]; i++)
        if (n[i] >= limit && oldest[i] + WINDOW - now > wait)
            wait = oldest[i] + WINDOW - now;
    if (wait <= 0)
        return 0;
    long long minutes = (long long)(wait + 59) / 60;
    resp_header(r, "Retry-After", arena_printf(r->arena, "%lld", (long long)wait));
    if (kind == THROTTLE_GIFT_CODE) {
        web_error(r, 429, "too_many_gift_codes",
                  arena_printf(r->arena,
                               "Too many gift card codes that did not match were typed from "
                               "this address in the last hour. Please try again in %lld "
                               "minute%s, or call us at %s.",
                               minutes, minutes == 1 ? "" : "s", r->app->cfg.phone));
        return 1;
    }
    web_error(r, 429, kind == THROTTLE_BOOK ? "too_many_bookings" : "too_many_signups",
              arena_printf(r->arena,
                           "%s from this address or e-mail in the last hour, so we have "
                           "paused %s for a while. Please try again in %lld minute%s, or call "
                           "us at %s and we will help.",
                           kind == THROTTLE_BOOK ? "Many appointments were booked"
                                                 : "Many waitlist requests were sent",
                           kind == THROTTLE_BOOK ? "online booking" : "the waitlist",
                           minutes, minutes == 1 ? "" : "s", r->app->cfg.phone));
    return 1;
}

void throttle_note(struct req *r, enum throttle_kind kind, const char *email)
{
    struct err e = {0};
    struct db *db = web_db(r);
    int64_t now = clock_now();
    if (per_hour(r, kind) == 0)
        return;
    const char *keys[2] = {arena_printf(r->arena, "a:%s", req_address(r)),
                           email && *email ? email_key(r, email) : NULL};
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_throttle_add(db, kind_name(kind), keys, now, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        log_warn("throttle: could not count a %s: %s", kind_name(kind), e.msg);
    }
}
