/*
 * opener.c — when is the writer of an open file done?
 *
 * A write is judged once per open file description, with all its bytes.
 * The kernel sends a flush for every close() of a descriptor that refers
 * to the description — a child's copy inherited through fork, a dup, a
 * shell's saved stdout — and a release when the last one is gone, after
 * close() has returned (too late to report a verdict). So the handle
 * remembers the thread that opened it, and a flush commits only when
 * its process closes its last descriptor of the file:
 *  - a flush from another process (a child exiting, a descriptor closed
 *    on exec) does not commit;
 *  - a flush from the opener commits unless the opener still holds
 *    another descriptor open for writing on this file (dup()+close());
 *  - the release commits what no flush committed (the opener closed its
 *    copy first, or never wrote).
 * Processes are told apart by thread-group id: the kernel reports the
 * calling thread. /proc is asked for thread-group ids only when the
 * flushing thread is not the opening one (a read of /proc/PID/status
 * costs more than the rest of a create's request).
 */
#include "fs/fs_i.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	pid_t ret = pid;
	long tgid;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %ld", &tgid) == 1) {
			ret = (pid_t)tgid;
			break;
		}
	fclose(f);
	return ret;
}

/* fdinfo of descriptor fd of tgid: its inode number (0 if the kernel
 * does not say) and whether it was opened for writing. */
static void fd_info(pid_t tgid, const char *fd, unsigned long long *ret_ino,
		    bool *ret_writing)
{
	char path[320], line[128];
	unsigned long long v;
	unsigned flags;
	FILE *f;

	*ret_ino = 0;
	*ret_writing = true;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)tgid, fd);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "ino: %llu", &v) == 1)
			*ret_ino = v;
		else if (sscanf(line, "flags: %o", &flags) == 1)
			*ret_writing = (flags & O_ACCMODE) != O_RDONLY;
	}
	fclose(f);
}

static bool holds_file(pid_t tgid, const char *mount, fuse_ino_t ino,
		       const char *path)
{
	char dir[64], link[320], target[4096];
	size_t mlen = strlen(mount);
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)tgid);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		unsigned long long i;
		bool writing;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		/* the same name (cheap: a process may hold thousands of
		 * files on the mount), then the same inode, open for
		 * writing: a descriptor open for reading is another open
		 * file, not a copy of the writer's */
		if (strncmp(target, mount, mlen) || target[mlen] != '/' ||
		    strcmp(target + mlen + 1, path))
			continue;
		fd_info(tgid, de->d_name, &i, &writing);
		found = writing && (!i || i == ino);
	}
	closedir(d);
	return found;
}

bool kfs_writer_done(pid_t opener, pid_t pid, const char *mount, fuse_ino_t ino,
		     const char *path)
{
	if (opener <= 0 || pid <= 0)
		return true; /* unknown (another pid namespace): judge now */
	/* The thread that opened the file closes it (the usual case): same
	 * process, no need to ask /proc whose threads they are. A thread
	 * id cannot be reused while its thread makes a system call. */
	if (pid != opener && tgid_of(pid) != tgid_of(opener))
		return false;
	/* /proc/TID/fd is the table of TID's whole process */
	return !holds_file(pid, mount, ino, path);
}
