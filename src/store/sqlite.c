/* sqlite — the store functions not yet moved to an area file (st_*.c).
 *
 * They still call SQLite directly, through the connection and prepared
 * statements of the SQLite driver (drv_sqlite.h); each area moves to rows.h
 * and its own st_*.c, written once for every driver, and this file goes
 * when the last one has.  No SQLite type leaves this file, and a failure
 * reaches the caller only in the store's words (sqlite_fail → drv_fail). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/drv_sqlite.h"
#include "store/rows.h"
#include "util/log.h"
#include "util/mem.h"

#define DB(x) ((struct sqlite_db *)(x))
#define fail(d, e, rc, what) sqlite_fail((d)->h, (e), (rc), (what))
#define stmt(d, id, e) sqlite_stmt((d), (id), (e))
#define grow rows_grow

static int bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static const char *col_text(struct arena *a, sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return arena_strdup(a, t ? (const char *)t : "");
}

/* Runs a statement that returns no rows. */
static enum err_code run(struct sqlite_db *d, sqlite3_stmt *s, struct err *e, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return fail(d, e, rc, what);
    return E_OK;
}

/* ---- reads ---- */

/* ---- writes ---- */

/* ---- accounts ---- */

static enum err_code count_since(struct sqlite_db *d, enum q_id q, const char *key,
                                 int64_t since, int *count, int64_t *oldest, struct err *e)
{
    sqlite3_stmt *s = stmt(d, q, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, key);
    sqlite3_bind_int64(s, 2, since);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int(s, 0);
        *oldest = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "count failed logins");
}

/* ---- booking ---- */

static void read_appointment(struct arena *a, sqlite3_stmt *s, struct appointment *o)
{
    o->id = sqlite3_column_int64(s, 0);
    o->service_id = col_text(a, s, 1);
    o->therapist_id = col_text(a, s, 2);
    o->room_id = sqlite3_column_int64(s, 3);
    o->client_id = sqlite3_column_int64(s, 4);
    o->start = sqlite3_column_int64(s, 5);
    o->end = sqlite3_column_int64(s, 6);
    o->busy_until = sqlite3_column_int64(s, 7);
    o->status = col_text(a, s, 8);
    o->notes = col_text(a, s, 9);
    o->source = col_text(a, s, 10);
    o->created_at = sqlite3_column_int64(s, 11);
    o->cancelled_at = sqlite3_column_int64(s, 12);
    o->cancel_late = sqlite3_column_int(s, 13);
    o->cancel_reason = col_text(a, s, 14);
    o->service_name = col_text(a, s, 15);
    o->therapist_name = col_text(a, s, 16);
    o->room_name = col_text(a, s, 17);
    o->client_name = col_text(a, s, 18);
    o->client_email = col_text(a, s, 19);
    o->client_phone = col_text(a, s, 20);
}

/* ---- front desk ---- */

/* The updated_at (and id, if id is not NULL) of the client's health form;
 * *found 0 when none. */
static enum err_code intake_stamp(struct sqlite_db *d, int64_t client_id, int *found,
                                  int64_t *at, int64_t *id, struct err *e)
{
    sqlite3_stmt *s = stmt(d, Q_INTAKE_STAMP, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, client_id);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        *at = sqlite3_column_int64(s, 0);
        if (id)
            *id = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? E_OK : fail(d, e, rc, "read health form");
}

/* ---- admin ---- */

/* ---- booking rules ---- */

/* ---- the audit log ---- */

enum err_code db_audit_add(struct db *db, const struct audit_entry *en, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_AUDIT_ADD, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, en->at);
    sqlite3_bind_int64(s, 2, en->user_id);
    bind_text(s, 3, en->actor);
    bind_text(s, 4, en->role);
    bind_text(s, 5, en->action);
    bind_text(s, 6, en->record);
    sqlite3_bind_int64(s, 7, en->record_id);
    sqlite3_bind_int64(s, 8, en->client_id);
    bind_text(s, 9, en->address);
    return run(d, s, e, "write the audit log");
}

