/*
 * jsonpath.h — kubectl's JSONPath templates (`-o jsonpath=...`,
 * `wait --for=jsonpath=...`), the subset people use:
 *
 *   text {.a.b} text          fields; text outside braces is literal
 *   {.items[0]} {.x[-1]}      array index (negative: from the end)
 *   {.items[*].metadata.name} every element; {.metadata.labels.*} values
 *   {.a['key.with.dots']}     a key in brackets
 *   {.c[?(@.type=="Ready")].status}   filter with == or != against a
 *                             string, number, true/false; [?(@.x)] exists
 *   {range .items[*]}{.metadata.name}{"\n"}{end}
 *   {"literal\n"}  {$.root}   string literals; $ is the root, inside a
 *                             range a leading '.' or '@' is the element
 *
 * Several results of one expression are printed separated by a space;
 * strings print raw, other scalars as JSON, objects and arrays as
 * compact JSON. A missing field prints nothing, as `kubectl get -o
 * jsonpath` does.
 *
 * Limits: a template of at most JSONPATH_TEXT_MAX bytes, at most
 * JSONPATH_NODES_MAX parts, ranges nested at most JSONPATH_DEPTH_MAX deep.
 */
#ifndef KUBEFS_SHELL_JSONPATH_H
#define KUBEFS_SHELL_JSONPATH_H

#include <jansson.h>
#include <stdio.h>

#include "api/error.h"

#define JSONPATH_TEXT_MAX 4096
#define JSONPATH_NODES_MAX 256
#define JSONPATH_STEPS_MAX 64
#define JSONPATH_DEPTH_MAX 16

struct jsonpath;

/*
 * Parse a template. -EINVAL with err worded as kubectl's parser does
 * ("unclosed action", "unrecognized character in action: U+0021 '!'");
 * err (may be NULL) is reset first.
 * *ret owned by the caller, released with jsonpath_free().
 */
int jsonpath_parse(const char *text, struct kf_error *err,
		   struct jsonpath **ret);

/* Print the template applied to obj (borrowed) on out. 0 or -ENOMEM. */
int jsonpath_print(const struct jsonpath *jp, const json_t *obj, FILE *out);

/*
 * The template's output as a malloc'd string owned by the caller, or
 * NULL when out of memory.
 */
char *jsonpath_text(const struct jsonpath *jp, const json_t *obj);

/* NULL is a no-op. */
void jsonpath_free(struct jsonpath *jp);

#endif
