/*
 * deployment_rollout.c — how a Deployment moves between ReplicaSets.
 *
 * The new ReplicaSet is the oldest one whose pod template equals the
 * Deployment's, ignoring the pod-template-hash label; when there is none
 * (and a rollout may start) it is created as NAME-HASH, HASH the FNV-1a
 * hash of the template and the collision count, spelled with Kubernetes'
 * safe alphabet. Its revision annotation is one more than the highest of
 * the others, so a rollback (the template of an old revision written
 * back, as `kubefs rollout undo` does) reuses the old ReplicaSet and
 * makes it the newest revision.
 *
 * RollingUpdate scales the new set up while all sets together stay
 * within replicas + maxSurge, and old sets down while available pods
 * stay at least replicas - maxUnavailable (unhealthy old pods first).
 * Recreate scales every old set to 0, waits until their pods are gone,
 * then scales the new one up. A change of spec.replicas in the middle of
 * a rollout is spread over the active sets in proportion to their sizes
 * (the max-replicas annotation records the total each was sized for).
 */
#include "ctrl/deployment_i.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/hash.h"
#include "ctrl/meta.h"

/* ---- hashing and templates ---- */

void dep_template_hash(const json_t *tmpl, long collisions, char *buf,
		       size_t size)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	_cleanup_free_ char *text =
	    json_dumps(tmpl, JSON_COMPACT | JSON_SORT_KEYS);
	uint32_t h =
	    fnv1a32(FNV1A32_OFFSET, text ? text : "", text ? strlen(text) : 0);
	char dec[16];
	size_t i;

	if (collisions > 0) {
		unsigned char c[4];

		for (i = 0; i < 4; i++)
			c[i] = ((uint32_t)collisions >> (8 * i)) & 0xff;
		h = fnv1a32(h, c, sizeof(c));
	}
	snprintf(dec, sizeof(dec), "%u", h);
	for (i = 0; dec[i] && i + 1 < size; i++)
		buf[i] =
		    alphabet[(unsigned char)dec[i] % (sizeof(alphabet) - 1)];
	buf[i] = '\0';
}

static json_t *template_sans_hash(const json_t *tmpl)
{
	json_t *t = json_deep_copy(tmpl);

	json_object_del(cj_get(t, "metadata.labels"), LABEL_HASH);
	return t;
}

static bool equal_ignore_hash(const json_t *a, const json_t *b)
{
	_cleanup_json_ json_t *x = template_sans_hash(a);
	_cleanup_json_ json_t *y = template_sans_hash(b);

	return x && y && json_equal(x, y);
}

/* ---- writing ReplicaSets ---- */

static json_t *annotations_of(json_t *obj)
{
	json_t *meta = json_object_get(obj, "metadata");
	json_t *a = json_object_get(meta, "annotations");

	if (!json_is_object(a)) {
		a = json_object();
		json_object_set_new(meta, "annotations", a);
	}
	return a;
}

static bool set_ann(json_t *obj, const char *key, const char *value)
{
	json_t *a = annotations_of(obj);

	if (!strcmp(json_string_value(json_object_get(a, key)) ?: "\x01",
		    value))
		return false;
	json_object_set_new(a, key, json_string(value));
	return true;
}

static bool set_ann_long(json_t *obj, const char *key, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	return set_ann(obj, key, buf);
}

/* SetReplicasAnnotations */
static bool replica_annotations(struct dsync *s, json_t *rs)
{
	bool a = set_ann_long(rs, ANN_DESIRED, dep_replicas(s->d));
	bool b =
	    set_ann_long(rs, ANN_MAX, dep_replicas(s->d) + dep_max_surge(s->d));

	return a || b;
}

/* Write rs (a copy in s->rss) back, compare-and-swap; the copy becomes
 * the stored object. */
static int write_rs(struct dsync *s, json_t *rs)
{
	_cleanup_json_ json_t *stored = NULL;
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = client_replace(s->dc->ctx->c, s->dc->k_rs, rs, &err, &stored);
	if (r < 0) {
		if (r != -ESTALE)
			ctrl_logf(s->dc->ctx, "replicaset %s/%s: %s",
				  meta_s(rs, "namespace"), meta_s(rs, "name"),
				  err.code ? err.msg : strerror(-r));
		return r;
	}
	if (stored)
		json_object_update(rs, stored);
	return 0;
}

