/* github.c: pull request comments and reviews on GitHub (REST API).
 *
 * One run: the summary is the issue comment that holds the summary marker
 * (found on every page of the pull request's comments), edited in place or
 * created after the review, listing what has no inline comment; the review
 * comments are listed the same way and mapped by their finding markers;
 * findings on lines the pull request shows that have no comment yet get one,
 * all in one review (one notification, not one per line); qgate's comments
 * whose finding is gone are deleted. Requests go one at a time, as GitHub asks
 * integrations to do to stay under its secondary rate limits, and in a fixed
 * order, so a run is reproducible. */
#include "hosts/internal.h"
#include "core/escape.h"

#include "core/edit.h"
#include "core/fs.h"
#include "hosts/rest.h"
#include "rules/rule.h"
#include "scoring/score.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const qg_host qg_host_github; /* below */

#define GH_SUGGEST_MAX_LINES 200u /* a longer suggestion is no review comment */
#define GH_FILE_MAX (8u << 20)    /* files read for suggestions */

/* ---- the context ----------------------------------------------------------------------- */

#define GH_EVENT_MAX (32u << 20) /* the event payload: GitHub caps a webhook's at 25 MB */

/* "owner/name" where both parts use only the characters GitHub allows (letters, digits,
 * '-', '_', '.'), so neither needs URL encoding, and neither is "." or "..". */
static bool valid_repo(const char *s) {
  const char *slash = strchr(s, '/');
  if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/'))
    return false;
  for (const char *p = s; *p; p++)
    if (p != slash && !isalnum((unsigned char)*p) && !strchr("-_.", *p))
      return false;
  size_t owner = (size_t)(slash - s);
  const char *name = slash + 1;
  return strspn(s, ".") < owner && strspn(name, ".") < strlen(name);
}

/* A token goes into a header line: printable ASCII without blanks. */
static bool valid_token(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f)
      return false;
  return true;
}

static const char *sha_at(const cJSON *pr, const char *side) {
  const cJSON *ref = cJSON_GetObjectItemCaseSensitive(pr, side);
  const cJSON *sha = cJSON_GetObjectItemCaseSensitive(ref, "sha");
  return cJSON_IsString(sha) && qg_rest_commit_id(sha->valuestring) ? sha->valuestring : NULL;
}

/* The one read of the event payload (GITHUB_EVENT_PATH, GH_EVENT_MAX bytes at most; a
 * FIFO or device is never read): its bytes (caller frees) or, with *why (caller frees)
 * naming the variable, never a value, QG_EUSAGE. */
static qg_status read_event(unsigned char **data, size_t *len, char **why) {
  const char *path = qg_host_env("GITHUB_EVENT_PATH");
  if (!path)
    return qg_host_usage(why, "GITHUB_EVENT_PATH is not set: pull request comments run in a "
                              "GitHub Actions job of a pull_request or pull_request_target "
                              "event");
  int err_no = 0;
  qg_status st = qg_read_all(path, NULL, GH_EVENT_MAX, data, len, &err_no);
  if (st != QG_OK)
    return qg_host_usage(why, "GITHUB_EVENT_PATH: the event payload cannot be read (%s)",
                         st == QG_EIO && err_no ? qg_fs_strerror(err_no) : qg_strerror(st));
  return QG_OK;
}

/* Reads the pull request from the event payload. */
static qg_status load_event(qg_host_ctx *out, char **why) {
  unsigned char *data = NULL;
  size_t len = 0;
  qg_status st = read_event(&data, &len, why);
  if (st == QG_OK)
    st = qg_github_event_parse((const char *)data, len, out, why);
  free(data);
  return st;
}

/* The pull request of an event payload: number, head_sha and base_sha into out (set
 * only on QG_OK). Error texts name the JSON field, never a value. */
