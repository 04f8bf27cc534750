/*
 * validate_core.c — core/v1 kinds without pod templates: Namespace, Node,
 * ConfigMap, Secret, Event, ServiceAccount, and coordination.k8s.io/v1
 * Lease (pkg/apis/core/validation, pkg/apis/coordination/validation).
 */
#include "api/validate.h"

#include <stdio.h>
#include <string.h>

#include "api/cleanup.h"

#define MAX_SECRET_SIZE (1024 * 1024)

static const char *const taint_effects[] = {"NoSchedule", "PreferNoSchedule",
					    "NoExecute", NULL};

/*
 * Size of the bytes base64 text s decodes to, as Go's StdEncoding reads
 * []byte fields (padding required, CR and LF ignored). -1 with *ret_at
 * the offending input offset when it is not base64.
 */
static long long base64_size(const char *s, size_t *ret_at)
{
	size_t i, q = 0, qstart = 0;
	long long out = 0;

	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			if (q < 2) {
				*ret_at = i;
				return -1;
			}
			out += (long long)q - 1;
			for (i++; q == 2 && (s[i] == '\r' || s[i] == '\n');)
				i++;
			if (q == 2 && s[i++] != '=') {
				*ret_at = i - 1;
				return -1;
			}
			for (; s[i]; i++)
				if (s[i] != '\r' && s[i] != '\n') {
					*ret_at = i;
					return -1;
				}
			return out;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/')) {
			*ret_at = i;
			return -1;
		}
		if (q == 0)
			qstart = i;
		if (++q == 4) {
			out += 3;
			q = 0;
		}
	}
	if (q != 0) {
		*ret_at = qstart;
		return -1;
	}
	return out;
}

/*
 * A map of []byte (Secret data, ConfigMap binaryData) at key: keys valid,
 * values base64. Returns the decoded size.
 */
static size_t byte_map(struct validation *v, const json_t *obj, const char *key,
		       const char *owner)
{
	const json_t *map =
	    vget(v, obj, key, VT_OBJECT, owner, "map[string][]uint8");
	size_t total = 0;
	const char *k;
	json_t *val;

	json_object_foreach ((json_t *)map, k, val) {
		size_t mark = vpath_child(v, key);
		long long n;
		size_t at = 0;

		vpath_key(v, k);
		vcheck_config_map_key(v, NULL, k);
		vpath_pop(v, mark);
		if (json_is_null(val))
			continue;
		if (!json_is_string(val)) {
			verr_decode(v,
				    "json: cannot unmarshal %s into Go struct "
				    "field %s.%s of type []uint8",
				    json_is_number(val)	   ? "number"
				    : json_is_boolean(val) ? "bool"
				    : json_is_array(val)   ? "array"
							   : "object",
				    owner, key);
			continue;
		}
		n = base64_size(json_string_value(val), &at);
		if (n < 0) {
			verr_decode(v, "illegal base64 data at input byte %zu",
				    at);
			continue;
		}
		total += (size_t)n;
	}
	return total;
}

/* ---- Namespace ---- */

