/*
 * nodelifecycle.c — the node lifecycle controller
 * (pkg/controller/nodelifecycle) with its taint-based eviction.
 *
 * Heartbeats: a node is heard from when its Lease in kube-node-lease is
 * renewed or its Ready condition's lastHeartbeatTime changes, judged on
 * this process' monotonic clock (as Kubernetes does: clock skew between
 * machines does not matter). A node not heard from for
 * node_monitor_grace_ms gets Ready (and the pressure conditions) Unknown,
 * "Kubelet stopped posting node status.".
 *
 * Taints follow the Ready condition: False gives
 * node.kubernetes.io/not-ready, Unknown gives node.kubernetes.io/
 * unreachable, each with NoSchedule and NoExecute; True removes them.
 * NoExecute taints are added at a rate per zone (ctrl/zones.h: Normal,
 * PartialDisruption, FullDisruption, as kube-controller-manager's
 * handleDisruption), and not at all while every zone is fully disrupted
 * (the controller assumes its own view is broken, not the whole
 * cluster): then the NoExecute taints it added are removed too.
 *
 * Eviction: a pod on a node with NoExecute taints is deleted at once if
 * it does not tolerate one of them, else when the shortest
 * tolerationSeconds since the taint's timeAdded has passed (pods get
 * 300 s by default: api/defaults.c, DefaultTolerationSeconds); a
 * toleration without tolerationSeconds keeps it forever.
 */
#include "ctrl/ctrl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "api/strmap.h"
#include "api/toleration.h"
#include "ctrl/meta.h"
#include "ctrl/zones.h"

#define TAINT_NOT_READY "node.kubernetes.io/not-ready"
#define TAINT_UNREACHABLE "node.kubernetes.io/unreachable"

struct nlc {
	struct ctrl_ctx *ctx;
	struct informer *nodes, *leases, *pods;
	struct ctrl_loop loop;
	const struct kind_info *k_node, *k_pod;
	pthread_mutex_t lock;
	struct strmap seen; /* node name -> struct heartbeat * */
	struct zone_opts zopts;
	struct zone_limiter zones; /* under lock */
};

/* What was last heard from a node: its Lease's renewTime and its Ready
 * condition's lastHeartbeatTime, and when either last changed. */
struct heartbeat {
	uint64_t at; /* mono_ms() */
	char *lease, *hb;
};

static void heartbeat_free(struct heartbeat *h)
{
	if (!h)
		return;
	free(h->lease);
	free(h->hb);
	free(h);
}

enum hb_field { LEASE, HB };

/* Record a heartbeat field of node; a change means "heard from now". */
static void heard(struct nlc *s, const char *node, enum hb_field field,
		  const char *value)
{
	struct heartbeat *h;
	char **cur;

	pthread_mutex_lock(&s->lock);
	h = strmap_get(&s->seen, node);
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h || strmap_put(&s->seen, node, h) < 0) {
			free(h);
			pthread_mutex_unlock(&s->lock);
			return;
		}
		h->at = mono_ms();
	}
	cur = field == LEASE ? &h->lease : &h->hb;
	if (value && strcmp(*cur ? *cur : "", value)) {
		char *dup = strdup(value);

		if (dup) {
			free(*cur);
			*cur = dup;
			h->at = mono_ms();
		}
	}
	pthread_mutex_unlock(&s->lock);
}

static long long silent_ms(struct nlc *s, const char *node)
{
	struct heartbeat *h;
	long long ms = 0;

	pthread_mutex_lock(&s->lock);
	h = strmap_get(&s->seen, node);
	if (h)
		ms = (long long)(mono_ms() - h->at);
	pthread_mutex_unlock(&s->lock);
	return ms;
}

/* ---- handlers ---- */

