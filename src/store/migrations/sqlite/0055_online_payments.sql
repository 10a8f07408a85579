-- Money online (issue 11 item 5): deposits and card on file through a
-- payment provider's hosted checkout.  No card number ever reaches Knead:
-- the provider keeps the card and answers with its own ids.
--
-- A service asks, at online booking: nothing ('none'), a card kept on file
-- ('card'), a deposit of deposit_value cents ('amount') or of
-- deposit_value basis points of its price ('percent').
ALTER TABLE services ADD COLUMN deposit_kind TEXT NOT NULL DEFAULT 'none'
    CHECK (deposit_kind IN ('none', 'card', 'amount', 'percent'));
ALTER TABLE services ADD COLUMN deposit_value INTEGER NOT NULL DEFAULT 0
    CHECK (deposit_value >= 0 AND (deposit_kind <> 'percent' OR deposit_value <= 10000));

-- The provider's customer of a client whose card is on file ('' = none).
ALTER TABLE clients ADD COLUMN provider_customer TEXT NOT NULL DEFAULT ''
    CHECK (length(provider_customer) <= 100);

-- A checkout: one hosted payment page at the provider, for a purpose.
-- It is written ('creating') before the provider is called, with the
-- idempotency key the call carries and that the provider hands back as the
-- session's client_reference_id, so a crash between the provider's answer
-- and our commit is reconciled by the webhook: it finds this row by the
-- key.  status: creating -> open (the provider answered: session_id, url)
-- -> paid (its signed webhook); or expired (the hold ran out, or the
-- provider expired it) or failed (the provider refused the session).
-- hold_until: an appointment waiting for its deposit holds its slot until
-- then; the worker releases it after.
CREATE TABLE checkouts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose         TEXT NOT NULL CHECK (purpose IN ('deposit', 'card', 'package', 'gift_card')),
    appointment_id  INTEGER REFERENCES appointments (id),
    client_id       INTEGER REFERENCES clients (id),
    ref_id          INTEGER NOT NULL DEFAULT 0,
    amount_cents    INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    description     TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    idem_key        TEXT NOT NULL UNIQUE CHECK (length(idem_key) BETWEEN 1 AND 100),
    session_id      TEXT UNIQUE CHECK (length(session_id) BETWEEN 1 AND 200),
    url             TEXT NOT NULL DEFAULT '' CHECK (length(url) <= 2000),
    status          TEXT NOT NULL DEFAULT 'creating'
                    CHECK (status IN ('creating', 'open', 'paid', 'expired', 'failed')),
    hold_until      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    settled_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX checkouts_appointment ON checkouts (appointment_id);
CREATE INDEX checkouts_hold ON checkouts (status, hold_until);

-- The provider's webhook events, by their id: a replay finds its id here
-- and changes nothing.
CREATE TABLE payment_events (
    event_id    TEXT PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 200),
    type        TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
    received_at INTEGER NOT NULL
);
