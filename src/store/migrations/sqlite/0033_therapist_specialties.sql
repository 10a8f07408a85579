-- What a therapist is known for, shown where a client chooses a therapist
-- and on the therapist's page: a comma-separated list ("Lower back pain,
-- Fishermen and shift workers"), set on /admin/therapists.
ALTER TABLE therapists ADD COLUMN specialties TEXT NOT NULL DEFAULT '';
