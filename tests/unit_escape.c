/* unit_escape.c: repository text made inert at each sink (core/escape.h), exact
 * outputs; and the reports fed a hostile file name: valid JSON, no workflow command,
 * no raw control character. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/escape.h"
#include "hosts/internal.h"
#include "reporters/reporter.h"
#include "rules/rule.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*esc_fn)(qg_buf *b, const char *s);

static char *run(esc_fn fn, const char *s) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "");
  fn(&b, s);
  return qg_buf_detach(&b);
}

static void md0(qg_buf *b, const char *s) { qg_md_escape(b, s, 0); }

#define EXPECT(fn, in, want)                                                                       \
  do {                                                                                             \
    char *got_ = run(fn, in);                                                                      \
    assert_string_equal(got_, want);                                                               \
    free(got_);                                                                                    \
  } while (0)

/* Whether s is valid UTF-8 (no overlong form, surrogate or code point past U+10FFFF). */
static bool valid_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned c = *p, n = c < 0x80                 ? 1
                         : c >= 0xC2 && c <= 0xDF ? 2
                         : c >= 0xE0 && c <= 0xEF ? 3
                         : c >= 0xF0 && c <= 0xF4 ? 4
                                                  : 0;
    if (!n)
      return false;
    for (unsigned i = 1; i < n; i++)
      if ((p[i] & 0xC0) != 0x80)
        return false;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F))
      return false;
    p += n;
  }
  return true;
}

static void test_text(void **state) {
  (void)state;
  EXPECT(qg_esc_text, "deploy/app.yaml", "deploy/app.yaml");
  EXPECT(qg_esc_text, "caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x94\x92",
         "caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x94\x92");
  /* a newline, then a workflow command: one line, shown as written */
  EXPECT(qg_esc_text, "x.yaml\n::error::pwned", "x.yaml\\n::error::pwned");
  EXPECT(qg_esc_text,
         "a\rb\tc\x7f"
         "d\x01",
         "a\\rb\\tc\\x7fd\\x01");
  EXPECT(qg_esc_text, "\x1b[31mred\x1b]0;title\x07", "\\x1b[31mred\\x1b]0;title\\x07");
  /* "::" first (after blanks) starts a command wherever the text starts a line */
  EXPECT(qg_esc_text, "::error::pwned.yaml", "\\x3a:error::pwned.yaml");
  EXPECT(qg_esc_text, "  ::warning::x", "  \\x3a:warning::x");
  EXPECT(qg_esc_text, "\xc2\xa0\xe3\x80\x80::notice::x", "\xc2\xa0\xe3\x80\x80\\x3a:notice::x");
  EXPECT(qg_esc_text, "a::b", "a::b");
  /* the legacy form is read anywhere in a line */
  EXPECT(qg_esc_text, "x##[error]y ##[add-mask]z", "x#\\x23[error]y #\\x23[add-mask]z");
  EXPECT(qg_esc_text, "## [x] #[y]", "## [x] #[y]");
  /* not UTF-8: each byte; C1 controls, separators, bidirectional controls: the code point */
  EXPECT(qg_esc_text,
         "a\xff"
         "b\xfe",
         "a\\xffb\\xfe");
  EXPECT(qg_esc_text, "\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf4\x90\x80\x80",
         "\\xc0\\xaf|\\xed\\xa0\\x80|\\xe2\\x82|\\xf4\\x90\\x80\\x80");
  EXPECT(qg_esc_text,
         "\xc2\x9b"
         "31m \xc2\x85",
         "\\u009b31m \\u0085");
  EXPECT(qg_esc_text,
         "evil\xe2\x80\xae"
         "lmy.yaml \xe2\x80\xa8 \xe2\x81\xa6",
         "evil\\u202elmy.yaml \\u2028 \\u2066");
  /* qg_esc_text_needed says exactly when the text changes */
  const char *samples[] = {"plain",        "caf\xc3\xa9",  "a\nb",      "::x",  " ::x",
                           "a::",          "##[",          "#[",        "\xff", "\xc2\x85",
                           "\xe2\x80\xae", "\xe2\x80\x8d", "tab\there", "",     "\xc2\xa0::x",
                           "\xc2\xa0x::"};
  for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++) {
    char *got = run(qg_esc_text, samples[i]);
    assert_int_equal(qg_esc_text_needed(samples[i]), strcmp(got, samples[i]) != 0);
    assert_true(valid_utf8(got));
    free(got);
  }
}

