/*
 * kinds.c — the table of served kinds, lookups, and admission (defaulting
 * then validation).
 */
#include "api/kinds.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/defaults.h"
#include "api/validate.h"

enum {
	K_NAMESPACE,
	K_NODE,
	K_POD,
	K_SERVICE,
	K_ENDPOINTS,
	K_CONFIGMAP,
	K_SECRET,
	K_EVENT,
	K_SERVICEACCOUNT,
	K_DEPLOYMENT,
	K_REPLICASET,
	K_DAEMONSET,
	K_STATEFULSET,
	K_JOB,
	K_CRONJOB,
	K_LEASE,
	K_ENDPOINTSLICE,
	K_ROLE,
	K_CLUSTERROLE,
	K_ROLEBINDING,
	K_CLUSTERROLEBINDING,
	K_RESOURCEQUOTA,
	K_LIMITRANGE,
	K_PODMETRICS,
	K_NODEMETRICS,
	K_COUNT,
};

static const struct kind_info kinds[K_COUNT];

/* The validate hook of row i: ObjectMeta plus the row's own rules. */
#define VALIDATOR(i)                                                           \
	static int validate_##i(const json_t *obj, const json_t *old,          \
				struct kf_error *err)                          \
	{                                                                      \
		return kind_validate(&kinds[i], obj, old, err);                \
	}
VALIDATOR(K_NAMESPACE)
VALIDATOR(K_NODE)
VALIDATOR(K_POD)
VALIDATOR(K_SERVICE)
VALIDATOR(K_ENDPOINTS)
VALIDATOR(K_CONFIGMAP)
VALIDATOR(K_SECRET)
VALIDATOR(K_EVENT)
VALIDATOR(K_SERVICEACCOUNT)
VALIDATOR(K_DEPLOYMENT)
VALIDATOR(K_REPLICASET)
VALIDATOR(K_DAEMONSET)
VALIDATOR(K_STATEFULSET)
VALIDATOR(K_JOB)
VALIDATOR(K_CRONJOB)
VALIDATOR(K_LEASE)
VALIDATOR(K_ENDPOINTSLICE)
VALIDATOR(K_ROLE)
VALIDATOR(K_CLUSTERROLE)
VALIDATOR(K_ROLEBINDING)
VALIDATOR(K_CLUSTERROLEBINDING)
VALIDATOR(K_RESOURCEQUOTA)
VALIDATOR(K_LIMITRANGE)
VALIDATOR(K_PODMETRICS)
VALIDATOR(K_NODEMETRICS)

#define CORE(k, res, sing, shortn, ns)                                         \
	.group = "", .path_group = "core", .version = "v1",                    \
	.api_version = "v1", .kind = k, .resource = res, .singular = sing,     \
	.short_names = shortn, .namespaced = ns, .qualified = k
#define GROUP(grp, k, res, sing, shortn)                                       \
	.group = grp, .path_group = grp, .version = "v1",                      \
	.api_version = grp "/v1", .kind = k, .resource = res,                  \
	.singular = sing, .short_names = shortn, .namespaced = true,           \
	.qualified = k "." grp
/* metrics.k8s.io/v1beta1: what metrics-server serves (docs/nodeagent.md) */
#define METRICS(k, res, sing, ns)                                              \
	.group = "metrics.k8s.io", .path_group = "metrics.k8s.io",             \
	.version = "v1beta1", .api_version = "metrics.k8s.io/v1beta1",         \
	.kind = k, .resource = res, .singular = sing, .short_names = "",       \
	.namespaced = ns, .qualified = k ".metrics.k8s.io",                    \
	.name_rule = NAME_DNS_SUBDOMAIN
#define RBAC(k, res, sing, ns)                                                 \
	.group = "rbac.authorization.k8s.io",                                  \
	.path_group = "rbac.authorization.k8s.io", .version = "v1",            \
	.api_version = "rbac.authorization.k8s.io/v1", .kind = k,              \
	.resource = res, .singular = sing, .short_names = "",                  \
	.namespaced = ns, .qualified = k ".rbac.authorization.k8s.io",         \
	.name_rule = NAME_PATH_SEGMENT

