/*
 * validate_apps.c — apps/v1: Deployment, ReplicaSet, DaemonSet,
 * StatefulSet (pkg/apis/apps/validation).
 */
#include "api/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

#define PERCENT_MSG                                                            \
	"a valid percent string must be a numeric string followed by an "      \
	"ending '%' (e.g. '1%',  or '93%', regex used for validation is "      \
	"'[0-9]+%')"

static const char *const deploy_strategies[] = {"Recreate", "RollingUpdate",
						NULL};
static const char *const ds_strategies[] = {"RollingUpdate", "OnDelete", NULL};
static const char *const always[] = {"Always", NULL};
static const char *const retention[] = {"Retain", "Delete", NULL};

/* "25%" → 25 and true; anything else false. */
static bool percent_value(const json_t *x, long *ret)
{
	const char *s = json_string_value(x);
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || s[n - 1] != '%')
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	*ret = strtol(s, NULL, 10);
	return true;
}

/* intstr's IntValue() after percent handling (getIntOrPercentValue). */
static long int_or_percent(const json_t *x)
{
	long p;

	if (percent_value(x, &p))
		return p;
	if (json_is_integer(x))
		return (long)json_integer_value(x);
	if (json_is_string(x))
		return strtol(json_string_value(x), NULL, 10);
	return 0;
}

static void positive_int_or_percent(struct validation *v, const char *child,
				    const json_t *x)
{
	long p;

	if (json_is_string(x) && !percent_value(x, &p))
		verr_invalid(v, child, x, PERCENT_MSG);
	else if (json_is_integer(x))
		vcheck_nonnegative(v, child, json_integer_value(x));
}

static void not_over_100(struct validation *v, const char *child,
			 const json_t *x)
{
	long p;

	if (percent_value(x, &p) && p > 100)
		verr_invalid(v, child, x, "must not be greater than 100%");
}

/* A nonnegative optional int32 field of spec. */
static void nonneg(struct validation *v, const json_t *spec, const char *key,
		   const char *owner)
{
	long long n;

	if (vget_int(v, spec, key, VT_INT32, owner, &n))
		vcheck_nonnegative(v, key, n);
}

/*
 * spec.selector and spec.template as ReplicaSets, Deployments and
 * StatefulSets check them: required selector, valid, not empty, matching
 * the template's labels, template valid, restartPolicy Always and no
 * activeDeadlineSeconds. what: "deployment" / "statefulset" / "daemonset".
 */
static void selector_and_template(struct validation *v, const json_t *spec,
				  const char *owner, const char *what,
				  const char *kind, bool required)
{
	const json_t *sel =
	    vget(v, spec, "selector", VT_OBJECT, owner, "v1.LabelSelector");
	const json_t *tmpl, *labels, *tspec;
	int match;
	char detail[96];

	if (!sel && required)
		verr_required(v, "selector", NULL);
	if (sel) {
		validate_label_selector(v, sel, "selector");
		if (selector_is_empty(sel)) {
			snprintf(detail, sizeof(detail),
				 "empty selector is invalid for %s", what);
			verr_invalid(v, "selector", sel, detail);
		}
	}
	tmpl = json_object_get(spec, "template");
	labels = json_object_get(json_object_get(tmpl, "metadata"), "labels");
	match = selector_matches_labels(sel, labels);
	if (match < 0 && required) {
		verr_invalid(v, "selector", sel, "invalid label selector");
	} else if (match == 0 && (!sel || !selector_is_empty(sel))) {
		if (labels)
			verr_invalid(v, "template.metadata.labels", labels,
				     "`selector` does not match template "
				     "`labels`");
		else
			verr(v, "template.metadata.labels",
			     "Invalid value: null: `selector` does not match "
			     "template `labels`");
	}
	if (match < 0 && required)
		return;
	validate_pod_template(v, spec, "template", owner);
	tspec = json_object_get(tmpl, "spec");
	if (json_is_object(tspec)) {
		const char *rp =
		    json_string_value(json_object_get(tspec, "restartPolicy"));

		if (rp && strcmp(rp, "Always"))
			verr_unsupported_str(v, "template.spec.restartPolicy",
					     rp, always);
		if (json_object_get(tspec, "activeDeadlineSeconds")) {
			snprintf(detail, sizeof(detail),
				 "activeDeadlineSeconds in %s is not Supported",
				 kind);
			verr_forbidden(v, "template.spec.activeDeadlineSeconds",
				       detail);
		}
	}
}

