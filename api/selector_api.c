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

static const struct {
	const char *name;
	enum label_op op;
	bool node_only;
} api_ops[] = {
    {"In", LOP_IN, false},	   {"NotIn", LOP_NOTIN, false},
    {"Exists", LOP_EXISTS, false}, {"DoesNotExist", LOP_NOT_EXISTS, false},
    {"Gt", LOP_GT, true},	   {"Lt", LOP_LT, true},
};

/* One requirement from API fields; values (borrowed) a JSON array of
 * strings or NULL. Appended to sel. */
static int add_api_requirement(struct label_selector *sel, const char *key,
			       enum label_op op, const json_t *values,
			       struct selmsg *m)
{
	struct selset set = {0};
	struct label_req *reqs;
	size_t i;
	json_t *v;
	int r;

	if (values && !json_is_array(values) && !json_is_null(values)) {
		selmsg_lit(m, "values: Invalid value: must be a list");
		return -EINVAL;
	}
	r = sel_key_check(key, strlen(key), "key", m);
	if (r < 0)
		return r;
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
	size_t i, k;
	json_t *e;

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

		for (k = 0; op && k < sizeof(api_ops) / sizeof(api_ops[0]); k++)
			if (!strcmp(api_ops[k].name, op) &&
			    (node || !api_ops[k].node_only))
				break;
		if (!op || k == sizeof(api_ops) / sizeof(api_ops[0])) {
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
	_cleanup_free_ struct selmsg *m = calloc(1, sizeof(*m));
	struct label_selector *sel = calloc(1, sizeof(*sel));
	const char *key;
	json_t *v;
	int r = 0;

	if (!m || !sel) {
		free(sel);
		return kf_error_set(err, -ENOMEM, "out of memory");
	}
	if (match_labels && !json_is_object(match_labels) &&
	    !json_is_null(match_labels)) {
		selmsg_lit(m, "matchLabels: Invalid value: must be a map");
		r = -EINVAL;
	}
	json_object_foreach ((json_t *)match_labels, key, v) {
		json_t *one = json_pack("[O]", v);

		r = one ? add_api_requirement(sel, key, LOP_EQ, one, m)
			: -ENOMEM;
		json_decref(one);
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
