/* help.c: the usage texts. The formats named come from the reporters' table. */
#include "cli/internal.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

char *qg_cli_format_list(const char *skip) {
  size_t n;
  const qg_reporter *all = qg_reporters_all(&n);
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "");
  for (size_t i = 0; i < n; i++)
    if (!skip || strcmp(all[i].name, skip) != 0)
      (void)qg_buf_printf(&b, "%s%s", b.len ? ", " : "", all[i].name);
  return qg_buf_detach(&b);
}

const char qg_cli_exit_help[] =
    "Exit status:\n"
    "  0  gate passed\n"
    "  1  gate failed: a finding at or above --fail-on\n"
    "  2  usage, configuration or input error (e.g. invalid YAML, missing path)\n"
    "  3  runtime error (I/O)\n";

/* A command's usage: its text, its options, the exit statuses. */
static void usage(FILE *f, const char *text, const enum opt_id *ids, size_t n) {
  fputs(text, f);
  qg_cli_print_options(f, ids, n);
  fputc('\n', f);
  fputs(qg_cli_exit_help, f);
}

void qg_cli_usage_main(FILE *f) {
  fputs("usage: qgate COMMAND [OPTIONS] [PATH...]\n\n"
        "qgate is a CI quality gate for Kubernetes changes.\n\n"
        "Commands:\n",
        f);
  size_t n;
  const qg_cli_command *cmds = qg_cli_commands(&n);
  for (size_t i = 0; i < n; i++) { /* "NAME SYNOPSIS" (its first form), the summary */
    const char *syn = cmds[i].synopsis;
    if (strncmp(syn, "[OPTIONS]", 9) == 0)
      syn += syn[9] == ' ' ? 10 : 9;
    int left = (int)strcspn(syn, "\n");
    int w = fprintf(f, "  %s%s%.*s", cmds[i].name, left ? " " : "", left, syn);
    /* the summary from column 22, words wrapped before column 90 */
    const char *p = cmds[i].summary;
    int col = w;
    if (col > 20) {
      fputc('\n', f);
      col = 0;
    }
    while (*p) {
      size_t word = strcspn(p, " ");
      if (col < 22) {
        fprintf(f, "%*s", 22 - col, "");
        col = 22;
      } else if (col + 1 + (int)word > 89) {
        fprintf(f, "\n%22s", "");
        col = 22;
      } else {
        fputc(' ', f);
        col++;
      }
      fwrite(p, 1, word, f);
      col += (int)word;
      p += word;
      p += *p == ' ';
    }
    fputc('\n', f);
  }
  fputs("\nRun 'qgate COMMAND --help' for a command's options.\n\n", f);
  fputs(qg_cli_exit_help, f);
}

static const enum opt_id k_k8s_opts[] = {O_BASE,
                                         O_COLOR,
                                         O_COMMENT,
                                         O_COMMENT_ID,
                                         O_CONFIG,
                                         O_DRY_RUN,
                                         O_FAIL_ON,
                                         O_FIX,
                                         O_FIX_LEVEL,
                                         O_FORMAT,
                                         O_HELP,
                                         O_IGNORE,
                                         O_JOBS,
                                         O_KUBE_VERSION,
                                         O_MAX_FILE_SIZE,
                                         O_NO_GITIGNORE,
                                         O_PROFILE,
                                         O_PSS,
                                         O_PSS_VERSION,
                                         O_SARIF_CATEGORY,
                                         O_SELECT,
                                         O_SHARD,
                                         O_HOST_DEADLINE,
                                         O_ALLOW_NO_OBJECTS,
                                         O_COMPLETE_INPUT,
                                         O_EXCLUDE,
                                         O_SEVERITY,
                                         O_SHOW_BASE,
                                         O_REV};

