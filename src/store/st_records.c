/* st_records — a client's health records in the store: the health form
 * with its history, insurance checks, referrals, treatment notes with
 * their addenda, and the audit log of who read or changed them.  Written
 * once for every driver: named queries through rows.h.
 *
 * A signed note and an addendum never change, nor does the audit log: the
 * migrations' triggers refuse it (defence in depth under the web layer's
 * checks), and store.c puts their refusal in the store's words. */
#include "store/rows.h"
#include "util/sb.h"

/* ---- the audit log ---- */

enum err_code db_audit_add(struct db *db, const struct audit_entry *en, struct err *e)
{
    return rows_exec(db, Q_AUDIT_ADD, "write the audit log",
                     ARGS(A_I64(en->at), A_I64(en->user_id), A_TEXT(en->actor), A_TEXT(en->role),
                          A_TEXT(en->action), A_TEXT(en->record), A_I64(en->record_id),
                          A_I64(en->client_id), A_TEXT(en->address),
                          A_TEXT(en->via ? en->via : "staff"),
                          A_TEXT(en->reason ? en->reason : "")),
                     NULL, e);
}

enum err_code db_audit_add_many(struct db *db, const struct audit_entry *en,
                                const int64_t *record_ids, const int64_t *client_ids, size_t n,
                                struct err *e)
{
    if (n == 0)
        return E_OK;
    /* [[record_id,client_id],...]: digits only, at most 44 bytes a pair */
    struct sb pairs;
    sb_init(&pairs, 0);
    sb_addc(&pairs, '[');
    for (size_t i = 0; i < n; i++)
        sb_addf(&pairs, "%s[%lld,%lld]", i ? "," : "", (long long)record_ids[i],
                  (long long)client_ids[i]);
    sb_addc(&pairs, ']');
    enum err_code rc;
    if (pairs.err)
        rc = err_set(e, E_INTERNAL, "the audit rows of %zu records do not fit in memory", n);
    else
        rc = rows_exec(db, Q_AUDIT_ADD_MANY, "write the audit log",
                       ARGS(A_I64(en->at), A_I64(en->user_id), A_TEXT(en->actor),
                            A_TEXT(en->role), A_TEXT(en->action), A_TEXT(en->record),
                            A_TEXT(pairs.buf), A_TEXT(en->address),
                            A_TEXT(en->via ? en->via : "staff"),
                            A_TEXT(en->reason ? en->reason : "")),
                       NULL, e);
    sb_release(&pairs);
    return rc;
}

static const struct col audit_cols[] = {
    COL_I64(struct audit_entry, id),        COL_I64(struct audit_entry, at),
    COL_I64(struct audit_entry, user_id),   COL_TEXT(struct audit_entry, actor),
    COL_TEXT(struct audit_entry, role),     COL_TEXT(struct audit_entry, action),
    COL_TEXT(struct audit_entry, record),   COL_I64(struct audit_entry, record_id),
    COL_I64(struct audit_entry, client_id), COL_TEXT(struct audit_entry, address),
    COL_TEXT(struct audit_entry, via),      COL_TEXT(struct audit_entry, reason),
};

enum err_code db_audit_list(struct db *db, struct arena *a, const struct audit_filter *f,
                            struct audit_entry **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_AUDIT_LIST, "read the audit log",
                     ARGS(A_I64(f->before_id > 0 ? f->before_id : 0),
                          A_I64(f->client_id > 0 ? f->client_id : 0), A_TEXT(f->record),
                          A_I64(f->limit >= 1 && f->limit <= 500 ? f->limit : 100)),
                     COLS(audit_cols), sizeof **out, (void **)out, n, e);
}

struct times_since {
    int count;
    int64_t oldest;
};
static const struct col times_since_cols[] = {
    COL_INT(struct times_since, count),
    COL_I64(struct times_since, oldest),
};

enum err_code db_audit_count_since(struct db *db, int64_t user_id, const char *action,
                                   int64_t since, int *count, int64_t *oldest, struct err *e)
{
    struct times_since t = {0, 0};
    enum err_code rc = rows_one(db, NULL, Q_AUDIT_COUNT_SINCE, "read the audit log",
                                ARGS(A_I64(user_id), A_TEXT(action), A_I64(since)),
                                COLS(times_since_cols), &t, e);
    *count = t.count;
    *oldest = t.oldest;
    return rc;
}

