-- A killed server's lease (0071 server_leases) stayed until some server
-- stopped cleanly (server_lease_end removes the ones run out).  Now every
-- renewal also removes the leases that ran out an hour before the renewed
-- one's end: in the same statement, so in the same transaction (no commit
-- of its own on SQLite, no round trip of its own on PostgreSQL).  A claim
-- whose owner's lease is gone is due at once, as one whose lease ran out.
CREATE TRIGGER server_leases_purge_insert AFTER INSERT ON server_leases
BEGIN DELETE FROM server_leases WHERE lease_until < NEW.lease_until - 3600; END;
CREATE TRIGGER server_leases_purge_update AFTER UPDATE OF lease_until ON server_leases
BEGIN DELETE FROM server_leases WHERE lease_until < NEW.lease_until - 3600; END;
