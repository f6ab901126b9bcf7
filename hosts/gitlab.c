/* gitlab.c: merge request notes and discussions on GitLab (REST API v4).
 *
 * One run reads the merge request (its diff_refs hold the three SHAs every
 * diff position needs), its notes (the summary note is the oldest one with
 * the summary marker: edited in place, or created once) and its discussions
 * (qgate's are those whose first note holds a finding marker with the job's
 * comment id and whose author is the token's own user, GET /user). Then each
 * active finding on a line the change shows gets a discussion unless it has one
 * on the current diff version (an outdated one is answered by a new one; one
 * qgate resolved is reopened: the finding is back; one a person resolved stays
 * resolved), discussions whose finding is gone are resolved unless someone
 * replied, the summary note lists the findings left without a discussion
 * (refusals included), and the approval follows the score.
 *
 * Requests go one at a time: GitLab rate-limits note creation, and the order
 * of a run's requests is then the same every time (the tests rely on it). A
 * failure is recorded and the run goes on with what does not depend on it,
 * except when nothing answers or the token is refused (401): every later
 * request would fail the same way, after the same retries. */
#include "hosts/internal.h"
#include "core/escape.h"

#include "hosts/rest.h"
#include "scoring/score.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- context --------------------------------------------------------------------------- */

static bool has_control(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return true;
  return false;
}

static qg_status ctx_load(qg_host_ctx *out, char **why) {
  const char *iid = qg_host_env("CI_MERGE_REQUEST_IID");
  if (!iid)
    return qg_host_usage(why, "not a merge request pipeline: CI_MERGE_REQUEST_IID is not set "
                              "(run the job in merge request pipelines)");
  size_t digits = strspn(iid, "0123456789");
  if (iid[digits] || digits > 9 || strtoul(iid, NULL, 10) == 0)
    return qg_host_usage(why, "CI_MERGE_REQUEST_IID is not a merge request number");
  const char *api = qg_host_env("CI_API_V4_URL");
  if (!api)
    return qg_host_usage(why, "CI_API_V4_URL is not set (GitLab CI sets it, e.g. "
                              "https://gitlab.com/api/v4)");
  if ((strncmp(api, "https://", 8) != 0 && strncmp(api, "http://", 7) != 0) ||
      strpbrk(api, " \t") || has_control(api))
    return qg_host_usage(why, "CI_API_V4_URL is not an http:// or https:// URL");
  const char *project = qg_host_env("CI_PROJECT_ID");
  if (!project || has_control(project))
    return qg_host_usage(why, "CI_PROJECT_ID is not set (GitLab CI sets it to the project's id)");
  const char *token = qg_host_env("GITLAB_TOKEN");
  if (!token)
    return qg_host_usage(why, "GITLAB_TOKEN is not set: commenting needs a project or personal "
                              "access token with the api scope, as a masked CI/CD variable "
                              "(CI_JOB_TOKEN cannot write notes)");
  if (has_control(token))
    return qg_host_usage(why, "GITLAB_TOKEN holds a line break or another control character");
  static const char *const shas[] = {"CI_COMMIT_SHA", "CI_MERGE_REQUEST_DIFF_BASE_SHA",
                                     "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"};
  for (size_t i = 0; i < QG_ARRAY_LEN(shas); i++) {
    const char *v = qg_host_env(shas[i]);
    if (v && !qg_rest_commit_id(v))
      return qg_host_usage(why, "%s is not a commit id", shas[i]);
  }
  out->api_url = qg_xstrdup(api);
  for (size_t n = strlen(out->api_url); n > 0 && out->api_url[n - 1] == '/'; n--)
    out->api_url[n - 1] = '\0';
  out->repo = qg_xstrdup(project);
  out->number = strtoul(iid, NULL, 10);
  /* in a merged results pipeline CI_COMMIT_SHA is the merge with the target branch,
   * and the source branch's head is the merge request's */
  const char *head = qg_host_env("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"),
             *base = qg_host_env("CI_MERGE_REQUEST_DIFF_BASE_SHA");
  if (!head)
    head = qg_host_env("CI_COMMIT_SHA");
  out->head_sha = head ? qg_xstrdup(head) : NULL;
  out->base_sha = base ? qg_xstrdup(base) : NULL;
  out->token = qg_xstrdup(token);
  return QG_OK;
}

