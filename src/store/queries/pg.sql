-- Named queries of the PostgreSQL backend: the twin of sqlite.sql, query by query
-- (the same names, the same columns in the same order, $N for ?N).
--
-- A block starts with "-- name: x" (used in C as Q_X) or "-- fragment: x"
-- (text a query includes as {{x}}) and runs to the next such line.
-- scripts/queries.py embeds these at build time and fails the build on a
-- duplicate name, a Q_ id with no SQL here, or a query no store source uses.
-- Row readers read columns by position: keep a SELECT's column order in step
-- with the reader next to its caller (src/store/st_*.c).

-- fragment: service_cols
id, name, description, duration_min, buffer_min, price_cents, active, position,
coalesce(min_notice_minutes, -1), coalesce(horizon_days, -1),
coalesce(late_cancel_hours, -1)

-- fragment: appt_cols
a.id, a.service_id, a.therapist_id, a.room_id, a.client_id, a.start_at, a.end_at,
a.busy_until, a.status, a.notes, a.source, a.created_at, coalesce(a.cancelled_at, 0),
a.cancel_late, a.cancel_reason, s.name, t.name, r.name, c.name, c.email, c.phone,
a.contact_phone, r.location_id, l.name, l.address, l.timezone, a.revision,
a.sms_consent_at
FROM appointments a JOIN services s ON s.id = a.service_id
JOIN therapists t ON t.id = a.therapist_id JOIN rooms r ON r.id = a.room_id
JOIN locations l ON l.id = r.location_id
JOIN clients c ON c.id = a.client_id

-- fragment: referral_cols
id, client_id, physician, practice, phone, referred_on, diagnosis, icd10, visits,
valid_until, created_at, updated_at

-- fragment: note_cols
id, appointment_id, subjective, objective, assessment, plan, areas, techniques,
pressure, rest, heat_cold, stretches, home_care, providers, provider_reason,
next_weeks, author_id, created_at, updated_at, coalesce(signed_by, ''),
coalesce(signed_by_id, 0), coalesce(signed_at, 0)

-- fragment: feed_cols
coalesce(f.therapist_id, ''), coalesce(t.name, ''), u.name, f.created_at
FROM calendar_feeds f JOIN users u ON u.id = f.created_by AND u.active = 1
LEFT JOIN therapists t ON t.id = f.therapist_id
WHERE (f.therapist_id IS NULL AND u.role IN ('desk', 'admin')
OR (t.active = 1 AND u.therapist_id = f.therapist_id))

-- fragment: article_cols
slug, title, summary, image, image_alt, body_md, body_html, position, published,
updated_at

-- fragment: intake_cols_noid
client_id, version, email, phone, birth_date, emergency_name, emergency_phone, reason,
areas, pain, onset, onset_other, worse, better, treatments, conditions,
conditions_other, medications, pressure, consent_name, consent_at, updated_by,
created_at, updated_at, confirmed_at, appointment_id

-- fragment: intake_cols
id, {{intake_cols_noid}}

-- fragment: insurance_cols
i.id, i.client_id, i.carrier, i.member_id, i.group_number, i.holder_name,
i.holder_relation, i.requested_at, i.status, i.outcome, i.visits_per_year,
i.copay_cents, i.deductible_cents, i.referral_required, i.notes, i.verified_by,
i.verified_by_name, i.verified_at, c.name, c.email, i.appointment_id
FROM insurance_checks i JOIN clients c ON c.id = i.client_id

-- fragment: wl_entry_cols
SELECT e.id, e.service_id, coalesce(e.therapist_id, ''), e.date_from, e.date_to, e.days,
e.time_from, e.time_to, e.name, e.email, e.phone, e.status, e.created_at,
coalesce(e.closed_at, 0), s.name, coalesce(t.name, ''), coalesce(e.location_id, 0),
coalesce(l.name, '') FROM waitlist_entries e
JOIN services s ON s.id = e.service_id LEFT JOIN therapists t ON t.id = e.therapist_id
LEFT JOIN locations l ON l.id = e.location_id

-- fragment: checkout_cols
SELECT id, purpose, coalesce(appointment_id, 0), coalesce(client_id, 0), ref_id, amount_cents,
currency, description, idem_key, coalesce(session_id, ''), url, status, hold_until, created_at,
settled_at, mismatch FROM checkouts

-- name: version
SELECT coalesce(max(version), 0) FROM schema_version

-- The version counters are stripes (0003's comment): their sum is the version.
-- name: clinic_version
SELECT sum(version)::bigint FROM clinic_version

-- name: versions
SELECT (SELECT sum(version)::bigint FROM clinic_version),
(SELECT sum(version)::bigint FROM appointments_version)

-- name: closed_dates
SELECT date FROM closed_dates WHERE location_id = $1 ORDER BY date

-- name: is_empty
SELECT (SELECT count(*) FROM services) + (SELECT count(*) FROM therapists)
+ (SELECT count(*) FROM rooms) + (SELECT count(*) FROM appointments)
+ (SELECT count(*) FROM users)

-- name: services
SELECT {{service_cols}} FROM services WHERE active >= $1
ORDER BY position, name

-- name: service
SELECT {{service_cols}} FROM services WHERE id = $1

-- name: therapists
SELECT id, name, title, bio, photo, photo_alt, active, position, specialties
FROM therapists WHERE active >= $1 ORDER BY position, name

-- name: therapist
SELECT id, name, title, bio, photo, photo_alt, active, position, specialties
FROM therapists WHERE id = $1

-- name: therapist_services
SELECT ts.service_id FROM therapist_services ts
JOIN services s ON s.id = ts.service_id
WHERE ts.therapist_id = $1 ORDER BY s.position, s.name

-- name: all_therapist_services
SELECT ts.therapist_id, ts.service_id FROM therapist_services ts
JOIN services s ON s.id = ts.service_id
ORDER BY ts.therapist_id, s.position, s.name

-- name: therapist_hours
SELECT weekday, kind, start_min, end_min, location_id FROM therapist_hours
WHERE therapist_id = $1 ORDER BY weekday, start_min, location_id

-- name: lock_therapist
-- holds the therapist's own rows (hours, time off) for a read-decide-write: the
-- row locked until the commit.  First the therapist's advisory lock, which a
-- booking of hers holds shared until its commit (hold_for_booking): this waits
-- for those in flight, so the read that follows sees them, and the bookings
-- after it wait and then read the new version.  Taken before the row lock, so
-- that a booking holding the advisory lock is never kept from the key share
-- its appointment's foreign key takes on the row (a deadlock)
SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended('t:' || $1::text, 0))) AS held,
therapists WHERE id = $1
FOR UPDATE OF therapists

-- name: lock_location
-- the same for a location's hours, closed dates and archiving
SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended('l:' || $1::bigint, 0))) AS held,
locations WHERE id = $1
FOR UPDATE OF locations

-- name: lock_setup
-- holds every location, for a change every booking reads whatever its
-- location (the clinic's booking rules, a service, a therapist, a room): the
-- advisory lock of each location, exclusively, in the key order the bookings
-- take theirs (hold_for_booking).  Every booking holds its location's shared
-- until its commit, so this waits for those in flight and the ones after it
-- wait and then read the new version.  A waiting exclusive request queues
-- the later shared ones behind it: steady bookings do not keep it out
SELECT count(*) FROM (
    SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) AS held
    FROM (SELECT 'l:' || id::bigint AS k FROM locations ORDER BY 1) AS keys) AS h

-- name: hold_for_booking
-- A booking's (or a move's) person and its location ($1) and the therapists
-- it may book ($2: their ids, one space between), held until its commit, in
-- one round trip, before it reads the client's other bookings and the
-- clinic's version.  First the person ($3 "e:" and the e-mail in lower case,
-- $4 "p:" and the phone in E.164, '' for none), exclusively and in that
-- order: the client-overlap check reads, then decides; without this lock two
-- requests of one person as two new clients both read "nothing" at READ
-- COMMITTED and both insert.  Then shared advisory locks on the location and
-- therapists, which lock_location and lock_therapist (archiving, hours,
-- closed dates, time off) take exclusively before they read the
-- appointments: either the change committed first and the booking reads its
-- new version (409), or the change waits for the booking and then sees it.
-- Bookings share these; advisory locks write nothing (share-locking the rows
-- did, in every booking: with "any therapist" over 20 therapists bookings/s
-- fell in every pair, bench/README.md).  The sorted subquery is not pulled
-- up, so the locks are taken in its order: the person's before the shared
-- ones (a booking waiting for its person holds nothing shared), then in key
-- order.  The reads that follow are statements of their own, so that their
-- snapshots begin after the locks are granted.
SELECT count(*) FROM (
    SELECT CASE WHEN g = 0 THEN pg_advisory_xact_lock(hashtextextended(k, 0))
                ELSE pg_advisory_xact_lock_shared(hashtextextended(k, 0)) END AS held
    FROM (SELECT 0 AS g, 1 AS o, $3::text AS k WHERE $3::text <> ''
          UNION ALL SELECT 0, 2, $4::text WHERE $4::text <> ''
          UNION ALL SELECT 1, 0, 'l:' || $1::bigint
          UNION ALL SELECT 1, 0, 't:' || unnest(string_to_array($2::text, ' '))
          ORDER BY 1, 2, 3) AS keys) AS h

-- name: rooms
SELECT id, name, location_id FROM rooms ORDER BY id

-- name: room_services
SELECT service_id FROM room_services WHERE room_id = $1
ORDER BY service_id

-- name: clinic_hours
SELECT weekday, open_min, close_min, location_id FROM clinic_hours
ORDER BY location_id, weekday, open_min

-- name: locations
SELECT id, name, address, timezone, position, archived_at,
coalesce(min_notice_minutes, -1), coalesce(horizon_days, -1),
coalesce(late_cancel_hours, -1) FROM locations
ORDER BY position, id

-- archiving (0063): only a location with no future live appointment; the
-- count and the update run in one writing transaction (svc/locations.c)
-- name: location_future_live
SELECT count(*) FROM appointments a JOIN rooms r ON r.id = a.room_id
WHERE r.location_id = $1 AND a.status IN ('booked', 'checked_in') AND a.end_at > $2

-- name: location_archive
UPDATE locations SET archived_at = $2 WHERE id = $1

