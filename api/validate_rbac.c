/*
 * validate_rbac.c — rbac.authorization.k8s.io/v1 Role, ClusterRole,
 * RoleBinding and ClusterRoleBinding, as Kubernetes'
 * pkg/apis/rbac/validation does: policy rules (verbs required; resource
 * rules need apiGroups and resources; nonResourceURLs only in cluster
 * roles and never mixed with resources), aggregation rules, role
 * references (the RBAC group, a kind the binding may name, a name) and
 * subjects (User, Group, ServiceAccount). A binding's roleRef never
 * changes on update.
 */
#include <string.h>

#include "api/validate.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"

/* obj[key] as a []string of owner; NULL when absent or of the wrong type. */
static const json_t *strings(struct validation *v, const json_t *obj,
			     const char *key, const char *owner)
{
	const json_t *x = vget(v, obj, key, VT_ARRAY, owner, "[]string");

	if (x && !vcheck_elems(v, x, VT_STRING, owner, "string"))
		return NULL;
	return x;
}

/* ValidatePolicyRule at the current path. */
static void policy_rule(struct validation *v, const json_t *rule,
			bool namespaced)
{
	const json_t *verbs = strings(v, rule, "verbs", "PolicyRule");
	const json_t *groups = strings(v, rule, "apiGroups", "PolicyRule");
	const json_t *res = strings(v, rule, "resources", "PolicyRule");
	const json_t *names = strings(v, rule, "resourceNames", "PolicyRule");
	const json_t *urls = strings(v, rule, "nonResourceURLs", "PolicyRule");

	if (json_array_size(verbs) == 0)
		verr_required(v, "verbs",
			      "verbs must contain at least one value");
	if (json_array_size(urls) > 0) {
		if (namespaced)
			verr_invalid(v, "nonResourceURLs", urls,
				     "namespaced rules cannot apply to "
				     "non-resource URLs");
		if (json_array_size(groups) || json_array_size(res) ||
		    json_array_size(names))
			verr_invalid(v, "nonResourceURLs", urls,
				     "rules cannot apply to both regular "
				     "resources and non-resource URLs");
		return;
	}
	if (json_array_size(groups) == 0)
		verr_required(v, "apiGroups",
			      "resource rules must supply at least one api "
			      "group");
	if (json_array_size(res) == 0)
		verr_required(v, "resources",
			      "resource rules must supply at least one "
			      "resource");
}

static void rules(struct validation *v, const json_t *obj, const char *owner,
		  bool namespaced)
{
	const json_t *arr =
	    vget(v, obj, "rules", VT_ARRAY, owner, "[]v1.PolicyRule");
	const json_t *rule;
	size_t i, mark;

	if (!arr || !vcheck_elems(v, arr, VT_OBJECT, owner, "v1.PolicyRule"))
		return;
	mark = vpath_child(v, "rules");
	json_array_foreach ((json_t *)arr, i, rule) {
		size_t m2 = vpath_index(v, i);

		policy_rule(v, rule, namespaced);
		vpath_pop(v, m2);
	}
	vpath_pop(v, mark);
}

void validate_role(struct validation *v, const json_t *obj, const json_t *old)
{
	(void)old;
	rules(v, obj, "Role", true);
}

void validate_cluster_role(struct validation *v, const json_t *obj,
			   const json_t *old)
{
	const json_t *agg, *sels, *sel;
	size_t i, mark;

	(void)old;
	rules(v, obj, "ClusterRole", false);
	agg = vget(v, obj, "aggregationRule", VT_OBJECT, "ClusterRole",
		   "v1.AggregationRule");
	if (!agg)
		return;
	mark = vpath_child(v, "aggregationRule");
	sels = vget(v, agg, "clusterRoleSelectors", VT_ARRAY, "AggregationRule",
		    "[]v1.LabelSelector");
	if (json_array_size(sels) == 0)
		verr_required(v, "clusterRoleSelectors",
			      "at least one clusterRoleSelector required if "
			      "aggregationRule is non-nil");
	if (sels && vcheck_elems(v, sels, VT_OBJECT, "AggregationRule",
				 "v1.LabelSelector")) {
		size_t m2 = vpath_child(v, "clusterRoleSelectors");

		json_array_foreach ((json_t *)sels, i, sel) {
			size_t m3 = vpath_index(v, i);

			validate_label_selector(v, sel, NULL);
			vpath_pop(v, m3);
		}
		vpath_pop(v, m2);
	}
	vpath_pop(v, mark);
}

