-- A client's appointments by client: the desk's client list counts them for
-- every client it shows, the client page and the portal list them, and a
-- merge moves them.  Without this index each of those read every
-- appointment ever booked (seconds for the client list of a clinic with a
-- year of 100,000 appointments).
CREATE INDEX appointments_client ON appointments (client_id, start_at);
