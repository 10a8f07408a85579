/* sqlite — the SQLite backend of the store interface.
 *
 * A pool of connections (one per server thread is enough; a request holds
 * one for its life).  Each connection prepares its statements once, on first
 * use, and reuses them.  WAL journal, foreign keys on, a busy timeout, and
 * BEGIN IMMEDIATE for writes so that a writer never fails half-way on a lock
 * upgrade.  No SQLite type leaves this file. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/migration.h"
#include "store/store_impl.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

#define BUSY_TIMEOUT_MS 5000

enum stmt_id {
    Q_VERSION,
    Q_CLINIC_VERSION,
    Q_VERSIONS,
    Q_CLOSED_DATES,
    Q_IS_EMPTY,
    Q_SERVICES,
    Q_SERVICE,
    Q_THERAPISTS,
    Q_THERAPIST,
    Q_THERAPIST_SERVICES,
    Q_ALL_THERAPIST_SERVICES,
    Q_THERAPIST_HOURS,
    Q_ROOMS,
    Q_ROOM_SERVICES,
    Q_CLINIC_HOURS,
    Q_PUT_SERVICE,
    Q_PUT_THERAPIST,
    Q_DEL_THERAPIST_SERVICES,
    Q_ADD_THERAPIST_SERVICE,
    Q_ADD_ROOM,
    Q_ADD_ROOM_SERVICE,
    Q_DEL_THERAPIST_HOURS,
    Q_ADD_THERAPIST_HOURS,
    Q_DEL_CLINIC_HOURS,
    Q_ADD_CLINIC_HOURS,
    Q_ADD_USER,
    Q_USER_BY_EMAIL,
    Q_SET_PASSWORD,
    Q_ADD_SESSION,
    Q_SESSION,
    Q_TOUCH_SESSION,
    Q_DEL_SESSION,
    Q_DEL_USER_SESSIONS,
    Q_ADD_LOGIN_FAILURE,
    Q_LOGIN_FAILURES_PAIR,
    Q_LOGIN_FAILURES_ADDRESS,
    Q_CLEAR_LOGIN_FAILURES,
    Q_THROTTLE_COUNT,
    Q_THROTTLE_ADD,
    Q_THROTTLE_PURGE,
    Q_BUSY,
    Q_TIME_OFF,
    Q_ADD_TIME_OFF,
    Q_DEL_TIME_OFF,
    Q_ADD_CLOSED_DATE,
    Q_FIND_CLIENT,
    Q_ADD_CLIENT,
    Q_SET_CLIENT_PHONE,
    Q_ADD_APPT,
    Q_APPT,
    Q_APPTS,
    Q_APPT_BY_TOKEN,
    Q_CANCEL_APPT,
    Q_MOVE_APPT,
    Q_CLIENT_OVERLAPS,
    Q_IDEM_GET,
    Q_IDEM_ADD,
    Q_PURGE_IDEM,
    Q_PURGE_FORM_TOKENS,
    Q_FORM_TOKEN_GET,
    Q_FORM_TOKEN_ADD,
    /* front desk */
    Q_DESK_SET_STATUS,
    Q_APPT_EVENT_ADD,
    Q_APPT_EVENTS,
    Q_DESK_STAFF_NOTES,
    Q_DESK_SET_STAFF_NOTES,
    Q_DESK_CLIENTS,
    Q_DESK_CLIENT,
    Q_DESK_CLIENT_APPTS,
    Q_DESK_UPDATE_CLIENT,
    Q_DESK_MOVE_CLIENT_APPTS,
    Q_DESK_DEL_CLIENT,
    /* admin */
    Q_CLOSED_DAYS,
    Q_DEL_CLOSED_DATE,
    Q_DEL_SERVICE_THERAPISTS,
    Q_UPDATE_ROOM,
    Q_DEL_ROOM_SERVICES,
    Q_USERS,
    Q_USER,
    Q_SET_USER_ACTIVE,
    Q_UPDATE_USER,
    /* articles */
    Q_ARTICLES,
    Q_ARTICLES_PUBLISHED,
    Q_ARTICLE,
    Q_ADD_ARTICLE,
    Q_UPDATE_ARTICLE,
    Q_SET_ARTICLE_PUBLISHED,
    /* booking rules */
    Q_RULES_GET,
    Q_RULES_PUT,
    /* the audit log */
    Q_AUDIT_ADD,
    Q_AUDIT_LIST,
    /* health form and insurance checks */
    Q_INTAKE,
    Q_INTAKE_ARCHIVE,
    Q_INTAKE_ADD,
    Q_INTAKE_UPDATE,
    Q_INTAKE_CONFIRM,
    Q_INTAKE_STAMP,
    Q_INTAKE_MOVE_HISTORY,
    Q_INTAKE_DELETE,
    Q_INTAKE_MOVE,
    Q_INSURANCE_ADD,
    Q_INSURANCE_UPDATE_REQUEST,
    Q_INSURANCE_RECORD,
    Q_INSURANCE_GET,
    Q_INSURANCE_LATEST,
    Q_INSURANCE_OF_APPT,
    Q_INSURANCE_PENDING,
    Q_INSURANCE_PENDING_COUNT,
    Q_INSURANCE_MOVE,
    /* the clinical record */
    Q_MERGE_REFERRALS,
    Q_REFERRALS,
    Q_REFERRAL,
    Q_ADD_REFERRAL,
    Q_UPDATE_REFERRAL,
    Q_NOTE,
    Q_PUT_NOTE,
    Q_SIGN_NOTE,
    Q_ADD_ADDENDUM,
    Q_NOTE_ADDENDA,
    Q_TREATS,
    /* the outbox */
    Q_OUTBOX_ADD,
    Q_OUTBOX_COUNT,
    Q_OUTBOX_DUE,
    Q_OUTBOX_CLAIM,
    Q_OUTBOX_MARK,
    Q_OUTBOX_NEXT_DUE,
    Q_OUTBOX_LIST,
    Q_OUTBOX_STATUS,
    Q_OUTBOX_RETRY,
    Q_OUTBOX_PURGE,
    /* calendar feeds */
    Q_FEED_PUT,
    Q_FEED,
    Q_FEED_BY_TOKEN,
    Q_FEED_APPTS,
    /* the client portal */
    Q_SIGNIN_REQUEST,
    Q_SIGNIN_REQUESTS_EMAIL,
    Q_SIGNIN_REQUESTS_ADDRESS,
    Q_SIGNIN_WHO,
    Q_SIGNIN_PRUNE_REQUESTS,
    Q_SIGNIN_PRUNE_LINKS,
    Q_SIGNIN_ADD,
    Q_SIGNIN_GET,
    Q_SIGNIN_USE,
    Q_PORTAL_PROVE,
    Q_PORTAL_LINK,
    Q_PORTAL_APPTS,
    Q_PORTAL_OWNS,
    Q_PORTAL_MANAGE_LINK,
    /* reminders */
    Q_OUTBOX_HAS,
    Q_OUTBOX_WITHDRAW,
    Q_REMIND_CANDIDATES,
    Q_REMIND_FROM,
    Q_WL_ADD,
    Q_WL_ENTRY_BY_HASH,
    Q_WL_ENTRY_BY_ID,
    Q_WL_LEAVE,
    Q_WL_ACTIVE,
    Q_WL_DESK,
    Q_WL_ACTIVE_COUNT,
    Q_WL_OFFER_ADD,
    Q_WL_OFFER_BY_HASH,
    Q_WL_OFFER_CLAIM,
    Q_WL_ENTRY_BOOKED,
    Q_WL_OFFERS_TAKEN,
    Q__COUNT
};

#define SERVICE_COLS                                                                           \
    "id, name, description, duration_min, buffer_min, price_cents, active, position,"          \
    " coalesce(min_notice_minutes, -1), coalesce(horizon_days, -1),"                           \
    " coalesce(late_cancel_hours, -1)"
#define APPT_COLS                                                                              \
    "a.id, a.service_id, a.therapist_id, a.room_id, a.client_id, a.start_at, a.end_at,"        \
    " a.busy_until, a.status, a.notes, a.source, a.created_at, coalesce(a.cancelled_at, 0),"   \
    " a.cancel_late, a.cancel_reason, s.name, t.name, r.name, c.name, c.email, c.phone,"       \
    " a.contact_phone"                                                                         \
    " FROM appointments a JOIN services s ON s.id = a.service_id"                              \
    " JOIN therapists t ON t.id = a.therapist_id JOIN rooms r ON r.id = a.room_id"             \
    " JOIN clients c ON c.id = a.client_id"

#define REFERRAL_COLS                                                                          \
    "id, client_id, physician, practice, phone, referred_on, diagnosis, icd10, visits,"        \
    " valid_until, created_at, updated_at"
#define NOTE_COLS                                                                              \
    "id, appointment_id, subjective, objective, assessment, plan, areas, techniques,"          \
    " pressure, rest, heat_cold, stretches, home_care, providers, provider_reason,"            \
    " next_weeks, author_id, created_at, updated_at, coalesce(signed_by, ''),"                 \
    " coalesce(signed_by_id, 0), coalesce(signed_at, 0)"
#define FEED_COLS                                                                              \
    "coalesce(f.therapist_id, ''), coalesce(t.name, ''), u.name, f.created_at"                  \
    " FROM calendar_feeds f JOIN users u ON u.id = f.created_by AND u.active = 1"               \
    " LEFT JOIN therapists t ON t.id = f.therapist_id"                                         \
    " WHERE (f.therapist_id IS NULL AND u.role IN ('desk', 'admin')"                          \
    " OR (t.active = 1 AND u.therapist_id = f.therapist_id))"

#define ARTICLE_COLS                                                                           \
    "slug, title, summary, image, image_alt, body_md, body_html, position, published,"         \
    " updated_at"

#define INTAKE_COLS_NOID                                                                       \
    "client_id, version, email, phone, birth_date, emergency_name, emergency_phone, reason,"   \
    " areas, pain, onset, onset_other, worse, better, treatments, conditions,"                 \
    " conditions_other, medications, pressure, consent_name, consent_at, updated_by,"          \
    " created_at, updated_at, confirmed_at, appointment_id"
#define INTAKE_COLS "id, " INTAKE_COLS_NOID
#define INSURANCE_COLS                                                                         \
    "i.id, i.client_id, i.carrier, i.member_id, i.group_number, i.holder_name,"                \
    " i.holder_relation, i.requested_at, i.status, i.outcome, i.visits_per_year,"              \
    " i.copay_cents, i.deductible_cents, i.referral_required, i.notes, i.verified_by,"         \
    " i.verified_by_name, i.verified_at, c.name, c.email, i.appointment_id"                   \
    " FROM insurance_checks i JOIN clients c ON c.id = i.client_id"

