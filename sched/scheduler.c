/* scheduler.c — informers, the scheduling loop and the binders. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "api/kinds.h"
#include "client/events.h"
#include "client/informer.h"
#include "sched/cache.h"
#include "sched/queue.h"
#include "sched/scheduler.h"

/* Status jobs beyond this are dropped (their pods are retried anyway). */
#define STATUS_JOBS_MAX 10000
/* kube-scheduler flushes back-off every second. */
#define FLUSH_PERIOD_MS 1000

enum job_type { JOB_BIND, JOB_STATUS };

struct job {
	struct job *next;
	enum job_type type;
	struct sched_queued_pod *entry; /* bind: in flight, owned by queue */
	char *node;			/* bind */
	json_t *pod;			/* status: the object seen */
	char *message;			/* status */
};

struct scheduler {
	struct client *c;
	struct scheduler_config cfg;
	const struct kind_info *pod_kind;
	const struct kind_info *node_kind;
	struct informer *pods;
	struct informer *nodes;
	struct event_recorder *rec;

	pthread_mutex_t lock; /* queue, cache, profile, stats, stopping */
	pthread_cond_t wake;  /* the scheduling loop */
	struct sched_queue *queue;
	struct sched_cache *cache;
	struct sched_profile profile;
	bool stopping;
	struct scheduler_stats st;

	pthread_mutex_t jlock; /* jobs */
	pthread_cond_t jcond;
	struct job *jhead, *jtail;
	size_t n_status_jobs;
	bool jstop;
	pthread_t *binders;
	unsigned n_binders;
};

static int64_t now_ms(void)
{
	return (int64_t)mono_ms();
}

static void logf_(struct scheduler *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void logf_(struct scheduler *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->cfg.log)
		return;
	va_start(ap, fmt);
	s->cfg.log(s->cfg.log_ud, fmt, ap);
	va_end(ap);
}

/* An informer's notices (its watch broke, a re-list) to the log. */
static void informer_notice(void *ud, const char *msg)
{
	logf_(ud, "%s", msg);
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->node);
	json_decref(j->pod);
	free(j->message);
	free(j);
}

/* Queue a job for the binders; takes j. False if it was dropped. */
static bool job_push(struct scheduler *s, struct job *j)
{
	pthread_mutex_lock(&s->jlock);
	if (s->jstop ||
	    (j->type == JOB_STATUS && s->n_status_jobs >= STATUS_JOBS_MAX)) {
		pthread_mutex_unlock(&s->jlock);
		job_free(j);
		return false;
	}
	s->n_status_jobs += j->type == JOB_STATUS;
	j->next = NULL;
	if (s->jtail)
		s->jtail->next = j;
	else
		s->jhead = j;
	s->jtail = j;
	pthread_cond_signal(&s->jcond);
	pthread_mutex_unlock(&s->jlock);
	return true;
}

static struct job *job_pop(struct scheduler *s)
{
	struct job *j;

	pthread_mutex_lock(&s->jlock);
	while (!s->jhead && !s->jstop)
		pthread_cond_wait(&s->jcond, &s->jlock);
	j = s->jstop ? NULL : s->jhead;
	if (j) {
		s->jhead = j->next;
		if (!s->jhead)
			s->jtail = NULL;
		s->n_status_jobs -= j->type == JOB_STATUS;
	}
	pthread_mutex_unlock(&s->jlock);
	return j;
}

/* Ask for the status and event of a pod that fits nowhere. */
static void report_unschedulable(struct scheduler *s, const json_t *pod,
				 char *message)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		free(message);
		return;
	}
	j->type = JOB_STATUS;
	j->pod = json_incref((json_t *)pod);
	j->message = message;
	job_push(s, j);
}

/* ---- informer handlers (informer threads) ---- */

static const char *spec_string(const json_t *obj, const char *field)
{
	const char *v = json_string_value(
	    json_object_get(json_object_get(obj, "spec"), field));

	return v ? v : "";
}

/* A pod we cannot read: tell its owner why, if it is ours to schedule. */
static void handle_invalid_pod(struct scheduler *s, const json_t *obj,
			       const struct kf_error *err)
{
	const char *sched = spec_string(obj, "schedulerName");
	char key[512];
	char *msg;

	if (sched_pod_key(obj, key, sizeof(key)) < 0)
		return;
	if (*spec_string(obj, "nodeName")) {
		logf_(s, "ignoring bound pod %s that cannot be read: %s", key,
		      err->msg);
		return;
	}
	if (json_object_get(json_object_get(obj, "metadata"),
			    "deletionTimestamp"))
		return;
	if (*sched && strcmp(sched, s->profile.scheduler_name) != 0)
		return;
	pthread_mutex_lock(&s->lock);
	sched_queue_delete(s->queue, key);
	s->st.invalid++;
	pthread_mutex_unlock(&s->lock);
	logf_(s, "pod %s cannot be scheduled: %s", key, err->msg);
	msg = strdup(err->msg);
	if (msg)
		report_unschedulable(s, obj, msg);
}

