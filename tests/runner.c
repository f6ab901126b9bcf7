/* runner.c: qgate-test, the fixture runner.
 *
 * Each .case file under fixtures/ is one test: input files, the command line, the
 * exact findings, and optionally the exact stdout/stderr and the exit status.
 * The runner writes the files into a fresh temporary directory, runs
 * qg_cli_run() in-process on memory streams (so sanitizers and valgrind see
 * everything), and compares. Malformed cases are failures, never skipped.
 * See fixtures/FORMAT.md. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "cli/cli.h"
#include "core/fs.h"
#include "core/git.h"
#include "core/mem.h"
#include "tests/mockhttp.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 64
#define MAX_ARGS 64

typedef struct section {
  char *arg;   /* text after the section name, or NULL */
  qg_buf body; /* raw lines */
  int line;    /* header line number in the case file */
} section;

typedef struct tcase {
  const char *path;
  const char *text; /* the case file, for section headers */
  section *name, *args, *exit_, *expect, *stdout_, *stderr_, *stdin_, *git, *env;
  section *files[MAX_FILES], *dirs[MAX_FILES], *links[MAX_FILES]; /* into all[] */
  section *outs[MAX_FILES], *absents[MAX_FILES];      /* files the run must write or not */
  section *responds[MAX_FILES], *requests[MAX_FILES]; /* the HTTP server's script and checks */
  size_t nfiles, ndirs, nlinks, nouts, nabsents, nresponds, nrequests;
  section *nreq, *runs, *never, *sigv4; /* expect-requests, runs, never-sent, expect-sigv4 */
  section *then;    /* the sections after it are built between the first run and the next */
  section *openapi; /* the API description every request must follow: github or gitlab */
  section *cwd;     /* cwd DIR: the command (and git, commit) run in DIR, the files around it
                       lie outside its checkout */
  section all[MAX_FILES * 7 + 16];
  size_t nall;
} tcase;

static const char *const k_sections[] = {"absent",
                                         "args",
                                         "commit",
                                         "cwd",
                                         "dir",
                                         "env",
                                         "exit",
                                         "expect",
                                         "expect-file",
                                         "expect-request",
                                         "expect-requests",
                                         "expect-sigv4",
                                         "expect-stderr",
                                         "expect-stdout",
                                         "file",
                                         "git",
                                         "name",
                                         "never-sent",
                                         "openapi",
                                         "respond",
                                         "runs",
                                         "stdin",
                                         "symlink",
                                         "then"};

/* The text of line n (1-based) of the case file. */
static const char *text_at_line(const tcase *c, int n) {
  const char *p = c->text;
  for (int i = 1; i < n && p; i++) {
    p = strchr(p, '\n');
    if (p)
      p++;
  }
  return p ? p : "";
}

static int failf(const tcase *c, int line, const char *fmt, ...) QG_PRINTF(3, 4);
static int failf(const tcase *c, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stdout, "FAIL %s:%d: ", c->path, line);
  vfprintf(stdout, fmt, ap);
  fputc('\n', stdout);
  va_end(ap);
  return 1;
}

static void free_case(tcase *c) {
  for (size_t i = 0; i < c->nall; i++) {
    free(c->all[i].arg);
    qg_buf_cleanup(&c->all[i].body);
  }
}

/* The case's HTTP server port, for %port; "0" when it has none. */
static char g_port[16] = "0";

/* Expands %repeat[N|text], %seq[A..B|text], %hex[hh hh ...], %concat[...] and %port. */
static int expand(const char *in, size_t len, qg_buf *out) {
  size_t i = 0;
  while (i < len) {
    if (strncmp(in + i, "%eof", 4) == 0) {
      break; /* the body ends here, without the newline that ends its line */
    } else if (strncmp(in + i, "%port", 5) == 0) {
      (void)qg_buf_puts(out, g_port);
      i += 5;
    } else if (strncmp(in + i, "%repeat[", 8) == 0) {
      const char *bar = memchr(in + i, '|', len - i);
      const char *end = bar ? memchr(bar, ']', len - (size_t)(bar - in)) : NULL;
      if (!bar || !end)
        return -1;
      long n = strtol(in + i + 8, NULL, 10);
      if (n < 0 || n > 10000000)
        return -1;
      for (long k = 0; k < n; k++)
        if (qg_buf_append(out, bar + 1, (size_t)(end - bar - 1)) != QG_OK)
          return -1;
      i = (size_t)(end - in) + 1;
    } else if (strncmp(in + i, "%seq[", 5) == 0) {
      /* %seq[A..B|text]: text once for each number from A to B, each "%i" in it that
       * number; text ends at the ']' that closes the macro (its own brackets pair) */
      char *dots = NULL, *bar = NULL;
      long a = strtol(in + i + 5, &dots, 10);
      long z = strncmp(dots, "..", 2) == 0 ? strtol(dots + 2, &bar, 10) : -1;
      if (!bar || *bar != '|' || a < 0 || z < a || z - a > 1000000)
        return -1;
      const char *end = NULL;
      size_t depth = 0;
      for (const char *t = bar + 1; t < in + len && !end; t++) {
        if (*t == '[')
          depth++;
        else if (*t == ']' && depth)
          depth--;
        else if (*t == ']')
          end = t;
      }
      if (!end)
        return -1;
      for (long k = a; k <= z; k++)
        for (const char *p = bar + 1; p < end;) {
          if (p + 1 < end && p[0] == '%' && p[1] == 'i') {
            (void)qg_buf_printf(out, "%ld", k);
            p += 2;
          } else {
            (void)qg_buf_putc(out, *p++);
          }
        }
      i = (size_t)(end - in) + 1;
    } else if (strncmp(in + i, "%concat[", 8) == 0) {
      /* %concat[gh|p_|...]: joins its parts, so a case file never holds a
       * live-looking token in one piece */
      const char *end = memchr(in + i, ']', len - i);
      if (!end)
        return -1;
      for (const char *p = in + i + 8; p < end; p++)
        if (*p != '|')
          (void)qg_buf_putc(out, *p);
      i = (size_t)(end - in) + 1;
    } else if (strncmp(in + i, "%hex[", 5) == 0) {
      const char *end = memchr(in + i, ']', len - i);
      if (!end)
        return -1;
      const char *p = in + i + 5;
      while (p < end) {
        if (*p == ' ') {
          p++;
          continue;
        }
        char hx[3] = {p[0], p + 1 < end ? p[1] : '0', 0};
        (void)qg_buf_putc(out, (char)strtol(hx, NULL, 16));
        p += 2;
      }
      i = (size_t)(end - in) + 1;
    } else {
      (void)qg_buf_putc(out, in[i++]);
    }
  }
  return 0;
}

