/*
 * read.c — reads: one object, a prefix walk, the event log, the current
 * and oldest resumable resourceVersions. Each runs in one short LMDB read
 * transaction (a consistent snapshot).
 */
#include "store/store_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

int store_from_storage(struct store *s, const char *key, const char *data,
		       size_t len, char **ret_buf, size_t *ret_len)
{
	char *buf = NULL;
	size_t blen = 0;
	int r;

	if (!s->xf || !s->xf->from_storage) {
		*ret_buf = NULL;
		return 0;
	}
	r = s->xf->from_storage(s->xf->ud, key, data, len, &buf, &blen);
	if (r < 0)
		return r;
	*ret_buf = buf;
	*ret_len = blen;
	return 0;
}

static void note_rv(struct store *s, uint64_t rv)
{
	uint64_t seen = atomic_load(&s->last_rv);

	while (rv > seen &&
	       !atomic_compare_exchange_weak(&s->last_rv, &seen, rv))
		;
}

int store_get(struct store *s, const char *key, char **ret_data,
	      size_t *ret_len, uint64_t *ret_rv)
{
	MDB_txn *txn;
	MDB_val k, v;
	uint64_t rv;
	size_t len, plen = 0;
	char *data, *plain = NULL;
	int r;

	if (!key_ok(key, &k.mv_size))
		return -EINVAL;
	k.mv_data = (void *)key;
	r = store_read_begin(s, &txn);
	if (r < 0)
		return r;
	r = store_errno(mdb_get(txn, s->dbi_objects, &k, &v));
	if (r < 0)
		goto out;
	if (v.mv_size < OBJ_HDR_SIZE) {
		r = -EIO;
		goto out;
	}
	len = v.mv_size - OBJ_HDR_SIZE;
	memcpy(&rv, v.mv_data, sizeof(rv));
	r = store_from_storage(s, key, (char *)v.mv_data + OBJ_HDR_SIZE, len,
			       &plain, &plen);
	if (r < 0)
		goto out;
	if (plain) {
		data = realloc(plain, plen + 1);
		len = plen;
	} else {
		data = malloc(len + 1);
	}
	if (!data) {
		free(plain);
		r = -ENOMEM;
		goto out;
	}
	if (!plain)
		memcpy(data, (char *)v.mv_data + OBJ_HDR_SIZE, len);
	data[len] = '\0';
	*ret_data = data;
	*ret_len = len;
	*ret_rv = rv;
out:
	store_read_end(s, txn);
	return r;
}

/* Hand one stored object to a store_list() callback, transformed. */
static int list_one(struct store *s, store_list_fn fn, void *ud,
		    const char *key, size_t key_len, const char *data,
		    size_t len, uint64_t rv)
{
	char *plain = NULL;
	size_t plen = 0;
	int r;

	r = store_from_storage(s, key, data, len, &plain, &plen);
	if (r < 0)
		return r;
	if (!plain)
		return fn(ud, key, key_len, data, len, rv);
	r = fn(ud, key, key_len, plain, plen, rv);
	free(plain);
	return r;
}

bool store_stale(struct store *s, const char *key)
{
	MDB_txn *txn;
	MDB_val k, v;
	bool stale = false;

	if (!s->xf || !s->xf->stale || !key_ok(key, &k.mv_size))
		return false;
	k.mv_data = (void *)key;
	if (store_read_begin(s, &txn) < 0)
		return false;
	if (mdb_get(txn, s->dbi_objects, &k, &v) == 0 &&
	    v.mv_size >= OBJ_HDR_SIZE)
		stale = s->xf->stale(s->xf->ud, key,
				     (const char *)v.mv_data + OBJ_HDR_SIZE,
				     v.mv_size - OBJ_HDR_SIZE);
	store_read_end(s, txn);
	return stale;
}

int store_list(struct store *s, const char *prefix, store_list_fn fn, void *ud,
	       uint64_t *ret_rv)
{
	char key[STORE_KEY_MAX + 1];
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	uint64_t snap_rv, rv;
	size_t plen;
	int r, rc;

	if (!prefix || !fn)
		return -EINVAL;
	plen = strlen(prefix);
	r = store_read_begin(s, &txn);
	if (r < 0)
		return r;
	r = store_meta_get(s, txn, "current_rv", &snap_rv);
	if (r < 0)
		goto out;
	r = store_errno(mdb_cursor_open(txn, s->dbi_objects, &cur));
	if (r < 0)
		goto out;
	/* Keys are 1..STORE_KEY_MAX bytes: a longer prefix matches none. */
	if (plen > STORE_KEY_MAX)
		goto out_cursor;
	k.mv_size = plen;
	k.mv_data = (void *)prefix;
	rc = plen ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)
		  : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (k.mv_size > STORE_KEY_MAX || v.mv_size < OBJ_HDR_SIZE) {
			r = -EIO;
			goto out_cursor;
		}
		memcpy(key, k.mv_data, k.mv_size);
		key[k.mv_size] = '\0';
		memcpy(&rv, v.mv_data, sizeof(rv));
		r = list_one(s, fn, ud, key, k.mv_size,
			     (const char *)v.mv_data + OBJ_HDR_SIZE,
			     v.mv_size - OBJ_HDR_SIZE, rv);
		if (r)
			goto out_cursor;
	}
	if (rc != MDB_NOTFOUND)
		r = store_errno(rc);
