/*
 * gc.c — the garbage collector (pkg/controller/garbagecollector).
 *
 * The graph: every object of the watched kinds with its ownerReferences,
 * and a reverse index owner uid -> dependents, kept by the informers'
 * handlers. Work items are objects ("RESOURCE_PATH|ns/name"):
 *
 *  - an object being deleted with the "orphan" finalizer: its dependents
 *    lose their references to it, then the finalizer goes;
 *  - one being deleted with "foregroundDeletion": its dependents are
 *    deleted; once none with blockOwnerDeletion is left, the finalizer
 *    goes;
 *  - one with ownerReferences: each owner is solid (exists, same uid),
 *    dangling (gone: confirmed by a live read, never by a cache that may
 *    lag) or waiting (being deleted in the foreground). With a solid
 *    owner, dangling and waiting references are removed. Without one, the
 *    object is deleted: in the foreground when a waiting owner needs its
 *    own dependents gone first, else as its own finalizers say
 *    (Background by default).
 *
 * Cycles: an object whose owner waits for it while one of its own
 * dependents waits too makes its references non-blocking first (as
 * Kubernetes does), so a ring of foreground deletions ends. Every step
 * is level-triggered and each object is one key in a rate-limited queue,
 * so a cycle never spins.
 */
#include "ctrl/ctrl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "ctrl/meta.h"

#define FIN_ORPHAN "orphan"
#define FIN_FOREGROUND "foregroundDeletion"

/* The kinds whose objects own or are owned in practice. */
static const char *const watched[][3] = {
    {"core", "v1", "pods"},
    {"core", "v1", "services"},
    {"core", "v1", "endpoints"},
    {"core", "v1", "configmaps"},
    {"core", "v1", "secrets"},
    {"core", "v1", "serviceaccounts"},
    {"apps", "v1", "deployments"},
    {"apps", "v1", "replicasets"},
    {"apps", "v1", "daemonsets"},
    {"apps", "v1", "statefulsets"},
    {"batch", "v1", "jobs"},
    {"batch", "v1", "cronjobs"},
    {"discovery.k8s.io", "v1", "endpointslices"},
};
#define NWATCHED (sizeof(watched) / sizeof(watched[0]))

struct gc;

struct gc_kind {
	struct gc *gc;
	const struct kind_info *k;
	struct informer *inf;
};

struct gc {
	struct ctrl_ctx *ctx;
	struct ctrl_loop loop;
	struct gc_kind kinds[NWATCHED];
	pthread_mutex_t lock;
	json_t *deps; /* owner uid -> {item key: true} */
};

/* ---- item keys ---- */

static char *item_key(const struct gc_kind *gk, const json_t *obj)
{
	char *key;

	if (asprintf(&key, "%s/%s/%s|%s%s%s", gk->k->path_group, gk->k->version,
		     gk->k->resource, meta_s(obj, "namespace"),
		     *meta_s(obj, "namespace") ? "/" : "",
		     meta_s(obj, "name")) < 0)
		return NULL;
	return key;
}

/* The kind of an item key and its informer key (borrowed from key). */
static struct gc_kind *item_kind(struct gc *gc, const char *key,
				 const char **ret_obj_key)
{
	const char *bar = strchr(key, '|');

	if (!bar)
		return NULL;
	for (size_t i = 0; i < NWATCHED; i++) {
		const struct kind_info *k = gc->kinds[i].k;
		char path[256];

		snprintf(path, sizeof(path), "%s/%s/%s", k->path_group,
			 k->version, k->resource);
		if (strlen(path) == (size_t)(bar - key) &&
		    !strncmp(path, key, bar - key)) {
			*ret_obj_key = bar + 1;
			return &gc->kinds[i];
		}
	}
	return NULL;
}

static struct gc_kind *kind_of_ref(struct gc *gc, const json_t *ref)
{
	const struct kind_info *k = kinds_by_gvk(
	    cj_str(ref, "apiVersion") ?: "", cj_str(ref, "kind") ?: "");

