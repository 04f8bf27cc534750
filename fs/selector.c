/*
 * selector.c — label and field selectors with kube-apiserver's grammar
 * and error messages (k8s.io/apimachinery/pkg/labels and pkg/fields).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "fs/selector.h"

/* ---------------------------------------------------------------- text */

/* A growable message buffer; output past its end is dropped. */
struct msg {
	char buf[KF_ERROR_MSG_MAX];
	size_t len;
};

static void msg_add(struct msg *m, const char *s, size_t n)
{
	size_t room = sizeof(m->buf) - 1 - m->len;

	if (n > room)
		n = room;
	memcpy(m->buf + m->len, s, n);
	m->len += n;
	m->buf[m->len] = '\0';
}

static void msg_addf(struct msg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void msg_addf(struct msg *m, const char *fmt, ...)
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

/* Append a string literal. */
#define msg_lit(m, s) msg_add((m), (s), sizeof(s) - 1)

static void msg_reset(struct msg *m)
{
	m->len = 0;
	m->buf[0] = '\0';
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

/* Go's %q: a double-quoted string with Go escapes. */
static void msg_quote(struct msg *m, const char *s, size_t n)
{
	static const char esc[] = "\a\b\f\n\r\t\v";
	static const char letter[] = "abfnrtv";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	msg_add(m, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];
		const char *e = c ? strchr(esc, c) : NULL;
		size_t len;

		if (c == '"' || c == '\\') {
			char two[2] = {'\\', (char)c};

			msg_add(m, two, 2);
			i++;
		} else if (e) {
			char two[2] = {'\\', letter[e - esc]};

			msg_add(m, two, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			msg_addf(m, "\\x%02x", c);
			i++;
		} else if (c < 0x80) {
			msg_add(m, (const char *)p + i, 1);
			i++;
		} else if ((len = utf8_len(p + i, n - i)) == 0) {
			msg_addf(m, "\\x%02x", c);
			i++;
		} else if (len == 2 && c == 0xc2 && p[i + 1] < 0xa0) {
			/* C1 controls are not printable */
			msg_addf(m, "\\u%04x", p[i + 1]);
			i += 2;
		} else if (len == 3 && c == 0xe2 && p[i + 1] == 0x80 &&
			   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			msg_addf(m, "\\u%04x", 0x2000 + (p[i + 2] & 0x3f));
			i += 3;
		} else {
			msg_add(m, (const char *)p + i, len);
			i += len;
		}
	}
	msg_add(m, "\"", 1);
}

static int msg_fail(struct kf_error *err, const struct msg *m)
{
	return kf_error_set(err, -EINVAL, "%s", m->buf);
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Go's strconv.ParseInt(s, 10, 64). */
static bool parse_int64(const char *s, size_t n, long long *ret)
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

/* ------------------------------------------------- name validation */

#define QNAME_MAX 63
#define LABEL_VALUE_MAX 63
#define DNS1123_SUBDOMAIN_MAX 253

#define QNAME_MSG                                                              \
	"must consist of alphanumeric characters, '-', '_' or '.', and must "  \
	"start and end with an alphanumeric character"
#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_EXAMPLES "(e.g. 'MyName',  or 'my.name',  or '123-abc', "
#define DNS1123_MSG                                                            \
	"a lowercase RFC 1123 subdomain must consist of lower case "           \
	"alphanumeric characters, '-' or '.', and must start and end with an " \
	"alphanumeric character (e.g. 'example.com', regex used for "          \
	"validation is "                                                       \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_VALUE_MSG                                                        \
	"a valid label must be an empty string or consist of alphanumeric "    \
	"characters, '-', '_' or '.', and must start and end with an "         \
	"alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "         \
	"'12345', regex used for validation is '(" QNAME_FMT ")?')"

/* ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$ */
static bool qname_ok(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' &&
		    s[i] != '.')
			return false;
	return true;
}

/* ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ */
static bool dns1123_subdomain_ok(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_lower_alnum(s[i]) && s[i] != '-')
				return false;
			continue;
		}
		if (i == start || !is_lower_alnum(s[start]) ||
		    !is_lower_alnum(s[i - 1]))
			return false;
		start = i + 1;
	}
	return true;
}

