/* github.c: pull request comments and reviews on GitHub (REST API, and GraphQL to
 * resolve review threads).
 *
 * One run: the summary is the oldest issue comment that holds the summary marker
 * with the job's comment id and whose author is the token's own user (found on
 * every page of the pull request's comments), edited in place or created after
 * the review, listing what has no inline comment; the
 * review comments are listed the same way and mapped by their finding markers
 * (the id's; replies apart); findings on lines the pull request shows that have
 * no current comment (none, or only outdated ones) get one, all in one review
 * (one notification, not one per line); the threads of qgate's comments whose
 * finding is gone are resolved unless someone replied; a verdict is given only
 * when it changes, and qgate's standing verdict that no longer holds is
 * dismissed. Requests go one
 * at a time, as GitHub asks integrations to do to stay under its secondary
 * rate limits, and in a fixed order, so a run is reproducible. */
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
  } else if (!cJSON_IsNumber(num) || !(num->valuedouble >= 1) || num->valuedouble > 4294967295.0 ||
             num->valuedouble != (double)(unsigned long)num->valuedouble) {
    qg_host_usage(why,
                  "GITHUB_EVENT_PATH: pull_request.number is missing or not a positive integer");
  } else if (!head) {
    (void)qg_host_usage(why,
                        "GITHUB_EVENT_PATH: pull_request.head.sha is missing or not a commit id");
  } else if (!base) {
    (void)qg_host_usage(why,
                        "GITHUB_EVENT_PATH: pull_request.base.sha is missing or not a commit id");
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
  int who;              /* the token's own user: 0 not asked yet, 1 login known, -1 unknown (GET
                  /user refused, as for the Actions GITHUB_TOKEN): then a bot's login */
  char *login;          /* owned: its login when who is 1 */
  long long summary_id; /* the summary comment posted or edited this run, 0: none */
  char prev_head[65];   /* the reviewed head qgate's summary held ("": none) */
  qg_host_lefts left;   /* the findings without an inline comment: the summary lists them */
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
    .limit_403 = true,      /* its primary and secondary rate limits answer 403 too */
    .limit_wait_ms = 60000, /* "wait for at least one minute before retrying" */
    .read_only_403 = true,  /* a fork's token: "Resource not accessible by integration" */
};

/* A comment's id, or 0 when it has none that is usable. */
/* A JSON number that is a usable id or line: JSON holds 2^53 exactly, and a
 * larger one, up to infinity (1e400), or NaN would not convert to long long.
 * Else 0. */
static long long json_int(const cJSON *n) {
  if (!cJSON_IsNumber(n) || !(n->valuedouble >= 1) || n->valuedouble > 9007199254740992.0)
    return 0;
  return (long long)n->valuedouble;
}

static long long item_id(const cJSON *item) {
  return json_int(cJSON_GetObjectItemCaseSensitive(item, "id"));
}

static const char *item_body(const cJSON *item) {
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(item, "body");
  return cJSON_IsString(b) ? b->valuestring : NULL;
}

/* ---- identity -------------------------------------------------------------------------- */

/* An item's author: user.login (NULL when absent) and whether user.type is "Bot". */
static const char *item_author(const cJSON *item, bool *bot) {
  const cJSON *u = cJSON_GetObjectItemCaseSensitive(item, "user");
  const cJSON *l = cJSON_GetObjectItemCaseSensitive(u, "login");
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(u, "type");
  *bot = cJSON_IsString(t) && strcmp(t->valuestring, "Bot") == 0;
  return cJSON_IsString(l) && *l->valuestring ? l->valuestring : NULL;
}

/* A candidate of qgate's (a marker with its id): its id and author, kept for the
 * author check, which may need a request (learn_self) that a listing cannot make. */
static void add_candidate(qg_host_threads *t, const char *fp, long long id, const cJSON *item) {
  bool bot = false;
  const char *login = item_author(item, &bot);
  qg_host_thread *th = qg_host_threads_add(t, fp);
  th->num = id;
  th->author = login ? qg_xstrdup(login) : NULL;
  th->bot = bot;
}

/* The token's own user, asked once and only when a comment with qgate's marker and id
 * is there to be touched: GET /user gives a personal access token's login; the Actions
 * GITHUB_TOKEN and an app's installation token are refused it (403), and then the
 * login is learnt from the first comment qgate creates, until then any bot ("[bot]",
 * user.type Bot) is taken for it: a person's account is never a bot. */
static void learn_self(gh *g) {
  if (g->who)
    return;
  cJSON *me = NULL;
  static const qg_rest_how refused = {403, 0, NULL};
  long code = qg_rest_call(&g->rest, "GET", "/user", NULL, &refused, &me);
  const cJSON *l = cJSON_GetObjectItemCaseSensitive(me, "login");
  if (qg_rest_ok(code) && cJSON_IsString(l) && *l->valuestring) {
    g->who = 1;
    g->login = qg_xstrdup(l->valuestring);
  } else {
    g->who = -1;
  }
  cJSON_Delete(me);
}

/* Learns the login from what qgate just created (reply: the created item). */
static void learn_created(gh *g, const cJSON *reply) {
  bool bot = false;
  const char *login = item_author(reply, &bot);
  if (g->who != 1 && login) {
    g->who = 1;
    free(g->login);
    g->login = qg_xstrdup(login);
  }
}

