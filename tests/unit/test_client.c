/*
 * Unit tests for client/client.h: paths, times, the `errors` file,
 * retries (no server needed), then every object verb against a real
 * kubefs-fs on a temporary mount. Selectors: test_selector.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "client/client.h"
#include "client/client_i.h"
#include "client/watch.h"
#include "test_client_fs.h"

static struct test_fs fs;

/* Local rows in the shape of api/kinds.c's, for the path tests. */
static const struct kind_info pods = {
    .group = "",
    .path_group = "core",
    .version = "v1",
    .api_version = "v1",
    .kind = "Pod",
    .resource = "pods",
    .namespaced = true,
};
static const struct kind_info nodes = {
    .group = "",
    .path_group = "core",
    .version = "v1",
    .api_version = "v1",
    .kind = "Node",
    .resource = "nodes",
    .namespaced = false,
};
static const struct kind_info deployments = {
    .group = "apps",
    .path_group = "apps",
    .version = "v1",
    .api_version = "apps/v1",
    .kind = "Deployment",
    .resource = "deployments",
    .namespaced = true,
};

/* ---- paths ---- */

static void expect_relpath(const struct kind_info *k, const char *ns,
			   const char *name, const char *sub, const char *want)
{
	char *p = NULL;

	assert_int_equal(client_relpath(k, ns, name, sub, &p), 0);
	assert_string_equal(p, want);
	free(p);
}

