#!/usr/bin/env bash
# The GitHub Action's check step (action.yml), kept as a script so that it
# can be tested outside GitHub (tests/action.rs). Reads the action's inputs
# from INPUT_* variables, writes SARIF to $RUNNER_TEMP, prints workflow
# annotations, and sets the outputs `sarif` and `findings`.
set -uo pipefail

bin="${EKS_SG_LINT:-eks-sg-lint}"
sarif="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/eks-sg-lint.sarif"
read -r -a paths <<< "${INPUT_PATH:-.}"
read -r -a extra <<< "${INPUT_ARGS:-}"
common=()
if [ -n "${INPUT_CONFIG:-}" ]; then
  common+=(--config "$INPUT_CONFIG")
fi
common+=("${extra[@]}")

# SARIF for code scanning: every finding, suppressed ones included.
"$bin" check --format sarif --output "$sarif" --fail-on note "${common[@]}" "${paths[@]}"
if [ $? -eq 2 ]; then
  echo "::error title=eks-sg-lint::the scan could not be completed (see the messages above)"
  exit 2
fi

# Annotations on the pull request, whatever code scanning does.
annotations="$(mktemp)"
"$bin" check --format github --fail-on "${INPUT_FAIL_ON:-warning}" "${common[@]}" "${paths[@]}" > "$annotations"
status=$?
cat "$annotations"
findings=$(grep -c '^::' "$annotations" || true)
rm -f "$annotations"

# The report in the chosen format, for the log.
format="${INPUT_FORMAT:-human}"
if [ "$format" != "github" ]; then
  "$bin" check --format "$format" --fail-on note "${common[@]}" "${paths[@]}" || true
fi

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "sarif=$sarif"
    echo "findings=$findings"
  } >> "$GITHUB_OUTPUT"
fi
exit "$status"
