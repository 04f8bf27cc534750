/*
 * agent_nodes.c — the node side of the agent: registration (with the
 * choice of pod CIDR and InternalIP), Lease renewal in batches, and the
 * periodic node status, all from one thread.
 */
#include "nodeagent/agent_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "nodeagent/nodestatus.h"

#define SLOTS_MAX (1u << 22)
#define REGISTER_BACKOFF_MS 1000
#define REGISTER_BACKOFF_MAX_MS 30000
#define LEASE_RETRY_MS 200	/* the kubelet's lease controller: 200 ms .. */
#define LEASE_RETRY_MAX_MS 7000 /* .. 7 s */
#define STATUS_RETRY_MS 10000	/* nodeStatusUpdateFrequency */
#define TICK_MAX_MS 1000
#define MEASURE_MS 10000 /* real nodes: pressure measured this often */

/* ---- slots: which pod CIDR / InternalIP pairs are free ---- */

struct slots {
	uint8_t *bits;
	uint64_t n;
};

static uint64_t slot_count(const struct agent *a)
{
	uint64_t blocks =
	    ipam_cidr_subnets(&a->cluster_cidr, a->cfg.node_cidr_mask);
	uint64_t hosts = ipam_cidr_size(&a->node_ip_range);

	/* InternalIP of slot s is host s + 2 of the range (not the last) */
	hosts = hosts > 3 ? hosts - 3 : 0;
	if (blocks > hosts)
		blocks = hosts;
	return blocks > SLOTS_MAX ? SLOTS_MAX : blocks;
}

