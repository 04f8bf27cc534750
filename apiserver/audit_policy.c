/*
 * audit_policy.c — the audit.k8s.io/v1 Policy: validation with
 * kube-apiserver's sentences, and the first rule matching a request
 * (Kubernetes' policy checker, rule by rule).
 */
#include "apiserver/audit_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/codec.h"

#define POLICY_RULES_MAX 1024
#define POLICY_LIST_MAX 1024

static const char *const level_names[] = {"None", "Metadata", "Request",
					  "RequestResponse"};
static const char *const stage_names[] = {"RequestReceived", "ResponseStarted",
					  "ResponseComplete", "Panic"};

static void strs_free(struct audit_strs *s)
{
	free(s->v); /* the strings are the policy document's */
	s->v = NULL;
	s->n = 0;
}

void audit_policy_release(struct audit_policy *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		struct audit_rule *ru = &p->rules[i];

		strs_free(&ru->users);
		strs_free(&ru->groups);
		strs_free(&ru->verbs);
		strs_free(&ru->namespaces);
		strs_free(&ru->urls);
		for (size_t j = 0; j < ru->nres; j++) {
			strs_free(&ru->res[j].resources);
			strs_free(&ru->res[j].names);
		}
		free(ru->res);
	}
	free(p->rules);
	json_decref(p->doc);
	memset(p, 0, sizeof(*p));
}

/* A list of strings at field of obj (absent: empty). */
static int strs_get(const json_t *obj, const char *field, const char *path,
		    struct audit_strs *ret, struct kf_error *err)
{
	const json_t *a = json_object_get(obj, field), *v;
	size_t i;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > POLICY_LIST_MAX)
		return kf_error_set(err, -EINVAL,
				    "%s.%s: Invalid value: must be a list of "
				    "at most %d strings",
				    path, field, POLICY_LIST_MAX);
	ret->v = calloc(json_array_size(a) + 1, sizeof(char *));
	if (!ret->v)
		return -ENOMEM;
	json_array_foreach (a, i, v) {
		if (!json_is_string(v))
			return kf_error_set(err, -EINVAL,
					    "%s.%s[%zu]: Invalid value: must "
					    "be a string",
					    path, field, i);
		ret->v[ret->n++] = json_string_value(v);
	}
	return 0;
}

/* omitStages of obj into *ret (bits of enum audit_stage). */
static int stages_get(const json_t *obj, const char *path, unsigned *ret,
		      struct kf_error *err)
{
	struct audit_strs s = {0};
	size_t j;
	int r = strs_get(obj, "omitStages", path, &s, err);

	for (size_t i = 0; r == 0 && i < s.n; i++) {
		for (j = 0; j < 4 && strcmp(s.v[i], stage_names[j]); j++)
			;
		if (j == 4)
			r = kf_error_set(err, -EINVAL,
					 "%s%somitStages[%zu]: Unsupported "
					 "value: \"%s\": supported values: "
					 "\"RequestReceived\", "
					 "\"ResponseStarted\", "
					 "\"ResponseComplete\", \"Panic\"",
					 path, *path ? "." : "", i, s.v[i]);
		else
			*ret |= 1u << j;
	}
	strs_free(&s);
	return r;
}

static int parse_resources(struct audit_rule *ru, const json_t *jr,
			   const char *path, struct kf_error *err)
{
	const json_t *a = json_object_get(jr, "resources"), *g;
	char p[96];
	size_t i;
	int r;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > POLICY_LIST_MAX)
		return kf_error_set(err, -EINVAL,
				    "%s.resources: Invalid value: must be a "
				    "list",
				    path);
	ru->res = calloc(json_array_size(a) + 1, sizeof(*ru->res));
	if (!ru->res)
		return -ENOMEM;
	json_array_foreach (a, i, g) {
		struct audit_group_res *gr = &ru->res[ru->nres++];
		const json_t *grp = json_object_get(g, "group");

		snprintf(p, sizeof(p), "%s.resources[%zu]", path, i);
		gr->group = json_is_string(grp) ? json_string_value(grp) : "";
		r = strs_get(g, "resources", p, &gr->resources, err);
		if (r == 0)
			r = strs_get(g, "resourceNames", p, &gr->names, err);
		if (r < 0)
			return r;
	}
	ru->has_res = ru->nres > 0;
	return 0;
}

static int parse_rule(struct audit_rule *ru, const json_t *jr, size_t idx,
		      struct kf_error *err)
{
	const char *level = json_string_value(json_object_get(jr, "level"));
	char path[32];
	size_t j;
	int r;

	snprintf(path, sizeof(path), "rules[%zu]", idx);
	if (!json_is_object(jr))
		return kf_error_set(
		    err, -EINVAL, "%s: Invalid value: must be an object", path);
	if (!level || !*level)
		return kf_error_set(err, -EINVAL, "%s.level: Required value",
				    path);
	for (j = 0; j < 4 && strcmp(level, level_names[j]); j++)
		;
	if (j == 4)
		return kf_error_set(err, -EINVAL,
				    "%s.level: Unsupported value: \"%s\": "
				    "supported values: \"None\", \"Metadata\", "
				    "\"Request\", \"RequestResponse\"",
				    path, level);
	ru->level = (enum audit_level)j;
	r = strs_get(jr, "users", path, &ru->users, err);
	if (r == 0)
		r = strs_get(jr, "userGroups", path, &ru->groups, err);
	if (r == 0)
		r = strs_get(jr, "verbs", path, &ru->verbs, err);
	if (r == 0)
		r = strs_get(jr, "namespaces", path, &ru->namespaces, err);
	if (r == 0)
		r = strs_get(jr, "nonResourceURLs", path, &ru->urls, err);
	if (r == 0)
		r = parse_resources(ru, jr, path, err);
	if (r == 0)
		r = stages_get(jr, path, &ru->omit, err);
	if (r < 0)
		return r;
	ru->has_ns = ru->namespaces.n > 0;
	if (ru->urls.n && (ru->nres || ru->has_ns))
		return kf_error_set(err, -EINVAL,
				    "%s.nonResourceURLs: Invalid value: rules "
				    "cannot apply to both regular resources "
				    "and non-resource URLs",
				    path);
	return 0;
}

