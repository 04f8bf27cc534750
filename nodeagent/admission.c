/*
 * admission.c — the kubelet's resource-fit admission of a pod.
 */
#include "nodeagent/admission.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/quantity.h"

/* Requests of one container (pods stays 0). */
static void container_requests(const json_t *c, struct admission_resources *r)
{
	const json_t *req =
	    json_object_get(json_object_get(c, "resources"), "requests");
	struct quantity q;

	memset(r, 0, sizeof(*r));
	if (quantity_from_json(json_object_get(req, "cpu"), &q) == 0)
		r->cpu_milli = quantity_milli(&q);
	if (quantity_from_json(json_object_get(req, "memory"), &q) == 0)
		r->memory = quantity_value(&q);
	if (quantity_from_json(json_object_get(req, "ephemeral-storage"), &q) ==
	    0)
		r->storage = quantity_value(&q);
}

static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static void add(struct admission_resources *a,
		const struct admission_resources *b)
{
	a->cpu_milli = sat_add(a->cpu_milli, b->cpu_milli);
	a->memory = sat_add(a->memory, b->memory);
	a->storage = sat_add(a->storage, b->storage);
	a->pods = sat_add(a->pods, b->pods);
}

static void max_into(struct admission_resources *a,
		     const struct admission_resources *b)
{
	a->cpu_milli = max64(a->cpu_milli, b->cpu_milli);
	a->memory = max64(a->memory, b->memory);
	a->storage = max64(a->storage, b->storage);
}

void admission_pod_requests(const json_t *pod, struct admission_resources *ret)
{
	const json_t *spec = json_object_get(pod, "spec");
	struct admission_resources sum = {0}, sidecars = {0}, init = {0}, c;
	const json_t *overhead = json_object_get(spec, "overhead");
	struct quantity q;
	size_t i;
	json_t *v;

	json_array_foreach (json_object_get(spec, "containers"), i, v) {
		container_requests(v, &c);
		add(&sum, &c);
	}
	json_array_foreach (json_object_get(spec, "initContainers"), i, v) {
		const char *policy =
		    json_string_value(json_object_get(v, "restartPolicy"));

		container_requests(v, &c);
		if (policy && !strcmp(policy, "Always")) {
			add(&sum, &c);
			add(&sidecars, &c);
			max_into(&init, &sidecars);
		} else {
			add(&c, &sidecars);
			max_into(&init, &c);
		}
	}
	max_into(&sum, &init);
	if (quantity_from_json(json_object_get(overhead, "cpu"), &q) == 0)
		sum.cpu_milli = sat_add(sum.cpu_milli, quantity_milli(&q));
	if (quantity_from_json(json_object_get(overhead, "memory"), &q) == 0)
		sum.memory = sat_add(sum.memory, quantity_value(&q));
	if (quantity_from_json(json_object_get(overhead, "ephemeral-storage"),
			       &q) == 0)
		sum.storage = sat_add(sum.storage, quantity_value(&q));
	sum.pods = 1;
	*ret = sum;
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
