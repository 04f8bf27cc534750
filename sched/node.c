/* node.c — a node and the pods on it (struct sched_node). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched/framework.h"
#include "api/podres.h"

static void recount(struct sched_node *n);

int sched_node_new(const char *name, struct sched_node **ret_node)
{
	struct sched_node *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->name = strdup(name);
	if (!n->name) {
		free(n);
		return -ENOMEM;
	}
	*ret_node = n;
	return 0;
}

void sched_node_free(struct sched_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_pods; i++)
		sched_pod_unref(n->pods[i]);
	free(n->pods);
	free(n->scalars);
	free(n->requested_scalars);
	json_decref(n->obj);
	free(n->name);
	free(n);
}

/* One allocatable resource: status.allocatable[name], else capacity. */
static int parse_allocatable(const json_t *alloc, const json_t *cap,
			     const char *name, bool milli, struct kf_error *err,
			     int64_t *ret)
{
	const json_t *v = json_object_get(alloc, name);
	const char *where = "status.allocatable";
	char path[64];

	if (!v) {
		v = json_object_get(cap, name);
		where = "status.capacity";
	}
	if (!v) {
		*ret = 0;
		return 0;
	}
	snprintf(path, sizeof(path), "%s[%s]", where, name);
	return resource_quantity_parse(v, milli, path, err, ret);
}

static int check_type(const json_t *v, json_type type, const char *path,
		      struct kf_error *err)
{
	static const char *const names[] = {
	    [JSON_OBJECT] = "an object",
	    [JSON_ARRAY] = "an array",
	    [JSON_STRING] = "a string",
	    [JSON_TRUE] = "a boolean",
	};

	if (!v || json_is_null(v) || json_typeof(v) == type)
		return 0;
	if (type == JSON_TRUE && json_is_boolean(v))
		return 0;
	return kf_error_set(err, -EINVAL, "%s: Invalid value: must be %s", path,
			    names[type]);
}

static bool is_core_resource(const char *name)
{
	return strcmp(name, "cpu") == 0 || strcmp(name, "memory") == 0 ||
	       strcmp(name, "pods") == 0;
}

/* The other resources offered: allocatable, and capacity for names
 * allocatable lacks. */
