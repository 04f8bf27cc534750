/* Unit tests of the FUSE layer's pure parts: the errors log, ghosts and
 * scratch files, name rules, inode numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/fs_i.h"
#include "api/validate.h"

static void test_errlog_per_uid(void **state)
{
	struct errlog *el = errlog_new();
	size_t len;
	char *t;

	(void)state;
	errlog_add(el, 1000, "core/v1/pods/default/x", "first");
	errlog_add(el, 0, "a", "root's");
	errlog_add(el, 1000, "core/v1/pods/default/y", "one\ntwo");
	t = errlog_text(el, 1000, &len);
	assert_int_equal(len, strlen(t));
	assert_non_null(strstr(t, " core/v1/pods/default/x: first\n"));
	assert_non_null(strstr(t, " core/v1/pods/default/y: one\n"));
	assert_non_null(strstr(t, " core/v1/pods/default/y: two\n"));
	assert_null(strstr(t, "root's"));
	/* newest last */
	assert_true(strstr(t, "first") < strstr(t, "two"));
	free(t);
	t = errlog_text(el, 42, &len);
	assert_int_equal(len, 0);
	free(t);
	errlog_free(el);
}

static void test_errlog_ring(void **state)
{
	struct errlog *el = errlog_new();
	char msg[32], *t, *p;
	size_t len, lines = 0;

	(void)state;
	for (int i = 0; i < ERRLOG_LINES + 50; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		errlog_add(el, 7, "p", msg);
	}
	t = errlog_text(el, 7, &len);
	for (p = t; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, ERRLOG_LINES);
	assert_null(strstr(t, ": m49\n"));
	assert_non_null(strstr(t, ": m50\n"));
	assert_non_null(strstr(t, ": m149\n"));
	free(t);
	errlog_free(el);
}

static void test_ephemeral(void **state)
{
	struct kfs fs;
	struct ephemeral e;
	char *data;
	size_t len;

	(void)state;
	memset(&fs, 0, sizeof(fs));
	pthread_mutex_init(&fs.eph_lock, NULL);
	assert_int_equal(eph_lookup(&fs, 5, "x", &e), -ENOENT);
	eph_ghost(&fs, 5, "x", 77);
	assert_int_equal(eph_lookup(&fs, 5, "x", &e), 0);
	assert_int_equal(e.type, NODE_GHOST);
	assert_int_equal(e.ino, 77);
	assert_int_equal(eph_lookup(&fs, 6, "x", &e), -ENOENT);

	assert_int_equal(eph_scratch_create(&fs, 5, ".x.swp", 78), 0);
	assert_int_equal(eph_scratch_store(&fs, 5, ".x.swp", strdup("abc"), 3),
			 0);
	assert_int_equal(eph_scratch_read(&fs, 5, ".x.swp", &data, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(data, "abc", 3);
	free(data);
	assert_int_equal(eph_remove(&fs, 5, ".x.swp", &data, &len), 0);
	assert_memory_equal(data, "abc", 3);
	free(data);
	assert_int_equal(eph_remove(&fs, 5, ".x.swp", NULL, NULL), -ENOENT);

	/* scratch files are bounded */
	for (int i = 0; i < SCRATCH_MAX_FILES; i++) {
		char n[16];

		snprintf(n, sizeof(n), ".s%d", i);
		assert_int_equal(eph_scratch_create(&fs, 9, n, 100 + i), 0);
	}
	assert_int_equal(eph_scratch_create(&fs, 9, ".one-more", 1), -ENOSPC);
	eph_release(&fs);
	pthread_mutex_destroy(&fs.eph_lock);
}

/* What can be an object's file: api/validate.h's DNS-1123 subdomain, so
 * editors' and tools' temporaries are never taken for objects. */
static void test_names(void **state)
{
	(void)state;
	assert_true(is_dns1123_subdomain("nginx"));
	assert_true(is_dns1123_subdomain("a.b-c.0"));
	assert_false(is_dns1123_subdomain(""));
	assert_false(is_dns1123_subdomain(".swp"));
	assert_false(is_dns1123_subdomain("Nginx"));
	assert_false(is_dns1123_subdomain("a_b"));
	assert_false(is_dns1123_subdomain("x@json"));
	assert_false(is_dns1123_subdomain("-a"));
	assert_false(is_dns1123_subdomain("a-"));
	assert_false(is_dns1123_subdomain("deployment.yaml~"));
}

static void test_path_ino(void **state)
{
	(void)state;
	assert_int_equal(kfs_path_ino(""), FUSE_ROOT_ID);
	assert_int_equal(kfs_path_ino("core/v1/pods"),
			 kfs_path_ino("core/v1/pods"));
	assert_int_not_equal(kfs_path_ino("core/v1/pods"),
			     kfs_path_ino("core/v1/pod"));
	assert_true(kfs_path_ino("x") > FUSE_ROOT_ID);
	assert_true((kfs_path_ino("x") >> 63) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_errlog_per_uid),
	    cmocka_unit_test(test_errlog_ring),
	    cmocka_unit_test(test_ephemeral),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_path_ino),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
