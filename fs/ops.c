/*
 * ops.c — FUSE operations on names: lookup, attributes, unlink, rename,
 * mkdir. File and directory handles are in ops_file.c and ops_dir.c.
 */
#include "fs/fs_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "api/cleanup.h"
#include "api/validate.h"
#include "fs/access.h"
#include "fs/export.h"
#include "apiserver/watch.h"

static double entry_timeout(const struct kfs *fs, const struct node *n)
{
	/* Ghosts, scratch files, subresources and watch names are always
	 * re-resolved; everything else is invalidated by the notifier when
	 * it changes. */
	switch (n->type) {
	case NODE_GHOST:
	case NODE_SCRATCH:
	case NODE_SUB:
	case NODE_WATCH:
		return 0.0;
	default:
		return fs->attr_timeout;
	}
}

/* Attributes answer per caller under RBAC, but the kernel keeps one copy
 * per inode: then they are not cached (names still are). */
static double attr_timeout(const struct kfs *fs, const struct node *n)
{
	return kfs_authz_timeout(fs, entry_timeout(fs, n));
}

void kfs_fill_entry(struct kfs *fs, const struct node *n, const struct stat *st,
		    struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->ino;
	e->generation = kfs_export_generation(n);
	e->attr = *st;
	e->attr_timeout = attr_timeout(fs, n);
	e->entry_timeout = entry_timeout(fs, n);
	if (n->type == NODE_ROOTFILE)
		e->attr_timeout = e->entry_timeout = 0.0;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	kfs_export_init(conn);
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	conn->max_write = 1 << 20;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct kfs *fs = kfs_req_fs(req);
	struct node *p = kfs_node_get(fs, parent), *n = NULL;
	struct fuse_entry_param e;
	struct stat st;
	fuse_ino_t ino;
	char *notifier_path = NULL;
	int r;

	__atomic_add_fetch(&fs->stats.lookups, 1, __ATOMIC_RELAXED);
	if (kfs_export_lookup(fs, req, parent, name))
		return;
	if (!p) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (notifier_is_caller(fs->notifier, req)) {
		_cleanup_free_ char *dir = kfs_node_path(fs, p);

		free(notifier_path);
		if (!dir || asprintf(&notifier_path, "%s/%s", dir, name) < 0)
			notifier_path = NULL;
	}
	if (notifier_path &&
	    notifier_pending_create(fs->notifier, notifier_path)) {
		/* the notifier creates it: the kernel must call create */
		free(notifier_path);
		fuse_reply_err(req, ENOENT);
		return;
	}
	r = kfs_resolve(fs, p, name, &n, &st);
	if (r == -ENOENT && notifier_path) {
		/* The notifier is about to unlink a name whose object is
		 * already gone: give it something to unlink. */
		if (notifier_pending_delete(fs->notifier, notifier_path,
					    &ino)) {
			n = kfs_node_new(NODE_GHOST, parent, name);
			if (n) {
				n->ino = ino;
				memset(&st, 0, sizeof(st));
				st.st_ino = ino;
				st.st_mode = S_IFREG | 0644;
				st.st_nlink = 1;
				r = 0;
			}
		}
	}
	free(notifier_path);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	n = kfs_node_add(fs, n);
	kfs_rootfile_stat(fs, n, fuse_req_ctx(req)->uid, &st);
	kfs_authz_stat(fs, req, n, &st);
	kfs_fill_entry(fs, n, &st, &e);
	if (fuse_reply_entry(req, &e) != 0)
		kfs_node_forget(fs, n->ino, 1);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	kfs_node_forget(kfs_req_fs(req), ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		kfs_node_forget(kfs_req_fs(req), forgets[i].ino,
				forgets[i].nlookup);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct kfs *fs = kfs_req_fs(req);
	struct node *n = kfs_node_get(fs, ino);
	struct stat st;
	int r;

	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	r = kfs_getattr(fs, n, &st);
	if (r < 0 && fi && fi->fh) {
		/* open handle on something gone (a pending create): the
		 * handle's buffer is what the file holds */
		struct fh *fh = (struct fh *)(uintptr_t)fi->fh;

		memset(&st, 0, sizeof(st));
		st.st_ino = ino;
		st.st_mode = S_IFREG | 0644;
		st.st_nlink = 1;
		st.st_size = fh->w.len;
		r = 0;
	}
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	kfs_rootfile_stat(fs, n, fuse_req_ctx(req)->uid, &st);
	kfs_authz_stat(fs, req, n, &st);
	fuse_reply_attr(req, &st, attr_timeout(fs, n));
}

/* access(2): what the caller may do, as the mode bits show it. */
static void op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct kfs *fs = kfs_req_fs(req);
	struct node *n = kfs_node_get(fs, ino);
	struct kfs_identity *id;
	int r;

	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	r = kfs_caller(fs, req, &id);
	if (r == 0)
		r = kfs_access_mask(fs->authz, id, n, mask);
	kfs_identity_put(id);
	fuse_reply_err(req, -r);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct kfs *fs = kfs_req_fs(req);
	struct node *n = kfs_node_get(fs, ino);
	struct stat st;
	int r;

	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (!fi || !fi->fh) {
			/* truncate(2) on a path: there is no "empty" object.
			 * Replace it with > or an editor instead. */
			fuse_reply_err(req, EPERM);
			return;
		}
		r = kfs_fh_truncate((struct fh *)(uintptr_t)fi->fh,
				    attr->st_size);
		if (r < 0) {
			fuse_reply_err(req, -r);
			return;
		}
	}
	/* Modes, owners and times are not part of an object: accepted and
	 * ignored, so cp -p, rsync, tar x and touch work. */
	r = kfs_getattr(fs, n, &st);
	if (r < 0) {
		memset(&st, 0, sizeof(st));
		st.st_ino = ino;
		st.st_mode = S_IFREG | 0644;
		st.st_nlink = 1;
		if (fi && fi->fh)
			st.st_size = ((struct fh *)(uintptr_t)fi->fh)->w.len;
	}
	kfs_authz_stat(fs, req, n, &st);
	fuse_reply_attr(req, &st, 0.0);
}

