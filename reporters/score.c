/* score.c: the quality score in every format: a text table, a JSON object
 * (also SARIF run properties), the Markdown report for pull requests, and
 * an SVG badge. */
#include "core/escape.h"
#include "reporters/reporter.h"
#include "review/review.h"
#include "scoring/score.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static const char *crit_mark(qg_crit_status s) {
  switch (s) {
  case QG_CRIT_PASSED:
  case QG_CRIT_NOT_APPLICABLE:
    return "ok";
  case QG_CRIT_FAILED:
    return "FAIL";
  default:
    return "--";
  }
}

qg_status qg_score_text(FILE *out, const qg_score *s, bool color) {
  const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
  fprintf(out, "\n%sQuality score: %u/100%s (%u of %u points%s)\n", bold, s->total, reset,
          s->earned, s->possible, s->normalised ? "; unmeasured criteria left out" : "");
  for (int cat = 0; cat < QG__CAT_COUNT; cat++) {
    if (!s->cat_points[cat])
      continue;
    if (s->cat_possible[cat])
      fprintf(out, "  %-40s %3u/%u\n", qg_category_names[cat], s->cat_earned[cat],
              s->cat_points[cat]);
    else
      fprintf(out, "  %-40s   -/%-3u not measured\n", qg_category_names[cat], s->cat_points[cat]);
    for (int i = 0; i < QG__CRIT_COUNT; i++) {
      const qg_crit_result *c = &s->crit[i];
      if (qg_crit_defs[i].category != (qg_category)cat || c->status == QG_CRIT_OFF)
        continue;
      const char *mc = !color                              ? ""
                       : c->status == QG_CRIT_FAILED       ? "\033[31m"
                       : c->status == QG_CRIT_NOT_MEASURED ? "\033[2m"
                                                           : "\033[32m";
      fprintf(out, "    %s%-4s%s %-35s %3u/%-3u %s%s", mc, crit_mark(c->status), reset,
              qg_crit_defs[i].label, c->earned, c->points,
              c->status == QG_CRIT_NOT_MEASURED ? "not measured: " : "", "");
      qg_esc_fputs(out, c->detail);
      fputc('\n', out);
    }
  }
  const char *dc = !color                               ? ""
                   : s->decision == QG_DECISION_APPROVE ? "\033[1;32m"
                   : s->decision == QG_DECISION_REVIEW  ? "\033[1;33m"
                                                        : "\033[1;31m";
  fprintf(out, "Decision: %s%s%s (approve at %u, review at %u%s)\n", dc,
          qg_decision_name(s->decision), reset, s->approve, s->review,
          s->held ? "; not approve: the errors above left something unscanned" : "");
  return ferror(out) ? QG_EIO : QG_OK;
}

struct cJSON *qg_score_json(const qg_score *s) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "total", s->total);
  cJSON_AddStringToObject(o, "decision", qg_decision_name(s->decision));
  cJSON_AddNumberToObject(o, "earned", s->earned);
  cJSON_AddNumberToObject(o, "possible", s->possible);
  cJSON_AddNumberToObject(o, "points", s->points);
  cJSON_AddBoolToObject(o, "normalised", s->normalised);
  if (s->held)
    cJSON_AddBoolToObject(o, "held", true);
  cJSON *th = cJSON_AddObjectToObject(o, "thresholds");
  cJSON_AddNumberToObject(th, "approve", s->approve);
  cJSON_AddNumberToObject(th, "review", s->review);
  cJSON *cats = cJSON_AddArrayToObject(o, "categories");
  for (int cat = 0; cat < QG__CAT_COUNT; cat++) {
    if (!s->cat_points[cat])
      continue;
    cJSON *co = cJSON_CreateObject();
    cJSON_AddStringToObject(co, "id", qg_category_keys[cat]);
    cJSON_AddStringToObject(co, "name", qg_category_names[cat]);
    cJSON_AddNumberToObject(co, "earned", s->cat_earned[cat]);
    cJSON_AddNumberToObject(co, "possible", s->cat_possible[cat]);
    cJSON_AddNumberToObject(co, "points", s->cat_points[cat]);
    cJSON *crits = cJSON_AddArrayToObject(co, "criteria");
    for (int i = 0; i < QG__CRIT_COUNT; i++) {
      const qg_crit_result *c = &s->crit[i];
      if (qg_crit_defs[i].category != (qg_category)cat || c->status == QG_CRIT_OFF)
        continue;
      cJSON *cr = cJSON_CreateObject();
      cJSON_AddStringToObject(cr, "id", qg_crit_defs[i].key);
      cJSON_AddStringToObject(cr, "name", qg_crit_defs[i].label);
      cJSON_AddStringToObject(cr, "status", qg_crit_status_name(c->status));
      cJSON_AddNumberToObject(cr, "earned", c->earned);
      cJSON_AddNumberToObject(cr, "points", c->points);
      if (c->has_value)
        cJSON_AddNumberToObject(cr, "value", c->value);
      cJSON_AddStringToObject(cr, "detail", c->detail);
      cJSON_AddItemToArray(crits, cr);
    }
    cJSON_AddItemToArray(cats, co);
  }
  return o;
}

