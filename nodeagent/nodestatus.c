/*
 * nodestatus.c — the Node object, its status and its Lease as the kubelet
 * writes them.
 */
#include "nodeagent/nodestatus.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "client/client.h"
#include "nodeagent/image.h"

struct condition {
	const char *type, *status, *reason, *message;
};

/* The kubelet's conditions of a healthy node, in its order. */
static const struct condition conditions[] = {
    {"MemoryPressure", "False", "KubeletHasSufficientMemory",
     "kubelet has sufficient memory available"},
    {"DiskPressure", "False", "KubeletHasNoDiskPressure",
     "kubelet has no disk pressure"},
    {"PIDPressure", "False", "KubeletHasSufficientPID",
     "kubelet has sufficient PID available"},
    {"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
};

static const char *str(const char *s)
{
	return s ? s : "";
}

static bool complete(const struct nodestatus_info *ni)
{
	return ni && ni->name && *ni->name && ni->internal_ip && ni->cpu &&
	       ni->memory && ni->pods && ni->ephemeral_storage;
}

static json_t *labels(const struct nodestatus_info *ni)
{
	const char *arch = ni->arch ? ni->arch : "amd64";
	json_t *l = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s}", "beta.kubernetes.io/arch", arch,
	    "beta.kubernetes.io/os", "linux", "kubernetes.io/arch", arch,
	    "kubernetes.io/hostname", ni->name, "kubernetes.io/os", "linux");

	if (l && ni->fake &&
	    json_object_set_new(l, "type", json_string("kwok")) < 0) {
		json_decref(l);
		return NULL;
	}
	return l;
}

static json_t *annotations(void)
{
	return json_pack(
	    "{s:s, s:s}", "node.alpha.kubernetes.io/ttl", "0",
	    "volumes.kubernetes.io/controller-managed-attach-detach", "true");
}

static json_t *resources(const struct nodestatus_info *ni)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "cpu", ni->cpu,
			 "ephemeral-storage", ni->ephemeral_storage, "memory",
			 ni->memory, "pods", ni->pods);
}

/* The previous lastTransitionTime of condition type, if its status is
 * still status. */
