/* unit_gitlab.c: merge request comments on GitLab against the scripted
 * server: the summary note created once and then edited in place, one
 * discussion per finding on a line the change shows (added lines with
 * new_line, context lines with both numbers, renamed files with the base
 * path), no duplicate on a re-run, stale discussions resolved and returning
 * findings reopened, approvals, and GitLab's errors word for word. Every
 * request's method, path and JSON body is compared exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/http.h"
#include "core/mem.h"
#include "hosts/host.h"
#include "hosts/internal.h"
#include "scoring/score.h"
#include "tests/mockhttp.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN "unit-test-token-0123456789"
#define MR "/api/v4/projects/42/merge_requests/7"
#define BASE "1111111111111111111111111111111111111111"
#define START "2222222222222222222222222222222222222222"
#define HEAD "3333333333333333333333333333333333333333"
#define MR_REPLY                                                                                   \
  "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"id\": 1007, \"iid\": 7, \"diff_refs\": "  \
  "{\"base_sha\": \"" BASE "\", \"head_sha\": \"" HEAD "\", \"start_sha\": \"" START "\"}}"
#define USER_REPLY "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"id\": 77}"
#define EMPTY_LIST "HTTP/1.1 200 OK\nContent-Type: application/json\n\n[]"
#define CREATED "HTTP/1.1 201 Created\nContent-Type: application/json\n\n{\"id\": 1}"
#define OK_REPLY "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"id\": 1}"
#define NOTES_PAGE(n) MR "/notes?sort=asc&order_by=created_at&per_page=100&page=" #n
#define DISC_PAGE(n) MR "/discussions?per_page=100&page=" #n

static const qg_rule k_rule = {
    .id = "test/rule",
    .name = "TestRule",
    .severity = QG_SEV_HIGH,
    .title = "A test rule",
    .remediation = "Set `x: false` (see the *docs*).",
};

/* The world of one test: a report of findings and the change they sit in. */
typedef struct fixture {
  qg_result res;
  qg_ruleset rules;
  qg_report rep;
  qg_score score;
  qg_change change;
  qg_change_file files[2];
  qg_host_ctx ctx;
  mock_server *m;
  qg_finding *a, *b, *c; /* on an added line, a context line, a renamed file's added line */
} fixture;

static uint32_t k_app_lines[] = {3, 4, 5, 6, 7}, k_app_added[] = {4, 5};
static uint32_t k_ren_lines[] = {1, 2, 3}, k_ren_added[] = {2};

static qg_finding *add(fixture *fx, const char *path, uint32_t line, const char *container,
                       const char *msg) {
  qg_location loc = {path, line, 3, 0, 0};
  qg_context cx = {"v1", "Pod", "default", "api", container, NULL};
  qg_result_add_finding(&fx->res, &k_rule, QG_SEV_HIGH, &loc, &cx, qg_xstrdup(msg));
  return &fx->res.findings.items[fx->res.findings.n - 1];
}

/* A: deploy/app.yaml:4 (added), B: :6 (context; base line 5), C: the renamed
 * file's added line 2, D: :20 (not in a hunk), E suppressed, F in the base,
 * G in a file the change does not touch. */
static void fixture_init(fixture *fx) {
  memset(fx, 0, sizeof(*fx));
  qg_result_init(&fx->res);
  qg_ruleset_init(&fx->rules);
  add(fx, "deploy/app.yaml", 4, "a", "container @team uses <latest> & more");
  add(fx, "deploy/app.yaml", 6, "b", "context line finding");
  add(fx, "deploy/new-name.yaml", 2, "c", "renamed file finding");
  add(fx, "deploy/app.yaml", 20, "d", "unchanged line finding");
  qg_finding *e = add(fx, "deploy/app.yaml", 4, "e", "suppressed");
  qg_finding_suppress(&fx->res, e, "qgate.io/ignore", "reviewed");
  add(fx, "deploy/app.yaml", 5, "f", "in base")->in_base = true;
  add(fx, "./other.yaml", 1, "g", "not in the change");
  fx->a = &fx->res.findings.items[0];
  fx->b = &fx->res.findings.items[1];
  fx->c = &fx->res.findings.items[2];
  fx->rep.result = &fx->res;
  fx->rep.rules = &fx->rules;
  fx->rep.command = "scan";
  fx->rep.fail_on = QG_SEV_LOW;

  qg_change_file *app = &fx->files[0], *ren = &fx->files[1];
  app->path = (char *)(uintptr_t) "deploy/app.yaml";
  app->status = 'M';
  app->patch =
      (char *)(uintptr_t) "@@ -3,4 +3,5 @@ kind: Pod\n line3\n-old4\n+new4\n+new5\n line5\n"
                          "\\ No newline at end of file\n line6\n";
  app->lines = k_app_lines;
  app->nlines = QG_ARRAY_LEN(k_app_lines);
  app->added = k_app_added;
  app->nadded = QG_ARRAY_LEN(k_app_added);
  ren->path = (char *)(uintptr_t) "deploy/new-name.yaml";
  ren->old_path = (char *)(uintptr_t) "deploy/old-name.yaml";
  ren->status = 'R';
  ren->patch = (char *)(uintptr_t) "@@ -1,2 +1,3 @@\n a\n+b\n c\n";
  ren->lines = k_ren_lines;
  ren->nlines = QG_ARRAY_LEN(k_ren_lines);
  ren->added = k_ren_added;
  ren->nadded = QG_ARRAY_LEN(k_ren_added);
  fx->change.files = fx->files;
  fx->change.n = 2;

  fx->m = mock_start();
  assert_non_null(fx->m);
  fx->ctx.host = qg_host_find("gitlab");
  fx->ctx.api_url = qg_xasprintf("http://127.0.0.1:%d/api/v4", mock_port(fx->m));
  fx->ctx.repo = qg_xstrdup("42");
  fx->ctx.number = 7;
  fx->ctx.head_sha = qg_xstrdup(HEAD);
  fx->ctx.base_sha = qg_xstrdup(BASE);
  fx->ctx.token = qg_xstrdup(TOKEN);
}

static void fixture_cleanup(fixture *fx) {
  mock_stop(fx->m);
  qg_host_ctx_cleanup(&fx->ctx);
  qg_result_cleanup(&fx->res);
  qg_ruleset_cleanup(&fx->rules);
}

static qg_comment_opts fast(void) {
  qg_comment_opts o = {0};
  o.timeout_ms = 5000;
  o.retries = -1;
  o.backoff_ms = 1;
  return o;
}

/* s as a JSON string literal; caller frees. */
static char *jstr(const char *s) {
  cJSON *v = cJSON_CreateString(s);
  char *t = cJSON_PrintUnformatted(v);
  cJSON_Delete(v);
  char *r = qg_xstrdup(t);
  cJSON_free(t);
  return r;
}

static char *marker(const qg_finding *f) {
  char mk[QG_HOST_MARKER_MAX];
  qg_host_finding_marker(f, "qgate", mk);
  return qg_xstrdup(mk);
}

