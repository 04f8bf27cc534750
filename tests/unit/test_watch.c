/*
 * test_watch.c — the watch hub and @watch streams (apiserver/watch.h) against a
 * real store in a temporary directory.
 *
 * Nothing here measures time: waits for an event are bounded (a stream
 * that shows nothing for WAIT_MS fails the test) only so that a bug ends
 * in a failure rather than a hang. "No more events" is checked with a
 * sentinel write the stream must see next.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/kinds.h"
#include "apiserver/server.h"
#include "apiserver/watch.h"
#include "apiserver/watch_i.h" /* the hub's shared lines */
#include "store/store.h"
#include "store/store_i.h" /* store_set_clock(), to age the event log */

#define WAIT_MS 20000
#define UID 1000

struct fx {
	char dir[64];
	struct store *st;
	struct watch_hub *hub;
	const struct kind_info *pods, *cms;
	uint64_t clock; /* fake store clock, seconds */
};

static uint64_t fake_clock(void *ud)
{
	return __atomic_load_n(&((struct fx *)ud)->clock, __ATOMIC_RELAXED);
}

static int fx_open(void **state, uint64_t keep_events)
{
	struct store_config cfg = {0};
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/kubefs-test-watch.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	cfg.path = fx->dir;
	cfg.no_sync = true;
	cfg.keep_events = keep_events;
	cfg.keep_seconds = 60;
	assert_int_equal(store_open(&cfg, &fx->st), 0);
	fx->clock = 1000000;
	store_set_clock(fx->st, fake_clock, fx);
	assert_int_equal(watch_hub_new(fx->st, 5, &fx->hub), 0);
	fx->pods = kinds_by_path("core", "v1", "pods");
	fx->cms = kinds_by_path("core", "v1", "configmaps");
	assert_non_null(fx->pods);
	assert_non_null(fx->cms);
	*state = fx;
	return 0;
}

static int setup(void **state)
{
	return fx_open(state, 0);
}

