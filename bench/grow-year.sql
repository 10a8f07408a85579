-- Grows a copy of the demo clinic into a year of a busy clinic, for
-- bench/year.sh: 60 therapists, 61 rooms and about 107,000 appointments
-- (five a day for every therapist, every day of the 365 from 2026-03-09 to
-- 2027-03-08, less the days each therapist had off), with what a year of
-- them leaves behind: 5,000 clients, a confirmation and a reminder in the
-- outbox for each appointment (sent), time off, cancellations and no-shows.
-- Bench data only, never the demo's.
--
-- Run it with the clinic's timezone in the environment, so sqlite's 'utc'
-- modifier turns local wall times into UTC seconds across the DST changes:
--     TZ=America/Anchorage sqlite3 knead.db <bench/grow-year.sql
-- (bench/year.sh does, and checks one converted instant first).

BEGIN;

-- Fifty-six more therapists offering Maren Holt's services: sixty in all.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 56)
INSERT INTO therapists (id, name, title, active, position)
SELECT printf('year%02d', i), 'Year Therapist ' || i, 'Licensed Massage Therapist', 1, 100 + i
FROM n;

INSERT INTO therapist_services (therapist_id, service_id)
SELECT t.id, s.service_id FROM therapists t, therapist_services s
WHERE t.id GLOB 'year*' AND s.therapist_id = 'maren-holt';

-- Fifty-eight more rooms suiting what room 1 suits: sixty-one in all.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 58)
INSERT INTO rooms (name) SELECT 'Year room ' || i FROM n;

INSERT INTO room_services (room_id, service_id)
SELECT r.id, s.service_id FROM rooms r, room_services s
WHERE r.name GLOB 'Year room *' AND s.room_id = (SELECT min(id) FROM rooms);

-- A busy clinic is open every day, 08:00-20:00; every therapist works every
-- day 08:00-18:00 with a half-hour break at noon.
DELETE FROM clinic_hours;
WITH RECURSIVE w(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM w WHERE d < 6)
INSERT INTO clinic_hours (weekday, open_min, close_min) SELECT d, 480, 1200 FROM w;

DELETE FROM therapist_hours;
WITH RECURSIVE w(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM w WHERE d < 6)
INSERT INTO therapist_hours (therapist_id, weekday, kind, start_min, end_min)
SELECT t.id, w.d, k.kind, k.s, k.e FROM therapists t, w,
    (SELECT 'work' AS kind, 480 AS s, 1080 AS e UNION ALL SELECT 'break', 720, 750) k;

-- The therapists in a fixed order (i = 0..59), each with a room of their own.
CREATE TEMP TABLE ti AS
SELECT row_number() OVER (ORDER BY position, id) - 1 AS i, id FROM therapists;
CREATE TEMP TABLE ri AS
SELECT row_number() OVER (ORDER BY id) - 1 AS i, id FROM rooms;

-- The days of the year (d = 0..364) as local dates.
CREATE TEMP TABLE days AS
WITH RECURSIVE n(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM n WHERE d < 364)
SELECT d, date('2026-03-09', '+' || d || ' days') AS day FROM n;

-- Time off: a week in the summer (past) and a day in the winter (ahead) for
-- each therapist, staggered; no appointments on those days.
CREATE TEMP TABLE off AS
SELECT ti.id AS therapist_id, date('2026-06-01', '+' || (ti.i * 2) || ' days') AS first,
       7 AS n, 'Summer holiday' AS reason FROM ti
UNION ALL
SELECT ti.id, date('2026-12-10', '+' || (ti.i % 50) || ' days'), 1, 'Course' FROM ti;

INSERT INTO time_off (therapist_id, start_at, end_at, reason)
SELECT therapist_id, strftime('%s', first, 'utc'), strftime('%s', first, '+' || n || ' days', 'utc'),
       reason FROM off;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO clients (name, email, phone, created_at)
SELECT 'Year Client ' || i, 'year.client' || i || '@example.com', '', 1772000000 FROM n;

-- Five sessions of 60 minutes (+15 buffer) a day, 90 minutes apart, from
-- 08:00 plus 0-45 minutes by therapist; every 20th cancelled, every 40th
-- past one a no-show.  "Now" for the status: 2026-12-08 06:00 local.
CREATE TEMP TABLE slots AS
SELECT days.d, days.day, ti.i AS ti, ti.id AS therapist_id, k.k,
       CAST(strftime('%s', days.day, '+' || (480 + (ti.i % 4) * 15 + k.k * 90) || ' minutes',
                     'utc') AS INTEGER) AS start_at
FROM days, ti, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
                UNION ALL SELECT 4) k
WHERE NOT EXISTS (SELECT 1 FROM off o WHERE o.therapist_id = ti.id
                  AND days.day >= o.first AND days.day < date(o.first, '+' || o.n || ' days'));

INSERT INTO appointments (service_id, therapist_id, room_id, client_id, start_at, end_at,
                          busy_until, status, token_hash, source, created_at, cancelled_at)
SELECT 'deep-tissue-60', s.therapist_id, ri.id,
       (SELECT min(id) FROM clients WHERE name GLOB 'Year Client *') + (s.d * 300 + s.ti * 5 + s.k) % 5000,
       s.start_at, s.start_at + 3600, s.start_at + 4500,
       CASE WHEN (s.d + s.ti + s.k) % 20 = 0 THEN 'cancelled'
            WHEN s.start_at >= 1796742000 THEN 'booked'
            WHEN (s.d + s.ti * 3 + s.k) % 40 = 0 THEN 'no_show'
            ELSE 'completed' END,
       randomblob(32), CASE WHEN s.k % 3 = 0 THEN 'staff' ELSE 'online' END,
       s.start_at - 14 * 86400,
       CASE WHEN (s.d + s.ti + s.k) % 20 = 0 THEN s.start_at - 86400 END
FROM slots s JOIN ri ON ri.i = s.ti
ORDER BY s.start_at, s.ti;

-- What the year's mail leaves in the outbox: a confirmation when booked and
-- a reminder the day before, both sent (the reminder only for sessions that
-- took place or are still ahead).
INSERT INTO outbox (kind, dedupe_key, appointment_id, recipient, subject, body_text, status,
                    attempts, next_attempt_at, created_at, sent_at)
SELECT 'confirmation', 'appt-' || a.id || '/confirmation', a.id, c.email, 'Your appointment',
       'Your appointment is booked.', 'sent', 1, a.created_at, a.created_at, a.created_at
FROM appointments a JOIN clients c ON c.id = a.client_id WHERE c.name GLOB 'Year Client *';
INSERT INTO outbox (kind, dedupe_key, appointment_id, recipient, subject, body_text, status,
                    attempts, next_attempt_at, created_at, sent_at)
SELECT 'reminder', 'appt-' || a.id || '/reminder-24h/' || a.start_at, a.id, c.email, 'Reminder',
       'See you tomorrow.', 'sent', 1, a.start_at - 86400, a.start_at - 86400, a.start_at - 86400
FROM appointments a JOIN clients c ON c.id = a.client_id
WHERE c.name GLOB 'Year Client *' AND a.status <> 'cancelled' AND a.start_at - 86400 < 1796742000;

DROP TABLE slots;
DROP TABLE off;
DROP TABLE days;
DROP TABLE ri;
DROP TABLE ti;

COMMIT;
ANALYZE;
