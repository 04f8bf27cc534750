/*
 * pidfile.c — reading a pid file (see pidfile.h).
 */
#include "api/pidfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

int pidfile_read(const char *path, pid_t *ret_pid, time_t *ret_mtime)
{
	struct stat st;
	long pid = 0;
	bool ok;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%ld", &pid) == 1 && pid > 0;
	if (ok && ret_mtime)
		*ret_mtime = fstat(fileno(f), &st) == 0 ? st.st_mtime : 0;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*ret_pid = (pid_t)pid;
	return 0;
}