int audit_policy_parse(struct audit_policy *p, const char *text, size_t len,
		       struct kf_error *err)
{
	const char *kind, *av;
	const json_t *rules, *jr;
	size_t i;
	int r;

	memset(p, 0, sizeof(*p));
	r = codec_decode_one(text, len, NULL, err, &p->doc);
	if (r < 0)
		return r;
	kind = json_string_value(json_object_get(p->doc, "kind"));
	av = json_string_value(json_object_get(p->doc, "apiVersion"));
	if (!kind || !av)
		return kf_error_set(err, -EINVAL,
				    "Object 'Kind' is missing in '%s'",
				    kind ? "apiVersion" : "kind");
	if (strcmp(kind, "Policy") || strcmp(av, "audit.k8s.io/v1"))
		return kf_error_set(err, -EINVAL,
				    "no kind \"%s\" is registered for version "
				    "\"%s\"",
				    kind, av);
	rules = json_object_get(p->doc, "rules");
	if (!json_is_array(rules) || json_array_size(rules) == 0)
		return kf_error_set(err, -EINVAL,
				    "loaded illegal policy with 0 rules");
	if (json_array_size(rules) > POLICY_RULES_MAX)
		return kf_error_set(err, -EINVAL, "rules: Too many: %zu",
				    json_array_size(rules));
	r = stages_get(p->doc, "", &p->omit, err);
	if (r < 0)
		return r;
	p->rules = calloc(json_array_size(rules), sizeof(*p->rules));
	if (!p->rules)
		return -ENOMEM;
	json_array_foreach (rules, i, jr) {
		r = parse_rule(&p->rules[p->nrules++], jr, i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- matching ---- */

static bool has(const struct audit_strs *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], v))
			return true;
	return false;
}

static bool user_matches(const struct audit_rule *ru,
			 const struct audit_request *req)
{
	if (ru->users.n && !(req->user && has(&ru->users, req->user)))
		return false;
	if (ru->groups.n) {
		for (size_t i = 0; i < req->ngroups; i++)
			if (has(&ru->groups, req->groups[i]))
				return true;
		return false;
	}
	return true;
}

static bool resource_matches(const struct audit_rule *ru,
			     const struct audit_request *req)
{
	const char *sub = req->subresource ? req->subresource : "";
	const char *name = req->name ? req->name : "";
	char combined[256];

	if (!ru->has_res)
		return true;
	snprintf(combined, sizeof(combined), "%s%s%s", req->resource,
		 *sub ? "/" : "", sub);
	for (size_t i = 0; i < ru->nres; i++) {
		const struct audit_group_res *gr = &ru->res[i];

		if (strcmp(gr->group, req->api_group ? req->api_group : ""))
			continue;
		if (gr->resources.n == 0)
			return true;
		if (gr->names.n && !has(&gr->names, name))
			continue;
		for (size_t j = 0; j < gr->resources.n; j++) {
			const char *res = gr->resources.v[j];
			size_t n = strlen(res);

			if (!strcmp(res, combined) || !strcmp(res, "*"))
				return true;
			if (*sub && !strncmp(res, "*/", 2) &&
			    !strcmp(res + 2, sub))
				return true;
			if (n > 2 && !strcmp(res + n - 2, "/*") &&
			    strlen(req->resource) == n - 2 &&
			    !strncmp(res, req->resource, n - 2))
				return true;
		}
	}
	return false;
}

static bool url_matches(const struct audit_rule *ru, const char *path)
{
	if (ru->urls.n == 0)
		return true;
	for (size_t i = 0; i < ru->urls.n; i++) {
		const char *u = ru->urls.v[i];
		size_t n = strlen(u);

		if (!strcmp(u, "*") || !strcmp(u, path))
			return true;
		if (n && u[n - 1] == '*' && !strncmp(u, path, n - 1))
			return true;
	}
	return false;
}

static bool rule_matches(const struct audit_rule *ru,
			 const struct audit_request *req)
{
	if (!user_matches(ru, req))
		return false;
	if (ru->verbs.n && !has(&ru->verbs, req->verb))
		return false;
	if (req->resource) {
		if (ru->urls.n)
			return false;
		if (ru->has_ns && !has(&ru->namespaces, req->ns ? req->ns : ""))
			return false;
		return resource_matches(ru, req);
	}
	if (ru->has_res || ru->has_ns)
		return false;
	return url_matches(ru, req->path ? req->path : "");
}

const struct audit_rule *audit_policy_match(const struct audit_policy *p,
					    const struct audit_request *req)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (rule_matches(&p->rules[i], req))
			return &p->rules[i];
	return NULL;
}

const char *audit_level_name(enum audit_level l)
{
	return level_names[l];
}
