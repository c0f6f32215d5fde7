-- An account's balance alerts (low balance, depleted, grant expiring); null: the defaults. Budgets keep their own percentages.
ALTER TABLE accounts ADD COLUMN alerts jsonb;

-- The console's "recent alerts" of one account, newest first.
CREATE INDEX alert_outbox_account_recent ON alert_outbox (account_id, created_at DESC) WHERE account_id IS NOT NULL;
