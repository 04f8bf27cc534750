/*
 * Unit tests for client/informer: keys, life cycle, and a cache kept
 * current from a real kubefs-fs (initial list, live events, selectors,
 * a server restart in the middle).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "client/client.h"
#include "client/informer.h"
#include "test_client_fs.h"

static struct test_fs fs;

static const struct kind_info configmaps_row = {
    .group = "",
    .path_group = "core",
    .version = "v1",
    .api_version = "v1",
    .kind = "ConfigMap",
    .resource = "configmaps",
    .namespaced = true,
};

/* What the handlers saw, for the tests to look at. */
struct seen {
	pthread_mutex_t lock;
	int adds, updates, deletes, resyncs;
	json_t *log; /* ["add ns/name", "update ns/name", ...] */
	pthread_t thread;
	bool other_thread; /* a handler ran on two threads */
};

static void seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->log = json_array();
}

static void seen_release(struct seen *s)
{
	json_decref(s->log);
	pthread_mutex_destroy(&s->lock);
}

static void seen_note(struct seen *s, const char *what, const json_t *obj)
{
	_cleanup_free_ char *key = NULL, *line = NULL;

	assert_int_equal(informer_key(obj, &key), 0);
	assert_true(asprintf(&line, "%s %s", what, key) > 0);
	pthread_mutex_lock(&s->lock);
	if (!s->thread)
		s->thread = pthread_self();
	else if (!pthread_equal(s->thread, pthread_self()))
		s->other_thread = true;
	json_array_append_new(s->log, json_string(line));
	pthread_mutex_unlock(&s->lock);
}

static void on_add(void *ud, const json_t *obj)
{
	struct seen *s = ud;

	seen_note(s, "add", obj);
	pthread_mutex_lock(&s->lock);
	s->adds++;
	pthread_mutex_unlock(&s->lock);
}

static void on_update(void *ud, const json_t *old, const json_t *new)
{
	struct seen *s = ud;

	seen_note(s, old == new ? "resync" : "update", new);
	pthread_mutex_lock(&s->lock);
	if (old == new)
		s->resyncs++;
	else
		s->updates++;
	pthread_mutex_unlock(&s->lock);
}

static void on_delete(void *ud, const json_t *obj)
{
	struct seen *s = ud;

	seen_note(s, "delete", obj);
	pthread_mutex_lock(&s->lock);
	s->deletes++;
	pthread_mutex_unlock(&s->lock);
}

static bool seen_has(struct seen *s, const char *line)
{
	size_t i;
	json_t *v;
	bool found = false;

	pthread_mutex_lock(&s->lock);
	json_array_foreach (s->log, i, v)
		if (!strcmp(json_string_value(v), line))
			found = true;
	pthread_mutex_unlock(&s->lock);
	return found;
}

/* Wait (bounded, generously) for a handler line to appear. */
static void wait_seen(struct seen *s, const char *line)
{
	for (int i = 0; i < 1500; i++) {
		if (seen_has(s, line))
			return;
		test_fs_sleep_ms(20);
	}
	fail_msg("handlers never saw \"%s\"", line);
}

/* ---- no server needed ---- */

static void test_keys(void **state)
{
	_cleanup_json_ json_t *nsd = json_pack("{s:{s:s, s:s}}", "metadata",
					       "namespace", "ns1", "name", "a");
	_cleanup_json_ json_t *cluster =
	    json_pack("{s:{s:s}}", "metadata", "name", "node-1");
	_cleanup_json_ json_t *noname = json_pack("{s:{}}", "metadata");
	char ns[CLIENT_NAME_MAX + 1], name[CLIENT_NAME_MAX + 1];
	char *key = NULL;

	assert_int_equal(informer_key(nsd, &key), 0);
	assert_string_equal(key, "ns1/a");
	free(key);
	assert_int_equal(informer_key(cluster, &key), 0);
	assert_string_equal(key, "node-1");
	free(key);
	key = NULL;
	assert_int_equal(informer_key(noname, &key), -EINVAL);
	assert_null(key);

	assert_int_equal(informer_split_key("ns1/a", ns, name), 0);
	assert_string_equal(ns, "ns1");
	assert_string_equal(name, "a");
	assert_int_equal(informer_split_key("node-1", ns, name), 0);
	assert_string_equal(ns, "");
	assert_string_equal(name, "node-1");
	assert_int_equal(informer_split_key("/a", ns, name), -EINVAL);
	assert_int_equal(informer_split_key("a/", ns, name), -EINVAL);
	assert_int_equal(informer_split_key("a/b/c", ns, name), -EINVAL);
	assert_int_equal(informer_split_key("", ns, name), -EINVAL);
	assert_int_equal(informer_split_key(NULL, ns, name), -EINVAL);
}

