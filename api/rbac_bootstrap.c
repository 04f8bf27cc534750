/*
 * rbac_bootstrap.c — the ClusterRoles and ClusterRoleBindings every
 * cluster starts with (Kubernetes' bootstrappolicy), trimmed to the
 * kinds kubefs serves, and their reconciliation on each start: missing
 * rules, selectors, subjects, labels and annotations are added to what
 * is stored, never removed, unless the object says
 * rbac.authorization.kubernetes.io/autoupdate: "false".
 *
 * A rule is written R(verbs, groups, resources) with space-separated
 * lists, "-" for the core group; U(verbs, urls) for non-resource URLs.
 */
#include "api/rbac_bootstrap.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/rbac.h"

#define READ "get list watch"
#define WRITE "create update patch delete deletecollection"
#define RW READ " " WRITE
#define AUTOUPDATE "rbac.authorization.kubernetes.io/autoupdate"
#define AGG "rbac.authorization.k8s.io/aggregate-to-"

/* Space-separated words as a JSON array; "-" stands for "". */
static json_t *words(const char *s)
{
	json_t *a = json_array();

	while (a && *s) {
		size_t n = strcspn(s, " ");

		if (n && json_array_append_new(
			     a, n == 1 && *s == '-' ? json_string("")
						    : json_stringn(s, n)) < 0) {
			json_decref(a);
			return NULL;
		}
		s += n;
		s += strspn(s, " ");
	}
	return a;
}

static json_t *R(const char *verbs, const char *groups, const char *res)
{
	return json_pack("{s:o,s:o,s:o}", "apiGroups", words(groups),
			 "resources", words(res), "verbs", words(verbs));
}

static json_t *RN(const char *verbs, const char *groups, const char *res,
		  const char *names)
{
	return json_pack("{s:o,s:o,s:o,s:o}", "apiGroups", words(groups),
			 "resources", words(res), "resourceNames", words(names),
			 "verbs", words(verbs));
}

static json_t *U(const char *verbs, const char *urls)
{
	return json_pack("{s:o,s:o}", "nonResourceURLs", words(urls), "verbs",
			 words(verbs));
}

/* metadata of a bootstrap object; label: an aggregate-to- label or NULL */
static json_t *meta(const char *name, const char *agg_label)
{
	json_t *m = json_pack("{s:s,s:{s:s},s:{s:s}}", "name", name, "labels",
			      "kubernetes.io/bootstrapping", "rbac-defaults",
			      "annotations", AUTOUPDATE, "true");

	if (m && agg_label)
		json_object_set_new(json_object_get(m, "labels"), agg_label,
				    json_string("true"));
	return m;
}

/* The end of an all() list (NULL is what a failed builder returns). */
static json_t end_marker;
#define END (&end_marker)

/* An array of the objects given (taken), up to END; NULL if any is NULL
 * (out of memory). */
