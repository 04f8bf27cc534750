/*
 * validate.c — the error list, field paths, value rendering and the typed
 * reads that stand in for Go's JSON decoding.
 */
#include "api/validate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/quote.h"

#define ERR_MAX 1024 /* one error, path and value included */

void validation_init(struct validation *v, const struct kind_info *k)
{
	memset(v, 0, sizeof(*v));
	v->kind = k;
}

void validation_release(struct validation *v)
{
	for (unsigned i = 0; i < v->nerrs; i++)
		free(v->errs[i]);
	v->nerrs = 0;
	v->dropped = 0;
}

bool validation_ok(const struct validation *v)
{
	return v->nerrs == 0 && v->dropped == 0 && !v->decode[0] && !v->nomem;
}

int validation_finish(struct validation *v, const char *name,
		      struct kf_error *err)
{
	const struct kind_info *k = v->kind;
	char body[KF_ERROR_MSG_MAX];
	size_t len = 0;

	if (v->decode[0]) {
		const char *kind = k ? k->kind : "Object";

		return kf_error_set(err, -EINVAL,
				    "%s in version \"%s\" cannot be handled as "
				    "a %s: %s",
				    kind, k ? k->version : "v1", kind,
				    v->decode);
	}
	if (v->nomem)
		return kf_error_set(err, -ENOMEM,
				    "Internal error occurred: out of memory");
	if (v->nerrs == 0)
		return 0;
	body[0] = '\0';
	for (unsigned i = 0; i < v->nerrs && len < sizeof(body); i++) {
		int w = snprintf(body + len, sizeof(body) - len, "%s%s",
				 i ? ", " : "", v->errs[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (v->nerrs == 1)
		return kf_error_set(err, -EINVAL, "%s \"%s\" is invalid: %s",
				    k ? kind_qualified(k) : "Object",
				    name ? name : "", body);
	return kf_error_set(err, -EINVAL, "%s \"%s\" is invalid: [%s]",
			    k ? kind_qualified(k) : "Object", name ? name : "",
			    body);
}

/* ---- paths ---- */

static size_t path_append(struct validation *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t path_append(struct validation *v, const char *fmt, ...)
{
	size_t mark = v->len;
	va_list ap;
	int w;

	if (v->len >= sizeof(v->path) - 1)
		return mark;
	va_start(ap, fmt);
	w = vsnprintf(v->path + v->len, sizeof(v->path) - v->len, fmt, ap);
	va_end(ap);
	if (w < 0)
		v->path[v->len] = '\0';
	else if ((size_t)w >= sizeof(v->path) - v->len)
		v->len = sizeof(v->path) - 1;
	else
		v->len += (size_t)w;
	return mark;
}

size_t vpath_child(struct validation *v, const char *name)
{
	if (!name || !*name)
		return v->len;
	return path_append(v, "%s%s", v->len ? "." : "", name);
}

size_t vpath_index(struct validation *v, size_t i)
{
	return path_append(v, "[%zu]", i);
}

size_t vpath_key(struct validation *v, const char *key)
{
	return path_append(v, "[%.*s]", VALIDATE_VALUE_MAX, key);
}

void vpath_pop(struct validation *v, size_t mark)
{
	if (mark <= v->len) {
		v->len = mark;
		v->path[mark] = '\0';
	}
}

/* ---- rendering ---- */

char *vquote(const char *s, char *buf, size_t size)
{
	size_t n = strnlen(s, VALIDATE_VALUE_MAX + 1), len;

	/* room for "..." when the value is cut */
	if (size < 8) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	if (n > VALIDATE_VALUE_MAX)
		n = VALIDATE_VALUE_MAX;
	if (go_quote(s, n, buf, size - 3) == n && !s[n])
		return buf;
	len = strlen(buf) - 1; /* drop the closing quote */
	memcpy(buf + len, "...\"", 5);
	return buf;
}

/* A bounded sink for json_dump_callback(). */
struct sink {
	char *buf;
	size_t size, len;
	bool cut;
};

static int sink_write(const char *data, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t room = s->size - s->len - 1;

	if (n > room) {
		memcpy(s->buf + s->len, data, room);
		s->len += room;
		s->cut = true;
		return -1; /* stop the dump */
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return 0;
}

static void real_text(double d, char *buf, size_t size)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

char *vvalue(const json_t *value, char *buf, size_t size)
{
	struct sink s = {.buf = buf, .size = size};
	size_t max =
	    size > VALIDATE_VALUE_MAX + 4 ? VALIDATE_VALUE_MAX + 1 : size;

	if (size == 0)
		return buf;
	switch (json_typeof(value)) {
	case JSON_STRING:
		return vquote(json_string_value(value), buf, size);
	case JSON_INTEGER:
		snprintf(buf, size, "%lld",
			 (long long)json_integer_value(value));
		return buf;
	case JSON_REAL:
		real_text(json_real_value(value), buf, size);
		return buf;
	case JSON_TRUE:
		snprintf(buf, size, "true");
		return buf;
	case JSON_FALSE:
		snprintf(buf, size, "false");
		return buf;
	case JSON_NULL:
		snprintf(buf, size, "null");
		return buf;
	default:
		break;
	}
	s.size = max;
	json_dump_callback(value, sink_write, &s,
			   JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	buf[s.len] = '\0';
	if (s.cut && s.len + 4 <= size)
		snprintf(buf + s.len, size - s.len, "...");
	return buf;
}

/* ---- errors ---- */

static void add(struct validation *v, const char *child, const char *body)
{
	char msg[ERR_MAX];
	char *copy;

	if (child && v->len)
		snprintf(msg, sizeof(msg), "%s.%s: %s", v->path, child, body);
	else if (child)
		snprintf(msg, sizeof(msg), "%s: %s", child, body);
	else
		snprintf(msg, sizeof(msg), "%s: %s", v->path, body);
	for (unsigned i = 0; i < v->nerrs; i++)
		if (!strcmp(v->errs[i], msg))
			return; /* ToAggregate() drops repeats */
	if (v->nerrs >= VALIDATE_MAX_ERRORS) {
		v->dropped++;
		return;
	}
	copy = strdup(msg);
	if (!copy) {
		v->nomem = true;
		return;
	}
	v->errs[v->nerrs++] = copy;
}

void verr(struct validation *v, const char *child, const char *fmt, ...)
{
	char body[ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	add(v, child, body);
}

void verr_required(struct validation *v, const char *child, const char *detail)
{
	if (detail && *detail)
		verr(v, child, "Required value: %s", detail);
	else
		add(v, child, "Required value");
}

void verr_invalid(struct validation *v, const char *child, const json_t *value,
		  const char *detail)
{
	char val[VALIDATE_VALUE_MAX + 8];

	vvalue(value, val, sizeof(val));
	if (detail && *detail)
		verr(v, child, "Invalid value: %s: %s", val, detail);
	else
		verr(v, child, "Invalid value: %s", val);
}

void verr_invalid_str(struct validation *v, const char *child,
		      const char *value, const char *detail)
{
	char val[VALIDATE_VALUE_MAX + 8];

	vquote(value ? value : "", val, sizeof(val));
	if (detail && *detail)
		verr(v, child, "Invalid value: %s: %s", val, detail);
	else
		verr(v, child, "Invalid value: %s", val);
}

void verr_invalid_int(struct validation *v, const char *child, long long value,
		      const char *detail)
{
	verr(v, child, "Invalid value: %lld: %s", value, detail);
}

static void unsupported(struct validation *v, const char *child,
			const char *val, const char *const *supported)
{
	char list[512];
	size_t len = 0;

	list[0] = '\0';
	for (size_t i = 0; supported && supported[i] && len < sizeof(list); i++)
		len +=
		    (size_t)snprintf(list + len, sizeof(list) - len, "%s\"%s\"",
				     i ? ", " : "", supported[i]);
	if (list[0])
		verr(v, child, "Unsupported value: %s: supported values: %s",
		     val, list);
	else
		verr(v, child, "Unsupported value: %s", val);
}

void verr_unsupported(struct validation *v, const char *child,
		      const json_t *value, const char *const *supported)
{
	char val[VALIDATE_VALUE_MAX + 8];

	unsupported(v, child, vvalue(value, val, sizeof(val)), supported);
}

void verr_unsupported_str(struct validation *v, const char *child,
			  const char *value, const char *const *supported)
{
	char val[VALIDATE_VALUE_MAX + 8];

	unsupported(v, child, vquote(value ? value : "", val, sizeof(val)),
		    supported);
}

void verr_duplicate(struct validation *v, const char *child,
		    const json_t *value)
{
	char val[VALIDATE_VALUE_MAX + 8];

	verr(v, child, "Duplicate value: %s", vvalue(value, val, sizeof(val)));
}

void verr_duplicate_str(struct validation *v, const char *child,
			const char *value)
{
	char val[VALIDATE_VALUE_MAX + 8];

	verr(v, child, "Duplicate value: %s",
	     vquote(value ? value : "", val, sizeof(val)));
}

void verr_not_found_str(struct validation *v, const char *child,
			const char *value)
{
	char val[VALIDATE_VALUE_MAX + 8];

	verr(v, child, "Not found: %s",
	     vquote(value ? value : "", val, sizeof(val)));
}

void verr_forbidden(struct validation *v, const char *child, const char *detail)
{
	verr(v, child, "Forbidden: %s", detail);
}

void verr_too_long(struct validation *v, const char *child, size_t max)
{
	verr(v, child, "Too long: may not be more than %zu byte%s", max,
	     max == 1 ? "" : "s");
}

void verr_too_many(struct validation *v, const char *child, size_t n,
		   size_t max)
{
	verr(v, child, "Too many: %zu: must have at most %zu item%s", n, max,
	     max == 1 ? "" : "s");
}

void verr_immutable(struct validation *v, const char *child,
		    const json_t *value)
{
	if (value)
		verr_invalid(v, child, value, "field is immutable");
	else
		verr(v, child, "Invalid value: null: field is immutable");
}

void verr_decode(struct validation *v, const char *fmt, ...)
{
	va_list ap;

	if (v->decode[0])
		return;
	va_start(ap, fmt);
	vsnprintf(v->decode, sizeof(v->decode), fmt, ap);
	va_end(ap);
}

/* ---- typed reads ---- */

const char *json_type_name(const json_t *x)
{
	switch (json_typeof(x)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	default:
		return "null";
	}
}

/* "<owner>.<path without [..]>[.<key>]" */
static void go_field(const struct validation *v, const char *owner,
		     const char *key, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "%s", owner);
	int depth = 0;

	if (len < size - 1 && v->len)
		buf[len++] = '.';
	for (size_t i = 0; i < v->len && len < size - 1; i++) {
		char c = v->path[i];

		if (c == '[')
			depth++;
		else if (c == ']')
			depth--;
		else if (depth == 0)
			buf[len++] = c;
	}
	buf[len] = '\0';
	if (key && len < size)
		snprintf(buf + len, size - len, ".%s", key);
}

static void type_error(struct validation *v, const json_t *val,
		       const char *owner, const char *key, const char *gotype)
{
	char field[VALIDATE_PATH_MAX + 64];

	go_field(v, owner, key, field, sizeof(field));
	if (json_is_number(val)) {
		char num[64];

		vvalue(val, num, sizeof(num));
		if (json_is_real(val) || !strcmp(gotype, "int32") ||
		    !strcmp(gotype, "int64")) {
			verr_decode(v,
				    "json: cannot unmarshal number %s into Go "
				    "struct field %s of type %s",
				    num, field, gotype);
			return;
		}
	}
	verr_decode(v,
		    "json: cannot unmarshal %s into Go struct field %s of type "
		    "%s",
		    json_type_name(val), field, gotype);
}

static bool int_fits(const json_t *x, enum vtype type)
{
	json_int_t i;

	if (!json_is_integer(x))
		return false;
	i = json_integer_value(x);
	return type == VT_INT64 || (i >= INT32_MIN && i <= INT32_MAX);
}

/* Check one value as type; records the error. key NULL: an element. */
static bool check(struct validation *v, const json_t *x, const char *key,
		  enum vtype type, const char *owner, const char *gotype)
{
	struct quantity q;
	const char *k;
	json_t *e;

	switch (type) {
	case VT_STRING:
		if (json_is_string(x))
			return true;
		type_error(v, x, owner, key, "string");
		return false;
	case VT_BOOL:
		if (json_is_boolean(x))
			return true;
		type_error(v, x, owner, key, "bool");
		return false;
	case VT_INT32:
	case VT_INT64:
		if (int_fits(x, type))
			return true;
		type_error(v, x, owner, key,
			   type == VT_INT32 ? "int32" : "int64");
		return false;
	case VT_OBJECT:
		if (json_is_object(x))
			return true;
		type_error(v, x, owner, key, gotype ? gotype : "struct");
		return false;
	case VT_ARRAY:
		if (json_is_array(x))
			return true;
		type_error(v, x, owner, key, gotype ? gotype : "[]string");
		return false;
	case VT_STRMAP:
		if (!json_is_object(x)) {
			type_error(v, x, owner, key, "map[string]string");
			return false;
		}
		json_object_foreach ((json_t *)x, k, e) {
			if (!json_is_string(e) && !json_is_null(e)) {
				type_error(v, e, owner, key, "string");
				return false;
			}
		}
		return true;
	case VT_INTSTR:
		if (json_is_string(x) || int_fits(x, VT_INT32))
			return true;
		if (json_is_number(x)) {
			char num[64];

			verr_decode(v,
				    "json: cannot unmarshal number %s into Go "
				    "value of type int32",
				    vvalue(x, num, sizeof(num)));
		} else {
			verr_decode(
			    v,
			    "json: cannot unmarshal %s into Go value of "
			    "type int32",
			    json_type_name(x));
		}
		return false;
	case VT_QUANTITY:
		if (quantity_from_json(x, &q) == 0)
			return true;
		verr_decode(v, "%s", QUANTITY_FORMAT_ERROR);
		return false;
	case VT_BYTES:
		if (json_is_string(x))
			return true;
		type_error(v, x, owner, key, "[]uint8");
		return false;
	}
	return false;
}

const json_t *vget(struct validation *v, const json_t *obj, const char *key,
		   enum vtype type, const char *owner, const char *gotype)
{
	const json_t *x = json_object_get(obj, key);

	if (!x || json_is_null(x))
		return NULL;
	return check(v, x, key, type, owner, gotype) ? x : NULL;
}

const char *vget_str(struct validation *v, const json_t *obj, const char *key,
		     const char *owner)
{
	return json_string_value(vget(v, obj, key, VT_STRING, owner, NULL));
}

bool vget_int(struct validation *v, const json_t *obj, const char *key,
	      enum vtype type, const char *owner, long long *ret)
{
	const json_t *x = vget(v, obj, key, type, owner, NULL);

	if (!x)
		return false;
	*ret = (long long)json_integer_value(x);
	return true;
}

bool vcheck_elems(struct validation *v, const json_t *arr, enum vtype type,
		  const char *owner, const char *gotype)
{
	size_t i;
	json_t *e;

	json_array_foreach ((json_t *)arr, i, e) {
		if (json_is_null(e))
			continue;
		if (!check(v, e, NULL, type, owner, gotype))
			return false;
	}
	return true;
}
