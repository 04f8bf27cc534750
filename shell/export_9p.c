/*
 * export_9p.c — the 9P export: diod (9P2000.L) re-exporting the mount,
 * every attach authenticated with MUNGE.
 *
 * MUNGE: when this machine runs munged (its socket answers at the system
 * path), diod uses it, and so the site's key. Otherwise kubefs runs its
 * own munged with its own key, STATE/export/munge/munge.key (created on
 * first use), and starts diod in a private mount namespace where that
 * munged's directory is mounted on the system socket directory, so only
 * diod uses it. Clients need the same key in their own munged.
 *
 * diod serves every request as the authenticated uid (setfsuid and the
 * user's groups), so kubefs-fs sees the remote caller's uid.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shell/daemon.h"
#include "shell/export_i.h"

#define MUNGE_SYSTEM_DIR "/run/munge"
#define MUNGE_SOCKET_NAME "munge.socket.2"

static bool munge_answers(const char *dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir,
		     MUNGE_SOCKET_NAME) >= (int)sizeof(sa.sun_path))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

static int run(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* Start kubefs' own munged, with its key, in STATE/export/munge. */
static int start_munged(const struct export_opts *o, const char *dir)
{
	char munged[PATH_MAX], mungekey[PATH_MAX], key[PATH_MAX],
	    sock[PATH_MAX], pidf[PATH_MAX], seed[PATH_MAX];
	int r;

	if (export_find_prog(EXPORT_MUNGED_BIN, "munge", munged) < 0 ||
	    export_find_prog("mungekey", "munge", mungekey) < 0)
		return -ENOENT;
	/* open to all, as the system's: clients of every uid connect */
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(key, sizeof(key), "%s/munge.key", dir);
	snprintf(sock, sizeof(sock), "%s/%s", dir, MUNGE_SOCKET_NAME);
	snprintf(pidf, sizeof(pidf), "%s/munged.pid", dir);
	snprintf(seed, sizeof(seed), "%s/munged.seed", dir);
	if (access(key, R_OK) < 0) {
		char *const argv[] = {mungekey, "--create", "--keyfile", key,
				      NULL};

		r = run(argv);
		if (r < 0) {
			fprintf(stderr,
				"error: cannot create the MUNGE key "
				"%s\n",
				key);
			return r;
		}
		printf("created MUNGE key %s: copy it to every client's "
		       "munged\n",
		       key);
	}
	if (daemon_pid(o->state, EXPORT_MUNGED, EXPORT_MUNGED_BIN) > 0)
		return 0;
	{
		char a_key[PATH_MAX + 16], a_sock[PATH_MAX + 16],
		    a_pid[PATH_MAX + 16], a_seed[PATH_MAX + 16], a_origin[128];
		char *const argv[] = {munged, "--foreground", "--force",
				      a_key,  a_sock,	      a_pid,
				      a_seed, a_origin,	      NULL};

		/* the credentials' origin: the (numeric) listen address.
		 * Left to munged, it looks this machine's name up, which
		 * can block on DNS for longer than we wait (seen where the
		 * name is not in /etc/hosts and no DNS server answers) */
		snprintf(a_origin, sizeof(a_origin), "--origin=%s", o->host);
		snprintf(a_key, sizeof(a_key), "--key-file=%s", key);
		snprintf(a_sock, sizeof(a_sock), "--socket=%s", sock);
		snprintf(a_pid, sizeof(a_pid), "--pid-file=%s", pidf);
		snprintf(a_seed, sizeof(a_seed), "--seed-file=%s", seed);
		r = daemon_spawn(o->state, EXPORT_MUNGED, argv, NULL, NULL);
		if (r < 0) {
			fprintf(stderr, "error: cannot start munged: %s\n",
				strerror(-r));
			return r;
		}
	}
	for (int i = 0; i < 200; i++) {
		if (munge_answers(dir))
			return 0;
		if (!daemon_pid(o->state, EXPORT_MUNGED, EXPORT_MUNGED_BIN))
			break;
		usleep(50000);
	}
	fprintf(stderr, "error: munged did not start; see %s/log/%s.log\n",
		o->state, EXPORT_MUNGED);
	daemon_stop(o->state, EXPORT_MUNGED, EXPORT_MUNGED_BIN, NULL);
	return -EIO;
}

