/*
 * flags.c — pflag's command-line syntax and messages (see flags.h).
 */
#include "api/flags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Go durations ---- */

struct unit {
	const char *name;
	uint64_t ns;
};

static const struct unit units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000}, /* U+03BC Greek mu */
    {"ms", 1000000},
    {"s", 1000000000ull},
    {"m", 60000000000ull},
    {"h", 3600000000000ull},
};

static int bad_duration(struct kf_error *err, const char *s)
{
	return kf_error_set(err, -EINVAL, "time: invalid duration \"%s\"", s);
}

int go_duration_parse(const char *s, struct kf_error *err, uint64_t *ret_ns)
{
	const char *p = s;
	unsigned __int128 total = 0;
	bool neg = false;

	if (!s)
		return bad_duration(err, "");
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!strcmp(p, "0")) {
		*ret_ns = 0;
		return 0;
	}
	if (!*p)
		return bad_duration(err, s);
	while (*p) {
		unsigned __int128 whole = 0, frac = 0, scale = 1;
		const struct unit *u = NULL;
		bool digits = false;
		size_t ulen = 0;

		while (*p >= '0' && *p <= '9') {
			whole = whole * 10 + (unsigned)(*p++ - '0');
			if (whole > UINT64_MAX)
				return bad_duration(err, s);
			digits = true;
		}
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9') {
				if (scale < (unsigned __int128)1e18) {
					frac = frac * 10 + (unsigned)(*p - '0');
					scale *= 10;
				}
				p++;
				digits = true;
			}
		}
		if (!digits)
			return bad_duration(err, s);
		while (p[ulen] && p[ulen] != '.' &&
		       (p[ulen] < '0' || p[ulen] > '9'))
			ulen++;
		if (!ulen)
			return kf_error_set(err, -EINVAL,
					    "time: missing unit in duration "
					    "\"%s\"",
					    s);
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == ulen &&
			    !strncmp(p, units[i].name, ulen))
				u = &units[i];
		if (!u)
			return kf_error_set(err, -EINVAL,
					    "time: unknown unit \"%.*s\" in "
					    "duration \"%s\"",
					    (int)ulen, p, s);
		p += ulen;
		total += whole * u->ns + frac * u->ns / scale;
		if (total > UINT64_MAX)
			return bad_duration(err, s);
	}
	if (neg && total)
		return kf_error_set(err, -ERANGE, "must not be negative");
	*ret_ns = (uint64_t)total;
	return 0;
}

int flags_duration(const char *s, long long *ret_ms)
{
	uint64_t ns;

	if (!s || !*s)
		return -EINVAL;
	/* a bare number: seconds, as kubectl's --timeout accepts */
	if (strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 12)
			return -EINVAL;
		*ret_ms = strtoll(s, NULL, 10) * 1000;
		return 0;
	}
	if (go_duration_parse(s, NULL, &ns) < 0 ||
	    ns / 1000000 > (uint64_t)1e15)
		return -EINVAL;
	*ret_ms = (long long)(ns / 1000000);
	return 0;
}

