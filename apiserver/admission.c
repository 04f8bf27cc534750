/*
 * admission.c — the chain: plugins in Kubernetes' recommended order.
 */
#include "apiserver/admission.h"

#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "apiserver/server.h"

static const struct admission_plugin *const chain[] = {
    &admission_namespace_lifecycle, &admission_limit_ranger,
    &admission_service_account,	    &admission_node_restriction,
    &admission_pod_security,	    &admission_resource_quota,
};

#define CHAIN_LEN (sizeof(chain) / sizeof(chain[0]))

int admission_mutate(struct server *srv, struct admission_attrs *a,
		     struct kf_error *err)
{
	for (size_t i = 0; i < CHAIN_LEN; i++) {
		int r = chain[i]->mutate ? chain[i]->mutate(srv, a, err) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}

int admission_validate(struct server *srv, const struct admission_attrs *a,
		       struct kf_error *err)
{
	for (size_t i = 0; i < CHAIN_LEN; i++) {
		int r =
		    chain[i]->validate ? chain[i]->validate(srv, a, err) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}

static int add_name(void *ud, const char *ns, const char *name, uint64_t rv)
{
	return json_array_append_new(ud, json_string(name)) < 0 ? -ENOMEM : 0;
}

int admission_list(struct server *srv, const struct kind_info *k,
		   const char *ns, json_t **ret)
{
	_cleanup_json_ json_t *names = json_array(), *objs = json_array();
	json_t *n;
	size_t i;
	int r;

	if (!names || !objs)
		return -ENOMEM;
	r = k ? server_list_names(srv, k, ns, add_name, names, NULL) : 0;
	if (r < 0)
		return r;
	json_array_foreach (names, i, n) {
		json_t *o = NULL;

		r = server_get(srv, k, ns, json_string_value(n), NULL, &o);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		if (json_array_append_new(objs, o) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(objs);
	return 0;
}

int admission_also(const struct admission_attrs *a, const char *key,
		   uint64_t rv, json_t *obj)
{
	json_t *e = json_pack("{s:s, s:I, s:o}", "key", key, "rv",
			      (json_int_t)rv, "obj", obj);

	if (!a->also || !e || json_array_append_new(a->also, e) < 0)
		return -ENOMEM;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int admission_sorted_keys(const json_t *obj, const char ***ret, size_t *ret_n)
{
	size_t n = json_object_size(obj), i = 0;
	const char **keys, *k;
	json_t *v;

	keys = calloc(n ? n : 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	json_object_foreach ((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	*ret = keys;
	*ret_n = n;
	return 0;
}
