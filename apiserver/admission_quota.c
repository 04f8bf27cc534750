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
#include "api/quantity.h"
#include "api/quota.h"
#include "apiserver/server_i.h"

#define QUOTA_MSG_PART 512

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
		u = 0;
		r = quota_usage(k, o, res, &applies, &u);
		if (r == 0 && applies) /* else: a stored value that does not
					* parse counts nothing */
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
		if (quota_usage(a->kind, a->obj, res, &applies, &want) < 0 ||
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
