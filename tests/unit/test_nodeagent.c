/*
 * Unit tests for the pure parts of nodeagent/: flags and durations, IPv4
 * pools, image references, the name map, admission, the Node and Lease
 * objects, pod statuses, the fake runtime, and telling a chroot from a
 * mount namespace's root. Objects built here are
 * also run through the API server's own admission (kind_admit()), so
 * what the agent writes is what kubefs-fs accepts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "api/kinds.h"
#include "client/client.h"
#include "nodeagent/admission.h"
#include "nodeagent/config.h"
#include "nodeagent/host.h"
#include "nodeagent/image.h"
#include "nodeagent/ipam.h"
#include "api/strmap.h"
#include "nodeagent/nodestatus.h"
#include "nodeagent/podstatus.h"
#include "nodeagent/runtime.h"

/* ---- helpers ---- */

static int parse(struct nodeagent_config *c, struct kf_error *err, ...)
{
	char *argv[32] = {"kubefs-node"};
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, err);
	while ((a = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = a;
	va_end(ap);
	kf_error_init(err);
	return nodeagent_config_parse(argc, argv, err, c);
}

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	if (!v)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return v;
}

static const char *sget(const json_t *obj, const char *path)
{
	char buf[256], *save = NULL, *tok;
	const json_t *v = obj;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v;
	     tok = strtok_r(NULL, ".", &save)) {
		char *end;
		long i = strtol(tok, &end, 10);

		v = *end ? json_object_get(v, tok)
			 : json_array_get(v, (size_t)i);
	}
	return json_string_value(v);
}

static const json_t *condition(const json_t *status, const char *type)
{
	size_t i;
	json_t *c;

	json_array_foreach (json_object_get(status, "conditions"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "type")),
			    type))
			return c;
	return NULL;
}

static void admit_ok(const char *resource, const char *group, json_t *obj)
{
	const struct kind_info *k = kinds_by_path(group, "v1", resource);
	struct kf_error err;

	assert_non_null(k);
	kf_error_init(&err);
	if (kind_admit(k, obj, NULL, &err) < 0)
		fail_msg("kind_admit refused it: %s", err.msg);
}

/* ---- config ---- */

static void test_config_defaults(void **state)
{
	struct nodeagent_config c;
	struct kf_error err;

	(void)state;
	assert_int_equal(parse(&c, &err, "--fake", "--name", "n1", NULL), 0);
	assert_true(c.fake);
	assert_string_equal(c.name, "n1");
	assert_int_equal(c.count, 0);
	assert_string_equal(c.cpu, "4");
	assert_string_equal(c.memory, "16Gi");
	assert_string_equal(c.pods, "110");
	assert_string_equal(c.ephemeral_storage, "100Gi");
	assert_string_equal(c.cluster_cidr, "10.244.0.0/14");
	assert_int_equal(c.node_cidr_mask, 24);
	assert_int_equal(c.start_delay_ms, 100);
	assert_int_equal(c.lease_duration_s, 40);
	assert_int_equal(c.status_report_ms, 5 * 60 * 1000);
	assert_int_equal(c.workers, NODEAGENT_DEFAULT_WORKERS);
	assert_null(c.cluster);
	assert_null(c.node_ip);
	assert_null(c.pod_cidr);
}

static void test_config_flags(void **state)
{
	struct nodeagent_config c;
	struct kf_error err;

	(void)state;
	assert_int_equal(parse(&c, &err, "--fake=true", "--count=50",
			       "--name-prefix", "kw-", "--cpu", "1000m",
			       "--memory=1024Mi", "--pods", "20",
			       "--start-delay", "1.5s", "--cluster", "/m",
			       "--node-lease-duration-seconds", "4",
			       "--node-status-report-frequency", "1m",
			       "--workers", "2", "--cluster-cidr", "10.0.0.0/8",
			       "--node-cidr-mask-size", "26", NULL),
			 0);
	assert_int_equal(c.count, 50);
	assert_string_equal(c.name_prefix, "kw-");
	/* quantities come out canonical */
	assert_string_equal(c.cpu, "1");
	assert_string_equal(c.memory, "1Gi");
	assert_string_equal(c.pods, "20");
	assert_int_equal(c.start_delay_ms, 1500);
	assert_string_equal(c.cluster, "/m");
	assert_int_equal(c.lease_duration_s, 4);
	assert_int_equal(c.status_report_ms, 60000);
	assert_int_equal(c.workers, 2);
	assert_int_equal(c.node_cidr_mask, 26);
	/* a sub-millisecond delay rounds up, never to 0 */
	assert_int_equal(parse(&c, &err, "--fake", "--name", "x",
			       "--start-delay", "10us", NULL),
			 0);
	assert_int_equal(c.start_delay_ms, 1);
	/* --version and --help skip the checks between flags */
	assert_int_equal(parse(&c, &err, "--version", NULL), 0);
	assert_true(c.show_version);
	assert_int_equal(parse(&c, &err, "-h", "--count", "3", NULL), 0);
	assert_true(c.show_help);
	/* without --fake the flags still parse: main refuses to run */
	assert_int_equal(parse(&c, &err, "--name", "n1", NULL), 0);
	assert_false(c.fake);
}

