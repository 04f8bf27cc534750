/* Unit tests of store/: objects, compare-and-swap, atomic batches, group
 * commit under threads, the event log and its compaction, reopening,
 * several processes on one store, a full map, growth, snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_i.h"

struct fixture {
	char dir[64];
	struct store *s;
};

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_tmpdir(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/kubefs-store-test.XXXXXX");
	assert_non_null(mkdtemp(buf));
}

static struct store *open_cfg(const char *dir, size_t map, size_t max,
			      uint64_t keep_events, unsigned keep_seconds)
{
	struct store_config cfg = {
	    .path = dir,
	    .map_size = map,
	    .map_size_max = max,
	    .keep_events = keep_events,
	    .keep_seconds = keep_seconds,
	    .no_sync = true,
	};
	struct store *s = NULL;

	assert_int_equal(store_open(&cfg, &s), 0);
	assert_non_null(s);
	return s;
}

/* Replace the fixture's store by a fresh one in a new directory. */
static void reopen_fresh(struct fixture *f, size_t map, size_t max,
			 uint64_t keep_events, unsigned keep_seconds)
{
	store_free(f->s);
	rm_rf(f->dir);
	make_tmpdir(f->dir, sizeof(f->dir));
	f->s = open_cfg(f->dir, map, max, keep_events, keep_seconds);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	make_tmpdir(f->dir, sizeof(f->dir));
	f->s = open_cfg(f->dir, 0, 0, 0, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_free(f->s);
	rm_rf(f->dir);
	free(f);
	return 0;
}

/* One-op helpers. */
static int put(struct store *s, const char *key, const char *val,
	       uint64_t expect, uint64_t *ret_rv)
{
	struct store_op op = {
	    .type = STORE_PUT,
	    .key = key,
	    .data = val,
	    .len = strlen(val),
	    .expect_rv = expect,
	};
	int r = store_write(s, &op, 1, NULL);

	if (r == 0 && ret_rv)
		*ret_rv = op.ret_rv;
	return r;
}

static int del(struct store *s, const char *key, uint64_t expect)
{
	struct store_op op = {
	    .type = STORE_DELETE,
	    .key = key,
	    .expect_rv = expect,
	};

	return store_write(s, &op, 1, NULL);
}

static void assert_value(struct store *s, const char *key, const char *want,
			 uint64_t want_rv)
{
	char *data = NULL;
	size_t len = 0;
	uint64_t rv = 0;

	assert_int_equal(store_get(s, key, &data, &len, &rv), 0);
	assert_int_equal(len, strlen(want));
	assert_string_equal(data, want);
	if (want_rv)
		assert_int_equal(rv, want_rv);
	free(data);
}

static void assert_absent(struct store *s, const char *key)
{
	char *data = NULL;
	size_t len = 99;
	uint64_t rv = 99;

	assert_int_equal(store_get(s, key, &data, &len, &rv), -ENOENT);
	/* out parameters untouched on failure */
	assert_null(data);
	assert_int_equal(len, 99);
	assert_int_equal(rv, 99);
}

/* ---- events, collected ---- */

struct ev_copy {
	uint64_t rv;
	int type;
	char key[64];
	char data[64];
	char old[64];
	bool has_old;
};

struct ev_list {
	struct ev_copy ev[512];
	size_t n;
	int stop_at; /* return 7 after this many, 0: never */
};

static int collect(void *ud, const struct store_event *e)
{
	struct ev_list *l = ud;
	struct ev_copy *c;

	assert_true(l->n < 512);
	c = &l->ev[l->n++];
	c->rv = e->rv;
	c->type = e->type;
	snprintf(c->key, sizeof(c->key), "%.*s", (int)e->key_len, e->key);
	snprintf(c->data, sizeof(c->data), "%.*s", (int)e->len, e->data);
	c->has_old = e->old != NULL;
	if (e->old)
		snprintf(c->old, sizeof(c->old), "%.*s", (int)e->old_len,
			 e->old);
	if (l->stop_at && (int)l->n == l->stop_at)
		return 7;
	return 0;
}

/* ---- tests ---- */

static void test_empty(void **state)
{
	struct fixture *f = *state;
	struct ev_list l = {0};
	struct store_stats st;

	assert_int_equal(store_current_rv(f->s), 0);
	assert_int_equal(store_oldest_resumable_rv(f->s), 0);
	assert_int_equal(store_events(f->s, 0, 0, collect, &l), 0);
	assert_int_equal(l.n, 0);
	assert_absent(f->s, "a");
	assert_int_equal(store_stat(f->s, &st), 0);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.log_events, 0);
	assert_true(st.map_size >= (64u << 20));
	assert_true(st.used_bytes > 0 && st.used_bytes < st.map_size);
	store_free(NULL);
}