void validate_namespace(struct validation *v, const json_t *obj,
			const json_t *old)
{
	const json_t *spec =
	    vget(v, obj, "spec", VT_OBJECT, "Namespace", "v1.NamespaceSpec");
	const json_t *fins;
	size_t mark = vpath_child(v, "spec");

	fins = vget(v, spec, "finalizers", VT_ARRAY, "NamespaceSpec",
		    "[]v1.FinalizerName");
	if (fins && vcheck_elems(v, fins, VT_STRING, "NamespaceSpec",
				 "v1.FinalizerName")) {
		size_t i, m = vpath_child(v, "finalizers");
		json_t *f;

		json_array_foreach ((json_t *)fins, i, f) {
			const char *s = json_string_value(f);

			if (!s)
				continue;
			vcheck_qualified_name(v, NULL, s);
			if (!strchr(s, '/') && strcmp(s, "kubernetes") &&
			    strcmp(s, "orphan") &&
			    strcmp(s, "foregroundDeletion"))
				verr_invalid_str(v, NULL, s,
						 "name is neither a standard "
						 "finalizer name nor is it "
						 "fully qualified");
		}
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
	mark = vpath_child(v, "status");
	vget_str(v, json_object_get(obj, "status"), "phase", "NamespaceStatus");
	vpath_pop(v, mark);
}

/* ---- Node ---- */

static void node_taints(struct validation *v, const json_t *spec)
{
	const json_t *taints =
	    vget(v, spec, "taints", VT_ARRAY, "NodeSpec", "[]v1.Taint");
	json_t *seen = json_object();
	size_t i, mark;
	json_t *t;

	if (!taints || !seen ||
	    !vcheck_elems(v, taints, VT_OBJECT, "NodeSpec", "v1.Taint"))
		goto out;
	mark = vpath_child(v, "taints");
	json_array_foreach ((json_t *)taints, i, t) {
		size_t m = vpath_index(v, i);
		const char *key = vget_str(v, t, "key", "Taint");
		const char *val = vget_str(v, t, "value", "Taint");
		const char *effect = vget_str(v, t, "effect", "Taint");
		char pair[400], buf[512];
		const char *msg;

		vget_str(v, t, "timeAdded", "Taint");
		vcheck_qualified_name(v, "key", key ? key : "");
		msg =
		    label_value_message(val ? val : "", ";", buf, sizeof(buf));
		if (msg)
			verr_invalid_str(v, "value", val, msg);
		if (!effect || !*effect) {
			verr_required(v, "effect", NULL);
		} else {
			bool ok = false;

			for (size_t e = 0; taint_effects[e]; e++)
				ok |= !strcmp(effect, taint_effects[e]);
			if (!ok)
				verr_unsupported_str(v, "effect", effect,
						     taint_effects);
		}
		snprintf(pair, sizeof(pair), "%.300s\n%.30s", key ? key : "",
			 effect ? effect : "");
		if (json_object_get(seen, pair)) {
			char val2[VALIDATE_VALUE_MAX + 8];

			verr(
			    v, NULL,
			    "Duplicate value: %s: taints must be unique by key "
			    "and effect pair",
			    vvalue(t, val2, sizeof(val2)));
		} else {
			json_object_set_new(seen, pair, json_true());
		}
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
out:
	json_decref(seen);
}

static bool is_cidr(const char *s)
{
	char ip[64];
	const char *slash = strchr(s, '/');
	char *end;
	long bits;

	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return false;
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - s), s);
	bits = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || bits < 0)
		return false;
	return is_ipv4(ip) ? bits <= 32 : is_ip(ip) && bits <= 128;
}

static void resource_quantities(struct validation *v, const json_t *status,
				const char *key)
{
	const json_t *list =
	    vget(v, status, key, VT_OBJECT, "NodeStatus", "v1.ResourceList");
	size_t mark = vpath_child(v, key);
	const char *name;
	json_t *q;

	json_object_foreach ((json_t *)list, name, q) {
		struct quantity qty;
		char text[QUANTITY_STRLEN];
		size_t m = vpath_key(v, name);

		if (vget(v, list, name, VT_QUANTITY, "NodeStatus", NULL) &&
		    quantity_from_json(q, &qty) == 0 && quantity_sign(&qty) < 0)
			verr_invalid_str(v, NULL, quantity_format(&qty, text),
					 "must be greater than or equal to 0");
		vpath_pop(v, m);
	}
	vpath_pop(v, mark);
}

