/*
 * eventlog.c — the event log: one record per rv, appended in the write
 * transaction that assigns the rv, and compacted oldest first.
 */
#include "store/store_i.h"

#include <errno.h>
#include <string.h>

void log_key(uint64_t rv, unsigned char buf[8])
{
	for (int i = 7; i >= 0; i--) {
		buf[i] = (unsigned char)rv;
		rv >>= 8;
	}
}

uint64_t log_key_rv(const MDB_val *k)
{
	const unsigned char *p = k->mv_data;
	uint64_t rv = 0;

	for (int i = 0; i < 8; i++)
		rv = rv << 8 | p[i];
	return rv;
}

int log_append(struct store *s, MDB_txn *txn, uint64_t rv,
	       enum store_event_type type, const char *key, size_t key_len,
	       const char *data, size_t len, size_t old_len, uint64_t now,
	       char **ret_old)
{
	unsigned char kbuf[8];
	struct log_rec h = {
	    .type = (uint8_t)type,
	    .key_len = (uint32_t)key_len,
	    .time = now,
	    .data_len = len,
	    .old_len = old_len,
	};
	MDB_val k = {sizeof(kbuf), kbuf}, v;
	char *p;
	int rc;

	log_key(rv, kbuf);
	v.mv_size = LOG_REC_SIZE + key_len + len + old_len;
	v.mv_data = NULL;
	/* Keys only grow: MDB_APPEND is cheaper, and refuses (KEYEXIST) a
	 * log that does not end before rv, which would be damage. */
	rc = mdb_put(txn, s->dbi_log, &k, &v, MDB_RESERVE | MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		return -EIO;
	if (rc)
		return store_errno(rc);
	p = v.mv_data;
	memcpy(p, &h, LOG_REC_SIZE);
	p += LOG_REC_SIZE;
	memcpy(p, key, key_len);
	p += key_len;
	if (len)
		memcpy(p, data, len);
	*ret_old = p + len;
	return 0;
}

int log_decode(const MDB_val *k, const MDB_val *v, struct store_event *ev,
	       uint64_t *ret_time)
{
	struct log_rec h;
	const char *p = v->mv_data;
	size_t left;

	if (k->mv_size != 8 || v->mv_size < LOG_REC_SIZE)
		return -EIO;
	memcpy(&h, p, LOG_REC_SIZE);
	left = v->mv_size - LOG_REC_SIZE;
	if (h.type < STORE_EV_ADDED || h.type > STORE_EV_DELETED ||
	    h.key_len == 0 || h.key_len > STORE_KEY_MAX || h.key_len > left ||
	    h.data_len > left - h.key_len ||
	    h.old_len != left - h.key_len - h.data_len)
		return -EIO;
	p += LOG_REC_SIZE;
	ev->rv = log_key_rv(k);
	ev->type = h.type;
	ev->key = p;
	ev->key_len = h.key_len;
	p += h.key_len;
	switch (h.type) {
	case STORE_EV_ADDED:
		if (h.old_len)
			return -EIO;
		ev->data = p;
		ev->len = h.data_len;
		ev->old = NULL;
		ev->old_len = 0;
		break;
	case STORE_EV_MODIFIED:
		ev->data = p;
		ev->len = h.data_len;
		ev->old = p + h.data_len;
		ev->old_len = h.old_len;
		break;
	default: /* DELETED: the last value is the previous one */
		if (h.data_len)
			return -EIO;
		ev->data = p;
		ev->len = h.old_len;
		ev->old = p;
		ev->old_len = h.old_len;
		break;
	}
	*ret_time = h.time;
	return 0;
}

int log_compact(struct store *s, MDB_txn *txn, uint64_t current, uint64_t now,
		size_t max)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct log_rec h;
	uint64_t rv, compacted = 0;
	int dropped = 0, r = 0, rc;

	if (current <= s->keep_events)
		return 0;
	rc = mdb_cursor_open(txn, s->dbi_log, &cur);
	if (rc)
		return store_errno(rc);
	while ((size_t)dropped < max) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		if (rc == MDB_NOTFOUND)
			break;
		if (rc) {
			r = store_errno(rc);
			goto out;
		}
		if (k.mv_size != 8 || v.mv_size < LOG_REC_SIZE) {
			r = -EIO;
			goto out;
		}
		rv = log_key_rv(&k);
		/* Among the newest keep_events: keep, and so all after it. */
		if (rv > current - s->keep_events)
			break;
		/* Young enough: keep. Times are whole seconds, so an event
		 * is old only when more than keep_seconds have passed on that
		 * clock (it is then older than keep_seconds by any clock).
		 * Events are appended in time order, so stopping here never
		 * drops a young event behind an old one (a clock stepping
		 * back only delays compaction). */
		memcpy(&h, v.mv_data, LOG_REC_SIZE);
		if (h.time > now || now - h.time <= s->keep_seconds)
			break;
		rc = mdb_cursor_del(cur, 0);
		if (rc) {
			r = store_errno(rc);
			goto out;
		}
		compacted = rv;
		dropped++;
	}
	if (compacted)
		r = store_meta_put(s, txn, "compacted_rv", compacted);
out:
	mdb_cursor_close(cur);
	return r < 0 ? r : dropped;
}
