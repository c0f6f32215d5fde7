-- Every settle inserts a ledger row and a usage row, and PostgreSQL checked each one's account_id against accounts with a
-- query of its own (a foreign-key trigger: SELECT ... FOR KEY SHARE), in the one transaction lane all settles wait for.
-- The write path already proves what the check proved: every write that inserts these rows is an account's, and starts
-- with the guarded statement on that account's row (AccountStore: its UPDATE ... WHERE version = $expected, or its
-- INSERT), so a write of an account that does not exist changes nothing and is refused whole; and accounts are never
-- deleted. Denied requests, counted beside them (DenialLog), keep an account_id only for accounts that exist (a join).
-- pgbench on the group committer's settle batch (bench/postgres/settle-cost.sh 0016 against 0017, two alternating
-- rounds): 154 / 174 µs of PostgreSQL CPU per settle before, 151 / 139 after (see docs/benchmarks.md).
ALTER TABLE ledger DROP CONSTRAINT ledger_account_id_fkey;
ALTER TABLE usage_events DROP CONSTRAINT usage_events_account_id_fkey;
