#!/usr/bin/env bash
# e2e: the man pages and the bash completion. `man -l` renders briefpress(1)
# and briefpress-templates(5) (groff without a warning); briefpress(1)
# describes every option that any command's --help lists, and every command;
# the completion offers the commands, each command's options and the right
# files. Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
bp=$(realpath "$1") build=$(realpath "$2")
work=$build/e2e-man
rm -rf "$work" && mkdir -p "$work"
fail=0
no() { echo "FAIL: $*"; fail=1; }

for page in man/briefpress.1 man/briefpress-templates.5; do
  name=$(basename "$page")
  MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$page" > "$work/$name.txt" 2> "$work/$name.err" ||
    no "man -l $page failed: $(cat "$work/$name.err")"
  [[ ! -s $work/$name.err ]] || no "man -l $page: $(head -5 "$work/$name.err")"
  [[ $(wc -l < "$work/$name.txt") -gt 60 ]] || no "man -l $page rendered $(wc -l < "$work/$name.txt") lines"
  grep -q "^NAME" "$work/$name.txt" || no "$page: no NAME section"
  warnings=$(groff -man -ww -z "$page" 2>&1)
  [[ -z $warnings ]] || no "groff warns about $page: $warnings"
done
grep -q "^EXIT STATUS" "$work/briefpress.1.txt" || no "briefpress(1) has no EXIT STATUS"

# every option of every command's --help, and every command, is in briefpress(1)
for cmd in render preview check batch newsletter init fonts watch; do
  grep -q "^       $cmd" "$work/briefpress.1.txt" || no "briefpress(1) does not describe '$cmd'"
  "$bp" "$cmd" --help | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' | tr -d ' ,' | sort -u |
    while read -r opt; do
      grep -qe "$opt" "$work/briefpress.1.txt" || echo "$cmd $opt"
    done > "$work/missing-$cmd.txt"
  [[ ! -s $work/missing-$cmd.txt ]] || no "briefpress(1) lacks: $(tr '\n' ' ' < "$work/missing-$cmd.txt")"
done

# the completion, outside the bash-completion package
comp() { # comp WORD...: what completing the last word offers
  bash -c 'source completion/briefpress.bash
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _briefpress
    printf "%s\n" "${COMPREPLY[@]}"' comp "$@" | sort | tr '\n' ' '
}
[[ $(comp "$bp" "") == "batch check fonts help init newsletter preview render watch " ]] || no "commands: $(comp "$bp" "")"
[[ $(comp "$bp" --fonts fonts re) == "render " ]] || no "after --fonts DIR: $(comp "$bp" --fonts fonts re)"
[[ $(comp "$bp" render --te) == "--template " ]] || no "render --te: $(comp "$bp" render --te)"
[[ $(comp "$bp" batch --jo) == "--jobs " ]] || no "batch --jo: $(comp "$bp" batch --jo)"
[[ $(comp "$bp" render data/briefs/nk-m) == "data/briefs/nk-missions.json " ]] || no "render's input: $(comp "$bp" render data/briefs/nk-m)"
[[ $(comp "$bp" batch templates/country-profile.json data/countr) == "data/countries.csv " ]] ||
  no "batch's records: $(comp "$bp" batch templates/country-profile.json data/countr)"
[[ $(comp "$bp" preview x.json -o templ) == "templates " ]] || no "preview -o: $(comp "$bp" preview x.json -o templ)"
[[ $(comp "$bp" init templ) == "templates " ]] || no "init: $(comp "$bp" init templ)"
[[ $(comp "$bp" help new) == "newsletter " ]] || no "help new: $(comp "$bp" help new)"
# every option --help lists is offered
for cmd in render batch newsletter; do
  offered=$(comp "$bp" "$cmd" -)
  for opt in $("$bp" "$cmd" --help | grep -oE '(^|[ ,])--[a-z][a-z-]*' | tr -d ' ,' | sort -u); do
    [[ " $offered" == *" $opt "* ]] || no "completion of '$cmd -' lacks $opt"
  done
done

if [[ $fail == 0 ]]; then echo "man: both pages render, every option documented and completed"; fi
exit $fail
