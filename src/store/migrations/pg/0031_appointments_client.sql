-- A client's appointments by client (twin of sqlite/0031).  And, in
-- PostgreSQL, the rule that one client is never in two places: no two live
-- (booked or checked-in) online bookings of one client overlap.  The front
-- desk may book a client over another of their appointments on purpose (with
-- a reason, appointment_events kind 'overlap'), so staff bookings are left
-- to that rule of the booking service.
CREATE INDEX appointments_client ON appointments (client_id, start_at);
ALTER TABLE appointments ADD CONSTRAINT appointments_client_free EXCLUDE USING gist
    (client_id WITH =, int8range(start_at, end_at) WITH &&)
    WHERE (status IN ('booked', 'checked_in') AND source = 'online');