static const char *const sql_text[Q__COUNT] = {
    [Q_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_version",
    [Q_CLINIC_VERSION] = "SELECT version FROM clinic_version WHERE id = 1",
    [Q_VERSIONS] = "SELECT c.version, a.version FROM clinic_version c, appointments_version a"
                   " WHERE c.id = 1 AND a.id = 1",
    [Q_CLOSED_DATES] = "SELECT date FROM closed_dates ORDER BY date",
    [Q_IS_EMPTY] = "SELECT (SELECT count(*) FROM services) + (SELECT count(*) FROM therapists)"
                   " + (SELECT count(*) FROM rooms) + (SELECT count(*) FROM appointments)"
                   " + (SELECT count(*) FROM users)",
    [Q_SERVICES] = "SELECT " SERVICE_COLS " FROM services WHERE active >= ?1"
                   " ORDER BY position, name",
    [Q_SERVICE] = "SELECT " SERVICE_COLS " FROM services WHERE id = ?1",
    [Q_THERAPISTS] = "SELECT id, name, title, bio, photo, photo_alt, active, position"
                     " FROM therapists WHERE active >= ?1 ORDER BY position, name",
    [Q_THERAPIST] = "SELECT id, name, title, bio, photo, photo_alt, active, position"
                    " FROM therapists WHERE id = ?1",
    [Q_THERAPIST_SERVICES] = "SELECT ts.service_id FROM therapist_services ts"
                             " JOIN services s ON s.id = ts.service_id"
                             " WHERE ts.therapist_id = ?1 ORDER BY s.position, s.name",
    [Q_ALL_THERAPIST_SERVICES] = "SELECT ts.therapist_id, ts.service_id FROM therapist_services ts"
                                 " JOIN services s ON s.id = ts.service_id"
                                 " ORDER BY ts.therapist_id, s.position, s.name",
    [Q_THERAPIST_HOURS] = "SELECT weekday, kind, start_min, end_min FROM therapist_hours"
                          " WHERE therapist_id = ?1 ORDER BY weekday, start_min",
    [Q_ROOMS] = "SELECT id, name FROM rooms ORDER BY id",
    [Q_ROOM_SERVICES] = "SELECT service_id FROM room_services WHERE room_id = ?1"
                        " ORDER BY service_id",
    [Q_CLINIC_HOURS] = "SELECT weekday, open_min, close_min FROM clinic_hours"
                       " ORDER BY weekday, open_min",
    [Q_PUT_SERVICE] = "INSERT INTO services (id, name, description, duration_min, buffer_min,"
                      " price_cents, active, position, min_notice_minutes, horizon_days,"
                      " late_cancel_hours) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                      " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                      " description = excluded.description, duration_min = excluded.duration_min,"
                      " buffer_min = excluded.buffer_min, price_cents = excluded.price_cents,"
                      " active = excluded.active, position = excluded.position,"
                      " min_notice_minutes = excluded.min_notice_minutes,"
                      " horizon_days = excluded.horizon_days,"
                      " late_cancel_hours = excluded.late_cancel_hours",
    [Q_PUT_THERAPIST] = "INSERT INTO therapists (id, name, title, bio, photo, photo_alt, active,"
                        " position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                        " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                        " title = excluded.title, bio = excluded.bio, photo = excluded.photo,"
                        " photo_alt = excluded.photo_alt, active = excluded.active,"
                        " position = excluded.position",
    [Q_DEL_THERAPIST_SERVICES] = "DELETE FROM therapist_services WHERE therapist_id = ?1",
    [Q_ADD_THERAPIST_SERVICE] = "INSERT INTO therapist_services (therapist_id, service_id)"
                                " VALUES (?1, ?2)",
    [Q_ADD_ROOM] = "INSERT INTO rooms (name) VALUES (?1)",
    [Q_ADD_ROOM_SERVICE] = "INSERT INTO room_services (room_id, service_id) VALUES (?1, ?2)",
    [Q_DEL_THERAPIST_HOURS] = "DELETE FROM therapist_hours WHERE therapist_id = ?1",
    [Q_ADD_THERAPIST_HOURS] = "INSERT INTO therapist_hours (therapist_id, weekday, kind,"
                              " start_min, end_min) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_DEL_CLINIC_HOURS] = "DELETE FROM clinic_hours",
    [Q_ADD_CLINIC_HOURS] = "INSERT INTO clinic_hours (weekday, open_min, close_min)"
                           " VALUES (?1, ?2, ?3)",
    [Q_ADD_USER] = "INSERT INTO users (email, name, role, password_hash, therapist_id, active,"
                   " created_at) VALUES (?1, ?2, ?3, ?4, nullif(?5, ''), ?6, ?7)",
    [Q_USER_BY_EMAIL] = "SELECT id, email, name, role, coalesce(therapist_id, ''), active,"
                        " password_hash FROM users WHERE email = ?1 AND active = 1",
    [Q_SET_PASSWORD] = "UPDATE users SET password_hash = ?2 WHERE id = ?1",
    [Q_ADD_SESSION] = "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at)"
                      " VALUES (?1, ?2, ?3, ?3)",
    [Q_SESSION] = "SELECT u.id, u.email, u.name, u.role, coalesce(u.therapist_id, ''), u.active,"
                  " s.created_at, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id"
                  " WHERE s.token_hash = ?1 AND u.active = 1",
    [Q_TOUCH_SESSION] = "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
    [Q_DEL_SESSION] = "DELETE FROM sessions WHERE token_hash = ?1",
    [Q_DEL_USER_SESSIONS] = "DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2",
    [Q_ADD_LOGIN_FAILURE] = "INSERT INTO login_failures (email, address, at) VALUES (?1, ?2, ?3)",
    [Q_LOGIN_FAILURES_PAIR] = "SELECT count(*), coalesce(max(at), 0) FROM login_failures"
                              " WHERE email = ?3 AND address = ?1 AND at > ?2",
    [Q_LOGIN_FAILURES_ADDRESS] = "SELECT count(*), coalesce(max(at), 0) FROM login_failures"
                                 " WHERE address = ?1 AND at > ?2",
    [Q_CLEAR_LOGIN_FAILURES] = "DELETE FROM login_failures WHERE email = ?1 AND address = ?2",
    [Q_THROTTLE_COUNT] = "SELECT count(*), coalesce(min(at), 0) FROM throttle_hits"
                         " WHERE key = ?1 AND at > ?2 AND kind = ?3",
    [Q_THROTTLE_ADD] = "INSERT INTO throttle_hits (kind, key, at) VALUES (?1, ?2, ?3)",
    [Q_THROTTLE_PURGE] = "DELETE FROM throttle_hits WHERE at < ?1",
    /* No appointment is busy for longer than a day (a service is at most 480
     * minutes plus a 240-minute buffer), so the lower bound on start_at keeps
     * the index range to the days asked for. */
    [Q_BUSY] = "SELECT therapist_id, room_id, start_at, busy_until, id FROM appointments"
               " WHERE start_at < ?2 AND start_at > ?1 - 86400 AND busy_until > ?1"
               " AND status <> 'cancelled' ORDER BY start_at",
    [Q_TIME_OFF] = "SELECT id, therapist_id, start_at, end_at, reason FROM time_off"
                   " WHERE start_at < ?2 AND end_at > ?1 ORDER BY start_at",
    [Q_ADD_TIME_OFF] = "INSERT INTO time_off (therapist_id, start_at, end_at, reason)"
                       " VALUES (?1, ?2, ?3, ?4)",
    [Q_DEL_TIME_OFF] = "DELETE FROM time_off WHERE id = ?1 AND (?2 IS NULL OR therapist_id = ?2)",
    [Q_ADD_CLOSED_DATE] = "INSERT INTO closed_dates (date, reason) VALUES (?1, ?2)"
                          " ON CONFLICT (date) DO UPDATE SET reason = excluded.reason",
    [Q_FIND_CLIENT] = "SELECT id FROM clients WHERE name = ?1 AND lower(email) = lower(?2)"
                      " ORDER BY id LIMIT 1",
    /* A new client never takes the number of one removed by a merge: the
     * audit log still names that number (it has no foreign keys, on
     * purpose); clients.id is AUTOINCREMENT (0019), so numbers only grow. */
    [Q_ADD_CLIENT] = "INSERT INTO clients (name, email, phone, created_at)"
                     " VALUES (?1, ?2, ?3, ?4)",
    [Q_SET_CLIENT_PHONE] = "UPDATE clients SET phone = ?2 WHERE id = ?1",
    [Q_ADD_APPT] = "INSERT INTO appointments (service_id, therapist_id, room_id, client_id,"
                   " start_at, end_at, busy_until, status, notes, token_hash, source, created_at,"
                   " contact_phone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [Q_APPT] = "SELECT " APPT_COLS " WHERE a.id = ?1",
    [Q_APPTS] = "SELECT " APPT_COLS " WHERE a.start_at >= ?1 AND a.start_at < ?2"
                " ORDER BY a.start_at, a.id",
    /* the booking's own link, or one the portal gave a signed-in client */
    [Q_APPT_BY_TOKEN] = "SELECT " APPT_COLS " WHERE a.token_hash = ?1 OR a.id ="
                        " (SELECT appointment_id FROM portal_manage_links WHERE token_hash = ?1)",
    [Q_CANCEL_APPT] = "UPDATE appointments SET status = 'cancelled', cancelled_at = ?2,"
                      " cancel_late = ?3, cancel_reason = ?4 WHERE id = ?1"
                      " AND status <> 'cancelled'",
    [Q_MOVE_APPT] = "UPDATE appointments SET therapist_id = ?2, room_id = ?3, start_at = ?4,"
                    " end_at = ?5, busy_until = ?6 WHERE id = ?1 AND status = 'booked'",
    /* the same one-day bound on start_at as Q_BUSY keeps to the index range */
    [Q_CLIENT_OVERLAPS] = "SELECT a.id, a.start_at, a.end_at, s.name, c.email, c.phone"
                          " FROM appointments a JOIN services s ON s.id = a.service_id"
                          " JOIN clients c ON c.id = a.client_id"
                          " WHERE a.start_at < ?2 AND a.start_at > ?1 - 86400 AND a.end_at > ?1"
                          " AND a.status <> 'cancelled' AND a.id <> ?3 ORDER BY a.start_at",
    [Q_IDEM_GET] = "SELECT request_hash, status, body, address, sealed, created_at"
                   " FROM idempotency WHERE key = ?1 AND created_at >= ?2",
    [Q_IDEM_ADD] = "INSERT INTO idempotency (key, request_hash, status, body, address, sealed,"
                   " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (key) DO NOTHING",
    [Q_PURGE_IDEM] = "DELETE FROM idempotency WHERE created_at < ?1",
    [Q_PURGE_FORM_TOKENS] = "DELETE FROM book_form_tokens WHERE created_at < ?1",
    [Q_FORM_TOKEN_GET] = "SELECT appointment_id, sealed FROM book_form_tokens WHERE token_hash = ?1",
    [Q_FORM_TOKEN_ADD] = "INSERT INTO book_form_tokens (token_hash, appointment_id, sealed,"
                         " created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    /* front desk */
    [Q_DESK_SET_STATUS] = "UPDATE appointments SET status = ?3,"
                          " cancelled_at = CASE WHEN ?3 = 'cancelled' THEN ?4 ELSE cancelled_at END,"
                          " cancel_reason = CASE WHEN ?3 = 'cancelled' THEN ?5 ELSE cancel_reason END"
                          " WHERE id = ?1 AND status = ?2",
    [Q_APPT_EVENT_ADD] = "INSERT INTO appointment_events (appointment_id, at, user_id, actor,"
                         " kind, from_status, to_status, reason)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_APPT_EVENTS] = "SELECT id, appointment_id, at, user_id, actor, kind, from_status,"
                      " to_status, reason FROM appointment_events WHERE appointment_id = ?1"
                      " ORDER BY id",
    [Q_DESK_STAFF_NOTES] = "SELECT staff_notes FROM appointments WHERE id = ?1",
    [Q_DESK_SET_STAFF_NOTES] = "UPDATE appointments SET staff_notes = ?2 WHERE id = ?1",
    [Q_DESK_CLIENTS] = "SELECT c.id, c.name, c.email, c.phone, c.created_at,"
                       " (SELECT count(*) FROM appointments a WHERE a.client_id = c.id)"
                       " FROM clients c WHERE ?1 = '' OR instr(lower(c.name), lower(?1)) > 0"
                       " OR instr(lower(c.email), lower(?1)) > 0 OR instr(c.phone, ?1) > 0"
                       " ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?2",
    [Q_DESK_CLIENT] = "SELECT c.id, c.name, c.email, c.phone, c.created_at,"
                      " (SELECT count(*) FROM appointments a WHERE a.client_id = c.id)"
                      " FROM clients c WHERE c.id = ?1",
    [Q_DESK_CLIENT_APPTS] = "SELECT " APPT_COLS " WHERE a.client_id = ?1"
                            " ORDER BY a.start_at DESC, a.id DESC",
    [Q_DESK_UPDATE_CLIENT] = "UPDATE clients SET name = ?2, email = ?3, phone = ?4 WHERE id = ?1",
    [Q_DESK_MOVE_CLIENT_APPTS] = "UPDATE appointments SET client_id = ?1 WHERE client_id = ?2",
    [Q_DESK_DEL_CLIENT] = "DELETE FROM clients WHERE id = ?1",
    /* admin */
    [Q_CLOSED_DAYS] = "SELECT date, reason FROM closed_dates ORDER BY date",
    [Q_DEL_CLOSED_DATE] = "DELETE FROM closed_dates WHERE date = ?1",
    [Q_DEL_SERVICE_THERAPISTS] = "DELETE FROM therapist_services WHERE service_id = ?1",
    [Q_UPDATE_ROOM] = "UPDATE rooms SET name = ?2 WHERE id = ?1",
    [Q_DEL_ROOM_SERVICES] = "DELETE FROM room_services WHERE room_id = ?1",
    [Q_USERS] = "SELECT id, email, name, role, coalesce(therapist_id, ''), active FROM users"
                " ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'desk' THEN 1"
                " WHEN 'therapist' THEN 2 ELSE 3 END, name, id",
    [Q_USER] = "SELECT id, email, name, role, coalesce(therapist_id, ''), active FROM users"
               " WHERE id = ?1",
    [Q_SET_USER_ACTIVE] = "UPDATE users SET active = ?2 WHERE id = ?1",
    [Q_UPDATE_USER] = "UPDATE users SET email = ?2, name = ?3, role = ?4,"
                      " therapist_id = nullif(?5, '') WHERE id = ?1",
    /* articles */
    [Q_ARTICLES] = "SELECT " ARTICLE_COLS " FROM articles ORDER BY position, slug",
    [Q_ARTICLES_PUBLISHED] = "SELECT " ARTICLE_COLS " FROM articles WHERE published = 1"
                             " ORDER BY position, slug",
    [Q_ARTICLE] = "SELECT " ARTICLE_COLS " FROM articles WHERE slug = ?1",
    [Q_ADD_ARTICLE] = "INSERT INTO articles (slug, title, summary, image, image_alt, body_md,"
                      " body_html, position, published, updated_at)"
                      " VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [Q_UPDATE_ARTICLE] = "UPDATE articles SET slug = ?2, title = ?3, summary = ?4, image = ?5,"
                         " image_alt = ?6, body_md = ?7, body_html = ?8, position = ?9,"
                         " published = ?10, updated_at = ?11 WHERE slug = ?1",
    [Q_SET_ARTICLE_PUBLISHED] = "UPDATE articles SET published = ?2, updated_at = ?3"
                                " WHERE slug = ?1",
    /* booking rules */
    [Q_RULES_GET] = "SELECT coalesce(min_notice_minutes, -1), coalesce(horizon_days, -1),"
                    " coalesce(grid_minutes, -1), coalesce(late_cancel_hours, -1)"
                    " FROM clinic_rules WHERE id = 1",
    [Q_RULES_PUT] = "INSERT INTO clinic_rules (id, min_notice_minutes, horizon_days, grid_minutes,"
                    " late_cancel_hours) VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET"
                    " min_notice_minutes = excluded.min_notice_minutes,"
                    " horizon_days = excluded.horizon_days, grid_minutes = excluded.grid_minutes,"
                    " late_cancel_hours = excluded.late_cancel_hours",
    [Q_AUDIT_ADD] = "INSERT INTO audit_log (at, user_id, actor, role, action, record, record_id,"
                    " client_id, address, via) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [Q_AUDIT_LIST] = "SELECT id, at, user_id, actor, role, action, record, record_id, client_id,"
                     " address, via FROM audit_log WHERE (?1 = 0 OR id < ?1)"
                     " AND (?2 = 0 OR client_id = ?2) AND (?3 = '' OR record = ?3)"
                     " ORDER BY id DESC LIMIT ?4",
    /* health form and insurance checks */
    [Q_INTAKE] = "SELECT " INTAKE_COLS " FROM intakes WHERE client_id = ?1",
    [Q_INTAKE_ARCHIVE] = "INSERT INTO intake_history (intake_id, " INTAKE_COLS_NOID
                         ", archived_at) SELECT id, " INTAKE_COLS_NOID ", ?2 FROM intakes"
                         " WHERE client_id = ?1",
    [Q_INTAKE_ADD] = "INSERT INTO intakes (client_id, email, phone, birth_date, emergency_name,"
                     " emergency_phone, reason, areas, pain, onset, onset_other, worse, better,"
                     " treatments, conditions, conditions_other, medications, pressure,"
                     " consent_name, consent_at, updated_by, created_at, updated_at, version,"
                     " appointment_id)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                     " ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?22, 1, ?23)",
    [Q_INTAKE_UPDATE] = "UPDATE intakes SET email = ?2, phone = ?3, birth_date = ?4,"
                        " emergency_name = ?5, emergency_phone = ?6, reason = ?7, areas = ?8,"
                        " pain = ?9, onset = ?10, onset_other = ?11, worse = ?12, better = ?13,"
                        " treatments = ?14, conditions = ?15, conditions_other = ?16,"
                        " medications = ?17, pressure = ?18, consent_name = ?19,"
                        " consent_at = ?20, updated_by = ?21, updated_at = ?22,"
                        " version = version + 1, appointment_id = ?23 WHERE client_id = ?1",
    [Q_INTAKE_CONFIRM] = "UPDATE intakes SET confirmed_at = ?2 WHERE client_id = ?1",
    [Q_INTAKE_STAMP] = "SELECT updated_at, id FROM intakes WHERE client_id = ?1",
    [Q_INTAKE_MOVE_HISTORY] = "UPDATE intake_history SET client_id = ?1 WHERE client_id = ?2",
    [Q_INTAKE_DELETE] = "DELETE FROM intakes WHERE client_id = ?1",
    [Q_INTAKE_MOVE] = "UPDATE intakes SET client_id = ?1 WHERE client_id = ?2",
    [Q_INSURANCE_ADD] = "INSERT INTO insurance_checks (client_id, carrier, member_id,"
                        " group_number, holder_name, holder_relation, requested_at,"
                        " appointment_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_INSURANCE_UPDATE_REQUEST] = "UPDATE insurance_checks SET carrier = ?2, member_id = ?3,"
                                   " group_number = ?4, holder_name = ?5, holder_relation = ?6"
                                   " WHERE id = ?1 AND status = 'pending'",
    [Q_INSURANCE_RECORD] = "UPDATE insurance_checks SET status = 'done', outcome = ?2,"
                           " visits_per_year = ?3, copay_cents = ?4, deductible_cents = ?5,"
                           " referral_required = ?6, notes = ?7, verified_by = ?8,"
                           " verified_by_name = ?9, verified_at = ?10 WHERE id = ?1",
    [Q_INSURANCE_GET] = "SELECT " INSURANCE_COLS " WHERE i.id = ?1",
    [Q_INSURANCE_LATEST] = "SELECT " INSURANCE_COLS " WHERE i.client_id = ?1"
                           " ORDER BY i.id DESC LIMIT 1",
    [Q_INSURANCE_OF_APPT] = "SELECT " INSURANCE_COLS " WHERE i.appointment_id = ?1"
                            " ORDER BY i.id DESC LIMIT 1",
    [Q_INSURANCE_PENDING] = "SELECT " INSURANCE_COLS " WHERE i.status = 'pending'"
                            " ORDER BY i.requested_at, i.id LIMIT ?1",
    [Q_INSURANCE_PENDING_COUNT] = "SELECT count(*) FROM insurance_checks WHERE status = 'pending'",
    [Q_INSURANCE_MOVE] = "UPDATE insurance_checks SET client_id = ?1 WHERE client_id = ?2",
    /* the clinical record */
    [Q_MERGE_REFERRALS] = "UPDATE referrals SET client_id = ?1 WHERE client_id = ?2",
    [Q_REFERRALS] = "SELECT " REFERRAL_COLS " FROM referrals WHERE client_id = ?1"
                    " ORDER BY referred_on DESC, id DESC",
    [Q_REFERRAL] = "SELECT " REFERRAL_COLS " FROM referrals WHERE id = ?1",
    [Q_ADD_REFERRAL] = "INSERT INTO referrals (client_id, physician, practice, phone, referred_on,"
                       " diagnosis, icd10, visits, valid_until, created_at, updated_at)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
    [Q_UPDATE_REFERRAL] = "UPDATE referrals SET physician = ?2, practice = ?3, phone = ?4,"
                          " referred_on = ?5, diagnosis = ?6, icd10 = ?7, visits = ?8,"
                          " valid_until = ?9, updated_at = ?10 WHERE id = ?1",
    [Q_NOTE] = "SELECT " NOTE_COLS " FROM treatment_notes WHERE appointment_id = ?1",
    /* a treating relationship: an appointment the front desk checked in */
    [Q_TREATS] = "SELECT EXISTS (SELECT 1 FROM appointments WHERE client_id = ?1"
                 " AND therapist_id = ?2 AND status IN ('checked_in', 'completed'))",
    /* A signed note is left alone (no row returned); the trigger would
     * refuse the change anyway. */
    [Q_PUT_NOTE] = "INSERT INTO treatment_notes (appointment_id, subjective, objective, assessment,"
                   " plan, areas, techniques, pressure, rest, heat_cold, stretches, home_care,"
                   " providers, provider_reason, next_weeks, author_id, created_at, updated_at)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                   " ?16, ?17, ?17) ON CONFLICT (appointment_id) DO UPDATE SET"
                   " subjective = excluded.subjective, objective = excluded.objective,"
                   " assessment = excluded.assessment, plan = excluded.plan,"
                   " areas = excluded.areas, techniques = excluded.techniques,"
                   " pressure = excluded.pressure, rest = excluded.rest,"
                   " heat_cold = excluded.heat_cold, stretches = excluded.stretches,"
                   " home_care = excluded.home_care, providers = excluded.providers,"
                   " provider_reason = excluded.provider_reason,"
                   " next_weeks = excluded.next_weeks, updated_at = excluded.updated_at"
                   " WHERE treatment_notes.signed_at IS NULL RETURNING id",
    [Q_SIGN_NOTE] = "UPDATE treatment_notes SET signed_by = ?2, signed_by_id = ?3,"
                    " signed_at = ?4 WHERE id = ?1 AND signed_at IS NULL",
    [Q_ADD_ADDENDUM] = "INSERT INTO note_addenda (note_id, body, author, author_id, created_at)"
                       " VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_NOTE_ADDENDA] = "SELECT id, note_id, body, author, author_id, created_at FROM note_addenda"
                       " WHERE note_id = ?1 ORDER BY id",
    /* the outbox */
    [Q_OUTBOX_ADD] = "INSERT INTO outbox (kind, dedupe_key, appointment_id, recipient,"
                     " recipient_name, subject, body_text, body_html, attach_name, attach_type,"
                     " attach_data, next_attempt_at, created_at, channel)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                     " ON CONFLICT (dedupe_key) DO NOTHING",
    [Q_OUTBOX_COUNT] = "SELECT count(*) FROM outbox WHERE appointment_id = ?1 AND kind = ?2",
    [Q_OUTBOX_DUE] = "SELECT id, appointment_id, kind, dedupe_key, recipient, recipient_name,"
                     " subject, body_text, body_html, attach_name, attach_type, attach_data,"
                     " status, attempts, next_attempt_at, created_at, coalesce(sent_at, 0),"
                     " last_error, channel FROM outbox WHERE status IN ('pending', 'sending')"
                     " AND next_attempt_at <= ?1 AND ((?2 & 1 AND channel = 'email')"
                     " OR (?2 & 2 AND channel = 'sms')) ORDER BY next_attempt_at, id LIMIT 1",
    [Q_OUTBOX_CLAIM] = "UPDATE outbox SET status = 'sending', attempts = attempts + 1,"
                       " next_attempt_at = ?2 WHERE id = ?1",
    [Q_OUTBOX_MARK] = "UPDATE outbox SET status = ?2, next_attempt_at = ?3, last_error = ?5,"
                      " sent_at = CASE WHEN ?2 = 'sent' THEN ?4 ELSE sent_at END"
                      " WHERE id = ?1 AND status = 'sending'",
    [Q_OUTBOX_NEXT_DUE] = "SELECT min(next_attempt_at) FROM outbox"
                          " WHERE status IN ('pending', 'sending')"
                          " AND ((?1 & 1 AND channel = 'email') OR (?1 & 2 AND channel = 'sms'))",
    [Q_OUTBOX_LIST] = "SELECT id, appointment_id, kind, dedupe_key, recipient, recipient_name,"
                      " subject, status, attempts, next_attempt_at, created_at,"
                      " coalesce(sent_at, 0), last_error, attach_name FROM outbox"
                      " WHERE (?1 = '' OR status = ?1) ORDER BY id DESC LIMIT ?2",
    [Q_OUTBOX_STATUS] = "SELECT status FROM outbox WHERE id = ?1",
    [Q_OUTBOX_RETRY] = "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?2,"
                       " last_error = '' WHERE id = ?1 AND status IN ('pending', 'failed')",
    [Q_OUTBOX_PURGE] = "DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?1",
    /* calendar feeds: a feed answers while its maker's account is active and
                " "
     * (a therapist's) still that therapist's, who is active; the clinic's
     * while its maker is front desk or admin */
    [Q_FEED_PUT] = "INSERT OR REPLACE INTO calendar_feeds (therapist_id, token_hash, created_by,"
                   " created_at) VALUES (nullif(?1, ''), ?2, ?3, ?4)",
    [Q_FEED] = "SELECT " FEED_COLS " AND coalesce(f.therapist_id, '') = ?1",
    [Q_FEED_BY_TOKEN] = "SELECT " FEED_COLS " AND f.token_hash = ?1",
    [Q_FEED_APPTS] = "SELECT a.id, a.start_at, a.end_at, a.revision, a.status, a.therapist_id,"
                     " s.name, t.name, r.name, c.name FROM appointments a"
                     " JOIN services s ON s.id = a.service_id"
                     " JOIN therapists t ON t.id = a.therapist_id JOIN rooms r ON r.id = a.room_id"
                     " JOIN clients c ON c.id = a.client_id"
                     " WHERE (?1 = '' OR a.therapist_id = ?1) AND a.start_at >= ?2"
                     " AND a.start_at < ?3 ORDER BY a.start_at, a.id",
    /* the client portal */
    [Q_SIGNIN_REQUEST] = "INSERT INTO signin_requests (email, address, at) VALUES (?1, ?2, ?3)",
    [Q_SIGNIN_REQUESTS_EMAIL] = "SELECT count(*), coalesce(min(at), 0) FROM signin_requests"
                                " WHERE email = ?1 AND at > ?2",
    [Q_SIGNIN_REQUESTS_ADDRESS] = "SELECT count(*), coalesce(min(at), 0) FROM signin_requests"
                                  " WHERE address = ?1 AND at > ?2",
    [Q_SIGNIN_WHO] = "SELECT coalesce(u.id, 0), coalesce(u.role, ''), coalesce(u.active, 1),"
                     " coalesce(u.name, (SELECT name FROM clients WHERE email = ?1 COLLATE NOCASE"
                     " ORDER BY id DESC LIMIT 1), '')"
                     " FROM (SELECT 1) LEFT JOIN users u ON u.email = ?1",
    [Q_SIGNIN_PRUNE_REQUESTS] = "DELETE FROM signin_requests WHERE at < ?1",
    [Q_SIGNIN_PRUNE_LINKS] = "DELETE FROM signin_links WHERE expires_at < ?1",
    [Q_SIGNIN_ADD] = "INSERT INTO signin_links (token_hash, email, created_at, expires_at)"
                     " VALUES (?1, ?2, ?3, ?4)",
    [Q_SIGNIN_GET] = "SELECT email, created_at, expires_at, coalesce(used_at, 0) FROM signin_links"
                     " WHERE token_hash = ?1",
    [Q_SIGNIN_USE] = "UPDATE signin_links SET used_at = ?2 WHERE token_hash = ?1"
                     " AND used_at IS NULL AND expires_at > ?2",
    [Q_PORTAL_PROVE] = "UPDATE users SET proven_email = email, email_proven_at = ?2 WHERE id = ?1",
    [Q_PORTAL_LINK] = "UPDATE clients SET user_id = ?1 WHERE email = ?2 COLLATE NOCASE",
    /* the account's clients first, then their appointments by client
     * (appointments_client), not every appointment tested against them */
    [Q_PORTAL_APPTS] = "SELECT " APPT_COLS " WHERE a.client_id IN (SELECT c2.id FROM clients c2"
                       " WHERE c2.user_id = ?1 OR (c2.user_id IS NULL AND"
                       " c2.email = (SELECT email FROM users WHERE id = ?1"
                       " AND proven_email = email) COLLATE NOCASE))"
                       " ORDER BY a.start_at DESC, a.id DESC",
    /* the same rule as Q_PORTAL_APPTS, for one client row */
    [Q_PORTAL_OWNS] = "SELECT EXISTS (SELECT 1 FROM clients c WHERE c.id = ?2 AND"
                      " (c.user_id = ?1 OR (c.user_id IS NULL AND c.email ="
                      " (SELECT email FROM users WHERE id = ?1 AND proven_email = email)"
                      " COLLATE NOCASE)))",
    [Q_PORTAL_MANAGE_LINK] = "INSERT INTO portal_manage_links (appointment_id, token_hash,"
                             " user_id, created_at) VALUES (?1, ?2, ?3, ?4)"
                             " ON CONFLICT (appointment_id) DO UPDATE SET"
                             " token_hash = excluded.token_hash, user_id = excluded.user_id,"
                             " created_at = excluded.created_at",
    /* reminders */
    [Q_OUTBOX_HAS] = "SELECT 1 FROM outbox WHERE dedupe_key = ?1",
    [Q_OUTBOX_WITHDRAW] = "DELETE FROM outbox WHERE appointment_id = ?1 AND kind = ?2"
                          " AND status IN ('pending', 'failed')",
    [Q_REMIND_CANDIDATES] = "SELECT id, start_at, max(created_at, reminders_from) FROM appointments"
                            " WHERE status = 'booked' AND start_at > ?1 AND start_at <= ?2"
                            " ORDER BY start_at, id",
    [Q_REMIND_FROM] = "UPDATE appointments SET reminders_from = ?2 WHERE id = ?1",
    /* the waitlist (0014_waitlist.sql) */
    [Q_WL_ADD] = "INSERT INTO waitlist_entries (token_hash, service_id, therapist_id, date_from,"
                 " date_to, days, time_from, time_to, name, email, phone, created_at)"
                 " VALUES (?1, ?2, NULLIF(?3, ''), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