/* The discussion qgate must post for f, exactly. */
static char *want_discussion(const qg_finding *f, const char *text, const char *new_path,
                             const char *old_path, unsigned new_line, unsigned old_line) {
  char *mk = marker(f);
  char *body = qg_xasprintf(
      "**HIGH** `test/rule`: %s\n\nSet \\`x: false\\` (see the \\*docs\\*).\n\n%s", text, mk);
  char *b = jstr(body);
  char old[32] = "";
  if (old_line)
    snprintf(old, sizeof(old), ",\"old_line\":%u", old_line);
  char *r =
      qg_xasprintf("{\"body\":%s,\"position\":{\"position_type\":\"text\",\"base_sha\":\"" BASE
                   "\",\"start_sha\":\"" START "\",\"head_sha\":\"" HEAD
                   "\",\"new_path\":\"%s\",\"old_path\":\"%s\",\"new_line\":%u%s}}",
                   b, new_path, old_path, new_line, old);
  free(mk);
  free(body);
  free(b);
  return r;
}

/* The summary of a run where D (unchanged line) and G (a file the change does not touch)
 * have no discussion, sorted by path: "./other.yaml" before "deploy/". */
#define SUMMARY_D_G                                                                                \
  "<!-- qgate:summary id=qgate -->\n### 5 findings\n\n3 with an inline comment, 2 without: "       \
  "listed "                                                                                        \
  "below.\n\n<details open><summary>2 findings without an inline comment: 2 outside the "          \
  "diff</summary>\n\n- **HIGH** `test/rule` `other.yaml:1`: not in the change\n- **HIGH** "        \
  "`test/rule` `deploy/app.yaml:20`: unchanged line finding\n\n</details>\n\nEvery finding is "    \
  "in the full report: the job's artifacts, and in the merge request's Code Quality widget "       \
  "where the job uploads the codequality report.\n"

static char *want_summary(const char *text) {
  char *b = jstr(text);
  char *r = qg_xasprintf("{\"body\":%s}", b);
  free(b);
  return r;
}

/* Request i is METHOD PATH with this body (NULL: none), and authenticated. */
static void expect_req(const fixture *fx, size_t i, const char *method, const char *path,
                       const char *body) {
  assert_true(i < mock_nrequests(fx->m));
  const mock_request *rq = mock_request_at(fx->m, i);
  assert_string_equal(rq->method, method);
  assert_string_equal(rq->path, path);
  assert_false(rq->unexpected);
  const char *tok = mock_header_value(rq, "PRIVATE-TOKEN");
  assert_non_null(tok);
  assert_string_equal(tok, TOKEN);
  if (body) {
    assert_string_equal(rq->body, body);
    assert_string_equal(mock_header_value(rq, "content-type"), "application/json");
  } else {
    assert_int_equal(rq->len, 0);
  }
}

/* QG_OK, or the test fails showing why. */
static void assert_ok(qg_status st, const qg_comment_outcome *out) {
  if (st != QG_OK || out->error)
    print_error("qg_host_comment: %d: %s\n", (int)st, out->error);
  assert_int_equal(st, QG_OK);
  assert_null(out->error);
}

static void script_empty_mr(fixture *fx) {
  mock_add_response(fx->m, "GET", MR, MR_REPLY);
  mock_add_response(fx->m, "GET", MR "/notes", EMPTY_LIST);
  mock_add_response(fx->m, "GET", MR "/discussions", EMPTY_LIST);
}

/* A first run on an empty merge request: the summary and three discussions. */
static void first_run(fixture *fx, qg_comment_outcome *out) {
  script_empty_mr(fx);
  mock_add_response(fx->m, "POST", MR "/notes", CREATED);
  for (int i = 0; i < 3; i++)
    mock_add_response(fx->m, "POST", MR "/discussions", CREATED);
  qg_comment_opts o = fast();
  assert_ok(qg_host_comment(&fx->ctx, &fx->rep, &fx->change, &o, out), out);
}

/* Requests 4-6 of a first run: the discussions on A (an added line), B (a context
 * line) and C (the renamed file's added line), escaped: no mention, no HTML. */
static void expect_discussions(const fixture *fx) {
  char *w = want_discussion(fx->a, "container @\xe2\x80\x8dteam uses &lt;latest&gt; &amp; more",
                            "deploy/app.yaml", "deploy/app.yaml", 4, 0);
  expect_req(fx, 3, "POST", MR "/discussions", w);
  free(w);
  w = want_discussion(fx->b, "context line finding", "deploy/app.yaml", "deploy/app.yaml", 6, 5);
  expect_req(fx, 4, "POST", MR "/discussions", w);
  free(w);
  w = want_discussion(fx->c, "renamed file finding", "deploy/new-name.yaml", "deploy/old-name.yaml",
                      2, 0);
  expect_req(fx, 5, "POST", MR "/discussions", w);
  free(w);
}

static void test_first_run(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  qg_comment_outcome out;
  first_run(&fx, &out);
  assert_true(out.summary_created);
  assert_false(out.summary_updated);
  assert_int_equal(out.inline_created, 3);
  assert_int_equal(out.inline_kept, 0);
  assert_int_equal(out.inline_removed, 0);
  assert_int_equal(out.to_summary, 2); /* D (unchanged line) and G (file not in the change) */
  assert_int_equal(out.over_cap, 0);
  assert_null(out.verdict);

  assert_int_equal(mock_nrequests(fx.m), 7);
  expect_req(&fx, 0, "GET", MR, NULL);
  expect_req(&fx, 1, "GET", NOTES_PAGE(1), NULL);
  expect_req(&fx, 2, "GET", DISC_PAGE(1), NULL);
  expect_discussions(&fx);
  char *w = want_summary(SUMMARY_D_G); /* after the discussions: it lists what has none */
  expect_req(&fx, 6, "POST", MR "/notes", w);
  free(w);
  fixture_cleanup(&fx);
}

/* A merged results pipeline: the checkout is the merge with the target branch,
 * whose three lines 2-4 of deploy/app.yaml the merge request does not have. The
 * change maps the checkout's lines to the merge request's head: A (checkout line
 * 7) goes on head line 4, B (9) on 6 with base line 5; H, on a line the target
 * branch brought, has no place in the diff and is in the summary only. */
static void test_merged_results(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  static qg_change_hunk moved[] = {{2, 3, 1, 0}};
  fx.files[0].moved = moved;
  fx.files[0].nmoved = 1;
  fx.files[0].remapped = true;
  fx.files[1].remapped = true; /* the same at the head */
  fx.a->loc.line = 7;
  fx.b->loc.line = 9;
  add(&fx, "deploy/app.yaml", 3, "h", "from the target branch");
  qg_comment_outcome out;
  first_run(&fx, &out);
  assert_int_equal(out.inline_created, 3);
  assert_int_equal(out.to_summary, 3); /* D, G, and H */
  assert_int_equal(mock_nrequests(fx.m), 7);
  expect_discussions(&fx);
  fixture_cleanup(&fx);
}

