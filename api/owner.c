/*
 * owner.c — metav1.GetControllerOf (see owner.h).
 */
#include "api/owner.h"

json_t *owner_controller_ref(const json_t *obj)
{
	json_t *refs = json_object_get(json_object_get(obj, "metadata"),
				       "ownerReferences");
	json_t *ref;
	size_t i;

	json_array_foreach (refs, i, ref)
		if (json_is_true(json_object_get(ref, "controller")))
			return ref;
	return NULL;
}
