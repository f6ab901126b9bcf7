/* unit_yamldoc.c: the YAML loader: positions, scalars, merges, caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/yamldoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct seen {
  int docs;
  int warns;
  uint32_t warn_line;
  qg_status stop_with;
  void (*check)(const qg_ynode *root, unsigned index);
} seen;

static qg_status on_doc(void *ud, const qg_ynode *root, unsigned index) {
  seen *s = ud;
  s->docs++;
  if (s->check)
    s->check(root, index);
  return s->stop_with;
}

static void on_warn(void *ud, uint32_t line, uint32_t col, const char *msg) {
  seen *s = ud;
  (void)col;
  (void)msg;
  s->warns++;
  s->warn_line = line;
}

static qg_status load(const char *text, seen *s, qg_yaml_error *err) {
  qg_yaml_opts o = {{0}, on_doc, on_warn, s, false, false};
  return qg_yaml_load((const unsigned char *)text, strlen(text), &o, err);
}

static void check_positions(const qg_ynode *root, unsigned index) {
  (void)index;
  assert_int_equal(root->kind, QG_Y_MAP);
  assert_int_equal(root->line, 1);
  assert_int_equal(root->col, 1);
  const qg_ypair *p = qg_ymap_pair(root, "spec");
  assert_non_null(p);
  assert_int_equal(p->key->line, 3);
  assert_int_equal(p->key->col, 1);
  const qg_ynode *img = qg_ymap_path(root, "spec.image");
  assert_string_equal(qg_ynode_str(img), "nginx:1.25");
  assert_int_equal(img->line, 4);
  assert_int_equal(img->col, 10);
  assert_int_equal(img->end_line, 4);
  assert_int_equal(img->end_col, 20); /* exclusive */
  /* a block mapping ends where its last value ends, not at the next token */
  const qg_ynode *spec = p->value;
  assert_int_equal(spec->end_line, 5);
  assert_int_equal(spec->end_col, 12);
  const qg_ynode *flow = qg_ymap_get(root, "flow");
  assert_true(flow->flow);
  assert_int_equal(flow->line, 8);
  assert_int_equal(flow->col, 7);
  assert_int_equal(flow->end_col, 13);
}

static void test_positions(void **state) {
  (void)state;
  seen s = {0};
  s.check = check_positions;
  qg_yaml_error err;
  assert_int_equal(load("kind: Pod\n# comment\nspec:\n  image: nginx:1.25\n  name: web\n\n"
                        "# trailing\nflow: [a, b]\n",
                        &s, &err),
                   QG_OK);
  assert_int_equal(s.docs, 1);
}

/* Positions around anchors and aliases, as the fixes need them (found by
 * fuzz/fuzz_yaml.c): a block mapping starts at its first key, not at the
 * anchor or tag before it; a block collection whose last value is an alias
 * ends at the alias, not at its target; anchored nodes say so. */
static void check_anchor_positions(const qg_ynode *root, unsigned index) {
  (void)index;
  const qg_ynode *a = qg_ymap_get(root, "a");
  assert_int_equal(a->line, 2);
  assert_int_equal(a->col, 3);
  assert_true(a->anchored);
  const qg_ynode *t = qg_ymap_get(root, "t");
  assert_int_equal(t->line, 5);
  assert_int_equal(t->col, 5);
  assert_false(t->anchored);
  const qg_ynode *b = qg_ymap_get(root, "b");
  assert_int_equal(b->line, 7);
  assert_int_equal(b->col, 3);
  assert_int_equal(b->end_line, 9);
  assert_int_equal(b->end_col, 8); /* after "*x" on line 9, not x's end (7:10) */
  assert_true(qg_ymap_get(b, "x")->anchored);
  assert_ptr_equal(qg_ymap_get(b, "y"), a);
  assert_ptr_equal(qg_ymap_get(b, "z"), qg_ymap_get(b, "x"));
  const qg_ynode *s = qg_ymap_get(root, "s");
  assert_true(s->anchored);
  assert_int_equal(s->line, 10); /* a sequence still starts at its anchor */
  assert_int_equal(s->col, 4);
  assert_int_equal(s->end_line, 11);
  assert_int_equal(s->end_col, 5);
}