static int parse_case(tcase *c, const char *text) {
  section *cur = NULL;
  int lineno = 0;
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    lineno++;
    if (len >= 4 && strncmp(p, "=== ", 4) == 0) {
      char head[256];
      if (len >= sizeof(head))
        return failf(c, lineno, "section header too long");
      memcpy(head, p + 4, len - 4);
      head[len - 4] = '\0';
      char *sp = strchr(head, ' ');
      if (sp)
        *sp++ = '\0';
      int known = 0;
      for (size_t i = 0; i < QG_ARRAY_LEN(k_sections); i++)
        known |= strcmp(head, k_sections[i]) == 0;
      for (char *h = head; *h; h++)
        known &= (*h >= 'a' && *h <= 'z') || (*h >= '0' && *h <= '9') || *h == '-';
      if (!known)
        return failf(c, lineno, "unknown section '=== %s'", head);
      if (c->nall == QG_ARRAY_LEN(c->all))
        return failf(c, lineno, "too many sections");
      cur = &c->all[c->nall++];
      cur->arg = sp && *sp ? qg_xstrdup(sp) : NULL;
      cur->line = lineno;
      qg_buf_init(&cur->body, 0);
      section **one = NULL;
      int needs_arg = 0;
      if (!strcmp(head, "name"))
        one = &c->name;
      else if (!strcmp(head, "args"))
        one = &c->args;
      else if (!strcmp(head, "exit"))
        one = &c->exit_;
      else if (!strcmp(head, "expect"))
        one = &c->expect;
      else if (!strcmp(head, "expect-stdout"))
        one = &c->stdout_;
      else if (!strcmp(head, "expect-stderr"))
        one = &c->stderr_;
      else if (!strcmp(head, "stdin"))
        one = &c->stdin_;
      else if (!strcmp(head, "git"))
        one = &c->git;
      else if (!strcmp(head, "env"))
        one = &c->env;
      else if (!strcmp(head, "expect-requests"))
        one = &c->nreq;
      else if (!strcmp(head, "runs"))
        one = &c->runs;
      else if (!strcmp(head, "never-sent"))
        one = &c->never;
      else if (!strcmp(head, "expect-sigv4"))
        one = &c->sigv4;
      else if (!strcmp(head, "openapi"))
        one = &c->openapi;
      else if (!strcmp(head, "then"))
        one = &c->then;
      else if (strcmp(head, "commit") != 0) /* commit: repeatable, message optional */
        needs_arg = 1;
      if (!strcmp(head, "cwd")) {
        if (c->cwd)
          return failf(c, lineno, "section 'cwd' appears twice");
        if (!cur->arg || strstr(cur->arg, "..") || cur->arg[0] == '/')
          return failf(c, lineno, "section 'cwd' needs a relative path without '..'");
        c->cwd = cur;
        needs_arg = 0;
      }
      if (one) {
        if (*one)
          return failf(c, lineno, "section '%s' appears twice", head);
        if (cur->arg)
          return failf(c, lineno, "section '%s' takes no argument", head);
        *one = cur;
      } else if (needs_arg) {
        if (!cur->arg || strstr(cur->arg, "..") || cur->arg[0] == '/')
          return failf(c, lineno, "section '%s' needs a relative path without '..'", head);
        section **list = c->links;
        size_t *n = &c->nlinks;
        if (!strcmp(head, "file"))
          list = c->files, n = &c->nfiles;
        else if (!strcmp(head, "dir"))
          list = c->dirs, n = &c->ndirs;
        else if (!strcmp(head, "expect-file"))
          list = c->outs, n = &c->nouts;
        else if (!strcmp(head, "absent"))
          list = c->absents, n = &c->nabsents;
        else if (!strcmp(head, "respond"))
          list = c->responds, n = &c->nresponds;
        else if (!strcmp(head, "expect-request"))
          list = c->requests, n = &c->nrequests;
        if (*n == MAX_FILES)
          return failf(c, lineno, "too many '%s' sections", head);
        list[(*n)++] = cur;
      }
    } else if (!cur) {
      if (len)
        return failf(c, lineno, "text before the first section");
    } else {
      (void)qg_buf_append(&cur->body, p, len);
      (void)qg_buf_putc(&cur->body, '\n');
    }
    p += len + (nl ? 1 : 0);
  }
  if (!c->name || !c->args || !c->exit_)
    return failf(c, 1, "a case needs '=== name', '=== args' and '=== exit'");
  if (!c->name->body.len)
    return failf(c, c->name->line, "'=== name' must say why the case exists");
  return 0;
}

