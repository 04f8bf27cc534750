/* Unit tests of apiserver/audit*.c: the Policy's validation sentences,
 * rule matching as Kubernetes' policy checker, the Events written (stages,
 * fields, bodies per level) and rotation by size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apiserver/audit.h"

static const char *const alice_groups[] = {"dev", "system:authenticated"};

static struct audit_request request(const char *verb, const char *resource,
				    const char *ns, const char *name)
{
	struct audit_request r = {
	    .user = "alice",
	    .groups = alice_groups,
	    .ngroups = 2,
	    .verb = verb,
	    .api_group = "",
	    .api_version = "v1",
	    .resource = resource,
	    .ns = ns,
	    .name = name,
	    .code = 200,
	    .allowed = true,
	};

	clock_gettime(CLOCK_REALTIME, &r.received);
	return r;
}

static struct audit *make(const char *policy, const char *log, unsigned max_mb,
			  unsigned backups)
{
	struct audit_config cfg = {.policy_text = policy,
				   .policy_len = strlen(policy),
				   .log_path = log,
				   .max_size_mb = max_mb,
				   .max_backups = backups};
	struct audit *a = NULL;
	struct kf_error err;

	kf_error_init(&err);
	if (audit_new(&cfg, &err, &a) < 0)
		fail_msg("%s", err.msg);
	return a;
}

#define HEAD "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

static void expect_invalid(const char *policy, const char *msg)
{
	struct audit_config cfg = {.policy_text = policy,
				   .policy_len = strlen(policy),
				   .log_path = "/dev/null"};
	struct audit *a = NULL;
	struct kf_error err;

	kf_error_init(&err);
	assert_int_equal(audit_new(&cfg, &err, &a), -EINVAL);
	assert_null(a);
	assert_string_equal(err.msg, msg);
}

static void test_validation(void **state)
{
	(void)state;
	expect_invalid(HEAD "rules: [{level: Loud}]\n",
		       "rules[0].level: Unsupported value: \"Loud\": "
		       "supported values: \"None\", \"Metadata\", "
		       "\"Request\", \"RequestResponse\"");
	expect_invalid(HEAD "rules: [{level: None}, {verbs: [get]}]\n",
		       "rules[1].level: Required value");
	expect_invalid(HEAD "rules: [{level: None, omitStages: [Later]}]\n",
		       "rules[0].omitStages[0]: Unsupported value: \"Later\": "
		       "supported values: \"RequestReceived\", "
		       "\"ResponseStarted\", \"ResponseComplete\", \"Panic\"");
	expect_invalid(HEAD "omitStages: [Never]\nrules: [{level: None}]\n",
		       "omitStages[0]: Unsupported value: \"Never\": "
		       "supported values: \"RequestReceived\", "
		       "\"ResponseStarted\", \"ResponseComplete\", \"Panic\"");
	expect_invalid(HEAD "rules: []\n",
		       "loaded illegal policy with 0 rules");
	expect_invalid(HEAD "rules: [{level: None, nonResourceURLs: [/x], "
			    "resources: [{group: \"\"}]}]\n",
		       "rules[0].nonResourceURLs: Invalid value: rules cannot "
		       "apply to both regular resources and non-resource URLs");
	expect_invalid("apiVersion: v1\nkind: Pod\n",
		       "no kind \"Pod\" is registered for version \"v1\"");
}

static void test_matching(void **state)
{
	struct audit *a = make(
	    HEAD "rules:\n"
		 "- level: None\n  users: [system:kube-proxy]\n"
		 "- level: RequestResponse\n  userGroups: [auditors]\n"
		 "- level: Metadata\n"
		 "  resources: [{group: \"\", resources: [secrets]}]\n"
		 "- level: Request\n  verbs: [create]\n  namespaces: [prod]\n"
		 "- level: None\n  resources: [{group: \"\", resources: "
		 "[\"*/status\", \"pods/log\"]}]\n"
		 "- level: Metadata\n  resources: [{group: \"\", resources: "
		 "[configmaps], resourceNames: [cfg]}]\n"
		 "- level: None\n  nonResourceURLs: [/healthz, \"/api*\"]\n"
		 "- level: Request\n  resources: [{group: apps}]\n",
	    "/dev/null", 0, 0);
	static const char *const auditors[] = {"auditors"};
	struct audit_request r;

	(void)state;
	r = request("get", "secrets", "default", "db");
	assert_int_equal(audit_decide(a, &r), AUDIT_METADATA);
	r.user = "system:kube-proxy";
	assert_int_equal(audit_decide(a, &r), AUDIT_NONE);
	r.user = "bob";
	r.groups = auditors;
	r.ngroups = 1;
	assert_int_equal(audit_decide(a, &r), AUDIT_REQUEST_RESPONSE);
	r = request("create", "pods", "prod", "p");
	assert_int_equal(audit_decide(a, &r), AUDIT_REQUEST);
	r.ns = "dev";
	assert_int_equal(audit_decide(a, &r), AUDIT_NONE); /* no rule */
	r = request("update", "pods", "dev", "p");
	r.subresource = "status";
	assert_int_equal(audit_decide(a, &r), AUDIT_NONE);
	r.subresource = "log";
	assert_int_equal(audit_decide(a, &r), AUDIT_NONE);
	r = request("get", "configmaps", "dev", "cfg");
	assert_int_equal(audit_decide(a, &r), AUDIT_METADATA);
	r.name = "other";
	assert_int_equal(audit_decide(a, &r), AUDIT_NONE);
	r = request("get", NULL, NULL, NULL);
	r.path = "/apis/apps";
	assert_int_equal(audit_decide(a, &r), AUDIT_NONE);
	r.path = "/version";
	assert_int_equal(audit_decide(a, &r), AUDIT_NONE);
	r = request("list", "deployments", "dev", NULL);
	r.api_group = "apps";
	assert_int_equal(audit_decide(a, &r), AUDIT_REQUEST);
	assert_int_equal(audit_decide(NULL, &r), AUDIT_NONE);
	audit_free(a);
}