static void expect_error(const char *want, ...)
{
	char *argv[32] = {"kubefs-node"};
	struct nodeagent_config c;
	struct kf_error err;
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, want);
	while ((a = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = a;
	va_end(ap);
	kf_error_init(&err);
	if (nodeagent_config_parse(argc, argv, &err, &c) != -EINVAL)
		fail_msg("expected \"%s\", the flags were accepted", want);
	if (!strstr(err.msg, want))
		fail_msg("expected \"%s\" in \"%s\"", want, err.msg);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_error("unknown flag: --nope", "--nope", NULL);
	expect_error("unknown flag: --nope", "--nope=1", NULL);
	expect_error("flag needs an argument: --cpu", "--fake", "--cpu", NULL);
	expect_error("unexpected argument \"extra\"", "--fake", "extra", NULL);
	expect_error("invalid argument \"x\" for \"--cpu\" flag: "
		     "quantities must match",
		     "--cpu", "x", NULL);
	expect_error("invalid argument \"-1\" for \"--memory\" flag: must "
		     "be greater than or equal to 0",
		     "--memory", "-1", NULL);
	expect_error("invalid argument \"1.5\" for \"--pods\" flag: must be "
		     "an integer",
		     "--pods", "1.5", NULL);
	expect_error("invalid argument \"2\" for \"--start-delay\" flag: "
		     "time: missing unit in duration \"2\"",
		     "--start-delay", "2", NULL);
	expect_error("invalid argument \"abc\" for \"--count\" flag: "
		     "strconv.ParseInt: parsing \"abc\": invalid syntax",
		     "--count", "abc", NULL);
	expect_error("invalid argument \"0\" for \"--count\" flag: must be "
		     "between 1 and 100000",
		     "--count", "0", NULL);
	expect_error("invalid argument \"maybe\" for \"--fake\" flag",
		     "--fake=maybe", NULL);
	expect_error("invalid argument \"10.0.0\" for \"--node-ip\" flag",
		     "--node-ip", "10.0.0", NULL);
	expect_error("invalid argument \"10.0.0.0/33\" for \"--pod-cidr\"",
		     "--pod-cidr", "10.0.0.0/33", NULL);
	expect_error("must be between 16 and 30", "--node-cidr-mask-size", "31",
		     NULL);
	expect_error("--count requires --fake", "--count", "3", NULL);
	expect_error("--name and --count cannot be used together", "--fake",
		     "--count", "3", "--name", "a", NULL);
	expect_error("--name-prefix requires --count", "--fake",
		     "--name-prefix", "a-", NULL);
	expect_error("cannot be used with --count 2", "--fake", "--count", "2",
		     "--node-ip", "10.0.0.1", NULL);
	expect_error("Node \"Bad_Name\" is invalid: metadata.name: Invalid "
		     "value: \"Bad_Name\": a lowercase RFC 1123 subdomain",
		     "--fake", "--name", "Bad_Name", NULL);
	expect_error("must be no more than 63 characters", "--fake", "--name",
		     "a234567890123456789012345678901234567890123456789012345"
		     "678901234",
		     NULL);
	expect_error("node names must be no more than 63 characters", "--fake",
		     "--count", "10", "--name-prefix",
		     "a234567890123456789012345678901234567890123456789012345"
		     "6789012-",
		     NULL);
	expect_error("--node-cidr-mask-size 16 is shorter than the prefix of "
		     "--cluster-cidr 10.244.0.0/20",
		     "--fake", "--name", "n", "--cluster-cidr", "10.244.0.0/20",
		     "--node-cidr-mask-size", "16", NULL);
	expect_error("the prefix length must be between 16 and 30", "--fake",
		     "--name", "n", "--pod-cidr", "10.0.0.0/8", NULL);
	assert_non_null(strstr(nodeagent_config_usage(), "--start-delay"));
}

static void test_node_names(void **state)
{
	char buf[NODEAGENT_NAME_MAX + 1];
	struct kf_error err;

	(void)state;
	assert_int_equal(nodeagent_node_name("fake-", 0, buf), 0);
	assert_string_equal(buf, "fake-0");
	assert_int_equal(nodeagent_node_name("fake-", 99999, buf), 0);
	assert_string_equal(buf, "fake-99999");
	memset(buf, 0, sizeof(buf));
	assert_int_equal(
	    nodeagent_node_name("a23456789012345678901234567890123456789012345"
				"67890123456789012-",
				10, buf),
	    -ENAMETOOLONG);
	kf_error_init(&err);
	assert_int_equal(nodeagent_check_name("n1.example.com", &err), 0);
	assert_int_equal(nodeagent_check_name("", &err), -EINVAL);
	assert_int_equal(nodeagent_check_name("-a", &err), -EINVAL);
	assert_int_equal(nodeagent_check_name("a..b", &err), -EINVAL);
}

/* ---- ipam ---- */

static void test_ipam_parse(void **state)
{
	char buf[CIDR4_STRLEN], abuf[IPV4_STRLEN];
	struct cidr4 c;
	uint32_t a = 7;

	(void)state;
	assert_int_equal(ipv4_parse("10.244.1.2", &a), 0);
	assert_int_equal(a, 0x0af40102);
	assert_string_equal(ipv4_format(a, abuf), "10.244.1.2");
	a = 7;
	assert_int_equal(ipv4_parse("10.244.1", &a), -EINVAL);
	assert_int_equal(ipv4_parse("10.244.1.256", &a), -EINVAL);
	assert_int_equal(ipv4_parse("::1", &a), -EINVAL);
	assert_int_equal(ipv4_parse(NULL, &a), -EINVAL);
	assert_int_equal(a, 7);

	assert_int_equal(cidr4_parse("10.244.3.7/16", &c), 0);
	assert_string_equal(cidr4_format(&c, buf), "10.244.0.0/16");
	assert_int_equal(cidr4_parse("0.0.0.0/0", &c), 0);
	assert_int_equal(ipam_cidr_size(&c), 1ull << 32);
	assert_int_equal(cidr4_parse("10.0.0.0/32", &c), 0);
	assert_int_equal(cidr4_parse("10.0.0.0", &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/", &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/33", &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/08", &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/-1", &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/1x", &c), -EINVAL);
	assert_int_equal(cidr4_parse("/8", &c), -EINVAL);
	assert_int_equal(
	    cidr4_parse("1000000000000000000000000000.0.0.0/8", &c), -EINVAL);
}

static void test_ipam_subnets(void **state)
{
	char buf[CIDR4_STRLEN];
	struct cidr4 cluster, sub, other;
	uint64_t i;
	uint32_t a;

	(void)state;
	assert_int_equal(cidr4_parse("10.244.0.0/14", &cluster), 0);
	assert_int_equal(ipam_cidr_subnets(&cluster, 24), 1024);
	assert_int_equal(ipam_cidr_subnets(&cluster, 13), 0);
	assert_int_equal(ipam_cidr_subnet(&cluster, 24, 0, &sub), 0);
	assert_string_equal(cidr4_format(&sub, buf), "10.244.0.0/24");
	assert_int_equal(ipam_cidr_subnet(&cluster, 24, 1023, &sub), 0);
	assert_string_equal(cidr4_format(&sub, buf), "10.247.255.0/24");
	assert_int_equal(ipam_cidr_subnet(&cluster, 24, 1024, &sub), -ERANGE);
	assert_int_equal(ipam_cidr_subnet(&cluster, 12, 0, &sub), -EINVAL);
	assert_int_equal(ipam_cidr_subnet(&cluster, 24, 300, &sub), 0);
	assert_int_equal(ipam_cidr_subnet_index(&cluster, &sub, &i), 0);
	assert_int_equal(i, 300);
	assert_int_equal(cidr4_parse("10.248.0.0/24", &other), 0);
	assert_int_equal(ipam_cidr_subnet_index(&cluster, &other, &i), -ENOENT);
	assert_int_equal(cidr4_parse("10.0.0.0/8", &other), 0);
	assert_int_equal(ipam_cidr_subnet_index(&cluster, &other, &i), -ENOENT);
	assert_true(ipam_cidr_contains(&cluster, 0x0af70101));
	assert_false(ipam_cidr_contains(&cluster, 0x0af80101));
	assert_int_equal(ipam_cidr_host(&sub, 2, &a), 0);
	assert_int_equal(a, sub.addr + 2);
	assert_int_equal(ipam_cidr_host(&sub, 256, &a), -ERANGE);
}

static void test_ipam_pool(void **state)
{
	struct ipam_pool *p = NULL;
	struct cidr4 c;
	char buf[IPV4_STRLEN];
	uint32_t a, b, first;

	(void)state;
	assert_int_equal(cidr4_parse("10.244.5.0/24", &c), 0);
	assert_int_equal(ipam_pool_new(&c, &p), 0);
	assert_int_equal(ipam_pool_capacity(p), 253);
	/* .0 network, .1 gateway and .255 broadcast are never handed out */
	assert_int_equal(ipam_pool_alloc(p, &first), 0);
	assert_string_equal(ipv4_format(first, buf), "10.244.5.2");
	assert_int_equal(ipam_pool_alloc(p, &a), 0);
	assert_string_equal(ipv4_format(a, buf), "10.244.5.3");
	/* next-fit: a released address is not the next one handed out */
	assert_int_equal(ipam_pool_release(p, first), 0);
	assert_int_equal(ipam_pool_release(p, first), -ENOENT);
	assert_int_equal(ipam_pool_alloc(p, &b), 0);
	assert_string_equal(ipv4_format(b, buf), "10.244.5.4");
	assert_int_equal(ipam_pool_reserve(p, b), -EEXIST);
	assert_int_equal(ipam_pool_reserve(p, c.addr + 1), -ERANGE);
	assert_int_equal(ipam_pool_reserve(p, c.addr + 255), -ERANGE);
	assert_int_equal(ipam_pool_reserve(p, c.addr + 100), 0);
	assert_int_equal(ipam_pool_used(p), 3);
	/* fill it up: every address once, then -ENOSPC */
	for (size_t i = 3; i < 253; i++)
		assert_int_equal(ipam_pool_alloc(p, &a), 0);
	assert_int_equal(ipam_pool_alloc(p, &a), -ENOSPC);
	assert_int_equal(ipam_pool_used(p), 253);
	assert_int_equal(ipam_pool_release(p, c.addr + 77), 0);
	assert_int_equal(ipam_pool_alloc(p, &a), 0);
	assert_int_equal(a, c.addr + 77);
	ipam_pool_free(p);

	/* a /30 has one pod address; /31 and /16-wider are refused */
	assert_int_equal(cidr4_parse("10.0.0.4/30", &c), 0);
	assert_int_equal(ipam_pool_new(&c, &p), 0);
	assert_int_equal(ipam_pool_capacity(p), 1);
	assert_int_equal(ipam_pool_alloc(p, &a), 0);
	assert_string_equal(ipv4_format(a, buf), "10.0.0.6");
	assert_int_equal(ipam_pool_alloc(p, &a), -ENOSPC);
	ipam_pool_free(p);
	p = NULL;
	assert_int_equal(cidr4_parse("10.0.0.0/31", &c), 0);
	assert_int_equal(ipam_pool_new(&c, &p), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/15", &c), 0);
	assert_int_equal(ipam_pool_new(&c, &p), -EINVAL);
	assert_null(p);
	ipam_pool_free(NULL);
}

/* ---- images ---- */

static void test_images(void **state)
{
	static const char *const cases[][2] = {
	    {"nginx", "docker.io/library/nginx:latest"},
	    {"nginx:1.25", "docker.io/library/nginx:1.25"},
	    {"library/nginx", "docker.io/library/nginx:latest"},
	    {"bitnami/redis:7", "docker.io/bitnami/redis:7"},
	    {"docker.io/nginx", "docker.io/library/nginx:latest"},
	    {"index.docker.io/nginx", "docker.io/library/nginx:latest"},
	    {"registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"},
	    {"localhost/app", "localhost/app:latest"},
	    {"localhost:5000/team/app", "localhost:5000/team/app:latest"},
	    {"nginx@sha256:abcd", "docker.io/library/nginx@sha256:abcd"},
	    {"quay.io/a/b:1@sha256:ef", "quay.io/a/b:1@sha256:ef"},
	};
	char hex[IMAGE_DIGEST_HEX + 1], hex2[IMAGE_DIGEST_HEX + 1];
	char *out = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(image_normalize(cases[i][0], &out), 0);
		assert_string_equal(out, cases[i][1]);
		free(out);
	}
	assert_int_equal(image_normalize("", &out), -EINVAL);
	assert_int_equal(image_normalize(NULL, &out), -EINVAL);

	assert_int_equal(image_id("docker.io/library/nginx:1.25", &out), 0);
	assert_int_equal(strncmp(out, "docker.io/library/nginx@sha256:", 31),
			 0);
	assert_int_equal(strlen(out), 31 + 64);
	free(out);
	assert_int_equal(image_id("quay.io/a/b:1@sha256:ef", &out), 0);
	assert_string_equal(out, "quay.io/a/b@sha256:ef");
	free(out);
	assert_int_equal(image_id("localhost:5000/app@sha256:ef", &out), 0);
	assert_string_equal(out, "localhost:5000/app@sha256:ef");
	free(out);

	/* stable, 64 hex digits, different inputs differ */
	image_fake_digest("x", hex);
	image_fake_digest("x", hex2);
	assert_string_equal(hex, hex2);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(strspn(hex, "0123456789abcdef"), 64);
	image_fake_digest("y", hex2);
	assert_string_not_equal(hex, hex2);
}

/* ---- admission ---- */

static void test_admission_requests(void **state)
{
	_cleanup_json_ json_t *pod = load(
	    "{\"spec\":{\"containers\":["
	    "{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"250m\","
	    "\"memory\":\"64Mi\"}}},"
	    "{\"name\":\"b\",\"resources\":{\"requests\":{\"cpu\":\"250m\","
	    "\"ephemeral-storage\":\"1Gi\"}}}],"
	    "\"initContainers\":["
	    "{\"name\":\"side\",\"restartPolicy\":\"Always\",\"resources\":"
	    "{\"requests\":{\"cpu\":\"100m\"}}},"
	    "{\"name\":\"big\",\"resources\":{\"requests\":{\"cpu\":\"2\","
	    "\"memory\":\"16Mi\"}}}],"
	    "\"overhead\":{\"cpu\":\"10m\",\"memory\":\"1Mi\"}}}");
	_cleanup_json_ json_t *empty = load("{\"spec\":{}}");
	struct admission_resources r;

	(void)state;
	admission_pod_requests(pod, &r);
	/* max(250+250+100, 2000+100) + 10 */
	assert_int_equal(r.cpu_milli, 2110);
	/* max(64Mi, 16Mi) + 1Mi */
	assert_int_equal(r.memory, 65ll << 20);
	assert_int_equal(r.storage, 1ll << 30);
	assert_int_equal(r.pods, 1);
	admission_pod_requests(empty, &r);
	assert_int_equal(r.cpu_milli, 0);
	assert_int_equal(r.memory, 0);
	assert_int_equal(r.pods, 1);
}

static void test_admission_check(void **state)
{
	struct admission_resources alloc,
	    used = {0}, req = {.cpu_milli = 500, .memory = 1 << 20, .pods = 1};
	struct admission_verdict v;

	(void)state;
	assert_int_equal(admission_parse("4", "16Gi", "100Gi", "2", &alloc), 0);
	assert_int_equal(alloc.cpu_milli, 4000);
	assert_int_equal(alloc.memory, 16ll << 30);
	assert_int_equal(alloc.pods, 2);
	assert_int_equal(admission_parse("x", "1", "1", "1", &alloc), -EINVAL);
	assert_int_equal(alloc.cpu_milli, 4000); /* untouched */

	admission_check(&alloc, &used, &req, &v);
	assert_true(v.admit);
	admission_add(&used, &req);
	admission_add(&used, &req);
	/* pods are checked first */
	admission_check(&alloc, &used, &req, &v);
	assert_false(v.admit);
	assert_string_equal(v.reason, "OutOfpods");
	assert_string_equal(v.message,
			    "Node didn't have enough resource: pods, "
			    "requested: 1, used: 2, capacity: 2");
	admission_sub(&used, &req);
	used.cpu_milli = 3800;
	admission_check(&alloc, &used, &req, &v);
	assert_false(v.admit);
	assert_string_equal(v.reason, "OutOfcpu");
	assert_string_equal(v.message,
			    "Node didn't have enough resource: cpu, "
			    "requested: 500, used: 3800, capacity: 4000");
	used.cpu_milli = 0;
	used.memory = alloc.memory;
	admission_check(&alloc, &used, &req, &v);
	assert_string_equal(v.reason, "OutOfmemory");
	/* a pod that asks for nothing fits a full node but for pods */
	req.cpu_milli = req.memory = 0;
	used.cpu_milli = alloc.cpu_milli;
	admission_check(&alloc, &used, &req, &v);
	assert_true(v.admit);
	used.storage = alloc.storage;
	req.storage = 1;
	admission_check(&alloc, &used, &req, &v);
	assert_string_equal(v.reason, "OutOfephemeral-storage");
	/* subtracting never goes below zero */
	memset(&used, 0, sizeof(used));
	admission_sub(&used, &req);
	assert_int_equal(used.pods, 0);
	assert_int_equal(used.storage, 0);
}

/* ---- Node and Lease ---- */

static void node_info(struct nodestatus_info *ni)
{
	memset(ni, 0, sizeof(*ni));
	ni->name = "fake-7";
	ni->internal_ip = "172.18.0.9";
	ni->pod_cidr = "10.244.7.0/24";
	ni->cpu = "4";
	ni->memory = "16Gi";
	ni->pods = "110";
	ni->ephemeral_storage = "100Gi";
	ni->arch = "amd64";
	ni->runtime_version = "fake://0.1.0";
	ni->fake = true;
}

static void test_node_object(void **state)
{
	struct timespec now = {1700000000, 0};
	struct nodestatus_info ni;
	_cleanup_json_ json_t *node = NULL;
	const json_t *ready, *st;

	(void)state;
	node_info(&ni);
	assert_int_equal(nodestatus_node(&ni, &now, &node), 0);
	assert_string_equal(sget(node, "metadata.name"), "fake-7");
	st = json_object_get(node, "status");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(node, "metadata"), "labels"),
		"kubernetes.io/hostname")),
	    "fake-7");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(node, "metadata"), "labels"),
		"kubernetes.io/os")),
	    "linux");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(node, "metadata"), "labels"),
		"type")),
	    "kwok");
	assert_string_equal(sget(node, "spec.podCIDR"), "10.244.7.0/24");
	assert_string_equal(sget(node, "spec.podCIDRs.0"), "10.244.7.0/24");
	assert_string_equal(sget(st, "capacity.cpu"), "4");
	assert_string_equal(sget(st, "allocatable.memory"), "16Gi");
	assert_string_equal(sget(st, "allocatable.pods"), "110");
	assert_string_equal(sget(st, "addresses.0.type"), "InternalIP");
	assert_string_equal(sget(st, "addresses.0.address"), "172.18.0.9");
	assert_string_equal(sget(st, "addresses.1.type"), "Hostname");
	assert_string_equal(sget(st, "addresses.1.address"), "fake-7");
	assert_string_equal(sget(st, "nodeInfo.kubeletVersion"),
			    "v1.31.0-kubefs");
	assert_string_equal(sget(st, "nodeInfo.operatingSystem"), "linux");
	assert_string_equal(sget(st, "nodeInfo.containerRuntimeVersion"),
			    "fake://0.1.0");
	ready = condition(st, "Ready");
	assert_non_null(ready);
	assert_string_equal(sget(ready, "status"), "True");
	assert_string_equal(sget(ready, "reason"), "KubeletReady");
	assert_string_equal(sget(ready, "message"),
			    "kubelet is posting ready status");
	assert_string_equal(sget(ready, "lastHeartbeatTime"),
			    "2023-11-14T22:13:20Z");
	assert_string_equal(sget(condition(st, "MemoryPressure"), "status"),
			    "False");
	assert_string_equal(sget(condition(st, "DiskPressure"), "reason"),
			    "KubeletHasNoDiskPressure");
	assert_string_equal(sget(condition(st, "PIDPressure"), "message"),
			    "kubelet has sufficient PID available");
	/* the kubelet's order: the pressures, then Ready */
	assert_string_equal(sget(st, "conditions.3.type"), "Ready");
	admit_ok("nodes", "core", node);

	/* without a pod CIDR, no spec fields; without fake, no type=kwok */
	json_decref(node);
	ni.pod_cidr = NULL;
	ni.fake = false;
	assert_int_equal(nodestatus_node(&ni, &now, &node), 0);
	assert_null(sget(node, "spec.podCIDR"));
	assert_null(json_object_get(
	    json_object_get(json_object_get(node, "metadata"), "labels"),
	    "type"));
	json_decref(node);
	node = NULL;
	ni.cpu = NULL;
	assert_int_equal(nodestatus_node(&ni, &now, &node), -EINVAL);
	assert_null(node);
}

