/*
 * snapshot.c — reading `snapshot` streams a consistent copy of the store.
 *
 * Each open starts one thread that copies the store (one LMDB read
 * transaction, compacted, store_snapshot()) into a pipe; reads take the
 * bytes from the pipe in order. Nothing is held in memory but the pipe's
 * buffer, whatever the store's size. Offsets are ignored. While a
 * copy is open its read transaction pins the pages it reads and keeps
 * the map from growing, so copies are few (SNAPSHOT_MAX_OPEN) and
 * root's only (dirtime.c); a reader that stops reading stalls only its
 * own copy.
 */
#include "fs/fs_i.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

struct snapstream {
	struct store *st;
	pthread_t thread;
	int rfd, wfd;
	int result; /* the copy's outcome, once the pipe is at its end */
	bool joined;
};

static atomic_uint snap_open;

static void *copy_main(void *arg)
{
	struct snapstream *ss = arg;

	ss->result = store_snapshot(ss->st, ss->wfd);
	close(ss->wfd); /* the reader sees the end */
	ss->wfd = -1;
	return NULL;
}

int snapstream_open(struct store *st, struct snapstream **ret)
{
	struct snapstream *ss;
	int fds[2], r;

	if (atomic_fetch_add(&snap_open, 1) >= SNAPSHOT_MAX_OPEN) {
		atomic_fetch_sub(&snap_open, 1);
		return -EAGAIN;
	}
	ss = calloc(1, sizeof(*ss));
	if (!ss || pipe2(fds, O_CLOEXEC) < 0) {
		r = ss ? -errno : -ENOMEM;
		free(ss);
		atomic_fetch_sub(&snap_open, 1);
		return r;
	}
	ss->st = st;
	ss->rfd = fds[0];
	ss->wfd = fds[1];
	r = -pthread_create(&ss->thread, NULL, copy_main, ss);
	if (r < 0) {
		close(fds[0]);
		close(fds[1]);
		free(ss);
		atomic_fetch_sub(&snap_open, 1);
		return r;
	}
	*ret = ss;
	return 0;
}

ssize_t snapstream_read(struct snapstream *ss, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size) {
		n = read(ss->rfd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return got ? (ssize_t)got : -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got || ss->joined)
		return (ssize_t)got;
	/* the end: a copy that failed must not look like a whole one */
	pthread_join(ss->thread, NULL);
	ss->joined = true;
	return ss->result < 0 ? ss->result : 0;
}

void snapstream_free(struct snapstream *ss)
{
	if (!ss)
		return;
	close(ss->rfd); /* an unfinished copy fails with EPIPE and ends */
	if (!ss->joined)
		pthread_join(ss->thread, NULL);
	free(ss);
	atomic_fetch_sub(&snap_open, 1);
}
