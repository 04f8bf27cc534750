/*
 * Unit tests for kubefs-ctrl's Endpoints and EndpointSlice controllers
 * against a real kubefs-fs: ready and not-ready addresses, ports resolved
 * by name, a selector that matches nothing, publishNotReadyAddresses,
 * and at most 100 endpoints per slice.
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
#include "ctrl/meta.h"
#include "test_ctrl_run.h"

/* A pod app=LABEL serving port "http" (8080), with an IP, ready or not. */
static void mkpod(const char *name, const char *app, int ip, bool ready)
{
	char rel[256], text[1024];

	snprintf(rel, sizeof(rel), "core/v1/pods/default/%s", name);
	snprintf(text, sizeof(text),
		 "apiVersion: v1\nkind: Pod\nmetadata: {name: %s, labels: "
		 "{app: %s}}\nspec:\n  nodeName: n1\n  containers: [{name: c, "
		 "image: x, ports: [{name: http, containerPort: 8080}]}]\n",
		 name, app);
	put(rel, text);
	snprintf(rel, sizeof(rel), "core/v1/pods/default/%s@status", name);
	snprintf(text, sizeof(text),
		 "{\"status\":{\"phase\":\"Running\",\"podIP\":\"10.1.%d.%d\","
		 "\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
		 ip / 250, ip % 250 + 1, ready ? "True" : "False");
	put(rel, text);
}

static void mksvc(const char *name, const char *app, bool publish)
{
	char rel[256], text[1024];

	snprintf(rel, sizeof(rel), "core/v1/services/default/%s", name);
	snprintf(text, sizeof(text),
		 "apiVersion: v1\nkind: Service\nmetadata: {name: %s}\nspec:\n"
		 "  selector: {app: %s}\n  publishNotReadyAddresses: %s\n"
		 "  ports: [{name: web, port: 80, targetPort: http}]\n",
		 name, app, publish ? "true" : "false");
	put(rel, text);
}

struct ep_want {
	const char *name;
	size_t ready, not_ready;
};

static bool ep_reached(void *ud)
{
	struct ep_want *w = ud;
	_cleanup_json_ json_t *ep = NULL;
	const struct kind_info *k = kinds_by_path("core", "v1", "endpoints");
	json_t *ss;

	if (client_get(fs.c, k, "default", w->name, NULL, &ep) < 0)
		return false;
	ss = json_array_get(cj_get(ep, "subsets"), 0);
	return json_array_size(json_object_get(ss, "addresses")) == w->ready &&
	       json_array_size(json_object_get(ss, "notReadyAddresses")) ==
		   w->not_ready;
}

static void test_endpoints(void **state)
{
	struct test_ctrl tc;
	struct ep_want w = {"web", 2, 1};
	struct ep_want none = {"nobody", 0, 0};
	struct ep_want pub = {"all", 3, 0};
	_cleanup_json_ json_t *ep = NULL;
	json_t *ss;

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "endpoint"), 0);
	mkpod("w1", "web", 1, true);
	mkpod("w2", "web", 2, true);
	mkpod("w3", "web", 3, false);
	mksvc("web", "web", false);
	mksvc("nobody", "nothing", false);
	mksvc("all", "web", true);
	assert_true(test_ctrl_wait(ep_reached, &w));
	assert_true(test_ctrl_wait(ep_reached, &none));
	assert_true(test_ctrl_wait(ep_reached, &pub));
	assert_int_equal(client_get(fs.c,
				    kinds_by_path("core", "v1", "endpoints"),
				    "default", "web", NULL, &ep),
			 0);
	ss = json_array_get(cj_get(ep, "subsets"), 0);
	assert_string_equal(
	    cj_str(json_array_get(json_object_get(ss, "ports"), 0), "name"),
	    "web");
	assert_int_equal(
	    cj_int(json_array_get(json_object_get(ss, "ports"), 0), "port", 0),
	    8080);
	assert_string_equal(
	    cj_str(json_array_get(json_object_get(ss, "addresses"), 0), "ip"),
	    "10.1.0.2");
	assert_string_equal(
	    cj_str(json_array_get(json_object_get(ss, "addresses"), 0),
		   "targetRef.name"),
	    "w1");
	/* a pod going away leaves the Endpoints */
	assert_int_equal(client_delete(fs.c,
				       kinds_by_path("core", "v1", "pods"),
				       "default", "w1", NULL),
			 0);
	w.ready = 1;
	assert_true(test_ctrl_wait(ep_reached, &w));
	test_ctrl_stop(&tc);
}

struct slice_want {
	const char *svc;
	size_t slices, endpoints;
};

static bool slices_reached(void *ud)
{
	struct slice_want *w = ud;
	_cleanup_json_ json_t *items = NULL;
	const struct kind_info *k =
	    kinds_by_path("discovery.k8s.io", "v1", "endpointslices");
	char sel[128];
	size_t i, n = 0;
	json_t *sl;

	snprintf(sel, sizeof(sel), "kubernetes.io/service-name=%s", w->svc);
	if (client_list(fs.c, k, "default", sel, NULL, NULL, &items, NULL) < 0)
		return false;
	json_array_foreach (items, i, sl) {
		if (json_array_size(cj_get(sl, "endpoints")) > 100)
			return false;
		n += json_array_size(cj_get(sl, "endpoints"));
	}
	return json_array_size(items) == w->slices && n == w->endpoints;
}

static void test_slices(void **state)
{
	struct test_ctrl tc;
	struct slice_want w = {"many", 2, 120};
	char name[32];

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "endpointslice"), 0);
	for (int i = 0; i < 120; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		mkpod(name, "many", 10 + i, i % 2);
	}
	mksvc("many", "many", false);
	assert_true(test_ctrl_wait(slices_reached, &w));
	test_ctrl_stop(&tc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_endpoints),
	    cmocka_unit_test(test_slices),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
