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
 * not count.
 *
 * As in Kubernetes, usage is the quota's status.used, and an admitted
 * create charges it: the quota with status.used raised is written in the
 * create's own store transaction, on the condition that the quota is
 * still at the resourceVersion read (admission_attrs.also), so that two
 * racing creates cannot both take the last unit: the loser is judged
 * again against the new status.used. A resource status.used does not
 * hold yet (a new quota, before kubefs-ctrl's quota controller counted
 * it) is counted from the namespace's stored objects. Deletes charge
 * nothing back: the quota controller recounts status.used.
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

/* The quota's status.used[res] (*ret_known false when absent or not a
 * quantity: the controller has not counted it yet). */
static void status_used(const json_t *quota, const char *res, bool *ret_known,
			__int128 *ret)
{
	json_t *u = json_object_get(
	    json_object_get(json_object_get(quota, "status"), "used"), res);
	struct quantity q;

	*ret_known = u && quantity_from_json(u, &q) == 0;
	*ret = *ret_known ? q.nano : 0;
}

/* status.used[res] = nano, in the format of hard. */
static int set_used(json_t *quota, const char *res, __int128 nano,
		    enum quantity_format fmt)
{
	json_t *st = json_object_get(quota, "status"), *u;
	struct quantity q = {.nano = nano, .format = fmt};
	char text[QUANTITY_STRLEN];

	if (!json_is_object(st)) {
		st = json_object();
		if (json_object_set_new(quota, "status", st) < 0)
			return -ENOMEM;
	}
	u = json_object_get(st, "used");
	if (!json_is_object(u)) {
		u = json_object();
		if (json_object_set_new(st, "used", u) < 0)
			return -ENOMEM;
	}
	quantity_format(&q, text);
	return json_object_set_new(u, res, json_string(text)) < 0 ? -ENOMEM : 0;
}

/*
 * Judge obj against one quota: refused (err) when a resource would pass
 * spec.hard; else the quota with status.used charged, in *ret_charged
 * (owned; NULL when obj takes nothing the quota limits). Usage is the
 * quota's status.used, as Kubernetes reads it; a resource the
 * controller has not counted yet is counted from the store here.
 */
static int check_quota(struct server *srv, const struct admission_attrs *a,
		       const json_t *quota, json_t **objs, json_t **ret_charged,
		       struct kf_error *err)
{
	json_t *hard = json_object_get(json_object_get(quota, "spec"), "hard");
	char req[QUOTA_MSG_PART] = "", use[QUOTA_MSG_PART] = "",
	     lim[QUOTA_MSG_PART] = "";
	_cleanup_json_ json_t *charged = NULL;
	const char **keys = NULL;
	const char *res;
	size_t n, i;
	int r;

	*ret_charged = NULL;
	if (!json_object_size(hard))
		return 0;
	r = admission_sorted_keys(hard, &keys, &n);
	if (r < 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		struct quantity h;
		__int128 want = 0, have = 0;
		bool applies, known;

		res = keys[i];
		if (quantity_from_json(json_object_get(hard, res), &h) < 0)
			continue;
		/* the object passed validation: a quantity that does not
		 * parse here is none of the quota's business */
		if (quota_usage(a->kind, a->obj, res, &applies, &want) < 0 ||
		    !applies || want == 0)
			continue;
		status_used(quota, res, &known, &have);
		if (!known && !*objs)
			r = admission_list(srv, a->kind, a->ns, objs);
		if (!known && r == 0)
			r = used(srv, a->kind, *objs, a->name, res, &have);
		if (r < 0)
			continue;
		if (have + want > h.nano) {
			append(req, sizeof(req), res, want, h.format);
			append(use, sizeof(use), res, have, h.format);
			append(lim, sizeof(lim), res, h.nano, h.format);
			continue;
		}
		if (!charged) {
			charged = json_deep_copy(quota);
			r = charged ? 0 : -ENOMEM;
		}
		if (r == 0)
			r = set_used(charged, res, have + want, h.format);
	}
	free(keys);
	if (r < 0)
		return r;
	if (*req)
		return kf_error_set(
		    err, -EACCES,
		    SRV_RES_FMT " \"%s\" is forbidden: exceeded quota: "
				"%s, requested: %s, used: %s, limited: "
				"%s",
		    SRV_RES_ARGS(a->kind), a->name ? a->name : "",
		    srv_meta_str(quota, "name"), req, use, lim);
	if (charged) {
		/* the controller's status.hard, if it has not written it */
		json_t *st = json_object_get(charged, "status");

		if (!json_object_get(st, "hard") &&
		    json_object_set_new(st, "hard", json_deep_copy(hard)) < 0)
			return -ENOMEM;
	}
	*ret_charged = TAKE_PTR(charged);
	return 0;
}

/* Charge the quota in the create's own store write, if it is still at
 * the resourceVersion judged (admission_attrs.also). */
static int charge(const struct admission_attrs *a, json_t *charged)
{
	const char *rvs = srv_meta_str(charged, "resourceVersion");
	char key[STORE_KEY_MAX + 1];
	uint64_t rv;
	int r;

	if (!a->also) /* a dry run: nothing is stored */
		return 0;
	r = server_key(kinds_by_path("core", "v1", "resourcequotas"), a->ns,
		       srv_meta_str(charged, "name"), key, sizeof(key));
	if (r < 0 || !rvs)
		return r < 0 ? r : -EIO;
	rv = strtoull(rvs, NULL, 10);
	return admission_also(a, key, rv, json_incref(charged));
}

static int validate(struct server *srv, const struct admission_attrs *a,
		    struct kf_error *err)
{
	const struct kind_info *kq =
	    kinds_by_path("core", "v1", "resourcequotas");
	_cleanup_json_ json_t *quotas = NULL, *objs = NULL, *charged = NULL;
	json_t *q;
	size_t i;
	int r;

	if (a->op != ADMISSION_CREATE || !kq || !a->kind->namespaced ||
	    !a->ns || a->status)
		return 0;
	r = admission_list(srv, kq, a->ns, &quotas);
	if (r < 0)
		return srv_store_error(r, err);
	charged = json_array();
	if (!charged)
		return -ENOMEM;
	/* every quota judges before any is charged */
	json_array_foreach (quotas, i, q) {
		json_t *c = NULL;

		r = check_quota(srv, a, q, &objs, &c, err);
		if (r < 0)
			return r;
		if (c && json_array_append_new(charged, c) < 0)
			return -ENOMEM;
	}
	json_array_foreach (charged, i, q) {
		r = charge(a, q);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct admission_plugin admission_resource_quota = {
    .name = "ResourceQuota",
    .validate = validate,
};