static void test_put_get_delete(void **state)
{
	struct fixture *f = *state;
	uint64_t rv1, rv2;
	struct store_op op = {.type = STORE_PUT, .key = "empty"};

	assert_int_equal(put(f->s, "core/v1/pods/default/a", "{\"a\":1}",
			     STORE_RV_ANY, &rv1),
			 0);
	assert_int_equal(rv1, 1);
	assert_value(f->s, "core/v1/pods/default/a", "{\"a\":1}", 1);
	assert_int_equal(put(f->s, "core/v1/pods/default/a", "{\"a\":2}",
			     STORE_RV_ANY, &rv2),
			 0);
	assert_int_equal(rv2, 2);
	assert_value(f->s, "core/v1/pods/default/a", "{\"a\":2}", 2);
	assert_int_equal(store_current_rv(f->s), 2);

	/* an empty value is a value */
	assert_int_equal(store_write(f->s, &op, 1, NULL), 0);
	assert_value(f->s, "empty", "", 3);

	assert_int_equal(del(f->s, "core/v1/pods/default/a", STORE_RV_ANY), 0);
	assert_absent(f->s, "core/v1/pods/default/a");
	assert_int_equal(store_current_rv(f->s), 4);
	assert_int_equal(del(f->s, "core/v1/pods/default/a", STORE_RV_ANY),
			 -ENOENT);
	assert_int_equal(store_current_rv(f->s), 4);
}

static void test_cas(void **state)
{
	struct fixture *f = *state;
	uint64_t rv, rv2;

	assert_int_equal(put(f->s, "k", "v1", STORE_RV_ABSENT, &rv), 0);
	/* create of an existing key */
	assert_int_equal(put(f->s, "k", "v2", STORE_RV_ABSENT, NULL), -EEXIST);
	/* exact rv: stale, then right */
	assert_int_equal(put(f->s, "k", "v2", rv + 100, NULL), -ESTALE);
	assert_int_equal(put(f->s, "k", "v2", rv, &rv2), 0);
	assert_int_equal(put(f->s, "k", "v3", rv, NULL), -ESTALE);
	assert_value(f->s, "k", "v2", rv2);
	/* exact rv of a missing key */
	assert_int_equal(put(f->s, "nope", "x", 1, NULL), -ENOENT);
	/* delete with exact rv */
	assert_int_equal(del(f->s, "k", rv), -ESTALE);
	assert_int_equal(del(f->s, "k", rv2), 0);
	assert_int_equal(del(f->s, "k", rv2), -ENOENT);
	assert_int_equal(del(f->s, "k", STORE_RV_ABSENT), -ENOENT);
	/* ANY always succeeds on a put */
	assert_int_equal(put(f->s, "k", "v4", STORE_RV_ANY, NULL), 0);
	/* a delete expecting absence of an existing key */
	assert_int_equal(del(f->s, "k", STORE_RV_ABSENT), -EEXIST);
	/* failures consumed no rv */
	assert_int_equal(store_current_rv(f->s), rv2 + 2);
}

