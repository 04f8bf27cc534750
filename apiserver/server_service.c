/*
 * server_service.c — ClusterIPs and NodePorts, as kube-apiserver's
 * Service registry allocates them.
 *
 * The tables live in memory (alloc.h) under srv->alloc_lock and are
 * rebuilt from the store at start. Every allocated value also has a store
 * key (SRV_ALLOC_PREFIX...), created with "must not exist" in the same
 * atomic write as the Service and deleted with it: two kubefs-fs
 * processes on one store can never hand out the same value, because the
 * second write fails and is retried with another one.
 */
#include "apiserver/service_i.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/netaddr.h"

/* node ports + healthCheckNodePort of one Service; with the ones given
 * back, a write stays well within STORE_OPS_MAX */
#define SVC_MAX_VALUES 256

/* ---- index mapping ---- */

static int ip_index(const struct server *srv, uint32_t ip, uint32_t *ret)
{
	uint32_t size = alloc_range_size(srv->ips);

	if (ip <= srv->svc_net || ip - srv->svc_net - 1 >= size)
		return -ERANGE;
	*ret = ip - srv->svc_net - 1;
	return 0;
}

static int port_index(const struct server *srv, long port, uint32_t *ret)
{
	if (port < (long)srv->port_min || port > (long)srv->port_max)
		return -ERANGE;
	*ret = (uint32_t)(port - (long)srv->port_min);
	return 0;
}

/* Claim a value in memory. 0, -EEXIST, -ERANGE. Caller holds the lock. */
static int claim(struct server *srv, enum svc_res res, uint32_t v)
{
	uint32_t i;

	if (res == SVC_IP) {
		if (ip_index(srv, v, &i) < 0)
			return -ERANGE;
		return alloc_range_claim(srv->ips, i);
	}
	if (port_index(srv, v, &i) < 0)
		return -ERANGE;
	return alloc_range_claim(srv->ports, i);
}

static void release(struct server *srv, enum svc_res res, uint32_t v)
{
	uint32_t i;

	if (res == SVC_IP) {
		/* the kubernetes Service's address stays reserved */
		if (ip_index(srv, v, &i) == 0 && i != 0)
			alloc_range_release(srv->ips, i);
	} else if (port_index(srv, v, &i) == 0) {
		alloc_range_release(srv->ports, i);
	}
}

/* ---- the plan ---- */

void svc_plan_init(struct svc_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
}

static int plan_push(struct svc_claim **arr, size_t *n, enum svc_res res,
		     uint32_t value, bool user, const char *field)
{
	struct svc_claim *a;

	if (*n >= SVC_MAX_VALUES)
		return -E2BIG;
	a = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!a)
		return -ENOMEM;
	*arr = a;
	a[*n] = (struct svc_claim){.res = res, .value = value, .user = user};
	snprintf(a[*n].field, sizeof(a[*n].field), "%s", field ? field : "");
	(*n)++;
	return 0;
}

static void plan_free(struct svc_plan *plan)
{
	for (size_t i = 0; i < plan->nops; i++)
		free(plan->keys[i]);
	free(plan->keys);
	free(plan->ops);
	free(plan->add);
	free(plan->del);
	svc_plan_init(plan);
}

void svc_plan_abort(struct server *srv, struct svc_plan *plan)
{
	pthread_mutex_lock(&srv->alloc_lock);
	for (size_t i = 0; i < plan->nadd; i++)
		release(srv, plan->add[i].res, plan->add[i].value);
	pthread_mutex_unlock(&srv->alloc_lock);
	plan_free(plan);
}

void svc_plan_commit(struct server *srv, struct svc_plan *plan)
{
	pthread_mutex_lock(&srv->alloc_lock);
	for (size_t i = 0; i < plan->ndel; i++)
		release(srv, plan->del[i].res, plan->del[i].value);
	pthread_mutex_unlock(&srv->alloc_lock);
	plan_free(plan);
}

static bool plan_has(const struct svc_claim *arr, size_t n, enum svc_res res,
		     uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (arr[i].res == res && arr[i].value == v)
			return true;
	return false;
}

/* ---- cluster IP ---- */

