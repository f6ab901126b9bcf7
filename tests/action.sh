#!/bin/sh
# action.sh: the Action's scripts (ci/action/): install.sh resolving the version and
# downloading, verifying and unpacking a release from a server on 127.0.0.1 (a good
# archive, a tampered one, a SHA256SUMS without its line, a 404, a server error, members
# outside the archive's folder, links, a binary of another version), and run.sh's
# arguments (the args input's quoting, fail-on, comments on a fork or a push, the key).
# Ends with "N passed, N failed".
pass=0 fail=0
tmp=$(mktemp -d)
srv_pid=
cleanup() { [ -z "$srv_pid" ] || kill "$srv_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
install_sh=$(pwd)/ci/action/install.sh
run_sh=$(pwd)/ci/action/run.sh
qg_version=$(sed -n 's/^#define QG_VERSION "\(.*\)"$/\1/p' core/qg.h)

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "action: $*"; }
# expect NAME WANT-FILE HAVE-FILE: the exact output
expect() {
  if cmp -s "$2" "$3"; then ok; else bad "$1:"; diff -u "$2" "$3" | sed -n '3,20p'; fi
}

if ! command -v python3 >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  echo "action: needs python3 and curl"; echo "action: 0 passed, 1 failed"; exit 1
fi

# ---- version resolution: the version input, a tag ref, a branch or commit (core/qg.h)
# resolve NAME INPUT REF OS ARCH: runs install.sh resolve in an empty environment
resolve() {
  : >"$tmp/out.txt"
  env -i PATH="$PATH" QGATE_VERSION_INPUT="$2" ACTION_REF="$3" RUNNER_OS="$4" RUNNER_ARCH="$5" \
    ACTION_REPOSITORY=octo/qgate GITHUB_SERVER_URL=https://ghe.example GITHUB_ACTION_PATH="$(pwd)" \
    GITHUB_OUTPUT="$tmp/out.txt" sh "$install_sh" resolve >"$tmp/stdout" 2>"$tmp/stderr"
  echo "exit $?" >>"$tmp/stdout"
  cat "$tmp/stderr" >>"$tmp/stdout"
  printf '%s' "$6" >"$tmp/want"
  expect "resolve $1" "$tmp/want" "$tmp/stdout"
}
u=https://ghe.example/octo/qgate/releases/download
resolve "the input" v1.2.3 v0.0.9 Linux X64 "version=1.2.3
arch=amd64
url=$u/v1.2.3
exit 0
"
resolve "the input without v" 1.2.3-rc.1 main Linux ARM64 "version=1.2.3-rc.1
arch=arm64
url=$u/v1.2.3-rc.1
exit 0
"
# what resolve prints goes to GITHUB_OUTPUT too
printf 'version=1.2.3-rc.1\narch=arm64\nurl=%s/v1.2.3-rc.1\n' "$u" >"$tmp/want"
expect "resolve writes GITHUB_OUTPUT" "$tmp/want" "$tmp/out.txt"
resolve "a tag ref" "" v2.10.0 Linux X64 "version=2.10.0
arch=amd64
url=$u/v2.10.0
exit 0
"
resolve "a branch ref" "" main Linux X64 "::notice title=qgate version::the action's ref main is not a release tag (vX.Y.Z): installing the release its core/qg.h names, $qg_version; pin a tag (@v$qg_version) or set the version input
version=$qg_version
arch=amd64
url=$u/v$qg_version
exit 0
"
resolve "a commit ref" "" 0123456789abcdef0123456789abcdef01234567 Linux X64 "::notice title=qgate version::the action's ref 0123456789abcdef0123456789abcdef01234567 is not a release tag (vX.Y.Z): installing the release its core/qg.h names, $qg_version; pin a tag (@v$qg_version) or set the version input
version=$qg_version
arch=amd64
url=$u/v$qg_version
exit 0
"
resolve "a tag that is no version" "" v1 Linux X64 "::notice title=qgate version::the action's ref v1 is not a release tag (vX.Y.Z): installing the release its core/qg.h names, $qg_version; pin a tag (@v$qg_version) or set the version input
version=$qg_version
arch=amd64
url=$u/v$qg_version
exit 0
"
resolve "an input that is no version" 'main;$(id)' "" Linux X64 "exit 1
::error title=qgate install::the version input 'mainid' is not a release version (X.Y.Z or vX.Y.Z)
"
resolve "macOS" 1.0.0 "" macOS ARM64 "exit 1
::error title=qgate install::qgate's releases are Linux binaries (amd64 and arm64) and the Action runs only on Linux runners (this one is macOS): use runs-on: ubuntu-latest
"
resolve "32-bit" 1.0.0 "" Linux X86 "exit 1
::error title=qgate install::no qgate release for Linux X86 (only X64 and ARM64): set build-from-source: true to build it
"