/* ---- Markdown ------------------------------------------------------------------------ */

/* Repository text as Markdown text (qg_md_escape): literal on GitHub and GitLab. */
static void md_escape(FILE *out, const char *s) {
  qg_buf b;
  qg_buf_init(&b, 0);
  qg_md_escape(&b, s, 0);
  if (b.data)
    fputs(b.data, out);
  qg_buf_cleanup(&b);
}

/* Repository text (a path, a custom rule's id) as a code span (qg_md_code), which
 * nothing in it can close. */
static void md_code(FILE *out, const char *s) {
  qg_buf b;
  qg_buf_init(&b, 0);
  qg_md_code(&b, s);
  if (b.data)
    fputs(b.data, out);
  qg_buf_cleanup(&b);
}

static void md_bar(FILE *out, unsigned earned, unsigned points) {
  unsigned full = points ? (earned * 10 + points / 2) / points : 0;
  for (unsigned i = 0; i < 10; i++)
    fputs(i < full ? "\xe2\x96\x88" : "\xe2\x96\x91", out); /* █ ░ */
}

#define MD_TOP 20 /* findings listed per report */

qg_status qg_report_markdown_head(FILE *out, const qg_report *rep) {
  const qg_score *s = rep->score;
  if (s) {
    static const char *const icon[] = {"\xe2\x9c\x85", "\xe2\x9a\xa0\xef\xb8\x8f",
                                       "\xe2\x9d\x8c"}; /* ✅ ⚠️ ❌ */
    fprintf(out, "## %s qgate: %u/100, %s\n\n", icon[s->decision], s->total,
            qg_decision_name(s->decision));
    fprintf(out, "%u of %u points%s. Approve at %u, review at %u.%s\n\n", s->earned, s->possible,
            s->normalised ? " (criteria not measured are left out of the total)" : "", s->approve,
            s->review, s->held ? " Not approved: errors left something unscanned." : "");
    fputs("| category | score | |\n|---|---|---|\n", out);
    for (int cat = 0; cat < QG__CAT_COUNT; cat++) {
      if (!s->cat_points[cat])
        continue;
      if (!s->cat_possible[cat]) {
        fprintf(out, "| %s | not measured (of %u) | |\n", qg_category_names[cat],
                s->cat_points[cat]);
        continue;
      }
      fprintf(out, "| %s | %u/%u | ", qg_category_names[cat], s->cat_earned[cat],
              s->cat_points[cat]);
      md_bar(out, s->cat_earned[cat], s->cat_points[cat]);
      fputs(" |\n", out);
    }
    fputs("\n| criterion | points | result |\n|---|---|---|\n", out);
    for (int i = 0; i < QG__CRIT_COUNT; i++) {
      const qg_crit_result *c = &s->crit[i];
      if (c->status == QG_CRIT_OFF)
        continue;
      fprintf(out, "| %s %s | ",
              c->status == QG_CRIT_FAILED         ? "\xe2\x9d\x8c"
              : c->status == QG_CRIT_NOT_MEASURED ? "\xe2\x9e\x96"
                                                  : "\xe2\x9c\x85",
              qg_crit_defs[i].label);
      if (c->status == QG_CRIT_NOT_MEASURED)
        fprintf(out, "not measured (of %u) | ", c->points);
      else
        fprintf(out, "%u/%u | ", c->earned, c->points);
      md_escape(out, c->detail);
      fputs(" |\n", out);
    }
    fputc('\n', out);
  }
  if (rep->review)
    qg_review_markdown(out, rep->review);
  return ferror(out) ? QG_EIO : QG_OK;
}