void qg_cli_usage_k8s(FILE *f) {
  usage(f,
        "usage: qgate k8s [OPTIONS] [PATH...]\n\n"
        "Scans Kubernetes manifests (.yaml, .yml, .json; directories are walked, skipping what\n"
        ".gitignore ignores; a file named here is read whatever its extension; '-' reads\n"
        "standard input; default: the current directory) and reports every Pod Security\n"
        "Standards violation at its file, line and column. YAML and JSON that are not\n"
        "Kubernetes objects (no apiVersion and kind) are skipped.\n\n"
        "Options:\n",
        k_k8s_opts, QG_ARRAY_LEN(k_k8s_opts));
}

static const enum opt_id k_secrets_opts[] = {
    O_BASE,     O_COLOR,          O_COMMENT, O_COMMENT_ID, O_CONFIG,        O_FAIL_ON,
    O_FORMAT,   O_HELP,           O_IGNORE,  O_JOBS,       O_MAX_FILE_SIZE, O_NO_GITIGNORE,
    O_PROFILE,  O_SARIF_CATEGORY, O_SELECT,  O_SHARD,      O_HOST_DEADLINE, O_EXCLUDE,
    O_SEVERITY, O_SHOW_BASE,      O_REV};

void qg_cli_usage_secrets(FILE *f) {
  usage(f,
        "usage: qgate secrets [OPTIONS] [PATH...]\n\n"
        "Finds credentials in every text file (directories are walked, skipping what\n"
        ".gitignore ignores, binary files, lock files and minified bundles; '-' reads standard\n"
        "input; default: the current directory): provider tokens, private keys, Kubernetes\n"
        "Secrets with literal values, and high-entropy passwords and keys in configuration.\n"
        "Every secret is shown masked: a short prefix and its length.\n\n"
        "Suppress one with a 'qgate:allow' comment on its line, or list its fingerprint in\n"
        ".qgateignore at the repository root.\n\nOptions:\n",
        k_secrets_opts, QG_ARRAY_LEN(k_secrets_opts));
}

static const enum opt_id k_scan_opts[] = {O_BASE,
                                          O_COLOR,
                                          O_COMMENT,
                                          O_COMMENT_ID,
                                          O_CONFIG,
                                          O_COVERAGE,
                                          O_DRY_RUN,
                                          O_FIX,
                                          O_FIX_LEVEL,
                                          O_FORMAT,
                                          O_HELP,
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
                                          O_SARIF_CATEGORY,
                                          O_SARIF_IN,
                                          O_SELECT,
                                          O_SHARD,
                                          O_HOST_DEADLINE,
                                          O_REVIEW_DEADLINE,
                                          O_ALLOW_NO_OBJECTS,
                                          O_COMPLETE_INPUT,
                                          O_EXCLUDE,
                                          O_SEVERITY,
                                          O_SHOW_BASE,
                                          O_REV};

void qg_cli_usage_scan(FILE *f) {
  usage(f,
        "usage: qgate scan [OPTIONS] [PATH...]\n\n"
        "Runs every scanner in one walk of the paths (the Kubernetes checks on manifests,\n"
        "the secrets scanner on every text file), reads other tools' results (--sarif-in,\n"
        "--coverage, --metrics) and, with --base, what the change touched; turns it all into\n"
        "a 0-100 quality score by the policy in .qgate.yml (default: the design documents'\n"
        "table) and decides: approve (>= 85), review (>= 70) or reject (exit status 1).\n"
        "Criteria whose signal is absent are not measured and left out of the total.\n\n"
        "Options:\n",
        k_scan_opts, QG_ARRAY_LEN(k_scan_opts));
}

static const enum opt_id k_review_opts[] = {
    O_BASE,   O_COLOR, O_COMMENT,       O_COMMENT_ID, O_CONFIG,          O_DRY_RUN,       O_FAIL_ON,
    O_FORMAT, O_HELP,  O_HOST_DEADLINE, O_PROFILE,    O_REVIEW_DEADLINE, O_SARIF_CATEGORY};

