/*
 * Unit tests for client/events: argument checks and failure accounting,
 * then Events written to a real kubefs-fs, de-duplicated into counts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "client/client.h"
#include "client/events.h"
#include "test_client_fs.h"

static struct test_fs fs;

static json_t *object(const char *kind, const char *ns, const char *name)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "apiVersion",
			      "v1", "kind", kind, "metadata", "name", name,
			      "uid", "0b7e6f1c-1111-2222-3333-444455556666",
			      "resourceVersion", "7");

	if (ns)
		json_object_set_new(json_object_get(o, "metadata"), "namespace",
				    json_string(ns));
	return o;
}

static void test_arguments_and_failures(void **state)
{
	char dir[] = "/tmp/kubefs-events-XXXXXX";
	struct event_recorder_stats st;
	struct event_recorder *r = NULL;
	struct client *c = NULL;
	json_t *pod = object("Pod", "default", "p");
	json_t *noname = json_pack("{s:s, s:{}}", "kind", "Pod", "metadata");

	assert_non_null(mkdtemp(dir));
	assert_int_equal(client_new(dir, &c), 0);
	assert_int_equal(event_recorder_new(c, "", NULL, &r), -EINVAL);
	assert_int_equal(event_recorder_new(c, "test", "host-1", &r), 0);

	assert_int_equal(event_recorder_eventf(r, pod, "Info", "X", "m"),
			 -EINVAL);
	assert_int_equal(event_recorder_eventf(r, pod, NULL, "X", "m"),
			 -EINVAL);
	assert_int_equal(
	    event_recorder_eventf(r, pod, EVENT_TYPE_NORMAL, "", "m"), -EINVAL);
	assert_int_equal(
	    event_recorder_eventf(r, noname, EVENT_TYPE_NORMAL, "X", "m"),
	    -EINVAL);

	/* a directory that is not a cluster: the write fails, is counted */
	assert_int_equal(event_recorder_eventf(r, pod, EVENT_TYPE_WARNING,
					       "Failed", "it broke: %d", 42),
			 0);
	event_recorder_flush(r);
	event_recorder_stats(r, &st);
	assert_int_equal(st.created, 0);
	assert_int_equal(st.failed, 1);
	assert_true(st.last_error < 0);
	event_recorder_free(r);
	event_recorder_free(NULL);
	client_free(c);
	json_decref(pod);
	json_decref(noname);
	rmdir(dir);
}

/* ---- against kubefs-fs ---- */

static const struct kind_info *events_kind(void)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "events");

	assert_non_null(k);
	return k;
}

/* The Events in ns about object name, sorted by name. */
static json_t *events_about(const char *ns, const char *name)
{
	json_t *items = NULL;
	char sel[300];

	snprintf(sel, sizeof(sel), "involvedObject.name=%s", name);
	assert_int_equal(
	    client_list(fs.c, events_kind(), ns, NULL, sel, NULL, &items, NULL),
	    0);
	return items;
}

