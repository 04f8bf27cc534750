/*
 * rbac.h — Kubernetes' RBAC authorizer, over an in-memory policy.
 *
 * A struct rbac_policy holds the four rbac.authorization.k8s.io/v1 kinds
 * (Role, ClusterRole, RoleBinding, ClusterRoleBinding) as their JSON
 * objects, indexed by identity; the owner adds and removes them as the
 * store changes. rbac_authorize() then answers one request the way
 * kube-apiserver's authorizer chain does:
 *
 *   - a user in the group "system:masters" is always allowed (the
 *     privileged-groups authorizer kube-apiserver puts before RBAC);
 *   - otherwise every ClusterRoleBinding whose subjects match the user,
 *     then (for a namespaced request) every RoleBinding of the request's
 *     namespace, lends the rules of its role; the request is allowed when
 *     one rule allows it (rbac_rule_allows()). A RoleBinding to a
 *     ClusterRole lends the ClusterRole's rules inside its namespace only.
 *   - A subject matches as Kubernetes' appliesTo: User by name, Group by
 *     membership, ServiceAccount as the user
 *     "system:serviceaccount:NS:NAME" (NS defaulting to the binding's).
 *   - A binding to a missing role grants nothing; the "not found" errors
 *     of the bindings that applied make the refusal's reason ("RBAC:
 *     clusterrole.rbac.authorization.k8s.io \"x\" not found").
 *   - A ClusterRole with an aggregationRule has the rules of every other
 *     ClusterRole one of its selectors matches (recursively, as the
 *     aggregation controller's fixed point), instead of its own: kubefs
 *     resolves aggregation when it evaluates, so the stored object's
 *     rules are not rewritten.
 *
 * Every string the policy returns is borrowed from its objects and valid
 * until they are removed. Not thread-safe: the caller serialises access.
 * Nothing here prints.
 *
 * Limits: aggregation is followed RBAC_AGGREGATION_DEPTH levels deep.
 */
#ifndef KUBEFS_API_RBAC_H
#define KUBEFS_API_RBAC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/error.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"
#define RBAC_MASTERS "system:masters"
#define RBAC_AUTHENTICATED "system:authenticated"
#define RBAC_AGGREGATION_DEPTH 8
#define RBAC_REASON_MAX 512

/* Who asks (user.Info): all borrowed. */
struct rbac_user {
	const char *name;
	const char *const *groups;
	size_t ngroups;
};

/* What is asked (authorizer.AttributesRecord): all borrowed. */
struct rbac_attrs {
	const char *verb; /* get, list, watch, create, update, patch, ... */
	bool resource_request;
	/* resource requests; "" (not NULL) when absent */
	const char *api_group;	 /* "" for the core group */
	const char *resource;	 /* plural: "pods" */
	const char *subresource; /* "log", "status", ... or "" */
	/* "" for list, watch, create; NULL: any name (only rules without
	 * resourceNames count: what they allow, they allow for every
	 * name) */
	const char *name;
	const char *namespace; /* "" at the cluster scope */
	/* non-resource requests */
	const char *path; /* "/healthz" */
};

struct rbac_policy;

/* An empty policy. 0 or -ENOMEM. */
int rbac_policy_new(struct rbac_policy **ret);
/* NULL is a no-op. Drops the references the policy holds. */
void rbac_policy_free(struct rbac_policy *p);

/*
 * Add obj (one of the four kinds, by its apiVersion and kind) or replace
 * the object of the same kind, namespace and name. The policy takes a
 * reference to obj; obj must not change afterwards. 0, -EINVAL (not an
 * RBAC object, or no name) or -ENOMEM (the policy is unchanged).
 */
int rbac_policy_put(struct rbac_policy *p, json_t *obj);

/*
 * Remove the object of kind ("Role", "ClusterRole", "RoleBinding",
 * "ClusterRoleBinding"), namespace ("" for the cluster kinds) and name.
 * 0 or -ENOENT.
 */
int rbac_policy_remove(struct rbac_policy *p, const char *kind,
		       const char *namespace, const char *name);

/* The number of objects held (all kinds). */
size_t rbac_policy_size(const struct rbac_policy *p);