/* An explicit key without a value: libyaml puts the missing value at the
 * next token (here the next line); it ends with its key, and so does the
 * mapping (found by fuzz/fuzz_yaml.c). */
static void check_explicit_key(const qg_ynode *root, unsigned index) {
  (void)index;
  const qg_ynode *m = qg_ymap_get(root, "m");
  assert_int_equal(m->u.map.n, 1);
  const qg_ypair *p = &m->u.map.pairs[0];
  assert_true(qg_ynode_is_null(p->value));
  assert_int_equal(p->value->line, 2);
  assert_int_equal(p->value->col, 6);
  assert_int_equal(m->end_line, 2);
  assert_int_equal(m->end_col, 6);
}

static void test_explicit_key_positions(void **state) {
  (void)state;
  seen s = {0};
  s.check = check_explicit_key;
  qg_yaml_error err;
  assert_int_equal(load("m:\n  ? k\nn: 1\n", &s, &err), QG_OK);
  assert_int_equal(s.docs, 1);
}

/* What a fix needs to know of a flow mapping (found by fuzz/fuzz_yaml.c): a
 * trailing comma ({a: 1, }; one in a comment is none), and a pair in a flow
 * sequence ([k: v]), which has no braces. */
static void check_flow_flags(const qg_ynode *root, unsigned index) {
  (void)index;
  assert_true(qg_ymap_get(root, "a")->trailing_comma);
  const qg_ynode *b = qg_ymap_get(root, "b");
  assert_false(b->trailing_comma);
  assert_true(qg_yseq_at(b, 0)->implicit);
  assert_false(qg_yseq_at(b, 1)->implicit);
  assert_false(qg_ymap_get(root, "c")->trailing_comma);
  assert_false(qg_ymap_get(root, "c")->implicit);
}

static void test_flow_flags(void **state) {
  (void)state;
  seen s = {0};
  s.check = check_flow_flags;
  qg_yaml_error err;
  assert_int_equal(load("a: {x: 1, }\nb: [k: v, {y: 2}]\nc: {z: 3  # q, r\n  }\n", &s, &err),
                   QG_OK);
  assert_int_equal(s.docs, 1);
}

static void test_anchor_positions(void **state) {
  (void)state;
  seen s = {0};
  s.check = check_anchor_positions;
  qg_yaml_error err;
  assert_int_equal(load("a: &a\n  p: 1\n  q: 2\nt: !!map\n    k: v\nb:\n  x: &x 1\n  y: *a\n"
                        "  z: *x\ns: &s\n- *x\n",
                        &s, &err),
                   QG_OK);
  assert_int_equal(s.docs, 1);
}

static void check_scalars(const qg_ynode *r, unsigned index) {
  (void)index;
  static const char *const truthy[] = {"a", "b", "c", "d", "e"};
  for (size_t i = 0; i < 5; i++)
    assert_int_equal(qg_ynode_bool(qg_ymap_get(r, truthy[i])), 1);
  assert_int_equal(qg_ynode_bool(qg_ymap_get(r, "f")), 0);
  assert_int_equal(qg_ynode_bool(qg_ymap_get(r, "g")), -1); /* "true" quoted */
  assert_int_equal(qg_ynode_bool(qg_ymap_get(r, "h")), 1);  /* !!bool */
  assert_int_equal(qg_ynode_bool(qg_ymap_get(r, "i")), -1); /* !!str yes */
  long long v = -1;
  assert_true(qg_ynode_int(qg_ymap_get(r, "hex"), &v));
  assert_int_equal(v, 31);
  assert_true(qg_ynode_int(qg_ymap_get(r, "oct"), &v));
  assert_int_equal(v, 15);
  assert_true(qg_ynode_int(qg_ymap_get(r, "oct11"), &v));
  assert_int_equal(v, 15);
  assert_true(qg_ynode_int(qg_ymap_get(r, "under"), &v));
  assert_int_equal(v, 1000);
  assert_true(qg_ynode_int(qg_ymap_get(r, "neg"), &v));
  assert_int_equal(v, -5);
  assert_true(qg_ynode_int(qg_ymap_get(r, "zero"), &v));
  assert_int_equal(v, 0);
  assert_false(qg_ynode_int(qg_ymap_get(r, "qint"), &v));
  assert_false(qg_ynode_int(qg_ymap_get(r, "float"), &v));
  assert_false(qg_ynode_int(qg_ymap_get(r, "bad8"), &v));
  assert_true(qg_ynode_is_null(qg_ymap_get(r, "n1")));
  assert_true(qg_ynode_is_null(qg_ymap_get(r, "n2")));
  assert_true(qg_ynode_is_null(qg_ymap_get(r, "n3")));
  assert_true(qg_ynode_is_null(qg_ymap_get(r, "n4")));
  assert_true(qg_ynode_is_null(qg_ymap_get(r, "absent")));
  assert_false(qg_ynode_is_null(qg_ymap_get(r, "n5")));
  assert_string_equal(qg_ynode_str(qg_ymap_get(r, "n5")), "null");
  assert_null(qg_ynode_str(qg_ymap_get(r, "n1")));
}

