/*
 * export_nfs.c — the NFS export: nfs-ganesha with its VFS FSAL serving
 * the FUSE mount (which answers file handles: kubefs-fs has FUSE export
 * support, see fs/export.c).
 *
 * NFSv4 always; NFSv3 too when rpcbind answers on this machine (ganesha
 * must register v3 and MOUNT with it, and refuses to start otherwise;
 * v4 needs no registration). Clients are restricted by address (--allow,
 * loopback by default), root is squashed to nobody unless
 * --no-root-squash, and --read-only exports read-only. Every other caller
 * keeps its uid (AUTH_SYS): NFS trusts the client machine to tell it.
 * ganesha makes most calls as root and judges its callers by the mode
 * bits: it runs as a file server (fs/authz.h), shown only what any
 * authenticated user may do as the others' bits, so that RBAC grants to
 * one user or group never cross NFS (fail closed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shell/daemon.h"
#include "shell/export_i.h"

static bool rpcbind_answers(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(111),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return false;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

/* ganesha's configuration strings are quoted; refuse what would break */
static bool conf_safe(const char *s)
{
	return !strpbrk(s, "\"\\\n;{}");
}

static int write_conf(const struct export_opts *o, const char *path,
		      const char *dir, bool v3)
{
	const char *allow = o->allow ? o->allow : "127.0.0.1, ::1";
	FILE *f;

	if (!conf_safe(o->mount) || !conf_safe(allow) || !conf_safe(dir))
		return -EINVAL;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"# written by kubefs export nfs\n"
		"NFS_CORE_PARAM {\n"
		"\tProtocols = %s;\n"
		"\tBind_addr = %s;\n"
		"\tNFS_Port = %d;\n"
		"\tEnable_UDP = false;\n"
		"\tEnable_NLM = false;\n"
		"\tEnable_RQUOTA = false;\n"
		"}\n"
		"NFSV4 {\n"
		"\tGraceless = true;\n"
		"\tRecoveryBackend = fs;\n"
		"\tRecoveryRoot = \"%s/recovery\";\n"
		/* uids cross as numbers: kubefs-fs tells users apart by uid */
		"\tOnly_Numeric_Owners = true;\n"
		"}\n"
		/* objects change behind ganesha's back: cache nothing */
		"MDCACHE {\n\tDir_Chunk = 0;\n}\n"
		"EXPORT_DEFAULTS {\n\tAttr_Expiration_Time = 0;\n}\n"
		"EXPORT {\n"
		"\tExport_Id = 1;\n"
		"\tPath = \"%s\";\n"
		"\tPseudo = \"%s\";\n"
		"\tProtocols = %s;\n"
		"\tTransports = TCP;\n"
		"\tSecType = sys;\n"
		"\tSquash = %s;\n"
		"\tAccess_Type = None;\n"
		"\tFSAL { Name = VFS; }\n"
		"\tCLIENT {\n"
		"\t\tClients = %s;\n"
		"\t\tAccess_Type = %s;\n"
		"\t}\n"
		"}\n"
		"LOG { Default_Log_Level = EVENT; }\n",
		v3 ? "3, 4" : "4", o->host, o->port, dir, o->mount, o->mount,
		v3 ? "3, 4" : "4",
		o->no_root_squash ? "No_Root_Squash" : "Root_Squash", allow,
		o->read_only ? "RO" : "RW");
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

/* In ganesha's child, before exec: kubefs-fs shows a file server what
 * any user may do as the others' bits (fs/authz.h, "File servers"), so
 * that ganesha, which reads and writes existing files as root, refuses
 * its callers what RBAC grants them alone. */
static int as_file_server(void *arg)
{
	(void)arg;
	return setenv("KUBEFS_FILE_SERVER", "1", 1) < 0 ? -errno : 0;
}

int export_nfs_start(const struct export_opts *o)
{
	char ganesha[PATH_MAX], dir[PATH_MAX / 2 + 16], conf[PATH_MAX],
	    rec[PATH_MAX], log[PATH_MAX], pidf[PATH_MAX], note[2 * PATH_MAX];
	bool v3 = rpcbind_answers();
	char *argv[] = {ganesha, "-F", "-f", conf, "-L", log, "-p", pidf, NULL};
	int r;

	if (export_find_prog(EXPORT_NFS_BIN, "nfs-ganesha, nfs-ganesha-vfs",
			     ganesha) < 0)
		return -ENOENT;
	if (access("/etc/mtab", R_OK) < 0) {
		/* without it ganesha finds no filesystem to export, starts
		 * anyway, and answers NFS4ERR_NOENT for the export */
		fprintf(stderr,
			"error: nfs-ganesha needs /etc/mtab to find the mount: "
			"link it to the kernel's list (ln -s "
			"../proc/self/mounts /etc/mtab)\n");
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s/nfs", o->dir);
	snprintf(rec, sizeof(rec), "%s/recovery", dir);
	snprintf(conf, sizeof(conf), "%s/ganesha.conf", dir);
	snprintf(pidf, sizeof(pidf), "%s/ganesha.pid", dir);
	daemon_path(log, sizeof(log), o->state, "log", EXPORT_NFS, ".log");
	if ((mkdir(dir, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(rec, 0700) < 0 && errno != EEXIST)) {
		fprintf(stderr, "error: cannot create %s: %s\n", rec,
			strerror(errno));
		return -errno;
	}
	r = write_conf(o, conf, dir, v3);
	if (r < 0) {
		fprintf(stderr, "error: %s: %s\n", conf,
			r == -EINVAL ? "a path or --allow holds a quote, "
				       "backslash, ';', '{' or '}'"
				     : strerror(-r));
		return r;
	}
	r = daemon_spawn(o->state, EXPORT_NFS, argv, as_file_server, NULL);
	if (r < 0) {
		fprintf(stderr, "error: cannot start ganesha.nfsd: %s\n",
			strerror(-r));
		return r;
	}
	r = export_wait_listen(o, EXPORT_NFS, EXPORT_NFS_BIN);
	if (r < 0)
		return r;
	snprintf(note, sizeof(note),
		 "NFSv%s on %s:%d, path %s, %s, clients %s, %s",
		 v3 ? "3+4" : "4", o->host, o->port, o->mount,
		 o->read_only ? "read-only" : "read-write",
		 o->allow ? o->allow : "loopback",
		 o->no_root_squash ? "no root squash" : "root squashed");
	export_note(o, EXPORT_NFS, note);
	return 0;
}