static void test_relpath(void **state)
{
	char *p = NULL;
	char big[CLIENT_NAME_MAX + 2];

	expect_relpath(&pods, "default", "web", NULL,
		       "core/v1/pods/default/web");
	expect_relpath(&pods, "default", "web", "@json",
		       "core/v1/pods/default/web@json");
	expect_relpath(&pods, "default", NULL, NULL, "core/v1/pods/default");
	expect_relpath(&pods, NULL, NULL, NULL, "core/v1/pods");
	expect_relpath(&pods, "", NULL, NULL, "core/v1/pods");
	expect_relpath(&pods, "kube-system", NULL, "@watch?resourceVersion=4",
		       "core/v1/pods/kube-system/@watch?resourceVersion=4");
	expect_relpath(&pods, NULL, NULL, "@watch", "core/v1/pods/@watch");
	expect_relpath(&pods, "default", "web", "@log.nginx",
		       "core/v1/pods/default/web@log.nginx");
	/* cluster-scoped: the namespace is ignored */
	expect_relpath(&nodes, "default", "n1", "@status",
		       "core/v1/nodes/n1@status");
	expect_relpath(&deployments, "team-a", "web", "@scale",
		       "apps/v1/deployments/team-a/web@scale");

	/* names that cannot be one path element */
	assert_int_equal(client_relpath(&pods, "default", "a/b", NULL, &p),
			 -EINVAL);
	assert_int_equal(client_relpath(&pods, "default", "", NULL, &p),
			 -EINVAL);
	assert_int_equal(client_relpath(&pods, "default", "..", NULL, &p),
			 -EINVAL);
	assert_int_equal(client_relpath(&pods, "default", ".", NULL, &p),
			 -EINVAL);
	assert_int_equal(client_relpath(&pods, "default", "x@json", NULL, &p),
			 -EINVAL);
	assert_int_equal(client_relpath(&pods, "../etc", "x", NULL, &p),
			 -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(client_relpath(&pods, "default", big, NULL, &p),
			 -EINVAL);
	big[CLIENT_NAME_MAX] = '\0';
	assert_int_equal(client_relpath(&pods, "default", big, NULL, &p), 0);
	free(p);
	p = NULL;
	/* subresources need a name, @watch must not have one */
	assert_int_equal(client_relpath(&pods, "default", NULL, "@json", &p),
			 -EINVAL);
	assert_int_equal(client_relpath(&pods, "default", "x", "@watch", &p),
			 -EINVAL);
	assert_int_equal(client_relpath(&pods, "default", "x", "json", &p),
			 -EINVAL);
	assert_int_equal(client_relpath(&pods, "default", "x", "@a/b", &p),
			 -EINVAL);
	assert_int_equal(client_relpath(NULL, "default", "x", NULL, &p),
			 -EINVAL);
	assert_null(p);
}

static void test_client_new(void **state)
{
	char dir[] = "/tmp/kubefs-client-new-XXXXXX";
	char file[128], slashed[128];
	struct client *c = NULL;

	assert_non_null(mkdtemp(dir));
	snprintf(slashed, sizeof(slashed), "%s//", dir);
	assert_int_equal(client_new(slashed, &c), 0);
	assert_string_equal(client_mount(c), dir);
	client_free(c);
	c = NULL;

	setenv("KUBEFS_MOUNT", dir, 1);
	assert_int_equal(client_new(NULL, &c), 0);
	assert_string_equal(client_mount(c), dir);
	client_free(c);
	c = NULL;
	unsetenv("KUBEFS_MOUNT");

	snprintf(file, sizeof(file), "%s/f", dir);
	close(open(file, O_CREAT | O_WRONLY, 0644));
	assert_int_equal(client_new(file, &c), -ENOTDIR);
	snprintf(file, sizeof(file), "%s/missing", dir);
	assert_int_equal(client_new(file, &c), -ENOENT);
	assert_null(c);
	client_free(NULL);
	snprintf(file, sizeof(file), "%s/f", dir);
	unlink(file);
	rmdir(dir);
}

static void test_object_rv(void **state)
{
	json_t *o =
	    json_pack("{s:{s:s}}", "metadata", "resourceVersion", "12345");

	assert_int_equal(client_object_rv(o), 12345);
	json_object_set_new(json_object_get(o, "metadata"), "resourceVersion",
			    json_string("12a"));
	assert_int_equal(client_object_rv(o), 0);
	json_object_set_new(json_object_get(o, "metadata"), "resourceVersion",
			    json_string("99999999999999999999999"));
	assert_int_equal(client_object_rv(o), 0);
	json_object_set_new(json_object_get(o, "metadata"), "resourceVersion",
			    json_integer(5));
	assert_int_equal(client_object_rv(o), 0);
	assert_int_equal(client_object_rv(NULL), 0);
	json_decref(o);
}

/* ---- the errors file, read from a plain directory ---- */

static void test_errors_file(void **state)
{
	char dir[] = "/tmp/kubefs-client-errors-XXXXXX";
	char path[128];
	struct client *c = NULL;
	struct kf_error err;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/errors", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("2026-11-23T07:00:00Z core/v1/pods/default/x: Pod \"x\" is "
	      "invalid: old\n"
	      "2026-11-23T07:00:01Z core/v1/pods/default/xy: other object\n"
	      "2026-11-23T07:00:02Z core/v1/pods/default/x: Pod \"x\" is "
	      "invalid: first line\n"
	      "2026-11-23T07:00:02Z core/v1/pods/default/x: second line\n"
	      "2026-11-23T07:00:03Z core/v1/pods/default/x@json: json write\n"
	      "garbage line\n"
	      "2026-11-23T07:00:04Z core/v1/pods/default/y: Pod \"y\": y\n",
	      f);
	fclose(f);
	assert_int_equal(client_new(dir, &c), 0);

	kf_error_init(&err);
	assert_int_equal(
	    client_read_error(c, "core/v1/pods/default/x", -EINVAL, &err),
	    -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_string_equal(err.msg,
			    "Pod \"x\" is invalid: first line\nsecond line");

	kf_error_init(&err);
	client_read_error(c, "core/v1/pods/default/x@json", -ESTALE, &err);
	assert_string_equal(err.msg, "json write");
	assert_int_equal(err.code, -ESTALE);

	kf_error_init(&err);
	client_read_error(c, "core/v1/pods/default/y", -EINVAL, &err);
	assert_string_equal(err.msg, "Pod \"y\": y");

	/* no line: a generic sentence */
	kf_error_init(&err);
	client_read_error(c, "core/v1/pods/default/z", -ENOENT, &err);
	assert_int_equal(err.code, -ENOENT);
	assert_non_null(strstr(err.msg, "core/v1/pods/default/z"));
	assert_non_null(strstr(err.msg, strerror(ENOENT)));

	/* NULL err is fine */
	assert_int_equal(
	    client_read_error(c, "core/v1/pods/default/x", -EINVAL, NULL),
	    -EINVAL);
	client_free(c);
	unlink(path);
	rmdir(dir);
}

/* ---- retry on conflict ---- */

struct attempts {
	int n;
	int fail_times;
	int error;
};

static int flaky(void *ud)
{
	struct attempts *a = ud;

	return ++a->n <= a->fail_times ? a->error : 0;
}

static void test_retry_on_conflict(void **state)
{
	struct client_backoff quick = {.steps = 4,
				       .duration_ms = 1,
				       .factor = 2.0,
				       .jitter = 0.5,
				       .cap_ms = 3};
	struct attempts a = {.fail_times = 2, .error = -ESTALE};

	assert_int_equal(client_retry_on_conflict(flaky, &a, &quick), 0);
	assert_int_equal(a.n, 3);

	a = (struct attempts){.fail_times = 100, .error = -ESTALE};
	assert_int_equal(client_retry_on_conflict(flaky, &a, &quick), -ESTALE);
	assert_int_equal(a.n, 4);

	/* other errors are not retried */
	a = (struct attempts){.fail_times = 100, .error = -EINVAL};
	assert_int_equal(client_retry_on_conflict(flaky, &a, &quick), -EINVAL);
	assert_int_equal(a.n, 1);

	/* the default: 5 attempts */
	a = (struct attempts){.fail_times = 100, .error = -ESTALE};
	assert_int_equal(client_retry_on_conflict(flaky, &a, NULL), -ESTALE);
	assert_int_equal(a.n, 5);
	assert_int_equal(client_default_retry.steps, 5);
	assert_int_equal(client_default_retry.duration_ms, 10);
}

/* ---- against kubefs-fs ---- */

static const struct kind_info *kind(const char *group, const char *res)
{
	const struct kind_info *k = kinds_by_path(group, "v1", res);

	assert_non_null(k);
	return k;
}

static json_t *configmap(const char *ns, const char *name, const char *app,
			 const char *value)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s}}", "apiVersion",
		      "v1", "kind", "ConfigMap", "metadata", "name", name,
		      "labels", "app", app, "data", "v", value);

	if (ns)
		json_object_set_new(json_object_get(o, "metadata"), "namespace",
				    json_string(ns));
	return o;
}

