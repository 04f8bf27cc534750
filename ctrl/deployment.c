/*
 * deployment.c — the Deployment controller: handlers, claiming
 * ReplicaSets, the sync entry point, status and conditions.
 *
 * A sync claims the ReplicaSets the selector matches, then:
 *  - being deleted: status only;
 *  - paused, or a scaling event (some active ReplicaSet's
 *    desired-replicas annotation differs from spec.replicas): scale
 *    proportionally, no new rollout (dep_scale());
 *  - otherwise roll out by the strategy (deployment_rollout.c).
 * Conditions: Available (MinimumReplicasAvailable/Unavailable),
 * Progressing (NewReplicaSetCreated, FoundNewReplicaSet,
 * ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded,
 * DeploymentPaused, DeploymentResumed), as Kubernetes words them;
 * ReplicaFailure copied from the new ReplicaSet (else an old one) while
 * one has it, removed when none has.
 */
#include "ctrl/deployment_i.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "ctrl/meta.h"
#include "ctrl/pods.h"

/* ---- spec helpers ---- */

long dep_replicas(const json_t *d)
{
	return (long)cj_int(d, "spec.replicas", 1);
}

bool dep_rolling(const json_t *d)
{
	return strcmp(cj_str(d, "spec.strategy.type") ?: "RollingUpdate",
		      "Recreate") != 0;
}

/* An IntOrString against total: "25%" rounded up or down, or N. */
static long int_or_percent(const json_t *v, long total, bool up)
{
	const char *s = json_string_value(v);
	char *end;
	long p;

	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (!s)
		return 0;
	p = strtol(s, &end, 10);
	if (*end != '%')
		return p;
	return up ? (p * total + 99) / 100 : p * total / 100;
}

/* ResolveFenceposts: surge rounds up, unavailable down; never both 0. */
static void fenceposts(const json_t *d, long *surge, long *unavail)
{
	json_t *ru = cj_get(d, "spec.strategy.rollingUpdate");
	long want = dep_replicas(d);

	*surge = int_or_percent(json_object_get(ru, "maxSurge"), want, true);
	*unavail =
	    int_or_percent(json_object_get(ru, "maxUnavailable"), want, false);
	if (*surge == 0 && *unavail == 0)
		*unavail = 1;
}

long dep_max_surge(const json_t *d)
{
	long surge, unavail;

	if (!dep_rolling(d))
		return 0;
	fenceposts(d, &surge, &unavail);
	return surge;
}

long dep_max_unavailable(const json_t *d)
{
	long surge, unavail;

	if (!dep_rolling(d) || dep_replicas(d) == 0)
		return 0;
	fenceposts(d, &surge, &unavail);
	return unavail > dep_replicas(d) ? dep_replicas(d) : unavail;
}

long rs_replicas(const json_t *rs)
{
	return (long)cj_int(rs, "spec.replicas", 1);
}

long rs_revision(const json_t *rs)
{
	const char *v = json_string_value(
	    json_object_get(cj_get(rs, "metadata.annotations"), ANN_REVISION));

	return v ? atol(v) : 0;
}

long rs_sum(const json_t *rss, const char *status_field)
{
	long n = 0;
	size_t i;
	json_t *rs;

	json_array_foreach (rss, i, rs)
		n += status_field
			 ? (long)json_integer_value(json_object_get(
			       json_object_get(rs, "status"), status_field))
			 : rs_replicas(rs);
	return n;
}

void dep_event(struct dsync *s, const char *type, const char *reason,
	       const char *fmt, ...)
{
	va_list ap;

	if (!s->dc->ctx->rec)
		return;
	va_start(ap, fmt);
	event_recorder_veventf(s->dc->ctx->rec, s->d, type, reason, fmt, ap);
	va_end(ap);
}

/* ---- conditions ---- */

static json_t *cond_new(const char *type, const char *status,
			const char *reason, const char *msg)
{
	char now[RFC3339_MAX];

	ctrl_now(now);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type,
			 "status", status, "lastUpdateTime", now,
			 "lastTransitionTime", now, "reason", reason, "message",
			 msg);
}