qg_status qg_github_event_parse(const char *data, size_t len, qg_host_ctx *out, char **why) {
  cJSON *ev = cJSON_ParseWithLength(data, len);
  qg_status rc = QG_EUSAGE;
  const cJSON *pr = cJSON_GetObjectItemCaseSensitive(ev, "pull_request");
  const cJSON *num = cJSON_GetObjectItemCaseSensitive(pr, "number");
  const char *head = sha_at(pr, "head"), *base = sha_at(pr, "base");
  if (!cJSON_IsObject(ev)) {
    (void)qg_host_usage(why, "GITHUB_EVENT_PATH: the event payload is not a JSON object");
  } else if (!cJSON_IsObject(pr)) {
    (void)qg_host_usage(why, "GITHUB_EVENT_NAME: not a pull request event (the payload has no "
                       "pull_request): pull request comments need a pull_request or "
                       "pull_request_target event");
  } else if (!cJSON_IsNumber(num) || num->valuedouble < 1 || num->valuedouble > 4294967295.0 ||
             num->valuedouble != (double)(unsigned long)num->valuedouble) {
    qg_host_usage(why,
                  "GITHUB_EVENT_PATH: pull_request.number is missing or not a positive integer");
  } else if (!head) {
    (void)qg_host_usage(why, "GITHUB_EVENT_PATH: pull_request.head.sha is missing or not a commit id");
  } else if (!base) {
    (void)qg_host_usage(why, "GITHUB_EVENT_PATH: pull_request.base.sha is missing or not a commit id");
  } else {
    out->number = (unsigned long)num->valuedouble;
    out->head_sha = qg_xstrdup(head);
    out->base_sha = qg_xstrdup(base);
    rc = QG_OK;
  }
  cJSON_Delete(ev);
  return rc;
}

qg_status qg_github_event_load(qg_host_ctx *out, char **why) {
  memset(out, 0, sizeof(*out));
  *why = NULL;
  out->host = &qg_host_github;
  qg_status st = load_event(out, why);
  if (st != QG_OK)
    qg_host_ctx_cleanup(out);
  return st;
}

/* The pull request's base, for a default --base: only on a pull_request or
 * pull_request_target event; nothing is said when there is none. */
static char *base_rev(const char **source) {
  const char *name = getenv("GITHUB_EVENT_NAME");
  if (!name || (strcmp(name, "pull_request") != 0 && strcmp(name, "pull_request_target") != 0))
    return NULL;
  unsigned char *data = NULL;
  size_t len = 0;
  char *why = NULL;
  if (read_event(&data, &len, &why) != QG_OK) {
    free(why);
    return NULL;
  }
  cJSON *ev = cJSON_ParseWithLength((const char *)data, len);
  free(data);
  const char *sha = sha_at(cJSON_GetObjectItemCaseSensitive(ev, "pull_request"), "base");
  char *out = sha ? qg_xstrdup(sha) : NULL;
  cJSON_Delete(ev);
  if (out)
    *source = "the pull request's base in GITHUB_EVENT_PATH";
  return out;
}

static qg_status ctx_load(qg_host_ctx *out, char **why) {
  const char *api = qg_host_env("GITHUB_API_URL");
  if (!api)
    api = "https://api.github.com";
  if ((strncmp(api, "https://", 8) != 0 && strncmp(api, "http://", 7) != 0) ||
      strpbrk(api, " \t\r\n?#"))
    return qg_host_usage(why, "GITHUB_API_URL is not an http:// or https:// URL");
  size_t n = strlen(api);
  while (n > 8 && api[n - 1] == '/')
    n--; /* paths are appended with their own '/' */
  out->api_url = qg_xstrndup(api, n);

  const char *repo = qg_host_env("GITHUB_REPOSITORY");
  if (!repo)
    return qg_host_usage(why,
                         "GITHUB_REPOSITORY is not set (GitHub Actions sets it to owner/name)");
  if (!valid_repo(repo))
    return qg_host_usage(why, "GITHUB_REPOSITORY is not owner/name");
  out->repo = qg_xstrdup(repo);

  qg_status st = load_event(out, why);
  if (st != QG_OK)
    return st;

  const char *token = qg_host_env("GITHUB_TOKEN");
  if (!token)
    return qg_host_usage(why, "GITHUB_TOKEN is not set: give the step the job's token "
                              "(GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}) with "
                              "pull-requests: write permission");
  if (!valid_token(token))
    return qg_host_usage(why, "GITHUB_TOKEN holds a blank, a line break or a non-ASCII character");
  out->token = qg_xstrdup(token);
  return QG_OK;
}

