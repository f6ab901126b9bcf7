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
  char *why = NULL;
  qg_linemap *m = NULL;
  if (!getenv("GITHUB_EVENT_PATH") || qg_github_event_load(&ev, &why) != QG_OK) {
    free(why);
    return NULL; /* not a pull request's job: its checkout is what GitHub shows */
  }
  if (qg_linemap_open(NULL, ev.head_sha, &m, &why) == QG_ENOENT)
    *warning = qg_xasprintf("--comment annotations: %s: the annotations keep the lines of the "
                            "commit checked out, which GitHub shows on the pull request's head "
                            "(fetch the history: actions/checkout fetch-depth: 0)",
                            why);
  free(why);
  qg_host_ctx_cleanup(&ev);
  return m;
}

/* The pull request's change (base..head, from GITHUB_EVENT_PATH) when the job is a pull
 * request's and its history is fetched: the lines it added come first. */
static bool pr_change(qg_change *ch) {
  qg_host_ctx ev;
  char *why = NULL;
  bool ok = false;
  memset(ch, 0, sizeof(*ch));
  if (!getenv("GITHUB_EVENT_PATH") || qg_github_event_load(&ev, &why) != QG_OK) {
    free(why);
    return false;
  }
  if (ev.base_sha && ev.head_sha) {
    qg_change_opts co = {0};
    co.base = ev.base_sha;
    co.head = ev.head_sha;
    ok = qg_change_read(&co, ch, &why) == QG_OK;
    free(why);
  }
  qg_host_ctx_cleanup(&ev);
  return ok;
}

typedef struct annotation {
  const qg_finding *f;
  uint32_t line; /* at the pull request's head; 0: on the file */
  bool changed;  /* on a line the pull request added or changed */
  size_t order;  /* in the report */
} annotation;

static int kind_of(qg_severity s) { return s >= QG_SEV_HIGH ? 0 : s == QG_SEV_MEDIUM ? 1 : 2; }

/* Most severe first, then the pull request's own lines, then the report's order. */
static int cmp_annotation(const void *pa, const void *pb) {
  const annotation *a = pa, *b = pb;
  if (a->f->severity != b->f->severity)
    return a->f->severity > b->f->severity ? -1 : 1;
  if (a->changed != b->changed)
    return a->changed ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

void qg_actions_annotate(FILE *out, const qg_report *rep, qg_linemap *lines) {
  static const char *const kinds[] = {"error", "warning", "notice"};
  const qg_result *r = rep->result;
  annotation *an = qg_xcalloc(r->findings.n + 1, sizeof(*an));
  size_t n = 0, per_kind[3] = {0};
  qg_change ch;
  bool have_change = lines && pr_change(&ch);
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    if (f->suppressed_by || f->in_base)
      continue;
    const char *rp = qg_host_repo_path(f->loc.path);
    annotation *a = &an[n++];
    a->f = f;
    a->order = i;
    a->line = qg_linemap_line(lines, rp, f->loc.line);
    a->changed = have_change && a->line && qg_change_added_line(qg_change_find(&ch, rp), a->line);
    per_kind[kind_of(f->severity)]++;
  }
  if (have_change)
    qg_change_cleanup(&ch);
  qsort(an, n, sizeof(*an), cmp_annotation);
  for (size_t i = 0; i < n; i++) {
    const qg_finding *f = an[i].f;
    uint32_t line = an[i].line;
    fprintf(out, "::%s file=", kinds[kind_of(f->severity)]);
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
  free(an);
  /* GitHub shows the first QG_ACTIONS_SHOWN_PER_KIND of each kind a step writes */
  size_t hidden[3], nhidden = 0;
  for (int k = 0; k < 3; k++) {
    hidden[k] =
        per_kind[k] > QG_ACTIONS_SHOWN_PER_KIND ? per_kind[k] - QG_ACTIONS_SHOWN_PER_KIND : 0;
    nhidden += hidden[k];
  }
  if (!nhidden)
    return;
  fprintf(out,
          "qgate: annotations: GitHub shows %d error, %d warning and %d notice annotations "
          "per step (the most severe are first): ",
          QG_ACTIONS_SHOWN_PER_KIND, QG_ACTIONS_SHOWN_PER_KIND, QG_ACTIONS_SHOWN_PER_KIND);
  int left = (hidden[0] != 0) + (hidden[1] != 0) + (hidden[2] != 0);
  for (int k = 0; k < 3; k++)
    if (hidden[k]) {
      left--;
      fprintf(out, "%zu %s%s", hidden[k], kinds[k], left > 1 ? ", " : left ? " and " : "");
    }
  fprintf(out, " annotation%s %s", nhidden == 1 ? "" : "s", nhidden == 1 ? "is" : "are");
  qg_buf where; /* file names: inert (no line end to start a command with) */
  qg_buf_init(&where, 0);
  (void)qg_buf_puts(&where, "");
  qg_esc_text(&where, rep->full_report ? rep->full_report : "the report in this step's log");
  fprintf(out, " not shown; every finding is in %s\n", where.data);
  qg_buf_cleanup(&where);
}
