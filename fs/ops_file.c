/*
 * ops_file.c — open files: handles, open and create, reads (object
 * snapshots, scratch files, root files, @watch and @log streams, which
 * park until lines arrive: no thread is held while a reader waits) and
 * poll. The write side (write, flush, release) is ops_write.c.
 */
#include "fs/fs_i.h"
#include "fs/access.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/validate.h"
#include "api/codec.h"
#include "fs/logstream.h"
#include "fs/podlog.h"
#include "apiserver/watch.h"

static struct fh *fh_new(struct kfs *fs, enum fh_kind kind, fuse_ino_t ino,
			 fuse_req_t req)
{
	struct fh *fh = calloc(1, sizeof(*fh));
	pthread_mutexattr_t ma;

	if (!fh)
		return NULL;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&fh->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	if (kfs_caller(fs, req, &fh->id) < 0) {
		pthread_mutex_destroy(&fh->lock);
		free(fh);
		return NULL;
	}
	fh->w.id = fh->id;
	fh->kind = kind;
	fh->ino = ino;
	fh->uid = fuse_req_ctx(req)->uid;
	fh->opener = fuse_req_ctx(req)->pid;
	fh->fs = fs;
	pthread_mutex_lock(&fs->lock);
	fh->next_open = fs->open_fhs;
	if (fs->open_fhs)
		fs->open_fhs->prev_open = fh;
	fs->open_fhs = fh;
	pthread_mutex_unlock(&fs->lock);
	return fh;
}

/* Writers per uid are bounded: -EAGAIN past WRITES_PER_UID_MAX. */
static int writer_count(struct kfs *fs, uid_t uid, int delta)
{
	char k[32];
	json_int_t n;
	int r = 0;

	snprintf(k, sizeof(k), "%u", (unsigned)uid);
	pthread_mutex_lock(&fs->lock);
	n = json_integer_value(json_object_get(fs->writers, k)) + delta;
	if (delta > 0 && n > WRITES_PER_UID_MAX)
		r = -EAGAIN;
	else if (n <= 0)
		json_object_del(fs->writers, k);
	else
		json_object_set_new(fs->writers, k, json_integer(n));
	pthread_mutex_unlock(&fs->lock);
	return r;
}

void kfs_fh_free(struct fh *fh)
{
	if (!fh)
		return;
	kfs_watch_forget(fh);
	pthread_mutex_lock(&fh->fs->lock);
	if (fh->prev_open)
		fh->prev_open->next_open = fh->next_open;
	else
		fh->fs->open_fhs = fh->next_open;
	if (fh->next_open)
		fh->next_open->prev_open = fh->prev_open;
	while (fh->pins) /* an fsync of another handle commits it */
		pthread_cond_wait(&fh->fs->unpinned, &fh->fs->lock);
	pthread_mutex_unlock(&fh->fs->lock);
	if (fh->counted)
		writer_count(fh->fs, fh->uid, -1);
	logstream_free(fh->ls); /* waits for its ready call */
	watch_stream_free(fh->ws);
	if (fh->ph)
		fuse_pollhandle_destroy(fh->ph);
	snapstream_free(fh->snap);
	kfs_write_release(&fh->w);
	kfs_identity_put(fh->id);
	free(fh->data);
	free(fh->key);
	free(fh->path);
	pthread_mutex_destroy(&fh->lock);
	free(fh);
}

void kfs_fh_free_all(struct kfs *fs)
{
	struct fh *fh;

	for (;;) {
		pthread_mutex_lock(&fs->lock);
		fh = fs->open_fhs;
		pthread_mutex_unlock(&fs->lock);
		if (!fh)
			return;
		kfs_fh_free(fh);
	}
}

static void reply_open(fuse_req_t req, struct fuse_file_info *fi, struct fh *fh)
{
	fi->fh = (uintptr_t)fh;
	/* small objects opened for reading: the page cache (coherence.c) */
	fi->direct_io = !fh->cached;
	fi->keep_cache = fh->cached;
	/* a flush judges writes: nothing to do for a snapshot read (watch
	 * streams keep theirs: without it, releases of many streams closed
	 * at once raced in the hub, see docs/fs-profile.md) */
	fi->noflush = fh->kind == FH_TEXT || fh->kind == FH_SNAP;
	/* Streams (@watch, snapshot) are not marked nonseekable: file
	 * servers re-exporting the tree (diod, NFS) read with pread(), and
	 * a stream ignores the offset, so positional reads read the stream
	 * as read() does. */
	if (fuse_reply_open(req, fi) != 0)
		kfs_fh_free(fh);
}