#define WL_ENTRY_COLS                                                                          \
    "SELECT e.id, e.service_id, coalesce(e.therapist_id, ''), e.date_from, e.date_to, e.days,"  \
    " e.time_from, e.time_to, e.name, e.email, e.phone, e.status, e.created_at,"                \
    " coalesce(e.closed_at, 0), s.name, coalesce(t.name, '') FROM waitlist_entries e"           \
    " JOIN services s ON s.id = e.service_id LEFT JOIN therapists t ON t.id = e.therapist_id"
    [Q_WL_ENTRY_BY_HASH] = WL_ENTRY_COLS " WHERE e.token_hash = ?1",
    [Q_WL_ENTRY_BY_ID] = WL_ENTRY_COLS " WHERE e.id = ?1",
    [Q_WL_ACTIVE] = WL_ENTRY_COLS " WHERE e.service_id = ?1 AND e.status = 'active'"
                    " ORDER BY e.id",
    /* the desk's list: the entry's columns, then its latest open offer's end */
    [Q_WL_DESK] = "SELECT e.id, e.service_id, coalesce(e.therapist_id, ''), e.date_from,"
                  " e.date_to, e.days, e.time_from, e.time_to, e.name, e.email, e.phone,"
                  " e.status, e.created_at, coalesce(e.closed_at, 0), s.name,"
                  " coalesce(t.name, ''), coalesce((SELECT max(o.expires_at) FROM"
                  " waitlist_offers o WHERE o.entry_id = e.id AND o.status = 'open'"
                  " AND o.expires_at > ?2), 0) FROM waitlist_entries e"
                  " JOIN services s ON s.id = e.service_id"
                  " LEFT JOIN therapists t ON t.id = e.therapist_id"
                  " WHERE e.status = 'active' AND (?1 = '' OR e.service_id = ?1)"
                  " ORDER BY e.id LIMIT ?3",
    [Q_WL_ACTIVE_COUNT] = "SELECT count(*) FROM waitlist_entries WHERE status = 'active'",
#undef WL_ENTRY_COLS
    [Q_WL_LEAVE] = "UPDATE waitlist_entries SET status = 'left', closed_at = ?2,"
                   " closed_reason = ?3"
                   " WHERE id = ?1 AND status = 'active'",
    [Q_WL_OFFER_ADD] = "INSERT INTO waitlist_offers (entry_id, token_hash, service_id,"
                       " therapist_id, start, freed_by, created_at, expires_at)"
                       " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE NOT EXISTS (SELECT 1 FROM"
                       " waitlist_offers WHERE entry_id = ?1 AND therapist_id = ?4 AND start = ?5"
                       " AND status = 'open' AND expires_at > ?7)",
    [Q_WL_OFFER_BY_HASH] = "SELECT id, entry_id, service_id, therapist_id, start, freed_by, status,"
                           " created_at, expires_at, coalesce(appointment_id, 0)"
                           " FROM waitlist_offers WHERE token_hash = ?1",
    [Q_WL_OFFER_CLAIM] = "UPDATE waitlist_offers SET status = 'claimed', appointment_id = ?2"
                         " WHERE id = ?1 AND status = 'open' AND expires_at > ?3",
    [Q_WL_ENTRY_BOOKED] = "UPDATE waitlist_entries SET status = 'booked', closed_at = ?2"
                          " WHERE id = (SELECT entry_id FROM waitlist_offers WHERE id = ?1)"
                          " AND status = 'active'",
    [Q_WL_OFFERS_TAKEN] = "UPDATE waitlist_offers SET status = 'taken' WHERE status = 'open'"
                          " AND id <> ?1 AND therapist_id = (SELECT therapist_id FROM"
                          " waitlist_offers WHERE id = ?1) AND start = (SELECT start FROM"
                          " waitlist_offers WHERE id = ?1)",
};

struct sqlite_db {
    struct db base;
    struct sqlite_store *owner;
    sqlite3 *h;
    sqlite3_stmt *st[Q__COUNT];
    int in_use;
    int in_tx;
};

struct sqlite_store {
    struct store base;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int nconns;
    struct sqlite_db *conns;
    /* enum store_writes: why the last write failed, until one succeeds
     * (atomic: any connection sets it, /healthz reads it) */
    int writes;
};

static const struct store_ops sqlite_ops;
static void *grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size);

#define DB(x) ((struct sqlite_db *)(x))
#define ST(x) ((struct sqlite_store *)(x))

/* A failure that is the database's state, not the request's: the write
 * lock held elsewhere past the busy timeout, a full disk (or
 * [database] max_size_mb), a file that became read-only, a disk error.
 * The request answers 503 with words of ours (no SQLite text reaches a
 * client) and the store reports its writes as failing (/healthz) until a
 * write commits again.  Returns E_UNAVAILABLE, or E_OK when rc is none of
 * these. */
static enum err_code unavailable(struct sqlite_db *d, struct err *e, int rc, const char *what)
{
    static const struct {
        int prim;
        enum store_writes state;
        const char *problem, *msg;
    } kinds[] = {
        {SQLITE_BUSY, STORE_WRITES_BUSY, "database_busy",
         "The clinic's database is busy with another task, so nothing was saved. Please try"
         " again in a few seconds."},
        {SQLITE_LOCKED, STORE_WRITES_BUSY, "database_busy",
         "The clinic's database is busy with another task, so nothing was saved. Please try"
         " again in a few seconds."},
        {SQLITE_FULL, STORE_WRITES_FULL, "database_full",
         "The clinic's database is full, so nothing was saved. Please try again later."},
        {SQLITE_READONLY, STORE_WRITES_READONLY, "database_unavailable",
         "The clinic's database cannot be written right now, so nothing was saved. Please try"
         " again later."},
        {SQLITE_IOERR, STORE_WRITES_IOERR, "database_unavailable",
         "The clinic's database could not be written (a disk error), so nothing was saved."
         " Please try again later."},
    };
    int prim = rc & 0xff;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (kinds[i].prim != prim)
            continue;
        if (d && d->owner &&
            __atomic_exchange_n(&d->owner->writes, (int)kinds[i].state, __ATOMIC_SEQ_CST) !=
                (int)kinds[i].state)
            log_warn("sqlite: writes fail: %s: %s (%d)", what,
                     d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc), rc);
        err_set(e, E_UNAVAILABLE, "%s", kinds[i].msg);
        if (e)
            e->problem = kinds[i].problem;
        return E_UNAVAILABLE;
    }
    return E_OK;
}

/* Maps a SQLite failure to our codes with a message. */
static enum err_code fail(struct sqlite_db *d, struct err *e, int rc, const char *what)
{
    int prim = rc & 0xff;
    const char *msg = d && d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc);
    if (prim == SQLITE_CONSTRAINT)
        return err_set(e, E_UNPROCESSABLE, "%s: %s", what, msg);
    if (unavailable(d, e, rc, what) == E_UNAVAILABLE)
        return E_UNAVAILABLE;
    log_error("sqlite: %s: %s (%d)", what, msg, rc);
    return err_set(e, E_INTERNAL, "%s: database error: %s", what, msg);
}

static sqlite3_stmt *stmt(struct sqlite_db *d, enum stmt_id id, struct err *e)
{
    if (!d->st[id]) {
        int rc = sqlite3_prepare_v3(d->h, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT, &d->st[id],
                                    NULL);
        if (rc != SQLITE_OK) {
            fail(d, e, rc, "prepare");
            d->st[id] = NULL;
            return NULL;
        }
    } else {
        sqlite3_reset(d->st[id]);
        sqlite3_clear_bindings(d->st[id]);
    }
    return d->st[id];
}

static int bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

