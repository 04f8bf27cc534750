/*
 * rbac.c — the RBAC policy (the four kinds, indexed) and Kubernetes'
 * authorizer over it: rule matching, the walk over the bindings that
 * apply to a user (VisitRulesFor), role references with aggregation, and
 * the refusal sentence.
 *
 * The walk hands each reachable rule to a visitor, which may stop it;
 * authorization stops at the first rule that allows, rules_for collects
 * them all. Aggregated ClusterRoles are expanded during the walk; each
 * ClusterRole is visited at most once per walk, which both ends cycles
 * and keeps a request's cost linear in the roles it reaches.
 */
#include "api/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/strmap.h"
#include "api/validate.h"

struct rbac_policy {
	struct strmap roles;		/* "NS/NAME" -> json_t (owned ref) */
	struct strmap cluster_roles;	/* NAME -> json_t */
	struct strmap bindings;		/* NS -> struct strmap (NAME -> json) */
	struct strmap cluster_bindings; /* NAME -> json_t */
	/*
	 * The bindings by the user name or group a subject matches:
	 * "NS\x1fu:USER" / "NS\x1fg:GROUP" (NS "" for ClusterRoleBindings)
	 * -> json_t array of bindings, so that a request visits the
	 * bindings that may apply to its user, not every one of the
	 * namespace.
	 */
	struct strmap index;
	size_t size;
};

int rbac_policy_new(struct rbac_policy **ret)
{
	struct rbac_policy *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	strmap_init(&p->roles);
	strmap_init(&p->cluster_roles);
	strmap_init(&p->bindings);
	strmap_init(&p->cluster_bindings);
	strmap_init(&p->index);
	*ret = p;
	return 0;
}

static void drop_all(struct strmap *m)
{
	const char *k;
	void *v;
	size_t i = 0;

	while (strmap_next(m, &i, &k, &v))
		json_decref(v);
	strmap_release(m);
}

void rbac_policy_free(struct rbac_policy *p)
{
	const char *k;
	void *v;
	size_t i = 0;

	if (!p)
		return;
	drop_all(&p->roles);
	drop_all(&p->cluster_roles);
	drop_all(&p->cluster_bindings);
	drop_all(&p->index);
	while (strmap_next(&p->bindings, &i, &k, &v)) {
		drop_all(v);
		free(v);
	}
	strmap_release(&p->bindings);
	free(p);
}

static const char *meta_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), key));

	return s ? s : "";
}

static const char *str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* Store obj under key in m, dropping what it replaces. */
static int put(struct rbac_policy *p, struct strmap *m, const char *key,
	       json_t *obj)
{
	json_t *old = strmap_get(m, key);
	int r = strmap_put(m, key, json_incref(obj));

	if (r < 0) {
		json_decref(obj);
		return r;
	}
	if (old)
		json_decref(old);
	else
		p->size++;
	return 0;
}

/* The map of namespace ns's RoleBindings; created when create is set. */
static struct strmap *ns_bindings(const struct rbac_policy *p, const char *ns,
				  bool create)
{
	struct strmap *m = strmap_get(&p->bindings, ns);

	if (m || !create)
		return m;
	m = malloc(sizeof(*m));
	if (!m)
		return NULL;
	strmap_init(m);
	if (strmap_put((struct strmap *)&p->bindings, ns, m) < 0) {
		free(m);
		return NULL;
	}
	return m;
}

/* The index key of subject s of a binding in ns, into buf; false when
 * s can match nobody. */
static bool subject_key(const json_t *s, const char *ns, char *buf, size_t size)
{
	const char *kind = str(s, "kind"), *name = str(s, "name");
	const char *sans = str(s, "namespace");
	int n;

	if (!strcmp(kind, "User"))
		n = snprintf(buf, size, "%s\x1fu:%s", ns, name);
	else if (!strcmp(kind, "Group"))
		n = snprintf(buf, size, "%s\x1fg:%s", ns, name);
	else if (!strcmp(kind, "ServiceAccount") && (*sans || *ns))
		n = snprintf(buf, size, "%s\x1fu:system:serviceaccount:%s:%s",
			     ns, *sans ? sans : ns, name);
	else
		return false;
	return n > 0 && (size_t)n < size;
}

