/* unit_coverage.c: coverage reports merged into exact totals (a line or
 * block listed twice counts once), and invalid reports rejected whole with
 * the line and column of the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/mem.h"
#include "scoring/signals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LABEL "reports/cov"

static qg_coverage parse_ok(const char *text, qg_coverage_format fmt) {
  qg_result r;
  qg_result_init(&r);
  qg_coverage cov = {0, 0, 0};
  qg_status st = qg_coverage_parse(LABEL, text, strlen(text), fmt, &cov, &r);
  if (st != QG_OK && r.diags.n)
    print_message("unexpected: %u:%u: %s\n", r.diags.items[0].loc.line, r.diags.items[0].loc.col,
                  r.diags.items[0].message);
  assert_int_equal(st, QG_OK);
  assert_int_equal(r.diags.n, 0);
  assert_int_equal(cov.files, 1);
  qg_result_cleanup(&r);
  return cov;
}

static void expect_cov(const char *text, qg_coverage_format fmt, unsigned long long covered,
                       unsigned long long total) {
  qg_coverage cov = parse_ok(text, fmt);
  assert_int_equal(cov.covered, covered);
  assert_int_equal(cov.total, total);
}

/* One error diagnostic at line:col (col 0: not checked) whose message is
 * msg (or starts with it when prefix), and *cov untouched. */
static void expect_error_at(const char *text, qg_coverage_format fmt, uint32_t line, uint32_t col,
                            const char *msg, bool prefix) {
  qg_result r;
  qg_result_init(&r);
  qg_coverage cov = {3, 7, 2};
  assert_int_equal(qg_coverage_parse(LABEL, text, strlen(text), fmt, &cov, &r), QG_EPARSE);
  assert_int_equal(r.diags.n, 1);
  const qg_diag *d = &r.diags.items[0];
  if (d->loc.line != line || (col && d->loc.col != col))
    print_message("got %u:%u: %s\n", d->loc.line, d->loc.col, d->message);
  assert_int_equal(d->level, QG_DIAG_ERROR);
  assert_int_equal(d->status, QG_EPARSE);
  assert_string_equal(d->loc.path, LABEL);
  assert_int_equal(d->loc.line, line);
  if (col)
    assert_int_equal(d->loc.col, col);
  if (prefix) {
    if (strncmp(d->message, msg, strlen(msg)) != 0)
      print_message("message: %s\n", d->message);
    assert_true(strncmp(d->message, msg, strlen(msg)) == 0);
  } else {
    assert_string_equal(d->message, msg);
  }
  assert_int_equal(cov.covered, 3);
  assert_int_equal(cov.total, 7);
  assert_int_equal(cov.files, 2);
  qg_result_cleanup(&r);
}

static void expect_error(const char *text, qg_coverage_format fmt, uint32_t line, uint32_t col,
                         const char *msg) {
  expect_error_at(text, fmt, line, col, msg, false);
}

/* ---- lcov ------------------------------------------------------------------------------- */

/* src/a.c in two records (two test runs): line 2 is uncovered in the first
 * and covered in the second, so it counts once, covered. */
static const char k_lcov_two_runs[] = "TN:unit\n"
                                      "SF:src/a.c\n"
                                      "FN:1,main\n"
                                      "FNDA:1,main\n"
                                      "DA:1,1\n"
                                      "DA:2,0\n"
                                      "DA:3,0\n"
                                      "LF:3\n"
                                      "LH:1\n"
                                      "end_of_record\n"
                                      "TN:integration\n"
                                      "SF:src/a.c\n"
                                      "DA:1,0\n"
                                      "DA:2,5\n"
                                      "DA:4,0\n"
                                      "LF:3\n"
                                      "LH:1\n"
                                      "end_of_record\n"
                                      "SF:src/b.c\n"
                                      "DA:1,1\n"
                                      "end_of_record\n";

static void test_lcov_merges_records_of_one_file(void **state) {
  (void)state;
  /* a.c: 1 covered, 2 covered (second run), 3 and 4 not; b.c: 1 covered */
  expect_cov(k_lcov_two_runs, QG_COV_LCOV, 3, 5);
}

