/* cli.c: parse -> run -> report -> exit status. */
#include "cli/cli.h"
#include "core/accepted.h"
#include "config/config.h"
#include "core/edit.h"
#include "core/escape.h"
#include "core/fs.h"
#include "core/git.h"
#include "core/http.h"
#include "core/regex.h"
#include "core/yamldoc.h"
#include "hosts/host.h"
#include "review/review.h"
#include "reporters/merge.h"
#include "reporters/reporter.h"
#include "rules/rule.h"
#include "scanners/scanner.h"
#include "scoring/score.h"
#include "scoring/signals.h"
#include "core/glob.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LISTS 32

enum opt_id {
  O_BASE,
  O_COLOR,
  O_COMMENT,
  O_CONFIG,
  O_COVERAGE,
  O_DRY_RUN,
  O_FAIL_ON,
  O_FIX,
  O_FORMAT,
  O_HELP,
  O_HOST_DEADLINE,
  O_IGNORE,
  O_JOBS,
  O_MAX_FILE_SIZE,
  O_METRICS,
  O_MIN_SCORE,
  O_NO_GITIGNORE,
  O_NOTIFY,
  O_PROFILE,
  O_PSS,
  O_PSS_VERSION,
  O_REVIEW_DEADLINE,
  O_SARIF_IN,
  O_SELECT,
  O_SHARD,
};

/* Sorted by name (a unit test checks); searched with bsearch. */
typedef struct opt_def {
  const char *name;
  enum opt_id id;
  const char *arg; /* NULL: takes no value */
  const char *help;
} opt_def;

static const opt_def k_opts[] = {
    {"base", O_BASE, "REV",
     "diff-aware: findings already present at REV are reported as in base and do not fail"},
    {"color", O_COLOR, "WHEN", "colour text output: auto (default), always or never; NO_COLOR wins"},
    {"comment", O_COMMENT, "WHERE",
     "github or gitlab: comment on the pull/merge request (summary and changed lines); "
     "annotations: GitHub workflow-command annotations, no token needed"},
    {"config", O_CONFIG, "FILE",
     "configuration file (default: .qgate.yml at the repository root, if present)"},
    {"coverage", O_COVERAGE, "FILE",
     "scan: a coverage report (lcov, Cobertura, JaCoCo, Go cover profile), repeatable"},
    {"dry-run", O_DRY_RUN, NULL,
     "with --fix: print the fixes as a unified diff, change nothing; with review: print the "
     "requests, send nothing"},
    {"fail-on", O_FAIL_ON, "SEVERITY",
     "lowest severity that fails the gate: critical, high, medium, low (default), info, or none"},
    {"fix", O_FIX, NULL,
     "apply the mechanical fixes in place, then report what is left"},
    {"format", O_FORMAT, "FMT[=FILE]",
     "output format, repeatable: text (default), json, sarif, markdown, codequality, junit; "
     "=FILE writes to FILE"},
    {"help", O_HELP, NULL, "show this help"},
    {"host-deadline", O_HOST_DEADLINE, "SECONDS",
     "every --comment and --notify request of the run, retries and waits included "
     "(default 120, or QGATE_HOST_DEADLINE)"},
    {"ignore", O_IGNORE, "LIST", "comma-separated groups or rule ids to switch off"},
    {"jobs", O_JOBS, "N", "threads: files scanned, JSON/SARIF findings printed (default: one per CPU)"},
    {"max-file-size", O_MAX_FILE_SIZE, "BYTES",
     "skip (with an error) files larger than this; K and M suffixes (default 64M)"},
    {"metrics", O_METRICS, "FILE",
     "scan: build time, image size and memory, as JSON (see README), repeatable"},
    {"min-score", O_MIN_SCORE, "N",
     "scan: reject below N (0-100; the policy's review threshold, approve at least N)"},
    {"no-gitignore", O_NO_GITIGNORE, NULL, "also scan files that .gitignore ignores"},
    {"notify", O_NOTIFY, "WHERE",
     "scan: slack: post to the webhook in SLACK_WEBHOOK_URL when the security gate needs "
     "approval (more than 3 high findings) or the gate rejects"},
    {"profile", O_PROFILE, "NAME", "apply the named profile of the configuration"},
    {"pss", O_PSS, "LEVEL", "Pod Security Standards level: restricted (default), baseline or off"},
    {"pss-version", O_PSS_VERSION, "VERSION", "policy version: v1.0 ... v1.37 or latest (default)"},
    {"review-deadline", O_REVIEW_DEADLINE, "SECONDS",
     "every request of the architecture review, retries and waits included (default 300, or "
     "QGATE_REVIEW_DEADLINE; review.deadline in the configuration may only lower it)"},
    {"sarif-in", O_SARIF_IN, "FILE",
     "scan: another tool's SARIF 2.1.0 results count in the score, repeatable"},
    {"select", O_SELECT, "LIST",
     "comma-separated groups or rule ids to run, and only those (--select pss: the PSS checks)"},
    {"shard", O_SHARD, "I/N",
     "scan part I of N (1 <= I <= N <= 1024): the files whose path hashes to it; join the "
     "parts' JSON reports with 'qgate merge'"},
};

typedef struct fmt_out {
  char *name; /* owned */
  const char *file; /* NULL: standard output */
} fmt_out;

typedef struct cli_opts {
  fmt_out formats[MAX_LISTS];
  size_t nformats;
  const char *pss_level, *pss_version, *fail_on, *color, *config, *profile, *base;
  const char *comment, *notify;
  const char *review_deadline; /* --review-deadline's value, NULL: not given */
  long host_deadline_ms;       /* every host request of the run (--host-deadline) */
  int min_score; /* -1: the policy's */
  const char *select[MAX_LISTS], *ignore[MAX_LISTS];
  size_t nselect, nignore;
  const char *sarif_in[MAX_LISTS], *coverage[MAX_LISTS], *metrics[MAX_LISTS];
  size_t nsarif_in, ncoverage, nmetrics;
  size_t max_file_size;
  unsigned jobs;
  unsigned shard_index, shard_count; /* --shard I/N; 0: not sharded */
  const enum opt_id *allowed;        /* non-NULL: the only options the command takes */
  size_t nallowed;
  bool no_gitignore, help, fix, dry_run;
  const char **paths; /* borrowed argv pointers; owned array */
  size_t npaths;
} cli_opts;

/* "qgate: " PREFIX MESSAGE on standard error. */
static void vmsg(const qg_cli_io *io, const char *prefix, const char *fmt, va_list ap)
    QG_PRINTF(3, 0);
static void vmsg(const qg_cli_io *io, const char *prefix, const char *fmt, va_list ap) {
  fputs("qgate: ", io->err);
  fputs(prefix, io->err);
  /* the message can hold repository text (a path, a value): escaped, so that it neither
   * ends the line nor starts a workflow command nor sends the terminal a control
   * sequence */
  char *m = qg_xvasprintf(fmt, ap);
  qg_esc_fputs(io->err, m);
  free(m);
  fputc('\n', io->err);
}

static void errorf(const qg_cli_io *io, const char *fmt, ...) QG_PRINTF(2, 3);
static void errorf(const qg_cli_io *io, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg(io, "", fmt, ap);
  va_end(ap);
}

/* "qgate: MESSAGE", escaped as errors are: what a step did. */
static void infof(const qg_cli_io *io, const char *fmt, ...) QG_PRINTF(2, 3);
static void infof(const qg_cli_io *io, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg(io, "", fmt, ap);
  va_end(ap);
}

static void warnf(const qg_cli_io *io, const char *fmt, ...) QG_PRINTF(2, 3);
static void warnf(const qg_cli_io *io, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg(io, "warning: ", fmt, ap);
  va_end(ap);
}

static int cmp_opt(const void *key, const void *elem) {
  const char *k = key;
  const opt_def *o = elem;
  size_t n = strcspn(k, "=");
  int c = strncmp(k, o->name, n);
  if (c)
    return c;
  return o->name[n] ? -1 : 0;
}

static void print_options(FILE *f, const enum opt_id *ids, size_t n) {
  for (size_t i = 0; i < QG_ARRAY_LEN(k_opts); i++) {
    int wanted = 0;
    for (size_t j = 0; j < n; j++)
      wanted |= k_opts[i].id == ids[j];
    if (!wanted)
      continue;
    char left[64];
    snprintf(left, sizeof(left), "--%s%s%s", k_opts[i].name, k_opts[i].arg ? " " : "",
             k_opts[i].arg ? k_opts[i].arg : "");
    fprintf(f, "  %-28s %s\n", left, k_opts[i].help);
  }
}

static const char k_exit_help[] =
    "Exit status:\n"
    "  0  gate passed\n"
    "  1  gate failed: a finding at or above --fail-on\n"
    "  2  usage, configuration or input error (e.g. invalid YAML, missing path)\n"
    "  3  runtime error (I/O)\n";

static void usage_main(FILE *f) {
  fputs("usage: qgate COMMAND [OPTIONS] [PATH...]\n\n"
        "qgate is a CI quality gate for Kubernetes changes.\n\n"
        "Commands:\n"
        "  scan [PATH...]  every scanner in one pass (Kubernetes, secrets, the architecture\n"
        "                  review when configured) and the quality score\n"
        "  k8s [PATH...]   scan Kubernetes manifests (Pod Security Standards, hardening)\n"
        "  secrets [PATH...]  find credentials in files, masked in every output\n"
        "  merge FILE...   join the JSON reports of a run split with --shard into one report\n"
        "  review          review the change against ARCHITECTURE.md with a language model\n"
        "  hook install    a git pre-push hook that runs the gate on what is pushed\n"
        "  rules [ID]      list the rules, or explain one\n"
        "  version         print the version and library versions\n"
        "  help [COMMAND]  show help for a command\n\n"
        "Run 'qgate COMMAND --help' for a command's options.\n\n",
        f);
  fputs(k_exit_help, f);
}

static void usage_k8s(FILE *f) {
  static const enum opt_id ids[] = {
      O_BASE,         O_COLOR,   O_COMMENT, O_CONFIG,      O_DRY_RUN, O_FAIL_ON,
      O_FIX,          O_FORMAT,  O_HELP,    O_IGNORE,      O_JOBS,    O_MAX_FILE_SIZE,
      O_NO_GITIGNORE, O_PROFILE, O_PSS,     O_PSS_VERSION, O_SELECT,  O_SHARD,
      O_HOST_DEADLINE};
  fputs("usage: qgate k8s [OPTIONS] [PATH...]\n\n"
        "Scans Kubernetes manifests (.yaml, .yml, .json; directories are walked, skipping what\n"
        ".gitignore ignores; '-' reads standard input; default: the current directory) and\n"
        "reports every Pod Security Standards violation at its file, line and column.\n\n"
        "Options:\n",
        f);
  print_options(f, ids, QG_ARRAY_LEN(ids));
  fputc('\n', f);
  fputs(k_exit_help, f);
}

static void usage_secrets(FILE *f) {
  static const enum opt_id ids[] = {O_BASE,         O_COLOR,   O_COMMENT, O_CONFIG, O_FAIL_ON,
                                    O_FORMAT,       O_HELP,    O_IGNORE,  O_JOBS,   O_MAX_FILE_SIZE,
                                    O_NO_GITIGNORE, O_PROFILE, O_SELECT,  O_SHARD,
                                    O_HOST_DEADLINE};
  fputs("usage: qgate secrets [OPTIONS] [PATH...]\n\n"
        "Finds credentials in every text file (directories are walked, skipping what\n"
        ".gitignore ignores, binary files, lock files and minified bundles; '-' reads standard\n"
        "input; default: the current directory): provider tokens, private keys, Kubernetes\n"
        "Secrets with literal values, and high-entropy passwords and keys in configuration.\n"
        "Every secret is shown masked: a short prefix and its length.\n\n"
        "Suppress one with a 'qgate:allow' comment on its line, or list its fingerprint in\n"
        ".qgateignore at the repository root.\n\nOptions:\n",
        f);
  print_options(f, ids, QG_ARRAY_LEN(ids));
  fputc('\n', f);
  fputs(k_exit_help, f);
}