static const struct kind_info kinds[K_COUNT] = {
    [K_NAMESPACE] = {CORE("Namespace", "namespaces", "namespace", "ns", false),
		     .subresources = KIND_SUB_STATUS | KIND_SUB_FINALIZE,
		     .keep_status_on_create = true, .touch_creates = true,
		     .set_defaults = defaults_namespace,
		     .validate = validate_K_NAMESPACE,
		     .name_rule = NAME_DNS_LABEL, .check = validate_namespace},
    [K_NODE] = {CORE("Node", "nodes", "node", "no", false),
		.subresources = KIND_SUB_STATUS, .keep_status_on_create = true,
		.set_defaults = defaults_node, .validate = validate_K_NODE,
		.name_rule = NAME_DNS_SUBDOMAIN, .check = validate_node},
    [K_POD] = {CORE("Pod", "pods", "pod", "po", true),
	       .subresources = KIND_SUB_STATUS | KIND_SUB_BINDING |
			       KIND_SUB_LOG | KIND_SUB_EVICTION,
	       .set_defaults = defaults_pod, .validate = validate_K_POD,
	       .name_rule = NAME_DNS_SUBDOMAIN, .check = validate_pod},
    [K_SERVICE] = {CORE("Service", "services", "service", "svc", true),
		   .subresources = KIND_SUB_STATUS,
		   .set_defaults = defaults_service,
		   .validate = validate_K_SERVICE,
		   .name_rule = NAME_DNS1035_LABEL, .check = validate_service},
    [K_ENDPOINTS] = {CORE("Endpoints", "endpoints", "endpoints", "ep", true),
		     .touch_creates = true, .set_defaults = defaults_endpoints,
		     .validate = validate_K_ENDPOINTS,
		     .name_rule = NAME_DNS_SUBDOMAIN,
		     .check = validate_endpoints},
    [K_CONFIGMAP] = {CORE("ConfigMap", "configmaps", "configmap", "cm", true),
		     .touch_creates = true, .validate = validate_K_CONFIGMAP,
		     .name_rule = NAME_DNS_SUBDOMAIN,
		     .check = validate_config_map},
    [K_SECRET] = {CORE("Secret", "secrets", "secret", "", true),
		  .touch_creates = true, .set_defaults = defaults_secret,
		  .validate = validate_K_SECRET,
		  .name_rule = NAME_DNS_SUBDOMAIN, .check = validate_secret},
    [K_EVENT] = {CORE("Event", "events", "event", "ev", true),
		 .validate = validate_K_EVENT, .name_rule = NAME_DNS_SUBDOMAIN,
		 .check = validate_event},
    [K_SERVICEACCOUNT] = {CORE("ServiceAccount", "serviceaccounts",
			       "serviceaccount", "sa", true),
			  .touch_creates = true,
			  .validate = validate_K_SERVICEACCOUNT,
			  .name_rule = NAME_DNS_SUBDOMAIN,
			  .check = validate_service_account},
    [K_DEPLOYMENT] =
	{GROUP("apps", "Deployment", "deployments", "deployment", "deploy"),
	 .subresources = KIND_SUB_STATUS | KIND_SUB_SCALE,
	 .set_defaults = defaults_deployment, .validate = validate_K_DEPLOYMENT,
	 .name_rule = NAME_DNS_SUBDOMAIN, .check = validate_deployment},
    [K_REPLICASET] = {GROUP("apps", "ReplicaSet", "replicasets", "replicaset",
			    "rs"),
		      .subresources = KIND_SUB_STATUS | KIND_SUB_SCALE,
		      .set_defaults = defaults_replica_set,
		      .validate = validate_K_REPLICASET,
		      .name_rule = NAME_DNS_SUBDOMAIN,
		      .check = validate_replica_set},
    [K_DAEMONSET] = {GROUP("apps", "DaemonSet", "daemonsets", "daemonset",
			   "ds"),
		     .subresources = KIND_SUB_STATUS,
		     .set_defaults = defaults_daemon_set,
		     .validate = validate_K_DAEMONSET,
		     .name_rule = NAME_DNS_SUBDOMAIN,
		     .check = validate_daemon_set},
    [K_STATEFULSET] = {GROUP("apps", "StatefulSet", "statefulsets",
			     "statefulset", "sts"),
		       .subresources = KIND_SUB_STATUS | KIND_SUB_SCALE,
		       .set_defaults = defaults_stateful_set,
		       .validate = validate_K_STATEFULSET,
		       .name_rule = NAME_DNS_LABEL,
		       .check = validate_stateful_set},
    [K_JOB] = {GROUP("batch", "Job", "jobs", "job", ""),
	       .subresources = KIND_SUB_STATUS, .set_defaults = defaults_job,
	       .validate = validate_K_JOB, .name_rule = NAME_DNS_SUBDOMAIN,
	       .check = validate_job},
    [K_CRONJOB] = {GROUP("batch", "CronJob", "cronjobs", "cronjob", "cj"),
		   .subresources = KIND_SUB_STATUS,
		   .set_defaults = defaults_cron_job,
		   .validate = validate_K_CRONJOB,
		   .name_rule = NAME_DNS_SUBDOMAIN, .check = validate_cron_job},
    [K_LEASE] = {GROUP("coordination.k8s.io", "Lease", "leases", "lease", ""),
		 .touch_creates = true, .validate = validate_K_LEASE,
		 .name_rule = NAME_DNS_SUBDOMAIN, .check = validate_lease},
    [K_ENDPOINTSLICE] = {GROUP("discovery.k8s.io", "EndpointSlice",
			       "endpointslices", "endpointslice", ""),
			 .set_defaults = defaults_endpoint_slice,
			 .validate = validate_K_ENDPOINTSLICE,
			 .name_rule = NAME_DNS_SUBDOMAIN,
			 .check = validate_endpoint_slice},
    [K_ROLE] = {RBAC("Role", "roles", "role", true),
		.validate = validate_K_ROLE, .check = validate_role},
    [K_CLUSTERROLE] = {RBAC("ClusterRole", "clusterroles", "clusterrole",
			    false),
		       .validate = validate_K_CLUSTERROLE,
		       .check = validate_cluster_role},
    [K_ROLEBINDING] = {RBAC("RoleBinding", "rolebindings", "rolebinding", true),
		       .set_defaults = defaults_rbac_binding,
		       .validate = validate_K_ROLEBINDING,
		       .check = validate_role_binding},
    [K_CLUSTERROLEBINDING] = {RBAC("ClusterRoleBinding", "clusterrolebindings",
				   "clusterrolebinding", false),
			      .set_defaults = defaults_rbac_binding,
			      .validate = validate_K_CLUSTERROLEBINDING,
			      .check = validate_cluster_role_binding},
    [K_RESOURCEQUOTA] = {CORE("ResourceQuota", "resourcequotas",
			      "resourcequota", "quota", true),
			 .subresources = KIND_SUB_STATUS,
			 .validate = validate_K_RESOURCEQUOTA,
			 .name_rule = NAME_DNS_SUBDOMAIN,
			 .check = validate_resource_quota},
    [K_LIMITRANGE] = {CORE("LimitRange", "limitranges", "limitrange", "limits",
			   true),
		      .set_defaults = defaults_limit_range,
		      .validate = validate_K_LIMITRANGE,
		      .name_rule = NAME_DNS_SUBDOMAIN,
		      .check = validate_limit_range},
    [K_PODMETRICS] = {METRICS("PodMetrics", "pods", "podmetrics", true),
		      .validate = validate_K_PODMETRICS,
		      .check = validate_pod_metrics},
    [K_NODEMETRICS] = {METRICS("NodeMetrics", "nodes", "nodemetrics", false),
		       .validate = validate_K_NODEMETRICS,
		       .check = validate_node_metrics},
};

