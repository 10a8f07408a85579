-- knead: rebuild (the runner turns foreign keys off for this migration and
-- checks them all before it commits)
--
-- Packages and gift cards (issue 11 items 7-8), on the ledger of 0039.
--
-- A package is what the admin offers (e.g. 5 x deep tissue 60, 10 % off,
-- valid 12 months); a client's package is one sold, with its terms copied
-- as they were and the invoice that sold it.  Its credits are rows, never
-- a counter: 'sold' adds them, 'use' takes one for an appointment, 'return'
-- gives one back (a cancellation in time).  The balance is their sum, and
-- the store refuses a row that would take it below nothing.  A gift card
-- is the same: 'issue' loads it, 'redeem' spends part of it through a
-- payment (method gift_card), 'refund' puts a refunded payment back.  Only
-- the hash of a card's code is kept (looked up by hash); the code itself
-- is shown once and e-mailed to the recipient through the outbox.  None of
-- these rows changes or goes away (triggers, as for the ledger).

CREATE TABLE packages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 120),
    service_id      TEXT NOT NULL REFERENCES services (id),
    credits         INTEGER NOT NULL CHECK (credits BETWEEN 1 AND 100),
    price_cents     INTEGER NOT NULL CHECK (price_cents BETWEEN 0 AND 100000000),
    discount_bp     INTEGER NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
    valid_months    INTEGER NOT NULL CHECK (valid_months BETWEEN 0 AND 120),
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      INTEGER NOT NULL
);

CREATE TABLE client_packages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id       INTEGER NOT NULL REFERENCES clients (id),
    package_id      INTEGER NOT NULL REFERENCES packages (id),
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    service_id      TEXT NOT NULL,
    credits         INTEGER NOT NULL CHECK (credits BETWEEN 1 AND 100),
    price_cents     INTEGER NOT NULL CHECK (price_cents >= 0),
    invoice_id      INTEGER REFERENCES invoices (id),
    expires_at      INTEGER NOT NULL DEFAULT 0,  -- 0: never
    sold_at         INTEGER NOT NULL,
    sold_by_name    TEXT NOT NULL CHECK (length(sold_by_name) BETWEEN 1 AND 200)
);
CREATE INDEX client_packages_client ON client_packages (client_id, service_id);

CREATE TABLE package_credits (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    client_package_id INTEGER NOT NULL REFERENCES client_packages (id),
    kind              TEXT NOT NULL CHECK (kind IN ('sold', 'use', 'return')),
    delta             INTEGER NOT NULL
                      CHECK ((kind = 'sold' AND delta BETWEEN 1 AND 100)
                             OR (kind = 'use' AND delta = -1)
                             OR (kind = 'return' AND delta = 1)),
    appointment_id    INTEGER REFERENCES appointments (id),
    reason            TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    at                INTEGER NOT NULL,
    by_name           TEXT NOT NULL CHECK (length(by_name) BETWEEN 1 AND 200),
    CHECK ((kind = 'sold') = (appointment_id IS NULL))
);
CREATE INDEX package_credits_package ON package_credits (client_package_id);
-- an appointment uses one credit at most, and has it back at most once
CREATE UNIQUE INDEX package_credits_once ON package_credits (appointment_id, kind)
    WHERE appointment_id IS NOT NULL;
CREATE TRIGGER package_credits_enough BEFORE INSERT ON package_credits
WHEN NEW.delta + (SELECT coalesce(sum(delta), 0) FROM package_credits
                  WHERE client_package_id = NEW.client_package_id) < 0
BEGIN SELECT RAISE(ABORT, 'no package credit is left'); END;
CREATE TRIGGER package_credits_no_update BEFORE UPDATE ON package_credits
BEGIN SELECT RAISE(ABORT, 'package credits cannot be changed'); END;
CREATE TRIGGER package_credits_no_delete BEFORE DELETE ON package_credits
BEGIN SELECT RAISE(ABORT, 'package credits cannot be changed'); END;
CREATE TRIGGER client_packages_no_delete BEFORE DELETE ON client_packages
BEGIN SELECT RAISE(ABORT, 'package credits cannot be changed'); END;

