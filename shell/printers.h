/*
 * printers.h — kubectl's human-readable output: tables, ages, the columns
 * of each kind.
 *
 * A table is a list of rows of owned strings; row 0 is normally the
 * header. table_print() aligns columns as kubectl's tabwriter does: every
 * column but the last is padded to its widest cell plus three spaces.
 *
 * Columns per kind (printer_headers/printer_row) follow kubectl's
 * printers: pods NAME READY STATUS RESTARTS AGE, deployments NAME READY
 * UP-TO-DATE AVAILABLE AGE, and so on; kinds without their own columns
 * get NAME AGE. The NAME column is always first. Cells are never empty:
 * missing values are "<none>" or "<unknown>" as kubectl prints them.
 */
#ifndef KUBEFS_SHELL_PRINTERS_H
#define KUBEFS_SHELL_PRINTERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "api/kinds.h"

/* Columns in one row at most; cells longer than this are cut. */
#define ROW_MAX 24
#define CELL_MAX 4096
/* Rows in one table at most (a list is bounded by CLIENT_LIST_MAX). */
#define TABLE_ROWS_MAX 2000000

struct row {
	char *cell[ROW_MAX]; /* owned */
	size_t n;
};

/* Append a printf-formatted cell. Returns 0, -E2BIG when full, -ENOMEM. */
int row_addf(struct row *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Insert a cell before position pos (0: first). Same returns. */
int row_insert(struct row *r, size_t pos, const char *text);

/* Free the cells; the row is empty afterwards. */
void row_release(struct row *r);

struct table {
	struct row *rows; /* owned */
	size_t n, cap;
};

/* Take the cells of r (r is left empty). Returns 0 or -ENOMEM/-E2BIG. */
int table_add(struct table *t, struct row *r);

/*
 * Print with kubectl's alignment. widths (may be NULL) are minimum
 * column widths, updated to the widths used (for `get -w`, which prints
 * later rows aligned with the first ones); it holds ROW_MAX entries.
 */
void table_print(FILE *f, const struct table *t, size_t *widths);

void table_release(struct table *t);

/*
 * kubectl's age: "45s", "3m20s", "5h", "12d", "2y3d"
 * (apimachinery's duration.HumanDuration) of now - timestamp, where
 * timestamp is RFC 3339. "<unknown>" when the time is missing or
 * unparsable, "<invalid>" when it is more than a second in the future.
 * buf holds at least 32 bytes.
 */
void printer_age(const char *timestamp, time_t now, char *buf, size_t size);

/* duration.HumanDuration of a number of seconds. */
void printer_duration(long long seconds, char *buf, size_t size);

/*
 * Headers and cells of kind k's table (wide: `-o wide` columns too).
 * The first cell is always NAME / the object's name. Returns 0,
 * -ENOMEM or -E2BIG.
 */
int printer_headers(const struct kind_info *k, bool wide, struct row *ret);
int printer_row(const struct kind_info *k, const json_t *obj, time_t now,
		bool wide, struct row *ret);

/*
 * The pod STATUS column as kubectl computes it ("Running", "Pending",
 * "ContainerCreating", "CrashLoopBackOff", "Completed", "Init:0/1",
 * "Terminating", ...), and the READY / RESTARTS cells.
 */
void printer_pod_status(const json_t *pod, time_t now, char *status,
			size_t status_size, char *ready, size_t ready_size,
			char *restarts, size_t restarts_size);

/*
 * A label selector as Kubernetes prints it: matchLabels and
 * matchExpressions of sel ("app=web,tier in (a,b)"), or a plain map of
 * labels (Service selectors). "<none>" when empty. Owned string.
 */
char *printer_selector(const json_t *sel);

/* "a=b,c=d" of a labels map, sorted by key; "<none>" if empty. Owned. */
char *printer_labels(const json_t *labels);

/*
 * Print text (lines of '\t'-separated cells) aligned as Go's
 * text/tabwriter aligns it with minwidth 0 and the given padding, which
 * is how kubectl's describe output is laid out: a column's width is set
 * by the block of consecutive lines that have a cell in that column;
 * the text after a line's last tab is not a cell and is not padded.
 */
void tabwriter_print(FILE *f, const char *text, size_t padding);

/* Value of the string at obj.a.b.c (dotted path), or NULL. Borrowed. */
const char *jstr(const json_t *obj, const char *path);

/* The JSON value at a dotted path, or NULL. Borrowed. */
json_t *jget(const json_t *obj, const char *path);

/* Integer at a dotted path, or def. */
long long jint(const json_t *obj, const char *path, long long def);

#endif
