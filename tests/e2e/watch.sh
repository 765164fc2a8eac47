#!/usr/bin/env bash
# e2e: `briefpress watch` in headless Chromium (tests/watch/run: puppeteer-core
# drives Debian's chromium): on a copy of the sample data, the page shows the
# brief, an edit of a claim makes it reload with a new page, a broken claims
# file shows its error (file:line:col, escaped) and fixing it clears it. The
# server listens on 127.0.0.1 only, a second watch on the same port fails,
# SIGTERM and SIGINT stop it with exit 0. Without node, npm or Chromium the
# test fails. Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
bp=$(realpath "$1") build=$2
here=$(pwd)
work=$(realpath -m "$build")/e2e-watch
rm -rf "$work" && mkdir -p "$work/shots"
fail=0
no() { echo "FAIL: $*"; fail=1; }
cp -r data templates "$work/"
brief=$work/data/briefs/nk-missions.json
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done; }
trap cleanup EXIT

# start_watch NAME ARGS...: starts watch in the background; sets $pid and $url
start_watch() {
  local name=$1
  shift
  "$bp" watch "$@" > "$work/$name.out" 2> "$work/$name.err" &
  pid=$!
  pids+=("$pid")
  url=
  for _ in $(seq 600); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$work/$name.out" 2> /dev/null)
    [[ -n $url ]] && return 0
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  no "$name: no URL printed: $(cat "$work/$name.err")"
  return 1
}

# stop SIGNAL NAME: the watch stops within 10 s with exit 0
stop() {
  kill -"$1" "$pid"
  local waited=0
  while kill -0 "$pid" 2> /dev/null && ((waited < 100)); do
    sleep 0.1
    ((waited++))
  done
  if kill -0 "$pid" 2> /dev/null; then
    no "$2: still running 10 s after SIG$1"
    kill -KILL "$pid"
  fi
  wait "$pid"
  local rc=$?
  [[ $rc == 0 ]] || no "$2: exit $rc after SIG$1: $(tail -3 "$work/$2.err")"
}

if start_watch main "$brief" --port 0 --dpi 60; then
  port=${url#http://127.0.0.1:}
  port=${port%/}
  # listening on loopback only: 127.0.0.1:port in /proc/net/tcp, in state LISTEN (0A)
  hexport=$(printf '%04X' "$port")
  listen=$(awk -v p=":$hexport" '$2 ~ p"$" && $4 == "0A" {print $2}' /proc/net/tcp /proc/net/tcp6)
  [[ $listen == "0100007F:$hexport" ]] || no "listening on '$listen', not 127.0.0.1:$port only"
  grep -q "version 1: 1 page in" "$work/main.err" || no "first render: $(cat "$work/main.err")"
  # the same port again: refused, exit 1
  "$bp" watch "$brief" --port "$port" > /dev/null 2> "$work/busy.err"
  rc=$?
  [[ $rc == 1 ]] || no "a second watch on port $port: exit $rc, not 1"
  grep -q "127.0.0.1:$port" "$work/busy.err" || no "busy port: $(cat "$work/busy.err")"

  bash "$here/tests/watch/run" "$url" "$work/data/claims/nk-missions.json" "$work/shots" \
    > "$work/browser.out" 2>&1
  rc=$?
  cat "$work/browser.out"
  [[ $rc == 0 ]] || no "the browser test failed (exit $rc)"
  grep -q "version [2-9]" "$work/main.err" || no "no render after the edits: $(cat "$work/main.err")"
  stop TERM main
  grep -q "stopping" "$work/main.err" || no "SIGTERM: not said"
fi

# SIGINT, and an input that fails from the start (its error is served)
echo '{"template": "../../templates/one-page-brief.json", "data": ".."' > "$work/data/briefs/broken.json"
if start_watch broken "$work/data/briefs/broken.json" --port 0; then
  state=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "state").read().decode())' "$url")
  [[ $state == *'"error":'*'broken.json:'* ]] || no "a broken input: /state is $state"
  stop INT broken
fi

# usage
"$bp" watch > /dev/null 2>&1
[[ $? == 2 ]] || no "watch without an input: not exit 2"
"$bp" watch - > /dev/null 2>&1
[[ $? == 2 ]] || no "watch of standard input: not exit 2"
"$bp" watch "$brief" --port 70000 > /dev/null 2>&1
[[ $? == 2 ]] || no "--port 70000: not exit 2"

((fail)) && exit 1
echo "watch: all passed"
