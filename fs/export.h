/*
 * export.h — what a file server re-exporting the mount needs from
 * kubefs-fs (FUSE export support, libfuse's FUSE_CAP_EXPORT_SUPPORT).
 *
 * An NFS server on top of a FUSE mount (nfs-ganesha's VFS FSAL) keeps
 * kernel file handles: the FUSE node id and its generation. When the
 * kernel no longer holds the inode, it asks the server to look up "."
 * (the node itself) or ".." (its parent) by node id, and compares
 * generations. The pair must never name two different things:
 *
 * - directories, root files, subresources and watch names have inode
 *   numbers hashed from their path, the same in every server run: they
 *   keep generation 1, so their handles survive a restart;
 * - objects and ephemeral files are numbered by a counter that starts
 *   again in every run: their generation is a random number drawn when
 *   the server starts, so a handle from another run fails with ESTALE
 *   instead of reaching another object.
 *
 * A node the table no longer holds (the kernel forgot it, or this run
 * never saw it) is found again from its number: an object through the
 * object numbers of this run, a directory by hashing the paths of the
 * groups, versions, resources and namespace directories. Anything else
 * is ESTALE.
 */
#ifndef KUBEFS_FS_EXPORT_H
#define KUBEFS_FS_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/fs_i.h"

/* At FUSE init: draw this run's generation, ask for export support. */
void kfs_export_init(struct fuse_conn_info *conn);

/* The generation of node n's inode, see above. */
uint64_t kfs_export_generation(const struct node *n);

/*
 * Answer a lookup of "." or ".." in parent, the kernel's way of finding
 * a node by handle. Returns true when it replied (the name was one of
 * those), false for every other name.
 */
bool kfs_export_lookup(struct kfs *fs, fuse_req_t req, fuse_ino_t parent,
		       const char *name);

#endif
