/*
 * kfwrite — write stdin to a file the way a shell redirection would, and
 * print the errno *name* of the first failing call (open, write or close),
 * so end-to-end tests can check the exact errno a write is judged with.
 *
 *   kfwrite [--excl] [--append] [--no-trunc] [--fsync] PATH < DATA
 *
 * Exit 0 and prints nothing on success; exit 1 and prints e.g.
 * "close: EINVAL" on failure. With --fsync, fsync(2) before close(2),
 * and both are made whatever the first returns ("fsync: EINVAL" and
 * "close: EINVAL" on two lines).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EINVAL:
		return "EINVAL";
	case EEXIST:
		return "EEXIST";
	case ESTALE:
		return "ESTALE";
	case EFBIG:
		return "EFBIG";
	case ENOENT:
		return "ENOENT";
	case EACCES:
		return "EACCES";
	case ENOSPC:
		return "ENOSPC";
	case EAGAIN:
		return "EAGAIN";
	case EPERM:
		return "EPERM";
	case EIO:
		return "EIO";
	case EISDIR:
		return "EISDIR";
	case EBUSY:
		return "EBUSY";
	default:
		return strerror(e);
	}
}

int main(int argc, char **argv)
{
	int flags = O_WRONLY | O_CREAT | O_TRUNC, fd, i, rc = 0;
	bool sync = false;
	char buf[65536];
	ssize_t n;

	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--excl"))
			flags |= O_EXCL;
		else if (!strcmp(argv[i], "--append"))
			flags = (flags & ~O_TRUNC) | O_APPEND;
		else if (!strcmp(argv[i], "--no-trunc"))
			flags &= ~O_TRUNC;
		else if (!strcmp(argv[i], "--fsync"))
			sync = true;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: kfwrite [--excl] [--append] "
				"[--no-trunc] [--fsync] PATH < DATA\n");
		return 2;
	}
	fd = open(argv[i], flags, 0644);
	if (fd < 0) {
		printf("open: %s\n", errname(errno));
		return 1;
	}
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, n - off);

			if (w < 0) {
				printf("write: %s\n", errname(errno));
				close(fd);
				return 1;
			}
			off += w;
		}
	}
	if (sync && fsync(fd) < 0) {
		printf("fsync: %s\n", errname(errno));
		rc = 1;
	}
	if (close(fd) < 0) {
		printf("close: %s\n", errname(errno));
		rc = 1;
	}
	return rc;
}
