/*
 * server_batch.c — a manifest of several documents applied all or
 * nothing (server_apply_all).
 *
 * Every document goes through the ordinary registry path (server_apply),
 * but while a batch is open on the calling thread, srv_commit() queues
 * the store ops instead of writing them, and srv_read() sees the queued
 * values first, so that a document may rely on an earlier one (a
 * Namespace, then objects in it; the same name twice). When every
 * document was accepted, the queue is one store_write(): either every
 * object of the manifest is stored or none is. A race lost at that write
 * (another writer changed an object meanwhile) runs the whole manifest
 * again, as a single write retries its read-modify-write.
 */
#include "apiserver/server_i.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

/* The rv a queued value reads with: never a real one, so an update
 * built on it waits for nothing but the queue's order. */
#define BATCH_RV (STORE_RV_ABSENT - 1)

struct srv_batch {
	struct store_op *ops;
	char **owned; /* keys and values of ops (one each per op) */
	size_t nops, cap;
	struct svc_plan *plans; /* kept until the write's outcome is known */
	size_t nplans;
	json_t *finish; /* namespaces to finish after the write */
};

static __thread struct srv_batch *batch_cur;

bool srv_batching(void)
{
	return batch_cur != NULL;
}

int srv_batch_read(const char *key, json_t **ret_obj, uint64_t *ret_rv)
{
	struct srv_batch *b = batch_cur;
	json_t *obj;

	for (size_t i = b->nops; i-- > 0;) {
		const struct store_op *op = &b->ops[i];

		if (strcmp(op->key, key))
			continue;
		if (op->type == STORE_DELETE)
			return -ENOENT;
		obj = server_decode_value(op->data, op->len, BATCH_RV);
		if (!obj)
			return -EIO;
		*ret_obj = obj;
		if (ret_rv)
			*ret_rv = BATCH_RV;
		return 0;
	}
	return 1; /* not in the batch: read the store */
}

