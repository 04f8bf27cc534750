/* kubefs-ctrl — the controllers (kube-controller-manager). Not built yet: prints usage and fails. */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "kubefs-ctrl: the controllers "
			"(kube-controller-manager) is not implemented yet\n"
			"usage: kubefs-ctrl --cluster MOUNTPOINT\n");
	return 2;
}