static int setup_small_log(void **state)
{
	return fx_open(state, 3);
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	watch_hub_free(fx->hub);
	store_free(fx->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* ------------------------------------------------------------ writes */

static uint64_t write_op(struct fx *fx, enum store_op_type type,
			 const struct kind_info *k, const char *ns,
			 const char *name, const char *value)
{
	char key[STORE_KEY_MAX + 1];
	struct store_op op = {0};

	assert_int_equal(server_key(k, ns, name, key, sizeof(key)), 0);
	op.type = type;
	op.key = key;
	op.data = value;
	op.len = value ? strlen(value) : 0;
	op.expect_rv = STORE_RV_ANY;
	assert_int_equal(store_write(fx->st, &op, 1, NULL), 0);
	watch_hub_poke(fx->hub);
	return op.ret_rv;
}

/* A pod with label app=<app> (none if NULL) on node <node>. */
static uint64_t put_pod(struct fx *fx, const char *ns, const char *name,
			const char *app, const char *node)
{
	char value[512];

	snprintf(value, sizeof(value),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{%s%s%s"
		 "\"name\":\"%s\",\"namespace\":\"%s\"},\"spec\":{\"nodeName\":"
		 "\"%s\"}}",
		 app ? "\"labels\":{\"app\":\"" : "", app ? app : "",
		 app ? "\"}," : "", name, ns, node ? node : "");
	return write_op(fx, STORE_PUT, fx->pods, ns, name, value);
}

static uint64_t put_cm(struct fx *fx, const char *ns, const char *name)
{
	char value[256];

	snprintf(value, sizeof(value),
		 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
		 "\"name\":\"%s\",\"namespace\":\"%s\"}}",
		 name, ns);
	return write_op(fx, STORE_PUT, fx->cms, ns, name, value);
}

static uint64_t del_pod(struct fx *fx, const char *ns, const char *name)
{
	return write_op(fx, STORE_DELETE, fx->pods, ns, name, NULL);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until the hub delivered rv. */
static void wait_hub(struct fx *fx, uint64_t rv)
{
	int64_t end = now_ms() + WAIT_MS;

	while (watch_hub_rv(fx->hub) < rv) {
		if (now_ms() > end)
			fail_msg("the hub did not reach rv %" PRIu64, rv);
		watch_hub_poke(fx->hub);
		sleep_ms(1);
	}
}

/* ------------------------------------------------------------ reader */

struct reader {
	struct watch_stream *ws;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned fired;
	size_t chunk; /* bytes per read */
	size_t len;
	char buf[256 << 10];
};

static void on_ready(void *ud)
{
	struct reader *r = ud;

	pthread_mutex_lock(&r->lock);
	r->fired++;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static struct reader *reader_new(struct watch_stream *ws)
{
	struct reader *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->ws = ws;
	r->chunk = 128 << 10; /* FUSE's largest read */
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	watch_stream_set_ready_fn(ws, on_ready, r);
	return r;
}

static void reader_free(struct reader *r)
{
	if (!r)
		return;
	watch_stream_free(r->ws);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}

static struct reader *open_reader(struct fx *fx, const char *ns,
				  const char *query)
{
	struct watch_stream *ws = NULL;
	struct kf_error err;

	kf_error_init(&err);
	if (watch_stream_open(fx->hub, fx->pods, ns, query, UID, &err, &ws))
		fail_msg("open %s: %s", query, err.msg);
	return reader_new(ws);
}

/*
 * The next line, without its "\n", malloc'd; NULL at end of stream.
 * Waits for the ready function between reads.
 */
static char *next_line(struct reader *r)
{
	int64_t end = now_ms() + WAIT_MS;

	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		unsigned seen;
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - r->buf);
			char *line = strndup(r->buf, len);

			memmove(r->buf, nl + 1, r->len - len - 1);
			r->len -= len + 1;
			return line;
		}
		pthread_mutex_lock(&r->lock);
		seen = r->fired;
		pthread_mutex_unlock(&r->lock);
		assert_true(r->len < sizeof(r->buf));
		n = watch_stream_read(r->ws, r->buf + r->len,
				      r->chunk < sizeof(r->buf) - r->len
					  ? r->chunk
					  : sizeof(r->buf) - r->len);
		if (n > 0) {
			r->len += (size_t)n;
			continue;
		}
		if (n == 0) {
			assert_int_equal(r->len, 0); /* no torn line */
			return NULL;
		}
		assert_int_equal(n, -EAGAIN);
		pthread_mutex_lock(&r->lock);
		while (r->fired == seen && now_ms() < end) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 10 * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		}
		pthread_mutex_unlock(&r->lock);
		if (now_ms() >= end)
			fail_msg("no event for %d ms", WAIT_MS);
	}
}

/* The next event, parsed; NULL at end of stream. */
static json_t *next_event(struct reader *r)
{
	char *line = next_line(r);
	json_error_t jerr;
	json_t *ev;

	if (!line)
		return NULL;
	ev = json_loads(line, 0, &jerr);
	if (!json_is_object(ev))
		fail_msg("not a JSON object: %s", line);
	free(line);
	return ev;
}

static const char *ev_type(const json_t *ev)
{
	return json_string_value(json_object_get(ev, "type"));
}

static const json_t *ev_meta(const json_t *ev)
{
	return json_object_get(json_object_get(ev, "object"), "metadata");
}

static const char *ev_name(const json_t *ev)
{
	return json_string_value(json_object_get(ev_meta(ev), "name"));
}

static uint64_t ev_rv(const json_t *ev)
{
	const char *s =
	    json_string_value(json_object_get(ev_meta(ev), "resourceVersion"));

	assert_non_null(s);
	return strtoull(s, NULL, 10);
}

static const char *ev_label(const json_t *ev)
{
	const json_t *l = json_object_get(ev_meta(ev), "labels");

	return json_string_value(json_object_get(l, "app"));
}

/* The next event is TYPE of object NAME at rv (0: any rv). */
static json_t *expect_event(struct reader *r, const char *type,
			    const char *name, uint64_t rv)
{
	json_t *ev = next_event(r);

	if (!ev)
		fail_msg("end of stream, expected %s %s", type, name);
	assert_string_equal(ev_type(ev), type);
	if (name)
		assert_string_equal(ev_name(ev), name);
	if (rv)
		assert_int_equal(ev_rv(ev), rv);
	return ev;
}

static void expect(struct reader *r, const char *type, const char *name,
		   uint64_t rv)
{
	json_decref(expect_event(r, type, name, rv));
}

static void expect_eof(struct reader *r)
{
	char *line = next_line(r);

	if (line)
		fail_msg("expected end of stream, got %s", line);
	/* and it stays there */
	assert_int_equal(watch_stream_read(r->ws, r->buf, 16), 0);
	assert_true(watch_stream_readable(r->ws));
}

/* ------------------------------------------------------------- tests */

static void test_initial_then_live(void **state)
{
	struct fx *fx = *state;
	uint64_t rv1, rv2, rv3, rv4, rv5, rv6;
	struct reader *all, *dflt;
	json_t *ev;

	rv1 = put_pod(fx, "default", "p1", "web", "n1");
	rv2 = put_pod(fx, "default", "p2", NULL, NULL);
	rv3 = put_pod(fx, "other", "p3", NULL, NULL);
	put_cm(fx, "default", "c1"); /* another kind: never shown */

	all = open_reader(fx, NULL, "");
	dflt = open_reader(fx, "default", NULL);
	/* the current objects first, as ADDED, in key order */
	expect(all, "ADDED", "p1", rv1);
	expect(all, "ADDED", "p2", rv2);
	expect(all, "ADDED", "p3", rv3);
	expect(dflt, "ADDED", "p1", rv1);
	expect(dflt, "ADDED", "p2", rv2);

	/* then live changes */
	rv4 = put_pod(fx, "default", "p4", NULL, NULL);
	rv5 = put_pod(fx, "default", "p1", "db", "n1");
	rv6 = del_pod(fx, "default", "p2");
	put_pod(fx, "other", "p5", NULL, NULL);
	expect(all, "ADDED", "p4", rv4);
	ev = expect_event(all, "MODIFIED", "p1", rv5);
	assert_string_equal(ev_label(ev), "db");
	json_decref(ev);
	/* DELETED: the last state, with the rv of the deletion */
	ev = expect_event(all, "DELETED", "p2", rv6);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(ev, "object"), "kind")),
			    "Pod");
	json_decref(ev);
	expect(all, "ADDED", "p5", 0);

	expect(dflt, "ADDED", "p4", rv4);
	expect(dflt, "MODIFIED", "p1", rv5);
	expect(dflt, "DELETED", "p2", rv6);
	/* p5 is in another namespace: the sentinel comes next */
	put_pod(fx, "default", "sentinel", NULL, NULL);
	expect(dflt, "ADDED", "sentinel", 0);
	reader_free(all);
	reader_free(dflt);
}

static void test_line_format(void **state)
{
	struct fx *fx = *state;
	uint64_t rv = put_pod(fx, "default", "p1", "web", "n1");
	struct reader *r = open_reader(fx, "default", "");
	char *line = next_line(r), want[512];

	snprintf(want, sizeof(want),
		 "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\","
		 "\"kind\":\"Pod\",\"metadata\":{\"labels\":{\"app\":\"web\"},"
		 "\"name\":\"p1\",\"namespace\":\"default\","
		 "\"resourceVersion\":\"%" PRIu64
		 "\"},\"spec\":{\"nodeName\":\"n1\"}}}",
		 rv);
	assert_string_equal(line, want);
	free(line);
	reader_free(r);
}

