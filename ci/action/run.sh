#!/usr/bin/env bash
# The Action's run step: `qgate scan` with the inputs, as the environment action.yml sets
# passes them (QGATE_PATHS, QGATE_CONFIG, QGATE_FORMATS, QGATE_SARIF, QGATE_SARIF_CATEGORY,
# QGATE_COMMENT, QGATE_MIN_SCORE, QGATE_FAIL_ON, QGATE_BASE, QGATE_ARGS, QGATE_LLM_*,
# HEAD_REPO) and runs QGATE_BIN. qgate itself appends score, decision, findings,
# critical, high and comments to $GITHUB_OUTPUT.
# The args input is split into words as xargs splits them: blanks and newlines separate,
# '...' and "..." quote (no expansion of any kind: no $VAR, no *, no $(...)), a backslash
# escapes the next character. An unmatched quote is an error.
set -uo pipefail
args=(scan --format text --format "sarif=$QGATE_SARIF")
for f in ${QGATE_FORMATS:-}; do args+=(--format "$f"); done
[ -n "${QGATE_CONFIG:-}" ] && args+=(--config "$QGATE_CONFIG")
[ -n "${QGATE_SARIF_CATEGORY:-}" ] && args+=(--sarif-category "$QGATE_SARIF_CATEGORY")
[ -n "${QGATE_MIN_SCORE:-}" ] && args+=(--min-score "$QGATE_MIN_SCORE")
[ -n "${QGATE_FAIL_ON:-}" ] && args+=(--fail-on "$QGATE_FAIL_ON")
[ -n "${QGATE_BASE:-}" ] && args+=(--base "$QGATE_BASE")
if [ "$QGATE_COMMENT" = github ] && [ "${GITHUB_EVENT_NAME:-}" != pull_request ] &&
  [ "${GITHUB_EVENT_NAME:-}" != pull_request_target ]; then
  QGATE_COMMENT=none # nothing to comment on
fi
if [ "$QGATE_COMMENT" = github ] && [ -n "${HEAD_REPO:-}" ] && [ "$HEAD_REPO" != "${GITHUB_REPOSITORY:-}" ]; then
  QGATE_COMMENT=annotations # a fork: its token cannot comment
fi
[ "$QGATE_COMMENT" != none ] && [ -n "$QGATE_COMMENT" ] && args+=(--comment "$QGATE_COMMENT")
if [ -n "${QGATE_ARGS:-}" ]; then
  split=$(mktemp)
  if ! printf '%s\n' "$QGATE_ARGS" | xargs -r printf '%s\0' >"$split" 2>"$split.err"; then
    echo "::error title=qgate::the args input cannot be split into words: $(tr -d '\n' <"$split.err" | cut -c1-200)"
    rm -f "$split" "$split.err"
    exit 2
  fi
  mapfile -d '' -t extra <"$split"
  rm -f "$split" "$split.err"
  args+=("${extra[@]}")
fi
if [ -n "${QGATE_LLM_KEY:-}" ]; then
  case "${QGATE_LLM_PROVIDER:-}" in
    anthropic) export ANTHROPIC_API_KEY="$QGATE_LLM_KEY" ;;
    *) export OPENAI_API_KEY="$QGATE_LLM_KEY" ;;
  esac
fi
unset QGATE_LLM_KEY
# qgate counts an empty QGATE_LLM_* as set (the default): with llm-provider given,
# an empty llm-base-url is the provider's own endpoint. Without it the review is
# configured here by nothing: a trusted --config file (outside the checkout) may.
[ -n "${QGATE_LLM_PROVIDER:-}" ] || unset QGATE_LLM_PROVIDER QGATE_LLM_MODEL QGATE_LLM_BASE_URL
read -r -a paths <<<"${QGATE_PATHS:-.}"
exec "$QGATE_BIN" "${args[@]}" -- "${paths[@]}"