/* The merge request's base, for a default --base. */
static char *base_rev(const char **source) {
  const char *v = getenv("CI_MERGE_REQUEST_DIFF_BASE_SHA");
  if (!v || !qg_rest_commit_id(v))
    return NULL;
  *source = "CI_MERGE_REQUEST_DIFF_BASE_SHA";
  return qg_xstrdup(v);
}

/* ---- requests --------------------------------------------------------------------------- */

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
 * OAuth's {"error_description": ...}. "" when the reply says nothing usable.
 * Caller frees. */
static char *error_text(const char *body, size_t len) {
  qg_buf out;
  qg_buf_init(&out, 0);
  (void)qg_buf_puts(&out, "");
  qg_buf *b = &out;
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
  return qg_buf_detach(&out);
}

/* GitLab's REST API v4 to the helper. It rate-limits note creation: one request at a
 * time, and none after one that got no answer or a refused token (401): every later
 * request would fail the same way, after the same retries. */
static const qg_rest_api k_api = {
    .name = "GitLab",
    .auth = "PRIVATE-TOKEN: %s",
    .headers = NULL,
    .nheaders = 0,
    .per_page = 100,  /* GitLab's largest page */
    .max_pages = 200, /* 20000 notes: beyond it the list is treated as incomplete */
    .stop_on_refusal = true,
    .attempts_last = true,
    .error_text = error_text,
};

typedef struct gl {
  const qg_host_ctx *ctx;
  char *mr; /* "/projects/ID/merge_requests/IID": where every path starts */
  qg_comment_outcome *out;
  qg_rest rest;
  const char *id; /* the comment id in qgate's markers */
  int who;        /* the token's own user: 0 not asked yet, 1 self known, -1 unknown */
  long long self; /* its id (GET /user) */
} gl;

static long call(gl *g, const char *method, const char *path, const qg_rest_how *how,
                 cJSON **reply) {
  return qg_rest_call(&g->rest, method, path, NULL, how, reply);
}

/* Every item of the list at g->mr + "/" + what (qg_rest_list). */
static bool get_all(gl *g, const char *what, const char *query, qg_rest_item_fn each, void *arg) {
  char *path = qg_xasprintf("%s/%s", g->mr, what);
  bool ok = qg_rest_list(&g->rest, path, query, each, arg);
  free(path);
  return ok;
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
  if (!b || !s || !h || !qg_rest_commit_id(b) || !qg_rest_commit_id(s) || !qg_rest_commit_id(h))
    return;
  snprintf(r->base, sizeof(r->base), "%s", b);
  snprintf(r->start, sizeof(r->start), "%s", s);
  snprintf(r->head, sizeof(r->head), "%s", h);
  r->ok = true;
}

/* A JSON number that is a usable id (JSON holds 2^53 exactly; a larger one, up to
 * infinity (1e400), would not convert to long long), or 0. */
static long long id_of(const cJSON *id) {
  if (!cJSON_IsNumber(id) || !(id->valuedouble >= 1) || id->valuedouble > 9007199254740992.0)
    return 0;
  return (long long)id->valuedouble;
}

static long long author_of(const cJSON *note) {
  return id_of(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(note, "author"), "id"));
}

#define GL_CANDIDATES_MAX 1000 /* notes holding the summary marker: past them, not read */

/* The notes with qgate's summary marker and id, oldest first: th->num the note's id,
 * th->author_id its author's, th->id its body (owned). */
typedef struct summary_note {
  char marker[QG_HOST_MARKER_MAX];
  qg_host_threads cands;
} summary_note;

