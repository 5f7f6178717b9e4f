-- Every read of decrypted personal data: who, what, when, why. Written
-- before the data is returned. subject_id is the person, household, visit or
-- call whose data was read; resource is the name the caller asked for.
-- IF NOT EXISTS: the beneficiaries service created this table before this
-- package existed (its migration 002 renames person_id to subject_id).
CREATE TABLE IF NOT EXISTS sensitive_reads (
    id         uuid        PRIMARY KEY,
    tenant     text        NOT NULL,
    subject_id uuid        NOT NULL,
    resource   text        NOT NULL,
    actor      text        NOT NULL,
    fields     text[]      NOT NULL,
    purpose    text        NOT NULL,
    method     text        NOT NULL,
    read_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sensitive_reads_subject ON sensitive_reads (tenant, subject_id, id);
CREATE INDEX IF NOT EXISTS sensitive_reads_actor   ON sensitive_reads (tenant, actor, id);
CREATE INDEX IF NOT EXISTS sensitive_reads_tenant  ON sensitive_reads (tenant, id);
