#!/bin/sh
# tests/static.sh [BINARY]: proves ./qgate-static (make static) is one static
# binary that works with nothing around it. As root (chroot):
#   - file(1) says statically linked, ldd finds no dynamic dependencies;
#   - the allocator is mimalloc's, not musl's, and silent; memcpy and memmove
#     are musl's portable C ones, not its x86_64 assembly;
#   - in an empty root holding only the binary, /etc/hosts, a test CA and the
#     files to scan, `qgate scan` scans manifests, reads a git repository and
#     does the architecture review over HTTPS against a test server on
#     127.0.0.1 whose certificate that CA signed:
#       * with SSL_CERT_FILE naming the CA, at https://127.0.0.1:PORT
#       * with the CA only in /etc/ssl/certs (Debian's layout, no variable),
#         at https://localhost:PORT: "localhost" resolved through the chroot's
#         /etc/hosts, without glibc's NSS plugins
#       * at https://llm.qgate.test:PORT, a name /etc/hosts does not hold:
#         resolved over DNS (UDP), /etc/resolv.conf naming 127.0.0.1, where
#         a test DNS server answers it, again without NSS;
#       * with no CA at all: the request must fail certificate verification;
#       * through a proxy that https_proxy names (a CONNECT tunnel).
# Ends with "N passed, N failed"; exit status 1 when a check failed.
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${1:-./qgate-static}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAILED: $*"; }
finish() {
  echo "static: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit $?
}
[ -x "$BIN" ] || { bad "no binary $BIN (make static)"; finish; }
for t in file openssl python3 git chroot readelf nm; do
  command -v "$t" >/dev/null 2>&1 || { bad "$t is missing (sh .ci/deps.sh)"; finish; }
done
# absolute paths: the runs in the root clear the environment, PATH too
PY=$(python3 -c 'import sys; print(sys.executable)')
CHROOT=$(command -v chroot)

# ---- linkage -----------------------------------------------------------------
f=$(file -b "$BIN")
case $f in
*"statically linked"*) ok "file: $f" ;;
*) bad "file says: $f" ;;
esac
l=$(ldd "$BIN" 2>&1)
case $l in
*"not a dynamic executable"* | *"statically linked"*) ok "ldd: $l" ;;
*) bad "ldd finds dependencies: $l" ;;
esac
if readelf -lW "$BIN" 2>/dev/null | grep -q INTERP || readelf -dW "$BIN" 2>/dev/null | grep -q NEEDED; then
  bad "the ELF file has an interpreter or NEEDED entries"
else
  ok "no PT_INTERP, no DT_NEEDED"
fi
# the allocator is mimalloc's (static/deps.sh): malloc, free, calloc and
# realloc are its mi_* functions (aliases, one address each), it runs (its
# verbose mode answers MIMALLOC_VERBOSE) and it says nothing by default
syms=$(nm "$BIN" 2>/dev/null)
not_mi=""
for f in malloc free calloc realloc; do
  a=$(echo "$syms" | awk -v s="$f" '$3 == s { print $1 }')
  b=$(echo "$syms" | awk -v s="mi_$f" '$3 == s { print $1 }')
  [ -n "$a" ] && [ "$a" = "$b" ] || not_mi="$not_mi $f (${a:-undefined}; mi_$f ${b:-undefined})"
done
quiet=$(env -i "$BIN" version 2>&1 >/dev/null)
verbose=$(env -i MIMALLOC_VERBOSE=1 "$BIN" version 2>&1 >/dev/null)
if [ -z "$not_mi" ] && [ -z "$quiet" ] && echo "$verbose" | grep -q "^mimalloc: option 'verbose': 1"; then
  ok "the allocator is mimalloc (malloc is mi_malloc; silent unless MIMALLOC_VERBOSE is set)"
else
  bad "the allocator: not mimalloc's:${not_mi:- none}; stderr: '$(echo "$quiet" | head -c 200)'; with MIMALLOC_VERBOSE=1: '$(echo "$verbose" | head -c 200)'"
fi
# memcpy and memmove are musl's portable ones (static/deps.sh: memops.o), not
# its x86_64 assembly, whose memcpy also defines __memcpy_fwd
if echo "$syms" | awk '$3 == "memcpy" || $3 == "memmove" { n++ } $3 == "__memcpy_fwd" { a++ }
    END { exit !(n == 2 && !a) }'; then
  ok "memcpy and memmove are musl's portable C ones"
