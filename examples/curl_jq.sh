#!/usr/bin/env bash
# troupe from the shell with curl and jq: submit a job, long-poll it to the
# end, read an error, and list recent jobs.
#   bash examples/curl_jq.sh http://127.0.0.1:8080
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
auth=()
[ -n "${TROUPE_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $TROUPE_TOKEN")

# Submit: the answer is the job; keep its id.
id=$(curl -sS "${auth[@]}" -H 'Content-Type: application/json' \
  -d '{"type":"sha256","payload":{"data":"shell","rounds":1000}}' "$base/v1/jobs" | jq -r .id)

# Long-poll until the job is terminal.
while :; do
  job=$(curl -sS "${auth[@]}" "$base/v1/jobs/$id?wait_ms=30000")
  status=$(jq -r .status <<< "$job")
  case $status in success | failed | cancelled) break ;; esac
done
echo "sha256 $status $(jq -r .result.hex <<< "$job")"

# Errors are {"error":{"code","message"}} with an HTTP status.
body=$(mktemp)
trap 'rm -f "$body"' EXIT
status=$(curl -sS "${auth[@]}" -o "$body" -w '%{http_code}' -d '{"type":"nope"}' "$base/v1/jobs")
echo "refused $status $(jq -r .error.code "$body")"

# The newest successful jobs, one line each.
curl -sS "${auth[@]}" "$base/v1/jobs?status=success&limit=5" | jq -r '.jobs[] | "\(.id) \(.type)"' | head -1 \
  | awk '{print "listed", $2}'
