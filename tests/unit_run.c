/* unit_run.c: the pipeline without the command line (pipeline/run.h,
 * scoring/gate.h). qg_run on a small tree in a temporary directory: the
 * exact findings, score and decision; the approval held on an input error;
 * --min-score; a run that stops says why in its log and nothing else; the
 * log handed to a listener as it arises; and the one --fail-on parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/git.h"
#include "core/mem.h"
#include "scoring/gate.h"
#include "pipeline/run.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[PATH_MAX];
static char g_cwd[PATH_MAX];

static const char k_privileged[] =
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata: {name: p}\n"
    "spec:\n"
    "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n"
    "  containers: [{name: a, image: \"app:1\", securityContext: {privileged: true, "
    "allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]\n";

static const char k_latest[] = "apiVersion: v1\n"
                               "kind: Pod\n"
                               "metadata:\n"
                               "  name: img\n"
                               "spec:\n"
                               "  containers:\n"
                               "    - name: a\n"
                               "      image: nginx:latest\n"
                               "    - name: b\n"
                               "      image: registry:5000/team/app:latest\n";

static void put(const char *name, const char *text) {
  FILE *f = fopen(name, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **state) {
  (void)state;
  /* no CI, no model, no hook: what the environment could add is not this test's */
  static const char *const vars[] = {
      "GITHUB_EVENT_PATH",  "GITHUB_EVENT_NAME", "CI_MERGE_REQUEST_DIFF_BASE_SHA",
      "QGATE_LLM_PROVIDER", "QGATE_HOOK",        "QGATE_CONFIG"};
  for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
    unsetenv(vars[i]);
  char tmpl[] = "/tmp/qgate-run-XXXXXX";
  if (!getcwd(g_cwd, sizeof(g_cwd)) || !mkdtemp(tmpl) || !realpath(tmpl, g_dir) ||
      chdir(g_dir) != 0)
    return -1;
  qg_git_global_init();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  static const char *const files[] = {"pod.yaml", "latest.yaml", "ok.yaml", "bad.yaml",
                                      ".qgate.yml"};
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
    (void)remove(files[i]);
  qg_git_global_cleanup();
  return chdir(g_cwd) || rmdir(g_dir);
}

/* A run of mode over path with --select select (NULL: every rule). */
static qg_run_opts opts_for(qg_run_mode mode, const char *const *path, const char *const *select) {
  qg_run_opts o = {0};
  o.mode = mode;
  o.min_score = -1;
  o.paths = path;
  o.npaths = 1;
  o.select = select;
  o.nselect = select ? 1 : 0;
  o.jobs = 1;
  o.in = stdin;
  o.dry_run_out = stdout;
  return o;
}

static void assert_finding(const qg_finding *f, const char *rule, qg_severity sev, const char *path,
                           uint32_t line, uint32_t col) {
  assert_string_equal(f->rule->id, rule);
  assert_int_equal(f->severity, sev);
  assert_string_equal(f->loc.path, path);
  assert_int_equal(f->loc.line, line);
  assert_int_equal(f->loc.col, col);
}

static void test_scan_scores_and_rejects(void **state) {
  (void)state;
  put("pod.yaml", k_privileged);
  static const char *const path[] = {"pod.yaml"}, *const sel[] = {"pss"};
  qg_run_opts o = opts_for(QG_RUN_SCAN, path, sel);
  qg_run_out out;
  assert_int_equal(qg_run(&o, &out), QG_OK);
  assert_int_equal(out.log.diags.n, 0);
  assert_int_equal(out.result.findings.n, 1);
  assert_finding(&out.result.findings.items[0], "pss/privileged", QG_SEV_CRITICAL, "pod.yaml", 6,
                 72);
  assert_true(out.scored);
  assert_int_equal(out.score.total, 40); /* 10 of 25: critical 0 of 15, high 10 */
  assert_int_equal(out.score.decision, QG_DECISION_REJECT);
  assert_true(out.gate.failed);
  assert_false(out.gate.input_error || out.gate.io_error);
  qg_gate_after after = {0};
  assert_int_equal(qg_gate_exit_status(&out.gate, &after), QG_EXIT_FAIL);
  after.comments_incomplete = true; /* issue 19: comments never change the status */
  assert_int_equal(qg_gate_exit_status(&out.gate, &after), QG_EXIT_FAIL);
  after.host_usage = true; /* an input error wins over the gate */
  assert_int_equal(qg_gate_exit_status(&out.gate, &after), QG_EXIT_INPUT);
  after.write_failed = true; /* and a runtime error over both */
  assert_int_equal(qg_gate_exit_status(&out.gate, &after), QG_EXIT_RUNTIME);
  qg_report rep;
  qg_run_report(&out, QG_RUN_SCAN, &rep);
  assert_string_equal(rep.command, "scan");
  assert_string_equal(rep.pss_level, "restricted");
  assert_ptr_equal(rep.score, &out.score);
  assert_true(rep.gate_failed);
  assert_null(rep.base);
  qg_run_out_cleanup(&out);

  o.min_score = 40; /* the command line wins over the policy: review, which passes */
  assert_int_equal(qg_run(&o, &out), QG_OK);
  assert_int_equal(out.score.total, 40);
  assert_int_equal(out.score.decision, QG_DECISION_REVIEW);
  assert_false(out.gate.failed);
  qg_gate_after none = {0};
  assert_int_equal(qg_gate_exit_status(&out.gate, &none), QG_EXIT_PASS);
  none.comments_incomplete = true;
  assert_int_equal(qg_gate_exit_status(&out.gate, &none), QG_EXIT_PASS);
  qg_run_out_cleanup(&out);
}