static void slot_mark(struct slots *s, uint64_t i)
{
	if (i < s->n)
		s->bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* Mark the slots a node's pod CIDR and address stand for. */
static void slots_mark_node(struct agent *a, struct slots *s, const char *cidr,
			    const char *ip)
{
	struct cidr4 c;
	uint64_t i;
	uint32_t addr;

	if (cidr && cidr4_parse(cidr, &c) == 0 &&
	    c.prefix == a->cfg.node_cidr_mask &&
	    ipam_cidr_subnet_index(&a->cluster_cidr, &c, &i) == 0)
		slot_mark(s, i);
	if (ip && ipv4_parse(ip, &addr) == 0 &&
	    ipam_cidr_contains(&a->node_ip_range, addr) &&
	    addr - a->node_ip_range.addr >= 2)
		slot_mark(s, addr - a->node_ip_range.addr - 2);
}

static int slots_take(struct slots *s, uint64_t *ret)
{
	for (uint64_t i = 0; i < s->n; i++)
		if (!(s->bits[i / 8] >> (i % 8) & 1)) {
			slot_mark(s, i);
			*ret = i;
			return 0;
		}
	return -ENOSPC;
}

/* The InternalIP a Node reports, or NULL. Borrowed from node. */
static const char *node_internal_ip(const json_t *node)
{
	size_t i;
	json_t *ad;

	json_array_foreach (
	    json_object_get(json_object_get(node, "status"), "addresses"), i,
	    ad) {
		const char *t = json_string_value(json_object_get(ad, "type"));

		if (t && !strcmp(t, "InternalIP"))
			return json_string_value(
			    json_object_get(ad, "address"));
	}
	return NULL;
}

static const char *node_pod_cidr(const json_t *node)
{
	return json_string_value(
	    json_object_get(json_object_get(node, "spec"), "podCIDR"));
}

/* ---- registration ---- */

static void node_info(struct agent *a, const struct agent_node *n,
		      struct nodestatus_info *ni)
{
	memset(ni, 0, sizeof(*ni));
	ni->name = n->name;
	ni->internal_ip = n->internal_ip;
	ni->pod_cidr = n->pod_cidr;
	ni->cpu = a->cfg.cpu;
	ni->memory = a->cfg.memory;
	ni->pods = a->cfg.pods;
	ni->ephemeral_storage = a->cfg.ephemeral_storage;
	ni->arch = "amd64";
	ni->runtime_version = n->rt ? runtime_version(n->rt) : "";
	ni->kernel_version = a->kernel;
	ni->os_image = a->os_image;
	ni->machine_id = n->machine_id;
	ni->system_uuid = n->system_uuid;
	ni->boot_id = n->boot_id;
	ni->fake = a->cfg.fake;
	ni->port = a->cfg.port;
	ni->memory_pressure = n->pressure.memory;
	ni->disk_pressure = n->pressure.disk;
	ni->pid_pressure = n->pressure.pid;
}

/* Decide the node's addresses: flags, else the Node's, else a slot. */
static int choose_addresses(struct agent *a, struct agent_node *n,
			    const json_t *existing, struct slots *s)
{
	const char *cidr = node_pod_cidr(existing);
	const char *ip = node_internal_ip(existing);
	char buf[CIDR4_STRLEN];
	struct cidr4 c;
	uint64_t slot;
	uint32_t addr;

	if (!n->pod_cidr[0] && cidr && cidr4_parse(cidr, &c) == 0)
		cidr4_format(&c, n->pod_cidr);
	if (!n->internal_ip[0] && ip && ipv4_parse(ip, &addr) == 0)
		ipv4_format(addr, n->internal_ip);
	if (n->pod_cidr[0] && n->internal_ip[0])
		return 0;
	if (slots_take(s, &slot) < 0) {
		agent_logf(a,
			   "node %s: no pod CIDR of /%u left in %s with a "
			   "free address in %s (see --cluster-cidr, "
			   "--node-cidr-mask-size, --node-ip-range)",
			   n->name, a->cfg.node_cidr_mask,
			   cidr4_format(&a->cluster_cidr, buf),
			   a->cfg.node_ip_range);
		return -ENOSPC;
	}
	if (!n->pod_cidr[0]) {
		ipam_cidr_subnet(&a->cluster_cidr, a->cfg.node_cidr_mask, slot,
				 &c);
		cidr4_format(&c, n->pod_cidr);
	}
	if (!n->internal_ip[0]) {
		ipam_cidr_host(&a->node_ip_range, slot + 2, &addr);
		ipv4_format(addr, n->internal_ip);
	}
	return 0;
}

/* Events a runtime records for a pod (Pulled, Started, BackOff, ...). */
static void runtime_event(void *ud, const json_t *pod, bool warning,
			  const char *reason, const char *message)
{
	struct agent *a = ud;

	event_recorder_eventf(a->rec, pod,
			      warning ? EVENT_TYPE_WARNING : EVENT_TYPE_NORMAL,
			      reason, "%s", message);
}

/* ConfigMaps and Secrets for the runtime's volumes and env. */
static int get_object(void *ud, const char *kind, const char *ns,
		      const char *name, json_t **ret)
{
	struct agent *a = ud;
	const struct kind_info *k = kinds_by_path("core", "v1", kind);

	if (!k || !name)
		return -ENOENT;
	return client_get(a->c, k, ns, name, NULL, ret);
}

static int list_objects(void *ud, const char *kind, const char *ns,
			json_t **ret)
{
	struct agent *a = ud;
	const struct kind_info *k = kinds_by_path("core", "v1", kind);

	if (!k)
		return -ENOENT;
	return client_list(a->c, k, ns, NULL, NULL, NULL, ret, NULL);
}

static int new_runtime(struct agent *a, struct agent_node *n,
		       struct runtime **ret)
{
	struct runtime_fake_config fc = {
	    .pod_cidr = n->pod_cidr,
	    .host_ip = n->internal_ip,
	};
	struct runtime_runc_config rc = {
	    .root_dir = a->cfg.root_dir,
	    .log_dir = a->cfg.log_dir,
	    .pod_cidr = n->pod_cidr,
	    .host_ip = n->internal_ip,
	    .runc = a->cfg.runc,
	    .cni_bin_dir = a->cfg.cni_bin_dir,
	    .self_exe = a->self_exe,
	    .seccomp_dir = a->cfg.seccomp_dir,
	    .cluster_dns = a->cfg.cluster_dns,
	    .pids_limit = a->cfg.pod_max_pids,
	    .allow_privileged = a->cfg.allow_privileged,
	    .allow_host_path = a->cfg.allow_host_path,
	    .get_object = get_object,
	    .get_object_ud = a,
	    .list_objects = list_objects,
	    .event = runtime_event,
	    .event_ud = a,
	};
	struct kf_error err;
	int r;

	if (a->cfg.fake)
		return runtime_fake_new(&fc, ret);
	kf_error_init(&err);
	r = runtime_runc_new(&rc, &err, ret);
	if (r < 0)
		agent_logf(a, "node %s: the runc runtime cannot start: %s",
			   n->name, err.msg[0] ? err.msg : strerror(-r));
	return r;
}

static int make_runtime(struct agent *a, struct agent_node *n)
{
	struct runtime *rt;
	int r;

	if (n->rt)
		return 0;
	r = new_runtime(a, n, &rt);
	if (r == 0) {
		/* the workers read it under the lock */
		pthread_mutex_lock(&a->lock);
		n->rt = rt;
		pthread_mutex_unlock(&a->lock);
	} else if (r == -EINVAL && a->cfg.fake)
		agent_logf(a,
			   "node %s: pod CIDR %s cannot hold pods (its prefix "
			   "length must be between %d and %d)",
			   n->name, n->pod_cidr, IPAM_POOL_PREFIX_MIN,
			   IPAM_POOL_PREFIX_MAX);
	return r;
}

/* Post the node's status through NAME@status. */
static int post_status(struct agent *a, struct agent_node *n,
		       const json_t *old_status, struct kf_error *err)
{
	struct nodestatus_info ni;
	struct timespec now;
	_cleanup_json_ json_t *status = NULL, *obj = NULL;
	int r;

	node_info(a, n, &ni);
	clock_gettime(CLOCK_REALTIME, &now);
	r = nodestatus_status(&ni, old_status, &now, &status);
	if (r < 0)
		return r;
	obj = json_pack("{s:s, s:s, s:{s:s}, s:O}", "apiVersion", "v1", "kind",
			"Node", "metadata", "name", n->name, "status", status);
	if (!obj)
		return -ENOMEM;
	r = client_update_status(a->c, a->k_node, obj, err, NULL);
	if (r < 0)
		return r;
	json_decref(n->status);
	n->status = TAKE_PTR(status);
	AGENT_COUNT(a, node_status_updates);
	return 0;
}

/* An Event about node n. */
static void node_event(struct agent *a, const struct agent_node *n,
		       const char *type, const char *reason, const char *msg)
{
	_cleanup_json_ json_t *ref =
	    json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind",
		      "Node", "metadata", "name", n->name, "uid", n->uid);

	if (ref)
		event_recorder_eventf(a->rec, ref, type, reason, "%s", msg);
}