static void test_life_cycle_without_server(void **state)
{
	char dir[] = "/tmp/kubefs-informer-XXXXXX";
	struct informer_opts o = {.kind = &configmaps_row, .ns = "default"};
	struct informer_handlers h = {0};
	struct informer *inf = NULL;
	struct client *c = NULL;
	struct kf_error err;
	json_t *all = NULL, *obj = NULL;

	/* a plain empty directory: every list fails */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(client_new(dir, &c), 0);
	assert_int_equal(informer_new(c, &(struct informer_opts){0}, &inf),
			 -EINVAL);
	assert_int_equal(informer_new(c, &o, &inf), 0);
	assert_false(informer_has_synced(inf));
	assert_int_equal(informer_wait_synced(inf, 0), -ETIMEDOUT);
	assert_int_equal(informer_wait_synced(inf, 30), -ETIMEDOUT);
	for (int i = 0; i < INFORMER_HANDLERS_MAX; i++)
		assert_int_equal(informer_add_handlers(inf, &h), 0);
	assert_int_equal(informer_add_handlers(inf, &h), -ENOSPC);

	assert_int_equal(informer_start(inf), 0);
	assert_int_equal(informer_start(inf), -EBUSY);
	assert_int_equal(informer_add_handlers(inf, &h), -EBUSY);
	/* the failing list is reported */
	for (int i = 0; i < 1500 && !informer_error(inf, NULL); i++)
		test_fs_sleep_ms(20);
	kf_error_init(&err);
	assert_int_equal(informer_error(inf, &err), -ENOENT);
	assert_true(err.msg[0] != '\0');
	/* stop interrupts the back-off */
	informer_stop(inf);
	informer_stop(inf);
	assert_int_equal(informer_wait_synced(inf, -1), -ECANCELED);
	assert_int_equal(informer_list(inf, &all), 0);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
	assert_int_equal(informer_get(inf, "default/x", &obj), -ENOENT);
	assert_int_equal(informer_len(inf), 0);
	informer_free(inf);
	informer_free(NULL);
	client_free(c);
	rmdir(dir);
}

/* ---- against kubefs-fs ---- */

static const struct kind_info *cm_kind(void)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "configmaps");

	assert_non_null(k);
	return k;
}

static void make_namespace(const char *name)
{
	_cleanup_json_ json_t *ns =
	    json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
		      "Namespace", "metadata", "name", name);
	int r = client_create(fs.c, kinds_by_path("core", "v1", "namespaces"),
			      NULL, ns, NULL, NULL);

	assert_true(r == 0 || r == -EEXIST);
}

static void put_cm(const char *ns, const char *name, const char *app,
		   const char *value)
{
	_cleanup_json_ json_t *o = json_pack(
	    "{s:{s:s, s:s, s:{s:s}}, s:{s:s}}", "metadata", "name", name,
	    "namespace", ns, "labels", "app", app, "data", "v", value);
	int r = client_create(fs.c, cm_kind(), ns, o, NULL, NULL);

	if (r == -EEXIST)
		r = client_replace(fs.c, cm_kind(), o, NULL, NULL);
	assert_int_equal(r, 0);
}

static const char *data_v(const json_t *obj)
{
	return json_string_value(
	    json_object_get(json_object_get(obj, "data"), "v"));
}

/* A started, synced informer with handlers h. */
static struct informer *started(const struct informer_opts *o,
				const struct informer_handlers *h)
{
	struct informer *inf = NULL;

	assert_int_equal(informer_new(fs.c, o, &inf), 0);
	assert_int_equal(informer_add_handlers(inf, h), 0);
	assert_int_equal(informer_start(inf), 0);
	assert_int_equal(informer_wait_synced(inf, 20000), 0);
	return inf;
}

/* "ns/name" in buf (64 bytes) */
static const char *key_in(char *buf, const char *ns, const char *name)
{
	snprintf(buf, 64, "%s/%s", ns, name);
	return buf;
}

/*
 * ns: a namespace of its own. compact: the cache keeps the text the
 * server sent (no transform), parsed on each read.
 */