static void test_resume_from_rv(void **state)
{
	struct fx *fx = *state;
	uint64_t rv1, rv2, rv3, rv4;
	struct reader *r;
	char q[64];

	rv1 = put_pod(fx, "default", "a", NULL, NULL);
	rv2 = put_pod(fx, "default", "b", NULL, NULL);
	rv3 = put_pod(fx, "default", "a", "x", NULL);
	rv4 = del_pod(fx, "default", "b");
	wait_hub(fx, rv4); /* the catch-up comes from the store */

	snprintf(q, sizeof(q), "resourceVersion=%" PRIu64, rv1);
	r = open_reader(fx, NULL, q);
	expect(r, "ADDED", "b", rv2);
	expect(r, "MODIFIED", "a", rv3);
	expect(r, "DELETED", "b", rv4);
	/* and then live ones, with nothing in between */
	expect(r, "ADDED", "c", put_pod(fx, "default", "c", NULL, NULL));
	reader_free(r);

	/* resuming at the current rv: only what comes next */
	snprintf(q, sizeof(q), "resourceVersion=%" PRIu64,
		 store_current_rv(fx->st));
	r = open_reader(fx, NULL, q);
	expect(r, "ADDED", "d", put_pod(fx, "default", "d", NULL, NULL));
	reader_free(r);

	/* sendInitialEvents=false without a resourceVersion: from now */
	r = open_reader(fx, NULL, "sendInitialEvents=false");
	expect(r, "ADDED", "e", put_pod(fx, "default", "e", NULL, NULL));
	reader_free(r);
}

static void test_future_rv_waits(void **state)
{
	struct fx *fx = *state;
	uint64_t cur = store_current_rv(fx->st);
	struct reader *r;
	char q[64], buf[64];

	snprintf(q, sizeof(q), "resourceVersion=%" PRIu64, cur + 3);
	r = open_reader(fx, NULL, q);
	assert_int_equal(watch_stream_read(r->ws, buf, sizeof(buf)), -EAGAIN);
	assert_false(watch_stream_readable(r->ws));
	put_pod(fx, "default", "skipped1", NULL, NULL);
	put_pod(fx, "default", "skipped2", NULL, NULL);
	put_pod(fx, "default", "skipped3", NULL, NULL);
	expect(r, "ADDED", "seen", put_pod(fx, "default", "seen", NULL, NULL));
	reader_free(r);
}

static void test_expired_410(void **state)
{
	struct fx *fx = *state;
	uint64_t first = 0, last = 0, oldest;
	struct reader *r;
	char q[64], want[320], *line;

	for (int i = 0; i < 10; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		last = put_pod(fx, "default", name, NULL, NULL);
		if (!first)
			first = last;
	}
	wait_hub(fx, last);
	/* age the log: what is old and beyond the newest 3 goes */
	__atomic_add_fetch(&fx->clock, 3600, __ATOMIC_RELAXED);
	last = put_pod(fx, "default", "late", NULL, NULL);
	wait_hub(fx, last);
	oldest = store_oldest_resumable_rv(fx->st);
	assert_true(oldest > first);

	snprintf(q, sizeof(q), "resourceVersion=%" PRIu64, first);
	r = open_reader(fx, NULL, q);
	line = next_line(r);
	snprintf(want, sizeof(want),
		 "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
		 "\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
		 "\"message\":\"too old resource version: %" PRIu64 " (%" PRIu64
		 ")\",\"reason\":\"Expired\",\"code\":410}}",
		 first, oldest);
	assert_string_equal(line, want);
	free(line);
	expect_eof(r);
	reader_free(r);

	/* the oldest resumable rv still works */
	snprintf(q, sizeof(q), "resourceVersion=%" PRIu64, oldest);
	r = open_reader(fx, NULL, q);
	expect(r, "ADDED", NULL, oldest + 1);
	reader_free(r);
}

static void test_label_selector_transitions(void **state)
{
	struct fx *fx = *state;
	uint64_t rv1, rv3, rv4, rv5, rv6;
	struct reader *r;
	json_t *ev;

	r = open_reader(fx, NULL, "labelSelector=app%3Dweb");
	rv1 = put_pod(fx, "default", "p1", "web", NULL);
	put_pod(fx, "default", "p2", "db", NULL);
	rv3 = put_pod(fx, "default", "p1", "db", NULL);	 /* leaves */
	rv4 = put_pod(fx, "default", "p2", "web", NULL); /* enters */
	rv5 = put_pod(fx, "default", "p2", "web", "n1"); /* stays */
	rv6 = del_pod(fx, "default", "p2");
	del_pod(fx, "default", "p1"); /* not matching when deleted */

	expect(r, "ADDED", "p1", rv1);
	/* the previous state, with the rv of the change */
	ev = expect_event(r, "DELETED", "p1", rv3);
	assert_string_equal(ev_label(ev), "web");
	json_decref(ev);
	ev = expect_event(r, "ADDED", "p2", rv4);
	assert_string_equal(ev_label(ev), "web");
	json_decref(ev);
	expect(r, "MODIFIED", "p2", rv5);
	expect(r, "DELETED", "p2", rv6);
	expect(r, "ADDED", "sentinel",
	       put_pod(fx, "default", "sentinel", "web", NULL));
	reader_free(r);

	/* initial list filtered too; set-based syntax, '+' is a space */
	put_pod(fx, "default", "q1", "api", NULL);
	r = open_reader(fx, "default", "labelSelector=app+in+(api,x)");
	expect(r, "ADDED", "q1", 0);
	expect(r, "ADDED", "q2", put_pod(fx, "default", "q2", "x", NULL));
	reader_free(r);
}

static void test_field_selector(void **state)
{
	struct fx *fx = *state;
	uint64_t rv1, rv2, rv3;
	struct reader *r;

	put_pod(fx, "default", "unbound", NULL, NULL);
	put_pod(fx, "default", "on-n2", NULL, "n2");
	rv1 = put_pod(fx, "default", "on-n1", NULL, "n1");
	r = open_reader(fx, NULL, "fieldSelector=spec.nodeName%3Dn1");
	expect(r, "ADDED", "on-n1", rv1);
	/* binding the unbound pod to n1: it enters the selection */
	rv2 = put_pod(fx, "default", "unbound", NULL, "n1");
	expect(r, "ADDED", "unbound", rv2);
	rv3 = put_pod(fx, "default", "on-n1", NULL, "n3");
	expect(r, "DELETED", "on-n1", rv3);
	reader_free(r);

	/* unbound pods but on-n2, from the first write on: "unbound" was
	 * (rv 1, not shown: the watch starts after it), then was bound */
	r = open_reader(fx, "default",
			"fieldSelector=metadata.name%21%3Don-n2,"
			"spec.nodeName%3D&resourceVersion=1");
	expect(r, "DELETED", "unbound", rv2);
	expect(r, "ADDED", "x", put_pod(fx, "default", "x", NULL, NULL));
	reader_free(r);
}

