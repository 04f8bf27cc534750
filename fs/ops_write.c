/*
 * ops_write.c — the write side of open files: bytes buffered per open
 * file description, judged and committed when the opener's last writing
 * descriptor is closed (flush), or at release for what came after (mmap,
 * a racing close); truncate of an open write; fsync.
 *
 * fsync(2) is a verdict too. As on any Unix file it is about the file,
 * not the descriptor: it judges and commits what every open description
 * of the file holds written and not yet judged, and returns the first
 * failure. A close() after it with nothing written since commits nothing
 * again and returns the same verdict. File servers need this: an NFS
 * COMMIT (what a kernel NFS client sends at close(), its error being
 * close()'s) reaches us as an fsync, which nfs-ganesha makes on another
 * descriptor of the file than the one it wrote through; a FILE_SYNC WRITE
 * as a write and an fsync of the same descriptor.
 */
#include "fs/fs_i.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "api/codec.h"
#include "api/validate.h"
#include "fs/logstream.h"
#include "apiserver/admission.h"
#include "apiserver/watch.h"

/* A write buffer may hold a little more than the object limit so that the
 * codec, not the buffer, reports the size error with its message. */
#define WRITE_BUF_MAX (CODEC_MAX_BYTES + 4096)

static int buf_reserve(struct kfs_write *w, size_t need)
{
	size_t cap = w->cap ? w->cap : 4096;
	char *p;

	if (need > WRITE_BUF_MAX)
		return -EFBIG;
	if (need <= w->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (cap > WRITE_BUF_MAX)
		cap = WRITE_BUF_MAX;
	p = realloc(w->buf, cap + 1);
	if (!p)
		return -ENOMEM;
	w->buf = p;
	w->cap = cap;
	return 0;
}

void kfs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		  off_t off, struct fuse_file_info *fi)
{
	struct fh *fh = (struct fh *)(uintptr_t)fi->fh;
	struct kfs_write *w = &fh->w;
	size_t end;
	int r;

	(void)ino;
	if (fh->kind == FH_NOTIFY) {
		fuse_reply_write(req, size);
		return;
	}
	if (fh->kind != FH_WRITE && fh->kind != FH_SCRATCH) {
		fuse_reply_err(req, EBADF);
		return;
	}
	pthread_mutex_lock(&fh->lock);
	if (w->append)
		off = w->len; /* appends go to the end of what we hold */
	end = (size_t)off + size;
	r = buf_reserve(w, end);
	if (r < 0) {
		/* the whole file is refused: close() says so again, and
		 * nothing of what was written before is applied */
		bool first = r == -EFBIG && !w->too_big;

		if (r == -EFBIG)
			w->too_big = true;
		pthread_mutex_unlock(&fh->lock);
		if (first && fh->path)
			errlog_add(kfs_req_fs(req)->errlog, fh->uid, fh->path,
				   "the object is too large: the limit is "
				   "1572864 bytes");
		fuse_reply_err(req, -r);
		return;
	}
	if ((size_t)off > w->len)
		memset(w->buf + w->len, 0, off - w->len);
	memcpy(w->buf + off, buf, size);
	if (end > w->len)
		w->len = end;
	w->dirty = true;
	pthread_mutex_unlock(&fh->lock);
	fuse_reply_write(req, size);
}

int kfs_fh_truncate(struct fh *fh, off_t size)
{
	int r = 0;

	if (fh->kind != FH_WRITE && fh->kind != FH_SCRATCH)
		return -EPERM;
	pthread_mutex_lock(&fh->lock);
	if ((size_t)size > fh->w.len) {
		r = buf_reserve(&fh->w, size);
		if (r == 0)
			memset(fh->w.buf + fh->w.len, 0, size - fh->w.len);
	}
	if (r == 0) {
		fh->w.len = size;
		fh->w.dirty = true;
		if (size == 0) {
			fh->w.truncated = true;
			fh->w.too_big = false;
		}
	}
	pthread_mutex_unlock(&fh->lock);
	return r;
}

