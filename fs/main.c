/*
 * kubefs-fs — the API server: mounts the cluster as a filesystem.
 *
 *   kubefs-fs [--store DIR] [--foreground] [--log FILE] MOUNTPOINT
 *
 * Without --foreground it returns once the tree is mounted and serving
 * (exit 0) or failed (exit 1, reason on stderr), and keeps running in the
 * background. SIGTERM/SIGINT unmount cleanly. A mountpoint left behind by
 * a crashed server ("Transport endpoint is not connected") is detached and
 * reused.
 */
#include "fs/fs_i.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <mntent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apiserver/watch.h"
#include "fs/authz.h"
#include "api/cleanup.h"
#include "api/flags.h"
#include "apiserver/audit.h"
#include "apiserver/encryption.h"
#include "api/klog.h"
#include "api/version.h"

struct options {
	const char *store_dir;
	const char *mountpoint;
	const char *log_file;
	bool foreground;
	double attr_timeout;
	size_t map_size_max;
	const char *authorization_mode;
	const char *admin_group;
	const char *encryption_config;
	const char *audit_log;
	const char *audit_policy;
	long long audit_maxsize, audit_maxbackup;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kubefs-fs [--store DIR] [--foreground] [--log FILE] "
		"MOUNTPOINT\n"
		"\n"
		"Serve a kubefs cluster as a filesystem at MOUNTPOINT.\n"
		"\n"
		"  --store DIR         LMDB store directory "
		"(default /var/lib/kubefs/store)\n"
		"  --foreground, -f    stay in the foreground\n"
		"  --log FILE          append diagnostics to FILE\n"
		"  --attr-timeout SEC  kernel attribute cache (default 1)\n"
		"  --store-max-mb MB   largest the store may grow (default "
		"8192)\n"
		"  --authorization-mode MODE  RBAC (default) or AlwaysAllow\n"
		"  --admin-group GROUP  its members are system:masters "
		"(default kubefs-admins, if it exists)\n"
		"  --encryption-provider-config FILE  encrypt resources at "
		"rest as FILE (an\n"
		"                      EncryptionConfiguration) says\n"
		"  --audit-policy-file FILE  audit requests as the Policy in "
		"FILE says\n"
		"  --audit-log-path FILE  ... into FILE (\"-\": standard "
		"output)\n"
		"  --audit-log-maxsize MB  rotate the audit log at MB "
		"(default 0: never)\n"
		"  --audit-log-maxbackup N  keep N rotated audit logs "
		"(default 0: all)\n");
}