/* The lines of path, parsed. */
static json_t *read_lines(const char *path)
{
	json_t *lines = json_array();
	char buf[65536];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		json_t *e = json_loads(buf, 0, NULL);

		assert_non_null(e);
		json_array_append_new(lines, e);
	}
	fclose(f);
	return lines;
}

static const char *str_at(const json_t *e, const char *a, const char *b)
{
	const json_t *v = json_object_get(e, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

static void test_events(void **state)
{
	char dir[] = "/tmp/kubefs-audit-test.XXXXXX", path[64];
	struct audit *a;
	struct audit_request r;
	json_t *lines, *e,
	    *body = json_pack("{s:{s:s}}", "data", "password", "aHVudGVyMg==");

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	a = make(HEAD "rules:\n"
		      "- level: Metadata\n"
		      "  resources: [{group: \"\", resources: [secrets]}]\n"
		      "- level: RequestResponse\n"
		      "  omitStages: [RequestReceived]\n",
		 path, 0, 0);
	/* a Secret written at Metadata: no body logged */
	r = request("create", "secrets", "default", "db");
	r.code = audit_code("create", 0);
	r.request_object = body;
	assert_int_equal(audit_log(a, &r, audit_decide(a, &r)), 0);
	/* a refused get of a ConfigMap at RequestResponse */
	r = request("get", "configmaps", "default", "c");
	r.user = "ev\"il\\\x01"; /* escaped in the line */
	r.code = audit_code("get", -EACCES);
	r.allowed = false;
	r.response_object = body;
	assert_int_equal(audit_log(a, &r, audit_decide(a, &r)), 0);
	audit_free(a);

	lines = read_lines(path);
	assert_int_equal(json_array_size(lines), 3);
	e = json_array_get(lines, 0);
	assert_string_equal(str_at(e, "kind", NULL), "Event");
	assert_string_equal(str_at(e, "apiVersion", NULL), "audit.k8s.io/v1");
	assert_string_equal(str_at(e, "stage", NULL), "RequestReceived");
	assert_null(json_object_get(e, "responseStatus"));
	e = json_array_get(lines, 1);
	assert_string_equal(str_at(e, "stage", NULL), "ResponseComplete");
	assert_string_equal(str_at(e, "auditID", NULL),
			    str_at(json_array_get(lines, 0), "auditID", NULL));
	assert_string_equal(str_at(e, "level", NULL), "Metadata");
	assert_string_equal(str_at(e, "verb", NULL), "create");
	assert_string_equal(str_at(e, "user", "username"), "alice");
	assert_string_equal(
	    json_string_value(json_array_get(
		json_object_get(json_object_get(e, "user"), "groups"), 0)),
	    "dev");
	assert_string_equal(str_at(e, "objectRef", "resource"), "secrets");
	assert_string_equal(str_at(e, "objectRef", "namespace"), "default");
	assert_string_equal(str_at(e, "objectRef", "name"), "db");
	assert_string_equal(str_at(e, "objectRef", "apiVersion"), "v1");
	assert_string_equal(str_at(e, "requestURI", NULL),
			    "/api/v1/namespaces/default/secrets/db");
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(e, "responseStatus"), "code")),
			 201);
	assert_null(json_object_get(e, "requestObject"));
	assert_non_null(str_at(e, "requestReceivedTimestamp", NULL));
	assert_int_equal(strlen(str_at(e, "stageTimestamp", NULL)),
			 strlen("2026-01-02T03:04:05.000000Z"));
	/* RequestReceived omitted by the rule; bodies at its level */
	e = json_array_get(lines, 2);
	assert_string_equal(str_at(e, "stage", NULL), "ResponseComplete");
	assert_string_equal(str_at(e, "level", NULL), "RequestResponse");
	assert_string_equal(str_at(e, "user", "username"), "ev\"il\\\x01");
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(e, "responseStatus"), "code")),
			 403);
	assert_string_equal(
	    str_at(e, "annotations", "authorization.k8s.io/decision"),
	    "forbid");
	assert_non_null(json_object_get(e, "responseObject"));
	assert_string_not_equal(
	    str_at(e, "auditID", NULL),
	    str_at(json_array_get(lines, 1), "auditID", NULL));
	json_decref(lines);
	json_decref(body);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