static void on_note(void *arg, const cJSON *n) {
  summary_note *s = arg;
  const char *body = str_member(n, "body");
  long long id = id_of(cJSON_GetObjectItemCaseSensitive(n, "id"));
  if (!id || !body || !strstr(body, s->marker) || s->cands.n >= GL_CANDIDATES_MAX)
    return;
  qg_host_thread *th = qg_host_threads_add(&s->cands, "");
  th->num = id;
  th->author_id = author_of(n);
  th->id = qg_xstrdup(body);
}

/* What the discussions' listing collects: qgate's candidates (a first note with its
 * finding marker and id), with whether someone else answered, and whether a push
 * left their position off the current diff version (refs). */
typedef struct disc_find {
  const char *id;
  const refs *r;
  qg_host_threads t;
  const qg_comment_opts *o; /* what the review looked at (qg_host_unreviewed); NULL: all */
} disc_find;

static void on_discussion(void *arg, const cJSON *d) {
  disc_find *df = arg;
  const char *id = str_member(d, "id");
  const cJSON *notes = cJSON_GetObjectItemCaseSensitive(d, "notes");
  const cJSON *first = cJSON_IsArray(notes) ? cJSON_GetArrayItem(notes, 0) : NULL;
  const char *body = str_member(first, "body");
  char fp[17];
  if (!id || !*id || !body || strstr(body, QG_HOST_SUMMARY_MARKER) ||
      !qg_host_find_marker(body, df->id, fp))
    return;
  qg_host_thread *th = qg_host_threads_add(&df->t, fp);
  th->id = qg_xstrdup(id);
  th->resolved = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(first, "resolved"));
  th->author_id = author_of(first);
  th->resolver = id_of(cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(first, "resolved_by"), "id"));
  const cJSON *n;
  int i = 0;
  cJSON_ArrayForEach(n, notes) {
    if (i++ && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "system")) &&
        author_of(n) != th->author_id)
      th->replied = true;
  }
  /* GitLab moves a note's position to each new diff version while its line is there;
   * a push that changed the line leaves it on an older version: outdated */
  const cJSON *pos = cJSON_GetObjectItemCaseSensitive(first, "position");
  th->unreviewed = qg_host_unreviewed(df->o, str_member(pos, "new_path"), body);
  const char *head = str_member(pos, "head_sha");
  th->outdated = head && df->r && df->r->ok && strcmp(head, df->r->head) != 0;
}

/* The token's own user (GET /user), asked once and only when a note with qgate's
 * marker and id is there to be touched. */
static void learn_self(gl *g) {
  if (g->who)
    return;
  cJSON *me = NULL;
  g->who = -1;
  if (qg_rest_ok(qg_rest_call(&g->rest, "GET", "/user", NULL, NULL, &me))) {
    g->self = id_of(cJSON_GetObjectItemCaseSensitive(me, "id"));
    g->who = g->self ? 1 : -1;
  }
  cJSON_Delete(me);
}

static bool own_thread(void *ud, const qg_host_thread *th) {
  const gl *g = ud;
  return g->who == 1 && th->author_id == g->self;
}

/* Keeps the candidates of t whose author is the token's own user. */
static void keep_own(gl *g, qg_host_threads *t) {
  if (!t->n)
    return;
  learn_self(g);
  qg_host_threads_keep(t, own_thread, g);
}

/* The first discussion for fp on the current diff that no finding has claimed yet; a
 * second one (two runs at once) stays unclaimed and is resolved as stale. Outdated
 * ones for fp are marked active (the finding is there: not stale) and not claimed:
 * a new discussion on the current line answers them. */
