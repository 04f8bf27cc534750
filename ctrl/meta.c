/*
 * meta.c — object helpers shared by the controllers (see meta.h).
 */
#include "ctrl/meta.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "client/client.h"
#include "client/informer.h"

json_t *cj_get(const json_t *obj, const char *path)
{
	const json_t *cur = obj;
	char part[128];

	while (cur && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		cur = json_object_get(cur, part);
		path += n + (dot ? 1 : 0);
	}
	return (json_t *)cur;
}

const char *cj_str(const json_t *obj, const char *path)
{
	return json_string_value(cj_get(obj, path));
}

long long cj_int(const json_t *obj, const char *path, long long def)
{
	json_t *v = cj_get(obj, path);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

const char *meta_s(const json_t *obj, const char *field)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), field));

	return s ? s : "";
}

json_t *ctrl_new_controller_ref(const json_t *owner)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "apiVersion",
			 cj_str(owner, "apiVersion") ?: "", "kind",
			 cj_str(owner, "kind") ?: "", "name",
			 meta_s(owner, "name"), "uid", meta_s(owner, "uid"),
			 "controller", 1, "blockOwnerDeletion", 1);
}

bool ctrl_deleting(const json_t *obj)
{
	return *meta_s(obj, "deletionTimestamp") != '\0';
}

int ctrl_label_selector(const json_t *ls, struct label_selector **ret)
{
	*ret = NULL;
	if (!json_is_object(ls))
		return -ENOENT;
	return label_selector_from_api(ls, NULL, ret);
}

bool ctrl_selects(const json_t *ls, const json_t *obj)
{
	return json_is_object(ls) &&
	       label_selector_api_matches(
		   ls, json_object_get(json_object_get(obj, "metadata"),
				       "labels")) == 1;
}

bool pod_active(const json_t *pod)
{
	const char *phase = cj_str(pod, "status.phase") ?: "";

	return strcmp(phase, "Succeeded") && strcmp(phase, "Failed") &&
	       !ctrl_deleting(pod);
}

json_t *ctrl_condition(const json_t *obj, const char *type)
{
	size_t i;
	json_t *c;

	json_array_foreach (cj_get(obj, "status.conditions"), i, c)
		if (!strcmp(cj_str(c, "type") ?: "", type))
			return c;
	return NULL;
}

bool pod_ready(const json_t *pod)
{
	json_t *c = ctrl_condition(pod, "Ready");

	return c && !strcmp(cj_str(c, "status") ?: "", "True");
}

time_t ctrl_time(const char *s)
{
	struct timespec ts;

	if (!s || rfc3339_parse(s, &ts) < 0)
		return 0;
	return ts.tv_sec;
}

void ctrl_now(char buf[RFC3339_MAX])
{
	rfc3339_format_sec(time(NULL), buf);
}

bool pod_available(const json_t *pod, long min_ready, time_t now,
		   long *ret_wait)
{
	json_t *c = ctrl_condition(pod, "Ready");
	time_t since;

	if (!c || strcmp(cj_str(c, "status") ?: "", "True"))
		return false;
	if (min_ready <= 0)
		return true;
	since = ctrl_time(cj_str(c, "lastTransitionTime"));
	if (since && since + min_ready <= now)
		return true;
	if (ret_wait)
		*ret_wait = since ? (long)(since + min_ready - now) : min_ready;
	return false;
}

void ctrl_slim_pod(json_t *pod)
{
	static const char *const keep[] = {
	    "apiVersion",
	    "kind",
	    "metadata",
	    "spec.nodeName",
	    "spec.tolerations",
	    "spec.containers[].name",
	    "spec.containers[].ports",
	    "status.phase",
	    "status.conditions",
	    "status.podIP",
	    "status.containerStatuses[].name",
	    "status.containerStatuses[].restartCount",
	    NULL,
	};
	/* what pods repeat: one copy for all (conditions set in the same
	 * second are equal too) */
	static const char *const share[] = {
	    "apiVersion",
	    "kind",
	    "metadata.namespace",
	    "metadata.generateName",
	    "metadata.creationTimestamp",
	    "metadata.labels",
	    "metadata.annotations",
	    "metadata.ownerReferences",
	    "metadata.finalizers",
	    "spec",
	    "status.phase",
	    "status.conditions[]",
	    "status.containerStatuses",
	    NULL,
	};

	json_object_del(json_object_get(pod, "metadata"), "managedFields");
	informer_keep_fields(pod, keep);
	informer_share_fields(pod, share);
}

/* ---- parallel calls ---- */

struct par {
	pthread_mutex_t lock;
	size_t next, n, ok;
	int (*fn)(void *ud, size_t i);
	void *ud;
};

static void *par_worker(void *arg)
{
	struct par *p = arg;

	for (;;) {
		size_t i;
		int r;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		r = p->fn(p->ud, i);
		pthread_mutex_lock(&p->lock);
		if (r == 0)
			p->ok++;
		pthread_mutex_unlock(&p->lock);
	}
}

size_t ctrl_parallel(size_t n, unsigned threads, int (*fn)(void *ud, size_t i),
		     void *ud)
{
	struct par p = {
	    .lock = PTHREAD_MUTEX_INITIALIZER, .n = n, .fn = fn, .ud = ud};
	pthread_t tid[32];
	unsigned t = 0;

	if (threads > 32)
		threads = 32;
	if (threads > n)
		threads = (unsigned)n;
	while (t + 1 < threads &&
	       pthread_create(&tid[t], NULL, par_worker, &p) == 0)
		t++;
	par_worker(&p);
	while (t > 0)
		pthread_join(tid[--t], NULL);
	pthread_mutex_destroy(&p.lock);
	return p.ok;
}