/* ---- values ---- */

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = {"1",	  "t",	  "T",
					  "true", "TRUE", "True"};
	static const char *const no[] = {"0",	  "f",	   "F",
					 "false", "FALSE", "False"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* err = `invalid argument "v" for "-s, --name" flag: <why>`. */
static int bad_value(const struct flag *f, const char *name, const char *v,
		     const char *why, struct kf_error *err)
{
	char shorthand[8] = "";

	if (f->shorthand)
		snprintf(shorthand, sizeof(shorthand), "-%c, ", f->shorthand);
	return kf_error_set(err, -EINVAL,
			    "invalid argument \"%s\" for \"%s--%s\" flag: %s",
			    v, shorthand, name, why);
}

/* Store text v as f's value; name is the flag as typed. */
static int set_value(const struct flag *f, const char *name, char *v,
		     struct kf_error *err)
{
	char why[KF_ERROR_MSG_MAX];
	char *end;

	switch (f->type) {
	case FLAG_BOOL:
		if (parse_bool(v, f->value) == 0)
			return 0;
		snprintf(why, sizeof(why),
			 "strconv.ParseBool: parsing \"%.64s\": invalid syntax",
			 v);
		return bad_value(f, name, v, why, err);
	case FLAG_STRING:
		*(const char **)f->value = v;
		return 0;
	case FLAG_INT: {
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		if (!errno && end != v && !*end) {
			*(long long *)f->value = n;
			return 0;
		}
		snprintf(why, sizeof(why),
			 "strconv.ParseInt: parsing \"%.64s\": %s", v,
			 errno == ERANGE ? "value out of range"
					 : "invalid syntax");
		return bad_value(f, name, v, why, err);
	}
	case FLAG_DOUBLE: {
		double d;

		errno = 0;
		d = strtod(v, &end);
		if (!errno && end != v && !*end) {
			*(double *)f->value = d;
			return 0;
		}
		snprintf(why, sizeof(why),
			 "strconv.ParseFloat: parsing \"%.64s\": %s", v,
			 errno == ERANGE ? "value out of range"
					 : "invalid syntax");
		return bad_value(f, name, v, why, err);
	}
	case FLAG_DURATION:
		if (flags_duration(v, f->value) == 0)
			return 0;
		snprintf(why, sizeof(why), "time: invalid duration \"%.64s\"",
			 v);
		return bad_value(f, name, v, why, err);
	case FLAG_LIST: {
		struct flag_list *l = f->value;
		char *save = NULL;

		/* a string slice: commas separate values, as pflag does */
		for (char *s = strtok_r(v, ",", &save); s;
		     s = strtok_r(NULL, ",", &save)) {
			if (l->n >= FLAG_LIST_MAX)
				return kf_error_set(err, -EINVAL,
						    "too many values for --%s "
						    "(at most %d)",
						    name, FLAG_LIST_MAX);
			l->v[l->n++] = s;
		}
		return 0;
	}
	case FLAG_FUNC: {
		const struct flag_func *fn = f->value;
		struct kf_error e;

		kf_error_init(&e);
		if (fn->set(fn->ud, name, v, &e) == 0)
			return 0;
		return bad_value(f, name, v, e.msg, err);
	}
	}
	return -EINVAL;
}

static bool takes_no_value(const struct flag *f)
{
	return f->type == FLAG_BOOL ||
	       (f->type == FLAG_FUNC &&
		((const struct flag_func *)f->value)->is_bool);
}

/* A bare boolean: --flag, -f. */
static int set_true(const struct flag *f, const char *name,
		    struct kf_error *err)
{
	char yes[] = "true";

	if (f->type == FLAG_BOOL) {
		*(bool *)f->value = true;
		return 0;
	}
	return set_value(f, name, yes, err);
}

/* ---- the command line ---- */

static const struct flag *by_name(const struct flag *flags, const char *name,
				  size_t len)
{
	for (const struct flag *f = flags; f->name; f++) {
		size_t n = strlen(f->name);

		if (n == len && !strncmp(f->name, name, len))
			return f;
		if (n && f->name[n - 1] == '*' && len >= n &&
		    !strncmp(f->name, name, n - 1))
			return f;
	}
	return NULL;
}

static const struct flag *by_short(const struct flag *flags, char c)
{
	for (const struct flag *f = flags; f->name; f++)
		if (f->shorthand == c)
			return f;
	return NULL;
}

static int parse_long(const struct flag *flags, int argc, char **argv, int *i,
		      struct kf_error *err)
{
	char *a = argv[*i] + 2;
	char *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	const struct flag *f = by_name(flags, a, len);
	char name[256];

	if (!f) {
		if (len == 4 && !strncmp(a, "help", 4))
			return FLAGS_HELP;
		return kf_error_set(err, -EINVAL, "unknown flag: --%.*s",
				    (int)len, a);
	}
	snprintf(name, sizeof(name), "%.*s", (int)len, a);
	if (eq)
		return set_value(f, name, eq + 1, err);
	if (takes_no_value(f))
		return set_true(f, name, err);
	if (*i + 1 >= argc)
		return kf_error_set(err, -EINVAL,
				    "flag needs an argument: --%s", name);
	return set_value(f, name, argv[++*i], err);
}

static int parse_short(const struct flag *flags, int argc, char **argv, int *i,
		       struct kf_error *err)
{
	char *a = argv[*i];

	for (char *p = a + 1; *p; p++) {
		const struct flag *f = by_short(flags, *p);
		int r;

		if (!f) {
			if (*p == 'h')
				return FLAGS_HELP;
			return kf_error_set(
			    err, -EINVAL, "unknown shorthand flag: '%c' in %s",
			    *p, a);
		}
		if (takes_no_value(f)) {
			if (p[1] == '=')
				return set_value(f, f->name, p + 2, err);
			r = set_true(f, f->name, err);
			if (r < 0)
				return r;
			continue;
		}
		if (p[1])
			return set_value(f, f->name,
					 p[1] == '=' ? p + 2 : p + 1, err);
		if (*i + 1 >= argc)
			return kf_error_set(
			    err, -EINVAL, "flag needs an argument: '%c' in %s",
			    *p, a);
		return set_value(f, f->name, argv[++*i], err);
	}
	return 0;
}

int flags_parse_argv(const struct flag *flags, int argc, char **argv,
		     struct kf_error *err, int *ret_argc)
{
	int n = 1;
	bool dashdash = false;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		int r;

		if (dashdash || a[0] != '-' || !a[1]) {
			argv[n++] = a; /* positional, or "-" (stdin) */
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (a[1] == '-')
			r = parse_long(flags, argc, argv, &i, err);
		else
			r = parse_short(flags, argc, argv, &i, err);
		if (r)
			return r;
	}
	*ret_argc = n;
	return 0;
}

int flags_parse_only(const struct flag *flags, int argc, char **argv,
		     const char *cmd, struct kf_error *err)
{
	int r, nargs;

	r = flags_parse_argv(flags, argc, argv, err, &nargs);
	if (r == 0 && nargs > 1)
		r = kf_error_set(err, -EINVAL,
				 "unexpected argument \"%s\": %s takes only "
				 "flags",
				 argv[1], cmd);
	return r;
}