enum err_code db_audit_list(struct db *db, struct arena *a, const struct audit_filter *f,
                                   struct audit_entry **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_AUDIT_LIST, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, f->before_id > 0 ? f->before_id : 0);
    sqlite3_bind_int64(s, 2, f->client_id > 0 ? f->client_id : 0);
    bind_text(s, 3, f->record);
    sqlite3_bind_int(s, 4, f->limit >= 1 && f->limit <= 500 ? f->limit : 100);
    struct audit_entry *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        struct audit_entry *en = &items[cnt++];
        en->id = sqlite3_column_int64(s, 0);
        en->at = sqlite3_column_int64(s, 1);
        en->user_id = sqlite3_column_int64(s, 2);
        en->actor = col_text(a, s, 3);
        en->role = col_text(a, s, 4);
        en->action = col_text(a, s, 5);
        en->record = col_text(a, s, 6);
        en->record_id = sqlite3_column_int64(s, 7);
        en->client_id = sqlite3_column_int64(s, 8);
        en->address = col_text(a, s, 9);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "read the audit log");
    *out = items;
    *n = cnt;
    return E_OK;
}

/* ---- the health form and insurance checks ---- */

static void read_intake(struct arena *a, sqlite3_stmt *s, struct intake *o)
{
    o->id = sqlite3_column_int64(s, 0);
    o->client_id = sqlite3_column_int64(s, 1);
    o->version = sqlite3_column_int(s, 2);
    o->email = col_text(a, s, 3);
    o->phone = col_text(a, s, 4);
    o->birth_date = col_text(a, s, 5);
    o->emergency_name = col_text(a, s, 6);
    o->emergency_phone = col_text(a, s, 7);
    o->reason = col_text(a, s, 8);
    o->areas = col_text(a, s, 9);
    o->pain = sqlite3_column_int(s, 10);
    o->onset = col_text(a, s, 11);
    o->onset_other = col_text(a, s, 12);
    o->worse = col_text(a, s, 13);
    o->better = col_text(a, s, 14);
    o->treatments = col_text(a, s, 15);
    o->conditions = col_text(a, s, 16);
    o->conditions_other = col_text(a, s, 17);
    o->medications = col_text(a, s, 18);
    o->pressure = col_text(a, s, 19);
    o->consent_name = col_text(a, s, 20);
    o->consent_at = sqlite3_column_int64(s, 21);
    o->updated_by = sqlite3_column_int64(s, 22);
    o->created_at = sqlite3_column_int64(s, 23);
    o->updated_at = sqlite3_column_int64(s, 24);
    o->confirmed_at = sqlite3_column_int64(s, 25);
}

enum err_code db_intake(struct db *db, struct arena *a, int64_t client_id,
                               struct intake *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_INTAKE, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, client_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_intake(a, s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "This client has no health form on file yet.");
    return fail(d, e, rc, "read health form");
}

enum err_code db_intake_put(struct db *db, const struct intake *in, int64_t now,
                                   int64_t *id, int *created, struct err *e)
{
    struct sqlite_db *d = DB(db);
    enum err_code rc;
    int found;
    int64_t at, cur = 0;
    sqlite3_stmt *s;
    if ((rc = intake_stamp(d, in->client_id, &found, &at, &cur, e)) != E_OK)
        return rc;
    if (found) {
        if (!(s = stmt(d, Q_INTAKE_ARCHIVE, e)))
            return E_INTERNAL;
        sqlite3_bind_int64(s, 1, in->client_id);
        sqlite3_bind_int64(s, 2, now);
        if ((rc = run(d, s, e, "keep the earlier health form")) != E_OK)
            return rc;
    }
    if (!(s = stmt(d, found ? Q_INTAKE_UPDATE : Q_INTAKE_ADD, e)))
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, in->client_id);
    bind_text(s, 2, in->email);
    bind_text(s, 3, in->phone);
    bind_text(s, 4, in->birth_date);
    bind_text(s, 5, in->emergency_name);
    bind_text(s, 6, in->emergency_phone);
    bind_text(s, 7, in->reason);
    bind_text(s, 8, in->areas);
    sqlite3_bind_int(s, 9, in->pain);
    bind_text(s, 10, in->onset);
    bind_text(s, 11, in->onset_other);
    bind_text(s, 12, in->worse);
    bind_text(s, 13, in->better);
    bind_text(s, 14, in->treatments);
    bind_text(s, 15, in->conditions);
    bind_text(s, 16, in->conditions_other);
    bind_text(s, 17, in->medications);
    bind_text(s, 18, in->pressure);
    bind_text(s, 19, in->consent_name);
    sqlite3_bind_int64(s, 20, in->consent_at);
    sqlite3_bind_int64(s, 21, in->updated_by);
    sqlite3_bind_int64(s, 22, now);
    if ((rc = run(d, s, e, "save health form")) != E_OK)
        return rc;
    if (created)
        *created = !found;
    if (id)
        *id = found ? cur : sqlite3_last_insert_rowid(d->h);
    return E_OK;
}