static void test_lcov_checksum_field(void **state) {
  (void)state;
  expect_cov("SF:a.c\nDA:1,3,Bq7C1lTzo0Z/Rl3S4h8aXw\nDA:2,0,PGxh2cR4B2jTmhtUQ2Cplg\n"
             "end_of_record\n",
             QG_COV_LCOV, 1, 2);
}

static void test_lcov_other_records_ignored(void **state) {
  (void)state;
  expect_cov("VER:2.0\r\n"
             "TN:\r\n"
             "SF:/home/ci/src/x.c\r\n"
             "FN:3,7,f\r\n"
             "FNL:0,3,7\r\n"
             "FNA:0,4,f\r\n"
             "FNDA:4,f\r\n"
             "FNF:1\r\n"
             "FNH:1\r\n"
             "BRDA:4,0,0,1\r\n"
             "BRDA:4,0,1,-\r\n"
             "BRF:2\r\n"
             "BRH:1\r\n"
             "\r\n"
             "DA:3,4\r\n"
             "DA:4,4\r\n"
             "DA:6,0\r\n"
             "LF:3\r\n"
             "LH:2\r\n"
             "end_of_record\r\n",
             QG_COV_LCOV, 2, 3);
}

static void test_lcov_garbage_line(void **state) {
  (void)state;
  expect_error("SF:a.c\nDA:1,1\nhello world\nend_of_record\n", QG_COV_LCOV, 3, 1,
               "unknown lcov record \"hello world\"");
  expect_error("SF:a.c\n  XY:1\nend_of_record\n", QG_COV_LCOV, 2, 3, "unknown lcov record \"XY\"");
}

static void test_lcov_da_outside_a_record(void **state) {
  (void)state;
  expect_error("TN:\nDA:1,1\nSF:a.c\nend_of_record\n", QG_COV_LCOV, 2, 1,
               "DA record outside an SF ... end_of_record block");
  expect_error("SF:a.c\nDA:1,1\nend_of_record\nDA:2,1\n", QG_COV_LCOV, 4, 1,
               "DA record outside an SF ... end_of_record block");
}

static void test_lcov_missing_end_of_record(void **state) {
  (void)state;
  expect_error("SF:a.c\nDA:1,1\nend_of_record\nSF:b.c\nDA:1,1\nDA:2,0\n\n", QG_COV_LCOV, 6, 1,
               "missing end_of_record at the end of the record of \"b.c\" (line 4)");
  expect_error("SF:a.c\nDA:1,1\nSF:b.c\nend_of_record\n", QG_COV_LCOV, 3, 1,
               "SF record inside the record of \"a.c\" (line 1): missing end_of_record");
}

static void test_lcov_bad_numbers(void **state) {
  (void)state;
  expect_error("SF:a.c\nDA:7,-1\nend_of_record\n", QG_COV_LCOV, 2, 6,
               "DA: hit count \"-1\" is negative");
  expect_error("SF:a.c\nDA:x,1\nend_of_record\n", QG_COV_LCOV, 2, 4,
               "DA: line number \"x\" is not a non-negative integer");
  expect_error("SF:a.c\nDA:3,1.5\nend_of_record\n", QG_COV_LCOV, 2, 6,
               "DA: hit count \"1.5\" is not a non-negative integer");
  expect_error("SF:a.c\nDA:3\nend_of_record\n", QG_COV_LCOV, 2, 5,
               "DA: expected ',' and a hit count after the line number");
  expect_error("SF:a.c\nDA:1,1\nLF:three\nend_of_record\n", QG_COV_LCOV, 3, 4,
               "LF: \"three\" is not a non-negative integer");
}

/* ---- Cobertura -------------------------------------------------------------------------- */

