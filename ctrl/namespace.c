/*
 * namespace.c — the namespace controller (pkg/controller/namespace).
 *
 * `rm core/v1/namespaces/NAME` makes the API server mark the namespace
 * Terminating and delete what is in it; objects with finalizers (or pods
 * still terminating on their nodes) stay until they finish. This
 * controller keeps at it while the namespace is Terminating: it deletes
 * whatever is still there and not yet being deleted (objects created in
 * a race); once nothing is left it removes the `kubernetes` spec
 * finalizer through NAME@finalize, and the server then removes the
 * namespace. Progress shows in the namespace's conditions, as Kubernetes
 * does:
 *
 *   NamespaceDeletionDiscoveryFailure   False  ResourcesDiscovered
 *   NamespaceDeletionGroupVersionParsingFailure False ParsedGroupVersions
 *   NamespaceDeletionContentFailure     True   ContentDeletionFailed (a
 *                                              delete failed) or False
 *   NamespaceContentRemaining           True   SomeResourcesRemain
 *                                              ("pods. has 2 resource
 *                                              instances") or False
 *   NamespaceFinalizersRemaining        True   SomeFinalizersRemain
 *                                              ("example.com/x in 1
 *                                              resource instances") or
 *                                              False
 *
 * It looks again every NS_RECHECK_MS until nothing remains.
 */
#include "ctrl/ctrl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "ctrl/meta.h"

#define NS_RECHECK_MS 2000

struct nsc {
	struct ctrl_ctx *ctx;
	struct informer *nss;
	struct ctrl_loop loop;
	const struct kind_info *k_ns;
};

struct content {
	json_t *remaining;  /* resource -> count */
	json_t *finalizers; /* finalizer -> count */
	char failed[512];   /* the first delete error */
};

static void count(json_t *map, const char *key)
{
	json_object_set_new(
	    map, key,
	    json_integer(json_integer_value(json_object_get(map, key)) + 1));
}

/* Delete what is left of kind k in ns; count what remains. */
static void sweep_kind(struct nsc *s, const struct kind_info *k, const char *ns,
		       struct content *ct)
{
	_cleanup_json_ json_t *items = NULL;
	char res[160];
	size_t i, j;
	json_t *obj, *f;

	if (client_list(s->ctx->c, k, ns, NULL, NULL, NULL, &items, NULL) < 0)
		return;
	snprintf(res, sizeof(res), "%s.%s", k->resource, k->group);
	json_array_foreach (items, i, obj) {
		struct kf_error err;
		int r;

		count(ct->remaining, res);
		json_array_foreach (cj_get(obj, "metadata.finalizers"), j, f)
			count(ct->finalizers, json_string_value(f) ?: "");
		if (ctrl_deleting(obj))
			continue;
		kf_error_init(&err);
		r = client_delete(s->ctx->c, k, ns, meta_s(obj, "name"), &err);
		if (r < 0 && r != -ENOENT && !ct->failed[0])
			snprintf(ct->failed, sizeof(ct->failed), "%.500s",
				 err.code ? err.msg : strerror(-r));
	}
}

/* "pods. has 2 resource instances, ..." from a map. */
static void describe(const json_t *map, const char *fmt, char *buf, size_t size)
{
	const char *k;
	json_t *v;
	size_t len = 0;

	buf[0] = '\0';
	json_object_foreach ((json_t *)map, k, v) {
		len += snprintf(buf + len, len < size ? size - len : 0, "%s",
				len ? ", " : "");
		len += snprintf(buf + len, len < size ? size - len : 0, fmt, k,
				(long long)json_integer_value(v));
	}
}

static json_t *cond(const char *type, bool status, const char *reason,
		    const char *msg, const json_t *old_status)
{
	json_t *old = NULL, *x;
	char now[RFC3339_MAX];
	size_t i;

	json_array_foreach (json_object_get(old_status, "conditions"), i, x)
		if (!strcmp(cj_str(x, "type") ?: "", type))
			old = x;
	ctrl_now(now);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "status",
			 status ? "True" : "False", "lastTransitionTime",
			 old && !strcmp(cj_str(old, "status") ?: "",
					status ? "True" : "False")
			     ? cj_str(old, "lastTransitionTime") ?: now
			     : now,
			 "reason", reason, "message", msg);
}

