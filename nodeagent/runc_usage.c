/*
 * runc_usage.c — the resource usage of a pod's running containers, from
 * their cgroups, for the resource metrics (agent_metrics.c).
 */
#include "nodeagent/runc_i.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "nodeagent/cgstats.h"

static void ctr_usage(const struct runc_pod *p, const struct runc_ctr *cs,
		      size_t n, json_t *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct runc_ctr *c = &cs[i];
		struct cgstats st;
		char path[2400];

		if (c->st.state != RUNTIME_RUNNING || !c->id[0])
			continue;
		snprintf(path, sizeof(path), "%s/%s", p->cgroup, c->id);
		if (cgstats_read("/sys/fs/cgroup", path, &st) < 0)
			continue;
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:I, s:I}", "name", c->st.name,
				   "id", c->id, "cpu_ns", (json_int_t)st.cpu_ns,
				   "working_set", (json_int_t)st.working_set));
	}
}

int runc_pod_usage(struct runtime *rt, const char *uid, json_t **ret)
{
	struct runc *rc = runc_of(rt);
	struct runc_pod *p;
	json_t *out = json_array();
	int r = 0;

	if (!out)
		return -ENOMEM;
	/* rc->lock until the pod's own is held: it cannot be freed under
	 * us (runtime_remove_pod() takes both); a pod busy (a start, a
	 * hook, a stop) is not waited for */
	pthread_mutex_lock(&rc->lock);
	p = strmap_get(&rc->pods, uid);
	if (!p)
		r = -ENOENT;
	else if (pthread_mutex_trylock(&p->lock))
		r = -EBUSY;
	pthread_mutex_unlock(&rc->lock);
	if (r < 0) {
		json_decref(out);
		return r;
	}
	ctr_usage(p, p->init, p->n_init, out); /* sidecars */
	ctr_usage(p, p->ctrs, p->n_ctrs, out);
	pthread_mutex_unlock(&p->lock);
	*ret = out;
	return 0;
}
