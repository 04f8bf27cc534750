/*
 * authz_node.c — the Node authorizer's part kubefs serves (see authz.h):
 * a node agent reads the Secrets, ConfigMaps and PersistentVolumeClaims
 * that pods bound to its node use, and no others, as Kubernetes' Node
 * authorizer decides from its graph of pods. kubefs keeps no graph: it
 * reads the namespace's pods from the store at each decision (a node
 * agent asks when it starts a pod), so a decision is never cached.
 */
#include "fs/authz.h"

#include <stdio.h>
#include <string.h>

#include "api/cleanup.h"
#include "apiserver/admission.h"
#include "apiserver/server.h"

#define ENDPOINT_NS "kube-system"
#define ENDPOINT_SECRET "kubefs-node-endpoint-"

enum ref_kind {
	REF_SECRET,
	REF_CONFIGMAP,
	REF_PVC,
};

struct lookup {
	enum ref_kind kind;
	const char *node, *name;
	bool found;
};

static bool is(const json_t *v, const char *name)
{
	const char *s = json_string_value(v);

	return s && !strcmp(s, name);
}

#define GET(o, k) json_object_get((o), (k))

/* Does container c refer to l's object (env, envFrom)? */
static bool container_uses(const json_t *c, const struct lookup *l)
{
	const char *key =
	    l->kind == REF_SECRET ? "secretKeyRef" : "configMapKeyRef";
	const char *from = l->kind == REF_SECRET ? "secretRef" : "configMapRef";
	const json_t *e;
	size_t i;

	if (l->kind == REF_PVC)
		return false;
	json_array_foreach (GET(c, "env"), i, e)
		if (is(GET(GET(GET(e, "valueFrom"), key), "name"), l->name))
			return true;
	json_array_foreach (GET(c, "envFrom"), i, e)
		if (is(GET(GET(e, from), "name"), l->name))
			return true;
	return false;
}

/* Does volume v refer to l's object (also through a projection)? */
static bool volume_uses(const json_t *v, const struct lookup *l)
{
	const json_t *src;
	size_t i;

	switch (l->kind) {
	case REF_SECRET:
		if (is(GET(GET(v, "secret"), "secretName"), l->name))
			return true;
		break;
	case REF_CONFIGMAP:
		if (is(GET(GET(v, "configMap"), "name"), l->name))
			return true;
		break;
	case REF_PVC:
		return is(GET(GET(v, "persistentVolumeClaim"), "claimName"),
			  l->name);
	}
	json_array_foreach (GET(GET(v, "projected"), "sources"), i, src)
		if (is(GET(GET(src,
			       l->kind == REF_SECRET ? "secret" : "configMap"),
			   "name"),
		       l->name))
			return true;
	return false;
}

static bool pod_uses(const json_t *pod, const struct lookup *l)
{
	static const char *const lists[] = {"initContainers", "containers",
					    "ephemeralContainers"};
	const json_t *spec = GET(pod, "spec"), *x;
	size_t i;

	if (!is(GET(spec, "nodeName"), l->node))
		return false;
	json_array_foreach (GET(spec, "volumes"), i, x)
		if (volume_uses(x, l))
			return true;
	for (size_t k = 0; k < 3; k++)
		json_array_foreach (GET(spec, lists[k]), i, x)
			if (container_uses(x, l))
				return true;
	if (l->kind == REF_SECRET)
		json_array_foreach (GET(spec, "imagePullSecrets"), i, x)
			if (is(GET(x, "name"), l->name))
				return true;
	return false;
}

static int look(void *ud, const char *key, size_t key_len, const char *data,
		size_t len, uint64_t rv)
{
	struct lookup *l = ud;
	_cleanup_json_ json_t *pod = json_loadb(data, len, 0, NULL);

	(void)key;
	(void)key_len;
	(void)rv;
	if (pod && pod_uses(pod, l)) {
		l->found = true;
		return 1; /* stop */
	}
	return 0;
}

int authz_node_decide(struct store *st, const struct kfs_identity *id,
		      const struct rbac_attrs *at, char *reason, size_t size)
{
	const struct kind_info *kp = kinds_by_path("core", "v1", "pods");
	struct lookup l = {0};
	char prefix[STORE_KEY_MAX + 1], own[300];
	const char *node;

	if (!admission_node_name(&id->user, &node) || !node ||
	    !at->resource_request || *at->api_group || *at->subresource)
		return -1;
	if (!strcmp(at->resource, "secrets"))
		l.kind = REF_SECRET;
	else if (!strcmp(at->resource, "configmaps"))
		l.kind = REF_CONFIGMAP;
	else if (!strcmp(at->resource, "persistentvolumeclaims"))
		l.kind = REF_PVC;
	else
		return -1;
	if (strcmp(at->verb, "get") && strcmp(at->verb, "list") &&
	    strcmp(at->verb, "watch"))
		return -1; /* writes: RBAC, then NodeRestriction */
	l.node = node;
	l.name = at->name;
	snprintf(own, sizeof(own), ENDPOINT_SECRET "%s", node);
	if (!strcmp(at->verb, "get") && l.name && *l.name) {
		/* its own endpoint's token (kubefs's) */
		if (l.kind == REF_SECRET && !strcmp(l.name, own) &&
		    !strcmp(at->namespace, ENDPOINT_NS))
			return 1;
		if (kp && server_prefix(kp, at->namespace, prefix,
					sizeof(prefix)) == 0)
			store_list(st, prefix, look, &l, NULL);
		if (l.found)
			return 1;
	}
	if (reason && size)
		snprintf(reason, size,
			 "no relationship found between node '%s' and this "
			 "object",
			 node);
	return 0;
}
