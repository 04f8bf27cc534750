/*
 * rbac_escalation.c — Kubernetes' escalation check: nobody grants, by
 * writing a role or a binding, a right they do not hold themselves.
 *
 * Covers breaks every requested rule into atoms (one group, resource,
 * verb and name, or one URL and verb) and looks for an owner rule
 * covering each; the missing atoms are compacted (same group, resource
 * and name: their verbs merged) and printed as Go's CompactString,
 * sorted, one a line. rbac_check_write() is the RBAC registry's storage
 * guard around it: system:masters, then the escalate/bind verbs, then
 * Covers against the writer's own rules.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/rbac.h"
#include "api/validate.h"

static const char *str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static bool has(const json_t *arr, const char *s)
{
	const json_t *x;
	size_t i;

	json_array_foreach ((json_t *)arr, i, x)
		if (json_is_string(x) && !strcmp(json_string_value(x), s))
			return true;
	return false;
}

/* Does set hold every string of sub? */
static bool has_all(const json_t *set, const json_t *sub)
{
	const json_t *x;
	size_t i;

	json_array_foreach ((json_t *)sub, i, x)
		if (!has(set, json_string_value(x)))
			return false;
	return true;
}

static bool resources_cover(const json_t *set, const json_t *sub)
{
	const json_t *x;
	size_t i;

	if (has(set, "*") || has_all(set, sub))
		return true;
	json_array_foreach ((json_t *)sub, i, x) {
		const char *path = json_string_value(x), *slash;
		char star[256];

		if (!path || has(set, path))
			continue;
		slash = strchr(path, '/');
		if (!slash)
			return false;
		snprintf(star, sizeof(star), "*/%s", slash + 1);
		if (!has(set, star))
			return false;
	}
	return true;
}

static bool url_covers(const char *owner, const char *sub)
{
	size_t n = strlen(owner);

	if (!strcmp(owner, sub))
		return true;
	if (!n || owner[n - 1] != '*')
		return false;
	while (n && owner[n - 1] == '*')
		n--;
	return !strncmp(sub, owner, n);
}

static bool urls_cover(const json_t *set, const json_t *sub)
{
	const json_t *x, *y;
	size_t i, j;

	json_array_foreach ((json_t *)sub, i, x) {
		bool covered = false;

		json_array_foreach ((json_t *)set, j, y)
			if (json_is_string(y) && json_is_string(x) &&
			    url_covers(json_string_value(y),
				       json_string_value(x))) {
				covered = true;
				break;
			}
		if (!covered)
			return false;
	}
	return true;
}

/* ruleCovers: does owner rule o cover atom s? */
static bool rule_covers(const json_t *o, const json_t *s)
{
	const json_t *onames = json_object_get(o, "resourceNames");
	const json_t *snames = json_object_get(s, "resourceNames");
	const json_t *ov = json_object_get(o, "verbs");
	const json_t *og = json_object_get(o, "apiGroups");

	if (!(has(ov, "*") || has_all(ov, json_object_get(s, "verbs"))))
		return false;
	if (!(has(og, "*") || has_all(og, json_object_get(s, "apiGroups"))))
		return false;
	if (!resources_cover(json_object_get(o, "resources"),
			     json_object_get(s, "resources")))
		return false;
	if (!urls_cover(json_object_get(o, "nonResourceURLs"),
			json_object_get(s, "nonResourceURLs")))
		return false;
	if (json_array_size(snames) == 0)
		return json_array_size(onames) == 0;
	return json_array_size(onames) == 0 || has_all(onames, snames);
}

static json_t *one(const json_t *s)
{
	return json_pack("[O]", s);
}