/* Add (add set) or remove binding b of namespace ns in the index. */
static int index_binding(struct rbac_policy *p, const char *ns, json_t *b,
			 bool add)
{
	const json_t *s;
	char key[1024];
	size_t i, j;
	int r = 0;

	json_array_foreach (json_object_get(b, "subjects"), i, s) {
		json_t *arr, *x;

		if (!subject_key(s, ns, key, sizeof(key)))
			continue;
		arr = strmap_get(&p->index, key);
		if (add) {
			if (!arr) {
				arr = json_array();
				if (!arr ||
				    strmap_put(&p->index, key, arr) < 0) {
					json_decref(arr);
					r = -ENOMEM;
					continue;
				}
			}
			if (json_array_append(arr, b) < 0)
				r = -ENOMEM;
			continue;
		}
		json_array_foreach (arr, j, x)
			if (x == b) {
				json_array_remove(arr, j);
				break;
			}
		if (arr && json_array_size(arr) == 0)
			json_decref(strmap_remove(&p->index, key));
	}
	return r;
}

/* Store binding obj under name in m (of namespace ns), indexed. */
static int put_binding(struct rbac_policy *p, struct strmap *m, const char *ns,
		       const char *name, json_t *obj)
{
	json_t *old = strmap_get(m, name);
	int r;

	if (old)
		index_binding(p, ns, old, false);
	r = put(p, m, name, obj);
	if (r < 0) {
		if (old)
			index_binding(p, ns, old, true);
		return r;
	}
	return index_binding(p, ns, obj, true);
}

int rbac_policy_put(struct rbac_policy *p, json_t *obj)
{
	const char *av = str(obj, "apiVersion"), *kind = str(obj, "kind");
	const char *name = meta_str(obj, "name"),
		   *ns = meta_str(obj, "namespace");
	char key[512];
	struct strmap *m;

	if (strcmp(av, RBAC_GROUP "/v1") || !*name)
		return -EINVAL;
	if (!strcmp(kind, "ClusterRole"))
		return put(p, &p->cluster_roles, name, obj);
	if (!strcmp(kind, "ClusterRoleBinding"))
		return put_binding(p, &p->cluster_bindings, "", name, obj);
	if (!*ns)
		return -EINVAL;
	if (!strcmp(kind, "Role")) {
		if (snprintf(key, sizeof(key), "%s/%s", ns, name) >=
		    (int)sizeof(key))
			return -EINVAL;
		return put(p, &p->roles, key, obj);
	}
	if (strcmp(kind, "RoleBinding"))
		return -EINVAL;
	m = ns_bindings(p, ns, true);
	if (!m)
		return -ENOMEM;
	return put_binding(p, m, ns, name, obj);
}

static int drop(struct rbac_policy *p, struct strmap *m, const char *key)
{
	json_t *old = strmap_remove(m, key);

	if (!old)
		return -ENOENT;
	json_decref(old);
	p->size--;
	return 0;
}

static int drop_binding(struct rbac_policy *p, struct strmap *m, const char *ns,
			const char *name)
{
	json_t *b = strmap_get(m, name);

	if (b)
		index_binding(p, ns, b, false);
	return drop(p, m, name);
}

int rbac_policy_remove(struct rbac_policy *p, const char *kind,
		       const char *namespace, const char *name)
{
	char key[512];
	struct strmap *m;

	if (!strcmp(kind, "ClusterRole"))
		return drop(p, &p->cluster_roles, name);
	if (!strcmp(kind, "ClusterRoleBinding"))
		return drop_binding(p, &p->cluster_bindings, "", name);
	if (!strcmp(kind, "Role")) {
		snprintf(key, sizeof(key), "%s/%s", namespace, name);
		return drop(p, &p->roles, key);
	}
	if (strcmp(kind, "RoleBinding"))
		return -ENOENT;
	m = ns_bindings(p, namespace, false);
	return m ? drop_binding(p, m, namespace, name) : -ENOENT;
}

