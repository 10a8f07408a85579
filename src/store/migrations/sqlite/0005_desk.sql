-- The front desk: notes for the therapist, written by staff and never shown
-- to the client (appointments.notes is what the client wrote when booking).
ALTER TABLE appointments ADD COLUMN staff_notes TEXT NOT NULL DEFAULT ''
    CHECK (length(staff_notes) <= 4000);