static void usage_scan(FILE *f) {
  static const enum opt_id ids[] = {
      O_BASE,        O_COLOR,     O_COMMENT,      O_CONFIG, O_COVERAGE, O_DRY_RUN,
      O_FIX,         O_FORMAT,    O_HELP,         O_IGNORE, O_JOBS,     O_MAX_FILE_SIZE,
      O_METRICS,     O_MIN_SCORE, O_NO_GITIGNORE, O_NOTIFY, O_PROFILE,  O_PSS,
      O_PSS_VERSION, O_SARIF_IN,  O_SELECT,       O_SHARD,  O_HOST_DEADLINE,
      O_REVIEW_DEADLINE};
  fputs("usage: qgate scan [OPTIONS] [PATH...]\n\n"
        "Runs every scanner in one walk of the paths (the Kubernetes checks on manifests,\n"
        "the secrets scanner on every text file), reads other tools' results (--sarif-in,\n"
        "--coverage, --metrics) and, with --base, what the change touched; turns it all into\n"
        "a 0-100 quality score by the policy in .qgate.yml (default: the design documents'\n"
        "table) and decides: approve (>= 85), review (>= 70) or reject (exit status 1).\n"
        "Criteria whose signal is absent are not measured and left out of the total.\n\n"
        "Options:\n",
        f);
  print_options(f, ids, QG_ARRAY_LEN(ids));
  fputc('\n', f);
  fputs(k_exit_help, f);
}

static void usage_review(FILE *f) {
  static const enum opt_id ids[] = {O_BASE,    O_COLOR,  O_COMMENT, O_CONFIG,          O_DRY_RUN,
                                    O_FAIL_ON, O_FORMAT, O_HELP,    O_HOST_DEADLINE,   O_PROFILE,
                                    O_REVIEW_DEADLINE};
  fputs("usage: qgate review [OPTIONS]\n\n"
        "Reviews the change since the base revision (--base; default: the CI's base, else the\n"
        "default branch) against the repository's ARCHITECTURE.md with a language model\n"
        "(QGATE_LLM_PROVIDER, QGATE_LLM_MODEL, QGATE_LLM_BASE_URL, or review: in a --config\n"
        "file outside the checkout; the repository's own .qgate.yml sets only the policy).\n"
        "Everything sent is redacted by the secrets scanner first. Violations the model is\n"
        "confident of (review.min_confidence, 0.8) are arch/violation findings; the rest are\n"
        "arch/unconfirmed notes. --dry-run prints the requests instead of sending them.\n\n"
        "Options:\n",
        f);
  print_options(f, ids, QG_ARRAY_LEN(ids));
  fputc('\n', f);
  fputs(k_exit_help, f);
}

static void usage_rules(FILE *f) {
  static const enum opt_id ids[] = {O_FORMAT, O_HELP};
  fputs("usage: qgate rules [--format text|json|markdown] [ID]\n\n"
        "Lists every rule with its group, severity and title, or explains one rule\n"
        "(help, remediation, example).\n\nOptions:\n",
        f);
  print_options(f, ids, QG_ARRAY_LEN(ids));
  fputs("\nExit status: 0 success, 2 unknown rule or bad usage.\n", f);
}

static void usage_version(FILE *f) {
  fputs("usage: qgate version\n\nPrints qgate's version and the versions of the libraries it "
        "uses.\n\nExit status: 0.\n",
        f);
}

/* "64M" -> bytes. */
static bool parse_size(const char *s, size_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || s[0] == '-')
    return false;
  unsigned long long mul = 1;
  if (*end == 'K' || *end == 'k')
    mul = 1024, end++;
  else if (*end == 'M' || *end == 'm')
    mul = 1024 * 1024, end++;
  else if (*end == 'G' || *end == 'g')
    mul = 1024ULL * 1024 * 1024, end++;
  if (*end || v == 0 || v > (unsigned long long)SIZE_MAX / 4 / mul)
    return false;
  *out = (size_t)(v * mul);
  return true;
}

/* "I/N": digits only, 1 <= I <= N <= QG_MAX_SHARDS. */
static bool parse_shard(const char *s, unsigned *index, unsigned *count) {
  unsigned long v[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    const char *start = s;
    while (*s >= '0' && *s <= '9' && s - start < 5)
      v[k] = v[k] * 10 + (unsigned long)(*s++ - '0');
    if (s == start || (*s >= '0' && *s <= '9') || *s != (k ? '\0' : '/'))
      return false;
    s += !k;
  }
  if (v[0] < 1 || v[0] > v[1] || v[1] > QG_MAX_SHARDS)
    return false;
  *index = (unsigned)v[0];
  *count = (unsigned)v[1];
  return true;
}

/* Parses argv[first..]; returns QG_EXIT_PASS or QG_EXIT_INPUT. */
static int parse_args(int argc, char **argv, int first, cli_opts *o, const qg_cli_io *io) {
  o->paths = qg_xcalloc((size_t)argc + 1, sizeof(char *));
  o->min_score = -1;
  bool only_paths = false;
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    if (only_paths || a[0] != '-' || strcmp(a, "-") == 0) {
      o->paths[o->npaths++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_paths = true;
      continue;
    }
    if (strcmp(a, "-h") == 0) {
      o->help = true;
      continue;
    }
    if (a[1] != '-') {
      errorf(io, "unknown option '%s' (see --help)", a);
      return QG_EXIT_INPUT;
    }
    const opt_def *d = bsearch(a + 2, k_opts, QG_ARRAY_LEN(k_opts), sizeof(k_opts[0]), cmp_opt);
    if (!d) {
      errorf(io, "unknown option '%s' (see --help)", a);
      return QG_EXIT_INPUT;
    }
    bool allowed = !o->allowed;
    for (size_t k = 0; k < o->nallowed; k++)
      allowed |= o->allowed[k] == d->id;
    if (!allowed) {
      errorf(io, "option '--%s' does not go with this command (see --help)", d->name);
      return QG_EXIT_INPUT;
    }
    const char *eq = strchr(a, '=');
    const char *val = NULL;
    if (d->arg) {
      if (eq)
        val = eq + 1;
      else if (i + 1 < argc)
        val = argv[++i];
      else {
        errorf(io, "option '--%s' needs a value (%s)", d->name, d->arg);
        return QG_EXIT_INPUT;
      }
    } else if (eq) {
      errorf(io, "option '--%s' takes no value", d->name);
      return QG_EXIT_INPUT;
    }
    switch (d->id) {
    case O_BASE:
      o->base = val;
      break;
    case O_COMMENT:
      if (!qg_host_find(val) && strcmp(val, "annotations")) {
        char *names = qg_host_names(", ", " or ", "annotations");
        errorf(io, "--comment takes %s, not '%s'", names, val);
        free(names);
        return QG_EXIT_INPUT;
      }
      o->comment = val;
      break;
    case O_MIN_SCORE: {
      char *end = NULL;
      long v = strtol(val, &end, 10);
      if (!*val || *end || v < 0 || v > 100) {
        errorf(io, "--min-score takes a number from 0 to 100, not '%s'", val);
        return QG_EXIT_INPUT;
      }
      o->min_score = (int)v;
      break;
    }
    case O_NOTIFY:
      if (strcmp(val, "slack")) {
        errorf(io, "--notify takes slack, not '%s'", val);
        return QG_EXIT_INPUT;
      }
      o->notify = val;
      break;
    case O_COLOR:
      if (strcmp(val, "auto") && strcmp(val, "always") && strcmp(val, "never")) {
        errorf(io, "--color takes auto, always or never, not '%s'", val);
        return QG_EXIT_INPUT;
      }
      o->color = val;
      break;
    case O_CONFIG:
      o->config = val;
      break;
    case O_DRY_RUN:
      o->dry_run = true;
      break;
    case O_FAIL_ON:
      o->fail_on = val;
      break;
    case O_FIX:
      o->fix = true;
      break;
    case O_PROFILE:
      o->profile = val;
      break;
    case O_FORMAT: {
      if (o->nformats == MAX_LISTS) {
        errorf(io, "too many --format options (at most %d)", MAX_LISTS);
        return QG_EXIT_INPUT;
      }
      fmt_out *f = &o->formats[o->nformats++];
      const char *feq = strchr(val, '=');
      if (feq) {
        f->name = qg_xstrndup(val, (size_t)(feq - val));
        f->file = feq + 1;
        if (!*f->file) {
          errorf(io, "--format %s: empty file name", val);
          return QG_EXIT_INPUT;
        }
      } else {
        f->name = qg_xstrdup(val);
        f->file = NULL;
      }
      break;
    }
    case O_HELP:
      o->help = true;
      break;
    case O_IGNORE:
    case O_SELECT:
    case O_SARIF_IN:
    case O_COVERAGE:
    case O_METRICS: {
      const char **list = d->id == O_IGNORE     ? o->ignore
                          : d->id == O_SELECT   ? o->select
                          : d->id == O_SARIF_IN ? o->sarif_in
                          : d->id == O_COVERAGE ? o->coverage
                                                : o->metrics;
      size_t *n = d->id == O_IGNORE     ? &o->nignore
                  : d->id == O_SELECT   ? &o->nselect
                  : d->id == O_SARIF_IN ? &o->nsarif_in
                  : d->id == O_COVERAGE ? &o->ncoverage
                                        : &o->nmetrics;
      if (*n == MAX_LISTS) {
        errorf(io, "too many --%s options", d->name);
        return QG_EXIT_INPUT;
      }
      list[(*n)++] = val;
      break;
    }
    case O_JOBS: {
      char *end = NULL;
      errno = 0;
      unsigned long n = strtoul(val, &end, 10);
      if (!*val || *end || errno || n < 1 || n > QG_MAX_THREADS || val[0] == '-') {
        errorf(io, "--jobs: '%s' is not a number of threads from 1 to %d", val, QG_MAX_THREADS);
        return QG_EXIT_INPUT;
      }
      o->jobs = (unsigned)n;
      break;
    }
    case O_MAX_FILE_SIZE:
      if (!parse_size(val, &o->max_file_size)) {
        errorf(io, "--max-file-size: '%s' is not a size (e.g. 1048576, 512K, 64M)", val);
        return QG_EXIT_INPUT;
      }
      break;
    case O_NO_GITIGNORE:
      o->no_gitignore = true;
      break;
    case O_HOST_DEADLINE:
      if (qg_deadline_parse(val, &o->host_deadline_ms) != QG_OK) {
        errorf(io, "--host-deadline takes seconds (more than 0, at most 86400), not '%s'", val);
        return QG_EXIT_INPUT;
      }
      break;
    case O_REVIEW_DEADLINE: {
      long ms;
      if (qg_deadline_parse(val, &ms) != QG_OK) {
        errorf(io, "--review-deadline takes seconds (more than 0, at most 86400), not '%s'", val);
        return QG_EXIT_INPUT;
      }
      o->review_deadline = val;
      break;
    }
    case O_SHARD:
      if (!parse_shard(val, &o->shard_index, &o->shard_count)) {
        errorf(io, "--shard takes I/N with 1 <= I <= N <= %u (e.g. 2/4), not '%s'", QG_MAX_SHARDS,
               val);
        return QG_EXIT_INPUT;
      }
      break;
    case O_PSS:
      o->pss_level = val;
      break;
    case O_PSS_VERSION:
      o->pss_version = val;
      break;
    }
  }
  /* the host deadline: the command line, else QGATE_HOST_DEADLINE, else the default
   * (two minutes: a summary and 30 inline comments take seconds; room for one
   * 60-second Retry-After), checked only when a host is called */
  const char *hd = getenv("QGATE_HOST_DEADLINE");
  if (!o->host_deadline_ms && (o->comment || o->notify)) {
    if (hd && *hd && qg_deadline_parse(hd, &o->host_deadline_ms) != QG_OK) {
      errorf(io, "QGATE_HOST_DEADLINE takes seconds (more than 0, at most 86400), not '%.32s'",
             hd);
      return QG_EXIT_INPUT;
    }
    if (!o->host_deadline_ms)
      o->host_deadline_ms = QG_HOST_DEADLINE_MS;
  }
  return QG_EXIT_PASS;
}

static void free_opts(cli_opts *o) {
  for (size_t i = 0; i < o->nformats; i++)
    free(o->formats[i].name);
  free(o->paths);
}

static bool want_color(const cli_opts *o, FILE *out) {
  const char *nc = getenv("NO_COLOR");
  if (nc && *nc)
    return false;
  if (o->color && strcmp(o->color, "always") == 0)
    return true;
  if (o->color && strcmp(o->color, "never") == 0)
    return false;
  int fd = fileno(out);
  const char *term = getenv("TERM");
  return fd >= 0 && isatty(fd) && !(term && strcmp(term, "dumb") == 0);
}