static void expect_open_error(struct fx *fx, const char *query, int code,
			      const char *msg)
{
	struct watch_stream *ws = (struct watch_stream *)(uintptr_t)1;
	struct kf_error err;

	kf_error_init(&err);
	assert_int_equal(
	    watch_stream_open(fx->hub, fx->pods, NULL, query, UID, &err, &ws),
	    code);
	assert_string_equal(err.msg, msg);
	assert_ptr_equal(ws, (struct watch_stream *)(uintptr_t)1);
}

static void test_bad_queries(void **state)
{
	struct fx *fx = *state;
	char *big;

	expect_open_error(fx, "resourceVersion=abc", -EINVAL,
			  "pods \"\" is invalid: resourceVersion: Invalid "
			  "value: \"abc\": strconv.ParseUint: parsing "
			  "\"abc\": invalid syntax");
	expect_open_error(fx, "resourceVersion=99999999999999999999", -EINVAL,
			  "pods \"\" is invalid: resourceVersion: Invalid "
			  "value: \"99999999999999999999\": strconv.ParseUint: "
			  "parsing \"99999999999999999999\": value out of "
			  "range");
	/* Go's %q: a newline is \n, not \x0a */
	expect_open_error(fx, "resourceVersion=a%0Ab%09%22", -EINVAL,
			  "pods \"\" is invalid: resourceVersion: Invalid "
			  "value: \"a\\nb\\t\\\"\": strconv.ParseUint: "
			  "parsing \"a\\nb\\t\\\"\": invalid syntax");
	expect_open_error(fx, "timeoutSeconds=soon", -EINVAL,
			  "strconv.ParseInt: parsing \"soon\": invalid syntax");
	expect_open_error(fx, "labelSelector=%zz", -EINVAL,
			  "invalid URL escape \"%zz\"");
	expect_open_error(fx, "labelSelector=a%2", -EINVAL,
			  "invalid URL escape \"%2\"");
	expect_open_error(fx, "labelSelector=a+b", -EINVAL,
			  "unable to parse requirement: found 'b', expected: "
			  "in, notin, =, ==, !=, gt, lt");
	expect_open_error(fx, "fieldSelector=spec.foo%3D1", -EINVAL,
			  "field label not supported: spec.foo");
	big = malloc(WATCH_QUERY_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', WATCH_QUERY_MAX + 1);
	big[WATCH_QUERY_MAX + 1] = '\0';
	expect_open_error(fx, big, -EINVAL,
			  "the query is too long: 16385 bytes, the limit is "
			  "16384 bytes");
	free(big);
}

static void test_query_details(void **state)
{
	struct fx *fx = *state;
	struct reader *r;

	put_pod(fx, "default", "p1", "web", NULL);
	/* unknown parameters and resourceVersionMatch are ignored; the
	 * first of a repeated parameter wins; resourceVersion=0 lists */
	r = open_reader(fx, NULL,
			"watch=1&resourceVersionMatch=NotOlderThan&"
			"resourceVersion=0&resourceVersion=abc&"
			"labelSelector=app%3d%3dweb&labelSelector=bad%20sel&&");
	expect(r, "ADDED", "p1", 0);
	reader_free(r);
}

static void test_bookmarks(void **state)
{
	struct fx *fx = *state;
	struct watch_limits lim = {.bookmark_ms = 10};
	uint64_t rv_list, rv_cm;
	struct reader *r;
	char *line, want[256];
	json_t *ev;

	watch_hub_set_limits(fx->hub, &lim);
	rv_list = put_pod(fx, "default", "p1", NULL, NULL);
	wait_hub(fx, rv_list);

	/* the end of the initial events is marked */
	r = open_reader(fx, "default",
			"sendInitialEvents=true&allowWatchBookmarks=true&"
			"resourceVersionMatch=NotOlderThan");
	expect(r, "ADDED", "p1", rv_list);
	line = next_line(r);
	snprintf(
	    want, sizeof(want),
	    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\","
	    "\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"%" PRIu64
	    "\",\"annotations\":{\"k8s.io/initial-events-end\":"
	    "\"true\"}}}}",
	    rv_list);
	assert_string_equal(line, want);
	free(line);

	/* changes the stream does not show move its bookmark on */
	rv_cm = put_cm(fx, "default", "c1");
	do {
		ev = next_event(r);
		assert_non_null(ev);
		assert_string_equal(ev_type(ev), "BOOKMARK");
		assert_null(ev_name(ev));
		assert_true(ev_rv(ev) <= rv_cm);
		if (ev_rv(ev) == rv_cm)
			break;
		json_decref(ev);
	} while (1);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(ev, "object"), "kind")),
			    "Pod");
	json_decref(ev);
	/* then real events again */
	expect(r, "ADDED", "p2", put_pod(fx, "default", "p2", NULL, NULL));
	reader_free(r);

	/* no bookmarks unless asked */
	r = open_reader(fx, "default", "");
	expect(r, "ADDED", "p1", rv_list);
	expect(r, "ADDED", "p2", 0);
	put_cm(fx, "default", "c2");
	wait_hub(fx, store_current_rv(fx->st));
	sleep_ms(50); /* several bookmark periods */
	expect(r, "ADDED", "p3", put_pod(fx, "default", "p3", NULL, NULL));
	reader_free(r);
}

static void test_timeout(void **state)
{
	struct fx *fx = *state;
	struct reader *r;

	put_pod(fx, "default", "p1", NULL, NULL);
	r = open_reader(fx, NULL, "timeoutSeconds=1");
	expect(r, "ADDED", "p1", 0);
	expect_eof(r);
	reader_free(r);

	/* a negative timeout has already passed: what was queued, then
	 * the end */
	r = open_reader(fx, NULL, "timeoutSeconds=-5");
	expect(r, "ADDED", "p1", 0);
	expect_eof(r);
	reader_free(r);
}

