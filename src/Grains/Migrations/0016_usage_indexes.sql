-- Fewer indexes on usage_events, the table every settle inserts into: each b-tree is an insert per request in the one
-- transaction lane all settles wait for. pgbench on the group committer's settle batch (bench/postgres/settle-cost.sh
-- 0015 against 0016, two alternating rounds): 220 / 242 µs of PostgreSQL time per settle before, 187 / 182 after.

-- Models are few: a usage query filtered by one reads its time window (the BRIN index) and keeps the model's rows,
-- as a query filtered by outcome already did.
DROP INDEX usage_events_model_time;
-- A budget's recount (AccountStore.SpentAsync) finds the requests authorized in its period through the account's or
-- the key's created_at index: a request is recorded (created_at, PostgreSQL's clock) after it was authorized
-- (authorized_at, a silo's clock), so a bound on created_at a clock skew earlier than the period finds them all.
DROP INDEX usage_events_account_authorized;
DROP INDEX usage_events_key_authorized;
