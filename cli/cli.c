/* cli.c: parse -> run -> report -> exit status. */
#include "cli/cli.h"
#include "core/ci.h"
#include "core/config.h"
#include "core/edit.h"
#include "core/fs.h"
#include "core/git.h"
#include "core/http.h"
#include "core/regex.h"
#include "core/yamldoc.h"
#include "review/review.h"
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
  O_CONFIG,
  O_COVERAGE,
  O_DRY_RUN,
  O_FAIL_ON,
  O_FIX,
  O_FORMAT,
  O_HELP,
  O_IGNORE,
  O_JOBS,
  O_MAX_FILE_SIZE,
  O_METRICS,
  O_NO_GITIGNORE,
  O_PROFILE,
  O_PSS,
  O_PSS_VERSION,
  O_SARIF_IN,
  O_SELECT,
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
     "output format, repeatable: text (default), json, sarif; =FILE writes to FILE"},
    {"help", O_HELP, NULL, "show this help"},
    {"ignore", O_IGNORE, "LIST", "comma-separated groups or rule ids to switch off"},
    {"jobs", O_JOBS, "N", "files scanned at once (threads; default: one per CPU)"},
    {"max-file-size", O_MAX_FILE_SIZE, "BYTES",
     "skip (with an error) files larger than this; K and M suffixes (default 64M)"},
    {"metrics", O_METRICS, "FILE",
     "scan: build time, image size and memory, as JSON (see README), repeatable"},
    {"no-gitignore", O_NO_GITIGNORE, NULL, "also scan files that .gitignore ignores"},
    {"profile", O_PROFILE, "NAME", "apply the named profile of the configuration"},
    {"pss", O_PSS, "LEVEL", "Pod Security Standards level: restricted (default), baseline or off"},
    {"pss-version", O_PSS_VERSION, "VERSION", "policy version: v1.0 ... v1.37 or latest (default)"},
    {"sarif-in", O_SARIF_IN, "FILE",
     "scan: another tool's SARIF 2.1.0 results count in the score, repeatable"},
    {"select", O_SELECT, "LIST",
     "comma-separated groups or rule ids to run, and only those (--select pss: the PSS checks)"},
};

typedef struct fmt_out {
  char *name; /* owned */
  const char *file; /* NULL: standard output */
} fmt_out;

typedef struct cli_opts {
  fmt_out formats[MAX_LISTS];
  size_t nformats;
  const char *pss_level, *pss_version, *fail_on, *color, *config, *profile, *base;
  const char *select[MAX_LISTS], *ignore[MAX_LISTS];
  size_t nselect, nignore;
  const char *sarif_in[MAX_LISTS], *coverage[MAX_LISTS], *metrics[MAX_LISTS];
  size_t nsarif_in, ncoverage, nmetrics;
  size_t max_file_size;
  unsigned jobs;
  bool no_gitignore, help, fix, dry_run;
  const char **paths; /* borrowed argv pointers; owned array */
  size_t npaths;
} cli_opts;

static void errorf(const qg_cli_io *io, const char *fmt, ...) QG_PRINTF(2, 3);
static void errorf(const qg_cli_io *io, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("qgate: ", io->err);
  vfprintf(io->err, fmt, ap);
  fputc('\n', io->err);
  va_end(ap);
}

static void warnf(const qg_cli_io *io, const char *fmt, ...) QG_PRINTF(2, 3);
static void warnf(const qg_cli_io *io, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("qgate: warning: ", io->err);
  vfprintf(io->err, fmt, ap);
  fputc('\n', io->err);
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
        "  review          review the change against ARCHITECTURE.md with a language model\n"
        "  rules [ID]      list the rules, or explain one\n"
        "  version         print the version and library versions\n"
        "  help [COMMAND]  show help for a command\n\n"
        "Run 'qgate COMMAND --help' for a command's options.\n\n",
        f);
  fputs(k_exit_help, f);
}

