-- "Any therapist": the least recently assigned (twin of sqlite/0049).
CREATE INDEX appointments_assigned ON appointments (therapist_id, created_at);
