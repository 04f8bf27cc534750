/*
 * daemon.h — background daemons of the local cluster, kept as `kubefs up`
 * keeps its components: each under a name, with its pid file and its log
 * in the state directory:
 *
 *   STATE/run/NAME.pid   the pid, one line
 *   STATE/log/NAME.log   its stdout and stderr, appended
 *
 * A pid file is trusted only while the process it names is still running
 * the program that was started under that name (checked through
 * /proc/PID/exe), so a stale file never makes us signal an unrelated
 * process that reused the pid.
 */
#ifndef KUBEFS_SHELL_DAEMON_H
#define KUBEFS_SHELL_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The state directory when --state is not given. */
#define DAEMON_STATE_DEFAULT "/var/lib/kubefs"

/* STATE/DIR/NAME EXT into buf (truncated to size). */
void daemon_path(char *buf, size_t size, const char *state, const char *dir,
		 const char *name, const char *ext);

/* Create STATE/run, STATE/log and any missing parents. 0 or -errno. */
int daemon_dirs(const char *state);

/*
 * The pid of daemon NAME if it is running the program it was started
 * with, else 0.
 */
pid_t daemon_pid(const char *state, const char *name);

/*
 * Start argv[0] (an absolute path) as daemon NAME: a new session, stdin
 * from /dev/null, stdout and stderr to its log, its pid recorded. setup,
 * when not NULL, runs in the child just before exec (as root, e.g. to
 * enter a private mount namespace); a nonzero return aborts the child
 * with that status. Returns the pid, or -errno.
 */
pid_t daemon_spawn(const char *state, const char *name, char *const argv[],
		   int (*setup)(void *arg), void *arg);

/*
 * Stop daemon NAME if running: SIGTERM, up to 10 s, then SIGKILL; the pid
 * file is removed. Sets *ret_killed when SIGKILL was needed. Returns
 * true when it was running.
 */
bool daemon_stop(const char *state, const char *name, bool *ret_killed);

#endif
