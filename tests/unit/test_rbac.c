/*
 * test_rbac.c — the RBAC kinds' validation, the authorizer (a table of
 * requests against one policy: wildcards, resourceNames, subresources,
 * non-resource URLs, RoleBindings to ClusterRoles, service accounts,
 * aggregation, missing roles), the refusal sentences, Covers and the
 * escalation guard.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/kinds.h"
#include "api/rbac.h"
#include "api/validate.h"

#define R "\"apiVersion\":\"rbac.authorization.k8s.io/v1\","

static const char *const policy_objects[] = {
    "{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"view-pods\"},"
    "\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"pods/log\"],"
    "\"verbs\":[\"get\",\"list\",\"watch\"]}]}",
    "{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"apps-all\"},"
    "\"rules\":[{\"apiGroups\":[\"apps\"],\"resources\":[\"*\"],"
    "\"verbs\":[\"*\"]}]}",
    "{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"urls\"},"
    "\"rules\":[{\"nonResourceURLs\":[\"/healthz\",\"/metrics/*\"],"
    "\"verbs\":[\"get\"]}]}",
    "{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"agg\"},"
    "\"aggregationRule\":{\"clusterRoleSelectors\":[{\"matchLabels\":"
    "{\"agg\":\"yes\"}}]},\"rules\":[{\"apiGroups\":[\"\"],"
    "\"resources\":[\"nodes\"],\"verbs\":[\"delete\"]}]}",
    "{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"piece1\","
    "\"labels\":{\"agg\":\"yes\"}},\"rules\":[{\"apiGroups\":[\"\"],"
    "\"resources\":[\"secrets\"],\"verbs\":[\"get\"]}]}",
    "{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"piece2\","
    "\"labels\":{\"agg\":\"yes\",\"agg2\":\"yes\"}},\"aggregationRule\":"
    "{\"clusterRoleSelectors\":[{\"matchLabels\":{\"agg2\":\"yes\"}}]}}",
    "{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"piece3\","
    "\"labels\":{\"agg2\":\"yes\"}},\"rules\":[{\"apiGroups\":[\"\"],"
    "\"resources\":[\"configmaps\"],\"verbs\":[\"list\"]}]}",
    "{" R "\"kind\":\"Role\",\"metadata\":{\"name\":\"one-cm\","
    "\"namespace\":\"default\"},\"rules\":[{\"apiGroups\":[\"\"],"
    "\"resources\":[\"configmaps\"],\"resourceNames\":[\"cfg\"],"
    "\"verbs\":[\"get\"]}]}",
    "{" R "\"kind\":\"Role\",\"metadata\":{\"name\":\"scaler\","
    "\"namespace\":\"default\"},\"rules\":[{\"apiGroups\":[\"*\"],"
    "\"resources\":[\"*/scale\"],\"verbs\":[\"update\"]}]}",
    "{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"rb1\","
    "\"namespace\":\"default\"},\"roleRef\":{\"apiGroup\":"
    "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"one-cm\"},"
    "\"subjects\":[{\"kind\":\"User\",\"name\":\"alice\"}]}",
    "{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"rb2\","
    "\"namespace\":\"default\"},\"roleRef\":{\"kind\":\"ClusterRole\","
    "\"name\":\"view-pods\"},\"subjects\":[{\"kind\":\"Group\","
    "\"name\":\"devs\"}]}",
    "{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"rb3\","
    "\"namespace\":\"default\"},\"roleRef\":{\"kind\":\"Role\","
    "\"name\":\"scaler\"},\"subjects\":[{\"kind\":\"ServiceAccount\","
    "\"name\":\"bot\"}]}",
    "{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"rb4\","
    "\"namespace\":\"default\"},\"roleRef\":{\"kind\":\"Role\","
    "\"name\":\"missing\"},\"subjects\":[{\"kind\":\"User\","
    "\"name\":\"carol\"}]}",
    "{" R "\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":\"c1\"},"
    "\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"view-pods\"},"
    "\"subjects\":[{\"kind\":\"User\",\"name\":\"bob\"},{\"kind\":"
    "\"ServiceAccount\",\"name\":\"reader\",\"namespace\":\"ops\"}]}",
    "{" R "\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":\"c2\"},"
    "\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"agg\"},"
    "\"subjects\":[{\"kind\":\"Group\",\"name\":\"ops\"}]}",
    "{" R "\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":\"c3\"},"
    "\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"urls\"},"
    "\"subjects\":[{\"kind\":\"User\",\"name\":\"dave\"}]}",
    "{" R "\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":\"c4\"},"
    "\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"gone\"},"
    "\"subjects\":[{\"kind\":\"User\",\"name\":\"carol\"}]}",
    "{" R "\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":\"c5\"},"
    "\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"apps-all\"},"
    "\"subjects\":[{\"kind\":\"User\",\"name\":\"frank\"}]}",
};