static void test_node_status_transitions(void **state)
{
	struct timespec t0 = {1700000000, 0}, t1 = {1700000100, 0};
	struct nodestatus_info ni;
	_cleanup_json_ json_t *s0 = NULL, *s1 = NULL, *flipped = NULL,
			      *s2 = NULL;

	(void)state;
	node_info(&ni);
	assert_int_equal(nodestatus_status(&ni, NULL, &t0, &s0), 0);
	assert_int_equal(nodestatus_status(&ni, s0, &t1, &s1), 0);
	/* same status: the transition stays, the heartbeat moves */
	assert_string_equal(sget(condition(s1, "Ready"), "lastTransitionTime"),
			    "2023-11-14T22:13:20Z");
	assert_string_equal(sget(condition(s1, "Ready"), "lastHeartbeatTime"),
			    "2023-11-14T22:15:00Z");
	/* a condition that was different transitions now */
	flipped = json_deep_copy(s0);
	json_object_set_new((json_t *)condition(flipped, "Ready"), "status",
			    json_string("Unknown"));
	assert_int_equal(nodestatus_status(&ni, flipped, &t1, &s2), 0);
	assert_string_equal(sget(condition(s2, "Ready"), "lastTransitionTime"),
			    "2023-11-14T22:15:00Z");
	assert_string_equal(
	    sget(condition(s2, "MemoryPressure"), "lastTransitionTime"),
	    "2023-11-14T22:13:20Z");
}

