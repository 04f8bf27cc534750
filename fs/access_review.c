/*
 * access_review.c — the review kinds one writes and reads back (see
 * access.h): SelfSubjectAccessReview, SubjectAccessReview and
 * LocalSubjectAccessReview (authorization.k8s.io/v1), SelfSubjectReview
 * (authentication.k8s.io/v1). As in Kubernetes they are created, never
 * stored: the response is the request with its status filled, answered
 * by the code `can-i?QUERY` and `kubefs auth can-i` use.
 */
#include "fs/access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

#define AUTHZ_V1 "authorization.k8s.io/v1"
#define AUTHN_V1 "authentication.k8s.io/v1"

enum review {
	REVIEW_NONE,
	REVIEW_SSAR,  /* SelfSubjectAccessReview */
	REVIEW_SAR,   /* SubjectAccessReview */
	REVIEW_LOCAL, /* LocalSubjectAccessReview */
	REVIEW_SSR,   /* SelfSubjectReview */
};

static const struct {
	const char *api_version, *kind, *resource;
	bool namespaced;
} reviews[] = {
    [REVIEW_SSAR] = {AUTHZ_V1, "SelfSubjectAccessReview",
		     "selfsubjectaccessreviews", false},
    [REVIEW_SAR] = {AUTHZ_V1, "SubjectAccessReview", "subjectaccessreviews",
		    false},
    [REVIEW_LOCAL] = {AUTHZ_V1, "LocalSubjectAccessReview",
		      "localsubjectaccessreviews", true},
    [REVIEW_SSR] = {AUTHN_V1, "SelfSubjectReview", "selfsubjectreviews", false},
};

static enum review review_of(const json_t *doc)
{
	const char *av = json_string_value(json_object_get(doc, "apiVersion"));
	const char *k = json_string_value(json_object_get(doc, "kind"));

	for (size_t i = REVIEW_SSAR; av && k && i <= REVIEW_SSR; i++)
		if (!strcmp(av, reviews[i].api_version) &&
		    !strcmp(k, reviews[i].kind))
			return (enum review)i;
	return REVIEW_NONE;
}

bool kfs_is_review(const json_t *doc)
{
	return review_of(doc) != REVIEW_NONE;
}

/* "SubjectAccessReview.authorization.k8s.io \"\" is invalid: FIELD: ..." */
static int invalid(struct kf_error *err, enum review t, const char *field,
		   const char *value, const char *why)
{
	char group[64];

	snprintf(group, sizeof(group), "%s", reviews[t].api_version);
	*strchr(group, '/') = '\0';
	return kf_error_set(err, -EINVAL,
			    "%s.%s \"\" is invalid: %s: Invalid value: %s: %s",
			    reviews[t].kind, group, field, value, why);
}

static const char *str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* The request a review's spec asks about, strings borrowed from spec. */
static int attrs_of(enum review t, const json_t *spec, const char *ns,
		    struct rbac_attrs *ret, struct kf_error *err)
{
	const json_t *ra = json_object_get(spec, "resourceAttributes");
	const json_t *nra = json_object_get(spec, "nonResourceAttributes");

	if (json_is_object(ra) && json_is_object(nra))
		return invalid(err, t, "spec.nonResourceAttributes", "{...}",
			       "cannot be specified in combination "
			       "with resourceAttributes");
	if (!json_is_object(ra) && !json_is_object(nra))
		return invalid(err, t, "spec.resourceAttributes", "\"null\"",
			       "exactly one of nonResourceAttributes or "
			       "resourceAttributes must be specified");
	memset(ret, 0, sizeof(*ret));
	if (json_is_object(nra)) {
		ret->verb = str(nra, "verb");
		ret->path = str(nra, "path");
		ret->api_group = ret->resource = ret->subresource = "";
		ret->name = ret->namespace = "";
		return 0;
	}
	if (t == REVIEW_LOCAL && strcmp(str(ra, "namespace"), ns)) {
		char v[300];

		snprintf(v, sizeof(v), "\"%.256s\"", str(ra, "namespace"));
		return invalid(err, t, "spec.resourceAttributes.namespace", v,
			       "must match metadata.namespace");
	}
	ret->resource_request = true;
	ret->verb = str(ra, "verb");
	ret->api_group = str(ra, "group");
	ret->resource = str(ra, "resource");
	ret->subresource = str(ra, "subresource");
	ret->name = str(ra, "name");
	ret->namespace = str(ra, "namespace");
	return 0;
}