/* ---- requests -------------------------------------------------------------------------- */

typedef struct gh {
  const qg_host_ctx *ctx;
  qg_comment_opts o;
  qg_comment_outcome *out;
  qg_rest rest;
  qg_host_lefts left; /* the findings without an inline comment: the summary lists them */
} gh;

/* s with control characters as spaces, cut to max bytes at a word's end
 * (qg_text_cut): the text is redacted later, whole words only. */
static void put_clean(qg_buf *b, const char *s, size_t max) {
  size_t len = strlen(s), start = b->len;
  for (size_t i = 0; i < len; i++)
    (void)qg_buf_putc(b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i]);
  size_t keep = qg_text_cut(b->data + start, b->len - start, max);
  if (keep < b->len - start) {
    b->len = start + keep;
    b->data[b->len] = '\0';
    (void)qg_buf_puts(b, "...");
  }
}

/* What GitHub's error body says: its "message", then for a 422 the "errors" entries
 * (objects with a message, or with a field and a code; or plain strings). */
static char *error_text(const char *body, size_t len) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "");
  cJSON *j = body ? cJSON_ParseWithLength(body, len) : NULL;
  const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
  if (cJSON_IsString(msg) && *msg->valuestring)
    put_clean(&b, msg->valuestring, 200);
  const cJSON *errs = cJSON_GetObjectItemCaseSensitive(j, "errors"), *e;
  size_t k = 0;
  cJSON_ArrayForEach(e, (cJSON_IsArray(errs) ? errs : NULL)) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(e, "field");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    const char *text = cJSON_IsString(e)   ? e->valuestring
                       : cJSON_IsString(m) ? m->valuestring
                                           : NULL;
    if (!text && !cJSON_IsString(field) && !cJSON_IsString(code))
      continue;
    if (k++ == 4) {
      (void)qg_buf_puts(&b, "; ...");
      break;
    }
    (void)qg_buf_puts(&b, k == 1 ? (b.len ? ": " : "") : "; ");
    if (text) {
      put_clean(&b, text, 160);
    } else {
      if (cJSON_IsString(field))
        put_clean(&b, field->valuestring, 80);
      if (cJSON_IsString(field) && cJSON_IsString(code))
        (void)qg_buf_putc(&b, ' ');
      if (cJSON_IsString(code))
        put_clean(&b, code->valuestring, 40);
    }
  }
  cJSON_Delete(j);
  return qg_buf_detach(&b);
}


static const char *const k_headers[] = {"Accept: application/vnd.github+json",
                                        "X-GitHub-Api-Version: 2022-11-28"};

/* GitHub's REST API to the helper: requests go on after a failure (each says its own). */
static const qg_rest_api k_api = {
    .name = "GitHub",
    .auth = "Authorization: Bearer %s",
    .headers = k_headers,
    .nheaders = QG_ARRAY_LEN(k_headers),
    .per_page = 100,
    .max_pages = 100, /* 10000 comments: past that, the listing is given up */
    .stop_on_refusal = false,
    .attempts_last = false,
    .error_text = error_text,
};

/* A comment's id, or 0 when it has none that is usable. */
static long long item_id(const cJSON *item) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
  if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 9007199254740992.0)
    return 0;
  return (long long)id->valuedouble;
}

