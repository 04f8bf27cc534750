/*
 * mergepatch.c — JSON merge patch (RFC 7386).
 */
#include "apiserver/mergepatch.h"

#include <errno.h>

#include "api/cleanup.h"

/* Merge patch into *t (owned, modified in place or replaced). */
static int merge(json_t **t, const json_t *patch, unsigned depth)
{
	const char *key;
	json_t *v;

	if (depth > MERGEPATCH_MAX_DEPTH)
		return -EFBIG;
	if (!json_is_object(patch)) {
		json_t *copy = json_deep_copy(patch);

		if (!copy)
			return -ENOMEM;
		json_decref(*t);
		*t = copy;
		return 0;
	}
	if (!json_is_object(*t)) {
		json_t *obj = json_object();

		if (!obj)
			return -ENOMEM;
		json_decref(*t);
		*t = obj;
	}
	json_object_foreach ((json_t *)patch, key, v) {
		json_t *cur;
		int r;

		if (json_is_null(v)) {
			json_object_del(*t, key);
			continue;
		}
		/* *t is private (a deep copy), so cur may change in place */
		cur = json_incref(json_object_get(*t, key));
		r = merge(&cur, v, depth + 1);
		if (r < 0) {
			json_decref(cur);
			return r;
		}
		if (json_object_set_new(*t, key, cur) < 0)
			return -ENOMEM;
	}
	return 0;
}

int mergepatch_apply(const json_t *target, const json_t *patch, json_t **ret)
{
	_cleanup_json_ json_t *t = NULL;
	int r;

	if (!patch)
		return -EINVAL;
	if (target) {
		t = json_deep_copy(target);
		if (!t)
			return -ENOMEM;
	}
	r = merge(&t, patch, 1);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(t);
	return 0;
}