enum err_code db_intake_confirm(struct db *db, int64_t client_id, int64_t now,
                                       struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_INTAKE_CONFIRM, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, client_id);
    sqlite3_bind_int64(s, 2, now);
    enum err_code rc = run(d, s, e, "confirm health form");
    if (rc == E_OK && sqlite3_changes(d->h) != 1)
        return err_set(e, E_NOTFOUND, "This client has no health form on file yet.");
    return rc;
}

static void bind_request(sqlite3_stmt *s, const struct insurance_check *c)
{
    bind_text(s, 2, c->carrier);
    bind_text(s, 3, c->member_id);
    bind_text(s, 4, c->group_number);
    bind_text(s, 5, c->holder_name);
    bind_text(s, 6, c->relation);
}

enum err_code db_insurance_add(struct db *db, const struct insurance_check *c, int64_t *id,
                                      struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_INSURANCE_ADD, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, c->client_id);
    bind_request(s, c);
    sqlite3_bind_int64(s, 7, c->requested_at);
    if ((rc = run(d, s, e, "save insurance check")) == E_OK && id)
        *id = sqlite3_last_insert_rowid(d->h);
    return rc;
}

enum err_code db_insurance_update_request(struct db *db, int64_t id,
                                                 const struct insurance_check *c, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_INSURANCE_UPDATE_REQUEST, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    bind_request(s, c);
    enum err_code rc = run(d, s, e, "save insurance check");
    if (rc == E_OK && sqlite3_changes(d->h) != 1)
        return err_set(e, E_CONFLICT,
                       "The front desk has already checked these benefits; ask for a new check.");
    return rc;
}

enum err_code db_insurance_record(struct db *db, int64_t id, const struct insurance_check *c,
                                         struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_INSURANCE_RECORD, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    bind_text(s, 2, c->outcome);
    sqlite3_bind_int(s, 3, c->visits_per_year);
    sqlite3_bind_int(s, 4, c->copay_cents);
    sqlite3_bind_int(s, 5, c->deductible_cents);
    sqlite3_bind_int(s, 6, c->referral_required);
    bind_text(s, 7, c->notes);
    sqlite3_bind_int64(s, 8, c->verified_by);
    bind_text(s, 9, c->verified_by_name);
    sqlite3_bind_int64(s, 10, c->verified_at);
    enum err_code rc = run(d, s, e, "save insurance outcome");
    if (rc == E_OK && sqlite3_changes(d->h) != 1)
        return err_set(e, E_NOTFOUND, "There is no such insurance check.");
    return rc;
}

static void read_insurance(struct arena *a, sqlite3_stmt *s, struct insurance_check *o)
{
    o->id = sqlite3_column_int64(s, 0);
    o->client_id = sqlite3_column_int64(s, 1);
    o->carrier = col_text(a, s, 2);
    o->member_id = col_text(a, s, 3);
    o->group_number = col_text(a, s, 4);
    o->holder_name = col_text(a, s, 5);
    o->relation = col_text(a, s, 6);
    o->requested_at = sqlite3_column_int64(s, 7);
    o->status = col_text(a, s, 8);
    o->outcome = col_text(a, s, 9);
    o->visits_per_year = sqlite3_column_int(s, 10);
    o->copay_cents = sqlite3_column_int(s, 11);
    o->deductible_cents = sqlite3_column_int(s, 12);
    o->referral_required = sqlite3_column_int(s, 13);
    o->notes = col_text(a, s, 14);
    o->verified_by = sqlite3_column_int64(s, 15);
    o->verified_by_name = col_text(a, s, 16);
    o->verified_at = sqlite3_column_int64(s, 17);
    o->client_name = col_text(a, s, 18);
    o->client_email = col_text(a, s, 19);
}

