/*
 * daemon.h — the background daemons of the local cluster (the components
 * `kubefs up` starts, the servers `kubefs export` starts): starting and
 * stopping them, their pid files, and telling a live daemon from a dead
 * one.
 *
 * Under the state directory STATE, for the daemon NAME:
 *   STATE/run/NAME.pid    its pid; the file's mtime is when it started
 *   STATE/run/NAME.died   the last time one was found dead:
 *                         "PID STARTED FOUND\n", seconds since the epoch
 *   STATE/log/NAME.log    its stdout and stderr, appended
 *
 * A pid file names a running daemon only while that pid is a process that
 * is not a zombie and whose command name is the daemon's program (bin,
 * the file name it was started from): a pid that is gone, a killed daemon
 * nobody has reaped yet, or a pid reused by another program is never
 * "running", and is never signalled. Whoever first sees such a pid file
 * (up, status, down, export) turns it into NAME.died, so the death and the
 * time it was found are kept until it is forgotten (`kubefs down`,
 * `kubefs export stop`).
 */
#ifndef KUBEFS_SHELL_DAEMON_H
#define KUBEFS_SHELL_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* The state directory when --state is not given. */
#define DAEMON_STATE_DEFAULT "/var/lib/kubefs"

struct daemon_death {
	pid_t pid;
	time_t started; /* when that daemon was started; 0 if unknown */
	time_t found;	/* when it was found dead */
};

/* STATE/DIR/NAME EXT into buf (truncated to size), e.g. "log", ".log". */
void daemon_path(char *buf, size_t size, const char *state, const char *dir,
		 const char *name, const char *ext);

/* mkdir -p path (mode 0755 for what it creates). 0 or a negative errno. */
int daemon_mkdirs(const char *path);

/* Create STATE/run and STATE/log, and any missing parents. 0 or -errno. */
int daemon_dirs(const char *state);

/*
 * Is pid a live process running the program bin (its command name, as
 * the kernel keeps it: at most 15 characters)? False for a zombie.
 */
bool daemon_alive(pid_t pid, const char *bin);

/*
 * The running daemon NAME (program bin) of state: its pid, or 0 when none
 * runs. A pid file naming a dead process is replaced by NAME.died (found
 * now); if that cannot be written (a read-only state directory), the pid
 * file stays and 0 is still returned.
 */
pid_t daemon_pid(const char *state, const char *name, const char *bin);

/* When the running daemon NAME was started (its pid file's mtime), or 0. */
time_t daemon_started(const char *state, const char *name);

/*
 * The last recorded death of NAME into *ret_death. Returns 0, or -ENOENT
 * when none is recorded (-EINVAL for an unreadable record); *ret_death is
 * untouched on failure.
 */
int daemon_last_death(const char *state, const char *name,
		      struct daemon_death *ret_death);

/*
 * Start the program argv[0] (a path: absolute, or relative to the current
 * directory; never looked up in $PATH) as the daemon NAME: its own
 * session, stdin from /dev/null, stdout and stderr appended to
 * STATE/log/NAME.log. setup, when not NULL, runs in the child just before
 * exec (e.g. to enter a private mount namespace) and returns 0 or a
 * negative errno. The pid file is written once the program runs.
 *
 * Returns its pid, or a negative errno: the setup's, exec's (then the log
 * says why too), or the pid file's (then the child is killed: a daemon
 * without a pid file could never be stopped). STATE/run and STATE/log
 * must exist (daemon_dirs).
 */
pid_t daemon_spawn(const char *state, const char *name, char *const argv[],
		   int (*setup)(void *arg), void *arg);

/*
 * Stop the daemon NAME (program bin) if it runs: SIGTERM, up to 10 s for
 * it to exit, then SIGKILL (*ret_killed set) and up to 5 s more. Its pid
 * file is removed; a death found on the way is recorded as by daemon_pid.
 * Returns true when it was running.
 */
bool daemon_stop(const char *state, const char *name, const char *bin,
		 bool *ret_killed);

/* Forget NAME: remove its pid file and its death record. */
void daemon_forget(const char *state, const char *name);

#endif
