/*
 * runtime_runc.c — the runc backend: a pod is a network namespace set up
 * by CNI plus containers run by runc through shims; sync starts what is
 * due (init containers in order, then the containers, restarts after
 * their back-off), stop is the kubelet's graceful termination, remove
 * releases every host object the pod had.
 */
#include "nodeagent/runc_i.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "nodeagent/fsutil.h"
#include "api/quantity.h"
#include "nodeagent/image.h"
#include "nodeagent/proc.h"

#define POLL_MS 1000 /* how often a live pod is looked at */

/* ---- start ---- */

/* hostPorts as CNI's portMappings. New reference or NULL. */
static json_t *port_mappings(const json_t *pod)
{
	json_t *pm = json_array(), *c, *port;
	size_t i, j;

	json_array_foreach (
	    json_object_get(json_object_get(pod, "spec"), "containers"), i, c)
		json_array_foreach (json_object_get(c, "ports"), j, port) {
			json_int_t hp = json_integer_value(
			    json_object_get(port, "hostPort"));
			const char *proto = json_string_value(
			    json_object_get(port, "protocol"));

			if (hp <= 0)
				continue;
			/* hostIP: only that address of the node answers */
			json_array_append_new(
			    pm, json_pack(
				    "{s:I, s:O, s:s, s:O*}", "hostPort", hp,
				    "containerPort",
				    json_object_get(port, "containerPort"),
				    "protocol", proto ? proto : "TCP", "hostIP",
				    json_object_get(port, "hostIP")));
		}
	if (!json_array_size(pm)) {
		json_decref(pm);
		return NULL;
	}
	for (i = 0; i < json_array_size(pm); i++) {
		json_t *m = json_array_get(pm, i);
		const char *pr =
		    json_string_value(json_object_get(m, "protocol"));
		char low[8];

		snprintf(low, sizeof(low), "%s", pr);
		for (char *q = low; *q; q++)
			*q = (char)(*q | 0x20);
		json_object_set_new(m, "protocol", json_string(low));
	}
	return pm;
}

static int setup_network(struct runc *rc, struct runc_pod *p,
			 struct kf_error *err)
{
	int r;

