-- Text messages (issue 13 item 21).  A booking's consent to reminders by
-- text, with its time (0 = none asked for: no text for this appointment);
-- and the numbers that said STOP (by a reply to the provider, or marked by
-- the front desk), which get no text at all until they opt in again.
ALTER TABLE appointments ADD COLUMN sms_consent_at INTEGER NOT NULL DEFAULT 0;
CREATE TABLE sms_opt_outs (
    phone TEXT PRIMARY KEY,            -- E.164, as the texts are addressed
    opted_out_at INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('desk', 'reply'))
);