static enum err_code one_insurance(struct sqlite_db *d, enum q_id id, int64_t key,
                                   struct arena *a, struct insurance_check *out, struct err *e,
                                   const char *none)
{
    sqlite3_stmt *s = stmt(d, id, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, key);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_insurance(a, s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "%s", none);
    return fail(d, e, rc, "read insurance check");
}

enum err_code db_insurance_get(struct db *db, struct arena *a, int64_t id,
                                      struct insurance_check *out, struct err *e)
{
    return one_insurance(DB(db), Q_INSURANCE_GET, id, a, out, e,
                         "There is no such insurance check.");
}

enum err_code db_insurance_latest(struct db *db, struct arena *a, int64_t client_id,
                                         struct insurance_check *out, struct err *e)
{
    return one_insurance(DB(db), Q_INSURANCE_LATEST, client_id, a, out, e,
                         "This client has not asked for an insurance check.");
}

enum err_code db_insurance_pending(struct db *db, struct arena *a, int limit,
                                          struct insurance_check **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_INSURANCE_PENDING, e);
    struct insurance_check *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int(s, 1, limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        read_insurance(a, s, &items[cnt++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list insurance checks");
    *out = items;
    *n = cnt;
    return E_OK;
}

enum err_code db_insurance_pending_count(struct db *db, int *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_INSURANCE_PENDING_COUNT, e);
    if (!s)
        return E_INTERNAL;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "count insurance checks");
}

/* ---- the clinical record: referrals and treatment notes ---- */

static void read_referral(struct arena *a, sqlite3_stmt *s, struct referral *o)
{
    o->id = sqlite3_column_int64(s, 0);
    o->client_id = sqlite3_column_int64(s, 1);
    o->physician = col_text(a, s, 2);
    o->practice = col_text(a, s, 3);
    o->phone = col_text(a, s, 4);
    o->referred_on = col_text(a, s, 5);
    o->diagnosis = col_text(a, s, 6);
    o->icd10 = col_text(a, s, 7);
    o->visits = sqlite3_column_int(s, 8);
    o->valid_until = col_text(a, s, 9);
    o->created_at = sqlite3_column_int64(s, 10);
    o->updated_at = sqlite3_column_int64(s, 11);
}

enum err_code db_referrals(struct db *db, struct arena *a, int64_t client_id,
                                  struct referral **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_REFERRALS, e);
    struct referral *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, client_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        read_referral(a, s, &items[cnt++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list the client's referrals");
    *out = items;
    *n = cnt;
    return E_OK;
}

enum err_code db_referral(struct db *db, struct arena *a, int64_t id,
                                 struct referral *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_REFERRAL, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_referral(a, s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "There is no referral %lld.", (long long)id);
    return fail(d, e, rc, "read referral");
}

enum err_code db_put_referral(struct db *db, const struct referral *ref, int64_t now,
                                     int64_t *id, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, ref->id ? Q_UPDATE_REFERRAL : Q_ADD_REFERRAL, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, ref->id ? ref->id : ref->client_id);
    bind_text(s, 2, ref->physician);
    bind_text(s, 3, ref->practice);
    bind_text(s, 4, ref->phone);
    bind_text(s, 5, ref->referred_on);
    bind_text(s, 6, ref->diagnosis);
    bind_text(s, 7, ref->icd10);
    sqlite3_bind_int(s, 8, ref->visits);
    bind_text(s, 9, ref->valid_until);
    sqlite3_bind_int64(s, 10, now);
    if ((rc = run(d, s, e, "save referral")) != E_OK)
        return rc;
    if (ref->id && sqlite3_changes(d->h) != 1)
        return err_set(e, E_NOTFOUND, "There is no referral %lld.", (long long)ref->id);
    if (id)
        *id = ref->id ? ref->id : sqlite3_last_insert_rowid(d->h);
    return E_OK;
}