static json_t *load(const char *s);

static struct rbac_policy *policy(void)
{
	struct rbac_policy *p;

	assert_int_equal(rbac_policy_new(&p), 0);
	for (size_t i = 0; i < sizeof(policy_objects) / sizeof(*policy_objects);
	     i++) {
		json_error_t e;
		_cleanup_json_ json_t *o = json_loads(policy_objects[i], 0, &e);

		if (!o)
			fail_msg("object %zu: %s", i, e.text);
		assert_int_equal(rbac_policy_put(p, o), 0);
	}
	return p;
}

static const char *const no_groups[] = {"system:authenticated"};
static const char *const devs[] = {"devs", "system:authenticated"};
static const char *const ops[] = {"ops", "system:authenticated"};
static const char *const masters[] = {"system:masters"};

struct authz_case {
	const char *user;
	const char *const *groups;
	size_t ngroups;
	const char *verb, *group, *resource, *sub, *name, *ns, *path;
	bool allowed;
	const char *reason;
};

#define G(g) g, sizeof(g) / sizeof(*g)
#define RES(verb, grp, res, sub, name, ns) verb, grp, res, sub, name, ns, NULL
#define URL(verb, path) verb, NULL, NULL, NULL, NULL, NULL, path

static const struct authz_case authz_cases[] = {
    /* resourceNames: only the named object, never a list */
    {"alice", G(no_groups), RES("get", "", "configmaps", "", "cfg", "default"),
     true, ""},
    {"alice", G(no_groups),
     RES("get", "", "configmaps", "", "other", "default"), false, ""},
    {"alice", G(no_groups), RES("list", "", "configmaps", "", "", "default"),
     false, ""},
    {"alice", G(no_groups), RES("get", "", "configmaps", "", "cfg", "prod"),
     false, ""},
    /* a RoleBinding to a ClusterRole: in its namespace only */
    {"x", G(devs), RES("list", "", "pods", "", "", "default"), true, ""},
    {"x", G(devs), RES("list", "", "pods", "", "", "kube-system"), false, ""},
    {"x", G(devs), RES("list", "", "pods", "", "", ""), false, ""},
    /* subresources are resources of their own */
    {"x", G(devs), RES("get", "", "pods", "log", "web", "default"), true, ""},
    {"x", G(devs), RES("get", "", "pods", "exec", "web", "default"), false, ""},
    {"x", G(devs), RES("get", "apps", "pods", "", "web", "default"), false, ""},
    /* a ClusterRoleBinding: everywhere, and at the cluster scope */
    {"bob", G(no_groups), RES("watch", "", "pods", "", "", "prod"), true, ""},
    {"bob", G(no_groups), RES("list", "", "pods", "", "", ""), true, ""},
    {"bob", G(no_groups), RES("delete", "", "pods", "", "p", "prod"), false,
     ""},
    {"system:serviceaccount:ops:reader", G(no_groups),
     RES("get", "", "pods", "", "p", "x"), true, ""},
    {"system:serviceaccount:opsx:reader", G(no_groups),
     RES("get", "", "pods", "", "p", "x"), false, ""},
    /* "*\/scale", a service account in the binding's namespace */
    {"system:serviceaccount:default:bot", G(no_groups),
     RES("update", "apps", "deployments", "scale", "web", "default"), true, ""},
    {"system:serviceaccount:default:bot", G(no_groups),
     RES("update", "apps", "deployments", "", "web", "default"), false, ""},
    {"system:serviceaccount:default:bot", G(no_groups),
     RES("update", "apps", "deployments", "status", "web", "default"), false,
     ""},
    {"system:serviceaccount:other:bot", G(no_groups),
     RES("update", "apps", "deployments", "scale", "web", "default"), false,
     ""},
    /* wildcards on verbs and resources, not on groups */
    {"frank", G(no_groups),
     RES("deletecollection", "apps", "replicasets", "", "", "x"), true, ""},
    {"frank", G(no_groups), RES("get", "apps", "deployments", "scale", "d", ""),
     true, ""},
    {"frank", G(no_groups), RES("get", "", "pods", "", "p", "x"), false, ""},
    /* aggregation: the selected roles' rules, not the role's own */
    {"y", G(ops), RES("get", "", "secrets", "", "s", "x"), true, ""},
    {"y", G(ops), RES("list", "", "configmaps", "", "", "x"), true, ""},
    {"y", G(ops), RES("delete", "", "nodes", "", "n", ""), false, ""},
    {"y", G(ops), RES("delete", "", "secrets", "", "s", "x"), false, ""},
    /* non-resource URLs: exact, or a prefix before a trailing "*" */
    {"dave", G(no_groups), URL("get", "/healthz"), true, ""},
    {"dave", G(no_groups), URL("get", "/metrics/x/y"), true, ""},
    {"dave", G(no_groups), URL("get", "/metrics/"), true, ""},
    {"dave", G(no_groups), URL("get", "/metricsx"), false, ""},
    {"dave", G(no_groups), URL("post", "/healthz"), false, ""},
    {"bob", G(no_groups), URL("get", "/healthz"), false, ""},
    /* bindings to missing roles grant nothing and say so */
    {"carol", G(no_groups), RES("get", "", "configmaps", "", "c", "default"),
     false,
     "RBAC: [clusterrole.rbac.authorization.k8s.io \"gone\" not found, "
     "role.rbac.authorization.k8s.io \"missing\" not found]"},
    {"carol", G(no_groups), RES("get", "", "configmaps", "", "c", "x"), false,
     "RBAC: clusterrole.rbac.authorization.k8s.io \"gone\" not found"},
    /* system:masters: everything */
    {"root", G(masters), RES("delete", "x", "y", "z", "n", "ns"), true, ""},
    {"root", G(masters), URL("put", "/anything"), true, ""},
};

