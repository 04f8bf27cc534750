/*
 * selector.c — label and field selectors (k8s.io/apimachinery labels and
 * fields packages), parsed once and matched against objects.
 */
#include "client/selector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

enum sel_op {
	SEL_EQ,
	SEL_NE,
	SEL_IN,
	SEL_NOTIN,
	SEL_EXISTS,
	SEL_NOT_EXISTS,
};

struct sel_term {
	enum sel_op op;
	char *key;
	char **values;
	size_t nvalues;
};

struct selector {
	bool field;
	size_t n;
	struct sel_term terms[SELECTOR_TERMS_MAX];
};

void selector_free(struct selector *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		for (size_t j = 0; j < s->terms[i].nvalues; j++)
			free(s->terms[i].values[j]);
		free(s->terms[i].values);
		free(s->terms[i].key);
	}
	free(s);
}

/* ---- label selectors: a lexer and a parser as apimachinery's ---- */

enum tok {
	T_END,
	T_IDENT,
	T_BANG,	 /* ! */
	T_NE,	 /* != */
	T_EQ,	 /* = */
	T_DEQ,	 /* == */
	T_OPEN,	 /* ( */
	T_CLOSE, /* ) */
	T_COMMA, /* , */
	T_IN,	 /* in */
	T_NOTIN, /* notin */
};

struct lexer {
	const char *p;
	enum tok tok;
	const char *lit; /* the token's text */
	size_t lit_len;
};

static bool is_special(char ch)
{
	return ch == '!' || ch == '=' || ch == '(' || ch == ')' || ch == ',';
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void lex(struct lexer *lx)
{
	const char *p = lx->p;

	while (is_space(*p))
		p++;
	lx->lit = p;
	if (!*p) {
		lx->tok = T_END;
		lx->lit_len = 0;
	} else if (is_special(*p)) {
		if ((p[0] == '!' || p[0] == '=') && p[1] == '=') {
			lx->tok = p[0] == '!' ? T_NE : T_DEQ;
			p += 2;
		} else {
			switch (*p) {
			case '!':
				lx->tok = T_BANG;
				break;
			case '=':
				lx->tok = T_EQ;
				break;
			case '(':
				lx->tok = T_OPEN;
				break;
			case ')':
				lx->tok = T_CLOSE;
				break;
			default:
				lx->tok = T_COMMA;
				break;
			}
			p++;
		}
	} else {
		while (*p && !is_special(*p) && !is_space(*p))
			p++;
		lx->tok = T_IDENT;
		if (p - lx->lit == 2 && !memcmp(lx->lit, "in", 2))
			lx->tok = T_IN;
		else if (p - lx->lit == 5 && !memcmp(lx->lit, "notin", 5))
			lx->tok = T_NOTIN;
	}
	lx->lit_len = p - lx->lit;
	lx->p = p;
}

static int parse_error(struct kf_error *err, const struct lexer *lx,
		       const char *expected)
{
	if (lx->tok == T_END)
		return kf_error_set(err, -EINVAL, "found '', expected: %s",
				    expected);
	return kf_error_set(err, -EINVAL, "found '%.*s', expected: %s",
			    (int)lx->lit_len, lx->lit, expected);
}

static bool alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9');
}

/* A qualified name part or label value: [A-Za-z0-9]([-_.A-Za-z0-9]*
 * [A-Za-z0-9])?, at most 63 bytes. */
static bool valid_name_part(const char *s, size_t len)
{
	if (len == 0 || len > 63 || !alnum(s[0]) || !alnum(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* A DNS-1123 subdomain, as label key prefixes are. */
static bool valid_subdomain(const char *s, size_t len)
{
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '.'))
			return false;
	}
	return alnum(s[0]) && alnum(s[len - 1]);
}

static int check_key(const char *key, struct kf_error *err)
{
	const char *slash = strchr(key, '/');
	const char *name = slash ? slash + 1 : key;

	if ((slash && !valid_subdomain(key, slash - key)) ||
	    !valid_name_part(name, strlen(name)))
		return kf_error_set(
		    err, -EINVAL,
		    "unable to parse requirement: <nil>: Invalid value: "
		    "\"%s\": name part must consist of alphanumeric "
		    "characters, '-', '_' or '.', and must start and end "
		    "with an alphanumeric character (e.g. 'MyName',  or "
		    "'my.name',  or '123-abc', regex used for validation "
		    "is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
		    key);
	return 0;
}

static int check_value(const char *v, struct kf_error *err)
{
	size_t len = strlen(v);

	if (len == 0 || valid_name_part(v, len))
		return 0;
	return kf_error_set(
	    err, -EINVAL,
	    "unable to parse requirement: <nil>: Invalid value: \"%s\": a "
	    "valid label must be an empty string or consist of alphanumeric "
	    "characters, '-', '_' or '.', and must start and end with an "
	    "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
	    "'12345', regex used for validation is "
	    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
	    v);
}

