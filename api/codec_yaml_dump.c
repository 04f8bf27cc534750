/*
 * codec_yaml_dump.c — canonical YAML, written by hand.
 *
 * Block style with 2-space indentation; a sequence that is a mapping value
 * starts at its key's column, as kubectl prints:
 *
 *   spec:
 *     containers:
 *     - image: nginx
 *       name: web
 *
 * Strings are plain when every YAML reader would read them back as the
 * same string, literal blocks when multi-line and exactly representable,
 * and double-quoted (JSON escapes) otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/codec_i.h"

/* libyaml refuses implicit keys longer than 1024 characters. */
#define IMPLICIT_KEY_MAX 1000

static void dump_mapping(struct codec_buf *b, const json_t *obj, size_t indent,
			 bool top, bool inline_first);
static void dump_sequence(struct codec_buf *b, const json_t *arr, size_t indent,
			  bool inline_first);

/* Printable in a plain or literal scalar (YAML's c-printable, minus
 * the characters libyaml takes as line breaks or byte order marks). */
static bool cp_printable(uint32_t cp)
{
	if (cp < 0xA0)
		return cp >= 0x20 && cp < 0x7F;
	if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF)
		return false;
	return cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
}

/* The rest of s (from i on) is all printable non-ASCII; advance *i. */
static bool printable_at(const char *s, size_t n, size_t *i)
{
	uint32_t cp;
	size_t k = codec_utf8_next(s + *i, n - *i, &cp);

	if (!k || !cp_printable(cp))
		return false;
	*i += k;
	return true;
}

/*
 * ASCII bytes by what they mean inside a plain scalar: 0 harmless,
 * 1 needs a look at its neighbour (": ", " #"), 2 never allowed.
 */
static const unsigned char plain_class[128] = {
    [0 ... 0x1F] = 2,
    [':'] = 1,
    ['#'] = 1,
    [0x7F] = 2,
};

static bool plain_ok(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];

	if (n == 0 || c == ' ' || s[n - 1] == ' ' || s[n - 1] == ':')
		return false;
	switch (c) {
	case '?':
	case ':':
	case ',':
	case '[':
	case ']':
	case '{':
	case '}':
	case '#':
	case '&':
	case '*':
	case '!':
	case '|':
	case '>':
	case '\'':
	case '"':
	case '%':
	case '@':
	case '`':
		return false;
	}
	if (c == '-' && (n == 1 || s[1] == ' '))
		return false;
	if (n >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)))
		return false;
	for (size_t i = 0; i < n;) {
		c = (unsigned char)s[i];
		if (c >= 0x80) {
			if (!printable_at(s, n, &i))
				return false;
			continue;
		}
		switch (plain_class[c]) {
		case 2:
			return false;
		case 1:
			if (c == ':' && s[i + 1] == ' ')
				return false;
			if (c == '#' && s[i - 1] == ' ')
				return false;
		}
		i++;
	}
	return codec_scalar_classify(s, n) == CODEC_SCALAR_STR &&
	       !codec_scalar_yaml11_special(s, n);
}

/*
 * Literal block chomping for s: '-' (no final newline), ' ' (one), '+'
 * (more), or 0 when a literal block would not read back as s.
 */
static char literal_chomp(const char *s, size_t n)
{
	size_t i = 0, tail = 0;

	if (n == 0 || s[0] == ' ' || s[0] == '\t' || s[0] == '\n' ||
	    !memchr(s, '\n', n))
		return 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n') {
			if (s[i - 1] == ' ' || s[i - 1] == '\t')
				return 0;
			i++;
			continue;
		}
		if (c >= 0x80) {
			if (!printable_at(s, n, &i))
				return 0;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return 0;
		i++;
	}
	while (tail < n && s[n - 1 - tail] == '\n')
		tail++;
	if (tail == 0)
		return s[n - 1] == ' ' || s[n - 1] == '\t' ? 0 : '-';
	return tail == 1 ? ' ' : '+';
}

static void put_escape(struct codec_buf *b, uint32_t cp)
{
	char esc[8];

	switch (cp) {
	case '\b':
		codec_buf_put(b, "\\b", 2);
		return;
	case '\t':
		codec_buf_put(b, "\\t", 2);
		return;
	case '\n':
		codec_buf_put(b, "\\n", 2);
		return;
	case '\f':
		codec_buf_put(b, "\\f", 2);
		return;
	case '\r':
		codec_buf_put(b, "\\r", 2);
		return;
	default:
		snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)cp);
		codec_buf_put(b, esc, 6);
	}
}

static void put_double_quoted(struct codec_buf *b, const char *s, size_t n)
{
	size_t run = 0, i = 0;

	codec_buf_putc(b, '"');
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp = c;
		size_t k = 1;

		if (c >= 0x80) {
			k = codec_utf8_next(s + i, n - i, &cp);
			if (!k) {
				/* Not UTF-8: jansson strings never are. */
				k = 1;
				cp = 0xFFFD;
			} else if (cp_printable(cp)) {
				i += k;
				continue;
			}
		} else if (c >= 0x20 && c != 0x7F && c != '"' && c != '\\') {
			i++;
			continue;
		}
		codec_buf_put(b, s + run, i - run);
		if (c == '"' || c == '\\') {
			codec_buf_putc(b, '\\');
			codec_buf_putc(b, (char)c);
		} else {
			put_escape(b, cp);
		}
		i += k;
		run = i;
	}
	codec_buf_put(b, s + run, n - run);
	codec_buf_putc(b, '"');
}

