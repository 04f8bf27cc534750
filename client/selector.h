/*
 * selector.h — Kubernetes label and field selectors, evaluated on the
 * client side (client_list() filters with them; the shell's `-l` too).
 *
 * Label selector grammar (k8s.io/apimachinery/pkg/labels):
 *   requirement (',' requirement)*
 *   key = v | key == v | key != v | key in (v1,v2) | key notin (v1,v2)
 *   key | !key
 * Keys are [prefix/]name as Kubernetes label keys; values are label
 * values (may be empty). Field selectors: path = v | path == v |
 * path != v, where path is a dotted field path (metadata.name,
 * spec.nodeName, status.phase) compared with the field's value as text
 * (a missing field compares as "").
 *
 * Limits: at most SELECTOR_TERMS_MAX requirements and SELECTOR_VALUES_MAX
 * values per set; longer selectors are -EINVAL.
 */
#ifndef KUBEFS_CLIENT_SELECTOR_H
#define KUBEFS_CLIENT_SELECTOR_H

#include <jansson.h>
#include <stdbool.h>

#include "api/error.h"

#define SELECTOR_TERMS_MAX 64
#define SELECTOR_VALUES_MAX 64
#define SELECTOR_TEXT_MAX 8192

struct selector;

/*
 * Parse a label selector (field == false) or a field selector (field ==
 * true). NULL or "" selects everything. *ret owned by the caller
 * (selector_free()). -EINVAL with err in Kubernetes' wording, e.g.
 *   unable to parse requirement: found '=', expected: identifier
 */
int selector_parse(const char *text, bool field, struct kf_error *err,
		   struct selector **ret);

/* NULL is a no-op. */
void selector_free(struct selector *s);

/* Does obj (borrowed) match? A NULL selector matches everything. */
bool selector_matches(const struct selector *s, const json_t *obj);

#endif
