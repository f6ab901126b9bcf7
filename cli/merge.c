/* merge.c: qgate merge, the JSON reports of a sharded run joined into one
 * (reporters/merge.h), then gated and reported as the single run would be. */
#include "cli/internal.h"
#include "core/fs.h"
#include "pipeline/run.h"
#include "reporters/merge.h"
#include "scanners/scanner.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A shard's report may be big (a monorepo's findings), but every report is held in
 * memory at once, parsed (about 4 times its size): the reports together are capped,
 * not each one, so 1,024 shards cannot add up to 1,024 times the cap. 512 MiB is
 * about 700,000 findings. */
#define MERGE_MAX_BYTES ((size_t)512 << 20)

/* Reads every report named; returns QG_EXIT_PASS or the exit status (said). */
static int read_reports(const qg_cli_opts *o, qg_shard_input *in, size_t *nin,
                        const qg_cli_io *io) {
  size_t total = 0; /* the bytes of the reports read so far */
  for (; *nin < o->npaths; (*nin)++) {
    unsigned char *buf = NULL;
    size_t len = 0;
    int err_no = 0;
    const char *path = o->paths[*nin];
    qg_status st = qg_read_all(path, NULL, MERGE_MAX_BYTES - total, &buf, &len, &err_no);
    total += st == QG_OK ? len : 0;
    if (st != QG_OK) {
      qg_cli_errorf(io, "qgate merge: %s: %s", path,
                    st == QG_ENOENT    ? "no such file"
                    : st == QG_ETOOBIG ? "the reports together are larger than 512 MiB"
                                       : qg_fs_strerror(err_no));
      return st == QG_EIO && qg_fs_status(err_no) == QG_EIO ? QG_EXIT_RUNTIME : QG_EXIT_INPUT;
    }
    in[*nin].name = path;
    in[*nin].text = (const char *)buf;
    in[*nin].len = len;
  }
  return QG_EXIT_PASS;
}

/* What the merged shards allow: the badge and --min-score need a score. */
static bool usable(const qg_cli_opts *o, const qg_merged *m, const qg_cli_io *io) {
  for (size_t i = 0; i < o->nformats; i++) {
    if (strcmp(o->formats[i].name, "badge") == 0 && !m->scored) {
      qg_cli_errorf(io, "--format badge shows the quality score: it goes with the shards of "
                        "'qgate scan'");
      return false;
    }
  }
  size_t none = 0;
  if (o->severity && qg_run_hide(&(qg_result){0}, o->severity, false, &none, &none) != QG_OK) {
    qg_cli_errorf(io,
                  "--severity takes a severity (critical, high, medium, low, info: it and above) "
                  "or a comma-separated list of them (exactly those), not '%s'",
                  o->severity);
    return false;
  }
  if (o->min_score >= 0 && !m->scored) {
    qg_cli_errorf(io, "--min-score goes with the shards of 'qgate scan'");
    return false;
  }
  return true;
}

/* The merged run gated and reported. cfg: --comment's and --notify's configuration. */
static int publish(const qg_cli_opts *o, qg_merged *m, qg_config *cfg, bool have_cfg,
                   const qg_cli_io *io) {
  qg_score score;
  if (m->scored) { /* the shards' policy; the command line wins, as in scan */
    qg_score_policy policy = m->policy;
    qg_gate_min_score(&policy, o->min_score);
    qg_score_compute(&policy, &m->signals, &score);
  }
  /* as the single run would: runtime error > input error > gate failure */
  qg_gate gate;
  qg_gate_decide(&m->result, (qg_fail_on){m->fail_on, m->fail_never}, m->scored ? &score : NULL,
                 false, &gate);
  size_t hidden_sev = 0, hidden_base = 0; /* as the single run shows (--severity checked) */
  (void)qg_run_hide(&m->result, o->severity, m->base && !o->show_base, &hidden_sev, &hidden_base);
  qg_report rep = {
      .hidden_severity = hidden_sev,
      .hidden_base = hidden_base,
      .result = &m->result,
      .rules = &m->rules,
      .command = m->command,
      .pss_level = m->pss_level,
      .pss_version = m->pss_version,
      .fail_on = m->fail_on,
      .fail_never = m->fail_never,
      .gate_failed = gate.failed,
      .incomplete = gate.io_error || gate.input_error,
      .color = qg_cli_want_color(o->color, io->out),
      .base = m->base,
      .score = m->scored ? &score : NULL,
      .review = m->reviewed ? &m->review : NULL,
      .threads = qg_scan_threads(o->jobs),
      .sarif_category = o->sarif_category,
  };
  /* the shards' texts were redacted by the shards; what the hosts answer is not */
  qg_secrets *red_owned = NULL;
  qg_ruleset rs_red = {0};
  qg_secrets *red = m->reviewed || o->comment || o->notify
                        ? qg_run_redactor(&red_owned, &rs_red, cfg, have_cfg)
                        : NULL;
  if (m->reviewed) {
    qg_result log;
    qg_result_init(&log);
    qg_run_review_summary(&m->review, red, &log);
    qg_cli_print_log(io, &log);
    qg_result_cleanup(&log);
  }
  cfg->score = m->policy; /* the shards' policy: its high-findings limit */
  qg_cli_publish p = {
      .o = o,
      .rep = &rep,
      .cfg = cfg,
      .policy = m->scored ? &cfg->score : NULL,
      .outputs = rep.score != NULL,
      .redactor = red,
      .gate = &gate,
      .review_failed = m->review_failed,
  };
  int status = qg_cli_publish_run(&p, io);
  qg_secrets_free(&red_owned);
  qg_ruleset_cleanup(&rs_red);
  return status;
}

int qg_cli_cmd_merge(int argc, char **argv, const qg_cli_io *io) {
  qg_cli_opts o = {0};
  o.allowed = qg_cli_merge_opts;
  o.nallowed = qg_cli_nmerge_opts;
  qg_merged m;
  memset(&m, 0, sizeof(m));
  bool merged = false, have_cfg = false;
  qg_config cfg;
  qg_config_init(&cfg);
  qg_shard_input *in = NULL;
  size_t nin = 0;
  int status;
  if (!qg_cli_start(argc, argv, &o, qg_cli_usage_merge, &status, io) ||
      !qg_cli_formats_known(&o, io))
    goto out;
  if (o.comment || o.notify) {
    qg_result log;
    qg_result_init(&log);
    qg_status cst = qg_run_load_config(o.config, o.profile, &cfg, &have_cfg, &log);
    qg_cli_print_log(io, &log);
    qg_result_cleanup(&log);
    if (cst != QG_OK)
      goto out;
  }
  if (!o.npaths) {
    qg_cli_errorf(io, "qgate merge: give the JSON report of every shard (qgate merge s1.json "
                      "s2.json ...)");
    goto out;
  }
  in = qg_xcalloc(o.npaths, sizeof(*in));
  if ((status = read_reports(&o, in, &nin, io)) != QG_EXIT_PASS)
    goto out;
  status = QG_EXIT_INPUT;
  char *why = NULL;
  merged = true;
  if (qg_merge(in, nin, &m, &why) != QG_OK) {
    qg_cli_errorf(io, "qgate merge: %s", why ? why : "");
    free(why);
    goto out;
  }
  if (usable(&o, &m, io))
    status = publish(&o, &m, &cfg, have_cfg, io);
out:
  qg_config_cleanup(&cfg);
  if (merged)
    qg_merged_cleanup(&m);
  for (size_t i = 0; i < nin; i++)
    free((void *)(uintptr_t)in[i].text);
  free(in);
  qg_cli_free_opts(&o);
  return status;
}
