#!/bin/sh
# Kustomize and Helm rendered by their engines (scanners/render.c), end to end: a tree of
# plain manifests, a Kustomize base with two overlays (the real `kubectl kustomize`) and a
# Helm chart (tests/stand-in/helm: Helm is not installed here). Every rendered object is
# scanned once and each finding names its source file and line; a missing engine or a
# render error is an input error (exit status 2) that names the tool. Without kubectl the
# Kustomize cases are reported as skipped, with the reason, and are not counted as passed.
# Ends with "N passed, N failed".
QGATE=$(cd "$(dirname "${QGATE:-./qgate}")" && pwd)/$(basename "${QGATE:-./qgate}")
STAND_IN=$(cd "$(dirname "$0")" && pwd)/stand-in
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "render: $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp"
unset GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_EVENT_PATH QGATE_KUSTOMIZE
cd "$tmp" || exit 1
mkdir -p deploy/plain deploy/base deploy/overlays/prod deploy/overlays/dev chart/templates
# a plain manifest: scanned as a file
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: plain\nspec:\n  hostNetwork: true\n  containers:\n  - name: a\n    image: app:1\n' >deploy/plain/pod.yaml
printf 'resources:\n- deploy.yaml\n' >deploy/base/kustomization.yaml
cat >deploy/base/deploy.yaml <<'E'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:latest
E
# prod replaces the tag (no latest-tag there) and makes the container privileged
cat >deploy/overlays/prod/kustomization.yaml <<'E'
resources:
- ../../base
namePrefix: prod-
images:
- name: nginx
  newTag: "1.25"
patches:
- path: privileged.yaml
E
cat >deploy/overlays/prod/privileged.yaml <<'E'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        securityContext:
          privileged: true
E
printf 'resources:\n- ../../base\nnamePrefix: dev-\n' >deploy/overlays/dev/kustomization.yaml
printf 'apiVersion: v2\nname: web\nversion: 0.1.0\n' >chart/Chart.yaml
printf 'replicas: 1\n' >chart/values.yaml
cat >chart/templates/pod.yaml <<'E'
apiVersion: v1
kind: Pod
metadata:
  name: chart-pod
spec:
  containers:
  - name: a
    image: app:1
    securityContext:
      privileged: true
E
SEL="--select pss/privileged,pss/host-namespaces,k8s/latest-tag --format findings"

if command -v kubectl >/dev/null 2>&1; then
  # the whole tree: the base is not rendered or scanned on its own; the dev overlay keeps
  # nginx:latest (the base's line), prod does not; prod's privileged field is in its patch
  PATH="$STAND_IN:$PATH" "$QGATE" k8s $SEL . >out.txt 2>err.txt; st=$?
  cat >want.txt <<'E'