/* BreakdownRule's atoms of rule, appended to out. */
static int breakdown(const json_t *rule, json_t *out)
{
	const json_t *groups = json_object_get(rule, "apiGroups");
	const json_t *res = json_object_get(rule, "resources");
	const json_t *verbs = json_object_get(rule, "verbs");
	const json_t *names = json_object_get(rule, "resourceNames");
	const json_t *urls = json_object_get(rule, "nonResourceURLs");
	const json_t *g, *r, *v, *n;
	size_t gi, ri, vi, ni;

	json_array_foreach ((json_t *)groups, gi, g)
		json_array_foreach ((json_t *)res, ri, r)
			json_array_foreach ((json_t *)verbs, vi, v) {
				if (json_array_size(names) == 0) {
					if (json_array_append_new(
						out,
						json_pack("{s:o,s:o,s:o}",
							  "apiGroups", one(g),
							  "resources", one(r),
							  "verbs", one(v))) < 0)
						return -ENOMEM;
					continue;
				}
				json_array_foreach ((json_t *)names, ni, n)
					if (json_array_append_new(
						out,
						json_pack("{s:o,s:o,s:o,s:o}",
							  "apiGroups", one(g),
							  "resources", one(r),
							  "verbs", one(v),
							  "resourceNames",
							  one(n))) < 0)
						return -ENOMEM;
			}
	json_array_foreach ((json_t *)urls, ri, r)
		json_array_foreach ((json_t *)verbs, vi, v)
			if (json_array_append_new(
				out, json_pack("{s:o,s:o}", "nonResourceURLs",
					       one(r), "verbs", one(v))) < 0)
				return -ENOMEM;
	return 0;
}

/* json_equal, with two absent values equal. */
static bool same(const json_t *a, const json_t *b)
{
	return a == b || (a && b && json_equal((json_t *)a, (json_t *)b));
}