/* Whether a comment by login (bot: user.type Bot) is the token's own user's. */
static bool is_own(gh *g, const char *login, bool bot) {
  learn_self(g);
  if (!login)
    return false;
  if (g->who == 1)
    return strcmp(login, g->login) == 0;
  size_t n = strlen(login);
  return bot && n > 5 && strcmp(login + n - 5, "[bot]") == 0;
}

static bool own_thread(void *ud, const qg_host_thread *th) {
  return is_own(ud, th->author, th->bot);
}

/* Keeps only the candidates of t whose author is the token's own user. */
static void keep_own(gh *g, qg_host_threads *t) { qg_host_threads_keep(t, own_thread, g); }

/* ---- the summary ----------------------------------------------------------------------- */

typedef struct summary_find {
  char marker[QG_HOST_MARKER_MAX]; /* the summary marker with qgate's id */
  const char *id;                  /* qgate's comment id */
  qg_host_threads cands;           /* the comments that hold it, in list order; th->id: the
                                      reviewed head in its marker, or NULL */
} summary_find;

#define GH_CANDIDATES_MAX 1000 /* comments holding one marker: past them, not read */

static void find_summary(void *ud, const cJSON *item) {
  summary_find *sf = ud;
  const char *body = item_body(item);
  long long id = item_id(item);
  if (id && body && strstr(body, sf->marker) && sf->cands.n < GH_CANDIDATES_MAX) {
    add_candidate(&sf->cands, "", id, item);
    char head[65];
    if (qg_host_read_reviewed_head(body, sf->id, head)) /* kept: only qgate's own is read */
      sf->cands.items[sf->cands.n - 1].id = qg_xstrdup(head);
  }
}

/* After a lost answer: whether the summary is there (its id into g->summary_id). */
static int summary_stored(qg_rest *r, void *ud) {
  gh *g = ud;
  char *path = qg_xasprintf("/repos/%s/issues/%lu/comments", g->ctx->repo, g->ctx->number);
  summary_find sf;
  memset(&sf, 0, sizeof(sf));
  qg_host_summary_marker(g->o.id, sf.marker);
  sf.id = g->o.id;
  bool listed = qg_rest_list(r, path, "", find_summary, &sf);
  free(path);
  if (listed)
    keep_own(g, &sf.cands);
  long long id = listed && sf.cands.n ? sf.cands.items[0].num : 0;
  qg_host_threads_free(&sf.cands);
  g->summary_id = id;
  return !listed ? -1 : id ? 1 : 0;
}

/* POSTs the summary o (deleted) to path, never twice: true when it is there. */
static bool create_summary(gh *g, const char *path, cJSON *o) {
  char *text = qg_json_print(o, false);
  cJSON *reply = NULL;
  bool ok = qg_rest_ok(qg_rest_create(&g->rest, path, text, NULL, &reply, summary_stored, g));
  if (ok && reply) {
    g->summary_id = item_id(reply);
    learn_created(g, reply);
  }
  cJSON_Delete(reply);
  free(text);
  return ok;
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
  urls[0] = server
                ? qg_xasprintf("%.*s/%s/blob/%s/", (int)n, server, g->ctx->repo, g->ctx->head_sha)
                : NULL;
  urls[1] = qg_host_env("GITHUB_SERVER_URL") && run && strspn(run, "0123456789") == strlen(run)
                ? qg_xasprintf("%.*s/%s/actions/runs/%s", (int)n, server, g->ctx->repo, run)
                : NULL;
  qg_host_summary s = {
      .rep = rep,
      .id = g->o.id,
      .left = &g->left,
      .host = "GitHub",
      .file_url = urls[0],
      .report_url = urls[1],
      .report_what = "the workflow run",
      .report_also = "in code scanning where the workflow uploads the SARIF report",
      .max_body = g->o.max_body, /* 60000 by default: GitHub takes 65,536 characters */
      .reviewed_head = g->o.reviewed_head ? g->o.reviewed_head
                       : *g->prev_head    ? g->prev_head
                                          : NULL,
  };
  return s;
}

/* The summary's id (0: none yet) from the whole list of the pull request's comments: the
 * oldest comment with qgate's summary marker and id whose author is the token's own user.
 * Read first; the summary itself is sent after the inline comments (post_summary). */
static bool list_summary(gh *g, long long *id) {
  char *path = qg_xasprintf("/repos/%s/issues/%lu/comments", g->ctx->repo, g->ctx->number);
  summary_find sf;
  memset(&sf, 0, sizeof(sf));
  qg_host_summary_marker(g->o.id, sf.marker);
  sf.id = g->o.id;
  bool listed = qg_rest_list(&g->rest, path, "", find_summary, &sf);
  free(path);
  if (listed)
    keep_own(g, &sf.cands);
  *id = listed && sf.cands.n ? sf.cands.items[0].num : 0;
  if (*id && sf.cands.items[0].id)
    snprintf(g->prev_head, sizeof(g->prev_head), "%s", sf.cands.items[0].id);
  qg_host_threads_free(&sf.cands);
  return listed;
}