static void read_note(struct arena *a, sqlite3_stmt *s, struct treatment_note *o)
{
    o->id = sqlite3_column_int64(s, 0);
    o->appointment_id = sqlite3_column_int64(s, 1);
    o->subjective = col_text(a, s, 2);
    o->objective = col_text(a, s, 3);
    o->assessment = col_text(a, s, 4);
    o->plan = col_text(a, s, 5);
    o->areas = col_text(a, s, 6);
    o->techniques = col_text(a, s, 7);
    o->pressure = col_text(a, s, 8);
    o->rest = sqlite3_column_int(s, 9);
    o->heat_cold = sqlite3_column_int(s, 10);
    o->stretches = col_text(a, s, 11);
    o->home_care = col_text(a, s, 12);
    o->providers = col_text(a, s, 13);
    o->provider_reason = col_text(a, s, 14);
    o->next_weeks = sqlite3_column_int(s, 15);
    o->author_id = sqlite3_column_int64(s, 16);
    o->created_at = sqlite3_column_int64(s, 17);
    o->updated_at = sqlite3_column_int64(s, 18);
    o->signed_by = col_text(a, s, 19);
    o->signed_by_id = sqlite3_column_int64(s, 20);
    o->signed_at = sqlite3_column_int64(s, 21);
}

enum err_code db_note(struct db *db, struct arena *a, int64_t appointment_id,
                             struct treatment_note *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_NOTE, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, appointment_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_note(a, s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "This appointment has no treatment note yet.");
    return fail(d, e, rc, "read treatment note");
}

enum err_code db_put_note(struct db *db, const struct treatment_note *n, int64_t now,
                                 int64_t *id, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_PUT_NOTE, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, n->appointment_id);
    bind_text(s, 2, n->subjective);
    bind_text(s, 3, n->objective);
    bind_text(s, 4, n->assessment);
    bind_text(s, 5, n->plan);
    bind_text(s, 6, n->areas);
    bind_text(s, 7, n->techniques);
    bind_text(s, 8, n->pressure);
    sqlite3_bind_int(s, 9, n->rest ? 1 : 0);
    sqlite3_bind_int(s, 10, n->heat_cold ? 1 : 0);
    bind_text(s, 11, n->stretches);
    bind_text(s, 12, n->home_care);
    bind_text(s, 13, n->providers);
    bind_text(s, 14, n->provider_reason);
    sqlite3_bind_int(s, 15, n->next_weeks);
    sqlite3_bind_int64(s, 16, n->author_id);
    sqlite3_bind_int64(s, 17, now);
    int rc = sqlite3_step(s);
    int64_t got = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(s); /* finish the statement so the change is complete */
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "save treatment note");
    if (!got)
        return err_set(e, E_CONFLICT,
                       "This note is signed and can no longer change; add an addendum instead.");
    if (id)
        *id = got;
    return E_OK;
}

enum err_code db_sign_note(struct db *db, int64_t note_id, const char *signer,
                                  int64_t signer_id, int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SIGN_NOTE, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, note_id);
    bind_text(s, 2, signer);
    sqlite3_bind_int64(s, 3, signer_id);
    sqlite3_bind_int64(s, 4, now);
    if ((rc = run(d, s, e, "sign treatment note")) != E_OK)
        return rc;
    if (sqlite3_changes(d->h) != 1)
        return err_set(e, E_CONFLICT, "This note is signed already.");
    return E_OK;
}

enum err_code db_add_addendum(struct db *db, const struct note_addendum *ad, int64_t *id,
                                     struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_ADD_ADDENDUM, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, ad->note_id);
    bind_text(s, 2, ad->body);
    bind_text(s, 3, ad->author);
    sqlite3_bind_int64(s, 4, ad->author_id);
    sqlite3_bind_int64(s, 5, ad->created_at);
    rc = run(d, s, e, "add addendum"); /* an unsigned note: E_CONFLICT (store.c's words) */
    if (rc == E_OK && id)
        *id = sqlite3_last_insert_rowid(d->h);
    return rc;
}

enum err_code db_note_addenda(struct db *db, struct arena *a, int64_t note_id,
                                     struct note_addendum **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_NOTE_ADDENDA, e);
    struct note_addendum *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, note_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        struct note_addendum *o = &items[cnt++];
        o->id = sqlite3_column_int64(s, 0);
        o->note_id = sqlite3_column_int64(s, 1);
        o->body = col_text(a, s, 2);
        o->author = col_text(a, s, 3);
        o->author_id = sqlite3_column_int64(s, 4);
        o->created_at = sqlite3_column_int64(s, 5);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list addenda");
    *out = items;
    *n = cnt;
    return E_OK;
}

