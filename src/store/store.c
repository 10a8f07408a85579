/* store — dispatches the store interface to the backend chosen at open.
 * Holds no rules and no SQL. */
#include "store/store_impl.h"

enum err_code store_open(const char *path, int conns, struct store **out, struct err *e)
{
    if (!path || !*path)
        return err_set(e, E_INVALID, "database path is empty");
    return sqlite_store_open(path, conns, out, e);
}

void store_close(struct store *s)
{
    if (s)
        s->ops->close(s);
}

enum err_code store_migrate(struct store *s, int *applied, struct err *e)
{
    return s->ops->migrate(s, applied, e);
}

enum err_code store_version(struct store *s, int *version, struct err *e)
{
    return s->ops->version(s, version, e);
}

enum store_writes store_writes(struct store *s)
{
    return s->ops->writes(s);
}

enum err_code store_limit_size(struct store *s, int64_t max_bytes, struct err *e)
{
    return s->ops->limit_size(s, max_bytes, e);
}

struct db *db_acquire(struct store *s)
{
    return s->ops->acquire(s);
}

void db_release(struct db *db)
{
    if (db)
        db->ops->release(db);
}

#define FWD(name, params, args)                                                                \
    enum err_code db_##name params { return db->ops->name args; }

FWD(begin, (struct db * db, struct err *e), (db, e))
FWD(commit, (struct db * db, struct err *e), (db, e))
FWD(begin_nowait, (struct db * db, struct err *e), (db, e))
FWD(schema_version, (struct db * db, int *version, struct err *e), (db, version, e))
FWD(clinic_version, (struct db * db, int64_t *version, struct err *e), (db, version, e))
FWD(versions, (struct db * db, int64_t *clinic, int64_t *appointments, struct err *e),
    (db, clinic, appointments, e))
FWD(closed_dates, (struct db * db, struct arena *a, const char ***out, size_t *n, struct err *e),
    (db, a, out, n, e))
FWD(is_empty, (struct db * db, int *empty, struct err *e), (db, empty, e))
FWD(wipe, (struct db * db, struct err *e), (db, e))
FWD(services,
    (struct db * db, struct arena *a, int active_only, struct service **out, size_t *n,
     struct err *e),
    (db, a, active_only, out, n, e))
FWD(service, (struct db * db, struct arena *a, const char *id, struct service *out, struct err *e),
    (db, a, id, out, e))
FWD(therapists,
    (struct db * db, struct arena *a, int active_only, struct therapist **out, size_t *n,
     struct err *e),
    (db, a, active_only, out, n, e))
FWD(therapist,
    (struct db * db, struct arena *a, const char *id, struct therapist *out, struct err *e),
    (db, a, id, out, e))
FWD(therapist_week,
    (struct db * db, struct arena *a, const char *id, struct therapist_week *out, struct err *e),
    (db, a, id, out, e))
FWD(rooms, (struct db * db, struct arena *a, struct room **out, size_t *n, struct err *e),
    (db, a, out, n, e))
FWD(clinic_hours,
    (struct db * db, struct arena *a, struct week_span **out, size_t *n, struct err *e),
    (db, a, out, n, e))
FWD(put_service, (struct db * db, const struct service *s, struct err *e), (db, s, e))
FWD(put_therapist, (struct db * db, const struct therapist *t, struct err *e), (db, t, e))
FWD(add_room, (struct db * db, const struct room *r, int64_t *id, struct err *e), (db, r, id, e))
FWD(put_therapist_week,
    (struct db * db, const char *therapist_id, const struct therapist_week *w, struct err *e),
    (db, therapist_id, w, e))
FWD(put_clinic_hours, (struct db * db, const struct week_span *spans, size_t n, struct err *e),
    (db, spans, n, e))

FWD(add_user,
    (struct db * db, const struct user *u, const char *password_hash, int64_t now, int64_t *id,
     struct err *e),
    (db, u, password_hash, now, id, e))