/* A discussion as GitLab lists it: qgate's first note (its author the token's user, 77,
 * who resolved it when resolved), then a system note. */
static void add_discussion(qg_buf *b, const char *id, const char *first_body, bool resolved) {
  char *body = jstr(first_body);
  (void)qg_buf_printf(b,
                      "%s{\"id\": \"%s\", \"individual_note\": false, \"notes\": [{\"id\": 5, "
                      "\"type\": \"DiffNote\", \"body\": %s, \"resolvable\": true, \"resolved\": "
                      "%s, \"resolved_by\": %s, \"author\": {\"id\": 77}}, {\"id\": 6, \"body\": "
                      "\"resolved all threads\", \"system\": true, \"author\": {\"id\": 5}, "
                      "\"resolved\": %s}]}",
                      b->data[b->len - 1] == '[' ? "" : ", ", id, body, resolved ? "true" : "false",
                      resolved ? "{\"id\": 77}" : "null", resolved ? "true" : "false");
  free(body);
}

static void test_rerun_updates_in_place(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  mock_add_response(fx.m, "GET", MR, MR_REPLY);
  /* page 1 is full (100 notes, none qgate's): page 2 must be read */
  qg_buf page;
  qg_buf_init(&page, 0);
  (void)qg_buf_puts(&page, "HTTP/1.1 200 OK\nContent-Type: application/json\n\n[");
  for (int i = 0; i < 100; i++)
    (void)qg_buf_printf(&page, "%s{\"id\": %d, \"body\": \"LGTM\", \"system\": false}",
                        i ? ", " : "", 100 + i);
  (void)qg_buf_puts(&page, "]");
  mock_add_response(fx.m, "GET", MR "/notes", page.data);
  qg_buf_cleanup(&page);
  mock_add_response(fx.m, "GET", MR "/notes",
                    "HTTP/1.1 200 OK\nContent-Type: application/json\n\n[{\"id\": 901, \"body\": "
                    "\"<!-- qgate:summary id=qgate -->\\nan older report\", \"system\": false, "
                    "\"author\": {\"id\": 77}}, {\"id\": 902, \"body\": \"<!-- qgate:summary "
                    "id=qgate -->\\na later copy\", \"author\": {\"id\": 77}}]");
  char *fa = marker(fx.a), *fb = marker(fx.b), *fc = marker(fx.c);
  char *ba = qg_xasprintf("**HIGH** old text\n\n%s", fa);
  char *bb = qg_xasprintf("**HIGH** old text\n\n%s", fb);
  char *bc = qg_xasprintf("**HIGH** old text\n\n%s", fc);
  qg_buf d;
  qg_buf_init(&d, 0);
  (void)qg_buf_puts(&d, "HTTP/1.1 200 OK\nContent-Type: application/json\n\n[");
  add_discussion(&d, "aaaa", ba, false); /* kept */
  add_discussion(&d, "bbbb", bb, true);  /* back: reopened */
  add_discussion(&d, "cccc", bc, false); /* kept */
  add_discussion(&d, "dead", "gone\n<!-- qgate:finding id=qgate fp=00000000000000aa -->",
                 false); /* stale */
  add_discussion(&d, "done", "fixed\n<!-- qgate:finding id=qgate fp=00000000000000bb -->",
                 true); /* resolved */
  add_discussion(&d, "hman", "a human's thread", false);
  add_discussion(
      &d, "summ",
      "<!-- qgate:summary id=qgate -->\n<!-- qgate:finding id=qgate fp=00000000000000cc -->",
      false);
  (void)qg_buf_puts(&d, "]");
  mock_add_response(fx.m, "GET", MR "/discussions", d.data);
  qg_buf_cleanup(&d);
  mock_add_response(fx.m, "GET", "/api/v4/user", USER_REPLY);
  mock_add_response(fx.m, "PUT", MR "/notes/901", OK_REPLY);
  mock_add_response(fx.m, "PUT", MR "/discussions/bbbb", OK_REPLY);
  mock_add_response(fx.m, "PUT", MR "/discussions/dead", OK_REPLY);

  qg_comment_opts o = fast();
  qg_comment_outcome out;
  assert_ok(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), &out);
  assert_false(out.summary_created);
  assert_true(out.summary_updated);
  assert_int_equal(out.inline_created, 0);
  assert_int_equal(out.inline_kept, 3);
  assert_int_equal(out.inline_removed, 1);
  assert_int_equal(out.to_summary, 2);

  assert_int_equal(mock_nrequests(fx.m), 8);
  expect_req(&fx, 0, "GET", MR, NULL);
  expect_req(&fx, 1, "GET", NOTES_PAGE(1), NULL);
  expect_req(&fx, 2, "GET", NOTES_PAGE(2), NULL);
  expect_req(&fx, 3, "GET", DISC_PAGE(1), NULL);
  expect_req(&fx, 4, "GET", "/api/v4/user", NULL);
  expect_req(&fx, 5, "PUT", MR "/discussions/bbbb", "{\"resolved\":false}");
  char *w = want_summary(SUMMARY_D_G);
  expect_req(&fx, 6, "PUT", MR "/notes/901", w); /* the oldest, in place */
  free(w);
  expect_req(&fx, 7, "PUT", MR "/discussions/dead", "{\"resolved\":true}");
  free(fa), free(fb), free(fc), free(ba), free(bb), free(bc);
  fixture_cleanup(&fx);
}

static void test_unchanged_summary_not_edited(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  mock_add_response(fx.m, "GET", MR, MR_REPLY);
  /* without a change every active finding is outside the diff */
  qg_host_lefts left = {0};
  for (size_t i = 0; i < fx.res.findings.n; i++)
    if (!fx.res.findings.items[i].suppressed_by && !fx.res.findings.items[i].in_base)
      qg_host_left_add(&left, &fx.res.findings.items[i], QG_HOST_LEFT_OUTSIDE);
  qg_host_summary in = {.rep = &fx.rep,
                        .left = &left,
                        .host = "GitLab",
                        .report_what = "the job",
                        .report_also = "in the merge request's Code Quality widget where the "
                                       "job uploads the codequality report",
                        .max_body = 1000000};
  char *sum = qg_host_summary_body(&in, NULL), *js = jstr(sum);
  qg_host_lefts_free(&left);
  char *notes = qg_xasprintf(
      "HTTP/1.1 200 OK\n\n[{\"id\": 901, \"body\": %s, \"author\": {\"id\": 77}}]", js);
  mock_add_response(fx.m, "GET", MR "/notes", notes);
  free(sum), free(js), free(notes);
  mock_add_response(fx.m, "GET", MR "/discussions", EMPTY_LIST);
  mock_add_response(fx.m, "GET", "/api/v4/user", USER_REPLY);
  qg_comment_opts o = fast();
  qg_comment_outcome out;
  /* no change: every finding goes to the summary, and nothing is posted */
  assert_ok(qg_host_comment(&fx.ctx, &fx.rep, NULL, &o, &out), &out);
  assert_false(out.summary_created);
  assert_false(out.summary_updated);
  assert_int_equal(out.inline_created, 0);
  assert_int_equal(out.to_summary, 5);
  assert_int_equal(mock_nrequests(fx.m), 4);
  fixture_cleanup(&fx);
}

