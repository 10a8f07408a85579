/* chrome — the back office's page frame and navigation counts; see chrome.h.
 * It must stay a leaf among the handlers: the counts come from the store,
 * not from the insurance or waitlist pages. */
#include "web/chrome.h"

#include <stdio.h>

#include "core/auth.h"
#include "store/store.h"
#include "util/log.h"
#include "web/page.h"

/* A count for the navigation: 0 (logged) when the store fails, so a page
 * still renders without its badge. */
static int count(struct req *r, enum err_code (*fn)(struct db *, int *, struct err *),
                 const char *what)
{
    struct err e = {0};
    int n = 0;
    if (fn(web_db(r), &n, &e) != E_OK) {
        log_error("count %s: %s", what, e.msg);
        return 0;
    }
    return n;
}

json_t *chrome_context(struct req *r, const char *title, const char *nav)
{
    json_t *ctx = page_context(r, title, NULL, NULL);
    char key[48];
    json_object_set_new(ctx, "user",
                        json_pack("{s:s, s:s, s:s}", "name", r->user->name, "email", r->user->email,
                                  "role", r->user->role));
    json_object_set_new(ctx, "csrf", json_string(web_csrf(r)));
    json_object_set_new(ctx, "is_admin", json_boolean(r->role == AUTH_ADMIN));
    json_object_set_new(ctx, "is_desk",
                        json_boolean(r->role == AUTH_DESK || r->role == AUTH_ADMIN));
    json_object_set_new(ctx, "is_therapist", json_boolean(r->role == AUTH_THERAPIST));
    json_object_set_new(ctx, "staff", json_true());
    if (r->role == AUTH_DESK || r->role == AUTH_ADMIN) {
        json_object_set_new(
            ctx, "insurance_pending",
            json_integer(count(r, db_insurance_pending_count, "pending insurance checks")));
        json_object_set_new(ctx, "waitlist_active",
                            json_integer(count(r, db_waitlist_active_count, "the waitlist")));
    }
    if (nav) {
        snprintf(key, sizeof key, "staff_nav_%s", nav);
        json_object_set_new(ctx, key, json_true());
    }
    return ctx;
}