/* The summary: qgate's own (list_summary) is edited in place; a person's comment quoting
 * the marker, or another job's (another id), is never touched: then qgate posts its own. */
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
      g->summary_id = g->out->summary_updated ? id : 0;
      free(p);
    } else {
      g->out->summary_created = create_summary(g, path, o);
    }
  }
  free(path);
}

/* ---- inline comments ------------------------------------------------------------------- */

/* What the review comments' listing collects. */
typedef struct known_find {
  const char *id;           /* qgate's comment id */
  const qg_comment_opts *o; /* what the review looked at (qg_host_unreviewed) */
  qg_host_threads roots;    /* comments with qgate's finding marker and id, not replies */
  qg_host_threads replies;  /* every reply: num is the comment it answers, author set */
} known_find;

#define GH_REPLIES_MAX 20000u /* replies kept for the reply check (two full listings) */

/* A review comment of qgate's, by the fingerprint in its marker; a reply is kept
 * apart: it is a person's answer (or qgate's own, which is never a reply), even
 * when it quotes a marker. */
static void collect_known(void *ud, const cJSON *item) {
  known_find *kf = ud;
  const cJSON *reply = cJSON_GetObjectItemCaseSensitive(item, "in_reply_to_id");
  char fp[17];
  long long id = item_id(item);
  if (!id)
    return;
  if (cJSON_IsNumber(reply)) {
    if (kf->replies.n < GH_REPLIES_MAX)
      add_candidate(&kf->replies, "", json_int(reply), item);
    return;
  }
  if (!qg_host_find_marker(item_body(item), kf->id, fp))
    return;
  add_candidate(&kf->roots, fp, id, item);
  qg_host_thread *th = &kf->roots.items[kf->roots.n - 1];
  const cJSON *path = cJSON_GetObjectItemCaseSensitive(item, "path");
  th->unreviewed =
      cJSON_IsString(path) && qg_host_unreviewed(kf->o, path->valuestring, item_body(item));
  const cJSON *line = cJSON_GetObjectItemCaseSensitive(item, "line");
  const cJSON *start = cJSON_GetObjectItemCaseSensitive(item, "start_line");
  /* GitHub moves a comment with its line; a push that changed the line leaves it
   * outdated: line null (position null) */
  th->line = json_int(line);
  th->outdated = th->line == 0;
  th->start_line = json_int(start);
}

static int cmp_num(const void *a, const void *b) {
  const qg_host_thread *x = a, *y = b;
  return (x->num > y->num) - (x->num < y->num);
}

/* qgate's own comments only (the author check), each told whether someone else
 * replied in its thread. */
static void own_threads(gh *g, known_find *kf) {
  if (!kf->roots.n)
    return;
  keep_own(g, &kf->roots);
  qg_host_threads *r = &kf->replies;
  if (r->n)
    qsort(r->items, r->n, sizeof(*r->items), cmp_num);
  for (size_t i = 0; i < kf->roots.n; i++) {
    qg_host_thread *k = &kf->roots.items[i];
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (r->items[mid].num < k->num)
        lo = mid + 1;
      else
        hi = mid;
    }
    for (size_t j = lo; j < r->n && r->items[j].num == k->num && !k->replied; j++)
      k->replied = !is_own(g, r->items[j].author, r->items[j].bot);
  }
}

/* ---- lifecycle: review threads (GraphQL) and verdicts ------------------------------------ */

/* One GraphQL request (the REST API cannot resolve a review thread): POST /graphql,
 * on GitHub Enterprise Server at /api/graphql beside /api/v3. *data: the answer's
 * "data" (caller deletes), NULL on failure; an answer with "errors" is a failure. */
static bool graphql(gh *g, const char *query, cJSON *vars, cJSON **data) {
  *data = NULL;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "query", query);
  cJSON_AddItemToObject(o, "variables", vars);
  char *body = qg_json_print(o, false); /* deletes o */
  const char *root = g->rest.root;
  size_t n = root ? strlen(root) : 0;
  char *ghes = n > 7 && strcmp(root + n - 7, "/api/v3") == 0 ? qg_xstrndup(root, n - 3) : NULL;
  if (ghes)
    g->rest.root = ghes;
  cJSON *reply = NULL;
  long code = qg_rest_call(&g->rest, "POST", "/graphql", body, NULL, &reply);
  g->rest.root = root;
  free(ghes);
  free(body);
  const cJSON *errs = cJSON_GetObjectItemCaseSensitive(reply, "errors");
  if (qg_rest_ok(code) && (cJSON_GetArraySize(errs) > 0 ||
                           !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(reply, "data")))) {
    char *text = cJSON_PrintUnformatted(reply);
    char *why = text ? error_text(text, strlen(text)) : NULL;
    qg_rest_fail(&g->rest, "GitHub: GraphQL on POST /graphql: %s",
                 why && *why ? why : "no data in the answer");
    free(why);
    free(text);
  } else if (qg_rest_ok(code)) {
    *data = cJSON_DetachItemFromObjectCaseSensitive(reply, "data");
  }
  cJSON_Delete(reply);
  return *data != NULL;
}