static int batch_grow(struct srv_batch *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 16;
	struct store_op *ops;
	char **owned;

	if (b->nops + more <= b->cap)
		return 0;
	while (cap < b->nops + more)
		cap *= 2;
	ops = realloc(b->ops, cap * sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	b->ops = ops;
	owned = realloc(b->owned, 2 * cap * sizeof(*owned));
	if (!owned)
		return -ENOMEM;
	b->owned = owned;
	b->cap = cap;
	return 0;
}

/* Queue a copy of op (its key and value owned by the batch). */
static int batch_push(struct srv_batch *b, const struct store_op *op, bool copy)
{
	struct store_op *q;
	char *key = NULL, *data = NULL;

	if (copy) {
		key = strdup(op->key);
		data = op->type == STORE_PUT ? malloc(op->len + 1) : NULL;
		if (!key || (op->type == STORE_PUT && !data)) {
			free(key);
			free(data);
			return -ENOMEM;
		}
		if (data && op->len)
			memcpy(data, op->data, op->len);
	}
	q = &b->ops[b->nops];
	*q = *op;
	if (copy) {
		q->key = key;
		q->data = data;
	}
	/* an update of a queued value: the queue's order is the check */
	if (q->expect_rv == BATCH_RV)
		q->expect_rv = STORE_RV_ANY;
	b->owned[2 * b->nops] = key;
	b->owned[2 * b->nops + 1] = data;
	b->nops++;
	return 0;
}

int srv_batch_add(struct server *srv, const struct store_op *op,
		  const struct store_op *also, size_t nalso,
		  struct svc_plan *plan, uint64_t *ret_rv)
{
	struct srv_batch *b = batch_cur;
	struct svc_plan *plans;
	int r;

	if (plan) {
		r = svc_plan_ops(srv, plan);
		if (r < 0) {
			svc_plan_abort(srv, plan);
			return r;
		}
	}
	r = batch_grow(b, 1 + nalso + (plan ? plan->nops : 0));
	if (r == 0 && plan) {
		plans = realloc(b->plans, (b->nplans + 1) * sizeof(*plans));
		if (plans)
			b->plans = plans;
		else
			r = -ENOMEM;
	}
	if (r == 0)
		r = batch_push(b, op, true);
	for (size_t i = 0; r == 0 && i < nalso; i++)
		r = batch_push(b, &also[i], true);
	if (r < 0) {
		if (plan)
			svc_plan_abort(srv, plan);
		return r;
	}
	if (plan) {
		/* the plan's ops borrow its keys: it stays alive */
		for (size_t i = 0; i < plan->nops; i++)
			batch_push(b, &plan->ops[i], false);
		b->plans[b->nplans++] = *plan;
	}
	if (ret_rv)
		*ret_rv = BATCH_RV;
	return 0;
}

void srv_namespace_finish_after(struct server *srv, const char *ns)
{
	if (batch_cur)
		json_array_append_new(batch_cur->finish, json_string(ns));
	else
		srv_namespace_finish(srv, ns);
}

static void batch_end(struct server *srv, struct srv_batch *b, bool stored)
{
	size_t i;
	json_t *v;

	for (i = 0; i < b->nplans; i++) {
		if (stored)
			svc_plan_commit(srv, &b->plans[i]);
		else
			svc_plan_abort(srv, &b->plans[i]);
	}
	if (stored)
		json_array_foreach (b->finish, i, v)
			srv_namespace_finish(srv, json_string_value(v));
	for (i = 0; i < 2 * b->nops; i++)
		free(b->owned[i]);
	free(b->owned);
	free(b->ops);
	free(b->plans);
	json_decref(b->finish);
	memset(b, 0, sizeof(*b));
}

/* Several rejections are reported as one message, one line each. */
static void err_append(struct kf_error *all, const struct kf_error *one)
{
	size_t len;

	if (!all)
		return;
	if (!all->code) {
		*all = *one;
		return;
	}
	len = strlen(all->msg);
	if (len + 2 >= sizeof(all->msg))
		return;
	all->msg[len++] = '\n';
	for (size_t i = 0; one->msg[i] && len + 1 < sizeof(all->msg); i++)
		all->msg[len++] = one->msg[i];
	all->msg[len] = '\0';
}

/* Judge every document, queueing the accepted ones. The first failure's
 * errno; every failure's sentence in err. */
static int batch_judge(struct server *srv, const json_t *docs,
		       const char *default_ns, struct kf_error *err)
{
	size_t i;
	json_t *doc;
	int first = 0;

	json_array_foreach (docs, i, doc) {
		struct kf_error one;
		int r;

		kf_error_init(&one);
		r = server_apply(srv, doc, default_ns, &one, NULL);
		if (r < 0) {
			err_append(err, &one);
			if (!first)
				first = r;
		}
	}
	return first;
}

int server_apply_all(struct server *srv, const json_t *docs,
		     const char *default_ns, struct kf_error *err)
{
	struct srv_batch b = {0};
	struct kf_error all;
	size_t idx = 0;
	int r = 0;

	if (!srv || !json_is_array(docs))
		return -EINVAL;
	kf_error_init(err);
	if (json_array_size(docs) > SERVER_APPLY_MAX)
		return kf_error_set(err, -EFBIG,
				    "the manifest holds %zu objects: at most "
				    "%d can be applied at once",
				    json_array_size(docs), SERVER_APPLY_MAX);
	for (int i = 0; i < SRV_RETRIES; i++) {
		kf_error_init(&all);
		b.finish = json_array();
		if (!b.finish)
			return -ENOMEM;
		batch_cur = &b;
		r = batch_judge(srv, docs, default_ns, &all);
		batch_cur = NULL;
		if (r == 0 && b.nops)
			r = store_write(srv->store, b.ops, b.nops, &idx);
		batch_end(srv, &b, r == 0);
		if (all.code) {
			/* the documents' own verdicts */
			if (err)
				*err = all;
			return r;
		}
		if (r != -EEXIST && r != -ESTALE && r != -ENOENT)
			break;
		/* lost a race at the write: judge again */
	}
	if (r == -EEXIST || r == -ESTALE || r == -ENOENT)
		return kf_error_set(err, -ESTALE,
				    "Operation cannot be fulfilled: the "
				    "objects of the manifest were changed "
				    "meanwhile; please apply it again");
	if (r < 0)
		return srv_store_error(r, err);
	return 0;
}
