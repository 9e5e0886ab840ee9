#!/usr/bin/env bash
# Prints every pair of top-level modules of a crate that refer to each other (`crate::a` in b and `crate::b`
# in a, in code or `use` lines; comments ignored). Exit status 1 when there is one. Usage:
#   scripts/module-cycles.sh [crate src dir, default app/src]
set -euo pipefail
src=${1:-app/src}
declare -A refs
for path in "$src"/*.rs "$src"/*/; do
  [ -e "$path" ] || continue
  name=$(basename "$path" .rs)
  name=${name%/}
  case "$name" in lib|main) continue ;; esac
  files=$path
  [ -d "$path" ] && files=$(find "$path" -name '*.rs')
  [ -f "$src/$name.rs" ] && [ -d "$src/$name" ] && files="$src/$name.rs $(find "$src/$name" -name '*.rs')"
  # shellcheck disable=SC2086
  used=$(sed -e 's#//.*$##' $files | grep -oE 'crate::[a-z_][a-z0-9_]*' | sed 's/crate:://' | sort -u | grep -vx "$name" || true)
  refs[$name]=" $(echo $used) "
done
found=$(for a in "${!refs[@]}"; do
  for b in ${refs[$a]}; do
    if [[ "$a" < "$b" && -n "${refs[$b]:-}" && "${refs[$b]}" == *" $a "* ]]; then
      echo "$a <-> $b"
    fi
  done
done | sort)
[ -z "$found" ] && exit 0
echo "$found"
exit 1
