/*
 * jsonpath.c — kubectl's JSONPath templates: parser and evaluator.
 */
#include "shell/jsonpath.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

/* Values produced by one expression at most (bounded by the input). */
#define VALUES_MAX 1000000

enum step_type { ST_FIELD, ST_INDEX, ST_ALL, ST_FILTER };
enum filter_op { OP_EXISTS, OP_EQ, OP_NE };

struct path;

struct step {
	enum step_type type;
	char *key;	   /* ST_FIELD, owned */
	long long index;   /* ST_INDEX */
	struct path *lhs;  /* ST_FILTER, owned */
	enum filter_op op; /* ST_FILTER */
	json_t *lit;	   /* ST_FILTER literal, owned */
};

struct path {
	bool root; /* starts at $ rather than the current element */
	struct step *steps;
	size_t n;
};

enum node_type { N_TEXT, N_PATH, N_RANGE, N_END };

struct node {
	enum node_type type;
	char *text;	  /* N_TEXT, owned */
	struct path path; /* N_PATH, N_RANGE */
	size_t end;	  /* N_RANGE: index of its N_END */
};

struct jsonpath {
	struct node nodes[JSONPATH_NODES_MAX];
	size_t n;
};

struct vals {
	json_t **v;
	size_t n, cap;
};

static void path_release(struct path *p);

static void step_release(struct step *s)
{
	free(s->key);
	if (s->lhs) {
		path_release(s->lhs);
		free(s->lhs);
	}
	json_decref(s->lit);
}

static void path_release(struct path *p)
{
	for (size_t i = 0; i < p->n; i++)
		step_release(&p->steps[i]);
	free(p->steps);
	p->steps = NULL;
	p->n = 0;
}

void jsonpath_free(struct jsonpath *jp)
{
	if (!jp)
		return;
	for (size_t i = 0; i < jp->n; i++) {
		free(jp->nodes[i].text);
		path_release(&jp->nodes[i].path);
	}
	free(jp);
}

static struct step *new_step(struct path *p, enum step_type t)
{
	struct step *s;

	if (p->n >= JSONPATH_STEPS_MAX)
		return NULL;
	if (!p->steps) {
		p->steps = calloc(JSONPATH_STEPS_MAX, sizeof(*p->steps));
		if (!p->steps)
			return NULL;
	}
	s = &p->steps[p->n++];
	memset(s, 0, sizeof(*s));
	s->type = t;
	return s;
}

/* Length of a quoted string at s (s[0] is the quote), or 0 if open. */
static size_t quoted_len(const char *s, size_t max)
{
	for (size_t i = 1; i < max; i++) {
		if (s[i] == '\\' && i + 1 < max)
			i++;
		else if (s[i] == s[0])
			return i + 1;
	}
	return 0;
}

/* Unescape the quoted string s[0..len) (quotes included). Owned. */
static char *unquote(const char *s, size_t len)
{
	char *out = malloc(len), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 1; i + 1 < len; i++) {
		if (s[i] == '\\' && i + 2 < len) {
			i++;
			switch (s[i]) {
			case 'n':
				*o++ = '\n';
				break;
			case 't':
				*o++ = '\t';
				break;
			case 'r':
				*o++ = '\r';
				break;
			default:
				*o++ = s[i];
			}
			continue;
		}
		*o++ = s[i];
	}
	*o = '\0';
	return out;
}

static int parse_path(const char *s, size_t len, struct path *p,
		      struct kf_error *err);

/* A filter literal: 'x', "x", a number, true, false, null. */
static json_t *parse_literal(const char *s, size_t len)
{
	_cleanup_free_ char *t = NULL;

	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= 2 && (s[0] == '"' || s[0] == '\'') && s[len - 1] == s[0]) {
		t = unquote(s, len);
		return t ? json_string(t) : NULL;
	}
	t = strndup(s, len);
	if (!t)
		return NULL;
	return json_loads(t, JSON_DECODE_ANY, NULL);
}

/* [?(...)] content (without "?(" and ")"). */
static int parse_filter(const char *s, size_t len, struct step *st,
			struct kf_error *err)
{
	size_t op_at = len, lit, i;

