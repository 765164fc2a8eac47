#!/usr/bin/env bash
# e2e: the command-line conventions (README "Command line"): --opt=value,
# -oVALUE, --, options after operands, global options before the command,
# per-command --help, -V/--version, --jobs; exit status 0 / 1 / 2; "-o -"
# and "-o /dev/stdout" write the PDF (and only it) to standard output without
# touching /dev/stdout; "-" reads the input from standard input, and errors
# name it <stdin>; a symlink named by -o stays a symlink. Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
bp=$(realpath "$1") build=$2
work=$(realpath -m "$build")/e2e-cli
rm -rf "$work" && mkdir -p "$work"
export SOURCE_DATE_EPOCH=1700000000
fail=0
no() { echo "FAIL: $*"; fail=1; }
cp -r data templates "$work/"
fonts=$(pwd)/fonts
briefs=$work/data/briefs
brief=$briefs/nk-missions.json

# rc WANT NAME CMD...: the exit status is WANT (stdout and stderr kept in $work/NAME.*)
rc() {
  local want=$1 name=$2
  shift 2
  "$@" > "$work/$name.out" 2> "$work/$name.err"
  local got=$?
  [[ $got == "$want" ]] || no "$name: exit $got, not $want: $(head -c 400 "$work/$name.err")"
}

# the reference PDF, written the old way
rc 0 ref "$bp" render "$brief" -o "$work/ref.pdf"
[[ -s $work/ref.pdf ]] || no "ref: no PDF"

# ---- option syntax ----
rc 0 equals "$bp" render "$brief" --output="$work/equals.pdf"
cmp -s "$work/ref.pdf" "$work/equals.pdf" || no "--output=F: not the same PDF"
rc 0 attached "$bp" render "$brief" "-o$work/attached.pdf"
cmp -s "$work/ref.pdf" "$work/attached.pdf" || no "-oF: not the same PDF"
rc 0 after "$bp" render -o "$work/after.pdf" "$brief" -v
cmp -s "$work/ref.pdf" "$work/after.pdf" || no "options before the operand: not the same PDF"
grep -q "fitted at" "$work/after.err" || no "-v after the operand was not seen"
rc 0 global "$bp" --fonts "$fonts" render "$brief" -o "$work/global.pdf"
cmp -s "$work/ref.pdf" "$work/global.pdf" || no "global --fonts: not the same PDF"
rc 0 global-eq "$bp" --fonts="$fonts" check --no-fonts "$work/data"
rc 1 global-bad "$bp" --fonts /nonexistent render "$brief" -o "$work/x.pdf"
grep -q "/nonexistent" "$work/global-bad.err" || no "global --fonts was not used"
# the command's own --fonts wins over the global one
rc 0 global-override "$bp" --fonts /nonexistent render "$brief" --fonts "$fonts" -o "$work/o.pdf"
# "--" ends the options: an input whose name starts with "-"
cp "$brief" "$briefs/-dash.json"
rc 0 dashdash "$bp" render -o "$work/dash.pdf" -- "$briefs/-dash.json"
cmp -s "$work/ref.pdf" "$work/dash.pdf" || no "--: not the same PDF"
(cd "$briefs" && "$bp" render -o "$work/dash2.pdf" -- -dash.json) || no "-- with a relative -name"
rm "$briefs/-dash.json"

# ---- help, version, exit status 2 ----
for cmd in render preview check batch newsletter init fonts watch; do
  rc 0 "help-$cmd" "$bp" "$cmd" --help
  grep -q "^usage: briefpress $cmd" "$work/help-$cmd.out" || no "$cmd --help: no usage on stdout"
  grep -q "exit status" "$work/help-$cmd.out" || no "$cmd --help: exit status not documented"
  [[ ! -s $work/help-$cmd.err ]] || no "$cmd --help wrote to stderr"
  rc 0 "h-$cmd" "$bp" "$cmd" -h
  rc 0 "helpcmd-$cmd" "$bp" help "$cmd"
  cmp -s "$work/help-$cmd.out" "$work/helpcmd-$cmd.out" || no "help $cmd differs from $cmd --help"
  rc 2 "bad-$cmd" "$bp" "$cmd" --no-such-option
  grep -q "unknown option '--no-such-option'" "$work/bad-$cmd.err" || no "$cmd: bad option not named"
done
rc 0 help "$bp" --help
grep -q "exit status: 0 done, 1 failed" "$work/help.out" || no "--help: exit status not documented"
rc 0 version "$bp" --version
grep -Eq '^briefpress [0-9]+\.[0-9]+\.[0-9]+$' "$work/version.out" || no "--version: $(cat "$work/version.out")"
rc 0 V "$bp" -V
cmp -s "$work/version.out" "$work/V.out" || no "-V differs from --version"
rc 2 none "$bp"
rc 2 unknown-cmd "$bp" frobnicate
rc 2 missing-value "$bp" render "$brief" -o
grep -q "option '-o' needs a value" "$work/missing-value.err" || no "missing value: $(cat "$work/missing-value.err")"
rc 2 flag-value "$bp" render "$brief" -o "$work/x.pdf" --verbose=yes
grep -q "option '--verbose' takes no value" "$work/flag-value.err" || no "flag with a value accepted"
rc 2 two-inputs "$bp" render "$brief" "$brief" -o "$work/x.pdf"
rc 2 no-output "$bp" render "$brief"
rc 1 failure "$bp" render "$work/nonexistent.json" -o "$work/x.pdf"
# an unknown option is named, never its value (it may hold a password)
rc 2 secret "$bp" newsletter "$brief" -o "$work/nl" --sendd=smtp://u:hunter2@example.org
grep -q hunter2 "$work/secret.err" && no "an unknown option's value (a password) was printed"

