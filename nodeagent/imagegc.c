/*
 * imagegc.c — which images a collection removes.
 */
#include "nodeagent/imagegc.h"

#include <stdlib.h>

static bool eligible(const struct imagegc_image *im, int64_t now_ms,
		     int64_t min_age)
{
	return !im->in_use && now_ms - im->loaded_ms >= min_age;
}

/* An image and whether it may go: the eligible sort first. */
struct sort_key {
	struct imagegc_image im;
	bool ok;
};

static int cmp(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	if (x->ok != y->ok)
		return x->ok ? -1 : 1;
	if (x->im.last_used_ms != y->im.last_used_ms)
		return x->im.last_used_ms < y->im.last_used_ms ? -1 : 1;
	if (x->im.loaded_ms != y->im.loaded_ms)
		return x->im.loaded_ms < y->im.loaded_ms ? -1 : 1;
	return 0;
}

uint64_t imagegc_plan(const struct imagegc_policy *p, uint64_t capacity,
		      uint64_t available, int64_t now_ms,
		      struct imagegc_image *imgs, size_t n, uint64_t *ret_freed)
{
	uint64_t used, target, to_free, freed = 0;
	struct sort_key *keys;

	*ret_freed = 0;
	for (size_t i = 0; i < n; i++)
		imgs[i].victim = false;
	if (!capacity || p->high >= 100 || available > capacity)
		return 0;
	used = capacity - available;
	if (used * 100 < (uint64_t)p->high * capacity)
		return 0;
	target = capacity / 100 * (100 - p->low) +
		 capacity % 100 * (100 - p->low) / 100;
	if (target <= available)
		return 0;
	to_free = target - available;
	keys = calloc(n ? n : 1, sizeof(*keys));
	if (!keys)
		return to_free; /* nothing removed: too little freed */
	for (size_t i = 0; i < n; i++)
		keys[i] = (struct sort_key){
		    imgs[i],
		    eligible(&imgs[i], now_ms, (int64_t)p->min_age_ms)};
	qsort(keys, n, sizeof(*keys), cmp);
	for (size_t i = 0; i < n; i++) {
		imgs[i] = keys[i].im;
		if (keys[i].ok && freed < to_free) {
			imgs[i].victim = true;
			freed += imgs[i].size;
		}
	}
	free(keys);
	*ret_freed = freed;
	return to_free;
}
