/*
 * codec_i.h — private to api/codec*.c: the output buffer both encoders
 * write into, canonical key order, scalar typing shared by the YAML
 * decoder and encoder, and the two decoders behind codec_decode().
 */
#ifndef KUBEFS_API_CODEC_I_H
#define KUBEFS_API_CODEC_I_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/codec.h"
#include "api/error.h"

/*
 * Growable output text. An allocation failure sets ->failed; later appends
 * are no-ops and codec_buf_finish() returns NULL, so encoders check once.
 */
struct codec_buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

void codec_buf_init(struct codec_buf *b);

/* Make room for more bytes plus a NUL; false (and ->failed) on ENOMEM. */
bool codec_buf_grow(struct codec_buf *b, size_t more);

static inline void codec_buf_put(struct codec_buf *b, const char *s, size_t n)
{
	if (b->cap - b->len <= n && !codec_buf_grow(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static inline void codec_buf_putc(struct codec_buf *b, char c)
{
	if (b->cap - b->len <= 1 && !codec_buf_grow(b, 1))
		return;
	b->data[b->len++] = c;
}

static inline void codec_buf_puts(struct codec_buf *b, const char *s)
{
	codec_buf_put(b, s, strlen(s));
}

void codec_buf_spaces(struct codec_buf *b, size_t n);

/* Decimal text of v. */
void codec_buf_int(struct codec_buf *b, json_int_t v);

/*
 * The NUL-terminated text, owned by the caller, with its length in
 * *ret_len (may be NULL); NULL if any append failed. b is released either
 * way.
 */
char *codec_buf_finish(struct codec_buf *b, size_t *ret_len);

/* One member of an object, borrowed from it. */
struct codec_member {
	const char *key;
	size_t len;
	json_t *value;
};

/*
 * The members of obj in canonical order: bytewise by key, except that at
 * the top level (top == true) apiVersion, kind, metadata, spec, status
 * come first. Small objects use the inline array; release with
 * codec_members_release(). Returns 0 or -ENOMEM.
 */
struct codec_members {
	struct codec_member *v;
	size_t n;
	struct codec_member small[16];
};

int codec_members_init(struct codec_members *m, const json_t *obj, bool top);
void codec_members_release(struct codec_members *m);

/* What a plain YAML scalar means under the YAML 1.2 core schema. */
enum codec_scalar {
	CODEC_SCALAR_NULL,
	CODEC_SCALAR_BOOL,
	CODEC_SCALAR_INT,
	CODEC_SCALAR_FLOAT,
	CODEC_SCALAR_INFNAN, /* .inf, -.inf, .nan and their spellings */
	CODEC_SCALAR_STR,
};

/* Syntax only: "99999999999999999999" is an INT even though it overflows. */
enum codec_scalar codec_scalar_classify(const char *s, size_t n);

/*
 * True when a YAML 1.1 reader (go-yaml v2 as kubectl uses it, PyYAML)
 * would not read s as a plain string: yes/no/on/off/y/n, Go-style numbers
 * (underscores, 0b, signed hex, leading-zero octal), sexagesimal numbers,
 * dates, "<<" and "=". The encoder quotes these too.
 */
bool codec_scalar_yaml11_special(const char *s, size_t n);

/* The value of an INT scalar; -ERANGE outside int64, -EINVAL otherwise. */
int codec_scalar_int(const char *s, size_t n, json_int_t *ret_value);

/*
 * The value of an INT or FLOAT scalar as a double; s[n] must be '\0'.
 * -ERANGE when it overflows a double (underflow rounds toward zero).
 */
int codec_scalar_float(const char *s, size_t n, double *ret_value);

/*
 * Canonical text of a finite real: the shortest form that reads back as
 * the same double, always with a '.' so it never reads as an integer
 * ("1.0", "0.1", "1.0e+300"). out holds at least CODEC_REAL_MAX bytes.
 * Returns the length.
 */
#define CODEC_REAL_MAX 40
size_t codec_format_real(double v, char *out);

/*
 * Decode one UTF-8 sequence at s (n > 0 bytes available). Returns its
 * length and the code point, or 0 for an invalid, overlong, surrogate or
 * truncated sequence.
 */
size_t codec_utf8_next(const char *s, size_t n, uint32_t *ret_cp);

/* Decoders: append each document of buf to docs (an array). */
int codec_yaml_decode(const char *buf, size_t len,
		      const struct codec_limits *lim, json_t *docs,
		      struct kf_error *err);
int codec_json_decode(const char *buf, size_t len,
		      const struct codec_limits *lim, json_t *docs,
		      struct kf_error *err);

#endif
