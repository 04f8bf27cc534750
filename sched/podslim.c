/*
 * podslim.c — what a pod costs the scheduler: the informer's transform
 * (sched_pod_slim) and the view's own small object (sched_pod_reduce),
 * whose repeated parts (labels, tolerations, common strings) are shared
 * between pods; and the node informer's transform (sched_node_slim).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/informer.h"
#include "sched/framework.h"
#include "sched/pod_i.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void sched_pod_slim(json_t *obj)
{
	static const char *const fields[] = {
	    "apiVersion",
	    "kind",
	    "metadata.name",
	    "metadata.namespace",
	    "metadata.uid",
	    "metadata.resourceVersion",
	    "metadata.labels",
	    "metadata.ownerReferences",
	    "metadata.deletionTimestamp",
	    "spec.nodeName",
	    "spec.schedulerName",
	    "spec.priority",
	    "spec.nodeSelector",
	    "spec.affinity",
	    "spec.tolerations",
	    "spec.hostNetwork",
	    "spec.overhead",
	    "spec.containers[].name",
	    "spec.containers[].resources",
	    "spec.containers[].ports",
	    "spec.initContainers[].name",
	    "spec.initContainers[].resources",
	    "spec.initContainers[].ports",
	    "spec.initContainers[].restartPolicy",
	    "status.phase",
	    "status.conditions",
	    NULL,
	};
	json_t *spec;

	informer_keep_fields(obj, fields);
	/* the conditions matter while the pod waits for a node (the
	 * scheduler rewrites PodScheduled), not once it is bound; nor do
	 * what the pod tolerates and the nodes it asks for: a bound pod
	 * counts on its node by its requests, ports, labels and pod
	 * (anti-)affinity only */
	spec = json_object_get(obj, "spec");
	if (json_string_length(json_object_get(spec, "nodeName"))) {
		json_object_del(json_object_get(obj, "status"), "conditions");
		json_object_del(spec, "tolerations");
		json_object_del(spec, "nodeSelector");
		json_object_del(json_object_get(spec, "affinity"),
				"nodeAffinity");
	}
}

/* Set field of dst to src's (interned when share), if src has it. */
static int carry(json_t *dst, const json_t *src, const char *field, bool share)
{
	json_t *v = json_object_get(src, field);

	if (!v)
		return 0;
	v = share ? informer_intern(v) : json_incref(v);
	return json_object_set_new(dst, field, v) < 0 ? -ENOMEM : 0;
}

int sched_pod_reduce(struct sched_pod *pod)
{
	static const char *const shared_meta[] = {"namespace", "labels"};
	static const char *const own_meta[] = {"name", "uid", "resourceVersion",
					       "deletionTimestamp"};
	static const char *const shared_spec[] = {
	    "schedulerName", "tolerations", "nodeSelector"};
	static const char *const own_spec[] = {"nodeName", "priority",
					       "affinity", "hostNetwork"};
	static const char *const parts[] = {"containers", "initContainers",
					    "overhead"};
	const json_t *meta = json_object_get(pod->obj, "metadata");
	const json_t *spec = json_object_get(pod->obj, "spec");
	json_t *out = json_object(), *m = json_object(), *sp = json_object();
	size_t i;
	int r = out && m && sp ? 0 : -ENOMEM;

	for (i = 0; r == 0 && i < 2; i++)
		r = carry(out, pod->obj, i ? "kind" : "apiVersion", true);
	for (i = 0; r == 0 && i < ARRAY_SIZE(shared_meta); i++)
		r = carry(m, meta, shared_meta[i], true);
	for (i = 0; r == 0 && i < ARRAY_SIZE(own_meta); i++)
		r = carry(m, meta, own_meta[i], false);
	for (i = 0; r == 0 && i < ARRAY_SIZE(shared_spec); i++)
		r = carry(sp, spec, shared_spec[i], true);
	for (i = 0; r == 0 && i < ARRAY_SIZE(own_spec); i++)
		r = carry(sp, spec, own_spec[i], false);
	/* host ports and other resources borrow their names from here */
	for (i = 0; r == 0 && (pod->n_host_ports || pod->n_scalars) &&
		    i < ARRAY_SIZE(parts);
	     i++)
		r = carry(sp, spec, parts[i], false);
	if (r == 0 && (json_object_set(out, "metadata", m) < 0 ||
		       json_object_set(out, "spec", sp) < 0))
		r = -ENOMEM;
	if (r < 0) {
		json_decref(out);
		json_decref(m);
		json_decref(sp);
		return r;
	}
	/* the shared copies are equal to what the pointers saw */
	pod->labels = json_object_get(m, "labels");
	pod->tolerations = json_object_get(sp, "tolerations");
	pod->node_selector = json_object_get(sp, "nodeSelector");
	if (json_string_length(json_object_get(m, "namespace")))
		pod->ns = json_string_value(json_object_get(m, "namespace"));
	if (json_string_length(json_object_get(sp, "schedulerName")))
		pod->scheduler_name =
		    json_string_value(json_object_get(sp, "schedulerName"));
	json_decref(m);
	json_decref(sp);
	json_decref(pod->obj);
	pod->obj = out;
	return 0;
}

void sched_node_slim(json_t *obj)
{
	static const char *const fields[] = {
	    "apiVersion",
	    "kind",
	    "metadata.name",
	    "metadata.uid",
	    "metadata.resourceVersion",
	    "metadata.labels",
	    "spec.taints",
	    "spec.unschedulable",
	    "status.allocatable",
	    "status.capacity",
	    NULL,
	};
	static const char *const shared[] = {"metadata.labels", "spec.taints",
					     "status", NULL};

	informer_keep_fields(obj, fields);
	informer_share_fields(obj, shared);
}