static int object_key_of(const struct node *n, char *key)
{
	return server_key(n->kind, n->ns, n->objname, key, STORE_KEY_MAX + 1);
}

/* What reading an object or subresource shows. */
static int sub_text(struct kfs *fs, const struct node *n, char **ret,
		    size_t *ret_len)
{
	char key[STORE_KEY_MAX + 1];
	int r = object_key_of(n, key);

	if (r < 0)
		return r;
	if (n->type == NODE_OBJECT || n->sub == SUB_STATUS ||
	    n->sub == SUB_FINALIZE)
		return kfs_render(fs, key, RENDER_YAML, ret, ret_len, NULL,
				  NULL);
	switch (n->sub) {
	case SUB_JSON:
		return kfs_render(fs, key, RENDER_JSON, ret, ret_len, NULL,
				  NULL);
	case SUB_SCALE: {
		long replicas;

		r = server_scale_get(fs->srv, n->kind, n->ns, n->objname, NULL,
				     &replicas);
		if (r < 0)
			return r;
		if (asprintf(ret, "%ld\n", replicas) < 0)
			return -ENOMEM;
		*ret_len = strlen(*ret);
		return 0;
	}
	case SUB_LOG:
		return kfs_pod_log(fs, n, ret, ret_len);
	default:
		*ret = strdup("");
		*ret_len = 0;
		return *ret ? 0 : -ENOMEM;
	}
}

static int open_rootfile(struct kfs *fs, struct node *n, struct fh *fh)
{
	if (n->rootfile == RF_SNAPSHOT) {
		fh->kind = FH_SNAP;
		return snapstream_open(fs->store, &fh->snap);
	}
	if (n->rootfile == RF_WHOAMI) {
		fh->data = kfs_whoami_text(fh->id, &fh->len);
		return fh->data ? 0 : -ENOMEM;
	}
	if (n->rootfile == RF_CANI) {
		fh->data = kfs_can_i_text(fs, fh->id, n->query, &fh->len);
		return fh->data ? 0 : -ENOMEM;
	}
	/* the text whose size the caller's getattr just reported */
	fh->data = kfs_rootfile_take(fs, n, fh->uid, &fh->len);
	if (!fh->data)
		fh->data =
		    kfs_rootfile_text(fs, n->rootfile, fh->uid, &fh->len);
	return fh->data ? 0 : -ENOMEM;
}

/* What opening n with flags asks of RBAC (fs/access.h maps the
 * subresources' own verbs). */
static enum kfs_verb open_verb(const struct node *n, int flags)
{
	if (n->type == NODE_WATCH)
		return KV_WATCH;
	if ((flags & O_ACCMODE) == O_RDONLY)
		return KV_GET;
	return flags & O_APPEND ? KV_PATCH : KV_UPDATE;
}

/* Set up fh->w for a write to node n (an object, subresource or ghost). */
static int setup_write(struct kfs *fs, fuse_req_t req, struct node *n,
		       int flags, struct fh *fh)
{
	struct node *dir = kfs_node_get(fs, n->parent);
	const struct kind_info *kind;
	const char *ns;
	int r;

	r = writer_count(fs, fh->uid, 1);
	if (r < 0)
		return r;
	fh->counted = true;
	fh->kind = FH_WRITE;
	fh->w.dir = n->parent;
	fh->w.target = n->type;
	fh->w.sub = n->sub;
	fh->w.entry = strdup(n->objname ? n->objname : n->name);
	if (dir && kfs_object_dir(dir, &kind, &ns)) {
		fh->w.kind = kind;
		fh->w.ns = ns ? strdup(ns) : NULL;
	} else if (dir && dir->ns) {
		fh->w.ns = strdup(dir->ns);
	}
	fh->w.append = flags & O_APPEND;
	if ((flags & O_TRUNC) || fh->w.append) {
		/* judged once bytes come: a shell closes a dup of the file
		 * before writing, and an empty object means nothing */
		fh->w.truncated = !fh->w.append;
		fh->w.dirty = false;
	} else if (n->type == NODE_OBJECT || n->type == NODE_SUB) {
		/* O_RDWR / O_WRONLY without truncation starts from the
		 * current bytes, as a file would */
		r = sub_text(fs, n, &fh->w.buf, &fh->w.len);
		if (r < 0)
			return r;
		fh->w.cap = fh->w.len;
	}
	(void)req;
	return fh->w.entry ? 0 : -ENOMEM;
}