/* One "; "-separated list of Kubernetes validation messages. */
struct errs {
	struct msg *m;
	unsigned n;
};

static void errs_add(struct errs *e, const char *s)
{
	if (e->n++)
		msg_add(e->m, "; ", 2);
	msg_add(e->m, s, strlen(s));
}

/* validation.IsQualifiedName: appends its messages; false if invalid. */
static bool qualified_name_check(const char *s, size_t n, struct errs *e)
{
	const char *slash = memchr(s, '/', n);
	const char *name = s;
	size_t name_len = n;
	unsigned before = e->n;

	if (slash) {
		size_t plen = (size_t)(slash - s);

		if (memchr(slash + 1, '/', n - plen - 1)) {
			errs_add(e, "a qualified name " QNAME_MSG
				    " " QNAME_EXAMPLES
				    "regex used for validation is '" QNAME_FMT
				    "') with an optional DNS subdomain prefix "
				    "and '/' (e.g. 'example.com/MyName')");
			return false;
		}
		if (plen == 0) {
			errs_add(e, "prefix part must be non-empty");
		} else {
			if (plen > DNS1123_SUBDOMAIN_MAX)
				errs_add(e, "prefix part must be no more than "
					    "253 characters");
			if (!dns1123_subdomain_ok(s, plen))
				errs_add(e, "prefix part " DNS1123_MSG);
		}
		name = slash + 1;
		name_len = n - plen - 1;
	}
	if (name_len == 0)
		errs_add(e, "name part must be non-empty");
	else if (name_len > QNAME_MAX)
		errs_add(e, "name part must be no more than 63 characters");
	if (!qname_ok(name, name_len))
		errs_add(e, "name part " QNAME_MSG " " QNAME_EXAMPLES
			    "regex used for validation is '" QNAME_FMT "')");
	return e->n == before;
}

/* validation.IsValidLabelValue. */
static bool label_value_check(const char *s, size_t n, struct errs *e)
{
	unsigned before = e->n;

	if (n > LABEL_VALUE_MAX)
		errs_add(e, "must be no more than 63 characters");
	if (n && !qname_ok(s, n))
		errs_add(e, LABEL_VALUE_MSG);
	return e->n == before;
}

/* ---------------------------------------------------- label selector */

enum label_op {
	LOP_IN,
	LOP_NOTIN,
	LOP_EQ,
	LOP_DEQ,
	LOP_NEQ,
	LOP_GT,
	LOP_LT,
	LOP_EXISTS,
	LOP_NOT_EXISTS,
	LOP_NONE, /* not inferred yet */
};

struct label_req {
	char *key;
	enum label_op op;
	char **values; /* sorted, distinct */
	size_t nvalues;
	long long num; /* LOP_GT/LOP_LT */
};

struct label_selector {
	struct label_req *reqs;
	size_t n;
};

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
	struct msg *m; /* the error, when a step fails */
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
	msg_addf(p->m, "found '%.*s', expected: %s", (int)t->len, t->s, what);
	return -EINVAL;
}

/* A sorted set of distinct strings pointing into the text. */
struct strset {
	const char **s;
	size_t *len;
	size_t n;
};

static int strset_add(struct strset *set, const char *s, size_t len)
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

static void strset_release(struct strset *set)
{
	free(set->s);
	free(set->len);
	*set = (struct strset){0};
}

static int parse_key_and_op(struct parser *p, const struct token **ret_key,
			    enum label_op *ret_op)
{
	enum label_op op = LOP_NONE;
	const struct token *t;
	struct errs e = {p->m, 0};
	enum tok tt;