static void test_cap_and_missing_diff_refs(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  script_empty_mr(&fx);
  mock_add_response(fx.m, "POST", MR "/notes", CREATED);
  mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  qg_comment_opts o = fast();
  o.max_inline = 1;
  qg_comment_outcome out;
  assert_ok(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), &out);
  assert_int_equal(out.inline_created, 1);
  assert_int_equal(out.over_cap, 2);
  assert_int_equal(out.to_summary, 2);
  assert_int_equal(mock_nrequests(fx.m), 5);
  mock_stop(fx.m);

  /* diff_refs is null until GitLab has computed the diff: no position can be
   * given, so every finding goes to the summary */
  fx.m = mock_start();
  assert_non_null(fx.m);
  free(fx.ctx.api_url);
  fx.ctx.api_url = qg_xasprintf("http://127.0.0.1:%d/api/v4", mock_port(fx.m));
  mock_add_response(fx.m, "GET", MR,
                    "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"iid\": 7, "
                    "\"diff_refs\": null}");
  mock_add_response(fx.m, "GET", MR "/notes", EMPTY_LIST);
  mock_add_response(fx.m, "GET", MR "/discussions", EMPTY_LIST);
  mock_add_response(fx.m, "POST", MR "/notes", CREATED);
  o = fast();
  assert_ok(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), &out);
  assert_true(out.summary_created);
  assert_int_equal(out.inline_created, 0);
  assert_int_equal(out.to_summary, 5);
  assert_int_equal(mock_nrequests(fx.m), 4);
  fixture_cleanup(&fx);
}

static void test_403_reported_and_the_rest_done(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  script_empty_mr(&fx);
  mock_add_response(fx.m, "POST", MR "/notes",
                    "HTTP/1.1 403 Forbidden\nContent-Type: application/json\n\n"
                    "{\"message\": \"403 Forbidden\"}");
  for (int i = 0; i < 3; i++)
    mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  qg_comment_opts o = fast();
  qg_comment_outcome out;
  assert_int_equal(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), QG_ENET);
  assert_string_equal(
      out.error, "GitLab: HTTP 403 on POST /projects/42/merge_requests/7/notes: 403 Forbidden");
  assert_false(out.summary_created);
  assert_int_equal(out.inline_created, 3);
  assert_int_equal(mock_nrequests(fx.m), 7);
  qg_comment_outcome_cleanup(&out);
  fixture_cleanup(&fx);
}

static void test_422_flattened(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  script_empty_mr(&fx);
  mock_add_response(fx.m, "POST", MR "/notes", CREATED);
  /* GitLab's validation errors: an object of arrays; the token echoed back
   * must not reach the error text: it is masked as qg_redact masks secrets */
  mock_add_response(fx.m, "POST", MR "/discussions",
                    "HTTP/1.1 422 Unprocessable Entity\nContent-Type: application/json\n\n"
                    "{\"message\": {\"position\": [\"is incomplete\"], \"line_code\": [\"can't be "
                    "blank\", \"must be a valid line code\"], \"token\": \"" TOKEN "\"}}");
  mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  qg_comment_opts o = fast();
  qg_comment_outcome out;
  assert_int_equal(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), QG_ENET);
  assert_string_equal(out.error,
                      "GitLab: HTTP 422 on POST /projects/42/merge_requests/7/discussions: "
                      "position is incomplete; line_code can't be blank; line_code must be a "
                      "valid line code; token unit****\xe2\x80\xa6(26 chars)");
  assert_true(out.summary_created);
  assert_int_equal(out.inline_created, 2);
  assert_int_equal(out.to_summary, 3); /* the one GitLab refused is only in the summary */
  assert_int_equal(mock_nrequests(fx.m), 7);
  qg_comment_outcome_cleanup(&out);
  fixture_cleanup(&fx);
}

/* Issue 19: GitLab refuses a discussion's position (400): the other discussions are
 * posted, the refused finding is listed in the summary note (sent after them), and the run
 * is no failure. */
static void test_400_position_refused(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  script_empty_mr(&fx);
  mock_add_response(fx.m, "POST", MR "/notes", CREATED);
  mock_add_response(fx.m, "POST", MR "/discussions",
                    "HTTP/1.1 400 Bad Request\nContent-Type: application/json\n\n"
                    "{\"message\": \"400 Bad request - Note {:line_code=>[\\\"can't be blank\\\", "
                    "\\\"must be a valid line code\\\"]}\"}");
  mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  qg_comment_opts o = fast();
  o.id = "qgate-k8s"; /* the job's own id, in the summary's marker */
  qg_comment_outcome out;
  assert_ok(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), &out);
  assert_true(out.summary_created);
  assert_int_equal(out.inline_created, 2);
  assert_int_equal(out.to_summary, 3);
  assert_int_equal(out.nrefused, 1);
  assert_ptr_equal(out.refused[0], fx.a);
  assert_string_equal(out.refused_why, "HTTP 400: 400 Bad request - Note {:line_code=>[\"can't "
                                       "be blank\", \"must be a valid line code\"]}");
  /* the summary after the discussions: posted once, with the refused finding listed */
  assert_int_equal(mock_nrequests(fx.m), 7);
  const mock_request *sum = mock_request_at(fx.m, 6);
  assert_string_equal(sum->method, "POST");
  assert_string_equal(sum->path, MR "/notes");
  const char *head = "{\"body\":\"<!-- qgate:summary id=qgate-k8s -->\\n";
  assert_true(strncmp(sum->body, head, strlen(head)) == 0);
  assert_non_null(strstr(mock_request_at(fx.m, 3)->body, "<!-- qgate:finding id=qgate-k8s fp="));
  assert_non_null(strstr(sum->body, "3 findings without an inline comment: 2 outside the diff, "
                                    "1 refused by the host"));
  assert_non_null(strstr(sum->body, "`deploy/app.yaml:4`: container"));
  assert_non_null(strstr(sum->body, "more _(refused by the host)_"));
  assert_int_equal(qg_comment_outcome_status(&out, QG_OK), QG_COMMENTS_INCOMPLETE);
  qg_comment_outcome_cleanup(&out);
  fixture_cleanup(&fx);
}

/* Issue 19: a 5xx after GitLab stored the summary note or a discussion: the list is read
 * again and nothing is posted twice. What is found there must be qgate's by the rules of
 * every note it touches (its marker with qgate's id, the token's own user as author): a
 * person's note quoting the summary marker listed first is passed over, qgate's own
 * (55) is the one found. */
