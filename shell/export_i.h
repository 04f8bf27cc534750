/*
 * export_i.h — shared between the `kubefs export` front end (export.c)
 * and each protocol's server setup (export_9p.c, export_nfs.c).
 */
#ifndef KUBEFS_SHELL_EXPORT_I_H
#define KUBEFS_SHELL_EXPORT_I_H

#include <limits.h>
#include <stdbool.h>

#include "shell/cli.h"

struct export_opts {
	const char *state;	/* --state */
	char mount[PATH_MAX];	/* the tree, absolute */
	char host[64];		/* listen address, numeric */
	int port;		/* listen port */
	bool read_only;		/* --read-only */
	const char *allow;	/* nfs --allow: client addresses */
	bool no_root_squash;	/* nfs --no-root-squash */
	char dir[PATH_MAX / 2]; /* STATE/export */
};

/* Daemon names under the state directory, and their programs. */
#define EXPORT_9P "export-9p"
#define EXPORT_9P_BIN "diod"
#define EXPORT_MUNGED "export-munged"
#define EXPORT_MUNGED_BIN "munged"
#define EXPORT_NFS "export-nfs"
#define EXPORT_NFS_BIN "ganesha.nfsd"

/*
 * Find a program in $PATH, /usr/sbin or /sbin; its absolute path into
 * ret (PATH_MAX bytes). 0, or -ENOENT with a line naming the Debian
 * packages (comma-separated) that install it.
 */
int export_find_prog(const char *name, const char *packages, char *ret);

/*
 * Wait up to 10 s until HOST:PORT accepts a TCP connection while daemon
 * NAME (program bin) keeps running. 0, or -ECONNREFUSED with its log's
 * tail printed and the daemon stopped.
 */
int export_wait_listen(const struct export_opts *o, const char *name,
		       const char *bin);

/* Record a one-line description of a running export for `status`. */
void export_note(const struct export_opts *o, const char *name,
		 const char *line);

/* Start the 9P server (diod) and, when needed, a private munged. */
int export_9p_start(const struct export_opts *o);

/* Start the NFS server (nfs-ganesha). */
int export_nfs_start(const struct export_opts *o);

#endif
