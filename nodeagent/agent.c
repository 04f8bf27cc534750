/*
 * agent.c — the agent's life cycle: nodes table, the shared pods watch,
 * the workers that sync pods, and an orderly stop.
 */
#include "nodeagent/agent_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/netaddr.h"
#include "nodeagent/host.h"
#include "nodeagent/imagecmd.h"
#include "nodeagent/nodestatus.h"

#define NOT_REGISTERED_RETRY_MS 1000

void agent_logf(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	if (!a->log)
		return;
	va_start(ap, fmt);
	a->log(a->log_ud, fmt, ap);
	va_end(ap);
}

bool agent_stopping(struct agent *a)
{
	bool s;

	pthread_mutex_lock(&a->lock);
	s = a->stopping;
	pthread_mutex_unlock(&a->lock);
	return s;
}

static int cmp_node(const void *x, const void *y)
{
	return strcmp(((const struct agent_node *)x)->name,
		      ((const struct agent_node *)y)->name);
}

struct agent_node *agent_find_node(struct agent *a, const char *name)
{
	struct agent_node key;

	if (!name || strlen(name) > NODEAGENT_NAME_MAX)
		return NULL;
	strcpy(key.name, name);
	return bsearch(&key, a->nodes, a->n_nodes, sizeof(*a->nodes), cmp_node);
}

struct runtime *agent_node_runtime(struct agent *a, struct agent_node *n)
{
	struct runtime *rt;

	pthread_mutex_lock(&a->lock);
	rt = n->rt;
	pthread_mutex_unlock(&a->lock);
	return rt;
}

/* Fill the table of hosted nodes from the configuration. */
static int make_nodes(struct agent *a)
{
	unsigned n = a->cfg.count ? a->cfg.count : 1;
	char seed[NODEAGENT_NAME_MAX + 64];
	struct timespec now;

	a->nodes = calloc(n, sizeof(*a->nodes));
	if (!a->nodes)
		return -ENOMEM;
	a->n_nodes = n;
	clock_gettime(CLOCK_REALTIME, &now);
	for (unsigned i = 0; i < n; i++) {
		struct agent_node *node = &a->nodes[i];

		if (a->cfg.count) {
			if (nodeagent_node_name(a->cfg.name_prefix, i,
						node->name) < 0)
				return -EINVAL;
		} else {
			snprintf(node->name, sizeof(node->name), "%s",
				 a->cfg.name);
		}
		if (a->cfg.node_ip)
			snprintf(node->internal_ip, sizeof(node->internal_ip),
				 "%s", a->cfg.node_ip);
		if (a->cfg.pod_cidr) {
			struct cidr4 c;

			cidr4_parse(a->cfg.pod_cidr, &c);
			cidr4_format(&c, node->pod_cidr);
		}
		/* stable per name; the boot ID changes with every start */
		snprintf(seed, sizeof(seed), "machine/%s", node->name);
		nodestatus_fake_uuid(seed, node->machine_id);
		snprintf(seed, sizeof(seed), "system/%s", node->name);
		nodestatus_fake_uuid(seed, node->system_uuid);
		snprintf(seed, sizeof(seed), "boot/%s/%lld.%09ld", node->name,
			 (long long)now.tv_sec, now.tv_nsec);
		nodestatus_fake_uuid(seed, node->boot_id);
		if (!a->cfg.fake) { /* a real node is this machine */
			host_ids(node->machine_id, node->boot_id,
				 node->system_uuid);
			if (!node->internal_ip[0])
				ipv4_default_route_addr(node->internal_ip);
		}
	}
	qsort(a->nodes, n, sizeof(*a->nodes), cmp_node);
	for (unsigned i = 1; i < n; i++)
		if (!strcmp(a->nodes[i - 1].name, a->nodes[i].name))
			return -EINVAL;
	return 0;
}

int agent_new(struct client *c, const struct nodeagent_config *cfg,
	      void (*log)(void *ud, const char *fmt, va_list ap), void *log_ud,
	      struct agent **ret)
{
	pthread_condattr_t ca;
	struct agent *a;
	struct utsname u;
	int r;