static void test_node_reconcile(void **state)
{
	struct timespec now = {1700000000, 0};
	struct nodestatus_info ni;
	_cleanup_json_ json_t *node = NULL, *patch = NULL, *bare = NULL;

	(void)state;
	node_info(&ni);
	assert_int_equal(nodestatus_node(&ni, &now, &node), 0);
	patch = (json_t *)0x1;
	assert_int_equal(nodestatus_reconcile_patch(&ni, node, &patch), 0);
	assert_null(patch);
	/* a Node written by hand: labels and the CIDR are added */
	bare = load("{\"metadata\":{\"name\":\"fake-7\",\"labels\":{\"a\":"
		    "\"b\",\"kubernetes.io/os\":\"windows\"}},\"spec\":{}}");
	assert_int_equal(nodestatus_reconcile_patch(&ni, bare, &patch), 0);
	assert_non_null(patch);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(patch, "metadata"), "labels"),
		"kubernetes.io/os")),
	    "linux");
	assert_null(json_object_get(
	    json_object_get(json_object_get(patch, "metadata"), "labels"),
	    "a"));
	assert_string_equal(sget(patch, "spec.podCIDR"), "10.244.7.0/24");
	json_decref(patch);
	/* an existing pod CIDR is never changed (it is immutable) */
	json_object_set_new(json_object_get(bare, "spec"), "podCIDR",
			    json_string("10.9.0.0/24"));
	assert_int_equal(nodestatus_reconcile_patch(&ni, bare, &patch), 0);
	assert_null(json_object_get(patch, "spec"));
}

