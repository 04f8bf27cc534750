/*
 * fuzz_selector.c — label and field selector parsers against arbitrary
 * bytes (the text a user puts after labelSelector= / fieldSelector=).
 *
 * Parsing either succeeds, or fails with -EINVAL and a message while
 * leaving the output untouched. A parsed selector is matched against
 * objects made from the input itself (so that matches do happen), and
 * matching twice gives the same answer. Text that is JSON is also tried
 * as a metav1.LabelSelector or node selector requirements, built and
 * matched directly (the two must agree). Anything else aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/selector.h"

static const struct {
	const char *group, *kind;
} kinds[] = {
    {"", "Pod"},
    {"", "Event"},
    {"", "Node"},
    {"apps", "Deployment"},
};

static void fail(const char *what, const char *text, const char *msg)
{
	fprintf(stderr, "fuzz_selector: %s\n--- text:\n%s\n--- %s\n", what,
		text, msg ? msg : "");
	abort();
}

static void check_error(const char *what, const char *text, int r,
			const struct kf_error *err, const void *untouched)
{
	if (r != -EINVAL && r != -ENOMEM)
		fail(what, text, "unexpected return value");
	if (err->code != r || !err->msg[0] ||
	    strnlen(err->msg, sizeof(err->msg)) == sizeof(err->msg))
		fail(what, text, "bad error");
	if (untouched != (const void *)(uintptr_t)1)
		fail(what, text, "output set on failure");
}

/* labels {k: v} and fields from the "k=v" pieces of text. */
static json_t *object_from(const char *text)
{
	json_t *obj =
	    json_pack("{s:{s:s,s:s,s:{}},s:{s:s},s:{s:s}}", "metadata", "name",
		      "x", "namespace", "default", "labels", "spec", "nodeName",
		      "n1", "status", "phase", "Running");
	json_t *labels =
	    json_object_get(json_object_get(obj, "metadata"), "labels");
	char *copy = strdup(text), *save = NULL;

	if (!obj || !copy)
		abort();
	for (char *p = strtok_r(copy, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(p, '=');
		json_t *v;

		if (eq)
			*eq++ = '\0';
		/* pieces that are not UTF-8 cannot be JSON: skipped */
		v = json_string(eq ? eq : "");
		if (v)
			json_object_set_new(labels, p, v);
	}
	free(copy);
	return obj;
}

/*
 * When the text is JSON: as a metav1.LabelSelector (an object) or a node
 * term's matchExpressions (an array), building then matching and
 * matching directly must agree, and a refused one is refused by both.
 */
static void check_api(const char *text, const json_t *labels)
{
	struct label_selector *s = (struct label_selector *)(uintptr_t)1;
	json_t *sel = json_loads(text, 0, NULL);
	struct kf_error err;
	bool node;
	int built, direct;

	if (!sel)
		return;
	node = json_is_array(sel);
	kf_error_init(&err);
	built = node ? label_selector_from_node_requirements(sel, &err, &s)
		     : label_selector_from_api(sel, &err, &s);
	direct = node ? label_selector_node_matches(sel, labels)
		      : label_selector_api_matches(sel, labels);
	if (built < 0) {
		check_error("api", text, built, &err, s);
		if (built == -EINVAL && direct != -EINVAL)
			fail("api", text, "refused only when building");
	} else {
		built = label_selector_matches(s, labels);
		label_selector_free(s);
		if (built != direct)
			fail("api", text, "built and direct matching differ");
	}
	json_decref(sel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct label_selector *ls = (struct label_selector *)(uintptr_t)1;
	struct field_selector *fs = (struct field_selector *)(uintptr_t)1;
	char *text = malloc(size + 1);
	struct kf_error err;
	json_t *obj;
	size_t k;
	int r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* selectors stop at a NUL, as C strings do */
	obj = object_from(text);

	kf_error_init(&err);
	r = label_selector_parse(text, &err, &ls);
	if (r < 0) {
		check_error("label", text, r, &err, ls);
	} else {
		bool m = label_selector_matches_object(ls, obj);

		if (m != label_selector_matches_object(ls, obj))
			fail("label", text, "matching is not stable");
		label_selector_free(ls);
	}

	k = size % (sizeof(kinds) / sizeof(kinds[0]));
	kf_error_init(&err);
	r = field_selector_parse(text, kinds[k].group, kinds[k].kind, &err,
				 &fs);
	if (r < 0) {
		check_error("field", text, r, &err, fs);
	} else {
		bool m = field_selector_matches(fs, obj);

		if (m != field_selector_matches(fs, obj))
			fail("field", text, "matching is not stable");
		field_selector_free(fs);
	}
	check_api(text,
		  json_object_get(json_object_get(obj, "metadata"), "labels"));
	json_decref(obj);
	free(text);
	return 0;
}
