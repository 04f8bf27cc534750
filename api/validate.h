/*
 * validate.h — Kubernetes field validation: the error list, field paths,
 * decoding (type) checks, and the rules shared by kinds.
 *
 * A struct validation collects what Kubernetes calls a field.ErrorList
 * while a kind's rules walk an object (a jansson tree), then turns it into
 * the one sentence kube-apiserver returns:
 *
 *   <Kind[.group]> "<name>" is invalid: <error>
 *   <Kind[.group]> "<name>" is invalid: [<error>, <error>, ...]
 *
 * where each error is "<field path>: <type>[: <value>][: <detail>]", with
 * the types and value rendering of k8s.io/apimachinery's field.Error
 * (Kubernetes 1.34): "Required value", "Invalid value", "Unsupported
 * value", "Duplicate value", "Not found", "Forbidden", "Too long", "Too
 * many"; strings are Go-quoted, numbers and booleans plain, anything else
 * compact JSON. Identical errors are reported once, as Kubernetes'
 * ToAggregate() does.
 *
 * A value of the wrong JSON type is not a validation error in Kubernetes
 * but a decoding error, and replaces the whole sentence:
 *
 *   Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal
 *   string into Go struct field PodSpec.spec.containers of type
 *   []v1.Container
 *
 * Only the first decoding error is kept. The typed getters below (vget*)
 * record it and return NULL, so rules simply skip what they cannot read.
 *
 * Limits: at most VALIDATE_MAX_ERRORS errors are kept (later ones are
 * counted and dropped); rendered values are cut at VALIDATE_VALUE_MAX
 * bytes; paths at VALIDATE_PATH_MAX. Rules never recurse on user data
 * beyond the fixed shape of a kind. Nothing here prints.
 */
#ifndef KUBEFS_API_VALIDATE_H
#define KUBEFS_API_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/error.h"
#include "api/kinds.h"
#include "api/netaddr.h"
#include "api/quantity.h"

#define VALIDATE_MAX_ERRORS 20
#define VALIDATE_PATH_MAX 384
#define VALIDATE_VALUE_MAX 256
#define VALIDATE_DECODE_MAX 640

struct validation {
	const struct kind_info *kind; /* borrowed; for decoding errors */
	char path[VALIDATE_PATH_MAX]; /* current field path */
	size_t len;
	char *errs[VALIDATE_MAX_ERRORS]; /* owned, "<path>: <body>" */
	unsigned nerrs;
	unsigned dropped;		  /* errors beyond the cap */
	char decode[VALIDATE_DECODE_MAX]; /* first decoding error or "" */
	bool nomem;
};

/* Start an empty list for an object of kind k (NULL allowed). */
void validation_init(struct validation *v, const struct kind_info *k);
/* Free the messages; v may be reused after validation_init(). */
void validation_release(struct validation *v);

/* No error and no decoding error so far. */
bool validation_ok(const struct validation *v);

/*
 * Turn the list into the result: 0 when empty, else -EINVAL with err
 * holding the sentence for the object named name (NULL or "" prints "").
 * -ENOMEM if a message could not be stored.
 */
int validation_finish(struct validation *v, const char *name,
		      struct kf_error *err);

/*
 * Validate obj as kind k without defaulting it: ObjectMeta (create or,
 * with old, update rules) then k->check. 0 or -EINVAL with the sentence
 * in err (-ENOMEM if out of memory). kind_admit() is defaulting plus this.
 */
/* A JSON value's type as Go's encoding/json names it in messages
 * ("object", "array", "string", "number", "bool", "null"). */
const char *json_type_name(const json_t *x);

int kind_validate(const struct kind_info *k, const json_t *obj,
		  const json_t *old, struct kf_error *err);

/* ---- field paths ----
 * Each push returns a mark; vpath_pop() restores it. Paths read as
 * Kubernetes prints them: spec.containers[0].resources.limits[cpu].
 * A NULL or "" child leaves the path as it is.
 */
size_t vpath_child(struct validation *v, const char *name);
size_t vpath_index(struct validation *v, size_t i);
size_t vpath_key(struct validation *v, const char *key);
void vpath_pop(struct validation *v, size_t mark);