	if (!c || !cfg)
		return -EINVAL;
	if (!cfg->count && (!cfg->name || !*cfg->name))
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->c = c;
	a->cfg = *cfg;
	a->log = log;
	a->log_ud = log_ud;
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cond, &ca);
	pthread_condattr_destroy(&ca);
	strmap_init(&a->pods);
	if (!a->cfg.root_dir)
		a->cfg.root_dir = NODEAGENT_DEFAULT_ROOT_DIR;
	if (readlink("/proc/self/exe", a->self_exe, sizeof(a->self_exe) - 1) <
	    0)
		snprintf(a->self_exe, sizeof(a->self_exe), "kubefs-node");
	a->k_pod = kinds_by_path("core", "v1", "pods");
	a->k_node = kinds_by_path("core", "v1", "nodes");
	if (uname(&u) == 0)
		snprintf(a->kernel, sizeof(a->kernel), "%s", u.release);
	if (cfg->fake)
		snprintf(a->os_image, sizeof(a->os_image), "kubefs fake node");
	else
		host_os_image(a->os_image, sizeof(a->os_image));
	r = -EINVAL;
	if (!a->k_pod || !a->k_node ||
	    cidr4_parse(cfg->cluster_cidr, &a->cluster_cidr) < 0 ||
	    cidr4_parse(cfg->node_ip_range, &a->node_ip_range) < 0 ||
	    admission_parse(cfg->cpu, cfg->memory, cfg->ephemeral_storage,
			    cfg->pods, &a->allocatable) < 0)
		goto out_free;
	r = make_nodes(a);
	if (r < 0)
		goto out_free;
	*ret = a;
	return 0;
out_free:
	agent_free(a);
	return r;
}

/* ---- the pods watch ---- */

static void enqueue(struct agent *a, const json_t *pod)
{
	const char *node = json_string_value(
	    json_object_get(json_object_get(pod, "spec"), "nodeName"));
	_cleanup_free_ char *key = NULL;

	if (!agent_find_node(a, node) || informer_key(pod, &key) < 0)
		return;
	workqueue_add(a->q, key);
}

static void on_add(void *ud, const json_t *obj)
{
	enqueue(ud, obj);
}

static void on_update(void *ud, const json_t *old, const json_t *obj)
{
	(void)old;
	enqueue(ud, obj);
}

static void on_delete(void *ud, const json_t *obj)
{
	enqueue(ud, obj);
}

/* The informer's notices (its watch broke, it lists again) to the log. */
static void informer_notice(void *ud, const char *msg)
{
	agent_logf(ud, "%s", msg);
}

static int start_informer(struct agent *a)
{
	char selector[NODEAGENT_NAME_MAX + 32];
	/* compact: the agent reads its pods through the handlers and one
	 * informer_get() per sync, so a parse per read is cheap, while
	 * thousands of parsed pods are not */
	struct informer_opts o = {
	    .kind = a->k_pod,
	    .compact = true,
	    .ignore_old = true,
	    .notice = informer_notice,
	    .notice_ud = a,
	};
	struct informer_handlers h = {on_add, on_update, on_delete, a};
	int r;

	/* one node: only its pods; many: every bound pod, dispatched */
	if (a->n_nodes == 1)
		snprintf(selector, sizeof(selector), "spec.nodeName=%s",
			 a->nodes[0].name);
	else
		snprintf(selector, sizeof(selector), "spec.nodeName!=");
	o.field_selector = selector;
	r = informer_new(a->c, &o, &a->inf);
	if (r == 0)
		r = informer_add_handlers(a->inf, &h);
	if (r == 0)
		r = informer_start(a->inf);
	return r;
}

/* Wait for the informer's first list, giving up when stopped. */
static int wait_synced(struct agent *a)
{
	struct kf_error err;
	bool told = false;
	int r;

	for (;;) {
		if (agent_stopping(a))
			return -ECANCELED;
		r = informer_wait_synced(a->inf, 1000);
		if (r != -ETIMEDOUT)
			return r;
		kf_error_init(&err);
		if (!told && informer_error(a->inf, &err) < 0) {
			agent_logf(a, "waiting for the pods watch: %s",
				   err.msg);
			told = true;
		}
	}
}

/* ---- workers ---- */

static void *worker(void *arg)
{
	struct agent *a = arg;
	char *key;

	while (workqueue_get(a->q, &key) == 0) {
		int r = agent_sync_pod(a, key);

		if (r == -EAGAIN) {
			workqueue_add_after(a->q, key, NOT_REGISTERED_RETRY_MS);
		} else if (r < 0) {
			AGENT_COUNT(a, sync_errors);
			workqueue_add_rate_limited(a->q, key);
		} else {
			workqueue_forget(a->q, key);
		}
		workqueue_done(a->q, key);
		free(key);
	}
	return NULL;
}

static int start_workers(struct agent *a)
{
	unsigned n = a->cfg.workers ? a->cfg.workers : 1;
	int r;

	a->workers = calloc(n, sizeof(*a->workers));
	if (!a->workers)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		r = pthread_create(&a->workers[i], NULL, worker, a);
		if (r) {
			a->n_workers = i;
			return -r;
		}
	}
	a->n_workers = n;
	return 0;
}

/* Count the pods the tree says we run, then let the workers loose. */
static void adopt(struct agent *a)
{
	_cleanup_json_ json_t *pods = NULL;

	if (informer_list(a->inf, &pods) == 0)
		agent_adopt_pods(a, pods);
}