void kfs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct kfs *fs = kfs_req_fs(req);
	struct node *n = kfs_node_get(fs, ino);
	bool writing = (fi->flags & O_ACCMODE) != O_RDONLY;
	struct kf_error err;
	struct fh *fh;
	int r = 0;

	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	fh = fh_new(fs, FH_TEXT, ino, req);
	if (!fh) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fh->path = kfs_node_path(fs, n);
	if (notifier_is_caller(fs->notifier, req)) {
		fh->kind = FH_NOTIFY;
		reply_open(req, fi, fh);
		return;
	}
	r = kfs_authorize(fs, req, n, open_verb(n, fi->flags), NULL);
	if (r < 0) {
		kfs_fh_free(fh);
		fuse_reply_err(req, -r);
		return;
	}
	switch (n->type) {
	case NODE_ROOTFILE:
		r = writing ? -EACCES : open_rootfile(fs, n, fh);
		break;
	case NODE_OBJECT:
	case NODE_SUB:
		if (!writing && n->type == NODE_SUB && n->sub == SUB_LOG &&
		    (r = kfs_pod_log_follow(fs, n, &fh->ls)) <= 0) {
			fh->kind = FH_WATCH; /* a followed log */
			break;
		}
		if (writing)
			r = setup_write(fs, req, n, fi->flags, fh);
		else if ((r = sub_text(fs, n, &fh->data, &fh->len)) == 0)
			kfs_cached_open(fs, fh, n);
		break;
	case NODE_GHOST:
		if (!writing) {
			fh->data = strdup("");
			break;
		}
		r = setup_write(fs, req, n, fi->flags | O_TRUNC, fh);
		if (r == 0) {
			eph_ghost_hold(fs, n->parent, n->name, n->ino);
			fh->w.ghost_held = true;
		}
		break;
	case NODE_SCRATCH:
		fh->kind = FH_SCRATCH;
		fh->w.dir = n->parent;
		fh->w.entry = strdup(n->name);
		if (fi->flags & O_TRUNC) {
			fh->w.dirty = true;
		} else {
			r = eph_scratch_read(fs, n->parent, n->name, &fh->w.buf,
					     &fh->w.len);
			fh->w.cap = fh->w.len;
		}
		fh->w.append = fi->flags & O_APPEND;
		break;
	case NODE_WATCH:
		if (writing) {
			r = -EACCES;
			break;
		}
		fh->kind = FH_WATCH;
		kf_error_init(&err);
		r = watch_stream_open(fs->hub, n->kind, n->ns, n->query,
				      fh->uid, &err, &fh->ws);
		if (r < 0 && err.msg[0])
			errlog_add(fs->errlog, fh->uid, fh->path, err.msg);
		__atomic_add_fetch(&fs->stats.watch_opens, 1, __ATOMIC_RELAXED);
		break;
	default:
		r = -EISDIR;
	}
	if (r < 0) {
		kfs_fh_free(fh);
		fuse_reply_err(req, -r);
		return;
	}
	reply_open(req, fi, fh);
}

fuse_ino_t kfs_new_ino(struct kfs *fs)
{
	char k[48];
	fuse_ino_t ino;

	snprintf(k, sizeof(k), "#%p", (void *)&k);
	ino = kfs_object_ino(fs, k);
	kfs_object_ino_drop(fs, k);
	return ino;
}

/*
 * A subresource (NAME@delete, NAME@scale, ...) of an object that does not
 * exist: the lookup failed, so the create lands here. Log Kubernetes'
 * NotFound sentence ('pods "x" not found') and say so (true).
 */
