/* proof — who a request proved to be, for health records; see proof.h.
 * It only answers questions: the handlers decide what to show, and audit
 * what they showed or refused. */
#include "web/proof.h"

#include "core/auth.h"
#include "store/store.h"
#include "web/account.h"
#include "web/page.h"

struct actor proof_actor(struct req *r, enum proof via)
{
    struct actor a = {.address = req_address(r), .via = via};
    if (r->user) {
        a.user_id = r->user->id;
        a.email = r->user->email;
        a.role = r->user->role;
    }
    return a;
}

int proof_of_manage(struct req *r, const struct appointment *ap, enum proof *out)
{
    struct err e = {0};
    int owns = 0;
    *out = PROOF_MANAGE_LINK;
    /* a manage page is public: the dispatcher read no session, so look for
     * a client's here (a staff session proves nothing about a client) */
    if (account_authorize(r, AUTH_CLIENT) != 0 || !r->user || r->role != AUTH_CLIENT)
        return 0;
    if (db_portal_owns_client(web_db(r), r->user->id, ap->client_id, &owns, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    if (owns)
        *out = PROOF_EMAIL;
    return 0;
}

int proof_treating(struct req *r, int64_t client_id, int *yes)
{
    struct err e = {0};
    *yes = r->role == AUTH_DESK || r->role == AUTH_ADMIN;
    if (*yes || r->role != AUTH_THERAPIST || !r->user || !r->user->therapist_id ||
        !*r->user->therapist_id)
        return 0;
    if (db_treats(web_db(r), client_id, r->user->therapist_id, yes, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}