static void test_batch_atomic(void **state)
{
	struct fixture *f = *state;
	uint64_t rv;
	size_t idx = 99;
	struct store_op ops[3] = {
	    {.type = STORE_PUT, .key = "b/1", .data = "one", .len = 3},
	    {.type = STORE_PUT, .key = "b/2", .data = "two", .len = 3},
	    {.type = STORE_PUT,
	     .key = "b/x",
	     .data = "x",
	     .len = 1,
	     .expect_rv = STORE_RV_ABSENT},
	};

	assert_int_equal(put(f->s, "b/x", "exists", STORE_RV_ANY, &rv), 0);
	assert_int_equal(store_write(f->s, ops, 3, &idx), -EEXIST);
	assert_int_equal(idx, 2);
	assert_absent(f->s, "b/1");
	assert_absent(f->s, "b/2");
	assert_value(f->s, "b/x", "exists", rv);
	assert_int_equal(store_current_rv(f->s), rv);
	/* ret_rv untouched on failure */
	assert_int_equal(ops[0].ret_rv, 0);

	/* the same batch without the failing op commits, consecutive rvs */
	ops[2].expect_rv = rv;
	assert_int_equal(store_write(f->s, ops, 3, &idx), 0);
	assert_int_equal(ops[0].ret_rv, rv + 1);
	assert_int_equal(ops[1].ret_rv, rv + 2);
	assert_int_equal(ops[2].ret_rv, rv + 3);
	assert_value(f->s, "b/1", "one", rv + 1);
	assert_value(f->s, "b/x", "x", rv + 3);

	/* ops of one batch see each other: create then delete */
	struct store_op cd[2] = {
	    {.type = STORE_PUT,
	     .key = "b/t",
	     .data = "t",
	     .len = 1,
	     .expect_rv = STORE_RV_ABSENT},
	    {.type = STORE_DELETE, .key = "b/t"},
	};
	assert_int_equal(store_write(f->s, cd, 2, NULL), 0);
	assert_absent(f->s, "b/t");
	struct ev_list l = {0};

	assert_int_equal(store_events(f->s, rv + 3, 0, collect, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ev[0].type, STORE_EV_ADDED);
	assert_int_equal(l.ev[1].type, STORE_EV_DELETED);
	assert_string_equal(l.ev[1].data, "t");
}

static void test_bad_input(void **state)
{
	struct fixture *f = *state;
	char long_key[STORE_KEY_MAX + 2];
	char *data;
	size_t len, idx = 99;
	uint64_t rv;
	struct store_op ops[2] = {
	    {.type = STORE_PUT, .key = "ok", .data = "v", .len = 1},
	    {.type = STORE_PUT, .key = "", .data = "v", .len = 1},
	};

	memset(long_key, 'k', sizeof(long_key));
	long_key[STORE_KEY_MAX + 1] = '\0';
	assert_int_equal(store_write(f->s, ops, 2, &idx), -EINVAL);
	assert_int_equal(idx, 1);
	ops[1].key = long_key;
	assert_int_equal(store_write(f->s, ops, 2, &idx), -EINVAL);
	assert_int_equal(idx, 1);
	ops[1].key = NULL;
	assert_int_equal(store_write(f->s, ops, 2, &idx), -EINVAL);
	/* exactly STORE_KEY_MAX bytes is fine */
	long_key[STORE_KEY_MAX] = '\0';
	ops[1].key = long_key;
	assert_int_equal(store_write(f->s, ops, 2, &idx), 0);
	assert_value(f->s, long_key, "v", 2);

	assert_int_equal(store_write(f->s, ops, 0, &idx), -EINVAL);
	assert_int_equal(store_write(f->s, ops, STORE_OPS_MAX + 1, &idx),
			 -EINVAL);
	ops[0].len = STORE_VALUE_MAX + 1; /* never read: refused first */
	assert_int_equal(store_write(f->s, ops, 1, &idx), -EFBIG);
	assert_int_equal(idx, 0);
	ops[0].len = 1;
	ops[0].type = (enum store_op_type)42;
	assert_int_equal(store_write(f->s, ops, 1, &idx), -EINVAL);

	assert_int_equal(store_get(f->s, "", &data, &len, &rv), -EINVAL);
	long_key[STORE_KEY_MAX] = 'k';
	assert_int_equal(store_get(f->s, long_key, &data, &len, &rv), -EINVAL);
	assert_int_equal(store_current_rv(f->s), 2);
}

struct list_ctx {
	char keys[16][32];
	uint64_t rvs[16];
	size_t n;
	size_t stop_after;
};

static int list_fn(void *ud, const char *key, size_t key_len, const char *data,
		   size_t len, uint64_t rv)
{
	struct list_ctx *c = ud;

	assert_int_equal(strlen(key), key_len); /* NUL-terminated */
	assert_true(c->n < 16);
	assert_int_equal(len, 1);
	assert_int_equal(data[0], key[0]);
	snprintf(c->keys[c->n], sizeof(c->keys[0]), "%s", key);
	c->rvs[c->n++] = rv;
	if (c->stop_after && c->n == c->stop_after)
		return 5;
	return 0;
}

static void test_list(void **state)
{
	struct fixture *f = *state;
	const char *keys[] = {"b/1", "a/2", "ab/1", "a/1", "a"};
	struct list_ctx c = {0};
	uint64_t rv = 0;

	for (size_t i = 0; i < 5; i++)
		assert_int_equal(put(f->s, keys[i],
				     keys[i][0] == 'a' ? "a" : "b",
				     STORE_RV_ANY, NULL),
				 0);
	assert_int_equal(store_list(f->s, "a/", list_fn, &c, &rv), 0);
	assert_int_equal(rv, 5);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.keys[0], "a/1");
	assert_string_equal(c.keys[1], "a/2");
	assert_int_equal(c.rvs[0], 4);
	assert_int_equal(c.rvs[1], 2);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_list(f->s, "", list_fn, &c, NULL), 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.keys[0], "a");
	assert_string_equal(c.keys[4], "b/1");

	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(store_list(f->s, "a", list_fn, &c, NULL), 5);
	assert_int_equal(c.n, 2);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_list(f->s, "c/", list_fn, &c, &rv), 0);
	assert_int_equal(c.n, 0);
}

