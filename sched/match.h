/*
 * match.h — selector, node-selector and toleration matching, as
 * Kubernetes' labels.Selector, nodeaffinity and v1helper do it.
 *
 * Every function takes borrowed json_t values and is defensive: a value
 * of the wrong type (which validation should have rejected) never
 * matches and never crashes.
 */
#ifndef KUBEFS_SCHED_MATCH_H
#define KUBEFS_SCHED_MATCH_H

#include <jansson.h>
#include <stdbool.h>

/* labels[key] as a string, or NULL when absent (labels may be NULL). */
const char *sched_label(const json_t *labels, const char *key);

/*
 * metav1.LabelSelector: matchLabels and matchExpressions (In, NotIn,
 * Exists, DoesNotExist) all hold. An empty selector matches everything;
 * a NULL one matches nothing; an unknown operator matches nothing.
 */
bool sched_selector_matches(const json_t *selector, const json_t *labels);

/*
 * A NodeSelectorTerm: every matchExpressions requirement (In, NotIn,
 * Exists, DoesNotExist, Gt, Lt) against the node's labels and every
 * matchFields requirement (metadata.name, In/NotIn) against its name
 * holds. An empty term matches nothing.
 */
bool sched_node_term_matches(const json_t *term, const json_t *labels,
			     const char *node_name);

/* nodeSelectorTerms: any term matches (they are ORed). */
bool sched_node_terms_match(const json_t *terms, const json_t *labels,
			    const char *node_name);

/* nodeSelector: every key=value pair is a node label. NULL matches. */
bool sched_node_selector_matches(const json_t *selector, const json_t *labels);

/*
 * v1.Toleration.ToleratesTaint: the toleration's effect is empty or the
 * taint's, its key empty or the taint's, and operator Exists, or Equal
 * (or empty) with the same value.
 */
bool sched_toleration_tolerates(const json_t *toleration, const json_t *taint);

/* Any toleration in the array tolerates taint. */
bool sched_tolerations_tolerate(const json_t *tolerations, const json_t *taint);

/* The same for a taint given by its fields ("" when unset). */
bool sched_toleration_tolerates_kv(const json_t *toleration, const char *key,
				   const char *value, const char *effect);
bool sched_tolerations_tolerate_kv(const json_t *tolerations, const char *key,
				   const char *value, const char *effect);

/* A taint's field as a string, "" when absent. Borrowed. */
const char *sched_taint_field(const json_t *taint, const char *field);

#endif