/* Kubernetes' patchAllocatedValues + dropTypeDependentFields for IPs. */
static void carry_cluster_ip(json_t *spec, const json_t *svc, const json_t *old)
{
	json_t *ospec = json_object_get(old, "spec");
	json_t *oip = json_object_get(ospec, "clusterIP");
	json_t *oips = json_object_get(ospec, "clusterIPs");

	if (!svc_needs_cluster_ip(old))
		return;
	if (svc_needs_cluster_ip(svc)) {
		if (!*svc_str(json_object_get(spec, "clusterIP")) &&
		    json_is_string(oip))
			json_object_set_new(spec, "clusterIP",
					    json_deep_copy(oip));
		if (json_array_size(json_object_get(spec, "clusterIPs")) == 0 &&
		    json_is_array(oips))
			json_object_set_new(spec, "clusterIPs",
					    json_deep_copy(oips));
		return;
	}
	/* changing to ExternalName drops the IP the server allocated */
	if (json_equal(json_object_get(spec, "clusterIP"), oip))
		json_object_del(spec, "clusterIP");
	if (json_equal(json_object_get(spec, "clusterIPs"), oips))
		json_object_del(spec, "clusterIPs");
}

/* The allocated IP of a stored Service, if it has one in range. */
static bool held_ip(const struct server *srv, const json_t *svc, uint32_t *ret)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(svc, "spec"), "clusterIP"));
	uint32_t ip, i;

	if (!svc || !svc_needs_cluster_ip(svc) || ipv4_parse(s, &ip) < 0 ||
	    ip_index(srv, ip, &i) < 0)
		return false;
	*ret = ip;
	return true;
}

static int plan_cluster_ip(struct server *srv, json_t *svc, const json_t *old,
			   const char *name, struct svc_plan *plan,
			   struct kf_error *err)
{
	json_t *spec = json_object_get(svc, "spec");
	json_t *jip, *jips;
	const char *cip;
	char text[IPV4_STRLEN];
	uint32_t ip = 0, old_ip = 0, i;
	bool had = held_ip(srv, old, &old_ip);
	bool have = false;
	int r;

	if (old)
		carry_cluster_ip(spec, svc, old);
	if (!svc_needs_cluster_ip(svc))
		goto out;

	jip = json_object_get(spec, "clusterIP");
	jips = json_object_get(spec, "clusterIPs");
	if (jip && !json_is_string(jip) && !json_is_null(jip))
		return srv_type_error(err, srv->k_svc, jip,
				      "ServiceSpec.spec.clusterIP", "string");
	if (jips && !json_is_array(jips) && !json_is_null(jips))
		return srv_type_error(err, srv->k_svc, jips,
				      "ServiceSpec.spec.clusterIPs",
				      "[]string");
	cip = svc_str(jip);
	if (!*cip && json_array_size(jips) > 0)
		cip = svc_str(json_array_get(jips, 0));
	if (json_array_size(jips) > 0 &&
	    strcmp(svc_str(json_array_get(jips, 0)), cip)) {
		char v[256];

		svc_go_strings(jips, v, sizeof(v));
		return kf_error_set(err, -EINVAL,
				    "Service \"%s\" is invalid: "
				    "spec.clusterIPs: Invalid value: %s: first "
				    "value must match `clusterIP`",
				    name, v);
	}
	if (json_array_size(jips) > 1)
		return kf_error_set(
		    err, -EINVAL,
		    "Service \"%s\" is invalid: "
		    "spec.clusterIPs: Too many: %zu: must have at "
		    "most 1 items",
		    name, json_array_size(jips));