static bool has_no_execute(const json_t *taints)
{
	size_t i;
	json_t *t;

	json_array_foreach (taints, i, t)
		if (!strcmp(cj_str(t, "effect") ?: "", "NoExecute"))
			return true;
	return false;
}
/* A pod bound to a node with NoExecute taints may have to go. */
static void pod_changed(void *ud, const json_t *pod)
{
	struct nlc *s = ud;
	const char *node = cj_str(pod, "spec.nodeName");
	_cleanup_json_ json_t *n = NULL;

	if (node && *node && pod_active(pod) &&
	    informer_get(s->nodes, node, &n) == 0 &&
	    has_no_execute(cj_get(n, "spec.taints")))
		ctrl_loop_add(&s->loop, node, 0);
}

static void node_changed(void *ud, const json_t *node)
{
	struct nlc *s = ud;
	json_t *ready = ctrl_condition(node, "Ready");

	heard(s, meta_s(node, "name"), HB,
	      ready ? cj_str(ready, "lastHeartbeatTime") : NULL);
	ctrl_loop_add(&s->loop, meta_s(node, "name"), 0);
}

static void node_updated(void *ud, const json_t *old, const json_t *node)
{
	node_changed(ud, node);
}

static void node_deleted(void *ud, const json_t *node)
{
	struct nlc *s = ud;

	pthread_mutex_lock(&s->lock);
	heartbeat_free(strmap_remove(&s->seen, meta_s(node, "name")));
	pthread_mutex_unlock(&s->lock);
}

static void lease_changed(void *ud, const json_t *lease)
{
	struct nlc *s = ud;

	if (strcmp(meta_s(lease, "namespace"), "kube-node-lease"))
		return;
	heard(s, meta_s(lease, "name"), LEASE, cj_str(lease, "spec.renewTime"));
}

static void lease_updated(void *ud, const json_t *old, const json_t *lease)
{
	lease_changed(ud, lease);
}

static void pod_updated(void *ud, const json_t *old, const json_t *pod)
{
	if (!json_equal(cj_get(old, "spec.nodeName"),
			cj_get(pod, "spec.nodeName")))
		pod_changed(ud, pod);
}

/* ---- conditions ---- */

static int mark_unknown(struct nlc *s, const json_t *node, json_t **ret)
{
	static const char *const types[] = {"Ready", "MemoryPressure",
					    "DiskPressure", "PIDPressure"};
	_cleanup_json_ json_t *n = json_deep_copy(node), *stored = NULL;
	char now[RFC3339_MAX];
	struct kf_error err;
	int r;

	if (!n)
		return -ENOMEM;
	ctrl_now(now);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		json_t *c = ctrl_condition(n, types[i]);

		if (!c || !strcmp(cj_str(c, "status") ?: "", "Unknown"))
			continue;
		json_object_set_new(c, "status", json_string("Unknown"));
		json_object_set_new(c, "reason",
				    json_string("NodeStatusUnknown"));
		json_object_set_new(
		    c, "message",
		    json_string("Kubelet stopped posting node status."));
		json_object_set_new(c, "lastTransitionTime", json_string(now));
	}
	kf_error_init(&err);
	r = client_update_status(s->ctx->c, s->k_node, n, &err, &stored);
	if (r < 0)
		return r;
	if (s->ctx->rec)
		event_recorder_eventf(s->ctx->rec, node, EVENT_TYPE_NORMAL,
				      "NodeNotReady",
				      "Node %s status is now: NodeNotReady",
				      meta_s(node, "name"));
	*ret = TAKE_PTR(stored);
	return 0;
}

/* ---- taints ---- */

struct zone_count {
	size_t ready, not_ready;
};

static bool node_ready(const json_t *n)
{
	json_t *c = ctrl_condition(n, "Ready");

	return c && !strcmp(cj_str(c, "status") ?: "", "True");
}

static void zone_counts_free(struct strmap *m)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (strmap_next(m, &i, &k, &v))
		free(v);
	strmap_release(m);
}

/*
 * handleDisruption for node's zone: whether its zone may add a
 * NoExecute taint now (ComputeZoneState over the informer's nodes, the
 * zone's rate, and with take a token of its bucket). All zones in
 * FullDisruption: *ret_all_full, and no zone may.
 */
