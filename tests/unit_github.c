/* unit_github.c: pull request comments on GitHub against the scripted server on
 * 127.0.0.1: the context from the Actions environment, the summary found and edited
 * in place, inline comments in one review with their markers, suggestions, stale
 * comments deleted, the verdict, the caps, and the errors GitHub answers with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include "core/http.h"
#include "core/mem.h"
#include "hosts/internal.h"
#include "rules/rule.h"
#include "scoring/score.h"
#include "tests/mockhttp.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN "ghs_unitTESTtoken0123456789"
#define HEAD "1111111111111111111111111111111111111111"
#define BASE "2222222222222222222222222222222222222222"

/* deploy/pod.yaml as the pull request leaves it; lines 7-12 are in its hunk */
static const char k_pod[] = "apiVersion: v1\n"           /* 1 */
                            "kind: Pod\n"                /* 2 */
                            "metadata:\n"                /* 3 */
                            "  name: api\n"              /* 4 */
                            "spec:\n"                    /* 5 */
                            "  containers:\n"            /* 6 */
                            "    - name: app\n"          /* 7 */
                            "      image: app:1\n"       /* 8 */
                            "      securityContext:\n"   /* 9 */
                            "        privileged: true\n" /* 10 */
                            "    - name: side\n"         /* 11 */
                            "      image: side:1\n";     /* 12 */

typedef struct world {
  char dir[PATH_MAX], cwd[PATH_MAX];
  mock_server *srv;
  qg_host_ctx ctx;
  qg_result r;
  qg_ruleset rs;
  qg_report rep;
  qg_change ch;
  qg_score score;
  qg_comment_opts opts;
  qg_comment_outcome out;
} world;

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* A fresh directory with deploy/pod.yaml, a server, the context and an empty report
 * whose change shows lines 7-12 of deploy/pod.yaml. */
static world *world_new(void) {
  world *w = qg_xcalloc(1, sizeof(*w));
  assert_non_null(getcwd(w->cwd, sizeof(w->cwd)));
  snprintf(w->dir, sizeof(w->dir), "/tmp/qgate-unit-github-XXXXXX");
  assert_non_null(mkdtemp(w->dir));
  assert_int_equal(chdir(w->dir), 0);
  assert_int_equal(mkdir("deploy", 0755), 0);
  write_file("deploy/pod.yaml", k_pod);
  w->srv = mock_start();
  assert_non_null(w->srv);
  w->ctx.host = qg_host_find("github");
  w->ctx.api_url = qg_xasprintf("http://127.0.0.1:%d", mock_port(w->srv));
  w->ctx.repo = qg_xstrdup("o/r");
  w->ctx.number = 7;
  w->ctx.head_sha = qg_xstrdup(HEAD);
  w->ctx.base_sha = qg_xstrdup(BASE);
  w->ctx.token = qg_xstrdup(TOKEN);
  qg_result_init(&w->r);
  qg_ruleset_init(&w->rs);
  w->rep.result = &w->r;
  w->rep.rules = &w->rs;
  w->rep.command = "k8s";
  w->ch.n = 1;
  w->ch.files = qg_xcalloc(1, sizeof(*w->ch.files));
  qg_change_file *cf = &w->ch.files[0];
  cf->path = qg_xstrdup("deploy/pod.yaml");
  cf->status = 'M';
  cf->nlines = 6;
  cf->lines = qg_xcalloc(6, sizeof(*cf->lines));
  for (uint32_t i = 0; i < 6; i++)
    cf->lines[i] = 7 + i;
  w->opts.retries = -1; /* a test that wants retries says so */
  w->opts.backoff_ms = 1;
  w->opts.timeout_ms = 5000;
  return w;
}

static void world_free(world *w) {
  mock_stop(w->srv);
  qg_comment_outcome_cleanup(&w->out);
  qg_host_ctx_cleanup(&w->ctx);
  qg_result_cleanup(&w->r);
  qg_ruleset_cleanup(&w->rs);
  qg_change_cleanup(&w->ch);
  assert_int_equal(chdir(w->cwd), 0);
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
  assert_int_equal(system(cmd), 0);
  free(w);
}

static qg_finding *add(world *w, const char *container, uint32_t line, const char *message) {
  const qg_rule *rule = qg_rule_find("pss/privileged");
  assert_non_null(rule);
  qg_location loc = {"deploy/pod.yaml", line, 9, 0, 0};
  qg_context cx = {"v1",  "Pod",     NULL,
                   "api", container, "spec.containers[app].securityContext.privileged"};
  return qg_result_add_finding(&w->r, rule, QG_SEV_HIGH, &loc, &cx, qg_xstrdup(message));
}

/* One edit for f's fix; the fix is created on the first call. */
static void add_edit(qg_finding *f, uint32_t line, uint32_t col, uint32_t end_line,
                     uint32_t end_col, const char *text) {
  if (!f->fix) {
    f->fix = qg_xcalloc(1, sizeof(*f->fix));
    f->fix->description = qg_xstrdup("Set privileged: false");
  }
  f->fix->edits = qg_xrealloc(f->fix->edits, (f->fix->n + 1) * sizeof(*f->fix->edits));
  f->fix->edits[f->fix->n++] = (qg_edit){line, col, end_line, end_col, qg_xstrdup(text)};
}

static void respond(world *w, const char *method, const char *path, const char *raw) {
  mock_add_response(w->srv, method, path, raw);
}

#define OK_LIST(json) "HTTP/1.1 200 OK\nContent-Type: application/json\n\n" json
#define CREATED "HTTP/1.1 201 Created\nContent-Type: application/json\n\n{\"id\": 99}"
#define ISSUE_COMMENTS "/repos/o/r/issues/7/comments"
#define REVIEW_COMMENTS "/repos/o/r/pulls/7/comments"
#define REVIEWS "/repos/o/r/pulls/7/reviews"

static qg_status run(world *w) {
  qg_comment_outcome_cleanup(&w->out); /* a world's earlier run */
  return qg_host_comment(&w->ctx, &w->rep, &w->ch, &w->opts, &w->out);
}

static const mock_request *req(world *w, size_t i) {
  assert_true(i < mock_nrequests(w->srv));
  return mock_request_at(w->srv, i);
}

static void assert_request(world *w, size_t i, const char *method, const char *path) {
  const mock_request *rq = req(w, i);
  if (strcmp(rq->method, method) != 0 || strcmp(rq->path, path) != 0)
    fail_msg("request %zu: %s %s, expected %s %s", i + 1, rq->method, rq->path, method, path);
  assert_false(rq->unexpected);
}

static cJSON *req_json(world *w, size_t i) {
  const mock_request *rq = req(w, i);
  cJSON *j = cJSON_ParseWithLength(rq->body, rq->len);
  assert_non_null(j);
  return j;
}

static const char *str_at(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  assert_true(cJSON_IsString(v));
  return v->valuestring;
}

static int int_at(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  assert_true(cJSON_IsNumber(v));
  return v->valueint;
}

static void marker_of(const qg_finding *f, char out[QG_HOST_MARKER_MAX]) {
  qg_host_finding_marker(f, "qgate", out);
}

/* ---- the context ------------------------------------------------------------------------ */

static void clear_env(void) {
  const char *vars[] = {"GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH",
                        "GITHUB_EVENT_NAME", "GITHUB_TOKEN"};
  for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
    unsetenv(vars[i]);
}

static void expect_ctx_error(const char *needle) {
  qg_host_ctx c;
  char *err = NULL;
  assert_int_equal(qg_host_ctx_load(qg_host_find("github"), &c, &err), QG_EUSAGE);
  if (!strstr(err, needle))
    fail_msg("error '%s' does not name '%s'", err, needle);
  assert_null(strstr(err, TOKEN));
  assert_null(c.token);
  free(err);
}

