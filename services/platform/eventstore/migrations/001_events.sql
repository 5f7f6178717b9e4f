-- The events table is both the event store and the outbox: the relay reads it
-- in commit order (txid, position) and publishes to JetStream.
CREATE TABLE events (
    position       bigint      GENERATED ALWAYS AS IDENTITY,
    stream_id      text        NOT NULL,
    version        bigint      NOT NULL CHECK (version > 0),
    event_id       uuid        NOT NULL,
    event_type     text        NOT NULL,
    schema_version integer     NOT NULL CHECK (schema_version > 0),
    data           jsonb       NOT NULL,
    metadata       jsonb       NOT NULL,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT statement_timestamp(),
    txid           xid8        NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (stream_id, version)
);
CREATE UNIQUE INDEX events_position ON events (position);
CREATE INDEX events_commit_order ON events (txid, position);

-- A client's request id, stored in the same statement as the events it wrote,
-- so that a retry returns the first result and writes nothing.
CREATE TABLE idempotency (
    request_id    text        PRIMARY KEY,
    stream_id     text        NOT NULL,
    first_version bigint      NOT NULL,
    last_version  bigint      NOT NULL,
    last_position bigint      NOT NULL,
    event_ids     uuid[]      NOT NULL,
    recorded_at   timestamptz NOT NULL
);

-- Where the relay has got to, in commit order.
CREATE TABLE relay_cursor (
    name       text        PRIMARY KEY,
    txid       xid8        NOT NULL,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