static size_t count_backups(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "audit-", 6) &&
		    strstr(de->d_name, ".log"))
			n++;
	closedir(d);
	return n;
}

static void remove_all(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
}

static void test_rotation(void **state)
{
	char dir[] = "/tmp/kubefs-audit-test.XXXXXX", path[64];
	struct audit *a;
	struct audit_request r = request("get", "pods", "default", "p");
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	a = make(HEAD "rules: [{level: Metadata}]\n", path, 1, 2);
	/* ~800 bytes an event pair: 1 MiB every ~1,300 requests */
	for (int i = 0; i < 5000; i++)
		assert_int_equal(audit_log(a, &r, AUDIT_METADATA), 0);
	audit_free(a);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 1 << 20);
	/* three rotations happened; the two newest backups are kept */
	assert_int_equal(count_backups(dir), 2);
	remove_all(dir);
}

static void test_codes(void **state)
{
	(void)state;
	assert_int_equal(audit_code("create", 0), 201);
	assert_int_equal(audit_code("update", 0), 200);
	assert_int_equal(audit_code("get", -EACCES), 403);
	assert_int_equal(audit_code("get", -ENOENT), 404);
	assert_int_equal(audit_code("create", -EEXIST), 409);
	assert_int_equal(audit_code("update", -ESTALE), 409);
	assert_int_equal(audit_code("create", -EINVAL), 422);
	assert_int_equal(audit_code("get", -EIO), 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_validation), cmocka_unit_test(test_matching),
	    cmocka_unit_test(test_events),     cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
