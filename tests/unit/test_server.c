/*
 * test_server.c — the API-server semantics (apiserver/server.h) against a real
 * store in a temporary directory: identity, server-set metadata, status,
 * optimistic concurrency, deletion, namespaces, bindings, scale and
 * Service allocation, with Kubernetes' exact messages and errnos.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "api/kinds.h"
#include "apiserver/server.h"
#include "apiserver/server_i.h"
#include "store/store.h"

#define T0 ((time_t)1700000000) /* 2023-11-14T22:13:20Z */

struct fx {
	char dir[64];
	struct store *store;
	struct server *srv;
	time_t now;
	const char *cidr;
};

static time_t fake_now(void *ud)
{
	return ((struct fx *)ud)->now;
}

static int open_server(struct fx *f, struct server **ret)
{
	struct server_config c = {.store = f->store, .service_cidr = f->cidr};
	int r = server_new(&c, ret);

	if (r == 0)
		server_set_clock(*ret, fake_now, f);
	return r;
}

static int setup_with(void **state, const char *cidr)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct store_config sc = {0};

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kubefs-test-server.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->now = T0;
	f->cidr = cidr;
	sc.path = f->dir;
	sc.no_sync = true;
	if (store_open(&sc, &f->store) < 0)
		return -1;
	if (open_server(f, &f->srv) < 0)
		return -1;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, NULL);
}

/* A /29: 8 addresses, 6 usable, .1 reserved: 5 for Services. */
static int setup_tiny(void **state)
{
	return setup_with(state, "10.0.0.0/29");
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	server_free(f->srv);
	store_free(f->store);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- helpers ---- */

static const struct kind_info *K(const char *group, const char *resource)
{
	const struct kind_info *k = kinds_by_path(group, "v1", resource);

	if (!k)
		fail_msg("kind %s/v1/%s is not served", group, resource);
	return k;
}

#define CM K("core", "configmaps")
#define POD K("core", "pods")
#define SVC K("core", "services")
#define NS K("core", "namespaces")
#define DEPLOY K("apps", "deployments")

static json_t *Y(const char *yaml)
{
	struct kf_error err;
	json_t *obj = NULL;

	if (codec_decode_one(yaml, strlen(yaml), NULL, &err, &obj) < 0)
		fail_msg("bad test YAML: %s\n%s", err.msg, yaml);
	return obj;
}

/* Write yaml; must succeed. Returns the stored object (owned). */
static json_t *put_ok(struct fx *f, const struct kind_info *k, const char *ns,
		      const char *name, const char *yaml, unsigned flags)
{
	_cleanup_json_ json_t *in = Y(yaml);
	struct kf_error err;
	json_t *out = NULL;
	int r;

	kf_error_init(&err);
	r = server_put(f->srv, k, ns, name, in, flags, &err, &out);
	if (r < 0)
		fail_msg("put %s/%s: %d %s", ns ? ns : "", name ? name : "", r,
			 err.msg);
	assert_non_null(out);
	return out;
}

/* r must be code and the message must contain want. */
static void expect_err(int r, const struct kf_error *err, int code,
		       const char *want)
{
	if (r != code || !strstr(err->msg, want))
		fail_msg("want %d \"%s\"\n got %d \"%s\"", code, want, r,
			 err->msg);
	assert_int_equal(err->code, code);
}

static void put_fails(struct fx *f, const struct kind_info *k, const char *ns,
		      const char *name, const char *yaml, unsigned flags,
		      int code, const char *want)
{
	_cleanup_json_ json_t *in = Y(yaml);
	json_t *out = (json_t *)(uintptr_t)1;
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = server_put(f->srv, k, ns, name, in, flags, &err, &out);
	expect_err(r, &err, code, want);
	assert_ptr_equal(out, (json_t *)(uintptr_t)1);
}

static json_t *get_ok(struct fx *f, const struct kind_info *k, const char *ns,
		      const char *name)
{
	struct kf_error err;
	json_t *obj = NULL;
	int r = server_get(f->srv, k, ns, name, &err, &obj);

	if (r < 0)
		fail_msg("get %s/%s: %s", ns ? ns : "", name, err.msg);
	return obj;
}

static bool exists(struct fx *f, const struct kind_info *k, const char *ns,
		   const char *name)
{
	json_t *obj = NULL;
	int r = server_get(f->srv, k, ns, name, NULL, &obj);

	json_decref(obj);
	if (r < 0 && r != -ENOENT)
		fail_msg("get %s: %d", name, r);
	return r == 0;
}

/* Dotted path lookup: "metadata.labels.app", "spec.ports.0.nodePort". */
static json_t *at(const json_t *obj, const char *path)
{
	char buf[256], *save = NULL, *tok;
	json_t *cur = (json_t *)obj;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && cur;
	     tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(tok, NULL, 10));
		else
			cur = json_object_get(cur, tok);
	}
	return cur;
}

static const char *S(const json_t *obj, const char *path)
{
	return json_string_value(at(obj, path));
}

static long long I(const json_t *obj, const char *path)
{
	json_t *v = at(obj, path);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", path);
	return json_integer_value(v);
}

static uint64_t rv_of(const json_t *obj)
{
	const char *s = S(obj, "metadata.resourceVersion");

	assert_non_null(s);
	return strtoull(s, NULL, 10);
}