static void log_error(struct kfs *fs, fuse_req_t req, const char *path,
		      const struct kf_error *err, int r)
{
	errlog_add(fs->errlog, fuse_req_ctx(req)->uid, path,
		   err->msg[0] ? err->msg : strerror(-r));
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct kfs *fs = kfs_req_fs(req);
	struct node *p = kfs_node_get(fs, parent);
	const struct kind_info *kind;
	const char *ns;
	struct kf_error err;
	struct kfs_identity *id = NULL;
	char key[STORE_KEY_MAX + 1] = "";
	int r;

	if (!p) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (notifier_is_caller(fs->notifier, req) ||
	    eph_remove(fs, parent, name, NULL, NULL) == 0) {
		fuse_reply_err(req, 0);
		return;
	}
	if (!kfs_object_dir(p, &kind, &ns) || strchr(name, '@') ||
	    !name_valid(kind->name_rule, name)) {
		fuse_reply_err(req, p->type == NODE_ROOT ? EPERM : ENOENT);
		return;
	}
	kf_error_init(&err);
	r = kfs_caller(fs, req, &id);
	if (r == 0)
		r = kfs_authorize_object(fs, id, kind, ns, name, "", KV_DELETE,
					 NULL, &err);
	kfs_identity_put(id);
	if (r < 0) {
		_cleanup_free_ char *dir = kfs_node_path(fs, p);
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s/%s", dir ? dir : "", name) >= 0)
			log_error(fs, req, path, &err, r);
		fuse_reply_err(req, -r);
		return;
	}
	__atomic_add_fetch(&fs->stats.deletes, 1, __ATOMIC_RELAXED);
	if (server_key(kind, ns, name, key, sizeof(key)) == 0)
		notifier_kernel_saw(fs->notifier, key, true);
	r = server_delete(fs->srv, kind, ns, name, -1, 0, &err);
	kfs_caches_sync(fs);
	watch_hub_poke(fs->hub);
	if (r < 0) {
		notifier_unmark(fs->notifier, key);
		_cleanup_free_ char *dir = kfs_node_path(fs, p);
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s/%s", dir ? dir : "", name) >= 0 &&
		    r != -ENOENT)
			log_error(fs, req, path, &err, r);
		fuse_reply_err(req, -r);
		return;
	}
	fuse_reply_err(req, 0);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	/* Namespaces are deleted as objects: rm core/v1/namespaces/NAME. */
	fuse_reply_err(req, EPERM);
}

