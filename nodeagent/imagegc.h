/*
 * imagegc.h — the kubelet's image garbage collection by disk usage
 * (--image-gc-high-threshold, --image-gc-low-threshold,
 * --minimum-image-ttl-duration): when the file system of the images is
 * used at or above the high threshold (percent), unused images are
 * removed, least recently used first (then the earliest loaded), until
 * what they take adds up to what brings the usage down to the low
 * threshold. An image in use by a container of the node, or younger
 * than the minimum age, is never removed.
 *
 * This is the pure part: the plan. The runc runtime measures and removes
 * (runtime_gc_images()).
 */
#ifndef KUBEFS_NODEAGENT_IMAGEGC_H
#define KUBEFS_NODEAGENT_IMAGEGC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct imagegc_policy {
	unsigned high, low;  /* percent; high 100: never collect */
	uint64_t min_age_ms; /* images loaded since are kept */
};

struct imagegc_image {
	const char *name;     /* borrowed */
	uint64_t size;	      /* bytes, as the store counts them */
	int64_t last_used_ms; /* realtime; 0: not seen in use */
	int64_t loaded_ms;    /* realtime: when it entered the store */
	bool in_use;
	bool victim; /* out: to be removed */
};

/*
 * Plan a collection on a file system of capacity bytes, available free,
 * at now_ms (realtime). 0 when its usage is under p->high (nothing to
 * do). Else the bytes to free, capacity * (100 - low) / 100 - available;
 * imgs is sorted into removal order (the eligible first, least recently
 * used, then earliest loaded) and victims are marked in that order until
 * their sizes reach that amount; *ret_freed is their sum (less than the
 * amount when too few are eligible).
 */
uint64_t imagegc_plan(const struct imagegc_policy *p, uint64_t capacity,
		      uint64_t available, int64_t now_ms,
		      struct imagegc_image *imgs, size_t n,
		      uint64_t *ret_freed);

#endif