/* Binds v, or NULL when v < 0 (an optional setting left to the default). */
static void bind_opt_int(sqlite3_stmt *s, int i, int v)
{
    if (v < 0)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int(s, i, v);
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

static enum err_code exec(struct sqlite_db *d, const char *sql, struct err *e)
{
    char *msg = NULL;
    int rc = sqlite3_exec(d->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        enum err_code c = unavailable(d, e, rc, sql);
        if (c != E_UNAVAILABLE)
            c = err_set(e, E_INTERNAL, "database: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return c;
    }
    return E_OK;
}

/* ---- connections and the pool ---- */

/* Opening errors name the file and what to check; they reach the command
 * line (serve, migrate, demo), never a client. */
static enum err_code conn_open(struct sqlite_db *d, const char *path, struct err *e)
{
    int rc = sqlite3_open_v2(path, &d->h,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    enum err_code c = E_OK;
    if (rc != SQLITE_OK) {
        c = err_set(e, E_UNAVAILABLE, "cannot open the database file (check that it and its"
                                      " folder are readable and writable by this user)");
        goto done;
    }
    sqlite3_busy_timeout(d->h, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(d->h, 1);
    if (sqlite3_db_readonly(d->h, "main") == 1) {
        c = err_set(e, E_UNAVAILABLE, "the database file is read-only for this user (check its"
                                      " permissions and owner)");
        goto done;
    }
    rc = sqlite3_exec(d->h, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
                            " PRAGMA synchronous = FULL;",
                      NULL, NULL, NULL);
    if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN)
        c = err_set(e, E_UNAVAILABLE, "cannot write the database (its folder must be writable"
                                      " by this user for the -wal and -shm files)");
    else if ((rc & 0xff) == SQLITE_NOTADB)
        c = err_set(e, E_UNAVAILABLE, "the file is not a SQLite database");
    else if (rc != SQLITE_OK)
        c = fail(d, e, rc, "open the database");
done:
    if (c != E_OK) {
        sqlite3_close(d->h);
        d->h = NULL;
    }
    return c;
}

static void conn_close(struct sqlite_db *d)
{
    for (int i = 0; i < Q__COUNT; i++)
        sqlite3_finalize(d->st[i]);
    sqlite3_close(d->h);
}

static void sq_close(struct store *s)
{
    struct sqlite_store *ss = ST(s);
    for (int i = 0; i < ss->nconns; i++)
        conn_close(&ss->conns[i]);
    pthread_mutex_destroy(&ss->mu);
    pthread_cond_destroy(&ss->cv);
    free(ss->conns);
    free(ss);
}

enum err_code sqlite_store_open(const char *path, int conns, struct store **out, struct err *e)
{
    struct sqlite_store *ss;
    enum err_code rc;

    /* Every statement id has its SQL (a merge that drops one would
     * otherwise show only when that statement is first prepared). */
    for (int i = 0; i < Q__COUNT; i++)
        if (!sql_text[i])
            return err_set(e, E_INTERNAL, "store: statement %d has no SQL text", i);
    if (conns < 1)
        conns = 1;
    if (fs_mkdir_parent(path) < 0)
        return err_set(e, E_UNAVAILABLE, "cannot create the folder for database %s", path);
    ss = xcalloc(1, sizeof *ss);
    ss->base.ops = &sqlite_ops;
    pthread_mutex_init(&ss->mu, NULL);
    pthread_cond_init(&ss->cv, NULL);
    ss->conns = xcalloc((size_t)conns, sizeof *ss->conns);
    for (int i = 0; i < conns; i++) {
        ss->conns[i].base.ops = &sqlite_ops;
        ss->conns[i].owner = ss;
        ss->nconns = i + 1;
        rc = conn_open(&ss->conns[i], path, e);
        if (rc != E_OK) {
            sq_close(&ss->base);
            return rc;
        }
    }
    *out = &ss->base;
    return E_OK;
}

static struct db *sq_acquire(struct store *s)
{
    struct sqlite_store *ss = ST(s);
    struct sqlite_db *d = NULL;
    pthread_mutex_lock(&ss->mu);
    for (;;) {
        for (int i = 0; i < ss->nconns; i++) {
            if (!ss->conns[i].in_use) {
                d = &ss->conns[i];
                d->in_use = 1;
                break;
            }
        }
        if (d)
            break;
        pthread_cond_wait(&ss->cv, &ss->mu);
    }
    pthread_mutex_unlock(&ss->mu);
    return &d->base;
}

static void sq_rollback(struct db *db)
{
    struct sqlite_db *d = DB(db);
    if (!d->in_tx)
        return;
    d->in_tx = 0;
    if (sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
        log_error("sqlite: rollback failed: %s", sqlite3_errmsg(d->h));
}

static void sq_release(struct db *db)
{
    struct sqlite_db *d = DB(db);
    struct sqlite_store *ss = d->owner;
    sq_rollback(db);
    pthread_mutex_lock(&ss->mu);
    d->in_use = 0;
    pthread_cond_signal(&ss->cv);
    pthread_mutex_unlock(&ss->mu);
}

static enum err_code sq_begin(struct db *db, struct err *e)
{
    struct sqlite_db *d = DB(db);
    enum err_code rc = exec(d, "BEGIN IMMEDIATE", e);
    if (rc == E_OK)
        d->in_tx = 1;
    return rc;
}

static enum err_code sq_commit(struct db *db, struct err *e)
{
    struct sqlite_db *d = DB(db);
    enum err_code rc = exec(d, "COMMIT", e);
    if (rc != E_OK) {
        sq_rollback(db);
        return rc;
    }
    d->in_tx = 0;
    if (__atomic_exchange_n(&d->owner->writes, (int)STORE_WRITES_OK, __ATOMIC_SEQ_CST) !=
        (int)STORE_WRITES_OK)
        log_info("sqlite: writes succeed again");
    return E_OK;
}

/* BEGIN IMMEDIATE without the busy wait: for writes that may be skipped
 * (a session's last-seen time), so that a read does not wait for a lock
 * held elsewhere.  Not a failing write: the store's health is unchanged. */
static enum err_code sq_begin_nowait(struct db *db, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_busy_timeout(d->h, 0);
    int rc = sqlite3_exec(d->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    sqlite3_busy_timeout(d->h, BUSY_TIMEOUT_MS);
    if (rc != SQLITE_OK)
        return err_set(e, E_UNAVAILABLE, "the database is busy");
    d->in_tx = 1;
    return E_OK;
}

static enum store_writes sq_writes(struct store *s)
{
    return (enum store_writes)__atomic_load_n(&ST(s)->writes, __ATOMIC_SEQ_CST);
}

/* Caps the database file at max_bytes (whole pages) on every connection:
 * past it a write fails as SQLITE_FULL, i.e. 503.  0 = no cap. */
static enum err_code sq_limit_size(struct store *s, int64_t max_bytes, struct err *e)
{
    struct sqlite_store *ss = ST(s);
    for (int i = 0; i < ss->nconns && max_bytes > 0; i++) {
        struct sqlite_db *d = &ss->conns[i];
        sqlite3_stmt *st = NULL;
        int64_t page = 0;
        int rc = sqlite3_prepare_v2(d->h, "PRAGMA page_size", -1, &st, NULL);
        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
            page = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (page <= 0)
            return fail(d, e, rc, "read the page size");
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)(max_bytes / page));
        enum err_code c = exec(d, sql, e);
        if (c != E_OK)
            return c;
    }
    return E_OK;
}

/* ---- migrations ---- */

static enum err_code read_version(struct sqlite_db *d, int *version, struct err *e)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(d->h,
                                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                " AND name = 'schema_version'",
                                -1, &s, NULL);
    enum err_code out = E_OK;
    *version = 0;
    if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
        out = fail(d, e, rc, "read schema version");
        goto done;
    }
    if (sqlite3_column_int(s, 0) == 0)
        goto done;
    sqlite3_finalize(s);
    s = NULL;
    rc = sqlite3_prepare_v2(d->h, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &s,
                            NULL);
    if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
        out = fail(d, e, rc, "read schema version");
        goto done;
    }
    *version = sqlite3_column_int(s, 0);
done:
    sqlite3_finalize(s);
    return out;
}

static enum err_code sq_version(struct store *s, int *version, struct err *e)
{
    struct db *db = sq_acquire(s);
    enum err_code rc = read_version(DB(db), version, e);
    sq_release(db);
    return rc;
}

/* *have = 1 when migration `version` is recorded in schema_version. */
static enum err_code migration_applied(struct sqlite_db *d, int version, int *have,
                                       struct err *e)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(d->h, "SELECT count(*) FROM schema_version WHERE version = ?1",
                                -1, &s, NULL);
    enum err_code out = E_OK;
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(s, 1, version);
        rc = sqlite3_step(s);
    }
    if (rc == SQLITE_ROW)
        *have = sqlite3_column_int(s, 0) > 0;
    else
        out = fail(d, e, rc, "read schema version");
    sqlite3_finalize(s);
    return out;
}

/* The first line of a migration that rebuilds tables (see sq_migrate). */
#define REBUILD_MARK "-- knead: rebuild"

/* E_OK when no row breaks a foreign key (PRAGMA foreign_key_check). */
static enum err_code foreign_keys_hold(struct sqlite_db *d, struct err *e)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(d->h, "PRAGMA foreign_key_check", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return E_OK;
    if (rc == SQLITE_ROW)
        return err_set(e, E_CONFLICT, "a rebuilt table would break a foreign key");
    return fail(d, e, rc, "check foreign keys");
}

static enum err_code sq_migrate(struct store *s, int *applied, struct err *e)
{
    struct db *db = sq_acquire(s);
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *ins = NULL;
    enum err_code rc;
    int version, count = 0, latest = 0;

    for (const struct migration *m = sqlite_migrations; m->version; m++)
        latest = m->version;
    rc = sq_begin(db, e);
    if (rc != E_OK)
        goto done;
    rc = exec(d,
              "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
              " name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
              e);
    if (rc == E_OK)
        rc = read_version(d, &version, e);
    if (rc == E_OK)
        rc = sq_commit(db, e);
    if (rc != E_OK)
        goto done;
    if (version > latest) {
        rc = err_set(e, E_UNPROCESSABLE,
                     "the database has schema version %d, newer than this knead (%d)", version,
                     latest);
        goto done;
    }
    for (const struct migration *m = sqlite_migrations; m->version; m++) {
        int have = 0;
        /* A migration that rebuilds a table (SQLite's way to change a
         * column's constraints) runs with foreign keys off, as SQLite's
         * ALTER TABLE instructions ask, and is checked whole before its
         * commit; the pragma is a no-op inside a transaction, so it is set
         * around it. */
        int rebuild = strncmp(m->sql, REBUILD_MARK, sizeof REBUILD_MARK - 1) == 0;
        if (rebuild && (rc = exec(d, "PRAGMA foreign_keys = OFF", e)) != E_OK)
            goto done;
        rc = sq_begin(db, e);
        if (rc != E_OK)
            goto migrated;
        /* By number, not by the highest applied: numbers may have gaps
         * (reserved by parallel changes) that are filled in later. */
        rc = migration_applied(d, m->version, &have, e);
        if (rc == E_OK && have) {
            rc = sq_commit(db, e);
            if (rc != E_OK)
                goto migrated;
            if (rebuild && (rc = exec(d, "PRAGMA foreign_keys = ON", e)) != E_OK)
                goto done;
            continue;
        }
        if (rc == E_OK)
            rc = exec(d, m->sql, e);
        if (rc == E_OK && rebuild)
            rc = foreign_keys_hold(d, e);
        if (rc == E_OK) {
            int src = sqlite3_prepare_v2(d->h,
                                         "INSERT INTO schema_version (version, name, applied_at)"
                                         " VALUES (?1, ?2, unixepoch())",
                                         -1, &ins, NULL);
            if (src == SQLITE_OK) {
                sqlite3_bind_int(ins, 1, m->version);
                bind_text(ins, 2, m->name);
                src = sqlite3_step(ins);
            }
            if (src != SQLITE_DONE)
                rc = fail(d, e, src, "record migration");
            sqlite3_finalize(ins);
            ins = NULL;
        }
        if (rc == E_OK)
            rc = sq_commit(db, e);
        if (rc != E_OK) {
            sq_rollback(db);
            char msg[sizeof e->msg];
            memcpy(msg, e->msg, sizeof msg);
            err_set(e, rc, "migration %04d_%s failed: %s", m->version, m->name, msg);
            goto migrated;
        }
        if (rebuild && (rc = exec(d, "PRAGMA foreign_keys = ON", e)) != E_OK)
            goto done;
        log_info("applied migration %04d_%s", m->version, m->name);
        count++;
    }
    rc = E_OK;
    goto done;
migrated: /* a failure inside a migration: foreign keys back on, the error kept */
    {
        struct err ignored = {0};
        exec(d, "PRAGMA foreign_keys = ON", &ignored);
    }
done:
    if (applied)
        *applied = count;
    sq_release(db);
    return rc;
}

/* ---- reads ---- */

static enum err_code sq_schema_version(struct db *db, int *version, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_VERSION, e);
    if (!s)
        return E_INTERNAL;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "read schema version");
}

static enum err_code sq_clinic_version(struct db *db, int64_t *version, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_CLINIC_VERSION, e);
    if (!s)
        return E_INTERNAL;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "read clinic version");
}

static enum err_code sq_versions(struct db *db, int64_t *clinic, int64_t *appointments,
                                 struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_VERSIONS, e);
    if (!s)
        return E_INTERNAL;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *clinic = sqlite3_column_int64(s, 0);
        *appointments = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "read data versions");
}

static enum err_code sq_closed_dates(struct db *db, struct arena *a, const char ***out,
                                     size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_CLOSED_DATES, e);
    const char **items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        items[cnt++] = col_text(a, s, 0);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "read closed dates");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_is_empty(struct db *db, int *empty, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_IS_EMPTY, e);
    if (!s)
        return E_INTERNAL;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW)
        return fail(d, e, rc, "count clinic data");
    *empty = sqlite3_column_int64(s, 0) == 0;
    sqlite3_reset(s);
    return E_OK;
}

static enum err_code sq_wipe(struct db *db, struct err *e)
{
    /* A signed note is never deleted (0019's trigger would refuse it
     * half-way); say so before anything is touched. */
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(DB(db)->h,
                                "SELECT EXISTS (SELECT 1 FROM treatment_notes"
                                " WHERE signed_at IS NOT NULL)",
                                -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    int kept = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return fail(DB(db), e, rc, "look for signed notes");
    if (kept)
        return err_set(e, E_CONFLICT,
                       "the database holds signed treatment notes, which are never deleted; "
                       "seed the demo into a new database file (--db)");
    return exec(DB(db),
                "DELETE FROM articles; DELETE FROM calendar_feeds;"
                " DELETE FROM waitlist_offers; DELETE FROM waitlist_entries;"
                " DELETE FROM portal_manage_links; DELETE FROM signin_links; DELETE FROM signin_requests;"
                " DELETE FROM note_addenda; DELETE FROM treatment_notes; DELETE FROM referrals;"
                " DELETE FROM sessions; DELETE FROM login_failures; DELETE FROM users;"
                " DELETE FROM idempotency; DELETE FROM book_form_tokens;"
                " DELETE FROM appointment_events; DELETE FROM appointments;"
                " DELETE FROM intake_history; DELETE FROM intakes; DELETE FROM insurance_checks;"
                " DELETE FROM clients;"
                " DELETE FROM time_off;"
                " DELETE FROM therapist_hours; DELETE FROM clinic_hours; DELETE FROM closed_dates;"
                " DELETE FROM room_services; DELETE FROM rooms; DELETE FROM therapist_services;"
                " DELETE FROM therapists; DELETE FROM services;",
                e);
}

/* A growable array on the arena, for result rows. */
static void *grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return items;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = arena_array(a, ncap, size);
    if (n)
        memcpy(p, items, n * size);
    *cap = ncap;
    return p;
}

static void read_service(struct arena *a, sqlite3_stmt *s, struct service *o)
{
    o->id = col_text(a, s, 0);
    o->name = col_text(a, s, 1);
    o->description = col_text(a, s, 2);
    o->duration_min = sqlite3_column_int(s, 3);
    o->buffer_min = sqlite3_column_int(s, 4);
    o->price_cents = sqlite3_column_int(s, 5);
    o->active = sqlite3_column_int(s, 6);
    o->position = sqlite3_column_int(s, 7);
    o->min_notice_minutes = sqlite3_column_int(s, 8);
    o->horizon_days = sqlite3_column_int(s, 9);
    o->late_cancel_hours = sqlite3_column_int(s, 10);
}

static enum err_code sq_services(struct db *db, struct arena *a, int active_only,
                                 struct service **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SERVICES, e);
    struct service *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int(s, 1, active_only ? 1 : 0);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        read_service(a, s, &items[cnt++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list services");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_service(struct db *db, struct arena *a, const char *id,
                                struct service *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SERVICE, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        read_service(a, s, out);
        sqlite3_reset(s);
        return E_OK;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "there is no service '%s'", id);
    return fail(d, e, rc, "read service");
}

static void read_therapist(struct arena *a, sqlite3_stmt *s, struct therapist *o)
{
    o->id = col_text(a, s, 0);
    o->name = col_text(a, s, 1);
    o->title = col_text(a, s, 2);
    o->bio = col_text(a, s, 3);
    o->photo = col_text(a, s, 4);
    o->photo_alt = col_text(a, s, 5);
    o->active = sqlite3_column_int(s, 6);
    o->position = sqlite3_column_int(s, 7);
}

static enum err_code therapist_services(struct sqlite_db *d, struct arena *a,
                                        struct therapist *t, struct err *e)
{
    sqlite3_stmt *s = stmt(d, Q_THERAPIST_SERVICES, e);
    size_t cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, t->id);
    t->service_ids = NULL;
    t->nservices = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        t->service_ids = grow(a, t->service_ids, t->nservices, &cap, sizeof(char *));
        t->service_ids[t->nservices++] = col_text(a, s, 0);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? E_OK : fail(d, e, rc, "list therapist services");
}

