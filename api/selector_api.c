/*
 * selector_api.c — metav1.LabelSelector and v1.NodeSelectorRequirement
 * lists turned into label selectors, as LabelSelectorAsSelector and
 * NodeSelectorRequirementsAsSelector do: the requirements and their
 * checks are the text parser's (selector.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/selector.h"
#include "api/selector_i.h"
#include "api/validate.h"

static const struct {
	const char *name;
	enum label_op op;
	bool node_only;
} api_ops[] = {
    {"In", LOP_IN, false},	   {"NotIn", LOP_NOTIN, false},
    {"Exists", LOP_EXISTS, false}, {"DoesNotExist", LOP_NOT_EXISTS, false},
    {"Gt", LOP_GT, true},	   {"Lt", LOP_LT, true},
};

/* The index of operator op in api_ops, -1 if not one (Gt and Lt only
 * for node selectors). */
static int api_op(const char *op, bool node)
{
	for (size_t k = 0; op && k < sizeof(api_ops) / sizeof(api_ops[0]); k++)
		if (!strcmp(api_ops[k].name, op) &&
		    (node || !api_ops[k].node_only))
			return (int)k;
	return -1;
}

/* One requirement from API fields; values (borrowed) a JSON array of
 * strings or NULL. Appended to sel. */
static int add_api_requirement(struct label_selector *sel, const char *key,
			       enum label_op op, const json_t *values,
			       struct selmsg *m)
{
	struct selset set = {0};
	struct label_req *reqs;
	const char *count;
	size_t i;
	json_t *v;
	int r;

	if (values && !json_is_array(values) && !json_is_null(values) &&
	    !(op == LOP_EQ && json_is_string(values))) {
		selmsg_lit(m, "values: Invalid value: must be a list");
		return -EINVAL;
	}
	count = sel_count_error(
	    op, json_is_string(values) ? 1 : json_array_size(values));
	if (count) {
		/* Kubernetes counts the values as given, repeats included */
		selmsg_lit(m, "values: Invalid value: ");
		selmsg_add(m, count, strlen(count));
		return -EINVAL;
	}
	r = sel_key_check(key, strlen(key), "key", m);
	if (r < 0)
		return r;
	if (json_is_string(values)) {
		r = selset_add(&set, json_string_value(values),
			       json_string_length(values));
		if (r < 0)
			return r;
	}
	json_array_foreach (values, i, v) {
		if (!json_is_string(v)) {
			selmsg_addf(m,
				    "values[%zu]: Invalid value: must be a "
				    "string",
				    i);
			selset_release(&set);
			return -EINVAL;
		}
		r = selset_add(&set, json_string_value(v),
			       json_string_length(v));
		if (r < 0) {
			selset_release(&set);
			return r;
		}
	}
	reqs = realloc(sel->reqs, (sel->n + 1) * sizeof(*reqs));
	if (!reqs) {
		selset_release(&set);
		return -ENOMEM;
	}
	sel->reqs = reqs;
	memset(&reqs[sel->n], 0, sizeof(reqs[0]));
	r = sel_new_requirement(key, strlen(key), op, &set, m, &reqs[sel->n]);
	selset_release(&set);
	if (r == 0)
		sel->n++;
	return r;
}

static int add_api_expressions(struct label_selector *sel, const json_t *exprs,
			       bool node, struct selmsg *m)
{
	size_t i;
	json_t *e;
	int k;

	if (exprs && !json_is_array(exprs) && !json_is_null(exprs)) {
		selmsg_lit(m,
			   "matchExpressions: Invalid value: must be a list");
		return -EINVAL;
	}
	json_array_foreach (exprs, i, e) {
		const char *key = json_string_value(json_object_get(e, "key"));
		const char *op =
		    json_string_value(json_object_get(e, "operator"));
		int r;

		k = api_op(op, node);
		if (k < 0) {
			selmsg_quote(m, op ? op : "", op ? strlen(op) : 0);
			selmsg_addf(m, " is not a valid %s selector operator",
				    node ? "node" : "label");
			return -EINVAL;
		}
		r = add_api_requirement(sel, key ? key : "", api_ops[k].op,
					json_object_get(e, "values"), m);
		if (r < 0)
			return r;
	}
	return 0;
}

static int from_api(const json_t *match_labels, const json_t *exprs, bool node,
		    struct kf_error *err, struct label_selector **ret)
{
	struct label_selector *sel = calloc(1, sizeof(*sel));
	struct selmsg msg, *m = &msg; /* not zeroed: only errors write it */
	const char *key;
	json_t *v;
	int r = 0;

