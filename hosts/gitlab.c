/* gitlab.c: merge request notes and discussions on GitLab (REST API v4).
 *
 * One run reads the merge request (its diff_refs hold the three SHAs every
 * diff position needs), its notes (the summary note is the oldest one with
 * the summary marker: edited in place, or created once) and its discussions
 * (qgate's are those whose first note holds a finding marker). Then each
 * active finding on a line the change shows gets a discussion unless it has
 * one (a resolved one is reopened: the finding is back), discussions whose
 * finding is gone are resolved, and the approval follows the score.
 *
 * Requests go one at a time: GitLab rate-limits note creation, and the order
 * of a run's requests is then the same every time (the tests rely on it). A
 * failure is recorded and the run goes on with what does not depend on it,
 * except when nothing answers or the token is refused (401): every later
 * request would fail the same way, after the same retries. */
#include "hosts/internal.h"
#include "core/escape.h"

#include "core/http.h"
#include "scanners/secrets/secrets.h"
#include "scoring/score.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  PER_PAGE = 100, /* GitLab's largest page */
  MAX_PAGES = 200 /* 20000 notes: beyond it the list is treated as incomplete */
};

/* ---- context --------------------------------------------------------------------------- */

static const char *env_value(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

static bool is_commit_id(const char *s) {
  size_t n = strspn(s, "0123456789abcdefABCDEF");
  return s[n] == '\0' && n >= 7 && n <= 64;
}

static bool has_control(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return true;
  return false;
}

qg_status qg_gitlab_ctx_load(qg_host_ctx *out, char *err, size_t errsz) {
  const char *iid = env_value("CI_MERGE_REQUEST_IID");
  if (!iid) {
    snprintf(err, errsz,
             "not a merge request pipeline: CI_MERGE_REQUEST_IID is not set (run the "
             "job in merge request pipelines)");
    return QG_EUSAGE;
  }
  size_t digits = strspn(iid, "0123456789");
  if (iid[digits] || digits > 9 || strtoul(iid, NULL, 10) == 0) {
    snprintf(err, errsz, "CI_MERGE_REQUEST_IID is not a merge request number");
    return QG_EUSAGE;
  }
  const char *api = env_value("CI_API_V4_URL");
  if (!api) {
    snprintf(err, errsz,
             "CI_API_V4_URL is not set (GitLab CI sets it, e.g. "
             "https://gitlab.com/api/v4)");
    return QG_EUSAGE;
  }
  if ((strncmp(api, "https://", 8) != 0 && strncmp(api, "http://", 7) != 0) ||
      strpbrk(api, " \t") || has_control(api)) {
    snprintf(err, errsz, "CI_API_V4_URL is not an http:// or https:// URL");
    return QG_EUSAGE;
  }
  const char *project = env_value("CI_PROJECT_ID");
  if (!project || has_control(project)) {
    snprintf(err, errsz, "CI_PROJECT_ID is not set (GitLab CI sets it to the project's id)");
    return QG_EUSAGE;
  }
  const char *token = env_value("GITLAB_TOKEN");
  if (!token) {
    snprintf(err, errsz,
             "GITLAB_TOKEN is not set: commenting needs a project or personal access "
             "token with the api scope, as a masked CI/CD variable (CI_JOB_TOKEN "
             "cannot write notes)");
    return QG_EUSAGE;
  }
  if (has_control(token)) {
    snprintf(err, errsz, "GITLAB_TOKEN holds a line break or another control character");
    return QG_EUSAGE;
  }
  static const char *const shas[] = {"CI_COMMIT_SHA", "CI_MERGE_REQUEST_DIFF_BASE_SHA",
                                     "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"};
  for (size_t i = 0; i < QG_ARRAY_LEN(shas); i++) {
    const char *v = env_value(shas[i]);
    if (v && !is_commit_id(v)) {
      snprintf(err, errsz, "%s is not a commit id", shas[i]);
      return QG_EUSAGE;
    }
  }
  out->api_url = qg_xstrdup(api);
  for (size_t n = strlen(out->api_url); n > 0 && out->api_url[n - 1] == '/'; n--)
    out->api_url[n - 1] = '\0';
  out->repo = qg_xstrdup(project);
  out->number = strtoul(iid, NULL, 10);
  /* in a merged results pipeline CI_COMMIT_SHA is the merge with the target branch,
   * and the source branch's head is the merge request's */
  const char *head = env_value("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"),
             *base = env_value("CI_MERGE_REQUEST_DIFF_BASE_SHA");
  if (!head)
    head = env_value("CI_COMMIT_SHA");
  out->head_sha = head ? qg_xstrdup(head) : NULL;
  out->base_sha = base ? qg_xstrdup(base) : NULL;
  out->token = qg_xstrdup(token);
  return QG_OK;
}

/* ---- requests --------------------------------------------------------------------------- */

typedef struct gl {
  const qg_host_ctx *ctx;
  char *auth; /* "PRIVATE-TOKEN: ..." (wiped before it is freed) */
  char *mr;   /* "/projects/ID/merge_requests/IID": where every path starts */
  qg_http_options http;
  qg_comment_outcome *out;
  qg_status st;
  bool dead; /* nothing answered, or the token was refused: no further request */
  qg_secrets *red; /* borrowed: opts.redactor, the token known to it */
} gl;

/* The end of s cut back so that it ends neither inside a UTF-8 sequence nor
 * inside an escape qg_host_escape wrote ("\\" before a character, "&amp;"). */
static size_t clean_cut(const char *s, size_t n) {
  while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
    n--;
  for (size_t k = n; k > 0 && n - k < 8; k--)
    if (s[k - 1] == ';')
      break;
    else if (s[k - 1] == '&') {
      n = k - 1;
      break;
    }
  if (n > 0 && s[n - 1] == '\\')
    n--;
  return n;
}

void qg_gitlab_error_put(char *dst, size_t cap, char *text, const char *token) {
  size_t tl = token ? strlen(token) : 0;
  if (tl >= 8) /* before the cut: no part of it may be left at the end */
    for (char *p = strstr(text, token); p; p = strstr(p + tl, token))
      memset(p, '*', tl);
  for (char *p = text; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
  size_t n = strlen(text);
  if (n >= cap)
    n = clean_cut(text, cap - 1);
  memcpy(dst, text, n);
  dst[n] = '\0';
}

/* Records the first failure in out->error: the token and any secret are
 * masked (qg_redact, then the token again in qg_gitlab_error_put) should a
 * reply have quoted them, control characters become spaces, and a cut never
 * splits a character. */
static void QG_PRINTF(2, 3) fail(gl *g, const char *fmt, ...) {
  g->st = QG_ENET;
  if (g->out->error[0])
    return;
  va_list ap;
  va_start(ap, fmt);
  char *e = qg_xvasprintf(fmt, ap);
  va_end(ap);
  /* masked before the cut: no part of a secret may be left at the end */
  char *safe = qg_redact(g->red, e, strlen(e), NULL, NULL, NULL);
  free(e);
  e = safe;
  qg_gitlab_error_put(g->out->error, sizeof(g->out->error), e, g->ctx->token);
  free(e);
}

/* Appends the text of v to b, "; " between parts; an object's members are
 * prefixed with their names ({"note": ["can't be blank"]}: "note can't be
 * blank"), as GitLab's validation errors read. */
static void flatten(qg_buf *b, const cJSON *v, const char *key) {
  if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
    const cJSON *c;
    cJSON_ArrayForEach(c, v) flatten(b, c, cJSON_IsObject(v) ? c->string : key);
    return;
  }
  char num[32];
  const char *text = NULL;
  if (cJSON_IsString(v)) {
    text = v->valuestring;
  } else if (cJSON_IsNumber(v)) {
    snprintf(num, sizeof(num), "%g", v->valuedouble);
    text = num;
  } else if (cJSON_IsBool(v)) {
    text = cJSON_IsTrue(v) ? "true" : "false";
  }
  if (!text || !*text)
    return;
  if (b->len)
    (void)qg_buf_puts(b, "; ");
  if (key && *key)
    (void)qg_buf_printf(b, "%s ", key);
  (void)qg_buf_puts(b, text);
}

/* What GitLab said about a failure: {"message": ...} (a string, an object of
 * field errors, or an array), {"error": ...} from parameter validation, or
 * OAuth's {"error_description": ...}. "" when the reply says nothing usable. */
static void reply_message(const char *body, size_t len, qg_buf *b) {
  cJSON *j = len ? cJSON_ParseWithLength(body, len) : NULL;
  const cJSON *m = NULL;
  if (cJSON_IsObject(j)) {
    m = cJSON_GetObjectItemCaseSensitive(j, "message");
    if (!m)
      m = cJSON_GetObjectItemCaseSensitive(j, "error_description");
    if (!m)
      m = cJSON_GetObjectItemCaseSensitive(j, "error");
  } else if (cJSON_IsArray(j) || cJSON_IsString(j)) {
    m = j;
  }
  if (m) {
    flatten(b, m, NULL);
  } else if (!j && len && len <= 200 && !memchr(body, '<', len)) {
    /* a short plain-text reply, as GitLab's rate limiter gives ("Retry later") */
    size_t n = len;
    while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == '\r' || body[n - 1] == ' '))
      n--;
    (void)qg_buf_append(b, body, n);
  }
  cJSON_Delete(j);
}