static void test_events(void **state)
{
	struct fixture *f = *state;
	struct ev_list l = {0};

	assert_int_equal(put(f->s, "e", "v1", STORE_RV_ABSENT, NULL), 0);
	assert_int_equal(put(f->s, "e", "v2", STORE_RV_ANY, NULL), 0);
	assert_int_equal(put(f->s, "other", "o", STORE_RV_ANY, NULL), 0);
	assert_int_equal(del(f->s, "e", 2), 0);

	assert_int_equal(store_events(f->s, 0, 0, collect, &l), 0);
	assert_int_equal(l.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(l.ev[i].rv, i + 1);
	assert_int_equal(l.ev[0].type, STORE_EV_ADDED);
	assert_string_equal(l.ev[0].key, "e");
	assert_string_equal(l.ev[0].data, "v1");
	assert_false(l.ev[0].has_old);
	assert_int_equal(l.ev[1].type, STORE_EV_MODIFIED);
	assert_string_equal(l.ev[1].data, "v2");
	assert_true(l.ev[1].has_old);
	assert_string_equal(l.ev[1].old, "v1");
	assert_int_equal(l.ev[2].type, STORE_EV_ADDED);
	assert_string_equal(l.ev[2].key, "other");
	assert_int_equal(l.ev[3].type, STORE_EV_DELETED);
	assert_string_equal(l.ev[3].data, "v2");
	assert_string_equal(l.ev[3].old, "v2");

	/* resume in the middle, with a limit */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_events(f->s, 1, 2, collect, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ev[0].rv, 2);
	assert_int_equal(l.ev[1].rv, 3);

	/* the callback stops the walk */
	memset(&l, 0, sizeof(l));
	l.stop_at = 1;
	assert_int_equal(store_events(f->s, 0, 0, collect, &l), 7);
	assert_int_equal(l.n, 1);

	/* not yet: current and future */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_events(f->s, 4, 0, collect, &l), 0);
	assert_int_equal(store_events(f->s, 1000, 0, collect, &l), 0);
	assert_int_equal(store_events(f->s, UINT64_MAX, 0, collect, &l), 0);
	assert_int_equal(l.n, 0);
}

/* A clock the test moves. */
static uint64_t fake_clock(void *ud)
{
	return *(uint64_t *)ud;
}

/* A clock that moves 10 s on every reading. */
static uint64_t racing_clock(void *ud)
{
	uint64_t *t = ud;

	*t += 10;
	return *t;
}

static void test_compaction(void **state)
{
	struct fixture *f = *state;
	struct ev_list l = {0};
	struct store_stats st;
	uint64_t now = 1000;
	char key[16];

	reopen_fresh(f, 0, 0, 5, 100);
	store_set_clock(f->s, fake_clock, &now);

	for (int i = 1; i <= 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(put(f->s, key, "v", STORE_RV_ANY, NULL), 0);
	}
	/* young: nothing dropped, even beyond keep_events */
	assert_int_equal(store_oldest_resumable_rv(f->s), 0);
	assert_int_equal(store_events(f->s, 0, 0, collect, &l), 0);
	assert_int_equal(l.n, 20);

	/* old: everything but the newest 5 goes at the next commit */
	now = 1200;
	assert_int_equal(put(f->s, "k21", "v", STORE_RV_ANY, NULL), 0);
	assert_int_equal(store_oldest_resumable_rv(f->s), 15);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_events(f->s, 14, 0, collect, &l), -ERANGE);
	assert_int_equal(store_events(f->s, 0, 0, collect, &l), -ERANGE);
	assert_int_equal(l.n, 0);
	assert_int_equal(store_events(f->s, 15, 0, collect, &l), 0);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.ev[0].rv, 16);
	assert_int_equal(l.ev[5].rv, 21);
	/* not yet is not too old */
	assert_int_equal(store_events(f->s, 21, 0, collect, &l), 0);
	assert_int_equal(store_stat(f->s, &st), 0);
	assert_int_equal(st.log_events, 6);

	/* both conditions: the old ones beyond the newest 5 go, young
	 * ones stay however many */
	for (int i = 22; i <= 31; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(put(f->s, key, "v", STORE_RV_ANY, NULL), 0);
	}
	assert_int_equal(store_oldest_resumable_rv(f->s), 20);
	assert_int_equal(store_stat(f->s, &st), 0);
	assert_int_equal(st.log_events, 11);
	assert_int_equal(st.objects, 31);

	/* bounded work per commit */
	for (int i = 32; i <= 300; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(put(f->s, key, "v", STORE_RV_ANY, NULL), 0);
	}
	now = 2000;
	assert_int_equal(put(f->s, "x", "v", STORE_RV_ANY, NULL), 0);
	assert_int_equal(store_oldest_resumable_rv(f->s),
			 20 + STORE_COMPACT_MIN + 2);
	/* ...and it catches up, commit after commit, up to the events
	 * that are young again (301 on) */
	for (int i = 0; i < 10; i++)
		assert_int_equal(put(f->s, "x", "v", STORE_RV_ANY, NULL), 0);
	assert_int_equal(store_current_rv(f->s), 311);
	assert_int_equal(store_oldest_resumable_rv(f->s), 300);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_events(f->s, 300, 0, collect, &l), 0);
	assert_int_equal(l.n, 11);
	assert_int_equal(l.ev[10].rv, 311);
}