static void usage_k8s(FILE *f) {
  static const enum opt_id ids[] = {O_BASE, O_COLOR, O_CONFIG, O_DRY_RUN, O_FAIL_ON, O_FIX,
                                    O_FORMAT, O_HELP,         O_IGNORE,        O_JOBS,
                                    O_MAX_FILE_SIZE, O_NO_GITIGNORE, O_PROFILE,
                                    O_PSS,    O_PSS_VERSION,  O_SELECT};
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
  static const enum opt_id ids[] = {O_BASE,    O_COLOR,  O_CONFIG,        O_FAIL_ON,
                                    O_FORMAT,  O_HELP,   O_IGNORE,        O_JOBS,
                                    O_MAX_FILE_SIZE, O_NO_GITIGNORE, O_PROFILE, O_SELECT};
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
      O_BASE,   O_COLOR,         O_CONFIG,  O_COVERAGE,       O_DRY_RUN,    O_FIX,
      O_FORMAT, O_HELP,          O_IGNORE,  O_JOBS,           O_MAX_FILE_SIZE, O_METRICS,
      O_NO_GITIGNORE, O_PROFILE, O_PSS,     O_PSS_VERSION,    O_SARIF_IN,   O_SELECT};
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
  static const enum opt_id ids[] = {O_BASE, O_COLOR,  O_CONFIG, O_DRY_RUN,
                                    O_FAIL_ON, O_FORMAT, O_HELP, O_PROFILE};
  fputs("usage: qgate review [OPTIONS]\n\n"
        "Reviews the change since the base revision (--base; default: the CI's base, else the\n"
        "default branch) against the repository's ARCHITECTURE.md with a language model\n"
        "(review: in .qgate.yml, or QGATE_LLM_PROVIDER, QGATE_LLM_MODEL, QGATE_LLM_BASE_URL).\n"
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

/* Parses argv[first..]; returns QG_EXIT_PASS or QG_EXIT_INPUT. */
static int parse_args(int argc, char **argv, int first, cli_opts *o, const qg_cli_io *io) {
  o->paths = qg_xcalloc((size_t)argc + 1, sizeof(char *));
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
    case O_PSS:
      o->pss_level = val;
      break;
    case O_PSS_VERSION:
      o->pss_version = val;
      break;
    }
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
    if (d->loc.path && d->loc.line)
      fprintf(io->err, "qgate: %s:%u:%u: %s: %s\n", d->loc.path, d->loc.line, d->loc.col, lvl,
              d->message);
    else if (d->loc.path)
      fprintf(io->err, "qgate: %s: %s: %s\n", d->loc.path, lvl, d->message);
    else
      fprintf(io->err, "qgate: %s: %s\n", lvl, d->message);
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
  for (size_t i = 0; i < n; i++) {
    const qg_reporter *rp = qg_reporter_find(fmts[i].name);
    FILE *f = io->out;
    if (fmts[i].file && strcmp(fmts[i].file, "-") != 0) {
      f = fopen(fmts[i].file, "w");
      if (!f) {
        errorf(io, "cannot write %s: %s", fmts[i].file, strerror(errno));
        status = QG_EXIT_RUNTIME;
        continue;
      }
    }
    qg_report r2 = *rep;
    if (f != io->out)
      r2.color = false;
    qg_status st = rp->fn(f, &r2);
    if (f != io->out && fclose(f) != 0)
      st = QG_EIO;
    if (st != QG_OK) {
      errorf(io, "cannot write the %s report%s%s: %s", fmts[i].name, fmts[i].file ? " to " : "",
             fmts[i].file ? fmts[i].file : "", qg_strerror(st));
      status = QG_EXIT_RUNTIME;
    }
  }
  if (io->findings)
    qg_report_findings(io->findings, rep);
  return status;
}

/* Loads --config FILE, or .qgate.yml at the repository root (or here) when
 * it exists. Returns QG_EXIT_PASS, or QG_EXIT_INPUT after printing the
 * errors. *loaded says whether there was a file. */
static int load_config(const cli_opts *o, qg_config *cfg, bool *loaded, const qg_cli_io *io) {
  char *path = NULL;
  *loaded = false;
  if (o->config) {
    path = qg_xstrdup(o->config);
  } else {
    char *root = qg_git_workdir(".");
    char *cand = qg_xasprintf("%s/.qgate.yml", root ? root : ".");
    free(root);
    if (access(cand, F_OK) == 0)
      path = cand;
    else
      free(cand);
  }
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
  print_diags(io, &tmp);
  qg_result_cleanup(&tmp);
  *loaded = true;
  return st == QG_OK ? QG_EXIT_PASS : QG_EXIT_INPUT;
}

/* --fix: rewrites every file with fixable findings (or, with --dry-run,
 * prints the diff). Returns QG_EXIT_PASS or QG_EXIT_RUNTIME. */
