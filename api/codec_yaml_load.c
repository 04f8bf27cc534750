/*
 * codec_yaml_load.c — YAML stream → JSON documents, from libyaml's events.
 *
 * Every limit is checked on the event that would cross it, before the node
 * is built: depth on each collection start, node count on each node, the
 * alias count on each alias, and the size of what an alias expands to
 * before it is copied. An alias becomes a deep copy of its anchor's node,
 * so callers may modify any part of a decoded document.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "api/cleanup.h"
#include "api/codec_i.h"

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

struct yload_frame {
	json_t *node;	/* the object or array being filled (owned) */
	char *key;	/* mapping: the key awaiting its value, or NULL */
	bool merge;	/* mapping: the awaited value is for "<<" */
	json_t *merged; /* mapping: keys that came from "<<", or NULL */
	long anchor;	/* index in yload.anchors, or -1 */
	size_t nodes_at_start;
	unsigned height; /* of the tallest child so far */
};

struct yload_anchor {
	json_t *node; /* NULL while its node is still being built */
	size_t nodes; /* nodes of the subtree, aliases expanded */
	unsigned height;
};

struct yload {
	const struct codec_limits *lim;
	struct kf_error *err;
	json_t *docs;
	json_t *root;	 /* the current document's node */
	bool root_empty; /* ... and it is an empty document */
	struct yload_frame *frames;
	size_t depth, frames_cap;
	json_t *anchor_index; /* anchor name → index in anchors */
	struct yload_anchor *anchors;
	size_t n_anchors, anchors_cap;
	size_t nodes;
	unsigned aliases;
};

static int yload_fail(struct yload *y, int code, size_t line, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));

