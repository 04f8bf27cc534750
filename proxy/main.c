/* kubefs-proxy — the service proxy (kube-proxy). Not built yet: prints usage and fails. */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "kubefs-proxy: the service proxy (kube-proxy) is not "
			"implemented yet\n"
			"usage: kubefs-proxy --cluster MOUNTPOINT\n");
	return 2;
}