void qg_cli_usage_review(FILE *f) {
  usage(f,
        "usage: qgate review [OPTIONS]\n\n"
        "Reviews the change since the base revision (--base; default: the CI's base, else the\n"
        "default branch) against the repository's ARCHITECTURE.md with a language model\n"
        "(QGATE_LLM_PROVIDER, QGATE_LLM_MODEL, QGATE_LLM_BASE_URL, or review: in a --config\n"
        "file outside the checkout; the repository's own .qgate.yml sets only the policy).\n"
        "Everything sent is redacted by the secrets scanner first. Violations the model is\n"
        "confident of (review.min_confidence, 0.8) are arch/violation findings; the rest are\n"
        "arch/unconfirmed notes. --dry-run prints the requests instead of sending them.\n\n"
        "Options:\n",
        k_review_opts, QG_ARRAY_LEN(k_review_opts));
}

static const enum opt_id k_rules_opts[] = {O_FORMAT, O_HELP};

void qg_cli_usage_rules(FILE *f) {
  fputs("usage: qgate rules [--format text|json|markdown] [ID]\n\n"
        "Lists every rule with its group, severity and title, or explains one rule\n"
        "(help, remediation, example).\n\nOptions:\n",
        f);
  qg_cli_print_options(f, k_rules_opts, QG_ARRAY_LEN(k_rules_opts));
  fputs("\nExit status: 0 success, 2 unknown rule or bad usage.\n", f);
}

void qg_cli_usage_version(FILE *f) {
  fputs("usage: qgate version\n\nPrints qgate's version and the versions of the libraries it "
        "uses.\n\nExit status: 0.\n",
        f);
}

void qg_cli_usage_completion(FILE *f) {
  fputs("usage: qgate completion bash|zsh|fish\n\n"
        "Prints the shell's completion script for qgate, generated from its commands and\n"
        "options: commands, each command's options, the values the option table knows\n"
        "(formats, severities, levels, rule ids, git revisions) and files for paths.\n"
        "make install installs all three; to try one: source <(qgate completion bash).\n\n"
        "Exit status: 0, 2 no such shell.\n",
        f);
}

void qg_cli_usage_man(FILE *f) {
  fputs("usage: qgate man\n\n"
        "Prints qgate's manual page (roff), generated from its commands and options:\n"
        "qgate man | man -l -\n\n"
        "Exit status: 0.\n",
        f);
}

const enum opt_id qg_cli_merge_opts[] = {
    O_COLOR,     O_COMMENT, O_COMMENT_ID, O_CONFIG,         O_FORMAT,   O_HELP,     O_HOST_DEADLINE,
    O_MIN_SCORE, O_NOTIFY,  O_PROFILE,    O_SARIF_CATEGORY, O_SEVERITY, O_SHOW_BASE};
const size_t qg_cli_nmerge_opts = QG_ARRAY_LEN(qg_cli_merge_opts);

void qg_cli_usage_merge(FILE *f) {
  usage(f,
        "usage: qgate merge [OPTIONS] FILE...\n\n"
        "Joins the JSON reports of a run split with --shard I/N (each shard's, written with\n"
        "--format json=FILE) into what one run over every file would have written: the\n"
        "findings in its order, the statistics summed, the gate or the quality score decided\n"
        "again by the shards' policy, in any format. Every shard 1..N must be given exactly\n"
        "once, all of one command, qgate version, command line and configuration. The\n"
        "policy and the rules come from the shards; the configuration (--config, --profile,\n"
        "else .qgate.yml) is read for --comment and --notify only.\n\n"
        "Options:\n",
        qg_cli_merge_opts, qg_cli_nmerge_opts);
}

void qg_cli_usage_hook(FILE *f) {
  fputs("usage: qgate hook install [--force]\n"
        "       qgate hook uninstall\n"
        "       qgate hook pre-push REMOTE [URL]   (what the hook runs; git's lines on stdin)\n\n"
        "Installs a git pre-push hook that scans each pushed commit ('qgate scan --rev SHA',\n"
        "its tree and its own .qgate.yml, not the work tree) against the remote's commit (a\n"
        "new branch: the merge base with the remote's default branch), prints the score and\n"
        "stops a push the gate rejects. git push --no-verify, or QGATE_SKIP_HOOK=1, skips it\n"
        "once. It runs offline: the architecture review only when review.local is true.\n"
        "An existing hook that qgate did not write is kept unless --force (then it is\n"
        "saved as pre-push.qgate-backup).\n\n"
        "Exit status: 0 done, 2 usage error or a foreign hook in the way, 3 I/O error.\n",
        f);
}

