/* resolve.c — what a name in the tree means, and its attributes. */
#include "fs/fs_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/validate.h"

static const char *const rootfile_names[RF_COUNT] = {
    [RF_README] = "README",	[RF_VERSION] = "version",
    [RF_HEALTHZ] = "healthz",	[RF_RESOURCES] = "resources",
    [RF_ERRORS] = "errors",	[RF_METRICS] = "metrics",
    [RF_SNAPSHOT] = "snapshot", [RF_WHOAMI] = "whoami",
};

const char *kfs_rootfile_name(enum rootfile rf)
{
	return rf < RF_COUNT ? rootfile_names[rf] : "can-i";
}

static bool group_served(const char *group)
{
	for (size_t i = 0; i < kinds_count(); i++)
		if (!strcmp(kinds_at(i)->path_group, group))
			return true;
	return false;
}

static bool version_served(const char *group, const char *version)
{
	for (size_t i = 0; i < kinds_count(); i++) {
		const struct kind_info *k = kinds_at(i);

		if (!strcmp(k->path_group, group) &&
		    !strcmp(k->version, version))
			return true;
	}
	return false;
}

bool kfs_object_dir(const struct node *dir, const struct kind_info **ret_kind,
		    const char **ret_ns)
{
	if (dir->type == NODE_NSDIR ||
	    (dir->type == NODE_RESOURCE && !dir->kind->namespaced)) {
		*ret_kind = dir->kind;
		*ret_ns = dir->type == NODE_NSDIR ? dir->ns : NULL;
		return true;
	}
	return false;
}

void kfs_owner(uid_t *ret_uid, gid_t *ret_gid)
{
	/* asked once: a stat of every file needs them */
	static uid_t uid = (uid_t)-1;
	static gid_t gid = (gid_t)-1;

	if (__atomic_load_n(&uid, __ATOMIC_RELAXED) == (uid_t)-1) {
		__atomic_store_n(&gid, getgid(), __ATOMIC_RELAXED);
		__atomic_store_n(&uid, getuid(), __ATOMIC_RELAXED);
	}
	*ret_uid = __atomic_load_n(&uid, __ATOMIC_RELAXED);
	*ret_gid = __atomic_load_n(&gid, __ATOMIC_RELAXED);
}

static void dir_stat(fuse_ino_t ino, time_t t, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	kfs_owner(&st->st_uid, &st->st_gid);
	st->st_mtime = st->st_ctime = st->st_atime = t;
	st->st_blksize = 4096;
}

static void file_stat(fuse_ino_t ino, mode_t mode, size_t size, time_t t,
		      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = S_IFREG | mode;
	st->st_nlink = 1;
	kfs_owner(&st->st_uid, &st->st_gid);
	st->st_size = size;
	st->st_blocks = (size + 511) / 512;
	st->st_mtime = st->st_ctime = st->st_atime = t;
	st->st_blksize = 4096;
}

static int object_key(const struct node *n, char *key)
{
	return server_key(n->kind, n->ns, n->objname, key, STORE_KEY_MAX + 1);
}

static int sub_size(struct kfs *fs, const struct node *n, const char *key,
		    size_t *ret_len, time_t *ret_mtime)
{
	switch (n->sub) {
	case SUB_JSON: {
		_cleanup_free_ char *d = NULL;

		return kfs_render(fs, key, RENDER_JSON, &d, ret_len, NULL,
				  ret_mtime);
	}
	case SUB_STATUS:
	case SUB_FINALIZE:
		return kfs_render_size(fs, key, ret_len, NULL, ret_mtime);
	case SUB_SCALE: {
		long replicas;
		char buf[32];
		int r = server_scale_get(fs->srv, n->kind, n->ns, n->objname,
					 NULL, &replicas);

		if (r < 0)
			return r;
		*ret_len = snprintf(buf, sizeof(buf), "%ld\n", replicas);
		return kfs_render_size(fs, key, &(size_t){0}, NULL, ret_mtime);
	}
	default: {
		size_t l;

		*ret_len = 0;
		return kfs_render_size(fs, key, &l, NULL, ret_mtime);
	}
	}
}

