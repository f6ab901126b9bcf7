/* publish.c: what follows the gate, the same for a run and a merge: the
 * result's diagnostics, the reports, the GitHub Actions outputs, the comments,
 * the notification and the exit status. */
#include "cli/internal.h"
#include "core/fs.h"
#include "core/git.h"
#include "core/http.h"
#include "core/mem.h"
#include "hosts/actions.h"
#include "hosts/host.h"
#include "hosts/slack.h"

#include <stdlib.h>
#include <string.h>

bool qg_cli_formats_known(const qg_cli_opts *o, const qg_cli_io *io) {
  for (size_t i = 0; i < o->nformats; i++)
    if (!qg_reporter_find(o->formats[i].name)) {
      char *all = qg_cli_format_list(NULL);
      qg_cli_errorf(io, "unknown --format '%s' (%s)", o->formats[i].name, all);
      free(all);
      return false;
    }
  return true;
}

/* Whether the format is one JSON or XML document, which a line after it would break. */
static bool is_document(const char *format) {
  static const char *const docs[] = {"badge", "codequality", "json", "junit", "sarif"};
  for (size_t i = 0; i < QG_ARRAY_LEN(docs); i++)
    if (!strcmp(format, docs[i]))
      return true;
  return false;
}

/* Writes every requested format; returns QG_EXIT_RUNTIME on an I/O error. */
static int write_reports(const qg_cli_opts *o, const qg_report *rep, const qg_cli_io *io) {
  fmt_out deflt = {NULL, NULL};
  char text_name[] = "text";
  deflt.name = text_name;
  const fmt_out *fmts = o->nformats ? o->formats : &deflt;
  size_t n = o->nformats ? o->nformats : 1;
  int status = QG_EXIT_PASS;
  /* a report file inside the checkout stays inside it (a committed
   * reports/ -> /elsewhere is refused); one outside is the workflow's choice */
  char *checkout = NULL;
  for (size_t i = 0; i < n; i++) {
    const qg_reporter *rp = qg_reporter_find(fmts[i].name);
    FILE *f = io->out;
    qg_wfile *w = NULL;
    int err_no = 0;
    if (fmts[i].file && strcmp(fmts[i].file, "-") != 0) {
      if (!checkout) {
        char *wd = qg_git_workdir(".");
        checkout = qg_fs_realdir(wd ? wd : ".");
        free(wd);
      }
      qg_write_opts wo = {checkout ? checkout : ".", 0};
      if (qg_wfile_open(fmts[i].file, &wo, &w, &err_no) != QG_OK) {
        qg_cli_errorf(io, "cannot write %s: %s", fmts[i].file, qg_fs_strerror(err_no));
        status = QG_EXIT_RUNTIME;
        continue;
      }
      f = qg_wfile_stream(w);
    }
    qg_report r2 = *rep;
    if (f != io->out)
      r2.color = false;
    else /* a JSON or XML document takes no guard line (guard.c) */
      qg_cli_guard_stdout(io, is_document(rp->name));
    qg_status st = rp->fn(f, &r2);
    const char *why = qg_strerror(st);
    if (w && st != QG_OK)
      qg_wfile_abort(&w);
    else if (w && qg_wfile_commit(&w, &err_no) != QG_OK)
      st = QG_EIO, why = qg_fs_strerror(err_no);
    if (st == QG_OK && !strcmp(fmts[i].name, "sarif")) {
      qg_sarif_cap cap; /* over code scanning's limit: what the report left out */
      qg_sarif_cap_plan(rep, QG_SARIF_RUN_RESULTS, &cap);
      char *cw = qg_sarif_cap_warning(&cap);
      if (cw)
        qg_cli_warnf(io, "the sarif report%s%s: %s", fmts[i].file ? " " : "",
                     fmts[i].file ? fmts[i].file : "", cw);
      free(cw);
    }
    if (st != QG_OK) {
      qg_cli_errorf(io, "cannot write the %s report%s%s: %s", fmts[i].name,
                    fmts[i].file ? " to " : "", fmts[i].file ? fmts[i].file : "", why);
      status = QG_EXIT_RUNTIME;
    }
  }
  free(checkout);
  if (io->findings)
    qg_report_findings(io->findings, rep);
  return status;
}

/* Where every finding is, for the annotations' line about those GitHub does not show:
 * the reports on standard output (the step's log) and in files. Caller frees. */