static void run_sync_and_events(const char *ns, bool compact)
{
	struct informer_opts o = {.ns = ns, .compact = compact};
	char k[64];
	struct informer *inf = NULL;
	struct seen s;
	struct informer_handlers h = {on_add, on_update, on_delete, &s};
	json_t *obj = NULL, *all = NULL;

	seen_init(&s);
	o.kind = cm_kind();
	make_namespace(ns);
	put_cm(ns, "b", "web", "1");
	put_cm(ns, "a", "web", "1");
	put_cm(ns, "c", "db", "1");

	inf = started(&o, &h);
	assert_true(informer_has_synced(inf));
	/* synced means the initial objects are cached and handled */
	assert_int_equal(informer_len(inf), 3);
	pthread_mutex_lock(&s.lock);
	assert_int_equal(s.adds, 3);
	pthread_mutex_unlock(&s.lock);
	assert_int_equal(informer_list(inf, &all), 0);
	assert_int_equal(json_array_size(all), 3);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_array_get(all, 0), "metadata"), "name")),
	    "a");
	json_decref(all);

	/* live changes reach the handlers and the cache */
	put_cm(ns, "d", "web", "1");
	snprintf(k, sizeof(k), "add %s/d", ns);
	wait_seen(&s, k);
	put_cm(ns, "a", "web", "2");
	snprintf(k, sizeof(k), "update %s/a", ns);
	wait_seen(&s, k);
	assert_int_equal(informer_get(inf, key_in(k, ns, "a"), &obj), 0);
	assert_string_equal(data_v(obj), "2");
	json_decref(obj);
	assert_int_equal(client_delete(fs.c, cm_kind(), ns, "b", NULL), 0);
	snprintf(k, sizeof(k), "delete %s/b", ns);
	wait_seen(&s, k);
	assert_int_equal(informer_get(inf, key_in(k, ns, "b"), &obj), -ENOENT);
	assert_int_equal(informer_len(inf), 3);
	assert_int_equal(informer_error(inf, NULL), 0);

	informer_stop(inf);
	/* handlers ran on one thread, the informer's */
	assert_false(s.other_thread);
	assert_false(pthread_equal(s.thread, pthread_self()));
	/* the cache stays readable after stop */
	assert_int_equal(informer_get(inf, key_in(k, ns, "d"), &obj), 0);
	json_decref(obj);
	informer_free(inf);
	seen_release(&s);
}

static void test_live_sync_and_events(void **state)
{
	TEST_FS_REQUIRE(&fs);
	run_sync_and_events("inf1", false);
	run_sync_and_events("inf1c", true);
}

static void test_live_selector(void **state)
{
	struct informer_opts o = {.ns = "inf2", .label_selector = "app=db"};
	struct informer *inf = NULL;
	struct seen s;
	struct informer_handlers h = {on_add, on_update, on_delete, &s};
	json_t *all = NULL;

	TEST_FS_REQUIRE(&fs);
	seen_init(&s);
	o.kind = cm_kind();
	make_namespace("inf2");
	put_cm("inf2", "web1", "web", "1");
	put_cm("inf2", "db1", "db", "1");
	assert_int_equal(informer_new(fs.c, &o, &inf), 0);
	assert_int_equal(informer_add_handlers(inf, &h), 0);
	assert_int_equal(informer_start(inf), 0);
	assert_int_equal(informer_wait_synced(inf, 20000), 0);
	assert_int_equal(informer_list(inf, &all), 0);
	assert_int_equal(json_array_size(all), 1);
	json_decref(all);
	put_cm("inf2", "web2", "web", "1");
	put_cm("inf2", "db2", "db", "1");
	wait_seen(&s, "add inf2/db2");
	assert_false(seen_has(&s, "add inf2/web2"));
	assert_int_equal(informer_len(inf), 2);
	informer_free(inf);
	seen_release(&s);

	/* a selector matching nothing still syncs */
	o.label_selector = "app=nothing";
	assert_int_equal(informer_new(fs.c, &o, &inf), 0);
	assert_int_equal(informer_start(inf), 0);
	assert_int_equal(informer_wait_synced(inf, 20000), 0);
	assert_int_equal(informer_len(inf), 0);
	informer_free(inf);
}

