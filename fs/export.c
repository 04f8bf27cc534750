/*
 * export.c — FUSE export support: lookups of "." and ".." by node id and
 * the generations of inodes, see export.h.
 */
#include "fs/export.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

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

bool kfs_export_lookup(struct kfs *fs, fuse_req_t req, fuse_ino_t parent,
		       const char *name)
{
	struct node *p, *n, *ref;
	struct fuse_entry_param e;
	struct stat st;
	fuse_ino_t ino;
	int r;

	if (strcmp(name, ".") && strcmp(name, ".."))
		return false;
	p = kfs_node_get(fs, parent);
	ino = !p ? 0 : name[1] ? p->parent : p->ino;
	n = ino ? kfs_node_get(fs, ino) : NULL;
	if (!n) {
		/* a node this run does not hold: forgotten, or a handle
		 * from another run */
		fuse_reply_err(req, ESTALE);
		return true;
	}
	r = kfs_getattr(fs, n, &st);
	if (r < 0) {
		fuse_reply_err(req, r == -ENOENT ? ESTALE : -r);
		return true;
	}
	/* one more kernel reference to the node already in the table */
	ref = kfs_node_new(n->type, n->parent, n->name);
	if (!ref) {
		fuse_reply_err(req, ENOMEM);
		return true;
	}
	ref->ino = n->ino;
	n = kfs_node_add(fs, ref);
	kfs_fill_entry(fs, n, &st, &e);
	if (fuse_reply_entry(req, &e) != 0)
		kfs_node_forget(fs, n->ino, 1);
	return true;
}