else
  bad "memcpy and memmove: not memops.o's: $(echo "$syms" | grep -E ' (memcpy|memmove|__memcpy_fwd)$' | tr '\n' ';')"
fi

if [ "$(id -u)" -ne 0 ]; then
  bad "the chroot checks need root"
  finish
fi

T=$(mktemp -d)
# the name check 7 resolves over DNS (.test is reserved: never a real host)
DNSNAME=llm.qgate.test
srv_pid="" proxy_pid="" dns_pid=""
cleanup() {
  for p in $srv_pid $proxy_pid $dns_pid; do kill "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- a test CA and a server certificate for localhost, 127.0.0.1 and the name
# only the test DNS server knows (check 7) ------------------------------------------
(
  cd "$T" || exit 1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=qgate static test CA" \
    -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign &&
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout srv.key -out srv.csr &&
    printf 'subjectAltName=DNS:localhost,DNS:%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' "$DNSNAME" >ext &&
    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile ext -out srv.pem
) >"$T/openssl.log" 2>&1 || {
  cat "$T/openssl.log"
  bad "could not make the test certificates"
  finish
}

# ---- the test server: an OpenAI-compatible endpoint over TLS --------------------
cat >"$T/server.py" <<'EOF'
import http.server, json, ssl, sys, os
cert, key, portfile, log = sys.argv[1:5]
reply = {"violations": [{"file": "deploy/app.yaml", "line": 14, "severity": "high",
         "confidence": 0.97, "message": "the web tier talks to the database directly",
         "section": "Layers", "suggestion": "go through the api service"}]}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "host": self.headers.get("Host"),
                                "auth": self.headers.get("Authorization", ""),
                                "diff": b"deploy/app.yaml" in body}) + "\n")
        out = json.dumps({"id": "x", "object": "chat.completion", "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(reply)}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.timeout = 1
import time
end = time.time() + 300  # stops by itself
while time.time() < end:
    s.handle_request()
EOF
# and a CONNECT proxy that tunnels every request to 127.0.0.1
cat >"$T/proxy.py" <<'EOF'
import socket, sys, threading, time, os
portfile, log = sys.argv[1:3]
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    finally:
        for s in (a, b):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass
def handle(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(4096)
        if not d: c.close(); return
        head += d
    line = head.split(b"\r\n", 1)[0].decode()
    with open(log, "a") as f: f.write(line + "\n")
    method, target = line.split()[:2]
    if method != "CONNECT":
        c.sendall(b"HTTP/1.1 405 no\r\ncontent-length: 0\r\n\r\n"); c.close(); return
    u = socket.create_connection(("127.0.0.1", int(target.rsplit(":", 1)[1])))
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
    pipe(c, u)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16); s.settimeout(1)
with open(portfile + ".tmp", "w") as f: f.write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
end = time.time() + 300  # stops by itself
while time.time() < end:
    try: c, _ = s.accept()
    except socket.timeout: continue
    threading.Thread(target=handle, args=(c,), daemon=True).start()
EOF
# and a DNS server for check 7 on 127.0.0.1, UDP port 53: A for the one name
# is 127.0.0.1, AAAA for it has no answer (NOERROR), anything else is
# NXDOMAIN; each question goes to the log as "NAME TYPE"
cat >"$T/dns.py" <<'EOF'
import socket, struct, sys, time, os
name, readyfile, log = sys.argv[1:4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.bind(("127.0.0.1", 53))
except OSError as e:
    sys.exit("cannot listen on 127.0.0.1 UDP port 53: " + e.strerror)
s.settimeout(1)
with open(readyfile + ".tmp", "w") as f: f.write("53")
os.rename(readyfile + ".tmp", readyfile)
types = {1: "A", 28: "AAAA"}
end = time.time() + 300  # stops by itself
while time.time() < end:
    try: q, peer = s.recvfrom(512)
    except socket.timeout: continue
    try:  # the header, then the one question: labels, type, class
        qid, flags, qdcount = struct.unpack(">HHH", q[:6])
        labels, i = [], 12
        while q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
            i += 1 + q[i]
        qtype, qclass = struct.unpack(">HH", q[i + 1:i + 5])
    except (struct.error, IndexError):
        continue
    if flags & 0x8000 or qdcount != 1: continue
    qname = ".".join(labels)
    with open(log, "a") as f: f.write("%s %s\n" % (qname, types.get(qtype, qtype)))
    known = qname.lower() == name and qclass == 1
    ans = b""
    if known and qtype == 1:
        ans = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
    # the query's ID, opcode and RD; QR, AA, RA; NOERROR or NXDOMAIN
    flags = 0x8480 | (flags & 0x7900) | (0 if known else 3)
    s.sendto(struct.pack(">HHHHHH", qid, flags, 1, 1 if ans else 0, 0, 0) + q[12:i + 5] + ans, peer)
EOF
python3 "$T/server.py" "$T/srv.pem" "$T/srv.key" "$T/port" "$T/requests.log" 2>"$T/server.err" &
srv_pid=$!
python3 "$T/proxy.py" "$T/pport" "$T/proxy.log" 2>"$T/proxy.err" &
proxy_pid=$!
i=0
while { [ ! -s "$T/port" ] || [ ! -s "$T/pport" ]; } && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
PORT=$(cat "$T/port" 2>/dev/null)
PPORT=$(cat "$T/pport" 2>/dev/null)
if [ -z "$PORT" ] || [ -z "$PPORT" ]; then
  cat "$T/server.err" "$T/proxy.err"
  bad "the test server or proxy did not start"
  finish
fi

# ---- the empty root --------------------------------------------------------------
R=$T/root
mkdir -p "$R/etc" "$R/ca" "$R/tmp" "$R/repo"
cp "$BIN" "$R/qgate"
cp "$T/ca.pem" "$R/ca/test-ca.pem"
printf '127.0.0.1\tlocalhost\n' >"$R/etc/hosts"

# the repository: a base commit on main, a change on a branch
G="git -C $R/repo -c user.name=t -c user.email=t@example.invalid -c init.defaultBranch=main"
$G init -q
mkdir -p "$R/repo/deploy"
cat >"$R/repo/ARCHITECTURE.md" <<'EOF'
# Architecture
## Layers
The web tier calls the api service; only the api service talks to the database.
EOF
cat >"$R/repo/deploy/db.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  ports: [{port: 5432}]
EOF
cat >"$R/repo/deploy/app.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1.0
EOF
printf 'review:\n  cache_dir: "off"\n' >"$R/repo/.qgate.yml"
$G add -A && $G commit -qm base
$G checkout -qb change
cat >>"$R/repo/deploy/app.yaml" <<'EOF'
          env:
            - {name: DATABASE_URL, value: "postgres://db:5432/app"}
          securityContext: {privileged: true}
EOF
cat >"$R/repo/deploy/pod.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  hostNetwork: true
  containers: [{name: sh, image: busybox}]
EOF
$G add -A && $G commit -qm change

# run the binary in the root: no /lib, no /usr, no NSS, only what is above
run_in_root() { # OUTFILE ENV...: runs `qgate scan` of the repo
  out=$1
  shift
  # chroot(8) always starts in /: this chroot also changes to /repo, where
  # qgate finds the repository, then runs the binary
  env -i PATH=/ HOME=/tmp OPENAI_API_KEY=sk-static-test QGATE_LLM_PROVIDER=openai \
    QGATE_LLM_MODEL=test-model "$@" \
    "$PY" -c 'import os, sys
os.chroot(sys.argv[1]); os.chdir("/repo"); os.execv("/qgate", sys.argv[2:])' \
    "$R" /qgate scan --base main --format text --format json=/tmp/scan.json --color never . >"$out" 2>&1
  echo $? >"$out.rc"
  cp "$R/tmp/scan.json" "$out.json" 2>/dev/null || : >"$out.json"
  rm -f "$R/tmp/scan.json"
}
# the libraries' own files must not be there: the binary needs none
if [ -z "$(find "$R" -name '*.so*' -o -name 'ld-*' | head -1)" ]; then
  ok "the root holds no shared library"
else
  bad "the root holds shared libraries"
fi

# jq-free JSON checks
jget() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d=d[int(k)] if isinstance(d,list) else d.get(k) if isinstance(d,dict) else None
print(json.dumps(d) if not isinstance(d,str) else d)' "$1" "$2" 2>/dev/null; }
has_rule() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
sys.exit(0 if any(f.get("rule")==sys.argv[2] for f in d.get("findings",[])) else 1)' "$1" "$2" 2>/dev/null; }
arch_status() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for c in d["score"]["categories"]:
    for k in c["criteria"]:
        if k["id"]=="architecture": print(k["status"]); sys.exit(0)
print("missing")' "$1" 2>/dev/null; }

check_run() { # NAME OUT URL: the scan and the review both happened
  name=$1 out=$2 url=$3
  rc=$(cat "$out.rc")
  n=$(grep -c . "$T/requests.log" 2>/dev/null || echo 0)
  if [ "$rc" -gt 1 ]; then
    bad "$name: qgate scan exited $rc"
    sed 's/^/  | /' "$out" | head -20
    return
  fi
  if has_rule "$out.json" pss/privileged && has_rule "$out.json" pss/host-namespaces &&
    grep -q "already in main" "$out"; then
    ok "$name: the scan (exit $rc): $(grep -m1 'findings (' "$out"); $(grep -m1 '^Decision' "$out")"
  else
    bad "$name: the scan's findings are missing"
    sed 's/^/  | /' "$out" | head -20
  fi
  if [ "$n" -ge 1 ] && grep -q "\"host\": \"${url#https://}\"" "$T/requests.log" &&
    grep -q '"path": "/v1/chat/completions"' "$T/requests.log" &&
    grep -q '"auth": "Bearer sk-static-test"' "$T/requests.log" && grep -q '"diff": true' "$T/requests.log"; then
    ok "$name: the review request reached $url over TLS ($n request(s))"
  else
    bad "$name: no review request reached $url"
    sed 's/^/  | /' "$out" | head -20
  fi
  if has_rule "$out.json" arch/violation && [ "$(arch_status "$out.json")" = failed ]; then
    ok "$name: the model's reply came back as an arch/violation finding"
  else
    bad "$name: no arch/violation from the reply (architecture: $(arch_status "$out.json"))"
  fi
}

# 1. SSL_CERT_FILE names the CA; https://127.0.0.1
: >"$T/requests.log"
run_in_root "$T/run1" SSL_CERT_FILE=/ca/test-ca.pem QGATE_LLM_BASE_URL="https://127.0.0.1:$PORT/v1"
check_run "SSL_CERT_FILE" "$T/run1" "https://127.0.0.1:$PORT"

# 2. the CA in /etc/ssl/certs as Debian lays it out, no variable; https://localhost
h=$(openssl x509 -hash -noout -in "$T/ca.pem")
mkdir -p "$R/etc/ssl/certs"
cp "$T/ca.pem" "$R/etc/ssl/certs/qgate-test-ca.pem"
ln -s qgate-test-ca.pem "$R/etc/ssl/certs/$h.0"
cat "$T/ca.pem" >"$R/etc/ssl/certs/ca-certificates.crt"
: >"$T/requests.log"
run_in_root "$T/run2" QGATE_LLM_BASE_URL="https://localhost:$PORT/v1"
check_run "/etc/ssl/certs, localhost via /etc/hosts" "$T/run2" "https://localhost:$PORT"
rm -rf "$R/etc/ssl"

# 3. no CA: certificate verification must refuse the server
: >"$T/requests.log"
run_in_root "$T/run3" QGATE_LLM_BASE_URL="https://localhost:$PORT/v1"
if [ "$(grep -c . "$T/requests.log")" -eq 0 ] && grep -qi "certificate" "$T/run3" &&
  ! has_rule "$T/run3.json" arch/violation; then
  ok "without the CA the request is refused: $(grep -i -m1 certificate "$T/run3" | cut -c1-150)"
else
  bad "without the CA the request was not refused by certificate verification"
  sed 's/^/  | /' "$T/run3" | head -10
fi

# 4. a name /etc/hosts does not hold is not resolved (no NSS; the resolver
# asks 127.0.0.1:53, where nothing answers, for 1 s; .invalid never resolves)
: >"$T/requests.log"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$R/etc/resolv.conf"
run_in_root "$T/run4" SSL_CERT_FILE=/ca/test-ca.pem QGATE_LLM_BASE_URL="https://no-such-host.invalid:$PORT/v1"
rm -f "$R/etc/resolv.conf"
if [ "$(grep -c . "$T/requests.log")" -eq 0 ] && grep -qi "resolve" "$T/run4"; then
  ok "an unknown name is not resolved: $(grep -i -m1 resolve "$T/run4" | cut -c1-150)"
else
  bad "an unknown name: $(head -c 300 "$T/run4")"
fi

# 5. a proxy from the environment: https_proxy, a CONNECT tunnel (a test
# proxy on 127.0.0.1 that logs what it is asked for)
: >"$T/requests.log"
run_in_root "$T/run5" SSL_CERT_FILE=/ca/test-ca.pem QGATE_LLM_BASE_URL="https://localhost:$PORT/v1" \
  https_proxy="http://127.0.0.1:$PPORT" no_proxy=
if grep -q "^CONNECT localhost:$PORT" "$T/proxy.log" 2>/dev/null && grep -q '"diff": true' "$T/requests.log" &&
  has_rule "$T/run5.json" arch/violation; then
  ok "https_proxy: the request went through the proxy ($(head -1 "$T/proxy.log"))"
else
  bad "https_proxy: $(cat "$T/proxy.log" 2>/dev/null) $(head -c 300 "$T/run5")"
fi

# 6. the other commands in the root: version, k8s on standard input
if env -i "$CHROOT" "$R" /qgate version >"$T/v" 2>&1; then ok "version: $(cat "$T/v")"; else bad "version: $(cat "$T/v")"; fi
if printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: a}]\n' |
  env -i "$CHROOT" "$R" /qgate k8s --format json - >"$T/k" 2>&1 || [ $? -eq 1 ]; then
  if grep -q '"rule"' "$T/k"; then ok "k8s on standard input in the root"; else bad "k8s: $(head -c 300 "$T/k")"; fi
else
  bad "k8s in the root: $(head -c 300 "$T/k")"
fi

# 7. a name only DNS knows: no entry in /etc/hosts, /etc/resolv.conf names
# 127.0.0.1, where the test DNS server answers; the request must reach the
# test server under that name (musl's resolver: A and AAAA over UDP, no NSS)
python3 "$T/dns.py" "$DNSNAME" "$T/dnsready" "$T/dns.log" 2>"$T/dns.err" &
dns_pid=$!
i=0
while [ ! -s "$T/dnsready" ] && kill -0 "$dns_pid" 2>/dev/null && [ $i -lt 50 ]; do
  sleep 0.1
  i=$((i + 1))
done
if [ ! -s "$T/dnsready" ]; then
  bad "DNS: the test DNS server did not start: $(tail -1 "$T/dns.err" 2>/dev/null)"
else
  : >"$T/requests.log"
  : >"$T/dns.log"
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$R/etc/resolv.conf"
  run_in_root "$T/run7" SSL_CERT_FILE=/ca/test-ca.pem QGATE_LLM_BASE_URL="https://$DNSNAME:$PORT/v1"
  rm -f "$R/etc/resolv.conf"
  asked=$(paste -s -d ';' "$T/dns.log" | sed 's/;/, /g')
  if ! grep -q "$DNSNAME" "$R/etc/hosts" && grep -qx "$DNSNAME A" "$T/dns.log" &&
    grep -q "\"host\": \"$DNSNAME:$PORT\"" "$T/requests.log" && grep -q '"diff": true' "$T/requests.log" &&
    has_rule "$T/run7.json" arch/violation; then
    ok "DNS: $DNSNAME resolved by the test DNS server on 127.0.0.1:53 (asked: $asked); the review request reached https://$DNSNAME:$PORT over TLS"
  else
    bad "DNS: no review request reached https://$DNSNAME:$PORT through the test DNS server (asked: ${asked:-nothing}; requests: $(grep -c . "$T/requests.log")): $(grep -m1 'review' "$T/run7" | cut -c1-200)"
  fi
fi
kill "$dns_pid" 2>/dev/null
dns_pid=""

finish
