/*
 * ops_dir.c — directory listings. opendir takes a snapshot of the names
 * (one store read); readdir/readdirplus page through it. readdirplus
 * hands the kernel each entry's attributes, so `ls -l` needs no lookup or
 * getattr per object.
 */
#include "fs/fs_i.h"
#include "fs/access.h"
#include "fs/audit_hook.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

struct dirent_snap {
	char *name;
	bool is_dir;
};

struct dir_handle {
	struct dirent_snap *ents;
	size_t n, cap;
	struct kfs *fs;
	struct dir_handle *prev, *next; /* kfs.open_dirs; kfs.lock */
};

static int dh_add(struct dir_handle *dh, const char *name, bool is_dir)
{
	if (dh->n == dh->cap) {
		size_t cap = dh->cap ? dh->cap * 2 : 64;
		struct dirent_snap *e = realloc(dh->ents, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		dh->ents = e;
		dh->cap = cap;
	}
	dh->ents[dh->n].name = strdup(name);
	if (!dh->ents[dh->n].name)
		return -ENOMEM;
	dh->ents[dh->n].is_dir = is_dir;
	dh->n++;
	return 0;
}

/* A handle on fs's list of open directories (freed at exit if the kernel
 * never releases it). */
static struct dir_handle *dh_new(struct kfs *fs)
{
	struct dir_handle *dh = calloc(1, sizeof(*dh));

	if (!dh)
		return NULL;
	dh->fs = fs;
	pthread_mutex_lock(&fs->lock);
	dh->next = fs->open_dirs;
	if (fs->open_dirs)
		fs->open_dirs->prev = dh;
	fs->open_dirs = dh;
	pthread_mutex_unlock(&fs->lock);
	return dh;
}

static void dh_free(struct dir_handle *dh)
{
	if (!dh)
		return;
	pthread_mutex_lock(&dh->fs->lock);
	if (dh->prev)
		dh->prev->next = dh->next;
	else
		dh->fs->open_dirs = dh->next;
	if (dh->next)
		dh->next->prev = dh->prev;
	pthread_mutex_unlock(&dh->fs->lock);
	for (size_t i = 0; i < dh->n; i++)
		free(dh->ents[i].name);
	free(dh->ents);
	free(dh);
}

void kfs_dirs_free_all(struct kfs *fs)
{
	while (fs->open_dirs)
		dh_free(fs->open_dirs);
}

static int add_name(void *ud, const char *ns, const char *name, uint64_t rv)
{
	(void)ns;
	(void)rv;
	return dh_add(ud, name, false);
}

static int add_ns(void *ud, const char *ns, const char *name, uint64_t rv)
{
	(void)ns;
	(void)rv;
	return dh_add(ud, name, true);
}

static int list_unique(struct dir_handle *dh, bool groups, const char *group)
{
	for (size_t i = 0; i < kinds_count(); i++) {
		const struct kind_info *k = kinds_at(i);
		const char *name;
		bool seen = false;

		if (groups) {
			name = k->path_group;
		} else {
			if (strcmp(k->path_group, group))
				continue;
			name = k->version;
		}
		for (size_t j = 2; j < dh->n; j++)
			if (!strcmp(dh->ents[j].name, name))
				seen = true;
		if (!seen && dh_add(dh, name, true) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int fill(struct kfs *fs, struct node *n, struct dir_handle *dh)
{
	const struct kind_info *nsk;
	int r;

	if ((r = dh_add(dh, ".", true)) < 0 || (r = dh_add(dh, "..", true)) < 0)
		return r;
	switch (n->type) {
	case NODE_ROOT:
		for (int i = 0; i < RF_COUNT; i++)
			if ((r = dh_add(dh, kfs_rootfile_name(i), false)) < 0)
				return r;
		return list_unique(dh, true, NULL);
	case NODE_GROUP:
		return list_unique(dh, false, n->group);
	case NODE_VERSION:
		for (size_t i = 0; i < kinds_count(); i++) {
			const struct kind_info *k = kinds_at(i);

			if (!strcmp(k->path_group, n->group) &&
			    !strcmp(k->version, n->version) &&
			    (r = dh_add(dh, k->resource, true)) < 0)
				return r;
		}
		return 0;
	case NODE_RESOURCE:
		if (n->kind->namespaced) {
			nsk = kinds_by_path("core", "v1", "namespaces");
			return server_list_names(fs->srv, nsk, NULL, add_ns, dh,
						 NULL);
		}
		return server_list_names(fs->srv, n->kind, NULL, add_name, dh,
					 NULL);
	case NODE_NSDIR:
		return server_list_names(fs->srv, n->kind, n->ns, add_name, dh,
					 NULL);
	default:
		return -ENOTDIR;
	}
}

static void audit_list(struct kfs *fs, fuse_req_t req, const struct node *n,
		       int r, const struct timespec *received)
{
	struct kfs_identity *id = NULL;

	if (fs->audit && kfs_caller(fs, req, &id) == 0 && id) {
		kfs_audit_node(fs, id, n, KV_LIST, NULL, r, received);
		kfs_identity_put(id);
	}
}

void kfs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct kfs *fs = kfs_req_fs(req);
	struct node *n = kfs_node_get(fs, ino);
	struct dir_handle *dh;
	struct timespec received;
	int r;

	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	kfs_audit_received(&received);
	/* a directory the caller may not list is not listable */
	r = kfs_authorize(fs, req, n, KV_LIST, NULL);
	if (r < 0) {
		audit_list(fs, req, n, r, &received);
		fuse_reply_err(req, -r);
		return;
	}
	dh = dh_new(fs);
	if (!dh) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r = fill(fs, n, dh);
	audit_list(fs, req, n, r, &received);
	if (r < 0) {
		dh_free(dh);
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = (uintptr_t)dh;
	fi->cache_readdir = 0;
	if (fuse_reply_open(req, fi) != 0)
		dh_free(dh);
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct kfs *fs = kfs_req_fs(req);
	struct dir_handle *dh = (struct dir_handle *)(uintptr_t)fi->fh;
	struct node *dir = kfs_node_get(fs, ino);
	_cleanup_free_ char *buf = malloc(size);
	size_t used = 0;

	if (!buf || !dir) {
		fuse_reply_err(req, buf ? ESTALE : ENOMEM);
		return;
	}
	for (size_t i = off; i < dh->n; i++) {
		struct dirent_snap *d = &dh->ents[i];
		struct stat st;
		size_t need;

		memset(&st, 0, sizeof(st));
		st.st_mode = d->is_dir ? S_IFDIR : S_IFREG;
		if (!plus) {
			need = fuse_add_direntry(req, buf + used, size - used,
						 d->name, &st, i + 1);
		} else if (i < 2) {
			/* "." and "..": no entry for the kernel to keep */
			struct fuse_entry_param e;

			memset(&e, 0, sizeof(e));
			e.attr.st_ino = ino;
			e.attr.st_mode = S_IFDIR;
			need = fuse_add_direntry_plus(
			    req, buf + used, size - used, d->name, &e, i + 1);
		} else {
			struct fuse_entry_param e;
			struct node *n = NULL;

			if (kfs_resolve(fs, dir, d->name, &n, &st) < 0)
				continue; /* gone since opendir */
			kfs_authz_stat(fs, req, n, &st);
			kfs_fill_entry(fs, n, &st, &e);
			need = fuse_add_direntry_plus(
			    req, buf + used, size - used, d->name, &e, i + 1);
			if (need <= size - used)
				kfs_node_add(fs, n); /* counts as a lookup */
			else
				kfs_node_free(n);
		}
		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
}

void kfs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

void kfs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

void kfs_op_releasedir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	dh_free((struct dir_handle *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}