static int mkdirs_for(const char *path) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof(tmp), "%s", path);
  for (char *s = tmp + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
      return -1;
    *s = '/';
  }
  return 0;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(p);
}

/* Splits args on spaces, honouring '...' and "...". Returns argc. */
static int split_args(char *s, char **argv, int max) {
  int n = 0;
  static char prog[] = "qgate";
  argv[n++] = prog;
  while (*s && n < max - 1) {
    while (*s == ' ' || *s == '\n' || *s == '\t')
      s++;
    if (!*s)
      break;
    char *dst = s, *start = s;
    char q = 0;
    while (*s && (q || (*s != ' ' && *s != '\n' && *s != '\t'))) {
      if (!q && (*s == '\'' || *s == '"'))
        q = *s++;
      else if (q && *s == q) {
        q = 0;
        s++;
      } else
        *dst++ = *s++;
    }
    if (*s)
      s++;
    *dst = '\0';
    argv[n++] = start;
  }
  argv[n] = NULL;
  return n;
}

static int cmp_lines(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the lines of s in place (for findings). */
static char *sorted_lines(const char *s) {
  char *copy = qg_xstrdup(s);
  char **lines = NULL;
  size_t n = 0, cap = 0;
  for (char *tok = strtok(copy, "\n"); tok; tok = strtok(NULL, "\n")) {
    qg_grow((void **)&lines, &cap, n + 1, sizeof(*lines));
    lines[n++] = tok;
  }
  if (n)
    qsort(lines, n, sizeof(*lines), cmp_lines);
  qg_buf b;
  qg_buf_init(&b, 0);
  for (size_t i = 0; i < n; i++) {
    (void)qg_buf_puts(&b, lines[i]);
    (void)qg_buf_putc(&b, '\n');
  }
  free(lines);
  free(copy);
  return qg_buf_detach(&b);
}

static int compare(const tcase *c, const section *s, const char *what, const char *want,
                   const char *got) {
  if (strcmp(want, got) == 0)
    return 0;
  failf(c, s ? s->line : 1, "%s differs", what);
  printf("--- expected\n%s+++ got\n%s", want, got);
  if (*got && got[strlen(got) - 1] != '\n')
    putchar('\n');
  return 1;
}

/* GitHub Actions' workflow commands in what a case printed (cli/guard.c,
 * core/escape.h). Every line is checked, in every case: after the blanks the runner
 * skips, only qgate's own lines may start with "::" (the region's
 * "::stop-commands::TOKEN" and "::TOKEN::", and on standard output the annotations
 * "::error file=", "::warning file=", "::notice file=" of a case whose args ask for
 * them), and no line may hold "##["
 * (the runner's legacy form, read anywhere in a line). A token is 32 lowercase hex
 * digits; each is closed as often as opened; a run's token is a new one (runs: each
 * run has its own); annotations on standard output come after the region's end there
 * (the region opens on standard error, before anything else). The tokens are then
 * written "%token" in *text, so that expect-stdout and expect-stderr can name them. */
#define GUARD_MAX_TOKENS 16
typedef struct guard_seen {
  char tokens[GUARD_MAX_TOKENS][33];
  int opens[GUARD_MAX_TOKENS], closes[GUARD_MAX_TOKENS];
  size_t n;
} guard_seen;

static int guard_token_at(const guard_seen *g, const char *t, size_t len) {
  for (size_t i = 0; i < g->n; i++)
    if (len == 32 && memcmp(g->tokens[i], t, 32) == 0)
      return (int)i;
  return -1;
}

static int guard_lines(const tcase *c, const char *what, char **text, guard_seen *g,
                       bool annotations) {
  int bad = 0;
  bool inside = !strcmp(what, "stdout"); /* opened on standard error, before it */
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "");
  size_t lineno = 0;
  for (const char *p = *text ? *text : ""; *p;) {
    size_t len = strcspn(p, "\n");
    const char *l = p;
    lineno++;
    p += len + (p[len] == '\n');
    size_t lead = 0;
    while (lead < len && (l[lead] == ' ' || l[lead] == '\t' ||
                          (lead + 1 < len && (unsigned char)l[lead] == 0xc2 &&
                           (unsigned char)l[lead + 1] == 0xa0)))
      lead += l[lead] == ' ' || l[lead] == '\t' ? 1 : 2;
    const char *q = l + lead;
    size_t qn = len - lead;
    static const char stop[] = "::stop-commands::";
    bool cmd = qn >= 2 && q[0] == ':' && q[1] == ':';
    bool legacy = false;
    for (size_t i = 0; i + 3 <= len && !legacy; i++)
      legacy = l[i] == '#' && l[i + 1] == '#' && l[i + 2] == '[';
    int ti = -1;
    if (lead == 0 && qn == sizeof(stop) - 1 + 32 && !memcmp(q, stop, sizeof(stop) - 1)) {
      const char *t = q + sizeof(stop) - 1;
      bool hex = true;
      for (size_t i = 0; i < 32; i++)
        hex &= (t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f');
      ti = guard_token_at(g, t, 32);
      if (!hex) {
        bad |= failf(c, 0, "%s line %zu: the token is not 32 lowercase hex digits", what, lineno);
      } else if (ti < 0 && g->n < GUARD_MAX_TOKENS) {
        memcpy(g->tokens[g->n], t, 32);
        g->tokens[g->n][32] = '\0';
        ti = (int)g->n++;
      }
      if (ti >= 0)
        g->opens[ti]++;
      inside = true;
      (void)qg_buf_puts(&b, "::stop-commands::%token\n");
      continue;
    }
    if (lead == 0 && qn == 36 && q[34] == ':' && q[35] == ':' &&
        (ti = guard_token_at(g, q + 2, 32)) >= 0) {
      g->closes[ti]++;
      inside = false;
      (void)qg_buf_puts(&b, "::%token::\n");
      continue;
    }
    bool annotation = annotations && !strcmp(what, "stdout") && lead == 0 &&
                      (!strncmp(q, "::error file=", 13) || !strncmp(q, "::warning file=", 15) ||
                       !strncmp(q, "::notice file=", 14));
    if (legacy)
      bad |= failf(c, 0, "%s line %zu holds \"##[\", a workflow command: %.*s", what, lineno,
                   (int)len, l);
    else if (cmd && !annotation)
      bad |= failf(c, 0, "%s line %zu is a workflow command: %.*s", what, lineno, (int)len, l);
    else if (annotation && inside && g->n)
      bad |= failf(c, 0, "%s line %zu: an annotation inside the ::stop-commands:: region", what,
                   lineno);
    (void)qg_buf_append(&b, l, len);
    if (l[len] == '\n')
      (void)qg_buf_putc(&b, '\n');
  }
  free(*text);
  *text = qg_buf_detach(&b);
  return bad;
}

static int check_guard(const tcase *c, char **out, char **err, long runs) {
  guard_seen g;
  memset(&g, 0, sizeof(g));
  /* annotations only where the case asks for them (--comment annotations), or where
   * qgate falls back to them (--comment github without its summary comment) */
  bool ann =
      c->args && c->args->body.data &&
      (strstr(c->args->body.data, "annotations") || strstr(c->args->body.data, "--comment github"));
  int bad = guard_lines(c, "stderr", err, &g, ann);
  bad |= guard_lines(c, "stdout", out, &g, ann);
  for (size_t i = 0; i < g.n; i++)
    if (g.opens[i] != g.closes[i])
      bad |=
          failf(c, 0, "token %zu opened %d times, closed %d times", i + 1, g.opens[i], g.closes[i]);
  if (g.n && (long)g.n != runs)
    bad |= failf(c, 0, "%zu distinct ::stop-commands:: tokens in %ld runs", g.n, runs);
  return bad;
}

/* A section's body with its macros expanded; caller frees. */
static char *expanded(const section *s) {
  qg_buf b;
  qg_buf_init(&b, 0);
  if (s && s->body.data)
    (void)expand(s->body.data, s->body.len, &b);
  char *out = qg_buf_detach(&b);
  return out ? out : qg_xstrdup("");
}

/* Every string value of a JSON text, one per line (the text itself when it
 * is not JSON): what a request says, whatever its escaping. Caller frees. */
static void json_strings(const cJSON *j, qg_buf *b) {
  if (cJSON_IsString(j)) {
    (void)qg_buf_puts(b, j->valuestring);
    (void)qg_buf_putc(b, '\n');
  }
  for (const cJSON *c = j ? j->child : NULL; c; c = c->next)
    json_strings(c, b);
}

static char *request_text(const mock_request *rq) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_printf(&b, "%s %s\n", rq->method, rq->path);
  for (size_t i = 0; i < rq->nheaders; i++)
    (void)qg_buf_printf(&b, "%s: %s\n", rq->headers[i].name, rq->headers[i].value);
  cJSON *j = cJSON_ParseWithLength(rq->body, rq->len);
  if (j)
    json_strings(j, &b);
  else
    (void)qg_buf_append(&b, rq->body, rq->len);
  cJSON_Delete(j);
  return qg_buf_detach(&b);
}