void validate_node(struct validation *v, const json_t *obj, const json_t *old)
{
	const json_t *spec =
	    vget(v, obj, "spec", VT_OBJECT, "Node", "v1.NodeSpec");
	const json_t *status =
	    vget(v, obj, "status", VT_OBJECT, "Node", "v1.NodeStatus");
	const json_t *cidrs;
	const char *s;
	size_t mark = vpath_child(v, "spec");

	vget(v, spec, "unschedulable", VT_BOOL, "NodeSpec", NULL);
	s = vget_str(v, spec, "podCIDR", "NodeSpec");
	if (s && *s && !is_cidr(s))
		verr_invalid_str(v, "podCIDR", s, "must be a valid CIDR");
	cidrs = vget(v, spec, "podCIDRs", VT_ARRAY, "NodeSpec", "[]string");
	if (cidrs && vcheck_elems(v, cidrs, VT_STRING, "NodeSpec", "string")) {
		size_t i;
		json_t *c;

		json_array_foreach ((json_t *)cidrs, i, c) {
			size_t m = vpath_child(v, "podCIDRs");

			vpath_index(v, i);
			if (!is_cidr(json_string_value(c)))
				verr_invalid(v, NULL, c,
					     "must be a valid CIDR");
			vpath_pop(v, m);
		}
		if (json_array_size(cidrs) > 2)
			verr_invalid(v, "podCIDRs", cidrs,
				     "may specify no more than one CIDR for "
				     "each IP family");
	}
	vget_str(v, spec, "providerID", "NodeSpec");
	node_taints(v, spec);
	vpath_pop(v, mark);

	mark = vpath_child(v, "status");
	resource_quantities(v, status, "capacity");
	resource_quantities(v, status, "allocatable");
	vget(v, status, "addresses", VT_ARRAY, "NodeStatus",
	     "[]v1.NodeAddress");
	vget(v, status, "conditions", VT_ARRAY, "NodeStatus",
	     "[]v1.NodeCondition");
	vpath_pop(v, mark);

	if (old) {
		static const char *const once[] = {"podCIDR", "providerID"};
		const json_t *ospec = json_object_get(old, "spec");

		for (size_t i = 0; i < 2; i++) {
			const char *was =
			    json_string_value(json_object_get(ospec, once[i]));
			const char *now =
			    json_string_value(json_object_get(spec, once[i]));
			char detail[128];

			if (!was || !*was || (now && !strcmp(was, now)))
				continue;
			snprintf(detail, sizeof(detail),
				 "node updates may not change %s except from "
				 "\"\" to valid",
				 once[i]);
			mark = vpath_child(v, "spec");
			verr_forbidden(v, i == 0 ? "podCIDRs" : once[i],
				       detail);
			vpath_pop(v, mark);
		}
	}
}

/* ---- ConfigMap and Secret ---- */

static void immutable_data(struct validation *v, const json_t *obj,
			   const json_t *old, const char *const *fields)
{
	if (!json_is_true(json_object_get(old, "immutable")))
		return;
	if (!json_is_true(json_object_get(obj, "immutable")))
		verr_forbidden(v, "immutable",
			       "field is immutable when `immutable` is set");
	for (size_t i = 0; fields[i]; i++) {
		json_t *a = json_object_get(obj, fields[i]);
		json_t *b = json_object_get(old, fields[i]);

		if ((a || b) && !json_equal(a, b))
			verr_forbidden(v, fields[i],
				       "field is immutable when `immutable` is "
				       "set");
	}
}

void validate_config_map(struct validation *v, const json_t *obj,
			 const json_t *old)
{
	static const char *const fields[] = {"data", "binaryData", NULL};
	const json_t *data = vget(v, obj, "data", VT_STRMAP, "ConfigMap", NULL);
	const json_t *bin = json_object_get(obj, "binaryData");
	size_t total = 0;
	const char *k;
	json_t *val;

	vget(v, obj, "immutable", VT_BOOL, "ConfigMap", NULL);
	json_object_foreach ((json_t *)data, k, val) {
		size_t mark = vpath_child(v, "data");

		vpath_key(v, k);
		vcheck_config_map_key(v, NULL, k);
		if (json_object_get(bin, k))
			verr_invalid_str(v, NULL, k,
					 "duplicate of key present in "
					 "binaryData");
		vpath_pop(v, mark);
		total += json_string_length(val);
	}
	total += byte_map(v, obj, "binaryData", "ConfigMap");
	if (total > MAX_SECRET_SIZE)
		verr_too_long(v, "", MAX_SECRET_SIZE);
	if (old)
		immutable_data(v, obj, old, fields);
}

static bool has_key(const json_t *obj, const char *key)
{
	return json_object_get(json_object_get(obj, "data"), key) != NULL;
}