/* SetDeploymentCondition: same status and reason keeps the old one;
 * same status keeps its lastTransitionTime. Steals c. */
static void cond_set(json_t *status, json_t *c)
{
	json_t *conds = json_object_get(status, "conditions"), *old = NULL;
	size_t i, at = 0;
	json_t *x;

	if (!json_is_array(conds)) {
		conds = json_array();
		json_object_set_new(status, "conditions", conds);
	}
	json_array_foreach (conds, i, x)
		if (!strcmp(cj_str(x, "type") ?: "", cj_str(c, "type"))) {
			old = x;
			at = i;
		}
	if (old && !strcmp(cj_str(old, "status") ?: "", cj_str(c, "status")) &&
	    !strcmp(cj_str(old, "reason") ?: "", cj_str(c, "reason"))) {
		json_decref(c);
		return;
	}
	if (old && !strcmp(cj_str(old, "status") ?: "", cj_str(c, "status")))
		json_object_set(c, "lastTransitionTime",
				json_object_get(old, "lastTransitionTime"));
	if (old)
		json_array_set_new(conds, at, c);
	else
		json_array_append_new(conds, c);
}

static void cond_remove(json_t *status, const char *type)
{
	json_t *conds = json_object_get(status, "conditions");
	size_t i;

	for (i = json_array_size(conds); i-- > 0;)
		if (!strcmp(cj_str(json_array_get(conds, i), "type") ?: "",
			    type))
			json_array_remove(conds, i);
}

static bool has_deadline(const json_t *d)
{
	json_t *p = cj_get(d, "spec.progressDeadlineSeconds");

	return json_is_integer(p) && json_integer_value(p) != INT_MAX;
}

/* ---- status ---- */

/* calculateStatus: counts from the ReplicaSets, Available condition. */
static json_t *calculate_status(struct dsync *s)
{
	json_t *old = json_object_get(s->d, "status");
	json_t *st = json_is_object(old) ? json_deep_copy(old) : json_object();
	long avail = rs_sum(s->rss, "availableReplicas");
	long total = rs_sum(s->rss, NULL);
	long unavail = total - avail;
	_cleanup_json_ json_t *nrs_only = json_array();

	if (!st || !nrs_only) {
		json_decref(st);
		return NULL;
	}
	if (s->nrs)
		json_array_append(nrs_only, s->nrs);
	json_object_set_new(
	    st, "observedGeneration",
	    json_integer(cj_int(s->d, "metadata.generation", 0)));
	json_object_set_new(st, "replicas",
			    json_integer(rs_sum(s->rss, "replicas")));
	json_object_set_new(st, "updatedReplicas",
			    json_integer(rs_sum(nrs_only, "replicas")));
	json_object_set_new(st, "readyReplicas",
			    json_integer(rs_sum(s->rss, "readyReplicas")));
	json_object_set_new(st, "availableReplicas", json_integer(avail));
	json_object_set_new(st, "unavailableReplicas",
			    json_integer(unavail < 0 ? 0 : unavail));
	if (avail >= dep_replicas(s->d) - dep_max_unavailable(s->d))
		cond_set(st, cond_new("Available", "True",
				      "MinimumReplicasAvailable",
				      "Deployment has minimum availability."));
	else
		cond_set(st, cond_new("Available", "False",
				      "MinimumReplicasUnavailable",
				      "Deployment does not have minimum "
				      "availability."));
	return st;
}

bool dep_complete(const json_t *d, const json_t *st)
{
	long want = dep_replicas(d);

	return cj_int(st, "updatedReplicas", 0) == want &&
	       cj_int(st, "replicas", 0) == want &&
	       cj_int(st, "availableReplicas", 0) == want &&
	       cj_int(st, "observedGeneration", 0) >=
		   cj_int(d, "metadata.generation", 0);
}

