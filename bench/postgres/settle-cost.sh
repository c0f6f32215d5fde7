#!/usr/bin/env bash
# What one settle costs PostgreSQL, statement by statement, with the silo's CPU out of the way: applies the grains'
# migrations (up to and including the one named by $1, e.g. 0014, to compare with an older schema; all by default) to a
# scratch database, seeds 100,000 accounts with a grant each, runs settle-batch.pgbench from 4 clients for 25 s and
# prints pg_stat_statements' mean time per statement (each one for all 5 settles) and in all per settle.
# Needs a running PostgreSQL with pg_stat_statements preloaded, reached by the usual PG* variables (PGHOST, PGPORT, PGUSER).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
upto=${1:-9999}
db=settle_cost_$upto
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
psql() { "$bin/psql" -q -v ON_ERROR_STOP=1 "$@"; }
psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
for migration in "$here"/../../src/Grains/Migrations/*.sql; do
  [[ $(basename "$migration" | cut -c1-4) > $upto ]] && break
  psql -d "$db" -f "$migration"
done
# The committer's row-count check (src/Persistence/RowCountGuard.cs) as a function of the database's: pgbench has no session setup.
sed -n '/CREATE OR REPLACE FUNCTION/,/END \$\$/p' "$here/../../src/Persistence/RowCountGuard.cs" | sed 's/pg_temp\.//; s/{WrongCountState}/TG409/' | psql -d "$db"
psql -d "$db" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
  -c "INSERT INTO accounts (account_id, balance, overdraft_limit, version) SELECT 'acct-' || g, 1000000000000, 0, 1 FROM generate_series(1, 100000) g" \
  -c "INSERT INTO credit_grants (account_id, grant_id, kind, amount, remaining, priority, effective_at, actor) SELECT 'acct-' || g, 'g1', 'paid', 1000000000000, 1000000000000, 50, now() - interval '1 day', 'bench' FROM generate_series(1, 100000) g" \
  -c "VACUUM ANALYZE" -c "SELECT pg_stat_statements_reset()" >/dev/null
"$bin/pgbench" -n -M prepared -c 4 -j 1 -T "${SECONDS_TO_RUN:-25}" -f "$here/settle-batch.pgbench" "$db" | grep -E '^(tps|latency average)'
psql -d "$db" -At -F ' ' \
  -c "SELECT round(mean_exec_time::numeric * 1000, 1) || ' µs', left(query, 40) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls > 1000 ORDER BY mean_exec_time DESC" \
  -c "SELECT round(sum(total_exec_time)::numeric * 1000 / 5 / max(calls) FILTER (WHERE query LIKE 'SELECT pg_current_xact_id%'), 1) || ' µs per settle in all' FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'"
psql -d "$db" -At -F ' ' -c "SELECT relname || ': ' || n_tup_hot_upd || ' of ' || n_tup_upd || ' updates in place (HOT)' FROM pg_stat_user_tables WHERE relname IN ('accounts', 'credit_grants')"