	for (size_t i = 0; k && i < NWATCHED; i++)
		if (gc->kinds[i].k == k)
			return &gc->kinds[i];
	return NULL;
}

/* ---- the dependents index ---- */

static void index_refs(struct gc *gc, const char *key, const json_t *obj,
		       bool add)
{
	size_t i;
	json_t *ref;

	json_array_foreach (cj_get(obj, "metadata.ownerReferences"), i, ref) {
		const char *uid = cj_str(ref, "uid");
		json_t *set;

		if (!uid)
			continue;
		set = json_object_get(gc->deps, uid);
		if (add) {
			if (!set) {
				set = json_object();
				json_object_set_new(gc->deps, uid, set);
			}
			json_object_set_new(set, key, json_true());
		} else if (set) {
			json_object_del(set, key);
			if (!json_object_size(set))
				json_object_del(gc->deps, uid);
		}
	}
}

/* A copy of the dependents' item keys of uid (an object, owned). */
static json_t *dependents(struct gc *gc, const char *uid)
{
	json_t *set;

	pthread_mutex_lock(&gc->lock);
	set = json_object_get(gc->deps, uid);
	set = set ? json_deep_copy(set) : json_object();
	pthread_mutex_unlock(&gc->lock);
	return set;
}

static bool attention(const json_t *obj)
{
	return json_array_size(cj_get(obj, "metadata.ownerReferences")) ||
	       (ctrl_deleting(obj) &&
		json_array_size(cj_get(obj, "metadata.finalizers")));
}

static void enqueue_deps(struct gc *gc, const char *uid)
{
	_cleanup_json_ json_t *deps = dependents(gc, uid);
	const char *k;
	json_t *v;

	json_object_foreach (deps, k, v)
		ctrl_loop_add(&gc->loop, k, 0);
}

static void on_add(void *ud, const json_t *obj)
{
	struct gc_kind *gk = ud;
	_cleanup_free_ char *key = item_key(gk, obj);

	if (!key)
		return;
	pthread_mutex_lock(&gk->gc->lock);
	index_refs(gk->gc, key, obj, true);
	pthread_mutex_unlock(&gk->gc->lock);
	if (attention(obj))
		ctrl_loop_add(&gk->gc->loop, key, 0);
	if (ctrl_deleting(obj))
		enqueue_deps(gk->gc, meta_s(obj, "uid"));
}

static void on_update(void *ud, const json_t *old, const json_t *obj)
{
	struct gc_kind *gk = ud;
	_cleanup_free_ char *key = item_key(gk, obj);

	if (!key || json_equal(cj_get(old, "metadata.resourceVersion"),
			       cj_get(obj, "metadata.resourceVersion")))
		return;
	pthread_mutex_lock(&gk->gc->lock);
	index_refs(gk->gc, key, old, false);
	index_refs(gk->gc, key, obj, true);
	pthread_mutex_unlock(&gk->gc->lock);
	on_add(ud, obj);
}

static void on_delete(void *ud, const json_t *obj)
{
	struct gc_kind *gk = ud;
	_cleanup_free_ char *key = item_key(gk, obj);
	size_t i;
	json_t *ref;

	if (!key)
		return;
	pthread_mutex_lock(&gk->gc->lock);
	index_refs(gk->gc, key, obj, false);
	pthread_mutex_unlock(&gk->gc->lock);
	/* its dependents may be dangling now */
	enqueue_deps(gk->gc, meta_s(obj, "uid"));
	/* an owner deleting in the foreground may be done waiting */
	json_array_foreach (cj_get(obj, "metadata.ownerReferences"), i, ref) {
		struct gc_kind *ok = kind_of_ref(gk->gc, ref);
		_cleanup_free_ char *okey = NULL;

		if (ok &&
		    asprintf(&okey, "%s/%s/%s|%s%s%s", ok->k->path_group,
			     ok->k->version, ok->k->resource,
			     ok->k->namespaced ? meta_s(obj, "namespace") : "",
			     ok->k->namespaced ? "/" : "",
			     cj_str(ref, "name") ?: "") >= 0)
			ctrl_loop_add(&gk->gc->loop, okey, 0);
	}
}