static const char k_cobertura[] =
    "<?xml version=\"1.0\" ?>\n"
    "<!DOCTYPE coverage SYSTEM "
    "\"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">\n"
    "<coverage line-rate=\"0.5\" lines-covered=\"999\" lines-valid=\"999\" "
    "version=\"1.9\">\n"
    "  <sources><source>/src</source></sources>\n"
    "  <packages>\n"
    "    <package name=\"app\" line-rate=\"0.5\">\n"
    "      <classes>\n"
    "        <class name=\"a.py\" filename=\"app/a.py\" line-rate=\"0.5\">\n"
    "          <methods>\n"
    "            <method name=\"f\" signature=\"()V\">\n"
    "              <lines>\n"
    "                <line number=\"1\" hits=\"1\"/>\n"
    "                <line number=\"2\" hits=\"0\"/>\n"
    "              </lines>\n"
    "            </method>\n"
    "          </methods>\n"
    "          <lines>\n"
    "            <line number=\"1\" hits=\"1\"/>\n"
    "            <line number=\"2\" hits=\"0\"/>\n"
    "            <line number=\"3\" hits=\"4\" branch=\"true\" "
    "condition-coverage=\"50% (1/2)\"/>\n"
    "          </lines>\n"
    "        </class>\n"
    "      </classes>\n"
    "    </package>\n"
    "  </packages>\n"
    "</coverage>\n";

static void test_cobertura_method_lines_not_double_counted(void **state) {
  (void)state;
  expect_cov(k_cobertura, QG_COV_COBERTURA, 2, 3);
}

static void test_cobertura_classes_of_one_file_merge(void **state) {
  (void)state;
  /* Outer and Outer$Inner share Outer.java: line 1 covered by the inner
   * class, line 2 by the outer, 3 by neither; Other.java line 1 not */
  expect_cov("<coverage><packages><package name=\"p\"><classes>\n"
             "<class name=\"Outer\" filename=\"p/Outer.java\"><methods/><lines>\n"
             "<line number=\"1\" hits=\"0\"/><line number=\"2\" hits=\"3\"/>\n"
             "</lines></class>\n"
             "<class name=\"Outer$Inner\" filename=\"p/Outer.java\"><lines>\n"
             "<line number=\"2\" hits=\"0\"/><line number=\"3\" hits=\"0\"/>"
             "<line number=\"1\" hits=\"12\"/>\n"
             "</lines></class>\n"
             "<class name=\"Other\" filename=\"p/Other.java\"><lines>\n"
             "<line number=\"1\" hits=\"0\"/>\n"
             "</lines></class>\n"
             "</classes></package></packages></coverage>\n",
             QG_COV_COBERTURA, 2, 4);
}

static void test_cobertura_attribute_fallback(void **state) {
  (void)state;
  expect_cov("<?xml version=\"1.0\"?>\n<coverage lines-covered=\"799\" "
             "lines-valid=\"1000\">"
             "<packages/></coverage>\n",
             QG_COV_COBERTURA, 799, 1000);
  expect_error("<coverage lines-valid=\"10\">\n<packages/></coverage>\n", QG_COV_COBERTURA, 1, 1,
               "no <line> elements in <class><lines> and no lines-covered and "
               "lines-valid "
               "attributes on <coverage>");
  expect_error("<coverage lines-covered=\"1\"\n  "
               "lines-valid=\"ten\"><packages/></coverage>\n",
               QG_COV_COBERTURA, 2, 16,
               "<coverage> lines-valid=\"ten\" is not a non-negative integer");
}

static void test_cobertura_malformed_xml(void **state) {
  (void)state;
  expect_error_at("<coverage>\n  <packages>\n</coverage>\n", QG_COV_COBERTURA, 3, 0,
                  "invalid XML: Opening and ending tag mismatch", true);
  /* truncated: libxml2 2.9 reports it where the data ends */
  expect_error_at("<coverage>\n<packages/>\n", QG_COV_COBERTURA, 2, 0, "invalid XML: ", true);
  expect_error_at("<coverage>\n<packages><package name=\"a\" name=\"b\"/></packages>\n"
                  "</coverage>\n",
                  QG_COV_COBERTURA, 2, 0, "invalid XML: Attribute name redefined", true);
}