/* scaleReplicaSet: size and annotations, with an event on a new size. */
static int scale_rs(struct dsync *s, json_t *rs, long n)
{
	long was = rs_replicas(rs);
	bool annotations = replica_annotations(s, rs);
	int r;

	if (was == n && !annotations)
		return 0;
	json_object_set_new(json_object_get(rs, "spec"), "replicas",
			    json_integer(n));
	r = write_rs(s, rs);
	if (r == 0 && was != n)
		dep_event(s, EVENT_TYPE_NORMAL, "ScalingReplicaSet",
			  "Scaled %s replica set %s to %ld from %ld",
			  n > was ? "up" : "down", meta_s(rs, "name"), n, was);
	return r;
}

/* ---- the new ReplicaSet and revisions ---- */

static const char *const skip_annotations[] = {
    "kubectl.kubernetes.io/last-applied-configuration",
    ANN_REVISION,
    "deployment.kubernetes.io/revision-history",
    ANN_DESIRED,
    ANN_MAX,
    "deprecated.deployment.rollback.to",
    NULL,
};

static bool skipped(const char *key)
{
	for (size_t i = 0; skip_annotations[i]; i++)
		if (!strcmp(key, skip_annotations[i]))
			return true;
	return false;
}

/* SetNewReplicaSetAnnotations: copy d's annotations, raise revision. */
static bool new_rs_annotations(struct dsync *s, json_t *rs, long revision)
{
	json_t *da = cj_get(s->d, "metadata.annotations"), *v;
	bool changed = false;
	const char *k;

	json_object_foreach (da, k, v)
		if (!skipped(k) && json_is_string(v))
			changed |= set_ann(rs, k, json_string_value(v));
	if (rs_revision(rs) < revision)
		changed |= set_ann_long(rs, ANN_REVISION, revision);
	return changed;
}

/* The Deployment's revision annotation follows its new ReplicaSet. */
static int set_deployment_revision(struct dsync *s, long revision)
{
	_cleanup_json_ json_t *patch = NULL;
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", revision);
	if (!strcmp(json_string_value(json_object_get(
			cj_get(s->d, "metadata.annotations"), ANN_REVISION))
			?: "",
		    buf))
		return 0;
	patch = json_pack("{s:{s:{s:s}}}", "metadata", "annotations",
			  ANN_REVISION, buf);
	if (!patch)
		return -ENOMEM;
	set_ann(s->d, ANN_REVISION, buf);
	return client_patch(s->dc->ctx->c, s->dc->k_dep,
			    meta_s(s->d, "namespace"), meta_s(s->d, "name"),
			    patch, NULL, NULL);
}

/* NewRSNewReplicas: what the new set may grow to now. */
static long new_rs_target(struct dsync *s, long cur_new)
{
	long want = dep_replicas(s->d), total, max_total, up;

	if (!dep_rolling(s->d))
		return want;
	total = rs_sum(s->rss, NULL);
	max_total = want + dep_max_surge(s->d);
	if (total >= max_total)
		return cur_new;
	up = max_total - total;
	if (up > want - cur_new)
		up = want - cur_new;
	return cur_new + up;
}

static void set_progressing(struct dsync *s, const char *reason,
			    const char *rs_name, bool created)
{
	json_t *st = json_object_get(s->d, "status"), *c;
	char msg[512], now[RFC3339_MAX];
	size_t i;
	json_t *x;

	if (!json_is_integer(cj_get(s->d, "spec.progressDeadlineSeconds")))
		return;
	json_array_foreach (json_object_get(st, "conditions"), i, x)
		if (!strcmp(cj_str(x, "type") ?: "", "Progressing") && !created)
			return; /* FoundNewReplicaSet only when none */
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(s->d, "status", st);
	}
	snprintf(msg, sizeof(msg), "%s replica set \"%s\"",
		 created ? "Created new" : "Found new", rs_name);
	ctrl_now(now);
	c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "Progressing",
		      "status", "True", "lastUpdateTime", now,
		      "lastTransitionTime", now, "reason", reason, "message",
		      msg);
	if (!json_is_array(json_object_get(st, "conditions")))
		json_object_set_new(st, "conditions", json_array());
	x = json_object_get(st, "conditions");
	for (i = json_array_size(x); i-- > 0;)
		if (!strcmp(cj_str(json_array_get(x, i), "type") ?: "",
			    "Progressing"))
			json_array_remove(x, i);
	json_array_append_new(x, c);
}