/* Sorted by name (qg_cli_selfcheck). */
static const qg_cli_command k_commands[] = {
    {"completion", "bash|zsh|fish", "print the completion script for bash, zsh or fish",
     qg_cli_cmd_completion, qg_cli_usage_completion, NULL, 0, A_WORDS, "bash zsh fish", NULL, NULL},
    {"help", "[COMMAND]", "show help for a command", NULL, NULL, NULL, 0, A_COMMANDS, NULL, NULL,
     NULL},
    {"hook", "install [--force]\nuninstall\npre-push REMOTE [URL]",
     "a git pre-push hook that runs the gate on what is pushed", qg_cli_cmd_hook, qg_cli_usage_hook,
     NULL, 0, A_WORDS, "install uninstall pre-push", "force",
     "with install: replace a pre-push hook that qgate did not write (saved as "
     "pre-push.qgate-backup)"},
    {"k8s", "[OPTIONS] [PATH...]", "scan Kubernetes manifests (Pod Security Standards, hardening)",
     qg_cli_cmd_k8s, qg_cli_usage_k8s, k_k8s_opts, QG_ARRAY_LEN(k_k8s_opts), A_PATHS, NULL, NULL,
     NULL},
    {"man", "", "print the manual page (roff)", qg_cli_cmd_man, qg_cli_usage_man, NULL, 0, A_NONE,
     NULL, NULL, NULL},
    {"merge", "[OPTIONS] FILE...",
     "join the JSON reports of a run split with --shard into one report", qg_cli_cmd_merge,
     qg_cli_usage_merge, qg_cli_merge_opts, QG_ARRAY_LEN(qg_cli_merge_opts), A_FILES, NULL, NULL,
     NULL},
    {"review", "[OPTIONS]", "review the change against ARCHITECTURE.md with a language model",
     qg_cli_cmd_review, qg_cli_usage_review, k_review_opts, QG_ARRAY_LEN(k_review_opts), A_NONE,
     NULL, NULL, NULL},
    {"rules", "[--format FMT] [ID]", "list the rules, or explain one", qg_cli_cmd_rules,
     qg_cli_usage_rules, k_rules_opts, QG_ARRAY_LEN(k_rules_opts), A_RULES, NULL, NULL, NULL},
    {"scan", "[OPTIONS] [PATH...]",
     "every scanner in one pass (Kubernetes, secrets, the architecture review when "
     "configured) and the quality score",
     qg_cli_cmd_scan, qg_cli_usage_scan, k_scan_opts, QG_ARRAY_LEN(k_scan_opts), A_PATHS, NULL,
     NULL, NULL},
    {"secrets", "[OPTIONS] [PATH...]", "find credentials in files, masked in every output",
     qg_cli_cmd_secrets, qg_cli_usage_secrets, k_secrets_opts, QG_ARRAY_LEN(k_secrets_opts),
     A_PATHS, NULL, NULL, NULL},
    {"version", "", "print the version, the commit and the library versions", qg_cli_cmd_version,
     qg_cli_usage_version, NULL, 0, A_NONE, NULL, NULL, NULL},
};

const qg_cli_command *qg_cli_commands(size_t *n) {
  *n = QG_ARRAY_LEN(k_commands);
  return k_commands;
}

const qg_cli_command *qg_cli_command_find(const char *name) {
  for (size_t i = 0; i < QG_ARRAY_LEN(k_commands); i++)
    if (strcmp(k_commands[i].name, name) == 0)
      return &k_commands[i];
  return NULL;
}
