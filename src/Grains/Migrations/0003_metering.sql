-- Authorize/settle: account limits, trial and status; usage events for denied requests too.
ALTER TABLE accounts
    ADD COLUMN limits jsonb,  -- null: unlimited
    ADD COLUMN trial  jsonb,  -- the trial grant and what is used of it (see Trial.cs)
    ADD CONSTRAINT accounts_status_check CHECK (status IN ('active', 'suspended'));

-- A denied request gets a row too (denial = its reason code, no price, no cost). Its account is
-- null when none was resolved (bad key, unknown account). Settled rows stay unique per request;
-- a request may be denied, retried and settled under one id.
ALTER TABLE usage_events
    ALTER COLUMN account_id DROP NOT NULL,
    ALTER COLUMN input_price DROP NOT NULL,
    ALTER COLUMN output_price DROP NOT NULL,
    ADD COLUMN trial_used    bigint NOT NULL DEFAULT 0,  -- the part of cost the trial covered
    ADD COLUMN denial        text,
    ADD COLUMN authorized_at timestamptz,
    DROP CONSTRAINT usage_events_account_id_request_id_key,
    ADD CONSTRAINT usage_events_settled_check
        CHECK (denial IS NOT NULL OR (account_id IS NOT NULL AND input_price IS NOT NULL AND output_price IS NOT NULL));
CREATE UNIQUE INDEX usage_events_settled_once ON usage_events (account_id, request_id) WHERE denial IS NULL;

-- Window-plus-group queries (GET /api/usage): each group key with time, besides the ones in 0002.
CREATE INDEX usage_events_key_time ON usage_events (key_id, created_at);
CREATE INDEX usage_events_ip_time ON usage_events (caller_ip, created_at);
CREATE INDEX usage_events_outcome_time ON usage_events (outcome, created_at);
