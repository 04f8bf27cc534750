/*
 * validate_selector.c — metav1.LabelSelector: validation
 * (ValidateLabelSelector), and matching against a set of labels through
 * api/selector.h (LabelSelectorAsSelector + Matches).
 */
#include "api/validate.h"

#include <string.h>

#include "api/selector.h"

bool selector_is_empty(const json_t *selector)
{
	return json_object_size(json_object_get(selector, "matchLabels")) ==
		   0 &&
	       json_array_size(json_object_get(selector, "matchExpressions")) ==
		   0;
}

int selector_matches_labels(const json_t *selector, const json_t *labels)
{
	int r;

	if (!json_is_object(selector))
		return 0;
	r = label_selector_api_matches(selector, labels);
	return r < 0 ? -1 : r;
}

void validate_label_selector(struct validation *v, const json_t *selector,
			     const char *child)
{
	size_t mark = vpath_child(v, child);
	const json_t *ml, *exprs, *e;
	size_t i;

	ml = vget(v, selector, "matchLabels", VT_STRMAP, "LabelSelector", NULL);
	validate_labels(v, ml, "matchLabels");
	exprs = vget(v, selector, "matchExpressions", VT_ARRAY, "LabelSelector",
		     "[]v1.LabelSelectorRequirement");
	if (exprs && vcheck_elems(v, exprs, VT_OBJECT, "LabelSelector",
				  "v1.LabelSelectorRequirement")) {
		size_t m2 = vpath_child(v, "matchExpressions");

		json_array_foreach ((json_t *)exprs, i, e) {
			size_t m3 = vpath_index(v, i);
			const char *key, *op;
			const json_t *values;

			key = vget_str(v, e, "key", "LabelSelectorRequirement");
			op = vget_str(v, e, "operator",
				      "LabelSelectorRequirement");
			values = vget(v, e, "values", VT_ARRAY,
				      "LabelSelectorRequirement", "[]string");
			if (values)
				vcheck_elems(v, values, VT_STRING,
					     "LabelSelectorRequirement",
					     "string");
			if (op && (!strcmp(op, "In") || !strcmp(op, "NotIn"))) {
				if (json_array_size(values) == 0)
					verr_required(v, "values",
						      "must be specified when "
						      "`operator` is 'In' or "
						      "'NotIn'");
			} else if (op && (!strcmp(op, "Exists") ||
					  !strcmp(op, "DoesNotExist"))) {
				if (json_array_size(values) > 0)
					verr_forbidden(
					    v, "values",
					    "may not be specified when "
					    "`operator` is 'Exists' or "
					    "'DoesNotExist'");
			} else {
				verr_invalid_str(v, "operator", op ? op : "",
						 "not a valid selector "
						 "operator");
			}
			vcheck_qualified_name(v, "key", key ? key : "");
			if (values) {
				size_t j, m4 = vpath_child(v, "values");
				json_t *x;

				json_array_foreach ((json_t *)values, j, x) {
					size_t m5 = vpath_index(v, j);

					if (json_is_string(x))
						vcheck_label_value(
						    v, NULL,
						    json_string_value(x));
					vpath_pop(v, m5);
				}
				vpath_pop(v, m4);
			}
			vpath_pop(v, m3);
		}
		vpath_pop(v, m2);
	}
	vpath_pop(v, mark);
}
