#!/bin/sh
# seeds.sh: builds the fuzzers' seed corpora from the fixtures.
#
#   sh fuzz/seeds.sh [DIR]      (default DIR: build-fuzz/corpus)
#
# Every `=== file PATH` body of fixtures/**/*.case (its %concat, %repeat,
# %hex and %port macros expanded as the test runner does, repeats cut short)
# goes to the corpus of the harness that reads such a file: .qgate.yml and
# --config files to config/, SARIF to sarif/, coverage reports to coverage/,
# metrics JSON to metrics/, GitHub event payloads (event.json) to hosts/,
# .qgateignore files to accepted/, shard reports (s1.json, s2.json, ...) to merge/ (each alone, and a case's
# together, NUL-separated, as fuzz_merge.c splits them), other YAML and JSON
# (and `=== stdin`) to yaml/. Every file also goes to secrets/, behind the
# "path: NAME" line that fuzz_secrets.c reads. The bodies scripted for the
# review cases (`=== respond` to a chat/completions, messages or converse
# path) go to envelope/ as they are, and, decoded from their provider's JSON,
# to reply/ (with python3, when there is one); those scripted for the comment
# cases (a /repos/ or /projects/ path) go to hosts/, and their Retry-After
# values to retry_after/. The hand-written seeds in fuzz/seeds/TARGET/ are
# added too (the only seeds of glob, diff and sigv4).
# Corpus files are named by their content's hash: re-running adds nothing twice.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build-fuzz/corpus}
targets="yaml config sarif reply coverage metrics secrets envelope hosts merge glob retry_after diff sigv4 accepted"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
for t in $targets responses mergeparts; do
  mkdir -p "$out/$t" "$tmp/$t"
done
rmdir "$out/responses" "$out/mergeparts" 2>/dev/null || true

