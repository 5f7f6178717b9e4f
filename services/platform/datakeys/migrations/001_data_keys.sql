-- Data keys: one AES-256 key per owner (a person, a household, a visit, a
-- hotline call), wrapped (AES-GCM) by the service's master key. Deleting a
-- row shreds every value sealed with it: the events stay, unreadable.
-- IF NOT EXISTS: services that created the table before this package existed
-- keep theirs (same columns).
CREATE TABLE IF NOT EXISTS data_keys (
    owner_id    uuid        PRIMARY KEY,
    tenant      text        NOT NULL,
    wrapped_key bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
