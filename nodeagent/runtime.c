/*
 * runtime.c — the runtime interface: argument checks and dispatch to the
 * backend.
 */
#include "nodeagent/runtime_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int runtime_strdup(const char *s, char **dst)
{
	if (!s) {
		*dst = NULL;
		return 0;
	}
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

void runtime_container_status_release(struct runtime_container_status *c)
{
	free(c->name);
	free(c->image);
	free(c->image_id);
	free(c->container_id);
	free(c->reason);
	free(c->message);
	free(c->waiting_reason);
	free(c->last_reason);
	free(c->last_container_id);
}

void runtime_pod_status_free(struct runtime_pod_status *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_init; i++)
		runtime_container_status_release(&s->init_containers[i]);
	for (size_t i = 0; i < s->n_containers; i++)
		runtime_container_status_release(&s->containers[i]);
	free(s->init_containers);
	free(s->containers);
	free(s);
}

struct runtime_pod_status *runtime_pod_status_alloc(size_t n_init,
						    size_t n_containers)
{
	struct runtime_pod_status *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->init_containers = calloc(n_init + 1, sizeof(*s->init_containers));
	s->containers = calloc(n_containers + 1, sizeof(*s->containers));
	if (!s->init_containers || !s->containers) {
		runtime_pod_status_free(s);
		return NULL;
	}
	s->n_init = n_init;
	s->n_containers = n_containers;
	return s;
}

bool runtime_is_sidecar(const json_t *ctr_spec)
{
	const char *p =
	    json_string_value(json_object_get(ctr_spec, "restartPolicy"));

	return p && !strcmp(p, "Always");
}

void runtime_free(struct runtime *rt)
{
	if (!rt)
		return;
	rt->ops->free(rt);
	free(rt);
}

const char *runtime_version(const struct runtime *rt)
{
	return rt->version;
}

int runtime_start_pod(struct runtime *rt, const json_t *pod,
		      struct kf_error *err)
{
	const char *uid;

	if (!rt || !json_is_object(pod))
		return -EINVAL;
	uid = json_string_value(
	    json_object_get(json_object_get(pod, "metadata"), "uid"));
	if (!uid || !*uid)
		return kf_error_set(err, -EINVAL, "pod has no metadata.uid");
	if (!json_array_size(
		json_object_get(json_object_get(pod, "spec"), "containers")))
		return kf_error_set(err, -EINVAL,
				    "spec.containers: Required value");
	return rt->ops->start_pod(rt, pod, err);
}

int runtime_stop_pod(struct runtime *rt, const char *uid, long grace_seconds,
		     struct kf_error *err)
{
	if (!rt || !uid || !*uid)
		return -EINVAL;
	return rt->ops->stop_pod(rt, uid, grace_seconds < 0 ? 0 : grace_seconds,
				 err);
}

int runtime_remove_pod(struct runtime *rt, const char *uid)
{
	if (!rt || !uid || !*uid)
		return -EINVAL;
	return rt->ops->remove_pod(rt, uid);
}

int runtime_pod_status(struct runtime *rt, const char *uid,
		       struct runtime_pod_status **ret)
{
	if (!rt || !uid || !*uid)
		return -EINVAL;
	return rt->ops->pod_status(rt, uid, ret);
}

size_t runtime_pod_count(struct runtime *rt)
{
	return rt ? rt->ops->pod_count(rt) : 0;
}

int runtime_sync_pod(struct runtime *rt, const json_t *pod,
		     uint64_t *ret_next_ms)
{
	*ret_next_ms = 0;
	if (!rt || !json_is_object(pod))
		return -EINVAL;
	return rt->ops->sync_pod ? rt->ops->sync_pod(rt, pod, ret_next_ms) : 0;
}

int runtime_gc_images(struct runtime *rt, const struct imagegc_policy *p,
		      char *msg, size_t size)
{
	if (!rt || !p)
		return -EINVAL;
	return rt->ops->gc_images ? rt->ops->gc_images(rt, p, msg, size) : 0;
}

int runtime_pod_usage(struct runtime *rt, const char *uid, json_t **ret)
{
	if (!rt || !uid || !*uid)
		return -EINVAL;
	return rt->ops->pod_usage ? rt->ops->pod_usage(rt, uid, ret) : -ENOTSUP;
}

int runtime_list_pods(struct runtime *rt, json_t **ret)
{
	if (!rt)
		return -EINVAL;
	if (rt->ops->list_pods)
		return rt->ops->list_pods(rt, ret);
	*ret = json_array();
	return *ret ? 0 : -ENOMEM;
}

int runtime_container_status_copy(const struct runtime_container_status *src,
				  struct runtime_container_status *dst)
{
	*dst = *src;
	dst->name = dst->image = dst->image_id = dst->container_id = NULL;
	dst->reason = dst->message = dst->waiting_reason = NULL;
	dst->last_reason = dst->last_container_id = NULL;
	if (runtime_strdup(src->name, &dst->name) < 0 ||
	    runtime_strdup(src->image, &dst->image) < 0 ||
	    runtime_strdup(src->image_id, &dst->image_id) < 0 ||
	    runtime_strdup(src->container_id, &dst->container_id) < 0 ||
	    runtime_strdup(src->reason, &dst->reason) < 0 ||
	    runtime_strdup(src->message, &dst->message) < 0 ||
	    runtime_strdup(src->waiting_reason, &dst->waiting_reason) < 0 ||
	    runtime_strdup(src->last_reason, &dst->last_reason) < 0 ||
	    runtime_strdup(src->last_container_id, &dst->last_container_id) < 0)
		return -ENOMEM;
	return 0;
}
