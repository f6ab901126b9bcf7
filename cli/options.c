/* options.c: the option table (one row per option, sorted by name) and its parser,
 * shared by every command (qg_cli_parse_args, qg_cli_start), and the help lines it
 * prints (qg_cli_print_options). */
#include "cli/internal.h"
#include "core/escape.h"
#include "core/git.h"
#include "core/http.h"
#include "core/mem.h"
#include "core/regex.h"
#include "core/yamldoc.h"
#include "hosts/host.h"
#include "rules/rule.h"
#include "scanners/k8s/k8s.h"
#include "scanners/scanner.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Sorted by name (a unit test checks); searched with bsearch. */
static const opt_def k_opts[] = {
    {"allow-no-objects", O_ALLOW_NO_OBJECTS, NULL,
     "a path whose files look like Kubernetes manifests but yield no object is a warning, "
     "not an input error",
     V_NONE, NULL},
    {"base", O_BASE, "REV",
     "diff-aware: findings already present at REV do not fail; counted, listed with "
     "--show-base",
     V_REV, NULL},
    {"color", O_COLOR, "WHEN", "colour text output: auto (default), always or never; NO_COLOR wins",
     V_WORDS, "auto always never"},
    {"comment", O_COMMENT, "WHERE",
     /* after the hosts' names, from their table */
     ": comment on the pull/merge request (summary and changed lines); "
     "annotations: GitHub workflow-command annotations, no token needed",
     V_HOSTS, NULL},
    {"comment-id", O_COMMENT_ID, "ID",
     "the id in qgate's comment markers, so jobs keep their own comments (default qgate-COMMAND)",
     V_NONE, NULL},
    {"complete-input", O_COMPLETE_INPUT, NULL,
     "the paths hold every object of their namespaces: a reference to an object they lack is "
     "dangling, and a pod no NetworkPolicy selects is not isolated",
     V_NONE, NULL},
    {"config", O_CONFIG, "FILE",
     "configuration file (default: QGATE_CONFIG, else .qgate.yml or .qgate.yaml at the "
     "repository root, if present)",
     V_FILE, NULL},
    {"coverage", O_COVERAGE, "FILE",
     "scan: a coverage report (lcov, Cobertura, JaCoCo, Go cover profile), repeatable", V_FILE,
     NULL},
    {"dry-run", O_DRY_RUN, NULL,
     "with --fix: print the fixes as a unified diff on standard error, change nothing; with "
     "review: print the "
     "requests, send nothing",
     V_NONE, NULL},
    {"exclude", O_EXCLUDE, "GLOB",
     "skip paths matching GLOB (gitignore syntax, relative to the current directory; as the "
     "configuration's exclude), repeatable",
     V_NONE, NULL},
    {"fail-on", O_FAIL_ON, "SEVERITY",
     "lowest severity that fails the gate: critical, high, medium, low (default), info, or none",
     V_WORDS, "critical high medium low info none"},
    {"fix", O_FIX, NULL, "apply the mechanical fixes in place, then report what is left", V_NONE,
     NULL},
    {"fix-level", O_FIX_LEVEL, "LEVEL",
     "with --fix: safe (default) or all (also the risky fixes: read-only root filesystem, "
     "non-root user, dropped capabilities, privileged off; each said with what to check)",
     V_WORDS, "safe all"},
    {"format", O_FORMAT, "FMT[=FILE]",
     "output format, repeatable: text (default), " /* then the reporters' names */, V_FORMATS,
     NULL},
    {"help", O_HELP, NULL, "show this help", V_NONE, NULL},
    {"host-deadline", O_HOST_DEADLINE, "SECONDS",
     "every --comment and --notify request of the run, retries and waits included "
     "(default 120, or QGATE_HOST_DEADLINE)",
     V_NONE, NULL},
    {"ignore", O_IGNORE, "LIST", "comma-separated groups or rule ids to switch off", V_RULES, NULL},
    {"jobs", O_JOBS, "N",
     "threads: files scanned, JSON/SARIF findings printed (default: one per CPU)", V_NONE, NULL},
    {"kube-version", O_KUBE_VERSION, "VERSION",
     "the target Kubernetes release (1.29, v1.29 or 1.29.3): deprecated-api reports what it no "
     "longer serves, deprecated-api-served what it has deprecated (default: none, every removal)",
     V_NONE, NULL},
    {"max-file-size", O_MAX_FILE_SIZE, "BYTES",
     "skip (with an error) files larger than this; K and M suffixes (default 64M)", V_NONE, NULL},
    {"metrics", O_METRICS, "FILE",
     "scan: build time, image size and memory, as JSON (see README), repeatable", V_FILE, NULL},
    {"min-score", O_MIN_SCORE, "N",
     "scan: reject below N (0-100; the policy's review threshold, approve at least N)", V_NONE,
     NULL},
    {"no-gitignore", O_NO_GITIGNORE, NULL, "also scan files that .gitignore ignores", V_NONE, NULL},
    {"notify", O_NOTIFY, "WHERE",
     "scan: slack: post to the webhook in SLACK_WEBHOOK_URL when the security gate needs "
     "approval (more than 3 high findings) or the gate rejects",
     V_WORDS, "slack"},
    {"profile", O_PROFILE, "NAME", "apply the named profile of the configuration", V_NONE, NULL},
    {"pss", O_PSS, "LEVEL", "Pod Security Standards level: restricted (default), baseline or off",
     V_WORDS, "restricted baseline off"},
    {"pss-version", O_PSS_VERSION, "VERSION", "policy version: v1.0 ... v1.37 or latest (default)",
     V_PSS_VER, NULL},
    {"rev", O_REV, "REV",
     "scan, k8s, secrets: scan the tree of commit REV, read from git (no checkout), with its "
     "own .qgate.yml",
     V_REV, NULL},
    {"review-deadline", O_REVIEW_DEADLINE, "SECONDS",
     "every request of the architecture review, retries and waits included (default 300, or "
     "QGATE_REVIEW_DEADLINE; review.deadline in the configuration may only lower it)",
     V_NONE, NULL},
    {"sarif-category", O_SARIF_CATEGORY, "CAT",
     "the SARIF report's GitHub code scanning category (automationDetails.id CAT/; default "
     "qgate/COMMAND)",
     V_NONE, NULL},
    {"sarif-in", O_SARIF_IN, "FILE",
     "scan: another tool's SARIF 2.1.0 results count in the score, repeatable", V_FILE, NULL},
    {"select", O_SELECT, "LIST",
     "comma-separated groups or rule ids to run, and only those (--select pss: the PSS checks)",
     V_RULES, NULL},
    {"severity", O_SEVERITY, "LIST",
     "show and report only these severities (one name: it and above; a comma-separated list: "
     "exactly those); the gate still sees every finding",
     V_WORDS, "critical high medium low info"},
    {"shard", O_SHARD, "I/N",
     "scan part I of N (1 <= I <= N <= 1024): the files whose path hashes to it; join the "
     "parts' JSON reports with 'qgate merge'",
     V_NONE, NULL},
    {"show-base", O_SHOW_BASE, NULL,
     "with --base, also list the findings already in the base (counted in the summary)", V_NONE,
     NULL},
};
static int cmp_opt(const void *key, const void *elem) {
  const char *k = key;
  const opt_def *o = elem;
  size_t n = strcspn(k, "=");
  int c = strncmp(k, o->name, n);
  if (c)
    return c;
  return o->name[n] ? -1 : 0;
}