/* Times are whole seconds: an event is old only once more than
 * keep_seconds have passed on that clock. */
static void test_compaction_boundary(void **state)
{
	struct fixture *f = *state;
	uint64_t now = 1000;

	reopen_fresh(f, 0, 0, 1, 100);
	store_set_clock(f->s, fake_clock, &now);
	assert_int_equal(put(f->s, "a", "1", STORE_RV_ANY, NULL), 0);
	assert_int_equal(put(f->s, "a", "2", STORE_RV_ANY, NULL), 0);
	now = 1100;
	assert_int_equal(put(f->s, "a", "3", STORE_RV_ANY, NULL), 0);
	assert_int_equal(store_oldest_resumable_rv(f->s), 0);
	now = 1101;
	assert_int_equal(put(f->s, "a", "4", STORE_RV_ANY, NULL), 0);
	/* 1 and 2 are old; 3 is old only in the next second */
	assert_int_equal(store_oldest_resumable_rv(f->s), 2);
	/* a clock stepping back drops nothing */
	now = 500;
	assert_int_equal(put(f->s, "a", "5", STORE_RV_ANY, NULL), 0);
	assert_int_equal(store_oldest_resumable_rv(f->s), 2);
}

static void test_reopen(void **state)
{
	struct fixture *f = *state;
	struct ev_list l = {0};
	char path[128];
	int fd;

	assert_int_equal(put(f->s, "a", "1", STORE_RV_ANY, NULL), 0);
	assert_int_equal(put(f->s, "b", "2", STORE_RV_ANY, NULL), 0);
	assert_int_equal(del(f->s, "a", STORE_RV_ANY), 0);
	store_free(f->s);
	f->s = open_cfg(f->dir, 0, 0, 0, 0);
	assert_int_equal(store_current_rv(f->s), 3);
	assert_absent(f->s, "a");
	assert_value(f->s, "b", "2", 2);
	assert_int_equal(store_events(f->s, 0, 0, collect, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(put(f->s, "c", "3", STORE_RV_ANY, NULL), 0);
	assert_int_equal(store_current_rv(f->s), 4);
	store_free(f->s);
	f->s = NULL;

	/* not an LMDB file: refused as incompatible */
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(write(fd, "garbage!", 8), 8);
	close(fd);
	struct store_config cfg = {.path = f->dir};

	assert_int_equal(store_open(&cfg, &f->s), -EINVAL);
	assert_null(f->s);
}

static void test_open_twice(void **state)
{
	struct fixture *f = *state;
	struct store_config cfg = {.path = f->dir};
	struct store *s2 = NULL;
	char link[128];

	assert_int_equal(store_open(&cfg, &s2), -EBUSY);
	assert_null(s2);
	/* the same directory under another name */
	snprintf(link, sizeof(link), "%s.link", f->dir);
	assert_int_equal(symlink(f->dir, link), 0);
	cfg.path = link;
	assert_int_equal(store_open(&cfg, &s2), -EBUSY);
	unlink(link);
	/* and a missing directory is created, parents too */
	snprintf(link, sizeof(link), "%s/x/y", f->dir);
	cfg.path = link;
	cfg.no_sync = true;
	assert_int_equal(store_open(&cfg, &s2), 0);
	store_free(s2);
}

/* ---- threads ---- */

#define THREADS 8
#define PER_THREAD 60

struct worker {
	struct store *s;
	int id;
	uint64_t rvs[PER_THREAD * 3];
	size_t nrv;
	int increments;
	int failed_batches;
};

/* Each worker: puts of its own keys, compare-and-swap increments of a
 * shared counter, and batches that fail (so must leave nothing). */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char key[32], val[32], bad[32];

	for (int i = 0; i < PER_THREAD; i++) {
		struct store_op op = {.type = STORE_PUT, .key = key};

		snprintf(key, sizeof(key), "w%d/%d", w->id, i % 7);
		snprintf(val, sizeof(val), "%d", i);
		op.data = val;
		op.len = strlen(val);
		if (store_write(w->s, &op, 1, NULL) != 0)
			return "put";
		w->rvs[w->nrv++] = op.ret_rv;

		/* increment the counter: read, then write expecting its rv */
		for (;;) {
			char *data, num[32];
			size_t len;
			uint64_t rv;
			int r;

			if (store_get(w->s, "counter", &data, &len, &rv))
				return "get";
			snprintf(num, sizeof(num), "%ld", atol(data) + 1);
			free(data);
			struct store_op inc = {.type = STORE_PUT,
					       .key = "counter",
					       .data = num,
					       .len = strlen(num),
					       .expect_rv = rv};
			r = store_write(w->s, &inc, 1, NULL);
			if (r == -ESTALE)
				continue;
			if (r)
				return "increment";
			w->rvs[w->nrv++] = inc.ret_rv;
			w->increments++;
			break;
		}

		/* a batch whose last op fails */
		snprintf(bad, sizeof(bad), "bad/%d/%d", w->id, i);
		struct store_op batch[2] = {
		    {.type = STORE_PUT, .key = bad, .data = "x", .len = 1},
		    {.type = STORE_PUT,
		     .key = "counter",
		     .data = "x",
		     .len = 1,
		     .expect_rv = STORE_RV_ABSENT},
		};
		size_t idx = 9;

		if (store_write(w->s, batch, 2, &idx) != -EEXIST || idx != 1)
			return "failing batch";
		w->failed_batches++;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct count_ctx {
	size_t n;
};

static int count_fn(void *ud, const char *key, size_t key_len, const char *data,
		    size_t len, uint64_t rv)
{
	struct count_ctx *c = ud;

	(void)key;
	(void)key_len;
	(void)data;
	(void)len;
	(void)rv;
	c->n++;
	return 0;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	static struct worker w[THREADS];
	pthread_t t[THREADS];
	static uint64_t all[THREADS * PER_THREAD * 2];
	size_t n = 0;
	struct store_stats st;
	struct count_ctx c = {0};
	void *res;

	reopen_fresh(f, 0, 0, 0, 0);
	assert_int_equal(put(f->s, "counter", "0", STORE_RV_ABSENT, NULL), 0);
	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].s = f->s;
		w[i].id = i;
		assert_int_equal(
		    pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		if (res)
			fail_msg("worker %d: %s", i, (char *)res);
		/* each thread saw its own rvs strictly increasing */
		for (size_t j = 1; j < w[i].nrv; j++)
			assert_true(w[i].rvs[j] > w[i].rvs[j - 1]);
		memcpy(all + n, w[i].rvs, w[i].nrv * sizeof(uint64_t));
		n += w[i].nrv;
	}
	assert_int_equal(n, THREADS * PER_THREAD * 2);
	/* every rv given once: 2 .. n+1 exactly (1 made the counter) */
	qsort(all, n, sizeof(all[0]), cmp_u64);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(all[i], i + 2);
	assert_int_equal(store_current_rv(f->s), n + 1);
	assert_value(f->s, "counter", "480", 0);
	/* failed batches left nothing */
	assert_int_equal(store_list(f->s, "bad/", count_fn, &c, NULL), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_stat(f->s, &st), 0);
	assert_int_equal(st.writes, n + 1);
	assert_true(st.commits >= 1 && st.commits <= st.writes);
	assert_int_equal(st.objects, THREADS * 7 + 1);
}

/* ---- several processes ---- */

/* Run fn in a child process with its own store handle on dir; returns
 * the child's pid. The child exits 0 on success. */
static pid_t spawn(const char *dir, size_t map, int (*fn)(struct store *))
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct store_config cfg = {
		    .path = dir, .map_size = map, .no_sync = true};
		struct store *s;
		int r;

		if (store_open(&cfg, &s) < 0)
			_exit(2);
		r = fn(s);
		store_free(s);
		_exit(r ? 1 : 0);
	}
	return pid;
}