static void ts(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void patch_ok(struct fx *f, const struct kind_info *k, const char *ns,
		     const char *name, const char *yaml, unsigned flags)
{
	_cleanup_json_ json_t *p = Y(yaml);
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = server_patch(f->srv, k, ns, name, p, flags, &err, NULL);
	if (r < 0)
		fail_msg("patch %s: %d %s", name, r, err.msg);
}

static const char cm_yaml[] = "apiVersion: v1\nkind: ConfigMap\n"
			      "data: {a: b}\n";

static const char deploy_yaml[] = "apiVersion: apps/v1\n"
				  "kind: Deployment\n"
				  "spec:\n"
				  "  replicas: 1\n"
				  "  selector: {matchLabels: {app: web}}\n"
				  "  template:\n"
				  "    metadata: {labels: {app: web}}\n"
				  "    spec:\n"
				  "      containers:\n"
				  "      - {name: web, image: nginx}\n";

static const char pod_yaml[] = "apiVersion: v1\n"
			       "kind: Pod\n"
			       "spec:\n"
			       "  containers:\n"
			       "  - {name: c, image: nginx}\n";

static const char svc_yaml[] = "apiVersion: v1\n"
			       "kind: Service\n"
			       "spec:\n"
			       "  selector: {app: web}\n"
			       "  ports:\n"
			       "  - {port: 80}\n";

/* A pod bound to node-1. */
static void bound_pod(struct fx *f, const char *ns, const char *name,
		      const char *yaml)
{
	struct kf_error err;
	json_t *p =
	    put_ok(f, POD, ns, name, yaml ? yaml : pod_yaml, SERVER_CREATE);
	int r;

	json_decref(p);
	r = server_bind(f->srv, ns, name, "node-1", &err);
	if (r < 0)
		fail_msg("bind %s: %s", name, err.msg);
}

/* ---- keys, reads, lists ---- */

static int count_name(void *ud, const char *ns, const char *name, uint64_t rv)
{
	(void)ns;
	(void)name;
	(void)rv;
	(*(int *)ud)++;
	return 0;
}

static void test_keys(void **state)
{
	struct fx *f = *state;
	char key[STORE_KEY_MAX + 1], big[600];
	const struct kind_info *k;
	const char *ns, *name;

	assert_int_equal(server_key(DEPLOY, "default", "web", key, sizeof(key)),
			 0);
	assert_string_equal(key, "apps/deployments/default/web");
	assert_int_equal(server_parse_key(key, &k, &ns, &name), 0);
	assert_ptr_equal(k, DEPLOY);
	assert_string_equal(ns, "default");
	assert_string_equal(name, "web");

	assert_int_equal(server_key(NS, "ignored", "team", key, sizeof(key)),
			 0);
	assert_string_equal(key, "core/namespaces//team");
	assert_int_equal(server_parse_key(key, &k, &ns, &name), 0);
	assert_ptr_equal(k, NS);
	assert_string_equal(ns, "");
	assert_string_equal(name, "team");

	assert_int_equal(server_key(CM, "default", "a/b", key, sizeof(key)),
			 -EINVAL);
	assert_int_equal(server_key(CM, NULL, "a", key, sizeof(key)), -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(server_key(CM, "default", big, key, sizeof(key)),
			 -ENAMETOOLONG);

	/* prefixes: a key lies under its namespace's and its kind's */
	assert_int_equal(server_prefix(DEPLOY, "default", key, sizeof(key)), 0);
	assert_string_equal(key, "apps/deployments/default/");
	assert_int_equal(server_prefix(DEPLOY, NULL, key, sizeof(key)), 0);
	assert_string_equal(key, "apps/deployments/");
	assert_int_equal(server_prefix(NS, "ignored", key, sizeof(key)), 0);
	assert_string_equal(key, "core/namespaces//");
	assert_int_equal(server_prefix(CM, "a/b", key, sizeof(key)), -EINVAL);
	assert_int_equal(server_prefix(CM, "", key, sizeof(key)), -EINVAL);
	assert_int_equal(server_prefix(CM, big, key, sizeof(key)),
			 -ENAMETOOLONG);

	/* allocation keys and junk are not objects */
	snprintf(key, sizeof(key), "!alloc/serviceips/10.96.0.10");
	assert_int_equal(server_parse_key(key, &k, &ns, &name), -EINVAL);
	snprintf(key, sizeof(key), "core/pods//x");
	assert_int_equal(server_parse_key(key, &k, &ns, &name), -EINVAL);
	snprintf(key, sizeof(key), "core/nope/default/x");
	assert_int_equal(server_parse_key(key, &k, &ns, &name), -EINVAL);
	snprintf(key, sizeof(key), "core/pods/default/x/y");
	assert_int_equal(server_parse_key(key, &k, &ns, &name), -EINVAL);
	(void)f;
}

static void test_builtin_namespaces(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"default", "kube-system",
					    "kube-public", "kube-node-lease"};

	for (size_t i = 0; i < 4; i++) {
		_cleanup_json_ json_t *ns = get_ok(f, NS, NULL, names[i]);

		assert_true(server_namespace_exists(f->srv, names[i]));
		assert_string_equal(S(ns, "status.phase"), "Active");
	}
	assert_false(server_namespace_exists(f->srv, "nope"));
}

static void test_list_names(void **state)
{
	struct fx *f = *state;
	int n = 0;
	uint64_t rv = 0;

	json_decref(put_ok(f, NS, NULL, "team", "{}", SERVER_CREATE));
	json_decref(put_ok(f, CM, "default", "a", cm_yaml, 0));
	json_decref(put_ok(f, CM, "default", "b", cm_yaml, 0));
	json_decref(put_ok(f, CM, "team", "c", cm_yaml, 0));
	assert_int_equal(
	    server_list_names(f->srv, CM, "default", count_name, &n, &rv), 0);
	assert_int_equal(n, 2);
	assert_true(rv >= 4);
	n = 0;
	assert_int_equal(
	    server_list_names(f->srv, CM, NULL, count_name, &n, NULL), 0);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(
	    server_list_names(f->srv, NS, NULL, count_name, &n, NULL), 0);
	assert_int_equal(n, 5);
}

/* ---- create ---- */

static void test_create_sets_metadata(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *o = NULL, *g = NULL;
	_cleanup_free_ char *data = NULL;
	char key[STORE_KEY_MAX + 1], want[32];
	regex_t re;
	size_t len;
	uint64_t rv;

	o = put_ok(f, CM, "default", "c",
		   "apiVersion: v1\nkind: ConfigMap\n"
		   "metadata:\n  uid: forged\n  creationTimestamp: "
		   "\"2000-01-01T00:00:00Z\"\n  generation: 7\n"
		   "  managedFields: [{manager: x}]\ndata: {a: b}\n",
		   SERVER_CREATE);
	assert_string_equal(S(o, "metadata.name"), "c");
	assert_string_equal(S(o, "metadata.namespace"), "default");
	assert_int_equal(regcomp(&re,
				 "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
				 "[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	assert_int_equal(regexec(&re, S(o, "metadata.uid"), 0, NULL, 0), 0);
	regfree(&re);
	ts(T0, want);
	assert_string_equal(S(o, "metadata.creationTimestamp"), want);
	assert_int_equal(I(o, "metadata.generation"), 1);
	assert_null(at(o, "metadata.managedFields"));
	assert_true(rv_of(o) > 0);

	/* what is read back is what was returned */
	g = get_ok(f, CM, "default", "c");
	assert_true(json_equal(g, o));
	/* the stored value has no resourceVersion: the store's rv is it */
	assert_int_equal(server_key(CM, "default", "c", key, sizeof(key)), 0);
	assert_int_equal(store_get(f->store, key, &data, &len, &rv), 0);
	assert_null(strstr(data, "resourceVersion"));
	assert_int_equal(rv, rv_of(o));
}

static void test_create_exists_and_missing(void **state)
{
	struct fx *f = *state;
	json_t *o = NULL;
	struct kf_error err;
	int r;

	json_decref(put_ok(f, CM, "default", "c", cm_yaml, SERVER_CREATE));
	put_fails(f, CM, "default", "c", cm_yaml, SERVER_CREATE, -EEXIST,
		  "configmaps \"c\" already exists");
	put_fails(f, CM, "default", "nope", cm_yaml, SERVER_UPDATE, -ENOENT,
		  "configmaps \"nope\" not found");
	put_fails(f, CM, "nope", "c", cm_yaml, 0, -ENOENT,
		  "namespaces \"nope\" not found");
	r = server_get(f->srv, DEPLOY, "default", "web", &err, &o);
	expect_err(r, &err, -ENOENT, "deployments.apps \"web\" not found");
	assert_null(o);
}

static void test_identity_mismatch(void **state)
{
	struct fx *f = *state;

	put_fails(f, CM, "default", "b",
		  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", 0,
		  -EINVAL,
		  "the name of the object (a) does not match the name on the "
		  "URL (b)");
	put_fails(f, CM, "default", "a",
		  "apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: "
		  "kube-system}\n",
		  0, -EINVAL,
		  "the namespace of the provided object does not match the "
		  "namespace sent on the request");
	/* a Service written into the pods directory */
	put_fails(f, POD, "default", "web", svc_yaml, 0, -EINVAL,
		  "the kind in the data (Service) does not match the expected "
		  "kind (Pod)");
	put_fails(f, DEPLOY, "default", "web",
		  "apiVersion: v1\nkind: Deployment\n", 0, -EINVAL,
		  "the API version in the data (v1) does not match the "
		  "expected API version (apps/v1)");
	put_fails(f, CM, "default", NULL, "apiVersion: v1\nkind: ConfigMap\n",
		  0, -EINVAL,
		  "ConfigMap \"\" is invalid: metadata.name: Required value: "
		  "name or generateName is required");
	put_fails(f, CM, "default", "a",
		  "apiVersion: v1\nkind: ConfigMap\nmetadata: [1]\n", 0,
		  -EINVAL, "cannot unmarshal array into Go struct field");
	/* nothing was stored */
	assert_false(exists(f, CM, "default", "a"));
	assert_false(exists(f, CM, "default", "b"));
}

static void test_identity_from_path(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *o = NULL, *n = NULL;

	/* apiVersion, kind, name and namespace may all be left out */
	o = put_ok(f, CM, "default", "c", "data: {a: b}\n", 0);
	assert_string_equal(S(o, "apiVersion"), "v1");
	assert_string_equal(S(o, "kind"), "ConfigMap");
	assert_string_equal(S(o, "metadata.name"), "c");
	/* a cluster-scoped object loses a namespace it was given */
	n = put_ok(f, NS, "whatever", "team",
		   "metadata: {namespace: default}\n", 0);
	assert_null(at(n, "metadata.namespace"));
}

/* Over 1.5 MiB once encoded: refused, nothing stored. (A Pod: its
 * container args have no length limit of their own.) */
static void test_too_large(void **state)
{
	struct fx *f = *state;
	size_t n = 1600000;
	_cleanup_json_ json_t *in = Y(pod_yaml);
	_cleanup_free_ char *big = malloc(n + 1);
	struct kf_error err;
	int r;

	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	json_object_set_new(at(in, "spec.containers.0"), "args",
			    json_pack("[s]", big));
	r = server_put(f->srv, POD, "default", "big", in, 0, &err, NULL);
	expect_err(r, &err, -EFBIG,
		   "Request entity too large: limit is 1572864");
	assert_false(exists(f, POD, "default", "big"));
}

static void test_generate_name(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *o = NULL, *p = NULL;
	char yaml[512], base[80];
	regex_t re;

	o = put_ok(f, CM, "default", NULL,
		   "apiVersion: v1\nkind: ConfigMap\n"
		   "metadata: {generateName: web-}\n",
		   0);
	assert_int_equal(regcomp(&re, "^web-[bcdfghjklmnpqrstvwxz2456789]{5}$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	assert_int_equal(regexec(&re, S(o, "metadata.name"), 0, NULL, 0), 0);
	regfree(&re);
	assert_string_equal(S(o, "metadata.generateName"), "web-");
	assert_true(exists(f, CM, "default", S(o, "metadata.name")));

	/* a long base is cut to 58 characters: names stay within 63 */
	memset(base, 'a', 70);
	base[70] = '\0';
	snprintf(yaml, sizeof(yaml),
		 "apiVersion: v1\nkind: ConfigMap\n"
		 "metadata: {generateName: %s}\n",
		 base);
	p = put_ok(f, CM, "default", NULL, yaml, 0);
	assert_int_equal(strlen(S(p, "metadata.name")), 63);
	assert_int_equal(strncmp(S(p, "metadata.name"), base, 58), 0);
}

static void test_create_resets_status(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *d = NULL, *p = NULL, *n = NULL;

	d = put_ok(f, DEPLOY, "default", "web",
		   "apiVersion: apps/v1\n"
		   "kind: Deployment\n"
		   "spec:\n"
		   "  selector: {matchLabels: {app: web}}\n"
		   "  template:\n"
		   "    metadata: {labels: {app: web}}\n"
		   "    spec:\n"
		   "      containers:\n"
		   "      - {name: web, image: nginx}\n"
		   "status: {replicas: 9, readyReplicas: 9}\n",
		   0);
	assert_null(at(d, "status.replicas"));
	p = put_ok(f, POD, "default", "p",
		   "apiVersion: v1\nkind: Pod\n"
		   "spec:\n  containers:\n  - {name: c, image: nginx}\n"
		   "status: {phase: Running, podIP: 10.0.0.1}\n",
		   0);
	assert_string_equal(S(p, "status.phase"), "Pending");
	assert_string_equal(S(p, "status.qosClass"), "BestEffort");
	assert_null(at(p, "status.podIP"));
	n = put_ok(f, NS, NULL, "team", "status: {phase: Terminating}\n",
		   SERVER_CREATE);
	assert_string_equal(S(n, "status.phase"), "Active");
}

static void test_qos_class(void **state)
{
	static const struct {
		const char *resources;
		const char *qos;
	} cases[] = {
	    {"{}", "BestEffort"},
	    {"{requests: {cpu: 100m}}", "Burstable"},
	    {"{limits: {cpu: 500m}}", "Burstable"},
	    {"{limits: {cpu: \"1\", memory: 1Gi}}", "Guaranteed"},
	    {"{requests: {cpu: 1000m, memory: 1Gi}, "
	     "limits: {cpu: \"1\", memory: 1024Mi}}",
	     "Guaranteed"},
	    {"{requests: {cpu: 500m, memory: 1Gi}, "
	     "limits: {cpu: \"1\", memory: 1Gi}}",
	     "Burstable"},
	    {"{requests: {ephemeral-storage: 1Gi}}", "BestEffort"},
	};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_json_ json_t *p = NULL;
		char yaml[512], name[16];

		snprintf(yaml, sizeof(yaml),
			 "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
			 "  - {name: c, image: nginx, resources: %s}\n",
			 cases[i].resources);
		snprintf(name, sizeof(name), "q%zu", i);
		p = put_ok(f, POD, "default", name, yaml, 0);
		if (strcmp(S(p, "status.qosClass"), cases[i].qos))
			fail_msg("%s: want %s, got %s", cases[i].resources,
				 cases[i].qos, S(p, "status.qosClass"));
	}
	/* one guaranteed container and one best-effort: Burstable */
	_cleanup_json_ json_t *two = put_ok(
	    f, POD, "default", "two",
	    "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
	    "  - {name: a, image: nginx, resources: {limits: {cpu: \"1\", "
	    "memory: 1Gi}}}\n"
	    "  - {name: b, image: nginx}\n",
	    0);
	assert_string_equal(S(two, "status.qosClass"), "Burstable");
}

/* Quantities in every notation compare by value. */
static void test_qos_units(void **state)
{
	static const struct {
		const char *req_cpu, *req_mem, *lim_cpu, *lim_mem, *qos;
	} cases[] = {
	    {"100m", "1Gi", "0.1", "1073741824", "Guaranteed"},
	    {"1", "1k", "1000m", "1e3", "Guaranteed"},
	    {"2", "1E", "2", "1000P", "Guaranteed"},
	    {"2", "1Ei", "2", "1024Pi", "Guaranteed"},
	    {"1", "1Mi", "1", "1M", "Burstable"},
	    {"1m", "1", "1", "1", "Burstable"},
	    {"0", "0", "1", "1Gi", "Burstable"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_json_ json_t *pod = json_pack(
		    "{s:{s:[{s:s,s:{s:{s:s,s:s},s:{s:s,s:s}}}]}}", "spec",
		    "containers", "name", "c", "resources", "requests", "cpu",
		    cases[i].req_cpu, "memory", cases[i].req_mem, "limits",
		    "cpu", cases[i].lim_cpu, "memory", cases[i].lim_mem);

		assert_non_null(pod);
		if (strcmp(srv_pod_qos(pod), cases[i].qos))
			fail_msg("case %zu: want %s, got %s", i, cases[i].qos,
				 srv_pod_qos(pod));
	}
	/* integers and reals as YAML gives them */
	{
		_cleanup_json_ json_t *pod =
		    Y("spec:\n  containers:\n  - name: c\n"
		      "    resources:\n"
		      "      requests: {cpu: 0.5, memory: 1048576}\n"
		      "      limits: {cpu: 500m, memory: 1Mi}\n");

		assert_string_equal(srv_pod_qos(pod), "Guaranteed");
	}
}

static void test_helpers(void **state)
{
	char buf[SRV_TIMESTAMP_LEN], name[64];
	time_t t = 0;

	(void)state;
	srv_timestamp(T0, buf);
	assert_string_equal(buf, "2023-11-14T22:13:20Z");
	assert_int_equal(srv_timestamp_parse(buf, &t), 0);
	assert_int_equal(t, T0);
	assert_int_equal(srv_timestamp_parse("2023-11-14", &t), -EINVAL);
	srv_generate_name(NULL, name, sizeof(name));
	assert_int_equal(strlen(name), 5);
}

static void test_dry_run(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *o = NULL, *c = NULL, *d = NULL;

	o = put_ok(f, CM, "default", "dry", cm_yaml, SERVER_DRY_RUN);
	assert_non_null(S(o, "metadata.uid"));
	assert_false(exists(f, CM, "default", "dry"));

	c = put_ok(f, CM, "default", "c", cm_yaml, 0);
	d = put_ok(f, CM, "default", "c",
		   "apiVersion: v1\nkind: ConfigMap\ndata: {a: z}\n",
		   SERVER_DRY_RUN);
	assert_string_equal(S(d, "data.a"), "z");
	json_decref(c);
	c = get_ok(f, CM, "default", "c");
	assert_string_equal(S(c, "data.a"), "b");
}

/* ---- replace ---- */

static void test_replace_keeps_server_fields(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *d1 = NULL, *d2 = NULL, *d3 = NULL;
	char yaml[1024];

	d1 = put_ok(f, DEPLOY, "default", "web", deploy_yaml, 0);
	patch_ok(f, DEPLOY, "default", "web", "{status: {replicas: 1}}",
		 SERVER_STATUS);
	f->now = T0 + 100;
	/* the client tries to change uid and creationTimestamp, and sends
	 * a status: all three are ignored */
	snprintf(yaml, sizeof(yaml),
		 "apiVersion: apps/v1\n"
		 "kind: Deployment\n"
		 "metadata:\n"
		 "  uid: forged\n"
		 "  creationTimestamp: \"2001-01-01T00:00:00Z\"\n"
		 "spec:\n"
		 "  replicas: 3\n"
		 "  selector: {matchLabels: {app: web}}\n"
		 "  template:\n"
		 "    metadata: {labels: {app: web}}\n"
		 "    spec:\n"
		 "      containers:\n"
		 "      - {name: web, image: nginx}\n"
		 "status: {replicas: 42}\n");
	d2 = put_ok(f, DEPLOY, "default", "web", yaml, 0);
	assert_int_equal(I(d2, "spec.replicas"), 3);
	assert_string_equal(S(d2, "metadata.uid"), S(d1, "metadata.uid"));
	assert_string_equal(S(d2, "metadata.creationTimestamp"),
			    S(d1, "metadata.creationTimestamp"));
	assert_int_equal(I(d2, "status.replicas"), 1);
	assert_int_equal(I(d2, "metadata.generation"), 2);
	assert_true(rv_of(d2) > rv_of(d1));

	/* a metadata-only change does not bump the generation */
	patch_ok(f, DEPLOY, "default", "web", "{metadata: {labels: {a: b}}}",
		 0);
	d3 = get_ok(f, DEPLOY, "default", "web");
	assert_int_equal(I(d3, "metadata.generation"), 2);
	assert_string_equal(S(d3, "metadata.labels.a"), "b");
}

static void test_noop_replace(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *a = NULL, *b = NULL, *c = NULL;
	uint64_t before;

	a = put_ok(f, DEPLOY, "default", "web", deploy_yaml, 0);
	before = store_current_rv(f->store);
	/* the same manifest again: nothing changes after defaulting */
	b = put_ok(f, DEPLOY, "default", "web", deploy_yaml, 0);
	assert_int_equal(rv_of(b), rv_of(a));
	assert_int_equal(store_current_rv(f->store), before);
	assert_true(json_equal(a, b));
	/* and the object read back, written back (cat x > x) */
	{
		_cleanup_free_ char *text = codec_encode_yaml(a, NULL);

		c = put_ok(f, DEPLOY, "default", "web", text, 0);
	}
	assert_int_equal(rv_of(c), rv_of(a));
	assert_int_equal(store_current_rv(f->store), before);
}

static void test_resource_version_precondition(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *a = NULL, *b = NULL, *stale = NULL;
	_cleanup_json_ json_t *cur = NULL;
	struct kf_error err;
	int r;

	a = put_ok(f, CM, "default", "c", cm_yaml, 0);
	stale = json_deep_copy(a);
	json_object_set_new(json_object_get(a, "data"), "a", json_string("c"));
	/* the current rv: accepted */
	r = server_put(f->srv, CM, "default", "c", a, 0, &err, &b);
	assert_int_equal(r, 0);
	/* the old rv: 409 */
	json_object_set_new(json_object_get(stale, "data"), "a",
			    json_string("d"));
	r = server_put(f->srv, CM, "default", "c", stale, 0, &err, NULL);
	expect_err(r, &err, -ESTALE,
		   "Operation cannot be fulfilled on configmaps \"c\": the "
		   "object has been modified; please apply your changes to the "
		   "latest version and try again");
	cur = get_ok(f, CM, "default", "c");
	assert_string_equal(S(cur, "data.a"), "c");
	/* no rv: no precondition (cp) */
	json_object_del(json_object_get(stale, "metadata"), "resourceVersion");
	assert_int_equal(
	    server_put(f->srv, CM, "default", "c", stale, 0, &err, NULL), 0);
	/* an rv on a create */
	put_fails(f, CM, "default", "new",
		  "metadata: {resourceVersion: \"5\"}\ndata: {a: b}\n", 0,
		  -ESTALE,
		  "resourceVersion should not be set on objects to be created");
	/* deployments carry the group in the sentence */
	json_decref(put_ok(f, DEPLOY, "default", "web", deploy_yaml, 0));
	put_fails(f, DEPLOY, "default", "web",
		  "metadata: {resourceVersion: \"1\"}\n"
		  "spec: {replicas: 2}\n",
		  0, -ESTALE,
		  "Operation cannot be fulfilled on deployments.apps \"web\": "
		  "the object has been modified");
}

static void test_status_subresource(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *d = NULL, *s = NULL, *g = NULL;
	struct kf_error err;
	int r;

	d = put_ok(f, DEPLOY, "default", "web", deploy_yaml, 0);
	/* a status write takes only .status: the spec change is dropped */
	{
		_cleanup_json_ json_t *in =
		    Y("spec: {replicas: 5}\nstatus: {replicas: 7}\n"
		      "metadata: {labels: {ignored: \"yes\"}}\n");

		r = server_put(f->srv, DEPLOY, "default", "web", in,
			       SERVER_STATUS | SERVER_UPDATE, &err, &s);
		assert_int_equal(r, 0);
	}
	assert_int_equal(I(s, "status.replicas"), 7);
	assert_int_equal(I(s, "spec.replicas"), 1);
	assert_null(at(s, "metadata.labels"));
	assert_int_equal(I(s, "metadata.generation"), 1);
	/* the precondition applies to status writes too */
	{
		_cleanup_json_ json_t *in =
		    Y("metadata: {resourceVersion: \"1\"}\n"
		      "status: {replicas: 8}\n");

		r = server_put(f->srv, DEPLOY, "default", "web", in,
			       SERVER_STATUS, &err, NULL);
		expect_err(r, &err, -ESTALE,
			   "Operation cannot be fulfilled on deployments.apps "
			   "\"web\"");
	}
	/* a status merge patch keeps the rest of the status */
	patch_ok(f, DEPLOY, "default", "web", "{status: {readyReplicas: 3}}",
		 SERVER_STATUS);
	g = get_ok(f, DEPLOY, "default", "web");
	assert_int_equal(I(g, "status.replicas"), 7);
	assert_int_equal(I(g, "status.readyReplicas"), 3);
	/* and a spec patch cannot touch it */
	patch_ok(f, DEPLOY, "default", "web", "{status: {replicas: 99}}", 0);
	json_decref(g);
	g = get_ok(f, DEPLOY, "default", "web");
	assert_int_equal(I(g, "status.replicas"), 7);
	/* a status write on a missing object */
	{
		_cleanup_json_ json_t *in = Y("status: {replicas: 1}\n");

		r = server_put(f->srv, DEPLOY, "default", "nope", in,
			       SERVER_STATUS, &err, NULL);
		expect_err(r, &err, -ENOENT,
			   "deployments.apps \"nope\" not found");
	}
	(void)d;
}

/* ---- patch ---- */

static void test_patch(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *a = NULL, *g = NULL;
	struct kf_error err;
	char yaml[128];
	int r;

	a = put_ok(f, CM, "default", "c",
		   "data: {a: b, drop: me}\nmetadata: {labels: {x: \"1\"}}\n",
		   0);
	patch_ok(f, CM, "default", "c",
		 "{metadata: {labels: {tier: web}}, data: {drop: null}}", 0);
	g = get_ok(f, CM, "default", "c");
	assert_string_equal(S(g, "metadata.labels.tier"), "web");
	assert_string_equal(S(g, "metadata.labels.x"), "1");
	assert_string_equal(S(g, "data.a"), "b");
	assert_null(at(g, "data.drop"));
	assert_string_equal(S(g, "metadata.uid"), S(a, "metadata.uid"));

	/* a stale resourceVersion in the patch is a precondition */
	snprintf(yaml, sizeof(yaml),
		 "{metadata: {resourceVersion: \"%" PRIu64 "\"}, "
		 "data: {a: z}}",
		 rv_of(a));
	{
		_cleanup_json_ json_t *p = Y(yaml);

		r = server_patch(f->srv, CM, "default", "c", p, 0, &err, NULL);
		expect_err(r, &err, -ESTALE,
			   "Operation cannot be fulfilled on configmaps \"c\"");
	}
	{
		_cleanup_json_ json_t *p = Y("{data: {a: z}}");

		r = server_patch(f->srv, CM, "default", "nope", p, 0, &err,
				 NULL);
		expect_err(r, &err, -ENOENT, "configmaps \"nope\" not found");
	}
	{
		_cleanup_json_ json_t *p = Y("{metadata: {name: other}}");

		r = server_patch(f->srv, CM, "default", "c", p, 0, &err, NULL);
		expect_err(r, &err, -EINVAL,
			   "the name of the object (other) does not match "
			   "the name on the URL (c)");
	}
}

struct patcher {
	struct fx *f;
	char prefix;
	int n;
	int failures;
};

static void *patch_loop(void *ud)
{
	struct patcher *p = ud;

	for (int i = 0; i < p->n; i++) {
		char yaml[128];
		_cleanup_json_ json_t *patch = NULL;
		struct kf_error err;

		snprintf(yaml, sizeof(yaml),
			 "{metadata: {labels: {%c-%d: \"v\"}}}", p->prefix, i);
		patch = Y(yaml);
		if (server_patch(p->f->srv, CM, "default", "shared", patch, 0,
				 &err, NULL) < 0)
			p->failures++;
	}
	return NULL;
}

/* Two writers patching one object: every patch lands. */
static void test_concurrent_patches(void **state)
{
	struct fx *f = *state;
	struct patcher a = {f, 'a', 25, 0}, b = {f, 'b', 25, 0};
	_cleanup_json_ json_t *g = NULL;
	pthread_t ta, tb;

	json_decref(put_ok(f, CM, "default", "shared", cm_yaml, 0));
	assert_int_equal(pthread_create(&ta, NULL, patch_loop, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, patch_loop, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.failures, 0);
	assert_int_equal(b.failures, 0);
	g = get_ok(f, CM, "default", "shared");
	assert_int_equal(json_object_size(at(g, "metadata.labels")), 50);
	for (int i = 0; i < 25; i++) {
		char k[32];

		snprintf(k, sizeof(k), "a-%d", i);
		assert_non_null(json_object_get(at(g, "metadata.labels"), k));
		snprintf(k, sizeof(k), "b-%d", i);
		assert_non_null(json_object_get(at(g, "metadata.labels"), k));
	}
}

struct creator {
	struct fx *f;
	int id, n, failures;
	json_t *made; /* array of the Services created */
};

static void *create_loop(void *ud)
{
	struct creator *c = ud;

	for (int i = 0; i < c->n; i++) {
		_cleanup_json_ json_t *in =
		    Y("spec:\n  type: NodePort\n  ports: [{port: 80}]\n");
		json_t *out = NULL;
		struct kf_error err;
		char name[32];

		snprintf(name, sizeof(name), "c%d-%d", c->id, i);
		if (server_put(c->f->srv, SVC, "default", name, in, 0, &err,
			       &out) < 0)
			c->failures++;
		else
			json_array_append_new(c->made, out);
	}
	return NULL;
}

/* Services created from several threads get distinct values. */
static void test_concurrent_allocation(void **state)
{
	struct fx *f = *state;
	struct creator c[4];
	pthread_t t[4];
	_cleanup_json_ json_t *ips = json_object(), *ports = json_object();

	for (int i = 0; i < 4; i++) {
		c[i] = (struct creator){f, i, 15, 0, json_array()};
		assert_int_equal(
		    pthread_create(&t[i], NULL, create_loop, &c[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 4; i++) {
		size_t j;
		json_t *svc;

		assert_int_equal(c[i].failures, 0);
		json_array_foreach (c[i].made, j, svc) {
			char port[16];

			snprintf(port, sizeof(port), "%lld",
				 I(svc, "spec.ports.0.nodePort"));
			assert_null(
			    json_object_get(ips, S(svc, "spec.clusterIP")));
			assert_null(json_object_get(ports, port));
			json_object_set_new(ips, S(svc, "spec.clusterIP"),
					    json_true());
			json_object_set_new(ports, port, json_true());
		}
		json_decref(c[i].made);
	}
	assert_int_equal(json_object_size(ips), 60);
	assert_int_equal(json_object_size(ports), 60);
}

struct binder {
	struct fx *f;
	const char *node;
	int r;
};

static void *bind_one(void *ud)
{
	struct binder *b = ud;
	struct kf_error err;

	b->r = server_bind(b->f->srv, "default", "race", b->node, &err);
	return NULL;
}

/* Two schedulers bind one pod: exactly one wins. */
static void test_concurrent_binding(void **state)
{
	struct fx *f = *state;

	for (int round = 0; round < 10; round++) {
		struct binder a = {f, "node-a", 1}, b = {f, "node-b", 1};
		_cleanup_json_ json_t *p = NULL;
		pthread_t ta, tb;
		const char *winner;

		json_decref(put_ok(f, POD, "default", "race", pod_yaml, 0));
		assert_int_equal(pthread_create(&ta, NULL, bind_one, &a), 0);
		assert_int_equal(pthread_create(&tb, NULL, bind_one, &b), 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		assert_true((a.r == 0 && b.r == -EEXIST) ||
			    (a.r == -EEXIST && b.r == 0));
		p = get_ok(f, POD, "default", "race");
		winner = a.r == 0 ? "node-a" : "node-b";
		assert_string_equal(S(p, "spec.nodeName"), winner);
		assert_int_equal(
		    server_delete(f->srv, POD, "default", "race", 0, 0, NULL),
		    0);
	}
}

/* ---- apply ---- */

static void test_apply(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *o = NULL, *o2 = NULL;
	struct kf_error err;
	int r;

	{
		_cleanup_json_ json_t *d = Y("apiVersion: bar/v1\nkind: Foo\n"
					     "metadata: {name: x}\n");

		r = server_apply(f->srv, d, "default", &err, NULL);
		expect_err(r, &err, -EINVAL,
			   "no matches for kind \"Foo\" in version "
			   "\"bar/v1\"");
	}
	{
		_cleanup_json_ json_t *d =
		    Y("apiVersion: v1\nmetadata: {name: x}\n");

		r = server_apply(f->srv, d, "default", &err, NULL);
		expect_err(r, &err, -EINVAL, "Object 'Kind' is missing in '");
	}
	{
		_cleanup_json_ json_t *d =
		    Y("kind: ConfigMap\nmetadata: {name: x}\n");

		r = server_apply(f->srv, d, "default", &err, NULL);
		expect_err(r, &err, -EINVAL,
			   "Object 'apiVersion' is missing in '");
	}
	{
		_cleanup_json_ json_t *d =
		    Y("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
		      "data: {a: b}\n");

		assert_int_equal(
		    server_apply(f->srv, d, "kube-system", &err, &o), 0);
		assert_string_equal(S(o, "metadata.namespace"), "kube-system");
		json_object_set_new(json_object_get(d, "data"), "a",
				    json_string("c"));
		assert_int_equal(
		    server_apply(f->srv, d, "kube-system", &err, &o2), 0);
		assert_string_equal(S(o2, "data.a"), "c");
		assert_string_equal(S(o2, "metadata.uid"),
				    S(o, "metadata.uid"));
	}
	{
		_cleanup_json_ json_t *d =
		    Y("apiVersion: v1\nkind: ConfigMap\n"
		      "metadata: {name: y, namespace: nope}\n");

		r = server_apply(f->srv, d, "default", &err, NULL);
		expect_err(r, &err, -ENOENT, "namespaces \"nope\" not found");
	}
	{
		_cleanup_json_ json_t *d = Y("apiVersion: v1\nkind: Namespace\n"
					     "metadata: {name: applied}\n");

		assert_int_equal(server_apply(f->srv, d, "default", &err, NULL),
				 0);
		assert_true(server_namespace_exists(f->srv, "applied"));
	}
}

/* A manifest: all of it or nothing, each document seeing the earlier. */
static void test_apply_all(void **state)
{
	struct fx *f = *state;
	struct kf_error err;
	uint64_t rv = store_current_rv(f->store);
	int r;

	{
		_cleanup_json_ json_t *docs = json_array();

		json_array_append_new(docs,
				      Y("apiVersion: v1\nkind: Namespace\n"
					"metadata: {name: team}\n"));
		json_array_append_new(docs,
				      Y("apiVersion: v1\nkind: ConfigMap\n"
					"metadata: {name: a, namespace: team}\n"
					"data: {v: '1'}\n"));
		json_array_append_new(docs,
				      Y("apiVersion: v1\nkind: ConfigMap\n"
					"metadata: {name: a, namespace: team}\n"
					"data: {v: '2'}\n"));
		json_array_append_new(docs, Y("apiVersion: v1\nkind: Service\n"
					      "metadata: {name: web}\n"
					      "spec: {ports: [{port: 80}]}\n"));
		assert_int_equal(
		    server_apply_all(f->srv, docs, "default", &err), 0);
		assert_true(server_namespace_exists(f->srv, "team"));
		_cleanup_json_ json_t *o = get_ok(f, CM, "team", "a");
		assert_string_equal(S(o, "data.v"), "2");
		/* one store write: consecutive rvs */
		assert_int_equal(rv_of(o), rv + 3);
	}
	rv = store_current_rv(f->store);
	{
		_cleanup_json_ json_t *docs = json_array();

		json_array_append_new(docs,
				      Y("apiVersion: v1\nkind: ConfigMap\n"
					"metadata: {name: b}\n"));
		json_array_append_new(docs,
				      Y("apiVersion: v1\nkind: ConfigMap\n"
					"metadata: {name: Bad}\n"));
		json_array_append_new(docs, Y("apiVersion: v1\nkind: Pod\n"
					      "metadata: {name: p}\n"));
		r = server_apply_all(f->srv, docs, "default", &err);
		assert_int_equal(r, -EINVAL);
		assert_non_null(strstr(err.msg, "\"Bad\""));
		assert_non_null(strchr(err.msg, '\n')); /* the pod's too */
		assert_false(exists(f, CM, "default", "b"));
		assert_int_equal(store_current_rv(f->store), rv);
	}
}

/* ---- delete ---- */

static void test_delete_plain(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *a = NULL;
	struct kf_error err;
	int r;

	a = put_ok(f, CM, "default", "c", cm_yaml, 0);
	r = server_delete(f->srv, CM, "default", "c", -1, rv_of(a) + 1000,
			  &err);
	expect_err(r, &err, -ESTALE,
		   "Operation cannot be fulfilled on configmaps \"c\": "
		   "Precondition failed: ResourceVersion in precondition");
	assert_true(exists(f, CM, "default", "c"));
	assert_int_equal(
	    server_delete(f->srv, CM, "default", "c", -1, rv_of(a), &err), 0);
	assert_false(exists(f, CM, "default", "c"));
	r = server_delete(f->srv, CM, "default", "c", -1, 0, &err);
	expect_err(r, &err, -ENOENT, "configmaps \"c\" not found");
}

static void test_graceful_pod_delete(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *p = NULL;
	struct kf_error err;
	char want[32];
	uint64_t rv;

	bound_pod(f, "default", "web", NULL);
	assert_int_equal(
	    server_delete(f->srv, POD, "default", "web", -1, 0, &err), 0);
	p = get_ok(f, POD, "default", "web");
	ts(T0 + 30, want);
	assert_string_equal(S(p, "metadata.deletionTimestamp"), want);
	assert_int_equal(I(p, "metadata.deletionGracePeriodSeconds"), 30);
	assert_int_equal(I(p, "metadata.generation"), 2);

	/* a shorter grace shortens it, counted from the first request */
	f->now = T0 + 5;
	assert_int_equal(
	    server_delete(f->srv, POD, "default", "web", 10, 0, &err), 0);
	json_decref(p);
	p = get_ok(f, POD, "default", "web");
	ts(T0 + 10, want);
	assert_string_equal(S(p, "metadata.deletionTimestamp"), want);
	assert_int_equal(I(p, "metadata.deletionGracePeriodSeconds"), 10);
	/* a longer one changes nothing */
	rv = rv_of(p);
	assert_int_equal(
	    server_delete(f->srv, POD, "default", "web", 60, 0, &err), 0);
	json_decref(p);
	p = get_ok(f, POD, "default", "web");
	assert_int_equal(rv_of(p), rv);
	/* the node agent's grace 0 removes it */
	assert_int_equal(
	    server_delete(f->srv, POD, "default", "web", 0, 0, &err), 0);
	assert_false(exists(f, POD, "default", "web"));

	/* an unbound pod goes at once */
	json_decref(put_ok(f, POD, "default", "loose", pod_yaml, 0));
	assert_int_equal(
	    server_delete(f->srv, POD, "default", "loose", -1, 0, &err), 0);
	assert_false(exists(f, POD, "default", "loose"));

	/* the pod's own terminationGracePeriodSeconds is the default */
	bound_pod(f, "default", "quick",
		  "apiVersion: v1\nkind: Pod\nspec:\n"
		  "  terminationGracePeriodSeconds: 5\n"
		  "  containers:\n  - {name: c, image: nginx}\n");
	f->now = T0 + 100;
	assert_int_equal(
	    server_delete(f->srv, POD, "default", "quick", -1, 0, &err), 0);
	json_decref(p);
	p = get_ok(f, POD, "default", "quick");
	ts(T0 + 105, want);
	assert_string_equal(S(p, "metadata.deletionTimestamp"), want);
	assert_int_equal(I(p, "metadata.deletionGracePeriodSeconds"), 5);
}

static void test_eviction(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *p = NULL;
	struct kf_error err;
	int r;

	bound_pod(f, "default", "web", NULL);
	assert_int_equal(server_evict(f->srv, "default", "web", &err), 0);
	p = get_ok(f, POD, "default", "web");
	assert_non_null(S(p, "metadata.deletionTimestamp"));
	json_decref(put_ok(f, POD, "default", "loose", pod_yaml, 0));
	assert_int_equal(server_evict(f->srv, "default", "loose", &err), 0);
	assert_false(exists(f, POD, "default", "loose"));
	r = server_evict(f->srv, "default", "nope", &err);
	expect_err(r, &err, -ENOENT, "pods \"nope\" not found");
}

static void test_finalizers(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *c = NULL, *p = NULL;
	struct kf_error err;
	char want[32];

	json_decref(put_ok(f, CM, "default", "fin",
			   "metadata: {finalizers: [example.com/hold]}\n"
			   "data: {a: b}\n",
			   0));
	f->now = T0 + 7;
	assert_int_equal(
	    server_delete(f->srv, CM, "default", "fin", -1, 0, &err), 0);
	c = get_ok(f, CM, "default", "fin");
	ts(T0 + 7, want);
	assert_string_equal(S(c, "metadata.deletionTimestamp"), want);
	assert_int_equal(I(c, "metadata.deletionGracePeriodSeconds"), 0);
	/* deleting again changes nothing */
	assert_int_equal(
	    server_delete(f->srv, CM, "default", "fin", -1, 0, &err), 0);
	/* no new finalizers while being deleted */
	{
		_cleanup_json_ json_t *pt =
		    Y("{metadata: {finalizers: [example.com/hold, b.io/x]}}");
		int r = server_patch(f->srv, CM, "default", "fin", pt, 0, &err,
				     NULL);

		expect_err(r, &err, -EINVAL,
			   "ConfigMap \"fin\" is invalid: metadata.finalizers: "
			   "Forbidden: no new finalizers can be added if the "
			   "object is being deleted, found new finalizers "
			   "[]string{\"b.io/x\"}");
	}
	/* other updates still work, and keep the deletion mark */
	patch_ok(f, CM, "default", "fin", "{data: {a: c}}", 0);
	json_decref(c);
	c = get_ok(f, CM, "default", "fin");
	assert_string_equal(S(c, "metadata.deletionTimestamp"), want);
	/* emptying the finalizers deletes it */
	patch_ok(f, CM, "default", "fin", "{metadata: {finalizers: null}}", 0);
	assert_false(exists(f, CM, "default", "fin"));

	/* a bound pod with a finalizer: graceful, then held, then gone */
	bound_pod(f, "default", "held",
		  "apiVersion: v1\nkind: Pod\n"
		  "metadata: {finalizers: [example.com/hold]}\n"
		  "spec:\n  containers:\n  - {name: c, image: nginx}\n");
	assert_int_equal(
	    server_delete(f->srv, POD, "default", "held", -1, 0, &err), 0);
	assert_int_equal(
	    server_delete(f->srv, POD, "default", "held", 0, 0, &err), 0);
	p = get_ok(f, POD, "default", "held");
	assert_int_equal(I(p, "metadata.deletionGracePeriodSeconds"), 0);
	patch_ok(f, POD, "default", "held", "{metadata: {finalizers: []}}", 0);
	assert_false(exists(f, POD, "default", "held"));
}

static void test_namespace_deletion(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *ns = NULL, *p = NULL;
	struct kf_error err;
	int r;

	json_decref(put_ok(f, NS, NULL, "team", "{}", SERVER_CREATE));
	json_decref(put_ok(f, CM, "team", "c", cm_yaml, 0));
	json_decref(put_ok(f, DEPLOY, "team", "web", deploy_yaml, 0));
	bound_pod(f, "team", "web", NULL);

	assert_int_equal(server_delete(f->srv, NS, NULL, "team", -1, 0, &err),
			 0);
	/* terminating while its bound pod shuts down */
	ns = get_ok(f, NS, NULL, "team");
	assert_string_equal(S(ns, "status.phase"), "Terminating");
	assert_non_null(S(ns, "metadata.deletionTimestamp"));
	/* its content is the namespace controller's to delete, as it does */
	assert_true(exists(f, CM, "team", "c"));
	assert_int_equal(server_delete(f->srv, CM, "team", "c", -1, 0, &err),
			 0);
	assert_int_equal(
	    server_delete(f->srv, DEPLOY, "team", "web", -1, 0, &err), 0);
	assert_int_equal(server_delete(f->srv, POD, "team", "web", -1, 0, &err),
			 0);
	p = get_ok(f, POD, "team", "web");
	assert_non_null(S(p, "metadata.deletionTimestamp"));
	/* no new content */
	put_fails(f, CM, "team", "c2", cm_yaml, 0, -EACCES,
		  "configmaps \"c2\" is forbidden: unable to create new "
		  "content in namespace team because it is being terminated");
	/* spec writes keep it Terminating */
	patch_ok(f, NS, NULL, "team", "{metadata: {labels: {a: b}}}", 0);
	json_decref(ns);
	ns = get_ok(f, NS, NULL, "team");
	assert_string_equal(S(ns, "status.phase"), "Terminating");
	/* spec.finalizers changes only through finalize */
	patch_ok(f, NS, NULL, "team", "{spec: {finalizers: []}}", 0);
	json_decref(ns);
	ns = get_ok(f, NS, NULL, "team");
	assert_string_equal(S(ns, "spec.finalizers.0"), "kubernetes");
	/* the last object goes; the namespace waits for its finalizer */
	assert_int_equal(server_delete(f->srv, POD, "team", "web", 0, 0, &err),
			 0);
	assert_true(server_namespace_exists(f->srv, "team"));
	/* finalize takes only spec.finalizers; none left: it goes */
	json_decref(put_ok(f, NS, NULL, "team",
			   "{metadata: {labels: {c: d}}, spec: {finalizers: "
			   "[example.com/x]}}",
			   SERVER_FINALIZE));
	json_decref(ns);
	ns = get_ok(f, NS, NULL, "team");
	assert_string_equal(S(ns, "spec.finalizers.0"), "example.com/x");
	assert_null(S(ns, "metadata.labels.c"));
	assert_string_equal(S(ns, "status.phase"), "Terminating");
	json_decref(put_ok(f, NS, NULL, "team", "{spec: {finalizers: []}}",
			   SERVER_FINALIZE));
	assert_false(server_namespace_exists(f->srv, "team"));
	/* finalize is a namespace's subresource only */
	json_decref(put_ok(f, CM, "default", "fin", cm_yaml, 0));
	json_decref(p);
	p = Y(cm_yaml);
	r = server_put(f->srv, CM, "default", "fin", p, SERVER_FINALIZE, &err,
		       NULL);
	expect_err(r, &err, -ENOENT,
		   "the server could not find the requested resource");

	/* a new namespace has the kubernetes finalizer once, added to its
	 * own; without spec finalizers a namespace goes at once */
	json_decref(ns);
	ns = put_ok(f, NS, NULL, "solo",
		    "{spec: {finalizers: [example.com/y, kubernetes]}}",
		    SERVER_CREATE);
	assert_int_equal(json_array_size(json_object_get(
			     json_object_get(ns, "spec"), "finalizers")),
			 2);
	json_decref(put_ok(f, NS, NULL, "solo", "{spec: {finalizers: []}}",
			   SERVER_FINALIZE));
	assert_int_equal(server_delete(f->srv, NS, NULL, "solo", -1, 0, &err),
			 0);
	assert_false(server_namespace_exists(f->srv, "solo"));

	r = server_delete(f->srv, NS, NULL, "default", -1, 0, &err);
	expect_err(r, &err, -EACCES,
		   "namespaces \"default\" is forbidden: this namespace may "
		   "not be deleted");
	r = server_delete(f->srv, NS, NULL, "ghost", -1, 0, &err);
	expect_err(r, &err, -ENOENT, "namespaces \"ghost\" not found");
}

/* ---- binding and scale ---- */

static void test_binding(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *p = NULL, *c = NULL;
	struct kf_error err;
	json_t *cond;
	size_t i;
	bool scheduled = false;
	int r;

	json_decref(put_ok(f, POD, "default", "web", pod_yaml, 0));
	assert_int_equal(server_bind(f->srv, "default", "web", "node-1", &err),
			 0);
	p = get_ok(f, POD, "default", "web");
	assert_string_equal(S(p, "spec.nodeName"), "node-1");
	assert_string_equal(S(p, "status.phase"), "Pending");
	json_array_foreach (at(p, "status.conditions"), i, cond) {
		if (!strcmp(S(cond, "type"), "PodScheduled")) {
			assert_string_equal(S(cond, "status"), "True");
			scheduled = true;
		}
	}
	assert_true(scheduled);

	r = server_bind(f->srv, "default", "web", "node-2", &err);
	expect_err(r, &err, -EEXIST,
		   "pod web is already assigned to node \"node-1\"");
	r = server_bind(f->srv, "default", "nope", "node-1", &err);
	expect_err(r, &err, -ENOENT, "pods \"nope\" not found");
	json_decref(put_ok(f, POD, "default", "other", pod_yaml, 0));
	r = server_bind(f->srv, "default", "other", "Bad_Node", &err);
	expect_err(r, &err, -EINVAL,
		   "Binding \"other\" is invalid: target.name: Invalid value: "
		   "\"Bad_Node\"");
	r = server_bind(f->srv, "default", "other", "", &err);
	expect_err(r, &err, -EINVAL,
		   "Binding \"other\" is invalid: target.name: Required value");

	/* spec.nodeName cannot be written directly: pod spec is immutable */
	{
		_cleanup_json_ json_t *in = Y(pod_yaml);

		json_object_set_new(json_object_get(in, "spec"), "nodeName",
				    json_string("node-9"));
		r = server_put(f->srv, POD, "default", "other", in, 0, &err,
			       NULL);
		assert_int_equal(r, -EINVAL);
	}
	c = get_ok(f, POD, "default", "other");
	assert_null(at(c, "spec.nodeName"));
}

static void test_scale(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *d = NULL;
	struct kf_error err;
	long n = -5;
	int r;

	json_decref(put_ok(f, DEPLOY, "default", "web", deploy_yaml, 0));
	assert_int_equal(
	    server_scale_get(f->srv, DEPLOY, "default", "web", &err, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(
	    server_scale_set(f->srv, DEPLOY, "default", "web", 5, &err), 0);
	d = get_ok(f, DEPLOY, "default", "web");
	assert_int_equal(I(d, "spec.replicas"), 5);
	assert_int_equal(I(d, "metadata.generation"), 2);
	assert_int_equal(
	    server_scale_get(f->srv, DEPLOY, "default", "web", &err, &n), 0);
	assert_int_equal(n, 5);

	r = server_scale_set(f->srv, DEPLOY, "default", "web", -1, &err);
	expect_err(r, &err, -EINVAL,
		   "Scale.autoscaling \"web\" is invalid: spec.replicas: "
		   "Invalid value: -1: must be greater than or equal to 0");
	r = server_scale_set(f->srv, DEPLOY, "default", "nope", 2, &err);
	expect_err(r, &err, -ENOENT, "deployments.apps \"nope\" not found");
	json_decref(put_ok(f, CM, "default", "c", cm_yaml, 0));
	r = server_scale_get(f->srv, CM, "default", "c", &err, &n);
	expect_err(r, &err, -ENOENT,
		   "the server could not find the requested resource");
}

/* ---- Services ---- */

static uint32_t ip_of(const char *s)
{
	unsigned a, b, c, d;

	if (!s || sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
		fail_msg("not an IP: %s", s ? s : "(null)");
	return a << 24 | b << 16 | c << 8 | d;
}

static void test_service_cluster_ip(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *a = NULL, *b = NULL, *h = NULL, *a2 = NULL;
	uint32_t ip;

	a = put_ok(f, SVC, "default", "a", svc_yaml, 0);
	ip = ip_of(S(a, "spec.clusterIP"));
	/* in 10.96.0.0/12, neither the network nor .1 nor the broadcast */
	assert_int_equal(ip & 0xfff00000, 0x0a600000);
	assert_true(ip > 0x0a600001 && ip < 0x0a6fffff);
	assert_string_equal(S(a, "spec.clusterIPs.0"), S(a, "spec.clusterIP"));
	assert_int_equal(json_array_size(at(a, "spec.clusterIPs")), 1);
	assert_string_equal(S(a, "spec.ipFamilies.0"), "IPv4");

	/* an explicit, free one is honoured */
	b = put_ok(f, SVC, "default", "b",
		   "spec:\n  clusterIP: 10.96.0.5\n  ports: [{port: 80}]\n", 0);
	assert_string_equal(S(b, "spec.clusterIP"), "10.96.0.5");
	assert_string_equal(S(b, "spec.clusterIPs.0"), "10.96.0.5");
	put_fails(f, SVC, "default", "c",
		  "spec:\n  clusterIP: 10.96.0.5\n  ports: [{port: 80}]\n", 0,
		  -EINVAL,
		  "Service \"c\" is invalid: spec.clusterIPs: Invalid value: "
		  "[]string{\"10.96.0.5\"}: failed to allocate IP 10.96.0.5: "
		  "provided IP is already allocated");
	put_fails(f, SVC, "default", "c",
		  "spec:\n  clusterIP: 10.96.0.1\n  ports: [{port: 80}]\n", 0,
		  -EINVAL,
		  "failed to allocate IP 10.96.0.1: provided IP is "
		  "already allocated");
	put_fails(f, SVC, "default", "c",
		  "spec:\n  clusterIP: 192.168.0.5\n  ports: [{port: 80}]\n", 0,
		  -EINVAL,
		  "Service \"c\" is invalid: spec.clusterIPs: Invalid value: "
		  "[]string{\"192.168.0.5\"}: failed to allocate IP "
		  "192.168.0.5: provided IP is not in the valid range. The "
		  "range of valid IPs is 10.96.0.0/12");
	put_fails(f, SVC, "default", "c",
		  "spec:\n  clusterIP: 10.96.0.6\n"
		  "  clusterIPs: [10.96.0.7]\n  ports: [{port: 80}]\n",
		  0, -EINVAL,
		  "spec.clusterIPs: Invalid value: []string{\"10.96.0.7\"}: "
		  "first value must match `clusterIP`");
	assert_false(exists(f, SVC, "default", "c"));

	/* headless */
	h = put_ok(f, SVC, "default", "h",
		   "spec:\n  clusterIP: None\n  ports: [{port: 80}]\n", 0);
	assert_string_equal(S(h, "spec.clusterIP"), "None");
	assert_string_equal(S(h, "spec.clusterIPs.0"), "None");

	/* a replace without clusterIP (cp of the manifest) keeps it */
	a2 = put_ok(f, SVC, "default", "a",
		    "spec:\n  selector: {app: other}\n  ports:\n"
		    "  - {port: 80}\n",
		    0);
	assert_string_equal(S(a2, "spec.clusterIP"), S(a, "spec.clusterIP"));

	/* deleting b gives 10.96.0.5 back */
	assert_int_equal(
	    server_delete(f->srv, SVC, "default", "b", -1, 0, NULL), 0);
	json_decref(put_ok(f, SVC, "default", "c",
			   "spec:\n  clusterIP: 10.96.0.5\n"
			   "  ports: [{port: 80}]\n",
			   0));
}

static void test_service_node_ports(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *a = NULL, *b = NULL, *a2 = NULL, *a3 = NULL;
	long np;

	a = put_ok(f, SVC, "default", "a",
		   "spec:\n  type: NodePort\n  ports:\n"
		   "  - {name: http, port: 80}\n"
		   "  - {name: dns, port: 53, protocol: UDP}\n"
		   "  - {name: dns-tcp, port: 53, protocol: TCP}\n",
		   0);
	np = I(a, "spec.ports.0.nodePort");
	assert_true(np >= 30000 && np <= 32767);
	/* TCP and UDP on one port share the node port */
	assert_int_equal(I(a, "spec.ports.1.nodePort"),
			 I(a, "spec.ports.2.nodePort"));
	assert_true(I(a, "spec.ports.1.nodePort") != np);

	b = put_ok(f, SVC, "default", "b",
		   "spec:\n  type: NodePort\n  ports:\n"
		   "  - {port: 80, nodePort: 30080}\n",
		   0);
	assert_int_equal(I(b, "spec.ports.0.nodePort"), 30080);
	put_fails(f, SVC, "default", "c",
		  "spec:\n  type: NodePort\n  ports:\n"
		  "  - {port: 80, nodePort: 30080}\n",
		  0, -EINVAL,
		  "Service \"c\" is invalid: spec.ports[0].nodePort: Invalid "
		  "value: 30080: provided port is already allocated");
	put_fails(f, SVC, "default", "c",
		  "spec:\n  type: NodePort\n  ports:\n"
		  "  - {port: 80, nodePort: 8080}\n",
		  0, -EINVAL,
		  "spec.ports[0].nodePort: Invalid value: 8080: provided port "
		  "is not in the valid range. The range of valid ports is "
		  "30000-32767");
	put_fails(f, SVC, "default", "c",
		  "spec:\n  ports:\n  - {port: 80, nodePort: 30081}\n", 0,
		  -EINVAL,
		  "spec.ports[0].nodePort: Forbidden: may not be used when "
		  "`type` is 'ClusterIP'");
	/* a failed write gave back what it had taken: 30081 is free */
	json_decref(put_ok(f, SVC, "default", "d",
			   "spec:\n  type: NodePort\n  ports:\n"
			   "  - {port: 80, nodePort: 30081}\n",
			   0));

	/* a replace without nodePorts keeps them (matched by name) */
	a2 = put_ok(f, SVC, "default", "a",
		    "spec:\n  type: NodePort\n  ports:\n"
		    "  - {name: http, port: 80}\n"
		    "  - {name: dns, port: 53, protocol: UDP}\n"
		    "  - {name: dns-tcp, port: 53, protocol: TCP}\n",
		    0);
	assert_int_equal(I(a2, "spec.ports.0.nodePort"), np);

	/* back to ClusterIP (editing the read-back object): node ports
	 * are dropped and given back */
	json_object_set_new(json_object_get(a2, "spec"), "type",
			    json_string("ClusterIP"));
	{
		struct kf_error err;

		assert_int_equal(
		    server_put(f->srv, SVC, "default", "a", a2, 0, &err, &a3),
		    0);
	}
	assert_null(at(a3, "spec.ports.0.nodePort"));
	{
		char yaml[256];

		snprintf(yaml, sizeof(yaml),
			 "spec:\n  type: NodePort\n  ports:\n"
			 "  - {port: 80, nodePort: %ld}\n",
			 np);
		json_decref(put_ok(f, SVC, "default", "e", yaml, 0));
	}
	/* deleting b gives 30080 back */
	assert_int_equal(
	    server_delete(f->srv, SVC, "default", "b", -1, 0, NULL), 0);
	json_decref(put_ok(f, SVC, "default", "f",
			   "spec:\n  type: NodePort\n  ports:\n"
			   "  - {port: 80, nodePort: 30080}\n",
			   0));
}

static void test_service_exhaustion(void **state)
{
	struct fx *f = *state;
	char name[16];
	bool seen[8] = {false};
	struct kf_error err;
	_cleanup_json_ json_t *in = Y(svc_yaml);
	int r;

	/* dry runs take nothing */
	for (int i = 0; i < 10; i++)
		json_decref(
		    put_ok(f, SVC, "default", "dry", svc_yaml, SERVER_DRY_RUN));
	/* 10.0.0.0/29: .2 to .6 */
	for (int i = 0; i < 5; i++) {
		_cleanup_json_ json_t *s = NULL;
		uint32_t ip;

		snprintf(name, sizeof(name), "s%d", i);
		s = put_ok(f, SVC, "default", name, svc_yaml, 0);
		ip = ip_of(S(s, "spec.clusterIP"));
		assert_true(ip >= 0x0a000002 && ip <= 0x0a000006);
		assert_false(seen[ip & 7]);
		seen[ip & 7] = true;
	}
	r = server_put(f->srv, SVC, "default", "full", in, 0, &err, NULL);
	expect_err(r, &err, -ENOSPC,
		   "Internal error occurred: failed to allocate a serviceIP: "
		   "range is full");
	assert_false(exists(f, SVC, "default", "full"));
	/* headless Services need no address */
	json_decref(put_ok(f, SVC, "default", "headless",
			   "spec:\n  clusterIP: None\n  ports: [{port: 80}]\n",
			   0));
	assert_int_equal(
	    server_delete(f->srv, SVC, "default", "s3", -1, 0, &err), 0);
	json_decref(put_ok(f, SVC, "default", "full", svc_yaml, 0));
}

/* A restarted server knows what the stored Services hold. */
static void test_allocation_survives_restart(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ json_t *a = NULL;
	struct kf_error err;
	char yaml[256];
	int r;

	a = put_ok(f, SVC, "default", "a",
		   "spec:\n  type: NodePort\n  ports: [{port: 80}]\n", 0);
	for (int i = 0; i < 4; i++) {
		char name[8];

		snprintf(name, sizeof(name), "s%d", i);
		json_decref(put_ok(f, SVC, "default", name, svc_yaml, 0));
	}
	server_free(f->srv);
	f->srv = NULL;
	assert_int_equal(open_server(f, &f->srv), 0);

	snprintf(yaml, sizeof(yaml),
		 "spec:\n  clusterIP: %s\n  ports: [{port: 80}]\n",
		 S(a, "spec.clusterIP"));
	put_fails(f, SVC, "default", "b", yaml, 0, -EINVAL,
		  "provided IP is already allocated");
	/* s0 already has an address: ask it to take a's node port */
	snprintf(
	    yaml, sizeof(yaml),
	    "{spec: {type: NodePort, ports: [{port: 80, nodePort: %lld}]}}",
	    I(a, "spec.ports.0.nodePort"));
	{
		_cleanup_json_ json_t *p = Y(yaml);

		r = server_patch(f->srv, SVC, "default", "s0", p, 0, &err,
				 NULL);
		expect_err(r, &err, -EINVAL,
			   "Service \"s0\" is invalid: spec.ports[0].nodePort: "
			   "Invalid value: ");
		assert_non_null(strstr(err.msg, "provided port is already "
						"allocated"));
	}
	{
		_cleanup_json_ json_t *in = Y(svc_yaml);

		r = server_put(f->srv, SVC, "default", "b", in, 0, &err, NULL);
		expect_err(r, &err, -ENOSPC, "range is full");
	}
	/* the namespaces are not created twice */
	assert_true(server_namespace_exists(f->srv, "default"));
}

/* Two servers on one store never hand out the same value, although
 * neither knows what the other took in memory. */
static void test_two_servers_one_store(void **state)
{
	struct fx *f = *state;
	struct server *other = NULL;
	bool seen[8] = {false};
	int made = 0, full = 0;

	assert_int_equal(open_server(f, &other), 0);
	json_decref(put_ok(f, SVC, "default", "mine",
			   "spec:\n  clusterIP: 10.0.0.2\n"
			   "  ports: [{port: 80}]\n",
			   0));
	{
		_cleanup_json_ json_t *in =
		    Y("spec:\n  clusterIP: 10.0.0.2\n  ports: [{port: 80}]\n");
		struct kf_error err;
		int r = server_put(other, SVC, "default", "theirs", in, 0, &err,
				   NULL);

		expect_err(r, &err, -EINVAL,
			   "failed to allocate IP 10.0.0.2: provided IP is "
			   "already allocated");
	}
	/* the four left, taken in turns */
	for (int i = 0; i < 8; i++) {
		struct server *s = i % 2 ? other : f->srv;
		_cleanup_json_ json_t *in = Y(svc_yaml), *out = NULL;
		struct kf_error err;
		char name[8];
		int r;

		snprintf(name, sizeof(name), "t%d", i);
		r = server_put(s, SVC, "default", name, in, 0, &err, &out);
		if (r == -ENOSPC) {
			full++;
			continue;
		}
		assert_int_equal(r, 0);
		uint32_t ip = ip_of(S(out, "spec.clusterIP"));

		assert_false(seen[ip & 7]);
		seen[ip & 7] = true;
		made++;
	}
	assert_int_equal(made, 4);
	assert_int_equal(full, 4);
	server_free(other);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TT(fn) cmocka_unit_test_setup_teardown(fn, setup_tiny, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_keys),
	    T(test_builtin_namespaces),
	    T(test_list_names),
	    T(test_create_sets_metadata),
	    T(test_create_exists_and_missing),
	    T(test_identity_mismatch),
	    T(test_identity_from_path),
	    T(test_too_large),
	    T(test_generate_name),
	    T(test_create_resets_status),
	    T(test_qos_class),
	    cmocka_unit_test(test_qos_units),
	    cmocka_unit_test(test_helpers),
	    T(test_dry_run),
	    T(test_replace_keeps_server_fields),
	    T(test_noop_replace),
	    T(test_resource_version_precondition),
	    T(test_status_subresource),
	    T(test_patch),
	    T(test_concurrent_patches),
	    T(test_concurrent_allocation),
	    T(test_concurrent_binding),
	    T(test_apply),
	    T(test_apply_all),
	    T(test_delete_plain),
	    T(test_graceful_pod_delete),
	    T(test_eviction),
	    T(test_finalizers),
	    T(test_namespace_deletion),
	    T(test_binding),
	    T(test_scale),
	    T(test_service_cluster_ip),
	    T(test_service_node_ports),
	    TT(test_service_exhaustion),
	    TT(test_allocation_survives_restart),
	    TT(test_two_servers_one_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