static void print_diags(const qg_cli_io *io, const qg_result *r) {
  for (size_t i = 0; i < r->diags.n; i++) {
    const qg_diag *d = &r->diags.items[i];
    const char *lvl = d->level == QG_DIAG_ERROR     ? "error"
                      : d->level == QG_DIAG_WARNING ? "warning"
                                                    : "note";
    fputs("qgate: ", io->err);
    if (d->loc.path) { /* repository text, escaped as in vmsg */
      qg_esc_fputs(io->err, d->loc.path);
      if (d->loc.line)
        fprintf(io->err, ":%u:%u", d->loc.line, d->loc.col);
      fputs(": ", io->err);
    }
    fprintf(io->err, "%s: ", lvl);
    qg_esc_fputs(io->err, d->message);
    fputc('\n', io->err);
  }
}

/* Writes every requested format; returns QG_EXIT_RUNTIME on an I/O error. */
static int write_reports(const cli_opts *o, const qg_report *rep, const qg_cli_io *io) {
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
        errorf(io, "cannot write %s: %s", fmts[i].file, qg_fs_strerror(err_no));
        status = QG_EXIT_RUNTIME;
        continue;
      }
      f = qg_wfile_stream(w);
    }
    qg_report r2 = *rep;
    if (f != io->out)
      r2.color = false;
    qg_status st = rp->fn(f, &r2);
    const char *why = qg_strerror(st);
    if (w && st != QG_OK)
      qg_wfile_abort(&w);
    else if (w && qg_wfile_commit(&w, &err_no) != QG_OK)
      st = QG_EIO, why = qg_fs_strerror(err_no);
    if (st != QG_OK) {
      errorf(io, "cannot write the %s report%s%s: %s", fmts[i].name, fmts[i].file ? " to " : "",
             fmts[i].file ? fmts[i].file : "", why);
      status = QG_EXIT_RUNTIME;
    }
  }
  free(checkout);
  if (io->findings)
    qg_report_findings(io->findings, rep);
  return status;
}

static void print_diags_redacted(const qg_cli_io *io, qg_result *r);

/* Loads --config FILE, or .qgate.yml at the repository root (or here) when
 * it exists. Returns QG_EXIT_PASS, or QG_EXIT_INPUT after printing the
 * errors. *loaded says whether there was a file. The repository's own file
 * is untrusted (SECURITY.md): only a --config file outside the checkout (the
 * git work tree holding the current directory, else the current directory)
 * may say where data and credentials go. */
static int load_config(const cli_opts *o, qg_config *cfg, bool *loaded, const qg_cli_io *io) {
  char *path = NULL;
  *loaded = false;
  char cwd[PATH_MAX], real[PATH_MAX];
  char *root = qg_git_workdir(".");
  bool here = !root || (getcwd(cwd, sizeof(cwd)) && realpath(root, real) && !strcmp(real, cwd));
  if (!root)
    root = qg_xstrdup(getcwd(cwd, sizeof(cwd)) ? cwd : ".");
  if (o->config) {
    path = qg_xstrdup(o->config);
  } else {
    /* named as the diagnostics show it: ./.qgate.yml from the root */
    char *cand = qg_xasprintf("%s/.qgate.yml", here ? "." : root);
    if (access(cand, F_OK) == 0)
      path = cand;
    else
      free(cand);
    /* the repository's own file: a link out of it (to /dev/stdin, to a file
     * of the runner's) is not followed */
    char *rroot = path ? qg_fs_realdir(root) : NULL;
    int e = rroot ? qg_fs_inside(rroot, path) : 0;
    free(rroot);
    if (e) {
      qg_result tmp;
      qg_result_init(&tmp);
      qg_location loc = {path, 0, 0, 0, 0};
      qg_result_diag(&tmp, QG_DIAG_ERROR, QG_ECONFIG, &loc, "cannot read the configuration: %s",
                     qg_fs_strerror(e));
      print_diags(io, &tmp);
      qg_result_cleanup(&tmp);
      free(path);
      free(root);
      return QG_EXIT_INPUT;
    }
  }
  if (path && !(o->config && qg_config_path_trusted(path, root)))
    qg_config_set_untrusted(cfg, root);
  free(root);
  if (!path) {
    if (o->profile) {
      errorf(io, "--profile %s: there is no configuration (.qgate.yml or --config)", o->profile);
      return QG_EXIT_INPUT;
    }
    return QG_EXIT_PASS;
  }
  qg_result tmp;
  qg_result_init(&tmp);
  qg_status st = qg_config_load(cfg, path, o->profile, &tmp);
  free(path);
  print_diags_redacted(io, &tmp);
  qg_result_cleanup(&tmp);
  *loaded = true;
  return st == QG_OK ? QG_EXIT_PASS : QG_EXIT_INPUT;
}

/* A redacted copy of s (qg_redact), for what goes to the terminal; caller frees. */
static char *redacted(qg_secrets *red, const char *s) {
  return qg_redact(red, s ? s : "", s ? strlen(s) : 0, NULL, NULL, NULL);
}

/* A path as it is shown (qg_redact_path: a credential in a name masked); caller frees. */
static char *shown_name(qg_secrets *red, const char *path) {
  return qg_redact_path(red, path, NULL);
}

/* --fix: rewrites every file with fixable findings (or, with --dry-run,
 * prints the diff). A symbolic link, a file with several hard links or
 * anything but a regular file is not rewritten: an error, QG_EXIT_INPUT (the
 * other files are fixed). A file that cannot be written is QG_EXIT_RUNTIME.
 * Only the fixes written are counted as applied. */
static int apply_fixes(const qg_scan_config *scan, const qg_result *r, bool dry_run,
                       qg_secrets *red, const qg_cli_io *io) {
  int status = QG_EXIT_PASS;
  size_t files = 0, fixes = 0;
  const char *last = NULL;
  /* a file named inside the checkout is rewritten only where it lies inside it once
   * links are resolved: a committed manifests -> ../elsewhere, named on the command
   * line, is the repository's choice, not the workflow's */
  char *wd = qg_git_workdir(".");
  char *checkout = qg_fs_realdir(wd ? wd : ".");
  free(wd);
  qg_write_opts wo = {checkout ? checkout : ".", 0};
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    /* findings are sorted by path: visit each path once */
    if (!f->fix || f->suppressed_by || f->loc.path == last ||
        strcmp(f->loc.path, QG_STDIN_LABEL) == 0)
      continue;
    last = f->loc.path;
    unsigned char *buf = NULL;
    size_t len = 0, outlen = 0, applied = 0;
    int err_no = 0;
    size_t max = scan->max_file_size ? scan->max_file_size : QG_DEFAULT_MAX_FILE_SIZE;
    if (qg_read_all(last, NULL, max, &buf, &len, &err_no) != QG_OK) {
      char *shown = shown_name(red, last); /* a name may hold a credential */
      errorf(io, "%s: cannot read for --fix: %s", shown, qg_fs_strerror(err_no));
      free(shown);
      status = QG_EXIT_RUNTIME;
      continue;
    }
    char *out = NULL;
    qg_fix_buffer(scan, last, (const char *)buf, len, &out, &outlen, &applied);
    /* a link (its target, or the other names of a hard link, are not what
     * was scanned as this path) is left to a person; qg_wfile_open refuses
     * it too, this says so for --dry-run as well */
    struct stat lsb;
    int refused = lstat(last, &lsb) != 0  ? 0
                  : S_ISLNK(lsb.st_mode)  ? QG_FS_ESYMLINK
                  : !S_ISREG(lsb.st_mode) ? QG_FS_ENOTREG
                  : lsb.st_nlink > 1      ? QG_FS_ENLINK
                                          : 0;
    if (refused && (outlen != len || memcmp(out, buf, len) != 0)) {
      char *shown = shown_name(red, last);
      errorf(io, "%s: not fixed: %s", shown, qg_fs_strerror(refused));
      free(shown);
      if (status == QG_EXIT_PASS)
        status = QG_EXIT_INPUT;
    } else if (outlen != len || memcmp(out, buf, len) != 0) {
      if (dry_run) {
        files++;
        fixes += applied;
        qg_buf label; /* the path in the diff's header, escaped as in vmsg */
        qg_buf_init(&label, 0);
        (void)qg_buf_puts(&label, "");
        qg_esc_text(&label, last);
        char *diff = qg_diff_unified(label.data, (const char *)buf, len, out, outlen);
        qg_buf_cleanup(&label);
        /* the diff's context shows lines of the file without what gave their secrets
         * away (a Secret's kind, an env entry's name): what the file holds, read
         * whole, is masked wherever the diff shows it */
        (void)qg_secrets_learn(red, (const char *)buf, len);
        (void)qg_secrets_learn(red, out, outlen);
        char *safe = redacted(red, diff);
        /* and the file's own lines are text for the CI log too: a context line of
         * "::error::..." (after the diff's blank) would be a workflow command */
        qg_buf shown;
        qg_buf_init(&shown, 0);
        (void)qg_buf_puts(&shown, "");
        qg_esc_lines(&shown, safe);
        fputs(shown.data, io->out);
        qg_buf_cleanup(&shown);
        free(safe);
        free(diff);
      } else if (qg_write_file_atomic(last, out, outlen, &wo, &err_no) != QG_OK) {
        char *shown = shown_name(red, last);
        errorf(io, "%s: cannot write the fixed file: %s", shown, qg_fs_strerror(err_no));
        free(shown);
        status = qg_fs_status(err_no) == QG_EPARSE && status != QG_EXIT_RUNTIME
                     ? QG_EXIT_INPUT
                     : QG_EXIT_RUNTIME;
      } else {
        files++;
        fixes += applied;
      }
    }
    free(out);
    free(buf);
  }
  free(checkout);
  /* nothing is said to be applied that was not written */
  if (files || status == QG_EXIT_PASS)
    fprintf(io->err, "qgate: %s %zu fix%s in %zu file%s\n", dry_run ? "would apply" : "applied",
            fixes, fixes == 1 ? "" : "es", files, files == 1 ? "" : "s");
  return status;
}

typedef enum run_mode { RUN_K8S, RUN_SECRETS, RUN_SCAN, RUN_REVIEW } run_mode;

/* The cap on .qgateignore: 65,536 fingerprints and their comments. */
#define QGATEIGNORE_MAX (4u << 20)

/* .qgateignore at the repository root (or here): fingerprints of findings
 * that are accepted, one per line, '#' comments. It is the repository's: a
 * link out of it, a FIFO or a device (/dev/zero) is an error, not read. */
static void apply_ignore_file(qg_result *r, const qg_cli_io *io, qg_shown_fingerprint_fn shown,
                              void *ud) {
  char *root = qg_git_workdir(".");
  char cwd[PATH_MAX], real[PATH_MAX];
  bool here = !root || (getcwd(cwd, sizeof(cwd)) && realpath(cwd, real) && strcmp(real, root) == 0);
  char *path = here ? qg_xstrdup(".qgateignore") : qg_xasprintf("%s/.qgateignore", root);
  char *rroot = qg_fs_realdir(here ? "." : root);
  free(root);
  unsigned char *buf = NULL;
  size_t len = 0;
  int err_no = 0;
  bool binary = false;
  struct stat lsb;
  bool there = lstat(path, &lsb) == 0;
  qg_status st = !there ? QG_ENOENT
                        : qg_read_repo_file(rroot, path, QGATEIGNORE_MAX, 0, &buf, &len, &binary,
                                            &err_no);
  free(rroot);
  if (st != QG_OK) {
    qg_location loc = {path, 0, 0, 0, 0};
    if (st == QG_ETOOBIG)
      qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc, "larger than the %u-byte cap: not read",
                     QGATEIGNORE_MAX);
    else if (there) /* absent is fine; a broken link is not */
      qg_result_diag(r, QG_DIAG_ERROR, st == QG_ENOENT ? QG_ENOENT : qg_fs_status(err_no), &loc,
                     "cannot read: %s", qg_fs_strerror(err_no));
    free(path);
    return;
  }
  qg_accepted acc;
  qg_accepted_parse(&acc, (const char *)buf, len);
  for (size_t i = 0; i < acc.nbad && i < QG_ACCEPTED_MAX_BAD; i++) {
    fputs("qgate: ", io->err);
    qg_esc_fputs(io->err, path);
    fprintf(io->err, ":%u: warning: not a fingerprint (16 hex digits, as in the JSON report)\n",
            acc.bad[i]);
  }
  if (acc.nbad > QG_ACCEPTED_MAX_BAD) {
    fputs("qgate: ", io->err);
    qg_esc_fputs(io->err, path);
    fprintf(io->err, ": warning: %zu more lines are not fingerprints\n",
            acc.nbad - QG_ACCEPTED_MAX_BAD);
  }
  (void)qg_accepted_apply_shown(&acc, r, shown, ud); /* the reports' fingerprints too */
  qg_accepted_cleanup(&acc);
  free(buf);
  free(path);
}

