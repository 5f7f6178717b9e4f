-- Every reveal of sealed notes or a caller's number: who, what, when, why.
-- Written before the data is returned.
CREATE TABLE sensitive_reads (
    id        uuid        PRIMARY KEY,
    tenant    text        NOT NULL,
    resource  text        NOT NULL,
    actor     text        NOT NULL,
    fields    text[]      NOT NULL,
    purpose   text        NOT NULL,
    method    text        NOT NULL,
    read_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sensitive_reads_resource ON sensitive_reads (tenant, resource, id);
CREATE INDEX sensitive_reads_actor    ON sensitive_reads (tenant, actor, id);
