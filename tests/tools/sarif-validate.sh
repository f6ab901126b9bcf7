#!/bin/sh
# sarif-validate.sh FILE.sarif...: each file against the SARIF 2.1.0 schema and rules and
# the rules GitHub code scanning applies on upload, with Microsoft's SARIF Multitool
# (`validate --rule-kind "Gh;Sarif"`), installed from npm once into the tools cache
# (tests/tools/npm-tool.sh: QGATE_TOOLS_DIR). Prints "FILE: N errors, N warnings" for each
# file and each error and warning on standard error.
# Exit status: 0 when no file has an error or a warning, 1 when one has, 2 on a usage
# error or a validator that ran and wrote nothing, 3 when the validator cannot be installed
# (the reason on standard error).
[ $# -gt 0 ] || { echo "usage: sh tests/tools/sarif-validate.sh FILE.sarif..." >&2; exit 2; }
. "$(dirname "$0")/npm-tool.sh"
version=5.7.0
dir=$QGATE_TOOLS_DIR/sarif-multitool-$version
tool=$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if ! npm_tool "$dir" "@microsoft/sarif-multitool@$version"; then
  echo "$npm_tool_why" >&2; exit 3
fi
if ! [ -x "$tool" ]; then
  echo "@microsoft/sarif-multitool@$version has no Linux validator for $(uname -m) ($tool)" >&2; exit 3
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed (it reads the validator's report)" >&2; exit 3; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for f in "$@"; do
  if ! [ -f "$f" ]; then echo "$f: no such file" >&2; status=1; continue; fi
  rm -f "$work/report.sarif"
  # the bundled .NET runtime: no telemetry, no ICU
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$tool" validate \
    --rule-kind "Gh;Sarif" --log ForceOverwrite --output "$work/report.sarif" "$f" >"$work/log" 2>&1
  if ! [ -s "$work/report.sarif" ]; then
    echo "$f: the validator wrote no report:" >&2; head -n 20 "$work/log" >&2; status=2; continue
  fi
  # the validator's own report is SARIF: its results are the problems found in FILE
  python3 - "$work/report.sarif" "$f" <<'PY' || { [ $status -ne 0 ] || status=1; }
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8-sig"))
counts = {"error": 0, "warning": 0}
for run in report.get("runs", []):
    for r in run.get("results", []):
        level = r.get("level", "warning")
        if level not in counts:
            continue
        counts[level] += 1
        m = r.get("message", {})
        text = m.get("text") or " | ".join(m.get("arguments", []))
        print("%s: %s %s: %s" % (sys.argv[2], level, r.get("ruleId", "?"), text), file=sys.stderr)
    for inv in run.get("invocations", []):
        for n in inv.get("toolExecutionNotifications", []):
            if n.get("level") == "error":
                counts["error"] += 1
                print("%s: error (validator): %s" % (sys.argv[2], n.get("message", {}).get("text")), file=sys.stderr)
print("%s: %d errors, %d warnings" % (sys.argv[2], counts["error"], counts["warning"]))
sys.exit(1 if counts["error"] or counts["warning"] else 0)
PY
done
exit $status