static bool ok2xx(long code) { return code >= 200 && code <= 299; }

/* How call_ex treats a failure: quiet, a status that is not one (-1: any
 * HTTP status); hint, appended to the recorded text when the status is
 * hint_code (what that status means for this request). */
typedef struct call_how {
  long quiet;
  long hint_code;
  const char *hint;
} call_how;

/* One request: path is relative to the API URL (a query may follow; error
 * texts leave it out), body a JSON text or NULL. Returns the HTTP status, 0
 * when no response came (or none was sent). A failure is recorded unless
 * how says otherwise. *reply (when asked) gets the parsed 2xx body or NULL;
 * the caller deletes it. */
static long call_ex(gl *g, const char *method, const char *path, const char *body,
                    const call_how *how, cJSON **reply) {
  if (reply)
    *reply = NULL;
  if (g->dead)
    return 0;
  char *url = qg_xasprintf("%s%s", g->ctx->api_url, path);
  const char *const headers[] = {g->auth, "Content-Type: application/json"};
  qg_http_request rq;
  memset(&rq, 0, sizeof(rq));
  rq.method = method;
  rq.url = url;
  rq.headers = headers;
  rq.nheaders = body ? 2 : 1;
  rq.body = body;
  rq.body_len = body ? strlen(body) : 0;
  qg_http_response rs;
  memset(&rs, 0, sizeof(rs));
  qg_status st = qg_http_perform(&rq, 1, &g->http, &rs);
  long code = st == QG_OK && rs.status == QG_OK ? rs.code : 0;
  int plen = (int)strcspn(path, "?");
  if (!code) {
    fail(g, "GitLab: %s %.*s: %s", method, plen, path, rs.error[0] ? rs.error : "not sent");
    g->dead = true;
  } else if (!ok2xx(code)) {
    if (!how || (how->quiet != -1 && how->quiet != code)) {
      const char *hint = how && how->hint_code == code ? how->hint : NULL;
      qg_buf m;
      qg_buf_init(&m, 0);
      reply_message(rs.body, rs.len, &m);
      char tries[48] = "";
      if (rs.attempts > 1) /* retried (429, 5xx): says why it took long */
        snprintf(tries, sizeof(tries), " (after %u attempts)", rs.attempts);
      char nr[160] = ""; /* a 429 or 5xx not retried: why */
      if (rs.not_retried[0])
        snprintf(nr, sizeof(nr), " (not retried: %s)", rs.not_retried);
      fail(g, "GitLab: HTTP %ld on %s %.*s%s%s%s%s%s%s", code, method, plen, path,
           m.len ? ": " : "", m.len ? m.data : "", tries, nr, hint ? " " : "", hint ? hint : "");
      qg_buf_cleanup(&m);
      if (code == 401)
        g->dead = true;
    }
  } else if (reply && rs.len) {
    *reply = cJSON_ParseWithLength(rs.body, rs.len);
  }
  qg_http_response_cleanup(&rs);
  free(url);
  return code;
}

