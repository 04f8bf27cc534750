/*
 * svcpods.c — Service pods and ports (see svcpods.h).
 */
#include "ctrl/svcpods.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "ctrl/meta.h"

static json_t *as_label_selector(const json_t *svc)
{
	json_t *sel = cj_get(svc, "spec.selector");

	if (!json_is_object(sel) || !json_object_size(sel))
		return NULL;
	return json_pack("{s:O}", "matchLabels", sel);
}

static int cmp_ip(const void *a, const void *b)
{
	const char *x = cj_str(*(json_t *const *)a, "status.podIP") ?: "";
	const char *y = cj_str(*(json_t *const *)b, "status.podIP") ?: "";
	int r = strverscmp(x, y);

	return r ? r
		 : strcmp(meta_s(*(json_t *const *)a, "name"),
			  meta_s(*(json_t *const *)b, "name"));
}

int svc_pods(struct informer *pods, const json_t *svc, bool terminating,
	     json_t **ret)
{
	_cleanup_json_ json_t *ls = as_label_selector(svc), *all = NULL;
	_cleanup_free_ json_t **v = NULL;
	struct label_selector *sel = NULL;
	size_t i, n = 0;
	json_t *pod, *out;
	int r;

	if (!ls)
		return -ENOENT;
	r = ctrl_label_selector(ls, &sel);
	if (r == 0)
		r = informer_list_index(pods, CTRL_INDEX_NAMESPACE,
					meta_s(svc, "namespace"), &all);
	if (r < 0) {
		label_selector_free(sel);
		return r;
	}
	v = calloc(json_array_size(all) + 1, sizeof(*v));
	out = json_array();
	if (!v || !out) {
		label_selector_free(sel);
		json_decref(out);
		return -ENOMEM;
	}
	json_array_foreach (all, i, pod) {
		const char *phase = cj_str(pod, "status.phase") ?: "";

		if (strcmp(meta_s(pod, "namespace"),
			   meta_s(svc, "namespace")) ||
		    !label_selector_matches_object(sel, pod) ||
		    !*(cj_str(pod, "status.podIP") ?: "") ||
		    !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed") ||
		    (!terminating && ctrl_deleting(pod)))
			continue;
		v[n++] = pod;
	}
	label_selector_free(sel);
	qsort(v, n, sizeof(*v), cmp_ip);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	*ret = out;
	return 0;
}

/* The number of the container port named name in pod, or 0. */
static long named_port(const json_t *pod, const char *name, const char *proto)
{
	size_t i, j;
	json_t *c, *p;

	json_array_foreach (cj_get(pod, "spec.containers"), i, c)
		json_array_foreach (json_object_get(c, "ports"), j, p)
			if (!strcmp(cj_str(p, "name") ?: "", name) &&
			    !strcmp(cj_str(p, "protocol") ?: "TCP", proto))
				return (long)cj_int(p, "containerPort", 0);
	return 0;
}

json_t *svc_pod_ports(const json_t *svc, const json_t *pod)
{
	json_t *out = json_array(), *sp;
	size_t i;

	json_array_foreach (cj_get(svc, "spec.ports"), i, sp) {
		json_t *tp = json_object_get(sp, "targetPort");
		const char *proto = cj_str(sp, "protocol") ?: "TCP";
		long port = cj_int(sp, "port", 0);
		json_t *p;

		if (json_is_integer(tp))
			port = (long)json_integer_value(tp);
		else if (json_is_string(tp))
			port = atol(json_string_value(tp))
				   ?: named_port(pod, json_string_value(tp),
						 proto);
		if (port <= 0)
			continue;
		p = json_pack("{s:s, s:i, s:s}", "name",
			      cj_str(sp, "name") ?: "", "port", (int)port,
			      "protocol", proto);
		if (json_object_get(sp, "appProtocol"))
			json_object_set(p, "appProtocol",
					json_object_get(sp, "appProtocol"));
		json_array_append_new(out, p);
	}
	return out;
}

void svc_enqueue_for_pod(struct informer *svcs, struct ctrl_loop *loop,
			 const json_t *pod)
{
	_cleanup_json_ json_t *all = NULL;
	size_t i;
	json_t *svc;

	if (informer_list(svcs, &all) < 0)
		return;
	json_array_foreach (all, i, svc) {
		_cleanup_json_ json_t *ls = NULL;

		if (strcmp(meta_s(svc, "namespace"), meta_s(pod, "namespace")))
			continue;
		ls = as_label_selector(svc);
		if (ls && ctrl_selects(ls, pod))
			ctrl_loop_enqueue(loop, svc);
	}
}

int svc_write(struct ctrl_ctx *ctx, const struct kind_info *k,
	      const json_t *cur, json_t *want)
{
	_cleanup_json_ json_t *a = NULL, *b = NULL;
	struct kf_error err;
	int r;

	kf_error_init(&err);
	if (!cur) {
		r = client_create(ctx->c, k, NULL, want, &err, NULL);
		goto out;
	}
	a = json_deep_copy(want);
	b = json_deep_copy(cur);
	if (!a || !b)
		return -ENOMEM;
	if (k->set_defaults)
		k->set_defaults(a);
	json_object_del(a, "metadata");
	json_object_del(b, "metadata");
	json_object_del(a, "status");
	json_object_del(b, "status");
	if (json_equal(a, b) &&
	    json_equal(cj_get(want, "metadata.labels") ?: json_null(),
		       cj_get(cur, "metadata.labels") ?: json_null()))
		return 0;
	json_object_set(json_object_get(want, "metadata"), "resourceVersion",
			cj_get(cur, "metadata.resourceVersion"));
	r = client_replace(ctx->c, k, want, &err, NULL);
out:
	if (r < 0 && r != -ESTALE && r != -EEXIST)
		ctrl_logf(ctx, "%s %s/%s: %s", k->resource,
			  meta_s(want, "namespace"), meta_s(want, "name"),
			  err.code ? err.msg : strerror(-r));
	return r;
}

static void w_svc(void *ud, const json_t *svc)
{
	struct svc_watch *w = ud;

	ctrl_loop_enqueue(w->loop, svc);
}

static void w_svc_updated(void *ud, const json_t *old, const json_t *svc)
{
	w_svc(ud, svc);
}

static void w_pod(void *ud, const json_t *pod)
{
	struct svc_watch *w = ud;

	svc_enqueue_for_pod(w->svcs, w->loop, pod);
}

static void w_pod_updated(void *ud, const json_t *old, const json_t *pod)
{
	struct svc_watch *w = ud;

	if (json_equal(cj_get(old, "metadata.resourceVersion"),
		       cj_get(pod, "metadata.resourceVersion")))
		return;
	if (!json_equal(cj_get(old, "metadata.labels") ?: json_null(),
			cj_get(pod, "metadata.labels") ?: json_null()))
		svc_enqueue_for_pod(w->svcs, w->loop, old);
	svc_enqueue_for_pod(w->svcs, w->loop, pod);
}

int svc_watch_register(struct svc_watch *w)
{
	struct informer_handlers sh = {w_svc, w_svc_updated, w_svc, w};
	struct informer_handlers ph = {w_pod, w_pod_updated, w_pod, w};
	int r = informer_add_handlers(w->svcs, &sh);

	return r < 0 ? r : informer_add_handlers(w->pods, &ph);
}