/* A ready function that reads from inside, as the FUSE layer does. */
struct inside {
	struct watch_stream *ws;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned calls;
	size_t got;
	char buf[4096];
};

static void read_inside(void *ud)
{
	struct inside *in = ud;
	ssize_t n;

	pthread_mutex_lock(&in->lock);
	in->calls++;
	n = watch_stream_read(in->ws, in->buf + in->got,
			      sizeof(in->buf) - in->got);
	if (n > 0)
		in->got += (size_t)n;
	/* and re-arms itself while at it */
	watch_stream_set_ready_fn(in->ws, read_inside, in);
	(void)watch_stream_readable(in->ws);
	pthread_cond_broadcast(&in->cond);
	pthread_mutex_unlock(&in->lock);
}

/* Has the ready function read needle by now (waiting up to WAIT_MS)? */
static bool wait_got(struct inside *in, const char *needle)
{
	int64_t end = now_ms() + WAIT_MS;
	bool got;

	pthread_mutex_lock(&in->lock);
	while (!(got = memmem(in->buf, in->got, needle, strlen(needle))) &&
	       now_ms() < end) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec++;
		pthread_cond_timedwait(&in->cond, &in->lock, &ts);
	}
	pthread_mutex_unlock(&in->lock);
	return got;
}

static void test_ready_fn(void **state)
{
	struct fx *fx = *state;
	/* on the heap: if the test fails, late calls find it alive */
	struct inside *in = calloc(1, sizeof(*in));
	struct kf_error err;
	char buf[64];
	uint64_t rv;

	assert_non_null(in);
	pthread_mutex_init(&in->lock, NULL);
	pthread_cond_init(&in->cond, NULL);
	kf_error_init(&err);
	assert_int_equal(watch_stream_open(fx->hub, fx->pods, NULL,
					   "sendInitialEvents=false", UID, &err,
					   &in->ws),
			 0);
	/* the reader finds nothing, then data comes, then it asks to be
	 * told: it is told at once */
	assert_int_equal(watch_stream_read(in->ws, buf, sizeof(buf)), -EAGAIN);
	rv = put_pod(fx, "default", "early", NULL, NULL);
	wait_hub(fx, rv);
	watch_stream_set_ready_fn(in->ws, read_inside, in);
	assert_true(wait_got(in, "\"early\""));
	/* called again for a later event, which it reads from inside */
	put_pod(fx, "default", "later", NULL, NULL);
	assert_true(wait_got(in, "\"later\""));
	pthread_mutex_lock(&in->lock);
	assert_true(in->calls >= 2);
	pthread_mutex_unlock(&in->lock);
	/* cleared: no more calls */
	watch_stream_set_ready_fn(in->ws, NULL, NULL);
	watch_stream_free(in->ws);
	pthread_mutex_destroy(&in->lock);
	pthread_cond_destroy(&in->cond);
	free(in);
}

static void test_long_line_in_pieces(void **state)
{
	struct fx *fx = *state;
	struct reader *r;
	char name[300], *line;
	json_t *ev;

	memset(name, 'n', 250);
	name[250] = '\0';
	put_pod(fx, "default", name, NULL, NULL);
	r = open_reader(fx, NULL, "");
	r->chunk = 7;
	line = next_line(r);
	assert_true(strlen(line) > 250);
	ev = json_loads(line, 0, NULL);
	assert_string_equal(ev_name(ev), name);
	json_decref(ev);
	free(line);
	/* size 0 reads nothing */
	assert_int_equal(watch_stream_read(r->ws, r->buf, 0), 0);
	reader_free(r);
}

static void test_slow_stream_terminated(void **state)
{
	struct fx *fx = *state;
	struct watch_limits small = {.max_queue_events = 5};
	uint64_t rvs[10];
	struct reader *slow, *fast;
	char want[320], *line;

	watch_hub_set_limits(fx->hub, &small);
	slow = open_reader(fx, NULL, "sendInitialEvents=false");
	watch_hub_set_limits(fx->hub, NULL);
	fast = open_reader(fx, NULL, "sendInitialEvents=false");
	for (int i = 0; i < 10; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		rvs[i] = put_pod(fx, "default", name, NULL, NULL);
	}
	/* the others are not held back */
	for (int i = 0; i < 10; i++)
		expect(fast, "ADDED", NULL, rvs[i]);
	/* the slow one gets what fitted, then 410, then the end */
	for (int i = 0; i < 5; i++)
		expect(slow, "ADDED", NULL, rvs[i]);
	line = next_line(slow);
	snprintf(want, sizeof(want),
		 "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
		 "\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
		 "\"message\":\"too old resource version: %" PRIu64 " (%" PRIu64
		 ")\",\"reason\":\"Expired\",\"code\":410}}",
		 rvs[4], rvs[5]);
	assert_string_equal(line, want);
	free(line);
	expect_eof(slow);
	reader_free(slow);
	reader_free(fast);
}

static void test_initial_list_not_limited(void **state)
{
	struct fx *fx = *state;
	struct watch_limits small = {.max_queue_events = 2};
	struct reader *r;

	for (int i = 0; i < 6; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		put_pod(fx, "default", name, NULL, NULL);
	}
	watch_hub_set_limits(fx->hub, &small);
	r = open_reader(fx, NULL, "");
	watch_hub_set_limits(fx->hub, NULL);
	for (int i = 0; i < 6; i++)
		expect(r, "ADDED", NULL, 0);
	expect(r, "ADDED", "live", put_pod(fx, "default", "live", NULL, NULL));
	reader_free(r);
}

/*
 * The initial list is built as it is read: an object changed or deleted
 * after the list still shows as it was at the list's rv, then the change.
 */