static qg_host_thread *claim(qg_host_threads *t, const char *fp) {
  qg_host_thread *got = NULL;
  for (size_t i = 0; i < t->n; i++) {
    qg_host_thread *x = &t->items[i];
    if (strcmp(x->fp, fp) != 0 || x->claimed)
      continue;
    if (x->outdated) {
      x->active = true;
    } else if (!got) {
      x->active = x->claimed = true;
      got = x;
    }
  }
  return got;
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

static cJSON *discussion_json(const qg_finding *f, const char *id, const place *p, const refs *r,
                              size_t max_body) {
  cJSON *o = cJSON_CreateObject();
  char *body = qg_host_finding_body(f, id, NULL, max_body);
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

static long resolve(gl *g, const qg_host_thread *th, bool resolved) {
  qg_buf path;
  qg_buf_init(&path, 0);
  (void)qg_buf_printf(&path, "%s/discussions/", g->mr);
  put_encoded(&path, th->id);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "resolved", resolved);
  long code = qg_rest_send(&g->rest, "PUT", path.data, o, NULL);
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
  static const qg_rest_how probe = {-1, 0, NULL};
  if (qg_rest_ok(call(g, "GET", path, &probe, &state))) {
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
    path = qg_xasprintf("%s/approve", g->mr);
    static const qg_rest_how how = {0, 401,
                                    "(the token's user may not approve this merge request: it is "
                                    "its author, or not an eligible approver)"};
    done = qg_rest_ok(qg_rest_send(&g->rest, "POST", path, o, &how));
    free(path);
  } else if (!approve && has != 0) {
    path = qg_xasprintf("%s/unapprove", g->mr);
    static const qg_rest_how how = {404, 0, NULL}; /* 404: it was not approved */
    long code = call(g, "POST", path, &how, NULL);
    done = qg_rest_ok(code) || code == 404;
    free(path);
  }
  if (done)
    g->out->verdict = approve ? "approve" : "unapprove";
}

/* ---- writes that must not be made twice, and refused positions --------------------------- */

typedef struct gl_check {
  gl *g;
  const char *fp;               /* a discussion's fingerprint; NULL: the summary note */
  const qg_host_threads *known; /* the discussions there before this run */
  long long note_id;            /* the summary note found */
} gl_check;

/* Whether discussion id was there before this run. */
static bool known_before(const qg_host_threads *known, const char *id) {
  for (size_t i = 0; known && i < known->n; i++)
    if (known->items[i].id && strcmp(known->items[i].id, id) == 0)
      return true;
  return false;
}

/* After a lost answer: whether the note or the discussion is there, by the rules of
 * every note qgate touches: its marker with qgate's id, and the token's own user as
 * its author (a person's note quoting the marker is not qgate's); a discussion there
 * before this run (an outdated one of the same finding) is not the one just posted.
 * -1 when that cannot be told (the list, or the token's user, unknown). */
static int gl_stored(qg_rest *r, void *ud) {
  gl_check *c = ud;
  (void)r;
  if (!c->fp) {
    summary_note sn;
    memset(&sn, 0, sizeof(sn));
    qg_host_summary_marker(c->g->id, sn.marker);
    bool ok = get_all(c->g, "notes", "sort=asc&order_by=created_at&", on_note, &sn);
    bool any = sn.cands.n > 0;
    if (ok)
      keep_own(c->g, &sn.cands);
    long long id = ok && sn.cands.n ? sn.cands.items[0].num : 0;
    qg_host_threads_free(&sn.cands);
    c->note_id = id;
    return !ok || (any && c->g->who != 1) ? -1 : id ? 1 : 0;
  }
  disc_find df = {c->g->id, NULL, {0}, NULL};
  bool ok = get_all(c->g, "discussions", "", on_discussion, &df);
  bool any = df.t.n > 0;
  if (ok)
    keep_own(c->g, &df.t);
  bool found = false;
  for (size_t i = 0; i < df.t.n && !found; i++)
    found = strcmp(df.t.items[i].fp, c->fp) == 0 && !known_before(c->known, df.t.items[i].id);
  qg_host_threads_free(&df.t);
  return !ok || (any && c->g->who != 1) ? -1 : found ? 1 : 0;
}

/* POSTs the summary note o (deleted): its id (0: not posted), never twice. */
static long long create_note(gl *g, cJSON *o) {
  char *path = qg_xasprintf("%s/notes", g->mr);
  char *text = qg_json_print(o, false);
  cJSON *reply = NULL;
  gl_check c = {g, NULL, NULL, 0};
  long code = qg_rest_create(&g->rest, path, text, NULL, &reply, gl_stored, &c);
  long long id = 0;
  if (qg_rest_ok(code)) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(reply, "id");
    id = cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 9007199254740992.0
             ? (long long)v->valuedouble
         : c.note_id ? c.note_id
                     : -1; /* posted, its id unknown */
  }
  cJSON_Delete(reply);
  free(text);
  free(path);
  return id;
}