/* A literal block whose lines sit at indent; ends the line. */
static void put_literal(struct codec_buf *b, const char *s, size_t n,
			char chomp, size_t indent)
{
	const char *end, *nl;

	codec_buf_putc(b, '|');
	if (chomp != ' ')
		codec_buf_putc(b, chomp);
	codec_buf_putc(b, '\n');
	end = s + n - (s[n - 1] == '\n');
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		if (nl > s) {
			codec_buf_spaces(b, indent);
			codec_buf_put(b, s, (size_t)(nl - s));
		}
		codec_buf_putc(b, '\n');
		s = nl + 1;
	}
	if (s == end && end[-1] == '\n')
		codec_buf_putc(b, '\n');
}

/* A string value, then the end of its line; blocks indent at indent. */
static void put_string_line(struct codec_buf *b, const json_t *v, size_t indent)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	char chomp;

	if (plain_ok(s, n)) {
		codec_buf_put(b, s, n);
	} else if ((chomp = literal_chomp(s, n))) {
		put_literal(b, s, n, chomp, indent);
		return;
	} else {
		put_double_quoted(b, s, n);
	}
	codec_buf_putc(b, '\n');
}

/* Any scalar, then the end of its line. */
static void put_scalar_line(struct codec_buf *b, const json_t *v, size_t indent)
{
	char num[CODEC_REAL_MAX];
	size_t n;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		put_string_line(b, v, indent);
		return;
	case JSON_INTEGER:
		codec_buf_int(b, json_integer_value(v));
		break;
	case JSON_REAL:
		n = codec_format_real(json_real_value(v), num);
		codec_buf_put(b, num, n);
		break;
	case JSON_TRUE:
		codec_buf_put(b, "true", 4);
		break;
	case JSON_FALSE:
		codec_buf_put(b, "false", 5);
		break;
	default:
		codec_buf_put(b, "null", 4);
		break;
	}
	codec_buf_putc(b, '\n');
}

/* The value after "key:" or "-" (nothing written yet on its behalf). */
static void dump_node_after(struct codec_buf *b, const json_t *v, size_t indent,
			    bool in_sequence)
{
	if (json_is_object(v) && json_object_size(v)) {
		if (in_sequence) {
			codec_buf_putc(b, ' ');
			dump_mapping(b, v, indent + 2, false, true);
		} else {
			codec_buf_putc(b, '\n');
			dump_mapping(b, v, indent + 2, false, false);
		}
	} else if (json_is_array(v) && json_array_size(v)) {
		if (in_sequence) {
			codec_buf_putc(b, ' ');
			dump_sequence(b, v, indent + 2, true);
		} else {
			codec_buf_putc(b, '\n');
			dump_sequence(b, v, indent, false);
		}
	} else if (json_is_object(v)) {
		codec_buf_put(b, " {}\n", 4);
	} else if (json_is_array(v)) {
		codec_buf_put(b, " []\n", 4);
	} else {
		codec_buf_putc(b, ' ');
		put_scalar_line(b, v, indent + 2);
	}
}

/* Write a key; long ones take the explicit "? key" form. */
static void put_key(struct codec_buf *b, const char *k, size_t n, size_t indent)
{
	size_t start = b->len;

	if (plain_ok(k, n))
		codec_buf_put(b, k, n);
	else
		put_double_quoted(b, k, n);
	if (b->failed || b->len - start <= IMPLICIT_KEY_MAX) {
		codec_buf_putc(b, ':');
		return;
	}
	if (!codec_buf_grow(b, 2))
		return;
	memmove(b->data + start + 2, b->data + start, b->len - start);
	memcpy(b->data + start, "? ", 2);
	b->len += 2;
	codec_buf_putc(b, '\n');
	codec_buf_spaces(b, indent);
	codec_buf_putc(b, ':');
}

static void dump_mapping(struct codec_buf *b, const json_t *obj, size_t indent,
			 bool top, bool inline_first)
{
	struct codec_members m;

	if (codec_members_init(&m, obj, top) < 0) {
		b->failed = true;
		return;
	}
	for (size_t i = 0; i < m.n; i++) {
		if (i > 0 || !inline_first)
			codec_buf_spaces(b, indent);
		put_key(b, m.v[i].key, m.v[i].len, indent);
		dump_node_after(b, m.v[i].value, indent, false);
	}
	codec_members_release(&m);
}

static void dump_sequence(struct codec_buf *b, const json_t *arr, size_t indent,
			  bool inline_first)
{
	size_t i;
	json_t *v;

	json_array_foreach (arr, i, v) {
		if (i > 0 || !inline_first)
			codec_buf_spaces(b, indent);
		codec_buf_putc(b, '-');
		dump_node_after(b, v, indent, true);
	}
}

char *codec_encode_yaml(const json_t *obj, size_t *ret_len)
{
	struct codec_buf b;

	codec_buf_init(&b);
	if (json_is_object(obj) && json_object_size(obj))
		dump_mapping(&b, obj, 0, true, false);
	else if (json_is_array(obj) && json_array_size(obj))
		dump_sequence(&b, obj, 0, false);
	else if (json_is_object(obj))
		codec_buf_put(&b, "{}\n", 3);
	else if (json_is_array(obj))
		codec_buf_put(&b, "[]\n", 3);
	else
		put_scalar_line(&b, obj, 2);
	return codec_buf_finish(&b, ret_len);
}
