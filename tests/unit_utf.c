/* unit_utf.c: UTF-16 and UTF-32 with a byte-order mark, decoded to UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/utf.h"

#include <stdlib.h>
#include <string.h>

static void test_detect(void **state) {
  (void)state;
  const unsigned char u32le[] = {0xFF, 0xFE, 0, 0}, u16le[] = {0xFF, 0xFE, 'a', 0},
                      u32be[] = {0, 0, 0xFE, 0xFF}, u16be[] = {0xFE, 0xFF},
                      u8[] = {0xEF, 0xBB, 0xBF, 'a'}, none[] = {'a', 0, 'b', 0};
  assert_int_equal(qg_bom_detect(u32le, 4), QG_BOM_UTF32LE); /* not UTF-16LE + U+0000 */
  assert_int_equal(qg_bom_detect(u16le, 4), QG_BOM_UTF16LE);
  assert_int_equal(qg_bom_detect(u16le, 1), QG_BOM_NONE);
  assert_int_equal(qg_bom_detect(u32be, 4), QG_BOM_UTF32BE);
  assert_int_equal(qg_bom_detect(u16be, 2), QG_BOM_UTF16BE);
  assert_int_equal(qg_bom_detect(u8, 4), QG_BOM_UTF8);
  assert_int_equal(qg_bom_detect(none, 4), QG_BOM_NONE);
  assert_false(qg_bom_wide(u8, 4));
  assert_true(qg_bom_wide(u16be, 2));
}

static void decode(const unsigned char *in, size_t len, const char *want, size_t bad, uint32_t line,
                   uint32_t col) {
  unsigned char *out = NULL;
  size_t n = 0;
  qg_utf_error err;
  qg_utf_decode(in, len, qg_bom_detect(in, len), &out, &n, &err);
  assert_int_equal(n, strlen(want));
  assert_memory_equal(out, want, n);
  assert_int_equal(out[n], 0);
  assert_int_equal(err.count, bad);
  if (bad) {
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
  }
  free(out);
}

static void test_utf16(void **state) {
  (void)state;
  /* "a\né" then U+1F680 as a surrogate pair, LE and BE */
  const unsigned char le[] = {0xFF, 0xFE, 'a', 0, '\n', 0, 0xE9, 0, 0x3D, 0xD8, 0x80, 0xDE};
  const unsigned char be[] = {0xFE, 0xFF, 0, 'a', 0, '\n', 0, 0xE9, 0xD8, 0x3D, 0xDE, 0x80};
  decode(le, sizeof(le), "a\n\xC3\xA9\xF0\x9F\x9A\x80", 0, 0, 0);
  decode(be, sizeof(be), "a\n\xC3\xA9\xF0\x9F\x9A\x80", 0, 0, 0);
  /* BOM only: empty text */
  decode(le, 2, "", 0, 0, 0);
}

static void test_utf16_invalid(void **state) {
  (void)state;
  /* a lone high surrogate before 'b', a lone low one, U+0000, a truncated unit:
   * four U+FFFD, the first at 2:2 */
  const unsigned char in[] = {0xFF, 0xFE, 'x', 0,    '\n', 0, 'a', 0,  0x00,
                              0xD8, 'b',  0,   0x00, 0xDC, 0, 0,   'c'};
  decode(in, sizeof(in),
         "x\na\xEF\xBF\xBD"
         "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
         4, 2, 2);
  /* a high surrogate as the last unit */
  const unsigned char end[] = {0xFE, 0xFF, 0xD8, 0x00};
  decode(end, sizeof(end), "\xEF\xBF\xBD", 1, 1, 1);
  /* worst case for the output size: all BMP units of 3 bytes, and a trailing
   * byte */
  unsigned char big[2 + 2 * 100 + 1];
  big[0] = 0xFF;
  big[1] = 0xFE;
  for (size_t i = 0; i < 100; i++) {
    big[2 + 2 * i] = 0x13;
    big[3 + 2 * i] = 0x27; /* U+2713 */
  }
  big[sizeof(big) - 1] = 'z';
  char want[3 * 100 + 4];
  for (size_t i = 0; i < 100; i++)
    memcpy(want + 3 * i, "\xE2\x9C\x93", 3);
  memcpy(want + 300, "\xEF\xBF\xBD", 4);
  decode(big, sizeof(big), want, 1, 1, 101);
}

static void test_utf32(void **state) {
  (void)state;
  const unsigned char le[] = {0xFF, 0xFE, 0, 0, 'k', 0, 0, 0, 0x80, 0xF6, 0x01, 0};
  decode(le, sizeof(le), "k\xF0\x9F\x9A\x80", 0, 0, 0);
  /* past U+10FFFF, a surrogate code point, and 3 bytes left over */
  const unsigned char be[] = {0, 0, 0xFE, 0xFF, 0, 0x11, 0, 0, 0, 0, 0xD8, 0, 0, 0, 'q'};
  decode(be, sizeof(be), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 3, 1, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_detect),
      cmocka_unit_test(test_utf16),
      cmocka_unit_test(test_utf16_invalid),
      cmocka_unit_test(test_utf32),
  };
  return cmocka_run_group_tests_name("utf", tests, NULL, NULL);
}