/* mkdir in a namespaced resource dir creates the namespace. */
static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct kfs *fs = kfs_req_fs(req);
	struct node *p = kfs_node_get(fs, parent), *n = NULL;
	const struct kind_info *nsk = kinds_by_path("core", "v1", "namespaces");
	_cleanup_json_ json_t *obj = json_object();
	struct fuse_entry_param e;
	struct kfs_identity *id = NULL;
	struct kf_error err;
	struct stat st;
	int r;

	(void)mode;
	if (!p || p->type != NODE_RESOURCE || !p->kind->namespaced || !nsk ||
	    !obj) {
		fuse_reply_err(req, p ? EPERM : ESTALE);
		return;
	}
	kf_error_init(&err);
	r = kfs_caller(fs, req, &id);
	if (r == 0)
		r = kfs_authorize_object(fs, id, nsk, NULL, name, "", KV_CREATE,
					 obj, &err);
	kfs_identity_put(id);
	if (r == 0)
		r = server_put(fs->srv, nsk, NULL, name, obj, SERVER_CREATE,
			       &err, NULL);
	kfs_caches_sync(fs);
	watch_hub_poke(fs->hub);
	if (r < 0) {
		errlog_add(fs->errlog, fuse_req_ctx(req)->uid, name, err.msg);
		fuse_reply_err(req, -r);
		return;
	}
	r = kfs_resolve(fs, p, name, &n, &st);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	n = kfs_node_add(fs, n);
	kfs_fill_entry(fs, n, &st, &e);
	if (fuse_reply_entry(req, &e) != 0)
		kfs_node_forget(fs, n->ino, 1);
}

/*
 * After a rename onto newname the kernel believes the renamed inode is
 * newname. If newname is an object, the inode becomes that object;
 * otherwise the kernel is told to forget the name.
 */
static void become_target(struct kfs *fs, fuse_ino_t ino, const struct node *np,
			  const char *newname)
{
	const struct kind_info *kind;
	const char *ns;
	char key[STORE_KEY_MAX + 1];
	char *data = NULL;
	size_t len;
	uint64_t rv;

	if (kfs_object_dir(np, &kind, &ns) &&
	    name_valid(kind->name_rule, newname) &&
	    server_key(kind, ns, newname, key, sizeof(key)) == 0 &&
	    store_get(fs->store, key, &data, &len, &rv) == 0) {
		free(data);
		kfs_node_become_object(fs, ino, np->ino, kind, ns, newname);
		return;
	}
	notifier_inval_entry(fs->notifier, np->ino, newname);
}

/*
 * rename: a ghost (drop-box name) renamed anywhere is done already; a
 * scratch file renamed onto a name is written to that name (rsync, some
 * editors). Objects cannot be renamed: Kubernetes has no rename.
 */