static const char *item_body(const cJSON *item) {
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(item, "body");
  return cJSON_IsString(b) ? b->valuestring : NULL;
}


/* ---- the summary ----------------------------------------------------------------------- */

static void find_summary(void *ud, const cJSON *item) {
  long long *id = ud;
  const char *body = item_body(item);
  if (!*id && body && strstr(body, QG_HOST_SUMMARY_MARKER))
    *id = item_id(item);
}

/* The summary's input: the report, the findings without an inline comment, and the links
 * GitHub gives: a file at the head commit (GITHUB_SERVER_URL, else github.com for its API)
 * and the workflow run (GITHUB_SERVER_URL, GITHUB_RUN_ID). *urls (two, caller frees) own
 * the links. */
static qg_host_summary summary_input(const gh *g, const qg_report *rep, char *urls[2]) {
  const char *server = qg_host_env("GITHUB_SERVER_URL"), *run = qg_host_env("GITHUB_RUN_ID");
  if (!server && strcmp(g->ctx->api_url, "https://api.github.com") == 0)
    server = "https://github.com";
  size_t n = server ? strlen(server) : 0;
  while (n > 8 && server[n - 1] == '/')
    n--;
  urls[0] = server ? qg_xasprintf("%.*s/%s/blob/%s/", (int)n, server, g->ctx->repo,
                                  g->ctx->head_sha)
                   : NULL;
  urls[1] = qg_host_env("GITHUB_SERVER_URL") && run && strspn(run, "0123456789") == strlen(run)
                ? qg_xasprintf("%.*s/%s/actions/runs/%s", (int)n, server, g->ctx->repo, run)
                : NULL;
  qg_host_summary s = {
      .rep = rep,
      .left = &g->left,
      .host = "GitHub",
      .file_url = urls[0],
      .report_url = urls[1],
      .report_what = "the workflow run",
      .report_also = "in code scanning where the workflow uploads the SARIF report",
      .max_body = g->o.max_body, /* 60000 by default: GitHub takes 65,536 characters */
  };
  return s;
}

/* The summary's id (0: none yet) from the whole list of the pull request's comments: read
 * first, the summary itself is sent after the inline comments (post_summary). */
static bool list_summary(gh *g, long long *id) {
  char *path = qg_xasprintf("/repos/%s/issues/%lu/comments", g->ctx->repo, g->ctx->number);
  *id = 0;
  bool listed = qg_rest_list(&g->rest, path, "", find_summary, id);
  free(path);
  return listed;
}

static void post_summary(gh *g, const qg_report *rep, bool listed, long long id) {
  char *path = qg_xasprintf("/repos/%s/issues/%lu/comments", g->ctx->repo, g->ctx->number);
  /* without the whole list, a new comment could duplicate one on a later page */
  if (listed) {
    char *urls[2];
    qg_host_summary in = summary_input(g, rep, urls);
    char *text = qg_host_summary_body(&in, NULL);
    free(urls[0]);
    free(urls[1]);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "body", text);
    free(text);
    if (id) {
      char *p = qg_xasprintf("/repos/%s/issues/comments/%lld", g->ctx->repo, id);
      g->out->summary_updated = qg_rest_ok(qg_rest_send(&g->rest, "PATCH", p, o, NULL));
      free(p);
    } else {
      g->out->summary_created = qg_rest_ok(qg_rest_send(&g->rest, "POST", path, o, NULL));
    }
  }
  free(path);
}

/* ---- inline comments ------------------------------------------------------------------- */

/* A review comment of qgate's, by the fingerprint in its marker. */
static void collect_known(void *ud, const cJSON *item) {
  qg_host_threads *ks = ud;
  /* a reply is a person's, even when it quotes a marker */
  const cJSON *reply = cJSON_GetObjectItemCaseSensitive(item, "in_reply_to_id");
  char fp[17];
  long long id = item_id(item);
  if (cJSON_IsNumber(reply) || !id || !qg_host_find_marker(item_body(item), fp))
    return;
  qg_host_threads_add(ks, fp)->num = id;
}

