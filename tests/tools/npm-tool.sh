# tests/tools/npm-tool.sh, sourced by tests/check.sh and tests/tools/*.sh: the npm
# packages the tests run (GitHub's OpenAPI description, the SARIF and Action validators)
# are installed from the npm registry once, into a cache folder, at a pinned version.
#
# npm_tool DIR NAME@VERSION...: true when DIR/node_modules holds every NAME at exactly
# VERSION, installing them with npm when it does not; false, with the reason in
# $npm_tool_why, when npm is missing or cannot install them (offline).
# QGATE_TOOLS_DIR is the cache (default ~/.cache/qgate-tools, or $XDG_CACHE_HOME's).
QGATE_TOOLS_DIR=${QGATE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qgate-tools}
npm_tool_why=

npm_tool_have() { # DIR NAME@VERSION...
  d_=$1
  shift
  for s_ in "$@"; do
    grep -q "\"version\": \"${s_##*@}\"" "$d_/node_modules/${s_%@*}/package.json" 2>/dev/null || return 1
  done
}

npm_tool() { # DIR NAME@VERSION...
  npm_tool_have "$@" && return 0
  d_=$1
  shift
  if ! command -v npm >/dev/null 2>&1; then
    npm_tool_why="npm is not installed (sh .ci/deps.sh installs it)"
    return 1
  fi
  mkdir -p "$d_" && npm install --prefix "$d_" --loglevel error --no-audit --no-fund "$@" >"$d_/npm.log" 2>&1
  if npm_tool_have "$d_" "$@"; then return 0; fi
  e_=$(sed -n 's/^npm error code //p' "$d_/npm.log" 2>/dev/null | head -n 1 | cut -c1-40)
  npm_tool_why="npm could not install $* (${e_:-see $d_/npm.log}; offline?)"
  return 1
}
