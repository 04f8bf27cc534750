/*
 * codec.c — the public entry points: the size limit, format detection,
 * one-document decoding and List flattening. The decoders live in
 * codec_yaml_load.c and codec_json.c, the encoders in codec_yaml_dump.c
 * and codec_json.c.
 */
#include <errno.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "api/codec_i.h"

const struct codec_limits codec_default_limits = {
    .max_bytes = CODEC_MAX_BYTES,
    .max_depth = CODEC_MAX_DEPTH,
    .max_aliases = CODEC_MAX_ALIASES,
    .max_nodes = CODEC_MAX_NODES,
};

static bool looks_like_json(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (buf[i]) {
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			continue;
		case '{':
		case '[':
			return true;
		default:
			return false;
		}
	}
	return false;
}

/*
 * Input that starts like JSON but that jansson refuses may still be YAML
 * in flow style ("{a: 1}"); keep the JSON error unless YAML takes it, or
 * YAML hits a limit.
 */
static int decode_json_or_flow(const char *buf, size_t len,
			       const struct codec_limits *lim, json_t **docs,
			       struct kf_error *err)
{
	_cleanup_json_ json_t *ydocs = NULL;
	struct kf_error yerr;
	int r;

	r = codec_json_decode(buf, len, lim, *docs, err);
	if (r != -EINVAL)
		return r;
	ydocs = json_array();
	if (!ydocs)
		return kf_error_set(err, -ENOMEM, "out of memory");
	kf_error_init(&yerr);
	r = codec_yaml_decode(buf, len, lim, ydocs, &yerr);
	if (r == 0) {
		json_decref(*docs);
		*docs = TAKE_PTR(ydocs);
		kf_error_init(err);
		return 0;
	}
	if (r != -EINVAL) {
		if (err)
			*err = yerr;
		return r;
	}
	return -EINVAL;
}

int codec_decode(const char *buf, size_t len, const struct codec_limits *limits,
		 struct kf_error *err, json_t **ret_docs)
{
	_cleanup_json_ json_t *docs = NULL;
	int r;

	if (!limits)
		limits = &codec_default_limits;
	if (!buf)
		len = 0, buf = "";
	if (len > limits->max_bytes)
		return kf_error_set(err, -EFBIG,
				    "the object is too large: %zu bytes, the "
				    "limit is %zu bytes",
				    len, limits->max_bytes);
	docs = json_array();
	if (!docs)
		return kf_error_set(err, -ENOMEM, "out of memory");
	if (looks_like_json(buf, len))
		r = decode_json_or_flow(buf, len, limits, &docs, err);
	else
		r = codec_yaml_decode(buf, len, limits, docs, err);
	if (r < 0)
		return r;
	*ret_docs = TAKE_PTR(docs);
	return 0;
}

int codec_decode_one(const char *buf, size_t len,
		     const struct codec_limits *limits, struct kf_error *err,
		     json_t **ret_obj)
{
	_cleanup_json_ json_t *docs = NULL;
	int r;

	r = codec_decode(buf, len, limits, err, &docs);
	if (r < 0)
		return r;
	if (json_array_size(docs) != 1)
		return kf_error_set(err, -EINVAL,
				    "expected one object, found %zu",
				    json_array_size(docs));
	*ret_obj = json_incref(json_array_get(docs, 0));
	return 0;
}

static bool is_list(const json_t *doc)
{
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	size_t n = kind ? strlen(kind) : 0;

	return n >= 4 && !strcmp(kind + n - 4, "List") &&
	       json_is_array(json_object_get(doc, "items"));
}

/* Append doc, or the items of a List (recursively), to out. */
static int flatten_into(json_t *out, json_t *doc)
{
	json_t *item;
	size_t i;
	int r;

	if (!is_list(doc))
		return json_array_append(out, doc) < 0 ? -ENOMEM : 0;
	json_array_foreach (json_object_get(doc, "items"), i, item) {
		r = flatten_into(out, item);
		if (r < 0)
			return r;
	}
	return 0;
}

int codec_flatten_lists(json_t *docs)
{
	_cleanup_json_ json_t *out = NULL;
	json_t *doc;
	size_t i;
	int r;

	json_array_foreach (docs, i, doc) {
		if (is_list(doc))
			break;
	}
	if (i >= json_array_size(docs))
		return 0;
	out = json_array();
	if (!out)
		return -ENOMEM;
	json_array_foreach (docs, i, doc) {
		r = flatten_into(out, doc);
		if (r < 0)
			return r;
	}
	if (json_array_clear(docs) < 0 || json_array_extend(docs, out) < 0)
		return -ENOMEM;
	return 0;
}