static long call(gl *g, const char *method, const char *path, const char *body, cJSON **reply) {
  return call_ex(g, method, path, body, NULL, reply);
}

/* o printed (and deleted), made valid UTF-8: a file name need not be (qg_json_print).
 * Caller frees. */
static char *print_body(cJSON *o) { return qg_json_print(o, false); }

/* Sends a JSON object (deleted here). */
static long call_json(gl *g, const char *method, const char *path, cJSON *o) {
  char *text = print_body(o);
  long code = call(g, method, path, text, NULL);
  free(text);
  return code;
}

typedef void (*each_fn)(void *arg, const cJSON *item);

/* GETs every page of the list at g->mr + what, PER_PAGE at a time until a
 * short page, and calls each on every element. false when a page failed or
 * was not a JSON array: the list is then incomplete. */
static bool get_all(gl *g, const char *what, const char *query, each_fn each, void *arg) {
  for (int page = 1; page <= MAX_PAGES; page++) {
    char *path = qg_xasprintf("%s/%s?%sper_page=%d&page=%d", g->mr, what, query, PER_PAGE, page);
    cJSON *list = NULL;
    long code = call(g, "GET", path, NULL, &list);
    free(path);
    if (!ok2xx(code) || !cJSON_IsArray(list)) {
      if (ok2xx(code))
        fail(g, "GitLab: GET %s/%s: the reply is not a JSON array", g->mr, what);
      cJSON_Delete(list);
      return false;
    }
    int n = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
      each(arg, item);
      n++;
    }
    cJSON_Delete(list);
    if (n < PER_PAGE)
      return true;
  }
  fail(g, "GitLab: GET %s/%s: more than %d pages; the list was not read to its end", g->mr, what,
       MAX_PAGES);
  return false;
}

