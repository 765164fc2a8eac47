#!/usr/bin/env bash
# e2e: `briefpress watch` of a Markdown article on its own (no manifest),
# without a browser: on a copy of tests/fixtures/markdown/good, the first
# render is served (/state, /, /page/1.png); an edit of the .md renders it
# again (a new version, a different page image, its text in the PDF the
# same edit renders); raw HTML written into it is served as its error at
# file:line:col, with the last good pages kept, and fixing it clears it;
# an edit of the bibliography its front matter names renders again too.
# Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
bp=$(realpath "$1") build=$2
work=$(realpath -m "$build")/e2e-watch-markdown
rm -rf "$work" && mkdir -p "$work"
fail=0
no() { echo "FAIL: $*"; fail=1; }
export LSAN_OPTIONS="suppressions=$PWD/tests/fixtures/lsan-third-party.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
cp -r tests/fixtures/markdown/good "$work/data"
md=$work/data/articles/standalone.md
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2> /dev/null; }
trap cleanup EXIT

# get PATH [FILE]: the body of http://127.0.0.1:PORT/PATH (to FILE, or stdout)
get() {
  python3 - "$url${1#/}" "${2:-}" << 'PY'
import sys, urllib.request
body = urllib.request.urlopen(sys.argv[1], timeout=120).read()
if sys.argv[2]:
    open(sys.argv[2], "wb").write(body)
else:
    sys.stdout.write(body.decode())
PY
}

# wait_version N: /state reports version N or later within 120 s; sets $state
wait_version() {
  local v
  for _ in $(seq 1200); do
    state=$(get state 2> /dev/null)
    v=$(printf '%s' "$state" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])' 2> /dev/null)
    [[ -n $v ]] && ((v >= $1)) && return 0
    sleep 0.1
  done
  no "no version $1 within 120 s: $state"
  return 1
}

"$bp" watch "$md" --port 0 --dpi 40 > "$work/watch.out" 2> "$work/watch.err" &
pid=$!
url=
for _ in $(seq 1200); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$work/watch.out" 2> /dev/null)
  [[ -n $url ]] && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.1
done
[[ -n $url ]] || {
  echo "FAIL: no URL printed: $(cat "$work/watch.err")"
  exit 1
}

# version 1: the article, served
wait_version 1
[[ $state == *'"pages": 1'* || $state == *'"pages":1'* ]] || no "version 1: $state"
[[ $state == *'"error":null'* ]] || no "version 1 failed: $state"
get / > "$work/page1.html"
grep -q 'data-version="1"' "$work/page1.html" || no "the page is not version 1"
grep -q '<img src="/page/1.png' "$work/page1.html" || no "the page shows no page image"
get page/1.png "$work/v1.png"
[[ $(head -c 8 "$work/v1.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || no "page 1 is not a PNG"

# an edit of the Markdown, saved as editors do (a new file renamed over
# it, in one step): rendered again, the page changes
sed 's/^title: A Markdown article on its own$/title: A Markdown article, edited while watched/' "$md" > "$work/new.md"
printf '\nA paragraph added while watched, long enough to change the page [@lee_2024].\n' >> "$work/new.md"
mv "$work/new.md" "$md"
if wait_version 2; then
  [[ $state == *'"error":null'* ]] || no "the edit failed: $state"
  get page/1.png "$work/v2.png"
  cmp -s "$work/v1.png" "$work/v2.png" && no "the edit did not change the page image"
  get / | grep -q 'data-version="[2-9]' || no "the page is not a later version"
  "$bp" render "$md" -o "$work/edited.pdf" || no "render of the edited file failed"
  pdftotext "$work/edited.pdf" - 2> /dev/null | grep -q 'edited while watched' || no "the edit is not in the render"
fi
grep -q "version 2: 1 page in" "$work/watch.err" || no "no second render said: $(cat "$work/watch.err")"

# raw HTML: the error served at file:line:col, the last good page kept
v=$(printf '%s' "$state" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
printf '\nA <b>bold</b> word.\n' >> "$md"
line=$(grep -n '<b>bold' "$md" | cut -d: -f1)
if wait_version $((v + 1)); then
  [[ $state == *"standalone.md:$line:3: raw HTML is not supported"* ]] || no "the error is not served: $state"
  get page/1.png "$work/v3.png"
  cmp -s "$work/v2.png" "$work/v3.png" || no "a failed render did not keep the last good page"
fi
sed -i 's/A <b>bold<\/b> word\./A **bold** word./' "$md"
if wait_version $((v + 2)); then
  [[ $state == *'"error":null'* ]] || no "fixing the error did not clear it: $state"
fi

# the bibliography the front matter names is watched too
v=$(printf '%s' "$state" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
sed -i 's/Crypto theft by year/Crypto theft, year by year/' "$work/data/citations/works.json"
wait_version $((v + 1)) && [[ $state == *'"error":null'* ]] || no "an edit of the bibliography: $state"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[[ $rc == 0 ]] || no "exit $rc after SIGTERM: $(tail -3 "$work/watch.err")"

((fail)) && exit 1
echo "watch_markdown: all passed"
