#!/usr/bin/env bash
# mamori's two entry points, from a fresh clone:
#   ./mamori.sh serve   set everything up and start mamori on SQLite (prints the URL)
#   ./mamori.sh test    set everything up and run the whole test suite
# Both create .venv/ on first use and keep it up to date with pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
  for candidate in "${MAMORI_PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "mamori: Python 3.11 or newer is needed (set MAMORI_PYTHON to its path)" >&2
  return 1
}

setup() {
  local extras="$1"
  local stamp=".venv/.installed-$extras"
  if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
    echo "mamori: installing dependencies into .venv (the first time takes a few minutes)…"
    local target="."
    [ "$extras" = "test" ] && target=".[test]"
    if ! .venv/bin/python -m pip install --quiet -c constraints.txt -e "$target" >.venv/pip.log 2>&1; then
      tail -n 30 .venv/pip.log >&2
      echo "mamori: installing dependencies failed; the full log is in .venv/pip.log" >&2
      exit 1
    fi
    touch "$stamp"
  fi
  .venv/bin/python -c 'from mamori.core.i18n import compile_catalogs; compile_catalogs()'
}

case "${1:-}" in
  serve)
    shift
    setup base
    exec .venv/bin/mamori serve "$@"
    ;;
  test)
    shift
    setup test
    exec bash .ci/tests "$@"
    ;;
  *)
    echo "usage: ./mamori.sh serve [--port N] | ./mamori.sh test" >&2
    exit 2
    ;;
esac
