/* reporter.c: the sorted table of output formats, and the plain line format
 * the test runner compares. */
#include "reporters/reporter.h"
#include "core/escape.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const qg_reporter k_reporters[] = {
    {"badge", qg_report_badge, "an SVG badge of the quality score (qgate scan)"},
    {"codequality", qg_report_codequality, "GitLab Code Quality JSON: the new active findings"},
    {"findings", qg_report_findings, "one line per finding: RULE SEVERITY PATH:LINE:COL"},
    {"json", qg_report_json, "one JSON object with findings, diagnostics and a summary"},
    {"junit", qg_report_junit,
     "JUnit XML: one test case per rule that ran, failed by its findings"},
    {"markdown", qg_report_markdown, "a Markdown report for pull requests: score and findings"},
    {"sarif", qg_report_sarif, "SARIF 2.1.0 for GitHub code scanning"},
    {"text", qg_report_text, "path:line:col: severity rule: message, and a summary"},
};

static int cmp(const void *k, const void *e) {
  return strcmp((const char *)k, ((const qg_reporter *)e)->name);
}

const qg_reporter *qg_reporter_find(const char *name) {
  return bsearch(name, k_reporters, QG_ARRAY_LEN(k_reporters), sizeof(k_reporters[0]), cmp);
}

const qg_reporter *qg_reporters_all(size_t *count) {
  *count = QG_ARRAY_LEN(k_reporters);
  return k_reporters;
}

const char *qg_security_severity(qg_severity s) {
  switch (s) {
  case QG_SEV_CRITICAL:
    return "9.5";
  case QG_SEV_HIGH:
    return "8.0";
  case QG_SEV_MEDIUM:
    return "5.5";
  case QG_SEV_LOW:
    return "3.0";
  default:
    return "1.0";
  }
}

qg_status qg_report_findings(FILE *out, const qg_report *rep) {
  const qg_result *r = rep->result;
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    qg_esc_fputs(out, f->rule->id);
    fprintf(out, " %s ", qg_severity_name(f->severity));
    qg_esc_fputs(out, f->loc.path);
    fprintf(out, ":%u:%u%s\n", f->loc.line, f->loc.col, f->suppressed_by ? " suppressed" : "");
  }
  return ferror(out) ? QG_EIO : QG_OK;
}

/* The placeholder a streamed array holds while the rest is printed. */
#define STREAM_MARK "\001qgate-stream\001"

/* A batch of items printed by several threads: thread t prints items
 * from + t, from + t + nthreads, ... into text[i - from]. */
typedef struct batch {
  qg_json_item_fn item;
  const void *ud;
  int pretty;
  size_t from, to;
  unsigned nthreads;
  char **text; /* NULL where printing ran out of memory */
} batch;

typedef struct batch_worker {
  batch *b;
  unsigned t;
} batch_worker;

/* root printed, and made valid UTF-8 (a file name need not be): cJSON copies a
 * string's bytes as they are. Deletes root; the caller frees the text with
 * cJSON_free. */
static char *print_json(cJSON *root, int pretty) {
  char *t = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  size_t n;
  char *fixed = t ? qg_json_sanitize(t, strlen(t), &n) : NULL;
  if (!fixed)
    return t;
  cJSON_free(t);
  t = cJSON_malloc(n + 1);
  if (t)
    memcpy(t, fixed, n + 1);
  free(fixed);
  return t;
}

static char *print_item(qg_json_item_fn item, const void *ud, size_t i, int pretty) {
  return print_json(item(ud, i), pretty);
}

static void *print_batch(void *arg) {
  const batch_worker *w = arg;
  const batch *b = w->b;
  for (size_t i = b->from + w->t; i < b->to; i += b->nthreads)
    b->text[i - b->from] = print_item(b->item, b->ud, i, b->pretty);
  return NULL;
}

/* Writes item text t, when pretty with every line after its first indented
 * by tabs + 1 tabs (the depth of the array it is in). */
