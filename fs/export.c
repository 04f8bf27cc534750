/*
 * export.c — FUSE export support: lookups of "." and ".." by node id and
 * the generations of inodes, see export.h.
 */
#include "fs/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api/cleanup.h"

/* Object inode numbers have the top bit set (node.c). */
#define COUNTED_INO(ino) (((uint64_t)(ino) >> 63) != 0)

static uint32_t run_generation = 2;

void kfs_export_init(struct fuse_conn_info *conn)
{
	uint32_t g = 0;

	/* never 0 or 1: those could meet the stable generation */
	if (getrandom(&g, sizeof(g), 0) == sizeof(g) && g > 1)
		run_generation = g;
	if (conn->capable & FUSE_CAP_EXPORT_SUPPORT)
		conn->want |= FUSE_CAP_EXPORT_SUPPORT;
}

uint64_t kfs_export_generation(const struct node *n)
{
	return COUNTED_INO(n->ino) ? run_generation : 1;
}

/* The tree path of the object numbered ino in this run, from its store
 * key "path_group/resource/namespace/name" (namespace empty if none). */
static char *object_path(struct kfs *fs, fuse_ino_t ino)
{
	json_int_t want = (json_int_t)(ino & ~(1ull << 63));
	char *key = NULL, *path = NULL, *part[4], *save = NULL;
	const char *k;
	json_t *v;

	pthread_mutex_lock(&fs->lock);
	json_object_foreach (fs->inos, k, v) {
		if (json_integer_value(v) == want) {
			key = strdup(k);
			break;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	if (!key)
		return NULL;
	part[0] = strtok_r(key, "/", &save);
	part[1] = strtok_r(NULL, "/", &save);
	part[2] = strtok_r(NULL, "/", &save);
	part[3] = strtok_r(NULL, "/", &save);
	if (!part[3]) { /* cluster-scoped: no namespace part */
		part[3] = part[2];
		part[2] = NULL;
	}
	for (size_t i = 0; part[1] && part[3] && i < kinds_count(); i++) {
		const struct kind_info *kd = kinds_at(i);

		if (strcmp(kd->path_group, part[0]) ||
		    strcmp(kd->resource, part[1]))
			continue;
		if (asprintf(&path, "%s/%s/%s%s%s/%s", part[0], kd->version,
			     part[1], part[2] ? "/" : "",
			     part[2] ? part[2] : "", part[3]) < 0)
			path = NULL;
		break;
	}
	free(key);
	return path;
}

struct dir_search {
	fuse_ino_t ino;
	const struct kind_info *kind; /* the namespaced kind searched */
	char *found;
};

static bool try_path(struct dir_search *ds, const char *path)
{
	if (!ds->found && kfs_path_ino(path) == ds->ino)
		ds->found = strdup(path);
	return ds->found != NULL;
}

/* store_list callback over Namespaces: that namespace's directory. */
static int try_namespace(void *ud, const char *key, size_t key_len,
			 const char *data, size_t len, uint64_t rv)
{
	struct dir_search *ds = ud;
	const char *ns = strrchr(key, '/');
	char path[2 * STORE_KEY_MAX];

	(void)key_len, (void)data, (void)len, (void)rv;
	snprintf(path, sizeof(path), "%s/%s/%s/%s", ds->kind->path_group,
		 ds->kind->version, ds->kind->resource, ns ? ns + 1 : key);
	return try_path(ds, path) ? 1 : 0;
}

/* The directory whose path hashes to ino: a group, a version, a
 * resource or a namespace directory. */
static char *dir_path(struct kfs *fs, fuse_ino_t ino)
{
	struct dir_search ds = {.ino = ino};
	char path[2 * STORE_KEY_MAX];

	for (size_t i = 0; i < kinds_count() && !ds.found; i++) {
		const struct kind_info *k = kinds_at(i);

		snprintf(path, sizeof(path), "%s", k->path_group);
		try_path(&ds, path);
		snprintf(path, sizeof(path), "%s/%s", k->path_group,
			 k->version);
		try_path(&ds, path);
		snprintf(path, sizeof(path), "%s/%s/%s", k->path_group,
			 k->version, k->resource);
		try_path(&ds, path);
		if (k->namespaced && !ds.found) {
			ds.kind = k;
			store_list(fs->store, "core/namespaces//",
				   try_namespace, &ds, NULL);
		}
	}
	return ds.found;
}

/*
 * Look path up from the root as the kernel would, leaving the
 * directories on the way in the node table (they are few, and a node's
 * parent must be there). Returns the last node, not yet in the table.
 */
static struct node *walk(struct kfs *fs, char *path, struct stat *ret_st)
{
	struct node *cur = kfs_node_get(fs, FUSE_ROOT_ID), *n = NULL, *have;
	char *save = NULL;

	for (char *c = strtok_r(path, "/", &save); c && cur;
	     c = strtok_r(NULL, "/", &save)) {
		if (n) {
			have = kfs_node_get(fs, n->ino);
			if (have)
				kfs_node_free(n);
			cur = have ? have : kfs_node_add(fs, n);
			n = NULL;
		}
		if (kfs_resolve(fs, cur, c, &n, ret_st) < 0)
			return NULL;
	}
	return n;
}

/* A node this run does not hold, found again by its inode number. */
static struct node *find_again(struct kfs *fs, fuse_ino_t ino,
			       struct stat *ret_st)
{
	_cleanup_free_ char *path =
	    COUNTED_INO(ino) ? object_path(fs, ino) : dir_path(fs, ino);
	struct node *n = path ? walk(fs, path, ret_st) : NULL;

	if (n && n->ino != ino) {
		kfs_node_free(n);
		n = NULL;
	}
	return n;
}

/* A new reference to a node in the table, with fresh attributes. */
static struct node *again(struct kfs *fs, const struct node *known,
			  struct stat *ret_st)
{
	struct node *n;

	if (kfs_getattr(fs, known, ret_st) < 0)
		return NULL;
	n = kfs_node_new(known->type, known->parent, known->name);
	if (n)
		n->ino = known->ino;
	return n;
}

bool kfs_export_lookup(struct kfs *fs, fuse_req_t req, fuse_ino_t parent,
		       const char *name)
{
	struct node *known, *n = NULL;
	struct fuse_entry_param e;
	struct stat st;
	fuse_ino_t ino = parent;

	if (strcmp(name, ".") && strcmp(name, ".."))
		return false;
	if (name[1]) {
		/* "..": the parent of a node this run holds */
		known = kfs_node_get(fs, parent);
		ino = known ? known->parent : 0;
	}
	known = ino ? kfs_node_get(fs, ino) : NULL;
	if (known)
		n = again(fs, known, &st);
	else if (ino)
		n = find_again(fs, ino, &st);
	if (!n) {
		/* gone, or a handle from another run */
		fuse_reply_err(req, ESTALE);
		return true;
	}
	n = kfs_node_add(fs, n);
	kfs_fill_entry(fs, n, &st, &e);
	if (fuse_reply_entry(req, &e) != 0)
		kfs_node_forget(fs, n->ino, 1);
	return true;
}
