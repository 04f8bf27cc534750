/*
 * kubefs — the command line (kubectl's counterpart).
 *
 *   kubefs [--mount DIR] COMMAND [ARGS...]
 *
 * The cluster is found from --mount DIR (accepted before or after the
 * command), else $KUBEFS_MOUNT, else /mnt/cluster.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell/cli.h"

#define G_BEGIN "Basic Commands (Beginner)"
#define G_INTER "Basic Commands (Intermediate)"
#define G_DEPLOY "Deploy Commands"
#define G_CLUSTER "Cluster Management Commands"
#define G_DEBUG "Troubleshooting and Debugging Commands"
#define G_ADV "Advanced Commands"
#define G_SETTINGS "Settings Commands"
#define G_LOCAL "Local Cluster Commands"
#define G_OTHER "Other Commands"

static const struct cli_command commands[] = {
    {"create", cmd_create, "Create a resource from a file or from stdin",
     G_BEGIN},
    {"explain", cmd_explain, "Get documentation for a resource", G_INTER},
    {"get", cmd_get, "Display one or many resources", G_INTER},
    {"edit", cmd_edit, "Edit a resource on the server", G_INTER},
    {"delete", cmd_delete,
     "Delete resources by file names, stdin, resources and names, or by "
     "resources and label selector",
     G_INTER},
    {"rollout", cmd_rollout, "Manage the rollout of a resource", G_DEPLOY},
    {"scale", cmd_scale,
     "Set a new size for a deployment, replica set, or stateful set", G_DEPLOY},
    {"auth", cmd_auth, "Inspect authorization", G_CLUSTER},
    {"top", cmd_top, "Display resource (CPU/memory) usage", G_CLUSTER},
    {"cordon", cmd_cordon, "Mark node as unschedulable", G_CLUSTER},
    {"uncordon", cmd_uncordon, "Mark node as schedulable", G_CLUSTER},
    {"drain", cmd_drain, "Drain node in preparation for maintenance",
     G_CLUSTER},
    {"describe", cmd_describe,
     "Show details of a specific resource or group of resources", G_DEBUG},
    {"logs", cmd_logs, "Print the logs for a container in a pod", G_DEBUG},
    {"exec", cmd_exec, "Execute a command in a container", G_DEBUG},
    {"image", cmd_image, "Load, list and remove the node's images", G_LOCAL},
    {"apply", cmd_apply,
     "Apply a configuration to a resource by file name or stdin", G_ADV},
    {"patch", cmd_patch, "Update fields of a resource", G_ADV},
    {"replace", cmd_replace, "Replace a resource by file name or stdin", G_ADV},
    {"wait", cmd_wait,
     "Experimental: Wait for a specific condition on one or many "
     "resources",
     G_ADV},
    {"label", cmd_label, "Update the labels on a resource", G_SETTINGS},
    {"annotate", cmd_annotate, "Update the annotations on a resource",
     G_SETTINGS},
    {"up", cmd_up, "Start a one-node cluster on this machine", G_LOCAL},
    {"down", cmd_down, "Stop the cluster started by 'kubefs up'", G_LOCAL},
    {"status", cmd_status, "Show the cluster's components", G_LOCAL},
    {"export", cmd_export, "Serve the cluster's tree over 9P or NFS", G_LOCAL},
    {"api-resources", cmd_api_resources,
     "Print the supported API resources on the server", G_OTHER},
    {"api-versions", cmd_api_versions,
     "Print the supported API versions on the server, in the form of "
     "\"group/version\"",
     G_OTHER},
    {"version", cmd_version,
     "Print the client and server version "
     "information",
     G_OTHER},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	static const char *const groups[] = {G_BEGIN,	 G_INTER, G_DEPLOY,
					     G_CLUSTER,	 G_DEBUG, G_ADV,
					     G_SETTINGS, G_LOCAL, G_OTHER};

	fprintf(f, "kubefs controls a kubefs cluster through its mounted "
		   "tree.\n\n Find more information at: docs/cli.md\n");
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		fprintf(f, "\n%s:\n", groups[g]);
		for (size_t i = 0; i < NCOMMANDS; i++)
			if (!strcmp(commands[i].group, groups[g]))
				fprintf(f, "  %-15s %s\n", commands[i].name,
					commands[i].summary);
	}
	fprintf(f, "\nUsage:\n  kubefs [flags] [options]\n\nUse \"kubefs "
		   "<command> --help\" for more information about a "
		   "command.\nUse \"kubefs options\" for a list of global "
		   "command-line options (applies to all commands).\n");
}

static void options(void)
{
	printf("The following options can be passed to any command:\n\n"
	       "    --as='':\n\tUsername to impersonate for the operation. "
	       "User could be a regular user or a service account in a "
	       "namespace.\n\n"
	       "    --as-group=[]:\n\tGroup to impersonate for the "
	       "operation, this flag can be repeated to specify multiple "
	       "groups.\n\n"
	       "    --mount='':\n\tThe directory where the cluster is mounted "
	       "(default $KUBEFS_MOUNT, else /mnt/cluster).\n\n"
	       "Environment:\n"
	       "    KUBEFS_MOUNT       the cluster's mount when --mount is "
	       "not given\n"
	       "    KUBEFS_NAMESPACE   the namespace when -n is not given "
	       "(default \"default\")\n"
	       "    KUBE_EDITOR, EDITOR  the editor of 'kubefs edit' "
	       "(default vi)\n");
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

/*
 * --as USER / --as-group G: the server reads an impersonation from the
 * caller's exec'd environment (docs/security.md), so set it and run this
 * command again. Returns only if there is nothing to do (or exec fails).
 */
