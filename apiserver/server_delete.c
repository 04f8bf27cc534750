/*
 * server_delete.c — deletion as kube-apiserver does it: graceful pod
 * termination, finalizers, and namespaces that empty themselves.
 *
 *  - A pod bound to a node gets metadata.deletionTimestamp = now + grace
 *    and deletionGracePeriodSeconds = grace, and stays until its node
 *    agent deletes it with grace 0. A later delete may only shorten the
 *    grace. Unbound and finished pods go at once.
 *  - An object with metadata.finalizers gets deletionTimestamp (grace 0)
 *    and stays until an update empties its finalizers.
 *  - A namespace is marked Terminating and everything in it is deleted;
 *    it goes when it has no finalizers left: at once without spec
 *    finalizers, else when the namespace controller, having seen it
 *    empty, removes `kubernetes` through NAME@finalize.
 */
#include "apiserver/server_i.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "apiserver/admission.h"

static int precondition_failed(struct kf_error *err, const struct kind_info *k,
			       const char *name, uint64_t want, uint64_t have)
{
	return kf_error_set(err, -ESTALE,
			    "Operation cannot be fulfilled on " SRV_RES_FMT
			    " \"%s\": Precondition failed: ResourceVersion in "
			    "precondition: %" PRIu64 ", ResourceVersion in "
			    "object meta: %" PRIu64,
			    SRV_RES_ARGS(k), name, want, have);
}

/* The grace a pod gets: the request's, else its spec's, else 30; none
 * for a pod no node runs (unbound or finished). */
static long pod_grace(const json_t *pod, long requested)
{
	json_t *spec = json_object_get(pod, "spec");
	json_t *tg = json_object_get(spec, "terminationGracePeriodSeconds");
	const char *node = json_string_value(json_object_get(spec, "nodeName"));
	const char *phase = json_string_value(
	    json_object_get(json_object_get(pod, "status"), "phase"));
	long g = requested;

	if (g < 0)
		g = json_is_integer(tg) && json_integer_value(tg) >= 0
			? (long)json_integer_value(tg)
			: SRV_DEFAULT_GRACE;
	if (!node || !*node)
		return 0;
	if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
		return 0;
	return g;
}

/*
 * Mark old for deletion in grace seconds (Kubernetes' BeforeDelete):
 * set, or only shorten, deletionTimestamp and deletionGracePeriodSeconds.
 */
static int mark_deleted(struct server *srv, const char *key, const json_t *old,
			uint64_t rv, long grace, struct kf_error *err)
{
	_cleanup_json_ json_t *n = NULL;
	json_t *meta;
	const char *dts = srv_meta_str(old, "deletionTimestamp");
	json_t *jg =
	    json_object_get(srv_meta(old), "deletionGracePeriodSeconds");
	long cur = json_is_integer(jg) ? (long)json_integer_value(jg) : 0;
	char ts[SRV_TIMESTAMP_LEN];
	time_t at, since;
	json_t *gen;

	if (dts) {
		if (grace >= cur)
			return 0; /* a deletion at least as soon is pending */
		/* the deadline counts from when deletion was first asked */
		if (srv_timestamp_parse(dts, &at) < 0)
			at = srv_now(srv) + cur;
		since = at - cur;
	} else {
		since = srv_now(srv);
	}
	n = json_deep_copy(old);
	if (!n)
		return -ENOMEM;
	meta = srv_meta(n);
	srv_timestamp(since + grace, ts);
	json_object_set_new(meta, "deletionTimestamp", json_string(ts));
	json_object_set_new(meta, "deletionGracePeriodSeconds",
			    json_integer(grace));
	gen = json_object_get(meta, "generation");
	if (json_is_integer(gen) && json_integer_value(gen) > 0)
		json_object_set_new(meta, "generation",
				    json_integer(json_integer_value(gen) + 1));
	return srv_put_at_rv(srv, key, n, rv, err);
}

static int delete_once(struct server *srv, const struct kind_info *k,
		       const char *ns, const char *name, const char *key,
		       long grace, uint64_t precondition_rv,
		       struct kf_error *err)
{
	_cleanup_json_ json_t *old = NULL;
	struct svc_plan plan, *pp = NULL;
	struct store_op op = {0};
	uint64_t rv;
	long g;
	int r;

	r = srv_read(srv, key, &old, &rv);
	if (r == -ENOENT)
		return srv_not_found(err, k, name);
	if (r < 0)
		return srv_store_error(r, err);
	if (precondition_rv && precondition_rv != rv)
		return precondition_failed(err, k, name, precondition_rv, rv);

	g = k == srv->k_pod ? pod_grace(old, grace) : 0;
	if (g > 0 ||
	    json_array_size(json_object_get(srv_meta(old), "finalizers")))
		return mark_deleted(srv, key, old, rv, g, err);

	if (k == srv->k_svc) {
		r = svc_plan_build(srv, NULL, old, ns, name, &plan, err);
		if (r < 0)
			return r;
		pp = &plan;
	}
	op.type = STORE_DELETE;
	op.key = key;
	op.expect_rv = rv;
	r = srv_commit(srv, &op, pp, err, NULL);
	if (r == -ESTALE || r == -ENOENT)
		return SRV_RETRY;
	return r < 0 ? r : 0;
}