# ---- a release server on 127.0.0.1: the folder $tmp/www, /err/... answers 500
mkdir "$tmp/www"
cat >"$tmp/server.py" <<'PY'
import http.server, os, sys
root = sys.argv[1]
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def do_GET(self):
        if self.path.startswith("/err/"):
            self.send_error(500, "broken")
            return
        super().do_GET()
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
PY
python3 "$tmp/server.py" "$tmp/www" "$tmp/port" 2>"$tmp/server.err" &
srv_pid=$!
i=0
while ! [ -s "$tmp/port" ] && [ $i -lt 300 ] && kill -0 "$srv_pid" 2>/dev/null; do
  sleep 0.1; i=$((i + 1))
done
if ! [ -s "$tmp/port" ]; then
  echo "action: the server on 127.0.0.1 did not start:"; cat "$tmp/server.err"
  echo "action: $pass passed, $((fail + 1)) failed"; exit 1
fi
base=http://127.0.0.1:$(cat "$tmp/port")

V=9.8.7
top=qgate-$V-linux-amd64
# release DIR [VERSION-THE-BINARY-SAYS [MORE]]: a good archive and its SHA256SUMS in
# www/DIR; MORE is one more line of the stand-in qgate
release() {
  rm -rf "$tmp/src" && mkdir -p "$tmp/src/$top/completions" "$tmp/www/$1"
  printf '#!/bin/sh\necho "qgate %s (stand-in)"\n%s\n' "${2:-$V}" "${3:-}" >"$tmp/src/$top/qgate"
  chmod +x "$tmp/src/$top/qgate"
  echo stand-in >"$tmp/src/$top/README.md"
  (cd "$tmp/src" && tar -czf "$tmp/www/$1/$top.tar.gz" "$top")
  (cd "$tmp/www/$1" && sha256sum "$top.tar.gz" >SHA256SUMS &&
    echo "0000000000000000000000000000000000000000000000000000000000000000  qgate-$V-linux-arm64.tar.gz" >>SHA256SUMS)
}
# evil DIR KIND: an archive holding a member KIND (dotdot, absolute, symlink), with its sum
evil() {
  mkdir -p "$tmp/www/$1"
  python3 - "$tmp/www/$1/$top.tar.gz" "$top" "$2" <<'PY'
import io, sys, tarfile
path, top, kind = sys.argv[1:]
with tarfile.open(path, "w:gz") as t:
    def add(name, data=b"#!/bin/sh\necho qgate 9.8.7\n", mode=0o755):
        i = tarfile.TarInfo(name); i.size = len(data); i.mode = mode
        t.addfile(i, io.BytesIO(data))
    add(top + "/qgate")
    if kind == "dotdot":
        add(top + "/../x", b"outside\n", 0o644)
    elif kind == "absolute":
        add("/tmp/qgate-action-test-x", b"outside\n", 0o644)
    elif kind == "symlink":
        i = tarfile.TarInfo(top + "/completions"); i.type = tarfile.SYMTYPE; i.linkname = "/etc"
        t.addfile(i)
PY
  (cd "$tmp/www/$1" && sha256sum "$top.tar.gz" >SHA256SUMS)
}