static void assert_child_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int child_writes(struct store *s)
{
	char key[32];

	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "child/%d", i);
		if (put(s, key, "c", STORE_RV_ABSENT, NULL))
			return -1;
	}
	return 0;
}

static void test_multiprocess(void **state)
{
	struct fixture *f = *state;
	struct ev_list l = {0};
	struct count_ctx c = {0};
	char key[32];
	pid_t pid;

	assert_int_equal(put(f->s, "parent/first", "p", STORE_RV_ANY, NULL), 0);
	pid = spawn(f->dir, 0, child_writes);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "parent/%d", i);
		assert_int_equal(put(f->s, key, "p", STORE_RV_ABSENT, NULL), 0);
	}
	assert_child_ok(pid);
	/* one rv sequence and one log for both */
	assert_int_equal(store_current_rv(f->s), 201);
	assert_int_equal(store_list(f->s, "child/", count_fn, &c, NULL), 0);
	assert_int_equal(c.n, 100);
	assert_int_equal(store_events(f->s, 0, 0, collect, &l), 0);
	assert_int_equal(l.n, 201);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(l.ev[i].rv, i + 1);
	assert_int_equal(put(f->s, "parent/last", "p", STORE_RV_ANY, NULL), 0);
	assert_int_equal(store_current_rv(f->s), 202);
}