static void test_cobertura_bad_line_attributes(void **state) {
  (void)state;
  /* a DOCTYPE with an internal subset, a comment and CDATA before the line:
   * the position is still exact */
  expect_error("<?xml version=\"1.0\"?>\n"
               "<!DOCTYPE coverage [ <!ENTITY e \"<x a='>'/>\"> <!-- ] > --> ]>\n"
               "<coverage><!-- <line number=\"1\" hits=\"1\"/> -->\n"
               "<sources><source><![CDATA[<class>]]></source></sources>\n"
               "<packages><package><classes><class filename=\"a.c\"><lines>\n"
               "<line number=\"1\" hits=\"1\"/>\n"
               "<line number=\"3\" hits=\"abc\"/>\n"
               "</lines></class></classes></package></packages></coverage>\n",
               QG_COV_COBERTURA, 7, 24, "<line> hits=\"abc\" is not a non-negative integer");
  expect_error("<coverage><packages><package><classes><class filename=\"a.c\"><lines>\n"
               "  <line hits=\"-2\" number=\"3\"/>\n"
               "</lines></class></classes></package></packages></coverage>\n",
               QG_COV_COBERTURA, 2, 15, "<line> hits=\"-2\" is negative");
  expect_error("<coverage><packages><package><classes><class filename=\"a.c\"><lines>\n"
               "  <line number=\"x\" hits=\"2\"/>\n"
               "</lines></class></classes></package></packages></coverage>\n",
               QG_COV_COBERTURA, 2, 17, "<line> number=\"x\" is not a non-negative integer");
}

/* libxml2 keeps element line numbers in 16 bits: a report of more than
 * 65535 lines still gets the exact one. */
static void test_cobertura_error_line_in_a_large_report(void **state) {
  (void)state;
  qg_buf b;
  qg_buf_init(&b, 0);
  qg_buf_puts(&b, "<coverage>\n<packages><package><classes><class "
                  "filename=\"a.c\"><lines>\n");
  for (int i = 1; i <= 70000; i++)
    qg_buf_printf(&b, "<line number=\"%d\" hits=\"%s\"/>\n", i, i == 69000 ? "1x" : "1");
  qg_buf_puts(&b, "</lines></class></classes></package></packages></coverage>\n");
  expect_error(b.data, QG_COV_COBERTURA, 69002, 28,
               "<line> hits=\"1x\" is not a non-negative integer");
  qg_buf_cleanup(&b);
}

/* Entities are not expanded and external ones never read. */
static void test_cobertura_entities_not_expanded(void **state) {
  (void)state;
  expect_cov("<?xml version=\"1.0\"?>\n"
             "<!DOCTYPE coverage [\n"
             "  <!ENTITY more \"<line number='9' hits='1'/>\">\n"
             "  <!ENTITY ext SYSTEM \"file:///etc/hostname\">\n"
             "]>\n"
             "<coverage><packages><package><classes><class filename=\"a.c\"><lines>\n"
             "<line number=\"1\" hits=\"0\"/>&more;&ext;\n"
             "</lines></class></classes></package></packages></coverage>\n",
             QG_COV_COBERTURA, 0, 1);
}

/* ---- JaCoCo ----------------------------------------------------------------------------- */