static const char k_threads_query[] =
    "query($owner: String!, $name: String!, $number: Int!, $after: String) {"
    " repository(owner: $owner, name: $name) { pullRequest(number: $number) {"
    " reviewThreads(first: 100, after: $after) { nodes { id isResolved"
    " comments(first: 1) { nodes { databaseId } } } pageInfo { hasNextPage endCursor } } } } }";

static const char k_resolve_mutation[] = "mutation($id: ID!) { resolveReviewThread(input: "
                                         "{threadId: $id}) { thread { id isResolved } } }";

/* Resolves the review threads that start with the comments of stale (nums) and are
 * open: a thread already resolved (by a person, or by qgate before) stays as it is. */
static void resolve_threads(gh *g, const qg_host_threads *stale) {
  if (!stale->n)
    return;
  const char *slash = strchr(g->ctx->repo, '/');
  char *owner = qg_xstrndup(g->ctx->repo, (size_t)(slash - g->ctx->repo));
  char *after = NULL;
  for (unsigned page = 0; page < k_api.max_pages; page++) {
    cJSON *vars = cJSON_CreateObject();
    cJSON_AddStringToObject(vars, "owner", owner);
    cJSON_AddStringToObject(vars, "name", slash + 1);
    cJSON_AddNumberToObject(vars, "number", (double)g->ctx->number);
    if (after)
      cJSON_AddStringToObject(vars, "after", after);
    else
      cJSON_AddNullToObject(vars, "after");
    cJSON *data = NULL;
    if (!graphql(g, k_threads_query, vars, &data))
      break;
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(data, "repository"),
                                         "pullRequest"),
        "reviewThreads");
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(rt, "nodes"), *t;
    cJSON_ArrayForEach(t, (cJSON_IsArray(nodes) ? nodes : NULL)) {
      const cJSON *cs = cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(t, "comments"), "nodes");
      const cJSON *db = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cs, 0), "databaseId");
      const cJSON *tid = cJSON_GetObjectItemCaseSensitive(t, "id");
      if (!cJSON_IsNumber(db) || !cJSON_IsString(tid) ||
          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "isResolved")))
        continue;
      for (size_t i = 0; i < stale->n; i++) {
        if (stale->items[i].num != json_int(db))
          continue;
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "id", tid->valuestring);
        cJSON *done = NULL;
        if (graphql(g, k_resolve_mutation, v, &done))
          g->out->inline_removed++;
        cJSON_Delete(done);
        break;
      }
    }
    const cJSON *pi = cJSON_GetObjectItemCaseSensitive(rt, "pageInfo");
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(pi, "endCursor");
    bool more =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pi, "hasNextPage")) && cJSON_IsString(cur);
    free(after);
    after = more ? qg_xstrdup(cur->valuestring) : NULL;
    cJSON_Delete(data);
    if (!more)
      break;
  }
  free(after);
  free(owner);
}

/* qgate's verdict reviews: th->id holds the verdict of the marker, th->path the state. */
typedef struct review_find {
  char head[QG_HOST_MARKER_MAX]; /* "<!-- qgate:review id=ID verdict=" */
  qg_host_threads cands;
} review_find;

static void find_review(void *ud, const cJSON *item) {
  review_find *rf = ud;
  const char *body = item_body(item), *m = body ? strstr(body, rf->head) : NULL;
  const cJSON *state = cJSON_GetObjectItemCaseSensitive(item, "state");
  long long id = item_id(item);
  if (!m || !id || !cJSON_IsString(state) || rf->cands.n >= GH_CANDIDATES_MAX)
    return;
  m += strlen(rf->head);
  size_t n = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
  if (!n || n > 20 || strncmp(m + n, " -->", 4) != 0)
    return;
  add_candidate(&rf->cands, "", id, item);
  qg_host_thread *th = &rf->cands.items[rf->cands.n - 1];
  th->id = qg_xstrndup(m, n);
  th->path = qg_xstrdup(state->valuestring);
}

/* Whether the verdict want is to be given: not when qgate's latest standing verdict
 * (its own review with its marker and id, not dismissed) already is want. reviews gets
 * qgate's own verdict reviews (for dismiss_stale). A listing that fails gives it. */
static bool verdict_changes(gh *g, const char *want, qg_host_threads *reviews) {
  review_find rf;
  memset(&rf, 0, sizeof(rf));
  snprintf(rf.head, sizeof(rf.head), "%s%s verdict=", QG_HOST_REVIEW_MARKER, g->o.id);
  char *path = qg_xasprintf("/repos/%s/pulls/%lu/reviews", g->ctx->repo, g->ctx->number);
  bool listed = qg_rest_list(&g->rest, path, "", find_review, &rf);
  free(path);
  if (rf.cands.n)
    keep_own(g, &rf.cands);
  const qg_host_thread *latest = NULL;
  for (size_t i = 0; i < rf.cands.n; i++) {
    const qg_host_thread *r = &rf.cands.items[i];
    if (strcmp(r->path, "DISMISSED") != 0 && strcmp(r->path, "PENDING") != 0 &&
        (!latest || r->num > latest->num))
      latest = r;
  }
  bool changes = !listed || !latest || strcmp(latest->id, want) != 0;
  *reviews = rf.cands;
  return changes;
}

