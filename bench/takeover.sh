#!/usr/bin/env bash
# Takeover times of a standby on PostgreSQL: two `troupe serve` on one database,
# the active killed (SIGKILL) or stopped (SIGSTOP) three times each; prints the
# time from the signal to the standby answering a submission 202.
# usage: bench/takeover.sh TROUPE_BINARY LIBPQ_URI   (a throw-away database:
# troupe's tables in it are dropped first)
set -u
BIN=$1
URI=$2
out=$(mktemp -d)
psql "$URI" -qc "DROP TABLE IF EXISTS troupe_jobs, troupe_group_limits, troupe_schema, troupe_leader; DROP FUNCTION IF EXISTS troupe_fence" 2>/dev/null
now_ms() { date +%s%3N; }
for mode in KILL STOP; do
 for i in 1 2 3; do
  $BIN serve --http 127.0.0.1:0 --store "$URI" --workers 2 --lease-ms 3000 > $out/a.out 2>$out/a.err & A=$!
  until grep -q listening $out/a.out; do sleep 0.02; done
  $BIN serve --http 127.0.0.1:0 --store "$URI" --workers 2 --lease-ms 3000 > $out/b.out 2>$out/b.err & B=$!
  until [ "$(psql "$URI" -tAc "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND NOT granted")" = 1 ]; do sleep 0.02; done
  t0=$(now_ms); kill -$mode $A
  until grep -q listening $out/b.out; do sleep 0.005; done
  port=$(grep -o '127.0.0.1:[0-9]*' $out/b.out | head -1)
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"type":"echo","payload":1}' http://$port/v1/jobs)" = 202 ]; do sleep 0.005; done
  t1=$(now_ms)
  echo "$mode run $i: standby accepting submissions $((t1-t0)) ms after the kill"
  kill -CONT $A 2>/dev/null; kill -KILL $A 2>/dev/null; wait $A 2>/dev/null
  kill -TERM $B; wait $B
 done
done
rm -rf "$out"