static int cmp_known(const void *a, const void *b) {
  const qg_host_thread *x = a, *y = b;
  int c = strcmp(x->fp, y->fp);
  return c ? c : (x->num > y->num) - (x->num < y->num);
}

/* The oldest comment with fingerprint fp, or NULL. ks is sorted. */
static qg_host_thread *find_known(qg_host_threads *ks, const char *fp) {
  size_t lo = 0, hi = ks->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(ks->items[mid].fp, fp) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < ks->n && strcmp(ks->items[lo].fp, fp) == 0 ? &ks->items[lo] : NULL;
}

/* The finding's path as the pull request names files: without a leading "./". */
static const char *repo_path(const qg_finding *f) { return qg_host_repo_path(f->loc.path); }

/* Start offsets of the lines of buf: starts[i] is where line i+1 begins; starts[n] = len. */
static size_t *line_starts(const char *buf, size_t len, size_t *n) {
  size_t cap = 0, k = 0;
  size_t *s = NULL;
  qg_grow((void **)&s, &cap, 1, sizeof(*s));
  s[k++] = 0;
  for (size_t i = 0; i < len; i++) {
    if (buf[i] == '\n' && i + 1 < len) {
      qg_grow((void **)&s, &cap, k + 1, sizeof(*s));
      s[k++] = i + 1;
    }
  }
  qg_grow((void **)&s, &cap, k + 1, sizeof(*s));
  s[k] = len;
  *n = len ? k : 0;
  return s;
}

/* Whether a secret finding lies on lines [a, b] of path: a suggestion would copy those
 * lines into a comment, and a secret is only ever shown masked. */
static bool secret_on_lines(const qg_result *res, const char *path, uint32_t a, uint32_t b) {
  for (size_t i = 0; i < res->findings.n; i++) {
    const qg_finding *x = &res->findings.items[i];
    const char *xp = repo_path(x);
    if (x->rule && (x->rule->flags & QG_RULE_SECRET) && xp && strcmp(xp, path) == 0 &&
        x->loc.line <= b && (x->loc.end_line ? x->loc.end_line : x->loc.line) >= a)
      return true;
  }
  return false;
}

/* The suggestion for f: the text of lines [*first, *last] of its file with its fix
 * applied, where that range covers the finding's line and every edit, and the pull
 * request shows each of its lines (a suggestion replaces exactly the lines it is on).
 * *first and *last are the pull request's numbers: with a merge checked out, the range
 * must be where the pull request's head has the same lines. NULL when there is none.
 * Caller frees. */