/* After a new verdict: qgate's own standing approvals and change requests that say
 * otherwise are dismissed (a stale REQUEST_CHANGES would keep blocking the merge). */
static void dismiss_stale(gh *g, const qg_host_threads *reviews, const char *event) {
  for (size_t i = 0; i < reviews->n; i++) {
    const qg_host_thread *r = &reviews->items[i];
    if (strcmp(r->id, event) == 0 ||
        (strcmp(r->path, "APPROVED") != 0 && strcmp(r->path, "CHANGES_REQUESTED") != 0))
      continue;
    char *p = qg_xasprintf("/repos/%s/pulls/%lu/reviews/%lld/dismissals", g->ctx->repo,
                           g->ctx->number, r->num);
    cJSON *o = cJSON_CreateObject();
    char *msg = qg_xasprintf("qgate: superseded, the gate now says %s.", event);
    cJSON_AddStringToObject(o, "message", msg);
    cJSON_AddStringToObject(o, "event", "DISMISS");
    free(msg);
    (void)qg_rest_send(&g->rest, "PUT", p, o, NULL);
    free(p);
  }
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

/* ---- the review, refusals isolated -------------------------------------------------------- */

/* One review to post: its comments (JSON objects in an array, borrowed), their findings
 * and fingerprints, and which are kept (refused ones are dropped). */
typedef struct review {
  const qg_report *rep;
  const char *verdict; /* "APPROVE", "REQUEST_CHANGES", "COMMENT", or NULL: none asked */
  cJSON *comments;
  const qg_finding **findings;
  const char (*fps)[17];
  size_t n;
  bool *keep; /* NULL: all */
  /* what was there before this run (qgate's own, with its id): never taken for this
   * review after a lost answer (an outdated comment of the same finding, an earlier
   * verdict review with the same text) */
  const qg_host_threads *known_comments, *known_reviews;
} review;

#define GH_PROBES_MAX 64 /* pending reviews made to find refused comments */

/* The review's JSON: event (NULL: a pending review, seen by no one), the comments of
 * [lo, hi) that are kept, and text. */
static char *review_json(gh *g, const review *rv, const char *event, const char *text, size_t lo,
                         size_t hi) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "commit_id", g->ctx->head_sha);
  if (event)
    cJSON_AddStringToObject(o, "event", event);
  cJSON_AddStringToObject(o, "body", text);
  cJSON *arr = NULL;
  for (size_t i = lo; i < hi; i++) {
    if (rv->keep && !rv->keep[i])
      continue;
    if (!arr)
      arr = cJSON_AddArrayToObject(o, "comments");
    cJSON_AddItemToArray(arr, cJSON_Duplicate(cJSON_GetArrayItem(rv->comments, (int)i), true));
  }
  return qg_json_print(o, false);
}

typedef struct review_check {
  gh *g;
  const review *rv;
  const char *text;
  qg_host_threads cands; /* what the listing found that may be this review's */
} review_check;

/* Whether id is one of known's (NULL: none). */
static bool known_before(const qg_host_threads *known, long long id) {
  for (size_t i = 0; known && i < known->n; i++)
    if (known->items[i].num == id)
      return true;
  return false;
}

/* A comment with qgate's finding marker and id for one of the review's kept comments,
 * not there before this run: a candidate (its author is checked after the listing). */
static void find_placed(void *ud, const cJSON *item) {
  review_check *c = ud;
  char fp[17];
  const cJSON *reply = cJSON_GetObjectItemCaseSensitive(item, "in_reply_to_id");
  long long id = item_id(item);
  if (!id || c->cands.n >= GH_CANDIDATES_MAX || cJSON_IsNumber(reply) ||
      !qg_host_find_marker(item_body(item), c->g->o.id, fp) ||
      known_before(c->rv->known_comments, id))
    return;
  for (size_t i = 0; i < c->rv->n; i++)
    if ((!c->rv->keep || c->rv->keep[i]) && strcmp(c->rv->fps[i], fp) == 0) {
      add_candidate(&c->cands, fp, id, item);
      return;
    }
}

/* A review of the head with the same text (its verdict marker with qgate's id among
 * it), not there before this run: a candidate. */
static void find_stored_review(void *ud, const cJSON *item) {
  review_check *c = ud;
  const cJSON *commit = cJSON_GetObjectItemCaseSensitive(item, "commit_id");
  const char *body = item_body(item);
  long long id = item_id(item);
  if (id && c->cands.n < GH_CANDIDATES_MAX && cJSON_IsString(commit) &&
      strcmp(commit->valuestring, c->g->ctx->head_sha) == 0 && body && strcmp(body, c->text) == 0 &&
      !known_before(c->rv->known_reviews, id))
    add_candidate(&c->cands, "", id, item);
}

/* After a lost answer: whether the review is there. With comments, by theirs (a review
 * is stored whole or not at all, and they were new); without, a review of the head with
 * the same text. Only what the token's own user wrote counts (the author rule of every
 * other comment qgate touches): a person's comment quoting the marker is not qgate's. */
