/*
 * selector_field.c — field selectors with kube-apiserver's grammar and
 * messages (k8s.io/apimachinery/pkg/fields) and the fields each kind
 * supports (its registry's field label conversion).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/quote.h"
#include "api/selector.h"
#include "api/selector_i.h"

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
static int unescape_value(char *s, struct selmsg *m)
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
			n = *c ? utf8_decode(c, strlen(c), NULL) : 0;
			selmsg_addf(m,
				    "invalid field selector: invalid escape "
				    "sequence: \\%.*s",
				    (int)(n ? n : (*c ? 1 : 0)), c);
			return -EINVAL;
		}
		if (*c == ',' || *c == '=') {
			selmsg_addf(
			    m,
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
	struct selmsg m = {.len = 0};

	if (own) {
		selmsg_lit(&m, "field label not supported: ");
		selmsg_add(&m, label, strlen(label));
	} else {
		selmsg_quote(&m, label, strlen(label));
		selmsg_lit(&m, " is not a known field selector: only "
			       "\"metadata.name\", \"metadata.namespace\"");
	}
	return selmsg_fail(err, &m);
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
			 struct kf_error *err, struct field_selector **ret)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_free_ char **terms = NULL;
	_cleanup_free_ struct selmsg *m = NULL;
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
			selmsg_lit(m, "invalid selector: '");
			selmsg_add(m, text, len);
			selmsg_addf(m, "'; can't understand '%s'", terms[i]);
			field_selector_free(sel);
			return selmsg_fail(err, m);
		}
		if (unescape_value(value, m) < 0) {
			field_selector_free(sel);
			return selmsg_fail(err, m);
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