/* Compares JSON texts by content (formatting aside); other texts exactly. */
static char *canonical(const char *text, size_t len) {
  cJSON *j = cJSON_ParseWithLength(text, len);
  char *out = j ? cJSON_Print(j) : NULL;
  cJSON_Delete(j);
  if (!out)
    out = qg_xstrndup(text, len);
  return out;
}

/* The HTTP checks: expect-requests (how many), expect-request N (the
 * request line, the headers listed, then the body: JSON by content),
 * never-sent (strings no request may hold, in its headers or in any JSON
 * string of its body), and no request without a scripted response. */
static int check_requests(const tcase *c, mock_server *srv) {
  int bad = 0;
  size_t n = srv ? mock_nrequests(srv) : 0;
  for (size_t i = 0; i < n; i++)
    if (mock_request_at(srv, i)->unexpected)
      bad |= failf(c, 1, "request %zu (%s %s) had no scripted response", i + 1,
                   mock_request_at(srv, i)->method, mock_request_at(srv, i)->path);
  if (c->nreq) {
    size_t want = (size_t)strtoul(c->nreq->body.data ? c->nreq->body.data : "0", NULL, 10);
    if (want != n)
      bad |= failf(c, c->nreq->line, "%zu requests, expected %zu", n, want);
  }
  for (size_t k = 0; k < c->nrequests; k++) {
    const section *s = c->requests[k];
    size_t idx = (size_t)strtoul(s->arg, NULL, 10);
    if (!idx || idx > n) {
      bad |= failf(c, s->line, "no request %s (%zu received)", s->arg, n);
      continue;
    }
    const mock_request *rq = mock_request_at(srv, idx - 1);
    char *want = expanded(s);
    char *line_end = strchr(want, '\n');
    char got_line[1024];
    snprintf(got_line, sizeof(got_line), "%s %s", rq->method, rq->path);
    if (!line_end || strncmp(want, got_line, (size_t)(line_end - want)) != 0 ||
        strlen(got_line) != (size_t)(line_end - want)) {
      bad |= failf(c, s->line, "request %zu is '%s', expected '%.*s'", idx, got_line,
                   line_end ? (int)(line_end - want) : (int)strlen(want), want);
      free(want);
      continue;
    }
    char *p = line_end + 1;
    while (*p && *p != '\n') { /* "name: value" lines up to a blank line */
      char *e = strchr(p, '\n');
      if (!e)
        e = p + strlen(p);
      char *colon = memchr(p, ':', (size_t)(e - p));
      if (!colon) {
        bad |= failf(c, s->line, "expect-request header lines are 'name: value'");
        break;
      }
      char name[128];
      snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
      const char *v = colon + 1;
      while (*v == ' ')
        v++;
      const char *gotv = mock_header_value(rq, name);
      if (!gotv || strlen(gotv) != (size_t)(e - v) || strncmp(gotv, v, (size_t)(e - v)) != 0)
        bad |= failf(c, s->line, "request %zu: header %s is '%s', expected '%.*s'", idx, name,
                     gotv ? gotv : "(absent)", (int)(e - v), v);
      p = *e ? e + 1 : e;
    }
    if (*p == '\n') {
      p++;
      char *a = canonical(p, strlen(p)), *b = canonical(rq->body, rq->len);
      char what[64];
      snprintf(what, sizeof(what), "request %zu body", idx);
      /* bodies in a case end with the section's newline */
      size_t al = strlen(a);
      if (al && a[al - 1] == '\n' && !(strlen(b) && b[strlen(b) - 1] == '\n'))
        a[al - 1] = '\0';
      bad |= compare(c, s, what, a, b);
      free(a);
      free(b);
    }
    free(want);
  }
  if (c->sigv4) { /* KEY_ID SECRET REGION SERVICE: every request signed with them */
    char *sv = expanded(c->sigv4);
    char kid[128], sec[128], region[64], service[64];
    if (sscanf(sv, "%127s %127s %63s %63s", kid, sec, region, service) != 4)
      bad |= failf(c, c->sigv4->line, "expect-sigv4 is 'KEY_ID SECRET REGION SERVICE'");
    else
      for (size_t i = 0; i < n; i++) {
        char why[256];
        if (!mock_sigv4_verify(mock_request_at(srv, i), kid, sec, region, service, why,
                               sizeof(why)))
          bad |= failf(c, c->sigv4->line, "request %zu: SigV4 signature invalid: %s", i + 1, why);
      }
    free(sv);
  }
  if (c->never) {
    char *nv = expanded(c->never);
    for (char *tok = strtok(nv, "\n"); tok; tok = strtok(NULL, "\n"))
      for (size_t i = 0; i < n; i++) {
        char *t = request_text(mock_request_at(srv, i));
        if (strstr(t, tok))
          bad |= failf(c, c->never->line, "request %zu holds '%s'", i + 1, tok);
        free(t);
      }
    free(nv);
  }
  if (c->openapi && srv) { /* checked against the API description by tests/openapi */
    const char *log = getenv("QGATE_REQUEST_LOG");
    FILE *f = log && *log ? fopen(log, "a") : NULL;
    char spec[32] = "", other[64] = "";
    /* "github", or "github /v1/": requests under /v1/ (a model's API on the same
     * server) are not the host's and are left out */
    sscanf(c->openapi->body.data ? c->openapi->body.data : "", "%31s %63s", spec, other);
    for (size_t i = 0; f && i < n; i++) {
      const mock_request *rq = mock_request_at(srv, i);
      if (*other && strncmp(rq->path, other, strlen(other)) == 0)
        continue;
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "spec", spec);
      cJSON_AddStringToObject(o, "case", c->path);
      cJSON_AddStringToObject(o, "method", rq->method);
      cJSON_AddStringToObject(o, "path", rq->path);
      cJSON *h = cJSON_AddObjectToObject(o, "headers");
      for (size_t k = 0; k < rq->nheaders; k++)
        cJSON_AddStringToObject(h, rq->headers[k].name, rq->headers[k].value);
      cJSON *body = rq->len ? cJSON_ParseWithLength(rq->body, rq->len) : NULL;
      if (body)
        cJSON_AddItemToObject(o, "body", body);
      else if (rq->len)
        cJSON_AddStringToObject(o, "body", rq->body);
      char *line = cJSON_PrintUnformatted(o);
      fprintf(f, "%s\n", line);
      free(line);
      cJSON_Delete(o);
    }
    if (f)
      fclose(f);
  }
  return bad;
}

