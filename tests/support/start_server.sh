# Sourced by the shell tests: start_server TROUPE_BINARY WORK_DIR FLAGS...
# starts `troupe serve --http 127.0.0.1:0 FLAGS...`, waits for the URL it
# prints, and sets $server (its PID, stopped when the script exits) and $url.
start_server() {
  local troupe=$1 work=$2
  shift 2
  "$troupe" serve --http 127.0.0.1:0 "$@" > "$work/server.out" 2> "$work/server.err" &
  server=$!
  trap 'kill $server 2> /dev/null || true; wait $server 2> /dev/null || true' EXIT
  url=
  for _ in $(seq 300); do
    url=$(grep -o 'http://[0-9.:]*' "$work/server.out" | head -1 || true)
    [ -n "$url" ] && return
    kill -0 $server || { echo "troupe serve exited"; cat "$work/server.err"; exit 1; }
    sleep 0.1
  done
  echo "troupe serve did not print its address"
  exit 1
}
