/*
 * match.c — label selectors and node selector terms (through
 * api/selector.h), node selectors (tolerations: api/toleration.h).
 */
#include <string.h>

#include "api/selector.h"
#include "sched/match.h"

const char *sched_label(const json_t *labels, const char *key)
{
	if (!json_is_object(labels))
		return NULL;
	return json_string_value(json_object_get(labels, key));
}

/* One requirement (In or NotIn) of a matchFields term on the node's name
 * (NULL: unknown, in no set). */
static bool name_requirement_holds(const json_t *req, const char *name)
{
	const char *op = json_string_value(json_object_get(req, "operator"));
	const json_t *values = json_object_get(req, "values");
	bool in = false;
	size_t i;
	json_t *e;

	json_array_foreach (values, i, e) {
		const char *s = json_string_value(e);

		if (s && name && strcmp(s, name) == 0)
			in = true;
	}
	return op && strcmp(op, "In") == 0 ? in : !in;
}

bool sched_selector_matches(const json_t *selector, const json_t *labels)
{
	return json_is_object(selector) &&
	       label_selector_api_matches(selector, labels) == 1;
}

bool sched_node_term_matches(const json_t *term, const json_t *labels,
			     const char *node_name)
{
	const json_t *me, *mf, *req;
	size_t i, n = 0;

	if (!json_is_object(term))
		return false;
	me = json_object_get(term, "matchExpressions");
	mf = json_object_get(term, "matchFields");
	if (json_array_size(me)) {
		if (label_selector_node_matches(me, labels) != 1)
			return false;
		n += json_array_size(me);
	}
	json_array_foreach (mf, i, req) {
		const char *key =
		    json_string_value(json_object_get(req, "key"));
		const char *op;

		/* metadata.name is the one supported field, In/NotIn only */
		if (!key || strcmp(key, "metadata.name") != 0)
			return false;
		op = json_string_value(json_object_get(req, "operator"));
		if (!op || (strcmp(op, "In") != 0 && strcmp(op, "NotIn") != 0))
			return false;
		if (!name_requirement_holds(req, node_name))
			return false;
		n++;
	}
	return n > 0;
}

bool sched_node_terms_match(const json_t *terms, const json_t *labels,
			    const char *node_name)
{
	json_t *term;
	size_t i;

	json_array_foreach (terms, i, term) {
		if (sched_node_term_matches(term, labels, node_name))
			return true;
	}
	return false;
}

bool sched_node_selector_matches(const json_t *selector, const json_t *labels)
{
	const char *k;
	json_t *v;

	if (!selector || json_is_null(selector))
		return true;
	if (!json_is_object(selector))
		return false;
	json_object_foreach ((json_t *)selector, k, v) {
		const char *have = sched_label(labels, k);
		const char *want = json_string_value(v);

		if (!have || !want || strcmp(have, want) != 0)
			return false;
	}
	return true;
}
