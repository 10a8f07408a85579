-- Refunds of payments made through the payment provider (issue 11): such a
-- refund is written "pending" with its own idempotency key for the
-- provider (provider_key) before the provider is asked, outside any
-- transaction; the answer settles it (completed with the provider's refund
-- id, or failed with why).  A failed refund does not count: the ledger,
-- the balance and the cap of what may still be refunded see only pending
-- and completed ones.  method '' is the payment's own method; 'cash' when
-- the desk paid a card payment back in cash (after the provider declined).
ALTER TABLE refunds ADD COLUMN status TEXT NOT NULL DEFAULT 'completed'
    CHECK (status IN ('pending', 'completed', 'failed'));
ALTER TABLE refunds ADD COLUMN method TEXT NOT NULL DEFAULT ''
    CHECK (method IN ('', 'cash'));
ALTER TABLE refunds ADD COLUMN provider_key TEXT NOT NULL DEFAULT ''
    CHECK (length(provider_key) <= 100);
ALTER TABLE refunds ADD COLUMN provider_ref TEXT NOT NULL DEFAULT ''
    CHECK (length(provider_ref) <= 200);
ALTER TABLE refunds ADD COLUMN failure TEXT NOT NULL DEFAULT ''
    CHECK (length(failure) <= 300);
ALTER TABLE refunds ADD COLUMN card_last4 TEXT NOT NULL DEFAULT ''
    CHECK (length(card_last4) <= 4);
ALTER TABLE refunds ADD COLUMN settled_at INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX refunds_provider_key ON refunds (provider_key) WHERE provider_key <> '';
CREATE INDEX refunds_pending ON refunds (id) WHERE status = 'pending';

-- Never more than was paid: refunds pending and completed together.
DROP TRIGGER refunds_within_payment;
CREATE TRIGGER refunds_within_payment BEFORE INSERT ON refunds
WHEN NEW.amount_cents + (SELECT coalesce(sum(amount_cents), 0) FROM refunds
                         WHERE payment_id = NEW.payment_id AND status <> 'failed')
     > (SELECT amount_cents FROM payments WHERE id = NEW.payment_id AND status = 'completed')
  OR NOT EXISTS (SELECT 1 FROM payments WHERE id = NEW.payment_id AND status = 'completed')
BEGIN SELECT RAISE(ABORT, 'a refund cannot be more than was paid'); END;

-- Only a pending refund changes, and only by the provider's answer.
DROP TRIGGER refunds_no_update;
CREATE TRIGGER refunds_no_update BEFORE UPDATE ON refunds
WHEN OLD.status <> 'pending' OR NEW.id IS NOT OLD.id
  OR NEW.payment_id IS NOT OLD.payment_id OR NEW.amount_cents IS NOT OLD.amount_cents
  OR NEW.reason IS NOT OLD.reason OR NEW.idem_key IS NOT OLD.idem_key
  OR NEW.created_at IS NOT OLD.created_at OR NEW.created_by IS NOT OLD.created_by
  OR NEW.created_by_name IS NOT OLD.created_by_name OR NEW.method IS NOT OLD.method
  OR NEW.provider_key IS NOT OLD.provider_key
BEGIN SELECT RAISE(ABORT, 'a refund cannot be changed'); END;