static bool object_exists(struct kfs *fs, const char *key)
{
	char *data = NULL;
	size_t len;
	uint64_t rv;

	if (store_get(fs->store, key, &data, &len, &rv) < 0)
		return false;
	free(data);
	return true;
}

/* The verdict: commit a dirty write buffer. fh->lock held. */
static int commit(struct kfs *fs, struct fh *fh, uid_t uid)
{
	struct kf_error err;
	bool is_object = false;
	int r;

	char key[STORE_KEY_MAX + 1] = "";

	/* the kernel raises this name's inotify event itself */
	if (fh->w.kind && fh->w.target != NODE_SUB &&
	    name_valid(fh->w.kind->name_rule, fh->w.entry) &&
	    server_key(fh->w.kind, fh->w.ns, fh->w.entry, key, sizeof(key)) ==
		0)
		notifier_kernel_saw(fs->notifier, key, false);
	kf_error_init(&err);
	if (fh->w.too_big)
		r = -EFBIG; /* said at write(); the bytes are not judged */
	else
		r = kfs_write_commit(fs, &fh->w, &err, &is_object);
	kfs_caches_sync(fs); /* before close() returns */
	/* the hub tails the store: let it look now, not at its next poll */
	watch_hub_poke(fs->hub);
	if ((r < 0 || !is_object) && key[0])
		notifier_unmark(fs->notifier, key);
	fh->w.dirty = false;
	if (r < 0) {
		__atomic_add_fetch(&fs->stats.writes_failed, 1,
				   __ATOMIC_RELAXED);
		if (!fh->w.too_big)
			errlog_add(fs->errlog, uid, fh->path ? fh->path : "?",
				   err.msg[0] ? err.msg : strerror(-r));
	} else {
		__atomic_add_fetch(&fs->stats.writes_ok, 1, __ATOMIC_RELAXED);
		/* an admission plugin's warning (PodSecurity warn mode) */
		if (!strncmp(err.msg, ADMISSION_WARNING,
			     strlen(ADMISSION_WARNING)))
			errlog_add(fs->errlog, uid, fh->path ? fh->path : "?",
				   err.msg);
	}
	fh->w.committed = true;
	if (r == 0 && is_object && fh->w.kind)
		kfs_node_become_object(fs, fh->ino, fh->w.dir, fh->w.kind,
				       fh->w.ns, fh->w.entry);
	if (fh->w.target == NODE_GHOST || fh->w.created) {
		/* a drop box may have created the object of this very name:
		 * then the name is that object, not a ghost */
		/* a rejected create leaves nothing behind */
		if (is_object || (key[0] && object_exists(fs, key)) ||
		    (r < 0 && fh->w.created))
			eph_remove(fs, fh->w.dir, fh->w.entry, NULL, NULL);
		else
			eph_ghost(fs, fh->w.dir, fh->w.entry, fh->ino);
	}
	/* the next commit starts from what was written */
	fh->w.created = false;
	fh->w.excl = false;
	fh->w.synced = false;
	fh->w.verdict = r;
	return r;
}

/* Is this flush the writer's last close (see opener.c)? */
static bool writer_done(struct kfs *fs, struct fh *fh, fuse_req_t req)
{
	return kfs_writer_done(fh->opener, fuse_req_ctx(req)->pid,
			       fs->mountpoint, fh->ino,
			       fh->path ? fh->path : "");
}

void kfs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fh *fh = (struct fh *)(uintptr_t)fi->fh;
	struct kfs *fs = kfs_req_fs(req);
	int r = 0;

	(void)ino;
	pthread_mutex_lock(&fh->lock);
	if (fh->kind == FH_WRITE && fh->w.dirty && writer_done(fs, fh, req)) {
		r = commit(fs, fh, fuse_req_ctx(req)->uid);
	} else if (fh->kind == FH_WRITE && !fh->w.dirty && fh->w.synced) {
		r = fh->w.verdict; /* judged at fsync: say it again */
	} else if (fh->kind == FH_SCRATCH && fh->w.dirty) {
		char *copy = malloc(fh->w.len + 1);

		if (!copy) {
			r = -ENOMEM;
		} else {
			if (fh->w.len)
				memcpy(copy, fh->w.buf, fh->w.len);
			r = eph_scratch_store(fs, fh->w.dir, fh->w.entry, copy,
					      fh->w.len);
			if (r == -ENOENT)
				r = 0; /* renamed or removed meanwhile */
			fh->w.dirty = false;
		}
	}
	pthread_mutex_unlock(&fh->lock);
	fuse_reply_err(req, -r);
}

