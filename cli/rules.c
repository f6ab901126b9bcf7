/* rules.c: qgate rules [ID]: the rule table as text, JSON or Markdown (the
 * generated docs/rules.md). */
#include "cli/internal.h"
#include "rules/rule.h"

#include <cjson/cJSON.h>
#include <string.h>

static const char *level_of(const qg_rule *r) {
  return r->flags & QG_RULE_BASELINE     ? "baseline"
         : r->flags & QG_RULE_RESTRICTED ? "restricted"
                                         : "";
}

static qg_status rules_json(FILE *f, const qg_rule *all, size_t n) {
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
  return qg_report_write_json(f, arr, 1);
}

/* Each secrets rule's format and what it leaves alone (rules/secrets-docs.def). */
typedef struct secret_doc {
  const char *id, *format, *ignores;
} secret_doc;

static const secret_doc k_secret_docs[] = {
#define QG_SECRET_DOC(id_, format_, ignores_) {id_, format_, ignores_},
#include "rules/secrets-docs.def"
#undef QG_SECRET_DOC
};

static const secret_doc *secret_doc_of(const char *id) {
  for (size_t i = 0; i < QG_ARRAY_LEN(k_secret_docs); i++)
    if (strcmp(k_secret_docs[i].id, id) == 0)
      return &k_secret_docs[i];
  return NULL;
}

static void rule_markdown(FILE *f, const qg_rule *r) {
  fprintf(f, "### `%s`\n\n", r->id);
  fprintf(f, "**%s** · severity **%s**", r->title, qg_severity_name(r->severity));
  if (r->upstream)
    fprintf(f, " · PSS %s check `%s`", level_of(r), r->upstream);
  fprintf(f, " · %s\n\n", r->flags & QG_RULE_DEFAULT_ON ? "on by default" : "off by default");
  fprintf(f, "%s\n\n**Remediation:** %s\n\n", r->help, r->remediation);
  const secret_doc *d = secret_doc_of(r->id);
  if (d)
    fprintf(f, "**Format:** %s\n\n**Ignores:** %s\n\n", d->format, d->ignores);
  if (r->example)
    fprintf(f, "```yaml\n%s\n```\n\n", r->example);
  fprintf(f, "Reference: <%s>\n\n", r->help_uri);
}

/* The peers' checks and the rules that answer them (rules/peers.def). */
typedef struct peer_row {
  const char *tool, *check;
  const char *rules; /* space-separated rule ids, or NULL */
  const char *note;  /* "planned: ..." when a rule being written will answer it */
} peer_row;

static const peer_row k_peers[] = {
#define QG_PEER(tool_, check_, rules_, note_) {tool_, check_, rules_, note_},
#include "rules/peers.def"
#undef QG_PEER
};

static bool planned(const peer_row *p) { return strncmp(p->note, "planned:", 8) == 0; }

static void rule_link(FILE *f, const char *id, size_t n) {
  fprintf(f, "[`%.*s`](#", (int)n, id);
  for (size_t i = 0; i < n; i++)
    if (id[i] != '/')
      fputc(id[i], f);
  fputc(')', f);
}

