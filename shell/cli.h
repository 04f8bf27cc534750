/*
 * cli.h — the kubefs command line: shared state and the command table.
 *
 * Every command is a function `int cmd_NAME(struct cli *cli, int argc,
 * char **argv)` returning the process exit status; argv[0] is the command
 * name and global options (--mount DIR, anywhere on the line) have been
 * removed. Commands print results on stdout and errors — the server's
 * reason text when there is one — on stderr.
 */
#ifndef KUBEFS_SHELL_CLI_H
#define KUBEFS_SHELL_CLI_H

#include <stdbool.h>

struct cli {
	const char *mount;  /* --mount, $KUBEFS_MOUNT, or /mnt/cluster */
	const char *bindir; /* directory of the kubefs binaries */
	bool tty;	    /* stdout is a terminal */
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

/* cluster.c */
int cmd_up(struct cli *cli, int argc, char **argv);
int cmd_down(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);

#endif