/* POSTs f's discussion o (deleted), never twice: 1 posted, 0 GitLab refused its position
 * (400: no failure), -2 refused otherwise (another 4xx: a failure), -1 failed. The caller
 * lists the finding in the summary, "refused by the host" for 0 and -2. */
static int create_discussion(gl *g, const char *path, const qg_finding *f, const char *fp,
                             const qg_host_threads *known, cJSON *o) {
  char *text = qg_json_print(o, false);
  gl_check c = {g, fp, known, 0};
  static const qg_rest_how refused = {400, 0, NULL};
  long code = qg_rest_create(&g->rest, path, text, &refused, NULL, gl_stored, &c);
  free(text);
  if (qg_rest_ok(code))
    return 1;
  if (code != 400)
    return code >= 400 && code < 500 ? -2 : -1;
  qg_comment_refused_add(g->out, f); /* and the caller lists it in the summary */
  if (!g->out->refused_why)
    g->out->refused_why = qg_xstrdup(g->rest.refusal ? g->rest.refusal : "HTTP 400");
  return 0;
}

#define GL_NOTE_MAX 1000000u /* GitLab refuses a note of more characters */

/* The summary: edited in place, created only when the whole list said there is none (a
 * failed page must not lead to a second one, nor a token whose user is unknown:
 * create_note could not tell it stored after a lost answer). It lists left, the findings without a
 * discussion, each linked to its file at the merge request's head (CI_PROJECT_URL), and
 * names the job (CI_JOB_URL) for the full report. */
static void post_summary(gl *g, const qg_report *rep, long long sum_id, const char *sum_body,
                         bool notes_ok, const qg_host_lefts *left, const refs *r,
                         const char *reviewed_head) {
  /* the head recorded: this run's, else the one the summary held */
  char prev[65] = "";
  if (!reviewed_head && sum_id && qg_host_read_reviewed_head(sum_body, g->id, prev))
    reviewed_head = prev;
  const char *project = qg_host_env("CI_PROJECT_URL"), *head = r->ok ? r->head : g->ctx->head_sha;
  char *file_url = project && head ? qg_xasprintf("%s/-/blob/%s/", project, head) : NULL;
  qg_host_summary in = {
      .rep = rep,
      .id = g->id,
      .left = left,
      .host = "GitLab",
      .file_url = file_url,
      .report_url = qg_host_env("CI_JOB_URL"),
      .report_what = "the job",
      .report_also = "in the merge request's Code Quality widget where the job uploads the "
                     "codequality report",
      .max_body = GL_NOTE_MAX,
      .reviewed_head = reviewed_head,
  };
  char *body = qg_host_summary_body(&in, NULL);
  free(file_url);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "body", body);
  if (sum_id && strcmp(sum_body, body) != 0) {
    char *path = qg_xasprintf("%s/notes/%lld", g->mr, sum_id);
    g->out->summary_updated = qg_rest_ok(qg_rest_send(&g->rest, "PUT", path, o, NULL));
    free(path);
  } else if (!sum_id && notes_ok && g->who != -1) {
    g->out->summary_created = create_note(g, o) != 0;
  } else {
    cJSON_Delete(o); /* unchanged, or unknown */
  }
  free(body);
}

static bool seen_before(char (**fps)[17], size_t *n, size_t *cap, const char *fp) {
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*fps)[i], fp) == 0)
      return true;
  qg_grow((void **)fps, cap, *n + 1, sizeof(**fps));
  memcpy((*fps)[(*n)++], fp, 17);
  return false;
}