static enum err_code sq_therapists(struct db *db, struct arena *a, int active_only,
                                   struct therapist **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_THERAPISTS, e);
    struct therapist *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int(s, 1, active_only ? 1 : 0);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        read_therapist(a, s, &items[cnt++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list therapists");
    /* One pass over all pairs rather than one query per therapist. */
    s = stmt(d, Q_ALL_THERAPIST_SERVICES, e);
    if (!s)
        return E_INTERNAL;
    size_t *caps = cnt ? arena_array(a, cnt, sizeof *caps) : NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *tid = (const char *)sqlite3_column_text(s, 0);
        for (size_t i = 0; i < cnt; i++) {
            if (tid && strcmp(items[i].id, tid) == 0) {
                items[i].service_ids =
                    grow(a, items[i].service_ids, items[i].nservices, &caps[i], sizeof(char *));
                items[i].service_ids[items[i].nservices++] = col_text(a, s, 1);
                break;
            }
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list therapist services");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_therapist(struct db *db, struct arena *a, const char *id,
                                  struct therapist *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_THERAPIST, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        read_therapist(a, s, out);
        sqlite3_reset(s);
        return therapist_services(d, a, out, e);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "there is no therapist '%s'", id);
    return fail(d, e, rc, "read therapist");
}

static enum err_code sq_therapist_week(struct db *db, struct arena *a, const char *id,
                                       struct therapist_week *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_THERAPIST_HOURS, e);
    size_t wcap = 0, bcap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    memset(out, 0, sizeof *out);
    bind_text(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct week_span sp = {sqlite3_column_int(s, 0), sqlite3_column_int(s, 2),
                               sqlite3_column_int(s, 3)};
        const unsigned char *kind = sqlite3_column_text(s, 1);
        if (kind && strcmp((const char *)kind, "break") == 0) {
            out->breaks = grow(a, out->breaks, out->nbreaks, &bcap, sizeof sp);
            out->breaks[out->nbreaks++] = sp;
        } else {
            out->work = grow(a, out->work, out->nwork, &wcap, sizeof sp);
            out->work[out->nwork++] = sp;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? E_OK : fail(d, e, rc, "read therapist hours");
}

static enum err_code sq_rooms(struct db *db, struct arena *a, struct room **out, size_t *n,
                              struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_ROOMS, e);
    struct room *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        items[cnt].id = sqlite3_column_int64(s, 0);
        items[cnt].name = col_text(a, s, 1);
        cnt++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list rooms");
    for (size_t i = 0; i < cnt; i++) {
        size_t scap = 0;
        s = stmt(d, Q_ROOM_SERVICES, e);
        if (!s)
            return E_INTERNAL;
        sqlite3_bind_int64(s, 1, items[i].id);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            items[i].service_ids =
                grow(a, items[i].service_ids, items[i].nservices, &scap, sizeof(char *));
            items[i].service_ids[items[i].nservices++] = col_text(a, s, 0);
        }
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return fail(d, e, rc, "list room services");
    }
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_clinic_hours(struct db *db, struct arena *a, struct week_span **out,
                                     size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_CLINIC_HOURS, e);
    struct week_span *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        items[cnt++] = (struct week_span){sqlite3_column_int(s, 0), sqlite3_column_int(s, 1),
                                          sqlite3_column_int(s, 2)};
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "read clinic hours");
    *out = items;
    *n = cnt;
    return E_OK;
}

/* ---- writes ---- */

static enum err_code sq_put_service(struct db *db, const struct service *v, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_PUT_SERVICE, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, v->id);
    bind_text(s, 2, v->name);
    bind_text(s, 3, v->description);
    sqlite3_bind_int(s, 4, v->duration_min);
    sqlite3_bind_int(s, 5, v->buffer_min);
    sqlite3_bind_int(s, 6, v->price_cents);
    sqlite3_bind_int(s, 7, v->active);
    sqlite3_bind_int(s, 8, v->position);
    bind_opt_int(s, 9, v->min_notice_minutes);
    bind_opt_int(s, 10, v->horizon_days);
    bind_opt_int(s, 11, v->late_cancel_hours);
    return run(d, s, e, "save service");
}

static enum err_code sq_put_therapist(struct db *db, const struct therapist *t, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_PUT_THERAPIST, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, t->id);
    bind_text(s, 2, t->name);
    bind_text(s, 3, t->title);
    bind_text(s, 4, t->bio);
    bind_text(s, 5, t->photo);
    bind_text(s, 6, t->photo_alt);
    sqlite3_bind_int(s, 7, t->active);
    sqlite3_bind_int(s, 8, t->position);
    if ((rc = run(d, s, e, "save therapist")) != E_OK)
        return rc;
    if (!(s = stmt(d, Q_DEL_THERAPIST_SERVICES, e)))
        return E_INTERNAL;
    bind_text(s, 1, t->id);
    if ((rc = run(d, s, e, "save therapist services")) != E_OK)
        return rc;
    for (size_t i = 0; i < t->nservices; i++) {
        if (!(s = stmt(d, Q_ADD_THERAPIST_SERVICE, e)))
            return E_INTERNAL;
        bind_text(s, 1, t->id);
        bind_text(s, 2, t->service_ids[i]);
        if ((rc = run(d, s, e, "save therapist services")) != E_OK)
            return rc;
    }
    return E_OK;
}

static enum err_code sq_add_room(struct db *db, const struct room *r, int64_t *id, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_ADD_ROOM, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, r->name);
    if ((rc = run(d, s, e, "save room")) != E_OK)
        return rc;
    int64_t rid = sqlite3_last_insert_rowid(d->h);
    for (size_t i = 0; i < r->nservices; i++) {
        if (!(s = stmt(d, Q_ADD_ROOM_SERVICE, e)))
            return E_INTERNAL;
        sqlite3_bind_int64(s, 1, rid);
        bind_text(s, 2, r->service_ids[i]);
        if ((rc = run(d, s, e, "save room services")) != E_OK)
            return rc;
    }
    if (id)
        *id = rid;
    return E_OK;
}

static enum err_code add_spans(struct sqlite_db *d, const char *tid, const char *kind,
                               const struct week_span *sp, size_t n, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = stmt(d, Q_ADD_THERAPIST_HOURS, e);
        enum err_code rc;
        if (!s)
            return E_INTERNAL;
        bind_text(s, 1, tid);
        sqlite3_bind_int(s, 2, sp[i].weekday);
        bind_text(s, 3, kind);
        sqlite3_bind_int(s, 4, sp[i].start_min);
        sqlite3_bind_int(s, 5, sp[i].end_min);
        if ((rc = run(d, s, e, "save therapist hours")) != E_OK)
            return rc;
    }
    return E_OK;
}

static enum err_code sq_put_therapist_week(struct db *db, const char *tid,
                                           const struct therapist_week *w, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DEL_THERAPIST_HOURS, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, tid);
    if ((rc = run(d, s, e, "save therapist hours")) != E_OK)
        return rc;
    if ((rc = add_spans(d, tid, "work", w->work, w->nwork, e)) != E_OK)
        return rc;
    return add_spans(d, tid, "break", w->breaks, w->nbreaks, e);
}

static enum err_code sq_put_clinic_hours(struct db *db, const struct week_span *sp, size_t n,
                                         struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DEL_CLINIC_HOURS, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    if ((rc = run(d, s, e, "save clinic hours")) != E_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!(s = stmt(d, Q_ADD_CLINIC_HOURS, e)))
            return E_INTERNAL;
        sqlite3_bind_int(s, 1, sp[i].weekday);
        sqlite3_bind_int(s, 2, sp[i].start_min);
        sqlite3_bind_int(s, 3, sp[i].end_min);
        if ((rc = run(d, s, e, "save clinic hours")) != E_OK)
            return rc;
    }
    return E_OK;
}

/* ---- accounts ---- */

static void read_user(struct arena *a, sqlite3_stmt *s, struct user *u)
{
    u->id = sqlite3_column_int64(s, 0);
    u->email = col_text(a, s, 1);
    u->name = col_text(a, s, 2);
    u->role = col_text(a, s, 3);
    u->therapist_id = col_text(a, s, 4);
    u->active = sqlite3_column_int(s, 5);
}

static enum err_code sq_add_user(struct db *db, const struct user *u, const char *password_hash,
                                 int64_t now, int64_t *id, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_ADD_USER, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, u->email);
    bind_text(s, 2, u->name);
    bind_text(s, 3, u->role);
    bind_text(s, 4, password_hash);
    bind_text(s, 5, u->therapist_id);
    sqlite3_bind_int(s, 6, u->active);
    sqlite3_bind_int64(s, 7, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return err_set(e, E_CONFLICT, "an account with the email %s already exists", u->email);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "save account");
    if (id)
        *id = sqlite3_last_insert_rowid(d->h);
    return E_OK;
}

static enum err_code sq_user_by_email(struct db *db, struct arena *a, const char *email,
                                      struct user *out, const char **password_hash,
                                      struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_USER_BY_EMAIL, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, email);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        read_user(a, s, out);
        *password_hash = col_text(a, s, 6);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "no such account");
    return fail(d, e, rc, "read account");
}

static enum err_code sq_set_password(struct db *db, int64_t user_id, const char *password_hash,
                                     struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SET_PASSWORD, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, user_id);
    bind_text(s, 2, password_hash);
    return run(d, s, e, "save password");
}

static enum err_code sq_add_session(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                    int64_t user_id, int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_ADD_SESSION, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, user_id);
    sqlite3_bind_int64(s, 3, now);
    return run(d, s, e, "save session");
}

static enum err_code sq_session(struct db *db, struct arena *a,
                                const unsigned char hash[STORE_TOKEN_HASH], struct user *out,
                                int64_t *created, int64_t *seen, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SESSION, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        read_user(a, s, out);
        *created = sqlite3_column_int64(s, 6);
        *seen = sqlite3_column_int64(s, 7);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "no such session");
    return fail(d, e, rc, "read session");
}

static enum err_code session_stmt(struct db *db, enum stmt_id q,
                                  const unsigned char hash[STORE_TOKEN_HASH], int64_t now,
                                  struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, q, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    if (q == Q_TOUCH_SESSION)
        sqlite3_bind_int64(s, 2, now);
    return run(d, s, e, "save session");
}

static enum err_code sq_touch_session(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                      int64_t now, struct err *e)
{
    return session_stmt(db, Q_TOUCH_SESSION, hash, now, e);
}

static enum err_code sq_delete_session(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                       struct err *e)
{
    return session_stmt(db, Q_DEL_SESSION, hash, 0, e);
}

static enum err_code sq_delete_user_sessions(struct db *db, int64_t user_id,
                                             const unsigned char *keep, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DEL_USER_SESSIONS, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, user_id);
    if (keep)
        sqlite3_bind_blob(s, 2, keep, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 2);
    return run(d, s, e, "end sessions");
}

static enum err_code sq_add_login_failure(struct db *db, const char *email, const char *address,
                                          int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_ADD_LOGIN_FAILURE, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, email);
    bind_text(s, 2, address);
    sqlite3_bind_int64(s, 3, now);
    return run(d, s, e, "record failed login");
}

/* Runs a "count(*), min-or-max(at) WHERE key = ?1 [AND key2 = ?3] AND at > ?2"
 * query (key2 NULL when it has no ?3). */
static enum err_code count_since(struct sqlite_db *d, enum stmt_id q, const char *key,
                                 const char *key2, int64_t since, int *count, int64_t *at,
                                 struct err *e)
{
    sqlite3_stmt *s = stmt(d, q, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, key);
    sqlite3_bind_int64(s, 2, since);
    if (key2)
        bind_text(s, 3, key2);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int(s, 0);
        *at = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "count failed logins");
}

static enum err_code sq_login_failures(struct db *db, const char *email, const char *address,
                                       int64_t since, int *by_pair, int64_t *newest_pair,
                                       int *by_address, int64_t *newest_address, struct err *e)
{
    enum err_code rc = count_since(DB(db), Q_LOGIN_FAILURES_PAIR, address, email, since,
                                   by_pair, newest_pair, e);
    if (rc == E_OK)
        rc = count_since(DB(db), Q_LOGIN_FAILURES_ADDRESS, address, NULL, since, by_address,
                         newest_address, e);
    return rc;
}

static enum err_code sq_clear_login_failures(struct db *db, const char *email,
                                             const char *address, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_CLEAR_LOGIN_FAILURES, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, email);
    bind_text(s, 2, address);
    return run(d, s, e, "clear failed logins");
}

static enum err_code sq_throttle_count(struct db *db, const char *kind, const char *key,
                                       int64_t since, int *count, int64_t *oldest, struct err *e)
{
    return count_since(DB(db), Q_THROTTLE_COUNT, key, kind, since, count, oldest, e);
}

static enum err_code sq_throttle_add(struct db *db, const char *kind, const char *key,
                                     int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_THROTTLE_PURGE, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, now - 86400);
    enum err_code rc = run(d, s, e, "forget old throttle hits");
    if (rc != E_OK || !(s = stmt(d, Q_THROTTLE_ADD, e)))
        return rc != E_OK ? rc : E_INTERNAL;
    bind_text(s, 1, kind);
    bind_text(s, 2, key);
    sqlite3_bind_int64(s, 3, now);
    return run(d, s, e, "record a throttle hit");
}

/* ---- booking ---- */

static enum err_code sq_busy(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                             struct busy **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_BUSY, e);
    struct busy *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, t0);
    sqlite3_bind_int64(s, 2, t1);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        items[cnt].therapist_id = col_text(a, s, 0);
        items[cnt].room_id = sqlite3_column_int64(s, 1);
        items[cnt].start = sqlite3_column_int64(s, 2);
        items[cnt].end = sqlite3_column_int64(s, 3);
        items[cnt].appointment_id = sqlite3_column_int64(s, 4);
        cnt++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "read appointments");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_time_off(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                                 struct time_off **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_TIME_OFF, e);
    struct time_off *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, t0);
    sqlite3_bind_int64(s, 2, t1);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        items[cnt].id = sqlite3_column_int64(s, 0);
        items[cnt].therapist_id = col_text(a, s, 1);
        items[cnt].start = sqlite3_column_int64(s, 2);
        items[cnt].end = sqlite3_column_int64(s, 3);
        items[cnt].reason = col_text(a, s, 4);
        cnt++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "read time off");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_add_time_off(struct db *db, const struct time_off *t, int64_t *id,
                                     struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_ADD_TIME_OFF, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, t->therapist_id);
    sqlite3_bind_int64(s, 2, t->start);
    sqlite3_bind_int64(s, 3, t->end);
    bind_text(s, 4, t->reason);
    if ((rc = run(d, s, e, "save time off")) == E_OK && id)
        *id = sqlite3_last_insert_rowid(d->h);
    return rc;
}

static enum err_code sq_delete_time_off(struct db *db, int64_t id, const char *therapist_id,
                                        struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DEL_TIME_OFF, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    if (therapist_id)
        bind_text(s, 2, therapist_id);
    else
        sqlite3_bind_null(s, 2);
    if ((rc = run(d, s, e, "delete time off")) == E_OK && sqlite3_changes(d->h) != 1)
        return err_set(e, E_NOTFOUND, "There is no such time off.");
    return rc;
}

static enum err_code sq_add_closed_date(struct db *db, const char *date, const char *reason,
                                        struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_ADD_CLOSED_DATE, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, date);
    bind_text(s, 2, reason);
    return run(d, s, e, "save closed date");
}

static enum err_code sq_client_for_booking(struct db *db, const char *name, const char *email,
                                           const char *phone, int update_phone, int64_t now,
                                           int64_t *id, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_FIND_CLIENT, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, name);
    bind_text(s, 2, email);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        if (!update_phone || !phone || !*phone)
            return E_OK;
        if (!(s = stmt(d, Q_SET_CLIENT_PHONE, e)))
            return E_INTERNAL;
        sqlite3_bind_int64(s, 1, *id);
        bind_text(s, 2, phone);
        return run(d, s, e, "save client");
    }
    sqlite3_reset(s);
    if (step != SQLITE_DONE)
        return fail(d, e, step, "find client");
    if (!(s = stmt(d, Q_ADD_CLIENT, e)))
        return E_INTERNAL;
    bind_text(s, 1, name);
    bind_text(s, 2, email);
    bind_text(s, 3, phone);
    sqlite3_bind_int64(s, 4, now);
    if ((rc = run(d, s, e, "save client")) == E_OK)
        *id = sqlite3_last_insert_rowid(d->h);
    return rc;
}

static enum err_code sq_add_appointment(struct db *db, const struct appointment *ap,
                                        const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                                        struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_ADD_APPT, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, ap->service_id);
    bind_text(s, 2, ap->therapist_id);
    sqlite3_bind_int64(s, 3, ap->room_id);
    sqlite3_bind_int64(s, 4, ap->client_id);
    sqlite3_bind_int64(s, 5, ap->start);
    sqlite3_bind_int64(s, 6, ap->end);
    sqlite3_bind_int64(s, 7, ap->busy_until);
    bind_text(s, 8, ap->status ? ap->status : "booked");
    bind_text(s, 9, ap->notes);
    sqlite3_bind_blob(s, 10, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    bind_text(s, 11, ap->source ? ap->source : "online");
    sqlite3_bind_int64(s, 12, ap->created_at);
    bind_text(s, 13, ap->contact_phone ? ap->contact_phone : "");
    if ((rc = run(d, s, e, "save appointment")) == E_OK && id)
        *id = sqlite3_last_insert_rowid(d->h);
    return rc;
}

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
    o->contact_phone = col_text(a, s, 21);
}

