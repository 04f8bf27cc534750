/*
 * export.c — kubefs export: serve the mounted tree to other machines
 * through trusted user-space file servers, as daemons of the local
 * cluster (pid files and logs under the state directory, see daemon.h):
 *
 *   kubefs export 9p  [--listen ADDR:PORT] [--read-only]   diod + MUNGE
 *   kubefs export nfs [--listen ADDR:PORT] [--read-only]   nfs-ganesha
 *   kubefs export status | stop [9p|nfs]
 *
 * Loopback unless a listen address is given. See docs/remote.md.
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

#include "api/clock.h"
#include "shell/cli.h"
#include "shell/daemon.h"
#include "shell/export_i.h"
#include "shell/flags.h"

static const struct command_help export_help = {
    .name = "export",
    .desc = "Serve the mounted tree to other machines over 9P or NFS.\n\n "
	    "'export 9p' starts diod (9P2000.L, MUNGE authentication); "
	    "'export nfs' starts nfs-ganesha (NFSv4 and v3). Each runs in "
	    "the background with its log and pid file under the state "
	    "directory. They listen on loopback unless --listen names "
	    "another address. See docs/remote.md.",
    .examples = "  # 9P on loopback port 564, then on the LAN\n"
		"  kubefs export 9p\n"
		"  kubefs export 9p --listen 192.168.1.10:564\n\n"
		"  # read-only NFS for the 10.0.0.0/24 network\n"
		"  kubefs export nfs --listen 10.0.0.5:2049 --allow "
		"10.0.0.0/24 --read-only\n\n"
		"  kubefs export status\n  kubefs export stop",
    .usage = "export 9p|nfs|status|stop [--listen ADDR:PORT] [--read-only] "
	     "[--allow ADDRS] [--state DIR] [options]",
};

int export_find_prog(const char *name, const char *packages, char *ret)
{
	const char *env = getenv("PATH");
	char dirs[4096], *save = NULL, path[PATH_MAX];

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin",
		 env ? env : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, name);
		if (*d == '/' && access(path, X_OK) == 0) {
			snprintf(ret, PATH_MAX, "%s", path);
			return 0;
		}
	}
	fprintf(stderr, "error: %s is not installed (Debian package%s %s)\n",
		name, strchr(packages, ',') ? "s" : "", packages);
	return -ENOENT;
}

static int connect_tcp(const char *host, int port)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, r;

	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		if (in4->sin_addr.s_addr == htonl(INADDR_ANY))
			in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in4);
	} else {
		inet_pton(AF_INET6, host, &in6->sin6_addr);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			in6->sin6_addr = in6addr_loopback;
		len = sizeof(*in6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* The end of daemon name's log, indented, on stderr. */
static void log_tail(const char *state, const char *name)
{
	char path[PATH_MAX], buf[2048];
	size_t n;
	char *p;
	FILE *f;

	daemon_path(path, sizeof(path), state, "log", name, ".log");
	f = fopen(path, "r");
	if (!f)
		return;
	if (fseek(f, -(long)(sizeof(buf) - 1), SEEK_END) < 0)
		rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = n == sizeof(buf) - 1 ? strchr(buf, '\n') : NULL;
	for (p = strtok(p ? p + 1 : buf, "\n"); p; p = strtok(NULL, "\n"))
		fprintf(stderr, "  %s\n", p);
}

int export_wait_listen(const struct export_opts *o, const char *name,
		       const char *bin)
{
	for (int i = 0; i < 200; i++) {
		if (!daemon_pid(o->state, name, bin))
			break;
		if (connect_tcp(o->host, o->port) == 0)
			return 0;
		usleep(50000);
	}
	fprintf(stderr,
		"error: %s did not start listening on %s:%d; its log "
		"(%s/log/%s.log) ends with:\n",
		name, o->host, o->port, o->state, name);
	log_tail(o->state, name);
	daemon_stop(o->state, name, bin, NULL);
	return -ECONNREFUSED;
}

