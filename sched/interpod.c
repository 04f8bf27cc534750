/*
 * interpod.c — InterPodAffinity: required pod affinity and anti-affinity
 * of the incoming pod, and required anti-affinity of the pods already
 * placed, over any topology key (kubernetes.io/hostname makes each node
 * its own domain).
 *
 * Pre-filter (sched_cycle_init) counts, per topology pair (key, value of
 * that node label), the placed pods that match each kind of term; the
 * filter then only looks the node's pairs up.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/cleanup.h"
#include "sched/match.h"
#include "sched/plugins_i.h"

/* "LEN:KEY=VALUE": unambiguous whatever the label contains. */
static char *pair_key(const char *key, const char *value)
{
	char *s;

	if (asprintf(&s, "%zu:%s=%s", strlen(key), key, value) < 0)
		return NULL;
	return s;
}

static int pair_add(struct strmap *m, const char *key, const char *value)
{
	_cleanup_free_ char *k = pair_key(key, value);
	uintptr_t n;

	if (!k)
		return -ENOMEM;
	n = (uintptr_t)strmap_get(m, k);
	return strmap_put(m, k, (void *)(n + 1));
}

static size_t pair_count(const struct strmap *m, const char *key,
			 const char *value)
{
	_cleanup_free_ char *k = NULL;

	if (!strmap_len(m))
		return 0;
	k = pair_key(key, value);
	/* out of memory counts as "present": the safe answer for anti-
	 * affinity, and affinity's self-match rule keeps pods moving */
	return k ? (uintptr_t)strmap_get(m, k) : 1;
}

/* PodMatchesTermsNamespaceAndSelector, the term's owner living in ns. */
static bool term_matches(const struct sched_pod_term *t, const char *ns,
			 const struct sched_pod *target)
{
	bool ns_ok = t->all_namespaces;
	const json_t *v;
	size_t i;

	json_array_foreach (t->namespaces, i, v) {
		const char *s = json_string_value(v);

		if (s && strcmp(s, target->ns) == 0)
			ns_ok = true;
	}
	if (!ns_ok && !json_array_size(t->namespaces) && !t->has_ns_selector)
		ns_ok = strcmp(ns, target->ns) == 0;
	return ns_ok && sched_selector_matches(t->selector, target->labels);
}

int sched_cycle_init(struct sched_cycle *c, const struct sched_pod *pod,
		     struct sched_node *const *nodes, size_t n_nodes)
{
	memset(c, 0, sizeof(*c));
	c->pod = pod;
	c->nodes = nodes;
	c->n_nodes = n_nodes;
	strmap_init(&c->affinity_counts);
	strmap_init(&c->anti_counts);
	strmap_init(&c->existing_anti_counts);

	c->pod_matches_own_affinity = pod->n_affinity > 0;
	for (size_t i = 0; i < pod->n_affinity; i++)
		if (!term_matches(&pod->affinity[i], pod->ns, pod))
			c->pod_matches_own_affinity = false;

	for (size_t i = 0; i < n_nodes; i++) {
		const struct sched_node *n = nodes[i];
		bool incoming = pod->n_affinity || pod->n_anti_affinity;

		if (!n->obj || (!incoming && !n->n_with_anti_affinity))
			continue;
		for (size_t j = 0; j < n->n_pods; j++) {
			const struct sched_pod *o = n->pods[j];
			const char *v;
			int r;

			for (size_t k = 0; k < pod->n_affinity; k++) {
				const struct sched_pod_term *t =
				    &pod->affinity[k];

				v = sched_label(n->labels, t->topology_key);
				if (v && term_matches(t, pod->ns, o)) {
					r = pair_add(&c->affinity_counts,
						     t->topology_key, v);
					if (r < 0)
						return r;
				}
			}
			for (size_t k = 0; k < pod->n_anti_affinity; k++) {
				const struct sched_pod_term *t =
				    &pod->anti_affinity[k];

				v = sched_label(n->labels, t->topology_key);
				if (v && term_matches(t, pod->ns, o)) {
					r = pair_add(&c->anti_counts,
						     t->topology_key, v);
					if (r < 0)
						return r;
				}
			}
			for (size_t k = 0; k < o->n_anti_affinity; k++) {
				const struct sched_pod_term *t =
				    &o->anti_affinity[k];

				v = sched_label(n->labels, t->topology_key);
				if (v && term_matches(t, o->ns, pod)) {
					r = pair_add(&c->existing_anti_counts,
						     t->topology_key, v);
					if (r < 0)
						return r;
				}
			}
		}
	}
	return 0;
}

void sched_cycle_release(struct sched_cycle *c)
{
	strmap_release(&c->affinity_counts);
	strmap_release(&c->anti_counts);
	strmap_release(&c->existing_anti_counts);
}

static bool satisfies_affinity(const struct sched_cycle *c,
			       const struct sched_node *n)
{
	const struct sched_pod *p = c->pod;
	bool pods_exist = true;

	for (size_t i = 0; i < p->n_affinity; i++) {
		const char *key = p->affinity[i].topology_key;
		const char *v = sched_label(n->labels, key);

		/* every topology label must exist on the node */
		if (!v)
			return false;
		if (!pair_count(&c->affinity_counts, key, v))
			pods_exist = false;
	}
	/* the first pod of a group with affinity to itself may go anywhere
	 * that has the topology labels */
	return pods_exist || (!strmap_len(&c->affinity_counts) &&
			      c->pod_matches_own_affinity);
}

static bool satisfies_anti_affinity(const struct sched_cycle *c,
				    const struct sched_node *n)
{
	const struct sched_pod *p = c->pod;

	for (size_t i = 0; i < p->n_anti_affinity; i++) {
		const char *key = p->anti_affinity[i].topology_key;
		const char *v = sched_label(n->labels, key);

		if (v && pair_count(&c->anti_counts, key, v))
			return false;
	}
	return true;
}

static bool satisfies_existing_anti_affinity(const struct sched_cycle *c,
					     const struct sched_node *n)
{
	const char *key;
	json_t *v;

	if (!strmap_len(&c->existing_anti_counts))
		return true;
	json_object_foreach ((json_t *)n->labels, key, v) {
		const char *s = json_string_value(v);

		if (s && pair_count(&c->existing_anti_counts, key, s))
			return false;
	}
	return true;
}

void sched_filter_inter_pod_affinity(const struct sched_cycle *c,
				     const struct sched_node *n,
				     struct sched_status *st)
{
	if (!satisfies_affinity(c, n))
		sched_status_add(st, SCHED_UNRESOLVABLE, REASON_AFFINITY);
	else if (!satisfies_anti_affinity(c, n))
		sched_status_add(st, SCHED_UNSCHEDULABLE, REASON_ANTI_AFFINITY);
	else if (!satisfies_existing_anti_affinity(c, n))
		sched_status_add(st, SCHED_UNSCHEDULABLE,
				 REASON_EXISTING_ANTI_AFFINITY);
}
