/*
 * admission_limitrange.c — LimitRanger: on pod creation, each Container
 * item of the namespace's LimitRanges
 *  - mutates: a container's missing limits come from the item's default,
 *    its missing requests from defaultRequest (after the pod's own
 *    defaulting, as Kubernetes orders them: a limit without a request
 *    already has its request);
 *  - validates every container and init container against min, max and
 *    maxLimitRequestRatio, with Kubernetes' sentences, all of a pod's
 *    violations at once ('pods "p" is forbidden: [minimum cpu usage per
 *    Container is 100m, but request is 50m, ...]').
 * Pod items (sums over the pod) are not enforced yet.
 */
#include "apiserver/admission.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/quantity.h"
#include "apiserver/server_i.h"

#define LR_MSG_MAX 1536

static bool applies(struct server *srv, const struct admission_attrs *a)
{
	return a->op == ADMISSION_CREATE && a->kind == srv->k_pod &&
	       !a->status && a->ns && a->obj;
}

/* The Container items of the LimitRanges of ns (owned array). */
static int container_items(struct server *srv, const char *ns, json_t **ret)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "limitranges");
	_cleanup_json_ json_t *lrs = NULL, *items = json_array();
	json_t *lr, *item;
	size_t i, j;
	int r;

	if (!items)
		return -ENOMEM;
	r = admission_list(srv, k, ns, &lrs);
	if (r < 0)
		return r;
	json_array_foreach (lrs, i, lr) {
		json_array_foreach (
		    json_object_get(json_object_get(lr, "spec"), "limits"), j,
		    item) {
			const char *t =
			    json_string_value(json_object_get(item, "type"));

			if (t && !strcmp(t, "Container"))
				json_array_append(items, item);
		}
	}
	*ret = TAKE_PTR(items);
	return 0;
}

/* Set each resource of dflt that res[key] lacks. */
static void fill(json_t *res, const char *key, const json_t *dflt)
{
	const char *name;
	json_t *list, *v;

	if (!json_object_size(dflt))
		return;
	list = json_object_get(res, key);
	if (!list) {
		list = json_object();
		json_object_set_new(res, key, list);
	}
	if (!json_is_object(list))
		return;
	json_object_foreach ((json_t *)dflt, name, v)
		if (!json_object_get(list, name))
			json_object_set(list, name, v);
}

static void default_containers(json_t *ctrs, const json_t *item)
{
	json_t *c, *res;
	size_t i;

	json_array_foreach (ctrs, i, c) {
		if (!json_is_object(c))
			continue;
		res = json_object_get(c, "resources");
		if (!res) {
			res = json_object();
			json_object_set_new(c, "resources", res);
		}
		if (!json_is_object(res))
			continue;
		fill(res, "limits", json_object_get(item, "default"));
		fill(res, "requests", json_object_get(item, "defaultRequest"));
	}
}

static int mutate(struct server *srv, struct admission_attrs *a,
		  struct kf_error *err)
{
	_cleanup_json_ json_t *items = NULL;
	json_t *spec, *item;
	size_t i;
	int r;

	if (!applies(srv, a))
		return 0;
	r = container_items(srv, a->ns, &items);
	if (r < 0)
		return srv_store_error(r, err);
	spec = json_object_get(a->obj, "spec");
	json_array_foreach (items, i, item) {
		default_containers(json_object_get(spec, "containers"), item);
		default_containers(json_object_get(spec, "initContainers"),
				   item);
	}
	return 0;
}

/* ---- validation ---- */

struct msgs {
	char buf[LR_MSG_MAX];
	size_t n;
};