static void test_scalars(void **state) {
  (void)state;
  seen s = {0};
  s.check = check_scalars;
  qg_yaml_error err;
  assert_int_equal(load("a: yes\nb: on\nc: True\nd: y\ne: ON\nf: off\ng: \"true\"\n"
                        "h: !!bool true\ni: !!str yes\nhex: 0x1F\noct: 0o17\noct11: 017\n"
                        "under: 1_000\nneg: -5\nzero: 0\nqint: \"5\"\nfloat: 1.5\nbad8: 09\n"
                        "n1: ~\nn2: null\nn3:\nn4: !!null ''\nn5: 'null'\n",
                        &s, &err),
                   QG_OK);
}

static void check_merge(const qg_ynode *r, unsigned index) {
  (void)index;
  const qg_ynode *m = qg_ymap_get(r, "merged");
  assert_string_equal(qg_ynode_str(qg_ymap_get(m, "a")), "explicit");
  assert_string_equal(qg_ynode_str(qg_ymap_get(m, "b")), "from-first");
  assert_string_equal(qg_ynode_str(qg_ymap_get(m, "c")), "from-second");
  assert_null(qg_ymap_get(m, "<<"));
  assert_int_equal(m->u.map.n, 3);
  /* the alias shares the anchored node */
  assert_ptr_equal(qg_ymap_get(r, "alias"), qg_ymap_get(r, "one"));
}

static void test_merge_keys(void **state) {
  (void)state;
  seen s = {0};
  s.check = check_merge;
  qg_yaml_error err;
  assert_int_equal(load("one: &one {a: 1, b: from-first}\n"
                        "two: &two {b: from-second, c: from-second}\n"
                        "merged:\n  <<: [*one, *two]\n  a: explicit\n"
                        "alias: *one\n",
                        &s, &err),
                   QG_OK);
  assert_int_equal(s.docs, 1);
}

static void test_duplicates_warn_last_wins(void **state) {
  (void)state;
  seen s = {0};
  qg_yaml_error err;
  assert_int_equal(load("a: 1\nb: 2\na: 3\n", &s, &err), QG_OK);
  assert_int_equal(s.warns, 1);
  assert_int_equal(s.warn_line, 3);
  /* many keys go through the hash path */
  char big[4096] = "";
  for (int i = 0; i < 40; i++)
    snprintf(big + strlen(big), sizeof(big) - strlen(big), "k%d: %d\n", i % 30, i);
  s.warns = 0;
  assert_int_equal(load(big, &s, &err), QG_OK);
  assert_int_equal(s.warns, 10);
}

static void test_multi_document_stream(void **state) {
  (void)state;
  seen s = {0};
  qg_yaml_error err;
  assert_int_equal(load("a: 1\n---\nb: 2\n---\n# only a comment\n...\n---\n[1]\n", &s, &err),
                   QG_OK);
  assert_int_equal(s.docs, 4);
  /* a callback can stop the stream */
  seen stop = {0};
  stop.stop_with = QG_EIO;
  assert_int_equal(load("a: 1\n---\nb: 2\n", &stop, &err), QG_EIO);
  assert_int_equal(stop.docs, 1);
}