static int parse(int argc, char **argv, struct options *o)
{
	bool help = false, version = false;
	long long store_mb = 0;
	const struct flag flags[] = {
	    {"store", 0, FLAG_STRING, &o->store_dir, "", ""},
	    {"foreground", 'f', FLAG_BOOL, &o->foreground, "false", ""},
	    {"log", 0, FLAG_STRING, &o->log_file, "", ""},
	    {"attr-timeout", 0, FLAG_DOUBLE, &o->attr_timeout, "1", ""},
	    {"store-max-mb", 0, FLAG_INT, &store_mb, "8192", ""},
	    {"authorization-mode", 0, FLAG_STRING, &o->authorization_mode,
	     "RBAC", ""},
	    {"admin-group", 0, FLAG_STRING, &o->admin_group, "", ""},
	    {"encryption-provider-config", 0, FLAG_STRING,
	     &o->encryption_config, "", ""},
	    {"audit-log-path", 0, FLAG_STRING, &o->audit_log, "", ""},
	    {"audit-policy-file", 0, FLAG_STRING, &o->audit_policy, "", ""},
	    {"audit-log-maxsize", 0, FLAG_INT, &o->audit_maxsize, "0", ""},
	    {"audit-log-maxbackup", 0, FLAG_INT, &o->audit_maxbackup, "0", ""},
	    {"help", 'h', FLAG_BOOL, &help, "false", ""},
	    {"version", 0, FLAG_BOOL, &version, "false", ""},
	    {NULL},
	};
	struct kf_error err;
	int r, nargs;

	o->store_dir = "/var/lib/kubefs/store";
	o->attr_timeout = 1.0;
	o->authorization_mode = "RBAC";
	kf_error_init(&err);
	r = flags_parse_argv(flags, argc, argv, &err, &nargs);
	if (r < 0) {
		fprintf(stderr, "kubefs-fs: %s\n", err.msg);
		usage(stderr);
		return -1;
	}
	if (help) {
		usage(stdout);
		exit(0);
	}
	if (version) {
		printf("kubefs-fs " KUBEFS_VERSION "\n");
		exit(0);
	}
	if (nargs != 2) {
		usage(stderr);
		return -1;
	}
	if (strcmp(o->authorization_mode, "RBAC") &&
	    strcmp(o->authorization_mode, "AlwaysAllow")) {
		fprintf(
		    stderr,
		    "kubefs-fs: --authorization-mode: unknown authorization "
		    "mode %s: RBAC or AlwaysAllow\n",
		    o->authorization_mode);
		return -1;
	}
	if (o->audit_maxsize < 0 || o->audit_maxsize > 1 << 20 ||
	    o->audit_maxbackup < 0 || o->audit_maxbackup > 1 << 20) {
		fprintf(stderr, "kubefs-fs: --audit-log-maxsize and "
				"--audit-log-maxbackup must be >= 0\n");
		return -1;
	}
	o->map_size_max = store_mb > 0 ? (size_t)store_mb << 20 : 0;
	o->mountpoint = argv[1];
	return 0;
}

/*
 * A kubefs-fs mount at mp: 1 when its server answers, 0 when it is dead
 * (the kernel may answer stat from its cache for a moment after a crash,
 * so the server is asked), -1 when there is none.
 */