static int review_stored(qg_rest *r, void *ud) {
  review_check *c = ud;
  bool comments = false;
  for (size_t i = 0; i < c->rv->n && !comments; i++)
    comments = !c->rv->keep || c->rv->keep[i];
  char *path = qg_xasprintf("/repos/%s/pulls/%lu/%s", c->g->ctx->repo, c->g->ctx->number,
                            comments ? "comments" : "reviews");
  qg_host_threads_free(&c->cands);
  bool listed = qg_rest_list(r, path, "", comments ? find_placed : find_stored_review, c);
  free(path);
  if (listed)
    keep_own(c->g, &c->cands);
  bool found = listed && c->cands.n;
  qg_host_threads_free(&c->cands);
  return !listed ? -1 : found ? 1 : 0;
}

/* Posts the review with event; the HTTP status (200 when found stored after a lost
 * answer). A 422 is not recorded: the caller decides what it means. */
static long send_review(gh *g, const review *rv, const char *event) {
  size_t kept = 0;
  for (size_t i = 0; i < rv->n; i++)
    kept += !rv->keep || rv->keep[i];
  char *text = review_text(g, rv->rep, kept, g->out->over_cap);
  if (rv->verdict && strcmp(event, rv->verdict) == 0) {
    /* its marker: the next run compares its verdict with this one */
    char *t =
        qg_xasprintf("%s\n\n%s%s verdict=%s -->", text, QG_HOST_REVIEW_MARKER, g->o.id, event);
    free(text);
    text = t;
  }
  char *body = review_json(g, rv, event, text, 0, rv->n);
  char *p = qg_xasprintf("/repos/%s/pulls/%lu/reviews", g->ctx->repo, g->ctx->number);
  static const qg_rest_how refused = {422, 0, NULL};
  review_check c = {g, rv, text, {0}};
  long code = qg_rest_create(&g->rest, p, body, &refused, NULL, review_stored, &c);
  qg_host_threads_free(&c.cands);
  free(p);
  free(body);
  free(text);
  return code;
}

/* Whether GitHub takes the comments [lo, hi) in a pending review (deleted at once):
 * 1 yes, 0 refused (422), -1 the probe failed otherwise (recorded). */
static int probe(gh *g, const review *rv, size_t lo, size_t hi, int *budget) {
  if ((*budget)-- <= 0)
    return -1;
  char *body = review_json(g, rv, NULL, "qgate: checking which comments GitHub takes", lo, hi);
  char *p = qg_xasprintf("/repos/%s/pulls/%lu/reviews", g->ctx->repo, g->ctx->number);
  static const qg_rest_how refused = {422, 0, NULL};
  cJSON *reply = NULL;
  long code = qg_rest_call(&g->rest, "POST", p, body, &refused, &reply);
  long long id = item_id(reply);
  cJSON_Delete(reply);
  free(body);
  if (qg_rest_ok(code) && id) {
    char *d = qg_xasprintf("%s/%lld", p, id);
    (void)qg_rest_call(&g->rest, "DELETE", d, NULL, NULL, NULL);
    free(d);
  }
  free(p);
  return qg_rest_ok(code) ? 1 : code == 422 ? 0 : -1;
}

/* Marks the refused comments of [lo, hi), which together GitHub refuses: halves probed
 * as pending reviews. false when a probe failed otherwise or the budget ran out (then
 * what is still in doubt is left out too). */
static bool isolate(gh *g, review *rv, size_t lo, size_t hi, int *budget) {
  if (hi - lo == 1) {
    rv->keep[lo] = false;
    return true;
  }
  size_t mid = lo + (hi - lo) / 2;
  int a = probe(g, rv, lo, mid, budget);
  if (a < 0) {
    for (size_t i = lo; i < hi; i++)
      rv->keep[i] = false;
    return false;
  }
  if (a == 1) /* the refused one is in the other half */
    return isolate(g, rv, mid, hi, budget);
  if (!isolate(g, rv, lo, mid, budget)) {
    for (size_t i = mid; i < hi; i++)
      rv->keep[i] = false;
    return false;
  }
  int b = probe(g, rv, mid, hi, budget);
  if (b < 0) {
    for (size_t i = mid; i < hi; i++)
      rv->keep[i] = false;
    return false;
  }
  return b == 1 || isolate(g, rv, mid, hi, budget);
}

/* The refusal's text, owned: the last refused answer's. */
static char *refusal(gh *g) { return qg_xstrdup(g->rest.refusal ? g->rest.refusal : "HTTP 422"); }

/* Records a 422 as the run's failure. */
static void fail_422(gh *g) {
  qg_rest_fail(&g->rest, "GitHub: %s on POST /repos/%s/pulls/%lu/reviews",
               g->rest.refusal ? g->rest.refusal : "HTTP 422", g->ctx->repo, g->ctx->number);
}

/* Posts the review. A 422 (Validation Failed) loses nothing else: it is posted again
 * without the verdict (GitHub refuses one on the token's own pull request, and where
 * Actions may not approve), then without the comments it refuses (found by probing
 * halves as pending reviews, which nobody sees), which are listed in g->out->refused. */
