/*
 * describe_i.h — shared by describe.c (the command, generic describer,
 * events) and describe_kinds.c (per-kind describers). Not a contract.
 *
 * A describer writes lines through struct dw as kubectl's prefixWriter
 * does: indentation by level (two spaces each), cells separated by '\t';
 * the whole text is aligned by tabwriter_print() at the end.
 */
#ifndef KUBEFS_SHELL_DESCRIBE_I_H
#define KUBEFS_SHELL_DESCRIBE_I_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "api/kinds.h"
#include "client/client.h"

struct dw {
	FILE *f;
	struct client *c;
	time_t now;
};

/* One line at an indentation level: "  "*level + printf text. */
void dw_line(struct dw *w, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "Labels:\tk=v" then "\tk2=v2" lines; "<none>" when empty. */
void dw_map(struct dw *w, int level, const char *title, const json_t *map,
	    const char *sep);

/* "Mon, 02 Jan 2006 15:04:05 -0700" of an RFC 3339 time, or "<unset>". */
void dw_time(const char *rfc3339, char *buf, size_t size);

/* Name, Namespace, Labels, Annotations and CreationTimestamp lines. */
void dw_meta(struct dw *w, const json_t *obj, bool with_created);

/* "Controlled By:\tKind/name" when the object has a controller owner. */
void dw_controlled_by(struct dw *w, const json_t *obj);

/* A pod template (Labels, Containers, Volumes) at the given level. */
void dw_pod_template(struct dw *w, int level, const json_t *tmpl);

/* Containers of a pod spec, with their status when statuses is set. */
void dw_containers(struct dw *w, int level, const char *title,
		   const json_t *containers, const json_t *statuses);

/* Conditions table (Type Status [Reason]) of status.conditions. */
void dw_conditions(struct dw *w, const json_t *conds, bool reasons);

/* Per-kind describers; 0 when k has none (the generic one is used). */
int describe_kind(struct dw *w, const struct kind_info *k, const json_t *obj);

#endif