static void test_live_all_namespaces_and_resync(void **state)
{
	struct informer_opts o = {.resync_ms = 100};
	struct informer *inf = NULL;
	struct seen s;
	struct informer_handlers h = {on_add, on_update, on_delete, &s};
	json_t *obj = NULL;

	TEST_FS_REQUIRE(&fs);
	seen_init(&s);
	o.kind = cm_kind();
	make_namespace("inf3a");
	make_namespace("inf3b");
	put_cm("inf3a", "x", "web", "1");
	put_cm("inf3b", "x", "web", "1");
	assert_int_equal(informer_new(fs.c, &o, &inf), 0);
	assert_int_equal(informer_add_handlers(inf, &h), 0);
	assert_int_equal(informer_start(inf), 0);
	assert_int_equal(informer_wait_synced(inf, 20000), 0);
	assert_int_equal(informer_get(inf, "inf3a/x", &obj), 0);
	json_decref(obj);
	assert_int_equal(informer_get(inf, "inf3b/x", &obj), 0);
	json_decref(obj);
	/* the resync period re-delivers cached objects as updates */
	wait_seen(&s, "resync inf3a/x");
	informer_free(inf);
	seen_release(&s);
}

static void test_live_server_restart(void **state)
{
	struct informer_opts o = {.ns = "inf4"};
	struct informer *inf = NULL;
	struct seen s;
	struct informer_handlers h = {on_add, on_update, on_delete, &s};
	json_t *obj = NULL;

	TEST_FS_REQUIRE(&fs);
	seen_init(&s);
	o.kind = cm_kind();
	make_namespace("inf4");
	put_cm("inf4", "before", "web", "1");
	inf = started(&o, &h);

	/* the stream breaks; the informer resumes from its
	 * resourceVersion once the server is back */
	if (!test_fs_restart(&fs))
		fail_msg("kubefs-fs did not come back: %s", fs.why);
	put_cm("inf4", "after", "web", "1");
	put_cm("inf4", "before", "web", "2");
	wait_seen(&s, "add inf4/after");
	wait_seen(&s, "update inf4/before");
	assert_int_equal(informer_get(inf, "inf4/before", &obj), 0);
	assert_string_equal(data_v(obj), "2");
	json_decref(obj);
	/* nothing was delivered twice as an add */
	pthread_mutex_lock(&s.lock);
	assert_int_equal(s.adds, 2);
	assert_int_equal(s.deletes, 0);
	pthread_mutex_unlock(&s.lock);
	informer_free(inf);
	seen_release(&s);
}

/* Handlers that hold the informer's thread while a gate is closed. */
struct gate {
	struct seen seen;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool closed, holding;
};

static void gated_update(void *ud, const json_t *old, const json_t *new)
{
	struct gate *g = ud;

	on_update(&g->seen, old, new);
	pthread_mutex_lock(&g->lock);
	if (!strcmp(data_v(new) ? data_v(new) : "", "block")) {
		g->holding = true;
		pthread_cond_broadcast(&g->cond);
		while (g->closed)
			pthread_cond_wait(&g->cond, &g->lock);
	}
	pthread_mutex_unlock(&g->lock);
}

static void gated_delete(void *ud, const json_t *obj)
{
	on_delete(&((struct gate *)ud)->seen, obj);
}

/* Replace ns/name's data.v with value. */
static void set_v(const char *ns, const char *name, const char *value)
{
	_cleanup_json_ json_t *o =
	    json_pack("{s:{s:s, s:s}, s:{s:s}}", "metadata", "name", name,
		      "namespace", ns, "data", "v", value);

	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = client_replace(fs.c, cm_kind(), o, &err, NULL);
	if (r < 0)
		fail_msg("replace %s/%s: %s (%s)", ns, name, strerror(-r),
			 err.msg);
}

/*
 * A watcher too slow to keep up is cut off by the server with 410 (its
 * queue holds at most 64 MiB: apiserver/watch.h WATCH_MAX_QUEUE_BYTES); the
 * informer re-lists and finds, by diffing its cache, an object deleted
 * while its events were lost.
 */
/* The informer's notices, kept for the test to read. */
struct notes {
	pthread_mutex_t lock;
	char text[8192];
	size_t len;
};

static void note(void *ud, const char *msg)
{
	struct notes *n = ud;
	int w;

	pthread_mutex_lock(&n->lock);
	w = snprintf(n->text + n->len, sizeof(n->text) - n->len, "%s\n", msg);
	if (w > 0 && (size_t)w < sizeof(n->text) - n->len)
		n->len += (size_t)w;
	pthread_mutex_unlock(&n->lock);
}