static void test_authorize(void **state)
{
	struct rbac_policy *p = policy();

	(void)state;
	assert_int_equal(rbac_policy_size(p), 18);
	for (size_t i = 0; i < sizeof(authz_cases) / sizeof(*authz_cases);
	     i++) {
		const struct authz_case *c = &authz_cases[i];
		struct rbac_user u = {c->user, c->groups, c->ngroups};
		struct rbac_attrs a = {
		    .verb = c->verb,
		    .resource_request = c->path == NULL,
		    .api_group = c->group ? c->group : "",
		    .resource = c->resource ? c->resource : "",
		    .subresource = c->sub ? c->sub : "",
		    .name = c->name ? c->name : "",
		    .namespace = c->ns ? c->ns : "",
		    .path = c->path,
		};
		char reason[RBAC_REASON_MAX];
		bool ok = rbac_authorize(p, &u, &a, reason, sizeof(reason));

		if (ok != c->allowed)
			fail_msg("case %zu: %s %s %s/%s: want %d", i, c->user,
				 c->verb, c->resource ? c->resource : c->path,
				 c->sub ? c->sub : "", c->allowed);
		if (!ok && strcmp(reason, c->reason))
			fail_msg("case %zu: reason %s", i, reason);
	}
	/* name NULL: any name, so only rules without resourceNames count */
	{
		struct rbac_user alice = {"alice", no_groups, 1};
		struct rbac_user bob = {"bob", no_groups, 1};
		struct rbac_attrs a = {"get", true, "",	       "configmaps",
				       "",    NULL, "default", NULL};

		assert_false(rbac_authorize(p, &alice, &a, NULL, 0));
		a.resource = "pods";
		assert_true(rbac_authorize(p, &bob, &a, NULL, 0));
	}
	rbac_policy_free(p);
}

