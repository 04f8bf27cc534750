/*
 * replicaset.c — the ReplicaSet controller (pkg/controller/replicaset).
 *
 * For each ReplicaSet: claim the pods its selector matches (adopt
 * orphans, release pods that no longer match), then, once the
 * expectations of its last creates and deletes are met, create or delete
 * pods until spec.replicas active pods exist. Creates go in slow-start
 * batches (1, 2, 4, ...; a failing batch stops the rest), at most
 * burst_replicas per sync; deletes take the pods ranked first by
 * pods_rank_for_deletion(). Then status: replicas, fullyLabeledReplicas,
 * readyReplicas, availableReplicas (ready for minReadySeconds),
 * observedGeneration and the ReplicaFailure condition.
 */
#include "ctrl/ctrl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/strmap.h"
#include "ctrl/expectations.h"
#include "ctrl/meta.h"
#include "ctrl/pods.h"

struct rsc {
	struct ctrl_ctx *ctx;
	struct informer *pods, *sets;
	struct expectations *exp;
	struct ctrl_loop loop;
	const struct kind_info *k_pod, *k_rs;
	/* pod keys by controller uid, and those without a controller: a
	 * sync looks at its own pods and the orphans, not at every pod */
	pthread_mutex_t idx_lock;
	struct strmap by_owner; /* uid -> struct strmap * of pod keys */
	struct strmap orphans;	/* pod key -> (void *)1 */
};

/* ---- the pod index ---- */

/* The set pod's key belongs in: its controller's, or the orphans. */
static struct strmap *bucket(struct rsc *s, const json_t *pod, bool create)
{
	json_t *ref = owner_controller_ref(pod);
	const char *uid;
	struct strmap *b;

	if (!ref)
		return &s->orphans;
	uid = cj_str(ref, "uid") ?: "";
	b = strmap_get(&s->by_owner, uid);
	if (!b && create) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return NULL;
		strmap_init(b);
		if (strmap_put(&s->by_owner, uid, b) < 0) {
			free(b);
			return NULL;
		}
	}
	return b;
}

/* Move pod's key from old's bucket to its own (old, pod may be NULL). */
static void index_pod(struct rsc *s, const json_t *old, const json_t *pod)
{
	_cleanup_free_ char *key = NULL;
	struct strmap *b;

	if (informer_key(old ? old : pod, &key) < 0)
		return;
	pthread_mutex_lock(&s->idx_lock);
	if (old && (b = bucket(s, old, false))) {
		strmap_remove(b, key);
		if (b != &s->orphans && !strmap_len(b)) {
			strmap_remove(&s->by_owner,
				      cj_str(owner_controller_ref(old), "uid")
					  ?: "");
			strmap_release(b);
			free(b);
		}
	}
	if (pod && (b = bucket(s, pod, true)))
		strmap_put(b, key, (void *)1);
	pthread_mutex_unlock(&s->idx_lock);
}

static void append_keys(const struct strmap *set, json_t *keys)
{
	const char *k;
	void *v;
	size_t i = 0;

	while (set && strmap_next(set, &i, &k, &v))
		json_array_append_new(keys, json_string(k));
}

/* The cached pods that rs may claim: its own and the orphans. */
static json_t *candidates(struct rsc *s, const json_t *rs)
{
	json_t *out = json_array(), *keys = json_array(), *v;
	size_t i;

	pthread_mutex_lock(&s->idx_lock);
	append_keys(strmap_get(&s->by_owner, meta_s(rs, "uid")), keys);
	append_keys(&s->orphans, keys);
	pthread_mutex_unlock(&s->idx_lock);
	json_array_foreach (keys, i, v) {
		json_t *pod = NULL;

		if (informer_get(s->pods, json_string_value(v), &pod) == 0)
			json_array_append_new(out, pod);
	}
	json_decref(keys);
	return out;
}

/* ---- event handlers ---- */

static char *owner_key(struct rsc *s, const json_t *pod)
{
	return ctrl_owner_key(s->sets, "ReplicaSet", pod);
}

static void enqueue_selecting(struct rsc *s, const json_t *pod)
{
	ctrl_enqueue_selecting(s->sets, &s->loop, pod);
}

static void pod_deleted(void *ud, const json_t *pod)
{
	struct rsc *s = ud;
	_cleanup_free_ char *key = owner_key(s, pod), *pkey = NULL;

	if (!key)
		return;
	if (informer_key(pod, &pkey) == 0)
		expectations_deletion_seen(s->exp, key, pkey);
	ctrl_loop_add(&s->loop, key, 0);
}

/* The informer's delete: out of the index, then a deletion seen. */
static void pod_removed(void *ud, const json_t *pod)
{
	index_pod(ud, pod, NULL);
	pod_deleted(ud, pod);
}