/* A collision: count it in status so the next hash differs. */
static int collided(struct dsync *s)
{
	_cleanup_json_ json_t *n = json_deep_copy(s->d);
	json_t *st;

	if (!n)
		return -ENOMEM;
	st = json_object_get(n, "status");
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(n, "status", st);
	}
	json_object_set_new(
	    st, "collisionCount",
	    json_integer(cj_int(s->d, "status.collisionCount", 0) + 1));
	json_object_del(json_object_get(n, "metadata"), "resourceVersion");
	client_update_status(s->dc->ctx->c, s->dc->k_dep, n, NULL, NULL);
	return -EEXIST; /* requeue: the next sync hashes again */
}

static json_t *build_rs(struct dsync *s, const char *hash, long revision)
{
	json_t *rs = json_object(), *meta = json_object(), *spec;
	json_t *tmpl = json_deep_copy(cj_get(s->d, "spec.template"));
	json_t *sel = json_deep_copy(cj_get(s->d, "spec.selector"));
	json_t *refs = json_array();
	char name[CLIENT_NAME_MAX + 32];

	spec = json_object();
	if (!rs || !meta || !spec || !tmpl || !sel || !refs) {
		json_decref(rs);
		json_decref(meta);
		json_decref(spec);
		json_decref(tmpl);
		json_decref(sel);
		json_decref(refs);
		return NULL;
	}
	snprintf(name, sizeof(name), "%.*s-%s", 240, meta_s(s->d, "name"),
		 hash);
	json_object_set_new(rs, "apiVersion", json_string("apps/v1"));
	json_object_set_new(rs, "kind", json_string("ReplicaSet"));
	json_object_set_new(meta, "name", json_string(name));
	json_object_set_new(meta, "namespace",
			    json_string(meta_s(s->d, "namespace")));
	json_object_set_new(
	    meta, "labels",
	    cj_get(tmpl, "metadata.labels")
		? json_deep_copy(cj_get(tmpl, "metadata.labels"))
		: json_object());
	json_object_set_new(json_object_get(meta, "labels"), LABEL_HASH,
			    json_string(hash));
	json_array_append_new(refs, ctrl_new_controller_ref(s->d));
	json_object_set_new(meta, "ownerReferences", refs);
	json_object_set_new(rs, "metadata", meta);
	json_object_set_new(cj_get(tmpl, "metadata.labels"), LABEL_HASH,
			    json_string(hash));
	if (!json_is_object(json_object_get(sel, "matchLabels")))
		json_object_set_new(sel, "matchLabels", json_object());
	json_object_set_new(json_object_get(sel, "matchLabels"), LABEL_HASH,
			    json_string(hash));
	json_object_set_new(spec, "selector", sel);
	json_object_set_new(spec, "template", tmpl);
	json_object_set_new(
	    spec, "minReadySeconds",
	    json_integer(cj_int(s->d, "spec.minReadySeconds", 0)));
	json_object_set_new(spec, "replicas", json_integer(0));
	json_object_set_new(rs, "spec", spec);
	new_rs_annotations(s, rs, revision);
	replica_annotations(s, rs);
	json_object_set_new(spec, "replicas",
			    json_integer(new_rs_target(s, 0)));
	return rs;
}

static int create_new_rs(struct dsync *s, long revision)
{
	long collisions = cj_int(s->d, "status.collisionCount", 0);
	_cleanup_json_ json_t *rs = NULL, *stored = NULL, *there = NULL;
	struct kf_error err;
	char hash[16];
	int r;

	dep_template_hash(cj_get(s->d, "spec.template"), collisions, hash,
			  sizeof(hash));
	rs = build_rs(s, hash, revision);
	if (!rs)
		return -ENOMEM;
	kf_error_init(&err);
	r = client_create(s->dc->ctx->c, s->dc->k_rs, meta_s(s->d, "namespace"),
			  rs, &err, &stored);
	if (r == -EEXIST) {
		/* ours already (a cache behind), or a real collision */
		if (client_get(s->dc->ctx->c, s->dc->k_rs,
			       meta_s(s->d, "namespace"), meta_s(rs, "name"),
			       NULL, &there) < 0)
			return -EAGAIN;
		if (owner_controller_ref(there) &&
		    !strcmp(cj_str(owner_controller_ref(there), "uid") ?: "",
			    meta_s(s->d, "uid")) &&
		    equal_ignore_hash(cj_get(there, "spec.template"),
				      cj_get(s->d, "spec.template")))
			return -EAGAIN; /* the informer will bring it */
		return collided(s);
	}
	if (r < 0) {
		dep_event(s, EVENT_TYPE_WARNING, "FailedCreate",
			  "Failed to create new replica set \"%s\": %s",
			  meta_s(rs, "name"),
			  err.code ? err.msg : strerror(-r));
		return r;
	}
	if (!stored)
		return -EAGAIN;
	if (rs_replicas(stored) > 0)
		dep_event(s, EVENT_TYPE_NORMAL, "ScalingReplicaSet",
			  "Scaled up replica set %s to %ld",
			  meta_s(stored, "name"), rs_replicas(stored));
	json_array_append(s->rss, stored);
	s->nrs = stored;
	set_progressing(s, "NewReplicaSetCreated", meta_s(stored, "name"),
			true);
	return set_deployment_revision(s, revision);
}