/* CompactRules over atoms: merge the verbs of same group/resource/name. */
static int compact(const json_t *atoms, json_t **ret)
{
	_cleanup_json_ json_t *out = json_array();
	const json_t *a, *b;
	size_t i, j;

	if (!out)
		return -ENOMEM;
	json_array_foreach ((json_t *)atoms, i, a) {
		bool merged = false;

		if (json_object_get(a, "nonResourceURLs")) {
			if (json_array_append(out, (json_t *)a) < 0)
				return -ENOMEM;
			continue;
		}
		json_array_foreach (out, j, b) {
			if (json_object_get(b, "nonResourceURLs") ||
			    !same(json_object_get(a, "apiGroups"),
				  json_object_get(b, "apiGroups")) ||
			    !same(json_object_get(a, "resources"),
				  json_object_get(b, "resources")) ||
			    !same(json_object_get(a, "resourceNames"),
				  json_object_get(b, "resourceNames")))
				continue;
			if (json_array_extend(json_object_get(b, "verbs"),
					      json_object_get(a, "verbs")) < 0)
				return -ENOMEM;
			merged = true;
			break;
		}
		if (!merged &&
		    json_array_append_new(out, json_deep_copy(a)) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

int rbac_covers(const json_t *owner, const json_t *requested,
		json_t **ret_missing)
{
	_cleanup_json_ json_t *atoms = json_array();
	_cleanup_json_ json_t *missing = json_array();
	const json_t *rule, *o;
	size_t i, j;

	if (!atoms || !missing)
		return -ENOMEM;
	json_array_foreach ((json_t *)requested, i, rule)
		if (breakdown(rule, atoms) < 0)
			return -ENOMEM;
	json_array_foreach (atoms, i, rule) {
		bool covered = false;

		json_array_foreach ((json_t *)owner, j, o)
			if (rule_covers(o, rule)) {
				covered = true;
				break;
			}
		if (!covered && json_array_append(missing, (json_t *)rule) < 0)
			return -ENOMEM;
	}
	if (json_array_size(missing) == 0)
		return 1;
	if (ret_missing)
		return compact(missing, ret_missing);
	return 0;
}

/* Append printf output to the string in buf (cut at size). */
static void cat(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* Go's %q of a []string: ["a" "b"]. */
static void quote_list(char *buf, size_t size, const json_t *arr)
{
	char q[VALIDATE_VALUE_MAX + 8];
	const json_t *x;
	size_t i;

	cat(buf, size, "[");
	json_array_foreach ((json_t *)arr, i, x) {
		const char *s = json_string_value(x);

		cat(buf, size, "%s%s", i ? " " : "",
		    vquote(s ? s : "", q, sizeof(q)));
	}
	cat(buf, size, "]");
}

/* rbacv1helpers.CompactString of one rule. */
static void compact_string(const json_t *rule, char *buf, size_t size)
{
	static const char *const fields[][2] = {
	    {"apiGroups", "APIGroups"},
	    {"resources", "Resources"},
	    {"nonResourceURLs", "NonResourceURLs"},
	    {"resourceNames", "ResourceNames"},
	    {"verbs", "Verbs"},
	};
	bool first = true;

	buf[0] = '\0';
	cat(buf, size, "{");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const json_t *x = json_object_get(rule, fields[i][0]);

		if (json_array_size(x) == 0)
			continue;
		cat(buf, size, "%s%s:", first ? "" : ", ", fields[i][1]);
		quote_list(buf, size, x);
		first = false;
	}
	cat(buf, size, "}");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * ConfirmNoEscalation: does u hold (in ns) every right of rules? 0, or
 * -EACCES with err: "<what> is forbidden: user ... not currently held:
 * <missing, sorted, one a line>" (what: `roles.rbac... "name"`).
 */
static int confirm(const struct rbac_policy *p, const struct rbac_user *u,
		   const char *ns, const json_t *rules, const char *what,
		   struct kf_error *err)
{
	_cleanup_json_ json_t *owner = NULL, *missing = NULL;
	char reason[RBAC_REASON_MAX], line[1024];
	char msg[KF_ERROR_MSG_MAX] = "";
	const char **lines;
	size_t n, i;
	int r;

	r = rbac_rules_for(p, u, ns, reason, sizeof(reason), &owner);
	if (r < 0)
		return r;
	r = rbac_covers(owner, rules, &missing);
	if (r < 0)
		return r;
	if (r == 1)
		return 0;
	n = json_array_size(missing);
	lines = calloc(n ? n : 1, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		compact_string(json_array_get(missing, i), line, sizeof(line));
		lines[i] = strdup(line);
		if (!lines[i]) {
			while (i--)
				free((char *)lines[i]);
			free(lines);
			return -ENOMEM;
		}
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	cat(msg, sizeof(msg), "%s is forbidden: user ", what);
	vquote(u->name, line, sizeof(line));
	cat(msg, sizeof(msg), "%s (groups=[", line);
	for (i = 0; i < u->ngroups; i++)
		cat(msg, sizeof(msg), "%s%s", i ? " " : "",
		    vquote(u->groups[i], line, sizeof(line)));
	cat(msg, sizeof(msg),
	    "]) is attempting to grant RBAC permissions not currently held:");
	for (i = 0; i < n; i++)
		if (!i || strcmp(lines[i], lines[i - 1]))
			cat(msg, sizeof(msg), "\n%s", lines[i]);
	for (i = 0; i < n; i++)
		free((char *)lines[i]);
	free(lines);
	if (*reason) /* "RBAC: <errors>" from the walk */
		cat(msg, sizeof(msg), "; resolution errors: [%s]",
		    reason + strlen("RBAC: "));
	return kf_error_set(err, -EACCES, "%s", msg);
}

/* May u use verb (escalate, bind) on resource/name in ns? */
static bool verb_allowed(const struct rbac_policy *p, const struct rbac_user *u,
			 const char *verb, const char *resource,
			 const char *name, const char *ns)
{
	struct rbac_attrs a = {
	    .verb = verb,
	    .resource_request = true,
	    .api_group = RBAC_GROUP,
	    .resource = resource,
	    .subresource = "",
	    .name = name,
	    .namespace = ns,
	};

	return rbac_authorize(p, u, &a, NULL, 0);
}

/* IsOnlyMutatingGCFields: obj and old differ at most in ownerReferences,
 * finalizers (and the resourceVersion an update carries). */
static bool only_gc_fields(const json_t *obj, const json_t *old)
{
	static const char *const gc[] = {"ownerReferences", "finalizers",
					 "resourceVersion", "managedFields"};
	_cleanup_json_ json_t *a = json_deep_copy(obj);
	_cleanup_json_ json_t *b = json_deep_copy(old);

	if (!a || !b)
		return false;
	for (size_t i = 0; i < sizeof(gc) / sizeof(gc[0]); i++) {
		json_object_del(json_object_get(a, "metadata"), gc[i]);
		json_object_del(json_object_get(b, "metadata"), gc[i]);
	}
	return json_equal(a, b);
}

static bool has_aggregation_rule(const json_t *role)
{
	return json_array_size(
		   json_object_get(json_object_get(role, "aggregationRule"),
				   "clusterRoleSelectors")) > 0;
}

int rbac_check_write(const struct rbac_policy *p, const struct rbac_user *u,
		     const json_t *obj, const json_t *old, struct kf_error *err)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *kind = str(obj, "kind"), *name = str(meta, "name");
	const char *ns = str(meta, "namespace");
	bool cluster = !strncmp(kind, "Cluster", 7);
	const char *resource, *ref_kind;
	char what[600], q[VALIDATE_VALUE_MAX + 8];
	_cleanup_json_ json_t *rules = NULL, *full = NULL;
	const json_t *ref;
	int r;

	if (!strcmp(kind, "Role"))
		resource = "roles";
	else if (!strcmp(kind, "ClusterRole"))
		resource = "clusterroles";
	else if (!strcmp(kind, "RoleBinding"))
		resource = "rolebindings";
	else if (!strcmp(kind, "ClusterRoleBinding"))
		resource = "clusterrolebindings";
	else
		return -EINVAL;
	if (cluster)
		ns = "";
	if (rbac_user_in_group(u, RBAC_MASTERS))
		return 0;
	snprintf(what, sizeof(what), "%s." RBAC_GROUP " %s", resource,
		 vquote(name, q, sizeof(q)));

	if (!strstr(kind, "Binding")) {
		if (verb_allowed(p, u, "escalate", resource, old ? name : "",
				 ns))
			return 0;
		if (old && only_gc_fields(obj, old))
			return 0;
		r = confirm(p, u, ns, json_object_get(obj, "rules"), what, err);
		if (r < 0 || !cluster)
			return r;
		if (!has_aggregation_rule(obj) &&
		    !(old && has_aggregation_rule(old)))
			return 0;
		full = json_pack("[{s:[s],s:[s],s:[s]},{s:[s],s:[s]}]", "verbs",
				 "*", "apiGroups", "*", "resources", "*",
				 "verbs", "*", "nonResourceURLs", "*");
		if (!full)
			return -ENOMEM;
		r = confirm(p, u, ns, full, what, NULL);
		if (r == -EACCES)
			return kf_error_set(err, r,
					    "%s is forbidden: must have "
					    "cluster-admin privileges to use "
					    "the aggregationRule",
					    what);
		return r;
	}

	if (old && only_gc_fields(obj, old))
		return 0;
	ref = json_object_get(obj, "roleRef");
	ref_kind = str(ref, "kind");
	if (verb_allowed(p, u, "bind",
			 !strcmp(ref_kind, "Role") ? "roles" : "clusterroles",
			 str(ref, "name"), ns))
		return 0;
	r = rbac_role_ref_rules(p, ref, ns, err, &rules);
	if (r == -ENOENT || r == -EINVAL) {
		kf_error_prefix(err, "%s is forbidden: ", what);
		if (err)
			err->code = -EACCES;
		return -EACCES;
	}
	if (r < 0)
		return r;
	return confirm(p, u, ns, rules, what, err);
}
