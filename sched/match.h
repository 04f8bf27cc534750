/*
 * match.h — selector and node-selector matching, as Kubernetes'
 * labels.Selector and nodeaffinity do it (tolerations: api/toleration.h).
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

#endif
