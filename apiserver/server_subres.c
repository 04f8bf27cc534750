/*
 * server_subres.c — the scale and binding subresources: a Deployment's,
 * ReplicaSet's or StatefulSet's replicas read and set through its
 * Scale, and a pod bound to a node (pods/binding), each one
 * compare-and-swap store write of the parent object.
 */
#include "apiserver/server_i.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/validate.h"

/* ---- scale ---- */

int server_scale_get(struct server *srv, const struct kind_info *k,
		     const char *ns, const char *name, struct kf_error *err,
		     long *ret_replicas)
{
	_cleanup_json_ json_t *obj = NULL;
	json_t *v;
	int r;

	if (!srv || !k)
		return -EINVAL;
	if (!(k->subresources & KIND_SUB_SCALE))
		return srv_no_such_resource(err);
	r = server_get(srv, k, ns, name, err, &obj);
	if (r < 0)
		return r;
	v = json_object_get(json_object_get(obj, "spec"), "replicas");
	/* every scalable kind defaults spec.replicas to 1 */
	*ret_replicas = json_is_integer(v) ? (long)json_integer_value(v) : 1;
	return 0;
}

int server_scale_set(struct server *srv, const struct kind_info *k,
		     const char *ns, const char *name, long replicas,
		     struct kf_error *err)
{
	_cleanup_json_ json_t *patch = NULL;

	if (!srv || !k)
		return -EINVAL;
	kf_error_init(err);
	if (!(k->subresources & KIND_SUB_SCALE))
		return srv_no_such_resource(err);
	if (replicas < 0)
		return kf_error_set(
		    err, -EINVAL,
		    "Scale.autoscaling \"%s\" is invalid: "
		    "spec.replicas: Invalid value: %ld: must be "
		    "greater than or equal to 0",
		    name, replicas);
	if (replicas > INT32_MAX)
		return kf_error_set(
		    err, -EINVAL,
		    "Scale.autoscaling \"%s\" is invalid: "
		    "spec.replicas: Invalid value: %ld: must be "
		    "less than or equal to 2147483647",
		    name, replicas);
	patch =
	    json_pack("{s:{s:I}}", "spec", "replicas", (json_int_t)replicas);
	if (!patch)
		return -ENOMEM;
	return server_patch(srv, k, ns, name, patch, 0, err, NULL);
}

/* ---- binding ---- */

static void set_scheduled(json_t *pod, const char *ts)
{
	json_t *st = json_object_get(pod, "status");
	json_t *conds, *c;
	size_t i;

	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(pod, "status", st);
	}
	conds = json_object_get(st, "conditions");
	if (!json_is_array(conds)) {
		conds = json_array();
		json_object_set_new(st, "conditions", conds);
	}
	json_array_foreach (conds, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		const char *s = json_string_value(json_object_get(c, "status"));

		if (!t || strcmp(t, "PodScheduled"))
			continue;
		if (!s || strcmp(s, "True")) {
			json_object_set_new(c, "status", json_string("True"));
			json_object_set_new(c, "lastTransitionTime",
					    json_string(ts));
		}
		return;
	}
	json_array_append_new(conds, json_pack("{s:s,s:s,s:n,s:s}", "type",
					       "PodScheduled", "status", "True",
					       "lastProbeTime",
					       "lastTransitionTime", ts));
}

static int bind_once(struct server *srv, const char *key, const char *pod,
		     const char *node, struct kf_error *err)
{
	_cleanup_json_ json_t *n = NULL;
	char ts[SRV_TIMESTAMP_LEN];
	json_t *spec;
	const char *cur;
	uint64_t rv;
	int r;

	r = srv_read(srv, key, &n, &rv);
	if (r == -ENOENT)
		return srv_not_found(err, srv->k_pod, pod);
	if (r < 0)
		return srv_store_error(r, err);
	spec = json_object_get(n, "spec");
	cur = json_string_value(json_object_get(spec, "nodeName"));
	if (cur && *cur)
		return kf_error_set(err, -EEXIST,
				    "pod %s is already assigned to node \"%s\"",
				    pod, cur);
	if (srv_meta_str(n, "deletionTimestamp"))
		return kf_error_set(err, -EINVAL,
				    "pod %s is being deleted, cannot be "
				    "assigned to a host",
				    pod);
	if (!json_is_object(spec))
		return kf_error_set(err, -EINVAL,
				    "Pod \"%s\" is invalid: spec: Required "
				    "value",
				    pod);
	json_object_set_new(spec, "nodeName", json_string(node));
	srv_timestamp(srv_now(srv), ts);
	set_scheduled(n, ts);
	return srv_put_at_rv(srv, key, n, rv, err);
}

int server_bind(struct server *srv, const char *ns, const char *pod,
		const char *node, struct kf_error *err)
{
	char key[STORE_KEY_MAX + 1];
	int r = SRV_RETRY;

	if (!srv)
		return -EINVAL;
	kf_error_init(err);
	if (!srv->k_pod)
		return srv_no_such_resource(err);
	if (!node || !*node)
		return kf_error_set(err, -EINVAL,
				    "Binding \"%s\" is invalid: target.name: "
				    "Required value",
				    pod ? pod : "");
	if (!is_dns1123_subdomain(node)) {
		const char *msgs[2];
		char buf[64];

		name_messages(NAME_DNS_SUBDOMAIN, node, false, msgs, buf,
			      sizeof(buf));
		return kf_error_set(err, -EINVAL,
				    "Binding \"%s\" is invalid: target.name: "
				    "Invalid value: \"%.253s\": %s",
				    pod ? pod : "", node, msgs[0]);
	}
	if (server_key(srv->k_pod, ns, pod, key, sizeof(key)) < 0)
		return srv_not_found(err, srv->k_pod, pod);
	for (int i = 0; i < SRV_RETRIES && r == SRV_RETRY; i++) {
		kf_error_init(err);
		r = bind_once(srv, key, pod, node, err);
	}
	if (r == SRV_RETRY)
		return srv_conflict(err, srv->k_pod, pod);
	return r;
}
