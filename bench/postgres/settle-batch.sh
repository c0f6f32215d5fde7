#!/usr/bin/env bash
# Prints a pgbench script of one group-commit transaction of $1 settles (5 by default) on random accounts, as GroupCommitter
# sends it: each statement's rows of all the settles as one statement through unnest (RowTable), each checking its row count
# (RowCountGuard), all in one pipeline with BEGIN and COMMIT (AccountStore.Charge, GrantStore.Drawn, AccountStore.Ledger,
# AccountStore.Usage). The account's version fence is left out: pgbench cannot know each row's version. The committer's sync
# after the transaction id is left out too (pgbench 15 has no \syncpipeline), and the row-count check is a function of the
# database's, not of the session's, and expects what it got (two settles of one account are one row).
# Used by bench/postgres/settle-cost.sh.
set -euo pipefail
settles=${1:-5}
(( settles >= 1 && settles <= 200 )) || { echo "settles per transaction: 1 to 200" >&2; exit 2; }

# One array literal of the settles' values: each item is $1 with {i} replaced by the settle's number.
array() {
  local items=()
  for ((i = 1; i <= settles; i++)); do items+=("${1//\{i\}/$i}"); done
  local joined
  joined=$(printf ', %s' "${items[@]}")
  echo "ARRAY[${joined:2}]::$2[]"
}

accounts=$(array "'acct-' || :a{i}" text)
ops=$(array "'r-' || :n || '-{i}-' || random()" text)

echo '\set n random(1, 1000000000)'
for ((i = 1; i <= settles; i++)); do echo "\\set a$i random(1, 100000)"; done
echo '\startpipeline'
echo 'BEGIN;'
echo 'SELECT pg_current_xact_id()::text;'
echo "WITH changed AS (UPDATE accounts SET balance = given.balance, trial = coalesce(given.trial, accounts.trial), budget_spend = coalesce(accounts.budget_spend || given.spend, accounts.budget_spend), version = given.version + 1, updated_at = now() FROM unnest($accounts, $(array 999000000 bigint), $(array 0 bigint), $(array NULL jsonb), $(array NULL jsonb)) AS given(account_id, balance, version, trial, spend) WHERE accounts.account_id = given.account_id RETURNING 1) SELECT tollgate_expect_rows(count(*), count(*)::integer, 0) FROM changed;"
echo "WITH changed AS (UPDATE credit_grants SET remaining = credit_grants.remaining + given.amount FROM unnest($accounts, $(array "'g1'" text), $(array -368 bigint)) AS given(account_id, grant_id, amount) WHERE credit_grants.account_id = given.account_id AND credit_grants.grant_id = given.grant_id AND credit_grants.closed_at IS NULL RETURNING 1) SELECT tollgate_expect_rows(count(*), count(*)::integer, 0) FROM changed;"
echo "WITH changed AS (INSERT INTO ledger (account_id, kind, op_key, amount, balance_after, requested, reserved, reason, actor, grants) SELECT * FROM unnest($accounts, $(array "'settle'" text), $ops, $(array -368000 bigint), $(array 999000000 bigint), $(array 368000 bigint), $(array 400000 bigint), $(array NULL text), $(array NULL text), $(array "'[{\"grant_id\":\"g1\",\"amount\":-368000}]'" jsonb)) ON CONFLICT (account_id, kind, op_key) DO NOTHING RETURNING 1) SELECT tollgate_expect_rows(count(*), count(*)::integer, 0) FROM changed;"
echo "WITH changed AS (INSERT INTO usage_events (account_id, request_id, key_id, caller_ip, model, input_tokens, output_tokens, input_price, output_price, cost, trial_used, charged, outcome, streamed, latency_ms, authorized_at, estimated) SELECT * FROM unnest($accounts, $ops, $(array "'key-' || :a{i}" text), $(array "'10.0.' || (:a{i} % 250) || '.1'" text), $(array "'bench-model'" text), $(array 120 bigint), $(array 16 bigint), $(array 2000000000 bigint), $(array 8000000000 bigint), $(array 368000 bigint), $(array 0 bigint), $(array 368000 bigint), $(array "'ok'" text), $(array false boolean), $(array 12 integer), $(array "now()" timestamptz), $(array false boolean)) ON CONFLICT (account_id, request_id) WHERE denial IS NULL DO NOTHING RETURNING 1) SELECT tollgate_expect_rows(count(*), count(*)::integer, 0) FROM changed;"
echo 'COMMIT;'
echo '\endpipeline'