static int kubefs_mount_state(const char *mp)
{
	char real[PATH_MAX], health[PATH_MAX + 16];
	struct mntent *m;
	bool found = false;
	FILE *f;
	int fd;

	if (!realpath(mp, real))
		return -1;
	f = setmntent("/proc/self/mounts", "r");
	if (!f)
		return -1;
	while (!found && (m = getmntent(f)))
		found = !strcmp(m->mnt_dir, real) &&
			!strcmp(m->mnt_type, "fuse.kubefs");
	endmntent(f);
	if (!found)
		return -1;
	snprintf(health, sizeof(health), "%s/healthz", real);
	fd = open(health, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTCONN || errno == ECONNABORTED ? 0 : 1;
	close(fd);
	return 1;
}

static int detach_stale(const char *mp)
{
	klog_info("%s: stale mount of a dead server, detaching", mp);
	if (umount2(mp, MNT_DETACH) < 0) {
		klog_info("%s: cannot detach: %s", mp, strerror(errno));
		return -1;
	}
	return 0;
}

/* Detach a mount left by a dead server; refuse a live one. */
static int prepare_mountpoint(const char *mp)
{
	struct stat st;

	if (stat(mp, &st) < 0) {
		if (errno == ENOTCONN || errno == ECONNABORTED)
			return detach_stale(mp);
		if (errno == ENOENT && mkdir(mp, 0755) == 0)
			return 0;
		klog_info("%s: %s", mp, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		klog_info("%s: not a directory", mp);
		return -1;
	}
	switch (kubefs_mount_state(mp)) {
	case 1:
		klog_info(
		    "%s: a live kubefs-fs is mounted here; not replacing it",
		    mp);
		return -1;
	case 0:
		return detach_stale(mp);
	}
	return 0;
}

/*
 * Background: fork before any thread exists; the parent waits on a pipe
 * for the child's verdict so that `kubefs-fs DIR && ls DIR` works.
 */
static int daemonize(int *ret_fd)
{
	int p[2];
	pid_t pid;
	char c = 1;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			c = 1;
		_exit(c);
	}
	close(p[0]);
	setsid();
	*ret_fd = p[1];
	return 0;
}

static void report(int fd, int status)
{
	char c = (char)status;

	if (fd < 0)
		return;
	if (write(fd, &c, 1) != 1) {
		/* parent gone: nothing to tell */
	}
	close(fd);
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static int redirect_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "kubefs-fs: %s: %s\n", path, strerror(errno));
		return -1;
	}
	dup2(fd, 2);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct kfs fs = {0};
	struct store_config sc = {0};
	struct server_config srvc = {0};
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_loop_config *lc = NULL;
	struct kf_error err;
	struct encryption *enc = NULL;
	int ready_fd = -1, r, status = 1;
	bool sweeping = false;
	_cleanup_free_ char *mount_abs = NULL;

	klog_init("kubefs-fs");
	if (parse(argc, argv, &o) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	/* Up to 64 request threads each handling 1.5 MiB writes: a few
	 * shared malloc arenas keep the resident size bounded and small. */
	mallopt(M_ARENA_MAX, 4);
	/* Every commit allocates and frees 3 MiB in LMDB (a nested
	 * transaction's page lists): served from the arenas, not by an
	 * mmap and a munmap each time (a TLB shootdown across all the
	 * request threads). Write buffers (<= 1.5 MiB) are reused the same
	 * way; past 16 MiB of free memory at an arena's top it goes back. */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
	if (o.log_file && o.foreground && redirect_log(o.log_file) < 0)
		return 1;
	if (o.encryption_config && *o.encryption_config) {
		kf_error_init(&err);
		if (encryption_load(o.encryption_config, &err, &enc) < 0) {
			fprintf(stderr, "kubefs-fs: %s\n", err.msg);
			return 1;
		}
	}
	/* as kube-apiserver: no policy file, no audit log */
	if (o.audit_policy && *o.audit_policy && o.audit_log && *o.audit_log) {
		struct audit_config ac = {
		    .log_path = o.audit_log,
		    .max_size_mb = (unsigned)o.audit_maxsize,
		    .max_backups = (unsigned)o.audit_maxbackup,
		};

		kf_error_init(&err);
		if (audit_load(o.audit_policy, &ac, &err, &fs.audit) < 0) {
			fprintf(stderr, "kubefs-fs: %s\n", err.msg);
			goto out_enc;
		}
	}
	if (prepare_mountpoint(o.mountpoint) < 0)
		goto out_enc;
	if (!o.foreground && daemonize(&ready_fd) < 0) {
		perror("kubefs-fs: fork");
		goto out_enc;
	}

	sc.path = o.store_dir;
	sc.map_size_max = o.map_size_max;
	sc.transformer = enc ? encryption_transformer(enc) : NULL;
	r = store_open(&sc, &fs.store);
	if (r < 0) {
		klog_info("cannot open store %s: %s", o.store_dir,
			  strerror(-r));
		goto out;
	}
	/* a key missing from the configuration is found now, not at a
	 * read: every stored value must decrypt */
	kf_error_init(&err);
	if (enc && encryption_check_store(enc, fs.store, &err) < 0) {
		klog_info("%s", err.msg);
		goto out_store;
	}
	srvc.store = fs.store;
	r = server_new(&srvc, &fs.srv);
	if (r < 0) {
		klog_info("cannot start the API server: %s", strerror(-r));
		goto out_store;
	}
	kf_error_init(&err);
	r = server_rbac_bootstrap(fs.srv, &err);
	if (r < 0) {
		klog_info("cannot create the bootstrap RBAC objects: %s",
			  err.msg[0] ? err.msg : strerror(-r));
		goto out_server;
	}
	if (!strcmp(o.authorization_mode, "RBAC")) {
		struct authz_config ac = {
		    .store = fs.store,
		    .admin_group =
			o.admin_group && *o.admin_group ? o.admin_group : NULL,
		};

		r = authz_new(&ac, &fs.authz);
		if (r < 0) {
			klog_info("cannot start authorization: %s",
				  r == -EINVAL ? "no such --admin-group"
					       : strerror(-r));
			goto out_server;
		}
	}
	r = watch_hub_new(fs.store, 50, &fs.hub);
	if (r < 0) {
		klog_info("cannot start the watch hub: %s", strerror(-r));
		goto out_server;
	}
	/* absolute: flushes compare it with /proc/PID/fd links */
	mount_abs = realpath(o.mountpoint, NULL);
	fs.mountpoint = mount_abs ? mount_abs : o.mountpoint;
	fs.attr_timeout = o.attr_timeout;
	fs.started = time(NULL);
	fs.render = render_cache_new(64u << 20);
	fs.errlog = errlog_new();
	pthread_mutex_init(&fs.eph_lock, NULL);
	kfs_watch_reads_init(&fs);
	if (!fs.render || !fs.errlog || kfs_nodes_init(&fs) < 0 ||
	    kfs_caches_init(&fs) < 0) {
		klog_info("out of memory");
		goto out_hub;
	}

	if (fuse_opt_add_arg(&args, "kubefs-fs") ||
	    fuse_opt_add_arg(&args, "-o") ||
	    fuse_opt_add_arg(&args, "fsname=kubefs,subtype=kubefs,"
				    "allow_other"))
		goto out_hub;
	fs.se = fuse_session_new(&args, &kfs_ops, sizeof(kfs_ops), &fs);
	if (!fs.se) {
		klog_info("cannot create the FUSE session");
		goto out_hub;
	}
	if (fuse_set_signal_handlers(fs.se) != 0)
		goto out_session;
	if (fuse_session_mount(fs.se, o.mountpoint) != 0) {
		klog_info("cannot mount %s", o.mountpoint);
		goto out_signals;
	}
	r = notifier_start(&fs, &fs.notifier);
	if (r < 0) {
		klog_info("cannot start the notifier: %s", strerror(-r));
		goto out_unmount;
	}
	r = kfs_watch_reads_start(&fs);
	if (r < 0) {
		klog_info("cannot start the watch sweeper: %s", strerror(-r));
		goto out_unmount;
	}
	sweeping = true;
	klog_info("serving %s from %s", o.mountpoint, o.store_dir);
	report(ready_fd, 0);
	ready_fd = -1;
	if (!o.foreground) {
		detach_stdio();
		if (o.log_file)
			redirect_log(o.log_file);
	}

	lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_clone_fd(lc, 0);
	/* 64 writers' flushes may all wait for one group commit: threads
	 * enough for them and for the requests that come meanwhile, and no
	 * threads torn down and made again between bursts */
	fuse_loop_cfg_set_idle_threads(lc, 64);
	fuse_loop_cfg_set_max_threads(lc, 160);
	r = fuse_session_loop_mt(fs.se, lc);
	fuse_loop_cfg_destroy(lc);
	klog_info("stopping (%s)", r > 0 ? strsignal(r) : "unmounted");
	status = 0;

out_unmount:
	if (sweeping)
		kfs_watch_reads_stop(&fs);
	kfs_fh_unpark_all(&fs);
	fuse_session_unmount(fs.se);
	notifier_stop(fs.notifier);
out_signals:
	fuse_remove_signal_handlers(fs.se);
out_session:
	fuse_session_destroy(fs.se);
out_hub:
	fuse_opt_free_args(&args);
	if (fs.buckets) { /* the handles' streams belong to the hub */
		kfs_fh_free_all(&fs);
		kfs_dirs_free_all(&fs);
	}
	watch_hub_free(fs.hub);
	render_cache_free(fs.render);
	errlog_free(fs.errlog);
	if (fs.buckets) {
		kfs_caches_release(&fs);
		kfs_nodes_release(&fs);
		kfs_dir_times_free();
		eph_release(&fs);
	}
out_server:
	authz_free(fs.authz);
	server_free(fs.srv);
out_store:
	store_free(fs.store);
out:
	report(ready_fd, status);
out_enc:
	audit_free(fs.audit);
	encryption_free(enc);
	return status;
}