static void test_k8s_fails_on_severity(void **state) {
  (void)state;
  put("latest.yaml", k_latest);
  static const char *const path[] = {"latest.yaml"}, *const sel[] = {"k8s/latest-tag"};
  qg_run_opts o = opts_for(QG_RUN_K8S, path, sel);
  qg_run_out out;
  assert_int_equal(qg_run(&o, &out), QG_OK);
  assert_int_equal(out.result.findings.n, 2);
  assert_finding(&out.result.findings.items[0], "k8s/latest-tag", QG_SEV_MEDIUM, "latest.yaml", 8,
                 14);
  assert_finding(&out.result.findings.items[1], "k8s/latest-tag", QG_SEV_MEDIUM, "latest.yaml", 10,
                 14);
  assert_false(out.scored);
  assert_true(out.gate.failed); /* medium >= low, the default */
  qg_run_out_cleanup(&out);

  o.fail_on = "high"; /* medium findings under --fail-on high pass */
  assert_int_equal(qg_run(&o, &out), QG_OK);
  assert_int_equal(out.result.findings.n, 2);
  assert_false(out.gate.failed);
  assert_int_equal(out.fail_on.min, QG_SEV_HIGH);
  qg_run_out_cleanup(&out);

  o.fail_on = "none";
  assert_int_equal(qg_run(&o, &out), QG_OK);
  assert_true(out.fail_on.never);
  assert_false(out.gate.failed);
  qg_run_out_cleanup(&out);
}

static void test_input_error_holds_approval(void **state) {
  (void)state;
  put("ok.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\ndata: {a: \"1\"}\n");
  put("bad.yaml", "apiVersion: v1\nkind: Pod\na: [\n"); /* a manifest that does not parse */
  static const char *const path[] = {"."};
  qg_run_opts o = opts_for(QG_RUN_SCAN, path, NULL);
  qg_run_out out;
  /* only ok.yaml and bad.yaml: the other tests' files are gone */
  (void)remove("pod.yaml");
  (void)remove("latest.yaml");
  assert_int_equal(qg_run(&o, &out), QG_OK);
  assert_int_equal(out.result.findings.n, 0);
  assert_int_equal(out.result.diags.n, 1);
  assert_string_equal(out.result.diags.items[0].loc.path, "bad.yaml");
  assert_int_equal(out.result.diags.items[0].loc.line, 4);
  assert_int_equal(out.score.total, 100);
  assert_int_equal(out.score.decision, QG_DECISION_REVIEW); /* held: not approve */
  assert_true(out.score.held);
  assert_true(out.gate.input_error);
  assert_false(out.gate.failed);
  qg_gate_after none = {0};
  assert_int_equal(qg_gate_exit_status(&out.gate, &none), QG_EXIT_INPUT);
  qg_run_out_cleanup(&out);
  (void)remove("bad.yaml");
  (void)remove("ok.yaml");
}

static void test_stop_says_why(void **state) {
  (void)state;
  static const char *const path[] = {"."}, *const sel[] = {"no-such-group"};
  qg_run_opts o = opts_for(QG_RUN_K8S, path, sel);
  qg_run_out out;
  qg_status st = qg_run(&o, &out);
  assert_int_not_equal(st, QG_OK);
  assert_int_equal(qg_run_stop_status(st), QG_EXIT_INPUT);
  assert_int_equal(out.log.diags.n, 1);
  const qg_diag *d = &out.log.diags.items[0];
  assert_int_equal(d->level, QG_DIAG_ERROR);
  assert_int_equal(d->status, QG_OK); /* a sentence of its own, not a place */
  assert_null(d->loc.path);
  assert_string_equal(d->message, "--select: no rule or group 'no-such-group' (see 'qgate rules')");
  qg_run_out_cleanup(&out);

  o = opts_for(QG_RUN_K8S, path, NULL);
  o.fail_on = "sometimes";
  assert_int_not_equal(qg_run(&o, &out), QG_OK);
  assert_int_equal(out.log.diags.n, 1);
  assert_string_equal(out.log.diags.items[0].message,
                      "--fail-on takes critical, high, medium, low, info or none, not "
                      "'sometimes'");
  qg_run_out_cleanup(&out);
}

/* What the listener heard: each message, how long the log was and how much of the
 * fixes' diff was written when it came. */