static int apply_fixes(const qg_scan_config *scan, const qg_result *r, bool dry_run,
                       const qg_cli_io *io) {
  int status = QG_EXIT_PASS;
  size_t files = 0, fixes = 0;
  const char *last = NULL;
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
      errorf(io, "%s: cannot read for --fix: %s", last, strerror(err_no));
      status = QG_EXIT_RUNTIME;
      continue;
    }
    char *out = NULL;
    qg_fix_buffer(scan, last, (const char *)buf, len, &out, &outlen, &applied);
    if (outlen != len || memcmp(out, buf, len) != 0) {
      files++;
      fixes += applied;
      if (dry_run) {
        char *diff = qg_diff_unified(last, (const char *)buf, len, out, outlen);
        fputs(diff, io->out);
        free(diff);
      } else {
        char *tmp = qg_xasprintf("%s.qgate-fix", last);
        FILE *w = fopen(tmp, "wb");
        struct stat sb;
        int ok = w && fwrite(out, 1, outlen, w) == outlen;
        if (w && fclose(w) != 0)
          ok = 0;
        if (ok && stat(last, &sb) == 0)
          (void)chmod(tmp, sb.st_mode & 07777);
        if (!ok || rename(tmp, last) != 0) {
          errorf(io, "%s: cannot write the fixed file: %s", last, strerror(errno));
          remove(tmp);
          status = QG_EXIT_RUNTIME;
        }
        free(tmp);
      }
    }
    free(out);
    free(buf);
  }
  fprintf(io->err, "qgate: %s %zu fix%s in %zu file%s\n", dry_run ? "would apply" : "applied",
          fixes, fixes == 1 ? "" : "es", files, files == 1 ? "" : "s");
  return status;
}

typedef enum run_mode { RUN_K8S, RUN_SECRETS, RUN_SCAN, RUN_REVIEW } run_mode;

/* .qgateignore at the repository root (or here): fingerprints of findings
 * that are accepted, one per line, '#' comments. */
static void apply_ignore_file(qg_result *r, const qg_cli_io *io) {
  char *root = qg_git_workdir(".");
  char cwd[PATH_MAX], real[PATH_MAX];
  bool here = !root || (getcwd(cwd, sizeof(cwd)) && realpath(cwd, real) && strcmp(real, root) == 0);
  char *path = here ? qg_xstrdup(".qgateignore") : qg_xasprintf("%s/.qgateignore", root);
  free(root);
  FILE *f = fopen(path, "r");
  if (!f) {
    free(path);
    return;
  }
  char line[512];
  unsigned lineno = 0;
  while (fgets(line, sizeof(line), f)) {
    lineno++;
    char *p = line + strspn(line, " \t");
    if (*p == '#' || *p == '\n' || !*p)
      continue;
    size_t n = strspn(p, "0123456789abcdef");
    if (n != 16) {
      fprintf(io->err, "qgate: %s:%u: warning: not a fingerprint (16 hex digits, as in the JSON "
                       "report)\n",
              path, lineno);
      continue;
    }
    for (size_t i = 0; i < r->findings.n; i++) {
      qg_finding *fd = &r->findings.items[i];
      char fp[17];
      qg_finding_fingerprint(fd, fp);
      if (!fd->suppressed_by && strncmp(fp, p, 16) == 0)
        qg_finding_suppress(r, fd, ".qgateignore", NULL);
    }
  }
  fclose(f);
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

/* The redaction engine for what the review sends: every secret rule of the
 * registry and the configuration, whatever --select and --ignore say. */
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
    st = qg_secrets_new(rs, have_cfg ? cfg : NULL, &tmp, out);
  print_diags(io, &tmp);
  qg_result_cleanup(&tmp);
  return st == QG_OK;
}

/* What the review did, on standard error: one line, then what it left out. */
static void review_summary(const qg_review_outcome *rv, const qg_cli_io *io) {
  if (rv->state == QG_REVIEW_FAILED || rv->state == QG_REVIEW_NOT_CONFIGURED) {
    fprintf(io->err, "qgate: review: not measured: %s\n", rv->reason);
  } else {
    fprintf(io->err,
            "qgate: review: %zu file%s in %zu chunk%s (%zu request%s, %zu from the cache): %zu "
            "violation%s, %zu below the confidence threshold%s%s\n",
            rv->files, rv->files == 1 ? "" : "s", rv->chunks, rv->chunks == 1 ? "" : "s",
            rv->requests, rv->requests == 1 ? "" : "s", rv->cached, rv->violations,
            rv->violations == 1 ? "" : "s", rv->unconfirmed,
            rv->state == QG_REVIEW_PARTIAL ? "; partial: " : "",
            rv->state == QG_REVIEW_PARTIAL ? rv->reason : "");
  }
  for (size_t i = 0; i < rv->nskipped; i++)
    fprintf(io->err, "qgate: review: skipped: %s\n", rv->skipped[i]);
  for (size_t i = 0; i < rv->nnotes; i++)
    fprintf(io->err, "qgate: review: note: %s\n", rv->notes[i]);
}

