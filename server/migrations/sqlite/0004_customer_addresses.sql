-- The customer's address book. At most one default shipping and one default billing address per customer, as in
-- Medusa (partial unique indexes).
CREATE TABLE customer_address (
    id                  TEXT PRIMARY KEY,
    customer_id         TEXT NOT NULL,
    address_name        TEXT,
    is_default_shipping INTEGER NOT NULL,
    is_default_billing  INTEGER NOT NULL,
    company             TEXT,
    first_name          TEXT,
    last_name           TEXT,
    address_1           TEXT,
    address_2           TEXT,
    city                TEXT,
    country_code        TEXT,
    province            TEXT,
    postal_code         TEXT,
    phone               TEXT,
    metadata            TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX customer_address_customer ON customer_address (customer_id, id);
CREATE UNIQUE INDEX customer_address_default_shipping ON customer_address (customer_id) WHERE is_default_shipping;
CREATE UNIQUE INDEX customer_address_default_billing ON customer_address (customer_id) WHERE is_default_billing;