/* Sets g up for the merge request of ctx: its REST client and its path. g->mr is owned (free). */
static void gl_open(gl *g, const qg_host_ctx *ctx, const qg_comment_opts *opts,
                    qg_comment_outcome *out) {
  memset(g, 0, sizeof(*g));
  g->ctx = ctx;
  g->out = out;
  g->id = opts->id ? opts->id : "qgate";
  qg_rest_init(&g->rest, &k_api, ctx, opts);
  qg_buf mr;
  qg_buf_init(&mr, 0);
  (void)qg_buf_puts(&mr, "/projects/");
  put_encoded(&mr, ctx->repo ? ctx->repo : "");
  (void)qg_buf_printf(&mr, "/merge_requests/%lu", ctx->number);
  g->mr = qg_buf_detach(&mr);
}

static qg_status comment(const qg_host_ctx *ctx, const qg_report *rep, const qg_change *change,
                         const qg_comment_opts *optsp, qg_comment_outcome *out) {
  qg_comment_opts opts = *optsp;
  gl g;
  gl_open(&g, ctx, &opts, out);

  /* what is there */
  refs r;
  memset(&r, 0, sizeof(r));
  cJSON *mrj = NULL;
  static const qg_rest_how mr_how = {0, 404,
                                     "(check CI_PROJECT_ID and CI_MERGE_REQUEST_IID, and that the "
                                     "token's user can see the project)"};
  if (qg_rest_ok(call(&g, "GET", g.mr, &mr_how, &mrj)))
    read_refs(mrj, &r);
  cJSON_Delete(mrj);
  summary_note sn;
  memset(&sn, 0, sizeof(sn));
  qg_host_summary_marker(g.id, sn.marker);
  bool notes_ok = get_all(&g, "notes", "sort=asc&order_by=created_at&", on_note, &sn);
  disc_find df = {g.id, &r, {0}, &opts};
  bool threads_ok = get_all(&g, "discussions", "", on_discussion, &df);
  /* qgate's own only: a person's note quoting a marker, or one that carries qgate's
   * id in another author's name, is never edited nor resolved */
  keep_own(&g, &sn.cands);
  keep_own(&g, &df.t);
  qg_host_threads th = df.t;
  long long sum_id = sn.cands.n ? sn.cands.items[0].num : 0;
  const char *sum_body = sn.cands.n ? sn.cands.items[0].id : NULL;

  /* the findings: a new discussion only when the whole list was read, so a
   * re-run never repeats one */
  const qg_result *res = rep->result;
  qg_host_lefts left = {0};
  char(*fps)[17] = NULL;
  size_t nfps = 0, capfps = 0;
  char *disc_path = qg_xasprintf("%s/discussions", g.mr);
  size_t at = 0;
  char fp[17];
  for (const qg_finding *f; (f = qg_host_next_active(res, &at, fp)) != NULL;) {
    if (seen_before(&fps, &nfps, &capfps, fp)) { /* the same fingerprint elsewhere: one thread */
      out->to_summary++;
      qg_host_left_add(&left, f, QG_HOST_LEFT_DUPLICATE);
      continue;
    }
    qg_host_thread *t = claim(&th, fp);
    if (t) {
      out->inline_kept++;
      /* resolved by qgate (stale then), yet the finding is here: it came back, and
       * reopening keeps the thread's history; a thread a person resolved stays
       * resolved, it was their decision */
      if (t->resolved && t->resolver == g.self && g.who == 1 && qg_rest_ok(resolve(&g, t, false)))
        t->resolved = false;
      continue;
    }
    place p;
    long code = 0;
    if (!r.ok || !threads_ok || !placement(change, f, &p)) {
      out->to_summary++;
      qg_host_left_add(&left, f, threads_ok ? QG_HOST_LEFT_OUTSIDE : QG_HOST_LEFT_FAILED);
    } else if (out->inline_created >= opts.max_inline) {
      out->over_cap++;
      qg_host_left_add(&left, f, QG_HOST_LEFT_OVER_CAP);
    } else if ((code = create_discussion(&g, disc_path, f, fp, &th,
                                         discussion_json(f, g.id, &p, &r, opts.max_body))) == 1) {
      out->inline_created++;
    } else {
      out->to_summary++;
      qg_host_left_add(&left, f, code == -1 ? QG_HOST_LEFT_FAILED : QG_HOST_LEFT_REFUSED);
    }
  }
  free(disc_path);
  free(fps);

  /* after the discussions: the summary lists what has none, refusals too */
  post_summary(&g, rep, sum_id, sum_body, notes_ok, &left, &r, opts.reviewed_head);
  qg_host_lefts_free(&left);

  /* stale: qgate's discussions whose finding is gone (from a list read only in
   * part too: those seen are known to be stale), never one where someone else
   * answered (a person's discussion now) */
  for (size_t i = 0; i < th.n; i++) {
    if (!th.items[i].active && !th.items[i].resolved && !th.items[i].replied &&
        !th.items[i].unreviewed && qg_rest_ok(resolve(&g, &th.items[i], true)))
      out->inline_removed++;
  }

  if (opts.verdict == QG_VERDICT_ON && rep->score)
    verdict(&g, rep->score, &r);

  qg_host_threads_free(&th);
  qg_host_threads_free(&sn.cands);
  free(g.mr);
  return qg_rest_end(&g.rest, out);
}