/* ---- what is there ------------------------------------------------------------------------ */

static const char *str_member(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

typedef struct refs {
  char base[65], start[65], head[65];
  bool ok;
} refs;

/* diff_refs of the merge request: GitLab places a diff note only with the
 * SHAs of one of its diff versions, which the checkout's cannot stand in for
 * (in merged results pipelines CI_COMMIT_SHA is a merge commit). null until
 * GitLab has computed the diff: then every finding goes to the summary. */
static void read_refs(const cJSON *mr, refs *r) {
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(mr, "diff_refs");
  const char *b = str_member(d, "base_sha"), *s = str_member(d, "start_sha"),
             *h = str_member(d, "head_sha");
  if (!b || !s || !h || !is_commit_id(b) || !is_commit_id(s) || !is_commit_id(h))
    return;
  snprintf(r->base, sizeof(r->base), "%s", b);
  snprintf(r->start, sizeof(r->start), "%s", s);
  snprintf(r->head, sizeof(r->head), "%s", h);
  r->ok = true;
}

typedef struct summary_note {
  long long id; /* 0: none yet */
  char *body;
} summary_note;

static void on_note(void *arg, const cJSON *n) {
  summary_note *s = arg;
  const char *body = str_member(n, "body");
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(n, "id");
  /* an id JSON holds exactly (2^53 at most): a larger one, up to infinity (1e400),
   * would not convert to long long */
  if (s->id || !body || !cJSON_IsNumber(id) || !(id->valuedouble >= 1) ||
      id->valuedouble > 9007199254740992.0 || !strstr(body, QG_HOST_SUMMARY_MARKER))
    return;
  s->id = (long long)id->valuedouble;
  s->body = qg_xstrdup(body);
}

typedef struct thread {
  char fp[17];
  char *id;      /* the discussion id */
  bool resolved; /* its first note's state */
  bool active;   /* matched by an active finding of this run */
} thread;

typedef struct threads {
  thread *items;
  size_t n, cap;
} threads;

static void on_discussion(void *arg, const cJSON *d) {
  threads *t = arg;
  const char *id = str_member(d, "id");
  const cJSON *notes = cJSON_GetObjectItemCaseSensitive(d, "notes");
  const cJSON *first = cJSON_IsArray(notes) ? cJSON_GetArrayItem(notes, 0) : NULL;
  const char *body = str_member(first, "body");
  char fp[17];
  if (!id || !*id || !body || strstr(body, QG_HOST_SUMMARY_MARKER) ||
      !qg_host_find_marker(body, fp))
    return;
  qg_grow((void **)&t->items, &t->cap, t->n + 1, sizeof(*t->items));
  thread *th = &t->items[t->n++];
  memcpy(th->fp, fp, sizeof(fp));
  th->id = qg_xstrdup(id);
  th->resolved = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(first, "resolved"));
  th->active = false;
}

/* The first discussion for fp that no finding has claimed yet; a second
 * one (two runs at once) stays unclaimed and is resolved as stale. */
static thread *claim(threads *t, const char *fp) {
  for (size_t i = 0; i < t->n; i++)
    if (!t->items[i].active && strcmp(t->items[i].fp, fp) == 0) {
      t->items[i].active = true;
      return &t->items[i];
    }
  return NULL;
}

/* ---- where a finding goes ------------------------------------------------------------------ */