static void post_review(gh *g, review *rv) {
  const char *event = rv->verdict ? rv->verdict : "COMMENT";
  long code = send_review(g, rv, event);
  char *verdict_why = NULL;
  if (code == 422 && rv->verdict && strcmp(event, "COMMENT") != 0) {
    verdict_why = refusal(g);
    event = "COMMENT";
    if (rv->n)
      code = send_review(g, rv, event);
  }
  if (code == 422 && rv->n) {
    char *why = refusal(g);
    bool *keep = qg_xcalloc(rv->n, sizeof(*keep));
    for (size_t i = 0; i < rv->n; i++)
      keep[i] = true;
    rv->keep = keep;
    int budget = GH_PROBES_MAX;
    bool isolated = isolate(g, rv, 0, rv->n, &budget);
    for (size_t i = 0; i < rv->n; i++)
      if (!keep[i]) { /* the outcome tells the caller, the list the summary */
        qg_comment_refused_add(g->out, rv->findings[i]);
        qg_host_left_add(&g->left, rv->findings[i], QG_HOST_LEFT_REFUSED);
        g->out->to_summary++;
      }
    if (!g->out->refused_why)
      g->out->refused_why = why;
    else
      free(why);
    size_t kept = rv->n - g->out->nrefused;
    /* the verdict again: the first 422 may have been the refused comments' alone, and a
     * line refused on every run must not cost the verdict on every run */
    event = rv->verdict ? rv->verdict : "COMMENT";
    code = kept || rv->verdict ? send_review(g, rv, event) : 200;
    if (code == 422 && strcmp(event, "COMMENT") != 0) { /* the verdict itself refused */
      free(verdict_why);
      verdict_why = refusal(g);
      event = "COMMENT";
      code = kept ? send_review(g, rv, event) : 200;
    } else if (qg_rest_ok(code)) {
      free(verdict_why); /* given after all */
      verdict_why = NULL;
    }
    if (!isolated && qg_rest_ok(code) && !g->rest.failed)
      qg_rest_fail(&g->rest,
                   "GitHub: the comments GitHub refused could not all be told apart; "
                   "%zu left out",
                   g->out->nrefused);
  } else if (code == 422 && verdict_why) {
    code = 200; /* the verdict alone was asked for: nothing else to post */
    event = NULL;
  }
  if (code == 422)
    fail_422(g);
  if (qg_rest_ok(code)) {
    size_t kept = 0;
    for (size_t i = 0; i < rv->n; i++)
      kept += !rv->keep || rv->keep[i];
    g->out->inline_created = kept;
    g->out->verdict = event && rv->verdict && strcmp(event, rv->verdict) == 0 ? rv->verdict : NULL;
    g->out->verdict_refused = verdict_why;
    verdict_why = NULL;
  } else { /* the review carried them: none is on the pull request */
    for (size_t i = 0; i < rv->n; i++)
      if (!rv->keep || rv->keep[i])
        qg_host_left_add(&g->left, rv->findings[i],
                         code >= 400 && code < 500 ? QG_HOST_LEFT_REFUSED : QG_HOST_LEFT_FAILED);
  }
  free(verdict_why);
  free(rv->keep);
  rv->keep = NULL;
}