static int delete_obj(struct server *srv, const struct kind_info *k,
		      const char *ns, const char *name, long grace,
		      uint64_t precondition_rv, struct kf_error *err)
{
	char key[STORE_KEY_MAX + 1];
	int r = SRV_RETRY;

	if (server_key(k, ns, name, key, sizeof(key)) < 0)
		return srv_not_found(err, k, name);
	for (int i = 0; i < SRV_RETRIES && r == SRV_RETRY; i++) {
		kf_error_init(err);
		r = delete_once(srv, k, ns, name, key, grace, precondition_rv,
				err);
	}
	if (r == SRV_RETRY)
		return srv_conflict(err, k, name);
	return r;
}

/* ---- namespaces ---- */

static int mark_namespace(struct server *srv, const char *name, const char *key,
			  uint64_t precondition_rv, struct kf_error *err)
{
	_cleanup_json_ json_t *old = NULL, *n = NULL;
	char ts[SRV_TIMESTAMP_LEN];
	json_t *st;
	uint64_t rv;
	int r;

	r = srv_read(srv, key, &old, &rv);
	if (r == -ENOENT)
		return srv_not_found(err, srv->k_ns, name);
	if (r < 0)
		return srv_store_error(r, err);
	if (precondition_rv && precondition_rv != rv)
		return precondition_failed(err, srv->k_ns, name,
					   precondition_rv, rv);
	if (srv_meta_str(old, "deletionTimestamp"))
		return 0;
	n = json_deep_copy(old);
	if (!n)
		return -ENOMEM;
	srv_timestamp(srv_now(srv), ts);
	json_object_set_new(srv_meta(n), "deletionTimestamp", json_string(ts));
	json_object_set_new(srv_meta(n), "deletionGracePeriodSeconds",
			    json_integer(0));
	st = json_object_get(n, "status");
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(n, "status", st);
	}
	json_object_set_new(st, "phase", json_string("Terminating"));
	return srv_put_at_rv(srv, key, n, rv, err);
}

static int delete_namespace(struct server *srv, const char *name,
			    uint64_t precondition_rv, struct kf_error *err)
{
	char key[STORE_KEY_MAX + 1];
	int r = SRV_RETRY;

	if (server_key(srv->k_ns, NULL, name, key, sizeof(key)) < 0)
		return srv_not_found(err, srv->k_ns, name);
	for (int i = 0; i < SRV_RETRIES && r == SRV_RETRY; i++) {
		kf_error_init(err);
		r = mark_namespace(srv, name, key, precondition_rv, err);
	}
	if (r == SRV_RETRY)
		return srv_conflict(err, srv->k_ns, name);
	if (r < 0)
		return r;
	/* the namespace controller deletes what is in it, then removes the
	 * `kubernetes` finalizer; one without finalizers goes now */
	srv_namespace_finish(srv, name);
	return 0;
}

void srv_namespace_finish(struct server *srv, const char *ns)
{
	_cleanup_json_ json_t *obj = NULL;
	char key[STORE_KEY_MAX + 1];
	struct store_op op = {0};
	uint64_t rv;

	if (!srv->k_ns ||
	    server_key(srv->k_ns, NULL, ns, key, sizeof(key)) < 0 ||
	    srv_read(srv, key, &obj, &rv) < 0)
		return;
	if (!srv_meta_str(obj, "deletionTimestamp") ||
	    json_array_size(json_object_get(srv_meta(obj), "finalizers")) ||
	    json_array_size(
		json_object_get(json_object_get(obj, "spec"), "finalizers")))
		return;
	op.type = STORE_DELETE;
	op.key = key;
	op.expect_rv = rv;
	/* a lost race means the namespace changed: its next event retries */
	store_write(srv->store, &op, 1, NULL);
}

int server_delete(struct server *srv, const struct kind_info *k, const char *ns,
		  const char *name, long grace_seconds,
		  uint64_t precondition_rv, struct kf_error *err)
{
	struct admission_attrs a = {
	    .user = srv_request_user(),
	    .op = ADMISSION_DELETE,
	    .kind = k,
	    .name = name,
	};
	int r;

	if (!srv || !k)
		return -EINVAL;
	kf_error_init(err);
	if (!k->namespaced)
		ns = NULL;
	a.ns = ns;
	r = admission_mutate(srv, &a, err);
	if (r == 0)
		r = admission_validate(srv, &a, err);
	if (r < 0)
		return r;
	if (k == srv->k_ns)
		return delete_namespace(srv, name, precondition_rv, err);
	return delete_obj(srv, k, ns, name, grace_seconds, precondition_rv,
			  err);
}

int server_evict(struct server *srv, const char *ns, const char *pod,
		 struct kf_error *err)
{
	if (!srv)
		return -EINVAL;
	if (!srv->k_pod) {
		kf_error_init(err);
		return srv_no_such_resource(err);
	}
	return server_delete(srv, srv->k_pod, ns, pod, -1, 0, err);
}