/* ---- errors, at the current path plus child (child may be NULL) ---- */

/* "<path>: <printf body>": the general form. */
void verr(struct validation *v, const char *child, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Required value[: detail] */
void verr_required(struct validation *v, const char *child, const char *detail);
/* Invalid value: <value>: <detail> (value: JSON, rendered Go-style) */
void verr_invalid(struct validation *v, const char *child, const json_t *value,
		  const char *detail);
void verr_invalid_str(struct validation *v, const char *child,
		      const char *value, const char *detail);
void verr_invalid_int(struct validation *v, const char *child, long long value,
		      const char *detail);
/* Unsupported value: "x": supported values: "a", "b" (list ends NULL) */
void verr_unsupported(struct validation *v, const char *child,
		      const json_t *value, const char *const *supported);
void verr_unsupported_str(struct validation *v, const char *child,
			  const char *value, const char *const *supported);
/* Duplicate value: <value> */
void verr_duplicate(struct validation *v, const char *child,
		    const json_t *value);
void verr_duplicate_str(struct validation *v, const char *child,
			const char *value);
/* Not found: <value> */
void verr_not_found_str(struct validation *v, const char *child,
			const char *value);
/* Forbidden: <detail> */
void verr_forbidden(struct validation *v, const char *child,
		    const char *detail);
/* Too long: may not be more than N bytes */
void verr_too_long(struct validation *v, const char *child, size_t max);
/* Too many: n: must have at most N items */
void verr_too_many(struct validation *v, const char *child, size_t n,
		   size_t max);
/* Invalid value: <value>: field is immutable */
void verr_immutable(struct validation *v, const char *child,
		    const json_t *value);

/* Record a decoding error (the text after "cannot be handled as a K: "),
 * unless one is already recorded. */
void verr_decode(struct validation *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Render value as field.Error prints a bad value, cut to
 * VALIDATE_VALUE_MAX. Returns buf. */
char *vvalue(const json_t *value, char *buf, size_t size);
/* Go's %q of s (cut to VALIDATE_VALUE_MAX). Returns buf. */
char *vquote(const char *s, char *buf, size_t size);

/* ---- typed reads (decoding checks) ----
 * Read obj[key] expecting a JSON type as Go would decode it into a field
 * of the struct owner ("PodSpec") with Go type gotype ("[]v1.Container",
 * "v1.PodSecurityContext"; NULL for the scalar kinds, which name their
 * own type). Absent and null give NULL. A wrong type records
 *   json: cannot unmarshal <json type> into Go struct field
 *   <owner>.<path>.<key> of type <gotype>
 * and gives NULL. The path is the current one with indices removed.
 */
enum vtype {
	VT_STRING,   /* string */
	VT_BOOL,     /* bool */
	VT_INT32,    /* int32: integer in range */
	VT_INT64,    /* int64 */
	VT_OBJECT,   /* a struct: gotype required */
	VT_ARRAY,    /* a slice: gotype required ("[]string" ...) */
	VT_STRMAP,   /* map[string]string: object of strings */
	VT_INTSTR,   /* intstr.IntOrString: int32 or string */
	VT_QUANTITY, /* resource.Quantity: string or number that parses */
	VT_BYTES,    /* []byte: a base64 string */
};

const json_t *vget(struct validation *v, const json_t *obj, const char *key,
		   enum vtype type, const char *owner, const char *gotype);

/* Convenience readers on top of vget(). */
const char *vget_str(struct validation *v, const json_t *obj, const char *key,
		     const char *owner);
/* *ret (untouched if absent) from an int32/int64 field; true if present. */
bool vget_int(struct validation *v, const json_t *obj, const char *key,
	      enum vtype type, const char *owner, long long *ret);

/* Check each element of array arr (already read) as Go's gotype. Elements
 * of the wrong type record a decoding error. Returns false if any did. */
bool vcheck_elems(struct validation *v, const json_t *arr, enum vtype type,
		  const char *owner, const char *gotype);

/* ---- name and string formats (validate_meta.c) ----
 * Each returns the number of messages it added for value at child. */

/* Kubernetes' name rules, by kind (apimachinery NameIs*). */
enum name_rule {
	NAME_DNS_SUBDOMAIN, /* RFC 1123 subdomain, 253 */
	NAME_DNS_LABEL,	    /* RFC 1123 label, 63 */
	NAME_DNS1035_LABEL, /* RFC 1035 label, 63 (Service) */
	NAME_PATH_SEGMENT,  /* not "." or "..", no '/' or '%' (RBAC kinds) */
};

/* Messages (Kubernetes' wording) for value under rule; prefix: a
 * generateName, where a trailing '-' is allowed. Fills up to 2 pointers
 * into msgs (static strings or buf) and returns how many. */
int name_messages(enum name_rule rule, const char *value, bool prefix,
		  const char *msgs[2], char *buf, size_t size);

/* Is s a valid metadata.name under rule (name_messages() has none)? */
bool name_valid(enum name_rule rule, const char *s);

bool is_dns1123_label(const char *s);
bool is_dns1123_subdomain(const char *s);
bool is_dns1035_label(const char *s);
/* Label key / qualified name ([prefix/]name). */
bool is_qualified_name(const char *s);
bool is_label_value(const char *s);
bool is_config_map_key(const char *s);
bool is_c_identifier(const char *s);
/* is_ip() and is_ipv4(): api/netaddr.h */

/* IsValidLabelValue's messages joined with sep into buf, or NULL when
 * s is a valid label value. Kubernetes joins with ";" for taints and
 * tolerations, with "; " in label selectors. */
const char *label_value_message(const char *s, const char *sep, char *buf,
				size_t size);
/* IsQualifiedName's messages joined with sep into buf (cut to size), or
 * NULL when s is a valid qualified name (label key). */
const char *qualified_name_message(const char *s, const char *sep, char *buf,
				   size_t size);

int vcheck_dns1123_label(struct validation *v, const char *child,
			 const char *value);
int vcheck_dns1123_subdomain(struct validation *v, const char *child,
			     const char *value);
int vcheck_qualified_name(struct validation *v, const char *child,
			  const char *value);
int vcheck_label_value(struct validation *v, const char *child,
		       const char *value);
int vcheck_config_map_key(struct validation *v, const char *child,
			  const char *value);
/* IANA_SVC_NAME (port names). */
int vcheck_port_name(struct validation *v, const char *child,
		     const char *value);
/* 1..65535 */
int vcheck_port_num(struct validation *v, const char *child, long long port);
/* An IntOrString port: number 1-65535 or IANA_SVC_NAME. */
void vcheck_port_num_or_name(struct validation *v, const char *child,
			     const json_t *value);
/* value >= 0 */
void vcheck_nonnegative(struct validation *v, const char *child,
			long long value);

/* ---- shared object parts (validate_meta.c) ---- */

/*
 * metadata of an object with the kind's name rule. On update the name's
 * format is not checked again (Kubernetes' ValidateObjectMetaUpdate).
 * Returns metadata (borrowed) or NULL.
 */
const json_t *validate_object_meta(struct validation *v, const json_t *obj,
				   enum name_rule rule, bool namespaced,
				   bool update);
/* metadata changes an update may not make (old is the stored object). */
void validate_object_meta_update(struct validation *v, const json_t *obj,
				 const json_t *old);
/* A map of labels at the current path + child. */
void validate_labels(struct validation *v, const json_t *labels,
		     const char *child);
/* A map of annotations (keys, total size). */
void validate_annotations(struct validation *v, const json_t *annotations,
			  const char *child);
/* A metav1.LabelSelector at child (read with vget). */
void validate_label_selector(struct validation *v, const json_t *selector,
			     const char *child);

/*
 * Does selector (a LabelSelector object, may be NULL) match labels (an
 * object of strings, may be NULL)? A NULL selector matches nothing, an
 * empty one everything, as metav1.LabelSelectorAsSelector. Returns -1
 * when the selector cannot be converted (bad operator).
 */
int selector_matches_labels(const json_t *selector, const json_t *labels);
/* The selector selects everything (no matchLabels, no expressions). */
bool selector_is_empty(const json_t *selector);

/* ---- pods (validate_pod.c, validate_container.c) ---- */

enum pod_spec_ctx {
	POD_SPEC_POD,	   /* a Pod's spec */
	POD_SPEC_TEMPLATE, /* a PodTemplateSpec's spec */
};

/* A PodSpec at the current path (e.g. "spec" or
 * "spec.template.spec"); spec already read as an object. */
void validate_pod_spec(struct validation *v, const json_t *spec,
		       enum pod_spec_ctx ctx);
/* A PodTemplateSpec at child (e.g. "template"): labels, annotations and
 * the spec. Returns the template's labels (borrowed, may be NULL). */
const json_t *validate_pod_template(struct validation *v, const json_t *parent,
				    const char *child, const char *owner);

/* Containers of a pod spec (validate_container.c). volumes: the pod's
 * volume names as a JSON object used as a set. */
void validate_containers(struct validation *v, const json_t *spec,
			 const json_t *volumes, enum pod_spec_ctx ctx);
/* spec.tolerations */
void validate_tolerations(struct validation *v, const json_t *tolerations);

/* ---- per kind: the rules after ObjectMeta ----
 * old is the stored object on update, NULL on create. */
void validate_namespace(struct validation *v, const json_t *obj,
			const json_t *old);
void validate_node(struct validation *v, const json_t *obj, const json_t *old);
void validate_pod(struct validation *v, const json_t *obj, const json_t *old);
void validate_service(struct validation *v, const json_t *obj,
		      const json_t *old);
void validate_endpoints(struct validation *v, const json_t *obj,
			const json_t *old);
void validate_config_map(struct validation *v, const json_t *obj,
			 const json_t *old);
void validate_secret(struct validation *v, const json_t *obj,
		     const json_t *old);
void validate_event(struct validation *v, const json_t *obj, const json_t *old);
void validate_service_account(struct validation *v, const json_t *obj,
			      const json_t *old);
void validate_resource_quota(struct validation *v, const json_t *obj,
			     const json_t *old);
void validate_limit_range(struct validation *v, const json_t *obj,
			  const json_t *old);
void validate_deployment(struct validation *v, const json_t *obj,
			 const json_t *old);
void validate_replica_set(struct validation *v, const json_t *obj,
			  const json_t *old);
void validate_daemon_set(struct validation *v, const json_t *obj,
			 const json_t *old);
void validate_stateful_set(struct validation *v, const json_t *obj,
			   const json_t *old);
void validate_job(struct validation *v, const json_t *obj, const json_t *old);
void validate_cron_job(struct validation *v, const json_t *obj,
		       const json_t *old);
void validate_lease(struct validation *v, const json_t *obj, const json_t *old);
/* metrics.k8s.io/v1beta1 (validate_metrics.c) */
void validate_pod_metrics(struct validation *v, const json_t *obj,
			  const json_t *old);
void validate_node_metrics(struct validation *v, const json_t *obj,
			   const json_t *old);
/* A v1.ResourceList at parent.field of struct owner: quantities, none
 * negative (validate_quota.c). */
void validate_resource_list(struct validation *v, const json_t *parent,
			    const char *field, const char *owner);
void validate_endpoint_slice(struct validation *v, const json_t *obj,
			     const json_t *old);
/* rbac.authorization.k8s.io/v1 (validate_rbac.c) */
void validate_role(struct validation *v, const json_t *obj, const json_t *old);
void validate_cluster_role(struct validation *v, const json_t *obj,
			   const json_t *old);
void validate_role_binding(struct validation *v, const json_t *obj,
			   const json_t *old);
void validate_cluster_role_binding(struct validation *v, const json_t *obj,
				   const json_t *old);

/*
 * Parse a cron schedule as Kubernetes does (robfig/cron ParseStandard:
 * five fields or a @descriptor). 0, or -EINVAL with the parser's message
 * in buf.
 */
int cron_parse(const char *schedule, char *buf, size_t size);

#endif
