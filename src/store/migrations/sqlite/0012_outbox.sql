-- The outbox: every e-mail Knead sends is first a row here, written in the
-- same transaction as the change that causes it (a booking, a move, a
-- cancellation), so a rolled-back change queues nothing and a committed one
-- is never without its message.  The delivery worker (src/mail/outbox.c)
-- claims due rows, sends them over SMTP and marks them sent; see there for
-- the retry cycle.  The message is stored rendered: the manage link in a
-- confirmation carries a token that exists in clear only at booking time.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    dedupe_key      TEXT NOT NULL UNIQUE CHECK (length(dedupe_key) BETWEEN 1 AND 200),
    appointment_id  INTEGER NOT NULL DEFAULT 0,   -- 0 = not about one appointment
    recipient       TEXT NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
    recipient_name  TEXT NOT NULL DEFAULT '' CHECK (length(recipient_name) <= 200),
    subject         TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 400),
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL DEFAULT '',
    attach_name     TEXT NOT NULL DEFAULT '',     -- '' = no attachment
    attach_type     TEXT NOT NULL DEFAULT '',
    attach_data     BLOB,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,              -- Unix seconds, UTC
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER                        -- NULL until sent
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_appointment ON outbox (appointment_id, kind);
