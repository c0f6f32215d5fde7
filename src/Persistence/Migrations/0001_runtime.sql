-- Partition leases: the single-activation guarantee. A silo serves (and writes for) a partition
-- only while it holds the lease at its epoch; acquiring a lease increments the epoch.
CREATE TABLE partition_leases (
    partition_id     integer PRIMARY KEY,
    owner_address    text,
    owner_generation bigint,
    epoch            bigint      NOT NULL DEFAULT 0,
    expires_at       timestamptz NOT NULL DEFAULT '-infinity'
);

-- Generic persisted grain state, keyed by (grain type, grain key) with an optimistic version.
CREATE TABLE grain_state (
    grain_type text        NOT NULL,
    grain_key  text        NOT NULL,
    version    bigint      NOT NULL CHECK (version > 0),
    state      jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grain_type, grain_key)
);

-- Each silo start draws a new generation, so a restarted silo supersedes its older incarnation.
CREATE SEQUENCE silo_generations;