/* The base-side number of HEAD-side line `line` when it is a context line of
 * f's hunks, else 0: GitLab places a note on an unchanged line only with both
 * numbers, which the hunk headers and their ' ', '+', '-' lines give. */
static uint32_t old_line_of(const qg_change_file *f, uint32_t line) {
  const char *p = f->patch;
  unsigned long oldn = 0, newn = 0;
  bool in_hunk = false;
  while (p && *p) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    if (len >= 2 && p[0] == '@' && p[1] == '@') {
      in_hunk = sscanf(p, "@@ -%lu%*[^+]+%lu", &oldn, &newn) == 2;
    } else if (in_hunk && len > 0 && p[0] == ' ') {
      if (newn == line)
        return (uint32_t)oldn;
      oldn++, newn++;
    } else if (in_hunk && len > 0 && p[0] == '+') {
      newn++;
    } else if (in_hunk && len > 0 && p[0] == '-') {
      oldn++;
    } /* '\' ("No newline at end of file") moves neither side */
    p = eol ? eol + 1 : p + len;
  }
  return 0;
}

typedef struct place {
  const char *new_path, *old_path;
  uint32_t new_line, old_line; /* old_line 0: an added line */
} place;

/* Where f can be discussed in the merge request's diff, or false. */
static bool placement(const qg_change *c, const qg_finding *f, place *p) {
  const char *path = qg_host_repo_path(f->loc.path);
  if (!c || !path || !f->loc.line)
    return false;
  const qg_change_file *file = qg_change_find(c, path);
  if (!file || file->status == 'D')
    return false;
  p->new_path = file->path;
  p->old_path = file->old_path ? file->old_path : file->path; /* renamed: the base path */
  /* the merge request's number for the line (a merged results pipeline checks out
   * the merge with the target branch) */
  p->new_line = qg_change_head_line(file, f->loc.line);
  p->old_line = 0;
  if (qg_change_added_line(file, p->new_line))
    return true;
  if (!qg_change_shows_line(file, p->new_line))
    return false;
  p->old_line = old_line_of(file, p->new_line);
  return p->old_line != 0;
}

/* "**HIGH** `rule-id`: message", the remediation, the marker. */
static char *finding_body(const qg_finding *f, size_t max_body) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "**");
  for (const char *s = qg_severity_name(f->severity); *s; s++)
    (void)qg_buf_putc(&b, (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s));
  (void)qg_buf_puts(&b, "** ");
  const char *id = f->rule && f->rule->id ? f->rule->id : "";
  qg_md_code(&b, id); /* a custom rule's id is configuration text */
  (void)qg_buf_puts(&b, ": ");
  qg_host_escape(&b, f->message, false);
  const char *fix = f->rule ? f->rule->remediation : NULL;
  if (fix && *fix) {
    (void)qg_buf_puts(&b, "\n\n");
    qg_host_escape(&b, fix, false);
  }
  char marker[48];
  qg_host_finding_marker(f, marker);
  static const char more[] = " \xe2\x80\xa6"; /* " …" */
  size_t tail = strlen(marker) + sizeof(more) + 2;
  if (b.len + tail > max_body) { /* a model's message can be long */
    b.len = clean_cut(b.data, max_body > tail ? max_body - tail : 0);
    b.data[b.len] = '\0';
    (void)qg_buf_puts(&b, more);
  }
  (void)qg_buf_printf(&b, "\n\n%s", marker);
  return qg_buf_detach(&b);
}

static cJSON *discussion_json(const qg_finding *f, const place *p, const refs *r, size_t max_body) {
  cJSON *o = cJSON_CreateObject();
  char *body = finding_body(f, max_body);
  cJSON_AddStringToObject(o, "body", body);
  free(body);
  cJSON *pos = cJSON_AddObjectToObject(o, "position");
  cJSON_AddStringToObject(pos, "position_type", "text");
  cJSON_AddStringToObject(pos, "base_sha", r->base);
  cJSON_AddStringToObject(pos, "start_sha", r->start);
  cJSON_AddStringToObject(pos, "head_sha", r->head);
  cJSON_AddStringToObject(pos, "new_path", p->new_path);
  cJSON_AddStringToObject(pos, "old_path", p->old_path);
  cJSON_AddNumberToObject(pos, "new_line", p->new_line);
  if (p->old_line) /* a context line; an added line has no base side */
    cJSON_AddNumberToObject(pos, "old_line", p->old_line);
  return o;
}

