/*
 * test_admission_fx.h — the fixture of the admission tests
 * (test_admission*.c): a server on a fresh store in a temporary
 * directory, and helpers to write YAML through it. Static functions:
 * include from one test file each.
 */
#ifndef KUBEFS_TESTS_UNIT_TEST_ADMISSION_FX_H
#define KUBEFS_TESTS_UNIT_TEST_ADMISSION_FX_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "apiserver/admission.h"
#include "apiserver/server.h"

struct fx {
	char dir[64];
	struct store *store;
	struct server *srv;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct store_config sc = {.no_sync = true};
	struct server_config c = {0};

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kubefs-test-adm.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	sc.path = f->dir;
	if (store_open(&sc, &f->store) < 0)
		return -1;
	c.store = f->store;
	if (server_new(&c, &f->srv) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	server_free(f->srv);
	store_free(f->store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static const struct kind_info *K(const char *resource)
{
	const struct kind_info *k = kinds_by_path("core", "v1", resource);

	assert_non_null(k);
	return k;
}

static json_t *Y(const char *yaml)
{
	struct kf_error err;
	json_t *obj = NULL;

	if (codec_decode_one(yaml, strlen(yaml), NULL, &err, &obj) < 0)
		fail_msg("bad test YAML: %s", err.msg);
	return obj;
}

static int put(struct fx *f, const char *resource, const char *ns,
	       const char *name, const char *yaml, struct kf_error *err)
{
	_cleanup_json_ json_t *in = Y(yaml);

	kf_error_init(err);
	return server_put(f->srv, K(resource), ns, name, in, 0, err, NULL);
}

static void expect(int r, const struct kf_error *err, int code,
		   const char *want)
{
	if (r != code || strcmp(err->msg, want))
		fail_msg("want %d \"%s\"\n got %d \"%s\"", code, want, r,
			 err->msg);
}

#endif
