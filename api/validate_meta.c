/*
 * validate_meta.c — names, label keys and values, annotations, label
 * selectors and ObjectMeta, in Kubernetes' words
 * (k8s.io/apimachinery/pkg/util/validation and pkg/api/validation).
 */
#include "api/validate.h"

#include <stdio.h>
#include <string.h>

#define LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"

#define DNS1123_LABEL_MSG                                                      \
	"a lowercase RFC 1123 label must consist of lower case alphanumeric "  \
	"characters or '-', and must start and end with an alphanumeric "      \
	"character (e.g. 'my-name',  or '123-abc', regex used for validation " \
	"is '" LABEL_FMT "')"
#define DNS1123_SUBDOMAIN_MSG                                                  \
	"a lowercase RFC 1123 subdomain must consist of lower case "           \
	"alphanumeric characters, '-' or '.', and must start and end with an " \
	"alphanumeric character (e.g. 'example.com', regex used for "          \
	"validation is '" LABEL_FMT "(\\." LABEL_FMT ")*')"
#define DNS1035_LABEL_MSG                                                      \
	"a DNS-1035 label must consist of lower case alphanumeric characters " \
	"or '-', start with an alphabetic character, and end with an "         \
	"alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used "   \
	"for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
#define QNAME_MSG                                                              \
	"must consist of alphanumeric characters, '-', '_' or '.', and must "  \
	"start and end with an alphanumeric character (e.g. 'MyName',  or "    \
	"'my.name',  or '123-abc', regex used for validation is "              \
	"'" QNAME_FMT "')"
#define LABEL_VALUE_MSG                                                        \
	"a valid label must be an empty string or consist of alphanumeric "    \
	"characters, '-', '_' or '.', and must start and end with an "         \
	"alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "         \
	"'12345', "                                                            \
	"regex used for validation is '(" QNAME_FMT ")?')"
#define CONFIG_KEY_MSG                                                         \
	"a valid config key must consist of alphanumeric characters, '-', "    \
	"'_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex "  \
	"used for validation is '[-._a-zA-Z0-9]+')"

#define TOTAL_ANNOTATION_SIZE (256 * 1024)

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool alnum(char c)
{
	return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n), no length limit. */