static void info_path(char *buf, size_t size, const char *state,
		      const char *name)
{
	daemon_path(buf, size, state, "export", name, ".info");
}

void export_note(const struct export_opts *o, const char *name,
		 const char *line)
{
	char path[PATH_MAX];
	FILE *f;

	info_path(path, sizeof(path), o->state, name);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "%s\n", line);
	fclose(f);
}

/* ADDR:PORT, [ADDR6]:PORT or PORT (on loopback) into o->host, o->port. */
static int parse_listen(const char *s, struct export_opts *o)
{
	const char *colon = strrchr(s, ':');
	unsigned char buf[sizeof(struct in6_addr)];
	char *end;
	long port;

	if (!colon) {
		colon = s - 1;
	} else if (*s == '[' && colon > s && colon[-1] == ']') {
		snprintf(o->host, sizeof(o->host), "%.*s", (int)(colon - s - 2),
			 s + 1);
	} else {
		snprintf(o->host, sizeof(o->host), "%.*s", (int)(colon - s), s);
	}
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 1 || port > 65535 ||
	    (inet_pton(AF_INET, o->host, buf) != 1 &&
	     inet_pton(AF_INET6, o->host, buf) != 1)) {
		fprintf(stderr,
			"error: invalid argument \"%s\" for \"--listen\" "
			"flag: want ADDR:PORT with a numeric address\n",
			s);
		return -EINVAL;
	}
	o->port = (int)port;
	return 0;
}

static int start(struct cli *cli, const char *proto, struct export_opts *o,
		 const char *listen)
{
	bool p9 = !strcmp(proto, "9p");
	const char *name = p9 ? EXPORT_9P : EXPORT_NFS;
	pid_t pid;
	int r;

	snprintf(o->host, sizeof(o->host), "127.0.0.1");
	o->port = p9 ? 564 : 2049;
	if (listen && parse_listen(listen, o) < 0)
		return 1;
	if (cli_connect(cli) < 0)
		return 1;
	if (!realpath(cli->mount, o->mount))
		return cli_fail("%s: %s", cli->mount, strerror(errno));
	pid = daemon_pid(o->state, name, p9 ? EXPORT_9P_BIN : EXPORT_NFS_BIN);
	if (pid > 0) {
		printf("%s export already running (pid %ld); 'kubefs export "
		       "stop %s' first to change it\n",
		       proto, (long)pid, proto);
		return 0;
	}
	r = daemon_dirs(o->state);
	if (r == 0)
		r = daemon_mkdirs(o->dir);
	if (r < 0)
		return cli_fail("cannot create %s: %s", o->dir, strerror(-r));
	r = p9 ? export_9p_start(o) : export_nfs_start(o);
	if (r < 0)
		return 1;
	printf("%s export of %s listening on %s%s%s:%d%s\n", proto, o->mount,
	       strchr(o->host, ':') ? "[" : "", o->host,
	       strchr(o->host, ':') ? "]" : "", o->port,
	       o->read_only ? " (read-only)" : "");
	if (!p9)
		/* ganesha opens and reads existing files as itself: see
		 * docs/remote.md, "Security model" of NFS */
		fprintf(stderr,
			"Warning: over NFS, users other than root get only "
			"what every authenticated user may do: what RBAC "
			"grants one user or group does not cross NFS; use 9p "
			"for per-user access\n");
	return 0;
}

/* The exports' daemons, in the order they are stopped. */
static const struct {
	const char *proto, *name, *bin;
} daemons[] = {
    {"9p", EXPORT_9P, EXPORT_9P_BIN},
    {"9p", EXPORT_MUNGED, EXPORT_MUNGED_BIN},
    {"nfs", EXPORT_NFS, EXPORT_NFS_BIN},
};

