/*
 * Unit tests for nodeagent/cgstats.c: a container's CPU time and working
 * set from cgroup v1 and v2 files (laid out in a temp dir as the kernel
 * shows them), the machine's from /proc, and CPU rates.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "nodeagent/cgstats.h"
#include "nodeagent/fsutil.h"

static void put(const char *root, const char *rel, const char *text)
{
	char path[4096], dir[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(fsutil_mkdir_p(dir, 0755), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_v1(void **state)
{
	char root[] = "/tmp/kubefs-cgstats.XXXXXX";
	struct cgstats st;

	(void)state;
	assert_non_null(mkdtemp(root));
	put(root, "cpuacct/kp/pod1/c1/cpuacct.usage", "1500000000\n");
	put(root, "memory/kp/pod1/c1/memory.usage_in_bytes", "10485760\n");
	put(root, "memory/kp/pod1/c1/memory.stat",
	    "cache 4096\ninactive_file 999\ntotal_inactive_file 2097152\n");
	assert_int_equal(cgstats_read(root, "/kp/pod1/c1", &st), 0);
	assert_int_equal(st.cpu_ns, 1500000000);
	assert_int_equal(st.working_set, 10485760 - 2097152);
	assert_int_equal(cgstats_read(root, "/kp/pod1/gone", &st), -ENOENT);
	fsutil_rm_rf(root);
}

static void test_v2(void **state)
{
	char root[] = "/tmp/kubefs-cgstats.XXXXXX";
	struct cgstats st;

	(void)state;
	assert_non_null(mkdtemp(root));
	put(root, "cgroup.controllers", "cpu memory pids\n");
	put(root, "kp/pod1/c1/cpu.stat",
	    "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
	put(root, "kp/pod1/c1/memory.current", "8192\n");
	put(root, "kp/pod1/c1/memory.stat",
	    "anon 4096\nactive_file 0\ninactive_file 10000\n");
	assert_int_equal(cgstats_read(root, "/kp/pod1/c1", &st), 0);
	assert_int_equal(st.cpu_ns, 2500000);
	assert_int_equal(st.working_set, 0); /* never below zero */
	fsutil_rm_rf(root);
}

static void test_node_and_rates(void **state)
{
	struct cgstats st;

	(void)state;
	assert_int_equal(cgstats_node(&st), 0);
	assert_true(st.cpu_ns > 0);
	assert_true(st.working_set > 0);
	/* 0.5 s of CPU over 2 s: a quarter of a core */
	assert_int_equal(cgstats_nanocores(1000000000, 1500000000, 2000000000),
			 250000000);
	assert_int_equal(cgstats_nanocores(5, 4, 1000), 0); /* went back */
	assert_int_equal(cgstats_nanocores(1, 2, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1),
	    cmocka_unit_test(test_v2),
	    cmocka_unit_test(test_node_and_rates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