/* ---- writes ---- */

static bool has_fin(const json_t *obj, const char *f)
{
	size_t i;
	json_t *v;

	json_array_foreach (cj_get(obj, "metadata.finalizers"), i, v)
		if (!strcmp(json_string_value(v) ?: "", f))
			return true;
	return false;
}

/* Patch obj's metadata.FIELD to value, if obj is unchanged since read. */
static int patch_meta(struct gc *gc, const struct gc_kind *gk,
		      const json_t *obj, const char *field, json_t *value)
{
	_cleanup_json_ json_t *patch =
	    json_pack("{s:{s:o, s:s}}", "metadata", field, value,
		      "resourceVersion", meta_s(obj, "resourceVersion"));
	int r;

	if (!patch)
		return -ENOMEM;
	r = client_patch(gc->ctx->c, gk->k, meta_s(obj, "namespace"),
			 meta_s(obj, "name"), patch, NULL, NULL);
	return r == -ENOENT ? 0 : r;
}

static int remove_finalizer(struct gc *gc, const struct gc_kind *gk,
			    const json_t *obj, const char *f)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach (cj_get(obj, "metadata.finalizers"), i, v)
		if (strcmp(json_string_value(v) ?: "", f))
			json_array_append(out, v);
	return patch_meta(gc, gk, obj, "finalizers", out);
}

/* ownerReferences without the uids in drop; unblock: all non-blocking */
static int rewrite_refs(struct gc *gc, const struct gc_kind *gk,
			const json_t *obj, const json_t *drop, bool unblock)
{
	json_t *out = json_array(), *ref;
	size_t i;

	json_array_foreach (cj_get(obj, "metadata.ownerReferences"), i, ref) {
		json_t *c;

		if (drop && json_object_get(drop, cj_str(ref, "uid") ?: ""))
			continue;
		c = json_deep_copy(ref);
		if (unblock)
			json_object_set_new(c, "blockOwnerDeletion",
					    json_false());
		json_array_append_new(out, c);
	}
	return patch_meta(gc, gk, obj, "ownerReferences", out);
}

/* Delete obj as the collector saw it: the uid and resourceVersion are
 * preconditions, so an object changed since (its owner references
 * dropped by an orphaning, say) is left to be judged again on its next
 * event rather than deleted on a stale view (Kubernetes' collector reads
 * the object again before it deletes, for the same reason). */
static int delete_item(struct gc *gc, const struct gc_kind *gk,
		       const json_t *obj, const char *policy)
{
	_cleanup_json_ json_t *opts =
	    json_pack("{s:s, s:{s:s}}", "propagationPolicy", policy,
		      "preconditions", "uid", meta_s(obj, "uid"));
	const char *rv = meta_s(obj, "resourceVersion");
	struct kf_error err;
	int r;

	if (!opts)
		return -ENOMEM;
	if (*rv)
		json_object_set_new(json_object_get(opts, "preconditions"),
				    "resourceVersion", json_string(rv));
	kf_error_init(&err);
	r = client_delete_with(gc->ctx->c, gk->k, meta_s(obj, "namespace"),
			       meta_s(obj, "name"), opts, &err);
	if (r == -ENOENT || r == -ESTALE)
		return 0; /* gone, or changed: its next event says */
	if (r < 0)
		ctrl_logf(gc->ctx, "garbagecollector: deleting %s %s/%s: %s",
			  gk->k->resource, meta_s(obj, "namespace"),
			  meta_s(obj, "name"),
			  err.code ? err.msg : strerror(-r));
	return r;
}

/* ---- the work ---- */

static json_t *get_item(struct gc *gc, const char *key,
			struct gc_kind **ret_kind)
{
	const char *okey;
	struct gc_kind *gk = item_kind(gc, key, &okey);
	json_t *obj = NULL;