static void test_ctx(void **state) {
  (void)state;
  char dir[] = "/tmp/qgate-unit-gh-ctx-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *pr = qg_xasprintf("%s/pr.json", dir), *push = qg_xasprintf("%s/push.json", dir);
  char *bad = qg_xasprintf("%s/bad.json", dir);
  write_file(pr, "{\"action\":\"opened\",\"number\":42,\"pull_request\":{\"number\":42,"
                 "\"head\":{\"sha\":\"" HEAD "\"},\"base\":{\"sha\":\"" BASE "\"}}}");
  write_file(push, "{\"ref\":\"refs/heads/main\",\"after\":\"" HEAD "\"}");
  write_file(bad, "{\"pull_request\":{\"number\":42,\"head\":{\"sha\":\"main\"},"
                  "\"base\":{\"sha\":\"" BASE "\"}}}");
  clear_env();
  expect_ctx_error("GITHUB_REPOSITORY");
  setenv("GITHUB_REPOSITORY", "octo/../x", 1);
  expect_ctx_error("GITHUB_REPOSITORY is not owner/name");
  setenv("GITHUB_REPOSITORY", "octo-org/hello.world", 1);
  expect_ctx_error("GITHUB_EVENT_PATH");
  setenv("GITHUB_EVENT_PATH", push, 1);
  setenv("GITHUB_EVENT_NAME", "push", 1);
  expect_ctx_error("GITHUB_EVENT_NAME");
  setenv("GITHUB_EVENT_PATH", bad, 1);
  expect_ctx_error("pull_request.head.sha");
  setenv("GITHUB_EVENT_PATH", pr, 1);
  setenv("GITHUB_EVENT_NAME", "pull_request", 1);
  expect_ctx_error("GITHUB_TOKEN");
  setenv("GITHUB_TOKEN", TOKEN "\nX-Evil: 1", 1);
  expect_ctx_error("GITHUB_TOKEN");
  setenv("GITHUB_API_URL", "ftp://ghe.example.com", 1);
  expect_ctx_error("GITHUB_API_URL");

  setenv("GITHUB_TOKEN", TOKEN, 1);
  setenv("GITHUB_API_URL", "https://ghe.example.com/api/v3/", 1);
  qg_host_ctx c;
  char *err = NULL;
  assert_int_equal(qg_host_ctx_load(qg_host_find("github"), &c, &err), QG_OK);
  assert_string_equal(c.api_url, "https://ghe.example.com/api/v3");
  assert_string_equal(c.repo, "octo-org/hello.world");
  assert_int_equal(c.number, 42);
  assert_string_equal(c.head_sha, HEAD);
  assert_string_equal(c.base_sha, BASE);
  assert_string_equal(c.token, TOKEN);
  qg_host_ctx_cleanup(&c);
  unsetenv("GITHUB_API_URL"); /* the default */
  assert_int_equal(qg_host_ctx_load(qg_host_find("github"), &c, &err), QG_OK);
  assert_string_equal(c.api_url, "https://api.github.com");
  qg_host_ctx_cleanup(&c);
  clear_env();
  unlink(pr);
  unlink(push);
  unlink(bad);
  rmdir(dir);
  free(pr);
  free(push);
  free(bad);
}

/* ---- a first run and a second one ------------------------------------------------------- */

static void test_first_run_creates(void **state) {
  (void)state;
  world *w = world_new();
  add(w, "app", 10, "privileged: container \"app\" sets @octo-org/admins <img src=x> `x`");
  add(w, "side", 4, "on a line the pull request does not show");
  qg_finding *s = add(w, "sup", 10, "suppressed");
  s->suppressed_by = "qgate.io/ignore";
  qg_finding *b = add(w, "base", 10, "in the base");
  b->in_base = true;
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", REVIEWS, "HTTP/1.1 200 OK\n\n{\"id\": 5}");
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.error);
  assert_true(w->out.summary_created);
  assert_false(w->out.summary_updated);
  assert_int_equal(w->out.inline_created, 1);
  assert_int_equal(w->out.to_summary, 1);
  assert_int_equal(w->out.inline_kept + w->out.inline_removed + w->out.over_cap, 0);
  assert_null(w->out.verdict);
  assert_int_equal(mock_nrequests(w->srv), 4);
  assert_request(w, 0, "GET", ISSUE_COMMENTS "?per_page=100&page=1");
  assert_request(w, 1, "GET", REVIEW_COMMENTS "?per_page=100&page=1");
  assert_request(w, 2, "POST", REVIEWS);
  assert_request(w, 3, "POST", ISSUE_COMMENTS); /* last: it lists what has no comment */
  for (size_t i = 0; i < 4; i++) {
    const mock_request *rq = req(w, i);
    assert_string_equal(mock_header_value(rq, "authorization"), "Bearer " TOKEN);
    assert_string_equal(mock_header_value(rq, "accept"), "application/vnd.github+json");
    assert_string_equal(mock_header_value(rq, "x-github-api-version"), "2022-11-28");
    assert_non_null(strstr(mock_header_value(rq, "user-agent"), "qgate/"));
    if (rq->len)
      assert_string_equal(mock_header_value(rq, "content-type"), "application/json");
  }
  cJSON *sum = req_json(w, 3);
  assert_true(
      strncmp(str_at(sum, "body"), QG_HOST_SUMMARY_MARKER, strlen(QG_HOST_SUMMARY_MARKER)) == 0);
  cJSON_Delete(sum);
  cJSON *rv = req_json(w, 2);
  assert_string_equal(str_at(rv, "commit_id"), HEAD);
  assert_string_equal(str_at(rv, "event"), "COMMENT");
  assert_string_equal(str_at(rv, "body"), "qgate: 1 new finding on the changed lines.");
  cJSON *cs = cJSON_GetObjectItemCaseSensitive(rv, "comments");
  assert_int_equal(cJSON_GetArraySize(cs), 1);
  cJSON *c = cJSON_GetArrayItem(cs, 0);
  assert_string_equal(str_at(c, "path"), "deploy/pod.yaml");
  assert_int_equal(int_at(c, "line"), 10);
  assert_string_equal(str_at(c, "side"), "RIGHT");
  assert_null(cJSON_GetObjectItemCaseSensitive(c, "start_line"));
  char marker[QG_HOST_MARKER_MAX];
  marker_of(&w->r.findings.items[0], marker);
  const char *body = str_at(c, "body");
  /* the remediation goes through the escaper too: compare the parts */
  assert_true(strncmp(body,
                      "**HIGH** `pss/privileged`: privileged: container \"app\" sets "
                      "@\xe2\x80\x8docto-org/admins &lt;img src=x&gt; \\`x\\`\n\n",
                      strlen("**HIGH** `pss/privileged`: privileged: container \"app\" sets "
                             "@\xe2\x80\x8docto-org/admins &lt;img src=x&gt; \\`x\\`\n\n")) == 0);
  assert_non_null(strstr(body, marker));
  assert_null(strstr(body, "```suggestion")); /* no fix */
  char fp[17];
  assert_true(qg_host_find_marker(body, "qgate", fp));
  cJSON_Delete(rv);
  world_free(w);
}

static void test_second_run_updates(void **state) {
  (void)state;
  world *w = world_new();
  qg_finding *f = add(w, "app", 10, "privileged");
  char marker[QG_HOST_MARKER_MAX];
  marker_of(f, marker);
  char *issue =
      qg_xasprintf(OK_LIST("[{\"id\": 11, \"body\": \"LGTM\", \"user\": {\"login\": \"dev\"}},"
                           "{\"id\": 12, \"body\": \"%sqgate -->\\n## old report\", "
                           "\"user\": {\"login\": \"qgate-bot\"}}]"),
                   QG_HOST_SUMMARY_MARKER);
  /* 21: this finding's comment; 22: a finding that is fixed; 23: a person's reply in
   * 21's thread quoting a marker; 24: a comment without a marker */
  char *rev = qg_xasprintf(
      OK_LIST("[{\"id\": 21, \"body\": \"**HIGH** x\\n\\n%s\", \"line\": 10, "
              "\"user\": {\"login\": \"qgate-bot\"}},"
              "{\"id\": 22, \"body\": \"**LOW** y\\n\\n" QG_HOST_FINDING_MARKER
              "qgate fp=0123456789abcdef -->\", \"line\": 3, \"user\": {\"login\": \"qgate-bot\"}},"
              "{\"id\": 23, \"in_reply_to_id\": 21, \"body\": \"" QG_HOST_FINDING_MARKER
              "qgate fp=fedcba9876543210 -->\", \"user\": {\"login\": \"dev\"}},"
              "{\"id\": 24, \"body\": \"nit\"}]"),
      marker);
  respond(w, "GET", ISSUE_COMMENTS, issue);
  respond(w, "GET", "/user", OK_LIST("{\"login\": \"qgate-bot\"}"));
  respond(w, "PATCH", "/repos/o/r/issues/comments/12", "HTTP/1.1 200 OK\n\n{\"id\": 12}");
  respond(w, "GET", REVIEW_COMMENTS, rev);
  respond(w, "POST", "/graphql",
          OK_LIST("{\"data\": {\"repository\": {\"pullRequest\": {\"reviewThreads\": {\"nodes\": "
                  "[{\"id\": \"T21\", \"isResolved\": false, \"comments\": {\"nodes\": "
                  "[{\"databaseId\": 21}]}}, {\"id\": \"T22\", \"isResolved\": false, "
                  "\"comments\": {\"nodes\": [{\"databaseId\": 22}]}}], \"pageInfo\": "
                  "{\"hasNextPage\": false}}}}}}"));
  respond(w, "POST", "/graphql", OK_LIST("{\"data\": {\"resolveReviewThread\": {}}}"));
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.error);
  assert_true(w->out.summary_updated);
  assert_false(w->out.summary_created);
  assert_int_equal(w->out.inline_created, 0);
  assert_int_equal(w->out.inline_kept, 1);
  assert_int_equal(w->out.inline_removed, 1);
  assert_int_equal(mock_nrequests(w->srv), 6);
  assert_request(w, 1, "GET", "/user");
  assert_request(w, 3, "POST", "/graphql");
  assert_request(w, 4, "POST", "/graphql");
  assert_request(w, 5, "PATCH", "/repos/o/r/issues/comments/12");
  cJSON *p = req_json(w, 5);
  assert_non_null(strstr(str_at(p, "body"), QG_HOST_SUMMARY_MARKER "qgate -->"));
  cJSON_Delete(p);
  p = req_json(w, 4);
  assert_string_equal(str_at(cJSON_GetObjectItemCaseSensitive(p, "variables"), "id"), "T22");
  cJSON_Delete(p);
  free(issue);
  free(rev);
  world_free(w);
}