static void put_encoded(qg_buf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~')
      (void)qg_buf_putc(b, (char)c);
    else
      (void)qg_buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
  }
}

static long resolve(gl *g, const thread *th, bool resolved) {
  qg_buf path;
  qg_buf_init(&path, 0);
  (void)qg_buf_printf(&path, "%s/discussions/", g->mr);
  put_encoded(&path, th->id);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "resolved", resolved);
  long code = call_json(g, "PUT", path.data, o);
  qg_buf_cleanup(&path);
  return code;
}

/* The approval: GitLab answers a second approval with 401 and the
 * unapproval of what is not approved with 404, so the current user's state
 * (user_has_approved) is asked first and a re-run sends nothing. When that
 * cannot be read, the request goes anyway. */
static void verdict(gl *g, const qg_score *score, const refs *r) {
  if (score->decision == QG_DECISION_REVIEW)
    return;
  bool approve = score->decision == QG_DECISION_APPROVE;
  char *path = qg_xasprintf("%s/approvals", g->mr);
  cJSON *state = NULL;
  int has = -1;
  static const call_how probe = {-1, 0, NULL};
  if (ok2xx(call_ex(g, "GET", path, NULL, &probe, &state))) {
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(state, "user_has_approved");
    if (cJSON_IsBool(h))
      has = cJSON_IsTrue(h);
  }
  cJSON_Delete(state);
  free(path);
  bool done = true;
  if (approve && has != 1) {
    cJSON *o = cJSON_CreateObject();
    if (r->ok) /* approves what was checked: 409 if the merge request moved on */
      cJSON_AddStringToObject(o, "sha", r->head);
    char *text = print_body(o);
    path = qg_xasprintf("%s/approve", g->mr);
    static const call_how how = {0, 401,
                                 "(the token's user may not approve this merge request: it is "
                                 "its author, or not an eligible approver)"};
    done = ok2xx(call_ex(g, "POST", path, text, &how, NULL));
    free(path);
    free(text);
  } else if (!approve && has != 0) {
    path = qg_xasprintf("%s/unapprove", g->mr);
    static const call_how how = {404, 0, NULL}; /* 404: it was not approved */
    long code = call_ex(g, "POST", path, NULL, &how, NULL);
    done = ok2xx(code) || code == 404;
    free(path);
  }
  if (done)
    g->out->verdict = approve ? "approve" : "unapprove";
}

static bool seen_before(char (**fps)[17], size_t *n, size_t *cap, const char *fp) {
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*fps)[i], fp) == 0)
      return true;
  qg_grow((void **)fps, cap, *n + 1, sizeof(**fps));
  memcpy((*fps)[(*n)++], fp, 17);
  return false;
}

