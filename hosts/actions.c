/* actions.c: GitHub Actions outputs, step summary and annotations. */
#include "hosts/actions.h"
#include "core/escape.h"
#include "core/mem.h"
#include "hosts/host.h"
#include "core/diff.h"
#include "scoring/score.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Opens the file the environment variable var names for appending: NULL with
 * *why when it cannot, NULL without when var is unset. */
static FILE *open_env_file(const char *var, char **why) {
  const char *path = getenv(var);
  *why = NULL;
  if (!path || !*path)
    return NULL;
  FILE *f = fopen(path, "a");
  if (!f)
    *why = qg_xasprintf("cannot append to %s (%s): %s", var, path, strerror(errno));
  return f;
}

qg_status qg_actions_outputs(const qg_report *rep, char **why) {
  FILE *f = open_env_file("GITHUB_OUTPUT", why);
  if (!f)
    return *why ? QG_EIO : QG_OK;
  size_t counts[QG__SEV_COUNT], total = 0;
  qg_result_counts(rep->result, counts);
  for (int sv = 0; sv < QG__SEV_COUNT; sv++)
    total += counts[sv];
  fprintf(f, "score=%u\ndecision=%s\nfindings=%zu\ncritical=%zu\nhigh=%zu\n", rep->score->total,
          qg_decision_name(rep->score->decision), total, counts[QG_SEV_CRITICAL],
          counts[QG_SEV_HIGH]);
  fclose(f);
  return QG_OK;
}

qg_status qg_actions_step_summary(const qg_report *rep, char **why) {
  FILE *f = open_env_file("GITHUB_STEP_SUMMARY", why);
  if (!f)
    return *why ? QG_EIO : QG_OK;
  qg_report_markdown(f, rep);
  fclose(f);
  return QG_OK;
}

qg_status qg_actions_output(const char *name, const char *value, char **why) {
  FILE *f = open_env_file("GITHUB_OUTPUT", why);
  if (!f)
    return *why ? QG_EIO : QG_OK;
  fputs(name, f);
  fputc('=', f);
  for (const char *p = value; *p; p++)
    fputc((unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p, f);
  fputc('\n', f);
  fclose(f);
  return QG_OK;
}

qg_status qg_actions_step_summary_text(const char *markdown, char **why) {
  FILE *f = open_env_file("GITHUB_STEP_SUMMARY", why);
  if (!f)
    return *why ? QG_EIO : QG_OK;
  fputs(markdown, f);
  fclose(f);
  return QG_OK;
}

/* Workflow commands: repository text in its visible form first (qg_esc_text: no
 * control character, no "##["), then "%" and line ends escaped in the message, and
 * ":" and "," too in the properties. */
static void wf_escape(FILE *f, const char *raw, bool property) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "");
  qg_esc_text(&b, raw);
  for (const char *s = b.data; s && *s; s++) {
    if (*s == '%')
      fputs("%25", f);
    else if (*s == '\r')
      fputs("%0D", f);
    else if (*s == '\n')
      fputs("%0A", f);
    else if (property && *s == ':')
      fputs("%3A", f);
    else if (property && *s == ',')
      fputs("%2C", f);
    else
      fputc(*s, f);
  }
  qg_buf_cleanup(&b);
}

qg_linemap *qg_actions_head_lines(char **warning) {
  qg_host_ctx ev;
  *warning = NULL;
  char err[512], *why = NULL;
  qg_linemap *m = NULL;
  if (!getenv("GITHUB_EVENT_PATH") || qg_github_event_load(&ev, &why) != QG_OK) {
    free(why);
    return NULL; /* not a pull request's job: its checkout is what GitHub shows */
  }
  if (qg_linemap_open(NULL, ev.head_sha, &m, err, sizeof(err)) == QG_ENOENT)
    *warning = qg_xasprintf("--comment annotations: %s: the annotations keep the lines of the "
                            "commit checked out, which GitHub shows on the pull request's head "
                            "(fetch the history: actions/checkout fetch-depth: 0)",
                            err);
  qg_host_ctx_cleanup(&ev);
  return m;
}

void qg_actions_annotate(FILE *out, const qg_report *rep, qg_linemap *lines) {
  const qg_result *r = rep->result;
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    if (f->suppressed_by || f->in_base)
      continue;
    uint32_t line = qg_linemap_line(lines, qg_host_repo_path(f->loc.path), f->loc.line);
    fprintf(out, "::%s file=",
            f->severity >= QG_SEV_HIGH     ? "error"
            : f->severity == QG_SEV_MEDIUM ? "warning"
                                           : "notice");
    wf_escape(out, f->loc.path, true);
    if (line)
      fprintf(out, ",line=%u", line);
    if (line && f->loc.col)
      fprintf(out, ",col=%u", f->loc.col);
    fputs(",title=", out);
    wf_escape(out, f->rule->id, true);
    fputs("::", out);
    wf_escape(out, f->message, false);
    fputc('\n', out);
  }
}