const opt_def *qg_cli_options(size_t *n) {
  *n = QG_ARRAY_LEN(k_opts);
  return k_opts;
}

char *qg_cli_option_help(const opt_def *d) {
  if (d->id == O_FORMAT) { /* the formats from the reporters' table */
    char *names = qg_cli_format_list("text");
    char *h = qg_xasprintf("%s%s; =FILE writes to FILE", d->help, names);
    free(names);
    return h;
  }
  if (d->id == O_COMMENT) { /* the hosts from theirs */
    char *names = qg_host_names(", ", " or ", NULL);
    char *h = qg_xasprintf("%s%s", names, d->help);
    free(names);
    return h;
  }
  return qg_xstrdup(d->help);
}

char *qg_cli_option_values(const opt_def *d) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "");
  switch (d->val) {
  case V_WORDS:
    (void)qg_buf_puts(&b, d->words);
    break;
  case V_FORMATS: {
    size_t n;
    const qg_reporter *all = qg_reporters_all(&n);
    for (size_t i = 0; i < n; i++)
      (void)qg_buf_printf(&b, "%s%s", i ? " " : "", all[i].name);
    break;
  }
  case V_HOSTS: {
    char *names = qg_host_names(" ", " ", "annotations");
    (void)qg_buf_puts(&b, names);
    free(names);
    break;
  }
  case V_PSS_VER:
    (void)qg_buf_puts(&b, "latest");
    for (int i = 0; i <= QG_PSS_MAX_MINOR; i++)
      (void)qg_buf_printf(&b, " v1.%d", i);
    break;
  case V_RULES: {
    size_t n;
    const qg_rule *all = qg_rules_all(&n);
    char prev[64] = "", group[64];
    for (size_t i = 0; i < n; i++) { /* sorted by id: a group's rules are together */
      qg_rule_group(&all[i], group, sizeof(group));
      if (strcmp(group, prev) != 0)
        (void)qg_buf_printf(&b, "%s%s", b.len ? " " : "", group);
      snprintf(prev, sizeof(prev), "%s", group);
    }
    for (size_t i = 0; i < n; i++)
      (void)qg_buf_printf(&b, " %s", all[i].id);
    break;
  }
  default:
    qg_buf_cleanup(&b);
    return NULL;
  }
  return qg_buf_detach(&b);
}