	for (i = 0; i + 1 < len; i++) {
		if (s[i] == '"' || s[i] == '\'') {
			size_t q = quoted_len(s + i, len - i);

			if (!q)
				break;
			i += q - 1;
			continue;
		}
		if ((s[i] == '=' || s[i] == '!') && s[i + 1] == '=') {
			op_at = i;
			break;
		}
	}
	st->lhs = calloc(1, sizeof(*st->lhs));
	if (!st->lhs)
		return -ENOMEM;
	if (op_at == len) {
		st->op = OP_EXISTS;
		return parse_path(s, len, st->lhs, err);
	}
	st->op = s[op_at] == '=' ? OP_EQ : OP_NE;
	lit = op_at + 2;
	while (op_at && isspace((unsigned char)s[op_at - 1]))
		op_at--;
	if (parse_path(s, op_at, st->lhs, err) < 0)
		return -EINVAL;
	st->lit = parse_literal(s + lit, len - lit);
	if (!st->lit)
		return kf_error_set(err, -EINVAL,
				    "unrecognized filter literal in \"%.*s\"",
				    (int)len, s);
	return 0;
}

/* Bracket content: *, 'key', "key", N, ?(...). */
static int parse_bracket(const char *s, size_t len, struct path *p,
			 struct kf_error *err)
{
	struct step *st;
	char *end;

	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 1 && s[0] == '*')
		return new_step(p, ST_ALL) ? 0 : -E2BIG;
	if (len >= 2 && (s[0] == '\'' || s[0] == '"') && s[len - 1] == s[0]) {
		st = new_step(p, ST_FIELD);
		if (!st)
			return -E2BIG;
		st->key = unquote(s, len);
		return st->key ? 0 : -ENOMEM;
	}
	if (len >= 3 && s[0] == '?' && s[1] == '(' && s[len - 1] == ')') {
		st = new_step(p, ST_FILTER);
		if (!st)
			return -E2BIG;
		return parse_filter(s + 2, len - 3, st, err);
	}
	if (len && (isdigit((unsigned char)s[0]) || s[0] == '-')) {
		_cleanup_free_ char *t = strndup(s, len);

		if (!t)
			return -ENOMEM;
		st = new_step(p, ST_INDEX);
		if (!st)
			return -E2BIG;
		st->index = strtoll(t, &end, 10);
		if (*end == ':')
			return kf_error_set(err, -EINVAL,
					    "array slices are not supported: "
					    "[%s]",
					    t);
		if (*end)
			return kf_error_set(err, -EINVAL,
					    "invalid array index %s", t);
		return 0;
	}
	return kf_error_set(err, -EINVAL, "invalid array index %.*s", (int)len,
			    s);
}

static int parse_path(const char *s, size_t len, struct path *p,
		      struct kf_error *err)
{
	size_t i = 0;
	int r;

	while (i < len && isspace((unsigned char)s[i]))
		i++;
	while (len > i && isspace((unsigned char)s[len - 1]))
		len--;
	if (i < len && (s[i] == '$' || s[i] == '@')) {
		p->root = s[i] == '$';
		i++;
	}
	while (i < len) {
		size_t start;
		struct step *st;

		if (s[i] == '[') {
			size_t depth = 0, j;

			for (j = i; j < len; j++) {
				if (s[j] == '\'' || s[j] == '"') {
					size_t q = quoted_len(s + j, len - j);

					if (!q)
						break;
					j += q - 1;
				} else if (s[j] == '[' || s[j] == '(') {
					depth++;
				} else if ((s[j] == ']' || s[j] == ')') &&
					   --depth == 0) {
					break;
				}
			}
			if (j >= len)
				return kf_error_set(err, -EINVAL,
						    "unterminated array");
			r = parse_bracket(s + i + 1, j - i - 1, p, err);
			if (r < 0)
				return r;
			i = j + 1;
			continue;
		}
		if (s[i] == '.')
			i++;
		if (i < len && s[i] == '.')
			return kf_error_set(err, -EINVAL,
					    "recursive descent (..) is not "
					    "supported");
		if (i < len && s[i] == '*') {
			if (!new_step(p, ST_ALL))
				return -E2BIG;
			i++;
			continue;
		}
		start = i;
		while (i < len && s[i] != '.' && s[i] != '[' &&
		       !isspace((unsigned char)s[i]))
			i++;
		if (i < len && isspace((unsigned char)s[i]))
			return kf_error_set(err, -EINVAL,
					    "unrecognized character in action: "
					    "U+%04X '%c'",
					    (unsigned)s[i], s[i]);
		if (i == start)
			continue; /* "{.}" is the element itself */
		st = new_step(p, ST_FIELD);
		if (!st)
			return kf_error_set(err, -E2BIG, "path too long");
		st->key = strndup(s + start, i - start);
		if (!st->key)
			return -ENOMEM;
	}
	return 0;
}

