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

static void container_status_release(struct runtime_container_status *c)
{
	free(c->name);
	free(c->image);
	free(c->image_id);
	free(c->container_id);
	free(c->reason);
}

void runtime_pod_status_free(struct runtime_pod_status *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_init; i++)
		container_status_release(&s->init_containers[i]);
	for (size_t i = 0; i < s->n_containers; i++)
		container_status_release(&s->containers[i]);
	free(s->init_containers);
	free(s->containers);
	free(s);
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
	if (!rt || !json_is_object(pod))
		return -EINVAL;
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