# install NAME DIR WANT-STATUS WANT-OUTPUT: install.sh install from www/DIR into $tmp/dest
inst() {
  : >"$tmp/out.txt"
  QGATE_ACTION_TEST_RELEASE_URL="$base/$2" QGATE_ACTION_RETRIES=0 GITHUB_OUTPUT="$tmp/out.txt" \
    sh "$install_sh" install "$V" amd64 "$tmp/dest" >"$tmp/stdout" 2>"$tmp/stderr"
  st=$?
  { echo "exit $st"; cat "$tmp/stdout" "$tmp/stderr"; } | sed "s|$tmp|TMP|g; s|$base|BASE|g" >"$tmp/have"
  printf '%s' "$4" >"$tmp/want"
  expect "install $1" "$tmp/want" "$tmp/have"
  if [ "$3" != 0 ]; then
    # nothing installed, nothing left behind
    left=$(ls -A "$tmp" | grep -E '^(dest|\.qgate-install)' | tr '\n' ' ')
    if [ -z "$left" ] && ! [ -s "$tmp/out.txt" ]; then ok; else
      bad "install $1: left behind: ${left:-a GITHUB_OUTPUT line}"; fi
  fi
}

release good
sum=$(sha256sum "$tmp/www/good/$top.tar.gz" | cut -d' ' -f1)

# a tampered archive: the same name, a qgate that runs and says the version but does
# more, the good release's SHA256SUMS
release tampered $V "touch $tmp/tampered-ran"
cp "$tmp/www/good/SHA256SUMS" "$tmp/www/tampered/SHA256SUMS"
badsum=$(sha256sum "$tmp/www/tampered/$top.tar.gz" | cut -d' ' -f1)
inst "a tampered archive" tampered 1 "exit 1
::error title=qgate install::$top.tar.gz has SHA-256 $badsum, SHA256SUMS says $sum: refusing the download (tampered or corrupted)
"
[ ! -e "$tmp/tampered-ran" ] && ok || bad "the tampered qgate ran"
# a SHA256SUMS without the archive's line (only the arm64 one)
release noline
grep -v "  $top.tar.gz\$" "$tmp/www/good/SHA256SUMS" >"$tmp/www/noline/SHA256SUMS"
inst "a SHA256SUMS without the line" noline 1 "exit 1
::error title=qgate install::SHA256SUMS has 0 lines for $top.tar.gz (want 1): not installing an unverified binary
"
# two lines for it
release twice
sed -n 1p "$tmp/www/twice/SHA256SUMS" >>"$tmp/www/twice/SHA256SUMS"
inst "a SHA256SUMS with two lines" twice 1 "exit 1
::error title=qgate install::SHA256SUMS has 2 lines for $top.tar.gz (want 1): not installing an unverified binary
"
# no SHA256SUMS at all: 404
release nosums
rm "$tmp/www/nosums/SHA256SUMS"
inst "no SHA256SUMS" nosums 1 "exit 1
::error title=qgate install::cannot download BASE/nosums/SHA256SUMS: curl: (22) The requested URL returned error: 404 
"
inst "no release (404)" missing 1 "exit 1
::error title=qgate install::cannot download BASE/missing/$top.tar.gz: curl: (22) The requested URL returned error: 404 
"
inst "a server error" err 1 "exit 1
::error title=qgate install::cannot download BASE/err/$top.tar.gz: curl: (22) The requested URL returned error: 500 
"
evil dotdot dotdot
inst "a ../ member" dotdot 1 "exit 1
::error title=qgate install::$top.tar.gz holds a path with ..: $top/../x: refusing it
"
evil absolute absolute
inst "an absolute member" absolute 1 "exit 1
::error title=qgate install::$top.tar.gz holds an absolute path: /tmp/qgate-action-test-x: refusing it
"
[ ! -e /tmp/qgate-action-test-x ] && ok || bad "the absolute member was written"
evil symlink symlink
inst "a symlink member" symlink 1 "exit 1
::error title=qgate install::$top.tar.gz holds 1 members that are not files or folders (links, devices): refusing it
"
release other 9.8.8
inst "a binary of another version" other 1 "exit 1
::error title=qgate install::$top/qgate does not run or does not say 'qgate $V' (qgate --version)
"
# the good one: installed, its path in GITHUB_OUTPUT; again: kept (the cache)
inst "a good archive" good 0 "exit 0
qgate: installed $V (amd64, sha256 $sum) at TMP/dest/qgate
"
printf 'path=%s/dest/qgate\n' "$tmp" >"$tmp/want"
expect "install writes GITHUB_OUTPUT" "$tmp/want" "$tmp/out.txt"
if [ "$("$tmp/dest/qgate" --version)" = "qgate $V (stand-in)" ] && [ -f "$tmp/dest/README.md" ]; then ok; else
  bad "the installed folder does not hold the archive's qgate and README.md"; fi