size_t kinds_count(void)
{
	return K_COUNT;
}

const struct kind_info *kinds_at(size_t i)
{
	return i < K_COUNT ? &kinds[i] : NULL;
}

const struct kind_info *kinds_by_path(const char *path_group,
				      const char *version, const char *resource)
{
	if (!path_group || !version || !resource)
		return NULL;
	for (size_t i = 0; i < K_COUNT; i++)
		if (!strcmp(kinds[i].path_group, path_group) &&
		    !strcmp(kinds[i].version, version) &&
		    !strcmp(kinds[i].resource, resource))
			return &kinds[i];
	return NULL;
}

const struct kind_info *kinds_by_gvk(const char *api_version, const char *kind)
{
	if (!api_version || !kind)
		return NULL;
	for (size_t i = 0; i < K_COUNT; i++)
		if (!strcmp(kinds[i].api_version, api_version) &&
		    !strcmp(kinds[i].kind, kind))
			return &kinds[i];
	return NULL;
}

/* Is name, of length n, one of the comma-separated words in list? */
static bool in_list(const char *list, const char *name, size_t n)
{
	while (*list) {
		const char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);

		if (len == n && !strncasecmp(list, name, n))
			return true;
		if (!comma)
			break;
		list = comma + 1;
	}
	return false;
}

