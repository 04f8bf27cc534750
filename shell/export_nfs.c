/*
 * export_nfs.c — the NFS export: nfs-ganesha serving the mount.
 */
#include <errno.h>
#include <stdio.h>

#include "shell/export_i.h"

int export_nfs_start(const struct export_opts *o)
{
	(void)o;
	fprintf(stderr, "error: the NFS export is not available yet\n");
	return -ENOSYS;
}
