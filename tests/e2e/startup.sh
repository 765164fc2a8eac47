#!/usr/bin/env bash
# e2e: what a command loads at start (issue 13). librsvg and gdk-pixbuf are
# in the image module (briefpress-image.so), GMime and libcurl in the mail
# module: `--version` and a brief without images load none of them (the
# dynamic loader's own list, LD_DEBUG=files); a template with an SVG or a
# PNG loads the image module, and its PDF is the same as it was when the
# program linked them. libxml2 (and the ICU, liblzma and libstdc++ it
# brings) is the image module's alone: styles, locales and fonts.conf are
# read with expat, so a brief or an article without an SVG loads none of it,
# and neither does libbriefpress.so. Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
bp=$(realpath "$1") build=$2
work=$(realpath -m "$build")/e2e-startup
rm -rf "$work" && mkdir -p "$work"
export SOURCE_DATE_EPOCH=1700000000
fail=0
no() { echo "FAIL: $*"; fail=1; }
brief=data/briefs/nk-missions.json
article=data/articles/nk-missions.json
optional='librsvg|libgdk_pixbuf|briefpress-image|libgmime|libcurl|briefpress-mail|libxml2|libicu|liblzma'
# libstdc++ came with ICU; GCC's UBSan runtime brings it into a sanitizer build
readelf -d "$bp" | grep -qE 'NEEDED.*lib(a|ub|t)san' || optional="$optional|libstdc\+\+"

# loaded NAME CMD...: the files the dynamic loader opened for CMD, in $work/NAME.libs
loaded() {
  local name=$1
  shift
  LD_DEBUG=files "$@" > /dev/null 2> "$work/$name.err" || no "$name failed: $(grep -v '^ *[0-9]*:' "$work/$name.err" | head -c 300)"
  sed -n 's/^ *[0-9]*:[[:space:]]*file=\([^ ]*\) .*/\1/p' "$work/$name.err" | sort -u > "$work/$name.libs"
  [[ -s $work/$name.libs ]] || no "$name: LD_DEBUG=files listed nothing"
}

loaded version "$bp" --version
loaded plain "$bp" render "$brief" -o "$work/plain.pdf"
loaded article "$bp" render "$article" -o "$work/article.pdf"
for run in version plain article; do
  got=$(grep -E "$optional" "$work/$run.libs" | paste -sd' ')
  [[ -z $got ]] || no "$run loads what it does not need: $got"
done

loaded svg "$bp" render "$brief" --template tests/fixtures/briefs/logo-svg-template.json -o "$work/svg.pdf"
grep -q 'briefpress-image.so' "$work/svg.libs" || no "an SVG image did not load the image module"
grep -q 'librsvg' "$work/svg.libs" || no "an SVG image did not load librsvg"
grep -q 'libxml2' "$work/svg.libs" || no "an SVG image did not load libxml2 (the module's tree check)"
loaded png "$bp" render "$brief" --template tests/fixtures/briefs/logo-png-template.json -o "$work/png.pdf"
grep -q 'libgdk_pixbuf' "$work/png.libs" || no "a PNG image did not load gdk-pixbuf"
grep -E "libgmime|libcurl" "$work/svg.libs" "$work/png.libs" > /dev/null && no "an image loaded the mail module's libraries"
pdftotext "$work/svg.pdf" - | grep "Why Pyongyang" > /dev/null || no "the SVG brief's text is missing"

# the library links what the executable links: no libxml2
lib=$(realpath -m "$build")/libbriefpress.so.0
if [[ -f $lib ]]; then
  readelf -d "$lib" | grep -E "NEEDED.*($optional)" && no "libbriefpress.so needs what only a module may load"
fi

# SOURCE_DATE_EPOCH (set above) must not stale the fonts' cache: fontconfig
# 2.14 stamps the cache it writes with the variable's date but checks the
# one it reads against the font folder's real time, so it used to rescan
# the fonts and write the cache again at every run. With a cache folder of
# its own, the second run must leave the first run's cache as it was.
cache=$work/xdg-cache
XDG_CACHE_HOME=$cache "$bp" render "$brief" -o "$work/cache1.pdf" > /dev/null 2>&1 || no "render with a new font cache failed"
stamps() { find "$cache" -name '*.cache-*' -printf '%p %T@ %s\n' | sort; }
first=$(stamps)
[[ -n $first ]] || no "render wrote no fontconfig cache into \$XDG_CACHE_HOME"
XDG_CACHE_HOME=$cache "$bp" render "$brief" -o "$work/cache2.pdf" > /dev/null 2>&1 || no "render with the font cache failed"
[[ $(stamps) == "$first" ]] || no "with SOURCE_DATE_EPOCH set, the second run wrote the fonts' cache again: $first -> $(stamps)"
cmp -s "$work/cache1.pdf" "$work/cache2.pdf" || no "the PDFs made with and without a warm font cache differ"
pdfinfo "$work/cache2.pdf" | grep -q '^CreationDate:.*2023' || no "SOURCE_DATE_EPOCH no longer sets the PDF's date"

# Pango's fontconfig threads run in the thread that asks (src/app/pango_threads.c):
# a brief starts the output module's signal thread and Pango's FcInit thread,
# not two more for every font pattern (88 in all before). Counted by the
# fault shim's pthread_create (release builds only: no LD_PRELOAD under ASan).
shim=$(realpath -m "$build")/libbpfault.so
if [[ -f $shim ]]; then
  BP_FAULT_COUNT=$work/threads.count LD_PRELOAD=$shim "$bp" render "$brief" -o "$work/threads.pdf" ||
    no "render under the thread counter failed"
  threads=$(awk '$1 == "threads" { print $2 }' "$work/threads.count" 2> /dev/null)
  [[ -n $threads && $threads -le 4 ]] || no "a brief's render started ${threads:-?} threads (at most 4 expected)"
  cmp -s "$work/threads.pdf" "$work/plain.pdf" || no "the PDF made with Pango's threads inline differs"
fi

if [[ $fail == 0 ]]; then
  echo "startup: --version $(wc -l < "$work/version.libs") files, brief $(wc -l < "$work/plain.libs"), with an SVG $(wc -l < "$work/svg.libs")"
fi
exit $fail
