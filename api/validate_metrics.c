/*
 * validate_metrics.c — metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics,
 * as metrics-server serves them: timestamp and window, and usage
 * (ResourceLists: cpu, memory) per container or for the node. In kubefs
 * the node agents write them (docs/nodeagent.md); they are checked as Go
 * would decode them.
 */
#include "api/validate.h"

static void times(struct validation *v, const json_t *obj, const char *owner)
{
	vget_str(v, obj, "timestamp", owner);
	vget_str(v, obj, "window", owner);
}

void validate_pod_metrics(struct validation *v, const json_t *obj,
			  const json_t *old)
{
	const json_t *cs = vget(v, obj, "containers", VT_ARRAY, "PodMetrics",
				"[]v1beta1.ContainerMetrics");
	size_t i, mark;
	json_t *c;

	(void)old;
	times(v, obj, "PodMetrics");
	if (!vcheck_elems(v, cs, VT_OBJECT, "PodMetrics",
			  "v1beta1.ContainerMetrics"))
		return;
	mark = vpath_child(v, "containers");
	json_array_foreach (cs, i, c) {
		size_t m = vpath_index(v, i);

		vget_str(v, c, "name", "ContainerMetrics");
		validate_resource_list(v, c, "usage", "ContainerMetrics");
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
}

void validate_node_metrics(struct validation *v, const json_t *obj,
			   const json_t *old)
{
	(void)old;
	times(v, obj, "NodeMetrics");
	validate_resource_list(v, obj, "usage", "NodeMetrics");
}