static char *full_report_where(const qg_cli_opts *o) {
  qg_buf b;
  qg_buf_init(&b, 0);
  size_t n = o->nformats ? o->nformats : 1;
  for (size_t i = 0; i < n; i++) {
    const char *name = o->nformats ? o->formats[i].name : "text";
    const char *file = o->nformats ? o->formats[i].file : NULL;
    const char *sep = !i ? "" : i + 1 < n ? ", " : " and ";
    if (file && strcmp(file, "-") != 0)
      (void)qg_buf_printf(&b, "%sthe %s report %s", sep, name, file);
    else
      (void)qg_buf_printf(&b, "%sthe %s report above", sep, name);
  }
  return qg_buf_detach(&b);
}

/* Workflow-command annotations of the active findings to stdout, their lines mapped to
 * the pull request's head. */
static void annotate(const qg_cli_opts *o, const qg_report *rep, const qg_cli_io *io) {
  char *warning = NULL;
  qg_linemap *lines = qg_actions_head_lines(&warning);
  if (warning)
    qg_cli_warnf(io, "%s", warning);
  free(warning);
  /* qgate's own commands: outside the region that keeps the reports' lines inert */
  qg_cli_guard_stdout(io, false);
  qg_cli_guard_pause(io);
  qg_report r2 = *rep;
  char *where = full_report_where(o);
  r2.full_report = where;
  qg_actions_annotate(io->out, &r2, lines);
  free(where);
  qg_cli_guard_resume(io);
  qg_linemap_free(&lines);
}

#define READ_ONLY_HINT                                                                             \
  "the token cannot write to the pull request: fork pull requests get a read-only token; "         \
  "for the others give the job `permissions: pull-requests: write`"

/* GitHub without its summary comment (a read-only token, the host down, the deadline):
 * the findings where the job's user still sees them, the annotations and the job's
 * summary (the runner's file, outside the checkout), with the reason. */
static void github_fallback(const qg_cli_opts *o, const qg_report *rep,
                            const qg_comment_outcome *out, bool summary_written,
                            const qg_cli_io *io) {
  annotate(o, rep, io);
  char *why = NULL;
  if (!summary_written && qg_actions_step_summary(rep, &why) != QG_OK)
    qg_cli_warnf(io, "%s", why);
  free(why);
  why = NULL;
  char *note = qg_xasprintf("\n> **qgate could not comment on the pull request**: %s. The "
                            "findings are in this summary and in the annotations.\n",
                            out->read_only ? READ_ONLY_HINT
                                           : "the host did not take the "
                                             "summary (see the job's log)");
  if (qg_actions_step_summary_text(note, &why) != QG_OK)
    qg_cli_warnf(io, "%s", why);
  free(why);
  free(note);
}

char *qg_cli_comment_id(const qg_cli_opts *o, const qg_config *cfg, const char *command) {
  /* one file's k8s and secrets jobs keep apart, and a file (the repository's own is
   * untrusted) can name no id of another command's job */
  const char *cmd = command ? command : "run";
  return o->comment_id ? qg_xstrdup(o->comment_id)
                       : qg_xasprintf("%s-%s", cfg->comment_id ? cfg->comment_id : "qgate", cmd);
}

char *qg_cli_last_reviewed(void *ud, qg_secrets *redactor, char **note) {
  const qg_cli_since *s = ud;
  const qg_cli_opts *o = s->o;
  *note = NULL;
  if (!o->comment || !qg_host_find(o->comment))
    return NULL; /* annotations: nowhere to read it from */
  qg_host_ctx ctx;
  char *why = NULL;
  if (qg_host_ctx_load(qg_host_find(o->comment), &ctx, &why) != QG_OK) {
    free(why); /* said when the comments are posted */
    return NULL;
  }
  qg_comment_opts copt = {0};
  char *cid = qg_cli_comment_id(o, s->cfg, s->command);
  copt.id = cid;
  copt.redactor = redactor;
  copt.deadline_ms = qg_http_now_ms() + o->host_deadline_ms;
  char head[65];
  char *res = NULL;
  if (qg_host_reviewed_head(&ctx, &copt, head, &why) != QG_OK) {
    const char *w = why ? why : "";
    char *e = qg_redact(redactor, w, strlen(w), NULL, NULL, NULL);
    *note = qg_xasprintf("the last reviewed head could not be read from the summary comment "
                         "(%s)",
                         e);
    free(e);
  } else if (!*head) {
    *note = qg_xstrdup("no last reviewed head in qgate's summary comment");
  } else {
    *note = qg_xasprintf("the last reviewed head %s, from qgate's summary comment", head);
    res = qg_xstrdup(head);
  }
  free(why);
  free(cid);
  qg_host_ctx_cleanup(&ctx);
  return res;
}

