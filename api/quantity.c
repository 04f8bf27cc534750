/*
 * quantity.c — Kubernetes resource.Quantity parsing and canonical form.
 */
#include "api/quantity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

#define NANO 1000000000LL
/* 2^63-1 whole units, in nano-units: the cap Kubernetes applies. */
#define UNITS_MAX ((i128)INT64_MAX)
#define NANO_MAX (UNITS_MAX * NANO)

static const char *const dec_suffix[] = {
    "n", "u", "m", "", "k", "M", "G", "T", "P", "E",
};
static const char *const bin_suffix[] = {
    "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* a * b for non-negative values, saturating just above NANO_MAX. */
static i128 mul_sat(i128 a, i128 b)
{
	if (a == 0 || b == 0)
		return 0;
	if (a > (NANO_MAX + 1) / b)
		return NANO_MAX + 1;
	return a * b;
}

/*
 * Split s as Kubernetes' parseQuantityString does: sign, integer digits,
 * fraction digits and suffix. Returns false when the shape is wrong.
 */
struct parts {
	bool negative;
	const char *num, *frac, *suffix;
	size_t nnum, nfrac;
};

static bool split(const char *s, struct parts *p)
{
	const char *q = s;

	memset(p, 0, sizeof(*p));
	if (*q == '-' || *q == '+') {
		p->negative = *q == '-';
		q++;
	}
	p->num = q;
	while (is_digit(*q))
		q++;
	p->nnum = (size_t)(q - p->num);
	if (*q == '.') {
		q++;
		p->frac = q;
		while (is_digit(*q))
			q++;
		p->nfrac = (size_t)(q - p->frac);
	}
	if (p->nnum + p->nfrac == 0)
		return false; /* Kubernetes reads "." or "k" as 0; we refuse */
	p->suffix = q;
	while (*q && strchr("eEinumkKMGTP", *q))
		q++;
	if (*q == '-' || *q == '+')
		q++;
	while (is_digit(*q))
		q++;
	return *q == '\0';
}

/* Decode a suffix into a power of ten, a power of 1024 and a format. */
static bool suffix_value(const char *s, int *ret_exp10, int *ret_exp1024,
			 enum quantity_format *ret_format)
{
	size_t i;

	for (i = 0; i < sizeof(dec_suffix) / sizeof(dec_suffix[0]); i++)
		if (!strcmp(s, dec_suffix[i])) {
			*ret_exp10 = 3 * (int)i - 9;
			*ret_exp1024 = 0;
			*ret_format = QUANTITY_DECIMAL_SI;
			return true;
		}
	for (i = 1; i < sizeof(bin_suffix) / sizeof(bin_suffix[0]); i++)
		if (!strcmp(s, bin_suffix[i])) {
			*ret_exp10 = 0;
			*ret_exp1024 = (int)i;
			*ret_format = QUANTITY_BINARY_SI;
			return true;
		}
	if ((s[0] == 'e' || s[0] == 'E') && s[1]) {
		char *end;
		long e;

		errno = 0;
		e = strtol(s + 1, &end, 10);
		if (*end || errno || end == s + 1)
			return false;
		/* beyond this every value is 0 or capped anyway */
		if (e > 100)
			e = 100;
		if (e < -100)
			e = -100;
		*ret_exp10 = (int)e;
		*ret_exp1024 = 0;
		*ret_format = QUANTITY_DECIMAL_EXPONENT;
		return true;
	}
	return false;
}

int quantity_parse(const char *s, struct quantity *ret)
{
	struct parts p;
	enum quantity_format format;
	int exp10, exp1024;
	i128 m = 0;
	bool dropped = false; /* non-zero digits beyond int128 precision */
	size_t i;

	if (!s || !*s || strlen(s) > QUANTITY_TEXT_MAX || !split(s, &p))
		return -EINVAL;
	if (!suffix_value(p.suffix, &exp10, &exp1024, &format))
		return -EINVAL;

	for (i = 0; i < p.nnum; i++) {
		if (m <= NANO_MAX) {
			m = m * 10 + (p.num[i] - '0');
		} else {
			exp10++; /* already capped: keep only the magnitude */
			dropped |= p.num[i] != '0';
		}
	}
	for (i = 0; i < p.nfrac; i++) {
		if (m <= NANO_MAX) {
			m = m * 10 + (p.frac[i] - '0');
			exp10--;
		} else {
			dropped |= p.frac[i] != '0';
		}
	}
	for (int k = 0; k < exp1024; k++)
		m = mul_sat(m, 1024);
	exp10 += 9; /* to nano-units */
	for (; exp10 > 0 && m <= NANO_MAX; exp10--)
		m = mul_sat(m, 10);
	if (exp10 > 0)
		m = NANO_MAX + 1;
	for (; exp10 < 0 && m > 0; exp10++) {
		dropped |= m % 10 != 0;
		m /= 10;
	}
	if (dropped)
		m++; /* round away from zero */
	if (m > NANO_MAX)
		m = NANO_MAX;
	ret->nano = p.negative ? -m : m;
	ret->format = format;
	return 0;
}

/* Shortest decimal text of d that reads back as d. */
static void real_text(double d, char *buf, size_t size)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

int quantity_from_json(const json_t *v, struct quantity *ret)
{
	char buf[64];

	if (json_is_string(v))
		return quantity_parse(json_string_value(v), ret);
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld",
			 (long long)json_integer_value(v));
		return quantity_parse(buf, ret);
	}
	if (json_is_real(v)) {
		real_text(json_real_value(v), buf, sizeof(buf));
		return quantity_parse(buf, ret);
	}
	return -EINVAL;
}