	if (!sel)
		return kf_error_set(err, -ENOMEM, "out of memory");
	selmsg_reset(m);
	if (match_labels && !json_is_object(match_labels) &&
	    !json_is_null(match_labels)) {
		selmsg_lit(m, "matchLabels: Invalid value: must be a map");
		r = -EINVAL;
	}
	json_object_foreach ((json_t *)match_labels, key, v) {
		if (!json_is_string(v)) {
			selmsg_addf(m,
				    "matchLabels[%s]: Invalid value: must "
				    "be a string",
				    key);
			r = -EINVAL;
			break;
		}
		r = add_api_requirement(sel, key, LOP_EQ, v, m);
		if (r < 0)
			break;
	}
	if (r == 0)
		r = add_api_expressions(sel, exprs, node, m);
	return sel_finish(sel, r, m, err, ret);
}

int label_selector_from_api(const json_t *selector, struct kf_error *err,
			    struct label_selector **ret)
{
	struct label_selector *sel;

	if (!selector || json_is_null(selector)) {
		sel = calloc(1, sizeof(*sel));
		if (!sel)
			return kf_error_set(err, -ENOMEM, "out of memory");
		sel->nothing = true;
		*ret = sel;
		return 0;
	}
	if (!json_is_object(selector))
		return kf_error_set(err, -EINVAL,
				    "a label selector must be an object");
	return from_api(json_object_get(selector, "matchLabels"),
			json_object_get(selector, "matchExpressions"), false,
			err, ret);
}

int label_selector_from_node_requirements(const json_t *exprs,
					  struct kf_error *err,
					  struct label_selector **ret)
{
	return from_api(NULL, exprs, true, err, ret);
}

/* ---- matching without building: the same checks and operators ---- */

/* One requirement on labels: 1 holds, 0 not, -EINVAL invalid (what
 * add_api_requirement() refuses). values: a JSON array, or for
 * matchLabels the one value as a JSON string. */
static int api_req_holds(const char *key, enum label_op op,
			 const json_t *values, const json_t *labels)
{
	const char *have, *s;
	size_t n, i;
	bool in = false;
	long long want = 0;
	json_t *v;

	if (!key || !is_qualified_name(key))
		return -EINVAL;
	if (json_is_string(values) && op == LOP_EQ) {
		s = json_string_value(values);
		if (!is_label_value(s))
			return -EINVAL;
		have = json_string_value(json_object_get(labels, key));
		return sel_op_holds(op, have, have && !strcmp(have, s), 0);
	}
	if (values && !json_is_array(values) && !json_is_null(values))
		return -EINVAL;
	n = json_array_size(values);
	if (sel_count_error(op, n))
		return -EINVAL;
	have = json_string_value(json_object_get(labels, key));
	json_array_foreach (values, i, v) {
		s = json_string_value(v);
		if (!s || !is_label_value(s))
			return -EINVAL;
		if ((op == LOP_GT || op == LOP_LT) &&
		    !sel_parse_int64(s, strlen(s), &want))
			return -EINVAL;
		in = in || (have && !strcmp(have, s));
	}
	return sel_op_holds(op, have, in, want);
}

static int api_matches(const json_t *match_labels, const json_t *exprs,
		       bool node, const json_t *labels)
{
	const char *key;
	bool all = true;
	size_t i;
	json_t *v, *e;
	int r;

	if (!json_is_object(labels))
		labels = NULL;
	if ((match_labels && !json_is_object(match_labels) &&
	     !json_is_null(match_labels)) ||
	    (exprs && !json_is_array(exprs) && !json_is_null(exprs)))
		return -EINVAL;
	/* every requirement is checked, as the conversion would */
	json_object_foreach ((json_t *)match_labels, key, v) {
		if (!json_is_string(v))
			return -EINVAL;
		r = api_req_holds(key, LOP_EQ, v, labels);
		if (r < 0)
			return r;
		all = all && r;
	}
	json_array_foreach (exprs, i, e) {
		int k = api_op(
		    json_string_value(json_object_get(e, "operator")), node);

		if (k < 0)
			return -EINVAL;
		r = api_req_holds(json_string_value(json_object_get(e, "key")),
				  api_ops[k].op, json_object_get(e, "values"),
				  labels);
		if (r < 0)
			return r;
		all = all && r;
	}
	return all;
}

int label_selector_api_matches(const json_t *selector, const json_t *labels)
{
	if (!selector || json_is_null(selector))
		return 0;
	if (!json_is_object(selector))
		return -EINVAL;
	return api_matches(json_object_get(selector, "matchLabels"),
			   json_object_get(selector, "matchExpressions"), false,
			   labels);
}

int label_selector_node_matches(const json_t *exprs, const json_t *labels)
{
	return api_matches(NULL, exprs, true, labels);
}
