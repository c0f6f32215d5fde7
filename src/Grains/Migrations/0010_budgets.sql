-- Budgets of an account and of its keys (definitions), and what each one's current period has settled,
-- keyed by the budget ('a/{name}' or 'k/{key}/{name}') with the period's start: a settle merges the entries it changed.
ALTER TABLE accounts
    ADD COLUMN budgets jsonb,
    ADD COLUMN budget_spend jsonb NOT NULL DEFAULT '{}';

-- A budget set mid-period counts what the period already spent: by the time each request was authorized.
CREATE INDEX usage_events_account_authorized ON usage_events (account_id, (coalesce(authorized_at, created_at))) WHERE denial IS NULL;
CREATE INDEX usage_events_key_authorized ON usage_events (key_id, (coalesce(authorized_at, created_at))) WHERE denial IS NULL AND key_id IS NOT NULL;