pss/privileged critical chart/templates/pod.yaml:10:19
pss/host-namespaces high deploy/plain/pod.yaml:6:16
k8s/latest-tag medium deploy/base/deploy.yaml:14:16
pss/privileged critical deploy/overlays/prod/privileged.yaml:11:23
E
  sort out.txt >got.txt; sort want.txt >want2.txt
  if [ $st -eq 1 ] && diff want2.txt got.txt >/dev/null && [ ! -s err.txt ]; then ok; else
    no "tree: exit $st, findings differ:"; diff want2.txt got.txt; cat err.txt; fi
  # every object once: 2 overlays + the plain pod + the chart's pod
  PATH="$STAND_IN:$PATH" "$QGATE" k8s --select pss/privileged . >out.txt 2>&1
  grep -q 'in .* files*, 4 objects' out.txt && ok || { no "objects counted"; cat out.txt; }
  # overlapping paths: each kustomization rendered once; a base named on its own is left
  # to the overlays another path renders with it; a file a render reads is read by that
  # render only, even when named (3 objects: the two overlays and the plain pod)
  for a in "deploy ./deploy/" "deploy/base deploy" "deploy deploy/base" \
    "deploy/base/deploy.yaml deploy" "deploy deploy/base/deploy.yaml"; do
    "$QGATE" k8s --select pss/privileged $a >out.txt 2>&1
    grep -q 'in .* files*, 3 objects' out.txt && ok || { no "overlapping $a: objects counted"; cat out.txt; }
  done
  # "Kubernetes-looking but no objects": rendered objects count (an unrendered template
  # beside a kustomization is a warning), an empty render does not (exit 2)
  mkdir -p mix empty
  printf 'resources:\n- pod.yaml\n' >mix/kustomization.yaml
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: app:1\n' >mix/pod.yaml
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}-x\n' >mix/loose.yaml
  cp mix/loose.yaml empty/ && printf 'resources: []\n' >empty/kustomization.yaml
  "$QGATE" k8s --select pss/privileged mix >out.txt 2>err.txt; st=$?
  [ $st -eq 0 ] && grep -q '1 object; 1 warning; passed' out.txt && ! grep -q 'no object was read' err.txt &&
    ok || { no "rendered objects and no-objects: exit $st"; cat out.txt err.txt; }
  "$QGATE" k8s --select pss/privileged empty >out.txt 2>err.txt; st=$?
  [ $st -eq 2 ] && grep -q '^qgate: empty: error: 1 file here looks like Kubernetes manifests' err.txt &&
    ok || { no "empty render and no-objects: exit $st"; cat out.txt err.txt; }
  rm -rf mix empty
  # scanning one overlay renders it (its base lies outside the path given)
  "$QGATE" k8s $SEL deploy/overlays/dev >out.txt 2>&1; st=$?
  [ $st -eq 1 ] && [ "$(cat out.txt)" = "k8s/latest-tag medium deploy/base/deploy.yaml:14:16" ] &&
    ok || { no "one overlay: exit $st"; cat out.txt; }
  # kustomize's error: located at the kustomization, exit 2
  mkdir -p bad && printf 'resources:\n- cm.yaml\n' >bad/kustomization.yaml
  printf 'apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n' >bad/cm.yaml
  "$QGATE" k8s bad >out.txt 2>err.txt; st=$?
  [ $st -eq 2 ] && grep -q '^qgate: bad/kustomization.yaml:1:1: error: cannot render this Kustomization: kubectl kustomize failed' err.txt &&
    ok || { no "render error: exit $st"; cat err.txt; }
  # a remote base is refused before anything runs, at its line
  mkdir -p remote && printf 'resources:\n- github.com/example/repo//deploy?ref=main\n' >remote/kustomization.yaml
  "$QGATE" k8s remote >out.txt 2>err.txt; st=$?
  [ $st -eq 2 ] && grep -q "^qgate: remote/kustomization.yaml:2:3: error: resource 'github.com/example/repo//deploy?ref=main' is not in the checkout" err.txt &&
    ok || { no "remote base: exit $st"; cat err.txt; }
  rm -rf bad remote
  # the repository cannot choose the engine; the environment can, among known ones
  QGATE_KUSTOMIZE=sh "$QGATE" k8s deploy/overlays/dev >out.txt 2>err.txt; st=$?
  [ $st -eq 2 ] && grep -q "QGATE_KUSTOMIZE is 'sh': it must be kubectl or kustomize" err.txt &&
    ok || { no "QGATE_KUSTOMIZE: exit $st"; cat err.txt; }
else
  echo "render: Kustomize cases skipped: kubectl is not installed (install it, e.g. apt-get install kubectl or https://kubernetes.io/docs/tasks/tools/)"
  rm -rf deploy/base deploy/overlays
fi

# Helm with the stand-in only: the chart's findings at the template's line
PATH="$STAND_IN:$PATH" "$QGATE" k8s $SEL chart >out.txt 2>err.txt; st=$?
[ $st -eq 1 ] && [ "$(cat out.txt)" = "pss/privileged critical chart/templates/pod.yaml:10:19" ] &&
  ok || { no "chart: exit $st"; cat out.txt err.txt; }
