-- Text messages (twin of sqlite/0052; its comments say what they are): a
-- booking's consent to text reminders, with its time, and the numbers that
-- said STOP.
ALTER TABLE appointments ADD COLUMN sms_consent_at bigint NOT NULL DEFAULT 0;
CREATE TABLE sms_opt_outs (
    phone text PRIMARY KEY,
    opted_out_at bigint NOT NULL,
    source text NOT NULL CHECK (source IN ('desk', 'reply'))
);
