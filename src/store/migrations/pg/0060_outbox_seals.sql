-- (PostgreSQL twin of sqlite/0060_outbox_seals.sql, whose comments say
-- what it is): a queued message's secret, sealed, beside it; gone when the
-- message is sent or deleted.
CREATE TABLE outbox_seals (
    outbox_id bigint PRIMARY KEY,
    sealed    bytea NOT NULL CHECK (length(sealed) BETWEEN 1 AND 256)
);
CREATE OR REPLACE FUNCTION knead_outbox_unseal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM outbox_seals WHERE outbox_id = OLD.id;
        RETURN OLD;
    END IF;
    DELETE FROM outbox_seals WHERE outbox_id = NEW.id;
    RETURN NEW;
END
$$;
CREATE TRIGGER outbox_seal_sent AFTER UPDATE OF status ON outbox
FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION knead_outbox_unseal();
CREATE TRIGGER outbox_seal_deleted AFTER DELETE ON outbox
FOR EACH ROW EXECUTE FUNCTION knead_outbox_unseal();