/* What follows every scan: the ignore file, then the base comparison. */
/* ---- the score's signals --------------------------------------------------------------- */

/* A path from the configuration: relative to the configuration's directory. */
static char *cfg_path(const qg_config *cfg, const char *p) {
  if (p[0] == '/' || !cfg->root)
    return qg_xstrdup(p);
  return qg_xasprintf("%s/%s", cfg->root, p);
}

/* Reads every SARIF, coverage and metrics file named on the command line or
 * in the configuration. Problems go to diags; returns false when any file
 * was invalid (then nothing is scored). */
static bool read_signals(const cli_opts *o, const qg_config *cfg, qg_signals *sig,
                         qg_result *diags) {
  bool ok = true;
  for (int kind = 0; kind < 3; kind++) {
    const char *const *cli = kind == 0 ? o->sarif_in : kind == 1 ? o->coverage : o->metrics;
    size_t ncli = kind == 0 ? o->nsarif_in : kind == 1 ? o->ncoverage : o->nmetrics;
    const qg_cfglist *cl = kind == 0 ? &cfg->sarif_in : kind == 1 ? &cfg->coverage_in
                                                                  : &cfg->metrics_in;
    /* the command line's files replace the configuration's */
    size_t n = ncli ? ncli : cl->n;
    for (size_t i = 0; i < n; i++) {
      char *path = ncli ? qg_xstrdup(cli[i]) : cfg_path(cfg, cl->items[i].s);
      qg_status st = kind == 0   ? qg_sarif_import(path, &sig->sarif, diags)
                     : kind == 1 ? qg_coverage_read(path, QG_COV_AUTO, &sig->coverage, diags)
                                 : qg_metrics_read(path, &sig->metrics, diags);
      ok &= st == QG_OK;
      free(path);
    }
  }
  return ok;
}

/* Does path match the configured globs, or the defaults when none are set? */
static bool any_match(const qg_cfglist *l, const char *const *deflt, size_t ndeflt,
                      const char *path) {
  if (!l->n)
    return qg_glob_list_match(deflt, ndeflt, path, false);
  const char **pats = qg_xcalloc(l->n, sizeof(*pats));
  for (size_t i = 0; i < l->n; i++)
    pats[i] = l->items[i].s;
  bool hit = qg_glob_list_match(pats, l->n, path, false);
  free(pats);
  return hit;
}

#define QG_MAX_CHANGED 1000000

/* What the change touched, from the base revision to HEAD. */
static bool change_signal(qg_git_base *base, const qg_config *cfg, qg_change_signal *ch,
                          const qg_cli_io *io) {
  static const char *const readme[] = {"README*", "Readme*", "readme*"};
  static const char *const api[] = {"api/", "*.proto", "*.graphql"};
  static const char *const openapi[] = {"openapi*.yaml", "openapi*.yml", "openapi*.json",
                                        "swagger*.yaml", "swagger*.yml", "swagger*.json"};
  char **paths = NULL, err[256];
  size_t n = 0;
  if (qg_git_base_changed(base, QG_MAX_CHANGED, &paths, &n, err, sizeof(err)) != QG_OK) {
    errorf(io, "--base: %s", err);
    for (size_t i = 0; i < n; i++)
      free(paths[i]);
    free(paths);
    return false;
  }
  ch->measured = true;
  ch->files = n;
  for (size_t i = 0; i < n; i++) {
    bool is_openapi = any_match(&cfg->openapi_globs, openapi, QG_ARRAY_LEN(openapi), paths[i]);
    ch->readme_changed |= any_match(&cfg->readme_globs, readme, QG_ARRAY_LEN(readme), paths[i]);
    ch->openapi_changed |= is_openapi;
    ch->api_changed |= !is_openapi && any_match(&cfg->api_globs, api, QG_ARRAY_LEN(api), paths[i]);
    free(paths[i]);
  }
  free(paths);
  return true;
}

/* In GitHub Actions: the score and counts to $GITHUB_OUTPUT, the Markdown
 * report to $GITHUB_STEP_SUMMARY. */
static void github_outputs(const qg_report *rep, const qg_cli_io *io) {
  const char *out = getenv("GITHUB_OUTPUT"), *summary = getenv("GITHUB_STEP_SUMMARY");
  if (out && *out) {
    FILE *f = fopen(out, "a");
    if (!f) {
      errorf(io, "cannot append to GITHUB_OUTPUT (%s): %s", out, strerror(errno));
    } else {
      size_t counts[QG__SEV_COUNT], total = 0;
      qg_result_counts(rep->result, counts);
      for (int sv = 0; sv < QG__SEV_COUNT; sv++)
        total += counts[sv];
      fprintf(f, "score=%u\ndecision=%s\nfindings=%zu\ncritical=%zu\nhigh=%zu\n",
              rep->score->total, qg_decision_name(rep->score->decision), total,
              counts[QG_SEV_CRITICAL], counts[QG_SEV_HIGH]);
      fclose(f);
    }
  }
  if (summary && *summary) {
    FILE *f = fopen(summary, "a");
    if (!f) {
      errorf(io, "cannot append to GITHUB_STEP_SUMMARY (%s): %s", summary, strerror(errno));
    } else {
      qg_report_markdown(f, rep);
      fclose(f);
    }
  }
}

/* The credentials qgate may hold, from the environment: masked (qg_redact)
 * wherever a server or the repository echoes them. */
static void add_env_credentials(qg_secrets *red, const qg_config *cfg) {
  static const char *const vars[] = {"OPENAI_API_KEY",    "ANTHROPIC_API_KEY",
                                     "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                     "AWS_SESSION_TOKEN", "GITHUB_TOKEN",
                                     "GH_TOKEN",          "GITLAB_TOKEN",
                                     "CI_JOB_TOKEN",      "SLACK_WEBHOOK_URL"};
  for (size_t i = 0; i <= QG_ARRAY_LEN(vars); i++) {
    const char *name = i < QG_ARRAY_LEN(vars) ? vars[i] : cfg->review.api_key_env;
    const char *v = name ? getenv(name) : NULL;
    if (v)
      qg_secrets_add_known(red, v, strlen(v));
  }
}

/* The redaction engine for everything qgate prints or sends (qg_redact):
 * every secret rule of the registry and the configuration, whatever
 * --select and --ignore say, and the credentials of the environment. With
 * io NULL it is quiet, and a custom rule that does not compile is left out
 * (the scan that runs it reports it); else its problems are printed and it
 * fails. */
static bool new_redactor(const qg_config *cfg, bool have_cfg, qg_ruleset *rs, qg_secrets **out,
                         const qg_cli_io *io) {
  qg_ruleset_init(rs);
  qg_result tmp;
  qg_result_init(&tmp);
  qg_status st = have_cfg ? qg_config_apply_rules(cfg, rs, &tmp) : QG_OK;
  for (size_t i = 0; i < rs->n; i++)
    if (rs->rules[i]->flags & QG_RULE_SECRET)
      rs->on[i] = true;
  if (st == QG_OK)
    st = qg_secrets_new(rs, have_cfg ? &cfg->scan : NULL, &tmp, out);
  if (st != QG_OK && !io) {
    qg_secrets_free(out);
    st = qg_secrets_new(rs, NULL, &tmp, out);
  }
  if (io)
    print_diags(io, &tmp);
  qg_result_cleanup(&tmp);
  if (st == QG_OK) {
    add_env_credentials(*out, cfg);
  } else {
    qg_secrets_free(out);
    qg_ruleset_cleanup(rs); /* ready for another try */
  }
  return st == QG_OK;
}

/* Prints r's diagnostics redacted (qg_redact_result), for those printed before
 * the run's redactor exists (the configuration's, the signals'): they may echo
 * what the repository wrote. The registry's secret rules and the environment's
 * credentials, built only when there is something to print. */
static void print_diags_redacted(const qg_cli_io *io, qg_result *r) {
  if (r->diags.n) {
    qg_config none;
    qg_config_init(&none);
    qg_ruleset rs = {0};
    qg_secrets *red = NULL;
    if (new_redactor(&none, false, &rs, &red, NULL))
      qg_redact_result(red, r);
    qg_secrets_free(&red);
    qg_ruleset_cleanup(&rs);
    qg_config_cleanup(&none);
  }
  print_diags(io, r);
}

/* The redactor, built on first need (quietly: new_redactor). */
static qg_secrets *need_redactor(qg_secrets **red, qg_ruleset *rs, const qg_config *cfg,
                                 bool have_cfg) {
  if (!*red)
    (void)new_redactor(cfg, have_cfg, rs, red, NULL);
  return *red;
}

/* What the review did, on standard error: one line, then what it left out. */
static void review_summary(const qg_review_outcome *rv, qg_secrets *red, const qg_cli_io *io) {
  if (rv->state == QG_REVIEW_FAILED || rv->state == QG_REVIEW_NOT_CONFIGURED) {
    char *t = redacted(red, rv->reason);
    infof(io, "review: not measured: %s", t);
    free(t);
  } else {
    char *t = rv->state == QG_REVIEW_PARTIAL ? redacted(red, rv->reason) : NULL;
    infof(io,
          "review: %zu file%s in %zu chunk%s (%zu request%s, %zu from the cache): %zu "
          "violation%s, %zu below the confidence threshold%s%s",
          rv->files, rv->files == 1 ? "" : "s", rv->chunks, rv->chunks == 1 ? "" : "s",
          rv->requests, rv->requests == 1 ? "" : "s", rv->cached, rv->violations,
          rv->violations == 1 ? "" : "s", rv->unconfirmed, t ? "; partial: " : "", t ? t : "");
    free(t);
  }
  /* what servers and the model said may echo a credential; vmsg escapes the text */
  for (size_t i = 0; i < rv->nskipped; i++) {
    char *t = redacted(red, rv->skipped[i]);
    infof(io, "review: skipped: %s", t);
    free(t);
  }
  for (size_t i = 0; i < rv->nnotes; i++) {
    char *t = redacted(red, rv->notes[i]);
    infof(io, "review: note: %s", t);
    free(t);
  }
}

/* GitHub workflow commands: repository text in its visible form first (qg_esc_text:
 * no control character, no "##["), then "%" and line ends escaped in the message, and
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

/* The lines of what was scanned at the pull request's head, where GitHub shows
 * annotations: for a pull request event whose checkout is another commit (the merge
 * GitHub made, actions/checkout's default). NULL when there is nothing to map, or
 * (said on io->err) the head is not in the clone. Caller frees. */
static qg_linemap *annotation_lines(const qg_cli_io *io) {
  qg_host_ctx ev;
  char err[512], *why = NULL;
  qg_linemap *m = NULL;
  if (!getenv("GITHUB_EVENT_PATH") || qg_github_event_load(&ev, &why) != QG_OK) {
    free(why);
    return NULL; /* not a pull request's job: its checkout is what GitHub shows */
  }
  if (qg_linemap_open(NULL, ev.head_sha, &m, err, sizeof(err)) == QG_ENOENT)
    warnf(io, "--comment annotations: %s: the annotations keep the lines of the commit checked "
              "out, which GitHub shows on the pull request's head (fetch the history: "
              "actions/checkout fetch-depth: 0)",
          err);
  qg_host_ctx_cleanup(&ev);
  return m;
}

/* --comment annotations: one workflow command per active finding, which the
 * Actions runner shows on the pull request's files without any token (forks). A
 * finding on a line the pull request's head does not have is annotated on its
 * file, without a line. */
