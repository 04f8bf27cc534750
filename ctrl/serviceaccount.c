/*
 * serviceaccount.c — the ServiceAccount controller
 * (pkg/controller/serviceaccount): every active namespace has a
 * ServiceAccount named "default"; one deleted is made again.
 */
#include "ctrl/ctrl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "ctrl/meta.h"

struct sac {
	struct ctrl_ctx *ctx;
	struct informer *ns, *sa;
	struct ctrl_loop loop;
	const struct kind_info *k_sa;
};

static void ns_added(void *ud, const json_t *ns)
{
	struct sac *s = ud;

	ctrl_loop_add(&s->loop, meta_s(ns, "name"), 0);
}

static void ns_updated(void *ud, const json_t *old, const json_t *ns)
{
	ns_added(ud, ns);
}

static void sa_deleted(void *ud, const json_t *sa)
{
	struct sac *s = ud;

	if (!strcmp(meta_s(sa, "name"), "default"))
		ctrl_loop_add(&s->loop, meta_s(sa, "namespace"), 0);
}

static int sync_ns(void *ud, const char *name)
{
	struct sac *s = ud;
	_cleanup_json_ json_t *ns = NULL, *sa = NULL, *obj = NULL;
	_cleanup_free_ char *key = NULL;
	struct kf_error err;
	int r;

	if (informer_get(s->ns, name, &ns) < 0 || ctrl_deleting(ns) ||
	    strcmp(cj_str(ns, "status.phase") ?: "Active", "Active"))
		return 0;
	if (asprintf(&key, "%s/default", name) < 0)
		return -ENOMEM;
	if (informer_get(s->sa, key, &sa) == 0)
		return 0;
	obj = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind",
			"ServiceAccount", "metadata", "name", "default",
			"namespace", name);
	if (!obj)
		return -ENOMEM;
	kf_error_init(&err);
	r = client_create(s->ctx->c, s->k_sa, name, obj, &err, NULL);
	if (r == -EEXIST || r == -ENOENT)
		return 0; /* made meanwhile, or the namespace is going */
	if (r < 0)
		ctrl_logf(s->ctx, "serviceaccount %s/default: %s", name,
			  err.code ? err.msg : strerror(-r));
	return r;
}

static void sac_free(void *state)
{
	struct sac *s = state;

	if (!s)
		return;
	ctrl_loop_release(&s->loop);
	free(s);
}

int serviceaccount_setup(struct ctrl_ctx *ctx, struct controller *c)
{
	struct sac *s = calloc(1, sizeof(*s));
	struct informer_handlers nh = {ns_added, ns_updated, NULL, s};
	struct informer_handlers sh = {NULL, NULL, sa_deleted, s};
	int r;

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->k_sa = kinds_by_path("core", "v1", "serviceaccounts");

	r = ctrl_loop_init(&s->loop, ctx, "serviceaccount", sync_ns, s);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "namespaces", &s->ns);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "serviceaccounts", &s->sa);
	if (r == 0)
		r = informer_add_handlers(s->ns, &nh);
	if (r == 0)
		r = informer_add_handlers(s->sa, &sh);
	return controller_fill(c, r, s, sac_free, &s->loop);
}