-- the location's own booking rules (0064); NULL = the clinic's
-- name: location_rules
UPDATE locations SET min_notice_minutes = $2, horizon_days = $3,
late_cancel_hours = $4 WHERE id = $1

-- name: add_location
INSERT INTO locations (name, address, timezone, position)
VALUES ($1, $2, $3, $4)
RETURNING id

-- name: update_location
UPDATE locations SET name = $2, address = $3, timezone = $4, position = $5
WHERE id = $1

-- name: put_service
INSERT INTO services (id, name, description, duration_min, buffer_min,
price_cents, active, position, min_notice_minutes, horizon_days,
late_cancel_hours) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (id) DO UPDATE SET name = excluded.name,
description = excluded.description, duration_min = excluded.duration_min,
buffer_min = excluded.buffer_min, price_cents = excluded.price_cents,
active = excluded.active, position = excluded.position,
min_notice_minutes = excluded.min_notice_minutes,
horizon_days = excluded.horizon_days,
late_cancel_hours = excluded.late_cancel_hours

-- name: put_therapist
INSERT INTO therapists (id, name, title, bio, photo, photo_alt, active,
position, specialties) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET name = excluded.name,
title = excluded.title, bio = excluded.bio, photo = excluded.photo,
photo_alt = excluded.photo_alt, active = excluded.active,
position = excluded.position, specialties = excluded.specialties

-- name: del_therapist_services
DELETE FROM therapist_services WHERE therapist_id = $1

-- name: add_therapist_service
INSERT INTO therapist_services (therapist_id, service_id)
VALUES ($1, $2)

-- name: add_room
INSERT INTO rooms (name, location_id) VALUES ($1, $2)
RETURNING id

-- name: add_room_service
INSERT INTO room_services (room_id, service_id) VALUES ($1, $2)

-- the service form's rooms (web/admin.c), replaced as a whole
-- name: del_service_rooms
DELETE FROM room_services WHERE service_id = $1

-- name: del_therapist_hours
DELETE FROM therapist_hours WHERE therapist_id = $1

-- name: add_therapist_hours
INSERT INTO therapist_hours (therapist_id, weekday, kind,
start_min, end_min, location_id) VALUES ($1, $2, $3, $4, $5, $6)

-- name: del_clinic_hours
DELETE FROM clinic_hours WHERE location_id = $1

-- name: add_clinic_hours
INSERT INTO clinic_hours (weekday, open_min, close_min, location_id)
VALUES ($1, $2, $3, $4)

-- name: add_user
INSERT INTO users (email, name, role, password_hash, therapist_id, active,
created_at) VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7)
RETURNING id

-- name: user_by_email
SELECT id, email, name, role, coalesce(therapist_id, ''), active,
password_hash FROM users WHERE email = $1 AND active = 1

-- name: set_password
UPDATE users SET password_hash = $2 WHERE id = $1

-- name: add_session
INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at)
VALUES ($1, $2, $3, $3)

-- name: session
SELECT u.id, u.email, u.name, u.role, coalesce(u.therapist_id, ''), u.active,
s.created_at, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1 AND u.active = 1

-- name: touch_session
UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1

-- name: del_session
DELETE FROM sessions WHERE token_hash = $1

-- name: del_user_sessions
DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2::bytea

-- name: add_login_failure
INSERT INTO login_failures (email, address, at) VALUES ($1, $2, $3)

-- name: login_failures_pair
SELECT count(*), coalesce(max(at), 0) FROM login_failures
WHERE email = $3 AND address = $1 AND at > $2

-- name: login_failures_address
SELECT count(*), coalesce(max(at), 0) FROM login_failures
WHERE address = $1 AND at > $2

-- name: clear_login_failures
DELETE FROM login_failures WHERE email = $1 AND address = $2

-- the throttles of anonymous bookings and waitlist sign-ups (web/throttle.c)
-- name: throttle_count
-- the hits of kind $3 since $2 by key ($1 and $4; '' for none), a row a key
SELECT key, count(*), coalesce(min(at), 0) FROM throttle_hits
WHERE key IN ($1, $4) AND at > $2 AND kind = $3
GROUP BY key