static void impersonate(char **argv, const char *as, const char *groups)
{
	const char *cur = getenv("KUBEFS_AS");
	const char *cur_groups = getenv("KUBEFS_AS_GROUPS");

	if (!as && !*groups)
		return;
	if (cur && !strcmp(cur, as ? as : "") && cur_groups &&
	    !strcmp(cur_groups, groups))
		return; /* already in effect */
	setenv("KUBEFS_AS", as ? as : "", 1);
	setenv("KUBEFS_AS_GROUPS", groups, 1);
	execv("/proc/self/exe", argv);
	fprintf(stderr, "error: cannot impersonate: %s\n", strerror(errno));
	exit(1);
}

static const struct cli_command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	char **args = calloc(argc + 2, sizeof(*args));
	const struct cli_command *c;
	const char *as = NULL;
	char groups[1024] = "";
	int nargs = 0, r;

	if (!args)
		return 1;
	cli.mount = getenv("KUBEFS_MOUNT");
	if (!cli.mount || !*cli.mount)
		cli.mount = CLIENT_DEFAULT_MOUNT;
	cli.bindir = own_bindir(argv[0]);
	cli.tty = isatty(1);
	/* keep stdout and stderr lines in order when both go to one file */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* --mount DIR / --mount=DIR may appear anywhere before "--" */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				args[nargs++] = argv[i++];
			break;
		}
		if (!strcmp(argv[i], "--mount") && i + 1 < argc)
			cli.mount = argv[++i];
		else if (!strncmp(argv[i], "--mount=", 8))
			cli.mount = argv[i] + 8;
		else if (!strcmp(argv[i], "--as") && i + 1 < argc)
			as = argv[++i];
		else if (!strncmp(argv[i], "--as=", 5))
			as = argv[i] + 5;
		else if ((!strcmp(argv[i], "--as-group") && i + 1 < argc) ||
			 !strncmp(argv[i], "--as-group=", 11)) {
			const char *g =
			    argv[i][10] == '=' ? argv[i] + 11 : argv[++i];
			size_t len = strlen(groups);

			snprintf(groups + len, sizeof(groups) - len, "%s%s",
				 len ? "," : "", g);
		} else
			args[nargs++] = argv[i];
	}
	impersonate(argv, as, groups);
	if (nargs == 0 || !strcmp(args[0], "--help") ||
	    !strcmp(args[0], "-h")) {
		usage(nargs ? stdout : stderr);
		free(args);
		return nargs ? 0 : 1;
	}
	if (!strcmp(args[0], "options")) {
		options();
		free(args);
		return 0;
	}
	if (!strcmp(args[0], "help")) {
		/* kubefs help COMMAND = kubefs COMMAND --help */
		if (nargs < 2 || !find(args[1])) {
			usage(stdout);
			free(args);
			return 0;
		}
		args[0] = args[1];
		args[1] = "--help";
		nargs = 2;
	}
	c = find(args[0]);
	if (!c) {
		fprintf(stderr,
			"error: unknown command \"%s\" for \"kubefs\"\n"
			"Run 'kubefs --help' for usage.\n",
			args[0]);
		free(args);
		return 1;
	}
	r = c->run(&cli, nargs, args);
	fflush(stdout);
	client_free(cli.client);
	free(args);
	return r;
}
