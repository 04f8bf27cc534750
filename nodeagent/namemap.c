/*
 * namemap.c — open-addressing hash map from names to pointers.
 */
#include "nodeagent/namemap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash_of(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return (size_t)(h ^ (h >> 29));
}

void namemap_init(struct namemap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void namemap_release(struct namemap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	namemap_init(m);
}

static size_t find(const struct namemap *m, const char *key, size_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->slots[i].key &&
	       (m->slots[i].hash != h || strcmp(m->slots[i].key, key)))
		i = (i + 1) & (m->cap - 1);
	return i;
}

void *namemap_get(const struct namemap *m, const char *key)
{
	size_t i;

	if (!m->cap || !key)
		return NULL;
	i = find(m, key, hash_of(key));
	return m->slots[i].key ? m->slots[i].value : NULL;
}

static int grow(struct namemap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct namemap_slot *old = m->slots, *slots;
	size_t old_cap = m->cap;

	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	m->slots = slots;
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			m->slots[find(m, old[i].key, old[i].hash)] = old[i];
	free(old);
	return 0;
}

int namemap_put(struct namemap *m, const char *key, void *value)
{
	size_t h, i;
	char *k;

	if (!key)
		return -EINVAL;
	h = hash_of(key);
	if (m->cap) {
		i = find(m, key, h);
		if (m->slots[i].key) {
			m->slots[i].value = value;
			return 0;
		}
	}
	if (m->len >= NAMEMAP_MAX)
		return -ENOSPC;
	/* keep the load at most 3/4 */
	if ((m->len + 1) * 4 > m->cap * 3 && grow(m) < 0)
		return -ENOMEM;
	k = strdup(key);
	if (!k)
		return -ENOMEM;
	i = find(m, key, h);
	m->slots[i].key = k;
	m->slots[i].hash = h;
	m->slots[i].value = value;
	m->len++;
	return 0;
}

void *namemap_remove(struct namemap *m, const char *key)
{
	size_t i, j, mask;
	void *value;

	if (!m->cap || !key)
		return NULL;
	i = find(m, key, hash_of(key));
	if (!m->slots[i].key)
		return NULL;
	value = m->slots[i].value;
	free(m->slots[i].key);
	m->slots[i].key = NULL;
	m->len--;
	/* backward shift: move up entries whose probe passed through i */
	mask = m->cap - 1;
	for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;

		/* may j's entry live at i? only if home is not in (i, j] */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		m->slots[i] = m->slots[j];
		m->slots[j].key = NULL;
		i = j;
	}
	return value;
}

bool namemap_next(const struct namemap *m, size_t *iter, const char **ret_key,
		  void **ret_value)
{
	for (size_t i = *iter; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		if (ret_key)
			*ret_key = m->slots[i].key;
		if (ret_value)
			*ret_value = m->slots[i].value;
		*iter = i + 1;
		return true;
	}
	*iter = m->cap;
	return false;
}