static void test_live_crud(void **state)
{
	const struct kind_info *cm;
	_cleanup_json_ json_t *obj = NULL, *got = NULL, *stale = NULL,
			      *patch = NULL;
	json_t *created = NULL, *replaced = NULL, *patched = NULL;
	struct kf_error err;
	uint64_t rv1, rv2;

	TEST_FS_REQUIRE(&fs);
	cm = kind("core", "configmaps");
	obj = configmap(NULL, "crud", "web", "1");

	kf_error_init(&err);
	assert_int_equal(client_create(fs.c, cm, NULL, obj, &err, &created), 0);
	assert_non_null(created);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(created, "metadata"), "namespace")),
	    "default");
	rv1 = client_object_rv(created);
	assert_true(rv1 > 0);

	/* O_EXCL: exists */
	kf_error_init(&err);
	assert_int_equal(client_create(fs.c, cm, "default", obj, &err, NULL),
			 -EEXIST);
	assert_string_equal(err.msg, "configmaps \"crud\" already exists");

	assert_int_equal(client_get(fs.c, cm, NULL, "crud", &err, &got), 0);
	assert_int_equal(client_object_rv(got), rv1);

	/* compare-and-swap replace */
	stale = json_deep_copy(created);
	json_object_set_new(json_object_get(created, "data"), "v",
			    json_string("2"));
	assert_int_equal(client_replace(fs.c, NULL, created, &err, &replaced),
			 0);
	rv2 = client_object_rv(replaced);
	assert_true(rv2 > rv1);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(replaced, "data"), "v")),
			    "2");
	kf_error_init(&err);
	assert_int_equal(client_replace(fs.c, cm, stale, &err, NULL), -ESTALE);
	assert_int_equal(err.code, -ESTALE);
	assert_non_null(strstr(err.msg, "the object has been modified"));

	/* merge patch */
	patch =
	    json_pack("{s:{s:{s:s}}}", "metadata", "labels", "tier", "front");
	assert_int_equal(
	    client_patch(fs.c, cm, "default", "crud", patch, &err, &patched),
	    0);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(patched, "metadata"), "labels"),
		"tier")),
	    "front");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(patched, "metadata"), "labels"),
		"app")),
	    "web");

	assert_int_equal(client_delete(fs.c, cm, NULL, "crud", &err), 0);
	kf_error_init(&err);
	json_decref(got);
	got = NULL;
	assert_int_equal(client_get(fs.c, cm, NULL, "crud", &err, &got),
			 -ENOENT);
	assert_string_equal(err.msg, "configmaps \"crud\" not found");
	kf_error_init(&err);
	assert_int_equal(client_delete(fs.c, cm, NULL, "crud", &err), -ENOENT);
	assert_string_equal(err.msg, "configmaps \"crud\" not found");
	kf_error_init(&err);
	assert_int_equal(
	    client_patch(fs.c, cm, NULL, "crud", patch, &err, NULL), -ENOENT);
	json_decref(created);
	json_decref(replaced);
	json_decref(patched);
}

