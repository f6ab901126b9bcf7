#!/bin/sh
# bench/secrets-recall.sh: how many of gitleaks' own per-rule samples `qgate secrets` finds
# (recall on the true positives) and raises (on the false positives). A measurement for
# issue 24, not a test: it needs the network and Go, make check never runs it, and it exits
# 0 whatever the figures are (non-zero only when a step cannot run).
#
#  1. Samples: clones gitleaks at GITLEAKS_TAG into bench/out/gitleaks-TAG (or uses the
#     checkout GITLEAKS_SRC), adds a small Go file to its config generator's utils package
#     and one call at the top of each Validate function (Validate, ValidateWithPaths: they
#     receive every rule's true- and false-positive samples, literal and generated), and runs
#     the generator (`go run .` in cmd/generate/config). Every rule's samples land in
#     bench/out/gitleaks-samples.jsonl, one line per rule: {"rule","tps","fps"}. The
#     generator needs the Go version of the tag's go.mod (Go >= 1.21 fetches a newer
#     toolchain itself); set GO to pick a binary. SAMPLES=FILE skips this step and reads a
#     samples file made before (the same format; from any source).
#  2. Files: bench/out/recall/RULE/tp-N.txt and fp-N.txt hold one sample each, as gitleaks
#     has it. A true positive that is a bare token (no blank, quote, '=' or ':') is also
#     written in three assignment forms: tp-N.py (KEY = "token"), tp-N.yaml (key: token)
#     and tp-N.sh (export KEY=token), KEY made from the rule id.
#  3. Scan: `qgate secrets --no-gitignore --fail-on none --format json` over bench/out/recall
#     (bench/out/ is git-ignored). A file counts as found/flagged when qgate reports any
#     finding on it. Prints totals (all files; the samples alone; the assignment forms
#     alone), then the RECALL_WORST (30) rules with the lowest recall and the rules with
#     false positives; bench/out/recall-report.tsv has every rule's row.
#
# Nothing from gitleaks is committed: it all stays under bench/out/.
# Environment: GITLEAKS_TAG (v8.28.0), GITLEAKS_SRC, SAMPLES, GO (go), QGATE (./qgate),
# RECALL_WORST (30). Needs POSIX sh, git, python3; Go for step 1.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/bench/out
tag=${GITLEAKS_TAG:-v8.28.0}
go=${GO:-go}
qgate=${QGATE:-$root/qgate}
worst=${RECALL_WORST:-30}
mkdir -p "$out"

die() { echo "secrets-recall: $*" >&2; exit 1; }
command -v python3 >/dev/null || die "needs python3"
[ -x "$qgate" ] || die "no $qgate: run make first"

if [ -n "${SAMPLES:-}" ]; then
	samples=$SAMPLES
	[ -f "$samples" ] || die "SAMPLES=$samples: no such file"
else
	samples=$out/gitleaks-samples.jsonl
	src=${GITLEAKS_SRC:-$out/gitleaks-$tag}
	if [ ! -d "$src/cmd/generate/config" ]; then
		[ -z "${GITLEAKS_SRC:-}" ] || die "GITLEAKS_SRC=$src has no cmd/generate/config"
		rm -rf "$src"
		git clone -q --depth 1 --branch "$tag" https://github.com/gitleaks/gitleaks "$src" ||
			die "cannot clone gitleaks $tag (no network?); set GITLEAKS_SRC or SAMPLES"
	fi
	# Go: GO, else the newest of Debian's versioned installs (/usr/lib/go-1.N), else go.
	if [ -z "${GO:-}" ]; then
		for g in $(printf '%s\n' /usr/lib/go-1.* | sort -t. -k2 -n -r); do
			[ -x "$g/bin/go" ] && go=$g/bin/go && break
		done
	fi
	need=$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$src/go.mod")
	have=$("$go" env GOVERSION 2>/dev/null | sed 's/^go//') || have=
	[ -n "$have" ] || have=$("$go" version 2>/dev/null | sed -n 's/^go version go\([0-9.]*\).*/\1/p')
	[ -n "$have" ] || die "needs Go $need or later (gitleaks $tag's go.mod); set GO"
	older() { # older A B: version A < version B (major.minor)
		[ "$(printf '%s\n%s\n' "$1" "$2" | sort -t. -k1,1n -k2,2n -k3,3n | head -n 1)" = "$1" ] &&
			[ "$1" != "$2" ]
	}
	if older "$have" "$need" && older "$have" 1.21; then
		die "gitleaks $tag needs Go $need; $go is $have (Go >= 1.21 fetches the toolchain itself): set GO, or GITLEAKS_TAG to a tag whose go.mod says <= $have"
	fi
	# The hook: one Go file of ours, and a call at the top of each Validate function.
	python3 - "$src" <<'PY'