-- send_at: when the outbox sends the code to the recipient (0: not
-- e-mailed); used_at: the last redemption, written first in a redeeming
-- transaction so two redemptions of one card queue on its row.
CREATE TABLE gift_cards (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash       BLOB NOT NULL UNIQUE,
    last4           TEXT NOT NULL CHECK (length(last4) = 4),
    amount_cents    INTEGER NOT NULL CHECK (amount_cents BETWEEN 1 AND 100000000),
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    invoice_id      INTEGER REFERENCES invoices (id),
    buyer_client_id INTEGER REFERENCES clients (id),
    recipient_name  TEXT NOT NULL DEFAULT '' CHECK (length(recipient_name) <= 120),
    recipient_email TEXT NOT NULL DEFAULT '' CHECK (length(recipient_email) <= 254),
    message         TEXT NOT NULL DEFAULT '' CHECK (length(message) <= 500),
    send_at         INTEGER NOT NULL DEFAULT 0,
    expires_at      INTEGER NOT NULL DEFAULT 0,  -- 0: never
    form_key        BLOB UNIQUE,
    used_at         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    created_by_name TEXT NOT NULL CHECK (length(created_by_name) BETWEEN 1 AND 200)
);
CREATE TRIGGER gift_cards_no_delete BEFORE DELETE ON gift_cards
BEGIN SELECT RAISE(ABORT, 'a gift card cannot be changed'); END;

CREATE TABLE gift_card_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    gift_card_id    INTEGER NOT NULL REFERENCES gift_cards (id),
    kind            TEXT NOT NULL CHECK (kind IN ('issue', 'redeem', 'refund')),
    delta           INTEGER NOT NULL
                    CHECK ((kind = 'redeem' AND delta < 0) OR (kind <> 'redeem' AND delta > 0)),
    payment_id      INTEGER REFERENCES payments (id),
    at              INTEGER NOT NULL,
    by_name         TEXT NOT NULL CHECK (length(by_name) BETWEEN 1 AND 200)
);
CREATE INDEX gift_card_entries_card ON gift_card_entries (gift_card_id);
CREATE TRIGGER gift_card_entries_enough BEFORE INSERT ON gift_card_entries
WHEN NEW.delta + (SELECT coalesce(sum(delta), 0) FROM gift_card_entries
                  WHERE gift_card_id = NEW.gift_card_id) < 0
BEGIN SELECT RAISE(ABORT, 'the gift card does not hold that much'); END;
CREATE TRIGGER gift_card_entries_no_update BEFORE UPDATE ON gift_card_entries
BEGIN SELECT RAISE(ABORT, 'a gift card cannot be changed'); END;
CREATE TRIGGER gift_card_entries_no_delete BEFORE DELETE ON gift_card_entries
BEGIN SELECT RAISE(ABORT, 'a gift card cannot be changed'); END;

-- Wrong gift-card codes are counted per address, like the booking
-- throttle's anonymous bookings: the kind 'gift_code' joins them.
CREATE TABLE throttle_hits_new (
    id    INTEGER PRIMARY KEY,
    kind  TEXT NOT NULL CHECK (kind IN ('book', 'waitlist', 'gift_code')),
    key   TEXT NOT NULL,
    at    INTEGER NOT NULL
);
INSERT INTO throttle_hits_new (id, kind, key, at) SELECT id, kind, key, at FROM throttle_hits;
DROP TABLE throttle_hits;
ALTER TABLE throttle_hits_new RENAME TO throttle_hits;
CREATE INDEX throttle_hits_key ON throttle_hits (kind, key, at);
CREATE INDEX throttle_hits_at ON throttle_hits (at);