static bool zone_may_taint(struct nlc *s, const json_t *node, bool take,
			   bool *ret_all_full, double *ret_rate)
{
	_cleanup_json_ json_t *all = NULL;
	_cleanup_free_ char *mine = zone_key(node);
	struct strmap counts;
	struct zone_count *zc, *own = NULL;
	bool all_full = true, ok = false;
	enum zone_state st = ZONE_NORMAL;
	size_t i = 0;
	const char *key;
	void *v;
	json_t *n;

	*ret_all_full = false;
	*ret_rate = 0;
	strmap_init(&counts);
	if (!mine || informer_list(s->nodes, &all) < 0)
		goto out;
	json_array_foreach (all, i, n) {
		_cleanup_free_ char *z = zone_key(n);

		if (!z)
			goto out;
		zc = strmap_get(&counts, z);
		if (!zc) {
			zc = calloc(1, sizeof(*zc));
			if (!zc || strmap_put(&counts, z, zc) < 0) {
				free(zc);
				goto out;
			}
		}
		if (node_ready(n))
			zc->ready++;
		else
			zc->not_ready++;
	}
	i = 0;
	while (strmap_next(&counts, &i, &key, &v)) {
		zc = v;
		if (zone_state_of(&s->zopts, zc->ready, zc->not_ready) !=
		    ZONE_FULL_DISRUPTION)
			all_full = false;
		if (!strcmp(key, mine))
			own = zc;
	}
	if (!own)
		goto out;
	st = zone_state_of(&s->zopts, own->ready, own->not_ready);
	*ret_all_full = all_full;
	*ret_rate =
	    zone_rate(&s->zopts, st, own->ready + own->not_ready, all_full);
	if (take) {
		pthread_mutex_lock(&s->lock);
		ok = zone_limiter_take(&s->zones, mine, *ret_rate, mono_ms());
		pthread_mutex_unlock(&s->lock);
	}
out:
	zone_counts_free(&counts);
	return ok;
}

static json_t *find_taint(const json_t *taints, const char *key,
			  const char *effect)
{
	size_t i;
	json_t *t;

	json_array_foreach (taints, i, t)
		if (!strcmp(cj_str(t, "key") ?: "", key) &&
		    !strcmp(cj_str(t, "effect") ?: "", effect))
			return t;
	return NULL;
}

/* Remove the not-ready and unreachable NoExecute taints from taints. */
static bool drop_no_execute(json_t *taints)
{
	bool dropped = false;
	size_t i;

	for (i = json_array_size(taints); i-- > 0;) {
		json_t *t = json_array_get(taints, i);
		const char *key = cj_str(t, "key") ?: "";

		if ((!strcmp(key, TAINT_NOT_READY) ||
		     !strcmp(key, TAINT_UNREACHABLE)) &&
		    !strcmp(cj_str(t, "effect") ?: "", "NoExecute")) {
			json_array_remove(taints, i);
			dropped = true;
		}
	}
	return dropped;
}

/*
 * The node's taints as its Ready status wants them. *ret NULL when they
 * are right already; *ret_wait_ms > 0 when a NoExecute taint waits for
 * the rate limiter.
 */