static int add_node(struct jsonpath *jp, enum node_type t, struct node **ret)
{
	if (jp->n >= JSONPATH_NODES_MAX)
		return -E2BIG;
	*ret = &jp->nodes[jp->n++];
	memset(*ret, 0, sizeof(**ret));
	(*ret)->type = t;
	return 0;
}

/* One {action}: s[0..len) is what lies between the braces. */
static int parse_action(struct jsonpath *jp, const char *s, size_t len,
			size_t *stack, size_t *depth, struct kf_error *err)
{
	struct node *n;
	int r;

	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 3 && !strncmp(s, "end", 3)) {
		if (!*depth)
			return kf_error_set(err, -EINVAL,
					    "not in range, nothing to end");
		r = add_node(jp, N_END, &n);
		if (r < 0)
			return r;
		jp->nodes[stack[--*depth]].end = jp->n - 1;
		return 0;
	}
	if (len > 6 && !strncmp(s, "range", 5) &&
	    isspace((unsigned char)s[5])) {
		if (*depth >= JSONPATH_DEPTH_MAX)
			return kf_error_set(err, -EINVAL,
					    "ranges nested too deep");
		r = add_node(jp, N_RANGE, &n);
		if (r < 0)
			return r;
		stack[(*depth)++] = jp->n - 1;
		return parse_path(s + 6, len - 6, &n->path, err);
	}
	r = add_node(jp, N_TEXT, &n);
	if (r < 0)
		return r;
	if (len >= 2 && (s[0] == '"' || s[0] == '\'') &&
	    quoted_len(s, len) == len) {
		n->text = unquote(s, len);
		return n->text ? 0 : -ENOMEM;
	}
	n->type = N_PATH;
	return parse_path(s, len, &n->path, err);
}

int jsonpath_parse(const char *text, struct kf_error *err,
		   struct jsonpath **ret)
{
	struct jsonpath *jp;
	size_t stack[JSONPATH_DEPTH_MAX], depth = 0;
	size_t len = strlen(text), i = 0;
	int r = 0;

	if (err)
		kf_error_init(err);
	if (len > JSONPATH_TEXT_MAX)
		return kf_error_set(err, -EINVAL,
				    "the template is too long: at most %d "
				    "bytes",
				    JSONPATH_TEXT_MAX);
	jp = calloc(1, sizeof(*jp));
	if (!jp)
		return -ENOMEM;
	while (i < len && r == 0) {
		const char *open = strchr(text + i, '{');
		struct node *n;
		size_t j;

		if (open != text + i) {
			size_t tl = open ? (size_t)(open - text) - i : len - i;

			r = add_node(jp, N_TEXT, &n);
			if (r == 0) {
				n->text = strndup(text + i, tl);
				r = n->text ? 0 : -ENOMEM;
			}
			i += tl;
			continue;
		}
		/* find the closing brace, skipping quoted strings */
		for (j = i + 1; j < len && text[j] != '}'; j++)
			if (text[j] == '"' || text[j] == '\'') {
				size_t q = quoted_len(text + j, len - j);

				if (!q)
					break;
				j += q - 1;
			}
		if (j >= len || text[j] != '}') {
			r = kf_error_set(err, -EINVAL, "unclosed action");
			break;
		}
		r = parse_action(jp, text + i + 1, j - i - 1, stack, &depth,
				 err);
		i = j + 1;
	}
	if (r == 0 && depth)
		r = kf_error_set(err, -EINVAL, "unclosed range");
	if (r == -E2BIG)
		r = kf_error_set(err, -EINVAL, "the template is too complex");
	else if (r < 0 && r != -ENOMEM && (!err || !err->msg[0]))
		r = kf_error_set(err, -EINVAL, "invalid template");
	if (r < 0) {
		jsonpath_free(jp);
		return r;
	}
	*ret = jp;
	return 0;
}

static int vals_add(struct vals *v, json_t *j)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		json_t **nv;

		if (cap > VALUES_MAX)
			return -E2BIG;
		nv = realloc(v->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = j;
	return 0;
}

static int eval(const struct path *p, json_t *root, json_t *cur,
		struct vals *out);