static void test_lease(void **state)
{
	struct timespec now = {1700000000, 123456789};
	_cleanup_json_ json_t *lease = NULL, *anon = NULL;

	(void)state;
	assert_int_equal(nodestatus_lease("fake-7", "u-1", 40, &now, &lease),
			 0);
	assert_string_equal(sget(lease, "apiVersion"),
			    "coordination.k8s.io/v1");
	assert_string_equal(sget(lease, "kind"), "Lease");
	assert_string_equal(sget(lease, "metadata.namespace"),
			    "kube-node-lease");
	assert_string_equal(sget(lease, "metadata.name"), "fake-7");
	assert_string_equal(sget(lease, "spec.holderIdentity"), "fake-7");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(lease, "spec"),
					       "leaseDurationSeconds")),
	    40);
	assert_string_equal(sget(lease, "spec.renewTime"),
			    "2023-11-14T22:13:20.123456Z");
	assert_string_equal(sget(lease, "metadata.ownerReferences.0.kind"),
			    "Node");
	assert_string_equal(sget(lease, "metadata.ownerReferences.0.uid"),
			    "u-1");
	admit_ok("leases", "coordination.k8s.io", lease);
	assert_int_equal(nodestatus_lease("fake-7", NULL, 40, &now, &anon), 0);
	assert_null(json_object_get(json_object_get(anon, "metadata"),
				    "ownerReferences"));
	assert_int_equal(nodestatus_lease("", NULL, 40, &now, &anon), -EINVAL);
	assert_int_equal(nodestatus_lease("x", NULL, 0, &now, &anon), -EINVAL);
}

static void test_fake_uuid(void **state)
{
	char a[37], b[37];

	(void)state;
	nodestatus_fake_uuid("machine/fake-1", a);
	nodestatus_fake_uuid("machine/fake-1", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 36);
	assert_true(a[8] == '-' && a[13] == '-' && a[18] == '-' &&
		    a[23] == '-');
	nodestatus_fake_uuid("machine/fake-2", b);
	assert_string_not_equal(a, b);
}

/* ---- fake runtime and pod status ---- */

static const char *pod_json =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\","
    "\"namespace\":\"default\",\"uid\":\"uid-1\"},"
    "\"spec\":{\"nodeName\":\"n1\",\"restartPolicy\":\"Always\","
    "\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox\"},"
    "{\"name\":\"side\",\"image\":\"envoy\",\"restartPolicy\":\"Always\"}],"
    "\"containers\":[{\"name\":\"web\",\"image\":\"nginx\"},"
    "{\"name\":\"agent\",\"image\":\"registry.k8s.io/pause:3.9\"}]},"
    "\"status\":{\"phase\":\"Pending\",\"qosClass\":\"BestEffort\","
    "\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\","
    "\"lastTransitionTime\":\"2023-11-14T22:00:00Z\"},"
    "{\"type\":\"example.com/gate\",\"status\":\"True\","
    "\"lastTransitionTime\":\"2023-11-14T22:00:00Z\"}]}}";

static struct runtime *fake_rt(const char *cidr)
{
	struct runtime_fake_config fc = {.pod_cidr = cidr,
					 .host_ip = "172.18.0.2"};
	struct runtime *rt = NULL;

	assert_int_equal(runtime_fake_new(&fc, &rt), 0);
	return rt;
}

static json_t *build(const json_t *pod, struct runtime *rt, const char *uid,
		     bool terminal, const struct timespec *now)
{
	struct runtime_pod_status *rs = NULL;
	struct podstatus_input in = {.pod = pod,
				     .host_ip = "172.18.0.2",
				     .terminal = terminal,
				     .now = now};
	json_t *st = NULL;

	if (rt)
		assert_int_equal(runtime_pod_status(rt, uid, &rs), 0);
	in.rt = rs;
	assert_int_equal(podstatus_build(&in, &st), 0);
	runtime_pod_status_free(rs);
	return st;
}