size_t rbac_policy_size(const struct rbac_policy *p)
{
	return p->size;
}

bool rbac_user_in_group(const struct rbac_user *u, const char *group)
{
	for (size_t i = 0; i < u->ngroups; i++)
		if (u->groups[i] && !strcmp(u->groups[i], group))
			return true;
	return false;
}

/* ---- rule matching (rbacv1helpers) ---- */

/* Does the string array arr hold s, or "*" when star is set? */
static bool has(const json_t *arr, const char *s, bool star)
{
	const json_t *x;
	size_t i;

	json_array_foreach ((json_t *)arr, i, x) {
		const char *e = json_string_value(x);

		if (e && (!strcmp(e, s) || (star && !strcmp(e, "*"))))
			return true;
	}
	return false;
}

static bool resource_matches(const json_t *rule, const char *combined,
			     const char *sub)
{
	const json_t *x;
	size_t i, n = strlen(sub);

	json_array_foreach (json_object_get(rule, "resources"), i, x) {
		const char *r = json_string_value(x);

		if (!r)
			continue;
		if (!strcmp(r, "*") || !strcmp(r, combined))
			return true;
		if (n && strlen(r) == n + 2 && !strncmp(r, "*/", 2) &&
		    !strcmp(r + 2, sub))
			return true;
	}
	return false;
}

static bool url_matches(const json_t *rule, const char *path)
{
	const json_t *x;
	size_t i;

	json_array_foreach (json_object_get(rule, "nonResourceURLs"), i, x) {
		const char *u = json_string_value(x);
		size_t n;

		if (!u)
			continue;
		if (!strcmp(u, "*") || !strcmp(u, path))
			return true;
		n = strlen(u);
		if (n && u[n - 1] == '*') {
			while (n && u[n - 1] == '*') /* TrimRight "*" */
				n--;
			if (!strncmp(path, u, n))
				return true;
		}
	}
	return false;
}

bool rbac_rule_allows(const json_t *rule, const struct rbac_attrs *a)
{
	const json_t *names;
	char combined[256];

	if (!has(json_object_get(rule, "verbs"), a->verb, true))
		return false;
	if (!a->resource_request)
		return url_matches(rule, a->path ? a->path : "");
	if (!has(json_object_get(rule, "apiGroups"), a->api_group, true))
		return false;
	if (a->subresource && *a->subresource)
		snprintf(combined, sizeof(combined), "%s/%s", a->resource,
			 a->subresource);
	else
		snprintf(combined, sizeof(combined), "%s", a->resource);
	if (!resource_matches(rule, combined,
			      a->subresource ? a->subresource : ""))
		return false;
	names = json_object_get(rule, "resourceNames");
	return json_array_size(names) == 0 ||
	       (a->name && has(names, a->name, false));
}

/* ---- the walk (VisitRulesFor) ---- */

struct walk {
	const struct rbac_policy *p;
	/* a rule reached; true stops the walk */
	bool (*visit)(struct walk *w, const json_t *rule);
	const struct rbac_attrs *attrs; /* authorize */
	json_t *rules;			/* rules_for: collected (owned) */
	json_t *errors;			/* distinct error strings (owned) */
	const json_t **seen;		/* ClusterRoles visited */
	size_t nseen, capseen;
	bool nomem;
};

static bool seen_before(struct walk *w, const json_t *role)
{
	const json_t **n;

	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i] == role)
			return true;
	if (w->nseen == w->capseen) {
		size_t cap = w->capseen ? 2 * w->capseen : 16;

		n = realloc(w->seen, cap * sizeof(*n));
		if (!n) {
			w->nomem = true;
			return true;
		}
		w->seen = n;
		w->capseen = cap;
	}
	w->seen[w->nseen++] = role;
	return false;
}

