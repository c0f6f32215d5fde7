-- Usage recorded straight from a gateway (POST /v1/usage) is charged like a settlement.
ALTER TABLE ledger DROP CONSTRAINT ledger_kind_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_kind_check CHECK (kind IN ('adjust', 'settle', 'usage'));

-- One row per metered request, written in the same transaction as its ledger row, with the price
-- it was charged at. Idempotent by (account, request id).
CREATE TABLE usage_events (
    usage_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    text        NOT NULL REFERENCES accounts (account_id),
    request_id    text        NOT NULL,
    key_id        text,
    caller_ip     text,
    model         text        NOT NULL,
    input_tokens  bigint      NOT NULL CHECK (input_tokens >= 0),
    output_tokens bigint      NOT NULL CHECK (output_tokens >= 0),
    input_price   bigint      NOT NULL,  -- nano-USD per 1M tokens, as charged
    output_price  bigint      NOT NULL,
    cost          bigint      NOT NULL,  -- what the request cost at that price
    charged       bigint      NOT NULL,  -- what the balance lost (see the overdraft policy)
    outcome       text        NOT NULL,
    streamed      boolean     NOT NULL,
    latency_ms    integer,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, request_id)
);
-- Time-window queries, alone and per group.
CREATE INDEX usage_events_time ON usage_events (created_at);
CREATE INDEX usage_events_account_time ON usage_events (account_id, created_at);
CREATE INDEX usage_events_model_time ON usage_events (model, created_at);
