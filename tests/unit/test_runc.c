/*
 * Unit tests for the runc backend's pure parts: the OCI spec of a
 * container (process, user, capabilities, resources, security, mounts,
 * the refusals), the seccomp profile, CRI log text, the probes' timing
 * and a real tcpSocket probe on loopback, SHA-256, and pod status with
 * waiting reasons and last states.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "nodeagent/logserver.h"
#include "nodeagent/ocispec.h"
#include "nodeagent/podstatus.h"
#include "nodeagent/probe.h"
#include "nodeagent/sha256.h"
#include "nodeagent/volume.h"

static json_t *yaml_json(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	if (!v)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return v;
}

struct spec_case {
	json_t *pod, *ctr, *img;
	struct ocispec_input in;
};

static void spec_case_init(struct spec_case *c, const char *pod,
			   const char *ctr, const char *img)
{
	c->pod = yaml_json(pod);
	c->ctr = yaml_json(ctr);
	c->img = img ? yaml_json(img) : NULL;
	memset(&c->in, 0, sizeof(c->in));
	c->in.pod = c->pod;
	c->in.container = c->ctr;
	c->in.image_config = c->img;
	c->in.rootfs = "/b/rootfs";
	c->in.netns = "/b/netns";
	c->in.cgroups_path = "/kubefs-x/kubepods/burstable/podu/c";
	c->in.pod_ip = "10.1.0.5";
	c->in.host_ip = "192.0.2.1";
}

static void spec_case_release(struct spec_case *c)
{
	json_decref(c->pod);
	json_decref(c->ctr);
	json_decref(c->img);
}

#define POD                                                                    \
	"{\"metadata\": {\"name\": \"web\", \"namespace\": \"ns1\", \"uid\": " \
	"\"u1\"}, \"spec\": {\"nodeName\": \"n1\"}, \"status\": "              \
	"{\"qosClass\": \"Burstable\"}}"

/* The value at a dotted path ("process.args.0"), or NULL. */
static const json_t *at(const json_t *o, const char *path)
{
	char buf[256], *save = NULL, *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, ".", &save); p && o;
	     p = strtok_r(NULL, ".", &save))
		o = json_is_array(o) ? json_array_get(o, (size_t)atoi(p))
				     : json_object_get(o, p);
	return o;
}

static const char *jstr_at(const json_t *o, const char *path)
{
	return json_string_value(at(o, path));
}

static json_int_t jint_at(const json_t *o, const char *path)
{
	return json_integer_value(at(o, path));
}

static bool has_string(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach (arr, i, v)
		if (json_string_value(v) && !strcmp(json_string_value(v), s))
			return true;
	return false;
}

static void test_args_rules(void **state)
{
	_cleanup_json_ json_t *img =
	    yaml_json("{\"Entrypoint\": [\"/ep\"], \"Cmd\": [\"c1\", \"c2\"]}");
	const char *cases[][2] = {
	    {"{}", "[\"/ep\", \"c1\", \"c2\"]"},
	    {"{\"args\": [\"a\"]}", "[\"/ep\", \"a\"]"},
	    {"{\"command\": [\"/x\"]}", "[\"/x\"]"},
	    {"{\"command\": [\"/x\"], \"args\": [\"a\"]}", "[\"/x\", \"a\"]"},
	};
	struct kf_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		_cleanup_json_ json_t *c = yaml_json(cases[i][0]);
		_cleanup_json_ json_t *want = yaml_json(cases[i][1]);
		_cleanup_json_ json_t *got = NULL;

		assert_int_equal(ocispec_args(c, img, &err, &got), 0);
		assert_true(json_equal(got, want));
	}
	{
		_cleanup_json_ json_t *c = yaml_json("{}");
		json_t *got = NULL;

		kf_error_init(&err);
		assert_int_equal(ocispec_args(c, NULL, &err, &got), -EINVAL);
		assert_string_equal(err.msg, "no command specified");
	}
}