-- name: throttle_add
-- one hit of kind $1 at $3 for each key ($2 and $4; '' for none); the
-- hits older than a day go (migration 0070's trigger)
INSERT INTO throttle_hits (kind, key, at)
SELECT $1, k, $3 FROM (VALUES ($2::text), ($4::text)) AS keys (k) WHERE k <> ''

-- No appointment is busy for longer than a day (a service is at most 480
-- minutes plus a 240-minute buffer), so the lower bound on start_at keeps
-- the index range to the days asked for.
-- name: busy
SELECT therapist_id, room_id, start_at, busy_until, id FROM appointments
WHERE start_at < $2 AND start_at > $1 - 86400 AND busy_until > $1
AND status <> 'cancelled' ORDER BY start_at

-- "Any therapist" breaks a tie for the least recently assigned (svc/booking.c):
-- her latest live appointment by creation, read backwards on the index of
-- 0049.
-- name: therapist_last_assigned
SELECT created_at, id FROM appointments
WHERE therapist_id = $1 AND status <> 'cancelled'
ORDER BY created_at DESC, id DESC LIMIT 1

-- name: time_off
SELECT id, therapist_id, start_at, end_at, reason FROM time_off
WHERE start_at < $2 AND end_at > $1 ORDER BY start_at

-- name: add_time_off
INSERT INTO time_off (therapist_id, start_at, end_at, reason)
VALUES ($1, $2, $3, $4)
RETURNING id

-- name: del_time_off
DELETE FROM time_off WHERE id = $1 AND ($2::text IS NULL OR therapist_id = $2)

-- name: add_closed_date
INSERT INTO closed_dates (date, reason, location_id) VALUES ($1, $2, $3)
ON CONFLICT (location_id, date) DO UPDATE SET reason = excluded.reason

-- a client booked by phone only (st_booking.c): the same name, and the
-- phone's digits without a North American leading 1 of eleven
-- name: find_client_by_phone
SELECT id FROM (SELECT id, name, replace(replace(replace(replace(replace(replace(phone,
' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', '') AS d FROM clients) c
WHERE name = $1 AND $2 <> ''
AND (CASE WHEN length(d) = 11 AND substr(d, 1, 1) = '1' THEN substr(d, 2) ELSE d END) = $2
ORDER BY id LIMIT 1

-- name: find_client
SELECT id FROM clients WHERE name = $1 AND lower(email) = lower($2)
ORDER BY id LIMIT 1

-- A new client never takes the number of one removed by a merge: the
-- audit log still names that number (it has no foreign keys, on
-- purpose); clients.id is AUTOINCREMENT (0019), so numbers only grow.
-- name: add_client
INSERT INTO clients (name, email, phone, created_at)
VALUES ($1, $2, $3, $4)
RETURNING id

-- name: set_client_phone
UPDATE clients SET phone = $2 WHERE id = $1

-- name: add_appt
INSERT INTO appointments (service_id, therapist_id, room_id, client_id,
start_at, end_at, busy_until, status, notes, token_hash, source, created_at,
contact_phone, sms_consent_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
RETURNING id

-- name: appt
SELECT {{appt_cols}} WHERE a.id = $1

-- name: appts
SELECT {{appt_cols}} WHERE a.start_at >= $1 AND a.start_at < $2
ORDER BY a.start_at, a.id

-- the booking's own link, or one the portal gave a signed-in client
-- name: appt_by_token
SELECT {{appt_cols}} WHERE a.token_hash = $1 OR a.id =
(SELECT appointment_id FROM portal_manage_links WHERE token_hash = $1)

-- name: cancel_appt
UPDATE appointments SET status = 'cancelled', cancelled_at = $2,
cancel_late = $3, cancel_reason = $4 WHERE id = $1
AND status <> 'cancelled'

-- name: move_appt
UPDATE appointments SET therapist_id = $2, room_id = $3, start_at = $4,
end_at = $5, busy_until = $6 WHERE id = $1 AND status = 'booked'

-- the same one-day bound on start_at as busy keeps to the index range
-- name: client_overlaps
SELECT a.id, a.start_at, a.end_at, s.name, c.email, c.phone
FROM appointments a JOIN services s ON s.id = a.service_id
JOIN clients c ON c.id = a.client_id
WHERE a.start_at < $2 AND a.start_at > $1 - 86400 AND a.end_at > $1
AND a.status <> 'cancelled' AND a.id <> $3 ORDER BY a.start_at

-- name: idem_get
SELECT request_hash, status, body, address, sealed, created_at
FROM idempotency WHERE key = $1 AND created_at >= $2

-- name: idem_add
INSERT INTO idempotency (key, request_hash, status, body, address, sealed,
created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING

-- name: purge_idem
DELETE FROM idempotency WHERE created_at < $1

-- name: purge_form_tokens
DELETE FROM book_form_tokens WHERE created_at < $1

-- name: form_token_get
SELECT appointment_id, sealed FROM book_form_tokens WHERE token_hash = $1

-- name: form_token_add
INSERT INTO book_form_tokens (token_hash, appointment_id, sealed,
created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING

-- front desk
-- name: desk_set_status
UPDATE appointments SET status = $3,
cancelled_at = CASE WHEN $3 = 'cancelled' THEN $4 ELSE cancelled_at END,
cancel_reason = CASE WHEN $3 = 'cancelled' THEN $5 ELSE cancel_reason END,
cancel_late = CASE WHEN $3 = 'cancelled' THEN $6::bigint ELSE 0 END
WHERE id = $1 AND status = $2

-- name: appt_event_add
INSERT INTO appointment_events (appointment_id, at, user_id, actor,
kind, from_status, to_status, reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

-- name: appt_events
SELECT id, appointment_id, at, user_id, actor, kind, from_status,
to_status, reason FROM appointment_events WHERE appointment_id = $1
ORDER BY id

-- name: desk_staff_notes
SELECT staff_notes FROM appointments WHERE id = $1

-- name: desk_set_staff_notes
UPDATE appointments SET staff_notes = $2 WHERE id = $1

-- name: desk_clients
SELECT c.id, c.name, c.email, c.phone, c.created_at,
(SELECT count(*) FROM appointments a WHERE a.client_id = c.id)
FROM clients c WHERE $1 = '' OR strpos(lower(c.name), lower($1)) > 0
OR strpos(lower(c.email), lower($1)) > 0 OR strpos(c.phone, $1) > 0
OR ($3 <> '' AND strpos(replace(replace(replace(replace(replace(replace(c.phone,
' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), $3) > 0)
ORDER BY lower(c.name), c.name, c.id LIMIT $2

-- name: desk_client
SELECT c.id, c.name, c.email, c.phone, c.created_at,
(SELECT count(*) FROM appointments a WHERE a.client_id = c.id)
FROM clients c WHERE c.id = $1

-- every client, oldest first (the CSV export)
-- name: clients_all
SELECT c.id, c.name, c.email, c.phone, c.created_at,
(SELECT count(*) FROM appointments a WHERE a.client_id = c.id)
FROM clients c ORDER BY c.id

-- name: desk_client_appts
SELECT {{appt_cols}} WHERE a.client_id = $1
ORDER BY a.start_at DESC, a.id DESC

-- name: desk_update_client
UPDATE clients SET name = $2, email = $3, phone = $4 WHERE id = $1

-- name: desk_move_client_appts
UPDATE appointments SET client_id = $1 WHERE client_id = $2

-- an invoice's client is the one column a merge may change (0039)
-- name: desk_move_client_invoices
UPDATE invoices SET client_id = $1 WHERE client_id = $2

-- name: desk_move_client_packages
UPDATE client_packages SET client_id = $1 WHERE client_id = $2

-- name: desk_move_client_gift_cards
UPDATE gift_cards SET buyer_client_id = $1 WHERE buyer_client_id = $2

-- name: desk_del_client
DELETE FROM clients WHERE id = $1

-- admin
-- name: closed_days
SELECT date, reason, location_id FROM closed_dates ORDER BY date, location_id

-- name: del_closed_date
DELETE FROM closed_dates WHERE date = $1 AND location_id = $2

-- name: del_service_therapists
DELETE FROM therapist_services WHERE service_id = $1

-- name: update_room
UPDATE rooms SET name = $2, location_id = $3 WHERE id = $1

-- name: del_room_services
DELETE FROM room_services WHERE room_id = $1

-- name: users
SELECT id, email, name, role, coalesce(therapist_id, ''), active FROM users
ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'desk' THEN 1
WHEN 'therapist' THEN 2 ELSE 3 END, name, id

-- name: user
SELECT id, email, name, role, coalesce(therapist_id, ''), active FROM users
WHERE id = $1

-- name: set_user_active
UPDATE users SET active = $2 WHERE id = $1

-- name: update_user
UPDATE users SET email = $2, name = $3, role = $4,
therapist_id = nullif($5, '') WHERE id = $1

-- articles
-- name: articles
SELECT {{article_cols}} FROM articles ORDER BY position, slug

-- name: articles_published
SELECT {{article_cols}} FROM articles WHERE published = 1
ORDER BY position, slug

-- name: article
SELECT {{article_cols}} FROM articles WHERE slug = $1

-- name: add_article
-- ($1, the old slug of update_article, is not used: PostgreSQL needs its type)
INSERT INTO articles (slug, title, summary, image, image_alt, body_md,
body_html, position, published, updated_at)
SELECT $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text,
$9::bigint, $10::bigint, $11::bigint WHERE $1::text IS NULL OR TRUE

-- name: update_article
UPDATE articles SET slug = $2, title = $3, summary = $4, image = $5,
image_alt = $6, body_md = $7, body_html = $8, position = $9,
published = $10, updated_at = $11 WHERE slug = $1

-- name: set_article_published
UPDATE articles SET published = $2, updated_at = $3
WHERE slug = $1

-- booking rules
-- name: rules_get
SELECT coalesce(min_notice_minutes, -1), coalesce(horizon_days, -1),
coalesce(grid_minutes, -1), coalesce(late_cancel_hours, -1)
FROM clinic_rules WHERE id = 1

-- name: rules_put
INSERT INTO clinic_rules (id, min_notice_minutes, horizon_days, grid_minutes,
late_cancel_hours) VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET
min_notice_minutes = excluded.min_notice_minutes,
horizon_days = excluded.horizon_days, grid_minutes = excluded.grid_minutes,
late_cancel_hours = excluded.late_cancel_hours

-- name: audit_add
INSERT INTO audit_log (at, user_id, actor, role, action, record, record_id,
client_id, address, via, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)

-- One row for each [record_id, client_id] pair of the JSON array $7, in its
-- order, the rest as audit_add's: a list of records shown, in one statement.
-- name: audit_add_many
INSERT INTO audit_log (at, user_id, actor, role, action, record, record_id,
client_id, address, via, reason)
SELECT $1, $2, $3, $4, $5, $6, (j.pair ->> 0)::bigint, (j.pair ->> 1)::bigint, $8, $9, $10
FROM jsonb_array_elements($7::text::jsonb) WITH ORDINALITY AS j(pair, n) ORDER BY j.n

-- how many times the account did action since $3: its rows over the client
-- rows they name (a download writes one row per client row)
-- name: audit_count_since
SELECT count(*) / greatest(count(DISTINCT client_id), 1), coalesce(min(at), 0) FROM audit_log
WHERE user_id = $1 AND action = $2 AND at >= $3

-- name: audit_list
SELECT id, at, user_id, actor, role, action, record, record_id, client_id,
address, via, reason FROM audit_log WHERE ($1 = 0 OR id < $1)
AND ($2 = 0 OR client_id = $2) AND ($3 = '' OR record = $3)
ORDER BY id DESC LIMIT $4

-- reports (st_reports.c): what the admin's reports add up over a range of
-- instants [$1, $2); the twins of sqlite.sql's (its comments say more).
-- name: report_appts
SELECT therapist_id, room_id, start_at, end_at, status, cancel_late FROM appointments
WHERE start_at >= $1 AND start_at < $2
AND ($3::bigint = 0 OR room_id IN (SELECT id FROM rooms WHERE location_id = $3))

-- name: report_clients
SELECT v.client_id, v.last_at,
    (SELECT count(*) FROM (SELECT 1 FROM appointments b WHERE b.client_id = v.client_id
        AND b.start_at < $1 AND b.status IN ('completed', 'checked_in') LIMIT 1) x),
    (SELECT n.start_at FROM appointments n WHERE n.client_id = v.client_id
        AND n.start_at > v.last_at AND n.status <> 'cancelled' ORDER BY n.start_at LIMIT 1)
FROM (SELECT client_id, max(start_at) AS last_at FROM appointments
      WHERE start_at >= $1 AND start_at < $2 AND status IN ('completed', 'checked_in')
      AND ($3::bigint = 0 OR room_id IN (SELECT id FROM rooms WHERE location_id = $3))
      GROUP BY client_id) v

-- name: report_referrals
SELECT r.id, r.client_id, c.name, r.physician, r.referred_on, r.valid_until, r.visits
FROM referrals r JOIN clients c ON c.id = r.client_id
WHERE r.referred_on <= $2 AND r.valid_until >= $1
ORDER BY r.valid_until, r.id

-- name: report_referral_appts
SELECT a.client_id, a.start_at, a.status FROM appointments a
WHERE a.client_id IN (SELECT r.client_id FROM referrals r
                      WHERE r.referred_on <= $2 AND r.valid_until >= $1)
AND a.start_at >= $3 AND a.start_at < $4 AND a.status <> 'cancelled'
ORDER BY a.client_id, a.start_at

-- sums are numeric in PostgreSQL: read back as bigint
-- name: report_revenue_lines
SELECT l.service_id, coalesce(s.name, ''), l.kind, sum(l.qty)::bigint, sum(l.amount_cents)::bigint
FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
LEFT JOIN services s ON s.id = l.service_id
WHERE i.issued_at >= $1 AND i.issued_at < $2
AND ($3::bigint = 0 OR coalesce((SELECT r.location_id FROM appointments a JOIN rooms r ON r.id = a.room_id
WHERE a.id = i.appointment_id), 1) = $3)
GROUP BY l.service_id, s.name, l.kind

-- name: report_revenue_therapists
SELECT i.therapist_id, coalesce(t.name, ''), count(*), sum(i.total_cents - i.tip_cents)::bigint,
sum(i.tip_cents)::bigint
FROM invoices i LEFT JOIN therapists t ON t.id = i.therapist_id
WHERE i.issued_at >= $1 AND i.issued_at < $2
AND ($3::bigint = 0 OR coalesce((SELECT r.location_id FROM appointments a JOIN rooms r ON r.id = a.room_id
WHERE a.id = i.appointment_id), 1) = $3)
GROUP BY i.therapist_id, t.name

-- name: report_revenue_credits
SELECT count(*), coalesce(sum(n.amount_cents), 0)::bigint FROM credit_notes n
JOIN invoices i ON i.id = n.invoice_id
WHERE n.created_at >= $1 AND n.created_at < $2
AND ($3::bigint = 0 OR coalesce((SELECT r.location_id FROM appointments a JOIN rooms r ON r.id = a.room_id
WHERE a.id = i.appointment_id), 1) = $3)

-- name: report_insurance
SELECT status, outcome, requested_at, verified_at FROM insurance_checks
WHERE requested_at >= $1 AND requested_at < $2

-- the clinic's money (svc/money.c): billing settings, the ledger, close-outs
-- fragment: invoice_cols
i.id, i.number, coalesce(i.appointment_id, 0), i.client_id, i.client_name,
i.therapist_id, i.currency, i.line_count, i.subtotal_cents, i.discount_cents,
i.discount_reason, i.tax_cents, i.tip_cents, i.total_cents, i.bill_to, i.issued_at,
i.issued_by, i.issued_by_name,
(SELECT coalesce(sum(amount_cents), 0) FROM credit_notes WHERE invoice_id = i.id),
(SELECT coalesce(sum(amount_cents), 0) FROM payments
 WHERE invoice_id = i.id AND status = 'completed'),
(SELECT coalesce(sum(f.amount_cents), 0) FROM refunds f JOIN payments p ON p.id = f.payment_id
 WHERE p.invoice_id = i.id AND f.status = 'completed'),
(SELECT coalesce(sum(f.amount_cents), 0) FROM refunds f JOIN payments p ON p.id = f.payment_id
 WHERE p.invoice_id = i.id AND f.status = 'pending')
FROM invoices i

-- fragment: payment_cols
p.id, coalesce(p.invoice_id, 0), coalesce(p.appointment_id, 0), p.method, p.amount_cents,
p.tendered_cents, p.reference, p.status, p.created_at, p.created_by_name,
(SELECT coalesce(sum(amount_cents), 0) FROM refunds
 WHERE payment_id = p.id AND status <> 'failed'),
(SELECT coalesce(sum(amount_cents), 0) FROM refunds
 WHERE payment_id = p.id AND status = 'pending')
FROM payments p

-- name: service_billing
SELECT tax_bp, procedure_code, unit_minutes FROM services WHERE id = $1

-- name: put_service_billing
UPDATE services SET tax_bp = $2, procedure_code = $3, unit_minutes = $4 WHERE id = $1

-- name: therapist_ids
SELECT npi, licence FROM therapists WHERE id = $1

-- name: put_therapist_ids
UPDATE therapists SET npi = $2, licence = $3 WHERE id = $1

-- numbers without gaps: taken inside the writing transaction that issues
-- the invoice, and no invoice is ever deleted
-- name: invoice_next_number
SELECT coalesce(max(number), 0) + 1 FROM invoices

-- name: invoice_add
INSERT INTO invoices (number, appointment_id, client_id, client_name, therapist_id,
currency, line_count, subtotal_cents, discount_cents, discount_reason, tax_cents,
tip_cents, total_cents, bill_to, form_key, issued_at, issued_by, issued_by_name)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
RETURNING id

-- name: invoice_line_add
INSERT INTO invoice_lines (invoice_id, position, kind, service_id, description,
procedure_code, units, qty, unit_cents, discount_cents, tax_bp, tax_cents, amount_cents)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)

-- name: invoice_by_key
SELECT id FROM invoices WHERE form_key = $1

-- name: invoice
SELECT {{invoice_cols}} WHERE i.id = $1

-- name: invoices_of_appt
SELECT {{invoice_cols}} WHERE i.appointment_id = $1 ORDER BY i.number

-- the CSV export: invoices issued, payments taken in [$1, $2)
-- name: invoices_issued
SELECT {{invoice_cols}} WHERE i.issued_at >= $1 AND i.issued_at < $2
ORDER BY i.issued_at, i.number

-- name: payments_taken
SELECT {{payment_cols}} WHERE p.created_at >= $1 AND p.created_at < $2
ORDER BY p.created_at, p.id

-- visits from $2 to $3 (the appointments' start), for a superbill
-- name: invoices_of_client
SELECT {{invoice_cols}} JOIN appointments a ON a.id = i.appointment_id
WHERE i.client_id = $1 AND a.start_at >= $2 AND a.start_at < $3
ORDER BY a.start_at, i.number

-- name: invoice_lines
SELECT id, invoice_id, position, kind, service_id, description, procedure_code, units,
qty, unit_cents, discount_cents, tax_bp, tax_cents, amount_cents
FROM invoice_lines WHERE invoice_id = $1 ORDER BY position

-- what a client owes across visits (negative: owed back)
-- name: client_balance
SELECT coalesce(sum(i.total_cents
  - (SELECT coalesce(sum(amount_cents), 0) FROM credit_notes WHERE invoice_id = i.id)
  - (SELECT coalesce(sum(amount_cents), 0) FROM payments
     WHERE invoice_id = i.id AND status = 'completed')
  + (SELECT coalesce(sum(f.amount_cents), 0) FROM refunds f
     JOIN payments p ON p.id = f.payment_id
     WHERE p.invoice_id = i.id AND f.status = 'completed')), 0)
- (SELECT coalesce(sum(p.amount_cents - (SELECT coalesce(sum(f.amount_cents), 0) FROM refunds f
                                         WHERE f.payment_id = p.id AND f.status = 'completed')), 0)
   FROM payments p JOIN appointments a ON a.id = p.appointment_id
   WHERE p.invoice_id IS NULL AND p.status = 'completed' AND a.client_id = $1),
count(*),
coalesce(sum((SELECT coalesce(sum(f.amount_cents), 0) FROM refunds f
     JOIN payments p ON p.id = f.payment_id
     WHERE p.invoice_id = i.id AND f.status = 'pending')), 0)
+ (SELECT coalesce(sum(f.amount_cents), 0) FROM refunds f
   JOIN payments p ON p.id = f.payment_id JOIN appointments a ON a.id = p.appointment_id
   WHERE p.invoice_id IS NULL AND a.client_id = $1 AND f.status = 'pending')
FROM invoices i WHERE i.client_id = $1

-- name: payment_add
INSERT INTO payments (invoice_id, appointment_id, method, amount_cents, tendered_cents,
reference, status, idem_key, created_at, created_by, created_by_name)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id

-- name: payment_by_key
SELECT {{payment_cols}} WHERE p.idem_key = $1

-- name: payment
SELECT {{payment_cols}} WHERE p.id = $1

-- name: payments_of_invoice
SELECT {{payment_cols}} WHERE p.invoice_id = $1 ORDER BY p.id

-- name: payments_of_appt_unbilled
SELECT {{payment_cols}} WHERE p.appointment_id = $1 AND p.invoice_id IS NULL
AND p.status = 'completed' ORDER BY p.id

-- payments taken for the visit before its invoice (a deposit online)
-- name: payments_attach
UPDATE payments SET invoice_id = $2
WHERE appointment_id = $1 AND invoice_id IS NULL AND status = 'completed'

-- the client's credit (0066): see sqlite.sql
-- name: payments_credit_of_client
SELECT {{payment_cols}} JOIN appointments a ON a.id = p.appointment_id
WHERE a.client_id = $1 AND a.id <> $2 AND a.status IN ('cancelled', 'no_show')
AND p.invoice_id IS NULL AND p.status = 'completed' ORDER BY p.id

-- name: payment_apply
UPDATE payments SET invoice_id = $2 WHERE id = $1 AND invoice_id IS NULL

-- name: payment_detach
UPDATE payments SET invoice_id = NULL WHERE id = $1 AND invoice_id = $2

-- money online (migration 0055): a service's deposit, the checkouts at the
-- payment provider, its webhook events and a client's card on file
-- name: service_deposit
SELECT deposit_kind, deposit_value, price_cents FROM services WHERE id = $1

-- name: put_service_deposit
UPDATE services SET deposit_kind = $2, deposit_value = $3 WHERE id = $1

-- name: checkout_add
INSERT INTO checkouts (purpose, appointment_id, client_id, ref_id, amount_cents, currency,
description, idem_key, hold_until, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id

-- name: checkout
{{checkout_cols}} WHERE id = $1

-- name: checkout_by_key
{{checkout_cols}} WHERE idem_key = $1

-- the newest checkout of an appointment
-- name: checkout_of_appt
{{checkout_cols}} WHERE appointment_id = $1 ORDER BY id DESC LIMIT 1

-- the provider answered: its session and hosted page
-- name: checkout_opened
UPDATE checkouts SET session_id = $2, url = $3, status = 'open'
WHERE id = $1 AND status = 'creating'

-- the provider refused to open it: its hold ends now
-- name: checkout_give_up
UPDATE checkouts SET hold_until = $2 WHERE id = $1 AND status = 'creating'

-- paid, expired or failed: only from creating or open (PostgreSQL re-checks
-- the status on the row's newest version: of two settlements one wins)
-- name: checkout_settle
UPDATE checkouts SET status = $2, settled_at = $3,
session_id = coalesce(session_id, $4::text)
WHERE id = $1 AND status IN ('creating', 'open')

-- holds run out ($1 = now), oldest first
-- paid with another amount or currency than asked (0066): what came is
-- kept, and the hold ends at $3 at the latest, so the worker settles it
-- name: checkout_mismatch
UPDATE checkouts SET mismatch = $2, hold_until = least(hold_until, $3)
WHERE id = $1 AND status IN ('creating', 'open')

-- name: checkouts_expired
{{checkout_cols}} WHERE status IN ('creating', 'open') AND hold_until <= $1
ORDER BY hold_until, id LIMIT 50

-- a replayed event adds no row
-- name: payment_event_add
INSERT INTO payment_events (event_id, type, received_at) VALUES ($1, $2, $3)
ON CONFLICT (event_id) DO NOTHING

-- name: client_customer_set
UPDATE clients SET provider_customer = $2 WHERE id = $1

-- late-cancel and no-show fees (migration 0056)
-- name: service_fees
SELECT late_fee_kind, late_fee_value, noshow_fee_kind, noshow_fee_value, price_cents
FROM services WHERE id = $1

-- name: put_service_fees
UPDATE services SET late_fee_kind = $2, late_fee_value = $3, noshow_fee_kind = $4,
noshow_fee_value = $5 WHERE id = $1

-- name: fee_agreement_add
INSERT INTO fee_agreements (appointment_id, late_cents, noshow_cents, wording, agreed_at)
VALUES ($1, $2, $3, $4, $5)

-- name: fee_agreement
SELECT late_cents, noshow_cents, wording, agreed_at FROM fee_agreements
WHERE appointment_id = $1

-- missed or late-cancelled visits with an agreed fee and no invoice yet
-- name: fees_due
SELECT a.id FROM appointments a JOIN fee_agreements f ON f.appointment_id = a.id
WHERE ((a.status = 'no_show' AND f.noshow_cents > 0)
       OR (a.status = 'cancelled' AND a.cancel_late = 1 AND f.late_cents > 0))
  AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.appointment_id = a.id
                  AND (i.issued_by <> 0 OR i.total_cents > (SELECT coalesce(sum(c.amount_cents), 0)
                       FROM credit_notes c WHERE c.invoice_id = i.id)))
ORDER BY a.id LIMIT 50

-- the newest fee invoice of an appointment, and how many it has (see sqlite.sql)
-- name: fee_invoice_of_appt
SELECT i.id, (SELECT count(*) FROM invoices j WHERE j.appointment_id = $1 AND j.issued_by = 0
              AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = j.id
                          AND l.kind = 'fee'))
FROM invoices i WHERE i.appointment_id = $1 AND i.issued_by = 0
AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id AND l.kind = 'fee')
ORDER BY i.id DESC LIMIT 1

-- visits no longer missed (a no-show undone) whose fee invoice is not yet
-- credited in full, or still holds what was paid towards it (0066: it
-- becomes the client's credit)
-- name: fees_to_void
SELECT i.appointment_id FROM invoices i JOIN appointments a ON a.id = i.appointment_id
WHERE i.issued_by = 0
  AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id AND l.kind = 'fee')
  AND a.status <> 'no_show' AND NOT (a.status = 'cancelled' AND a.cancel_late = 1)
  AND (i.total_cents > (SELECT coalesce(sum(c.amount_cents), 0) FROM credit_notes c
                        WHERE c.invoice_id = i.id)
       OR EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id
                  AND p.status = 'completed'))
ORDER BY i.id LIMIT 50

-- the provider's answer to a payment we asked for
-- name: payment_settle
UPDATE payments SET status = $2, reference = $3 WHERE id = $1 AND status = 'pending'

-- card charges still waiting for the provider's answer
-- name: payments_pending
SELECT {{payment_cols}} WHERE p.status = 'pending' AND p.method = 'provider'
AND p.invoice_id IS NOT NULL ORDER BY p.id LIMIT 50

-- the provider's customer of a client ('' = no card on file)
-- name: client_customer
SELECT provider_customer FROM clients WHERE id = $1

-- name: refund_add
INSERT INTO refunds (payment_id, amount_cents, reason, idem_key, created_at, created_by,
created_by_name, status, method, provider_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
$10)
RETURNING id

-- name: refund_by_key
SELECT id FROM refunds WHERE idem_key = $1

-- a refund with what the provider needs of its payment; method the one
-- the money went back to ('' in the row: the payment's)
-- fragment: refund_cols
f.id, f.payment_id, f.amount_cents, f.reason,
CASE WHEN f.method <> '' THEN f.method ELSE p.method END, f.created_at, f.created_by_name,
f.status, f.provider_key, f.provider_ref, f.failure, f.card_last4, f.settled_at,
coalesce(p.invoice_id, 0), p.reference, p.method
FROM refunds f JOIN payments p ON p.id = f.payment_id

-- name: refunds_of_invoice
SELECT {{refund_cols}} WHERE p.invoice_id = $1 ORDER BY f.id

-- name: refund
SELECT {{refund_cols}} WHERE f.id = $1

-- the refund a provider's event names: by our key (its metadata) or its id
-- name: refund_of_provider
SELECT {{refund_cols}} WHERE ($1 <> '' AND f.provider_key = $1)
OR ($2 <> '' AND f.provider_ref = $2) ORDER BY f.id LIMIT 1

-- refunds still waiting for the provider's answer (svc/pay's worker asks again)
-- name: refunds_pending
SELECT {{refund_cols}} WHERE f.status = 'pending' AND f.provider_key <> ''
ORDER BY f.id LIMIT 50

-- the provider's answer to a refund we asked for: only a pending one changes
-- name: refund_settle
UPDATE refunds SET status = $2, provider_ref = $3, failure = $4, card_last4 = $5,
settled_at = $6 WHERE id = $1 AND status = 'pending'

-- name: credit_add
INSERT INTO credit_notes (invoice_id, amount_cents, reason, idem_key, created_at,
created_by, created_by_name) VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id

-- name: credit_by_key
SELECT id FROM credit_notes WHERE idem_key = $1

-- name: credits_of_invoice
SELECT id, invoice_id, amount_cents, reason, created_at, created_by_name
FROM credit_notes WHERE invoice_id = $1 ORDER BY id

-- a day's takings by method: payments settled and refunds given in [$1, $2),
-- at location $3 (0 = every location): a payment's is its appointment's, or
-- its invoice's appointment's, else the first location's (0064)
-- fragment: pay_location
coalesce((SELECT r.location_id FROM appointments a JOIN rooms r ON r.id = a.room_id
WHERE a.id = coalesce(p.appointment_id, (SELECT i.appointment_id FROM invoices i
WHERE i.id = p.invoice_id))), 1)

-- name: takings_paid
SELECT p.method, count(*), coalesce(sum(p.amount_cents), 0) FROM payments p
WHERE p.created_at >= $1 AND p.created_at < $2 AND p.status = 'completed'
AND ($3::bigint = 0 OR {{pay_location}} = $3)
GROUP BY p.method ORDER BY p.method

-- refunds given: completed, by the method the money went back to, on the
-- day the money went back: a provider's refund when it confirmed it
-- (settled_at, 0065), one given at the desk (settled_at 0) when it was
-- written; a refund asked one day and confirmed the next counts on the next
-- name: takings_refunded
SELECT CASE WHEN f.method <> '' THEN f.method ELSE p.method END AS m, count(*),
coalesce(sum(f.amount_cents), 0) FROM refunds f
JOIN payments p ON p.id = f.payment_id
WHERE ((f.settled_at = 0 AND f.created_at >= $1 AND f.created_at < $2)
OR (f.settled_at > 0 AND f.settled_at >= $1 AND f.settled_at < $2)) AND f.status = 'completed'
AND ($3::bigint = 0 OR {{pay_location}} = $3)
GROUP BY m ORDER BY m

-- refunds asked of the provider that day and not answered yet
-- name: takings_refund_pending
SELECT p.method, count(*), coalesce(sum(f.amount_cents), 0) FROM refunds f
JOIN payments p ON p.id = f.payment_id
WHERE f.created_at >= $1 AND f.created_at < $2 AND f.status = 'pending'
AND ($3::bigint = 0 OR {{pay_location}} = $3)
GROUP BY p.method ORDER BY p.method

-- name: takings_issued
SELECT count(*), coalesce(sum(v.total_cents), 0), coalesce(sum(v.tip_cents), 0),
coalesce(sum(v.tax_cents), 0) FROM invoices v WHERE v.issued_at >= $1 AND v.issued_at < $2
AND ($3::bigint = 0 OR coalesce((SELECT r.location_id FROM appointments a JOIN rooms r
ON r.id = a.room_id WHERE a.id = v.appointment_id), 1) = $3)

-- name: closeout_add
INSERT INTO closeouts (day, float_cents, counted_cents, expected_cents, note, created_at,
created_by, created_by_name, location_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
$9)
RETURNING id

-- name: closeouts_of_day
SELECT id, day, float_cents, counted_cents, expected_cents, note, created_at,
created_by_name, location_id FROM closeouts WHERE day = $1 AND location_id = $2
ORDER BY id DESC

-- packages and gift cards (st_prepaid.c): credits and balances are sums of rows
-- fragment: gift_card_cols
g.id, g.last4, g.amount_cents, g.currency, coalesce(g.invoice_id, 0),
coalesce(g.buyer_client_id, 0), g.recipient_name, g.recipient_email, g.message, g.send_at,
g.expires_at, g.created_at, g.created_by_name,
(SELECT coalesce(sum(delta), 0) FROM gift_card_entries WHERE gift_card_id = g.id),
(SELECT coalesce(-sum(delta), 0) FROM gift_card_entries WHERE gift_card_id = g.id
AND kind IN ('sale_refund', 'refund_undone'))
FROM gift_cards g

-- name: packages
SELECT p.id, p.name, p.service_id, p.credits, p.discount_bp, p.valid_months, p.active,
p.price_cents, p.created_at, coalesce(s.name, p.service_id)
FROM packages p LEFT JOIN services s ON s.id = p.service_id
ORDER BY p.active DESC, p.name

-- name: package
SELECT p.id, p.name, p.service_id, p.credits, p.discount_bp, p.valid_months, p.active,
p.price_cents, p.created_at, coalesce(s.name, p.service_id)
FROM packages p LEFT JOIN services s ON s.id = p.service_id WHERE p.id = $1

-- name: package_add
INSERT INTO packages (name, service_id, credits, price_cents, discount_bp, valid_months,
active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id

-- name: package_set_active
UPDATE packages SET active = $2 WHERE id = $1

-- name: client_package_add
INSERT INTO client_packages (client_id, package_id, name, service_id, credits, price_cents,
invoice_id, expires_at, sold_at, sold_by_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id

-- name: client_packages
SELECT cp.id, cp.client_id, cp.package_id, cp.name, cp.service_id, cp.credits, cp.price_cents,
coalesce(cp.invoice_id, 0), cp.expires_at, cp.sold_at, cp.sold_by_name,
(SELECT coalesce(sum(delta), 0) FROM package_credits WHERE client_package_id = cp.id)
FROM client_packages cp WHERE cp.client_id = $1 ORDER BY cp.sold_at DESC, cp.id DESC

-- the soonest to expire of the client's packages for service $2 valid at $3
-- name: client_package_usable
SELECT cp.id, cp.client_id, cp.package_id, cp.name, cp.service_id, cp.credits, cp.price_cents,
coalesce(cp.invoice_id, 0), cp.expires_at, cp.sold_at, cp.sold_by_name,
(SELECT coalesce(sum(delta), 0) FROM package_credits WHERE client_package_id = cp.id)
FROM client_packages cp
WHERE cp.client_id = $1 AND cp.service_id = $2 AND (cp.expires_at = 0 OR cp.expires_at > $3)
AND (SELECT coalesce(sum(delta), 0) FROM package_credits WHERE client_package_id = cp.id) > 0
ORDER BY CASE WHEN cp.expires_at = 0 THEN 1 ELSE 0 END, cp.expires_at, cp.id LIMIT 1

-- the packages of the portal account's clients (portal_appts' rule)
-- name: portal_packages
SELECT cp.id, cp.client_id, cp.package_id, cp.name, cp.service_id, cp.credits, cp.price_cents,
coalesce(cp.invoice_id, 0), cp.expires_at, cp.sold_at, cp.sold_by_name,
(SELECT coalesce(sum(delta), 0) FROM package_credits WHERE client_package_id = cp.id)
FROM client_packages cp WHERE cp.client_id IN (SELECT c2.id FROM clients c2
WHERE c2.user_id = $1 OR (c2.user_id IS NULL AND
lower(c2.email) = (SELECT lower(email) FROM users WHERE id = $1
AND proven_email = email)))
ORDER BY cp.sold_at DESC, cp.id DESC

-- name: package_credit_add
INSERT INTO package_credits (client_package_id, kind, delta, appointment_id, reason, at,
by_name) VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: package_credit_of_appt
SELECT cp.id, cp.client_id, cp.package_id, cp.name, cp.service_id, cp.credits, cp.price_cents,
coalesce(cp.invoice_id, 0), cp.expires_at, cp.sold_at, cp.sold_by_name,
(SELECT coalesce(sum(delta), 0) FROM package_credits WHERE client_package_id = cp.id),
(SELECT count(*) FROM package_credits r WHERE r.appointment_id = $1 AND r.kind = 'return')
FROM package_credits u JOIN client_packages cp ON cp.id = u.client_package_id
WHERE u.appointment_id = $1 AND u.kind = 'use'

-- the package sold on an invoice and the credits refunds of that sale took back (net)
-- name: client_package_of_sale
SELECT cp.id, cp.client_id, cp.package_id, cp.name, cp.service_id, cp.credits, cp.price_cents,
coalesce(cp.invoice_id, 0), cp.expires_at, cp.sold_at, cp.sold_by_name,
(SELECT coalesce(sum(delta), 0) FROM package_credits WHERE client_package_id = cp.id),
(SELECT coalesce(-sum(delta), 0) FROM package_credits WHERE client_package_id = cp.id
AND kind IN ('sale_refund', 'refund_undone'))
FROM client_packages cp WHERE cp.invoice_id = $1

-- the first statement of a transaction that takes credits off a package: a
-- second one waits for it
-- name: client_package_lock
SELECT id FROM client_packages WHERE id = $1
FOR UPDATE

-- name: gift_card_add
INSERT INTO gift_cards (code_hash, last4, amount_cents, currency, invoice_id, buyer_client_id,
recipient_name, recipient_email, message, send_at, expires_at, form_key, created_at,
created_by_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id

-- name: online_sale_add
INSERT INTO online_sales (kind, package_id, client_id, amount_cents, buyer_name, buyer_email,
recipient_name, recipient_email, message, send_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id

-- name: online_sale
SELECT id, kind, package_id, coalesce(client_id, 0), amount_cents, buyer_name, buyer_email,
recipient_name, recipient_email, message, send_at, created_at FROM online_sales WHERE id = $1

-- name: gift_card_by_key
SELECT id FROM gift_cards WHERE form_key = $1

-- name: gift_card_by_hash
SELECT {{gift_card_cols}} WHERE g.code_hash = $1

-- name: gift_card
SELECT {{gift_card_cols}} WHERE g.id = $1

-- name: gift_cards
SELECT {{gift_card_cols}} ORDER BY g.id DESC LIMIT 200

-- name: gift_card_touch
UPDATE gift_cards SET used_at = $2 WHERE id = $1

-- name: gift_card_entry_add
INSERT INTO gift_card_entries (gift_card_id, kind, delta, payment_id, at, by_name)
VALUES ($1, $2, $3, $4, $5, $6)

-- name: gift_card_of_payment
SELECT gift_card_id FROM gift_card_entries WHERE payment_id = $1 AND kind = 'redeem'

-- the gift card sold on an invoice
-- name: gift_card_of_sale
SELECT id FROM gift_cards WHERE invoice_id = $1

-- health form and insurance checks
-- name: intake
SELECT {{intake_cols}} FROM intakes WHERE client_id = $1

-- name: intake_versions
SELECT intake_id, {{intake_cols_noid}} FROM intake_history WHERE client_id = $1
ORDER BY version DESC, id DESC

-- name: intake_archive
INSERT INTO intake_history (intake_id, {{intake_cols_noid}}, archived_at) SELECT id, {{intake_cols_noid}}, $2::bigint FROM intakes
WHERE client_id = $1

-- name: intake_add
INSERT INTO intakes (client_id, email, phone, birth_date, emergency_name,
emergency_phone, reason, areas, pain, onset, onset_other, worse, better,
treatments, conditions, conditions_other, medications, pressure,
consent_name, consent_at, updated_by, created_at, updated_at, version,
appointment_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
$16, $17, $18, $19, $20, $21, $22, $22, 1, $23)
RETURNING id

-- name: intake_update
UPDATE intakes SET email = $2, phone = $3, birth_date = $4,
emergency_name = $5, emergency_phone = $6, reason = $7, areas = $8,
pain = $9, onset = $10, onset_other = $11, worse = $12, better = $13,
treatments = $14, conditions = $15, conditions_other = $16,
medications = $17, pressure = $18, consent_name = $19,
consent_at = $20, updated_by = $21, updated_at = $22,
version = version + 1, appointment_id = $23 WHERE client_id = $1
RETURNING id

-- name: intake_confirm
UPDATE intakes SET confirmed_at = $2 WHERE client_id = $1

-- name: intake_stamp
SELECT updated_at, id FROM intakes WHERE client_id = $1

-- name: intake_move_history
UPDATE intake_history SET client_id = $1 WHERE client_id = $2

-- name: intake_delete
DELETE FROM intakes WHERE client_id = $1

-- name: intake_move
UPDATE intakes SET client_id = $1 WHERE client_id = $2

-- name: insurance_add
INSERT INTO insurance_checks (client_id, carrier, member_id,
group_number, holder_name, holder_relation, requested_at,
appointment_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id

-- name: insurance_update_request
UPDATE insurance_checks SET carrier = $2, member_id = $3,
group_number = $4, holder_name = $5, holder_relation = $6
WHERE id = $1 AND status = 'pending'

-- name: insurance_record
UPDATE insurance_checks SET status = 'done', outcome = $2,
visits_per_year = $3, copay_cents = $4, deductible_cents = $5,
referral_required = $6, notes = $7, verified_by = $8,
verified_by_name = $9, verified_at = $10 WHERE id = $1

-- name: insurance_get
SELECT {{insurance_cols}} WHERE i.id = $1

-- name: insurance_latest
SELECT {{insurance_cols}} WHERE i.client_id = $1
ORDER BY i.id DESC LIMIT 1

-- name: insurance_of_client
SELECT {{insurance_cols}} WHERE i.client_id = $1
ORDER BY i.id DESC

-- name: insurance_of_appt
SELECT {{insurance_cols}} WHERE i.appointment_id = $1
ORDER BY i.id DESC LIMIT 1

-- name: insurance_pending
SELECT {{insurance_cols}} WHERE i.status = 'pending'
ORDER BY i.requested_at, i.id LIMIT $1

-- name: insurance_pending_count
SELECT count(*) FROM insurance_checks WHERE status = 'pending'

-- name: insurance_move
UPDATE insurance_checks SET client_id = $1 WHERE client_id = $2

-- the clinical record
-- name: merge_referrals
UPDATE referrals SET client_id = $1 WHERE client_id = $2

-- name: referrals
SELECT {{referral_cols}} FROM referrals WHERE client_id = $1
ORDER BY referred_on DESC, id DESC

-- name: referral
SELECT {{referral_cols}} FROM referrals WHERE id = $1

-- name: add_referral
INSERT INTO referrals (client_id, physician, practice, phone, referred_on,
diagnosis, icd10, visits, valid_until, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
RETURNING id

-- name: update_referral
UPDATE referrals SET physician = $2, practice = $3, phone = $4,
referred_on = $5, diagnosis = $6, icd10 = $7, visits = $8,
valid_until = $9, updated_at = $10 WHERE id = $1

-- name: note
SELECT {{note_cols}} FROM treatment_notes WHERE appointment_id = $1

-- a treating relationship: an appointment the front desk checked in
-- name: treats
SELECT EXISTS (SELECT 1 FROM appointments WHERE client_id = $1
AND therapist_id = $2 AND status IN ('checked_in', 'completed'))

-- A signed note is left alone (no row returned); the trigger would
-- refuse the change anyway.
-- name: put_note
INSERT INTO treatment_notes (appointment_id, subjective, objective, assessment,
plan, areas, techniques, pressure, rest, heat_cold, stretches, home_care,
providers, provider_reason, next_weeks, author_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
$16, $17, $17) ON CONFLICT (appointment_id) DO UPDATE SET
subjective = excluded.subjective, objective = excluded.objective,
assessment = excluded.assessment, plan = excluded.plan,
areas = excluded.areas, techniques = excluded.techniques,
pressure = excluded.pressure, rest = excluded.rest,
heat_cold = excluded.heat_cold, stretches = excluded.stretches,
home_care = excluded.home_care, providers = excluded.providers,
provider_reason = excluded.provider_reason,
next_weeks = excluded.next_weeks, updated_at = excluded.updated_at
WHERE treatment_notes.signed_at IS NULL RETURNING id

-- name: sign_note
UPDATE treatment_notes SET signed_by = $2, signed_by_id = $3,
signed_at = $4 WHERE id = $1 AND signed_at IS NULL

-- name: add_addendum
INSERT INTO note_addenda (note_id, body, author, author_id, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id

-- name: note_addenda
SELECT id, note_id, body, author, author_id, created_at FROM note_addenda
WHERE note_id = $1 ORDER BY id

-- the outbox
-- name: outbox_add
INSERT INTO outbox (kind, dedupe_key, appointment_id, recipient,
recipient_name, subject, body_text, body_html, attach_name, attach_type,
attach_data, next_attempt_at, created_at, channel)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (dedupe_key) DO NOTHING

-- a queued message's secret, sealed (migration 0060)
-- name: outbox_seal_add
INSERT INTO outbox_seals (outbox_id, sealed)
SELECT id, $2::bytea FROM outbox WHERE dedupe_key = $1

-- name: outbox_seal
SELECT sealed FROM outbox_seals WHERE outbox_id = $1

-- name: outbox_count
SELECT count(*) FROM outbox WHERE appointment_id = $1 AND kind = $2

-- name: outbox_due
-- Each arm of the OR has its index condition (a bitmap OR of the
-- (status, next_attempt_at) index): the pending messages already due, and the
-- few being sent, which are due when their lease_until passes or their
-- owner's lease (server_leases) has run out or ended.  A pending message not
-- yet due is not read.  (No UNION: FOR UPDATE refuses one.)
SELECT id, appointment_id, kind, dedupe_key, recipient, recipient_name,
subject, body_text, body_html, attach_name, attach_type, attach_data,
status, attempts, next_attempt_at, created_at, coalesce(sent_at, 0),
last_error, channel FROM outbox WHERE ((status = 'pending' AND next_attempt_at <= $1)
OR (status = 'sending' AND (next_attempt_at <= $1 OR (claimed_by <> ''
AND NOT EXISTS (SELECT 1 FROM server_leases l WHERE l.id = outbox.claimed_by
AND l.lease_until > $1))))) AND ((($2::bigint & 1) <> 0 AND channel = 'email')
OR (($2::bigint & 2) <> 0 AND channel = 'sms')) ORDER BY next_attempt_at, id LIMIT 1
FOR UPDATE SKIP LOCKED

-- name: outbox_claim
-- $3: the claiming server's lease (server_lease_renew), '' for none
UPDATE outbox SET status = 'sending', attempts = attempts + 1,
next_attempt_at = $2, claimed_by = $3 WHERE id = $1

-- a server's lease on its claims (migration 0071), renewed while it lives
-- name: server_lease_renew
INSERT INTO server_leases (id, lease_until) VALUES ($1, $2)
ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until

-- name: server_lease_end
DELETE FROM server_leases WHERE id = $1 OR lease_until < $2

-- name: outbox_mark
UPDATE outbox SET status = $2, next_attempt_at = $3, last_error = $5,
sent_at = CASE WHEN $2 = 'sent' THEN $4 ELSE sent_at END
WHERE id = $1 AND status = 'sending'

-- name: outbox_next_due
-- a claim is due when its lease_until passes, or when its owner's lease does;
-- the earliest pending message is the first of its status in the index
SELECT least((SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'
AND ((($1::bigint & 1) <> 0 AND channel = 'email') OR (($1::bigint & 2) <> 0 AND channel = 'sms'))),
(SELECT min(CASE WHEN claimed_by <> '' THEN least(next_attempt_at,
coalesce((SELECT l.lease_until FROM server_leases l WHERE l.id = outbox.claimed_by), 0))
ELSE next_attempt_at END) FROM outbox WHERE status = 'sending'
AND ((($1::bigint & 1) <> 0 AND channel = 'email') OR (($1::bigint & 2) <> 0 AND channel = 'sms'))))

-- name: outbox_list
SELECT id, appointment_id, kind, dedupe_key, recipient, recipient_name,
subject, status, attempts, next_attempt_at, created_at,
coalesce(sent_at, 0), last_error, attach_name FROM outbox
WHERE ($1 = '' OR status = $1) ORDER BY id DESC LIMIT $2

-- name: outbox_status
SELECT status FROM outbox WHERE id = $1

-- name: outbox_retry
UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2,
last_error = '' WHERE id = $1 AND status IN ('pending', 'failed')

-- name: outbox_purge
DELETE FROM outbox WHERE status = 'sent' AND sent_at < $1

-- name: outbox_tally
SELECT status, count(*) FROM outbox GROUP BY status

-- the events of appointment changes, rendered after their commit
-- (src/mail/render.c)
-- name: sched_event_add
INSERT INTO sched_events (kind, appointment_id, token, by_staff, at,
before_start, before_end, before_service_id, before_therapist_id, before_location_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)

-- A booking whose slot is only held for its deposit or card (a checkout
-- still creating or open: svc/pay) waits, with every later change of it, until
-- the provider's webhook pays it; the last column is 1 when its hold ran out
-- unpaid (nothing is said of a booking never confirmed)
-- name: sched_events_pending
SELECT e.id, e.kind, e.appointment_id, coalesce(e.token, ''), e.by_staff, e.at,
e.before_start, e.before_end, e.before_service_id, e.before_therapist_id, e.before_location_id,
CASE WHEN EXISTS (SELECT 1 FROM checkouts k WHERE k.appointment_id = e.appointment_id
                  AND k.status IN ('expired', 'failed'))
      AND NOT EXISTS (SELECT 1 FROM checkouts k WHERE k.appointment_id = e.appointment_id
                      AND k.status = 'paid') THEN 1 ELSE 0 END
FROM sched_events e WHERE e.id > $1
AND NOT EXISTS (SELECT 1 FROM checkouts k WHERE k.appointment_id = e.appointment_id
                AND k.status IN ('creating', 'open'))
ORDER BY e.id LIMIT $2

-- Two servers' render workers read the same waiting rows: a row the other's
-- pass is deleting (locked until its commit, a durable flush away) is skipped,
-- not waited for -- "gone", as if that pass had committed; should it roll
-- back instead, the row stays and the next pass renders it (at least once).
-- Waiting here made each server's pass, and the bookings waiting for it,
-- queue behind the other's commit (bench/README.md, PostgreSQL).
-- name: sched_event_done
DELETE FROM sched_events
WHERE id = (SELECT id FROM sched_events WHERE id = $1 FOR UPDATE SKIP LOCKED)

-- webhooks (0046_webhook_endpoints.sql, 0047_webhook_deliveries.sql)
-- name: wh_endpoint_add
INSERT INTO webhook_endpoints (url, description, events, secret, enabled,
created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
RETURNING id

-- name: wh_endpoint_update
UPDATE webhook_endpoints SET url = $2, description = $3, events = $4,
enabled = $5, updated_at = $6 WHERE id = $1

-- name: wh_endpoint_secret
UPDATE webhook_endpoints SET secret = $2, updated_at = $3 WHERE id = $1

-- name: wh_endpoint
SELECT id, url, description, events, enabled, created_at, updated_at, secret
FROM webhook_endpoints WHERE id = $1

-- name: wh_endpoints
SELECT ep.id, ep.url, ep.description, ep.events, ep.enabled, ep.created_at,
ep.updated_at,
(SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = ep.id
 AND d.status IN ('pending', 'sending')),
(SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = ep.id
 AND d.status = 'failed'),
(SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = ep.id
 AND d.status = 'delivered'),
(SELECT coalesce(max(d.last_attempt_at), 0) FROM webhook_deliveries d
 WHERE d.endpoint_id = ep.id)
FROM webhook_endpoints ep ORDER BY ep.id

-- name: wh_subscribed
SELECT count(*) FROM webhook_endpoints WHERE enabled = 1 AND (events & $1::bigint) <> 0

-- name: wh_event_add
INSERT INTO webhook_events (msg_id, type, payload, created_at)
VALUES ($1, $2, $3, $4)
RETURNING id

-- $3 = 0: every enabled endpoint that asked for the event (mask $2);
-- else only endpoint $3
-- name: wh_deliveries_add
INSERT INTO webhook_deliveries (event_id, endpoint_id, next_attempt_at,
created_at)
SELECT $1::bigint, id, 0, $4::bigint FROM webhook_endpoints
WHERE ($3::bigint = 0 AND enabled = 1 AND (events & $2::bigint) <> 0) OR id = $3::bigint

-- the endpoints $2..$9 have a transfer in flight (0 = no one).  Two
-- workers (two app servers) never take one delivery: the row stays locked
-- until the claim (wh_claim) commits, and the other skips it.
-- name: wh_due
-- as outbox_due: the pending deliveries already due, or one of the few being
-- sent whose lease_until passed or whose owner's lease ended
SELECT d.id, d.event_id, d.endpoint_id, ev.msg_id, ev.type, ev.payload,
d.status, d.attempts, d.last_status, d.next_attempt_at, d.last_attempt_at,
d.delivered_at, d.created_at, d.last_reply, ep.url, ep.secret
FROM webhook_deliveries d
JOIN webhook_events ev ON ev.id = d.event_id
JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
WHERE ((d.status = 'pending' AND d.next_attempt_at <= $1)
OR (d.status = 'sending' AND (d.next_attempt_at <= $1 OR (d.claimed_by <> ''
AND NOT EXISTS (SELECT 1 FROM server_leases l WHERE l.id = d.claimed_by
AND l.lease_until > $1)))))
AND ep.enabled = 1
AND d.endpoint_id NOT IN ($2, $3, $4, $5, $6, $7, $8, $9)
ORDER BY d.next_attempt_at, d.id LIMIT 1
FOR UPDATE OF d SKIP LOCKED

-- name: wh_claim
UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1,
next_attempt_at = $2, claimed_by = $3 WHERE id = $1

-- name: wh_mark
UPDATE webhook_deliveries SET status = $2, next_attempt_at = $3,
last_attempt_at = $4, last_status = $5, last_reply = $6,
delivered_at = CASE WHEN $2 = 'delivered' THEN $4 ELSE delivered_at END
WHERE id = $1 AND status = 'sending'

-- name: wh_next_due
-- and 1 when an endpoint is enabled (none: nothing queued can be due)
SELECT least((SELECT d.next_attempt_at FROM webhook_deliveries d
JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
WHERE d.status = 'pending' AND ep.enabled = 1 ORDER BY d.next_attempt_at LIMIT 1),
(SELECT min(CASE WHEN d.claimed_by <> '' THEN least(d.next_attempt_at,
coalesce((SELECT l.lease_until FROM server_leases l WHERE l.id = d.claimed_by), 0))
ELSE d.next_attempt_at END) FROM webhook_deliveries d
JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
WHERE d.status = 'sending' AND ep.enabled = 1)),
CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) THEN 1 ELSE 0 END

-- name: wh_deliveries
SELECT d.id, d.event_id, d.endpoint_id, ev.msg_id, ev.type, ev.payload,
d.status, d.attempts, d.last_status, d.next_attempt_at, d.last_attempt_at,
d.delivered_at, d.created_at, d.last_reply
FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
WHERE d.endpoint_id = $1 AND ($2 = '' OR d.status = $2)
ORDER BY d.id DESC LIMIT $3

-- name: wh_delivery_state
SELECT endpoint_id, status FROM webhook_deliveries WHERE id = $1

-- name: wh_retry
UPDATE webhook_deliveries SET status = 'pending', attempts = 0,
next_attempt_at = $2 WHERE id = $1 AND status <> 'sending'

-- name: wh_tally
SELECT status, count(*) FROM webhook_deliveries GROUP BY status

-- name: wh_purge_deliveries
DELETE FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at < $1

-- an event whose deliveries are all gone
-- name: wh_purge_events
DELETE FROM webhook_events WHERE NOT EXISTS
(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)

-- calendar feeds: a feed answers while its maker's account is active and
-- (a therapist's) still that therapist's, who is active; the clinic's
-- while its maker is front desk or admin
-- name: feed_put
INSERT INTO calendar_feeds (therapist_id, token_hash, created_by,
created_at) VALUES (nullif($1, ''), $2, $3, $4)
ON CONFLICT ((coalesce(therapist_id, ''))) DO UPDATE SET
token_hash = excluded.token_hash, created_by = excluded.created_by,
created_at = excluded.created_at

-- name: feed
SELECT {{feed_cols}} AND coalesce(f.therapist_id, '') = $1

-- name: feed_by_token
SELECT {{feed_cols}} AND f.token_hash = $1

-- name: feed_appts
SELECT a.id, a.start_at, a.end_at, a.revision, a.status, a.therapist_id,
s.name, t.name, r.name, c.name, r.location_id, l.name, l.address FROM appointments a
JOIN services s ON s.id = a.service_id
JOIN therapists t ON t.id = a.therapist_id JOIN rooms r ON r.id = a.room_id
JOIN locations l ON l.id = r.location_id
JOIN clients c ON c.id = a.client_id
WHERE ($1 = '' OR a.therapist_id = $1) AND a.start_at >= $2
AND a.start_at < $3 ORDER BY a.start_at, a.id

-- the client portal
-- name: signin_request
INSERT INTO signin_requests (email, address, at) VALUES ($1, $2, $3)

-- name: signin_requests_email
SELECT count(*), coalesce(min(at), 0) FROM signin_requests
WHERE email = $1 AND at > $2

-- name: signin_requests_address
SELECT count(*), coalesce(min(at), 0) FROM signin_requests
WHERE address = $1 AND at > $2

-- name: signin_who
SELECT coalesce(u.id, 0), coalesce(u.role, ''), coalesce(u.active, 1),
coalesce(u.name, (SELECT name FROM clients WHERE lower(email) = lower($1)
ORDER BY id DESC LIMIT 1), '')
FROM (SELECT 1) AS one LEFT JOIN users u ON u.email = $1::citext

-- name: signin_prune_requests
DELETE FROM signin_requests WHERE at < $1

-- name: signin_prune_links
DELETE FROM signin_links WHERE expires_at < $1

-- name: signin_add
INSERT INTO signin_links (token_hash, email, created_at, expires_at)
VALUES ($1, $2, $3, $4)

-- name: signin_get
SELECT email, created_at, expires_at, coalesce(used_at, 0) FROM signin_links
WHERE token_hash = $1

-- name: signin_use
UPDATE signin_links SET used_at = $2 WHERE token_hash = $1
AND used_at IS NULL AND expires_at > $2

-- name: portal_prove
UPDATE users SET proven_email = email, email_proven_at = $2 WHERE id = $1

-- name: portal_link
UPDATE clients SET user_id = $1 WHERE lower(email) = lower($2)

-- the account's clients first, then their appointments by client
-- (appointments_client, 0031), not every appointment tested against them
-- name: portal_appts
SELECT {{appt_cols}} WHERE a.client_id IN (SELECT c2.id FROM clients c2
WHERE c2.user_id = $1 OR (c2.user_id IS NULL AND
lower(c2.email) = (SELECT lower(email) FROM users WHERE id = $1
AND proven_email = email)))
ORDER BY a.start_at DESC, a.id DESC

-- the same rule as portal_appts, for one client row
-- name: portal_owns
SELECT EXISTS (SELECT 1 FROM clients c WHERE c.id = $2 AND
(c.user_id = $1 OR (c.user_id IS NULL AND lower(c.email) =
(SELECT lower(email) FROM users WHERE id = $1 AND proven_email = email))))

-- name: portal_manage_link
INSERT INTO portal_manage_links (appointment_id, token_hash,
user_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (appointment_id) DO UPDATE SET
token_hash = excluded.token_hash, user_id = excluded.user_id,
created_at = excluded.created_at

-- reminders
-- name: outbox_has
SELECT 1 FROM outbox WHERE dedupe_key = $1

-- name: outbox_withdraw
DELETE FROM outbox WHERE appointment_id = $1 AND kind = $2
AND status IN ('pending', 'failed')

-- text messages: the numbers that said STOP (0052_sms_consent.sql)
-- name: sms_opt_out_set
INSERT INTO sms_opt_outs (phone, opted_out_at, source) VALUES ($1, $2, $3)
ON CONFLICT (phone) DO NOTHING

-- name: sms_opt_out_clear
DELETE FROM sms_opt_outs WHERE phone = $1

-- name: sms_opt_out_get
SELECT opted_out_at, source FROM sms_opt_outs WHERE phone = $1

-- booked visits starting in (from, to]; not one whose slot is only held for
-- its deposit or card (svc/pay): it is reminded once paid
-- name: remind_candidates
SELECT id, start_at, greatest(created_at, reminders_from) FROM appointments
WHERE status = 'booked' AND start_at > $1 AND start_at <= $2
AND NOT EXISTS (SELECT 1 FROM checkouts k WHERE k.appointment_id = appointments.id
                AND k.status IN ('creating', 'open'))
ORDER BY start_at, id

-- name: remind_from
UPDATE appointments SET reminders_from = $2 WHERE id = $1

-- the waitlist (0014_waitlist.sql)
-- name: wl_add
INSERT INTO waitlist_entries (token_hash, service_id, therapist_id, date_from,
date_to, days, time_from, time_to, name, email, phone, created_at, location_id)
VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8, $9, $10, $11, $12,
NULLIF($13::bigint, 0))
RETURNING id

-- name: wl_entry_by_hash
{{wl_entry_cols}} WHERE e.token_hash = $1

-- name: wl_entry_by_id
{{wl_entry_cols}} WHERE e.id = $1

-- name: wl_active
{{wl_entry_cols}} WHERE e.service_id = $1 AND e.status = 'active'
ORDER BY e.id

-- the desk's list: the entry's columns, then its latest open offer's end
-- name: wl_desk
SELECT e.id, e.service_id, coalesce(e.therapist_id, ''), e.date_from,
e.date_to, e.days, e.time_from, e.time_to, e.name, e.email, e.phone,
e.status, e.created_at, coalesce(e.closed_at, 0), s.name,
coalesce(t.name, ''), coalesce(e.location_id, 0), coalesce(l.name, ''),
coalesce((SELECT max(o.expires_at) FROM
waitlist_offers o WHERE o.entry_id = e.id AND o.status = 'open'
AND o.expires_at > $2), 0) FROM waitlist_entries e
JOIN services s ON s.id = e.service_id
LEFT JOIN therapists t ON t.id = e.therapist_id
LEFT JOIN locations l ON l.id = e.location_id
WHERE e.status = 'active' AND ($1 = '' OR e.service_id = $1)
ORDER BY e.id LIMIT $3

-- name: wl_active_count
SELECT count(*) FROM waitlist_entries WHERE status = 'active'

-- name: wl_leave
UPDATE waitlist_entries SET status = 'left', closed_at = $2,
closed_reason = $3
WHERE id = $1 AND status = 'active'

-- name: wl_offer_add
INSERT INTO waitlist_offers (entry_id, token_hash, service_id,
therapist_id, start, freed_by, created_at, expires_at)
SELECT $1::bigint, $2::bytea, $3::text, $4::text, $5::bigint, $6::bigint,
$7::bigint, $8::bigint WHERE NOT EXISTS (SELECT 1 FROM
waitlist_offers WHERE entry_id = $1 AND therapist_id = $4 AND start = $5
AND status = 'open' AND expires_at > $7)
RETURNING id

-- name: wl_offer_by_hash
SELECT o.id, o.entry_id, o.service_id, o.therapist_id, o.start, o.freed_by, o.status,
o.created_at, o.expires_at, coalesce(o.appointment_id, 0),
coalesce((SELECT r.location_id FROM appointments a JOIN rooms r ON r.id = a.room_id
WHERE a.id = o.freed_by), 1)
FROM waitlist_offers o WHERE o.token_hash = $1

-- How many were offered the same time (therapist and start) as offer $1,
-- it included.
-- name: wl_offer_peers
SELECT count(*) FROM waitlist_offers
WHERE therapist_id = (SELECT therapist_id FROM waitlist_offers WHERE id = $1)
AND start = (SELECT start FROM waitlist_offers WHERE id = $1)

-- name: wl_offer_claim
UPDATE waitlist_offers SET status = 'claimed', appointment_id = $2
WHERE id = $1 AND status = 'open' AND expires_at > $3

-- name: wl_entry_booked
UPDATE waitlist_entries SET status = 'booked', closed_at = $2
WHERE id = (SELECT entry_id FROM waitlist_offers WHERE id = $1)
AND status = 'active'

-- name: wl_offers_taken
UPDATE waitlist_offers SET status = 'taken' WHERE status = 'open'
AND id <> $1 AND therapist_id = (SELECT therapist_id FROM
waitlist_offers WHERE id = $1) AND start = (SELECT start FROM
waitlist_offers WHERE id = $1)
-- ---- the migrations runner (store.c) ----

-- name: schema_table_exists
SELECT count(*) FROM pg_catalog.pg_tables
WHERE schemaname = current_schema() AND tablename = 'schema_version'

-- name: schema_table
CREATE TABLE IF NOT EXISTS schema_version (version bigint PRIMARY KEY,
name text NOT NULL, applied_at bigint NOT NULL)

-- name: migration_applied
SELECT count(*) FROM schema_version WHERE version = $1

-- name: migration_record
INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)

-- A signed note is never deleted (0019's trigger would refuse it half-way),
-- so the wipe asks first.
-- name: signed_notes_exist
SELECT EXISTS (SELECT 1 FROM treatment_notes WHERE signed_at IS NOT NULL)

-- Nor is the ledger (0039): invoices, payments, cash counts.
-- name: ledger_exists
SELECT EXISTS (SELECT 1 FROM invoices) OR EXISTS (SELECT 1 FROM payments)
OR EXISTS (SELECT 1 FROM closeouts)

-- Deletes all clinic data (knead demo --force): a script, run as a whole.
-- name: wipe
DELETE FROM articles; DELETE FROM calendar_feeds;
DELETE FROM waitlist_offers; DELETE FROM waitlist_entries;
DELETE FROM portal_manage_links; DELETE FROM signin_links; DELETE FROM signin_requests;
DELETE FROM note_addenda; DELETE FROM treatment_notes; DELETE FROM referrals;
DELETE FROM sessions; DELETE FROM login_failures; DELETE FROM users;
DELETE FROM idempotency; DELETE FROM book_form_tokens;
DELETE FROM appointment_events; DELETE FROM appointments;
DELETE FROM intake_history; DELETE FROM intakes; DELETE FROM insurance_checks;
DELETE FROM clients;
DELETE FROM time_off;
DELETE FROM therapist_hours; DELETE FROM clinic_hours; DELETE FROM closed_dates;
DELETE FROM room_services; DELETE FROM rooms; DELETE FROM therapist_services;
DELETE FROM packages; DELETE FROM therapists; DELETE FROM services;
DELETE FROM locations WHERE id <> 1;
UPDATE locations SET name = 'Main clinic', address = '', timezone = '', position = 0 WHERE id = 1