static bool names_kind(const struct kind_info *k, const char *name, size_t n)
{
	return (strlen(k->resource) == n &&
		!strncasecmp(k->resource, name, n)) ||
	       (strlen(k->singular) == n &&
		!strncasecmp(k->singular, name, n)) ||
	       (strlen(k->kind) == n && !strncasecmp(k->kind, name, n)) ||
	       in_list(k->short_names, name, n);
}

/* suffix is "" (any group), "<group>" or "<version>.<group>". */
static bool names_group(const struct kind_info *k, const char *suffix)
{
	size_t vn = strlen(k->version);

	if (!*suffix)
		return true;
	if (!strcasecmp(suffix, k->group) ||
	    (!*k->group && !strcasecmp(suffix, k->version)))
		return true;
	return !strncasecmp(suffix, k->version, vn) && suffix[vn] == '.' &&
	       !strcasecmp(suffix + vn + 1, k->group);
}

const struct kind_info *kinds_by_name(const char *name)
{
	const char *dot;
	size_t n;

	if (!name || !*name)
		return NULL;
	dot = strchr(name, '.');
	n = dot ? (size_t)(dot - name) : strlen(name);
	for (size_t i = 0; i < K_COUNT; i++)
		if (names_kind(&kinds[i], name, n) &&
		    names_group(&kinds[i], dot ? dot + 1 : ""))
			return &kinds[i];
	return NULL;
}

const char *kind_qualified(const struct kind_info *k)
{
	return k && k->qualified ? k->qualified : "";
}

int kind_validate(const struct kind_info *k, const json_t *obj,
		  const json_t *old, struct kf_error *err)
{
	struct validation v;
	const json_t *meta;
	int r;

	if (!k || !obj)
		return -EINVAL;
	validation_init(&v, k);
	if (!json_is_object(obj)) {
		verr_decode(&v,
			    "json: cannot unmarshal %s into Go value of type "
			    "%s.%s",
			    json_is_array(obj) ? "array" : "scalar", k->version,
			    k->kind);
		return validation_finish(&v, "", err);
	}
	meta = validate_object_meta(&v, obj, (enum name_rule)k->name_rule,
				    k->namespaced, old != NULL);
	if (old)
		validate_object_meta_update(&v, obj, old);
	if (k->check)
		k->check(&v, obj, old);
	r = validation_finish(
	    &v, json_string_value(json_object_get(meta, "name")), err);
	validation_release(&v);
	return r;
}

int kind_admit(const struct kind_info *k, json_t *obj, const json_t *old,
	       struct kf_error *err)
{
	if (!k || !obj)
		return -EINVAL;
	if (json_is_object(obj))
		defaults_object_meta(obj);
	if (k->set_defaults && json_is_object(obj))
		k->set_defaults(obj);
	return kind_validate(k, obj, old, err);
}