static char *suggestion(const qg_result *res, const qg_finding *f, const char *path,
                        const qg_change_file *cf, uint32_t *first, uint32_t *last) {
  if (!f->fix || !f->fix->n)
    return NULL;
  uint32_t a = f->loc.line, b = f->loc.line;
  for (size_t i = 0; i < f->fix->n; i++) {
    const qg_edit *e = &f->fix->edits[i];
    if (!e->line || !e->col || e->end_line < e->line)
      return NULL;
    uint32_t start = e->line, end = e->end_line;
    if (e->end_col == 1 && e->end_line > e->line)
      end--; /* an edit that ends at the start of a line leaves that line as it is */
    else if (e->col == 1 && e->end_col == 1 && e->end_line == e->line && e->line > f->loc.line)
      start = end = e->line - 1; /* an insertion below the finding: after the line above it
                                    (at the end of the file there is no line below) */
    a = start < a ? start : a;
    b = end > b ? end : b;
  }
  if (b - a >= GH_SUGGEST_MAX_LINES)
    return NULL;
  uint32_t head_a = qg_change_head_line(cf, a);
  for (uint32_t l = a; l <= b; l++)
    if (!head_a || qg_change_head_line(cf, l) != head_a + (l - a) ||
        !qg_change_shows_line(cf, head_a + (l - a)))
      return NULL;
  if (secret_on_lines(res, path, a, b))
    return NULL;
  unsigned char *data = NULL;
  size_t len = 0;
  int err_no = 0;
  if (qg_read_all(f->loc.path, NULL, GH_FILE_MAX, &data, &len, &err_no) != QG_OK)
    return NULL;
  const char *buf = (const char *)data;
  char *text = NULL;
  size_t nlines = 0;
  size_t *starts = line_starts(buf, len, &nlines);
  if (b <= nlines && !memchr(buf, '\0', len)) {
    size_t newlen = 0, skipped = 0;
    char *neu = qg_edits_apply(buf, len, f->fix->edits, f->fix->n, &newlen, &skipped);
    /* lines before a and after b are untouched: the range's new text is what lies
     * between the same prefix and suffix */
    size_t pre = starts[a - 1], post = len - starts[b];
    if (!skipped && newlen >= pre + post && memcmp(neu, buf, pre) == 0 &&
        memcmp(neu + newlen - post, buf + starts[b], post) == 0) {
      text = qg_xstrndup(neu + pre, newlen - pre - post);
      *first = head_a;
      *last = head_a + (b - a);
    }
    free(neu);
  }
  free(starts);
  free(data);
  return text;
}

/* What follows the marker of a comment with a suggestion: the fix's description, then
 * the suggestion block, fenced with more backticks than any run in the code, so no line
 * of it can close the block; the code itself is not escaped. Caller frees. */
static char *suggestion_block(const qg_finding *f, const char *code) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "\n\n");
  if (f->fix->description && *f->fix->description) {
    (void)qg_buf_puts(&b, "Suggested fix: ");
    qg_host_escape(&b, f->fix->description, false);
    (void)qg_buf_puts(&b, "\n\n");
  }
  size_t run = 0, longest = 0;
  for (const char *p = code; *p; p++) {
    run = *p == '`' ? run + 1 : 0;
    longest = run > longest ? run : longest;
  }
  size_t fence = longest >= 3 ? longest + 1 : 3;
  for (size_t i = 0; i < fence; i++)
    (void)qg_buf_putc(&b, '`');
  (void)qg_buf_puts(&b, "suggestion\n");
  (void)qg_buf_puts(&b, code);
  size_t n = strlen(code);
  if (n && code[n - 1] != '\n')
    (void)qg_buf_putc(&b, '\n');
  for (size_t i = 0; i < fence; i++)
    (void)qg_buf_putc(&b, '`');
  return qg_buf_detach(&b);
}

static const char *verdict_event(qg_decision d) {
  return d == QG_DECISION_APPROVE  ? "APPROVE"
         : d == QG_DECISION_REJECT ? "REQUEST_CHANGES"
                                   : "COMMENT";
}

/* The review's own text: the score when there is one, and what the comments are; the
 * findings over the cap as the summary will hold them (it is built from the same list
 * once the review is in). */
static char *review_text(const gh *g, const qg_report *rep, size_t ncomments, size_t over_cap) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "qgate");
  if (rep->score)
    (void)qg_buf_printf(&b, ": score %u/100 (%s)", rep->score->total,
                        qg_decision_name(rep->score->decision));
  if (ncomments)
    (void)qg_buf_printf(&b, "%s%zu new finding%s on the changed lines", rep->score ? "; " : ": ",
                        ncomments, ncomments == 1 ? "" : "s");
  if (over_cap) {
    char *urls[2];
    qg_host_summary in = summary_input(g, rep, urls);
    qg_host_summary_fit fit;
    free(qg_host_summary_body(&in, &fit));
    free(urls[0]);
    free(urls[1]);
    size_t listed = fit.listed_why[QG_HOST_LEFT_OVER_CAP];
    if (listed == over_cap)
      (void)qg_buf_printf(&b, "; %zu more in the summary comment", over_cap);
    else
      (void)qg_buf_printf(&b,
                          "; %zu more: the summary comment lists %zu of them and says where "
                          "the full report is",
                          over_cap, listed);
  }
  (void)qg_buf_puts(&b, ".");
  return qg_buf_detach(&b);
}

