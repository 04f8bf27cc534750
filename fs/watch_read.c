/*
 * Reads of @watch streams (and of followed logs, POD@log?follow=true,
 * the same way through fs/logstream.h). A read finds the stream's next lines, or, on
 * a blocking descriptor, waits for them ("parks"): the request is kept
 * in the handle and answered later by the watch hub's ready callback,
 * or with EINTR when the reader is interrupted (Ctrl-C on `cat @watch`).
 *
 * Interrupts are not answered from libfuse's interrupt callback with the
 * handle in hand: libfuse may run that callback after another thread has
 * answered the read, and the reader has closed the file and the handle
 * been freed. The callback is given the mount, never the handle; it wakes
 * the sweeper, which walks the list of parked handles under parked_lock
 * (a handle leaves the list before it is freed) and answers the
 * interrupted reads. Lock order: fh->lock, then parked_lock; the sweeper,
 * holding parked_lock, only tries a handle's lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>

#include "apiserver/watch.h"
#include "fs/logstream.h"
#include "fs/fs_i.h"

/* Link or unlink fh in fs->parked; fh->lock held. */
static void park(struct fh *fh, fuse_req_t req, size_t size)
{
	struct kfs *fs = fh->fs;

	fh->parked = req;
	fh->parked_size = size;
	pthread_mutex_lock(&fs->parked_lock);
	fh->parked_prev = NULL;
	fh->parked_next = fs->parked;
	if (fs->parked)
		fs->parked->parked_prev = fh;
	fs->parked = fh;
	pthread_mutex_unlock(&fs->parked_lock);
}

/* parked_lock held */
static void unlink_locked(struct kfs *fs, struct fh *fh)
{
	if (fh->parked_prev)
		fh->parked_prev->parked_next = fh->parked_next;
	else if (fs->parked == fh)
		fs->parked = fh->parked_next;
	if (fh->parked_next)
		fh->parked_next->parked_prev = fh->parked_prev;
	fh->parked_prev = fh->parked_next = NULL;
}

/* The parked read has been answered; fh->lock held. */
static void unpark(struct fh *fh)
{
	fh->parked = NULL;
	pthread_mutex_lock(&fh->fs->parked_lock);
	unlink_locked(fh->fs, fh);
	pthread_mutex_unlock(&fh->fs->parked_lock);
}

void kfs_watch_forget(struct fh *fh)
{
	pthread_mutex_lock(&fh->fs->parked_lock);
	unlink_locked(fh->fs, fh);
	pthread_mutex_unlock(&fh->fs->parked_lock);
}

/* Answer req if the stream has something; fh->lock held. Returns true if
 * the request was answered. */
static bool try_reply(struct fh *fh, fuse_req_t req, size_t size)
{
	char *buf = malloc(size ? size : 1);
	ssize_t n;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return true;
	}
	n = fh->ls ? logstream_read(fh->ls, buf, size)
		   : watch_stream_read(fh->ws, buf, size);
	if (n == -EAGAIN) {
		free(buf);
		return false;
	}
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
	return true;
}

/* libfuse's interrupt callback: may come after the handle is gone, so it
 * only asks the sweeper to look. */
static void interrupted(fuse_req_t req, void *ud)
{
	struct kfs *fs = ud;

	(void)req;
	pthread_mutex_lock(&fs->parked_lock);
	fs->sweep_wanted = true;
	pthread_cond_signal(&fs->parked_cond);
	pthread_mutex_unlock(&fs->parked_lock);
}

/* Answer the interrupted parked reads; parked_lock held. Returns true if
 * a handle was busy (look again soon). */
static bool sweep_locked(struct kfs *fs)
{
	bool busy = false;
	struct fh *fh, *next;

	for (fh = fs->parked; fh; fh = next) {
		next = fh->parked_next;
		if (pthread_mutex_trylock(&fh->lock) != 0) {
			busy = true;
			continue;
		}
		if (fh->parked && fuse_req_interrupted(fh->parked)) {
			fuse_reply_err(fh->parked, EINTR);
			fh->parked = NULL;
			unlink_locked(fs, fh);
		}
		pthread_mutex_unlock(&fh->lock);
	}
	return busy;
}

static void *sweeper_main(void *arg)
{
	struct kfs *fs = arg;

	pthread_mutex_lock(&fs->parked_lock);
	while (!fs->sweeper_stop) {
		if (!fs->sweep_wanted) {
			pthread_cond_wait(&fs->parked_cond, &fs->parked_lock);
			continue;
		}
		fs->sweep_wanted = false;
		if (sweep_locked(fs)) {
			struct timespec ts;

			/* a busy handle is answering or parking: again in
			 * 10 ms */
			fs->sweep_wanted = true;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 10 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&fs->parked_cond,
					       &fs->parked_lock, &ts);
		}
	}
	pthread_mutex_unlock(&fs->parked_lock);
	return NULL;
}

void kfs_watch_reads_init(struct kfs *fs)
{
	pthread_mutex_init(&fs->parked_lock, NULL);
	pthread_cond_init(&fs->parked_cond, NULL);
	fs->parked = NULL;
	fs->sweep_wanted = fs->sweeper_stop = false;
}

int kfs_watch_reads_start(struct kfs *fs)
{
	return -pthread_create(&fs->sweeper, NULL, sweeper_main, fs);
}

void kfs_watch_reads_stop(struct kfs *fs)
{
	pthread_mutex_lock(&fs->parked_lock);
	fs->sweeper_stop = true;
	pthread_cond_signal(&fs->parked_cond);
	pthread_mutex_unlock(&fs->parked_lock);
	pthread_join(fs->sweeper, NULL);
}

void kfs_fh_unpark_all(struct kfs *fs)
{
	/* the loop has ended: no request adds or removes handles now */
	for (struct fh *fh = fs->open_fhs; fh; fh = fh->next_open) {
		pthread_mutex_lock(&fh->lock);
		if (fh->parked) {
			fuse_reply_err(fh->parked, EINTR);
			unpark(fh);
		}
		pthread_mutex_unlock(&fh->lock);
	}
}

void kfs_watch_ready(void *ud)
{
	struct fh *fh = ud;

	pthread_mutex_lock(&fh->lock);
	if (fh->parked && try_reply(fh, fh->parked, fh->parked_size))
		unpark(fh);
	if (fh->ph)
		fuse_lowlevel_notify_poll(fh->ph);
	pthread_mutex_unlock(&fh->lock);
}

void kfs_watch_read(fuse_req_t req, struct fh *fh, size_t size,
		    struct fuse_file_info *fi)
{
	pthread_mutex_lock(&fh->lock);
	if (fh->parked) {
		/* one reader at a time per open file */
		pthread_mutex_unlock(&fh->lock);
		fuse_reply_err(req, EBUSY);
		return;
	}
	if (try_reply(fh, req, size)) {
		pthread_mutex_unlock(&fh->lock);
		return;
	}
	if (fi->flags & O_NONBLOCK) {
		pthread_mutex_unlock(&fh->lock);
		fuse_reply_err(req, EAGAIN);
		return;
	}
	park(fh, req, size);
	if (fh->ls)
		logstream_set_ready_fn(fh->ls, kfs_watch_ready, fh);
	else
		watch_stream_set_ready_fn(fh->ws, kfs_watch_ready, fh);
	/* may call interrupted() at once */
	fuse_req_interrupt_func(req, interrupted, fh->fs);
	pthread_mutex_unlock(&fh->lock);
}
