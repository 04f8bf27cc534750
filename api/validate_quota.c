/*
 * validate_quota.c — ResourceQuota (ValidateResourceQuota): spec.hard is
 * a list of non-negative quantities; status.hard and status.used, written
 * by the quota controller, are read as the same type.
 */
#include "api/validate.h"

#include "api/quantity.h"

void validate_resource_list(struct validation *v, const json_t *parent,
			    const char *field, const char *owner)
{
	const json_t *list =
	    vget(v, parent, field, VT_OBJECT, owner, "v1.ResourceList");
	size_t mark = vpath_child(v, field);
	const char *name;
	struct quantity q;
	json_t *val;

	json_object_foreach ((json_t *)list, name, val) {
		char text[QUANTITY_STRLEN];

		if (!vget(v, list, name, VT_QUANTITY, owner, NULL) ||
		    quantity_from_json(val, &q) < 0 || quantity_sign(&q) >= 0)
			continue;
		size_t m = vpath_key(v, name);
		quantity_format(&q, text);
		verr_invalid_str(v, NULL, text,
				 "must be greater than or equal to 0");
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
}

void validate_resource_quota(struct validation *v, const json_t *obj,
			     const json_t *old)
{
	const json_t *spec = vget(v, obj, "spec", VT_OBJECT, "ResourceQuota",
				  "v1.ResourceQuotaSpec");
	const json_t *status = vget(v, obj, "status", VT_OBJECT,
				    "ResourceQuota", "v1.ResourceQuotaStatus");
	size_t mark;

	mark = vpath_child(v, "spec");
	validate_resource_list(v, spec, "hard", "ResourceQuotaSpec");
	vpath_pop(v, mark);
	mark = vpath_child(v, "status");
	validate_resource_list(v, status, "hard", "ResourceQuotaStatus");
	validate_resource_list(v, status, "used", "ResourceQuotaStatus");
	vpath_pop(v, mark);
}
