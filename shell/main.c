/* kubefs — the command line (kubectl). Not built yet: prints usage and fails. */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "kubefs: the command line (kubectl) is not implemented yet\n"
			"usage: kubefs --cluster MOUNTPOINT\n");
	return 2;
}
