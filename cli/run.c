/* run.c: qgate scan, k8s, secrets and review: the options to the pipeline
 * (pipeline/run.h), its log to standard error as it arises, then what follows the gate
 * (publish.c). */
#include "cli/internal.h"
#include "pipeline/run.h"
#include "scanners/scanner.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What only the command line can get wrong: the formats, --shard's company. */
static bool usable(const qg_cli_opts *o, qg_run_mode mode, const qg_cli_io *io) {
  if (!qg_cli_formats_known(o, io))
    return false;
  for (size_t i = 0; i < o->nformats; i++) {
    if (strcmp(o->formats[i].name, "badge") == 0 && mode != QG_RUN_SCAN) {
      qg_cli_errorf(io, "--format badge shows the quality score: it goes with 'qgate scan'");
      return false;
    }
  }
  if (o->shard_count && mode == QG_RUN_REVIEW) {
    qg_cli_errorf(io, "--shard splits the files of a scan: it goes with scan, k8s and secrets");
    return false;
  }
  if (o->shard_count && (o->comment || o->notify)) {
    qg_cli_errorf(io,
                  "--%s with --shard would speak for one part of the files: pass it to 'qgate "
                  "merge'",
                  o->comment ? "comment" : "notify");
    return false;
  }
  if (o->shard_count) {
    bool json_file = false;
    for (size_t i = 0; i < o->nformats; i++)
      json_file |= !strcmp(o->formats[i].name, "json") && o->formats[i].file;
    if (!json_file)
      qg_cli_warnf(io,
                   "--shard %u/%u without --format json=FILE: 'qgate merge' joins the shards' "
                   "JSON reports",
                   o->shard_index, o->shard_count);
  }
  return true;
}

static qg_run_opts run_opts(const qg_cli_opts *o, qg_run_mode mode, const qg_cli_io *io) {
  qg_run_opts ro = {
      .mode = mode,
      .config = o->config,
      .profile = o->profile,
      .pss_level = o->pss_level,
      .pss_version = o->pss_version,
      .kube_version = o->kube_version,
      .fail_on = o->fail_on,
      .base = o->base,
      .rev = o->rev,
      .review_deadline = o->review_deadline,
      .min_score = o->min_score,
      .select = o->select,
      .ignore = o->ignore,
      .nselect = o->nselect,
      .nignore = o->nignore,
      .sarif_in = o->sarif_in,
      .coverage = o->coverage,
      .metrics = o->metrics,
      .nsarif_in = o->nsarif_in,
      .ncoverage = o->ncoverage,
      .nmetrics = o->nmetrics,
      .paths = o->paths,
      .npaths = o->npaths,
      .max_file_size = o->max_file_size,
      .jobs = o->jobs,
      .shard_index = o->shard_index,
      .shard_count = o->shard_count,
      .no_gitignore = o->no_gitignore,
      .exclude = o->exclude,
      .nexclude = o->nexclude,
      .severity = o->severity,
      .show_base = o->show_base,
      .allow_no_objects = o->allow_no_objects,
      .complete_input = o->complete_input,
      .fix = o->fix,
      .dry_run = o->dry_run,
      .redact_all = o->comment != NULL,
      .in = io->in,
      .dry_run_out = io->out,
      /* the diff keeps off standard output: that is the report's (--format json) */
      .fix_level = o->fix_all ? QG_FIX_LEVEL_ALL : QG_FIX_LEVEL_SAFE,
      .fix_diff_out = o->fix && o->dry_run ? io->err : NULL,
  };
  return ro;
}

bool qg_cli_want_color(const char *when, FILE *out) {
  const char *nc = getenv("NO_COLOR");
  if (nc && *nc)
    return false;
  if (when && strcmp(when, "always") == 0)
    return true;
  if (when && strcmp(when, "never") == 0)
    return false;
  int fd = fileno(out);
  const char *term = getenv("TERM");
  return fd >= 0 && isatty(fd) && !(term && strcmp(term, "dumb") == 0);
}

static int cmd_run(int argc, char **argv, const qg_cli_io *io, qg_run_mode mode) {
  static void (*const usage[])(FILE *) = {qg_cli_usage_k8s, qg_cli_usage_secrets, qg_cli_usage_scan,
                                          qg_cli_usage_review};
  qg_cli_opts o = {0};
  int status;
  if (!qg_cli_start(argc, argv, &o, usage[mode], &status, io) || !usable(&o, mode, io)) {
    qg_cli_free_opts(&o);
    return status;
  }
  qg_run_opts ro = run_opts(&o, mode, io);
  /* the log printed as it arises (a configuration warning before a slow review) */
  qg_cli_io log_io = *io;
  ro.on_log = qg_cli_log_listener;
  ro.on_log_arg = &log_io;
  if (o.dry_run && mode == QG_RUN_REVIEW) /* the review's requests, to standard output */
    qg_cli_guard_stdout(io, false);
  qg_run_out out;
  static const char *const commands[] = {"k8s", "secrets", "scan", "review"};
  qg_cli_since since = {&o, &out.cfg, commands[mode]};
  ro.last_reviewed = qg_cli_last_reviewed;
  ro.last_reviewed_ud = &since;
  qg_status st = qg_run(&ro, &out);
  if (st != QG_OK) {
    status = qg_run_stop_status(st);
  } else {
    qg_report rep;
    qg_run_report(&out, mode, &rep);
    rep.color = qg_cli_want_color(o.color, io->out);
    rep.threads = qg_scan_threads(o.jobs);
    rep.sarif_category = o.sarif_category;
    qg_cli_publish p = {
        .o = &o,
        .rep = &rep,
        .cfg = &out.cfg,
        .policy = mode == QG_RUN_SCAN ? &out.cfg.score : NULL,
        .outputs = rep.score && !o.shard_count, /* a shard's score is partial */
        .redactor = out.redactor,
        .gate = &out.gate,
        .review_failed = out.review_failed,
        .reviewed_head = out.reviewed_head,
        .arch_scoped = out.arch_scoped,
        .arch_paths = (const char *const *)out.arch_paths,
        .narch_paths = out.narch_paths,
    };
    status = qg_cli_publish_run(&p, io);
  }
  qg_run_out_cleanup(&out);
  qg_cli_free_opts(&o);
  return status;
}

int qg_cli_cmd_k8s(int argc, char **argv, const qg_cli_io *io) {
  return cmd_run(argc, argv, io, QG_RUN_K8S);
}

int qg_cli_cmd_secrets(int argc, char **argv, const qg_cli_io *io) {
  return cmd_run(argc, argv, io, QG_RUN_SECRETS);
}

int qg_cli_cmd_scan(int argc, char **argv, const qg_cli_io *io) {
  return cmd_run(argc, argv, io, QG_RUN_SCAN);
}

int qg_cli_cmd_review(int argc, char **argv, const qg_cli_io *io) {
  return cmd_run(argc, argv, io, QG_RUN_REVIEW);
}
