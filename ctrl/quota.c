/*
 * quota.c — the ResourceQuota controller (pkg/controller/resourcequota):
 * keeps each quota's status.hard equal to spec.hard and status.used the
 * namespace's usage of every resource it limits (api/quota.h, the rule
 * admission applies). Pods are watched (a pod's change re-counts its
 * namespace's quotas at once); every kind is counted by listing the
 * namespace's objects at each sync, and every quota is synced again after
 * QUOTA_RESYNC_MS, as kube-controller-manager resyncs.
 */
#include "ctrl/ctrl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/quantity.h"
#include "api/quota.h"
#include "ctrl/meta.h"

#define QUOTA_RESYNC_MS 10000

struct qc {
	struct ctrl_ctx *ctx;
	struct informer *quotas, *pods;
	struct ctrl_loop loop;
	const struct kind_info *k_quota;
};

static void quota_changed(void *ud, const json_t *q)
{
	ctrl_loop_enqueue(&((struct qc *)ud)->loop, q);
}

static void quota_updated(void *ud, const json_t *old, const json_t *q)
{
	quota_changed(ud, q);
}

/* A pod changed: re-count the quotas of its namespace. */
static void pod_changed(void *ud, const json_t *pod)
{
	struct qc *s = ud;
	_cleanup_json_ json_t *all = NULL;
	const char *ns = meta_s(pod, "namespace");
	const json_t *q;
	size_t i;

	if (!ns || informer_list(s->quotas, &all) < 0)
		return;
	json_array_foreach (all, i, q)
		if (!strcmp(meta_s(q, "namespace") ?: "", ns))
			ctrl_loop_enqueue(&s->loop, q);
}

static void pod_updated(void *ud, const json_t *old, const json_t *pod)
{
	pod_changed(ud, pod);
}

/* The objects of kind k in ns (owned array), read from the tree: the
 * shared pod informer keeps slimmed pods (ctrl_slim_pod: no resources). */
static int objects(struct qc *s, const struct kind_info *k, const char *ns,
		   json_t **ret)
{
	struct kf_error err;

	kf_error_init(&err);
	return client_list(s->ctx->c, k, ns, NULL, NULL, &err, ret, NULL);
}

/* status.used[res] for the quota of namespace ns, in hard's format. */
static int used(struct qc *s, const char *ns, const char *res,
		const json_t *hard, json_t **ret)
{
	const struct kind_info *k = quota_kind(res);
	_cleanup_json_ json_t *objs = NULL;
	struct quantity h, sum = {0};
	char text[QUANTITY_STRLEN];
	const json_t *o;
	size_t i;
	int r;

	*ret = NULL;
	if (!k || quantity_from_json(hard, &h) < 0)
		return 0; /* not a resource kubefs counts */
	r = objects(s, k, ns, &objs);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	json_array_foreach (objs, i, o) {
		__int128 n = 0;
		bool applies;

		if (quota_usage(k, o, res, &applies, &n) == 0 && applies)
			sum.nano += n;
	}
	sum.format = h.format;
	*ret = json_string(quantity_format(&sum, text));
	return *ret ? 0 : -ENOMEM;
}

static int sync_quota(void *ud, const char *key)
{
	struct qc *s = ud;
	_cleanup_json_ json_t *q = NULL, *want = NULL, *obj = NULL;
	const char *ns, *res;
	json_t *hard, *usedv, *v;
	struct kf_error err;
	int r;

	if (informer_get(s->quotas, key, &q) < 0 || ctrl_deleting(q))
		return 0;
	ns = meta_s(q, "namespace");
	hard = cj_get(q, "spec.hard");
	want = json_pack("{s:o, s:{}}", "hard",
			 json_is_object(hard) ? json_deep_copy(hard)
					      : json_object(),
			 "used");
	if (!want || !ns)
		return -ENOMEM;
	usedv = json_object_get(want, "used");
	json_object_foreach (hard, res, v) {
		json_t *u = NULL;

		r = used(s, ns, res, v, &u);
		if (r < 0)
			return r;
		if (u)
			json_object_set_new(usedv, res, u);
	}
	ctrl_loop_add(&s->loop, key, QUOTA_RESYNC_MS);
	if (json_equal(want, json_object_get(q, "status")))
		return 0;
	obj = json_deep_copy(q);
	if (!obj || json_object_set(obj, "status", want) < 0)
		return -ENOMEM;
	kf_error_init(&err);
	r = client_update_status(s->ctx->c, s->k_quota, obj, &err, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		ctrl_logf(s->ctx, "resourcequota %s: %s", key,
			  err.code ? err.msg : strerror(-r));
	return r;
}

static void qc_free(void *state)
{
	struct qc *s = state;

	if (!s)
		return;
	ctrl_loop_release(&s->loop);
	free(s);
}

int quota_setup(struct ctrl_ctx *ctx, struct controller *c)
{
	struct qc *s = calloc(1, sizeof(*s));
	struct informer_handlers qh = {quota_changed, quota_updated, NULL, s};
	struct informer_handlers ph = {pod_changed, pod_updated, pod_changed,
				       s};
	int r;

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->k_quota = kinds_by_path("core", "v1", "resourcequotas");
	r = ctrl_loop_init(&s->loop, ctx, "resourcequota", sync_quota, s);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "resourcequotas",
				  &s->quotas);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "pods", &s->pods);
	if (r == 0)
		r = informer_add_handlers(s->quotas, &qh);
	if (r == 0)
		r = informer_add_handlers(s->pods, &ph);
	return controller_fill(c, r, s, qc_free, &s->loop);
}
