/*
 * strmap.h — a string-keyed hash map: the scheduler's cache and queue,
 * the node agent's tables (nodeagent/namemap.h is this map under its old
 * name until the agent's files switch), and any component's index.
 *
 * Open addressing with linear probing and tombstone-free deletion
 * (backward shift). Keys are copied in and owned by the map; values are
 * opaque pointers the map never dereferences or frees. Not thread-safe:
 * the caller serialises access.
 *
 * Iteration order is unspecified and changes when the map is modified.
 *
 * Limit: at most STRMAP_MAX entries (-ENOSPC beyond).
 */
#ifndef KUBEFS_API_STRMAP_H
#define KUBEFS_API_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

#define STRMAP_MAX (1u << 24)

struct strmap_slot {
	char *key; /* owned; NULL for an empty slot */
	size_t hash;
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap; /* 0 or a power of two */
	size_t len;
};

/* An empty map; strmap_init needs no allocation and never fails. */
void strmap_init(struct strmap *m);

/* Free the keys and the table (not the values). The map is empty again. */
void strmap_release(struct strmap *m);

/* The value stored under key, or NULL. Borrowed. */
void *strmap_get(const struct strmap *m, const char *key);

/*
 * Store value under key, replacing any previous value (which is not
 * freed). Returns 0, -EINVAL (NULL key), -ENOMEM or -ENOSPC (the map is
 * unchanged then).
 */
int strmap_put(struct strmap *m, const char *key, void *value);

/* Remove key. Returns the value it held, or NULL if absent. */
void *strmap_remove(struct strmap *m, const char *key);

static inline size_t strmap_len(const struct strmap *m)
{
	return m->len;
}

/*
 * Iterate: size_t i = 0; while (strmap_next(m, &i, &k, &v)) { ... }.
 * The map must not be modified during iteration. Key and value are
 * borrowed.
 */
bool strmap_next(const struct strmap *m, size_t *iter, const char **ret_key,
		 void **ret_value);

#endif
