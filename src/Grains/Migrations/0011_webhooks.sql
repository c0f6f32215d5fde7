-- Threshold alerts, delivered as signed webhooks (issue 22). Grains append an event to alert_outbox in the same
-- version-fenced commit as the change that crossed the threshold; every silo's dispatcher fans each event out once,
-- into a delivery row per matching endpoint, and delivers those with retries. (0010 is the budgets' migration.)

-- One row per event, its id chosen by the emitter from what it is about (a re-emitted crossing inserts nothing).
CREATE TABLE alert_outbox (
    seq        bigint      GENERATED ALWAYS AS IDENTITY UNIQUE, -- fan-out order
    event_id   text        PRIMARY KEY,
    type       text        NOT NULL,
    account_id text,
    owner_kind text        NOT NULL CHECK (owner_kind IN ('account', 'key', 'endpoint')),
    owner_id   text        NOT NULL,
    payload    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    fanned_out boolean     NOT NULL DEFAULT false);

-- What is left to fan out: the dispatchers' first query on every pass, so it must stay small and cheap.
CREATE INDEX alert_outbox_to_fan_out ON alert_outbox (seq) WHERE NOT fanned_out;
-- What Webhooks:Retention deletes.
CREATE INDEX alert_outbox_created ON alert_outbox (created_at);

-- Where events go. The secret is kept because every delivery is signed with it; it is shown once, at creation.
CREATE TABLE webhook_endpoints (
    endpoint_id text        PRIMARY KEY,
    url         text        NOT NULL,
    secret      text        NOT NULL,
    account_id  text,       -- null: every account's events
    description text,
    enabled     boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL);

-- One row per (event, endpoint): the retry state and the log operators read.
CREATE TABLE webhook_deliveries (
    delivery_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id         text        NOT NULL REFERENCES alert_outbox ON DELETE CASCADE,
    endpoint_id      text        NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(), -- while an attempt runs: when its lease ends
    claimed_by       text,       -- the silo that made the last attempt
    last_status_code integer,
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, endpoint_id));

-- The dispatchers' claim: due pending deliveries, soonest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
-- An endpoint's delivery log, newest first.
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, delivery_id DESC);