static void show(const struct export_opts *o, const char *proto,
		 const char *name, const char *bin)
{
	char path[PATH_MAX], line[1024] = "", found[RFC3339_MAX];
	pid_t pid = daemon_pid(o->state, name, bin);
	struct daemon_death death;
	FILE *f;

	if (!pid && daemon_last_death(o->state, name, &death) == 0) {
		rfc3339_format_sec(death.found, found);
		printf("%-5s died (pid %ld, found dead %s); see "
		       "%s/log/%s.log\n",
		       proto, (long)death.pid, found, o->state, name);
		return;
	}
	if (!pid) {
		printf("%-5s %s\n", proto, "stopped");
		return;
	}
	info_path(path, sizeof(path), o->state, name);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	printf("%-5s running (pid %ld) %s\n", proto, (long)pid, line);
}

void export_stop(const char *state, const char *proto)
{
	char path[PATH_MAX];
	bool killed;

	for (size_t i = 0; i < sizeof(daemons) / sizeof(daemons[0]); i++) {
		if (proto && strcmp(proto, daemons[i].proto))
			continue;
		if (daemon_stop(state, daemons[i].name, daemons[i].bin,
				&killed))
			printf("%-18s stopped%s\n", daemons[i].name,
			       killed ? " (killed)" : "");
		daemon_forget(state, daemons[i].name);
		info_path(path, sizeof(path), state, daemons[i].name);
		unlink(path);
	}
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
	struct export_opts o = {.state = DAEMON_STATE_DEFAULT};
	const char *listen = NULL, *verb;
	static char cwd[PATH_MAX / 4], state[PATH_MAX / 2];
	const struct flag flags[] = {
	    {"allow", 0, FLAG_STRING, &o.allow, "'127.0.0.1'",
	     "nfs: client addresses allowed, comma-separated (addresses, "
	     "CIDR networks, host names)."},
	    {"listen", 0, FLAG_STRING, &listen, "loopback",
	     "Address and port to serve on (9p: 127.0.0.1:564, nfs: "
	     "127.0.0.1:2049)."},
	    {"no-root-squash", 0, FLAG_BOOL, &o.no_root_squash, "false",
	     "nfs: let remote root act as root (default: root is mapped "
	     "to nobody)."},
	    {"read-only", 0, FLAG_BOOL, &o.read_only, "false",
	     "Refuse every write through the export."},
	    {"state", 0, FLAG_STRING, &o.state, "'" DAEMON_STATE_DEFAULT "'",
	     "Logs, pid files and keys of the exports."},
	    {NULL},
	};
	int n, r = flags_parse(&export_help, flags, argc, argv, &n);

	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	verb = n > 1 ? argv[1] : NULL;
	/* the servers get absolute paths: they may change directory */
	if (o.state[0] != '/' && getcwd(cwd, sizeof(cwd))) {
		snprintf(state, sizeof(state), "%s/%s", cwd, o.state);
		o.state = state;
	}
	if (snprintf(o.dir, sizeof(o.dir), "%s/export", o.state) >=
	    (int)sizeof(o.dir))
		return cli_fail("--state %s: path too long", o.state);
	if (verb && (!strcmp(verb, "9p") || !strcmp(verb, "nfs")) && n == 2)
		return start(cli, verb, &o, listen);
	if (verb && !strcmp(verb, "status") && n == 2) {
		show(&o, "9p", EXPORT_9P, EXPORT_9P_BIN);
		show(&o, "nfs", EXPORT_NFS, EXPORT_NFS_BIN);
		return 0;
	}
	if (verb && !strcmp(verb, "stop") &&
	    (n == 2 ||
	     (n == 3 && (!strcmp(argv[2], "9p") || !strcmp(argv[2], "nfs"))))) {
		export_stop(o.state, n == 3 ? argv[2] : NULL);
		return 0;
	}
	if (!verb)
		fprintf(stderr, "error: Required resource not specified.\n");
	else
		fprintf(stderr,
			"error: unknown command \"%s\" for \"kubefs "
			"export\"\n",
			verb);
	flags_see_help(&export_help);
	return 1;
}
