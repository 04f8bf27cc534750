/* match.c — label selectors, node selector terms, tolerations. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sched/match.h"

const char *sched_label(const json_t *labels, const char *key)
{
	if (!json_is_object(labels))
		return NULL;
	return json_string_value(json_object_get(labels, key));
}

static bool values_contain(const json_t *values, const char *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(values))
		return false;
	json_array_foreach (values, i, e) {
		const char *s = json_string_value(e);

		if (s && strcmp(s, v) == 0)
			return true;
	}
	return false;
}

/* strconv.ParseInt(s, 10, 64): optional sign, digits, nothing else. */
static int parse_int64(const char *s, long long *ret)
{
	const char *d = s + (*s == '+' || *s == '-');
	long long v;
	char *end;

	if (*d < '0' || *d > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/*
 * One requirement against a value (NULL: key absent). Operators common to
 * label and node selectors; Gt/Lt only when allow_gt_lt.
 */
static bool requirement_holds(const json_t *req, const char *value,
			      bool allow_gt_lt)
{
	const char *op = json_string_value(json_object_get(req, "operator"));
	const json_t *values = json_object_get(req, "values");

	if (!op)
		return false;
	if (strcmp(op, "In") == 0) {
		return value && values_contain(values, value);
	} else if (strcmp(op, "NotIn") == 0) {
		return !value || !values_contain(values, value);
	} else if (strcmp(op, "Exists") == 0) {
		return value != NULL;
	} else if (strcmp(op, "DoesNotExist") == 0) {
		return value == NULL;
	} else if (allow_gt_lt &&
		   (strcmp(op, "Gt") == 0 || strcmp(op, "Lt") == 0)) {
		const char *want = json_string_value(json_array_get(values, 0));
		long long have_n, want_n;

		if (!value || !want || json_array_size(values) != 1)
			return false;
		if (parse_int64(value, &have_n) < 0 ||
		    parse_int64(want, &want_n) < 0)
			return false;
		return op[0] == 'G' ? have_n > want_n : have_n < want_n;
	}
	return false;
}

bool sched_selector_matches(const json_t *selector, const json_t *labels)
{
	const json_t *ml, *me, *v, *req;
	const char *k;
	size_t i;

	if (!json_is_object(selector))
		return false;
	ml = json_object_get(selector, "matchLabels");
	me = json_object_get(selector, "matchExpressions");
	if ((ml && !json_is_object(ml) && !json_is_null(ml)) ||
	    (me && !json_is_array(me) && !json_is_null(me)))
		return false;
	json_object_foreach ((json_t *)ml, k, v) {
		const char *have = sched_label(labels, k);
		const char *want = json_string_value(v);

		if (!have || !want || strcmp(have, want) != 0)
			return false;
	}
	json_array_foreach (me, i, req) {
		const char *key =
		    json_string_value(json_object_get(req, "key"));

		if (!key ||
		    !requirement_holds(req, sched_label(labels, key), false))
			return false;
	}
	return true;
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
	json_array_foreach (me, i, req) {
		const char *key =
		    json_string_value(json_object_get(req, "key"));

		if (!key ||
		    !requirement_holds(req, sched_label(labels, key), true))
			return false;
		n++;
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
		if (!requirement_holds(req, node_name, false))
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

const char *sched_taint_field(const json_t *taint, const char *field)
{
	const char *s = json_string_value(json_object_get(taint, field));

	return s ? s : "";
}

bool sched_toleration_tolerates_kv(const json_t *t, const char *key,
				   const char *value, const char *effect)
{
	const char *t_effect = sched_taint_field(t, "effect");
	const char *t_key = sched_taint_field(t, "key");
	const char *op = sched_taint_field(t, "operator");

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
	return strcmp(sched_taint_field(t, "value"), value) == 0;
}

bool sched_toleration_tolerates(const json_t *t, const json_t *taint)
{
	if (!json_is_object(taint))
		return false;
	return sched_toleration_tolerates_kv(
	    t, sched_taint_field(taint, "key"),
	    sched_taint_field(taint, "value"),
	    sched_taint_field(taint, "effect"));
}

bool sched_tolerations_tolerate_kv(const json_t *tolerations, const char *key,
				   const char *value, const char *effect)
{
	json_t *t;
	size_t i;

	json_array_foreach (tolerations, i, t) {
		if (sched_toleration_tolerates_kv(t, key, value, effect))
			return true;
	}
	return false;
}

bool sched_tolerations_tolerate(const json_t *tolerations, const json_t *taint)
{
	json_t *t;
	size_t i;

	json_array_foreach (tolerations, i, t) {
		if (sched_toleration_tolerates(t, taint))
			return true;
	}
	return false;
}
