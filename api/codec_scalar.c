/*
 * codec_scalar.c — what plain YAML scalars mean (YAML 1.2 core schema),
 * which strings other YAML readers would take for something else, numbers
 * in and out, and UTF-8.
 *
 * Number text is always read and written in the "C" locale, whatever
 * locale the process runs in.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/codec_i.h"

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Switch this thread to the "C" locale; returns the one to restore. */
static locale_t c_locale_enter(void)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale ? uselocale(c_locale) : (locale_t)0;
}

static void c_locale_leave(locale_t old)
{
	if (old)
		uselocale(old);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_oct(char c)
{
	return c >= '0' && c <= '7';
}

struct word {
	const char *s;
	size_t n;
};

#define WORD(x)                                                                \
	{                                                                      \
		x, sizeof(x) - 1                                               \
	}

static bool is_word(const char *s, size_t n, const struct word *words)
{
	for (; words->s; words++)
		if (words->n == n && !memcmp(s, words->s, n))
			return true;
	return false;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float_syntax(const char *s, size_t n)
{
	size_t i = 0, d = 0, f = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < n && is_digit(s[i]))
		i++, d++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && is_digit(s[i]))
			i++, f++;
		if (!d && !f)
			return false;
	} else if (!d) {
		return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t e = 0;

		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < n && is_digit(s[i]))
			i++, e++;
		if (!e)
			return false;
	}
	return i == n;
}

static bool is_int_syntax(const char *s, size_t n)
{
	size_t i = 0;

	if (n > 2 && s[0] == '0' && s[1] == 'o') {
		for (i = 2; i < n; i++)
			if (!is_oct(s[i]))
				return false;
		return true;
	}
	if (n > 2 && s[0] == '0' && s[1] == 'x') {
		for (i = 2; i < n; i++)
			if (!is_hex(s[i]))
				return false;
		return true;
	}
	if (n && (s[0] == '-' || s[0] == '+'))
		i++;
	if (i == n)
		return false;
	for (; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

enum codec_scalar codec_scalar_classify(const char *s, size_t n)
{
	static const struct word nulls[] = {
	    WORD("~"), WORD("null"), WORD("Null"), WORD("NULL"), {NULL, 0}};
	static const struct word bools[] = {
	    WORD("true"),  WORD("True"),  WORD("TRUE"), WORD("false"),
	    WORD("False"), WORD("FALSE"), {NULL, 0}};
	static const struct word infnan[] = {
	    WORD(".inf"),  WORD(".Inf"),  WORD(".INF"),	 WORD("+.inf"),
	    WORD("+.Inf"), WORD("+.INF"), WORD("-.inf"), WORD("-.Inf"),
	    WORD("-.INF"), WORD(".nan"),  WORD(".NaN"),	 WORD(".NAN"),
	    {NULL, 0}};

	if (n == 0)
		return CODEC_SCALAR_NULL;
	switch (s[0]) {
	case '~':
	case 'n':
	case 'N':
		return is_word(s, n, nulls) ? CODEC_SCALAR_NULL
					    : CODEC_SCALAR_STR;
	case 't':
	case 'T':
	case 'f':
	case 'F':
		return is_word(s, n, bools) ? CODEC_SCALAR_BOOL
					    : CODEC_SCALAR_STR;
	case '+':
	case '-':
	case '.':
		break;
	default:
		/* Most strings are ruled out by their first byte. */
		if (!is_digit(s[0]))
			return CODEC_SCALAR_STR;
	}
	if (is_int_syntax(s, n))
		return CODEC_SCALAR_INT;
	if (is_float_syntax(s, n))
		return CODEC_SCALAR_FLOAT;
	if (is_word(s, n, infnan))
		return CODEC_SCALAR_INFNAN;
	return CODEC_SCALAR_STR;
}

/* strconv.ParseInt(s, 0, 64) syntax, as go-yaml v2 tries it. */
static bool is_go_int(const char *s, size_t n)
{
	size_t i = 0;
	bool (*digit)(char) = is_digit;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	if (n - i > 2 && s[i] == '0') {
		char p = s[i + 1] | 0x20;

		if (p == 'x' || p == 'o' || p == 'b') {
			digit = p == 'x' ? is_hex : is_oct;
			if (p == 'b')
				digit = NULL;
			i += 2;
		}
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		if (digit ? !digit(s[i]) : s[i] != '0' && s[i] != '1')
			return false;
	}
	return true;
}

/* [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)? */
static bool is_base60(const char *s, size_t n)
{
	size_t i = 0, groups = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i == n || !is_digit(s[i]))
		return false;
	while (i < n && (is_digit(s[i]) || s[i] == '_'))
		i++;
	while (i < n && s[i] == ':') {
		size_t d = 0;

		i++;
		while (i < n && is_digit(s[i]) && d < 2)
			i++, d++;
		if (!d || (d == 2 && s[i - 2] > '5'))
			return false;
		groups++;
	}
	if (!groups)
		return false;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && (is_digit(s[i]) || s[i] == '_'))
			i++;
	}
	return i == n;
}