/* --comment HOST (a row of the hosts' table) or annotations: after the reports are written. Sets *usage for
 * a missing context, *incomplete when not everything reached the host (a warning: the
 * exit status stays the gate's). */
static void post_comments(const qg_cli_opts *o, const qg_config *cfg, const qg_report *rep,
                          const qg_cli_publish *scope, long long deadline, qg_secrets *red,
                          bool summary_written, const qg_cli_io *io, bool *usage,
                          bool *incomplete) {
  const char *p_head = scope->reviewed_head;
  if (!strcmp(o->comment, "annotations")) {
    annotate(o, rep, io);
    return;
  }
  qg_host_ctx ctx;
  char *why = NULL;
  if (qg_host_ctx_load(qg_host_find(o->comment), &ctx, &why) != QG_OK) {
    qg_cli_errorf(io, "--comment %s: %s", o->comment, why);
    free(why);
    *usage = true;
    return;
  }
  qg_change ch;
  memset(&ch, 0, sizeof(ch));
  const qg_change *chp = NULL;
  if (ctx.base_sha) {
    /* the change up to the pull/merge request's head, whatever is checked out: with a
     * merge of it checked out (GitHub's default for pull requests, GitLab's merged
     * results pipelines), the findings' lines are mapped to the head's */
    qg_change_opts co = {0};
    co.base = ctx.base_sha;
    co.head = ctx.head_sha;
    qg_status cst = qg_change_read(&co, &ch, &why);
    if (cst == QG_OK)
      chp = &ch;
    else if (cst == QG_ENOENT) /* the checkout's lines cannot be placed in its diff */
      qg_cli_warnf(io,
                   "--comment %s: %s: every finding goes to the summary (fetch the history: "
                   "actions/checkout fetch-depth: 0, GIT_DEPTH: 0)",
                   o->comment, why);
    else
      qg_cli_warnf(io,
                   "--comment %s: cannot read the change (%s): every finding goes to the summary",
                   o->comment, why);
    free(why);
  }
  qg_comment_opts copt = {0};
  char *cid = qg_cli_comment_id(o, cfg, rep->command);
  copt.id = cid;
  /* the head recorded for the next incremental review: the request's head, when the
   * commit reviewed is it or a merge of it (GitHub's merge ref, GitLab's merged results) */
  char *mb = p_head && ctx.head_sha ? qg_git_merge_base_id(ctx.head_sha, p_head) : NULL;
  if (mb && strcmp(mb, ctx.head_sha) == 0)
    copt.reviewed_head = ctx.head_sha;
  free(mb);
  copt.arch_scoped = scope->arch_scoped;
  copt.arch_paths = scope->arch_paths;
  copt.narch_paths = scope->narch_paths;
  copt.verdict = cfg->comment_verdict ? QG_VERDICT_ON : QG_VERDICT_OFF;
  copt.max_inline = cfg->comment_max_inline;
  copt.deadline_ms = deadline;
  copt.redactor = red;
  qg_comment_outcome out;
  qg_status st = qg_host_comment(&ctx, rep, chp, &copt, &out);
  fprintf(io->err,
          "qgate: comment: summary %s; %zu inline comment%s posted, %zu kept, %zu removed; %zu "
          "finding%s only in the summary%s%s\n",
          out.summary_created   ? "posted"
          : out.summary_updated ? "updated"
                                : "not posted",
          out.inline_created, out.inline_created == 1 ? "" : "s", out.inline_kept,
          out.inline_removed, out.to_summary, out.to_summary == 1 ? "" : "s",
          out.verdict ? "; verdict " : "", out.verdict ? out.verdict : "");
  if (out.over_cap)
    fprintf(io->err, "qgate: comment: %zu more inline comments over comment.max_inline\n",
            out.over_cap);
  /* a host's error body may echo the token: what it said is redacted again */
  if (out.verdict_refused) {
    char *e = qg_redact(red, out.verdict_refused, strlen(out.verdict_refused), NULL, NULL, NULL);
    qg_cli_warnf(io, "--comment %s: the verdict was refused (%s): the review went without it",
                 o->comment, e);
    free(e);
  }
  if (out.nrefused) {
    const char *rw = out.refused_why ? out.refused_why : "";
    char *e = qg_redact(red, rw, strlen(rw), NULL, NULL, NULL);
    qg_cli_warnf(io, "--comment %s: %zu inline comment%s refused (%s): listed in the summary",
                 o->comment, out.nrefused, out.nrefused == 1 ? "" : "s", e);
    free(e);
  }
  if (st != QG_OK) {
    const char *oe = out.error ? out.error : "";
    char *e = qg_redact(red, oe, strlen(oe), NULL, NULL, NULL);
    qg_cli_warnf(io, "--comment %s: %s%s%s", o->comment, e, out.read_only ? ": " : "",
                 out.read_only ? READ_ONLY_HINT : "");
    free(e);
  }
  qg_comment_status cs = qg_comment_outcome_status(&out, st);
  if (cs != QG_COMMENTS_COMPLETE)
    fprintf(io->err, "qgate: comments: %s (the exit status is the gate's)\n",
            qg_comment_status_name(cs));
  char *owhy = NULL;
  if (qg_actions_output("comments", qg_comment_status_name(cs), &owhy) != QG_OK)
    qg_cli_warnf(io, "%s", owhy);
  free(owhy);
  if (ctx.host == qg_host_find("github") && !out.summary_created && !out.summary_updated)
    github_fallback(o, rep, &out, summary_written, io);
  *incomplete = cs != QG_COMMENTS_COMPLETE;
  qg_comment_outcome_cleanup(&out);
  free(cid);
  qg_change_cleanup(&ch);
  qg_host_ctx_cleanup(&ctx);
}

