/*
 * alloc.c — bitmap allocators for Service IPs and NodePorts.
 */
#include "apiserver/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct alloc_range {
	uint32_t size;
	uint32_t static_size;
	uint32_t used;
	uint64_t *bits; /* (size + 63) / 64 words */
};

#define WORD_BITS 64u

int alloc_range_new(uint32_t size, uint32_t static_size,
		    struct alloc_range **ret)
{
	struct alloc_range *r;

	if (size == 0 || size > ALLOC_RANGE_MAX || static_size > size)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->bits = calloc((size + WORD_BITS - 1) / WORD_BITS, sizeof(uint64_t));
	if (!r->bits) {
		free(r);
		return -ENOMEM;
	}
	r->size = size;
	r->static_size = static_size;
	*ret = r;
	return 0;
}

void alloc_range_free(struct alloc_range *r)
{
	if (!r)
		return;
	free(r->bits);
	free(r);
}

uint32_t alloc_static_band(uint64_t size, uint32_t min, uint32_t max,
			   uint32_t step)
{
	uint64_t off;

	if (size < min || step == 0)
		return 0;
	off = size / step;
	if (off < min)
		return min;
	if (off > max)
		return max;
	return (uint32_t)off;
}

bool alloc_range_test(const struct alloc_range *r, uint32_t i)
{
	if (i >= r->size)
		return false;
	return r->bits[i / WORD_BITS] >> (i % WORD_BITS) & 1;
}

int alloc_range_claim(struct alloc_range *r, uint32_t i)
{
	if (i >= r->size)
		return -ERANGE;
	if (alloc_range_test(r, i))
		return -EEXIST;
	r->bits[i / WORD_BITS] |= (uint64_t)1 << (i % WORD_BITS);
	r->used++;
	return 0;
}

void alloc_range_release(struct alloc_range *r, uint32_t i)
{
	if (!alloc_range_test(r, i))
		return;
	r->bits[i / WORD_BITS] &= ~((uint64_t)1 << (i % WORD_BITS));
	r->used--;
}

/* First free value in [from, to), or to if none. */
static uint32_t find_free(const struct alloc_range *r, uint32_t from,
			  uint32_t to)
{
	uint32_t i = from;

	while (i < to) {
		uint64_t w = ~r->bits[i / WORD_BITS] >> (i % WORD_BITS);

		if (w) {
			i += (uint32_t)__builtin_ctzll(w);
			return i < to ? i : to;
		}
		i = (i / WORD_BITS + 1) * WORD_BITS;
	}
	return to;
}

/* A free value in [lo, hi), scanning from a random start and wrapping. */
static int pick(const struct alloc_range *r, uint32_t lo, uint32_t hi,
		uint32_t *ret_i)
{
	uint32_t rnd, start, i;

	if (lo >= hi)
		return -ENOSPC;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)random();
	start = lo + rnd % (hi - lo);
	i = find_free(r, start, hi);
	if (i == hi) {
		i = find_free(r, lo, start);
		if (i == start)
			return -ENOSPC;
	}
	*ret_i = i;
	return 0;
}

int alloc_range_next(struct alloc_range *r, uint32_t *ret_i)
{
	uint32_t i;

	if (r->used >= r->size)
		return -ENOSPC;
	if (pick(r, r->static_size, r->size, &i) < 0 &&
	    pick(r, 0, r->static_size, &i) < 0)
		return -ENOSPC;
	if (alloc_range_claim(r, i) < 0)
		return -ENOSPC;
	*ret_i = i;
	return 0;
}

uint32_t alloc_range_size(const struct alloc_range *r)
{
	return r->size;
}

uint32_t alloc_range_used(const struct alloc_range *r)
{
	return r->used;
}

void alloc_range_reset(struct alloc_range *r)
{
	memset(r->bits, 0,
	       (r->size + WORD_BITS - 1) / WORD_BITS * sizeof(uint64_t));
	r->used = 0;
}