/* What one run does with the review comments. */
static void post_inline(gh *g, const qg_report *rep, const qg_change *change) {
  const qg_result *res = rep->result;
  char *list_path = qg_xasprintf("/repos/%s/pulls/%lu/comments", g->ctx->repo, g->ctx->number);
  known_find kf;
  memset(&kf, 0, sizeof(kf));
  kf.id = g->o.id;
  kf.o = &g->o;
  bool listed = qg_rest_list(&g->rest, list_path, "", collect_known, &kf);
  free(list_path);
  own_threads(g, &kf);
  qg_host_threads_free(&kf.replies);
  qg_host_threads ks = kf.roots;
  if (ks.n)
    qsort(ks.items, ks.n, sizeof(*ks.items), cmp_known);

  /* the new comments: fingerprints of those placed this run (a second finding with the
   * same fingerprint would get a comment that reads back as the first's) */
  cJSON *comments = cJSON_CreateArray();
  char(*placed)[17] = qg_xcalloc(g->o.max_inline + 1, sizeof(*placed));
  const qg_finding **pf = qg_xcalloc(g->o.max_inline + 1, sizeof(*pf)); /* their findings */
  size_t nplaced = 0;
  size_t at = 0;
  char fp[17];
  for (const qg_finding *f; (f = qg_host_next_active(res, &at, fp)) != NULL;) {
    qg_host_thread *k = find_known(&ks, fp), *cur = NULL;
    bool any_current = false; /* a comment for it on the current diff (not outdated) */
    for (qg_host_thread *x = k; x && x < ks.items + ks.n && strcmp(x->fp, fp) == 0; x++) {
      x->active = true;
      any_current |= !x->outdated;
      if (!cur && !x->outdated && !x->claimed)
        cur = x;
    }
    const char *path = repo_path(f);
    const qg_change_file *cf = change && path ? qg_change_find(change, path) : NULL;
    uint32_t line = qg_change_head_line(cf, f->loc.line); /* the pull request's number */
    if (!listed || !cf || !qg_change_shows_line(cf, line)) {
      g->out->to_summary++;
      qg_host_left_add(&g->left, f, listed ? QG_HOST_LEFT_OUTSIDE : QG_HOST_LEFT_FAILED);
      continue;
    }
    if (cur) {
      cur->claimed = true;
      g->out->inline_kept++;
      continue;
    }
    /* only outdated comments for it (a push changed its line): a new one on the
     * current line answers them */
    bool dup = any_current;
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
    pf[nplaced] = f;
    memcpy(placed[nplaced++], fp, sizeof(fp));
    uint32_t first = 0, last = 0;
    char *sugg = suggestion(res, f, path, cf, &first, &last);
    char *extra = sugg ? suggestion_block(f, sugg) : NULL;
    char *body = qg_host_finding_body(f, g->o.id, extra, g->o.max_body);
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

  /* one review: the new comments, and the verdict when asked for */
  const qg_score *score = rep->score;
  bool verdict = g->o.verdict == QG_VERDICT_ON && score;
  qg_host_threads reviews = {0};
  if (verdict) /* given only when it changes */
    verdict = verdict_changes(g, verdict_event(score->decision), &reviews);
  if (nplaced || verdict) {
    review rv = {.rep = rep,
                 .verdict = verdict ? verdict_event(score->decision) : NULL,
                 .comments = comments,
                 .findings = pf,
                 .fps = (const char(*)[17])placed,
                 .n = nplaced,
                 .known_comments = &ks,
                 .known_reviews = &reviews};
    post_review(g, &rv);
    /* the gate's verdict given, or refused by GitHub (the token's own pull request,
     * Actions that may not approve): either way qgate's standing verdict that says
     * otherwise no longer holds, and a stale REQUEST_CHANGES would keep blocking */
    if (rv.verdict && (g->out->verdict || g->out->verdict_refused))
      dismiss_stale(g, &reviews, rv.verdict);
  }
  qg_host_threads_free(&reviews);
  free(placed);
  free(pf);
  cJSON_Delete(comments);

  /* stale: qgate's comments whose finding is gone, and a second current comment for one
   * finding (two runs at once): their threads are resolved, not deleted (the history
   * stays), and never when someone else replied (a person's thread now); an outdated
   * comment of a finding still there is left for the new one to answer */
  qg_host_threads stale = {0};
  for (size_t i = 0; listed && i < ks.n; i++) {
    qg_host_thread *k = &ks.items[i];
    bool second = false;
    for (size_t j = 0; k->active && !k->outdated && !k->claimed && j < ks.n && !second; j++)
      second = ks.items[j].claimed && strcmp(ks.items[j].fp, k->fp) == 0;
    if ((k->active && !second) || k->replied || (!k->active && k->unreviewed))
      continue;
    qg_host_threads_add(&stale, k->fp)->num = k->num;
  }
  resolve_threads(g, &stale);
  qg_host_threads_free(&stale);
  qg_host_threads_free(&ks);
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
  free(g.login);
  return qg_rest_end(&g.rest, out);
}

/* The reviewed head of qgate's own summary: list_summary, as comment reads it. */
static qg_status reviewed_head(const qg_host_ctx *ctx, const qg_comment_opts *opts, char out[65],
                               char **error) {
  if (!ctx->api_url || !ctx->repo || !ctx->number || !ctx->token) {
    *error = qg_xstrdup("GitHub: no pull request context");
    return QG_EUSAGE;
  }
  gh g;
  memset(&g, 0, sizeof(g));
  g.ctx = ctx;
  g.o = *opts;
  qg_comment_outcome o;
  memset(&o, 0, sizeof(o));
  g.out = &o;
  qg_rest_init(&g.rest, &k_api, ctx, opts);
  long long id = 0;
  if (list_summary(&g, &id) && id)
    snprintf(out, 65, "%s", g.prev_head);
  free(g.login);
  qg_status st = qg_rest_end(&g.rest, &o);
  *error = o.error;
  o.error = NULL;
  qg_comment_outcome_cleanup(&o);
  return st;
}

const qg_host qg_host_github = {"github", "GitHub", ctx_load, base_rev, comment, reviewed_head};

/* ---- the answers' parsers alone (hosts/internal.h) --------------------------------------- */

char *qg_github_error_text(const char *body, size_t len) { return error_text(body, len); }

int qg_github_page_read(const char *body, size_t len, long long *summary_id, size_t *nknown) {
  *summary_id = 0;
  *nknown = 0;
  cJSON *arr = qg_host_parse_array(body, len);
  if (!arr)
    return -1;
  summary_find sf;
  memset(&sf, 0, sizeof(sf));
  qg_host_summary_marker("qgate", sf.marker);
  sf.id = "qgate";
  known_find kf;
  memset(&kf, 0, sizeof(kf));
  kf.id = "qgate";
  const cJSON *item;
  cJSON_ArrayForEach(item, arr) {
    find_summary(&sf, item);
    collect_known(&kf, item);
  }
  int n = cJSON_GetArraySize(arr);
  cJSON_Delete(arr);
  *summary_id = sf.cands.n ? sf.cands.items[0].num : 0;
  *nknown = kf.roots.n;
  qg_host_threads_free(&sf.cands);
  qg_host_threads_free(&kf.roots);
  qg_host_threads_free(&kf.replies);
  return n;
}
