/*
 * commit.c — writes and group commit.
 *
 * store_write() queues its request. The first writer to find no commit
 * under way becomes the committer: it takes every queued request (up to
 * a budget), runs them all in one LMDB write transaction — each request
 * in a nested transaction, so a request that fails leaves no trace while
 * the others commit — and commits once: one disk sync for the whole
 * group. It then wakes each writer of the group with its own result and
 * hands the committer's role to the oldest writer still queued, who
 * commits everything queued meanwhile. A lone writer thus commits its own
 * write with no thread switch, and N writers waiting together share one
 * sync.
 */
#include "store/store_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* try_group() results besides 0 and -errno. */
#define GROUP_GROW 1  /* the map is full below map_max: grow and retry */
#define GROUP_ADOPT 2 /* another process grew the map: adopt and retry */

/* Growth doubles the map: this many tries reach any map_max. */
#define GROUP_TRIES 80

static bool key_ok(const char *key, size_t *ret_len)
{
	size_t len;

	if (!key)
		return false;
	len = strnlen(key, STORE_KEY_MAX + 1);
	if (len == 0 || len > STORE_KEY_MAX)
		return false;
	*ret_len = len;
	return true;
}

/* Check op's precondition against the stored object (exists, cur_rv). */
static int check_expect(const struct store_op *op, bool exists, uint64_t cur_rv)
{
	if (!exists && op->type == STORE_DELETE)
		return -ENOENT;
	if (op->expect_rv == STORE_RV_ABSENT)
		return exists ? -EEXIST : 0;
	if (!exists)
		return op->expect_rv != STORE_RV_ANY ? -ENOENT : 0;
	if (op->expect_rv != STORE_RV_ANY && cur_rv != op->expect_rv)
		return -ESTALE;
	return 0;
}

/* Apply one op as rv, with its event. */
static int apply_op(struct store *s, MDB_txn *txn, const struct store_op *op,
		    uint64_t rv, uint64_t now)
{
	MDB_val k = {strlen(op->key), (void *)op->key}, v;
	enum store_event_type type;
	size_t old_len = 0;
	uint64_t cur_rv = 0;
	bool exists;
	char *old_area;
	int r, rc;

	rc = mdb_get(txn, s->dbi_objects, &k, &v);
	if (rc && rc != MDB_NOTFOUND)
		return store_errno(rc);
	exists = rc == 0;
	if (exists) {
		if (v.mv_size < OBJ_HDR_SIZE)
			return -EIO;
		memcpy(&cur_rv, v.mv_data, sizeof(cur_rv));
		old_len = v.mv_size - OBJ_HDR_SIZE;
	}
	r = check_expect(op, exists, cur_rv);
	if (r < 0)
		return r;

	if (op->type == STORE_DELETE)
		type = STORE_EV_DELETED;
	else
		type = exists ? STORE_EV_MODIFIED : STORE_EV_ADDED;
	r = log_append(s, txn, rv, type, op->key, k.mv_size,
		       type == STORE_EV_DELETED ? NULL : op->data,
		       type == STORE_EV_DELETED ? 0 : op->len, old_len, now,
		       &old_area);
	if (r < 0)
		return r;
	if (exists) {
		/* Fetch again: the append may have moved dirty pages. */
		rc = mdb_get(txn, s->dbi_objects, &k, &v);
		if (rc)
			return rc == MDB_NOTFOUND ? -EIO : store_errno(rc);
		if (v.mv_size != OBJ_HDR_SIZE + old_len)
			return -EIO;
		memcpy(old_area, (char *)v.mv_data + OBJ_HDR_SIZE, old_len);
	}

	if (op->type == STORE_DELETE)
		return store_errno(mdb_del(txn, s->dbi_objects, &k, NULL));
	v.mv_size = OBJ_HDR_SIZE + op->len;
	v.mv_data = NULL;
	rc = mdb_put(txn, s->dbi_objects, &k, &v, MDB_RESERVE);
	if (rc)
		return store_errno(rc);
	memcpy(v.mv_data, &rv, sizeof(rv));
	if (op->len)
		memcpy((char *)v.mv_data + OBJ_HDR_SIZE, op->data, op->len);
	return 0;
}

/*
 * Apply a request in txn (a nested transaction), its ops getting
 * first_rv, first_rv + 1, ... On failure *ret_index is the op that
 * failed. A request that puts anything is refused with -EDQUOT when it
 * grows the live pages past map_max minus the reserve kept for deletes.
 */
static int apply_req(struct store *s, MDB_txn *txn, struct store_req *req,
		     uint64_t first_rv, uint64_t now, size_t *ret_index)
{
	size_t before, after, quota, last_put = SIZE_MAX;
	int r;

	r = store_live_pages(s, txn, &before);
	if (r < 0)
		goto fail_first;
	for (size_t i = 0; i < req->n; i++) {
		r = apply_op(s, txn, &req->ops[i], first_rv + i, now);
		if (r < 0) {
			*ret_index = i;
			return r;
		}
		if (req->ops[i].type == STORE_PUT)
			last_put = i;
	}
	if (last_put == SIZE_MAX)
		return 0;
	r = store_live_pages(s, txn, &after);
	if (r < 0)
		goto fail_first;
	quota = (s->map_max - s->reserve) / s->psize;
	if (after > quota && after > before) {
		*ret_index = last_put;
		return -EDQUOT;
	}
	return 0;
fail_first:
	*ret_index = 0;
	return r;
}

