/*
 * flags.c — pflag-style parsing and kubectl-style help.
 */
#include "shell/flags.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void flags_see_help(const struct command_help *h)
{
	fprintf(stderr, "See 'kubefs %s --help' for usage.\n", h->name);
}

void flags_usage(FILE *f, const struct command_help *h,
		 const struct flag *flags)
{
	fprintf(f, "%s\n", h->desc);
	if (h->examples && *h->examples)
		fprintf(f, "\nExamples:\n%s\n", h->examples);
	if (flags && flags[0].name) {
		fprintf(f, "\nOptions:\n");
		for (const struct flag *fl = flags; fl->name; fl++) {
			if (fl->shorthand)
				fprintf(f, "    -%c, --%s=%s:\n", fl->shorthand,
					fl->name, fl->defval);
			else
				fprintf(f, "    --%s=%s:\n", fl->name,
					fl->defval);
			fprintf(f, "\t%s\n\n", fl->usage);
		}
	} else {
		fprintf(f, "\n");
	}
	fprintf(f,
		"Usage:\n  kubefs %s\n\nUse \"kubefs options\" for a list of "
		"global command-line options (applies to all commands).\n",
		h->usage);
}

static const struct flag *by_name(const struct flag *flags, const char *name,
				  size_t len)
{
	for (const struct flag *f = flags; f->name; f++)
		if (strlen(f->name) == len && !strncmp(f->name, name, len))
			return f;
	return NULL;
}

static const struct flag *by_short(const struct flag *flags, char c)
{
	for (const struct flag *f = flags; f->name; f++)
		if (f->shorthand == c)
			return f;
	return NULL;
}

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

int flags_duration(const char *s, long long *ret_ms)
{
	static const struct {
		const char *unit;
		long long ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000},
		     {"us", 0}, {"µs", 0},   {"ns", 0}};
	long long total = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "0")) {
		*ret_ms = 0;
		return 0;
	}
	/* a bare number: seconds, as kubectl's --timeout accepts */
	if (strspn(s, "0123456789") == strlen(s)) {
		long long v = strtoll(s, NULL, 10);

		if (strlen(s) > 12)
			return -EINVAL;
		*ret_ms = v * 1000;
		return 0;
	}
	while (*p) {
		char *end;
		double v;
		size_t i;

		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return -EINVAL;
		errno = 0;
		v = strtod(p, &end);
		if (errno || end == p || v < 0 || v > 1e12)
			return -EINVAL;
		p = end;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].unit);

			/* "m" must not eat the "m" of "ms" */
			if (!strncmp(p, units[i].unit, n) &&
			    !(n == 1 && p[0] == 'm' && p[1] == 's'))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		total += (long long)(v * (double)units[i].ms);
		if (total > (long long)1e15)
			return -EINVAL;
		p += strlen(units[i].unit);
	}
	*ret_ms = total;
	return 0;
}

static int bad_value(const struct command_help *h, const struct flag *f,
		     const char *v, const char *why)
{
	char name[80] = "";

	if (f->shorthand)
		snprintf(name, sizeof(name), "-%c, ", f->shorthand);
	fprintf(stderr,
		"error: invalid argument \"%s\" for \"%s--%s\" flag: %s\n", v,
		name, f->name, why);
	flags_see_help(h);
	return -EINVAL;
}

/* Store v as f's value. */
static int set_value(const struct command_help *h, const struct flag *f,
		     char *v)
{
	char why[256];

	switch (f->type) {
	case FLAG_BOOL:
		if (parse_bool(v, f->value) < 0) {
			snprintf(why, sizeof(why),
				 "strconv.ParseBool: parsing \"%.64s\": "
				 "invalid syntax",
				 v);
			return bad_value(h, f, v, why);
		}
		return 0;
	case FLAG_STRING:
		*(const char **)f->value = v;
		return 0;
	case FLAG_INT: {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || end == v || *end) {
			snprintf(why, sizeof(why),
				 "strconv.ParseInt: parsing \"%.64s\": %s", v,
				 errno == ERANGE ? "value out of range"
						 : "invalid syntax");
			return bad_value(h, f, v, why);
		}
		*(long long *)f->value = n;
		return 0;
	}
	case FLAG_DURATION:
		if (flags_duration(v, f->value) < 0) {
			snprintf(why, sizeof(why),
				 "time: invalid duration \"%.64s\"", v);
			return bad_value(h, f, v, why);
		}
		return 0;
	case FLAG_LIST: {
		struct flag_list *l = f->value;
		char *save = NULL;

		/* a string slice: commas separate values, as pflag does */
		for (char *s = strtok_r(v, ",", &save); s;
		     s = strtok_r(NULL, ",", &save)) {
			if (l->n >= FLAG_LIST_MAX) {
				fprintf(stderr,
					"error: too many values for --%s "
					"(at most %d)\n",
					f->name, FLAG_LIST_MAX);
				return -EINVAL;
			}
			l->v[l->n++] = s;
		}
		return 0;
	}
	}
	return -EINVAL;
}

static int parse_long(const struct command_help *h, const struct flag *flags,
		      int argc, char **argv, int *i)
{
	char *a = argv[*i] + 2;
	char *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	const struct flag *f = by_name(flags, a, len);

	if (!f) {
		if (len == 4 && !strncmp(a, "help", 4))
			return FLAGS_HELP;
		fprintf(stderr, "error: unknown flag: --%.*s\n", (int)len, a);
		flags_see_help(h);
		return -EINVAL;
	}
	if (eq)
		return set_value(h, f, eq + 1);
	if (f->type == FLAG_BOOL) {
		*(bool *)f->value = true;
		return 0;
	}
	if (*i + 1 >= argc) {
		fprintf(stderr, "error: flag needs an argument: --%s\n",
			f->name);
		flags_see_help(h);
		return -EINVAL;
	}
	return set_value(h, f, argv[++*i]);
}

static int parse_short(const struct command_help *h, const struct flag *flags,
		       int argc, char **argv, int *i)
{
	char *a = argv[*i];

	for (char *p = a + 1; *p; p++) {
		const struct flag *f = by_short(flags, *p);

		if (!f) {
			if (*p == 'h')
				return FLAGS_HELP;
			fprintf(stderr,
				"error: unknown shorthand flag: '%c' in %s\n",
				*p, a);
			flags_see_help(h);
			return -EINVAL;
		}
		if (f->type == FLAG_BOOL) {
			if (p[1] == '=')
				return set_value(h, f, p + 2);
			*(bool *)f->value = true;
			continue;
		}
		if (p[1])
			return set_value(h, f, p[1] == '=' ? p + 2 : p + 1);
		if (*i + 1 >= argc) {
			fprintf(stderr,
				"error: flag needs an argument: '%c' in %s\n",
				*p, a);
			flags_see_help(h);
			return -EINVAL;
		}
		return set_value(h, f, argv[++*i]);
	}
	return 0;
}

int flags_parse(const struct command_help *h, const struct flag *flags,
		int argc, char **argv, int *ret_argc)
{
	int n = 1;
	bool dashdash = false;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		int r = 0;

		if (dashdash || a[0] != '-' || !a[1]) {
			argv[n++] = a; /* positional, or "-" (stdin) */
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (a[1] == '-')
			r = parse_long(h, flags, argc, argv, &i);
		else
			r = parse_short(h, flags, argc, argv, &i);
		if (r == FLAGS_HELP) {
			flags_usage(stdout, h, flags);
			return FLAGS_HELP;
		}
		if (r < 0)
			return r;
	}
	*ret_argc = n;
	return 0;
}