static void add_error(struct walk *w, const char *fmt, const char *name)
{
	char buf[512], q[VALIDATE_VALUE_MAX + 8];
	const json_t *x;
	size_t i;

	snprintf(buf, sizeof(buf), fmt, vquote(name, q, sizeof(q)));
	json_array_foreach (w->errors, i, x)
		if (!strcmp(json_string_value(x), buf))
			return;
	if (json_array_append_new(w->errors, json_string(buf)) < 0)
		w->nomem = true;
}

static bool visit_rules(struct walk *w, const json_t *role)
{
	const json_t *rule;
	size_t i;

	json_array_foreach (json_object_get(role, "rules"), i, rule)
		if (json_is_object(rule) && w->visit(w, rule))
			return true;
	return false;
}

static bool selected(const json_t *selectors, const json_t *role)
{
	const json_t *labels =
	    json_object_get(json_object_get(role, "metadata"), "labels");
	const json_t *sel;
	size_t i;

	json_array_foreach ((json_t *)selectors, i, sel)
		if (selector_matches_labels(sel, labels) == 1)
			return true;
	return false;
}

static bool visit_cluster_role(struct walk *w, const json_t *role,
			       unsigned depth)
{
	const json_t *agg = json_object_get(role, "aggregationRule"), *sels;
	const char *k;
	void *other;
	size_t i = 0;

	if (seen_before(w, role))
		return false;
	if (!json_is_object(agg))
		return visit_rules(w, role);
	if (depth >= RBAC_AGGREGATION_DEPTH)
		return false;
	sels = json_object_get(agg, "clusterRoleSelectors");
	while (strmap_next(&w->p->cluster_roles, &i, &k, &other))
		if (other != role && selected(sels, other) &&
		    visit_cluster_role(w, other, depth + 1))
			return true;
	return false;
}

/*
 * The role a binding in ns refers to (GetRoleReferenceRules), or NULL
 * with *ret_error the printf format of its error (taking the name).
 */
static const json_t *role_ref(const struct rbac_policy *p, const json_t *ref,
			      const char *ns, bool *ret_cluster,
			      const char **ret_error)
{
	const char *kind = str(ref, "kind"), *name = str(ref, "name");
	const json_t *role = NULL;
	char key[512];

	*ret_cluster = !strcmp(kind, "ClusterRole");
	if (*ret_cluster) {
		role = strmap_get(&p->cluster_roles, name);
		*ret_error = "clusterrole." RBAC_GROUP " %s not found";
	} else if (!strcmp(kind, "Role")) {
		snprintf(key, sizeof(key), "%s/%s", ns, name);
		role = strmap_get(&p->roles, key);
		*ret_error = "role." RBAC_GROUP " %s not found";
	} else {
		*ret_error = "unsupported role reference kind: %s";
		return NULL;
	}
	return role;
}

/* Visit the rules of one binding's role; true stops the walk. */
static bool visit_ref(struct walk *w, const json_t *ref, const char *ns)
{
	const char *fmt;
	bool cluster;
	const json_t *role = role_ref(w->p, ref, ns, &cluster, &fmt);

	if (!role) {
		const char *kind = str(ref, "kind");

		add_error(w, fmt,
			  strcmp(kind, "Role") && strcmp(kind, "ClusterRole")
			      ? kind
			      : str(ref, "name"));
		return false;
	}
	return cluster ? visit_cluster_role(w, role, 0) : visit_rules(w, role);
}

/* appliesTo: does one of subjects name u? ns: the binding's, or "". */
static bool applies(const json_t *subjects, const struct rbac_user *u,
		    const char *ns)
{
	static const char sa_prefix[] = "system:serviceaccount:";
	const json_t *s;
	size_t i;

	json_array_foreach ((json_t *)subjects, i, s) {
		const char *kind = str(s, "kind"), *name = str(s, "name");
		const char *sans = str(s, "namespace");
		size_t pn = sizeof(sa_prefix) - 1, nn;

		if (!strcmp(kind, "User")) {
			if (!strcmp(name, u->name))
				return true;
		} else if (!strcmp(kind, "Group")) {
			if (rbac_user_in_group(u, name))
				return true;
		} else if (!strcmp(kind, "ServiceAccount")) {
			if (!*sans)
				sans = ns;
			nn = strlen(sans);
			if (*sans && !strncmp(u->name, sa_prefix, pn) &&
			    !strncmp(u->name + pn, sans, nn) &&
			    u->name[pn + nn] == ':' &&
			    !strcmp(u->name + pn + nn + 1, name))
				return true;
		}
	}
	return false;
}

