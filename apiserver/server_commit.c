/*
 * server_commit.c — the store write of every object write: the object,
 * its companions (admission's, e.g. a quota's charge) and its Service
 * allocations in one atomic store transaction, or queued in the open
 * batch (server_batch.c).
 */
#include "apiserver/server_i.h"

#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

/* The store ops of a write's companions (admission_attrs.also): each
 * object encoded, to be put at its key if still at its rv. *ret_ops and
 * *ret_bufs owned (free the bufs' entries too); *ret_n entries. */
static int also_ops(const json_t *also, struct kf_error *err,
		    struct store_op **ret_ops, char ***ret_bufs, size_t *ret_n)
{
	size_t n = json_array_size(also), i;
	struct store_op *ops = calloc(n ? n : 1, sizeof(*ops));
	char **bufs = calloc(n ? n : 1, sizeof(*bufs));
	json_t *e;
	int r = ops && bufs ? 0 : -ENOMEM;

	json_array_foreach (also, i, e) {
		_cleanup_json_ json_t *obj = NULL;
		size_t len;

		if (r < 0)
			break;
		obj = json_deep_copy(json_object_get(e, "obj"));
		if (!obj) {
			r = -ENOMEM;
			break;
		}
		r = srv_encode(obj, err, &bufs[i], &len);
		ops[i].type = STORE_PUT;
		ops[i].key = json_string_value(json_object_get(e, "key"));
		ops[i].data = bufs[i];
		ops[i].len = len;
		ops[i].expect_rv =
		    (uint64_t)json_integer_value(json_object_get(e, "rv"));
	}
	if (r < 0) {
		for (i = 0; bufs && i < n; i++)
			free(bufs[i]);
		free(bufs);
		free(ops);
		return r;
	}
	*ret_ops = ops;
	*ret_bufs = bufs;
	*ret_n = n;
	return 0;
}

static void also_free(char **bufs, size_t n)
{
	for (size_t i = 0; bufs && i < n; i++)
		free(bufs[i]);
	free(bufs);
}

int srv_commit(struct server *srv, struct store_op *op, struct svc_plan *plan,
	       struct kf_error *err, uint64_t *ret_rv)
{
	return srv_commit_also(srv, op, NULL, plan, err, ret_rv);
}

int srv_commit_also(struct server *srv, struct store_op *op, const json_t *also,
		    struct svc_plan *plan, struct kf_error *err,
		    uint64_t *ret_rv)
{
	_cleanup_free_ struct store_op *ops = NULL, *aops = NULL;
	char **abufs = NULL;
	size_t n = 1, na = 0, idx = 0;
	int r;

	if (json_array_size(also)) {
		r = also_ops(also, err, &aops, &abufs, &na);
		if (r < 0) {
			if (plan)
				svc_plan_abort(srv, plan);
			return r;
		}
	}
	if (srv_batching()) {
		r = srv_batch_add(srv, op, aops, na, plan, ret_rv);
		also_free(abufs, na);
		return r < 0 ? srv_store_error(r, err) : 0;
	}
	if (plan) {
		r = svc_plan_ops(srv, plan);
		if (r < 0) {
			svc_plan_abort(srv, plan);
			also_free(abufs, na);
			return kf_error_set(err, r,
					    "Internal error occurred: "
					    "out of memory");
		}
		n += plan->nops;
	}
	n += na;
	ops = calloc(n, sizeof(*ops));
	if (!ops) {
		if (plan)
			svc_plan_abort(srv, plan);
		also_free(abufs, na);
		return -ENOMEM;
	}
	ops[0] = *op;
	if (na)
		memcpy(ops + 1, aops, na * sizeof(*ops));
	if (plan && plan->nops)
		memcpy(ops + 1 + na, plan->ops, plan->nops * sizeof(*ops));

	r = store_write(srv->store, ops, n, &idx);
	also_free(abufs, na);
	if (r == 0) {
		if (plan)
			svc_plan_commit(srv, plan);
		if (ret_rv)
			*ret_rv = ops[0].ret_rv;
		return 0;
	}
	if (idx >= 1 && idx < 1 + na &&
	    (r == -EEXIST || r == -ESTALE || r == -ENOENT)) {
		/* a companion (a quota) moved: judge the write again */
		r = SRV_RETRY;
	} else if (plan && idx >= 1 + na && idx < n &&
		   (r == -EEXIST || r == -ESTALE || r == -ENOENT)) {
		const char *slash = strchr(plan->owner, '/');

		r = r == -EEXIST ? svc_plan_clash(srv, plan, idx - 1 - na,
						  slash ? slash + 1 : "", err)
				 : SRV_RETRY;
	} else if (!(idx == 0 &&
		     (r == -EEXIST || r == -ESTALE || r == -ENOENT))) {
		r = srv_store_error(r, err);
	}
	if (plan)
		svc_plan_abort(srv, plan);
	return r;
}

int srv_put_at_rv(struct server *srv, const char *key, json_t *n, uint64_t rv,
		  struct kf_error *err)
{
	_cleanup_free_ char *data = NULL;
	struct store_op op = {0};
	size_t len;
	int r;

	r = srv_encode(n, err, &data, &len);
	if (r < 0)
		return r;
	op.type = STORE_PUT;
	op.key = key;
	op.data = data;
	op.len = len;
	op.expect_rv = rv;
	r = srv_commit(srv, &op, NULL, err, NULL);
	if (r == -ESTALE || r == -ENOENT)
		return SRV_RETRY;
	return r;
}
