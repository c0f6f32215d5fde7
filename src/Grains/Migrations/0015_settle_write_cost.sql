-- What one settle costs PostgreSQL: every settle inserts a usage event and updates its grant, so each index of those
-- two tables is paid on every request. Measured with pgbench on the settle batch the group committer sends (5 settles
-- per transaction, 100,000 accounts): see docs/benchmarks.md.

-- A grant's update changed `remaining`, a column in this index's predicate, so PostgreSQL could never update a grant
-- in place (a HOT update): each settle wrote a new entry in both of the table's indexes. The primary key, which
-- starts with account_id, finds an account's open grants as well (an account has few).
DROP INDEX credit_grants_open;
-- Room on each page for the next versions of its rows, so updates stay on their page (new pages only: no rewrite).
ALTER TABLE credit_grants SET (fillfactor = 50);

-- Usage events are appended in time order: a block-range index answers the time-window queries that read every
-- row in the window (totals, groups, hours and days) for a fraction of a b-tree's upkeep.
DROP INDEX usage_events_time;
CREATE INDEX usage_events_time ON usage_events USING brin (created_at timestamptz_minmax_multi_ops) WITH (autosummarize = on);
-- Five outcomes at most: a query filtered by one reads the window by time and keeps its rows.
DROP INDEX usage_events_outcome_time;