static void test_live_rejected_write(void **state)
{
	_cleanup_json_ json_t *pod = NULL, *cm = NULL;
	struct kf_error err;

	TEST_FS_REQUIRE(&fs);
	/* a Pod without containers: the server's sentence comes back */
	pod = json_pack("{s:s, s:s, s:{s:s}, s:{}}", "apiVersion", "v1", "kind",
			"Pod", "metadata", "name", "nocontainers", "spec");
	kf_error_init(&err);
	assert_int_equal(client_create(fs.c, NULL, "default", pod, &err, NULL),
			 -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	if (!strstr(err.msg, "Pod \"nocontainers\" is invalid"))
		fail_msg("unexpected reason: %s", err.msg);

	/* a kind the server does not serve */
	json_object_set_new(pod, "kind", json_string("Nope"));
	kf_error_init(&err);
	assert_int_equal(client_create(fs.c, NULL, "default", pod, &err, NULL),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "no matches for kind \"Nope\" in version \"v1\"");

	/* a missing namespace */
	cm = configmap(NULL, "x", "web", "1");
	kf_error_init(&err);
	assert_int_equal(client_create(fs.c, kind("core", "configmaps"),
				       "no-such-ns", cm, &err, NULL),
			 -ENOENT);
	assert_string_equal(err.msg, "namespaces \"no-such-ns\" not found");

	/* a bad name never reaches the server */
	kf_error_init(&err);
	assert_int_equal(client_delete(fs.c, kind("core", "configmaps"),
				       "default", "a/b", &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "invalid resource name \"a/b\": [may not contain "
			    "'/']");
}

static void test_live_generate_name(void **state)
{
	_cleanup_json_ json_t *obj = NULL, *got1 = NULL, *got2 = NULL;
	const struct kind_info *cm;
	const char *n1, *n2;
	struct kf_error err;

	TEST_FS_REQUIRE(&fs);
	cm = kind("core", "configmaps");
	obj = json_pack("{s:{s:s}, s:{s:s}}", "metadata", "generateName",
			"gen-", "data", "k", "v");
	kf_error_init(&err);
	assert_int_equal(client_create(fs.c, cm, NULL, obj, &err, &got1), 0);
	assert_int_equal(client_create(fs.c, cm, NULL, obj, &err, &got2), 0);
	n1 = json_string_value(
	    json_object_get(json_object_get(got1, "metadata"), "name"));
	n2 = json_string_value(
	    json_object_get(json_object_get(got2, "metadata"), "name"));
	assert_non_null(n1);
	assert_non_null(n2);
	assert_int_equal(strlen(n1), strlen("gen-") + 5);
	assert_memory_equal(n1, "gen-", 4);
	assert_string_not_equal(n1, n2);
	client_delete(fs.c, cm, NULL, n1, NULL);
	client_delete(fs.c, cm, NULL, n2, NULL);

	/* neither name nor generateName */
	json_object_del(json_object_get(obj, "metadata"), "generateName");
	kf_error_init(&err);
	assert_int_equal(client_create(fs.c, cm, NULL, obj, &err, NULL),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "name or generateName is required"));
}

static void make_namespace(const char *name)
{
	_cleanup_json_ json_t *ns =
	    json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
		      "Namespace", "metadata", "name", name);
	int r = client_create(fs.c, kind("core", "namespaces"), NULL, ns, NULL,
			      NULL);

	assert_true(r == 0 || r == -EEXIST);
}

static const char *name_at(const json_t *items, size_t i)
{
	return json_string_value(json_object_get(
	    json_object_get(json_array_get(items, i), "metadata"), "name"));
}