static void test_lazy_list_consistent(void **state)
{
	struct fx *fx = *state;
	uint64_t a0 = put_pod(fx, "default", "a", "v1", NULL);
	uint64_t b0 = put_pod(fx, "default", "b", "v1", NULL);
	uint64_t a1, b1;
	struct reader *r;
	json_t *ev;

	wait_hub(fx, b0);
	r = open_reader(fx, NULL, "");
	a1 = put_pod(fx, "default", "a", "v2", NULL);
	b1 = del_pod(fx, "default", "b");
	wait_hub(fx, b1);
	ev = expect_event(r, "ADDED", "a", a0);
	assert_string_equal(ev_label(ev), "v1");
	json_decref(ev);
	expect(r, "ADDED", "b", b0);
	ev = expect_event(r, "MODIFIED", "a", a1);
	assert_string_equal(ev_label(ev), "v2");
	json_decref(ev);
	expect(r, "DELETED", "b", b1);
	reader_free(r);
}

/* Streams listing the same object share its line. */
static void test_list_lines_shared(void **state)
{
	struct fx *fx = *state;
	uint64_t rv = put_pod(fx, "default", "s", NULL, NULL);
	char key[STORE_KEY_MAX + 1];
	struct reader *r1, *r2;
	struct wline *l;

	assert_int_equal(server_key(fx->pods, "default", "s", key, sizeof(key)),
			 0);
	wait_hub(fx, rv);
	assert_null(wshare_get(fx->hub->share, key, rv));
	r1 = open_reader(fx, NULL, "");
	r2 = open_reader(fx, NULL, "");
	expect(r1, "ADDED", "s", rv);
	l = wshare_get(fx->hub->share, key, rv);
	assert_non_null(l);
	/* the cache's reference and ours */
	assert_int_equal(atomic_load(&l->refs), 2);
	expect(r2, "ADDED", "s", rv);
	wline_unref(l);
	reader_free(r1);
	reader_free(r2);
}

/* Bytes held count against the uid: over budget, open is EAGAIN and a
 * live stream that would grow ends with 410; root has its reserve. */
static void test_byte_budget(void **state)
{
	struct fx *fx = *state;
	struct watch_limits lim = {
	    .max_bytes_per_uid = 600, .max_bytes = 4000, .reserve_bytes = 2000};
	struct watch_stream *ws = NULL, *big = NULL;
	struct reader *r;
	struct kf_error err;
	char *line;

	for (int i = 0; i < 40; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%02d", i);
		put_pod(fx, "default", name, NULL, NULL);
	}
	watch_hub_set_limits(fx->hub, &lim);
	/* a list of 40 keys is more than 600 bytes */
	kf_error_init(&err);
	assert_int_equal(
	    watch_stream_open(fx->hub, fx->pods, NULL, "", UID, &err, &ws),
	    -EAGAIN);
	assert_string_equal(err.msg,
			    "Too many requests, please try again later.");
	/* root may: its list is in the reserve */
	assert_int_equal(
	    watch_stream_open(fx->hub, fx->pods, NULL, "", 0, &err, &big), 0);
	/* a stream of changes only; unread events fill the uid's budget */
	r = open_reader(fx, NULL, "sendInitialEvents=false");
	for (int i = 0; i < 4; i++)
		put_pod(fx, "default", "n", NULL, NULL);
	for (int i = 0; i < 4; i++) {
		line = next_line(r);
		assert_non_null(line);
		if (strstr(line, "\"code\":410"))
			break;
		free(line);
		line = NULL;
	}
	assert_non_null(line);
	assert_non_null(strstr(line, "\"code\":410"));
	free(line);
	expect_eof(r);
	reader_free(r);
	watch_stream_free(big);
	watch_hub_set_limits(fx->hub, NULL);
}

/* Root keeps a reserve of streams; once the users' pool is half used,
 * big holders stop first and a newcomer still gets streams. */
static void test_stream_reserve_and_share(void **state)
{
	struct fx *fx = *state;
	struct watch_limits lim = {
	    .max_streams = 32, .max_streams_per_uid = 32, .reserve_streams = 4};
	struct watch_stream *ws[64] = {0};
	struct kf_error err;
	size_t n = 0, hog = 0, late = 0;

	watch_hub_set_limits(fx->hub, &lim);
	/* pool: 28; a hog stops at half of it plus what stays free */
	while (n < 64 && watch_stream_open(fx->hub, fx->pods, NULL,
					   "sendInitialEvents=false", 2000,
					   &err, &ws[n]) == 0)
		n++, hog++;
	assert_int_equal(hog, 14);
	while (n < 64 && watch_stream_open(fx->hub, fx->pods, NULL,
					   "sendInitialEvents=false", 2001,
					   &err, &ws[n]) == 0)
		n++, late++;
	assert_int_equal(late, 7);
	assert_int_equal(watch_stream_open(fx->hub, fx->pods, NULL,
					   "sendInitialEvents=false", 2002,
					   &err, &ws[n]),
			 0);
	n++;
	/* root: the reserve and what the users left */
	for (int i = 0; i < 4; i++, n++)
		assert_int_equal(watch_stream_open(fx->hub, fx->pods, NULL,
						   "sendInitialEvents=false", 0,
						   &err, &ws[n]),
				 0);
	for (size_t i = 0; i < n; i++)
		watch_stream_free(ws[i]);
	watch_hub_set_limits(fx->hub, NULL);
}

/* Listener log. */
struct seen {
	pthread_mutex_t lock;
	uint64_t rvs[64];
	char names[64][32];
	bool object[64];
	size_t n;
};

static void listen(void *ud, const struct watch_event_info *ev)
{
	struct seen *s = ud;

	pthread_mutex_lock(&s->lock);
	if (s->n < 64) {
		s->rvs[s->n] = ev->rv;
		s->object[s->n] = ev->kind != NULL;
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s",
			 ev->name ? ev->name : "");
		s->n++;
	}
	pthread_mutex_unlock(&s->lock);
}

static void listen_noop(void *ud, const struct watch_event_info *ev)
{
	(void)ud;
	(void)ev;
}

