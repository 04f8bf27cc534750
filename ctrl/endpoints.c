/*
 * endpoints.c — the Endpoints controller (pkg/controller/endpoint): for
 * each Service with a selector, an Endpoints object of the same name
 * whose subsets list the selected pods' IPs (ready ones in addresses,
 * others in notReadyAddresses, unless publishNotReadyAddresses) with the
 * Service's ports resolved per pod; pods serving the same ports share a
 * subset. Terminating pods are left out. A Service without a selector is
 * left alone (its Endpoints are the user's); a deleted Service's
 * Endpoints are deleted.
 */
#include "ctrl/ctrl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "ctrl/meta.h"
#include "ctrl/svcpods.h"

struct epc {
	struct ctrl_ctx *ctx;
	struct informer *pods, *svcs, *eps;
	struct ctrl_loop loop;
	struct svc_watch w;
	const struct kind_info *k_ep;
};

static json_t *address(const json_t *pod)
{
	json_t *a = json_pack(
	    "{s:s, s:{s:s, s:s, s:s, s:s}}", "ip", cj_str(pod, "status.podIP"),
	    "targetRef", "kind", "Pod", "namespace", meta_s(pod, "namespace"),
	    "name", meta_s(pod, "name"), "uid", meta_s(pod, "uid"));
	const char *node = cj_str(pod, "spec.nodeName");

	if (a && node && *node)
		json_object_set_new(a, "nodeName", json_string(node));
	return a;
}

static json_t *subsets(const json_t *svc, const json_t *pods)
{
	bool publish =
	    json_is_true(cj_get(svc, "spec.publishNotReadyAddresses"));
	json_t *by_ports = json_object(), *out = json_array(), *v;
	size_t i;
	const char *k;
	json_t *pod;

	json_array_foreach (pods, i, pod) {
		_cleanup_json_ json_t *ports = svc_pod_ports(svc, pod);
		_cleanup_free_ char *key = NULL;
		json_t *ss;
		const char *list;

		if (!json_array_size(ports))
			continue;
		key = json_dumps(ports, JSON_COMPACT | JSON_SORT_KEYS);
		if (!key)
			continue;
		ss = json_object_get(by_ports, key);
		if (!ss) {
			ss = json_pack("{s:O}", "ports", ports);
			json_object_set_new(by_ports, key, ss);
		}
		list = publish || pod_ready(pod) ? "addresses"
						 : "notReadyAddresses";
		if (!json_object_get(ss, list))
			json_object_set_new(ss, list, json_array());
		json_array_append_new(json_object_get(ss, list), address(pod));
	}
	json_object_foreach (by_ports, k, v)
		json_array_append(out, v);
	json_decref(by_ports);
	return out;
}

static int sync_svc(void *ud, const char *key)
{
	struct epc *s = ud;
	_cleanup_json_ json_t *svc = NULL, *cur = NULL, *pods = NULL;
	_cleanup_json_ json_t *want = NULL;
	char ns[CLIENT_NAME_MAX + 1], name[CLIENT_NAME_MAX + 1];
	json_t *ss;
	int r;

	if (informer_split_key(key, ns, name) < 0)
		return 0;
	informer_get(s->eps, key, &cur);
	if (informer_get(s->svcs, key, &svc) < 0) {
		if (cur) {
			r = client_delete(s->ctx->c, s->k_ep, ns, name, NULL);
			return r == -ENOENT ? 0 : r;
		}
		return 0;
	}
	r = svc_pods(s->pods, svc, false, &pods);
	if (r == -ENOENT)
		return 0; /* no selector: not ours */
	if (r < 0)
		return r;
	ss = subsets(svc, pods);
	want =
	    json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind",
		      "Endpoints", "metadata", "name", name, "namespace", ns);
	if (!want || !ss) {
		json_decref(ss);
		return -ENOMEM;
	}
	if (json_object_get(json_object_get(svc, "metadata"), "labels"))
		json_object_set(json_object_get(want, "metadata"), "labels",
				cj_get(svc, "metadata.labels"));
	if (json_array_size(ss))
		json_object_set_new(want, "subsets", ss);
	else
		json_decref(ss);
	r = svc_write(s->ctx, s->k_ep, cur, want);
	return r == -EEXIST ? -EAGAIN : r;
}

static void epc_free(void *state)
{
	struct epc *s = state;

	if (!s)
		return;
	ctrl_loop_release(&s->loop);
	free(s);
}

int endpoints_setup(struct ctrl_ctx *ctx, struct controller *c)
{
	struct epc *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->k_ep = kinds_by_path("core", "v1", "endpoints");
	r = ctrl_loop_init(&s->loop, ctx, "endpoint", sync_svc, s);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "pods", &s->pods);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "services", &s->svcs);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "endpoints", &s->eps);
	s->w = (struct svc_watch){s->pods, s->svcs, &s->loop};
	if (r == 0)
		r = svc_watch_register(&s->w);
	return controller_fill(c, r, s, epc_free, &s->loop);
}
