/*
 * quota.c — ResourceQuota usage (quota.h).
 */
#include "api/quota.h"

#include <errno.h>
#include <string.h>

#include "api/podres.h"
#include "api/quantity.h"

#define NANO_ONE ((__int128)1000000000)

static bool is_pod(const struct kind_info *k)
{
	return !*k->group && !strcmp(k->resource, "pods");
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

int quota_usage(const struct kind_info *k, const json_t *obj, const char *res,
		bool *ret_applies, __int128 *ret)
{
	struct pod_resources pr;
	const char *what = NULL;
	bool milli;
	int r;

	*ret_applies = false;
	if (legacy_count(k, res) || count_name(k, res)) {
		*ret_applies = true;
		*ret = is_pod(k) && pod_finished(obj) ? 0 : NANO_ONE;
		return 0;
	}
	if (!is_pod(k))
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

const struct kind_info *quota_kind(const char *res)
{
	char path[128];
	const char *dot;

	if (!strncmp(res, "count/", 6)) {
		res += 6;
		dot = strchr(res, '.');
		if (!dot)
			return kinds_by_path("core", "v1", res);
		if ((size_t)(dot - res) >= sizeof(path))
			return NULL;
		memcpy(path, res, (size_t)(dot - res));
		path[dot - res] = '\0';
		return kinds_by_path(dot + 1, "v1", path);
	}
	if (!strcmp(res, "pods") || !strcmp(res, "cpu") ||
	    !strcmp(res, "memory") || !strncmp(res, "requests.", 9) ||
	    !strncmp(res, "limits.", 7))
		return kinds_by_path("core", "v1", "pods");
	if (!strcmp(res, "services") || !strcmp(res, "configmaps") ||
	    !strcmp(res, "secrets") || !strcmp(res, "resourcequotas"))
		return kinds_by_path("core", "v1", res);
	return NULL;
}
