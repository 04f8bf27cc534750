/*
 * flags.c — kubectl-style help and error reporting around api/flags.h.
 */
#include "shell/flags.h"

#include <errno.h>

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

int flags_parse(const struct command_help *h, const struct flag *flags,
		int argc, char **argv, int *ret_argc)
{
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = flags_parse_argv(flags, argc, argv, &err, ret_argc);
	if (r == FLAGS_HELP) {
		flags_usage(stdout, h, flags);
		return FLAGS_HELP;
	}
	if (r < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		flags_see_help(h);
		return -EINVAL;
	}
	return 0;
}
