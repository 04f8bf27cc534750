/*
 * informer_slim.c — helpers for informer transforms: keep only the
 * fields a component reads, and share the values many objects repeat
 * (labels, owner references, default tolerations, conditions set in the
 * same second, common strings) through one process-wide table.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/hash.h"
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
 * Interned values: an open-addressing table of (structural hash, value),
 * equal values found by json_equal(). A value only the table holds is
 * dropped when the table is rebuilt, once it has doubled since the last
 * rebuild.
 */
struct interned {
	uint64_t hash;
	json_t *v; /* one reference; NULL: empty slot */
};

static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static struct interned *itab; /* under intern_lock */
static size_t icap, ilen, isweep_at = 1024;

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* A hash equal for json_equal() values (objects: whatever key order). */
static uint64_t value_hash(const json_t *v)
{
	uint64_t h = (uint64_t)json_typeof(v) * FNV1A_PRIME;
	const char *key;
	json_int_t n;
	json_t *e;
	size_t i;
	double d;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach ((json_t *)v, key, e)
			h += mix(fnv1a(FNV1A_OFFSET, key, strlen(key)) ^
				 value_hash(e));
		return h;
	case JSON_ARRAY:
		json_array_foreach (v, i, e)
			h = mix(h ^ value_hash(e)) + i;
		return h;
	case JSON_STRING:
		return fnv1a(h, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		n = json_integer_value(v);
		return mix(h ^ (uint64_t)n);
	case JSON_REAL:
		d = json_real_value(v);
		return fnv1a(h, &d, sizeof(d));
	default:
		return h;
	}
}

static void itab_insert(struct interned *tab, size_t cap, uint64_t hash,
			json_t *v)
{
	size_t i = hash & (cap - 1);

	while (tab[i].v)
		i = (i + 1) & (cap - 1);
	tab[i].hash = hash;
	tab[i].v = v;
}

/* Rebuild at twice the live entries' room, dropping the unshared. */
static void itab_rebuild(void)
{
	size_t live = 0, cap = 1024;
	struct interned *tab;

	for (size_t i = 0; i < icap; i++)
		live += itab[i].v && itab[i].v->refcount > 1;
	while (cap < 4 * live + 4)
		cap *= 2;
	tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return;
	for (size_t i = 0; i < icap; i++) {
		if (!itab[i].v)
			continue;
		if (itab[i].v->refcount > 1)
			itab_insert(tab, cap, itab[i].hash, itab[i].v);
		else
			json_decref(itab[i].v);
	}
	free(itab);
	itab = tab;
	icap = cap;
	ilen = live;
	isweep_at = 2 * live + 512 < cap / 2 ? 2 * live + 512 : cap / 2;
}

json_t *informer_intern(json_t *v)
{
	uint64_t hash;
	json_t *got = NULL;
	size_t i;

	if (!v)
		return NULL;
	hash = value_hash(v);
	pthread_mutex_lock(&intern_lock);
	if (!itab || ilen >= isweep_at)
		itab_rebuild();
	for (i = hash & (icap - 1); itab && itab[i].v; i = (i + 1) & (icap - 1))
		if (itab[i].hash == hash && json_equal(itab[i].v, v)) {
			got = itab[i].v;
			break;
		}
	if (!got && itab && ilen < icap / 2) {
		itab_insert(itab, icap, hash, json_incref(v));
		ilen++;
	}
	json_incref(got ? got : v);
	pthread_mutex_unlock(&intern_lock);
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