static void record_starting(struct agent *a, const struct agent_node *n)
{
	node_event(a, n, EVENT_TYPE_NORMAL, "Starting", "Starting kubelet.");
}

/* The kubelet's image GC pass (imagegc.h) on node n's runtime. */
static void collect_images(struct agent *a, struct agent_node *n)
{
	struct imagegc_policy p = {a->cfg.image_gc_high, a->cfg.image_gc_low,
				   a->cfg.image_min_age_ms};
	struct runtime *rt = agent_node_runtime(a, n);
	char msg[512];
	int r;

	if (!rt)
		return;
	r = runtime_gc_images(rt, &p, msg, sizeof(msg));
	if (r == 1)
		node_event(a, n, EVENT_TYPE_WARNING, "FreeDiskSpaceFailed",
			   msg);
	else if (r < 0)
		agent_logf(a, "image garbage collection failed: %s",
			   strerror(-r));
}

static int create_node(struct agent *a, struct agent_node *n,
		       struct kf_error *err)
{
	struct nodestatus_info ni;
	struct timespec now;
	_cleanup_json_ json_t *node = NULL, *stored = NULL;
	const char *uid;
	int r;

	node_info(a, n, &ni);
	clock_gettime(CLOCK_REALTIME, &now);
	r = nodestatus_node(&ni, &now, &node);
	if (r < 0)
		return r;
	r = client_create(a->c, a->k_node, NULL, node, err, &stored);
	if (r < 0)
		return r;
	uid = json_string_value(
	    json_object_get(json_object_get(stored, "metadata"), "uid"));
	snprintf(n->uid, sizeof(n->uid), "%s", uid ? uid : "");
	json_decref(n->status);
	n->status = json_incref(json_object_get(node, "status"));
	return 0;
}