int dep_find_new_rs(struct dsync *s, bool create)
{
	long max_old = 0, revision;
	size_t i;
	json_t *rs;
	int r;

	s->nrs = NULL;
	json_array_clear(s->olds);
	json_array_foreach (s->rss, i, rs)
		if (!s->nrs && equal_ignore_hash(cj_get(rs, "spec.template"),
						 cj_get(s->d, "spec.template")))
			s->nrs = rs;
	json_array_foreach (s->rss, i, rs)
		if (rs != s->nrs) {
			json_array_append(s->olds, rs);
			if (rs_revision(rs) > max_old)
				max_old = rs_revision(rs);
		}
	revision = max_old + 1;
	if (s->nrs) {
		/* not the replica annotations: they say what the set was
		 * sized for, which proportional scaling needs (scale_rs()
		 * updates them) */
		bool changed = new_rs_annotations(s, s->nrs, revision);

		if (cj_int(s->nrs, "spec.minReadySeconds", 0) !=
		    cj_int(s->d, "spec.minReadySeconds", 0)) {
			json_object_set_new(
			    json_object_get(s->nrs, "spec"), "minReadySeconds",
			    json_integer(
				cj_int(s->d, "spec.minReadySeconds", 0)));
			changed = true;
		}
		if (changed) {
			r = write_rs(s, s->nrs);
			if (r < 0)
				return r;
		}
		set_progressing(s, "FoundNewReplicaSet", meta_s(s->nrs, "name"),
				false);
		return set_deployment_revision(s, rs_revision(s->nrs));
	}
	if (!create)
		return 0;
	return create_new_rs(s, revision);
}

/* ---- proportional scaling ---- */

static json_t *active_sets(struct dsync *s)
{
	json_t *v = json_array(), *rs;
	size_t i;

	json_array_foreach (s->rss, i, rs)
		if (rs_replicas(rs) > 0)
			json_array_append(v, rs);
	return v;
}

static long max_replicas_ann(const json_t *rs, long def)
{
	const char *v = json_string_value(
	    json_object_get(cj_get(rs, "metadata.annotations"), ANN_MAX));

	return v ? atol(v) : def;
}

/* getReplicaSetFraction */
static long fraction(struct dsync *s, const json_t *rs)
{
	long want = dep_replicas(s->d);
	long total = want + dep_max_surge(s->d);
	long annotated =
	    max_replicas_ann(rs, cj_int(s->d, "status.replicas", 0));
	double size;

	if (want == 0)
		return -rs_replicas(rs);
	if (annotated <= 0)
		return 0;
	size = (double)rs_replicas(rs) * (double)total / (double)annotated;
	return lround(size) - rs_replicas(rs);
}

static int cmp_size(const json_t *a, const json_t *b, bool newer_first)
{
	long x = rs_replicas(a), y = rs_replicas(b);
	time_t ta = ctrl_time(meta_s(a, "creationTimestamp"));
	time_t tb = ctrl_time(meta_s(b, "creationTimestamp"));

	if (x != y)
		return x > y ? -1 : 1;
	if (ta != tb)
		return (ta > tb) == newer_first ? -1 : 1;
	return strcmp(meta_s(a, "name"), meta_s(b, "name"));
}

static int cmp_size_newer(const void *a, const void *b)
{
	return cmp_size(*(json_t *const *)a, *(json_t *const *)b, true);
}

static int cmp_size_older(const void *a, const void *b)
{
	return cmp_size(*(json_t *const *)a, *(json_t *const *)b, false);
}