/* The bindings of ns ("": cluster) indexed under kind ('u', 'g') and
 * name, visited when they apply to u; true stops the walk. */
static bool walk_key(struct walk *w, const struct rbac_user *u, const char *ns,
		     char kind, const char *name)
{
	char key[1024];
	const json_t *arr, *b;
	size_t i;

	if (snprintf(key, sizeof(key), "%s\x1f%c:%s", ns, kind, name) >=
	    (int)sizeof(key))
		return false;
	arr = strmap_get(&w->p->index, key);
	json_array_foreach ((json_t *)arr, i, b)
		if (applies(json_object_get(b, "subjects"), u, ns) &&
		    visit_ref(w, json_object_get(b, "roleRef"), ns))
			return true;
	return false;
}

/* Every binding of ns that may apply to u (by its name or a group). */
static bool walk_ns(struct walk *w, const struct rbac_user *u, const char *ns)
{
	if (walk_key(w, u, ns, 'u', u->name))
		return true;
	for (size_t i = 0; i < u->ngroups; i++)
		if (u->groups[i] && walk_key(w, u, ns, 'g', u->groups[i]))
			return true;
	return false;
}

/* Walk every rule u holds in ns ("" for cluster-wide only). */
static bool walk(struct walk *w, const struct rbac_user *u, const char *ns)
{
	if (walk_ns(w, u, ""))
		return true;
	return ns && *ns && walk_ns(w, u, ns);
}

static int walk_init(struct walk *w, const struct rbac_policy *p)
{
	memset(w, 0, sizeof(*w));
	w->p = p;
	w->errors = json_array();
	return w->errors ? 0 : -ENOMEM;
}

static void walk_release(struct walk *w)
{
	json_decref(w->errors);
	json_decref(w->rules);
	free(w->seen);
}

/* "RBAC: <aggregate of errors>" into reason, or "". */
static void walk_reason(const struct walk *w, char *reason, size_t size)
{
	size_t n = json_array_size(w->errors), len;
	const json_t *x;
	size_t i;

	if (!reason || !size)
		return;
	reason[0] = '\0';
	if (!n)
		return;
	snprintf(reason, size, "RBAC: %s", n > 1 ? "[" : "");
	json_array_foreach (w->errors, i, x) {
		len = strlen(reason);
		snprintf(reason + len, size - len, "%s%s", i ? ", " : "",
			 json_string_value(x));
	}
	len = strlen(reason);
	if (n > 1)
		snprintf(reason + len, size - len, "]");
}

static bool visit_allows(struct walk *w, const json_t *rule)
{
	return rbac_rule_allows(rule, w->attrs);
}

bool rbac_authorize(const struct rbac_policy *p, const struct rbac_user *u,
		    const struct rbac_attrs *a, char *reason, size_t size)
{
	struct walk w;
	bool ok;

	if (reason && size)
		reason[0] = '\0';
	if (rbac_user_in_group(u, RBAC_MASTERS))
		return true;
	if (walk_init(&w, p) < 0)
		return false;
	w.visit = visit_allows;
	w.attrs = a;
	ok = walk(&w, u, a->resource_request ? a->namespace : "");
	ok = ok && !w.nomem;
	if (!ok)
		walk_reason(&w, reason, size);
	walk_release(&w);
	return ok;
}

static bool visit_collect(struct walk *w, const json_t *rule)
{
	if (json_array_append(w->rules, (json_t *)rule) < 0)
		w->nomem = true;
	return false;
}