/* The summary on the second page is found: no second summary. */
static void test_pagination(void **state) {
  (void)state;
  world *w = world_new();
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "HTTP/1.1 200 OK\n\n[");
  for (int i = 0; i < 100; i++)
    (void)qg_buf_printf(&b, "%s{\"id\": %d, \"body\": \"comment %d\"}", i ? "," : "", 1000 + i, i);
  (void)qg_buf_puts(&b, "]");
  respond(w, "GET", ISSUE_COMMENTS, b.data);
  respond(w, "GET", ISSUE_COMMENTS,
          OK_LIST("[{\"id\": 4000000001, \"body\": \"" QG_HOST_SUMMARY_MARKER "qgate -->\", "
                  "\"user\": {\"login\": \"github-actions[bot]\", \"type\": \"Bot\"}}]"));
  respond(w, "GET", "/user",
          "HTTP/1.1 403 Forbidden\n\n{\"message\": \"Resource not accessible by integration\"}");
  respond(w, "PATCH", "/repos/o/r/issues/comments/4000000001", "HTTP/1.1 200 OK\n\n{}");
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.error);
  assert_true(w->out.summary_updated);
  assert_int_equal(mock_nrequests(w->srv), 5);
  assert_request(w, 0, "GET", ISSUE_COMMENTS "?per_page=100&page=1");
  assert_request(w, 1, "GET", ISSUE_COMMENTS "?per_page=100&page=2");
  assert_request(w, 2, "GET", "/user");
  assert_request(w, 3, "GET", REVIEW_COMMENTS "?per_page=100&page=1");
  assert_request(w, 4, "PATCH", "/repos/o/r/issues/comments/4000000001");
  qg_buf_cleanup(&b);
  world_free(w);
}

/* ---- failures -------------------------------------------------------------------------- */

/* Issue 19: a read-only token (a fork's): the 403 on the first write stops every later
 * write (the review would be refused the same way); the outcome says read_only. */
static void test_403_read_only(void **state) {
  (void)state;
  world *w = world_new();
  add(w, "app", 10, "privileged");
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", REVIEWS,
          "HTTP/1.1 403 Forbidden\nContent-Type: application/json\n\n{\"message\": \"Resource not "
          "accessible by integration\", \"documentation_url\": \"https://docs.github.com/rest\"}");
  assert_int_equal(run(w), QG_ENET);
  assert_string_equal(w->out.error, "GitHub: HTTP 403 on POST /repos/o/r/pulls/7/reviews: "
                                    "Resource not accessible by integration");
  assert_true(w->out.read_only);
  assert_false(w->out.summary_created);
  assert_int_equal(w->out.inline_created, 0);
  assert_int_equal(mock_nrequests(w->srv), 3); /* the lists are read; no summary is tried */
  assert_request(w, 2, "POST", REVIEWS);
  assert_int_equal(qg_comment_outcome_status(&w->out, QG_ENET), QG_COMMENTS_SKIPPED);
  world_free(w);

  /* a 403 that is a rate limit (its message says so) is no read-only token */
  w = world_new();
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS,
          "HTTP/1.1 403 Forbidden\n\n{\"message\": \"You have exceeded a secondary rate limit\"}");
  assert_int_equal(run(w), QG_ENET);
  assert_false(w->out.read_only);
  world_free(w);
}

#define E422_LINE                                                                                  \
  "HTTP/1.1 422 Unprocessable Entity\nContent-Type: application/json\n\n{\"message\": "            \
  "\"Unprocessable Entity\", \"errors\": [\"Line could not be resolved\"]}"

/* The one comment of the review is refused: nothing is left to post, the summary (sent
 * after the review) lists the finding, and the run is no failure (a warning). */
static void test_422_errors(void **state) {
  (void)state;
  world *w = world_new();
  add(w, "app", 10, "privileged");
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", REVIEWS,
          "HTTP/1.1 422 Unprocessable Entity\n\n{\"message\": \"Validation Failed\", \"errors\": "
          "[{\"resource\": \"PullRequestReviewComment\", \"code\": \"custom\", \"field\": "
          "\"pull_request_review_thread.line\", \"message\": \"could not be\\nresolved\"},"
          "{\"resource\": \"PullRequestReview\", \"field\": \"event\", \"code\": \"invalid\"}, "
          "\"Line must be part of the diff\"]}");
  w->opts.id = "qgate-k8s"; /* the job's own id, in the summary's marker */
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.error);
  assert_string_equal(w->out.refused_why,
                      "HTTP 422: Validation Failed: could not be resolved; event invalid; Line "
                      "must be part of the diff");
  assert_int_equal(w->out.nrefused, 1);
  assert_string_equal(w->out.refused[0]->message, "privileged");
  assert_true(w->out.summary_created);
  assert_int_equal(w->out.inline_created, 0);
  assert_int_equal(w->out.to_summary, 1);
  assert_int_equal(mock_nrequests(w->srv), 4);
  assert_request(w, 3, "POST", ISSUE_COMMENTS);
  cJSON *patch = req_json(w, 3);
  const char *body = str_at(patch, "body");
  assert_true(strncmp(body, QG_HOST_SUMMARY_MARKER "qgate-k8s -->\n",
                      strlen(QG_HOST_SUMMARY_MARKER "qgate-k8s -->\n")) == 0);
  assert_non_null(strstr(body, "<summary>1 finding without an inline comment: 1 refused by the "
                               "host</summary>\n\n- **HIGH** `pss/privileged` "
                               "`deploy/pod.yaml:10`: privileged\n"));
  cJSON_Delete(patch);
  assert_int_equal(qg_comment_outcome_status(&w->out, QG_OK), QG_COMMENTS_INCOMPLETE);
  world_free(w);
}

/* The paths and lines of the comments of a review request. */
static void assert_review_lines(world *w, size_t i, const char *event, const char *lines) {
  cJSON *j = req_json(w, i);
  const cJSON *ev = cJSON_GetObjectItem(j, "event");
  if (event)
    assert_string_equal(ev ? ev->valuestring : "(none)", event);
  else
    assert_null(ev);
  char got[128] = "";
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "comments")) {
    size_t n = strlen(got);
    snprintf(got + n, sizeof(got) - n, "%s%d", n ? "," : "",
             cJSON_GetObjectItem(c, "line")->valueint);
  }
  assert_string_equal(got, lines);
  cJSON_Delete(j);
}

/* Issue 19: one of three comments refused (line 11): found by probing halves as pending
 * reviews (no event: nobody sees them; each one taken is deleted at once), the review
 * posted with the other two, the refused one listed in the summary. */
static void test_422_isolates_refused_line(void **state) {
  (void)state;
  world *w = world_new();
  add(w, "app", 10, "privileged");
  add(w, "side", 11, "privileged too");
  add(w, "third", 12, "and this");
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", REVIEWS, E422_LINE);                /* all three */
  respond(w, "POST", REVIEWS, OK_LIST("{\"id\": 501}")); /* probe: line 10 */
  respond(w, "DELETE", REVIEWS "/501", "HTTP/1.1 200 OK\n\n{}");
  respond(w, "POST", REVIEWS, E422_LINE);                /* probe: line 11 */
  respond(w, "POST", REVIEWS, OK_LIST("{\"id\": 502}")); /* probe: line 12 */
  respond(w, "DELETE", REVIEWS "/502", "HTTP/1.1 200 OK\n\n{}");
  respond(w, "POST", REVIEWS, OK_LIST("{\"id\": 80}")); /* the review */
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.error);
  assert_int_equal(mock_nrequests(w->srv), 10);
  assert_review_lines(w, 2, "COMMENT", "10,11,12");
  assert_review_lines(w, 3, NULL, "10");
  assert_request(w, 4, "DELETE", REVIEWS "/501");
  assert_review_lines(w, 5, NULL, "11");
  assert_review_lines(w, 6, NULL, "12");
  assert_request(w, 7, "DELETE", REVIEWS "/502");
  assert_review_lines(w, 8, "COMMENT", "10,12");
  assert_request(w, 9, "POST", ISSUE_COMMENTS); /* the summary, the refused one listed */
  cJSON *sum = req_json(w, 9);
  assert_non_null(strstr(str_at(sum, "body"), "1 refused by the host</summary>\n\n- **HIGH** "
                                              "`pss/privileged` `deploy/pod.yaml:11`: "
                                              "privileged too\n"));
  cJSON_Delete(sum);
  assert_int_equal(w->out.inline_created, 2);
  assert_int_equal(w->out.nrefused, 1);
  assert_string_equal(w->out.refused[0]->message, "privileged too");
  assert_string_equal(w->out.refused_why,
                      "HTTP 422: Unprocessable Entity: Line could not be resolved");
  cJSON *review = req_json(w, 8);
  assert_string_equal(str_at(review, "body"), "qgate: 2 new findings on the changed lines.");
  cJSON_Delete(review);
  world_free(w);
}