static void test_policy_put_remove(void **state)
{
	struct rbac_policy *p = policy();
	struct rbac_user u = {"alice", no_groups, 1};
	struct rbac_attrs a = {"get", true,  "",	"configmaps",
			       "",    "cfg", "default", NULL};
	_cleanup_json_ json_t *bad =
	    json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Pod",
		      "metadata", "name", "x");

	(void)state;
	assert_true(rbac_authorize(p, &u, &a, NULL, 0));
	assert_int_equal(rbac_policy_put(p, bad), -EINVAL);
	/* a binding replaced by one naming someone else */
	{
		struct rbac_user zed = {"zed", no_groups, 1};
		_cleanup_json_ json_t *rb = load(
		    "{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":"
		    "\"rb1\",\"namespace\":\"default\"},\"roleRef\":{"
		    "\"kind\":\"Role\",\"name\":\"one-cm\"},\"subjects\":"
		    "[{\"kind\":\"User\",\"name\":\"zed\"}]}");
		_cleanup_json_ json_t *back = load(policy_objects[9]);

		assert_int_equal(rbac_policy_put(p, rb), 0);
		assert_false(rbac_authorize(p, &u, &a, NULL, 0));
		assert_true(rbac_authorize(p, &zed, &a, NULL, 0));
		assert_int_equal(rbac_policy_put(p, back), 0);
		assert_false(rbac_authorize(p, &zed, &a, NULL, 0));
		assert_true(rbac_authorize(p, &u, &a, NULL, 0));
		assert_int_equal(rbac_policy_size(p), 18);
	}
	assert_int_equal(rbac_policy_remove(p, "Role", "default", "one-cm"), 0);
	assert_int_equal(rbac_policy_remove(p, "Role", "default", "one-cm"),
			 -ENOENT);
	assert_false(rbac_authorize(p, &u, &a, NULL, 0));
	assert_int_equal(rbac_policy_remove(p, "RoleBinding", "nowhere", "x"),
			 -ENOENT);
	assert_int_equal(rbac_policy_remove(p, "RoleBinding", "default", "rb1"),
			 0);
	assert_int_equal(rbac_policy_size(p), 16);
	rbac_policy_free(p);
	rbac_policy_free(NULL);
}

static void test_forbidden(void **state)
{
	static const char *const g[] = {"system:authenticated"};
	struct rbac_user u = {"alice", g, 1};
	struct {
		struct rbac_attrs a;
		const char *reason, *want;
	} cases[] = {
	    {{"list", true, "", "pods", "", "", "default", NULL},
	     "",
	     "pods is forbidden: User \"alice\" cannot list resource \"pods\" "
	     "in API group \"\" in the namespace \"default\""},
	    {{"get", true, "", "pods", "log", "web", "default", NULL},
	     NULL,
	     "pods \"web\" is forbidden: User \"alice\" cannot get resource "
	     "\"pods/log\" in API group \"\" in the namespace \"default\""},
	    {{"list", true, "", "nodes", "", "", "", NULL},
	     "",
	     "nodes is forbidden: User \"alice\" cannot list resource "
	     "\"nodes\" "
	     "in API group \"\" at the cluster scope"},
	    {{"update", true, "apps", "deployments", "scale", "web", "prod",
	      NULL},
	     "RBAC: role.rbac.authorization.k8s.io \"x\" not found",
	     "deployments.apps \"web\" is forbidden: User \"alice\" cannot "
	     "update resource \"deployments/scale\" in API group \"apps\" in "
	     "the namespace \"prod\": RBAC: role.rbac.authorization.k8s.io "
	     "\"x\" not found"},
	    {{"get", false, NULL, NULL, NULL, NULL, NULL, "/version"},
	     "",
	     "forbidden: User \"alice\" cannot get path \"/version\""},
	};
	struct kf_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kf_error_init(&err);
		assert_int_equal(
		    rbac_forbidden(&u, &cases[i].a, cases[i].reason, &err),
		    -EACCES);
		assert_string_equal(err.msg, cases[i].want);
	}
}

