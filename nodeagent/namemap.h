/*
 * namemap.h — a map from names (pod keys, uids) to pointers, for the
 * node agent's tables.
 *
 * Open addressing with linear probing; deletion shifts the following
 * entries back, so there are no tombstones and lookups stay short. Keys
 * are copied in and owned by the map; values are the caller's pointers,
 * never dereferenced or freed by the map. Not thread-safe: the caller
 * serialises access. Iteration order is unspecified and changes when the
 * map is modified.
 *
 * Limit: at most NAMEMAP_MAX entries (-ENOSPC beyond).
 */
#ifndef KUBEFS_NODEAGENT_NAMEMAP_H
#define KUBEFS_NODEAGENT_NAMEMAP_H

#include <stdbool.h>
#include <stddef.h>

#define NAMEMAP_MAX (1u << 24)

struct namemap_slot {
	char *key; /* owned; NULL: empty slot */
	size_t hash;
	void *value;
};

struct namemap {
	struct namemap_slot *slots;
	size_t cap; /* 0 or a power of two */
	size_t len;
};

/* An empty map; needs no allocation. */
void namemap_init(struct namemap *m);

/* Free the keys and the table (not the values); the map is empty again. */
void namemap_release(struct namemap *m);

/* The value under key, or NULL. */
void *namemap_get(const struct namemap *m, const char *key);

/*
 * Store value under key, replacing a previous value (not freed). 0,
 * -ENOMEM or -ENOSPC (the map is unchanged then).
 */
int namemap_put(struct namemap *m, const char *key, void *value);

/* Remove key; returns the value it held, or NULL. */
void *namemap_remove(struct namemap *m, const char *key);

static inline size_t namemap_len(const struct namemap *m)
{
	return m->len;
}

/*
 * Iterate: size_t i = 0; while (namemap_next(m, &i, &k, &v)) { ... }
 * without modifying the map meanwhile. Key and value are borrowed.
 */
bool namemap_next(const struct namemap *m, size_t *iter, const char **ret_key,
		  void **ret_value);

#endif