# ---- batch: --jobs is -j's long form; -jN and --jobs=N ----
rc 0 jobs "$bp" batch templates/country-profile.json "$work/data/countries.csv" \
  --data "$work/data" -o "$work/prof" --jobs=2 --only guinea -q
rc 0 jobs2 "$bp" batch templates/country-profile.json "$work/data/countries.csv" \
  --data="$work/data" "-o$work/prof2" -j2 --only=guinea --quiet
cmp -s "$work/prof/guinea.pdf" "$work/prof2/guinea.pdf" || no "batch: --jobs=2 and -j2 differ"
rc 2 jobs-bad "$bp" batch templates/country-profile.json "$work/data/countries.csv" -o "$work/p3" --jobs 0

# ---- -o - and -o /dev/stdout: the PDF on standard output, nothing else ----
rc 0 stdout "$bp" render "$brief" -o -
cmp -s "$work/ref.pdf" "$work/stdout.out" || no "-o -: stdout is not the PDF's bytes"
[[ ! -e ./- && ! -e $work/- ]] || no "-o -: a file named - was written"
"$bp" render "$brief" -o - | cat > "$work/piped.pdf" || no "-o - into a pipe failed"
cmp -s "$work/ref.pdf" "$work/piped.pdf" || no "-o - into a pipe: not the PDF's bytes"
qpdf --check "$work/piped.pdf" > "$work/qpdf.txt" 2>&1 || no "qpdf --check of -o - output: $(tail -3 "$work/qpdf.txt")"
rc 0 devstdout "$bp" render "$brief" -o /dev/stdout
cmp -s "$work/ref.pdf" "$work/devstdout.out" || no "-o /dev/stdout: not the PDF's bytes"
[[ -L /dev/stdout ]] || no "/dev/stdout is no longer a symlink"
"$bp" render "$brief" -o /dev/stdout | cat > "$work/devpiped.pdf"
cmp -s "$work/ref.pdf" "$work/devpiped.pdf" || no "-o /dev/stdout into a pipe: not the PDF's bytes"
[[ -L /dev/stdout ]] || no "/dev/stdout is no longer a symlink"
# -o - with --png: the pages in the folder, the PDF on stdout
rc 0 stdout-png "$bp" render "$brief" -o - --png "$work/png" --dpi 30
cmp -s "$work/ref.pdf" "$work/stdout-png.out" || no "-o - --png: stdout is not the PDF"
[[ -s $work/png/page-1.png ]] || no "-o - --png: no page-1.png"
# a failure writes nothing at all to stdout
rc 1 stdout-fail "$bp" render "$work/nonexistent.json" -o -
[[ ! -s $work/stdout-fail.out ]] || no "a failed -o - wrote to stdout"
rc 1 stdout-twice "$bp" render "$brief" -o - --trace /dev/stdout
[[ ! -s $work/stdout-twice.out ]] || no "two stdout outputs: something was written"
rc 2 preview-stdout "$bp" preview "$brief" -o -
rc 2 newsletter-stdout "$bp" newsletter "$brief" -o -

# ---- "-" reads standard input ----
(cd "$briefs" && "$bp" render - -o "$work/stdin.pdf" < nk-missions.json) || no "render - failed"
cmp -s "$work/ref.pdf" "$work/stdin.pdf" || no "render -: not the same PDF"
(cd "$briefs" && "$bp" render -o - - < nk-missions.json > "$work/stdin-stdout.pdf") || no "render - -o - failed"
cmp -s "$work/ref.pdf" "$work/stdin-stdout.pdf" || no "render - -o -: not the same PDF"
(cd "$work/data/articles" && "$bp" render - -o "$work/art-stdin.pdf" < nk-missions.json) ||
  no "render - (an article) failed"
rc 0 art "$bp" render "$work/data/articles/nk-missions.json" -o "$work/art.pdf"
cmp -s "$work/art.pdf" "$work/art-stdin.pdf" || no "render - (an article): not the same PDF"
printf '{"title": "x",\n  "template": 3' | "$bp" render - -o "$work/bad.pdf" 2> "$work/stdin-bad.err"
[[ $? == 1 ]] || no "a bad stdin: exit status not 1"
grep -q "^briefpress: <stdin>:2:" "$work/stdin-bad.err" || no "a bad stdin is not named <stdin>:line: $(cat "$work/stdin-bad.err")"
[[ ! -e $work/bad.pdf ]] || no "a bad stdin left a PDF"
(cd "$briefs" && "$bp" preview - -o "$work/stdin-png" --dpi 30 < nk-missions.json) || no "preview - failed"
[[ -s $work/stdin-png/page-1.png ]] || no "preview -: no page"

# ---- a symlink named by -o is refused and stays a symlink ----
echo "keep me" > "$work/target.pdf"
ln -s target.pdf "$work/link.pdf"
rc 1 symlink "$bp" render "$brief" -o "$work/link.pdf"
grep -q "symbolic link" "$work/symlink.err" || no "symlink: not said why"
[[ -L $work/link.pdf && $(cat "$work/target.pdf") == "keep me" ]] || no "symlink: replaced or followed"

if [[ $fail == 0 ]]; then echo "cli: all conventions hold"; fi
exit $fail