static void pod_added(void *ud, const json_t *pod)
{
	struct rsc *s = ud;
	_cleanup_free_ char *key = NULL;

	index_pod(s, NULL, pod);
	if (ctrl_deleting(pod)) {
		pod_deleted(ud, pod);
		return;
	}
	key = owner_key(s, pod);
	if (key) {
		expectations_lower_adds(s->exp, key, 1);
		ctrl_loop_add(&s->loop, key, 0);
		return;
	}
	if (!owner_controller_ref(pod))
		enqueue_selecting(s, pod);
}

static void pod_updated(void *ud, const json_t *old, const json_t *pod)
{
	struct rsc *s = ud;
	_cleanup_free_ char *key = NULL, *old_key = NULL;

	if (json_equal(cj_get(old, "metadata.resourceVersion"),
		       cj_get(pod, "metadata.resourceVersion")))
		return; /* a resync */
	index_pod(s, old, pod);
	if (ctrl_deleting(pod) && !ctrl_deleting(old)) {
		pod_deleted(ud, pod);
		return;
	}
	key = owner_key(s, pod);
	old_key = owner_key(s, old);
	if (old_key && (!key || strcmp(key, old_key)))
		ctrl_loop_add(&s->loop, old_key, 0);
	if (key) {
		ctrl_loop_add(&s->loop, key, 0);
		return;
	}
	if (!owner_controller_ref(pod))
		enqueue_selecting(s, pod);
}

static void rs_changed(void *ud, const json_t *rs)
{
	struct rsc *s = ud;

	ctrl_loop_enqueue(&s->loop, rs);
}

static void rs_updated(void *ud, const json_t *old, const json_t *rs)
{
	rs_changed(ud, rs);
}

static void rs_deleted(void *ud, const json_t *rs)
{
	struct rsc *s = ud;
	_cleanup_free_ char *key = NULL;

	if (informer_key(rs, &key) == 0)
		expectations_delete(s->exp, key);
}

/* ---- managing replicas ---- */

struct batch {
	struct rsc *s;
	const json_t *rs;
	json_t *pods; /* deletes: the pods to delete */
	struct kf_error err;
	pthread_mutex_t lock;
};

static void batch_error(struct batch *b, int r, const struct kf_error *err)
{
	pthread_mutex_lock(&b->lock);
	if (!b->err.code) {
		if (err->code)
			b->err = *err;
		else
			kf_error_set(&b->err, r, "%s", strerror(-r));
	}
	pthread_mutex_unlock(&b->lock);
}

static int create_one(void *ud, size_t i)
{
	struct batch *b = ud;
	_cleanup_json_ json_t *pod =
	    pods_from_template(b->rs, cj_get(b->rs, "spec.template"));
	_cleanup_json_ json_t *made = NULL;
	struct kf_error err;
	int r;

	if (!pod)
		return -ENOMEM;
	kf_error_init(&err);
	r = client_create(b->s->ctx->c, b->s->k_pod, meta_s(b->rs, "namespace"),
			  pod, &err, &made);
	if (r < 0) {
		batch_error(b, r, &err);
		if (b->s->ctx->rec)
			event_recorder_eventf(
			    b->s->ctx->rec, b->rs, EVENT_TYPE_WARNING,
			    "FailedCreate", "Error creating: %s",
			    err.code ? err.msg : strerror(-r));
		return r;
	}
	if (b->s->ctx->rec && made)
		event_recorder_eventf(b->s->ctx->rec, b->rs, EVENT_TYPE_NORMAL,
				      "SuccessfulCreate", "Created pod: %s",
				      meta_s(made, "name"));
	return 0;
}

static int delete_one(void *ud, size_t i)
{
	struct batch *b = ud;
	json_t *pod = json_array_get(b->pods, i);
	_cleanup_free_ char *rskey = NULL, *pkey = NULL;
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = client_delete(b->s->ctx->c, b->s->k_pod, meta_s(pod, "namespace"),
			  meta_s(pod, "name"), &err);
	if (r == -ENOENT)
		r = 0;
	if (r < 0) {
		/* it will not be seen deleted: stop expecting it */
		if (informer_key(b->rs, &rskey) == 0 &&
		    informer_key(pod, &pkey) == 0)
			expectations_deletion_seen(b->s->exp, rskey, pkey);
		batch_error(b, r, &err);
		if (b->s->ctx->rec)
			event_recorder_eventf(
			    b->s->ctx->rec, b->rs, EVENT_TYPE_WARNING,
			    "FailedDelete", "Error deleting: %s",
			    err.code ? err.msg : strerror(-r));
		return r;
	}
	if (b->s->ctx->rec)
		event_recorder_eventf(b->s->ctx->rec, b->rs, EVENT_TYPE_NORMAL,
				      "SuccessfulDelete", "Deleted pod: %s",
				      meta_s(pod, "name"));
	return 0;
}

