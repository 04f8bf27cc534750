/*
 * jsonfield.c — typed reads of optional JSON fields (see jsonfield.h).
 */
#include "api/jsonfield.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

int jfield_invalid(struct kf_error *err, const char *path, const char *what)
{
	return kf_error_set(err, -EINVAL, "%s: Invalid value: %s", path, what);
}

/* obj[key] if absent, null or of type t; else NULL and *ret_bad set. */
static const json_t *typed(const json_t *obj, const char *key, json_type t,
			   bool *ret_bad)
{
	const json_t *v = json_object_get(obj, key);

	*ret_bad = v && !json_is_null(v) && json_typeof(v) != t;
	return v && json_typeof(v) == t ? v : NULL;
}

int jfield_object(const json_t *obj, const char *key, const char *path,
		  struct kf_error *err, const json_t **ret)
{
	bool bad;
	const json_t *v = typed(obj, key, JSON_OBJECT, &bad);

	if (bad)
		return jfield_invalid(err, path, "must be an object");
	*ret = v;
	return 0;
}

int jfield_array(const json_t *obj, const char *key, const char *path,
		 struct kf_error *err, const json_t **ret)
{
	bool bad;
	const json_t *v = typed(obj, key, JSON_ARRAY, &bad);

	if (bad)
		return jfield_invalid(err, path, "must be an array");
	*ret = v;
	return 0;
}

int jfield_string(const json_t *obj, const char *key, const char *path,
		  struct kf_error *err, const char **ret)
{
	bool bad;
	const json_t *v = typed(obj, key, JSON_STRING, &bad);

	if (bad)
		return jfield_invalid(err, path, "must be a string");
	*ret = json_string_value(v);
	return 0;
}

const json_t *jfield_named(const json_t *arr, const char *name)
{
	size_t i;
	json_t *e;

	if (!name)
		return NULL;
	json_array_foreach (arr, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n && !strcmp(n, name))
			return e;
	}
	return NULL;
}
