#!/usr/bin/env bash
# valgrind: a short `briefpress watch` run (start, the page and a PNG served,
# an edit re-rendered, a /wait answered, SIGTERM) with no memory error and no
# definite leak. Args: BRIEFPRESS BUILD_DIR VALGRIND.
set -uo pipefail
bp=$(realpath "$1") build=$2 valgrind=$3
here=$(pwd)
work=$(realpath -m "$build")/valgrind-watch
rm -rf "$work" && mkdir -p "$work"
cp -r data templates "$work/"
fail=0
no() { echo "FAIL: $*"; fail=1; }
"$valgrind" -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 \
  --track-origins=no --suppressions="$here/tests/valgrind/third-party.supp" \
  "$bp" watch "$work/data/briefs/nk-missions.json" --port 0 --dpi 30 \
  > "$work/out" 2> "$work/err" &
pid=$!
trap 'kill "$pid" 2> /dev/null' EXIT
url=
for _ in $(seq 1800); do # valgrind is slow: up to 3 minutes
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$work/out" 2> /dev/null) && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.1
done
if [[ -z $url ]]; then
  no "no URL: $(tail -20 "$work/err")"
else
  python3 - "$url" "$work/data/claims/nk-missions.json" << 'PY' || no "the requests failed"
import json, sys, time, urllib.request
url, claims = sys.argv[1], sys.argv[2]
get = lambda p: urllib.request.urlopen(url + p, timeout=300).read()
assert b"<img" in get("")
assert get("page/1.png")[1:4] == b"PNG"
get("watch.js")
v = json.loads(get("state"))["version"]
text = open(claims, encoding="utf-8").read()
open(claims, "w", encoding="utf-8").write(text.replace("seven countries", "seven lands"))
state = json.loads(get("wait?v=%d" % v))  # held until the new render
deadline = time.time() + 300
while state["version"] == v and time.time() < deadline:
    state = json.loads(get("wait?v=%d" % v))
assert state["version"] > v and state["error"] is None, state
PY
fi
kill -TERM "$pid"
wait "$pid"
rc=$?
[[ $rc == 0 ]] || no "exit $rc (9: valgrind found errors or a definite leak): $(tail -40 "$work/err")"
((fail)) && exit 1
echo "valgrind watch: clean"