static bool map_at_max(struct store *s)
{
	MDB_envinfo info;

	return mdb_env_info(s->env, &info) != 0 ||
	       info.me_mapsize >= s->map_max;
}

/* Drop old events in a nested transaction, so that failing (e.g. for a
 * full map) only skips it. Returns the number dropped, or a negative
 * errno when the parent transaction is unusable. */
static int compact(struct store *s, MDB_txn *txn, uint64_t current,
		   uint64_t now, size_t max)
{
	MDB_txn *child;
	int n;

	if (current <= s->keep_events)
		return 0; /* nothing can go yet */
	if (mdb_txn_begin(s->env, txn, 0, &child))
		return 0;
	n = log_compact(s, child, current, now, max);
	if (n <= 0) {
		mdb_txn_abort(child);
		return 0;
	}
	return mdb_txn_commit(child) ? -EIO : n;
}

/*
 * Run group in one write transaction. Sets each request's result and
 * returns 0, or returns GROUP_GROW / GROUP_ADOPT (nothing committed, try
 * again) or a negative errno for the whole group.
 */
static int try_group(struct store *s, struct store_req *group)
{
	uint64_t rv, now = store_now(s);
	size_t ops = 0, ok = 0, dropped;
	MDB_txn *txn, *child;
	bool at_max;
	int r, rc;

	for (struct store_req *q = group; q; q = q->next)
		ops += q->n;
	store_lock_shared(s);
	at_max = map_at_max(s);
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc) {
		store_unlock_shared(s);
		return rc == MDB_MAP_RESIZED ? GROUP_ADOPT : store_errno(rc);
	}
	/* Read inside the write transaction: another process may have
	 * written since. */
	r = store_meta_get(s, txn, "current_rv", &rv);
	if (r < 0)
		goto out_abort;
	r = compact(s, txn, rv, now, STORE_COMPACT_MIN + 2 * ops);
	if (r < 0)
		goto out_abort;
	dropped = (size_t)r;

	for (struct store_req *q = group; q; q = q->next) {
		rc = mdb_txn_begin(s->env, txn, 0, &child);
		if (rc) {
			r = store_errno(rc);
			goto out_abort;
		}
		q->index = 0;
		q->result = apply_req(s, child, q, rv + 1, now, &q->index);
		if (q->result < 0) {
			mdb_txn_abort(child);
			/* Full below map_max: grow and run everything again. */
			if (q->result == -ENOSPC && !at_max) {
				r = GROUP_GROW;
				goto out_abort;
			}
			if (q->result == -EDQUOT)
				q->result = -ENOSPC;
			continue;
		}
		rc = mdb_txn_commit(child);
		if (rc) {
			r = store_errno(rc);
			goto out_abort;
		}
		q->first_rv = rv + 1;
		rv += q->n;
		ok++;
	}
	if (!ok && !dropped) {
		mdb_txn_abort(txn);
		store_unlock_shared(s);
		return 0;
	}
	if (ok) {
		r = store_meta_put(s, txn, "current_rv", rv);
		if (r < 0)
			goto out_full;
	}
	rc = mdb_txn_commit(txn);
	store_unlock_shared(s);
	if (rc == MDB_MAP_FULL)
		return at_max ? -ENOSPC : GROUP_GROW;
	if (rc) {
		/* Unknown state on disk: refuse further writes. */
		s->broken = true;
		return -EIO;
	}
	atomic_fetch_add(&s->commits, 1);
	atomic_fetch_add(&s->writes, ok);
	uint64_t seen = atomic_load(&s->last_rv);

	while (rv > seen &&
	       !atomic_compare_exchange_weak(&s->last_rv, &seen, rv))
		;
	return 0;
out_full:
	if (r == -ENOSPC && !at_max)
		r = GROUP_GROW;
out_abort:
	mdb_txn_abort(txn);
	store_unlock_shared(s);
	return r;
}

static void commit_group(struct store *s, struct store_req *group)
{
	int r = -EIO;

	for (int tries = 0; !s->broken && tries < GROUP_TRIES; tries++) {
		r = try_group(s, group);
		if (r == GROUP_GROW)
			r = store_map_grow(s);
		else if (r == GROUP_ADOPT)
			r = store_map_adopt(s);
		else
			break;
		if (r < 0)
			break;
		r = -ENOSPC; /* if the tries run out */
	}
	if (r == 0)
		return;
	for (struct store_req *q = group; q; q = q->next) {
		q->result = r;
		q->index = 0;
	}
}

/* Take the queue's head, up to the budget of one transaction. Called
 * with s->lock held and the queue not empty. */
static struct store_req *take_group(struct store *s)
{
	struct store_req *group = s->head, *last = group;
	size_t reqs = 1, bytes = group->bytes;