static void test_caps(void **state) {
  (void)state;
  seen s = {0};
  qg_yaml_error err;
  char deep[1200];
  memset(deep, '[', 300);
  memset(deep + 300, ']', 300);
  deep[600] = '\0';
  assert_int_equal(load(deep, &s, &err), QG_EPARSE);
  assert_int_equal(err.line, 1);
  assert_int_equal(err.col, 257);
  assert_non_null(strstr(err.message, "nesting deeper than 256"));

  const char *bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                     "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                     "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
  assert_int_equal(load(bomb, &s, &err), QG_EPARSE);
  assert_int_equal(err.line, 5);
  assert_non_null(strstr(err.message, "alias cap"));

  assert_int_equal(load("a: *nope\n", &s, &err), QG_EPARSE);
  assert_non_null(strstr(err.message, "undefined alias *nope"));

  /* a custom, tighter depth cap */
  qg_yaml_opts o = {{.max_depth = 3}, on_doc, on_warn, &s, false, false};
  const char *four = "a: {b: {c: {d: 1}}}\n";
  assert_int_equal(qg_yaml_load((const unsigned char *)four, strlen(four), &o, &err), QG_EPARSE);
  assert_int_equal(err.col, 12); /* the fourth level opens at column 12 */
}

/* Documents per stream: the ones before the cap are delivered, empty ones count, and the
 * error is at the first document left out. */
static void test_documents_cap(void **state) {
  (void)state;
  qg_yaml_error err;
  seen s = {0};
  qg_yaml_opts o = {{.max_docs = 3}, on_doc, on_warn, &s, false, false};
  const char *four = "a: 1\n---\nb: 2\n---\n---\nc: 3\n";
  assert_int_equal(qg_yaml_load((const unsigned char *)four, strlen(four), &o, &err), QG_ETOOBIG);
  assert_int_equal(s.docs, 3);
  assert_int_equal(err.line, 5);
  assert_int_equal(err.col, 1);
  assert_string_equal(err.message, "more than 3 documents in this file: the rest were not scanned");
  s.docs = 0;
  const char *three = "a: 1\n---\nb: 2\n---\n";
  assert_int_equal(qg_yaml_load((const unsigned char *)three, strlen(three), &o, &err), QG_OK);
  assert_int_equal(s.docs, 3);

  /* the default, 100,000: "---" lines, one empty document each */
  size_t n = QG_YAML_DEFAULT_DOCS + 1;
  char *text = malloc(4 * n + 1);
  assert_non_null(text);
  for (size_t i = 0; i < n; i++)
    memcpy(text + 4 * i, "---\n", 4);
  seen d = {0};
  qg_yaml_opts def = {{0}, on_doc, on_warn, &d, false, false};
  assert_int_equal(qg_yaml_load((const unsigned char *)text, 4 * (n - 1), &def, &err), QG_OK);
  assert_int_equal(d.docs, QG_YAML_DEFAULT_DOCS);
  d.docs = 0;
  assert_int_equal(qg_yaml_load((const unsigned char *)text, 4 * n, &def, &err), QG_ETOOBIG);
  assert_int_equal(d.docs, QG_YAML_DEFAULT_DOCS);
  assert_int_equal(err.line, QG_YAML_DEFAULT_DOCS + 1);
  assert_int_equal(err.col, 1);
  assert_string_equal(err.message,
                      "more than 100000 documents in this file: the rest were not scanned");
  free(text);
}

static void check_json(const qg_ynode *r, unsigned index) {
  (void)index;
  const qg_ynode *v = qg_ymap_path(r, "spec.hostPID");
  assert_int_equal(qg_ynode_bool(v), 1);
  assert_int_equal(v->line, 4);
  assert_int_equal(v->col, 14);
}

static void test_json_with_tabs(void **state) {
  (void)state;
  seen s = {0};
  s.check = check_json;
  qg_yaml_error err;
  assert_int_equal(
      load("{\n\t\"kind\": \"Pod\",\n\t\"spec\": {\n\t\t\"hostPID\": true\n\t}\n}\n", &s, &err),
      QG_OK);
  assert_int_equal(s.docs, 1);
}

