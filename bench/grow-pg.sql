-- PostgreSQL twin of bench/grow.sql (LIKE for GLOB); bench/pg.sh runs it with psql.
-- Grows the demo clinic for bench/availability.sh to the size the issue's
-- benchmark names (about 2,000 appointments in 30 days): sixteen more
-- therapists working Maren Holt's week and offering her services, and sixteen
-- more rooms suiting what room 1 suits.  Bench data only, never the demo's.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 16)
INSERT INTO therapists (id, name, title, active, position)
SELECT 'bench' || i, 'Bench Therapist ' || i, 'Licensed Massage Therapist', 1, 100 + i FROM n;

INSERT INTO therapist_hours (therapist_id, weekday, kind, start_min, end_min)
SELECT t.id, h.weekday, h.kind, h.start_min, h.end_min
FROM therapists t, therapist_hours h
WHERE t.id LIKE 'bench%' AND h.therapist_id = 'maren-holt';

INSERT INTO therapist_services (therapist_id, service_id)
SELECT t.id, s.service_id FROM therapists t, therapist_services s
WHERE t.id LIKE 'bench%' AND s.therapist_id = 'maren-holt';

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 16)
INSERT INTO rooms (name) SELECT 'Bench room ' || i FROM n;

INSERT INTO room_services (room_id, service_id)
SELECT r.id, s.service_id FROM rooms r, room_services s
WHERE r.name LIKE 'Bench room %' AND s.room_id = (SELECT min(id) FROM rooms);