static void test_fake_runtime(void **state)
{
	struct runtime *rt = fake_rt("10.244.1.0/24");
	_cleanup_json_ json_t *pod = load(pod_json), *bad = NULL;
	struct runtime_pod_status *rs = NULL;
	struct kf_error err;

	(void)state;
	assert_string_equal(runtime_version(rt), "fake://0.1.0");
	kf_error_init(&err);
	assert_int_equal(runtime_start_pod(rt, pod, &err), 0);
	assert_int_equal(runtime_start_pod(rt, pod, &err), 0); /* again */
	assert_int_equal(runtime_pod_count(rt), 1);
	assert_int_equal(runtime_pod_status(rt, "uid-1", &rs), 0);
	assert_string_equal(rs->ip, "10.244.1.2");
	assert_true(rs->sandbox_ready);
	assert_int_equal(rs->n_init, 2);
	assert_int_equal(rs->init_containers[0].state, RUNTIME_EXITED);
	assert_string_equal(rs->init_containers[0].reason, "Completed");
	assert_int_equal(rs->init_containers[1].state, RUNTIME_RUNNING);
	assert_int_equal(rs->n_containers, 2);
	assert_int_equal(rs->containers[0].state, RUNTIME_RUNNING);
	assert_string_equal(rs->containers[0].image,
			    "docker.io/library/nginx:latest");
	assert_int_equal(strncmp(rs->containers[0].container_id, "fake://", 7),
			 0);
	runtime_pod_status_free(rs);

	assert_int_equal(runtime_stop_pod(rt, "uid-1", 30, &err), 0);
	assert_int_equal(runtime_pod_status(rt, "uid-1", &rs), 0);
	assert_false(rs->sandbox_ready);
	assert_int_equal(rs->containers[0].state, RUNTIME_EXITED);
	assert_int_equal(rs->containers[0].exit_code, 0);
	assert_int_equal(rs->init_containers[1].state, RUNTIME_EXITED);
	runtime_pod_status_free(rs);
	assert_int_equal(runtime_remove_pod(rt, "uid-1"), 0);
	assert_int_equal(runtime_remove_pod(rt, "uid-1"), -ENOENT);
	assert_int_equal(runtime_pod_status(rt, "uid-1", &rs), -ENOENT);
	assert_int_equal(runtime_stop_pod(rt, "uid-1", 0, &err), -ENOENT);
	assert_int_equal(runtime_pod_count(rt), 0);

	/* no uid, no containers */
	bad = load("{\"metadata\":{},\"spec\":{\"containers\":[{\"name\":"
		   "\"c\"}]}}");
	assert_int_equal(runtime_start_pod(rt, bad, &err), -EINVAL);
	json_decref(bad);
	bad = load("{\"metadata\":{\"uid\":\"u\"},\"spec\":{}}");
	assert_int_equal(runtime_start_pod(rt, bad, &err), -EINVAL);
	runtime_free(rt);
	runtime_free(NULL);
}

static void test_fake_runtime_addresses(void **state)
{
	struct runtime *rt = fake_rt("10.0.0.4/30"); /* one address */
	_cleanup_json_ json_t *a = load(pod_json), *b = load(pod_json),
			      *host = load(pod_json);
	struct runtime_pod_status *rs = NULL;
	struct runtime_fake_config bad = {.pod_cidr = "10.0.0.0/8",
					  .host_ip = "1.2.3.4"};
	struct runtime *none = NULL;
	struct kf_error err;

	(void)state;
	json_object_set_new(json_object_get(b, "metadata"), "uid",
			    json_string("uid-2"));
	json_object_set_new(json_object_get(host, "metadata"), "uid",
			    json_string("uid-3"));
	json_object_set_new(json_object_get(host, "spec"), "hostNetwork",
			    json_true());
	kf_error_init(&err);
	assert_int_equal(runtime_start_pod(rt, a, &err), 0);
	assert_int_equal(runtime_start_pod(rt, b, &err), -ENOSPC);
	assert_string_equal(err.msg,
			    "Failed to create pod sandbox: failed to setup "
			    "network for sandbox: plugin type=\"host-local\" "
			    "failed (add): failed to allocate for range 0: no "
			    "IP addresses available in range set: "
			    "10.0.0.5-10.0.0.6");
	/* hostNetwork pods take the node's address, not the pool's */
	assert_int_equal(runtime_start_pod(rt, host, &err), 0);
	assert_int_equal(runtime_pod_status(rt, "uid-3", &rs), 0);
	assert_string_equal(rs->ip, "172.18.0.2");
	runtime_pod_status_free(rs);
	/* removing a pod gives its address back */
	assert_int_equal(runtime_remove_pod(rt, "uid-1"), 0);
	assert_int_equal(runtime_start_pod(rt, b, &err), 0);
	runtime_free(rt);

	assert_int_equal(runtime_fake_new(&bad, &none), -EINVAL);
	bad.pod_cidr = "10.0.0.0/24";
	bad.host_ip = "nope";
	assert_int_equal(runtime_fake_new(&bad, &none), -EINVAL);
	assert_null(none);
}

static void test_fake_runtime_adopts(void **state)
{
	struct runtime *rt = fake_rt("10.244.1.0/24");
	_cleanup_json_ json_t *pod = load(pod_json);
	json_t *st = json_object_get(pod, "status");
	struct runtime_pod_status *rs = NULL;
	struct kf_error err;
	char ts[RFC3339_MAX];

	(void)state;
	/* what a previous agent reported */
	json_object_set_new(st, "phase", json_string("Running"));
	json_object_set_new(st, "podIP", json_string("10.244.1.77"));
	json_object_set_new(st, "startTime",
			    json_string("2023-11-14T22:00:01Z"));
	json_object_set_new(
	    st, "containerStatuses",
	    load("[{\"name\":\"web\",\"state\":{\"running\":{\"startedAt\":"
		 "\"2023-11-14T22:00:02Z\"}}}]"));
	json_object_set_new(
	    st, "initContainerStatuses",
	    load("[{\"name\":\"init\",\"state\":{\"terminated\":{"
		 "\"startedAt\":\"2023-11-14T22:00:01Z\",\"finishedAt\":"
		 "\"2023-11-14T22:00:02Z\"}}}]"));
	kf_error_init(&err);
	assert_int_equal(runtime_start_pod(rt, pod, &err), 0);
	assert_int_equal(runtime_pod_status(rt, "uid-1", &rs), 0);
	assert_string_equal(rs->ip, "10.244.1.77");
	rfc3339_format(&rs->created, false, ts);
	assert_string_equal(ts, "2023-11-14T22:00:01Z");
	rfc3339_format(&rs->containers[0].started_at, false, ts);
	assert_string_equal(ts, "2023-11-14T22:00:02Z");
	rfc3339_format(&rs->init_containers[0].finished_at, false, ts);
	assert_string_equal(ts, "2023-11-14T22:00:02Z");
	runtime_pod_status_free(rs);
	runtime_free(rt);

	/* an address outside the node's CIDR is not kept */
	rt = fake_rt("10.244.2.0/24");
	assert_int_equal(runtime_start_pod(rt, pod, &err), 0);
	assert_int_equal(runtime_pod_status(rt, "uid-1", &rs), 0);
	assert_string_equal(rs->ip, "10.244.2.2");
	runtime_pod_status_free(rs);
	runtime_free(rt);
}

