/*
 * server_delete_opts.c — deletion with DeleteOptions (SPEC §3: a
 * DeleteOptions document written to NAME@delete).
 *
 *  - gracePeriodSeconds: as server_delete()'s grace (pods); 0 deletes a
 *    pod at once (what `--grace-period=0 --force` sends). Negative is
 *    refused.
 *  - preconditions.uid / preconditions.resourceVersion: the object must
 *    still be that one (409 Conflict, ESTALE, otherwise).
 *  - propagationPolicy: what becomes of the objects the deleted one owns
 *    (its dependents, by ownerReferences), carried out by the garbage
 *    collector in kubefs-ctrl, as in Kubernetes:
 *      Orphan      the "orphan" finalizer is added: the collector removes
 *                  the owner's references from the dependents, then the
 *                  finalizer, and the object goes;
 *      Foreground  the "foregroundDeletion" finalizer is added: the
 *                  collector deletes the dependents (those with
 *                  blockOwnerDeletion first), then removes the finalizer;
 *      Background  (the default) the object goes now; the collector then
 *                  deletes dependents whose owners are all gone.
 *    The finalizer is written first (compare-and-swap on the object read)
 *    and the deletion follows with that write's resourceVersion as its
 *    precondition, so nothing else slips in between.
 */
#include "apiserver/server_i.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

#define FIN_ORPHAN "orphan"
#define FIN_FOREGROUND "foregroundDeletion"