/* What one run does with the review comments. */
static void post_inline(gh *g, const qg_report *rep, const qg_change *change) {
  const qg_result *res = rep->result;
  char *list_path = qg_xasprintf("/repos/%s/pulls/%lu/comments", g->ctx->repo, g->ctx->number);
  qg_host_threads ks = {0};
  bool listed = qg_rest_list(&g->rest, list_path, "", collect_known, &ks);
  free(list_path);
  if (ks.n)
    qsort(ks.items, ks.n, sizeof(*ks.items), cmp_known);

  /* the new comments: fingerprints of those placed this run (a second finding with the
   * same fingerprint would get a comment that reads back as the first's) */
  cJSON *comments = cJSON_CreateArray();
  char(*placed)[17] = qg_xcalloc(g->o.max_inline + 1, sizeof(*placed));
  const qg_finding **placed_f = qg_xcalloc(g->o.max_inline + 1, sizeof(*placed_f));
  size_t nplaced = 0;
  size_t at = 0;
  char fp[17];
  for (const qg_finding *f; (f = qg_host_next_active(res, &at, fp)) != NULL;) {
    qg_host_thread *k = find_known(&ks, fp);
    for (qg_host_thread *x = k; x && x < ks.items + ks.n && strcmp(x->fp, fp) == 0; x++)
      x->active = true;
    const char *path = repo_path(f);
    const qg_change_file *cf = change && path ? qg_change_find(change, path) : NULL;
    uint32_t line = qg_change_head_line(cf, f->loc.line); /* the pull request's number */
    if (!listed || !cf || !qg_change_shows_line(cf, line)) {
      g->out->to_summary++;
      qg_host_left_add(&g->left, f, listed ? QG_HOST_LEFT_OUTSIDE : QG_HOST_LEFT_FAILED);
      continue;
    }
    if (k && !k->claimed) {
      k->claimed = true;
      g->out->inline_kept++;
      continue;
    }
    bool dup = k != NULL;
    for (size_t j = 0; j < nplaced && !dup; j++)
      dup = strcmp(placed[j], fp) == 0;
    if (dup) {
      g->out->to_summary++;
      qg_host_left_add(&g->left, f, QG_HOST_LEFT_DUPLICATE);
      continue;
    }
    if (nplaced >= g->o.max_inline) {
      g->out->over_cap++;
      qg_host_left_add(&g->left, f, QG_HOST_LEFT_OVER_CAP);
      continue;
    }
    placed_f[nplaced] = f;
    memcpy(placed[nplaced++], fp, sizeof(fp));
    uint32_t first = 0, last = 0;
    char *sugg = suggestion(res, f, path, cf, &first, &last);
    char *extra = sugg ? suggestion_block(f, sugg) : NULL;
    char *body = qg_host_finding_body(f, extra, g->o.max_body);
    free(extra);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "path", path);
    if (sugg && first < last) {
      cJSON_AddNumberToObject(c, "start_line", first);
      cJSON_AddStringToObject(c, "start_side", "RIGHT");
    }
    cJSON_AddNumberToObject(c, "line", sugg ? last : line);
    cJSON_AddStringToObject(c, "side", "RIGHT");
    cJSON_AddStringToObject(c, "body", body);
    cJSON_AddItemToArray(comments, c);
    free(body);
    free(sugg);
  }
  free(placed);

  /* one review: the new comments, and the verdict when asked for */
  const qg_score *score = rep->score;
  bool verdict = g->o.verdict == QG_VERDICT_ON && score;
  if (nplaced || verdict) {
    const char *event = verdict ? verdict_event(score->decision) : "COMMENT";
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "commit_id", g->ctx->head_sha);
    cJSON_AddStringToObject(o, "event", event);
    char *text = review_text(g, rep, nplaced, g->out->over_cap);
    cJSON_AddStringToObject(o, "body", text);
    free(text);
    if (nplaced)
      cJSON_AddItemToObject(o, "comments", comments);
    else
      cJSON_Delete(comments);
    comments = NULL;
    char *p = qg_xasprintf("/repos/%s/pulls/%lu/reviews", g->ctx->repo, g->ctx->number);
    long code = qg_rest_send(&g->rest, "POST", p, o, NULL);
    if (qg_rest_ok(code)) {
      g->out->inline_created = nplaced;
      g->out->verdict = verdict ? event : NULL;
    } else { /* the review carried them: none is on the pull request */
      for (size_t j = 0; j < nplaced; j++)
        qg_host_left_add(&g->left, placed_f[j],
                         code >= 400 && code < 500 ? QG_HOST_LEFT_REFUSED : QG_HOST_LEFT_FAILED);
    }
    free(p);
  }
  free(placed_f);
  cJSON_Delete(comments);

  /* stale: qgate's comments whose finding is gone, and any second comment for one
   * finding (two runs at once) */
  for (size_t i = 0; listed && i < ks.n; i++) {
    qg_host_thread *k = &ks.items[i];
    bool second = i > 0 && strcmp(ks.items[i - 1].fp, k->fp) == 0;
    if (k->active && !second)
      continue;
    char *p = qg_xasprintf("/repos/%s/pulls/comments/%lld", g->ctx->repo, k->num);
    static const qg_rest_how gone = {404, 0, NULL}; /* a 404: someone deleted it already */
    if (qg_rest_ok(qg_rest_call(&g->rest, "DELETE", p, NULL, &gone, NULL)))
      g->out->inline_removed++;
    free(p);
  }
  free(ks.items);
}