static int scale_proportionally(struct dsync *s, json_t *active)
{
	size_t n = json_array_size(active), i;
	_cleanup_free_ json_t **v = calloc(n + 1, sizeof(*v));
	_cleanup_free_ long *size = calloc(n + 1, sizeof(*size));
	long want = dep_replicas(s->d);
	long allowed = want > 0 ? want + dep_max_surge(s->d) : 0;
	long to_add = allowed - rs_sum(active, NULL), added = 0;
	int r = 0;

	if (!v || !size)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = json_array_get(active, i);
	qsort(v, n, sizeof(*v), to_add > 0 ? cmp_size_newer : cmp_size_older);
	for (i = 0; i < n; i++) {
		long p = 0;

		if (to_add != 0 && to_add != added && rs_replicas(v[i]) > 0) {
			long f = fraction(s, v[i]), left = to_add - added;

			p = to_add > 0 ? (f < left ? f : left)
				       : (f > left ? f : left);
		}
		size[i] = rs_replicas(v[i]) + p;
		added += p;
	}
	if (n && to_add != added) {
		size[0] += to_add - added;
		if (size[0] < 0)
			size[0] = 0;
	}
	for (i = 0; i < n && r == 0; i++)
		r = scale_rs(s, v[i], size[i]);
	return r;
}

int dep_scale(struct dsync *s)
{
	_cleanup_json_ json_t *active = active_sets(s);
	json_t *only = NULL, *rs;
	size_t i;
	int r = 0;

	if (!active)
		return -ENOMEM;
	/* FindActiveOrLatest */
	if (json_array_size(active) == 1)
		only = json_array_get(active, 0);
	else if (json_array_size(active) == 0)
		only = s->nrs ? s->nrs
			      : json_array_get(s->rss,
					       json_array_size(s->rss) - 1);
	if (only)
		return scale_rs(s, only, dep_replicas(s->d));
	/* IsSaturated: the new set is all there is to it */
	if (s->nrs && rs_replicas(s->nrs) == dep_replicas(s->d) &&
	    cj_int(s->nrs, "status.availableReplicas", 0) ==
		dep_replicas(s->d)) {
		json_array_foreach (s->olds, i, rs)
			if (r == 0 && rs_replicas(rs) > 0)
				r = scale_rs(s, rs, 0);
		return r;
	}
	if (!dep_rolling(s->d))
		return 0;
	return scale_proportionally(s, active);
}

/* ---- rolling update ---- */

/* oldest first: s->olds keeps s->rss' order */
static long cleanup_unhealthy(struct dsync *s, long max_cleanup, int *ret_r)
{
	long total = 0;
	size_t i;
	json_t *rs;

	json_array_foreach (s->olds, i, rs) {
		long unhealthy, down;

		if (total >= max_cleanup)
			break;
		if (rs_replicas(rs) == 0)
			continue;
		unhealthy =
		    rs_replicas(rs) - cj_int(rs, "status.availableReplicas", 0);
		if (unhealthy <= 0)
			continue;
		down = max_cleanup - total < unhealthy ? max_cleanup - total
						       : unhealthy;
		*ret_r = scale_rs(s, rs, rs_replicas(rs) - down);
		if (*ret_r < 0)
			return total;
		total += down;
	}
	return total;
}

static long scale_down_old(struct dsync *s, int *ret_r)
{
	long min_avail = dep_replicas(s->d) - dep_max_unavailable(s->d);
	long avail = rs_sum(s->rss, "availableReplicas");
	long budget = avail - min_avail, total = 0;
	size_t i;
	json_t *rs;

	if (budget <= 0)
		return 0;
	json_array_foreach (s->olds, i, rs) {
		long down;

		if (total >= budget)
			break;
		if (rs_replicas(rs) == 0)
			continue;
		down = rs_replicas(rs) < budget - total ? rs_replicas(rs)
							: budget - total;
		*ret_r = scale_rs(s, rs, rs_replicas(rs) - down);
		if (*ret_r < 0)
			return total;
		total += down;
	}
	return total;
}

static int reconcile_old(struct dsync *s, bool *ret_scaled)
{
	long old_pods = rs_sum(s->olds, NULL);
	long all = rs_sum(s->rss, NULL);
	long min_avail = dep_replicas(s->d) - dep_max_unavailable(s->d);
	long new_unavail =
	    s->nrs ? rs_replicas(s->nrs) -
			 cj_int(s->nrs, "status.availableReplicas", 0)
		   : 0;
	long max_down = all - min_avail - new_unavail, done;
	int r = 0;

	*ret_scaled = false;
	if (old_pods == 0 || max_down <= 0)
		return 0;
	done = cleanup_unhealthy(s, max_down, &r);
	if (r == 0)
		done += scale_down_old(s, &r);
	*ret_scaled = done > 0;
	return r;
}