import os, re, sys
src = sys.argv[1]
sig = re.compile(r'(func [Vv]alidate\w*\((\w+) config\.Rule, (\w+) [^,]+, (\w+) [^)]+\) \*config\.Rule \{\n)')
hooked = 0
for d, _, files in os.walk(os.path.join(src, "cmd", "generate", "config")):
    for f in files:
        if not f.endswith(".go") or f.endswith("_test.go") or f == "qgate_bench_dump.go":
            continue
        p = os.path.join(d, f)
        text = open(p, encoding="utf-8").read()
        if "qgateBenchDump(" in text:
            hooked += 1
            continue
        new, n = sig.subn(lambda m: m.group(1) + "\tqgateBenchDump(%s.RuleID, %s, %s)\n" % (m.group(2), m.group(3), m.group(4)), text)
        if not n:
            continue
        pkg = re.search(r'^package (\w+)', text, re.M).group(1)
        open(p, "w", encoding="utf-8").write(new)
        open(os.path.join(d, "qgate_bench_dump.go"), "w").write('''package %s

import (
	"encoding/json"
	"os"
	"sort"
)

// qgateBenchDump appends one rule's samples to $QGATE_BENCH_SAMPLES as a JSON line.
func qgateBenchDump(id string, tps, fps interface{}) {
	path := os.Getenv("QGATE_BENCH_SAMPLES")
	if path == "" {
		return
	}
	list := func(v interface{}) []string {
		switch s := v.(type) {
		case []string:
			return s
		case map[string]string:
			keys := make([]string, 0, len(s))
			for k := range s {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			out := make([]string, 0, len(s))
			for _, k := range keys {
				out = append(out, s[k])
			}
			return out
		}
		return nil
	}
	line, _ := json.Marshal(map[string]interface{}{"rule": id, "tps": list(tps), "fps": list(fps)})
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	f.Write(append(line, '\\n'))
}
''' % pkg)
        hooked += n
if not hooked:
    sys.exit("secrets-recall: no Validate function found to hook in " + src)
PY
	rm -f "$samples"
	(cd "$src/cmd/generate/config" &&
		QGATE_BENCH_SAMPLES=$samples "$go" run . "$out/gitleaks-$tag-generated.toml") ||
		die "the gitleaks config generator failed"
	[ -s "$samples" ] || die "the generator wrote no samples"
fi

# Files, one sample each.
rm -rf "$out/recall"
mkdir -p "$out/recall"
python3 - "$samples" "$out/recall" <<'PY'
import json, os, re, sys
samples, dest = sys.argv[1], sys.argv[2]
bare = re.compile(r'^[^\s"\'`=:]+$')
rules = {}
for line in open(samples, encoding="utf-8"):
    if not line.strip():
        continue
    r = json.loads(line)
    rid = re.sub(r'[^A-Za-z0-9._-]', '_', r["rule"]) or "_"
    e = rules.setdefault(rid, ([], []))
    e[0].extend(r.get("tps") or [])
    e[1].extend(r.get("fps") or [])