static void test_errors_have_positions(void **state) {
  (void)state;
  seen s = {0};
  qg_yaml_error err;
  assert_int_equal(load("a: 1\nb: [1, 2\nc: 3\n", &s, &err), QG_EPARSE);
  assert_int_equal(err.line, 3);
  assert_int_equal(s.docs, 0);
  /* bad UTF-8 is located by byte offset */
  assert_int_equal(load("a: 1\nbb: \xff\n", &s, &err), QG_EPARSE);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 5);
  /* documents before an error were delivered */
  seen t = {0};
  assert_int_equal(load("a: 1\n---\nb: [\n", &t, &err), QG_EPARSE);
  assert_int_equal(t.docs, 1);
  /* a text cut off without a final line break: the error is at its end, not
   * on a line after the last (found by fuzz/fuzz_yaml.c) */
  assert_int_equal(load("x: 1\na: [{b: ", &s, &err), QG_EPARSE);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 9);
  assert_string_equal(err.message, "did not find expected node content while parsing a flow "
                                   "node (line 2 column 9)");
  assert_int_equal(load("x: 1\na: [{b: \n", &s, &err), QG_EPARSE);
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 1);
  /* lines end at "\n" alone, though libyaml also ends them at a lone CR */
  assert_int_equal(load("k: \"x\ry\"\nb: [1, 2\nc: 3\n", &s, &err), QG_EPARSE);
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 2);
  assert_string_equal(err.message, "did not find expected ',' or ']' while parsing a flow "
                                   "sequence (line 2 column 4)");
}

static uint32_t c_line;
static void record_c_line(const qg_ynode *root, unsigned index) {
  (void)index;
  const qg_ypair *p = qg_ymap_pair(root, "c");
  assert_non_null(p);
  c_line = p->key->line;
}

/* Lines end at "\n" alone: a lone CR, NEL (C2 85), LS (E2 80 A8) or PS
 * (E2 80 A9) is found after bytes that start the same way but are not a
 * break (CRLF, NBSP C2 A0, an em dash E2 80 94). */
static void test_other_line_breaks(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint32_t line;
  } cases[] = {
      {"a: \"\xe2\x80\x94\"\r\nb: \"x\xe2\x80\xa8y\"\nc: 1\n", 3},
      {"a: \"\xe2\x80\x94\"\r\nb: \"x\xe2\x80\xa9y\"\nc: 1\n", 3},
      {"a: \"\xc2\xa0\"\nb: \"x\xc2\x85y\"\nc: 1\n", 3},
      {"a: 1\r\nb: \"x\ry\"\nc: 1\n", 3},
      {"a: \"\xe2\x80\x94\xc2\xa0\"\r\nb: 2\r\nc: 1\r\n", 3},
      {"a: \"x\ry\xc2\x85z\xe2\x80\xa8w\"\nc: 1\n", 2},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    seen s = {0};
    s.check = record_c_line;
    qg_yaml_error err;
    c_line = 0;
    assert_int_equal(load(cases[i].text, &s, &err), QG_OK);
    assert_int_equal(s.docs, 1);
    assert_int_equal(c_line, cases[i].line);
  }
}

/* Nodes per document are capped (a 64 MiB file of duplicate keys made 19 million,
 * 1.6 GB): the document past the cap stops loading with an error at the first node
 * left out; the cap counts each document afresh, and an alias is not a new node. */
static void test_nodes_cap(void **state) {
  (void)state;
  qg_yaml_error err;
  seen s = {0};
  qg_yaml_opts o = {{.max_nodes = 7}, on_doc, on_warn, &s, false, false};
  /* root map, a, 1, b, [ , 2, 3 = 7 nodes; then c: 8 */
  const char *doc = "a: 1\nb: [2, 3]\nc: 4\n";
  assert_int_equal(qg_yaml_load((const unsigned char *)doc, strlen(doc), &o, &err), QG_ETOOBIG);
  assert_int_equal(s.docs, 0);
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 1);
  assert_string_equal(err.message, "more than 7 YAML nodes in this document: it was not scanned");
  /* two documents of 7 each, and aliases that add no node */
  const char *two = "a: 1\nb: [2, 3]\n---\nx: &v 1\ny: [*v, *v]\n";
  s.docs = 0;
  assert_int_equal(qg_yaml_load((const unsigned char *)two, strlen(two), &o, &err), QG_OK);
  assert_int_equal(s.docs, 2);
}

