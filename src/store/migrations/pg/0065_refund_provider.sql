-- Refunds of payments made through the payment provider: see the SQLite
-- twin.  Pending and completed refunds count against the payment; failed
-- ones do not.
ALTER TABLE refunds ADD COLUMN status text NOT NULL DEFAULT 'completed'
    CHECK (status IN ('pending', 'completed', 'failed'));
ALTER TABLE refunds ADD COLUMN method text NOT NULL DEFAULT ''
    CHECK (method IN ('', 'cash'));
ALTER TABLE refunds ADD COLUMN provider_key text NOT NULL DEFAULT ''
    CHECK (length(provider_key) <= 100);
ALTER TABLE refunds ADD COLUMN provider_ref text NOT NULL DEFAULT ''
    CHECK (length(provider_ref) <= 200);
ALTER TABLE refunds ADD COLUMN failure text NOT NULL DEFAULT ''
    CHECK (length(failure) <= 300);
ALTER TABLE refunds ADD COLUMN card_last4 text NOT NULL DEFAULT ''
    CHECK (length(card_last4) <= 4);
ALTER TABLE refunds ADD COLUMN settled_at bigint NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX refunds_provider_key ON refunds (provider_key) WHERE provider_key <> '';
CREATE INDEX refunds_pending ON refunds (id) WHERE status = 'pending';

-- The payment's row is locked first (FOR UPDATE), so two refunds of one
-- payment side by side queue and the second counts the first.
CREATE OR REPLACE FUNCTION knead_refund_within_payment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE paid bigint;
BEGIN
    SELECT amount_cents INTO paid FROM payments
    WHERE id = NEW.payment_id AND status = 'completed' FOR UPDATE;
    IF paid IS NULL OR NEW.amount_cents + (SELECT coalesce(sum(amount_cents), 0) FROM refunds
                                           WHERE payment_id = NEW.payment_id
                                             AND status <> 'failed') > paid THEN
        RAISE EXCEPTION 'a refund cannot be more than was paid';
    END IF;
    RETURN NEW;
END $$;

-- Only a pending refund changes, and only by the provider's answer.
CREATE OR REPLACE FUNCTION knead_refund_settle_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'pending' OR NEW.id IS DISTINCT FROM OLD.id
       OR NEW.payment_id IS DISTINCT FROM OLD.payment_id
       OR NEW.amount_cents IS DISTINCT FROM OLD.amount_cents
       OR NEW.reason IS DISTINCT FROM OLD.reason OR NEW.idem_key IS DISTINCT FROM OLD.idem_key
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.created_by IS DISTINCT FROM OLD.created_by
       OR NEW.created_by_name IS DISTINCT FROM OLD.created_by_name
       OR NEW.method IS DISTINCT FROM OLD.method
       OR NEW.provider_key IS DISTINCT FROM OLD.provider_key THEN
        RAISE EXCEPTION 'a refund cannot be changed';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER refunds_no_update ON refunds;
CREATE TRIGGER refunds_no_update BEFORE UPDATE ON refunds
FOR EACH ROW EXECUTE FUNCTION knead_refund_settle_only();