static json_t *wanted_taints(struct nlc *s, const json_t *node,
			     long long *ret_wait_ms)
{
	json_t *cur = cj_get(node, "spec.taints");
	json_t *ready = ctrl_condition(node, "Ready");
	const char *st = ready ? cj_str(ready, "status") ?: "" : "Unknown";
	const char *want = !strcmp(st, "False")	    ? TAINT_NOT_READY
			   : !strcmp(st, "Unknown") ? TAINT_UNREACHABLE
						    : NULL;
	json_t *out = json_array(), *t;
	bool changed = false, all_full = false;
	double rate = 0;
	char now[RFC3339_MAX];
	size_t i;

	if (!ready)
		want = NULL; /* a node that never reported: leave it */
	json_array_foreach (cur, i, t) {
		const char *key = cj_str(t, "key") ?: "";

		if ((!strcmp(key, TAINT_NOT_READY) ||
		     !strcmp(key, TAINT_UNREACHABLE)) &&
		    (!want || strcmp(key, want))) {
			changed = true;
			continue;
		}
		json_array_append(out, t);
	}
	if (want && !find_taint(cur, want, "NoSchedule")) {
		json_array_append_new(out, json_pack("{s:s, s:s}", "key", want,
						     "effect", "NoSchedule"));
		changed = true;
	}
	if (want) {
		bool has = find_taint(cur, want, "NoExecute");

		if (zone_may_taint(s, node, !has, &all_full, &rate) && !has) {
			ctrl_now(now);
			json_array_append_new(
			    out,
			    json_pack("{s:s, s:s, s:s}", "key", want, "effect",
				      "NoExecute", "timeAdded", now));
			changed = true;
		} else if (!has && rate > 0) {
			*ret_wait_ms = 1000;
		}
		/* rate 0: the node monitor looks again; all zones down: no
		 * evictions anywhere (markNodeAsReachable) */
		if (all_full)
			changed |= drop_no_execute(out);
	}
	if (!changed) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static int write_taints(struct nlc *s, const json_t *node, json_t *taints,
			json_t **ret)
{
	_cleanup_json_ json_t *patch = json_pack(
	    "{s:{s:o}, s:{s:s}}", "spec", "taints", taints, "metadata",
	    "resourceVersion", meta_s(node, "resourceVersion"));

	if (!patch)
		return -ENOMEM;
	return client_patch(s->ctx->c, s->k_node, NULL, meta_s(node, "name"),
			    patch, NULL, ret);
}

/* ---- eviction ---- */

/*
 * When pod must go for the NoExecute taints: -1 never, else the seconds
 * from now (0: now).
 */
static long eviction_in(const json_t *pod, const json_t *taints, time_t now)
{
	long soonest = -1;
	size_t i, j;
	json_t *taint, *tol;

	json_array_foreach (taints, i, taint) {
		long best = -2; /* -2: not tolerated, -1: forever */

		if (strcmp(cj_str(taint, "effect") ?: "", "NoExecute"))
			continue;
		json_array_foreach (cj_get(pod, "spec.tolerations"), j, tol) {
			json_t *secs =
			    json_object_get(tol, "tolerationSeconds");
			long left;

			if (!toleration_tolerates(tol, taint))
				continue;
			if (!json_is_integer(secs)) {
				best = -1;
				break;
			}
			left = (long)(ctrl_time(cj_str(taint, "timeAdded")) +
				      json_integer_value(secs) - now);
			if (left < 0)
				left = 0;
			if (best == -2 || left > best)
				best = left;
		}
		if (best == -2)
			return 0;
		if (best >= 0 && (soonest < 0 || best < soonest))
			soonest = best;
	}
	return soonest;
}

static long evict(struct nlc *s, const char *node, const json_t *taints)
{
	_cleanup_json_ json_t *pods = NULL;
	time_t now = time(NULL);
	long next = -1;
	size_t i;
	json_t *pod;

	if (!has_no_execute(taints))
		return -1; /* the common case: no pod list at all */
	if (informer_list_index(s->pods, CTRL_INDEX_NODE, node, &pods) < 0)
		return 1;
	json_array_foreach (pods, i, pod) {
		long in;

		if (strcmp(cj_str(pod, "spec.nodeName") ?: "", node) ||
		    !pod_active(pod))
			continue;
		in = eviction_in(pod, taints, now);
		if (in < 0)
			continue;
		if (in > 0) {
			if (next < 0 || in < next)
				next = in;
			continue;
		}
		if (s->ctx->rec)
			event_recorder_eventf(
			    s->ctx->rec, pod, EVENT_TYPE_NORMAL,
			    "TaintManagerEviction",
			    "Marking for deletion Pod %s/%s",
			    meta_s(pod, "namespace"), meta_s(pod, "name"));
		client_delete(s->ctx->c, s->k_pod, meta_s(pod, "namespace"),
			      meta_s(pod, "name"), NULL);
	}
	return next;
}

/* ---- sync ---- */

static int sync_node(void *ud, const char *name)
{
	struct nlc *s = ud;
	_cleanup_json_ json_t *node = NULL, *marked = NULL, *tainted = NULL;
	long long wait_ms = 0;
	const json_t *cur;
	json_t *want, *ready;
	long next;
	int r;

	if (informer_get(s->nodes, name, &node) < 0)
		return 0;
	heard(s, name, HB, NULL);
	cur = node;
	ready = ctrl_condition(node, "Ready");
	if (ready && strcmp(cj_str(ready, "status") ?: "", "Unknown") &&
	    silent_ms(s, name) >
		(long long)s->ctx->opts.node_monitor_grace_ms) {
		r = mark_unknown(s, node, &marked);
		if (r < 0)
			return r;
		cur = marked;
	}
	want = wanted_taints(s, cur, &wait_ms);
	if (want) {
		r = write_taints(s, cur, want, &tainted);
		if (r < 0)
			return r;
		cur = tainted;
	}
	next = evict(s, name, cj_get(cur, "spec.taints"));
	if (next > 0 &&
	    next * 1000ll < (long long)s->ctx->opts.node_monitor_period_ms)
		wait_ms =
		    wait_ms && wait_ms < next * 1000 ? wait_ms : next * 1000;
	if (!wait_ms)
		wait_ms = s->ctx->opts.node_monitor_period_ms;
	ctrl_loop_add(&s->loop, name, (uint64_t)wait_ms);
	return 0;
}

static void nlc_free(void *state)
{
	struct nlc *s = state;

	if (!s)
		return;
	ctrl_loop_release(&s->loop);
	{
		const char *k;
		void *v;
		size_t i = 0;

		while (strmap_next(&s->seen, &i, &k, &v))
			heartbeat_free(v);
		strmap_release(&s->seen);
		zone_limiter_release(&s->zones);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int nodelifecycle_setup(struct ctrl_ctx *ctx, struct controller *c)
{
	struct nlc *s = calloc(1, sizeof(*s));
	struct informer_handlers nh = {node_changed, node_updated, node_deleted,
				       s};
	struct informer_handlers lh = {lease_changed, lease_updated, NULL, s};
	struct informer_handlers ph = {pod_changed, pod_updated, NULL, s};
	int r;

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->k_node = kinds_by_path("core", "v1", "nodes");
	s->k_pod = kinds_by_path("core", "v1", "pods");
	strmap_init(&s->seen);
	s->zopts.eviction_rate = ctx->opts.node_eviction_rate;
	s->zopts.secondary_eviction_rate = ctx->opts.secondary_eviction_rate;
	s->zopts.unhealthy_zone_threshold = ctx->opts.unhealthy_zone_threshold;
	s->zopts.large_cluster_size = ctx->opts.large_cluster_size_threshold;
	zone_limiter_init(&s->zones);
	pthread_mutex_init(&s->lock, NULL);
	r = ctrl_loop_init(&s->loop, ctx, "nodelifecycle", sync_node, s);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "nodes", &s->nodes);
	if (r == 0)
		r = ctrl_informer(ctx, "coordination.k8s.io", "v1", "leases",
				  &s->leases);
	if (r == 0)
		r = ctrl_informer(ctx, "core", "v1", "pods", &s->pods);
	if (r == 0)
		r = informer_add_handlers(s->nodes, &nh);
	if (r == 0)
		r = informer_add_handlers(s->leases, &lh);
	if (r == 0)
		r = informer_add_handlers(s->pods, &ph);
	return controller_fill(c, r, s, nlc_free, &s->loop);
}