static enum err_code one_appointment(struct sqlite_db *d, sqlite3_stmt *s, struct arena *a,
                                     struct appointment *out, struct err *e)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_appointment(a, s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "there is no such appointment");
    return fail(d, e, rc, "read appointment");
}

static enum err_code sq_appointments(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                                     struct appointment **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_APPTS, e);
    struct appointment *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, t0);
    sqlite3_bind_int64(s, 2, t1);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        read_appointment(a, s, &items[cnt++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list appointments");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_appointment(struct db *db, struct arena *a, int64_t id,
                                    struct appointment *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_APPT, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    return one_appointment(d, s, a, out, e);
}

static enum err_code sq_appointment_by_token(struct db *db, struct arena *a,
                                             const unsigned char hash[STORE_TOKEN_HASH],
                                             struct appointment *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_APPT_BY_TOKEN, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    return one_appointment(d, s, a, out, e);
}

static enum err_code changed_one(struct sqlite_db *d, sqlite3_stmt *s, struct err *e,
                                 const char *what)
{
    enum err_code rc = run(d, s, e, what);
    if (rc == E_OK && sqlite3_changes(d->h) != 1)
        return err_set(e, E_CONFLICT, "%s: the appointment is no longer in a state that allows it",
                       what);
    return rc;
}

static enum err_code sq_cancel_appointment(struct db *db, int64_t id, int64_t now, int late,
                                           const char *reason, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_CANCEL_APPT, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int(s, 3, late ? 1 : 0);
    bind_text(s, 4, reason);
    return changed_one(d, s, e, "cancel");
}

static enum err_code sq_move_appointment(struct db *db, int64_t id, const char *therapist_id,
                                         int64_t room_id, int64_t start, int64_t end,
                                         int64_t busy_until, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_MOVE_APPT, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    bind_text(s, 2, therapist_id);
    sqlite3_bind_int64(s, 3, room_id);
    sqlite3_bind_int64(s, 4, start);
    sqlite3_bind_int64(s, 5, end);
    sqlite3_bind_int64(s, 6, busy_until);
    return changed_one(d, s, e, "move");
}

/* ---- front desk ---- */

static enum err_code sq_set_appointment_status(struct db *db, int64_t id, const char *from,
                                               const char *to, int64_t now, const char *reason,
                                               struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DESK_SET_STATUS, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    bind_text(s, 2, from);
    bind_text(s, 3, to);
    sqlite3_bind_int64(s, 4, now);
    bind_text(s, 5, reason);
    return changed_one(d, s, e, "status change");
}

static enum err_code sq_appt_event_add(struct db *db, const struct appt_event *ev, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_APPT_EVENT_ADD, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, ev->appointment_id);
    sqlite3_bind_int64(s, 2, ev->at);
    sqlite3_bind_int64(s, 3, ev->user_id);
    bind_text(s, 4, ev->actor);
    bind_text(s, 5, ev->kind);
    bind_text(s, 6, ev->from_status);
    bind_text(s, 7, ev->to_status);
    bind_text(s, 8, ev->reason);
    return run(d, s, e, "record the appointment's history");
}

static enum err_code sq_appt_events(struct db *db, struct arena *a, int64_t id,
                                    struct appt_event **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_APPT_EVENTS, e);
    struct appt_event *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        items[cnt].id = sqlite3_column_int64(s, 0);
        items[cnt].appointment_id = sqlite3_column_int64(s, 1);
        items[cnt].at = sqlite3_column_int64(s, 2);
        items[cnt].user_id = sqlite3_column_int64(s, 3);
        items[cnt].actor = col_text(a, s, 4);
        items[cnt].kind = col_text(a, s, 5);
        items[cnt].from_status = col_text(a, s, 6);
        items[cnt].to_status = col_text(a, s, 7);
        items[cnt].reason = col_text(a, s, 8);
        cnt++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "read the appointment's history");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_staff_notes(struct db *db, struct arena *a, int64_t id, const char **out,
                                    struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DESK_STAFF_NOTES, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = col_text(a, s, 0);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "there is no such appointment");
    return fail(d, e, rc, "read staff notes");
}

static enum err_code sq_set_staff_notes(struct db *db, int64_t id, const char *notes,
                                        struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DESK_SET_STAFF_NOTES, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    bind_text(s, 2, notes);
    enum err_code rc = run(d, s, e, "save staff notes");
    if (rc == E_OK && sqlite3_changes(d->h) != 1)
        return err_set(e, E_NOTFOUND, "there is no such appointment");
    return rc;
}

static void read_client(struct arena *a, sqlite3_stmt *s, struct client *o)
{
    o->id = sqlite3_column_int64(s, 0);
    o->name = col_text(a, s, 1);
    o->email = col_text(a, s, 2);
    o->phone = col_text(a, s, 3);
    o->created_at = sqlite3_column_int64(s, 4);
    o->nappointments = sqlite3_column_int(s, 5);
}

static enum err_code sq_clients(struct db *db, struct arena *a, const char *q, int limit,
                                struct client **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DESK_CLIENTS, e);
    struct client *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, q);
    sqlite3_bind_int(s, 2, limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        read_client(a, s, &items[cnt++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list clients");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_client(struct db *db, struct arena *a, int64_t id, struct client *out,
                               struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DESK_CLIENT, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_client(a, s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "There is no client %lld.", (long long)id);
    return fail(d, e, rc, "read client");
}

static enum err_code sq_client_appointments(struct db *db, struct arena *a, int64_t client_id,
                                            struct appointment **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DESK_CLIENT_APPTS, e);
    struct appointment *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, client_id);
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

static enum err_code sq_update_client(struct db *db, const struct client *c, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DESK_UPDATE_CLIENT, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, c->id);
    bind_text(s, 2, c->name);
    bind_text(s, 3, c->email);
    bind_text(s, 4, c->phone);
    enum err_code rc = run(d, s, e, "save client");
    if (rc == E_OK && sqlite3_changes(d->h) != 1)
        return err_set(e, E_NOTFOUND, "There is no client %lld.", (long long)c->id);
    return rc;
}

/* Runs statement id with the two client ids bound as ?1 and ?2 (?2 unused
 * when b is 0). */
static enum err_code run_ids(struct sqlite_db *d, enum stmt_id id, int64_t a, int64_t b,
                             struct err *e, const char *what)
{
    sqlite3_stmt *s = stmt(d, id, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, a);
    if (b)
        sqlite3_bind_int64(s, 2, b);
    return run(d, s, e, what);
}

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

/* Moves the health form and insurance checks of `other` to `keep`.  One
 * current form per client: when both have one, the newer (by updated_at;
 * keep's on a tie) stays current and the other goes to the history. */
static enum err_code merge_health_records(struct sqlite_db *d, int64_t keep, int64_t other,
                                          struct err *e)
{
    enum err_code rc;
    int has_keep, has_other;
    int64_t at_keep = 0, at_other = 0, now = 0;
    if ((rc = run_ids(d, Q_INSURANCE_MOVE, keep, other, e, "move insurance checks")) != E_OK ||
        (rc = run_ids(d, Q_INTAKE_MOVE_HISTORY, keep, other, e, "move health form history")) !=
            E_OK ||
        (rc = intake_stamp(d, keep, &has_keep, &at_keep, NULL, e)) != E_OK ||
        (rc = intake_stamp(d, other, &has_other, &at_other, NULL, e)) != E_OK)
        return rc;
    if (!has_other)
        return E_OK;
    if (has_keep) {
        int64_t older = at_other > at_keep ? keep : other;
        now = at_other > at_keep ? at_other : at_keep;
        sqlite3_stmt *s = stmt(d, Q_INTAKE_ARCHIVE, e);
        if (!s)
            return E_INTERNAL;
        sqlite3_bind_int64(s, 1, older);
        sqlite3_bind_int64(s, 2, now);
        if ((rc = run(d, s, e, "keep the older health form")) != E_OK ||
            (rc = run_ids(d, Q_INTAKE_DELETE, older, 0, e, "replace the older health form")) !=
                E_OK ||
            (rc = run_ids(d, Q_INTAKE_MOVE_HISTORY, keep, other, e, "move health form history")) !=
                E_OK)
            return rc;
        if (older == other)
            return E_OK;
    }
    return run_ids(d, Q_INTAKE_MOVE, keep, other, e, "move the health form");
}

static enum err_code sq_merge_clients(struct db *db, int64_t keep, int64_t other, struct err *e)
{
    struct sqlite_db *d = DB(db);
    enum err_code rc;
    sqlite3_stmt *s = stmt(d, Q_DESK_MOVE_CLIENT_APPTS, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, keep);
    sqlite3_bind_int64(s, 2, other);
    if ((rc = run(d, s, e, "move the client's appointments")) != E_OK)
        return rc;
    if ((rc = merge_health_records(d, keep, other, e)) != E_OK)
        return rc;
    if (!(s = stmt(d, Q_MERGE_REFERRALS, e)))
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, keep);
    sqlite3_bind_int64(s, 2, other);
    if ((rc = run(d, s, e, "move the client's referrals")) != E_OK)
        return rc;
    if (!(s = stmt(d, Q_DESK_DEL_CLIENT, e)))
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, other);
    if ((rc = run(d, s, e, "delete the merged client")) != E_OK)
        return rc;
    if (sqlite3_changes(d->h) != 1)
        return err_set(e, E_NOTFOUND, "There is no client %lld.", (long long)other);
    return E_OK;
}

static enum err_code sq_client_overlaps(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                                        int64_t exclude, struct client_booking **out, size_t *n,
                                        struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_CLIENT_OVERLAPS, e);
    struct client_booking *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, t0);
    sqlite3_bind_int64(s, 2, t1);
    sqlite3_bind_int64(s, 3, exclude);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        items[cnt].id = sqlite3_column_int64(s, 0);
        items[cnt].start = sqlite3_column_int64(s, 1);
        items[cnt].end = sqlite3_column_int64(s, 2);
        items[cnt].service_name = col_text(a, s, 3);
        items[cnt].email = col_text(a, s, 4);
        items[cnt].phone = col_text(a, s, 5);
        cnt++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "read the client's appointments");
    *out = items;
    *n = cnt;
    return E_OK;
}

/* A copy of column i's blob on a (NULL and 0 for NULL). */
static const unsigned char *col_blob(struct arena *a, sqlite3_stmt *s, int i, size_t *n)
{
    const void *b = sqlite3_column_blob(s, i);
    int len = sqlite3_column_bytes(s, i);
    unsigned char *out;
    *n = 0;
    if (!b || len <= 0)
        return NULL;
    out = arena_alloc(a, (size_t)len);
    memcpy(out, b, (size_t)len);
    *n = (size_t)len;
    return out;
}

static enum err_code sq_idem_get(struct db *db, struct arena *a, const char *key, int64_t since,
                                 struct idem_entry *out, int *found, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_IDEM_GET, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, key);
    sqlite3_bind_int64(s, 2, since);
    int rc = sqlite3_step(s);
    *found = 0;
    memset(out, 0, sizeof *out);
    if (rc == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(s, 0);
        if (h && sqlite3_column_bytes(s, 0) == STORE_TOKEN_HASH)
            memcpy(out->hash, h, STORE_TOKEN_HASH);
        out->key = arena_strdup(a, key);
        out->status = sqlite3_column_int(s, 1);
        out->body = col_text(a, s, 2);
        out->address = col_text(a, s, 3);
        out->sealed = col_blob(a, s, 4, &out->nsealed);
        out->created_at = sqlite3_column_int64(s, 5);
        *found = 1;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? E_OK : fail(d, e, rc, "read idempotency key");
}

static enum err_code sq_idem_add(struct db *db, const struct idem_entry *en, int *added,
                                 struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_IDEM_ADD, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, en->key);
    sqlite3_bind_blob(s, 2, en->hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 3, en->status);
    bind_text(s, 4, en->body);
    bind_text(s, 5, en->address);
    if (en->sealed && en->nsealed)
        sqlite3_bind_blob(s, 6, en->sealed, (int)en->nsealed, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 6);
    sqlite3_bind_int64(s, 7, en->created_at);
    if ((rc = run(d, s, e, "save idempotency key")) != E_OK)
        return rc;
    *added = sqlite3_changes(d->h) == 1;
    return E_OK;
}

static enum err_code sq_purge_expired(struct db *db, int64_t before, struct err *e)
{
    struct sqlite_db *d = DB(db);
    static const enum stmt_id ids[] = {Q_PURGE_IDEM, Q_PURGE_FORM_TOKENS};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        sqlite3_stmt *s = stmt(d, ids[i], e);
        enum err_code rc;
        if (!s)
            return E_INTERNAL;
        sqlite3_bind_int64(s, 1, before);
        if ((rc = run(d, s, e, "purge expired keys")) != E_OK)
            return rc;
    }
    return E_OK;
}

static enum err_code sq_form_token_get(struct db *db, struct arena *a,
                                       const unsigned char hash[STORE_TOKEN_HASH],
                                       int64_t *appt_id, const unsigned char **sealed,
                                       size_t *nsealed, int *found, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_FORM_TOKEN_GET, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    *found = 0;
    if (rc == SQLITE_ROW) {
        *appt_id = sqlite3_column_int64(s, 0);
        *sealed = col_blob(a, s, 1, nsealed);
        *found = 1;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? E_OK : fail(d, e, rc, "read form token");
}

static enum err_code sq_form_token_add(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                       int64_t appt_id, const unsigned char *sealed,
                                       size_t nsealed, int64_t now, int *added, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_FORM_TOKEN_ADD, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, appt_id);
    sqlite3_bind_blob(s, 3, sealed, (int)nsealed, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, now);
    if ((rc = run(d, s, e, "save form token")) != E_OK)
        return rc;
    *added = sqlite3_changes(d->h) == 1;
    return E_OK;
}

/* ---- admin ---- */

static enum err_code sq_closed_days(struct db *db, struct arena *a, struct closed_day **out,
                                    size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_CLOSED_DAYS, e);
    struct closed_day *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        items[cnt].date = col_text(a, s, 0);
        items[cnt].reason = col_text(a, s, 1);
        cnt++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "read closed dates");
    *out = items;
    *n = cnt;
    return E_OK;
}

/* Runs s and reports E_NOTFOUND (with msg) when it changed no row. */
static enum err_code changed_some(struct sqlite_db *d, sqlite3_stmt *s, struct err *e,
                                  const char *what, const char *msg)
{
    enum err_code rc = run(d, s, e, what);
    if (rc == E_OK && sqlite3_changes(d->h) == 0)
        return err_set(e, E_NOTFOUND, "%s", msg);
    return rc;
}

static enum err_code sq_delete_closed_date(struct db *db, const char *date, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DEL_CLOSED_DATE, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, date);
    return changed_some(d, s, e, "remove closed date", "that date is not closed");
}

static enum err_code sq_set_service_therapists(struct db *db, const char *service_id,
                                               const char **ids, size_t n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_DEL_SERVICE_THERAPISTS, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, service_id);
    if ((rc = run(d, s, e, "save service therapists")) != E_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!(s = stmt(d, Q_ADD_THERAPIST_SERVICE, e)))
            return E_INTERNAL;
        bind_text(s, 1, ids[i]);
        bind_text(s, 2, service_id);
        if ((rc = run(d, s, e, "save service therapists")) != E_OK)
            return rc;
    }
    return E_OK;
}

static enum err_code sq_update_room(struct db *db, const struct room *r, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_UPDATE_ROOM, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, r->id);
    bind_text(s, 2, r->name);
    if ((rc = changed_some(d, s, e, "save room", "there is no such room")) != E_OK)
        return rc;
    if (!(s = stmt(d, Q_DEL_ROOM_SERVICES, e)))
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, r->id);
    if ((rc = run(d, s, e, "save room services")) != E_OK)
        return rc;
    for (size_t i = 0; i < r->nservices; i++) {
        if (!(s = stmt(d, Q_ADD_ROOM_SERVICE, e)))
            return E_INTERNAL;
        sqlite3_bind_int64(s, 1, r->id);
        bind_text(s, 2, r->service_ids[i]);
        if ((rc = run(d, s, e, "save room services")) != E_OK)
            return rc;
    }
    return E_OK;
}

static enum err_code sq_users(struct db *db, struct arena *a, struct user **out, size_t *n,
                              struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_USERS, e);
    struct user *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        read_user(a, s, &items[cnt++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list accounts");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_user(struct db *db, struct arena *a, int64_t id, struct user *out,
                             struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_USER, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_user(a, s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "there is no such account");
    return fail(d, e, rc, "read account");
}

static enum err_code sq_update_user(struct db *db, const struct user *u, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_UPDATE_USER, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, u->id);
    bind_text(s, 2, u->email);
    bind_text(s, 3, u->name);
    bind_text(s, 4, u->role);
    bind_text(s, 5, u->therapist_id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return err_set(e, E_CONFLICT, "an account with the email %s already exists", u->email);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "save account");
    if (sqlite3_changes(d->h) == 0)
        return err_set(e, E_NOTFOUND, "there is no such account");
    return E_OK;
}