	if (!*cip) {
		r = alloc_range_next(srv->ips, &i);
		if (r < 0)
			return kf_error_set(err, -ENOSPC,
					    "Internal error occurred: failed "
					    "to allocate a serviceIP: range is "
					    "full");
		ip = srv->svc_net + 1 + i;
		r = plan_push(&plan->add, &plan->nadd, SVC_IP, ip, false,
			      "spec.clusterIPs");
		if (r < 0) {
			alloc_range_release(srv->ips, i);
			return r;
		}
		cip = ipv4_format(ip, text);
		have = true;
	} else if (strcmp(cip, "None")) {
		_cleanup_json_ json_t *asked = json_pack("[s]", cip);

		if (ipv4_parse(cip, &ip) < 0)
			return kf_error_set(
			    err, -EINVAL,
			    "Service \"%s\" is invalid: "
			    "spec.clusterIPs[0]: Invalid value: "
			    "\"%s\": must be a valid IP address, "
			    "(e.g. 10.9.8.7 or 2001:db8::ffff)",
			    name, cip);
		if (!had || ip != old_ip) {
			r = claim(srv, SVC_IP, ip);
			if (r == -ERANGE)
				return svc_ip_range_error(srv, name, asked, cip,
							  err);
			if (r < 0)
				return svc_ip_taken_error(name, asked, cip,
							  err);
			r = plan_push(&plan->add, &plan->nadd, SVC_IP, ip, true,
				      "spec.clusterIPs");
			if (r < 0) {
				release(srv, SVC_IP, ip);
				return r;
			}
		}
		cip = ipv4_format(ip, text);
		have = true;
	} else {
		cip = "None"; /* not the spec's string: it is replaced below */
	}
	json_object_set_new(spec, "clusterIP", json_string(cip));
	json_object_set_new(spec, "clusterIPs", json_pack("[s]", cip));
	if (!json_object_get(spec, "ipFamilies"))
		json_object_set_new(spec, "ipFamilies",
				    json_pack("[s]", "IPv4"));
	if (!json_object_get(spec, "ipFamilyPolicy"))
		json_object_set_new(spec, "ipFamilyPolicy",
				    json_string("SingleStack"));
out:
	if (had && (!have || ip != old_ip))
		return plan_push(&plan->del, &plan->ndel, SVC_IP, old_ip, false,
				 NULL);
	return 0;
}

/* ---- node ports ---- */

/* Every node port a stored Service holds (ports and health check). */
static size_t held_ports(const struct server *srv, const json_t *svc,
			 uint32_t *out, size_t max)
{
	json_t *ports = json_object_get(json_object_get(svc, "spec"), "ports");
	size_t n = 0, i;
	json_t *p;
	uint32_t idx;
	long v;

	if (!svc || !svc_needs_node_ports(svc))
		return 0;
	json_array_foreach (ports, i, p) {
		v = svc_node_port_of(p);
		if (n < max && port_index(srv, v, &idx) == 0)
			out[n++] = (uint32_t)v;
	}
	v = svc_hc_port_of(svc);
	if (n < max && svc_needs_hc_port(svc) && port_index(srv, v, &idx) == 0)
		out[n++] = (uint32_t)v;
	return n;
}

static bool in_set(const uint32_t *set, size_t n, long v)
{
	for (size_t i = 0; i < n; i++)
		if ((long)set[i] == v)
			return true;
	return false;
}

/* Kubernetes' patchAllocatedValues + dropTypeDependentFields for ports. */
static void carry_node_ports(json_t *svc, const json_t *old,
			     const uint32_t *oldset, size_t nold)
{
	json_t *spec = json_object_get(svc, "spec");
	json_t *ports = json_object_get(spec, "ports");
	json_t *oports = json_object_get(json_object_get(old, "spec"), "ports");
	size_t i, j;
	json_t *p, *op;

	if (svc_needs_node_ports(old) && svc_needs_node_ports(svc)) {
		json_array_foreach (ports, i, p) {
			if (svc_node_port_of(p) != 0)
				continue;
			json_array_foreach (oports, j, op) {
				long v = svc_node_port_of(op);
				bool used = false;
				size_t k;
				json_t *q;

				if (strcmp(
					svc_str(json_object_get(p, "name")),
					svc_str(json_object_get(op, "name"))) ||
				    v == 0)
					continue;
				/* not if the new spec gives it another port */
				json_array_foreach (ports, k, q)
					if (svc_node_port_of(q) == v)
						used = true;
				if (!used)
					json_object_set_new(p, "nodePort",
							    json_integer(v));
				break;
			}
		}
	} else if (svc_needs_node_ports(old)) {
		json_array_foreach (ports, i, p)
			if (in_set(oldset, nold, svc_node_port_of(p)))
				json_object_del(p, "nodePort");
	}
	if (svc_needs_hc_port(old) && svc_needs_hc_port(svc) &&
	    svc_hc_port_of(svc) == 0 && svc_hc_port_of(old) != 0)
		json_object_set_new(spec, "healthCheckNodePort",
				    json_integer(svc_hc_port_of(old)));
	else if (svc_needs_hc_port(old) && !svc_needs_hc_port(svc) &&
		 svc_hc_port_of(svc) == svc_hc_port_of(old))
		json_object_del(spec, "healthCheckNodePort");
}