# the chart's files are not scanned as manifests on their own
grep -q 'Chart.yaml\|values.yaml' out.txt err.txt && no "chart files scanned as manifests" || ok
# one chart named twice (relative and absolute): rendered once, neither spelling dropped
PATH="$STAND_IN:$PATH" "$QGATE" k8s --select pss/privileged chart "$tmp/chart" >out.txt 2>&1
grep -q ' 1 object;' out.txt && ok || { no "chart named twice"; cat out.txt; }
# without helm on the PATH: exit 2, naming helm and how to install it
PATH=/nonexistent "$QGATE" k8s chart >out.txt 2>err.txt; st=$?
[ $st -eq 2 ] && grep -q '^qgate: chart/Chart.yaml: error: cannot render this Helm chart: helm is not installed (install Helm 3' err.txt &&
  ok || { no "no helm: exit $st"; cat out.txt err.txt; }
# the chart's settings in .qgate.yml: release, namespace, values files, --set, and one more
# render per ci/*-values.yaml (what both renders find is reported once)
mkdir -p chart/ci && printf 'a: 1\n' >chart/values-prod.yaml && printf 'b: 2\n' >chart/ci/x-values.yaml
printf 'helm:\n  charts:\n    chart:\n      release: web\n      namespace: prod\n      values: [values-prod.yaml]\n      set: ["image.tag=1.2.3"]\n      ci_values: true\n' >.qgate.yml
rm -f helm-args.log
PATH="$STAND_IN:$PATH" "$QGATE" k8s $SEL chart >out.txt 2>err.txt; st=$?
real=$(cd "$tmp" && pwd -P)
sed "s|$real|T|g" helm-args.log >args.txt
printf '%s\n' "template web T/chart --namespace=prod --values=T/chart/values-prod.yaml --set=image.tag=1.2.3" \
  "template web T/chart --namespace=prod --values=T/chart/ci/x-values.yaml" >want.txt
[ $st -eq 1 ] && [ "$(cat out.txt)" = "pss/privileged critical chart/templates/pod.yaml:10:19" ] &&
  diff want.txt args.txt >/dev/null && ok || { no "chart settings: exit $st"; cat out.txt err.txt; diff want.txt args.txt; }
# a values file outside the checkout is refused
printf 'helm:\n  charts:\n    chart:\n      values: [../../../etc/passwd]\n' >.qgate.yml
PATH="$STAND_IN:$PATH" "$QGATE" k8s chart >out.txt 2>err.txt; st=$?
[ $st -eq 2 ] && grep -q "values file '../../../etc/passwd' is not a file inside the checkout" err.txt &&
  ok || { no "values outside: exit $st"; cat err.txt; }
rm -f .qgate.yml
# helm's error: located at Chart.yaml, exit 2
printf 'STAND-IN-FAIL\n' >chart/templates/broken.yaml
PATH="$STAND_IN:$PATH" "$QGATE" k8s chart >out.txt 2>err.txt; st=$?
[ $st -eq 2 ] && grep -q '^qgate: chart/Chart.yaml:1:1: error: cannot render this Helm chart: helm template failed (exit status 1): Error: parse error' err.txt &&
  ok || { no "helm error: exit $st"; cat err.txt; }
# a render that hangs is killed at the timeout (QGATE_RENDER_TIMEOUT): exit 2, never a pass
printf 'STAND-IN-HANG\n' >chart/templates/broken.yaml
start=$(date +%s)
PATH="$STAND_IN:$PATH" QGATE_RENDER_TIMEOUT=1 "$QGATE" k8s chart >out.txt 2>err.txt; st=$?
took=$(($(date +%s) - start))
[ $st -eq 2 ] && [ $took -lt 10 ] && grep -q '^qgate: chart/Chart.yaml: error: cannot render this Helm chart: helm took longer than 1 s and was stopped' err.txt &&
  ok || { no "hang: exit $st after $took s"; cat err.txt; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