/* In GitHub Actions: the score and counts to $GITHUB_OUTPUT, the Markdown report
 * to $GITHUB_STEP_SUMMARY. */
static void github_outputs(const qg_report *rep, const qg_cli_io *io) {
  char *why = NULL;
  if (qg_actions_outputs(rep, &why) != QG_OK)
    qg_cli_errorf(io, "%s", why);
  free(why);
  if (qg_actions_step_summary(rep, &why) != QG_OK)
    qg_cli_errorf(io, "%s", why);
  free(why);
}

/* --notify slack. A notification that could not be sent (no webhook, Slack refused
 * it or did not answer) is a warning: like a comment, it never changes the gate's
 * exit status. Slack's answer is redacted (it could echo the webhook URL). */
static void notify_slack(const qg_score_policy *policy, const qg_report *rep, long long deadline,
                         qg_secrets *red, const qg_cli_io *io) {
  qg_slack_sent sent;
  char *why = NULL;
  qg_status st = qg_slack_notify(policy, rep, deadline, &sent, &why);
  if (st != QG_OK) {
    char *shown = qg_redact(red, why, strlen(why), NULL, NULL, NULL);
    qg_cli_warnf(io, "--notify slack: %s; the gate's result stands", shown);
    free(shown);
  } else if (sent != QG_SLACK_NOT_NEEDED) {
    fprintf(io->err, "qgate: notify: posted to Slack (%s)\n",
            sent == QG_SLACK_APPROVAL ? "security approval needed" : "gate rejected");
  }
  free(why);
}

int qg_cli_publish_run(const qg_cli_publish *p, const qg_cli_io *io) {
  const qg_cli_opts *o = p->o;
  qg_cli_print_diags(io, p->rep->result);
  qg_gate_after after = {0};
  after.write_failed = write_reports(o, p->rep, io) == QG_EXIT_RUNTIME;
  after.review_failed = p->review_failed;
  if (p->outputs)
    github_outputs(p->rep, io);
  long long host_at = qg_http_now_ms() + o->host_deadline_ms; /* one for every host call */
  if (o->comment) /* after the reports: they are written whatever the host says */
    post_comments(o, p->cfg, p->rep, p, host_at, p->redactor, p->outputs, io, &after.host_usage,
                  &after.comments_incomplete);
  if (o->notify && p->policy)
    notify_slack(p->policy, p->rep, host_at, p->redactor, io);
  return qg_gate_exit_status(p->gate, &after);
}
