/*
 * limitrange.c — the LimitRange kind: defaulting (SetDefaults_LimitRange-
 * Item: a Container item's default comes from max, its defaultRequest
 * from default, else min) and validation (ValidateLimitRange, the type
 * and quantity rules).
 */
#include <string.h>

#include "api/defaults.h"
#include "api/quantity.h"
#include "api/validate.h"

/* Copy each resource of src missing from obj[key] into it. */
static void fill_from(json_t *item, const char *key, const json_t *src)
{
	const char *name;
	json_t *dst, *v;

	if (!json_is_object(src) || !json_object_size(src))
		return;
	dst = json_object_get(item, key);
	if (!dst) {
		dst = json_object();
		if (json_object_set_new(item, key, dst) < 0)
			return;
	}
	if (!json_is_object(dst))
		return;
	json_object_foreach ((json_t *)src, name, v)
		if (!json_object_get(dst, name))
			json_object_set(dst, name, v);
}

void defaults_limit_range(json_t *obj)
{
	json_t *limits =
	    json_object_get(json_object_get(obj, "spec"), "limits");
	json_t *item;
	size_t i;

	json_array_foreach (limits, i, item) {
		const char *type =
		    json_string_value(json_object_get(item, "type"));

		if (!type || strcmp(type, "Container"))
			continue;
		fill_from(item, "default", json_object_get(item, "max"));
		fill_from(item, "defaultRequest",
			  json_object_get(item, "default"));
		fill_from(item, "defaultRequest", json_object_get(item, "min"));
	}
}

static const char *const item_types[] = {"Pod", "Container",
					 "PersistentVolumeClaim", NULL};

static void quantities(struct validation *v, const json_t *item,
		       const char *field)
{
	const json_t *list = vget(v, item, field, VT_OBJECT, "LimitRangeItem",
				  "v1.ResourceList");
	size_t mark = vpath_child(v, field);
	const char *name;
	json_t *val;

	json_object_foreach ((json_t *)list, name, val)
		vget(v, list, name, VT_QUANTITY, "LimitRangeItem", NULL);
	vpath_pop(v, mark);
}

void validate_limit_range(struct validation *v, const json_t *obj,
			  const json_t *old)
{
	static const char *const fields[] = {
	    "max", "min", "default", "defaultRequest", "maxLimitRequestRatio",
	};
	const json_t *spec =
	    vget(v, obj, "spec", VT_OBJECT, "LimitRange", "v1.LimitRangeSpec");
	const json_t *limits, *item;
	size_t mark, i;

	mark = vpath_child(v, "spec");
	limits = vget(v, spec, "limits", VT_ARRAY, "LimitRangeSpec",
		      "[]v1.LimitRangeItem");
	if (limits && !vcheck_elems(v, limits, VT_OBJECT, "LimitRangeSpec",
				    "v1.LimitRangeItem"))
		limits = NULL;
	json_array_foreach (limits, i, item) {
		size_t m = vpath_child(v, "limits");
		const char *type;

		vpath_index(v, i);
		type = vget_str(v, item, "type", "LimitRangeItem");
		if (!type || !*type)
			verr_required(v, "type", NULL);
		else {
			bool known = false;

			for (size_t t = 0; item_types[t]; t++)
				known |= !strcmp(item_types[t], type);
			if (!known)
				verr_unsupported_str(v, "type", type,
						     item_types);
		}
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
			quantities(v, item, fields[f]);
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
}