	t = consume(p, CTX_VALUES, &tt);
	if (tt == T_NOT) {
		op = LOP_NOT_EXISTS;
		t = consume(p, CTX_VALUES, &tt);
	}
	if (tt != T_ID)
		return found(p, t, "identifier");
	msg_lit(p->m, "<nil>: Invalid value: ");
	msg_quote(p->m, t->s, t->len);
	msg_lit(p->m, ": ");
	if (!qualified_name_check(t->s, t->len, &e))
		return -EINVAL;
	msg_reset(p->m);
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
static int parse_identifiers(struct parser *p, struct strset *set)
{
	for (;;) {
		const struct token *t, *t2;
		enum tok tt, tt2;

		t = consume(p, CTX_VALUES, &tt);
		switch (tt) {
		case T_ID:
			if (strset_add(set, t->s, t->len) < 0)
				return -ENOMEM;
			t2 = lookahead(p, CTX_VALUES, &tt2);
			if (tt2 == T_COMMA)
				continue;
			if (tt2 == T_CPAR)
				return 0;
			return found(p, t2, "',' or ')'");
		case T_COMMA:
			if (set->n == 0 && strset_add(set, "", 0) < 0)
				return -ENOMEM;
			lookahead(p, CTX_VALUES, &tt2);
			if (tt2 == T_CPAR) {
				if (strset_add(set, "", 0) < 0)
					return -ENOMEM;
				return 0;
			}
			if (tt2 == T_COMMA) {
				consume(p, CTX_VALUES, &tt2);
				if (strset_add(set, "", 0) < 0)
					return -ENOMEM;
			}
			break;
		default:
			return found(p, t, "',', or identifier");
		}
	}
}

static int parse_values(struct parser *p, struct strset *set)
{
	const struct token *t, *first;
	enum tok tt;
	int r;

	t = consume(p, CTX_VALUES, &tt);
	if (tt != T_OPAR) {
		msg_addf(p->m, "found '%.*s' expected: '('", (int)t->len, t->s);
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
		return strset_add(set, "", 0);
	default:
		return found(p, first, "',', ')' or identifier");
	}
}

static int parse_exact_value(struct parser *p, struct strset *set)
{
	const struct token *t;
	enum tok tt;

	lookahead(p, CTX_VALUES, &tt);
	if (tt == T_END || tt == T_COMMA)
		return strset_add(set, "", 0);
	t = consume(p, CTX_VALUES, &tt);
	if (tt == T_ID)
		return strset_add(set, t->s, t->len);
	return found(p, t, "identifier");
}

static void label_req_release(struct label_req *r)
{
	free(r->key);
	for (size_t i = 0; i < r->nvalues; i++)
		free(r->values[i]);
	free(r->values);
}

/*
 * labels.NewRequirement's checks of the values, aggregated as
 * utilerrors.NewAggregate prints them; fills r on success.
 */
static int new_requirement(struct parser *p, const struct token *key,
			   enum label_op op, const struct strset *set,
			   struct label_req *r)
{
	struct msg one;
	char **vals;
	unsigned nerr = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < set->n; i++) {
			struct errs e = {&one, 0};
			long long num;

			msg_reset(&one);
			if (pass == 0) {
				if ((op != LOP_GT && op != LOP_LT) ||
				    parse_int64(set->s[i], set->len[i], &num))
					continue;
				msg_addf(&one,
					 "values[%zu]: Invalid value: ", i);
				msg_quote(&one, set->s[i], set->len[i]);
				msg_lit(&one, ": for 'Gt', 'Lt' operators, "
					      "the value must be an integer");
			} else {
				msg_addf(&one,
					 "values[%zu][%.*s]: Invalid value: ",
					 i, (int)key->len, key->s);
				msg_quote(&one, set->s[i], set->len[i]);
				msg_lit(&one, ": ");
				if (label_value_check(set->s[i], set->len[i],
						      &e))
					continue;
			}
			if (nerr++)
				msg_lit(p->m, ", ");
			msg_add(p->m, one.buf, one.len);
		}
	}
	if (nerr > 1) {
		/* utilerrors.NewAggregate prints several as a list */
		struct msg tmp = *p->m;

		msg_reset(p->m);
		msg_lit(p->m, "[");
		msg_add(p->m, tmp.buf, tmp.len);
		msg_lit(p->m, "]");
	}
	if (nerr)
		return -EINVAL;
	r->key = strndup(key->s, key->len);
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
	    !parse_int64(set->s[0], set->len[0], &r->num))
		r->num = 0;
	return 0;
}