/* The log endpoint's question: the uid of pod ns/name. */
static int pod_uid(void *ud, const char *ns, const char *name, char uid[64])
{
	struct agent *a = ud;
	_cleanup_json_ json_t *pod = NULL;
	_cleanup_free_ char *key = NULL;
	const char *u;

	if (asprintf(&key, "%s/%s", ns, name) < 0 ||
	    informer_get(a->inf, key, &pod) < 0)
		return -ENOENT;
	u = json_string_value(
	    json_object_get(json_object_get(pod, "metadata"), "uid"));
	if (!u || strlen(u) >= 64)
		return -ENOENT;
	strcpy(uid, u);
	return 0;
}

/* The status of container ctr in pod, or NULL. Borrowed. */
static const json_t *ctr_status(const json_t *pod, const char *ctr)
{
	const json_t *st = json_object_get(pod, "status");
	const char *lists[] = {"containerStatuses", "initContainerStatuses"};
	size_t i, j;
	json_t *c;

	for (j = 0; j < 2; j++)
		json_array_foreach (json_object_get(st, lists[j]), i, c)
			if (!strcmp(
				json_string_value(json_object_get(c, "name"))
				    ?: "",
				ctr))
				return c;
	return NULL;
}

/* Is run of the container still going, as far as its status tells? */
static int ctr_running(void *ud, const char *ns, const char *name,
		       const char *ctr, long run)
{
	struct agent *a = ud;
	_cleanup_json_ json_t *pod = NULL;
	_cleanup_free_ char *key = NULL;
	const json_t *c, *state;
	long restarts;

	if (asprintf(&key, "%s/%s", ns, name) < 0 ||
	    informer_get(a->inf, key, &pod) < 0)
		return 0;
	c = ctr_status(pod, ctr);
	if (!c)
		return 1; /* not reported yet */
	state = json_object_get(c, "state");
	restarts = (long)json_integer_value(json_object_get(c, "restartCount"));
	if (restarts > run)
		return 0;
	if (restarts < run || json_object_get(state, "running"))
		return 1;
	return !json_object_get(state, "terminated");
}

/* Where to exec into a running container: its runc id from the status. */
static int ctr_exec_target(void *ud, const char *ns, const char *name,
			   const char *ctr, struct logserver_exec *ret)
{
	struct agent *a = ud;
	_cleanup_json_ json_t *pod = NULL;
	_cleanup_free_ char *key = NULL;
	const json_t *c;
	const char *id;

	if (a->cfg.fake || asprintf(&key, "%s/%s", ns, name) < 0 ||
	    informer_get(a->inf, key, &pod) < 0)
		return -ENOENT;
	c = ctr_status(pod, ctr);
	if (!c)
		return -ENOENT;
	id = json_string_value(json_object_get(c, "containerID"));
	if (!json_object_get(json_object_get(c, "state"), "running") || !id ||
	    strncmp(id, "runc://", 7) || strlen(id + 7) >= sizeof(ret->id))
		return -EAGAIN;
	snprintf(ret->id, sizeof(ret->id), "%s", id + 7);
	snprintf(ret->runc, sizeof(ret->runc), "%s",
		 a->cfg.runc ? a->cfg.runc : "runc");
	snprintf(ret->runc_root, sizeof(ret->runc_root), "%s/runc",
		 a->cfg.root_dir ? a->cfg.root_dir
				 : NODEAGENT_DEFAULT_ROOT_DIR);
	return 0;
}

/*
 * A fresh token for the endpoint, published as data.token of the Secret
 * kube-system/kubefs-node-endpoint-NODE: whoever may read that Secret
 * may read logs and exec (docs/security.md). The token is 64 base64
 * characters, and the bearer is that stored text itself.
 */
static int publish_token(struct agent *a, char token[LOGSERVER_TOKEN_MAX])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				  "qrstuvwxyz0123456789+/";
	const struct kind_info *k = kinds_by_path("core", "v1", "secrets");
	_cleanup_json_ json_t *obj = NULL;
	unsigned char rnd[64];
	char name[300];
	struct kf_error err;
	int r;

	if (!k || getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	for (size_t i = 0; i < sizeof(rnd); i++)
		token[i] = b64[rnd[i] & 63];
	token[sizeof(rnd)] = '\0';
	snprintf(name, sizeof(name), "kubefs-node-endpoint-%s",
		 a->nodes[0].name);
	obj = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:{s:s}}", "apiVersion",
			"v1", "kind", "Secret", "metadata", "name", name,
			"namespace", "kube-system", "type", "Opaque", "data",
			"token", token);
	if (!obj)
		return -ENOMEM;
	kf_error_init(&err);
	r = client_create(a->c, k, "kube-system", obj, &err, NULL);
	if (r == -EEXIST) {
		kf_error_init(&err);
		r = client_replace(a->c, k, obj, &err, NULL);
	}
	if (r < 0)
		agent_logf(a,
			   "cannot publish the endpoint token in secret "
			   "kube-system/%s: %s",
			   name, err.msg[0] ? err.msg : strerror(-r));
	return r;
}

