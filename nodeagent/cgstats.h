/*
 * cgstats.h — resource usage as the kubelet's resource metrics read it:
 * a cgroup's cumulative CPU time and memory working set (usage less
 * inactive file pages), under cgroup v2 (cpu.stat usage_usec,
 * memory.current, memory.stat inactive_file) or v1 (cpuacct.usage,
 * memory.usage_in_bytes, memory.stat total_inactive_file); the machine's
 * from /proc (the CPU time of /proc/stat less idle and iowait,
 * MemTotal − MemAvailable).
 */
#ifndef KUBEFS_NODEAGENT_CGSTATS_H
#define KUBEFS_NODEAGENT_CGSTATS_H

#include <stdint.h>

struct cgstats {
	uint64_t cpu_ns;      /* cumulative CPU time */
	uint64_t working_set; /* bytes */
};

/*
 * The usage of cgroup path (a cgroupsPath: "/kubefs-H/kubepods/podUID/ID")
 * under root (normally "/sys/fs/cgroup"). -ENOENT when it has no such
 * cgroup (its container ended).
 */
int cgstats_read(const char *root, const char *path, struct cgstats *ret);

/* The machine's usage. -errno when /proc cannot be read. */
int cgstats_node(struct cgstats *ret);

/*
 * A CPU rate in nanocores from two samples' CPU times and the
 * nanoseconds between them (0 when no time passed or it went back).
 */
uint64_t cgstats_nanocores(uint64_t cpu0, uint64_t cpu1, uint64_t dt_ns);

#endif