/* A --fix --dry-run diff: lines, tabs and a CR before a newline kept as they are;
 * every line start checked for "::" (after blanks and tabs, which the runner skips),
 * "##[" and control characters anywhere. */
static void test_lines(void **state) {
  (void)state;
  EXPECT(qg_esc_lines, "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,2 +1,3 @@\n a: 1\r\n+\tb: 2\n",
         "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,2 +1,3 @@\n a: 1\r\n+\tb: 2\n");
  /* a context line of "::error::..." is the blank of the diff, then the command */
  EXPECT(qg_esc_lines, " a: 1\n       ::error::pwned\n \t::warning::x\n+::notice::y\n",
         " a: 1\n       \\x3a:error::pwned\n \t\\x3a:warning::x\n+::notice::y\n");
  EXPECT(qg_esc_lines, "::a\n::b", "\\x3a:a\n\\x3a:b");
  EXPECT(qg_esc_lines, " # ##[error]x \x1b]0;t\x07 a\rb \xff\n",
         " # #\\x23[error]x \\x1b]0;t\\x07 a\\rb \\xff\n");
  EXPECT(qg_esc_lines, "\xc2\xa0\t::x\xe2\x80\xa8::y", "\xc2\xa0\t\\x3a:x\\u2028::y");
  EXPECT(qg_esc_lines, "", "");
}

/* A cut never splits a word (so never a credential a server echoed, which is redacted
 * after the cut), nor a UTF-8 character. */
static void test_text_cut(void **state) {
  (void)state;
  assert_int_equal(qg_text_cut("short", 5, 5), 5);
  assert_int_equal(qg_text_cut("ab cd ef", 8, 5), 5);       /* "ab cd" */
  assert_int_equal(qg_text_cut("ab cd ef", 8, 4), 3);       /* "ab " */
  assert_int_equal(qg_text_cut("xxxxsk-secret", 13, 8), 0); /* one word */
  assert_int_equal(qg_text_cut("a\tb\nc", 5, 3), 3);        /* "a\tb": a blank follows */
  assert_int_equal(qg_text_cut("a\tbc\nd", 6, 3), 2);
  assert_int_equal(qg_text_cut("x caf\xc3\xa9", 7, 6), 2); /* not inside the é */
}

static void test_markdown(void **state) {
  (void)state;
  /* the file name of the issue: nothing of it is HTML or Markdown any more */
  EXPECT(md0, "a`</details><h1>x</h1><img src=x onerror=alert(1)>.yaml",
         "a\\`&lt;/details&gt;&lt;h1&gt;x&lt;/h1&gt;&lt;img src=x onerror=alert(1)&gt;.yaml");
  EXPECT(md0, "| *b* _i_ [l](u) ![i](u) ~s~ $m$ \\ &amp; #1 !2 # 3 @team",
         "\\| \\*b\\* \\_i\\_ \\[l\\](u) !\\[i\\](u) \\~s\\~ \\$m\\$ \\\\ &amp;amp; "
         "\\#\xe2\x80\x8d"
         "1 !\xe2\x80\x8d"
         "2 \\# 3 @\xe2\x80\x8dteam");
  /* no line break of its own: a newline is a space, other controls visible */
  EXPECT(md0, "a\n# h\r\n<b>\x1b\xff", "a \\# h &lt;b&gt;\\x1b\\xff");
  char *kept = NULL;
  qg_buf b;
  qg_buf_init(&b, 0);
  qg_md_escape(&b, "a\n- b", QG_MD_KEEP_LINES);
  kept = qg_buf_detach(&b);
  assert_string_equal(kept, "a\n- b");
  free(kept);
}

/* The code span a CommonMark reader finds at the start of md: the opening run's
 * length n, then the first later run of exactly n backticks; returns the offset just
 * after it, or 0 when there is none. */
static size_t span_end(const char *md) {
  size_t n = strspn(md, "`"), i = n;
  while (md[i]) {
    size_t m = strspn(md + i, "`");
    if (m == n)
      return i + m;
    i += m ? m : 1;
  }
  return 0;
}