static json_t *load(const char *s)
{
	json_error_t e;
	json_t *o = json_loads(s, 0, &e);

	if (!o)
		fail_msg("%s: %s", s, e.text);
	return o;
}

static void test_covers(void **state)
{
	_cleanup_json_ json_t *owner =
	    load("[{\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"*/status\"],"
		 "\"verbs\":[\"get\",\"list\"]},{\"apiGroups\":[\"*\"],"
		 "\"resources\":[\"secrets\"],\"resourceNames\":[\"a\",\"b\"],"
		 "\"verbs\":[\"*\"]},{\"nonResourceURLs\":[\"/api/*\"],"
		 "\"verbs\":[\"get\"]}]");
	static const struct {
		const char *req;
		int want;
	} cases[] = {
	    {"[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":"
	     "[\"list\",\"get\"]}]",
	     1},
	    {"[{\"apiGroups\":[\"\"],\"resources\":[\"pods/status\","
	     "\"services/status\"],\"verbs\":[\"get\"]}]",
	     1},
	    {"[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":"
	     "[\"watch\"]}]",
	     0},
	    {"[{\"apiGroups\":[\"x\"],\"resources\":[\"secrets\"],"
	     "\"resourceNames\":[\"b\"],\"verbs\":[\"delete\"]}]",
	     1},
	    {"[{\"apiGroups\":[\"x\"],\"resources\":[\"secrets\"],"
	     "\"verbs\":[\"delete\"]}]",
	     0},
	    {"[{\"nonResourceURLs\":[\"/api/v1\",\"/api\"],\"verbs\":"
	     "[\"get\"]}]",
	     0},
	    {"[{\"nonResourceURLs\":[\"/api/v1\"],\"verbs\":[\"get\"]}]", 1},
	    {"[]", 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		_cleanup_json_ json_t *req = load(cases[i].req);

		if (rbac_covers(owner, req, NULL) != cases[i].want)
			fail_msg("case %zu: want %d", i, cases[i].want);
	}
}

/* The escalation guard: alice holds get on configmap cfg in default. */
static void test_escalation(void **state)
{
	static const char *const g[] = {"system:authenticated"};
	struct rbac_policy *p = policy();
	struct rbac_user alice = {"alice", g, 1};
	struct rbac_user root = {"root", masters, 1};
	struct kf_error err;
	_cleanup_json_ json_t *ok =
	    load("{" R "\"kind\":\"Role\",\"metadata\":{\"name\":\"r\","
		 "\"namespace\":\"default\"},\"rules\":[{\"apiGroups\":[\"\"],"
		 "\"resources\":[\"configmaps\"],\"resourceNames\":[\"cfg\"],"
		 "\"verbs\":[\"get\"]}]}");
	_cleanup_json_ json_t *more =
	    load("{" R "\"kind\":\"Role\",\"metadata\":{\"name\":\"r\","
		 "\"namespace\":\"default\"},\"rules\":[{\"apiGroups\":[\"\"],"
		 "\"resources\":[\"configmaps\",\"pods\"],\"verbs\":[\"get\","
		 "\"list\"]},{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],"
		 "\"verbs\":[\"delete\"]}]}");
	_cleanup_json_ json_t *agg =
	    load("{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"a\"},"
		 "\"aggregationRule\":{\"clusterRoleSelectors\":[{}]}}");
	_cleanup_json_ json_t *bind_missing =
	    load("{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"b\","
		 "\"namespace\":\"default\"},\"roleRef\":{\"apiGroup\":"
		 "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":"
		 "\"missing\"},\"subjects\":[]}");
	_cleanup_json_ json_t *bind_own = load(
	    "{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"b\","
	    "\"namespace\":\"default\"},\"roleRef\":{\"apiGroup\":"
	    "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":"
	    "\"one-cm\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"eve\"}]}");
	_cleanup_json_ json_t *bind_view = load(
	    "{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"b\","
	    "\"namespace\":\"default\"},\"roleRef\":{\"apiGroup\":"
	    "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":"
	    "\"view-pods\"},\"subjects\":[]}");

	(void)state;
	assert_int_equal(rbac_check_write(p, &alice, ok, NULL, &err), 0);
	assert_int_equal(rbac_check_write(p, &alice, more, NULL, &err),
			 -EACCES);
	assert_string_equal(
	    err.msg,
	    "roles.rbac.authorization.k8s.io \"r\" is forbidden: user "
	    "\"alice\" (groups=[\"system:authenticated\"]) is attempting to "
	    "grant RBAC permissions not currently held:\n"
	    "{APIGroups:[\"\"], Resources:[\"configmaps\"], Verbs:[\"get\" "
	    "\"list\"]}\n"
	    "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\" \"list\" "
	    "\"delete\"]}");
	assert_int_equal(rbac_check_write(p, &root, more, NULL, &err), 0);
	/* an update touching only finalizers is not checked again */
	{
		_cleanup_json_ json_t *fin = json_deep_copy(more);

		json_object_set_new(json_object_get(fin, "metadata"),
				    "finalizers", json_pack("[s]", "x"));
		assert_int_equal(rbac_check_write(p, &alice, fin, more, &err),
				 0);
	}
	assert_int_equal(rbac_check_write(p, &alice, agg, NULL, &err), -EACCES);
	assert_string_equal(err.msg,
			    "clusterroles.rbac.authorization.k8s.io \"a\" is "
			    "forbidden: must have cluster-admin privileges to "
			    "use the aggregationRule");
	assert_int_equal(rbac_check_write(p, &alice, bind_missing, NULL, &err),
			 -EACCES);
	assert_string_equal(err.msg,
			    "rolebindings.rbac.authorization.k8s.io \"b\" is "
			    "forbidden: role.rbac.authorization.k8s.io "
			    "\"missing\" not found");
	assert_int_equal(rbac_check_write(p, &root, bind_missing, NULL, &err),
			 0);
	/* binding a role whose rights alice holds */
	assert_int_equal(rbac_check_write(p, &alice, bind_own, NULL, &err), 0);
	assert_int_equal(rbac_check_write(p, &alice, bind_view, NULL, &err),
			 -EACCES);
	/* the bind verb lets her bind what she does not hold */
	{
		_cleanup_json_ json_t *role = load(
		    "{" R "\"kind\":\"Role\",\"metadata\":{\"name\":\"binder\","
		    "\"namespace\":\"default\"},\"rules\":[{\"apiGroups\":"
		    "[\"rbac.authorization.k8s.io\"],\"resources\":"
		    "[\"clusterroles\"],\"resourceNames\":[\"view-pods\"],"
		    "\"verbs\":[\"bind\"]}]}");
		_cleanup_json_ json_t *rb = load(
		    "{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":"
		    "\"rb9\",\"namespace\":\"default\"},\"roleRef\":{\"kind\":"
		    "\"Role\",\"name\":\"binder\"},\"subjects\":[{\"kind\":"
		    "\"User\",\"name\":\"alice\"}]}");

		assert_int_equal(rbac_policy_put(p, role), 0);
		assert_int_equal(rbac_policy_put(p, rb), 0);
		assert_int_equal(
		    rbac_check_write(p, &alice, bind_view, NULL, &err), 0);
	}
	rbac_policy_free(p);
}

/* kind_admit on RBAC objects: Kubernetes' messages, defaults. */
static void test_validate(void **state)
{
	static const struct {
		const char *obj, *want;
	} cases[] = {
	    {"{" R "\"kind\":\"Role\",\"metadata\":{\"name\":\"r\","
	     "\"namespace\":\"d\"},\"rules\":[{}]}",
	     "Role.rbac.authorization.k8s.io \"r\" is invalid: "
	     "[rules[0].verbs: Required value: verbs must contain at least one "
	     "value, rules[0].apiGroups: Required value: resource rules must "
	     "supply at least one api group, rules[0].resources: Required "
	     "value: resource rules must supply at least one resource]"},
	    {"{" R "\"kind\":\"Role\",\"metadata\":{\"name\":\"r\","
	     "\"namespace\":\"d\"},\"rules\":[{\"verbs\":[\"get\"],"
	     "\"nonResourceURLs\":[\"/x\"]}]}",
	     "Role.rbac.authorization.k8s.io \"r\" is invalid: "
	     "rules[0].nonResourceURLs: Invalid value: [\"/x\"]: namespaced "
	     "rules cannot apply to non-resource URLs"},
	    {"{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"c\"},"
	     "\"rules\":[{\"verbs\":[\"get\"],\"resources\":[\"pods\"],"
	     "\"nonResourceURLs\":[\"/x\"]}]}",
	     "ClusterRole.rbac.authorization.k8s.io \"c\" is invalid: "
	     "rules[0].nonResourceURLs: Invalid value: [\"/x\"]: rules cannot "
	     "apply to both regular resources and non-resource URLs"},
	    {"{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"c\"},"
	     "\"aggregationRule\":{\"clusterRoleSelectors\":[]}}",
	     "ClusterRole.rbac.authorization.k8s.io \"c\" is invalid: "
	     "aggregationRule.clusterRoleSelectors: Required value: at least "
	     "one clusterRoleSelector required if aggregationRule is non-nil"},
	    {"{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"a/b\"}}",
	     "ClusterRole.rbac.authorization.k8s.io \"a/b\" is invalid: "
	     "metadata.name: Invalid value: \"a/b\": may not contain '/'"},
	    {"{" R "\"kind\":\"ClusterRole\",\"metadata\":{\"name\":"
	     "\"system:node\"}}",
	     NULL},
	    {"{" R "\"kind\":\"Role\",\"metadata\":{\"name\":\"r\","
	     "\"namespace\":\"d\"},\"rules\":\"x\"}",
	     "Role in version \"v1\" cannot be "
	     "handled as a Role: json: cannot unmarshal string into Go struct "
	     "field Role.rules of type []v1.PolicyRule"},
	    {"{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"b\","
	     "\"namespace\":\"d\"},\"roleRef\":{\"kind\":\"Foo\",\"name\":"
	     "\"x\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"u\"},"
	     "{\"kind\":\"Robot\",\"name\":\"r\"},{\"kind\":\"ServiceAccount\","
	     "\"name\":\"S\"}]}",
	     "RoleBinding.rbac.authorization.k8s.io \"b\" is invalid: "
	     "[roleRef.kind: Unsupported value: \"Foo\": supported values: "
	     "\"Role\", \"ClusterRole\", subjects[1].kind: Unsupported value: "
	     "\"Robot\": supported values: \"ServiceAccount\", \"User\", "
	     "\"Group\", subjects[2].name: Invalid value: \"S\": a lowercase "
	     "RFC 1123 subdomain must consist of lower case alphanumeric "
	     "characters, '-' or '.', and must start and end with an "
	     "alphanumeric character (e.g. 'example.com', regex used for "
	     "validation is "
	     "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
	     "')]"},
	    {"{" R "\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":"
	     "\"b\"},\"roleRef\":{\"kind\":\"Role\",\"name\":\"x\"},"
	     "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"s\"},"
	     "{\"kind\":\"Group\",\"name\":\"g\",\"apiGroup\":\"x\"}]}",
	     "ClusterRoleBinding.rbac.authorization.k8s.io \"b\" is invalid: "
	     "[roleRef.kind: Unsupported value: \"Role\": supported values: "
	     "\"ClusterRole\", subjects[0].namespace: Required value, "
	     "subjects[1].apiGroup: Unsupported value: \"x\": supported "
	     "values: \"rbac.authorization.k8s.io\"]"},
	    {"{" R "\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":"
	     "\"b\"},\"roleRef\":{\"kind\":\"ClusterRole\"}}",
	     "ClusterRoleBinding.rbac.authorization.k8s.io \"b\" is invalid: "
	     "roleRef.name: Required value"},
	};
	struct kf_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		_cleanup_json_ json_t *o = load(cases[i].obj);
		const struct kind_info *k = kinds_by_gvk(
		    json_string_value(json_object_get(o, "apiVersion")),
		    json_string_value(json_object_get(o, "kind")));
		int r;

		assert_non_null(k);
		kf_error_init(&err);
		r = kind_admit(k, o, NULL, &err);
		if (!cases[i].want) {
			if (r)
				fail_msg("case %zu: %s", i, err.msg);
			continue;
		}
		assert_int_equal(r, -EINVAL);
		if (strcmp(err.msg, cases[i].want))
			fail_msg("case %zu:\n got %s\nwant %s", i, err.msg,
				 cases[i].want);
	}
}

