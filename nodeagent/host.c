/*
 * host.c — the machine, measured: /proc, statvfs, /etc/os-release.
 */
#include "nodeagent/host.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* A "Key:  N kB" line of /proc/meminfo, in bytes; 0 if absent. */
static unsigned long long meminfo(const char *key)
{
	char line[256];
	unsigned long long v = 0;
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			sscanf(line + klen + 1, "%llu", &v);
			break;
		}
	fclose(f);
	return v * 1024;
}

int host_capacity(const char *dir, struct host_capacity *ret)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long long mem = meminfo("MemTotal");
	struct statvfs vfs;

	if (cpus < 1 || !mem)
		return -EIO;
	if (statvfs(dir, &vfs) < 0)
		return -errno;
	snprintf(ret->cpu, sizeof(ret->cpu), "%ld", cpus);
	snprintf(ret->memory, sizeof(ret->memory), "%lluKi", mem / 1024);
	snprintf(ret->ephemeral_storage, sizeof(ret->ephemeral_storage),
		 "%lluKi",
		 (unsigned long long)vfs.f_blocks * vfs.f_frsize / 1024);
	return 0;
}

static unsigned long long read_ull(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

void host_pressure(const char *dir, struct host_pressure *ret)
{
	unsigned long long avail = meminfo("MemAvailable");
	unsigned long long pid_max = read_ull("/proc/sys/kernel/pid_max");
	unsigned long long threads = read_ull("/proc/sys/kernel/threads-max");
	struct statvfs vfs;
	char line[256];
	unsigned long long running = 0;
	FILE *f;

	ret->memory = avail && avail < HOST_MEMORY_PRESSURE_BYTES;
	ret->disk =
	    statvfs(dir, &vfs) == 0 && vfs.f_blocks &&
	    vfs.f_bavail * 100 / vfs.f_blocks < HOST_DISK_PRESSURE_PERCENT;
	/* processes in use: the 4th field of /proc/loadavg, "1/234" */
	f = fopen("/proc/loadavg", "re");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			char *slash = strchr(line, '/');

			if (slash)
				sscanf(slash + 1, "%llu", &running);
		}
		fclose(f);
	}
	if (threads && threads < pid_max)
		pid_max = threads;
	ret->pid =
	    pid_max && running &&
	    (pid_max - running) * 100 / pid_max < HOST_PID_PRESSURE_PERCENT;
}

void host_os_image(char *buf, size_t size)
{
	char line[512];
	FILE *f = fopen("/etc/os-release", "re");

	snprintf(buf, size, "Linux");
	while (f && fgets(line, sizeof(line), f)) {
		char *v;

		if (strncmp(line, "PRETTY_NAME=", 12))
			continue;
		v = line + 12;
		v[strcspn(v, "\n")] = '\0';
		if (*v == '"') {
			v++;
			v[strcspn(v, "\"")] = '\0';
		}
		snprintf(buf, size, "%s", v);
	}
	if (f)
		fclose(f);
}

static void read_id(const char *path, char out[37], bool dashes)
{
	char raw[64] = "";
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(raw, sizeof(raw), f))
		raw[0] = '\0';
	fclose(f);
	raw[strcspn(raw, "\n")] = '\0';
	if (dashes || strlen(raw) != 32) {
		snprintf(out, 37, "%.36s", raw);
		return;
	}
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", raw, raw + 8, raw + 12,
		 raw + 16, raw + 20);
}

void host_ids(char machine_id[37], char boot_id[37], char system_uuid[37])
{
	read_id("/etc/machine-id", machine_id, false);
	read_id("/proc/sys/kernel/random/boot_id", boot_id, true);
	read_id("/sys/class/dmi/id/product_uuid", system_uuid, true);
}

int host_chrooted(void)
{
	struct stat ours;
	int fd, status;
	pid_t pid;

	if (stat("/", &ours) < 0)
		return -errno;
	fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	if (pid == 0) {
		struct stat root;

		/* exit 0: same root, 1: another, 2: cannot tell */
		if (setns(fd, CLONE_NEWNS) < 0 || stat("/", &root) < 0)
			_exit(2);
		_exit(root.st_dev == ours.st_dev && root.st_ino == ours.st_ino
			  ? 0
			  : 1);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return -EPERM;
	return WEXITSTATUS(status);
}
