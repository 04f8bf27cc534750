/*
 * Unit tests for nodeagent/pullsecret.c: which credentials of a pod's
 * imagePullSecrets apply to a registry (hosts with schemes and paths,
 * Docker Hub's names, "auth" over username/password, the legacy
 * .dockercfg, Secrets that are missing or not registry Secrets).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "nodeagent/pullsecret.h"

/* the test configs, in base64 */
/* {"auths":{"http://127.0.0.1:5000/v2/":{"auth":"a2Y6czNjcmV0"},
 *  "other:1":{"username":"x","password":"y"}}} */
#define CFG_LOCAL                                                              \
	"eyJhdXRocyI6eyJodHRwOi8vMTI3LjAuMC4xOjUwMDAvdjIvIjp7ImF1dGgiOiJh"     \
	"Mlk2Y3pOamNtVjAifSwib3RoZXI6MSI6eyJ1c2VybmFtZSI6IngiLCJwYXNzd29y"     \
	"ZCI6InkifX19"
/* {"https://index.docker.io/v1/":{"username":"u","password":"p:q"}} */
#define CFG_HUB                                                                \
	"eyJodHRwczovL2luZGV4LmRvY2tlci5pby92MS8iOnsidXNlcm5hbWUiOiJ1Iiwi"     \
	"cGFzc3dvcmQiOiJwOnEifX0="

/* The Secrets of the test "tree". */
static int get(void *ud, const char *kind, const char *ns, const char *name,
	       json_t **ret)
{
	(void)ud;
	assert_string_equal(kind, "secrets");
	assert_string_equal(ns, "team");
	if (!strcmp(name, "local"))
		*ret = json_pack("{s:{s:s}}", "data", ".dockerconfigjson",
				 CFG_LOCAL);
	else if (!strcmp(name, "hub"))
		*ret = json_pack("{s:{s:s}}", "data", ".dockercfg", CFG_HUB);
	else if (!strcmp(name, "opaque"))
		*ret = json_pack("{s:{s:s}}", "data", "k", "dg==");
	else
		return -ENOENT;
	return 0;
}

static json_t *pod_with(const char *secrets_json)
{
	json_t *p = json_loads(secrets_json, 0, NULL);

	assert_non_null(p);
	return json_pack("{s:{s:s}, s:{s:o}}", "metadata", "namespace", "team",
			 "spec", "imagePullSecrets", p);
}

static void test_match(void **state)
{
	struct volume_ctx v = {get, NULL, false, NULL};
	_cleanup_json_ json_t *pod = pod_with(
	    "[{\"name\":\"opaque\"},{\"name\":\"nosuch\"},{\"name\":\"hub\"},"
	    "{\"name\":\"local\"},{\"name\":\"gone\"}]");
	struct registry_cred *c = NULL;
	char missing[64];
	size_t n = 9;

	(void)state;
	assert_int_equal(pullsecret_creds(&v, pod, "127.0.0.1:5000", &c, &n,
					  missing, sizeof(missing)),
			 0);
	assert_int_equal(n, 1); /* the scheme and path cut; "auth" decoded */
	assert_string_equal(c[0].username, "kf");
	assert_string_equal(c[0].password, "s3cret");
	assert_string_equal(missing, "nosuch, gone");
	registry_creds_free(c, n);

	assert_int_equal(pullsecret_creds(&v, pod, "docker.io", &c, &n, missing,
					  sizeof(missing)),
			 0);
	assert_int_equal(n, 1); /* index.docker.io is docker.io */
	assert_string_equal(c[0].username, "u");
	assert_string_equal(c[0].password, "p:q");
	registry_creds_free(c, n);

	assert_int_equal(pullsecret_creds(&v, pod, "quay.io", &c, &n, missing,
					  sizeof(missing)),
			 0);
	assert_int_equal(n, 0);
	registry_creds_free(c, n);
}

static void test_none(void **state)
{
	struct volume_ctx v = {get, NULL, false, NULL};
	_cleanup_json_ json_t *pod = pod_with("[]");
	struct registry_cred *c = NULL;
	char missing[8] = "x";
	size_t n = 9;

	(void)state;
	assert_int_equal(pullsecret_creds(&v, pod, "127.0.0.1:5000", &c, &n,
					  missing, sizeof(missing)),
			 0);
	assert_int_equal(n, 0);
	assert_string_equal(missing, "");
	registry_creds_free(c, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