static int parse_requirement(struct parser *p, struct label_req *r)
{
	struct strset set = {0};
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
		ret = new_requirement(p, key, op, &set, r);
	strset_release(&set);
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
			struct msg tmp = *p->m;

			msg_reset(p->m);
			msg_lit(p->m, "unable to parse requirement: ");
			msg_add(p->m, tmp.buf, tmp.len);
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

int label_selector_parse(const char *text, struct label_selector **ret,
			 struct kf_error *err)
{
	_cleanup_free_ struct token *toks = NULL;
	_cleanup_free_ struct msg *m = NULL;
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
	if (r < 0) {
		label_selector_free(sel);
		if (r == -EINVAL)
			return msg_fail(err, m);
		return kf_error_set(err, r, "out of memory");
	}
	if (sel->n > 1)
		qsort(sel->reqs, sel->n, sizeof(sel->reqs[0]), req_cmp);
	*ret = sel;
	return 0;
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

static bool req_matches(const struct label_req *r, const json_t *labels)
{
	const char *v = json_string_value(json_object_get(labels, r->key));
	long long num;

	switch (r->op) {
	case LOP_IN:
	case LOP_EQ:
	case LOP_DEQ:
		return v && has_value(r, v);
	case LOP_NOTIN:
	case LOP_NEQ:
		return !v || !has_value(r, v);
	case LOP_EXISTS:
		return v != NULL;
	case LOP_NOT_EXISTS:
		return v == NULL;
	case LOP_GT:
	case LOP_LT:
		if (!v || !parse_int64(v, strlen(v), &num))
			return false;
		return r->op == LOP_GT ? num > r->num : num < r->num;
	case LOP_NONE:
		break;
	}
	return false;
}

bool label_selector_matches(const struct label_selector *s,
			    const json_t *labels)
{
	if (!s)
		return true;
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

/* ---------------------------------------------------- field selector */

enum field_type {
	FT_STRING, /* missing: "" */
	FT_BOOL,   /* missing: "false" */
	FT_INT,	   /* missing: "0" */
};

struct field_def {
	const char *label; /* as written in the selector */
	const char *path;  /* dotted path in the object */
	enum field_type type;
};

#define META_FIELDS                                                            \
	{"metadata.name", "metadata.name", FT_STRING},                         \
	{                                                                      \
		"metadata.namespace", "metadata.namespace", FT_STRING          \
	}

static const struct field_def generic_fields[] = {META_FIELDS, {0}};

static const struct field_def pod_fields[] = {
    META_FIELDS,
    {"spec.nodeName", "spec.nodeName", FT_STRING},
    {"spec.restartPolicy", "spec.restartPolicy", FT_STRING},
    {"spec.schedulerName", "spec.schedulerName", FT_STRING},
    {"spec.serviceAccountName", "spec.serviceAccountName", FT_STRING},
    {"spec.hostNetwork", "spec.hostNetwork", FT_BOOL},
    {"status.phase", "status.phase", FT_STRING},
    {"status.podIP", "status.podIP", FT_STRING},
    {"status.nominatedNodeName", "status.nominatedNodeName", FT_STRING},
    {0},
};

static const struct field_def event_fields[] = {
    META_FIELDS,
    {"involvedObject.kind", "involvedObject.kind", FT_STRING},
    {"involvedObject.namespace", "involvedObject.namespace", FT_STRING},
    {"involvedObject.name", "involvedObject.name", FT_STRING},
    {"involvedObject.uid", "involvedObject.uid", FT_STRING},
    {"involvedObject.apiVersion", "involvedObject.apiVersion", FT_STRING},
    {"involvedObject.resourceVersion", "involvedObject.resourceVersion",
     FT_STRING},
    {"involvedObject.fieldPath", "involvedObject.fieldPath", FT_STRING},
    {"reason", "reason", FT_STRING},
    {"reportingComponent", "reportingComponent", FT_STRING},
    {"source", "source.component", FT_STRING},
    {"type", "type", FT_STRING},
    {0},
};

static const struct field_def node_fields[] = {
    {"metadata.name", "metadata.name", FT_STRING},
    {"spec.unschedulable", "spec.unschedulable", FT_BOOL},
    {0},
};

static const struct field_def namespace_fields[] = {
    {"status.phase", "status.phase", FT_STRING},
    {"metadata.name", "metadata.name", FT_STRING},
    {0},
};

static const struct field_def secret_fields[] = {
    META_FIELDS,
    {"type", "type", FT_STRING},
    {0},
};

static const struct field_def service_fields[] = {
    META_FIELDS,
    {"spec.clusterIP", "spec.clusterIP", FT_STRING},
    {"spec.type", "spec.type", FT_STRING},
    {0},
};

static const struct field_def replicas_fields[] = {
    META_FIELDS,
    {"status.replicas", "status.replicas", FT_INT},
    {0},
};

static const struct field_def successful_fields[] = {
    META_FIELDS,
    {"status.successful", "status.successful", FT_INT},
    {0},
};

/* Kinds with their own field label conversion in Kubernetes; the others
 * take only metadata.name and metadata.namespace. */
static const struct {
	const char *group, *kind;
	const struct field_def *fields;
} kind_fields[] = {
    {"", "Pod", pod_fields},
    {"", "Event", event_fields},
    {"", "Node", node_fields},
    {"", "Namespace", namespace_fields},
    {"", "Secret", secret_fields},
    {"", "Service", service_fields},
    {"", "ReplicationController", replicas_fields},
    {"apps", "ReplicaSet", replicas_fields},
    {"apps", "StatefulSet", successful_fields},
    {"batch", "Job", successful_fields},
};

struct field_term {
	const struct field_def *def;
	bool neq;
	char *value;
};

struct field_selector {
	struct field_term *terms;
	size_t n;
};

void field_selector_free(struct field_selector *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->terms[i].value);
	free(s->terms);
	free(s);
}

size_t field_selector_size(const struct field_selector *s)
{
	return s ? s->n : 0;
}

/* fields.splitTerms: split at ',' not escaped by '\'. */
static size_t split_terms(char *text, char **terms)
{
	size_t n = 0;
	bool in_slash = false;

	terms[n++] = text;
	for (char *c = text; *c; c++) {
		if (in_slash)
			in_slash = false;
		else if (*c == '\\')
			in_slash = true;
		else if (*c == ',') {
			*c = '\0';
			terms[n++] = c + 1;
		}
	}
	return n;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* fields.UnescapeValue, in place. */
static int unescape_value(char *s, struct msg *m)
{
	char *out = s;

	for (char *c = s; *c; c++) {
		if (*c == '\\') {
			size_t n;

			c++;
			if (*c == '\\' || *c == ',' || *c == '=') {
				*out++ = *c;
				continue;
			}
			n = *c ? utf8_len((unsigned char *)c, strlen(c)) : 0;
			msg_addf(m,
				 "invalid field selector: invalid escape "
				 "sequence: \\%.*s",
				 (int)(n ? n : (*c ? 1 : 0)), c);
			return -EINVAL;
		}
		if (*c == ',' || *c == '=') {
			msg_addf(m,
				 "invalid field selector: unescaped character "
				 "in value: %d",
				 *c);
			return -EINVAL;
		}
		*out++ = *c;
	}
	*out = '\0';
	return 0;
}

static const struct field_def *find_fields(const char *group, const char *kind,
					   bool *ret_own)
{
	for (size_t i = 0; i < sizeof(kind_fields) / sizeof(kind_fields[0]);
	     i++)
		if (kind && !strcmp(kind_fields[i].kind, kind) &&
		    !strcmp(kind_fields[i].group, group ? group : "")) {
			*ret_own = true;
			return kind_fields[i].fields;
		}
	*ret_own = false;
	return generic_fields;
}

/* The error for a field label the kind does not have. */
static int unknown_field(const char *label, bool own, struct kf_error *err)
{
	struct msg m = {.len = 0};

	if (own) {
		msg_lit(&m, "field label not supported: ");
		msg_add(&m, label, strlen(label));
	} else {
		msg_quote(&m, label, strlen(label));
		msg_lit(&m, " is not a known field selector: only "
			    "\"metadata.name\", \"metadata.namespace\"");
	}
	return msg_fail(err, &m);
}

/*
 * fields.splitTerm: split a term at the first "!=", "==" or "=" (the
 * label cannot be escaped). Cuts term at the operator; returns the value
 * (still escaped) or NULL if there is no operator.
 */
static char *split_term(char *term, bool *ret_neq)
{
	static const char *const ops[] = {"!=", "==", "="};

	for (char *c = term; *c; c++)
		for (size_t k = 0; k < 3; k++) {
			size_t n = strlen(ops[k]);

			if (strncmp(c, ops[k], n))
				continue;
			*ret_neq = k == 0;
			*c = '\0';
			return c + n;
		}
	return NULL;
}

static struct field_selector *field_selector_alloc(size_t n)
{
	struct field_selector *sel = calloc(1, sizeof(*sel));

	if (sel)
		sel->terms = calloc(n ? n : 1, sizeof(*sel->terms));
	if (sel && !sel->terms) {
		free(sel);
		sel = NULL;
	}
	return sel;
}

int field_selector_parse(const char *text, const char *group, const char *kind,
			 struct field_selector **ret, struct kf_error *err)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_free_ char **terms = NULL;
	_cleanup_free_ struct msg *m = NULL;
	struct field_selector *sel;
	const struct field_def *defs;
	size_t len = text ? strlen(text) : 0, n = 0;
	bool own;

	if (len > SELECTOR_MAX_TEXT)
		return kf_error_set(err, -EINVAL,
				    "field selector is too long: %zu bytes, "
				    "the limit is %d bytes",
				    len, SELECTOR_MAX_TEXT);
	copy = strdup(text ? text : "");
	terms = calloc(len + 2, sizeof(*terms));
	m = calloc(1, sizeof(*m));
	sel = field_selector_alloc(len + 1);
	if (!copy || !terms || !m || !sel) {
		field_selector_free(sel);
		return kf_error_set(err, -ENOMEM, "out of memory");
	}
	if (len)
		n = split_terms(copy, terms);
	qsort(terms, n, sizeof(*terms), str_cmp);
	/* Parse every term first, as fields.ParseSelector does; terms[k]
	 * becomes the label of the k-th term kept. */
	for (size_t i = 0; i < n; i++) {
		struct field_term *t = &sel->terms[sel->n];
		char *value;

		if (!*terms[i])
			continue;
		value = split_term(terms[i], &t->neq);
		if (!value) {
			msg_lit(m, "invalid selector: '");
			msg_add(m, text, len);
			msg_addf(m, "'; can't understand '%s'", terms[i]);
			field_selector_free(sel);
			return msg_fail(err, m);
		}
		if (unescape_value(value, m) < 0) {
			field_selector_free(sel);
			return msg_fail(err, m);
		}
		t->value = strdup(value);
		if (!t->value) {
			field_selector_free(sel);
			return kf_error_set(err, -ENOMEM, "out of memory");
		}
		terms[sel->n++] = terms[i];
	}
	/* Then map each label to the kind's fields, as Transform does. */
	defs = find_fields(group, kind, &own);
	for (size_t i = 0; i < sel->n; i++) {
		const struct field_def *d;

		for (d = defs; d->label && strcmp(d->label, terms[i]); d++)
			;
		if (!d->label) {
			int r = unknown_field(terms[i], own, err);

			field_selector_free(sel);
			return r;
		}
		sel->terms[i].def = d;
	}
	*ret = sel;
	return 0;
}

/* The text of a field of obj, as Kubernetes' *ToSelectableFields give
 * it; buf (24 bytes) holds numbers and booleans. */
static const char *field_value(const json_t *obj, const struct field_def *d,
			       char *buf)
{
	const json_t *v = obj;
	const char *p = d->path;

	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		v = json_is_object(v) ? json_object_getn(v, p, n) : NULL;
		p += n + (dot ? 1 : 0);
	}
	switch (d->type) {
	case FT_STRING:
		return json_is_string(v) ? json_string_value(v) : "";
	case FT_BOOL:
		return json_is_true(v) ? "true" : "false";
	case FT_INT:
		snprintf(buf, 24, "%" JSON_INTEGER_FORMAT,
			 json_is_integer(v) ? json_integer_value(v) : 0);
		return buf;
	}
	return "";
}

bool field_selector_matches(const struct field_selector *s, const json_t *obj)
{
	char buf[24];

	if (!s)
		return true;
	for (size_t i = 0; i < s->n; i++) {
		const struct field_term *t = &s->terms[i];
		bool eq = !strcmp(field_value(obj, t->def, buf), t->value);

		if (eq == t->neq)
			return false;
	}
	return true;
}
