-- A client the front desk books with only a phone (twin of sqlite/0057; its
-- comments say why): the e-mail may be empty ('' = none given).
ALTER TABLE clients DROP CONSTRAINT clients_email_check;
ALTER TABLE clients ADD CONSTRAINT clients_email_check
    CHECK (email = '' OR length(email) BETWEEN 3 AND 254);