int dep_rollout_rolling(struct dsync *s)
{
	bool scaled = false;
	long want = dep_replicas(s->d);
	int r = dep_find_new_rs(s, true);

	if (r < 0)
		return r;
	if (s->nrs && rs_replicas(s->nrs) != want) {
		long target = rs_replicas(s->nrs) > want
				  ? want
				  : new_rs_target(s, rs_replicas(s->nrs));

		if (target != rs_replicas(s->nrs)) {
			r = scale_rs(s, s->nrs, target);
			if (r < 0)
				return r;
			scaled = target > 0;
		}
	}
	if (scaled)
		return dep_sync_rollout_status(s);
	r = reconcile_old(s, &scaled);
	if (r < 0)
		return r;
	if (!scaled) {
		r = dep_sync_rollout_status(s);
		if (r == 0 &&
		    dep_complete(s->d, json_object_get(s->d, "status")))
			r = dep_cleanup(s);
		return r;
	}
	return dep_sync_rollout_status(s);
}

/* ---- recreate ---- */

static bool old_pods_running(struct dsync *s)
{
	_cleanup_json_ json_t *pods = NULL, *uids = json_object();
	size_t i;
	json_t *x;

	if (!uids || informer_list(s->dc->pods, &pods) < 0)
		return true;
	json_array_foreach (s->olds, i, x)
		json_object_set_new(uids, meta_s(x, "uid"), json_true());
	json_array_foreach (pods, i, x) {
		json_t *ref = owner_controller_ref(x);
		const char *phase = cj_str(x, "status.phase") ?: "";

		if (!ref ||
		    strcmp(meta_s(x, "namespace"), meta_s(s->d, "namespace")) ||
		    !json_object_get(uids, cj_str(ref, "uid") ?: ""))
			continue;
		if (strcmp(phase, "Failed") && strcmp(phase, "Succeeded"))
			return true;
	}
	return false;
}

int dep_rollout_recreate(struct dsync *s)
{
	bool scaled = false;
	size_t i;
	json_t *rs;
	int r = dep_find_new_rs(s, false);

	if (r < 0)
		return r;
	json_array_foreach (s->olds, i, rs)
		if (rs_replicas(rs) > 0) {
			r = scale_rs(s, rs, 0);
			if (r < 0)
				return r;
			scaled = true;
		}
	if (scaled || old_pods_running(s))
		return dep_sync_rollout_status(s);
	if (!s->nrs) {
		r = dep_find_new_rs(s, true);
		if (r < 0)
			return r;
	}
	if (s->nrs) {
		r = scale_rs(s, s->nrs, dep_replicas(s->d));
		if (r < 0)
			return r;
	}
	r = dep_sync_rollout_status(s);
	if (r == 0 && dep_complete(s->d, json_object_get(s->d, "status")))
		r = dep_cleanup(s);
	return r;
}

/* ---- history ---- */

static int cmp_revision(const void *a, const void *b)
{
	long x = rs_revision(*(json_t *const *)a);
	long y = rs_revision(*(json_t *const *)b);

	return (x > y) - (x < y);
}

int dep_cleanup(struct dsync *s)
{
	json_t *limit = cj_get(s->d, "spec.revisionHistoryLimit"), *rs;
	size_t n = 0, i;
	_cleanup_free_ json_t **v = NULL;
	long diff;

	if (!json_is_integer(limit))
		return 0;
	v = calloc(json_array_size(s->olds) + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	json_array_foreach (s->olds, i, rs)
		if (!ctrl_deleting(rs))
			v[n++] = rs;
	diff = (long)n - (long)json_integer_value(limit);
	if (diff <= 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_revision);
	for (i = 0; i < (size_t)diff; i++) {
		rs = v[i];
		if (cj_int(rs, "status.replicas", 0) != 0 ||
		    rs_replicas(rs) != 0 ||
		    cj_int(rs, "metadata.generation", 0) >
			cj_int(rs, "status.observedGeneration", 0))
			continue;
		client_delete(s->dc->ctx->c, s->dc->k_rs,
			      meta_s(rs, "namespace"), meta_s(rs, "name"),
			      NULL);
	}
	return 0;
}