static int yload_fail(struct yload *y, int code, size_t line, const char *fmt,
		      ...)
{
	char msg[KF_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		return kf_error_set(y->err, code,
				    "error converting YAML to JSON: yaml: "
				    "line %zu: %s",
				    line, msg);
	return kf_error_set(y->err, code,
			    "error converting YAML to JSON: yaml: %s", msg);
}

static int yload_oom(struct yload *y)
{
	return kf_error_set(y->err, -ENOMEM, "out of memory");
}

static size_t event_line(const yaml_event_t *ev)
{
	return ev->start_mark.line + 1;
}

static void yload_clear_anchors(struct yload *y)
{
	for (size_t i = 0; i < y->n_anchors; i++)
		json_decref(y->anchors[i].node);
	y->n_anchors = 0;
	json_object_clear(y->anchor_index);
}

static int yload_count(struct yload *y, size_t n, size_t line)
{
	if (n > y->lim->max_nodes || y->nodes > y->lim->max_nodes - n)
		return yload_fail(y, -EFBIG, line,
				  "the document has too many nodes (the limit "
				  "is %zu)",
				  y->lim->max_nodes);
	y->nodes += n;
	return 0;
}

/* Start an anchor's definition; its node is filled in when complete. */
static int yload_anchor_begin(struct yload *y, const char *name, long *ret_idx)
{
	json_t *idx;

	if (y->n_anchors == y->anchors_cap) {
		size_t cap = y->anchors_cap ? 2 * y->anchors_cap : 16;
		void *p = realloc(y->anchors, cap * sizeof(*y->anchors));

		if (!p)
			return yload_oom(y);
		y->anchors = p;
		y->anchors_cap = cap;
	}
	idx = json_integer((json_int_t)y->n_anchors);
	if (!idx || json_object_set_new(y->anchor_index, name, idx) < 0)
		return yload_oom(y);
	y->anchors[y->n_anchors] = (struct yload_anchor){NULL, 0, 0};
	*ret_idx = (long)y->n_anchors++;
	return 0;
}

static void yload_anchor_end(struct yload *y, long idx, json_t *node,
			     size_t nodes, unsigned height)
{
	if (idx < 0)
		return;
	y->anchors[idx].node = json_incref(node);
	y->anchors[idx].nodes = nodes;
	y->anchors[idx].height = height;
}

/* The text a non-string scalar key becomes, as Kubernetes converts it. */
static int key_text(struct yload *y, const json_t *v, size_t line,
		    char **ret_key)
{
	char num[CODEC_REAL_MAX];
	char *k;

	switch (json_typeof(v)) {
	case JSON_STRING:
		k = strdup(json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		k = strdup(num);
		break;
	case JSON_REAL:
		codec_format_real(json_real_value(v), num);
		k = strdup(num);
		break;
	case JSON_TRUE:
		k = strdup("true");
		break;
	case JSON_FALSE:
		k = strdup("false");
		break;
	case JSON_NULL:
		k = strdup("null");
		break;
	default:
		return yload_fail(y, -EINVAL, line,
				  "invalid map key: a mapping or a sequence "
				  "cannot be a key");
	}
	if (!k)
		return yload_oom(y);
	*ret_key = k;
	return 0;
}

/* A key arrived in the mapping f; an explicit duplicate is an error. */
static int yload_set_key(struct yload *y, struct yload_frame *f, char *key,
			 size_t line)
{
	_cleanup_free_ char *k = key;

	if (json_object_get(f->node, k)) {
		if (!f->merged || !json_object_get(f->merged, k))
			return yload_fail(y, -EINVAL, line,
					  "key \"%.200s\" already set in map",
					  k);
		/* An explicit key overrides one taken from "<<", once. */
		json_object_del(f->merged, k);
	}
	f->key = TAKE_PTR(k);
	return 0;
}

static int merge_one(struct yload *y, struct yload_frame *f, json_t *src)
{
	const char *k;
	json_t *v;

	if (!f->merged && !(f->merged = json_object()))
		return yload_oom(y);
	json_object_foreach (src, k, v) {
		if (json_object_get(f->node, k))
			continue;
		if (json_object_set(f->node, k, v) < 0 ||
		    json_object_set_new(f->merged, k, json_true()) < 0)
			return yload_oom(y);
	}
	return 0;
}

/* "<<: map" or "<<: [map, ...]": take keys not already present. */
static int yload_merge(struct yload *y, struct yload_frame *f, json_t *value,
		       size_t line)
{
	size_t i;
	json_t *m;
	int r;

	if (json_is_object(value))
		return merge_one(y, f, value);
	if (json_is_array(value)) {
		json_array_foreach (value, i, m) {
			if (!json_is_object(m))
				break;
		}
		if (i == json_array_size(value)) {
			json_array_foreach (value, i, m) {
				r = merge_one(y, f, m);
				if (r < 0)
					return r;
			}
			return 0;
		}
	}
	return yload_fail(y, -EINVAL, line,
			  "map merge requires map or sequence of maps as the "
			  "value");
}

/* Place a finished node (stolen) in its parent, or make it the root. */
static int yload_attach(struct yload *y, json_t *value, unsigned height,
			size_t line)
{
	_cleanup_json_ json_t *v = value;
	struct yload_frame *f;
	char *key = NULL;
	int r;

	if (!y->depth) {
		json_decref(y->root);
		y->root = TAKE_PTR(v);
		return 0;
	}
	f = &y->frames[y->depth - 1];
	if (height > f->height)
		f->height = height;
	if (json_is_array(f->node)) {
		if (json_array_append(f->node, v) < 0)
			return yload_oom(y);
		return 0;
	}
	if (f->merge) {
		f->merge = false;
		return yload_merge(y, f, v, line);
	}
	if (!f->key) {
		r = key_text(y, v, line, &key);
		return r < 0 ? r : yload_set_key(y, f, key, line);
	}
	r = json_object_set(f->node, f->key, v);
	if (f->merged)
		json_object_del(f->merged, f->key);
	free(f->key);
	f->key = NULL;
	return r < 0 ? yload_oom(y) : 0;
}

static bool expects_key(const struct yload *y)
{
	const struct yload_frame *f;

	if (!y->depth)
		return false;
	f = &y->frames[y->depth - 1];
	return json_is_object(f->node) && !f->key && !f->merge;
}

static int yload_open(struct yload *y, const yaml_event_t *ev, bool mapping)
{
	const char *anchor =
	    (const char *)(mapping ? ev->data.mapping_start.anchor
				   : ev->data.sequence_start.anchor);
	size_t line = event_line(ev);
	struct yload_frame *f;
	json_t *node;
	long idx = -1;
	int r;

	if (expects_key(y))
		return yload_fail(y, -EINVAL, line,
				  "invalid map key: a mapping or a sequence "
				  "cannot be a key");
	if (y->depth >= y->lim->max_depth)
		return yload_fail(y, -EFBIG, line, "exceeded max depth of %u",
				  y->lim->max_depth);
	r = yload_count(y, 1, line);
	if (r < 0)
		return r;
	if (y->depth == y->frames_cap) {
		size_t cap = y->frames_cap ? 2 * y->frames_cap : 16;
		void *p = realloc(y->frames, cap * sizeof(*y->frames));

		if (!p)
			return yload_oom(y);
		y->frames = p;
		y->frames_cap = cap;
	}
	if (anchor) {
		r = yload_anchor_begin(y, anchor, &idx);
		if (r < 0)
			return r;
	}
	node = mapping ? json_object() : json_array();
	if (!node)
		return yload_oom(y);
	f = &y->frames[y->depth++];
	*f = (struct yload_frame){
	    .node = node,
	    .anchor = idx,
	    .nodes_at_start = y->nodes - 1,
	};
	return 0;
}

static void frame_release(struct yload_frame *f)
{
	json_decref(f->node);
	json_decref(f->merged);
	free(f->key);
}

static int yload_close(struct yload *y, const yaml_event_t *ev)
{
	struct yload_frame f;

	if (!y->depth)
		return 0;
	f = y->frames[--y->depth];
	json_decref(f.merged);
	free(f.key);
	yload_anchor_end(y, f.anchor, f.node, y->nodes - f.nodes_at_start,
			 f.height + 1);
	return yload_attach(y, f.node, f.height + 1, event_line(ev));
}

static int yload_bad_value(struct yload *y, size_t line, const char *tag,
			   const char *s)
{
	return yload_fail(y, -EINVAL, line, "cannot decode \"%.100s\" as a %s",
			  s, tag);
}

static int yload_number(struct yload *y, enum codec_scalar cls, bool want_real,
			const char *s, size_t n, size_t line,
			json_t **ret_value)
{
	json_int_t i;
	double d;

	if (cls == CODEC_SCALAR_INFNAN)
		return yload_fail(y, -EINVAL, line,
				  "json: unsupported value: %s",
				  s[1] == 'n' || s[1] == 'N' ? "NaN"
				  : s[0] == '-'		     ? "-Inf"
							     : "+Inf");
	if (cls == CODEC_SCALAR_INT && !want_real) {
		if (codec_scalar_int(s, n, &i) < 0)
			return yload_fail(y, -EINVAL, line,
					  "number %.100s is out of the range "
					  "of a 64-bit integer",
					  s);
		*ret_value = json_integer(i);
		return 0;
	}
	if (cls == CODEC_SCALAR_INT && (s[1] == 'x' || s[1] == 'o')) {
		if (codec_scalar_int(s, n, &i) < 0)
			return yload_fail(y, -EINVAL, line,
					  "number %.100s is out of the range "
					  "of a 64-bit integer",
					  s);
		*ret_value = json_real((double)i);
		return 0;
	}
	if (codec_scalar_float(s, n, &d) < 0)
		return yload_fail(y, -EINVAL, line,
				  "number %.100s is out of the range of a "
				  "64-bit float",
				  s);
	*ret_value = json_real(d);
	return 0;
}

/* The value of a scalar, honouring its tag; *ret_value is NULL on ENOMEM. */
static int yload_resolve(struct yload *y, const yaml_event_t *ev,
			 json_t **ret_value)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	size_t n = ev->data.scalar.length, line = event_line(ev);
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	enum codec_scalar cls = codec_scalar_classify(s, n);

	if (tag && !strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX))) {
		const char *t = tag + strlen(YAML_TAG_PREFIX);

		if (!strcmp(t, "int")) {
			if (cls != CODEC_SCALAR_INT)
				return yload_bad_value(y, line, "!!int", s);
			return yload_number(y, cls, false, s, n, line,
					    ret_value);
		}
		if (!strcmp(t, "float")) {
			if (cls != CODEC_SCALAR_INT &&
			    cls != CODEC_SCALAR_FLOAT &&
			    cls != CODEC_SCALAR_INFNAN)
				return yload_bad_value(y, line, "!!float", s);
			return yload_number(y, cls, true, s, n, line,
					    ret_value);
		}
		if (!strcmp(t, "bool")) {
			if (cls != CODEC_SCALAR_BOOL)
				return yload_bad_value(y, line, "!!bool", s);
			*ret_value = json_boolean(s[0] == 't' || s[0] == 'T');
			return 0;
		}
		if (!strcmp(t, "null")) {
			if (cls != CODEC_SCALAR_NULL)
				return yload_bad_value(y, line, "!!null", s);
			*ret_value = json_null();
			return 0;
		}
		/* !!str, !!binary, !!timestamp and the rest keep the text. */
		*ret_value = json_stringn_nocheck(s, n);
		return 0;
	}
	if (tag || !plain) {
		*ret_value = json_stringn_nocheck(s, n);
		return 0;
	}
	switch (cls) {
	case CODEC_SCALAR_NULL:
		*ret_value = json_null();
		return 0;
	case CODEC_SCALAR_BOOL:
		*ret_value = json_boolean(s[0] == 't' || s[0] == 'T');
		return 0;
	case CODEC_SCALAR_INT:
	case CODEC_SCALAR_FLOAT:
	case CODEC_SCALAR_INFNAN:
		return yload_number(y, cls, false, s, n, line, ret_value);
	default:
		*ret_value = json_stringn_nocheck(s, n);
		return 0;
	}
}