static void write_item(FILE *out, const char *t, int pretty, size_t tabs) {
  static const char tabs_buf[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
  size_t ind = tabs + 1 < sizeof(tabs_buf) ? tabs + 1 : sizeof(tabs_buf) - 1;
  for (const char *p = t;;) {
    const char *nl = pretty ? strchr(p, '\n') : NULL;
    if (!nl) {
      fputs(p, out);
      return;
    }
    fwrite(p, 1, (size_t)(nl - p) + 1, out);
    fwrite(tabs_buf, 1, ind, out);
    p = nl + 1;
  }
}

/* Items per thread and batch: enough to keep the threads busy, few enough
 * that a batch's texts stay small beside the findings. */
#define BATCH_PER_THREAD 256
#define MAX_PRINT_THREADS 64

qg_status qg_report_write_json_stream(FILE *out, cJSON *root, cJSON *array, int pretty,
                                      qg_json_item_fn item, const void *ud, size_t n,
                                      unsigned threads) {
  cJSON_AddItemToArray(array, cJSON_CreateString(STREAM_MARK));
  char *text = print_json(root, pretty);
  if (!text)
    return QG_ENOMEM;
  static const char quoted[] = "\"\\u0001qgate-stream\\u0001\"";
  char *at = strstr(text, quoted);
  if (!at) {
    cJSON_free(text);
    return QG_ENOMEM;
  }
  /* each item is printed alone, then indented to its depth: the tabs of the
   * placeholder's line, plus one */
  size_t tabs = 0;
  const char *ls = at;
  while (ls > text && ls[-1] != '\n')
    ls--;
  while (ls[tabs] == '\t')
    tabs++;
  fwrite(text, 1, (size_t)(at - text), out);
  if (threads > MAX_PRINT_THREADS)
    threads = MAX_PRINT_THREADS;
  if (threads < 2 || n < 2 * BATCH_PER_THREAD)
    threads = 1;
  size_t per = threads * (size_t)BATCH_PER_THREAD;
  char **texts = qg_xcalloc(per, sizeof(*texts));
  qg_status st = QG_OK;
  for (size_t from = 0; from < n && st == QG_OK; from += per) {
    batch b = {item, ud, pretty, from, from + per < n ? from + per : n, threads, texts};
    pthread_t tids[MAX_PRINT_THREADS];
    batch_worker ws[MAX_PRINT_THREADS];
    unsigned started = 1;
    for (unsigned t = 1; t < threads; t++) {
      ws[t] = (batch_worker){&b, t};
      if (pthread_create(&tids[t], NULL, print_batch, &ws[t]) != 0)
        break;
      started++;
    }
    ws[0] = (batch_worker){&b, 0};
    print_batch(&ws[0]);
    for (unsigned t = 1; t < started; t++)
      pthread_join(tids[t], NULL);
    for (size_t i = b.from; i < b.to; i++) {
      char *t = texts[i - from];
      texts[i - from] = NULL;
      if (!t && st == QG_OK) /* a thread that did not start, or ran out of memory */
        t = print_item(item, ud, i, pretty);
      if (!t || st != QG_OK) {
        st = QG_ENOMEM;
        cJSON_free(t);
        continue;
      }
      if (i)
        fputs(pretty ? ", " : ",", out);
      write_item(out, t, pretty, tabs);
      cJSON_free(t);
    }
  }
  free(texts);
  if (st == QG_OK) {
    fputs(at + strlen(quoted), out);
    fputc('\n', out);
  }
  cJSON_free(text);
  return st != QG_OK ? st : ferror(out) ? QG_EIO : QG_OK;
}

qg_status qg_report_write_json(FILE *out, cJSON *root, int pretty) {
  char *text = print_json(root, pretty);
  if (!text)
    return QG_ENOMEM;
  fputs(text, out);
  fputc('\n', out);
  cJSON_free(text);
  return ferror(out) ? QG_EIO : QG_OK;
}
