/*
 * Unit tests for kubefs-ctrl's garbage collector against a real
 * kubefs-fs, with ConfigMaps as owners and dependents: a dangling owner
 * gets its dependent deleted, a solid owner keeps it, Orphan strips the
 * references, Foreground waits for blocking dependents, and an owner
 * cycle deleted in the foreground ends instead of looping.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "ctrl/meta.h"
#include "test_ctrl_run.h"

static const struct kind_info *k_cm(void)
{
	return kinds_by_path("core", "v1", "configmaps");
}

static void mkcm(const char *name)
{
	char rel[128], text[256];

	snprintf(rel, sizeof(rel), "core/v1/configmaps/default/%s", name);
	snprintf(text, sizeof(text),
		 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\n",
		 name);
	put(rel, text);
}

static char *uid_of(const char *name)
{
	_cleanup_json_ json_t *o = NULL;

	assert_int_equal(client_get(fs.c, k_cm(), "default", name, NULL, &o),
			 0);
	return strdup(meta_s(o, "uid"));
}

/* Make dep owned by owner (uid given, so a dangling one can be faked). */
static void own(const char *dep, const char *owner, const char *uid, bool block)
{
	_cleanup_json_ json_t *patch = json_pack(
	    "{s:{s:[{s:s, s:s, s:s, s:s, s:b}]}}", "metadata",
	    "ownerReferences", "apiVersion", "v1", "kind", "ConfigMap", "name",
	    owner, "uid", uid, "blockOwnerDeletion", block);

	assert_int_equal(
	    client_patch(fs.c, k_cm(), "default", dep, patch, NULL, NULL), 0);
}

static bool gone(void *ud)
{
	_cleanup_json_ json_t *o = NULL;

	return client_get(fs.c, k_cm(), "default", ud, NULL, &o) == -ENOENT;
}

static bool unowned(void *ud)
{
	_cleanup_json_ json_t *o = NULL;

	return client_get(fs.c, k_cm(), "default", ud, NULL, &o) == 0 &&
	       !json_array_size(cj_get(o, "metadata.ownerReferences"));
}

static void test_dangling_and_solid(void **state)
{
	struct test_ctrl tc;
	_cleanup_free_ char *uid = NULL;

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "garbagecollector"), 0);
	mkcm("owner");
	mkcm("kept");
	mkcm("lost");
	uid = uid_of("owner");
	own("kept", "owner", uid, false);
	own("lost", "owner", "no-such-uid", false);
	assert_true(test_ctrl_wait(gone, "lost"));
	assert_false(gone("kept"));
	/* Background delete of the owner: its dependent follows */
	assert_int_equal(client_delete(fs.c, k_cm(), "default", "owner", NULL),
			 0);
	assert_true(test_ctrl_wait(gone, "kept"));
	test_ctrl_stop(&tc);
}

static void test_orphan_and_foreground(void **state)
{
	struct test_ctrl tc;
	_cleanup_free_ char *u1 = NULL, *u2 = NULL;
	_cleanup_json_ json_t *orphan =
	    json_pack("{s:s}", "propagationPolicy", "Orphan");
	_cleanup_json_ json_t *fg =
	    json_pack("{s:s}", "propagationPolicy", "Foreground");

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "garbagecollector"), 0);
	mkcm("o1");
	mkcm("child1");
	u1 = uid_of("o1");
	own("child1", "o1", u1, true);
	assert_int_equal(
	    client_delete_with(fs.c, k_cm(), "default", "o1", orphan, NULL), 0);
	assert_true(test_ctrl_wait(gone, "o1"));
	assert_true(test_ctrl_wait(unowned, "child1"));

	mkcm("o2");
	mkcm("child2");
	u2 = uid_of("o2");
	own("child2", "o2", u2, true);
	assert_int_equal(
	    client_delete_with(fs.c, k_cm(), "default", "o2", fg, NULL), 0);
	assert_true(test_ctrl_wait(gone, "child2"));
	assert_true(test_ctrl_wait(gone, "o2"));
	test_ctrl_stop(&tc);
}

static void test_cycle(void **state)
{
	struct test_ctrl tc;
	_cleanup_free_ char *ua = NULL, *ub = NULL;
	_cleanup_json_ json_t *fg =
	    json_pack("{s:s}", "propagationPolicy", "Foreground");

	TEST_FS_REQUIRE(&fs);
	mkcm("ring-a");
	mkcm("ring-b");
	ua = uid_of("ring-a");
	ub = uid_of("ring-b");
	own("ring-a", "ring-b", ub, true);
	own("ring-b", "ring-a", ua, true);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "garbagecollector"), 0);
	/* both alive and owning each other: nothing happens */
	test_fs_sleep_ms(300);
	assert_false(gone("ring-a"));
	assert_false(gone("ring-b"));
	assert_int_equal(
	    client_delete_with(fs.c, k_cm(), "default", "ring-a", fg, NULL), 0);
	assert_true(test_ctrl_wait(gone, "ring-a"));
	assert_true(test_ctrl_wait(gone, "ring-b"));
	test_ctrl_stop(&tc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dangling_and_solid),
	    cmocka_unit_test(test_orphan_and_foreground),
	    cmocka_unit_test(test_cycle),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