int kfs_getattr(struct kfs *fs, const struct node *n, struct stat *st)
{
	char key[STORE_KEY_MAX + 1];
	size_t len = 0;
	time_t mtime = fs->started;
	int r;

	switch (n->type) {
	case NODE_ROOT:
	case NODE_GROUP:
	case NODE_VERSION:
	case NODE_RESOURCE:
	case NODE_NSDIR:
		dir_stat(n->ino, fs->started, st);
		kfs_dir_time(fs, n, st);
		return 0;
	case NODE_ROOTFILE:
		/* metrics: sized by kfs_rootfile_stat; errors, whoami,
		 * can-i (per caller) and the snapshot stream: size 0
		 * (direct I/O reads them whole) */
		if (n->rootfile != RF_SNAPSHOT && n->rootfile != RF_ERRORS &&
		    n->rootfile != RF_METRICS && n->rootfile < RF_WHOAMI) {
			_cleanup_free_ char *t =
			    kfs_rootfile_text(fs, n->rootfile, 0, &len);
		}
		file_stat(n->ino, kfs_root_only(n) ? 0400 : 0444, len,
			  time(NULL), st);
		return 0;
	case NODE_OBJECT:
		r = object_key(n, key);
		if (r < 0)
			return r;
		r = kfs_render_size(fs, key, &len, NULL, &mtime);
		if (r < 0)
			return r;
		file_stat(n->ino, kfs_root_only(n) ? 0600 : 0644, len, mtime,
			  st);
		return 0;
	case NODE_SUB:
		r = object_key(n, key);
		if (r < 0)
			return r;
		r = sub_size(fs, n, key, &len, &mtime);
		if (r < 0)
			return r;
		file_stat(n->ino,
			  n->sub == SUB_BINDING || n->sub == SUB_EVICTION ||
				  n->sub == SUB_DELETE
			      ? 0200
			      : (kfs_root_only(n) ? 0600 : 0644),
			  len, mtime, st);
		return 0;
	case NODE_WATCH:
		file_stat(n->ino, kfs_root_only(n) ? 0400 : 0444, 0, time(NULL),
			  st);
		return 0;
	case NODE_GHOST:
	case NODE_SCRATCH: {
		struct ephemeral e;

		r = eph_lookup(fs, n->parent, n->name, &e);
		if (r < 0)
			return r;
		/* Ghosts are 0600 while objects are 0644: editors that test
		 * whether a new file can take the original's mode (vim's
		 * "4913" probe) then write in place instead of renaming. */
		file_stat(n->ino, 0600, e.type == NODE_SCRATCH ? e.len : 0,
			  e.mtime, st);
		return 0;
	}
	}
	return -ENOENT;
}

/* name is "OBJ" or "OBJ@sub[.container]" (POD@log[.C]?PARAMS) in an
 * object dir. */
static int resolve_object(struct kfs *fs, const struct node *parent,
			  const struct kind_info *kind, const char *ns,
			  const char *name, struct node **ret)
{
	_cleanup_free_ char *obj = strdup(name);
	char key[STORE_KEY_MAX + 1];
	const char *query = NULL;
	char *at;
	struct node *n;
	enum subres sub = SUB_JSON;
	bool is_sub = false;
	int r;

	if (!obj)
		return -ENOMEM;
	at = strchr(obj, '@');
	if (at) {
		char *s = at + 1, *q = strchr(s, '?');

		*at = '\0';
		if (q) { /* only POD@log takes parameters */
			*q++ = '\0';
			if ((strcmp(s, "log") && strncmp(s, "log.", 4)) ||
			    !(kind->subresources & KIND_SUB_LOG))
				return -ENOENT;
			query = q;
		}
		is_sub = true;
		if (!strcmp(s, "json"))
			sub = SUB_JSON;
		else if (!strcmp(s, "status") &&
			 (kind->subresources & KIND_SUB_STATUS))
			sub = SUB_STATUS;
		else if (!strcmp(s, "scale") &&
			 (kind->subresources & KIND_SUB_SCALE))
			sub = SUB_SCALE;
		else if (!strcmp(s, "binding") &&
			 (kind->subresources & KIND_SUB_BINDING))
			sub = SUB_BINDING;
		else if (!strcmp(s, "eviction") &&
			 (kind->subresources & KIND_SUB_EVICTION))
			sub = SUB_EVICTION;
		else if (!strcmp(s, "finalize") &&
			 (kind->subresources & KIND_SUB_FINALIZE))
			sub = SUB_FINALIZE;
		else if (!strcmp(s, "delete"))
			sub = SUB_DELETE;
		else if ((!strcmp(s, "log") || !strncmp(s, "log.", 4)) &&
			 (kind->subresources & KIND_SUB_LOG))
			sub = SUB_LOG;
		else
			return -ENOENT;
	}
	if (!name_valid(kind->name_rule, obj))
		return -ENOENT;
	r = server_key(kind, ns, obj, key, sizeof(key));
	if (r < 0)
		return -ENOENT;
	{
		size_t len;

		r = kfs_render_size(fs, key, &len, NULL, NULL);
		if (r < 0)
			return r;
	}
	n = kfs_node_new(is_sub ? NODE_SUB : NODE_OBJECT, parent->ino, name);
	if (!n)
		return -ENOMEM;
	n->kind = kind;
	n->ns = ns ? strdup(ns) : NULL;
	n->objname = strdup(obj);
	n->sub = sub;
	n->query = query ? strdup(query) : NULL;
	if (is_sub) {
		_cleanup_free_ char *path = kfs_node_path(fs, parent);
		_cleanup_free_ char *full = NULL;

		if (asprintf(&full, "%s/%s", path ? path : "", name) < 0)
			full = NULL;
		n->ino = kfs_path_ino(full ? full : name);
	} else {
		n->ino = kfs_object_ino(fs, key);
	}
	*ret = n;
	return 0;
}