/* A world with the verdict on and the score's decision d. */
static void verdict_on(world *w, unsigned total, qg_decision d) {
  w->score.total = total;
  w->score.decision = d;
  w->rep.score = &w->score;
  w->opts.verdict = QG_VERDICT_ON;
}

#define E422_APPROVE                                                                               \
  "HTTP/1.1 422 Unprocessable Entity\n\n{\"message\": \"Unprocessable Entity\", "                  \
  "\"errors\": [\"GitHub Actions is not permitted to approve pull requests.\"]}"

/* Issue 19: the verdict refused (the token's own pull request, or Actions may not
 * approve): the review goes again without it (and without its marker: the next run
 * tries the verdict again), with every comment; the outcome says why. */
static void test_422_verdict_refused(void **state) {
  (void)state;
  world *w = world_new();
  add(w, "app", 10, "privileged");
  verdict_on(w, 95, QG_DECISION_APPROVE);
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(w, "GET", REVIEWS, OK_LIST("[]")); /* qgate gave no verdict yet */
  respond(w, "POST", REVIEWS, E422_APPROVE);
  respond(w, "POST", REVIEWS, OK_LIST("{\"id\": 80}"));
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.error);
  assert_int_equal(mock_nrequests(w->srv), 6);
  assert_request(w, 2, "GET", REVIEWS "?per_page=100&page=1");
  assert_review_lines(w, 3, "APPROVE", "10");
  assert_review_lines(w, 4, "COMMENT", "10");
  assert_request(w, 5, "POST", ISSUE_COMMENTS);
  cJSON *rv = req_json(w, 3);
  assert_string_equal(str_at(rv, "body"),
                      "qgate: score 95/100 (approve); 1 new finding on the "
                      "changed lines.\n\n" QG_HOST_REVIEW_MARKER "qgate verdict=APPROVE -->");
  cJSON_Delete(rv);
  rv = req_json(w, 4);
  assert_string_equal(str_at(rv, "body"),
                      "qgate: score 95/100 (approve); 1 new finding on the changed lines.");
  cJSON_Delete(rv);
  assert_int_equal(w->out.inline_created, 1);
  assert_null(w->out.verdict);
  assert_string_equal(w->out.verdict_refused,
                      "HTTP 422: Unprocessable Entity: GitHub Actions is not permitted to "
                      "approve pull requests.");
  assert_int_equal(w->out.nrefused, 0);
  assert_int_equal(qg_comment_outcome_status(&w->out, QG_OK), QG_COMMENTS_INCOMPLETE);
  world_free(w);

  /* a verdict alone, refused: nothing else to post, no failure */
  w = world_new();
  verdict_on(w, 20, QG_DECISION_REJECT);
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(w, "GET", REVIEWS, OK_LIST("[]"));
  respond(w, "POST", REVIEWS,
          "HTTP/1.1 422 Unprocessable Entity\n\n{\"message\": \"Unprocessable Entity\", "
          "\"errors\": [\"Review Can not request changes on your own pull request\"]}");
  assert_int_equal(run(w), QG_OK);
  assert_int_equal(mock_nrequests(w->srv), 5);
  assert_null(w->out.verdict);
  assert_non_null(w->out.verdict_refused);
  world_free(w);

  /* the gate improved where Actions may not approve: the approval is refused, and
   * qgate's own standing REQUEST_CHANGES (60, the bot's, with its marker and id) is
   * dismissed all the same (it would keep blocking the merge); a person's change
   * request quoting the marker (61) is left alone */
  w = world_new();
  verdict_on(w, 95, QG_DECISION_APPROVE);
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(
      w, "GET", REVIEWS,
      OK_LIST("[{\"id\": 60, \"state\": \"CHANGES_REQUESTED\", \"body\": \"qgate: score "
              "20/100 (reject).\\n\\n" QG_HOST_REVIEW_MARKER "qgate verdict=REQUEST_CHANGES "
              "-->\", \"user\": {\"login\": \"github-actions[bot]\", \"type\": \"Bot\"}},"
              "{\"id\": 61, \"state\": \"CHANGES_REQUESTED\", \"body\": \"> " QG_HOST_REVIEW_MARKER
              "qgate verdict=REQUEST_CHANGES -->\", \"user\": "
              "{\"login\": \"dev\", \"type\": \"User\"}}]"));
  respond(w, "GET", "/user",
          "HTTP/1.1 403 Forbidden\n\n{\"message\": \"Resource not accessible "
          "by integration\"}");
  respond(w, "POST", REVIEWS, E422_APPROVE);
  respond(w, "PUT", REVIEWS "/60/dismissals", OK_LIST("{\"id\": 60, \"state\": \"DISMISSED\"}"));
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.error);
  assert_int_equal(mock_nrequests(w->srv), 7);
  assert_request(w, 3, "GET", "/user");
  assert_review_lines(w, 4, "APPROVE", "");
  assert_request(w, 5, "PUT", REVIEWS "/60/dismissals");
  assert_request(w, 6, "POST", ISSUE_COMMENTS);
  rv = req_json(w, 5);
  assert_string_equal(str_at(rv, "message"), "qgate: superseded, the gate now says APPROVE.");
  cJSON_Delete(rv);
  assert_null(w->out.verdict);
  assert_non_null(w->out.verdict_refused);
  world_free(w);

  /* a refused line and a verdict GitHub takes: the first 422 was the line's alone, so
   * once the line is told apart the review goes with the verdict (a line refused on
   * every run does not cost the verdict on every run) */
  w = world_new();
  add(w, "app", 10, "privileged");
  add(w, "side", 11, "privileged too");
  verdict_on(w, 42, QG_DECISION_REJECT);
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(w, "GET", REVIEWS, OK_LIST("[]"));
  respond(w, "POST", REVIEWS, E422_LINE);                /* with the verdict */
  respond(w, "POST", REVIEWS, E422_LINE);                /* without it: the line still */
  respond(w, "POST", REVIEWS, OK_LIST("{\"id\": 501}")); /* probe: line 10 */
  respond(w, "DELETE", REVIEWS "/501", "HTTP/1.1 200 OK\n\n{}");
  respond(w, "POST", REVIEWS, OK_LIST("{\"id\": 80}")); /* the review, verdict and all */
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.error);
  assert_int_equal(mock_nrequests(w->srv), 9);
  assert_review_lines(w, 3, "REQUEST_CHANGES", "10,11");
  assert_review_lines(w, 4, "COMMENT", "10,11");
  assert_review_lines(w, 5, NULL, "10");
  assert_request(w, 6, "DELETE", REVIEWS "/501");
  assert_review_lines(w, 7, "REQUEST_CHANGES", "10");
  rv = req_json(w, 7);
  assert_string_equal(str_at(rv, "body"), "qgate: score 42/100 (reject); 1 new finding on the "
                                          "changed lines.\n\n" QG_HOST_REVIEW_MARKER
                                          "qgate verdict=REQUEST_CHANGES -->");
  cJSON_Delete(rv);
  assert_request(w, 8, "POST", ISSUE_COMMENTS); /* the summary lists the refused line */
  assert_string_equal(w->out.verdict, "REQUEST_CHANGES");
  assert_null(w->out.verdict_refused);
  assert_int_equal(w->out.nrefused, 1);
  assert_string_equal(w->out.refused[0]->message, "privileged too");
  world_free(w);
}

/* Issue 19: a 5xx after GitHub stored a POST: the list is read again, and what is there
 * is not posted twice; what is missing is posted once more. What the list holds counts
 * only by the rules of every comment qgate touches: its marker with qgate's id, the
 * token's own user as author, and not there before this run. */
