/* kubefs-sched — the scheduler (kube-scheduler). Not built yet: prints usage and fails. */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "kubefs-sched: the scheduler (kube-scheduler) is not implemented yet\n"
			"usage: kubefs-sched --cluster MOUNTPOINT\n");
	return 2;
}
