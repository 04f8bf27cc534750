/*
 * quote.c — Go's strconv.Quote. See quote.h.
 */
#include "api/quote.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

size_t utf8_decode(const char *str, size_t n, uint32_t *ret_cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		len = 1;
		c = s[0];
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	if (ret_cp)
		*ret_cp = c;
	return len;
}

/* Code points unicode.IsPrint rejects (besides controls): format
 * characters (Cf), separators other than ' ' (Zs, Zl, Zp), private use
 * (Co) and noncharacters. Sorted, inclusive. */
static const struct {
	uint32_t lo, hi;
} unprintable[] = {
    {0x00a0, 0x00a0},	{0x00ad, 0x00ad},    {0x0600, 0x0605},
    {0x061c, 0x061c},	{0x06dd, 0x06dd},    {0x070f, 0x070f},
    {0x0890, 0x0891},	{0x08e2, 0x08e2},    {0x1680, 0x1680},
    {0x180e, 0x180e},	{0x2000, 0x200f},    {0x2028, 0x202f},
    {0x205f, 0x206f},	{0x3000, 0x3000},    {0xe000, 0xf8ff},
    {0xfdd0, 0xfdef},	{0xfeff, 0xfeff},    {0xfff9, 0xfffb},
    {0x110bd, 0x110bd}, {0x110cd, 0x110cd},  {0x13430, 0x1343f},
    {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a},  {0xe0001, 0xe0001},
    {0xe0020, 0xe007f}, {0xf0000, 0x10ffff},
};

static bool go_is_print(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		return false;
	if ((c & 0xfffe) == 0xfffe)
		return false; /* U+xxFFFE and U+xxFFFF */
	for (size_t i = 0; i < sizeof(unprintable) / sizeof(unprintable[0]);
	     i++) {
		if (c < unprintable[i].lo)
			return true;
		if (c <= unprintable[i].hi)
			return false;
	}
	return true;
}

/* The escape for one character at s; its input length in *ret_in.
 * Returns the output length (copying into out, at least 11 bytes). */
static size_t quote_one(const char *s, size_t n, char *out, size_t *ret_in)
{
	static const char esc[] = "\a\b\f\n\r\t\v\"\\";
	static const char letter[] = "abfnrtv\"\\";
	uint32_t c;
	size_t len = utf8_decode(s, n, &c);
	const char *e;

	if (len == 0) {
		*ret_in = 1;
		return (size_t)snprintf(out, 11, "\\x%02x", (unsigned char)*s);
	}
	*ret_in = len;
	if (c && c < 0x80 && (e = strchr(esc, (int)c))) {
		out[0] = '\\';
		out[1] = letter[e - esc];
		return 2;
	}
	if (go_is_print(c)) {
		memcpy(out, s, len);
		return len;
	}
	if (c < 0x80)
		return (size_t)snprintf(out, 11, "\\x%02x", (unsigned)c);
	if (c < 0x10000)
		return (size_t)snprintf(out, 11, "\\u%04x", (unsigned)c);
	return (size_t)snprintf(out, 11, "\\U%08x", (unsigned)c);
}

size_t go_quote(const char *s, size_t n, char *buf, size_t size)
{
	size_t in = 0, len = 0;

	if (size < 3) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	buf[len++] = '"';
	while (in < n) {
		char one[12];
		size_t used, w = quote_one(s + in, n - in, one, &used);

		if (len + w + 2 > size)
			break;
		memcpy(buf + len, one, w);
		len += w;
		in += used;
	}
	buf[len++] = '"';
	buf[len] = '\0';
	return in;
}
