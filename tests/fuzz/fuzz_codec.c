/*
 * fuzz_codec.c — the codec against arbitrary bytes.
 *
 * Decoding with the default limits either fails with a message and leaves
 * the output untouched, or gives documents that survive both encoders:
 * encode → decode is the same tree and encoding it again gives the same
 * bytes (the canonical form is a fixed point). Any mismatch aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/codec.h"

typedef char *(*encode_fn)(const json_t *, size_t *);

static const struct codec_limits reread_limits = {
    /* Encoded text may be larger than the input; the rest is as strict. */
    .max_bytes = SIZE_MAX,
    .max_depth = CODEC_MAX_DEPTH,
    .max_aliases = CODEC_MAX_ALIASES,
    .max_nodes = CODEC_MAX_NODES,
};

static void fail(const char *what, const char *text, const char *msg)
{
	fprintf(stderr, "fuzz_codec: %s\n--- text:\n%s\n--- %s\n", what,
		text ? text : "(null)", msg ? msg : "");
	abort();
}

static void round_trip(const json_t *doc, encode_fn encode, const char *name)
{
	struct kf_error err;
	json_t *back = NULL;
	size_t len, len2;
	char *text, *again;

	kf_error_init(&err);
	text = encode(doc, &len);
	if (!text)
		fail(name, "encoder returned NULL", NULL);
	if (strlen(text) != len)
		fail(name, text, "length mismatch");
	if (codec_decode_one(text, len, &reread_limits, &err, &back) < 0)
		fail(name, text, err.msg);
	if (!json_equal(back, (json_t *)doc))
		fail(name, text, "decoded tree differs");
	again = encode(back, &len2);
	if (!again || len2 != len || memcmp(text, again, len))
		fail(name, text, again ? again : "(null)");
	free(again);
	free(text);
	json_decref(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *docs = (json_t *)(uintptr_t)1, *doc;
	struct kf_error err;
	size_t i;
	int r;

	kf_error_init(&err);
	r = codec_decode((const char *)data, size, NULL, &err, &docs);
	if (r < 0) {
		if (docs != (json_t *)(uintptr_t)1 || err.code != r ||
		    !err.msg[0])
			fail("failure without a message", NULL, err.msg);
		return 0;
	}
	json_array_foreach (docs, i, doc) {
		round_trip(doc, codec_encode_yaml, "yaml");
		round_trip(doc, codec_encode_json, "json");
		round_trip(doc, codec_encode_json_line, "json line");
	}
	if (codec_flatten_lists(docs) < 0)
		fail("flatten", NULL, NULL);
	json_decref(docs);
	return 0;
}
