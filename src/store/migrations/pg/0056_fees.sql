-- Late-cancel and no-show fees (twin of sqlite/0056; its comments say what
-- they are): per service, and what the client agreed to at booking, which
-- never changes.
ALTER TABLE services ADD COLUMN late_fee_kind text NOT NULL DEFAULT 'none'
    CHECK (late_fee_kind IN ('none', 'amount', 'percent'));
ALTER TABLE services ADD COLUMN late_fee_value bigint NOT NULL DEFAULT 0
    CHECK (late_fee_value >= 0 AND (late_fee_kind <> 'percent' OR late_fee_value <= 10000));
ALTER TABLE services ADD COLUMN noshow_fee_kind text NOT NULL DEFAULT 'none'
    CHECK (noshow_fee_kind IN ('none', 'amount', 'percent'));
ALTER TABLE services ADD COLUMN noshow_fee_value bigint NOT NULL DEFAULT 0
    CHECK (noshow_fee_value >= 0 AND (noshow_fee_kind <> 'percent' OR noshow_fee_value <= 10000));

CREATE TABLE fee_agreements (
    appointment_id bigint PRIMARY KEY REFERENCES appointments (id),
    late_cents     bigint NOT NULL CHECK (late_cents >= 0),
    noshow_cents   bigint NOT NULL CHECK (noshow_cents >= 0),
    wording        text NOT NULL CHECK (length(wording) BETWEEN 1 AND 500),
    agreed_at      bigint NOT NULL
);
CREATE TRIGGER fee_agreements_no_update BEFORE UPDATE ON fee_agreements
FOR EACH ROW EXECUTE FUNCTION knead_refuse('an agreement cannot be changed');