static bool utf8_valid(const char *s, size_t n)
{
	uint32_t cp;
	size_t k;

	for (size_t i = 0; i < n; i += k) {
		if ((unsigned char)s[i] < 0x80) {
			k = 1;
			continue;
		}
		k = codec_utf8_next(s + i, n - i, &cp);
		if (!k)
			return false;
	}
	return true;
}

static bool is_merge_key(const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;

	if (tag)
		return !strcmp(tag, YAML_TAG_PREFIX "merge");
	return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       ev->data.scalar.length == 2 &&
	       !memcmp(ev->data.scalar.value, "<<", 2);
}

static int yload_scalar(struct yload *y, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	size_t n = ev->data.scalar.length, line = event_line(ev);
	json_t *v = NULL;
	long idx;
	int r;

	r = yload_count(y, 1, line);
	if (r < 0)
		return r;
	if (memchr(s, '\0', n))
		return yload_fail(y, -EINVAL, line,
				  "a string cannot contain the NUL character");
	if (!utf8_valid(s, n))
		return yload_fail(y, -EINVAL, line,
				  "invalid UTF-8 in a string");
	if (expects_key(y) && is_merge_key(ev)) {
		y->frames[y->depth - 1].merge = true;
		return 0;
	}
	r = yload_resolve(y, ev, &v);
	if (r < 0)
		return r;
	if (!v)
		return yload_oom(y);
	if (anchor) {
		r = yload_anchor_begin(y, anchor, &idx);
		if (r < 0) {
			json_decref(v);
			return r;
		}
		yload_anchor_end(y, idx, v, 1, 0);
	}
	if (!y->depth)
		y->root_empty =
		    n == 0 && !anchor && !ev->data.scalar.tag &&
		    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return yload_attach(y, v, 0, line);
}