static int write_conditions(struct nsc *s, const json_t *ns,
			    const struct content *ct)
{
	json_t *old = json_object_get(ns, "status");
	_cleanup_json_ json_t *n = json_deep_copy(ns), *conds = json_array();
	char rem[1024], fin[1024], msg[1200];

	if (!n || !conds)
		return -ENOMEM;
	describe(ct->remaining, "%s has %lld resource instances", rem,
		 sizeof(rem));
	describe(ct->finalizers, "%s in %lld resource instances", fin,
		 sizeof(fin));
	json_array_append_new(
	    conds, cond("NamespaceDeletionDiscoveryFailure", false,
			"ResourcesDiscovered",
			"All resources successfully discovered", old));
	json_array_append_new(
	    conds, cond("NamespaceDeletionGroupVersionParsingFailure", false,
			"ParsedGroupVersions",
			"All legacy kube types successfully parsed", old));
	snprintf(msg, sizeof(msg),
		 "Failed to delete all resource types, 1 remaining: %s",
		 ct->failed);
	json_array_append_new(
	    conds,
	    ct->failed[0]
		? cond("NamespaceDeletionContentFailure", true,
		       "ContentDeletionFailed", msg, old)
		: cond("NamespaceDeletionContentFailure", false,
		       "ContentDeleted",
		       "All content successfully deleted, may be waiting on "
		       "finalization",
		       old));
	snprintf(msg, sizeof(msg), "Some resources are remaining: %s", rem);
	json_array_append_new(
	    conds,
	    rem[0] ? cond("NamespaceContentRemaining", true,
			  "SomeResourcesRemain", msg, old)
		   : cond("NamespaceContentRemaining", false, "ContentRemoved",
			  "All content successfully removed", old));
	snprintf(msg, sizeof(msg),
		 "Some content in the namespace has finalizers remaining: %s",
		 fin);
	json_array_append_new(
	    conds,
	    fin[0] ? cond("NamespaceFinalizersRemaining", true,
			  "SomeFinalizersRemain", msg, old)
		   : cond("NamespaceFinalizersRemaining", false,
			  "ContentHasNoFinalizers",
			  "All content-preserving finalizers finished", old));
	if (json_equal(conds, json_object_get(old, "conditions")))
		return 0;
	if (!json_is_object(json_object_get(n, "status")))
		json_object_set_new(n, "status", json_object());
	json_object_set(json_object_get(n, "status"), "conditions", conds);
	json_object_del(json_object_get(n, "metadata"), "resourceVersion");
	return client_update_status(s->ctx->c, s->k_ns, n, NULL, NULL);
}

/* finalizeNamespace: the namespace is empty, so `kubernetes` leaves its
 * spec.finalizers through NAME@finalize; the API server removes the
 * namespace when none is left. */
static int finalize(struct nsc *s, const json_t *ns)
{
	_cleanup_json_ json_t *n = json_deep_copy(ns);
	json_t *f = cj_get(n, "spec.finalizers"), *v;
	bool found = false;
	size_t i;

	if (!n)
		return -ENOMEM;
	for (i = json_array_size(f); i-- > 0;) {
		v = json_array_get(f, i);
		if (!strcmp(json_string_value(v) ?: "", FINALIZER_KUBERNETES)) {
			json_array_remove(f, i);
			found = true;
		}
	}
	if (!found)
		return 0; /* finalized already */
	json_object_del(json_object_get(n, "metadata"), "resourceVersion");
	return client_finalize(s->ctx->c, s->k_ns, n, NULL, NULL);
}

static int sync_ns(void *ud, const char *name)
{
	struct nsc *s = ud;
	_cleanup_json_ json_t *ns = NULL;
	struct content ct = {0};
	int r;

	if (informer_get(s->nss, name, &ns) < 0 || !ctrl_deleting(ns))
		return 0;
	ct.remaining = json_object();
	ct.finalizers = json_object();
	if (!ct.remaining || !ct.finalizers) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < kinds_count(); i++) {
		const struct kind_info *k = kinds_at(i);

		if (k->namespaced)
			sweep_kind(s, k, name, &ct);
	}
	r = write_conditions(s, ns, &ct);
	if (r == 0 && !json_object_size(ct.remaining) && !ct.failed[0])
		r = finalize(s, ns);
	if (r == -ENOENT)
		r = 0; /* gone meanwhile: done */
	if (json_object_size(ct.remaining))
		ctrl_loop_add(&s->loop, name, NS_RECHECK_MS);
out:
	json_decref(ct.remaining);
	json_decref(ct.finalizers);
	return r;
}

static void ns_changed(void *ud, const json_t *ns)
{
	struct nsc *s = ud;

	if (ctrl_deleting(ns))
		ctrl_loop_add(&s->loop, meta_s(ns, "name"), 0);
}

static void ns_updated(void *ud, const json_t *old, const json_t *ns)
{
	if (!ctrl_deleting(old))
		ns_changed(ud, ns);
}

static void nsc_free(void *state)
{
	struct nsc *s = state;

	if (!s)
		return;
	ctrl_loop_release(&s->loop);
	free(s);
}

int namespace_setup(struct ctrl_ctx *ctx, struct controller *c)
{
	struct nsc *s = calloc(1, sizeof(*s));
	struct informer_handlers h = {ns_changed, ns_updated, NULL, s};
	int r;

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->k_ns = kinds_by_path("core", "v1", "namespaces");
	r = ctrl_loop_init(&s->loop, ctx, "namespace", sync_ns, s);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "namespaces", &s->nss);
	if (r == 0)
		r = informer_add_handlers(s->nss, &h);
	return controller_fill(c, r, s, nsc_free, &s->loop);
}