int quantity_cmp(const struct quantity *a, const struct quantity *b)
{
	return (a->nano > b->nano) - (a->nano < b->nano);
}

int quantity_sign(const struct quantity *q)
{
	return (q->nano > 0) - (q->nano < 0);
}

/* q->nano / div rounded away from zero, saturated to int64. */
static int64_t scaled(const struct quantity *q, i128 div)
{
	i128 mag = q->nano < 0 ? -q->nano : q->nano;
	i128 v = mag / div + (mag % div != 0);

	if (v > INT64_MAX)
		v = INT64_MAX;
	return (int64_t)(q->nano < 0 ? -v : v);
}

int64_t quantity_milli(const struct quantity *q)
{
	return scaled(q, 1000000);
}

int64_t quantity_value(const struct quantity *q)
{
	return scaled(q, NANO);
}

bool quantity_is_integer(const struct quantity *q)
{
	return q->nano % NANO == 0;
}

/* Decimal text of a non-negative int128. */
static size_t i128_text(i128 v, char *buf, size_t size)
{
	char tmp[48];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v > 0 && n < sizeof(tmp));
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

char *quantity_format(const struct quantity *q, char buf[QUANTITY_STRLEN])
{
	i128 mag = q->nano < 0 ? -q->nano : q->nano;
	size_t len = 0;
	int exp = -9;

	if (mag == 0) {
		snprintf(buf, QUANTITY_STRLEN, "0");
		return buf;
	}
	if (q->nano < 0)
		buf[len++] = '-';
	if (q->format == QUANTITY_BINARY_SI && mag >= (i128)1024 * NANO &&
	    mag % NANO == 0) {
		i128 units = mag / NANO;
		int k = 0;

		while (k < 6 && units % 1024 == 0) {
			units /= 1024;
			k++;
		}
		len += i128_text(units, buf + len, QUANTITY_STRLEN - len);
		snprintf(buf + len, QUANTITY_STRLEN - len, "%s", bin_suffix[k]);
		return buf;
	}
	while (mag % 1000 == 0 && exp < 18) {
		mag /= 1000;
		exp += 3;
	}
	len += i128_text(mag, buf + len, QUANTITY_STRLEN - len);
	if (q->format == QUANTITY_DECIMAL_EXPONENT) {
		if (exp != 0)
			snprintf(buf + len, QUANTITY_STRLEN - len, "e%d", exp);
	} else {
		snprintf(buf + len, QUANTITY_STRLEN - len, "%s",
			 dec_suffix[(exp + 9) / 3]);
	}
	return buf;
}