/* ---- articles ---- */

/* ---- the outbox ---- */

/* ---- calendar feeds ---- */

/* ---- the client portal ---- */

enum err_code db_signin_request(struct db *db, const char *email, const char *address,
                                       int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SIGNIN_REQUEST, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, email);
    bind_text(s, 2, address);
    sqlite3_bind_int64(s, 3, now);
    return run(d, s, e, "record the sign-in link request");
}

enum err_code db_signin_requests(struct db *db, const char *email, const char *address,
                                        int64_t since, int *by_email, int64_t *oldest_email,
                                        int *by_address, int64_t *oldest_address, struct err *e)
{
    enum err_code rc = count_since(DB(db), Q_SIGNIN_REQUESTS_EMAIL, email, since, by_email,
                                   oldest_email, e);
    if (rc == E_OK)
        rc = count_since(DB(db), Q_SIGNIN_REQUESTS_ADDRESS, address, since, by_address,
                         oldest_address, e);
    return rc;
}

enum err_code db_signin_who(struct db *db, struct arena *a, const char *email,
                                   struct signin_who *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SIGNIN_WHO, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, email);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->user_id = sqlite3_column_int64(s, 0);
        out->role = col_text(a, s, 1);
        out->active = sqlite3_column_int(s, 2);
        out->name = col_text(a, s, 3);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "look up the e-mail address");
}

enum err_code db_signin_prune(struct db *db, int64_t before, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SIGNIN_PRUNE_REQUESTS, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, before);
    if ((rc = run(d, s, e, "forget old sign-in link requests")) != E_OK)
        return rc;
    if (!(s = stmt(d, Q_SIGNIN_PRUNE_LINKS, e)))
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, before);
    return run(d, s, e, "forget expired sign-in links");
}

enum err_code db_signin_add(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                   const char *email, int64_t now, int64_t expires_at,
                                   struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SIGNIN_ADD, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    bind_text(s, 2, email);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, expires_at);
    return run(d, s, e, "save the sign-in link");
}

enum err_code db_signin_get(struct db *db, struct arena *a,
                                   const unsigned char hash[STORE_TOKEN_HASH],
                                   struct signin_link *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SIGNIN_GET, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->email = col_text(a, s, 0);
        out->created_at = sqlite3_column_int64(s, 1);
        out->expires_at = sqlite3_column_int64(s, 2);
        out->used_at = sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "no such sign-in link");
    return fail(d, e, rc, "read the sign-in link");
}

enum err_code db_signin_use(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                   int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SIGNIN_USE, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, now);
    if ((rc = run(d, s, e, "use the sign-in link")) == E_OK && sqlite3_changes(d->h) != 1)
        rc = err_set(e, E_CONFLICT, "this sign-in link was used already or has expired");
    return rc;
}

enum err_code db_portal_link_clients(struct db *db, int64_t user_id, const char *email,
                                            int64_t now, int *linked, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_PORTAL_PROVE, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_int64(s, 2, now);
    if ((rc = run(d, s, e, "record the proven address")) != E_OK)
        return rc;
    if (!(s = stmt(d, Q_PORTAL_LINK, e)))
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, user_id);
    bind_text(s, 2, email);
    if ((rc = run(d, s, e, "link the client's bookings")) == E_OK && linked)
        *linked = sqlite3_changes(d->h);
    return rc;
}

enum err_code db_portal_appointments(struct db *db, struct arena *a, int64_t user_id,
                                            struct appointment **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_PORTAL_APPTS, e);
    struct appointment *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, user_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        read_appointment(a, s, &items[cnt++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list the client's appointments");
    *out = items;
    *n = cnt;
    return E_OK;
}

enum err_code db_portal_manage_link(struct db *db, int64_t appointment_id, int64_t user_id,
                                           const unsigned char hash[STORE_TOKEN_HASH],
                                           int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_PORTAL_MANAGE_LINK, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, appointment_id);
    sqlite3_bind_blob(s, 2, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, user_id);
    sqlite3_bind_int64(s, 4, now);
    return run(d, s, e, "save the manage link");
}

/* ---- reminders ---- */

/* ---- the waitlist ---- */

