#!/bin/sh
# The GitLab CI/CD component (templates/qgate.yml) and the include-by-URL template
# (ci/qgate.gitlab-ci.yml): tests/gitlab/template.js validates both against GitLab's CI
# schema, interpolates the component's inputs and checks that the template is its job with
# the defaults; then the job's script runs here with ./qgate on PATH, in a git checkout,
# as a runner would run it. Ends "N passed, N failed".
#
# The schema and the validator come from npm (gitlab-ci-local, which bundles GitLab's
# ci.json; ajv, ajv-formats, js-yaml), installed once into QGATE_GITLAB_SCHEMA_DIR
# (default build/gitlab-schema). When they cannot be installed it prints
# "skipped: REASON" and exits 77.
QGATE=${QGATE:-./qgate}
case $QGATE in /*) ;; *) QGATE=$PWD/$QGATE ;; esac
dir=${QGATE_GITLAB_SCHEMA_DIR:-build/gitlab-schema}
pkgs="gitlab-ci-local@4.75.1 ajv@8.17.1 ajv-formats@3.0.1 js-yaml@4.1.0"
installed() {
  for p in $pkgs; do
    grep -q "\"version\": \"${p##*@}\"" "$dir/node_modules/${p%@*}/package.json" 2>/dev/null || return 1
  done
}
if ! installed && command -v npm >/dev/null 2>&1; then
  mkdir -p "$dir"
  # shellcheck disable=SC2086 # the package list
  npm install --prefix "$dir" --silent --no-audit --no-fund --no-save $pkgs >/dev/null 2>&1
fi
if ! command -v node >/dev/null 2>&1; then
  echo "skipped: node is not installed"
  exit 77
fi
if ! installed; then
  echo "skipped: npm could not install $pkgs (GitLab's CI schema and its validator; offline?)"
  exit 77
fi

tmp=$(mktemp -d)
trap '[ -n "$KEEP" ] || rm -rf "$tmp"' EXIT
version=$(sed -n 's/^#define QG_VERSION "\(.*\)"$/\1/p' core/qg.h)
node tests/gitlab/template.js --modules "$dir" --version "$version" --scripts "$tmp" >"$tmp/out" 2>&1
st=$?
grep -v 'passed,' "$tmp/out"
pass=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$tmp/out")
fail=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$tmp/out")
[ -n "$pass" ] || { pass=0 fail=1; }
[ $st -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "template: $*"; }

# the job's script, as the runner runs it (sh -e), in a checkout with a privileged pod:
# `qgate` is the binary on PATH (the image's), HOME a scratch directory (the script adds
# the checkout to git's safe.directory)
mkdir -p "$tmp/bin" "$tmp/home" "$tmp/repo/deploy" "$tmp/repo/charts/app"
ln -s "$QGATE" "$tmp/bin/qgate"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: "a:1"\n    securityContext: {privileged: true}\n' \
  >"$tmp/repo/deploy/pod.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n' >"$tmp/repo/charts/app/cm.yaml"
git -C "$tmp/repo" init -q && git -C "$tmp/repo" add . &&
  git -C "$tmp/repo" -c user.name=t -c user.email=t@t commit -qm init || bad "git init failed"
# run SCRIPT [VAR=VALUE...]: the script's exit status; its output in $tmp/log
run() {
  s=$1
  shift
  rm -f "$tmp/repo/qgate.sarif" "$tmp/repo/qgate.md" "$tmp/repo/gl-code-quality-report.json" \
    "$tmp/repo/qgate-junit.xml"
  (cd "$tmp/repo" && env -i PATH="$tmp/bin:/usr/bin:/bin" HOME="$tmp/home" \
    CI_PROJECT_DIR="$tmp/repo" "$@" sh -e "$s") >"$tmp/log" 2>&1
}
reports() { # every report the job's artifacts name
  for f in qgate.sarif qgate.md gl-code-quality-report.json qgate-junit.xml; do
    [ -s "$tmp/repo/$f" ] || return 1
  done
}

# the defaults: qgate scan . fails the gate (a privileged pod) and writes the four reports
run "$tmp/defaults.sh"; st=$?
if [ $st -eq 1 ] && reports && grep -q 'Decision: reject' "$tmp/log" &&
  grep -q '^deploy/pod.yaml:5:3: medium pss/run-as-non-root:' "$tmp/log" &&
  grep -q '"check_name":[[:space:]]*"pss/privileged"' "$tmp/repo/gl-code-quality-report.json" &&
  grep -q '<testcase [^>]*name="pss/privileged"' "$tmp/repo/qgate-junit.xml"; then ok; else
  bad "the defaults: exit $st (want 1), reports or findings missing:"; head -5 "$tmp/log"
fi
# the checkout is the user's: git's configuration is left alone
[ ! -e "$tmp/home/.gitconfig" ] && ok || bad "the script wrote $tmp/home/.gitconfig"
# a merge request pipeline without GITLAB_TOKEN: no comment (auto), the same gate
run "$tmp/defaults.sh" CI_MERGE_REQUEST_IID=7; st=$?
[ $st -eq 1 ] && ! grep -q 'comment' "$tmp/log" && ok ||
  { bad "auto comments without a token: exit $st (want 1, no comment):"; head -5 "$tmp/log"; }
# comment required and no token: qgate says why, exit status 2
sed 's/^QGATE_COMMENT="auto"/QGATE_COMMENT="required"/' "$tmp/defaults.sh" >"$tmp/required.sh"
run "$tmp/required.sh" CI_MERGE_REQUEST_IID=7 CI_API_V4_URL=http://127.0.0.1:9/api/v4 CI_PROJECT_ID=1; st=$?
[ $st -eq 2 ] && grep -q 'GITLAB_TOKEN is not set' "$tmp/log" && ok ||
  { bad "comment required without a token: exit $st (want 2):"; head -5 "$tmp/log"; }
# a bad command is refused by the script itself
sed 's/^QGATE_COMMAND="scan"/QGATE_COMMAND="rm"/' "$tmp/defaults.sh" >"$tmp/cmd.sh"
run "$tmp/cmd.sh"; st=$?
[ $st -eq 2 ] && grep -qxF "qgate: QGATE_COMMAND is scan, k8s or secrets, not 'rm'" "$tmp/log" && ok ||
  { bad "QGATE_COMMAND=rm: exit $st (want 2):"; head -5 "$tmp/log"; }
# a checkout another user owns (as root here: a runner that clones as another uid):
# libgit2 would not open it (no base, no merge request context); the script adds it to
# git's safe.directory once, and the change since the base is measured
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  base=$(git -C "$tmp/repo" rev-parse HEAD)
  chown -R nobody "$tmp/repo"
  run "$tmp/defaults.sh" CI_MERGE_REQUEST_IID=7 CI_MERGE_REQUEST_DIFF_BASE_SHA="$base"; st=$?
  run "$tmp/defaults.sh" CI_MERGE_REQUEST_IID=7 CI_MERGE_REQUEST_DIFF_BASE_SHA="$base"; st2=$?
  [ $st -eq 0 ] && [ $st2 -eq 0 ] && grep -q "^no new findings in 2 files; [1-9][0-9]* already in $base" "$tmp/log" &&
    [ "$(git config --file "$tmp/home/.gitconfig" --get-all safe.directory)" = "$tmp/repo" ] && ok ||
    { bad "a checkout owned by nobody: exit $st, $st2 (want 0, the base's findings not counted, one safe.directory):"; head -5 "$tmp/log"; }
  chown -R 0 "$tmp/repo"
fi
# the other inputs: k8s on two paths, --pss baseline, --fail-on high, the configuration
# file (here one that excludes charts/); a glob in the paths is not expanded
printf 'exclude: [charts/]\n' >"$tmp/qgate-ci.yml"
sed "s|^QGATE_CONFIG=\"[^\"]*\"|QGATE_CONFIG=\"$tmp/qgate-ci.yml\"|" "$tmp/inputs.sh" >"$tmp/inputs-config.sh"
run "$tmp/inputs-config.sh"; st=$?
if [ $st -eq 1 ] && reports &&
  grep -q '^deploy/pod.yaml:8:35: critical pss/privileged:' "$tmp/log" &&
  ! grep -q 'pss/run-as-non-root' "$tmp/log" &&
  grep -q 'in 1 file, 1 object; failed (--fail-on high)' "$tmp/log"; then ok; else
  bad "the other inputs: exit $st (want 1):"; head -5 "$tmp/log"
fi
sed 's|^QGATE_PATHS="[^"]*"|QGATE_PATHS="charts/*"|' "$tmp/inputs-config.sh" >"$tmp/glob.sh"
run "$tmp/glob.sh"; st=$?
[ $st -eq 2 ] && grep -q 'charts/\*' "$tmp/log" && ok ||
  { bad "QGATE_PATHS='charts/*' was expanded: exit $st (want 2):"; head -5 "$tmp/log"; }

# the review cache the job keeps (.qgate-cache/, QGATE_LLM_CACHE_DIR): in a merge request
# pipeline with a provider configured, qgate writes the model's reply there, and the next
# run over the same change asks nothing. The model is a scripted server on 127.0.0.1
# that answers at most two requests and stops by itself.
if command -v python3 >/dev/null 2>&1; then
  mkdir -p "$tmp/mr" && cd "$tmp/mr" || exit 3
  printf '# Architecture\n\n## DDD\n- Entities change only inside their aggregate (`*_aggregate.go`).\n' >ARCHITECTURE.md
  printf 'package user\n\ntype User struct {\n\tEmail string\n}\n' >user_aggregate.go
  git init -q . && git add . && git -c user.name=t -c user.email=t@t commit -qm base
  base=$(git rev-parse HEAD)
  printf 'package user\n\nfunc Update(u *User, e string) {\n\tu.Email = e\n}\n' >service.go
  git add . && git -c user.name=t -c user.email=t@t commit -qm change
  cd - >/dev/null || exit 3
  python3 - "$tmp/port" "$tmp/requests" >/dev/null 2>&1 <<'PY' &
import http.server, json, sys
content = json.dumps({"violations": [{"severity": "high", "file": "service.go", "line": 4,
    "message": "u.Email is set outside the User aggregate.", "suggestion": "Use the aggregate.",
    "reference": "ARCHITECTURE.md - DDD", "confidence": 0.9}]})
reply = json.dumps({"id": "c1", "object": "chat.completion", "created": 1700000000,
    "model": "gpt-4o-mini", "choices": [{"index": 0, "finish_reason": "stop",
    "message": {"role": "assistant", "content": content}}],
    "usage": {"prompt_tokens": 400, "completion_tokens": 90, "total_tokens": 490}}).encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(sys.argv[2], "a") as f:
            f.write(self.path + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
srv.timeout = 60
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
for _ in range(2):
    srv.handle_request()
PY
  server=$!
  i=0
  while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  port=$(cat "$tmp/port" 2>/dev/null)
  review() { # the job's script in the merge request's checkout, with the review configured
    (cd "$tmp/mr" && env -i PATH="$tmp/bin:/usr/bin:/bin" HOME="$tmp/home" CI_PROJECT_DIR="$tmp/mr" \
      CI_MERGE_REQUEST_IID=7 CI_MERGE_REQUEST_DIFF_BASE_SHA="$base" QGATE_LLM_PROVIDER=openai \
      QGATE_LLM_MODEL=gpt-4o-mini QGATE_LLM_BASE_URL="http://127.0.0.1:$port/v1" \
      OPENAI_API_KEY="$(printf '%s-%s' sk-test local-only)" sh -e "$tmp/defaults.sh") >"$tmp/log" 2>&1
  }
  review; st=$?
  n=$(find "$tmp/mr/.qgate-cache" -type f 2>/dev/null | wc -l | tr -d ' ')
  if [ -n "$port" ] && [ "$n" -ge 1 ] &&
    grep -qF 'qgate: review: 1 file in 1 chunk (1 request, 0 from the cache): 1 violation' "$tmp/log" &&
    grep -q '^service.go:4:1: high arch/violation: ' "$tmp/log"; then ok; else
    bad "the review did not write its reply to .qgate-cache/ ($n files; exit $st):"; head -8 "$tmp/log"
  fi
  # (the second run does not scan the cache: the files are the change's three and the
  # first run's four reports)
  review; st=$?
  grep -qF 'qgate: review: 1 file in 1 chunk (0 requests, 1 from the cache): 1 violation' "$tmp/log" &&
    grep -q '^1 finding (1 high) in 7 files; ' "$tmp/log" &&
    [ "$(wc -l <"$tmp/requests" | tr -d ' ')" = 1 ] && ok ||
    { bad "the second run did not answer from .qgate-cache/ (exit $st):"; head -8 "$tmp/log"; }
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
else
  bad "python3 is not installed (.ci/deps.sh installs it): the review cache is not tested"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