qg_status qg_gitlab_comment(const qg_host_ctx *ctx, const qg_report *rep, const qg_change *change,
                            const qg_comment_opts *opts_in, qg_comment_outcome *out) {
  qg_comment_opts opts = qg_host_opts(opts_in);
  gl g;
  memset(&g, 0, sizeof(g));
  g.ctx = ctx;
  g.out = out;
  g.st = QG_OK;
  g.red = opts.redactor;
  g.auth = qg_xasprintf("PRIVATE-TOKEN: %s", ctx->token ? ctx->token : "");
  g.http.timeout_ms = opts.timeout_ms;
  g.http.retries = opts.retries;
  g.http.backoff_ms = opts.backoff_ms;
  g.http.parallel = 1;
  g.http.deadline_ms = opts.deadline_ms;
  qg_buf mr;
  qg_buf_init(&mr, 0);
  (void)qg_buf_puts(&mr, "/projects/");
  put_encoded(&mr, ctx->repo ? ctx->repo : "");
  (void)qg_buf_printf(&mr, "/merge_requests/%lu", ctx->number);
  g.mr = qg_buf_detach(&mr);

  /* what is there */
  refs r;
  memset(&r, 0, sizeof(r));
  cJSON *mrj = NULL;
  static const call_how mr_how = {0, 404,
                                  "(check CI_PROJECT_ID and CI_MERGE_REQUEST_IID, and that the "
                                  "token's user can see the project)"};
  if (ok2xx(call_ex(&g, "GET", g.mr, NULL, &mr_how, &mrj)))
    read_refs(mrj, &r);
  cJSON_Delete(mrj);
  summary_note sn = {0, NULL};
  bool notes_ok = get_all(&g, "notes", "sort=asc&order_by=created_at&", on_note, &sn);
  threads th = {NULL, 0, 0};
  bool threads_ok = get_all(&g, "discussions", "", on_discussion, &th);

  /* the summary: edited in place, created only when the whole list said there
   * is none (a failed page must not lead to a second one) */
  char *body = qg_host_summary_body(rep, opts.max_body);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "body", body);
  if (sn.id && strcmp(sn.body, body) != 0) {
    char *path = qg_xasprintf("%s/notes/%lld", g.mr, sn.id);
    out->summary_updated = ok2xx(call_json(&g, "PUT", path, o));
    free(path);
  } else if (!sn.id && notes_ok) {
    char *path = qg_xasprintf("%s/notes", g.mr);
    out->summary_created = ok2xx(call_json(&g, "POST", path, o));
    free(path);
  } else {
    cJSON_Delete(o); /* unchanged, or unknown */
  }
  free(body);

  /* the findings: a new discussion only when the whole list was read, so a
   * re-run never repeats one */
  const qg_result *res = rep->result;
  char(*fps)[17] = NULL;
  size_t nfps = 0, capfps = 0;
  char *disc_path = qg_xasprintf("%s/discussions", g.mr);
  for (size_t i = 0; res && i < res->findings.n; i++) {
    const qg_finding *f = &res->findings.items[i];
    if (f->suppressed_by || f->in_base)
      continue;
    char fp[17];
    qg_finding_fingerprint(f, fp);
    if (seen_before(&fps, &nfps, &capfps, fp)) { /* the same fingerprint elsewhere: one thread */
      out->to_summary++;
      continue;
    }
    thread *t = claim(&th, fp);
    if (t) {
      out->inline_kept++;
      /* resolved, yet the finding is here: it came back (or someone resolved
       * it without fixing it), and reopening keeps the thread's history */
      if (t->resolved && ok2xx(resolve(&g, t, false)))
        t->resolved = false;
      continue;
    }
    place p;
    if (!r.ok || !threads_ok || !placement(change, f, &p)) {
      out->to_summary++;
    } else if (out->inline_created >= opts.max_inline) {
      out->over_cap++;
    } else if (ok2xx(call_json(&g, "POST", disc_path, discussion_json(f, &p, &r, opts.max_body)))) {
      out->inline_created++;
    } else {
      out->to_summary++;
    }
  }
  free(disc_path);
  free(fps);

  /* stale: qgate's discussions whose finding is gone (from a list read only in
   * part too: those seen are known to be stale) */
  for (size_t i = 0; i < th.n; i++) {
    if (!th.items[i].active && !th.items[i].resolved && ok2xx(resolve(&g, &th.items[i], true)))
      out->inline_removed++;
  }

  if (opts.verdict == QG_VERDICT_ON && rep->score)
    verdict(&g, rep->score, &r);

  for (size_t i = 0; i < th.n; i++)
    free(th.items[i].id);
  free(th.items);
  free(sn.body);
  free(g.mr);
  memset(g.auth, 0, strlen(g.auth));
  free(g.auth);
  return g.st;
}

/* ---- the answers' parsers alone (hosts/internal.h) ----------------------------------------- */

char *qg_gitlab_error_text(const char *body, size_t len) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "");
  reply_message(body, len, &b);
  return qg_buf_detach(&b);
}

bool qg_gitlab_refs_read(const char *body, size_t len) {
  cJSON *mr = cJSON_ParseWithLength(body, len);
  refs r;
  memset(&r, 0, sizeof(r));
  read_refs(mr, &r);
  cJSON_Delete(mr);
  return r.ok;
}

int qg_gitlab_page_read(const char *body, size_t len, bool discussions, long long *summary_id,
                        size_t *nthreads) {
  *summary_id = 0;
  *nthreads = 0;
  cJSON *list = cJSON_ParseWithLength(body, len);
  if (!cJSON_IsArray(list)) {
    cJSON_Delete(list);
    return -1;
  }
  summary_note sn = {0, NULL};
  threads th = {NULL, 0, 0};
  int n = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, list) {
    if (discussions)
      on_discussion(&th, item);
    else
      on_note(&sn, item);
    n++;
  }
  cJSON_Delete(list);
  *summary_id = sn.id;
  *nthreads = th.n;
  for (size_t i = 0; i < th.n; i++)
    free(th.items[i].id);
  free(th.items);
  free(sn.body);
  return n;
}
