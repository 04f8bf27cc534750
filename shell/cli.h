/*
 * cli.h — the kubefs command line: shared state, the commands, and the
 * helpers every command uses to reach the cluster and report errors.
 *
 * Every command is a function `int cmd_NAME(struct cli *cli, int argc,
 * char **argv)` returning the process exit status; argv[0] is the command
 * name and global options (--mount DIR, anywhere on the line) have been
 * removed. Commands print results on stdout and errors — the server's
 * reason text when there is one — on stderr, in kubectl's words.
 */
#ifndef KUBEFS_SHELL_CLI_H
#define KUBEFS_SHELL_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "api/error.h"
#include "client/client.h"

struct cli {
	const char *mount;  /* --mount, $KUBEFS_MOUNT, or /mnt/cluster */
	const char *bindir; /* directory of the kubefs binaries */
	bool tty;	    /* stdout is a terminal: show progress */
	/* opened by cli_connect(), released by main */
	struct client *client;
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *group; /* heading in `kubefs --help` */
};

/* cluster.c */
int cmd_up(struct cli *cli, int argc, char **argv);
int cmd_down(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
/* export.c */
int cmd_export(struct cli *cli, int argc, char **argv);
/*
 * Stop the exports of the state directory: proto "9p" or "nfs", or every
 * one when NULL. Prints a line for each server it stopped.
 */
void export_stop(const char *state, const char *proto);
/* get.c */
int cmd_get(struct cli *cli, int argc, char **argv);
/* apply.c */
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_replace(struct cli *cli, int argc, char **argv);
/* delete.c */
int cmd_delete(struct cli *cli, int argc, char **argv);
/* describe.c */
int cmd_describe(struct cli *cli, int argc, char **argv);
/* image.c */
int cmd_image(struct cli *cli, int argc, char **argv);
/* logs.c */
int cmd_logs(struct cli *cli, int argc, char **argv);
int cmd_exec(struct cli *cli, int argc, char **argv);

/*
 * The pod arg names (POD or pod/POD) in the namespace of ns_flag (NULL:
 * the current one), read from the tree: 0 with *ret_ns and *ret_pod
 * (owned), else 1 after printing why ("cannot WHAT deploy/x: only pods
 * WHY here").
 */
int cli_pod_arg(struct cli *cli, const char *arg, const char *ns_flag,
		const char *what, const char *why, const char **ret_ns,
		json_t **ret_pod);

/* The container a pod's commands default to (the default-container
 * annotation, else the first), saying so on stderr when there are
 * several, unless quiet. Borrowed from pod. */
const char *cli_pod_default_container(const json_t *pod, bool quiet);
/* scale.c */
int cmd_scale(struct cli *cli, int argc, char **argv);
int cmd_patch(struct cli *cli, int argc, char **argv);
/* rollout.c */
int cmd_rollout(struct cli *cli, int argc, char **argv);
/* wait.c */
int cmd_wait(struct cli *cli, int argc, char **argv);
/* label.c */
int cmd_label(struct cli *cli, int argc, char **argv);
int cmd_annotate(struct cli *cli, int argc, char **argv);
/* edit.c */
int cmd_edit(struct cli *cli, int argc, char **argv);
/* node.c */
int cmd_cordon(struct cli *cli, int argc, char **argv);
int cmd_uncordon(struct cli *cli, int argc, char **argv);
int cmd_drain(struct cli *cli, int argc, char **argv);
int cmd_top(struct cli *cli, int argc, char **argv);
/* auth.c */
int cmd_auth(struct cli *cli, int argc, char **argv);
/* info.c */
int cmd_explain(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);
int cmd_api_resources(struct cli *cli, int argc, char **argv);
int cmd_api_versions(struct cli *cli, int argc, char **argv);

/*
 * Open cli->client on cli->mount and check that a kubefs tree is served
 * there (its healthz says "ok"). On failure prints kubectl's connection
 * error and returns a negative errno.
 */
int cli_connect(struct cli *cli);

/*
 * Print a failed server operation as kubectl does and return 1 (the exit
 * status):
 *   The Pod "x" is invalid: spec.containers: Required value
 *   Error from server (NotFound): pods "x" not found
 *   Error from server (AlreadyExists): error when creating "f.yaml": ...
 * code is the negative errno, err its reason (may be NULL or empty);
 * context (may be NULL) goes in front of the reason.
 */
int cli_error(int code, const struct kf_error *err, const char *context);

/* The reason word of kubectl's "Error from server (REASON)" for code. */
const char *cli_reason(int code, const char *msg);

/* Print "error: <message>" on stderr and return 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t cli_now_ms(void);

/* Sleep ms milliseconds. */
void cli_sleep_ms(uint64_t ms);

/*
 * Progress of a long operation (rollout status, wait, drain, up): on a
 * terminal the line is rewritten in place; otherwise each distinct line
 * is printed once. cli_progress_done() ends a terminal line.
 */
void cli_progress(struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_progress_done(struct cli *cli);

#endif
