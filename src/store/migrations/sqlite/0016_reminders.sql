-- Reminders and text messages (issue 6).
--
-- outbox.channel: how a message travels.  'email' over SMTP (recipient an
-- address, as before), 'sms' through the SMS provider's HTTP API (recipient
-- a number in E.164, body_text the text).  Same queue, same retry cycle,
-- same dedupe keys.
--
-- appointments.reminders_from: reminders due before this instant are not
-- sent (Unix seconds; 0 = use created_at).  A move sets it to the moment of
-- the move, so a moved appointment gets reminders for its new time only and
-- none that were already due when it was moved (src/core/remind.h).
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email'
    CHECK (channel IN ('email', 'sms'));
ALTER TABLE appointments ADD COLUMN reminders_from INTEGER NOT NULL DEFAULT 0;
