/*
 * codec_json.c — JSON streams in (jansson, after a bounded pre-scan that
 * enforces depth and node limits before any tree is built), canonical
 * compact JSON out.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/codec_i.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Count nesting and nodes (every value and every key) of the whole stream
 * without building anything. Malformed JSON is left for jansson to
 * report; only the limits fail here.
 */
static int json_prescan(const char *buf, size_t len,
			const struct codec_limits *lim, struct kf_error *err)
{
	size_t depth = 0, nodes = 0, line = 1;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			line++;
			continue;
		}
		if (is_space(c) || c == ',' || c == ':')
			continue;
		if (c == '}' || c == ']') {
			depth -= depth > 0;
			continue;
		}
		if (++nodes > lim->max_nodes)
			return kf_error_set(err, -EFBIG,
					    "error parsing JSON: line %zu: the "
					    "document has too many nodes (the "
					    "limit is %zu)",
					    line, lim->max_nodes);
		if (c == '{' || c == '[') {
			if (++depth > lim->max_depth)
				return kf_error_set(err, -EFBIG,
						    "error parsing JSON: line "
						    "%zu: exceeded max depth "
						    "of %u",
						    line, lim->max_depth);
		} else if (c == '"') {
			for (i++; i < len && buf[i] != '"'; i++)
				i += buf[i] == '\\';
		} else {
			while (i + 1 < len && !is_space(buf[i + 1]) &&
			       !strchr(",:[]{}\"", buf[i + 1]))
				i++;
		}
	}
	return 0;
}

/* Line and character column of offset off in buf, 1-based. */
static void position_of(const char *buf, size_t off, size_t *ret_line,
			size_t *ret_col)
{
	size_t line = 1, col = 1;

	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	*ret_line = line;
	*ret_col = col;
}

static int json_error(const char *buf, size_t off, const json_error_t *e,
		      struct kf_error *err)
{
	size_t line, col, eline, ecol;
	const char *text = e->text;

	if (json_error_code(e) == json_error_out_of_memory)
		return kf_error_set(err, -ENOMEM, "out of memory");
	if (strstr(text, "JSON_ALLOW_NUL"))
		text = "\\u0000 is not allowed in strings";
	position_of(buf, off, &line, &col);
	eline = e->line > 0 ? (size_t)e->line : 1;
	ecol = e->column > 0 ? (size_t)e->column : 1;
	if (eline == 1)
		ecol += col - 1;
	eline += line - 1;
	return kf_error_set(err, -EINVAL,
			    "error parsing JSON: line %zu column %zu: %s",
			    eline, ecol, text);
}

int codec_json_decode(const char *buf, size_t len,
		      const struct codec_limits *lim, json_t *docs,
		      struct kf_error *err)
{
	size_t off = 0;
	int r;

	r = json_prescan(buf, len, lim, err);
	if (r < 0)
		return r;
	for (;;) {
		json_error_t e;
		json_t *v;

		while (off < len && is_space(buf[off]))
			off++;
		if (off == len)
			return 0;
		v = json_loadb(buf + off, len - off,
			       JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES,
			       &e);
		if (!v)
			return json_error(buf, off, &e, err);
		if (json_array_append_new(docs, v) < 0)
			return kf_error_set(err, -ENOMEM, "out of memory");
		if (e.position <= 0)
			return kf_error_set(err, -EINVAL,
					    "error parsing JSON: cannot find "
					    "the end of a value");
		off += (size_t)e.position;
	}
}

/*
 * Besides what JSON requires, escape DEL, C1 controls, U+2028, U+2029,
 * U+FEFF, U+FFFE and U+FFFF: a YAML reader (and JavaScript) would take
 * them for line breaks or refuse them.
 */
