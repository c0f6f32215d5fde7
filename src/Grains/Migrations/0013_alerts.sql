-- An account's balance alerts (low balance, depleted, grant expiring); null: the defaults. Budgets keep their own percentages.
ALTER TABLE accounts ADD COLUMN alerts jsonb;