/* Serve container logs on --address (else the node's InternalIP):--port. */
static void start_logserver(struct agent *a)
{
	const char *addr =
	    a->cfg.address ? a->cfg.address : a->nodes[0].internal_ip;
	unsigned port = a->cfg.port ? a->cfg.port : NODESTATUS_KUBELET_PORT;
	struct logserver_ops ops = {pod_uid, ctr_running, ctr_exec_target,
				    NULL};
	char dir[4096], token[LOGSERVER_TOKEN_MAX];
	int r;

	if (publish_token(a, token) == 0)
		ops.token = token; /* else nobody gets in */

	snprintf(dir, sizeof(dir), "%s%s",
		 a->cfg.log_dir ? a->cfg.log_dir : a->cfg.root_dir,
		 a->cfg.log_dir ? "" : "/logs");
	r = logserver_start(addr, port, dir, &ops, a, &a->logs);
	if (r < 0)
		agent_logf(a, "cannot serve logs on %s:%u: %s", addr, port,
			   strerror(-r));
	else
		agent_logf(a, "serving container logs on %s:%u", addr, port);
}

int agent_run(struct agent *a)
{
	pthread_t node_thread, metrics_thread;
	bool node_started = false, metrics_started = false;
	int r;

	r = workqueue_new(NULL, &a->q);
	if (r == 0)
		r = event_recorder_new(
		    a->c, AGENT_COMPONENT,
		    a->n_nodes == 1 ? a->nodes[0].name : NULL, &a->rec);
	if (r < 0)
		return r;
	agent_register_all(a);
	if (!agent_stopping(a)) {
		r = start_informer(a);
		if (r < 0)
			goto out_stop;
		r = pthread_create(&node_thread, NULL, agent_node_thread, a);
		if (r) {
			r = -r;
			goto out_stop;
		}
		node_started = true;
		if (!a->cfg.fake)
			start_logserver(a);
		if (wait_synced(a) == 0) {
			adopt(a);
			agent_logf(a, "watching the pods of %zu node%s",
				   a->n_nodes, a->n_nodes == 1 ? "" : "s");
		}
		if (!agent_stopping(a)) {
			r = start_workers(a);
			if (r < 0)
				goto out_stop;
		}
		/* after the sync: it judges its pods by the informer */
		if (!a->cfg.fake && !agent_stopping(a))
			metrics_started =
			    pthread_create(&metrics_thread, NULL,
					   agent_metrics_thread, a) == 0;
	}
	pthread_mutex_lock(&a->lock);
	while (!a->stopping)
		pthread_cond_wait(&a->cond, &a->lock);
	pthread_mutex_unlock(&a->lock);
	r = 0;
out_stop:
	agent_stop(a);
	if (a->inf)
		informer_stop(a->inf);
	workqueue_shutdown(a->q);
	for (unsigned i = 0; i < a->n_workers; i++)
		pthread_join(a->workers[i], NULL);
	a->n_workers = 0;
	if (node_started)
		pthread_join(node_thread, NULL);
	if (metrics_started)
		pthread_join(metrics_thread, NULL);
	logserver_stop(a->logs);
	a->logs = NULL;
	if (a->cfg.shutdown_grace_ms && a->inf)
		agent_shutdown_pods(a);
	event_recorder_flush(a->rec);
	return r;
}

void agent_stop(struct agent *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stopping = true;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

void agent_get_stats(struct agent *a, struct agent_stats *ret)
{
	struct agent_stats s;

#define LOAD(f) s.f = __atomic_load_n(&a->st.f, __ATOMIC_RELAXED)
	LOAD(nodes_registered);
	LOAD(register_errors);
	LOAD(lease_renewals);
	LOAD(lease_errors);
	LOAD(lease_writes);
	LOAD(node_status_updates);
	LOAD(pods_started);
	LOAD(pods_rejected);
	LOAD(pods_deleted);
	LOAD(pod_status_writes);
	LOAD(sync_errors);
#undef LOAD
	pthread_mutex_lock(&a->lock);
	s.pods = strmap_len(&a->pods);
	pthread_mutex_unlock(&a->lock);
	*ret = s;
}

void agent_free(struct agent *a)
{
	if (!a)
		return;
	informer_free(a->inf);
	event_recorder_free(a->rec);
	workqueue_free(a->q);
	free(a->workers);
	agent_forget_all_pods(a);
	strmap_release(&a->pods);
	for (size_t i = 0; i < a->n_nodes; i++) {
		runtime_free(a->nodes[i].rt);
		json_decref(a->nodes[i].status);
	}
	free(a->nodes);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