inst "the cached one" missing 0 "exit 0
qgate: $V (amd64) from the cache: TMP/dest/qgate
"
kill "$srv_pid" 2>/dev/null; wait "$srv_pid" 2>/dev/null; srv_pid=

# ---- run.sh: the arguments qgate gets, one a line, and the key's variable
printf '#!/bin/sh\nfor a in "$@"; do printf "[%%s]\\n" "$a"; done\necho "openai=${OPENAI_API_KEY:-} anthropic=${ANTHROPIC_API_KEY:-} key=${QGATE_LLM_KEY:-}"\n' >"$tmp/qgate"
chmod +x "$tmp/qgate"
# run NAME WANT VAR=VALUE...: run.sh with the defaults action.yml gives, and those
run() {
  name=$1 want=$2; shift 2
  env -i PATH="$PATH" HOME="$tmp" QGATE_BIN="$tmp/qgate" QGATE_PATHS=. QGATE_SARIF=qgate.sarif \
    QGATE_COMMENT=github GITHUB_EVENT_NAME=pull_request GITHUB_REPOSITORY=o/r HEAD_REPO=o/r \
    "$@" bash "$run_sh" >"$tmp/out" 2>&1
  echo "exit $?" >>"$tmp/out"
  # xargs's own words after its reason differ between versions
  sed 's/\(xargs: unmatched single quote\).*/\1/' "$tmp/out" >"$tmp/have"
  printf '%s' "$want" >"$tmp/want"
  expect "run $name" "$tmp/want" "$tmp/have"
}
run "the defaults" "[scan]
[--format]
[text]
[--format]
[sarif=qgate.sarif]
[--comment]
[github]
[--]
[.]
openai= anthropic= key=
exit 0
"
run "args, fail-on and paths" "[scan]
[--format]
[text]
[--format]
[sarif=qgate.sarif]
[--format]
[json=r.json]
[--fail-on]
[high]
[--comment]
[annotations]
[--exclude]
[vendor/**]
[--comment-id]
[a b]
[\$HOME]
[*]
[it's]
[--]
[k8s]
[charts]
openai= anthropic= key=
exit 0
" QGATE_FORMATS=json=r.json QGATE_FAIL_ON=high HEAD_REPO=fork/r QGATE_PATHS="k8s charts" \
  QGATE_ARGS="--exclude 'vendor/**'
--comment-id \"a b\" '\$HOME' * it\\'s"
run "an unmatched quote" "::error title=qgate::the args input cannot be split into words: xargs: unmatched single quote
exit 2
" QGATE_ARGS="--exclude 'vendor"
run "a push, the anthropic key" "[scan]
[--format]
[text]
[--format]
[sarif=qgate.sarif]
[--]
[.]
openai= anthropic=k-1 key=
exit 0
" GITHUB_EVENT_NAME=push QGATE_LLM_PROVIDER=anthropic QGATE_LLM_KEY=k-1

echo "action: $pass passed, $fail failed"
[ $fail -eq 0 ]
