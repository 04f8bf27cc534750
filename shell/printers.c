/*
 * printers.c — tables, ages, selectors: the generic half of kubectl's
 * human-readable printing (the columns of each kind are in columns.c).
 */
#include "shell/printers.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "client/client.h"

json_t *jget(const json_t *obj, const char *path)
{
	const char *p = path;
	json_t *v = (json_t *)obj;

	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		char key[256];

		if (!json_is_object(v) || len >= sizeof(key))
			return NULL;
		memcpy(key, p, len);
		key[len] = '\0';
		v = json_object_get(v, key);
		p += len + (dot ? 1 : 0);
	}
	return v;
}

const char *jstr(const json_t *obj, const char *path)
{
	return json_string_value(jget(obj, path));
}

long long jint(const json_t *obj, const char *path, long long def)
{
	json_t *v = jget(obj, path);

	return json_is_integer(v) ? json_integer_value(v) : def;
}

int row_addf(struct row *r, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	if (r->n >= ROW_MAX)
		return -E2BIG;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (n > CELL_MAX)
		s[CELL_MAX] = '\0';
	/* a cell is one line: tabs and newlines would break the table */
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	r->cell[r->n++] = s;
	return 0;
}

int row_insert(struct row *r, size_t pos, const char *text)
{
	char *s;

	if (r->n >= ROW_MAX)
		return -E2BIG;
	if (pos > r->n)
		pos = r->n;
	s = strdup(text);
	if (!s)
		return -ENOMEM;
	memmove(&r->cell[pos + 1], &r->cell[pos],
		(r->n - pos) * sizeof(r->cell[0]));
	r->cell[pos] = s;
	r->n++;
	return 0;
}

void row_release(struct row *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->cell[i]);
	r->n = 0;
}

int table_add(struct table *t, struct row *r)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct row *rows;

		if (cap > TABLE_ROWS_MAX)
			return -E2BIG;
		rows = realloc(t->rows, cap * sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		t->rows = rows;
		t->cap = cap;
	}
	t->rows[t->n++] = *r;
	r->n = 0;
	return 0;
}

/* Display width of a UTF-8 string: code points, not bytes. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void table_print(FILE *f, const struct table *t, size_t *widths)
{
	size_t w[ROW_MAX] = {0};
	size_t ncols = 0;

	if (widths)
		memcpy(w, widths, sizeof(w));
	for (size_t i = 0; i < t->n; i++) {
		if (t->rows[i].n > ncols)
			ncols = t->rows[i].n;
		for (size_t c = 0; c < t->rows[i].n; c++) {
			size_t cw = text_width(t->rows[i].cell[c]);

			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];

		for (size_t c = 0; c < r->n; c++) {
			if (c + 1 == r->n) {
				fprintf(f, "%s\n", r->cell[c]);
				break;
			}
			fprintf(f, "%s%*s", r->cell[c],
				(int)(w[c] + 3 - text_width(r->cell[c])), "");
		}
	}
	if (widths)
		memcpy(widths, w, sizeof(w));
}

void table_release(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		row_release(&t->rows[i]);
	free(t->rows);
	t->rows = NULL;
	t->n = t->cap = 0;
}

void printer_duration(long long seconds, char *buf, size_t size)
{
	long long minutes, hours;

	if (seconds < -1) {
		snprintf(buf, size, "<invalid>");
		return;
	}
	if (seconds < 0)
		seconds = 0;
	if (seconds < 120) {
		snprintf(buf, size, "%llds", seconds);
		return;
	}
	minutes = seconds / 60;
	if (minutes < 10) {
		if (seconds % 60)
			snprintf(buf, size, "%lldm%llds", minutes,
				 seconds % 60);
		else
			snprintf(buf, size, "%lldm", minutes);
		return;
	}
	if (minutes < 180) {
		snprintf(buf, size, "%lldm", minutes);
		return;
	}
	hours = minutes / 60;
	if (hours < 8) {
		if (minutes % 60)
			snprintf(buf, size, "%lldh%lldm", hours, minutes % 60);
		else
			snprintf(buf, size, "%lldh", hours);
	} else if (hours < 48) {
		snprintf(buf, size, "%lldh", hours);
	} else if (hours < 24 * 8) {
		if (hours % 24)
			snprintf(buf, size, "%lldd%lldh", hours / 24,
				 hours % 24);
		else
			snprintf(buf, size, "%lldd", hours / 24);
	} else if (hours < 24 * 365 * 2) {
		snprintf(buf, size, "%lldd", hours / 24);
	} else if (hours < 24 * 365 * 8) {
		long long dy = (hours / 24) % 365;

		if (dy)
			snprintf(buf, size, "%lldy%lldd", hours / 24 / 365, dy);
		else
			snprintf(buf, size, "%lldy", hours / 24 / 365);
	} else {
		snprintf(buf, size, "%lldy", hours / 24 / 365);
	}
}

void printer_age(const char *timestamp, time_t now, char *buf, size_t size)
{
	struct timespec ts;

	if (!timestamp || !*timestamp || rfc3339_parse(timestamp, &ts) < 0) {
		snprintf(buf, size, "<unknown>");
		return;
	}
	printer_duration((long long)now - (long long)ts.tv_sec, buf, size);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of a JSON object; *ret_n of them. Owned array. */
