/*
 * jsonfield.h — reads of optional fields of a JSON object that must have
 * one JSON type, for code that consumes objects the API server already
 * validated (scheduler, node agent) and must still never trust them.
 *
 * Each reads obj[key] (obj may be NULL): absent or null gives NULL, the
 * expected type gives the (borrowed) value, anything else is -EINVAL
 * with "<path>: Invalid value: must be an object" (array, string) in
 * err. *ret is untouched on failure.
 */
#ifndef KUBEFS_API_JSONFIELD_H
#define KUBEFS_API_JSONFIELD_H

#include <jansson.h>

#include "api/error.h"

int jfield_object(const json_t *obj, const char *key, const char *path,
		  struct kf_error *err, const json_t **ret);
int jfield_array(const json_t *obj, const char *key, const char *path,
		 struct kf_error *err, const json_t **ret);
int jfield_string(const json_t *obj, const char *key, const char *path,
		  struct kf_error *err, const char **ret);

/*
 * The element of the array arr whose "name" is name (a container, a
 * container status, a volume, a port), or NULL. arr may be NULL or not
 * an array. Borrowed from arr.
 */
const json_t *jfield_named(const json_t *arr, const char *name);

/* -EINVAL with "<path>: Invalid value: <what>". */
int jfield_invalid(struct kf_error *err, const char *path, const char *what);

#endif