	if (!gk || informer_get(gk->inf, okey, &obj) < 0)
		return NULL;
	*ret_kind = gk;
	return obj;
}

/* Orphan: drop the references to obj from each dependent. */
static int orphan_dependents(struct gc *gc, const json_t *obj)
{
	_cleanup_json_ json_t *deps = dependents(gc, meta_s(obj, "uid"));
	_cleanup_json_ json_t *drop = json_pack("{s:b}", meta_s(obj, "uid"), 1);
	const char *k;
	json_t *v;

	json_object_foreach (deps, k, v) {
		struct gc_kind *dk;
		_cleanup_json_ json_t *dep = get_item(gc, k, &dk);
		int r;

		if (!dep)
			continue;
		r = rewrite_refs(gc, dk, dep, drop, false);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool blocks(const json_t *dep, const char *uid)
{
	size_t i;
	json_t *ref;

	json_array_foreach (cj_get(dep, "metadata.ownerReferences"), i, ref)
		if (!strcmp(cj_str(ref, "uid") ?: "", uid) &&
		    json_is_true(json_object_get(ref, "blockOwnerDeletion")))
			return true;
	return false;
}

/* Foreground: wake the dependents; done when none blocks any more. */
static int foreground(struct gc *gc, struct gc_kind *gk, const json_t *obj)
{
	_cleanup_json_ json_t *deps = dependents(gc, meta_s(obj, "uid"));
	bool blocked = false;
	const char *k;
	json_t *v;

	json_object_foreach (deps, k, v) {
		struct gc_kind *dk;
		_cleanup_json_ json_t *dep = get_item(gc, k, &dk);

		if (!dep)
			continue;
		if (blocks(dep, meta_s(obj, "uid")))
			blocked = true;
		if (!ctrl_deleting(dep))
			ctrl_loop_add(&gc->loop, k, 0);
	}
	if (blocked)
		return 0; /* a dependent's deletion queues us again */
	return remove_finalizer(gc, gk, obj, FIN_FOREGROUND);
}

enum owner_state { OWNER_SOLID, OWNER_DANGLING, OWNER_WAITING };

static enum owner_state owner_state(struct gc *gc, const json_t *obj,
				    const json_t *ref)
{
	struct gc_kind *ok = kind_of_ref(gc, ref);
	const struct kind_info *k =
	    ok ? ok->k
	       : kinds_by_gvk(cj_str(ref, "apiVersion") ?: "",
			      cj_str(ref, "kind") ?: "");
	_cleanup_json_ json_t *owner = NULL;
	_cleanup_free_ char *okey = NULL;
	const char *ns = meta_s(obj, "namespace");
	const char *name = cj_str(ref, "name") ?: "";
	const char *uid = cj_str(ref, "uid") ?: "";

	if (!k)
		return OWNER_DANGLING; /* a kind nobody serves */
	if (ok && asprintf(&okey, "%s%s%s", k->namespaced ? ns : "",
			   k->namespaced ? "/" : "", name) >= 0)
		informer_get(ok->inf, okey, &owner);
	if (!owner || strcmp(meta_s(owner, "uid"), uid)) {
		/* the cache may lag: ask the tree */
		json_decref(owner);
		owner = NULL;
		if (client_get(gc->ctx->c, k, k->namespaced ? ns : NULL, name,
			       NULL, &owner) < 0 ||
		    strcmp(meta_s(owner, "uid"), uid))
			return OWNER_DANGLING;
	}
	if (ctrl_deleting(owner) && has_fin(owner, FIN_FOREGROUND))
		return OWNER_WAITING;
	return OWNER_SOLID;
}

/* Does any dependent of obj wait for its own dependents (a cycle)? */
static bool dependent_waits(struct gc *gc, const json_t *obj)
{
	_cleanup_json_ json_t *deps = dependents(gc, meta_s(obj, "uid"));
	const char *k;
	json_t *v;

	json_object_foreach (deps, k, v) {
		struct gc_kind *dk;
		_cleanup_json_ json_t *dep = get_item(gc, k, &dk);

		if (dep && ctrl_deleting(dep) && has_fin(dep, FIN_FOREGROUND))
			return true;
	}
	return false;
}

static int owned(struct gc *gc, struct gc_kind *gk, const json_t *obj)
{
	_cleanup_json_ json_t *gone = json_object();
	size_t i, solid = 0, waiting = 0;
	json_t *ref, *deps;
	bool has_deps;

	json_array_foreach (cj_get(obj, "metadata.ownerReferences"), i, ref) {
		switch (owner_state(gc, obj, ref)) {
		case OWNER_SOLID:
			solid++;
			break;
		case OWNER_WAITING:
			waiting++;
			/* fall through */
		case OWNER_DANGLING:
			json_object_set_new(gone, cj_str(ref, "uid") ?: "",
					    json_true());
			break;
		}
	}
	if (solid)
		return json_object_size(gone)
			   ? rewrite_refs(gc, gk, obj, gone, false)
			   : 0;
	deps = dependents(gc, meta_s(obj, "uid"));
	has_deps = json_object_size(deps) > 0;
	json_decref(deps);
	if (waiting && has_deps) {
		if (dependent_waits(gc, obj)) {
			int r = rewrite_refs(gc, gk, obj, NULL, true);

			if (r < 0)
				return r;
		}
		return delete_item(gc, gk, obj, "Foreground");
	}
	return delete_item(gc, gk, obj,
			   has_fin(obj, FIN_ORPHAN)	  ? "Orphan"
			   : has_fin(obj, FIN_FOREGROUND) ? "Foreground"
							  : "Background");
}

static int sync_item(void *ud, const char *key)
{
	struct gc *gc = ud;
	struct gc_kind *gk = NULL;
	_cleanup_json_ json_t *obj = get_item(gc, key, &gk);
	int r;

	if (!obj)
		return 0;
	if (ctrl_deleting(obj)) {
		if (has_fin(obj, FIN_ORPHAN)) {
			r = orphan_dependents(gc, obj);
			return r < 0
				   ? r
				   : remove_finalizer(gc, gk, obj, FIN_ORPHAN);
		}
		if (has_fin(obj, FIN_FOREGROUND))
			return foreground(gc, gk, obj);
		return 0;
	}
	if (!json_array_size(cj_get(obj, "metadata.ownerReferences")))
		return 0;
	return owned(gc, gk, obj);
}

static void gc_free(void *state)
{
	struct gc *gc = state;

	if (!gc)
		return;
	ctrl_loop_release(&gc->loop);
	json_decref(gc->deps);
	pthread_mutex_destroy(&gc->lock);
	free(gc);
}

int gc_setup(struct ctrl_ctx *ctx, struct controller *c)
{
	struct gc *gc = calloc(1, sizeof(*gc));
	int r;

	if (!gc)
		return -ENOMEM;
	gc->ctx = ctx;
	gc->deps = json_object();
	pthread_mutex_init(&gc->lock, NULL);
	r = gc->deps ? ctrl_loop_init(&gc->loop, ctx, "garbagecollector",
				      sync_item, gc)
		     : -ENOMEM;
	for (size_t i = 0; r == 0 && i < NWATCHED; i++) {
		struct gc_kind *gk = &gc->kinds[i];
		struct informer_handlers h = {on_add, on_update, on_delete, gk};

		gk->gc = gc;
		gk->k =
		    kinds_by_path(watched[i][0], watched[i][1], watched[i][2]);
		if (!gk->k) {
			r = -ENOENT;
			break;
		}
		r = ctrl_informer(ctx, watched[i][0], watched[i][1],
				  watched[i][2], &gk->inf);
		if (r == 0)
			r = informer_add_handlers(gk->inf, &h);
	}
	return controller_fill(c, r, gc, gc_free, &gc->loop);
}
