/*
 * pidfile.h — reading a pid file: the daemons' run files (kubefs up),
 * runc's container pid files and dnsmasq's, each a decimal pid and a
 * newline.
 *
 * Reading one is not proof the process is still the one that wrote it:
 * callers check the process (its name, state or command line) before
 * they signal it.
 *
 * Thread safety: safe from any thread.
 */
#ifndef KUBEFS_API_PIDFILE_H
#define KUBEFS_API_PIDFILE_H

#include <sys/types.h>
#include <time.h>

/* The pid in the file at path into *ret_pid (> 0), and, if ret_mtime is
 * not NULL, the file's modification time (when the pid was written).
 * -errno when it cannot be opened (-ENOENT: none), -EINVAL when it
 * holds no positive pid. */
int pidfile_read(const char *path, pid_t *ret_pid, time_t *ret_mtime);

#endif