static void test_pod_status_running(void **state)
{
	struct runtime *rt = fake_rt("10.244.1.0/24");
	_cleanup_json_ json_t *pod = load(pod_json), *st = NULL, *st2 = NULL,
			      *stored = NULL;
	struct timespec now = {1700000000, 0}, later = {1700000300, 0};
	const json_t *c;
	struct kf_error err;

	(void)state;
	kf_error_init(&err);
	assert_int_equal(runtime_start_pod(rt, pod, &err), 0);
	st = build(pod, rt, "uid-1", false, &now);
	assert_string_equal(sget(st, "phase"), "Running");
	assert_string_equal(sget(st, "hostIP"), "172.18.0.2");
	assert_string_equal(sget(st, "hostIPs.0.ip"), "172.18.0.2");
	assert_string_equal(sget(st, "podIP"), "10.244.1.2");
	assert_string_equal(sget(st, "podIPs.0.ip"), "10.244.1.2");
	assert_string_equal(sget(st, "qosClass"), "BestEffort");
	assert_non_null(sget(st, "startTime"));
	/* the kubelet's conditions in its order, then PodScheduled as the
	 * binding left it, then the others' */
	assert_string_equal(sget(st, "conditions.0.type"),
			    "PodReadyToStartContainers");
	assert_string_equal(sget(st, "conditions.1.type"), "Initialized");
	assert_string_equal(sget(st, "conditions.2.type"), "Ready");
	assert_string_equal(sget(st, "conditions.3.type"), "ContainersReady");
	assert_string_equal(sget(st, "conditions.4.type"), "PodScheduled");
	assert_string_equal(sget(st, "conditions.4.lastTransitionTime"),
			    "2023-11-14T22:00:00Z");
	assert_string_equal(sget(st, "conditions.5.type"), "example.com/gate");
	for (int i = 0; i < 5; i++)
		assert_string_equal(
		    sget(json_array_get(json_object_get(st, "conditions"), i),
			 "status"),
		    "True");
	/* containers sorted by name; init containers in spec order */
	assert_string_equal(sget(st, "containerStatuses.0.name"), "agent");
	c = json_array_get(json_object_get(st, "containerStatuses"), 1);
	assert_string_equal(sget(c, "name"), "web");
	assert_string_equal(sget(c, "image"), "docker.io/library/nginx:latest");
	assert_int_equal(
	    strncmp(sget(c, "imageID"), "docker.io/library/nginx@sha256:", 31),
	    0);
	assert_int_equal(strncmp(sget(c, "containerID"), "fake://", 7), 0);
	assert_true(json_is_true(json_object_get(c, "ready")));
	assert_true(json_is_true(json_object_get(c, "started")));
	assert_int_equal(json_integer_value(json_object_get(c, "restartCount")),
			 0);
	assert_non_null(sget(c, "state.running.startedAt"));
	assert_true(json_is_object(json_object_get(c, "lastState")));
	c = json_array_get(json_object_get(st, "initContainerStatuses"), 0);
	assert_string_equal(sget(c, "name"), "init");
	assert_string_equal(sget(c, "state.terminated.reason"), "Completed");
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_object_get(json_object_get(c, "state"), "terminated"),
		"exitCode")),
	    0);
	assert_true(json_is_true(json_object_get(c, "ready")));
	assert_true(json_is_false(json_object_get(c, "started")));
	c = json_array_get(json_object_get(st, "initContainerStatuses"), 1);
	assert_string_equal(sget(c, "name"), "side");
	assert_non_null(sget(c, "state.running.startedAt"));

	/* the API server takes it */
	stored = json_deep_copy(pod);
	json_object_set(stored, "status", st);
	admit_ok("pods", "core", stored);

	/* reporting again later changes nothing: no write loop */
	json_object_set(pod, "status", st);
	st2 = build(pod, rt, "uid-1", false, &later);
	assert_true(json_equal(st, st2));
	runtime_free(rt);
}

static void test_pod_status_not_ready(void **state)
{
	_cleanup_json_ json_t *pod = load(pod_json), *st = NULL;
	struct timespec now = {1700000000, 0};
	struct podstatus_input in = {
	    .pod = pod, .host_ip = "172.18.0.2", .now = &now};
	struct runtime_pod_status rs;
	struct runtime_container_status init[2], ctrs[2];

	(void)state;
	/* a runtime that has not started the containers yet */
	memset(&rs, 0, sizeof(rs));
	memset(init, 0, sizeof(init));
	memset(ctrs, 0, sizeof(ctrs));
	init[0].name = "init";
	init[0].state = RUNTIME_RUNNING;
	init[1].name = "side";
	init[1].state = RUNTIME_CREATED;
	ctrs[0].name = "web";
	ctrs[0].state = RUNTIME_CREATED;
	ctrs[1].name = "agent";
	ctrs[1].state = RUNTIME_CREATED;
	rs.sandbox_ready = true;
	strcpy(rs.ip, "10.244.1.9");
	rs.init_containers = init;
	rs.n_init = 2;
	rs.containers = ctrs;
	rs.n_containers = 2;
	in.rt = &rs;
	assert_int_equal(podstatus_build(&in, &st), 0);
	assert_string_equal(sget(st, "phase"), "Pending");
	assert_string_equal(sget(condition(st, "Initialized"), "status"),
			    "False");
	assert_string_equal(sget(condition(st, "Initialized"), "reason"),
			    "ContainersNotInitialized");
	assert_string_equal(sget(condition(st, "Initialized"), "message"),
			    "containers with incomplete status: [init side]");
	assert_string_equal(sget(condition(st, "ContainersReady"), "reason"),
			    "ContainersNotReady");
	assert_string_equal(sget(condition(st, "Ready"), "message"),
			    "containers with unready status: [web agent side]");
	assert_string_equal(
	    sget(st, "containerStatuses.1.state.waiting.reason"),
	    "ContainerCreating");
	json_decref(st);
	st = NULL;

	/* all up, but a readiness gate without its condition */
	init[0].state = RUNTIME_EXITED;
	init[1].state = RUNTIME_RUNNING;
	ctrs[0].state = ctrs[1].state = RUNTIME_RUNNING;
	json_object_set_new(json_object_get(pod, "spec"), "readinessGates",
			    load("[{\"conditionType\":\"example.com/gate\"},"
				 "{\"conditionType\":\"example.com/lb\"}]"));
	assert_int_equal(podstatus_build(&in, &st), 0);
	assert_string_equal(sget(st, "phase"), "Running");
	assert_string_equal(sget(condition(st, "ContainersReady"), "status"),
			    "True");
	assert_string_equal(sget(condition(st, "Ready"), "status"), "False");
	assert_string_equal(sget(condition(st, "Ready"), "reason"),
			    "ReadinessGatesNotReady");
	assert_string_equal(sget(condition(st, "Ready"), "message"),
			    "corresponding condition of pod readiness gate "
			    "\"example.com/lb\" does not exist.");
}