static bool filter_keep(const struct step *st, json_t *root, json_t *elem)
{
	struct vals v = {0};
	bool keep = false;

	if (eval(st->lhs, root, elem, &v) < 0) {
		free(v.v);
		return false;
	}
	if (st->op == OP_EXISTS) {
		keep = v.n > 0;
	} else if (v.n) {
		json_t *a = v.v[0];

		/* numbers compare by value whatever their JSON type */
		if (json_is_number(a) && json_is_number(st->lit))
			keep =
			    json_number_value(a) == json_number_value(st->lit);
		else
			keep = json_equal(a, st->lit);
		if (st->op == OP_NE)
			keep = !keep;
	} else {
		keep = st->op == OP_NE;
	}
	free(v.v);
	return keep;
}

static int apply_step(const struct step *st, json_t *root, json_t *x,
		      struct vals *next)
{
	size_t i;
	json_t *e;
	const char *k;
	int r = 0;

	switch (st->type) {
	case ST_FIELD:
		e = json_object_get(x, st->key);
		return e ? vals_add(next, e) : 0;
	case ST_INDEX: {
		long long n = (long long)json_array_size(x);
		long long at = st->index < 0 ? n + st->index : st->index;

		if (!json_is_array(x) || at < 0 || at >= n)
			return 0;
		return vals_add(next, json_array_get(x, (size_t)at));
	}
	case ST_ALL:
		if (json_is_array(x))
			json_array_foreach (x, i, e)
				if ((r = vals_add(next, e)) < 0)
					return r;
		if (json_is_object(x))
			json_object_foreach (x, k, e)
				if ((r = vals_add(next, e)) < 0)
					return r;
		return 0;
	case ST_FILTER:
		json_array_foreach (x, i, e)
			if (filter_keep(st, root, e) &&
			    (r = vals_add(next, e)) < 0)
				return r;
		return 0;
	}
	return 0;
}

static int eval(const struct path *p, json_t *root, json_t *cur,
		struct vals *out)
{
	struct vals a = {0}, b = {0};
	int r = vals_add(&a, p->root ? root : cur);

	for (size_t s = 0; r == 0 && s < p->n; s++) {
		struct vals t;

		b.n = 0;
		for (size_t i = 0; r == 0 && i < a.n; i++)
			r = apply_step(&p->steps[s], root, a.v[i], &b);
		t = a;
		a = b;
		b = t;
	}
	free(b.v);
	if (r < 0) {
		free(a.v);
		return r;
	}
	*out = a;
	return 0;
}

static void print_value(FILE *out, json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		fputs(json_string_value(v), out);
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s)
		fputs(s, out);
	free(s);
}

static int run(const struct jsonpath *jp, size_t from, size_t to, json_t *root,
	       json_t *cur, FILE *out)
{
	for (size_t i = from; i < to; i++) {
		const struct node *n = &jp->nodes[i];
		struct vals v = {0};
		int r;

		switch (n->type) {
		case N_TEXT:
			fputs(n->text, out);
			break;
		case N_END:
			break;
		case N_PATH:
			r = eval(&n->path, root, cur, &v);
			if (r < 0)
				return r;
			for (size_t k = 0; k < v.n; k++) {
				if (k)
					fputc(' ', out);
				print_value(out, v.v[k]);
			}
			free(v.v);
			break;
		case N_RANGE: {
			r = eval(&n->path, root, cur, &v);
			if (r < 0)
				return r;
			/* {range .items} walks the array itself */
			if (v.n == 1 && json_is_array(v.v[0]) &&
			    (!n->path.n ||
			     n->path.steps[n->path.n - 1].type != ST_ALL)) {
				json_t *arr = v.v[0];
				size_t k;
				json_t *e;

				v.n = 0;
				json_array_foreach (arr, k, e)
					if ((r = vals_add(&v, e)) < 0) {
						free(v.v);
						return r;
					}
			}
			for (size_t k = 0; k < v.n; k++) {
				r = run(jp, i + 1, n->end, root, v.v[k], out);
				if (r < 0) {
					free(v.v);
					return r;
				}
			}
			free(v.v);
			i = n->end;
			break;
		}
		}
	}
	return 0;
}

int jsonpath_print(const struct jsonpath *jp, const json_t *obj, FILE *out)
{
	return run(jp, 0, jp->n, (json_t *)obj, (json_t *)obj, out);
}

char *jsonpath_text(const struct jsonpath *jp, const json_t *obj)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return NULL;
	r = jsonpath_print(jp, obj, f);
	fclose(f);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
