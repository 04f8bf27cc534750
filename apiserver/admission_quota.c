/*
 * admission_quota.c — ResourceQuota: a create in a namespace with quotas
 * is refused when it would take a resource a quota limits past its
 * spec.hard, with Kubernetes' sentence
 *   pods "p" is forbidden: exceeded quota: q, requested: pods=1,
 *   used: pods=2, limited: pods=2
 * (only the exceeded resources, sorted, as Kubernetes prints them).
 *
 * Resources counted: count/<resource>[.<group>] for every kind, the
 * core object counts (pods, services, configmaps, secrets,
 * resourcequotas), and for pods cpu/requests.cpu, memory/requests.memory
 * (the effective requests, api/podres.h) and limits.cpu/limits.memory
 * (the containers' limits). Pods that finished (Succeeded, Failed) do
 * not count. Usage is computed from the stored objects of the namespace
 * at admission time.
 */
#include "apiserver/admission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/podres.h"
#include "api/quantity.h"
#include "apiserver/server_i.h"

#define QUOTA_MSG_PART 512
#define NANO_ONE ((__int128)1000000000)

static bool is_pod(struct server *srv, const struct kind_info *k)
{
	return k == srv->k_pod;
}

/* The core kinds with an object-count name of their own. */
static bool legacy_count(const struct kind_info *k, const char *res)
{
	static const char *const names[] = {"pods", "services", "configmaps",
					    "secrets", "resourcequotas"};

	if (*k->group || strcmp(k->resource, res))
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], res))
			return true;
	return false;
}

/* count/pods, count/deployments.apps */
static bool count_name(const struct kind_info *k, const char *res)
{
	size_t n = strlen(k->resource);

	if (strncmp(res, "count/", 6))
		return false;
	res += 6;
	if (strncmp(res, k->resource, n))
		return false;
	if (!*k->group)
		return !res[n];
	return res[n] == '.' && !strcmp(res + n + 1, k->group);
}