static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct kfs *fs = kfs_req_fs(req);
	struct node *np = kfs_node_get(fs, newparent);
	struct ephemeral e;
	struct kfs_identity *id = NULL;
	struct kfs_write w = {0};
	struct kf_error err;
	const struct kind_info *kind = NULL;
	const char *ns = NULL;
	char *data = NULL;
	size_t len = 0;
	int r;

	if (flags & RENAME_EXCHANGE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (!np || eph_lookup(fs, parent, name, &e) < 0) {
		fuse_reply_err(req, np ? EPERM : ESTALE);
		return;
	}
	if (e.type == NODE_GHOST) {
		eph_remove(fs, parent, name, NULL, NULL);
		become_target(fs, e.ino, np, newname);
		fuse_reply_err(req, 0);
		return;
	}
	if (newname[0] == '.') {
		/* scratch to scratch: keep it a scratch file */
		eph_remove(fs, parent, name, &data, &len);
		r = eph_scratch_create(fs, newparent, newname, e.ino);
		if (r == 0)
			r = eph_scratch_store(fs, newparent, newname, data,
					      len);
		else
			free(data);
		fuse_reply_err(req, -r);
		return;
	}
	eph_remove(fs, parent, name, &data, &len);
	w.dir = newparent;
	w.entry = strdup(newname);
	if (np->type != NODE_ROOT && kfs_object_dir(np, &kind, &ns)) {
		w.kind = kind;
		w.ns = ns ? strdup(ns) : NULL;
	} else if (np->type == NODE_RESOURCE || np->type == NODE_NSDIR) {
		w.ns = np->ns ? strdup(np->ns) : NULL;
	}
	w.target = NODE_OBJECT;
	w.truncated = w.dirty = true;
	w.buf = data;
	w.len = len;
	kf_error_init(&err);
	r = kfs_caller(fs, req, &id);
	w.id = id;
	if (r == 0)
		r = kfs_write_commit(fs, &w, &err, NULL);
	kfs_identity_put(id);
	kfs_caches_sync(fs);
	watch_hub_poke(fs->hub);
	if (r < 0) {
		_cleanup_free_ char *dir = kfs_node_path(fs, np);
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s/%s", dir ? dir : "", newname) >= 0)
			log_error(fs, req, path, &err, r);
	}
	kfs_write_release(&w);
	if (r == 0)
		become_target(fs, e.ino, np, newname);
	else
		notifier_inval_entry(fs->notifier, newparent, newname);
	fuse_reply_err(req, -r);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct store_stats ss = {0};
	struct statvfs sv;

	(void)ino;
	store_stat(kfs_req_fs(req)->store, &ss);
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = sv.f_frsize = 4096;
	sv.f_blocks = ss.map_size / 4096;
	sv.f_bfree = sv.f_bavail = (ss.map_size - ss.used_bytes) / 4096;
	sv.f_files = ss.objects + 1000000;
	sv.f_ffree = sv.f_favail = 1000000;
	sv.f_namemax = 253; /* the longest object name */
	fuse_reply_statfs(req, &sv);
}

/* Links, symlinks and device nodes have no meaning in the tree: refused
 * by design (EPERM), like truncate(2) and rename of an object. */
static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	(void)link;
	(void)parent;
	(void)name;
	fuse_reply_err(req, EPERM);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)rdev;
	fuse_reply_err(req, EPERM);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, EPERM);
}

const struct fuse_lowlevel_ops kfs_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .access = op_access,
    .setattr = op_setattr,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .mkdir = op_mkdir,
    .rename = op_rename,
    .symlink = op_symlink,
    .mknod = op_mknod,
    .link = op_link,
    .statfs = op_statfs,
    .open = kfs_op_open,
    .create = kfs_op_create,
    .read = kfs_op_read,
    .write = kfs_op_write,
    .flush = kfs_op_flush,
    .release = kfs_op_release,
    .fsync = kfs_op_fsync,
    .poll = kfs_op_poll,
    .opendir = kfs_op_opendir,
    .readdir = kfs_op_readdir,
    .readdirplus = kfs_op_readdirplus,
    .releasedir = kfs_op_releasedir,
};
