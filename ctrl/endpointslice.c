/*
 * endpointslice.c — the EndpointSlice controller
 * (pkg/controller/endpointslice): for each Service with a selector,
 * discovery.k8s.io/v1 EndpointSlices labelled
 * kubernetes.io/service-name=SERVICE and managed-by this controller,
 * owned by the Service (so the garbage collector removes them with it).
 * Each selected pod is one endpoint: its IP, conditions ready (ready and
 * not terminating, or publishNotReadyAddresses), serving (ready) and
 * terminating, nodeName and targetRef. Endpoints serving the same
 * resolved ports share slices of at most ENDPOINTS_PER_SLICE, in pod IP
 * order; existing slices are reused in name order, extra ones deleted.
 * The slices it creates are expected (ctrl/expectations.h): until the
 * informer shows them, the Service is not synced again, so a second sync
 * can never create the same slices twice (Kubernetes' EndpointSliceTracker
 * keeps it from acting on a stale cache the same way).
 */
#include "ctrl/ctrl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "ctrl/expectations.h"
#include "ctrl/meta.h"
#include "ctrl/svcpods.h"

#define ENDPOINTS_PER_SLICE 100
#define LABEL_SERVICE "kubernetes.io/service-name"
#define LABEL_MANAGED_BY "endpointslice.kubernetes.io/managed-by"
#define MANAGED_BY "endpointslice-controller.k8s.io"

struct esc {
	struct ctrl_ctx *ctx;
	struct informer *pods, *svcs, *slices;
	struct ctrl_loop loop;
	struct svc_watch w;
	const struct kind_info *k_slice;
	struct expectations *exp; /* slices created, by Service key */
};

static json_t *endpoint(const json_t *svc, const json_t *pod)
{
	bool publish =
	    json_is_true(cj_get(svc, "spec.publishNotReadyAddresses"));
	bool term = ctrl_deleting(pod), ready = pod_ready(pod);
	const char *node = cj_str(pod, "spec.nodeName");
	json_t *e =
	    json_pack("{s:[s], s:{s:b, s:b, s:b}, s:{s:s, s:s, s:s, s:s}}",
		      "addresses", cj_str(pod, "status.podIP"), "conditions",
		      "ready", publish || (ready && !term), "serving",
		      publish || ready, "terminating", term, "targetRef",
		      "kind", "Pod", "namespace", meta_s(pod, "namespace"),
		      "name", meta_s(pod, "name"), "uid", meta_s(pod, "uid"));

	if (e && node && *node)
		json_object_set_new(e, "nodeName", json_string(node));
	return e;
}

/* [{ports, endpoints}] with at most ENDPOINTS_PER_SLICE endpoints each */
static json_t *desired(const json_t *svc, const json_t *pods)
{
	json_t *groups = json_object(), *out = json_array(), *g;
	const char *k;
	size_t i;
	json_t *pod;

	json_array_foreach (pods, i, pod) {
		_cleanup_json_ json_t *ports = svc_pod_ports(svc, pod);
		_cleanup_free_ char *key =
		    json_dumps(ports, JSON_COMPACT | JSON_SORT_KEYS);

		if (!key)
			continue;
		g = json_object_get(groups, key);
		if (!g) {
			g = json_pack("{s:O, s:[]}", "ports", ports, "list");
			json_object_set_new(groups, key, g);
		}
		json_array_append_new(json_object_get(g, "list"),
				      endpoint(svc, pod));
	}
	json_object_foreach (groups, k, g) {
		json_t *list = json_object_get(g, "list");

		for (i = 0; i < json_array_size(list) || i == 0;
		     i += ENDPOINTS_PER_SLICE) {
			json_t *chunk = json_array();

			for (size_t j = i; j < json_array_size(list) &&
					   j < i + ENDPOINTS_PER_SLICE;
			     j++)
				json_array_append(chunk,
						  json_array_get(list, j));
			json_array_append_new(
			    out, json_pack("{s:O, s:o}", "ports",
					   json_object_get(g, "ports"),
					   "endpoints", chunk));
			if (!json_array_size(list))
				break;
		}
	}
	json_decref(groups);
	return out;
}

/* The Service's slices (cached), by name. */
static json_t *existing(struct esc *s, const json_t *svc)
{
	_cleanup_json_ json_t *all = NULL;
	json_t *out = json_array(), *sl;
	size_t i;

	if (!out || informer_list(s->slices, &all) < 0)
		return out;
	json_array_foreach (all, i, sl)
		if (!strcmp(meta_s(sl, "namespace"),
			    meta_s(svc, "namespace")) &&
		    /* not cj_str: the label's key has dots in it */
		    !strcmp(json_string_value(json_object_get(
				cj_get(sl, "metadata.labels"), LABEL_SERVICE))
				?: "",
			    meta_s(svc, "name")) &&
		    !strcmp(
			json_string_value(json_object_get(
			    cj_get(sl, "metadata.labels"), LABEL_MANAGED_BY))
			    ?: "",
			MANAGED_BY))
			json_array_append(out, sl);
	return out;
}