static void test_code_span(void **state) {
  (void)state;
  EXPECT(qg_md_code, "deploy/app.yaml:3:1", "`deploy/app.yaml:3:1`");
  EXPECT(qg_md_code, "node_modules/@scope/<x>.yaml", "`node_modules/@scope/<x>.yaml`");
  EXPECT(qg_md_code, "a`</details><h1>x</h1>.yaml:1:1", "``a`</details><h1>x</h1>.yaml:1:1``");
  EXPECT(qg_md_code, "`a", "`` `a ``");
  EXPECT(qg_md_code, "x``y`", "``` x``y` ```");
  EXPECT(qg_md_code, " a", "`  a `");
  EXPECT(qg_md_code, "a\n::error::b\xff", "`a\\n::error::b\\xff`");
  EXPECT(qg_md_code, "", "");
  /* whatever the text, the span closes exactly where qg_md_code ends it */
  const char *samples[] = {"a`b", "``", "`", "a```b``c`", "x\n\n</details>", "` `", "a\\`"};
  for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++) {
    char *got = run(qg_md_code, samples[i]);
    assert_int_equal(span_end(got), strlen(got));
    assert_null(strchr(got, '\n'));
    free(got);
  }
}

static void test_json(void **state) {
  (void)state;
  static const char valid[] = "{\"path\":\"caf\xc3\xa9/a.yaml\",\"m\":\"# [x] ##x\"}";
  size_t n = 0;
  assert_null(qg_json_sanitize(valid, strlen(valid), &n));
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "path", "bad\xff\xfe/x\x1b\n.yaml");
  cJSON_AddStringToObject(o, "msg", "see ##[error]pwned and \xc2\x85 \xe2\x80\xae");
  char *raw = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  assert_false(valid_utf8(raw));
  char *fixed = qg_json_sanitize(raw, strlen(raw), &n);
  assert_non_null(fixed);
  assert_int_equal(n, strlen(fixed));
  assert_string_equal(fixed, "{\"path\":\"bad\\\\xff\\\\xfe/x\\u001b\\n.yaml\","
                             "\"msg\":\"see ##\\u005berror]pwned and \\u0085 \\u202e\"}");
  assert_true(valid_utf8(fixed));
  /* the same strings, but for the bytes that were not UTF-8 */
  cJSON *back = cJSON_Parse(fixed);
  assert_non_null(back);
  assert_string_equal(cJSON_GetObjectItem(back, "path")->valuestring, "bad\\xff\\xfe/x\x1b\n.yaml");
  assert_string_equal(cJSON_GetObjectItem(back, "msg")->valuestring,
                      "see ##[error]pwned and \xc2\x85 \xe2\x80\xae");
  cJSON_Delete(back);
  cJSON_free(raw);
  free(fixed);
}

static void test_xml_slack(void **state) {
  (void)state;
  EXPECT(qg_xml_escape, "a<b>&\"'\tc\nd\x01\xff\xef\xbf\xbe ##[x",
         "a&lt;b&gt;&amp;&quot;&apos;\\tc\\nd\\x01\\xff\\ufffe #\\x23[x");
  EXPECT(qg_slack_escape, "<!channel> & <https://x.example|click> <@U1>\nline\x1b",
         "&lt;!channel&gt; &amp; &lt;https://x.example|click&gt; &lt;@U1&gt;\nline\\x1b");
}

/* ---- the reports, fed a hostile file name ------------------------------------------- */

typedef struct world {
  qg_result r;
  qg_ruleset rs;
  qg_report rep;
} world;

static const char k_evil[] = "x.yaml\n::error::pwned \x1b[2J\xff"
                             "a`</details><img src=x onerror=alert(1)>";

static void world_init(world *w, const char *path) {
  memset(w, 0, sizeof(*w));
  qg_result_init(&w->r);
  qg_ruleset_init(&w->rs);
  qg_location loc = {path, 3, 5, 0, 0};
  qg_context ctx = {.api_version = "v1", .kind = "Pod", .name = "api", .container = "app"};
  qg_result_add_finding(&w->r, qg_rule_find("pss/privileged"), QG_SEV_CRITICAL, &loc, &ctx,
                        qg_xstrdup("container \"app\" ##[warning]x must not be privileged"));
  qg_result_diag(&w->r, QG_DIAG_ERROR, QG_EPARSE, &loc, "cannot parse %s", "\xfe\x1b");
  w->rep.result = &w->r;
  w->rep.rules = &w->rs;
  w->rep.command = "k8s";
  w->rep.pss_level = "restricted";
  w->rep.pss_version = "v1.37";
}

static void world_cleanup(world *w) {
  qg_result_cleanup(&w->r);
  qg_ruleset_cleanup(&w->rs);
}

static char *report(qg_report_fn fn, const qg_report *rep) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_int_equal(fn(f, rep), QG_OK);
  fclose(f);
  return text;
}

/* Whether any line of text starts a workflow command: "::" after blanks, or "##[". */
static bool has_command(const char *text) {
  for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    const char *p = l + strspn(l, " \t");
    if (p[0] == ':' && p[1] == ':')
      return true;
  }
  return strstr(text, "##[") != NULL;
}

