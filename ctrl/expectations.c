/*
 * expectations.c — see expectations.h. One JSON object per controller
 * key: {"adds": N, "dels": {POD_KEY: true, ...}, "at": SECONDS}.
 */
#include "ctrl/expectations.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "api/clock.h"

struct expectations {
	pthread_mutex_t lock;
	json_t *by_key;
};

static long long mono_s(void)
{
	return (long long)(mono_ms() / 1000);
}

int expectations_new(struct expectations **ret)
{
	struct expectations *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->by_key = json_object();
	if (!e->by_key) {
		free(e);
		return -ENOMEM;
	}
	pthread_mutex_init(&e->lock, NULL);
	*ret = e;
	return 0;
}

void expectations_free(struct expectations *e)
{
	if (!e)
		return;
	json_decref(e->by_key);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int expectations_set(struct expectations *e, const char *key, long adds,
		     const json_t *dels)
{
	json_t *ent = json_object(), *set = json_object(), *v;
	size_t i;
	int r = 0;

	if (!ent || !set) {
		json_decref(ent);
		json_decref(set);
		return -ENOMEM;
	}
	json_array_foreach (dels, i, v)
		if (json_is_string(v))
			json_object_set_new(set, json_string_value(v),
					    json_true());
	json_object_set_new(ent, "adds", json_integer(adds));
	json_object_set_new(ent, "dels", set);
	json_object_set_new(ent, "at", json_integer(mono_s()));
	pthread_mutex_lock(&e->lock);
	if (json_object_set_new(e->by_key, key, ent) < 0)
		r = -ENOMEM;
	pthread_mutex_unlock(&e->lock);
	return r;
}

void expectations_lower_adds(struct expectations *e, const char *key, long n)
{
	json_t *ent;

	pthread_mutex_lock(&e->lock);
	ent = json_object_get(e->by_key, key);
	if (ent) {
		long adds =
		    (long)json_integer_value(json_object_get(ent, "adds"));

		json_object_set_new(ent, "adds", json_integer(adds - n));
	}
	pthread_mutex_unlock(&e->lock);
}

void expectations_deletion_seen(struct expectations *e, const char *key,
				const char *pod_key)
{
	json_t *ent;

	pthread_mutex_lock(&e->lock);
	ent = json_object_get(e->by_key, key);
	if (ent)
		json_object_del(json_object_get(ent, "dels"), pod_key);
	pthread_mutex_unlock(&e->lock);
}

bool expectations_satisfied(struct expectations *e, const char *key)
{
	json_t *ent;
	bool ok = true;

	pthread_mutex_lock(&e->lock);
	ent = json_object_get(e->by_key, key);
	if (ent && mono_s() - json_integer_value(json_object_get(ent, "at")) <
		       EXPECTATIONS_TTL_S)
		ok = json_integer_value(json_object_get(ent, "adds")) <= 0 &&
		     json_object_size(json_object_get(ent, "dels")) == 0;
	pthread_mutex_unlock(&e->lock);
	return ok;
}

void expectations_delete(struct expectations *e, const char *key)
{
	pthread_mutex_lock(&e->lock);
	json_object_del(e->by_key, key);
	pthread_mutex_unlock(&e->lock);
}