static void test_5xx_after_stored_post(void **state) {
  (void)state;
  world *w = world_new();
  w->opts.retries = 2;
  add(w, "app", 10, "privileged");
  char marker[QG_HOST_MARKER_MAX];
  marker_of(&w->r.findings.items[0], marker);
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, "HTTP/1.1 502 Bad Gateway\n\n{\"message\": \"Server Error\"}");
  /* a person's comment quoting the summary marker: not qgate's summary */
  respond(w, "GET", ISSUE_COMMENTS,
          OK_LIST("[{\"id\": 76, \"body\": \"> " QG_HOST_SUMMARY_MARKER "qgate -->\\nwhy?\", "
                  "\"user\": {\"login\": \"dev\"}}]"));
  respond(w, "GET", "/user", OK_LIST("{\"login\": \"qgate-bot\"}"));
  respond(w, "POST", ISSUE_COMMENTS, "HTTP/1.1 502 Bad Gateway\n\n{\"message\": \"Server Error\"}");
  respond(
      w, "GET", ISSUE_COMMENTS,
      OK_LIST("[{\"id\": 76, \"body\": \"> " QG_HOST_SUMMARY_MARKER "qgate -->\\nwhy?\", "
              "\"user\": {\"login\": \"dev\"}}, {\"id\": 77, \"body\": \"" QG_HOST_SUMMARY_MARKER
              "qgate -->\\nreport\", \"user\": {\"login\": "
              "\"qgate-bot\"}}]"));
  /* qgate's own comment for the finding from before this run, outdated by a push (line
   * null): the finding gets a new one, and the old one is never taken for it */
  char *old = qg_xasprintf("{\"id\": 2999, \"line\": null, \"body\": \"**HIGH** old\\n\\n%s\", "
                           "\"user\": {\"login\": \"qgate-bot\"}}",
                           marker);
  char *quote = qg_xasprintf("{\"id\": 3000, \"line\": 10, \"body\": \"see %s\", \"user\": "
                             "{\"login\": \"dev\"}}",
                             marker);
  char *own = qg_xasprintf("{\"id\": 3001, \"line\": 10, \"body\": \"x\\n\\n%s\", \"user\": "
                           "{\"login\": \"qgate-bot\"}}",
                           marker);
  char *list = qg_xasprintf(OK_LIST("[%s]"), old);
  respond(w, "GET", REVIEW_COMMENTS, list);
  free(list);
  respond(w, "POST", REVIEWS, "HTTP/1.1 504 Gateway Timeout\n\n");
  list = qg_xasprintf(OK_LIST("[%s, %s]"), old, quote); /* not stored */
  respond(w, "GET", REVIEW_COMMENTS, list);
  free(list);
  respond(w, "POST", REVIEWS, "HTTP/1.1 500 Internal Server Error\n\n");
  list = qg_xasprintf(OK_LIST("[%s, %s, %s]"), old, quote, own); /* stored this time */
  respond(w, "GET", REVIEW_COMMENTS, list);
  free(list);
  qg_status st = run(w);
  if (st != QG_OK)
    fail_msg("%s", w->out.error);
  assert_null(w->out.error);
  assert_int_equal(mock_nrequests(w->srv), 11);
  assert_request(w, 1, "GET", REVIEW_COMMENTS "?per_page=100&page=1");
  assert_request(w, 2, "GET", "/user"); /* asked once there is a candidate (2999) */
  assert_request(w, 3, "POST", REVIEWS);
  assert_request(w, 4, "GET", REVIEW_COMMENTS "?per_page=100&page=1");
  assert_request(w, 5, "POST", REVIEWS);
  assert_request(w, 6, "GET", REVIEW_COMMENTS "?per_page=100&page=1");
  assert_review_lines(w, 5, "COMMENT", "10");
  assert_request(w, 7, "POST", ISSUE_COMMENTS); /* the summary after the review */
  assert_request(w, 8, "GET", ISSUE_COMMENTS "?per_page=100&page=1");
  assert_request(w, 9, "POST", ISSUE_COMMENTS);
  assert_request(w, 10, "GET", ISSUE_COMMENTS "?per_page=100&page=1");
  assert_true(w->out.summary_created);
  assert_int_equal(w->out.inline_created, 1);
  assert_int_equal(w->out.inline_removed, 0); /* 2999: its finding is there, answered anew */
  for (size_t i = 0; i < mock_nrequests(w->srv); i++)
    assert_false(req(w, i)->unexpected);
  free(old);
  free(quote);
  free(own);
  world_free(w);

  /* the list cannot be read after the lost answer: no second POST, the failure stays */
  w = world_new();
  w->opts.retries = 2;
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, "HTTP/1.1 503 Service Unavailable\n\n");
  respond(w, "GET", ISSUE_COMMENTS, "HTTP/1.1 404 Not Found\n\n{\"message\": \"Not Found\"}");
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  assert_int_equal(run(w), QG_ENET);
  assert_string_equal(w->out.error, "GitHub: HTTP 503 on POST /repos/o/r/issues/7/comments");
  assert_int_equal(mock_nrequests(w->srv), 4);
  world_free(w);

  /* a verdict alone (no comments) whose answer is lost: the reviews are listed again; a
   * review of the head with the same text is it only when qgate posted it in this run
   * and the token's user wrote it: qgate's own earlier one (70, dismissed by a person,
   * hence the new verdict) and a person's copy (71) are not, so it goes once more */
  w = world_new();
  w->opts.retries = 2;
  verdict_on(w, 20, QG_DECISION_REJECT);
  const char *text = "qgate: score 20/100 (reject).\\n\\n" QG_HOST_REVIEW_MARKER
                     "qgate verdict=REQUEST_CHANGES -->";
  char *r70 = qg_xasprintf("{\"id\": 70, \"state\": \"DISMISSED\", \"commit_id\": \"" HEAD "\", "
                           "\"body\": \"%s\", \"user\": {\"login\": \"qgate-bot\"}}",
                           text);
  char *r71 = qg_xasprintf("{\"id\": 71, \"state\": \"COMMENTED\", \"commit_id\": \"" HEAD "\", "
                           "\"body\": \"%s\", \"user\": {\"login\": \"dev\"}}",
                           text);
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  list = qg_xasprintf(OK_LIST("[%s]"), r70);
  respond(w, "GET", REVIEWS, list);
  free(list);
  respond(w, "GET", "/user", OK_LIST("{\"login\": \"qgate-bot\"}"));
  respond(w, "POST", REVIEWS, "HTTP/1.1 502 Bad Gateway\n\n");
  list = qg_xasprintf(OK_LIST("[%s, %s]"), r70, r71);
  respond(w, "GET", REVIEWS, list);
  free(list);
  respond(w, "POST", REVIEWS, OK_LIST("{\"id\": 72, \"state\": \"CHANGES_REQUESTED\"}"));
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.error);
  assert_int_equal(mock_nrequests(w->srv), 8);
  assert_request(w, 3, "GET", "/user");
  assert_request(w, 4, "POST", REVIEWS);
  assert_request(w, 5, "GET", REVIEWS "?per_page=100&page=1");
  assert_request(w, 6, "POST", REVIEWS);
  assert_request(w, 7, "POST", ISSUE_COMMENTS);
  cJSON *rv = req_json(w, 6);
  assert_string_equal(str_at(rv, "event"), "REQUEST_CHANGES");
  assert_string_equal(str_at(rv, "body"), "qgate: score 20/100 (reject).\n\n" QG_HOST_REVIEW_MARKER
                                          "qgate verdict=REQUEST_CHANGES -->");
  cJSON_Delete(rv);
  assert_string_equal(w->out.verdict, "REQUEST_CHANGES");
  free(r70);
  free(r71);
  world_free(w);
}

/* Secondary rate limits: a 403 and a 429 with Retry-After are retried. */
static void test_rate_limits_retried(void **state) {
  (void)state;
  world *w = world_new();
  w->opts.retries = 2;
  respond(w, "GET", ISSUE_COMMENTS,
          "HTTP/1.1 403 Forbidden\nRetry-After: 0\n\n{\"message\": \"You have exceeded a "
          "secondary rate limit.\"}");
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS,
          "HTTP/1.1 429 Too Many Requests\nRetry-After: 0\n\n{\"message\": \"slow down\"}");
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.error);
  assert_true(w->out.summary_created);
  assert_int_equal(mock_nrequests(w->srv), 5);
  world_free(w);

  /* every attempt refused: the error says how many; a 403 without Retry-After is final */
  w = world_new();
  w->opts.retries = 1;
  for (int i = 0; i < 2; i++)
    respond(w, "GET", ISSUE_COMMENTS,
            "HTTP/1.1 403 Forbidden\nRetry-After: 0\n\n{\"message\": \"You have exceeded a "
            "secondary rate limit.\"}");
  respond(w, "GET", REVIEW_COMMENTS,
          "HTTP/1.1 403 Forbidden\n\n{\"message\": \"Must have admin rights\"}");
  assert_int_equal(run(w), QG_ENET);
  assert_string_equal(w->out.error,
                      "GitHub: HTTP 403 on GET /repos/o/r/issues/7/comments after 2 attempts: "
                      "You have exceeded a secondary rate limit.");
  assert_int_equal(mock_nrequests(w->srv), 3); /* no POST without the list: no duplicate */
  world_free(w);
}

/* The token never shows, even when the server echoes it; nothing is posted without
 * the list. */