static json_t *slice_object(const json_t *svc, const json_t *want,
			    const json_t *cur)
{
	json_t *meta = json_pack(
	    "{s:s, s:{s:s, s:s}, s:[o]}", "namespace", meta_s(svc, "namespace"),
	    "labels", LABEL_SERVICE, meta_s(svc, "name"), LABEL_MANAGED_BY,
	    MANAGED_BY, "ownerReferences", ctrl_new_controller_ref(svc));
	char gen[CLIENT_NAME_MAX + 2];

	if (!meta)
		return NULL;
	if (cur) {
		json_object_set_new(meta, "name",
				    json_string(meta_s(cur, "name")));
	} else {
		snprintf(gen, sizeof(gen), "%.*s-", 57, meta_s(svc, "name"));
		json_object_set_new(meta, "generateName", json_string(gen));
	}
	return json_pack("{s:s, s:s, s:o, s:s, s:O, s:O}", "apiVersion",
			 "discovery.k8s.io/v1", "kind", "EndpointSlice",
			 "metadata", meta, "addressType", "IPv4", "ports",
			 json_object_get(want, "ports"), "endpoints",
			 json_object_get(want, "endpoints"));
}

static int sync_svc(void *ud, const char *key)
{
	struct esc *s = ud;
	_cleanup_json_ json_t *svc = NULL, *pods = NULL, *want = NULL;
	_cleanup_json_ json_t *have = NULL;
	size_t i;
	int r = 0;

	if (informer_get(s->svcs, key, &svc) < 0) {
		expectations_delete(s->exp, key);
		return 0; /* the garbage collector takes its slices */
	}
	if (!expectations_satisfied(s->exp, key))
		return 0; /* its new slices' add events sync it again */
	r = svc_pods(s->pods, svc, true, &pods);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	want = desired(svc, pods);
	have = existing(s, svc);
	if (!want || !have)
		return -ENOMEM;
	if (json_array_size(want) > json_array_size(have)) {
		r = expectations_set(
		    s->exp, key,
		    (long)(json_array_size(want) - json_array_size(have)),
		    NULL);
		if (r < 0)
			return r;
	}
	for (i = 0; i < json_array_size(want) && r == 0; i++) {
		json_t *cur = json_array_get(have, i);
		_cleanup_json_ json_t *obj =
		    slice_object(svc, json_array_get(want, i), cur);

		r = obj ? svc_write(s->ctx, s->k_slice, cur, obj) : -ENOMEM;
		if (!cur && r < 0)
			/* not made: none of the rest either */
			expectations_lower_adds(
			    s->exp, key, (long)(json_array_size(want) - i));
	}
	for (; i < json_array_size(have) && r == 0; i++) {
		json_t *sl = json_array_get(have, i);

		r = client_delete(s->ctx->c, s->k_slice,
				  meta_s(sl, "namespace"), meta_s(sl, "name"),
				  NULL);
		if (r == -ENOENT)
			r = 0;
	}
	return r;
}

/* The key of the Service a slice belongs to (by its label), or NULL;
 * *ret malloc'd. */
static char *slice_svc_key(const json_t *sl)
{
	const char *svc = json_string_value(
	    json_object_get(cj_get(sl, "metadata.labels"), LABEL_SERVICE));
	char *key;

	if (!svc || asprintf(&key, "%s/%s", meta_s(sl, "namespace"), svc) < 0)
		return NULL;
	return key;
}

static void slice_changed(void *ud, const json_t *sl)
{
	struct esc *s = ud;
	_cleanup_free_ char *key = slice_svc_key(sl);

	if (key)
		ctrl_loop_add(&s->loop, key, 0);
}

/* A slice seen: one expected creation less (a slice made by someone
 * else lowers nothing below zero), and its Service synced again. */
static void slice_added(void *ud, const json_t *sl)
{
	struct esc *s = ud;
	_cleanup_free_ char *key = slice_svc_key(sl);

	if (!key)
		return;
	expectations_lower_adds(s->exp, key, 1);
	ctrl_loop_add(&s->loop, key, 0);
}

static void slice_updated(void *ud, const json_t *old, const json_t *sl)
{
	slice_changed(ud, sl);
}

static void esc_free(void *state)
{
	struct esc *s = state;

	if (!s)
		return;
	ctrl_loop_release(&s->loop);
	expectations_free(s->exp);
	free(s);
}

int endpointslice_setup(struct ctrl_ctx *ctx, struct controller *c)
{
	struct esc *s = calloc(1, sizeof(*s));
	struct informer_handlers lh = {slice_added, slice_updated,
				       slice_changed, s};
	int r;

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->k_slice = kinds_by_path("discovery.k8s.io", "v1", "endpointslices");
	r = expectations_new(&s->exp);
	if (r == 0)
		r = ctrl_loop_init(&s->loop, ctx, "endpointslice", sync_svc, s);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "pods", &s->pods);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "services", &s->svcs);
	if (r == 0)
		r = ctrl_informer(ctx, "discovery.k8s.io", "v1",
				  "endpointslices", &s->slices);
	s->w = (struct svc_watch){s->pods, s->svcs, &s->loop};
	if (r == 0)
		r = svc_watch_register(&s->w);
	if (r == 0)
		r = informer_add_handlers(s->slices, &lh);
	return controller_fill(c, r, s, esc_free, &s->loop);
}
