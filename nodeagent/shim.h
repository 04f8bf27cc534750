/*
 * shim.h — the process that stays with a container (conmon's job):
 * `kubefs-node shim` starts it with `runc run --detach`, becomes its
 * parent (a child subreaper), copies its stdout and stderr into a log
 * file in the CRI format, and when it exits writes its exit status
 * next to its bundle. The agent may restart meanwhile: the container
 * does not notice.
 *
 *   kubefs-node shim RUNC RUNC_ROOT BUNDLE ID LOG STATE_DIR MEMORY_CGROUP
 *
 * The invoked process returns once runc did: 0 when the container runs
 * (STATE_DIR/pid holds its pid), 1 with runc's message on stderr.
 * The shim itself lives on, detached (own session, stdio /dev/null).
 *
 * STATE_DIR/exit, written atomically when the container's init exits:
 *   "CODE OOM SECONDS NANOSECONDS\n" — CODE is the exit code or 128 +
 *   the signal; OOM is 1 when the container's memory cgroup recorded an
 *   OOM kill; the time is when it exited (CLOCK_REALTIME).
 *
 * CRI log lines: "2006-01-02T15:04:05.999999999Z stdout F text" (P for
 * a part of a line longer than SHIM_LINE_MAX). Past SHIM_LOG_MAX bytes
 * LOG is rotated: LOG.1 (the newest) .. LOG.4, the oldest dropped.
 */
#ifndef KUBEFS_NODEAGENT_SHIM_H
#define KUBEFS_NODEAGENT_SHIM_H

#define SHIM_LINE_MAX 16384
#define SHIM_LOG_MAX (10 << 20) /* the kubelet's containerLogMaxSize */
#define SHIM_LOG_FILES 5	/* and containerLogMaxFiles */

/* argv[0] is "shim". Returns the exit status. */
int shim_main(int argc, char **argv);

#endif
