/*
 * kubefs — the command line (kubectl's counterpart).
 *
 *   kubefs [--mount DIR] COMMAND [ARGS...]
 *
 * The cluster is found from --mount DIR (accepted before or after the
 * command), else $KUBEFS_MOUNT, else /mnt/cluster.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell/cli.h"

static const struct cli_command commands[] = {
    {"up", cmd_up, "Start a one-node cluster on this machine"},
    {"down", cmd_down, "Stop the cluster started by 'kubefs up'"},
    {"status", cmd_status, "Show the cluster's components"},
};

static void usage(FILE *f)
{
	fprintf(f, "kubefs controls a kubefs cluster through its mounted "
		   "tree.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\nOptions (any command):\n"
		   "  --mount DIR   the cluster's mount (default "
		   "$KUBEFS_MOUNT or /mnt/cluster)\n"
		   "\nUsage:\n  kubefs [--mount DIR] COMMAND [flags] "
		   "[options]\n\nUse \"kubefs COMMAND --help\" for more "
		   "information about a command.\n");
}

/* The directory holding this binary: the other components live there. */
static const char *own_bindir(const char *argv0)
{
	static char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0) {
		snprintf(buf, sizeof(buf), "%s", argv0);
	} else {
		buf[n] = '\0';
	}
	return dirname(buf);
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	char **args = calloc(argc + 1, sizeof(*args));
	int nargs = 0;

	if (!args)
		return 1;
	cli.mount = getenv("KUBEFS_MOUNT");
	if (!cli.mount || !*cli.mount)
		cli.mount = "/mnt/cluster";
	cli.bindir = own_bindir(argv[0]);
	cli.tty = isatty(1);
	/* --mount DIR / --mount=DIR may appear anywhere */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mount") && i + 1 < argc)
			cli.mount = argv[++i];
		else if (!strncmp(argv[i], "--mount=", 8))
			cli.mount = argv[i] + 8;
		else
			args[nargs++] = argv[i];
	}
	if (nargs == 0 || !strcmp(args[0], "--help") ||
	    !strcmp(args[0], "-h") || !strcmp(args[0], "help")) {
		usage(nargs ? stdout : stderr);
		free(args);
		return nargs ? 0 : 1;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(args[0], commands[i].name)) {
			int r = commands[i].run(&cli, nargs, args);

			free(args);
			return r;
		}
	fprintf(stderr,
		"error: unknown command \"%s\" for \"kubefs\"\n"
		"Run 'kubefs --help' for usage.\n",
		args[0]);
	free(args);
	return 1;
}