static void test_listener(void **state)
{
	struct fx *fx = *state;
	struct seen s = {.n = 0};
	struct store_op op = {0};
	uint64_t start = store_current_rv(fx->st), end;

	pthread_mutex_init(&s.lock, NULL);
	wait_hub(fx, start);
	assert_int_equal(watch_hub_add_listener(fx->hub, listen, &s), 0);
	put_pod(fx, "default", "a", NULL, NULL);
	put_cm(fx, "kube-system", "b");
	op.type = STORE_PUT;
	op.key = "!alloc/nodeports/30080";
	op.data = "default/svc";
	op.len = strlen(op.data);
	assert_int_equal(store_write(fx->st, &op, 1, NULL), 0);
	end = del_pod(fx, "default", "a");
	wait_hub(fx, end);

	pthread_mutex_lock(&s.lock);
	assert_int_equal(s.n, end - start);
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.rvs[i],
				 start + 1 + i); /* each once, in order */
	assert_string_equal(s.names[0], "a");
	assert_string_equal(s.names[1], "b");
	assert_false(s.object[2]); /* not an object key */
	assert_string_equal(s.names[3], "a");
	pthread_mutex_unlock(&s.lock);
	pthread_mutex_destroy(&s.lock);

	for (int i = 1; i < WATCH_MAX_LISTENERS; i++)
		assert_int_equal(
		    watch_hub_add_listener(fx->hub, listen_noop, NULL), 0);
	assert_int_equal(watch_hub_add_listener(fx->hub, listen_noop, NULL),
			 -ENOSPC);
}

static void test_limits(void **state)
{
	struct fx *fx = *state;
	struct watch_limits lim = {.max_streams = 3, .max_streams_per_uid = 2};
	struct watch_stream *ws[4] = {0};
	struct kf_error err;

	watch_hub_set_limits(fx->hub, &lim);
	kf_error_init(&err);
	assert_int_equal(
	    watch_stream_open(fx->hub, fx->pods, NULL, "", 1000, &err, &ws[0]),
	    0);
	assert_int_equal(
	    watch_stream_open(fx->hub, fx->pods, NULL, "", 1000, &err, &ws[1]),
	    0);
	assert_int_equal(
	    watch_stream_open(fx->hub, fx->pods, NULL, "", 1000, &err, &ws[2]),
	    -EAGAIN);
	assert_string_equal(err.msg,
			    "Too many requests, please try again later.");
	assert_null(ws[2]);
	assert_int_equal(
	    watch_stream_open(fx->hub, fx->cms, NULL, "", 1001, &err, &ws[2]),
	    0);
	kf_error_init(&err);
	assert_int_equal(
	    watch_stream_open(fx->hub, fx->pods, NULL, "", 1002, &err, &ws[3]),
	    -EAGAIN);
	assert_string_equal(err.msg,
			    "Too many requests, please try again later.");
	/* a closed stream frees its place */
	watch_stream_free(ws[0]);
	assert_int_equal(
	    watch_stream_open(fx->hub, fx->pods, NULL, "", 1002, &err, &ws[0]),
	    0);
	for (int i = 0; i < 4; i++)
		watch_stream_free(ws[i]);
	watch_stream_free(NULL);
	watch_hub_set_limits(fx->hub, NULL);
}

static void test_many_streams_share(void **state)
{
	struct fx *fx = *state;
	struct reader *r[100];
	char *first = NULL;

	for (int i = 0; i < 100; i++)
		r[i] = open_reader(fx, "default", "sendInitialEvents=false");
	put_pod(fx, "default", "shared", "web", "n1");
	for (int i = 0; i < 100; i++) {
		char *line = next_line(r[i]);

		assert_non_null(line);
		if (first) {
			assert_string_equal(line, first);
			free(line);
		} else {
			first = line;
		}
		reader_free(r[i]);
	}
	free(first);
}

static void test_hub_shutdown_ends_streams(void **state)
{
	struct fx *fx = *state;
	struct reader *r, *idle;
	unsigned fired;

	put_pod(fx, "default", "p1", NULL, NULL);
	r = open_reader(fx, NULL, "");
	/* a reader waiting for more */
	idle = open_reader(fx, NULL, "");
	expect(idle, "ADDED", "p1", 0);
	assert_int_equal(watch_stream_read(idle->ws, idle->buf, 16), -EAGAIN);
	pthread_mutex_lock(&idle->lock);
	fired = idle->fired;
	pthread_mutex_unlock(&idle->lock);

	watch_hub_free(fx->hub);
	fx->hub = NULL;
	/* what was queued, then the end; the streams outlive the hub */
	expect(r, "ADDED", "p1", 0);
	expect_eof(r);
	/* the end is not announced: the I/O layer may be gone */
	pthread_mutex_lock(&idle->lock);
	assert_int_equal(idle->fired, fired);
	pthread_mutex_unlock(&idle->lock);
	assert_int_equal(watch_stream_read(idle->ws, idle->buf, 16), 0);
	reader_free(r);
	reader_free(idle);
	assert_int_equal(watch_hub_new(fx->st, 5, &fx->hub), 0);
}

/* --------------------------------------------- concurrent writers */

#define WRITERS 8
#define WRITES 150

struct writer {
	struct fx *fx;
	int id;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char name[16], value[256], key[STORE_KEY_MAX + 1];

	snprintf(name, sizeof(name), "w%d", w->id);
	server_key(w->fx->pods, "default", name, key, sizeof(key));
	for (int i = 0; i < WRITES; i++) {
		struct store_op op = {0};

		snprintf(value, sizeof(value),
			 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
			 "{\"labels\":{\"seq\":\"%d\"},\"name\":\"%s\","
			 "\"namespace\":\"default\"}}",
			 i, name);
		op.type = STORE_PUT;
		op.key = key;
		op.data = value;
		op.len = strlen(value);
		if (store_write(w->fx->st, &op, 1, NULL) != 0)
			abort();
		watch_hub_poke(w->fx->hub);
	}
	return NULL;
}

static int ev_seq(const json_t *ev)
{
	const json_t *l = json_object_get(ev_meta(ev), "labels");

	return atoi(json_string_value(json_object_get(l, "seq")));
}

/*
 * Read until every writer's last write was seen; each writer's sequence
 * numbers must follow one another from where the stream first saw it,
 * and rvs must grow strictly.
 */