/* Is u in group? */
bool rbac_user_in_group(const struct rbac_user *u, const char *group);

/*
 * Kubernetes' RuleAllows: does one PolicyRule (a JSON object) allow a?
 * Verbs, apiGroups and resources match exactly or through "*";
 * "*\/SUB" matches any resource's subresource SUB; a rule with
 * resourceNames allows only those names; nonResourceURLs match exactly,
 * through "*", or as a prefix when they end in "*".
 */
bool rbac_rule_allows(const json_t *rule, const struct rbac_attrs *a);

/*
 * Is a allowed for u? reason (may be NULL) receives "" or the refusal's
 * reason ("RBAC: ..." when bindings named missing roles), cut to size.
 */
bool rbac_authorize(const struct rbac_policy *p, const struct rbac_user *u,
		    const struct rbac_attrs *a, char *reason, size_t size);

/*
 * The rules u holds in namespace (all cluster-wide ones, plus the
 * namespace's when namespace is not ""), as a new JSON array (owned by
 * the caller), in ret_rules; reason as above, for missing roles. 0 or
 * -ENOMEM.
 */
int rbac_rules_for(const struct rbac_policy *p, const struct rbac_user *u,
		   const char *namespace, char *reason, size_t size,
		   json_t **ret_rules);

/*
 * The rules of roleRef (a RoleRef object) as seen by a binding in
 * namespace, borrowed into ret_rules (a new array, owned). -ENOENT with
 * err holding "role.rbac.authorization.k8s.io \"x\" not found" when
 * the role is missing; -EINVAL for a kind other than Role and
 * ClusterRole.
 */
int rbac_role_ref_rules(const struct rbac_policy *p, const json_t *role_ref,
			const char *namespace, struct kf_error *err,
			json_t **ret_rules);

/*
 * Kubernetes' refusal for a (responsewriters.Forbidden): -EACCES with err
 * holding, e.g.
 *   pods is forbidden: User "alice" cannot list resource "pods" in API
 *   group "" in the namespace "default"
 *   pods "web" is forbidden: User "alice" cannot get resource "pods/log"
 *   in API group "" in the namespace "default"
 *   nodes is forbidden: User "alice" cannot list resource "nodes" in API
 *   group "" at the cluster scope
 *   forbidden: User "alice" cannot get path "/version"
 * followed by ": <reason>" when reason is not "" (may be NULL).
 */
int rbac_forbidden(const struct rbac_user *u, const struct rbac_attrs *a,
		   const char *reason, struct kf_error *err);

/*
 * Kubernetes' guard on writing an RBAC object (the RBAC registry's
 * policy-based storage): may u create or update (old not NULL) obj?
 *
 *   - system:masters may write anything;
 *   - a Role or ClusterRole: u needs the "escalate" verb on it, or must
 *     hold every right its rules grant (in its namespace for a Role);
 *     setting an aggregationRule needs every right on everything;
 *   - a binding: u needs the "bind" verb on the role it names, or must
 *     hold every right of that role (which must exist).
 *
 * 0 when allowed; -EACCES with err holding Kubernetes' sentence, e.g.
 *   roles.rbac.authorization.k8s.io "r" is forbidden: user "alice"
 *   (groups=["system:authenticated"]) is attempting to grant RBAC
 *   permissions not currently held:
 *   {APIGroups:[""], Resources:["pods"], Verbs:["delete"]}
 * -EINVAL when obj is not an RBAC object; -ENOMEM.
 */
int rbac_check_write(const struct rbac_policy *p, const struct rbac_user *u,
		     const json_t *obj, const json_t *old,
		     struct kf_error *err);

/*
 * Kubernetes' Covers: does the set of rules owner (a JSON array) grant
 * everything requested (a JSON array) grants? When not, and ret_missing
 * is not NULL, *ret_missing is a new array (owned) of the missing rights,
 * compacted as Kubernetes' CompactRules. -ENOMEM, else 0 or 1 (covers).
 */
int rbac_covers(const json_t *owner, const json_t *requested,
		json_t **ret_missing);

#endif