int rbac_rules_for(const struct rbac_policy *p, const struct rbac_user *u,
		   const char *namespace, char *reason, size_t size,
		   json_t **ret_rules)
{
	struct walk w;
	int r = walk_init(&w, p);

	if (r < 0)
		return r;
	w.visit = visit_collect;
	w.rules = json_array();
	if (w.rules)
		walk(&w, u, namespace);
	if (!w.rules || w.nomem) {
		walk_release(&w);
		return -ENOMEM;
	}
	walk_reason(&w, reason, size);
	*ret_rules = TAKE_PTR(w.rules);
	walk_release(&w);
	return 0;
}

int rbac_role_ref_rules(const struct rbac_policy *p, const json_t *role_ref,
			const char *namespace, struct kf_error *err,
			json_t **ret_rules)
{
	const char *kind = str(role_ref, "kind");
	struct walk w;
	int r;

	if (strcmp(kind, "Role") && strcmp(kind, "ClusterRole"))
		return kf_error_set(err, -EINVAL,
				    "unsupported role reference kind: \"%s\"",
				    kind);
	r = walk_init(&w, p);
	if (r < 0)
		return r;
	w.visit = visit_collect;
	w.rules = json_array();
	if (w.rules)
		visit_ref(&w, role_ref, namespace ? namespace : "");
	if (!w.rules || w.nomem) {
		walk_release(&w);
		return -ENOMEM;
	}
	if (json_array_size(w.errors)) {
		r = kf_error_set(
		    err, -ENOENT, "%s",
		    json_string_value(json_array_get(w.errors, 0)));
		walk_release(&w);
		return r;
	}
	*ret_rules = TAKE_PTR(w.rules);
	walk_release(&w);
	return 0;
}

/* ---- the refusal ---- */

int rbac_forbidden(const struct rbac_user *u, const struct rbac_attrs *a,
		   const char *reason, struct kf_error *err)
{
	char user[VALIDATE_VALUE_MAX + 8], q1[VALIDATE_VALUE_MAX + 8];
	char q2[VALIDATE_VALUE_MAX + 8], q3[VALIDATE_VALUE_MAX + 8];
	char head[600], body[1400], res[256];
	const char *sep = reason && *reason ? ": " : "";

	vquote(u->name ? u->name : "", user, sizeof(user));
	if (!a->resource_request) {
		snprintf(body, sizeof(body), "User %s cannot %s path %s", user,
			 a->verb,
			 vquote(a->path ? a->path : "", q1, sizeof(q1)));
		return kf_error_set(err, -EACCES, "forbidden: %s%s%s", body,
				    sep, reason ? reason : "");
	}
	if (a->subresource && *a->subresource)
		snprintf(res, sizeof(res), "%s/%s", a->resource,
			 a->subresource);
	else
		snprintf(res, sizeof(res), "%s", a->resource);
	vquote(res, q1, sizeof(q1));
	vquote(a->api_group, q2, sizeof(q2));
	if (a->namespace && *a->namespace)
		snprintf(body, sizeof(body),
			 "User %s cannot %s resource %s in API group %s in the "
			 "namespace %s",
			 user, a->verb, q1, q2,
			 vquote(a->namespace, q3, sizeof(q3)));
	else
		snprintf(body, sizeof(body),
			 "User %s cannot %s resource %s in API group %s at the "
			 "cluster scope",
			 user, a->verb, q1, q2);
	/* NewForbidden's GroupResource ("pods", "deployments.apps") */
	snprintf(head, sizeof(head), "%s%s%s", a->resource,
		 *a->api_group ? "." : "", a->api_group);
	if (a->name && *a->name)
		return kf_error_set(err, -EACCES, "%s %s is forbidden: %s%s%s",
				    head, vquote(a->name, q3, sizeof(q3)), body,
				    sep, reason ? reason : "");
	return kf_error_set(err, -EACCES, "%s is forbidden: %s%s%s", head, body,
			    sep, reason ? reason : "");
}