static int update_node(struct agent *a, struct agent_node *n,
		       const json_t *existing, struct kf_error *err)
{
	struct nodestatus_info ni;
	_cleanup_json_ json_t *patch = NULL;
	const char *uid = json_string_value(
	    json_object_get(json_object_get(existing, "metadata"), "uid"));
	const char *cidr = node_pod_cidr(existing);
	int r;

	snprintf(n->uid, sizeof(n->uid), "%s", uid ? uid : "");
	if (cidr && *cidr && strcmp(cidr, n->pod_cidr))
		agent_logf(a,
			   "node %s: the Node's pod CIDR is %s, but its pods "
			   "get addresses from %s",
			   n->name, cidr, n->pod_cidr);
	node_info(a, n, &ni);
	r = nodestatus_reconcile_patch(&ni, existing, &patch);
	if (r == 0 && patch)
		r = client_patch(a->c, a->k_node, NULL, n->name, patch, err,
				 NULL);
	if (r == 0)
		r = post_status(a, n, json_object_get(existing, "status"), err);
	return r;
}

static void register_node(struct agent *a, struct agent_node *n,
			  const json_t *existing, struct slots *s, uint64_t now)
{
	struct kf_error err;
	bool first = !n->rt;
	int r;

	kf_error_init(&err);
	r = choose_addresses(a, n, existing, s);
	if (r == 0)
		r = make_runtime(a, n);
	if (r == 0)
		r = existing ? update_node(a, n, existing, &err)
			     : create_node(a, n, &err);
	if (r < 0) {
		uint64_t wait = (uint64_t)REGISTER_BACKOFF_MS
				<< (n->failures < 5 ? n->failures : 5);

		AGENT_COUNT(a, register_errors);
		if (err.msg[0] && (n->failures == 0 || a->n_nodes == 1))
			agent_logf(a, "unable to register node %s: %s", n->name,
				   err.msg);
		n->failures++;
		n->next_register_ms = now + (wait > REGISTER_BACKOFF_MAX_MS
						 ? REGISTER_BACKOFF_MAX_MS
						 : wait);
		return;
	}
	pthread_mutex_lock(&a->lock);
	n->registered = true;
	pthread_mutex_unlock(&a->lock);
	n->failures = 0;
	n->next_lease_ms = now;
	n->next_status_ms = now + a->cfg.status_report_ms;
	AGENT_COUNT(a, nodes_registered);
	if (a->n_nodes == 1 || !first)
		agent_logf(a, "node %s registered (InternalIP %s, pod CIDR %s)",
			   n->name, n->internal_ip, n->pod_cidr);
	if (first)
		record_starting(a, n);
}

static bool registered(struct agent *a, struct agent_node *n)
{
	bool r;

	pthread_mutex_lock(&a->lock);
	r = n->registered;
	pthread_mutex_unlock(&a->lock);
	return r;
}

/*
 * Register the nodes that are due (every unregistered one when all):
 * one listing of the cluster's Nodes tells which exist and which slots
 * are taken.
 */
