/*
 * defaults_apps.c — apps/v1 and batch/v1 defaulting
 * (pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go) and the
 * Job selector generation of the Job strategy.
 */
#include "api/defaults.h"

#include <stdbool.h>
#include <string.h>

#define CONTROLLER_UID "batch.kubernetes.io/controller-uid"
#define JOB_NAME "batch.kubernetes.io/job-name"

static bool unset(const json_t *x)
{
	return !x || json_is_null(x);
}

static void template_defaults(json_t *spec)
{
	defaults_pod_template(dflt_object(spec, "template"));
}

void defaults_deployment(json_t *obj)
{
	json_t *spec = dflt_object(obj, "spec"), *st, *ru;
	const char *type;

	if (!spec)
		return;
	dflt_int(spec, "replicas", 1);
	st = dflt_object(spec, "strategy");
	dflt_str(st, "type", "RollingUpdate");
	type = json_string_value(json_object_get(st, "type"));
	if (type && !strcmp(type, "RollingUpdate")) {
		ru = dflt_object(st, "rollingUpdate");
		if (ru && unset(json_object_get(ru, "maxUnavailable")))
			json_object_set_new(ru, "maxUnavailable",
					    json_string("25%"));
		if (ru && unset(json_object_get(ru, "maxSurge")))
			json_object_set_new(ru, "maxSurge", json_string("25%"));
	}
	dflt_int(spec, "revisionHistoryLimit", 10);
	dflt_int(spec, "progressDeadlineSeconds", 600);
	template_defaults(spec);
}

void defaults_replica_set(json_t *obj)
{
	json_t *spec = dflt_object(obj, "spec");

	if (!spec)
		return;
	dflt_int(spec, "replicas", 1);
	template_defaults(spec);
}

void defaults_daemon_set(json_t *obj)
{
	json_t *spec = dflt_object(obj, "spec"), *st, *ru;
	const char *type;

	if (!spec)
		return;
	st = dflt_object(spec, "updateStrategy");
	dflt_str(st, "type", "RollingUpdate");
	type = json_string_value(json_object_get(st, "type"));
	if (type && !strcmp(type, "RollingUpdate")) {
		ru = dflt_object(st, "rollingUpdate");
		dflt_int(ru, "maxUnavailable", 1);
		dflt_int(ru, "maxSurge", 0);
	}
	dflt_int(spec, "revisionHistoryLimit", 10);
	template_defaults(spec);
}

void defaults_stateful_set(json_t *obj)
{
	json_t *spec = dflt_object(obj, "spec"), *st, *ru, *pvc;
	const char *type;

	if (!spec)
		return;
	dflt_str(spec, "podManagementPolicy", "OrderedReady");
	st = dflt_object(spec, "updateStrategy");
	if (st && unset(json_object_get(st, "type"))) {
		json_object_set_new(st, "type", json_string("RollingUpdate"));
		dflt_object(st, "rollingUpdate");
	}
	type = json_string_value(json_object_get(st, "type"));
	ru = json_object_get(st, "rollingUpdate");
	if (type && !strcmp(type, "RollingUpdate") && json_is_object(ru))
		dflt_int(ru, "partition", 0);
	pvc = dflt_object(spec, "persistentVolumeClaimRetentionPolicy");
	dflt_str(pvc, "whenDeleted", "Retain");
	dflt_str(pvc, "whenScaled", "Retain");
	dflt_int(spec, "replicas", 1);
	dflt_int(spec, "revisionHistoryLimit", 10);
	template_defaults(spec);
}

/*
 * The Job strategy's generateSelector: unless spec.manualSelector, the
 * selector is {controller-uid: <uid>} and the template carries the uid
 * and job-name labels. Needs metadata.uid (set by the server first).
 */
static void job_selector(json_t *obj, json_t *spec)
{
	json_t *meta = json_object_get(obj, "metadata");
	const char *uid = json_string_value(json_object_get(meta, "uid"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	json_t *tmeta, *labels;

	if (!uid || !*uid ||
	    json_is_true(json_object_get(spec, "manualSelector")))
		return;
	tmeta = dflt_object(dflt_object(spec, "template"), "metadata");
	labels = dflt_object(tmeta, "labels");
	if (!labels)
		return;
	json_object_set_new(labels, CONTROLLER_UID, json_string(uid));
	json_object_set_new(labels, "controller-uid", json_string(uid));
	if (name) {
		json_object_set_new(labels, JOB_NAME, json_string(name));
		json_object_set_new(labels, "job-name", json_string(name));
	}
	json_object_set_new(
	    spec, "selector",
	    json_pack("{s:{s:s}}", "matchLabels", CONTROLLER_UID, uid));
}

void defaults_job(json_t *obj)
{
	json_t *spec = dflt_object(obj, "spec"), *meta, *tl;

	if (!spec)
		return;
	if (unset(json_object_get(spec, "completions")) &&
	    unset(json_object_get(spec, "parallelism"))) {
		json_object_set_new(spec, "completions", json_integer(1));
		json_object_set_new(spec, "parallelism", json_integer(1));
	}
	dflt_int(spec, "parallelism", 1);
	dflt_int(spec, "backoffLimit",
		 unset(json_object_get(spec, "backoffLimitPerIndex"))
		     ? 6
		     : 2147483647);
	dflt_str(spec, "completionMode", "NonIndexed");
	dflt_bool(spec, "suspend", 0);
	dflt_str(spec, "podReplacementPolicy",
		 unset(json_object_get(spec, "podFailurePolicy"))
		     ? "TerminatingOrFailed"
		     : "Failed");
	template_defaults(spec);
	job_selector(obj, spec);
	/* the Job takes its template's labels when it has none; after the
	 * selector, as a read back from storage would show them */
	meta = json_object_get(obj, "metadata");
	tl = json_object_get(
	    json_object_get(json_object_get(spec, "template"), "metadata"),
	    "labels");
	if (json_is_object(meta) && json_is_object(tl) &&
	    json_object_size(tl) > 0 &&
	    json_object_size(json_object_get(meta, "labels")) == 0)
		json_object_set_new(meta, "labels", json_deep_copy(tl));
}

void defaults_cron_job(json_t *obj)
{
	json_t *spec = dflt_object(obj, "spec"), *jt;

	if (!spec)
		return;
	dflt_str(spec, "concurrencyPolicy", "Allow");
	dflt_bool(spec, "suspend", 0);
	dflt_int(spec, "successfulJobsHistoryLimit", 3);
	dflt_int(spec, "failedJobsHistoryLimit", 1);
	jt = dflt_object(spec, "jobTemplate");
	template_defaults(dflt_object(jt, "spec"));
}