/* Take one explicit node port for field, unless already held. */
static int take_port(struct server *srv, struct svc_plan *plan, long v,
		     const char *field, const uint32_t *oldset, size_t nold,
		     struct field_errors *fe)
{
	int r;

	if (in_set(oldset, nold, v) ||
	    plan_has(plan->add, plan->nadd, SVC_PORT, (uint32_t)v))
		return 0;
	r = claim(srv, SVC_PORT, (uint32_t)v);
	if (r == -ERANGE) {
		svc_fe_add(
		    fe,
		    "%s: Invalid value: %ld: provided port is not in the "
		    "valid range. The range of valid ports is %u-%u",
		    field, v, srv->port_min, srv->port_max);
		return 0;
	}
	if (r < 0) {
		svc_fe_add(fe,
			   "%s: Invalid value: %ld: provided port is already "
			   "allocated",
			   field, v);
		return 0;
	}
	r = plan_push(&plan->add, &plan->nadd, SVC_PORT, (uint32_t)v, true,
		      field);
	if (r < 0)
		release(srv, SVC_PORT, (uint32_t)v);
	return r;
}

/* A new node port for field. -ENOSPC when the range is full. */
static int next_port(struct server *srv, struct svc_plan *plan,
		     const char *field, long *ret)
{
	uint32_t i;
	int r;

	if (alloc_range_next(srv->ports, &i) < 0)
		return -ENOSPC;
	r = plan_push(&plan->add, &plan->nadd, SVC_PORT, srv->port_min + i,
		      false, field);
	if (r < 0) {
		alloc_range_release(srv->ports, i);
		return r;
	}
	*ret = (long)(srv->port_min + i);
	return 0;
}

/* The node port another entry with the same port number has (or asks
 * for): TCP and UDP on one port share their node port. */
static long sibling_node_port(const json_t *ports, size_t self)
{
	json_t *me = json_array_get(ports, self);
	json_t *num = json_object_get(me, "port");
	size_t i;
	json_t *p;

	json_array_foreach ((json_t *)ports, i, p) {
		if (i != self && json_equal(json_object_get(p, "port"), num) &&
		    svc_node_port_of(p) != 0)
			return svc_node_port_of(p);
	}
	return 0;
}

static int plan_node_ports(struct server *srv, json_t *svc, const json_t *old,
			   const char *name, struct svc_plan *plan,
			   struct kf_error *err)
{
	json_t *spec = json_object_get(svc, "spec");
	json_t *ports = json_object_get(spec, "ports");
	uint32_t oldset[SVC_MAX_VALUES], newset[SVC_MAX_VALUES];
	size_t nold = held_ports(srv, old, oldset, SVC_MAX_VALUES), nnew;
	struct field_errors fe = {.n = 0};
	char field[64];
	size_t i;
	json_t *p;
	int r;

	if (old)
		carry_node_ports(svc, old, oldset, nold);
	if (!svc_needs_node_ports(svc)) {
		json_array_foreach (ports, i, p)
			if (svc_node_port_of(p) != 0)
				svc_fe_add(
				    &fe,
				    "spec.ports[%zu].nodePort: Forbidden: "
				    "may not be used when `type` is '%s'",
				    i, svc_type(svc));
		if (fe.n)
			return svc_fe_report(&fe, name, err);
		goto release_old;
	}