static json_t *all(json_t *first, ...)
{
	json_t *a = json_array(), *o = first;
	bool failed = !a;
	va_list ap;

	va_start(ap, first);
	for (; o != END; o = va_arg(ap, json_t *)) {
		if (!o || failed || json_array_append_new(a, o) < 0)
			failed = true;
	}
	va_end(ap);
	if (failed) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* A ClusterRole of the rules given (NULL-terminated). */
static json_t *role(const char *name, const char *agg_label, ...)
{
	json_t *rules = json_array(), *r;
	va_list ap;

	va_start(ap, agg_label);
	while ((r = va_arg(ap, json_t *)))
		json_array_append_new(rules, r);
	va_end(ap);
	return json_pack("{s:s,s:s,s:o,s:o}", "apiVersion", RBAC_GROUP "/v1",
			 "kind", "ClusterRole", "metadata",
			 meta(name, agg_label), "rules", rules);
}

/* An aggregated ClusterRole selecting the aggregate-to-<to> label. */
static json_t *aggregated(const char *name, const char *to,
			  const char *agg_label)
{
	char label[128];

	snprintf(label, sizeof(label), AGG "%s", to);
	return json_pack("{s:s,s:s,s:o,s:{s:[{s:{s:s}}]},s:[]}", "apiVersion",
			 RBAC_GROUP "/v1", "kind", "ClusterRole", "metadata",
			 meta(name, agg_label), "aggregationRule",
			 "clusterRoleSelectors", "matchLabels", label, "true",
			 "rules");
}

/* A ClusterRoleBinding of role name to subjects "user Group:group". */
static json_t *binding(const char *name, const char *subjects)
{
	static const char group[] = "Group:";
	json_t *subs = json_array(), *w = words(subjects), *x;
	size_t i, n = sizeof(group) - 1;

	json_array_foreach (w, i, x) {
		const char *s = json_string_value(x);
		bool is_group = !strncmp(s, group, n);

		json_array_append_new(
		    subs, json_pack("{s:s,s:s,s:s}", "apiGroup", RBAC_GROUP,
				    "kind", is_group ? "Group" : "User", "name",
				    is_group ? s + n : s));
	}
	json_decref(w);
	return json_pack("{s:s,s:s,s:o,s:{s:s,s:s,s:s},s:o}", "apiVersion",
			 RBAC_GROUP "/v1", "kind", "ClusterRoleBinding",
			 "metadata", meta(name, NULL), "roleRef", "apiGroup",
			 RBAC_GROUP, "kind", "ClusterRole", "name", name,
			 "subjects", subs);
}

/* obj (a ClusterRole or its ClusterRoleBinding) as the Role or
 * RoleBinding of that name in namespace ns. */
static json_t *in_ns(const char *ns, json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	bool is_binding = kind && !strcmp(kind, "ClusterRoleBinding");

	if (!obj)
		return NULL;
	json_object_set_new(obj, "kind",
			    json_string(is_binding ? "RoleBinding" : "Role"));
	json_object_set_new(json_object_get(obj, "metadata"), "namespace",
			    json_string(ns));
	if (is_binding)
		json_object_set_new(json_object_get(obj, "roleRef"), "kind",
				    json_string("Role"));
	return obj;
}

static json_t *events_rule(void)
{
	return R("create update patch", "- events.k8s.io", "events");
}

static json_t *roles(void)
{
	return all(
	    role("cluster-admin", NULL, R("*", "*", "*"), U("*", "*"), NULL),
	    role("system:discovery", NULL,
		 U("get", "/api /api/* /apis /apis/* /healthz /livez /openapi "
			  "/openapi/* /readyz /version /version/"),
		 NULL),
	    role("system:public-info-viewer", NULL,
		 U("get", "/healthz /livez /readyz /version /version/"), NULL),
	    role("system:monitoring", NULL,
		 U("get", "/healthz /healthz/* /livez /livez/* /metrics "
			  "/metrics/slis /readyz /readyz/*"),
		 NULL),
	    role("system:basic-user", NULL,
		 R("create", "authorization.k8s.io",
		   "selfsubjectaccessreviews selfsubjectrulesreviews"),
		 R("create", "authentication.k8s.io", "selfsubjectreviews"),
		 NULL),
	    aggregated("admin", "admin", NULL),
	    aggregated("edit", "edit", AGG "admin"),
	    aggregated("view", "view", AGG "edit"),
	    role("system:aggregate-to-admin", AGG "admin",
		 R("create", "authorization.k8s.io",
		   "localsubjectaccessreviews"),
		 R(RW, "rbac.authorization.k8s.io", "rolebindings roles"),
		 NULL),
	    role("system:aggregate-to-edit", AGG "edit",
		 R(READ, "-",
		   "pods/attach pods/proxy pods/exec pods/portforward secrets "
		   "services/proxy"),
		 R("impersonate", "-", "serviceaccounts"),
		 R(WRITE, "-",
		   "pods pods/attach pods/proxy pods/exec pods/portforward"),
		 R("create", "-", "pods/eviction"),
		 R(WRITE, "-",
		   "replicationcontrollers replicationcontrollers/scale "
		   "serviceaccounts services services/proxy "
		   "persistentvolumeclaims configmaps secrets events"),
		 R("create", "-", "serviceaccounts/token"),
		 R(WRITE, "apps",
		   "statefulsets statefulsets/scale daemonsets deployments "
		   "deployments/scale deployments/rollback replicasets "
		   "replicasets/scale"),
		 R(WRITE, "batch", "jobs cronjobs"),
		 R(RW, "coordination.k8s.io", "leases"),
		 R(WRITE, "discovery.k8s.io", "endpointslices"), NULL),
	    role("system:aggregate-to-view", AGG "view",
		 R(READ, "-",
		   "pods replicationcontrollers replicationcontrollers/scale "
		   "serviceaccounts services services/status endpoints "
		   "persistentvolumeclaims persistentvolumeclaims/status "
		   "configmaps"),
		 R(READ, "-",
		   "limitranges resourcequotas bindings events pods/status "
		   "resourcequotas/status namespaces/status "
		   "replicationcontrollers/status pods/log"),
		 R(READ, "-", "namespaces"),
		 R(READ, "discovery.k8s.io", "endpointslices"),
		 R(READ, "apps",
		   "controllerrevisions statefulsets statefulsets/status "
		   "statefulsets/scale daemonsets daemonsets/status "
		   "deployments deployments/status deployments/scale "
		   "replicasets replicasets/status replicasets/scale"),
		 R(READ, "batch", "cronjobs cronjobs/status jobs jobs/status"),
		 /* metrics-server's system:aggregated-metrics-reader */
		 R(READ, "metrics.k8s.io", "pods nodes"), NULL),
	    role("system:node", NULL,
		 R("create", "authentication.k8s.io", "tokenreviews"),
		 R("create", "authorization.k8s.io",
		   "subjectaccessreviews localsubjectaccessreviews"),
		 R(READ, "-", "services"),
		 R("create get list watch", "-", "nodes"),
		 R("update patch", "-", "nodes/status"),
		 R("update patch", "-", "nodes"), events_rule(),
		 R(READ, "-", "pods"), R("create delete", "-", "pods"),
		 R("update patch", "-", "pods/status"),
		 R("create", "-", "pods/eviction"),
		 R("get list watch", "-", "secrets configmaps"),
		 R("create", "-", "serviceaccounts/token"),
		 R("get create update patch delete", "coordination.k8s.io",
		   "leases"),
		 NULL),
	    /* kubefs's own: a node agent publishes its endpoint's token
	     * in a Secret (docs/security.md); NodeRestriction limits each
	     * node to kube-system/kubefs-node-endpoint-NAME */
	    role("kubefs:node-endpoint", NULL,
		 R("get create update", "-", "secrets"), NULL),
	    /* kubefs's own: a node agent publishes its pods' and its
	     * node's resource usage (metrics.k8s.io), as metrics-server
	     * does under its own role (docs/nodeagent.md) */
	    role("kubefs:node-metrics", NULL,
		 R("get list watch create update delete", "metrics.k8s.io",
		   "pods nodes"),
		 NULL),
	    role("system:kube-scheduler", NULL, events_rule(),
		 R("create", "coordination.k8s.io", "leases"),
		 RN("get update", "coordination.k8s.io", "leases",
		    "kube-scheduler"),
		 R(READ, "-", "nodes"), R("get list watch delete", "-", "pods"),
		 R("create", "-", "pods/binding bindings"),
		 R("patch update", "-", "pods/status"),
		 R(READ, "-", "services replicationcontrollers"),
		 R(READ, "apps extensions", "replicasets"),
		 R(READ, "apps", "statefulsets"),
		 R(READ, "-", "persistentvolumeclaims persistentvolumes"),
		 R("create", "authentication.k8s.io", "tokenreviews"),
		 R("create", "authorization.k8s.io", "subjectaccessreviews"),
		 R(READ, "-", "namespaces"), NULL),
	    role("system:kube-controller-manager", NULL, events_rule(),
		 R("create", "coordination.k8s.io", "leases"),
		 RN("get update", "coordination.k8s.io", "leases",
		    "kube-controller-manager"),
		 R("create", "-", "secrets serviceaccounts"),
		 R("delete", "-", "secrets"),
		 R("get", "-", "configmaps namespaces secrets serviceaccounts"),
		 R("update", "-", "secrets serviceaccounts"),
		 R("create", "authentication.k8s.io", "tokenreviews"),
		 R("create", "authorization.k8s.io", "subjectaccessreviews"),
		 R("list watch", "*", "*"),
		 R("create", "-", "serviceaccounts/token"), NULL),
	    role("system:node-proxier", NULL,
		 R("list watch", "-", "services endpoints"),
		 R("get list watch", "-", "nodes"), events_rule(),
		 R("list watch", "discovery.k8s.io", "endpointslices"), NULL),
	    END);
}

static json_t *bindings(void)
{
	return all(
	    binding("cluster-admin", "Group:system:masters"),
	    binding("system:discovery", "Group:system:authenticated"),
	    binding("system:basic-user", "Group:system:authenticated"),
	    binding("system:public-info-viewer",
		    "Group:system:authenticated Group:system:unauthenticated"),
	    binding("system:monitoring", "Group:system:monitoring"),
	    binding("kubefs:node-endpoint", "Group:system:nodes"),
	    binding("kubefs:node-metrics", "Group:system:nodes"),
	    binding("system:kube-scheduler", "system:kube-scheduler"),
	    binding("system:kube-controller-manager",
		    "system:kube-controller-manager"),
	    binding("system:node-proxier", "system:kube-proxy"),
	    /* Kubernetes binds nodes through its Node authorizer (and
	     * leaves this binding without subjects); kubefs has none and
	     * binds the group, as Kubernetes did before 1.8, with
	     * NodeRestriction admission limiting each node's writes */
	    binding("system:node", "Group:system:nodes"), END);
}

#define CTRL "system:controller:"

/*
 * The roles of kube-controller-manager's controllers that kubefs-ctrl
 * runs (Kubernetes' controller policy). Kubernetes binds each to the
 * controller's service account (kube-system:NAME), which the controller
 * manager uses with --use-service-account-credentials; kubefs-ctrl runs
 * every controller under its own identity, so the bindings name the user
 * system:kube-controller-manager, as Kubernetes asks of a controller
 * manager without per-controller credentials ("must be granted all the
 * relevant roles").
 */
static json_t *controller_roles(void)
{
	return all(
	    role(CTRL "replicaset-controller", NULL,
		 R("get list watch update", "apps extensions", "replicasets"),
		 R("update", "apps extensions",
		   "replicasets/status replicasets/finalizers"),
		 R("list watch patch create delete", "-", "pods"),
		 events_rule(), NULL),
	    role(CTRL "deployment-controller", NULL,
		 R("get list watch update", "extensions apps", "deployments"),
		 R("update", "extensions apps",
		   "deployments/status deployments/finalizers"),
		 R("get list watch create update patch delete",
		   "apps extensions", "replicasets"),
		 R("get list watch update", "-", "pods"), events_rule(), NULL),
	    role(CTRL "generic-garbage-collector", NULL,
		 R("get list watch patch update delete", "*", "*"),
		 events_rule(), NULL),
	    role(CTRL "endpoint-controller", NULL,
		 R("get list watch", "-", "services pods"),
		 R("get list watch create update delete", "-", "endpoints"),
		 R("create", "-", "endpoints/restricted"), events_rule(), NULL),
	    role(CTRL "endpointslice-controller", NULL,
		 R("get list watch", "-", "services pods nodes"),
		 R("update", "-", "services/finalizers"),
		 R("get list watch create update delete", "discovery.k8s.io",
		   "endpointslices"),
		 events_rule(), NULL),
	    role(CTRL "namespace-controller", NULL,
		 R("get list watch delete", "-", "namespaces"),
		 R("update", "-", "namespaces/finalize namespaces/status"),
		 R("get list watch delete deletecollection", "*", "*"), NULL),
	    role(CTRL "service-account-controller", NULL,
		 R("create", "-", "serviceaccounts"), events_rule(), NULL),
	    role(CTRL "node-controller", NULL,
		 R("get list watch update delete patch", "-", "nodes"),
		 R("patch update", "-", "nodes/status pods/status"),
		 R("list watch get delete", "-", "pods"), events_rule(), NULL),
	    role(CTRL "pod-garbage-collector", NULL,
		 R("list watch delete", "-", "pods"),
		 R("get list watch", "-", "nodes"),
		 R("patch", "-", "pods/status"), NULL),
	    role(CTRL "resourcequota-controller", NULL,
		 R("list watch", "*", "*"),
		 R("update", "-", "resourcequotas/status"), events_rule(),
		 NULL),
	    END);
}

static int controller_bindings(const json_t *roles, json_t *out)
{
	const json_t *r;
	size_t i;

	json_array_foreach ((json_t *)roles, i, r) {
		const char *name = json_string_value(
		    json_object_get(json_object_get(r, "metadata"), "name"));

		if (json_array_append_new(
			out, binding(name, "system:kube-controller-manager")) <
		    0)
			return -ENOMEM;
	}
	return 0;
}

int rbac_bootstrap_objects(json_t **ret)
{
	_cleanup_json_ json_t *all = json_array();
	_cleanup_json_ json_t *r = roles();
	_cleanup_json_ json_t *c = controller_roles();
	_cleanup_json_ json_t *b = bindings();

	/* kubefs's own, in kube-system: kubefs-proxy serves the cluster's
	 * DNS and registers its Service and EndpointSlice there (kube-dns
	 * is an add-on's in Kubernetes) */
	if (r &&
	    json_array_append_new(
		r, in_ns("kube-system", role("kubefs:dns", NULL,
					     R("get create", "-", "services"),
					     R("get create", "discovery.k8s.io",
					       "endpointslices"),
					     NULL))) < 0)
		return -ENOMEM;
	if (b && json_array_append_new(
		     b, in_ns("kube-system",
			      binding("kubefs:dns", "system:kube-proxy"))) < 0)
		return -ENOMEM;
	if (!all || !r || !c || !b || json_array_extend(all, r) < 0 ||
	    json_array_extend(all, c) < 0 || controller_bindings(c, b) < 0 ||
	    json_array_extend(all, b) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(all);
	return 0;
}

/* Append to have[key] (an array) the elements of want[key] it lacks. */
static int add_missing(json_t *have, const json_t *want, const char *key,
		       bool *changed)
{
	json_t *h = json_object_get(have, key), *x;
	const json_t *w = json_object_get(want, key);
	size_t i, j;

	if (!json_is_array(h)) {
		if (json_array_size(w) == 0)
			return 0;
		*changed = true;
		return json_object_set_new(have, key, json_deep_copy(w));
	}
	json_array_foreach ((json_t *)w, i, x) {
		bool found = false;
		const json_t *y;

		json_array_foreach (h, j, y)
			if (json_equal(x, (json_t *)y)) {
				found = true;
				break;
			}
		if (found)
			continue;
		if (json_array_append(h, x) < 0)
			return -ENOMEM;
		*changed = true;
	}
	return 0;
}

/* Labels and annotations of want that have lacks. */
static int add_meta(json_t *have, const json_t *want, bool *changed)
{
	static const char *const keys[] = {"labels", "annotations"};
	json_t *hm = json_object_get(have, "metadata");
	const json_t *wm = json_object_get(want, "metadata");

	for (size_t i = 0; i < 2; i++) {
		json_t *h = json_object_get(hm, keys[i]), *v;
		const char *k;

		if (!json_is_object(h)) {
			h = json_object();
			if (!h || json_object_set_new(hm, keys[i], h) < 0)
				return -ENOMEM;
		}
		json_object_foreach ((json_t *)json_object_get(wm, keys[i]), k,
				     v)
			if (!json_object_get(h, k)) {
				if (json_object_set(h, k, v) < 0)
					return -ENOMEM;
				*changed = true;
			}
	}
	return 0;
}

int rbac_bootstrap_reconcile(const json_t *want, const json_t *have,
			     json_t **ret)
{
	const char *kind = json_string_value(json_object_get(want, "kind"));
	const char *auto_update = json_string_value(json_object_get(
	    json_object_get(json_object_get(have, "metadata"), "annotations"),
	    AUTOUPDATE));
	_cleanup_json_ json_t *out = NULL, *missing = NULL;
	bool changed = false;
	int r;

	if (auto_update && !strcmp(auto_update, "false"))
		return 0;
	out = json_deep_copy(have);
	if (!out)
		return -ENOMEM;
	if (!strcmp(kind, "ClusterRoleBinding") ||
	    !strcmp(kind, "RoleBinding")) {
		if (!json_equal(json_object_get(want, "roleRef"),
				json_object_get(have, "roleRef")))
			return 2;
		r = add_missing(out, want, "subjects", &changed);
	} else {
		const json_t *agg = json_object_get(want, "aggregationRule");

		r = rbac_covers(json_object_get(have, "rules"),
				json_object_get(want, "rules"), &missing);
		if (r == 0) {
			json_t *rules = json_object_get(out, "rules");

			if (!json_is_array(rules)) {
				rules = json_array();
				json_object_set_new(out, "rules", rules);
			}
			r = json_array_extend(rules, missing) < 0 ? -ENOMEM : 0;
			changed = true;
		}
		if (r >= 0 && agg) {
			json_t *h = json_object_get(out, "aggregationRule");

			if (!json_is_object(h)) {
				h = json_object();
				json_object_set_new(out, "aggregationRule", h);
			}
			r = add_missing(h, agg, "clusterRoleSelectors",
					&changed);
		}
	}
	if (r < 0)
		return r;
	if (add_meta(out, want, &changed) < 0)
		return -ENOMEM;
	if (!changed)
		return 0;
	*ret = TAKE_PTR(out);
	return 1;
}
