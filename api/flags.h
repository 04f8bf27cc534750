/*
 * flags.h — command-line flags parsed as spf13/pflag parses the flags of
 * every Kubernetes binary (kube-apiserver, kube-scheduler, the kubelet,
 * kubectl), with pflag's error sentences. The one parser of kubefs-fs,
 * kubefs-sched, kubefs-node and the CLI; a new daemon describes its flags
 * in a table and calls flags_parse_argv():
 *
 *	static bool fake;
 *	static const char *name;
 *	static long long workers = 16;
 *	const struct flag flags[] = {
 *	    {"fake", 0, FLAG_BOOL, &fake, "false", "simulate the node"},
 *	    {"name", 0, FLAG_STRING, &name, "", "the node's name"},
 *	    {"workers", 0, FLAG_INT, &workers, "16", "sync threads"},
 *	    {NULL},
 *	};
 *	r = flags_parse_argv(flags, argc, argv, &err, &nargs);
 *	if (r == FLAGS_HELP) -> print usage, exit 0
 *	if (r < 0) -> klog or print err.msg, exit 2
 *
 * Syntax: `--name VALUE`, `--name=VALUE`, `-n VALUE`, `-nVALUE`,
 * `-n=VALUE`; booleans are `--flag` or `--flag=false` (Go's ParseBool:
 * 1 t T TRUE true True, 0 f F FALSE false False) and shorthands group
 * (`-Aw`); flags and positional arguments mix in any order; `--` ends the
 * flags and `-` alone is positional. `--help` and `-h`, unless the table
 * defines them, stop parsing with FLAGS_HELP. Long names are never
 * abbreviated.
 *
 * Errors (-EINVAL, err->msg without any prefix):
 *   unknown flag: --foo
 *   unknown shorthand flag: 'x' in -x
 *   flag needs an argument: --cpu          (or 'n' in -n)
 *   invalid argument "x" for "-n, --count" flag: strconv.ParseInt:
 *   parsing "x": invalid syntax
 *
 * Strings stored by the parser are borrowed from argv. Nothing here
 * prints or keeps state: tables may be parsed from any thread.
 */
#ifndef KUBEFS_API_FLAGS_H
#define KUBEFS_API_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/error.h"

/* A repeatable string flag (-f a -f b, --filename=a,b) keeps this many. */
#define FLAG_LIST_MAX 64

enum flag_type {
	FLAG_BOOL,     /* bool * */
	FLAG_STRING,   /* const char ** (borrowed from argv) */
	FLAG_INT,      /* long long * (strconv.ParseInt) */
	FLAG_DOUBLE,   /* double * (strconv.ParseFloat) */
	FLAG_DURATION, /* long long * in ms: a Go duration, or seconds */
	FLAG_LIST,     /* struct flag_list *: a string slice */
	FLAG_FUNC,     /* struct flag_func *: the caller converts */
};

struct flag_list {
	const char *v[FLAG_LIST_MAX]; /* borrowed from argv */
	size_t n;
};

/*
 * A flag the caller converts. set() gets the flag's name as typed
 * (without dashes; for a prefix flag "weight-*" the whole name, e.g.
 * "weight-NodeAffinity") and its text; it returns 0, or -EINVAL with
 * err holding why (the parser wraps it in the "invalid argument" form).
 * With is_bool, the flag takes no separate value and text is "true"
 * when the flag is given bare.
 */
struct flag_func {
	int (*set)(void *ud, const char *name, const char *text,
		   struct kf_error *err);
	void *ud;
	bool is_bool;
};

struct flag {
	const char *name; /* long name without "--"; NULL ends a table. A
			   * name ending in '*' matches every flag that
			   * starts with what precedes it. */
	char shorthand;	  /* 0 when none */
	enum flag_type type;
	void *value;	    /* as the type says */
	const char *defval; /* as shown in help: "false", "''", "30s" */
	const char *usage;
};

/* flags_parse_argv() result when --help or -h was given. */
#define FLAGS_HELP 1

/*
 * Parse argv[1..argc) against flags (a table ended by a {NULL} row);
 * argv[0] is the program or command name. Values are stored through each
 * flag's value pointer as they are met (a failed parse may have stored
 * some). The positional arguments are moved, in order, to
 * argv[1..*ret_argc) (argv[0] stays). Returns 0, FLAGS_HELP, or -EINVAL
 * with err set; *ret_argc is set only on 0.
 */
int flags_parse_argv(const struct flag *flags, int argc, char **argv,
		     struct kf_error *err, int *ret_argc);

/*
 * flags_parse_argv() for a daemon that takes no positional arguments:
 * one gives -EINVAL "unexpected argument \"x\": CMD takes only flags".
 * Returns 0, FLAGS_HELP or -EINVAL (err set).
 */
int flags_parse_only(const struct flag *flags, int argc, char **argv,
		     const char *cmd, struct kf_error *err);

/*
 * Go's time.ParseDuration for non-negative durations, in nanoseconds:
 * "300ms", "1.5h", "2h45m", "0"; units ns, us (µs, μs), ms, s, m, h.
 * -EINVAL with Go's message ("time: missing unit in duration \"2\""),
 * -ERANGE "must not be negative" for a negative one.
 */
int go_duration_parse(const char *s, struct kf_error *err, uint64_t *ret_ns);

/*
 * A FLAG_DURATION's text in milliseconds (rounded down): a Go duration,
 * or a bare number of seconds as kubectl's --timeout also takes. -EINVAL
 * for anything else or a negative or overflowing value.
 */
int flags_duration(const char *s, long long *ret_ms);

#endif
