-- Cluster membership: each silo incarnation registers, heartbeats by the database's clock, and
-- is declared dead when its heartbeat is stale. A restart at the same address supersedes the
-- older generation at once.
CREATE TABLE silos (
    address      text        NOT NULL,
    generation   bigint      NOT NULL,
    status       text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'stopping', 'dead')),
    started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    heartbeat_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (address, generation)
);