FWD(user_by_email,
    (struct db * db, struct arena *a, const char *email, struct user *out,
     const char **password_hash, struct err *e),
    (db, a, email, out, password_hash, e))
FWD(set_password, (struct db * db, int64_t user_id, const char *password_hash, struct err *e),
    (db, user_id, password_hash, e))
FWD(add_session,
    (struct db * db, const unsigned char hash[STORE_TOKEN_HASH], int64_t user_id, int64_t now,
     struct err *e),
    (db, hash, user_id, now, e))
FWD(session,
    (struct db * db, struct arena *a, const unsigned char hash[STORE_TOKEN_HASH],
     struct user *out, int64_t *created, int64_t *seen, struct err *e),
    (db, a, hash, out, created, seen, e))
FWD(touch_session,
    (struct db * db, const unsigned char hash[STORE_TOKEN_HASH], int64_t now, struct err *e),
    (db, hash, now, e))
FWD(delete_session, (struct db * db, const unsigned char hash[STORE_TOKEN_HASH], struct err *e),
    (db, hash, e))
FWD(delete_user_sessions,
    (struct db * db, int64_t user_id, const unsigned char *keep, struct err *e),
    (db, user_id, keep, e))
FWD(add_login_failure,
    (struct db * db, const char *email, const char *address, int64_t now, struct err *e),
    (db, email, address, now, e))
FWD(login_failures,
    (struct db * db, const char *email, const char *address, int64_t since, int *by_pair,
     int64_t *newest_pair, int *by_address, int64_t *newest_address, struct err *e),
    (db, email, address, since, by_pair, newest_pair, by_address, newest_address, e))
FWD(clear_login_failures, (struct db * db, const char *email, const char *address, struct err *e),
    (db, email, address, e))
FWD(throttle_count,
    (struct db * db, const char *kind, const char *key, int64_t since, int *count,
     int64_t *oldest, struct err *e),
    (db, kind, key, since, count, oldest, e))
FWD(throttle_add, (struct db * db, const char *kind, const char *key, int64_t now, struct err *e),
    (db, kind, key, now, e))
FWD(busy,
    (struct db * db, struct arena *a, int64_t t0, int64_t t1, struct busy **out, size_t *n,
     struct err *e),
    (db, a, t0, t1, out, n, e))
FWD(time_off,
    (struct db * db, struct arena *a, int64_t t0, int64_t t1, struct time_off **out, size_t *n,
     struct err *e),
    (db, a, t0, t1, out, n, e))
FWD(delete_time_off, (struct db * db, int64_t id, const char *therapist_id, struct err *e),
    (db, id, therapist_id, e))
FWD(add_time_off, (struct db * db, const struct time_off *t, int64_t *id, struct err *e),
    (db, t, id, e))
FWD(add_closed_date, (struct db * db, const char *date, const char *reason, struct err *e),
    (db, date, reason, e))
FWD(client_for_booking,
    (struct db * db, const char *name, const char *email, const char *phone, int update_phone,
     int64_t now, int64_t *id, struct err *e),
    (db, name, email, phone, update_phone, now, id, e))
FWD(add_appointment,
    (struct db * db, const struct appointment *a, const unsigned char hash[STORE_TOKEN_HASH],
     int64_t *id, struct err *e),
    (db, a, hash, id, e))
FWD(appointments,
    (struct db * db, struct arena *a, int64_t t0, int64_t t1, struct appointment **out,
     size_t *n, struct err *e),
    (db, a, t0, t1, out, n, e))
FWD(appointment,
    (struct db * db, struct arena *a, int64_t id, struct appointment *out, struct err *e),
    (db, a, id, out, e))
FWD(appointment_by_token,
    (struct db * db, struct arena *a, const unsigned char hash[STORE_TOKEN_HASH],
     struct appointment *out, struct err *e),
    (db, a, hash, out, e))
