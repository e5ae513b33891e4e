#!/usr/bin/env bash
# Takeover times of a standby on PostgreSQL: two `troupe serve` on one database
# (nodes port each), a `troupe worker` node that lists both, the active killed
# (SIGKILL) or stopped (SIGSTOP) three times each; prints the time from the
# signal to the standby answering a submission 202, and from then to the node
# having joined the new active.
# usage: bench/takeover.sh TROUPE_BINARY LIBPQ_URI   (a throw-away database:
# troupe's tables in it are dropped first)
set -u
BIN=$1
URI=$2
out=$(mktemp -d)
psql "$URI" -qc "DROP TABLE IF EXISTS troupe_jobs, troupe_group_limits, troupe_schema, troupe_leader; DROP FUNCTION IF EXISTS troupe_fence" 2>/dev/null
now_ms() { date +%s%3N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for mode in KILL STOP; do
 for i in 1 2 3; do
  NA=127.0.0.1:$(free_port); NB=127.0.0.1:$(free_port)
  $BIN serve --http 127.0.0.1:0 --nodes $NA --store "$URI" --workers 2 --lease-ms 3000 > $out/a.out 2>$out/a.err & A=$!
  until grep -q listening $out/a.out; do sleep 0.02; done
  $BIN serve --http 127.0.0.1:0 --nodes $NB --store "$URI" --workers 2 --lease-ms 3000 > $out/b.out 2>$out/b.err & B=$!
  until [ "$(psql "$URI" -tAc "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND NOT granted")" = 1 ]; do sleep 0.02; done
  $BIN worker --join $NA,$NB --workers 1 > $out/n.out 2>$out/n.err & N=$!
  until grep -q "joined $NA" $out/n.out; do sleep 0.02; done
  t0=$(now_ms); kill -$mode $A
  until grep -q listening $out/b.out; do sleep 0.005; done
  port=$(grep -o '127.0.0.1:[0-9]*' $out/b.out | head -1)
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"type":"echo","payload":1}' http://$port/v1/jobs)" = 202 ]; do sleep 0.005; done
  t1=$(now_ms)
  until grep -q "joined $NB" $out/n.out; do sleep 0.005; done
  t2=$(now_ms)
  echo "$mode run $i: standby accepting submissions $((t1-t0)) ms after the signal; node joined it $((t2-t1)) ms later"
  kill -CONT $A 2>/dev/null; kill -KILL $A 2>/dev/null; wait $A 2>/dev/null
  kill -TERM $N; wait $N
  kill -TERM $B; wait $B
 done
done
rm -rf "$out"