static bool missing_object_sub(struct kfs *fs, fuse_req_t req,
			       const struct node *p, const char *name)
{
	_cleanup_free_ char *obj = strndup(name, strcspn(name, "@"));
	_cleanup_free_ char *dir = NULL, *full = NULL;
	const struct kind_info *kind;
	const char *ns;
	struct kf_error err;
	json_t *cur = NULL;
	int r;

	if (!obj || !kfs_object_dir(p, &kind, &ns) ||
	    !name_valid(kind->name_rule, obj))
		return false;
	kf_error_init(&err);
	r = server_get(fs->srv, kind, ns, obj, &err, &cur);
	json_decref(cur);
	if (r != -ENOENT)
		return false;
	dir = kfs_node_path(fs, p);
	if (asprintf(&full, "%s%s%s", dir ? dir : "", dir && *dir ? "/" : "",
		     name) < 0)
		full = NULL;
	errlog_add(fs->errlog, fuse_req_ctx(req)->uid, full ? full : name,
		   err.msg);
	return true;
}

void kfs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		   mode_t mode, struct fuse_file_info *fi)
{
	struct kfs *fs = kfs_req_fs(req);
	struct node *p = kfs_node_get(fs, parent), *n;
	struct fuse_entry_param e;
	struct stat st;
	const struct kind_info *kind;
	const char *ns;
	struct fh *fh;
	int r;

	(void)mode;
	if (!p) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (notifier_is_caller(fs->notifier, req)) {
		/* the object exists already: hand its entry over */
		r = kfs_resolve(fs, p, name, &n, &st);
		if (r < 0) {
			fuse_reply_err(req, -r);
			return;
		}
		n = kfs_node_add(fs, n);
		fh = fh_new(fs, FH_NOTIFY, n->ino, req);
		kfs_fill_entry(fs, n, &st, &e);
		fi->fh = (uintptr_t)fh;
		fi->direct_io = 1;
		if (!fh || fuse_reply_create(req, &e, fi) != 0) {
			kfs_node_forget(fs, n->ino, 1);
			kfs_fh_free(fh);
		}
		return;
	}
	if (p->type != NODE_ROOT && p->type != NODE_RESOURCE &&
	    p->type != NODE_NSDIR) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (name[0] != '@' && strchr(name, '@') &&
	    missing_object_sub(fs, req, p, name)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (name[0] == '@' || strchr(name, '@') || strchr(name, '/')) {
		fuse_reply_err(req, EACCES);
		return;
	}
	n = kfs_node_new(name[0] == '.' ? NODE_SCRATCH : NODE_GHOST, parent,
			 name);
	fh = fh_new(fs, name[0] == '.' ? FH_SCRATCH : FH_WRITE, 0, req);
	if (!n || !fh) {
		kfs_node_free(n);
		kfs_fh_free(fh);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* A valid name in an object dir may become that object: give it the
	 * object's inode number from the start. */
	if (kfs_object_dir(p, &kind, &ns) &&
	    name_valid(kind->name_rule, name)) {
		char key[STORE_KEY_MAX + 1];

		/* creating NAME here is a create of the directory's kind:
		 * refused now rather than at close */
		int ar = kfs_authorize(fs, req, p, KV_CREATE, name);

		if (ar < 0) {
			kfs_node_free(n);
			kfs_fh_free(fh);
			fuse_reply_err(req, -ar);
			return;
		}
		n->ino = server_key(kind, ns, name, key, sizeof(key)) == 0
			     ? kfs_object_ino(fs, key)
			     : kfs_new_ino(fs);
	} else {
		n->ino = kfs_new_ino(fs);
	}
	fh->ino = n->ino;
	fh->path = kfs_node_path(fs, p);
	{
		char *full = NULL;

		if (asprintf(&full, "%s%s%s", fh->path ? fh->path : "",
			     fh->path && *fh->path ? "/" : "", name) >= 0) {
			free(fh->path);
			fh->path = full;
		}
	}
	if (n->type == NODE_SCRATCH) {
		r = eph_scratch_create(fs, parent, name, n->ino);
		fh->w.dir = parent;
		fh->w.entry = strdup(name);
		fh->w.dirty = true;
	} else {
		/* resolvable while being written; a ghost after close if it
		 * turns out to be a drop box */
		eph_ghost_hold(fs, parent, name, n->ino);
		r = setup_write(fs, req, n, fi->flags | O_TRUNC, fh);
		fh->w.ghost_held = r == 0;
		fh->w.created = true;
		fh->w.excl = fi->flags & O_EXCL;
		/* touch(1) creates without O_TRUNC: its close is a verdict.
		 * A shell's `>` creates with O_TRUNC and may close a dup of
		 * the file before writing: nothing to judge until bytes
		 * come (or the last close, see release). */
		fh->w.dirty = !(fi->flags & O_TRUNC);
	}
	if (r < 0) {
		eph_remove(fs, parent, name, NULL, NULL);
		kfs_node_free(n);
		kfs_fh_free(fh);
		fuse_reply_err(req, -r);
		return;
	}
	memset(&st, 0, sizeof(st));
	st.st_ino = n->ino;
	st.st_mode = S_IFREG | 0600;
	st.st_nlink = 1;
	kfs_owner(&st.st_uid, &st.st_gid);
	st.st_mtime = st.st_ctime = st.st_atime = time(NULL);
	n = kfs_node_add(fs, n);
	kfs_fill_entry(fs, n, &st, &e);
	/* the kernel keeps the size while it writes; the commit drops the
	 * attributes (coherence.c): no getattr before the first write */
	e.attr_timeout = fs->attr_timeout;
	fi->fh = (uintptr_t)fh;
	fi->direct_io = 1;
	if (fuse_reply_create(req, &e, fi) != 0) {
		kfs_node_forget(fs, n->ino, 1);
		kfs_fh_free(fh);
	}
}

/*
 * Reply with a slice of data from a private copy: the reply may still be
 * in the writev() when the reader, already answered, closes the file and
 * another thread frees the handle.
 */
static void reply_slice(fuse_req_t req, const char *data, size_t len,
			size_t size, off_t off)
{
	size_t n;
	char *copy;

	if ((size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	n = len - off < size ? len - off : size;
	copy = malloc(n);
	if (!copy) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(copy, data + off, n);
	fuse_reply_buf(req, copy, n);
	free(copy);
}

void kfs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi)
{
	struct fh *fh = (struct fh *)(uintptr_t)fi->fh;
	struct kfs *fs = kfs_req_fs(req);

	(void)ino;
	__atomic_add_fetch(&fs->stats.reads, 1, __ATOMIC_RELAXED);
	switch (fh->kind) {
	case FH_TEXT:
		if (fh->cached)
			kfs_cached_read(fs, fh, req, size, off);
		else
			reply_slice(req, fh->data, fh->len, size, off);
		return;
	case FH_SNAP: {
		char *buf = malloc(size ? size : 1);
		ssize_t n;

		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		pthread_mutex_lock(&fh->lock);
		n = snapstream_read(fh->snap, buf, size);
		pthread_mutex_unlock(&fh->lock);
		if (n < 0)
			fuse_reply_err(req, (int)-n);
		else
			fuse_reply_buf(req, buf, n);
		free(buf);
		return;
	}
	case FH_WRITE:
	case FH_SCRATCH:
		pthread_mutex_lock(&fh->lock);
		reply_slice(req, fh->w.buf, fh->w.len, size, off);
		pthread_mutex_unlock(&fh->lock);
		return;
	case FH_WATCH:
		kfs_watch_read(req, fh, size, fi);
		return;
	case FH_NOTIFY:
		fuse_reply_buf(req, NULL, 0);
		return;
	}
}

void kfs_op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		 struct fuse_pollhandle *ph)
{
	struct fh *fh = (struct fh *)(uintptr_t)fi->fh;
	unsigned revents;

	(void)ino;
	if (fh->kind != FH_WATCH) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, POLLIN | POLLOUT);
		return;
	}
	pthread_mutex_lock(&fh->lock);
	if (ph) {
		if (fh->ph)
			fuse_pollhandle_destroy(fh->ph);
		fh->ph = ph;
		if (fh->ls)
			logstream_set_ready_fn(fh->ls, kfs_watch_ready, fh);
		else
			watch_stream_set_ready_fn(fh->ws, kfs_watch_ready, fh);
	}
	revents = (fh->ls ? logstream_readable(fh->ls)
			  : watch_stream_readable(fh->ws))
		      ? POLLIN
		      : 0;
	pthread_mutex_unlock(&fh->lock);
	fuse_reply_poll(req, revents);
}
