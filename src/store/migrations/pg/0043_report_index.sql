-- The reports' covering index (twin of sqlite/0043): a year of appointments
-- read in start order from the index alone.
CREATE INDEX appointments_report
    ON appointments (start_at, status, therapist_id, room_id, end_at, cancel_late, client_id);