static void selector_immutable(struct validation *v, const json_t *obj,
			       const json_t *old)
{
	json_t *a = json_object_get(json_object_get(obj, "spec"), "selector");
	json_t *b = json_object_get(json_object_get(old, "spec"), "selector");

	if (!json_equal(a, b) && !(a == NULL && b == NULL))
		verr_immutable(v, "spec.selector", a);
}

/* Open obj.spec (Go type gotype); the path is left at "spec". */
static const json_t *open_spec(struct validation *v, const json_t *obj,
			       const char *owner, const char *gotype,
			       json_t **ret_empty, size_t *mark)
{
	const json_t *spec = vget(v, obj, "spec", VT_OBJECT, owner, gotype);

	*ret_empty = NULL;
	if (!spec)
		spec = *ret_empty = json_object();
	*mark = vpath_child(v, "spec");
	return spec;
}

/* ---- Deployment ---- */

static void deployment_strategy(struct validation *v, const json_t *spec)
{
	const json_t *st = vget(v, spec, "strategy", VT_OBJECT,
				"DeploymentSpec", "v1.DeploymentStrategy");
	const json_t *ru, *mu, *ms;
	const char *type;
	size_t mark = vpath_child(v, "strategy");

	type = vget_str(v, st, "type", "DeploymentStrategy");
	ru = vget(v, st, "rollingUpdate", VT_OBJECT, "DeploymentStrategy",
		  "v1.RollingUpdateDeployment");
	if (type && !strcmp(type, "Recreate")) {
		if (ru)
			verr_forbidden(v, "rollingUpdate",
				       "may not be specified when strategy "
				       "`type` is 'Recreate'");
	} else if (type && !strcmp(type, "RollingUpdate")) {
		if (!ru) {
			verr_required(v, "rollingUpdate",
				      "this should be defaulted and never be "
				      "nil");
		} else {
			size_t m = vpath_child(v, "rollingUpdate");

			mu = vget(v, ru, "maxUnavailable", VT_INTSTR, NULL,
				  NULL);
			ms = vget(v, ru, "maxSurge", VT_INTSTR, NULL, NULL);
			positive_int_or_percent(v, "maxUnavailable", mu);
			positive_int_or_percent(v, "maxSurge", ms);
			if (int_or_percent(mu) == 0 &&
			    int_or_percent(ms) == 0) {
				if (mu)
					verr_invalid(v, "maxUnavailable", mu,
						     "may not be 0 when "
						     "`maxSurge` is 0");
				else
					verr_invalid_int(v, "maxUnavailable", 0,
							 "may not be 0 when "
							 "`maxSurge` is 0");
			}
			not_over_100(v, "maxUnavailable", mu);
			vpath_pop(v, m);
		}
	} else if (st) {
		verr_unsupported(v, NULL, st, deploy_strategies);
	} else {
		verr(v, NULL,
		     "Unsupported value: {}: supported values: "
		     "\"Recreate\", \"RollingUpdate\"");
	}
	vpath_pop(v, mark);
}

void validate_deployment(struct validation *v, const json_t *obj,
			 const json_t *old)
{
	_cleanup_json_ json_t *empty = NULL;
	size_t mark;
	const json_t *spec =
	    open_spec(v, obj, "Deployment", "v1.DeploymentSpec", &empty, &mark);
	long long min_ready = 0, deadline;

	nonneg(v, spec, "replicas", "DeploymentSpec");
	selector_and_template(v, spec, "DeploymentSpec", "deployment",
			      "ReplicaSet", true);
	deployment_strategy(v, spec);
	vget_int(v, spec, "minReadySeconds", VT_INT32, "DeploymentSpec",
		 &min_ready);
	vcheck_nonnegative(v, "minReadySeconds", min_ready);
	nonneg(v, spec, "revisionHistoryLimit", "DeploymentSpec");
	vget(v, spec, "paused", VT_BOOL, "DeploymentSpec", NULL);
	if (vget_int(v, spec, "progressDeadlineSeconds", VT_INT32,
		     "DeploymentSpec", &deadline)) {
		vcheck_nonnegative(v, "progressDeadlineSeconds", deadline);
		if (deadline <= min_ready)
			verr_invalid_int(v, "progressDeadlineSeconds", deadline,
					 "must be greater than "
					 "minReadySeconds");
	}
	vpath_pop(v, mark);
	if (old)
		selector_immutable(v, obj, old);
}

/* ---- ReplicaSet ---- */