qg_status qg_report_markdown(FILE *out, const qg_report *rep) {
  const qg_result *r = rep->result;
  (void)qg_report_markdown_head(out, rep);
  size_t counts[QG__SEV_COUNT];
  qg_result_counts(r, counts);
  size_t active = 0;
  for (int sev = 0; sev < QG__SEV_COUNT; sev++)
    active += counts[sev];
  if (!active) {
    fputs(rep->base ? "No new findings.\n" : "No findings.\n", out);
    return ferror(out) ? QG_EIO : QG_OK;
  }
  fprintf(out, "### %zu finding%s\n\n", active, active == 1 ? "" : "s");
  size_t shown = 0;
  for (int sev = QG_SEV_CRITICAL; sev >= QG_SEV_INFO; sev--) {
    if (!counts[sev] || shown == MD_TOP)
      continue;
    fprintf(out, "**%s** (%zu)\n\n", qg_severity_name((qg_severity)sev), counts[sev]);
    for (size_t i = 0; i < r->findings.n && shown < MD_TOP; i++) {
      const qg_finding *f = &r->findings.items[i];
      if (f->suppressed_by || f->in_base || (int)f->severity != sev)
        continue;
      char *where =
          qg_xasprintf("%s:%u:%u", f->loc.path ? f->loc.path : "-", f->loc.line, f->loc.col);
      fputs("- ", out);
      md_code(out, where);
      fputc(' ', out);
      md_code(out, f->rule->id);
      fputs(": ", out);
      free(where);
      md_escape(out, f->message);
      fputc('\n', out);
      shown++;
    }
    fputc('\n', out);
  }
  if (shown < active)
    fprintf(out, "... and %zu more (see the SARIF or JSON report).\n", active - shown);
  return ferror(out) ? QG_EIO : QG_OK;
}

/* ---- badge ------------------------------------------------------------------------------- */

qg_status qg_report_badge(FILE *out, const qg_report *rep) {
  if (!rep->score)
    return QG_EUSAGE;
  const qg_score *s = rep->score;
  const char *fill = s->decision == QG_DECISION_APPROVE  ? "#2ea44f"
                     : s->decision == QG_DECISION_REVIEW ? "#dbab09"
                                                         : "#cb2431";
  char value[16];
  snprintf(value, sizeof(value), "%u/100", s->total);
  /* widths from a fixed 7 px per character: label "qgate" and the value */
  unsigned lw = 5 * 7 + 10, vw = (unsigned)strlen(value) * 7 + 10, w = lw + vw;
  fprintf(out,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"20\" role=\"img\" "
          "aria-label=\"qgate: %s %s\">\n"
          "  <title>qgate: %s %s</title>\n"
          "  <rect width=\"%u\" height=\"20\" rx=\"3\" fill=\"#555\"/>\n"
          "  <rect x=\"%u\" width=\"%u\" height=\"20\" rx=\"3\" fill=\"%s\"/>\n"
          "  <g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\" "
          "text-anchor=\"middle\">\n"
          "    <text x=\"%u\" y=\"14\">qgate</text>\n"
          "    <text x=\"%u\" y=\"14\">%s</text>\n"
          "  </g>\n"
          "</svg>\n",
          w, value, qg_decision_name(s->decision), value, qg_decision_name(s->decision), w, lw, vw,
          fill, lw / 2, lw + vw / 2, value);
  return ferror(out) ? QG_EIO : QG_OK;
}

static const char *review_state_name(qg_review_state s) {
  return s == QG_REVIEW_DONE      ? "done"
         : s == QG_REVIEW_PARTIAL ? "partial"
         : s == QG_REVIEW_FAILED  ? "failed"
                                  : "not run";
}

static cJSON *str_array(char **v, size_t n) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
  return a;
}

