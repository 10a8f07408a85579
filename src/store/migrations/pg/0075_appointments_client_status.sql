-- Twin of sqlite/0075: appointments_client gains status, so the reads of a
-- client's appointments by time that test the status can be answered from
-- the index alone (an index-only scan where the visibility map allows).
DROP INDEX appointments_client;
CREATE INDEX appointments_client ON appointments (client_id, start_at, status);
