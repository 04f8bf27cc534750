/*
 * pods.c — claiming, creating and ranking pods (see pods.h).
 */
#include "ctrl/pods.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "ctrl/meta.h"

static bool owned_by(const json_t *obj, const char *uid)
{
	json_t *ref = owner_controller_ref(obj);

	return ref && !strcmp(cj_str(ref, "uid") ?: "", uid);
}

/* Write obj's ownerReferences as refs, if obj is unchanged since read. */
static int set_owner_refs(struct ctrl_ctx *ctx, const struct kind_info *k,
			  const json_t *obj, json_t *refs)
{
	_cleanup_json_ json_t *patch =
	    json_pack("{s:{s:o, s:s}}", "metadata", "ownerReferences", refs,
		      "resourceVersion", meta_s(obj, "resourceVersion"));

	if (!patch || !k)
		return -ENOMEM;
	return client_patch(ctx->c, k, meta_s(obj, "namespace"),
			    meta_s(obj, "name"), patch, NULL, NULL);
}

static int adopt(struct ctrl_ctx *ctx, const struct kind_info *k,
		 const json_t *owner, const json_t *pod)
{
	json_t *refs = json_deep_copy(cj_get(pod, "metadata.ownerReferences"));

	if (!refs)
		refs = json_array();
	if (!refs ||
	    json_array_append_new(refs, ctrl_new_controller_ref(owner)))
		return -ENOMEM;
	return set_owner_refs(ctx, k, pod, refs);
}

static int release(struct ctrl_ctx *ctx, const struct kind_info *k,
		   const char *uid, const json_t *pod)
{
	json_t *refs = json_array(), *ref;
	size_t i;

	if (!refs)
		return -ENOMEM;
	json_array_foreach (cj_get(pod, "metadata.ownerReferences"), i, ref)
		if (strcmp(cj_str(ref, "uid") ?: "", uid))
			json_array_append(refs, ref);
	return set_owner_refs(ctx, k, pod, refs);
}

