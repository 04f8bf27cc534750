/*
 * selector.c — label selectors with kube-apiserver's grammar and error
 * messages (k8s.io/apimachinery/pkg/labels), and metav1.LabelSelector
 * and node selector requirements converted to them.
 */
#include "api/selector.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/quote.h"
#include "api/selector_i.h"
#include "api/validate.h"

/* ---------------------------------------------------- messages */

void selmsg_add(struct selmsg *m, const char *s, size_t n)
{
	size_t room = sizeof(m->buf) - 1 - m->len;

	if (n > room)
		n = room;
	memcpy(m->buf + m->len, s, n);
	m->len += n;
	m->buf[m->len] = '\0';
}

void selmsg_addf(struct selmsg *m, const char *fmt, ...)
{
	size_t room = sizeof(m->buf) - 1 - m->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->len, room + 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->len += (size_t)n < room ? (size_t)n : room;
	m->buf[m->len] = '\0';
}

void selmsg_reset(struct selmsg *m)
{
	m->len = 0;
	m->buf[0] = '\0';
}

void selmsg_quote(struct selmsg *m, const char *s, size_t n)
{
	go_quote(s, n, m->buf + m->len, sizeof(m->buf) - m->len);
	m->len += strlen(m->buf + m->len);
}

int selmsg_fail(struct kf_error *err, const struct selmsg *m)
{
	return kf_error_set(err, -EINVAL, "%s", m->buf);
}

/* Go's strconv.ParseInt(s, 10, 64). */
bool sel_parse_int64(const char *s, size_t n, long long *ret)
{
	char buf[32];
	char *end;
	long long v;
	size_t i = 0;

	if (n == 0 || n >= sizeof(buf))
		return false;
	if (s[0] == '+' || s[0] == '-')
		i = 1;
	if (i == n)
		return false;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

/* ---------------------------------------------------- label selector */

enum tok {
	T_END,
	T_CPAR,
	T_COMMA,
	T_NOT,
	T_DEQ,
	T_EQ,
	T_GT,
	T_ID,
	T_IN,
	T_LT,
	T_NEQ,
	T_NOTIN,
	T_OPAR,
};

struct token {
	enum tok t;
	const char *s; /* literal, into the selector text */
	size_t len;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
	return c && strchr("=!(),><", c);
}

/* The token a literal spells, T_ID if none. */
static enum tok literal_token(const char *s, size_t n)
{
	static const struct {
		const char *s;
		enum tok t;
	} map[] = {
	    {")", T_CPAR}, {",", T_COMMA}, {"!", T_NOT},       {"==", T_DEQ},
	    {"=", T_EQ},   {">", T_GT},	   {"in", T_IN},       {"<", T_LT},
	    {"!=", T_NEQ}, {"(", T_OPAR},  {"notin", T_NOTIN},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].s) == n && !memcmp(map[i].s, s, n))
			return map[i].t;
	return T_ID;
}

/* The lexer of labels.Parse: every token up to and including T_END. */
static size_t lex(const char *s, struct token *toks)
{
	size_t n = 0, i = 0;

	for (;;) {
		size_t start, best = 0;
		enum tok best_t = T_END;

		while (is_blank(s[i]))
			i++;
		start = i;
		if (!s[i]) {
			toks[n++] = (struct token){T_END, s + i, 0};
			return n;
		}
		if (is_special(s[i])) {
			/* longest operator, one symbol of lookahead */
			for (size_t j = i; is_special(s[j]); j++) {
				enum tok t = literal_token(s + i, j - i + 1);

				if (t != T_ID) {
					best = j - i + 1;
					best_t = t;
				} else {
					break;
				}
			}
			i += best;
			toks[n++] = (struct token){best_t, s + start, best};
			continue;
		}
		while (s[i] && !is_special(s[i]) && !is_blank(s[i]))
			i++;
		toks[n++] = (struct token){literal_token(s + start, i - start),
					   s + start, i - start};
	}
}

enum ctx { CTX_KEY_OP, CTX_VALUES };

struct parser {
	const struct token *toks;
	size_t ntoks, pos;
	struct selmsg *m; /* the error, when a step fails */
};