static const char *kept_transition(const json_t *old_status, const char *type,
				   const char *status)
{
	size_t i;
	json_t *c;

	json_array_foreach (json_object_get(old_status, "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		const char *s = json_string_value(json_object_get(c, "status"));

		if (t && !strcmp(t, type))
			return s && !strcmp(s, status)
				   ? json_string_value(json_object_get(
					 c, "lastTransitionTime"))
				   : NULL;
	}
	return NULL;
}

/* The same conditions under pressure, as the kubelet words them. */
static const struct condition pressed[] = {
    {"MemoryPressure", "True", "KubeletHasInsufficientMemory",
     "kubelet has insufficient memory available"},
    {"DiskPressure", "True", "KubeletHasDiskPressure",
     "kubelet has disk pressure"},
    {"PIDPressure", "True", "KubeletHasInsufficientPID",
     "kubelet has insufficient PID available"},
};

static json_t *condition_list(const struct nodestatus_info *ni,
			      const json_t *old_status, const char *now)
{
	const bool pressure[] = {ni->memory_pressure, ni->disk_pressure,
				 ni->pid_pressure};
	json_t *list = json_array();

	for (size_t i = 0; list && i < sizeof(conditions) / sizeof(*conditions);
	     i++) {
		const struct condition *c =
		    i < 3 && pressure[i] ? &pressed[i] : &conditions[i];
		const char *since =
		    kept_transition(old_status, c->type, c->status);

		if (json_array_append_new(
			list,
			json_pack(
			    "{s:s, s:s, s:s, s:s, s:s, s:s}", "type", c->type,
			    "status", c->status, "lastHeartbeatTime", now,
			    "lastTransitionTime", since ? since : now, "reason",
			    c->reason, "message", c->message)) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

int nodestatus_status(const struct nodestatus_info *ni,
		      const json_t *old_status, const struct timespec *now,
		      json_t **ret)
{
	char ts[RFC3339_MAX];
	json_t *st;

	if (!complete(ni))
		return -EINVAL;
	rfc3339_format(now, false, ts);
	st = json_pack(
	    "{s:o, s:o, s:o, s:[{s:s, s:s}, {s:s, s:s}], s:{s:{s:i}}, "
	    "s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}",
	    "capacity", resources(ni), "allocatable", resources(ni),
	    "conditions", condition_list(ni, old_status, ts), "addresses",
	    "type", "InternalIP", "address", ni->internal_ip, "type",
	    "Hostname", "address", ni->name, "daemonEndpoints",
	    "kubeletEndpoint", "Port",
	    ni->port ? (int)ni->port : NODESTATUS_KUBELET_PORT, "nodeInfo",
	    "architecture", ni->arch ? ni->arch : "amd64", "bootID",
	    str(ni->boot_id), "containerRuntimeVersion",
	    str(ni->runtime_version), "kernelVersion", str(ni->kernel_version),
	    "kubeProxyVersion", NODESTATUS_KUBELET_VERSION, "kubeletVersion",
	    NODESTATUS_KUBELET_VERSION, "machineID", str(ni->machine_id),
	    "operatingSystem", "linux", "osImage", str(ni->os_image),
	    "systemUUID", str(ni->system_uuid));
	if (!st)
		return -ENOMEM;
	*ret = st;
	return 0;
}

static int set_pod_cidr(json_t *spec, const char *cidr)
{
	if (json_object_set_new(spec, "podCIDR", json_string(cidr)) < 0 ||
	    json_object_set_new(spec, "podCIDRs", json_pack("[s]", cidr)) < 0)
		return -ENOMEM;
	return 0;
}

int nodestatus_node(const struct nodestatus_info *ni,
		    const struct timespec *now, json_t **ret)
{
	_cleanup_json_ json_t *node = NULL;
	json_t *status = NULL;
	int r;

	if (!complete(ni))
		return -EINVAL;
	r = nodestatus_status(ni, NULL, now, &status);
	if (r < 0)
		return r;
	node = json_pack("{s:s, s:s, s:{s:s, s:o, s:o}, s:{}, s:o}",
			 "apiVersion", "v1", "kind", "Node", "metadata", "name",
			 ni->name, "labels", labels(ni), "annotations",
			 annotations(), "spec", "status", status);
	if (!node)
		return -ENOMEM;
	if (ni->pod_cidr && *ni->pod_cidr &&
	    set_pod_cidr(json_object_get(node, "spec"), ni->pod_cidr) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(node);
	return 0;
}

/* Put into patch[key] what want has and have lacks or differs in. */
static int missing(json_t *patch, const char *key, const json_t *want,
		   const json_t *have)
{
	json_t *diff = json_object();
	const char *k;
	json_t *v;

	if (!diff)
		return -ENOMEM;
	json_object_foreach ((json_t *)want, k, v)
		if (!json_equal(json_object_get(have, k), v) &&
		    json_object_set(diff, k, v) < 0) {
			json_decref(diff);
			return -ENOMEM;
		}
	if (!json_object_size(diff)) {
		json_decref(diff);
		return 0;
	}
	return json_object_set_new(patch, key, diff) < 0 ? -ENOMEM : 0;
}

int nodestatus_reconcile_patch(const struct nodestatus_info *ni,
			       const json_t *node, json_t **ret)
{
	_cleanup_json_ json_t *meta = json_object(), *spec = json_object();
	_cleanup_json_ json_t *want_l = labels(ni), *want_a = annotations();
	_cleanup_json_ json_t *patch = json_object();
	const json_t *have_meta = json_object_get(node, "metadata");
	const char *cidr = json_string_value(
	    json_object_get(json_object_get(node, "spec"), "podCIDR"));

	if (!meta || !spec || !want_l || !want_a || !patch)
		return -ENOMEM;
	if (missing(meta, "labels", want_l,
		    json_object_get(have_meta, "labels")) < 0 ||
	    missing(meta, "annotations", want_a,
		    json_object_get(have_meta, "annotations")) < 0)
		return -ENOMEM;
	if ((!cidr || !*cidr) && ni->pod_cidr && *ni->pod_cidr &&
	    set_pod_cidr(spec, ni->pod_cidr) < 0)
		return -ENOMEM;
	if (json_object_size(meta) &&
	    json_object_set(patch, "metadata", meta) < 0)
		return -ENOMEM;
	if (json_object_size(spec) && json_object_set(patch, "spec", spec) < 0)
		return -ENOMEM;
	*ret = json_object_size(patch) ? TAKE_PTR(patch) : NULL;
	return 0;
}

int nodestatus_lease(const char *name, const char *node_uid,
		     unsigned duration_s, const struct timespec *now,
		     json_t **ret)
{
	char ts[RFC3339_MAX];
	json_t *lease, *meta;

	if (!name || !*name || !duration_s)
		return -EINVAL;
	rfc3339_format(now, true, ts);
	lease = json_pack(
	    "{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s}}", "apiVersion",
	    "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", name,
	    "namespace", NODESTATUS_LEASE_NAMESPACE, "spec", "holderIdentity",
	    name, "leaseDurationSeconds", (int)duration_s, "renewTime", ts);
	if (!lease)
		return -ENOMEM;
	meta = json_object_get(lease, "metadata");
	if (node_uid && *node_uid &&
	    json_object_set_new(meta, "ownerReferences",
				json_pack("[{s:s, s:s, s:s, s:s}]",
					  "apiVersion", "v1", "kind", "Node",
					  "name", name, "uid", node_uid)) < 0) {
		json_decref(lease);
		return -ENOMEM;
	}
	*ret = lease;
	return 0;
}

void nodestatus_fake_uuid(const char *seed, char buf[37])
{
	char hex[IMAGE_DIGEST_HEX + 1];

	image_fake_digest(seed, hex);
	snprintf(buf, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
		 hex + 16, hex + 20);
}