/* Create n pods in slow-start batches; returns how many were made. */
static long slow_start(struct batch *b, long n)
{
	long done = 0, size = 1;

	while (done < n) {
		long now = size < n - done ? size : n - done;
		size_t ok = ctrl_parallel((size_t)now, 16, create_one, b);

		done += (long)ok;
		if ((long)ok < now)
			break;
		size *= 2;
	}
	return done;
}

static int manage(struct rsc *s, const char *key, const json_t *rs,
		  json_t *active, struct kf_error *ret_err)
{
	long want = cj_int(rs, "spec.replicas", 1);
	long diff = (long)json_array_size(active) - want;
	long burst = s->ctx->opts.burst_replicas;
	struct batch b = {.s = s, .rs = rs, .lock = PTHREAD_MUTEX_INITIALIZER};
	int r = 0;

	kf_error_init(&b.err);
	if (diff < 0) {
		long n = -diff < burst ? -diff : burst, made;

		r = expectations_set(s->exp, key, n, NULL);
		if (r < 0)
			return r;
		made = slow_start(&b, n);
		if (made < n)
			expectations_lower_adds(s->exp, key, n - made);
	} else if (diff > 0) {
		_cleanup_json_ json_t *doomed = json_array(),
				      *keys = json_array();
		long n = diff < burst ? diff : burst;

		if (!doomed || !keys)
			return -ENOMEM;
		pods_rank_for_deletion(active);
		for (long i = 0; i < n; i++) {
			json_t *pod = json_array_get(active, (size_t)i);
			_cleanup_free_ char *pkey = NULL;

			json_array_append(doomed, pod);
			if (informer_key(pod, &pkey) == 0)
				json_array_append_new(keys, json_string(pkey));
		}
		r = expectations_set(s->exp, key, 0, keys);
		if (r < 0)
			return r;
		b.pods = doomed;
		ctrl_parallel((size_t)n, 16, delete_one, &b);
	}
	pthread_mutex_destroy(&b.lock);
	if (b.err.code) {
		*ret_err = b.err;
		return b.err.code;
	}
	return 0;
}

/* ---- status ---- */

static json_t *failure_condition(const json_t *rs, int manage_r,
				 const struct kf_error *err, bool creating)
{
	json_t *old = ctrl_condition(rs, "ReplicaFailure");
	char now[RFC3339_MAX];

	if (!manage_r)
		return NULL;
	if (old)
		return json_incref(old);
	ctrl_now(now);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "ReplicaFailure",
			 "status", "True", "lastTransitionTime", now, "reason",
			 creating ? "FailedCreate" : "FailedDelete", "message",
			 err->code ? err->msg : strerror(-manage_r));
}

static json_t *calculate_status(const json_t *rs, const json_t *active,
				int manage_r, const struct kf_error *err,
				bool creating, long *ret_wait)
{
	json_t *st = json_object(), *conds = json_array(), *c, *fc;
	long min_ready = cj_int(rs, "spec.minReadySeconds", 0);
	long labeled = 0, ready = 0, avail = 0;
	time_t now = time(NULL);
	size_t i;
	json_t *pod;

	if (!st || !conds) {
		json_decref(st);
		json_decref(conds);
		return NULL;
	}
	*ret_wait = 0;
	json_array_foreach (active, i, pod) {
		long wait = 0;

		if (labels_superset(pod, cj_get(rs, "spec.template")))
			labeled++;
		if (pod_ready(pod))
			ready++;
		if (pod_available(pod, min_ready, now, &wait))
			avail++;
		else if (wait > 0 && (!*ret_wait || wait < *ret_wait))
			*ret_wait = wait;
	}
	json_object_set_new(st, "replicas", json_integer((long)i));
	json_object_set_new(st, "fullyLabeledReplicas", json_integer(labeled));
	json_object_set_new(st, "readyReplicas", json_integer(ready));
	json_object_set_new(st, "availableReplicas", json_integer(avail));
	json_object_set_new(st, "observedGeneration",
			    json_integer(cj_int(rs, "metadata.generation", 0)));
	json_array_foreach (cj_get(rs, "status.conditions"), i, c)
		if (strcmp(cj_str(c, "type") ?: "", "ReplicaFailure"))
			json_array_append(conds, c);
	fc = failure_condition(rs, manage_r, err, creating);
	if (fc)
		json_array_append_new(conds, fc);
	if (json_array_size(conds))
		json_object_set_new(st, "conditions", conds);
	else
		json_decref(conds);
	return st;
}

/* Equal, where absent equals 0 (omitempty). */
static bool field_same(const json_t *a, const json_t *b)
{
	if (!a || !b) {
		const json_t *x = a ?: b;

		return !x || (json_is_integer(x) && !json_integer_value(x));
	}
	return json_equal(a, b);
}