static enum tok tok_type(const struct token *t, enum ctx c)
{
	if (c == CTX_VALUES && (t->t == T_IN || t->t == T_NOTIN))
		return T_ID;
	return t->t;
}

static const struct token *lookahead(struct parser *p, enum ctx c,
				     enum tok *ret_t)
{
	const struct token *t = &p->toks[p->pos];

	*ret_t = tok_type(t, c);
	return t;
}

static const struct token *consume(struct parser *p, enum ctx c,
				   enum tok *ret_t)
{
	const struct token *t = &p->toks[p->pos];

	if (p->pos + 1 < p->ntoks)
		p->pos++;
	*ret_t = tok_type(t, c);
	return t;
}

static int found(struct parser *p, const struct token *t, const char *what)
{
	selmsg_addf(p->m, "found '%.*s', expected: %s", (int)t->len, t->s,
		    what);
	return -EINVAL;
}

int selset_add(struct selset *set, const char *s, size_t len)
{
	size_t i = 0;
	const char **ns;
	size_t *nl;

	while (i < set->n) {
		size_t l = set->len[i] < len ? set->len[i] : len;
		int c = memcmp(set->s[i], s, l);

		if (c == 0 && set->len[i] == len)
			return 0;
		if (c > 0 || (c == 0 && set->len[i] > len))
			break;
		i++;
	}
	ns = realloc(set->s, (set->n + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	set->s = ns;
	nl = realloc(set->len, (set->n + 1) * sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	set->len = nl;
	memmove(set->s + i + 1, set->s + i, (set->n - i) * sizeof(*ns));
	memmove(set->len + i + 1, set->len + i, (set->n - i) * sizeof(*nl));
	set->s[i] = s;
	set->len[i] = len;
	set->n++;
	return 0;
}

void selset_release(struct selset *set)
{
	free(set->s);
	free(set->len);
	*set = (struct selset){0};
}

/* The key's validity (validateLabelKey): -EINVAL with
 * "<path>: Invalid value: "key": <messages>" in m. */
int sel_key_check(const char *key, size_t len, const char *path,
		  struct selmsg *m)
{
	char buf[KF_ERROR_MSG_MAX];
	_cleanup_free_ char *k = strndup(key, len);

	if (!k)
		return -ENOMEM;
	if (!qualified_name_message(k, "; ", buf, sizeof(buf)))
		return 0;
	selmsg_addf(m, "%s: Invalid value: ", path);
	selmsg_quote(m, key, len);
	selmsg_lit(m, ": ");
	selmsg_add(m, buf, strlen(buf));
	return -EINVAL;
}

static int parse_key_and_op(struct parser *p, const struct token **ret_key,
			    enum label_op *ret_op)
{
	enum label_op op = LOP_NONE;
	const struct token *t;
	enum tok tt;
	int r;

	t = consume(p, CTX_VALUES, &tt);
	if (tt == T_NOT) {
		op = LOP_NOT_EXISTS;
		t = consume(p, CTX_VALUES, &tt);
	}
	if (tt != T_ID)
		return found(p, t, "identifier");
	r = sel_key_check(t->s, t->len, "<nil>", p->m);
	if (r < 0)
		return r;
	lookahead(p, CTX_VALUES, &tt);
	if ((tt == T_END || tt == T_COMMA) && op != LOP_NOT_EXISTS)
		op = LOP_EXISTS;
	*ret_key = t;
	*ret_op = op;
	return 0;
}

static int parse_operator(struct parser *p, enum label_op *ret_op)
{
	const struct token *t;
	enum tok tt;

	t = consume(p, CTX_KEY_OP, &tt);
	switch (tt) {
	case T_IN:
		*ret_op = LOP_IN;
		return 0;
	case T_EQ:
		*ret_op = LOP_EQ;
		return 0;
	case T_DEQ:
		*ret_op = LOP_DEQ;
		return 0;
	case T_GT:
		*ret_op = LOP_GT;
		return 0;
	case T_LT:
		*ret_op = LOP_LT;
		return 0;
	case T_NOTIN:
		*ret_op = LOP_NOTIN;
		return 0;
	case T_NEQ:
		*ret_op = LOP_NEQ;
		return 0;
	default:
		return found(p, t, "in, notin, =, ==, !=, gt, lt");
	}
}

/* "(a,b,,c)" after the '(' — labels' parseIdentifiersList. */
static int parse_identifiers(struct parser *p, struct selset *set)
{
	for (;;) {
		const struct token *t, *t2;
		enum tok tt, tt2;

		t = consume(p, CTX_VALUES, &tt);
		switch (tt) {
		case T_ID:
			if (selset_add(set, t->s, t->len) < 0)
				return -ENOMEM;
			t2 = lookahead(p, CTX_VALUES, &tt2);
			if (tt2 == T_COMMA)
				continue;
			if (tt2 == T_CPAR)
				return 0;
			return found(p, t2, "',' or ')'");
		case T_COMMA:
			if (set->n == 0 && selset_add(set, "", 0) < 0)
				return -ENOMEM;
			lookahead(p, CTX_VALUES, &tt2);
			if (tt2 == T_CPAR) {
				if (selset_add(set, "", 0) < 0)
					return -ENOMEM;
				return 0;
			}
			if (tt2 == T_COMMA) {
				consume(p, CTX_VALUES, &tt2);
				if (selset_add(set, "", 0) < 0)
					return -ENOMEM;
			}
			break;
		default:
			return found(p, t, "',', or identifier");
		}
	}
}

static int parse_values(struct parser *p, struct selset *set)
{
	const struct token *t, *first;
	enum tok tt;
	int r;

	t = consume(p, CTX_VALUES, &tt);
	if (tt != T_OPAR) {
		selmsg_addf(p->m, "found '%.*s' expected: '('", (int)t->len,
			    t->s);
		return -EINVAL;
	}
	first = lookahead(p, CTX_VALUES, &tt);
	switch (tt) {
	case T_ID:
	case T_COMMA:
		r = parse_identifiers(p, set);
		if (r < 0)
			return r;
		consume(p, CTX_VALUES, &tt);
		if (tt != T_CPAR)
			return found(p, first, "')'");
		return 0;
	case T_CPAR:
		consume(p, CTX_VALUES, &tt);
		return selset_add(set, "", 0);
	default:
		return found(p, first, "',', ')' or identifier");
	}
}

static int parse_exact_value(struct parser *p, struct selset *set)
{
	const struct token *t;
	enum tok tt;

	lookahead(p, CTX_VALUES, &tt);
	if (tt == T_END || tt == T_COMMA)
		return selset_add(set, "", 0);
	t = consume(p, CTX_VALUES, &tt);
	if (tt == T_ID)
		return selset_add(set, t->s, t->len);
	return found(p, t, "identifier");
}

static void label_req_release(struct label_req *r)
{
	free(r->key);
	for (size_t i = 0; i < r->nvalues; i++)
		free(r->values[i]);
	free(r->values);
}

/* The number of values op takes, as NewRequirement checks it; NULL when
 * the count is right. */
const char *sel_count_error(enum label_op op, size_t n)
{
	switch (op) {
	case LOP_IN:
	case LOP_NOTIN:
		return n ? NULL
			 : "for 'in', 'notin' operators, values set can't be "
			   "empty";
	case LOP_EQ:
	case LOP_DEQ:
	case LOP_NEQ:
		return n == 1 ? NULL
			      : "exact-match compatibility requires one "
				"single value";
	case LOP_EXISTS:
	case LOP_NOT_EXISTS:
		return n == 0 ? NULL
			      : "values set must be empty for exists and does "
				"not exist";
	case LOP_GT:
	case LOP_LT:
		return n == 1 ? NULL
			      : "for 'Gt', 'Lt' operators, exactly one value "
				"is required";
	case LOP_NONE:
		break;
	}
	return "operator not supported";
}

/*
 * labels.NewRequirement's checks of the values (the key is checked
 * before), aggregated as utilerrors.NewAggregate prints them into m;
 * fills r on success.
 */
int sel_new_requirement(const char *key, size_t keylen, enum label_op op,
			const struct selset *set, struct selmsg *m,
			struct label_req *r)
{
	const char *count = sel_count_error(op, set->n);
	struct selmsg one;
	char **vals;
	unsigned nerr = 0;

	if (count) {
		selmsg_lit(m, "values: Invalid value: ");
		selmsg_add(m, count, strlen(count));
		nerr++;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < set->n; i++) {
			char buf[KF_ERROR_MSG_MAX];
			_cleanup_free_ char *v = NULL;
			const char *bad;
			long long num;

			selmsg_reset(&one);
			if (pass == 0) {
				if ((op != LOP_GT && op != LOP_LT) ||
				    sel_parse_int64(set->s[i], set->len[i],
						    &num))
					continue;
				selmsg_addf(&one,
					    "values[%zu]: Invalid value: ", i);
				selmsg_quote(&one, set->s[i], set->len[i]);
				selmsg_lit(&one,
					   ": for 'Gt', 'Lt' operators, "
					   "the value must be an integer");
			} else {
				v = strndup(set->s[i], set->len[i]);
				if (!v)
					return -ENOMEM;
				bad = label_value_message(v, "; ", buf,
							  sizeof(buf));
				if (!bad)
					continue;
				selmsg_addf(
				    &one,
				    "values[%zu][%.*s]: Invalid value: ", i,
				    (int)keylen, key);
				selmsg_quote(&one, set->s[i], set->len[i]);
				selmsg_lit(&one, ": ");
				selmsg_add(&one, bad, strlen(bad));
			}
			if (nerr++)
				selmsg_lit(m, ", ");
			selmsg_add(m, one.buf, one.len);
		}
	}
	if (nerr > 1) {
		/* utilerrors.NewAggregate prints several as a list */
		struct selmsg tmp = *m;

		selmsg_reset(m);
		selmsg_lit(m, "[");
		selmsg_add(m, tmp.buf, tmp.len);
		selmsg_lit(m, "]");
	}
	if (nerr)
		return -EINVAL;
	r->key = strndup(key, keylen);
	vals = calloc(set->n ? set->n : 1, sizeof(*vals));
	if (!r->key || !vals) {
		free(r->key);
		free(vals);
		return -ENOMEM;
	}
	r->values = vals;
	r->op = op;
	for (size_t i = 0; i < set->n; i++) {
		vals[i] = strndup(set->s[i], set->len[i]);
		if (!vals[i]) {
			label_req_release(r);
			return -ENOMEM;
		}
		r->nvalues++;
	}
	if ((op == LOP_GT || op == LOP_LT) &&
	    !sel_parse_int64(set->s[0], set->len[0], &r->num))
		r->num = 0;
	return 0;
}

static int parse_requirement(struct parser *p, struct label_req *r)
{
	struct selset set = {0};
	const struct token *key = NULL;
	enum label_op op;
	int ret;

	ret = parse_key_and_op(p, &key, &op);
	if (ret < 0)
		return ret;
	if (op != LOP_EXISTS && op != LOP_NOT_EXISTS) {
		ret = parse_operator(p, &op);
		if (ret < 0)
			return ret;
		if (op == LOP_IN || op == LOP_NOTIN)
			ret = parse_values(p, &set);
		else
			ret = parse_exact_value(p, &set);
	}
	if (ret == 0)
		ret = sel_new_requirement(key->s, key->len, op, &set, p->m, r);
	selset_release(&set);
	return ret;
}

static int req_cmp(const void *a, const void *b)
{
	return strcmp(((const struct label_req *)a)->key,
		      ((const struct label_req *)b)->key);
}

void label_selector_free(struct label_selector *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		label_req_release(&s->reqs[i]);
	free(s->reqs);
	free(s);
}

static int parse_all(struct parser *p, struct label_selector *sel)
{
	for (;;) {
		const struct token *t;
		struct label_req *reqs;
		enum tok tt;
		int r;

		t = lookahead(p, CTX_VALUES, &tt);
		if (tt == T_END)
			return 0;
		if (tt != T_ID && tt != T_NOT)
			return found(p, t, "!, identifier, or 'end of string'");
		reqs = realloc(sel->reqs, (sel->n + 1) * sizeof(*reqs));
		if (!reqs)
			return -ENOMEM;
		sel->reqs = reqs;
		memset(&reqs[sel->n], 0, sizeof(reqs[0]));
		r = parse_requirement(p, &reqs[sel->n]);
		if (r == -EINVAL) {
			struct selmsg tmp = *p->m;

			selmsg_reset(p->m);
			selmsg_lit(p->m, "unable to parse requirement: ");
			selmsg_add(p->m, tmp.buf, tmp.len);
		}
		if (r < 0)
			return r;
		sel->n++;
		t = consume(p, CTX_VALUES, &tt);
		if (tt == T_END)
			return 0;
		if (tt != T_COMMA)
			return found(p, t, "',' or 'end of string'");
		t = lookahead(p, CTX_VALUES, &tt);
		if (tt != T_ID && tt != T_NOT)
			return found(p, t, "identifier after ','");
	}
}

/* The end of every parse: on success sort the requirements by key, as
 * labels.Parse does, and hand sel over; on failure free it and report. */
int sel_finish(struct label_selector *sel, int r, const struct selmsg *m,
	       struct kf_error *err, struct label_selector **ret)
{
	if (r < 0) {
		label_selector_free(sel);
		if (r == -EINVAL)
			return selmsg_fail(err, m);
		return kf_error_set(err, r, "out of memory");
	}
	if (sel->n > 1)
		qsort(sel->reqs, sel->n, sizeof(sel->reqs[0]), req_cmp);
	*ret = sel;
	return 0;
}

int label_selector_parse(const char *text, struct kf_error *err,
			 struct label_selector **ret)
{
	_cleanup_free_ struct token *toks = NULL;
	_cleanup_free_ struct selmsg *m = NULL;
	struct label_selector *sel;
	struct parser p;
	size_t len = text ? strlen(text) : 0;
	int r;

	if (len > SELECTOR_MAX_TEXT)
		return kf_error_set(err, -EINVAL,
				    "label selector is too long: %zu bytes, "
				    "the limit is %d bytes",
				    len, SELECTOR_MAX_TEXT);
	sel = calloc(1, sizeof(*sel));
	toks = calloc(len + 1, sizeof(*toks));
	m = calloc(1, sizeof(*m));
	if (!sel || !toks || !m) {
		free(sel);
		return kf_error_set(err, -ENOMEM, "out of memory");
	}
	p = (struct parser){toks, lex(text ? text : "", toks), 0, m};
	r = parse_all(&p, sel);
	return sel_finish(sel, r, m, err, ret);
}

size_t label_selector_size(const struct label_selector *s)
{
	return s ? s->n : 0;
}

static bool has_value(const struct label_req *r, const char *v)
{
	for (size_t i = 0; i < r->nvalues; i++)
		if (!strcmp(r->values[i], v))
			return true;
	return false;
}

bool sel_op_holds(enum label_op op, const char *have, bool in_values,
		  long long want)
{
	long long num;

	switch (op) {
	case LOP_IN:
	case LOP_EQ:
	case LOP_DEQ:
		return have && in_values;
	case LOP_NOTIN:
	case LOP_NEQ:
		return !have || !in_values;
	case LOP_EXISTS:
		return have != NULL;
	case LOP_NOT_EXISTS:
		return have == NULL;
	case LOP_GT:
	case LOP_LT:
		if (!have || !sel_parse_int64(have, strlen(have), &num))
			return false;
		return op == LOP_GT ? num > want : num < want;
	case LOP_NONE:
		break;
	}
	return false;
}

static bool req_matches(const struct label_req *r, const json_t *labels)
{
	const char *v = json_string_value(json_object_get(labels, r->key));

	return sel_op_holds(r->op, v, v && has_value(r, v), r->num);
}

bool label_selector_matches(const struct label_selector *s,
			    const json_t *labels)
{
	if (!s)
		return true;
	if (s->nothing)
		return false;
	if (!json_is_object(labels))
		labels = NULL;
	for (size_t i = 0; i < s->n; i++)
		if (!req_matches(&s->reqs[i], labels))
			return false;
	return true;
}

bool label_selector_matches_object(const struct label_selector *s,
				   const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");

	return label_selector_matches(s, json_object_get(meta, "labels"));
}
