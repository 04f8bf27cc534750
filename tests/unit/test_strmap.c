/*
 * test_strmap.c — the string hash map (api/strmap.h) and FNV-1a
 * (api/hash.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/hash.h"
#include "api/strmap.h"

static void test_fnv1a(void **state)
{
	(void)state;
	/* the published FNV-1a 64-bit test vectors */
	assert_true(fnv1a(FNV1A_OFFSET, "", 0) == 0xcbf29ce484222325ull);
	assert_true(fnv1a(FNV1A_OFFSET, "a", 1) == 0xaf63dc4c8601ec8cull);
	assert_true(fnv1a(FNV1A_OFFSET, "foobar", 6) == 0x85944171f73967e8ull);
	assert_int_equal(
	    fnv1a_str_index("foobar"),
	    (size_t)(0x85944171f73967e8ull ^ (0x85944171f73967e8ull >> 29)));
	/* and the 32-bit ones */
	assert_true(fnv1a32(FNV1A32_OFFSET, "", 0) == 0x811c9dc5u);
	assert_true(fnv1a32(FNV1A32_OFFSET, "a", 1) == 0xe40c292cu);
	assert_true(fnv1a32(FNV1A32_OFFSET, "foobar", 6) == 0xbf9cf968u);
}

static void test_put_get_remove(void **state)
{
	struct strmap m;
	int one = 1, two = 2;

	(void)state;
	strmap_init(&m);
	assert_null(strmap_get(&m, "a"));
	assert_null(strmap_remove(&m, "a"));
	assert_int_equal(strmap_put(&m, "a", &one), 0);
	assert_int_equal(strmap_put(&m, "b", &two), 0);
	assert_ptr_equal(strmap_get(&m, "a"), &one);
	assert_int_equal(strmap_put(&m, "a", &two), 0); /* replace */
	assert_ptr_equal(strmap_get(&m, "a"), &two);
	assert_int_equal(strmap_len(&m), 2);
	assert_ptr_equal(strmap_remove(&m, "a"), &two);
	assert_null(strmap_get(&m, "a"));
	assert_int_equal(strmap_len(&m), 1);
	assert_int_equal(strmap_put(&m, NULL, &one), -EINVAL);
	assert_null(strmap_get(&m, NULL));
	strmap_release(&m);
	assert_int_equal(strmap_len(&m), 0);
}

/* Many keys: growth and backward-shift deletion keep every key found. */
static void test_many(void **state)
{
	static int vals[2000];
	struct strmap m;
	const char *k;
	void *v;
	size_t it = 0, seen = 0;
	char key[16];

	(void)state;
	strmap_init(&m);
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "pod-%d", i);
		assert_int_equal(strmap_put(&m, key, &vals[i]), 0);
	}
	for (int i = 0; i < 2000; i += 2) {
		snprintf(key, sizeof(key), "pod-%d", i);
		assert_ptr_equal(strmap_remove(&m, key), &vals[i]);
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "pod-%d", i);
		if (i % 2)
			assert_ptr_equal(strmap_get(&m, key), &vals[i]);
		else
			assert_null(strmap_get(&m, key));
	}
	while (strmap_next(&m, &it, &k, &v)) {
		assert_int_equal(strncmp(k, "pod-", 4), 0);
		seen++;
	}
	assert_int_equal(seen, 1000);
	assert_int_equal(strmap_len(&m), 1000);
	strmap_release(&m);
}

/* random puts and removes, checked against a reference array */
static void test_random_reference(void **state)
{
	enum { N = 5000 };
	static char present[N];
	struct strmap m;
	char key[32];
	const char *k;
	size_t it = 0, seen = 0;
	void *v;
	unsigned seed = 1;

	(void)state;
	strmap_init(&m);
	assert_null(strmap_get(&m, "x"));
	assert_null(strmap_remove(&m, "x"));
	/* random puts and removes against a reference array */
	for (int round = 0; round < 40000; round++) {
		int i;

		seed = seed * 1103515245u + 12345u;
		i = (int)((seed >> 8) % N);
		snprintf(key, sizeof(key), "ns/pod-%d", i);
		if ((seed >> 4) & 1) {
			assert_int_equal(
			    strmap_put(&m, key, (void *)(intptr_t)(i + 1)), 0);
			present[i] = 1;
		} else {
			v = strmap_remove(&m, key);
			assert_ptr_equal(
			    v, present[i] ? (void *)(intptr_t)(i + 1) : NULL);
			present[i] = 0;
		}
	}
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "ns/pod-%d", i);
		assert_ptr_equal(strmap_get(&m, key),
				 present[i] ? (void *)(intptr_t)(i + 1) : NULL);
		seen += (size_t)present[i];
	}
	assert_int_equal(strmap_len(&m), seen);
	while (strmap_next(&m, &it, &k, &v)) {
		assert_int_equal(strncmp(k, "ns/pod-", 7), 0);
		seen--;
	}
	assert_int_equal(seen, 0);
	/* replacing keeps one entry */
	assert_int_equal(strmap_put(&m, "a", (void *)1), 0);
	assert_int_equal(strmap_put(&m, "a", (void *)2), 0);
	assert_ptr_equal(strmap_get(&m, "a"), (void *)2);
	assert_int_equal(strmap_put(&m, NULL, (void *)2), -EINVAL);
	strmap_release(&m);
	assert_int_equal(strmap_len(&m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fnv1a),
	    cmocka_unit_test(test_put_get_remove),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_random_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