out_cursor:
	mdb_cursor_close(cur);
out:
	store_read_end(s, txn);
	if (r == 0) {
		note_rv(s, snap_rv);
		if (ret_rv)
			*ret_rv = snap_rv;
	}
	return r;
}

/* Hand one logged event to a store_events() callback, its values
 * transformed. */
static int event_one(struct store *s, store_event_fn fn, void *ud,
		     struct store_event *ev)
{
	char key[STORE_KEY_MAX + 1];
	char *data = NULL, *old = NULL;
	size_t dlen = 0, olen = 0;
	int r;

	if (!s->xf)
		return fn(ud, ev);
	if (ev->key_len > STORE_KEY_MAX)
		return -EIO;
	memcpy(key, ev->key, ev->key_len);
	key[ev->key_len] = '\0';
	r = ev->data
		? store_from_storage(s, key, ev->data, ev->len, &data, &dlen)
		: 0;
	/* a DELETED event's value is its old value: transformed once */
	if (r == 0 && ev->old && ev->old != ev->data)
		r = store_from_storage(s, key, ev->old, ev->old_len, &old,
				       &olen);
	if (r < 0)
		goto out;
	if (data && ev->old == ev->data) {
		ev->old = data;
		ev->old_len = dlen;
	}
	if (data) {
		ev->data = data;
		ev->len = dlen;
	}
	if (old) {
		ev->old = old;
		ev->old_len = olen;
	}
	r = fn(ud, ev);
out:
	free(data);
	free(old);
	return r;
}

int store_events(struct store *s, uint64_t after_rv, size_t max,
		 store_event_fn fn, void *ud)
{
	unsigned char kbuf[8];
	struct store_event ev;
	uint64_t current, compacted, want, t;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	size_t sent = 0;
	int r, rc;

	if (!fn)
		return -EINVAL;
	r = store_read_begin(s, &txn);
	if (r < 0)
		return r;
	r = store_meta_get(s, txn, "current_rv", &current);
	if (r == 0)
		r = store_meta_get(s, txn, "compacted_rv", &compacted);
	if (r < 0)
		goto out;
	note_rv(s, current);
	if (after_rv < compacted) {
		r = -ERANGE;
		goto out;
	}
	if (after_rv >= current)
		goto out; /* not yet */
	r = store_errno(mdb_cursor_open(txn, s->dbi_log, &cur));
	if (r < 0)
		goto out;
	want = after_rv + 1;
	log_key(want, kbuf);
	k.mv_size = sizeof(kbuf);
	k.mv_data = kbuf;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		r = log_decode(&k, &v, &ev, &t);
		if (r < 0)
			goto out_cursor;
		/* The log is contiguous: a gap is damage, not a gap. */
		if (ev.rv != want++) {
			r = -EIO;
			goto out_cursor;
		}
		r = event_one(s, fn, ud, &ev);
		if (r)
			goto out_cursor;
		if (max && ++sent == max)
			goto out_cursor;
	}
	r = rc == MDB_NOTFOUND && want > current ? 0 : -EIO;
out_cursor:
	mdb_cursor_close(cur);
out:
	store_read_end(s, txn);
	return r;
}

uint64_t store_current_rv(struct store *s)
{
	MDB_txn *txn;
	uint64_t rv;

	if (store_read_begin(s, &txn) < 0)
		return atomic_load(&s->last_rv);
	if (store_meta_get(s, txn, "current_rv", &rv) == 0)
		note_rv(s, rv);
	store_read_end(s, txn);
	return atomic_load(&s->last_rv);
}

uint64_t store_oldest_resumable_rv(struct store *s)
{
	MDB_txn *txn;
	uint64_t rv = 0;

	if (store_read_begin(s, &txn) < 0)
		return 0;
	if (store_meta_get(s, txn, "compacted_rv", &rv) < 0)
		rv = 0;
	store_read_end(s, txn);
	return rv;
}
