/* config.h: .qgate.yml, parsed strictly: an unknown key, a wrong type or a
 * bad value is an error at its file:line:col, and every error is reported.
 *
 *   pss: {level: restricted, version: v1.30}
 *   fail_on: high
 *   rules:
 *     select: [pss, k8s]          # only these (like --select)
 *     ignore: [k8s/single-replica] # switch off (like --ignore)
 *     enable: [k8s/image-not-pinned]
 *     severity: {k8s/latest-tag: high}
 *   exclude: [vendor/, "*.generated.yaml"]   # gitignore syntax
 *   exemptions:
 *     - namespaces: [kube-system]  # globs
 *       objects: [DaemonSet/monitoring/node-exporter]  # Kind/name or Kind/ns/name
 *       rules: [pss/host-namespaces]   # default: every rule
 *       reason: node agent
 *   profiles:
 *     production: {fail_on: medium}   # pss, fail_on, rules, exclude, exemptions, score
 *   score:                          # the quality score (qgate scan)
 *     thresholds: {approve: 85, review: 70}
 *     unmeasured: normalise         # or zero: unmeasured points are lost
 *     criteria:                     # points and thresholds; 0 points = off
 *       coverage: {points: 15, min: 80}
 *       high: {points: 10, max: 3, severities: [high]}
 *       build_time: {max_seconds: 300}
 *       lint: 0                     # shorthand for {points: 0}
 *   signals:                        # other tools' reports (relative to this file)
 *     sarif: [reports/golangci.sarif]
 *     coverage: [coverage.out]
 *     metrics: [build-metrics.json]
 *     readme: ["README*", docs/]    # gitignore-style globs over the changed files
 *     api: [api/, "*.proto"]
 *     openapi: ["openapi*.yaml", "openapi*.json", "swagger*.yaml"]
 *   review:                         # the architecture review (qgate review, qgate scan)
 *     provider: openai                # anthropic, bedrock; QGATE_LLM_PROVIDER wins
 *     model: gpt-4o-mini              # QGATE_LLM_MODEL wins
 *     base_url: https://llm.internal/v1   # gateways, self-hosted; QGATE_LLM_BASE_URL wins
 *     api_key_env: LLM_KEY            # the variable holding the key (never the key itself)
 *     # (provider, model, base_url, api_key_env, region and cache_dir are read only from
 *     #  a trusted file: see "Trust" below and SECURITY.md)
 *     documents: [ARCHITECTURE.md, docs/adr/]
 *     min_confidence: 0.8
 *     chunk_tokens: 16000             # one request's budget; max_requests, max_tokens per run
 *     context_lines: 3                # unchanged lines shown around each hunk (1 to 20)
 *     incremental: false              # true: only the files changed since QGATE_REVIEW_SINCE
 *     timeout: 120                    # seconds; connect_timeout, retries, parallel
 *     cache_dir: .qgate-cache         # or off
 *     required: false                 # true: a review that cannot run fails (exit status 3)
 *   custom_rules:
 *     - id: custom/memory-limit
 *       title: Containers must set a memory limit
 *       severity: medium
 *       kinds: [Deployment, StatefulSet]     # default: every object
 *       container: resources.limits.memory   # checked in every container
 *       # or path: spec.template.spec.priorityClassName (from the object)
 *       required: true        # or forbidden: true, one_of: [...], not_one_of: [...]
 *       remediation: Set resources.limits.memory.
 *     - id: custom/internal-token       # a secret rule: run by 'qgate secrets'
 *       title: Internal API token
 *       severity: high
 *       regex: '\b(itk_[A-Za-z0-9]{32})\b'   # PCRE2
 *       group: 1                      # the capture group holding the secret (default 0)
 *       keywords: [itk_]              # the regex runs only on files holding one
 *       min_entropy: 3.0
 *   pod_templates:                  # custom resources whose pod is checked as a Deployment's
 *     - apiVersion: serving.knative.dev/v1   # or the group alone: every version
 *       kind: Service
 *       template: spec.template       # the pod template (its spec and metadata)
 *     - apiVersion: example.com
 *       kind: PodRunner
 *       spec: spec.pod                # or the pod spec; metadata: PATH optional
 *   helm:                           # how charts are rendered (helm template)
 *     charts:
 *       charts/web:                   # the chart's directory, relative to this file
 *         release: web                # default release-name
 *         namespace: prod
 *         values: [values-prod.yaml]  # relative to the chart, inside the checkout
 *         set: ["image.tag=1.2.3"]
 *         ci_values: true             # also render each ci/ *-values.yaml
 *
 * Trust (SECURITY.md). The scanned repository's own configuration (.qgate.yml,
 * or a --config file inside the checkout) is untrusted: it sets the policy
 * (pss, fail_on, rules, exclude, exemptions, score, custom_rules, pod_templates, comment,
 * review.documents/exclude/min_confidence/...), but not where data and
 * credentials go. Loaded untrusted (qg_config_set_untrusted), the settings
 * that name an endpoint, a credential variable or a written path
 * (review.provider, model, base_url, api_key_env, region, cache_dir) are
 * ignored with a warning at their position; the review's budgets
 * (chunk_tokens, max_requests, max_tokens, max_output_tokens, parallel,
 * connect_timeout, timeout, retries) may only be lowered below the defaults;
 * and the paths it names (signals.sarif/coverage/metrics, review.documents)
 * must stay inside the checkout, links resolved, or they are ignored with a
 * warning. None of this is an error: a committed policy keeps working.
 */