/* In diod's child: see kubefs' munged where libmunge looks for one. */
static int enter_private_munge(void *arg)
{
	const char *dir = arg;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(dir, MUNGE_SYSTEM_DIR, NULL, MS_BIND, NULL) < 0) {
		int r = -errno;

		fprintf(stderr, "kubefs: cannot mount %s on %s: %s\n", dir,
			MUNGE_SYSTEM_DIR, strerror(-r));
		return r;
	}
	return 0;
}

/* A Lua string literal of s (diod's configuration is Lua). */
static void lua_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/*
 * diod's configuration, all of it: nothing from the site's /etc/diod.conf.
 * (Export options such as "ro" are honoured only from a configuration
 * file, not from the command line.)
 */
static int write_conf(const struct export_opts *o, const char *listen,
		      const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "-- written by kubefs export 9p\nlisten = { ");
	lua_string(f, listen);
	fprintf(f, " }\nexports = { { path = ");
	lua_string(f, o->mount);
	fprintf(f, ", opts = \"%s\" } }\n", o->read_only ? "ro" : "");
	/* a watch stream holds a worker while its read blocks */
	fprintf(f, "nwthreads = 64\nauth_required = 1\n");
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

int export_9p_start(const struct export_opts *o)
{
	char diod[PATH_MAX], mdir[PATH_MAX / 2 + 16], conf[PATH_MAX / 2 + 16],
	    listen[96], note[2 * PATH_MAX];
	bool private_munge = !munge_answers(MUNGE_SYSTEM_DIR);
	char *argv[] = {diod, "--foreground", "--config-file",
			conf, "--logdest",    "stderr",
			NULL};
	int r;

	if (export_find_prog(EXPORT_9P_BIN, "diod", diod) < 0)
		return -ENOENT;
	snprintf(mdir, sizeof(mdir), "%s/munge", o->dir);
	if (private_munge) {
		if (mkdir(MUNGE_SYSTEM_DIR, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "error: cannot create %s: %s\n",
				MUNGE_SYSTEM_DIR, strerror(errno));
			return -errno;
		}
		r = start_munged(o, mdir);
		if (r < 0)
			return r;
	}
	snprintf(listen, sizeof(listen), "%s%s%s:%d",
		 strchr(o->host, ':') ? "[" : "", o->host,
		 strchr(o->host, ':') ? "]" : "", o->port);
	snprintf(conf, sizeof(conf), "%s/diod.conf", o->dir);
	r = write_conf(o, listen, conf);
	if (r < 0) {
		fprintf(stderr, "error: %s: %s\n", conf, strerror(-r));
		return r;
	}
	r = daemon_spawn(o->state, EXPORT_9P, argv,
			 private_munge ? enter_private_munge : NULL, mdir);
	if (r < 0)
		fprintf(stderr, "error: cannot start diod: %s\n", strerror(-r));
	else
		r = export_wait_listen(o, EXPORT_9P, EXPORT_9P_BIN);
	if (r < 0) {
		/* no export: no munged of ours either */
		daemon_stop(o->state, EXPORT_MUNGED, EXPORT_MUNGED_BIN, NULL);
		return r;
	}
	snprintf(note, sizeof(note), "9P2000.L on %s, aname %s, %s, MUNGE %s",
		 listen, o->mount, o->read_only ? "read-only" : "read-write",
		 private_munge ? "key in STATE/export/munge (kubefs' munged)"
			       : "from this machine's munged");
	export_note(o, EXPORT_9P, note);
	return 0;
}