static const char **sorted_keys(const json_t *obj, size_t *ret_n)
{
	size_t n = json_object_size(obj), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char *k;
	json_t *v;

	if (!keys)
		return NULL;
	json_object_foreach ((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	*ret_n = n;
	return keys;
}

/* Append "k=v" pairs of labels, sorted, to f. Returns how many. */
static size_t print_map(FILE *f, const json_t *labels, size_t already)
{
	size_t n = 0;
	_cleanup_free_ const char **keys = sorted_keys(labels, &n);

	if (!keys)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *v =
		    json_string_value(json_object_get(labels, keys[i]));

		fprintf(f, "%s%s=%s", already + i ? "," : "", keys[i],
			v ? v : "");
	}
	return n;
}

char *printer_labels(const json_t *labels)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!json_is_object(labels) || !json_object_size(labels))
		return strdup("<none>");
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	print_map(f, labels, 0);
	fclose(f);
	return buf;
}

/* One matchExpressions requirement, as labels.Requirement.String(). */
static void print_expr(FILE *f, const json_t *e)
{
	const char *key = jstr(e, "key"), *op = jstr(e, "operator");
	json_t *vals = json_object_get(e, "values");
	size_t i;
	json_t *v;

	if (!key || !op)
		return;
	if (!strcmp(op, "Exists")) {
		fprintf(f, "%s", key);
		return;
	}
	if (!strcmp(op, "DoesNotExist")) {
		fprintf(f, "!%s", key);
		return;
	}
	fprintf(f, "%s %s (", key, !strcmp(op, "In") ? "in" : "notin");
	json_array_foreach (vals, i, v)
		fprintf(f, "%s%s", i ? "," : "", json_string_value(v) ?: "");
	fprintf(f, ")");
}

char *printer_selector(const json_t *sel)
{
	json_t *ml = json_object_get(sel, "matchLabels");
	json_t *me = json_object_get(sel, "matchExpressions");
	char *buf = NULL;
	size_t len = 0, n = 0, i;
	json_t *e;
	FILE *f;

	if (!json_is_object(sel))
		return strdup("<none>");
	if (!ml && !me) /* a plain map (Service.spec.selector) */
		return printer_labels(sel);
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (json_is_object(ml))
		n = print_map(f, ml, 0);
	json_array_foreach (me, i, e) {
		if (n++)
			fprintf(f, ",");
		print_expr(f, e);
	}
	fclose(f);
	if (!n) {
		free(buf);
		return strdup("<none>");
	}
	return buf;
}

struct tw_line {
	const char *cell[ROW_MAX + 1]; /* cells; the last is the trailer */
	size_t len[ROW_MAX + 1];
	size_t n;
};

struct tw {
	FILE *f;
	struct tw_line *lines;
	size_t nlines;
	size_t widths[ROW_MAX + 1];
	size_t nwidths;
	size_t padding;
};

static size_t width_n(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

static void tw_write(struct tw *t, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const struct tw_line *l = &t->lines[i];

		for (size_t c = 0; c < l->n; c++) {
			fwrite(l->cell[c], 1, l->len[c], t->f);
			if (c < t->nwidths && c + 1 < l->n)
				fprintf(t->f, "%*s",
					(int)(t->widths[c] -
					      width_n(l->cell[c], l->len[c])),
					"");
		}
		fputc('\n', t->f);
	}
}

/* Go's tabwriter.format: lay out the column len(widths) over lines. */
static void tw_format(struct tw *t, size_t line0, size_t line1)
{
	size_t column = t->nwidths;

	for (size_t this = line0; this < line1; this ++) {
		size_t width = 0, l;

		if (column + 1 >= t->lines[this].n || column >= ROW_MAX)
			continue;
		tw_write(t, line0, this);
		line0 = this;
		for (l = this; l < line1; l++) {
			const struct tw_line *ln = &t->lines[l];
			size_t w;

			if (column + 1 >= ln->n)
				break;
			w = width_n(ln->cell[column], ln->len[column]) +
			    t->padding;
			if (w > width)
				width = w;
		}
		t->widths[t->nwidths++] = width;
		tw_format(t, line0, l);
		t->nwidths--;
		line0 = l;
		this = l - 1;
	}
	tw_write(t, line0, line1);
}

void tabwriter_print(FILE *f, const char *text, size_t padding)
{
	struct tw t = {.f = f, .padding = padding};
	size_t cap = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		struct tw_line *l;

		if (t.nlines == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct tw_line *nv;

			if (nc > TABLE_ROWS_MAX)
				break;
			nv = realloc(t.lines, nc * sizeof(*nv));
			if (!nv)
				break;
			t.lines = nv;
			cap = nc;
		}
		l = &t.lines[t.nlines++];
		l->n = 0;
		for (const char *c = p;;) {
			const char *tab = memchr(c, '\t', (size_t)(end - c));

			if (!tab || l->n == ROW_MAX) {
				l->cell[l->n] = c;
				l->len[l->n++] = (size_t)(end - c);
				break;
			}
			l->cell[l->n] = c;
			l->len[l->n++] = (size_t)(tab - c);
			c = tab + 1;
		}
		p = nl ? nl + 1 : end;
	}
	tw_format(&t, 0, t.nlines);
	free(t.lines);
}
