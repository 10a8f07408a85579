-- "Any therapist" gives a tie to the therapist least recently assigned
-- (issue 13 item 15): her latest appointment by creation is read backwards
-- on this index (query therapist_last_assigned), not by scanning her year.
CREATE INDEX appointments_assigned ON appointments (therapist_id, created_at);