/* fsync's verdict on what fh holds: commit it if written since the last
 * verdict, else the last fsync's verdict again. */
static int sync_fh(struct kfs *fs, struct fh *fh, uid_t uid)
{
	int r = 0;

	pthread_mutex_lock(&fh->lock);
	if (fh->w.dirty) {
		r = commit(fs, fh, uid);
		fh->w.synced = true;
	} else if (fh->w.synced) {
		r = fh->w.verdict;
	}
	pthread_mutex_unlock(&fh->lock);
	return r;
}

#define SYNC_OTHERS_MAX 16

/* The other open descriptions of fh's file that hold writes: commit
 * them. Each is pinned (fs->lock) while it is used, so a release waits
 * for it (kfs_fh_free); their locks are taken without fs->lock, which a
 * commit takes. */
static int sync_others(struct kfs *fs, struct fh *fh)
{
	struct fh *other[SYNC_OTHERS_MAX];
	size_t n = 0;
	int r = 0, r2;

	pthread_mutex_lock(&fs->lock);
	for (struct fh *p = fs->open_fhs; p && n < SYNC_OTHERS_MAX;
	     p = p->next_open)
		if (p != fh && p->kind == FH_WRITE && p->ino == fh->ino) {
			p->pins++;
			other[n++] = p;
		}
	pthread_mutex_unlock(&fs->lock);
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&other[i]->lock);
		if (other[i]->w.dirty) {
			r2 = commit(fs, other[i], other[i]->uid);
			other[i]->w.synced = true;
			if (r == 0)
				r = r2;
		}
		pthread_mutex_unlock(&other[i]->lock);
	}
	pthread_mutex_lock(&fs->lock);
	for (size_t i = 0; i < n; i++)
		other[i]->pins--;
	if (n)
		pthread_cond_broadcast(&fs->unpinned);
	pthread_mutex_unlock(&fs->lock);
	return r;
}

void kfs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		  struct fuse_file_info *fi)
{
	struct fh *fh = (struct fh *)(uintptr_t)fi->fh;
	struct kfs *fs = kfs_req_fs(req);
	int r = 0, r2;

	(void)ino;
	(void)datasync; /* the data is the object: there is no metadata */
	/* A scratch file (vim's swap file) is kept as it is written: an
	 * fsync has nothing to add. */
	if (fh->kind == FH_WRITE) {
		r = sync_fh(fs, fh, fuse_req_ctx(req)->uid);
		r2 = sync_others(fs, fh);
		if (r == 0)
			r = r2;
	}
	fuse_reply_err(req, -r);
}

void kfs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fh *fh = (struct fh *)(uintptr_t)fi->fh;

	(void)ino;
	if (fh->kind == FH_WRITE &&
	    (fh->w.dirty || (fh->w.created && !fh->w.committed))) {
		/* written after the last flush (mmap, or a close that
		 * raced), or created and closed empty: judge it now; the
		 * reason goes to `errors`, nobody is left to tell */
		pthread_mutex_lock(&fh->lock);
		commit(kfs_req_fs(req), fh, fh->uid);
		pthread_mutex_unlock(&fh->lock);
	}
	if (fh->w.ghost_held)
		eph_ghost_unhold(kfs_req_fs(req), fh->w.dir, fh->w.entry);
	if (fh->ws)
		watch_stream_set_ready_fn(fh->ws, NULL, NULL);
	if (fh->ls)
		logstream_set_ready_fn(fh->ls, NULL, NULL);
	kfs_fh_free(fh);
	fuse_reply_err(req, 0);
}