static void annotations(const qg_report *rep, const qg_cli_io *io) {
  FILE *out = io->out;
  qg_linemap *lines = annotation_lines(io);
  const qg_result *r = rep->result;
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    if (f->suppressed_by || f->in_base)
      continue;
    uint32_t line = qg_linemap_line(lines, qg_host_repo_path(f->loc.path), f->loc.line);
    fprintf(out, "::%s file=", f->severity >= QG_SEV_HIGH     ? "error"
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
  qg_linemap_free(&lines);
}

/* --comment github|gitlab: after the reports are written. Sets *usage for
 * a missing context, *failed when the host refused something. */
static void post_comments(const cli_opts *o, const qg_config *cfg, const qg_report *rep,
                          long long deadline, qg_secrets *red, const qg_cli_io *io, bool *usage,
                          bool *failed) {
  if (!strcmp(o->comment, "annotations")) {
    annotations(rep, io);
    return;
  }
  qg_host_ctx ctx;
  char err[512], *why = NULL;
  if (qg_host_ctx_load(qg_host_find(o->comment), &ctx, &why) != QG_OK) {
    errorf(io, "--comment %s: %s", o->comment, why);
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
    qg_status cst = qg_change_read(&co, &ch, err, sizeof(err));
    if (cst == QG_OK)
      chp = &ch;
    else if (cst == QG_ENOENT) /* the checkout's lines cannot be placed in its diff */
      warnf(io,
            "--comment %s: %s: every finding goes to the summary (fetch the history: "
            "actions/checkout fetch-depth: 0, GIT_DEPTH: 0)",
            o->comment, err);
    else
      warnf(io, "--comment %s: cannot read the change (%s): every finding goes to the summary",
            o->comment, err);
  }
  qg_comment_opts copt = {0};
  copt.verdict = cfg->comment_verdict ? QG_VERDICT_ON : QG_VERDICT_OFF;
  copt.max_inline = cfg->comment_max_inline;
  copt.deadline_ms = deadline;
  copt.redactor = red;
  qg_comment_outcome out;
  qg_status st = qg_host_comment(&ctx, rep, chp, &copt, &out);
  fprintf(io->err,
          "qgate: comment: summary %s; %zu inline comment%s posted, %zu kept, %zu removed; %zu "
          "finding%s only in the summary%s%s\n",
          out.summary_created ? "posted" : out.summary_updated ? "updated" : "not posted",
          out.inline_created, out.inline_created == 1 ? "" : "s", out.inline_kept,
          out.inline_removed, out.to_summary, out.to_summary == 1 ? "" : "s",
          out.verdict ? "; verdict " : "", out.verdict ? out.verdict : "");
  if (out.over_cap)
    fprintf(io->err, "qgate: comment: %zu more inline comments over comment.max_inline\n",
            out.over_cap);
  if (st != QG_OK) {
    char *e = redacted(red, out.error); /* a host's error body may echo the token */
    errorf(io, "--comment %s: %s", o->comment, e);
    free(e);
    *failed = true;
  }
  qg_comment_outcome_cleanup(&out);
  qg_change_cleanup(&ch);
  qg_host_ctx_cleanup(&ctx);
}

/* --notify slack: the design documents' security gate asks for a human's
 * approval when there are more high findings than the policy allows. */
static bool notify_slack(const qg_config *cfg, const qg_report *rep, long long deadline,
                         const qg_cli_io *io) {
  size_t counts[QG__SEV_COUNT];
  qg_result_counts(rep->result, counts);
  double lim = cfg->score.crit[QG_CRIT_HIGH].limit;
  bool approval = (double)counts[QG_SEV_HIGH] > lim;
  bool reject = rep->score && rep->score->decision == QG_DECISION_REJECT;
  if (!approval && !reject)
    return true;
  const char *url = getenv("SLACK_WEBHOOK_URL");
  if (!url || !*url) {
    errorf(io, "--notify slack: SLACK_WEBHOOK_URL is not set");
    return false;
  }
  const char *pr = getenv("CI_MERGE_REQUEST_IID"), *ref = getenv("GITHUB_REF_NAME");
  if (!ref)
    ref = getenv("CI_COMMIT_REF_NAME");
  const char *repo = getenv("GITHUB_REPOSITORY");
  if (!repo)
    repo = getenv("CI_PROJECT_PATH");
  qg_buf t;
  qg_buf_init(&t, 0);
  /* the branch name is the pull request author's: Slack's escaping, so that it cannot
   * form <!channel>, <@user> or a link */
  (void)qg_buf_printf(&t, "%s ", approval ? "\xf0\x9f\x94\x92 Security approval needed"
                                          : "\xe2\x9d\x8c Quality gate rejected");
  qg_slack_escape(&t, repo);
  if (pr) {
    (void)qg_buf_puts(&t, " !");
    qg_slack_escape(&t, pr);
  } else if (ref) {
    (void)qg_buf_puts(&t, " (");
    qg_slack_escape(&t, ref);
    (void)qg_buf_puts(&t, ")");
  }
  (void)qg_buf_printf(&t, "\nHIGH findings: %zu (at most %g), CRITICAL: %zu", counts[QG_SEV_HIGH],
                      lim, counts[QG_SEV_CRITICAL]);
  if (rep->score)
    (void)qg_buf_printf(&t, "\nScore: %u/100, %s", rep->score->total,
                        qg_decision_name(rep->score->decision));
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "text", t.data);
  const char *channel = getenv("SLACK_CHANNEL");
  if (channel && *channel)
    cJSON_AddStringToObject(body, "channel", channel);
  qg_buf_cleanup(&t);
  char *json = qg_json_print(body, false); /* valid UTF-8 whatever the environment held */
  static const char *const hdr[] = {"Content-Type: application/json"};
  qg_http_request rq = {"POST", url, hdr, 1, json, strlen(json), NULL, NULL, NULL, NULL};
  qg_http_options ho = {0};
  ho.timeout_ms = 15000;
  ho.deadline_ms = deadline;
  qg_http_response resp;
  memset(&resp, 0, sizeof(resp));
  qg_status st = qg_http_perform(&rq, 1, &ho, &resp);
  bool ok = st == QG_OK && resp.status == QG_OK && resp.code >= 200 && resp.code < 300;
  if (!ok) /* the webhook URL is a secret: not in the message */
    errorf(io, "--notify slack: the webhook refused the message (%s)",
           resp.code ? (resp.code == 404 ? "HTTP 404: no such webhook"
                                         : resp.code == 403 ? "HTTP 403" : "HTTP error")
                     : "no answer");
  else
    fprintf(io->err, "qgate: notify: posted to Slack (%s)\n",
            approval ? "security approval needed" : "gate rejected");
  qg_http_response_cleanup(&resp);
  free(json);
  return ok;
}

/* The configuration as read, for the merge to check that every shard read the same:
 * FNV-1a of the file and the profile's name. False when the file cannot be read. */
static bool config_digest(const qg_config *cfg, const char *profile, char out[17]) {
  unsigned char *buf = NULL;
  size_t len = 0;
  int err_no = 0;
  if (!cfg->path || qg_read_all(cfg->path, NULL, QG_SIGNAL_MAX_BYTES, &buf, &len, &err_no) != QG_OK)
    return false;
  uint64_t h = qg_hash64(buf, len, QG_HASH_SEED);
  free(buf);
  if (profile)
    h = qg_hash64(profile, strlen(profile) + 1, h);
  snprintf(out, 17, "%016llx", (unsigned long long)h);
  return true;
}

/* The redactor reports use, for the fingerprints they show (built on first need). */
typedef struct shown_ctx {
  qg_secrets **red;
  qg_ruleset *rs;
  const qg_config *cfg;
  bool have_cfg;
} shown_ctx;

static void shown_fingerprint(void *ud, const qg_finding *f, char out[17]) {
  shown_ctx *c = ud;
  qg_redact_fingerprint(need_redactor(c->red, c->rs, c->cfg, c->have_cfg), f, out);
}

static void finish_scan(const qg_scan_config *scan, qg_git_base *base, qg_result *r,
                        const qg_cli_io *io, shown_ctx *sc) {
  apply_ignore_file(r, io, shown_fingerprint, sc);
  if (base)
    qg_scan_mark_base(scan, base, r);
}

/* Every --format names a reporter; otherwise an error that lists them. */
static bool formats_known(const cli_opts *o, const qg_cli_io *io) {
  for (size_t i = 0; i < o->nformats; i++)
    if (!qg_reporter_find(o->formats[i].name)) {
      errorf(io, "unknown --format '%s' (text, json, sarif, markdown, codequality, junit, badge)",
             o->formats[i].name);
      return false;
    }
  return true;
}

/* Whether r has error diagnostics: *io_error for a read or write that failed (a
 * runtime error), the return value for the others (input errors). */
static bool diag_errors(const qg_result *r, bool *io_error) {
  bool input_error = false;
  for (size_t i = 0; i < r->diags.n; i++) {
    if (r->diags.items[i].level != QG_DIAG_ERROR)
      continue;
    if (r->diags.items[i].status == QG_EIO)
      *io_error = true;
    else
      input_error = true;
  }
  return input_error;
}

/* A gate that did not read or scan everything does not approve: the decision is at
 * most "review" (no approval is posted), whatever the points. */
static void hold_approval(qg_score *score, bool incomplete) {
  if (incomplete && score->decision == QG_DECISION_APPROVE) {
    score->decision = QG_DECISION_REVIEW;
    score->held = true;
  }
}

