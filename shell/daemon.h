/*
 * daemon.h — the pid files of the daemons `kubefs up` starts, and telling
 * a live daemon from a dead one.
 *
 * Under the state directory STATE, for the daemon NAME:
 *   STATE/run/NAME.pid    its pid; the file's mtime is when it started
 *   STATE/run/NAME.died   the last time one was found dead:
 *                         "PID STARTED FOUND\n", seconds since the epoch
 *
 * A pid file names a running daemon only while that pid is a process that
 * is not a zombie and whose command name is the daemon's binary: a pid
 * that is gone, a killed daemon nobody has reaped yet, or a pid reused by
 * another program is never "running". Whoever first sees such a pid file
 * (up, status, down) turns it into NAME.died, so the death and the time it
 * was found are kept until `kubefs down`.
 */
#ifndef KUBEFS_SHELL_DAEMON_H
#define KUBEFS_SHELL_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

struct daemon_death {
	pid_t pid;
	time_t started; /* when that daemon was started; 0 if unknown */
	time_t found;	/* when it was found dead */
};

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
 * Start argv[0] from bindir as the daemon NAME: its own session, stdin
 * from /dev/null, stdout and stderr appended to STATE/log/NAME.log, and
 * its pid file written. Returns its pid, or a negative errno.
 */
pid_t daemon_spawn(const char *state, const char *name, const char *bindir,
		   char *const argv[]);

/* Forget NAME: remove its pid file and its death record. */
void daemon_forget(const char *state, const char *name);

#endif