static void test_spec_basics(void **state)
{
	struct spec_case c;
	_cleanup_json_ json_t *spec = NULL;
	struct kf_error err;
	const json_t *env, *caps;

	(void)state;
	spec_case_init(
	    &c, POD,
	    "{\"name\": \"c\", \"image\": \"busybox\", \"command\": [\"sh\"],"
	    " \"workingDir\": \"/w\", \"env\": [{\"name\": \"A\", \"value\": "
	    "\"1\"}, {\"name\": \"P\", \"valueFrom\": {\"fieldRef\": "
	    "{\"fieldPath\": \"status.podIP\"}}}, {\"name\": \"PATH\", "
	    "\"value\": \"/bin\"}], \"resources\": {\"limits\": {\"memory\": "
	    "\"64Mi\", \"cpu\": \"500m\"}, \"requests\": {\"cpu\": \"250m\"}}}",
	    "{\"Env\": [\"PATH=/usr/bin\", \"B=2\"], \"User\": \"1000:1001\"}");
	kf_error_init(&err);
	assert_int_equal(ocispec_build(&c.in, &err, &spec), 0);
	assert_string_equal(jstr_at(spec, "process.cwd"), "/w");
	assert_string_equal(jstr_at(spec, "process.args.0"), "sh");
	env = json_object_get(json_object_get(spec, "process"), "env");
	assert_true(has_string(env, "PATH=/bin")); /* the container's wins */
	assert_true(has_string(env, "B=2"));
	assert_true(has_string(env, "A=1"));
	assert_true(has_string(env, "P=10.1.0.5"));
	assert_true(has_string(env, "HOSTNAME=web"));
	assert_int_equal(jint_at(spec, "process.user.uid"), 1000);
	assert_int_equal(jint_at(spec, "process.user.gid"), 1001);
	assert_true(json_is_true(json_object_get(
	    json_object_get(spec, "process"), "noNewPrivileges")));
	caps = json_object_get(
	    json_object_get(json_object_get(spec, "process"), "capabilities"),
	    "bounding");
	assert_int_equal(json_array_size(caps), 14);
	assert_true(has_string(caps, "CAP_NET_BIND_SERVICE"));
	assert_false(has_string(caps, "CAP_SYS_ADMIN"));
	assert_int_equal(jint_at(spec, "linux.resources.memory.limit"),
			 64 << 20);
	assert_int_equal(jint_at(spec, "linux.resources.cpu.quota"), 50000);
	assert_int_equal(jint_at(spec, "linux.resources.cpu.period"), 100000);
	assert_int_equal(jint_at(spec, "linux.resources.cpu.shares"), 256);
	assert_int_equal(jint_at(spec, "linux.resources.pids.limit"),
			 OCISPEC_DEFAULT_PIDS_LIMIT);
	assert_string_equal(jstr_at(spec, "linux.namespaces.4.path"),
			    "/b/netns");
	assert_string_equal(jstr_at(spec, "linux.cgroupsPath"),
			    "/kubefs-x/kubepods/burstable/podu/c");
	assert_true(has_string(
	    json_object_get(json_object_get(spec, "linux"), "maskedPaths"),
	    "/proc/kcore"));
	assert_true(has_string(
	    json_object_get(json_object_get(spec, "linux"), "readonlyPaths"),
	    "/proc/sys"));
	assert_string_equal(jstr_at(spec, "linux.seccomp.defaultAction"),
			    "SCMP_ACT_ERRNO");
	assert_string_equal(jstr_at(spec, "hostname"), "web");
	spec_case_release(&c);
}

static void test_spec_security(void **state)
{
	struct spec_case c;
	_cleanup_json_ json_t *spec = NULL;
	struct kf_error err;
	const json_t *caps;

	(void)state;
	spec_case_init(
	    &c, POD,
	    "{\"name\": \"c\", \"command\": [\"sh\"], \"securityContext\": "
	    "{\"runAsUser\": 7, \"readOnlyRootFilesystem\": true, "
	    "\"allowPrivilegeEscalation\": true, \"capabilities\": {\"drop\":"
	    " [\"ALL\"], \"add\": [\"NET_ADMIN\"]}, \"seccompProfile\": "
	    "{\"type\": \"Unconfined\"}}}",
	    NULL);
	kf_error_init(&err);
	assert_int_equal(ocispec_build(&c.in, &err, &spec), 0);
	assert_int_equal(jint_at(spec, "process.user.uid"), 7);
	assert_true(json_is_true(
	    json_object_get(json_object_get(spec, "root"), "readonly")));
	assert_false(json_is_true(json_object_get(
	    json_object_get(spec, "process"), "noNewPrivileges")));
	caps = json_object_get(
	    json_object_get(json_object_get(spec, "process"), "capabilities"),
	    "effective");
	assert_int_equal(json_array_size(caps), 1);
	assert_string_equal(json_string_value(json_array_get(caps, 0)),
			    "CAP_NET_ADMIN");
	assert_null(json_object_get(json_object_get(spec, "linux"), "seccomp"));
	spec_case_release(&c);
}