static void test_live_relist_after_410(void **state)
{
	struct notes notes = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct informer_opts o = {
	    .ns = "inf5", .notice = note, .notice_ud = &notes};
	struct informer *inf = NULL;
	struct informer_stats st;
	struct gate g = {.closed = true};
	struct informer_handlers h = {NULL, gated_update, gated_delete, &g};
	const size_t big = 1000000;
	char *value;
	json_t *obj = NULL;

	TEST_FS_REQUIRE(&fs);
	seen_init(&g.seen);
	pthread_mutex_init(&g.lock, NULL);
	pthread_cond_init(&g.cond, NULL);
	o.kind = cm_kind();
	make_namespace("inf5");
	put_cm("inf5", "big", "web", "small");
	put_cm("inf5", "victim", "web", "1");
	assert_int_equal(informer_new(fs.c, &o, &inf), 0);
	assert_int_equal(informer_add_handlers(inf, &h), 0);
	assert_int_equal(informer_start(inf), 0);
	assert_int_equal(informer_wait_synced(inf, 20000), 0);

	/* hold the informer's thread in a handler */
	set_v("inf5", "big", "block");
	pthread_mutex_lock(&g.lock);
	while (!g.holding)
		pthread_cond_wait(&g.cond, &g.lock);
	pthread_mutex_unlock(&g.lock);

	/* more than its stream may queue, then a deletion it will miss */
	value = malloc(big + 1);
	assert_non_null(value);
	memset(value, 'x', big);
	value[big] = '\0';
	for (int i = 0; i < 80; i++) {
		snprintf(value, 16, "%08d", i);
		value[8] = 'x';
		set_v("inf5", "big", value);
	}
	free(value);
	set_v("inf5", "big", "final");
	assert_int_equal(client_delete(fs.c, cm_kind(), "inf5", "victim", NULL),
			 0);

	pthread_mutex_lock(&g.lock);
	g.closed = false;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);

	wait_seen(&g.seen, "delete inf5/victim");
	for (int i = 0;; i++) {
		assert_int_equal(informer_get(inf, "inf5/big", &obj), 0);
		if (!strcmp(data_v(obj), "final"))
			break;
		json_decref(obj);
		if (i == 1500)
			fail_msg("the informer never caught up");
		test_fs_sleep_ms(20);
	}
	json_decref(obj);
	informer_stats(inf, &st);
	if (st.lists < 2)
		fail_msg("no re-list happened (lists %llu, watches %llu): did "
			 "kubefs-fs stop cutting off slow watchers?",
			 (unsigned long long)st.lists,
			 (unsigned long long)st.watches);
	/* and watches again after the re-list */
	for (int i = 0; st.watches < 2; i++) {
		if (i == 1500)
			fail_msg("no new watch after the re-list");
		test_fs_sleep_ms(20);
		informer_stats(inf, &st);
	}
	assert_true(st.watch_ends >= 1);
	assert_true(st.rv > 0);
	informer_free(inf);
	/* the component was told why, in a sentence for its log */
	if (!strstr(notes.text,
		    "configmaps in namespace inf5: the server "
		    "ended the watch: too old resource version: ") ||
	    !strstr(notes.text, "; listing again\n"))
		fail_msg("notices: %s", notes.text);
	pthread_cond_destroy(&g.cond);
	pthread_mutex_destroy(&g.lock);
	seen_release(&g.seen);
}