static int cmd_run(int argc, char **argv, const qg_cli_io *io, run_mode mode) {
  cli_opts o = {0};
  qg_secrets *engine = NULL;
  qg_git_base *base = NULL;
  char *ci_base = NULL; /* the CI's base revision, without --base */
  const char *ci_source = NULL;
  qg_secrets *redactor = NULL; /* every secret rule on, whatever ran: for the review */
  qg_ruleset rs_red = {0};
  qg_review_outcome review;
  memset(&review, 0, sizeof(review));
  bool review_failed = false;
  qg_ruleset rs = {0};
  qg_result r;
  qg_config cfg;
  qg_signals sig;
  qg_score score;
  qg_scan_order order = {0}; /* --shard: where each diagnostic came from */
  cJSON *shard_obj = NULL;   /* --shard: what qgate merge reads */
  memset(&sig, 0, sizeof(sig));
  bool have_cfg = false;
  qg_config_init(&cfg);
  qg_result_init(&r);
  int status = parse_args(argc, argv, 2, &o, io);
  if (status != QG_EXIT_PASS)
    goto out;
  if (o.help) {
    (mode == RUN_K8S       ? usage_k8s
     : mode == RUN_SECRETS ? usage_secrets
     : mode == RUN_REVIEW  ? usage_review
                           : usage_scan)(io->out);
    goto out;
  }
  status = QG_EXIT_INPUT;
  if (!formats_known(&o, io))
    goto out;
  for (size_t i = 0; i < o.nformats; i++) {
    if (strcmp(o.formats[i].name, "badge") == 0 && mode != RUN_SCAN) {
      errorf(io, "--format badge shows the quality score: it goes with 'qgate scan'");
      goto out;
    }
  }
  if (o.shard_count && mode == RUN_REVIEW) {
    errorf(io, "--shard splits the files of a scan: it goes with scan, k8s and secrets");
    goto out;
  }
  if (o.shard_count && (o.comment || o.notify)) {
    errorf(io,
           "--%s with --shard would speak for one part of the files: pass it to 'qgate "
           "merge'",
           o.comment ? "comment" : "notify");
    goto out;
  }
  if (o.shard_count) {
    bool json_file = false;
    for (size_t i = 0; i < o.nformats; i++)
      json_file |= !strcmp(o.formats[i].name, "json") && o.formats[i].file;
    if (!json_file)
      warnf(io,
            "--shard %u/%u without --format json=FILE: 'qgate merge' joins the shards' JSON "
            "reports",
            o.shard_index, o.shard_count);
  }
  if (load_config(&o, &cfg, &have_cfg, io) != QG_EXIT_PASS)
    goto out;
  if (o.min_score >= 0 && mode == RUN_SCAN) { /* the command line wins over the policy */
    cfg.score.review = (unsigned)o.min_score;
    if (cfg.score.approve < cfg.score.review)
      cfg.score.approve = cfg.score.review;
  }
  {
    char rerr[256];
    if (qg_review_config_env(&cfg.review, rerr, sizeof(rerr)) != QG_OK) {
      errorf(io, "%s", rerr);
      goto out;
    }
    if ((mode == RUN_SCAN || mode == RUN_REVIEW) &&
        qg_review_config_deadline(&cfg.review, o.review_deadline, rerr, sizeof(rerr)) != QG_OK) {
      errorf(io, "%s", rerr);
      goto out;
    }
  }
  if (mode == RUN_REVIEW && o.npaths) {
    errorf(io, "qgate review takes no paths: it reviews the change since --base");
    goto out;
  }
  if (mode == RUN_REVIEW && cfg.review.provider == QG_LLM_NONE) {
    errorf(io, "qgate review: no provider configured: set QGATE_LLM_PROVIDER (openai, anthropic, "
               "bedrock), or review.provider in a --config file outside the checkout");
    goto out;
  }
  /* the command line wins over the configuration */
  if (!o.pss_level)
    o.pss_level = cfg.pss_level.s;
  if (!o.pss_version)
    o.pss_version = cfg.pss_version.s;
  if (!o.fail_on)
    o.fail_on = cfg.fail_on.s;
  qg_pss_level level = QG_PSS_RESTRICTED;
  if (o.pss_level && qg_pss_parse_level(o.pss_level, &level) != QG_OK) {
    errorf(io, "--pss takes restricted, baseline or off, not '%s'", o.pss_level);
    goto out;
  }
  unsigned minor = QG_PSS_MAX_MINOR;
  if (o.pss_version && qg_pss_parse_version(o.pss_version, &minor) != QG_OK) {
    errorf(io, "--pss-version takes v1.N (e.g. v1.30) or latest, not '%s'", o.pss_version);
    goto out;
  }
  qg_severity fail_on = QG_SEV_LOW;
  bool fail_never = false;
  if (o.fail_on) {
    if (strcasecmp(o.fail_on, "none") == 0 || strcasecmp(o.fail_on, "never") == 0)
      fail_never = true;
    else if (qg_severity_parse(o.fail_on, &fail_on) != QG_OK) {
      errorf(io, "--fail-on takes critical, high, medium, low, info or none, not '%s'",
             o.fail_on);
      goto out;
    }
  }
  qg_ruleset_init(&rs);
  if (have_cfg) {
    qg_result tmp;
    qg_result_init(&tmp);
    qg_status cst = qg_config_apply_rules(&cfg, &rs, &tmp);
    print_diags_redacted(io, &tmp);
    qg_result_cleanup(&tmp);
    if (cst != QG_OK)
      goto out;
  }
  char bad[128];
  bool first = true;
  for (size_t i = 0; i < o.nselect; i++) {
    if (qg_ruleset_select(&rs, o.select[i], &first, bad, sizeof(bad)) != QG_OK) {
      errorf(io, "--select: no rule or group '%s' (see 'qgate rules')", bad);
      goto out;
    }
  }
  for (size_t i = 0; i < o.nignore; i++) {
    if (qg_ruleset_ignore(&rs, o.ignore[i], bad, sizeof(bad)) != QG_OK) {
      errorf(io, "--ignore: no rule or group '%s' (see 'qgate rules')", bad);
      goto out;
    }
  }
  /* each command runs its own groups; the level decides which PSS rules run */
  for (size_t i = 0; i < rs.n; i++) {
    unsigned fl = rs.rules[i]->flags;
    bool secret = (fl & QG_RULE_SECRET) != 0, arch = (fl & QG_RULE_ARCH) != 0;
    if (mode == RUN_REVIEW ? !arch : mode != RUN_SCAN && (arch || (mode == RUN_K8S) == secret))
      rs.on[i] = false;
    if (level == QG_PSS_OFF && (fl & (QG_RULE_BASELINE | QG_RULE_RESTRICTED)))
      rs.on[i] = false;
    if (level == QG_PSS_BASELINE && (fl & QG_RULE_RESTRICTED))
      rs.on[i] = false;
  }

  if (mode != RUN_SCAN && (o.nsarif_in || o.ncoverage || o.nmetrics)) {
    errorf(io, "--sarif-in, --coverage and --metrics feed the score: they go with 'qgate scan'");
    goto out;
  }
  if (mode == RUN_SCAN) { /* invalid signals: nothing is scanned or written */
    qg_result tmp;
    qg_result_init(&tmp);
    bool ok = read_signals(&o, &cfg, &sig, &tmp);
    print_diags_redacted(io, &tmp);
    qg_result_cleanup(&tmp);
    if (!ok)
      goto out;
  }
  if (mode == RUN_SCAN || mode == RUN_SECRETS) {
    qg_result tmp;
    qg_result_init(&tmp);
    qg_status est = qg_secrets_new(&rs, have_cfg ? &cfg.scan : NULL, &tmp, &engine);
    print_diags(io, &tmp);
    qg_result_cleanup(&tmp);
    if (est != QG_OK)
      goto out;
  }
  /* in the pre-push hook the gate runs offline unless review.local says otherwise */
  const char *hook = getenv("QGATE_HOOK");
  /* a sharded scan reviews the change once, in shard 1: its findings are the change's */
  bool reviewing = (mode == RUN_SCAN || mode == RUN_REVIEW) && cfg.review.provider != QG_LLM_NONE &&
                   (mode == RUN_REVIEW || !hook || !*hook || cfg.review.local) &&
                   o.shard_index <= 1;
  if (reviewing && !new_redactor(&cfg, have_cfg, &rs_red, &redactor, io))
    goto out;
  qg_scan_config scan = {
      .run_k8s = mode != RUN_SECRETS,
      .secrets = engine,
      .k8s = {.rules = &rs, .policy = have_cfg ? &cfg.scan : NULL, .pss_level = level,
              .pss_minor = minor},
      .max_file_size = o.max_file_size,
      .stdin_fp = io->in,
      .use_gitignore = !o.no_gitignore,
      .jobs = o.jobs,
      .shard_index = o.shard_index,
      .shard_count = o.shard_count,
      .order = o.shard_count ? &order : NULL,
  };
  static const char *const dot[] = {"."};
  const char *const *paths = o.npaths ? o.paths : dot;
  size_t npaths = o.npaths ? o.npaths : 1;
  if (mode != RUN_REVIEW)
    qg_scan_paths(&scan, paths, npaths, &r);
  if (o.base) {
    char gerr[256];
    if (qg_git_base_open(o.base, &base, gerr, sizeof(gerr)) != QG_OK) {
      errorf(io, "--base: %s", gerr);
      goto out;
    }
  } else if ((mode == RUN_SCAN || mode == RUN_REVIEW) &&
             (ci_base = qg_ci_base_rev(&ci_source)) != NULL) {
    /* the gate in a merge or pull request pipeline: the CI's base, when the
     * clone holds it (a shallow clone may not: then the change is not
     * measured, and the gate still runs) */
    char gerr[256];
    if (qg_git_base_open(ci_base, &base, gerr, sizeof(gerr)) != QG_OK) {
      warnf(io,
            "the base revision from %s is not usable (%s): the change criteria are not "
            "measured; fetch more history (actions/checkout fetch-depth: 0, GitLab GIT_DEPTH: 0) "
            "or pass --base",
            ci_source, gerr);
      free(ci_base);
      ci_base = NULL;
    }
  }
  if (mode == RUN_REVIEW && !base && !ci_base) {
    /* no base given or named by the CI: the default branch */
    static const char *const branches[] = {"origin/HEAD", "origin/main", "origin/master",
                                           "main", "master"};
    char gerr[256];
    for (size_t i = 0; i < QG_ARRAY_LEN(branches) && !base; i++)
      if (qg_git_base_open(branches[i], &base, gerr, sizeof(gerr)) == QG_OK)
        ci_base = qg_xstrdup(branches[i]);
    if (!base) {
      errorf(io, "qgate review: no base revision: pass --base (no CI base, no main or master)");
      goto out;
    }
  }
  shown_ctx sc = {&redactor, &rs_red, &cfg, have_cfg};
  if (mode != RUN_REVIEW)
    finish_scan(&scan, base, &r, io, &sc);
  if (o.dry_run && !o.fix && mode != RUN_REVIEW) {
    errorf(io, "--dry-run goes with --fix");
    goto out;
  }
  bool fix_refused = false; /* a file --fix would not rewrite: an input error */
  if (o.fix) {
    /* the diff, and the paths in what --fix says */
    qg_secrets *fix_red = need_redactor(&redactor, &rs_red, &cfg, have_cfg);
    int fst = apply_fixes(&scan, &r, o.dry_run, fix_red, io);
    if (fst == QG_EXIT_RUNTIME) {
      status = QG_EXIT_RUNTIME;
      goto out;
    }
    fix_refused = fst == QG_EXIT_INPUT;
    if (!o.dry_run) { /* report what is left */
      qg_result_cleanup(&r);
      qg_result_init(&r);
      qg_scan_paths(&scan, paths, npaths, &r);
      finish_scan(&scan, base, &r, io, &sc);
    }
  }
  size_t walked = r.findings.n; /* what the review adds comes after */

  if (reviewing) {
    const char *rev = o.base ? o.base : ci_base;
    if (!rev) {
      snprintf(review.reason, sizeof(review.reason), "no base revision (--base)");
    } else {
      qg_review_run rr = {&cfg.review, &rs, redactor, rev, NULL, o.dry_run ? io->out : NULL};
      qg_status rst = qg_review(&rr, &r, &review);
      if (rst == QG_EUSAGE || (rst == QG_EGIT && mode == RUN_REVIEW)) {
        errorf(io, "review: %s", review.reason);
        goto out;
      }
      review_summary(&review, redactor, io);
      if (mode == RUN_REVIEW)
        r.stats.files = review.files;
      review_failed = cfg.review.required && !o.dry_run &&
                      (review.state == QG_REVIEW_FAILED || review.state == QG_REVIEW_PARTIAL);
    }
    sig.review.measured = review.state == QG_REVIEW_DONE ||
                          (review.state == QG_REVIEW_PARTIAL && review.violations);
    sig.review.violations = review.violations;
    sig.review.reason = review.reason;
  }

  if (mode == RUN_SCAN && !reviewing && o.shard_index > 1 && cfg.review.provider != QG_LLM_NONE)
    sig.review.reason = "reviewed by shard 1 (--shard)";
  bool gate_failed = false;
  if (mode == RUN_SCAN) { /* the score decides */
    if (base && !change_signal(base, &cfg, &sig.change, io))
      goto out;
    sig.findings = &r;
    for (size_t i = 0; i < rs.n && engine; i++) /* measured when a secrets rule ran */
      sig.scanned_secrets |= rs.on[i] && (rs.rules[i]->flags & QG_RULE_SECRET);
    qg_score_compute(&cfg.score, &sig, &score);
    gate_failed = score.decision == QG_DECISION_REJECT;
  }
  for (size_t i = 0; i < r.findings.n && !fail_never && mode != RUN_SCAN; i++)
    gate_failed |= !r.findings.items[i].suppressed_by && !r.findings.items[i].in_base &&
                   r.findings.items[i].severity >= fail_on;
  /* every text of the result is redacted before anything shows it: object names,
   * messages, echoed annotation values, diagnostics */
  if (r.findings.n || r.diags.n || o.comment)
    qg_redact_result(need_redactor(&redactor, &rs_red, &cfg, have_cfg), &r);
  /* runtime error > input error > gate failure; either error holds the approval */
  bool io_error = false, input_error = diag_errors(&r, &io_error) || fix_refused;
  if (mode == RUN_SCAN)
    hold_approval(&score, io_error || input_error);
  char version[16];
  snprintf(version, sizeof(version), "v1.%u", minor);
  const char *rep_base = mode == RUN_REVIEW ? NULL : o.base ? o.base : ci_base;
  if (o.shard_count) {
    char digest[17];
    qg_shard_meta sm = {
        .index = o.shard_index,
        .count = o.shard_count,
        .config_digest = have_cfg && config_digest(&cfg, o.profile, digest) ? digest : NULL,
        .rules = &rs,
        .base = rep_base,
        .policy = mode == RUN_SCAN ? &cfg.score : NULL,
        .signals = mode == RUN_SCAN ? &sig : NULL,
        .walked = walked,
        .diag_walk = order.walk,
        .ndiag_walk = order.n,
        .review_failed = review_failed,
    };
    shard_obj = qg_shard_json(&sm, &r);
  }
  qg_report rep = {
      .result = &r,
      .rules = &rs,
      .command = mode == RUN_K8S       ? "k8s"
                 : mode == RUN_SECRETS ? "secrets"
                 : mode == RUN_REVIEW  ? "review"
                                       : "scan",
      .pss_level = level == QG_PSS_OFF ? "off" : level == QG_PSS_BASELINE ? "baseline" : "restricted",
      .pss_version = version,
      .fail_on = fail_on,
      .fail_never = fail_never,
      .gate_failed = gate_failed,
      .incomplete = io_error || input_error,
      .color = want_color(&o, io->out),
      .base = rep_base,
      .score = mode == RUN_SCAN ? &score : NULL,
      .review = reviewing ? &review : NULL,
      .shard = shard_obj,
      .threads = qg_scan_threads(o.jobs),
  };
  print_diags(io, &r);
  int wstatus = write_reports(&o, &rep, io);
  if (rep.score && !o.shard_count) /* a shard's score is partial: the merge's counts */
    github_outputs(&rep, io);
  bool host_usage = false, host_failed = false;
  long long host_at = qg_http_now_ms() + o.host_deadline_ms; /* one for every host call */
  if (o.comment) /* after the reports: they are written whatever the host says */
    post_comments(&o, &cfg, &rep, host_at, redactor, io, &host_usage, &host_failed);
  if (o.notify && mode == RUN_SCAN)
    host_failed |= !notify_slack(&cfg, &rep, host_at, io);

  status = io_error || wstatus == QG_EXIT_RUNTIME || review_failed || host_failed
               ? QG_EXIT_RUNTIME
           : input_error || host_usage ? QG_EXIT_INPUT
           : gate_failed                          ? QG_EXIT_FAIL
                                                  : QG_EXIT_PASS;
out:
  cJSON_Delete(shard_obj);
  qg_scan_order_cleanup(&order);
  qg_review_outcome_cleanup(&review);
  qg_secrets_free(&redactor);
  qg_ruleset_cleanup(&rs_red);
  free(ci_base);
  qg_git_base_free(&base);
  qg_result_cleanup(&r);
  qg_secrets_free(&engine);
  qg_ruleset_cleanup(&rs);
  qg_config_cleanup(&cfg);
  free_opts(&o);
  return status;
}

