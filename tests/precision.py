#!/usr/bin/env python3
"""precision.py: proves that de-duplication lost no finding (issue 20).

Usage: tests/precision.py rules/k8s.def BEFORE.json AFTER.json
  rules/k8s.def: the new rows (their "former:<id>" aliases);
  BEFORE/AFTER: `qgate k8s --format json PATHS` of the old and the new binary.

Every (object, container, field) reported before must still be reported after,
by some rule, with no lower severity. A before finding is covered by an after
finding of the same object and container when:
  - the field is the same (a hardening rule quiet where its PSS pair reports);
  - the after rule names the before rule as "former:<id>" and its message names
    that part ("CPU limit", "readiness"): the merged resources and probe rules;
  - the after field lies inside the before field (a missing securityContext,
    covered by a PSS finding on a field inside it);
  - it is a pod-level k8s/security-context-missing and every container's own
    securityContext, read from the manifest (PyYAML), sets a non-root user
    (runAsNonRoot: true or a non-zero runAsUser) and a RuntimeDefault or
    Localhost seccomp profile: what a pod securityContext would give them.
Prints the counts (findings, objects, per object, the fall) and every finding
not covered; exits 1 when one is not covered or is covered only at a lower severity.
"""
import json
import re
import sys

SEV = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
PART = {"cpu-requests": "CPU request", "cpu-limits": "CPU limit",
        "memory-requests": "memory request", "memory-limits": "memory limit",
        "liveness-probe": "liveness", "readiness-probe": "readiness"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def obj_key(f):
    o = f.get("object") or {}
    return (f["path"], o.get("apiVersion"), o.get("kind"), o.get("namespace"), o.get("name"),
            f.get("container"))


def part_label(old_id):
    slug = old_id.split("/", 1)[1]
    return PART.get(slug[:-len("-missing")] if slug.endswith("-missing") else slug)


_docs = {}


def containers_cover(f):
    """Does every container of f's object set what the pod context would?"""
    import yaml  # only needed for this case
    if f["path"] not in _docs:
        with open(f["path"], encoding="utf-8") as fh:
            _docs[f["path"]] = [d for d in yaml.safe_load_all(fh) if isinstance(d, dict)]
    o = f.get("object") or {}
    for d in _docs[f["path"]]:
        md = d.get("metadata") or {}
        if d.get("kind") != o.get("kind") or md.get("name") != o.get("name"):
            continue
        spec = d
        for path in ("spec.jobTemplate.spec.template.spec", "spec.template.spec", "spec"):
            n = d
            for k in path.split("."):
                n = n.get(k) if isinstance(n, dict) else None
            if isinstance(n, dict) and "containers" in n:
                spec = n
                break
        ctrs = [c for k in ("initContainers", "containers", "ephemeralContainers")
                for c in spec.get(k) or []]
        def ok(c):
            sc = c.get("securityContext") or {}
            uid = sc.get("runAsUser")
            nonroot = sc.get("runAsNonRoot") is True or (isinstance(uid, int) and uid > 0)
            sp = (sc.get("seccompProfile") or {}).get("type")
            return nonroot and sp in ("RuntimeDefault", "Localhost")
        return bool(ctrs) and all(ok(c) for c in ctrs)
    return False


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    before, after = load(sys.argv[2]), load(sys.argv[3])
    former = {}
    for row in re.split(r"\nQG_K8S\(", text)[1:]:
        rid = re.match(r'"([^"]+)"', row).group(1)
        for old in re.findall(r"former:([a-z0-9/-]+)", row):
            former[old] = rid
    by_obj = {}
    for f in after["findings"]:
        by_obj.setdefault(obj_key(f), []).append(f)
    lost = lowered = by_ctrs = 0
    for b in before["findings"]:
        field = b.get("field") or ""
        best = -1
        for a in by_obj.get(obj_key(b), []):
            af = a.get("field") or ""
            ok = af == field or (field and af.startswith(field + "."))
            if not ok and former.get(b["rule"]) == a["rule"]:
                label = part_label(b["rule"])
                ok = label is not None and label in a["message"]
            if ok:
                best = max(best, SEV[a["severity"]])
        if best < 0 and b["rule"] == "k8s/security-context-missing" and not b.get("container") \
                and containers_cover(b):
            by_ctrs += 1
            continue
        if best < 0:
            lost += 1
            print("LOST %s %s:%s %s %s" % (b["rule"], b["path"], b["line"], b.get("container"), field))
        elif best < SEV[b["severity"]]:
            lowered += 1
            print("LOWER %s %s:%s %s %s" % (b["rule"], b["path"], b["line"], b.get("container"), field))
    nb, na = len(before["findings"]), len(after["findings"])
    ob, oa = before["summary"]["objects"], after["summary"]["objects"]
    print("before: %d findings, %d objects, %.3f per object" % (nb, ob, nb / ob))
    print("after:  %d findings, %d objects, %.3f per object" % (na, oa, na / oa))
    print("fall:   %.1f%% per object; %d lost, %d at a lower severity; %d pod-level "
          "security-context-missing covered by every container's own" %
          (100.0 * (1 - (na / oa) / (nb / ob)), lost, lowered, by_ctrs))
    return 1 if lost or lowered else 0


if __name__ == "__main__":
    sys.exit(main())
