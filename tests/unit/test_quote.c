/*
 * test_quote.c — Go's strconv.Quote (api/quote.h): each expected string
 * is what Go prints for the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/quote.h"

static void quoted(const char *s, size_t n, const char *want)
{
	char buf[128];

	assert_int_equal(go_quote(s, n, buf, sizeof(buf)), n);
	assert_string_equal(buf, want);
}

#define Q(lit, want) quoted(lit, sizeof(lit) - 1, want)

static void test_escapes(void **state)
{
	(void)state;
	Q("", "\"\"");
	Q("plain text", "\"plain text\"");
	Q("a\nb", "\"a\\nb\"");
	Q("tab\there", "\"tab\\there\"");
	Q("say \"hi\"", "\"say \\\"hi\\\"\"");
	Q("back\\slash", "\"back\\\\slash\"");
	Q("\a\b\f\r\v", "\"\\a\\b\\f\\r\\v\"");
	Q("\x01\x1f\x7f", "\"\\x01\\x1f\\x7f\"");
	Q("nul\0byte", "\"nul\\x00byte\"");
	Q("'single'", "\"'single'\"");
}

static void test_utf8(void **state)
{
	(void)state;
	Q("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	Q("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
	/* invalid UTF-8: byte by byte */
	Q("\xff", "\"\\xff\"");
	Q("a\xc3", "\"a\\xc3\"");
	Q("\xc0\x80", "\"\\xc0\\x80\"");
	Q("\xed\xa0\x80", "\"\\xed\\xa0\\x80\"");
	Q("\xf4\x90\x80\x80", "\"\\xf4\\x90\\x80\\x80\"");
	/* valid but not printable */
	Q("\xc2\x85", "\"\\u0085\"");
	Q("\xc2\xa0", "\"\\u00a0\"");
	Q("\xc2\xad", "\"\\u00ad\"");
	Q("\xe2\x80\xa8", "\"\\u2028\"");
	Q("\xef\xbb\xbf", "\"\\ufeff\"");
	Q("\xef\xbf\xbf", "\"\\uffff\"");
	Q("\xf3\xa0\x80\x81", "\"\\U000e0001\"");
	/* the replacement character itself is printable */
	Q("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");
}

static void test_cut(void **state)
{
	char buf[8];

	(void)state;
	/* "abcde" + quotes + NUL fits exactly */
	assert_int_equal(go_quote("abcde", 5, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "\"abcde\"");
	assert_int_equal(go_quote("abcdef", 6, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "\"abcde\"");
	/* an escape is never cut in half */
	assert_int_equal(go_quote("abcd\n", 5, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "\"abcd\"");
	assert_int_equal(go_quote("\x01", 1, buf, 6), 0);
	assert_string_equal(buf, "\"\"");
	assert_int_equal(go_quote("x", 1, buf, 2), 0);
	assert_string_equal(buf, "");
}

static void test_utf8_decode(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(utf8_decode("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_decode("\xe2\x82\xac", 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(utf8_decode("\xe2\x82\xac", 2, &cp), 0);
	assert_int_equal(utf8_decode("\x80", 1, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_cut),
	    cmocka_unit_test(test_utf8_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