FWD(cancel_appointment,
    (struct db * db, int64_t id, int64_t now, int late, const char *reason, struct err *e),
    (db, id, now, late, reason, e))
FWD(move_appointment,
    (struct db * db, int64_t id, const char *therapist_id, int64_t room_id, int64_t start,
     int64_t end, int64_t busy_until, struct err *e),
    (db, id, therapist_id, room_id, start, end, busy_until, e))
FWD(client_overlaps,
    (struct db * db, struct arena *a, int64_t t0, int64_t t1, int64_t exclude,
     struct client_booking **out, size_t *n, struct err *e),
    (db, a, t0, t1, exclude, out, n, e))
FWD(idem_get,
    (struct db * db, struct arena *a, const char *key, int64_t since, struct idem_entry *out,
     int *found, struct err *e),
    (db, a, key, since, out, found, e))
FWD(idem_add, (struct db * db, const struct idem_entry *en, int *added, struct err *e),
    (db, en, added, e))
FWD(purge_expired, (struct db * db, int64_t before, struct err *e), (db, before, e))
FWD(form_token_get,
    (struct db * db, struct arena *a, const unsigned char hash[STORE_TOKEN_HASH],
     int64_t *appt_id, const unsigned char **sealed, size_t *nsealed, int *found, struct err *e),
    (db, a, hash, appt_id, sealed, nsealed, found, e))
FWD(form_token_add,
    (struct db * db, const unsigned char hash[STORE_TOKEN_HASH], int64_t appt_id,
     const unsigned char *sealed, size_t nsealed, int64_t now, int *added, struct err *e),
    (db, hash, appt_id, sealed, nsealed, now, added, e))
/* front desk */
FWD(set_appointment_status,
    (struct db * db, int64_t id, const char *from, const char *to, int64_t now,
     const char *reason, struct err *e),
    (db, id, from, to, now, reason, e))
FWD(appt_event_add, (struct db * db, const struct appt_event *ev, struct err *e), (db, ev, e))
FWD(appt_events,
    (struct db * db, struct arena *a, int64_t id, struct appt_event **out, size_t *n,
     struct err *e),
    (db, a, id, out, n, e))
FWD(staff_notes, (struct db * db, struct arena *a, int64_t id, const char **out, struct err *e),
    (db, a, id, out, e))
FWD(set_staff_notes, (struct db * db, int64_t id, const char *notes, struct err *e),
    (db, id, notes, e))
FWD(clients,
    (struct db * db, struct arena *a, const char *q, int limit, struct client **out, size_t *n,
     struct err *e),
    (db, a, q, limit, out, n, e))
FWD(client, (struct db * db, struct arena *a, int64_t id, struct client *out, struct err *e),
    (db, a, id, out, e))
FWD(client_appointments,
    (struct db * db, struct arena *a, int64_t client_id, struct appointment **out, size_t *n,
     struct err *e),
    (db, a, client_id, out, n, e))
FWD(update_client, (struct db * db, const struct client *c, struct err *e), (db, c, e))
FWD(merge_clients, (struct db * db, int64_t keep, int64_t other, struct err *e),
    (db, keep, other, e))
/* admin */
FWD(closed_days, (struct db * db, struct arena *a, struct closed_day **out, size_t *n,
                  struct err *e), (db, a, out, n, e))
FWD(delete_closed_date, (struct db * db, const char *date, struct err *e), (db, date, e))
FWD(set_service_therapists,
    (struct db * db, const char *service_id, const char **therapist_ids, size_t n,
     struct err *e),
    (db, service_id, therapist_ids, n, e))
FWD(update_room, (struct db * db, const struct room *r, struct err *e), (db, r, e))
FWD(users, (struct db * db, struct arena *a, struct user **out, size_t *n, struct err *e),
    (db, a, out, n, e))
FWD(user, (struct db * db, struct arena *a, int64_t id, struct user *out, struct err *e),
    (db, a, id, out, e))