static int parse_scalars(const json_t *alloc, const json_t *cap,
			 struct kf_error *err, struct sched_scalar **ret,
			 size_t *ret_n)
{
	const json_t *maps[2] = {alloc, cap};
	struct sched_scalar *out = NULL;
	size_t n = 0;
	const char *name;
	json_t *v;
	int r;

	for (int m = 0; m < 2; m++) {
		json_object_foreach ((json_t *)maps[m], name, v) {
			char path[320];
			bool dup = false;

			if (is_core_resource(name))
				continue;
			for (size_t i = 0; i < n; i++)
				dup |= strcmp(out[i].name, name) == 0;
			if (dup)
				continue;
			if (n == SCHED_MAX_NODE_SCALARS) {
				free(out);
				return kf_error_set(
				    err, -EINVAL,
				    "status.allocatable: Invalid value: more "
				    "than %d resources",
				    SCHED_MAX_NODE_SCALARS);
			}
			if (!out) {
				out = calloc(SCHED_MAX_NODE_SCALARS,
					     sizeof(*out));
				if (!out)
					return -ENOMEM;
			}
			snprintf(path, sizeof(path), "%s[%.253s]",
				 m ? "status.capacity" : "status.allocatable",
				 name);
			r = resource_quantity_parse(v, false, path, err,
						    &out[n].value);
			if (r < 0) {
				free(out);
				return r;
			}
			out[n++].name = name;
		}
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

int sched_node_set(struct sched_node *n, const json_t *obj,
		   struct kf_error *err)
{
	const json_t *meta, *spec, *status, *labels, *taints, *alloc, *cap;
	const json_t *t;
	struct sched_scalar *scalars = NULL;
	int64_t *req_scalars = NULL;
	size_t i, n_scalars = 0;
	struct sched_resources a;
	const char *name;
	int r;

	if (!json_is_object(obj))
		return kf_error_set(err, -EINVAL,
				    "Node: Invalid value: must be an object");
	meta = json_object_get(obj, "metadata");
	spec = json_object_get(obj, "spec");
	status = json_object_get(obj, "status");
	name = json_string_value(json_object_get(meta, "name"));
	if (!name || strcmp(name, n->name) != 0)
		return kf_error_set(err, -EINVAL,
				    "metadata.name: Invalid value: must be "
				    "\"%s\"",
				    n->name);
	labels = json_object_get(meta, "labels");
	taints = json_object_get(spec, "taints");
	alloc = json_object_get(status, "allocatable");
	cap = json_object_get(status, "capacity");
	if ((r = check_type(spec, JSON_OBJECT, "spec", err)) < 0 ||
	    (r = check_type(status, JSON_OBJECT, "status", err)) < 0 ||
	    (r = check_type(labels, JSON_OBJECT, "metadata.labels", err)) < 0 ||
	    (r = check_type(taints, JSON_ARRAY, "spec.taints", err)) < 0 ||
	    (r = check_type(json_object_get(spec, "unschedulable"), JSON_TRUE,
			    "spec.unschedulable", err)) < 0 ||
	    (r = check_type(alloc, JSON_OBJECT, "status.allocatable", err)) <
		0 ||
	    (r = check_type(cap, JSON_OBJECT, "status.capacity", err)) < 0)
		return r;
	json_array_foreach (taints, i, t) {
		if (!json_is_object(t) ||
		    !json_is_string(json_object_get(t, "key")))
			return kf_error_set(err, -EINVAL,
					    "spec.taints[%zu].key: Required "
					    "value",
					    i);
	}
	if ((r = parse_allocatable(alloc, cap, "cpu", true, err,
				   &a.milli_cpu)) < 0 ||
	    (r = parse_allocatable(alloc, cap, "memory", false, err,
				   &a.memory)) < 0 ||
	    (r = parse_allocatable(alloc, cap, "pods", false, err, &a.pods)) <
		0)
		return r;
	r = parse_scalars(alloc, cap, err, &scalars, &n_scalars);
	if (r < 0)
		return r;
	if (n_scalars) {
		req_scalars = calloc(n_scalars, sizeof(*req_scalars));
		if (!req_scalars) {
			free(scalars);
			return -ENOMEM;
		}
	}

	free(n->scalars);
	free(n->requested_scalars);
	n->scalars = scalars;
	n->requested_scalars = req_scalars;
	n->n_scalars = n_scalars;
	json_decref(n->obj);
	n->obj = json_incref((json_t *)obj);
	n->labels = json_is_object(labels) ? labels : NULL;
	n->taints = json_is_array(taints) ? taints : NULL;
	n->unschedulable = json_is_true(json_object_get(spec, "unschedulable"));
	n->allocatable = a;
	recount(n);
	return 0;
}

void sched_node_clear(struct sched_node *n)
{
	free(n->scalars);
	free(n->requested_scalars);
	n->scalars = NULL;
	n->requested_scalars = NULL;
	n->n_scalars = 0;
	json_decref(n->obj);
	n->obj = NULL;
	n->labels = NULL;
	n->taints = NULL;
	n->unschedulable = false;
	memset(&n->allocatable, 0, sizeof(n->allocatable));
}

static void account(struct sched_node *n, const struct sched_pod *p)
{
	n->requested.milli_cpu =
	    resource_add(n->requested.milli_cpu, p->req.milli_cpu);
	n->requested.memory = resource_add(n->requested.memory, p->req.memory);
	n->requested.pods++;
	n->nonzero_requested.milli_cpu = resource_add(
	    n->nonzero_requested.milli_cpu, p->nonzero_req.milli_cpu);
	n->nonzero_requested.memory =
	    resource_add(n->nonzero_requested.memory, p->nonzero_req.memory);
	n->nonzero_requested.pods++;
	n->n_with_host_ports += p->n_host_ports > 0;
	n->n_with_anti_affinity += p->n_anti_affinity > 0;
	for (size_t i = 0; i < p->n_scalars; i++)
		for (size_t j = 0; j < n->n_scalars; j++)
			if (strcmp(p->scalars[i].name, n->scalars[j].name) == 0)
				n->requested_scalars[j] =
				    resource_add(n->requested_scalars[j],
						 p->scalars[i].value);
}

/* Recompute every sum from the pods (sums may have saturated, and the
 * node's resource list may have changed). */
static void recount(struct sched_node *n)
{
	memset(&n->requested, 0, sizeof(n->requested));
	memset(&n->nonzero_requested, 0, sizeof(n->nonzero_requested));
	for (size_t j = 0; j < n->n_scalars; j++)
		n->requested_scalars[j] = 0;
	n->n_with_host_ports = 0;
	n->n_with_anti_affinity = 0;
	for (size_t i = 0; i < n->n_pods; i++)
		account(n, n->pods[i]);
}

int sched_node_add_pod(struct sched_node *n, struct sched_pod *p)
{
	if (n->n_pods == n->cap_pods) {
		size_t cap = n->cap_pods ? n->cap_pods * 2 : 8;
		struct sched_pod **pods = realloc(n->pods, cap * sizeof(*pods));

		if (!pods)
			return -ENOMEM;
		n->pods = pods;
		n->cap_pods = cap;
	}
	n->pods[n->n_pods++] = sched_pod_ref(p);
	account(n, p);
	return 0;
}

int sched_node_remove_pod(struct sched_node *n, const struct sched_pod *p)
{
	size_t i;

	for (i = 0; i < n->n_pods && n->pods[i] != p; i++)
		;
	if (i == n->n_pods)
		return -ENOENT;
	sched_pod_unref(n->pods[i]);
	n->pods[i] = n->pods[--n->n_pods];
	recount(n);
	return 0;
}