/* ValidateRBACName's messages for a referenced name, as Invalid value. */
static void rbac_name(struct validation *v, const char *child, const char *name,
		      enum name_rule rule)
{
	const char *msgs[2];
	char buf[128];
	int n = name_messages(rule, name, false, msgs, buf, sizeof(buf));

	for (int i = 0; i < n; i++)
		verr_invalid_str(v, child, name, msgs[i]);
}

/* ValidateRoleBindingSubject at the current path. */
static void subject(struct validation *v, const json_t *s, bool namespaced)
{
	static const char *const rbac[] = {RBAC_GROUP, NULL};
	static const char *const core[] = {"", NULL};
	static const char *const kinds[] = {"ServiceAccount", "User", "Group",
					    NULL};
	const char *kind = vget_str(v, s, "kind", "Subject");
	const char *group = vget_str(v, s, "apiGroup", "Subject");
	const char *name = vget_str(v, s, "name", "Subject");
	const char *ns = vget_str(v, s, "namespace", "Subject");

	if (!group)
		group = "";
	if (!name || !*name)
		verr_required(v, "name", NULL);
	if (kind && !strcmp(kind, "ServiceAccount")) {
		if (name && *name)
			rbac_name(v, "name", name, NAME_DNS_SUBDOMAIN);
		if (*group)
			verr_unsupported_str(v, "apiGroup", group, core);
		if (!namespaced && (!ns || !*ns))
			verr_required(v, "namespace", NULL);
	} else if (kind && (!strcmp(kind, "User") || !strcmp(kind, "Group"))) {
		if (strcmp(group, RBAC_GROUP))
			verr_unsupported_str(v, "apiGroup", group, rbac);
	} else {
		verr_unsupported_str(v, "kind", kind ? kind : "", kinds);
	}
}

/* ValidateRoleBinding / ValidateClusterRoleBinding after ObjectMeta. */
static void binding(struct validation *v, const json_t *obj, const json_t *old,
		    const char *owner, bool namespaced)
{
	static const char *const rbac[] = {RBAC_GROUP, NULL};
	static const char *const ns_kinds[] = {"Role", "ClusterRole", NULL};
	static const char *const cluster_kinds[] = {"ClusterRole", NULL};
	const json_t *ref, *subjects, *s;
	const char *group, *kind, *name;
	size_t i, mark;

	ref = vget(v, obj, "roleRef", VT_OBJECT, owner, "v1.RoleRef");
	mark = vpath_child(v, "roleRef");
	group = vget_str(v, ref, "apiGroup", "RoleRef");
	kind = vget_str(v, ref, "kind", "RoleRef");
	name = vget_str(v, ref, "name", "RoleRef");
	if (!group || strcmp(group, RBAC_GROUP))
		verr_unsupported_str(v, "apiGroup", group ? group : "", rbac);
	if (!kind || (strcmp(kind, "ClusterRole") &&
		      (!namespaced || strcmp(kind, "Role"))))
		verr_unsupported_str(v, "kind", kind ? kind : "",
				     namespaced ? ns_kinds : cluster_kinds);
	if (!name || !*name)
		verr_required(v, "name", NULL);
	else
		rbac_name(v, "name", name, NAME_PATH_SEGMENT);
	vpath_pop(v, mark);

	subjects = vget(v, obj, "subjects", VT_ARRAY, owner, "[]v1.Subject");
	if (subjects &&
	    vcheck_elems(v, subjects, VT_OBJECT, owner, "v1.Subject")) {
		mark = vpath_child(v, "subjects");
		json_array_foreach ((json_t *)subjects, i, s) {
			size_t m2 = vpath_index(v, i);

			subject(v, s, namespaced);
			vpath_pop(v, m2);
		}
		vpath_pop(v, mark);
	}

	if (old && ref) {
		const json_t *old_ref = json_object_get(old, "roleRef");

		if (!json_equal((json_t *)ref, (json_t *)old_ref))
			verr_invalid(v, "roleRef", ref,
				     "cannot change roleRef");
	}
}

void validate_role_binding(struct validation *v, const json_t *obj,
			   const json_t *old)
{
	binding(v, obj, old, "RoleBinding", true);
}

void validate_cluster_role_binding(struct validation *v, const json_t *obj,
				   const json_t *old)
{
	binding(v, obj, old, "ClusterRoleBinding", false);
}