static void test_5xx_after_stored_post(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  script_empty_mr(&fx);
  mock_add_response(fx.m, "POST", MR "/notes", "HTTP/1.1 502 Bad Gateway\n\n");
  mock_add_response(fx.m, "GET", MR "/notes",
                    "HTTP/1.1 200 OK\nContent-Type: application/json\n\n[{\"id\": 54, \"body\": "
                    "\"> <!-- qgate:summary id=qgate -->\\nwhy?\", \"author\": {\"id\": 12}}, "
                    "{\"id\": 55, \"body\": \"<!-- qgate:summary id=qgate -->\\nreport\", "
                    "\"author\": {\"id\": 77}}]");
  mock_add_response(fx.m, "GET", "/api/v4/user", USER_REPLY);
  mock_add_response(fx.m, "POST", MR "/discussions", "HTTP/1.1 500 Internal Server Error\n\n");
  char *mk = marker(fx.a);
  char *disc = qg_xasprintf("HTTP/1.1 200 OK\nContent-Type: application/json\n\n[{\"id\": "
                            "\"d1\", \"notes\": [{\"id\": 9, \"body\": \"x %s\", \"author\": "
                            "{\"id\": 77}}]}]",
                            mk);
  mock_add_response(fx.m, "GET", MR "/discussions", disc);
  free(disc);
  mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  qg_comment_opts o = fast();
  o.retries = 1;
  qg_comment_outcome out;
  assert_ok(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), &out);
  assert_true(out.summary_created);
  assert_int_equal(out.inline_created, 3);
  assert_int_equal(mock_nrequests(fx.m), 10);
  char *w = want_discussion(fx.a, "container @\xe2\x80\x8dteam uses &lt;latest&gt; &amp; more",
                            "deploy/app.yaml", "deploy/app.yaml", 4, 0);
  expect_req(&fx, 3, "POST", MR "/discussions", w);
  free(w);
  expect_req(&fx, 4, "GET", DISC_PAGE(1), NULL);
  expect_req(&fx, 5, "GET", "/api/v4/user", NULL); /* asked once there is a candidate */
  w = want_discussion(fx.b, "context line finding", "deploy/app.yaml", "deploy/app.yaml", 6, 5);
  expect_req(&fx, 6, "POST", MR "/discussions", w);
  free(w);
  char *sum = want_summary(SUMMARY_D_G); /* after the discussions */
  expect_req(&fx, 8, "POST", MR "/notes", sum);
  expect_req(&fx, 9, "GET", NOTES_PAGE(1), NULL);
  qg_comment_outcome_cleanup(&out);
  mock_stop(fx.m);

  /* what the lists hold after the lost answers is not qgate's new note nor its new
   * discussion: a person's note quoting the summary marker (author 12), qgate's own
   * discussion of A from before this run (dold: outdated by a push, which is why A gets a
   * new one) and a person's discussion quoting A's marker. Both are posted once more. */
  fx.m = mock_start();
  assert_non_null(fx.m);
  free(fx.ctx.api_url);
  fx.ctx.api_url = qg_xasprintf("http://127.0.0.1:%d/api/v4", mock_port(fx.m));
  char *ja = qg_xasprintf("\"**HIGH** old text\\n\\n%s\"", mk);
  char *old = qg_xasprintf("{\"id\": \"dold\", \"notes\": [{\"id\": 8, \"body\": %s, \"author\": "
                           "{\"id\": 77}, \"position\": {\"head_sha\": \"" BASE "\", "
                           "\"new_path\": \"deploy/app.yaml\", \"new_line\": 3}}]}",
                           ja);
  char *list = qg_xasprintf("HTTP/1.1 200 OK\nContent-Type: application/json\n\n[%s]", old);
  mock_add_response(fx.m, "GET", MR, MR_REPLY);
  mock_add_response(fx.m, "GET", MR "/notes", EMPTY_LIST);
  mock_add_response(fx.m, "GET", MR "/discussions", list);
  free(list);
  mock_add_response(fx.m, "GET", "/api/v4/user", USER_REPLY);
  mock_add_response(fx.m, "POST", MR "/notes", "HTTP/1.1 502 Bad Gateway\n\n");
  mock_add_response(fx.m, "GET", MR "/notes",
                    "HTTP/1.1 200 OK\nContent-Type: application/json\n\n[{\"id\": 54, \"body\": "
                    "\"> <!-- qgate:summary id=qgate -->\\nwhy?\", \"author\": {\"id\": 12}}]");
  mock_add_response(fx.m, "POST", MR "/notes", CREATED);
  mock_add_response(fx.m, "POST", MR "/discussions", "HTTP/1.1 500 Internal Server Error\n\n");
  list = qg_xasprintf("HTTP/1.1 200 OK\nContent-Type: application/json\n\n[%s, {\"id\": "
                      "\"dhmn\", \"notes\": [{\"id\": 10, \"body\": \"see %s\", \"author\": "
                      "{\"id\": 12}}]}]",
                      old, mk);
  mock_add_response(fx.m, "GET", MR "/discussions", list);
  free(list);
  for (int i = 0; i < 3; i++)
    mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  assert_ok(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), &out);
  assert_true(out.summary_created);
  assert_int_equal(out.inline_created, 3);
  assert_int_equal(out.inline_removed, 0); /* dold: its finding is there, answered anew */
  assert_int_equal(mock_nrequests(fx.m), 12);
  expect_req(&fx, 3, "GET", "/api/v4/user", NULL);
  w = want_discussion(fx.a, "container @\xe2\x80\x8dteam uses &lt;latest&gt; &amp; more",
                      "deploy/app.yaml", "deploy/app.yaml", 4, 0);
  expect_req(&fx, 4, "POST", MR "/discussions", w);
  expect_req(&fx, 5, "GET", DISC_PAGE(1), NULL);
  expect_req(&fx, 6, "POST", MR "/discussions", w);
  free(w);
  expect_req(&fx, 9, "POST", MR "/notes", sum);
  expect_req(&fx, 10, "GET", NOTES_PAGE(1), NULL);
  expect_req(&fx, 11, "POST", MR "/notes", sum);
  for (size_t i = 0; i < mock_nrequests(fx.m); i++)
    assert_false(mock_request_at(fx.m, i)->unexpected);
  free(sum);
  free(old);
  free(ja);
  free(mk);
  qg_comment_outcome_cleanup(&out);
  fixture_cleanup(&fx);
}

/* The token's own user cannot be told (GET /user refused) when the list after a lost
 * answer holds a note with the summary marker: whether it is qgate's is unknown, so the
 * note is not posted again (a second summary is worse than a missing one, which the
 * failure reports). */