/* keep_dups: every pair of a key written twice, in order; qg_ymap_get finds the last. */
static void check_dups_kept(const qg_ynode *root, unsigned index) {
  (void)index;
  assert_int_equal(root->u.map.n, 3);
  assert_string_equal(qg_ynode_str(root->u.map.pairs[0].value), "1");
  assert_string_equal(qg_ynode_str(root->u.map.pairs[1].value), "2");
  assert_int_equal(root->u.map.pairs[2].key->line, 3);
  assert_string_equal(qg_ynode_str(qg_ymap_get(root, "a")), "3");
}

static void test_keep_dups(void **state) {
  (void)state;
  seen s = {0};
  s.check = check_dups_kept;
  qg_yaml_opts o = {{0}, on_doc, on_warn, &s, true, false};
  qg_yaml_error err;
  const char *doc = "a: 1\nb: 2\na: 3\n";
  assert_int_equal(qg_yaml_load((const unsigned char *)doc, strlen(doc), &o, &err), QG_OK);
  assert_int_equal(s.docs, 1);
  assert_int_equal(s.warns, 1); /* still warned */
}

/* partial: the document a syntax error stopped is delivered as far as it was
 * read (a key whose value was not read is left out); without it, nothing of it. */
static void check_partial(const qg_ynode *root, unsigned index) {
  if (index == 0) {
    assert_string_equal(qg_ynode_str(qg_ymap_get(root, "x")), "1");
    return;
  }
  assert_int_equal(index, 1);
  assert_int_equal(root->kind, QG_Y_MAP);
  const qg_ynode *k = qg_ymap_path(root, "s.k");
  assert_string_equal(qg_ynode_str(k), "v");
  assert_int_equal(k->line, 4);
  assert_int_equal(k->col, 6);
  const qg_ynode *l = qg_ymap_path(root, "s.l");
  assert_int_equal(qg_yseq_len(l), 1);
  assert_string_equal(qg_ynode_str(qg_yseq_at(l, 0)), "1");
  assert_int_equal(qg_ymap_get(root, "s")->u.map.n, 2);
}

static void test_partial_document(void **state) {
  (void)state;
  const char *text = "x: 1\n---\ns:\n  k: v\n  l: [1\n---\ny: 2\n";
  seen s = {0};
  s.check = check_partial;
  qg_yaml_opts o = {{0}, on_doc, on_warn, &s, false, true};
  qg_yaml_error err;
  assert_int_equal(qg_yaml_load((const unsigned char *)text, strlen(text), &o, &err), QG_EPARSE);
  assert_int_equal(s.docs, 2);
  assert_int_equal(err.line, 5); /* the error stands (at the unclosed sequence) */
  /* a key that the error left without a value is left out */
  const char *keyonly = "a: 1\nb: \"open\n---\n";
  seen k = {0};
  qg_yaml_opts ko = {{0}, on_doc, on_warn, &k, false, true};
  assert_int_equal(qg_yaml_load((const unsigned char *)keyonly, strlen(keyonly), &ko, &err),
                   QG_EPARSE);
  assert_int_equal(k.docs, 1);
  /* without partial, the broken document is not delivered */
  s.docs = 0;
  o.partial = false;
  assert_int_equal(qg_yaml_load((const unsigned char *)text, strlen(text), &o, &err), QG_EPARSE);
  assert_int_equal(s.docs, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keep_dups),
      cmocka_unit_test(test_partial_document),
      cmocka_unit_test(test_positions),
      cmocka_unit_test(test_scalars),
      cmocka_unit_test(test_merge_keys),
      cmocka_unit_test(test_duplicates_warn_last_wins),
      cmocka_unit_test(test_multi_document_stream),
      cmocka_unit_test(test_caps),
      cmocka_unit_test(test_json_with_tabs),
      cmocka_unit_test(test_errors_have_positions),
      cmocka_unit_test(test_anchor_positions),
      cmocka_unit_test(test_explicit_key_positions),
      cmocka_unit_test(test_flow_flags),
      cmocka_unit_test(test_other_line_breaks),
      cmocka_unit_test(test_documents_cap),
      cmocka_unit_test(test_nodes_cap),
  };
  return cmocka_run_group_tests_name("yamldoc", tests, NULL, NULL);
}
