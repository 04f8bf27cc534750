/*
 * fuzz_admit.c — admission (defaulting + validation) against arbitrary
 * manifests.
 *
 * Every document the codec decodes whose apiVersion/kind is served goes
 * through kind_admit(). It must not crash; a rejection must carry its
 * errno and a message; an admitted object must be a fixed point (admitting
 * it again changes nothing: defaulting is idempotent) and must pass as an
 * update of itself. Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "api/kinds.h"

static void fail(const char *what, const json_t *doc, const char *msg)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);

	fprintf(stderr, "fuzz_admit: %s\n--- object:\n%s\n--- %s\n", what,
		text ? text : "?", msg ? msg : "");
	free(text);
	abort();
}

static void admit_one(const struct kind_info *k, const json_t *doc)
{
	_cleanup_json_ json_t *obj = json_deep_copy(doc);
	_cleanup_json_ json_t *again = NULL, *upd = NULL;
	struct kf_error err;
	int r;

	if (!obj)
		return;
	kf_error_init(&err);
	r = kind_admit(k, obj, NULL, &err);
	if (r < 0) {
		if (err.code != r || !err.msg[0])
			fail("rejection without a message", doc, err.msg);
		return;
	}
	again = json_deep_copy(obj);
	if (!again)
		return;
	kf_error_init(&err);
	if (kind_admit(k, again, NULL, &err) != 0)
		fail("admitted object rejected on second pass", obj, err.msg);
	if (!json_equal(again, obj))
		fail("defaulting is not idempotent", obj, NULL);
	upd = json_deep_copy(obj);
	if (!upd)
		return;
	if (kind_admit(k, upd, obj, &err) != 0)
		fail("object rejected as an update of itself", obj, err.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *docs = NULL, *doc;
	struct kf_error err;
	size_t i;

	kf_error_init(&err);
	if (codec_decode((const char *)data, size, NULL, &err, &docs) < 0)
		return 0;
	if (codec_flatten_lists(docs) < 0) {
		json_decref(docs);
		return 0;
	}
	json_array_foreach (docs, i, doc) {
		const struct kind_info *k = kinds_by_gvk(
		    json_string_value(json_object_get(doc, "apiVersion")),
		    json_string_value(json_object_get(doc, "kind")));

		if (k)
			admit_one(k, doc);
	}
	json_decref(docs);
	return 0;
}
