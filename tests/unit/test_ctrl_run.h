/*
 * test_ctrl_run.h — run kubefs-ctrl's controllers inside a unit test
 * against a real kubefs-fs (test_client_fs.h): the same setup, informers
 * and workers as the daemon, without leader election.
 *
 *   struct test_ctrl tc;
 *   test_ctrl_start(&tc, fs.c, "replicaset,deployment");
 *   ... wait_until(...) ...
 *   test_ctrl_stop(&tc);
 *
 * It also gives each test file its server (fs, started and stopped by
 * group_setup/group_teardown) and put(), a write that must succeed. The
 * including file must include <cmocka.h> first.
 */
#ifndef KUBEFS_TESTS_UNIT_TEST_CTRL_RUN_H
#define KUBEFS_TESTS_UNIT_TEST_CTRL_RUN_H

#include <stdbool.h>
#include <string.h>

#include "ctrl/ctrl.h"
#include "test_client_fs.h"

static struct test_fs fs;

static inline int group_setup(void **state)
{
	(void)state;
	test_fs_start(&fs);
	return 0;
}

static inline int group_teardown(void **state)
{
	(void)state;
	test_fs_stop(&fs);
	return 0;
}

static inline void put(const char *rel, const char *text)
{
	assert_int_equal(test_fs_write(&fs, rel, text), 0);
}

struct test_ctrl {
	struct ctrl_ctx ctx;
	struct controller c[8];
	size_t n;
};

/* Start the controllers spec names, with options o (NULL: defaults). */
static inline int test_ctrl_start_opts(struct test_ctrl *tc, struct client *c,
				       const char *spec,
				       const struct ctrl_opts *o)
{
	int r = 0;

	memset(tc, 0, sizeof(*tc));
	ctrl_ctx_init(&tc->ctx, c, NULL, o);
	for (size_t i = 0; ctrl_controllers[i].name && r == 0; i++) {
		if (!ctrl_enabled(spec, &ctrl_controllers[i]) || tc->n >= 8)
			continue;
		tc->c[tc->n].name = ctrl_controllers[i].name;
		r = ctrl_controllers[i].setup(&tc->ctx, &tc->c[tc->n]);
		if (r == 0)
			tc->n++;
	}
	if (r == 0)
		r = ctrl_ctx_start_informers(&tc->ctx);
	if (r == 0)
		r = ctrl_ctx_wait_synced(&tc->ctx, 10000);
	for (size_t i = 0; i < tc->n && r == 0; i++)
		for (size_t j = 0; j < tc->c[i].nloops && r == 0; j++)
			r = ctrl_loop_start(tc->c[i].loops[j]);
	return r;
}

static inline int test_ctrl_start(struct test_ctrl *tc, struct client *c,
				  const char *spec)
{
	return test_ctrl_start_opts(tc, c, spec, NULL);
}

static inline void test_ctrl_stop(struct test_ctrl *tc)
{
	for (size_t i = 0; i < tc->n; i++)
		for (size_t j = 0; j < tc->c[i].nloops; j++)
			ctrl_loop_shutdown(tc->c[i].loops[j]);
	for (size_t i = 0; i < tc->n; i++)
		for (size_t j = 0; j < tc->c[i].nloops; j++)
			ctrl_loop_join(tc->c[i].loops[j]);
	ctrl_ctx_release(&tc->ctx);
	for (size_t i = 0; i < tc->n; i++)
		tc->c[i].free(tc->c[i].state);
	tc->n = 0;
}

/* Poll cond(ud) every 50 ms for up to 20 s. */
static inline bool test_ctrl_wait(bool (*cond)(void *ud), void *ud)
{
	for (int i = 0; i < 400; i++) {
		if (cond(ud))
			return true;
		test_fs_sleep_ms(50);
	}
	return cond(ud);
}

#endif