static void register_round(struct agent *a, bool all)
{
	_cleanup_json_ json_t *items = NULL, *ours = json_object();
	struct kf_error err;
	struct slots s = {0};
	uint64_t now = mono_ms();
	size_t due = 0, i, done = 0;
	json_t *node;
	int r;

	for (i = 0; i < a->n_nodes; i++)
		if (!registered(a, &a->nodes[i]) &&
		    (all || a->nodes[i].next_register_ms <= now))
			due++;
	if (!due || !ours)
		return;
	kf_error_init(&err);
	r = client_list(a->c, a->k_node, NULL, NULL, NULL, &err, &items, NULL);
	if (r < 0) {
		agent_logf(a, "unable to list nodes: %s",
			   err.msg[0] ? err.msg : strerror(-r));
		for (i = 0; i < a->n_nodes; i++)
			if (!registered(a, &a->nodes[i]))
				a->nodes[i].next_register_ms =
				    now + REGISTER_BACKOFF_MS;
		return;
	}
	s.n = slot_count(a);
	s.bits = calloc(s.n / 8 + 1, 1);
	if (!s.bits)
		return;
	json_array_foreach (items, i, node) {
		const char *name = json_string_value(
		    json_object_get(json_object_get(node, "metadata"), "name"));

		slots_mark_node(a, &s, node_pod_cidr(node),
				node_internal_ip(node));
		if (agent_find_node(a, name))
			json_object_set(ours, name, node);
	}
	for (i = 0; i < a->n_nodes; i++)
		slots_mark_node(a, &s, a->nodes[i].pod_cidr,
				a->nodes[i].internal_ip);
	for (i = 0; i < a->n_nodes && !agent_stopping(a); i++) {
		struct agent_node *n = &a->nodes[i];

		if (registered(a, n) || (!all && n->next_register_ms > now))
			continue;
		register_node(a, n, json_object_get(ours, n->name), &s, now);
		done += registered(a, n);
	}
	free(s.bits);
	if (a->n_nodes > 1 && (all || done))
		agent_logf(a, "registered %zu of %zu node%s", done, due,
			   due == 1 ? "" : "s");
}

void agent_register_all(struct agent *a)
{
	register_round(a, true);
}

/* ---- leases ---- */

static uint64_t renew_interval_ms(const struct agent *a)
{
	return (uint64_t)a->cfg.lease_duration_s * 1000 / 4;
}

static int lease_of(struct agent *a, const struct agent_node *n, json_t **ret)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return nodestatus_lease(n->name, n->uid, a->cfg.lease_duration_s, &now,
				ret);
}

/* Write leases (a JSON List) through the drop box. */
static int apply_list(struct agent *a, json_t *items, struct kf_error *err)
{
	_cleanup_json_ json_t *list = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	list = json_pack("{s:s, s:s, s:O}", "apiVersion", "v1", "kind", "List",
			 "items", items);
	if (!list)
		return -ENOMEM;
	text = json_dumps(list, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	r = client_apply(a->c, text, strlen(text), err);
	__atomic_add_fetch(&a->st.lease_writes, 1, __ATOMIC_RELAXED);
	return r;
}

static void lease_renewed(struct agent *a, struct agent_node *n, uint64_t now)
{
	if (n->failures)
		agent_logf(a, "node %s: lease renewed again", n->name);
	n->failures = 0;
	n->next_lease_ms = now + renew_interval_ms(a);
	AGENT_COUNT(a, lease_renewals);
}

static void lease_failed(struct agent *a, struct agent_node *n, uint64_t now,
			 int r, const struct kf_error *err)
{
	uint64_t wait = (uint64_t)LEASE_RETRY_MS
			<< (n->failures < 6 ? n->failures : 6);

	AGENT_COUNT(a, lease_errors);
	if (!n->failures)
		agent_logf(a, "failed to update lease %s/%s, will retry: %s",
			   NODESTATUS_LEASE_NAMESPACE, n->name,
			   err->msg[0] ? err->msg : strerror(-r));
	n->failures++;
	n->next_lease_ms =
	    now + (wait > LEASE_RETRY_MAX_MS ? LEASE_RETRY_MAX_MS : wait);
}

/* Renew the leases of batch[0..n): one write, else one by one. */
static void renew_batch(struct agent *a, struct agent_node **batch, size_t n,
			uint64_t now)
{
	_cleanup_json_ json_t *items = json_array();
	struct kf_error err;
	int r = -ENOMEM;

	if (items) {
		for (size_t i = 0; i < n; i++) {
			json_t *lease = NULL;

			if (lease_of(a, batch[i], &lease) == 0)
				json_array_append_new(items, lease);
		}
		kf_error_init(&err);
		if (json_array_size(items) == n)
			r = apply_list(a, items, &err);
	}
	if (r == 0) {
		for (size_t i = 0; i < n; i++)
			lease_renewed(a, batch[i], now);
		return;
	}
	/* find out which ones failed */
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *one = json_array(), *lease = NULL;

		kf_error_init(&err);
		r = lease_of(a, batch[i], &lease);
		if (r == 0 && (!one || json_array_append(one, lease) < 0))
			r = -ENOMEM;
		if (r == 0)
			r = apply_list(a, one, &err);
		if (r == 0)
			lease_renewed(a, batch[i], now);
		else
			lease_failed(a, batch[i], now, r, &err);
	}
}

