/*
 * codec_buf.c — the output buffer of the encoders and canonical key order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/codec_i.h"

void codec_buf_init(struct codec_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = false;
}

bool codec_buf_grow(struct codec_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->failed)
		return false;
	if (more > SIZE_MAX / 4 - b->len)
		goto fail;
	while (cap - b->len <= more)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return true;
fail:
	b->failed = true;
	return false;
}

void codec_buf_spaces(struct codec_buf *b, size_t n)
{
	if (b->cap - b->len <= n && !codec_buf_grow(b, n))
		return;
	memset(b->data + b->len, ' ', n);
	b->len += n;
}

void codec_buf_int(struct codec_buf *b, json_int_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u =
	    v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	codec_buf_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

char *codec_buf_finish(struct codec_buf *b, size_t *ret_len)
{
	char *p;

	if (!b->failed && !b->data)
		codec_buf_grow(b, 0);
	if (b->failed) {
		free(b->data);
		codec_buf_init(b);
		return NULL;
	}
	b->data[b->len] = '\0';
	if (ret_len)
		*ret_len = b->len;
	p = b->data;
	/* callers keep the text (render cache, watch backlog): not the 4 KiB
	 * or more the buffer grew to */
	if (b->cap - b->len > 64) {
		char *q = realloc(p, b->len + 1);

		if (q)
			p = q;
	}
	codec_buf_init(b);
	return p;
}

static int member_cmp(const void *a, const void *b)
{
	const struct codec_member *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Rank of a top-level key: the Kubernetes object fields first. */
static int top_rank(const struct codec_member *m)
{
	static const char *const first[] = {"apiVersion", "kind", "metadata",
					    "spec", "status"};

	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		if (!strcmp(m->key, first[i]))
			return (int)i;
	return (int)(sizeof(first) / sizeof(first[0]));
}

static int top_member_cmp(const void *a, const void *b)
{
	int ra = top_rank(a), rb = top_rank(b);

	if (ra != rb)
		return ra - rb;
	return member_cmp(a, b);
}

/* Insertion sort for the usual handful of keys, qsort beyond. */
static void sort_members(struct codec_member *v, size_t n,
			 int (*cmp)(const void *, const void *))
{
	if (n > 16) {
		qsort(v, n, sizeof(*v), cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct codec_member x = v[i];
		size_t j = i;

		for (; j > 0 && cmp(&v[j - 1], &x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

int codec_members_init(struct codec_members *m, const json_t *obj, bool top)
{
	size_t n = json_object_size(obj), i = 0;
	void *it;

	m->v = m->small;
	m->n = 0;
	if (n > sizeof(m->small) / sizeof(m->small[0])) {
		m->v = malloc(n * sizeof(*m->v));
		if (!m->v) {
			m->v = m->small;
			return -ENOMEM;
		}
	}
	for (it = json_object_iter((json_t *)obj); it && i < n;
	     it = json_object_iter_next((json_t *)obj, it), i++) {
		m->v[i].key = json_object_iter_key(it);
		m->v[i].len = json_object_iter_key_len(it);
		m->v[i].value = json_object_iter_value(it);
	}
	m->n = i;
	sort_members(m->v, m->n, top ? top_member_cmp : member_cmp);
	return 0;
}

void codec_members_release(struct codec_members *m)
{
	if (m->v != m->small)
		free(m->v);
	m->v = m->small;
	m->n = 0;
}
