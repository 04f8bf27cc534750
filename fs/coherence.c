/*
 * coherence.c — object files from the page cache, never stale.
 *
 * A small object opened read-only is served by the kernel from its page
 * cache (keep_cache): a second reader costs an open and no read request
 * at all. What makes that safe is that every change the mount makes
 * drops the changed objects' pages and attributes before it is answered:
 * the thread that committed walks the store's event log from where the
 * last walk stopped and tells the kernel to forget each changed object
 * it knows an inode for. The log is walked rather than the one key the
 * thread wrote because a drop-box manifest or a subresource changes
 * objects under other names, and because another thread's change may be
 * committed with it in one group. The notifier drops the caches again
 * when the watch hub sees the change (for changes made outside this
 * mount), always before it raises the change's inotify event.
 *
 * A read races with a change safely: the kernel keeps a page locked
 * while a read request fills it, and forgetting the inode waits for that
 * lock, so a page filled with the old object is dropped; a page filled
 * after the drop is read from the store after the commit. The read
 * request therefore renders the object as it is now, not as it was when
 * the file was opened (that is what direct I/O files do). Objects larger
 * than KFS_CACHED_MAX could take several read requests to fill, and a
 * change between two of them would show a torn file: they stay direct.
 */
#include "fs/fs_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int kfs_caches_init(struct kfs *fs)
{
	pthread_mutex_init(&fs->inval_lock, NULL);
	fs->inval_rv = store_current_rv(fs->store);
	return 0;
}

void kfs_caches_release(struct kfs *fs)
{
	pthread_mutex_destroy(&fs->inval_lock);
}

static int inval_event(void *ud, const struct store_event *ev)
{
	struct kfs *fs = ud;
	char key[STORE_KEY_MAX + 1];
	fuse_ino_t ino;

	if (ev->key_len <= STORE_KEY_MAX) {
		memcpy(key, ev->key, ev->key_len);
		key[ev->key_len] = '\0';
		/* no inode number recorded: the kernel never saw it */
		ino = kfs_object_ino_peek(fs, key);
		if (ino)
			fuse_lowlevel_notify_inval_inode(fs->se, ino, 0, 0);
		/* the notifier left the record to us (kfs_caches_passed) */
		if (ino && ev->type == STORE_EV_DELETED)
			kfs_object_ino_drop(fs, key);
	}
	fs->inval_rv = ev->rv;
	return 0;
}

bool kfs_caches_passed(struct kfs *fs, uint64_t rv)
{
	bool passed;

	pthread_mutex_lock(&fs->inval_lock);
	passed = rv <= fs->inval_rv;
	pthread_mutex_unlock(&fs->inval_lock);
	return passed;
}

void kfs_caches_sync(struct kfs *fs)
{
	uint64_t cur;
	int r;

	if (!fs->se)
		return;
	pthread_mutex_lock(&fs->inval_lock);
	cur = store_current_rv(fs->store);
	if (cur > fs->inval_rv) {
		r = store_events(fs->store, fs->inval_rv, 0, inval_event, fs);
		/* compacted away: old changes, the notifier dropped them */
		if (r < 0 || fs->inval_rv < cur)
			fs->inval_rv = cur;
	}
	pthread_mutex_unlock(&fs->inval_lock);
}

void kfs_cached_open(struct kfs *fs, struct fh *fh, const struct node *n)
{
	char key[STORE_KEY_MAX + 1];

	(void)fs;
	if (n->type != NODE_OBJECT || fh->len > KFS_CACHED_MAX ||
	    server_key(n->kind, n->ns, n->objname, key, sizeof(key)) < 0)
		return;
	fh->key = strdup(key);
	fh->cached = fh->key != NULL;
}

void kfs_cached_read(struct kfs *fs, struct fh *fh, fuse_req_t req, size_t size,
		     off_t off)
{
	char *data = NULL;
	size_t len;
	int r;

	r = kfs_render(fs, fh->key, RENDER_YAML, &data, &len, NULL, NULL);
	if (r == -ENOENT) {
		/* deleted since the open: the file as it was opened (a
		 * copy: the handle may be freed while the reply is sent) */
		len = fh->len;
		data = malloc(len + 1);
		r = data ? 0 : -ENOMEM;
		if (data)
			memcpy(data, fh->data, len);
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else if ((size_t)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, data + off,
			       len - off < size ? len - off : size);
	free(data);
}
