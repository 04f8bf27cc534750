/*
 * label.h — the label/annotate changes of `kubefs label` and `kubefs
 * annotate`, as kubectl understands them: KEY=VALUE sets, KEY- removes,
 * and an existing different value is only replaced with --overwrite.
 */
#ifndef KUBEFS_SHELL_LABEL_H
#define KUBEFS_SHELL_LABEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/error.h"

#define LABEL_CHANGES_MAX 256

struct label_change {
	const char *key;   /* borrowed from argv (the '=' or '-' cut off) */
	const char *value; /* NULL: remove */
};

/*
 * Is arg a change ("k=v", "k-") rather than a resource argument? A
 * "TYPE/NAME" never is.
 */
bool label_is_change(const char *arg);

/*
 * Parse one change argument in place (arg is modified: the '=' or the
 * trailing '-' becomes NUL). -EINVAL with err set for an empty key or a
 * key both set and removed ("can not both modify and remove a label in
 * the same command").
 */
int label_parse(char *arg, struct label_change *ret, struct kf_error *err);

/*
 * The JSON merge patch {"metadata": {FIELD: {...}}} (FIELD "labels" or
 * "annotations") applying changes to the current map (may be NULL).
 * Without overwrite, a key that has a different value is refused with
 * -EEXIST and kubectl's message in err:
 *   'tier' already has a value (web), and --overwrite is false
 * (annotate: "--overwrite is false but found the following declared
 * annotation(s): 'k' already has a value (v)"). *ret_removes_only is
 * true when every change is a removal. *ret owned by the caller.
 */
int label_patch(const json_t *current, const char *field,
		const struct label_change *ch, size_t n, bool overwrite,
		struct kf_error *err, json_t **ret, bool *ret_removes_only);

#endif