static int invalid(struct kf_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int invalid(struct kf_error *err, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return kf_error_set(err, -EINVAL,
			    "DeleteOptions.meta.k8s.io \"\" is invalid: %s",
			    detail);
}

int server_parse_delete_options(const json_t *doc, struct kf_error *err,
				struct server_delete_options *ret)
{
	struct server_delete_options o = {.grace_seconds = -1};
	json_t *g = json_object_get(doc, "gracePeriodSeconds");
	json_t *p = json_object_get(doc, "propagationPolicy");
	json_t *pre = json_object_get(doc, "preconditions");
	json_t *uid = json_object_get(pre, "uid");
	json_t *rv = json_object_get(pre, "resourceVersion");
	const char *s;
	char *end;

	kf_error_init(err);
	if (doc && !json_is_object(doc))
		return invalid(err, "expected a DeleteOptions object");
	if (g && !json_is_null(g)) {
		if (!json_is_integer(g))
			return invalid(err,
				       "gracePeriodSeconds: Invalid value: "
				       "must be an integer");
		if (json_integer_value(g) < 0)
			return invalid(err,
				       "gracePeriodSeconds: Invalid value: "
				       "%" JSON_INTEGER_FORMAT
				       ": must be greater than or equal to 0",
				       json_integer_value(g));
		o.grace_seconds = (long)json_integer_value(g);
	}
	if (p && !json_is_null(p)) {
		s = json_string_value(p);
		if (s && !strcmp(s, "Orphan"))
			o.propagation = SERVER_PROPAGATE_ORPHAN;
		else if (s && !strcmp(s, "Foreground"))
			o.propagation = SERVER_PROPAGATE_FOREGROUND;
		else if (s && !strcmp(s, "Background"))
			o.propagation = SERVER_PROPAGATE_BACKGROUND;
		else
			return invalid(err,
				       "propagationPolicy: Unsupported value: "
				       "\"%s\": supported values: "
				       "\"Foreground\", \"Background\", "
				       "\"Orphan\", \"nil\"",
				       s ? s : "");
	}
	if (json_is_true(json_object_get(doc, "orphanDependents")) &&
	    o.propagation)
		return invalid(err, "propagationPolicy: Invalid value: "
				    "orphanDependents and deletionPropagation "
				    "cannot be both set");
	if (json_is_boolean(json_object_get(doc, "orphanDependents")))
		o.propagation =
		    json_is_true(json_object_get(doc, "orphanDependents"))
			? SERVER_PROPAGATE_ORPHAN
			: SERVER_PROPAGATE_BACKGROUND;
	if (uid && !json_is_null(uid)) {
		if (!json_is_string(uid))
			return invalid(err, "preconditions.uid: Invalid value: "
					    "must be a string");
		snprintf(o.uid, sizeof(o.uid), "%s", json_string_value(uid));
	}
	if (rv && !json_is_null(rv)) {
		s = json_string_value(rv);
		o.resource_version = s ? strtoull(s, &end, 10) : 0;
		if (!s || !*s || *end || !o.resource_version)
			return invalid(err, "preconditions.resourceVersion: "
					    "Invalid value: must be a "
					    "resourceVersion");
	}
	*ret = o;
	return 0;
}

static bool has_finalizer(const json_t *obj, const char *f)
{
	size_t i;
	json_t *v;

	json_array_foreach (json_object_get(srv_meta(obj), "finalizers"), i, v)
		if (!strcmp(json_string_value(v) ?: "", f))
			return true;
	return false;
}

/* The finalizers the policy asks for, or NULL when they are right. */
static json_t *wanted_finalizers(const json_t *obj, enum server_propagation p)
{
	const char *add = p == SERVER_PROPAGATE_ORPHAN	     ? FIN_ORPHAN
			  : p == SERVER_PROPAGATE_FOREGROUND ? FIN_FOREGROUND
							     : NULL;
	const char *drop = p == SERVER_PROPAGATE_ORPHAN	      ? FIN_FOREGROUND
			   : p == SERVER_PROPAGATE_FOREGROUND ? FIN_ORPHAN
							      : NULL;
	json_t *out;
	size_t i;
	json_t *v;

	if (p == SERVER_PROPAGATE_DEFAULT)
		return NULL;
	if ((!add || has_finalizer(obj, add)) &&
	    (p != SERVER_PROPAGATE_BACKGROUND ||
	     (!has_finalizer(obj, FIN_ORPHAN) &&
	      !has_finalizer(obj, FIN_FOREGROUND))) &&
	    (!drop || !has_finalizer(obj, drop)))
		return NULL;
	out = json_array();
	json_array_foreach (json_object_get(srv_meta(obj), "finalizers"), i,
			    v) {
		const char *f = json_string_value(v) ?: "";

		if ((drop && !strcmp(f, drop)) ||
		    (p == SERVER_PROPAGATE_BACKGROUND &&
		     (!strcmp(f, FIN_ORPHAN) || !strcmp(f, FIN_FOREGROUND))))
			continue;
		json_array_append(out, v);
	}
	if (add && !has_finalizer(obj, add))
		json_array_append_new(out, json_string(add));
	return out;
}

int server_delete_with(struct server *srv, const struct kind_info *k,
		       const char *ns, const char *name,
		       const struct server_delete_options *o,
		       struct kf_error *err)
{
	_cleanup_json_ json_t *obj = NULL, *fins = NULL, *stored = NULL;
	uint64_t rv;
	int r;

	if (!srv || !k || !o)
		return -EINVAL;
	kf_error_init(err);
	r = server_get(srv, k, ns, name, err, &obj);
	if (r < 0)
		return r;
	rv = strtoull(srv_meta_str(obj, "resourceVersion") ?: "0", NULL, 10);
	if (o->uid[0] && strcmp(o->uid, srv_meta_str(obj, "uid") ?: ""))
		return kf_error_set(
		    err, -ESTALE,
		    "Operation cannot be fulfilled on " SRV_RES_FMT
		    " \"%s\": Precondition failed: UID in "
		    "precondition: %s, UID in object meta: %s",
		    SRV_RES_ARGS(k), name, o->uid,
		    srv_meta_str(obj, "uid") ?: "");
	if (o->resource_version && o->resource_version != rv)
		return kf_error_set(
		    err, -ESTALE,
		    "Operation cannot be fulfilled on " SRV_RES_FMT
		    " \"%s\": Precondition failed: ResourceVersion in "
		    "precondition: %" PRIu64 ", ResourceVersion in object "
		    "meta: %" PRIu64,
		    SRV_RES_ARGS(k), name, o->resource_version, rv);
	fins = srv_meta_str(obj, "deletionTimestamp")
		   ? NULL
		   : wanted_finalizers(obj, o->propagation);
	if (fins) {
		char rvs[32];
		_cleanup_json_ json_t *patch = NULL;

		snprintf(rvs, sizeof(rvs), "%" PRIu64, rv);
		patch = json_pack("{s:{s:O, s:s}}", "metadata", "finalizers",
				  fins, "resourceVersion", rvs);
		if (!patch)
			return -ENOMEM;
		r = server_patch(srv, k, ns, name, patch, 0, err, &stored);
		if (r < 0)
			return r;
		rv = strtoull(srv_meta_str(stored, "resourceVersion") ?: "0",
			      NULL, 10);
	}
	return server_delete(srv, k, ns, name, o->grace_seconds,
			     fins ? rv : o->resource_version, err);
}