void qg_cli_print_options(FILE *f, const enum opt_id *ids, size_t n) {
  for (size_t i = 0; i < QG_ARRAY_LEN(k_opts); i++) {
    int wanted = 0;
    for (size_t j = 0; j < n; j++)
      wanted |= k_opts[i].id == ids[j];
    if (!wanted)
      continue;
    char left[64];
    snprintf(left, sizeof(left), "--%s%s%s", k_opts[i].name, k_opts[i].arg ? " " : "",
             k_opts[i].arg ? k_opts[i].arg : "");
    char *help = qg_cli_option_help(&k_opts[i]);
    fprintf(f, "  %-28s %s\n", left, help);
    free(help);
  }
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

/* Sets an option whose value is checked here; QG_EXIT_PASS or QG_EXIT_INPUT (said). */
static int set_checked(const opt_def *d, const char *val, qg_cli_opts *o, const qg_cli_io *io) {
  switch (d->id) {
  case O_COMMENT:
    if (!qg_host_find(val) && strcmp(val, "annotations")) {
      char *names = qg_host_names(", ", " or ", "annotations");
      qg_cli_errorf(io, "--comment takes %s, not '%s'", names, val);
      free(names);
      return QG_EXIT_INPUT;
    }
    o->comment = val;
    break;
  case O_SARIF_CATEGORY: {
    const char *why = qg_sarif_category_invalid(val);
    if (why) {
      qg_cli_errorf(io, "--sarif-category '%s': %s", val, why);
      return QG_EXIT_INPUT;
    }
    o->sarif_category = val;
    break;
  }
  case O_COMMENT_ID:
    if (!qg_comment_id_valid(val)) {
      qg_cli_errorf(io,
                    "--comment-id takes 1 to %d letters, digits, '.', '_' or '-' (the first a "
                    "letter or a digit), not '%s'",
                    QG_COMMENT_ID_MAX, val);
      return QG_EXIT_INPUT;
    }
    o->comment_id = val;
    break;
  case O_MIN_SCORE: {
    char *end = NULL;
    long v = strtol(val, &end, 10);
    if (!*val || *end || v < 0 || v > 100) {
      qg_cli_errorf(io, "--min-score takes a number from 0 to 100, not '%s'", val);
      return QG_EXIT_INPUT;
    }
    o->min_score = (int)v;
    break;
  }
  case O_NOTIFY:
    if (strcmp(val, "slack")) {
      qg_cli_errorf(io, "--notify takes slack, not '%s'", val);
      return QG_EXIT_INPUT;
    }
    o->notify = val;
    break;
  case O_COLOR:
    if (strcmp(val, "auto") && strcmp(val, "always") && strcmp(val, "never")) {
      qg_cli_errorf(io, "--color takes auto, always or never, not '%s'", val);
      return QG_EXIT_INPUT;
    }
    o->color = val;
    break;
  case O_JOBS: {
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(val, &end, 10);
    if (!*val || *end || errno || n < 1 || n > QG_MAX_THREADS || val[0] == '-') {
      qg_cli_errorf(io, "--jobs: '%s' is not a number of threads from 1 to %d", val,
                    QG_MAX_THREADS);
      return QG_EXIT_INPUT;
    }
    o->jobs = (unsigned)n;
    break;
  }
  case O_MAX_FILE_SIZE:
    if (!parse_size(val, &o->max_file_size)) {
      qg_cli_errorf(io, "--max-file-size: '%s' is not a size (e.g. 1048576, 512K, 64M)", val);
      return QG_EXIT_INPUT;
    }
    break;
  case O_HOST_DEADLINE:
    if (qg_deadline_parse(val, &o->host_deadline_ms) != QG_OK) {
      qg_cli_errorf(io, "--host-deadline takes seconds (more than 0, at most 86400), not '%s'",
                    val);
      return QG_EXIT_INPUT;
    }
    break;
  case O_REVIEW_DEADLINE: {
    long ms;
    if (qg_deadline_parse(val, &ms) != QG_OK) {
      qg_cli_errorf(io, "--review-deadline takes seconds (more than 0, at most 86400), not '%s'",
                    val);
      return QG_EXIT_INPUT;
    }
    o->review_deadline = val;
    break;
  }
  case O_SHARD:
    if (!parse_shard(val, &o->shard_index, &o->shard_count)) {
      qg_cli_errorf(io, "--shard takes I/N with 1 <= I <= N <= %u (e.g. 2/4), not '%s'",
                    QG_MAX_SHARDS, val);
      return QG_EXIT_INPUT;
    }
    break;
  default:
    break;
  }
  return QG_EXIT_PASS;
}

/* Sets option d to val (NULL: it takes none); QG_EXIT_PASS or QG_EXIT_INPUT (said). */
static int set_option(const opt_def *d, const char *val, qg_cli_opts *o, const qg_cli_io *io) {
  switch (d->id) {
  case O_BASE:
    o->base = val;
    break;
  case O_CONFIG:
    o->config = val;
    break;
  case O_REV:
    o->rev = val;
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
  case O_FIX_LEVEL:
    if (strcmp(val, "safe") && strcmp(val, "all")) {
      qg_cli_errorf(io, "--fix-level takes safe or all, not '%s'", val);
      return QG_EXIT_INPUT;
    }
    o->fix_all = strcmp(val, "all") == 0;
    break;
  case O_PROFILE:
    o->profile = val;
    break;
  case O_FORMAT: {
    if (o->nformats == MAX_LISTS) {
      qg_cli_errorf(io, "too many --format options (at most %d)", MAX_LISTS);
      return QG_EXIT_INPUT;
    }
    fmt_out *f = &o->formats[o->nformats++];
    const char *feq = strchr(val, '=');
    if (feq) {
      f->name = qg_xstrndup(val, (size_t)(feq - val));
      f->file = feq + 1;
      if (!*f->file) {
        qg_cli_errorf(io, "--format %s: empty file name", val);
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
      qg_cli_errorf(io, "too many --%s options", d->name);
      return QG_EXIT_INPUT;
    }
    list[(*n)++] = val;
    break;
  }
  case O_NO_GITIGNORE:
    o->no_gitignore = true;
    break;
  case O_COMPLETE_INPUT:
    o->complete_input = true;
    break;
  case O_ALLOW_NO_OBJECTS:
    o->allow_no_objects = true;
    break;
  case O_SHOW_BASE:
    o->show_base = true;
    break;
  case O_SEVERITY:
    o->severity = val;
    break;
  case O_EXCLUDE:
    if (o->nexclude == MAX_LISTS) {
      qg_cli_errorf(io, "too many --exclude options (at most %d)", MAX_LISTS);
      return QG_EXIT_INPUT;
    }
    o->exclude[o->nexclude++] = val;
    break;
  case O_PSS:
    o->pss_level = val;
    break;
  case O_PSS_VERSION:
    o->pss_version = val;
    break;
  case O_KUBE_VERSION:
    o->kube_version = val;
    break;
  default:
    return set_checked(d, val, o, io);
  }
  return QG_EXIT_PASS;
}

/* Parses argv[first..]; returns QG_EXIT_PASS or QG_EXIT_INPUT. */
int qg_cli_parse_args(int argc, char **argv, int first, qg_cli_opts *o, const qg_cli_io *io) {
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
      qg_cli_errorf(io, "unknown option '%s' (see --help)", a);
      return QG_EXIT_INPUT;
    }
    const opt_def *d = bsearch(a + 2, k_opts, QG_ARRAY_LEN(k_opts), sizeof(k_opts[0]), cmp_opt);
    if (!d) {
      qg_cli_errorf(io, "unknown option '%s' (see --help)", a);
      return QG_EXIT_INPUT;
    }
    bool allowed = !o->allowed;
    for (size_t k = 0; k < o->nallowed; k++)
      allowed |= o->allowed[k] == d->id;
    if (!allowed) {
      qg_cli_errorf(io, "option '--%s' does not go with this command (see --help)", d->name);
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
        qg_cli_errorf(io, "option '--%s' needs a value (%s)", d->name, d->arg);
        return QG_EXIT_INPUT;
      }
    } else if (eq) {
      qg_cli_errorf(io, "option '--%s' takes no value", d->name);
      return QG_EXIT_INPUT;
    }
    if (set_option(d, val, o, io) != QG_EXIT_PASS)
      return QG_EXIT_INPUT;
  }
  /* the host deadline: the command line, else QGATE_HOST_DEADLINE, else the default
   * (two minutes: a summary and 30 inline comments take seconds; room for one
   * 60-second Retry-After), checked only when a host is called */
  const char *hd = getenv("QGATE_HOST_DEADLINE");
  if (!o->host_deadline_ms && (o->comment || o->notify)) {
    if (hd && *hd && qg_deadline_parse(hd, &o->host_deadline_ms) != QG_OK) {
      qg_cli_errorf(
          io, "QGATE_HOST_DEADLINE takes seconds (more than 0, at most 86400), not '%.32s'", hd);
      return QG_EXIT_INPUT;
    }
    if (!o->host_deadline_ms)
      o->host_deadline_ms = QG_HOST_DEADLINE_MS;
  }
  return QG_EXIT_PASS;
}

bool qg_cli_start(int argc, char **argv, qg_cli_opts *o, void (*usage)(FILE *), int *status,
                  const qg_cli_io *io) {
  *status = qg_cli_parse_args(argc, argv, 2, o, io);
  if (*status != QG_EXIT_PASS)
    return false;
  if (o->help) {
    usage(io->out);
    return false;
  }
  *status = QG_EXIT_INPUT;
  return true;
}

void qg_cli_free_opts(qg_cli_opts *o) {
  for (size_t i = 0; i < o->nformats; i++)
    free(o->formats[i].name);
  free(o->paths);
}

bool qg_cli_options_sorted(void) {
  for (size_t i = 1; i < QG_ARRAY_LEN(k_opts); i++)
    if (strcmp(k_opts[i - 1].name, k_opts[i].name) >= 0)
      return false;
  return true;
}