void validate_secret(struct validation *v, const json_t *obj, const json_t *old)
{
	static const char *const fields[] = {"data", NULL};
	const char *type = vget_str(v, obj, "type", "Secret");
	size_t total;
	const char *sa;

	vget(v, obj, "immutable", VT_BOOL, "Secret", NULL);
	vget(v, obj, "stringData", VT_STRMAP, "Secret", NULL);
	total = byte_map(v, obj, "data", "Secret");
	if (total > MAX_SECRET_SIZE)
		verr_too_long(v, "data", MAX_SECRET_SIZE);
	if (!type)
		type = "";
	if (!strcmp(type, "kubernetes.io/service-account-token")) {
		sa = json_string_value(json_object_get(
		    json_object_get(json_object_get(obj, "metadata"),
				    "annotations"),
		    "kubernetes.io/service-account.name"));
		if (!sa || !*sa)
			verr_required(v,
				      "metadata.annotations[kubernetes.io/"
				      "service-account.name]",
				      NULL);
	} else if (!strcmp(type, "kubernetes.io/dockercfg")) {
		if (!has_key(obj, ".dockercfg"))
			verr_required(v, "data[.dockercfg]", NULL);
	} else if (!strcmp(type, "kubernetes.io/dockerconfigjson")) {
		if (!has_key(obj, ".dockerconfigjson"))
			verr_required(v, "data[.dockerconfigjson]", NULL);
	} else if (!strcmp(type, "kubernetes.io/basic-auth")) {
		if (!has_key(obj, "username") && !has_key(obj, "password")) {
			verr_required(v, "data[username]", NULL);
			verr_required(v, "data[password]", NULL);
		}
	} else if (!strcmp(type, "kubernetes.io/ssh-auth")) {
		const char *k = json_string_value(json_object_get(
		    json_object_get(obj, "data"), "ssh-privatekey"));

		if (!k || !*k)
			verr_required(v, "data[ssh-privatekey]", NULL);
	} else if (!strcmp(type, "kubernetes.io/tls")) {
		if (!has_key(obj, "tls.crt"))
			verr_required(v, "data[tls.crt]", NULL);
		if (!has_key(obj, "tls.key"))
			verr_required(v, "data[tls.key]", NULL);
	}
	if (old) {
		json_t *a = json_object_get(obj, "type");
		json_t *b = json_object_get(old, "type");

		if ((a || b) && !json_equal(a, b)) {
			if (a)
				verr_immutable(v, "type", a);
			else
				verr_invalid_str(v, "type", "",
						 "field is immutable");
		}
		immutable_data(v, obj, old, fields);
	}
}

/* ---- Event ---- */

void validate_event(struct validation *v, const json_t *obj, const json_t *old)
{
	const json_t *io = vget(v, obj, "involvedObject", VT_OBJECT, "Event",
				"v1.ObjectReference");
	const char *ns = json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), "namespace"));
	const char *ions;
	long long count;
	size_t mark;

	if (!ns)
		ns = "";
	if (!io) {
		/* kubefs: an Event must say what it is about */
		if (!json_object_get(obj, "involvedObject") ||
		    json_is_null(json_object_get(obj, "involvedObject")))
			verr_required(v, "involvedObject", NULL);
		return;
	}
	mark = vpath_child(v, "involvedObject");
	ions = vget_str(v, io, "namespace", "ObjectReference");
	vget_str(v, io, "kind", "ObjectReference");
	vget_str(v, io, "name", "ObjectReference");
	vget_str(v, io, "uid", "ObjectReference");
	vget_str(v, io, "apiVersion", "ObjectReference");
	vget_str(v, io, "fieldPath", "ObjectReference");
	if (!ions || !*ions) {
		if (*ns && strcmp(ns, "default"))
			verr_invalid_str(v, "namespace", "",
					 "does not match event.namespace");
	} else if (strcmp(ions, ns)) {
		verr_invalid_str(v, "namespace", ions,
				 "does not match event.namespace");
	}
	vpath_pop(v, mark);
	vget_str(v, obj, "reason", "Event");
	vget_str(v, obj, "message", "Event");
	vget_str(v, obj, "type", "Event");
	if (vget_int(v, obj, "count", VT_INT32, "Event", &count))
		vcheck_nonnegative(v, "count", count);
}

/* ---- ServiceAccount ---- */

