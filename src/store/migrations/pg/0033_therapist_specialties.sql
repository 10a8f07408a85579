-- What a therapist is known for (twin of sqlite/0033).
ALTER TABLE therapists ADD COLUMN specialties text NOT NULL DEFAULT '';
