/*
 * mergepatch.h — JSON merge patch (RFC 7386).
 *
 * A patch that is an object merges key by key into the target: a null
 * value removes the key, an object value merges recursively, anything
 * else (arrays included) replaces. A patch that is not an object replaces
 * the target whole. This is what `kubectl patch --type merge` and
 * Content-Type application/merge-patch+json do.
 */
#ifndef KUBEFS_APISERVER_MERGEPATCH_H
#define KUBEFS_APISERVER_MERGEPATCH_H

#include <jansson.h>

/* Deepest patch accepted; deeper is -EFBIG (the codec stops at 64). */
#define MERGEPATCH_MAX_DEPTH 128

/*
 * Apply patch to target. Both are borrowed and left unchanged; target may
 * be NULL (an absent document). On success *ret is a new tree owned by
 * the caller that shares nothing with either input. Returns 0, -ENOMEM,
 * -EINVAL (patch NULL) or -EFBIG (patch nested deeper than
 * MERGEPATCH_MAX_DEPTH); *ret is untouched on failure.
 */
int mergepatch_apply(const json_t *target, const json_t *patch, json_t **ret);

#endif
