/*
 * fuzz_jsonpath.c — the JSONPath template parser of `kubefs get -o
 * jsonpath=` and `kubefs wait --for=jsonpath=` against arbitrary bytes.
 *
 * Parsing either succeeds, or fails with -EINVAL and a message while
 * leaving the output untouched. A parsed template is run against a fixed
 * object and against the input itself decoded as JSON (when it is), and
 * running it twice gives the same text. Anything else aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell/jsonpath.h"

static const char object[] =
    "{\"kind\":\"List\",\"items\":[{\"metadata\":{\"name\":\"a\",\"labels\":"
    "{\"app\":\"x\",\"k.io/n\":\"y\"}},\"status\":{\"phase\":\"Running\","
    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],\"n\":3}},"
    "{\"metadata\":{\"name\":\"b\"},\"spec\":{\"list\":[1,2.5,true,null,"
    "\"s\",[[]],{}]}}]}";

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_jsonpath: %s\n--- template:\n%s\n", what, text);
	abort();
}

static void run_twice(const struct jsonpath *jp, const json_t *obj,
		      const char *text)
{
	char *a = jsonpath_text(jp, obj);
	char *b = jsonpath_text(jp, obj);

	if (!a || !b || strcmp(a, b))
		fail("output differs between two runs", text);
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonpath *jp = (struct jsonpath *)&jp; /* sentinel */
	struct jsonpath *const sentinel = jp;
	struct kf_error err;
	json_t *fixed, *own;
	char *text;
	int r;

	if (size > JSONPATH_TEXT_MAX + 16)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	kf_error_init(&err);
	r = jsonpath_parse(text, &err, &jp);
	if (r < 0) {
		if (r != -EINVAL && r != -ENOMEM)
			fail("unexpected return value", text);
		if (jp != sentinel)
			fail("output written on failure", text);
		if (!err.msg[0])
			fail("failure without a message", text);
		free(text);
		return 0;
	}
	fixed = json_loads(object, 0, NULL);
	own = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!fixed)
		abort();
	run_twice(jp, fixed, text);
	if (own)
		run_twice(jp, own, text);
	json_decref(fixed);
	json_decref(own);
	jsonpath_free(jp);
	free(text);
	return 0;
}
