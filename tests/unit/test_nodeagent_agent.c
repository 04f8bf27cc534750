/*
 * Unit tests for nodeagent/agent: the engine of kubefs-node against a
 * real kubefs-fs (tests/unit/test_client_fs.h). Leases of hundreds of
 * nodes go out in a few writes, a pod is taken from bound to Running to
 * gone, and stopping works at any moment.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/kinds.h"
#include "client/client.h"
#include "nodeagent/agent.h"
#include "nodeagent/config.h"
#include "test_client_fs.h"

static struct test_fs fs;

/* Long enough for a slow, shared machine; never a timing assertion. */
#define WAIT_MS 30000

struct running {
	struct agent *agent;
	pthread_t thread;
	int result;
};

static void *run_agent(void *arg)
{
	struct running *r = arg;

	r->result = agent_run(r->agent);
	return NULL;
}

static void config(struct nodeagent_config *cfg, char **argv, int argc)
{
	struct kf_error err;

	kf_error_init(&err);
	if (nodeagent_config_parse(argc, argv, &err, cfg) < 0)
		fail_msg("flags: %s", err.msg);
	cfg->cluster = fs.mnt;
}

static void start(struct running *r, const struct nodeagent_config *cfg)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(agent_new(fs.c, cfg, NULL, NULL, &r->agent), 0);
	assert_int_equal(pthread_create(&r->thread, NULL, run_agent, r), 0);
}

static void stop(struct running *r)
{
	agent_stop(r->agent);
	pthread_join(r->thread, NULL);
	assert_int_equal(r->result, 0);
	agent_free(r->agent);
}

static int setup(void **state)
{
	(void)state;
	test_fs_start(&fs);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_fs_stop(&fs);
	return 0;
}

static void test_new_checks(void **state)
{
	char *argv[] = {"kubefs-node", "--name", "n1"};
	struct nodeagent_config cfg;
	struct agent *a = NULL;

	(void)state;
	TEST_FS_REQUIRE(&fs);
	config(&cfg, argv, 3);
	/* a real node's capacity is measured by main: not given, refused */
	assert_int_equal(agent_new(fs.c, &cfg, NULL, NULL, &a), -EINVAL);
	strcpy(cfg.cpu, "2");
	strcpy(cfg.memory, "1Gi");
	strcpy(cfg.ephemeral_storage, "10Gi");
	assert_int_equal(agent_new(fs.c, &cfg, NULL, NULL, &a), 0);
	agent_free(a);
	a = NULL;
	cfg.fake = true;
	cfg.name = NULL;
	assert_int_equal(agent_new(fs.c, &cfg, NULL, NULL, &a), -EINVAL);
	assert_int_equal(agent_new(NULL, &cfg, NULL, NULL, &a), -EINVAL);
	assert_null(a);
	agent_free(NULL);
}

static void test_stop_before_run(void **state)
{
	char *argv[] = {"kubefs-node", "--fake", "--name", "early"};
	struct nodeagent_config cfg;
	struct agent *a = NULL;
	struct agent_stats st;

	(void)state;
	TEST_FS_REQUIRE(&fs);
	config(&cfg, argv, 4);
	assert_int_equal(agent_new(fs.c, &cfg, NULL, NULL, &a), 0);
	agent_stop(a);
	assert_int_equal(agent_run(a), 0);
	agent_get_stats(a, &st);
	assert_int_equal(st.nodes_registered, 0);
	agent_free(a);
}

/* Lines the agent logged, for the tests to look at. */
struct log {
	pthread_mutex_t lock;
	char text[8192];
};

static void log_line(void *ud, const char *fmt, va_list ap)
{
	struct log *l = ud;
	size_t n;

	pthread_mutex_lock(&l->lock);
	n = strlen(l->text);
	vsnprintf(l->text + n, sizeof(l->text) - n, fmt, ap);
	n = strlen(l->text);
	if (n + 1 < sizeof(l->text))
		strcat(l->text, "\n");
	pthread_mutex_unlock(&l->lock);
}