/* One table per tool: check | qgate rule | note. */
static void peers_markdown(FILE *f) {
  static const char *const tools[][2] = {{"kube-linter", "kube-linter"},
                                         {"polaris", "Polaris"},
                                         {"kubesec", "kubesec"},
                                         {"kube-score", "kube-score"}};
  fputs("## Peer checks\n\nEvery check of kube-linter, Polaris, kubesec and kube-score, and the "
        "qgate rule that answers it, or why none does (from `rules/peers.def`). *planned*: a "
        "rule being written will answer it. Where a rule answers a check, the peer's "
        "suppression annotation (`ignore-check.kube-linter.io/<check>`, "
        "`polaris.fairwinds.com/<check>-exempt`) also suppresses the rule's finding when the "
        "rule lists the check among its aliases.\n\n",
        f);
  for (size_t t = 0; t < QG_ARRAY_LEN(tools); t++) {
    size_t n = 0, answered = 0, plan = 0;
    for (size_t i = 0; i < QG_ARRAY_LEN(k_peers); i++)
      if (strcmp(k_peers[i].tool, tools[t][0]) == 0) {
        n++;
        answered += k_peers[i].rules != NULL;
        plan += planned(&k_peers[i]);
      }
    fprintf(f,
            "### %s\n\n%zu checks: %zu answered by a rule, %zu planned, %zu not answered.\n\n"
            "| check | qgate rule | note |\n|---|---|---|\n",
            tools[t][1], n, answered, plan, n - answered - plan);
    for (size_t i = 0; i < QG_ARRAY_LEN(k_peers); i++) {
      const peer_row *p = &k_peers[i];
      if (strcmp(p->tool, tools[t][0]) != 0)
        continue;
      fprintf(f, "| `%s` | ", p->check);
      if (!p->rules) {
        fputs(planned(p) ? "planned" : "none", f);
      } else {
        for (const char *r = p->rules; *r;) {
          size_t len = strcspn(r, " ");
          rule_link(f, r, len);
          r += len;
          r += strspn(r, " ");
          if (*r)
            fputs(", ", f);
        }
      }
      const char *note = planned(p) ? p->note + 8 + strspn(p->note + 8, " ") : p->note;
      fprintf(f, " | %s |\n", note);
    }
    fputc('\n', f);
  }
}

/* Every rule (with the table first, the peers' checks last), or one. */
static void rules_markdown(FILE *f, const qg_rule *all, size_t n, bool one) {
  if (!one) {
    fputs("# qgate rules\n\n<!-- Generated by `make docs` (qgate rules --format markdown). "
          "Do not edit. -->\n\n[Peer checks](#peer-checks) maps every check of kube-linter, "
          "Polaris, kubesec and kube-score to the rule that answers it.\n\n"
          "| id | group | severity | title |\n|---|---|---|---|\n",
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
  if (!one)
    peers_markdown(f);
}

static void rule_text(FILE *f, const qg_rule *one) {
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
}

static void rules_text(FILE *f, const qg_rule *all, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char g[32];
    fprintf(f, "%-38s %-6s %-9s %s\n", all[i].id, qg_rule_group(&all[i], g, sizeof(g)),
            qg_severity_name(all[i].severity), all[i].title);
  }
  fprintf(f, "%zu rules\n", n);
}

int qg_cli_cmd_rules(int argc, char **argv, const qg_cli_io *io) {
  qg_cli_opts o = {0};
  int status;
  if (!qg_cli_start(argc, argv, &o, qg_cli_usage_rules, &status, io))
    goto out;
  const char *fmt = o.nformats ? o.formats[o.nformats - 1].name : "text";
  if (strcmp(fmt, "text") && strcmp(fmt, "json") && strcmp(fmt, "markdown")) {
    qg_cli_errorf(io, "qgate rules: --format takes text, json or markdown, not '%s'", fmt);
    goto out;
  }
  if (o.npaths > 1) {
    qg_cli_errorf(io, "qgate rules: give at most one rule id");
    goto out;
  }
  size_t n;
  const qg_rule *all = qg_rules_all(&n);
  const qg_rule *one = NULL;
  if (o.npaths) {
    one = qg_rule_find(o.paths[0]);
    if (!one) {
      qg_cli_errorf(io, "no rule '%s' (see 'qgate rules')", o.paths[0]);
      goto out;
    }
    all = one;
    n = 1;
  }
  FILE *f = io->out;
  if (strcmp(fmt, "json") == 0) {
    if (rules_json(f, all, n) != QG_OK) {
      status = QG_EXIT_RUNTIME;
      goto out;
    }
  } else if (strcmp(fmt, "markdown") == 0) {
    rules_markdown(f, all, n, one != NULL);
  } else if (one) {
    rule_text(f, one);
  } else {
    rules_text(f, all, n);
  }
  status = ferror(f) ? QG_EXIT_RUNTIME : QG_EXIT_PASS;
out:
  qg_cli_free_opts(&o);
  return status;
}