static void test_keep_and_share_fields(void **state)
{
	static const char *const keep[] = {"metadata.name", "metadata.labels",
					   "spec.containers[].name",
					   "status.conditions", NULL};
	static const char *const share[] = {"metadata.labels",
					    "status.conditions[]", NULL};
	const char *text =
	    "{\"metadata\":{\"name\":\"p\",\"uid\":\"u\",\"labels\":{\"a\":"
	    "\"1\"}},"
	    "\"spec\":{\"nodeName\":\"n\",\"containers\":[{\"name\":\"c\","
	    "\"image\":\"i\"},{\"name\":\"d\"},3]},"
	    "\"status\":{\"phase\":\"Running\",\"conditions\":"
	    "[{\"type\":\"Ready\"},{\"type\":\"Ready\"}]}}";
	_cleanup_json_ json_t *a = json_loads(text, 0, NULL);
	_cleanup_json_ json_t *b = json_loads(text, 0, NULL);
	_cleanup_free_ char *out = NULL;
	json_t *ca, *cb;

	(void)state;
	assert_non_null(a);
	informer_keep_fields(a, keep);
	out = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(
	    out, "{\"metadata\":{\"labels\":{\"a\":\"1\"},\"name\":\"p\"},"
		 "\"spec\":{\"containers\":[{\"name\":\"c\"},{\"name\":\"d\"},"
		 "3]},\"status\":{\"conditions\":[{\"type\":\"Ready\"},"
		 "{\"type\":\"Ready\"}]}}");
	/* two objects with equal values end up holding one copy */
	informer_keep_fields(b, keep);
	informer_share_fields(a, share);
	informer_share_fields(b, share);
	assert_ptr_equal(
	    json_object_get(json_object_get(a, "metadata"), "labels"),
	    json_object_get(json_object_get(b, "metadata"), "labels"));
	ca = json_object_get(json_object_get(a, "status"), "conditions");
	cb = json_object_get(json_object_get(b, "status"), "conditions");
	assert_ptr_not_equal(ca,
			     cb); /* the array is not named, its items are */
	assert_ptr_equal(json_array_get(ca, 0), json_array_get(cb, 1));
	/* sharing changes no value */
	assert_true(json_equal(a, b));
}

/* An interned value no object holds any more is let go. */
static void test_intern_lets_go(void **state)
{
	json_t *x = json_pack("{s:s}", "only", "once"), *y, *got;

	(void)state;
	got = informer_intern(x); /* the first: x itself, now in the table */
	assert_ptr_equal(got, x);
	json_decref(got);
	json_decref(x); /* only the table holds it */
	/* thousands of other values make the table grow and drop it */
	for (int i = 0; i < 5000; i++) {
		json_t *v = json_integer(1000000 + i);

		json_decref(informer_intern(v));
		json_decref(v);
	}
	y = json_pack("{s:s}", "only", "once");
	got = informer_intern(y);
	assert_ptr_equal(got, y); /* not the old copy: it was let go */
	json_decref(got);
	/* while held, an equal value gets the held copy */
	x = json_pack("{s:s}", "only", "once");
	got = informer_intern(x);
	assert_ptr_equal(got, y);
	json_decref(got);
	json_decref(x);
	json_decref(y);
}

/* ---- transform, compact form, indexes ---- */

/* drops data, keeps the rest (the transform a component would set) */
static void drop_data(json_t *obj)
{
	json_object_del(obj, "data");
}

static const char *index_app(const json_t *obj)
{
	return json_string_value(json_object_get(
	    json_object_get(json_object_get(obj, "metadata"), "labels"),
	    "app"));
}

/* the names in an informer_list_index() answer, space-separated */
static char *index_names(struct informer *inf, const char *index,
			 const char *value)
{
	_cleanup_json_ json_t *all = NULL;
	char *out = calloc(1, 1024);
	size_t i;
	json_t *v;

	assert_non_null(out);
	assert_int_equal(informer_list_index(inf, index, value, &all), 0);
	json_array_foreach (all, i, v) {
		const char *name = json_string_value(
		    json_object_get(json_object_get(v, "metadata"), "name"));

		assert_null(json_object_get(v, "data"));
		if (i)
			strcat(out, " ");
		strcat(out, name);
	}
	return out;
}

static void expect_index(struct informer *inf, const char *index,
			 const char *value, const char *names)
{
	_cleanup_free_ char *got = index_names(inf, index, value);

	assert_string_equal(got, names);
}

/* What the update handler saw of the old object: its label app. */
static char old_app[64];

static void on_update_old(void *ud, const json_t *old, const json_t *new)
{
	const char *app = index_app(old);

	assert_null(json_object_get(old, "data"));
	assert_null(json_object_get(new, "data"));
	snprintf(old_app, sizeof(old_app), "%s", app ? app : "");
}

static void put_owned_cm(const char *ns, const char *name, const char *uid)
{
	_cleanup_json_ json_t *o = json_pack(
	    "{s:{s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:b}]}, s:{s:s}}",
	    "metadata", "name", name, "namespace", ns, "ownerReferences",
	    "apiVersion", "apps/v1", "kind", "ReplicaSet", "name", "rs", "uid",
	    uid, "controller", 1, "data", "v", "1");

	assert_int_equal(client_create(fs.c, cm_kind(), ns, o, NULL, NULL), 0);
}