static void test_5xx_author_unknown(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  script_empty_mr(&fx);
  mock_add_response(fx.m, "POST", MR "/notes", "HTTP/1.1 502 Bad Gateway\n\n");
  mock_add_response(fx.m, "GET", MR "/notes",
                    "HTTP/1.1 200 OK\nContent-Type: application/json\n\n[{\"id\": 55, \"body\": "
                    "\"<!-- qgate:summary id=qgate -->\\nreport\", \"author\": {\"id\": 77}}]");
  mock_add_response(fx.m, "GET", "/api/v4/user",
                    "HTTP/1.1 403 Forbidden\nContent-Type: application/json\n\n"
                    "{\"message\": \"403 Forbidden - insufficient_scope\"}");
  for (int i = 0; i < 3; i++)
    mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  qg_comment_opts o = fast();
  o.retries = 1;
  qg_comment_outcome out;
  assert_int_equal(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), QG_ENET);
  assert_string_equal(out.error, "GitLab: HTTP 502 on POST /projects/42/merge_requests/7/notes");
  assert_false(out.summary_created);
  assert_int_equal(out.inline_created, 3);
  assert_int_equal(mock_nrequests(fx.m), 9); /* one POST of the note */
  for (size_t i = 3; i < 6; i++)
    assert_string_equal(mock_request_at(fx.m, i)->path, MR "/discussions");
  char *sum = want_summary(SUMMARY_D_G);
  expect_req(&fx, 6, "POST", MR "/notes", sum);
  free(sum);
  expect_req(&fx, 7, "GET", NOTES_PAGE(1), NULL);
  expect_req(&fx, 8, "GET", "/api/v4/user", NULL);
  qg_comment_outcome_cleanup(&out);
  fixture_cleanup(&fx);
}

static void test_401_stops_and_failed_list_posts_nothing(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  /* a refused token: every further request would be refused too */
  mock_add_response(fx.m, "GET", MR,
                    "HTTP/1.1 401 Unauthorized\nContent-Type: application/json\n\n"
                    "{\"message\": \"401 Unauthorized\"}");
  qg_comment_opts o = fast();
  qg_comment_outcome out;
  assert_int_equal(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), QG_ENET);
  assert_string_equal(out.error,
                      "GitLab: HTTP 401 on GET /projects/42/merge_requests/7: 401 Unauthorized");
  assert_int_equal(mock_nrequests(fx.m), 1);
  assert_null(strstr(out.error, TOKEN));
  mock_stop(fx.m);

  /* the lists could not be read: neither a summary nor a discussion may be
   * created (it could be a second one); stale threads seen are resolved */
  fx.m = mock_start();
  assert_non_null(fx.m);
  free(fx.ctx.api_url);
  fx.ctx.api_url = qg_xasprintf("http://127.0.0.1:%d/api/v4", mock_port(fx.m));
  mock_add_response(fx.m, "GET", MR, MR_REPLY);
  mock_add_response(fx.m, "GET", MR "/notes",
                    "HTTP/1.1 404 Not Found\nContent-Type: application/json\n\n"
                    "{\"error\": \"404 Not Found\"}");
  mock_add_response(
      fx.m, "GET", MR "/discussions",
      "HTTP/1.1 200 OK\n\n[{\"id\": \"dead\", \"notes\": [{\"body\": \"x <!-- qgate:finding "
      "id=qgate fp=00000000000000aa -->\", \"resolved\": false, \"author\": {\"id\": 77}}]}, "
      "{}, {}, {}, {}, "
      "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, "
      "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, "
      "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, "
      "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, "
      "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}]");
  mock_add_response(fx.m, "GET", MR "/discussions",
                    "HTTP/1.1 502 Bad Gateway\nContent-Type: text/html\n\n<html>bad</html>");
  mock_add_response(fx.m, "GET", "/api/v4/user", USER_REPLY);
  mock_add_response(fx.m, "PUT", MR "/discussions/dead", OK_REPLY);
  qg_comment_outcome_cleanup(&out);
  assert_int_equal(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), QG_ENET);
  assert_string_equal(out.error, "GitLab: HTTP 404 on GET /projects/42/merge_requests/7/notes: "
                                 "404 Not Found");
  assert_false(out.summary_created);
  assert_int_equal(out.inline_created, 0);
  assert_int_equal(out.to_summary, 5);
  assert_int_equal(out.inline_removed, 1);
  assert_int_equal(mock_nrequests(fx.m), 6);
  expect_req(&fx, 3, "GET", DISC_PAGE(2), NULL);
  expect_req(&fx, 4, "GET", "/api/v4/user", NULL);
  expect_req(&fx, 5, "PUT", MR "/discussions/dead", "{\"resolved\":true}");
  qg_comment_outcome_cleanup(&out);
  fixture_cleanup(&fx);
}

static void test_retried_429_and_404_hint(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  /* a wrong project: what to check is said */
  mock_add_response(fx.m, "GET", MR,
                    "HTTP/1.1 404 Not Found\nContent-Type: application/json\n\n"
                    "{\"message\": \"404 Project Not Found\"}");
  mock_add_response(fx.m, "GET", MR "/notes", EMPTY_LIST);
  mock_add_response(fx.m, "GET", MR "/discussions", EMPTY_LIST);
  /* the rate limiter's plain-text reply, retried once (Retry-After: 0) */
  for (int i = 0; i < 2; i++)
    mock_add_response(fx.m, "POST", MR "/notes",
                      "HTTP/1.1 429 Too Many Requests\nRetry-After: 0\nContent-Type: text/plain\n\n"
                      "Retry later\n");
  qg_comment_opts o = fast();
  o.retries = 1;
  qg_comment_outcome out;
  assert_int_equal(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), QG_ENET);
  assert_string_equal(out.error, "GitLab: HTTP 404 on GET /projects/42/merge_requests/7: 404 "
                                 "Project Not Found (check CI_PROJECT_ID and CI_MERGE_REQUEST_IID, "
                                 "and that the token's user can see the project)");
  assert_int_equal(out.to_summary, 5); /* no diff_refs: no position */
  assert_int_equal(mock_nrequests(fx.m), 5);
  mock_stop(fx.m);

  fx.m = mock_start();
  assert_non_null(fx.m);
  free(fx.ctx.api_url);
  fx.ctx.api_url = qg_xasprintf("http://127.0.0.1:%d/api/v4", mock_port(fx.m));
  script_empty_mr(&fx);
  for (int i = 0; i < 2; i++)
    mock_add_response(fx.m, "POST", MR "/notes",
                      "HTTP/1.1 429 Too Many Requests\nRetry-After: 0\nContent-Type: text/plain\n\n"
                      "Retry later\n");
  for (int i = 0; i < 3; i++)
    mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
  qg_comment_outcome_cleanup(&out);
  assert_int_equal(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), QG_ENET);
  assert_string_equal(out.error, "GitLab: HTTP 429 on POST /projects/42/merge_requests/7/notes: "
                                 "Retry later (after 2 attempts)");
  assert_int_equal(out.inline_created, 3);
  assert_int_equal(mock_nrequests(fx.m), 8);
  qg_comment_outcome_cleanup(&out);
  fixture_cleanup(&fx);
}