static void finish_scan(const qg_scan_config *scan, qg_git_base *base, qg_result *r,
                        const qg_cli_io *io) {
  apply_ignore_file(r, io);
  if (base)
    qg_scan_mark_base(scan, base, r);
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
  for (size_t i = 0; i < o.nformats; i++) {
    if (!qg_reporter_find(o.formats[i].name)) {
      errorf(io, "unknown --format '%s' (text, json, sarif, markdown, badge)", o.formats[i].name);
      goto out;
    }
    if (strcmp(o.formats[i].name, "badge") == 0 && mode != RUN_SCAN) {
      errorf(io, "--format badge shows the quality score: it goes with 'qgate scan'");
      goto out;
    }
  }
  if (load_config(&o, &cfg, &have_cfg, io) != QG_EXIT_PASS)
    goto out;
  {
    char rerr[256];
    if (qg_review_config_env(&cfg.review, rerr, sizeof(rerr)) != QG_OK) {
      errorf(io, "%s", rerr);
      goto out;
    }
  }
  if (mode == RUN_REVIEW && o.npaths) {
    errorf(io, "qgate review takes no paths: it reviews the change since --base");
    goto out;
  }
  if (mode == RUN_REVIEW && cfg.review.provider == QG_LLM_NONE) {
    errorf(io, "qgate review: no provider configured: set review.provider in .qgate.yml or "
               "QGATE_LLM_PROVIDER (openai, anthropic, bedrock)");
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
    print_diags(io, &tmp);
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
    print_diags(io, &tmp);
    qg_result_cleanup(&tmp);
    if (!ok)
      goto out;
  }
  if (mode == RUN_SCAN || mode == RUN_SECRETS) {
    qg_result tmp;
    qg_result_init(&tmp);
    qg_status est = qg_secrets_new(&rs, have_cfg ? &cfg : NULL, &tmp, &engine);
    print_diags(io, &tmp);
    qg_result_cleanup(&tmp);
    if (est != QG_OK)
      goto out;
  }
  bool reviewing = (mode == RUN_SCAN || mode == RUN_REVIEW) && cfg.review.provider != QG_LLM_NONE;
  if (reviewing && !new_redactor(&cfg, have_cfg, &rs_red, &redactor, io))
    goto out;
  qg_scan_config scan = {
      .run_k8s = mode != RUN_SECRETS,
      .secrets = engine,
      .k8s = {.rules = &rs, .config = have_cfg ? &cfg : NULL, .pss_level = level,
              .pss_minor = minor},
      .max_file_size = o.max_file_size,
      .stdin_fp = io->in,
      .use_gitignore = !o.no_gitignore,
      .jobs = o.jobs,
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
  if (mode != RUN_REVIEW)
    finish_scan(&scan, base, &r, io);
  if (o.dry_run && !o.fix && mode != RUN_REVIEW) {
    errorf(io, "--dry-run goes with --fix");
    goto out;
  }
  if (o.fix) {
    if (apply_fixes(&scan, &r, o.dry_run, io) != QG_EXIT_PASS) {
      status = QG_EXIT_RUNTIME;
      goto out;
    }
    if (!o.dry_run) { /* report what is left */
      qg_result_cleanup(&r);
      qg_result_init(&r);
      qg_scan_paths(&scan, paths, npaths, &r);
      finish_scan(&scan, base, &r, io);
    }
  }

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
      review_summary(&review, io);
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
  char version[16];
  snprintf(version, sizeof(version), "v1.%u", minor);
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
      .color = want_color(&o, io->out),
      .base = mode == RUN_REVIEW ? NULL : o.base ? o.base : ci_base,
      .score = mode == RUN_SCAN ? &score : NULL,
      .review = reviewing ? &review : NULL,
  };
  print_diags(io, &r);
  int wstatus = write_reports(&o, &rep, io);
  if (rep.score)
    github_outputs(&rep, io);

  /* runtime error > input error > gate failure */
  bool io_error = false, input_error = false;
  for (size_t i = 0; i < r.diags.n; i++) {
    if (r.diags.items[i].level != QG_DIAG_ERROR)
      continue;
    if (r.diags.items[i].status == QG_EIO)
      io_error = true;
    else
      input_error = true;
  }
  status = io_error || wstatus == QG_EXIT_RUNTIME || review_failed ? QG_EXIT_RUNTIME
           : input_error                          ? QG_EXIT_INPUT
           : gate_failed                          ? QG_EXIT_FAIL
                                                  : QG_EXIT_PASS;
out:
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

typedef struct command {
  const char *name;
  int (*fn)(int argc, char **argv, const qg_cli_io *io);
  void (*usage)(FILE *f);
} command;

/* Sorted by name. */
static const command k_commands[] = {
    {"k8s", cmd_k8s, usage_k8s},
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