FWD(update_user, (struct db * db, const struct user *u, struct err *e), (db, u, e))
FWD(set_user_active, (struct db * db, int64_t id, int active, struct err *e), (db, id, active, e))
/* articles */
FWD(articles,
    (struct db * db, struct arena *a, int published_only, struct article_row **out, size_t *n,
     struct err *e),
    (db, a, published_only, out, n, e))
FWD(article,
    (struct db * db, struct arena *a, const char *slug, struct article_row *out, struct err *e),
    (db, a, slug, out, e))
FWD(put_article,
    (struct db * db, const char *old_slug, const struct article_row *art, struct err *e),
    (db, old_slug, art, e))
FWD(set_article_published,
    (struct db * db, const char *slug, int published, int64_t now, struct err *e),
    (db, slug, published, now, e))
/* booking rules */
FWD(rules_get, (struct db * db, struct clinic_rules *out, struct err *e), (db, out, e))
FWD(rules_put, (struct db * db, const struct clinic_rules *r, struct err *e), (db, r, e))
/* the audit log */
FWD(audit_add, (struct db * db, const struct audit_entry *en, struct err *e), (db, en, e))
FWD(audit_list,
    (struct db * db, struct arena *a, const struct audit_filter *f, struct audit_entry **out,
     size_t *n, struct err *e),
    (db, a, f, out, n, e))
/* the clinical record */
FWD(referrals,
    (struct db * db, struct arena *a, int64_t client_id, struct referral **out, size_t *n,
     struct err *e),
    (db, a, client_id, out, n, e))
FWD(referral, (struct db * db, struct arena *a, int64_t id, struct referral *out, struct err *e),
    (db, a, id, out, e))
FWD(put_referral,
    (struct db * db, const struct referral *ref, int64_t now, int64_t *id, struct err *e),
    (db, ref, now, id, e))
FWD(treats, (struct db * db, int64_t client_id, const char *therapist_id, int *yes, struct err *e),
    (db, client_id, therapist_id, yes, e))
FWD(note,
    (struct db * db, struct arena *a, int64_t appointment_id, struct treatment_note *out,
     struct err *e),
    (db, a, appointment_id, out, e))
FWD(put_note,
    (struct db * db, const struct treatment_note *n, int64_t now, int64_t *id, struct err *e),
    (db, n, now, id, e))
FWD(sign_note,
    (struct db * db, int64_t note_id, const char *signer, int64_t signer_id, int64_t now,
     struct err *e),
    (db, note_id, signer, signer_id, now, e))
FWD(add_addendum, (struct db * db, const struct note_addendum *ad, int64_t *id, struct err *e),
    (db, ad, id, e))
FWD(note_addenda,
    (struct db * db, struct arena *a, int64_t note_id, struct note_addendum **out, size_t *n,
     struct err *e),
    (db, a, note_id, out, n, e))
/* calendar feeds */
FWD(feed_put,
    (struct db * db, const char *therapist_id, const unsigned char hash[STORE_TOKEN_HASH],
     int64_t user_id, int64_t now, struct err *e),
    (db, therapist_id, hash, user_id, now, e))
FWD(feed,
    (struct db * db, struct arena *a, const char *therapist_id, struct calendar_feed *out,
     struct err *e),
    (db, a, therapist_id, out, e))
FWD(feed_by_token,
    (struct db * db, struct arena *a, const unsigned char hash[STORE_TOKEN_HASH],
     struct calendar_feed *out, struct err *e),
    (db, a, hash, out, e))
FWD(feed_appointments,
    (struct db * db, struct arena *a, const char *therapist_id, int64_t t0, int64_t t1,
     struct feed_appointment **out, size_t *n, struct err *e),
    (db, a, therapist_id, t0, t1, out, n, e))

void db_rollback(struct db *db)
{
    if (db)
        db->ops->rollback(db);
}

