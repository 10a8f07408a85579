/* record — collects a client's whole record and audits its download; see
 * record.h.  Must not return a draft note nor anything of a client row the
 * account does not hold (db_portal_appointments decides which rows). */
#include "svc/record.h"

#include <string.h>

struct collect {
    struct arena *a;
    int64_t user_id, now;
    const struct actor *who;
    struct client_record *out;
};

static enum err_code read_client(struct db *db, struct arena *a, struct record_client *c,
                                 struct err *e)
{
    enum err_code rc = db_intake(db, a, c->id, &c->intake, e);
    c->has_intake = rc == E_OK;
    if (rc != E_OK && rc != E_NOTFOUND)
        return rc;
    if ((rc = db_intake_versions(db, a, c->id, &c->earlier, &c->nearlier, e)) != E_OK ||
        (rc = db_insurance_of_client(db, a, c->id, &c->checks, &c->nchecks, e)) != E_OK)
        return rc;
    return db_referrals(db, a, c->id, &c->referrals, &c->nreferrals, e);
}

static enum err_code read_visit(struct db *db, struct arena *a, struct record_visit *v,
                                struct err *e)
{
    enum err_code rc = db_note(db, a, v->ap.id, &v->note, e);
    if (rc == E_NOTFOUND)
        return E_OK;
    if (rc != E_OK)
        return rc;
    if (!v->note.signed_at) /* a draft is the therapist's, not yet the record */
        return E_OK;
    v->has_note = 1;
    return db_note_addenda(db, a, v->note.id, &v->addenda, &v->naddenda, e);
}

/* The body of the transaction: may run again on E_RETRY, so it starts over. */
static enum err_code collect(struct db *db, void *ctx, struct err *e)
{
    struct collect *c = ctx;
    struct client_record *out = c->out;
    struct appointment *aps = NULL;
    size_t n = 0;
    enum err_code rc;

    memset(out, 0, sizeof *out);
    if ((rc = db_portal_appointments(db, c->a, c->user_id, &aps, &n, e)) != E_OK)
        return rc;
    out->visits = arena_array(c->a, n ? n : 1, sizeof *out->visits);
    out->clients = arena_array(c->a, n ? n : 1, sizeof *out->clients);
    for (size_t i = 0; i < n; i++) {
        struct record_visit *v = &out->visits[out->nvisits++];
        memset(v, 0, sizeof *v);
        v->ap = aps[i];
        if ((rc = read_visit(db, c->a, v, e)) != E_OK)
            return rc;
        size_t k = 0;
        while (k < out->nclients && out->clients[k].id != aps[i].client_id)
            k++;
        if (k < out->nclients)
            continue;
        struct record_client *cl = &out->clients[out->nclients++];
        memset(cl, 0, sizeof *cl);
        cl->id = aps[i].client_id;
        cl->name = aps[i].client_name;
        cl->email = aps[i].client_email;
        cl->phone = aps[i].client_phone ? aps[i].client_phone : "";
        if ((rc = read_client(db, c->a, cl, e)) != E_OK)
            return rc;
        if ((rc = audit_add(db, c->who, "download", "record", 0, cl->id, c->now, e)) != E_OK)
            return rc;
    }
    return E_OK;
}

enum err_code record_collect(struct db *db, struct arena *a, int64_t user_id,
                             const struct actor *who, int64_t now, struct client_record *out,
                             struct err *e)
{
    struct collect c = {.a = a, .user_id = user_id, .now = now, .who = who, .out = out};
    return db_tx(db, collect, &c, e);
}