cJSON *qg_review_json(const qg_review_outcome *o) {
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "state", review_state_name(o->state));
  if (o->reason && *o->reason)
    cJSON_AddStringToObject(j, "reason", o->reason);
  cJSON_AddNumberToObject(j, "files", (double)o->files);
  cJSON_AddNumberToObject(j, "chunks", (double)o->chunks);
  cJSON_AddNumberToObject(j, "requests", (double)o->requests);
  cJSON_AddNumberToObject(j, "cached", (double)o->cached);
  cJSON_AddNumberToObject(j, "failed", (double)o->failed);
  cJSON_AddNumberToObject(j, "tokens_in", (double)o->tokens_in);
  cJSON_AddNumberToObject(j, "tokens_out", (double)o->tokens_out);
  cJSON_AddNumberToObject(j, "tokens_cached", (double)o->tokens_cached);
  cJSON_AddNumberToObject(j, "tokens_saved", (double)o->tokens_saved);
  if (o->cost >= 0)
    cJSON_AddNumberToObject(j, "cost", o->cost);
  else
    cJSON_AddNullToObject(j, "cost");
  if (o->cost_saved >= 0)
    cJSON_AddNumberToObject(j, "cost_saved", o->cost_saved);
  else
    cJSON_AddNullToObject(j, "cost_saved");
  if (o->estimated)
    cJSON_AddTrueToObject(j, "estimated");
  cJSON_AddNumberToObject(j, "violations", (double)o->violations);
  cJSON_AddNumberToObject(j, "unconfirmed", (double)o->unconfirmed);
  cJSON_AddItemToObject(j, "skipped", str_array(o->skipped, o->nskipped));
  cJSON_AddItemToObject(j, "notes", str_array(o->notes, o->nnotes));
  return j;
}

/* Dollars with three significant digits (at least cents): $1.84, $0.00594, $0.000156. */
static void usd(qg_buf *b, double v) {
  int decimals = 2;
  for (double x = v; decimals < 9 && x > 0 && x < 1; x *= 10)
    decimals++;
  (void)qg_buf_printf(b, "$%.*f", v >= 1 || v <= 0 ? 2 : decimals, v);
}

char *qg_review_usage(const qg_review_outcome *o) {
  qg_buf b;
  qg_buf_init(&b, 0);
  if (o->estimated) {
    (void)qg_buf_printf(&b, "dry run: would send about %zu tokens in, at most %zu out",
                        o->tokens_in, o->tokens_out);
    if (o->cost >= 0) {
      (void)qg_buf_puts(&b, "; estimated cost at most ");
      usd(&b, o->cost);
    }
  } else {
    if (!o->requests && !o->cached && !o->tokens_in) {
      qg_buf_cleanup(&b);
      return NULL;
    }
    (void)qg_buf_printf(&b, "%zu tokens in (%zu from the provider's cache), %zu out", o->tokens_in,
                        o->tokens_cached, o->tokens_out);
    if (o->cached)
      (void)qg_buf_printf(&b, "; the review cache answered %zu chunk%s, saving about %zu tokens",
                          o->cached, o->cached == 1 ? "" : "s", o->tokens_saved);
    if (o->cost >= 0) {
      (void)qg_buf_puts(&b, "; estimated cost ");
      usd(&b, o->cost);
      if (o->cached && o->cost_saved >= 0) {
        (void)qg_buf_puts(&b, " (");
        usd(&b, o->cost_saved);
        (void)qg_buf_puts(&b, " saved)");
      }
    }
  }
  if (o->cost < 0)
    (void)qg_buf_puts(&b, "; cost unknown (no price for the model: QGATE_LLM_PRICES)");
  return qg_buf_detach(&b);
}

void qg_review_markdown(FILE *out, const qg_review_outcome *o) {
  fputs("### Architecture review\n\n", out);
  if (o->state == QG_REVIEW_FAILED || o->state == QG_REVIEW_NOT_CONFIGURED) {
    fputs("Not measured: ", out);
    md_escape(out, o->reason ? o->reason : "");
    fputs(".\n\n", out);
  } else {
    fprintf(out,
            "%zu file%s in %zu chunk%s (%zu request%s, %zu from the cache): %zu violation%s, "
            "%zu below the confidence threshold.\n\n",
            o->files, o->files == 1 ? "" : "s", o->chunks, o->chunks == 1 ? "" : "s", o->requests,
            o->requests == 1 ? "" : "s", o->cached, o->violations, o->violations == 1 ? "" : "s",
            o->unconfirmed);
  }
  char *usage = o->state == QG_REVIEW_DONE || o->state == QG_REVIEW_PARTIAL || o->estimated
                    ? qg_review_usage(o)
                    : NULL;
  if (usage) {
    fputs("Cost: ", out);
    md_escape(out, usage);
    fputs(".\n\n", out);
    free(usage);
  }
  for (size_t i = 0; i < o->nskipped; i++) {
    fputs(i ? "- " : "Left out:\n\n- ", out);
    md_escape(out, o->skipped[i]);
    fputc('\n', out);
  }
  if (o->nskipped)
    fputc('\n', out);
}