static void test_pod_status_terminal(void **state)
{
	struct runtime *rt = fake_rt("10.244.1.0/24");
	_cleanup_json_ json_t *pod = load(pod_json), *st = NULL, *never = NULL,
			      *running = NULL;
	struct timespec now = {1700000000, 0}, later = {1700000060, 0};
	struct kf_error err;
	const json_t *c;

	(void)state;
	kf_error_init(&err);
	assert_int_equal(runtime_start_pod(rt, pod, &err), 0);
	running = build(pod, rt, "uid-1", false, &now);
	json_object_set(pod, "status", running);
	assert_int_equal(runtime_stop_pod(rt, "uid-1", 30, &err), 0);
	st = build(pod, rt, "uid-1", true, &later);
	assert_string_equal(sget(st, "phase"), "Succeeded");
	assert_string_equal(sget(condition(st, "Ready"), "status"), "False");
	assert_string_equal(sget(condition(st, "Ready"), "reason"),
			    "PodCompleted");
	assert_string_equal(sget(condition(st, "ContainersReady"), "reason"),
			    "PodCompleted");
	assert_string_equal(sget(condition(st, "Initialized"), "reason"),
			    "PodCompleted");
	assert_string_equal(
	    sget(condition(st, "PodReadyToStartContainers"), "status"),
	    "False");
	assert_string_equal(sget(condition(st, "Ready"), "lastTransitionTime"),
			    "2023-11-14T22:14:20Z");
	/* unchanged conditions keep their time */
	assert_string_equal(
	    sget(condition(st, "Initialized"), "lastTransitionTime"),
	    sget(condition(running, "Initialized"), "lastTransitionTime"));
	c = json_array_get(json_object_get(st, "containerStatuses"), 1);
	assert_string_equal(sget(c, "state.terminated.reason"), "Completed");
	assert_true(json_is_false(json_object_get(c, "ready")));
	assert_true(json_is_false(json_object_get(c, "started")));
	assert_string_equal(sget(st, "podIP"), "10.244.1.2");
	runtime_free(rt);

	/* a pod deleted before it ever ran */
	json_object_set_new(pod, "status",
			    load("{\"phase\":\"Pending\",\"qosClass\":"
				 "\"BestEffort\"}"));
	never = build(pod, NULL, NULL, true, &now);
	assert_string_equal(sget(never, "phase"), "Failed");
	assert_string_equal(
	    sget(never, "containerStatuses.1.state.terminated.reason"),
	    "ContainerStatusUnknown");
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_object_get(
		    json_object_get(
			json_array_get(
			    json_object_get(never, "containerStatuses"), 1),
			"state"),
		    "terminated"),
		"exitCode")),
	    137);
	assert_string_equal(sget(condition(never, "Ready"), "reason"),
			    "PodFailed");
	assert_null(sget(never, "podIP"));
}

static void test_pod_status_phases(void **state)
{
	_cleanup_json_ json_t *pod = load(
	    "{\"metadata\":{\"uid\":\"u\"},\"spec\":{\"restartPolicy\":"
	    "\"Never\",\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}");
	struct timespec now = {1700000000, 0};
	struct runtime_container_status c;
	struct runtime_pod_status rs;
	struct podstatus_input in = {
	    .pod = pod, .rt = &rs, .host_ip = "172.18.0.2", .now = &now};
	static const struct {
		const char *policy;
		int exit;
		const char *phase;
	} cases[] = {
	    {"Never", 0, "Succeeded"},	   {"Never", 1, "Failed"},
	    {"OnFailure", 0, "Succeeded"}, {"OnFailure", 1, "Running"},
	    {"Always", 0, "Running"},	   {"Always", 1, "Running"},
	};

	(void)state;
	memset(&rs, 0, sizeof(rs));
	memset(&c, 0, sizeof(c));
	c.name = "c";
	c.state = RUNTIME_EXITED;
	rs.containers = &c;
	rs.n_containers = 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *st = NULL;

		json_object_set_new(json_object_get(pod, "spec"),
				    "restartPolicy",
				    json_string(cases[i].policy));
		c.exit_code = cases[i].exit;
		assert_int_equal(podstatus_build(&in, &st), 0);
		if (strcmp(sget(st, "phase"), cases[i].phase))
			fail_msg("%s exit %d: %s, want %s", cases[i].policy,
				 cases[i].exit, sget(st, "phase"),
				 cases[i].phase);
		json_decref(st);
	}
	in.pod = NULL;
	assert_int_equal(podstatus_build(&in, NULL), -EINVAL);
}

static void test_pod_status_rejected(void **state)
{
	_cleanup_json_ json_t *pod = load(pod_json), *st = NULL;
	struct timespec now = {1700000000, 0};

	(void)state;
	assert_int_equal(podstatus_rejected(pod, "OutOfpods",
					    "Node didn't have enough "
					    "resource: pods, requested: 1, "
					    "used: 110, capacity: 110",
					    &now, &st),
			 0);
	assert_string_equal(sget(st, "phase"), "Failed");
	assert_string_equal(sget(st, "reason"), "OutOfpods");
	assert_string_equal(sget(st, "message"),
			    "Pod was rejected: Node didn't have enough "
			    "resource: pods, requested: 1, used: 110, "
			    "capacity: 110");
	assert_string_equal(sget(st, "qosClass"), "BestEffort");
	assert_string_equal(sget(st, "startTime"), "2023-11-14T22:13:20Z");
	assert_non_null(condition(st, "PodScheduled"));
	json_object_set(pod, "status", st);
	assert_true(podstatus_is_terminal(pod));
	assert_string_equal(podstatus_phase(pod), "Failed");
	assert_int_equal(podstatus_rejected(NULL, "a", "b", &now, &st),
			 -EINVAL);
}

/* Not chrooted here; chrooted (with /proc inside) in a child. */
static void test_host_chrooted(void **state)
{
	char dir[] = "/tmp/kubefs-test-chroot.XXXXXX", proc[64];
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip(); /* setns needs CAP_SYS_ADMIN */
	assert_int_equal(host_chrooted(), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	assert_int_equal(mkdir(proc, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the bind mount lives in the child's namespace only */
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("/proc", proc, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    chroot(dir) < 0 || chdir("/") < 0)
			_exit(3);
		_exit(host_chrooted() == 1 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rmdir(proc);
	rmdir(dir);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_defaults),
	    cmocka_unit_test(test_host_chrooted),
	    cmocka_unit_test(test_config_flags),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_node_names),
	    cmocka_unit_test(test_ipam_parse),
	    cmocka_unit_test(test_ipam_subnets),
	    cmocka_unit_test(test_ipam_pool),
	    cmocka_unit_test(test_images),
	    cmocka_unit_test(test_admission_requests),
	    cmocka_unit_test(test_admission_check),
	    cmocka_unit_test(test_node_object),
	    cmocka_unit_test(test_node_status_transitions),
	    cmocka_unit_test(test_node_reconcile),
	    cmocka_unit_test(test_lease),
	    cmocka_unit_test(test_fake_uuid),
	    cmocka_unit_test(test_fake_runtime),
	    cmocka_unit_test(test_fake_runtime_addresses),
	    cmocka_unit_test(test_fake_runtime_adopts),
	    cmocka_unit_test(test_pod_status_running),
	    cmocka_unit_test(test_pod_status_not_ready),
	    cmocka_unit_test(test_pod_status_terminal),
	    cmocka_unit_test(test_pod_status_phases),
	    cmocka_unit_test(test_pod_status_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