/* The expect-file sections: each file the run wrote, exactly; the absent
 * sections: paths that must not exist after it. dir: the case's directory. */
static int check_files(const tcase *c, const char *dir) {
  int bad = 0;
  char full[PATH_MAX];
  for (size_t i = 0; i < c->nouts; i++) {
    const section *s = c->outs[i];
    snprintf(full, sizeof(full), "%s/%s", dir, s->arg);
    unsigned char *data = NULL;
    size_t len = 0;
    int err_no = 0;
    FILE *f = fopen(full, "rb");
    qg_status st = f ? qg_read_all(full, f, 16u << 20, &data, &len, &err_no) : QG_ENOENT;
    if (f)
      fclose(f);
    if (st != QG_OK) {
      bad |= failf(c, s->line, "the run did not write %s", s->arg);
      free(data);
      continue;
    }
    char *got = qg_xmalloc(len + 1);
    memcpy(got, data, len);
    got[len] = '\0';
    free(data);
    char what[PATH_MAX + 16];
    snprintf(what, sizeof(what), "file %s", s->arg);
    bad |= compare(c, s, what, s->body.data ? s->body.data : "", got);
    free(got);
  }
  for (size_t i = 0; i < c->nabsents; i++) {
    struct stat st;
    snprintf(full, sizeof(full), "%s/%s", dir, c->absents[i]->arg);
    if (lstat(full, &st) == 0)
      bad |=
          failf(c, c->absents[i]->line, "%s exists; the run must not write it", c->absents[i]->arg);
  }
  return bad;
}

