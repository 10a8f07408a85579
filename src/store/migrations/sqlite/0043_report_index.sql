-- The admin's reports (svc/reports.c) read every appointment of a range of
-- up to a year once: therapist, room, times, status, a late cancellation,
-- and the client (new and returning clients).  This index holds all of
-- them in start order, so a year of a busy clinic (100,000 appointments)
-- is read from the index alone, without a lookup of each row.
CREATE INDEX appointments_report
    ON appointments (start_at, status, therapist_id, room_id, end_at, cancel_late, client_id);