	while (last->next && reqs < STORE_GROUP_REQS &&
	       bytes + last->next->bytes <= STORE_GROUP_BYTES) {
		last = last->next;
		reqs++;
		bytes += last->bytes;
	}
	s->head = last->next;
	if (!s->head)
		s->tail = NULL;
	last->next = NULL;
	return group;
}

/* Mark the group's requests done and wake their writers (but self).
 * Called with s->lock held: a writer cannot return before it is
 * released. */
static void finish_group(struct store_req *group, struct store_req *self)
{
	struct store_req *next;

	for (struct store_req *q = group; q; q = next) {
		next = q->next;
		q->done = true;
		if (q != self)
			pthread_cond_signal(&q->cond);
	}
}

/* Validate ops before queueing; the committer trusts them. */
static int check_ops(const struct store_op *ops, size_t n, size_t *ret_bytes,
		     size_t *ret_index)
{
	size_t bytes = 0, key_len;

	if (!ops || n == 0 || n > STORE_OPS_MAX) {
		*ret_index = 0;
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_op *op = &ops[i];

		*ret_index = i;
		if ((op->type != STORE_PUT && op->type != STORE_DELETE) ||
		    !key_ok(op->key, &key_len))
			return -EINVAL;
		if (op->type == STORE_PUT) {
			if (op->len && !op->data)
				return -EINVAL;
			if (op->len > STORE_VALUE_MAX)
				return -EFBIG;
			bytes += op->len;
		}
		bytes += key_len;
		if (bytes > STORE_WRITE_MAX)
			return -EFBIG;
	}
	*ret_bytes = bytes;
	return 0;
}

/* Free the ops transform_ops() made (their transformed values too). */
static void free_transformed(const struct store_op *orig, struct store_op *ops,
			     size_t n)
{
	if (!ops || ops == orig)
		return;
	for (size_t i = 0; i < n; i++)
		if (ops[i].data != orig[i].data)
			free((char *)ops[i].data);
	free(ops);
}

/*
 * The ops as the store keeps them: ops itself when the transformer
 * changes no value, else a copy (owned by the caller, freed with
 * free_transformed()) whose PUTs carry the transformed values.
 */
static int transform_ops(struct store *s, struct store_op *ops, size_t n,
			 struct store_op **ret_ops, size_t *ret_index)
{
	struct store_op *t = ops;
	char *buf;
	size_t len;
	int r;

	for (size_t i = 0; s->xf && s->xf->to_storage && i < n; i++) {
		if (ops[i].type != STORE_PUT)
			continue;
		buf = NULL;
		r = s->xf->to_storage(s->xf->ud, ops[i].key, ops[i].data,
				      ops[i].len, &buf, &len);
		if (r == 0 && buf && len > STORE_VALUE_MAX) {
			free(buf);
			r = -EFBIG;
		}
		if (r == 0 && buf && t == ops) {
			t = malloc(n * sizeof(*t));
			if (t)
				memcpy(t, ops, n * sizeof(*t));
			else
				free(buf);
			r = t ? 0 : -ENOMEM;
		}
		if (r < 0) {
			free_transformed(ops, t, n);
			*ret_index = i;
			return r;
		}
		if (buf) {
			t[i].data = buf;
			t[i].len = len;
		}
	}
	*ret_ops = t;
	return 0;
}

int store_write(struct store *s, struct store_op *ops, size_t n,
		size_t *ret_index)
{
	struct store_req req = {.ops = ops, .n = n};
	struct store_req *group;
	size_t index;
	int r;

	r = check_ops(ops, n, &req.bytes, &index);
	if (r == 0)
		r = transform_ops(s, ops, n, &req.ops, &index);
	if (r < 0) {
		if (ret_index)
			*ret_index = index;
		return r;
	}
	if (atomic_load(&s->broken)) {
		free_transformed(ops, req.ops, n);
		if (ret_index)
			*ret_index = 0;
		return -EIO;
	}
	pthread_cond_init(&req.cond, NULL);
	pthread_mutex_lock(&s->lock);
	if (s->tail)
		s->tail->next = &req;
	else
		s->head = &req;
	s->tail = &req;
	if (s->committing) {
		/* Wait to be done, or to be handed the committer's role. */
		while (!req.done && !req.lead)
			pthread_cond_wait(&req.cond, &s->lock);
	}
	if (!req.done) {
		s->committing = true;
		while (!req.done) {
			group = take_group(s);
			pthread_mutex_unlock(&s->lock);
			commit_group(s, group);
			pthread_mutex_lock(&s->lock);
			finish_group(group, &req);
		}
		if (s->head) {
			s->head->lead = true;
			pthread_cond_signal(&s->head->cond);
		} else {
			s->committing = false;
		}
	}
	pthread_mutex_unlock(&s->lock);
	pthread_cond_destroy(&req.cond);
	free_transformed(ops, req.ops, n);

	if (req.result < 0) {
		if (ret_index)
			*ret_index = req.index;
		return req.result;
	}
	for (size_t i = 0; i < n; i++)
		ops[i].ret_rv = req.first_rv + i;
	return 0;
}