static int yload_alias(struct yload *y, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	size_t line = event_line(ev);
	struct yload_anchor *a;
	json_t *idx, *copy;
	char *key = NULL;
	int r;

	if (++y->aliases > y->lim->max_aliases)
		return yload_fail(y, -EFBIG, line,
				  "document contains excessive aliasing "
				  "(more than %u aliases)",
				  y->lim->max_aliases);
	idx = json_object_get(y->anchor_index, name);
	if (!idx)
		return yload_fail(y, -EINVAL, line,
				  "unknown anchor '%.100s' referenced", name);
	a = &y->anchors[json_integer_value(idx)];
	if (!a->node)
		return yload_fail(y, -EINVAL, line,
				  "anchor '%.100s' value contains itself",
				  name);
	if (a->nodes > y->lim->max_nodes ||
	    y->nodes > y->lim->max_nodes - a->nodes)
		return yload_fail(y, -EFBIG, line,
				  "document contains excessive aliasing "
				  "(expands to more than %zu nodes)",
				  y->lim->max_nodes);
	if (a->height > y->lim->max_depth ||
	    y->depth > y->lim->max_depth - a->height)
		return yload_fail(y, -EFBIG, line, "exceeded max depth of %u",
				  y->lim->max_depth);
	y->nodes += a->nodes;
	if (expects_key(y)) {
		r = key_text(y, a->node, line, &key);
		return r < 0 ? r
			     : yload_set_key(y, &y->frames[y->depth - 1], key,
					     line);
	}
	copy = json_deep_copy(a->node);
	if (!copy)
		return yload_oom(y);
	return yload_attach(y, copy, a->height, line);
}

