#!/usr/bin/env bash
# e2e: `briefpress fonts` lists the shipped faces with their coverage
# (fontconfig charsets: Hangul, Hanja, Latin Extended...), and `fonts DIR`
# says what the folder's text needs that no font has: each character with
# its code point and every place (file:line:col), JSON escapes included,
# README.md left out; exit 1 then, 0 for a folder the fonts cover.
# Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
bp=$(realpath "$1") build=$2
work=$(realpath -m "$build")/e2e-fonts
rm -rf "$work" && mkdir -p "$work"
fail=0
no() { echo "FAIL: $*"; fail=1; }

"$bp" fonts > "$work/list.out" 2> "$work/list.err" || no "fonts: exit $?: $(cat "$work/list.err")"
out=$work/list.out
faces=$(grep -c -v -e '^#' -e '^$' fonts/MANIFEST.tsv) # one face per file the manifest lists
[[ $(grep -c '^[A-Za-z]*\(-[A-Za-z]*\)\?\.ttf: ' "$out") == "$faces" ]] || no "fonts: not $faces faces: $(head -3 "$out")"
grep -q '^NanumMyeongjo.ttf: NanumMyeongjo Regular, [0-9]* characters$' "$out" || no "fonts: no NanumMyeongjo line"
grep -q '^NotoSerif-Regular.ttf: Noto Serif Regular, [0-9]* characters$' "$out" || no "fonts: no Noto Serif line"
# coverage by block, per face: the Korean faces have every Hangul syllable and
# some Hanja, the Noto faces Latin Extended-A whole
sed -n '/^NanumGothic.ttf:/,/^$/p' "$out" > "$work/gothic.txt"
grep -Eq 'Hangul Syllables +11172 of 11172  100%' "$work/gothic.txt" || no "NanumGothic: Hangul: $(cat "$work/gothic.txt")"
grep -Eq 'CJK Unified Ideographs \(Hanja\) +[1-9][0-9]* of 20992' "$work/gothic.txt" || no "NanumGothic: no Hanja line"
sed -n '/^NotoSerif-Regular.ttf:/,/^$/p' "$out" > "$work/serif.txt"
grep -Eq 'Latin Extended-A +128 of +128  100%' "$work/serif.txt" || no "Noto Serif: Latin Extended-A: $(cat "$work/serif.txt")"
grep -q 'Hangul Syllables' "$work/serif.txt" && no "Noto Serif is said to have Hangul"
grep -q '^all faces together: [0-9]* characters$' "$out" || no "fonts: no total"

# a folder with characters no font has
"$bp" fonts tests/fixtures/fonts > "$work/need.out" 2> "$work/need.err"
rc=$?
[[ $rc == 1 ]] || no "fonts DIR with missing characters: exit $rc, not 1"
f=tests/fixtures/fonts
for want in \
  "3 characters that no font has:" \
  "  U+0F40 'ཀ' (script Tibt), 2 places: $f/claims/c.json:4:22 $f/claims/c.json:9:21" \
  "  U+0F41 'ཁ' (script Tibt), 1 place: $f/claims/c.json:9:45" \
  "  U+2318 '⌘' (Miscellaneous Technical), 1 place: $f/briefs/b.json:2:26"; do
  grep -qxF "$want" "$work/need.out" || no "fonts DIR: no line '$want'"
done
grep -q "☃\|2603" "$work/need.out" && no "fonts DIR read README.md"
grep -Eq '^ +Hangul Syllables +8 used, all in the fonts$' "$work/need.out" || no "fonts DIR: Hangul use not counted"
grep -Eq '^ +CJK Unified Ideographs \(Hanja\) +2 used, all in the fonts$' "$work/need.out" || no "fonts DIR: Hanja use not counted"

# the sample data: everything covered, exit 0
"$bp" fonts data > "$work/data.out" 2>&1 || no "fonts data: exit $?: $(tail -3 "$work/data.out")"
grep -q "the fonts have every character the text uses" "$work/data.out" || no "fonts data: $(tail -3 "$work/data.out")"
# one file, a missing one, usage
"$bp" fonts "$f/briefs/b.json" > "$work/one.out" 2>&1
[[ $? == 1 ]] && grep -q "U+2318" "$work/one.out" || no "fonts FILE: $(tail -3 "$work/one.out")"
"$bp" fonts "$work/nonexistent" > "$work/missing.out" 2> "$work/missing.err"
[[ $? == 1 ]] && grep -q "nonexistent" "$work/missing.err" || no "fonts of a missing folder: $(cat "$work/missing.err")"
"$bp" fonts a b > /dev/null 2>&1
[[ $? == 2 ]] || no "fonts with two folders: not exit 2"
"$bp" fonts --fonts /nonexistent > /dev/null 2> "$work/badfonts.err"
[[ $? == 1 ]] && grep -q /nonexistent "$work/badfonts.err" || no "fonts --fonts /nonexistent: $(cat "$work/badfonts.err")"

((fail)) && exit 1
echo "fonts: all passed"