static void test_token_never_shown(void **state) {
  (void)state;
  world *w = world_new();
  add(w, "app", 10, "privileged");
  respond(w, "GET", ISSUE_COMMENTS,
          "HTTP/1.1 401 Unauthorized\n\n{\"message\": \"Bad credentials: " TOKEN "\"}");
  respond(w, "GET", REVIEW_COMMENTS, "HTTP/1.1 500 Internal Server Error\n\n<html>oops</html>");
  assert_int_equal(run(w), QG_ENET);
  assert_null(strstr(w->out.error, TOKEN));
  assert_string_equal(w->out.error, "GitHub: HTTP 401 on GET /repos/o/r/issues/7/comments: "
                                    "Bad credentials: ghs_****\xe2\x80\xa6(27 chars)");
  assert_int_equal(mock_nrequests(w->srv), 2);
  assert_int_equal(w->out.to_summary, 1); /* not listed: nothing inline */
  world_free(w);

  /* nothing listens: the connection error, with the path */
  w = world_new();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(sa);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  close(fd);
  free(w->ctx.api_url);
  w->ctx.api_url = qg_xasprintf("http://127.0.0.1:%d", ntohs(sa.sin_port));
  assert_int_equal(run(w), QG_ENET);
  assert_non_null(strstr(w->out.error, "GitHub: GET /repos/o/r/issues/7/comments: cannot connect"));
  assert_null(strstr(w->out.error, TOKEN));
  world_free(w);
}

/* ---- verdicts and caps ------------------------------------------------------------------ */

static void test_verdict(void **state) {
  (void)state;
  static const struct {
    qg_decision d;
    const char *event;
  } cases[] = {{QG_DECISION_APPROVE, "APPROVE"},
               {QG_DECISION_REVIEW, "COMMENT"},
               {QG_DECISION_REJECT, "REQUEST_CHANGES"}};
  for (size_t i = 0; i < 3; i++) {
    world *w = world_new();
    w->score.total = 90 - 30 * (unsigned)i;
    w->score.decision = cases[i].d;
    w->rep.score = &w->score;
    w->opts.verdict = QG_VERDICT_ON;
    respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
    respond(w, "POST", ISSUE_COMMENTS, CREATED);
    respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
    respond(w, "GET", REVIEWS, OK_LIST("[]"));
    respond(w, "POST", REVIEWS, "HTTP/1.1 200 OK\n\n{}");
    assert_int_equal(run(w), QG_OK);
    assert_string_equal(w->out.verdict, cases[i].event);
    cJSON *rv = req_json(w, 3);
    assert_string_equal(str_at(rv, "event"), cases[i].event);
    assert_null(cJSON_GetObjectItemCaseSensitive(rv, "comments"));
    char want[160];
    snprintf(want, sizeof(want),
             "qgate: score %u/100 (%s).\n\n" QG_HOST_REVIEW_MARKER "qgate verdict=%s -->",
             w->score.total, qg_decision_name(cases[i].d), cases[i].event);
    assert_string_equal(str_at(rv, "body"), want);
    cJSON_Delete(rv);
    world_free(w);
  }
  /* off: no review without new comments */
  world *w = world_new();
  w->score.decision = QG_DECISION_REJECT;
  w->rep.score = &w->score;
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  assert_int_equal(run(w), QG_OK);
  assert_null(w->out.verdict);
  assert_int_equal(mock_nrequests(w->srv), 3);
  world_free(w);
}

static void test_caps(void **state) {
  (void)state;
  world *w = world_new();
  w->opts.max_inline = 2;
  w->opts.max_body = 400;
  qg_buf long_msg;
  qg_buf_init(&long_msg, 0);
  for (int i = 0; i < 100; i++)
    (void)qg_buf_puts(&long_msg, "<&\xc3\xa9\\");
  add(w, "a", 10, long_msg.data);
  add(w, "b", 10, "two");
  add(w, "a", 11, "the same fingerprint as the first");
  add(w, "c", 12, "three");
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", REVIEWS, "HTTP/1.1 200 OK\n\n{}");
  assert_int_equal(run(w), QG_OK);
  assert_int_equal(w->out.inline_created, 2);
  assert_int_equal(w->out.over_cap, 1);
  assert_int_equal(w->out.to_summary, 1); /* the second of one fingerprint */
  cJSON *sum = req_json(w, 3);
  assert_true(strlen(str_at(sum, "body")) <= 400);
  /* 400 bytes hold no entry of the list: the review says so, and the summary counts them */
  assert_non_null(strstr(str_at(sum, "body"), "**2 more not shown here** (over GitHub's comment "
                                              "size limit). Every finding is in the full report"));
  cJSON_Delete(sum);
  cJSON *rv = req_json(w, 2);
  assert_string_equal(str_at(rv, "body"),
                      "qgate: 2 new findings on the changed lines; 1 more: the summary comment "
                      "lists 0 of them and says where the full report is.");
  const char *body = str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(rv, "comments"), 0), "body");
  assert_true(strlen(body) <= 400);
  char fp[17], want[17];
  assert_true(qg_host_find_marker(body, "qgate", fp));
  qg_finding_fingerprint(&w->r.findings.items[0], want);
  assert_string_equal(fp, want);
  /* cut at a whole entity, escape and character */
  const char *cut = strstr(body, "\xe2\x80\xa6");
  assert_non_null(cut);
  assert_true(strncmp(cut - 4, "&lt;", 4) == 0 || strncmp(cut - 5, "&amp;", 5) == 0 ||
              strncmp(cut - 2, "\xc3\xa9", 2) == 0 || strncmp(cut - 2, "\\\\", 2) == 0);
  cJSON_Delete(rv);
  qg_buf_cleanup(&long_msg);
  world_free(w);
}

/* ---- suggestions ----------------------------------------------------------------------- */

static cJSON *one_comment(world *w, cJSON **rv) {
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", REVIEWS, "HTTP/1.1 200 OK\n\n{}");
  assert_int_equal(run(w), QG_OK);
  *rv = req_json(w, 2);
  return cJSON_GetArrayItem(cJSON_GetObjectItem(*rv, "comments"), 0);
}

static void test_suggestions(void **state) {
  (void)state;
  /* one line: "privileged: true" -> "privileged: false" */
  world *w = world_new();
  qg_finding *f = add(w, "app", 10, "privileged");
  add_edit(f, 10, 21, 10, 25, "false");
  cJSON *rv;
  cJSON *c = one_comment(w, &rv);
  assert_int_equal(int_at(c, "line"), 10);
  assert_null(cJSON_GetObjectItem(c, "start_line"));
  const char *body = str_at(c, "body");
  assert_non_null(strstr(body, "\n\nSuggested fix: Set privileged: false\n\n"
                               "```suggestion\n        privileged: false\n```"));
  /* the marker comes before the code, which is not escaped */
  assert_true(strstr(body, QG_HOST_FINDING_MARKER) < strstr(body, "```suggestion"));
  cJSON_Delete(rv);
  world_free(w);

  /* two lines: the range starts at the edit and ends at the finding */
  w = world_new();
  f = add(w, "app", 10, "privileged");
  add_edit(f, 9, 1, 9, 1, "      # hardened\n");
  add_edit(f, 10, 21, 10, 25, "false");
  c = one_comment(w, &rv);
  assert_int_equal(int_at(c, "start_line"), 9);
  assert_string_equal(str_at(c, "start_side"), "RIGHT");
  assert_int_equal(int_at(c, "line"), 10);
  assert_non_null(strstr(str_at(c, "body"), "```suggestion\n      # hardened\n      "
                                            "securityContext:\n        privileged: false\n```"));
  cJSON_Delete(rv);
  world_free(w);

  /* an insertion below the finding, at the end of the file: it follows the last line */
  w = world_new();
  f = add(w, "app", 9, "read-only root filesystem");
  add_edit(f, 13, 1, 13, 1, "# end\n");
  c = one_comment(w, &rv);
  assert_int_equal(int_at(c, "start_line"), 9);
  assert_int_equal(int_at(c, "line"), 12);
  assert_non_null(strstr(str_at(c, "body"), "```suggestion\n      securityContext:\n        "
                                            "privileged: true\n    - name: side\n      image: "
                                            "side:1\n# end\n```"));
  cJSON_Delete(rv);
  world_free(w);

  /* an edit on a line the pull request does not show: no suggestion */
  w = world_new();
  f = add(w, "app", 10, "privileged");
  add_edit(f, 5, 1, 5, 1, "# x\n");
  add_edit(f, 10, 21, 10, 25, "false");
  c = one_comment(w, &rv);
  assert_int_equal(int_at(c, "line"), 10);
  assert_null(strstr(str_at(c, "body"), "suggestion"));
  cJSON_Delete(rv);
  world_free(w);

  /* code with a fence in it gets a longer fence; a line removed is an empty suggestion */
  w = world_new();
  f = add(w, "app", 10, "privileged");
  add_edit(f, 10, 1, 11, 1, "        # ```\n        # ````\n");
  c = one_comment(w, &rv);
  assert_non_null(
      strstr(str_at(c, "body"), "`````suggestion\n        # ```\n        # ````\n`````"));
  cJSON_Delete(rv);
  world_free(w);

  w = world_new();
  f = add(w, "app", 12, "image");
  add_edit(f, 12, 1, 13, 1, "");
  c = one_comment(w, &rv);
  assert_non_null(strstr(str_at(c, "body"), "```suggestion\n```"));
  cJSON_Delete(rv);
  world_free(w);

  /* a secret on the range: its line is never copied into a comment */
  w = world_new();
  f = add(w, "app", 10, "privileged");
  add_edit(f, 10, 21, 10, 25, "false");
  const qg_rule *secret = NULL;
  size_t n = 0;
  const qg_rule *all = qg_rules_all(&n);
  for (size_t i = 0; i < n && !secret; i++)
    if (all[i].flags & QG_RULE_SECRET)
      secret = &all[i];
  assert_non_null(secret);
  qg_location loc = {"deploy/pod.yaml", 10, 3, 10, 12};
  qg_context cx = {0};
  cx.field = "secret:x";
  qg_finding *sf =
      qg_result_add_finding(&w->r, secret, QG_SEV_HIGH, &loc, &cx, qg_xstrdup("a secret"));
  sf->suppressed_by = ".qgate.yml";
  c = one_comment(w, &rv);
  assert_null(strstr(str_at(c, "body"), "suggestion"));
  cJSON_Delete(rv);
  world_free(w);
}