/* A report without findings and with a score at `decision`. */
static void verdict_run(fixture *fx, qg_decision decision, const char *approvals,
                        const char *post_path, const char *post_reply, qg_comment_outcome *out,
                        qg_status want) {
  qg_result_cleanup(&fx->res);
  qg_result_init(&fx->res);
  memset(&fx->score, 0, sizeof(fx->score));
  fx->score.decision = decision;
  fx->rep.score = &fx->score;
  mock_stop(fx->m);
  fx->m = mock_start();
  assert_non_null(fx->m);
  free(fx->ctx.api_url);
  fx->ctx.api_url = qg_xasprintf("http://127.0.0.1:%d/api/v4", mock_port(fx->m));
  script_empty_mr(fx);
  mock_add_response(fx->m, "POST", MR "/notes", CREATED);
  if (approvals)
    mock_add_response(fx->m, "GET", MR "/approvals", approvals);
  if (post_path)
    mock_add_response(fx->m, "POST", post_path, post_reply);
  qg_comment_opts o = fast();
  o.verdict = QG_VERDICT_ON;
  qg_status st = qg_host_comment(&fx->ctx, &fx->rep, &fx->change, &o, out);
  if (st != want)
    print_error("%s\n", out->error);
  assert_int_equal(st, want);
}

static void test_verdicts(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  qg_comment_outcome out;
  /* approve: not approved yet, so approved at the head that was checked */
  verdict_run(&fx, QG_DECISION_APPROVE, "HTTP/1.1 200 OK\n\n{\"user_has_approved\": false}",
              MR "/approve", CREATED, &out, QG_OK);
  assert_string_equal(out.verdict, "approve");
  assert_int_equal(mock_nrequests(fx.m), 6);
  expect_req(&fx, 4, "GET", MR "/approvals", NULL);
  expect_req(&fx, 5, "POST", MR "/approve", "{\"sha\":\"" HEAD "\"}");
  /* approved already (a second approval would be a 401): nothing sent */
  verdict_run(&fx, QG_DECISION_APPROVE, "HTTP/1.1 200 OK\n\n{\"user_has_approved\": true}", NULL,
              NULL, &out, QG_OK);
  assert_string_equal(out.verdict, "approve");
  assert_int_equal(mock_nrequests(fx.m), 5);
  /* reject: unapprove; a 404 means it was not approved */
  verdict_run(&fx, QG_DECISION_REJECT, "HTTP/1.1 200 OK\n\n{\"user_has_approved\": true}",
              MR "/unapprove", "HTTP/1.1 404 Not Found\n\n{\"message\": \"404 Not Found\"}", &out,
              QG_OK);
  assert_string_equal(out.verdict, "unapprove");
  assert_int_equal(mock_nrequests(fx.m), 6);
  expect_req(&fx, 5, "POST", MR "/unapprove", NULL);
  /* the state cannot be read (even a 401 there is no reason to stop): the
   * request goes anyway, and its refusal is explained */
  verdict_run(&fx, QG_DECISION_APPROVE,
              "HTTP/1.1 401 Unauthorized\n\n{\"message\": \"401 Unauthorized\"}", MR "/approve",
              "HTTP/1.1 401 Unauthorized\n\n{\"message\": \"401 Unauthorized\"}", &out, QG_ENET);
  assert_null(out.verdict);
  assert_int_equal(mock_nrequests(fx.m), 6);
  assert_string_equal(out.error, "GitLab: HTTP 401 on POST /projects/42/merge_requests/7/approve: "
                                 "401 Unauthorized (the token's user may not approve this merge "
                                 "request: it is its author, or not an eligible approver)");
  qg_comment_outcome_cleanup(&out);
  /* review: no verdict */
  verdict_run(&fx, QG_DECISION_REVIEW, NULL, NULL, NULL, &out, QG_OK);
  assert_null(out.verdict);
  assert_int_equal(mock_nrequests(fx.m), 4);
  fixture_cleanup(&fx);
}

/* A model's message can be long: the body is cut to max_body, never inside
 * a character or an entity, and keeps its marker. Twelve sizes: every cut
 * position within "caf\xc3\xa9 &amp; ". */
static void test_long_message_capped(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx);
  free(fx.a->message);
  qg_buf big;
  qg_buf_init(&big, 0);
  for (int i = 0; i < 500; i++)
    (void)qg_buf_puts(&big, "caf\xc3\xa9 & ");
  fx.a->message = qg_buf_detach(&big);
  char *mk = marker(fx.a);
  char *tail = qg_xasprintf(" \xe2\x80\xa6\n\n%s", mk);
  for (size_t max = 1000; max < 1012; max++) {
    mock_stop(fx.m);
    fx.m = mock_start();
    assert_non_null(fx.m);
    free(fx.ctx.api_url);
    fx.ctx.api_url = qg_xasprintf("http://127.0.0.1:%d/api/v4", mock_port(fx.m));
    script_empty_mr(&fx);
    mock_add_response(fx.m, "POST", MR "/notes", CREATED);
    for (int i = 0; i < 3; i++)
      mock_add_response(fx.m, "POST", MR "/discussions", CREATED);
    qg_comment_opts o = fast();
    o.max_body = max;
    qg_comment_outcome out;
    assert_ok(qg_host_comment(&fx.ctx, &fx.rep, &fx.change, &o, &out), &out);
    const mock_request *rq = mock_request_at(fx.m, 3); /* A's discussion */
    cJSON *j = cJSON_Parse(rq->body);
    const char *body = cJSON_GetObjectItemCaseSensitive(j, "body")->valuestring;
    size_t n = strlen(body), tl = strlen(tail);
    assert_true(n <= max);
    assert_true(n > max - 16);
    assert_string_equal(body + n - tl, tail);
    const char *amp = NULL;
    for (const char *p = body; p < body + n - tl; p++)
      if (*p == '&')
        amp = p;
    assert_non_null(amp);
    assert_true(amp + 5 <= body + n - tl && strncmp(amp, "&amp;", 5) == 0);
    assert_int_not_equal((unsigned char)body[n - tl - 1], 0xc3);
    cJSON_Delete(j);
  }
  free(mk), free(tail);
  fixture_cleanup(&fx);
}

static void set_env(const char *const *kv) {
  static const char *const all[] = {"CI_MERGE_REQUEST_IID",
                                    "CI_API_V4_URL",
                                    "CI_PROJECT_ID",
                                    "GITLAB_TOKEN",
                                    "CI_COMMIT_SHA",
                                    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
                                    "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"};
  for (size_t i = 0; i < QG_ARRAY_LEN(all); i++)
    unsetenv(all[i]);
  for (; kv && kv[0]; kv += 2)
    setenv(kv[0], kv[1], 1);
}

static void expect_ctx_error(const char *const *kv, const char *want) {
  set_env(kv);
  qg_host_ctx c;
  char *err = NULL;
  assert_int_equal(qg_host_ctx_load(qg_host_find("gitlab"), &c, &err), QG_EUSAGE);
  assert_string_equal(err, want);
  assert_null(strstr(err, "secret-value"));
  assert_null(c.token);
  free(err);
}