static int cmd_k8s(int argc, char **argv, const qg_cli_io *io) {
  return cmd_run(argc, argv, io, RUN_K8S);
}

static int cmd_secrets(int argc, char **argv, const qg_cli_io *io) {
  return cmd_run(argc, argv, io, RUN_SECRETS);
}

static int cmd_scan(int argc, char **argv, const qg_cli_io *io) {
  return cmd_run(argc, argv, io, RUN_SCAN);
}

static int cmd_review(int argc, char **argv, const qg_cli_io *io) {
  return cmd_run(argc, argv, io, RUN_REVIEW);
}

/* ---- merge ------------------------------------------------------------------ */

static const enum opt_id k_merge_opts[] = {O_COLOR,   O_COMMENT,       O_CONFIG,
                                           O_FORMAT,  O_HELP,          O_HOST_DEADLINE,
                                           O_MIN_SCORE, O_NOTIFY,      O_PROFILE};

static void usage_merge(FILE *f) {
  fputs("usage: qgate merge [OPTIONS] FILE...\n\n"
        "Joins the JSON reports of a run split with --shard I/N (each shard's, written with\n"
        "--format json=FILE) into what one run over every file would have written: the\n"
        "findings in its order, the statistics summed, the gate or the quality score decided\n"
        "again by the shards' policy, in any format. Every shard 1..N must be given exactly\n"
        "once, all of one command, qgate version, command line and configuration. The\n"
        "policy and the rules come from the shards; the configuration (--config, --profile,\n"
        "else .qgate.yml) is read for --comment and --notify only.\n\n"
        "Options:\n",
        f);
  print_options(f, k_merge_opts, QG_ARRAY_LEN(k_merge_opts));
  fputc('\n', f);
  fputs(k_exit_help, f);
}

/* A shard's report may be big (a monorepo's findings), but every report is held in
 * memory at once, parsed (about 4 times its size): the reports together are capped,
 * not each one, so 1,024 shards cannot add up to 1,024 times the cap. 512 MiB is
 * about 700,000 findings. */
#define MERGE_MAX_BYTES ((size_t)512 << 20)

static int cmd_merge(int argc, char **argv, const qg_cli_io *io) {
  cli_opts o = {0};
  o.allowed = k_merge_opts;
  o.nallowed = QG_ARRAY_LEN(k_merge_opts);
  qg_merged m;
  memset(&m, 0, sizeof(m));
  bool merged = false, have_cfg = false;
  qg_config cfg;
  qg_config_init(&cfg);
  qg_shard_input *in = NULL;
  size_t nin = 0;
  qg_secrets *red_owned = NULL;
  qg_ruleset rs_red = {0};
  int status = parse_args(argc, argv, 2, &o, io);
  if (status != QG_EXIT_PASS)
    goto out;
  if (o.help) {
    usage_merge(io->out);
    goto out;
  }
  status = QG_EXIT_INPUT;
  if (!formats_known(&o, io))
    goto out;
  if ((o.comment || o.notify) && load_config(&o, &cfg, &have_cfg, io) != QG_EXIT_PASS)
    goto out;
  if (!o.npaths) {
    errorf(io, "qgate merge: give the JSON report of every shard (qgate merge s1.json s2.json "
               "...)");
    goto out;
  }
  in = qg_xcalloc(o.npaths, sizeof(*in));
  size_t total = 0; /* the bytes of the reports read so far */
  for (; nin < o.npaths; nin++) {
    unsigned char *buf = NULL;
    size_t len = 0;
    int err_no = 0;
    qg_status st =
        qg_read_all(o.paths[nin], NULL, MERGE_MAX_BYTES - total, &buf, &len, &err_no);
    total += st == QG_OK ? len : 0;
    if (st != QG_OK) {
      errorf(io, "qgate merge: %s: %s", o.paths[nin],
             st == QG_ENOENT    ? "no such file"
             : st == QG_ETOOBIG ? "the reports together are larger than 512 MiB"
                                : qg_fs_strerror(err_no));
      status = st == QG_EIO && qg_fs_status(err_no) == QG_EIO ? QG_EXIT_RUNTIME : QG_EXIT_INPUT;
      goto out;
    }
    in[nin].name = o.paths[nin];
    in[nin].text = (const char *)buf;
    in[nin].len = len;
  }
  char err[1024];
  merged = true;
  if (qg_merge(in, nin, &m, err, sizeof(err)) != QG_OK) {
    errorf(io, "qgate merge: %s", err);
    goto out;
  }
  for (size_t i = 0; i < o.nformats; i++) {
    if (strcmp(o.formats[i].name, "badge") == 0 && !m.scored) {
      errorf(io, "--format badge shows the quality score: it goes with the shards of 'qgate "
                 "scan'");
      goto out;
    }
  }
  if (o.min_score >= 0 && !m.scored) {
    errorf(io, "--min-score goes with the shards of 'qgate scan'");
    goto out;
  }
  qg_score score;
  bool gate_failed = false;
  if (m.scored) { /* the shards' policy; the command line wins, as in scan */
    qg_score_policy policy = m.policy;
    if (o.min_score >= 0) {
      policy.review = (unsigned)o.min_score;
      if (policy.approve < policy.review)
        policy.approve = policy.review;
    }
    qg_score_compute(&policy, &m.signals, &score);
    gate_failed = score.decision == QG_DECISION_REJECT;
  }
  /* as the single run would: runtime error > input error > gate failure */
  bool io_error = false, input_error = diag_errors(&m.result, &io_error);
  if (m.scored)
    hold_approval(&score, io_error || input_error);
  for (size_t i = 0; i < m.result.findings.n && !m.fail_never && !m.scored; i++)
    gate_failed |= !m.result.findings.items[i].suppressed_by &&
                   !m.result.findings.items[i].in_base &&
                   m.result.findings.items[i].severity >= m.fail_on;
  qg_report rep = {
      .result = &m.result,
      .rules = &m.rules,
      .command = m.command,
      .pss_level = m.pss_level,
      .pss_version = m.pss_version,
      .fail_on = m.fail_on,
      .fail_never = m.fail_never,
      .gate_failed = gate_failed,
      .incomplete = io_error || input_error,
      .color = want_color(&o, io->out),
      .base = m.base,
      .score = m.scored ? &score : NULL,
      .review = m.reviewed ? &m.review : NULL,
      .threads = qg_scan_threads(o.jobs),
  };
  /* the shards' texts were redacted by the shards; what the hosts answer is not */
  qg_secrets *red = m.reviewed || o.comment ? need_redactor(&red_owned, &rs_red, &cfg, have_cfg)
                                            : NULL;
  if (m.reviewed)
    review_summary(&m.review, red, io);
  print_diags(io, &m.result);
  int wstatus = write_reports(&o, &rep, io);
  if (rep.score)
    github_outputs(&rep, io);
  bool host_usage = false, host_failed = false;
  long long host_at = qg_http_now_ms() + o.host_deadline_ms; /* one for every host call */
  if (o.comment)
    post_comments(&o, &cfg, &rep, host_at, red, io, &host_usage, &host_failed);
  if (o.notify && m.scored) {
    cfg.score = m.policy; /* the shards' policy: its high-findings limit */
    host_failed |= !notify_slack(&cfg, &rep, host_at, io);
  }
  status = io_error || wstatus == QG_EXIT_RUNTIME || m.review_failed || host_failed
               ? QG_EXIT_RUNTIME
           : input_error || host_usage ? QG_EXIT_INPUT
           : gate_failed               ? QG_EXIT_FAIL
                                       : QG_EXIT_PASS;
out:
  qg_secrets_free(&red_owned);
  qg_ruleset_cleanup(&rs_red);
  qg_config_cleanup(&cfg);
  if (merged)
    qg_merged_cleanup(&m);
  for (size_t i = 0; i < nin; i++)
    free((void *)(uintptr_t)in[i].text);
  free(in);
  free_opts(&o);
  return status;
}

/* ---- rules ------------------------------------------------------------------ */

static const char *level_of(const qg_rule *r) {
  return r->flags & QG_RULE_BASELINE ? "baseline" : r->flags & QG_RULE_RESTRICTED ? "restricted" : "";
}

static void rule_markdown(FILE *f, const qg_rule *r) {
  fprintf(f, "### `%s`\n\n", r->id);
  fprintf(f, "**%s** · severity **%s**", r->title, qg_severity_name(r->severity));
  if (r->upstream)
    fprintf(f, " · PSS %s check `%s`", level_of(r), r->upstream);
  fprintf(f, " · %s\n\n", r->flags & QG_RULE_DEFAULT_ON ? "on by default" : "off by default");
  fprintf(f, "%s\n\n**Remediation:** %s\n\n", r->help, r->remediation);
  if (r->example)
    fprintf(f, "```yaml\n%s\n```\n\n", r->example);
  fprintf(f, "Reference: <%s>\n\n", r->help_uri);
}

