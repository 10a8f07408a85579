-- Gift cards and packages bought online (issue 11 items 7-8): what the
-- buyer asked for, written with its checkout (checkouts.ref_id names this
-- row) before the provider is called.  Nothing is sold until the
-- provider's signed webhook pays the checkout: then the sale is made from
-- this row, in the webhook's transaction, keyed by the checkout, so a
-- replayed webhook sells once.  No code is ever stored here.
-- kind 'gift_card': amount_cents, the buyer, the recipient (e-mail '' =
-- the code goes to the buyer), the message and when the card is e-mailed.
-- kind 'package': package_id for client_id (the signed-in account's
-- client), at the package's price when ordered.
-- package_id names packages (migration 0059): no reference, as 0058 runs
-- before it on a new database; the sale reads the package and refuses an
-- unknown one.
CREATE TABLE online_sales (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('gift_card', 'package')),
    package_id      INTEGER NOT NULL DEFAULT 0,
    client_id       INTEGER REFERENCES clients (id),
    amount_cents    INTEGER NOT NULL CHECK (amount_cents BETWEEN 1 AND 100000000),
    buyer_name      TEXT NOT NULL DEFAULT '' CHECK (length(buyer_name) <= 200),
    buyer_email     TEXT NOT NULL DEFAULT '' CHECK (length(buyer_email) <= 254),
    recipient_name  TEXT NOT NULL DEFAULT '' CHECK (length(recipient_name) <= 120),
    recipient_email TEXT NOT NULL DEFAULT '' CHECK (length(recipient_email) <= 254),
    message         TEXT NOT NULL DEFAULT '' CHECK (length(message) <= 500),
    send_at         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
