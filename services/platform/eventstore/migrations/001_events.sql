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
    -- The client's request id, on the first event of an append only: a retry
    -- with the same id finds the append here and writes nothing. Keeping it in
    -- the events table costs one index entry instead of another table's row.
    request_id     text,
    PRIMARY KEY (stream_id, version)
);
CREATE UNIQUE INDEX events_request_id ON events (request_id) WHERE request_id IS NOT NULL;
CREATE UNIQUE INDEX events_position ON events (position);
CREATE INDEX events_commit_order ON events (txid, position);


-- Where the relay has got to, in commit order.
CREATE TABLE relay_cursor (
    name       text        PRIMARY KEY,
    txid       xid8        NOT NULL,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
