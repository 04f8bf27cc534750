/*
 * cgstats.c — reading cgroup v1/v2 and /proc usage files.
 */
#include "nodeagent/cgstats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The first number of file dir/name, or of the line "key N" in it. */
static int read_num(const char *dir, const char *name, const char *key,
		    uint64_t *ret)
{
	char path[4096], line[256];
	size_t kl = key ? strlen(key) : 0;
	FILE *f;
	int r = -ENOENT;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (key && (strncmp(line, key, kl) || line[kl] != ' '))
			continue;
		if (sscanf(line + (key ? kl + 1 : 0), "%" SCNu64, ret) == 1)
			r = 0;
		break;
	}
	fclose(f);
	return r;
}

int cgstats_read(const char *root, const char *path, struct cgstats *ret)
{
	char dir[4096], v2[4200];
	uint64_t usage = 0, inactive = 0, us;
	int r;

	snprintf(v2, sizeof(v2), "%s/cgroup.controllers", root);
	if (access(v2, F_OK) == 0) { /* unified */
		snprintf(dir, sizeof(dir), "%s%s", root, path);
		r = read_num(dir, "cpu.stat", "usage_usec", &us);
		if (r < 0)
			return r;
		ret->cpu_ns = us * 1000;
		r = read_num(dir, "memory.current", NULL, &usage);
		read_num(dir, "memory.stat", "inactive_file", &inactive);
	} else {
		snprintf(dir, sizeof(dir), "%s/cpuacct%s", root, path);
		r = read_num(dir, "cpuacct.usage", NULL, &ret->cpu_ns);
		if (r < 0) {
			snprintf(dir, sizeof(dir), "%s/cpu,cpuacct%s", root,
				 path);
			r = read_num(dir, "cpuacct.usage", NULL, &ret->cpu_ns);
		}
		if (r < 0)
			return r;
		snprintf(dir, sizeof(dir), "%s/memory%s", root, path);
		r = read_num(dir, "memory.usage_in_bytes", NULL, &usage);
		read_num(dir, "memory.stat", "total_inactive_file", &inactive);
	}
	if (r < 0)
		return r;
	ret->working_set = usage > inactive ? usage - inactive : 0;
	return 0;
}

int cgstats_node(struct cgstats *ret)
{
	uint64_t v[8] = {0}, total = 0, kb_total = 0, kb_avail = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return -errno;
	/* cpu user nice system idle iowait irq softirq steal */
	n = fscanf(f,
		   "cpu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4 || hz <= 0)
		return -EIO;
	for (int i = 0; i < 8; i++)
		if (i != 3 && i != 4)
			total += v[i];
	ret->cpu_ns = total * (1000000000u / (uint64_t)hz);
	read_num("/proc", "meminfo", "MemTotal:", &kb_total);
	if (read_num("/proc", "meminfo", "MemAvailable:", &kb_avail) < 0)
		return -EIO;
	ret->working_set =
	    kb_total > kb_avail ? (kb_total - kb_avail) * 1024 : 0;
	return 0;
}

uint64_t cgstats_nanocores(uint64_t cpu0, uint64_t cpu1, uint64_t dt_ns)
{
	if (!dt_ns || cpu1 < cpu0)
		return 0;
	return (uint64_t)((long double)(cpu1 - cpu0) * 1e9L /
			  (long double)dt_ns);
}