/* Builds one section of the case's tree (file, dir, symlink, git, commit; others are
 * left alone). Returns nonzero, said, on failure. */
static int build_section(tcase *c, section *s, bool *have_repo) {
  bool is_file = false, is_dir = false, is_link = false;
  for (size_t i = 0; i < c->nfiles; i++)
    is_file |= c->files[i] == s;
  for (size_t i = 0; i < c->ndirs; i++)
    is_dir |= c->dirs[i] == s;
  for (size_t i = 0; i < c->nlinks; i++)
    is_link |= c->links[i] == s;
  bool is_commit = !is_file && !is_dir && !is_link && s != c->git && s->line &&
                   strncmp(text_at_line(c, s->line), "=== commit", 10) == 0;
  if (is_dir) {
    if (mkdirs_for(s->arg) != 0 || (mkdir(s->arg, 0755) != 0 && errno != EEXIST)) {
      return failf(c, s->line, "cannot create directory %s", s->arg);
    }
  } else if (is_file) {
    qg_buf body;
    qg_buf_init(&body, 64u << 20);
    if (expand(s->body.data ? s->body.data : "", s->body.len, &body) != 0) {
      qg_buf_cleanup(&body);
      return failf(c, s->line, "bad %%repeat[], %%hex[] or %%concat[] macro");
    }
    /* the path expands macros too: %hex[] writes a name no header line can hold
     * (a newline, a byte that is not UTF-8) */
    qg_buf name;
    qg_buf_init(&name, 4096);
    (void)qg_buf_puts(&name, "");
    int nst = expand(s->arg, strlen(s->arg), &name);
    FILE *w = nst == 0 && !strstr(name.data, "..") && mkdirs_for(name.data) == 0
                  ? fopen(name.data, "wb")
                  : NULL;
    qg_buf_cleanup(&name);
    if (!w || (body.len && fwrite(body.data, 1, body.len, w) != body.len)) {
      if (w)
        fclose(w);
      qg_buf_cleanup(&body);
      return failf(c, s->line, "cannot write %s", s->arg);
    }
    fclose(w);
    qg_buf_cleanup(&body);
  } else if (is_link) {
    char *target = s->body.data ? qg_xstrdup(s->body.data) : qg_xstrdup("");
    target[strcspn(target, "\n")] = '\0';
    int rc = mkdirs_for(s->arg) == 0 ? symlink(target, s->arg) : -1;
    free(target);
    if (rc != 0) {
      return failf(c, s->line, "cannot create symlink %s", s->arg);
    }
  } else if (s == c->git || is_commit) {
    const char *gdir = c->cwd ? c->cwd->arg : ".";
    if (c->cwd && mkdir(gdir, 0755) != 0 && errno != EEXIST) {
      return failf(c, s->line, "cannot create directory %s", gdir);
    }
    qg_git_global_init();
    qg_status gst = *have_repo ? QG_OK : qg_git_init_repo(gdir);
    *have_repo = true;
    if (gst == QG_OK && is_commit)
      gst = qg_git_commit_all(gdir, s->arg ? s->arg : "fixture");
    qg_git_global_cleanup();
    if (gst != QG_OK) {
      return failf(c, s->line, "cannot %s", is_commit ? "commit" : "create a git repository");
    }
  }
  return 0;
}

