/*
 * image.c — kubefs image load|ls|rm: the node's image store.
 *
 * Images live on the node, in the store its agent runs containers from,
 * not in the cluster tree (the API has no image objects, and kubectl has
 * no image command: this is what `ctr images` or `crictl` do on a node).
 * So the command runs as root on the node and hands its arguments to
 * `kubefs-node image`, which owns the store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell/cli.h"

int cmd_image(struct cli *cli, int argc, char **argv)
{
	char path[4096];
	char **av = calloc((size_t)argc + 2, sizeof(*av));

	if (!av)
		return 1;
	snprintf(path, sizeof(path), "%s/kubefs-node", cli->bindir);
	av[0] = "kubefs-node";
	av[1] = "image";
	for (int i = 1; i < argc; i++)
		av[i + 1] = argv[i];
	execv(path, av);
	fprintf(stderr, "error: cannot run %s: %s\n", path, strerror(errno));
	free(av);
	return 1;
}