static bool pod_finished(const json_t *pod)
{
	const char *phase = json_string_value(
	    json_object_get(json_object_get(pod, "status"), "phase"));

	return phase &&
	       (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
}

/* The sum of the containers' limits of resource name, in nano-units. */
static int pod_limits(const json_t *pod, const char *name, __int128 *ret)
{
	json_t *ctrs =
	    json_object_get(json_object_get(pod, "spec"), "containers");
	struct quantity q;
	__int128 sum = 0;
	json_t *c;
	size_t i;

	json_array_foreach (ctrs, i, c) {
		json_t *v = json_object_get(
		    json_object_get(json_object_get(c, "resources"), "limits"),
		    name);

		if (!v)
			continue;
		if (quantity_from_json(v, &q) < 0)
			return -EINVAL;
		sum += q.nano;
	}
	*ret = sum;
	return 0;
}

/*
 * What object obj of kind k takes of quota resource res, in nano-units.
 * 0 with *ret_applies false when res is not about k.
 */
static int usage(struct server *srv, const struct kind_info *k,
		 const json_t *obj, const char *res, bool *ret_applies,
		 __int128 *ret)
{
	struct pod_resources pr;
	const char *what = NULL;
	bool milli;
	int r;

	*ret_applies = false;
	if (legacy_count(k, res) || count_name(k, res)) {
		*ret_applies = true;
		*ret = is_pod(srv, k) && pod_finished(obj) ? 0 : NANO_ONE;
		return 0;
	}
	if (!is_pod(srv, k))
		return 0;
	if (!strcmp(res, "cpu") || !strcmp(res, "requests.cpu"))
		what = "cpu";
	else if (!strcmp(res, "memory") || !strcmp(res, "requests.memory"))
		what = "memory";
	if (what) {
		*ret_applies = true;
		r = pod_requests(json_object_get(obj, "spec"), NULL, NULL, &pr);
		if (r < 0)
			return r;
		milli = !strcmp(what, "cpu");
		*ret = pod_finished(obj)
			   ? 0
			   : (__int128)pod_resources_get(&pr, what) *
				 (milli ? 1000000 : NANO_ONE);
		return 0;
	}
	if (!strcmp(res, "limits.cpu") || !strcmp(res, "limits.memory")) {
		*ret_applies = true;
		r = pod_limits(obj, res + 7, ret);
		if (r == 0 && pod_finished(obj))
			*ret = 0;
		return r;
	}
	return 0;
}

/* What the objects in objs (except the one named name) use of res. */
static int used(struct server *srv, const struct kind_info *k,
		const json_t *objs, const char *name, const char *res,
		__int128 *ret)
{
	__int128 sum = 0, u;
	bool applies;
	json_t *o;
	size_t i;
	int r;

	json_array_foreach (objs, i, o) {
		const char *on = srv_meta_str(o, "name");

		if (name && on && !strcmp(on, name))
			continue;
		r = usage(srv, k, o, res, &applies, &u);
		if (r < 0)
			continue; /* a stored object that does not parse */
		sum += u;
	}
	*ret = sum;
	return 0;
}

static void append(char *buf, size_t size, const char *res, __int128 nano,
		   enum quantity_format fmt)
{
	struct quantity q = {.nano = nano, .format = fmt};
	char text[QUANTITY_STRLEN];
	size_t len = strlen(buf);

	quantity_format(&q, text);
	if (len < size)
		snprintf(buf + len, size - len, "%s%s=%s", len ? "," : "", res,
			 text);
}

/* Judge obj against one quota; the refusal in err. */
static int check_quota(struct server *srv, const struct admission_attrs *a,
		       const json_t *quota, json_t **objs, struct kf_error *err)
{
	json_t *hard = json_object_get(json_object_get(quota, "spec"), "hard");
	char req[QUOTA_MSG_PART] = "", use[QUOTA_MSG_PART] = "",
	     lim[QUOTA_MSG_PART] = "";
	const char **keys = NULL;
	const char *res;
	size_t n, i;
	int r;

	if (!json_object_size(hard))
		return 0;
	r = admission_sorted_keys(hard, &keys, &n);
	if (r < 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		struct quantity h;
		__int128 want = 0, have = 0;
		bool applies;

		res = keys[i];
		if (quantity_from_json(json_object_get(hard, res), &h) < 0)
			continue;
		/* the object passed validation: a quantity that does not
		 * parse here is none of the quota's business */
		if (usage(srv, a->kind, a->obj, res, &applies, &want) < 0 ||
		    !applies || want == 0)
			continue;
		if (!*objs)
			r = admission_list(srv, a->kind, a->ns, objs);
		if (r == 0)
			r = used(srv, a->kind, *objs, a->name, res, &have);
		if (r < 0 || have + want <= h.nano)
			continue;
		append(req, sizeof(req), res, want, h.format);
		append(use, sizeof(use), res, have, h.format);
		append(lim, sizeof(lim), res, h.nano, h.format);
	}
	free(keys);
	if (r < 0)
		return r;
	if (!*req)
		return 0;
	return kf_error_set(err, -EACCES,
			    SRV_RES_FMT " \"%s\" is forbidden: exceeded quota: "
					"%s, requested: %s, used: %s, limited: "
					"%s",
			    SRV_RES_ARGS(a->kind), a->name ? a->name : "",
			    srv_meta_str(quota, "name"), req, use, lim);
}

static int validate(struct server *srv, const struct admission_attrs *a,
		    struct kf_error *err)
{
	const struct kind_info *kq =
	    kinds_by_path("core", "v1", "resourcequotas");
	_cleanup_json_ json_t *quotas = NULL, *objs = NULL;
	json_t *q;
	size_t i;
	int r;

	if (a->op != ADMISSION_CREATE || !kq || !a->kind->namespaced ||
	    !a->ns || a->status)
		return 0;
	r = admission_list(srv, kq, a->ns, &quotas);
	if (r < 0)
		return srv_store_error(r, err);
	json_array_foreach (quotas, i, q) {
		r = check_quota(srv, a, q, &objs, err);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct admission_plugin admission_resource_quota = {
    .name = "ResourceQuota",
    .validate = validate,
};