static void run_transform_and_indexes(bool compact, const char *tag)
{
	struct informer_opts o = {.transform = drop_data, .compact = compact};
	struct informer *inf = NULL;
	struct seen s;
	struct informer_handlers h = {on_add, on_update, on_delete, &s};
	struct informer_handlers h2 = {.on_update = on_update_old};
	char ns1[32], ns2[32], web[32], db[32], line[96];
	json_t *obj = NULL;

	snprintf(ns1, sizeof(ns1), "%s-x", tag);
	snprintf(ns2, sizeof(ns2), "%s-y", tag);
	/* label values no other test uses: the informer sees every
	 * namespace */
	snprintf(web, sizeof(web), "%s-web", tag);
	snprintf(db, sizeof(db), "%s-db", tag);
	seen_init(&s);
	o.kind = cm_kind();
	make_namespace(ns1);
	make_namespace(ns2);
	put_cm(ns1, "b", web, "1");
	put_cm(ns1, "a", web, "1");
	put_cm(ns2, "a", db, "1");
	put_owned_cm(ns2, "owned", "uid-1");

	assert_int_equal(informer_new(fs.c, &o, &inf), 0);
	/* h2 first: when the log shows the update, h2 has run */
	assert_int_equal(informer_add_handlers(inf, &h2), 0);
	assert_int_equal(informer_add_handlers(inf, &h), 0);
	assert_int_equal(
	    informer_add_index(inf, "ns", informer_index_namespace), 0);
	assert_int_equal(informer_add_index(inf, "app", index_app), 0);
	assert_int_equal(
	    informer_add_index(inf, "owner", informer_index_owner_uid), 0);
	assert_int_equal(informer_add_index(inf, "app", index_app), -EEXIST);
	assert_int_equal(informer_add_index(inf, "", index_app), -EINVAL);
	assert_int_equal(informer_add_index(inf, "nodes", index_app), 0);
	assert_int_equal(informer_add_index(inf, "more", index_app), -ENOSPC);
	assert_int_equal(informer_start(inf), 0);
	assert_int_equal(informer_add_index(inf, "late", index_app), -EBUSY);
	assert_int_equal(informer_wait_synced(inf, 20000), 0);

	/* the transform ran before caching: no data anywhere */
	snprintf(line, sizeof(line), "%s/b", ns1);
	assert_int_equal(informer_get(inf, line, &obj), 0);
	assert_null(json_object_get(obj, "data"));
	assert_string_equal(index_app(obj), web);
	json_decref(obj);
	expect_index(inf, "ns", ns1, "a b");
	expect_index(inf, "ns", ns2, "a owned");
	expect_index(inf, "app", web, "a b");
	expect_index(inf, "owner", "uid-1", "owned");
	expect_index(inf, "owner", "uid-2", "");
	assert_int_equal(informer_list_index(inf, "nope", "x", &obj), -ENOENT);

	/* a change moves the object between values; the update handler
	 * gets the old object as it was cached */
	put_cm(ns1, "a", db, "2");
	snprintf(line, sizeof(line), "update %s/a", ns1);
	wait_seen(&s, line);
	assert_string_equal(old_app, web);
	expect_index(inf, "app", web, "b");
	expect_index(inf, "app", db, "a a");
	/* a deletion takes it out of every index */
	assert_int_equal(client_delete(fs.c, cm_kind(), ns2, "owned", NULL), 0);
	snprintf(line, sizeof(line), "delete %s/owned", ns2);
	wait_seen(&s, line);
	expect_index(inf, "owner", "uid-1", "");
	expect_index(inf, "ns", ns2, "a");
	informer_free(inf);
	seen_release(&s);
}

static void test_live_transform_and_indexes(void **state)
{
	TEST_FS_REQUIRE(&fs);
	run_transform_and_indexes(false, "plain");
	run_transform_and_indexes(true, "compact");
}

static int group_setup(void **state)
{
	test_fs_start(&fs);
	return 0;
}

static int group_teardown(void **state)
{
	test_fs_stop(&fs);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_life_cycle_without_server),
	    cmocka_unit_test(test_keep_and_share_fields),
	    cmocka_unit_test(test_intern_lets_go),
	    cmocka_unit_test(test_live_sync_and_events),
	    cmocka_unit_test(test_live_selector),
	    cmocka_unit_test(test_live_all_namespaces_and_resync),
	    cmocka_unit_test(test_live_server_restart),
	    cmocka_unit_test(test_live_relist_after_410),
	    cmocka_unit_test(test_live_transform_and_indexes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
