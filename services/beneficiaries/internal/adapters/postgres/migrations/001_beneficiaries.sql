-- Data keys: one AES-256 key per person or household, wrapped (AES-GCM) by
-- the master key from configuration. Deleting a row shreds every value
-- sealed with it: the events stay, unreadable.
CREATE TABLE data_keys (
    owner_id    uuid        PRIMARY KEY,
    tenant      text        NOT NULL,
    wrapped_key bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The blind index of ID numbers: a keyed hash, never the number. The
-- primary key makes a tenant's ID number unique; a row is reserved before
-- the registration is appended and deleted when the person is forgotten.
CREATE TABLE id_index (
    tenant      text        NOT NULL,
    blind_index text        NOT NULL,
    person_id   uuid        NOT NULL,
    reserved_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, blind_index)
);
CREATE INDEX id_index_person ON id_index (person_id);

-- Every read of decrypted personal data: who, what, when, why. Written
-- before the data is returned.
-- person_id is the person read, or the household for a household's address.
CREATE TABLE sensitive_reads (
    id        uuid        PRIMARY KEY,
    tenant    text        NOT NULL,
    person_id uuid        NOT NULL,
    resource  text        NOT NULL,
    actor     text        NOT NULL,
    fields    text[]      NOT NULL,
    purpose   text        NOT NULL,
    method    text        NOT NULL,
    read_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sensitive_reads_person ON sensitive_reads (tenant, person_id, id);
CREATE INDEX sensitive_reads_actor  ON sensitive_reads (tenant, actor, id);
CREATE INDEX sensitive_reads_tenant ON sensitive_reads (tenant, id);