static void test_reports_json_valid(void **state) {
  (void)state;
  world w;
  world_init(&w, k_evil);
  qg_report_fn fns[] = {qg_report_json, qg_report_sarif, qg_report_codequality};
  for (size_t i = 0; i < 3; i++) {
    char *text = report(fns[i], &w.rep);
    assert_true(valid_utf8(text));
    assert_false(has_command(text));
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    cJSON_Delete(j);
    free(text);
  }
  /* the JSON report shows the name in the visible form where it is not UTF-8 */
  char *text = report(qg_report_json, &w.rep);
  cJSON *j = cJSON_Parse(text);
  const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "findings"), 0);
  assert_string_equal(cJSON_GetObjectItem(f, "path")->valuestring,
                      "x.yaml\n::error::pwned \x1b[2J\\xff"
                      "a`</details><img src=x onerror=alert(1)>");
  cJSON_Delete(j);
  free(text);
  world_cleanup(&w);

  /* names that differ only in bytes that are not UTF-8 keep distinct fingerprints */
  world a, b;
  world_init(&a, "dir/\xfe.yaml");
  world_init(&b, "dir/\xff.yaml");
  char fa[17], fb[17];
  qg_finding_fingerprint(&a.r.findings.items[0], fa);
  qg_finding_fingerprint(&b.r.findings.items[0], fb);
  assert_string_not_equal(fa, fb);
  world_cleanup(&a);
  world_cleanup(&b);
}

static void test_reports_text(void **state) {
  (void)state;
  world w;
  world_init(&w, k_evil);
  qg_report_fn fns[] = {qg_report_text, qg_report_findings, qg_report_junit, qg_report_markdown};
  for (size_t i = 0; i < 4; i++) {
    char *text = report(fns[i], &w.rep);
    assert_true(valid_utf8(text));
    assert_false(has_command(text));
    assert_null(strchr(text, '\x1b'));
    free(text);
  }
  char *text = report(qg_report_text, &w.rep);
  assert_string_equal(text, "x.yaml\\n::error::pwned \\x1b[2J\\xffa`</details><img src=x "
                            "onerror=alert(1)>:3:5: critical pss/privileged: container \"app\" "
                            "#\\x23[warning]x must not be privileged\n"
                            "1 finding (1 critical) in 0 files, 0 objects; 1 error; incomplete: "
                            "see the errors above\n");
  free(text);
  text = report(qg_report_markdown, &w.rep);
  assert_non_null(strstr(text, "- ``x.yaml\\n::error::pwned \\x1b[2J\\xffa`</details><img src=x "
                               "onerror=alert(1)>:3:5`` `pss/privileged`: container \"app\" "
                               "\\#\\#\\[warning\\]x must not be privileged\n"));
  free(text);
  world_cleanup(&w);
}

/* The summary comment: the path is a code span (a '@' in it is no mention and stays as
 * written, even with a backtick in the name), the message gets its joiners once. */
static void test_summary_body(void **state) {
  (void)state;
  world w;
  world_init(&w, "node_modules/@scope/a`b.yaml");
  free(w.r.findings.items[0].message);
  w.r.findings.items[0].message = qg_xstrdup("ping @octo-org/admins about #12");
  qg_host_lefts left = {0};
  qg_host_left_add(&left, &w.r.findings.items[0], QG_HOST_LEFT_OUTSIDE);
  qg_host_summary in = {.rep = &w.rep, .left = &left, .max_body = 60000};
  char *body = qg_host_summary_body(&in, NULL);
  qg_host_lefts_free(&left);
  assert_non_null(strstr(body, "- **CRITICAL** `pss/privileged` "
                               "``node_modules/@scope/a`b.yaml:3``: ping "
                               "@\xe2\x80\x8docto-org/admins about \\#\xe2\x80\x8d"
                               "12\n"));
  assert_null(strstr(body, "\xe2\x80\x8d\xe2\x80\x8d")); /* not escaped twice */
  free(body);
  world_cleanup(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text),         cmocka_unit_test(test_lines),
      cmocka_unit_test(test_text_cut),     cmocka_unit_test(test_markdown),
      cmocka_unit_test(test_code_span),    cmocka_unit_test(test_json),
      cmocka_unit_test(test_xml_slack),    cmocka_unit_test(test_reports_json_valid),
      cmocka_unit_test(test_reports_text), cmocka_unit_test(test_summary_body),
  };
  return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