static int grow_count; /* set before fork() */

static int child_grows(struct store *s)
{
	static char big[64 * 1024];
	char key[32];

	memset(big, 'g', sizeof(big));
	for (int i = 0; i < grow_count; i++) {
		struct store_op op = {.type = STORE_PUT,
				      .key = key,
				      .data = big,
				      .len = sizeof(big)};

		snprintf(key, sizeof(key), "grown/%d", i);
		if (store_write(s, &op, 1, NULL))
			return -1;
	}
	return 0;
}

/* Another process grows the map past this one's: reads and writes here
 * adopt the new size (MDB_MAP_RESIZED). */
static void test_map_resized_elsewhere(void **state)
{
	struct fixture *f = *state;
	struct store_stats st;
	char *data;
	size_t len;
	uint64_t rv;

	reopen_fresh(f, 1 << 20, 64 << 20, 0, 0);
	assert_int_equal(put(f->s, "small", "s", STORE_RV_ANY, NULL), 0);
	grow_count = 64;
	assert_child_ok(spawn(f->dir, 32 << 20, child_grows));
	/* a write first (the committer adopts), then a read */
	assert_int_equal(put(f->s, "after", "a", STORE_RV_ANY, &rv), 0);
	assert_int_equal(rv, 66);
	assert_int_equal(store_get(f->s, "grown/63", &data, &len, &rv), 0);
	assert_int_equal(len, 64 * 1024);
	free(data);
	assert_int_equal(store_stat(f->s, &st), 0);
	assert_true(st.map_size >= (8u << 20));
	/* and a read first, past this process' 32 MiB */
	grow_count = 300;
	assert_child_ok(spawn(f->dir, 128 << 20, child_grows));
	assert_int_equal(store_get(f->s, "grown/299", &data, &len, &rv), 0);
	assert_int_equal(rv, 366);
	free(data);
	assert_int_equal(store_stat(f->s, &st), 0);
	assert_int_equal(st.map_size, 128 << 20);
	assert_int_equal(put(f->s, "after", "a", STORE_RV_ANY, &rv), 0);
	assert_int_equal(rv, 367);
}

/* ---- map size ---- */

static void test_growth(void **state)
{
	struct fixture *f = *state;
	static char val[8192];
	struct store_stats st;
	char key[32];

	reopen_fresh(f, 64 << 10, 64 << 20, 0, 0);
	assert_int_equal(store_stat(f->s, &st), 0);
	assert_int_equal(st.map_size, 64 << 10);
	memset(val, 'v', sizeof(val));
	val[sizeof(val) - 1] = '\0';
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "g/%03d", i);
		assert_int_equal(put(f->s, key, val, STORE_RV_ANY, NULL), 0);
	}
	assert_int_equal(store_stat(f->s, &st), 0);
	assert_true(st.map_size > (4u << 20));
	assert_true(st.map_size <= (64u << 20));
	assert_true(st.used_bytes > 300 * 8192);
	/* the grown size is kept across a reopen */
	store_free(f->s);
	f->s = open_cfg(f->dir, 64 << 10, 64 << 20, 0, 0);
	assert_int_equal(store_stat(f->s, &st), 0);
	assert_true(st.map_size > (4u << 20));
	assert_value(f->s, "g/299", val, 300);
}

static int fill(struct store *s, const char *prefix, size_t vlen, int max)
{
	static char val[16384];
	char key[32];
	int i, r = 0;

	memset(val, 'f', sizeof(val));
	for (i = 0; i < max; i++) {
		struct store_op op = {
		    .type = STORE_PUT, .key = key, .data = val, .len = vlen};

		snprintf(key, sizeof(key), "%s/%04d", prefix, i);
		r = store_write(s, &op, 1, NULL);
		if (r)
			break;
	}
	assert_int_equal(r, -ENOSPC);
	return i;
}

static void test_map_full(void **state)
{
	struct fixture *f = *state;
	struct store_stats st;
	char key[32];
	uint64_t rv;
	int n;

	reopen_fresh(f, 1 << 20, 1 << 20, 0, 0);
	n = fill(f->s, "full", 4000, 10000);
	assert_true(n > 10);
	rv = store_current_rv(f->s);
	assert_int_equal(rv, (uint64_t)n);
	/* reads work */
	assert_int_equal(store_stat(f->s, &st), 0);
	assert_int_equal(st.map_size, 1 << 20);
	assert_int_equal(st.objects, n);
	snprintf(key, sizeof(key), "full/%04d", n - 1);
	char *data;
	size_t len;

	assert_int_equal(store_get(f->s, key, &data, &len, &rv), 0);
	assert_int_equal(len, 4000);
	free(data);
	/* deletes work (their events keep the old values) */
	for (int i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "full/%04d", i);
		assert_int_equal(del(f->s, key, STORE_RV_ANY), 0);
	}
	assert_int_equal(store_current_rv(f->s), (uint64_t)n + 8);
}