static void test_live_list(void **state)
{
	const struct kind_info *cm;
	json_t *items = NULL;
	struct kf_error err;
	uint64_t rv = 0;
	static const char *const names[] = {"l-c", "l-a", "l-b"};

	TEST_FS_REQUIRE(&fs);
	cm = kind("core", "configmaps");
	make_namespace("list-a");
	make_namespace("list-b");
	for (int i = 0; i < 3; i++) {
		_cleanup_json_ json_t *o =
		    configmap(NULL, names[i], i == 1 ? "db" : "web", "v");

		assert_int_equal(
		    client_create(fs.c, cm, "list-a", o, NULL, NULL), 0);
	}
	{
		_cleanup_json_ json_t *o = configmap(NULL, "l-z", "web", "v");

		assert_int_equal(
		    client_create(fs.c, cm, "list-b", o, NULL, NULL), 0);
	}

	kf_error_init(&err);
	assert_int_equal(
	    client_list(fs.c, cm, "list-a", NULL, NULL, &err, &items, &rv), 0);
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(name_at(items, 0), "l-a"); /* sorted */
	assert_string_equal(name_at(items, 1), "l-b");
	assert_string_equal(name_at(items, 2), "l-c");
	assert_true(rv > 0);
	json_decref(items);

	assert_int_equal(client_list(fs.c, cm, "list-a", "app=web", NULL, &err,
				     &items, NULL),
			 0);
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);

	assert_int_equal(client_list(fs.c, cm, "list-a", NULL,
				     "metadata.name=l-b", &err, &items, NULL),
			 0);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(name_at(items, 0), "l-b");
	json_decref(items);

	/* all namespaces, sorted by namespace then name */
	assert_int_equal(
	    client_list(fs.c, cm, NULL, "app=web", NULL, &err, &items, NULL),
	    0);
	{
		size_t i, found = 0;
		json_t *v;

		json_array_foreach (items, i, v) {
			const char *ns = json_string_value(json_object_get(
			    json_object_get(v, "metadata"), "namespace"));

			if (!strcmp(ns, "list-a") || !strcmp(ns, "list-b"))
				found++;
		}
		assert_int_equal(found, 3);
	}
	json_decref(items);

	kf_error_init(&err);
	assert_int_equal(
	    client_list(fs.c, cm, "no-such-ns", NULL, NULL, &err, &items, NULL),
	    -ENOENT);
	assert_string_equal(err.msg, "namespaces \"no-such-ns\" not found");
	kf_error_init(&err);
	assert_int_equal(
	    client_list(fs.c, cm, "list-a", "app in", NULL, &err, &items, NULL),
	    -EINVAL);
}

/* The client filters with the API server's selectors: `>`, `<` and the
 * kind's own field labels. */
static void test_live_list_selectors(void **state)
{
	static const char *const apps[] = {"1", "5", "web"};
	const struct kind_info *cm;
	json_t *items = NULL;
	struct kf_error err;

	TEST_FS_REQUIRE(&fs);
	cm = kind("core", "configmaps");
	make_namespace("list-gt");
	for (int i = 0; i < 3; i++) {
		char name[16];
		_cleanup_json_ json_t *o = NULL;

		snprintf(name, sizeof(name), "g-%s", apps[i]);
		o = configmap(NULL, name, apps[i], "v");
		assert_int_equal(
		    client_create(fs.c, cm, "list-gt", o, NULL, NULL), 0);
	}
	kf_error_init(&err);
	assert_int_equal(
	    client_list(fs.c, cm, "list-gt", "app>1", NULL, &err, &items, NULL),
	    0);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(name_at(items, 0), "g-5");
	json_decref(items);
	assert_int_equal(
	    client_list(fs.c, cm, "list-gt", "app<5", NULL, &err, &items, NULL),
	    0);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(name_at(items, 0), "g-1");
	json_decref(items);
	assert_int_equal(
	    client_list(fs.c, cm, "list-gt", "app>x", NULL, &err, &items, NULL),
	    -EINVAL);
	assert_string_equal(err.msg, "unable to parse requirement: values[0]: "
				     "Invalid value: \"x\": for 'Gt', 'Lt' "
				     "operators, the value must be an integer");
	kf_error_init(&err);
	assert_int_equal(client_list(fs.c, cm, "list-gt", NULL, "data.v=v",
				     &err, &items, NULL),
			 -EINVAL);
	assert_string_equal(err.msg, "\"data.v\" is not a known field "
				     "selector: only \"metadata.name\", "
				     "\"metadata.namespace\"");
}

/* Without `metrics`: the store's resourceVersion from a watch's bookmark
 * — newer than a change in another namespace, which the newest listed
 * object's would not be. */