static const char k_jacoco[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" "
    "\"report.dtd\">\n"
    "<report name=\"app\">\n"
    "  <sessioninfo id=\"ci-1\" start=\"1700000000000\" "
    "dump=\"1700000001000\"/>\n"
    "  <package name=\"com/x\">\n"
    "    <class name=\"com/x/A\" sourcefilename=\"A.java\">\n"
    "      <method name=\"f\" desc=\"()V\" line=\"3\">\n"
    "        <counter type=\"INSTRUCTION\" missed=\"1\" covered=\"9\"/>\n"
    "        <counter type=\"LINE\" missed=\"1\" covered=\"2\"/>\n"
    "      </method>\n"
    "      <counter type=\"LINE\" missed=\"1\" covered=\"2\"/>\n"
    "    </class>\n"
    "    <sourcefile name=\"A.java\">\n"
    "      <line nr=\"3\" mi=\"0\" ci=\"3\" mb=\"0\" cb=\"0\"/>\n"
    "      <counter type=\"LINE\" missed=\"1\" covered=\"2\"/>\n"
    "    </sourcefile>\n"
    "    <counter type=\"LINE\" missed=\"1\" covered=\"2\"/>\n"
    "  </package>\n"
    "  <package name=\"com/y\">\n"
    "    <class name=\"com/y/B\"><counter type=\"LINE\" missed=\"3\" "
    "covered=\"4\"/></class>\n"
    "    <counter type=\"LINE\" missed=\"3\" covered=\"4\"/>\n"
    "  </package>\n"
    "  <counter type=\"INSTRUCTION\" missed=\"10\" covered=\"20\"/>\n"
    "  <counter type=\"LINE\" missed=\"4\" covered=\"6\"/>\n"
    "  <counter type=\"METHOD\" missed=\"1\" covered=\"1\"/>\n"
    "</report>\n";

static void test_jacoco_root_counter_only(void **state) {
  (void)state;
  expect_cov(k_jacoco, QG_COV_JACOCO, 6, 10);
}

static void test_jacoco_package_sum_fallback(void **state) {
  (void)state;
  expect_cov("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
             "<!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" "
             "\"report.dtd\">\n"
             "<report name=\"app\">\n"
             "  <package name=\"a\">\n"
             "    <class name=\"a/A\"><counter type=\"LINE\" missed=\"1\" "
             "covered=\"2\"/></class>\n"
             "    <counter type=\"LINE\" missed=\"1\" covered=\"2\"/>\n"
             "  </package>\n"
             "  <package name=\"b\">\n"
             "    <counter type=\"BRANCH\" missed=\"7\" covered=\"7\"/>\n"
             "    <counter type=\"LINE\" missed=\"4\" covered=\"5\"/>\n"
             "  </package>\n"
             "</report>\n",
             QG_COV_JACOCO, 7, 12);
}

static void test_jacoco_doctype_and_errors(void **state) {
  (void)state;
  /* report.dtd does not exist here: it is neither read nor an error */
  expect_cov("<?xml version=\"1.0\"?>\n"
             "<!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" "
             "\"http://www.jacoco.org/jacoco/report.dtd\">\n"
             "<report name=\"x\"><counter type=\"LINE\" missed=\"0\" "
             "covered=\"5\"/></report>\n",
             QG_COV_JACOCO, 5, 5);
  expect_cov("<report name=\"empty\"><sessioninfo id=\"s\" start=\"1\" "
             "dump=\"2\"/></report>",
             QG_COV_JACOCO, 0, 0);
  expect_error("<report name=\"x\">\n  <counter type=\"LINE\" missed=\"-1\" "
               "covered=\"5\"/>\n"
               "</report>\n",
               QG_COV_JACOCO, 2, 32, "<counter> missed=\"-1\" is not a non-negative integer");
  expect_error("<coverage/>", QG_COV_JACOCO, 1, 1,
               "expected a JaCoCo report (root element <report>), found <coverage>");
}

/* ---- Go --------------------------------------------------------------------------------- */

static void test_go_duplicated_blocks(void **state) {
  (void)state;
  /* go test -coverpkg=./...: each package's run lists every block */
  expect_cov("mode: set\n"
             "example.com/m/a.go:3.14,5.2 2 1\n"
             "example.com/m/a.go:7.10,9.3 3 0\n"
             "example.com/m/b.go:1.1,2.2 4 0\n"
             "example.com/m/a.go:3.14,5.2 2 0\n"
             "example.com/m/a.go:7.10,9.3 3 0\n"
             "example.com/m/b.go:1.1,2.2 4 1\n",
             QG_COV_GO, 6, 9);
  /* concatenated profiles repeat the mode line */
  expect_cov("mode: count\nC:/src/a.go:1.1,2.2 2 7\nmode: "
             "count\nC:/src/a.go:1.1,2.2 2 0\n",
             QG_COV_GO, 2, 2);
  expect_cov("mode: atomic\n", QG_COV_GO, 0, 0);
}

static void test_go_mode_line(void **state) {
  (void)state;
  expect_error("example.com/m/a.go:3.14,5.2 2 1\n", QG_COV_GO, 1, 1,
               "expected \"mode: set|count|atomic\" as the first line of a Go "
               "cover profile");
  expect_error("", QG_COV_GO, 1, 1,
               "expected \"mode: set|count|atomic\" as the first line of a Go "
               "cover profile");
  expect_error("mode: sometimes\n", QG_COV_GO, 1, 7,
               "unknown cover mode \"sometimes\" (expected set, count or atomic)");
  expect_error("mode: set\na.go:1.1,2.2 1 1\nmode: count\n", QG_COV_GO, 3, 7,
               "cover mode \"count\" differs from \"set\" (line 1)");
}

static void test_go_malformed_lines(void **state) {
  (void)state;
  expect_error("mode: count\na.go:1.1,2.2 1 1\na.go:3.14,5 2 1\n", QG_COV_GO, 3, 12,
               "malformed block: expected '.' after the end line");
  expect_error("mode: count\na.go:1.1,2.2 1 -3\n", QG_COV_GO, 2, 16,
               "malformed block: negative count");
  expect_error("mode: count\nno colon here\n", QG_COV_GO, 2, 1,
               "malformed block: expected file:line.column,line.column "
               "statements count");
  expect_error("mode: count\na.go:1.1,2.2 1 3 extra\n", QG_COV_GO, 2, 17,
               "malformed block: unexpected text after the count");
  expect_error("mode: set\na.go:1.1,2.2 x 1\n", QG_COV_GO, 2, 14,
               "malformed block: expected the number of statements");
  expect_error("mode: set\na.go:1.1,2.2 2 1\na.go:1.1,2.2 3 1\n", QG_COV_GO, 3, 14,
               "the block has 3 statements here and 2 on an earlier line");
}

/* ---- detection, arithmetic, accumulation ------------------------------------------------ */

static void test_auto_detection(void **state) {
  (void)state;
  expect_cov(k_lcov_two_runs, QG_COV_AUTO, 3, 5);
  expect_cov("\xEF\xBB\xBF\n  \nSF:a.c\nDA:1,1\nend_of_record\n", QG_COV_AUTO, 1, 1);
  expect_cov("FN:1,f\nSF:a.c\nDA:1,0\nend_of_record\n", QG_COV_AUTO, 0, 1);
  expect_cov(k_cobertura, QG_COV_AUTO, 2, 3);
  expect_cov(k_jacoco, QG_COV_AUTO, 6, 10);
  expect_cov("\xEF\xBB\xBFmode: set\na.go:1.1,2.2 3 1\n", QG_COV_AUTO, 3, 3);
  expect_error("\n  hello world\n", QG_COV_AUTO, 1, 1,
               "not a coverage report (expected lcov, Cobertura XML, JaCoCo "
               "XML or a Go cover "
               "profile)");
  expect_error("", QG_COV_AUTO, 1, 1,
               "not a coverage report (expected lcov, Cobertura XML, JaCoCo "
               "XML or a Go cover "
               "profile)");
  expect_error("<?xml version=\"1.0\"?>\n<html><body/></html>\n", QG_COV_AUTO, 2, 1,
               "XML root element <html> is not a coverage report (expected "
               "<coverage> for "
               "Cobertura or <report> for JaCoCo)");
  /* an explicit format is not second-guessed */
  expect_error("mode: set\n", QG_COV_LCOV, 1, 1, "unknown lcov record \"mode\"");
}

static void lcov_of(qg_buf *b, int covered, int total) {
  qg_buf_init(b, 0);
  qg_buf_puts(b, "TN:\nSF:src/big.c\n");
  for (int i = 1; i <= total; i++)
    qg_buf_printf(b, "DA:%d,%d\n", i, i <= covered ? 1 : 0);
  qg_buf_puts(b, "end_of_record\n");
}

static void test_percent_boundary(void **state) {
  (void)state;
  qg_buf b;
  lcov_of(&b, 799, 1000);
  qg_coverage c = parse_ok(b.data, QG_COV_AUTO);
  qg_buf_cleanup(&b);
  assert_int_equal(c.covered, 799);
  assert_int_equal(c.total, 1000);
  assert_true(100.0 * (double)c.covered / (double)c.total < 80.0);

  lcov_of(&b, 800, 1000);
  c = parse_ok(b.data, QG_COV_LCOV);
  qg_buf_cleanup(&b);
  assert_int_equal(c.covered, 800);
  assert_int_equal(c.total, 1000);
  assert_true(100.0 * (double)c.covered / (double)c.total >= 80.0);

  /* Go weighs blocks by statements */
  c = parse_ok("mode: set\na.go:1.1,9.2 799 1\na.go:10.1,20.2 201 "
               "0\na.go:1.1,9.2 799 0\n",
               QG_COV_GO);
  assert_int_equal(c.covered, 799);
  assert_int_equal(c.total, 1000);
}

static void test_invalid_report_leaves_cov_untouched(void **state) {
  (void)state;
  qg_result r;
  qg_result_init(&r);
  qg_coverage cov = {10, 20, 1};
  /* the first record is fine; the second is not: nothing is added */
  const char *text = "SF:a.c\nDA:1,1\nDA:2,1\nend_of_record\nSF:b.c\nDA:1,-4\nend_of_record\n";
  assert_int_equal(qg_coverage_parse(LABEL, text, strlen(text), QG_COV_AUTO, &cov, &r), QG_EPARSE);
  assert_int_equal(cov.covered, 10);
  assert_int_equal(cov.total, 20);
  assert_int_equal(cov.files, 1);
  text = "<coverage><packages><package><classes><class filename=\"a.c\"><lines>"
         "<line number=\"1\" "
         "hits=\"1\"/></lines></class></classes></package></packages>";
  assert_int_equal(qg_coverage_parse(LABEL, text, strlen(text), QG_COV_AUTO, &cov, &r), QG_EPARSE);
  assert_int_equal(cov.covered, 10);
  assert_int_equal(cov.total, 20);
  assert_int_equal(cov.files, 1);
  assert_int_equal(r.diags.n, 2);
  qg_result_cleanup(&r);
}

static void test_reports_accumulate(void **state) {
  (void)state;
  qg_result r;
  qg_result_init(&r);
  qg_coverage cov = {0, 0, 0};
  const char *a = "SF:a.c\nDA:1,1\nDA:2,0\nend_of_record\n";
  const char *g = "mode: set\na.go:1.1,2.2 2 1\na.go:3.1,4.2 7 0\n";
  assert_int_equal(qg_coverage_parse("a.info", a, strlen(a), QG_COV_AUTO, &cov, &r), QG_OK);
  assert_int_equal(qg_coverage_parse("c.out", g, strlen(g), QG_COV_AUTO, &cov, &r), QG_OK);
  assert_int_equal(cov.covered, 3);
  assert_int_equal(cov.total, 11);
  assert_int_equal(cov.files, 2);
  assert_int_equal(r.diags.n, 0);
  qg_result_cleanup(&r);
}

static void test_read_files(void **state) {
  (void)state;
  char path[] = "/tmp/qg-unit-coverage-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  assert_non_null(f);
  fputs(k_jacoco, f);
  fclose(f);
  qg_result r;
  qg_result_init(&r);
  qg_coverage cov = {0, 0, 0};
  assert_int_equal(qg_coverage_read(path, QG_COV_AUTO, &cov, &r), QG_OK);
  assert_int_equal(cov.covered, 6);
  assert_int_equal(cov.total, 10);
  assert_int_equal(cov.files, 1);
  unlink(path);
  assert_int_equal(qg_coverage_read(path, QG_COV_AUTO, &cov, &r), QG_ENOENT);
  assert_int_equal(r.diags.n, 1);
  assert_int_equal(r.diags.items[0].status, QG_ENOENT);
  assert_string_equal(r.diags.items[0].loc.path, path);
  assert_int_equal(cov.files, 1);
  qg_result_cleanup(&r);
}

/* XML nesting is capped by libxml2 at 256 levels (qgate does not ask for
 * XML_PARSE_HUGE): deeper is invalid XML where the cap is crossed. */
static void test_xml_depth_cap(void **state) {
  (void)state;
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "<coverage>");
  for (int i = 0; i < 300; i++)
    (void)qg_buf_puts(&b, "<a>");
  for (int i = 0; i < 300; i++)
    (void)qg_buf_puts(&b, "</a>");
  (void)qg_buf_puts(&b, "</coverage>\n");
  /* at the tag that crosses the cap: column 781 is the '>' of the 257th <a> */
  expect_error_at(b.data, QG_COV_AUTO, 1, 781, "invalid XML: Excessive depth in document: 256",
                  true);
  qg_buf_cleanup(&b);
}

