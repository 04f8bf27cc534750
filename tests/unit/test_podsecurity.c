/*
 * test_podsecurity.c — the Pod Security Standards' checks
 * (api/podsecurity.h) with Kubernetes' exact wording and order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "api/podsecurity.h"

static void expect(const char *yaml, enum psa_level level, size_t n,
		   const char *want)
{
	_cleanup_json_ json_t *spec = NULL;
	struct kf_error err;
	char buf[2048];
	size_t got;

	if (codec_decode_one(yaml, strlen(yaml), NULL, &err, &spec) < 0)
		fail_msg("bad test YAML: %s", err.msg);
	got = psa_check(spec, level, buf, sizeof(buf));
	if (got != n || strcmp(buf, want))
		fail_msg("want %zu \"%s\"\n got %zu \"%s\"", n, want, got, buf);
}

#define BARE "containers: [{name: c, image: i}]\n"

static void test_levels(void **state)
{
	enum psa_level l;

	(void)state;
	assert_int_equal(psa_level_parse("restricted", &l), 0);
	assert_int_equal(l, PSA_RESTRICTED);
	assert_int_equal(psa_level_parse("Baseline", &l), -EINVAL);
	assert_int_equal(psa_level_parse(NULL, &l), -EINVAL);
	expect(BARE, PSA_BASELINE, 0, "");
	expect("containers: [{name: c, image: i, securityContext: "
	       "{privileged: true}}]\n",
	       PSA_PRIVILEGED, 0, "");
}

static void test_restricted_bare(void **state)
{
	(void)state;
	expect(BARE, PSA_RESTRICTED, 4,
	       "allowPrivilegeEscalation != false (container \"c\" must set "
	       "securityContext.allowPrivilegeEscalation=false), unrestricted "
	       "capabilities (container \"c\" must set "
	       "securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != "
	       "true (pod or container \"c\" must set "
	       "securityContext.runAsNonRoot=true), seccompProfile (pod or "
	       "container \"c\" must set securityContext.seccompProfile.type "
	       "to \"RuntimeDefault\" or \"Localhost\")");
	expect("initContainers: [{name: copy, image: i}]\n"
	       "containers: [{name: gather, image: i}]\n",
	       PSA_RESTRICTED, 4,
	       "allowPrivilegeEscalation != false (containers \"copy\", "
	       "\"gather\" must set "
	       "securityContext.allowPrivilegeEscalation=false), unrestricted "
	       "capabilities (containers \"copy\", \"gather\" must set "
	       "securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != "
	       "true (pod or containers \"copy\", \"gather\" must set "
	       "securityContext.runAsNonRoot=true), seccompProfile (pod or "
	       "containers \"copy\", \"gather\" must set "
	       "securityContext.seccompProfile.type to \"RuntimeDefault\" or "
	       "\"Localhost\")");
}

static void test_restricted_ok(void **state)
{
	(void)state;
	expect("securityContext: {runAsNonRoot: true, seccompProfile: {type: "
	       "RuntimeDefault}}\n"
	       "containers: [{name: c, image: i, securityContext: "
	       "{allowPrivilegeEscalation: false, capabilities: {drop: [ALL], "
	       "add: [NET_BIND_SERVICE]}}}]\n"
	       "volumes: [{name: v, emptyDir: {}}, {name: s, secret: "
	       "{secretName: x}}]\n",
	       PSA_RESTRICTED, 0, "");
}

static void test_baseline(void **state)
{
	(void)state;
	expect(
	    "hostNetwork: true\nhostPID: true\n"
	    "containers: [{name: a, image: i, securityContext: "
	    "{privileged: true, capabilities: {add: [NET_ADMIN, CHOWN]}}, "
	    "ports: [{containerPort: 80, hostPort: 80}]}, {name: b, image: "
	    "i, ports: [{containerPort: 443, hostPort: 8443}]}]\n"
	    "volumes: [{name: h, hostPath: {path: /}}]\n",
	    PSA_BASELINE, 5,
	    "non-default capabilities (container \"a\" must not include "
	    "\"NET_ADMIN\" in securityContext.capabilities.add), host "
	    "namespaces (hostNetwork=true, hostPID=true), hostPath volumes "
	    "(volume \"h\"), hostPort (containers \"a\", \"b\" use hostPorts "
	    "80, 8443), privileged (container \"a\" must not set "
	    "securityContext.privileged=true)");
}

static void test_restricted_privileged(void **state)
{
	(void)state;
	expect("securityContext: {runAsUser: 0}\n"
	       "containers: [{name: c, image: i, securityContext: "
	       "{privileged: true, runAsNonRoot: false, seccompProfile: "
	       "{type: Unconfined}}}]\n"
	       "volumes: [{name: h, hostPath: {path: /}}]\n",
	       PSA_RESTRICTED, 8,
	       "hostPath volumes (volume \"h\"), privileged (container \"c\" "
	       "must not set securityContext.privileged=true), "
	       "allowPrivilegeEscalation != false (container \"c\" must set "
	       "securityContext.allowPrivilegeEscalation=false), unrestricted "
	       "capabilities (container \"c\" must set "
	       "securityContext.capabilities.drop=[\"ALL\"]), restricted "
	       "volume types (volume \"h\" uses restricted volume type "
	       "\"hostPath\"), runAsNonRoot != true (container \"c\" must not "
	       "set securityContext.runAsNonRoot=false), runAsUser=0 (pod must "
	       "not set runAsUser=0), seccompProfile (container \"c\" must not "
	       "set securityContext.seccompProfile.type to \"Unconfined\")");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_levels),
	    cmocka_unit_test(test_restricted_bare),
	    cmocka_unit_test(test_restricted_ok),
	    cmocka_unit_test(test_baseline),
	    cmocka_unit_test(test_restricted_privileged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