/* ---- the health form ---- */

static const struct col intake_cols[] = {
    COL_I64(struct intake, id),
    COL_I64(struct intake, client_id),
    COL_INT(struct intake, version),
    COL_TEXT(struct intake, email),
    COL_TEXT(struct intake, phone),
    COL_TEXT(struct intake, birth_date),
    COL_TEXT(struct intake, emergency_name),
    COL_TEXT(struct intake, emergency_phone),
    COL_TEXT(struct intake, reason),
    COL_TEXT(struct intake, areas),
    COL_INT(struct intake, pain),
    COL_TEXT(struct intake, onset),
    COL_TEXT(struct intake, onset_other),
    COL_TEXT(struct intake, worse),
    COL_TEXT(struct intake, better),
    COL_TEXT(struct intake, treatments),
    COL_TEXT(struct intake, conditions),
    COL_TEXT(struct intake, conditions_other),
    COL_TEXT(struct intake, medications),
    COL_TEXT(struct intake, pressure),
    COL_TEXT(struct intake, consent_name),
    COL_I64(struct intake, consent_at),
    COL_I64(struct intake, updated_by),
    COL_I64(struct intake, created_at),
    COL_I64(struct intake, updated_at),
    COL_I64(struct intake, confirmed_at),
    COL_I64(struct intake, appointment_id),
};

enum err_code db_intake(struct db *db, struct arena *a, int64_t client_id, struct intake *out,
                        struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_INTAKE, "read health form", ARGS(A_I64(client_id)),
                                COLS(intake_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "This client has no health form on file yet.");
    return rc;
}

enum err_code db_intake_versions(struct db *db, struct arena *a, int64_t client_id,
                                 struct intake **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_INTAKE_VERSIONS, "read earlier health forms",
                     ARGS(A_I64(client_id)), COLS(intake_cols), sizeof **out, (void **)out, n, e);
}

struct stamp {
    int64_t updated_at, id;
};
static const struct col stamp_cols[] = {
    COL_I64(struct stamp, updated_at),
    COL_I64(struct stamp, id),
};

enum err_code db_intake_put(struct db *db, const struct intake *in, int64_t now, int64_t *id,
                            int *created, struct err *e)
{
    struct stamp cur = {0, 0};
    int64_t added = 0;
    int found = 0;
    enum err_code rc = rows_find(db, NULL, Q_INTAKE_STAMP, "read health form",
                                 ARGS(A_I64(in->client_id)), COLS(stamp_cols), &cur, &found, e);
    if (rc != E_OK)
        return rc;
    if (found && (rc = rows_exec(db, Q_INTAKE_ARCHIVE, "keep the earlier health form",
                                 ARGS(A_I64(in->client_id), A_I64(now)), NULL, e)) != E_OK)
        return rc;
    rc = rows_insert(
        db, found ? Q_INTAKE_UPDATE : Q_INTAKE_ADD, "save health form",
        ARGS(A_I64(in->client_id), A_TEXT(in->email), A_TEXT(in->phone), A_TEXT(in->birth_date),
             A_TEXT(in->emergency_name), A_TEXT(in->emergency_phone), A_TEXT(in->reason),
             A_TEXT(in->areas), A_I64(in->pain), A_TEXT(in->onset), A_TEXT(in->onset_other),
             A_TEXT(in->worse), A_TEXT(in->better), A_TEXT(in->treatments), A_TEXT(in->conditions),
             A_TEXT(in->conditions_other), A_TEXT(in->medications), A_TEXT(in->pressure),
             A_TEXT(in->consent_name), A_I64(in->consent_at), A_I64(in->updated_by), A_I64(now),
             A_I64(in->appointment_id)),
        &added, e);
    if (rc != E_OK)
        return rc;
    if (created)
        *created = !found;
    if (id)
        *id = found ? cur.id : added;
    return E_OK;
}

enum err_code db_intake_confirm(struct db *db, int64_t client_id, int64_t now, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_INTAKE_CONFIRM, "confirm health form",
                                 ARGS(A_I64(client_id), A_I64(now)), &changed, e);
    if (rc == E_OK && changed != 1)
        return err_set(e, E_NOTFOUND, "This client has no health form on file yet.");
    return rc;
}

