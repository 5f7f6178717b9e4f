-- Which generation of each projection is live. Queries read active_schema;
-- a rebuild fills a new generation's schema, then switches this row in one
-- transaction.
CREATE TABLE projection_state (
    name          text        PRIMARY KEY,
    active_schema text        NOT NULL,
    generation    bigint      NOT NULL CHECK (generation > 0),
    switched_at   timestamptz NOT NULL DEFAULT now()
);

-- Events a projection could not apply after its retries (and the later events
-- of the same aggregate, parked behind them so that nothing is applied out of
-- order). Headers and data are kept so that an event can be replayed.
CREATE TABLE parked_events (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    projection  text        NOT NULL,
    generation  bigint      NOT NULL,
    source      text        NOT NULL,
    event_id    text        NOT NULL,
    event_type  text        NOT NULL,
    stream_id   text        NOT NULL,
    version     bigint      NOT NULL,
    stream_seq  bigint      NOT NULL,
    error       text        NOT NULL,
    attempts    integer     NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT now(),
    headers     jsonb       NOT NULL,
    data        bytea       NOT NULL,
    UNIQUE (projection, generation, source, event_id)
);
