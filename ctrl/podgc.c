/*
 * podgc.c — the pod garbage collector (pkg/controller/podgc), every
 * PODGC_PERIOD_MS:
 *  - terminated pods (Succeeded, Failed) beyond
 *    --terminated-pod-gc-threshold are deleted, oldest first (0 turns
 *    this off);
 *  - pods bound to a node that does not exist (checked by a live read,
 *    not only the cache) are deleted at once (grace 0);
 *  - terminating pods that no node runs (unbound) are deleted at once.
 */
#include "ctrl/ctrl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "ctrl/meta.h"

#define PODGC_PERIOD_MS 20000
#define PODGC_KEY "podgc"

struct podgc {
	struct ctrl_ctx *ctx;
	struct informer *pods, *nodes;
	struct ctrl_loop loop;
	const struct kind_info *k_pod, *k_node;
};

static void force_delete(struct podgc *s, const json_t *pod, const char *why)
{
	_cleanup_json_ json_t *opts =
	    json_pack("{s:i, s:{s:s}}", "gracePeriodSeconds", 0,
		      "preconditions", "uid", meta_s(pod, "uid"));

	ctrl_logf(s->ctx, "podgc: deleting pod %s/%s: %s",
		  meta_s(pod, "namespace"), meta_s(pod, "name"), why);
	client_delete_with(s->ctx->c, s->k_pod, meta_s(pod, "namespace"),
			   meta_s(pod, "name"), opts, NULL);
}

static int cmp_created(const void *a, const void *b)
{
	time_t x = ctrl_time(meta_s(*(json_t *const *)a, "creationTimestamp"));
	time_t y = ctrl_time(meta_s(*(json_t *const *)b, "creationTimestamp"));

	return (x > y) - (x < y);
}

static void gc_terminated(struct podgc *s, const json_t *pods)
{
	long threshold = s->ctx->opts.terminated_pod_gc_threshold;
	size_t n = 0, i;
	_cleanup_free_ json_t **v = NULL;
	json_t *pod;

	if (threshold <= 0)
		return;
	v = calloc(json_array_size(pods) + 1, sizeof(*v));
	if (!v)
		return;
	json_array_foreach (pods, i, pod) {
		const char *phase = cj_str(pod, "status.phase") ?: "";

		if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
			v[n++] = pod;
	}
	if ((long)n <= threshold)
		return;
	qsort(v, n, sizeof(*v), cmp_created);
	for (i = 0; i < n - (size_t)threshold; i++)
		force_delete(s, v[i], "terminated pods over the threshold");
}

static void gc_orphaned(struct podgc *s, const json_t *pods)
{
	size_t i;
	json_t *pod;

	json_array_foreach (pods, i, pod) {
		const char *node = cj_str(pod, "spec.nodeName") ?: "";
		_cleanup_json_ json_t *n = NULL;

		if (!*node) {
			if (ctrl_deleting(pod))
				force_delete(s, pod,
					     "terminating and "
					     "unscheduled");
			continue;
		}
		if (informer_get(s->nodes, node, &n) == 0)
			continue;
		if (client_get(s->ctx->c, s->k_node, NULL, node, NULL, &n) ==
		    -ENOENT)
			force_delete(s, pod, "its node does not exist");
	}
}

static int sync_podgc(void *ud, const char *key)
{
	struct podgc *s = ud;
	_cleanup_json_ json_t *pods = NULL;

	if (informer_list(s->pods, &pods) == 0) {
		gc_terminated(s, pods);
		gc_orphaned(s, pods);
	}
	ctrl_loop_add(&s->loop, PODGC_KEY, PODGC_PERIOD_MS);
	return 0;
}

static void podgc_free(void *state)
{
	struct podgc *s = state;

	if (!s)
		return;
	ctrl_loop_release(&s->loop);
	free(s);
}

int podgc_setup(struct ctrl_ctx *ctx, struct controller *c)
{
	struct podgc *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->k_pod = kinds_by_path("core", "v1", "pods");
	s->k_node = kinds_by_path("core", "v1", "nodes");
	r = ctrl_loop_init(&s->loop, ctx, "podgc", sync_podgc, s);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "pods", &s->pods);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "nodes", &s->nodes);
	if (r < 0) {
		podgc_free(s);
		return r;
	}
	s->loop.workers = 1;
	ctrl_loop_add(&s->loop, PODGC_KEY, 0);
	c->state = s;
	c->free = podgc_free;
	c->loops[c->nloops++] = &s->loop;
	return 0;
}