static void handle_pod(struct scheduler *s, const json_t *obj)
{
	struct sched_pod *pod = NULL;
	struct kf_error err;
	bool was_cached;
	int r;

	kf_error_init(&err);
	r = sched_pod_new(obj, &err, &pod);
	if (r == -EINVAL) {
		handle_invalid_pod(s, obj, &err);
		return;
	}
	if (r < 0) {
		logf_(s, "cannot take a pod: %s", strerror(-r));
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (*pod->node_name) {
		/* bound: by us (confirming) or by someone else */
		was_cached = sched_cache_pod_node(s->cache, pod->key) != NULL;
		sched_queue_delete(s->queue, pod->key);
		r = sched_cache_set_pod(s->cache, pod);
		if (r < 0)
			logf_(s, "cannot cache pod %s: %s", pod->key,
			      strerror(-r));
		if (pod->terminal && was_cached)
			sched_queue_move_all(s->queue, SCHED_EVENT_POD_DELETE,
					     now_ms());
		else if (!was_cached && !pod->terminal)
			sched_queue_move_all(s->queue, SCHED_EVENT_POD_ADD,
					     now_ms());
	} else if (strcmp(pod->scheduler_name, s->profile.scheduler_name) !=
		       0 ||
		   pod->deleting || pod->terminal) {
		sched_queue_delete(s->queue, pod->key);
	} else if (sched_cache_is_assumed(s->cache, pod->key) &&
		   sched_queue_where(s->queue, pod->key) ==
		       SCHED_QUEUE_ABSENT) {
		/* bound by us a moment ago; the watch has not caught up */
	} else {
		r = sched_queue_add(s->queue, pod, now_ms());
		if (r < 0)
			logf_(s, "cannot queue pod %s: %s", pod->key,
			      strerror(-r));
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->lock);
	sched_pod_unref(pod);
}

static void on_pod_add(void *ud, const json_t *obj)
{
	handle_pod(ud, obj);
}

static void on_pod_update(void *ud, const json_t *old, const json_t *obj)
{
	handle_pod(ud, obj);
}

static void on_pod_delete(void *ud, const json_t *obj)
{
	struct scheduler *s = ud;
	char key[512];

	if (sched_pod_key(obj, key, sizeof(key)) < 0)
		return;
	pthread_mutex_lock(&s->lock);
	sched_queue_delete(s->queue, key);
	if (sched_cache_remove_pod(s->cache, key) == 0) {
		sched_queue_move_all(s->queue, SCHED_EVENT_POD_DELETE,
				     now_ms());
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->lock);
}

static void set_node(struct scheduler *s, const json_t *obj, unsigned event)
{
	struct kf_error err;
	int r;

	kf_error_init(&err);
	pthread_mutex_lock(&s->lock);
	r = sched_cache_set_node(s->cache, obj, &err);
	if (event) {
		sched_queue_move_all(s->queue, event, now_ms());
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->lock);
	if (r < 0)
		logf_(s, "node %s is not schedulable: %s",
		      json_string_value(json_object_get(
			  json_object_get(obj, "metadata"), "name"))
			  ?: "?",
		      err.code ? err.msg : strerror(-r));
}

static void on_node_add(void *ud, const json_t *obj)
{
	set_node(ud, obj, SCHED_EVENT_NODE_ADD);
}

/* Did anything the filters look at change (not just a heartbeat)? */
static bool node_changed(const json_t *a, const json_t *b)
{
	static const char *const paths[][2] = {
	    {"metadata", "labels"},    {"spec", "taints"},
	    {"spec", "unschedulable"}, {"status", "allocatable"},
	    {"status", "capacity"},
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const json_t *va = json_object_get(
		    json_object_get(a, paths[i][0]), paths[i][1]);
		const json_t *vb = json_object_get(
		    json_object_get(b, paths[i][0]), paths[i][1]);

		if (!va != !vb || (va && !json_equal(va, vb)))
			return true;
	}
	return false;
}

static void on_node_update(void *ud, const json_t *old, const json_t *obj)
{
	set_node(ud, obj, node_changed(old, obj) ? SCHED_EVENT_NODE_UPDATE : 0);
}

static void on_node_delete(void *ud, const json_t *obj)
{
	struct scheduler *s = ud;
	const char *name = json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), "name"));

	if (!name)
		return;
	pthread_mutex_lock(&s->lock);
	sched_cache_remove_node(s->cache, name);
	pthread_mutex_unlock(&s->lock);
}

