/* resource.c — quantities in the scheduler's units (see resource.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/quantity.h"
#include "sched/resource.h"

int sched_resource_parse(const json_t *v, bool milli, const char *path,
			 struct kf_error *err, int64_t *ret_value)
{
	char text[QUANTITY_STRLEN + 16];
	const char *shown = json_string_value(v);
	struct quantity q;

	if (!shown) {
		char *dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		snprintf(text, sizeof(text), "%s", dump ? dump : "?");
		free(dump);
		shown = text;
	}
	if (quantity_from_json(v, &q) < 0)
		return kf_error_set(err, -EINVAL,
				    "%s: Invalid value: \"%.64s\": %s", path,
				    shown, QUANTITY_FORMAT_ERROR);
	if (quantity_sign(&q) < 0)
		return kf_error_set(err, -EINVAL,
				    "%s: Invalid value: \"%.64s\": must be "
				    "greater than or equal to 0",
				    path, shown);
	*ret_value = milli ? quantity_milli(&q) : quantity_value(&q);
	return 0;
}