static bool progressing(const json_t *old, const json_t *st)
{
	long ou = cj_int(old, "updatedReplicas", 0);
	long nu = cj_int(st, "updatedReplicas", 0);

	return nu > ou ||
	       cj_int(st, "replicas", 0) - nu <
		   cj_int(old, "replicas", 0) - ou ||
	       cj_int(st, "readyReplicas", 0) >
		   cj_int(old, "readyReplicas", 0) ||
	       cj_int(st, "availableReplicas", 0) >
		   cj_int(old, "availableReplicas", 0);
}

/* Seconds until the progress deadline of the Progressing condition c. */
static long deadline_left(const json_t *d, const json_t *c)
{
	time_t from = ctrl_time(cj_str(c, "lastUpdateTime"));

	return (long)(from + cj_int(d, "spec.progressDeadlineSeconds", 600) -
		      time(NULL));
}

static int write_status(struct dsync *s, json_t *st)
{
	_cleanup_json_ json_t *n = json_deep_copy(s->d);
	struct kf_error err;
	int r;

	if (!n)
		return -ENOMEM;
	json_object_del(json_object_get(n, "metadata"), "resourceVersion");
	json_object_set(n, "status", st);
	kf_error_init(&err);
	r = client_update_status(s->dc->ctx->c, s->dc->k_dep, n, &err, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		ctrl_logf(s->dc->ctx, "deployment %s/%s: status: %s",
			  meta_s(s->d, "namespace"), meta_s(s->d, "name"),
			  err.code ? err.msg : strerror(-r));
	else
		json_object_set(s->d, "status", st);
	return r;
}

int dep_sync_status(struct dsync *s)
{
	_cleanup_json_ json_t *st = calculate_status(s);

	if (!st)
		return -ENOMEM;
	if (json_equal(st, json_object_get(s->d, "status")))
		return 0;
	return write_status(s, st);
}

static void requeue_stuck(struct dsync *s, const json_t *st)
{
	json_t *c = NULL, *x;
	_cleanup_free_ char *key = NULL;
	size_t i;
	long left;

	json_array_foreach (json_object_get(st, "conditions"), i, x)
		if (!strcmp(cj_str(x, "type") ?: "", "Progressing"))
			c = x;
	if (!c || !has_deadline(s->d) || dep_complete(s->d, st) ||
	    !strcmp(cj_str(c, "reason") ?: "", "ProgressDeadlineExceeded") ||
	    informer_key(s->d, &key) < 0)
		return;
	left = deadline_left(s->d, c);
	ctrl_loop_add(&s->dc->loop, key, left < 1 ? 1000 : left * 1000ull);
}

static bool timed_out(const json_t *st)
{
	size_t i;
	json_t *x;

	json_array_foreach (json_object_get(st, "conditions"), i, x)
		if (!strcmp(cj_str(x, "type") ?: "", "Progressing") &&
		    !strcmp(cj_str(x, "reason") ?: "",
			    "ProgressDeadlineExceeded"))
			return true;
	return false;
}

/* ReplicaSetToDeploymentCondition: both times from the ReplicaSet's
 * lastTransitionTime. NULL when rs has no ReplicaFailure condition. */
static json_t *rs_failure(const json_t *rs)
{
	size_t i;
	json_t *x, *t;

	json_array_foreach (cj_get(rs, "status.conditions"), i, x) {
		if (strcmp(cj_str(x, "type") ?: "", "ReplicaFailure"))
			continue;
		t = json_object_get(x, "lastTransitionTime");
		return json_pack("{s:s, s:s, s:O?, s:O?, s:s, s:s}", "type",
				 "ReplicaFailure", "status",
				 cj_str(x, "status") ?: "", "lastUpdateTime", t,
				 "lastTransitionTime", t, "reason",
				 cj_str(x, "reason") ?: "", "message",
				 cj_str(x, "message") ?: "");
	}
	return NULL;
}

/* getReplicaFailures: the new ReplicaSet's failure over the old ones'. */
static json_t *replica_failure(const struct dsync *s)
{
	json_t *c = s->nrs ? rs_failure(s->nrs) : NULL, *x;
	size_t i;

	json_array_foreach (s->rss, i, x)
		if (!c)
			c = rs_failure(x);
	return c;
}

int dep_sync_rollout_status(struct dsync *s)
{
	json_t *failure;
	_cleanup_json_ json_t *st = calculate_status(s);
	json_t *old = json_object_get(s->d, "status"), *cur = NULL, *x;
	const char *name = s->nrs ? meta_s(s->nrs, "name") : "";
	char msg[512];
	size_t i;

	if (!st)
		return -ENOMEM;
	if (!has_deadline(s->d))
		cond_remove(st, "Progressing");
	json_array_foreach (json_object_get(st, "conditions"), i, x)
		if (!strcmp(cj_str(x, "type") ?: "", "Progressing"))
			cur = x;
	if (has_deadline(s->d) &&
	    !(cj_int(st, "replicas", 0) == cj_int(st, "updatedReplicas", 0) &&
	      cur &&
	      !strcmp(cj_str(cur, "reason") ?: "", "NewReplicaSetAvailable"))) {
		if (dep_complete(s->d, st)) {
			snprintf(msg, sizeof(msg),
				 "ReplicaSet \"%s\" has successfully "
				 "progressed.",
				 name);
			cond_set(st, cond_new("Progressing", "True",
					      "NewReplicaSetAvailable", msg));
		} else if (progressing(old, st)) {
			json_t *c;

			snprintf(msg, sizeof(msg),
				 "ReplicaSet \"%s\" is progressing.", name);
			c = cond_new("Progressing", "True", "ReplicaSetUpdated",
				     msg);
			/* progress renews lastUpdateTime every time */
			if (cur && !strcmp(cj_str(cur, "status") ?: "", "True"))
				json_object_set(
				    c, "lastTransitionTime",
				    json_object_get(cur, "lastTransitionTime"));
			cond_remove(st, "Progressing");
			cond_set(st, c);
		} else if (cur &&
			   strcmp(cj_str(cur, "reason") ?: "",
				  "NewReplicaSetAvailable") &&
			   (!strcmp(cj_str(cur, "reason") ?: "",
				    "ProgressDeadlineExceeded") ||
			    deadline_left(s->d, cur) < 0)) {
			snprintf(msg, sizeof(msg),
				 "ReplicaSet \"%s\" has timed out progressing.",
				 name);
			cond_set(st, cond_new("Progressing", "False",
					      "ProgressDeadlineExceeded", msg));
		}
	}
	failure = replica_failure(s);
	if (failure)
		cond_set(st, failure);
	else
		cond_remove(st, "ReplicaFailure");
	if (json_equal(st, old)) {
		requeue_stuck(s, st);
		return 0;
	}
	if (timed_out(st) && !timed_out(old))
		dep_event(s, EVENT_TYPE_WARNING, "ProgressDeadlineExceeded",
			  "Deployment \"%s\" has timed out progressing.",
			  meta_s(s->d, "name"));
	return write_status(s, st);
}

/* checkPausedConditions */
static int paused_conditions(struct dsync *s)
{
	json_t *st = json_object_get(s->d, "status"), *cur = NULL, *x;
	bool paused = json_is_true(cj_get(s->d, "spec.paused"));
	_cleanup_json_ json_t *n = NULL;
	const char *reason;
	size_t i;

	if (!has_deadline(s->d))
		return 0;
	json_array_foreach (json_object_get(st, "conditions"), i, x)
		if (!strcmp(cj_str(x, "type") ?: "", "Progressing"))
			cur = x;
	reason = cur ? cj_str(cur, "reason") ?: "" : "";
	if (paused && strcmp(reason, "DeploymentPaused")) {
		n = json_is_object(st) ? json_deep_copy(st) : json_object();
		cond_set(n,
			 cond_new("Progressing", "Unknown", "DeploymentPaused",
				  "Deployment is paused"));
	} else if (!paused && !strcmp(reason, "DeploymentPaused")) {
		n = json_deep_copy(st);
		cond_set(n,
			 cond_new("Progressing", "Unknown", "DeploymentResumed",
				  "Deployment is resumed"));
	}
	return n ? write_status(s, n) : 0;
}

/* ---- claiming and the sync ---- */

static int cmp_created(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	time_t tx = ctrl_time(meta_s(x, "creationTimestamp"));
	time_t ty = ctrl_time(meta_s(y, "creationTimestamp"));

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(meta_s(x, "name"), meta_s(y, "name"));
}

/* Claim the ReplicaSets; s->rss gets private copies, oldest first. */
static int claim_sets(struct dsync *s, const struct label_selector *sel)
{
	_cleanup_json_ json_t *all = NULL, *mine = NULL;
	_cleanup_free_ json_t **v = NULL;
	size_t i, n;
	json_t *rs;
	int r;

	r = informer_list(s->dc->sets, &all);
	if (r == 0)
		r = ctrl_claim(s->dc->ctx, s->dc->k_rs, s->d, sel, all,
			       !ctrl_deleting(s->d), &mine);
	if (r < 0)
		return r;
	n = json_array_size(mine);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	json_array_foreach (mine, i, rs)
		v[i] = rs;
	qsort(v, n, sizeof(*v), cmp_created);
	for (i = 0; i < n; i++)
		json_array_append_new(s->rss, json_deep_copy(v[i]));
	return 0;
}

/* isScalingEvent: an active set's desired-replicas is not spec.replicas */
static bool scaling_event(struct dsync *s)
{
	size_t i;
	json_t *rs;

	json_array_foreach (s->rss, i, rs) {
		const char *want = json_string_value(json_object_get(
		    cj_get(rs, "metadata.annotations"), ANN_DESIRED));

		if (rs_replicas(rs) > 0 && want &&
		    atol(want) != dep_replicas(s->d))
			return true;
	}
	return false;
}

/* sync(): scale and clean up without starting a rollout. */
static int sync_scale_only(struct dsync *s)
{
	int r = dep_find_new_rs(s, false);

	if (r == 0)
		r = dep_scale(s);
	if (r == 0 && json_is_true(cj_get(s->d, "spec.paused")))
		r = dep_cleanup(s);
	if (r == 0)
		r = dep_sync_status(s);
	return r;
}

static int selecting_all(struct dsync *s)
{
	json_t *st;
	int r;

	dep_event(s, EVENT_TYPE_WARNING, "SelectingAll",
		  "This deployment is selecting all pods. A non-empty "
		  "selector is required.");
	if (cj_int(s->d, "status.observedGeneration", 0) >=
	    cj_int(s->d, "metadata.generation", 0))
		return 0;
	st = json_is_object(json_object_get(s->d, "status"))
		 ? json_deep_copy(json_object_get(s->d, "status"))
		 : json_object();
	json_object_set_new(
	    st, "observedGeneration",
	    json_integer(cj_int(s->d, "metadata.generation", 0)));
	r = write_status(s, st);
	json_decref(st);
	return r;
}

static int sync_deployment(void *ud, const char *key)
{
	struct dc *dc = ud;
	_cleanup_json_ json_t *cached = NULL;
	struct dsync s = {.dc = dc};
	struct label_selector *sel = NULL;
	json_t *ls;
	int r;

	if (informer_get(dc->deps, key, &cached) < 0)
		return 0;
	s.d = json_deep_copy(cached);
	s.rss = json_array();
	s.olds = json_array();
	if (!s.d || !s.rss || !s.olds) {
		r = -ENOMEM;
		goto out;
	}
	ls = cj_get(s.d, "spec.selector");
	if (json_is_object(ls) && !json_object_size(ls)) {
		r = selecting_all(&s);
		goto out;
	}
	r = ctrl_label_selector(ls, &sel);
	if (r < 0) {
		r = 0; /* validation refuses these */
		goto out;
	}
	r = claim_sets(&s, sel);
	label_selector_free(sel);
	if (r < 0)
		goto out;
	if (ctrl_deleting(s.d)) {
		r = dep_find_new_rs(&s, false);
		if (r == 0)
			r = dep_sync_status(&s);
		goto out;
	}
	r = paused_conditions(&s);
	if (r < 0)
		goto out;
	if (json_is_true(cj_get(s.d, "spec.paused")) || scaling_event(&s)) {
		r = sync_scale_only(&s);
		goto out;
	}
	r = dep_rolling(s.d) ? dep_rollout_rolling(&s)
			     : dep_rollout_recreate(&s);
out:
	json_decref(s.d);
	json_decref(s.rss);
	json_decref(s.olds);
	return r;
}

/* ---- handlers ---- */

static char *dep_key_of(struct dc *dc, const json_t *rs)
{
	return ctrl_owner_key(dc->deps, "Deployment", rs);
}

static void enqueue_selecting(struct dc *dc, const json_t *rs)
{
	ctrl_enqueue_selecting(dc->deps, &dc->loop, rs);
}

static void rs_added(void *ud, const json_t *rs)
{
	struct dc *dc = ud;
	_cleanup_free_ char *key = dep_key_of(dc, rs);

	if (key)
		ctrl_loop_add(&dc->loop, key, 0);
	else if (!owner_controller_ref(rs))
		enqueue_selecting(dc, rs);
}

static void rs_updated(void *ud, const json_t *old, const json_t *rs)
{
	struct dc *dc = ud;
	_cleanup_free_ char *old_key = dep_key_of(dc, old);

	if (json_equal(cj_get(old, "metadata.resourceVersion"),
		       cj_get(rs, "metadata.resourceVersion")))
		return;
	if (old_key)
		ctrl_loop_add(&dc->loop, old_key, 0);
	rs_added(ud, rs);
}

/* Recreate waits for the old pods to be gone: their deletion wakes it. */
static void pod_deleted(void *ud, const json_t *pod)
{
	struct dc *dc = ud;
	json_t *ref = owner_controller_ref(pod);
	_cleanup_json_ json_t *rs = NULL, *d = NULL;
	_cleanup_free_ char *rkey = NULL, *dkey = NULL;

	if (!ref || strcmp(cj_str(ref, "kind") ?: "", "ReplicaSet") ||
	    asprintf(&rkey, "%s/%s", meta_s(pod, "namespace"),
		     cj_str(ref, "name") ?: "") < 0 ||
	    informer_get(dc->sets, rkey, &rs) < 0)
		return;
	dkey = dep_key_of(dc, rs);
	if (dkey && informer_get(dc->deps, dkey, &d) == 0 && !dep_rolling(d))
		ctrl_loop_add(&dc->loop, dkey, 0);
}

static void d_changed(void *ud, const json_t *d)
{
	struct dc *dc = ud;

	ctrl_loop_enqueue(&dc->loop, d);
}

static void d_updated(void *ud, const json_t *old, const json_t *d)
{
	d_changed(ud, d);
}

static void dc_free(void *state)
{
	struct dc *dc = state;

	if (!dc)
		return;
	ctrl_loop_release(&dc->loop);
	free(dc);
}

int deployment_setup(struct ctrl_ctx *ctx, struct controller *c)
{
	struct dc *dc = calloc(1, sizeof(*dc));
	struct informer_handlers dh = {d_changed, d_updated, NULL, dc};
	struct informer_handlers rh = {rs_added, rs_updated, rs_added, dc};
	struct informer_handlers ph = {NULL, NULL, pod_deleted, dc};
	int r;

	if (!dc)
		return -ENOMEM;
	dc->ctx = ctx;
	dc->k_rs = kinds_by_path("apps", "v1", "replicasets");
	dc->k_dep = kinds_by_path("apps", "v1", "deployments");
	r = ctrl_loop_init(&dc->loop, ctx, "deployment", sync_deployment, dc);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "pods", &dc->pods);
	if (r == 0)
		r = ctrl_informer(ctx, "apps", "v1", "replicasets", &dc->sets);
	if (r == 0)
		r = ctrl_informer(ctx, "apps", "v1", "deployments", &dc->deps);
	if (r == 0)
		r = informer_add_handlers(dc->deps, &dh);
	if (r == 0)
		r = informer_add_handlers(dc->sets, &rh);
	if (r == 0)
		r = informer_add_handlers(dc->pods, &ph);
	return controller_fill(c, r, dc, dc_free, &dc->loop);
}
