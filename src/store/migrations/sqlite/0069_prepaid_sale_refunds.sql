-- A refund of the sale of a gift card or a package takes back what it paid
-- for (issue 11): kind 'sale_refund' takes the refunded amount off the
-- card (delta < 0) or the credits it paid for off the package (delta -1 ..
-- -100), written in the refund's own transaction; 'refund_undone' gives
-- them back when the payment provider turns the refund down.  SQLite
-- cannot widen a CHECK, so both tables are rebuilt with their rows, indexes
-- and triggers; nothing references them.
CREATE TABLE gift_card_entries_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    gift_card_id    INTEGER NOT NULL REFERENCES gift_cards (id),
    kind            TEXT NOT NULL
                    CHECK (kind IN ('issue', 'redeem', 'refund', 'sale_refund', 'refund_undone')),
    delta           INTEGER NOT NULL
                    CHECK ((kind IN ('redeem', 'sale_refund') AND delta < 0)
                           OR (kind NOT IN ('redeem', 'sale_refund') AND delta > 0)),
    payment_id      INTEGER REFERENCES payments (id),
    at              INTEGER NOT NULL,
    by_name         TEXT NOT NULL CHECK (length(by_name) BETWEEN 1 AND 200)
);
INSERT INTO gift_card_entries_new (id, gift_card_id, kind, delta, payment_id, at, by_name)
SELECT id, gift_card_id, kind, delta, payment_id, at, by_name FROM gift_card_entries;
DROP TABLE gift_card_entries;
ALTER TABLE gift_card_entries_new RENAME TO gift_card_entries;
CREATE INDEX gift_card_entries_card ON gift_card_entries (gift_card_id);
CREATE TRIGGER gift_card_entries_enough BEFORE INSERT ON gift_card_entries
WHEN NEW.delta + (SELECT coalesce(sum(delta), 0) FROM gift_card_entries
                  WHERE gift_card_id = NEW.gift_card_id) < 0
BEGIN SELECT RAISE(ABORT, 'the gift card does not hold that much'); END;
CREATE TRIGGER gift_card_entries_no_update BEFORE UPDATE ON gift_card_entries
BEGIN SELECT RAISE(ABORT, 'a gift card cannot be changed'); END;
CREATE TRIGGER gift_card_entries_no_delete BEFORE DELETE ON gift_card_entries
BEGIN SELECT RAISE(ABORT, 'a gift card cannot be changed'); END;

CREATE TABLE package_credits_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    client_package_id INTEGER NOT NULL REFERENCES client_packages (id),
    kind              TEXT NOT NULL
                      CHECK (kind IN ('sold', 'use', 'return', 'sale_refund', 'refund_undone')),
    delta             INTEGER NOT NULL
                      CHECK ((kind IN ('sold', 'refund_undone') AND delta BETWEEN 1 AND 100)
                             OR (kind = 'sale_refund' AND delta BETWEEN -100 AND -1)
                             OR (kind = 'use' AND delta = -1)
                             OR (kind = 'return' AND delta = 1)),
    appointment_id    INTEGER REFERENCES appointments (id),
    reason            TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    at                INTEGER NOT NULL,
    by_name           TEXT NOT NULL CHECK (length(by_name) BETWEEN 1 AND 200),
    CHECK ((kind IN ('use', 'return')) = (appointment_id IS NOT NULL))
);
INSERT INTO package_credits_new (id, client_package_id, kind, delta, appointment_id, reason, at,
by_name)
SELECT id, client_package_id, kind, delta, appointment_id, reason, at, by_name FROM package_credits;
DROP TABLE package_credits;
ALTER TABLE package_credits_new RENAME TO package_credits;
CREATE INDEX package_credits_package ON package_credits (client_package_id);
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
