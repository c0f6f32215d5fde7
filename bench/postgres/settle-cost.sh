#!/usr/bin/env bash
# What one settle costs PostgreSQL, statement by statement, with the silo's CPU out of the way: applies the grains'
# migrations (up to and including the one named by $1, e.g. 0014, to compare with an older schema; all by default) to a
# scratch database, seeds 100,000 accounts with a grant each, runs group-commit transactions of $SETTLES settles
# (settle-batch.sh; 5 by default) from $CLIENTS clients (4 by default; one client is one commit lane) for 25 s, and prints
# the settles per second, the WAL and PostgreSQL's CPU per settle (the CPU when the server runs on this machine), and pg_stat_statements'
# mean time per statement (each one for all the transaction's settles) and in all per settle.
# Needs a running PostgreSQL with pg_stat_statements preloaded, reached by the usual PG* variables (PGHOST, PGPORT, PGUSER).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
upto=${1:-9999}
db=settle_cost_$upto
settles=${SETTLES:-5}
clients=${CLIENTS:-4}
seconds=${SECONDS_TO_RUN:-25}
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
# CPU ticks of the server: its postmaster, the children it reaped and those alive (backends, WAL writer, checkpointer).
server_ticks() {
  local postmaster total=0 pid fields
  postmaster=$(head -1 "$(psql -d "$db" -At -c 'SHOW data_directory')/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  for pid in $(ps -o pid= --ppid "$postmaster") "$postmaster"; do
    read -ra fields < "/proc/$pid/stat" 2>/dev/null || continue
    (( total += fields[13] + fields[14] ))
    [[ $pid == "$postmaster" ]] && (( total += fields[15] + fields[16] ))
  done
  echo "$total"
}
script=$(mktemp --suffix .pgbench)
trap 'rm -f "$script"' EXIT
"$here/settle-batch.sh" "$settles" > "$script"
wal_bytes() { psql -d "$db" -At -c 'SELECT wal_bytes FROM pg_stat_wal'; }
before=$(server_ticks) wal_before=$(wal_bytes)
result=$("$bin/pgbench" -n -M prepared -c "$clients" -j 1 -T "$seconds" -f "$script" "$db")
after=$(server_ticks) wal_after=$(wal_bytes)
grep -E '^(tps|latency average)' <<< "$result"
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<< "$result")
awk -v tps="$tps" -v n="$settles" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v seconds="$seconds" -v clients="$clients" -v wal=$((wal_after - wal_before)) 'BEGIN {
  printf "%.0f settles/s (%d per transaction, %d clients)\n", tps * n, n, clients
  printf "WAL: %.0f bytes per settle, %.1f MB/s\n", wal / (tps * n * seconds), wal / seconds / 1e6
  if (ticks > 0) printf "PostgreSQL CPU: %.0f µs per settle, %.2f cores\n", ticks / hz * 1e6 / (tps * n * seconds), ticks / hz / seconds }'
psql -d "$db" -At -F ' ' \
  -c "SELECT round(mean_exec_time::numeric * 1000, 1) || ' µs', left(query, 40) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls > 1000 ORDER BY mean_exec_time DESC" \
  -c "SELECT round(sum(total_exec_time)::numeric * 1000 / $settles / max(calls) FILTER (WHERE query LIKE 'SELECT pg_current_xact_id%'), 1) || ' µs per settle in all' FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'"
psql -d "$db" -At -F ' ' -c "SELECT relname || ': ' || n_tup_hot_upd || ' of ' || n_tup_upd || ' updates in place (HOT)' FROM pg_stat_user_tables WHERE relname IN ('accounts', 'credit_grants')"
