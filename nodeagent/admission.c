/*
 * admission.c — the kubelet's resource-fit admission of a pod.
 */
#include "nodeagent/admission.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/podres.h"
#include "api/quantity.h"

static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static void add(struct admission_resources *a,
		const struct admission_resources *b)
{
	a->cpu_milli = sat_add(a->cpu_milli, b->cpu_milli);
	a->memory = sat_add(a->memory, b->memory);
	a->storage = sat_add(a->storage, b->storage);
	a->pods = sat_add(a->pods, b->pods);
}

void admission_pod_requests(const json_t *pod, struct admission_resources *ret)
{
	struct pod_resources req = {0};

	/* the API server validated the pod: an error counts as nothing */
	if (pod_requests(json_object_get(pod, "spec"), NULL, NULL, &req) < 0)
		req.n = 0;
	*ret = (struct admission_resources){
	    .cpu_milli = pod_resources_get(&req, "cpu"),
	    .memory = pod_resources_get(&req, "memory"),
	    .storage = pod_resources_get(&req, "ephemeral-storage"),
	    .pods = 1,
	};
}

static int parse_one(const char *s, bool milli, int64_t *ret)
{
	struct quantity q;

	if (!s) {
		*ret = 0;
		return 0;
	}
	if (quantity_parse(s, &q) < 0)
		return -EINVAL;
	*ret = milli ? quantity_milli(&q) : quantity_value(&q);
	return 0;
}

int admission_parse(const char *cpu, const char *memory, const char *storage,
		    const char *pods, struct admission_resources *ret)
{
	struct admission_resources r;

	if (parse_one(cpu, true, &r.cpu_milli) < 0 ||
	    parse_one(memory, false, &r.memory) < 0 ||
	    parse_one(storage, false, &r.storage) < 0 ||
	    parse_one(pods, false, &r.pods) < 0)
		return -EINVAL;
	*ret = r;
	return 0;
}

static bool short_of(struct admission_verdict *v, const char *name, int64_t req,
		     int64_t used, int64_t cap)
{
	if (req <= 0 || req <= cap - used)
		return false;
	v->admit = false;
	snprintf(v->reason, sizeof(v->reason), "OutOf%s", name);
	snprintf(v->message, sizeof(v->message),
		 "Node didn't have enough resource: %s, requested: %lld, "
		 "used: %lld, capacity: %lld",
		 name, (long long)req, (long long)used, (long long)cap);
	return true;
}

void admission_check(const struct admission_resources *allocatable,
		     const struct admission_resources *used,
		     const struct admission_resources *req,
		     struct admission_verdict *ret)
{
	struct admission_verdict v = {.admit = true};

	if (!short_of(&v, "pods", 1, used->pods, allocatable->pods) &&
	    !short_of(&v, "cpu", req->cpu_milli, used->cpu_milli,
		      allocatable->cpu_milli) &&
	    !short_of(&v, "memory", req->memory, used->memory,
		      allocatable->memory))
		short_of(&v, "ephemeral-storage", req->storage, used->storage,
			 allocatable->storage);
	*ret = v;
}

void admission_add(struct admission_resources *used,
		   const struct admission_resources *req)
{
	add(used, req);
}

static int64_t sub0(int64_t a, int64_t b)
{
	return a - b < 0 ? 0 : a - b;
}

void admission_sub(struct admission_resources *used,
		   const struct admission_resources *req)
{
	used->cpu_milli = sub0(used->cpu_milli, req->cpu_milli);
	used->memory = sub0(used->memory, req->memory);
	used->storage = sub0(used->storage, req->storage);
	used->pods = sub0(used->pods, req->pods);
}