static bool label_shape(const char *s, size_t n)
{
	if (n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* Dot-separated label_shape()s over s[0..n), no length limit. */
static bool subdomain_shape_n(const char *s, size_t n)
{
	const char *end = s + n, *dot;

	do {
		dot = memchr(s, '.', (size_t)(end - s));
		if (!label_shape(s, (size_t)((dot ? dot : end) - s)))
			return false;
		s = dot + 1;
	} while (dot);
	return true;
}

static bool subdomain_shape(const char *s)
{
	return subdomain_shape_n(s, strlen(s));
}

bool is_dns1123_label(const char *s)
{
	return s && strlen(s) <= 63 && label_shape(s, strlen(s));
}

bool is_dns1123_subdomain(const char *s)
{
	return s && strlen(s) <= 253 && subdomain_shape(s);
}

bool is_dns1035_label(const char *s)
{
	return is_dns1123_label(s) && s[0] >= 'a' && s[0] <= 'z';
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] over s[0..n) */
static bool qname_shape(const char *s, size_t n)
{
	if (n == 0 || !alnum(s[0]) || !alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!alnum(s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

typedef void (*emit_fn)(void *ud, const char *msg);

/* IsQualifiedName; calls emit for each message, returns the count. */
static int qname_check(const char *value, emit_fn emit, void *ud)
{
	const char *slash = strchr(value, '/');
	const char *name = value;
	char buf[640];
	int n = 0;

	if (slash && strchr(slash + 1, '/')) {
		emit(ud,
		     "a qualified name " QNAME_MSG " with an optional DNS "
		     "subdomain prefix and '/' (e.g. 'example.com/MyName')");
		return 1;
	}
	if (slash) {
		size_t plen = (size_t)(slash - value);

		name = slash + 1;
		if (plen == 0) {
			emit(ud, "prefix part must be non-empty");
			n++;
		} else {
			bool shape = subdomain_shape_n(value, plen);

			if (plen > 253) {
				emit(ud, "prefix part must be no more than 253 "
					 "characters");
				n++;
			}
			if (!shape) {
				snprintf(buf, sizeof(buf), "prefix part %s",
					 DNS1123_SUBDOMAIN_MSG);
				emit(ud, buf);
				n++;
			}
		}
	}
	if (!*name) {
		emit(ud, "name part must be non-empty");
		n++;
	} else if (strlen(name) > 63) {
		emit(ud, "name part must be no more than 63 characters");
		n++;
	}
	if (!qname_shape(name, strlen(name))) {
		emit(ud, "name part " QNAME_MSG);
		n++;
	}
	return n;
}

static void emit_none(void *ud, const char *msg)
{
	(void)ud;
	(void)msg;
}

bool is_qualified_name(const char *s)
{
	return s && qname_check(s, emit_none, NULL) == 0;
}

bool is_label_value(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return s && n <= 63 && (n == 0 || qname_shape(s, n));
}

bool is_config_map_key(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 253 || !strcmp(s, ".") || !strncmp(s, "..", 2))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!alnum(s[i]) && !strchr("-._", s[i]))
			return false;
	return true;
}

bool is_c_identifier(const char *s)
{
	if (!s || !(*s == '_' || (alnum(*s) && !(*s >= '0' && *s <= '9'))))
		return false;
	for (s++; *s; s++)
		if (!alnum(*s) && *s != '_')
			return false;
	return true;
}

int name_messages(enum name_rule rule, const char *value, bool prefix,
		  const char *msgs[2], char *buf, size_t size)
{
	const char *orig = value;
	char masked[300];
	size_t len = strlen(value);
	int n = 0;

	/* maskTrailingDash: a generateName may end in '-' */
	snprintf(masked, sizeof(masked), "%s", value);
	if (prefix && len > 1 && len < sizeof(masked) && masked[len - 1] == '-')
		masked[len - 1] = 'a';
	value = masked;
	switch (rule) {
	case NAME_DNS_SUBDOMAIN:
		if (len > 253) {
			snprintf(buf, size,
				 "must be no more than 253 characters");
			msgs[n++] = buf;
		}
		if (len >= sizeof(masked) || !subdomain_shape(value))
			msgs[n++] = DNS1123_SUBDOMAIN_MSG;
		break;
	case NAME_DNS_LABEL:
	case NAME_DNS1035_LABEL:
		if (len > 63) {
			snprintf(buf, size,
				 "must be no more than 63 characters");
			msgs[n++] = buf;
		}
		if (rule == NAME_DNS1035_LABEL) {
			if (len >= sizeof(masked) || !label_shape(value, len) ||
			    !(value[0] >= 'a' && value[0] <= 'z'))
				msgs[n++] = DNS1035_LABEL_MSG;
		} else if (len >= sizeof(masked) || !label_shape(value, len)) {
			msgs[n++] =
			    len < sizeof(masked) && subdomain_shape(value)
				? "must not contain dots"
				: DNS1123_LABEL_MSG;
		}
		break;
	case NAME_PATH_SEGMENT: /* IsValidPathSegmentName */
		if (!strcmp(orig, ".") || !strcmp(orig, "..")) {
			snprintf(buf, size, "may not be '%s'", orig);
			msgs[n++] = buf;
			break;
		}
		if (strchr(orig, '/'))
			msgs[n++] = "may not contain '/'";
		if (strchr(orig, '%'))
			msgs[n++] = "may not contain '%'";
		break;
	}
	return n;
}

/* ---- checks that record errors ---- */

struct emit_ctx {
	struct validation *v;
	const char *child;
	const char *value;
};

bool name_valid(enum name_rule rule, const char *s)
{
	const char *msgs[2];
	char buf[64];

	return s && *s &&
	       name_messages(rule, s, false, msgs, buf, sizeof(buf)) == 0;
}

static void emit_invalid(void *ud, const char *msg)
{
	struct emit_ctx *c = ud;

	verr_invalid_str(c->v, c->child, c->value, msg);
}

static int name_errors(struct validation *v, const char *child,
		       const char *value, enum name_rule rule, bool prefix)
{
	const char *msgs[2];
	char buf[64];
	int n = name_messages(rule, value, prefix, msgs, buf, sizeof(buf));

	for (int i = 0; i < n; i++)
		verr_invalid_str(v, child, value, msgs[i]);
	return n;
}

int vcheck_dns1123_label(struct validation *v, const char *child,
			 const char *value)
{
	return name_errors(v, child, value, NAME_DNS_LABEL, false);
}

int vcheck_dns1123_subdomain(struct validation *v, const char *child,
			     const char *value)
{
	return name_errors(v, child, value, NAME_DNS_SUBDOMAIN, false);
}

int vcheck_qualified_name(struct validation *v, const char *child,
			  const char *value)
{
	struct emit_ctx c = {v, child, value};

	return qname_check(value, emit_invalid, &c);
}

int vcheck_label_value(struct validation *v, const char *child,
		       const char *value)
{
	size_t n = strlen(value);
	int r = 0;

	if (n > 63) {
		verr_invalid_str(v, child, value,
				 "must be no more than 63 characters");
		r++;
	}
	if (n && !qname_shape(value, n)) {
		verr_invalid_str(v, child, value, LABEL_VALUE_MSG);
		r++;
	}
	return r;
}

const char *label_value_message(const char *s, const char *sep, char *buf,
				size_t size)
{
	size_t n = strlen(s);
	bool too_long = n > 63, shape = n == 0 || qname_shape(s, n);

	if (!too_long && shape)
		return NULL;
	snprintf(buf, size, "%s%s%s",
		 too_long ? "must be no more than 63 characters" : "",
		 too_long && !shape ? sep : "", shape ? "" : LABEL_VALUE_MSG);
	return buf;
}

struct join_ctx {
	const char *sep;
	char *buf;
	size_t size, len;
};

static void emit_join(void *ud, const char *msg)
{
	struct join_ctx *c = ud;
	int n = snprintf(c->buf + c->len, c->size - c->len, "%s%s",
			 c->len ? c->sep : "", msg);

	if (n > 0)
		c->len += (size_t)n < c->size - c->len ? (size_t)n
						       : c->size - c->len - 1;
}

const char *qualified_name_message(const char *s, const char *sep, char *buf,
				   size_t size)
{
	struct join_ctx c = {sep, buf, size, 0};

	if (size == 0)
		return NULL;
	buf[0] = '\0';
	return qname_check(s, emit_join, &c) ? buf : NULL;
}

int vcheck_config_map_key(struct validation *v, const char *child,
			  const char *value)
{
	size_t n = strlen(value);
	bool chars = n > 0;
	int r = 0;

	for (size_t i = 0; i < n; i++)
		if (!alnum(value[i]) && !strchr("-._", value[i]))
			chars = false;
	if (n > 253) {
		verr_invalid_str(v, child, value,
				 "must be no more than 253 characters");
		r++;
	}
	if (!chars) {
		verr_invalid_str(v, child, value, CONFIG_KEY_MSG);
		r++;
	}
	if (!strcmp(value, ".")) {
		verr_invalid_str(v, child, value, "must not be '.'");
		r++;
	} else if (!strcmp(value, "..")) {
		verr_invalid_str(v, child, value, "must not be '..'");
		r++;
	} else if (!strncmp(value, "..", 2)) {
		verr_invalid_str(v, child, value, "must not start with '..'");
		r++;
	}
	return r;
}

int vcheck_port_name(struct validation *v, const char *child, const char *value)
{
	size_t n = strlen(value);
	bool charset = n > 0, letter = false;
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		if (value[i] >= 'a' && value[i] <= 'z')
			letter = true;
		else if (!lower_alnum(value[i]) && value[i] != '-')
			charset = false;
	}
	if (n > 15) {
		verr_invalid_str(v, child, value,
				 "must be no more than 15 characters");
		r++;
	}
	if (!charset) {
		verr_invalid_str(v, child, value,
				 "must contain only alpha-numeric characters "
				 "(a-z, 0-9), and hyphens (-)");
		r++;
	}
	if (!letter) {
		verr_invalid_str(v, child, value,
				 "must contain at least one letter (a-z)");
		r++;
	}
	if (strstr(value, "--")) {
		verr_invalid_str(v, child, value,
				 "must not contain consecutive hyphens");
		r++;
	}
	if (n && (value[0] == '-' || value[n - 1] == '-')) {
		verr_invalid_str(v, child, value,
				 "must not begin or end with a hyphen");
		r++;
	}
	return r;
}

int vcheck_port_num(struct validation *v, const char *child, long long port)
{
	if (port >= 1 && port <= 65535)
		return 0;
	verr_invalid_int(v, child, port,
			 "must be between 1 and 65535, inclusive");
	return 1;
}

void vcheck_port_num_or_name(struct validation *v, const char *child,
			     const json_t *value)
{
	if (json_is_integer(value))
		vcheck_port_num(v, child, json_integer_value(value));
	else if (json_is_string(value))
		vcheck_port_name(v, child, json_string_value(value));
}

void vcheck_nonnegative(struct validation *v, const char *child,
			long long value)
{
	if (value < 0)
		verr_invalid_int(v, child, value,
				 "must be greater than or equal to 0");
}

/* ---- labels, annotations, selectors ---- */

void validate_labels(struct validation *v, const json_t *labels,
		     const char *child)
{
	const char *key;
	json_t *val;

	json_object_foreach ((json_t *)labels, key, val) {
		vcheck_qualified_name(v, child, key);
		if (json_is_string(val))
			vcheck_label_value(v, child, json_string_value(val));
	}
}

void validate_annotations(struct validation *v, const json_t *annotations,
			  const char *child)
{
	size_t total = 0;
	const char *key;
	json_t *val;

	json_object_foreach ((json_t *)annotations, key, val) {
		char lower[320];
		size_t i, n = strlen(key);

		/* the rule is a qualified name, whatever the case */
		for (i = 0; i < n && i < sizeof(lower) - 1; i++)
			lower[i] = (key[i] >= 'A' && key[i] <= 'Z')
				       ? (char)(key[i] + 32)
				       : key[i];
		lower[i] = '\0';
		if (n >= sizeof(lower) - 1 || !is_qualified_name(lower)) {
			struct emit_ctx c = {v, child, key};

			if (n >= sizeof(lower) - 1)
				qname_check(key, emit_invalid, &c);
			else
				qname_check(lower, emit_invalid, &c);
		}
		total += n + json_string_length(val);
	}
	if (total > TOTAL_ANNOTATION_SIZE)
		verr_too_long(v, child, TOTAL_ANNOTATION_SIZE);
}

/* ---- ObjectMeta ---- */

static void validate_owner_refs(struct validation *v, const json_t *refs)
{
	const char *controller = NULL;
	char first[300];
	size_t i;
	json_t *ref;

	if (!vcheck_elems(v, refs, VT_OBJECT, "ObjectMeta",
			  "v1.OwnerReference"))
		return;
	json_array_foreach ((json_t *)refs, i, ref) {
		const char *av, *kind, *name, *uid, *slash;
		const json_t *ctl;
		size_t m = vpath_index(v, i);
		bool version;

		av = vget_str(v, ref, "apiVersion", "OwnerReference");
		kind = vget_str(v, ref, "kind", "OwnerReference");
		name = vget_str(v, ref, "name", "OwnerReference");
		uid = vget_str(v, ref, "uid", "OwnerReference");
		ctl =
		    vget(v, ref, "controller", VT_BOOL, "OwnerReference", NULL);
		vget(v, ref, "blockOwnerDeletion", VT_BOOL, "OwnerReference",
		     NULL);
		vpath_pop(v, m);
		/* Kubernetes reports these at ownerReferences, no index */
		slash = av ? strchr(av, '/') : NULL;
		version = av && *av &&
			  (slash ? slash[1] && !strchr(slash + 1, '/') : true);
		if (!version)
			verr_invalid_str(v, "apiVersion", av ? av : "",
					 "version must not be empty");
		if (!kind || !*kind)
			verr_invalid_str(v, "kind", kind ? kind : "",
					 "kind must not be empty");
		if (!name || !*name)
			verr_invalid_str(v, "name", name ? name : "",
					 "name must not be empty");
		if (!uid || !*uid)
			verr_invalid_str(v, "uid", uid ? uid : "",
					 "uid must not be empty");
		if (av && kind && !strcmp(av, "v1") && !strcmp(kind, "Event"))
			verr_invalid(v, NULL, ref,
				     "/v1, Kind=Event is disallowed from being "
				     "an owner");
		if (json_is_true(ctl)) {
			char cur[300];

			snprintf(cur, sizeof(cur), "%.100s/%.190s",
				 kind ? kind : "", name ? name : "");
			if (controller) {
				char detail[700];

				snprintf(detail, sizeof(detail),
					 "Only one reference can have "
					 "Controller set to true. Found "
					 "\"true\" in references for %s and %s",
					 first, cur);
				verr_invalid(v, NULL, refs, detail);
			} else {
				snprintf(first, sizeof(first), "%s", cur);
				controller = first;
			}
		}
	}
}

static void validate_finalizers(struct validation *v, const json_t *fins)
{
	bool orphan = false, foreground = false;
	size_t i;
	json_t *f;

	if (!vcheck_elems(v, fins, VT_STRING, "ObjectMeta", "string"))
		return;
	json_array_foreach ((json_t *)fins, i, f) {
		const char *s = json_string_value(f);

		if (!s)
			continue;
		vcheck_qualified_name(v, NULL, s);
		orphan |= !strcmp(s, "orphan");
		foreground |= !strcmp(s, "foregroundDeletion");
	}
	if (orphan && foreground)
		verr_invalid(v, NULL, fins,
			     "finalizer orphan and foregroundDeletion cannot "
			     "be both set");
}

const json_t *validate_object_meta(struct validation *v, const json_t *obj,
				   enum name_rule rule, bool namespaced,
				   bool update)
{
	const json_t *meta, *x;
	const char *name, *gen, *ns;
	long long generation = 0;
	size_t mark;

	meta = vget(v, obj, "metadata", VT_OBJECT,
		    v->kind ? v->kind->kind : "Object", "v1.ObjectMeta");
	mark = vpath_child(v, "metadata");
	name = vget_str(v, meta, "name", "ObjectMeta");
	gen = vget_str(v, meta, "generateName", "ObjectMeta");
	ns = vget_str(v, meta, "namespace", "ObjectMeta");
	vget_str(v, meta, "uid", "ObjectMeta");
	vget_str(v, meta, "resourceVersion", "ObjectMeta");
	vget_str(v, meta, "creationTimestamp", "ObjectMeta");
	vget_int(v, meta, "generation", VT_INT64, "ObjectMeta", &generation);
	vget(v, meta, "deletionGracePeriodSeconds", VT_INT64, "ObjectMeta",
	     NULL);

	if (!update && gen && *gen)
		name_errors(v, "generateName", gen, rule, true);
	if (!name || !*name)
		verr_required(v, "name", "name or generateName is required");
	else if (!update)
		name_errors(v, "name", name, rule, false);
	if (namespaced) {
		if (!ns || !*ns)
			verr_required(v, "namespace", NULL);
		else
			name_errors(v, "namespace", ns, NAME_DNS_LABEL, false);
	} else if (ns && *ns) {
		verr_forbidden(v, "namespace", "not allowed on this type");
	}
	vcheck_nonnegative(v, "generation", generation);

	x = vget(v, meta, "labels", VT_STRMAP, "ObjectMeta", NULL);
	validate_labels(v, x, "labels");
	x = vget(v, meta, "annotations", VT_STRMAP, "ObjectMeta", NULL);
	validate_annotations(v, x, "annotations");
	x = vget(v, meta, "ownerReferences", VT_ARRAY, "ObjectMeta",
		 "[]v1.OwnerReference");
	if (x) {
		size_t m2 = vpath_child(v, "ownerReferences");

		validate_owner_refs(v, x);
		vpath_pop(v, m2);
	}
	x = vget(v, meta, "finalizers", VT_ARRAY, "ObjectMeta", "[]string");
	if (x) {
		size_t m2 = vpath_child(v, "finalizers");

		validate_finalizers(v, x);
		vpath_pop(v, m2);
	}
	vpath_pop(v, mark);
	return meta;
}

void validate_object_meta_update(struct validation *v, const json_t *obj,
				 const json_t *old)
{
	static const char *const fields[] = {"name", "namespace", "uid",
					     "creationTimestamp"};
	json_t *meta = json_object_get(obj, "metadata");
	json_t *ometa = json_object_get(old, "metadata");
	size_t mark = vpath_child(v, "metadata");

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *a = json_object_get(meta, fields[i]);
		json_t *b = json_object_get(ometa, fields[i]);

		if (json_is_null(a))
			a = NULL;
		if (json_is_null(b))
			b = NULL;
		if (a == b || (a && b && json_equal(a, b)))
			continue;
		if (a)
			verr_immutable(v, fields[i], a);
		else
			verr_invalid_str(v, fields[i], "",
					 "field is immutable");
	}
	vpath_pop(v, mark);
}