/* A date, possibly followed by a time: [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}. */
static bool is_timestamp(const char *s, size_t n)
{
	size_t i, d;

	for (i = 0; i < 4; i++)
		if (i >= n || !is_digit(s[i]))
			return false;
	for (int part = 0; part < 2; part++) {
		if (i >= n || s[i] != '-')
			return false;
		i++;
		for (d = 0; i < n && is_digit(s[i]) && d < 2; i++)
			d++;
		if (!d)
			return false;
	}
	return i == n || s[i] == 'T' || s[i] == 't' || s[i] == ' ';
}

bool codec_scalar_yaml11_special(const char *s, size_t n)
{
	static const struct word words[] = {
	    WORD("y"),	 WORD("Y"),  WORD("yes"), WORD("Yes"), WORD("YES"),
	    WORD("n"),	 WORD("N"),  WORD("no"),  WORD("No"),  WORD("NO"),
	    WORD("on"),	 WORD("On"), WORD("ON"),  WORD("off"), WORD("Off"),
	    WORD("OFF"), WORD("<<"), WORD("="),	  {NULL, 0}};
	char plain[128];
	size_t m = 0;

	if (n == 0)
		return false;
	if (!is_digit(s[0]) && s[0] != '+' && s[0] != '-' && s[0] != '.')
		return n <= 3 && is_word(s, n, words);
	if (is_base60(s, n) || is_timestamp(s, n))
		return true;
	/* go-yaml v2 drops every '_' before trying the number forms. */
	if (n > sizeof(plain))
		return strspn(s, "0123456789_+-.eExXoObBabcdfABCDF") == n;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			plain[m++] = s[i];
	return is_go_int(plain, m) || is_float_syntax(plain, m);
}

int codec_scalar_int(const char *s, size_t n, json_int_t *ret_value)
{
	unsigned long long v = 0, max = INT64_MAX;
	unsigned base = 10;
	bool neg = false;
	size_t i = 0;

	if (!is_int_syntax(s, n))
		return -EINVAL;
	if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		base = s[1] == 'o' ? 8 : 16;
		i = 2;
	} else if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i = 1;
	}
	if (neg)
		max = (unsigned long long)INT64_MAX + 1;
	for (; i < n; i++) {
		unsigned d = is_digit(s[i])
				 ? (unsigned)(s[i] - '0')
				 : (unsigned)((s[i] | 0x20) - 'a' + 10);

		if (v > (max - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (neg)
		*ret_value = v ? (json_int_t)(-(long long)(v - 1) - 1) : 0;
	else
		*ret_value = (json_int_t)v;
	return 0;
}

int codec_scalar_float(const char *s, size_t n, double *ret_value)
{
	locale_t old;
	char *end;
	double v;
	int saved = errno;

	if (!is_float_syntax(s, n) || s[n] != '\0')
		return -EINVAL;
	old = c_locale_enter();
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE && isinf(v)) {
		c_locale_leave(old);
		errno = saved;
		return -ERANGE;
	}
	c_locale_leave(old);
	errno = saved;
	if (end != s + n)
		return -EINVAL;
	*ret_value = v;
	return 0;
}

size_t codec_format_real(double v, char *out)
{
	locale_t old;
	size_t n = 0;
	char *e;

	if (isnan(v))
		return (size_t)snprintf(out, CODEC_REAL_MAX, ".nan");
	if (isinf(v))
		return (size_t)snprintf(out, CODEC_REAL_MAX, "%s",
					v < 0 ? "-.inf" : ".inf");
	old = c_locale_enter();
	for (int prec = 15; prec <= 17; prec++) {
		n = (size_t)snprintf(out, CODEC_REAL_MAX, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	c_locale_leave(old);
	if (strchr(out, '.'))
		return n;
	/* Keep it a real when read back: "1.0", "1.0e+300". */
	e = strchr(out, 'e');
	if (!e) {
		memcpy(out + n, ".0", 3);
		return n + 2;
	}
	memmove(e + 2, e, (size_t)(out + n - e) + 1);
	memcpy(e, ".0", 2);
	return n + 2;
}

size_t codec_utf8_next(const char *s, size_t n, uint32_t *ret_cp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp, min;
	size_t len;

	if (u[0] < 0x80) {
		*ret_cp = u[0];
		return 1;
	}
	if ((u[0] & 0xE0) == 0xC0) {
		len = 2, cp = u[0] & 0x1F, min = 0x80;
	} else if ((u[0] & 0xF0) == 0xE0) {
		len = 3, cp = u[0] & 0x0F, min = 0x800;
	} else if ((u[0] & 0xF8) == 0xF0) {
		len = 4, cp = u[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (u[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	*ret_cp = cp;
	return len;
}