/* ---- binders ---- */

/*
 * Write status.conditions with PodScheduled=False merged in, through
 * NAME@status as a JSON merge patch; nothing when it already says so.
 * -ENOENT when the pod is gone, -EALREADY when it was bound meanwhile.
 */
static int write_condition(struct scheduler *s, const json_t *seen,
			   const char *message, struct kf_error *err)
{
	const json_t *meta = json_object_get(seen, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	_cleanup_json_ json_t *cur = NULL, *patch = NULL, *conds = NULL;
	_cleanup_free_ char *path = NULL, *rel = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	const json_t *old, *c;
	char key[512], now[RFC3339_MAX];
	size_t i, len;
	int r;

	if (sched_pod_key(seen, key, sizeof(key)) < 0)
		return -EINVAL;
	/* the freshest copy we have: conditions are replaced as a whole */
	if (informer_get(s->pods, key, &cur) < 0)
		return -ENOENT;
	if (*spec_string(cur, "nodeName"))
		return -EALREADY;
	old = json_object_get(json_object_get(cur, "status"), "conditions");
	conds = json_array();
	if (!conds)
		return -ENOMEM;
	rfc3339_format_sec(time(NULL), now);
	json_array_foreach (old, i, c) {
		const char *type =
		    json_string_value(json_object_get(c, "type"));

		if (type && strcmp(type, "PodScheduled") == 0) {
			const char *st, *rs, *msg;

			st = json_string_value(json_object_get(c, "status"));
			rs = json_string_value(json_object_get(c, "reason"));
			msg = json_string_value(json_object_get(c, "message"));
			if (st && rs && msg && strcmp(st, "False") == 0 &&
			    strcmp(rs, "Unschedulable") == 0 &&
			    strcmp(msg, message) == 0)
				return 0;
			/* the transition time stays when the status does */
			if (st && strcmp(st, "False") == 0 &&
			    json_is_string(
				json_object_get(c, "lastTransitionTime")))
				snprintf(now, sizeof(now), "%s",
					 json_string_value(json_object_get(
					     c, "lastTransitionTime")));
			continue;
		}
		if (json_array_append(conds, (json_t *)c) < 0)
			return -ENOMEM;
	}
	if (json_array_append_new(
		conds,
		json_pack("{s:s, s:s, s:n, s:s, s:s, s:s}", "type",
			  "PodScheduled", "status", "False", "lastProbeTime",
			  "lastTransitionTime", now, "reason", "Unschedulable",
			  "message", message)) < 0)
		return -ENOMEM;
	patch = json_pack("{s:{s:O}}", "status", "conditions", conds);
	text = patch ? json_dumps(patch, JSON_COMPACT) : NULL;
	if (!text)
		return -ENOMEM;

	r = client_relpath(s->pod_kind, ns, name, "@status", &rel);
	if (r < 0)
		return r;
	if (asprintf(&path, "%s/%s", client_mount(s->c), rel) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return client_read_error(s->c, rel, -errno, err);
	len = strlen(text);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return client_read_error(s->c, rel, -errno, err);
		off += (size_t)n;
	}
	r = close(TAKE_FD(fd));
	if (r < 0)
		return client_read_error(s->c, rel, -errno, err);
	return 0;
}

static void run_status(struct scheduler *s, struct job *j)
{
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = write_condition(s, j->pod, j->message, &err);
	if (r == -ENOENT || r == -EALREADY)
		return; /* the news is stale */
	if (r < 0)
		logf_(s, "cannot update the status of a pod: %s",
		      err.code ? err.msg : strerror(-r));
	event_recorder_eventf(s->rec, j->pod, EVENT_TYPE_WARNING,
			      "FailedScheduling", "%s", j->message);
}

static void run_bind(struct scheduler *s, struct job *j)
{
	struct sched_pod *pod = sched_pod_ref(j->entry->pod);
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = client_bind(s->c, pod->ns, pod->name, j->node, &err);
	pthread_mutex_lock(&s->lock);
	if (r == 0) {
		s->st.scheduled++;
		sched_queue_done(s->queue, j->entry);
	} else {
		s->st.bind_errors++;
		sched_cache_forget(s->cache, pod->key);
		sched_queue_add_backoff(s->queue, j->entry, now_ms());
		/* the forgotten resources may fit someone else */
		sched_queue_move_all(s->queue, SCHED_EVENT_POD_DELETE,
				     now_ms());
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->lock);
	if (r == 0) {
		event_recorder_eventf(s->rec, pod->obj, EVENT_TYPE_NORMAL,
				      "Scheduled",
				      "Successfully assigned %s/%s to %s",
				      pod->ns, pod->name, j->node);
	} else if (r != -ENOENT) {
		logf_(s, "binding %s to %s failed: %s", pod->key, j->node,
		      err.code ? err.msg : strerror(-r));
		event_recorder_eventf(
		    s->rec, pod->obj, EVENT_TYPE_WARNING, "FailedScheduling",
		    "Binding rejected: %s", err.code ? err.msg : strerror(-r));
	}
	sched_pod_unref(pod);
}

static void *binder_main(void *arg)
{
	struct scheduler *s = arg;
	struct job *j;

	while ((j = job_pop(s))) {
		if (j->type == JOB_BIND)
			run_bind(s, j);
		else
			run_status(s, j);
		job_free(j);
	}
	return NULL;
}

/* ---- the scheduling loop ---- */

/* One cycle for e, with s->lock held. */
static void schedule_one(struct scheduler *s, struct sched_queued_pod *e)
{
	struct sched_diagnosis diag;
	struct sched_node *const *nodes;
	const char *node;
	struct job *j;
	size_t n, idx = 0;
	char *msg = NULL;
	int r;

	sched_diagnosis_init(&diag);
	nodes = sched_cache_nodes(s->cache, &n);
	s->st.attempts++;
	r = sched_schedule(&s->profile, e->pod, nodes, n, &diag, &idx);
	if (r == 0) {
		node = nodes[idx]->name;
		j = calloc(1, sizeof(*j));
		if (j)
			j->node = strdup(node);
		r = j && j->node ? sched_cache_assume(s->cache, e->pod, node)
				 : -ENOMEM;
		if (r < 0) {
			job_free(j);
			logf_(s, "cannot assume pod %s on %s: %s", e->pod->key,
			      node, strerror(-r));
			sched_queue_add_backoff(s->queue, e, now_ms());
			goto out;
		}
		j->type = JOB_BIND;
		j->entry = e;
		if (!job_push(s, j)) {
			sched_cache_forget(s->cache, e->pod->key);
			sched_queue_add_backoff(s->queue, e, now_ms());
		}
	} else if (r == SCHED_E_UNSCHEDULABLE &&
		   sched_diagnosis_message(&diag, &msg) == 0) {
		json_t *obj = json_incref(e->pod->obj);

		s->st.unschedulable++;
		logf_(s, "unable to schedule pod %s: %s", e->pod->key, msg);
		sched_queue_add_unschedulable(s->queue, e, diag.plugins,
					      now_ms());
		report_unschedulable(s, obj, msg);
		json_decref(obj);
	} else {
		logf_(s, "scheduling pod %s failed: %s", e->pod->key,
		      sched_strerror(r));
		sched_queue_add_backoff(s->queue, e, now_ms());
	}
out:
	sched_diagnosis_release(&diag);
}

static void wait_until(struct scheduler *s, int64_t deadline_ms)
{
	struct timespec ts;
	int64_t ms = deadline_ms < 0 ? now_ms() + FLUSH_PERIOD_MS : deadline_ms;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	pthread_cond_timedwait(&s->wake, &s->lock, &ts);
}

static void scheduling_loop(struct scheduler *s)
{
	int64_t next_flush = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		struct sched_queued_pod *e;
		int64_t now = now_ms(), nb;

		nb = sched_queue_next_backoff(s->queue);
		if (now >= next_flush || (nb >= 0 && nb <= now)) {
			sched_queue_flush(s->queue, now);
			if (now >= next_flush)
				next_flush = now + FLUSH_PERIOD_MS;
		}
		if (sched_queue_pop(s->queue, now, &e) < 0) {
			nb = sched_queue_next_backoff(s->queue);
			wait_until(s, nb >= 0 && nb < next_flush ? nb
								 : next_flush);
			continue;
		}
		schedule_one(s, e);
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- life cycle ---- */

int scheduler_new(struct client *c, const struct scheduler_config *cfg,
		  struct scheduler **ret)
{
	struct informer_handlers ph = {on_pod_add, on_pod_update, on_pod_delete,
				       NULL};
	struct informer_handlers nh = {on_node_add, on_node_update,
				       on_node_delete, NULL};
	struct informer_opts po = {0}, no = {0};
	pthread_condattr_t ca;
	struct scheduler *s;
	char host[256] = "";
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->c = c;
	s->cfg = *cfg;
	s->profile = cfg->profile;
	s->n_binders = cfg->binders ? cfg->binders : SCHEDULER_BINDERS_DEFAULT;
	if (s->n_binders > SCHEDULER_BINDERS_MAX)
		s->n_binders = SCHEDULER_BINDERS_MAX;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->jlock, NULL);
	pthread_cond_init(&s->jcond, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);

	s->pod_kind = kinds_by_path("core", "v1", "pods");
	s->node_kind = kinds_by_path("core", "v1", "nodes");
	if (!s->pod_kind || !s->node_kind) {
		r = -ENOTSUP;
		goto out_free;
	}
	r = sched_queue_new(NULL, &s->queue);
	if (r < 0)
		goto out_free;
	r = sched_cache_new(&s->cache);
	if (r < 0)
		goto out_free;
	po.kind = s->pod_kind;
	po.transform = sched_pod_slim;
	po.compact = true;
	po.ignore_old = true; /* on_pod_update reads the new pod only */
	no.kind = s->node_kind;
	no.transform = sched_node_slim;
	po.notice = no.notice = informer_notice;
	po.notice_ud = no.notice_ud = s;
	ph.ud = nh.ud = s;
	if ((r = informer_new(c, &po, &s->pods)) < 0 ||
	    (r = informer_new(c, &no, &s->nodes)) < 0 ||
	    (r = informer_add_handlers(s->pods, &ph)) < 0 ||
	    (r = informer_add_handlers(s->nodes, &nh)) < 0)
		goto out_free;
	gethostname(host, sizeof(host) - 1);
	r = event_recorder_new(c, SCHEDULER_COMPONENT, *host ? host : NULL,
			       &s->rec);
	if (r < 0)
		goto out_free;
	*ret = s;
	return 0;

out_free:
	scheduler_free(s);
	return r;
}

int scheduler_start_informers(struct scheduler *s)
{
	int r;

	/* nodes first: pods bound to known nodes land on real nodes */
	r = informer_start(s->nodes);
	if (r < 0)
		return r;
	return informer_start(s->pods);
}

int scheduler_wait_synced(struct scheduler *s, int timeout_ms)
{
	int r = informer_wait_synced(s->nodes, timeout_ms);

	if (r < 0)
		return r;
	return informer_wait_synced(s->pods, timeout_ms);
}

int scheduler_run(struct scheduler *s)
{
	unsigned started = 0;
	int r = 0;

	pthread_mutex_lock(&s->jlock);
	s->jstop = false;
	pthread_mutex_unlock(&s->jlock);
	s->binders = calloc(s->n_binders, sizeof(*s->binders));
	if (!s->binders)
		return -ENOMEM;
	for (; started < s->n_binders; started++) {
		r = -pthread_create(&s->binders[started], NULL, binder_main, s);
		if (r < 0)
			break;
	}
	if (r == 0)
		scheduling_loop(s);

	pthread_mutex_lock(&s->jlock);
	s->jstop = true;
	pthread_cond_broadcast(&s->jcond);
	pthread_mutex_unlock(&s->jlock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(s->binders[i], NULL);
	free(s->binders);
	s->binders = NULL;
	/* jobs never run: their entries stay in flight in the queue, which
	 * frees them */
	while (s->jhead) {
		struct job *j = s->jhead;

		s->jhead = j->next;
		job_free(j);
	}
	s->jtail = NULL;
	s->n_status_jobs = 0;
	return r;
}

void scheduler_stop(struct scheduler *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

void scheduler_get_stats(struct scheduler *s, struct scheduler_stats *ret)
{
	struct sched_queue_stats qs;

	pthread_mutex_lock(&s->lock);
	*ret = s->st;
	sched_queue_stats(s->queue, &qs);
	ret->active = qs.active;
	ret->backoff = qs.backoff;
	ret->unschedulable_pods = qs.unschedulable;
	ret->in_flight = qs.in_flight;
	sched_cache_nodes(s->cache, &ret->nodes);
	ret->cached_pods = sched_cache_pod_count(s->cache);
	ret->assumed_pods = sched_cache_assumed_count(s->cache);
	pthread_mutex_unlock(&s->lock);
}

void scheduler_free(struct scheduler *s)
{
	if (!s)
		return;
	informer_free(s->pods);
	informer_free(s->nodes);
	event_recorder_free(s->rec);
	sched_cache_free(s->cache);
	sched_queue_free(s->queue);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->jcond);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->jlock);
	free(s);
}
