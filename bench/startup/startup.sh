#!/usr/bin/env bash
# How fast a published silo and gateway start, compiled by the JIT alone or ReadyToRun (as the Dockerfile publishes them):
# publishes both processes both ways, then for $ROUNDS rounds (3 by default), alternating, starts each pair on a fresh
# database and prints the time until the silo's /health answers (it has migrated the database and joined the cluster), until
# the gateway's /health/ready answers, two admin calls (an account and a price), the first authorize and settle, and the
# next 20 pairs (each a new curl: a new connection), and the processes' resident memory.
# Needs a running PostgreSQL reached by the usual PG* variables (PGHOST, PGPORT, PGUSER) and ports 5100, 8080, 11111 and 30000.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
for variant in jit r2r; do
  for project in Silo Gateway; do
    dotnet publish "$root/src/$project/Tollgate.$project.csproj" -c Release --use-current-runtime --self-contained false \
      -p:PublishReadyToRun=$([[ $variant == r2r ]] && echo true || echo false) -o "$out/$variant/$project" > "$out/publish.log"
  done
  echo "$variant: silo $(du -sm "$out/$variant/Silo" | cut -f1) MB, gateway $(du -sm "$out/$variant/Gateway" | cut -f1) MB published"
done
connection="Host=${PGHOST:-127.0.0.1};Port=${PGPORT:-5432};Username=${PGUSER:-postgres};Database=tollgate_startup"
admin=tg_admin_startup service=tg_service_startup
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
wait_for() { until curl -sf "$1" > /dev/null; do sleep 0.02; done; }
call() { curl -sf -X POST "http://127.0.0.1:8080$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
pair() {
  local reservation
  reservation=$(call /v1/authorize $service "{\"request_id\":\"r$1\",\"account_id\":\"a0\",\"caller_ip\":\"10.0.0.1\",\"model\":\"m1\",\"estimated_input_tokens\":100,\"max_output_tokens\":100}" \
    | grep -o '"reservation_id":"[^"]*"' | cut -d'"' -f4)
  call /v1/settle $service "{\"reservation_id\":\"$reservation\",\"input_tokens\":50,\"output_tokens\":50}" > /dev/null
}
rss() { ps -o rss= -p "$1" | awk '{ printf "%d MB", $1 / 1024 }'; }
for round in $(seq 1 "${ROUNDS:-3}"); do
  for variant in jit r2r; do
    psql -q -d postgres -c "DROP DATABASE IF EXISTS tollgate_startup WITH (FORCE)" -c "CREATE DATABASE tollgate_startup"
    start=$(date +%s%N)
    (cd "$out/$variant/Silo" && Postgres__ConnectionString="$connection" exec dotnet Tollgate.Silo.dll > "$out/silo.log" 2>&1) & silo=$!
    wait_for http://127.0.0.1:5100/health; silo_ready=$(ms_since "$start")
    start=$(date +%s%N)
    (cd "$out/$variant/Gateway" && Postgres__ConnectionString="$connection" Admin__Token=$admin Metering__ServiceToken=$service exec dotnet Tollgate.Gateway.dll > "$out/gateway.log" 2>&1) & gateway=$!
    wait_for http://127.0.0.1:8080/health/ready; gateway_ready=$(ms_since "$start")
    start=$(date +%s%N)
    call /admin/accounts $admin '{"account_id":"a0","initial_credit":1000000000000}' > /dev/null
    call /admin/models/m1/prices $admin '{"input_per_million":1000,"output_per_million":1000}' > /dev/null
    seeded=$(ms_since "$start") start=$(date +%s%N)
    pair 0; first=$(ms_since "$start") start=$(date +%s%N)
    for i in $(seq 1 20); do pair "$i"; done; next=$(ms_since "$start")
    echo "round $round $variant: silo ready ${silo_ready} ms, gateway ready ${gateway_ready} ms, 2 admin calls ${seeded} ms, first pair ${first} ms, next 20 pairs ${next} ms; resident: silo $(rss $silo), gateway $(rss $gateway)"
    kill "$gateway" "$silo"; wait "$gateway" "$silo" 2>/dev/null || true
  done
done