	if (p->host_network) {
		snprintf(p->ip, sizeof(p->ip), "%s", rc->host_ip);
		return 0;
	}
	r = netns_create(p->netns);
	if (r < 0)
		return kf_error_set(err, r,
				    "Failed to create pod sandbox: failed to "
				    "create network namespace: %s",
				    strerror(-r));
	r = cni_add(&rc->net, p->uid, p->netns, p->port_mappings, err, p->ip);
	if (r < 0) {
		char msg[KF_ERROR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		netns_remove(p->netns);
		return kf_error_set(err, r,
				    "Failed to create pod sandbox: failed to "
				    "setup network for sandbox: %s",
				    msg);
	}
	p->net_up = true;
	return 0;
}

static void teardown_network(struct runc *rc, struct runc_pod *p)
{
	if (p->host_network)
		return;
	cni_del(&rc->net, p->uid, p->netns, p->port_mappings);
	netns_remove(p->netns);
	p->net_up = false;
}

/* What an Event needs of the pod, kept for the Events of a stop. */
static json_t *pod_ref(const json_t *pod)
{
	return json_pack("{s:s, s:s, s:O}", "apiVersion", "v1", "kind", "Pod",
			 "metadata", json_object_get(pod, "metadata"));
}

static int new_pod(struct runc *rc, const json_t *pod, struct runc_pod **ret)
{
	const json_t *spec = json_object_get(pod, "spec");
	const char *uid = runc_pod_str(pod, "metadata", "uid");
	struct runc_pod *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	snprintf(p->uid, sizeof(p->uid), "%s", uid);
	snprintf(p->ns, sizeof(p->ns), "%s",
		 runc_pod_str(pod, "metadata", "namespace")
		     ? runc_pod_str(pod, "metadata", "namespace")
		     : "default");
	snprintf(p->name, sizeof(p->name), "%s",
		 runc_pod_str(pod, "metadata", "name"));
	snprintf(p->dir, sizeof(p->dir), "%s/pods/%s", rc->root, p->uid);
	snprintf(p->netns, sizeof(p->netns), "%s/netns", p->dir);
	p->host_network = json_is_true(json_object_get(spec, "hostNetwork"));
	p->port_mappings = port_mappings(pod);
	p->ref = pod_ref(pod);
	clock_gettime(CLOCK_REALTIME, &p->created);
	runc_pod_cgroup(rc, pod, p);
	r = runc_pod_init_ctrs(json_object_get(spec, "initContainers"), true,
			       &p->init, &p->n_init);
	if (r == 0)
		r = runc_pod_init_ctrs(json_object_get(spec, "containers"),
				       false, &p->ctrs, &p->n_ctrs);
	if (r == 0) {
		p->images = runc_pod_images(p);
		r = p->images ? 0 : -ENOMEM;
	}
	if (r < 0) {
		runc_pod_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

static int runc_start_pod(struct runtime *rt, const json_t *pod,
			  struct kf_error *err)
{
	struct runc *rc = runc_of(rt);
	const char *uid = runc_pod_str(pod, "metadata", "uid");
	struct runc_pod *p;
	int r;

	/* it names the pod's directory (runtime_start_pod() checked the rest) */
	if (strlen(uid) >= 64 || strchr(uid, '/'))
		return kf_error_set(err, -EINVAL, "pod has no metadata.uid");
	pthread_mutex_lock(&rc->lock);
	p = strmap_get(&rc->pods, uid);
	r = !p && strmap_len(&rc->pods) >= RUNTIME_PODS_MAX ? -EMFILE : 0;
	pthread_mutex_unlock(&rc->lock);
	if (p || r < 0)
		return r;
	r = new_pod(rc, pod, &p);
	if (r < 0)
		return r;
	r = fsutil_mkdir_p(p->dir, 0700);
	if (r == 0)
		r = fsutil_mkdir_p(p->dir, 0700);
	if (r < 0) {
		kf_error_set(err, r,
			     "Failed to create pod sandbox: mkdir %s: %s",
			     p->dir, strerror(-r));
		goto out_free;
	}
	r = setup_network(rc, p, err);
	if (r < 0)
		goto out_rm;
	r = runc_pod_write_files(rc, p, pod);
	if (r < 0) {
		kf_error_set(err, r,
			     "Failed to create pod sandbox: writing "
			     "/etc/hosts: %s",
			     strerror(-r));
		goto out_net;
	}
	r = volume_setup(&rc->vol, pod, p->dir, err);
	if (r < 0)
		goto out_vol;
	runc_pod_memory_limit(pod, p);
	runc_pod_save(p);
	pthread_mutex_lock(&rc->lock);
	r = strmap_put(&rc->pods, p->uid, p);
	pthread_mutex_unlock(&rc->lock);
	if (r < 0)
		goto out_net;
	return 0;
out_vol:
	volume_teardown(p->dir);
out_net:
	teardown_network(rc, p);
out_rm:
	runc_pod_remove_cgroups(rc, p);
	fsutil_rm_rf(p->dir);
out_free:
	runc_pod_free(p);
	return r;
}

/* ---- sync: what is due ---- */

static const char *restart_policy(const json_t *pod)
{
	const char *p = runc_pod_str(pod, "spec", "restartPolicy");

	return p ? p : "Always";
}

/* Keep the run that ended as lastState and count the restart. */
static void to_last(struct runc_ctr *c)
{
	free(c->st.last_reason);
	free(c->st.last_container_id);
	c->st.has_last = true;
	c->st.last_started_at = c->st.started_at;
	c->st.last_finished_at = c->st.finished_at;
	c->st.last_exit_code = c->st.exit_code;
	c->st.last_reason = c->st.reason;
	c->st.last_container_id = c->st.container_id;
	c->st.reason = c->st.container_id = NULL;
	free(c->st.message);
	c->st.message = NULL;
	c->restart_pending = true; /* counted when it starts again */
}

/*
 * c exited and its policy restarts it: at once the first time, then
 * after 10 s doubling to 5 min (CrashLoopBackOff meanwhile).
 */
static void restart(struct runc *rc, struct runc_pod *p, const json_t *pod,
		    struct runc_ctr *c, uint64_t now)
{
	char msg[1024];

	if (c->st.state == RUNTIME_EXITED) {
		unsigned delay = c->backoff_s;

		to_last(c);
		c->backoff_s =
		    c->backoff_s ? c->backoff_s * 2 : RUNC_BACKOFF_INITIAL_S;
		if (c->backoff_s > RUNC_BACKOFF_MAX_S)
			c->backoff_s = RUNC_BACKOFF_MAX_S;
		c->st.state = RUNTIME_CREATED;
		c->retry_ms = now + (uint64_t)delay * 1000;
		if (delay) {
			snprintf(msg, sizeof(msg),
				 "back-off %us restarting failed container=%s "
				 "pod=%s_%s(%s)",
				 delay, c->st.name, p->name, p->ns, p->uid);
			free(c->st.waiting_reason);
			free(c->st.message);
			c->st.waiting_reason = strdup("CrashLoopBackOff");
			c->st.message = strdup(msg);
			runc_event(rc, pod, true, "BackOff",
				   "Back-off restarting failed container %s "
				   "in pod %s_%s(%s)",
				   c->st.name, p->name, p->ns, p->uid);
		}
	}
	if (c->st.state == RUNTIME_CREATED && now >= c->retry_ms) {
		if (c->restart_pending) {
			c->st.restart_count++;
			c->restart_pending = false;
		}
		runc_ctr_start(rc, p, pod, c);
		runc_pod_save(p);
	}
}

static bool wants_restart(const char *policy, const struct runc_ctr *c)
{
	if (c->sidecar || !strcmp(policy, "Always"))
		return true;
	return !strcmp(policy, "OnFailure") && c->st.exit_code != 0;
}

/* Start or restart what is due; true while something may change. */
static bool drive(struct runc *rc, struct runc_pod *p, const json_t *pod)
{
	const char *policy = restart_policy(pod);
	uint64_t now = mono_ms();
	bool live = false;

	for (size_t i = 0; i < p->n_init; i++) {
		struct runc_ctr *c = &p->init[i];

		if (c->st.state == RUNTIME_EXITED && c->st.exit_code == 0 &&
		    !c->sidecar)
			continue; /* done */
		if (c->st.state == RUNTIME_RUNNING) {
			if (c->sidecar)
				continue; /* started: the next one may go */
			return true;
		}
		if (c->st.state == RUNTIME_EXITED && !strcmp(policy, "Never") &&
		    !c->sidecar)
			return false; /* the pod has failed */
		restart(rc, p, pod, c, now);
		return true;
	}
	for (size_t i = 0; i < p->n_ctrs; i++) {
		struct runc_ctr *c = &p->ctrs[i];

		if (c->st.state == RUNTIME_RUNNING) {
			runc_ctr_probe(rc, p, pod, c);
			live = true;
		} else if (c->st.state == RUNTIME_CREATED ||
			   wants_restart(policy, c)) {
			restart(rc, p, pod, c, now);
			live = true;
		}
	}
	return live;
}

static void reap_all(struct runc *rc, struct runc_pod *p)
{
	bool changed = false;

	for (size_t i = 0; i < p->n_init; i++)
		changed |= runc_ctr_reap(rc, p, &p->init[i]);
	for (size_t i = 0; i < p->n_ctrs; i++)
		changed |= runc_ctr_reap(rc, p, &p->ctrs[i]);
	if (changed)
		runc_pod_save(p);
}

struct runc_pod *runc_get_pod(struct runc *rc, const char *uid)
{
	struct runc_pod *p;

	pthread_mutex_lock(&rc->lock);
	p = uid ? strmap_get(&rc->pods, uid) : NULL;
	pthread_mutex_unlock(&rc->lock);
	return p;
}

static int runc_sync_pod(struct runtime *rt, const json_t *pod,
			 uint64_t *ret_next_ms)
{
	struct runc *rc = runc_of(rt);
	struct runc_pod *p =
	    runc_get_pod(rc, runc_pod_str(pod, "metadata", "uid"));
	bool live;

	if (!p)
		return -ENOENT;
	pthread_mutex_lock(&p->lock);
	reap_all(rc, p);
	live = !p->stopped && drive(rc, p, pod);
	pthread_mutex_unlock(&p->lock);
	*ret_next_ms = live ? POLL_MS : 0;
	return 0;
}

/* ---- stop and remove ---- */

static bool any_running(struct runc_ctr *cs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cs[i].st.state == RUNTIME_RUNNING)
			return true;
	return false;
}

/* Reap cs every poll_ms until none runs or the deadline passes. */
static void reap_until(struct runc *rc, struct runc_pod *p, struct runc_ctr *cs,
		       size_t n, uint64_t deadline, unsigned poll_ms)
{
	for (;;) {
		for (size_t i = 0; i < n; i++)
			runc_ctr_reap(rc, p, &cs[i]);
		if (!any_running(cs, n) || mono_ms() >= deadline)
			break;
		usleep(poll_ms * 1000);
	}
}

/* TERM, grace, KILL for the running containers of cs. */
static void stop_set(struct runc *rc, struct runc_pod *p, struct runc_ctr *cs,
		     size_t n, long grace_s)
{
	uint64_t deadline = mono_ms() + (uint64_t)grace_s * 1000;

	for (size_t i = 0; i < n; i++) {
		uint64_t now = mono_ms();

		runc_ctr_prestop(
		    rc, &cs[i],
		    now < deadline ? (long)((deadline - now + 999) / 1000) : 0);
	}
	for (size_t i = 0; i < n; i++) {
		if (cs[i].st.state != RUNTIME_RUNNING)
			continue;
		if (p->ref)
			runc_event(rc, p->ref, false, "Killing",
				   "Stopping container %s", cs[i].st.name);
		runc_ctr_kill(rc, &cs[i], "TERM");
	}
	reap_until(rc, p, cs, n, deadline, 50);
	deadline = mono_ms() + RUNC_KILL_WAIT_MS;
	for (size_t i = 0; i < n; i++)
		runc_ctr_kill(rc, &cs[i], "KILL");
	reap_until(rc, p, cs, n, deadline, 20);
}

static int runc_stop_pod(struct runtime *rt, const char *uid, long grace,
			 struct kf_error *err)
{
	struct runc *rc = runc_of(rt);
	struct runc_pod *p = runc_get_pod(rc, uid);

	if (!p)
		return kf_error_set(err, -ENOENT,
				    "pod sandbox \"%s\" not found", uid);
	pthread_mutex_lock(&p->lock);
	if (!p->stopped) {
		p->stopped = true;
		/* the containers first, then sidecars and init containers */
		stop_set(rc, p, p->ctrs, p->n_ctrs, grace);
		stop_set(rc, p, p->init, p->n_init, 0);
		/* containers that never ran are done with */
		for (size_t i = 0; i < p->n_ctrs; i++)
			if (p->ctrs[i].st.state == RUNTIME_CREATED)
				runc_ctr_destroy(rc, &p->ctrs[i]);
		runc_pod_save(p);
	}
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Release everything p holds on the host. */
static void destroy_pod(struct runc *rc, struct runc_pod *p)
{
	char logs[4096];

	for (size_t i = 0; i < p->n_ctrs; i++) {
		runc_ctr_kill(rc, &p->ctrs[i], "KILL");
		runc_ctr_destroy(rc, &p->ctrs[i]);
	}
	for (size_t i = 0; i < p->n_init; i++) {
		runc_ctr_kill(rc, &p->init[i], "KILL");
		runc_ctr_destroy(rc, &p->init[i]);
	}
	teardown_network(rc, p);
	runc_pod_remove_cgroups(rc, p);
	volume_teardown(p->dir);
	fsutil_rm_rf(p->dir);
	snprintf(logs, sizeof(logs), "%s/%s_%s_%s", rc->log_dir, p->ns, p->name,
		 p->uid);
	fsutil_rm_rf(logs);
}

static int runc_remove_pod(struct runtime *rt, const char *uid)
{
	struct runc *rc = runc_of(rt);
	struct runc_pod *p;

	pthread_mutex_lock(&rc->lock);
	p = strmap_remove(&rc->pods, uid);
	pthread_mutex_unlock(&rc->lock);
	if (!p)
		return -ENOENT;
	pthread_mutex_lock(&p->lock);
	if (!p->stopped) {
		p->stopped = true;
		stop_set(rc, p, p->ctrs, p->n_ctrs, 0);
		stop_set(rc, p, p->init, p->n_init, 0);
	}
	destroy_pod(rc, p);
	pthread_mutex_unlock(&p->lock);
	runc_pod_free(p);
	return 0;
}

/* ---- status ---- */

static int runc_pod_status(struct runtime *rt, const char *uid,
			   struct runtime_pod_status **ret)
{
	struct runc *rc = runc_of(rt);
	struct runc_pod *p = runc_get_pod(rc, uid);
	struct runtime_pod_status *s;
	int r = 0;

	if (!p)
		return -ENOENT;
	pthread_mutex_lock(&p->lock);
	reap_all(rc, p);
	s = runtime_pod_status_alloc(p->n_init, p->n_ctrs);
	if (!s) {
		pthread_mutex_unlock(&p->lock);
		return -ENOMEM;
	}
	snprintf(s->ip, sizeof(s->ip), "%s", p->ip);
	s->sandbox_ready = !p->stopped;
	s->created = p->created;
	for (size_t i = 0; r == 0 && i < p->n_init; i++)
		r = runtime_container_status_copy(&p->init[i].st,
						  &s->init_containers[i]);
	for (size_t i = 0; r == 0 && i < p->n_ctrs; i++)
		r = runtime_container_status_copy(&p->ctrs[i].st,
						  &s->containers[i]);
	pthread_mutex_unlock(&p->lock);
	if (r < 0) {
		runtime_pod_status_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

static size_t runc_pod_count(struct runtime *rt)
{
	struct runc *rc = runc_of(rt);
	size_t n;

	pthread_mutex_lock(&rc->lock);
	n = strmap_len(&rc->pods);
	pthread_mutex_unlock(&rc->lock);
	return n;
}

static int runc_list_pods(struct runtime *rt, json_t **ret)
{
	struct runc *rc = runc_of(rt);
	json_t *out = json_array();
	size_t i = 0;
	const char *k;

	if (!out)
		return -ENOMEM;
	pthread_mutex_lock(&rc->lock);
	while (strmap_next(&rc->pods, &i, &k, NULL))
		json_array_append_new(out, json_string(k));
	pthread_mutex_unlock(&rc->lock);
	*ret = out;
	return 0;
}

/* Delete the node's bridge and its cgroup parent (when empty). */
static void remove_bridge(struct runc *rc)
{
	char *argv[] = {"ip", "link", "del", rc->bridge, NULL};
	struct runc_pod none = {0};
	struct proc_result pr = {0};

	if (proc_run(argv, NULL, NULL, &pr) == 0)
		proc_result_release(&pr);
	/* /kubefs-H/kubepods/{burstable,besteffort} and up */
	snprintf(none.cgroup, sizeof(none.cgroup), "%s/burstable/x",
		 rc->cgroup_parent);
	runc_pod_remove_cgroups(rc, &none);
	snprintf(none.cgroup, sizeof(none.cgroup), "%s/besteffort/x",
		 rc->cgroup_parent);
	runc_pod_remove_cgroups(rc, &none);
	snprintf(none.cgroup, sizeof(none.cgroup), "%s/x", rc->cgroup_parent);
	runc_pod_remove_cgroups(rc, &none);
}

static void runc_free(struct runtime *rt)
{
	struct runc *rc = runc_of(rt);
	size_t i = 0;
	void *v;

	if (!rc)
		return;
	/* the containers keep running: a restarted agent adopts them */
	while (strmap_next(&rc->pods, &i, NULL, &v))
		runc_pod_free(v);
	if (!strmap_len(&rc->pods))
		remove_bridge(rc); /* nothing left on it: leave no trace */
	strmap_release(&rc->pods);
	imagestore_free(rc->images);
	json_decref(rc->image_used);
	pthread_mutex_destroy(&rc->lock);
	free(rc);
}

static int runc_start_or_attach(struct runtime *rt, const json_t *pod,
				struct kf_error *err)
{
	struct runc_pod *p =
	    runc_get_pod(runc_of(rt), runc_pod_str(pod, "metadata", "uid"));

	if (p) {
		struct runc *rc = runc_of(rt);
		json_t *images;

		pthread_mutex_lock(&p->lock);
		runc_pod_attach_specs(p, pod);
		if (!p->ref)
			p->ref = pod_ref(pod);
		images = runc_pod_images(p);
		pthread_mutex_unlock(&p->lock);
		if (images) { /* the image GC reads them under rc->lock */
			pthread_mutex_lock(&rc->lock);
			json_decref(p->images);
			p->images = images;
			pthread_mutex_unlock(&rc->lock);
		}
		return 0;
	}
	return runc_start_pod(rt, pod, err);
}

static const struct runtime_ops runc_ops = {
    .start_pod = runc_start_or_attach,
    .stop_pod = runc_stop_pod,
    .remove_pod = runc_remove_pod,
    .pod_status = runc_pod_status,
    .pod_count = runc_pod_count,
    .sync_pod = runc_sync_pod,
    .list_pods = runc_list_pods,
    .gc_images = runc_gc_images,
    .pod_usage = runc_pod_usage,
    .free = runc_free,
};

/* "runc://1.1.5": runc's version, as nodeInfo shows a runtime's. */
static int runc_version(const char *bin, char *buf, size_t size,
			struct kf_error *err)
{
	char *argv[] = {(char *)bin, "--version", NULL};
	struct proc_result pr = {0};
	char v[64];
	int r = proc_run(argv, NULL, NULL, &pr);

	if (r < 0 || pr.status != 0) {
		kf_error_set(err, -ENOENT, "cannot run %s: %s", bin,
			     r < 0 ? strerror(-r) : pr.err);
		proc_result_release(&pr);
		return -ENOENT;
	}
	if (sscanf(pr.out, "runc version %63s", v) != 1)
		snprintf(v, sizeof(v), "unknown");
	snprintf(buf, size, "runc://%.48s", v);
	proc_result_release(&pr);
	return 0;
}

static int check_cni(const char *dir, struct kf_error *err)
{
	static const char *const need[] = {"bridge", "host-local", "loopback"};
	char path[4096];

	for (size_t i = 0; i < sizeof(need) / sizeof(*need); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, need[i]);
		if (access(path, X_OK) < 0)
			return kf_error_set(err, -ENOENT,
					    "CNI plugin %s not found in %s",
					    need[i], dir);
	}
	return 0;
}

/*
 * The pod CIDR must be ours alone on this machine: an address of it on
 * another interface (another node's bridge) would make both unreachable.
 */
static int check_subnet(const struct runc *rc, const struct cidr4 *cidr,
			struct kf_error *err)
{
	struct ifaddrs *ifs, *i;
	int r = 0;

	if (getifaddrs(&ifs) < 0)
		return 0;
	for (i = ifs; i && !r; i = i->ifa_next) {
		uint32_t a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    !strcmp(i->ifa_name, rc->bridge))
			continue;
		a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		if (ipam_cidr_contains(cidr, a))
			r = kf_error_set(err, -EADDRINUSE,
					 "pod CIDR %s is already in use on "
					 "this machine (interface %s); give "
					 "this node another one (--pod-cidr)",
					 rc->subnet, i->ifa_name);
	}
	freeifaddrs(ifs);
	return r;
}

int runtime_runc_new(const struct runtime_runc_config *cfg,
		     struct kf_error *err, struct runtime **ret)
{
	char hex[IMAGE_DIGEST_HEX + 1], h[9];
	struct cidr4 cidr;
	struct runtime *rt;
	struct runc *rc;
	uint32_t host;
	int r;

	if (!cfg || !cfg->root_dir || !cfg->self_exe ||
	    cidr4_parse(cfg->pod_cidr, &cidr) < 0 ||
	    ipv4_parse(cfg->host_ip, &host) < 0)
		return kf_error_set(err, -EINVAL,
				    "runc runtime: bad configuration");
	rt = calloc(1, sizeof(*rt));
	rc = calloc(1, sizeof(*rc));
	if (!rt || !rc) {
		free(rt);
		free(rc);
		return -ENOMEM;
	}
	snprintf(rc->root, sizeof(rc->root), "%s", cfg->root_dir);
	snprintf(rc->log_dir, sizeof(rc->log_dir), "%s",
		 cfg->log_dir ? cfg->log_dir : cfg->root_dir);
	if (!cfg->log_dir)
		strncat(rc->log_dir, "/logs",
			sizeof(rc->log_dir) - strlen(rc->log_dir) - 1);
	snprintf(rc->runc_root, sizeof(rc->runc_root), "%s/runc", rc->root);
	snprintf(rc->cni_dir, sizeof(rc->cni_dir), "%s/cni", rc->root);
	snprintf(rc->runc_bin, sizeof(rc->runc_bin), "%s",
		 cfg->runc ? cfg->runc : "runc");
	snprintf(rc->self_exe, sizeof(rc->self_exe), "%s", cfg->self_exe);
	snprintf(rc->seccomp_dir, sizeof(rc->seccomp_dir), "%s",
		 cfg->seccomp_dir ? cfg->seccomp_dir : "");
	snprintf(rc->cni_bin, sizeof(rc->cni_bin), "%s",
		 cfg->cni_bin_dir ? cfg->cni_bin_dir : RUNTIME_CNI_BIN_DIR);
	snprintf(rc->host_ip, sizeof(rc->host_ip), "%s", cfg->host_ip);
	snprintf(rc->cluster_dns, sizeof(rc->cluster_dns), "%s",
		 cfg->cluster_dns ? cfg->cluster_dns : "");
	cidr4_format(&cidr, rc->subnet);
	image_fake_digest(cfg->root_dir, hex);
	snprintf(h, sizeof(h), "%.8s", hex);
	snprintf(rc->cgroup_parent, sizeof(rc->cgroup_parent),
		 "/kubefs-%s/kubepods", h);
	snprintf(rc->bridge, sizeof(rc->bridge), "kfb%s", h);
	snprintf(rc->net_name, sizeof(rc->net_name), "kubefs-%s", h);
	rc->net = (struct cni_net){rc->cni_bin, rc->net_name, rc->bridge,
				   rc->subnet, rc->cni_dir};
	rc->pids_limit = cfg->pids_limit;
	rc->vol = (struct volume_ctx){cfg->get_object, cfg->get_object_ud,
				      cfg->allow_host_path, cfg->list_objects};
	rc->allow_privileged = cfg->allow_privileged;
	rc->event = cfg->event;
	rc->event_ud = cfg->event_ud;
	pthread_mutex_init(&rc->lock, NULL);
	strmap_init(&rc->pods);
	rc->image_used = json_object();
	rt->ops = &runc_ops;
	rt->impl = rc;
	r = runc_version(rc->runc_bin, rt->version, sizeof(rt->version), err);
	if (r == 0)
		r = check_cni(rc->cni_bin, err);
	if (r == 0)
		r = check_subnet(rc, &cidr, err);
	if (r == 0) {
		char pods[4200];

		snprintf(pods, sizeof(pods), "%s/pods", rc->root);
		r = fsutil_mkdir_p(pods, 0700);
		if (r == 0)
			r = fsutil_mkdir_p(rc->log_dir, 0755);
		if (r == 0)
			r = imagestore_open(rc->root, &rc->images);
		if (r < 0)
			kf_error_set(err, r, "cannot set up %s: %s", rc->root,
				     strerror(-r));
	}
	if (r < 0) {
		runtime_free(rt);
		return r;
	}
	runc_load_pods(rc);
	*ret = rt;
	return 0;
}