static size_t json_escape_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x20 || s[0] == '"' || s[0] == '\\' || s[0] == 0x7F)
		return 1;
	if (s[0] == 0xC2 && n > 1 && s[1] >= 0x80 && s[1] <= 0x9F)
		return 2;
	if (s[0] == 0xE2 && n > 2 && s[1] == 0x80 &&
	    (s[2] == 0xA8 || s[2] == 0xA9))
		return 3;
	if (s[0] == 0xEF && n > 2 &&
	    ((s[1] == 0xBB && s[2] == 0xBF) ||
	     (s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))))
		return 3;
	return 0;
}

static void put_json_string(struct codec_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0, k;

	codec_buf_putc(b, '"');
	for (size_t i = 0; i < n; i += k ? k : 1) {
		char esc[6] = {'\\', 'u', '0', '0', '0', '0'};
		uint32_t cp;

		if (u[i] >= 0x20 && u[i] < 0x7F && u[i] != '"' &&
		    u[i] != '\\') {
			k = 1;
			continue;
		}
		k = json_escape_len(u + i, n - i);
		if (!k)
			continue;
		codec_buf_put(b, s + run, i - run);
		run = i + k;
		switch (u[i]) {
		case '"':
		case '\\':
			esc[1] = (char)u[i];
			codec_buf_put(b, esc, 2);
			continue;
		case '\n':
			codec_buf_put(b, "\\n", 2);
			continue;
		case '\t':
			codec_buf_put(b, "\\t", 2);
			continue;
		case '\r':
			codec_buf_put(b, "\\r", 2);
			continue;
		case '\b':
			codec_buf_put(b, "\\b", 2);
			continue;
		case '\f':
			codec_buf_put(b, "\\f", 2);
			continue;
		}
		codec_utf8_next(s + i, n - i, &cp);
		for (int d = 5; d >= 2; d--, cp >>= 4)
			esc[d] = hex[cp & 0xF];
		codec_buf_put(b, esc, 6);
	}
	codec_buf_put(b, s + run, n - run);
	codec_buf_putc(b, '"');
}

static void dump_json(struct codec_buf *b, const json_t *v, bool top)
{
	struct codec_members m;
	char num[CODEC_REAL_MAX];
	size_t i, n;
	json_t *item;

	if (!v) {
		codec_buf_put(b, "null", 4);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (codec_members_init(&m, v, top) < 0) {
			b->failed = true;
			return;
		}
		codec_buf_putc(b, '{');
		for (i = 0; i < m.n; i++) {
			if (i)
				codec_buf_putc(b, ',');
			put_json_string(b, m.v[i].key, m.v[i].len);
			codec_buf_putc(b, ':');
			dump_json(b, m.v[i].value, false);
		}
		codec_buf_putc(b, '}');
		codec_members_release(&m);
		return;
	case JSON_ARRAY:
		codec_buf_putc(b, '[');
		json_array_foreach (v, i, item) {
			if (i)
				codec_buf_putc(b, ',');
			dump_json(b, item, false);
		}
		codec_buf_putc(b, ']');
		return;
	case JSON_STRING:
		put_json_string(b, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		codec_buf_int(b, json_integer_value(v));
		return;
	case JSON_REAL:
		/* JSON has no NaN or infinity (jansson never holds them). */
		if (!isfinite(json_real_value(v))) {
			codec_buf_put(b, "null", 4);
			return;
		}
		n = codec_format_real(json_real_value(v), num);
		codec_buf_put(b, num, n);
		return;
	case JSON_TRUE:
		codec_buf_put(b, "true", 4);
		return;
	case JSON_FALSE:
		codec_buf_put(b, "false", 5);
		return;
	default:
		codec_buf_put(b, "null", 4);
		return;
	}
}

char *codec_encode_json_line(const json_t *obj, size_t *ret_len)
{
	struct codec_buf b;

	codec_buf_init(&b);
	dump_json(&b, obj, true);
	return codec_buf_finish(&b, ret_len);
}

char *codec_encode_json(const json_t *obj, size_t *ret_len)
{
	struct codec_buf b;

	codec_buf_init(&b);
	dump_json(&b, obj, true);
	codec_buf_putc(&b, '\n');
	return codec_buf_finish(&b, ret_len);
}
