/*
 * podres.c — a pod's effective resource request (see podres.h).
 */
#include "api/podres.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/jsonfield.h"
#include "api/quantity.h"

int resource_quantity_parse(const json_t *v, bool milli, const char *path,
			    struct kf_error *err, int64_t *ret_value)
{
	char text[QUANTITY_STRLEN + 16];
	const char *shown = json_string_value(v);
	struct quantity q;

	if (!shown) {
		char *dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		snprintf(text, sizeof(text), "%s", dump ? dump : "?");
		free(dump);
		shown = text;
	}
	if (quantity_from_json(v, &q) < 0)
		return kf_error_set(err, -EINVAL,
				    "%s: Invalid value: \"%.64s\": %s", path,
				    shown, QUANTITY_FORMAT_ERROR);
	if (quantity_sign(&q) < 0)
		return kf_error_set(err, -EINVAL,
				    "%s: Invalid value: \"%.64s\": must be "
				    "greater than or equal to 0",
				    path, shown);
	*ret_value = milli ? quantity_milli(&q) : quantity_value(&q);
	return 0;
}

/* The amount of name in l, added as 0 if missing; NULL when l is full. */
static int64_t *res_slot(struct pod_resources *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return &l->v[i];
	if (l->n == POD_RESOURCES_MAX)
		return NULL;
	l->name[l->n] = name;
	l->v[l->n] = 0;
	return &l->v[l->n++];
}

static bool res_has(const struct pod_resources *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return true;
	return false;
}

int64_t pod_resources_get(const struct pod_resources *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return l->v[i];
	return 0;
}

static int too_many(struct kf_error *err)
{
	return kf_error_set(err, -EINVAL,
			    "spec.containers: Invalid value: more than %d "
			    "distinct resources requested",
			    POD_RESOURCES_MAX);
}

static int res_add(struct pod_resources *a, const struct pod_resources *b,
		   struct kf_error *err)
{
	for (size_t i = 0; i < b->n; i++) {
		int64_t *v = res_slot(a, b->name[i]);

		if (!v)
			return too_many(err);
		*v = resource_add(*v, b->v[i]);
	}
	return 0;
}

static int res_max(struct pod_resources *a, const struct pod_resources *b,
		   struct kf_error *err)
{
	for (size_t i = 0; i < b->n; i++) {
		int64_t *v = res_slot(a, b->name[i]);

		if (!v)
			return too_many(err);
		if (b->v[i] > *v)
			*v = b->v[i];
	}
	return 0;
}

/* Parse every quantity of a requests/limits/overhead map into l, except
 * names l already has. */
static int parse_map(const json_t *map, const char *path,
		     struct pod_resources *l, struct kf_error *err)
{
	const char *name;
	json_t *v;
	char p[192];

	json_object_foreach ((json_t *)map, name, v) {
		int64_t *slot;
		int r;

		if (res_has(l, name))
			continue;
		slot = res_slot(l, name);
		if (!slot)
			return too_many(err);
		snprintf(p, sizeof(p), "%s[%s]", path, name);
		r = resource_quantity_parse(v, strcmp(name, "cpu") == 0, p, err,
					    slot);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * What a container asks for: its requests, else its limits (the API
 * server's defaulting copies limits into absent requests), with the
 * nonzero defaults of opts.
 */
static int container_requests(const json_t *c, const char *path,
			      const struct pod_requests_opts *opts,
			      struct kf_error *err, struct pod_resources *ret)
{
	static const char *const names[] = {"requests", "limits"};
	const json_t *res = NULL, *list = NULL;
	struct pod_resources out = {0};
	char p[160];
	int r;

	snprintf(p, sizeof(p), "%s.resources", path);
	r = jfield_object(c, "resources", p, err, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s.resources.%s", path, names[i]);
		r = jfield_object(res, names[i], p, err, &list);
		if (r < 0)
			return r;
		r = parse_map(list, p, &out, err);
		if (r < 0)
			return r;
	}
	if (opts && opts->nonzero) {
		if (!res_has(&out, "cpu") && out.n < POD_RESOURCES_MAX)
			*res_slot(&out, "cpu") = opts->default_milli_cpu;
		if (!res_has(&out, "memory") && out.n < POD_RESOURCES_MAX)
			*res_slot(&out, "memory") = opts->default_memory;
	}
	*ret = out;
	return 0;
}

/* Kubernetes' PodRequests; see podres.h. */
int pod_requests(const json_t *spec, const struct pod_requests_opts *opts,
		 struct kf_error *err, struct pod_resources *ret)
{
	const json_t *containers = NULL, *inits = NULL, *overhead = NULL, *c;
	struct pod_resources sum = {0}, side = {0}, init = {0}, cr, t;
	char path[64];
	size_t i;
	int r;

	r = jfield_array(spec, "containers", "spec.containers", err,
			 &containers);
	if (r < 0)
		return r;
	r = jfield_array(spec, "initContainers", "spec.initContainers", err,
			 &inits);
	if (r < 0)
		return r;
	json_array_foreach (containers, i, c) {
		snprintf(path, sizeof(path), "spec.containers[%zu]", i);
		r = container_requests(c, path, opts, err, &cr);
		if (r < 0 || (r = res_add(&sum, &cr, err)) < 0)
			return r;
	}
	json_array_foreach (inits, i, c) {
		const char *policy;

		snprintf(path, sizeof(path), "spec.initContainers[%zu]", i);
		r = container_requests(c, path, opts, err, &cr);
		if (r < 0)
			return r;
		policy = json_string_value(json_object_get(c, "restartPolicy"));
		if (policy && strcmp(policy, "Always") == 0) {
			if ((r = res_add(&sum, &cr, err)) < 0 ||
			    (r = res_add(&side, &cr, err)) < 0)
				return r;
			t = side;
		} else {
			t = cr;
			if ((r = res_add(&t, &side, err)) < 0)
				return r;
		}
		if ((r = res_max(&init, &t, err)) < 0)
			return r;
	}
	if ((r = res_max(&sum, &init, err)) < 0)
		return r;

	r = jfield_object(spec, "overhead", "spec.overhead", err, &overhead);
	if (r < 0)
		return r;
	if (overhead) {
		struct pod_resources o = {0};

		if ((r = parse_map(overhead, "spec.overhead", &o, err)) < 0 ||
		    (r = res_add(&sum, &o, err)) < 0)
			return r;
	}
	*ret = sum;
	return 0;
}