for rid, (tps, fps) in rules.items():
    d = os.path.join(dest, rid)
    os.makedirs(d, exist_ok=True)
    key = re.sub(r'[^A-Za-z0-9]', '_', rid).upper()
    def put(name, text):
        with open(os.path.join(d, name), "w", encoding="utf-8", newline="") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    for i, s in enumerate(tps, 1):
        put("tp-%d.txt" % i, s)
        if bare.match(s):
            put("tp-%d.py" % i, '%s = "%s"\n' % (key, s))
            put("tp-%d.yaml" % i, '%s: %s\n' % (key.lower(), s))
            put("tp-%d.sh" % i, 'export %s=%s\n' % (key, s))
    for i, s in enumerate(fps, 1):
        put("fp-%d.txt" % i, s)
PY

# Scan and report.
(cd "$out/recall" && "$qgate" secrets --no-gitignore --fail-on none \
	--format json="$out/recall-qgate.json" --format text="$out/recall-qgate.txt" .) ||
	die "qgate secrets failed"
python3 - "$out/recall" "$out/recall-qgate.json" "$out/recall-report.tsv" "$worst" <<'PY'
import json, os, sys
dest, report, tsv, worst = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
hit = set()
for f in json.load(open(report, encoding="utf-8"))["findings"]:
    p = f["path"]
    while p.startswith("./"):
        p = p[2:]
    hit.add(p)
rows = []
tot = {"all": [0, 0], "sample": [0, 0], "forms": [0, 0], "fp": [0, 0]}
for rid in sorted(os.listdir(dest)):
    tp = [0, 0]; fp = [0, 0]
    for name in os.listdir(os.path.join(dest, rid)):
        found = (rid + "/" + name) in hit
        if name.startswith("tp-"):
            tp[0] += 1; tp[1] += found
            k = "sample" if name.endswith(".txt") else "forms"
            tot[k][0] += 1; tot[k][1] += found
            tot["all"][0] += 1; tot["all"][1] += found
        else:
            fp[0] += 1; fp[1] += found
            tot["fp"][0] += 1; tot["fp"][1] += found
    rows.append((rid, tp[0], tp[1], fp[0], fp[1]))
pct = lambda a, b: 100.0 * a / b if b else 0.0
with open(tsv, "w") as f:
    f.write("rule\ttp_files\ttp_found\trecall_pct\tfp_files\tfp_flagged\tfp_pct\n")
    for r, a, b, c, d in rows:
        f.write("%s\t%d\t%d\t%.1f\t%d\t%d\t%.1f\n" % (r, a, b, pct(b, a), c, d, pct(d, c)))
print("gitleaks rules: %d" % len(rows))
for k, label in (("all", "TP files, all"), ("sample", "TP files, samples as given"), ("forms", "TP files, assignment forms")):
    n, f = tot[k]
    print("%-30s %6d  found %6d  recall %5.1f%%" % (label, n, f, pct(f, n)))
n, f = tot["fp"]
print("%-30s %6d  flagged %4d  FP rate %5.1f%%" % ("FP files", n, f, pct(f, n)))
print("")
print("lowest recall (rule, found/TP files, recall %%), worst %d:" % worst)
for r, a, b, c, d in sorted((r for r in rows if r[1]), key=lambda r: (pct(r[2], r[1]), -(r[1] - r[2]), r[0]))[:worst]:
    print("  %-40s %4d/%-4d %5.1f%%" % (r, b, a, pct(b, a)))
flagged = [r for r in rows if r[4]]
print("")
print("rules whose false positives qgate raises (flagged/FP files): %d" % len(flagged))
for r, a, b, c, d in sorted(flagged, key=lambda r: (-r[4], r[0])):
    print("  %-40s %4d/%-4d" % (r, d, c))
print("")
print("per rule: " + tsv)
PY
