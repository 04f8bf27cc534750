/*
 * selector.h — Kubernetes label and field selectors, parsed and matched
 * as kube-apiserver does: the one definition used by the API server's
 * `@watch?labelSelector=...&fieldSelector=...`, client_list(), the CLI's
 * `-l` / `--field-selector` and, through label_selector_from_api() and
 * label_selector_api_matches(), every metav1.LabelSelector (workload
 * validation, the scheduler's pod affinity) and node selector term.
 *
 * Label selectors follow k8s.io/apimachinery/pkg/labels:
 *   requirement (',' requirement)*          all must hold (AND)
 *   key = v   key == v   key != v            exact match; v may be empty
 *   key in (v1,v2)   key notin (v1,v2)       set match
 *   key > n   key < n                        integer comparison
 *   key   !key                               exists / does not exist
 * Keys must be qualified names ([DNS-subdomain/]name), values label
 * values; blanks around tokens are ignored. `!=` and `notin` also match
 * objects without the key, as in Kubernetes.
 *
 * Field selectors follow k8s.io/apimachinery/pkg/fields:
 *   term (',' term)*   with term  field=v | field==v | field!=v
 * where `\,`, `\=` and `\\` escape those characters in values. The fields
 * a kind supports are Kubernetes' (every kind: metadata.name and
 * metadata.namespace; pods also spec.nodeName, spec.restartPolicy,
 * spec.schedulerName, spec.serviceAccountName, spec.hostNetwork,
 * status.phase, status.podIP, status.nominatedNodeName; events
 * involvedObject.*, reason, reportingComponent, source, type; and the
 * few others listed in selector_field.c). A field the object lacks
 * compares as its Go zero value: "" for strings, "false", "0".
 *
 * Errors are -EINVAL with the message kube-apiserver gives, e.g.
 *   unable to parse requirement: found '=', expected: identifier
 *   "spec.foo" is not a known field selector: only "metadata.name",
 *   "metadata.namespace"
 *   field label not supported: spec.foo
 *
 * Limits (hostile input): a selector text is at most SELECTOR_MAX_TEXT
 * bytes; longer ones are -EINVAL. Memory is linear in the text's length.
 *
 * Parsed selectors are immutable: matching may run from any number of
 * threads at once.
 */
#ifndef KUBEFS_API_SELECTOR_H
#define KUBEFS_API_SELECTOR_H

#include <jansson.h>
#include <stdbool.h>

#include "api/error.h"

#define SELECTOR_MAX_TEXT 8192

struct label_selector;
struct field_selector;

/*
 * Parse a label selector. NULL or blank text selects everything (and
 * still gives a selector). *ret is owned by the caller, released with
 * label_selector_free(); untouched on failure.
 */
int label_selector_parse(const char *text, struct kf_error *err,
			 struct label_selector **ret);

/*
 * A metav1.LabelSelector (borrowed JSON) as a selector, as
 * metav1.LabelSelectorAsSelector converts it: NULL or JSON null selects
 * nothing, {} everything; matchLabels are `key=value` requirements and
 * matchExpressions In, NotIn, Exists, DoesNotExist. -EINVAL when a key,
 * value, operator or value count is invalid (e.g. `"Gt" is not a valid
 * label selector operator`). *ret as for label_selector_parse().
 */
int label_selector_from_api(const json_t *selector, struct kf_error *err,
			    struct label_selector **ret);

/*
 * The matchExpressions of a v1.NodeSelectorTerm (a JSON array, borrowed;
 * NULL is empty) as a selector on node labels, as
 * NodeSelectorRequirementsAsSelector: also Gt and Lt, which take one
 * integer value. Errors as label_selector_from_api().
 */
int label_selector_from_node_requirements(const json_t *exprs,
					  struct kf_error *err,
					  struct label_selector **ret);

/*
 * The same conversions, matched at once without building anything (no
 * allocation): 1 when labels (borrowed; NULL or a non-object: no labels)
 * satisfy the metav1.LabelSelector selector, 0 when not (NULL selects
 * nothing, {} everything), -EINVAL when label_selector_from_api() would
 * refuse it. For one-off checks (validation, a scheduling filter); build
 * the selector once when it is matched against many label sets.
 */
int label_selector_api_matches(const json_t *selector, const json_t *labels);

/* The same for a NodeSelectorTerm's matchExpressions (NULL or [] holds). */
int label_selector_node_matches(const json_t *exprs, const json_t *labels);

/* NULL is a no-op. */
void label_selector_free(struct label_selector *s);

/* Number of requirements (0: selects everything, except the "nothing"
 * selector label_selector_from_api() makes of NULL). */
size_t label_selector_size(const struct label_selector *s);

/*
 * Does a label set match? labels is an object's metadata.labels
 * (borrowed; NULL or a non-object means "no labels"; values that are not
 * strings are ignored). A NULL selector matches everything.
 */
bool label_selector_matches(const struct label_selector *s,
			    const json_t *labels);

/* Same, on a whole object: uses obj.metadata.labels. */
bool label_selector_matches_object(const struct label_selector *s,
				   const json_t *obj);

/*
 * Parse a field selector for objects of kind `kind` ("Pod") in API group
 * `group` ("" for core, "apps", ...), which decide the fields allowed.
 * NULL or empty text selects everything. *ret is owned by the caller,
 * released with field_selector_free(); untouched on failure.
 */
int field_selector_parse(const char *text, const char *group, const char *kind,
			 struct kf_error *err, struct field_selector **ret);

/* NULL is a no-op. */
void field_selector_free(struct field_selector *s);

/* Number of terms (0: selects everything). */
size_t field_selector_size(const struct field_selector *s);

/* Does obj (borrowed) match? A NULL selector matches everything. */
bool field_selector_matches(const struct field_selector *s, const json_t *obj);

static inline void cleanup_label_selectorp(struct label_selector **s)
{
	label_selector_free(*s);
}

static inline void cleanup_field_selectorp(struct field_selector **s)
{
	field_selector_free(*s);
}

#define _cleanup_label_selector_                                               \
	__attribute__((cleanup(cleanup_label_selectorp)))
#define _cleanup_field_selector_                                               \
	__attribute__((cleanup(cleanup_field_selectorp)))

#endif
