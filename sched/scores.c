/*
 * scores.c — score plugins: NodeResourcesFit (LeastAllocated),
 * NodeResourcesBalancedAllocation, NodeAffinity (preferred terms),
 * TaintToleration (PreferNoSchedule) and SelectorSpread (pods of the same
 * controller on the node).
 */
#include <math.h>
#include <string.h>

#include "api/toleration.h"
#include "sched/match.h"
#include "sched/plugins_i.h"
#include "api/podres.h"

void sched_default_normalize(int64_t max, bool reverse, int64_t *scores,
			     size_t n)
{
	int64_t top = 0;

	for (size_t i = 0; i < n; i++)
		if (scores[i] > top)
			top = scores[i];
	if (top == 0) {
		if (reverse)
			for (size_t i = 0; i < n; i++)
				scores[i] = max;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t s = scores[i] < 0 ? 0 : scores[i];

		/* max * s / top without overflowing for huge raw scores */
		s = (int64_t)((__int128)max * s / top);
		scores[i] = reverse ? max - s : s;
	}
}

/* leastRequestedScore: the share left free, in 0..100. */
static int64_t least_requested(int64_t requested, int64_t capacity)
{
	if (capacity <= 0 || requested > capacity)
		return 0;
	return (int64_t)((__int128)(capacity - requested) *
			 SCHED_MAX_NODE_SCORE / capacity);
}

int64_t sched_score_least_allocated(const struct sched_cycle *c,
				    const struct sched_node *n)
{
	const struct sched_resources *want = &c->pod->nonzero_req;
	int64_t score = 0, weights = 0;

	/* cpu and memory, weight 1 each; resources the node lacks are
	 * left out */
	if (n->allocatable.milli_cpu > 0) {
		score +=
		    least_requested(resource_add(n->nonzero_requested.milli_cpu,
						 want->milli_cpu),
				    n->allocatable.milli_cpu);
		weights++;
	}
	if (n->allocatable.memory > 0) {
		score += least_requested(
		    resource_add(n->nonzero_requested.memory, want->memory),
		    n->allocatable.memory);
		weights++;
	}
	return weights ? score / weights : 0;
}

/*
 * balancedResourceScorer: with fractions f = requested / allocatable
 * (capped at 1) of cpu and memory, 100 * (1 - |f_cpu - f_mem| / 2).
 * Uses the real requests, not the scoring defaults.
 */
int64_t sched_score_balanced_allocation(const struct sched_cycle *c,
					const struct sched_node *n)
{
	const struct sched_resources *want = &c->pod->req;
	double f[2];
	size_t k = 0;

	if (n->allocatable.milli_cpu > 0) {
		f[k] = (double)resource_add(n->requested.milli_cpu,
					    want->milli_cpu) /
		       (double)n->allocatable.milli_cpu;
		k++;
	}
	if (n->allocatable.memory > 0) {
		f[k] = (double)resource_add(n->requested.memory, want->memory) /
		       (double)n->allocatable.memory;
		k++;
	}
	for (size_t i = 0; i < k; i++)
		if (f[i] > 1)
			f[i] = 1;
	if (k < 2)
		return SCHED_MAX_NODE_SCORE;
	return (int64_t)((1 - fabs(f[0] - f[1]) / 2) * SCHED_MAX_NODE_SCORE);
}

/* The sum of the weights of the preferred terms the node matches. */
int64_t sched_score_node_affinity(const struct sched_cycle *c,
				  const struct sched_node *n)
{
	const json_t *pref;
	int64_t score = 0;
	size_t i;

	json_array_foreach (c->pod->preferred_terms, i, pref) {
		const json_t *w = json_object_get(pref, "weight");
		json_int_t weight = json_integer_value(w);

		/* validation allows 1..100; anything else counts nothing */
		if (weight < 1 || weight > 100)
			continue;
		if (sched_node_term_matches(json_object_get(pref, "preference"),
					    n->labels, n->name))
			score += weight;
	}
	return score;
}

void sched_normalize_node_affinity(const struct sched_cycle *c, int64_t *scores,
				   size_t n)
{
	sched_default_normalize(SCHED_MAX_NODE_SCORE, false, scores, n);
}

/* How many PreferNoSchedule taints the pod does not tolerate (only its
 * tolerations with no effect or PreferNoSchedule count). */
int64_t sched_score_taint_toleration(const struct sched_cycle *c,
				     const struct sched_node *n)
{
	const json_t *taint, *t;
	int64_t count = 0;
	size_t i, j;

	json_array_foreach (n->taints, i, taint) {
		bool tolerated = false;

		if (strcmp(taint_field(taint, "effect"), "PreferNoSchedule") !=
		    0)
			continue;
		json_array_foreach (c->pod->tolerations, j, t) {
			const char *e = taint_field(t, "effect");

			if ((!*e || strcmp(e, "PreferNoSchedule") == 0) &&
			    toleration_tolerates(t, taint)) {
				tolerated = true;
				break;
			}
		}
		count += !tolerated;
	}
	return count;
}

void sched_normalize_taint_toleration(const struct sched_cycle *c,
				      int64_t *scores, size_t n)
{
	sched_default_normalize(SCHED_MAX_NODE_SCORE, true, scores, n);
}

/* Pods of the same controller (ownerReference with controller: true, in
 * the same namespace) already on the node, terminating ones aside. */
int64_t sched_score_selector_spread(const struct sched_cycle *c,
				    const struct sched_node *n)
{
	const struct sched_pod *p = c->pod;
	int64_t count = 0;

	if (!p->owner_uid)
		return 0;
	for (size_t i = 0; i < n->n_pods; i++) {
		const struct sched_pod *o = n->pods[i];

		if (o->owner_uid && !o->deleting &&
		    strcmp(o->owner_uid, p->owner_uid) == 0 &&
		    strcmp(o->ns, p->ns) == 0)
			count++;
	}
	return count;
}

void sched_normalize_selector_spread(const struct sched_cycle *c,
				     int64_t *scores, size_t n)
{
	sched_default_normalize(SCHED_MAX_NODE_SCORE, true, scores, n);
}
