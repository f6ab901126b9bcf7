/* internal.h: what the files of cli/ share (the option table's ids, the parsed
 * options, the messages, the commands); not for other folders. */
#ifndef QG_CLI_INTERNAL_H
#define QG_CLI_INTERNAL_H

#include "cli/cli.h"
#include "config/config.h"
#include "scoring/gate.h"
#include "reporters/reporter.h"
#include "scanners/secrets/secrets.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define MAX_LISTS 32

enum opt_id {
  O_ALLOW_NO_OBJECTS,
  O_BASE,
  O_COLOR,
  O_COMMENT,
  O_COMMENT_ID,
  O_COMPLETE_INPUT,
  O_CONFIG,
  O_COVERAGE,
  O_DRY_RUN,
  O_EXCLUDE,
  O_FAIL_ON,
  O_FIX,
  O_FIX_LEVEL,
  O_FORMAT,
  O_HELP,
  O_HOST_DEADLINE,
  O_IGNORE,
  O_JOBS,
  O_KUBE_VERSION,
  O_MAX_FILE_SIZE,
  O_METRICS,
  O_MIN_SCORE,
  O_NO_GITIGNORE,
  O_NOTIFY,
  O_PROFILE,
  O_PSS,
  O_PSS_VERSION,
  O_REV,
  O_REVIEW_DEADLINE,
  O_SARIF_CATEGORY,
  O_SARIF_IN,
  O_SELECT,
  O_SEVERITY,
  O_SHARD,
  O_SHOW_BASE,
};

/* What an option's value is, for the completions (gen.c). */
typedef enum opt_val {
  V_NONE,    /* no value, or one nothing lists (a number, a name) */
  V_WORDS,   /* one of opt_def.words */
  V_FILE,    /* a file */
  V_REV,     /* a git revision */
  V_FORMATS, /* a reporter's name (the reporters' table) */
  V_HOSTS,   /* a host's name (the hosts' table) or annotations */
  V_PSS_VER, /* latest, v1.0 ... v1.QG_PSS_MAX_MINOR */
  V_RULES,   /* rule groups and ids (the registry) */
} opt_val;

/* One row of the option table (options.c). */
typedef struct opt_def {
  const char *name; /* without "--" */
  enum opt_id id;
  const char *arg; /* NULL: takes no value */
  const char *help;
  opt_val val;
  const char *words; /* V_WORDS: the values, separated by spaces */
} opt_def;

typedef struct fmt_out {
  char *name;       /* owned */
  const char *file; /* NULL: standard output */
} fmt_out;

typedef struct qg_cli_opts {
  fmt_out formats[MAX_LISTS];
  size_t nformats;
  const char *pss_level, *pss_version, *fail_on, *color, *config, *profile, *base;
  const char *kube_version; /* --kube-version V, NULL: not given */
  const char *rev;          /* --rev REV: scan that commit's tree */
  const char *comment, *notify;
  const char *sarif_category;  /* --sarif-category, NULL: qgate/COMMAND */
  const char *comment_id;      /* --comment-id (qg_comment_id_valid), NULL: not given */
  const char *review_deadline; /* --review-deadline's value, NULL: not given */
  long host_deadline_ms;       /* every host request of the run (--host-deadline) */
  int min_score;               /* -1: the policy's */
  const char *select[MAX_LISTS], *ignore[MAX_LISTS];
  size_t nselect, nignore;
  const char *exclude[MAX_LISTS]; /* --exclude GLOB */
  size_t nexclude;
  const char *severity; /* --severity LIST */
  bool show_base, allow_no_objects, complete_input;
  const char *sarif_in[MAX_LISTS], *coverage[MAX_LISTS], *metrics[MAX_LISTS];
  size_t nsarif_in, ncoverage, nmetrics;
  size_t max_file_size;
  unsigned jobs;
  unsigned shard_index, shard_count; /* --shard I/N; 0: not sharded */
  const enum opt_id *allowed;        /* non-NULL: the only options the command takes */
  size_t nallowed;
  bool no_gitignore, help, fix, dry_run;
  bool fix_all;       /* --fix-level all */
  const char **paths; /* borrowed argv pointers; owned array */
  size_t npaths;
} qg_cli_opts;

/* ---- cli.c: options and messages ---- */

/* "qgate: MESSAGE", "qgate: warning: MESSAGE" on standard error, escaped (the
 * message can hold repository text). */
