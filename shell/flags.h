/*
 * flags.h — kubectl-style command-line flags and help for one command.
 *
 * Flags follow pflag, as kubectl's do: `--name VALUE`, `--name=VALUE`,
 * `-n VALUE`, `-nVALUE`, `-oyaml`; booleans are `--flag`, `--flag=false`,
 * and may be grouped (`-Aw`); flags and arguments may be mixed in any
 * order; `--` ends the flags. Errors are reported in pflag's words on
 * stderr, followed by "See 'kubefs CMD --help' for usage.".
 *
 * Help (`-h`, `--help`) prints, on stdout, the command's description,
 * Examples:, Options: and Usage: as kubectl does.
 */
#ifndef KUBEFS_SHELL_FLAGS_H
#define KUBEFS_SHELL_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A repeatable string flag (-f a -f b, --filename=a,b) keeps this many. */
#define FLAG_LIST_MAX 64

enum flag_type {
	FLAG_BOOL,     /* bool * */
	FLAG_STRING,   /* const char ** (borrowed from argv) */
	FLAG_INT,      /* long long * */
	FLAG_DURATION, /* long long * in milliseconds ("30s", "1m", "0") */
	FLAG_LIST,     /* struct flag_list * */
};

struct flag_list {
	const char *v[FLAG_LIST_MAX]; /* borrowed from argv */
	size_t n;
};

struct flag {
	const char *name; /* long name without "--"; NULL ends a table */
	char shorthand;	  /* 0 when none */
	enum flag_type type;
	void *value;
	const char *defval; /* as shown in help: "false", "''", "30s" */
	const char *usage;
};

struct command_help {
	const char *name;     /* "get", or "rollout status" */
	const char *desc;     /* first line, then an optional paragraph */
	const char *examples; /* "  # comment\n  kubefs get pods\n..." */
	const char *usage;    /* after "kubefs ": "get [TYPE] [flags]" */
};

/* flags_parse() result when --help was printed. */
#define FLAGS_HELP 1

/*
 * Parse argv[1..argc) against flags (a table ended by a {NULL} row);
 * argv[0] is the command name. Values are stored through each flag's
 * value pointer; strings are borrowed from argv. The positional arguments
 * are moved, in order, to argv[1..*ret_argc) (argv[0] stays).
 * Returns 0, FLAGS_HELP after printing help, or -EINVAL after printing
 * the error on stderr; *ret_argc is set only on 0.
 */
int flags_parse(const struct command_help *h, const struct flag *flags,
		int argc, char **argv, int *ret_argc);

/* Print help for a command as kubectl does. */
void flags_usage(FILE *f, const struct command_help *h,
		 const struct flag *flags);

/*
 * Parse a Go duration ("300ms", "30s", "1m30s", "2h", "0") or a bare
 * number of seconds into milliseconds. -EINVAL for anything else or a
 * negative or overflowing value.
 */
int flags_duration(const char *s, long long *ret_ms);

/* "See 'kubefs NAME --help' for usage." after an argument error. */
void flags_see_help(const struct command_help *h);

#endif
