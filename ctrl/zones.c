/*
 * zones.c — per-zone eviction rate limiting (see zones.h).
 */
#include "ctrl/zones.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_REGION "topology.kubernetes.io/region"
#define LABEL_ZONE "topology.kubernetes.io/zone"

struct zone_bucket {
	double rate;
	double tokens;
	long long at; /* ms */
};

enum zone_state zone_state_of(const struct zone_opts *o, size_t ready,
			      size_t not_ready)
{
	if (ready == 0 && not_ready > 0)
		return ZONE_FULL_DISRUPTION;
	if (not_ready > 2 && (double)not_ready / (double)(not_ready + ready) >=
				 o->unhealthy_zone_threshold)
		return ZONE_PARTIAL_DISRUPTION;
	return ZONE_NORMAL;
}

double zone_rate(const struct zone_opts *o, enum zone_state state, size_t size,
		 bool all_full)
{
	if (all_full)
		return 0;
	switch (state) {
	case ZONE_PARTIAL_DISRUPTION: /* ReducedQPSFunc */
		return (long long)size > o->large_cluster_size
			   ? o->secondary_eviction_rate
			   : 0;
	case ZONE_FULL_DISRUPTION: /* HealthyQPSFunc */
	case ZONE_NORMAL:
	default:
		return o->eviction_rate;
	}
}

const char *zone_state_name(enum zone_state state)
{
	switch (state) {
	case ZONE_PARTIAL_DISRUPTION:
		return "PartialDisruption";
	case ZONE_FULL_DISRUPTION:
		return "FullDisruption";
	default:
		return "Normal";
	}
}

char *zone_key(const json_t *node)
{
	json_t *labels =
	    json_object_get(json_object_get(node, "metadata"), "labels");
	const char *region =
	    json_string_value(json_object_get(labels, LABEL_REGION));
	const char *zone =
	    json_string_value(json_object_get(labels, LABEL_ZONE));
	char *key = NULL;

	if (!region && !zone)
		return strdup("");
	/* a tab cannot be in a label value: region and zone stay apart */
	if (asprintf(&key, "%s\t%s", region ? region : "", zone ? zone : "") <
	    0)
		return NULL;
	return key;
}

void zone_limiter_init(struct zone_limiter *l)
{
	strmap_init(&l->buckets);
}

void zone_limiter_release(struct zone_limiter *l)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (strmap_next(&l->buckets, &i, &k, &v))
		free(v);
	strmap_release(&l->buckets);
}

bool zone_limiter_take(struct zone_limiter *l, const char *zone, double rate,
		       long long now_ms)
{
	struct zone_bucket *b = strmap_get(&l->buckets, zone);

	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b || strmap_put(&l->buckets, zone, b) < 0) {
			free(b);
			return false;
		}
		b->rate = -1;
	}
	if (b->rate != rate) { /* SwapLimiter: a new bucket, full */
		b->rate = rate;
		b->tokens = 1.0;
		b->at = now_ms;
	}
	if (rate <= 0)
		return false;
	b->tokens += (double)(now_ms - b->at) / 1000.0 * rate;
	if (b->tokens > 1.0)
		b->tokens = 1.0;
	b->at = now_ms;
	if (b->tokens < 1.0 - 1e-9) /* sums of fractions: rounding */
		return false;
	b->tokens = b->tokens > 1.0 ? b->tokens - 1.0 : 0;
	return true;
}
