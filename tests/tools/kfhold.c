/*
 * kfhold — open many files at once and report where the server says no.
 *
 *   kfhold [--hold] --read PATH N   open PATH for reading N times
 *   kfhold [--hold] --write DIR N   create DIR/hold-0 .. DIR/hold-N-1
 *
 * Holds everything open, then prints "opened K" and, if an open failed,
 * "then ERRNO" (the errno name); with --hold it keeps holding until its
 * standard input ends (so a test can act while the files are open); then
 * closes all without writing and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n, k, *fds, err = 0, hold = 0;
	char buf[256];

	if (argc > 1 && !strcmp(argv[1], "--hold")) {
		hold = 1;
		argv++;
		argc--;
	}
	if (argc != 4 ||
	    (strcmp(argv[1], "--read") && strcmp(argv[1], "--write"))) {
		fprintf(stderr, "usage: kfhold [--hold] --read PATH N | "
				"[--hold] --write DIR N\n");
		return 2;
	}
	n = atoi(argv[3]);
	fds = calloc(n > 0 ? n : 1, sizeof(*fds));
	if (!fds)
		return 1;
	for (k = 0; k < n; k++) {
		char path[4096];

		if (argv[1][2] == 'r') {
			fds[k] = open(argv[2], O_RDONLY | O_NONBLOCK);
		} else {
			snprintf(path, sizeof(path), "%s/hold-%d", argv[2], k);
			fds[k] = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		}
		if (fds[k] < 0) {
			err = errno;
			break;
		}
	}
	printf("opened %d\n", k);
	if (err)
		printf("then %s\n", err == EAGAIN ? "EAGAIN" : strerror(err));
	fflush(stdout);
	while (hold && read(0, buf, sizeof(buf)) > 0)
		;
	for (int i = 0; i < k; i++)
		close(fds[i]);
	free(fds);
	return 0;
}
