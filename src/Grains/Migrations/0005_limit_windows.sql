-- Rate windows and in-flight grants carried to a grain's next activation after a graceful stop or a crash
-- (checkpoints, written at most every Limits:CheckpointInterval while they change, and on deactivation).
-- Accounts keep theirs in their own row beside their holds, fenced by the account's version; API keys,
-- models and caller IPs here, each fenced by a version of its own.
ALTER TABLE accounts ADD COLUMN windows jsonb;

CREATE TABLE limit_windows (
    grain      text PRIMARY KEY,  -- the grain id: apikey/<id>, model/<name>, ip/<address>
    version    bigint NOT NULL,   -- bumped by every checkpoint; a stale activation's write finds another and changes nothing
    state      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