#ifndef QG_CONFIG_H
#define QG_CONFIG_H

#include "core/cfgval.h"
#include "core/finding.h"
#include "review/settings.h"
#include "rules/rule.h"
#include "scanners/policy.h"
#include "scanners/render.h"
#include "scoring/score.h"

#include <stdbool.h>

typedef struct qg_config {
  char *path; /* owned: the file read, or NULL when there is none */
  char *root; /* owned: the configuration's directory (absolute), or NULL for a buffer */
  qg_cfgstr pss_level, pss_version, fail_on; /* s == NULL when unset */
  qg_cfgstr kube_version; /* kube_version: the target Kubernetes release; s == NULL when unset */
  qg_cfglist select, ignore, enable;
  qg_cfglist sev_ids, sev_values; /* parallel lists */
  qg_scan_policy scan;            /* exclude, exemptions, custom_rules (scanners/policy.h); its root
                          and cwd_rel are set with root */
  qg_score_policy score;          /* the design documents' policy, with score: applied */
  qg_cfglist sarif_in, coverage_in, metrics_in;      /* signals: absolute or relative to root */
  qg_cfglist readme_globs, api_globs, openapi_globs; /* empty: the defaults */
  qg_review_config review;     /* the architecture review (review/settings.h) */
  bool comment_verdict;        /* comment.verdict: approve/request changes on the request */
  bool complete_input;         /* complete_input: the input is the whole namespace
                                  (scanners/k8s/input.h) */
  unsigned comment_max_inline; /* comment.max_inline; 0: the default (30) */
  char *comment_id;            /* owned: comment.id, the name qgate's comment markers carry, joined
                       with the command ("shop" -> "shop-k8s"), so that one file's jobs keep
                       apart; 1 to 48 letters, digits, '.', '_', '-', the first a letter or
                       a digit; NULL: unset (--comment-id wins over it) */
  qg_render_charts helm;       /* helm.charts: how each chart is rendered (scanners/render.h) */
  bool untrusted;              /* the scanned repository's own file (qg_config_set_untrusted) */
  char *checkout;              /* owned: the checkout's real path when untrusted, else NULL */
} qg_config;

void qg_config_init(qg_config *c);
void qg_config_cleanup(qg_config *c);

/* Is the configuration file at path trusted? checkout is the repository
 * root (the git work tree holding the current directory, else the current
 * directory). Trusted when path, resolved from the current directory one
 * component at a time, follows no link that lies inside the checkout and
 * ends at a file outside it; so a file in the checkout, a link in the
 * checkout to a file elsewhere, and a path that merely passes through the
 * checkout are all untrusted. Untrusted too when anything cannot be resolved
 * (fails closed). */
bool qg_config_path_trusted(const char *path, const char *checkout);

/* Marks c, before qg_config_load, as the scanned repository's own
 * configuration: see "Trust" above. checkout (copied) is the repository root
 * its paths must stay in; it is resolved (realpath) here. */
void qg_config_set_untrusted(qg_config *c, const char *checkout);

/* Reads path (profile may be NULL). Errors go to r's diagnostics as
 * QG_ECONFIG errors with positions; returns QG_OK, QG_ECONFIG (the file is
 * invalid), QG_ENOENT or QG_EIO. */
qg_status qg_config_load(qg_config *c, const char *path, const char *profile, qg_result *r);
/* The same for text in memory labelled `label` (tests and fuzzers): the
 * configuration has no root, so excludes match nothing and signal paths stay
 * as written. Returns QG_OK or QG_ECONFIG. */
qg_status qg_config_load_buffer(qg_config *c, const char *label, const char *buf, size_t len,
                                const char *profile, qg_result *r);

/* Adds the custom rules to rs and applies select/ignore/enable/severity.
 * Unknown rule ids are QG_ECONFIG errors at their position. */
qg_status qg_config_apply_rules(const qg_config *c, qg_ruleset *rs, qg_result *r);

#endif