/* ---- insurance checks ---- */

enum err_code db_insurance_add(struct db *db, const struct insurance_check *c, int64_t *id,
                               struct err *e)
{
    return rows_insert(db, Q_INSURANCE_ADD, "save insurance check",
                       ARGS(A_I64(c->client_id), A_TEXT(c->carrier), A_TEXT(c->member_id),
                            A_TEXT(c->group_number), A_TEXT(c->holder_name), A_TEXT(c->relation),
                            A_I64(c->requested_at), A_I64(c->appointment_id)),
                       id, e);
}

enum err_code db_insurance_update_request(struct db *db, int64_t id,
                                          const struct insurance_check *c, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc =
        rows_exec(db, Q_INSURANCE_UPDATE_REQUEST, "save insurance check",
                  ARGS(A_I64(id), A_TEXT(c->carrier), A_TEXT(c->member_id), A_TEXT(c->group_number),
                       A_TEXT(c->holder_name), A_TEXT(c->relation)),
                  &changed, e);
    if (rc == E_OK && changed != 1)
        return err_set(e, E_CONFLICT,
                       "The front desk has already checked these benefits; ask for a new check.");
    return rc;
}

enum err_code db_insurance_record(struct db *db, int64_t id, const struct insurance_check *c,
                                  struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(
        db, Q_INSURANCE_RECORD, "save insurance outcome",
        ARGS(A_I64(id), A_TEXT(c->outcome), A_I64(c->visits_per_year), A_I64(c->copay_cents),
             A_I64(c->deductible_cents), A_I64(c->referral_required), A_TEXT(c->notes),
             A_I64(c->verified_by), A_TEXT(c->verified_by_name), A_I64(c->verified_at)),
        &changed, e);
    if (rc == E_OK && changed != 1)
        return err_set(e, E_NOTFOUND, "There is no such insurance check.");
    return rc;
}

static const struct col insurance_cols[] = {
    COL_I64(struct insurance_check, id),
    COL_I64(struct insurance_check, client_id),
    COL_TEXT(struct insurance_check, carrier),
    COL_TEXT(struct insurance_check, member_id),
    COL_TEXT(struct insurance_check, group_number),
    COL_TEXT(struct insurance_check, holder_name),
    COL_TEXT(struct insurance_check, relation),
    COL_I64(struct insurance_check, requested_at),
    COL_TEXT(struct insurance_check, status),
    COL_TEXT(struct insurance_check, outcome),
    COL_INT(struct insurance_check, visits_per_year),
    COL_INT(struct insurance_check, copay_cents),
    COL_INT(struct insurance_check, deductible_cents),
    COL_INT(struct insurance_check, referral_required),
    COL_TEXT(struct insurance_check, notes),
    COL_I64(struct insurance_check, verified_by),
    COL_TEXT(struct insurance_check, verified_by_name),
    COL_I64(struct insurance_check, verified_at),
    COL_TEXT(struct insurance_check, client_name),
    COL_TEXT(struct insurance_check, client_email),
    COL_I64(struct insurance_check, appointment_id),
};

static enum err_code one_insurance(struct db *db, struct arena *a, enum q_id q, int64_t key,
                                   struct insurance_check *out, const char *none, struct err *e)
{
    enum err_code rc =
        rows_one(db, a, q, "read insurance check", ARGS(A_I64(key)), COLS(insurance_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "%s", none);
    return rc;
}

enum err_code db_insurance_get(struct db *db, struct arena *a, int64_t id,
                               struct insurance_check *out, struct err *e)
{
    return one_insurance(db, a, Q_INSURANCE_GET, id, out, "There is no such insurance check.", e);
}

enum err_code db_insurance_latest(struct db *db, struct arena *a, int64_t client_id,
                                  struct insurance_check *out, struct err *e)
{
    return one_insurance(db, a, Q_INSURANCE_LATEST, client_id, out,
                         "This client has not asked for an insurance check.", e);
}

enum err_code db_insurance_of_client(struct db *db, struct arena *a, int64_t client_id,
                                     struct insurance_check **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_INSURANCE_OF_CLIENT, "list insurance checks",
                     ARGS(A_I64(client_id)), COLS(insurance_cols), sizeof **out, (void **)out, n,
                     e);
}