static void check_writers(struct reader *r, bool from_start)
{
	int next[WRITERS];
	uint64_t last_rv = 0;
	int done = 0;

	for (int i = 0; i < WRITERS; i++)
		next[i] = -1;
	while (done < WRITERS) {
		json_t *ev = next_event(r);
		int id, seq;

		assert_non_null(ev);
		id = atoi(ev_name(ev) + 1);
		seq = ev_seq(ev);
		assert_true(id >= 0 && id < WRITERS);
		if (next[id] < 0) {
			assert_string_equal(ev_type(ev), "ADDED");
			if (from_start)
				assert_int_equal(seq, 0);
		} else {
			assert_string_equal(ev_type(ev), "MODIFIED");
			assert_int_equal(seq, next[id]);
		}
		/* the initial list is in key order, the rest in rv order */
		if (next[id] >= 0 || from_start)
			assert_true(ev_rv(ev) > last_rv);
		if (ev_rv(ev) > last_rv)
			last_rv = ev_rv(ev);
		next[id] = seq + 1;
		if (seq == WRITES - 1)
			done++;
		json_decref(ev);
	}
}

/* Keeps rewriting pod "hot" (label seq=N) until told to stop. */
struct hot_writer {
	struct fx *fx;
	int writes;
	bool stop;
};

static void *hot_main(void *arg)
{
	struct hot_writer *h = arg;
	char key[STORE_KEY_MAX + 1], value[256];

	server_key(h->fx->pods, "default", "hot", key, sizeof(key));
	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		struct store_op op = {0};

		snprintf(value, sizeof(value),
			 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
			 "{\"labels\":{\"seq\":\"%d\"},\"name\":\"hot\","
			 "\"namespace\":\"default\"}}",
			 h->writes);
		op.type = STORE_PUT;
		op.key = key;
		op.data = value;
		op.len = strlen(value);
		if (store_write(h->fx->st, &op, 1, NULL) != 0)
			abort();
		watch_hub_poke(h->fx->hub);
		__atomic_store_n(&h->writes, h->writes + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * A long initial list while the hub keeps moving: the stream joins the
 * hub behind it and catches up from the store. The changes it catches up
 * on come after the whole list and before the live ones.
 */
static void test_join_behind_hub(void **state)
{
	enum { BULK = 3000, PER_WRITE = 500 };
	struct fx *fx = *state;
	struct hot_writer h = {.fx = fx};
	char(*keys)[64] = calloc(PER_WRITE, sizeof(*keys));
	char(*values)[160] = calloc(PER_WRITE, sizeof(*values));
	struct store_op *ops = calloc(PER_WRITE, sizeof(*ops));
	struct reader *r;
	pthread_t th;
	int next = -1, added = 0;

	assert_non_null(keys);
	assert_non_null(values);
	assert_non_null(ops);
	for (int b = 0; b < BULK / PER_WRITE; b++) {
		for (int i = 0; i < PER_WRITE; i++) {
			char name[32];

			snprintf(name, sizeof(name), "bulk-%05d",
				 b * PER_WRITE + i);
			server_key(fx->pods, "default", name, keys[i],
				   sizeof(keys[i]));
			snprintf(values[i], sizeof(values[i]),
				 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
				 "\"metadata\":{\"name\":\"%s\",\"namespace\":"
				 "\"default\"}}",
				 name);
			ops[i] = (struct store_op){.type = STORE_PUT,
						   .key = keys[i],
						   .data = values[i],
						   .len = strlen(values[i])};
		}
		assert_int_equal(store_write(fx->st, ops, PER_WRITE, NULL), 0);
	}
	free(keys);
	free(values);
	free(ops);
	assert_int_equal(pthread_create(&th, NULL, hot_main, &h), 0);
	while (__atomic_load_n(&h.writes, __ATOMIC_ACQUIRE) < 10)
		sleep_ms(1);
	r = open_reader(fx, "default", "");
	__atomic_store_n(&h.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);

	while (next < h.writes) {
		json_t *ev = next_event(r);

		assert_non_null(ev);
		if (strcmp(ev_name(ev), "hot")) {
			/* the whole list comes first */
			assert_string_equal(ev_type(ev), "ADDED");
			assert_int_equal(next, -1);
			added++;
		} else if (next < 0) {
			assert_string_equal(ev_type(ev), "ADDED");
			next = ev_seq(ev) + 1;
		} else {
			assert_string_equal(ev_type(ev), "MODIFIED");
			assert_int_equal(ev_seq(ev), next);
			next++;
		}
		json_decref(ev);
		if (next == h.writes)
			break;
	}
	assert_int_equal(added, BULK);
	reader_free(r);
}

#define MID_STREAMS 4

static void test_concurrent_writers(void **state)
{
	struct fx *fx = *state;
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	struct reader *from_start, *mid[MID_STREAMS];
	char q[64];

	snprintf(q, sizeof(q), "resourceVersion=%" PRIu64,
		 store_current_rv(fx->st));
	from_start = open_reader(fx, NULL, q);
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){fx, i};
		assert_int_equal(
		    pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	/* streams opened while they write: a list, then the feed (the hub
	 * is sometimes behind the list, sometimes ahead of it) */
	for (int i = 0; i < MID_STREAMS; i++) {
		while (store_current_rv(fx->st) <
		       (uint64_t)(i + 1) * WRITERS * WRITES / (MID_STREAMS + 2))
			sleep_ms(1);
		mid[i] = open_reader(fx, "default", "");
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	check_writers(from_start, true);
	reader_free(from_start);
	for (int i = 0; i < MID_STREAMS; i++) {
		check_writers(mid[i], false);
		reader_free(mid[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_initial_then_live, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_line_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resume_from_rv, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_future_rv_waits, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_expired_410, setup_small_log,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_label_selector_transitions,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_field_selector, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bad_queries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_query_details, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bookmarks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ready_fn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_line_in_pieces, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_slow_stream_terminated, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_initial_list_not_limited,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_listener, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lazy_list_consistent, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_byte_budget, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_lines_shared, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_stream_reserve_and_share,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_streams_share, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_hub_shutdown_ends_streams,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_writers, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_join_behind_hub, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
