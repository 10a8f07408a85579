/* store_impl — what a backend provides.  Only store.c and the backends
 * include this file. */
#ifndef KNEAD_STORE_IMPL_H
#define KNEAD_STORE_IMPL_H

#include "store/store.h"

struct store_ops {
    const char *name;
    void (*close)(struct store *s);
    enum err_code (*migrate)(struct store *s, int *applied, struct err *e);
    enum err_code (*version)(struct store *s, int *version, struct err *e);
    struct db *(*acquire)(struct store *s);
    void (*release)(struct db *db);
    enum err_code (*begin)(struct db *db, struct err *e);
    enum err_code (*commit)(struct db *db, struct err *e);
    enum err_code (*begin_nowait)(struct db *db, struct err *e);
    enum store_writes (*writes)(struct store *s);
    enum err_code (*limit_size)(struct store *s, int64_t max_bytes, struct err *e);
    void (*rollback)(struct db *db);
    enum err_code (*schema_version)(struct db *db, int *version, struct err *e);
    enum err_code (*clinic_version)(struct db *db, int64_t *version, struct err *e);
    enum err_code (*versions)(struct db *db, int64_t *clinic, int64_t *appointments,
                              struct err *e);
    enum err_code (*closed_dates)(struct db *db, struct arena *a, const char ***out, size_t *n,
                                  struct err *e);
    enum err_code (*is_empty)(struct db *db, int *empty, struct err *e);
    enum err_code (*wipe)(struct db *db, struct err *e);
    enum err_code (*services)(struct db *db, struct arena *a, int active_only,
                              struct service **out, size_t *n, struct err *e);
    enum err_code (*service)(struct db *db, struct arena *a, const char *id,
                             struct service *out, struct err *e);
    enum err_code (*therapists)(struct db *db, struct arena *a, int active_only,
                                struct therapist **out, size_t *n, struct err *e);
    enum err_code (*therapist)(struct db *db, struct arena *a, const char *id,
                               struct therapist *out, struct err *e);
    enum err_code (*therapist_week)(struct db *db, struct arena *a, const char *id,
                                    struct therapist_week *out, struct err *e);
    enum err_code (*rooms)(struct db *db, struct arena *a, struct room **out, size_t *n,
                           struct err *e);
    enum err_code (*clinic_hours)(struct db *db, struct arena *a, struct week_span **out,
                                  size_t *n, struct err *e);
    enum err_code (*put_service)(struct db *db, const struct service *s, struct err *e);
    enum err_code (*put_therapist)(struct db *db, const struct therapist *t, struct err *e);
    enum err_code (*add_room)(struct db *db, const struct room *r, int64_t *id, struct err *e);
    enum err_code (*put_therapist_week)(struct db *db, const char *therapist_id,
                                        const struct therapist_week *w, struct err *e);
    enum err_code (*put_clinic_hours)(struct db *db, const struct week_span *spans, size_t n,
                                      struct err *e);
    enum err_code (*add_user)(struct db *db, const struct user *u, const char *password_hash,
                              int64_t now, int64_t *id, struct err *e);
    enum err_code (*user_by_email)(struct db *db, struct arena *a, const char *email,
                                   struct user *out, const char **password_hash, struct err *e);
    enum err_code (*set_password)(struct db *db, int64_t user_id, const char *password_hash,
                                  struct err *e);
    enum err_code (*add_session)(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                 int64_t user_id, int64_t now, struct err *e);
    enum err_code (*session)(struct db *db, struct arena *a,
                             const unsigned char hash[STORE_TOKEN_HASH], struct user *out,
                             int64_t *created, int64_t *seen, struct err *e);
    enum err_code (*touch_session)(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                   int64_t now, struct err *e);
    enum err_code (*delete_session)(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                    struct err *e);
    enum err_code (*delete_user_sessions)(struct db *db, int64_t user_id,
                                          const unsigned char *keep, struct err *e);
    enum err_code (*add_login_failure)(struct db *db, const char *email, const char *address,
                                       int64_t now, struct err *e);
    enum err_code (*login_failures)(struct db *db, const char *email, const char *address,
                                    int64_t since, int *by_pair, int64_t *newest_pair,
                                    int *by_address, int64_t *newest_address, struct err *e);
    enum err_code (*clear_login_failures)(struct db *db, const char *email, const char *address,
                                          struct err *e);
    enum err_code (*throttle_count)(struct db *db, const char *kind, const char *key,
                                    int64_t since, int *count, int64_t *oldest, struct err *e);
    enum err_code (*throttle_add)(struct db *db, const char *kind, const char *key, int64_t now,
                                  struct err *e);
    enum err_code (*busy)(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                          struct busy **out, size_t *n, struct err *e);
    enum err_code (*time_off)(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                              struct time_off **out, size_t *n, struct err *e);
    enum err_code (*add_time_off)(struct db *db, const struct time_off *t, int64_t *id,
                                  struct err *e);
    enum err_code (*delete_time_off)(struct db *db, int64_t id, const char *therapist_id,
                                     struct err *e);
    enum err_code (*add_closed_date)(struct db *db, const char *date, const char *reason,
                                     struct err *e);
    enum err_code (*client_for_booking)(struct db *db, const char *name, const char *email,
                                        const char *phone, int update_phone, int64_t now,
                                        int64_t *id, struct err *e);
    enum err_code (*add_appointment)(struct db *db, const struct appointment *a,
                                     const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                                     struct err *e);
    enum err_code (*appointments)(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                                  struct appointment **out, size_t *n, struct err *e);
    enum err_code (*appointment)(struct db *db, struct arena *a, int64_t id,
                                 struct appointment *out, struct err *e);
    enum err_code (*appointment_by_token)(struct db *db, struct arena *a,
                                          const unsigned char hash[STORE_TOKEN_HASH],
                                          struct appointment *out, struct err *e);
    enum err_code (*cancel_appointment)(struct db *db, int64_t id, int64_t now, int late,
                                        const char *reason, struct err *e);
    enum err_code (*move_appointment)(struct db *db, int64_t id, const char *therapist_id,
                                      int64_t room_id, int64_t start, int64_t end,
                                      int64_t busy_until, struct err *e);
    enum err_code (*client_overlaps)(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                                     int64_t exclude, struct client_booking **out, size_t *n,
                                     struct err *e);
    enum err_code (*idem_get)(struct db *db, struct arena *a, const char *key, int64_t since,
                              struct idem_entry *out, int *found, struct err *e);
    enum err_code (*idem_add)(struct db *db, const struct idem_entry *en, int *added,
                              struct err *e);
    enum err_code (*purge_expired)(struct db *db, int64_t before, struct err *e);
    enum err_code (*form_token_get)(struct db *db, struct arena *a,
                                    const unsigned char hash[STORE_TOKEN_HASH], int64_t *appt_id,
                                    const unsigned char **sealed, size_t *nsealed, int *found,
                                    struct err *e);
    enum err_code (*form_token_add)(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                    int64_t appt_id, const unsigned char *sealed, size_t nsealed,
                                    int64_t now, int *added, struct err *e);
    /* front desk */
    enum err_code (*set_appointment_status)(struct db *db, int64_t id, const char *from,
                                            const char *to, int64_t now, const char *reason,
                                            struct err *e);
    enum err_code (*appt_event_add)(struct db *db, const struct appt_event *ev, struct err *e);
    enum err_code (*appt_events)(struct db *db, struct arena *a, int64_t id,
                                 struct appt_event **out, size_t *n, struct err *e);
    enum err_code (*staff_notes)(struct db *db, struct arena *a, int64_t id, const char **out,
                                 struct err *e);
    enum err_code (*set_staff_notes)(struct db *db, int64_t id, const char *notes,
                                     struct err *e);
    enum err_code (*clients)(struct db *db, struct arena *a, const char *q, int limit,
                             struct client **out, size_t *n, struct err *e);
    enum err_code (*client)(struct db *db, struct arena *a, int64_t id, struct client *out,
                            struct err *e);
    enum err_code (*client_appointments)(struct db *db, struct arena *a, int64_t client_id,
                                         struct appointment **out, size_t *n, struct err *e);
    enum err_code (*update_client)(struct db *db, const struct client *c, struct err *e);
    enum err_code (*merge_clients)(struct db *db, int64_t keep, int64_t other, struct err *e);
    /* admin */
    enum err_code (*closed_days)(struct db *db, struct arena *a, struct closed_day **out,
                                 size_t *n, struct err *e);
    enum err_code (*delete_closed_date)(struct db *db, const char *date, struct err *e);
    enum err_code (*set_service_therapists)(struct db *db, const char *service_id,
                                            const char **therapist_ids, size_t n, struct err *e);
    enum err_code (*update_room)(struct db *db, const struct room *r, struct err *e);
    enum err_code (*users)(struct db *db, struct arena *a, struct user **out, size_t *n,
                           struct err *e);
    enum err_code (*user)(struct db *db, struct arena *a, int64_t id, struct user *out,
                          struct err *e);
    enum err_code (*update_user)(struct db *db, const struct user *u, struct err *e);
    enum err_code (*set_user_active)(struct db *db, int64_t id, int active, struct err *e);
    /* articles */
    enum err_code (*articles)(struct db *db, struct arena *a, int published_only,
                              struct article_row **out, size_t *n, struct err *e);
    enum err_code (*article)(struct db *db, struct arena *a, const char *slug,
                             struct article_row *out, struct err *e);
    enum err_code (*put_article)(struct db *db, const char *old_slug,
                                 const struct article_row *art, struct err *e);
    enum err_code (*set_article_published)(struct db *db, const char *slug, int published,
                                           int64_t now, struct err *e);
    /* booking rules */
    enum err_code (*rules_get)(struct db *db, struct clinic_rules *out, struct err *e);
    enum err_code (*rules_put)(struct db *db, const struct clinic_rules *r, struct err *e);
    enum err_code (*audit_add)(struct db *db, const struct audit_entry *en, struct err *e);
    enum err_code (*audit_list)(struct db *db, struct arena *a, const struct audit_filter *f,
                                struct audit_entry **out, size_t *n, struct err *e);
    /* health form and insurance checks */
    enum err_code (*intake)(struct db *db, struct arena *a, int64_t client_id, struct intake *out,
                            struct err *e);
    enum err_code (*intake_put)(struct db *db, const struct intake *in, int64_t now, int64_t *id,
                                int *created, struct err *e);
    enum err_code (*intake_confirm)(struct db *db, int64_t client_id, int64_t now, struct err *e);
    enum err_code (*insurance_add)(struct db *db, const struct insurance_check *c, int64_t *id,
                                   struct err *e);
    enum err_code (*insurance_update_request)(struct db *db, int64_t id,
                                              const struct insurance_check *c, struct err *e);
    enum err_code (*insurance_record)(struct db *db, int64_t id, const struct insurance_check *c,
                                      struct err *e);
    enum err_code (*insurance_get)(struct db *db, struct arena *a, int64_t id,
                                   struct insurance_check *out, struct err *e);
    enum err_code (*insurance_latest)(struct db *db, struct arena *a, int64_t client_id,
                                      struct insurance_check *out, struct err *e);
    enum err_code (*insurance_of_appointment)(struct db *db, struct arena *a,
                                              int64_t appointment_id,
                                              struct insurance_check *out, struct err *e);
    enum err_code (*insurance_pending)(struct db *db, struct arena *a, int limit,
                                       struct insurance_check **out, size_t *n, struct err *e);
    enum err_code (*insurance_pending_count)(struct db *db, int *n, struct err *e);
    /* the clinical record: referrals and treatment notes */
    enum err_code (*referrals)(struct db *db, struct arena *a, int64_t client_id,
                               struct referral **out, size_t *n, struct err *e);
    enum err_code (*referral)(struct db *db, struct arena *a, int64_t id, struct referral *out,
                              struct err *e);
    enum err_code (*put_referral)(struct db *db, const struct referral *ref, int64_t now,
                                  int64_t *id, struct err *e);
    enum err_code (*treats)(struct db *db, int64_t client_id, const char *therapist_id,
                            int *yes, struct err *e);
    enum err_code (*note)(struct db *db, struct arena *a, int64_t appointment_id,
                          struct treatment_note *out, struct err *e);
    enum err_code (*put_note)(struct db *db, const struct treatment_note *n, int64_t now,
                              int64_t *id, struct err *e);
    enum err_code (*sign_note)(struct db *db, int64_t note_id, const char *signer,
                               int64_t signer_id, int64_t now, struct err *e);
    enum err_code (*add_addendum)(struct db *db, const struct note_addendum *ad, int64_t *id,
                                  struct err *e);
    enum err_code (*note_addenda)(struct db *db, struct arena *a, int64_t note_id,
                                  struct note_addendum **out, size_t *n, struct err *e);
    /* the outbox */
    enum err_code (*outbox_add)(struct db *db, const struct outbox_msg *m, int *added,
                                struct err *e);
    enum err_code (*outbox_count)(struct db *db, int64_t appointment_id, const char *kind,
                                  int *n, struct err *e);
    enum err_code (*outbox_claim)(struct db *db, struct arena *a, int64_t now,
                                  int64_t lease_until, unsigned channels,
                                  struct outbox_msg *out, int *found, struct err *e);
    enum err_code (*outbox_mark)(struct db *db, int64_t id, const char *status,
                                 int64_t next_attempt_at, int64_t at, const char *last_error,
                                 struct err *e);
    enum err_code (*outbox_next_due)(struct db *db, unsigned channels, int64_t *at, int *found,
                                     struct err *e);
    enum err_code (*outbox_list)(struct db *db, struct arena *a, const char *status, int limit,
                                 struct outbox_msg **out, size_t *n, struct err *e);
    enum err_code (*outbox_retry)(struct db *db, int64_t id, int64_t now, struct err *e);
    enum err_code (*outbox_purge)(struct db *db, int64_t before, int *deleted, struct err *e);
    /* calendar feeds */
    enum err_code (*feed_put)(struct db *db, const char *therapist_id,
                              const unsigned char hash[STORE_TOKEN_HASH], int64_t user_id,
                              int64_t now, struct err *e);
    enum err_code (*feed)(struct db *db, struct arena *a, const char *therapist_id,
                          struct calendar_feed *out, struct err *e);
    enum err_code (*feed_by_token)(struct db *db, struct arena *a,
                                   const unsigned char hash[STORE_TOKEN_HASH],
                                   struct calendar_feed *out, struct err *e);
    enum err_code (*feed_appointments)(struct db *db, struct arena *a, const char *therapist_id,
                                       int64_t t0, int64_t t1, struct feed_appointment **out,
                                       size_t *n, struct err *e);
    /* the client portal */
    enum err_code (*signin_request)(struct db *db, const char *email, const char *address,
                                    int64_t now, struct err *e);
    enum err_code (*signin_requests)(struct db *db, const char *email, const char *address,
                                     int64_t since, int *by_email, int64_t *oldest_email,
                                     int *by_address, int64_t *oldest_address, struct err *e);
    enum err_code (*signin_who)(struct db *db, struct arena *a, const char *email,
                                struct signin_who *out, struct err *e);
    enum err_code (*signin_prune)(struct db *db, int64_t before, struct err *e);
    enum err_code (*signin_add)(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                const char *email, int64_t now, int64_t expires_at,
                                struct err *e);
    enum err_code (*signin_get)(struct db *db, struct arena *a,
                                const unsigned char hash[STORE_TOKEN_HASH],
                                struct signin_link *out, struct err *e);
    enum err_code (*signin_use)(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                int64_t now, struct err *e);
    enum err_code (*portal_link_clients)(struct db *db, int64_t user_id, const char *email,
                                         int64_t now, int *linked, struct err *e);
    enum err_code (*portal_appointments)(struct db *db, struct arena *a, int64_t user_id,
                                         struct appointment **out, size_t *n, struct err *e);
    enum err_code (*portal_owns_client)(struct db *db, int64_t user_id, int64_t client_id,
                                        int *yes, struct err *e);
    enum err_code (*portal_manage_link)(struct db *db, int64_t appointment_id, int64_t user_id,
                                        const unsigned char hash[STORE_TOKEN_HASH], int64_t now,
                                        struct err *e);
    /* reminders */
    enum err_code (*outbox_has)(struct db *db, const char *dedupe_key, int *exists,
                                struct err *e);
    enum err_code (*outbox_withdraw)(struct db *db, int64_t appointment_id, const char *kind,
                                     int *deleted, struct err *e);
    enum err_code (*remind_candidates)(struct db *db, struct arena *a, int64_t from, int64_t to,
                                       struct remind_appt **out, size_t *n, struct err *e);
    enum err_code (*remind_from)(struct db *db, int64_t appointment_id, int64_t at,
                                 struct err *e);
    /* the waitlist */
    enum err_code (*waitlist_add)(struct db *db, const struct waitlist_entry *w,
                                  const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                                  struct err *e);
    enum err_code (*waitlist_entry)(struct db *db, struct arena *a,
                                    const unsigned char hash[STORE_TOKEN_HASH],
                                    struct waitlist_entry *out, struct err *e);
    enum err_code (*waitlist_leave)(struct db *db, int64_t id, int64_t now, const char *reason,
                                    struct err *e);
    enum err_code (*waitlist_active)(struct db *db, struct arena *a, const char *service_id,
                                     struct waitlist_entry **out, size_t *n, struct err *e);
    enum err_code (*waitlist_desk)(struct db *db, struct arena *a, const char *service_id,
                                   int64_t now, int limit, struct waitlist_desk_entry **out,
                                   size_t *n, struct err *e);
    enum err_code (*waitlist_active_count)(struct db *db, int *n, struct err *e);
    enum err_code (*waitlist_entry_by_id)(struct db *db, struct arena *a, int64_t id,
                                          struct waitlist_entry *out, struct err *e);
    enum err_code (*waitlist_offer_add)(struct db *db, const struct waitlist_offer *o,
                                        const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                                        struct err *e);
    enum err_code (*waitlist_offer)(struct db *db, struct arena *a,
                                    const unsigned char hash[STORE_TOKEN_HASH],
                                    struct waitlist_offer *o, struct waitlist_entry *en,
                                    struct err *e);
    enum err_code (*waitlist_claim)(struct db *db, int64_t offer_id, int64_t appointment_id,
                                    int64_t now, struct err *e);
};

/* Every backend's store and db structs start with their ops pointer. */
struct store {
    const struct store_ops *ops;
};
struct db {
    const struct store_ops *ops;
};

enum err_code sqlite_store_open(const char *path, int conns, struct store **out, struct err *e);

#endif