void validate_replica_set(struct validation *v, const json_t *obj,
			  const json_t *old)
{
	_cleanup_json_ json_t *empty = NULL;
	size_t mark;
	const json_t *spec =
	    open_spec(v, obj, "ReplicaSet", "v1.ReplicaSetSpec", &empty, &mark);

	nonneg(v, spec, "replicas", "ReplicaSetSpec");
	nonneg(v, spec, "minReadySeconds", "ReplicaSetSpec");
	/* Kubernetes says "deployment" here too */
	selector_and_template(v, spec, "ReplicaSetSpec", "deployment",
			      "ReplicaSet", true);
	vpath_pop(v, mark);
	if (old)
		selector_immutable(v, obj, old);
}

/* ---- DaemonSet ---- */

static void daemon_set_strategy(struct validation *v, const json_t *spec)
{
	const json_t *st = vget(v, spec, "updateStrategy", VT_OBJECT,
				"DaemonSetSpec", "v1.DaemonSetUpdateStrategy");
	const char *type = vget_str(v, st, "type", "DaemonSetUpdateStrategy");
	const json_t *ru;
	size_t mark = vpath_child(v, "updateStrategy");

	ru = vget(v, st, "rollingUpdate", VT_OBJECT, "DaemonSetUpdateStrategy",
		  "v1.RollingUpdateDaemonSet");
	if (type && !strcmp(type, "OnDelete")) {
		/* nothing to check */
	} else if (type && !strcmp(type, "RollingUpdate")) {
		if (!ru) {
			verr_required(v, "rollingUpdate", NULL);
		} else {
			size_t m = vpath_child(v, "rollingUpdate");
			const json_t *mu = vget(v, ru, "maxUnavailable",
						VT_INTSTR, NULL, NULL);
			const json_t *ms =
			    vget(v, ru, "maxSurge", VT_INTSTR, NULL, NULL);
			bool has_mu = int_or_percent(mu) != 0;
			bool has_ms = int_or_percent(ms) != 0;

			positive_int_or_percent(v, "maxUnavailable", mu);
			positive_int_or_percent(v, "maxSurge", ms);
			not_over_100(v, "maxUnavailable", mu);
			not_over_100(v, "maxSurge", ms);
			if (has_mu && has_ms)
				verr_invalid(v, "maxSurge", ms,
					     "may not be set when "
					     "maxUnavailable is non-zero");
			else if (!has_mu && !has_ms)
				verr_required(v, "maxUnavailable",
					      "cannot be 0 when maxSurge is 0");
			vpath_pop(v, m);
		}
	} else if (st) {
		verr_unsupported(v, NULL, st, ds_strategies);
	} else {
		verr(v, NULL,
		     "Unsupported value: {}: supported values: "
		     "\"RollingUpdate\", \"OnDelete\"");
	}
	vpath_pop(v, mark);
}

void validate_daemon_set(struct validation *v, const json_t *obj,
			 const json_t *old)
{
	_cleanup_json_ json_t *empty = NULL;
	size_t mark;
	const json_t *spec =
	    open_spec(v, obj, "DaemonSet", "v1.DaemonSetSpec", &empty, &mark);

	selector_and_template(v, spec, "DaemonSetSpec", "daemonset",
			      "DaemonSet", false);
	nonneg(v, spec, "minReadySeconds", "DaemonSetSpec");
	daemon_set_strategy(v, spec);
	nonneg(v, spec, "revisionHistoryLimit", "DaemonSetSpec");
	vpath_pop(v, mark);
	if (old)
		selector_immutable(v, obj, old);
}

/* ---- StatefulSet ---- */

static void stateful_set_strategy(struct validation *v, const json_t *spec)
{
	const json_t *st =
	    vget(v, spec, "updateStrategy", VT_OBJECT, "StatefulSetSpec",
		 "v1.StatefulSetUpdateStrategy");
	const char *type = vget_str(v, st, "type", "StatefulSetUpdateStrategy");
	const json_t *ru =
	    vget(v, st, "rollingUpdate", VT_OBJECT, "StatefulSetUpdateStrategy",
		 "v1.RollingUpdateStatefulSetStrategy");
	size_t mark;

	if (!type || !*type) {
		verr_required(v, "updateStrategy", NULL);
		return;
	}
	mark = vpath_child(v, "updateStrategy");
	if (!strcmp(type, "OnDelete")) {
		if (ru)
			verr_invalid(v, "rollingUpdate", ru,
				     "only allowed for updateStrategy "
				     "'RollingUpdate'");
	} else if (!strcmp(type, "RollingUpdate")) {
		if (ru) {
			size_t m = vpath_child(v, "rollingUpdate");
			const json_t *mu = vget(v, ru, "maxUnavailable",
						VT_INTSTR, NULL, NULL);

			nonneg(v, ru, "partition",
			       "RollingUpdateStatefulSetStrategy");
			if (mu) {
				positive_int_or_percent(v, "maxUnavailable",
							mu);
				if (int_or_percent(mu) == 0)
					verr_invalid(v, "maxUnavailable", mu,
						     "cannot be 0");
				not_over_100(v, "maxUnavailable", mu);
			}
			vpath_pop(v, m);
		}
	} else {
		vpath_pop(v, mark);
		verr_invalid(v, "updateStrategy", st,
			     "must be 'RollingUpdate' or 'OnDelete'");
		return;
	}
	vpath_pop(v, mark);
}