/* A world whose checkout is a merge: the change shows head lines 5-10, and maps the
 * checkout's lines to the head's with these hunks. */
static world *world_merged(const qg_change_hunk *moved, size_t n) {
  world *w = world_new();
  qg_change_file *cf = &w->ch.files[0];
  for (uint32_t i = 0; i < 6; i++)
    cf->lines[i] = 5 + i;
  cf->remapped = true;
  cf->moved = qg_xmalloc(n * sizeof(*moved));
  memcpy(cf->moved, moved, n * sizeof(*moved));
  cf->nmoved = n;
  return w;
}

/* A merge checked out (actions/checkout's default for a pull request): the change maps
 * the checkout's lines to the pull request's head, where the comments go. Here the
 * checkout's lines 1-2 came from the target branch, so its line L is the head's L - 2,
 * and the pull request shows head lines 5-10. */
static void test_merge_checkout(void **state) {
  (void)state;
  static const qg_change_hunk target_lines[] = {{1, 2, 0, 0}};
  world *w = world_merged(target_lines, QG_ARRAY_LEN(target_lines));
  qg_finding *f = add(w, "app", 10, "privileged");
  add_edit(f, 9, 1, 9, 1, "      # hardened\n");
  add_edit(f, 10, 21, 10, 25, "false");
  add(w, "side", 2, "on a line of the target branch's");
  cJSON *rv;
  cJSON *c = one_comment(w, &rv);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(rv, "comments")), 1);
  assert_int_equal(w->out.to_summary, 1);
  assert_int_equal(int_at(c, "start_line"), 7);
  assert_int_equal(int_at(c, "line"), 8);
  /* the suggestion's text is the checkout's lines 9-10, which the head has as 7-8 */
  assert_non_null(strstr(str_at(c, "body"), "```suggestion\n      # hardened\n      "
                                            "securityContext:\n        privileged: false\n```"));
  cJSON_Delete(rv);
  world_free(w);

  /* the head has a line between the checkout's 9 and 10: a suggestion across them
   * would not replace the same lines, so there is none; the comment goes on 9 */
  static const qg_change_hunk split[] = {{1, 2, 0, 0}, {9, 0, 8, 1}};
  w = world_merged(split, QG_ARRAY_LEN(split));
  f = add(w, "app", 10, "privileged");
  add_edit(f, 9, 1, 9, 1, "      # hardened\n");
  add_edit(f, 10, 21, 10, 25, "false");
  c = one_comment(w, &rv);
  assert_int_equal(int_at(c, "line"), 9);
  assert_null(cJSON_GetObjectItem(c, "start_line"));
  assert_null(strstr(str_at(c, "body"), "suggestion"));
  cJSON_Delete(rv);
  world_free(w);
}

/* No change: every finding goes to the summary. */
static void test_no_change(void **state) {
  (void)state;
  world *w = world_new();
  add(w, "app", 10, "privileged");
  respond(w, "GET", ISSUE_COMMENTS, OK_LIST("[]"));
  respond(w, "POST", ISSUE_COMMENTS, CREATED);
  respond(w, "GET", REVIEW_COMMENTS, OK_LIST("[]"));
  assert_int_equal(qg_host_comment(&w->ctx, &w->rep, NULL, &w->opts, &w->out), QG_OK);
  assert_int_equal(w->out.to_summary, 1);
  assert_int_equal(w->out.inline_created, 0);
  assert_int_equal(mock_nrequests(w->srv), 3);
  world_free(w);
}

/* The summary (the Markdown report) mentions no one and links no issue: repository
 * text there gets the same zero-width joiner after '@' (and after '#' or '!' before a
 * digit); a path in a code span stays as written. */
static void test_summary_mentions(void **state) {
  (void)state;
  world *w = world_new();
  const qg_rule *rule = qg_rule_find("pss/privileged");
  qg_location loc = {"node_modules/@scope/pod.yaml", 3, 1, 0, 0};
  qg_context cx = {0};
  qg_result_add_finding(&w->r, rule, QG_SEV_HIGH, &loc, &cx,
                        qg_xstrdup("ask @octo-org/admins or \\@all, `@x`, mail a@b.example, "
                                   "see #123 and !45, `#9`"));
  qg_host_lefts left = {0};
  qg_host_left_add(&left, &w->r.findings.items[0], QG_HOST_LEFT_OUTSIDE);
  qg_host_summary in = {.rep = &w->rep, .left = &left, .host = "GitHub", .max_body = 60000};
  char *body = qg_host_summary_body(&in, NULL);
  assert_non_null(strstr(body, "`node_modules/@scope/pod.yaml:3`"));
  /* no link to (and no notification on) issue 123 or merge request 45 */
  assert_non_null(strstr(body, "\\#\xe2\x80\x8d"
                               "123 and !\xe2\x80\x8d"
                               "45"));
  assert_null(strstr(body, "#123"));
  /* the message's backticks are escaped: no code span, so no exception */
  assert_non_null(strstr(body, "\\`\\#\xe2\x80\x8d"
                               "9\\`"));
  for (const char *p = strchr(body, '@'); p; p = strchr(p + 1, '@')) {
    if (strncmp(p, "@scope/", 7) == 0)
      continue;
    if (strncmp(p + 1, "\xe2\x80\x8d", 3) != 0)
      fail_msg("a mention is left in the summary: '%.20s'", p);
  }
  free(body);
  qg_buf b;
  qg_buf_init(&b, 0);
  qg_host_escape(&b, "fixes #12, !3 and # 4", false);
  assert_string_equal(b.data, "fixes \\#\xe2\x80\x8d"
                              "12, !\xe2\x80\x8d"
                              "3 and \\# 4");
  qg_buf_cleanup(&b);
  /* the cap holds with the joiners added */
  for (int i = 0; i < 10; i++)
    qg_result_add_finding(&w->r, rule, QG_SEV_HIGH, &loc, &cx,
                          qg_xstrdup("@a @b @c @d @e @f @g @h @i @j @k @l @m @n @o @p"));
  qg_host_lefts_free(&left);
  for (size_t i = 0; i < w->r.findings.n; i++)
    qg_host_left_add(&left, &w->r.findings.items[i], QG_HOST_LEFT_OUTSIDE);
  in.max_body = 500;
  qg_host_summary_fit fit;
  body = qg_host_summary_body(&in, &fit);
  assert_true(strlen(body) <= 500);
  assert_int_equal(fit.listed + fit.not_shown, 11);
  assert_true(fit.not_shown > 0);
  char *more = qg_xasprintf("**%zu more not shown here** (over GitHub's comment size limit). "
                            "Every finding is in the full report: the job's artifacts.\n",
                            fit.not_shown);
  assert_string_equal(body + strlen(body) - strlen(more), more);
  free(more);
  free(body);
  qg_host_lefts_free(&left);
  world_free(w);
}

/* The summary's list: every finding handed to it, highest severity first, then by path
 * and line; each reason named when there are several; paths linked (percent-encoded) only
 * through a URL that cannot leave the link; a body cap that holds no entry still counts
 * them all. */