enum err_code db_insurance_of_appointment(struct db *db, struct arena *a, int64_t appointment_id,
                                          struct insurance_check *out, struct err *e)
{
    return one_insurance(db, a, Q_INSURANCE_OF_APPT, appointment_id, out,
                         "No insurance check was asked for through this appointment.", e);
}

enum err_code db_insurance_pending(struct db *db, struct arena *a, int limit,
                                   struct insurance_check **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_INSURANCE_PENDING, "list insurance checks", ARGS(A_I64(limit)),
                     COLS(insurance_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_insurance_pending_count(struct db *db, int *n, struct err *e)
{
    int64_t v = 0;
    enum err_code rc =
        rows_i64_of(db, Q_INSURANCE_PENDING_COUNT, "count insurance checks", NOARGS, &v, e);
    *n = (int)v;
    return rc;
}

/* ---- referrals ---- */

static const struct col referral_cols[] = {
    COL_I64(struct referral, id),         COL_I64(struct referral, client_id),
    COL_TEXT(struct referral, physician), COL_TEXT(struct referral, practice),
    COL_TEXT(struct referral, phone),     COL_TEXT(struct referral, referred_on),
    COL_TEXT(struct referral, diagnosis), COL_TEXT(struct referral, icd10),
    COL_INT(struct referral, visits),     COL_TEXT(struct referral, valid_until),
    COL_I64(struct referral, created_at), COL_I64(struct referral, updated_at),
};

enum err_code db_referrals(struct db *db, struct arena *a, int64_t client_id, struct referral **out,
                           size_t *n, struct err *e)
{
    return rows_list(db, a, Q_REFERRALS, "list the client's referrals", ARGS(A_I64(client_id)),
                     COLS(referral_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_referral(struct db *db, struct arena *a, int64_t id, struct referral *out,
                          struct err *e)
{
    enum err_code rc =
        rows_one(db, a, Q_REFERRAL, "read referral", ARGS(A_I64(id)), COLS(referral_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "There is no referral %lld.", (long long)id);
    return rc;
}

enum err_code db_put_referral(struct db *db, const struct referral *ref, int64_t now, int64_t *id,
                              struct err *e)
{
    /* ?1 is the referral to change, or the client of a new one. */
    int64_t changed = 0, added = 0;
    const struct drv_arg args[] = {
        A_I64(ref->id ? ref->id : ref->client_id),
        A_TEXT(ref->physician),
        A_TEXT(ref->practice),
        A_TEXT(ref->phone),
        A_TEXT(ref->referred_on),
        A_TEXT(ref->diagnosis),
        A_TEXT(ref->icd10),
        A_I64(ref->visits),
        A_TEXT(ref->valid_until),
        A_I64(now),
    };
    size_t nargs = sizeof args / sizeof args[0];
    enum err_code rc =
        ref->id ? rows_exec(db, Q_UPDATE_REFERRAL, "save referral", args, nargs, &changed, e)
                : rows_insert(db, Q_ADD_REFERRAL, "save referral", args, nargs, &added, e);
    if (rc != E_OK)
        return rc;
    if (ref->id && changed != 1)
        return err_set(e, E_NOTFOUND, "There is no referral %lld.", (long long)ref->id);
    if (id)
        *id = ref->id ? ref->id : added;
    return E_OK;
}

/* ---- treatment notes and addenda ---- */

enum err_code db_treats(struct db *db, int64_t client_id, const char *therapist_id, int *yes,
                        struct err *e)
{
    int64_t v = 0;
    enum err_code rc = rows_i64_of(db, Q_TREATS, "read the treating relationship",
                                   ARGS(A_I64(client_id), A_TEXT(therapist_id)), &v, e);
    *yes = rc == E_OK && v;
    return rc;
}

static const struct col note_cols[] = {
    COL_I64(struct treatment_note, id),
    COL_I64(struct treatment_note, appointment_id),
    COL_TEXT(struct treatment_note, subjective),
    COL_TEXT(struct treatment_note, objective),
    COL_TEXT(struct treatment_note, assessment),
    COL_TEXT(struct treatment_note, plan),
    COL_TEXT(struct treatment_note, areas),
    COL_TEXT(struct treatment_note, techniques),
    COL_TEXT(struct treatment_note, pressure),
    COL_INT(struct treatment_note, rest),
    COL_INT(struct treatment_note, heat_cold),
    COL_TEXT(struct treatment_note, stretches),
    COL_TEXT(struct treatment_note, home_care),
    COL_TEXT(struct treatment_note, providers),
    COL_TEXT(struct treatment_note, provider_reason),
    COL_INT(struct treatment_note, next_weeks),
    COL_I64(struct treatment_note, author_id),
    COL_I64(struct treatment_note, created_at),
    COL_I64(struct treatment_note, updated_at),
    COL_TEXT(struct treatment_note, signed_by),
    COL_I64(struct treatment_note, signed_by_id),
    COL_I64(struct treatment_note, signed_at),
};

enum err_code db_note(struct db *db, struct arena *a, int64_t appointment_id,
                      struct treatment_note *out, struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_NOTE, "read treatment note", ARGS(A_I64(appointment_id)),
                                COLS(note_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "This appointment has no treatment note yet.");
    return rc;
}

enum err_code db_put_note(struct db *db, const struct treatment_note *n, int64_t now, int64_t *id,
                          struct err *e)
{
    /* put_note returns the note's id, or no row when the note is signed. */
    struct rows r;
    int64_t got = 0;
    int more;
    enum err_code rc = rows_open(
        &r, db, Q_PUT_NOTE, "save treatment note",
        ARGS(A_I64(n->appointment_id), A_TEXT(n->subjective), A_TEXT(n->objective),
             A_TEXT(n->assessment), A_TEXT(n->plan), A_TEXT(n->areas), A_TEXT(n->techniques),
             A_TEXT(n->pressure), A_I64(n->rest ? 1 : 0), A_I64(n->heat_cold ? 1 : 0),
             A_TEXT(n->stretches), A_TEXT(n->home_care), A_TEXT(n->providers),
             A_TEXT(n->provider_reason), A_I64(n->next_weeks), A_I64(n->author_id), A_I64(now)),
        e);
    if (rc != E_OK)
        return rc;
    /* to the end, so that the change is complete before the reset */
    while ((more = rows_next(&r, e)) == 1)
        got = rows_i64(&r, 0);
    if (more < 0)
        return rows_code(e);
    if (!got)
        return err_set(e, E_CONFLICT,
                       "This note is signed and can no longer change; add an addendum instead.");
    if (id)
        *id = got;
    return E_OK;
}

enum err_code db_sign_note(struct db *db, int64_t note_id, const char *signer, int64_t signer_id,
                           int64_t now, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc =
        rows_exec(db, Q_SIGN_NOTE, "sign treatment note",
                  ARGS(A_I64(note_id), A_TEXT(signer), A_I64(signer_id), A_I64(now)), &changed, e);
    if (rc == E_OK && changed != 1)
        return err_set(e, E_CONFLICT, "This note is signed already.");
    return rc;
}

enum err_code db_add_addendum(struct db *db, const struct note_addendum *ad, int64_t *id,
                              struct err *e)
{
    /* an unsigned note: the trigger refuses, E_CONFLICT in store.c's words */
    return rows_insert(db, Q_ADD_ADDENDUM, "add addendum",
                       ARGS(A_I64(ad->note_id), A_TEXT(ad->body), A_TEXT(ad->author),
                            A_I64(ad->author_id), A_I64(ad->created_at)),
                       id, e);
}

static const struct col addendum_cols[] = {
    COL_I64(struct note_addendum, id),        COL_I64(struct note_addendum, note_id),
    COL_TEXT(struct note_addendum, body),     COL_TEXT(struct note_addendum, author),
    COL_I64(struct note_addendum, author_id), COL_I64(struct note_addendum, created_at),
};

enum err_code db_note_addenda(struct db *db, struct arena *a, int64_t note_id,
                              struct note_addendum **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_NOTE_ADDENDA, "list addenda", ARGS(A_I64(note_id)),
                     COLS(addendum_cols), sizeof **out, (void **)out, n, e);
}
