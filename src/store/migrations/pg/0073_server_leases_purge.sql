-- (PostgreSQL twin of sqlite/0073_server_leases_purge.sql)
-- A killed server's lease (0071 server_leases) stayed until some server
-- stopped cleanly (server_lease_end removes the ones run out).  Now every
-- renewal also removes the leases that ran out an hour before the renewed
-- one's end: in the same statement, so in the same transaction (no round
-- trip of its own).  A claim whose owner's lease is gone is due at once, as
-- one whose lease ran out.
CREATE OR REPLACE FUNCTION knead_server_leases_purge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM server_leases WHERE lease_until < NEW.lease_until - 3600;
    RETURN NULL;
END $$;
CREATE TRIGGER server_leases_purge
AFTER INSERT OR UPDATE OF lease_until ON server_leases
FOR EACH ROW EXECUTE FUNCTION knead_server_leases_purge();