void qg_cli_errorf(const qg_cli_io *io, const char *fmt, ...) QG_PRINTF(2, 3);
void qg_cli_warnf(const qg_cli_io *io, const char *fmt, ...) QG_PRINTF(2, 3);
/* r's diagnostics: "qgate: PATH:LINE:COL: LEVEL: MESSAGE". */
void qg_cli_print_diags(const qg_cli_io *io, const qg_result *r);
/* A run's log (pipeline/run.h), in order. */
void qg_cli_print_log(const qg_cli_io *io, const qg_result *log);
/* One message of a run's log, printed as qg_cli_print_log does, the moment the run
 * adds it (a qg_diag_listener: io is the qg_cli_io). */
void qg_cli_log_listener(void *io, const qg_diag *d);
/* Parses argv[first..]; returns QG_EXIT_PASS or QG_EXIT_INPUT (said). */
int qg_cli_parse_args(int argc, char **argv, int first, qg_cli_opts *o, const qg_cli_io *io);
void qg_cli_free_opts(qg_cli_opts *o);
/* A command's start: parses argv[2..] into o (o->allowed as set). False when the
 * command is done: a usage error (said) or --help (usage(io->out) printed); *status
 * is its exit status. True: go on (*status QG_EXIT_INPUT, for the errors to come). */
bool qg_cli_start(int argc, char **argv, qg_cli_opts *o, void (*usage)(FILE *), int *status,
                  const qg_cli_io *io);
/* The option table's lines for ids, as help shows them. */
void qg_cli_print_options(FILE *f, const enum opt_id *ids, size_t n);
/* Whether the option table is sorted by name (qg_cli_selfcheck). */
bool qg_cli_options_sorted(void);
/* The option table, sorted by name; static. */
const opt_def *qg_cli_options(size_t *n);
/* An option's help text as --help prints it (the formats' and hosts' names filled in);
 * caller frees. */
char *qg_cli_option_help(const opt_def *d);
/* The values an option takes, separated by spaces (V_FILE, V_REV, V_NONE: NULL); caller
 * frees. */
char *qg_cli_option_values(const opt_def *d);

/* ---- help.c: the commands, their usage texts ---- */

/* What a command's words after its options are, for the completions. */
typedef enum cmd_args {
  A_NONE,
  A_PATHS,    /* files and directories */
  A_FILES,    /* files */
  A_WORDS,    /* the first is one of qg_cli_command.words */
  A_COMMANDS, /* a command's name */
  A_RULES,    /* a rule's id */
} cmd_args;

typedef struct qg_cli_command {
  const char *name;
  /* what follows "qgate NAME" in its synopsis, one form a line ("" none) */
  const char *synopsis;
  const char *summary; /* one sentence, for qgate help and the man page */
  int (*fn)(int argc, char **argv, const qg_cli_io *io); /* NULL: help, done by cli.c */
  void (*usage)(FILE *f);
  const enum opt_id *opts; /* the options of the table it takes */
  size_t nopts;
  cmd_args args;
  const char *words;     /* A_WORDS: the words, separated by spaces */
  const char *flag;      /* an option of its own, outside the table (hook's --force), or NULL */
  const char *flag_help; /* what it does */
} qg_cli_command;

/* The commands, sorted by name; static. */
const qg_cli_command *qg_cli_commands(size_t *n);
/* The command named name, or NULL. */
const qg_cli_command *qg_cli_command_find(const char *name);

void qg_cli_usage_main(FILE *f);
void qg_cli_usage_k8s(FILE *f);
void qg_cli_usage_secrets(FILE *f);
void qg_cli_usage_scan(FILE *f);
void qg_cli_usage_review(FILE *f);
void qg_cli_usage_merge(FILE *f);
void qg_cli_usage_rules(FILE *f);
void qg_cli_usage_version(FILE *f);
void qg_cli_usage_hook(FILE *f);
void qg_cli_usage_completion(FILE *f);
void qg_cli_usage_man(FILE *f);
extern const char qg_cli_exit_help[];
/* "a, b, c": the names of the reporters' table (without "skip", when given); caller
 * frees. */
char *qg_cli_format_list(const char *skip);
/* The options merge takes. */
extern const enum opt_id qg_cli_merge_opts[];
extern const size_t qg_cli_nmerge_opts;

/* ---- publish.c: what follows the gate, for the run and the merge ---- */

/* Every --format names a reporter; otherwise an error that lists them. */
bool qg_cli_formats_known(const qg_cli_opts *o, const qg_cli_io *io);