static enum err_code sq_set_user_active(struct db *db, int64_t id, int active, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SET_USER_ACTIVE, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, active ? 1 : 0);
    return changed_some(d, s, e, "save account", "there is no such account");
}

/* ---- booking rules ---- */

static enum err_code sq_rules_get(struct db *db, struct clinic_rules *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_RULES_GET, e);
    if (!s)
        return E_INTERNAL;
    out->min_notice_minutes = out->horizon_days = out->grid_minutes = out->late_cancel_hours = -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->min_notice_minutes = sqlite3_column_int(s, 0);
        out->horizon_days = sqlite3_column_int(s, 1);
        out->grid_minutes = sqlite3_column_int(s, 2);
        out->late_cancel_hours = sqlite3_column_int(s, 3);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? E_OK : fail(d, e, rc, "read booking rules");
}

static enum err_code sq_rules_put(struct db *db, const struct clinic_rules *r, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_RULES_PUT, e);
    if (!s)
        return E_INTERNAL;
    bind_opt_int(s, 1, r->min_notice_minutes);
    bind_opt_int(s, 2, r->horizon_days);
    bind_opt_int(s, 3, r->grid_minutes);
    bind_opt_int(s, 4, r->late_cancel_hours);
    return run(d, s, e, "save booking rules");
}

/* ---- the audit log ---- */

static enum err_code sq_audit_add(struct db *db, const struct audit_entry *en, struct err *e)
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
    bind_text(s, 10, en->via ? en->via : "staff");
    return run(d, s, e, "write the audit log");
}

static enum err_code sq_audit_list(struct db *db, struct arena *a, const struct audit_filter *f,
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
        en->via = col_text(a, s, 10);
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
    o->appointment_id = sqlite3_column_int64(s, 26);
}

static enum err_code sq_intake(struct db *db, struct arena *a, int64_t client_id,
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

static enum err_code sq_intake_put(struct db *db, const struct intake *in, int64_t now,
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
    sqlite3_bind_int64(s, 23, in->appointment_id);
    if ((rc = run(d, s, e, "save health form")) != E_OK)
        return rc;
    if (created)
        *created = !found;
    if (id)
        *id = found ? cur : sqlite3_last_insert_rowid(d->h);
    return E_OK;
}

static enum err_code sq_intake_confirm(struct db *db, int64_t client_id, int64_t now,
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

static enum err_code sq_insurance_add(struct db *db, const struct insurance_check *c, int64_t *id,
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
    sqlite3_bind_int64(s, 8, c->appointment_id);
    if ((rc = run(d, s, e, "save insurance check")) == E_OK && id)
        *id = sqlite3_last_insert_rowid(d->h);
    return rc;
}

static enum err_code sq_insurance_update_request(struct db *db, int64_t id,
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

static enum err_code sq_insurance_record(struct db *db, int64_t id, const struct insurance_check *c,
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
    o->appointment_id = sqlite3_column_int64(s, 20);
}

static enum err_code one_insurance(struct sqlite_db *d, enum stmt_id id, int64_t key,
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

static enum err_code sq_insurance_get(struct db *db, struct arena *a, int64_t id,
                                      struct insurance_check *out, struct err *e)
{
    return one_insurance(DB(db), Q_INSURANCE_GET, id, a, out, e,
                         "There is no such insurance check.");
}

static enum err_code sq_insurance_latest(struct db *db, struct arena *a, int64_t client_id,
                                         struct insurance_check *out, struct err *e)
{
    return one_insurance(DB(db), Q_INSURANCE_LATEST, client_id, a, out, e,
                         "This client has not asked for an insurance check.");
}

static enum err_code sq_insurance_of_appointment(struct db *db, struct arena *a,
                                                 int64_t appointment_id,
                                                 struct insurance_check *out, struct err *e)
{
    return one_insurance(DB(db), Q_INSURANCE_OF_APPT, appointment_id, a, out, e,
                         "No insurance check was asked for through this appointment.");
}

static enum err_code sq_insurance_pending(struct db *db, struct arena *a, int limit,
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

static enum err_code sq_insurance_pending_count(struct db *db, int *n, struct err *e)
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

static enum err_code sq_referrals(struct db *db, struct arena *a, int64_t client_id,
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

static enum err_code sq_referral(struct db *db, struct arena *a, int64_t id,
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

static enum err_code sq_put_referral(struct db *db, const struct referral *ref, int64_t now,
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

static enum err_code sq_treats(struct db *db, int64_t client_id, const char *therapist_id,
                           int *yes, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_TREATS, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, client_id);
    bind_text(s, 2, therapist_id);
    int rc = sqlite3_step(s);
    *yes = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "read the treating relationship");
}

static enum err_code sq_note(struct db *db, struct arena *a, int64_t appointment_id,
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

static enum err_code sq_put_note(struct db *db, const struct treatment_note *n, int64_t now,
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

static enum err_code sq_sign_note(struct db *db, int64_t note_id, const char *signer,
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

static enum err_code sq_add_addendum(struct db *db, const struct note_addendum *ad, int64_t *id,
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
    rc = run(d, s, e, "add addendum");
    if (rc == E_UNPROCESSABLE && strstr(e->msg, "only a signed note"))
        return err_set(e, E_CONFLICT, "Sign the note first; addenda are for signed notes.");
    if (rc == E_OK && id)
        *id = sqlite3_last_insert_rowid(d->h);
    return rc;
}

static enum err_code sq_note_addenda(struct db *db, struct arena *a, int64_t note_id,
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

static void read_article(struct arena *a, sqlite3_stmt *s, struct article_row *out)
{
    out->slug = col_text(a, s, 0);
    out->title = col_text(a, s, 1);
    out->summary = col_text(a, s, 2);
    out->image = col_text(a, s, 3);
    out->image_alt = col_text(a, s, 4);
    out->body_md = col_text(a, s, 5);
    out->body_html = col_text(a, s, 6);
    out->position = sqlite3_column_int(s, 7);
    out->published = sqlite3_column_int(s, 8);
    out->updated_at = sqlite3_column_int64(s, 9);
}

static enum err_code sq_articles(struct db *db, struct arena *a, int published_only,
                                 struct article_row **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, published_only ? Q_ARTICLES_PUBLISHED : Q_ARTICLES, e);
    struct article_row *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        read_article(a, s, &items[cnt++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list articles");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_article(struct db *db, struct arena *a, const char *slug,
                                struct article_row *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_ARTICLE, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, slug);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_article(a, s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "there is no such article");
    return fail(d, e, rc, "read article");
}

static enum err_code sq_put_article(struct db *db, const char *old_slug,
                                    const struct article_row *art, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, old_slug ? Q_UPDATE_ARTICLE : Q_ADD_ARTICLE, e);
    if (!s)
        return E_INTERNAL;
    if (old_slug)
        bind_text(s, 1, old_slug);
    bind_text(s, 2, art->slug);
    bind_text(s, 3, art->title);
    bind_text(s, 4, art->summary);
    bind_text(s, 5, art->image);
    bind_text(s, 6, art->image_alt);
    bind_text(s, 7, art->body_md);
    bind_text(s, 8, art->body_html);
    sqlite3_bind_int(s, 9, art->position);
    sqlite3_bind_int(s, 10, art->published ? 1 : 0);
    sqlite3_bind_int64(s, 11, art->updated_at);
    if (!old_slug)
        return run(d, s, e, "save article");
    return changed_some(d, s, e, "save article", "there is no such article");
}

static enum err_code sq_set_article_published(struct db *db, const char *slug, int published,
                                              int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_SET_ARTICLE_PUBLISHED, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, slug);
    sqlite3_bind_int(s, 2, published ? 1 : 0);
    sqlite3_bind_int64(s, 3, now);
    return changed_some(d, s, e, "publish article", "there is no such article");
}

/* ---- the outbox ---- */

static enum err_code sq_outbox_add(struct db *db, const struct outbox_msg *m, int *added,
                                   struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_OUTBOX_ADD, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, m->kind);
    bind_text(s, 2, m->dedupe_key);
    sqlite3_bind_int64(s, 3, m->appointment_id);
    bind_text(s, 4, m->recipient);
    bind_text(s, 5, m->recipient_name);
    bind_text(s, 6, m->subject);
    bind_text(s, 7, m->body_text);
    bind_text(s, 8, m->body_html);
    bind_text(s, 9, m->attach_name);
    bind_text(s, 10, m->attach_type);
    if (m->attach_data && m->attach_len > 0 && m->attach_len <= INT32_MAX)
        sqlite3_bind_blob(s, 11, m->attach_data, (int)m->attach_len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 11);
    sqlite3_bind_int64(s, 12, m->next_attempt_at);
    sqlite3_bind_int64(s, 13, m->created_at);
    bind_text(s, 14, m->channel && m->channel[0] ? m->channel : "email");
    if ((rc = run(d, s, e, "queue a message")) != E_OK)
        return rc;
    *added = sqlite3_changes(d->h) > 0;
    return E_OK;
}

static enum err_code sq_outbox_count(struct db *db, int64_t appointment_id, const char *kind,
                                     int *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_OUTBOX_COUNT, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, appointment_id);
    bind_text(s, 2, kind);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "count messages");
}

static enum err_code sq_outbox_claim(struct db *db, struct arena *a, int64_t now,
                                     int64_t lease_until, unsigned channels,
                                     struct outbox_msg *out, int *found, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_OUTBOX_DUE, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int(s, 2, (int)channels);
    int rc = sqlite3_step(s);
    *found = 0;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(s, 0);
        out->appointment_id = sqlite3_column_int64(s, 1);
        out->kind = col_text(a, s, 2);
        out->dedupe_key = col_text(a, s, 3);
        out->recipient = col_text(a, s, 4);
        out->recipient_name = col_text(a, s, 5);
        out->subject = col_text(a, s, 6);
        out->body_text = col_text(a, s, 7);
        out->body_html = col_text(a, s, 8);
        out->attach_name = col_text(a, s, 9);
        out->attach_type = col_text(a, s, 10);
        int len = sqlite3_column_bytes(s, 11);
        const void *blob = sqlite3_column_blob(s, 11);
        if (blob && len > 0) {
            unsigned char *copy = arena_alloc(a, (size_t)len);
            memcpy(copy, blob, (size_t)len);
            out->attach_data = copy;
            out->attach_len = (size_t)len;
        }
        out->status = "sending";
        out->attempts = sqlite3_column_int(s, 13) + 1;
        out->next_attempt_at = lease_until;
        out->created_at = sqlite3_column_int64(s, 15);
        out->sent_at = sqlite3_column_int64(s, 16);
        out->last_error = col_text(a, s, 17);
        out->channel = col_text(a, s, 18);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return E_OK;
    if (rc != SQLITE_ROW)
        return fail(d, e, rc, "claim a message");
    if (!(s = stmt(d, Q_OUTBOX_CLAIM, e)))
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, out->id);
    sqlite3_bind_int64(s, 2, lease_until);
    enum err_code c = run(d, s, e, "claim a message");
    if (c == E_OK)
        *found = 1;
    return c;
}

static enum err_code sq_outbox_mark(struct db *db, int64_t id, const char *status,
                                    int64_t next_attempt_at, int64_t at, const char *last_error,
                                    struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_OUTBOX_MARK, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    bind_text(s, 2, status);
    sqlite3_bind_int64(s, 3, next_attempt_at);
    sqlite3_bind_int64(s, 4, at);
    bind_text(s, 5, last_error);
    enum err_code rc = run(d, s, e, "mark a message");
    if (rc == E_OK && sqlite3_changes(d->h) == 0)
        return err_set(e, E_CONFLICT, "message %lld is no longer being sent", (long long)id);
    return rc;
}

static enum err_code sq_outbox_next_due(struct db *db, unsigned channels, int64_t *at,
                                        int *found, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_OUTBOX_NEXT_DUE, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int(s, 1, (int)channels);
    int rc = sqlite3_step(s);
    *found = 0;
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
        *at = sqlite3_column_int64(s, 0);
        *found = 1;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "read the outbox");
}

static enum err_code sq_outbox_list(struct db *db, struct arena *a, const char *status,
                                    int limit, struct outbox_msg **out, size_t *n,
                                    struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_OUTBOX_LIST, e);
    struct outbox_msg *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, status);
    sqlite3_bind_int(s, 2, limit > 0 ? limit : 100);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        struct outbox_msg *m = &items[cnt++];
        memset(m, 0, sizeof *m);
        m->id = sqlite3_column_int64(s, 0);
        m->appointment_id = sqlite3_column_int64(s, 1);
        m->kind = col_text(a, s, 2);
        m->dedupe_key = col_text(a, s, 3);
        m->recipient = col_text(a, s, 4);
        m->recipient_name = col_text(a, s, 5);
        m->subject = col_text(a, s, 6);
        m->status = col_text(a, s, 7);
        m->attempts = sqlite3_column_int(s, 8);
        m->next_attempt_at = sqlite3_column_int64(s, 9);
        m->created_at = sqlite3_column_int64(s, 10);
        m->sent_at = sqlite3_column_int64(s, 11);
        m->last_error = col_text(a, s, 12);
        m->attach_name = col_text(a, s, 13);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list the outbox");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_outbox_retry(struct db *db, int64_t id, int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_OUTBOX_STATUS, e);
    char status[16] = "";
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(status, sizeof status, "%s", t ? (const char *)t : "");
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "there is no message %lld in the outbox", (long long)id);
    if (rc != SQLITE_ROW)
        return fail(d, e, rc, "read the outbox");
    if (strcmp(status, "pending") != 0 && strcmp(status, "failed") != 0)
        return err_set(e, E_CONFLICT, "message %lld is %s; only pending or failed messages can be"
                                      " retried", (long long)id, status);
    if (!(s = stmt(d, Q_OUTBOX_RETRY, e)))
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    return changed_some(d, s, e, "retry a message", "the message changed meanwhile; try again");
}

static enum err_code sq_outbox_purge(struct db *db, int64_t before, int *deleted, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_OUTBOX_PURGE, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, before);
    if ((rc = run(d, s, e, "purge the outbox")) != E_OK)
        return rc;
    *deleted = sqlite3_changes(d->h);
    return E_OK;
}

/* ---- calendar feeds ---- */

static enum err_code sq_feed_put(struct db *db, const char *therapist_id,
                                 const unsigned char hash[STORE_TOKEN_HASH], int64_t user_id,
                                 int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_FEED_PUT, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, therapist_id);
    sqlite3_bind_blob(s, 2, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, user_id);
    sqlite3_bind_int64(s, 4, now);
    return run(d, s, e, "save calendar feed");
}

static enum err_code one_feed(struct sqlite_db *d, sqlite3_stmt *s, struct arena *a,
                              struct calendar_feed *out, struct err *e)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->therapist_id = col_text(a, s, 0);
        out->therapist_name = col_text(a, s, 1);
        out->created_by = col_text(a, s, 2);
        out->created_at = sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return E_OK;
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "there is no such calendar feed");
    return fail(d, e, rc, "read calendar feed");
}

static enum err_code sq_feed(struct db *db, struct arena *a, const char *therapist_id,
                             struct calendar_feed *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_FEED, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, therapist_id);
    return one_feed(d, s, a, out, e);
}

static enum err_code sq_feed_by_token(struct db *db, struct arena *a,
                                      const unsigned char hash[STORE_TOKEN_HASH],
                                      struct calendar_feed *out, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_FEED_BY_TOKEN, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    return one_feed(d, s, a, out, e);
}

static enum err_code sq_feed_appointments(struct db *db, struct arena *a, const char *therapist_id,
                                          int64_t t0, int64_t t1, struct feed_appointment **out,
                                          size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_FEED_APPTS, e);
    struct feed_appointment *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, therapist_id);
    sqlite3_bind_int64(s, 2, t0);
    sqlite3_bind_int64(s, 3, t1);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        struct feed_appointment *o = &items[cnt++];
        o->id = sqlite3_column_int64(s, 0);
        o->start = sqlite3_column_int64(s, 1);
        o->end = sqlite3_column_int64(s, 2);
        o->revision = sqlite3_column_int(s, 3);
        o->status = col_text(a, s, 4);
        o->therapist_id = col_text(a, s, 5);
        o->service_name = col_text(a, s, 6);
        o->therapist_name = col_text(a, s, 7);
        o->room_name = col_text(a, s, 8);
        o->client_name = col_text(a, s, 9);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list appointments for a calendar feed");
    *out = items;
    *n = cnt;
    return E_OK;
}

/* ---- the client portal ---- */