static void test_live_streamed_rv(void **state)
{
	const struct kind_info *cm;
	_cleanup_json_ json_t *a = configmap(NULL, "sa", "x", "1");
	_cleanup_json_ json_t *b = configmap(NULL, "sb", "x", "1");
	_cleanup_json_ json_t *made_a = NULL, *made_b = NULL;
	uint64_t rv;

	(void)state;
	TEST_FS_REQUIRE(&fs);
	cm = kind("core", "configmaps");
	make_namespace("srv-a");
	make_namespace("srv-b");
	assert_int_equal(client_create(fs.c, cm, "srv-a", a, NULL, &made_a), 0);
	assert_int_equal(client_create(fs.c, cm, "srv-b", b, NULL, &made_b), 0);
	assert_true(client_object_rv(made_b) > client_object_rv(made_a));
	rv = kfc_streamed_rv(fs.c, cm, "srv-a");
	assert_true(rv >= client_object_rv(made_b));
	rv = kfc_streamed_rv(fs.c, cm, NULL);
	assert_true(rv >= client_object_rv(made_b));
}

static void test_live_list_rv_then_watch(void **state)
{
	const struct kind_info *cm;
	struct watch_opts o = {0};
	struct watch *w = NULL;
	struct watch_event ev = {0};
	json_t *items = NULL;
	uint64_t rv = 0;

	TEST_FS_REQUIRE(&fs);
	cm = kind("core", "configmaps");
	make_namespace("lw");
	assert_int_equal(
	    client_list(fs.c, cm, "lw", NULL, NULL, NULL, &items, &rv), 0);
	json_decref(items);
	{
		_cleanup_json_ json_t *o1 = configmap(NULL, "after", "x", "1");

		assert_int_equal(client_create(fs.c, cm, "lw", o1, NULL, NULL),
				 0);
	}
	/* a watch from the list's resourceVersion sees what came after */
	o.resource_version = rv;
	assert_int_equal(watch_open(fs.c, cm, "lw", &o, NULL, &w), 0);
	assert_int_equal(watch_next(w, 10000, &ev), 0);
	assert_int_equal(ev.type, WATCH_ADDED);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(ev.object, "metadata"), "name")),
	    "after");
	/* the object's text, as sent, is the object */
	assert_non_null(ev.text);
	{
		_cleanup_json_ json_t *again =
		    json_loadb(ev.text, ev.text_len, 0, NULL);

		assert_true(json_equal(again, ev.object));
	}
	watch_event_release(&ev);
	assert_null(ev.text);
	watch_close(w);
}