static void say(struct msgs *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(struct msgs *m, const char *fmt, ...)
{
	size_t len = strlen(m->buf);
	va_list ap;

	if (m->n++ && len + 2 < sizeof(m->buf)) {
		memcpy(m->buf + len, ", ", 3);
		len += 2;
	}
	if (len >= sizeof(m->buf))
		return;
	va_start(ap, fmt);
	vsnprintf(m->buf + len, sizeof(m->buf) - len, fmt, ap);
	va_end(ap);
}

/* Quantity name of list (borrowed JSON) parsed; false when absent or bad. */
static bool get_q(const json_t *list, const char *name, struct quantity *ret,
		  char text[QUANTITY_STRLEN])
{
	json_t *v = json_object_get(list, name);

	if (!v || quantity_from_json(v, ret) < 0)
		return false;
	quantity_format(ret, text);
	return true;
}

enum bound { MIN, MAX, RATIO };

static void check_one(struct msgs *m, enum bound b, const char *res,
		      const json_t *enf, const json_t *req, const json_t *lim)
{
	char et[QUANTITY_STRLEN], rt[QUANTITY_STRLEN], lt[QUANTITY_STRLEN];
	struct quantity e, rq, lq;
	bool has_req, has_lim;

	if (!get_q(enf, res, &e, et))
		return;
	has_req = get_q(req, res, &rq, rt);
	has_lim = get_q(lim, res, &lq, lt);
	switch (b) {
	case MIN:
		if (!has_req)
			say(m,
			    "minimum %s usage per Container is %s.  No request "
			    "is specified",
			    res, et);
		else if (quantity_milli(&rq) < quantity_milli(&e))
			say(m,
			    "minimum %s usage per Container is %s, but request "
			    "is %s",
			    res, et, rt);
		else if (has_lim && quantity_milli(&lq) < quantity_milli(&e))
			say(m,
			    "minimum %s usage per Container is %s, but limit "
			    "is %s",
			    res, et, lt);
		break;
	case MAX:
		if (!has_lim)
			say(m,
			    "maximum %s usage per Container is %s.  No limit "
			    "is specified",
			    res, et);
		else if (quantity_milli(&lq) > quantity_milli(&e))
			say(m,
			    "maximum %s usage per Container is %s, but limit "
			    "is %s",
			    res, et, lt);
		else if (has_req && quantity_milli(&rq) > quantity_milli(&e))
			say(m,
			    "maximum %s usage per Container is %s, but request "
			    "is %s",
			    res, et, rt);
		break;
	case RATIO:
		if (!has_req || quantity_milli(&rq) == 0)
			say(m,
			    "%s max limit to request ratio per Container is "
			    "%s, "
			    "but no request is specified or request is 0",
			    res, et);
		else if (!has_lim || quantity_milli(&lq) == 0)
			say(m,
			    "%s max limit to request ratio per Container is "
			    "%s, "
			    "but no limit is specified or limit is 0",
			    res, et);
		else if ((double)quantity_milli(&lq) /
			     (double)quantity_milli(&rq) * 1000.0 >
			 (double)quantity_milli(&e))
			say(m,
			    "%s max limit to request ratio per Container is "
			    "%s, "
			    "but provided ratio is %f",
			    res, et,
			    (double)quantity_milli(&lq) /
				(double)quantity_milli(&rq));
		break;
	}
}

static int check_containers(struct msgs *m, const json_t *ctrs,
			    const json_t *item)
{
	static const char *const fields[] = {"min", "max",
					     "maxLimitRequestRatio"};
	const json_t *c;
	size_t i;

	json_array_foreach (ctrs, i, c) {
		json_t *res = json_object_get(c, "resources");
		json_t *req = json_object_get(res, "requests");
		json_t *lim = json_object_get(res, "limits");

		for (int b = MIN; b <= RATIO; b++) {
			const json_t *enf = json_object_get(item, fields[b]);
			const char **names;
			size_t n;

			if (admission_sorted_keys(enf, &names, &n) < 0)
				return -ENOMEM;
			for (size_t j = 0; j < n; j++)
				check_one(m, b, names[j], enf, req, lim);
			free(names);
		}
	}
	return 0;
}

static int validate(struct server *srv, const struct admission_attrs *a,
		    struct kf_error *err)
{
	_cleanup_json_ json_t *items = NULL;
	_cleanup_free_ struct msgs *m = NULL;
	json_t *spec, *item;
	size_t i;
	int r;

	if (!applies(srv, a))
		return 0;
	r = container_items(srv, a->ns, &items);
	if (r < 0)
		return srv_store_error(r, err);
	if (!json_array_size(items))
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	spec = json_object_get(a->obj, "spec");
	json_array_foreach (items, i, item) {
		if (check_containers(m, json_object_get(spec, "containers"),
				     item) < 0 ||
		    check_containers(m, json_object_get(spec, "initContainers"),
				     item) < 0)
			return -ENOMEM;
	}
	if (!m->n)
		return 0;
	return kf_error_set(err, -EACCES, "pods \"%s\" is forbidden: %s%s%s",
			    a->name ? a->name : "", m->n > 1 ? "[" : "", m->buf,
			    m->n > 1 ? "]" : "");
}

const struct admission_plugin admission_limit_ranger = {
    .name = "LimitRanger",
    .mutate = mutate,
    .validate = validate,
};