/* health form and insurance checks */
FWD(intake, (struct db * db, struct arena *a, int64_t client_id, struct intake *out, struct err *e),
    (db, a, client_id, out, e))
FWD(intake_put,
    (struct db * db, const struct intake *in, int64_t now, int64_t *id, int *created,
     struct err *e),
    (db, in, now, id, created, e))
FWD(intake_confirm, (struct db * db, int64_t client_id, int64_t now, struct err *e),
    (db, client_id, now, e))
FWD(insurance_add, (struct db * db, const struct insurance_check *c, int64_t *id, struct err *e),
    (db, c, id, e))
FWD(insurance_update_request,
    (struct db * db, int64_t id, const struct insurance_check *c, struct err *e), (db, id, c, e))
FWD(insurance_record, (struct db * db, int64_t id, const struct insurance_check *c, struct err *e),
    (db, id, c, e))
FWD(insurance_get,
    (struct db * db, struct arena *a, int64_t id, struct insurance_check *out, struct err *e),
    (db, a, id, out, e))
FWD(insurance_latest,
    (struct db * db, struct arena *a, int64_t client_id, struct insurance_check *out,
     struct err *e),
    (db, a, client_id, out, e))
FWD(insurance_of_appointment,
    (struct db * db, struct arena *a, int64_t appointment_id, struct insurance_check *out,
     struct err *e),
    (db, a, appointment_id, out, e))
FWD(insurance_pending,
    (struct db * db, struct arena *a, int limit, struct insurance_check **out, size_t *n,
     struct err *e),
    (db, a, limit, out, n, e))
FWD(insurance_pending_count, (struct db * db, int *n, struct err *e), (db, n, e))
/* the outbox */
FWD(outbox_add, (struct db * db, const struct outbox_msg *m, int *added, struct err *e),
    (db, m, added, e))
FWD(outbox_count,
    (struct db * db, int64_t appointment_id, const char *kind, int *n, struct err *e),
    (db, appointment_id, kind, n, e))
FWD(outbox_claim,
    (struct db * db, struct arena *a, int64_t now, int64_t lease_until, unsigned channels,
     struct outbox_msg *out, int *found, struct err *e),
    (db, a, now, lease_until, channels, out, found, e))
FWD(outbox_mark,
    (struct db * db, int64_t id, const char *status, int64_t next_attempt_at, int64_t at,
     const char *last_error, struct err *e),
    (db, id, status, next_attempt_at, at, last_error, e))
FWD(outbox_next_due, (struct db * db, unsigned channels, int64_t *at, int *found, struct err *e),
    (db, channels, at, found, e))
FWD(outbox_list,
    (struct db * db, struct arena *a, const char *status, int limit, struct outbox_msg **out,
     size_t *n, struct err *e),
    (db, a, status, limit, out, n, e))
FWD(outbox_retry, (struct db * db, int64_t id, int64_t now, struct err *e), (db, id, now, e))
FWD(outbox_purge, (struct db * db, int64_t before, int *deleted, struct err *e),
    (db, before, deleted, e))
FWD(signin_request,
    (struct db * db, const char *email, const char *address, int64_t now, struct err *e),
    (db, email, address, now, e))
FWD(signin_requests,
    (struct db * db, const char *email, const char *address, int64_t since, int *by_email,
     int64_t *oldest_email, int *by_address, int64_t *oldest_address, struct err *e),
    (db, email, address, since, by_email, oldest_email, by_address, oldest_address, e))
FWD(signin_who,
    (struct db * db, struct arena *a, const char *email, struct signin_who *out, struct err *e),
    (db, a, email, out, e))
FWD(signin_prune, (struct db * db, int64_t before, struct err *e), (db, before, e))
FWD(signin_add,
    (struct db * db, const unsigned char hash[STORE_TOKEN_HASH], const char *email, int64_t now,
     int64_t expires_at, struct err *e),
    (db, hash, email, now, expires_at, e))