static void test_live_watch(void **state)
{
	const struct kind_info *cm;
	struct watch *w = NULL, *w2 = NULL;
	struct watch_event ev = {0};
	struct kf_error err;
	struct watch_opts sel = {.label_selector = "app=db"};
	uint64_t rv_mod;

	TEST_FS_REQUIRE(&fs);
	cm = kind("core", "configmaps");
	make_namespace("w");
	{
		_cleanup_json_ json_t *o = configmap(NULL, "w1", "web", "1");

		assert_int_equal(client_create(fs.c, cm, "w", o, NULL, NULL),
				 0);
	}
	/* no resourceVersion: the current objects first */
	assert_int_equal(watch_open(fs.c, cm, "w", NULL, NULL, &w), 0);
	assert_true(watch_fd(w) >= 0);
	assert_int_equal(watch_next(w, 10000, &ev), 0);
	assert_int_equal(ev.type, WATCH_ADDED);
	assert_true(ev.rv > 0);
	watch_event_release(&ev);
	/* then nothing until something changes */
	assert_int_equal(watch_next(w, 0, &ev), -ETIMEDOUT);
	assert_null(ev.object);

	{
		_cleanup_json_ json_t *p =
		    json_pack("{s:{s:s}}", "data", "v", "2");

		assert_int_equal(
		    client_patch(fs.c, cm, "w", "w1", p, NULL, NULL), 0);
	}
	assert_int_equal(watch_next(w, 10000, &ev), 0);
	assert_int_equal(ev.type, WATCH_MODIFIED);
	rv_mod = ev.rv;
	assert_int_equal(watch_last_rv(w), rv_mod);
	watch_event_release(&ev);

	assert_int_equal(client_delete(fs.c, cm, "w", "w1", NULL), 0);
	assert_int_equal(watch_next(w, 10000, &ev), 0);
	assert_int_equal(ev.type, WATCH_DELETED);
	assert_string_equal(watch_event_type_name(ev.type), "DELETED");
	watch_event_release(&ev);
	watch_close(w);

	/* resume after the modification: only the deletion */
	{
		struct watch_opts o = {.resource_version = rv_mod};

		assert_int_equal(watch_open(fs.c, cm, "w", &o, NULL, &w2), 0);
		assert_int_equal(watch_next(w2, 10000, &ev), 0);
		assert_int_equal(ev.type, WATCH_DELETED);
		watch_event_release(&ev);
		watch_close(w2);
	}

	/* a label selector, percent-encoded in the name */
	assert_int_equal(watch_open(fs.c, cm, "w", &sel, NULL, &w), 0);
	{
		_cleanup_json_ json_t *a = configmap(NULL, "w-web", "web", "1");
		_cleanup_json_ json_t *b = configmap(NULL, "w-db", "db", "1");

		assert_int_equal(client_create(fs.c, cm, "w", a, NULL, NULL),
				 0);
		assert_int_equal(client_create(fs.c, cm, "w", b, NULL, NULL),
				 0);
	}
	assert_int_equal(watch_next(w, 10000, &ev), 0);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(ev.object, "metadata"), "name")),
	    "w-db");
	watch_event_release(&ev);
	watch_close(w);

	/* a bad selector is refused at open, with the server's reason */
	kf_error_init(&err);
	sel.label_selector = NULL;
	sel.field_selector = "spec.nope=1";
	assert_int_equal(watch_open(fs.c, cm, "w", &sel, &err, &w), -EINVAL);
	assert_true(err.msg[0] != '\0');
	kf_error_init(&err);
	assert_int_equal(watch_open(fs.c, cm, "no-such-ns", NULL, &err, &w),
			 -ENOENT);
	assert_string_equal(err.msg, "namespaces \"no-such-ns\" not found");
	watch_close(NULL);
}

static void test_live_apply(void **state)
{
	static const char manifest[] =
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ap-1\n"
	    "data: {a: '1'}\n---\n"
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ap-2\n"
	    "  namespace: default\ndata: {b: '2'}\n";
	static const char bad[] = "apiVersion: v1\nkind: Pod\nmetadata:\n"
				  "  name: ap-bad\nspec: {}\n";
	static const char two_bad[] = "apiVersion: v1\nkind: Pod\nmetadata:\n"
				      "  name: ap-bad1\nspec: {}\n---\n"
				      "apiVersion: v1\nkind: Pod\nmetadata:\n"
				      "  name: ap-bad2\nspec: {}\n";
	const struct kind_info *cm;
	json_t *got = NULL;
	struct kf_error err;

	TEST_FS_REQUIRE(&fs);
	cm = kind("core", "configmaps");
	kf_error_init(&err);
	assert_int_equal(
	    client_apply(fs.c, manifest, sizeof(manifest) - 1, &err), 0);
	assert_int_equal(client_get(fs.c, cm, NULL, "ap-1", NULL, &got), 0);
	json_decref(got);
	assert_int_equal(client_get(fs.c, cm, NULL, "ap-2", NULL, &got), 0);
	json_decref(got);
	/* applying again updates in place */
	assert_int_equal(
	    client_apply(fs.c, manifest, sizeof(manifest) - 1, &err), 0);

	kf_error_init(&err);
	assert_int_equal(client_apply(fs.c, bad, sizeof(bad) - 1, &err),
			 -EINVAL);
	if (!strstr(err.msg, "Pod \"ap-bad\" is invalid"))
		fail_msg("unexpected reason: %s", err.msg);

	/* every failed document of the manifest has its reason */
	kf_error_init(&err);
	assert_int_equal(client_apply(fs.c, two_bad, sizeof(two_bad) - 1, &err),
			 -EINVAL);
	if (!strstr(err.msg, "Pod \"ap-bad1\" is invalid") ||
	    !strstr(err.msg, "Pod \"ap-bad2\" is invalid"))
		fail_msg("unexpected reasons: %s", err.msg);
}

