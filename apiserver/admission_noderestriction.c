/*
 * admission_noderestriction.c — NodeRestriction: what a node agent may
 * change, as Kubernetes' plugin of that name. A caller is a node when it
 * is in the group system:nodes; its node is NAME of its user name
 * system:node:NAME. A node may
 *   - create, update and delete only its own Node object, and neither
 *     set nor change labels in the node-restriction.kubernetes.io/
 *     namespace (or a subdomain of it) nor change its taints;
 *   - update the status of pods bound to it (spec.nodeName), without
 *     changing their labels; delete pods bound to it;
 *   - create only mirror pods (annotation kubernetes.io/config.mirror)
 *     bound to it; no other pod update;
 *   - (kubefs's own) write, of all Secrets, only the one holding its
 *     endpoint's token, kube-system/kubefs-node-endpoint-NAME.
 * Refusals are Kubernetes' (-EACCES), e.g.
 *   nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"
 *   pods "p" is forbidden: node "n1" can only delete pods with
 *   spec.nodeName set to itself
 * Other callers, and the server's own writes (no user), pass.
 */
#include "apiserver/admission.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "apiserver/server_i.h"

#define NODES_GROUP "system:nodes"
#define NODE_USER_PREFIX "system:node:"
#define RESTRICTED_LABELS "node-restriction.kubernetes.io"
#define MIRROR_ANNOTATION "kubernetes.io/config.mirror"
#define LABELS_MSG_MAX 1024
#define NODE_ENDPOINT_NS "kube-system"
#define NODE_ENDPOINT_SECRET "kubefs-node-endpoint-"

static const char *const op_names[] = {
    [ADMISSION_CREATE] = "CREATE",
    [ADMISSION_UPDATE] = "UPDATE",
    [ADMISSION_DELETE] = "DELETE",
};