typedef struct qg_cli_publish {
  const qg_cli_opts *o;
  const qg_report *rep;
  const qg_config *cfg;          /* the comment's settings */
  const qg_score_policy *policy; /* --notify: its high-findings limit; NULL: no notification */
  bool outputs;                  /* GitHub Actions step outputs (a score, not a shard's) */
  qg_secrets *redactor;          /* for what the hosts answer; may be NULL */
  const qg_gate *gate;
  bool review_failed;
  const char *reviewed_head; /* the commit whose architecture review completed (qg_run_out),
                                or NULL: nothing recorded for the next run */
  bool arch_scoped;          /* review.incremental: the review looked only at arch_paths */
  const char *const *arch_paths;
  size_t narch_paths;
} qg_cli_publish;

/* The id in the comments' markers: --comment-id, else comment.id joined with the command,
 * else "qgate-COMMAND". Caller frees. */
char *qg_cli_comment_id(const qg_cli_opts *o, const struct qg_config *cfg, const char *command);

/* run.c's last_reviewed (qg_run_opts): with --comment HOST, the last reviewed head in
 * qgate's own summary comment. ud: a qg_cli_since. */
typedef struct qg_cli_since {
  const qg_cli_opts *o;
  const struct qg_config *cfg; /* the run's, read by the time it is called */
  const char *command;         /* "review", "scan" */
} qg_cli_since;
char *qg_cli_last_reviewed(void *ud, qg_secrets *redactor, char **note);

/* Prints the result's diagnostics, writes every report, the GitHub Actions
 * outputs, the comments and the notification; returns the exit status. */
int qg_cli_publish_run(const qg_cli_publish *p, const qg_cli_io *io);

/* ---- guard.c: no workflow command from what qgate prints in GitHub Actions ---- */

#define QG_GUARD_TOKEN_LEN 32 /* hex digits: 128 random bits */

typedef struct qg_cli_guard {
  char token[QG_GUARD_TOKEN_LEN + 1]; /* "::stop-commands::TOKEN" ... "::TOKEN::" */
  bool on;       /* GITHUB_ACTIONS=true, a token, standard error read by the runner */
  bool open;     /* a region is open */
  bool log_out;  /* standard output is read by the runner too */
  bool out_doc;  /* a JSON or XML document went to standard output */
  bool out_text; /* something else did (a text report, a diff, annotations) */
} qg_cli_guard;

/* A new token from the kernel's CSPRNG, QG_GUARD_TOKEN_LEN lowercase hex digits;
 * false when there is no randomness to be had. */
bool qg_cli_guard_token(char token[QG_GUARD_TOKEN_LEN + 1]);
/* Inside GitHub Actions (GITHUB_ACTIONS=true) with standard error going to the log:
 * a token, and "::stop-commands::TOKEN" on standard error; else g stays off. */
void qg_cli_guard_begin(qg_cli_guard *g, const qg_cli_io *io);
/* Notes what goes to standard output: a JSON or XML document, or other text. */
void qg_cli_guard_stdout(const qg_cli_io *io, bool document);
/* Before qgate's own workflow commands on standard output: "::TOKEN::" there. */
void qg_cli_guard_pause(const qg_cli_io *io);
/* After them: the region again, on standard output. */
void qg_cli_guard_resume(const qg_cli_io *io);
/* The end of the run: "::TOKEN::" on standard output, or on standard error when
 * standard output holds only a document (or is not read by the runner). */
void qg_cli_guard_end(const qg_cli_io *io);

/* ---- run.c ---- */
/* Colour for the text report: --color WHEN (NULL: auto), NO_COLOR, a terminal. */
bool qg_cli_want_color(const char *when, FILE *out);

/* ---- the commands ---- */
int qg_cli_cmd_k8s(int argc, char **argv, const qg_cli_io *io);
int qg_cli_cmd_secrets(int argc, char **argv, const qg_cli_io *io);
int qg_cli_cmd_scan(int argc, char **argv, const qg_cli_io *io);
int qg_cli_cmd_review(int argc, char **argv, const qg_cli_io *io);
int qg_cli_cmd_merge(int argc, char **argv, const qg_cli_io *io);
int qg_cli_cmd_rules(int argc, char **argv, const qg_cli_io *io);
int qg_cli_cmd_hook(int argc, char **argv, const qg_cli_io *io);
int qg_cli_cmd_version(int argc, char **argv, const qg_cli_io *io);
/* gen.c: qgate completion SHELL, qgate man */
int qg_cli_cmd_completion(int argc, char **argv, const qg_cli_io *io);
int qg_cli_cmd_man(int argc, char **argv, const qg_cli_io *io);

#endif