void validate_service_account(struct validation *v, const json_t *obj,
			      const json_t *old)
{
	const json_t *x;

	vget(v, obj, "automountServiceAccountToken", VT_BOOL, "ServiceAccount",
	     NULL);
	x = vget(v, obj, "secrets", VT_ARRAY, "ServiceAccount",
		 "[]v1.ObjectReference");
	if (x)
		vcheck_elems(v, x, VT_OBJECT, "ServiceAccount",
			     "v1.ObjectReference");
	x = vget(v, obj, "imagePullSecrets", VT_ARRAY, "ServiceAccount",
		 "[]v1.LocalObjectReference");
	if (x)
		vcheck_elems(v, x, VT_OBJECT, "ServiceAccount",
			     "v1.LocalObjectReference");
}

/* ---- Lease ---- */

/*
 * metav1.MicroTime text, layout 2006-01-02T15:04:05.000000Z07:00. NULL
 * when s parses, else the element of the layout it fails at, with *rest
 * the unparsed text (Go's time.ParseError).
 */
static const char *micro_time(const char *s, const char **rest)
{
	static const struct {
		const char *elem;
		int digits; /* 0: literal */
	} layout[] = {
	    {"2006", 4}, {"-", 0}, {"01", 2}, {"-", 0},
	    {"02", 2},	 {"T", 0}, {"15", 2}, {":", 0},
	    {"04", 2},	 {":", 0}, {"05", 2}, {".000000", 6},
	};

	for (size_t i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
		const char *e = layout[i].elem;
		int d = layout[i].digits;

		*rest = s;
		if (d == 6 && *s++ != '.')
			return e;
		for (int k = 0; k < d; k++)
			if (!(s[k] >= '0' && s[k] <= '9'))
				return e;
		if (d == 0 && strncmp(s, e, strlen(e)))
			return e;
		s += d ? (size_t)d : strlen(e);
	}
	*rest = s;
	if (!strcmp(s, "Z"))
		return NULL;
	if ((s[0] == '+' || s[0] == '-') && s[1] >= '0' && s[1] <= '9' &&
	    s[2] >= '0' && s[2] <= '9' && s[3] == ':' && s[4] >= '0' &&
	    s[4] <= '9' && s[5] >= '0' && s[5] <= '9' && !s[6])
		return NULL;
	return "Z07:00";
}

void validate_lease(struct validation *v, const json_t *obj, const json_t *old)
{
	static const char *const times[] = {"acquireTime", "renewTime"};
	const json_t *spec =
	    vget(v, obj, "spec", VT_OBJECT, "Lease", "v1.LeaseSpec");
	const char *strategy, *preferred;
	size_t mark = vpath_child(v, "spec");
	long long n;

	vget_str(v, spec, "holderIdentity", "LeaseSpec");
	if (vget_int(v, spec, "leaseDurationSeconds", VT_INT32, "LeaseSpec",
		     &n) &&
	    n <= 0)
		verr_invalid_int(v, "leaseDurationSeconds", n,
				 "must be greater than 0");
	if (vget_int(v, spec, "leaseTransitions", VT_INT32, "LeaseSpec", &n))
		vcheck_nonnegative(v, "leaseTransitions", n);
	for (size_t i = 0; i < 2; i++) {
		const char *t = vget_str(v, spec, times[i], "LeaseSpec");
		const char *rest, *elem = t ? micro_time(t, &rest) : NULL;

		if (elem)
			verr_decode(v,
				    "parsing time \"%.64s\" as "
				    "\"2006-01-02T15:04:05.000000Z07:00\": "
				    "cannot parse \"%.64s\" as \"%s\"",
				    t, rest, elem);
	}
	strategy = vget_str(v, spec, "strategy", "LeaseSpec");
	preferred = vget_str(v, spec, "preferredHolder", "LeaseSpec");
	if (strategy && *strategy && !strchr(strategy, '/') &&
	    strcmp(strategy, "OldestEmulationVersion"))
		verr_invalid_str(v, "strategy", strategy,
				 "must be a qualified name or "
				 "OldestEmulationVersion");
	if (preferred && *preferred && (!strategy || !*strategy))
		verr_forbidden(
		    v, "preferredHolder",
		    "may only be specified if `strategy` is defined");
	vpath_pop(v, mark);
}
