/* kubefs-node — the node agent (kubelet). Not built yet: prints usage and fails. */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr,
		"kubefs-node: the node agent (kubelet) is not implemented yet\n"
		"usage: kubefs-node --cluster MOUNTPOINT\n");
	return 2;
}