static void test_live_scale_status_bind(void **state)
{
	static const char deploy[] =
	    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: sc\n"
	    "spec:\n  replicas: 2\n  selector: {matchLabels: {app: sc}}\n"
	    "  template:\n    metadata: {labels: {app: sc}}\n"
	    "    spec: {containers: [{name: c, image: nginx}]}\n";
	static const char pod[] =
	    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bindme\n"
	    "spec: {containers: [{name: c, image: nginx}]}\n";
	const struct kind_info *dk, *pk;
	json_t *got = NULL, *upd = NULL;
	struct kf_error err;
	int64_t n = -1;

	TEST_FS_REQUIRE(&fs);
	dk = kind("apps", "deployments");
	pk = kind("core", "pods");
	assert_int_equal(client_apply(fs.c, deploy, sizeof(deploy) - 1, NULL),
			 0);
	assert_int_equal(client_scale_get(fs.c, dk, NULL, "sc", NULL, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(client_scale_set(fs.c, dk, NULL, "sc", 5, NULL), 0);
	assert_int_equal(client_scale_get(fs.c, dk, NULL, "sc", NULL, &n), 0);
	assert_int_equal(n, 5);
	kf_error_init(&err);
	assert_int_equal(client_scale_set(fs.c, dk, NULL, "sc", -1, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "must be greater than or equal to 0"));

	/* the status subresource takes .status only */
	assert_int_equal(client_get(fs.c, dk, NULL, "sc", NULL, &got), 0);
	json_object_set_new(got, "status",
			    json_pack("{s:i}", "observedGeneration", 42));
	json_object_set_new(json_object_get(got, "spec"), "replicas",
			    json_integer(9));
	assert_int_equal(client_update_status(fs.c, dk, got, &err, &upd), 0);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(upd, "status"),
					       "observedGeneration")),
	    42);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(upd, "spec"), "replicas")),
			 5);
	json_decref(got);
	json_decref(upd);

	/* bind an unbound pod */
	assert_int_equal(client_apply(fs.c, pod, sizeof(pod) - 1, NULL), 0);
	kf_error_init(&err);
	assert_int_equal(client_bind(fs.c, NULL, "bindme", "node-1", &err), 0);
	assert_int_equal(client_get(fs.c, pk, NULL, "bindme", NULL, &got), 0);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(got, "spec"), "nodeName")),
			    "node-1");
	json_decref(got);
	/* binding twice is refused */
	kf_error_init(&err);
	assert_true(client_bind(fs.c, NULL, "bindme", "node-2", &err) < 0);
	assert_true(err.msg[0] != '\0');
	kf_error_init(&err);
	assert_int_equal(client_bind(fs.c, NULL, "bindme", "a/b", &err),
			 -EINVAL);
}

static void test_live_evict(void **state)
{
	static const char pod[] =
	    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: evictme\n"
	    "spec: {containers: [{name: c, image: nginx}]}\n";
	const struct kind_info *pk;
	json_t *got = NULL;
	int r;

	TEST_FS_REQUIRE(&fs);
	pk = kind("core", "pods");
	assert_int_equal(client_apply(fs.c, pod, sizeof(pod) - 1, NULL), 0);
	assert_int_equal(client_evict(fs.c, NULL, "evictme", NULL), 0);
	/* an unbound pod goes at once; a bound one gets a
	 * deletionTimestamp */
	r = client_get(fs.c, pk, NULL, "evictme", NULL, &got);
	if (r == 0) {
		assert_non_null(json_object_get(
		    json_object_get(got, "metadata"), "deletionTimestamp"));
		json_decref(got);
	} else {
		assert_int_equal(r, -ENOENT);
	}
	assert_int_equal(client_evict(fs.c, NULL, "never-was", NULL), -ENOENT);
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
	    cmocka_unit_test(test_relpath),
	    cmocka_unit_test(test_client_new),
	    cmocka_unit_test(test_object_rv),
	    cmocka_unit_test(test_errors_file),
	    cmocka_unit_test(test_retry_on_conflict),
	    cmocka_unit_test(test_live_crud),
	    cmocka_unit_test(test_live_rejected_write),
	    cmocka_unit_test(test_live_generate_name),
	    cmocka_unit_test(test_live_list),
	    cmocka_unit_test(test_live_list_selectors),
	    cmocka_unit_test(test_live_list_rv_then_watch),
	    cmocka_unit_test(test_live_streamed_rv),
	    cmocka_unit_test(test_live_watch),
	    cmocka_unit_test(test_live_apply),
	    cmocka_unit_test(test_live_scale_status_bind),
	    cmocka_unit_test(test_live_evict),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