/* With compaction (all events old, keep 1) deleting everything frees the
 * space, and puts work again. */
static void test_map_full_recovers(void **state)
{
	struct fixture *f = *state;
	uint64_t now = 1000;
	char key[32];
	int n, again;

	reopen_fresh(f, 1 << 20, 1 << 20, 1, 1);
	store_set_clock(f->s, racing_clock, &now);
	n = fill(f->s, "full", 4000, 10000);
	assert_true(n > 10);
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "full/%04d", i);
		assert_int_equal(del(f->s, key, STORE_RV_ANY), 0);
	}
	again = fill(f->s, "again", 4000, 10000);
	assert_true(again >= n / 2);
}

/* ---- snapshot ---- */

static void test_snapshot(void **state)
{
	struct fixture *f = *state;
	char dir2[64], path[128];
	struct store *s2;
	struct ev_list l = {0};
	struct count_ctx c = {0};
	int fd;

	for (int i = 0; i < 50; i++) {
		char key[16];

		snprintf(key, sizeof(key), "s/%d", i);
		assert_int_equal(put(f->s, key, key, STORE_RV_ANY, NULL), 0);
	}
	assert_int_equal(del(f->s, "s/0", STORE_RV_ANY), 0);
	make_tmpdir(dir2, sizeof(dir2));
	snprintf(path, sizeof(path), "%s/data.mdb", dir2);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(store_snapshot(f->s, fd), 0);
	close(fd);
	/* the original keeps working */
	assert_int_equal(put(f->s, "s/after", "x", STORE_RV_ANY, NULL), 0);

	s2 = open_cfg(dir2, 0, 0, 0, 0);
	assert_int_equal(store_current_rv(s2), 51);
	assert_absent(s2, "s/0");
	assert_value(s2, "s/49", "s/49", 50);
	assert_absent(s2, "s/after");
	assert_int_equal(store_list(s2, "", count_fn, &c, NULL), 0);
	assert_int_equal(c.n, 49);
	assert_int_equal(store_events(s2, 0, 0, collect, &l), 0);
	assert_int_equal(l.n, 51);
	assert_int_equal(put(s2, "s/new", "n", STORE_RV_ANY, NULL), 0);
	assert_int_equal(store_current_rv(s2), 52);
	store_free(s2);
	rm_rf(dir2);
}

struct drain {
	int in, out;
};

static void *drain_main(void *arg)
{
	struct drain *d = arg;
	char buf[65536];
	ssize_t n;

	while ((n = read(d->in, buf, sizeof(buf))) > 0)
		if (write(d->out, buf, (size_t)n) != n)
			return "write";
	return n < 0 ? "read" : NULL;
}

/* A snapshot streams through a pipe too (a FUSE read does that). */
static void test_snapshot_pipe(void **state)
{
	struct fixture *f = *state;
	static char big[100000];
	char dir2[64], path[128];
	struct drain d;
	pthread_t t;
	struct store *s2;
	int p[2];
	void *res;

	memset(big, 'b', sizeof(big) - 1);
	for (int i = 0; i < 20; i++) {
		char key[16];

		snprintf(key, sizeof(key), "p/%d", i);
		assert_int_equal(put(f->s, key, big, STORE_RV_ANY, NULL), 0);
	}
	make_tmpdir(dir2, sizeof(dir2));
	snprintf(path, sizeof(path), "%s/data.mdb", dir2);
	d.out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(d.out >= 0);
	assert_int_equal(pipe(p), 0);
	d.in = p[0];
	assert_int_equal(pthread_create(&t, NULL, drain_main, &d), 0);
	assert_int_equal(store_snapshot(f->s, p[1]), 0);
	close(p[1]);
	assert_int_equal(pthread_join(t, &res), 0);
	assert_null(res);
	close(p[0]);
	close(d.out);

	s2 = open_cfg(dir2, 0, 0, 0, 0);
	assert_int_equal(store_current_rv(s2), 20);
	assert_value(s2, "p/19", big, 20);
	store_free(s2);
	rm_rf(dir2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_empty),
	    T(test_put_get_delete),
	    T(test_cas),
	    T(test_batch_atomic),
	    T(test_bad_input),
	    T(test_list),
	    T(test_events),
	    T(test_compaction),
	    T(test_compaction_boundary),
	    T(test_reopen),
	    T(test_open_twice),
	    T(test_threads),
	    T(test_multiprocess),
	    T(test_map_resized_elsewhere),
	    T(test_growth),
	    T(test_map_full),
	    T(test_map_full_recovers),
	    T(test_snapshot),
	    T(test_snapshot_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
