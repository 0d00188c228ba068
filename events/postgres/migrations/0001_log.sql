-- The log: one row per event, its global position dense from 1.
-- Runs with search_path set to the store's schema.

-- head is the single-row counter that hands out global positions. An append
-- takes it with UPDATE ... RETURNING as its last statement before COMMIT, so
-- appends commit in position order and a position that is rolled back is
-- handed out again: no gaps, and no reader ever sees a position while an
-- earlier one could still commit (see doc.go).
CREATE TABLE head (
    one         boolean     PRIMARY KEY DEFAULT true CHECK (one),
    position    bigint      NOT NULL CHECK (position >= 0),
    -- recorded_at is the last RecordedAt handed out; the next is never
    -- earlier, even if the server's clock steps back.
    recorded_at timestamptz NOT NULL
);
INSERT INTO head (position, recorded_at) VALUES (0, '-infinity');

-- streams holds each stream's version; appends lock its row.
CREATE TABLE streams (
    name    text   PRIMARY KEY,
    version bigint NOT NULL CHECK (version >= 0)
);

-- Payload and metadata strings are bytea: stored exactly as written (a
-- retry compares the bytes), and a NUL in valid UTF-8 fits, which text
-- cannot hold.
CREATE TABLE events (
    position        bigint      PRIMARY KEY CHECK (position >= 1),
    stream          text        NOT NULL,
    version         bigint      NOT NULL CHECK (version >= 1),
    event_id        uuid        NOT NULL,
    type            text        NOT NULL,
    data            bytea       NOT NULL,
    actor_id        bytea       NOT NULL,
    role            bytea       NOT NULL,
    jurisdiction    bytea       NOT NULL,
    idempotency_key bytea       NOT NULL,
    correlation_id  bytea       NOT NULL,
    causation_id    bytea       NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    CONSTRAINT events_stream_version_key UNIQUE (stream, version)
);