static bool status_same(const json_t *old, const json_t *st)
{
	static const char *const fields[] = {
	    "replicas",		 "fullyLabeledReplicas", "readyReplicas",
	    "availableReplicas", "observedGeneration",	 "conditions",
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!field_same(json_object_get(old, fields[i]),
				json_object_get(st, fields[i])))
			return false;
	return true;
}

static int write_status(struct rsc *s, const json_t *rs, json_t *st)
{
	_cleanup_json_ json_t *n = json_deep_copy(rs);
	struct kf_error err;
	int r;

	if (!n)
		return -ENOMEM;
	json_object_del(json_object_get(n, "metadata"), "resourceVersion");
	json_object_set(n, "status", st);
	kf_error_init(&err);
	r = client_update_status(s->ctx->c, s->k_rs, n, &err, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		ctrl_logf(s->ctx, "replicaset %s/%s: status: %s",
			  meta_s(rs, "namespace"), meta_s(rs, "name"),
			  err.code ? err.msg : strerror(-r));
	return r;
}

/* ---- sync ---- */

static int sync_rs(void *ud, const char *key)
{
	struct rsc *s = ud;
	_cleanup_json_ json_t *rs = NULL, *all = NULL, *claimed = NULL;
	_cleanup_json_ json_t *active = json_array(), *st = NULL;
	struct label_selector *sel = NULL;
	struct kf_error err;
	bool synced;
	long wait = 0;
	size_t i;
	json_t *pod;
	int r, mr = 0;

	if (informer_get(s->sets, key, &rs) < 0) {
		expectations_delete(s->exp, key);
		return 0;
	}
	r = ctrl_label_selector(cj_get(rs, "spec.selector"), &sel);
	if (r < 0) {
		ctrl_logf(s->ctx, "replicaset %s: invalid selector", key);
		return 0; /* validation refuses these; nothing to retry */
	}
	synced = expectations_satisfied(s->exp, key);
	all = candidates(s, rs);
	r = all ? 0 : -ENOMEM;
	if (r == 0)
		r = ctrl_claim(s->ctx, s->k_pod, rs, sel, all,
			       !ctrl_deleting(rs), &claimed);
	label_selector_free(sel);
	if (r < 0)
		return r;
	json_array_foreach (claimed, i, pod)
		if (pod_active(pod))
			json_array_append(active, pod);
	kf_error_init(&err);
	if (synced && !ctrl_deleting(rs))
		mr = manage(s, key, rs, active, &err);
	st = calculate_status(rs, active, mr, &err,
			      (long)json_array_size(active) <
				  cj_int(rs, "spec.replicas", 1),
			      &wait);
	if (!st)
		return -ENOMEM;
	if (!status_same(json_object_get(rs, "status"), st)) {
		r = write_status(s, rs, st);
		if (r < 0)
			return r;
	}
	if (mr == 0 && wait > 0)
		ctrl_loop_add(&s->loop, key, (uint64_t)wait * 1000);
	return mr;
}

static void rsc_free(void *state)
{
	struct rsc *s = state;

	if (!s)
		return;
	ctrl_loop_release(&s->loop);
	expectations_free(s->exp);
	{
		const char *k;
		void *v;
		size_t i = 0;

		while (strmap_next(&s->by_owner, &i, &k, &v)) {
			strmap_release(v);
			free(v);
		}
		strmap_release(&s->by_owner);
		strmap_release(&s->orphans);
	}
	pthread_mutex_destroy(&s->idx_lock);
	free(s);
}

int replicaset_setup(struct ctrl_ctx *ctx, struct controller *c)
{
	struct rsc *s = calloc(1, sizeof(*s));
	struct informer_handlers ph = {pod_added, pod_updated, pod_removed, s};
	struct informer_handlers rh = {rs_changed, rs_updated, rs_deleted, s};
	int r;

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->k_pod = kinds_by_path("core", "v1", "pods");
	s->k_rs = kinds_by_path("apps", "v1", "replicasets");
	strmap_init(&s->by_owner);
	strmap_init(&s->orphans);
	pthread_mutex_init(&s->idx_lock, NULL);
	r = expectations_new(&s->exp);
	if (r == 0)
		r = ctrl_loop_init(&s->loop, ctx, "replicaset", sync_rs, s);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "pods", &s->pods);
	if (r == 0)
		r = ctrl_informer(ctx, "apps", "v1", "replicasets", &s->sets);
	if (r == 0)
		r = informer_add_handlers(s->pods, &ph);
	if (r == 0)
		r = informer_add_handlers(s->sets, &rh);
	return controller_fill(c, r, s, rsc_free, &s->loop);
}