static void stateful_set_retention(struct validation *v, const json_t *spec)
{
	static const char *const fields[] = {"whenDeleted", "whenScaled"};
	const json_t *p =
	    vget(v, spec, "persistentVolumeClaimRetentionPolicy", VT_OBJECT,
		 "StatefulSetSpec",
		 "v1.StatefulSetPersistentVolumeClaimRetentionPolicy");
	size_t mark;

	if (!p)
		return;
	mark = vpath_child(v, "persistentVolumeClaimRetentionPolicy");
	for (size_t i = 0; i < 2; i++) {
		const char *s =
		    vget_str(v, p, fields[i],
			     "StatefulSetPersistentVolumeClaimRetentionPolicy");
		bool ok = s && (!strcmp(s, "Retain") || !strcmp(s, "Delete"));

		if (!ok)
			verr_unsupported_str(v, fields[i], s ? s : "",
					     retention);
	}
	vpath_pop(v, mark);
}

/* Everything but these fields is fixed once a StatefulSet exists. */
static void stateful_set_update(struct validation *v, const json_t *obj,
				const json_t *old)
{
	static const char *const mutable[] = {
	    "replicas",
	    "ordinals",
	    "template",
	    "updateStrategy",
	    "persistentVolumeClaimRetentionPolicy",
	    "minReadySeconds"};
	_cleanup_json_ json_t *a = json_deep_copy(json_object_get(obj, "spec"));
	_cleanup_json_ json_t *b = json_deep_copy(json_object_get(old, "spec"));

	if (!json_is_object(a) || !json_is_object(b))
		return;
	for (size_t i = 0; i < sizeof(mutable) / sizeof(mutable[0]); i++) {
		json_object_del(a, mutable[i]);
		json_object_del(b, mutable[i]);
	}
	if (!json_equal(a, b))
		verr_forbidden(v, "spec",
			       "updates to statefulset spec for fields other "
			       "than 'replicas', 'ordinals', 'template', "
			       "'updateStrategy', "
			       "'persistentVolumeClaimRetentionPolicy' and "
			       "'minReadySeconds' are forbidden");
}

void validate_stateful_set(struct validation *v, const json_t *obj,
			   const json_t *old)
{
	_cleanup_json_ json_t *empty = NULL;
	size_t mark;
	const json_t *spec = open_spec(v, obj, "StatefulSet",
				       "v1.StatefulSetSpec", &empty, &mark);
	const char *pmp =
	    vget_str(v, spec, "podManagementPolicy", "StatefulSetSpec");
	const json_t *ord;

	if (!pmp || !*pmp)
		verr_required(v, "podManagementPolicy", NULL);
	else if (strcmp(pmp, "OrderedReady") && strcmp(pmp, "Parallel"))
		verr_invalid_str(v, "podManagementPolicy", pmp,
				 "must be 'OrderedReady' or 'Parallel'");
	stateful_set_strategy(v, spec);
	stateful_set_retention(v, spec);
	nonneg(v, spec, "replicas", "StatefulSetSpec");
	nonneg(v, spec, "minReadySeconds", "StatefulSetSpec");
	vget_str(v, spec, "serviceName", "StatefulSetSpec");
	ord = vget(v, spec, "ordinals", VT_OBJECT, "StatefulSetSpec",
		   "v1.StatefulSetOrdinals");
	if (ord) {
		long long start;

		if (vget_int(v, ord, "start", VT_INT32, "StatefulSetOrdinals",
			     &start))
			vcheck_nonnegative(v, "ordinals.start", start);
	}
	vget(v, spec, "volumeClaimTemplates", VT_ARRAY, "StatefulSetSpec",
	     "[]v1.PersistentVolumeClaim");
	selector_and_template(v, spec, "StatefulSetSpec", "statefulset",
			      "StatefulSet", true);
	vpath_pop(v, mark);
	if (old) {
		selector_immutable(v, obj, old);
		stateful_set_update(v, obj, old);
	}
}