static int term_add_value(struct sel_term *t, const char *s, size_t len)
{
	char **nv;

	if (t->nvalues >= SELECTOR_VALUES_MAX)
		return -E2BIG;
	nv = realloc(t->values, (t->nvalues + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	t->values = nv;
	t->values[t->nvalues] = strndup(s, len);
	if (!t->values[t->nvalues])
		return -ENOMEM;
	t->nvalues++;
	return 0;
}

/* "(" [value ("," value)*] ")" after in / notin. */
static int parse_set(struct lexer *lx, struct sel_term *t, struct kf_error *err)
{
	int r;

	lex(lx);
	if (lx->tok != T_OPEN)
		return parse_error(err, lx, "'('");
	for (;;) {
		lex(lx);
		if (lx->tok == T_CLOSE && t->nvalues == 0)
			return kf_error_set(err, -EINVAL,
					    "for 'in', 'notin' operators, "
					    "values set can't be empty");
		if (lx->tok == T_COMMA || lx->tok == T_CLOSE) {
			/* an empty value: "(a,,b)" */
			r = term_add_value(t, "", 0);
		} else if (lx->tok == T_IDENT || lx->tok == T_IN ||
			   lx->tok == T_NOTIN) {
			r = term_add_value(t, lx->lit, lx->lit_len);
			if (r == 0)
				lex(lx);
		} else {
			return parse_error(err, lx, "',', ')' or identifier");
		}
		if (r == -E2BIG)
			return kf_error_set(err, -EINVAL,
					    "too many values in a set: the "
					    "limit is %d",
					    SELECTOR_VALUES_MAX);
		if (r < 0)
			return r;
		if (check_value(t->values[t->nvalues - 1], err) < 0)
			return -EINVAL;
		if (lx->tok == T_CLOSE)
			return 0;
		if (lx->tok != T_COMMA)
			return parse_error(err, lx, "',' or ')'");
	}
}

static int parse_requirement(struct lexer *lx, struct sel_term *t,
			     struct kf_error *err)
{
	int r;

	lex(lx);
	if (lx->tok == T_BANG) {
		t->op = SEL_NOT_EXISTS;
		lex(lx);
	}
	if (lx->tok != T_IDENT)
		return parse_error(err, lx, "identifier");
	t->key = strndup(lx->lit, lx->lit_len);
	if (!t->key)
		return -ENOMEM;
	r = check_key(t->key, err);
	if (r < 0)
		return r;
	lex(lx);
	if (t->op == SEL_NOT_EXISTS) {
		if (lx->tok != T_END && lx->tok != T_COMMA)
			return parse_error(err, lx, "',' or 'end of string'");
		return 0;
	}
	switch (lx->tok) {
	case T_END:
	case T_COMMA:
		t->op = SEL_EXISTS;
		return 0;
	case T_EQ:
	case T_DEQ:
	case T_NE: {
		const char *save = lx->p;

		t->op = lx->tok == T_NE ? SEL_NE : SEL_EQ;
		lex(lx);
		if (lx->tok == T_END || lx->tok == T_COMMA) {
			lx->p = save; /* "a=" selects an empty value */
			r = term_add_value(t, "", 0);
		} else if (lx->tok == T_IDENT || lx->tok == T_IN ||
			   lx->tok == T_NOTIN) {
			r = term_add_value(t, lx->lit, lx->lit_len);
		} else {
			return parse_error(err, lx, "identifier");
		}
		if (r < 0)
			return r;
		if (check_value(t->values[0], err) < 0)
			return -EINVAL;
		lex(lx);
		if (lx->tok != T_END && lx->tok != T_COMMA)
			return parse_error(err, lx, "',' or 'end of string'");
		return 0;
	}
	case T_IN:
	case T_NOTIN:
		t->op = lx->tok == T_IN ? SEL_IN : SEL_NOTIN;
		r = parse_set(lx, t, err);
		if (r < 0)
			return r;
		lex(lx);
		if (lx->tok != T_END && lx->tok != T_COMMA)
			return parse_error(err, lx, "',' or 'end of string'");
		return 0;
	default:
		return parse_error(err, lx, "'=', '!=', '==', 'in', 'notin'");
	}
}

static int parse_labels(const char *text, struct selector *s,
			struct kf_error *err)
{
	struct lexer lx = {.p = text};
	int r;

	for (;;) {
		if (s->n >= SELECTOR_TERMS_MAX)
			return kf_error_set(err, -EINVAL,
					    "too many requirements in the "
					    "selector: the limit is %d",
					    SELECTOR_TERMS_MAX);
		r = parse_requirement(&lx, &s->terms[s->n++], err);
		if (r < 0)
			return r;
		if (lx.tok == T_END)
			return 0;
		/* T_COMMA: next requirement */
	}
}

/* ---- field selectors: term (',' term)*, term: key (=|==|!=) value ---- */

/* Copy one field-selector token, undoing backslash escapes. */
static char *unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/* End of the next unescaped ',' or the string. */
static const char *term_end(const char *p)
{
	for (; *p && *p != ','; p++)
		if (*p == '\\' && p[1])
			p++;
	return p;
}

static int parse_fields(const char *text, struct selector *s,
			struct kf_error *err)
{
	const char *p = text;

	for (;;) {
		const char *end = term_end(p), *op = NULL;
		struct sel_term *t;
		size_t oplen = 0;

		for (const char *q = p; q < end; q++) {
			if (*q == '\\' && q + 1 < end) {
				q++;
				continue;
			}
			if (q[0] == '!' && q + 1 < end && q[1] == '=') {
				op = q, oplen = 2;
				break;
			}
			if (q[0] == '=') {
				op = q;
				oplen = q + 1 < end && q[1] == '=' ? 2 : 1;
				break;
			}
		}
		if (!op || op == p)
			return kf_error_set(err, -EINVAL,
					    "invalid selector: '%s'; can't "
					    "understand '%.*s'",
					    text, (int)(end - p), p);
		if (s->n >= SELECTOR_TERMS_MAX)
			return kf_error_set(err, -EINVAL,
					    "too many requirements in the "
					    "selector: the limit is %d",
					    SELECTOR_TERMS_MAX);
		t = &s->terms[s->n++];
		t->op = op[0] == '!' ? SEL_NE : SEL_EQ;
		t->key = unescape(p, op - p);
		t->values = calloc(1, sizeof(*t->values));
		if (!t->key || !t->values)
			return -ENOMEM;
		t->values[0] = unescape(op + oplen, end - op - oplen);
		if (!t->values[0])
			return -ENOMEM;
		t->nvalues = 1;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

int selector_parse(const char *text, bool field, struct kf_error *err,
		   struct selector **ret)
{
	struct selector *s;
	size_t len = text ? strlen(text) : 0;
	int r = 0;

	if (len > SELECTOR_TEXT_MAX)
		return kf_error_set(err, -EINVAL,
				    "selector too long: the limit is %d bytes",
				    SELECTOR_TEXT_MAX);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->field = field;
	if (len) {
		const char *p = text;

		while (is_space(*p))
			p++;
		if (*p)
			r = field ? parse_fields(text, s, err)
				  : parse_labels(text, s, err);
	}
	if (r < 0) {
		selector_free(s);
		return r == -ENOMEM ? r : -EINVAL;
	}
	*ret = s;
	return 0;
}

/* The text of a field at a dotted path; "" when missing. */
static const char *field_text(const json_t *obj, const char *path, char *buf,
			      size_t size)
{
	const json_t *v = obj;
	const char *p = path;

	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char part[256];

		if (n >= sizeof(part) || !json_is_object(v))
			return "";
		memcpy(part, p, n);
		part[n] = '\0';
		v = json_object_get(v, part);
		p += n + (dot ? 1 : 0);
	}
	if (!v)
		return "";
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, size, "%.17g", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return "";
	}
}

static bool in_values(const struct sel_term *t, const char *v)
{
	for (size_t i = 0; i < t->nvalues; i++)
		if (!strcmp(t->values[i], v))
			return true;
	return false;
}

bool selector_matches(const struct selector *s, const json_t *obj)
{
	const json_t *labels;

	if (!s)
		return true;
	labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	for (size_t i = 0; i < s->n; i++) {
		const struct sel_term *t = &s->terms[i];
		const char *v;
		char buf[64];
		bool has;

		if (s->field) {
			v = field_text(obj, t->key, buf, sizeof(buf));
			has = true;
		} else {
			v = json_string_value(json_object_get(labels, t->key));
			has = v != NULL;
		}
		switch (t->op) {
		case SEL_EQ:
		case SEL_IN:
			if (!has || !in_values(t, v))
				return false;
			break;
		case SEL_NE:
		case SEL_NOTIN:
			/* as apimachinery: a missing label satisfies != */
			if (has && in_values(t, v))
				return false;
			break;
		case SEL_EXISTS:
			if (!has)
				return false;
			break;
		case SEL_NOT_EXISTS:
			if (has)
				return false;
			break;
		}
	}
	return true;
}