static void test_spec_refusals(void **state)
{
	const char *ctrs[][2] = {
	    {"{\"name\": \"c\", \"command\": [\"sh\"], \"securityContext\": "
	     "{\"runAsNonRoot\": true}}",
	     "container has runAsNonRoot and image will run as root (pod: "
	     "\"web_ns1(u1)\", container: c)"},
	    {"{\"name\": \"c\", \"command\": [\"sh\"], \"securityContext\": "
	     "{\"capabilities\": {\"add\": [\"NOPE\"]}}}",
	     "unknown capability \"NOPE\""},
	    {"{\"name\": \"c\", \"command\": [\"sh\"], \"securityContext\": "
	     "{\"privileged\": true}}",
	     "privileged containers are not allowed on this node "
	     "(kubefs-node --allow-privileged)"},
	    {"{\"name\": \"c\", \"command\": [\"sh\"], \"securityContext\": "
	     "{\"seccompProfile\": {\"type\": \"Localhost\", "
	     "\"localhostProfile\": \"../x\"}}}",
	     "localhost seccomp profile \"../x\" is not usable"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ctrs) / sizeof(*ctrs); i++) {
		struct spec_case c;
		json_t *spec = NULL;
		struct kf_error err;

		spec_case_init(&c, POD, ctrs[i][0], NULL);
		kf_error_init(&err);
		assert_true(ocispec_build(&c.in, &err, &spec) < 0);
		assert_null(spec);
		assert_string_equal(err.msg, ctrs[i][1]);
		spec_case_release(&c);
	}
}

static void test_spec_privileged_allowed(void **state)
{
	struct spec_case c;
	_cleanup_json_ json_t *spec = NULL;
	struct kf_error err;

	(void)state;
	spec_case_init(&c, POD,
		       "{\"name\": \"c\", \"command\": [\"sh\"], "
		       "\"securityContext\": {\"privileged\": true}}",
		       NULL);
	c.in.allow_privileged = true;
	c.in.netns = NULL; /* and on the host's network */
	kf_error_init(&err);
	assert_int_equal(ocispec_build(&c.in, &err, &spec), 0);
	assert_true(json_array_size(json_object_get(
			json_object_get(json_object_get(spec, "process"),
					"capabilities"),
			"bounding")) > 30);
	assert_null(
	    json_object_get(json_object_get(spec, "linux"), "maskedPaths"));
	assert_int_equal(json_array_size(json_object_get(
			     json_object_get(spec, "linux"), "namespaces")),
			 4);
	spec_case_release(&c);
}

static void test_seccomp_default(void **state)
{
	_cleanup_json_ json_t *p = ocispec_seccomp_default();
	const json_t *names;

	(void)state;
	assert_non_null(p);
	names = json_object_get(
	    json_array_get(json_object_get(p, "syscalls"), 0), "names");
	assert_true(json_array_size(names) > 250);
	assert_true(has_string(names, "read"));
	assert_true(has_string(names, "clone"));
	assert_false(has_string(names, "mount"));
	assert_false(has_string(names, "kexec_load"));
}

static void test_cri_text(void **state)
{
	const char *log = "2024-01-01T00:00:00.1Z stdout F one\n"
			  "2024-01-01T00:00:00.2Z stderr P tw\n"
			  "2024-01-01T00:00:00.3Z stderr F o\n"
			  "2024-01-01T00:00:00.4Z stdout F three\n";
	char *t;
	size_t n;

	(void)state;
	assert_int_equal(logserver_cri_text(log, -1, 0, &t, &n), 0);
	assert_string_equal(t, "one\ntwo\nthree\n");
	assert_int_equal(n, strlen(t));
	free(t);
	assert_int_equal(logserver_cri_text(log, 1, 0, &t, &n), 0);
	assert_string_equal(t, "three\n");
	free(t);
	assert_int_equal(logserver_cri_text(log, 2, 0, &t, &n), 0);
	assert_string_equal(t, "two\nthree\n");
	free(t);
	assert_int_equal(logserver_cri_text(log, 0, 0, &t, &n), 0);
	assert_string_equal(t, "");
	free(t);
	assert_int_equal(logserver_cri_text(log, 9, 0, &t, &n), 0);
	assert_string_equal(t, "one\ntwo\nthree\n");
	free(t);
	assert_int_equal(logserver_cri_text(log, 1, 1, &t, &n), 0);
	assert_string_equal(t, "2024-01-01T00:00:00.4Z three\n");
	free(t);
}

