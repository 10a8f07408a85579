-- The front desk's notes for the therapist (twin of sqlite/0005).
ALTER TABLE appointments ADD COLUMN staff_notes text NOT NULL DEFAULT ''
    CHECK (length(staff_notes) <= 4000);