static void test_ctx_load(void **state) {
  (void)state;
  const char *const full[] = {"CI_MERGE_REQUEST_IID",
                              "7",
                              "CI_API_V4_URL",
                              "https://gitlab.example.com/api/v4/",
                              "CI_PROJECT_ID",
                              "42",
                              "GITLAB_TOKEN",
                              "secret-value",
                              "CI_COMMIT_SHA",
                              HEAD,
                              "CI_MERGE_REQUEST_DIFF_BASE_SHA",
                              BASE,
                              NULL};
  set_env(full);
  qg_host_ctx c;
  char *err = NULL;
  assert_int_equal(qg_host_ctx_load(qg_host_find("gitlab"), &c, &err), QG_OK);
  assert_ptr_equal(c.host, qg_host_find("gitlab"));
  assert_string_equal(c.api_url, "https://gitlab.example.com/api/v4");
  assert_string_equal(c.repo, "42");
  assert_int_equal(c.number, 7);
  assert_string_equal(c.head_sha, HEAD);
  assert_string_equal(c.base_sha, BASE);
  assert_string_equal(c.token, "secret-value");
  qg_host_ctx_cleanup(&c);
  /* a merged results pipeline: CI_COMMIT_SHA is the merge, the source branch's
   * head is the merge request's */
  setenv("CI_COMMIT_SHA", START, 1);
  setenv("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", HEAD, 1);
  assert_int_equal(qg_host_ctx_load(qg_host_find("gitlab"), &c, &err), QG_OK);
  assert_string_equal(c.head_sha, HEAD);
  qg_host_ctx_cleanup(&c);

  expect_ctx_error((const char *const[]){"CI_API_V4_URL", "https://x/api/v4", NULL},
                   "not a merge request pipeline: CI_MERGE_REQUEST_IID is not set (run the job "
                   "in merge request pipelines)");
  expect_ctx_error((const char *const[]){"CI_MERGE_REQUEST_IID", "7x", NULL},
                   "CI_MERGE_REQUEST_IID is not a merge request number");
  expect_ctx_error((const char *const[]){"CI_MERGE_REQUEST_IID", "7", NULL},
                   "CI_API_V4_URL is not set (GitLab CI sets it, e.g. https://gitlab.com/api/v4)");
  expect_ctx_error(
      (const char *const[]){"CI_MERGE_REQUEST_IID", "7", "CI_API_V4_URL", "ftp://x", NULL},
      "CI_API_V4_URL is not an http:// or https:// URL");
  expect_ctx_error(
      (const char *const[]){"CI_MERGE_REQUEST_IID", "7", "CI_API_V4_URL", "https://x", NULL},
      "CI_PROJECT_ID is not set (GitLab CI sets it to the project's id)");
  expect_ctx_error((const char *const[]){"CI_MERGE_REQUEST_IID", "7", "CI_API_V4_URL", "https://x",
                                         "CI_PROJECT_ID", "42", NULL},
                   "GITLAB_TOKEN is not set: commenting needs a project or personal access token "
                   "with the api scope, as a masked CI/CD variable (CI_JOB_TOKEN cannot write "
                   "notes)");
  expect_ctx_error((const char *const[]){"CI_MERGE_REQUEST_IID", "7", "CI_API_V4_URL", "https://x",
                                         "CI_PROJECT_ID", "42", "GITLAB_TOKEN", "secret-value\n",
                                         NULL},
                   "GITLAB_TOKEN holds a line break or another control character");
  expect_ctx_error((const char *const[]){"CI_MERGE_REQUEST_IID", "7", "CI_API_V4_URL", "https://x",
                                         "CI_PROJECT_ID", "42", "GITLAB_TOKEN", "secret-value",
                                         "CI_COMMIT_SHA", "main", NULL},
                   "CI_COMMIT_SHA is not a commit id");
  expect_ctx_error((const char *const[]){"CI_MERGE_REQUEST_IID", "7", "CI_API_V4_URL", "https://x",
                                         "CI_PROJECT_ID", "42", "GITLAB_TOKEN", "secret-value",
                                         "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "feature", NULL},
                   "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA is not a commit id");
  set_env(NULL);
}

/* The answers' parsers alone (hosts/internal.h). A note id past 2^53 (1e17), up to infinity
 * (1e400), is not an id: converting it to long long was undefined (found by
 * fuzz/fuzz_hosts.c; fuzz/regressions/hosts/). */
static void test_answers_parsed(void **state) {
  (void)state;
  static const char notes[] = "[{\"id\": 1e400, \"body\": \"<!-- qgate:summary id=qgate -->\"},"
                              " {\"id\": 1e17, \"body\": \"<!-- qgate:summary id=qgate -->\"},"
                              " {\"id\": 0.5, \"body\": \"<!-- qgate:summary id=qgate -->\"},"
                              " {\"id\": 41, \"body\": \"<!-- qgate:summary -->\"},"
                              " {\"id\": 42, \"body\": \"<!-- qgate:summary id=qgate -->\"}]";
  long long id = -1;
  size_t nt = 9;
  assert_int_equal(qg_gitlab_page_read(notes, strlen(notes), false, &id, &nt), 5);
  assert_int_equal(id, 42);
  assert_int_equal(nt, 0);
  static const char disc[] =
      "[{\"id\": \"d1\", \"notes\": [{\"body\": "
      "\"x <!-- qgate:finding id=qgate fp=0123456789abcdef -->\"}]}, {\"id\": \"\"}]";
  assert_int_equal(qg_gitlab_page_read(disc, strlen(disc), true, &id, &nt), 2);
  assert_int_equal(id, 0);
  assert_int_equal(nt, 1);
  assert_int_equal(qg_gitlab_page_read("{}", 2, true, &id, &nt), -1);
  /* a recorded error: the token masked, control characters made spaces, and a cut
   * that splits neither a character nor an escape */
  char text[] = "GitLab: HTTP 400: tok-12345678 said caf\xc3\xa9\n&amp;";
  char dst[41]; /* 40 bytes would end inside "\xc3\xa9" */
  qg_gitlab_error_put(dst, sizeof(dst), text, "tok-12345678");
  assert_string_equal(dst, "GitLab: HTTP 400: ************ said caf");
  static const char e422[] = "{\"message\": {\"note\": [\"can't be blank\"]}}";
  char *m = qg_gitlab_error_text(e422, strlen(e422));
  assert_string_equal(m, "note can't be blank");
  free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_first_run),
      cmocka_unit_test(test_answers_parsed),
      cmocka_unit_test(test_merged_results),
      cmocka_unit_test(test_rerun_updates_in_place),
      cmocka_unit_test(test_unchanged_summary_not_edited),
      cmocka_unit_test(test_cap_and_missing_diff_refs),
      cmocka_unit_test(test_403_reported_and_the_rest_done),
      cmocka_unit_test(test_422_flattened),
      cmocka_unit_test(test_400_position_refused),
      cmocka_unit_test(test_5xx_after_stored_post),
      cmocka_unit_test(test_5xx_author_unknown),
      cmocka_unit_test(test_401_stops_and_failed_list_posts_nothing),
      cmocka_unit_test(test_retried_429_and_404_hint),
      cmocka_unit_test(test_verdicts),
      cmocka_unit_test(test_long_message_capped),
      cmocka_unit_test(test_ctx_load),
  };
  setenv("no_proxy", "*", 1);
  if (qg_http_global_init() != QG_OK)
    return 1;
  int rc = cmocka_run_group_tests_name("gitlab", tests, NULL, NULL);
  qg_http_global_cleanup();
  return rc;
}