static void test_summary_list(void **state) {
  (void)state;
  world *w = world_new();
  const qg_rule *rule = qg_rule_find("pss/privileged");
  static const struct {
    const char *path;
    uint32_t line;
    qg_severity sev;
  } k[] = {{"deploy/b.yaml", 3, QG_SEV_LOW},
           {"deploy/a b#(x).yaml", 9, QG_SEV_HIGH},
           {"deploy/a.yaml", 12, QG_SEV_HIGH},
           {"deploy/a.yaml", 2, QG_SEV_HIGH},
           {NULL, 0, QG_SEV_CRITICAL}};
  for (size_t i = 0; i < QG_ARRAY_LEN(k); i++) {
    qg_location loc = {k[i].path, k[i].line, 1, 0, 0};
    qg_context cx = {0};
    qg_result_add_finding(&w->r, rule, k[i].sev, &loc, &cx, qg_xasprintf("m%zu", i));
  }
  static const qg_host_left_why why[] = {QG_HOST_LEFT_OUTSIDE, QG_HOST_LEFT_REFUSED,
                                         QG_HOST_LEFT_OVER_CAP, QG_HOST_LEFT_FAILED,
                                         QG_HOST_LEFT_DUPLICATE};
  qg_host_lefts left = {0};
  for (size_t i = 0; i < QG_ARRAY_LEN(k); i++)
    qg_host_left_add(&left, &w->r.findings.items[i], why[i]);
  qg_host_summary in = {.rep = &w->rep,
                        .left = &left,
                        .host = "GitHub",
                        .file_url = "https://github.com/o/r/blob/" HEAD "/",
                        .report_url = "https://github.com/o/r/actions/runs/9",
                        .report_what = "the workflow run",
                        .max_body = 60000};
  qg_host_summary_fit fit;
  char *body = qg_host_summary_body(&in, &fit);
  static const char want[] = QG_HOST_SUMMARY_MARKER
      "qgate -->"
      "\n### 5 findings\n\n0 with an inline comment, 5 without: listed "
      "below.\n\n<details open><summary>5 findings without an inline comment: 1 outside the "
      "diff, 1 over the inline cap, 1 refused by the host, 1 not posted: a request failed, 1 "
      "its fingerprint's comment is another finding's</summary>\n\n"
      "- **CRITICAL** `pss/privileged`: m4 _(its fingerprint's comment is another finding's)_\n"
      "- **HIGH** `pss/privileged` [`deploy/a b#(x).yaml:9`](https://github.com/o/r/blob/" HEAD
      "/deploy/a%20b%23%28x%29.yaml#L9): m1 _(refused by the host)_\n"
      "- **HIGH** `pss/privileged` [`deploy/a.yaml:2`](https://github.com/o/r/blob/" HEAD
      "/deploy/a.yaml#L2): m3 _(not posted: a request failed)_\n"
      "- **HIGH** `pss/privileged` [`deploy/a.yaml:12`](https://github.com/o/r/blob/" HEAD
      "/deploy/a.yaml#L12): m2 _(over the inline cap)_\n"
      "- **LOW** `pss/privileged` [`deploy/b.yaml:3`](https://github.com/o/r/blob/" HEAD
      "/deploy/b.yaml#L3): m0 _(outside the diff)_\n\n</details>\n\nEvery finding is in the "
      "full report: [the workflow run](https://github.com/o/r/actions/runs/9), in its "
      "artifacts.\n";
  assert_string_equal(body, want);
  assert_int_equal(fit.listed, 5);
  assert_int_equal(fit.not_shown, 0);
  assert_int_equal(fit.listed_why[QG_HOST_LEFT_OVER_CAP], 1);
  free(body);
  /* a URL that would close the link: no link at all */
  in.file_url = "https://x/)[a](javascript:alert(1))/";
  in.report_url = "https://x/run 1";
  body = qg_host_summary_body(&in, NULL);
  assert_null(strstr(body, "javascript"));
  assert_non_null(strstr(body, "- **LOW** `pss/privileged` `deploy/b.yaml:3`: m0"));
  assert_non_null(strstr(body, "Every finding is in the full report: the job's artifacts.\n"));
  free(body);
  /* a cap that holds no entry: the count and where the report is, within the cap */
  in.max_body = 300;
  body = qg_host_summary_body(&in, &fit);
  assert_true(strlen(body) <= 300);
  assert_int_equal(fit.listed, 0);
  assert_int_equal(fit.not_shown, 5);
  assert_non_null(strstr(body, "**5 more not shown here** (over GitHub's comment size limit)"));
  free(body);
  qg_host_lefts_free(&left);
  world_free(w);
}

/* The reviewed head: only on the line after the summary marker that opens the body, only
 * 40 or 64 lowercase hex digits, only with the body's own id. */
static void test_reviewed_head_read(void **state) {
  (void)state;
  char h[65];
  const char *sha = "fe161321ad316073309507559f7a8fe2df5e1177";
  char *ok = qg_xasprintf("<!-- qgate:summary id=qgate-review -->\n<!-- qgate:reviewed-head "
                          "id=qgate-review sha=%s -->\n### Architecture review\n",
                          sha);
  assert_true(qg_host_read_reviewed_head(ok, "qgate-review", h));
  assert_string_equal(h, sha);
  assert_false(qg_host_read_reviewed_head(ok, "qgate-scan", h)); /* another job's */
  free(ok);
  char *crlf = qg_xasprintf("<!-- qgate:summary id=x -->\r\n<!-- qgate:reviewed-head id=x "
                            "sha=%s%s -->\n",
                            sha, "0123456789abcdef01234567");
  assert_true(qg_host_read_reviewed_head(crlf, "x", h)); /* 64 digits (SHA-256) */
  assert_int_equal(strlen(h), 64);
  free(crlf);
  static const char *const bad[] = {
      /* upper case, 39 and 41 digits, a non-hex digit, no end */
      "<!-- qgate:summary id=x -->\n<!-- qgate:reviewed-head id=x "
      "sha=FE161321AD316073309507559F7A8FE2DF5E1177 -->\n",
      "<!-- qgate:summary id=x -->\n<!-- qgate:reviewed-head id=x "
      "sha=fe161321ad316073309507559f7a8fe2df5e117 -->\n",
      "<!-- qgate:summary id=x -->\n<!-- qgate:reviewed-head id=x "
      "sha=fe161321ad316073309507559f7a8fe2df5e11770 -->\n",
      "<!-- qgate:summary id=x -->\n<!-- qgate:reviewed-head id=x "
      "sha=fe161321ad31607330950755zf7a8fe2df5e1177 -->\n",
      "<!-- qgate:summary id=x -->\n<!-- qgate:reviewed-head id=x "
      "sha=fe161321ad316073309507559f7a8fe2df5e1177\n",
      /* not where qgate writes it: further down, or after text before the marker */
      "<!-- qgate:summary id=x -->\n### 1 finding\n<!-- qgate:reviewed-head id=x "
      "sha=fe161321ad316073309507559f7a8fe2df5e1177 -->\n",
      "hello <!-- qgate:summary id=x -->\n<!-- qgate:reviewed-head id=x "
      "sha=fe161321ad316073309507559f7a8fe2df5e1177 -->\n",
      "<!-- qgate:summary id=x -->\n<!-- qgate:reviewed-head id=y "
      "sha=fe161321ad316073309507559f7a8fe2df5e1177 -->\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
    assert_false(qg_host_read_reviewed_head(bad[i], "x", h));
  assert_false(qg_host_read_reviewed_head(NULL, "x", h));
}

/* Which comments an incremental review leaves alone: arch findings off its paths. */
static void test_unreviewed(void **state) {
  (void)state;
  const char *paths[] = {"user/c.go"};
  qg_comment_opts o = {0};
  const char *arch =
      "**HIGH** `arch/violation`: x\n\n<!-- qgate:finding id=q fp=0123456789abcdef -->";
  assert_false(qg_host_unreviewed(&o, "user/a.go", arch)); /* not scoped */
  o.arch_scoped = true;
  o.arch_paths = paths;
  o.narch_paths = 1;
  assert_true(qg_host_unreviewed(&o, "user/a.go", arch));
  assert_false(qg_host_unreviewed(&o, "user/c.go", arch)); /* looked at this run */
  assert_true(qg_host_unreviewed(&o, "user/a.go", "**LOW** `arch/unconfirmed`: y"));
  assert_false(qg_host_unreviewed(&o, "user/a.go", "**CRITICAL** `pss/privileged`: z"));
  assert_false(qg_host_unreviewed(&o, "ARCHITECTURE.md", "**HIGH** `arch/document-changed`: d"));
  assert_false(qg_host_unreviewed(&o, "user/a.go", "a quote: ** `arch/violation`: w"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ctx),
      cmocka_unit_test(test_reviewed_head_read),
      cmocka_unit_test(test_unreviewed),
      cmocka_unit_test(test_summary_list),
      cmocka_unit_test(test_first_run_creates),
      cmocka_unit_test(test_second_run_updates),
      cmocka_unit_test(test_pagination),
      cmocka_unit_test(test_403_read_only),
      cmocka_unit_test(test_422_errors),
      cmocka_unit_test(test_422_isolates_refused_line),
      cmocka_unit_test(test_422_verdict_refused),
      cmocka_unit_test(test_5xx_after_stored_post),
      cmocka_unit_test(test_rate_limits_retried),
      cmocka_unit_test(test_token_never_shown),
      cmocka_unit_test(test_verdict),
      cmocka_unit_test(test_caps),
      cmocka_unit_test(test_suggestions),
      cmocka_unit_test(test_merge_checkout),
      cmocka_unit_test(test_no_change),
      cmocka_unit_test(test_summary_mentions),
  };
  qg_http_global_init();
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  qg_http_global_cleanup();
  return rc;
}
