/*
 * host.h — what a real node measures about its machine: capacity for
 * the Node's status, the OS image and IDs for nodeInfo, and the
 * pressure conditions the kubelet's eviction thresholds define
 * (memory.available < 100Mi, nodefs.available < 10%,
 * pid.available < 10% of pid_max... here: of the kernel's limit).
 */
#ifndef KUBEFS_NODEAGENT_HOST_H
#define KUBEFS_NODEAGENT_HOST_H

#include <stdbool.h>
#include <stddef.h>

#define HOST_MEMORY_PRESSURE_BYTES (100ULL << 20)
#define HOST_DISK_PRESSURE_PERCENT 10
#define HOST_PID_PRESSURE_PERCENT 10

/* Capacity quantities: "8", "16318820Ki", "102687672Ki". */
struct host_capacity {
	char cpu[48], memory[48], ephemeral_storage[48];
};

/* Measure; dir is where the node keeps its state (its disk is the
 * node's ephemeral storage). -errno if /proc or dir cannot be read. */
int host_capacity(const char *dir, struct host_capacity *ret);

struct host_pressure {
	bool memory, disk, pid;
};

/* Measure now. Unreadable figures count as no pressure. */
void host_pressure(const char *dir, struct host_pressure *ret);

/* PRETTY_NAME of /etc/os-release ("Debian GNU/Linux 12 (bookworm)"),
 * else "Linux", into buf. */
void host_os_image(char *buf, size_t size);

/* /etc/machine-id as a UUID, /proc/sys/kernel/random/boot_id, and the
 * DMI product UUID: into 37-byte buffers, left "" when unreadable. */
void host_ids(char machine_id[37], char boot_id[37], char system_uuid[37]);

/*
 * Is this process chrooted below its mount namespace's root? runc joins
 * a container's mount namespace for `runc exec`, which puts the process
 * at that namespace's root: when runc ran under a chroot, pivot_root
 * moved the chroot's mount, the namespace's root stayed the machine's /,
 * and an exec would see the machine's files instead of the container's.
 * Found by a child that enters its own mount namespace again (setns
 * resets its root to the namespace's) and compares "/" with ours.
 * 1 chrooted, 0 not, -errno when it cannot tell (no /proc, no
 * CAP_SYS_ADMIN). Call before starting threads or not: it forks.
 */
int host_chrooted(void);

#endif