static void test_probe_timing(void **state)
{
	/* a tcpSocket probe on a port nothing listens on fails at once */
	_cleanup_json_ json_t *probe = yaml_json(
	    "{\"tcpSocket\": {\"port\": 1}, \"initialDelaySeconds\": 2, "
	    "\"periodSeconds\": 5, \"failureThreshold\": 2}");
	struct probe_target t = {"127.0.0.1", NULL, NULL, NULL, NULL, false};
	struct probe_state s;
	char msg[PROBE_MSG_MAX];

	(void)state;
	probe_state_init(&s, 1000);
	assert_int_equal(probe_tick(probe, &t, &s, 2000, msg), 0); /* delay */
	assert_int_equal(probe_tick(probe, &t, &s, 3000, msg), -1);
	assert_string_equal(
	    msg, "dial tcp 127.0.0.1:1: connect: connection refused");
	assert_int_equal(s.result, PROBE_PENDING); /* 1 of 2 failures */
	assert_int_equal(probe_tick(probe, &t, &s, 7000, msg), 0); /* period */
	assert_int_equal(probe_tick(probe, &t, &s, 8000, msg), -1);
	assert_int_equal(s.result, PROBE_FAILURE);
}

static void test_probe_tcp_success(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	char json[128], msg[PROBE_MSG_MAX];
	struct probe_target t = {"127.0.0.1", NULL, NULL, NULL, NULL, false};
	json_t *probe;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	snprintf(json, sizeof(json), "{\"tcpSocket\": {\"port\": %d}}",
		 ntohs(sa.sin_port));
	probe = yaml_json(json);
	assert_int_equal(probe_run(probe, &t, msg), 0);
	json_decref(probe);
	close(fd);
}

static void test_sha256(void **state)
{
	const char *cases[][2] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852"
		 "b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2"
		    "0015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c"
	     "1"},
	};
	char hex[SHA256_HEX + 1];
	struct sha256 s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		sha256_init(&s);
		/* byte by byte: the block boundaries are crossed */
		for (const char *p = cases[i][0]; *p; p++)
			sha256_update(&s, p, 1);
		sha256_final_hex(&s, hex);
		assert_string_equal(hex, cases[i][1]);
	}
}

static void test_status_waiting_and_last(void **state)
{
	_cleanup_json_ json_t *pod = yaml_json(
	    "{\"metadata\": {\"name\": \"p\", \"namespace\": \"d\", \"uid\": "
	    "\"u\"}, \"spec\": {\"containers\": [{\"name\": \"c\", \"image\":"
	    " \"busybox\"}]}, \"status\": {\"phase\": \"Pending\"}}");
	struct runtime_container_status c = {
	    .name = "c",
	    .image = "docker.io/library/busybox:latest",
	    .state = RUNTIME_CREATED,
	    .waiting_reason = "CrashLoopBackOff",
	    .message = "back-off 10s restarting failed container=c pod=p_d(u)",
	    .restart_count = 1,
	    .has_last = true,
	    .last_exit_code = 3,
	    .last_reason = "Error",
	    .last_container_id = "runc://x-c-0",
	};
	struct runtime_pod_status rs = {.ip = "10.1.0.9",
					.sandbox_ready = true,
					.containers = &c,
					.n_containers = 1};
	struct timespec now = {1700000000, 0};
	struct podstatus_input in = {pod, &rs, "192.0.2.1", false, &now};
	_cleanup_json_ json_t *st = NULL;

	(void)state;
	assert_int_equal(podstatus_build(&in, &st), 0);
	assert_string_equal(jstr_at(st, "phase"), "Running");
	assert_string_equal(
	    jstr_at(st, "containerStatuses.0.state.waiting.reason"),
	    "CrashLoopBackOff");
	assert_string_equal(
	    jstr_at(st, "containerStatuses.0.state.waiting.message"),
	    "back-off 10s restarting failed container=c pod=p_d(u)");
	assert_int_equal(
	    jint_at(st, "containerStatuses.0.lastState.terminated.exitCode"),
	    3);
	assert_string_equal(
	    jstr_at(st, "containerStatuses.0.lastState.terminated.reason"),
	    "Error");
	assert_int_equal(jint_at(st, "containerStatuses.0.restartCount"), 1);
}

/* A tiny cluster for volume.c: one ConfigMap, one Secret, Services. */
static int fake_get(void *ud, const char *kind, const char *ns,
		    const char *name, json_t **ret)
{
	(void)ud;
	if (!strcmp(kind, "configmaps") && !strcmp(name, "cm"))
		*ret = yaml_json("{\"data\": {\"k\": \"v\", \"a-b\": \"c\"}}");
	else if (!strcmp(kind, "secrets") && !strcmp(name, "s"))
		*ret = yaml_json("{\"data\": {\"pw\": \"czNjcmV0\"}}");
	else if (!strcmp(kind, "services") && !strcmp(ns, "default") &&
		 !strcmp(name, "kubernetes"))
		*ret = yaml_json(
		    "{\"metadata\": {\"name\": \"kubernetes\"}, \"spec\": "
		    "{\"clusterIP\": \"10.96.0.1\", \"ports\": [{\"name\": "
		    "\"https\", \"port\": 443}]}}");
	else
		return -ENOENT;
	return 0;
}