__attribute__((format(printf, 3, 4))) static int
forbidden(const struct admission_attrs *a, struct kf_error *err,
	  const char *fmt, ...)
{
	char why[LABELS_MSG_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return kf_error_set(err, -EACCES,
			    SRV_RES_FMT " \"%s\" is forbidden: %s",
			    SRV_RES_ARGS(a->kind), a->name ? a->name : "", why);
}

/* Equal JSON values, either possibly absent (NULL). */
static bool same(const json_t *x, const json_t *y)
{
	return (!x && !y) || (x && y && json_equal(x, y));
}

static const char *spec_node(const json_t *pod)
{
	return json_string_value(
	    json_object_get(json_object_get(pod, "spec"), "nodeName"));
}

static bool same_node(const json_t *pod, const char *node)
{
	const char *n = spec_node(pod);

	return n && !strcmp(n, node);
}

static int admit_pod(struct server *srv, const struct admission_attrs *a,
		     const char *node, struct kf_error *err)
{
	_cleanup_json_ json_t *cur = NULL;
	json_t *ann;

	if (a->status) {
		if (a->op != ADMISSION_UPDATE)
			return forbidden(a, err, "unexpected operation %s",
					 op_names[a->op]);
		if (!same_node(a->old, node))
			return forbidden(a, err,
					 "node \"%s\" can only update pod "
					 "status for pods with spec.nodeName "
					 "set to itself",
					 node);
		if (!same(json_object_get(srv_meta(a->old), "labels"),
			  json_object_get(srv_meta(a->obj), "labels")))
			return forbidden(a, err,
					 "node \"%s\" cannot update labels "
					 "through pod status",
					 node);
		return 0;
	}
	switch (a->op) {
	case ADMISSION_CREATE:
		ann = json_object_get(srv_meta(a->obj), "annotations");
		if (!json_object_get(ann, MIRROR_ANNOTATION))
			return forbidden(
			    a, err,
			    "pod does not have \"" MIRROR_ANNOTATION
			    "\" annotation, node \"%s\" can only "
			    "create mirror pods",
			    node);
		if (!same_node(a->obj, node))
			return forbidden(a, err,
					 "node \"%s\" can only create pods "
					 "with spec.nodeName set to itself",
					 node);
		return 0;
	case ADMISSION_DELETE:
		if (server_get(srv, a->kind, a->ns, a->name, err, &cur) < 0)
			return 0; /* the delete says it is not found */
		if (!same_node(cur, node))
			return forbidden(a, err,
					 "node \"%s\" can only delete pods "
					 "with spec.nodeName set to itself",
					 node);
		return 0;
	default:
		return kf_error_set(err, -EACCES,
				    "pods \"%s\" is forbidden: unexpected "
				    "operation \"%s\", node \"%s\" can only "
				    "create and delete mirror pods",
				    a->name ? a->name : "", op_names[a->op],
				    node);
	}
}

/* Is label key in the node-restriction.kubernetes.io namespace? */
static bool restricted(const char *key)
{
	const char *slash = strchr(key, '/');
	size_t n = slash ? (size_t)(slash - key) : 0,
	       m = strlen(RESTRICTED_LABELS);

	if (!slash || n < m || strncmp(slash - m, RESTRICTED_LABELS, m))
		return false;
	return n == m || key[n - m - 1] == '.';
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The restricted labels that differ between labels a and b, sorted and
 * joined with ", " into buf ("" when none). */
static void changed_restricted(const json_t *a, const json_t *b, char *buf,
			       size_t size)
{
	const char *keys[64], *k;
	size_t n = 0, len = 0;
	json_t *v;

	json_object_foreach ((json_t *)a, k, v)
		if (n < 64 && restricted(k) && !same(v, json_object_get(b, k)))
			keys[n++] = k;
	json_object_foreach ((json_t *)b, k, v)
		if (n < 64 && restricted(k) && !json_object_get(a, k))
			keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
				keys[i]);
}

static int admit_node(const struct admission_attrs *a, const char *node,
		      struct kf_error *err)
{
	char labels[LABELS_MSG_MAX];
	json_t *nl, *ol;

	if (!a->name || strcmp(a->name, node))
		return forbidden(a, err,
				 "node \"%s\" is not allowed to modify node "
				 "\"%s\"",
				 node, a->name ? a->name : "");
	if (a->op == ADMISSION_DELETE)
		return 0;
	nl = json_object_get(srv_meta(a->obj), "labels");
	ol = a->old ? json_object_get(srv_meta(a->old), "labels") : NULL;
	changed_restricted(nl, ol, labels, sizeof(labels));
	if (a->op == ADMISSION_CREATE && *labels)
		return forbidden(a, err,
				 "node \"%s\" is not allowed to set the "
				 "following labels: %s",
				 node, labels);
	if (a->op != ADMISSION_UPDATE)
		return 0;
	if (!same(json_object_get(json_object_get(a->obj, "spec"), "taints"),
		  json_object_get(json_object_get(a->old, "spec"), "taints")))
		return forbidden(a, err,
				 "node \"%s\" is not allowed to modify "
				 "taints",
				 node);
	if (*labels)
		return forbidden(a, err, "is not allowed to modify labels: %s",
				 labels);
	return 0;
}

static int admit_secret(const struct admission_attrs *a, const char *node,
			struct kf_error *err)
{
	char want[300];

	snprintf(want, sizeof(want), NODE_ENDPOINT_SECRET "%s", node);
	if (a->ns && !strcmp(a->ns, NODE_ENDPOINT_NS) && a->name &&
	    !strcmp(a->name, want))
		return 0;
	return forbidden(
	    a, err,
	    "node \"%s\" may only write the secret " NODE_ENDPOINT_NS "/%s",
	    node, want);
}

int admission_node_name(const struct rbac_user *u, const char **ret)
{
	*ret = NULL;
	if (!u || !rbac_user_in_group(u, NODES_GROUP))
		return 0;
	if (u->name &&
	    !strncmp(u->name, NODE_USER_PREFIX, strlen(NODE_USER_PREFIX)))
		*ret = u->name + strlen(NODE_USER_PREFIX);
	return 1;
}

static int validate(struct server *srv, const struct admission_attrs *a,
		    struct kf_error *err)
{
	const char *node;

	if (!admission_node_name(a->user, &node))
		return 0;
	if (!node || !*node)
		return kf_error_set(err, -EACCES,
				    SRV_RES_FMT " \"%s\" is forbidden: could "
						"not determine node from user "
						"\"%s\"",
				    SRV_RES_ARGS(a->kind),
				    a->name ? a->name : "", a->user->name);
	if (a->kind == srv->k_pod)
		return admit_pod(srv, a, node, err);
	if (!strcmp(a->kind->group, "") && !strcmp(a->kind->resource, "nodes"))
		return admit_node(a, node, err);
	if (!strcmp(a->kind->group, "") &&
	    !strcmp(a->kind->resource, "secrets"))
		return admit_secret(a, node, err);
	return 0;
}

const struct admission_plugin admission_node_restriction = {
    .name = "NodeRestriction",
    .validate = validate,
};
