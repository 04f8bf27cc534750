/*
 * informer_slim.c — helpers for informer transforms: keep only the
 * fields a component reads, and share the values many objects repeat
 * (labels, owner references, default tolerations, conditions set in the
 * same second, common strings) through one process-wide table.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client/informer.h"

/* Does path start with key followed by '\0', '.' or "[]"? *ret_rest: what
 * follows ("" for the whole field, ".x" or "[]..." below it). */
static bool path_names(const char *path, const char *key, const char **ret_rest)
{
	size_t n = strlen(key);

	if (strncmp(path, key, n) != 0 ||
	    (path[n] && path[n] != '.' && path[n] != '['))
		return false;
	*ret_rest = path + n;
	return true;
}

#define KEEP_PATHS_MAX 64

/* What to do with the fields the paths name: keep them (and delete the
 * others), or share them (and leave the others). */
enum walk_mode { WALK_KEEP, WALK_SHARE };

static void share_in(json_t *parent, const char *key, size_t i, json_t *v);
static void walk_in(json_t *v, const char *const *rests, size_t n,
		    enum walk_mode mode);

/* Apply mode to the fields of object obj that paths name. */
static void walk_object(json_t *obj, const char *const *paths, size_t n,
			enum walk_mode mode)
{
	const char *key;
	json_t *v, *tmp;

	json_object_foreach_safe (obj, tmp, key, v) {
		const char *rests[KEEP_PATHS_MAX];
		size_t m = 0;
		bool whole = false;

		for (size_t i = 0; i < n && m < KEEP_PATHS_MAX; i++) {
			if (!path_names(paths[i], key, &rests[m]))
				continue;
			whole = whole || !*rests[m];
			m++;
		}
		if (!m && mode == WALK_KEEP)
			json_object_del(obj, key);
		else if (whole && mode == WALK_SHARE)
			share_in(obj, key, 0, v);
		else if (m && !whole)
			walk_in(v, rests, m, mode);
	}
}

/* rests: ".sub" (v an object) or "[]..." (v an array) */
static void walk_in(json_t *v, const char *const *rests, size_t n,
		    enum walk_mode mode)
{
	const char *sub[KEEP_PATHS_MAX];
	size_t m = 0, i;
	json_t *e;

	if (json_is_object(v)) {
		for (i = 0; i < n; i++)
			if (rests[i][0] == '.')
				sub[m++] = rests[i] + 1;
		walk_object(v, sub, m, mode);
		return;
	}
	if (!json_is_array(v))
		return;
	for (i = 0; i < n; i++) {
		if (strcmp(rests[i], "[]") == 0) {
			/* every element whole */
			if (mode == WALK_SHARE)
				json_array_foreach (v, i, e)
					share_in(v, NULL, i, e);
			return;
		}
		if (strncmp(rests[i], "[].", 3) == 0)
			sub[m++] = rests[i] + 3;
	}
	json_array_foreach (v, i, e)
		if (json_is_object(e))
			walk_object(e, sub, m, mode);
}

static void walk(json_t *obj, const char *const *fields, enum walk_mode mode)
{
	size_t n = 0;

	while (fields[n] && n < KEEP_PATHS_MAX)
		n++;
	if (json_is_object(obj))
		walk_object(obj, fields, n, mode);
}

void informer_keep_fields(json_t *obj, const char *const *fields)
{
	walk(obj, fields, WALK_KEEP);
}

/*
 * Interned values, keyed by their canonical text. A value only the table
 * holds is dropped when the table has doubled since the last sweep.
 */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *interned; /* text -> value */
static size_t intern_sweep_at = 1024;

static void intern_sweep(void)
{
	const char *key;
	json_t *v, *tmp;

	json_object_foreach_safe (interned, tmp, key, v)
		if (v->refcount == 1)
			json_object_del(interned, key);
	intern_sweep_at = 2 * json_object_size(interned) + 1024;
}

json_t *informer_intern(json_t *v)
{
	char *text;
	json_t *got;

	if (!v)
		return NULL;
	text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!text)
		return json_incref(v);
	pthread_mutex_lock(&intern_lock);
	if (!interned)
		interned = json_object();
	got = json_object_get(interned, text);
	if (!got && interned) {
		if (json_object_size(interned) >= intern_sweep_at)
			intern_sweep();
		if (json_object_set(interned, text, v) == 0)
			got = v;
	}
	json_incref(got ? got : v);
	pthread_mutex_unlock(&intern_lock);
	free(text);
	return got ? got : v;
}

/* Replace v (member key of parent, or element i when key is NULL) by
 * its interned copy. */
static void share_in(json_t *parent, const char *key, size_t i, json_t *v)
{
	json_t *c = informer_intern(v);

	if (c == v) {
		json_decref(c);
		return;
	}
	if (key)
		json_object_set_new(parent, key, c);
	else
		json_array_set_new(parent, i, c);
}

void informer_share_fields(json_t *obj, const char *const *fields)
{
	walk(obj, fields, WALK_SHARE);
}
