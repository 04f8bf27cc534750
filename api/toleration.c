/*
 * toleration.c — v1.Toleration.ToleratesTaint (see toleration.h).
 */
#include "api/toleration.h"

#include <string.h>

const char *taint_field(const json_t *obj, const char *field)
{
	const char *s = json_string_value(json_object_get(obj, field));

	return s ? s : "";
}

bool toleration_tolerates_kv(const json_t *t, const char *key,
			     const char *value, const char *effect)
{
	const char *t_effect = taint_field(t, "effect");
	const char *t_key = taint_field(t, "key");
	const char *op = taint_field(t, "operator");

	if (!json_is_object(t))
		return false;
	if (*t_effect && strcmp(t_effect, effect) != 0)
		return false;
	if (*t_key && strcmp(t_key, key) != 0)
		return false;
	if (strcmp(op, "Exists") == 0)
		return true;
	if (*op && strcmp(op, "Equal") != 0)
		return false;
	return strcmp(taint_field(t, "value"), value) == 0;
}

bool toleration_tolerates(const json_t *t, const json_t *taint)
{
	if (!json_is_object(taint))
		return false;
	return toleration_tolerates_kv(t, taint_field(taint, "key"),
				       taint_field(taint, "value"),
				       taint_field(taint, "effect"));
}

bool tolerations_tolerate_kv(const json_t *tolerations, const char *key,
			     const char *value, const char *effect)
{
	json_t *t;
	size_t i;

	json_array_foreach (tolerations, i, t)
		if (toleration_tolerates_kv(t, key, value, effect))
			return true;
	return false;
}

bool tolerations_tolerate(const json_t *tolerations, const json_t *taint)
{
	json_t *t;
	size_t i;

	json_array_foreach (tolerations, i, t)
		if (toleration_tolerates(t, taint))
			return true;
	return false;
}