static const char *str_at(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

static bool is_event_name(const char *name, const char *obj)
{
	size_t n = strlen(obj);

	if (strncmp(name, obj, n) || name[n] != '.' ||
	    strlen(name + n + 1) != 16)
		return false;
	for (const char *p = name + n + 1; *p; p++)
		if (!strchr("0123456789abcdef", *p))
			return false;
	return true;
}

static void test_live_create_and_dedup(void **state)
{
	_cleanup_json_ json_t *cm = NULL, *evs = NULL;
	struct event_recorder_stats st;
	struct event_recorder *r = NULL;
	const json_t *ev;
	char first_name[CLIENT_NAME_MAX + 1];
	struct timespec ts;

	TEST_FS_REQUIRE(&fs);
	cm = object("ConfigMap", "default", "evt-cm");
	assert_int_equal(event_recorder_new(fs.c, "kubefs-test", "host-1", &r),
			 0);
	assert_int_equal(event_recorder_eventf(r, cm, EVENT_TYPE_NORMAL,
					       "Synced", "synced %s", "evt-cm"),
			 0);
	event_recorder_flush(r);
	evs = events_about("default", "evt-cm");
	assert_int_equal(json_array_size(evs), 1);
	ev = json_array_get(evs, 0);
	assert_true(is_event_name(str_at(ev, "metadata", "name"), "evt-cm"));
	snprintf(first_name, sizeof(first_name), "%s",
		 str_at(ev, "metadata", "name"));
	assert_string_equal(str_at(ev, "involvedObject", "kind"), "ConfigMap");
	assert_string_equal(str_at(ev, "involvedObject", "apiVersion"), "v1");
	assert_string_equal(str_at(ev, "involvedObject", "namespace"),
			    "default");
	assert_string_equal(str_at(ev, "involvedObject", "uid"),
			    "0b7e6f1c-1111-2222-3333-444455556666");
	assert_string_equal(str_at(ev, "reason", NULL), "Synced");
	assert_string_equal(str_at(ev, "message", NULL), "synced evt-cm");
	assert_string_equal(str_at(ev, "type", NULL), "Normal");
	assert_string_equal(str_at(ev, "source", "component"), "kubefs-test");
	assert_string_equal(str_at(ev, "source", "host"), "host-1");
	assert_string_equal(str_at(ev, "reportingComponent", NULL),
			    "kubefs-test");
	assert_string_equal(str_at(ev, "reportingInstance", NULL), "host-1");
	assert_int_equal(json_integer_value(json_object_get(ev, "count")), 1);
	assert_int_equal(strlen(str_at(ev, "firstTimestamp", NULL)), 20);
	assert_int_equal(rfc3339_parse(str_at(ev, "firstTimestamp", NULL), &ts),
			 0);
	assert_string_equal(str_at(ev, "firstTimestamp", NULL),
			    str_at(ev, "lastTimestamp", NULL));
	json_decref(evs);

	/* the same event again: the count goes up on the same Event */
	for (int i = 0; i < 2; i++)
		assert_int_equal(event_recorder_eventf(r, cm, EVENT_TYPE_NORMAL,
						       "Synced", "synced %s",
						       "evt-cm"),
				 0);
	event_recorder_flush(r);
	evs = events_about("default", "evt-cm");
	assert_int_equal(json_array_size(evs), 1);
	ev = json_array_get(evs, 0);
	assert_string_equal(str_at(ev, "metadata", "name"), first_name);
	assert_int_equal(json_integer_value(json_object_get(ev, "count")), 3);
	json_decref(evs);

	/* another message is another Event */
	assert_int_equal(event_recorder_eventf(r, cm, EVENT_TYPE_WARNING,
					       "Synced", "failed to sync"),
			 0);
	event_recorder_flush(r);
	evs = events_about("default", "evt-cm");
	assert_int_equal(json_array_size(evs), 2);
	json_decref(evs);

	/* the Event was deleted: the next duplicate starts a new one */
	assert_int_equal(
	    client_delete(fs.c, events_kind(), "default", first_name, NULL), 0);
	assert_int_equal(event_recorder_eventf(r, cm, EVENT_TYPE_NORMAL,
					       "Synced", "synced %s", "evt-cm"),
			 0);
	event_recorder_flush(r);
	evs = events_about("default", "evt-cm");
	assert_int_equal(json_array_size(evs), 2);
	{
		size_t i;
		json_t *v;
		bool fresh = false;

		json_array_foreach (evs, i, v)
			if (!strcmp(str_at(v, "message", NULL),
				    "synced evt-cm") &&
			    json_integer_value(json_object_get(v, "count")) ==
				1 &&
			    strcmp(str_at(v, "metadata", "name"), first_name))
				fresh = true;
		assert_true(fresh);
	}

	event_recorder_stats(r, &st);
	assert_int_equal(st.created, 3);
	assert_int_equal(st.patched, 2);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.dropped, 0);
	event_recorder_free(r);
}

static void test_live_cluster_scoped_and_long(void **state)
{
	_cleanup_json_ json_t *node = NULL, *evs = NULL;
	struct event_recorder *r = NULL;
	char *longmsg;

	TEST_FS_REQUIRE(&fs);
	node = object("Node", NULL, "evt-node");
	longmsg = malloc(5000);
	assert_non_null(longmsg);
	memset(longmsg, 'x', 4999);
	longmsg[4999] = '\0';
	assert_int_equal(event_recorder_new(fs.c, "kubefs-test", NULL, &r), 0);
	assert_int_equal(event_recorder_eventf(r, node, EVENT_TYPE_NORMAL,
					       "NodeReady", "%s", longmsg),
			 0);
	/* free flushes */
	event_recorder_free(r);
	free(longmsg);
	/* cluster-scoped objects' events go to "default" */
	evs = events_about("default", "evt-node");
	assert_int_equal(json_array_size(evs), 1);
	assert_int_equal(
	    strlen(str_at(json_array_get(evs, 0), "message", NULL)),
	    EVENTS_MESSAGE_MAX);
	assert_null(json_object_get(
	    json_object_get(json_array_get(evs, 0), "involvedObject"),
	    "namespace"));
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
	    cmocka_unit_test(test_arguments_and_failures),
	    cmocka_unit_test(test_live_create_and_dedup),
	    cmocka_unit_test(test_live_cluster_scoped_and_long),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