static qg_status comment(const qg_host_ctx *ctx, const qg_report *rep, const qg_change *change,
                         const qg_comment_opts *opts, qg_comment_outcome *out) {
  if (!ctx->api_url || !ctx->repo || !ctx->number || !ctx->head_sha || !ctx->token) {
    out->error = qg_xstrdup("GitHub: no pull request context");
    return QG_EUSAGE;
  }
  gh g;
  memset(&g, 0, sizeof(g));
  g.ctx = ctx;
  g.o = *opts;
  g.out = out;
  qg_rest_init(&g.rest, &k_api, ctx, opts);
  long long summary_id = 0;
  bool summary_listed = list_summary(&g, &summary_id);
  post_inline(&g, rep, change);
  /* after the inline comments: it lists what has none, refusals too */
  post_summary(&g, rep, summary_listed, summary_id);
  qg_host_lefts_free(&g.left);
  return qg_rest_end(&g.rest, out);
}

const qg_host qg_host_github = {"github", "GitHub", ctx_load, base_rev, comment};

/* ---- the answers' parsers alone (hosts/internal.h) --------------------------------------- */

char *qg_github_error_text(const char *body, size_t len) { return error_text(body, len); }

int qg_github_page_read(const char *body, size_t len, long long *summary_id, size_t *nknown) {
  *summary_id = 0;
  *nknown = 0;
  cJSON *arr = cJSON_ParseWithLength(body, len);
  if (!cJSON_IsArray(arr)) {
    cJSON_Delete(arr);
    return -1;
  }
  qg_host_threads ks = {0};
  const cJSON *item;
  cJSON_ArrayForEach(item, arr) {
    find_summary(summary_id, item);
    collect_known(&ks, item);
  }
  int n = cJSON_GetArraySize(arr);
  cJSON_Delete(arr);
  *nknown = ks.n;
  free(ks.items);
  return n;
}
