/*
 * expectations.c — see expectations.h. One entry per controller key in
 * a string map (api/strmap.h): pods still to be seen created, the keys
 * of pods still to be seen deleted, and when they were set.
 */
#include "ctrl/expectations.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "api/clock.h"
#include "api/strmap.h"

struct entry {
	long adds;
	struct strmap dels; /* pod key -> (void *)1 */
	long long at;	    /* mono_s() when set */
};

struct expectations {
	pthread_mutex_t lock;
	struct strmap by_key; /* controller key -> struct entry * */
};

static long long mono_s(void)
{
	return (long long)(mono_ms() / 1000);
}

static void entry_free(struct entry *ent)
{
	if (!ent)
		return;
	strmap_release(&ent->dels);
	free(ent);
}

int expectations_new(struct expectations **ret)
{
	struct expectations *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	strmap_init(&e->by_key);
	pthread_mutex_init(&e->lock, NULL);
	*ret = e;
	return 0;
}

void expectations_free(struct expectations *e)
{
	const char *k;
	void *v;
	size_t i = 0;

	if (!e)
		return;
	while (strmap_next(&e->by_key, &i, &k, &v))
		entry_free(v);
	strmap_release(&e->by_key);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int expectations_set(struct expectations *e, const char *key, long adds,
		     const json_t *dels)
{
	struct entry *ent = calloc(1, sizeof(*ent)), *old;
	size_t i;
	json_t *v;
	int r = 0;

	if (!ent)
		return -ENOMEM;
	strmap_init(&ent->dels);
	json_array_foreach (dels, i, v)
		if (json_is_string(v) && r == 0)
			r = strmap_put(&ent->dels, json_string_value(v),
				       (void *)1);
	ent->adds = adds;
	ent->at = mono_s();
	if (r < 0) {
		entry_free(ent);
		return r;
	}
	pthread_mutex_lock(&e->lock);
	old = strmap_get(&e->by_key, key);
	r = strmap_put(&e->by_key, key, ent);
	pthread_mutex_unlock(&e->lock);
	if (r < 0) {
		entry_free(ent);
		return r;
	}
	entry_free(old);
	return 0;
}

void expectations_lower_adds(struct expectations *e, const char *key, long n)
{
	struct entry *ent;

	pthread_mutex_lock(&e->lock);
	ent = strmap_get(&e->by_key, key);
	if (ent)
		ent->adds -= n;
	pthread_mutex_unlock(&e->lock);
}

void expectations_deletion_seen(struct expectations *e, const char *key,
				const char *pod_key)
{
	struct entry *ent;

	pthread_mutex_lock(&e->lock);
	ent = strmap_get(&e->by_key, key);
	if (ent)
		strmap_remove(&ent->dels, pod_key);
	pthread_mutex_unlock(&e->lock);
}

bool expectations_satisfied(struct expectations *e, const char *key)
{
	struct entry *ent;
	bool ok = true;

	pthread_mutex_lock(&e->lock);
	ent = strmap_get(&e->by_key, key);
	if (ent && mono_s() - ent->at < EXPECTATIONS_TTL_S)
		ok = ent->adds <= 0 && strmap_len(&ent->dels) == 0;
	pthread_mutex_unlock(&e->lock);
	return ok;
}

void expectations_delete(struct expectations *e, const char *key)
{
	struct entry *ent;

	pthread_mutex_lock(&e->lock);
	ent = strmap_remove(&e->by_key, key);
	pthread_mutex_unlock(&e->lock);
	entry_free(ent);
}