int ctrl_claim(struct ctrl_ctx *ctx, const struct kind_info *k,
	       const json_t *owner, const struct label_selector *sel,
	       const json_t *all, bool adopt_ok, json_t **ret)
{
	_cleanup_json_ json_t *out = json_array();
	const char *uid = meta_s(owner, "uid");
	const char *ns = meta_s(owner, "namespace");
	size_t i;
	json_t *pod;

	if (!out)
		return -ENOMEM;
	json_array_foreach (all, i, pod) {
		bool match;

		if (strcmp(meta_s(pod, "namespace"), ns))
			continue;
		match = sel && label_selector_matches_object(sel, pod);
		if (owned_by(pod, uid)) {
			if (match) {
				json_array_append(out, pod);
			} else if (!ctrl_deleting(owner)) {
				/* an ESTALE just means the next sync
				 * decides again */
				release(ctx, k, uid, pod);
			}
			continue;
		}
		if (!match || owner_controller_ref(pod) || ctrl_deleting(pod) ||
		    !adopt_ok)
			continue;
		if (adopt(ctx, k, owner, pod) == 0)
			json_array_append(out, pod);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

json_t *pods_from_template(const json_t *owner, const json_t *tmpl)
{
	json_t *pod = json_object(), *meta = json_object();
	json_t *refs = json_array();
	char gen[CLIENT_NAME_MAX + 2];
	json_t *v;

	if (!pod || !meta || !refs) {
		json_decref(pod);
		json_decref(meta);
		json_decref(refs);
		return NULL;
	}
	snprintf(gen, sizeof(gen), "%.*s-", 57, meta_s(owner, "name"));
	json_object_set_new(pod, "apiVersion", json_string("v1"));
	json_object_set_new(pod, "kind", json_string("Pod"));
	json_object_set_new(meta, "generateName", json_string(gen));
	json_object_set_new(meta, "namespace",
			    json_string(meta_s(owner, "namespace")));
	if ((v = cj_get(tmpl, "metadata.labels")))
		json_object_set(meta, "labels", v);
	if ((v = cj_get(tmpl, "metadata.annotations")))
		json_object_set(meta, "annotations", v);
	if ((v = cj_get(tmpl, "metadata.finalizers")))
		json_object_set(meta, "finalizers", v);
	json_array_append_new(refs, ctrl_new_controller_ref(owner));
	json_object_set_new(meta, "ownerReferences", refs);
	json_object_set_new(pod, "metadata", meta);
	json_object_set_new(pod, "spec",
			    cj_get(tmpl, "spec")
				? json_incref(cj_get(tmpl, "spec"))
				: json_object());
	return pod;
}

bool labels_superset(const json_t *obj, const json_t *tmpl)
{
	json_t *have = cj_get(obj, "metadata.labels"), *v;
	const char *k;

	json_object_foreach ((json_t *)cj_get(tmpl, "metadata.labels"), k, v)
		if (!json_equal(json_object_get(have, k), v))
			return false;
	return true;
}

/* ---- ranking ---- */

struct ranked {
	json_t *pod;
	long rank; /* active pods of the same set on the same node */
};

static int phase_order(const json_t *pod)
{
	const char *p = cj_str(pod, "status.phase") ?: "";

	if (!strcmp(p, "Pending"))
		return 0;
	if (!strcmp(p, "Running"))
		return 2;
	return 1; /* Unknown */
}

static long restarts(const json_t *pod)
{
	long most = 0;
	size_t i;
	json_t *cs;

	json_array_foreach (cj_get(pod, "status.containerStatuses"), i, cs)
		if (cj_int(cs, "restartCount", 0) > most)
			most = cj_int(cs, "restartCount", 0);
	return most;
}

static int cmp_time_newer_first(const char *a, const char *b)
{
	time_t x = ctrl_time(a), y = ctrl_time(b);

	return (x < y) - (x > y);
}

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	const char *na = cj_str(a->pod, "spec.nodeName") ?: "";
	const char *nb = cj_str(b->pod, "spec.nodeName") ?: "";
	int x, y;

	if (!*na != !*nb)
		return *na ? 1 : -1;
	x = phase_order(a->pod);
	y = phase_order(b->pod);
	if (x != y)
		return x - y;
	x = pod_ready(a->pod);
	y = pod_ready(b->pod);
	if (x != y)
		return x - y;
	if (a->rank != b->rank)
		return a->rank > b->rank ? -1 : 1;
	if (x && y) {
		json_t *ca = ctrl_condition(a->pod, "Ready");
		json_t *cb = ctrl_condition(b->pod, "Ready");
		int t = cmp_time_newer_first(cj_str(ca, "lastTransitionTime"),
					     cj_str(cb, "lastTransitionTime"));

		if (t)
			return t;
	}
	if (restarts(a->pod) != restarts(b->pod))
		return restarts(a->pod) > restarts(b->pod) ? -1 : 1;
	x = cmp_time_newer_first(meta_s(a->pod, "creationTimestamp"),
				 meta_s(b->pod, "creationTimestamp"));
	if (x)
		return x;
	return strcmp(meta_s(a->pod, "name"), meta_s(b->pod, "name"));
}

void pods_rank_for_deletion(json_t *pods)
{
	size_t n = json_array_size(pods), i, j;
	_cleanup_json_ json_t *per_node = json_object();
	_cleanup_free_ struct ranked *v = calloc(n + 1, sizeof(*v));

	if (!v || !per_node)
		return;
	for (i = 0; i < n; i++) {
		const char *node =
		    cj_str(json_array_get(pods, i), "spec.nodeName");

		if (node && *node)
			json_object_set_new(
			    per_node, node,
			    json_integer(json_integer_value(
					     json_object_get(per_node, node)) +
					 1));
	}
	for (i = 0; i < n; i++) {
		const char *node;

		v[i].pod = json_incref(json_array_get(pods, i));
		node = cj_str(v[i].pod, "spec.nodeName");
		v[i].rank = node && *node ? (long)json_integer_value(
						json_object_get(per_node, node))
					  : 0;
	}
	qsort(v, n, sizeof(*v), cmp_ranked);
	json_array_clear(pods);
	for (j = 0; j < n; j++)
		json_array_append_new(pods, v[j].pod);
}