/* Defaults, and a roleRef that may not change. */
static void test_binding_defaults_update(void **state)
{
	const struct kind_info *k =
	    kinds_by_gvk("rbac.authorization.k8s.io/v1", "RoleBinding");
	_cleanup_json_ json_t *old =
	    load("{" R "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"b\","
		 "\"namespace\":\"d\"},\"roleRef\":{\"kind\":\"Role\",\"name\":"
		 "\"x\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"u\"},"
		 "{\"kind\":\"ServiceAccount\",\"name\":\"s\"}]}");
	_cleanup_json_ json_t *upd = NULL;
	struct kf_error err;

	(void)state;
	assert_int_equal(kind_admit(k, old, NULL, &err), 0);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(old, "roleRef"), "apiGroup")),
			    "rbac.authorization.k8s.io");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(old, "subjects"), 0),
		"apiGroup")),
	    "rbac.authorization.k8s.io");
	assert_null(json_object_get(
	    json_array_get(json_object_get(old, "subjects"), 1), "apiGroup"));
	upd = json_deep_copy(old);
	json_object_set_new(json_object_get(upd, "roleRef"), "name",
			    json_string("y"));
	assert_int_equal(kind_admit(k, upd, old, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "RoleBinding.rbac.authorization.k8s.io \"b\" is "
			    "invalid: roleRef: Invalid value: "
			    "{\"apiGroup\":\"rbac.authorization.k8s.io\","
			    "\"kind\":\"Role\",\"name\":\"y\"}: cannot change "
			    "roleRef");
}

static void test_names(void **state)
{
	(void)state;
	assert_true(name_valid(NAME_PATH_SEGMENT, "system:node"));
	assert_true(name_valid(NAME_PATH_SEGMENT, "Admin_1"));
	assert_false(name_valid(NAME_PATH_SEGMENT, ".."));
	assert_false(name_valid(NAME_PATH_SEGMENT, "a%b"));
	assert_false(name_valid(NAME_PATH_SEGMENT, ""));
	assert_false(name_valid(NAME_DNS_SUBDOMAIN, "system:node"));
	assert_true(name_valid(NAME_DNS_SUBDOMAIN, "web-1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_authorize),
	    cmocka_unit_test(test_policy_put_remove),
	    cmocka_unit_test(test_forbidden),
	    cmocka_unit_test(test_covers),
	    cmocka_unit_test(test_escalation),
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_binding_defaults_update),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
