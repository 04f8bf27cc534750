/*
 * flags.h — kubectl-style command-line flags and help for one command.
 *
 * Flags are api/flags.h's (pflag's syntax and sentences, the same parser
 * as every daemon's). Errors are reported on stderr as kubectl reports
 * them: "error: <sentence>" then "See 'kubefs CMD --help' for usage.".
 *
 * Help (`-h`, `--help`) prints, on stdout, the command's description,
 * Examples:, Options: and Usage: as kubectl does.
 */
#ifndef KUBEFS_SHELL_FLAGS_H
#define KUBEFS_SHELL_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "api/flags.h"

struct command_help {
	const char *name;     /* "get", or "rollout status" */
	const char *desc;     /* first line, then an optional paragraph */
	const char *examples; /* "  # comment\n  kubefs get pods\n..." */
	const char *usage;    /* after "kubefs ": "get [TYPE] [flags]" */
};

/*
 * Parse argv[1..argc) against flags (a table ended by a {NULL} row) with
 * api/flags.h's flags_parse_argv(); argv[0] is the command name. The
 * positional arguments are moved, in order, to argv[1..*ret_argc).
 * Returns 0, FLAGS_HELP after printing help on stdout, or -EINVAL after
 * printing "error: <pflag's sentence>" and the see-help line on stderr;
 * *ret_argc is set only on 0.
 */
int flags_parse(const struct command_help *h, const struct flag *flags,
		int argc, char **argv, int *ret_argc);

/* Print help for a command as kubectl does. */
void flags_usage(FILE *f, const struct command_help *h,
		 const struct flag *flags);

/* "See 'kubefs NAME --help' for usage." after an argument error. */
void flags_see_help(const struct command_help *h);

#endif
