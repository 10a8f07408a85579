-- appointments_client gains status, so the reads of a client's appointments
-- by time that also test the status (the referrals report's visits, the
-- clients report's "seen before" and "next appointment", the client's own
-- list) find everything in the index, without a lookup of each row in the
-- table.  Over a grown year (bench/reports.sh: 400 referrals, 8,185 of their
-- clients' appointments) the referrals report's read of visits took 11 ms of
-- CPU, 0.6-0.9 ms with this index.  Same width of writes: it replaces the
-- index, it is not one more.
DROP INDEX appointments_client;
CREATE INDEX appointments_client ON appointments (client_id, start_at, status);