static int run_case(const char *path) {
  tcase c;
  memset(&c, 0, sizeof(c));
  c.path = path;
  int bad = 0;
  char tmpl[] = "/tmp/qgate-test-XXXXXX";
  char cwd[PATH_MAX];
  char *argbuf = NULL, *out = NULL, *err = NULL, *fnd = NULL;
  size_t outn = 0, errn = 0, fndn = 0;
  FILE *in = NULL;
  mock_server *srv = NULL;

  FILE *f = fopen(path, "rb");
  if (!f)
    return failf(&c, 0, "cannot open: %s", strerror(errno));
  qg_buf text;
  qg_buf_init(&text, 1 << 20);
  char chunk[8192];
  size_t got;
  while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
    if (qg_buf_append(&text, chunk, got) != QG_OK) {
      fclose(f);
      qg_buf_cleanup(&text);
      return failf(&c, 0, "case file over 1 MiB");
    }
  fclose(f);
  c.text = text.data ? text.data : "";
  bad = parse_case(&c, c.text);
  if (bad)
    goto out;

  /* validate expectations before running */
  int want_exit = atoi(c.exit_->body.data ? c.exit_->body.data : "");
  if (!c.exit_->body.data || strspn(c.exit_->body.data, "0123456789\n") != c.exit_->body.len) {
    bad = failf(&c, c.exit_->line, "'=== exit' must hold one number");
    goto out;
  }
  if (c.expect && c.expect->body.data) {
    char *copy = expanded(c.expect); /* %seq[] writes many */
    int ln = c.expect->line;
    for (char *tok = strtok(copy, "\n"); tok; tok = strtok(NULL, "\n")) {
      ln++;
      char rule[128], sev[16];
      unsigned line, col;
      int at = 0;
      if (sscanf(tok, "%127s %15s %n", rule, sev, &at) != 2 || !at) {
        free(copy);
        bad = failf(&c, ln, "expect lines are 'RULE SEVERITY PATH:LINE:COL'");
        goto out;
      }
      /* LINE:COL are the last two fields: a path may hold ':' and blanks (the
       * findings format shows its control characters escaped) */
      char *loc = tok + at, *end = loc + strlen(loc);
      if (end - loc > 11 && strcmp(end - 11, " suppressed") == 0)
        end -= 11;
      char *c2 = end, *c1 = NULL;
      while (c2 > loc && c2[-1] != ':')
        c2--;
      c1 = c2 > loc + 1 ? c2 - 1 : loc;
      while (c1 > loc && c1[-1] != ':')
        c1--;
      if (c1 == loc || c2 == loc || sscanf(c1 - 1, ":%u:%u", &line, &col) != 2) {
        free(copy);
        bad = failf(&c, ln, "expect lines are 'RULE SEVERITY PATH:LINE:COL'");
        goto out;
      }
    }
    free(copy);
  }

  if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(tmpl)) {
    bad = failf(&c, 0, "cannot make a temporary directory");
    goto out;
  }
  if (chdir(tmpl) != 0) {
    bad = failf(&c, 0, "cannot enter %s", tmpl);
    goto cleanup;
  }
  /* an HTTP server on 127.0.0.1 when the case scripts one */
  snprintf(g_port, sizeof(g_port), "0");
  if (c.nresponds || c.nreq || c.nrequests || c.never || c.sigv4 || c.openapi) {
    srv = mock_start();
    if (!srv) {
      bad = failf(&c, 0, "cannot start the HTTP server on 127.0.0.1");
      goto cleanup;
    }
    snprintf(g_port, sizeof(g_port), "%d", mock_port(srv));
    for (size_t i = 0; i < c.nresponds; i++) {
      const section *s = c.responds[i];
      char route[256];
      snprintf(route, sizeof(route), "%s", s->arg);
      char *sp = strchr(route, ' ');
      if (!sp) {
        bad = failf(&c, s->line, "'=== respond' takes METHOD PATH");
        goto cleanup;
      }
      *sp = '\0';
      char *raw = expanded(s);
      mock_add_response(srv, route, sp + 1, raw);
      free(raw);
    }
  }
  /* the tree is built in section order, so a case can commit a base and
   * then change files on top of it; what follows `then` is built after the first run */
  bool have_repo = false;
  size_t then_at = c.nall;
  for (size_t k = 0; k < c.nall && !bad; k++) {
    if (c.then == &c.all[k]) {
      then_at = k + 1;
      break;
    }
    bad = build_section(&c, &c.all[k], &have_repo);
  }
  if (bad)
    goto cleanup;
  if (c.cwd && chdir(c.cwd->arg) != 0) {
    bad = failf(&c, c.cwd->line, "cannot enter %s", c.cwd->arg);
    goto cleanup;
  }
  argbuf = expanded(c.args);
  char *argv[MAX_ARGS];
  int argc = split_args(argbuf, argv, MAX_ARGS);
  static char empty[] = "";
  in = c.stdin_ && c.stdin_->body.len ? fmemopen(c.stdin_->body.data, c.stdin_->body.len, "rb")
                                      : fmemopen(empty, 1, "rb");
  if (in && !(c.stdin_ && c.stdin_->body.len))
    (void)fgetc(in); /* an empty stream */
  FILE *o = open_memstream(&out, &outn), *e = open_memstream(&err, &errn),
       *fs = open_memstream(&fnd, &fndn);
  if (!in || !o || !e || !fs) {
    bad = failf(&c, 0, "cannot open memory streams");
    goto cleanup;
  }
  /* env: NAME=VALUE lines, set for this case only */
  char *envbuf = expanded(c.env);
  for (char *tok = strtok(envbuf, "\n"); tok; tok = strtok(NULL, "\n")) {
    char *eq = strchr(tok, '=');
    if (eq) {
      *eq = '\0';
      setenv(tok, eq + 1, 1);
      *eq = '=';
    }
  }
  setenv("XDG_CACHE_HOME", ".cache", 0); /* in the case's directory, unless it says */
  qg_cli_io io = {in, o, e, fs, NULL};
  long runs = c.runs && c.runs->body.data ? strtol(c.runs->body.data, NULL, 10) : 1;
  int status = 0;
  for (long k = 0; k < (runs > 0 && runs <= 10 ? runs : 1); k++) {
    if (k == 1 && then_at < c.nall) { /* the tree changes between the first run and the next */
      if (chdir(tmpl) != 0) {
        bad = failf(&c, c.then->line, "cannot enter %s", tmpl);
        break;
      }
      for (size_t j = then_at; j < c.nall && !bad; j++)
        bad = build_section(&c, &c.all[j], &have_repo);
      if (bad || (c.cwd && chdir(c.cwd->arg) != 0))
        break;
    }
    char *argv2[MAX_ARGS]; /* qg_cli_run may permute argv */
    memcpy(argv2, argv, sizeof(argv2));
    status = qg_cli_run(argc, argv2, &io);
  }
  free(envbuf);
  envbuf = expanded(c.env);
  for (char *tok = strtok(envbuf, "\n"); tok; tok = strtok(NULL, "\n")) {
    char *eq = strchr(tok, '=');
    if (eq)
      *eq = '\0';
    unsetenv(tok);
  }
  unsetenv("XDG_CACHE_HOME");
  free(envbuf);
  fclose(o);
  fclose(e);
  fclose(fs);
  if (chdir(cwd) != 0)
    bad = failf(&c, 0, "cannot return to %s", cwd);

  bad |= check_guard(&c, &out, &err, runs > 0 && runs <= 10 ? runs : 1);
  char *want_x = expanded(c.expect);
  char *want_f = sorted_lines(want_x);
  free(want_x);
  char *got_f = sorted_lines(fnd ? fnd : "");
  bad |= compare(&c, c.expect, "findings", want_f, got_f);
  free(want_f);
  free(got_f);
  if (c.stdout_) {
    char *want = expanded(c.stdout_);
    bad |= compare(&c, c.stdout_, "stdout", want, out ? out : "");
    free(want);
  }
  if (c.stderr_) {
    char *want = expanded(c.stderr_);
    bad |= compare(&c, c.stderr_, "stderr", want, err ? err : "");
    free(want);
  }
  bad |= check_files(&c, tmpl);
  bad |= check_requests(&c, srv);
  if (status != want_exit) {
    bad |= failf(&c, c.exit_->line, "exit status %d, expected %d", status, want_exit);
    if (err && *err)
      printf("stderr:\n%s", err);
  }