	json_array_foreach (ports, i, p) {
		long v = svc_node_port_of(p);

		if (!json_is_object(p))
			continue;
		snprintf(field, sizeof(field), "spec.ports[%zu].nodePort", i);
		if (v != 0) {
			r = take_port(srv, plan, v, field, oldset, nold, &fe);
		} else if (svc_allocates_node_ports(svc)) {
			v = sibling_node_port(ports, i);
			if (v != 0)
				r = take_port(srv, plan, v, field, oldset, nold,
					      &fe);
			else
				r = next_port(srv, plan, field, &v);
			if (r == 0)
				json_object_set_new(p, "nodePort",
						    json_integer(v));
		} else {
			r = 0;
		}
		if (r == -ENOSPC)
			return kf_error_set(err, -ENOSPC,
					    "Internal error occurred: failed "
					    "to allocate a nodePort: range is "
					    "full");
		if (r < 0)
			return r;
	}
	if (svc_needs_hc_port(svc)) {
		long v = svc_hc_port_of(svc);

		if (v != 0) {
			r = take_port(srv, plan, v, "spec.healthCheckNodePort",
				      oldset, nold, &fe);
		} else {
			r = next_port(srv, plan, "spec.healthCheckNodePort",
				      &v);
			if (r == 0)
				json_object_set_new(spec, "healthCheckNodePort",
						    json_integer(v));
		}
		if (r == -ENOSPC)
			return kf_error_set(err, -ENOSPC,
					    "Internal error occurred: failed "
					    "to allocate a nodePort: range is "
					    "full");
		if (r < 0)
			return r;
	}
	if (fe.n)
		return svc_fe_report(&fe, name, err);

release_old:
	nnew = held_ports(srv, svc, newset, SVC_MAX_VALUES);
	for (i = 0; i < nold; i++) {
		if (in_set(newset, nnew, oldset[i]) ||
		    plan_has(plan->del, plan->ndel, SVC_PORT, oldset[i]))
			continue;
		r = plan_push(&plan->del, &plan->ndel, SVC_PORT, oldset[i],
			      false, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

int svc_plan_build(struct server *srv, json_t *svc, const json_t *old,
		   const char *ns, const char *name, struct svc_plan *plan,
		   struct kf_error *err)
{
	int r = 0;

	svc_plan_init(plan);
	snprintf(plan->owner, sizeof(plan->owner), "%s/%s", ns, name);
	if (svc && !json_is_object(json_object_get(svc, "spec")))
		return 0; /* validation rejects it */

	pthread_mutex_lock(&srv->alloc_lock);
	if (!svc) {
		uint32_t ip, ports[SVC_MAX_VALUES];
		size_t n = held_ports(srv, old, ports, SVC_MAX_VALUES);

		if (held_ip(srv, old, &ip))
			r = plan_push(&plan->del, &plan->ndel, SVC_IP, ip,
				      false, NULL);
		for (size_t i = 0; r == 0 && i < n; i++)
			if (!plan_has(plan->del, plan->ndel, SVC_PORT,
				      ports[i]))
				r = plan_push(&plan->del, &plan->ndel, SVC_PORT,
					      ports[i], false, NULL);
	} else {
		if (old)
			svc_drop_type_fields(svc, old);
		r = plan_cluster_ip(srv, svc, old, name, plan, err);
		if (r == 0)
			r = plan_node_ports(srv, svc, old, name, plan, err);
	}
	pthread_mutex_unlock(&srv->alloc_lock);
	if (r < 0) {
		if (r == -E2BIG)
			kf_error_set(err, -EINVAL,
				     "Service \"%s\" is invalid: spec.ports: "
				     "Too many: more than %d node ports",
				     name, SVC_MAX_VALUES - 1);
		else if (r == -ENOMEM)
			kf_error_set(err, r,
				     "Internal error occurred: out of memory");
		if (r == -E2BIG)
			r = -EINVAL;
		svc_plan_abort(srv, plan);
	}
	return r;
}

/* ---- store keys ---- */

static int alloc_key(const struct svc_claim *c, char **ret)
{
	char ip[IPV4_STRLEN];

	if (c->res == SVC_IP)
		return asprintf(ret, SRV_ALLOC_PREFIX "serviceips/%s",
				ipv4_format(c->value, ip)) < 0
			   ? -ENOMEM
			   : 0;
	return asprintf(ret, SRV_ALLOC_PREFIX "nodeports/%u", c->value) < 0
		   ? -ENOMEM
		   : 0;
}

int svc_plan_ops(struct server *srv, struct svc_plan *plan)
{
	size_t max = plan->nadd + plan->ndel;

	if (max == 0)
		return 0;
	plan->ops = calloc(max, sizeof(*plan->ops));
	plan->keys = calloc(max, sizeof(*plan->keys));
	if (!plan->ops || !plan->keys)
		return -ENOMEM;
	for (size_t i = 0; i < plan->nadd; i++) {
		struct store_op *op = &plan->ops[plan->nops];

		if (alloc_key(&plan->add[i], &plan->keys[plan->nops]) < 0)
			return -ENOMEM;
		op->type = STORE_PUT;
		op->key = plan->keys[plan->nops];
		op->data = plan->owner;
		op->len = strlen(plan->owner);
		op->expect_rv = STORE_RV_ABSENT;
		plan->nops++;
	}
	for (size_t i = 0; i < plan->ndel; i++) {
		struct store_op *op = &plan->ops[plan->nops];
		_cleanup_free_ char *key = NULL, *data = NULL;
		size_t len;
		uint64_t rv;

		if (alloc_key(&plan->del[i], &key) < 0)
			return -ENOMEM;
		/* only the key this Service holds */
		if (store_get(srv->store, key, &data, &len, &rv) < 0 ||
		    len != strlen(plan->owner) ||
		    memcmp(data, plan->owner, len))
			continue;
		op->type = STORE_DELETE;
		op->key = key;
		op->expect_rv = rv;
		plan->keys[plan->nops++] = TAKE_PTR(key);
	}
	return 0;
}

int svc_plan_clash(struct server *srv, struct svc_plan *plan, size_t i,
		   const char *name, struct kf_error *err)
{
	struct svc_claim c;

	if (i >= plan->nadd)
		return SRV_RETRY; /* a released key changed: read again */
	/* another process holds it: keep it marked, out of the plan */
	c = plan->add[i];
	memmove(&plan->add[i], &plan->add[i + 1],
		(plan->nadd - i - 1) * sizeof(*plan->add));
	plan->nadd--;
	if (!c.user)
		return SRV_RETRY;
	if (c.res == SVC_IP) {
		char ip[IPV4_STRLEN];
		_cleanup_json_ json_t *asked =
		    json_pack("[s]", ipv4_format(c.value, ip));

		return svc_ip_taken_error(name, asked, ip, err);
	}
	(void)srv;
	return kf_error_set(err, -EINVAL,
			    "Service \"%s\" is invalid: %s: Invalid value: "
			    "%u: provided port is already allocated",
			    name, c.field, c.value);
}

/* ---- rebuild ---- */

static int rebuild_service(void *ud, const char *key, size_t key_len,
			   const char *data, size_t len, uint64_t rv)
{
	struct server *srv = ud;
	_cleanup_json_ json_t *svc = server_decode_value(data, len, rv);
	uint32_t ip, ports[SVC_MAX_VALUES];
	size_t n;

	(void)key;
	(void)key_len;
	if (!svc)
		return 0;
	if (held_ip(srv, svc, &ip))
		claim(srv, SVC_IP, ip);
	n = held_ports(srv, svc, ports, SVC_MAX_VALUES);
	for (size_t i = 0; i < n; i++)
		claim(srv, SVC_PORT, ports[i]);
	return 0;
}

static int rebuild_key(void *ud, const char *key, size_t key_len,
		       const char *data, size_t len, uint64_t rv)
{
	static const char ips[] = SRV_ALLOC_PREFIX "serviceips/";
	static const char ports[] = SRV_ALLOC_PREFIX "nodeports/";
	struct server *srv = ud;
	char buf[64];
	uint32_t v;

	(void)data;
	(void)len;
	(void)rv;
	if (key_len >= sizeof(buf))
		return 0;
	memcpy(buf, key, key_len);
	buf[key_len] = '\0';
	if (!strncmp(buf, ips, sizeof(ips) - 1)) {
		if (ipv4_parse(buf + sizeof(ips) - 1, &v) == 0)
			claim(srv, SVC_IP, v);
	} else if (!strncmp(buf, ports, sizeof(ports) - 1)) {
		char *end;
		unsigned long p = strtoul(buf + sizeof(ports) - 1, &end, 10);

		if (!*end && p <= 65535)
			claim(srv, SVC_PORT, (uint32_t)p);
	}
	return 0;
}

int svc_rebuild(struct server *srv)
{
	char prefix[STORE_KEY_MAX + 1];
	int r = 0;

	pthread_mutex_lock(&srv->alloc_lock);
	alloc_range_reset(srv->ips);
	alloc_range_claim(srv->ips, 0);
	alloc_range_reset(srv->ports);
	if (srv->k_svc) {
		/* every namespace's */
		r = server_prefix(srv->k_svc, NULL, prefix, sizeof(prefix));
		if (r == 0)
			r = store_list(srv->store, prefix, rebuild_service, srv,
				       NULL);
	}
	if (r == 0)
		r = store_list(srv->store, SRV_ALLOC_PREFIX, rebuild_key, srv,
			       NULL);
	pthread_mutex_unlock(&srv->alloc_lock);
	return r;
}
