/* strmap.c — open-addressing string map (see strmap.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/hash.h"
#include "api/strmap.h"

void strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void strmap_release(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	strmap_init(m);
}

static struct strmap_slot *find_slot(const struct strmap *m, const char *key,
				     size_t hash)
{
	size_t mask = m->cap - 1;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];

		if (!s->key)
			return s;
		if (s->hash == hash && strcmp(s->key, key) == 0)
			return s;
	}
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_slot *s;

	if (!m->cap || !key)
		return NULL;
	s = find_slot(m, key, fnv1a_str_index(key));
	return s->key ? s->value : NULL;
}

static int grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct strmap_slot *slots = calloc(cap, sizeof(*slots));
	struct strmap old = *m;

	if (!slots || cap < m->cap) {
		free(slots);
		return -ENOMEM;
	}
	m->slots = slots;
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++) {
		struct strmap_slot *o = &old.slots[i];

		if (o->key)
			*find_slot(m, o->key, o->hash) = *o;
	}
	free(old.slots);
	return 0;
}

int strmap_put(struct strmap *m, const char *key, void *value)
{
	size_t hash;
	struct strmap_slot *s;
	char *copy;
	int r;

	if (!key)
		return -EINVAL;
	hash = fnv1a_str_index(key);
	if (m->cap && (s = find_slot(m, key, hash))->key) {
		s->value = value;
		return 0;
	}
	if (m->len >= STRMAP_MAX)
		return -ENOSPC;
	/* keep the load factor at or under 1/2 */
	if ((m->len + 1) * 2 > m->cap) {
		r = grow(m);
		if (r < 0)
			return r;
	}
	copy = strdup(key);
	if (!copy)
		return -ENOMEM;
	s = find_slot(m, key, hash);
	s->key = copy;
	s->hash = hash;
	s->value = value;
	m->len++;
	return 0;
}

void *strmap_remove(struct strmap *m, const char *key)
{
	size_t mask = m->cap - 1, i, j;
	struct strmap_slot *s;
	void *value;

	if (!m->cap || !key)
		return NULL;
	s = find_slot(m, key, fnv1a_str_index(key));
	if (!s->key)
		return NULL;
	value = s->value;
	free(s->key);
	s->key = NULL;
	m->len--;
	/* backward-shift the rest of the cluster into the hole */
	i = (size_t)(s - m->slots);
	for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;

		/* move j to i unless its home lies cyclically in (i, j] */
		if (i <= j ? (home <= i || home > j)
			   : (home <= i && home > j)) {
			m->slots[i] = m->slots[j];
			m->slots[j].key = NULL;
			i = j;
		}
	}
	return value;
}

bool strmap_next(const struct strmap *m, size_t *iter, const char **ret_key,
		 void **ret_value)
{
	for (size_t i = *iter; i < m->cap; i++) {
		if (m->slots[i].key) {
			*iter = i + 1;
			if (ret_key)
				*ret_key = m->slots[i].key;
			if (ret_value)
				*ret_value = m->slots[i].value;
			return true;
		}
	}
	*iter = m->cap;
	return false;
}