cleanup:
  if (srv)
    mock_stop(srv);
  if (chdir(cwd) != 0)
    bad = 1;
  nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
out:
  qg_buf_cleanup(&text);
  if (in)
    fclose(in);
  free(argbuf);
  free(out);
  free(err);
  free(fnd);
  free_case(&c);
  return bad;
}

static char **g_cases;
static size_t g_ncases, g_capcases;

static int collect(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)ftw;
  size_t l = strlen(p);
  if (flag == FTW_F && l > 5 && strcmp(p + l - 5, ".case") == 0) {
    qg_grow((void **)&g_cases, &g_capcases, g_ncases + 1, sizeof(*g_cases));
    g_cases[g_ncases++] = qg_xstrdup(p);
  }
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  const char *only = NULL;
  const char *root = "fixtures";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
      only = argv[++i];
    else if (argv[i][0] != '-')
      root = argv[i];
    else {
      fprintf(stderr, "usage: qgate-test [--only GLOB] [DIR]\n");
      return 2;
    }
  }
  /* the cases say what they need: nothing from the environment they run in
   * (a CI job's GITHUB_OUTPUT, a developer's API key) reaches them */
  static const char *const clear[] = {"QGATE_LLM_PROVIDER",
                                      "QGATE_LLM_MODEL",
                                      "QGATE_LLM_BASE_URL",
                                      "QGATE_LLM_API_KEY_ENV",
                                      "QGATE_LLM_REGION",
                                      "QGATE_LLM_CACHE_DIR",
                                      "QGATE_LLM_REQUIRED",
                                      "QGATE_LLM_PRICES",
                                      "QGATE_LLM_MAX_COST",
                                      "OPENAI_API_KEY",
                                      "ANTHROPIC_API_KEY",
                                      "AWS_ACCESS_KEY_ID",
                                      "AWS_SECRET_ACCESS_KEY",
                                      "AWS_SESSION_TOKEN",
                                      "AWS_REGION",
                                      "AWS_DEFAULT_REGION",
                                      "GITHUB_OUTPUT",
                                      "GITHUB_STEP_SUMMARY",
                                      "GITHUB_EVENT_PATH",
                                      "GITHUB_EVENT_NAME",
                                      "CI_MERGE_REQUEST_DIFF_BASE_SHA",
                                      "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA",
                                      "CI_COMMIT_SHA",
                                      "CI_MERGE_REQUEST_TITLE",
                                      "CI_MERGE_REQUEST_DESCRIPTION",
                                      "QGATE_REVIEW_SINCE",
                                      "http_proxy",
                                      "https_proxy",
                                      "HTTP_PROXY",
                                      "HTTPS_PROXY",
                                      "ALL_PROXY",
                                      "all_proxy",
                                      "GITHUB_ACTIONS"};
  for (size_t i = 0; i < QG_ARRAY_LEN(clear); i++)
    unsetenv(clear[i]);
  if (nftw(root, collect, 16, FTW_PHYS) != 0) {
    fprintf(stderr, "qgate-test: cannot read %s\n", root);
    return 2;
  }
  if (g_ncases > 1)
    qsort(g_cases, g_ncases, sizeof(*g_cases), cmp_str);
  size_t pass = 0, fail = 0;
  for (size_t i = 0; i < g_ncases; i++) {
    if (!only || fnmatch(only, g_cases[i], 0) == 0) {
      if (run_case(g_cases[i]))
        fail++;
      else
        pass++;
    }
    free(g_cases[i]);
  }
  free(g_cases);
  printf("fixtures: %zu passed, %zu failed\n", pass, fail);
  return fail ? 1 : 0;
}
