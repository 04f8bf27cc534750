/*
 * owner.h — an object's controller, as metav1.GetControllerOf finds it:
 * the one definition used by the controllers (adoption, the garbage
 * collector), the scheduler's SelectorSpread and the CLI (describe's
 * "Controlled By", drain).
 */
#ifndef KUBEFS_API_OWNER_H
#define KUBEFS_API_OWNER_H

#include <jansson.h>

/*
 * The first entry of obj's metadata.ownerReferences with controller:
 * true (borrowed from obj), or NULL when there is none or obj is not an
 * object. Entries that are not objects are skipped.
 */
json_t *owner_controller_ref(const json_t *obj);

#endif