/* The subject of a (Local)SubjectAccessReview, as an identity (owned). */
static int subject_of(enum review t, const json_t *spec,
		      struct kfs_identity **ret, struct kf_error *err)
{
	const json_t *groups = json_object_get(spec, "groups"), *g;
	const char *user = str(spec, "user");
	_cleanup_free_ const char **names = NULL;
	size_t n = json_array_size(groups), i;

	if (!*user && !n)
		return invalid(err, t, "spec.user", "\"\"",
			       "at least one of user or group must be "
			       "specified");
	names = calloc(n ? n : 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	json_array_foreach (groups, i, g)
		names[i] = json_string_value(g) ? json_string_value(g) : "";
	return authz_identity_named(user, names, n, ret);
}

/* status {allowed[, reason]} of the answer for id, as can-i's (id NULL:
 * authorization is off, everything is allowed). */
static json_t *access_status(struct kfs *fs, const struct kfs_identity *id,
			     const struct rbac_attrs *at)
{
	char reason[RBAC_REASON_MAX] = "";
	bool ok =
	    !id || authz_allowed(fs->authz, id, at, reason, sizeof(reason));
	json_t *st = json_pack("{s:b}", "allowed", ok);

	if (id && id->refusal)
		snprintf(reason, sizeof(reason), "%s", id->refusal);
	if (st && *reason)
		json_object_set_new(st, "reason", json_string(reason));
	return st;
}

/* May id create a review of kind t (in ns, for the local one)? */
static int may_create(struct kfs *fs, const struct kfs_identity *id,
		      enum review t, const char *ns, struct kf_error *err)
{
	char group[64];
	struct rbac_attrs at = {
	    .verb = "create",
	    .resource_request = true,
	    .api_group = group,
	    .resource = reviews[t].resource,
	    .subresource = "",
	    .name = "",
	    .namespace = reviews[t].namespaced ? ns : "",
	};

	snprintf(group, sizeof(group), "%s", reviews[t].api_version);
	*strchr(group, '/') = '\0';
	return authz_check(fs->authz, id, &at, err);
}

int kfs_review(struct kfs *fs, const struct kfs_identity *id, const json_t *doc,
	       const char *default_ns, struct kf_error *err, json_t **ret)
{
	enum review t = review_of(doc);
	_cleanup_json_ json_t *out = NULL;
	const json_t *spec = json_object_get(doc, "spec");
	json_t *meta, *st = NULL;
	const char *ns = default_ns;
	struct rbac_attrs at;
	int r;

	if (t == REVIEW_NONE)
		return -EINVAL;
	out = json_deep_copy(doc);
	if (!out)
		return -ENOMEM;
	meta = json_object_get(out, "metadata");
	if (!json_is_object(meta)) {
		meta = json_object();
		json_object_set_new(out, "metadata", meta);
	}
	if (reviews[t].namespaced) {
		if (*str(meta, "namespace"))
			ns = str(meta, "namespace");
		else
			json_object_set_new(meta, "namespace", json_string(ns));
	}
	r = id ? may_create(fs, id, t, ns, err) : 0;
	if (r < 0)
		return r;
	if (t == REVIEW_SSR) {
		st = kfs_whoami_status(id);
	} else {
		r = attrs_of(t, spec, ns, &at, err);
		if (r < 0)
			return r;
		if (t == REVIEW_SSAR) {
			st = access_status(fs, id, &at);
		} else {
			struct kfs_identity *sub = NULL;

			r = subject_of(t, spec, &sub, err);
			if (r < 0)
				return r;
			st = access_status(fs, id ? sub : NULL, &at);
			kfs_identity_put(sub);
		}
	}
	if (!st || json_object_set_new(out, "status", st) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}