typedef struct heard {
  const qg_run_out *out;
  FILE *dry;
  size_t n;
  char *msg[8];
  size_t log_len[8];
  long dry_at[8];
} heard;

static void listen(void *arg, const qg_diag *d) {
  heard *h = arg;
  assert_true(h->n < 8);
  h->msg[h->n] = qg_xstrdup(d->message);
  h->log_len[h->n] = h->out->log.diags.n;
  h->dry_at[h->n] = ftell(h->dry);
  h->n++;
}

static void test_log_streams(void **state) {
  (void)state;
  /* the repository's own configuration names a base URL: a warning, when the file
   * is read; then --fix --dry-run writes its diff; then the risky fix's warning and
   * the fixes' note */
  put(".qgate.yml", "review:\n  base_url: https://llm.example/v1\n");
  put("pod.yaml", k_privileged);
  static const char *const path[] = {"pod.yaml"}, *const sel[] = {"pss"};
  qg_run_opts o = opts_for(QG_RUN_K8S, path, sel);
  char *dry_text = NULL;
  size_t dry_len = 0;
  FILE *dry = open_memstream(&dry_text, &dry_len);
  assert_non_null(dry);
  o.fix = o.dry_run = true;
  o.fix_level = QG_FIX_LEVEL_ALL; /* privileged: false is a risky fix */
  o.fix_diff_out = dry;
  qg_run_out out;
  heard h = {.out = &out, .dry = dry};
  o.on_log = listen;
  o.on_log_arg = &h;
  assert_int_equal(qg_run(&o, &out), QG_OK);
  fclose(dry);
  /* every message, in order, each the moment it was added */
  assert_int_equal(h.n, out.log.diags.n);
  assert_int_equal(h.n, 3);
  for (size_t i = 0; i < h.n; i++) {
    assert_string_equal(h.msg[i], out.log.diags.items[i].message);
    assert_int_equal(h.log_len[i], i + 1);
  }
  assert_string_equal(out.log.diags.items[0].loc.path, "./.qgate.yml");
  assert_int_equal(h.dry_at[0], 0); /* before the diff */
  assert_string_equal(h.msg[1], "pod.yaml: Pod p, container \"a\": risky fix would be applied: "
                                "Set privileged: false: what the container does with the "
                                "host's devices, mounts or kernel settings stops working");
  assert_int_equal(out.log.diags.items[1].level, QG_DIAG_WARNING);
  assert_int_equal(h.dry_at[1], (long)dry_len); /* after it */
  assert_string_equal(h.msg[2], "would apply 1 fix in 1 file");
  assert_int_equal(h.dry_at[2], (long)dry_len);
  assert_true(dry_len > 0);
  for (size_t i = 0; i < h.n; i++)
    free(h.msg[i]);
  free(dry_text);
  qg_run_out_cleanup(&out);
  (void)remove(".qgate.yml");
  (void)remove("pod.yaml");
}

static void test_fail_on_parser(void **state) {
  (void)state;
  qg_fail_on f = QG_FAIL_ON_DEFAULT;
  assert_int_equal(f.min, QG_SEV_LOW);
  assert_false(f.never);
  assert_int_equal(qg_gate_parse_fail_on("High", &f), QG_OK);
  assert_int_equal(f.min, QG_SEV_HIGH);
  assert_false(f.never);
  assert_int_equal(qg_gate_parse_fail_on("NONE", &f), QG_OK);
  assert_true(f.never);
  assert_int_equal(qg_gate_parse_fail_on("info", &f), QG_OK);
  assert_int_equal(f.min, QG_SEV_INFO);
  assert_false(f.never);
  assert_int_equal(qg_gate_parse_fail_on("never", &f), QG_OK);
  assert_true(f.never);
  f = QG_FAIL_ON_DEFAULT;
  assert_int_equal(qg_gate_parse_fail_on("nonee", &f), QG_EUSAGE);
  assert_int_equal(qg_gate_parse_fail_on("", &f), QG_EUSAGE);
  assert_int_equal(qg_gate_parse_fail_on(NULL, &f), QG_EUSAGE);
  assert_int_equal(f.min, QG_SEV_LOW); /* left alone */
  assert_false(f.never);

  qg_score_policy p;
  qg_score_policy_default(&p);
  qg_gate_min_score(&p, -1);
  assert_int_equal(p.review, 70);
  assert_int_equal(p.approve, 85);
  qg_gate_min_score(&p, 90); /* approve no lower than N */
  assert_int_equal(p.review, 90);
  assert_int_equal(p.approve, 90);
  qg_gate_min_score(&p, 40);
  assert_int_equal(p.review, 40);
  assert_int_equal(p.approve, 90);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scan_scores_and_rejects),
      cmocka_unit_test(test_k8s_fails_on_severity),
      cmocka_unit_test(test_input_error_holds_approval),
      cmocka_unit_test(test_stop_says_why),
      cmocka_unit_test(test_log_streams),
      cmocka_unit_test(test_fail_on_parser),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
