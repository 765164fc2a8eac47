# bash completion for briefpress(1). Installed as
# PREFIX/share/bash-completion/completions/briefpress; needs nothing from the
# bash-completion package. Options come from `briefpress COMMAND --help`, so
# they follow the program; files: .json inputs (and .md articles), .csv records, folders for
# -o of preview/batch/newsletter and for --png, --data, --fonts and init.
_briefpress() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local bp=${COMP_WORDS[0]} cmd='' i w
  local commands='render preview check batch newsletter init fonts watch help'
  # the command: the first word after the global options (--fonts takes a value)
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
    --fonts) ((i++)) ;;
    -*) ;;
    *) cmd=$w; break ;;
    esac
  done
  COMPREPLY=()
  case $prev in
  --fonts | --png | --data)
    COMPREPLY=($(compgen -d -- "$cur"))
    return
    ;;
  -o | --output)
    if [[ $cmd == render ]]; then
      COMPREPLY=($(compgen -f -X '!*.pdf' -- "$cur") $(compgen -d -- "$cur"))
    else
      COMPREPLY=($(compgen -d -- "$cur"))
    fi
    return
    ;;
  --template)
    COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
    return
    ;;
  --trace | --manifest | --cacert | --netrc-file)
    COMPREPLY=($(compgen -f -- "$cur"))
    return
    ;;
  -j | --jobs | --dpi | --port | --width | --max-bytes | --shard | --only | --name | --from | \
    --to | --subject | --send | --bcc | --list-id | --list-unsubscribe | --resolve | --density | \
    --delimiter | --decimal | --thousands | --date-format)
    return # a value of the user's own
    ;;
  esac
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W '--fonts --help --version -h -V' -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    fi
    return
  fi
  if [[ $cmd == help ]]; then
    COMPREPLY=($(compgen -W "${commands% help}" -- "$cur"))
    return
  fi
  if [[ $cur == -* ]]; then
    local opts
    opts=$("$bp" "$cmd" --help 2>/dev/null | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' | tr -d ' ,' | sort -u)
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  case $cmd in
  check) COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.@(json|csv|md)' -- "$cur")) ;;
  init) COMPREPLY=($(compgen -d -- "$cur")) ;;
  fonts) COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.@(json|csv|md)' -- "$cur")) ;;
  batch)
    # first the template (.json), then the records (.csv)
    local n=0
    for ((i = i + 1; i < COMP_CWORD; i++)); do
      case ${COMP_WORDS[i]} in
      -o | --output | -j | --jobs | --shard | --only | --data | --fonts | --name | --manifest) ((i++)) ;;
      -*) ;;
      *) ((n++)) ;;
      esac
    done
    if ((n == 0)); then
      COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
    else
      COMPREPLY=($(compgen -f -X '!*.csv' -- "$cur") $(compgen -d -- "$cur"))
    fi
    ;;
  render | preview | newsletter) # briefs and manifests, or a Markdown article
    COMPREPLY=($(compgen -f -X '!*.@(json|md)' -- "$cur") $(compgen -d -- "$cur")) ;;
  *) COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur")) ;;
  esac
}
shopt -s extglob 2>/dev/null
complete -o filenames -F _briefpress briefpress