find fixtures -name '*.case' | LC_ALL=C sort >"$tmp/cases"
n=0
while read -r c; do
  n=$((n + 1))
  awk -v tmp="$tmp" -v id="$n" '
    function target_of(p, base) {
      base = p
      sub(/.*\//, "", base)
      if (base ~ /qgate\.ya?ml$/) return "config"
      if (base ~ /\.sarif(\.json)?$/) return "sarif"
      if (base ~ /\.info$/ || base ~ /^lcov/ || base ~ /cover.*\.(out|xml)$/ ||
          base ~ /^(jacoco|cobertura).*\.xml$/) return "coverage"
      if (base ~ /^(m|metrics.*)\.json$/) return "metrics"
      if (base == "event.json") return "hosts"
      if (base == ".qgateignore") return "accepted"
      if (base ~ /^(s[0-9]+.*|single)\.json$/) return "mergeparts"
      if (base ~ /\.(ya?ml|json)$/) return "yaml"
      return ""
    }
    function finish() {
      if (cur != "") close(cur)
      if (sec != "") close(sec)
      cur = sec = ""
    }
    function open_as(t) {
      k++
      cur = tmp "/" t "/" id "." k
      printf "" > cur
    }
    function hexval(h, i, v, d) {
      v = 0
      for (i = 1; i <= length(h); i++) {
        d = index("0123456789abcdef", tolower(substr(h, i, 1)))
        v = v * 16 + (d ? d - 1 : 0)
      }
      return v
    }
    # the runner'"'"'s macros; a repeat is cut at 4096 bytes (seeds stay small)
    function expand(s, o, i, e, body, bar, cnt, parts, np, j) {
      o = ""
      while ((i = index(s, "%")) > 0) {
        o = o substr(s, 1, i - 1)
        s = substr(s, i)
        e = index(s, "]")
        if (substr(s, 1, 5) == "%port") {
          o = o "8080"; s = substr(s, 6)
        } else if (substr(s, 1, 8) == "%concat[" && e) {
          body = substr(s, 9, e - 9); gsub(/\|/, "", body); o = o body; s = substr(s, e + 1)
        } else if (substr(s, 1, 8) == "%repeat[" && e && (bar = index(s, "|")) && bar < e) {
          cnt = substr(s, 9, bar - 9) + 0
          body = substr(s, bar + 1, e - bar - 1)
          for (j = 0; j < cnt && length(o) < 4096; j++) o = o body
          s = substr(s, e + 1)
        } else if (substr(s, 1, 5) == "%hex[" && e) {
          np = split(substr(s, 6, e - 6), parts, " ")
          for (j = 1; j <= np; j++) o = o sprintf("%c", hexval(parts[j]))
          s = substr(s, e + 1)
        } else {
          o = o "%"; s = substr(s, 2)
        }
      }
      return o s
    }
    /^=== / {
      finish()
      http = 0
      if ($2 == "file" && NF >= 3) {
        t = target_of($3)
        if (t != "") open_as(t)
        k++
        sec = tmp "/secrets/" id "." k
        printf "path: %s\n", $3 > sec
      } else if ($2 == "stdin") {
        open_as("yaml")
      } else if ($2 == "respond" && $4 ~ /(chat\/completions|\/messages|\/converse)$/) {
        open_as("responses")
        http = 1
        inbody = 0
      } else if ($2 == "respond" && $4 ~ /^\/(api\/v4\/projects|repos)\//) {
        open_as("hosts")
        http = 1
        inbody = 0
      }
      next
    }
    {
      if (http && !inbody) {
        if ($0 == "" || $0 == "\r") inbody = 1
        else if (tolower($1) == "retry-after:") {
          v = $0
          sub(/^[^:]*: */, "", v)
          k++
          printf "%s", v > (tmp "/retry_after/" id "." k)
          close(tmp "/retry_after/" id "." k)
        }
        next
      }
      line = expand($0)
      if (cur != "") print line > cur
      if (sec != "") print line > sec
    }
    END { finish() }
  ' "$c"
done <"$tmp/cases"

# The providers' bodies as they are; the text the model wrote, from its provider's response (OpenAI, Anthropic
# Messages, Bedrock Converse).
cp "$tmp/responses"/* "$tmp/envelope/" 2>/dev/null || true
# the shard reports: each alone, and a case's in the order of their names, NUL-separated
for f in "$tmp/mergeparts"/*; do
  [ -f "$f" ] || continue
  cp "$f" "$tmp/merge/"
  c=${f##*/}
  c=${c%%.*}
  [ -e "$tmp/merge/$c.all" ] && continue
  first=1
  for part in $(ls "$tmp/mergeparts" | grep "^$c\." | sort -t. -k2 -n); do
    [ $first = 1 ] || printf '\0' >>"$tmp/merge/$c.all"
    cat "$tmp/mergeparts/$part" >>"$tmp/merge/$c.all"
    first=0
  done
done
if command -v python3 >/dev/null 2>&1; then
  python3 - "$tmp/responses" "$tmp/reply" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
for name in os.listdir(src):
    try:
        doc = json.load(open(os.path.join(src, name), encoding="utf-8"))
    except ValueError:
        continue
    texts = []
    for ch in doc.get("choices", []):
        texts.append(ch.get("message", {}).get("content"))
    for part in doc.get("content", []) if isinstance(doc.get("content"), list) else []:
        texts.append(part.get("text"))
    for part in doc.get("output", {}).get("message", {}).get("content", []):
        texts.append(part.get("text"))
    for i, t in enumerate(x for x in texts if isinstance(x, str)):
        with open(os.path.join(dst, "%s.%d" % (name, i)), "w", encoding="utf-8") as f:
            f.write(t)
PY
fi

for t in $targets; do
  [ -d "fuzz/seeds/$t" ] && cp "fuzz/seeds/$t"/* "$tmp/$t/" 2>/dev/null || true
  for f in "$tmp/$t"/*; do
    [ -f "$f" ] || continue
    h=$(sha1sum <"$f" | cut -c1-40)
    [ -e "$out/$t/$h" ] || cp "$f" "$out/$t/$h"
  done
  echo "seeds: $t: $(ls "$out/$t" | wc -l) files in $out/$t"
done