static int fake_list(void *ud, const char *kind, const char *ns, json_t **ret)
{
	(void)ud;
	(void)kind;
	(void)ns;
	*ret = yaml_json(
	    "[{\"metadata\": {\"name\": \"web-svc\"}, \"spec\": "
	    "{\"clusterIP\": \"10.96.0.12\", \"ports\": [{\"name\": "
	    "\"http\", \"port\": 80, \"protocol\": \"TCP\"}, {\"port\": "
	    "53, \"protocol\": \"UDP\"}]}}, {\"metadata\": {\"name\": "
	    "\"headless\"}, \"spec\": {\"clusterIP\": \"None\", \"ports\": "
	    "[{\"port\": 1}]}}]");
	return 0;
}

static void test_env_from_objects(void **state)
{
	struct volume_ctx v = {fake_get, NULL, false, fake_list};
	_cleanup_json_ json_t *pod = yaml_json(POD);
	_cleanup_json_ json_t *env = NULL, *svc = NULL;
	_cleanup_json_ json_t *c = yaml_json(
	    "{\"envFrom\": [{\"configMapRef\": {\"name\": \"cm\"}, "
	    "\"prefix\": \"P_\"}], \"env\": [{\"name\": \"PW\", "
	    "\"valueFrom\": {\"secretKeyRef\": {\"name\": \"s\", \"key\":"
	    " \"pw\"}}}, {\"name\": \"O\", \"valueFrom\": "
	    "{\"configMapKeyRef\": {\"name\": \"nope\", \"key\": \"x\", "
	    "\"optional\": true}}}]}");
	_cleanup_json_ json_t *bad =
	    yaml_json("{\"env\": [{\"name\": \"X\", \"valueFrom\": "
		      "{\"configMapKeyRef\": {\"name\": \"cm\", \"key\": "
		      "\"missing\"}}}]}");
	json_t *none = NULL;
	struct kf_error err;

	(void)state;
	kf_error_init(&err);
	assert_int_equal(volume_env(&v, pod, c, &err, &env), 0);
	assert_true(has_string(env, "P_k=v"));
	assert_true(has_string(env, "P_a-b=c"));
	assert_true(has_string(env, "PW=s3cret"));
	assert_int_equal(json_array_size(env), 3);
	assert_int_equal(volume_env(&v, pod, bad, &err, &none), -ENOENT);
	assert_string_equal(err.msg,
			    "couldn't find key missing in ConfigMap ns1/cm");
	assert_int_equal(volume_service_env(&v, pod, &svc), 0);
	assert_true(has_string(svc, "KUBERNETES_SERVICE_HOST=10.96.0.1"));
	assert_true(has_string(svc, "KUBERNETES_SERVICE_PORT_HTTPS=443"));
	assert_true(has_string(svc, "WEB_SVC_SERVICE_HOST=10.96.0.12"));
	assert_true(has_string(svc, "WEB_SVC_SERVICE_PORT=80"));
	assert_true(has_string(svc, "WEB_SVC_PORT=tcp://10.96.0.12:80"));
	assert_true(has_string(svc, "WEB_SVC_PORT_80_TCP_PROTO=tcp"));
	assert_true(has_string(svc, "WEB_SVC_PORT_53_UDP=udp://10.96.0.12:53"));
	assert_true(has_string(svc, "WEB_SVC_PORT_53_UDP_ADDR=10.96.0.12"));
	for (size_t i = 0; i < json_array_size(svc); i++)
		assert_null(strstr(json_string_value(json_array_get(svc, i)),
				   "HEADLESS"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_args_rules),
	    cmocka_unit_test(test_spec_basics),
	    cmocka_unit_test(test_spec_security),
	    cmocka_unit_test(test_spec_refusals),
	    cmocka_unit_test(test_spec_privileged_allowed),
	    cmocka_unit_test(test_seccomp_default),
	    cmocka_unit_test(test_cri_text),
	    cmocka_unit_test(test_probe_timing),
	    cmocka_unit_test(test_probe_tcp_success),
	    cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_status_waiting_and_last),
	    cmocka_unit_test(test_env_from_objects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