static int yload_event(struct yload *y, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		yload_clear_anchors(y);
		json_decref(y->root);
		y->root = NULL;
		y->root_empty = false;
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		yload_clear_anchors(y);
		if (y->root && !y->root_empty &&
		    json_array_append(y->docs, y->root) < 0)
			return yload_oom(y);
		json_decref(y->root);
		y->root = NULL;
		return 0;
	case YAML_MAPPING_START_EVENT:
		return yload_open(y, ev, true);
	case YAML_SEQUENCE_START_EVENT:
		return yload_open(y, ev, false);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		return yload_close(y, ev);
	case YAML_SCALAR_EVENT:
		return yload_scalar(y, ev);
	case YAML_ALIAS_EVENT:
		return yload_alias(y, ev);
	default:
		return 0;
	}
}

static int parser_error(struct yload *y, const yaml_parser_t *p,
			const char *buf, size_t len)
{
	const char *problem = p->problem ? p->problem
					 : "unknown problem parsing YAML "
					   "content";
	size_t line = p->problem_mark.line + 1;

	if (p->error == YAML_MEMORY_ERROR)
		return yload_oom(y);
	if (p->error == YAML_READER_ERROR) {
		size_t end = p->problem_offset < len ? p->problem_offset : len;
		const char *q = buf;

		line = 1;
		while ((q = memchr(q, '\n', (size_t)(buf + end - q)))) {
			line++;
			q++;
		}
	}
	return yload_fail(y, -EINVAL, line, "%s", problem);
}

int codec_yaml_decode(const char *buf, size_t len,
		      const struct codec_limits *lim, json_t *docs,
		      struct kf_error *err)
{
	struct yload y = {.lim = lim, .err = err, .docs = docs};
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int r = 0;

	y.anchor_index = json_object();
	if (!y.anchor_index)
		return yload_oom(&y);
	if (!yaml_parser_initialize(&parser)) {
		json_decref(y.anchor_index);
		return yload_oom(&y);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && r == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			r = parser_error(&y, &parser, buf, len);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		r = yload_event(&y, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	while (y.depth)
		frame_release(&y.frames[--y.depth]);
	free(y.frames);
	yload_clear_anchors(&y);
	free(y.anchors);
	json_decref(y.anchor_index);
	json_decref(y.root);
	return r;
}
