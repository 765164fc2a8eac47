# errors.bash - sourced by the end-to-end scripts that check refusals
# (inputs.sh, markdown.sh): `run` checks a command's exit status and
# message, `same_as_check` that `check` reports render's error at the same
# place. Needs $bp (the program) and a `bad` function; sets $out.

# run NAME WANT_RC WANT_TEXT CMD...: exit status and a part of the message
run() {
  local name=$1 want_rc=$2 want=$3
  shift 3
  out=$(timeout 120 "$@" 2>&1)
  local rc=$?
  [ $rc -eq "$want_rc" ] || bad "$name: exit $rc, want $want_rc: $out"
  case "$out" in *"$want"*) ;; *) bad "$name: message lacks '$want': $out" ;; esac
  case "$out" in *root:x:0:0*) bad "$name: /etc/passwd shown" ;; esac
}

# same_as_check NAME DIR: render's error (in $out) is among check's errors,
# at the same file:line:col
same_as_check() {
  local msg chk # the first "briefpress: " line (sanitizer builds print more)
  msg=$(printf '%s\n' "$out" | grep -m1 '^briefpress: ')
  msg=${msg#briefpress: }
  local file=${msg%%: *} text=${msg#*: }
  chk=$("$bp" check --no-caret --no-fonts "$2" 2>&1)
  case "$chk" in
  *"$(basename "${file%%:*}"):${file#*:}: error: $text"*) ;;
  *) bad "$1: check does not report '$msg': $chk" ;;
  esac
}