FWD(signin_get,
    (struct db * db, struct arena *a, const unsigned char hash[STORE_TOKEN_HASH],
     struct signin_link *out, struct err *e),
    (db, a, hash, out, e))
FWD(signin_use, (struct db * db, const unsigned char hash[STORE_TOKEN_HASH], int64_t now,
                 struct err *e),
    (db, hash, now, e))
FWD(portal_link_clients,
    (struct db * db, int64_t user_id, const char *email, int64_t now, int *linked,
     struct err *e),
    (db, user_id, email, now, linked, e))
FWD(portal_owns_client,
    (struct db * db, int64_t user_id, int64_t client_id, int *yes, struct err *e),
    (db, user_id, client_id, yes, e))
FWD(portal_appointments,
    (struct db * db, struct arena *a, int64_t user_id, struct appointment **out, size_t *n,
     struct err *e),
    (db, a, user_id, out, n, e))
FWD(portal_manage_link,
    (struct db * db, int64_t appointment_id, int64_t user_id,
     const unsigned char hash[STORE_TOKEN_HASH], int64_t now, struct err *e),
    (db, appointment_id, user_id, hash, now, e))
/* reminders */
FWD(outbox_has, (struct db * db, const char *dedupe_key, int *exists, struct err *e),
    (db, dedupe_key, exists, e))
FWD(outbox_withdraw,
    (struct db * db, int64_t appointment_id, const char *kind, int *deleted, struct err *e),
    (db, appointment_id, kind, deleted, e))
FWD(remind_candidates,
    (struct db * db, struct arena *a, int64_t from, int64_t to, struct remind_appt **out,
     size_t *n, struct err *e),
    (db, a, from, to, out, n, e))
FWD(remind_from, (struct db * db, int64_t appointment_id, int64_t at, struct err *e),
    (db, appointment_id, at, e))
/* the waitlist */
FWD(waitlist_add,
    (struct db * db, const struct waitlist_entry *w, const unsigned char hash[STORE_TOKEN_HASH],
     int64_t *id, struct err *e),
    (db, w, hash, id, e))
FWD(waitlist_entry,
    (struct db * db, struct arena *a, const unsigned char hash[STORE_TOKEN_HASH],
     struct waitlist_entry *out, struct err *e),
    (db, a, hash, out, e))
FWD(waitlist_leave, (struct db * db, int64_t id, int64_t now, const char *reason, struct err *e),
    (db, id, now, reason, e))
FWD(waitlist_active,
    (struct db * db, struct arena *a, const char *service_id, struct waitlist_entry **out,
     size_t *n, struct err *e),
    (db, a, service_id, out, n, e))
FWD(waitlist_desk,
    (struct db * db, struct arena *a, const char *service_id, int64_t now, int limit,
     struct waitlist_desk_entry **out, size_t *n, struct err *e),
    (db, a, service_id, now, limit, out, n, e))
FWD(waitlist_active_count, (struct db * db, int *n, struct err *e), (db, n, e))
FWD(waitlist_entry_by_id,
    (struct db * db, struct arena *a, int64_t id, struct waitlist_entry *out, struct err *e),
    (db, a, id, out, e))
FWD(waitlist_offer_add,
    (struct db * db, const struct waitlist_offer *o, const unsigned char hash[STORE_TOKEN_HASH],
     int64_t *id, struct err *e),
    (db, o, hash, id, e))
FWD(waitlist_offer,
    (struct db * db, struct arena *a, const unsigned char hash[STORE_TOKEN_HASH],
     struct waitlist_offer *o, struct waitlist_entry *en, struct err *e),
    (db, a, hash, o, en, e))
FWD(waitlist_claim,
    (struct db * db, int64_t offer_id, int64_t appointment_id, int64_t now, struct err *e),
    (db, offer_id, appointment_id, now, e))
