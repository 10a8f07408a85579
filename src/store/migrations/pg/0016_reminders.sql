-- Reminders and text messages (twin of sqlite/0016).
ALTER TABLE outbox ADD COLUMN channel text NOT NULL DEFAULT 'email'
    CHECK (channel IN ('email', 'sms'));
ALTER TABLE appointments ADD COLUMN reminders_from bigint NOT NULL DEFAULT 0;