/* libxml2 prints some errors (a failed encoding conversion) through its
 * generic handler unless told not to; library code never prints: standard
 * error stays empty and the problem is the one diagnostic (found by
 * fuzz/fuzz_coverage.c). */
static void test_xml_errors_not_printed(void **state) {
  (void)state;
  static const char bad[] = "<?xml version=\"1.0\" encoding=\"ISO-2022-JP\"?>\n"
                            "<coverage>\x1b$B\xd6\x62/C</coverage>\n";
  FILE *tmp = tmpfile();
  assert_non_null(tmp);
  fflush(stderr);
  int saved = dup(2);
  assert_true(saved >= 0);
  assert_true(dup2(fileno(tmp), 2) >= 0);
  qg_result r;
  qg_result_init(&r);
  qg_coverage cov = {0, 0, 0};
  qg_status st = qg_coverage_parse(LABEL, bad, sizeof(bad) - 1, QG_COV_AUTO, &cov, &r);
  fflush(stderr);
  assert_true(dup2(saved, 2) >= 0);
  close(saved);
  struct stat sb;
  assert_int_equal(fstat(fileno(tmp), &sb), 0);
  fclose(tmp);
  assert_int_equal(sb.st_size, 0);
  assert_int_equal(st, QG_EPARSE);
  assert_int_equal(r.diags.n, 1);
  assert_int_equal(r.diags.items[0].loc.line, 2);
  assert_int_equal(r.diags.items[0].loc.col, 11);
  assert_string_equal(r.diags.items[0].message, "invalid XML");
  qg_result_cleanup(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lcov_merges_records_of_one_file),
      cmocka_unit_test(test_lcov_checksum_field),
      cmocka_unit_test(test_lcov_other_records_ignored),
      cmocka_unit_test(test_lcov_garbage_line),
      cmocka_unit_test(test_lcov_da_outside_a_record),
      cmocka_unit_test(test_lcov_missing_end_of_record),
      cmocka_unit_test(test_lcov_bad_numbers),
      cmocka_unit_test(test_cobertura_method_lines_not_double_counted),
      cmocka_unit_test(test_cobertura_classes_of_one_file_merge),
      cmocka_unit_test(test_cobertura_attribute_fallback),
      cmocka_unit_test(test_cobertura_malformed_xml),
      cmocka_unit_test(test_cobertura_bad_line_attributes),
      cmocka_unit_test(test_cobertura_error_line_in_a_large_report),
      cmocka_unit_test(test_cobertura_entities_not_expanded),
      cmocka_unit_test(test_jacoco_root_counter_only),
      cmocka_unit_test(test_jacoco_package_sum_fallback),
      cmocka_unit_test(test_jacoco_doctype_and_errors),
      cmocka_unit_test(test_go_duplicated_blocks),
      cmocka_unit_test(test_go_mode_line),
      cmocka_unit_test(test_go_malformed_lines),
      cmocka_unit_test(test_auto_detection),
      cmocka_unit_test(test_percent_boundary),
      cmocka_unit_test(test_invalid_report_leaves_cov_untouched),
      cmocka_unit_test(test_reports_accumulate),
      cmocka_unit_test(test_read_files),
      cmocka_unit_test(test_xml_errors_not_printed),
      cmocka_unit_test(test_xml_depth_cap),
  };
  return cmocka_run_group_tests_name("coverage", tests, NULL, NULL);
}