static struct node *dir_node(struct kfs *fs, const struct node *parent,
			     enum node_type type, const char *name)
{
	_cleanup_free_ char *path = kfs_node_path(fs, parent);
	_cleanup_free_ char *full = NULL;
	struct node *n = kfs_node_new(type, parent->ino, name);

	if (!n)
		return NULL;
	if (asprintf(&full, "%s%s%s", path ? path : "",
		     path && *path ? "/" : "", name) < 0) {
		kfs_node_free(n);
		return NULL;
	}
	n->ino = kfs_path_ino(full);
	return n;
}

static int resolve_watch(struct kfs *fs, const struct node *parent,
			 const char *name, struct node **ret)
{
	const struct kind_info *kind = parent->kind;
	struct node *n;

	if (strncmp(name, "@watch", 6) || (name[6] && name[6] != '?'))
		return -ENOENT;
	if (parent->type != NODE_RESOURCE && parent->type != NODE_NSDIR)
		return -ENOENT;
	n = dir_node(fs, parent, NODE_WATCH, name);
	if (!n)
		return -ENOMEM;
	n->kind = kind;
	n->ns = parent->type == NODE_NSDIR ? strdup(parent->ns) : NULL;
	n->query = strdup(name[6] ? name + 7 : "");
	*ret = n;
	return 0;
}

static int resolve_ephemeral(struct kfs *fs, const struct node *parent,
			     const char *name, struct node **ret)
{
	struct ephemeral e;
	struct node *n;

	if (eph_lookup(fs, parent->ino, name, &e) < 0)
		return -ENOENT;
	n = kfs_node_new(e.type, parent->ino, name);
	if (!n)
		return -ENOMEM;
	n->ino = e.ino;
	*ret = n;
	return 0;
}

int kfs_resolve(struct kfs *fs, const struct node *parent, const char *name,
		struct node **ret, struct stat *ret_st)
{
	struct node *n = NULL;
	const struct kind_info *kind;
	const char *ns;
	int r = -ENOENT;

	if (strlen(name) > 1024)
		return -ENAMETOOLONG;
	if (resolve_ephemeral(fs, parent, name, &n) == 0)
		goto found;

	switch (parent->type) {
	case NODE_ROOT:
		for (int i = 0; i < RF_COUNT; i++)
			if (!strcmp(name, rootfile_names[i])) {
				n = dir_node(fs, parent, NODE_ROOTFILE, name);
				if (!n)
					return -ENOMEM;
				n->rootfile = i;
				goto found;
			}
		if (!strncmp(name, "can-i?", 6)) {
			/* a question for the authorizer (fs/access.h) */
			n = dir_node(fs, parent, NODE_ROOTFILE, name);
			if (!n)
				return -ENOMEM;
			n->rootfile = RF_CANI;
			n->query = strdup(name + 6);
			if (!n->query) {
				kfs_node_free(n);
				return -ENOMEM;
			}
			goto found;
		}
		if (group_served(name)) {
			n = dir_node(fs, parent, NODE_GROUP, name);
			if (!n)
				return -ENOMEM;
			n->group = strdup(name);
			goto found;
		}
		return -ENOENT;
	case NODE_GROUP:
		if (!version_served(parent->group, name))
			return -ENOENT;
		n = dir_node(fs, parent, NODE_VERSION, name);
		if (!n)
			return -ENOMEM;
		n->group = strdup(parent->group);
		n->version = strdup(name);
		goto found;
	case NODE_VERSION:
		kind = kinds_by_path(parent->group, parent->version, name);
		if (!kind)
			return -ENOENT;
		n = dir_node(fs, parent, NODE_RESOURCE, name);
		if (!n)
			return -ENOMEM;
		n->kind = kind;
		goto found;
	case NODE_RESOURCE:
		if (name[0] == '@') {
			r = resolve_watch(fs, parent, name, &n);
			if (r < 0)
				return r;
			goto found;
		}
		if (parent->kind->namespaced) {
			if (!server_namespace_exists(fs->srv, name))
				return -ENOENT;
			n = dir_node(fs, parent, NODE_NSDIR, name);
			if (!n)
				return -ENOMEM;
			n->kind = parent->kind;
			n->ns = strdup(name);
			goto found;
		}
		/* cluster-scoped objects live here */
		__attribute__((fallthrough));
	case NODE_NSDIR:
		if (name[0] == '@') {
			r = resolve_watch(fs, parent, name, &n);
			if (r < 0)
				return r;
			goto found;
		}
		if (!kfs_object_dir(parent, &kind, &ns))
			return -ENOENT;
		r = resolve_object(fs, parent, kind, ns, name, &n);
		if (r < 0)
			return r;
		goto found;
	default:
		return -ENOTDIR;
	}

found:
	r = kfs_getattr(fs, n, ret_st);
	if (r < 0) {
		kfs_node_free(n);
		return r;
	}
	*ret = n;
	return 0;
}