static void renew_leases(struct agent *a)
{
	struct agent_node *batch[AGENT_LEASE_BATCH];
	uint64_t now = mono_ms();
	size_t n = 0;

	for (size_t i = 0; i < a->n_nodes && !agent_stopping(a); i++) {
		struct agent_node *node = &a->nodes[i];

		if (!registered(a, node) || node->next_lease_ms > now)
			continue;
		batch[n++] = node;
		if (n == AGENT_LEASE_BATCH) {
			renew_batch(a, batch, n, now);
			n = 0;
		}
	}
	if (n)
		renew_batch(a, batch, n, now);
}

/* ---- node status ---- */

static void report_statuses(struct agent *a)
{
	uint64_t now = mono_ms();

	for (size_t i = 0; i < a->n_nodes && !agent_stopping(a); i++) {
		struct agent_node *n = &a->nodes[i];
		struct kf_error err;
		int r;

		if (!a->cfg.fake && n->next_measure_ms <= now) {
			struct host_pressure hp;

			/* the kubelet's nodeStatusUpdateFrequency: a change
			 * of pressure is posted at once */
			host_pressure(a->cfg.root_dir, &hp);
			if (memcmp(&hp, &n->pressure, sizeof(hp)))
				n->next_status_ms = now;
			n->pressure = hp;
			n->next_measure_ms = now + MEASURE_MS;
		}
		if (!a->cfg.fake && registered(a, n) && n->next_gc_ms <= now) {
			collect_images(a, n);
			n->next_gc_ms = now + a->cfg.image_gc_period_ms;
		}
		if (!registered(a, n) || n->next_status_ms > now)
			continue;
		kf_error_init(&err);
		r = post_status(a, n, n->status, &err);
		if (r == -ENOENT) {
			agent_logf(a,
				   "node %s was deleted; registering it "
				   "again",
				   n->name);
			pthread_mutex_lock(&a->lock);
			n->registered = false;
			pthread_mutex_unlock(&a->lock);
			n->next_register_ms = now;
			continue;
		}
		if (r < 0) {
			agent_logf(a,
				   "error updating node status of %s, will "
				   "retry: %s",
				   n->name,
				   err.msg[0] ? err.msg : strerror(-r));
			n->next_status_ms = now + STATUS_RETRY_MS;
			continue;
		}
		n->next_status_ms = now + a->cfg.status_report_ms;
	}
}

/* Sleep until the earliest deadline (at most TICK_MAX_MS) or a stop. */
static void nap(struct agent *a)
{
	uint64_t now = mono_ms(), until = now + TICK_MAX_MS;
	struct timespec ts;

	for (size_t i = 0; i < a->n_nodes; i++) {
		const struct agent_node *n = &a->nodes[i];
		uint64_t next = registered(a, (struct agent_node *)n)
				    ? (n->next_lease_ms < n->next_status_ms
					   ? n->next_lease_ms
					   : n->next_status_ms)
				    : n->next_register_ms;

		if (next < until)
			until = next;
		if (!a->cfg.fake && n->next_measure_ms < until)
			until = n->next_measure_ms;
		if (!a->cfg.fake && registered(a, (struct agent_node *)n) &&
		    n->next_gc_ms < until)
			until = n->next_gc_ms;
	}
	if (until <= now)
		return;
	ts.tv_sec = (time_t)(until / 1000);
	ts.tv_nsec = (long)(until % 1000) * 1000000;
	pthread_mutex_lock(&a->lock);
	if (!a->stopping)
		pthread_cond_timedwait(&a->cond, &a->lock, &ts);
	pthread_mutex_unlock(&a->lock);
}

void *agent_node_thread(void *arg)
{
	struct agent *a = arg;

	while (!agent_stopping(a)) {
		register_round(a, false);
		renew_leases(a);
		report_statuses(a);
		nap(a);
	}
	return NULL;
}