static void test_leases_in_batches(void **state)
{
	char *argv[] = {"kubefs-node",
			"--fake",
			"--count",
			"300",
			"--name-prefix",
			"batch-",
			"--node-lease-duration-seconds",
			"4"};
	struct nodeagent_config cfg;
	struct running r;
	struct agent_stats st;
	struct log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
	_cleanup_json_ json_t *lease = NULL, *node = NULL;
	const struct kind_info *k_lease =
	    kinds_by_path("coordination.k8s.io", "v1", "leases");
	const struct kind_info *k_node = kinds_by_path("core", "v1", "nodes");

	(void)state;
	TEST_FS_REQUIRE(&fs);
	config(&cfg, argv, 8);
	memset(&r, 0, sizeof(r));
	assert_int_equal(agent_new(fs.c, &cfg, log_line, &log, &r.agent), 0);
	assert_int_equal(pthread_create(&r.thread, NULL, run_agent, &r), 0);
	/* two rounds of renewals: the first at registration, then 1 s on */
	for (int i = 0; i < WAIT_MS / 50; i++) {
		agent_get_stats(r.agent, &st);
		if (st.lease_renewals >= 600)
			break;
		test_fs_sleep_ms(50);
	}
	agent_get_stats(r.agent, &st);
	if (st.lease_renewals < 600) {
		stop(&r);
		fail_msg("%llu leases renewed, %llu errors, %llu nodes "
			 "registered, %llu registration errors; log:\n%s",
			 (unsigned long long)st.lease_renewals,
			 (unsigned long long)st.lease_errors,
			 (unsigned long long)st.nodes_registered,
			 (unsigned long long)st.register_errors, log.text);
	}
	assert_int_equal(st.nodes_registered, 300);
	assert_int_equal(st.lease_errors, 0);
	/* 128 leases per write: 3 writes a round, not 300 */
	assert_true(st.lease_writes * 100 <= st.lease_renewals);
	assert_int_equal(client_get(fs.c, k_lease, "kube-node-lease",
				    "batch-299", NULL, &lease),
			 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(lease, "spec"),
					      "holderIdentity")),
	    "batch-299");
	assert_int_equal(client_get(fs.c, k_node, NULL, "batch-0", NULL, &node),
			 0);
	stop(&r);
	assert_non_null(strstr(log.text, "registered 300 of 300 nodes"));
}

static bool pod_phase_is(const char *name, const char *phase)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "pods");
	_cleanup_json_ json_t *pod = NULL;
	const char *p;

	if (client_get(fs.c, k, "default", name, NULL, &pod) < 0)
		return false;
	p = json_string_value(
	    json_object_get(json_object_get(pod, "status"), "phase"));
	return p && !strcmp(p, phase);
}

static bool pod_gone(const char *name)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "pods");
	_cleanup_json_ json_t *pod = NULL;

	return client_get(fs.c, k, "default", name, NULL, &pod) == -ENOENT;
}

static void test_pod_life(void **state)
{
	char *argv[] = {"kubefs-node", "--fake",	"--name",
			"life",	       "--start-delay", "0"};
	const struct kind_info *k = kinds_by_path("core", "v1", "pods");
	_cleanup_json_ json_t *pod =
	    json_pack("{s:s, s:s, s:{s:s}, s:{s:[{s:s, s:s}]}}", "apiVersion",
		      "v1", "kind", "Pod", "metadata", "name", "one", "spec",
		      "containers", "name", "c", "image", "nginx");
	struct nodeagent_config cfg;
	struct running r;
	struct agent_stats st;
	struct kf_error err;
	int i;

	(void)state;
	TEST_FS_REQUIRE(&fs);
	config(&cfg, argv, 6);
	start(&r, &cfg);
	kf_error_init(&err);
	assert_int_equal(client_create(fs.c, k, "default", pod, &err, NULL), 0);
	/* binding may come before the node registered: the pod waits */
	assert_int_equal(client_bind(fs.c, "default", "one", "life", &err), 0);
	for (i = 0; i < WAIT_MS / 50 && !pod_phase_is("one", "Running"); i++)
		test_fs_sleep_ms(50);
	assert_true(pod_phase_is("one", "Running"));
	agent_get_stats(r.agent, &st);
	assert_int_equal(st.pods_started, 1);
	assert_int_equal(st.pods, 1);
	assert_int_equal(client_delete(fs.c, k, "default", "one", &err), 0);
	for (i = 0; i < WAIT_MS / 50 && !pod_gone("one"); i++)
		test_fs_sleep_ms(50);
	assert_true(pod_gone("one"));
	for (i = 0; i < WAIT_MS / 50; i++) {
		agent_get_stats(r.agent, &st);
		if (st.pods == 0)
			break;
		test_fs_sleep_ms(50);
	}
	assert_int_equal(st.pods, 0);
	assert_int_equal(st.pods_deleted, 1);
	stop(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_checks),
	    cmocka_unit_test(test_stop_before_run),
	    cmocka_unit_test(test_leases_in_batches),
	    cmocka_unit_test(test_pod_life),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