static enum err_code sq_signin_request(struct db *db, const char *email, const char *address,
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

static enum err_code sq_signin_requests(struct db *db, const char *email, const char *address,
                                        int64_t since, int *by_email, int64_t *oldest_email,
                                        int *by_address, int64_t *oldest_address, struct err *e)
{
    enum err_code rc = count_since(DB(db), Q_SIGNIN_REQUESTS_EMAIL, email, NULL, since, by_email,
                                   oldest_email, e);
    if (rc == E_OK)
        rc = count_since(DB(db), Q_SIGNIN_REQUESTS_ADDRESS, address, NULL, since, by_address,
                         oldest_address, e);
    return rc;
}

static enum err_code sq_signin_who(struct db *db, struct arena *a, const char *email,
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

static enum err_code sq_signin_prune(struct db *db, int64_t before, struct err *e)
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

static enum err_code sq_signin_add(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
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

static enum err_code sq_signin_get(struct db *db, struct arena *a,
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

static enum err_code sq_signin_use(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
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

static enum err_code sq_portal_link_clients(struct db *db, int64_t user_id, const char *email,
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

static enum err_code sq_portal_appointments(struct db *db, struct arena *a, int64_t user_id,
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

/* *yes from a SELECT EXISTS statement with two id parameters. */
static enum err_code exists_ids(struct sqlite_db *d, enum stmt_id q, int64_t a, int64_t b,
                                int *yes, struct err *e, const char *what)
{
    sqlite3_stmt *s = stmt(d, q, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, a);
    sqlite3_bind_int64(s, 2, b);
    int rc = sqlite3_step(s);
    *yes = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, what);
}

static enum err_code sq_portal_owns_client(struct db *db, int64_t user_id, int64_t client_id,
                                           int *yes, struct err *e)
{
    return exists_ids(DB(db), Q_PORTAL_OWNS, user_id, client_id, yes, e, "read the client's owner");
}

static enum err_code sq_portal_manage_link(struct db *db, int64_t appointment_id, int64_t user_id,
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

static enum err_code sq_outbox_has(struct db *db, const char *dedupe_key, int *exists,
                                   struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_OUTBOX_HAS, e);
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, dedupe_key);
    int rc = sqlite3_step(s);
    *exists = rc == SQLITE_ROW;
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? E_OK : fail(d, e, rc, "read the outbox");
}

static enum err_code sq_outbox_withdraw(struct db *db, int64_t appointment_id, const char *kind,
                                        int *deleted, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_OUTBOX_WITHDRAW, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, appointment_id);
    bind_text(s, 2, kind);
    if ((rc = run(d, s, e, "withdraw reminders")) != E_OK)
        return rc;
    *deleted = sqlite3_changes(d->h);
    return E_OK;
}

static enum err_code sq_remind_candidates(struct db *db, struct arena *a, int64_t from,
                                          int64_t to, struct remind_appt **out, size_t *n,
                                          struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_REMIND_CANDIDATES, e);
    struct remind_appt *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        items[cnt].id = sqlite3_column_int64(s, 0);
        items[cnt].start = sqlite3_column_int64(s, 1);
        items[cnt].anchor = sqlite3_column_int64(s, 2);
        cnt++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "read the appointments due a reminder");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_remind_from(struct db *db, int64_t appointment_id, int64_t at,
                                    struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_REMIND_FROM, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, appointment_id);
    sqlite3_bind_int64(s, 2, at);
    return run(d, s, e, "reset the appointment's reminders");
}

/* ---- the waitlist ---- */

static enum err_code sq_waitlist_add(struct db *db, const struct waitlist_entry *w,
                                     const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                                     struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_WL_ADD, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    bind_text(s, 2, w->service_id);
    bind_text(s, 3, w->therapist_id);
    bind_text(s, 4, w->date_from);
    bind_text(s, 5, w->date_to);
    sqlite3_bind_int(s, 6, (int)w->days);
    sqlite3_bind_int(s, 7, w->time_from);
    sqlite3_bind_int(s, 8, w->time_to);
    bind_text(s, 9, w->name);
    bind_text(s, 10, w->email);
    bind_text(s, 11, w->phone);
    sqlite3_bind_int64(s, 12, w->created_at);
    if ((rc = run(d, s, e, "add to the waitlist")) != E_OK)
        return rc;
    *id = sqlite3_last_insert_rowid(d->h);
    return E_OK;
}

static void wl_entry_row(struct arena *a, sqlite3_stmt *s, struct waitlist_entry *o)
{
    o->id = sqlite3_column_int64(s, 0);
    o->service_id = col_text(a, s, 1);
    o->therapist_id = col_text(a, s, 2);
    o->date_from = col_text(a, s, 3);
    o->date_to = col_text(a, s, 4);
    o->days = (unsigned)sqlite3_column_int(s, 5);
    o->time_from = sqlite3_column_int(s, 6);
    o->time_to = sqlite3_column_int(s, 7);
    o->name = col_text(a, s, 8);
    o->email = col_text(a, s, 9);
    o->phone = col_text(a, s, 10);
    o->status = col_text(a, s, 11);
    o->created_at = sqlite3_column_int64(s, 12);
    o->closed_at = sqlite3_column_int64(s, 13);
    o->service_name = col_text(a, s, 14);
    o->therapist_name = col_text(a, s, 15);
}

/* One entry by the statement id and its first parameter (a hash or an id). */
static enum err_code wl_entry_one(struct sqlite_db *d, struct arena *a, enum stmt_id q,
                                  const unsigned char *hash, int64_t id,
                                  struct waitlist_entry *out, struct err *e)
{
    sqlite3_stmt *s = stmt(d, q, e);
    if (!s)
        return E_INTERNAL;
    if (hash)
        sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        wl_entry_row(a, s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "no such waitlist entry");
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "read a waitlist entry");
}

static enum err_code sq_waitlist_entry(struct db *db, struct arena *a,
                                       const unsigned char hash[STORE_TOKEN_HASH],
                                       struct waitlist_entry *out, struct err *e)
{
    return wl_entry_one(DB(db), a, Q_WL_ENTRY_BY_HASH, hash, 0, out, e);
}

static enum err_code sq_waitlist_leave(struct db *db, int64_t id, int64_t now, const char *reason,
                                       struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_WL_LEAVE, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    bind_text(s, 3, reason);
    if ((rc = run(d, s, e, "leave the waitlist")) != E_OK)
        return rc;
    if (sqlite3_changes(d->h) == 0)
        return err_set(e, E_CONFLICT, "This waitlist entry is closed already.");
    return E_OK;
}

static enum err_code sq_waitlist_active(struct db *db, struct arena *a, const char *service_id,
                                        struct waitlist_entry **out, size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_WL_ACTIVE, e);
    struct waitlist_entry *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, service_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        wl_entry_row(a, s, &items[cnt++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "read the waitlist");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_waitlist_desk(struct db *db, struct arena *a, const char *service_id,
                                      int64_t now, int limit, struct waitlist_desk_entry **out,
                                      size_t *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_WL_DESK, e);
    struct waitlist_desk_entry *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    if (!s)
        return E_INTERNAL;
    bind_text(s, 1, service_id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int(s, 3, limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        items = grow(a, items, cnt, &cap, sizeof *items);
        wl_entry_row(a, s, &items[cnt].en);
        items[cnt++].offer_until = sqlite3_column_int64(s, 16);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(d, e, rc, "list the waitlist");
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code sq_waitlist_active_count(struct db *db, int *n, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_WL_ACTIVE_COUNT, e);
    if (!s)
        return E_INTERNAL;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? E_OK : fail(d, e, rc, "count the waitlist");
}

static enum err_code sq_waitlist_entry_by_id(struct db *db, struct arena *a, int64_t id,
                                             struct waitlist_entry *out, struct err *e)
{
    return wl_entry_one(DB(db), a, Q_WL_ENTRY_BY_ID, NULL, id, out, e);
}

static enum err_code sq_waitlist_offer_add(struct db *db, const struct waitlist_offer *o,
                                           const unsigned char hash[STORE_TOKEN_HASH],
                                           int64_t *id, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_WL_OFFER_ADD, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, o->entry_id);
    sqlite3_bind_blob(s, 2, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    bind_text(s, 3, o->service_id);
    bind_text(s, 4, o->therapist_id);
    sqlite3_bind_int64(s, 5, o->start);
    sqlite3_bind_int64(s, 6, o->freed_by);
    sqlite3_bind_int64(s, 7, o->created_at);
    sqlite3_bind_int64(s, 8, o->expires_at);
    if ((rc = run(d, s, e, "make a waitlist offer")) != E_OK)
        return rc;
    *id = sqlite3_changes(d->h) > 0 ? sqlite3_last_insert_rowid(d->h) : 0;
    return E_OK;
}

static enum err_code sq_waitlist_offer(struct db *db, struct arena *a,
                                       const unsigned char hash[STORE_TOKEN_HASH],
                                       struct waitlist_offer *o, struct waitlist_entry *en,
                                       struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_WL_OFFER_BY_HASH, e);
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        o->id = sqlite3_column_int64(s, 0);
        o->entry_id = sqlite3_column_int64(s, 1);
        o->service_id = col_text(a, s, 2);
        o->therapist_id = col_text(a, s, 3);
        o->start = sqlite3_column_int64(s, 4);
        o->freed_by = sqlite3_column_int64(s, 5);
        o->status = col_text(a, s, 6);
        o->created_at = sqlite3_column_int64(s, 7);
        o->expires_at = sqlite3_column_int64(s, 8);
        o->appointment_id = sqlite3_column_int64(s, 9);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return err_set(e, E_NOTFOUND, "no such waitlist offer");
    if (rc != SQLITE_ROW)
        return fail(d, e, rc, "read a waitlist offer");
    return wl_entry_one(d, a, Q_WL_ENTRY_BY_ID, NULL, o->entry_id, en, e);
}

static enum err_code sq_waitlist_claim(struct db *db, int64_t offer_id, int64_t appointment_id,
                                       int64_t now, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = stmt(d, Q_WL_OFFER_CLAIM, e);
    enum err_code rc;
    if (!s)
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, offer_id);
    sqlite3_bind_int64(s, 2, appointment_id);
    sqlite3_bind_int64(s, 3, now);
    if ((rc = run(d, s, e, "claim a waitlist offer")) != E_OK)
        return rc;
    if (sqlite3_changes(d->h) == 0)
        return err_set(e, E_CONFLICT, "This offer is no longer open.");
    if (!(s = stmt(d, Q_WL_ENTRY_BOOKED, e)))
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, offer_id);
    sqlite3_bind_int64(s, 2, now);
    if ((rc = run(d, s, e, "close the waitlist entry")) != E_OK)
        return rc;
    if (sqlite3_changes(d->h) == 0)
        return err_set(e, E_CONFLICT, "This waitlist entry is closed already.");
    if (!(s = stmt(d, Q_WL_OFFERS_TAKEN, e)))
        return E_INTERNAL;
    sqlite3_bind_int64(s, 1, offer_id);
    return run(d, s, e, "close the other offers of the time");
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .version = sq_version,
    .acquire = sq_acquire,
    .release = sq_release,
    .begin = sq_begin,
    .commit = sq_commit,
    .begin_nowait = sq_begin_nowait,
    .writes = sq_writes,
    .limit_size = sq_limit_size,
    .rollback = sq_rollback,
    .schema_version = sq_schema_version,
    .is_empty = sq_is_empty,
    .clinic_version = sq_clinic_version,
    .versions = sq_versions,
    .closed_dates = sq_closed_dates,
    .wipe = sq_wipe,
    .services = sq_services,
    .service = sq_service,
    .therapists = sq_therapists,
    .therapist = sq_therapist,
    .therapist_week = sq_therapist_week,
    .rooms = sq_rooms,
    .clinic_hours = sq_clinic_hours,
    .put_service = sq_put_service,
    .put_therapist = sq_put_therapist,
    .add_room = sq_add_room,
    .put_therapist_week = sq_put_therapist_week,
    .put_clinic_hours = sq_put_clinic_hours,
    .add_user = sq_add_user,
    .user_by_email = sq_user_by_email,
    .set_password = sq_set_password,
    .add_session = sq_add_session,
    .session = sq_session,
    .touch_session = sq_touch_session,
    .delete_session = sq_delete_session,
    .delete_user_sessions = sq_delete_user_sessions,
    .add_login_failure = sq_add_login_failure,
    .login_failures = sq_login_failures,
    .clear_login_failures = sq_clear_login_failures,
    .throttle_count = sq_throttle_count,
    .throttle_add = sq_throttle_add,
    .busy = sq_busy,
    .time_off = sq_time_off,
    .add_time_off = sq_add_time_off,
    .delete_time_off = sq_delete_time_off,
    .add_closed_date = sq_add_closed_date,
    .client_for_booking = sq_client_for_booking,
    .add_appointment = sq_add_appointment,
    .appointment = sq_appointment,
    .appointments = sq_appointments,
    .appointment_by_token = sq_appointment_by_token,
    .cancel_appointment = sq_cancel_appointment,
    .move_appointment = sq_move_appointment,
    .client_overlaps = sq_client_overlaps,
    .idem_get = sq_idem_get,
    .idem_add = sq_idem_add,
    .purge_expired = sq_purge_expired,
    .form_token_get = sq_form_token_get,
    .form_token_add = sq_form_token_add,
    /* front desk */
    .set_appointment_status = sq_set_appointment_status,
    .appt_event_add = sq_appt_event_add,
    .appt_events = sq_appt_events,
    .staff_notes = sq_staff_notes,
    .set_staff_notes = sq_set_staff_notes,
    .clients = sq_clients,
    .client = sq_client,
    .client_appointments = sq_client_appointments,
    .update_client = sq_update_client,
    .merge_clients = sq_merge_clients,
    /* admin */
    .closed_days = sq_closed_days,
    .delete_closed_date = sq_delete_closed_date,
    .set_service_therapists = sq_set_service_therapists,
    .update_room = sq_update_room,
    .users = sq_users,
    .user = sq_user,
    .update_user = sq_update_user,
    .set_user_active = sq_set_user_active,
    /* articles */
    .articles = sq_articles,
    .article = sq_article,
    .put_article = sq_put_article,
    .set_article_published = sq_set_article_published,
    /* booking rules */
    .rules_get = sq_rules_get,
    .rules_put = sq_rules_put,
    /* the audit log */
    .audit_add = sq_audit_add,
    .audit_list = sq_audit_list,
    .intake = sq_intake,
    .intake_put = sq_intake_put,
    .intake_confirm = sq_intake_confirm,
    .insurance_add = sq_insurance_add,
    .insurance_update_request = sq_insurance_update_request,
    .insurance_record = sq_insurance_record,
    .insurance_get = sq_insurance_get,
    .insurance_latest = sq_insurance_latest,
    .insurance_of_appointment = sq_insurance_of_appointment,
    .insurance_pending = sq_insurance_pending,
    .insurance_pending_count = sq_insurance_pending_count,
    /* the clinical record */
    .referrals = sq_referrals,
    .referral = sq_referral,
    .put_referral = sq_put_referral,
    .treats = sq_treats,
    .note = sq_note,
    .put_note = sq_put_note,
    .sign_note = sq_sign_note,
    .add_addendum = sq_add_addendum,
    .note_addenda = sq_note_addenda,
    /* the outbox */
    .outbox_add = sq_outbox_add,
    .outbox_count = sq_outbox_count,
    .outbox_claim = sq_outbox_claim,
    .outbox_mark = sq_outbox_mark,
    .outbox_next_due = sq_outbox_next_due,
    .outbox_list = sq_outbox_list,
    .outbox_retry = sq_outbox_retry,
    .outbox_purge = sq_outbox_purge,
    /* calendar feeds */
    .feed_put = sq_feed_put,
    .feed = sq_feed,
    .feed_by_token = sq_feed_by_token,
    .feed_appointments = sq_feed_appointments,
    /* the client portal */
    .signin_request = sq_signin_request,
    .signin_requests = sq_signin_requests,
    .signin_who = sq_signin_who,
    .signin_prune = sq_signin_prune,
    .signin_add = sq_signin_add,
    .signin_get = sq_signin_get,
    .signin_use = sq_signin_use,
    .portal_link_clients = sq_portal_link_clients,
    .portal_appointments = sq_portal_appointments,
    .portal_owns_client = sq_portal_owns_client,
    .portal_manage_link = sq_portal_manage_link,
    /* reminders */
    .outbox_has = sq_outbox_has,
    .outbox_withdraw = sq_outbox_withdraw,
    .remind_candidates = sq_remind_candidates,
    .remind_from = sq_remind_from,
    /* the waitlist */
    .waitlist_add = sq_waitlist_add,
    .waitlist_entry = sq_waitlist_entry,
    .waitlist_leave = sq_waitlist_leave,
    .waitlist_active = sq_waitlist_active,
    .waitlist_desk = sq_waitlist_desk,
    .waitlist_active_count = sq_waitlist_active_count,
    .waitlist_entry_by_id = sq_waitlist_entry_by_id,
    .waitlist_offer_add = sq_waitlist_offer_add,
    .waitlist_offer = sq_waitlist_offer,
    .waitlist_claim = sq_waitlist_claim,
};