static int cmd_rules(int argc, char **argv, const qg_cli_io *io) {
  cli_opts o = {0};
  int status = parse_args(argc, argv, 2, &o, io);
  if (status != QG_EXIT_PASS)
    goto out;
  if (o.help) {
    usage_rules(io->out);
    goto out;
  }
  status = QG_EXIT_INPUT;
  const char *fmt = o.nformats ? o.formats[o.nformats - 1].name : "text";
  if (strcmp(fmt, "text") && strcmp(fmt, "json") && strcmp(fmt, "markdown")) {
    errorf(io, "qgate rules: --format takes text, json or markdown, not '%s'", fmt);
    goto out;
  }
  if (o.npaths > 1) {
    errorf(io, "qgate rules: give at most one rule id");
    goto out;
  }
  size_t n;
  const qg_rule *all = qg_rules_all(&n);
  const qg_rule *one = NULL;
  if (o.npaths) {
    one = qg_rule_find(o.paths[0]);
    if (!one) {
      errorf(io, "no rule '%s' (see 'qgate rules')", o.paths[0]);
      goto out;
    }
    all = one;
    n = 1;
  }
  FILE *f = io->out;
  if (strcmp(fmt, "json") == 0) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
      cJSON *j = cJSON_CreateObject();
      char g[32];
      cJSON_AddStringToObject(j, "id", all[i].id);
      cJSON_AddStringToObject(j, "group", qg_rule_group(&all[i], g, sizeof(g)));
      cJSON_AddStringToObject(j, "severity", qg_severity_name(all[i].severity));
      cJSON_AddBoolToObject(j, "default", (all[i].flags & QG_RULE_DEFAULT_ON) != 0);
      if (all[i].upstream)
        cJSON_AddStringToObject(j, "upstream", all[i].upstream);
      if (*level_of(&all[i]))
        cJSON_AddStringToObject(j, "level", level_of(&all[i]));
      cJSON_AddStringToObject(j, "title", all[i].title);
      cJSON_AddStringToObject(j, "help", all[i].help);
      cJSON_AddStringToObject(j, "remediation", all[i].remediation);
      if (all[i].example)
        cJSON_AddStringToObject(j, "example", all[i].example);
      cJSON_AddStringToObject(j, "help_uri", all[i].help_uri);
      cJSON_AddItemToArray(arr, j);
    }
    if (qg_report_write_json(f, arr, 1) != QG_OK) {
      status = QG_EXIT_RUNTIME;
      goto out;
    }
  } else if (strcmp(fmt, "markdown") == 0) {
    if (!one) {
      fputs("# qgate rules\n\n<!-- Generated by `make docs` (qgate rules --format markdown). "
            "Do not edit. -->\n\n| id | group | severity | title |\n|---|---|---|---|\n",
            f);
      for (size_t i = 0; i < n; i++) {
        char g[32];
        fprintf(f, "| [`%s`](#", all[i].id);
        for (const char *c = all[i].id; *c; c++)
          if (*c != '/')
            fputc(*c, f);
        fprintf(f, ") | %s | %s | %s |\n", qg_rule_group(&all[i], g, sizeof(g)),
                qg_severity_name(all[i].severity), all[i].title);
      }
      fputs("\n## Rules\n\n", f);
    }
    for (size_t i = 0; i < n; i++)
      rule_markdown(f, &all[i]);
  } else if (one) {
    char g[32];
    fprintf(f, "%s: %s\n\n", one->id, one->title);
    fprintf(f, "group:       %s\nseverity:    %s\n", qg_rule_group(one, g, sizeof(g)),
            qg_severity_name(one->severity));
    if (one->upstream)
      fprintf(f, "upstream:    PSS %s check %s\n", level_of(one), one->upstream);
    fprintf(f, "default:     %s\n\n", one->flags & QG_RULE_DEFAULT_ON ? "on" : "off");
    fprintf(f, "%s\n\nRemediation: %s\n", one->help, one->remediation);
    if (one->example)
      fprintf(f, "\nExample:\n%s\n", one->example);
    fprintf(f, "\nReference: %s\n", one->help_uri);
  } else {
    for (size_t i = 0; i < n; i++) {
      char g[32];
      fprintf(f, "%-38s %-6s %-9s %s\n", all[i].id, qg_rule_group(&all[i], g, sizeof(g)),
              qg_severity_name(all[i].severity), all[i].title);
    }
    fprintf(f, "%zu rules\n", n);
  }
  status = ferror(f) ? QG_EXIT_RUNTIME : QG_EXIT_PASS;
out:
  free_opts(&o);
  return status;
}

static int cmd_version(int argc, char **argv, const qg_cli_io *io) {
  if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
    usage_version(io->out);
    return QG_EXIT_PASS;
  }
  if (argc > 2) {
    errorf(io, "qgate version takes no arguments");
    return QG_EXIT_INPUT;
  }
  char git[32], pcre[64];
  fprintf(io->out, "qgate %s (libyaml %s, cJSON %s, libgit2 %s, PCRE2 %s, libcurl %s)\n",
          QG_VERSION, qg_yaml_version(), cJSON_Version(), qg_git_version(git, sizeof(git)),
          qg_regex_version(pcre, sizeof(pcre)), qg_http_version());
  return QG_EXIT_PASS;
}

/* ---- hook ------------------------------------------------------------------ */

#define HOOK_MARKER "# qgate pre-push hook"

static void usage_hook(FILE *f) {
  fputs("usage: qgate hook install [--force]\n"
        "       qgate hook uninstall\n\n"
        "Installs a git pre-push hook that runs 'qgate scan' on what is being pushed,\n"
        "against the remote branch (a new branch: against the remote's default branch),\n"
        "prints the score and stops a push the gate rejects (git push --no-verify skips\n"
        "it). It runs offline: the architecture review only when review.local is true.\n"
        "An existing hook that qgate did not write is kept unless --force (then it is\n"
        "saved as pre-push.qgate-backup).\n\n"
        "Exit status: 0 done, 2 usage error or a foreign hook in the way, 3 I/O error.\n",
        f);
}

static const char k_hook_script[] =
    "#!/bin/sh\n" HOOK_MARKER " (qgate hook install; qgate hook uninstall removes it)\n"
    "# git passes: <local ref> <local sha> <remote ref> <remote sha> per pushed ref.\n"
    "# Skip once with: git push --no-verify\n"
    "QGATE=\"%s\"\n"
    "[ -x \"$QGATE\" ] || QGATE=qgate\n"
    "zero=$(git hash-object --stdin </dev/null | tr 0-9a-f 0)\n"
    "head=$(git rev-parse HEAD)\n"
    "status=0\n"
    "while read -r local_ref local_sha remote_ref remote_sha; do\n"
    "  [ \"$local_sha\" = \"$zero\" ] && continue # a deletion: nothing to scan\n"
    "  if [ \"$local_sha\" != \"$head\" ]; then\n"
    "    echo \"qgate: $local_ref is not checked out: not scanned\" >&2\n"
    "    continue\n"
    "  fi\n"
    "  base=$remote_sha\n"
    "  if [ \"$base\" = \"$zero\" ]; then # a new branch: the remote's default branch\n"
    "    base=$(git rev-parse -q --verify \"refs/remotes/$1/HEAD\" || "
    "git rev-parse -q --verify \"refs/remotes/$1/main\" || "
    "git rev-parse -q --verify \"refs/remotes/$1/master\")\n"
    "  fi\n"
    "  if [ -n \"$base\" ] && git cat-file -e \"$base^{commit}\" 2>/dev/null; then\n"
    "    QGATE_HOOK=pre-push \"$QGATE\" scan --base \"$base\" || status=$?\n"
    "  else\n"
    "    QGATE_HOOK=pre-push \"$QGATE\" scan || status=$?\n"
    "  fi\n"
    "done\n"
    "[ $status -eq 0 ] || echo \"qgate: push stopped (exit status $status); "
    "git push --no-verify skips the check\" >&2\n"
    "exit $status\n";

/* path relative to the current directory when it lies below it. */
static const char *shown_path(const char *path) {
  static char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof(cwd)))
    return path;
  size_t n = strlen(cwd);
  return strncmp(path, cwd, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

static int cmd_hook(int argc, char **argv, const qg_cli_io *io) {
  bool force = false, install = false, uninstall = false;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage_hook(io->out);
      return QG_EXIT_PASS;
    } else if (!strcmp(argv[i], "--force"))
      force = true;
    else if (!strcmp(argv[i], "install") && !install && !uninstall)
      install = true;
    else if (!strcmp(argv[i], "uninstall") && !install && !uninstall)
      uninstall = true;
    else {
      errorf(io, "qgate hook: unknown argument '%s' (install [--force] or uninstall)", argv[i]);
      return QG_EXIT_INPUT;
    }
  }
  if (!install && !uninstall) {
    usage_hook(io->err);
    return QG_EXIT_INPUT;
  }
  char *dir = qg_git_hooks_dir(".");
  if (!dir) {
    errorf(io, "qgate hook: not inside a git repository");
    return QG_EXIT_INPUT;
  }
  int status = QG_EXIT_PASS;
  char *path = qg_xasprintf("%s/pre-push", dir);
  unsigned char *old = NULL;
  size_t oldlen = 0;
  int err_no = 0;
  bool exists = qg_read_all(path, NULL, 1u << 20, &old, &oldlen, &err_no) == QG_OK;
  bool ours = exists && old && strstr((const char *)old, HOOK_MARKER) != NULL;
  if (uninstall) {
    if (!exists) {
      fprintf(io->out, "qgate: no pre-push hook in %s\n", dir);
    } else if (!ours) {
      errorf(io, "qgate hook: %s was not written by qgate: left alone", shown_path(path));
      status = QG_EXIT_INPUT;
    } else if (remove(path) != 0) {
      errorf(io, "qgate hook: cannot remove %s: %s", path, strerror(errno));
      status = QG_EXIT_RUNTIME;
    } else {
      fprintf(io->out, "qgate: removed %s\n", shown_path(path));
    }
    goto out;
  }
  if (exists && !ours && !force) {
    errorf(io, "qgate hook: %s exists and was not written by qgate: pass --force to replace it "
               "(it is kept as pre-push.qgate-backup)",
           shown_path(path));
    status = QG_EXIT_INPUT;
    goto out;
  }
  if (exists && !ours) {
    char *bak = qg_xasprintf("%s/pre-push.qgate-backup", dir);
    if (rename(path, bak) != 0) {
      errorf(io, "qgate hook: cannot keep the old hook as %s: %s", bak, strerror(errno));
      free(bak);
      status = QG_EXIT_RUNTIME;
      goto out;
    }
    fprintf(io->out, "qgate: the previous hook is kept as %s\n", shown_path(bak));
    free(bak);
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  self[n > 0 ? n : 0] = '\0';
  if (n <= 0 || strchr(self, '"') || strchr(self, '$') || strchr(self, '`') || strchr(self, '\\'))
    snprintf(self, sizeof(self), "qgate");
  (void)mkdir(dir, 0755);
  char *script = qg_xasprintf(k_hook_script, self);
  qg_write_opts wo = {NULL, 0755}; /* a hook the user replaces keeps its mode */
  qg_status wst = qg_write_file_atomic(path, script, strlen(script), &wo, &err_no);
  free(script);
  if (wst != QG_OK) {
    errorf(io, "qgate hook: cannot write %s: %s", path, qg_fs_strerror(err_no));
    status = QG_EXIT_RUNTIME;
    goto out;
  }
  fprintf(io->out, "qgate: installed %s\n", shown_path(path));
out:
  free(old);
  free(path);
  free(dir);
  return status;
}

typedef struct command {
  const char *name;
  int (*fn)(int argc, char **argv, const qg_cli_io *io);
  void (*usage)(FILE *f);
} command;

/* Sorted by name. */
static const command k_commands[] = {
    {"hook", cmd_hook, usage_hook},
    {"k8s", cmd_k8s, usage_k8s},
    {"merge", cmd_merge, usage_merge},
    {"review", cmd_review, usage_review},
    {"rules", cmd_rules, usage_rules},
    {"scan", cmd_scan, usage_scan},
    {"secrets", cmd_secrets, usage_secrets},
    {"version", cmd_version, usage_version},
};

static const command *find_command(const char *name) {
  for (size_t i = 0; i < QG_ARRAY_LEN(k_commands); i++)
    if (strcmp(k_commands[i].name, name) == 0)
      return &k_commands[i];
  return NULL;
}

int qg_cli_run(int argc, char **argv, const qg_cli_io *io) {
  if (argc < 2) {
    usage_main(io->err);
    return QG_EXIT_INPUT;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    const command *c = argc > 2 ? find_command(argv[2]) : NULL;
    if (argc > 2 && !c) {
      errorf(io, "no command '%s'", argv[2]);
      return QG_EXIT_INPUT;
    }
    if (c)
      c->usage(io->out);
    else
      usage_main(io->out);
    return QG_EXIT_PASS;
  }
  if (strcmp(cmd, "--version") == 0)
    cmd = "version";
  const command *c = find_command(cmd);
  if (!c) {
    errorf(io, "no command '%s' (see 'qgate --help')", cmd);
    return QG_EXIT_INPUT;
  }
  qg_git_global_init();
  if (qg_http_global_init() != QG_OK) {
    qg_git_global_cleanup();
    errorf(io, "cannot initialise libcurl");
    return QG_EXIT_RUNTIME;
  }
  int status = c->fn(argc, argv, io);
  qg_regex_thread_cleanup(); /* this thread's match data, when it scanned */
  qg_http_global_cleanup();
  qg_git_global_cleanup();
  fflush(io->out);
  return status;
}

int qg_cli_selfcheck(void) {
  for (size_t i = 1; i < QG_ARRAY_LEN(k_opts); i++)
    if (strcmp(k_opts[i - 1].name, k_opts[i].name) >= 0)
      return 1;
  for (size_t i = 1; i < QG_ARRAY_LEN(k_commands); i++)
    if (strcmp(k_commands[i - 1].name, k_commands[i].name) >= 0)
      return 1;
  return 0;
}
