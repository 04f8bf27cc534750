/* kubefs-fs — the API server (kube-apiserver). Not built yet: prints usage and fails. */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "kubefs-fs: the API server (kube-apiserver) is not implemented yet\n"
			"usage: kubefs-fs --cluster MOUNTPOINT\n");
	return 2;
}