/* The reviewed head of qgate's own summary note, found as comment finds it. */
static qg_status reviewed_head(const qg_host_ctx *ctx, const qg_comment_opts *opts, char out[65],
                               char **error) {
  qg_comment_outcome res;
  memset(&res, 0, sizeof(res));
  gl g;
  gl_open(&g, ctx, opts, &res);
  summary_note sn;
  memset(&sn, 0, sizeof(sn));
  qg_host_summary_marker(g.id, sn.marker);
  if (get_all(&g, "notes", "sort=asc&order_by=created_at&", on_note, &sn)) {
    keep_own(&g, &sn.cands);
    if (sn.cands.n && !qg_host_read_reviewed_head(sn.cands.items[0].id, g.id, out))
      out[0] = '\0';
  }
  qg_host_threads_free(&sn.cands);
  free(g.mr);
  qg_status st = qg_rest_end(&g.rest, &res);
  *error = res.error;
  res.error = NULL;
  qg_comment_outcome_cleanup(&res);
  return st;
}

const qg_host qg_host_gitlab = {"gitlab", "GitLab", ctx_load, base_rev, comment, reviewed_head};

/* ---- the answers' parsers alone (hosts/internal.h) ----------------------------------------- */

char *qg_gitlab_error_text(const char *body, size_t len) { return error_text(body, len); }

void qg_gitlab_error_put(char *dst, size_t cap, char *text, const char *token) {
  char *s = qg_rest_scrub(NULL, token, text, (size_t)-1); /* as long as text: masked in place */
  memcpy(text, s, strlen(s));
  free(s);
  size_t n = strlen(text);
  if (n >= cap)
    n = qg_rest_cut(text, cap - 1);
  memcpy(dst, text, n);
  dst[n] = '\0';
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
  summary_note sn = {{0}, {0}};
  disc_find df = {"qgate", NULL, {0}, NULL};
  qg_host_summary_marker("qgate", sn.marker);
  *summary_id = 0;
  *nthreads = 0;
  cJSON *list = qg_host_parse_array(body, len);
  if (!list)
    return -1;
  int n = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, list) {
    if (discussions)
      on_discussion(&df, item);
    else
      on_note(&sn, item);
    n++;
  }
  cJSON_Delete(list);
  *summary_id = sn.cands.n ? sn.cands.items[0].num : 0;
  *nthreads = df.t.n;
  qg_host_threads_free(&df.t);
  qg_host_threads_free(&sn.cands);
  return n;
}
